//! `pml export` against the CSV ProcMon exported from the same capture: the byte format (BOM,
//! quoting, CRLF, header) and every cell of the columns the column layer renders (Path, Detail
//! and Category are checked by the event-class renderers' tests).

use pml_testkit as common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Columns whose rendering is checked elsewhere.
const NOT_HERE: &[&str] = &["Path", "Detail", "Category"];

/// A scratch directory of this test binary.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("export_csv-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Decompresses sample `name` into this test's scratch directory.
fn sample_file(name: &str) -> PathBuf {
    let dir = common::samples_dir().expect("checked by the caller");
    let pml = scratch(name).join(format!("{name}.pml"));
    if !pml.exists() {
        std::fs::write(&pml, common::gunzip(&dir.join(format!("{name}.pml.gz")))).unwrap();
    }
    pml
}

/// Runs `pml export` on sample `name` and returns (exit code, stderr, output bytes).
fn export(name: &str, args: &[&str]) -> (i32, String, Option<Vec<u8>>) {
    let pml = sample_file(name);
    export_files(&[pml.as_path()], name, args)
}

/// Runs `pml export FILES... -o OUT ARGS` and returns (exit code, stderr, output bytes).
fn export_files(files: &[&Path], name: &str, args: &[&str]) -> (i32, String, Option<Vec<u8>>) {
    // Tests run in parallel: each run writes its own file.
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let out = scratch(name).join(format!("out-{}.csv", RUNS.fetch_add(1, Ordering::Relaxed)));
    let _ = std::fs::remove_file(&out);
    let run = Command::new(env!("CARGO_BIN_EXE_pml"))
        .arg("export")
        .args(files)
        .arg("-o")
        .arg(&out)
        .args(args)
        .output()
        .unwrap();
    (
        run.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&run.stderr).into_owned(),
        std::fs::read(&out).ok(),
    )
}

/// Parses ProcMon's CSV strictly: BOM, every field quoted with `"` doubled inside, fields
/// separated by `,`, every row ended by `line_end`. Panics on any deviation.
fn parse_strict(bytes: &[u8], line_end: &[u8]) -> Vec<Vec<String>> {
    let mut at = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .map(|_| 3)
        .expect("starts with a UTF-8 BOM");
    let mut rows = Vec::new();
    let mut row = Vec::new();
    while at < bytes.len() {
        assert_eq!(bytes[at], b'"', "field at byte {at} is not quoted");
        at += 1;
        let mut field = Vec::new();
        loop {
            match bytes.get(at) {
                Some(b'"') if bytes.get(at + 1) == Some(&b'"') => {
                    field.push(b'"');
                    at += 2;
                }
                Some(b'"') => {
                    at += 1;
                    break;
                }
                Some(&b) => {
                    field.push(b);
                    at += 1;
                }
                None => panic!("unterminated field at the end"),
            }
        }
        row.push(String::from_utf8(field).expect("UTF-8"));
        if bytes.get(at) == Some(&b',') {
            at += 1;
        } else {
            assert!(
                bytes[at..].starts_with(line_end),
                "after a field at byte {at}: {:?}",
                String::from_utf8_lossy(&bytes[at..(at + 8).min(bytes.len())])
            );
            at += line_end.len();
            rows.push(std::mem::take(&mut row));
        }
    }
    assert!(row.is_empty(), "the last row has no line end");
    rows
}

/// Compares the cells of our columns; returns (cells compared, cells equal, first difference).
fn compare(ours: &[Vec<String>], golden: &[Vec<String>]) -> (u64, u64, Option<String>) {
    assert_eq!(ours[0], golden[0], "header row");
    assert_eq!(ours.len(), golden.len(), "row count");
    let (mut cells, mut equal, mut first) = (0, 0, None);
    for (i, (a, b)) in ours.iter().zip(golden).enumerate().skip(1) {
        assert_eq!(a.len(), b.len(), "row {i}: field count");
        for (column, (x, y)) in golden[0].iter().zip(a.iter().zip(b)) {
            if NOT_HERE.contains(&column.as_str()) {
                continue;
            }
            cells += 1;
            if x == y {
                equal += 1;
            } else if first.is_none() {
                first = Some(format!("row {i} {column}: ours {x:?}, ProcMon {y:?}"));
            }
        }
    }
    (cells, equal, first)
}

