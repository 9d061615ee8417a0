//! The Parquet export read back with polars: types and values, event by event.

use pml_analyzer::filter::{Action, Filter, Rule};
use pml_analyzer::Query;
use pml_export::{Export, Format};
use pml_parser::{Column, ProcmonBuild, SplitCapture};
use pml_testkit::{self as common, TempDir};
use polars::prelude::{DataType, ParquetReader, SerReader, TimeUnit};

#[test]
fn parquet_round_trip_keeps_types_and_values() {
    let Some(samples) = common::samples_dir() else {
        return;
    };
    let dir = TempDir::new("parquet");
    let out = dir.join("fs.parquet");
    let split = SplitCapture::from(common::open_sample(&samples, "mixed-64bit"));
    let query = Query::new(&split, &Filter::default());
    let written = Export::new(&query)
        .write_file(Format::Parquet, &out)
        .unwrap();
    let frame = ParquetReader::new(std::fs::File::open(&out).unwrap())
        .finish()
        .unwrap();
    let capture = split.part(0).unwrap().capture();
    assert_eq!(written.events, capture.event_count());
    assert_eq!(frame.height() as u64, capture.event_count());
    let dtype = |name: &str| frame.column(name).unwrap().dtype().clone();
    assert!(matches!(
        dtype("time"),
        DataType::Datetime(TimeUnit::Nanoseconds, Some(ref tz)) if tz.as_str() == "UTC"
    ));
    for name in ["process_name", "operation", "event_class", "result"] {
        assert!(
            matches!(dtype(name), DataType::Categorical(..)),
            "{name}: {:?}",
            dtype(name)
        );
    }
    assert_eq!(dtype("pid"), DataType::UInt32);
    assert_eq!(dtype("duration"), DataType::Float64);
    assert_eq!(dtype("offset"), DataType::Int64);

    let time = frame
        .column("time")
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap();
    let time = time.i64().unwrap();
    let pid = frame.column("pid").unwrap();
    let pid = pid.u32().unwrap();
    let operation = frame
        .column("operation")
        .unwrap()
        .cast(&DataType::String)
        .unwrap();
    let operation = operation.str().unwrap();
    let length = frame.column("length").unwrap();
    let length = length.u32().unwrap();
    let access = frame.column("desired_access").unwrap();
    let access = access.u32().unwrap();
    let (mut reads, mut creates) = (0, 0);
    for (i, event) in capture.events().enumerate() {
        let event = event.unwrap();
        assert_eq!(
            time.get(i).map(i128::from),
            Some(event.time().unix_nanos()),
            "time {i}"
        );
        assert_eq!(pid.get(i), event.process().map(|p| p.pid), "pid {i}");
        assert_eq!(
            operation.get(i),
            Some(event.operation_name()),
            "operation {i}"
        );
        let details = (event.class() == pml_parser::EventClass::FileSystem)
            .then(|| pml_parser::details::fs::FsDetails::decode(&event).unwrap());
        if let Some(c) = details.and_then(|d| d.create_file()) {
            assert_eq!(access.get(i), Some(c.desired_access), "desired access {i}");
            creates += 1;
        } else if let Some(rw) = details.and_then(|d| d.read_write()) {
            assert_eq!(length.get(i), Some(rw.length), "length {i}");
            reads += 1;
        } else {
            assert_eq!((access.get(i), length.get(i)), (None, None), "event {i}");
        }
    }
    assert!(reads > 0 && creates > 0, "{reads} reads, {creates} creates");
}

/// The text columns of a Parquet export, read back, hold exactly the cells of the CSV export of
/// the same events (every testdata scenario and every real sample, a filter applied to half).
#[test]
fn parquet_cells_equal_the_csv_cells() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata");
    // (name, capture, the ProcMon build to print as, if not the capture's own)
    let mut captures: Vec<(String, pml_parser::Capture, Option<ProcmonBuild>)> =
        std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "pml"))
            .map(|p| {
                let capture = pml_parser::Capture::open(&p).unwrap();
                (p.display().to_string(), capture, None)
            })
            .collect();
    if let Some(samples) = common::samples_dir() {
        for name in [
            "mixed-32bit",
            "registry-64bit",
            "process-64bit",
            "win11-fileio-64bit",
        ] {
            captures.push((name.into(), common::open_sample(&samples, name), None));
        }
        // ProcMon 3.4 names some of win11-fileio's operations otherwise (or not at all): the
        // Parquet file prints them as the CSV does.
        let old = "3.4".parse().unwrap();
        let name = "win11-fileio-64bit";
        captures.push((
            format!("{name} as 3.4"),
            common::open_sample(&samples, name),
            Some(old),
        ));
    }
    let pairs = [
        ("Process Name", "process_name"),
        ("PID", "pid"),
        ("Operation", "operation"),
        ("Path", "path"),
        ("Result", "result"),
        ("Detail", "detail"),
        ("Event Class", "event_class"),
        ("TID", "tid"),
    ];
    let columns: Vec<Column> = pairs
        .iter()
        .map(|(name, _)| Column::from_name(name).unwrap())
        .collect();
    for (i, (name, capture, build)) in captures.into_iter().enumerate() {
        let split = SplitCapture::from(capture).with_procmon_build(build);
        let filter = if i % 2 == 0 {
            Filter::default()
        } else {
            Filter::new(vec![Rule::parse(
                "Event Class is File System",
                Action::Include,
            )
            .unwrap()])
        };
        let query = Query::new(&split, &filter);
        let export = Export::new(&query).columns(columns.clone());
        let mut csv_bytes = Vec::new();
        let csv_written = export.write(Format::Csv, &mut csv_bytes).unwrap();
        let mut parquet = Vec::new();
        let parquet_written = export.write(Format::Parquet, &mut parquet).unwrap();
        assert_eq!(csv_written, parquet_written, "{name}");
        let frame = ParquetReader::new(std::io::Cursor::new(parquet))
            .finish()
            .unwrap();
        let mut reader = csv::Reader::from_reader(&csv_bytes[3..]);
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), frame.height(), "{name}");
        for (c, (csv_name, parquet_name)) in pairs.iter().enumerate() {
            let column = frame
                .column(parquet_name)
                .unwrap()
                .cast(&DataType::String)
                .unwrap();
            let column = column.str().unwrap();
            for (r, row) in rows.iter().enumerate() {
                assert_eq!(
                    column.get(r).unwrap_or(""),
                    &row[c],
                    "{name}: row {r}, {csv_name}"
                );
            }
        }
    }
}
