//! The tables after the events: strings, processes with their modules, hosts and ports.
//!
//! Every count is checked against the bytes that remain before anything is allocated for it.

use std::collections::HashMap;
use std::sync::Arc;

use nom::Parser;

use crate::bytes::{ptr, take, u16, u32, u32_at, u64, utf16_to_string};
use crate::error::{Error, Result};
use crate::time::FileTime;

/// Reads a table's `u32` count and checks that `count * min_entry` bytes can follow it.
fn checked_count(
    data: &[u8],
    offset: usize,
    structure: &'static str,
    min_entry: usize,
) -> Result<usize> {
    let count = u32_at(data, offset)
        .ok_or_else(|| Error::truncated(structure, offset as u64, 4, data.len() as u64))?
        as usize;
    let room = data.len().saturating_sub(offset + 4);
    if count.saturating_mul(min_entry) > room {
        return Err(Error::corrupt(
            structure,
            offset as u64,
            format!(
                "it claims {count} entries of at least {min_entry} bytes, but only {room} bytes follow"
            ),
        ));
    }
    Ok(count)
}

/// The strings table: UTF-16 strings referenced by index from the process and module records.
#[derive(Debug, Clone, Default)]
pub struct StringTable {
    strings: Vec<Arc<str>>,
}

impl StringTable {
    /// Parses the table at `offset`; a string whose bytes are out of range becomes empty.
    pub fn parse(data: &[u8], offset: usize) -> Result<StringTable> {
        const S: &str = "strings table";
        let count = checked_count(data, offset, S, 4)?;
        let table = &data[offset..];
        let empty: Arc<str> = Arc::from("");
        let mut strings = Vec::with_capacity(count);
        for i in 0..count {
            let rel = u32_at(table, 4 + i * 4).unwrap_or(u32::MAX) as usize;
            let text = u32_at(table, rel)
                .and_then(|len| table.get(rel + 4..(rel + 4).checked_add(len as usize)?))
                .map(|b| Arc::from(utf16_to_string(b)))
                .unwrap_or_else(|| empty.clone());
            strings.push(text);
        }
        Ok(StringTable { strings })
    }

    /// The string at `index`; an index out of range gives the empty string.
    pub fn get(&self, index: u32) -> Arc<str> {
        self.strings
            .get(index as usize)
            .cloned()
            .unwrap_or_else(|| Arc::from(""))
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// True when the table holds no strings.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}

/// A module (EXE or DLL, or a driver for the System process) loaded in a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Load address.
    pub base: u64,
    /// Size of the image in bytes.
    pub size: u32,
    /// Full path of the image.
    pub path: Arc<str>,
    /// File version string.
    pub version: Arc<str>,
    /// Company name.
    pub company: Arc<str>,
    /// File description.
    pub description: Arc<str>,
    /// PE timestamp (seconds since 1970).
    pub timestamp: u32,
}

impl Module {
    /// The file name part of the path.
    pub fn name(&self) -> &str {
        self.path.rsplit(['\\', '/']).next().unwrap_or(&self.path)
    }

    /// True when `address` falls inside the image.
    pub fn contains(&self, address: u64) -> bool {
        address >= self.base && address - self.base < u64::from(self.size)
    }
}

/// A process of the capture, as the process table describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    /// Process index: the key events use. Unique in the capture, unlike the PID.
    pub index: u32,
    /// Process id.
    pub pid: u32,
    /// Parent's process id.
    pub parent_pid: u32,
    /// Parent's process index; may name a process that is not in the table.
    pub parent_index: u32,
    /// Logon session (LUID).
    pub authentication_id: u64,
    /// Terminal services session.
    pub session: u32,
    /// When the process started.
    pub start_time: FileTime,
    /// When it ended; zero when it was still running when the capture was saved.
    pub end_time: FileTime,
    /// UAC virtualization: 0 false, 1 true, other values shown as `n/a`.
    pub virtualized: u32,
    /// True for a 64-bit process.
    pub is_64bit: bool,
    /// Integrity level, e.g. `Medium`.
    pub integrity: Arc<str>,
    /// `DOMAIN\user`.
    pub user: Arc<str>,
    /// Process name, e.g. `cmd.exe`.
    pub name: Arc<str>,
    /// Full image path.
    pub image_path: Arc<str>,
    /// Command line.
    pub command_line: Arc<str>,
    /// Company from the image's version resource.
    pub company: Arc<str>,
    /// Version from the image's version resource.
    pub version: Arc<str>,
    /// Description from the image's version resource.
    pub description: Arc<str>,
    /// Modules, sorted by base address.
    pub modules: Vec<Module>,
}

