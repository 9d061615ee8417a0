//! `process_tree`: who started whom, with command lines and lifetimes, as
//! `pml summary tree` prints it.

use pml_analyzer::summary::{Kind, Summarizer};
use pml_analyzer::Query;
use serde_json::{json, Map, Value};

use super::summary::page_of_table;
use super::{file_property, filter_properties, object_schema, page_properties, Args, ToolError};
use crate::captures::Captures;

/// The tool's name.
pub(crate) const NAME: &str = "process_tree";

/// Processes returned by default.
const DEFAULT_LIMIT: u64 = 200;

/// Processes returned at most.
const MAX_LIMIT: u64 = 2000;

/// What the tool does, for the model.
pub(crate) const DESCRIPTION: &str = "The process tree of a capture: each process after its \
parent with its depth, PID, parent PID, start and end time, lifetime in seconds, number of \
events, image path and command line (the rows of `pml summary tree`). Filters keep the \
processes with events that pass them.";

/// The schema of the arguments.
pub(crate) fn schema() -> Value {
    let mut properties = Map::new();
    properties.insert("file".into(), file_property());
    filter_properties(&mut properties);
    page_properties(&mut properties, DEFAULT_LIMIT, MAX_LIMIT, "Processes");
    object_schema(Value::Object(properties), &["file"])
}

/// Runs the tool.
pub(crate) fn run(args: &Args<'_>, captures: &mut Captures) -> Result<Value, ToolError> {
    args.only(&["file", "where", "filter", "exclude", "offset", "limit"])?;
    let filter = args.filter()?;
    let page = args.page(DEFAULT_LIMIT, MAX_LIMIT)?;
    let (_, capture) = args.capture(captures)?;
    let query = Query::new(&capture, &filter);
    let (table, unreadable) = Summarizer::summarize(&query, Kind::Tree, &());
    let mut answer = page_of_table(&table, page, "processes");
    answer.insert("unreadable_events".into(), json!(unreadable));
    Ok(Value::Object(answer))
}
