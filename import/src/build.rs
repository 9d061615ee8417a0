//! Rows of an export written as events of a PML capture: processes keyed by what the export
//! gives (the XML's process index, or PID and process name in a CSV), times from the date and
//! time columns, operations and results by name, details rebuilt from the Detail text.

use std::collections::{BTreeMap, HashMap};
use std::io::{Seek, Write};

use pml_parser::ops::process_op;
use pml_parser::writer::{EventRecord, PmlWriter};
use pml_parser::{Column, EventClass, FileTime, Process};

use crate::detail::{self, DetailInput};
use crate::locale::{Locale, DAY_TICKS};
use crate::names;
use crate::report::{Report, Warning};
use crate::row::Row;

/// Half a day in ticks: a time of day that goes back by more than this passed midnight.
const HALF_DAY: u64 = DAY_TICKS / 2;

/// Writes rows as events.
pub(crate) struct Builder<W: Write + Seek> {
    writer: PmlWriter<W>,
    locale: Locale,
    has: [bool; 27],
    processes: Vec<Process>,
    exited: Vec<bool>,
    /// (PID, process name) → position in `processes` (CSV exports).
    by_key: HashMap<(u32, String), usize>,
    /// XML process index → position in `processes`.
    by_index: HashMap<u32, usize>,
    day: i64,
    last_time_of_day: Option<u64>,
    pub(crate) report: Report,
    partly: BTreeMap<String, u64>,
    /// QueryDirectory layouts every event printed as so far (bits of [`detail::LAYOUTS`]),
    /// `None` until one tells.
    layouts: Option<u8>,
    unknown_operations: BTreeMap<String, u64>,
    unknown_results: BTreeMap<String, u64>,
    bad_times: u64,
    first_bad: Option<u64>,
    /// Processes whose process-level columns came from a row of their own (not only from
    /// the Process Create that named them); for the processes of an XML's list, whose
    /// session came from the list or from a row.
    filled: Vec<bool>,
    /// Host names of network paths → the address they stand for in the capture.
    hosts: HashMap<String, [u8; 16]>,
    /// (port name, TCP) → the port number it stands for.
    ports: HashMap<(String, bool), u16>,
}

fn has(has: &[bool; 27], column: Column) -> bool {
    has[crate::row::slot(column)]
}

impl<W: Write + Seek> Builder<W> {
    pub(crate) fn new(
        writer: PmlWriter<W>,
        locale: Locale,
        columns: &[Column],
        processes: Vec<Process>,
        sessions_listed: &[bool],
    ) -> Builder<W> {
        let mut present = [false; 27];
        for &c in columns {
            present[crate::row::slot(c)] = true;
        }
        let by_index = processes
            .iter()
            .enumerate()
            .map(|(at, p)| (p.index, at))
            .collect();
        let exited = vec![false; processes.len()];
        // A listed process whose session the list does not give takes it from its events.
        let filled = (0..processes.len())
            .map(|at| sessions_listed.get(at).copied().unwrap_or(true))
            .collect();
        Builder {
            writer,
            locale,
            has: present,
            processes,
            exited,
            by_key: HashMap::new(),
            by_index,
            day: 0,
            last_time_of_day: None,
            report: Report {
                locale,
                columns: columns.to_vec(),
                ..Report::default()
            },
            partly: BTreeMap::new(),
            layouts: None,
            unknown_operations: BTreeMap::new(),
            unknown_results: BTreeMap::new(),
            bad_times: 0,
            first_bad: None,
            filled,
            hosts: HashMap::new(),
            ports: HashMap::new(),
        }
    }

    /// The event time of a row, `None` when its time cells cannot be read.
    fn time(&mut self, row: &Row) -> Option<FileTime> {
        let date_time = match row.get(Column::DateTime) {
            Some(cell) => Some(self.locale.date_time(cell)?),
            None => None,
        };
        let time_of_day = match row.get(Column::TimeOfDay) {
            Some(cell) => Some(self.locale.time_of_day(cell)?),
            None => None,
        };
        let (days, ticks) = match (date_time, time_of_day) {
            (Some((days, _)), Some(t)) => (days, t),
            (Some((days, t)), None) => (days, t),
            (None, Some(t)) => {
                if self
                    .last_time_of_day
                    .is_some_and(|last| t + HALF_DAY < last)
                {
                    self.day += 1;
                }
                self.last_time_of_day = Some(t);
                (self.day, t)
            }
            (None, None) => (0, self.report.events),
        };
        let ticks = u64::try_from(days).ok()?.checked_mul(DAY_TICKS)? + ticks;
        Some(FileTime(ticks))
    }

