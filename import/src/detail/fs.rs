//! File-system Details read back into blobs: the parameter block (pointer-aligned fields of
//! the driver's `FLT_PARAMETERS`), the bytes after the path (a Set* input, a QueryDirectory
//! filter, a lock's length) and the extra blob (what a query returned).

use pml_parser::details::fs::volume::class as volume_class;
use pml_parser::details::fs::{control, directory, info::class as info_class, op};
use pml_parser::ops::fs_op;
use pml_parser::render::file_names as names;
use pml_parser::writer::blobs::{Blob, CreateFileParams, FsBlob};
use pml_parser::StrInfo;

use super::{attributes, flags, hex, utf16, DetailInput, Fields};
use crate::names::Operation;

/// True for a QueryDirectory, whose Detail layout depends on the ProcMon build.
pub(super) fn is_query_directory(op: Operation) -> bool {
    op.code == fs_op::DIRECTORY_CONTROL && op.sub_op == 1
}

/// True for the operations whose Detail pml rebuilds.
pub(super) fn rebuilds(op: Operation) -> bool {
    match op.code {
        fs_op::QUERY_INFORMATION_FILE => matches!(
            op.sub_op,
            info_class::BASIC
                | info_class::STANDARD
                | info_class::INTERNAL
                | info_class::EA
                | info_class::NAME
                | info_class::POSITION
                | info_class::ALL
                | info_class::NETWORK_OPEN
                | info_class::ATTRIBUTE_TAG
        ),
        fs_op::SET_INFORMATION_FILE => matches!(
            op.sub_op,
            info_class::BASIC
                | info_class::RENAME
                | info_class::LINK
                | info_class::RENAME_EX
                | info_class::RENAME_EX_BYPASS
                | info_class::DISPOSITION
                | info_class::DISPOSITION_EX
                | info_class::POSITION
                | info_class::ALLOCATION
                | info_class::END_OF_FILE
                | info_class::VALID_DATA_LENGTH
        ),
        fs_op::QUERY_VOLUME_INFORMATION => matches!(
            op.sub_op,
            volume_class::VOLUME
                | volume_class::SIZE
                | volume_class::DEVICE
                | volume_class::ATTRIBUTE
                | volume_class::FULL_SIZE
                | volume_class::OBJECT_ID
        ),
        fs_op::DIRECTORY_CONTROL => matches!(op.sub_op, 1 | 2),
        _ => true,
    }
}

