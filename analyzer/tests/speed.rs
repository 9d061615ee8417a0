//! Throughput of the analysis on the largest real capture. Run with
//! `cargo test --release -p pml-analyzer --test speed -- --ignored --nocapture`.
//! `PML_SPEED_CAPTURE` names another capture.

use std::path::Path;
use std::time::Instant;

use pml_analyzer::{analyze, Options};
use pml_parser::{Capture, SplitCapture};

/// CPU seconds (user + system) the process has used so far, from `/proc/self/stat` (Linux only;
/// clock ticks of 1/100 s).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

#[test]
#[ignore = "a measurement, not a check; run in release"]
fn events_per_second_on_win11_fileio() {
    let path = std::env::var_os("PML_SPEED_CAPTURE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scratch/win11-fileio-64bit.pml")
        });
    let Ok(capture) = Capture::open(&path).map(SplitCapture::from) else {
        eprintln!("SKIPPED: no capture at {}", path.display());
        return;
    };
    let first = analyze(&capture, &Options::default());
    let rounds: u32 = std::env::var("PML_SPEED_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(50);
    let cpu = cpu_seconds();
    let start = Instant::now();
    for _ in 0..rounds {
        let again = analyze(&capture, &Options::default());
        assert_eq!(
            again.summary, first.summary,
            "the analysis is deterministic"
        );
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu.zip(cpu_seconds()).map(|(a, b)| b - a);
    let events = capture.event_count() as f64 * f64::from(rounds);
    println!(
        "{}: {:.1} M events/s wall on {} threads, {:.2} ms per pass; {} CPU s ({:.1} M events per CPU s)",
        path.display(),
        events / secs / 1e6,
        rayon::current_num_threads(),
        secs * 1000.0 / f64::from(rounds),
        cpu.map_or("?".into(), |c| format!("{c:.2}")),
        cpu.map_or(0.0, |c| events / c / 1e6),
    );
}

/// Grouped queries and `--where` against `--filter` on one condition, whole capture, events/s.
/// `cargo test --release -p pml-analyzer --test speed -- --ignored --nocapture query` with
/// `PML_QUERY_CAPTURE` naming a large capture (`pml synth bulk --events 10000000`).
#[test]
#[ignore = "a measurement, not a check; run in release"]
fn query_events_per_second() {
    use pml_analyzer::filter::{Action, Expr, Filter, Rule};
    use pml_analyzer::group::{GroupBy, Metric};
    use pml_analyzer::Query;
    let Some(path) = std::env::var_os("PML_QUERY_CAPTURE") else {
        eprintln!("SKIPPED: PML_QUERY_CAPTURE names no capture");
        return;
    };
    let start = Instant::now();
    let capture = SplitCapture::open(&path, Default::default()).unwrap();
    let events = capture.event_count() as f64;
    eprintln!(
        "open: {:.2} s, {events} events",
        start.elapsed().as_secs_f64()
    );
    let run = |label: &str, filter: &Filter, keys: &str, metrics: &[&str]| {
        let start = Instant::now();
        let query = Query::new(&capture, filter);
        let group_by = GroupBy::new(
            GroupBy::parse_keys(keys).unwrap(),
            metrics
                .iter()
                .map(|m| m.parse::<Metric>().unwrap())
                .collect(),
        );
        let grouped = group_by.run(&query, &());
        let seconds = start.elapsed().as_secs_f64();
        eprintln!(
            "{label}: {:.2} s, {:.1} M events/s, {} matched, {} groups",
            seconds,
            events / seconds / 1e6,
            grouped.total_matched,
            grouped.total_groups
        );
    };
    let none = Filter::default();
    run("group by Process Name", &none, "Process Name", &["count"]);
    run(
        "group by Process Name,Operation; count, sum(Duration)",
        &none,
        "Process Name,Operation",
        &["count", "sum(Duration)"],
    );
    run("group by Result", &none, "Result", &["count"]);
    run("group by Path", &none, "Path", &["count"]);
    let mut rules = Filter::default();
    rules.push(Rule::parse("Operation is ReadFile", Action::Include).unwrap());
    rules.push(Rule::parse("Result is not SUCCESS", Action::Include).unwrap());
    let mut wheres = Filter::default();
    wheres.push_where(Expr::parse("Operation = 'ReadFile' and Result != 'SUCCESS'").unwrap());
    run(
        "--filter Operation, Result",
        &rules,
        "Process Name",
        &["count"],
    );
    run(
        "--where Operation, Result",
        &wheres,
        "Process Name",
        &["count"],
    );
    let mut rules = Filter::default();
    rules.push(Rule::parse("Process Name is svchost.exe", Action::Include).unwrap());
    let mut wheres = Filter::default();
    wheres.push_where(Expr::parse("\"Process Name\" = 'svchost.exe'").unwrap());
    run("--filter Process Name", &rules, "Operation", &["count"]);
    run("--where Process Name", &wheres, "Operation", &["count"]);
    let mut wheres = Filter::default();
    wheres.push_where(Expr::parse("Duration > 1ms").unwrap());
    run(
        "--where Duration > 1ms",
        &wheres,
        "Process Name",
        &["count"],
    );
    let mut rules = Filter::default();
    rules.push(Rule::parse("Duration more than 0.001", Action::Include).unwrap());
    run(
        "--filter Duration more than 0.001",
        &rules,
        "Process Name",
        &["count"],
    );
}
