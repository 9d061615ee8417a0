//! One Arrow record batch from the events of a chunk that pass a filter.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBufferBuilder, BooleanBuilder, Float64Builder, Int64Builder, StringBuilder,
    TimestampNanosecondBuilder, UInt32Builder, UInt64Builder,
};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, Int32Array, RecordBatch};
use arrow_buffer::{NullBuffer, ScalarBuffer};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};
use pml_parser::details::fs::FsDetails;
use pml_parser::ops::fs_op;
use pml_parser::{Column, ColumnRenderer, Event, EventClass, EventRow, FileTime, Process};

use crate::columns::{Source, Spec};

/// The Arrow schema of `specs`; times carry the zone `tz` (an IANA name or an offset).
pub fn schema(specs: &[Spec], tz: &str) -> SchemaRef {
    let time = || DataType::Timestamp(TimeUnit::Nanosecond, Some(tz.into()));
    let dict = || DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let fields: Vec<Field> = specs
        .iter()
        .map(|spec| {
            let (dtype, nullable) = match spec.source {
                Source::Dict(_) => (dict(), true),
                Source::Text(_) => (DataType::Utf8, false),
                Source::Index => (DataType::UInt64, false),
                Source::Time | Source::CompletionTime => (time(), true),
                Source::RelativeTime | Source::Duration => (DataType::Float64, true),
                Source::Offset => (DataType::Int64, true),
                Source::Virtualized => (DataType::Boolean, true),
                _ => (DataType::UInt32, true),
            };
            Field::new(spec.name.as_str(), dtype, nullable)
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// The values of one column while a batch is built.
enum Values {
    Dict(Dict),
    Text(StringBuilder),
    U64(UInt64Builder),
    U32(UInt32Builder),
    I64(Int64Builder),
    F64(Float64Builder),
    Bool(BooleanBuilder),
    Time(TimestampNanosecondBuilder),
}

/// A dictionary-encoded text column: each distinct value rendered once, keyed by what
/// determines it (the process, the status code, the operation), each row a code. Keys with the
/// same text (two processes of one name) share a value: dictionary values are unique.
struct Dict {
    /// Codes of small keys (process indexes, event classes), by key; -1 for none yet.
    small: Vec<i32>,
    /// Codes of the other keys.
    map: HashMap<u64, i32, BuildHasherDefault<U64Hasher>>,
    by_value: HashMap<String, i32>,
    last: Option<(u64, i32)>,
    values: StringBuilder,
    /// Each row's code (0 for a null row), handed to Arrow without a copy.
    codes: Vec<i32>,
    /// Which rows are not null, made when the first null row comes.
    valid: Option<BooleanBufferBuilder>,
}

/// Keys below this are looked up in [`Dict::small`].
const SMALL_KEYS: u64 = 1 << 16;

impl Dict {
    fn new(rows: usize) -> Dict {
        Dict {
            small: Vec::new(),
            map: HashMap::default(),
            by_value: HashMap::new(),
            last: None,
            values: StringBuilder::new(),
            codes: Vec::with_capacity(rows),
            valid: None,
        }
    }

    /// The code already given to `key`.
    #[inline]
    fn known(&self, key: u64) -> Option<i32> {
        if key < SMALL_KEYS {
            self.small.get(key as usize).copied().filter(|&c| c >= 0)
        } else {
            self.map.get(&key).copied()
        }
    }

    fn remember(&mut self, key: u64, code: i32) {
        if key < SMALL_KEYS {
            let at = key as usize;
            if self.small.len() <= at {
                self.small.resize(at + 1, -1);
            }
            self.small[at] = code;
        } else {
            self.map.insert(key, code);
        }
    }

    /// Adds a row whose value is identified by `key`; `render` writes a new key's value.
    fn push(&mut self, key: Option<u64>, render: impl FnOnce(&mut String), cell: &mut String) {
        let Some(key) = key else {
            let rows = self.codes.len();
            let valid = self.valid.get_or_insert_with(|| {
                let mut valid = BooleanBufferBuilder::new(self.codes.capacity());
                valid.append_n(rows, true);
                valid
            });
            valid.append(false);
            self.codes.push(0);
            return;
        };
        let code = match self.last {
            Some((last, code)) if last == key => code,
            _ => {
                let code = match self.known(key) {
                    Some(code) => code,
                    None => {
                        cell.clear();
                        render(cell);
                        let next = self.by_value.len() as i32;
                        let code = *self.by_value.entry(cell.clone()).or_insert(next);
                        if code == next {
                            self.values.append_value(cell.as_str());
                        }
                        self.remember(key, code);
                        code
                    }
                };
                self.last = Some((key, code));
                code
            }
        };
        self.codes.push(code);
        if let Some(valid) = &mut self.valid {
            valid.append(true);
        }
    }

    fn finish(mut self) -> Result<ArrayRef, ArrowError> {
        let nulls = self.valid.as_mut().map(|v| NullBuffer::new(v.finish()));
        let keys = Int32Array::new(ScalarBuffer::from(self.codes), nulls);
        let values = Arc::new(self.values.finish());
        Ok(Arc::new(DictionaryArray::<Int32Type>::try_new(
            keys, values,
        )?))
    }
}

/// The key that determines the text of a dictionary column for `event`, whose process is
/// `process` (looked up once per event); `None` for a null.
fn dict_key(
    column: Column,
    event: &Event<'_>,
    process: Option<&Process>,
    renderer: &ColumnRenderer,
) -> Option<u64> {
    if column.is_process_level() {
        return process.map(|_| u64::from(event.process_index()));
    }
    Some(match column {
        Column::EventClass => u64::from(event.class_code()),
        Column::Operation => renderer.operation_name(event).as_ptr() as u64,
        Column::Result => u64::from(event.result()),
        Column::Category => pml_parser::render::category(event).as_ptr() as u64,
        // Not a repeating column: every row its own value.
        _ => event.index(),
    })
}

/// Nanoseconds since 1970, `None` outside the range of a 64-bit nanosecond timestamp.
fn unix_nanos(t: FileTime) -> Option<i64> {
    i64::try_from(t.unix_nanos()).ok()
}

/// A record batch under construction.
pub struct Batch<'s> {
    specs: &'s [Spec],
    columns: Vec<Values>,
    first: FileTime,
    cell: String,
}

impl<'s> Batch<'s> {
    /// An empty batch of `specs` with room for `rows`; `first` is the input's first event time.
    pub fn new(specs: &'s [Spec], rows: usize, tz: &str, first: FileTime) -> Batch<'s> {
        let columns = specs
            .iter()
            .map(|spec| match spec.source {
                Source::Dict(_) => Values::Dict(Dict::new(rows)),
                Source::Text(_) => Values::Text(StringBuilder::with_capacity(rows, rows * 32)),
                Source::Index => Values::U64(UInt64Builder::with_capacity(rows)),
                Source::Time | Source::CompletionTime => {
                    Values::Time(TimestampNanosecondBuilder::with_capacity(rows).with_timezone(tz))
                }
                Source::RelativeTime | Source::Duration => {
                    Values::F64(Float64Builder::with_capacity(rows))
                }
                Source::Offset => Values::I64(Int64Builder::with_capacity(rows)),
                Source::Virtualized => Values::Bool(BooleanBuilder::with_capacity(rows)),
                _ => Values::U32(UInt32Builder::with_capacity(rows)),
            })
            .collect();
        Batch {
            specs,
            columns,
            first,
            cell: String::new(),
        }
    }

    /// Adds the event at global position `index`.
    pub fn push<'a>(&mut self, index: u64, event: &Event<'a>, renderer: &ColumnRenderer) {
        // The process is looked up once for all the columns.
        let row = EventRow::new(event);
        let process = row.process();
        let mut file: Option<Option<FsDetails<'a>>> = None;
        let cell = &mut self.cell;
        for (spec, values) in self.specs.iter().zip(&mut self.columns) {
            match (spec.source, values) {
                (Source::Dict(column), Values::Dict(dict)) => dict.push(
                    dict_key(column, event, process, renderer),
                    |out| renderer.write_row(&row, column, out),
                    cell,
                ),
                (Source::Text(column), Values::Text(text)) => {
                    cell.clear();
                    renderer.write_row(&row, column, cell);
                    text.append_value(cell.as_str());
                }
                (Source::Index, Values::U64(v)) => v.append_value(index),
                (Source::Time, Values::Time(v)) => v.append_option(unix_nanos(event.time())),
                (Source::CompletionTime, Values::Time(v)) => {
                    v.append_option(event.completion_time().and_then(unix_nanos))
                }
                (Source::RelativeTime, Values::F64(v)) => {
                    v.append_value(event.time().0.saturating_sub(self.first.0) as f64 / 1e7)
                }
                (Source::Duration, Values::F64(v)) => {
                    v.append_option(event.duration().map(|d| d as f64 / 1e7))
                }
                (Source::Virtualized, Values::Bool(v)) => v.append_option(
                    process.and_then(|p| (p.virtualized <= 1).then_some(p.virtualized == 1)),
                ),
                (Source::Offset, Values::I64(v)) => {
                    let details = file.get_or_insert_with(|| fs_details(event));
                    v.append_option(read_write(details).map(|r| r.offset))
                }
                (source, Values::U32(v)) => {
                    v.append_option(number(source, event, &mut file));
                }
                _ => unreachable!("each source has its builder (Batch::new)"),
            }
        }
    }

    /// The finished record batch.
    pub fn finish(self, schema: SchemaRef) -> Result<RecordBatch, ArrowError> {
        let arrays = self
            .columns
            .into_iter()
            .map(|values| {
                Ok(match values {
                    Values::Dict(d) => d.finish()?,
                    Values::Text(mut b) => Arc::new(b.finish()) as ArrayRef,
                    Values::U64(mut b) => Arc::new(b.finish()),
                    Values::U32(mut b) => Arc::new(b.finish()),
                    Values::I64(mut b) => Arc::new(b.finish()),
                    Values::F64(mut b) => Arc::new(b.finish()),
                    Values::Bool(mut b) => Arc::new(b.finish()),
                    Values::Time(mut b) => Arc::new(b.finish()),
                })
            })
            .collect::<Result<Vec<ArrayRef>, ArrowError>>()?;
        RecordBatch::try_new(schema, arrays)
    }
}

/// The file-system details of an event, `None` for other classes or undecodable details.
fn fs_details<'a>(event: &Event<'a>) -> Option<FsDetails<'a>> {
    (event.class() == EventClass::FileSystem)
        .then(|| FsDetails::decode(event).ok())
        .flatten()
}

