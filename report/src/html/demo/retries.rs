//! A harder timeline: an antivirus scanner opens a file 3 ms before the build's open, the
//! linker retries its open eleven times with doubling back-off (1 ms to 1 s) and gives up, and
//! the scanner's handle is still open when the capture ends.

use crate::html::{Bar, IncidentView, Lane, Mark, MarkKind, Role, Severity, Tooltip};

const PATH: &str = r"C:\build\out\bin\app.exe";

/// The incident.
pub fn incident() -> IncidentView {
    let tip = |time: &str, operation: &str, result: &str, detail: &str| Tooltip {
        time: time.into(),
        operation: operation.into(),
        path: PATH.into(),
        result: result.into(),
        detail: detail.into(),
    };
    let mut marks = vec![
        Mark {
            lane: 0,
            kind: MarkKind::Open,
            time_ms: -3.0,
            event_index: 88_120,
            tooltip: tip(
                "10:02:11.4170000 AM",
                "CreateFile",
                "SUCCESS",
                "Desired Access: Generic Read, ShareMode: Read",
            ),
        },
        Mark {
            lane: 1,
            kind: MarkKind::Open,
            time_ms: 0.0,
            event_index: 88_131,
            tooltip: tip(
                "10:02:11.4200000 AM",
                "CreateFile",
                "SUCCESS",
                "Desired Access: Generic Read, ShareMode: Read, Write",
            ),
        },
        Mark {
            lane: 1,
            kind: MarkKind::Close,
            time_ms: 0.6,
            event_index: 88_140,
            tooltip: tip("10:02:11.4206000 AM", "CloseFile", "SUCCESS", ""),
        },
    ];
    let mut t = 2.0;
    for i in 0..11 {
        marks.push(Mark {
            lane: 2,
            kind: MarkKind::FailedOpen,
            time_ms: t,
            event_index: 88_200 + i * 37,
            tooltip: tip(
                "10:02:11 AM",
                "CreateFile",
                "SHARING VIOLATION",
                "Desired Access: Generic Write, Disposition: OverwriteIf",
            ),
        });
        t = t * 2.0 + 1.0;
    }
    IncidentView {
        kind: "sharing-violation".into(),
        severity: Severity::Medium,
        path: PATH.into(),
        origin: "2026-03-14T10:02:11.4200000Z".into(),
        explanation: "link.exe could not open app.exe for writing: MsMpEng.exe had it open without write sharing from 3 ms before the build's own open until the end of the capture. link.exe tried eleven times over 4 s.".into(),
        fix: "Exclude the build's output folder from real-time scanning, or retry for longer.".into(),
        lanes: vec![
            Lane { process: "MsMpEng.exe (3312)".into(), process_index: 40, role: Role::Holder },
            Lane { process: "msbuild.exe (7720)".into(), process_index: 41, role: Role::Opener },
            Lane { process: "link.exe (9012)".into(), process_index: 42, role: Role::Victim },
        ],
        marks,
        handle_bars: vec![
            Bar { lane: 0, from_ms: -3.0, to_ms: 6000.0, still_open: true },
            Bar { lane: 1, from_ms: 0.0, to_ms: 0.6, still_open: false },
        ],
    }
}
