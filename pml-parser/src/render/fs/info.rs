//! Detail text of QueryInformationFile, SetInformationFile and QueryVolumeInformation.

use std::fmt::Write as _;

use super::detail::{push_flags, Detail, FlagStyle, LIST};
use super::flags::{push_attributes, push_file_access};
use super::names;
use crate::bytes::push_utf16;
use crate::details::fs::info::FileBasic;
use crate::details::fs::{FileInformation, FsDetails, SetInformation, VolumeInformation};
use crate::time::FileTime;

/// The four times and the attributes of FILE_BASIC_INFORMATION.
fn basic(w: &mut Detail<'_>, b: &FileBasic) {
    w.time("CreationTime", b.creation_time);
    w.time("LastAccessTime", b.last_access_time);
    w.time("LastWriteTime", b.last_write_time);
    w.time("ChangeTime", b.change_time);
    push_attributes(w.key("FileAttributes"), b.attributes);
}

/// QueryInformationFile results.
pub(super) fn query_information(d: &FsDetails<'_>, w: &mut Detail<'_>) {
    let Some(info) = d.query_information() else {
        return;
    };
    match info {
        FileInformation::Basic(b) => basic(w, &b),
        FileInformation::Standard(s) => {
            w.num("AllocationSize", s.allocation_size);
            w.num("EndOfFile", s.end_of_file);
            w.num("NumberOfLinks", s.number_of_links);
            w.bool("DeletePending", s.delete_pending);
            w.bool("Directory", s.directory);
        }
        FileInformation::Internal { index_number } => w.hex("IndexNumber", index_number),
        FileInformation::Ea { size } => w.num("EaSize", size),
        FileInformation::Name(name) => push_utf16(w.key("Name"), name),
        FileInformation::Position { offset } => w.num("Position", offset),
        FileInformation::All(a) => {
            basic(w, &a.basic);
            w.num("AllocationSize", a.standard.allocation_size);
            w.num("EndOfFile", a.standard.end_of_file);
            w.num("NumberOfLinks", a.standard.number_of_links);
            w.bool("DeletePending", a.standard.delete_pending);
            w.bool("Directory", a.standard.directory);
            w.hex("IndexNumber", a.index_number);
            w.num("EaSize", a.ea_size);
            push_file_access(w.key("Access"), a.access);
            w.num("Position", a.position);
            w.flags("Mode", a.mode, names::CREATE_OPTIONS, LIST);
            match names::alignment(a.alignment) {
                Some(name) => w.text("AlignmentRequirement", name),
                None => w.hex("AlignmentRequirement", u64::from(a.alignment)),
            }
        }
        FileInformation::NetworkOpen(n) => {
            let t = &n.times;
            w.time("CreationTime", t.creation_time);
            w.time("LastAccessTime", t.last_access_time);
            w.time("LastWriteTime", t.last_write_time);
            w.time("ChangeTime", t.change_time);
            // ProcMon formats these two sizes as dates (a display bug reproduced here).
            w.time("AllocationSize", FileTime(n.allocation_size as u64));
            w.time("EndOfFile", FileTime(n.end_of_file as u64));
            push_attributes(w.key("FileAttributes"), t.attributes);
        }
        // ProcMon prints nothing for these two.
        FileInformation::Stream(_) | FileInformation::Id { .. } => {}
        FileInformation::AttributeTag {
            attributes,
            reparse_tag,
        } => {
            push_attributes(w.key("Attributes"), attributes);
            w.hex("ReparseTag", u64::from(reparse_tag));
        }
    }
}

/// SetInformationFile inputs.
pub(super) fn set_information(d: &FsDetails<'_>, w: &mut Detail<'_>) {
    let Some(info) = d.set_information() else {
        return;
    };
    match info {
        SetInformation::Basic(b) => basic(w, &b),
        SetInformation::Rename {
            replace_if_exists,
            name,
        } => {
            w.bool("ReplaceIfExists", replace_if_exists);
            push_rename_target(w.key("FileName"), d, name);
        }
        SetInformation::Disposition { delete, .. } => w.bool("Delete", delete),
        SetInformation::Position { offset } => w.num("Position", offset),
        SetInformation::Allocation { size } => w.num("AllocationSize", size),
        SetInformation::EndOfFile { end_of_file } => w.num("EndOfFile", end_of_file),
        SetInformation::ValidDataLength { length } => w.num("ValidDataLength", length),
    }
}

/// Appends a rename/link target as a DOS path: a `\??\` prefix dropped, and a bare name
/// (an in-place rename) joined to the directory of the event's path.
fn push_rename_target(out: &mut String, d: &FsDetails<'_>, name: &[u8]) {
    let start = out.len();
    push_utf16(out, name);
    if out[start..].starts_with("\\??\\") {
        out.replace_range(start..start + 4, "");
    } else if !out[start..].contains(['\\', ':']) {
        let mut dir = String::new();
        d.path.push_to(&mut dir);
        if let Some(end) = dir.rfind('\\') {
            out.insert_str(start, &dir[..=end]);
        }
    }
}