    fn duration(&self, row: &Row, time: FileTime) -> u64 {
        if let Some(d) = row
            .get(Column::Duration)
            .and_then(|c| self.locale.seconds(c))
        {
            return d;
        }
        match row
            .get(Column::CompletionTime)
            .and_then(|c| self.locale.time_of_day(c))
        {
            Some(done) => {
                let start = time.0 % DAY_TICKS;
                (done + DAY_TICKS - start) % DAY_TICKS
            }
            None => 0,
        }
    }

    /// The position in `processes` of the process of a row, added when new.
    fn process_of(&mut self, row: &Row, time: FileTime, starts: bool) -> usize {
        if let Some(&at) = row.process_index.and_then(|i| self.by_index.get(&i)) {
            if !self.filled[at] {
                if let Some(session) = row.get(Column::Session).and_then(parse_u32) {
                    self.processes[at].session = session;
                    self.filled[at] = true;
                }
            }
            return at;
        }
        let pid = row.get(Column::Pid).and_then(parse_u32).unwrap_or(0);
        let name = row.get(Column::ProcessName).unwrap_or("").to_string();
        let key = (pid, name);
        if let Some(&at) = self.by_key.get(&key) {
            if !(starts && self.exited[at]) {
                if !self.filled[at] {
                    self.filled[at] = true;
                    self.fill_process(at, row);
                }
                return at;
            }
        }
        let at = self.add_process(key.clone(), time);
        self.fill_process(at, row);
        at
    }

    fn add_process(&mut self, key: (u32, String), time: FileTime) -> usize {
        let at = self.processes.len();
        let index = row_index_base(&self.by_index) + at as u32;
        self.processes.push(Process {
            index,
            pid: key.0,
            name: key.1.as_str().into(),
            start_time: time,
            ..Process::default()
        });
        self.exited.push(false);
        self.filled.push(true);
        self.by_key.insert(key, at);
        at
    }

    /// Fills the process-level columns of a process from a row of its own.
    fn fill_process(&mut self, at: usize, row: &Row) {
        let p = &mut self.processes[at];
        let text = |c| row.get(c).map(std::sync::Arc::<str>::from);
        if let Some(v) = text(Column::ImagePath) {
            p.image_path = v;
        }
        if let Some(v) = text(Column::CommandLine) {
            p.command_line = v;
        }
        if let Some(v) = text(Column::Company) {
            p.company = v;
        }
        if let Some(v) = text(Column::Description) {
            p.description = v;
        }
        if let Some(v) = text(Column::Version) {
            p.version = v;
        }
        if let Some(v) = text(Column::User) {
            p.user = v;
        }
        if let Some(v) = text(Column::Integrity) {
            p.integrity = v;
        }
        if let Some(v) = row.get(Column::Session).and_then(parse_u32) {
            p.session = v;
        }
        if let Some(v) = row.get(Column::ParentPid).and_then(parse_u32) {
            p.parent_pid = v;
        }
        if let Some((high, low)) = row
            .get(Column::AuthenticationId)
            .and_then(|v| v.split_once(':'))
        {
            let high = u64::from_str_radix(high.trim(), 16).unwrap_or(0);
            let low = u64::from_str_radix(low.trim(), 16).unwrap_or(0);
            p.authentication_id = (high << 32) | low;
        }
        match row.get(Column::Virtualized) {
            Some("True") => p.virtualized = 1,
            Some("False") => p.virtualized = 0,
            Some(_) => p.virtualized = 2,
            None => {}
        }
        if let Some(arch) = row.get(Column::Architecture) {
            p.is_64bit = arch != "32-bit";
        }
    }