/// ReadFile / WriteFile fields of `details`.
fn read_write(details: &Option<FsDetails<'_>>) -> Option<pml_parser::details::fs::ReadWrite> {
    details
        .as_ref()
        .filter(|d| d.operation != fs_op::CREATE_FILE)
        .and_then(|d| d.read_write())
}

/// The value of a 32-bit integer column; `file` caches the event's file-system details.
fn number<'a>(
    source: Source,
    event: &Event<'a>,
    file: &mut Option<Option<FsDetails<'a>>>,
) -> Option<u32> {
    let process = event.process();
    let mut details = || *file.get_or_insert_with(|| fs_details(event));
    let create = |d: Option<FsDetails<'a>>| d.and_then(|d| d.create_file());
    match source {
        Source::Pid => process.map(|p| p.pid),
        Source::Tid => Some(event.tid()),
        Source::ParentPid => process.map(|p| p.parent_pid),
        Source::ProcessIndex => Some(event.process_index()),
        Source::ResultCode => Some(event.result()),
        Source::Session => process.map(|p| p.session),
        Source::StackDepth => Some(event.stack_depth() as u32),
        Source::DesiredAccess => create(details()).map(|c| c.desired_access),
        Source::Disposition => create(details()).map(|c| u32::from(c.disposition)),
        Source::Options => create(details()).map(|c| c.options),
        Source::ShareMode => create(details()).map(|c| u32::from(c.share_mode)),
        Source::OpenResult => create(details()).and_then(|c| c.open_result),
        Source::Length => read_write(&details()).map(|r| r.length),
        Source::Transferred => read_write(&details()).and_then(|r| r.transferred),
        _ => None,
    }
}

