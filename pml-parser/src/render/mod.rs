//! Rendering of Process Monitor's columns, byte for byte as ProcMon's US-English CSV export
//! prints them. Each event class has its own module for the Path, Detail and Category columns.

pub mod build;
mod clock;
pub mod columns;
pub mod csv;
mod digits;
mod fs;
mod network;
mod process;
mod profiling;
mod registry;
pub mod status;

pub use build::{BuildDetection, ProcmonBuild, ProcmonBuildError};
pub use clock::{TimeZoneError, TimeZoneSpec};
/// The names ProcMon gives to file-system flags and enumerations (for reading its text back).
pub use fs::names as file_names;
pub use process::numbers::{push_thousands, thousands};

use crate::event::Event;
use crate::ops::EventClass;

/// Appends the Path column of `event` to `out`.
pub fn write_path(event: &Event<'_>, out: &mut String) {
    match event.class() {
        EventClass::FileSystem => fs::write_path(event, out),
        EventClass::Registry => registry::write_path(event, out),
        EventClass::Process => process::write_path(event, out),
        EventClass::Network => network::write_path(event, out),
        EventClass::Profiling => profiling::write_path(event, out),
        EventClass::Unknown => {}
    }
}

/// Appends the Detail column of `event` to `out`, dates in UTC, as the capture's ProcMon build
/// prints it ([`Capture::procmon_build`](crate::Capture::procmon_build)).
pub fn write_detail(event: &Event<'_>, out: &mut String) {
    write_detail_in(event, &jiff::tz::TimeZone::UTC, out);
}

/// Appends the Detail column of `event` with the dates inside it in `zone`, as ProcMon
/// prints them in the exporting machine's time zone ([`write_detail`] uses UTC). Only
/// file-system Details hold dates so far.
pub fn write_detail_in(event: &Event<'_>, zone: &jiff::tz::TimeZone, out: &mut String) {
    let build = event.capture().procmon_build().build;
    write_detail_as(event, zone, build, out);
}

/// Appends the Detail column of `event` as ProcMon `build` prints it, dates in `zone`.
pub fn write_detail_as(
    event: &Event<'_>,
    zone: &jiff::tz::TimeZone,
    build: ProcmonBuild,
    out: &mut String,
) {
    match event.class() {
        EventClass::FileSystem => fs::write_detail(event, zone, build, out),
        EventClass::Registry => registry::write_detail(event, out),
        EventClass::Process => process::write_detail(event, out),
        EventClass::Network => network::write_detail(event, out),
        EventClass::Profiling => profiling::write_detail(event, out),
        EventClass::Unknown => {}
    }
}

/// The Category column of `event`: `Read`, `Write`, `Read Metadata`, `Write Metadata` or empty.
pub fn category(event: &Event<'_>) -> &'static str {
    match event.class() {
        EventClass::FileSystem => fs::category(event),
        EventClass::Registry => registry::category(event),
        EventClass::Process => process::category(event),
        EventClass::Network => network::category(event),
        EventClass::Profiling => profiling::category(event),
        EventClass::Unknown => "",
    }
}
