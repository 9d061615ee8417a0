//! `pml` killed with SIGKILL in the middle of an export leaves no file beside the target: the
//! target is the old one, and no temporary is left (on Linux the temporary has no name). With
//! `PML_NO_TMPFILE` (the fallback of file systems that refuse `O_TMPFILE`) the killed run leaves
//! its named temporary, and the next run removes it.
//!
//! On Windows (`TerminateProcess`, what `Child::kill` does there) every temporary is named, as in
//! the fallback: the killed run leaves it, the old target stays, and the next run removes it
//! once the killed process is gone.
#![cfg(any(target_os = "linux", windows))]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A bulk capture made once and reused.
fn capture() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("killed-export-input");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bulk-300000.pml");
    if !path.exists() {
        let status = Command::new(env!("CARGO_BIN_EXE_pml"))
            .args(["synth", "bulk", "--events", "300000", "-o"])
            .arg(&path)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    }
    path
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Starts `pml ARGS`, kills it (SIGKILL, `TerminateProcess` on Windows) once it has run `after`;
/// true when the kill ended it, false when it had finished by itself.
fn kill_during(args: &[&std::ffi::OsStr], no_tmpfile: bool, after: Duration) -> bool {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pml"));
    command
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if no_tmpfile {
        command.env("PML_NO_TMPFILE", "1");
    }
    let mut child = command.spawn().unwrap();
    std::thread::sleep(after);
    let running = child.try_wait().unwrap().is_none();
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    // A run that ended between the look and the kill counts as finished.
    running && !status.success()
}

#[test]
fn a_killed_export_leaves_no_file_and_the_old_target() {
    let input = capture();
    // Off Linux every temporary is named: only the fallback's case applies.
    let cases: &[(&str, bool)] = if cfg!(target_os = "linux") {
        &[("csv", false), ("jsonl", false), ("csv", true)]
    } else {
        &[("csv", true), ("jsonl", true)]
    };
    for &(format, no_tmpfile) in cases {
        let dir = scratch(&format!("killed-export-{format}-{no_tmpfile}"));
        let target = dir.join(format!("out.{format}"));
        std::fs::write(&target, b"old").unwrap();
        let args = [
            "export".as_ref(),
            input.as_os_str(),
            "-q".as_ref(),
            "-o".as_ref(),
            target.as_os_str(),
        ];
        let mut killed_mid_run = 0;
        // From early in the run to late, whether pml is built optimized or not; a run that
        // ended before its kill must have left the whole new file.
        for delay_ms in [5, 20, 60, 150, 400, 800] {
            if !kill_during(&args, no_tmpfile, Duration::from_millis(delay_ms)) {
                let written = std::fs::read(&target).unwrap();
                assert!(written.starts_with(b"\xef\xbb\xbf\"") || written.starts_with(b"{"));
                assert!(written.ends_with(b"\n"), "a finished run's file is whole");
                std::fs::write(&target, b"old").unwrap();
                continue;
            }
            killed_mid_run += 1;
            assert_eq!(
                std::fs::read(&target).unwrap(),
                b"old",
                "the old target stays"
            );
            let left = names(&dir);
            if no_tmpfile {
                // The named fallback: the killed run's temporary may be there (it is removed by
                // the next run), but never under the target's name.
                assert!(
                    left.iter()
                        .all(|n| n == &format!("out.{format}") || n.ends_with(".pml-partial")),
                    "{left:?}"
                );
            } else {
                assert_eq!(left, [format!("out.{format}")], "nothing beside the target");
            }
        }
        assert!(
            killed_mid_run > 0,
            "the export ended before every kill: nothing tested"
        );
        // A complete run replaces the target and removes what killed runs left.
        let mut command = Command::new(env!("CARGO_BIN_EXE_pml"));
        command.args(args);
        if no_tmpfile {
            command.env("PML_NO_TMPFILE", "1");
        }
        let status = command.stdout(Stdio::null()).status().unwrap();
        assert!(status.success());
        assert_eq!(
            names(&dir),
            [format!("out.{format}")],
            "stale temporaries removed"
        );
        assert_ne!(std::fs::read(&target).unwrap(), b"old");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// The PML writer too: `pml filter` killed mid-write leaves nothing beside its target (Linux:
/// its temporary has no name).
#[cfg(target_os = "linux")]
#[test]
fn a_killed_filter_leaves_no_file() {
    let input = capture();
    let dir = scratch("killed-filter");
    let target = dir.join("out.pml");
    let args = [
        "filter".as_ref(),
        input.as_os_str(),
        "-o".as_ref(),
        target.as_os_str(),
    ];
    let mut killed_mid_run = 0;
    for delay_ms in [5, 20, 60, 150, 400] {
        if !kill_during(&args, false, Duration::from_millis(delay_ms)) {
            // Finished before the kill: the whole capture is there; start again without it.
            assert!(
                pml_parser::Capture::open(&target).is_ok(),
                "a whole capture"
            );
            std::fs::remove_file(&target).unwrap();
            continue;
        }
        killed_mid_run += 1;
        assert_eq!(
            names(&dir),
            Vec::<String>::new(),
            "no target and nothing beside it"
        );
    }
    assert!(
        killed_mid_run > 0,
        "the filter ended before every kill: nothing tested"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
