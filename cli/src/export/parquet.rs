//! Parquet, written with polars: typed columns for notebooks, streamed in row groups so memory
//! stays bounded whatever the size of the capture. The schema is documented in
//! `docs/parquet.md`.

use std::ops::Range;
use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::{
    Categories, DataFrame, DataType, Float64Chunked, Int64Chunked, IntoColumn, IntoSeries,
    NamedFrom, NewChunkedArray, ParquetCompression, ParquetWriter, Series, StringChunkedBuilder,
    TimeUnit, TimeZone,
};

use pml_analyzer::summary::{Table, Value, ValueType};
use pml_parser::details::fs::FsDetails;
use pml_parser::ops::fs_op;
use pml_parser::{Column, Event, EventClass, FileTime};

use crate::inputs::Inputs;
use crate::output::AtomicFile;
use crate::progress::Progress;
use crate::scan::{warn_unreadable, Query};

/// Events per parallel chunk.
const CHUNK: u64 = 1 << 16;
/// Rows per row group: chunks are gathered until they reach this many rows.
const ROW_GROUP: usize = 1 << 18;

/// Nanoseconds since 1970, `None` outside the range of a 64-bit nanosecond timestamp.
fn unix_nanos(t: FileTime) -> Option<i64> {
    i64::try_from(t.unix_nanos()).ok()
}

