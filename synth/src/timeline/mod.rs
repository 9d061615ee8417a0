//! A small capture under construction: processes, and events collected out of order and
//! written sorted by time. The operations themselves are in [`emit`].

mod emit;

use std::path::Path;

use pml_parser::writer::blobs::Blob;
use pml_parser::writer::{EventRecord, PmlWriter, ProcessRecord, SystemInfo, WriteError};
use pml_parser::{EventClass, FileTime, Module};

use crate::catalog::{Program, DRIVERS, SYSTEM_DLLS};
use crate::rng::Rng;

/// NTSTATUS codes the scenarios use.
pub mod status {
    /// STATUS_SUCCESS.
    pub const SUCCESS: u32 = 0;
    /// STATUS_OBJECT_NAME_NOT_FOUND.
    pub const NAME_NOT_FOUND: u32 = 0xC000_0034;
    /// STATUS_SHARING_VIOLATION.
    pub const SHARING_VIOLATION: u32 = 0xC000_0043;
    /// STATUS_ACCESS_DENIED.
    pub const ACCESS_DENIED: u32 = 0xC000_0022;
    /// STATUS_DELETE_PENDING.
    pub const DELETE_PENDING: u32 = 0xC000_0056;
}

/// Access masks as the I/O manager passes them (generic bits already mapped).
pub mod access {
    /// Generic Read.
    pub const GENERIC_READ: u32 = 0x0012_0089;
    /// Generic Write (with Read Attributes, as CreateFileW(GENERIC_WRITE) asks).
    pub const GENERIC_WRITE: u32 = 0x0012_0196;
    /// Read Attributes + Synchronize: a metadata probe.
    pub const READ_ATTRIBUTES: u32 = 0x0010_0080;
    /// Delete + Read Attributes + Synchronize: what DeleteFileW asks for.
    pub const DELETE: u32 = 0x0011_0080;
}

/// 100 ns ticks per millisecond.
pub const MS: u64 = 10_000;

/// A process of the capture, as scenarios refer to it.
#[derive(Debug, Clone, Copy)]
pub struct Proc {
    /// Process index.
    pub index: u32,
    /// PID.
    pub pid: u32,
    /// Main thread id.
    pub tid: u32,
    /// Process name.
    pub name: &'static str,
    /// What it runs.
    pub program: &'static Program,
}

/// An event of a timeline, with absolute time.
pub struct SynthEvent {
    /// Start time (FILETIME ticks).
    pub time: u64,
    seq: u64,
    /// Process index.
    pub process_index: u32,
    /// Thread id.
    pub tid: u32,
    /// Class.
    pub class: EventClass,
    /// Operation.
    pub operation: u16,
    /// Duration in ticks.
    pub duration: u64,
    /// NTSTATUS.
    pub result: u32,
    /// Detail and extra blobs.
    pub blob: Blob,
    /// Stack frames.
    pub stack: Vec<u64>,
}

impl SynthEvent {
    /// The record to write, at time `time` on thread `tid`, with or without its stack.
    pub fn record(&self, time: u64, tid: u32, with_stack: bool) -> EventRecord<'_> {
        EventRecord {
            process_index: self.process_index,
            tid,
            class: self.class,
            operation: self.operation,
            duration: self.duration,
            time: FileTime(time),
            result: self.result,
            stack: if with_stack { &self.stack } else { &[] },
            detail: &self.blob.detail,
            extra: self.blob.extra.as_deref(),
        }
    }
}

/// How an open asks for the file.
#[derive(Debug, Clone, Copy)]
pub struct Open {
    /// Desired access.
    pub access: u32,
    /// Share mode (0 = exclusive).
    pub share: u16,
    /// Disposition.
    pub disposition: u8,
    /// Open result on success (1 opened, 2 created, 3 overwritten).
    pub open_result: u32,
    /// CreateOptions (0x1000 = delete on close).
    pub options: u32,
}

impl Open {
    /// Read, sharing read/write/delete: what scanners and loaders do.
    pub const READ_SHARED: Open = Open {
        access: access::GENERIC_READ,
        share: 7,
        disposition: 1,
        open_result: 1,
        options: 0x60,
    };
    /// Read, sharing read only: what compilers do with their inputs.
    pub const READ: Open = Open {
        access: access::GENERIC_READ,
        share: 1,
        disposition: 1,
        open_result: 1,
        options: 0x60,
    };
    /// Create or overwrite for writing, sharing read only.
    pub const WRITE: Open = Open {
        access: access::GENERIC_WRITE,
        share: 1,
        disposition: 5,
        open_result: 2,
        options: 0x60,
    };
    /// Open to delete or rename (DELETE and Read Attributes, sharing everything, not following
    /// a reparse point): what DeleteFile and MoveFileEx open a file with before they set its
    /// disposition or rename it.
    pub const REMOVE: Open = Open {
        access: access::DELETE,
        share: 7,
        disposition: 1,
        open_result: 1,
        options: 0x0020_0040,
    };
    /// Open to delete (DELETE access, delete on close), sharing everything: `del`.
    pub const DELETE: Open = Open {
        access: access::DELETE,
        share: 7,
        disposition: 1,
        open_result: 1,
        options: 0x1060,
    };
}

