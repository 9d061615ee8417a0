//! PML version 7: a capture of ProcMon 2.8 on Windows XP (noriben-v7-32bit), with the CSV that
//! ProcMon exported from it (the 7 default columns, US format, in the capture machine's zone,
//! UTC-5). It opens like version 9, and every cell must keep agreeing with ProcMon's.

use pml_testkit as common;
use pml_testkit::golden;

use std::collections::BTreeMap;

use pml_parser::{ColumnRenderer, EventClass, ProcmonBuild, TimeZoneSpec};

const NAME: &str = "noriben-v7-32bit";

/// The zone ProcMon exported in: 8:16:14 PM local is 01:16:14 UTC (April 2013).
const ZONE: &str = "-05:00";

/// (column, rows, rows equal to ProcMon's CSV), measured when this test was written; raise
/// them when rendering improves, never lower them.
const FLOORS: &[(&str, u64, u64)] = &[
    ("Time of Day", 623, 623),
    ("Process Name", 623, 623),
    ("PID", 623, 623),
    ("Operation", 623, 623),
    ("Path", 623, 623),
    ("Result", 623, 623),
    ("Detail", 623, 623),
];

/// (column, event class, rows, equal): the Operation, Path and Detail floors per class.
const CLASS_FLOORS: &[(&str, &str, u64, u64)] = &[
    ("Detail", "File System", 248, 248),
    ("Detail", "Network", 165, 165),
    ("Detail", "Process", 12, 12),
    ("Detail", "Registry", 198, 198),
    ("Operation", "File System", 248, 248),
    ("Operation", "Network", 165, 165),
    ("Operation", "Process", 12, 12),
    ("Operation", "Registry", 198, 198),
    ("Path", "File System", 248, 248),
    ("Path", "Network", 165, 165),
    ("Path", "Process", 12, 12),
    ("Path", "Registry", 198, 198),
];

#[test]
fn version_7_opens_with_its_tables() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let capture = common::open_sample(&dir, NAME);
    let h = capture.header();
    assert_eq!((h.version, h.is_64bit), (7, false));
    assert_eq!(h.computer_name, "VM-XP-TEST");
    assert_eq!((h.os.major, h.os.minor, h.os.build), (5, 1, 2600));
    assert_eq!(h.os.service_pack, "Service Pack 2");
    assert_eq!(capture.event_count(), 623);
    assert_eq!(capture.processes().len(), 35);
    assert!(capture.warnings().is_empty(), "{:?}", capture.warnings());
    assert!(capture.events().all(|e| e.is_ok()));
    // The capturing ProcMon is in its own capture: procmon.exe 2.8.0.0 and PROCMON20.SYS.
    let procmon = capture
        .processes()
        .iter()
        .find(|p| p.command_line.contains("/BackingFile"))
        .expect("the capturing procmon.exe");
    assert_eq!(&*procmon.version, "2.8.0.0");
    let system = capture.processes().system().expect("System");
    assert!(system
        .modules
        .iter()
        .any(|m| m.name().eq_ignore_ascii_case("PROCMON20.SYS")));
    let build = capture.procmon_build();
    assert_eq!(build.build, ProcmonBuild::V2);
    assert_eq!(build.captured_by.as_deref(), Some("2.8.0.0"));
    // Stacks resolve against the 32-bit module lists.
    let event = capture.event(0).unwrap();
    assert_eq!(event.stack_depth(), 25);
    assert!(event.resolved_stack().any(|f| f.module.is_some()));
}

#[test]
fn every_cell_matches_procmon_at_least_as_well_as_measured() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let capture = common::open_sample(&dir, NAME);
    let renderer = ColumnRenderer::new(&capture).with_time_zone(TimeZoneSpec::parse(ZONE).unwrap());
    let (header, rows) = golden::golden_rows(&dir, NAME);
    assert_eq!(header.len(), 7);
    let report = golden::compare_with(&capture, &renderer, &header, &rows);
    for &(column, rows, floor) in FLOORS {
        let t = &report.per_column[column];
        assert_eq!(t.rows, rows, "{column}: rows");
        assert!(
            t.equal >= floor,
            "{column}: {} of {rows} equal, floor {floor}; first difference {:?}",
            t.equal,
            t.example
        );
    }
    assert_eq!(report.per_column.len(), FLOORS.len());

    // Per event class (the export has no Event Class column: the capture's is used).
    let mut tally: BTreeMap<(&str, &str), (u64, u64, Option<String>)> = BTreeMap::new();
    let mut got = String::new();
    for (event, row) in capture.events().zip(&rows) {
        let event = event.unwrap();
        for column in ["Operation", "Path", "Detail"] {
            got.clear();
            assert!(golden::render_column(&renderer, &event, column, &mut got));
            let want = &row[header.iter().position(|h| h == column).unwrap()];
            let entry = tally.entry((column, event.class().name())).or_default();
            entry.0 += 1;
            if *want == got {
                entry.1 += 1;
            } else if entry.2.is_none() {
                entry.2 = Some(format!("#{}: {want:?} / {got:?}", event.index()));
            }
        }
    }
    for &(column, class, rows, floor) in CLASS_FLOORS {
        let (got_rows, equal, example) = tally.remove(&(column, class)).unwrap_or_default();
        assert_eq!(got_rows, rows, "{column}/{class}: rows");
        assert!(
            equal >= floor,
            "{column}/{class}: {equal} of {rows}, floor {floor}; {example:?}"
        );
    }
    assert!(tally.is_empty(), "classes without a floor: {tally:?}");
}

