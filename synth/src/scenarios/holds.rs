//! Handles held too long by one process: Defender's scan lock, a reusable MSBuild node, a tool
//! that leaks handles until it exits.

use std::collections::BTreeSet;

use super::Story;
use crate::catalog;
use crate::expected::{Classification, Incident};
use crate::timeline::{status, Open, Proc, MS};

/// Defender locks a fresh object file from `t0`; returns when the story is over.
pub fn antivirus_lock(s: &mut Story, t0: u64, obj: &str) -> u64 {
    let (cl, t) = s.start(s.m.shell, t0, &catalog::CL_MAIN);
    let t = s.read(cl, t, "C:\\build\\src\\main.cpp", 22_610);
    let t = s.write_new(cl, t, obj, 6);
    s.tl.close_file(cl, cl.tid, t + 300, obj);
    s.tl.exit(cl, t + 2 * MS, 0);
    // Defender scans the fresh object file without sharing it.
    let scan = Open {
        share: 0,
        ..Open::READ
    };
    let av = s.m.msmpeng;
    let av_tid = s.tl.new_tid();
    let t_scan = t + MS + s.rng.below(2 * MS);
    s.tl.create_file(av, av_tid, t_scan, obj, scan, status::SUCCESS);
    let mut tr = t_scan;
    for i in 0..3 {
        tr += 2 * MS + s.rng.below(3 * MS);
        s.tl.read_write(av, av_tid, tr, obj, false, i * 8192..(i + 1) * 8192);
    }
    let (link, t) = s.start(s.m.shell, t_scan + 2 * MS, &catalog::LINK);
    let t = s.read(link, t, "C:\\build\\obj\\util.obj", 31_004);
    let t_fail = t.max(t_scan + 5 * MS);
    s.tl.create_file(
        link,
        link.tid,
        t_fail,
        obj,
        Open::READ,
        status::SHARING_VIOLATION,
    );
    s.tl.exit(link, t_fail + 3 * MS, 1104);
    let t_close = t_fail + 10 * MS + s.rng.below(40 * MS);
    s.tl.close_file(av, av_tid, t_close.max(tr + MS), obj);
    s.f.incident(
        t_scan,
        Incident {
            kind: "sharing-violation",
            path: obj.into(),
            opener: Some(av.into()),
            child: None,
            closer: Some(av.into()),
            holders: vec![av.into()],
            victims: vec![link.into()],
        },
    );
    s.f.violation(t_fail, link, obj, &[av]);
    s.f.failure(
        link,
        1104,
        Some((
            "CreateFile",
            obj,
            "SHARING VIOLATION",
            Some("sharing-violation"),
        )),
        &[],
    );
    t_close.max(tr + MS) + 100 * MS
}

/// A reusable MSBuild node keeps a built assembly open; the next build's csc.exe cannot
/// overwrite it.
pub(super) fn msbuild_node(s: &mut Story, t0: u64) -> u64 {
    const DLL: &str = "C:\\src\\App\\bin\\Debug\\App.Core.dll";
    let pid = s.fresh_pid();
    let node =
        s.tl.running(&catalog::MSBUILD_NODE, pid, Some(s.m.shell), 900_000);
    // Build 1: csc writes the assembly, then the node loads it to run a task and keeps it.
    let (b1, csc1, t) = build(s, node, t0);
    let t = s.write_new(csc1, t, DLL, 5);
    s.tl.close_file(csc1, csc1.tid, t + MS, DLL);
    s.tl.exit(csc1, t + 4 * MS, 0);
    let t_hold = t + 10 * MS;
    s.tl.create_file(node, node.tid, t_hold, DLL, Open::READ, status::SUCCESS);
    s.tl.read_write(node, node.tid, t_hold + MS, DLL, false, 0..4096);
    s.tl.exit(b1, t_hold + 30 * MS, 0);
    // Build 2, later: the node still holds the assembly.
    let (b2, csc2, t) = build(s, node, t_hold + 300 * MS);
    s.tl.create_file(
        csc2,
        csc2.tid,
        t,
        DLL,
        Open::WRITE,
        status::SHARING_VIOLATION,
    );
    s.tl.exit(csc2, t + 5 * MS, 1);
    s.tl.exit(b2, t + 20 * MS, 1);
    s.f.incident(
        t_hold,
        Incident {
            kind: "sharing-violation",
            path: DLL.into(),
            opener: Some(node.into()),
            child: None,
            closer: None,
            holders: vec![node.into()],
            victims: vec![csc2.into()],
        },
    );
    s.f.unmatched(t_hold, node, DLL, Classification::OpenAtCaptureEnd);
    s.f.leak(node, DLL, 1, 0);
    s.f.violation(t, csc2, DLL, &[node]);
    s.f.failure(
        csc2,
        1,
        Some((
            "CreateFile",
            DLL,
            "SHARING VIOLATION",
            Some("sharing-violation"),
        )),
        &[],
    );
    s.f.failure(
        b2,
        1,
        Some(("Process Exit", "csc.exe", "exit status 0x00000001", None)),
        &[csc2],
    );
    t + 120 * MS
}

/// A build of App.sln from `t`: MSBuild.exe reads the solution, the MSBuild `node` the project,
/// and csc.exe, started by MSBuild.exe, its response file. Returns MSBuild.exe, csc.exe and the
/// time csc.exe's read ends.
fn build(s: &mut Story, node: Proc, t: u64) -> (Proc, Proc, u64) {
    let (msbuild, t) = s.start(s.m.shell, t, &catalog::MSBUILD);
    let t = s.read(msbuild, t, "C:\\src\\App\\App.sln", 3_112);
    let t = s.read(node, t, "C:\\src\\App\\App.Core\\App.Core.csproj", 4_406);
    let (csc, t) = s.start(msbuild, t + MS, &catalog::CSC);
    let t = s.read(csc, t, "C:\\src\\App\\obj\\Debug\\csc.rsp", 1_208);
    (msbuild, csc, t)
}

/// A tool opens 50 sources, closes 45 and exits.
pub(super) fn unmatched_opens(s: &mut Story, t0: u64) -> u64 {
    let (tool, mut t) = s.start(s.m.shell, t0, &catalog::COLLECT);
    let mut leaked = BTreeSet::new();
    while leaked.len() < 5 {
        leaked.insert(s.rng.below(50));
    }
    for i in 0..50 {
        let path = format!("C:\\build\\src\\module_{i:02}.cpp");
        t += MS / 2 + s.rng.below(2 * MS);
        if leaked.contains(&i) {
            s.tl.create_file(tool, tool.tid, t, &path, Open::READ, status::SUCCESS);
            s.tl.read_write(tool, tool.tid, t + 100, &path, false, 0..8192);
            s.f.unmatched(t, tool, &path, Classification::OpenAtExit);
            s.f.leak(tool, &path, 1, 0);
        } else {
            let size = 2000 + s.rng.below(60_000);
            t = s.read(tool, t, &path, size);
        }
    }
    s.tl.exit(tool, t + 20 * MS, 0);
    t + 80 * MS
}
