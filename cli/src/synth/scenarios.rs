//! The failure stories: each plants one real build failure (or a near miss that must stay
//! silent) among background noise, and lists the findings the analyzer must report.

use std::collections::BTreeSet;

use super::catalog::{self, Program, RegData};
use super::expected::{Classification, Findings, Incident};
use super::noise::{self, Machine};
use super::rng::Rng;
use super::timeline::{status, Open, Proc, Timeline, MS};

/// The scenario names `pml synth` accepts (besides `bulk`).
pub const NAMES: [&str; 7] = [
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

/// A built scenario: the capture to write and the findings it must produce.
pub struct Built {
    /// The capture.
    pub timeline: Timeline,
    /// Its findings.
    pub findings: Findings,
}

/// Builds scenario `name` (one of [`NAMES`]).
pub fn build(name: &str, seed: u64, wide: bool) -> Option<Built> {
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
        "closed-before-spawn" => closed_before_spawn(&mut tl, &mut story, &m, &mut pids),
        "spawn-outside-window" => spawn_outside_window(&mut tl, &mut story, &m, &mut pids),
        "unmatched-opens" => unmatched_opens(&mut tl, &mut story, &m, &mut pids, &mut f),
        "pid-reuse" => pid_reuse(&mut tl, &mut story, &m, &mut pids, &mut f),
        "msbuild-node" => msbuild_node(&mut tl, &mut story, &m, &mut pids, &mut f),
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

/// python.exe generates `path` and, with the handle still open (inheritable), spawns
/// cmd.exe 1-20 ms later; cl.exe then fails with SHARING VIOLATION; cmd.exe closes the handle
/// 100+ ms after the open and exits. Records the inherited-handle findings. Returns when done.
#[allow(clippy::too_many_arguments)]
fn race(
    tl: &mut Timeline,
    rng: &mut Rng,
    f: &mut Findings,
    python: Proc,
    t_open: u64,
    cmd_pid: u32,
    cl_pid: u32,
    path: &str,
) -> u64 {
    tl.create_file(
        python,
        python.tid,
        t_open,
        path,
        Open::WRITE,
        status::SUCCESS,
    );
    write_chunks(tl, rng, python, t_open, path, 3);
    let t_spawn = t_open + (1 + rng.below(19)) * MS + rng.below(MS);
    let (cmd, t) = start_with_pid(
        tl,
        rng,
        python,
        t_spawn,
        &catalog::CMD,
        catalog::CMD.command_line,
        cmd_pid,
    );
    let t = tl.read_file(
        cmd,
        cmd.tid,
        t,
        "C:\\build\\gen_version.bat",
        Open::READ,
        812,
    );
    let (cl, t) = start_with_pid(
        tl,
        rng,
        python,
        t.max(t_open + 60 * MS),
        &catalog::CL,
        catalog::CL.command_line,
        cl_pid,
    );
    let t = tl.read_file(
        cl,
        cl.tid,
        t,
        "C:\\build\\include\\parser.h",
        Open::READ,
        9_214,
    );
    let t_fail = t + rng.below(MS);
    tl.create_file(
        cl,
        cl.tid,
        t_fail,
        path,
        Open::READ,
        status::SHARING_VIOLATION,
    );
    tl.exit(cl, t_fail + 2 * MS, 2);
    let t_close = (t_open + 100 * MS + rng.below(60 * MS)).max(t_fail + 5 * MS);
    tl.close_file(cmd, cmd.tid, t_close, path);
    tl.exit(cmd, t_close + 3 * MS + rng.below(5 * MS), 0);
    f.incident(
        t_open,
        Incident {
            kind: "inherited-handle",
            path: path.into(),
            opener: python.into(),
            child: Some(cmd.into()),
            closer: Some(cmd.into()),
            holders: vec![cmd.into()],
            victims: vec![cl.into()],
        },
    );
    f.unmatched(t_open, python, path, Classification::ClosedByChild);
    f.violation(t_fail, cl, path, &[cmd]);
    t_close + 10 * MS
}

/// The seed race starting at `t0` (absolute); returns when the story is over (absolute).
pub fn seed_race(
    tl: &mut Timeline,
    rng: &mut Rng,
    m: &Machine,
    pids: &mut Pids,
    f: &mut Findings,
    t0: u64,
    path: &str,
) -> u64 {
    let (python, t) = start(
        tl,
        rng,
        pids,
        m.shell,
        t0,
        &catalog::PYTHON,
        catalog::PYTHON.command_line,
    );
    let t = tl.read_file(
        python,
        python.tid,
        t,
        "C:\\build\\build.py",
        Open::READ,
        14_380,
    );
    let t = tl.read_file(
        python,
        python.tid,
        t,
        "C:\\build\\grammar\\parser.y",
        Open::READ,
        48_112,
    );
    let (cmd_pid, cl_pid) = (pids.fresh(rng), pids.fresh(rng));
    let done = race(tl, rng, f, python, t + 2 * MS, cmd_pid, cl_pid, path);
    tl.exit(python, done + 20 * MS, 1);
    done + 80 * MS
}

/// Defender locks a fresh object file from `t0` (absolute); returns when the story is over.
pub fn antivirus_lock(
    tl: &mut Timeline,
    rng: &mut Rng,
    m: &Machine,
    pids: &mut Pids,
    f: &mut Findings,
    t0: u64,
    obj: &str,
) -> u64 {
    let cl_cmd = "cl.exe /nologo /c /EHsc C:\\build\\src\\main.cpp /FoC:\\build\\obj\\main.obj";
    let (cl, t) = start(tl, rng, pids, m.shell, t0, &catalog::CL, cl_cmd);
    let t = tl.read_file(
        cl,
        cl.tid,
        t,
        "C:\\build\\src\\main.cpp",
        Open::READ,
        22_610,
    );
    tl.create_file(cl, cl.tid, t, obj, Open::WRITE, status::SUCCESS);
    let t = write_chunks(tl, rng, cl, t, obj, 6);
    tl.close_file(cl, cl.tid, t + 300, obj);
    tl.exit(cl, t + 2 * MS, 0);
    // Defender scans the fresh object file without sharing it.
    let scan = Open {
        share: 0,
        ..Open::READ
    };
    let av = m.msmpeng;
    let av_tid = tl.new_tid();
    let t_scan = t + MS + rng.below(2 * MS);
    tl.create_file(av, av_tid, t_scan, obj, scan, status::SUCCESS);
    let mut tr = t_scan;
    for i in 0..3 {
        tr += 2 * MS + rng.below(3 * MS);
        tl.read_write(av, av_tid, tr, obj, false, i * 8192..(i + 1) * 8192);
    }
    let link_cmd = catalog::LINK.command_line;
    let (link, t) = start(
        tl,
        rng,
        pids,
        m.shell,
        t_scan + 2 * MS,
        &catalog::LINK,
        link_cmd,
    );
    let t = tl.read_file(
        link,
        link.tid,
        t,
        "C:\\build\\obj\\util.obj",
        Open::READ,
        31_004,
    );
    let t_fail = t.max(t_scan + 5 * MS);
    tl.create_file(
        link,
        link.tid,
        t_fail,
        obj,
        Open::READ,
        status::SHARING_VIOLATION,
    );
    tl.exit(link, t_fail + 3 * MS, 1104);
    let t_close = t_fail + 10 * MS + rng.below(40 * MS);
    tl.close_file(av, av_tid, t_close.max(tr + MS), obj);
    f.incident(
        t_scan,
        Incident {
            kind: "sharing-violation",
            path: obj.into(),
            opener: av.into(),
            child: None,
            closer: Some(av.into()),
            holders: vec![av.into()],
            victims: vec![link.into()],
        },
    );
    f.violation(t_fail, link, obj, &[av]);
    t_close.max(tr + MS) + 100 * MS
}

/// python writes the generated file and closes it; then spawns cmd.exe and cl.exe. Silent.
fn closed_before_spawn(tl: &mut Timeline, rng: &mut Rng, m: &Machine, pids: &mut Pids) -> u64 {
    let (python, t) = start(
        tl,
        rng,
        pids,
        m.shell,
        tl.at(300),
        &catalog::PYTHON,
        catalog::PYTHON.command_line,
    );
    let t = tl.read_file(
        python,
        python.tid,
        t,
        "C:\\build\\build.py",
        Open::READ,
        14_380,
    );
    tl.create_file(
        python,
        python.tid,
        t,
        GEN_FILE,
        Open::WRITE,
        status::SUCCESS,
    );
    let t = write_chunks(tl, rng, python, t, GEN_FILE, 3);
    let t_close = t + MS;
    tl.close_file(python, python.tid, t_close, GEN_FILE);
    let t_spawn = t_close + 2 * MS + rng.below(5 * MS);
    let (cmd, t) = start(
        tl,
        rng,
        pids,
        python,
        t_spawn,
        &catalog::CMD,
        catalog::CMD.command_line,
    );
    let t = tl.read_file(
        cmd,
        cmd.tid,
        t,
        "C:\\build\\gen_version.bat",
        Open::READ,
        812,
    );
    tl.exit(cmd, t + 5 * MS, 0);
    let (cl, t) = start(
        tl,
        rng,
        pids,
        python,
        t + 10 * MS,
        &catalog::CL,
        catalog::CL.command_line,
    );
    let t = tl.read_file(cl, cl.tid, t, GEN_FILE, Open::READ, 12_288);
    tl.exit(cl, t + 30 * MS, 0);
    tl.exit(python, t + 40 * MS, 0);
    (t + 100 * MS - tl.t0) / MS
}

/// python opens the generated file, spawns cmd.exe long after (outside the 50 ms window; cmd
/// never touches the file) and closes the file itself later. Silent.
fn spawn_outside_window(tl: &mut Timeline, rng: &mut Rng, m: &Machine, pids: &mut Pids) -> u64 {
    let (python, t) = start(
        tl,
        rng,
        pids,
        m.shell,
        tl.at(300),
        &catalog::PYTHON,
        catalog::PYTHON.command_line,
    );
    let t_open = tl.read_file(
        python,
        python.tid,
        t,
        "C:\\build\\build.py",
        Open::READ,
        14_380,
    );
    tl.create_file(
        python,
        python.tid,
        t_open,
        GEN_FILE,
        Open::WRITE,
        status::SUCCESS,
    );
    write_chunks(tl, rng, python, t_open, GEN_FILE, 4);
    let t_spawn = t_open + 80 * MS + rng.below(60 * MS);
    let (cmd, t) = start(
        tl,
        rng,
        pids,
        python,
        t_spawn,
        &catalog::CMD,
        catalog::CMD.command_line,
    );
    let t = tl.read_file(
        cmd,
        cmd.tid,
        t,
        "C:\\build\\gen_version.bat",
        Open::READ,
        812,
    );
    tl.exit(cmd, t + 5 * MS, 0);
    let t_close = t.max(t_spawn + 100 * MS) + 20 * MS;
    write_chunks(tl, rng, python, t_close - 10 * MS, GEN_FILE, 1);
    tl.close_file(python, python.tid, t_close, GEN_FILE);
    let (cl, t) = start(
        tl,
        rng,
        pids,
        python,
        t_close + 5 * MS,
        &catalog::CL,
        catalog::CL.command_line,
    );
    let t = tl.read_file(cl, cl.tid, t, GEN_FILE, Open::READ, 16_384);
    tl.exit(cl, t + 30 * MS, 0);
    tl.exit(python, t + 40 * MS, 0);
    (t + 100 * MS - tl.t0) / MS
}

/// A tool opens 50 sources, closes 45 and exits.
fn unmatched_opens(
    tl: &mut Timeline,
    rng: &mut Rng,
    m: &Machine,
    pids: &mut Pids,
    f: &mut Findings,
) -> u64 {
    let (tool, mut t) = start(
        tl,
        rng,
        pids,
        m.shell,
        tl.at(300),
        &catalog::COLLECT,
        catalog::COLLECT.command_line,
    );
    let mut leaked = BTreeSet::new();
    while leaked.len() < 5 {
        leaked.insert(rng.below(50));
    }
    for i in 0..50 {
        let path = format!("C:\\build\\src\\module_{i:02}.cpp");
        t += MS / 2 + rng.below(2 * MS);
        if leaked.contains(&i) {
            tl.create_file(tool, tool.tid, t, &path, Open::READ, status::SUCCESS);
            tl.read_write(tool, tool.tid, t + 100, &path, false, 0..8192);
            f.unmatched(t, tool, &path, Classification::OpenAtExit);
        } else {
            t = tl.read_file(
                tool,
                tool.tid,
                t,
                &path,
                Open::READ,
                2000 + rng.below(60_000),
            );
        }
    }
    tl.exit(tool, t + 20 * MS, 0);
    (t + 80 * MS - tl.t0) / MS
}

/// The same PIDs serve two python.exe / cmd.exe instances; only the second one races.
fn pid_reuse(
    tl: &mut Timeline,
    rng: &mut Rng,
    m: &Machine,
    pids: &mut Pids,
    f: &mut Findings,
) -> u64 {
    let (py_pid, cmd_pid, cl_pid) = (pids.fresh(rng), pids.fresh(rng), pids.fresh(rng));
    // First run: closes the generated file before spawning; all quiet.
    let (py1, t) = start_with_pid(
        tl,
        rng,
        m.shell,
        tl.at(300),
        &catalog::PYTHON,
        catalog::PYTHON.command_line,
        py_pid,
    );
    tl.create_file(py1, py1.tid, t, GEN_FILE, Open::WRITE, status::SUCCESS);
    let t = write_chunks(tl, rng, py1, t, GEN_FILE, 2);
    tl.close_file(py1, py1.tid, t + MS, GEN_FILE);
    let (cmd1, t) = start_with_pid(
        tl,
        rng,
        py1,
        t + 4 * MS,
        &catalog::CMD,
        catalog::CMD.command_line,
        cmd_pid,
    );
    let t = tl.read_file(
        cmd1,
        cmd1.tid,
        t,
        "C:\\build\\gen_version.bat",
        Open::READ,
        812,
    );
    tl.exit(cmd1, t + 3 * MS, 0);
    let (cl1, t) = start_with_pid(
        tl,
        rng,
        py1,
        t + 5 * MS,
        &catalog::CL,
        catalog::CL.command_line,
        cl_pid,
    );
    let t = tl.read_file(cl1, cl1.tid, t, GEN_FILE, Open::READ, 12_288);
    tl.exit(cl1, t + 20 * MS, 0);
    tl.exit(py1, t + 25 * MS, 0);
    // Second run, same PIDs, new process instances: the race.
    let (py2, t) = start_with_pid(
        tl,
        rng,
        m.shell,
        t + 60 * MS,
        &catalog::PYTHON,
        catalog::PYTHON.command_line,
        py_pid,
    );
    let done = race(tl, rng, f, py2, t + MS, cmd_pid, cl_pid, GEN_FILE);
    tl.exit(py2, done + 15 * MS, 1);
    (done + 80 * MS - tl.t0) / MS
}

/// A reusable MSBuild node keeps a built assembly open; the next build's csc.exe cannot
/// overwrite it.
fn msbuild_node(
    tl: &mut Timeline,
    rng: &mut Rng,
    m: &Machine,
    pids: &mut Pids,
    f: &mut Findings,
) -> u64 {
    const DLL: &str = "C:\\src\\App\\bin\\Debug\\App.Core.dll";
    let node_cmd = "\"C:\\Program Files\\Microsoft Visual Studio\\2022\\Community\\MSBuild\\Current\\Bin\\amd64\\MSBuild.exe\" /nologo /nodemode:1 /nodeReuse:true /low:false";
    let pid = pids.fresh(rng);
    let node = tl.running(&catalog::MSBUILD, pid, Some(m.shell), 900_000);
    // The node's own record carries the node command line.
    tl.set_command_line(node, node_cmd);
    // Build 1: csc writes the assembly, then the node loads it to run a task and keeps it.
    let (b1, t) = start(
        tl,
        rng,
        pids,
        m.shell,
        tl.at(300),
        &catalog::MSBUILD,
        catalog::MSBUILD.command_line,
    );
    let t = tl.read_file(b1, b1.tid, t, "C:\\src\\App\\App.sln", Open::READ, 3_112);
    let t = tl.read_file(
        node,
        node.tid,
        t,
        "C:\\src\\App\\App.Core\\App.Core.csproj",
        Open::READ,
        4_406,
    );
    let (csc1, t) = start(
        tl,
        rng,
        pids,
        b1,
        t + MS,
        &catalog::CSC,
        catalog::CSC.command_line,
    );
    let t = tl.read_file(
        csc1,
        csc1.tid,
        t,
        "C:\\src\\App\\obj\\Debug\\csc.rsp",
        Open::READ,
        1_208,
    );
    tl.create_file(csc1, csc1.tid, t, DLL, Open::WRITE, status::SUCCESS);
    let t = write_chunks(tl, rng, csc1, t, DLL, 5);
    tl.close_file(csc1, csc1.tid, t + MS, DLL);
    tl.exit(csc1, t + 4 * MS, 0);
    let t_hold = t + 10 * MS;
    tl.create_file(node, node.tid, t_hold, DLL, Open::READ, status::SUCCESS);
    tl.read_write(node, node.tid, t_hold + MS, DLL, false, 0..4096);
    tl.exit(b1, t_hold + 30 * MS, 0);
    // Build 2, later: the node still holds the assembly.
    let (b2, t) = start(
        tl,
        rng,
        pids,
        m.shell,
        t_hold + 300 * MS,
        &catalog::MSBUILD,
        catalog::MSBUILD.command_line,
    );
    let t = tl.read_file(b2, b2.tid, t, "C:\\src\\App\\App.sln", Open::READ, 3_112);
    let t = tl.read_file(
        node,
        node.tid,
        t,
        "C:\\src\\App\\App.Core\\App.Core.csproj",
        Open::READ,
        4_406,
    );
    let (csc2, t) = start(
        tl,
        rng,
        pids,
        b2,
        t + MS,
        &catalog::CSC,
        catalog::CSC.command_line,
    );
    let t = tl.read_file(
        csc2,
        csc2.tid,
        t,
        "C:\\src\\App\\obj\\Debug\\csc.rsp",
        Open::READ,
        1_208,
    );
    tl.create_file(
        csc2,
        csc2.tid,
        t,
        DLL,
        Open::WRITE,
        status::SHARING_VIOLATION,
    );
    tl.exit(csc2, t + 5 * MS, 1);
    tl.exit(b2, t + 20 * MS, 1);
    f.incident(
        t_hold,
        Incident {
            kind: "sharing-violation",
            path: DLL.into(),
            opener: node.into(),
            child: None,
            closer: None,
            holders: vec![node.into()],
            victims: vec![csc2.into()],
        },
    );
    f.unmatched(t_hold, node, DLL, Classification::OpenAtCaptureEnd);
    f.violation(t, csc2, DLL, &[node]);
    (t + 120 * MS - tl.t0) / MS
}
