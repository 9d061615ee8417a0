//! `pml analyze`: find and explain handle races — inherited handles, sharing violations and
//! opens nobody closed.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use pml_analyzer::explain::{clock, who};
use pml_analyzer::DEFAULT_WINDOW_MS;
use pml_analyzer::{Analysis, Incident, Options, Summary};

use serde::Serialize;

/// Arguments of `pml analyze`.
#[derive(clap::Args)]
pub struct Args {
    /// The captures (.PML); each is analyzed on its own, together with its split parts
    /// (`X-1.PML`, `X-2.PML`, ... beside `X.PML`).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
    /// A Process Create at most this many ms after its creator opened a file it still holds is
    /// an inherited-handle suspect.
    #[arg(long, default_value_t = DEFAULT_WINDOW_MS, value_name = "N")]
    window_ms: u64,
    /// Exit with status 1 when any incident is found.
    #[arg(long)]
    fail_on_incident: bool,
}

/// A finding and the capture it comes from.
#[derive(Serialize)]
struct Tagged<'a, T> {
    capture: &'a str,
    #[serde(flatten)]
    item: &'a T,
}

/// The summary of one capture.
#[derive(Serialize)]
struct CaptureSummary<'a> {
    capture: &'a str,
    #[serde(flatten)]
    summary: &'a Summary,
    warnings: &'a [String],
}

/// Totals over all captures.
#[derive(Serialize)]
struct Totals<'a> {
    incidents: usize,
    unmatched_opens: usize,
    sharing_violations: usize,
    inherited_handle_candidates: usize,
    captures: Vec<CaptureSummary<'a>>,
}

/// What `pml analyze --json` prints.
#[derive(Serialize)]
struct Document<'a> {
    incidents: Vec<Tagged<'a, Incident>>,
    unmatched_opens: Vec<Tagged<'a, pml_analyzer::UnmatchedOpen>>,
    sharing_violations: Vec<Tagged<'a, pml_analyzer::SharingViolation>>,
    inherited_handles: Vec<Tagged<'a, pml_analyzer::InheritedHandle>>,
    summary: Totals<'a>,
}

struct Analyzed {
    file: String,
    report: Analysis,
    warnings: Vec<String>,
}

/// Runs `pml analyze`.
pub fn run(args: Args) -> Result<ExitCode> {
    let options = Options {
        window_ms: args.window_ms,
    };
    let mut all = Vec::with_capacity(args.files.len());
    let mut partial = false;
    for path in &args.files {
        // A capture split over several files (X.PML, X-1.PML, ...) is analyzed as one.
        let capture = crate::inputs::open(std::slice::from_ref(path))
            .with_context(|| format!("cannot analyze {}", path.display()))?;
        partial |= capture.partial();
        let report = pml_analyzer::analyze(&capture, &options);
        partial |= report
            .summary
            .events
            .as_ref()
            .is_some_and(|c| c.unreadable_events > 0);
        all.push(Analyzed {
            file: path.display().to_string(),
            report,
            warnings: capture
                .captures()
                .flat_map(|c| c.warnings().iter().cloned())
                .collect(),
        });
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&document(&all))?);
    } else {
        for (n, a) in all.iter().enumerate() {
            if n > 0 {
                println!();
            }
            print!("{}", text(a));
        }
    }
    let incidents = all.iter().any(|a| !a.report.incidents.is_empty());
    Ok(if args.fail_on_incident && incidents {
        crate::exit::code(crate::exit::INCIDENT)
    } else {
        crate::exit::success_unless_partial(partial)
    })
}

fn tag<'a, T>(a: &'a Analyzed, items: &'a [T]) -> impl Iterator<Item = Tagged<'a, T>> + 'a {
    items.iter().map(move |item| Tagged {
        capture: &a.file,
        item,
    })
}

fn document(all: &[Analyzed]) -> Document<'_> {
    let sum = |f: &dyn Fn(&Analysis) -> usize| all.iter().map(|a| f(&a.report)).sum();
    Document {
        incidents: all
            .iter()
            .flat_map(|a| tag(a, &a.report.incidents))
            .collect(),
        unmatched_opens: all
            .iter()
            .flat_map(|a| tag(a, &a.report.unmatched_opens))
            .collect(),
        sharing_violations: all
            .iter()
            .flat_map(|a| tag(a, &a.report.sharing_violations))
            .collect(),
        inherited_handles: all
            .iter()
            .flat_map(|a| tag(a, &a.report.inherited_handles))
            .collect(),
        summary: Totals {
            incidents: sum(&|r| r.incidents.len()),
            unmatched_opens: sum(&|r| r.unmatched_opens.len()),
            sharing_violations: sum(&|r| r.sharing_violations.len()),
            inherited_handle_candidates: sum(&|r| r.inherited_handles.len()),
            captures: all
                .iter()
                .map(|a| CaptureSummary {
                    capture: &a.file,
                    summary: &a.report.summary,
                    warnings: &a.warnings,
                })
                .collect(),
        },
    }
}

/// How many unmatched opens and sharing violations the text report lists.
const LIST_LIMIT: usize = 20;

/// Text width the explanations are wrapped to.
const WIDTH: usize = 100;

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

fn names(list: &[pml_analyzer::ProcessRef]) -> String {
    if list.is_empty() {
        return "-".to_string();
    }
    list.iter().map(who).collect::<Vec<_>>().join(", ")
}

fn incident_text(out: &mut String, n: usize, i: &Incident) {
    let severity = format!("{:?}", i.severity).to_uppercase();
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

fn text(a: &Analyzed) -> String {
    let r = &a.report;
    let s = &r.summary;
    let mut out = String::new();
    let _ = writeln!(out, "{}", a.file);
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
