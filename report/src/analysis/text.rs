//! `pml analyze` as text: per capture, what it cannot show (warnings), the processes that failed
//! and why, the incidents most important first, the handle leaks, then the sharing violations
//! and unmatched opens, then how opens and closes were paired.

use std::fmt::Write as _;
use std::io::{self, Write};

use pml_analyzer::explain::{clock, who};
use pml_analyzer::{HandleLeak, Incident, ProcessFailure, ProcessRef, Summary};

use super::AnalyzedCapture;

/// How many unmatched opens and sharing violations the text lists.
const LIST_LIMIT: usize = 20;

/// Text width the explanations are wrapped to.
const WIDTH: usize = 100;

/// Writes the analysis of each of `all` as text, a blank line between two captures.
pub fn write_text(out: &mut impl Write, all: &[AnalyzedCapture]) -> io::Result<()> {
    for (n, a) in all.iter().enumerate() {
        if n > 0 {
            out.write_all(b"\n")?;
        }
        out.write_all(text(a).as_bytes())?;
    }
    Ok(())
}

/// Appends `text` wrapped to [`WIDTH`]: the first line starts with `first`, the others with as
/// many spaces.
fn wrap(out: &mut String, first: &str, text: &str) {
    let pad = " ".repeat(first.chars().count());
    let mut indent = first;
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent.len() + line.len() + 1 + word.len() > WIDTH {
            let _ = writeln!(out, "{indent}{line}");
            indent = &pad;
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{indent}{line}");
    }
}

fn names(list: &[ProcessRef]) -> String {
    if list.is_empty() {
        return "-".to_string();
    }
    list.iter().map(who).collect::<Vec<_>>().join(", ")
}

fn incident_text(out: &mut String, n: usize, i: &Incident) {
    let severity = i.severity.as_str().to_uppercase();
    let _ = writeln!(out, "#{n} [{severity}] {}  {}", i.kind.as_str(), i.path);
    if let Some(deleter) = &i.deleter {
        let _ = writeln!(out, "    deleter  {}", who(deleter));
    }
    if let Some(opener) = &i.opener {
        let _ = writeln!(out, "    opener   {}", who(opener));
    }
    if let (Some(child), Some(gap)) = (&i.child, i.spawn_gap_ms) {
        let _ = writeln!(
            out,
            "    child    {} created {gap:.1} ms after the open",
            who(child)
        );
    }
    let _ = writeln!(out, "    holders  {}", names(&i.holders));
    let _ = writeln!(out, "    victims  {}", names(&i.victims));
    let closer = i.closer.as_ref().map_or("nobody".to_string(), who);
    let _ = writeln!(out, "    closer   {closer}");
    out.push('\n');
    wrap(out, "    ", &i.explanation);
    out.push('\n');
    wrap(out, "    Fix: ", &i.fix);
    let events: Vec<String> = i.events.iter().map(u64::to_string).collect();
    wrap(out, "    Events: ", &events.join(", "));
    out.push('\n');
}

/// The text of one capture.
fn text(a: &AnalyzedCapture) -> String {
    let r = &a.analysis;
    let s = &r.summary;
    let mut out = String::new();
    let _ = writeln!(out, "{}", a.name);
    if let Some(e) = &s.events {
        let _ = writeln!(
            out,
            "  {} events, {} processes, inheritance window {} ms",
            e.events, s.processes, s.window_ms
        );
    }
    let _ = writeln!(
        out,
        "  {} failed processes, {} incidents, {} handle leaks, {} unmatched opens, {} sharing \
         violations, {} inherited-handle candidates",
        r.failures.len(),
        r.incidents.len(),
        r.handle_leaks.len(),
        r.unmatched_opens.len(),
        r.sharing_violations.len(),
        r.inherited_handles.len()
    );
    if s.procmon_events_excluded > 0 {
        let _ = writeln!(
            out,
            "  {} events of ProcMon's own activity left out, as its default filter does \
             (--include-procmon keeps them)",
            s.procmon_events_excluded
        );
    }
    out.push('\n');
    if !a.warnings.is_empty() {
        let _ = writeln!(out, "Warnings (what this capture cannot show):");
        for w in &a.warnings {
            wrap(&mut out, &format!("  [{}] ", w.code), &w.message);
        }
        out.push('\n');
    }

    // Incidents are numbered most important first; failures refer to those numbers.
    let mut order: Vec<usize> = (0..r.incidents.len()).collect();
    order.sort_by(|&x, &y| {
        let (x, y) = (&r.incidents[x], &r.incidents[y]);
        x.severity
            .cmp(&y.severity)
            .then(x.first_time.cmp(&y.first_time))
    });
    let mut number = vec![0; r.incidents.len()];
    for (n, &i) in order.iter().enumerate() {
        number[i] = n + 1;
    }
    for (n, f) in r.failures.iter().take(LIST_LIMIT).enumerate() {
        failure_text(&mut out, n + 1, f, &number);
    }
    if r.failures.len() > LIST_LIMIT {
        more(&mut out, r.failures.len());
    }
    for (n, &i) in order.iter().enumerate() {
        incident_text(&mut out, n + 1, &r.incidents[i]);
    }
    leaks_text(&mut out, &r.handle_leaks);

    if !r.sharing_violations.is_empty() {
        let _ = writeln!(out, "Sharing violations:");
        for v in r.sharing_violations.iter().take(LIST_LIMIT) {
            let holders: Vec<_> = v.holders.iter().map(|h| h.process.clone()).collect();
            let _ = writeln!(
                out,
                "  {} event {} {}  {}  held by {}",
                clock(v.time),
                v.event_index,
                who(&v.process),
                v.path,
                names(&holders)
            );
        }
        more(&mut out, r.sharing_violations.len());
    }
    if !r.unmatched_opens.is_empty() {
        let _ = writeln!(
            out,
            "Unmatched opens (no CloseFile in the opening process):"
        );
        for (class, count) in &s.unmatched_by_classification {
            let _ = writeln!(out, "  {class:<22} {count}");
        }
        for u in r.unmatched_opens.iter().take(LIST_LIMIT) {
            let _ = writeln!(
                out,
                "  {} event {} {}  {}  {}",
                clock(u.open.time),
                u.open.event_index,
                who(&u.process),
                u.path,
                u.classification.as_str()
            );
        }
        more(&mut out, r.unmatched_opens.len());
    }
    pairing_text(&mut out, s);
    out
}

