//! Detail text of the file-system operations whose fields live in the parameter block:
//! CreateFile, reads and writes, mappings, directory control, locks, security, controls
//! and fast I/O.

use std::fmt::Write as _;

use super::detail::{Detail, FlagStyle, LIST};
use super::flags::{push_file_access, ATTRIBUTE_LETTERS};
use super::names;
use crate::details::fs::{control, FsDetails};
use crate::ops::fs_op;
use crate::render::ProcmonBuild;

/// Unnamed bits appended in hex.
const LIST_HEX: FlagStyle = FlagStyle {
    sep: ", ",
    empty: "",
    rest_hex: true,
};

/// Appends a binary SID as `S-1-5-…`, or the account name of well-known SIDs whose name
/// does not depend on the machine.
fn push_sid(out: &mut String, sid: &[u8]) {
    let count = usize::from(sid.get(1).copied().unwrap_or_default());
    let (Some(&revision), Some(authority)) = (sid.first(), sid.get(2..8)) else {
        return;
    };
    let authority = authority
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    let subs = sid.get(8..8 + 4 * count).unwrap_or_default();
    let sub = |i: usize| u32::from_le_bytes([subs[i], subs[i + 1], subs[i + 2], subs[i + 3]]);
    if revision == 1 && authority == 5 && subs.len() == 4 {
        let name = match sub(0) {
            18 => Some("NT AUTHORITY\\SYSTEM"),
            19 => Some("NT AUTHORITY\\LOCAL SERVICE"),
            20 => Some("NT AUTHORITY\\NETWORK SERVICE"),
            _ => None,
        };
        if let Some(name) = name {
            out.push_str(name);
            return;
        }
    }
    let _ = write!(out, "S-{revision}-{authority}");
    for i in (0..subs.len()).step_by(4) {
        let _ = write!(out, "-{}", sub(i));
    }
}

/// CreateFile: access, disposition, options, attributes, share mode, allocation size,
/// impersonation and open result.
pub(super) fn create_file(d: &FsDetails<'_>, w: &mut Detail<'_>) {
    let Some(c) = d.create_file() else {
        return;
    };
    push_file_access(w.key("Desired Access"), c.desired_access);
    let disposition = names::DISPOSITION.get(usize::from(c.disposition));
    w.text("Disposition", disposition.copied().unwrap_or("<unknown>"));
    w.flags("Options", c.options, names::CREATE_OPTIONS, LIST);
    w.flags(
        "Attributes",
        u32::from(c.attributes),
        names::ATTRIBUTES,
        ATTRIBUTE_LETTERS,
    );
    let share = FlagStyle {
        empty: "None",
        ..LIST
    };
    w.flags("ShareMode", u32::from(c.share_mode), names::SHARE, share);
    if matches!(c.disposition, 0 | 2 | 3 | 5) {
        w.num("AllocationSize", c.allocation_size);
    } else {
        w.text("AllocationSize", "n/a");
    }
    if let Some(sid) = c.impersonation_sid {
        push_sid(w.key("Impersonating"), sid);
    }
    if let Some(result) = c.open_result {
        let name = names::OPEN_RESULT.get(result as usize);
        w.text("OpenResult", name.copied().unwrap_or("<unknown>"));
    }
}

/// ReadFile / WriteFile: offset, length (bytes transferred when known), flags, priority.
pub(super) fn read_write(d: &FsDetails<'_>, w: &mut Detail<'_>) {
    let Some(rw) = d.read_write() else {
        return;
    };
    w.num("Offset", rw.offset);
    w.num("Length", rw.transferred.unwrap_or(rw.length));
    if rw.flags != 0 {
        w.flags("I/O Flags", rw.flags, names::IO_FLAGS, LIST);
    }
    if rw.priority != 0 {
        match names::PRIORITY.get(usize::from(rw.priority)) {
            Some(name) => w.text("Priority", name),
            None => w.hex("Priority", u64::from(rw.priority)),
        }
    }
}

/// CreateFileMapping: sync type and the page protection ProcMon displays.
///
/// `PageProtection` is printed for every SyncTypeCreateSection, empty when no protection is
/// named (a Windows 7 capture shows `PageProtection: ` where the value ProcMon reads is 0), and
/// for the other sync types only when not 0 (they always store 0 in the samples).
pub(super) fn create_file_mapping(d: &FsDetails<'_>, w: &mut Detail<'_>) {
    let Some(m) = d.create_file_mapping() else {
        return;
    };
    match m.sync_type {
        0 => w.text("SyncType", "SyncTypeOther"),
        1 => w.text("SyncType", "SyncTypeCreateSection"),
        other => {
            let _ = write!(w.key("SyncType"), "Unknown: {other:#x}");
        }
    }
    let protection = m.displayed_protection;
    if protection == 0 && m.sync_type != 1 {
        return;
    }
    let out = w.key("PageProtection");
    if let Some((_, name)) = names::PAGE_PROTECTION
        .iter()
        .find(|(bit, _)| protection & bit != 0)
    {
        out.push_str(name);
    }
    if protection & names::PAGE_NOCACHE != 0 {
        out.push_str("|PAGE_NOCACHE");
    }
}