/// What version 7 lays out or names differently, each checked on the events that show it.
#[test]
fn the_layout_differences_of_version_7() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let capture = common::open_sample(&dir, NAME);
    let renderer = ColumnRenderer::new(&capture).with_time_zone(TimeZoneSpec::parse(ZONE).unwrap());
    let render = |index: u64, column| {
        let mut out = String::new();
        renderer.write(&capture.event(index).unwrap(), column, &mut out);
        out
    };
    use pml_parser::Column::{Detail, Operation};
    // Process Start holds only the parent's PID (a 4-byte detail blob).
    let start = capture.event(11).unwrap();
    assert_eq!(start.class(), EventClass::Process);
    assert_eq!(start.detail_bytes().len(), 4);
    assert_eq!(render(11, Detail), "Parent PID: 1432");
    // SetInformationFile class 0x13 (FileAllocationInformation) is named SetAllInformationFile.
    assert_eq!(capture.event(406).unwrap().sub_operation(), 0x13);
    assert_eq!(render(406, Operation), "SetAllInformationFile");
    assert_eq!(render(406, Detail), "AllocationSize: 16,384");
    let as_3_5 = renderer.clone().with_procmon_build(ProcmonBuild::V3_5);
    let mut out = String::new();
    as_3_5.write(&capture.event(406).unwrap(), Operation, &mut out);
    assert_eq!(out, "SetAllocationInformationFile");
    // RegCreateKey has no completion block: no Disposition.
    assert_eq!(
        render(0, Detail),
        "Desired Access: Query Value",
        "RegCreateKey"
    );
    // CreateFile: bytes 20-23 of the parameter block are padding (0x1400 here); the
    // AllocationSize ProcMon printed is at byte 24.
    assert!(render(252, Detail).contains("Disposition: OverwriteIf"));
    assert!(render(252, Detail).contains("AllocationSize: 0,"));
}

/// A version-7 capture written again keeps its rendering: as version 7 (what `pml filter` and
/// every copy write now), and as version 9 (what pml wrote before), where the build is still
/// found in its process table and the short blobs by their length.
#[test]
fn written_again_it_renders_the_same() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    use pml_parser::writer::{copy_capture, system_info, PmlWriter, SystemInfo};
    let capture = common::open_sample(&dir, NAME);
    for version in [7, 9] {
        let info = SystemInfo {
            version,
            ..system_info(capture.header())
        };
        let mut writer = PmlWriter::new(std::io::Cursor::new(Vec::new()), info).unwrap();
        assert_eq!(copy_capture(&capture, &mut writer).unwrap(), 0);
        let copy = pml_parser::Capture::from_bytes(writer.finish().unwrap().into_inner()).unwrap();
        assert_eq!(copy.header().version, version);
        assert_eq!(copy.procmon_build().build, ProcmonBuild::V2);
        let zone = TimeZoneSpec::parse(ZONE).unwrap();
        let (a, b) = (
            ColumnRenderer::new(&capture).with_time_zone(zone.clone()),
            ColumnRenderer::new(&copy).with_time_zone(zone),
        );
        let (mut x, mut y) = (String::new(), String::new());
        for (e, f) in capture.events().zip(copy.events()) {
            let (e, f) = (e.unwrap(), f.unwrap());
            for column in pml_parser::Column::DEFAULT {
                x.clear();
                y.clear();
                a.write(&e, column, &mut x);
                b.write(&f, column, &mut y);
                assert_eq!(x, y, "version {version}: event {} {column:?}", e.index());
            }
        }
    }
    assert_eq!(system_info(capture.header()).version, 7);
}