/// The blob of a file-system event.
pub(super) fn blob(input: &DetailInput<'_>) -> Blob {
    let op = input.operation;
    let fs = FsBlob::new(input.wide);
    let path = input.path;
    let ptr = fs.pointer_size();
    match op.code {
        fs_op::CREATE_FILE => create_file(&fs, input),
        fs_op::CLOSE_FILE | fs_op::IRP_MJ_CLOSE => fs.close_file(path),
        fs_op::READ_FILE | fs_op::WRITE_FILE | op::READ_FILE2 | op::WRITE_FILE2 => {
            let f = fields(input, &["Offset", "Length", "I/O Flags", "Priority"]);
            let offset = f.int("Offset").unwrap_or(0);
            let length = f.unsigned("Length").unwrap_or(0) as u32;
            let io = f.flags("I/O Flags", names::IO_FLAGS).unwrap_or(0);
            let priority = f
                .get("Priority")
                .and_then(|p| {
                    names::PRIORITY
                        .iter()
                        .position(|n| !n.is_empty() && *n == p)
                })
                .or_else(|| f.hex("Priority").map(|p| p as usize))
                .unwrap_or(0) as u32;
            let io = (io & 0x00E0_00FF) | ((priority & 7) << 17);
            let params = [
                (0, length.to_le_bytes().to_vec()),
                (2 * ptr, offset.to_le_bytes().to_vec()),
            ];
            custom(&fs, 0, io, &params, path, &[], None)
        }
        fs_op::CREATE_FILE_MAPPING => {
            let f = fields(input, &["SyncType", "PageProtection"]);
            let sync = match f.get("SyncType") {
                Some("SyncTypeOther") | None => 0,
                Some("SyncTypeCreateSection") => 1,
                Some(other) => other.strip_prefix("Unknown: ").and_then(hex).unwrap_or(0) as u32,
            };
            let protection = f.get("PageProtection").map_or(0, page_protection);
            // ProcMon prints the protection it reads at byte 8 of a 64-bit block.
            let at = if input.wide { 8 } else { 4 };
            let params = [
                (0, sync.to_le_bytes().to_vec()),
                (at, protection.to_le_bytes().to_vec()),
            ];
            custom(&fs, 0, 0, &params, path, &[], None)
        }
        fs_op::DIRECTORY_CONTROL if op.sub_op == 1 => query_directory(&fs, input),
        fs_op::DIRECTORY_CONTROL if op.sub_op == 2 => {
            let f = fields(input, &["Filter"]);
            let filter = f.flags("Filter", names::NOTIFY).unwrap_or(0);
            let params = [(ptr, filter.to_le_bytes().to_vec())];
            custom(&fs, 2, 0, &params, path, &[], None)
        }
        fs_op::LOCK_UNLOCK_FILE => {
            let f = fields(
                input,
                &["Exclusive", "Offset", "Length", "Fail Immediately"],
            );
            let offset = f.int("Offset").unwrap_or(0);
            let length = f.unsigned("Length").unwrap_or(0);
            let flags_at = 2 * ptr + 8 + ptr;
            let params = [
                (2 * ptr, offset.to_le_bytes().to_vec()),
                (
                    flags_at,
                    vec![
                        u8::from(f.bool("Fail Immediately") == Some(true)),
                        u8::from(f.bool("Exclusive") == Some(true)),
                    ],
                ),
            ];
            custom(
                &fs,
                op.sub_op,
                0,
                &params,
                path,
                &length.to_le_bytes(),
                None,
            )
        }
        op::QUERY_SECURITY_FILE | op::SET_SECURITY_FILE => {
            let f = fields(input, &["Information"]);
            let bits = f
                .flags("Information", names::SECURITY_INFORMATION)
                .unwrap_or(0);
            custom(
                &fs,
                0,
                0,
                &[(0, bits.to_le_bytes().to_vec())],
                path,
                &[],
                None,
            )
        }
        op::FILE_SYSTEM_CONTROL | op::DEVICE_IO_CONTROL | op::INTERNAL_DEVICE_IO_CONTROL => {
            device_control(&fs, input)
        }
        fs_op::QUERY_INFORMATION_FILE => {
            let extra = query_information(op.sub_op, input);
            let class = [(2 * ptr, u32::from(op.sub_op).to_le_bytes().to_vec())];
            custom(&fs, op.sub_op, 0, &class, path, &[], extra)
        }
        op::QUERY_OPEN => {
            let extra = query_information(info_class::NETWORK_OPEN, input);
            custom(&fs, op.sub_op, 0, &[], path, &[], extra)
        }
        fs_op::SET_INFORMATION_FILE => {
            let trailer = set_information(op.sub_op, input, ptr);
            let params = [
                (0, (trailer.len() as u32).to_le_bytes().to_vec()),
                (2 * ptr, u32::from(op.sub_op).to_le_bytes().to_vec()),
            ];
            custom(&fs, op.sub_op, 0, &params, path, &trailer, None)
        }
        fs_op::QUERY_VOLUME_INFORMATION => {
            let extra = volume_information(op.sub_op, input);
            custom(&fs, op.sub_op, 0, &[], path, &[], extra)
        }
        op::FASTIO_ACQUIRE_FOR_MOD_WRITE => {
            let f = fields(input, &["EndingOffset"]);
            let end = f.unsigned("EndingOffset").unwrap_or(0);
            custom(&fs, 0, 0, &[], path, &end.to_le_bytes(), None)
        }
        op::FASTIO_MDL_READ_COMPLETE | op::FASTIO_MDL_WRITE_COMPLETE => {
            let f = fields(input, &["MDL"]);
            let mdl = f.hex("MDL").unwrap_or(0);
            let bytes = mdl.to_le_bytes()[..ptr].to_vec();
            custom(&fs, 0, 0, &[(0, bytes)], path, &[], None)
        }
        _ => fs.path_only(op.sub_op, path),
    }
}

