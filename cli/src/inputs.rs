//! Opening the captures a command reads: one or several files or glob patterns. The parts of a
//! split capture (`X.PML`, `X-1.PML`, `X-2.PML`, ...) are read as one capture, in time order,
//! with one global event index.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use anyhow::{bail, Context, Result};
use pml_parser::{for_terminal, sibling_parts, Capture, SplitCapture, TimeZoneSpec};

use crate::wildcards::{expand_pattern, has_wildcards};

/// The regional format of CSV and XML exports (`--locale`); unset, it is worked out per file.
static LOCALE: OnceLock<pml_import::Locale> = OnceLock::new();

/// Set when an export was read only in part (damaged, or rows left out).
static IMPORT_PARTIAL: AtomicBool = AtomicBool::new(false);

/// Takes `--locale TAG` for the exports the command reads.
pub fn set_locale(tag: &str) -> Result<()> {
    let locale = pml_import::Locale::from_tag(tag).with_context(|| {
        format!("--locale {tag}: give a language tag such as en-US, en-GB or de-DE, or dmy / mdy")
    })?;
    let _ = LOCALE.set(locale);
    Ok(())
}

/// True when an export was read only in part: the command's output is partial (exit 3).
pub fn import_partial() -> bool {
    IMPORT_PARTIAL.load(Ordering::Relaxed)
}

/// Opens a capture the way every command does, whatever the file holds: a PML capture, or
/// ProcMon's CSV or XML export (read into a capture, with warnings for what it cannot give).
/// A PML that was not closed cleanly or was cut off is salvaged (its events walked from the
/// first one), with a warning that says so.
pub fn open_capture(file: &Path) -> Result<Capture> {
    let kind = pml_import::kind_of_file(file)
        .with_context(|| format!("cannot read {}", for_terminal(&file.display().to_string())))?;
    let is_pml_name = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pml"));
    match kind {
        Some(pml_import::InputKind::Csv(_) | pml_import::InputKind::Xml) => open_export(file),
        None if !is_pml_name => bail!(
            "{}: not a Process Monitor capture (.PML), CSV export or XML export",
            for_terminal(&file.display().to_string())
        ),
        _ => open_pml(file),
    }
}

/// Reads a CSV or XML export as a capture; its warnings go to stderr.
fn open_export(file: &Path) -> Result<Capture> {
    let options = pml_import::Options {
        locale: LOCALE.get().copied(),
    };
    let name = for_terminal(&file.display().to_string()).to_string();
    let imported = pml_import::open(file, &options).with_context(|| name.clone())?;
    let report = &imported.report;
    eprintln!(
        "pml: {name}: ProcMon {} export, {} rows, {} events ({})",
        imported.kind.name(),
        report.rows,
        report.events,
        report.locale
    );
    for w in &report.warnings {
        eprintln!(
            "pml: warning: {name}: [{}] {}",
            w.code,
            for_terminal(&w.message)
        );
    }
    if report.partial() {
        IMPORT_PARTIAL.store(true, Ordering::Relaxed);
    }
    Ok(imported.capture)
}

/// Opens a PML capture, salvaging one that was not closed cleanly.
fn open_pml(file: &Path) -> Result<Capture> {
    let capture = pml_parser::OpenOptions::new()
        .salvage(true)
        .open(file)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let name = file.display().to_string();
    let name = for_terminal(&name);
    for warning in capture.warnings() {
        eprintln!("pml: warning: {name}: {}", for_terminal(warning));
    }
    if let Some(r) = capture.salvage_report() {
        eprintln!(
            "pml: warning: {name}: salvaged {} events, {} bytes unreadable{}: {}",
            r.events,
            r.unreadable_bytes,
            if r.tables_missing {
                ", tables missing (processes rebuilt from process events)"
            } else {
                ""
            },
            for_terminal(&r.reason)
        );
    }
    Ok(capture)
}

/// The files named by the arguments: patterns expanded, split parts added, duplicates removed.
pub fn expand(args: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = Vec::new();
    for arg in args {
        let text = arg.to_string_lossy();
        let mut named = if has_wildcards(&text) && !arg.exists() {
            let matched = expand_pattern(arg)?;
            if matched.is_empty() {
                bail!("no file matches {text}");
            }
            matched
        } else {
            vec![arg.clone()]
        };
        // `X.PML`, named or matched by a pattern, brings the parts of its split capture.
        let parts: Vec<PathBuf> = named.iter().flat_map(|f| sibling_parts(f)).collect();
        named.extend(parts);
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

/// Opens the captures named by `args` (files, patterns, split parts) as the parts of one
/// capture, times in UTC; a file that cannot be opened is an error naming it.
pub fn open(args: &[PathBuf]) -> Result<SplitCapture> {
    open_in_zone(args, TimeZoneSpec::utc())
}

/// Like [`open`], with time columns rendered in `zone`.
pub fn open_in_zone(args: &[PathBuf], zone: TimeZoneSpec) -> Result<SplitCapture> {
    let files = expand(args)?;
    let mut captures = Vec::with_capacity(files.len());
    for file in &files {
        captures.push(open_capture(file)?);
    }
    Ok(SplitCapture::from_captures(captures).with_time_zone(zone))
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
        let err = open(&[dir.join("missing.PML")]).err().unwrap();
        assert!(format!("{err:#}").contains("missing.PML"), "{err:#}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
