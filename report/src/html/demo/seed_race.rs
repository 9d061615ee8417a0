//! The seed race, built by hand as the analyzer would report it: python.exe opens gen.cpp at
//! t = 0, creates cmd.exe at +7 ms (which inherits the handle), cl.exe fails to open the file
//! at +40 ms and +41 ms, and cmd.exe closes the handle at +1,800 ms.

use std::collections::BTreeMap;

use crate::html::{
    Bar, CaptureSummary, ClassSeries, Histogram, HtmlPage, IncidentView, Lane, Mark, MarkKind,
    ProcessNode, Role, Severity, TableRow, Tooltip,
};

/// The file of the story.
pub const PATH: &str = r"C:\build\out\gen\gen.cpp";
/// cmd.exe's command line: quotes, `>` and `&` that the page must escape.
pub const CMD_LINE: &str =
    r#"C:\Windows\system32\cmd.exe /c "build_step.bat gen.cpp > log.txt & exit""#;

fn mark(lane: usize, kind: MarkKind, time_ms: f64, event_index: u64, tip: [&str; 4]) -> Mark {
    let [time, operation, result, detail] = tip;
    Mark {
        lane,
        kind,
        time_ms,
        event_index,
        tooltip: Tooltip {
            time: time.into(),
            operation: operation.into(),
            path: if operation == "Process Exit" || operation == "Process Create" {
                String::new()
            } else {
                PATH.into()
            },
            result: result.into(),
            detail: detail.into(),
        },
    }
}

/// The incident.
pub fn incident() -> IncidentView {
    IncidentView {
        kind: "inherited-handle".into(),
        severity: Severity::High,
        path: PATH.into(),
        origin: "2026-03-14T09:26:53.5897932Z".into(),
        explanation: "python.exe (PID 4120) opened gen.cpp for writing and, 7 ms later, created cmd.exe (PID 5532) while the handle was still open. cmd.exe inherited the handle and kept the file open until +1.80 s, long after python.exe had finished with it.\n\nMeanwhile cl.exe (PID 6004) tried to open gen.cpp at +40 ms and +41 ms and failed both times with SHARING VIOLATION: the inherited handle does not share write access.".into(),
        fix: "Close gen.cpp before starting child processes, or open it non-inheritable (O_NOINHERIT, bInheritHandle = FALSE) and start children without handle inheritance (close_fds=True, bInheritHandles = FALSE).".into(),
        lanes: vec![
            Lane { process: "python.exe (4120)".into(), process_index: 10, role: Role::Opener },
            Lane { process: "cmd.exe (5532)".into(), process_index: 11, role: Role::Child },
            Lane { process: "cl.exe (6004)".into(), process_index: 12, role: Role::Victim },
        ],
        marks: vec![
            mark(0, MarkKind::Open, 0.0, 1000, ["9:26:53.5897932 AM", "CreateFile", "SUCCESS", "Desired Access: Generic Write, Read Attributes, Disposition: OverwriteIf, Options: Synchronous IO Non-Alert, Non-Directory File, Attributes: N, ShareMode: Read, AllocationSize: 0, OpenResult: Created"]),
            mark(1, MarkKind::ProcessCreate, 7.0, 1042, ["9:26:53.5967932 AM", "Process Create", "SUCCESS", "PID: 5532, Command line: cmd.exe /c \"build_step.bat gen.cpp > log.txt & exit\""]),
            mark(2, MarkKind::FailedOpen, 40.0, 1310, ["9:26:53.6297932 AM", "CreateFile", "SHARING VIOLATION", "Desired Access: Generic Read, Disposition: Open, Options: Synchronous IO Non-Alert, Non-Directory File, Attributes: n/a, ShareMode: Read, Delete, AllocationSize: n/a"]),
            mark(2, MarkKind::FailedOpen, 41.0, 1318, ["9:26:53.6307932 AM", "CreateFile", "SHARING VIOLATION", "Desired Access: Generic Read, Disposition: Open, Options: Synchronous IO Non-Alert, Non-Directory File, Attributes: n/a, ShareMode: Read, Delete, AllocationSize: n/a"]),
            mark(2, MarkKind::Exit, 44.0, 1333, ["9:26:53.6337932 AM", "Process Exit", "SUCCESS", "Exit Status: 2, User Time: 0.0156250 seconds, Kernel Time: 0.0156250 seconds"]),
            mark(1, MarkKind::Close, 1800.0, 20457, ["9:26:55.3897932 AM", "CloseFile", "SUCCESS", ""]),
            mark(1, MarkKind::Exit, 1802.0, 20460, ["9:26:55.3917932 AM", "Process Exit", "SUCCESS", "Exit Status: 0, User Time: 0.0000000 seconds, Kernel Time: 0.0156250 seconds"]),
        ],
        handle_bars: vec![
            Bar { lane: 0, from_ms: 0.0, to_ms: 1800.0, still_open: false },
            Bar { lane: 1, from_ms: 7.0, to_ms: 1800.0, still_open: false },
        ],
    }
}

