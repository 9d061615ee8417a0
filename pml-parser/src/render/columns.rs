//! The 27 columns of Process Monitor, by name, and a renderer that writes any of them for an event.

use std::fmt::Write as _;

use crate::capture::Capture;
use crate::event::Event;
use crate::time::FileTime;

/// A Process Monitor column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    /// `Time of Day`: `7:37:18.2093997 AM`.
    TimeOfDay,
    /// `Process Name`.
    ProcessName,
    /// `PID`.
    Pid,
    /// `Operation`.
    Operation,
    /// `Path`.
    Path,
    /// `Result`.
    Result,
    /// `Detail`.
    Detail,
    /// `Date & Time`: `7/31/2020 7:37:18 AM`.
    DateTime,
    /// `Relative Time`: since the first event.
    RelativeTime,
    /// `Duration`: seconds, 7 decimals.
    Duration,
    /// `Completion Time`.
    CompletionTime,
    /// `Event Class`.
    EventClass,
    /// `Sequence`: `n/a` for saved captures.
    Sequence,
    /// `Image Path`.
    ImagePath,
    /// `Company`.
    Company,
    /// `Description`.
    Description,
    /// `Version`.
    Version,
    /// `User`.
    User,
    /// `Authentication ID`.
    AuthenticationId,
    /// `Session`.
    Session,
    /// `Command Line`.
    CommandLine,
    /// `TID`.
    Tid,
    /// `Virtualized`.
    Virtualized,
    /// `Integrity`.
    Integrity,
    /// `Category`.
    Category,
    /// `Parent PID`.
    ParentPid,
    /// `Architecture`.
    Architecture,
}

impl Column {
    /// All 27 columns in the order of ProcMon's full CSV export.
    pub const ALL: [Column; 27] = [
        Column::TimeOfDay,
        Column::ProcessName,
        Column::Pid,
        Column::Operation,
        Column::Path,
        Column::Result,
        Column::Detail,
        Column::DateTime,
        Column::RelativeTime,
        Column::Duration,
        Column::CompletionTime,
        Column::EventClass,
        Column::Sequence,
        Column::ImagePath,
        Column::Company,
        Column::Description,
        Column::Version,
        Column::User,
        Column::AuthenticationId,
        Column::Session,
        Column::CommandLine,
        Column::Tid,
        Column::Virtualized,
        Column::Integrity,
        Column::Category,
        Column::ParentPid,
        Column::Architecture,
    ];

    /// ProcMon's 7 default columns.
    pub const DEFAULT: [Column; 7] = [
        Column::TimeOfDay,
        Column::ProcessName,
        Column::Pid,
        Column::Operation,
        Column::Path,
        Column::Result,
        Column::Detail,
    ];

    /// The header ProcMon writes for this column.
    pub fn name(self) -> &'static str {
        match self {
            Column::TimeOfDay => "Time of Day",
            Column::ProcessName => "Process Name",
            Column::Pid => "PID",
            Column::Operation => "Operation",
            Column::Path => "Path",
            Column::Result => "Result",
            Column::Detail => "Detail",
            Column::DateTime => "Date & Time",
            Column::RelativeTime => "Relative Time",
            Column::Duration => "Duration",
            Column::CompletionTime => "Completion Time",
            Column::EventClass => "Event Class",
            Column::Sequence => "Sequence",
            Column::ImagePath => "Image Path",
            Column::Company => "Company",
            Column::Description => "Description",
            Column::Version => "Version",
            Column::User => "User",
            Column::AuthenticationId => "Authentication ID",
            Column::Session => "Session",
            Column::CommandLine => "Command Line",
            Column::Tid => "TID",
            Column::Virtualized => "Virtualized",
            Column::Integrity => "Integrity",
            Column::Category => "Category",
            Column::ParentPid => "Parent PID",
            Column::Architecture => "Architecture",
        }
    }

    /// The column with this header name (case-insensitive, surrounding spaces ignored).
    pub fn from_name(name: &str) -> Option<Column> {
        let name = name.trim();
        Column::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }

    /// True for columns whose value depends only on the event's process
    /// (a filter on them can be evaluated once per process).
    pub fn is_process_level(self) -> bool {
        matches!(
            self,
            Column::ProcessName
                | Column::Pid
                | Column::ImagePath
                | Column::Company
                | Column::Description
                | Column::Version
                | Column::User
                | Column::AuthenticationId
                | Column::Session
                | Column::CommandLine
                | Column::Virtualized
                | Column::Integrity
                | Column::ParentPid
                | Column::Architecture
        )
    }
}

