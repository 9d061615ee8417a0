//! `info`: what a capture holds, as `pml info --json` prints it.

use pml_analyzer::info::CaptureInfo;
use serde_json::{json, Value};

use super::{file_property, object_schema, Args, ToolError};
use crate::captures::Captures;

/// The tool's name.
pub(crate) const NAME: &str = "info";

/// What the tool does, for the model.
pub(crate) const DESCRIPTION: &str = "What a Process Monitor capture holds: computer, Windows \
release, CPUs and memory, the ProcMon build that captured it, the number of events per class \
(File System, Registry, Process, Network, Profiling), processes, the time of the first and last \
event, and a salvage report when ProcMon never finished the file. The same JSON as `pml info \
--json`. Call it first on a capture.";

/// The schema of the arguments.
pub(crate) fn schema() -> Value {
    object_schema(json!({"file": file_property()}), &["file"])
}

/// Runs the tool.
pub(crate) fn run(args: &Args<'_>, captures: &mut Captures) -> Result<Value, ToolError> {
    args.only(&["file"])?;
    let (file, capture) = args.capture(captures)?;
    let info = CaptureInfo::compute(file, &capture)
        .ok_or_else(|| ToolError::new(format!("{file} holds no capture")))?;
    serde_json::to_value(&info).map_err(|e| ToolError::new(format!("cannot describe {file}: {e}")))
}
