//! ProcMon's XML export read event by event: `<procmon>`, its `<processlist>` of `<process>`
//! elements, then its `<eventlist>` of `<event>` elements, one child element per column
//! (`<Time_of_Day>`, `<Process_Name>`, ...) and, when saved with stacks, a `<stack>` of
//! `<frame>`s. Only one element is held in memory at a time.

use std::borrow::Cow;
use std::io::BufRead;
use std::sync::Arc;

use pml_parser::{Column, FileTime, Module, Process};
use quick_xml::events::Event;
use quick_xml::Reader;

use crate::error::{Damage, Error};
use crate::row::Row;

/// An element with its text and children.
#[derive(Debug, Default)]
struct Node {
    tag: String,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, tag: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.tag == tag)
    }

    fn text_of(&self, tag: &str) -> &str {
        self.child(tag).map_or("", |c| c.text.as_str())
    }
}

/// Most children an element may have, and most nesting: a bound against hostile input.
const MAX_CHILDREN: usize = 1 << 16;
const MAX_DEPTH: usize = 8;

/// The events of an XML export.
pub struct XmlRows<R: BufRead> {
    reader: Reader<R>,
    buf: Vec<u8>,
    /// The process list.
    pub processes: Vec<Process>,
    /// For each process of the list: true when it gives the session (ProcMon's does not; the
    /// Session column of the process's events does, when exported).
    pub sessions_listed: Vec<bool>,
    columns: Vec<Column>,
    in_events: bool,
}

/// A name reduced to its lower-case letters and digits: `Time_of_Day`, `Time of Day` and
/// `timeofday` are one name.
fn squash(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The column an event's child element names, matched loosely (case, `_`, spaces, and `&` or
/// `and` ignored). The squashed names are made once: every element of every event is looked up.
fn column_of(tag: &str) -> Option<Column> {
    static NAMES: std::sync::OnceLock<Vec<(String, Column)>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        Column::ALL
            .into_iter()
            .flat_map(|c| {
                [
                    (squash(c.name()), c),
                    (squash(&c.name().replace('&', "and")), c),
                ]
            })
            .collect()
    });
    let tag = squash(tag);
    names.iter().find(|(name, _)| *name == tag).map(|&(_, c)| c)
}

impl<R: BufRead> XmlRows<R> {
    /// Reads up to the event list (the process list on the way); refuses a file whose root
    /// element is not `<procmon>`.
    pub fn new(input: R) -> Result<XmlRows<R>, Error> {
        let mut rows = XmlRows {
            reader: Reader::from_reader(input),
            buf: Vec::new(),
            processes: Vec::new(),
            sessions_listed: Vec::new(),
            columns: Vec::new(),
            in_events: false,
        };
        let not_export = |reason: String| Error::NotAnExport { reason };
        let mut seen_root = false;
        loop {
            rows.buf.clear();
            let event = rows
                .reader
                .read_event_into(&mut rows.buf)
                .map_err(|e| not_export(format!("not well-formed XML: {e}")))?;
            match event {
                Event::Start(e) => {
                    let tag = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    match (seen_root, tag.as_str()) {
                        (false, "procmon") => seen_root = true,
                        (false, other) => {
                            return Err(not_export(format!(
                                "its root element is <{other}>, not <procmon>"
                            )))
                        }
                        (true, "processlist") => rows.read_processes()?,
                        (true, "eventlist") => {
                            rows.in_events = true;
                            return Ok(rows);
                        }
                        (true, _) => {
                            rows.read_node(tag, 0).map_err(|d| not_export(d.reason))?;
                        }
                    }
                }
                Event::Eof => {
                    return if seen_root {
                        Ok(rows)
                    } else {
                        Err(not_export("no <procmon> element".into()))
                    }
                }
                Event::End(_) => return Ok(rows),
                _ => {}
            }
        }
    }

    fn read_processes(&mut self) -> Result<(), Error> {
        loop {
            self.buf.clear();
            let event =
                self.reader
                    .read_event_into(&mut self.buf)
                    .map_err(|e| Error::NotAnExport {
                        reason: format!("the process list is not well-formed XML: {e}"),
                    })?;
            match event {
                Event::Start(e) => {
                    let tag = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    let node = self
                        .read_node(tag, 1)
                        .map_err(|d| Error::NotAnExport { reason: d.reason })?;
                    if node.tag == "process" {
                        self.processes.push(process(&node));
                        self.sessions_listed.push(node.child("Session").is_some());
                    }
                }
                Event::End(_) | Event::Eof => return Ok(()),
                _ => {}
            }
        }
    }

