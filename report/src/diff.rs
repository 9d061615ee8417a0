//! What `pml diff` prints: the differences between a good and a bad run as text (the top ones,
//! one line of explanation each) and as JSON (schema in docs/diff.md).

use std::io::{self, Write};

use pml_analyzer::diff::{Diff, DiffProcess, Difference, UnpairedProcess};
use pml_parser::render::thousands;

/// Writes `diff` as one pretty JSON document and a newline.
pub fn write_json(out: &mut impl Write, diff: &Diff) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, diff)?;
    writeln!(out)
}

/// Writes `diff` as text for a person: what was compared, BAD's failing processes, the `top`
/// differences (score, process, operation and path, then one line of explanation), and the
/// processes of one run only. `names` are the GOOD and BAD file names.
pub fn write_text(
    out: &mut impl Write,
    diff: &Diff,
    names: &(String, String),
    top: usize,
) -> io::Result<()> {
    let s = &diff.summary;
    writeln!(
        out,
        "GOOD {}: {} events, {} processes",
        names.0,
        thousands(s.good.events),
        s.good.processes
    )?;
    writeln!(
        out,
        "BAD  {}: {} events, {} processes",
        names.1,
        thousands(s.bad.events),
        s.bad.processes
    )?;
    writeln!(
        out,
        "{} processes paired, {} only in GOOD, {} only in BAD; {} differences, {} likely causes (score {} or more)",
        s.aligned_processes,
        diff.processes_only_in_good.len(),
        diff.processes_only_in_bad.len(),
        thousands(s.differences as u64),
        s.likely_causes,
        s.likely_cause_score
    )?;
    if !s.failing_processes.is_empty() {
        writeln!(
            out,
            "Failed in BAD (exit status): {}",
            s.failing_processes.join(", ")
        )?;
    }
    if s.good.matched_events != s.good.events || s.bad.matched_events != s.bad.events {
        writeln!(
            out,
            "Filtered: {} of GOOD's events, {} of BAD's",
            thousands(s.good.matched_events),
            thousands(s.bad.matched_events)
        )?;
    }
    writeln!(out)?;
    if diff.differences.is_empty() {
        writeln!(out, "No differences.")?;
    }
    for (n, d) in diff.differences.iter().take(top).enumerate() {
        write_difference(out, n + 1, d)?;
    }
    let hidden = s
        .differences
        .saturating_sub(top.min(diff.differences.len()));
    if hidden > 0 {
        writeln!(
            out,
            "... {} more differences (--top N shows more, --json lists up to --limit)",
            thousands(hidden as u64)
        )?;
    }
    for (title, list) in [
        ("Processes only in GOOD", &diff.processes_only_in_good),
        ("Processes only in BAD", &diff.processes_only_in_bad),
    ] {
        if list.is_empty() {
            continue;
        }
        writeln!(out, "\n{title} ({}):", list.len())?;
        for p in list.iter().take(top) {
            writeln!(out, "  {}", unpaired_line(p))?;
        }
        if list.len() > top {
            writeln!(out, "  ... {} more", list.len() - top)?;
        }
    }
    Ok(())
}

fn write_difference(out: &mut impl Write, n: usize, d: &Difference) -> io::Result<()> {
    let mut what = String::new();
    if let Some(op) = &d.operation {
        what.push_str(op);
    }
    if let Some(path) = d.path.as_deref().filter(|p| !p.is_empty()) {
        what.push(' ');
        what.push_str(path);
    }
    writeln!(
        out,
        "{n:>3}. {:>6.1}  {}  {}  {}",
        d.score,
        d.kind.as_str(),
        process_label(&d.process),
        what.trim()
    )?;
    writeln!(out, "             {}", d.explanation)
}

/// `cl.exe (PID 120 in GOOD, 7464 in BAD)`.
fn process_label(p: &DiffProcess) -> String {
    match (p.pid_good, p.pid_bad) {
        (Some(g), Some(b)) => format!("{} (PID {g} in GOOD, {b} in BAD)", p.name),
        (Some(g), None) => format!("{} (PID {g} in GOOD)", p.name),
        (None, Some(b)) => format!("{} (PID {b} in BAD)", p.name),
        (None, None) => p.name.clone(),
    }
}

fn unpaired_line(p: &UnpairedProcess) -> String {
    let mut line = format!("{} (PID {})", p.name, p.pid);
    if let Some(parent) = &p.parent {
        line.push_str(&format!(" started by {parent}"));
    }
    if let Some(status) = p.exit_status {
        line.push_str(&format!(", exit status {status}"));
    }
    line.push_str(&format!(
        ", {} events, {} failed: {}",
        thousands(p.events),
        thousands(p.failures),
        p.command_line
    ));
    line
}