/// Writes columns of events as ProcMon's US-English export prints them.
#[derive(Debug, Clone)]
pub struct ColumnRenderer {
    /// Time of the first event: `Relative Time` counts from it.
    first_time: FileTime,
}

impl ColumnRenderer {
    /// A renderer for the events of `capture`, times in UTC.
    pub fn new(capture: &Capture) -> ColumnRenderer {
        let first_time = capture.event(0).map(|e| e.time()).unwrap_or_default();
        ColumnRenderer { first_time }
    }

    /// Appends `column` of `event` to `out`.
    pub fn write(&self, event: &Event<'_>, column: Column, out: &mut String) {
        let process = event.process();
        let text = |out: &mut String, f: &dyn Fn(&crate::tables::Process) -> &str| {
            if let Some(p) = process {
                out.push_str(f(p));
            }
        };
        match column {
            Column::ProcessName => text(out, &|p| &p.name),
            Column::Pid => {
                let _ = write!(out, "{}", process.map_or(0, |p| p.pid));
            }
            Column::Operation => out.push_str(event.operation_name()),
            Column::Path => super::write_path(event, out),
            Column::Detail => super::write_detail(event, out),
            Column::EventClass => out.push_str(event.class().name()),
            Column::Sequence => out.push_str("n/a"),
            Column::ImagePath => text(out, &|p| &p.image_path),
            Column::Company => text(out, &|p| &p.company),
            Column::Description => text(out, &|p| &p.description),
            Column::Version => text(out, &|p| &p.version),
            Column::User => text(out, &|p| &p.user),
            Column::AuthenticationId => {
                let luid = process.map_or(0, |p| p.authentication_id);
                let _ = write!(out, "{:08x}:{:08x}", luid >> 32, luid & 0xFFFF_FFFF);
            }
            Column::Session => {
                let _ = write!(out, "{}", process.map_or(0, |p| p.session));
            }
            Column::CommandLine => text(out, &|p| &p.command_line),
            Column::Tid => {
                let _ = write!(out, "{}", event.tid());
            }
            Column::Virtualized => out.push_str(match process.map(|p| p.virtualized) {
                Some(0) => "False",
                Some(1) => "True",
                _ => "n/a",
            }),
            Column::Integrity => text(out, &|p| &p.integrity),
            Column::Category => out.push_str(super::category(event)),
            Column::ParentPid => {
                let _ = write!(out, "{}", process.map_or(0, |p| p.parent_pid));
            }
            Column::Architecture => out.push_str(match process.map(|p| p.is_64bit) {
                Some(true) => "64-bit",
                Some(false) => "32-bit",
                None => "",
            }),
            Column::Result => {
                let _ = write!(out, "{:#X}", event.result());
            }
            Column::TimeOfDay
            | Column::DateTime
            | Column::RelativeTime
            | Column::Duration
            | Column::CompletionTime => self.write_time_column(event, column, out),
        }
    }

    /// The time columns; rendering them in ProcMon's format and a chosen time zone is still to come.
    fn write_time_column(&self, event: &Event<'_>, column: Column, out: &mut String) {
        match column {
            Column::RelativeTime => {
                let _ = write!(out, "{}", event.time().ticks_since(self.first_time));
            }
            Column::Duration => {
                if let Some(d) = event.duration() {
                    let _ = write!(out, "{d}");
                }
            }
            Column::CompletionTime => {
                if let Some(t) = event.completion_time() {
                    out.push_str(&t.to_rfc3339());
                }
            }
            _ => out.push_str(&event.time().to_rfc3339()),
        }
    }
}