impl Default for Process {
    /// A process with every field zero or empty (a 64-bit one), to fill in with
    /// `..Process::default()` (e.g. for the writer).
    fn default() -> Process {
        Process {
            index: 0,
            pid: 0,
            parent_pid: 0,
            parent_index: 0,
            authentication_id: 0,
            session: 0,
            start_time: FileTime(0),
            end_time: FileTime(0),
            virtualized: 0,
            is_64bit: true,
            integrity: "".into(),
            user: "".into(),
            name: "".into(),
            image_path: "".into(),
            command_line: "".into(),
            company: "".into(),
            version: "".into(),
            description: "".into(),
            modules: Vec::new(),
        }
    }
}

impl Process {
    /// The module that contains `address`.
    pub fn module_at(&self, address: u64) -> Option<&Module> {
        let pos = self.modules.partition_point(|m| m.base <= address);
        pos.checked_sub(1)
            .map(|i| &self.modules[i])
            .filter(|m| m.contains(address))
    }
}

/// Size of a module record: 56 bytes on 32-bit captures, 64 on 64-bit ones.
fn module_size(wide: bool) -> usize {
    if wide {
        64
    } else {
        56
    }
}

/// Fixed part of a process record before its modules.
fn process_fixed_size(wide: bool) -> usize {
    if wide {
        0x6C
    } else {
        0x68
    }
}

fn parse_module<'a>(
    input: &'a [u8],
    wide: bool,
    strings: &StringTable,
) -> crate::bytes::PResult<'a, Module> {
    let (rest, (_unknown, base, size, path, version, company, description, timestamp, _pad)) =
        (ptr(wide), ptr(wide), u32, u32, u32, u32, u32, u32, take(24)).parse(input)?;
    Ok((
        rest,
        Module {
            base,
            size,
            path: strings.get(path),
            version: strings.get(version),
            company: strings.get(company),
            description: strings.get(description),
            timestamp,
        },
    ))
}

fn parse_process<'a>(
    input: &'a [u8],
    wide: bool,
    strings: &StringTable,
) -> crate::bytes::PResult<'a, Process> {
    let (rest, (index, pid, parent_pid, parent_index, authentication_id, session, _unknown)) =
        (u32, u32, u32, u32, u64, u32, u32).parse(input)?;
    let (rest, (start, end, virtualized, is_64bit)) = (u64, u64, u32, u32).parse(rest)?;
    let (rest, ids) = take(32)(rest)?;
    let s = |n: usize| strings.get(u32_at(ids, n * 4).unwrap_or_default());
    let (rest, (_icon_small, _icon_big, _unknown_ptr, module_count)) =
        (u32, u32, ptr(wide), u32).parse(rest)?;
    let module_count = module_count as usize;
    if module_count.saturating_mul(module_size(wide)) > rest.len() {
        return Err(nom::Err::Failure(nom::error::Error::new(
            rest,
            nom::error::ErrorKind::Count,
        )));
    }
    let mut modules = Vec::with_capacity(module_count);
    let mut rest = rest;
    for _ in 0..module_count {
        let (r, m) = parse_module(rest, wide, strings)?;
        modules.push(m);
        rest = r;
    }
    modules.sort_by_key(|m| m.base);
    Ok((
        rest,
        Process {
            index,
            pid,
            parent_pid,
            parent_index,
            authentication_id,
            session,
            start_time: FileTime(start),
            end_time: FileTime(end),
            virtualized,
            is_64bit: is_64bit != 0,
            integrity: s(0),
            user: s(1),
            name: s(2),
            image_path: s(3),
            command_line: s(4),
            company: s(5),
            version: s(6),
            description: s(7),
            modules,
        },
    ))
}

/// The process table, looked up by process index.
#[derive(Debug, Clone, Default)]
pub struct ProcessTable {
    processes: Vec<Process>,
    /// (process index, position in `processes`), sorted by process index.
    by_index: Vec<(u32, usize)>,
}

