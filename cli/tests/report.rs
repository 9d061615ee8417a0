//! `pml report` as a command: the page is written whole or not at all, with the exit statuses
//! of every command. What the page holds is tested in the pml-report crate.

use std::path::Path;
use std::process::Command;

#[test]
fn pml_report_writes_the_page_whole_or_nothing() {
    let dir = pml_testkit::TempDir::new("report");
    let capture = dir.join("seed-race.pml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/seed-race.pml"),
        &capture,
    )
    .unwrap();
    let out = dir.join("report.html");
    let run = Command::new(env!("CARGO_BIN_EXE_pml"))
        .arg("report")
        .arg(&capture)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success());
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(said.contains("(1 incidents)"), "{said}");
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
    assert_eq!(page.matches("<svg class=\"timeline\"").count(), 1);
    // Written whole: nothing but the capture and the page is left in the folder.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["report.html", "seed-race.pml"]);

    // A missing capture is an error and writes nothing.
    let missing = dir.join("missing.html");
    let status = Command::new(env!("CARGO_BIN_EXE_pml"))
        .args(["report", "no-such-file.pml", "-o"])
        .arg(&missing)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
    assert!(!missing.exists());
}
