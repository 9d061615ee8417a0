//! Path, Detail and Category of file-system events, as ProcMon's CSV export prints them.

mod detail;
mod flags;
mod info;
pub mod names;
mod ops;

use jiff::tz::TimeZone;

use super::ProcmonBuild;
use crate::details::fs::{op, FsDetails};
use crate::event::Event;
use crate::ops::fs_op;
use crate::text::PmlStr;

use detail::Detail;

/// What the Path column is printed from (see [`super::path_sources`]): the event's path, and
/// the filter of a QueryDirectory that has one (ProcMon shows the name looked for).
/// Both are in the detail blob: the extra blob is not looked at.
pub(super) fn path_sources<'a>(event: &Event<'a>) -> Option<[PmlStr<'a>; 2]> {
    let wide = event.capture().header().is_64bit;
    let d = FsDetails::from_blob(event.operation(), wide, event.detail_bytes(), None);
    let filter = d
        .query_directory()
        .map(|q| q.filter)
        .filter(|f| !f.is_empty())
        .unwrap_or_default();
    Some([d.path, filter])
}

/// Appends the Detail column as ProcMon `build` prints it, dates (file and volume times) in
/// `zone`.
pub(super) fn write_detail(
    event: &Event<'_>,
    zone: &TimeZone,
    build: ProcmonBuild,
    out: &mut String,
) {
    let decoded = FsDetails::decode(event);
    let Ok(d) = &decoded else {
        return;
    };
    write_details(d, zone, event.time(), build, out);
}

/// Appends the Detail column of decoded details as ProcMon `build` prints it, dates in `zone`
/// (`time`, the event's, gives the offset of dates outside the zone's rules).
pub(super) fn write_details(
    d: &FsDetails<'_>,
    zone: &TimeZone,
    time: crate::time::FileTime,
    build: ProcmonBuild,
    out: &mut String,
) {
    let d = *d;
    let mut w = Detail::new(out, zone, time);
    match d.operation {
        fs_op::CREATE_FILE => ops::create_file(&d, &mut w),
        fs_op::READ_FILE | fs_op::WRITE_FILE | op::READ_FILE2 | op::WRITE_FILE2 => {
            ops::read_write(&d, &mut w)
        }
        fs_op::CREATE_FILE_MAPPING => ops::create_file_mapping(&d, &mut w),
        fs_op::DIRECTORY_CONTROL => {
            ops::directory_control(&d, ops::ListingStyle::of(build), &mut w)
        }
        fs_op::LOCK_UNLOCK_FILE => ops::lock(&d, &mut w),
        op::QUERY_SECURITY_FILE | op::SET_SECURITY_FILE => ops::security(&d, &mut w),
        op::FILE_SYSTEM_CONTROL | op::DEVICE_IO_CONTROL | op::INTERNAL_DEVICE_IO_CONTROL => {
            ops::control(&d, &mut w)
        }
        fs_op::QUERY_INFORMATION_FILE => info::query_information(&d, &mut w),
        fs_op::SET_INFORMATION_FILE => info::set_information(&d, &mut w),
        fs_op::QUERY_VOLUME_INFORMATION => info::volume_information(&d, &mut w),
        op::FASTIO_ACQUIRE_FOR_MOD_WRITE => ops::mod_write(&d, &mut w),
        op::FASTIO_MDL_READ_COMPLETE | op::FASTIO_MDL_WRITE_COMPLETE => ops::mdl(&d, &mut w),
        _ => {}
    }
    w.finish();
}

/// The Category column.
pub(super) fn category(event: &Event<'_>) -> &'static str {
    const READ: &str = "Read";
    const WRITE: &str = "Write";
    const READ_METADATA: &str = "Read Metadata";
    const WRITE_METADATA: &str = "Write Metadata";
    match event.operation() {
        fs_op::READ_FILE | op::READ_FILE2 => READ,
        fs_op::WRITE_FILE | op::WRITE_FILE2 => WRITE,
        fs_op::QUERY_INFORMATION_FILE
        | op::QUERY_EA_FILE
        | fs_op::DIRECTORY_CONTROL
        | op::QUERY_SECURITY_FILE => READ_METADATA,
        op::SET_EA_FILE | op::SET_SECURITY_FILE | fs_op::SET_VOLUME_INFORMATION => WRITE_METADATA,
        fs_op::CREATE_FILE | fs_op::SET_INFORMATION_FILE | op::FILE_SYSTEM_CONTROL => {
            FsDetails::decode(event).map_or("", |d| ops::category(&d))
        }
        _ => "",
    }
}
