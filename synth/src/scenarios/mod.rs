//! The failure stories: each plants one real build failure (or a near miss that must stay
//! silent) among background noise, and lists the findings the analyzer must report.

use std::collections::BTreeSet;
use std::path::Path;

mod failures;
mod holds;
mod pairs;
mod races;
mod removals;
mod spellings;

pub use holds::antivirus_lock;
pub use pairs::{pair, pair_paths, run, ExpectedDiff, ExpectedDifference, Run, PAIRS};
pub use races::seed_race;

use pml_parser::ops::{fs_op, process_op};
use pml_parser::EventClass;

use crate::catalog::{Program, RegData};
use crate::expected::{Expected, Findings};
use crate::noise::{self, Machine};
use crate::rng::Rng;
use crate::timeline::{status, Open, Proc, Timeline, MS};
use crate::{write_expected, Error, Options, Result};

/// The names [`scenario`] accepts, one per story (`pml synth` also accepts `bulk`).
pub const SCENARIOS: &[&str] = &[
    "seed-race",
    "antivirus-lock",
    "closed-before-spawn",
    "spawn-outside-window",
    "unmatched-opens",
    "pid-reuse",
    "msbuild-node",
    "missing-header",
    "installer-denied",
    "delete-pending",
    "exe-in-use",
    "handle-leak",
    "filtered-save",
    "delete-refused",
    "rename-refused",
    "volume-spelling",
];

/// The generated file the seed-race family fights over.
const GEN_FILE: &str = "C:\\build\\gen\\parser.cpp";

/// The object file Defender locks.
const OBJ_FILE: &str = "C:\\build\\obj\\main.obj";

/// Hands out PIDs: multiples of 4, never one in use (unless reused on purpose).
pub struct Pids {
    used: BTreeSet<u32>,
}

impl Pids {
    /// Knows the PIDs of the machine's processes.
    pub fn new(m: &Machine) -> Pids {
        Pids {
            used: [
                m.system,
                m.svchost,
                m.svchost_ls,
                m.explorer,
                m.msmpeng,
                m.shell,
            ]
            .iter()
            .map(|p| p.pid)
            .collect(),
        }
    }

    /// A fresh PID.
    pub fn fresh(&mut self, rng: &mut Rng) -> u32 {
        loop {
            let pid = (1000 + rng.below(7000) * 4) as u32;
            if self.used.insert(pid) {
                return pid;
            }
        }
    }
}

/// Writes scenario `name` (one of [`SCENARIOS`]) to `output` and its expected findings beside it
/// (at [`expected_path`](crate::expected_path)`(output)`); returns those findings.
pub fn scenario(name: &str, output: &Path, options: &Options) -> Result<Expected> {
    let Some(built) = build(name, options.seed, options.is_64bit) else {
        return Err(Error::UnknownScenario { name: name.into() });
    };
    let events = built
        .timeline
        .write(output, "BUILD01", options.cut_off)
        .map_err(|source| Error::io(output, source))?;
    let expected = built.findings.into_expected(name, options.seed, events);
    write_expected(output, &expected)?;
    Ok(expected)
}

/// A built scenario: the capture to write and the findings it must produce.
struct Built {
    /// The capture.
    timeline: Timeline,
    /// Its findings.
    findings: Findings,
}

/// Builds scenario `name` (one of [`SCENARIOS`]).
fn build(name: &str, seed: u64, wide: bool) -> Option<Built> {
    let mut rng = Rng::new(seed ^ 0x5EED_0000_0000 ^ name.len() as u64);
    let mut tl = Timeline::new(wide, rng.fork());
    let m = Machine::boot(&mut tl, &mut rng);
    let mut pids = Pids::new(&m);
    let mut f = Findings::default();
    let mut s = Story {
        tl: &mut tl,
        rng: rng.fork(),
        m: &m,
        pids: &mut pids,
        f: &mut f,
    };
    // Every story starts 300 ms into the capture.
    let t0 = s.tl.at(300);
    let end = match name {
        "seed-race" => seed_race(&mut s, t0, GEN_FILE),
        "antivirus-lock" => antivirus_lock(&mut s, t0, OBJ_FILE),
        "closed-before-spawn" => races::closed_before_spawn(&mut s, t0),
        "spawn-outside-window" => races::spawn_outside_window(&mut s, t0),
        "unmatched-opens" => holds::unmatched_opens(&mut s, t0),
        "pid-reuse" => races::pid_reuse(&mut s, t0),
        "msbuild-node" => holds::msbuild_node(&mut s, t0),
        "missing-header" => failures::missing_header(&mut s, t0),
        "installer-denied" => failures::installer_denied(&mut s, t0),
        "delete-pending" => failures::delete_pending(&mut s, t0),
        "exe-in-use" => failures::exe_in_use(&mut s, t0),
        "handle-leak" => failures::handle_leak(&mut s, t0),
        "filtered-save" => filtered_save(&mut s, t0),
        "delete-refused" => removals::delete_refused(&mut s, t0),
        "rename-refused" => removals::rename_refused(&mut s, t0),
        "volume-spelling" => spellings::volume_spelling(&mut s, t0),
        _ => return None,
    };
    let end_ms = (end - tl.t0) / MS;
    noise::fill(&mut tl, &mut rng, &m, 0, end_ms + 400);
    if name == "filtered-save" {
        // Saved as with ProcMon's filter "Operation is CreateFile or Load Image".
        tl.retain(|e| {
            (e.class == EventClass::FileSystem && e.operation == fs_op::CREATE_FILE)
                || (e.class == EventClass::Process && e.operation == process_op::LOAD_IMAGE)
        });
    }
    Some(Built {
        timeline: tl,
        findings: f,
    })
}

