//! Prints how closely pml's columns match ProcMon's own CSV exports of the shared samples.
//!
//! `cargo run -p pml-parser --example fidelity [--all] [SAMPLE...]`

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/common/golden.rs"]
mod golden;

const GOLDEN: &[&str] = &[
    "mixed-64bit",
    "mixed-32bit",
    "filesystem-32bit",
    "filesystem-64bit",
    "process-64bit",
    "registry-64bit",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let all = args.iter().any(|a| a == "--all");
    let names: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(String::as_str)
        .collect();
    let names = if names.is_empty() {
        GOLDEN.to_vec()
    } else {
        names
    };
    let Some(dir) = common::samples_dir() else {
        std::process::exit(1);
    };
    for name in names {
        let capture = common::open_sample(&dir, name);
        let (header, rows) = golden::golden_rows(&dir, name);
        let report = golden::compare(&capture, &header, &rows);
        println!("## {name}\n\n{}", report.to_markdown(!all));
    }
}