fn fields<'t>(input: &DetailInput<'t>, keys: &[&'t str]) -> Fields<'t> {
    Fields::with_locale(input.detail, keys, input.locale)
}

fn custom(
    fs: &FsBlob,
    sub_op: u8,
    io_flags: u32,
    params: &[(usize, Vec<u8>)],
    path: &str,
    trailer: &[u8],
    extra: Option<Vec<u8>>,
) -> Blob {
    let params: Vec<(usize, &[u8])> = params.iter().map(|(at, b)| (*at, b.as_slice())).collect();
    fs.custom(sub_op, io_flags, &params, path, trailer, extra)
}

fn create_file(fs: &FsBlob, input: &DetailInput<'_>) -> Blob {
    let f = fields(
        input,
        &[
            "Desired Access",
            "Disposition",
            "Options",
            "Attributes",
            "ShareMode",
            "AllocationSize",
            "Impersonating",
            "OpenResult",
        ],
    );
    // A value ProcMon has no name for prints `<unknown>`: the first such value stands in.
    let position = |key: &str, table: &[&str]| {
        f.get(key).and_then(|v| match v.trim() {
            "<unknown>" => Some(table.len()),
            v => table.iter().position(|name| *name == v),
        })
    };
    let sid = f.get("Impersonating").and_then(sid);
    fs.create_file(&CreateFileParams {
        path: input.path,
        desired_access: f.flags("Desired Access", names::FILE_ACCESS).unwrap_or(0),
        disposition: position("Disposition", &names::DISPOSITION).unwrap_or(1) as u8,
        options: f.flags("Options", names::CREATE_OPTIONS).unwrap_or(0),
        attributes: f.get("Attributes").map_or(0, attributes) as u16,
        share_mode: f.flags("ShareMode", names::SHARE).unwrap_or(0) as u16,
        allocation_size: f.unsigned("AllocationSize").unwrap_or(0) as u32,
        impersonation_sid: sid.as_deref(),
        open_result: position("OpenResult", &names::OPEN_RESULT).map(|p| p as u32),
    })
}

/// The binary SID of an impersonated account as ProcMon prints it: `S-1-5-21-…`, or the
/// three service accounts whose names do not depend on the machine. Other account names
/// were looked up on the capture machine and cannot be turned back into a SID.
fn sid(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    let well_known = match text {
        "NT AUTHORITY\\SYSTEM" => Some(18),
        "NT AUTHORITY\\LOCAL SERVICE" => Some(19),
        "NT AUTHORITY\\NETWORK SERVICE" => Some(20),
        _ => None,
    };
    if let Some(rid) = well_known {
        return Some(pml_parser::writer::blobs::sid(5, &[rid]));
    }
    let mut parts = text.strip_prefix("S-")?.split('-');
    let revision: u8 = parts.next()?.parse().ok()?;
    let authority: u64 = parts.next()?.parse().ok()?;
    let subs: Vec<u32> = parts.map(|p| p.parse().ok()).collect::<Option<_>>()?;
    if revision != 1 || subs.len() > 15 || authority >= 1 << 48 {
        return None;
    }
    Some(pml_parser::writer::blobs::sid(authority, &subs))
}

/// `PAGE_EXECUTE_READ|PAGE_NOCACHE` as its bits (empty: 0).
fn page_protection(text: &str) -> u32 {
    let text = text.trim();
    let (name, nocache) = match text.strip_suffix("|PAGE_NOCACHE") {
        Some(name) => (name, names::PAGE_NOCACHE),
        None => (text, 0),
    };
    let bits = names::PAGE_PROTECTION
        .iter()
        .find(|(_, n)| *n == name)
        .map_or(0, |(bit, _)| *bit);
    bits | nocache
}

/// FileSystemControl / DeviceIoControl: the control code (by name, or `0x…` when ProcMon has
/// no name for it) and the sizes and ranges printed for a few FSCTLs.
fn device_control(fs: &FsBlob, input: &DetailInput<'_>) -> Blob {
    let ptr = fs.pointer_size();
    let f = fields(
        input,
        &["Control", "Offset", "Length", "WriteLength", "ReadLength"],
    );
    let name = f.get("Control").unwrap_or("").trim();
    let code = control::code(name)
        .or_else(|| hex(name.split(' ').next().unwrap_or("")).map(|c| c as u32))
        .unwrap_or(0);
    let (mut output_length, mut input_length) = (0u32, 0u32);
    let mut input_bytes = Vec::new();
    match code {
        control::FSCTL_OFFLOAD_READ | control::FSCTL_OFFLOAD_WRITE => {
            let at = if code == control::FSCTL_OFFLOAD_READ {
                16
            } else {
                8
            };
            input_bytes = vec![0u8; at + 16];
            let offset = f.int("Offset").unwrap_or(0);
            let length = f.unsigned("Length").unwrap_or(0);
            input_bytes[at..at + 8].copy_from_slice(&offset.to_le_bytes());
            input_bytes[at + 8..at + 16].copy_from_slice(&length.to_le_bytes());
        }
        control::FSCTL_PIPE_INTERNAL_WRITE => {
            input_length = f.unsigned("Length").unwrap_or(0) as u32;
        }
        control::FSCTL_PIPE_INTERNAL_READ => {
            output_length = f.unsigned("Length").unwrap_or(0) as u32;
        }
        control::FSCTL_PIPE_TRANSCEIVE | control::FSCTL_PIPE_INTERNAL_TRANSCEIVE => {
            input_length = f.unsigned("WriteLength").unwrap_or(0) as u32;
            output_length = f.unsigned("ReadLength").unwrap_or(0) as u32;
        }
        _ => {}
    }
    let params = [
        (0, output_length.to_le_bytes().to_vec()),
        (ptr, input_length.to_le_bytes().to_vec()),
        (2 * ptr, code.to_le_bytes().to_vec()),
    ];
    custom(fs, 0, 0, &params, input.path, &input_bytes, None)
}

/// The QueryDirectory classes ProcMon names.
const LISTING_CLASSES: [u32; 9] = [1, 2, 3, 12, 37, 38, 50, 60, 63];

/// FileNamesInformation: the class stored when the text does not name one (ProcMon 3.4 and
/// earlier never print it, 3.5x only from the third field on).
const NAMES_CLASS: u32 = 12;

/// Largest extra blob a capture can hold.
const MAX_EXTRA: usize = 0xFFFF;

/// QueryDirectory: `FileInformationClass`, `Filter` and the numbered names, in whichever of
/// ProcMon's layouts (the builds differ); the filter is also at the end of the Path cell.
fn query_directory(fs: &FsBlob, input: &DetailInput<'_>) -> Blob {
    let text = input.detail;
    let mut class = None;
    let mut filter = None;
    let mut names: Vec<(usize, &str)> = Vec::new();
    let mut rest = text;
    // The slot of the field at the start of `rest`: named fields take one too.
    let mut slot = 0usize;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let number = (digits > 0 && rest[digits..].starts_with(": "))
            .then(|| rest[..digits].parse::<usize>().ok())
            .flatten();
        let current = number.unwrap_or(slot);
        // A field ends where the next one starts: the next slot's number, or a named field.
        let next_number = format!(", {}: ", current + 1);
        let end = [
            rest.find(&next_number),
            rest.find(", FileInformationClass: "),
            rest.find(", Filter: "),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(rest.len());
        let item = &rest[..end];
        rest = rest[end..].strip_prefix(", ").unwrap_or(&rest[end..]);
        if let Some(n) = number {
            names.push((n, &item[digits + 2..]));
        } else if let Some(name) = item.strip_prefix("FileInformationClass: ") {
            class = LISTING_CLASSES
                .into_iter()
                .find(|&c| names::directory_class(c) == Some(name));
        } else if let Some(f) = item.strip_prefix("Filter: ") {
            filter = Some(f);
        } else {
            break;
        }
        slot = current + 1;
    }
    let class = class.unwrap_or(NAMES_CLASS);
    // The Path cell ends with the filter; the blob keeps the directory.
    let mut path = input.path;
    if let Some(f) = filter.filter(|f| !f.is_empty()) {
        if let Some(dir) = path.strip_suffix(f) {
            path = dir
                .strip_suffix('\\')
                .filter(|d| !d.is_empty())
                .unwrap_or(dir);
        }
    }
    // ProcMon 3.5x writes the class over the third field's name: an empty name stands in.
    let mut listing: Vec<&str> = Vec::new();
    if let Some(&(first, _)) = names.first() {
        let mut expected = first;
        for &(n, name) in &names {
            while expected < n {
                listing.push("");
                expected += 1;
            }
            listing.push(name);
            expected += 1;
        }
    }
    let mut trailer = Vec::new();
    if let Some(f) = filter {
        let narrow = f.chars().all(|c| (c as u32) < 0x100);
        let count = if narrow {
            f.chars().count()
        } else {
            f.encode_utf16().count()
        };
        trailer.extend_from_slice(&StrInfo::new(count.min(0x7fff), narrow).0.to_le_bytes());
        if narrow {
            trailer.extend(f.chars().map(|c| c as u32 as u8));
        } else {
            trailer.extend(utf16(f));
        }
    }
    let extra = (!listing.is_empty()).then(|| directory_listing(class, &listing));
    let ptr = fs.pointer_size();
    let params = [(2 * ptr, class.to_le_bytes().to_vec())];
    custom(fs, 1, 0, &params, path, &trailer, extra)
}

/// FILE_*_DIR_INFORMATION records of `class` holding `names` (every other field zero), as
/// many as fit in an extra blob.
fn directory_listing(class: u32, names: &[&str]) -> Vec<u8> {
    let name_at = directory::name_offset(class).unwrap_or(12);
    let len_at = if class == NAMES_CLASS { 8 } else { 60 };
    let mut out: Vec<u8> = Vec::new();
    let mut last_start = None;
    for name in names {
        let units = utf16(name);
        let size = (name_at + units.len() + 7) & !7;
        if out.len() + name_at + units.len() > MAX_EXTRA {
            break;
        }
        let start = out.len();
        if let Some(prev) = last_start {
            let next = (start - prev) as u32;
            out[prev..prev + 4].copy_from_slice(&next.to_le_bytes());
        }
        out.resize(start + name_at, 0);
        out[start + len_at..start + len_at + 4]
            .copy_from_slice(&(units.len() as u32).to_le_bytes());
        out.extend_from_slice(&units);
        out.resize((start + size).min(MAX_EXTRA).max(out.len()), 0);
        last_start = Some(start);
    }
    out
}

/// The FILETIME of a date field (0 when absent).
fn time(f: &Fields<'_>, key: &str) -> [u8; 8] {
    f.date(key).unwrap_or(0).to_le_bytes()
}

/// FILE_BASIC_INFORMATION from its printed fields.
fn basic(f: &Fields<'_>, attributes_key: &str) -> Vec<u8> {
    let mut x = Vec::with_capacity(40);
    for key in [
        "CreationTime",
        "LastAccessTime",
        "LastWriteTime",
        "ChangeTime",
    ] {
        x.extend_from_slice(&time(f, key));
    }
    let attrs = f.get(attributes_key).map_or(0, attributes);
    x.extend_from_slice(&attrs.to_le_bytes());
    x.extend_from_slice(&[0; 4]);
    x
}

const BASIC_KEYS: [&str; 5] = [
    "CreationTime",
    "LastAccessTime",
    "LastWriteTime",
    "ChangeTime",
    "FileAttributes",
];

/// The structure a QueryInformationFile of `class` returned, from its printed fields.
fn query_information(class: u8, input: &DetailInput<'_>) -> Option<Vec<u8>> {
    let u64le = |v: u64| v.to_le_bytes();
    let x = match class {
        info_class::BASIC => basic(&fields(input, &BASIC_KEYS), "FileAttributes"),
        info_class::STANDARD => {
            let f = fields(
                input,
                &[
                    "AllocationSize",
                    "EndOfFile",
                    "NumberOfLinks",
                    "DeletePending",
                    "Directory",
                ],
            );
            standard(&f)
        }
        info_class::INTERNAL => u64le(fields(input, &["IndexNumber"]).hex("IndexNumber")?).to_vec(),
        info_class::EA => (fields(input, &["EaSize"]).unsigned("EaSize")? as u32)
            .to_le_bytes()
            .to_vec(),
        info_class::NAME => {
            let name = utf16(fields(input, &["Name"]).get("Name")?);
            let mut x = (name.len() as u32).to_le_bytes().to_vec();
            x.extend(name);
            x
        }
        info_class::POSITION => {
            u64le(fields(input, &["Position"]).int("Position")? as u64).to_vec()
        }
        info_class::ALL => {
            let mut keys = BASIC_KEYS.to_vec();
            keys.extend([
                "AllocationSize",
                "EndOfFile",
                "NumberOfLinks",
                "DeletePending",
                "Directory",
                "IndexNumber",
                "EaSize",
                "Access",
                "Position",
                "Mode",
                "AlignmentRequirement",
            ]);
            let f = fields(input, &keys);
            let mut x = basic(&f, "FileAttributes");
            x.extend(standard(&f));
            x.extend(u64le(f.hex("IndexNumber").unwrap_or(0)));
            x.extend((f.unsigned("EaSize").unwrap_or(0) as u32).to_le_bytes());
            x.extend(
                f.flags("Access", names::FILE_ACCESS)
                    .unwrap_or(0)
                    .to_le_bytes(),
            );
            x.extend(u64le(f.int("Position").unwrap_or(0) as u64));
            x.extend(
                f.flags("Mode", names::CREATE_OPTIONS)
                    .unwrap_or(0)
                    .to_le_bytes(),
            );
            let alignment = f.get("AlignmentRequirement").map_or(0, |a| {
                (0..=0x1FF)
                    .find(|&v| names::alignment(v) == Some(a))
                    .or_else(|| hex(a).map(|v| v as u32))
                    .unwrap_or(0)
            });
            x.extend(alignment.to_le_bytes());
            x.extend(0u32.to_le_bytes());
            x
        }
        info_class::NETWORK_OPEN => {
            let mut keys = BASIC_KEYS.to_vec();
            keys.extend(["AllocationSize", "EndOfFile"]);
            let f = fields(input, &keys);
            let mut x = Vec::with_capacity(56);
            for key in [
                "CreationTime",
                "LastAccessTime",
                "LastWriteTime",
                "ChangeTime",
                // ProcMon prints the two sizes as dates.
                "AllocationSize",
                "EndOfFile",
            ] {
                x.extend(time(&f, key));
            }
            x.extend(f.get("FileAttributes").map_or(0, attributes).to_le_bytes());
            x.extend([0; 4]);
            x
        }
        info_class::ATTRIBUTE_TAG => {
            let f = fields(input, &["Attributes", "ReparseTag"]);
            let mut x = f
                .get("Attributes")
                .map_or(0, attributes)
                .to_le_bytes()
                .to_vec();
            x.extend((f.hex("ReparseTag").unwrap_or(0) as u32).to_le_bytes());
            x
        }
        _ => return None,
    };
    Some(x)
}

/// FILE_STANDARD_INFORMATION from its printed fields.
fn standard(f: &Fields<'_>) -> Vec<u8> {
    let mut x = Vec::with_capacity(24);
    x.extend((f.int("AllocationSize").unwrap_or(0) as u64).to_le_bytes());
    x.extend((f.int("EndOfFile").unwrap_or(0) as u64).to_le_bytes());
    x.extend((f.unsigned("NumberOfLinks").unwrap_or(0) as u32).to_le_bytes());
    x.push(u8::from(f.bool("DeletePending") == Some(true)));
    x.push(u8::from(f.bool("Directory") == Some(true)));
    x.extend([0; 2]);
    x
}

/// The input of a SetInformationFile of `class`, from its printed fields.
fn set_information(class: u8, input: &DetailInput<'_>, ptr: usize) -> Vec<u8> {
    let i64_field = |key: &'static str| {
        let f = fields(input, &[key]);
        (f.int(key).unwrap_or(0) as u64).to_le_bytes().to_vec()
    };
    match class {
        info_class::BASIC => basic(&fields(input, &BASIC_KEYS), "FileAttributes"),
        info_class::RENAME
        | info_class::LINK
        | info_class::RENAME_EX
        | info_class::RENAME_EX_BYPASS => {
            // FILE_RENAME_INFORMATION: the flag (or the Ex flags word), the pointer-aligned
            // root directory handle, FileNameLength and the name, kept as printed (a DOS
            // path prints as itself).
            let f = fields(input, &["ReplaceIfExists", "FileName"]);
            let name = utf16(f.get("FileName").unwrap_or(""));
            let mut x = vec![0u8; 2 * ptr];
            x[0] = u8::from(f.bool("ReplaceIfExists") == Some(true));
            x.extend((name.len() as u32).to_le_bytes());
            x.extend(name);
            x
        }
        info_class::DISPOSITION => {
            vec![u8::from(
                fields(input, &["Delete"]).bool("Delete") == Some(true),
            )]
        }
        info_class::DISPOSITION_EX => {
            let delete = fields(input, &["Delete"]).bool("Delete") == Some(true);
            u32::from(delete).to_le_bytes().to_vec()
        }
        info_class::POSITION => i64_field("Position"),
        info_class::ALLOCATION => i64_field("AllocationSize"),
        info_class::END_OF_FILE => i64_field("EndOfFile"),
        info_class::VALID_DATA_LENGTH => i64_field("ValidDataLength"),
        _ => Vec::new(),
    }
}

