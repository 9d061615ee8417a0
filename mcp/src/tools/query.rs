//! `query`: the events that pass a filter, a page of them with their columns, or grouped by
//! columns with metrics per group (`pml events` and `pml query` in one tool).

use pml_analyzer::group::{GroupBy, Metric};
use pml_analyzer::Query;
use pml_parser::Column;
use serde_json::{json, Map, Value};

use super::{file_property, filter_properties, object_schema, page_properties, Args, ToolError};
use crate::bound::Page;
use crate::captures::Captures;

/// The tool's name.
pub(crate) const NAME: &str = "query";

/// Events or groups returned by default.
const DEFAULT_LIMIT: u64 = 50;

/// Events or groups returned at most.
const MAX_LIMIT: u64 = 1000;

/// Events per parallel chunk.
const CHUNK_EVENTS: u64 = 1 << 15;

/// What the tool does, for the model.
pub(crate) const DESCRIPTION: &str = "The events of a capture that pass a filter. Without \
`group_by`: a page of events, each with its index (for the `event` tool) and its columns as \
ProcMon renders them (default: Time of Day, Process Name, PID, Operation, Path, Result, \
Detail). With `group_by`: the events grouped by columns with metrics per group (count, \
sum(COL), avg(COL), min(COL), max(COL), distinct(COL)), largest first by the first metric, the \
same JSON as `pml query --format json`. Always gives `total_matched` (events that pass), \
`total` (events or groups in all pages) and `truncated` / `next_offset` for the next page. \
Columns are ProcMon's 27 (Process Name, PID, Operation, Path, Result, Detail, Duration, Time \
of Day, Command Line, ...) and Length, Offset, Bytes from the details of reads, writes and \
network events.";

/// The schema of the arguments.
pub(crate) fn schema() -> Value {
    let mut properties = Map::new();
    properties.insert("file".into(), file_property());
    filter_properties(&mut properties);
    properties.insert(
        "columns".into(),
        json!({"type": "array", "items": {"type": "string"}, "description": "The columns of \
            each event (without group_by): ProcMon column names, e.g. ['Process Name', \
            'Operation', 'Path', 'Duration']; or ['all'] for all 27."}),
    );
    properties.insert(
        "group_by".into(),
        json!({"type": "array", "items": {"type": "string"}, "description": "Group the events \
            by these columns, e.g. ['Process Name', 'Operation']."}),
    );
    properties.insert(
        "metrics".into(),
        json!({"type": "array", "items": {"type": "string"}, "description": "With group_by: \
            the metrics per group, e.g. ['count', 'sum(Duration)', 'max(Bytes)'] (default \
            count); groups are sorted by the first, largest first."}),
    );
    page_properties(
        &mut properties,
        DEFAULT_LIMIT,
        MAX_LIMIT,
        "Events (or groups)",
    );
    object_schema(Value::Object(properties), &["file"])
}

/// Runs the tool.
pub(crate) fn run(args: &Args<'_>, captures: &mut Captures) -> Result<Value, ToolError> {
    args.only(&[
        "file", "where", "filter", "exclude", "columns", "group_by", "metrics", "offset", "limit",
    ])?;
    let filter = args.filter()?;
    let page = args.page(DEFAULT_LIMIT, MAX_LIMIT)?;
    let group_by = args.texts("group_by")?;
    let metrics = args.texts("metrics")?;
    let columns = args.texts("columns")?;
    if group_by.is_empty() && !metrics.is_empty() {
        return Err(ToolError::new("argument 'metrics' needs 'group_by'"));
    }
    if !group_by.is_empty() && !columns.is_empty() {
        return Err(ToolError::new(
            "argument 'columns' lists events; with 'group_by' give 'metrics' instead",
        ));
    }
    let grouping = if group_by.is_empty() {
        None
    } else {
        Some(grouping(&group_by, &metrics)?)
    };
    let columns = parse_columns(&columns)?;
    let (_, capture) = args.capture(captures)?;
    let query = Query::new(&capture, &filter);
    Ok(match grouping {
        Some(grouping) => grouped(&query, &grouping, page),
        None => events(&query, &columns, page),
    })
}

/// The grouping of `group_by` and `metrics`.
fn grouping(group_by: &[&str], metrics: &[&str]) -> Result<GroupBy, ToolError> {
    let keys = GroupBy::parse_keys(&group_by.join(","))
        .map_err(|e| ToolError::new(format!("group_by: {e}")))?;
    let metrics = metrics
        .iter()
        .map(|m| {
            m.parse::<Metric>()
                .map_err(|e| ToolError::new(format!("metric '{m}': {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(GroupBy::new(keys, metrics))
}

/// The columns named (ProcMon's 7 when none, the 27 for `all`).
fn parse_columns(names: &[&str]) -> Result<Vec<Column>, ToolError> {
    match names {
        [] => Ok(Column::DEFAULT.to_vec()),
        [all] if all.eq_ignore_ascii_case("all") => Ok(Column::ALL.to_vec()),
        _ => names
            .iter()
            .map(|name| {
                Column::from_name(name).ok_or_else(|| {
                    let all: Vec<&str> = Column::ALL.iter().map(|c| c.name()).collect();
                    ToolError::new(format!(
                        "unknown column '{name}': the columns are {}",
                        all.join(", ")
                    ))
                })
            })
            .collect(),
    }
}

/// The groups of the page, with totals.
fn grouped(query: &Query<'_>, grouping: &GroupBy, page: Page) -> Value {
    let mut all = grouping.run(query, &());
    let total = all.groups.len() as u64;
    let groups = page.slice(&all.groups).to_vec();
    let returned = groups.len();
    all.groups = groups;
    let mut answer = match all.to_json() {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    page.describe(returned, total, &mut answer);
    answer.insert("unreadable_events".into(), all.unreadable.into());
    Value::Object(answer)
}

/// The events of the page, with the number of events that pass.
fn events(query: &Query<'_>, columns: &[Column], page: Page) -> Value {
    let mut matched = 0u64;
    let mut rows = Vec::new();
    let mut cell = String::new();
    let unreadable = query
        .for_each_in_order(CHUNK_EVENTS, &(), |part, event| {
            if page.contains(matched) {
                let mut row = Map::new();
                row.insert("index".into(), part.global(event.index()).into());
                for &column in columns {
                    cell.clear();
                    part.renderer().write(event, column, &mut cell);
                    row.insert(column.name().into(), cell.as_str().into());
                }
                rows.push(Value::Object(row));
            }
            matched += 1;
            Ok::<bool, std::convert::Infallible>(true)
        })
        .unwrap_or_else(|never| match never {});
    let mut answer = Map::new();
    answer.insert(
        "columns".into(),
        columns.iter().map(|c| c.name()).collect::<Vec<_>>().into(),
    );
    answer.insert("total_matched".into(), matched.into());
    let returned = rows.len();
    answer.insert("events".into(), rows.into());
    page.describe(returned, matched, &mut answer);
    answer.insert("unreadable_events".into(), unreadable.into());
    Value::Object(answer)
}
