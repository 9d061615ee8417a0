//! The captures the server has open, by path: each is opened once (with the parts ProcMon split
//! from it, salvaged if ProcMon never finished it) and reused until its files change or it is
//! the least recently used of too many.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use pml_parser::{sibling_parts, OpenOptions, SplitCapture};

use crate::tools::ToolError;

/// What a capture's files looked like when opened: path, size and modification time of each.
type Stamp = Vec<(PathBuf, u64, Option<SystemTime>)>;

/// One open capture.
struct Entry {
    path: PathBuf,
    stamp: Stamp,
    capture: Arc<SplitCapture>,
}

/// The open captures, least recently used first.
pub(crate) struct Captures {
    open: Vec<Entry>,
    capacity: usize,
}

impl Captures {
    /// No capture open; at most `capacity` kept.
    pub(crate) fn new(capacity: usize) -> Captures {
        Captures {
            open: Vec::new(),
            capacity,
        }
    }

    /// The capture at `file` (with its split parts), opened now or earlier.
    pub(crate) fn get(&mut self, file: &str) -> Result<Arc<SplitCapture>, ToolError> {
        if file.trim().is_empty() {
            return Err(ToolError::new(
                "`file` is empty: give the path of a .PML capture",
            ));
        }
        let path = Path::new(file);
        let path = std::fs::canonicalize(path).map_err(|e| {
            ToolError::new(format!(
                "cannot open {file}: {e} (give the capture's absolute path; relative paths are \
                 read from the folder the server runs in, {})",
                std::env::current_dir()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default()
            ))
        })?;
        let stamp = stamp(&path);
        if let Some(at) = self.open.iter().position(|e| e.path == path) {
            let entry = self.open.remove(at);
            if entry.stamp == stamp {
                let capture = Arc::clone(&entry.capture);
                self.open.push(entry);
                return Ok(capture);
            }
        }
        let capture = SplitCapture::open(&path, OpenOptions::new().salvage(true))
            .map_err(|e| ToolError::new(format!("cannot open {file}: {e}")))?;
        let capture = Arc::new(capture);
        if self.open.len() >= self.capacity {
            self.open.remove(0);
        }
        self.open.push(Entry {
            path,
            stamp,
            capture: Arc::clone(&capture),
        });
        Ok(capture)
    }

    /// How many captures are open.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.open.len()
    }
}

/// The size and modification time of `path` and of its split parts.
fn stamp(path: &Path) -> Stamp {
    std::iter::once(path.to_path_buf())
        .chain(sibling_parts(path))
        .map(|p| {
            let meta = std::fs::metadata(&p).ok();
            let size = meta.as_ref().map_or(0, |m| m.len());
            let modified = meta.and_then(|m| m.modified().ok());
            (p, size, modified)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_is_opened_once_and_again_when_its_file_changes() {
        let dir = pml_testkit::TempDir::new("mcp-captures");
        let copy = dir.path().join("seed.pml");
        let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/seed-race.pml");
        std::fs::copy(&seed, &copy).unwrap();
        let name = copy.to_str().unwrap();
        let mut captures = Captures::new(2);
        let first = captures.get(name).unwrap();
        let again = captures.get(name).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        // A different file: the capture is opened again.
        let data = std::fs::read(&seed).unwrap();
        std::fs::write(&copy, &data[..data.len() / 2]).unwrap();
        let changed = captures.get(name).unwrap();
        assert!(!Arc::ptr_eq(&first, &changed));
        assert_eq!(captures.len(), 1);
        // Two more captures: the least recently used is closed.
        let other = dir.path().join("other.pml");
        std::fs::copy(&seed, &other).unwrap();
        captures.get(other.to_str().unwrap()).unwrap();
        captures.get(seed.to_str().unwrap()).unwrap();
        assert_eq!(captures.len(), 2);
        let err = captures
            .get("/no/such/capture.pml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("cannot open /no/such/capture.pml"), "{err}");
    }
}
