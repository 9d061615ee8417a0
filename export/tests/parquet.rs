//! The Parquet export read back with polars: types and values, event by event.

use pml_analyzer::filter::Filter;
use pml_analyzer::Query;
use pml_export::{Export, Format};
use pml_parser::SplitCapture;
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
