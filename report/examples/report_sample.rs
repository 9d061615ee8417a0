//! Writes the sample page of the seed race (the story the timeline tests check), plus a second,
//! more crowded incident, to the path given as the only argument; `scripts/browser-check.sh`
//! opens it in a browser.
//!
//! `cargo run -p pml-report --example report_sample -- /tmp/report.html`

use pml_report::html::demo;

fn main() -> std::process::ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: report_sample OUT.html");
        return std::process::ExitCode::from(2);
    };
    let path = std::path::PathBuf::from(path);
    let page = demo::sample_page();
    let result = pml_parser::AtomicFile::create(&path).and_then(|mut f| {
        page.write(&mut f)?;
        f.commit()
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("report_sample: {}: {e}", path.display());
            std::process::ExitCode::FAILURE
        }
    }
}
