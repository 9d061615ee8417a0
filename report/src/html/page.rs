//! The page: summary first, then each incident with its timeline, the process tree, the
//! tables and the activity histogram. Everything is inline; every capture string is escaped.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use pml_parser::render::thousands;

use super::escape::push_escaped;
use super::histogram;
use super::model::{HtmlPage, IncidentView, ProcessNode, TableRow};
use super::svg;

/// Tables show at most this many rows (the page stays small for big captures).
const MAX_TABLE_ROWS: usize = 500;
/// At most this many incidents get a timeline.
const MAX_INCIDENTS: usize = 100;
/// The process tree is drawn at most this deep; deeper processes are listed flat.
const MAX_TREE_DEPTH: usize = 64;

const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

impl HtmlPage {
    /// Writes the page to `out`.
    pub fn write(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        out.write_all(self.to_html().as_bytes())
    }

    /// The page.
    pub fn to_html(&self) -> String {
        page(self)
    }
}

/// The whole page.
fn page(data: &HtmlPage) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    out.push_str("<title>pml report — ");
    push_escaped(&mut out, &data.capture.file);
    out.push_str("</title><style>");
    out.push_str(STYLE);
    out.push_str("</style></head><body>\n");
    summary(data, &mut out);
    warnings(data, &mut out);
    table(
        &mut out,
        "failures",
        "Why it failed",
        "Processes that exited with an error status, and the events that most likely caused it, \
         most likely first (a cause an incident explains has its timeline below).",
        &data.failures,
    );
    incidents(data, &mut out);
    if let Some(diff) = &data.baseline {
        super::baseline::render(diff, &mut out);
    }
    process_tree(data, &mut out);
    table(
        &mut out,
        "leaks",
        "Handle leaks",
        "Opens nobody closed, per process and path, most first: the first of them.",
        &data.handle_leaks,
    );
    table(
        &mut out,
        "unmatched",
        "Unmatched opens",
        "Opens with no close of their handle in the capture.",
        &data.unmatched_opens,
    );
    table(
        &mut out,
        "sharing",
        "Sharing violations",
        "Opens that failed because another handle to the file was open.",
        &data.sharing_violations,
    );
    out.push_str("<section id=\"activity\"><h2>Events per second</h2>");
    histogram::render(&data.histogram, &mut out);
    out.push_str("</section>\n");
    let _ = write!(
        out,
        "<footer>Made by pml {} from a Process Monitor capture. Hover or focus a mark for its event.</footer>",
        env!("CARGO_PKG_VERSION")
    );
    out.push_str("<div id=\"tip\" role=\"tooltip\" hidden></div><script>");
    out.push_str(SCRIPT);
    out.push_str("</script></body></html>\n");
    out
}