/// Where ProcMon puts FileInformationClass among the fields of a QueryDirectory Detail: it
/// changed between releases (docs/pml-format.md). The fields are numbered slots: the filter
/// and the class take a slot each, and each listed name is printed with its slot's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ListingStyle {
    /// ProcMon 3.4 (mixed-32bit's export) and, by inference, 2.x: no FileInformationClass;
    /// the filter (if any), then the names.
    NoClass,
    /// ProcMon 3.5x (the golden exports of Windows 7 and 10 captures): the filter (if any),
    /// then the names; FileInformationClass is then stored in slot 2, replacing the name
    /// there, or appended when exactly two slots are filled.
    ClassInThirdField,
    /// ProcMon 3.6 and later (3.86 on a Windows 11 capture; a Windows 7 export with a
    /// filter): FileInformationClass first, even with nothing listed, then the filter, then
    /// the names.
    ClassFirst,
}

impl ListingStyle {
    /// The style of ProcMon `build`.
    pub(super) fn of(build: ProcmonBuild) -> ListingStyle {
        match build {
            ProcmonBuild::V2 | ProcmonBuild::V3_4 => ListingStyle::NoClass,
            ProcmonBuild::V3_5 => ListingStyle::ClassInThirdField,
            _ => ListingStyle::ClassFirst,
        }
    }
}

/// QueryDirectory (filter, listing, class) and NotifyChangeDirectory (filter).
pub(super) fn directory_control(d: &FsDetails<'_>, style: ListingStyle, w: &mut Detail<'_>) {
    if let Some(filter) = d.notify_filter() {
        w.flags("Filter", filter, names::NOTIFY, LIST_HEX);
        return;
    }
    let Some(q) = d.query_directory() else {
        return;
    };
    let class = match style {
        ListingStyle::NoClass => None,
        _ => names::directory_class(q.class),
    };
    let mut slot = 0usize;
    if style == ListingStyle::ClassFirst {
        if let Some(class) = class {
            w.text("FileInformationClass", class);
            slot += 1;
        }
    }
    if !q.filter.is_empty() {
        q.filter.push_to(w.key("Filter"));
        slot += 1;
    }
    let third = style == ListingStyle::ClassInThirdField;
    for entry in q.entries() {
        if w.is_full() {
            break;
        }
        if third && slot == 2 {
            if let Some(class) = class {
                // The name of this slot is overwritten.
                w.text("FileInformationClass", class);
                slot += 1;
                continue;
            }
        }
        crate::bytes::push_utf16(w.key_numbered(slot), entry.name);
        slot += 1;
    }
    if third && slot == 2 {
        if let Some(class) = class {
            w.text("FileInformationClass", class);
        }
    }
}

/// LockFile: exclusive, offset, length, fail immediately; UnlockFileSingle: offset, length.
pub(super) fn lock(d: &FsDetails<'_>, w: &mut Detail<'_>) {
    let Some(l) = d.lock() else {
        return;
    };
    match d.sub_operation {
        1 => {
            w.bool("Exclusive", l.exclusive);
            w.num("Offset", l.offset);
            w.num("Length", l.length as u32);
            w.bool("Fail Immediately", l.fail_immediately);
        }
        2 => {
            w.num("Offset", l.offset);
            w.num("Length", l.length as u32);
        }
        _ => {}
    }
}

/// QuerySecurityFile / SetSecurityFile: the SECURITY_INFORMATION parts.
pub(super) fn security(d: &FsDetails<'_>, w: &mut Detail<'_>) {
    if let Some(info) = d.security_information() {
        w.flags("Information", info, names::SECURITY_INFORMATION, LIST_HEX);
    }
}

/// FileSystemControl / DeviceIoControl: the control name and, for a few, their sizes.
pub(super) fn control(d: &FsDetails<'_>, w: &mut Detail<'_>) {
    let Some(c) = d.control() else {
        return;
    };
    let out = w.key("Control");
    match c.name() {
        Some(name) => out.push_str(name),
        None => {
            let _ = write!(
                out,
                "{:#x} (Device:{:#x} Function:{} Method: {})",
                c.code,
                c.device_type(),
                c.function(),
                c.method()
            );
        }
    }
    if d.operation != crate::details::fs::op::FILE_SYSTEM_CONTROL {
        return;
    }
    if let Some((offset, length)) = c.offload_range() {
        w.num("Offset", offset);
        w.num("Length", length);
    }
    match c.code {
        control::FSCTL_PIPE_INTERNAL_WRITE => w.num("Length", c.input_length),
        control::FSCTL_PIPE_INTERNAL_READ => w.num("Length", c.output_length),
        control::FSCTL_PIPE_TRANSCEIVE | control::FSCTL_PIPE_INTERNAL_TRANSCEIVE => {
            w.num("WriteLength", c.input_length);
            w.num("ReadLength", c.output_length);
        }
        _ => {}
    }
}

