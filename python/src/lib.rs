//! The native part of the `pml` Python package: a thin binding over pml's library crates.
//! `pml/__init__.py` wraps it in the Pythonic API (`pml.open`, `Capture.events`, ...).

mod batch;
mod capture;
mod columns;
mod errors;
mod events;
mod progress;
mod scan;

use pyo3::prelude::*;

/// The default `window_ms` of the analysis (as `pml analyze`).
const DEFAULT_WINDOW_MS: u64 = pml_analyzer::DEFAULT_WINDOW_MS;

/// The module `pml._pml`.
#[pymodule]
fn _pml(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<capture::Capture>()?;
    m.add_class::<events::RawEvents>()?;
    m.add_class::<events::Batches>()?;
    m.add_function(wrap_pyfunction!(capture::open, m)?)?;
    m.add_function(wrap_pyfunction!(capture::diff_json, m)?)?;
    m.add("DEFAULT_WINDOW_MS", DEFAULT_WINDOW_MS)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
