//! The Detail text of an exported event turned back into the detail blob ProcMon would have
//! stored: each operation's `Key: value` fields read back into the parameter block, the bytes
//! after the path and the extra (completion) blob that the renderer of `pml_parser` prints them
//! from — file system in [`fs`], registry in [`registry`], process and profiling in
//! [`process`]; network events are built by the builder, which owns the host and port names.
//!
//! Every blob is checked by rendering it ([`check`]): an event whose blob does not print its
//! Detail text back exactly counts as kept only in part. The check compares exactly only for
//! exports in ProcMon's US format; with another regional format a blob counts as kept when
//! its operation is one pml rebuilds.

mod fs;
mod process;
mod registry;

use pml_parser::render::{write_detail_of, DetailBlob};
use pml_parser::writer::blobs::Blob;
use pml_parser::{EventClass, FileTime, ProcmonBuild};

use crate::locale::Locale;
use crate::names::Operation;

/// What an event's blob is built from.
pub struct DetailInput<'a> {
    /// The operation.
    pub operation: Operation,
    /// The Path cell.
    pub path: &'a str,
    /// The Detail cell.
    pub detail: &'a str,
    /// True for a 64-bit capture.
    pub wide: bool,
    /// The event's time (creation time of a created process).
    pub time: FileTime,
    /// The event's thread (Thread Exit prints it).
    pub tid: u32,
    /// The export's regional format (numbers and dates inside Detail).
    pub locale: Locale,
}

/// The builds whose QueryDirectory layouts differ, each standing for the families that print
/// alike (2.x prints as 3.0-3.4x).
pub const LAYOUTS: [ProcmonBuild; 3] = [ProcmonBuild::V3_4, ProcmonBuild::V3_5, ProcmonBuild::V3_6];

/// What rendering a rebuilt blob showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// The blob prints the Detail text back exactly (or, for an export in another regional
    /// format, its operation is one pml rebuilds).
    pub kept: bool,
    /// For a QueryDirectory whose layout tells the ProcMon build: bit `i` set when the text
    /// prints back as [`LAYOUTS`]`[i]` prints it.
    pub layouts: Option<u8>,
}

/// Renders `blob` and compares it with the event's Detail text.
pub fn check(input: &DetailInput<'_>, blob: &Blob) -> Check {
    let op = input.operation;
    let detail = DetailBlob {
        class: op.class,
        operation: op.code,
        wide: input.wide,
        tid: input.tid,
        time: input.time,
        detail: &blob.detail,
        extra: blob.extra.as_deref(),
    };
    let mut out = String::with_capacity(input.detail.len() + 16);
    let mut render = |build| {
        out.clear();
        write_detail_of(&detail, &jiff::tz::TimeZone::UTC, build, &mut out);
        out == input.detail
    };
    if input.locale != Locale::US {
        return Check {
            kept: rebuilds(op) || input.detail.trim().is_empty(),
            layouts: None,
        };
    }
    if fs::is_query_directory(op) {
        let mut layouts = 0u8;
        for (i, build) in LAYOUTS.into_iter().enumerate() {
            if render(build) {
                layouts |= 1 << i;
            }
        }
        return Check {
            kept: layouts != 0,
            layouts: (layouts != 0 && layouts != 0b111).then_some(layouts),
        };
    }
    Check {
        kept: render(ProcmonBuild::V3_6) && !registry::over_reads(input, blob),
        layouts: None,
    }
}

/// True for the operations whose Detail pml rebuilds.
fn rebuilds(op: Operation) -> bool {
    match op.class {
        EventClass::FileSystem => fs::rebuilds(op),
        EventClass::Registry | EventClass::Network => true,
        EventClass::Process | EventClass::Profiling => process::rebuilds(op),
        EventClass::Unknown => false,
    }
}

/// The process a Process Create detail names: its PID and command line.
pub fn created_process(detail: &str) -> Option<(u32, &str)> {
    let f = Fields::new(detail, &["PID", "Command line"]);
    let pid = u32::try_from(f.int("PID")?).ok()?;
    Some((pid, f.get("Command line").unwrap_or("")))
}

