//! The 27 columns of Process Monitor, by name, and a renderer that writes any of them for an event.

use super::clock::{self, Clock, TimeZoneSpec};
use super::digits::{push_hex_lower_padded, push_u64};
use super::status;
use super::ProcmonBuild;
use crate::capture::Capture;
use crate::event::Event;
use crate::tables::Process;
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
///
/// Times are in UTC unless [`ColumnRenderer::with_time_zone`] chooses another zone; Operation
/// and Detail are printed as the capture's ProcMon build prints them unless
/// [`ColumnRenderer::with_procmon_build`] chooses another. Writing a
/// column appends to a `String` and allocates nothing beyond that string's growth.
#[derive(Debug, Clone)]
pub struct ColumnRenderer {
    /// Time of the first event: `Relative Time` counts from it.
    first_time: FileTime,
    /// UTC span of the capture's events, over which the zone's offsets are precomputed.
    span: std::ops::Range<FileTime>,
    clock: Clock,
    /// The ProcMon release whose rendering is imitated.
    build: ProcmonBuild,
}

/// An event with its process looked up, for rendering several of its columns.
#[derive(Debug, Clone, Copy)]
pub struct EventRow<'e, 'a> {
    event: &'e Event<'a>,
    process: Option<&'a Process>,
}

impl<'e, 'a> EventRow<'e, 'a> {
    /// Looks up the process of `event`.
    #[inline]
    pub fn new(event: &'e Event<'a>) -> EventRow<'e, 'a> {
        EventRow {
            event,
            process: event.process(),
        }
    }

    /// The event's process, when the process table has it.
    #[inline]
    pub fn process(&self) -> Option<&'a Process> {
        self.process
    }
}

/// Margin around the capture's first and last event times for precomputed offsets
/// (completion times can fall after the last start time).
const SPAN_MARGIN: u64 = 2 * 86_400 * clock::TICKS_PER_SECOND;

impl ColumnRenderer {
    /// A renderer for the events of `capture`, times in UTC.
    pub fn new(capture: &Capture) -> ColumnRenderer {
        let time_of = |index: u64| capture.event(index).map(|e| e.time()).ok();
        let first_time = time_of(0).unwrap_or_default();
        let last_time = capture
            .event_count()
            .checked_sub(1)
            .and_then(time_of)
            .unwrap_or(first_time);
        let (low, high) = (first_time.min(last_time), first_time.max(last_time));
        let span = FileTime(low.0.saturating_sub(SPAN_MARGIN))
            ..FileTime(high.0.saturating_add(SPAN_MARGIN));
        ColumnRenderer {
            first_time,
            clock: Clock::new(TimeZoneSpec::utc(), span.clone()),
            span,
            build: capture.procmon_build().build,
        }
    }

    /// The same renderer printing as ProcMon `build` does, instead of the build detected in
    /// the capture ([`Capture::procmon_build`]).
    pub fn with_procmon_build(self, build: ProcmonBuild) -> ColumnRenderer {
        ColumnRenderer { build, ..self }
    }

    /// The ProcMon build whose rendering is imitated.
    pub fn procmon_build(&self) -> ProcmonBuild {
        self.build
    }

    /// The Operation column of `event` as this renderer's build names it.
    #[inline]
    pub fn operation_name(&self, event: &Event<'_>) -> &'static str {
        event.operation_name_as(self.build)
    }

    /// The same renderer with times in `zone`.
    pub fn with_time_zone(self, zone: TimeZoneSpec) -> ColumnRenderer {
        ColumnRenderer {
            clock: Clock::new(zone, self.span.clone()),
            ..self
        }
    }

    /// The same renderer with `Relative Time` counted from `first_time` (for the later parts
    /// of a capture split over several files, whose first event is in the first part).
    pub fn with_first_time(self, first_time: FileTime) -> ColumnRenderer {
        ColumnRenderer { first_time, ..self }
    }

    /// The time zone of the time columns.
    pub fn time_zone(&self) -> &TimeZoneSpec {
        self.clock.spec()
    }

    /// Appends `column` of `event` to `out`.
    pub fn write(&self, event: &Event<'_>, column: Column, out: &mut String) {
        self.write_row(&EventRow::new(event), column, out);
    }

    /// Appends `column` of `row` to `out`; for several columns of one event, cheaper than
    /// [`ColumnRenderer::write`], which looks the event's process up each time.
    pub fn write_row(&self, row: &EventRow<'_, '_>, column: Column, out: &mut String) {
        let (event, process) = (row.event, row.process);
        match column {
            Column::TimeOfDay => clock::push_time_of_day(out, self.clock.local(event.time())),
            Column::ProcessName => out.push_str(process.map_or("", |p| &p.name)),
            Column::Pid => push_u64(out, process.map_or(0, |p| p.pid).into()),
            Column::Operation => out.push_str(self.operation_name(event)),
            Column::Path => super::write_path(event, out),
            Column::Result => status::write(event.result(), out),
            // Dates inside Detail are local times of the exporting machine, like the time columns.
            Column::Detail => {
                super::write_detail_as(event, self.time_zone().zone(), self.build, out)
            }
            Column::DateTime => self
                .clock
                .push_date_time(out, self.clock.local(event.time())),
            Column::RelativeTime => {
                clock::push_elapsed(out, event.time().ticks_since(self.first_time));
            }
            Column::Duration => {
                if let Some(ticks) = event.duration() {
                    clock::push_seconds(out, ticks);
                }
            }
            Column::CompletionTime => {
                if let Some(t) = event.completion_time() {
                    clock::push_time_of_day(out, self.clock.local(t));
                }
            }
            Column::EventClass => out.push_str(event.class().name()),
            Column::Sequence => out.push_str("n/a"),
            Column::ImagePath => out.push_str(process.map_or("", |p| &p.image_path)),
            Column::Company => out.push_str(process.map_or("", |p| &p.company)),
            Column::Description => out.push_str(process.map_or("", |p| &p.description)),
            Column::Version => out.push_str(process.map_or("", |p| &p.version)),
            Column::User => out.push_str(process.map_or("", |p| &p.user)),
            Column::AuthenticationId => {
                let luid = process.map_or(0, |p| p.authentication_id);
                push_hex_lower_padded(out, luid >> 32, 8);
                out.push(':');
                push_hex_lower_padded(out, luid & 0xFFFF_FFFF, 8);
            }
            Column::Session => push_u64(out, process.map_or(0, |p| p.session).into()),
            Column::CommandLine => out.push_str(process.map_or("", |p| &p.command_line)),
            Column::Tid => push_u64(out, event.tid().into()),
            Column::Virtualized => out.push_str(match process.map(|p| p.virtualized) {
                Some(0) => "False",
                Some(1) => "True",
                _ => "n/a",
            }),
            Column::Integrity => out.push_str(process.map_or("", |p| &p.integrity)),
            Column::Category => out.push_str(super::category(event)),
            Column::ParentPid => push_u64(out, process.map_or(0, |p| p.parent_pid).into()),
            Column::Architecture => out.push_str(match process.map(|p| p.is_64bit) {
                Some(true) => "64-bit",
                Some(false) => "32-bit",
                None => "",
            }),
        }
    }
}
