//! `summary`: ProcMon's summaries (processes, files, registry, network, count of a column's
//! values, cross references, stacks), as `pml summary` prints them.

use pml_analyzer::summary::{Kind, Summarizer, Table};
use pml_analyzer::Query;
use pml_parser::Column;
use serde_json::{json, Map, Value};

use super::{file_property, filter_properties, object_schema, page_properties, Args, ToolError};
use crate::bound::Page;
use crate::captures::Captures;

/// The tool's name.
pub(crate) const NAME: &str = "summary";

/// Rows returned by default.
const DEFAULT_LIMIT: u64 = 50;

/// Rows returned at most.
const MAX_LIMIT: u64 = 1000;

/// What the tool does, for the model.
pub(crate) const DESCRIPTION: &str = "ProcMon's summaries of the events that pass a filter: \
`processes` (events per process and class), `tree` (the process tree), `files` (per path: \
events, time, bytes read and written), `registry` (per key), `network` (per connection), \
`count` (distinct values of `column` with counts), `xref` (paths written by one process and \
read by another), `stacks` (distinct call stacks). Rows as objects keyed by column, the same \
as `pml summary KIND --format jsonl`, paged.";

/// The schema of the arguments.
pub(crate) fn schema() -> Value {
    let mut properties = Map::new();
    properties.insert("file".into(), file_property());
    properties.insert(
        "kind".into(),
        json!({"type": "string", "enum": Kind::NAMES, "description": "Which summary."}),
    );
    properties.insert(
        "column".into(),
        json!({"type": "string", "description": "For kind `count`: the column whose values are \
            counted, e.g. 'Operation'."}),
    );
    filter_properties(&mut properties);
    page_properties(&mut properties, DEFAULT_LIMIT, MAX_LIMIT, "Rows");
    object_schema(Value::Object(properties), &["file", "kind"])
}

/// Runs the tool.
pub(crate) fn run(args: &Args<'_>, captures: &mut Captures) -> Result<Value, ToolError> {
    args.only(&[
        "file", "kind", "column", "where", "filter", "exclude", "offset", "limit",
    ])?;
    let name = args.required_text("kind")?;
    let column = match args.text("column")? {
        Some(c) => Some(Column::from_name(c).ok_or_else(|| {
            let all: Vec<&str> = Column::ALL.iter().map(|c| c.name()).collect();
            ToolError::new(format!(
                "unknown column '{c}': the columns are {}",
                all.join(", ")
            ))
        })?),
        None => None,
    };
    let kind = Kind::from_name(name, column).ok_or_else(|| {
        if name.eq_ignore_ascii_case("count") {
            ToolError::new("the count summary needs 'column', e.g. 'Operation'")
        } else {
            ToolError::new(format!(
                "unknown summary '{name}': the summaries are {}",
                Kind::NAMES.join(", ")
            ))
        }
    })?;
    let filter = args.filter()?;
    let page = args.page(DEFAULT_LIMIT, MAX_LIMIT)?;
    let (_, capture) = args.capture(captures)?;
    let query = Query::new(&capture, &filter);
    let (table, unreadable) = Summarizer::summarize(&query, kind, &());
    let mut answer = page_of_table(&table, page, "rows");
    answer.insert("kind".into(), name.to_ascii_lowercase().into());
    answer.insert("unreadable_events".into(), json!(unreadable));
    Ok(Value::Object(answer))
}

/// A page of `table`'s rows under `key`, as objects keyed by column name, with the column
/// names and the page's totals.
pub(crate) fn page_of_table(table: &Table, page: Page, key: &str) -> Map<String, Value> {
    let rows: Vec<Value> = page
        .slice(&table.rows)
        .iter()
        .map(|row| {
            let object: Map<String, Value> = table
                .columns
                .iter()
                .zip(row)
                .map(|((name, _), value)| (name.clone(), value.to_json()))
                .collect();
            Value::Object(object)
        })
        .collect();
    let mut answer = Map::new();
    answer.insert(
        "columns".into(),
        table
            .columns
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .into(),
    );
    let returned = rows.len();
    answer.insert(key.into(), rows.into());
    page.describe(returned, table.rows.len() as u64, &mut answer);
    answer
}
