//! Locating and loading the real captures shared beside the repository.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};

use pml_parser::Capture;

/// `../shared/pml-samples` beside the checkout (or `$PML_SAMPLES`), or `None` with a message.
pub fn samples_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PML_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/pml-samples"));
    if dir.join("MANIFEST.md").exists() {
        Some(dir)
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