/// The blob of an event (network events are built by the builder). `child` gives a Process
/// Create the process index of the created process and the creator's (index, PID).
pub fn blob(input: &DetailInput<'_>, child: Option<(u32, u32, u32)>) -> Blob {
    match input.operation.class {
        EventClass::FileSystem => fs::blob(input),
        EventClass::Registry => registry::blob(input),
        EventClass::Process => process::blob(input, child),
        EventClass::Profiling => process::profiling(input),
        EventClass::Network | EventClass::Unknown => Blob::default(),
    }
}

/// The `Key: value` fields of a Detail text whose keys are among a known list (values may
/// contain `, `, so a field ends only where `, ` is followed by one of the keys).
pub(crate) struct Fields<'t> {
    items: Vec<(&'t str, &'t str)>,
    locale: Locale,
}

impl<'t> Fields<'t> {
    /// The fields of `text` among `keys`, numbers and dates in the US format.
    pub(crate) fn new(text: &'t str, keys: &[&'t str]) -> Fields<'t> {
        Fields::with_locale(text, keys, Locale::US)
    }

    /// The fields of `text` among `keys`, numbers and dates in `locale`.
    pub(crate) fn with_locale(text: &'t str, keys: &[&'t str], locale: Locale) -> Fields<'t> {
        let mut starts: Vec<(usize, &'t str)> = Vec::new();
        for &key in keys {
            let mut from = 0;
            while let Some(at) = text[from..].find(key).map(|i| i + from) {
                let after = at + key.len();
                let boundary = at == 0 || text[..at].ends_with(", ");
                if boundary && text[after..].starts_with(": ") {
                    starts.push((at, key));
                    break;
                }
                from = after;
            }
        }
        starts.sort();
        let mut items = Vec::with_capacity(starts.len());
        for (i, &(at, key)) in starts.iter().enumerate() {
            let value_start = at + key.len() + 2;
            let end = starts.get(i + 1).map_or(text.len(), |&(next, _)| next - 2);
            items.push((
                key,
                text.get(value_start..end.max(value_start)).unwrap_or(""),
            ));
        }
        Fields { items, locale }
    }

    /// The value of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&'t str> {
        self.items.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    /// True when the text has `key`.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// An integer value (any thousands separators).
    pub(crate) fn int(&self, key: &str) -> Option<i64> {
        integer(self.get(key)?)
    }

    /// An unsigned 64-bit value (any thousands separators).
    pub(crate) fn unsigned(&self, key: &str) -> Option<u64> {
        unsigned(self.get(key)?)
    }

    /// A `0x…` value.
    pub(crate) fn hex(&self, key: &str) -> Option<u64> {
        hex(self.get(key)?)
    }

    /// `True` / `False`.
    pub(crate) fn bool(&self, key: &str) -> Option<bool> {
        match self.get(key)?.trim() {
            "True" => Some(true),
            "False" => Some(false),
            _ => None,
        }
    }

    /// The bits named by a list of flag names.
    pub(crate) fn flags(&self, key: &str, table: &[(u32, &str)]) -> Option<u32> {
        Some(flags(self.get(key)?, table))
    }

    /// A date, as 100 ns ticks since 1601 (negative values wrapped, as FILETIMEs store -1).
    pub(crate) fn date(&self, key: &str) -> Option<u64> {
        Some(self.locale.detail_date(self.get(key)?)? as u64)
    }

    /// Seconds with seven decimals, as 100 ns ticks.
    pub(crate) fn seconds(&self, key: &str) -> Option<u64> {
        seconds(self.get(key)?, self.locale)
    }
}

/// An integer with any thousands separators (`1,048,576`, `1.048.576`, `1 048 576`).
pub(crate) fn integer(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let value = i64::try_from(unsigned(digits)?).ok()?;
    Some(if negative { -value } else { value })
}

/// An unsigned integer with any thousands separators.
pub(crate) fn unsigned(text: &str) -> Option<u64> {
    let digits: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '.' | ' ' | '\u{a0}' | '\u{202f}' | '\''))
        .collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A `0x…` hex number.
pub(crate) fn hex(text: &str) -> Option<u64> {
    u64::from_str_radix(text.trim().strip_prefix("0x")?, 16).ok()
}