fn node(
    pid: u32,
    process_index: u32,
    name: &str,
    command_line: &str,
    parent: Option<u32>,
) -> ProcessNode {
    ProcessNode {
        pid,
        process_index,
        name: name.into(),
        command_line: command_line.into(),
        parent_index: parent,
        start: Some("2026-03-14T09:26:50.1000000Z".into()),
        end: Some("2026-03-14T09:26:56.0000000Z".into()),
    }
}

fn row(
    event_index: u64,
    time: &str,
    process: &str,
    pid: u32,
    result: &str,
    note: &str,
) -> TableRow {
    TableRow {
        event_index,
        time: time.into(),
        process: process.into(),
        pid,
        operation: "CreateFile".into(),
        path: PATH.into(),
        result: result.into(),
        detail: "Desired Access: Generic Read".into(),
        note: note.into(),
    }
}

/// The whole page.
pub fn page() -> HtmlPage {
    HtmlPage {
        capture: CaptureSummary {
            file: "seed-race.pml".into(),
            computer: "BUILD-07".into(),
            os: "Windows 10 (build 19045)".into(),
            first_event: Some("2026-03-14T09:26:50.0000000Z".into()),
            last_event: Some("2026-03-14T09:26:56.4000000Z".into()),
            events: 24_311,
            processes: 38,
        },
        counts_by_kind: BTreeMap::from([
            ("inherited-handle".to_string(), 1),
            ("sharing-violation".to_string(), 2),
            ("unmatched-open".to_string(), 1),
        ]),
        warnings: Vec::new(),
        failures: Vec::new(),
        incidents: vec![incident()],
        handle_leaks: Vec::new(),
        unmatched_opens: vec![row(
            1000,
            "9:26:53.5897932 AM",
            "python.exe",
            4120,
            "SUCCESS",
            "no CloseFile in python.exe; inherited by cmd.exe (5532), closed there at +1.80 s",
        )],
        sharing_violations: vec![
            row(
                1318,
                "9:26:53.6307932 AM",
                "cl.exe",
                6004,
                "SHARING VIOLATION",
                "held by python.exe (4120) and cmd.exe (5532)",
            ),
            row(
                1310,
                "9:26:53.6297932 AM",
                "cl.exe",
                6004,
                "SHARING VIOLATION",
                "held by python.exe (4120) and cmd.exe (5532)",
            ),
        ],
        process_tree: vec![
            node(
                2200,
                3,
                "powershell.exe",
                r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe -NoProfile -File build.ps1",
                None,
            ),
            node(
                4120,
                10,
                "python.exe",
                r"C:\Python38\python.exe tools\generate.py --out out\gen",
                Some(3),
            ),
            node(5532, 11, "cmd.exe", CMD_LINE, Some(10)),
            node(
                6004,
                12,
                "cl.exe",
                r"cl.exe /nologo /c out\gen\gen.cpp /Foout\obj\gen.obj",
                Some(10),
            ),
        ],
        histogram: Histogram {
            bucket_seconds: 1,
            classes: vec![
                ClassSeries {
                    class: "File System".into(),
                    counts: vec![820, 1904, 2510, 6120, 3300, 1200, 310],
                },
                ClassSeries {
                    class: "Registry".into(),
                    counts: vec![1500, 900, 1210, 2400, 1100, 700, 90],
                },
                ClassSeries {
                    class: "Process".into(),
                    counts: vec![12, 40, 22, 160, 75, 30, 6],
                },
                ClassSeries {
                    class: "Network".into(),
                    counts: vec![0, 0, 3, 4, 0, 0, 0],
                },
            ],
        },
        baseline: None,
    }
}
