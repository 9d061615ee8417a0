//! `Capture`: an open capture (its split parts joined), and what can be done with it: the
//! overview of `pml info`, events, summaries, the analysis, exports, the report.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use pml_analyzer::diff::{diff_with, DiffOptions};
use pml_analyzer::filter::{Action, Expr, Filter, Rule};
use pml_analyzer::info::CaptureInfo;
use pml_analyzer::pmc::Config;
use pml_analyzer::summary::{Kind, Summarizer};
use pml_analyzer::{Options, Query};
use pml_parser::{AtomicFile, Column, OpenOptions, SplitCapture, TimeZoneSpec};
use pyo3::prelude::*;

use crate::columns::{resolve, Request};
use crate::errors::{Class, Error, Result};
use crate::events::RawEvents;
use crate::progress::PyProgress;
use crate::scan::Scan;

/// The files of a capture: each file named, with the split parts beside it (`X-1.PML`, ...).
fn with_parts(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = Vec::new();
    for path in paths {
        let parts = pml_parser::sibling_parts(&path);
        for file in std::iter::once(path).chain(parts) {
            if !files.contains(&file) {
                files.push(file);
            }
        }
    }
    files
}

/// The filter rules of `pml events`: a PMC file's rules, then `filter` (include) and
/// `exclude` rules, then `where` expressions.
#[derive(FromPyObject, Default)]
pub struct FilterArgs {
    #[pyo3(item)]
    filter: Vec<String>,
    #[pyo3(item)]
    exclude: Vec<String>,
    #[pyo3(item)]
    config: Option<PathBuf>,
    #[pyo3(item("where"))]
    wheres: Vec<String>,
}

impl FilterArgs {
    /// The filter, and the columns of the configuration file when one was given.
    fn build(&self) -> Result<(Filter, Option<Vec<Column>>)> {
        let mut filter = Filter::default();
        let mut columns = None;
        if let Some(path) = &self.config {
            let config = Config::load(path)
                .map_err(|e| Error::new(Class::Filter, e).in_file(path.display()))?;
            filter = config.filter;
            columns = Some(config.columns).filter(|c| !c.is_empty());
        }
        for (texts, action, what) in [
            (&self.filter, Action::Include, "filter"),
            (&self.exclude, Action::Exclude, "exclude"),
        ] {
            for text in texts {
                let rule = Rule::parse(text, action)
                    .map_err(|e| Error::new(Class::Filter, format!("{what} {text:?}: {e}")))?;
                filter.push(rule);
            }
        }
        for text in &self.wheres {
            let expr = Expr::parse(text)
                .map_err(|e| Error::new(Class::Filter, format!("where {text:?}: {e}")))?;
            filter.push_where(expr);
        }
        Ok((filter, columns))
    }
}

/// The column request of Python's `columns=` argument: `"default"`, `"all"`, a comma-separated
/// string or a list of names.
#[derive(FromPyObject)]
pub enum ColumnsArg {
    /// `"default"`, `"all"` or names separated by commas.
    Text(String),
    /// Names.
    List(Vec<String>),
}

impl ColumnsArg {
    fn request(&self) -> Request {
        match self {
            ColumnsArg::Text(t) if t.trim().eq_ignore_ascii_case("default") => Request::Default,
            ColumnsArg::Text(t) if t.trim().eq_ignore_ascii_case("all") => Request::All,
            ColumnsArg::Text(t) => Request::Names(t.split(',').map(str::to_string).collect()),
            ColumnsArg::List(names) => Request::Names(names.clone()),
        }
    }
}

/// An open capture; `close()` releases its memory map (events already handed out keep theirs).
#[pyclass(module = "pml._pml", frozen)]
pub struct Capture {
    inner: RwLock<Option<Arc<SplitCapture>>>,
    files: Vec<String>,
    tz: String,
}

impl Capture {
    fn get(&self) -> Result<Arc<SplitCapture>> {
        self.inner
            .read()
            .ok()
            .and_then(|c| c.clone())
            .ok_or_else(|| Error::new(Class::Argument, "the capture is closed"))
    }
}

