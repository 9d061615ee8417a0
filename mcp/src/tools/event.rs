//! `event`: one event in full: all 27 columns, its process, the detail as typed fields, numbers
//! from the details, and its call stack with modules.

use pml_analyzer::filter::Field;
use pml_parser::{Column, ColumnRenderer, Event};
use serde_json::{json, Map, Value};

use super::{file_property, object_schema, Args, ToolError};
use crate::captures::Captures;

/// The tool's name.
pub(crate) const NAME: &str = "event";

/// What the tool does, for the model.
pub(crate) const DESCRIPTION: &str = "One event of a capture in full, by its index (as `query` \
and `analyze` give it): all 27 ProcMon columns as ProcMon renders them, the process (PID, \
image, command line, user, integrity), the Detail column split into typed fields (numbers \
as numbers), Length / Offset / Bytes of reads, writes and network events, and the call stack \
with the module and offset of each frame.";

/// The schema of the arguments.
pub(crate) fn schema() -> Value {
    object_schema(
        json!({
            "file": file_property(),
            "index": {"type": "integer", "minimum": 0,
                "description": "The event's index in the capture (from 0)."},
        }),
        &["file", "index"],
    )
}

/// Runs the tool.
pub(crate) fn run(args: &Args<'_>, captures: &mut Captures) -> Result<Value, ToolError> {
    args.only(&["file", "index"])?;
    let index = args
        .number("index")?
        .ok_or_else(|| ToolError::new("argument 'index' is required"))?;
    let (file, capture) = args.capture(captures)?;
    let count = capture.event_count();
    let (part, _) = capture.locate(index).ok_or_else(|| {
        ToolError::new(format!(
            "{file} has no event {index}: its events are 0 to {}",
            count.saturating_sub(1)
        ))
    })?;
    let event = capture
        .event(index)
        .and_then(Result::ok)
        .ok_or_else(|| ToolError::new(format!("event {index} of {file} cannot be read")))?;
    Ok(describe(index, &event, part.renderer()))
}

/// The event as JSON.
fn describe(index: u64, event: &Event<'_>, renderer: &ColumnRenderer) -> Value {
    let mut columns = Map::new();
    let mut cell = String::new();
    for column in Column::ALL {
        cell.clear();
        renderer.write(event, column, &mut cell);
        columns.insert(column.name().into(), cell.as_str().into());
    }
    let detail = columns
        .get(Column::Detail.name())
        .and_then(Value::as_str)
        .map(detail_fields)
        .unwrap_or_default();
    let mut numbers = Map::new();
    for field in Field::DERIVED {
        if let Some(n) = field.number(renderer, event, &mut cell) {
            numbers.insert(field.name().into(), json!(n as i64));
        }
    }
    let process = event.process().map(|p| {
        json!({
            "process_index": p.index,
            "pid": p.pid,
            "parent_pid": p.parent_pid,
            "name": &*p.name,
            "image_path": &*p.image_path,
            "command_line": &*p.command_line,
            "user": &*p.user,
            "integrity": &*p.integrity,
            "is_64bit": p.is_64bit,
        })
    });
    let frames: Vec<Value> = event
        .resolved_stack()
        .enumerate()
        .map(|(n, frame)| {
            json!({
                "frame": n,
                "address": format!("{:#x}", frame.address),
                "kernel": frame.kernel,
                "module": frame.module.map(|m| m.name()),
                "module_path": frame.module.map(|m| &*m.path),
                "offset": frame.module_offset().map(|o| format!("{o:#x}")),
                "location": frame.location(),
            })
        })
        .collect();
    json!({
        "index": index,
        "class": event.class().name(),
        "operation": event.operation_name(),
        "time": event.time().to_rfc3339(),
        "duration_seconds": event.duration().map(|t| t as f64 / 1e7),
        "result_code": format!("{:#x}", event.result()),
        "tid": event.tid(),
        "process": process,
        "columns": columns,
        "detail": detail,
        "numbers": numbers,
        "stack": frames,
    })
}

/// ProcMon's Detail text (`Desired Access: Generic Read, Disposition: Open, ...`) as fields:
/// a part `Name: value` starts a field, a part without a name continues the value before it
/// (`Options: Synchronous IO Non-Alert, Non-Directory File`). Whole numbers (`4,096`) become
/// numbers; text before the first name is kept under `text`.
pub(crate) fn detail_fields(detail: &str) -> Map<String, Value> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for part in detail.split(", ") {
        match part.split_once(": ") {
            Some((name, value)) if is_name(name) => {
                fields.push((name.to_string(), value.to_string()));
            }
            _ => match fields.last_mut() {
                Some((_, value)) => {
                    value.push_str(", ");
                    value.push_str(part);
                }
                None if part.is_empty() => {}
                None => fields.push(("text".to_string(), part.to_string())),
            },
        }
    }
    fields
        .into_iter()
        .map(|(name, value)| {
            let typed = whole_number(&value).map_or_else(|| Value::from(value), Value::from);
            (name, typed)
        })
        .collect()
}

/// A field name of a Detail text: a capital letter, then letters, digits, spaces and `-_/.()`.
fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && text.len() <= 40
        && chars.all(|c| c.is_ascii_alphanumeric() || " -_/.()".contains(c))
}

/// `4,096` or `-12`: a whole number with optional thousands separators.
fn whole_number(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let plain = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b',')
        && !digits.starts_with(',')
        && !digits.ends_with(',')
        && digits.split(',').skip(1).all(|g| g.len() == 3);
    if !plain {
        return None;
    }
    text.replace(',', "").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_split_into_typed_fields() {
        let fields = detail_fields(
            "Desired Access: Generic Write, Read Attributes, Disposition: OverwriteIf, \
             Options: Synchronous IO Non-Alert, Non-Directory File, ShareMode: Read, \
             AllocationSize: 0",
        );
        assert_eq!(fields["Desired Access"], "Generic Write, Read Attributes");
        assert_eq!(fields["Disposition"], "OverwriteIf");
        assert_eq!(
            fields["Options"],
            "Synchronous IO Non-Alert, Non-Directory File"
        );
        assert_eq!(fields["ShareMode"], "Read");
        assert_eq!(fields["AllocationSize"], 0);
        let read = detail_fields("Offset: 1,048,576, Length: 4,096, Priority: Normal");
        assert_eq!(read["Offset"], 1_048_576);
        assert_eq!(read["Length"], 4096);
        let odd = detail_fields("free text, Thread ID: 12, 1,2");
        assert_eq!(odd["text"], "free text");
        assert_eq!(odd["Thread ID"], "12, 1,2");
        assert!(detail_fields("").is_empty());
    }
}
