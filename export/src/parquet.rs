//! Parquet, written with polars: typed columns for notebooks, streamed in row groups so memory
//! stays bounded whatever the size of the capture. The schema is documented in
//! `docs/parquet.md`.

use std::io::Write;

use polars::polars_utils::compression::ZstdLevel;
use polars::prelude::{
    Categories, DataFrame, DataType, Float64Chunked, IdxSize, Int64Chunked, IntoColumn, IntoSeries,
    NamedFrom, NewChunkedArray, ParquetCompression, ParquetWriter, Schema, Series,
    StringChunkedBuilder, TimeUnit, TimeZone,
};

use pml_analyzer::summary::{Table, Value, ValueType};
use pml_parser::details::fs::FsDetails;
use pml_parser::ops::fs_op;
use pml_parser::{Column, Event, EventClass, EventRow, FileTime};

use crate::error::Result;
use crate::{Export, Written};

/// Events per parallel chunk (the events of a chunk that pass the filter form a row group):
/// enough chunks to keep every thread busy, within these bounds (each chunk costs a row group
/// and fresh compression contexts).
const MIN_CHUNK: u64 = 1 << 14;
const MAX_CHUNK: u64 = 1 << 16;

fn chunk_size(events: u64) -> u64 {
    let tasks = rayon::current_num_threads() as u64 * 4;
    (events / tasks.max(1)).clamp(MIN_CHUNK, MAX_CHUNK)
}

/// zstd at level 1: most of the size reduction of the default level 3, at a fraction of its time.
fn compression() -> ParquetCompression {
    ParquetCompression::Zstd(ZstdLevel::try_new(1).ok())
}

/// Nanoseconds since 1970, `None` outside the range of a 64-bit nanosecond timestamp.
fn unix_nanos(t: FileTime) -> Option<i64> {
    i64::try_from(t.unix_nanos()).ok()
}

/// The columns of the file, as documented in docs/parquet.md and built by [`Batch::into_frame`].
///
/// Stated here rather than taken from an empty frame: casting an empty column to categorical
/// makes polars fill an 8 MiB buffer of zeros first, a cost paid before any event is read.
fn schema() -> Schema {
    use DataType::{Boolean, Float64, Int64, String, UInt32, UInt64};
    let time = || DataType::Datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC));
    let cat = || DataType::from_categories(Categories::global());
    let columns = [
        ("index", UInt64),
        ("time", time()),
        ("relative_time", Float64),
        ("duration", Float64),
        ("completion_time", time()),
        ("process_name", cat()),
        ("pid", UInt32),
        ("tid", UInt32),
        ("parent_pid", UInt32),
        ("process_index", UInt32),
        ("event_class", cat()),
        ("operation", cat()),
        ("result", cat()),
        ("result_code", UInt32),
        ("path", String),
        ("detail", String),
        ("category", cat()),
        ("image_path", cat()),
        ("command_line", cat()),
        ("company", cat()),
        ("description", cat()),
        ("version", cat()),
        ("user", cat()),
        ("authentication_id", cat()),
        ("session", UInt32),
        ("virtualized", Boolean),
        ("integrity", cat()),
        ("architecture", cat()),
        ("stack_depth", UInt32),
        ("desired_access", UInt32),
        ("disposition", UInt32),
        ("options", UInt32),
        ("share_mode", UInt32),
        ("open_result", UInt32),
        ("offset", Int64),
        ("length", UInt32),
        ("transferred", UInt32),
    ];
    columns
        .into_iter()
        .map(|(name, dtype)| (name.into(), dtype))
        .collect()
}

/// The columns of one chunk of events, before they become a DataFrame.
struct Batch<'a> {
    index: Vec<u64>,
    time: Vec<Option<i64>>,
    relative_time: Vec<f64>,
    duration: Vec<Option<f64>>,
    completion_time: Vec<Option<i64>>,
    /// The process-level text columns, once per process of the chunk.
    processes: Dict<u32, Option<&'a pml_parser::Process>>,
    pid: Vec<Option<u32>>,
    tid: Vec<u32>,
    parent_pid: Vec<Option<u32>>,
    process_index: Vec<u32>,
    event_class: Dict<u32, &'static str>,
    operation: Dict<usize, &'static str>,
    result: Dict<u32, String>,
    result_code: Vec<u32>,
    path: StringChunkedBuilder,
    detail: StringChunkedBuilder,
    category: Dict<usize, &'static str>,
    session: Vec<Option<u32>>,
    virtualized: Vec<Option<bool>>,
    stack_depth: Vec<u32>,
    desired_access: Vec<Option<u32>>,
    disposition: Vec<Option<u32>>,
    options: Vec<Option<u32>>,
    share_mode: Vec<Option<u32>>,
    open_result: Vec<Option<u32>>,
    offset: Vec<Option<i64>>,
    length: Vec<Option<u32>>,
    transferred: Vec<Option<u32>>,
}

