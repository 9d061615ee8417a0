//! The seed race and its near misses: a generated file open (or not) while python.exe spawns.

use super::{Story, GEN_FILE};
use crate::catalog;
use crate::expected::{Classification, Incident};
use crate::timeline::{status, Open, Proc, MS};

/// python.exe generates `path` and, with the handle still open (inheritable), spawns
/// cmd.exe 1-20 ms later; cl.exe then fails with SHARING VIOLATION and exits with status 2;
/// cmd.exe closes the handle 100+ ms after the open and exits. Records the inherited-handle
/// findings and cl.exe's failure. Returns when done and cl.exe.
fn race(
    s: &mut Story,
    python: Proc,
    t_open: u64,
    (cmd_pid, cl_pid): (u32, u32),
    path: &str,
) -> (u64, Proc) {
    s.write_new(python, t_open, path, 3);
    let t_spawn = t_open + (1 + s.rng.below(19)) * MS + s.rng.below(MS);
    let (cmd, t) = spawn_cmd(s, python, t_spawn, cmd_pid);
    let (cl, t) = s.start_with_pid(python, t.max(t_open + 60 * MS), &catalog::CL, cl_pid);
    let t = s.read(cl, t, "C:\\build\\include\\parser.h", 9_214);
    let t_fail = t + s.rng.below(MS);
    s.tl.create_file(
        cl,
        cl.tid,
        t_fail,
        path,
        Open::READ,
        status::SHARING_VIOLATION,
    );
    s.tl.exit(cl, t_fail + 2 * MS, 2);
    let t_close = (t_open + 100 * MS + s.rng.below(60 * MS)).max(t_fail + 5 * MS);
    s.tl.close_file(cmd, cmd.tid, t_close, path);
    s.tl.exit(cmd, t_close + 3 * MS + s.rng.below(5 * MS), 0);
    s.f.incident(
        t_open,
        Incident {
            kind: "inherited-handle",
            path: path.into(),
            opener: Some(python.into()),
            child: Some(cmd.into()),
            closer: Some(cmd.into()),
            holders: vec![cmd.into()],
            victims: vec![cl.into()],
        },
    );
    s.f.unmatched(t_open, python, path, Classification::ClosedByChild);
    s.f.violation(t_fail, cl, path, &[cmd]);
    s.f.failure(
        cl,
        2,
        Some((
            "CreateFile",
            path,
            "SHARING VIOLATION",
            Some("inherited-handle"),
        )),
        &[],
    );
    (t_close + 10 * MS, cl)
}

/// python.exe exits with status 1 after its compiler `cl` failed.
fn python_fails(s: &mut Story, python: Proc, t: u64, cl: Proc) {
    s.tl.exit(python, t, 1);
    s.f.failure(
        python,
        1,
        Some(("Process Exit", "cl.exe", "exit status 0x00000002", None)),
        &[cl],
    );
}

/// The seed race starting at `t0`; returns when the story is over.
pub fn seed_race(s: &mut Story, t0: u64, path: &str) -> u64 {
    let (python, t) = start_python(s, t0);
    let t = s.read(python, t, "C:\\build\\grammar\\parser.y", 48_112);
    let (cmd_pid, cl_pid) = (s.fresh_pid(), s.fresh_pid());
    let (done, cl) = race(s, python, t + 2 * MS, (cmd_pid, cl_pid), path);
    python_fails(s, python, done + 20 * MS, cl);
    done + 80 * MS
}

/// python writes the generated file and closes it; then spawns cmd.exe and cl.exe. Silent.
pub(super) fn closed_before_spawn(s: &mut Story, t0: u64) -> u64 {
    let (python, t) = start_python(s, t0);
    let t = s.write_new(python, t, GEN_FILE, 3);
    let t_close = t + MS;
    s.tl.close_file(python, python.tid, t_close, GEN_FILE);
    let t_spawn = t_close + 2 * MS + s.rng.below(5 * MS);
    let pid = s.fresh_pid();
    let (cmd, t) = spawn_cmd(s, python, t_spawn, pid);
    s.tl.exit(cmd, t + 5 * MS, 0);
    compile_quietly(s, python, t + 10 * MS, 12_288)
}

