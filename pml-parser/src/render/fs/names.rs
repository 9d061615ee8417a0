//! The names ProcMon gives to file-system flag bits and enumerations, in the order it
//! lists them. Tables of `(bits, name)` are consumed by `push_flags` (the Detail renderer):
//! a combined entry placed before its parts wins over them.

/// Generic rights mapped to file-specific rights before naming (FILE_GENERIC_*).
pub const FILE_GENERIC_MAPPING: [(u32, u32); 4] = [
    (0x8000_0000, 0x0012_0089),
    (0x4000_0000, 0x0012_0116),
    (0x2000_0000, 0x0012_00A0),
    (0x1000_0000, 0x001F_01FF),
];

/// File ACCESS_MASK names.
pub const FILE_ACCESS: &[(u32, &str)] = &[
    (0x1F01FF, "All Access"),
    (0x1201BF, "Generic Read/Write/Execute"),
    (0x12019F, "Generic Read/Write"),
    (0x1200A9, "Generic Read/Execute"),
    (0x1201B6, "Generic Write/Execute"),
    (0x120089, "Generic Read"),
    (0x120116, "Generic Write"),
    (0x1200A0, "Generic Execute"),
    (0x1, "Read Data/List Directory"),
    (0x2, "Write Data/Add File"),
    (0x4, "Append Data/Add Subdirectory/Create Pipe Instance"),
    (0x8, "Read EA"),
    (0x10, "Write EA"),
    (0x20, "Execute/Traverse"),
    (0x40, "Delete Child"),
    (0x80, "Read Attributes"),
    (0x100, "Write Attributes"),
    (0x10000, "Delete"),
    (0x20000, "Read Control"),
    (0x40000, "Write DAC"),
    (0x80000, "Write Owner"),
    (0x100000, "Synchronize"),
    (0x1000000, "Access System Security"),
    (0x2000000, "Maximum Allowed"),
];

/// CreateOptions (and FILE_MODE_INFORMATION) names.
pub const CREATE_OPTIONS: &[(u32, &str)] = &[
    (0x1, "Directory"),
    (0x2, "Write Through"),
    (0x4, "Sequential Access"),
    (0x8, "No Buffering"),
    (0x10, "Synchronous IO Alert"),
    (0x20, "Synchronous IO Non-Alert"),
    (0x40, "Non-Directory File"),
    (0x80, "Create Tree Connection"),
    (0x100, "Complete If Oplocked"),
    (0x200, "No EA Knowledge"),
    (0x400, "Open for Recovery"),
    (0x800, "Random Access"),
    (0x1000, "Delete On Close"),
    (0x2000, "Open By ID"),
    (0x4000, "Open For Backup"),
    (0x8000, "No Compression"),
    (0x100000, "Reserve OpFilter"),
    (0x200000, "Open Reparse Point"),
    (0x400000, "Open No Recall"),
    (0x800000, "Open For Free Space Query"),
    (0x10000, "Open Requiring Oplock"),
    (0x20000, "Disallow Exclusive"),
];

/// FILE_ATTRIBUTE_* letters, concatenated without separator.
pub const ATTRIBUTES: &[(u32, &str)] = &[
    (0x1, "R"),
    (0x2, "H"),
    (0x4, "S"),
    (0x10, "D"),
    (0x20, "A"),
    (0x40, "D"),
    (0x80, "N"),
    (0x100, "T"),
    (0x200, "SF"),
    (0x400, "RP"),
    (0x800, "C"),
    (0x1000, "O"),
    (0x2000, "NCI"),
    (0x4000, "E"),
    (0x10000, "V"),
];

/// ShareAccess names.
pub const SHARE: &[(u32, &str)] = &[(0x1, "Read"), (0x2, "Write"), (0x4, "Delete")];

/// Read/Write I/O flag names.
pub const IO_FLAGS: &[(u32, &str)] = &[
    (0x10, "Buffered"),
    (0x1, "Non-cached"),
    (0x2, "Paging I/O"),
    (0x4, "Synchronous"),
    (0x40, "Synchronous Paging I/O"),
    (0x400000, "Write Through"),
];

/// I/O priority names by value (index).
pub const PRIORITY: [&str; 6] = ["", "Very Low", "Low", "Normal", "High", "Critical"];

/// CreateDisposition names by value.
pub const DISPOSITION: [&str; 6] = [
    "Supersede",
    "Open",
    "Create",
    "OpenIf",
    "Overwrite",
    "OverwriteIf",
];