    /// Writes one row as an event; a row that cannot be one is counted and left out.
    pub(crate) fn push(&mut self, row: &Row) -> Result<(), pml_parser::writer::WriteError> {
        self.report.rows += 1;
        let op_name = row.get(Column::Operation).unwrap_or("");
        let Some(operation) = names::operation(op_name).or_else(|| unknown_operation(op_name, row))
        else {
            *self
                .unknown_operations
                .entry(op_name.to_string())
                .or_default() += 1;
            self.skip();
            return Ok(());
        };
        if let Some(class) = row.get(Column::EventClass) {
            if !class.is_empty() && class != operation.class.name() {
                *self
                    .unknown_operations
                    .entry(format!("{op_name} ({class})"))
                    .or_default() += 1;
                self.skip();
                return Ok(());
            }
        }
        let Some(time) = self.time(row) else {
            self.bad_times += 1;
            self.skip();
            return Ok(());
        };
        let result_cell = row.get(Column::Result).unwrap_or("SUCCESS");
        let result = names::result_code(result_cell).unwrap_or_else(|| {
            *self
                .unknown_results
                .entry(result_cell.to_string())
                .or_default() += 1;
            0xC000_0001
        });
        let is_process = operation.class == EventClass::Process;
        let starts = is_process && operation.code == process_op::PROCESS_START;
        let at = self.process_of(row, time, starts);
        let (path, text) = (
            row.get(Column::Path).unwrap_or(""),
            row.get(Column::Detail).unwrap_or(""),
        );
        let mut child = None;
        if is_process && operation.code == process_op::PROCESS_CREATE {
            if let Some((pid, command_line)) = detail::created_process(text) {
                let name = path.rsplit('\\').next().unwrap_or(path).to_string();
                let parent = &self.processes[at];
                let (parent_index, parent_pid) = (parent.index, parent.pid);
                // In an XML export the process list has the child: the one with its PID that
                // started nearest the Process Create.
                let listed = self
                    .by_index
                    .values()
                    .copied()
                    .filter(|&c| self.processes[c].pid == pid)
                    .min_by_key(|&c| self.processes[c].start_time.0.abs_diff(time.0));
                let child_at = match self.by_key.get(&(pid, name.clone())).copied().or(listed) {
                    Some(c) if !self.exited[c] => c,
                    _ => {
                        let c = self.add_process((pid, name), time);
                        self.filled[c] = false;
                        let p = &mut self.processes[c];
                        p.image_path = path.into();
                        p.command_line = command_line.into();
                        c
                    }
                };
                let p = &mut self.processes[child_at];
                p.parent_pid = parent_pid;
                p.parent_index = parent_index;
                child = Some((p.index, parent_index, parent_pid));
            }
        }
        if is_process && operation.code == process_op::PROCESS_EXIT {
            self.exited[at] = true;
            // An XML's process list gives the end time ProcMon recorded.
            if self.processes[at].end_time.0 == 0 {
                self.processes[at].end_time = time;
            }
        }
        let tid = row.get(Column::Tid).and_then(parse_u32).unwrap_or(0);
        let input = DetailInput {
            operation,
            path,
            detail: text,
            wide: self.writer.is_64bit(),
            time,
            tid,
            locale: self.locale,
        };
        let blob = if operation.class == EventClass::Network {
            self.network_blob(operation.is_tcp, path, text)
        } else {
            detail::blob(&input, child)
        };
        let check = detail::check(&input, &blob);
        if !check.kept {
            *self.partly.entry(op_name.to_string()).or_default() += 1;
        }
        if let Some(mask) = check.layouts {
            self.layouts = Some(self.layouts.unwrap_or(u8::MAX) & mask);
        }
        let frames: Vec<u64> = row
            .frames
            .iter()
            .take(usize::from(u16::MAX))
            .copied()
            .collect();
        self.writer.write_event(&EventRecord {
            process_index: self.processes[at].index,
            tid,
            class: operation.class,
            operation: operation.code,
            duration: self.duration(row, time),
            time,
            result,
            stack: &frames,
            detail: &blob.detail,
            extra: blob.extra.as_deref(),
        })?;
        self.report.events += 1;
        Ok(())
    }