/// Seconds with up to seven decimals (`0.0156250`, `0,0156250`, `1.5 seconds`) as ticks.
pub(crate) fn seconds(text: &str, locale: Locale) -> Option<u64> {
    let number = text.trim().trim_end_matches("seconds").trim();
    locale
        .seconds(number)
        .or_else(|| Locale::US.seconds(number))
}

/// The bits named by a `, `-separated list of flag names: the longest name that matches at
/// each place (the first of a table's equal names), and `0x…` or `None 0x…` items as their
/// value.
pub(crate) fn flags(text: &str, table: &[(u32, &str)]) -> u32 {
    let mut bits = 0;
    let mut rest = text.trim();
    while !rest.is_empty() {
        let mut found: Option<(u32, &str)> = None;
        for &(bit, name) in table {
            let whole = rest
                .strip_prefix(name)
                .is_some_and(|tail| tail.is_empty() || tail.starts_with(", "));
            if whole && found.is_none_or(|(_, f)| name.len() > f.len()) {
                found = Some((bit, name));
            }
        }
        let taken = match found {
            Some((bit, name)) => {
                bits |= bit;
                name.len()
            }
            None => {
                let item = rest.split(", ").next().unwrap_or(rest);
                if let Some(v) = item.rsplit(' ').next().and_then(hex) {
                    bits |= v as u32;
                }
                item.len()
            }
        };
        rest = rest[taken..].trim_start_matches(", ");
    }
    bits
}

/// File attributes as ProcMon's letters (`A`, `N`, `HS`; `n/a` for none), read in the order
/// ProcMon writes them (its table's), so that `D` is Directory and `DD` Directory and Device.
pub(crate) fn attributes(text: &str) -> u32 {
    fn parse(rest: &str, table: &[(u32, &str)], from: usize) -> Option<u32> {
        if rest.is_empty() {
            return Some(0);
        }
        (from..table.len()).find_map(|i| {
            let (bit, letters) = table[i];
            let tail = rest.strip_prefix(letters)?;
            Some(bit | parse(tail, table, i + 1)?)
        })
    }
    let text = text.trim();
    if text == "n/a" {
        return 0;
    }
    parse(text, pml_parser::render::file_names::ATTRIBUTES, 0).unwrap_or(0)
}

