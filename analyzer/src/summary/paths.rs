//! Per-path summaries: files, registry keys and network connections.

use std::collections::HashMap;

use pml_parser::details::fs::FsDetails;
use pml_parser::{Column, ColumnRenderer, Event, EventClass};

use super::table::{int, seconds, Table, Value, ValueType};

/// Which events a per-path summary looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Domain {
    Files,
    Registry,
    Network,
}

impl Domain {
    fn class(self) -> EventClass {
        match self {
            Domain::Files => EventClass::FileSystem,
            Domain::Registry => EventClass::Registry,
            Domain::Network => EventClass::Network,
        }
    }

    /// The named count columns of this domain.
    fn buckets(self) -> &'static [&'static str] {
        match self {
            Domain::Files => &[
                "Opens", "Closes", "Reads", "Writes", "Get ACL", "Set ACL", "Other",
            ],
            Domain::Registry => &["Opens", "Closes", "Reads", "Writes", "Other"],
            Domain::Network => &["Sends", "Receives", "Other"],
        }
    }

    /// The count column (index into `buckets`) of an operation.
    fn bucket(self, op: &str) -> usize {
        match self {
            Domain::Files => match op {
                "CreateFile" => 0,
                "CloseFile" => 1,
                "ReadFile" => 2,
                "WriteFile" => 3,
                "QuerySecurityFile" => 4,
                "SetSecurityFile" => 5,
                _ => 6,
            },
            Domain::Registry => match op {
                "RegOpenKey" | "RegCreateKey" => 0,
                "RegCloseKey" => 1,
                _ if op.starts_with("RegQuery") || op.starts_with("RegEnum") => 2,
                _ if op.starts_with("RegSet")
                    || op.starts_with("RegDelete")
                    || op == "RegRenameKey"
                    || op == "RegFlushKey" =>
                {
                    3
                }
                _ => 4,
            },
            Domain::Network => {
                if op.ends_with("Send") {
                    0
                } else if op.ends_with("Receive") {
                    1
                } else {
                    2
                }
            }
        }
    }
}

#[derive(Debug, Default)]
struct Entry {
    events: u64,
    ticks: u64,
    buckets: [u64; 7],
    /// Bytes read (files) or received (network).
    bytes_in: u64,
    /// Bytes written (files) or sent (network).
    bytes_out: u64,
    operations: HashMap<&'static str, u64>,
}

/// Events per path of one domain.
#[derive(Debug)]
pub(crate) struct Paths {
    domain: Domain,
    by_path: HashMap<String, Entry>,
}

impl Paths {
    pub(crate) fn new(domain: Domain) -> Paths {
        Paths {
            domain,
            by_path: HashMap::new(),
        }
    }

    pub(crate) fn add(&mut self, event: &Event<'_>, renderer: &ColumnRenderer, s: &mut String) {
        if event.class() != self.domain.class() {
            return;
        }
        s.clear();
        renderer.write(event, Column::Path, s);
        let entry = match self.by_path.get_mut(s.as_str()) {
            Some(e) => e,
            None => self.by_path.entry(s.clone()).or_default(),
        };
        let op = renderer.operation_name(event);
        entry.events += 1;
        entry.ticks += event.duration().unwrap_or(0);
        let bucket = self.domain.bucket(op);
        entry.buckets[bucket] += 1;
        *entry.operations.entry(op).or_default() += 1;
        match self.domain {
            Domain::Files if bucket == 2 || bucket == 3 => {
                let bytes = transferred(event);
                if bucket == 2 {
                    entry.bytes_in += bytes;
                } else {
                    entry.bytes_out += bytes;
                }
            }
            Domain::Network if bucket < 2 => {
                s.clear();
                renderer.write(event, Column::Detail, s);
                let bytes = detail_length(s);
                if bucket == 0 {
                    entry.bytes_out += bytes;
                } else {
                    entry.bytes_in += bytes;
                }
            }
            _ => {}
        }
    }

    pub(crate) fn finish(self) -> Table {
        use ValueType::*;
        let mut columns = vec![("Path", Text), ("Events", Int), ("Duration", Float)];
        let buckets = self.domain.buckets();
        columns.extend(buckets.iter().map(|&b| (b, Int)));
        match self.domain {
            Domain::Files => columns.extend([("Read Bytes", Int), ("Write Bytes", Int)]),
            Domain::Network => columns.extend([("Receive Bytes", Int), ("Send Bytes", Int)]),
            Domain::Registry => {}
        }
        columns.push(("Operations", Text));
        let mut table = Table::new(&columns);
        let mut rows: Vec<(String, Entry)> = self.by_path.into_iter().collect();
        rows.sort_by(|a, b| b.1.events.cmp(&a.1.events).then_with(|| a.0.cmp(&b.0)));
        for (path, e) in rows {
            let mut row = vec![Value::Text(path), int(e.events), seconds(e.ticks)];
            row.extend(e.buckets[..buckets.len()].iter().map(|&n| int(n)));
            if self.domain != Domain::Registry {
                row.extend([int(e.bytes_in), int(e.bytes_out)]);
            }
            let mut ops: Vec<(&str, u64)> = e.operations.into_iter().collect();
            ops.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            let ops: Vec<String> = ops.iter().map(|(op, n)| format!("{op}: {n}")).collect();
            row.push(Value::Text(ops.join(", ")));
            table.rows.push(row);
        }
        table
    }
}

/// Bytes a ReadFile / WriteFile moved: the transferred count when known, else the length
/// asked for when the operation succeeded.
pub(crate) fn transferred(event: &Event<'_>) -> u64 {
    let rw = FsDetails::decode(event).ok().and_then(|d| d.read_write());
    match rw {
        Some(rw) => match rw.transferred {
            Some(n) => u64::from(n),
            None if event.result() == 0 => u64::from(rw.length),
            None => 0,
        },
        None => 0,
    }
}

/// The `Length: 1,234` number of a Detail string, 0 when absent.
fn detail_length(detail: &str) -> u64 {
    let Some(at) = detail.find("Length: ") else {
        return 0;
    };
    detail[at + 8..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(0)
}
