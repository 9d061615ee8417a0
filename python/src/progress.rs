//! An optional Python progress callback, called as `callback(done, total)` from whichever
//! thread reads, about every 1% of the events.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use pyo3::prelude::*;

/// Reports events read to a Python callable.
pub struct PyProgress {
    callback: Option<Py<PyAny>>,
    total: u64,
    done: AtomicU64,
    next: AtomicU64,
    /// The first exception the callback raised, raised again once the pass is over.
    error: Mutex<Option<PyErr>>,
}

impl PyProgress {
    /// Progress of a pass over `total` events, reported to `callback` when there is one.
    pub fn new(callback: Option<Py<PyAny>>, total: u64) -> PyProgress {
        PyProgress {
            callback,
            total,
            done: AtomicU64::new(0),
            next: AtomicU64::new(0),
            error: Mutex::new(None),
        }
    }

    /// The callback's first exception, if it raised one.
    pub fn finish(self) -> PyResult<()> {
        match self.error.into_inner() {
            Ok(Some(e)) => Err(e),
            _ => Ok(()),
        }
    }
}

impl pml_parser::Progress for PyProgress {
    fn advance(&self, events: u64) {
        let Some(callback) = &self.callback else {
            return;
        };
        let done = self.done.fetch_add(events, Ordering::Relaxed) + events;
        let next = self.next.load(Ordering::Relaxed);
        if done < next && done < self.total {
            return;
        }
        let step = (self.total / 100).max(1);
        if self
            .next
            .compare_exchange(next, done + step, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return; // another thread reports this step
        }
        Python::with_gil(|py| {
            if let Err(e) = callback.call1(py, (done.min(self.total), self.total)) {
                if let Ok(mut first) = self.error.lock() {
                    first.get_or_insert(e);
                }
            }
        });
    }
}