/// The structure a QueryVolumeInformation of `class` returned, from its printed fields.
fn volume_information(class: u8, input: &DetailInput<'_>) -> Option<Vec<u8>> {
    let x = match class {
        volume_class::VOLUME => {
            let f = fields(
                input,
                &[
                    "VolumeCreationTime",
                    "VolumeSerialNumber",
                    "SupportsObjects",
                    "VolumeLabel",
                ],
            );
            let serial = f
                .get("VolumeSerialNumber")
                .and_then(|s| s.split_once('-'))
                .and_then(|(h, l)| {
                    Some(
                        (u32::from_str_radix(h, 16).ok()? << 16)
                            | u32::from_str_radix(l, 16).ok()?,
                    )
                })
                .unwrap_or(0);
            let label = utf16(f.get("VolumeLabel").unwrap_or(""));
            let mut x = time(&f, "VolumeCreationTime").to_vec();
            x.extend(serial.to_le_bytes());
            x.extend((label.len() as u32).to_le_bytes());
            x.push(u8::from(f.bool("SupportsObjects") == Some(true)));
            x.push(0);
            x.extend(label);
            x
        }
        volume_class::SIZE => {
            let f = fields(
                input,
                &[
                    "TotalAllocationUnits",
                    "AvailableAllocationUnits",
                    "SectorsPerAllocationUnit",
                    "BytesPerSector",
                ],
            );
            let mut x = Vec::with_capacity(24);
            x.extend((f.int("TotalAllocationUnits").unwrap_or(0) as u64).to_le_bytes());
            x.extend((f.int("AvailableAllocationUnits").unwrap_or(0) as u64).to_le_bytes());
            x.extend((f.unsigned("SectorsPerAllocationUnit").unwrap_or(0) as u32).to_le_bytes());
            x.extend((f.unsigned("BytesPerSector").unwrap_or(0) as u32).to_le_bytes());
            x
        }
        volume_class::DEVICE => {
            let f = fields(input, &["DeviceType", "Characteristics"]);
            let mut x = (f.hex("DeviceType").unwrap_or(0) as u32)
                .to_le_bytes()
                .to_vec();
            x.extend((f.hex("Characteristics").unwrap_or(0) as u32).to_le_bytes());
            x
        }
        volume_class::ATTRIBUTE => {
            let f = fields(
                input,
                &[
                    "FileSystemAttributes",
                    "MaximumComponentNameLength",
                    "FileSystemName",
                ],
            );
            let attrs = match f.get("FileSystemAttributes") {
                Some("n/a") | None => 0,
                Some(list) => flags(list, names::FS_ATTRIBUTES),
            };
            let name = utf16(f.get("FileSystemName").unwrap_or(""));
            let mut x = attrs.to_le_bytes().to_vec();
            x.extend((f.int("MaximumComponentNameLength").unwrap_or(0) as i32).to_le_bytes());
            x.extend((name.len() as u32).to_le_bytes());
            x.extend(name);
            x
        }
        volume_class::FULL_SIZE => {
            let f = fields(
                input,
                &[
                    "TotalAllocationUnits",
                    "CallerAvailableAllocationUnits",
                    "ActualAvailableAllocationUnits",
                    "SectorsPerAllocationUnit",
                    "BytesPerSector",
                ],
            );
            let mut x = Vec::with_capacity(32);
            for key in [
                "TotalAllocationUnits",
                "CallerAvailableAllocationUnits",
                "ActualAvailableAllocationUnits",
            ] {
                x.extend((f.int(key).unwrap_or(0) as u64).to_le_bytes());
            }
            x.extend((f.unsigned("SectorsPerAllocationUnit").unwrap_or(0) as u32).to_le_bytes());
            x.extend((f.unsigned("BytesPerSector").unwrap_or(0) as u32).to_le_bytes());
            x
        }
        volume_class::OBJECT_ID => {
            let f = fields(input, &["ObjectId"]);
            let id = f.get("ObjectId")?.trim();
            if id.len() != 32 {
                return None;
            }
            (0..16)
                .map(|i| u8::from_str_radix(id.get(2 * i..2 * i + 2)?, 16).ok())
                .collect::<Option<Vec<u8>>>()?
        }
        _ => return None,
    };
    Some(x)
}
