//! pml as a library, in one page: `cargo run --release -p pml-cli --example tour -- LOG.PML OUT_DIR`
//!
//! Opens a capture (with its `LOG-1.PML`, ... parts), filters it, prints a summary and the
//! analysis, and writes CSV, Parquet, the HTML report and a filtered capture into OUT_DIR, using
//! the library crates only (not the `pml` binary).

use std::error::Error;
use std::path::PathBuf;

use pml_analyzer::filter::{Action, Filter, Rule};
use pml_analyzer::summary::{Kind, Summarizer};
use pml_analyzer::{Options, Query};
use pml_export::{save_filtered, Export, Format};
use pml_parser::{AtomicFile, Column, OpenOptions, SplitCapture};
use pml_report::analysis::{write_text, AnalyzedCapture};
use pml_report::html::HtmlPage;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: tour LOG.PML OUT_DIR";
    let (file, out) = (
        args.next().ok_or(usage)?,
        PathBuf::from(args.next().ok_or(usage)?),
    );

    // 1. A capture and the parts ProcMon split from it, salvaged if ProcMon never finished it.
    let capture = SplitCapture::open(&file, OpenOptions::new().salvage(true))?;
    println!(
        "{file}: {} events in {} part(s)",
        capture.event_count(),
        capture.parts().len()
    );

    // 2. ProcMon's filter rules, applied to every part on all cores.
    let filter = Filter::new(vec![Rule::parse(
        "Operation is CreateFile",
        Action::Include,
    )?]);
    let query = Query::new(&capture, &filter);

    // 3. A summary of the events that pass: CreateFile calls per process.
    let kind = Kind::from_name("count", Some(Column::ProcessName)).ok_or("no such summary")?;
    let (table, _unreadable) = Summarizer::summarize(&query, kind, &());
    for row in table.rows.iter().take(5) {
        println!("  {:>6}  {}", row[1].to_text(), row[0].to_text());
    }

    // 4. The analysis: handle races, sharing violations, unclosed opens, explained.
    let analyzed = AnalyzedCapture::new(&file, &capture, &Options::default());
    write_text(&mut std::io::stdout(), std::slice::from_ref(&analyzed))?;

    // 5. Exports: ProcMon's CSV (all 27 columns) and Parquet of the filtered events.
    std::fs::create_dir_all(&out)?;
    let export = Export::new(&query).columns(Column::ALL.to_vec());
    let csv = export.write_file(Format::Csv, &out.join("createfile.csv"))?;
    let parquet = export.write_file(Format::Parquet, &out.join("createfile.parquet"))?;
    println!(
        "CSV: {} events, Parquet: {} events",
        csv.events, parquet.events
    );

    // 6. The HTML report, written whole or not at all.
    let page = HtmlPage::build(&capture, &analyzed.analysis, &file);
    let mut html = AtomicFile::create(&out.join("report.html"))?;
    page.write(&mut html)?;
    html.commit()?;

    // 7. "Save filtered events": a new capture of the CreateFile events and their processes.
    let saved = save_filtered(&query, &out.join("createfile.pml"), &())?;
    println!(
        "saved {} events of {} processes",
        saved.events, saved.processes
    );
    Ok(())
}
