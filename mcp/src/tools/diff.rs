//! `diff`: what changed between a run that worked and one that failed, ranked by how likely it
//! explains the failure, as `pml diff GOOD BAD --json` prints it.

use pml_analyzer::diff::{diff, DiffOptions};
use serde_json::{json, Map, Value};

use super::{filter_properties, object_schema, page_properties, Args, ToolError};
use crate::bound::cut_lists;
use crate::captures::Captures;

/// The tool's name.
pub(crate) const NAME: &str = "diff";

/// Differences returned by default.
const DEFAULT_LIMIT: u64 = 20;

/// Differences returned at most.
const MAX_LIMIT: u64 = 1000;

/// What the tool does, for the model.
pub(crate) const DESCRIPTION: &str = "Compares a capture of a run that worked (`good`) with a \
capture of the same task that failed (`bad`) and ranks what changed by how likely it explains \
the failure: operations that failed only in BAD, exit statuses that changed, processes of one run \
only, results and counts that changed. The processes of the two runs are paired by image, place \
in the tree and command line (PIDs, temp names, GUIDs and numbers normalized), and a difference \
that touches an incident `analyze` finds in BAD links to it (`incident`). The same JSON document \
as `pml diff GOOD BAD --json` (see docs/diff.md): `differences` (a page, highest `score` first, \
each with its kind, process, operation, path, both runs' results and a one-line explanation), \
`processes_only_in_good` and `processes_only_in_bad` (each cut to `limit`; `truncated_lists` \
names the lists cut with their full length) and `summary` (counts; `likely_causes`: \
differences scoring 50 or more; `failing_processes`: BAD's processes that exited with an \
error). `total` counts every difference, `truncated` / `next_offset` give the next page. The \
filters apply to both captures. Two good runs of the same task have no likely cause.";

/// The schema of the arguments.
pub(crate) fn schema() -> Value {
    let mut properties = Map::new();
    properties.insert(
        "good".into(),
        json!({"type": "string", "description": "Path of the capture (.PML) of the run that \
            worked, best absolute. Its split parts (X-1.PML, X-2.PML, ... beside X.PML) are \
            read with it as one capture."}),
    );
    properties.insert(
        "bad".into(),
        json!({"type": "string", "description": "Path of the capture (.PML) of the run that \
            failed, best absolute, with its split parts."}),
    );
    filter_properties(&mut properties);
    properties.insert(
        "link_incidents".into(),
        json!({"type": "boolean", "default": true, "description": "Run the analysis on BAD \
            and link each difference to the incident it belongs to (`incident`, numbered as \
            `analyze` lists them; a linked difference scores 25 more). False is faster on a \
            large BAD capture."}),
    );
    page_properties(&mut properties, DEFAULT_LIMIT, MAX_LIMIT, "Differences");
    object_schema(Value::Object(properties), &["good", "bad"])
}

/// Runs the tool.
pub(crate) fn run(args: &Args<'_>, captures: &mut Captures) -> Result<Value, ToolError> {
    args.only(&[
        "good",
        "bad",
        "where",
        "filter",
        "exclude",
        "link_incidents",
        "offset",
        "limit",
    ])?;
    let filter = args.filter()?;
    let page = args.page(DEFAULT_LIMIT, MAX_LIMIT)?;
    let link_incidents = args.flag_or("link_incidents", true)?;
    let good_file = args.required_text("good")?;
    let bad_file = args.required_text("bad")?;
    // Both stay open while compared, even when the cache keeps only one.
    let good = captures
        .get(good_file)
        .map_err(|e| ToolError::new(format!("good: {e}")))?;
    let bad = captures
        .get(bad_file)
        .map_err(|e| ToolError::new(format!("bad: {e}")))?;
    // The differences up to the end of the page are kept (the summary counts them all).
    let through = usize::try_from(page.offset.saturating_add(page.limit)).unwrap_or(usize::MAX);
    let options = DiffOptions {
        filter,
        limit: through,
        link_incidents,
    };
    let mut result = diff(&good, &bad, &options);
    let total = result.summary.differences as u64;
    result.differences = page.slice(&result.differences).to_vec();
    let returned = result.differences.len();
    // `listed`, as in `pml diff --json`: the differences in this document.
    result.summary.listed = returned;
    let mut document = serde_json::to_value(&result)
        .map_err(|e| ToolError::new(format!("cannot write the differences: {e}")))?;
    // The page of differences is within the limit already: only the process lists are cut.
    cut_lists(
        &mut document,
        usize::try_from(page.limit).unwrap_or(usize::MAX),
    );
    if let Value::Object(answer) = &mut document {
        page.describe(returned, total, answer);
    }
    Ok(document)
}
