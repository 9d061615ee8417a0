//! A capture that another program truncates and appends to while `pml` reads it: pml never dies
//! of a signal (before the SIGBUS guard it did, in most runs); each run exits 0 (done before the
//! cut), 3 (partial, with a warning) or 2 (an error with a message).
//!
//! `PML_TRUNCATION_EVENTS` (default 300 000) sets the size of the capture and
//! `PML_TRUNCATION_ROUNDS` (default 9) the number of runs; the figures in docs/robustness.md
//! come from `PML_TRUNCATION_EVENTS=1500000 PML_TRUNCATION_ROUNDS=48`.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn scratch() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("changing-capture");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A bulk capture of `events` events, made once and reused.
fn pristine(dir: &Path, events: u64) -> PathBuf {
    let path = dir.join(format!("bulk-{events}.pml"));
    if !path.exists() {
        let status = Command::new(env!("CARGO_BIN_EXE_pml"))
            .args(["synth", "bulk", "--events", &events.to_string(), "-o"])
            .arg(&path)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pml synth bulk failed");
    }
    path
}

/// Cuts `work` to a third, then appends the rest of `original` and some more bytes.
fn truncate_and_append(work: &Path, original: &Path, len: u64) {
    let cut = len / 3;
    OpenOptions::new()
        .write(true)
        .open(work)
        .unwrap()
        .set_len(cut)
        .unwrap();
    std::thread::sleep(Duration::from_millis(30));
    let mut source = File::open(original).unwrap();
    source.seek(SeekFrom::Start(cut)).unwrap();
    let mut sink = OpenOptions::new().append(true).open(work).unwrap();
    std::io::copy(&mut source, &mut sink).unwrap();
    std::io::Write::write_all(&mut sink, &vec![0xA5; 1 << 20]).unwrap();
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Windows refuses to truncate a file that another process has mapped: the case cannot arise"
)]
fn a_capture_truncated_while_read_never_kills_pml() {
    let events = env_or("PML_TRUNCATION_EVENTS", 300_000);
    let rounds = env_or("PML_TRUNCATION_ROUNDS", 9);
    let dir = scratch();
    let original = pristine(&dir, events);
    let len = std::fs::metadata(&original).unwrap().len();
    let work = dir.join("work.pml");
    let out = dir.join("out.csv");
    let mut statuses: Vec<(String, i32)> = Vec::new();
    for round in 0..rounds {
        std::fs::copy(&original, &work).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_pml"));
        let name = match round % 3 {
            0 => {
                command
                    .arg("export")
                    .arg(&work)
                    .arg("-o")
                    .arg(&out)
                    .arg("-q");
                "export"
            }
            1 => {
                command.arg("analyze").arg(&work);
                "analyze"
            }
            _ => {
                command.args(["events", "--format", "csv"]).arg(&work);
                "events"
            }
        };
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Cut at different points of the read: from just after the open to well into it.
        std::thread::sleep(Duration::from_millis(40 + 60 * (round / 3 % 8)));
        truncate_and_append(&work, &original, len);
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let Some(code) = output.status.code() else {
            panic!(
                "pml {name} died of a signal ({:?}): {stderr}",
                output.status
            );
        };
        match code {
            0 => {}
            3 => assert!(
                stderr.contains("pml: warning"),
                "exit 3 without a warning: {stderr}"
            ),
            2 => assert!(
                stderr.contains("pml: error"),
                "exit 2 without a message: {stderr}"
            ),
            other => panic!("pml {name} exited {other}: {stderr}"),
        }
        statuses.push((name.to_string(), code));
    }
    let count = |code: i32| statuses.iter().filter(|(_, c)| *c == code).count();
    eprintln!(
        "truncation runs: {} ({events} events, {len} bytes): exit 0: {}, exit 3: {}, exit 2: {}; {statuses:?}",
        statuses.len(),
        count(0),
        count(3),
        count(2)
    );
    // The cut must have met pml while it was reading in some runs, or the test tests nothing.
    assert!(
        count(3) + count(2) > 0,
        "no run was cut while reading: {statuses:?}"
    );
    let _ = std::fs::remove_file(&work);
    let _ = std::fs::remove_file(&out);
}

/// A file that grows while it is read is read up to the size seen at open.
#[test]
fn a_growing_capture_is_read_up_to_its_size_at_open() {
    let dir = scratch();
    let original = pristine(&dir, 50_000);
    let work = dir.join("growing.pml");
    std::fs::copy(&original, &work).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_pml"))
        .args(["events", "--format", "csv"])
        .arg(&work)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut sink = OpenOptions::new().append(true).open(&work).unwrap();
    for _ in 0..20 {
        std::io::Write::write_all(&mut sink, &vec![0x5A; 1 << 20]).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = output.stdout.iter().filter(|&&b| b == b'\n').count();
    assert_eq!(rows, 50_001, "header and every event");
    let _ = std::fs::remove_file(&work);
}
