//! Processes that fail for a reason the capture shows — a header missing among include-path
//! probes, an installer refused among harmless refusals, a delete pending while a scanner holds
//! the file, a linker that cannot overwrite a running EXE — and captures that are hard to read:
//! a handle leak, a save filtered to CreateFile and Load Image.

use super::Story;
use crate::catalog;
use crate::expected::{Classification, Incident};
use crate::timeline::{status, Open, MS};

/// cl.exe finds `windows.h` in the third include directory it probes, but `config.h` in none;
/// it exits with status 2.
pub(super) fn missing_header(s: &mut Story, t0: u64) -> u64 {
    let (cl, t) = s.start(s.m.shell, t0, &catalog::CL_MAIN);
    let mut t = s.read(cl, t, "C:\\build\\src\\main.cpp", 22_610);
    let dirs = ["C:\\build\\src", "C:\\build\\include", "C:\\sdk\\include"];
    for dir in &dirs[..2] {
        t += 200 + s.rng.below(400);
        s.tl.probe_missing(cl, cl.tid, t, &format!("{dir}\\windows.h"));
    }
    t = s.read(cl, t + 300, "C:\\sdk\\include\\Windows.h", 81_920);
    let mut last = String::new();
    for dir in dirs {
        t += 200 + s.rng.below(400);
        last = format!("{dir}\\config.h");
        s.tl.probe_missing(cl, cl.tid, t, &last);
    }
    s.tl.exit(cl, t + 3 * MS, 2);
    s.f.failure(
        cl,
        2,
        Some(("CreateFile", &last, "NAME NOT FOUND", None)),
        &[],
    );
    t + 60 * MS
}

/// An installer is refused a few files it can do without (one it then opens read-only, one it
/// never needs again), then refused the program folder's EXE it must replace; it exits 1603.
pub(super) fn installer_denied(s: &mut Story, t0: u64) -> u64 {
    const TARGET: &str = "C:\\Program Files\\Contoso\\App\\app.exe";
    let (setup, t) = s.start(s.m.shell, t0, &catalog::SETUP);
    let denied = |s: &mut Story, t: u64, path: &str, open: Open| {
        s.tl.create_file(setup, setup.tid, t, path, open, status::ACCESS_DENIED);
    };
    // Harmless: the policy file is denied for writing, then read.
    let policy = "C:\\ProgramData\\Contoso\\policy.xml";
    denied(s, t, policy, Open::WRITE);
    let t = s.read(setup, t + MS, policy, 1_024);
    // Harmless: a probe of a system file it never needs again, long before the end.
    denied(
        s,
        t + 2 * MS,
        "C:\\Windows\\System32\\config\\SOFTWARE",
        Open::READ,
    );
    let t = s.read(
        setup,
        t + 900 * MS,
        "C:\\Users\\builder\\Downloads\\app.msi",
        300_000,
    );
    // The one that matters.
    let t_fail = t + 20 * MS;
    denied(s, t_fail, TARGET, Open::WRITE);
    s.tl.exit(setup, t_fail + 40 * MS, 1603);
    s.f.failure(
        setup,
        1603,
        Some(("CreateFile", TARGET, "ACCESS DENIED", None)),
        &[],
    );
    t_fail + 120 * MS
}