/// A string's UTF-16LE bytes.
pub(crate) fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pml_parser::render::file_names as names;

    #[test]
    fn fields_end_only_at_known_keys() {
        let text = "Desired Access: Read Attributes, Read Control, Disposition: Open, \
                    Options: Open Reparse Point, Attributes: n/a, ShareMode: Read, Write, Delete, \
                    AllocationSize: n/a, OpenResult: Opened";
        let f = Fields::new(
            text,
            &["Desired Access", "Disposition", "ShareMode", "OpenResult"],
        );
        assert_eq!(
            f.get("Desired Access"),
            Some("Read Attributes, Read Control")
        );
        assert_eq!(
            flags("Read Attributes, Read Control", names::FILE_ACCESS),
            0x20080
        );
        assert_eq!(flags("Generic Read/Write", names::FILE_ACCESS), 0x12019F);
        assert_eq!(flags("Read, Write, Delete", names::SHARE), 7);
        assert_eq!(flags("Owner, 0x100", names::SECURITY_INFORMATION), 0x101);
        assert_eq!(flags("é, Read", names::SHARE), 1);
        assert_eq!(attributes("HS"), 6);
        assert_eq!(attributes("NCI"), 0x2000);
        // "D" is Directory (0x10) before Device (0x40).
        assert_eq!(attributes("D"), 0x10);
        assert_eq!(attributes("DD"), 0x50);
        assert_eq!(attributes("SF"), 0x200);
        assert_eq!(attributes("ANCI"), 0x2020);
        assert_eq!(integer("1.048.576"), Some(1_048_576));
        assert_eq!(integer("-1,073,740,756"), Some(-1_073_740_756));
        assert_eq!(unsigned("18,446,744,073,709,551,615"), Some(u64::MAX));
        assert_eq!(
            created_process("PID: 6564, Command line: a, b"),
            Some((6564, "a, b"))
        );
    }

    /// What checking the blob rebuilt from `text` shows.
    fn rebuilt(operation: &str, path: &str, text: &str, wide: bool) -> Check {
        let input = DetailInput {
            operation: crate::names::operation(operation).unwrap(),
            path,
            detail: text,
            wide,
            time: FileTime(132_405_246_382_093_997),
            tid: 5324,
            locale: Locale::US,
        };
        check(&input, &blob(&input, None))
    }

    /// Details of ProcMon's own exports (the golden CSVs), one of each kind.
    #[test]
    fn details_print_back_as_exported() {
        let cases = [
            ("ReadFile", "Offset: 0, Length: 16,022, Priority: Normal"),
            ("WriteFile", "Offset: 0, Length: 512, I/O Flags: Non-cached, Priority: Normal"),
            ("CreateFileMapping", "SyncType: SyncTypeCreateSection, PageProtection: PAGE_EXECUTE_READ|PAGE_NOCACHE"),
            ("CreateFileMapping", "SyncType: SyncTypeCreateSection, PageProtection: "),
            ("CreateFileMapping", "SyncType: SyncTypeOther"),
            ("FileSystemControl", "Control: FSCTL_READ_FILE_USN_DATA"),
            ("FileSystemControl", "Control: FSCTL_OFFLOAD_READ, Offset: 0, Length: 2,097,152"),
            ("FileSystemControl", "Control: FSCTL_PIPE_TRANSCEIVE, WriteLength: 20, ReadLength: 4,096"),
            ("FileSystemControl", "Control: 0x902eb (Device:0x9 Function:186 Method: 3)"),
            ("DeviceIoControl", "Control: IOCTL_MOUNTDEV_QUERY_DEVICE_NAME"),
            ("LockFile", "Exclusive: True, Offset: 2,147,483,538, Length: 1, Fail Immediately: True"),
            ("UnlockFileSingle", "Offset: 2,147,483,539, Length: 20"),
            ("NotifyChangeDirectory", "Filter: FILE_NOTIFY_CHANGE_FILE_NAME, FILE_NOTIFY_CHANGE_DIR_NAME"),
            ("QuerySecurityFile", "Information: Owner, Group, DACL, SACL, Label"),
            ("SetSecurityFile", "Information: DACL, DACL Unprotected"),
            ("QueryBasicInformationFile", "CreationTime: 7/12/2020 1:17:45 AM, LastAccessTime: 7/12/2020 1:17:45 AM, LastWriteTime: 7/12/2020 1:17:45 AM, ChangeTime: 7/12/2020 1:17:45 AM, FileAttributes: HA"),
            ("QueryStandardInformationFile", "AllocationSize: 249,856, EndOfFile: 246,784, NumberOfLinks: 2, DeletePending: False, Directory: False"),
            ("QueryFileInternalInformationFile", "IndexNumber: 0x6000000016671"),
            ("QueryNameInformationFile", "Name: \\Windows\\explorer.exe"),
            ("QueryAttributeTagFile", "Attributes: HSANCI, ReparseTag: 0x0"),
            ("QueryNetworkOpenInformationFile", "CreationTime: 7/11/2020 3:46:54 PM, LastAccessTime: 7/12/2020 1:17:38 AM, LastWriteTime: 7/12/2020 1:17:38 AM, ChangeTime: 7/12/2020 1:17:38 AM, AllocationSize: 1/1/1601 12:00:00 AM, EndOfFile: 1/1/1601 12:00:00 AM, FileAttributes: A"),
            ("SetBasicInformationFile", "CreationTime: 1/1/1601 12:00:00 AM, LastAccessTime: 1/1/1601 12:00:00 AM, LastWriteTime: 7/11/2020 4:33:18 PM, ChangeTime: 12/31/1600 11:59:59 PM, FileAttributes: n/a"),
            ("SetDispositionInformationFile", "Delete: True"),
            ("SetRenameInformationFile", "ReplaceIfExists: False, FileName: C:\\dir\\b.txt"),
            ("SetEndOfFileInformationFile", "EndOfFile: 4,096"),
            ("SetAllocationInformationFile", "AllocationSize: 70"),
            ("QueryInformationVolume", "VolumeCreationTime: 7/11/2020 9:07:57 PM, VolumeSerialNumber: A85A-5794, SupportsObjects: True, VolumeLabel: "),
            ("QuerySizeInformationVolume", "TotalAllocationUnits: 7,706,623, AvailableAllocationUnits: 1,808,669, SectorsPerAllocationUnit: 8, BytesPerSector: 512"),
            ("QueryFullSizeInformationVolume", "TotalAllocationUnits: 7,706,623, CallerAvailableAllocationUnits: 1,808,570, ActualAvailableAllocationUnits: 1,808,570, SectorsPerAllocationUnit: 8, BytesPerSector: 512"),
            ("QueryAttributeInformationVolume", "FileSystemAttributes: Case Preserved, Case Sensitive, Unicode, ACLs, Compression, Named Streams, EFS, Object IDs, Reparse Points, Sparse Files, Quotas, Transactions, 0x3c00600, MaximumComponentNameLength: 255, FileSystemName: NTFS"),
            ("QueryObjectIdInformationVolume", "ObjectId: 7C8B9368EE53504AA2991EDCB3AE7A4A"),
            ("FASTIO_ACQUIRE_FOR_MOD_WRITE", "EndingOffset: 32,768"),
            ("FASTIO_MDL_READ_COMPLETE", "MDL: 0xffffa90f24a614f0"),
            ("CreateFile", "Desired Access: Generic Write, Disposition: Create, Options: Directory, Attributes: HS, ShareMode: Read, Write, Delete, AllocationSize: 0, Impersonating: NT AUTHORITY\\SYSTEM"),
            ("CreateFile", "Desired Access: Read Attributes, Disposition: Open, Options: Open Reparse Point, Attributes: n/a, ShareMode: Read, Write, Delete, AllocationSize: n/a, Impersonating: S-1-5-21-1-2-3-1001, OpenResult: <unknown>"),
            ("RegOpenKey", "Desired Access: Read"),
            ("RegOpenKey", "Desired Access: Maximum Allowed, Granted Access: Read"),
            ("RegCreateKey", "Desired Access: Query Value, Set Value, Disposition: REG_OPENED_EXISTING_KEY"),
            ("RegQueryKey", "Query: Name"),
            ("RegQueryKey", "Query: HandleTags, HandleTags: 0x0"),
            ("RegQueryKey", "Query: Cached, SubKeys: 3, Values: 12"),
            ("RegQueryKey", "Query: Basic, Length: 0"),
            ("RegEnumKey", "Index: 0, Name: {fbeb8a05-beee-4442-804e-409d6c4515e9}"),
            ("RegEnumKey", "Index: 2, Length: 220"),
            ("RegEnumValue", "Index: 0, Name: File Explorer, Type: REG_SZ, Length: 128, Data: SOFTWARE\\Microsoft"),
            ("RegQueryValue", "Type: REG_DWORD, Length: 4, Data: 0"),
            ("RegQueryValue", "Type: REG_BINARY, Length: 44, Data: 00 00 00 00 00 00 00 00 C4 FF FF FF 00 00 00 00"),
            ("RegQueryValue", "Type: REG_QWORD, Length: 8, Data: "),
            ("RegQueryValue", "Length: 144"),
            ("RegSetValue", "Type: REG_MULTI_SZ, Length: 20, Data: en-US, en"),
            ("RegSetValue", "Type: REG_BINARY, Length: 82,691, Data: 09 00 00 00 0B 00 56 00 00 00 54 00 31 00 00 00"),
            ("RegSetInfoKey", "KeySetInformationClass: KeySetHandleTagsInformation, Length: 0"),
            ("RegLoadKey", "Hive Path: C:\\ProgramData\\ActivationStore.dat"),
            ("Thread Exit", "Thread ID: 5324, User Time: 0.0000000, Kernel Time: 0.0156250"),
            ("Process Exit", "Exit Status: -1073740756, User Time: 0.0156250 seconds, Kernel Time: 0.0312500 seconds, Private Bytes: 1,904,640, Peak Private Bytes: 2,002,944, Working Set: 6,356,992, Peak Working Set: 6,356,992"),
        ];
        for wide in [true, false] {
            for (operation, text) in cases {
                if operation == "FASTIO_MDL_READ_COMPLETE" && !wide {
                    continue;
                }
                let path = if operation.starts_with("Reg") {
                    "HKLM\\SOFTWARE\\x"
                } else {
                    "C:\\dir\\a.txt"
                };
                assert!(
                    rebuilt(operation, path, text, wide).kept,
                    "{operation} (64-bit {wide}): {text}"
                );
            }
        }
        // An account named on the capture machine cannot be turned back into a SID.
        let named = "Desired Access: Generic Read, Disposition: Open, Options: , Attributes: n/a, ShareMode: Read, AllocationSize: n/a, Impersonating: DESKTOP-6PCIALL\\test";
        assert!(!rebuilt("CreateFile", "C:\\a", named, true).kept);
    }

    /// Text no ProcMon prints, for every operation, 32-bit and 64-bit: no panic.
    #[test]
    fn hostile_details_are_read_without_panicking() {
        let long = "a, ".repeat(3000);
        let texts = [
            "",
            ", ",
            ": : ,",
            "é",
            "Filter: é, 1: , 7: é",
            "0: ",
            "FileInformationClass: , Filter: , 5: x, 2: y, FileInformationClass: Nope",
            "Type: REG_SZ, Length: 99999999999999999999999, Data: ",
            "Type: REG_BINARY, Length: 4, Data: zz 0 1FF",
            "Index: -1, Name: , Type: <Unknown: 99999999999>, Length: 1",
            "Control: 0x, Offset: -, Length: é",
            "ObjectId: éééééééééééééééé",
            "Impersonating: S-1-99999999999999999999-1, OpenResult: <unknown>",
            "VolumeSerialNumber: ffffffffff-fffffffff, VolumeCreationTime: 99/99/99999 99:99 PM",
            "MDL: 0xffffffffffffffffffff, EndingOffset: 18,446,744,073,709,551,616",
            "Exit Status: -9999999999999999999999, User Time: 9999999999999.9999999 seconds",
            "Desired Access: None 0xzz, Disposition: é, Options: 0x, Attributes: DDDD",
            &long,
        ];
        let mut operations = 0;
        for (name, operation) in crate::names::operations() {
            operations += 1;
            for wide in [false, true] {
                for text in texts {
                    let input = DetailInput {
                        operation,
                        path: "C:\\é\\a*",
                        detail: text,
                        wide,
                        time: FileTime(0),
                        tid: 0,
                        locale: Locale::US,
                    };
                    let b = blob(&input, Some((1, 2, 3)));
                    let _ = check(&input, &b);
                    assert!(b.extra.as_ref().is_none_or(|x| x.len() <= 0xFFFF), "{name}");
                }
            }
        }
        assert!(operations > 150, "{operations} operations");
    }

    /// QueryDirectory's layouts tell the ProcMon build that printed them.
    #[test]
    fn query_directory_layouts_tell_the_build() {
        let layouts = |text| rebuilt("QueryDirectory", "C:\\dir\\a*", text, true);
        let v34 = layouts("Filter: a*, 1: a1, 2: a2, 3: a3");
        assert_eq!(
            v34,
            Check {
                kept: true,
                layouts: Some(0b001)
            }
        );
        let v35 =
            layouts("Filter: a*, 1: a1, FileInformationClass: FileBothDirectoryInformation, 3: a3");
        assert_eq!(
            v35,
            Check {
                kept: true,
                layouts: Some(0b010)
            }
        );
        let v36 = layouts("FileInformationClass: FileNamesInformation, Filter: a*, 2: a1, 3: a2");
        assert_eq!(
            v36,
            Check {
                kept: true,
                layouts: Some(0b100)
            }
        );
        // A filter alone prints alike in 3.4x and 3.5x (3.5x adds the class from two fields).
        assert_eq!(layouts("Filter: a*").layouts, Some(0b011));
        assert_eq!(layouts("Filter: a*, 1: a1").layouts, Some(0b001));
        let listing = rebuilt(
            "QueryDirectory",
            "C:\\dir",
            "0: ., 1: .., 2: desktop.ini",
            false,
        );
        assert_eq!(listing.layouts, Some(0b001));
    }
}
