//! Which ProcMon build each golden capture came from, and the rendering of each build family
//! against the exports that show it (docs/fidelity.md, "ProcMon builds").

use pml_testkit as common;
use pml_testkit::golden;

use pml_parser::{Capture, ColumnRenderer, ProcmonBuild, TimeZoneSpec};

/// (capture, family rendered as, ProcMon version found in the capture).
const DETECTED: &[(&str, ProcmonBuild, &str)] = &[
    ("mixed-64bit", ProcmonBuild::V3_5, "3.51"),
    ("mixed-32bit", ProcmonBuild::V3_5, "3.4"),
    ("filesystem-32bit", ProcmonBuild::V3_5, "3.4"),
    ("filesystem-64bit", ProcmonBuild::V3_5, "3.51"),
    ("process-64bit", ProcmonBuild::V3_5, "3.51"),
    ("registry-64bit", ProcmonBuild::V3_5, "3.51"),
    ("unity-basic-64bit", ProcmonBuild::V3_6, "3.86"),
    ("noriben-v7-32bit", ProcmonBuild::V2, "2.8.0.0"),
    ("win11-fileio-64bit", ProcmonBuild::V3_6, "3.83"),
];

#[test]
fn the_build_is_read_from_the_procmon_images_in_the_capture() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    for &(name, build, version) in DETECTED {
        let capture = common::open_sample(&dir, name);
        let detected = capture.procmon_build();
        assert_eq!(detected.build, build, "{name}: {detected:?}");
        assert_eq!(
            detected.captured_by.as_deref(),
            Some(version),
            "{name}: {detected:?}"
        );
        assert_eq!(ColumnRenderer::new(&capture).procmon_build(), build);
    }
}

/// Equal Detail cells of the QueryDirectory rows, and of all rows, rendered as `build`.
fn query_directory_agreement(
    capture: &Capture,
    name: &str,
    zone: &str,
    build: Option<ProcmonBuild>,
) -> ((u64, u64), (u64, u64)) {
    let dir = common::samples_dir().unwrap();
    let mut renderer =
        ColumnRenderer::new(capture).with_time_zone(TimeZoneSpec::parse(zone).unwrap());
    if let Some(build) = build {
        renderer = renderer.with_procmon_build(build);
    }
    let (header, rows) = golden::golden_rows(&dir, name);
    let report = golden::compare_with(capture, &renderer, &header, &rows);
    let query = report
        .per_operation
        .iter()
        .filter(|((column, group), _)| column == "Detail" && group.ends_with("/QueryDirectory"))
        .fold((0, 0), |(r, e), (_, t)| (r + t.rows, e + t.equal));
    let all = &report.per_column["Detail"];
    (query, (all.rows, all.equal))
}

/// mixed-32bit was captured by ProcMon 3.4 and exported by it: rendered as 3.0-3.4x, its
/// QueryDirectory rows agree (only the 6 resolved-SID rows differ). filesystem-32bit, captured
/// by the same ProcMon 3.4, was exported by a 3.5x: rendered as 3.0-3.4x, only its 167 rows
/// without FileInformationClass (nothing listed, or a single name without filter) agree. Nothing
/// in the two files tells their exporters apart; the default is 3.5x, which keeps
/// filesystem-32bit whole.
#[test]
fn procmon_3_4_exports_list_no_information_class() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let capture = common::open_sample(&dir, "mixed-32bit");
    let (query, all) =
        query_directory_agreement(&capture, "mixed-32bit", "UTC", Some(ProcmonBuild::V3_4));
    assert_eq!(query, (56, 56));
    assert_eq!(all, (32_930, 32_924));
    let (query, all) = query_directory_agreement(&capture, "mixed-32bit", "UTC", None);
    assert_eq!(query, (56, 5));
    assert_eq!(all, (32_930, 32_873));

    let capture = common::open_sample(&dir, "filesystem-32bit");
    let (query, _) = query_directory_agreement(&capture, "filesystem-32bit", "UTC", None);
    assert_eq!(query, (625, 625));
    let (query, _) = query_directory_agreement(
        &capture,
        "filesystem-32bit",
        "UTC",
        Some(ProcmonBuild::V3_4),
    );
    assert_eq!(query, (625, 167));
}

/// unity-basic-64bit was captured by ProcMon 3.86: FileInformationClass comes first. As 3.5x
/// would print them, its QueryDirectory rows differ.
#[test]
fn procmon_3_6_exports_put_the_information_class_first() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let name = "unity-basic-64bit";
    let capture = common::open_sample(&dir, name);
    let (query, all) = query_directory_agreement(&capture, name, "+01:00", None);
    assert_eq!((query, all), ((20, 20), (324, 324)));
    let (query, _) = query_directory_agreement(&capture, name, "+01:00", Some(ProcmonBuild::V3_5));
    assert_eq!(query, (20, 0));
}