#[test]
fn all_columns_match_procmons_export_of_process_64bit() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let (code, stderr, out) = export("process-64bit", &["--columns", "all"]);
    assert_eq!(code, 0, "{stderr}");
    let out = out.expect("output written");
    let golden = common::gunzip(&dir.join("process-64bit.golden.csv.gz"));
    // The header line, byte for byte.
    let header_end = golden.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    assert_eq!(out[..header_end], golden[..header_end]);
    let ours = parse_strict(&out, b"\r\n");
    let theirs = parse_strict(&golden, b"\r\n");
    let (cells, equal, first) = compare(&ours, &theirs);
    assert_eq!(cells, 3400 * 24);
    assert_eq!(equal, cells, "{first:?}");
}

/// A 32-bit capture with network events, exported by ProcMon with the 27 columns in another
/// order: the same order is asked for with `--columns`.
#[test]
fn all_columns_in_the_golden_order_of_mixed_32bit() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let golden = parse_strict(
        &common::gunzip(&dir.join("mixed-32bit.golden.csv.gz")),
        b"\r\n",
    );
    let order = golden[0].join(",");
    let (code, stderr, out) = export("mixed-32bit", &["--columns", &order]);
    assert_eq!(code, 0, "{stderr}");
    let ours = parse_strict(&out.unwrap(), b"\r\n");
    let (cells, equal, first) = compare(&ours, &golden);
    assert_eq!(cells, 32_930 * 24);
    assert_eq!(equal, cells, "{first:?}");
}

#[test]
fn default_columns_of_filesystem_32bit() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let (code, stderr, out) = export("filesystem-32bit", &[]);
    assert_eq!(code, 0, "{stderr}");
    let ours = parse_strict(&out.unwrap(), b"\r\n");
    let golden = parse_strict(
        &common::gunzip(&dir.join("filesystem-32bit.golden.csv.gz")),
        b"\r\n",
    );
    let golden: Vec<Vec<String>> = golden.into_iter().map(|r| r[..7].to_vec()).collect();
    let (cells, equal, first) = compare(&ours, &golden);
    assert_eq!(cells, 8577 * 5);
    assert_eq!(equal, cells, "{first:?}");
}

/// unity-basic was exported in UTC+1 with 12 columns in its own order (and LF line ends,
/// which ProcMon does not write; ours keep CRLF).
#[test]
fn chosen_columns_and_time_zone_of_unity_basic() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let columns = "Sequence,Time of Day,Duration,Process Name,PID,Parent PID,TID,Operation,Category,Path,Result,Detail";
    let (code, stderr, out) = export(
        "unity-basic-64bit",
        &["--columns", columns, "--tz", "+01:00"],
    );
    assert_eq!(code, 0, "{stderr}");
    let ours = parse_strict(&out.unwrap(), b"\r\n");
    let golden = parse_strict(
        &common::gunzip(&dir.join("unity-basic-64bit.golden.csv.gz")),
        b"\n",
    );
    let (cells, equal, first) = compare(&ours, &golden);
    assert_eq!(cells, 324 * 9);
    assert_eq!(equal, cells, "{first:?}");
}

/// A negative offset is taken as the zone, not as an option.
#[test]
fn negative_offsets() {
    if common::samples_dir().is_none() {
        return;
    }
    let (code, stderr, out) = export(
        "unity-basic-64bit",
        &["--columns", "Time of Day", "--tz", "-05:30"],
    );
    assert_eq!(code, 0, "{stderr}");
    let rows = parse_strict(&out.unwrap(), b"\r\n");
    // 12:51:41.5084596 PM at UTC+1 is 6:21:41.5084596 AM at UTC-5:30.
    assert_eq!(rows[1][0], "6:21:41.5084596 AM");
}