impl ProcessTable {
    /// Parses the table at `offset`.
    pub fn parse(
        data: &[u8],
        offset: usize,
        wide: bool,
        strings: &StringTable,
    ) -> Result<ProcessTable> {
        const S: &str = "process table";
        let count = checked_count(data, offset, S, 8 + process_fixed_size(wide))?;
        let table = &data[offset..];
        let mut processes = Vec::with_capacity(count);
        for i in 0..count {
            let rel = u32_at(table, 4 + count * 4 + i * 4).unwrap_or(u32::MAX) as usize;
            let record = table.get(rel..).ok_or_else(|| {
                Error::corrupt(
                    S,
                    offset as u64,
                    format!("process record {i} points past the end of the file (+{rel:#x})"),
                )
            })?;
            let (_, process) = parse_process(record, wide, strings).map_err(|_| {
                Error::corrupt(
                    "process record",
                    (offset + rel) as u64,
                    format!("record {i} of {count} is cut off or its module count is impossible"),
                )
            })?;
            processes.push(process);
        }
        Ok(ProcessTable::from_processes(processes))
    }

    /// Builds a table from processes (used for salvage and by the writer's tests).
    pub fn from_processes(processes: Vec<Process>) -> ProcessTable {
        let mut by_index: Vec<(u32, usize)> = processes
            .iter()
            .enumerate()
            .map(|(pos, p)| (p.index, pos))
            .collect();
        by_index.sort_unstable();
        ProcessTable {
            processes,
            by_index,
        }
    }

    /// The process with this process index.
    #[inline]
    pub fn get(&self, index: u32) -> Option<&Process> {
        self.by_index
            .binary_search_by_key(&index, |&(i, _)| i)
            .ok()
            .map(|pos| &self.processes[self.by_index[pos].1])
    }

    /// All processes, in table order.
    pub fn iter(&self) -> std::slice::Iter<'_, Process> {
        self.processes.iter()
    }

    /// Number of processes.
    pub fn len(&self) -> usize {
        self.processes.len()
    }

    /// True when the table is empty.
    pub fn is_empty(&self) -> bool {
        self.processes.is_empty()
    }

    /// The System process (PID 4), whose modules are the kernel's drivers.
    pub fn system(&self) -> Option<&Process> {
        self.processes.iter().find(|p| p.pid == 4)
    }
}

/// Host names and port names that ProcMon resolved while capturing.
#[derive(Debug, Clone, Default)]
pub struct NameTables {
    /// Host name by 16-byte address (IPv4 in the first 4 bytes).
    pub hosts: HashMap<[u8; 16], String>,
    /// Port name by (port, is TCP).
    pub ports: HashMap<(u16, bool), String>,
}

impl NameTables {
    /// Parses the hosts table and the ports table that follows it, both at `offset`.
    pub fn parse(data: &[u8], offset: usize) -> Result<NameTables> {
        let mut tables = NameTables::default();
        let host_count = checked_count(data, offset, "hosts table", 20)?;
        let mut input = &data[offset + 4..];
        let cut = |input: &[u8]| {
            Error::corrupt(
                "hosts table",
                (data.len() - input.len()) as u64,
                "an entry runs past the end of the file",
            )
        };
        for _ in 0..host_count {
            let (rest, (addr, len)) = (take(16), u32).parse(input).map_err(|_| cut(input))?;
            let (rest, name) = take(len as usize)(rest).map_err(|_| cut(input))?;
            let mut key = [0u8; 16];
            key.copy_from_slice(addr);
            tables.hosts.insert(key, utf16_to_string(name));
            input = rest;
        }
        let ports_offset = data.len() - input.len();
        let port_count = checked_count(data, ports_offset, "ports table", 8)?;
        input = &data[ports_offset + 4..];
        for _ in 0..port_count {
            let (rest, (port, is_tcp, len)) =
                (u16, u16, u32).parse(input).map_err(|_| cut(input))?;
            let (rest, name) = take(len as usize)(rest).map_err(|_| cut(input))?;
            tables
                .ports
                .insert((port, is_tcp != 0), utf16_to_string(name));
            input = rest;
        }
        Ok(tables)
    }
}
