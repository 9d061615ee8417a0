//! Names and paths from a forged capture (`ESC ] 0 ; pwned BEL ESC [ 2 J`, a right-to-left
//! override) never reach the terminal raw: the events and summary tables, `pml info` and the
//! error messages show them escaped, while CSV and JSON Lines keep the exact text.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pml_parser::writer::blobs::CreateFileParams;
use pml_parser::writer::SystemInfo;
use pml_parser::Process;
use pml_testkit::build::CaptureBuilder;
const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J";
const RLO: &str = "\u{202e}";

/// A capture whose computer name, process name, command line and path hold escape sequences
/// and a right-to-left override.
fn hostile_capture(dir: &Path) -> PathBuf {
    let path = dir.join("hostile.pml");
    let info = SystemInfo {
        computer_name: "PC\u{1b}[2J".into(),
        system_root: format!("C:\\Win{HOSTILE}"),
        ..SystemInfo::default()
    };
    let mut capture = CaptureBuilder::create(&path, info);
    let evil = capture.process(Process {
        pid: 666,
        name: format!("evil{HOSTILE}{RLO}exe.txt").into(),
        image_path: format!("C:\\evil{HOSTILE}.exe").into(),
        command_line: format!("evil.exe {HOSTILE}{RLO}").into(),
        ..Process::default()
    });
    let target = format!("C:\\build\\{HOSTILE}{RLO}fdp.exe");
    let open = capture.fs().create_file(&CreateFileParams {
        path: &target,
        desired_access: 0x4000_0000,
        disposition: 5,
        options: 0x60,
        attributes: 0x80,
        share_mode: 1,
        allocation_size: 4096,
        impersonation_sid: None,
        open_result: Some(2),
    });
    capture.file_event(evil, 20, 0, &open);
    capture.close(evil, &target);
    capture.finish();
    path
}

fn pml(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pml"))
        .args(args)
        .output()
        .unwrap()
}

/// True when `bytes` hold ESC, BEL or U+202E.
fn raw(bytes: &[u8]) -> bool {
    bytes.contains(&0x1b)
        || bytes.contains(&0x07)
        || bytes.windows(3).any(|w| w == [0xe2, 0x80, 0xae])
}

#[test]
fn text_for_people_is_escaped_and_machine_formats_are_exact() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-text");
    std::fs::create_dir_all(&dir).unwrap();
    let file = hostile_capture(&dir);
    let f = file.as_os_str();
    let for_people: [&[&std::ffi::OsStr]; 4] = [
        &["events".as_ref(), f, "--format".as_ref(), "table".as_ref()],
        &["info".as_ref(), f],
        &[
            "summary".as_ref(),
            "processes".as_ref(),
            f,
            "--format".as_ref(),
            "table".as_ref(),
        ],
        &[
            "summary".as_ref(),
            "files".as_ref(),
            f,
            "--format".as_ref(),
            "table".as_ref(),
        ],
    ];
    for args in for_people {
        let out = pml(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !raw(&out.stdout),
            "{args:?} printed raw controls: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(!raw(&out.stderr), "{args:?} warned raw controls");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("\\x1b"), "{args:?} shows the escape: {text}");
    }
    let events = String::from_utf8_lossy(
        &pml(&["events".as_ref(), f, "--format".as_ref(), "table".as_ref()]).stdout,
    )
    .into_owned();
    assert!(events.contains("\\u{202e}"), "{events}");

    // Machine formats keep the exact text.
    let csv = pml(&["events".as_ref(), f, "--format".as_ref(), "csv".as_ref()]);
    assert!(String::from_utf8_lossy(&csv.stdout).contains(&format!("{HOSTILE}{RLO}fdp.exe")));
    let jsonl = pml(&["events".as_ref(), f, "--format".as_ref(), "jsonl".as_ref()]);
    let first: serde_json::Value =
        serde_json::from_slice(jsonl.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert!(first.to_string().contains("\\u001b]0;pwned"), "{first}");
    let out = dir.join("out.csv");
    let export = pml(&["export".as_ref(), f, "-o".as_ref(), out.as_os_str()]);
    assert_eq!(export.status.code(), Some(0));
    assert!(
        raw(&std::fs::read(&out).unwrap()),
        "the CSV keeps the bytes"
    );

    // An error naming a hostile file name is escaped too.
    let missing = dir.join(format!("missing{HOSTILE}.pml"));
    let error = pml(&["info".as_ref(), missing.as_os_str()]);
    assert_eq!(error.status.code(), Some(2));
    assert!(
        !raw(&error.stderr),
        "{}",
        String::from_utf8_lossy(&error.stderr)
    );
    assert!(String::from_utf8_lossy(&error.stderr).contains("missing\\x1b]0;pwned"));
}
