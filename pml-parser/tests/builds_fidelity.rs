//! Which ProcMon build each golden capture came from, and the rendering of each build family
//! against the exports that show it (docs/fidelity.md, "ProcMon builds").

mod common;
#[path = "common/golden.rs"]
mod golden;

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
