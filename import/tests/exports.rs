//! ProcMon's exports read back: the golden CSVs (ProcMon's own) against their captures, PML →
//! CSV → capture round trips that must analyze alike, and a non-US rewrite of a golden CSV.

use std::io::Write;
use std::path::{Path, PathBuf};

use pml_analyzer::{analyze, Analysis, Options as AnalyzeOptions};
use pml_import::{open, Options};
use pml_parser::render::csv::{write_header, RecordWriter};
use pml_parser::{Capture, Column, ColumnRenderer, ProcmonBuild, SplitCapture};
use pml_testkit::golden::{compare_with, golden_rows};
use pml_testkit::{open_sample, samples_dir, TempDir};

const GOLDEN: [&str; 8] = [
    "mixed-64bit",
    "mixed-32bit",
    "filesystem-32bit",
    "filesystem-64bit",
    "process-64bit",
    "registry-64bit",
    "unity-basic-64bit",
    "noriben-v7-32bit",
];

/// Per golden CSV: the rows whose Detail the imported capture must print as ProcMon exported
/// it (at least), and the ProcMon build its QueryDirectory Details show. Before the Details of
/// every operation were rebuilt (docs/import.md) the figures were 9,012, 8,393, 4,300, 16,476,
/// 2,789, 156, 100 and 427. The rows left are CreateFiles impersonating an account ProcMon
/// named from the capture machine's accounts (4 and 6), which no SID can be rebuilt from.
const DETAIL_FLOORS: [(&str, u64, Option<ProcmonBuild>); 8] = [
    ("mixed-64bit", 53_210, Some(ProcmonBuild::V3_5)),
    ("mixed-32bit", 32_924, Some(ProcmonBuild::V3_4)),
    ("filesystem-32bit", 8_577, Some(ProcmonBuild::V3_5)),
    ("filesystem-64bit", 31_569, Some(ProcmonBuild::V3_5)),
    ("process-64bit", 3_400, None),
    ("registry-64bit", 28_240, None),
    ("unity-basic-64bit", 324, Some(ProcmonBuild::V3_6)),
    ("noriben-v7-32bit", 623, None),
];

/// Columns an export gives exactly, whatever the operation: they must read back equal.
const EXACT: [&str; 22] = [
    "Time of Day",
    "Process Name",
    "PID",
    "Operation",
    "Path",
    "Result",
    "Date & Time",
    "Relative Time",
    "Duration",
    "Completion Time",
    "Event Class",
    "Sequence",
    "Image Path",
    "Company",
    "Description",
    "Version",
    "User",
    "Authentication ID",
    "Session",
    "TID",
    "Virtualized",
    "Integrity",
];