/// A 64-bit FS detail blob: sub-operation, parameter-block patches, narrow path, trailer.
fn fs_blob(sub_op: u8, params: &[(usize, &[u8])], path: &str, trailer: &[u8]) -> Vec<u8> {
    let mut out = vec![sub_op, 0, 0, 0];
    out.extend_from_slice(&[0; 12]);
    let p = out.len();
    out.resize(p + 48, 0);
    for (at, bytes) in params {
        out[p + at..p + at + bytes.len()].copy_from_slice(bytes);
    }
    out.extend_from_slice(&(0x8000 | path.len() as u16).to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(path.as_bytes());
    out.extend_from_slice(trailer);
    out
}

/// The three differences issue 19 reports from a Windows 7 capture exported by a newer ProcMon
/// at UTC+2, on a capture written with ProcMon 3.89's driver in its System process: times of
/// -1 and 0, CreateFileMapping's empty PageProtection, QueryDirectory's class before the filter.
#[test]
fn a_windows_7_capture_of_a_newer_procmon_renders_as_it_does() {
    use pml_parser::writer::{EventRecord, PmlWriter, SystemInfo};
    use pml_parser::{Column, EventClass, FileTime, Module, Process};
    let mut info = SystemInfo::default();
    info.os.major = 6;
    info.os.minor = 1;
    info.os.build = 7601;
    let mut w = PmlWriter::new(std::io::Cursor::new(Vec::new()), info).unwrap();
    w.add_process(Process {
        index: 1,
        pid: 4,
        name: "System".into(),
        modules: vec![Module {
            base: 0xffff_f880_0100_0000,
            size: 0x1_0000,
            path: "C:\\Windows\\system32\\Drivers\\PROCMON24.SYS".into(),
            version: "3.89".into(),
            company: "Sysinternals - www.sysinternals.com".into(),
            description: "Process Monitor Driver".into(),
            timestamp: 0,
        }],
        ..pml_parser::Process::default()
    });
    let never: Vec<u8> = [u64::MAX, 0, u64::MAX, u64::MAX]
        .iter()
        .flat_map(|t| t.to_le_bytes())
        .chain(0x20u32.to_le_bytes())
        .chain([0; 4])
        .collect();
    let set_basic = fs_blob(4, &[], "C:\\t\\a.txt", &never);
    // SyncTypeCreateSection, PAGE_EXECUTE at byte 4, nothing at byte 8 (which ProcMon reads).
    let mapping = fs_blob(
        0,
        &[(0, &1u32.to_le_bytes()), (4, &0x10u32.to_le_bytes())],
        "C:\\t\\a.dll",
        &[],
    );
    let mut filter = (0x8000u16 | 4).to_le_bytes().to_vec();
    filter.extend_from_slice(b"foo*");
    let query = fs_blob(1, &[(16, &3u32.to_le_bytes())], "C:\\t", &filter);
    let events = [
        (26, &set_basic, 0),
        (19, &mapping, 0),
        (32, &query, 0xC000_000F),
    ];
    for (i, (operation, detail, result)) in events.into_iter().enumerate() {
        w.write_event(&EventRecord {
            process_index: 1,
            tid: 8,
            class: EventClass::FileSystem,
            operation,
            duration: 1,
            time: FileTime(130_000_000_000_000_000 + i as u64),
            result,
            stack: &[],
            detail,
            extra: None,
        })
        .unwrap();
    }
    let capture = Capture::from_bytes(w.finish().unwrap().into_inner()).unwrap();
    assert_eq!(capture.procmon_build().build, ProcmonBuild::V3_6);
    assert_eq!(capture.procmon_build().captured_by.as_deref(), Some("3.89"));
    let renderer =
        ColumnRenderer::new(&capture).with_time_zone(TimeZoneSpec::parse("+02:00").unwrap());
    let detail = |i: u64| {
        let mut out = String::new();
        renderer.write(&capture.event(i).unwrap(), Column::Detail, &mut out);
        out
    };
    assert_eq!(
        detail(0),
        "CreationTime: 1/1/1601 1:59:59 AM, LastAccessTime: 1/1/1601 2:00:00 AM, \
         LastWriteTime: 1/1/1601 1:59:59 AM, ChangeTime: 1/1/1601 1:59:59 AM, FileAttributes: A"
    );
    assert_eq!(
        detail(1),
        "SyncType: SyncTypeCreateSection, PageProtection: "
    );
    assert_eq!(
        detail(2),
        "FileInformationClass: FileBothDirectoryInformation, Filter: foo*"
    );
}