    /// A network event's blob: the endpoints of its path (`host:port -> host:port`; names
    /// stand for addresses and ports the capture's name tables give back), the length and the
    /// key/value pairs of its Detail.
    fn network_blob(
        &mut self,
        is_tcp: bool,
        path: &str,
        text: &str,
    ) -> pml_parser::writer::blobs::Blob {
        let (source, destination) = path.split_once(" -> ").unwrap_or((path, ""));
        let mut flags: u16 = if is_tcp { 4 } else { 0 };
        let mut blob = vec![0u8; 44];
        for (i, end) in [source, destination].into_iter().enumerate() {
            let (host, port) = end.rsplit_once(':').unwrap_or((end, "0"));
            let (address, v4) = self.host_address(host);
            if v4 {
                flags |= 1 << i;
            }
            blob[8 + 16 * i..24 + 16 * i].copy_from_slice(&address);
            let port = self.port_number(port, is_tcp);
            blob[40 + 2 * i..42 + 2 * i].copy_from_slice(&port.to_le_bytes());
        }
        blob[0..2].copy_from_slice(&flags.to_le_bytes());
        let mut pairs = text.split(", ");
        let length = pairs
            .next()
            .and_then(|first| first.strip_prefix("Length: "))
            .and_then(|n| n.trim().parse::<u32>().ok())
            .unwrap_or(0);
        blob[4..8].copy_from_slice(&length.to_le_bytes());
        for pair in pairs {
            let (key, value) = pair.split_once(": ").unwrap_or((pair, ""));
            for part in [key, value] {
                for unit in part.encode_utf16() {
                    blob.extend_from_slice(&unit.to_le_bytes());
                }
                blob.extend_from_slice(&[0, 0]);
            }
        }
        pml_parser::writer::blobs::Blob {
            detail: blob,
            extra: None,
        }
    }

    /// The address of a host as a path names it: an IPv4 or IPv6 address as such, a name as
    /// an address of the reserved 240.0.0.0/4 range registered under that name.
    fn host_address(&mut self, host: &str) -> ([u8; 16], bool) {
        let mut address = [0u8; 16];
        if let Ok(v4) = host.parse::<std::net::Ipv4Addr>() {
            address[..4].copy_from_slice(&v4.octets());
            return (address, true);
        }
        if let Ok(v6) = host.trim_matches(['[', ']']).parse::<std::net::Ipv6Addr>() {
            return (v6.octets(), false);
        }
        if let Some(a) = self.hosts.get(host) {
            return (*a, true);
        }
        let n = 0xF000_0000u32 + self.hosts.len() as u32 + 1;
        address[..4].copy_from_slice(&n.to_be_bytes());
        self.hosts.insert(host.to_string(), address);
        self.writer.add_host(address, host);
        (address, true)
    }

    /// The number of a port as a path names it: a number as such, a service name (`https`) as
    /// a number from 65535 down registered under that name.
    fn port_number(&mut self, port: &str, is_tcp: bool) -> u16 {
        if let Ok(n) = port.parse() {
            return n;
        }
        let key = (port.to_string(), is_tcp);
        if let Some(n) = self.ports.get(&key) {
            return *n;
        }
        let n = u16::MAX - self.ports.len() as u16;
        self.ports.insert(key, n);
        self.writer.add_port(n, is_tcp, port);
        n
    }

    fn skip(&mut self) {
        self.report.skipped += 1;
        self.first_bad.get_or_insert(self.report.rows);
    }