fn failure_text(out: &mut String, n: usize, f: &ProcessFailure, incident_number: &[usize]) {
    let _ = writeln!(
        out,
        "Failure {n}: {} exited with status {} at {} (event {})",
        who(&f.process),
        f.exit_status_hex,
        clock(f.exit_time),
        f.exit_event
    );
    if !f.process.command_line.is_empty() {
        wrap(out, "    command line: ", &f.process.command_line);
    }
    if f.causes.is_empty() {
        wrap(
            out,
            "    ",
            "No failed operation before the exit explains it: the cause is not in the file \
             system (a compile error, a failed test, a crash); look at its output.",
        );
    } else {
        let _ = writeln!(out, "    Likely causes, most likely first:");
    }
    for (k, c) in f.causes.iter().enumerate() {
        let mut line = format!(
            "{} event {} {} {}  {}",
            clock(c.time),
            c.event_index,
            c.operation,
            c.path,
            c.result
        );
        if c.attempts > 1 {
            let _ = write!(line, " ({} times)", c.attempts);
        }
        if !c.holders.is_empty() {
            let _ = write!(line, "; held by {}", names(&c.holders));
        }
        if let Some(number) = c.incident.and_then(|i| incident_number.get(i)) {
            let _ = write!(line, "; see incident #{number}");
        }
        let _ = write!(line, "; {:.0} ms before the exit", c.before_exit_ms);
        wrap(out, &format!("    {}. ", k + 1), &line);
    }
    if !f.failed_children.is_empty() {
        let children: Vec<String> = f
            .failed_children
            .iter()
            .map(|c| format!("{} (status 0x{:08X})", who(&c.process), c.exit_status))
            .collect();
        wrap(
            out,
            "    ",
            &format!(
                "It failed after its children failed: {}.",
                children.join(", ")
            ),
        );
    }
    out.push('\n');
}

fn leaks_text(out: &mut String, leaks: &[HandleLeak]) {
    if leaks.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "Handle leaks (opens nobody closed, per process and path, most first):"
    );
    for l in leaks.iter().take(LIST_LIMIT) {
        let _ = writeln!(
            out,
            "  {} unclosed of {} opens ({} closed)  {}  {}  first {} last {}",
            l.unclosed,
            l.opens,
            l.closes,
            who(&l.process),
            l.path,
            clock(l.first_time),
            clock(l.last_time)
        );
    }
    more(out, leaks.len());
}

fn more(out: &mut String, total: usize) {
    if total > LIST_LIMIT {
        let _ = writeln!(out, "  ... and {} more (see --json)", total - LIST_LIMIT);
    }
    out.push('\n');
}

fn pairing_text(out: &mut String, s: &Summary) {
    let p = &s.pairing;
    if let Some(e) = &s.events {
        let text = format!(
            "CreateFile {} ({} succeeded, {} failed, {} of them SHARING VIOLATION); CloseFile {}; \
             IRP_MJ_CLOSE {} (a last reference going away, not a handle close).",
            e.create_file,
            e.create_file_success,
            e.create_file_failed,
            p.sharing_violations,
            e.close_file,
            e.irp_mj_close
        );
        wrap(out, "", &text);
    }
    let text = format!(
        "CloseFile paired with an open of the same process {}, of an ancestor {}, of an unrelated \
         process {}; without an open in the capture {}. Peak open handles {}.",
        p.closes_same_process,
        p.closes_by_descendant,
        p.closes_by_unrelated,
        p.closes_without_open,
        p.peak_open
    );
    wrap(out, "", &text);
}