impl<'a> Batch<'a> {
    fn new(capacity: usize) -> Batch<'a> {
        let text = |name: &str| StringChunkedBuilder::new(name.into(), capacity);
        Batch {
            index: Vec::with_capacity(capacity),
            time: Vec::with_capacity(capacity),
            relative_time: Vec::with_capacity(capacity),
            duration: Vec::with_capacity(capacity),
            completion_time: Vec::with_capacity(capacity),
            processes: Dict::with_capacity(capacity),
            pid: Vec::with_capacity(capacity),
            tid: Vec::with_capacity(capacity),
            parent_pid: Vec::with_capacity(capacity),
            process_index: Vec::with_capacity(capacity),
            event_class: Dict::with_capacity(capacity),
            operation: Dict::with_capacity(capacity),
            result: Dict::with_capacity(capacity),
            result_code: Vec::with_capacity(capacity),
            path: text("path"),
            detail: text("detail"),
            category: Dict::with_capacity(capacity),
            session: Vec::with_capacity(capacity),
            virtualized: Vec::with_capacity(capacity),
            stack_depth: Vec::with_capacity(capacity),
            desired_access: Vec::with_capacity(capacity),
            disposition: Vec::with_capacity(capacity),
            options: Vec::with_capacity(capacity),
            share_mode: Vec::with_capacity(capacity),
            open_result: Vec::with_capacity(capacity),
            offset: Vec::with_capacity(capacity),
            length: Vec::with_capacity(capacity),
            transferred: Vec::with_capacity(capacity),
        }
    }

    /// Adds one event; `first` is the time of the input's first event, `cell` a scratch buffer.
    fn push(
        &mut self,
        index: u64,
        event: &Event<'a>,
        renderer: &pml_parser::ColumnRenderer,
        first: FileTime,
        cell: &mut String,
    ) {
        // The process is looked up once for all the columns.
        let row = EventRow::new(event);
        let process = row.process();
        self.index.push(index);
        let time = event.time();
        self.time.push(unix_nanos(time));
        self.relative_time
            .push(time.0.saturating_sub(first.0) as f64 / 1e7);
        self.duration.push(event.duration().map(|d| d as f64 / 1e7));
        self.completion_time
            .push(event.completion_time().and_then(unix_nanos));
        self.processes.push(event.process_index(), || process);
        self.pid.push(process.map(|p| p.pid));
        self.tid.push(event.tid());
        self.parent_pid.push(process.map(|p| p.parent_pid));
        self.process_index.push(event.process_index());
        let class = event.class();
        self.event_class.push(class.code(), || class.name());
        let operation = renderer.operation_name(event);
        self.operation
            .push(operation.as_ptr() as usize, || operation);
        // The Result text depends only on the status code.
        self.result.push(event.result(), || {
            let mut text = String::new();
            renderer.write_row(&row, Column::Result, &mut text);
            text
        });
        for (column, builder) in [
            (Column::Path, &mut self.path),
            (Column::Detail, &mut self.detail),
        ] {
            cell.clear();
            renderer.write_row(&row, column, cell);
            builder.append_value(cell.as_str());
        }
        self.result_code.push(event.result());
        let category = pml_parser::render::category(event);
        self.category.push(category.as_ptr() as usize, || category);
        self.session.push(process.map(|p| p.session));
        self.virtualized
            .push(process.and_then(|p| (p.virtualized <= 1).then_some(p.virtualized == 1)));
        self.stack_depth.push(event.stack_depth() as u32);
        self.push_file_fields(event);
    }

    /// CreateFile and ReadFile/WriteFile fields; nulls for other events.
    fn push_file_fields(&mut self, event: &Event<'a>) {
        let details = (event.class() == EventClass::FileSystem)
            .then(|| FsDetails::decode(event).ok())
            .flatten();
        let create = details.as_ref().and_then(|d| d.create_file());
        self.desired_access.push(create.map(|c| c.desired_access));
        self.disposition
            .push(create.map(|c| u32::from(c.disposition)));
        self.options.push(create.map(|c| c.options));
        self.share_mode
            .push(create.map(|c| u32::from(c.share_mode)));
        self.open_result.push(create.and_then(|c| c.open_result));
        let rw = details
            .as_ref()
            .filter(|d| d.operation != fs_op::CREATE_FILE)
            .and_then(|d| d.read_write());
        self.offset.push(rw.map(|r| r.offset));
        self.length.push(rw.map(|r| r.length));
        self.transferred.push(rw.and_then(|r| r.transferred));
    }

    /// The DataFrame, columns in the documented order.
    fn into_frame(self) -> Result<DataFrame> {
        let categorical = DataType::from_categories(Categories::global());
        let to_cat = |s: Series| -> Result<Series> { Ok(s.cast(&categorical)?) };
        let time = |name: &str, values: Vec<Option<i64>>| {
            Int64Chunked::from_iter_options(name.into(), values.into_iter())
                .into_datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
                .into_series()
                .into_column()
        };
        let col = |s: Series| s.into_column();
        let dict =
            |name: &str, values: Vec<&str>, codes: &[IdxSize]| -> Result<polars::prelude::Column> {
                let values = to_cat(Series::new(name.into(), values))?;
                Ok(values.take_slice(codes)?.into_column())
            };

        // Process-level text: one row per process of the chunk, then spread to the events.
        let procs = &self.processes.values;
        let text = |f: fn(&'a pml_parser::Process) -> &'a str| -> Vec<Option<&'a str>> {
            procs.iter().map(|p| p.map(f)).collect()
        };
        let per_process = [
            ("process_name", text(|p| &p.name)),
            ("image_path", text(|p| &p.image_path)),
            ("command_line", text(|p| &p.command_line)),
            ("company", text(|p| &p.company)),
            ("description", text(|p| &p.description)),
            ("version", text(|p| &p.version)),
            ("user", text(|p| &p.user)),
            ("integrity", text(|p| &p.integrity)),
            (
                "architecture",
                text(|p| if p.is_64bit { "64-bit" } else { "32-bit" }),
            ),
        ];
        let auth: Vec<Option<String>> = procs
            .iter()
            .map(|p| {
                p.map(|p| {
                    let luid = p.authentication_id;
                    format!("{:08x}:{:08x}", luid >> 32, luid & 0xFFFF_FFFF)
                })
            })
            .collect();
        let codes = &self.processes.codes;
        let mut process_columns = std::collections::HashMap::new();
        for (name, values) in per_process {
            let values = to_cat(Series::new(name.into(), values))?;
            process_columns.insert(name, values.take_slice(codes)?.into_column());
        }
        let auth = to_cat(Series::new("authentication_id".into(), auth))?.take_slice(codes)?;
        let mut take = |name: &str| -> Result<polars::prelude::Column> {
            process_columns.remove(name).ok_or_else(|| {
                polars::error::PolarsError::ColumnNotFound(format!("no column {name}").into())
                    .into()
            })
        };

        let result_values: Vec<&str> = self.result.values.iter().map(String::as_str).collect();
        let columns = vec![
            col(Series::new("index".into(), self.index)),
            time("time", self.time),
            col(Series::new("relative_time".into(), self.relative_time)),
            col(
                Float64Chunked::from_iter_options("duration".into(), self.duration.into_iter())
                    .into_series(),
            ),
            time("completion_time", self.completion_time),
            take("process_name")?,
            col(Series::new("pid".into(), self.pid)),
            col(Series::new("tid".into(), self.tid)),
            col(Series::new("parent_pid".into(), self.parent_pid)),
            col(Series::new("process_index".into(), self.process_index)),
            dict(
                "event_class",
                self.event_class.values,
                &self.event_class.codes,
            )?,
            dict("operation", self.operation.values, &self.operation.codes)?,
            dict("result", result_values, &self.result.codes)?,
            col(Series::new("result_code".into(), self.result_code)),
            col(self.path.finish().into_series()),
            col(self.detail.finish().into_series()),
            dict("category", self.category.values, &self.category.codes)?,
            take("image_path")?,
            take("command_line")?,
            take("company")?,
            take("description")?,
            take("version")?,
            take("user")?,
            col(auth),
            col(Series::new("session".into(), self.session)),
            col(Series::new("virtualized".into(), self.virtualized)),
            take("integrity")?,
            take("architecture")?,
            col(Series::new("stack_depth".into(), self.stack_depth)),
            col(Series::new("desired_access".into(), self.desired_access)),
            col(Series::new("disposition".into(), self.disposition)),
            col(Series::new("options".into(), self.options)),
            col(Series::new("share_mode".into(), self.share_mode)),
            col(Series::new("open_result".into(), self.open_result)),
            col(Series::new("offset".into(), self.offset)),
            col(Series::new("length".into(), self.length)),
            col(Series::new("transferred".into(), self.transferred)),
        ];
        Ok(DataFrame::new_infer_height(columns)?)
    }
}

