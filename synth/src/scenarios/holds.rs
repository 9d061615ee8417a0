//! Handles held too long by one process: Defender's scan lock, a reusable MSBuild node, a tool
//! that leaks handles until it exits.

use std::collections::BTreeSet;

use super::{start, write_chunks, Pids};
use crate::catalog;
use crate::expected::{Classification, Findings, Incident};
use crate::noise::Machine;
use crate::rng::Rng;
use crate::timeline::{status, Open, Timeline, MS};

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

/// A reusable MSBuild node keeps a built assembly open; the next build's csc.exe cannot
/// overwrite it.
pub(super) fn msbuild_node(
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

/// A tool opens 50 sources, closes 45 and exits.
pub(super) fn unmatched_opens(
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