/// Writes `rows` (header first) as a CSV file the way ProcMon does.
fn write_csv(path: &Path, header: &[String], rows: &[Vec<String>]) {
    let mut text = String::from("\u{feff}");
    let columns: Vec<Column> = header.iter().filter_map(|h| Column::from_name(h)).collect();
    write_header(&columns, &mut text);
    for row in rows {
        let fields: Vec<String> = row
            .iter()
            .map(|f| format!("\"{}\"", f.replace('"', "\"\"")))
            .collect();
        text.push_str(&fields.join(","));
        text.push_str("\r\n");
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn golden_csvs_read_with_their_rows_and_cells() {
    let Some(dir) = samples_dir() else { return };
    let tmp = TempDir::new("import-golden");
    for name in GOLDEN {
        let (header, rows) = golden_rows(&dir, name);
        let csv = tmp.join(&format!("{name}.csv"));
        write_csv(&csv, &header, &rows);
        let imported = open(&csv, &Options::default()).unwrap();
        assert_eq!(imported.report.rows, rows.len() as u64, "{name}: rows");
        assert_eq!(
            imported.capture.event_count(),
            rows.len() as u64,
            "{name}: events"
        );
        assert!(imported.report.damage.is_none(), "{name}");
        let (_, floor, build) = DETAIL_FLOORS.iter().find(|f| f.0 == name).unwrap();
        assert_eq!(imported.report.procmon_build, *build, "{name}: build");
        // The capture renders as the ProcMon build the export's QueryDirectory Details show;
        // the version-7 capture's export names operations as ProcMon 2.x did, and rendered as
        // that release the capture gives them back.
        if let Some(build) = build {
            assert_eq!(imported.capture.procmon_build().build, *build, "{name}");
        }
        let mut renderer = ColumnRenderer::new(&imported.capture);
        if name == "noriben-v7-32bit" {
            renderer = renderer.with_procmon_build(ProcmonBuild::V2);
        }
        let report = compare_with(&imported.capture, &renderer, &header, &rows);
        for column in EXACT {
            if let Some(t) = report.per_column.get(column) {
                // Relative Time counts from the first event of the capture, which a filtered
                // save (unity-basic) does not export: it can only be compared where it starts
                // at zero.
                if column == "Relative Time"
                    && rows[0][header.iter().position(|h| h == column).unwrap()]
                        != "00:00:00.0000000"
                {
                    continue;
                }
                assert_eq!(
                    t.equal,
                    t.rows,
                    "{name}: column {column}: {:?}\n{}",
                    t.example,
                    report.to_markdown(true)
                );
            }
        }
        let detail = report.per_column.get("Detail").unwrap();
        eprintln!(
            "{name}: {} rows, Detail equal in {} of {}",
            rows.len(),
            detail.equal,
            detail.rows
        );
        assert!(
            detail.equal >= *floor,
            "{name}: Detail equal in {} rows, fewer than {floor}\n{}",
            detail.equal,
            report.to_markdown(true)
        );
        // The import counts the Details it could not rebuild as the comparison does.
        let partly: u64 = imported
            .report
            .warnings
            .iter()
            .filter(|w| w.code == "detail-partly-kept")
            .map(|w| {
                let count = w.message.split("Detail of ").nth(1).unwrap();
                count.split(' ').next().unwrap().parse::<u64>().unwrap()
            })
            .sum();
        assert_eq!(
            partly,
            detail.rows - detail.equal,
            "{name}: detail-partly-kept"
        );
        same_summaries(imported.capture, open_sample(&dir, name), name, &header);
    }
}

/// The summaries of ProcMon's export read as a capture equal those of the PML it came from.
/// Summary columns that come from export columns the export lacks (times without `Date & Time`,
/// `Image Path`, `Command Line`, ...) are left out of the comparison: what an export cannot give
/// reads as empty, with a warning.
fn same_summaries(imported: Capture, original: Capture, name: &str, header: &[String]) {
    use pml_analyzer::filter::Filter;
    use pml_analyzer::summary::{Kind, Summarizer, ValueType};
    use pml_analyzer::Query;
    let (mut imported, mut original) = (SplitCapture::from(imported), SplitCapture::from(original));
    if name == "noriben-v7-32bit" {
        // Its export names operations as ProcMon 2.x did: both summarized as that release
        // (`pml summary --procmon-build 2.x`).
        imported = imported.with_procmon_build(Some(ProcmonBuild::V2));
        original = original.with_procmon_build(Some(ProcmonBuild::V2));
    }
    let kinds = [
        Kind::Processes,
        Kind::Files,
        Kind::Registry,
        Kind::Network,
        Kind::Count(Column::Operation),
        Kind::Count(Column::Result),
        Kind::Count(Column::ProcessName),
    ];
    let has = |column: &str| header.iter().any(|h| h == column);
    for kind in kinds {
        let table = |capture: &SplitCapture| {
            Summarizer::summarize(&Query::new(capture, &Filter::default()), kind, &()).0
        };
        let (got, want) = (table(&imported), table(&original));
        assert_eq!(got.rows.len(), want.rows.len(), "{name}: {kind:?} rows");
        let given: Vec<bool> = got
            .columns
            .iter()
            .map(|(column, ty)| {
                let from_export = Column::ALL.iter().any(|c| c.name() == column);
                (!from_export || has(column)) && (*ty != ValueType::Time || has("Date & Time"))
            })
            .collect();
        let differ = got.rows.iter().zip(&want.rows).position(|(g, w)| {
            g.iter()
                .zip(w)
                .zip(&given)
                .any(|((a, b), &compared)| compared && a != b)
        });
        if let Some(i) = differ {
            panic!(
                "{name}: {kind:?}: row {i} differs:\n  export: {:?}\n  PML:    {:?}",
                got.rows[i], want.rows[i]
            );
        }
    }
}

/// Every cell of `capture` in the 27 columns, as ProcMon's CSV export.
fn export_csv(capture: &Capture, path: &Path) {
    let renderer = ColumnRenderer::new(capture);
    let mut records = RecordWriter::new(&renderer, &Column::ALL);
    let mut text = String::from("\u{feff}");
    write_header(&Column::ALL, &mut text);
    for event in capture.events() {
        records.write(&event.unwrap(), &mut text);
    }
    let mut file = std::fs::File::create(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

/// Capture warnings a CSV export cannot carry (docs/import.md): the kernel's sequence numbers
/// (ProcMon prints `n/a` in the Sequence column of a saved log) and the end times of the process
/// table (a CSV has no process table), which tell events dropped and processes that ended with
/// no Process Exit in the capture.
const NOT_IN_A_CSV: [&str; 2] = [
    pml_analyzer::warnings::code::EVENTS_FILTERED_OR_DROPPED,
    pml_analyzer::warnings::code::EXIT_MISSING,
];

/// What must survive a round trip: incidents, sharing violations, unmatched opens (by path,
/// PID, classification and event numbers), failures (process, exit status, failed children and
/// causes), leak groups, and the codes of the capture's warnings.
fn findings(a: &Analysis) -> Vec<String> {
    let mut out = Vec::new();
    for i in &a.incidents {
        out.push(format!(
            "incident {:?} {} opener {:?} child {:?} victims {:?} events {:?}",
            i.kind,
            i.path,
            i.opener.as_ref().map(|p| (p.pid, p.name.clone())),
            i.child.as_ref().map(|p| (p.pid, p.name.clone())),
            i.victims.iter().map(|p| p.pid).collect::<Vec<_>>(),
            i.events
        ));
    }
    for s in &a.sharing_violations {
        out.push(format!(
            "sharing {} {} event {} explained {}",
            s.process.pid, s.path, s.event_index, s.explained
        ));
    }
    for u in &a.unmatched_opens {
        out.push(format!(
            "unmatched {} {} {:?}",
            u.process.pid, u.path, u.classification
        ));
    }
    for f in &a.failures {
        out.push(format!(
            "failure {} {} status {:#x} exit event {} children {:?}",
            f.process.pid,
            f.process.name,
            f.exit_status,
            f.exit_event,
            f.failed_children
                .iter()
                .map(|c| (c.process.pid, c.exit_status, c.exit_event))
                .collect::<Vec<_>>()
        ));
        for c in &f.causes {
            out.push(format!(
                "  cause event {} {} {} {} attempts {} incident {:?}",
                c.event_index, c.operation, c.path, c.result, c.attempts, c.incident
            ));
        }
    }
    for l in &a.handle_leaks {
        out.push(format!(
            "leak {} {} {} opens {} closes {} unclosed {}",
            l.process.pid, l.process.name, l.path, l.opens, l.closes, l.unclosed
        ));
    }
    let mut codes: Vec<&str> = a
        .warnings
        .iter()
        .map(|w| w.code)
        .filter(|code| !NOT_IN_A_CSV.contains(code))
        .collect();
    codes.sort_unstable();
    out.push(format!("warnings {codes:?}"));
    out.push(format!(
        "summary incidents {} by class {:?} failures {} leaks {}",
        a.summary.incidents,
        a.summary.unmatched_by_classification,
        a.summary.failures,
        a.summary.handle_leaks
    ));
    out
}

/// The lines of `want` and `got` that differ, for a failure message.
fn differences(want: &[String], got: &[String]) -> String {
    let mut text = String::new();
    for (i, (w, g)) in want.iter().zip(got).enumerate() {
        if w != g {
            text.push_str(&format!("  line {i}\n    want {w}\n    got  {g}\n"));
        }
    }
    for w in want.iter().skip(got.len()) {
        text.push_str(&format!("  only wanted: {w}\n"));
    }
    for g in got.iter().skip(want.len()) {
        text.push_str(&format!("  only got: {g}\n"));
    }
    text
}

/// The events of `imported` whose Detail does not print as `capture` prints it (rendered as the
/// same ProcMon build), and the first of them: (event, pml's text, the read-back capture's).
fn details_read_back(
    capture: &Capture,
    imported: &Capture,
) -> (u64, Option<(u64, String, String)>) {
    let want = ColumnRenderer::new(capture);
    let got = ColumnRenderer::new(imported).with_procmon_build(want.procmon_build());
    let (mut differ, mut first) = (0, None);
    let (mut a, mut b) = (String::new(), String::new());
    for (x, y) in capture.events().zip(imported.events()) {
        let (x, y) = (x.unwrap(), y.unwrap());
        a.clear();
        b.clear();
        want.write(&x, Column::Detail, &mut a);
        got.write(&y, Column::Detail, &mut b);
        if a != b {
            differ += 1;
            first.get_or_insert_with(|| (x.index(), a.clone(), b.clone()));
        }
    }
    (differ, first)
}

/// Exports `capture` as a 27-column CSV, reads it back and analyzes both; the differences in
/// their findings, if any. Every Detail must print back as pml exported it, but for `spared`
/// events.
fn round_trip(capture: Capture, label: &str, tmp: &TempDir, spared: u64) -> Result<usize, String> {
    let csv = tmp.join(&format!("{label}.csv"));
    export_csv(&capture, &csv);
    let imported = open(&csv, &Options::default()).unwrap();
    if imported.report.partial() {
        return Err(format!("{label}: read in part: {:?}", imported.report));
    }
    assert_eq!(
        imported.capture.event_count(),
        capture.event_count(),
        "{label}"
    );
    let (differ, first) = details_read_back(&capture, &imported.capture);
    let options = AnalyzeOptions::default();
    let want = findings(&analyze(&SplitCapture::from(capture), &options));
    let got = findings(&analyze(&SplitCapture::from(imported.capture), &options));
    if want != got {
        return Err(format!("{label}:\n{}", differences(&want, &got)));
    }
    if differ > spared {
        return Err(format!(
            "{label}: {differ} Details do not print back (at most {spared}); first: {first:?}"
        ));
    }
    eprintln!(
        "{label}: {} findings alike, {differ} Details do not print back",
        want.len()
    );
    Ok(want.len())
}

#[test]
fn pml_to_csv_to_capture_analyzes_alike_on_every_scenario() {
    let tmp = TempDir::new("import-roundtrip-testdata");
    let testdata = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata");
    let mut scenarios = 0;
    let mut failed = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&testdata)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pml"))
        .collect();
    paths.sort();
    for path in paths {
        let label = path.file_stem().unwrap().to_string_lossy().into_owned();
        if let Err(e) = round_trip(Capture::open(&path).unwrap(), &label, &tmp, 0) {
            failed.push(e);
        }
        scenarios += 1;
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    assert!(scenarios >= 13, "{scenarios} scenarios");
}

#[test]
fn pml_to_csv_to_capture_analyzes_alike_on_every_sample() {
    let Some(dir) = samples_dir() else { return };
    let tmp = TempDir::new("import-roundtrip-samples");
    let mut failed = Vec::new();
    for name in GOLDEN.iter().copied().chain(["win11-fileio-64bit"]) {
        if let Err(e) = round_trip(open_sample(&dir, name), name, &tmp, 0) {
            failed.push(e);
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// A golden CSV as a German Windows exports it: `31.07.2020 07:37:18`, 24-hour times, decimal
/// commas, dot thousands in Detail.
fn germanize(header: &[String], rows: &mut [Vec<String>]) {
    let us = pml_import::Locale::US;
    let at = |name: &str| header.iter().position(|h| h == name);
    for row in rows.iter_mut() {
        for column in ["Time of Day", "Completion Time"] {
            if let Some(c) = at(column) {
                if let Some(t) = us.time_of_day(&row[c]) {
                    let s = t / 10_000_000;
                    row[c] = format!(
                        "{:02}:{:02}:{:02},{:07}",
                        s / 3600,
                        s / 60 % 60,
                        s % 60,
                        t % 10_000_000
                    );
                }
            }
        }
        if let Some(c) = at("Date & Time") {
            let (date, time) = row[c].split_once(' ').unwrap();
            let mut parts = date.split('/');
            let (m, d, y) = (
                parts.next().unwrap(),
                parts.next().unwrap(),
                parts.next().unwrap(),
            );
            let t = us.time_of_day(time).unwrap() / 10_000_000;
            row[c] = format!(
                "{d:0>2}.{m:0>2}.{y} {:02}:{:02}:{:02}",
                t / 3600,
                t / 60 % 60,
                t % 60
            );
        }
        for column in ["Duration", "Relative Time"] {
            if let Some(c) = at(column) {
                row[c] = row[c].replace('.', ",");
            }
        }
        if let Some(c) = at("Detail") {
            let bytes: Vec<char> = row[c].chars().collect();
            let mut out = String::with_capacity(bytes.len());
            for (i, &ch) in bytes.iter().enumerate() {
                let grouped = ch == ','
                    && i > 0
                    && bytes[i - 1].is_ascii_digit()
                    && bytes.len() > i + 3
                    && bytes[i + 1..i + 4].iter().all(char::is_ascii_digit)
                    && bytes.get(i + 4).is_none_or(|c| !c.is_ascii_digit());
                out.push(if grouped { '.' } else { ch });
            }
            row[c] = out;
        }
    }
}

#[test]
fn a_german_export_reads_with_the_right_rows() {
    let Some(dir) = samples_dir() else { return };
    let tmp = TempDir::new("import-german");
    for name in ["process-64bit", "mixed-64bit", "filesystem-32bit"] {
        let (header, rows) = golden_rows(&dir, name);
        let mut german = rows.clone();
        germanize(&header, &mut german);
        let csv = tmp.join(&format!("{name}.de.csv"));
        write_csv(&csv, &header, &german);
        let imported = open(&csv, &Options::default()).unwrap();
        assert_eq!(
            imported.report.locale,
            pml_import::Locale::from_tag("de-DE").unwrap()
        );
        assert_eq!(imported.capture.event_count(), rows.len() as u64, "{name}");
        assert!(!imported.report.partial(), "{name}: {:?}", imported.report);
        // Read back, the capture renders the US cells ProcMon exported in the first place.
        let report = compare_with(
            &imported.capture,
            &ColumnRenderer::new(&imported.capture),
            &header,
            &rows,
        );
        for column in ["Time of Day", "Date & Time", "Duration", "Completion Time"] {
            let t = &report.per_column[column];
            assert_eq!(t.equal, t.rows, "{name}: {column}: {:?}", t.example);
        }
        let analysis = analyze(
            &SplitCapture::from(imported.capture),
            &AnalyzeOptions::default(),
        );
        eprintln!(
            "{name} (de-DE): {} rows, {} unmatched opens",
            rows.len(),
            analysis.unmatched_opens.len()
        );
    }
}

#[test]
fn a_cut_off_export_reads_up_to_the_cut_and_says_so() {
    let tmp = TempDir::new("import-cut");
    let capture =
        Capture::open(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/seed-race.pml"))
            .unwrap();
    let csv = tmp.join("whole.csv");
    export_csv(&capture, &csv);
    let bytes = std::fs::read(&csv).unwrap();
    let cut = tmp.join("cut.csv");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let imported = open(&cut, &Options::default()).unwrap();
    let report = &imported.report;
    assert!(report.partial());
    let damage = report.damage.as_ref().expect("damage reported");
    assert!(damage.at.starts_with("line "), "{damage:?}");
    assert!(imported.capture.event_count() > 0);
    assert!(imported.capture.event_count() < capture.event_count());
    assert!(report.warnings.iter().any(|w| w.code == "damaged"));
    let none = tmp.join("none.csv");
    std::fs::write(&none, "name,size\n").unwrap();
    let err = open(&none, &Options::default()).err().unwrap().to_string();
    assert!(err.starts_with("not a Process Monitor capture"), "{err}");
}

/// A capture whose failure is explained by a delete and a rename that were refused: before
/// the importer rebuilt SetInformationFile inputs, the CSV lost both causes.
fn refused_delete_and_rename(path: &Path) {
    use pml_parser::writer::blobs::{process, CreateFileParams, FsBlob};
    use pml_parser::writer::{EventRecord, PmlWriter, SystemInfo};
    use pml_parser::{EventClass, FileTime, Process};
    let mut w = PmlWriter::create(path, SystemInfo::default()).unwrap();
    w.add_process(Process {
        index: 1,
        pid: 4711,
        parent_pid: 1000,
        name: "setup.exe".into(),
        image_path: "C:\\dl\\setup.exe".into(),
        command_line: "setup.exe /quiet".into(),
        is_64bit: true,
        ..Process::default()
    });
    let fs = FsBlob::new(true);
    let set = |class: u8, path: &str, input: &[u8]| {
        let params = [
            (0, &(input.len() as u32).to_le_bytes()[..]),
            (16, &u32::from(class).to_le_bytes()[..]),
        ];
        fs.custom(class, 0, &params, path, input, None)
    };
    let mut rename_input = vec![1u8; 1];
    rename_input.resize(16, 0);
    let target: Vec<u8> = "C:\\app\\core.dll"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    rename_input.extend((target.len() as u32).to_le_bytes());
    rename_input.extend(target);
    let events = [
        (
            EventClass::Process,
            7,
            0,
            process::start(1000, "setup.exe /quiet", "C:\\dl\\", &["A=1"]),
        ),
        (
            EventClass::FileSystem,
            20,
            0,
            fs.create_file(&CreateFileParams {
                path: "C:\\app\\old.dll",
                desired_access: 0x0011_0080,
                disposition: 1,
                options: 0x60,
                attributes: 0,
                share_mode: 7,
                allocation_size: 0,
                impersonation_sid: None,
                open_result: Some(1),
            }),
        ),
        (
            EventClass::FileSystem,
            26,
            0xC000_0022,
            set(0x0D, "C:\\app\\old.dll", &[1]),
        ),
        (
            EventClass::FileSystem,
            38,
            0,
            fs.close_file("C:\\app\\old.dll"),
        ),
        (
            EventClass::FileSystem,
            26,
            0xC000_0043,
            set(0x0A, "C:\\app\\core.tmp", &rename_input),
        ),
        (
            EventClass::Process,
            2,
            0,
            process::exit(&process::ExitParams {
                exit_status: 1603,
                ..Default::default()
            }),
        ),
    ];
    for (i, (class, operation, result, blob)) in events.iter().enumerate() {
        w.write_event(&EventRecord {
            process_index: 1,
            tid: 4712,
            class: *class,
            operation: *operation,
            duration: 10,
            time: FileTime(133_000_000_000_000_000 + 10_000 * i as u64),
            result: *result,
            stack: &[],
            detail: &blob.detail,
            extra: blob.extra.as_deref(),
        })
        .unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn a_refused_delete_and_rename_stay_causes_of_a_failure() {
    let tmp = TempDir::new("import-refused");
    let path = tmp.join("refused.pml");
    refused_delete_and_rename(&path);
    let capture = Capture::open(&path).unwrap();
    let analysis = analyze(
        &SplitCapture::from(Capture::open(&path).unwrap()),
        &AnalyzeOptions::default(),
    );
    let causes: Vec<&str> = analysis
        .failures
        .iter()
        .flat_map(|f| f.causes.iter().map(|c| c.operation))
        .collect();
    assert!(
        causes.contains(&"SetDispositionInformationFile"),
        "{causes:?}"
    );
    assert!(causes.contains(&"SetRenameInformationFile"), "{causes:?}");
    round_trip(capture, "refused", &tmp, 0).unwrap();
}