#[test]
fn bad_arguments_fail_without_writing() {
    if common::samples_dir().is_none() {
        return;
    }
    for args in [
        &["--tz", "Mars/Olympus"][..],
        &["--columns", "PID,Colour"][..],
    ] {
        let (code, stderr, out) = export("unity-basic-64bit", args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.starts_with("pml: error: "), "{stderr}");
        assert!(out.is_none(), "{args:?}: an output file was written");
    }
    let missing = scratch("missing").join("out.csv");
    let run = Command::new(env!("CARGO_BIN_EXE_pml"))
        .args(["export", "/nonexistent/x.pml", "-o"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(!missing.exists());
    let leftovers = std::fs::read_dir(missing.parent().unwrap())
        .unwrap()
        .count();
    assert_eq!(leftovers, 0, "no temporary file is left behind");
}

/// Parts of a split capture are exported one after the other under one header, Relative Time
/// counting from the first part's first event.
#[test]
fn parts_are_concatenated() {
    if common::samples_dir().is_none() {
        return;
    }
    let pml = sample_file("unity-basic-64bit");
    let columns = ["--columns", "Relative Time,TID,Operation"];
    let (code, stderr, one) = export_files(&[&pml], "unity-basic-64bit", &columns);
    assert_eq!(code, 0, "{stderr}");
    // A second part: the same events under another name (a file named twice is read once).
    let copy = pml.with_file_name("unity-basic-64bit-copy.pml");
    std::fs::copy(&pml, &copy).unwrap();
    let (code, stderr, two) = export_files(&[&pml, &copy], "unity-basic-64bit", &columns);
    assert_eq!(code, 0, "{stderr}");
    let one = parse_strict(&one.unwrap(), b"\r\n");
    let two = parse_strict(&two.unwrap(), b"\r\n");
    assert_eq!(one.len(), 325);
    assert_eq!(two.len(), 1 + 2 * 324);
    assert_eq!(two[..325], one[..]);
    assert_eq!(two[325..], one[1..]);
    assert_eq!(one[1][0], "00:00:00.0000000");
}

/// An event whose offset points outside the file is left out; the rest is written and the
/// exit code (3) says that the output is partial.
#[test]
fn unreadable_events_are_left_out() {
    if common::samples_dir().is_none() {
        return;
    }
    let mut data = std::fs::read(sample_file("unity-basic-64bit")).unwrap();
    let capture = pml_parser::Capture::from_bytes(data.clone()).unwrap();
    let entry = capture.header().event_offsets_offset as usize + 5 * 7;
    data[entry..entry + 5].copy_from_slice(&[0xFF; 5]);
    let broken = scratch("broken").join("broken.pml");
    std::fs::write(&broken, &data).unwrap();
    let (code, stderr, out) = export_files(&[&broken], "broken", &["--columns", "TID"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("1 unreadable events left out"), "{stderr}");
    assert!(stderr.contains("(323 written)"), "{stderr}");
    let rows = parse_strict(&out.expect("written despite the bad event"), b"\r\n");
    assert_eq!(rows.len(), 1 + 323);
}

/// PML version 7 (ProcMon 2.8): ProcMon's export of the 7 default columns in the capture
/// machine's zone (UTC-5), every cell, Path and Detail included. The golden file has LF line
/// ends (converted after export, as unity-basic's); apart from them the bytes are equal.
#[test]
fn version_7_export_equals_procmons() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let (code, stderr, out) = export("noriben-v7-32bit", &["--tz", "-05:00"]);
    assert_eq!(code, 0, "{stderr}");
    let out = out.unwrap();
    let golden = common::gunzip(&dir.join("noriben-v7-32bit.golden.csv.gz"));
    let ours = parse_strict(&out, b"\r\n");
    assert_eq!(ours, parse_strict(&golden, b"\n"));
    assert_eq!(ours.len(), 1 + 623);
    let lf: Vec<u8> = String::from_utf8(out).unwrap().replace("\r\n", "\n").into();
    assert!(lf == golden, "the bytes differ beyond line ends");
}

/// `--procmon-build` renders as another ProcMon release: mixed-32bit's exporter, ProcMon 3.4,
/// printed QueryDirectory without FileInformationClass.
#[test]
fn procmon_build_is_chosen_with_an_option() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let golden = parse_strict(
        &common::gunzip(&dir.join("mixed-32bit.golden.csv.gz")),
        b"\r\n",
    );
    let detail = golden[0].iter().position(|c| c == "Detail").unwrap();
    let operation = golden[0].iter().position(|c| c == "Operation").unwrap();
    let columns = ["--columns", "Operation,Detail"];
    for (build, equal) in [(None, 5), (Some("3.4"), 56), (Some("3.0-3.4x"), 56)] {
        let mut args = columns.to_vec();
        if let Some(b) = build {
            args.extend(["--procmon-build", b]);
        }
        let (code, stderr, out) = export("mixed-32bit", &args);
        assert_eq!(code, 0, "{stderr}");
        let ours = parse_strict(&out.unwrap(), b"\r\n");
        let rows: Vec<bool> = ours[1..]
            .iter()
            .zip(&golden[1..])
            .filter(|(_, g)| g[operation] == "QueryDirectory")
            .map(|(o, g)| o[1] == g[detail])
            .collect();
        assert_eq!(rows.len(), 56);
        assert_eq!(rows.iter().filter(|&&e| e).count(), equal, "{build:?}");
    }
    let (code, stderr, out) = export("mixed-32bit", &["--procmon-build", "latest"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("unknown ProcMon build"), "{stderr}");
    assert!(out.is_none());
}
