//! "Save filtered events": the events that pass a query as a new capture, with the processes
//! they run in or create and the capture's host and port names, like ProcMon's "Save… Events
//! displayed using current filter".

use std::collections::BTreeSet;
use std::path::Path;

use pml_analyzer::Query;
use pml_parser::details::process::ProcessDetails;
use pml_parser::ops::process_op;
use pml_parser::writer::{copy_event, process_record, system_info, PmlWriter};
use pml_parser::{EventClass, Progress};

use crate::error::{Error, Result};

/// Events handled per parallel task.
const CHUNK_EVENTS: u64 = 1 << 15;

/// What [`save_filtered`] wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    /// Events kept.
    pub events: u64,
    /// Processes written to the new capture's table.
    pub processes: usize,
    /// Events that could not be read and were left out.
    pub unreadable: u64,
}

/// Writes the events that pass `query` (all parts of its capture, which must all be 32-bit or
/// all 64-bit) as a new capture at `path`, which appears only once complete.
pub fn save_filtered(query: &Query<'_>, path: &Path, progress: &dyn Progress) -> Result<Saved> {
    save(query, path, progress).map_err(|e| e.in_file(path))
}

fn save(query: &Query<'_>, path: &Path, progress: &dyn Progress) -> Result<Saved> {
    let capture = query.capture();
    let first = capture.part(0).ok_or(Error::NoCapture)?.capture();
    let bits = first.header().is_64bit;
    if capture.captures().any(|c| c.header().is_64bit != bits) {
        return Err(Error::MixedBitness);
    }
    let mut writer = PmlWriter::create(path, system_info(first.header()))?;
    // Processes the kept events run in or create.
    let mut referenced = BTreeSet::new();
    let unreadable = query.for_each_in_order(CHUNK_EVENTS, progress, |_, event| {
        referenced.insert(event.process_index());
        if event.class() == EventClass::Process
            && matches!(
                event.operation(),
                process_op::PROCESS_CREATE | process_op::PROCESS_DEFINED
            )
        {
            if let Ok(ProcessDetails::Create(c)) = ProcessDetails::decode(event) {
                referenced.insert(c.child_index);
            }
        }
        copy_event(&mut writer, event)?;
        Ok::<bool, Error>(true)
    })?;
    let events = writer.event_count();
    for index in &referenced {
        let in_table = |c: &pml_parser::Capture| c.processes().get(*index).cloned();
        if let Some(process) = capture.captures().find_map(in_table) {
            writer.add_process(process_record(&process));
        }
    }
    let names = first.names();
    for (address, name) in &names.hosts {
        writer.add_host(*address, name);
    }
    for (&(port, tcp), name) in &names.ports {
        writer.add_port(port, tcp, name);
    }
    writer.finish()?;
    Ok(Saved {
        events,
        processes: referenced.len(),
        unreadable,
    })
}
