//! Rendering of Process Monitor's columns, byte for byte as ProcMon's US-English CSV export
//! prints them. Each event class has its own module for the Path, Detail and Category columns.

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

pub use clock::{TimeZoneError, TimeZoneSpec};
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

/// Appends the Detail column of `event` to `out`.
pub fn write_detail(event: &Event<'_>, out: &mut String) {
    match event.class() {
        EventClass::FileSystem => fs::write_detail(event, out),
        EventClass::Registry => registry::write_detail(event, out),
        EventClass::Process => process::write_detail(event, out),
        EventClass::Network => network::write_detail(event, out),
        EventClass::Profiling => profiling::write_detail(event, out),
        EventClass::Unknown => {}
    }
}

/// Appends the Detail column of `event` with the dates inside it in `zone`, as ProcMon
/// prints them in the exporting machine's time zone ([`write_detail`] uses UTC). Only
/// file-system Details hold dates so far; other classes render as with [`write_detail`].
pub fn write_detail_in(event: &Event<'_>, zone: &jiff::tz::TimeZone, out: &mut String) {
    match event.class() {
        EventClass::FileSystem => fs::write_detail_in(event, zone, out),
        _ => write_detail(event, out),
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