/// The columns of one chunk of events, before they become a DataFrame.
struct Batch<'a> {
    index: Vec<u64>,
    time: Vec<Option<i64>>,
    relative_time: Vec<f64>,
    duration: Vec<Option<f64>>,
    completion_time: Vec<Option<i64>>,
    process_name: Vec<Option<&'a str>>,
    pid: Vec<Option<u32>>,
    tid: Vec<u32>,
    parent_pid: Vec<Option<u32>>,
    process_index: Vec<u32>,
    event_class: Vec<&'static str>,
    operation: Vec<&'static str>,
    result: StringChunkedBuilder,
    result_code: Vec<u32>,
    path: StringChunkedBuilder,
    detail: StringChunkedBuilder,
    category: Vec<&'static str>,
    image_path: Vec<Option<&'a str>>,
    command_line: Vec<Option<&'a str>>,
    company: Vec<Option<&'a str>>,
    description: Vec<Option<&'a str>>,
    version: Vec<Option<&'a str>>,
    user: Vec<Option<&'a str>>,
    authentication_id: StringChunkedBuilder,
    session: Vec<Option<u32>>,
    virtualized: Vec<Option<bool>>,
    integrity: Vec<Option<&'a str>>,
    architecture: Vec<Option<&'static str>>,
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
            process_name: Vec::with_capacity(capacity),
            pid: Vec::with_capacity(capacity),
            tid: Vec::with_capacity(capacity),
            parent_pid: Vec::with_capacity(capacity),
            process_index: Vec::with_capacity(capacity),
            event_class: Vec::with_capacity(capacity),
            operation: Vec::with_capacity(capacity),
            result: text("result"),
            result_code: Vec::with_capacity(capacity),
            path: text("path"),
            detail: text("detail"),
            category: Vec::with_capacity(capacity),
            image_path: Vec::with_capacity(capacity),
            command_line: Vec::with_capacity(capacity),
            company: Vec::with_capacity(capacity),
            description: Vec::with_capacity(capacity),
            version: Vec::with_capacity(capacity),
            user: Vec::with_capacity(capacity),
            authentication_id: text("authentication_id"),
            session: Vec::with_capacity(capacity),
            virtualized: Vec::with_capacity(capacity),
            integrity: Vec::with_capacity(capacity),
            architecture: Vec::with_capacity(capacity),
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
        let process = event.process();
        let text = |f: fn(&'a pml_parser::Process) -> &'a str| process.map(f);
        self.index.push(index);
        let time = event.time();
        self.time.push(unix_nanos(time));
        self.relative_time
            .push(time.0.saturating_sub(first.0) as f64 / 1e7);
        self.duration.push(event.duration().map(|d| d as f64 / 1e7));
        self.completion_time
            .push(event.completion_time().and_then(unix_nanos));
        self.process_name.push(text(|p| &p.name));
        self.pid.push(process.map(|p| p.pid));
        self.tid.push(event.tid());
        self.parent_pid.push(process.map(|p| p.parent_pid));
        self.process_index.push(event.process_index());
        self.event_class.push(event.class().name());
        self.operation.push(event.operation_name());
        for (column, builder) in [
            (Column::Result, &mut self.result),
            (Column::Path, &mut self.path),
            (Column::Detail, &mut self.detail),
            (Column::AuthenticationId, &mut self.authentication_id),
        ] {
            cell.clear();
            renderer.write(event, column, cell);
            builder.append_value(cell.as_str());
        }
        self.result_code.push(event.result());
        self.category.push(pml_parser::render::category(event));
        self.image_path.push(text(|p| &p.image_path));
        self.command_line.push(text(|p| &p.command_line));
        self.company.push(text(|p| &p.company));
        self.description.push(text(|p| &p.description));
        self.version.push(text(|p| &p.version));
        self.user.push(text(|p| &p.user));
        self.session.push(process.map(|p| p.session));
        self.virtualized
            .push(process.and_then(|p| (p.virtualized <= 1).then_some(p.virtualized == 1)));
        self.integrity.push(text(|p| &p.integrity));
        self.architecture
            .push(process.map(|p| if p.is_64bit { "64-bit" } else { "32-bit" }));
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
        let cat = |name: &str, values: &[Option<&str>]| -> Result<polars::prelude::Column> {
            Ok(Series::new(name.into(), values)
                .cast(&categorical)?
                .into_column())
        };
        let cat_static = |name: &str, values: &[&str]| -> Result<polars::prelude::Column> {
            Ok(Series::new(name.into(), values)
                .cast(&categorical)?
                .into_column())
        };
        let time = |name: &str, values: Vec<Option<i64>>| {
            Int64Chunked::from_iter_options(name.into(), values.into_iter())
                .into_datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
                .into_series()
                .into_column()
        };
        let col = |s: Series| s.into_column();
        let result = self.result.finish().into_series().cast(&categorical)?;
        let columns = vec![
            col(Series::new("index".into(), self.index)),
            time("time", self.time),
            col(Series::new("relative_time".into(), self.relative_time)),
            col(
                Float64Chunked::from_iter_options("duration".into(), self.duration.into_iter())
                    .into_series(),
            ),
            time("completion_time", self.completion_time),
            cat("process_name", &self.process_name)?,
            col(Series::new("pid".into(), self.pid)),
            col(Series::new("tid".into(), self.tid)),
            col(Series::new("parent_pid".into(), self.parent_pid)),
            col(Series::new("process_index".into(), self.process_index)),
            cat_static("event_class", &self.event_class)?,
            cat_static("operation", &self.operation)?,
            col(result),
            col(Series::new("result_code".into(), self.result_code)),
            col(self.path.finish().into_series()),
            col(self.detail.finish().into_series()),
            cat_static("category", &self.category)?,
            cat("image_path", &self.image_path)?,
            cat("command_line", &self.command_line)?,
            cat("company", &self.company)?,
            cat("description", &self.description)?,
            cat("version", &self.version)?,
            cat("user", &self.user)?,
            col(self
                .authentication_id
                .finish()
                .into_series()
                .cast(&categorical)?),
            col(Series::new("session".into(), self.session)),
            col(Series::new("virtualized".into(), self.virtualized)),
            cat("integrity", &self.integrity)?,
            cat("architecture", &self.architecture)?,
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

/// Writes the events that pass `query` to `path` as Parquet; returns the number of rows.
pub fn write_events(
    inputs: &Inputs,
    query: &Query<'_>,
    path: &Path,
    progress: &Progress,
) -> Result<u64> {
    let first = inputs
        .parts()
        .first()
        .and_then(|p| p.capture.event(0).ok())
        .map(|e| e.time())
        .unwrap_or_default();
    let mut file = AtomicFile::create(path)?;
    let empty = Batch::new(0).into_frame()?;
    let mut writer = ParquetWriter::new(file.writer())
        .with_compression(ParquetCompression::Zstd(None))
        .with_row_group_size(Some(ROW_GROUP))
        .batched(empty.schema())
        .with_context(|| format!("cannot write {}", path.display()))?;
    let mut pending: Option<DataFrame> = None;
    let mut rows = 0u64;
    let mut unreadable = 0;
    let work = |part_no: usize, range: Range<u64>| -> Result<(DataFrame, u64)> {
        let mut batch = Batch::new((range.end - range.start) as usize);
        let mut cell = String::new();
        let stats = query.for_each_match(part_no, range, |part, index, event| {
            batch.push(index, event, &part.renderer, first, &mut cell);
            Ok(())
        })?;
        Ok((batch.into_frame()?, stats.unreadable))
    };
    query.run_ordered(CHUNK, progress, work, |(frame, bad)| {
        unreadable += bad;
        rows += frame.height() as u64;
        match pending.as_mut() {
            Some(p) => {
                p.vstack_mut_owned(frame)?;
            }
            None => pending = Some(frame),
        }
        if pending.as_ref().is_some_and(|p| p.height() >= ROW_GROUP) {
            if let Some(mut group) = pending.take() {
                group.rechunk_mut();
                writer.write_batch(&group)?;
            }
        }
        Ok(true)
    })?;
    if let Some(mut group) = pending.take().filter(|p| p.height() > 0) {
        group.rechunk_mut();
        writer.write_batch(&group)?;
    }
    writer
        .finish()
        .with_context(|| format!("cannot write {}", path.display()))?;
    drop(writer);
    file.commit()?;
    warn_unreadable(unreadable);
    Ok(rows)
}

/// Writes a summary table as Parquet: text, integer, seconds and UTC timestamp columns.
pub fn write_table(table: &Table, path: &Path) -> Result<()> {
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
    let mut file = AtomicFile::create(path)?;
    ParquetWriter::new(file.writer())
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut frame)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.commit()
}
