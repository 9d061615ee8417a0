//! The failure stories: each plants one real build failure (or a near miss that must stay
//! silent) among background noise, and lists the findings the analyzer must report.

use std::collections::BTreeSet;
use std::path::Path;

mod holds;
mod races;

pub use holds::antivirus_lock;
pub use races::seed_race;

use crate::catalog::{Program, RegData};
use crate::expected::{Expected, Findings};
use crate::noise::{self, Machine};
use crate::rng::Rng;
use crate::timeline::{Proc, Timeline, MS};
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
    let mut story = rng.fork();
    let end_ms = match name {
        "seed-race" => {
            let t = tl.at(300);
            (seed_race(&mut tl, &mut story, &m, &mut pids, &mut f, t, GEN_FILE) - tl.t0) / MS
        }
        "antivirus-lock" => {
            let t = tl.at(300);
            (antivirus_lock(&mut tl, &mut story, &m, &mut pids, &mut f, t, OBJ_FILE) - tl.t0) / MS
        }
        "closed-before-spawn" => races::closed_before_spawn(&mut tl, &mut story, &m, &mut pids),
        "spawn-outside-window" => races::spawn_outside_window(&mut tl, &mut story, &m, &mut pids),
        "unmatched-opens" => holds::unmatched_opens(&mut tl, &mut story, &m, &mut pids, &mut f),
        "pid-reuse" => races::pid_reuse(&mut tl, &mut story, &m, &mut pids, &mut f),
        "msbuild-node" => holds::msbuild_node(&mut tl, &mut story, &m, &mut pids, &mut f),
        _ => return None,
    };
    noise::fill(&mut tl, &mut rng, &m, 0, end_ms + 400);
    Some(Built {
        timeline: tl,
        findings: f,
    })
}

/// A few ordinary reads a program does at startup (its own config, a DLL probe, a registry
/// value), all closed. Returns the time after them.
fn startup_reads(tl: &mut Timeline, rng: &mut Rng, p: Proc, t: u64) -> u64 {
    let mut t = tl.reg_read(
        p,
        p.tid,
        t,
        "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager",
        "SafeDllSearchMode",
        RegData::Dword(1),
    );
    tl.probe_missing(p, p.tid, t + 100, "C:\\Windows\\System32\\wow64log.dll");
    t += 300 + rng.below(500);
    tl.reg_missing(
        p,
        p.tid,
        t,
        "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options",
    );
    t + 200
}

/// `parent` spawns `program`; the child does its startup reads. Returns the child and the time.
fn start(
    tl: &mut Timeline,
    rng: &mut Rng,
    pids: &mut Pids,
    parent: Proc,
    t: u64,
    program: &'static Program,
    cmd: &str,
) -> (Proc, u64) {
    let pid = pids.fresh(rng);
    start_with_pid(tl, rng, parent, t, program, cmd, pid)
}

fn start_with_pid(
    tl: &mut Timeline,
    rng: &mut Rng,
    parent: Proc,
    t: u64,
    program: &'static Program,
    cmd: &str,
    pid: u32,
) -> (Proc, u64) {
    let (child, t) = tl.spawn(parent, parent.tid, t, program, pid, cmd);
    let t = startup_reads(tl, rng, child, t);
    (child, t)
}

/// Writes a file in chunks (no open or close). Returns the time after it.
fn write_chunks(tl: &mut Timeline, rng: &mut Rng, p: Proc, t: u64, path: &str, chunks: u64) -> u64 {
    let mut t = t;
    for i in 0..chunks {
        t += 200 + rng.below(2000);
        tl.read_write(p, p.tid, t, path, true, i * 4096..(i + 1) * 4096);
    }
    t
}
