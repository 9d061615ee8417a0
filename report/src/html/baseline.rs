//! The section of `pml report BAD --baseline GOOD`: what changed since the run that worked,
//! ranked (the differences of [`pml_analyzer::diff`]).

use std::fmt::Write as _;

use pml_analyzer::diff::Diff;
use pml_parser::render::thousands;

use super::escape::push_escaped;

/// Differences the section lists at most.
const MAX_ROWS: usize = 200;

/// Appends the section.
pub fn render(diff: &Diff, out: &mut String) {
    let s = &diff.summary;
    let _ = write!(
        out,
        "<section id=\"baseline\"><h2>Changes since the good run ({})</h2><p class=\"about\">\
         {} processes paired, {} only in the good run, {} only in this one; {} likely causes \
         (score {} or more). Highest scores first: a failure here that succeeded in the good \
         run, then changed exit statuses, then activity of one run only.</p>",
        thousands(s.differences as u64),
        s.aligned_processes,
        diff.processes_only_in_good.len(),
        diff.processes_only_in_bad.len(),
        s.likely_causes,
        s.likely_cause_score,
    );
    if diff.differences.is_empty() {
        out.push_str("<p class=\"none\">No differences.</p></section>\n");
        return;
    }
    out.push_str("<div class=\"table-wrap\"><table class=\"sortable\"><thead><tr>");
    for (name, numeric) in [
        ("Score", true),
        ("Kind", false),
        ("Process", false),
        ("Operation", false),
        ("Path", false),
        ("Good", false),
        ("Bad", false),
        ("Incident", true),
        ("Explanation", false),
    ] {
        let _ = write!(
            out,
            "<th{} tabindex=\"0\" aria-sort=\"none\">{name}</th>",
            if numeric { " data-type=\"num\"" } else { "" }
        );
    }
    out.push_str("</tr></thead><tbody>");
    for d in diff.differences.iter().take(MAX_ROWS) {
        let _ = write!(
            out,
            "<tr><td>{:.1}</td><td>{}</td><td>",
            d.score,
            d.kind.as_str()
        );
        push_escaped(out, &d.process.name);
        out.push_str("</td><td>");
        push_escaped(out, d.operation.as_deref().unwrap_or(""));
        out.push_str("</td><td class=\"path\">");
        push_escaped(out, d.path.as_deref().unwrap_or(""));
        for side in [&d.good, &d.bad] {
            out.push_str("</td><td>");
            if let Some(result) = &side.result {
                push_escaped(out, result);
                let _ = write!(out, " ({}x)", side.count);
            }
        }
        out.push_str("</td><td>");
        if let Some(n) = d.incident {
            let _ = write!(out, "<a href=\"#incident-{n}\">#{n}</a>");
        }
        out.push_str("</td><td class=\"detail\">");
        push_escaped(out, &d.explanation);
        out.push_str("</td></tr>");
    }
    out.push_str("</tbody></table></div>");
    if diff.differences.len() > MAX_ROWS {
        let _ = write!(
            out,
            "<p class=\"note\">Showing the first {MAX_ROWS} of {} differences (pml diff --json lists them).</p>",
            thousands(diff.differences.len() as u64)
        );
    }
    out.push_str("</section>\n");
}
