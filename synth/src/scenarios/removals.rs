//! A build step that cannot delete or rename its output because another process holds it: the
//! search indexer that opened a fresh report without sharing delete, a test host the build
//! started and did not wait for that keeps the results file the build renames a new one over.

use super::Story;
use crate::catalog;
use crate::expected::Incident;
use crate::timeline::{status, Open, MS};

/// The report the test step writes and the clean step deletes.
const REPORT: &str = "C:\\build\\out\\report.html";

/// The test step writes `report.html`; SearchProtocolHost.exe opens it to index it, sharing
/// read only; the next build's clean step deletes the outputs: `app.pdb` goes, but the open
/// for deleting `report.html` (DELETE access, as DeleteFile asks) fails with SHARING VIOLATION
/// and the step exits 1.
pub(super) fn delete_refused(s: &mut Story, t0: u64) -> u64 {
    const PDB: &str = "C:\\build\\out\\app.pdb";
    let pid = s.fresh_pid();
    let indexer = s.tl.running(&catalog::SEARCH_HOST, pid, None, 1_200_000);
    let (test, t) = s.start(s.m.shell, t0, &catalog::PYTHON_TEST);
    let t = s.write_new(test, t, REPORT, 3);
    s.tl.close_file(test, test.tid, t + 200, REPORT);
    s.tl.exit(test, t + 3 * MS, 0);
    // The indexer opens the fresh report, sharing read only, and reads it.
    let t_index = t + 20 * MS + s.rng.below(10 * MS);
    s.tl.create_file(
        indexer,
        indexer.tid,
        t_index,
        REPORT,
        Open::READ,
        status::SUCCESS,
    );
    let mut tr = t_index;
    for i in 0..3 {
        tr += 3 * MS + s.rng.below(4 * MS);
        s.tl.read_write(
            indexer,
            indexer.tid,
            tr,
            REPORT,
            false,
            i * 4096..(i + 1) * 4096,
        );
    }
    // The next build cleans up: the PDB is deleted, the report is refused.
    let (clean, t) = s.start(s.m.shell, t_index + 2 * MS, &catalog::PYTHON_CLEAN);
    s.tl.create_file(clean, clean.tid, t, PDB, Open::REMOVE, status::SUCCESS);
    s.tl.set_delete(clean, clean.tid, t + 100, PDB, status::SUCCESS);
    s.tl.close_file(clean, clean.tid, t + 200, PDB);
    let t_fail = t + MS;
    s.tl.create_file(
        clean,
        clean.tid,
        t_fail,
        REPORT,
        Open::REMOVE,
        status::SHARING_VIOLATION,
    );
    s.tl.exit(clean, t_fail + 4 * MS, 1);
    let t_close = (tr + MS).max(t_fail + 10 * MS + s.rng.below(30 * MS));
    s.tl.close_file(indexer, indexer.tid, t_close, REPORT);
    s.f.incident(
        t_index,
        Incident {
            kind: "delete-refused",
            path: REPORT.into(),
            opener: Some(indexer.into()),
            child: None,
            closer: Some(indexer.into()),
            holders: vec![indexer.into()],
            victims: vec![clean.into()],
        },
    );
    s.f.violation(t_fail, clean, REPORT, &[indexer]);
    s.f.failure(
        clean,
        1,
        Some((
            "CreateFile",
            REPORT,
            "SHARING VIOLATION",
            Some("delete-refused"),
        )),
        &[],
    );
    t_close + 100 * MS
}

/// The build starts testhost.exe and does not wait for it; it keeps `results.trx` open while it
/// runs. The collect step writes `results.trx.tmp` and renames it over `results.trx`
/// (ReplaceIfExists): ACCESS DENIED, and the step exits 1. The test host closes the file and
/// exits later.
pub(super) fn rename_refused(s: &mut Story, t0: u64) -> u64 {
    const RESULTS: &str = "C:\\build\\out\\TestResults\\results.trx";
    const TEMP: &str = "C:\\build\\out\\TestResults\\results.trx.tmp";
    let (host, t) = s.start(s.m.shell, t0, &catalog::TESTHOST);
    let t_hold = t + MS;
    let t = s.write_new(host, t_hold, RESULTS, 2);
    let (collect, t) = s.start(s.m.shell, t + 30 * MS, &catalog::PYTHON_COLLECT);
    let t = s.write_new(collect, t, TEMP, 2);
    s.tl.close_file(collect, collect.tid, t + 200, TEMP);
    // MoveFileEx: open the source for delete, then rename it over the target.
    let t_open = t + MS;
    s.tl.create_file(
        collect,
        collect.tid,
        t_open,
        TEMP,
        Open::REMOVE,
        status::SUCCESS,
    );
    let t_fail = t_open + 150;
    s.tl.rename(
        collect,
        collect.tid,
        t_fail,
        TEMP,
        &format!("\\??\\{RESULTS}"),
        true,
        status::ACCESS_DENIED,
    );
    s.tl.close_file(collect, collect.tid, t_fail + 100, TEMP);
    s.tl.exit(collect, t_fail + 3 * MS, 1);
    // The test host finishes later.
    let t_done = t_fail + 40 * MS + s.rng.below(40 * MS);
    let t = s.write_chunks(host, t_done, RESULTS, 1);
    s.tl.close_file(host, host.tid, t + 300, RESULTS);
    s.tl.exit(host, t + 2 * MS, 0);
    s.f.incident(
        t_hold,
        Incident {
            kind: "delete-refused",
            path: RESULTS.into(),
            opener: Some(host.into()),
            child: None,
            closer: Some(host.into()),
            holders: vec![host.into()],
            victims: vec![collect.into()],
        },
    );
    s.f.failure(
        collect,
        1,
        Some((
            "SetRenameInformationFile",
            TEMP,
            "ACCESS DENIED",
            Some("delete-refused"),
        )),
        &[],
    );
    t + 100 * MS
}