/// The capture being built.
pub struct Timeline {
    wide: bool,
    /// Capture start.
    pub t0: u64,
    processes: Vec<ProcessRecord>,
    events: Vec<SynthEvent>,
    seq: u64,
    next_index: u32,
    next_tid: u32,
    rng: Rng,
}

/// Capture start of every scenario: 2026-03-14 09:30:00 UTC.
pub const CAPTURE_START: u64 = 134_179_542_000_000_000;

impl Timeline {
    /// An empty capture of the given bitness; `rng` drives stack and duration details.
    pub fn new(wide: bool, rng: Rng) -> Timeline {
        Timeline {
            wide,
            t0: CAPTURE_START,
            processes: Vec::new(),
            events: Vec::new(),
            seq: 0,
            next_index: 512,
            next_tid: 9000,
            rng,
        }
    }

    /// The absolute time `ms` milliseconds (plus `ticks`) after capture start.
    pub fn at(&self, ms: u64) -> u64 {
        self.t0 + ms * MS
    }

    /// True for a 64-bit capture.
    pub fn is_64bit(&self) -> bool {
        self.wide
    }

    /// A fresh thread id.
    pub fn new_tid(&mut self) -> u32 {
        self.next_tid += 4 * (1 + self.rng.below(6) as u32);
        self.next_tid
    }

    fn image_base(&self, slot: u64, exe: bool) -> u64 {
        match (self.wide, exe) {
            (true, true) => 0x7ff6_0000_0000 + slot * 0x0100_0000,
            (true, false) => 0x7ffa_0000_0000 + slot * 0x0100_0000,
            (false, true) => 0x0040_0000,
            (false, false) => 0x7000_0000 + slot * 0x0040_0000,
        }
    }

    fn kernel_base(&self, slot: u64) -> u64 {
        if self.wide {
            0xffff_f801_2000_0000 + slot * 0x0200_0000
        } else {
            0x8200_0000 + slot * 0x0200_0000
        }
    }

    fn modules_of(&self, program: &Program) -> Vec<Module> {
        let module =
            |base: u64, size: u32, path: &str, desc: &str, company: &str, version: &str| Module {
                base,
                size,
                path: path.into(),
                version: version.into(),
                company: company.into(),
                description: desc.into(),
                timestamp: 0x6571_0000 + (size >> 8),
            };
        if program.name == "System" {
            return DRIVERS
                .iter()
                .enumerate()
                .map(|(i, (path, size, desc))| {
                    module(
                        self.kernel_base(i as u64),
                        *size,
                        path,
                        desc,
                        "Microsoft Corporation",
                        "10.0.19041.3636",
                    )
                })
                .collect();
        }
        let mut out = vec![module(
            self.image_base(1, true),
            program.image_size,
            program.image,
            program.description,
            program.company,
            program.version,
        )];
        for (i, (path, size)) in SYSTEM_DLLS.iter().chain(program.dlls).enumerate() {
            let name = path.rsplit('\\').next().unwrap_or(path);
            out.push(module(
                self.image_base(i as u64 + 1, false),
                *size,
                path,
                name,
                "Microsoft Corporation",
                "10.0.19041.3636",
            ));
        }
        out
    }

    fn add_record(
        &mut self,
        program: &'static Program,
        pid: u32,
        parent: Option<Proc>,
        start: u64,
        command_line: &str,
    ) -> Proc {
        let index = self.next_index;
        self.next_index += 1 + self.rng.below(3) as u32;
        let tid = if pid == 4 { 8 } else { self.new_tid() };
        let account = program.account;
        let name = program.name;
        self.processes.push(ProcessRecord {
            index,
            pid,
            parent_pid: parent.map_or(0, |p| p.pid),
            parent_index: parent.map_or(0, |p| p.index),
            authentication_id: account.logon(),
            session: account.session(),
            start_time: FileTime(start),
            end_time: FileTime(0),
            virtualized: 0,
            is_64bit: self.wide,
            integrity: account.integrity().into(),
            user: account.user().into(),
            name: name.into(),
            image_path: program.image.into(),
            command_line: command_line.into(),
            company: program.company.into(),
            version: program.version.into(),
            description: program.description.into(),
            modules: self.modules_of(program),
        });
        Proc {
            index,
            pid,
            tid,
            name,
            program,
        }
    }