/// A hasher for the dictionaries' `u64` keys (status codes, operation names' addresses): one
/// multiplication, its high bits folded down.
#[derive(Default)]
struct U64Hasher(u64);

impl Hasher for U64Hasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    #[inline]
    fn write_u64(&mut self, key: u64) {
        let product = u128::from(key ^ self.0) * 0x9E37_79B9_7F4A_7C15;
        self.0 = (product as u64) ^ ((product >> 64) as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Array, StringArray};

    /// The codes and the values of a finished dictionary column.
    fn decoded(dict: Dict) -> Vec<Option<String>> {
        let array = dict.finish().unwrap();
        let array = array
            .as_any()
            .downcast_ref::<DictionaryArray<Int32Type>>()
            .unwrap();
        let values = array
            .values()
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        array
            .keys()
            .iter()
            .map(|code| code.map(|c| values.value(c as usize).to_string()))
            .collect()
    }

    #[test]
    fn a_dictionary_column_renders_each_key_once_and_keeps_its_nulls() {
        let (mut dict, mut cell) = (Dict::new(2), String::new());
        let mut renders = 0;
        for key in [Some(7), None, Some(7), Some(1 << 40), None, Some(9)] {
            dict.push(
                key,
                |out| {
                    renders += 1;
                    // Keys 7 and 9 print the same text: they share a value.
                    out.push_str(if key == Some(1 << 40) { "big" } else { "same" })
                },
                &mut cell,
            );
        }
        assert_eq!(renders, 3);
        let text = |s: &str| Some(s.to_string());
        assert_eq!(
            decoded(dict),
            [
                text("same"),
                None,
                text("same"),
                text("big"),
                None,
                text("same")
            ]
        );
        // No null: no validity bitmap at all.
        let mut dict = Dict::new(1);
        dict.push(Some(1), |out| out.push('x'), &mut cell);
        assert!(dict.finish().unwrap().nulls().is_none());
        // Only nulls: no value at all, and still a valid array.
        let mut dict = Dict::new(2);
        for _ in 0..2 {
            dict.push(None, |_| unreachable!("a null renders nothing"), &mut cell);
        }
        assert_eq!(decoded(dict), [None, None]);
    }
}