/// The distinct values of a column in a chunk, each kept once, and each row's value number:
/// categorical columns are built from the few distinct values instead of hashing every row.
/// Consecutive events mostly share these values, so the last key is checked before the map.
struct Dict<K, V> {
    map: std::collections::HashMap<K, IdxSize>,
    values: Vec<V>,
    codes: Vec<IdxSize>,
    last: Option<(K, IdxSize)>,
}

impl<K: std::hash::Hash + Eq + Copy, V> Dict<K, V> {
    /// An empty column with room for `rows`.
    fn with_capacity(rows: usize) -> Self {
        Dict {
            map: std::collections::HashMap::new(),
            values: Vec::new(),
            codes: Vec::with_capacity(rows),
            last: None,
        }
    }

    /// Adds a row whose value is identified by `key`; `value` is called for a new key only.
    fn push(&mut self, key: K, value: impl FnOnce() -> V) {
        let code = match self.last {
            Some((last, code)) if last == key => code,
            _ => self.code(key, value),
        };
        self.codes.push(code);
    }

    /// The number of the value of `key`, added if new.
    fn code(&mut self, key: K, value: impl FnOnce() -> V) -> IdxSize {
        let next = self.values.len() as IdxSize;
        let code = *self.map.entry(key).or_insert(next);
        if code == next {
            self.values.push(value());
        }
        self.last = Some((key, code));
        code
    }
}