/// The running EXE the linker cannot overwrite, in a capture that will be saved with only
/// CreateFile and Load Image events: the refused open and the image still show, but no close,
/// exit or leak; the analysis warns that the capture has no CloseFile and no process events.
fn filtered_save(s: &mut Story, t0: u64) -> u64 {
    let mut full = Findings::default();
    std::mem::swap(s.f, &mut full);
    let end = failures::exe_in_use(s, t0);
    std::mem::swap(s.f, &mut full);
    s.f.warning("no-close-events");
    s.f.warning("no-process-events");
    s.f.warning("exit-missing");
    s.f.keep_without_closes(&full);
    end
}

/// What a story writes into: the capture, the story's own random stream (so the noise around it
/// does not shift it), the machine, the PIDs in use and the findings.
pub struct Story<'a> {
    /// The capture.
    pub tl: &'a mut Timeline,
    /// The story's random stream.
    pub rng: Rng,
    /// The machine's long-running processes.
    pub m: &'a Machine,
    /// The PIDs in use.
    pub pids: &'a mut Pids,
    /// The findings the story plants.
    pub f: &'a mut Findings,
}

impl Story<'_> {
    /// A fresh PID.
    fn fresh_pid(&mut self) -> u32 {
        self.pids.fresh(&mut self.rng)
    }

    /// `parent` spawns `program` (with its command line) under a fresh PID; the child does its
    /// startup reads. Returns the child and the time after them.
    fn start(&mut self, parent: Proc, t: u64, program: &'static Program) -> (Proc, u64) {
        let pid = self.fresh_pid();
        self.start_with_pid(parent, t, program, pid)
    }

    /// [`start`](Story::start) with a given PID.
    fn start_with_pid(
        &mut self,
        parent: Proc,
        t: u64,
        program: &'static Program,
        pid: u32,
    ) -> (Proc, u64) {
        let (child, t) = self
            .tl
            .spawn(parent, parent.tid, t, program, pid, program.command_line);
        let t = self.startup_reads(child, t);
        (child, t)
    }

    /// A few ordinary reads a program does at startup (its own config, a DLL probe, a registry
    /// value), all closed. Returns the time after them.
    fn startup_reads(&mut self, p: Proc, t: u64) -> u64 {
        let tl = &mut *self.tl;
        let mut t = tl.reg_read(
            p,
            p.tid,
            t,
            "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager",
            "SafeDllSearchMode",
            RegData::Dword(1),
        );
        tl.probe_missing(p, p.tid, t + 100, "C:\\Windows\\System32\\wow64log.dll");
        t += 300 + self.rng.below(500);
        tl.reg_missing(
            p,
            p.tid,
            t,
            "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options",
        );
        t + 200
    }

    /// `p` reads all `size` bytes of `path` on its main thread, opened as compilers open their
    /// inputs ([`Open::READ`]). Returns the time after the close.
    fn read(&mut self, p: Proc, t: u64, path: &str, size: u64) -> u64 {
        self.tl.read_file(p, p.tid, t, path, Open::READ, size)
    }

    /// `p` creates `path` for writing (keeping it open) and writes it in chunks. Returns the
    /// time after the last chunk.
    fn write_new(&mut self, p: Proc, t: u64, path: &str, chunks: u64) -> u64 {
        self.tl
            .create_file(p, p.tid, t, path, Open::WRITE, status::SUCCESS);
        self.write_chunks(p, t, path, chunks)
    }

    /// Writes a file in chunks (no open or close). Returns the time after it.
    fn write_chunks(&mut self, p: Proc, t: u64, path: &str, chunks: u64) -> u64 {
        let mut t = t;
        for i in 0..chunks {
            t += 200 + self.rng.below(2000);
            self.tl
                .read_write(p, p.tid, t, path, true, i * 4096..(i + 1) * 4096);
        }
        t
    }
}