/// OpenResult (IoStatus.Information of a create) names by value.
pub const OPEN_RESULT: [&str; 6] = [
    "Superseded",
    "Opened",
    "Created",
    "Overwritten",
    "Exists",
    "DoesNotExist",
];

/// FILE_NOTIFY_CHANGE_* names.
pub const NOTIFY: &[(u32, &str)] = &[
    (0x1, "FILE_NOTIFY_CHANGE_FILE_NAME"),
    (0x2, "FILE_NOTIFY_CHANGE_DIR_NAME"),
    (0x4, "FILE_NOTIFY_CHANGE_ATTRIBUTES"),
    (0x8, "FILE_NOTIFY_CHANGE_SIZE"),
    (0x10, "FILE_NOTIFY_CHANGE_LAST_WRITE"),
    (0x20, "FILE_NOTIFY_CHANGE_LAST_ACCESS"),
    (0x40, "FILE_NOTIFY_CHANGE_CREATION"),
    (0x80, "FILE_NOTIFY_CHANGE_EA"),
    (0x100, "FILE_NOTIFY_CHANGE_SECURITY"),
    (0x200, "FILE_NOTIFY_CHANGE_STREAM_NAME"),
    (0x400, "FILE_NOTIFY_CHANGE_STREAM_SIZE"),
    (0x800, "FILE_NOTIFY_CHANGE_STREAM_WRITE"),
];

/// SECURITY_INFORMATION names.
pub const SECURITY_INFORMATION: &[(u32, &str)] = &[
    (0x1, "Owner"),
    (0x2, "Group"),
    (0x4, "DACL"),
    (0x8, "SACL"),
    (0x10, "Label"),
    (0x20, "Attribute"),
    (0x40, "Scope"),
    (0x80, "Process Trust Label"),
    (0x8000_0000, "DACL Protected"),
    (0x4000_0000, "SACL Protected"),
    (0x2000_0000, "DACL Unprotected"),
    (0x1000_0000, "SACL Unprotected"),
];

/// FILE_FS_ATTRIBUTE_INFORMATION.FileSystemAttributes names.
pub const FS_ATTRIBUTES: &[(u32, &str)] = &[
    (0x2, "Case Preserved"),
    (0x1, "Case Sensitive"),
    (0x4, "Unicode"),
    (0x8, "ACLs"),
    (0x10, "Compression"),
    (0x40000, "Named Streams"),
    (0x20000, "EFS"),
    (0x10000, "Object IDs"),
    (0x80, "Reparse Points"),
    (0x40, "Sparse Files"),
    (0x20, "Quotas"),
    (0x200000, "Transactions"),
];

/// PAGE_* protections ProcMon names for CreateFileMapping, the first match winning.
pub const PAGE_PROTECTION: [(u32, &str); 6] = [
    (0x02, "PAGE_READONLY"),
    (0x04, "PAGE_READWRITE"),
    (0x08, "PAGE_WRITECOPY"),
    (0x10, "PAGE_EXECUTE"),
    (0x20, "PAGE_EXECUTE_READ"),
    (0x40, "PAGE_EXECUTE_READWRITE"),
];

/// PAGE_NOCACHE.
pub const PAGE_NOCACHE: u32 = 0x200;

/// FILE_INFORMATION_CLASS names of directory listings.
pub fn directory_class(class: u32) -> Option<&'static str> {
    Some(match class {
        1 => "FileDirectoryInformation",
        2 => "FileFullDirectoryInformation",
        3 => "FileBothDirectoryInformation",
        12 => "FileNamesInformation",
        37 => "FileIdBothDirectoryInformation",
        38 => "FileIdFullDirectoryInformation",
        50 => "FileIdGlobalTxDirectoryInformation",
        60 => "FileIdExtdDirectoryInformation",
        63 => "FileIdExtdBothDirectoryInformation",
        _ => return None,
    })
}

/// FILE_ALIGNMENT_INFORMATION.AlignmentRequirement names.
pub fn alignment(value: u32) -> Option<&'static str> {
    Some(match value {
        0 => "Byte",
        1 => "Word",
        3 => "Long",
        7 => "Quad",
        0xF => "Octa",
        0x1F => "32 Byte",
        0x3F => "64 Byte",
        0x7F => "128 Byte",
        0xFF => "256 Byte",
        0x1FF => "512 Byte",
        _ => return None,
    })
}
