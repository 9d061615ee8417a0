//! `Events`: the events of a capture that pass a filter, as Arrow record batches, read through
//! the Arrow PyCapsule stream interface (`__arrow_c_stream__`) or collected at once.

use std::ffi::CString;
use std::sync::Arc;

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchIterator, RecordBatchReader};
use arrow_schema::SchemaRef;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::errors::{Class, Error};
use crate::progress::PyProgress;
use crate::scan::Scan;

/// Wraps `reader` in the capsule of the Arrow PyCapsule interface.
fn stream_capsule<'py>(
    py: Python<'py>,
    reader: Box<dyn RecordBatchReader + Send>,
) -> PyResult<Bound<'py, PyCapsule>> {
    let stream = FFI_ArrowArrayStream::new(reader);
    let name = CString::new("arrow_array_stream").expect("no NUL in the name");
    PyCapsule::new(py, stream, Some(name))
}

/// The events that pass a filter, in the chosen columns (a new pass each time it is read).
#[pyclass(module = "pml._pml", frozen)]
pub struct RawEvents {
    scan: Arc<Scan>,
}

impl RawEvents {
    /// The events of `scan`.
    pub fn new(scan: Scan) -> RawEvents {
        RawEvents {
            scan: Arc::new(scan),
        }
    }
}

#[pymethods]
impl RawEvents {
    /// The Arrow C stream of the record batches, produced on another thread while read.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema; // the schema is fixed; consumers cast if they want another
        stream_capsule(py, Box::new(self.scan.clone().stream()))
    }

    /// Reads every batch now, on all cores without the GIL; `progress(done, total)` is called
    /// as events are read. Raises `pml.PmlError` on failure.
    #[pyo3(signature = (progress=None))]
    fn collect(&self, py: Python<'_>, progress: Option<Py<PyAny>>) -> PyResult<Batches> {
        let scan = self.scan.clone();
        let progress = PyProgress::new(progress, scan.capture.event_count());
        let (result, progress) = py.allow_threads(move || {
            let mut batches = Vec::new();
            let result = scan.run(&progress, |b| {
                batches.push(b);
                true
            });
            (result.map(|unreadable| (batches, unreadable)), progress)
        });
        progress.finish()?;
        let (batches, unreadable) =
            result.map_err(|e| Error::new(Class::Capture, format!("cannot read events: {e}")))?;
        Ok(Batches {
            schema: self.scan.schema(),
            batches,
            unreadable,
        })
    }

    /// The number of events in the capture (before filtering).
    #[getter]
    fn capture_events(&self) -> u64 {
        self.scan.capture.event_count()
    }

    /// The column names, in order.
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.scan.specs.iter().map(|s| s.name.clone()).collect()
    }
}

/// Record batches already read, readable through the Arrow PyCapsule stream interface.
#[pyclass(module = "pml._pml", frozen)]
pub struct Batches {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    unreadable: u64,
}

#[pymethods]
impl Batches {
    /// The Arrow C stream of the batches (no copy: the consumer shares their buffers).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let reader = RecordBatchIterator::new(
            self.batches.clone().into_iter().map(Ok),
            self.schema.clone(),
        );
        stream_capsule(py, Box::new(reader))
    }

    /// Events that could not be read and were left out.
    #[getter]
    fn unreadable(&self) -> u64 {
        self.unreadable
    }

    /// Rows in all batches.
    #[getter]
    fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}
