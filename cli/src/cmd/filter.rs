//! `pml filter`: saves the events that pass the filters as a new capture, like ProcMon's
//! "Save… Events displayed using current filter", keeping the processes they reference.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use pml_parser::details::process::ProcessDetails;
use pml_parser::ops::process_op;
use pml_parser::writer::{copy_event, process_record, system_info, PmlWriter};
use pml_parser::EventClass;

use crate::filter_args::FilterArgs;
use crate::inputs::Inputs;
use crate::progress::Progress;
use crate::scan::{warn_unreadable, Query};

/// Arguments of `pml filter`.
#[derive(clap::Args)]
pub struct Args {
    /// The capture (.PML); several files are the parts of one capture, saved as one.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The capture to write; it appears only once complete.
    #[arg(short, long, value_name = "OUT.pml")]
    output: PathBuf,
    #[command(flatten)]
    filter: FilterArgs,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

/// Events handled per parallel chunk.
const CHUNK: u64 = 1 << 15;

/// Runs `pml filter`.
pub fn run(args: Args) -> Result<ExitCode> {
    let selection = args.filter.selection()?;
    let inputs = Inputs::open(&args.files)?;
    let Some(first) = inputs.parts().first() else {
        bail!("no capture given");
    };
    let bits = first.capture.header().is_64bit;
    if inputs
        .parts()
        .iter()
        .any(|p| p.capture.header().is_64bit != bits)
    {
        bail!("the parts mix 32-bit and 64-bit captures; save them separately");
    }
    let query = Query::new(&inputs, &selection.filter);
    let progress = Progress::new(inputs.event_count(), "events", args.quiet);
    let mut writer = PmlWriter::create(&args.output, system_info(first.capture.header()))
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    // Processes the kept events run in or create.
    let mut referenced = BTreeSet::new();
    let mut unreadable = 0;
    let mut failure = None;
    query.run_ordered(
        CHUNK,
        &progress,
        |part_no, range| {
            let mut hits = Vec::new();
            let stats = query.for_each_match(part_no, range, |_, _, e| {
                hits.push(e.index());
                Ok(())
            })?;
            Ok((part_no, hits, stats.unreadable))
        },
        |(part_no, hits, skipped)| {
            unreadable += skipped;
            let capture = &inputs.parts()[part_no].capture;
            for index in hits {
                let Ok(event) = capture.event(index) else {
                    unreadable += 1;
                    continue;
                };
                referenced.insert(event.process_index());
                if event.class() == EventClass::Process
                    && matches!(
                        event.operation(),
                        process_op::PROCESS_CREATE | process_op::PROCESS_DEFINED
                    )
                {
                    if let Ok(ProcessDetails::Create(c)) = ProcessDetails::decode(&event) {
                        referenced.insert(c.child_index);
                    }
                }
                if let Err(e) = copy_event(&mut writer, &event) {
                    failure = Some(e);
                    return Ok(false);
                }
            }
            Ok(true)
        },
    )?;
    progress.finish();
    if let Some(e) = failure {
        return Err(e).with_context(|| format!("cannot write {}", args.output.display()));
    }
    let kept = writer.event_count();
    for index in &referenced {
        let table = |p: &crate::inputs::Part| p.capture.processes().get(*index).cloned();
        if let Some(process) = inputs.parts().iter().find_map(table) {
            writer.add_process(process_record(&process));
        }
    }
    let names = first.capture.names();
    for (address, name) in &names.hosts {
        writer.add_host(*address, name);
    }
    for (&(port, tcp), name) in &names.ports {
        writer.add_port(port, tcp, name);
    }
    writer
        .finish()
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    eprintln!(
        "pml: wrote {}: {kept} of {} events, {} processes",
        args.output.display(),
        inputs.event_count(),
        referenced.len()
    );
    let partial = warn_unreadable(unreadable) || inputs.partial();
    Ok(crate::exit::success_unless_partial(partial))
}
