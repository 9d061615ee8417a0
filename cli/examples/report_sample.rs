//! Writes the sample report of the seed race (the story `cli/tests/report.rs` checks), plus a
//! second, more crowded incident, to the path given as the only argument;
//! `scripts/browser-check.sh` opens it in a browser.
//!
//! `cargo run -p pml-cli --example report_sample -- /tmp/report.html`

#[allow(dead_code)]
#[path = "../src/report/mod.rs"]
mod report;
#[path = "../tests/support/retries.rs"]
mod retries;
#[path = "../tests/support/seed_race.rs"]
mod seed_race;

use std::io::Write;

fn main() -> std::process::ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: report_sample OUT.html");
        return std::process::ExitCode::from(2);
    };
    let mut data = seed_race::report();
    data.incidents.push(retries::incident());
    let result = std::fs::File::create(&path).and_then(|mut f| {
        report::write_report(&data, &mut f)?;
        f.flush()
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "report_sample: {}: {e}",
                std::path::Path::new(&path).display()
            );
            std::process::ExitCode::FAILURE
        }
    }
}
