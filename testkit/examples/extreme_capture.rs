//! Writes a capture at the edges of what ProcMon records, for `scripts/limits.sh`:
//!
//! `extreme_capture processes N OUT.pml`: N processes, each opening and closing a file;
//! `extreme_capture long-paths N OUT.pml`: N open/close pairs on paths of 32,767 characters.

use std::path::Path;

use pml_parser::writer::SystemInfo;
use pml_testkit::build::CaptureBuilder;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: extreme_capture processes|long-paths N OUT.pml";
    let [_, kind, n, out] = args.as_slice() else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let n: u32 = n.parse().unwrap_or_else(|_| {
        eprintln!("{usage}");
        std::process::exit(2)
    });
    let mut capture = CaptureBuilder::create(Path::new(out), SystemInfo::default());
    match kind.as_str() {
        "processes" => {
            for i in 0..n {
                let process = capture.named_process(4 * i + 8, &format!("worker{i}.exe"));
                let path = format!("C:\\work\\{i}.tmp");
                capture.open(process, &path);
                capture.close(process, &path);
            }
        }
        "long-paths" => {
            let tool = capture.named_process(100, "tool.exe");
            for i in 0..n {
                let head = format!("C:\\{i}\\");
                let path = head.clone() + &"d".repeat(0x7fff - head.len());
                capture.open(tool, &path);
                capture.close(tool, &path);
            }
        }
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
    capture.finish();
}
