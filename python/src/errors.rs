//! The exceptions of the `pml` module: every error is a `pml.PmlError`, carrying the file, the
//! byte offset and the event index it concerns when they are known.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    pml,
    PmlError,
    PyException,
    "Any error of pml; `file`, `offset` (bytes) and `event_index` say where, when known."
);
create_exception!(
    pml,
    CaptureError,
    PmlError,
    "A capture that cannot be opened or read: missing, not a PML file, truncated or corrupt."
);
create_exception!(
    pml,
    FilterError,
    PmlError,
    "A filter rule, `where` expression or PMC configuration file that cannot be used."
);
create_exception!(
    pml,
    ArgumentError,
    PmlError,
    "An argument pml does not understand: a column, summary kind, time zone or format."
);
create_exception!(
    pml,
    OutputError,
    PmlError,
    "An output file that could not be written (nothing is left behind)."
);

/// Which exception class an error becomes.
#[derive(Debug, Clone, Copy)]
pub enum Class {
    /// `pml.CaptureError`.
    Capture,
    /// `pml.FilterError`.
    Filter,
    /// `pml.ArgumentError`.
    Argument,
    /// `pml.OutputError`.
    Output,
}

/// An error on its way to Python: its class, message and location.
#[derive(Debug)]
pub struct Error {
    class: Class,
    message: String,
    file: Option<String>,
    offset: Option<u64>,
    event_index: Option<u64>,
}

impl Error {
    /// An error of `class` saying `message`, at no known location.
    pub fn new(class: Class, message: impl std::fmt::Display) -> Error {
        Error {
            class,
            message: message.to_string(),
            file: None,
            offset: None,
            event_index: None,
        }
    }

    /// The same error, about `file`.
    pub fn in_file(mut self, file: impl std::fmt::Display) -> Error {
        self.file = Some(file.to_string());
        self
    }
}

impl From<pml_parser::Error> for Error {
    fn from(e: pml_parser::Error) -> Error {
        use pml_parser::ErrorKind as K;
        let (offset, event_index) = match e.kind() {
            K::Truncated { offset, .. } | K::Corrupt { offset, .. } => (Some(*offset), None),
            K::BadEvent { index, offset, .. } => (Some(*offset), Some(*index)),
            K::NoSuchEvent { index, .. } => (None, Some(*index)),
            K::NotPml { .. } | K::UnsupportedVersion(_) => (Some(0), None),
            _ => (None, None),
        };
        Error {
            class: Class::Capture,
            message: e.to_string(),
            file: e.path().map(|p| p.display().to_string()),
            offset,
            event_index,
        }
    }
}

impl From<pml_export::Error> for Error {
    fn from(e: pml_export::Error) -> Error {
        let class = match e {
            pml_export::Error::UnknownColumn { .. } | pml_export::Error::NoParquet => {
                Class::Argument
            }
            _ => Class::Output,
        };
        Error::new(class, e)
    }
}

impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        Python::with_gil(|py| {
            let err = match e.class {
                Class::Capture => CaptureError::new_err(e.message),
                Class::Filter => FilterError::new_err(e.message),
                Class::Argument => ArgumentError::new_err(e.message),
                Class::Output => OutputError::new_err(e.message),
            };
            let value = err.value(py);
            // Setting attributes on a fresh exception object cannot fail short of memory
            // exhaustion, which Python reports on its own.
            let _ = value.setattr("file", e.file);
            let _ = value.setattr("offset", e.offset);
            let _ = value.setattr("event_index", e.event_index);
            err
        })
    }
}

/// The result of a binding function.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Adds the exception classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("PmlError", py.get_type::<PmlError>())?;
    m.add("CaptureError", py.get_type::<CaptureError>())?;
    m.add("FilterError", py.get_type::<FilterError>())?;
    m.add("ArgumentError", py.get_type::<ArgumentError>())?;
    m.add("OutputError", py.get_type::<OutputError>())?;
    Ok(())
}
