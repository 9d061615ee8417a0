//! `pml synth` is pml_synth behind a command line: its flags reach the library (the same bytes as
//! a library call with the same options), it reports what it wrote, and its errors are pml's
//! (one line on stderr, exit status 2). The captures themselves are tested in synth/tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pml_synth::{BulkOptions, Options, SCENARIOS};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

/// A fresh directory of this test process for test `name` (the test removes it when it passes).
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pml-synth-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `pml synth ARGS`, with `-o OUT` when given.
fn pml_synth(args: &[&str], out: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pml"));
    command.arg("synth").args(args);
    if let Some(out) = out {
        command.arg("-o").arg(out);
    }
    command.output().unwrap()
}

/// Runs `pml synth ARGS -o OUT` and expects success. Returns its stderr.
fn synth_ok(args: &[&str], out: &Path) -> String {
    let run = pml_synth(args, Some(out));
    assert!(
        run.status.success(),
        "pml synth {args:?}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8(run.stderr).unwrap()
}

/// Runs `pml synth ARGS -o OUT` and expects pml's error: exit status 2, one line on stderr and
/// no capture. Returns the line.
fn synth_error(args: &[&str], out: &Path) -> String {
    let run = pml_synth(args, Some(out));
    assert_eq!(run.status.code(), Some(2), "pml synth {args:?}");
    assert!(!out.exists(), "pml synth {args:?} left {}", out.display());
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

/// The captures `a` and `b` are identical, and so are their findings files.
fn same_files(a: &Path, b: &Path) {
    for ext in ["pml", "expected.json"] {
        let (a, b) = (a.with_extension(ext), b.with_extension(ext));
        assert!(
            std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
            "{} and {} differ",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn a_scenario_writes_the_committed_capture_and_says_what_it_wrote() {
    let dir = scratch("scenario");
    let out = dir.join("seed-race.pml");
    let stderr = synth_ok(&["seed-race"], &out);
    same_files(&out, &testdata().join("seed-race.pml"));
    let size = std::fs::metadata(&out).unwrap().len();
    let events = pml_parser::Capture::open(&out).unwrap().event_count();
    let expected = pml_synth::expected_path(&out);
    assert!(
        stderr.starts_with(&format!(
            "wrote {}: {events} events, {size} bytes in ",
            out.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.ends_with(&format!(
            " events/s); 1 incidents, 1 unmatched opens, 1 sharing violations in {}\n",
            expected.display()
        )),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn scenario_flags_reach_the_library() {
    let dir = scratch("flags");
    let out = dir.join("cli.pml");
    synth_ok(
        &["msbuild-node", "--seed", "7", "--bits32", "--cut-off"],
        &out,
    );
    let mut options = Options::default();
    options.seed = 7;
    options.is_64bit = false;
    options.cut_off = true;
    let lib = dir.join("lib.pml");
    pml_synth::scenario("msbuild-node", &lib, &options).unwrap();
    same_files(&out, &lib);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bulk_flags_reach_the_library() {
    let dir = scratch("bulk");
    let out = dir.join("cli.pml");
    let stderr = synth_ok(
        &["bulk", "--events", "30000", "--stacks", "--seed", "3"],
        &out,
    );
    assert!(stderr.contains(": 30000 events, "), "{stderr}");
    let mut options = BulkOptions::default();
    options.capture.seed = 3;
    options.events = 30_000;
    options.stacks = true;
    let lib = dir.join("lib.pml");
    pml_synth::bulk(&lib, &options).unwrap();
    same_files(&out, &lib);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn help_lists_the_library_scenarios() {
    let run = pml_synth(&["--help"], None);
    assert!(run.status.success());
    let help = String::from_utf8(run.stdout).unwrap().replace('\n', " ");
    assert!(
        help.contains(&format!("Scenarios: {}, bulk.", SCENARIOS.join(", "))),
        "{help}"
    );
}

#[test]
fn unknown_scenarios_fail_cleanly() {
    let dir = scratch("unknown");
    let out = dir.join("x.pml");
    let stderr = synth_error(&["no-such-story"], &out);
    assert_eq!(
        stderr,
        format!(
            "pml: error: unknown scenario \"no-such-story\"; choose one of: {}, bulk\n",
            SCENARIOS.join(", ")
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn write_errors_name_the_file() {
    let dir = scratch("io");
    let out = dir.join("missing-dir/x.pml");
    let stderr = synth_error(&["seed-race"], &out);
    assert!(
        stderr.starts_with(&format!("pml: error: cannot write {}: ", out.display())),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bulk_with_too_few_events_fails_cleanly() {
    let dir = scratch("too-few");
    let out = dir.join("tiny.pml");
    let stderr = synth_error(&["bulk", "--events", "1"], &out);
    assert!(
        stderr.starts_with("pml: error: 1 events are too few for the 2 planted incidents ("),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