/// Opens `paths` (and their split parts) as one capture; `tz` is the zone of the time columns.
#[pyfunction]
#[pyo3(signature = (paths, salvage=true, tz=None))]
pub fn open(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    salvage: bool,
    tz: Option<String>,
) -> Result<Capture> {
    let zone = match &tz {
        Some(name) => TimeZoneSpec::parse(name)
            .map_err(|e| Error::new(Class::Argument, format!("tz {name:?}: {e}")))?,
        None => TimeZoneSpec::utc(),
    };
    if paths.is_empty() {
        return Err(Error::new(Class::Argument, "no capture given"));
    }
    let files = with_parts(paths);
    let options = OpenOptions::new().salvage(salvage);
    let opened = py.allow_threads(|| SplitCapture::open_files(&files, options));
    let capture = opened.map_err(Error::from)?.with_time_zone(zone.clone());
    Ok(Capture {
        inner: RwLock::new(Some(Arc::new(capture))),
        files: files.iter().map(|f| f.display().to_string()).collect(),
        tz: match zone.name() {
            n if n.eq_ignore_ascii_case("utc") => "UTC".to_string(),
            n => n.to_string(),
        },
    })
}

/// `pml diff GOOD BAD --json`: what changed between the run that worked (`good`) and the one
/// that failed (`bad`), both filtered by `filters`, as JSON text; at most `limit` differences
/// listed (0: all), linked to BAD's incidents when `link_incidents`.
#[pyfunction]
#[pyo3(signature = (good, bad, filters, limit=1000, link_incidents=true, progress=None))]
pub fn diff_json(
    py: Python<'_>,
    good: PyRef<'_, Capture>,
    bad: PyRef<'_, Capture>,
    filters: FilterArgs,
    limit: usize,
    link_incidents: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let (good, bad) = (good.get()?, bad.get()?);
    let (filter, _) = filters.build()?;
    let options = DiffOptions {
        filter,
        limit,
        link_incidents,
    };
    let progress = PyProgress::new(progress, good.event_count() + bad.event_count());
    let (out, progress) = py.allow_threads(move || {
        let result = diff_with(&good, &bad, &options, &progress, None);
        let mut out = Vec::new();
        let written = pml_report::diff::write_json(&mut out, &result);
        (written.map(|()| out), progress)
    });
    progress.finish()?;
    let out = out.map_err(|e| Error::new(Class::Output, e))?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[pymethods]
impl Capture {
    /// The files read, the named ones and their split parts.
    #[getter]
    fn files(&self) -> Vec<String> {
        self.files.clone()
    }

    /// Events in all parts.
    #[getter]
    fn event_count(&self) -> Result<u64> {
        Ok(self.get()?.event_count())
    }

    /// Warnings about the parts (salvaged bytes, odd headers), in part order.
    #[getter]
    fn warnings(&self) -> Result<Vec<String>> {
        let capture = self.get()?;
        Ok(capture
            .captures()
            .flat_map(|c| c.warnings().iter().cloned())
            .collect())
    }

    /// Releases the capture's memory map.
    fn close(&self) {
        if let Ok(mut inner) = self.inner.write() {
            *inner = None;
        }
    }

    /// True once closed.
    #[getter]
    fn closed(&self) -> bool {
        self.inner.read().map(|c| c.is_none()).unwrap_or(true)
    }

    /// What `pml info --json` prints (the library's [`CaptureInfo`]: the first file's system,
    /// counts over all parts), as JSON text.
    fn info_json(&self, py: Python<'_>) -> Result<String> {
        let split = self.get()?;
        let file = self.files[0].clone();
        let info = py.allow_threads(|| CaptureInfo::compute(file, &split));
        let info = info.ok_or_else(|| Error::new(Class::Argument, "no capture given"))?;
        serde_json::to_string(&info).map_err(|e| Error::new(Class::Output, e))
    }

    /// The events that pass the filters, in the requested columns.
    #[pyo3(signature = (filters, columns, text=false, limit=None))]
    fn events(
        &self,
        filters: FilterArgs,
        columns: Option<ColumnsArg>,
        text: bool,
        limit: Option<u64>,
    ) -> Result<RawEvents> {
        let capture = self.get()?;
        let (filter, config_columns) = filters.build()?;
        let request = match (&columns, config_columns) {
            (Some(c), _) => c.request(),
            (None, Some(cols)) => Request::Names(cols.iter().map(|c| c.name().into()).collect()),
            (None, None) => Request::Default,
        };
        Ok(RawEvents::new(Scan {
            capture,
            filter,
            specs: resolve(&request, text)?,
            tz: self.tz.clone(),
            limit,
        }))
    }

    /// `pml analyze --json` of this capture, named `name`, as JSON text.
    #[pyo3(signature = (name, window_ms, include_procmon=false))]
    fn analyze_json(
        &self,
        py: Python<'_>,
        name: String,
        window_ms: u64,
        include_procmon: bool,
    ) -> Result<String> {
        let capture = self.get()?;
        let options = Options {
            window_ms,
            include_procmon,
        };
        let out = py.allow_threads(|| {
            let analyzed = pml_report::analysis::AnalyzedCapture::new(name, &capture, &options);
            let mut out = Vec::new();
            pml_report::analysis::write_json(&mut out, &[analyzed]).map(|()| out)
        });
        let out = out.map_err(|e| Error::new(Class::Output, e))?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// A summary (`pml summary KIND`) of the events that pass, as JSON Lines text.
    #[pyo3(signature = (kind, column, filters, progress=None))]
    fn summary_jsonl(
        &self,
        py: Python<'_>,
        kind: String,
        column: Option<String>,
        filters: FilterArgs,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<String> {
        let capture = self.get()?;
        let column =
            match &column {
                Some(name) => Some(Column::from_name(name).ok_or_else(|| {
                    Error::new(Class::Argument, format!("unknown column {name:?}"))
                })?),
                None => None,
            };
        let kind = Kind::from_name(&kind, column).ok_or_else(|| {
            Error::new(
                Class::Argument,
                format!(
                    "unknown summary {kind:?} (count needs a column); use one of {}",
                    Kind::NAMES.join(", ")
                ),
            )
        })?;
        let (filter, _) = filters.build()?;
        let progress = PyProgress::new(progress, capture.event_count());
        let (out, progress) = py.allow_threads(move || {
            let query = Query::new(&capture, &filter);
            let (table, _unreadable) = Summarizer::summarize(&query, kind, &progress);
            let mut out = Vec::new();
            let written =
                pml_export::write_table(&table, pml_export::TableFormat::JsonLines, &mut out);
            (written.map(|()| out), progress)
        });
        progress.finish()?;
        let out = out.map_err(Error::from)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// Writes the events that pass as CSV (`csv`, as ProcMon exports it) or JSON Lines
    /// (`jsonl`) to `out`, whole or not at all; returns the number of events written.
    #[pyo3(signature = (out, format, filters, columns, progress=None))]
    fn export(
        &self,
        py: Python<'_>,
        out: PathBuf,
        format: String,
        filters: FilterArgs,
        columns: Option<String>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<u64> {
        let capture = self.get()?;
        let (filter, config_columns) = filters.build()?;
        let columns = match columns {
            Some(text) => pml_export::parse_columns(&text).map_err(Error::from)?,
            None => config_columns.unwrap_or_else(|| Column::DEFAULT.to_vec()),
        };
        let format = match format.to_ascii_lowercase().as_str() {
            "csv" => pml_export::Format::Csv,
            "jsonl" | "ndjson" => pml_export::Format::JsonLines,
            other => {
                return Err(Error::new(
                    Class::Argument,
                    format!("unknown format {other:?}; use csv, jsonl or parquet"),
                )
                .into())
            }
        };
        let progress = PyProgress::new(progress, capture.event_count());
        let (written, progress) = py.allow_threads(move || {
            let query = Query::new(&capture, &filter);
            let written = pml_export::Export::new(&query)
                .columns(columns)
                .progress(&progress)
                .write_file(format, &out);
            (written, progress)
        });
        progress.finish()?;
        Ok(written.map_err(Error::from)?.events)
    }

    /// Saves the events that pass as a new capture at `out` ("save filtered events"); returns
    /// the number of events saved.
    #[pyo3(signature = (out, filters))]
    fn save_filtered(&self, py: Python<'_>, out: PathBuf, filters: FilterArgs) -> Result<u64> {
        let capture = self.get()?;
        let (filter, _) = filters.build()?;
        let saved = py.allow_threads(|| {
            let query = Query::new(&capture, &filter);
            pml_export::save_filtered(&query, &out, &())
        });
        Ok(saved?.events)
    }

    /// Writes the HTML report of the analysis to `out`, whole or not at all; returns the number
    /// of incidents.
    #[pyo3(signature = (out, window_ms, include_procmon=false))]
    fn report(
        &self,
        py: Python<'_>,
        out: PathBuf,
        window_ms: u64,
        include_procmon: bool,
    ) -> Result<usize> {
        let capture = self.get()?;
        let name = self.files.join(", ");
        let options = Options {
            window_ms,
            include_procmon,
        };
        py.allow_threads(|| {
            let analysis = pml_analyzer::analyze(&capture, &options);
            let page = pml_report::html::HtmlPage::build(&capture, &analysis, name);
            let cannot = |e: std::io::Error| Error::new(Class::Output, e).in_file(out.display());
            let mut file = AtomicFile::create(&out).map_err(cannot)?;
            page.write(&mut file).map_err(cannot)?;
            file.commit().map_err(cannot)?;
            Ok(page.incidents.len())
        })
    }
}
