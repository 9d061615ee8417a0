//! Copying what the reader read into a writer: system details, processes, host and port names,
//! and events with their raw header, stack, detail and extra bytes.

use std::io::{Seek, Write};

use super::{PmlWriter, ProcessRecord, SystemInfo, WriteError};
use crate::capture::Capture;
use crate::event::Event;
use crate::header::Header;
use crate::tables::Process;

/// The system details of a read header.
pub fn system_info(header: &Header) -> SystemInfo {
    SystemInfo {
        computer_name: header.computer_name.clone(),
        system_root: header.system_root.clone(),
        is_64bit: header.is_64bit,
        max_user_address: header.max_user_address,
        os: header.os.clone(),
        cpu_count: header.cpu_count,
        memory_bytes: header.memory_bytes,
        version: header.version,
    }
}

/// A read process as a record to write.
pub fn process_record(process: &Process) -> ProcessRecord {
    process.clone()
}

/// Writes a read event again, keeping its header bytes (ProcMon's unknown fields included),
/// stack, detail and extra bytes. The writer must have the event's bitness.
pub fn copy_event<W: Write + Seek>(
    writer: &mut PmlWriter<W>,
    event: &Event<'_>,
) -> Result<(), WriteError> {
    let extra = event.extra_bytes()?;
    writer.write_raw_event(
        event.header_bytes(),
        event.stack_bytes(),
        event.detail_bytes(),
        extra,
    )
}

/// Copies a whole capture into `writer` (created with [`system_info`] of its header): its
/// processes, host and port names, and every event. Returns the number of events that could
/// not be read and were left out.
pub fn copy_capture<W: Write + Seek>(
    capture: &Capture,
    writer: &mut PmlWriter<W>,
) -> Result<u64, WriteError> {
    for p in capture.processes().iter() {
        writer.add_process(process_record(p));
    }
    for (addr, name) in &capture.names().hosts {
        writer.add_host(*addr, name);
    }
    for (&(port, tcp), name) in &capture.names().ports {
        writer.add_port(port, tcp, name);
    }
    let mut skipped = 0;
    for event in capture.events() {
        match event {
            Ok(e) => copy_event(writer, &e)?,
            Err(_) => skipped += 1,
        }
    }
    Ok(skipped)
}