    /// Reads the rest of the element `tag` (its start already read).
    fn read_node(&mut self, tag: String, depth: usize) -> Result<Node, Damage> {
        let mut node = Node {
            tag,
            ..Node::default()
        };
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let at = self.reader.buffer_position();
            let damage = |reason: String| Damage {
                at: format!("byte {at}"),
                reason,
            };
            let event = self
                .reader
                .read_event_into(&mut buf)
                .map_err(|e| damage(e.to_string()))?;
            match event {
                Event::Start(e) => {
                    if depth >= MAX_DEPTH || node.children.len() >= MAX_CHILDREN {
                        return Err(damage("elements nested or repeated beyond reason".into()));
                    }
                    let tag = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    let child = self.read_node(tag, depth + 1)?;
                    node.children.push(child);
                }
                Event::Empty(e) => {
                    if node.children.len() >= MAX_CHILDREN {
                        return Err(damage("elements repeated beyond reason".into()));
                    }
                    node.children.push(Node {
                        tag: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                        ..Node::default()
                    });
                }
                Event::Text(t) => node
                    .text
                    .push_str(&t.decode().map_err(|e| damage(e.to_string()))?),
                Event::CData(t) => node
                    .text
                    .push_str(&t.decode().map_err(|e| damage(e.to_string()))?),
                Event::GeneralRef(r) => {
                    if let Some(c) = r.resolve_char_ref().map_err(|e| damage(e.to_string()))? {
                        node.text.push(c);
                    } else {
                        let name = r.decode().map_err(|e| damage(e.to_string()))?;
                        match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(text) => node.text.push_str(text),
                            None => return Err(damage(format!("unknown entity &{name};"))),
                        }
                    }
                }
                Event::End(_) => {
                    if let Cow::Owned(text) = repair_double_encoding(&node.text) {
                        node.text = text;
                    }
                    return Ok(node);
                }
                Event::Eof => {
                    return Err(damage(format!(
                        "the file ends inside <{}> (cut off)",
                        node.tag
                    )))
                }
                _ => {}
            }
        }
    }

    /// The columns seen in the events read so far.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Reads the next event into `row`; `Ok(false)` at the end, `Err` where the file is
    /// damaged.
    pub fn next_row(&mut self, row: &mut Row) -> Result<bool, Damage> {
        row.clear();
        if !self.in_events {
            return Ok(false);
        }
        loop {
            self.buf.clear();
            let at = self.reader.buffer_position();
            let event = self
                .reader
                .read_event_into(&mut self.buf)
                .map_err(|e| Damage {
                    at: format!("byte {at}"),
                    reason: e.to_string(),
                })?;
            match event {
                Event::Start(e) => {
                    let tag = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    let node = self.read_node(tag, 1)?;
                    if node.tag != "event" {
                        continue;
                    }
                    for child in &node.children {
                        if child.tag == "ProcessIndex" {
                            row.process_index = child.text.trim().parse().ok();
                        } else if child.tag == "stack" {
                            row.frames = child
                                .children
                                .iter()
                                .filter_map(|f| hex(f.text_of("address")))
                                .collect();
                        } else if let Some(column) = column_of(&child.tag) {
                            if !self.columns.contains(&column) {
                                self.columns.push(column);
                            }
                            row.set(column, child.text.clone());
                        }
                    }
                    return Ok(true);
                }
                Event::End(_) => {
                    self.in_events = false;
                    return Ok(false);
                }
                Event::Eof => {
                    return Err(Damage {
                        at: format!("byte {at}"),
                        reason: "the file ends inside <eventlist> (cut off)".into(),
                    })
                }
                _ => {}
            }
        }
    }
}

fn hex(text: &str) -> Option<u64> {
    let t = text.trim();
    u64::from_str_radix(t.strip_prefix("0x").unwrap_or(t), 16).ok()
}

