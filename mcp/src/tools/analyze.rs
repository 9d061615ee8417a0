//! `analyze`: the handle races of a capture explained, as `pml analyze --json` prints them.

use pml_analyzer::{Options, DEFAULT_WINDOW_MS};
use pml_report::analysis::{write_json, AnalyzedCapture};
use serde_json::{json, Value};

use super::{file_property, object_schema, Args, ToolError};
use crate::bound::cut_lists;
use crate::captures::Captures;

/// The tool's name.
pub(crate) const NAME: &str = "analyze";

/// Items of each list returned by default.
const DEFAULT_LIMIT: u64 = 50;

/// Items of each list returned at most.
const MAX_LIMIT: u64 = 1000;

/// What the tool does, for the model.
pub(crate) const DESCRIPTION: &str = "Answers why something failed in a capture: warnings \
about what the capture cannot show (filtered saves, dropped events), processes that exited with an \
error and the events that most likely caused it (failures), incidents (a child process that \
inherited a still-open handle, sharing violations, images in use, pending deletes: who opened, who \
held, who failed, a timeline, an explanation and a fix), handle leaks grouped per process and \
path, opens never closed, sharing violations and a summary. The same JSON document as \
`pml analyze --json` (see docs/analyze.md), each list cut to `limit` items: `truncated_lists` \
names the lists cut with their full length.";

/// The schema of the arguments.
pub(crate) fn schema() -> Value {
    object_schema(
        json!({
            "file": file_property(),
            "include_procmon": {"type": "boolean", "default": false,
                "description": "Keep ProcMon's own activity (Procmon64.exe, its backing file, \
                paging files, $Mft), which is left out of the findings by default as ProcMon's \
                default filter hides it."},
            "window_ms": {"type": "integer", "minimum": 0, "default": DEFAULT_WINDOW_MS,
                "description": "A process created at most this many ms after its creator opened \
                a file it still holds is an inherited-handle suspect."},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                "default": DEFAULT_LIMIT, "description": "Items of each list to return at most."},
        }),
        &["file"],
    )
}

/// Runs the tool.
pub(crate) fn run(args: &Args<'_>, captures: &mut Captures) -> Result<Value, ToolError> {
    args.only(&["file", "window_ms", "include_procmon", "limit"])?;
    let limit = args.page(DEFAULT_LIMIT, MAX_LIMIT)?.limit;
    let options = Options {
        window_ms: args.number("window_ms")?.unwrap_or(DEFAULT_WINDOW_MS),
        include_procmon: args.flag("include_procmon")?,
    };
    let (file, capture) = args.capture(captures)?;
    let analyzed = AnalyzedCapture::new(file, &capture, &options);
    let mut bytes = Vec::new();
    write_json(&mut bytes, std::slice::from_ref(&analyzed))
        .map_err(|e| ToolError::new(format!("cannot write the analysis of {file}: {e}")))?;
    let mut document: Value = serde_json::from_slice(&bytes)
        .map_err(|e| ToolError::new(format!("cannot read the analysis of {file}: {e}")))?;
    cut_lists(&mut document, usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(document)
}
