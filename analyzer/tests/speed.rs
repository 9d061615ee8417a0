//! Throughput of the analysis on the largest real capture. Run with
//! `cargo test --release -p pml-analyzer --test speed -- --ignored --nocapture`.

use std::path::Path;
use std::time::Instant;

use pml_analyzer::{analyze, Options};
use pml_parser::Capture;

#[test]
#[ignore = "a measurement, not a check; run in release"]
fn events_per_second_on_win11_fileio() {
    let path = std::env::var_os("PML_SPEED_CAPTURE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scratch/win11-fileio-64bit.pml")
        });
    let Ok(capture) = Capture::open(&path) else {
        eprintln!("SKIPPED: no capture at {}", path.display());
        return;
    };
    let rounds = 30;
    let start = Instant::now();
    let mut incidents = 0;
    for _ in 0..rounds {
        incidents += analyze(&capture, &Options::default()).incidents.len();
    }
    let secs = start.elapsed().as_secs_f64();
    let events = capture.event_count() as f64 * f64::from(rounds);
    println!(
        "{}: {:.1} M events/s on {} threads ({rounds} rounds, {:.2} ms each, {incidents} incidents)",
        path.display(),
        events / secs / 1e6,
        rayon::current_num_threads(),
        secs * 1000.0 / f64::from(rounds)
    );
}

#[test]
#[ignore = "a measurement"]
fn baseline_scan() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scratch/win11-fileio-64bit.pml");
    let capture = Capture::open(&path).unwrap();
    let t = Instant::now();
    let mut n = 0u64;
    for _ in 0..30 {
        for e in capture.events().flatten() {
            n += u64::from(e.operation());
        }
    }
    println!(
        "seq parse: {:.2} ms/round ({n})",
        t.elapsed().as_secs_f64() * 1000.0 / 30.0
    );
    let t = Instant::now();
    let mut x = pml_analyzer::extract::Extractor::default();
    let mut recs = 0;
    for _ in 0..30 {
        for e in capture.events().flatten() {
            recs += x.record_of(&e).is_some() as u32;
        }
    }
    println!(
        "seq extract: {:.2} ms/round ({recs})",
        t.elapsed().as_secs_f64() * 1000.0 / 30.0
    );
}