/// Defender scans a fresh object file, sharing delete; the build's clean step deletes it
/// (delete on close) while the scan still holds it; the next compile cannot create it again:
/// DELETE PENDING, and cl.exe exits with status 2.
pub(super) fn delete_pending(s: &mut Story, t0: u64) -> u64 {
    const OBJ: &str = "C:\\build\\obj\\util.obj";
    let (cl, t) = s.start(s.m.shell, t0, &catalog::CL_MAIN);
    let t = s.write_new(cl, t, OBJ, 4);
    s.tl.close_file(cl, cl.tid, t + 200, OBJ);
    s.tl.exit(cl, t + 2 * MS, 0);
    let av = s.m.msmpeng;
    let av_tid = s.tl.new_tid();
    let t_scan = t + MS + s.rng.below(MS);
    s.tl.create_file(av, av_tid, t_scan, OBJ, Open::READ_SHARED, status::SUCCESS);
    s.tl.read_write(av, av_tid, t_scan + MS, OBJ, false, 0..8192);
    let (clean, t) = s.start(s.m.shell, t_scan + 2 * MS, &catalog::CMD);
    let t_delete = t + MS;
    s.tl.create_file(
        clean,
        clean.tid,
        t_delete,
        OBJ,
        Open::DELETE,
        status::SUCCESS,
    );
    s.tl.close_file(clean, clean.tid, t_delete + 100, OBJ);
    s.tl.exit(clean, t_delete + 3 * MS, 0);
    let (cl2, t) = s.start(s.m.shell, t_delete + 5 * MS, &catalog::CL_MAIN);
    let t_fail = t + MS;
    s.tl.create_file(
        cl2,
        cl2.tid,
        t_fail,
        OBJ,
        Open::WRITE,
        status::DELETE_PENDING,
    );
    s.tl.exit(cl2, t_fail + 2 * MS, 2);
    let t_close = t_fail + 30 * MS + s.rng.below(20 * MS);
    s.tl.close_file(av, av_tid, t_close, OBJ);
    s.f.incident(
        t_scan,
        Incident {
            kind: "delete-pending",
            path: OBJ.into(),
            opener: Some(av.into()),
            child: None,
            closer: Some(av.into()),
            holders: vec![av.into()],
            victims: vec![cl2.into()],
        },
    );
    s.f.failure(
        cl2,
        2,
        Some(("CreateFile", OBJ, "DELETE PENDING", Some("delete-pending"))),
        &[],
    );
    t_close + 100 * MS
}

/// The developer's test run of app.exe is still alive when the next build links it: link.exe
/// cannot open the EXE for writing (SHARING VIOLATION, no handle in the capture) and exits
/// with LNK1104.
pub(super) fn exe_in_use(s: &mut Story, t0: u64) -> u64 {
    let exe = catalog::APP.image;
    let (app, t) = s.start(s.m.shell, t0, &catalog::APP);
    let t = s.read(app, t, "C:\\build\\bin\\tests.json", 2_048);
    let (link, t) = s.start(s.m.shell, t + 200 * MS, &catalog::LINK);
    let t = s.read(link, t, "C:\\build\\obj\\main.obj", 48_000);
    let t_fail = t + MS;
    s.tl.create_file(
        link,
        link.tid,
        t_fail,
        exe,
        Open::WRITE,
        status::SHARING_VIOLATION,
    );
    s.tl.exit(link, t_fail + 4 * MS, 1104);
    s.f.incident(
        t_fail,
        Incident {
            kind: "image-in-use",
            path: exe.into(),
            opener: None,
            child: None,
            closer: None,
            holders: vec![app.into()],
            victims: vec![link.into()],
        },
    );
    s.f.violation(t_fail, link, exe, &[]);
    s.f.failure(
        link,
        1104,
        Some(("CreateFile", exe, "SHARING VIOLATION", Some("image-in-use"))),
        &[],
    );
    t_fail + 150 * MS
}

/// A tool opens one settings file 60 times and closes it 12 times, then exits.
pub(super) fn handle_leak(s: &mut Story, t0: u64) -> u64 {
    const SETTINGS: &str = "C:\\build\\tools\\settings.json";
    let (tool, mut t) = s.start(s.m.shell, t0, &catalog::COLLECT);
    for i in 0..60 {
        t += MS / 2 + s.rng.below(MS);
        s.tl.create_file(
            tool,
            tool.tid,
            t,
            SETTINGS,
            Open::READ_SHARED,
            status::SUCCESS,
        );
        s.tl.read_write(tool, tool.tid, t + 100, SETTINGS, false, 0..512);
        if i % 5 == 4 {
            s.tl.close_file(tool, tool.tid, t + 200, SETTINGS);
        } else {
            s.f.unmatched(t, tool, SETTINGS, Classification::OpenAtExit);
        }
    }
    s.tl.exit(tool, t + 20 * MS, 0);
    s.f.leak(tool, SETTINGS, 60, 12);
    t + 80 * MS
}
