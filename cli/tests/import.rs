//! Every command on ProcMon's CSV and XML exports: the kind is told from the content (not the
//! name), a damaged export reads up to the damage with exit 3, a file of no known kind says so.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pml_testkit::TempDir;

fn pml(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pml"))
        .args(args)
        .output()
        .unwrap()
}

fn seed_race() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/seed-race.pml")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn every_command_reads_csv_and_xml_exports_by_content() {
    let dir = TempDir::new("cli-import");
    let pml_file = seed_race();
    // Names that say nothing: the content decides.
    let csv = dir.join("export.txt");
    let xml = dir.join("export.dat");
    for (out, format) in [(&csv, "csv"), (&xml, "xml")] {
        let o = pml(&[
            "export",
            s(&pml_file),
            "-o",
            s(out),
            "--format",
            format,
            "--columns",
            "all",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let want = text(&pml(&["analyze", s(&pml_file), "--json"]));
    let incidents = |json: &str| -> serde_json::Value {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        let list = v["incidents"].as_array().cloned().unwrap_or_default();
        assert!(!list.is_empty());
        serde_json::json!(list
            .iter()
            .map(|i| (i["kind"].clone(), i["path"].clone(), i["events"].clone()))
            .collect::<Vec<_>>())
    };
    for input in [&csv, &xml] {
        let o = pml(&["analyze", s(input), "--json"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(
            incidents(&text(&o)),
            incidents(&want),
            "{}",
            input.display()
        );
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(stderr.contains("ProcMon "), "{stderr}");
        assert!(stderr.contains("[time-zone]"), "{stderr}");
        for args in [
            vec!["info", s(input)],
            vec![
                "events",
                s(input),
                "--filter",
                "Operation is CreateFile",
                "--format",
                "csv",
            ],
            vec!["summary", "processes", s(input)],
            vec!["query", s(input), "--group-by", "Operation"],
        ] {
            let o = pml(&args);
            assert!(
                o.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(!o.stdout.is_empty(), "{args:?}");
        }
        let parquet = dir.join("from-export.parquet");
        let o = pml(&["export", s(input), "-o", s(&parquet)]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(parquet.exists());
    }
    // The CreateFile rows read back from both exports as the capture has them.
    let creates = |f: &Path| {
        text(&pml(&[
            "events",
            s(f),
            "--filter",
            "Operation is CreateFile",
            "--format",
            "csv",
        ]))
    };
    assert_eq!(creates(&csv), creates(&pml_file));
    assert_eq!(creates(&xml), creates(&pml_file));
}

#[test]
fn damaged_exports_exit_3_and_unknown_files_say_so() {
    let dir = TempDir::new("cli-import-damaged");
    let csv = dir.join("whole.csv");
    let o = pml(&["export", s(&seed_race()), "-o", s(&csv), "--columns", "all"]);
    assert!(o.status.success());
    let bytes = std::fs::read(&csv).unwrap();
    let cut = dir.join("cut.csv");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let o = pml(&["analyze", s(&cut)]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("[damaged]"));
    let other = dir.join("notes.csv");
    std::fs::write(&other, "name,size\nfoo,1\n").unwrap();
    let o = pml(&["info", s(&other)]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("not a Process Monitor capture"), "{stderr}");
    let o = pml(&["info", s(&cut), "--locale", "xx yy"]);
    assert_eq!(o.status.code(), Some(2));
}