/// Writes the events that pass the export's query to `out` as Parquet, every column.
///
/// Chunks of events become DataFrames and are encoded into row groups in parallel; the calling
/// thread appends them to the file in event order (polars compresses the pages as it writes).
pub(crate) fn write_events(
    export: &Export<'_, '_>,
    out: &mut (impl Write + Send),
) -> Result<Written> {
    let query = export.query;
    let capture = query.capture();
    let first = capture.first_time().unwrap_or_default();
    let writer = ParquetWriter::new(out)
        .with_compression(compression())
        .batched(&schema())?;
    let mut rows = 0u64;
    let mut unreadable = 0;
    let encode = |chunk: &pml_parser::Chunk| -> Result<_> {
        let mut batch = Batch::new(chunk.len() as usize);
        let mut cell = String::new();
        let bad = query.for_each_match(chunk, |part, index, event| {
            batch.push(index, event, part.renderer(), first, &mut cell);
            Ok::<(), crate::Error>(())
        })?;
        let frame = batch.into_frame()?;
        let groups = writer
            .encode_and_compress(&frame)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((groups, frame.height() as u64, bad))
    };
    let chunk = chunk_size(capture.event_count());
    query.run(chunk, export.progress, encode, |(groups, height, bad)| {
        unreadable += bad;
        rows += height;
        writer.write_row_groups(groups)?;
        Ok(true)
    })?;
    writer.finish()?;
    Ok(Written {
        events: rows,
        unreadable,
    })
}

/// Writes a summary table as Parquet: text, integer, seconds and UTC timestamp columns.
pub(crate) fn write_table(table: &Table, out: &mut impl Write) -> Result<()> {
    let mut columns = Vec::with_capacity(table.columns.len());
    for (i, (name, kind)) in table.columns.iter().enumerate() {
        let cells = table.rows.iter().map(|r| r.get(i));
        let name = name.as_str().into();
        let series = match kind {
            ValueType::Text => {
                let v: Vec<Option<String>> = cells.map(|c| c.map(Value::to_text)).collect();
                Series::new(name, v)
            }
            ValueType::Int => {
                let v: Vec<Option<i64>> = cells
                    .map(|c| match c {
                        Some(Value::Int(i)) => Some(*i),
                        _ => None,
                    })
                    .collect();
                Series::new(name, v)
            }
            ValueType::Float => {
                let v: Vec<Option<f64>> = cells
                    .map(|c| match c {
                        Some(Value::Float(f)) => Some(*f),
                        _ => None,
                    })
                    .collect();
                Series::new(name, v)
            }
            ValueType::Time => Int64Chunked::from_iter_options(
                name,
                cells.map(|c| match c {
                    Some(Value::Time(Some(t))) => unix_nanos(*t),
                    _ => None,
                }),
            )
            .into_datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
            .into_series(),
        };
        columns.push(series.into_column());
    }
    let mut frame = DataFrame::new(table.rows.len(), columns)?;
    ParquetWriter::new(out)
        .with_compression(compression())
        .finish(&mut frame)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_that_of_the_frames() {
        let frame = Batch::new(0).into_frame().unwrap();
        assert_eq!(schema(), **frame.schema());
    }
}
