//! `report`: writes the self-contained HTML report of a capture and says where.

use std::path::{Path, PathBuf};

use pml_analyzer::{analyze, Options, DEFAULT_WINDOW_MS};
use pml_parser::AtomicFile;
use pml_report::html::HtmlPage;
use serde_json::{json, Value};

use super::{file_property, object_schema, Args, ToolError};
use crate::captures::Captures;

/// The tool's name.
pub(crate) const NAME: &str = "report";

/// What the tool does, for the model.
pub(crate) const DESCRIPTION: &str = "Writes the HTML report of a capture (each incident on a \
timeline, the processes involved, sortable tables, an activity histogram; one self-contained \
page, like `pml report`) and returns its absolute path, for a person to open in a browser. \
The file appears whole or not at all; an existing file is replaced.";

/// The schema of the arguments.
pub(crate) fn schema() -> Value {
    object_schema(
        json!({
            "file": file_property(),
            "output": {"type": "string", "description": "Where to write the page (.html). \
                Default: pml-report-NAME.html in the system's temporary folder."},
            "include_procmon": {"type": "boolean", "default": false,
                "description": "Keep ProcMon's own activity (Procmon64.exe, its backing file, \
                paging files, $Mft), which is left out of the findings by default as ProcMon's \
                default filter hides it."},
            "window_ms": {"type": "integer", "minimum": 0, "default": DEFAULT_WINDOW_MS,
                "description": "A process created at most this many ms after its creator opened \
                a file it still holds is an inherited-handle suspect."},
        }),
        &["file"],
    )
}

/// Runs the tool.
pub(crate) fn run(args: &Args<'_>, captures: &mut Captures) -> Result<Value, ToolError> {
    args.only(&["file", "output", "window_ms", "include_procmon"])?;
    let options = Options {
        window_ms: args.number("window_ms")?.unwrap_or(DEFAULT_WINDOW_MS),
        include_procmon: args.flag("include_procmon")?,
    };
    let (file, capture) = args.capture(captures)?;
    let output = match args.text("output")? {
        Some(o) if o.trim().is_empty() => return Err(ToolError::new("argument 'output' is empty")),
        Some(o) => PathBuf::from(o),
        None => {
            let stem = Path::new(file)
                .file_stem()
                .map_or("capture".into(), |s| s.to_string_lossy());
            std::env::temp_dir().join(format!("pml-report-{stem}.html"))
        }
    };
    let output = std::path::absolute(&output)
        .map_err(|e| ToolError::new(format!("cannot write {}: {e}", output.display())))?;
    let analysis = analyze(&capture, &options);
    let page = HtmlPage::build(&capture, &analysis, file);
    let cannot =
        |e: std::io::Error| ToolError::new(format!("cannot write {}: {e}", output.display()));
    let mut html = AtomicFile::create(&output).map_err(cannot)?;
    page.write(&mut html).map_err(cannot)?;
    html.commit().map_err(cannot)?;
    let bytes = std::fs::metadata(&output).map_or(0, |m| m.len());
    Ok(json!({
        "path": output.display().to_string(),
        "bytes": bytes,
        "incidents": page.incidents.len(),
    }))
}
