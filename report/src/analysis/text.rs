//! `pml analyze` as text: per capture, the incidents most important first, then the sharing
//! violations and unmatched opens, then how opens and closes were paired.

use std::fmt::Write as _;
use std::io::{self, Write};

use pml_analyzer::explain::{clock, who};
use pml_analyzer::{Incident, ProcessRef, Summary};

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
        "  {} incidents, {} unmatched opens, {} sharing violations, {} inherited-handle candidates\n",
        r.incidents.len(),
        r.unmatched_opens.len(),
        r.sharing_violations.len(),
        r.inherited_handles.len()
    );

    let mut order: Vec<&Incident> = r.incidents.iter().collect();
    order.sort_by(|x, y| {
        x.severity
            .cmp(&y.severity)
            .then(x.first_time.cmp(&y.first_time))
    });
    for (n, i) in order.iter().enumerate() {
        incident_text(&mut out, n + 1, i);
    }

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