    /// A process already running when the capture began (no events of its own yet).
    pub fn running(
        &mut self,
        program: &'static Program,
        pid: u32,
        parent: Option<Proc>,
        started_ms_before: u64,
    ) -> Proc {
        let start = self.t0 - started_ms_before * MS;
        self.add_record(program, pid, parent, start, program.command_line)
    }

    fn record_mut(&mut self, p: Proc) -> &mut ProcessRecord {
        let i = self
            .processes
            .iter()
            .position(|r| r.index == p.index)
            .expect("process of this timeline");
        &mut self.processes[i]
    }

    fn stack_for(&mut self, p: Proc, class: EventClass) -> Vec<u64> {
        let mut frames = Vec::with_capacity(6);
        let kernel_frames = if class == EventClass::FileSystem {
            2
        } else {
            1
        };
        // FLTMGR (slot 2) for file-system events, then ntoskrnl (slot 0).
        if class == EventClass::FileSystem {
            frames.push(self.kernel_base(2) + 0x4000 + self.rng.below(0x30000) * 4);
        }
        for _ in frames.len()..kernel_frames {
            frames.push(self.kernel_base(0) + 0x20_0000 + self.rng.below(0x100000) * 4);
        }
        if p.pid != 4 {
            // ntdll, KernelBase, then the program's image.
            frames.push(self.image_base(1, false) + 0x9d000 + self.rng.below(0x400) * 4);
            frames.push(self.image_base(3, false) + 0x2000 + self.rng.below(0x8000) * 4);
            let size = u64::from(p.program.image_size.max(0x2000));
            frames
                .push(self.image_base(1, true) + 0x1000 + self.rng.below((size - 0x1000) / 4) * 4);
        }
        frames
    }

    /// Adds an event at absolute time `t` (any order; events are sorted by time at the end).
    #[allow(clippy::too_many_arguments)]
    pub fn event(
        &mut self,
        p: Proc,
        tid: u32,
        t: u64,
        class: EventClass,
        operation: u16,
        result: u32,
        blob: Blob,
    ) {
        let duration = match class {
            EventClass::FileSystem => 5 + self.rng.below(400),
            EventClass::Registry => 3 + self.rng.below(60),
            _ => 0,
        };
        let stack = self.stack_for(p, class);
        self.seq += 1;
        self.events.push(SynthEvent {
            time: t,
            seq: self.seq,
            process_index: p.index,
            tid,
            class,
            operation,
            duration,
            result,
            blob,
            stack,
        });
    }

    /// Keeps only the events `keep` accepts, as ProcMon's "save filtered events" does.
    pub fn retain(&mut self, keep: impl Fn(&SynthEvent) -> bool) {
        self.events.retain(|e| keep(e));
    }

    /// Removes and returns the events so far, sorted by time (ties keep their emission order).
    pub fn take_events(&mut self) -> Vec<SynthEvent> {
        let mut events = std::mem::take(&mut self.events);
        events.sort_by_key(|e| (e.time, e.seq));
        events
    }

    /// The process records and the remaining events, sorted by time.
    pub fn into_parts(mut self) -> (Vec<ProcessRecord>, Vec<SynthEvent>) {
        let events = self.take_events();
        (self.processes, events)
    }

    /// Writes the capture, events sorted by time (`cut_off`: as a capture ProcMon was killed
    /// during, see [`PmlWriter::finish_cut_off`]). Returns the number of events.
    pub fn write(self, path: &Path, computer: &str, cut_off: bool) -> Result<u64, WriteError> {
        let wide = self.wide;
        let (processes, events) = self.into_parts();
        let mut w = PmlWriter::create(path, system_info(wide, computer))?;
        add_machine_tables(&mut w, processes);
        for e in &events {
            w.write_event(&e.record(e.time, e.tid, true))?;
        }
        let n = w.event_count();
        if cut_off {
            w.finish_cut_off()?;
        } else {
            w.finish()?;
        }
        Ok(n)
    }
}

/// The header's system details for a synthesized capture.
pub fn system_info(wide: bool, computer: &str) -> SystemInfo {
    SystemInfo {
        computer_name: computer.into(),
        is_64bit: wide,
        max_user_address: if wide { 0x7fff_fffe_ffff } else { 0x7ffe_ffff },
        ..SystemInfo::default()
    }
}

/// Adds the processes and the machine's host and port names to a capture being written.
pub fn add_machine_tables<W: std::io::Write + std::io::Seek>(
    w: &mut PmlWriter<W>,
    processes: Vec<ProcessRecord>,
) {
    for p in processes {
        w.add_process(p);
    }
    w.add_host(
        [10, 20, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        "buildcache.corp.example",
    );
    w.add_port(443, true, "https");
    w.add_port(445, true, "microsoft-ds");
}
