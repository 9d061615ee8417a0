//! The seed race and its near misses: a generated file open (or not) while python.exe spawns.

use super::{start, start_with_pid, write_chunks, Pids, GEN_FILE};
use crate::catalog;
use crate::expected::{Classification, Findings, Incident};
use crate::noise::Machine;
use crate::rng::Rng;
use crate::timeline::{status, Open, Proc, Timeline, MS};

/// python.exe generates `path` and, with the handle still open (inheritable), spawns
/// cmd.exe 1-20 ms later; cl.exe then fails with SHARING VIOLATION; cmd.exe closes the handle
/// 100+ ms after the open and exits. Records the inherited-handle findings. Returns when done.
fn race(
    tl: &mut Timeline,
    rng: &mut Rng,
    f: &mut Findings,
    python: Proc,
    t_open: u64,
    (cmd_pid, cl_pid): (u32, u32),
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
    let t = read_batch_script(tl, cmd, t);
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
    let done = race(tl, rng, f, python, t + 2 * MS, (cmd_pid, cl_pid), path);
    tl.exit(python, done + 20 * MS, 1);
    done + 80 * MS
}

/// python writes the generated file and closes it; then spawns cmd.exe and cl.exe. Silent.
pub(super) fn closed_before_spawn(
    tl: &mut Timeline,
    rng: &mut Rng,
    m: &Machine,
    pids: &mut Pids,
) -> u64 {
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
    let t = read_batch_script(tl, cmd, t);
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
pub(super) fn spawn_outside_window(
    tl: &mut Timeline,
    rng: &mut Rng,
    m: &Machine,
    pids: &mut Pids,
) -> u64 {
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
    let t = read_batch_script(tl, cmd, t);
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

/// The same PIDs serve two python.exe / cmd.exe instances; only the second one races.
pub(super) fn pid_reuse(
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
    let t = read_batch_script(tl, cmd1, t);
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
    let done = race(tl, rng, f, py2, t + MS, (cmd_pid, cl_pid), GEN_FILE);
    tl.exit(py2, done + 15 * MS, 1);
    (done + 80 * MS - tl.t0) / MS
}

/// The child cmd.exe reads the batch script it was started for; returns when the read ends.
fn read_batch_script(tl: &mut Timeline, cmd: Proc, t: u64) -> u64 {
    tl.read_file(
        cmd,
        cmd.tid,
        t,
        "C:\\build\\gen_version.bat",
        Open::READ,
        812,
    )
}
