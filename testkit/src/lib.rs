//! Test helpers of the pml workspace (a dev-dependency only): locating and loading the real
//! captures shared beside the repository, comparing renderings with ProcMon's own CSV exports,
//! scratch folders.
//!
//! The real captures live in `../shared/pml-samples` beside the checkout (or `$PML_SAMPLES`).
//! A test that needs them skips with a `SKIPPED:` line when they are absent, unless
//! `PML_REQUIRE_SAMPLES=1` (as in CI), where their absence fails the test.

pub mod build;
pub mod golden;

use std::io::Read;
use std::path::{Path, PathBuf};

use pml_parser::Capture;

/// True when `PML_REQUIRE_SAMPLES` asks that tests fail, not skip, without the real captures.
pub fn samples_required() -> bool {
    std::env::var_os("PML_REQUIRE_SAMPLES").is_some_and(|v| !v.is_empty() && v != "0")
}

/// `../shared/pml-samples` beside the checkout (or `$PML_SAMPLES`), or `None` with a message;
/// with `PML_REQUIRE_SAMPLES=1` a missing folder panics instead.
pub fn samples_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PML_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/pml-samples"));
    if dir.join("MANIFEST.md").exists() {
        Some(dir)
    } else if samples_required() {
        panic!(
            "no real captures at {} and PML_REQUIRE_SAMPLES is set (set PML_SAMPLES)",
            dir.display()
        );
    } else {
        eprintln!(
            "SKIPPED: no real captures at {} (set PML_SAMPLES)",
            dir.display()
        );
        None
    }
}

/// Reads a gzip-compressed file into memory, decompressed.
pub fn gunzip(path: &Path) -> Vec<u8> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut data = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut data)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    data
}

/// Reads `dir/name.pml.gz` into memory, decompressed.
pub fn sample_bytes(dir: &Path, name: &str) -> Vec<u8> {
    gunzip(&dir.join(format!("{name}.pml.gz")))
}

/// Opens a real capture from memory.
pub fn open_sample(dir: &Path, name: &str) -> Capture {
    Capture::from_bytes(sample_bytes(dir, name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A scratch folder under the system's temporary folder, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new, empty folder named after `name` and this process.
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("pml-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        TempDir(dir)
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A path inside the folder.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Decompresses sample `name` (`dir/name.pml.gz`) into `into/file` and returns its path.
pub fn unpack_sample(dir: &Path, name: &str, into: &Path, file: &str) -> PathBuf {
    let path = into.join(file);
    std::fs::write(&path, sample_bytes(dir, name))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

/// Runs `binary` (a test's `env!("CARGO_BIN_EXE_pml")`) with `args` and returns its output,
/// failing the test with the command and its standard error when it does not exit with 0.
pub fn succeed(binary: &str, args: &[&str]) -> std::process::Output {
    let out = std::process::Command::new(binary)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{binary}: {e}"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "pml {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