/// Text that ProcMon's XML export encoded twice: ProcmonMCP (JameZUK/ProcmonMCP, 0.3.1) reports
/// that it writes the UTF-8 bytes of non-ASCII names as Latin-1 characters, encoded to UTF-8
/// again (`æ¸©åº¦.exe` for `温度.exe`). Such text — every character below U+0100, some above
/// U+007F, their bytes valid UTF-8 — is decoded once more; other text is left as it is.
fn repair_double_encoding(text: &str) -> Cow<'_, str> {
    if text.is_ascii() || text.chars().any(|c| u32::from(c) > 0xFF) {
        return Cow::Borrowed(text);
    }
    let bytes: Vec<u8> = text.chars().map(|c| u32::from(c) as u8).collect();
    match String::from_utf8(bytes) {
        Ok(repaired) => Cow::Owned(repaired),
        Err(_) => Cow::Borrowed(text),
    }
}

/// `1`/`0` as ProcMon writes Is64bit and IsVirtualized, or `True`/`False`.
fn flag(text: &str) -> Option<bool> {
    match text.trim() {
        "1" | "True" | "true" => Some(true),
        "0" | "False" | "false" => Some(false),
        _ => None,
    }
}

/// A process of the process list: ProcMon's elements (`ProcessIndex`, `ProcessId`,
/// `ParentProcessId`, `ParentProcessIndex`, `AuthenticationId`, `CreateTime`, `FinishTime`,
/// `IsVirtualized`, `Is64bit`, `Integrity`, `Owner`, `ProcessName`, `ImagePath`, `CommandLine`,
/// `CompanyName`, `Version`, `Description`, `modulelist`), and `Session`, which pml adds.
fn process(node: &Node) -> Process {
    let text = |tag: &str| -> Arc<str> { node.text_of(tag).into() };
    let number = |tag: &str| node.text_of(tag).trim().parse::<u64>().unwrap_or(0);
    let auth = node.text_of("AuthenticationId");
    let authentication_id = auth
        .split_once(':')
        .map(|(h, l)| {
            (u64::from_str_radix(h.trim(), 16).unwrap_or(0) << 32)
                | u64::from_str_radix(l.trim(), 16).unwrap_or(0)
        })
        .unwrap_or(0);
    let modules = node
        .child("modulelist")
        .map(|list| {
            list.children
                .iter()
                .filter(|m| m.tag == "module")
                .map(module)
                .collect()
        })
        .unwrap_or_default();
    Process {
        index: number("ProcessIndex") as u32,
        pid: number("ProcessId") as u32,
        parent_pid: number("ParentProcessId") as u32,
        parent_index: number("ParentProcessIndex") as u32,
        authentication_id,
        session: number("Session") as u32,
        start_time: FileTime(number("CreateTime")),
        end_time: FileTime(number("FinishTime")),
        virtualized: match node.child("IsVirtualized").map(|n| n.text.trim()) {
            Some(v) => flag(v).map_or_else(|| v.parse().unwrap_or(2), u32::from),
            None => 2,
        },
        is_64bit: flag(node.text_of("Is64bit")).unwrap_or(false),
        integrity: text("Integrity"),
        user: text("Owner"),
        name: text("ProcessName"),
        image_path: text("ImagePath"),
        command_line: text("CommandLine"),
        company: text("CompanyName"),
        version: text("Version"),
        description: text("Description"),
        modules,
    }
}

/// A module of a process's `<modulelist>`: `Timestamp`, `BaseAddress`, `Size`, `Path`,
/// `Version`, `Company`, `Description` (a timestamp that is not a 32-bit PE timestamp reads as
/// 0).
fn module(node: &Node) -> Module {
    let text = |tag: &str| -> Arc<str> { node.text_of(tag).into() };
    Module {
        base: hex(node.text_of("BaseAddress")).unwrap_or(0),
        size: node.text_of("Size").trim().parse().unwrap_or(0),
        path: text("Path"),
        version: text("Version"),
        company: text("Company"),
        description: text("Description"),
        timestamp: node.text_of("Timestamp").trim().parse().unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twice_encoded_text_is_decoded_once_more() {
        assert_eq!(repair_double_encoding("æ¸©åº¦.exe"), "温度.exe");
        assert_eq!(repair_double_encoding("Ã©t\u{e9}"), "Ã©t\u{e9}");
        assert_eq!(repair_double_encoding("café"), "café");
        assert_eq!(repair_double_encoding("温度.exe"), "温度.exe");
        assert!(matches!(repair_double_encoding("plain"), Cow::Borrowed(_)));
    }
}
