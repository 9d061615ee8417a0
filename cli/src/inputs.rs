//! Opening the captures a command reads: one or several files or glob patterns. The parts of a
//! split capture (`X.PML`, `X-1.PML`, `X-2.PML`, ...) are read as one capture, in time order,
//! with one global event index.

use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use pml_parser::{Capture, ColumnRenderer, TimeZoneSpec};

/// The captures of one command, ordered by the time of their first event.
pub struct Inputs {
    parts: Vec<Part>,
    total: u64,
}

/// Opens a capture the way every command does: a capture that was not closed cleanly or was cut
/// off is salvaged (its events walked from the first one), with a warning that says so.
pub fn open_capture(file: &Path) -> Result<Capture> {
    let capture = pml_parser::OpenOptions::new()
        .salvage(true)
        .open(file)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for warning in capture.warnings() {
        eprintln!("pml: warning: {}: {warning}", file.display());
    }
    if let Some(r) = capture.salvage_report() {
        eprintln!(
            "pml: warning: {}: salvaged {} events, {} bytes unreadable{}: {}",
            file.display(),
            r.events,
            r.unreadable_bytes,
            if r.tables_missing {
                ", tables missing (processes rebuilt from process events)"
            } else {
                ""
            },
            r.reason
        );
    }
    Ok(capture)
}

/// One file of the input.
pub struct Part {
    /// The opened capture.
    pub capture: Capture,
    /// Renders its columns.
    pub renderer: ColumnRenderer,
    /// Global index of its first event.
    pub first_index: u64,
}

impl Part {
    /// Event `local` of this part, numbered globally.
    pub fn global(&self, local: u64) -> u64 {
        self.first_index + local
    }
}

/// True when `arg` contains glob characters.
fn is_pattern(arg: &str) -> bool {
    arg.contains(['*', '?', '['])
}

/// `X-1.PML`, `X-2.PML`, ... beside `X.PML`, as long as they exist.
fn split_parts(path: &Path) -> Vec<PathBuf> {
    let (Some(stem), Some(ext)) = (path.file_stem(), path.extension()) else {
        return Vec::new();
    };
    let (stem, ext) = (stem.to_string_lossy(), ext.to_string_lossy());
    (1..)
        .map(|n| path.with_file_name(format!("{stem}-{n}.{ext}")))
        .take_while(|p| p.is_file())
        .collect()
}

/// The files named by the arguments: patterns expanded, split parts added, duplicates removed.
pub fn expand(args: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = Vec::new();
    for arg in args {
        let text = arg.to_string_lossy();
        let mut named = Vec::new();
        if is_pattern(&text) && !arg.exists() {
            for entry in glob::glob(&text).with_context(|| format!("bad pattern {text}"))? {
                named.push(entry.with_context(|| format!("cannot read a match of {text}"))?);
            }
            named.sort();
            if named.is_empty() {
                bail!("no file matches {text}");
            }
        } else {
            named.push(arg.clone());
            named.extend(split_parts(arg));
        }
        for file in named {
            if !files.contains(&file) {
                files.push(file);
            }
        }
    }
    if files.is_empty() {
        bail!("no capture given");
    }
    Ok(files)
}

impl Inputs {
    /// Opens every file, times in UTC; a file that cannot be opened is an error naming it.
    pub fn open(args: &[PathBuf]) -> Result<Inputs> {
        Inputs::open_in_zone(args, TimeZoneSpec::utc())
    }

    /// Opens every file, with time columns rendered in `zone`.
    pub fn open_in_zone(args: &[PathBuf], zone: TimeZoneSpec) -> Result<Inputs> {
        let files = expand(args)?;
        let mut captures = Vec::with_capacity(files.len());
        for file in &files {
            captures.push(open_capture(file)?);
        }
        Ok(Inputs::from_captures(captures, zone))
    }

    /// Orders captures by their first event's time and numbers their events globally;
    /// Relative Time counts from the first event of the first of them.
    pub fn from_captures(mut captures: Vec<Capture>, zone: TimeZoneSpec) -> Inputs {
        let first_time = |c: &Capture| c.event(0).map(|e| e.time().0).unwrap_or(u64::MAX);
        captures.sort_by_key(first_time);
        let start = captures
            .first()
            .and_then(|c| c.event(0).ok())
            .map(|e| e.time());
        let mut total = 0;
        let parts = captures
            .into_iter()
            .map(|capture| {
                let first_index = total;
                total += capture.event_count();
                let renderer = ColumnRenderer::new(&capture).with_time_zone(zone.clone());
                Part {
                    renderer: match start {
                        Some(t) => renderer.with_first_time(t),
                        None => renderer,
                    },
                    capture,
                    first_index,
                }
            })
            .collect();
        Inputs { parts, total }
    }

    /// The same inputs rendered as ProcMon `build` prints, when one is given (else as each
    /// capture's own build).
    pub fn with_procmon_build(mut self, build: Option<pml_parser::ProcmonBuild>) -> Inputs {
        if let Some(build) = build {
            for part in &mut self.parts {
                part.renderer = part.renderer.clone().with_procmon_build(build);
            }
        }
        self
    }

    /// The files, in time order.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// Events in all files.
    pub fn event_count(&self) -> u64 {
        self.total
    }

    /// The parts, in time order, for a command that needs to own them.
    pub fn into_parts(self) -> Vec<Part> {
        self.parts
    }

    /// True when a part had to be salvaged and some of its bytes could not be read.
    pub fn partial(&self) -> bool {
        self.parts.iter().any(|p| {
            p.capture
                .salvage_report()
                .is_some_and(|r| r.unreadable_bytes > 0)
        })
    }

    /// The events split into contiguous chunks of at most `size` events, in order, as
    /// (part number, local index range).
    pub fn chunks(&self, size: u64) -> Vec<(usize, Range<u64>)> {
        let size = size.max(1);
        let mut out = Vec::new();
        for (i, part) in self.parts.iter().enumerate() {
            let n = part.capture.event_count();
            let mut start = 0;
            while start < n {
                let end = (start + size).min(n);
                out.push((i, start..end));
                start = end;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_parts_follow_the_first_file_and_missing_files_are_errors() {
        let dir = std::env::temp_dir().join(format!("pml-inputs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["t.PML", "t-1.PML", "t-2.PML", "t-4.PML"] {
            std::fs::write(dir.join(name), b"").unwrap();
        }
        let files = expand(&[dir.join("t.PML")]).unwrap();
        let names: Vec<String> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["t.PML", "t-1.PML", "t-2.PML"]);
        let pattern = dir.join("t-*.PML");
        assert_eq!(expand(&[pattern]).unwrap().len(), 3);
        let err = expand(&[dir.join("none-*.PML")]).unwrap_err().to_string();
        assert!(err.starts_with("no file matches"), "{err}");
        let err = Inputs::open(&[dir.join("missing.PML")]).err().unwrap();
        assert!(format!("{err:#}").contains("missing.PML"), "{err:#}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