/// python opens the generated file, spawns cmd.exe long after (outside the 50 ms window; cmd
/// never touches the file) and closes the file itself later. Silent.
pub(super) fn spawn_outside_window(s: &mut Story, t0: u64) -> u64 {
    let (python, t_open) = start_python(s, t0);
    s.write_new(python, t_open, GEN_FILE, 4);
    let t_spawn = t_open + 80 * MS + s.rng.below(60 * MS);
    let pid = s.fresh_pid();
    let (cmd, t) = spawn_cmd(s, python, t_spawn, pid);
    s.tl.exit(cmd, t + 5 * MS, 0);
    let t_close = t.max(t_spawn + 100 * MS) + 20 * MS;
    s.write_chunks(python, t_close - 10 * MS, GEN_FILE, 1);
    s.tl.close_file(python, python.tid, t_close, GEN_FILE);
    compile_quietly(s, python, t_close + 5 * MS, 16_384)
}

/// The same PIDs serve two python.exe / cmd.exe instances; only the second one races.
pub(super) fn pid_reuse(s: &mut Story, t0: u64) -> u64 {
    let (py_pid, cmd_pid, cl_pid) = (s.fresh_pid(), s.fresh_pid(), s.fresh_pid());
    // First run: closes the generated file before spawning; all quiet.
    let (py1, t) = s.start_with_pid(s.m.shell, t0, &catalog::PYTHON, py_pid);
    let t = s.write_new(py1, t, GEN_FILE, 2);
    s.tl.close_file(py1, py1.tid, t + MS, GEN_FILE);
    let (cmd1, t) = spawn_cmd(s, py1, t + 4 * MS, cmd_pid);
    s.tl.exit(cmd1, t + 3 * MS, 0);
    let (cl1, t) = compile(s, py1, t + 5 * MS, cl_pid, 12_288);
    s.tl.exit(cl1, t + 20 * MS, 0);
    s.tl.exit(py1, t + 25 * MS, 0);
    // Second run, same PIDs, new process instances: the race.
    let (py2, t) = s.start_with_pid(s.m.shell, t + 60 * MS, &catalog::PYTHON, py_pid);
    let (done, cl) = race(s, py2, t + MS, (cmd_pid, cl_pid), GEN_FILE);
    python_fails(s, py2, done + 15 * MS, cl);
    done + 80 * MS
}

/// The shell starts python.exe at `t`, which reads build.py; returns python.exe and the time
/// after the read.
fn start_python(s: &mut Story, t: u64) -> (Proc, u64) {
    let (python, t) = s.start(s.m.shell, t, &catalog::PYTHON);
    let t = s.read(python, t, "C:\\build\\build.py", 14_380);
    (python, t)
}

/// `python` starts cmd.exe (PID `pid`) at `t`, which reads the batch script it was started for;
/// returns cmd.exe and the time its read ends.
fn spawn_cmd(s: &mut Story, python: Proc, t: u64, pid: u32) -> (Proc, u64) {
    let (cmd, t) = s.start_with_pid(python, t, &catalog::CMD, pid);
    let t = s.read(cmd, t, "C:\\build\\gen_version.bat", 812);
    (cmd, t)
}

/// `python` starts cl.exe (PID `pid`) at `t`, which reads `size` bytes of the generated file
/// without trouble; returns cl.exe and the time its read ends.
fn compile(s: &mut Story, python: Proc, t: u64, pid: u32, size: u64) -> (Proc, u64) {
    let (cl, t) = s.start_with_pid(python, t, &catalog::CL, pid);
    let t = s.read(cl, t, GEN_FILE, size);
    (cl, t)
}

/// The quiet end of a near miss: cl.exe (under a fresh PID) [`compile`]s the generated file,
/// then it and `python` exit. Returns when the story is over.
fn compile_quietly(s: &mut Story, python: Proc, t: u64, size: u64) -> u64 {
    let pid = s.fresh_pid();
    let (cl, t) = compile(s, python, t, pid, size);
    s.tl.exit(cl, t + 30 * MS, 0);
    s.tl.exit(python, t + 40 * MS, 0);
    t + 100 * MS
}
