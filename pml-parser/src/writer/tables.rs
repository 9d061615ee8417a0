//! Serialization of the tables that follow the events: processes with their modules, strings,
//! icons, hosts and ports, laid out as ProcMon lays them out.

use std::collections::HashMap;
use std::io::{self, Write};

use crate::tables::{Module, Process};

/// Interns the strings the process and module records refer to by index.
///
/// Index 0 is the empty string, as in every ProcMon capture.
#[derive(Debug)]
pub(crate) struct StringInterner {
    index: HashMap<String, u32>,
    strings: Vec<String>,
}

impl Default for StringInterner {
    fn default() -> Self {
        StringInterner {
            index: HashMap::from([(String::new(), 0)]),
            strings: vec![String::new()],
        }
    }
}

impl StringInterner {
    /// The index of `s`, adding it when new.
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.strings.len() as u32;
        self.strings.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }

    /// Serializes the table: `u32 count; u32 rel_offset[count]; (u32 byte_len, UTF-16LE + NUL)...`.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let count = self.strings.len();
        let mut heads = Vec::with_capacity(4 + 4 * count);
        let mut body = Vec::new();
        heads.extend_from_slice(&(count as u32).to_le_bytes());
        let base = 4 + 4 * count;
        for s in &self.strings {
            heads.extend_from_slice(&((base + body.len()) as u32).to_le_bytes());
            let units: Vec<u16> = s.encode_utf16().collect();
            let byte_len = if s.is_empty() { 0 } else { units.len() * 2 + 2 };
            body.extend_from_slice(&(byte_len as u32).to_le_bytes());
            for u in units {
                body.extend_from_slice(&u.to_le_bytes());
            }
            if !s.is_empty() {
                body.extend_from_slice(&[0, 0]);
            }
        }
        heads.extend_from_slice(&body);
        heads
    }
}

/// Appends a pointer-sized field.
pub(crate) fn put_ptr(out: &mut Vec<u8>, wide: bool, v: u64) {
    if wide {
        out.extend_from_slice(&v.to_le_bytes());
    } else {
        out.extend_from_slice(&(v as u32).to_le_bytes());
    }
}

fn put_module(out: &mut Vec<u8>, wide: bool, m: &Module, strings: &mut StringInterner) {
    put_ptr(out, wide, 0);
    put_ptr(out, wide, m.base);
    out.extend_from_slice(&m.size.to_le_bytes());
    for s in [&m.path, &m.version, &m.company, &m.description] {
        out.extend_from_slice(&strings.intern(s).to_le_bytes());
    }
    out.extend_from_slice(&m.timestamp.to_le_bytes());
    out.extend_from_slice(&[0u8; 24]);
}

fn put_process(out: &mut Vec<u8>, wide: bool, p: &Process, strings: &mut StringInterner) {
    for v in [p.index, p.pid, p.parent_pid, p.parent_index] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&p.authentication_id.to_le_bytes());
    out.extend_from_slice(&p.session.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&p.start_time.0.to_le_bytes());
    out.extend_from_slice(&p.end_time.0.to_le_bytes());
    out.extend_from_slice(&p.virtualized.to_le_bytes());
    out.extend_from_slice(&u32::from(p.is_64bit).to_le_bytes());
    for s in [
        &p.integrity,
        &p.user,
        &p.name,
        &p.image_path,
        &p.command_line,
        &p.company,
        &p.version,
        &p.description,
    ] {
        out.extend_from_slice(&strings.intern(s).to_le_bytes());
    }
    // Icon indices: entry 0, the empty placeholder.
    out.extend_from_slice(&[0u8; 8]);
    put_ptr(out, wide, 1);
    out.extend_from_slice(&(p.modules.len() as u32).to_le_bytes());
    for m in &p.modules {
        put_module(out, wide, m, strings);
    }
}

/// Serializes the process table: `u32 count; u32 index[count]; u32 rel_offset[count]; records`,
/// sorted by process index. Interns every string the records use.
pub(crate) fn process_table(
    processes: &mut [Process],
    wide: bool,
    strings: &mut StringInterner,
) -> Vec<u8> {
    processes.sort_by_key(|p| p.index);
    let count = processes.len();
    let mut records = Vec::new();
    let mut rel = Vec::with_capacity(count);
    let base = 4 + 8 * count;
    for p in processes.iter() {
        rel.push((base + records.len()) as u32);
        put_process(&mut records, wide, p, strings);
    }
    let mut out = Vec::with_capacity(base + records.len());
    out.extend_from_slice(&(count as u32).to_le_bytes());
    for p in processes.iter() {
        out.extend_from_slice(&p.index.to_le_bytes());
    }
    for r in rel {
        out.extend_from_slice(&r.to_le_bytes());
    }
    out.extend_from_slice(&records);
    out
}

/// The icon table with its single empty placeholder entry (dimension 0, no bytes).
pub(crate) fn icon_table() -> Vec<u8> {
    let mut out = Vec::with_capacity(16);
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out
}

fn put_utf16z(out: &mut Vec<u8>, s: &str) {
    let units: Vec<u16> = s.encode_utf16().collect();
    out.extend_from_slice(&((units.len() * 2 + 2) as u32).to_le_bytes());
    for u in units {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out.extend_from_slice(&[0, 0]);
}

/// Writes the hosts table and the ports table, each sorted by key so output is deterministic.
pub(crate) fn write_names(
    out: &mut impl Write,
    hosts: &[([u8; 16], String)],
    ports: &[((u16, bool), String)],
) -> io::Result<()> {
    let mut buf = Vec::new();
    buf.extend_from_slice(&(hosts.len() as u32).to_le_bytes());
    for (addr, name) in hosts {
        buf.extend_from_slice(addr);
        put_utf16z(&mut buf, name);
    }
    buf.extend_from_slice(&(ports.len() as u32).to_le_bytes());
    for ((port, tcp), name) in ports {
        buf.extend_from_slice(&port.to_le_bytes());
        buf.extend_from_slice(&u16::from(*tcp).to_le_bytes());
        put_utf16z(&mut buf, name);
    }
    out.write_all(&buf)
}
