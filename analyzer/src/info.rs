//! What `pml info --json` prints about a capture: its system, the ProcMon build that wrote it,
//! event counts per class, processes, time span and salvage report, as one serializable
//! document (the same for the command line and the MCP server).

use std::collections::BTreeMap;

use pml_parser::{BuildDetection, FileTime, OsVersion, SalvageReport, SplitCapture};
use serde::Serialize;

use crate::overview::Overview;

/// A capture described for `pml info`: system details from the first part's header, counts over
/// all parts.
#[derive(Debug, Clone, Serialize)]
pub struct CaptureInfo {
    /// The capture as it was named (the path given).
    pub file: String,
    /// PML format version (7 or 9).
    pub version: u32,
    /// 32 or 64.
    pub bitness: u32,
    /// The computer the capture was made on.
    pub computer: String,
    /// Its system root, e.g. `C:\Windows`.
    pub system_root: String,
    /// The Windows release, e.g. `Windows 10 (build 19045)`.
    pub os: String,
    /// The raw OS version fields.
    pub os_version: OsVersion,
    /// Logical processors.
    pub cpus: u32,
    /// Physical memory in bytes.
    pub memory_bytes: u64,
    /// The highest user-mode address, in hex.
    pub max_user_address: String,
    /// Events in all parts.
    pub events: u64,
    /// Events that could not be read.
    pub unreadable_events: u64,
    /// Processes in the first part's process table.
    pub processes: usize,
    /// Time of the earliest event (RFC 3339, UTC).
    pub first_event: Option<String>,
    /// Time of the latest event (RFC 3339, UTC).
    pub last_event: Option<String>,
    /// Readable events per class.
    pub event_classes: BTreeMap<&'static str, u64>,
    /// What salvaging found, for a capture ProcMon never finished or one that was cut off.
    pub salvaged: Option<SalvageReport>,
    /// The first part's warnings (odd headers, salvaged bytes).
    pub warnings: Vec<String>,
    /// The ProcMon build family detected: `build`, `captured_by`, `evidence`.
    pub procmon_build: BuildDetection,
}

impl CaptureInfo {
    /// Describes `capture`, calling it `file`; `None` when it has no part.
    pub fn compute(file: impl Into<String>, capture: &SplitCapture) -> Option<CaptureInfo> {
        let overview = Overview::compute(capture);
        let first = capture.captures().next()?;
        let h = first.header();
        Some(CaptureInfo {
            file: file.into(),
            version: h.version,
            bitness: h.bitness(),
            computer: h.computer_name.clone(),
            system_root: h.system_root.clone(),
            os: h.os.display_name(),
            os_version: h.os.clone(),
            cpus: h.cpu_count,
            memory_bytes: h.memory_bytes,
            max_user_address: format!("{:#x}", h.max_user_address),
            events: capture.event_count(),
            unreadable_events: overview.unreadable_events,
            processes: first.processes().len(),
            first_event: overview.first_time.map(FileTime::to_rfc3339),
            last_event: overview.last_time.map(FileTime::to_rfc3339),
            event_classes: overview.event_classes,
            salvaged: first.salvage_report().cloned(),
            warnings: first.warnings().to_vec(),
            procmon_build: first.procmon_build().clone(),
        })
    }

    /// True when some events or bytes could not be read.
    pub fn partial(&self) -> bool {
        self.unreadable_events > 0
            || self
                .salvaged
                .as_ref()
                .is_some_and(|r| r.unreadable_bytes > 0)
    }
}