fn summary(data: &HtmlPage, out: &mut String) {
    let c = &data.capture;
    out.push_str("<header><h1>Handle report: ");
    push_escaped(out, &c.file);
    out.push_str("</h1><dl class=\"summary\">");
    let events = thousands(c.events);
    let processes = thousands(c.processes);
    let rows: [(&str, Option<&str>); 6] = [
        ("Computer", Some(&c.computer)),
        ("OS", Some(&c.os)),
        ("Events", Some(&events)),
        ("Processes", Some(&processes)),
        ("First event", c.first_event.as_deref()),
        ("Last event", c.last_event.as_deref()),
    ];
    for (name, value) in rows {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            let _ = write!(out, "<div><dt>{name}</dt><dd>");
            push_escaped(out, v);
            out.push_str("</dd></div>");
        }
    }
    out.push_str("</dl>");
    if data.counts_by_kind.values().all(|&n| n == 0) {
        out.push_str("<p class=\"counts none\">No findings.</p>");
    } else {
        out.push_str("<ul class=\"counts\">");
        for (kind, n) in data.counts_by_kind.iter().filter(|(_, &n)| n > 0) {
            out.push_str("<li><b>");
            out.push_str(&thousands(*n));
            out.push_str("</b> ");
            push_escaped(out, kind);
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
    out.push_str("</header>\n");
}

fn warnings(data: &HtmlPage, out: &mut String) {
    if data.warnings.is_empty() {
        return;
    }
    out.push_str("<section id=\"warnings\"><h2>What this capture cannot show</h2><ul>");
    for (code, message) in &data.warnings {
        out.push_str("<li><b>");
        push_escaped(out, code);
        out.push_str("</b> ");
        push_escaped(out, message);
        out.push_str("</li>");
    }
    out.push_str("</ul></section>\n");
}

fn incidents(data: &HtmlPage, out: &mut String) {
    let _ = write!(
        out,
        "<section id=\"incidents\"><h2>Incidents ({})</h2>",
        data.incidents.len()
    );
    if data.incidents.is_empty() {
        out.push_str("<p class=\"none\">No handle races were found.</p>");
    }
    for (i, incident) in data.incidents.iter().take(MAX_INCIDENTS).enumerate() {
        incident_article(incident, i + 1, out);
    }
    if data.incidents.len() > MAX_INCIDENTS {
        let _ = write!(
            out,
            "<p class=\"note\">{} more incidents are not drawn.</p>",
            data.incidents.len() - MAX_INCIDENTS
        );
    }
    out.push_str("</section>\n");
}

fn incident_article(incident: &IncidentView, number: usize, out: &mut String) {
    let sev = incident.severity.as_str();
    let _ = write!(
        out,
        "<article class=\"incident sev-{sev}\" id=\"incident-{number}\"><h3><span class=\"badge\">{sev}</span> <span class=\"kind\">"
    );
    push_escaped(out, &incident.kind);
    out.push_str("</span> <code class=\"path\">");
    push_escaped(out, &incident.path);
    out.push_str("</code></h3>");
    paragraphs(out, "explanation", "", &incident.explanation);
    paragraphs(out, "fix", "<b>Fix:</b> ", &incident.fix);
    if !incident.origin.is_empty() {
        out.push_str("<p class=\"origin\">t = 0 is the open at ");
        push_escaped(out, &incident.origin);
        out.push_str(".</p>");
    }
    out.push_str("<div class=\"timeline-wrap\">");
    let layout = svg::layout(incident);
    svg::render(incident, &layout, &format!("t{number}"), out);
    out.push_str("</div>");
    out.push_str(LEGEND);
    out.push_str("</article>\n");
}

const LEGEND: &str = "<ul class=\"legend\">\
<li><svg width=\"14\" height=\"14\"><circle class=\"lg-open\" cx=\"7\" cy=\"7\" r=\"5\"/></svg>open</li>\
<li><svg width=\"14\" height=\"14\"><path class=\"lg-create\" d=\"M7 1 L13 7 L7 13 L1 7 Z\"/></svg>Process Create</li>\
<li><svg width=\"14\" height=\"14\"><path class=\"lg-failed\" d=\"M3 3 L11 11 M11 3 L3 11\"/></svg>failed open</li>\
<li><svg width=\"14\" height=\"14\"><rect class=\"lg-close\" x=\"5\" y=\"0\" width=\"4\" height=\"14\"/></svg>close</li>\
<li><svg width=\"14\" height=\"14\"><rect class=\"lg-exit\" x=\"2\" y=\"2\" width=\"10\" height=\"10\"/></svg>exit</li>\
<li><svg width=\"22\" height=\"14\"><rect class=\"lg-bar\" x=\"0\" y=\"3\" width=\"22\" height=\"8\" rx=\"2\"/></svg>handle open</li>\
</ul>";

fn paragraphs(out: &mut String, class: &str, prefix: &str, text: &str) {
    for (i, p) in text
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .enumerate()
    {
        let _ = write!(
            out,
            "<p class=\"{class}\">{}",
            if i == 0 { prefix } else { "" }
        );
        push_escaped(out, p.trim());
        out.push_str("</p>");
    }
}

fn process_tree(data: &HtmlPage, out: &mut String) {
    out.push_str("<section id=\"processes\"><h2>Processes involved</h2>");
    if data.process_tree.is_empty() {
        out.push_str("<p class=\"none\">No processes are involved in a finding.</p></section>\n");
        return;
    }
    let mut roles: BTreeMap<u32, BTreeSet<&'static str>> = BTreeMap::new();
    for incident in &data.incidents {
        for lane in &incident.lanes {
            roles
                .entry(lane.process_index)
                .or_default()
                .insert(lane.role.name());
        }
    }
    let by_index: BTreeMap<u32, &ProcessNode> = data
        .process_tree
        .iter()
        .map(|p| (p.process_index, p))
        .collect();
    let mut children: BTreeMap<u32, Vec<&ProcessNode>> = BTreeMap::new();
    let mut roots = Vec::new();
    for p in &data.process_tree {
        match p
            .parent_index
            .filter(|i| *i != p.process_index && by_index.contains_key(i))
        {
            Some(parent) => children.entry(parent).or_default().push(p),
            None => roots.push(p),
        }
    }
    let mut shown = BTreeSet::new();
    out.push_str("<ul class=\"tree\">");
    for root in roots {
        tree_node(root, &children, &roles, &mut shown, 0, out);
    }
    // Processes in a parent cycle have no root; list them flat.
    for p in &data.process_tree {
        if !shown.contains(&p.process_index) {
            tree_node(p, &children, &roles, &mut shown, MAX_TREE_DEPTH, out);
        }
    }
    out.push_str("</ul></section>\n");
}

fn tree_node(
    p: &ProcessNode,
    children: &BTreeMap<u32, Vec<&ProcessNode>>,
    roles: &BTreeMap<u32, BTreeSet<&'static str>>,
    shown: &mut BTreeSet<u32>,
    depth: usize,
    out: &mut String,
) {
    if !shown.insert(p.process_index) {
        return;
    }
    let involved = roles.get(&p.process_index);
    let _ = write!(
        out,
        "<li class=\"{}\"><span class=\"proc\">",
        if involved.is_some() {
            "involved"
        } else {
            "ancestor"
        }
    );
    push_escaped(out, &p.name);
    let _ = write!(out, "</span> <span class=\"pid\">pid {}</span>", p.pid);
    for role in involved.into_iter().flatten() {
        let _ = write!(out, " <span class=\"role role-{role}\">{role}</span>");
    }
    if let (Some(start), end) = (&p.start, &p.end) {
        out.push_str(" <span class=\"times\">");
        push_escaped(out, start);
        out.push_str(" → ");
        push_escaped(out, end.as_deref().unwrap_or("still running"));
        out.push_str("</span>");
    }
    if !p.command_line.is_empty() {
        out.push_str("<div class=\"cmd\"><code>");
        push_escaped(out, &p.command_line);
        out.push_str("</code></div>");
    }
    if depth < MAX_TREE_DEPTH {
        if let Some(kids) = children.get(&p.process_index) {
            out.push_str("<ul>");
            for kid in kids {
                tree_node(kid, children, roles, shown, depth + 1, out);
            }
            out.push_str("</ul>");
        }
    }
    out.push_str("</li>");
}

fn table(out: &mut String, id: &str, title: &str, about: &str, rows: &[TableRow]) {
    let _ = write!(
        out,
        "<section id=\"{id}\"><h2>{title} ({})</h2><p class=\"about\">{about}</p>",
        thousands(rows.len() as u64)
    );
    if rows.is_empty() {
        out.push_str("<p class=\"none\">None.</p></section>\n");
        return;
    }
    out.push_str("<div class=\"table-wrap\"><table class=\"sortable\"><thead><tr>");
    for (name, numeric) in [
        ("Event", true),
        ("Time", false),
        ("Process", false),
        ("PID", true),
        ("Operation", false),
        ("Path", false),
        ("Result", false),
        ("Detail", false),
        ("Note", false),
    ] {
        let _ = write!(
            out,
            "<th{} tabindex=\"0\" aria-sort=\"none\">{name}</th>",
            if numeric { " data-type=\"num\"" } else { "" }
        );
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows.iter().take(MAX_TABLE_ROWS) {
        let _ = write!(out, "<tr><td>{}</td><td>", r.event_index);
        push_escaped(out, &r.time);
        out.push_str("</td><td>");
        push_escaped(out, &r.process);
        let _ = write!(out, "</td><td>{}</td><td>", r.pid);
        push_escaped(out, &r.operation);
        out.push_str("</td><td class=\"path\">");
        push_escaped(out, &r.path);
        out.push_str("</td><td>");
        push_escaped(out, &r.result);
        out.push_str("</td><td class=\"detail\">");
        push_escaped(out, &r.detail);
        out.push_str("</td><td>");
        push_escaped(out, &r.note);
        out.push_str("</td></tr>");
    }
    out.push_str("</tbody></table></div>");
    if rows.len() > MAX_TABLE_ROWS {
        let _ = write!(
            out,
            "<p class=\"note\">Showing the first {MAX_TABLE_ROWS} of {} rows.</p>",
            thousands(rows.len() as u64)
        );
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::html::escape::escaped;
    use crate::html::model::CaptureSummary;

    #[test]
    fn capture_text_is_escaped_everywhere() {
        let data = HtmlPage {
            capture: CaptureSummary {
                file: "<script>alert(1)</script>.pml".into(),
                computer: "a&b".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        let page = page(&data);
        assert!(!page.contains("<script>alert"));
        assert!(page.contains(&escaped(&data.capture.file)));
        assert!(page.contains("a&amp;b"));
    }
}