    /// Writes the process table and the capture's end; returns the writer and the report.
    pub(crate) fn finish(
        mut self,
        xml: bool,
    ) -> Result<(W, Report), pml_parser::writer::WriteError> {
        for p in self.processes.drain(..) {
            self.writer.add_process(p);
        }
        let out = self.writer.finish()?;
        let mut report = self.report;
        let warn = |report: &mut Report, code, message: String| {
            report.warnings.push(Warning { code, message })
        };
        let missing: Vec<&str> = Column::ALL
            .iter()
            .filter(|&&c| !has(&self.has, c) && c != Column::Sequence)
            .map(|c| c.name())
            .collect();
        if !missing.is_empty() {
            warn(
                &mut report,
                "columns-missing",
                format!(
                    "the export has no {} column(s): they show as empty or zero",
                    missing.join(", ")
                ),
            );
        }
        if !has(&self.has, Column::DateTime) && has(&self.has, Column::TimeOfDay) {
            warn(&mut report, "date-missing", "no Date & Time column: dates count from 1/1/1601 (day 0), one day later at each midnight".into());
        } else if !has(&self.has, Column::TimeOfDay) && has(&self.has, Column::DateTime) {
            warn(
                &mut report,
                "time-in-seconds",
                "no Time of Day column: times are whole seconds (from Date & Time)".into(),
            );
        } else if !has(&self.has, Column::TimeOfDay) {
            warn(
                &mut report,
                "time-missing",
                "no time columns: events are 100 ns apart in the export's order".into(),
            );
        }
        if !has(&self.has, Column::Duration) {
            let from = if has(&self.has, Column::CompletionTime) {
                "taken from Completion Time"
            } else {
                "zero"
            };
            warn(
                &mut report,
                "duration-missing",
                format!("no Duration column: durations are {from}"),
            );
        }
        warn(
            &mut report,
            "time-zone",
            "the export does not say its time zone: its times are read as UTC".into(),
        );
        if !xml {
            warn(
                &mut report,
                "no-stacks",
                "a CSV export has no stacks".into(),
            );
            warn(
                &mut report,
                "process-instances",
                "a CSV export has no process instances: PID and process name stand in for them (a new instance at each Process Start after an exit)".into(),
            );
        }
        if !self.partly.is_empty() {
            let total: u64 = self.partly.values().sum();
            warn(
                &mut report,
                "detail-partly-kept",
                format!(
                    "the Detail of {total} event(s) was kept only in part (what pml could not read back reads as zero; the capture does not print these Details as the export does): {}",
                    counts(&self.partly)
                ),
            );
        }
        // The build whose QueryDirectory layout every event showed: 3.5x (what a capture that
        // names no ProcMon is rendered as) when it fits, else the newest that does.
        report.procmon_build = self.layouts.filter(|&m| m != 0).map(|mask| {
            let fits = |i: usize| mask & (1 << i) != 0;
            if fits(1) {
                detail::LAYOUTS[1]
            } else if fits(2) {
                detail::LAYOUTS[2]
            } else {
                detail::LAYOUTS[0]
            }
        });
        if !self.unknown_operations.is_empty() {
            warn(
                &mut report,
                "operation-unknown",
                format!(
                    "rows left out, operation unknown: {}",
                    counts(&self.unknown_operations)
                ),
            );
        }
        if !self.unknown_results.is_empty() {
            warn(
                &mut report,
                "result-unknown",
                format!(
                    "results pml does not know, read as UNSUCCESSFUL: {}",
                    counts(&self.unknown_results)
                ),
            );
        }
        if self.bad_times > 0 {
            let locale = report.locale;
            warn(
                &mut report,
                "time-unreadable",
                format!(
                    "{} row(s) left out: their time cells do not read as {} (use --locale)",
                    self.bad_times, locale
                ),
            );
        }
        if let Some(first) = self.first_bad {
            report.first_skipped_row = Some(first);
        }
        Ok((out, report))
    }
}

/// ProcMon's `<Unknown>` operation of a known event class: an operation code no class has.
fn unknown_operation(name: &str, row: &Row) -> Option<names::Operation> {
    let class = row.get(Column::EventClass)?;
    let class = EventClass::ALL.into_iter().find(|c| c.name() == class)?;
    (name == "<Unknown>").then_some(names::Operation {
        class,
        code: 0xFFFE,
        sub_op: 0,
        is_tcp: false,
    })
}

/// Process indexes for processes a CSV names start above the XML's own.
fn row_index_base(by_index: &HashMap<u32, usize>) -> u32 {
    by_index.keys().max().map_or(1, |m| m.saturating_add(1))
}

fn parse_u32(text: &str) -> Option<u32> {
    text.trim().parse().ok()
}

/// `name (count), ...`, most frequent first, at most 8.
fn counts(map: &BTreeMap<String, u64>) -> String {
    let mut items: Vec<(&String, &u64)> = map.iter().collect();
    items.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut text: Vec<String> = items
        .iter()
        .take(8)
        .map(|(name, n)| format!("{name} ({n})"))
        .collect();
    if items.len() > 8 {
        text.push(format!("{} more", items.len() - 8));
    }
    text.join(", ")
}
