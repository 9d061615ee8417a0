//! ProcMon's XML export (`Procmon /SaveAs out.xml`): `<procmon>` holding a `<processlist>` of
//! every process of the capture (with its modules) and an `<eventlist>` of the events that pass
//! the query, one element per column (`<Time_of_Day>`, `<Process_Name>`, ...) as ProcMon renders
//! it, and, when asked for, each event's `<stack>` of `<frame>`s. Streamed: one chunk of events
//! is held at a time. Text that XML 1.0 cannot carry (control characters other than TAB, LF
//! and CR) is written as U+FFFD; CR is written as `&#13;` so that readers keep it.

use std::io::Write;

use pml_parser::{Column, ColumnRenderer, Event, EventRow, Process};

use crate::error::Result;
use crate::{Export, Written};

/// The element name of a column: its name with ` & ` as `_and_` and spaces as `_`.
pub fn element_name(column: Column) -> String {
    column.name().replace(" & ", "_and_").replace(' ', "_")
}

/// Appends `text` escaped for XML element content.
pub fn push_escaped(out: &mut Vec<u8>, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '\r' => out.extend_from_slice(b"&#13;"),
            '\t' | '\n' => out.push(c as u8),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.extend_from_slice("\u{FFFD}".as_bytes())
            }
            c => {
                let mut b = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
}

fn element(out: &mut Vec<u8>, tag: &str, text: &str) {
    out.push(b'<');
    out.extend_from_slice(tag.as_bytes());
    out.push(b'>');
    push_escaped(out, text);
    out.extend_from_slice(b"</");
    out.extend_from_slice(tag.as_bytes());
    out.push(b'>');
}

/// Writes the XML document of the export's events (with stacks when `stacks`) to `out`.
pub(crate) fn write(
    export: &Export<'_, '_>,
    stacks: bool,
    out: &mut (impl Write + Send),
) -> Result<Written> {
    let query = export.query;
    let mut head = Vec::new();
    head.extend_from_slice(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<procmon>\r\n<processlist>\r\n",
    );
    let mut seen = std::collections::HashSet::new();
    for capture in query.capture().captures() {
        for p in capture.processes().iter() {
            if seen.insert(p.index) {
                write_process(&mut head, p);
            }
        }
    }
    head.extend_from_slice(b"</processlist>\r\n<eventlist>\r\n");
    out.write_all(&head)?;
    let tags: Vec<String> = export.columns.iter().map(|&c| element_name(c)).collect();
    let written = crate::chunked::write_events(export, out, |bytes, part, _, event, cell| {
        let columns = &export.columns;
        write_event(bytes, event, columns, &tags, part.renderer(), stacks, cell);
        Ok(())
    })?;
    out.write_all(b"</eventlist>\r\n</procmon>\r\n")?;
    Ok(written)
}

fn write_process(out: &mut Vec<u8>, p: &Process) {
    out.extend_from_slice(b"<process>");
    element(out, "ProcessIndex", &p.index.to_string());
    element(out, "ProcessId", &p.pid.to_string());
    element(out, "ParentProcessId", &p.parent_pid.to_string());
    element(out, "ParentProcessIndex", &p.parent_index.to_string());
    let auth = format!(
        "{:08x}:{:08x}",
        p.authentication_id >> 32,
        p.authentication_id & 0xFFFF_FFFF
    );
    element(out, "AuthenticationId", &auth);
    element(out, "Session", &p.session.to_string());
    element(out, "CreateTime", &p.start_time.0.to_string());
    element(out, "FinishTime", &p.end_time.0.to_string());
    element(out, "IsVirtualized", &p.virtualized.to_string());
    element(out, "Is64bit", if p.is_64bit { "1" } else { "0" });
    element(out, "Integrity", &p.integrity);
    element(out, "Owner", &p.user);
    element(out, "ProcessName", &p.name);
    element(out, "ImagePath", &p.image_path);
    element(out, "CommandLine", &p.command_line);
    element(out, "CompanyName", &p.company);
    element(out, "Version", &p.version);
    element(out, "Description", &p.description);
    out.extend_from_slice(b"<modulelist>");
    for m in &p.modules {
        out.extend_from_slice(b"<module>");
        element(out, "Timestamp", &m.timestamp.to_string());
        element(out, "BaseAddress", &format!("0x{:x}", m.base));
        element(out, "Size", &m.size.to_string());
        element(out, "Path", &m.path);
        element(out, "Version", &m.version);
        element(out, "Company", &m.company);
        element(out, "Description", &m.description);
        out.extend_from_slice(b"</module>");
    }
    out.extend_from_slice(b"</modulelist></process>\r\n");
}

/// Appends one `<event>` element: its process index, the columns, and the stack when asked.
fn write_event(
    out: &mut Vec<u8>,
    event: &Event<'_>,
    columns: &[Column],
    tags: &[String],
    renderer: &ColumnRenderer,
    stacks: bool,
    cell: &mut String,
) {
    out.extend_from_slice(b"<event>");
    element(out, "ProcessIndex", &event.process_index().to_string());
    // The process is looked up once for all the columns.
    let row = EventRow::new(event);
    for (&column, tag) in columns.iter().zip(tags) {
        cell.clear();
        renderer.write_row(&row, column, cell);
        element(out, tag, cell);
    }
    if stacks && event.stack_depth() > 0 {
        out.extend_from_slice(b"<stack>");
        for (depth, frame) in event.resolved_stack().enumerate() {
            out.extend_from_slice(b"<frame>");
            element(out, "depth", &depth.to_string());
            element(out, "address", &format!("0x{:x}", frame.address));
            let (path, location) = match (frame.module, frame.module_offset()) {
                (Some(m), Some(offset)) => {
                    let name = m.path.rsplit('\\').next().unwrap_or(&m.path);
                    (m.path.to_string(), format!("{name} + 0x{offset:x}"))
                }
                _ => (String::new(), format!("0x{:x}", frame.address)),
            };
            element(out, "path", &path);
            element(out, "location", &location);
            out.extend_from_slice(b"</frame>");
        }
        out.extend_from_slice(b"</stack>");
    }
    out.extend_from_slice(b"</event>\r\n");
}
