//! `pml synth`: captures with known failures, written with the PML writer, and the findings
//! the analyzer must report for them (`OUT.expected.json`).

pub mod bulk;
pub mod catalog;
pub mod expected;
pub mod noise;
pub mod rng;
pub mod scenarios;
pub mod timeline;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use expected::Expected;

/// `OUT.expected.json` beside `OUT.pml`.
pub fn expected_path(out: &Path) -> PathBuf {
    out.with_extension("expected.json")
}

/// Writes `expected` as pretty JSON to `path`, through a temporary file.
pub fn write_expected(path: &Path, expected: &Expected) -> Result<()> {
    let mut text = serde_json::to_string_pretty(expected)?;
    text.push('\n');
    let tmp = path.with_extension("json.partial");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Generates scenario `name` with `seed` into `out` (64-bit capture unless `wide` is false; cut
/// off as by a killed ProcMon when `cut_off`) and its expected findings beside it.
pub fn scenario(name: &str, seed: u64, wide: bool, cut_off: bool, out: &Path) -> Result<Expected> {
    let Some(built) = scenarios::build(name, seed, wide) else {
        bail!(
            "unknown scenario {name:?}; choose one of: {}, bulk",
            scenarios::NAMES.join(", ")
        );
    };
    let events = built
        .timeline
        .write(out, "BUILD01", cut_off)
        .with_context(|| format!("cannot write {}", out.display()))?;
    let expected = built.findings.into_expected(name, seed, events);
    write_expected(&expected_path(out), &expected)?;
    Ok(expected)
}
