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
