//! The tools the server offers, each with its description and the JSON schema of its arguments
//! ([`list`]), and the calls to them.

mod analyze;
mod args;
mod diff;
mod event;
mod info;
mod query;
mod report;
mod summary;
mod tree;

use std::fmt;

use serde_json::{json, Map, Value};

use crate::captures::Captures;

pub(crate) use args::Args;

/// Why a tool could not answer: told to the model as the call's error (`isError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ToolError(String);

impl ToolError {
    /// An error that says `message`.
    pub(crate) fn new(message: impl Into<String>) -> ToolError {
        ToolError(message.into())
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ToolError {}

/// The tools' names.
pub const NAMES: [&str; 8] = [
    info::NAME,
    query::NAME,
    event::NAME,
    tree::NAME,
    analyze::NAME,
    summary::NAME,
    diff::NAME,
    report::NAME,
];

/// The definitions of `tools/list`: `name`, `title`, `description`, `inputSchema`,
/// `annotations`.
pub fn list() -> Vec<Value> {
    let read_only = json!({"readOnlyHint": true, "openWorldHint": false});
    let writes = json!({"readOnlyHint": false, "destructiveHint": true,
        "idempotentHint": true, "openWorldHint": false});
    [
        (
            info::NAME,
            "Capture info",
            info::DESCRIPTION,
            info::schema(),
            &read_only,
        ),
        (
            query::NAME,
            "Query events",
            query::DESCRIPTION,
            query::schema(),
            &read_only,
        ),
        (
            event::NAME,
            "One event",
            event::DESCRIPTION,
            event::schema(),
            &read_only,
        ),
        (
            tree::NAME,
            "Process tree",
            tree::DESCRIPTION,
            tree::schema(),
            &read_only,
        ),
        (
            analyze::NAME,
            "Analyze handle races",
            analyze::DESCRIPTION,
            analyze::schema(),
            &read_only,
        ),
        (
            summary::NAME,
            "Summary",
            summary::DESCRIPTION,
            summary::schema(),
            &read_only,
        ),
        (
            diff::NAME,
            "Compare a good and a bad run",
            diff::DESCRIPTION,
            diff::schema(),
            &read_only,
        ),
        (
            report::NAME,
            "HTML report",
            report::DESCRIPTION,
            report::schema(),
            &writes,
        ),
    ]
    .into_iter()
    .map(|(name, title, description, schema, annotations)| {
        json!({
            "name": name,
            "title": title,
            "description": description,
            "inputSchema": schema,
            "annotations": annotations,
        })
    })
    .collect()
}

/// True when a tool is called `name`.
pub(crate) fn exists(name: &str) -> bool {
    NAMES.contains(&name)
}

/// Calls tool `name` with `arguments`.
pub(crate) fn call(
    name: &str,
    arguments: &Map<String, Value>,
    captures: &mut Captures,
) -> Result<Value, ToolError> {
    let args = Args::new(arguments);
    match name {
        info::NAME => info::run(&args, captures),
        query::NAME => query::run(&args, captures),
        event::NAME => event::run(&args, captures),
        tree::NAME => tree::run(&args, captures),
        analyze::NAME => analyze::run(&args, captures),
        summary::NAME => summary::run(&args, captures),
        diff::NAME => diff::run(&args, captures),
        report::NAME => report::run(&args, captures),
        _ => Err(ToolError::new(format!("unknown tool '{name}'"))),
    }
}

/// The schema of a tool's arguments: an object of `properties`, `required` ones named.
fn object_schema(properties: Value, required: &[&str]) -> Value {
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// The `file` argument.
fn file_property() -> Value {
    json!({"type": "string", "description": "Path of the capture (.PML), best absolute. Its split \
        parts (X-1.PML, X-2.PML, ... beside X.PML) are read with it as one capture."})
}

/// The filter arguments: `where`, `filter`, `exclude`.
fn filter_properties(properties: &mut Map<String, Value>) {
    properties.insert(
        "where".into(),
        json!({"type": "string", "description": "Keep only events for which this expression \
            holds. Columns bare or in double quotes, text in single quotes, durations bare: \
            \"Process Name\" = 'cl.exe' and Result != 'SUCCESS' and not Path ends with '.pdb'; \
            Duration > 100ms; Operation in ('CreateFile', 'CloseFile'). Operators: = != < <= > \
            >=, contains, begins with, ends with, regex, in (...), and, or, not, parentheses. \
            Text comparisons ignore case."}),
    );
    properties.insert(
        "filter".into(),
        json!({"type": "array", "items": {"type": "string"}, "description": "ProcMon include \
            rules, e.g. 'Process Name is cl.exe' (rules on the same column are OR'd, on \
            different columns AND'd). Relations: is, is not, less than, more than, begins with, \
            ends with, contains, excludes, regex."}),
    );
    properties.insert(
        "exclude".into(),
        json!({"type": "array", "items": {"type": "string"}, "description": "ProcMon exclude \
            rules, e.g. 'Path ends with .pf'."}),
    );
}

/// The paging arguments `offset` and `limit`.
fn page_properties(properties: &mut Map<String, Value>, default: u64, max: u64, what: &str) {
    properties.insert(
        "offset".into(),
        json!({"type": "integer", "minimum": 0, "default": 0,
            "description": format!("{what} to skip (the `next_offset` of the previous page).")}),
    );
    properties.insert(
        "limit".into(),
        json!({"type": "integer", "minimum": 1, "maximum": max, "default": default,
            "description": format!("{what} to return at most.")}),
    );
}