/// Category of a SetInformationFile: deleting writes the file, the rest its metadata.
pub(super) fn set_category(d: &FsDetails<'_>) -> &'static str {
    match d.set_information() {
        Some(SetInformation::Disposition { delete: true, .. }) => "Write",
        _ => "Write Metadata",
    }
}

/// QueryVolumeInformation results.
pub(super) fn volume_information(d: &FsDetails<'_>, w: &mut Detail<'_>) {
    let Some(info) = d.volume_information() else {
        return;
    };
    match info {
        VolumeInformation::Volume {
            creation_time,
            serial_number,
            supports_objects,
            label,
        } => {
            w.time("VolumeCreationTime", creation_time);
            let _ = write!(
                w.key("VolumeSerialNumber"),
                "{:04X}-{:04X}",
                serial_number >> 16,
                serial_number & 0xFFFF
            );
            w.bool("SupportsObjects", supports_objects);
            push_utf16(w.key("VolumeLabel"), label);
        }
        VolumeInformation::Size {
            total,
            available,
            sectors_per_unit,
            bytes_per_sector,
        } => {
            w.num("TotalAllocationUnits", total);
            w.num("AvailableAllocationUnits", available);
            w.num("SectorsPerAllocationUnit", sectors_per_unit);
            w.num("BytesPerSector", bytes_per_sector);
        }
        VolumeInformation::FullSize {
            total,
            caller_available,
            actual_available,
            sectors_per_unit,
            bytes_per_sector,
        } => {
            w.num("TotalAllocationUnits", total);
            w.num("CallerAvailableAllocationUnits", caller_available);
            w.num("ActualAvailableAllocationUnits", actual_available);
            w.num("SectorsPerAllocationUnit", sectors_per_unit);
            w.num("BytesPerSector", bytes_per_sector);
        }
        VolumeInformation::Device {
            device_type,
            characteristics,
        } => {
            w.hex("DeviceType", u64::from(device_type));
            w.hex("Characteristics", u64::from(characteristics));
        }
        VolumeInformation::Attribute {
            attributes,
            max_component_length,
            name,
        } => {
            let style = FlagStyle {
                empty: "n/a",
                rest_hex: true,
                ..LIST
            };
            push_flags(
                w.key("FileSystemAttributes"),
                attributes,
                names::FS_ATTRIBUTES,
                style,
            );
            w.num("MaximumComponentNameLength", max_component_length);
            push_utf16(w.key("FileSystemName"), name);
        }
        VolumeInformation::ObjectId { object_id } => {
            let out = w.key("ObjectId");
            for b in object_id {
                let _ = write!(out, "{b:02X}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::PmlStr;
    use jiff::tz::TimeZone;

    /// A 64-bit SetInformationFile of `class` on `path` with `input` after the path.
    fn set_event<'a>(class: u8, path: &'a str, input: &'a [u8]) -> FsDetails<'a> {
        FsDetails {
            operation: crate::ops::fs_op::SET_INFORMATION_FILE,
            sub_operation: class,
            io_flags: 0,
            params: &[],
            path: PmlStr::new(path.as_bytes(), true),
            trailer: input,
            extra: None,
            wide: true,
        }
    }

    fn rename_input(replace: bool, name: &str) -> Vec<u8> {
        let units: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mut b = vec![u8::from(replace), 0, 0, 0, 0, 0, 0, 0];
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(&(units.len() as u32).to_le_bytes());
        b.extend_from_slice(&units);
        b
    }

    fn render(d: &FsDetails<'_>) -> String {
        let mut out = String::new();
        let utc = TimeZone::UTC;
        let mut w = Detail::new(&mut out, &utc, FileTime(0));
        set_information(d, &mut w);
        w.finish();
        out
    }

    #[test]
    fn rename_targets_are_dos_paths() {
        let input = rename_input(false, "b.txt");
        assert_eq!(
            render(&set_event(0x0A, "C:\\dir\\a.tmp", &input)),
            "ReplaceIfExists: False, FileName: C:\\dir\\b.txt"
        );
        let input = rename_input(true, "\\??\\D:\\x\\b.txt");
        assert_eq!(
            render(&set_event(0x41, "C:\\dir\\a.tmp", &input)),
            "ReplaceIfExists: True, FileName: D:\\x\\b.txt"
        );
    }

    #[test]
    fn deleting_is_a_write_and_other_sets_write_metadata() {
        let delete = [1u8];
        assert_eq!(set_category(&set_event(0x0D, "C:\\a", &delete)), "Write");
        assert_eq!(render(&set_event(0x0D, "C:\\a", &delete)), "Delete: True");
        let keep = [0u8];
        assert_eq!(
            set_category(&set_event(0x0D, "C:\\a", &keep)),
            "Write Metadata"
        );
        let eof = 4096u64.to_le_bytes();
        assert_eq!(render(&set_event(0x14, "C:\\a", &eof)), "EndOfFile: 4,096");
    }
}
