//! Rendering speed: all 27 columns of every event, and ProcMon CSV of all 27 columns written to
//! a file, in parallel chunks as `pml export` does. Plain std timing: several runs, the median.
//!
//! `cargo bench -p pml-parser --bench render [-- [--per-column] [--render-only] [--runs=N] FILE.pml...]`;
//! without files it reads win11-fileio-64bit and mixed-64bit from the shared samples.
//! `--render-only` skips the CSV stage (which writes a file as large as the export).

use std::io::Write;
use std::time::{Duration, Instant};

use pml_parser::render::csv::{write_header, RecordWriter};
use pml_parser::{Capture, Column, ColumnRenderer, EventRow};
use rayon::prelude::*;

use pml_testkit as common;

/// Runs per stage unless `--runs=N` says otherwise.
const RUNS: usize = 7;
const CHUNK_EVENTS: u64 = 4096;

fn main() {
    let files: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let captures: Vec<(String, Capture)> = if files.is_empty() {
        let Some(dir) = common::samples_dir() else {
            return;
        };
        ["win11-fileio-64bit", "mixed-64bit"]
            .iter()
            .map(|name| (name.to_string(), common::open_sample(&dir, name)))
            .collect()
    } else {
        files
            .iter()
            .map(|f| {
                (
                    f.clone(),
                    Capture::open(f).unwrap_or_else(|e| panic!("{e}")),
                )
            })
            .collect()
    };
    let flag = |name: &str| std::env::args().any(|a| a == name);
    let (per_column, render_only) = (flag("--per-column"), flag("--render-only"));
    let runs = std::env::args()
        .find_map(|a| a.strip_prefix("--runs=")?.parse::<usize>().ok())
        .unwrap_or(RUNS)
        .max(1);
    println!(
        "{} threads, median of {runs} runs",
        rayon::current_num_threads()
    );
    for (name, capture) in &captures {
        let events = capture.event_count();
        let renderer = ColumnRenderer::new(capture);
        let cells = median(runs, || render_all(capture, &renderer));
        report(name, "render 27 columns", events, cells);
        if !render_only {
            let csv = median(runs, || export_csv(capture, &renderer));
            report(name, "CSV export, 27 columns", events, csv);
        }
        if per_column {
            for column in Column::ALL {
                let time = median(runs, || render_one(capture, &renderer, column));
                report(name, column.name(), events, time);
            }
        }
    }
}

fn report(name: &str, what: &str, events: u64, (wall, cpu): (Duration, Option<Duration>)) {
    let rate = |d: Duration| events as f64 / d.as_secs_f64() / 1e6;
    let cpu = cpu.map_or(String::new(), |cpu| {
        format!("  {:>6.2} M events per CPU-second", rate(cpu))
    });
    println!(
        "{name:<20} {what:<24} {events:>8} events  {:>8.1} ms  {:>6.2} M events/s{cpu}",
        wall.as_secs_f64() * 1e3,
        rate(wall),
    );
}

/// The medians of the wall-clock and CPU times of `runs` runs of `f`.
///
/// On a busy machine the wall clock also counts other programs' time; the CPU time of this
/// process (Linux only) does not, and divided by the thread count it estimates an idle machine.
fn median(runs: usize, mut f: impl FnMut()) -> (Duration, Option<Duration>) {
    let mut walls = Vec::with_capacity(runs);
    let mut cpus = Vec::with_capacity(runs);
    for _ in 0..runs {
        let (cpu_start, start) = (cpu_time(), Instant::now());
        f();
        walls.push(start.elapsed());
        if let (Some(a), Some(b)) = (cpu_start, cpu_time()) {
            cpus.push(b.saturating_sub(a));
        }
    }
    walls.sort();
    cpus.sort();
    (walls[runs / 2], cpus.get(cpus.len() / 2).copied())
}

/// CPU time used so far by all threads of this process, from `/proc/self/task/*/schedstat`.
fn cpu_time() -> Option<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

fn chunks(capture: &Capture) -> Vec<std::ops::Range<u64>> {
    let n = capture.event_count();
    (0..n.div_ceil(CHUNK_EVENTS))
        .map(|c| c * CHUNK_EVENTS..((c + 1) * CHUNK_EVENTS).min(n))
        .collect()
}

/// Renders every column of every event into a reused cell buffer, chunk by chunk as a streaming
/// pass does (pages released after).
fn render_all(capture: &Capture, renderer: &ColumnRenderer) {
    let bytes: usize = chunks(capture)
        .into_par_iter()
        .map(|range| {
            let mut cell = String::with_capacity(4096);
            let mut bytes = 0;
            for event in capture.events_in(range.clone()).flatten() {
                let row = EventRow::new(&event);
                for column in Column::ALL {
                    cell.clear();
                    renderer.write_row(&row, column, &mut cell);
                    bytes += cell.len();
                }
            }
            capture.release(range);
            bytes
        })
        .sum();
    std::hint::black_box(bytes);
}

/// Renders one column of every event, on one thread.
fn render_one(capture: &Capture, renderer: &ColumnRenderer, column: Column) {
    let mut cell = String::with_capacity(4096);
    let mut bytes = 0;
    for event in capture.events().flatten() {
        cell.clear();
        renderer.write(&event, column, &mut cell);
        bytes += cell.len();
    }
    std::hint::black_box(bytes);
}

/// Renders CSV records in parallel chunks and writes them in order to a temporary file.
fn export_csv(capture: &Capture, renderer: &ColumnRenderer) {
    let path = std::env::temp_dir().join(format!("pml-bench-{}.csv", std::process::id()));
    let mut file =
        std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path).unwrap());
    let mut header = String::new();
    write_header(&Column::ALL, &mut header);
    file.write_all(header.as_bytes()).unwrap();
    let ranges = chunks(capture);
    // One buffer per chunk of a batch, reused from batch to batch as `pml export` does.
    let mut texts: Vec<String> = Vec::new();
    for batch in ranges.chunks(rayon::current_num_threads() * 4) {
        texts.resize_with(batch.len(), String::new);
        batch
            .par_iter()
            .zip(texts.par_iter_mut())
            .for_each(|(range, text)| {
                text.clear();
                let mut records = RecordWriter::new(renderer, &Column::ALL);
                for event in capture.events_in(range.clone()).flatten() {
                    records.write(&event, text);
                }
            });
        for text in &texts {
            file.write_all(text.as_bytes()).unwrap();
        }
    }
    file.flush().unwrap();
    drop(file);
    std::fs::remove_file(&path).unwrap();
}
