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
use crate::text::PmlStr;

/// Appends the Path column of `event` to `out`.
pub fn write_path(event: &Event<'_>, out: &mut String) {
    match event.class() {
        EventClass::Network => network::write_path(event, out),
        EventClass::Profiling => profiling::write_path(event, out),
        _ => {
            if let Some([path, filter]) = path_sources(event) {
                path.push_to(out);
                if !filter.is_empty() {
                    if !out.ends_with('\\') {
                        out.push('\\');
                    }
                    filter.push_to(out);
                }
            }
        }
    }
}

/// The strings the Path column of `event` is printed from, in order: the path, and the filter
/// of a file-system directory query (else empty). Events with equal sources print equal paths,
/// so a caller that groups events by path can key them by their sources and print each
/// distinct path once ([`write_path`]). Read from the detail blob alone (a damaged extra blob
/// does not hide the path). `None` when the path is made from other fields (network addresses,
/// profiling) or a process event's details cannot be decoded.
pub fn path_sources<'a>(event: &Event<'a>) -> Option<[PmlStr<'a>; 2]> {
    match event.class() {
        EventClass::FileSystem => fs::path_sources(event),
        EventClass::Registry => registry::path_sources(event),
        EventClass::Process => process::path_sources(event),
        EventClass::Network | EventClass::Profiling | EventClass::Unknown => None,
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

/// The detail blobs of an event and the fields of its header its Detail column shows, for
/// rendering a Detail without a capture: a blob about to be written, to check that it prints
/// as meant.
#[derive(Debug, Clone, Copy)]
pub struct DetailBlob<'a> {
    /// Event class.
    pub class: EventClass,
    /// Operation code within the class.
    pub operation: u16,
    /// True for a 64-bit capture (pointer-sized fields are 8 bytes).
    pub wide: bool,
    /// Thread id (Thread Exit prints it).
    pub tid: u32,
    /// Event time (dates outside the zone's rules take its offset).
    pub time: crate::time::FileTime,
    /// The detail blob.
    pub detail: &'a [u8],
    /// The extra-detail blob.
    pub extra: Option<&'a [u8]>,
}

/// Appends the Detail column of `blob` as ProcMon `build` prints it, dates in `zone`. Nothing
/// is read past the blobs' ends, where [`write_detail_as`] follows ProcMon's over-reads of
/// registry strings into the bytes that follow them in the file.
pub fn write_detail_of(
    blob: &DetailBlob<'_>,
    zone: &jiff::tz::TimeZone,
    build: ProcmonBuild,
    out: &mut String,
) {
    use crate::details::{fs as fsd, network as netd, process as procd, profiling as profd};
    let (op, detail) = (blob.operation, blob.detail);
    match blob.class {
        EventClass::FileSystem => {
            let d = fsd::FsDetails::from_blob(op, blob.wide, detail, blob.extra);
            fs::write_details(&d, zone, blob.time, build, out)
        }
        EventClass::Registry => {
            let d = crate::details::registry::RegistryDetails::from_blob(op, detail, blob.extra);
            registry::write_details(&d, out)
        }
        EventClass::Process => {
            let d = procd::ProcessDetails::from_blob(op, blob.wide, detail);
            process::write_details(d, blob.tid, out)
        }
        EventClass::Network => {
            network::write_details(&netd::NetworkDetails::from_blob(detail), out)
        }
        EventClass::Profiling => {
            profiling::write_details(profd::ProfilingDetails::from_blob(op, detail), out)
        }
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