/// FASTIO_ACQUIRE_FOR_MOD_WRITE: the end of the range to be written.
pub(super) fn mod_write(d: &FsDetails<'_>, w: &mut Detail<'_>) {
    if let Some(end) = d.mod_write_ending_offset() {
        w.num("EndingOffset", end);
    }
}

/// FASTIO_MDL_READ_COMPLETE / FASTIO_MDL_WRITE_COMPLETE: the MDL address.
pub(super) fn mdl(d: &FsDetails<'_>, w: &mut Detail<'_>) {
    if let Some(mdl) = d.mdl() {
        w.hex("MDL", mdl);
    }
}

/// Category of the operations whose category depends on their details.
pub(super) fn category(d: &FsDetails<'_>) -> &'static str {
    match d.operation {
        fs_op::CREATE_FILE => match d.create_file() {
            Some(c) => match (c.open_result, c.disposition) {
                (Some(0 | 2 | 3), _) => "Write",
                (Some(1 | 4 | 5), _) | (_, 1) => "",
                (_, 0..=5) => "Write",
                _ => "",
            },
            None => "",
        },
        fs_op::SET_INFORMATION_FILE => super::info::set_category(d),
        _ => d.control().map_or("", |c| control_category(c.name())),
    }
}

/// Category of a FileSystemControl by control name.
fn control_category(name: Option<&str>) -> &'static str {
    match name.unwrap_or_default() {
        "FSCTL_OFFLOAD_READ" | "FSCTL_GET_REPARSE_POINT" | "FSCTL_READ_RAW_ENCRYPTED" => "Read",
        "FSCTL_OFFLOAD_WRITE"
        | "FSCTL_MOVE_FILE"
        | "FSCTL_DELETE_REPARSE_POINT"
        | "FSCTL_WRITE_RAW_ENCRYPTED"
        | "FSCTL_PIPE_TRANSCEIVE"
        | "FSCTL_PIPE_INTERNAL_TRANSCEIVE" => "Write",
        "FSCTL_SET_COMPRESSION"
        | "FSCTL_WRITE_PROPERTY_DATA"
        | "FSCTL_SET_OBJECT_ID"
        | "FSCTL_DELETE_OBJECT_ID"
        | "FSCTL_SET_REPARSE_POINT"
        | "FSCTL_SET_SPARSE"
        | "FSCTL_SET_ENCRYPTION"
        | "FSCTL_CREATE_USN_JOURNAL"
        | "FSCTL_WRITE_USN_CLOSE_RECORD"
        | "FSCTL_EXTEND_VOLUME"
        | "FSCTL_DELETE_USN_JOURNAL" => "Write Metadata",
        "FSCTL_QUERY_RETRIEVAL_POINTERS"
        | "FSCTL_GET_COMPRESSION"
        | "FSCTL_QUERY_FAT_BPB"
        | "FSCTL_FILESYSTEM_GET_STATISTICS"
        | "FSCTL_GET_NTFS_VOLUME_DATA"
        | "FSCTL_GET_NTFS_FILE_RECORD"
        | "FSCTL_GET_VOLUME_BITMAP"
        | "FSCTL_GET_RETRIEVAL_POINTERS"
        | "FSCTL_IS_VOLUME_DIRTY"
        | "FSCTL_READ_PROPERTY_DATA"
        | "FSCTL_FIND_FILES_BY_SID"
        | "FSCTL_GET_OBJECT_ID"
        | "FSCTL_READ_USN_JOURNAL"
        | "FSCTL_SET_OBJECT_ID_EXTENDED"
        | "FSCTL_CREATE_OR_GET_OBJECT_ID"
        | "FSCTL_READ_FILE_USN_DATA"
        | "FSCTL_QUERY_USN_JOURNAL" => "Read Metadata",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::PmlStr;
    use crate::time::FileTime;
    use jiff::tz::TimeZone;

    /// A 32-bit file-system event of `operation`/`sub_operation` with a parameter block.
    fn event<'a>(
        operation: u16,
        sub_operation: u8,
        params: &'a [u8],
        trailer: &'a [u8],
        extra: Option<&'a [u8]>,
    ) -> FsDetails<'a> {
        FsDetails {
            operation,
            sub_operation,
            io_flags: 0,
            params,
            path: PmlStr::new(b"C:\\dir", true),
            trailer,
            extra,
            wide: false,
        }
    }

    fn render(f: impl FnOnce(&mut Detail<'_>)) -> String {
        let mut out = String::new();
        let utc = TimeZone::UTC;
        let mut w = Detail::new(&mut out, &utc, FileTime(0));
        f(&mut w);
        w.finish();
        out
    }

    /// A FileNamesInformation (class 12) listing of `names`.
    fn names_listing(names: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let units: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
            let size = (12 + units.len() + 7) & !7;
            let next = if i + 1 == names.len() { 0 } else { size };
            let start = out.len();
            out.extend_from_slice(&(next as u32).to_le_bytes());
            out.extend_from_slice(&(i as u32).to_le_bytes());
            out.extend_from_slice(&(units.len() as u32).to_le_bytes());
            out.extend_from_slice(&units);
            out.resize(start + size, 0);
        }
        out
    }

    /// The QueryDirectory Detail of a FileNamesInformation listing of `names` with `filter`,
    /// in `style`.
    fn listing(style: ListingStyle, filter: &str, names: &[&str]) -> String {
        let mut params = vec![0u8; 28];
        params[8..12].copy_from_slice(&12u32.to_le_bytes());
        let mut trailer = crate::text::StrInfo::new(filter.len(), true)
            .0
            .to_le_bytes()
            .to_vec();
        trailer.extend_from_slice(filter.as_bytes());
        let extra = names_listing(names);
        let extra = (!names.is_empty()).then_some(extra.as_slice());
        let d = event(fs_op::DIRECTORY_CONTROL, 1, &params, &trailer, extra);
        render(|w| directory_control(&d, style, w))
    }

    #[test]
    fn query_directory_styles_of_the_builds() {
        use ListingStyle::*;
        let names = ["a1", "a2", "a3"];
        assert_eq!(ListingStyle::of(ProcmonBuild::V2), NoClass);
        assert_eq!(ListingStyle::of(ProcmonBuild::V3_4), NoClass);
        assert_eq!(ListingStyle::of(ProcmonBuild::V3_5), ClassInThirdField);
        assert_eq!(ListingStyle::of(ProcmonBuild::V3_6), ClassFirst);
        assert_eq!(
            listing(NoClass, "a*", &names),
            "Filter: a*, 1: a1, 2: a2, 3: a3"
        );
        assert_eq!(listing(NoClass, "", &names), "0: a1, 1: a2, 2: a3");
        assert_eq!(
            listing(ClassInThirdField, "a*", &names),
            "Filter: a*, 1: a1, FileInformationClass: FileNamesInformation, 3: a3"
        );
        assert_eq!(
            listing(ClassInThirdField, "a*", &names[..1]),
            "Filter: a*, 1: a1, FileInformationClass: FileNamesInformation"
        );
        assert_eq!(listing(ClassInThirdField, "a*", &[]), "Filter: a*");
        assert_eq!(
            listing(ClassFirst, "a*", &names),
            "FileInformationClass: FileNamesInformation, Filter: a*, 2: a1, 3: a2, 4: a3"
        );
        assert_eq!(
            listing(ClassFirst, "", &names[..2]),
            "FileInformationClass: FileNamesInformation, 1: a1, 2: a2"
        );
        assert_eq!(
            listing(ClassFirst, "", &[]),
            "FileInformationClass: FileNamesInformation"
        );
    }

    fn mapping(sync_type: u32, protection: u32) -> String {
        let mut params = vec![0u8; 28];
        params[0..4].copy_from_slice(&sync_type.to_le_bytes());
        params[4..8].copy_from_slice(&protection.to_le_bytes());
        let d = event(fs_op::CREATE_FILE_MAPPING, 0, &params, &[], None);
        render(|w| create_file_mapping(&d, w))
    }

    #[test]
    fn create_section_always_prints_its_page_protection() {
        assert_eq!(
            mapping(1, 0x20),
            "SyncType: SyncTypeCreateSection, PageProtection: PAGE_EXECUTE_READ"
        );
        assert_eq!(
            mapping(1, 0x210),
            "SyncType: SyncTypeCreateSection, PageProtection: PAGE_EXECUTE|PAGE_NOCACHE"
        );
        assert_eq!(
            mapping(1, 0x200),
            "SyncType: SyncTypeCreateSection, PageProtection: |PAGE_NOCACHE"
        );
        // A Windows 7 export prints the key with nothing after it.
        assert_eq!(
            mapping(1, 0),
            "SyncType: SyncTypeCreateSection, PageProtection: "
        );
        assert_eq!(mapping(0, 0), "SyncType: SyncTypeOther");
        assert_eq!(mapping(7, 0), "SyncType: Unknown: 0x7");
    }
}
