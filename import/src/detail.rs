//! The Detail text of an exported event turned back into the detail blob ProcMon would have
//! stored, for the operations whose Detail says everything the blob holds that matters:
//! CreateFile (access, disposition, options, attributes, share mode, allocation size, open
//! result), CloseFile and IRP_MJ_CLOSE, ReadFile and WriteFile (offset, length, I/O flags),
//! SetRenameInformationFile (ReplaceIfExists, target name), SetDispositionInformationFile
//! (Delete), Process Create, Process Start, Process Exit, Thread Create and Load Image. Every
//! other operation keeps its path (and sub-operation) with its parameters zero:
//! [`Rebuilt::Partly`].

use pml_parser::ops::{fs_op, process_op};
use pml_parser::render::file_names as names;
use pml_parser::writer::blobs::{self, Blob, CreateFileParams, FsBlob};
use pml_parser::{EventClass, FileTime};

use crate::names::Operation;

/// How much of the Detail text a blob keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rebuilt {
    /// Everything the analysis and the Detail column need.
    Fully,
    /// The path only; the parameters the Detail text shows are not kept.
    Partly,
}

/// The `Key: value` fields of a Detail text whose keys are among `keys` (values may contain
/// `, `, so a field ends only where `, ` is followed by one of the keys).
fn fields<'t>(text: &'t str, keys: &[&'t str]) -> Vec<(&'t str, &'t str)> {
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
    let mut out = Vec::with_capacity(starts.len());
    for (i, &(at, key)) in starts.iter().enumerate() {
        let value_start = at + key.len() + 2;
        let end = starts.get(i + 1).map_or(text.len(), |&(next, _)| next - 2);
        out.push((
            key,
            text.get(value_start..end.max(value_start)).unwrap_or(""),
        ));
    }
    out
}

fn field<'t>(fields: &[(&str, &'t str)], key: &str) -> Option<&'t str> {
    fields.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// An integer with any thousands separators (`1,048,576`, `1.048.576`, `1 048 576`).
fn integer(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let digits: String = digits
        .chars()
        .filter(|c| !matches!(c, ',' | '.' | ' ' | '\u{a0}' | '\u{202f}' | '\''))
        .collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: i64 = digits.parse().ok()?;
    Some(if negative { -value } else { value })
}

fn hex(text: &str) -> Option<u64> {
    u64::from_str_radix(text.trim().strip_prefix("0x")?, 16).ok()
}

/// The bits named by a `, `-separated list of flag names (`None 0x…`, `0x…` and unknown names
/// add their hex value or nothing).
fn flags(text: &str, table: &[(u32, &str)]) -> u32 {
    let mut bits = 0;
    let mut rest = text.trim();
    while !rest.is_empty() {
        let found = table
            .iter()
            .filter(|(_, name)| {
                rest.starts_with(name)
                    && (rest.len() == name.len() || rest[name.len()..].starts_with(", "))
            })
            .max_by_key(|(_, name)| name.len());
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

/// File attributes as ProcMon's letters (`A`, `N`, `HS`), longest letters first.
fn attributes(text: &str) -> u16 {
    let mut bits = 0u32;
    let mut rest = text.trim();
    if rest == "n/a" {
        return 0;
    }
    while !rest.is_empty() {
        match names::ATTRIBUTES
            .iter()
            .filter(|(_, letters)| rest.starts_with(letters))
            .max_by_key(|(_, letters)| letters.len())
        {
            Some((bit, letters)) => {
                bits |= bit;
                rest = &rest[letters.len()..];
            }
            None => break,
        }
    }
    bits as u16
}

/// File access as ProcMon names it (generic combinations included).
fn file_access(text: &str) -> u32 {
    flags(text, names::FILE_ACCESS)
}

fn ticks(text: &str) -> u64 {
    let number = text.trim().trim_end_matches("seconds").trim();
    crate::locale::Locale::US
        .seconds(&number.replace(',', "."))
        .unwrap_or(0)
}

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
}

/// The process a Process Create detail names: its PID and command line.
pub fn created_process(detail: &str) -> Option<(u32, &str)> {
    let f = fields(detail, &["PID", "Command line"]);
    let pid = u32::try_from(integer(field(&f, "PID")?)?).ok()?;
    Some((pid, field(&f, "Command line").unwrap_or("")))
}

/// The blob of an event, and how much of its Detail it keeps. `child` gives a Process Create
/// the process index of the created process and the creator's (index, PID).
pub fn blob(input: &DetailInput<'_>, child: Option<(u32, u32, u32)>) -> (Blob, Rebuilt) {
    let op = input.operation;
    let fs = FsBlob::new(input.wide);
    let (path, text) = (input.path, input.detail);
    match op.class {
        EventClass::FileSystem => match op.code {
            fs_op::CREATE_FILE => (create_file(&fs, path, text), Rebuilt::Fully),
            fs_op::CLOSE_FILE | fs_op::IRP_MJ_CLOSE => (fs.close_file(path), Rebuilt::Fully),
            fs_op::READ_FILE | fs_op::WRITE_FILE => {
                let f = fields(text, &["Offset", "Length", "I/O Flags", "Priority"]);
                let offset = field(&f, "Offset").and_then(integer).unwrap_or(0);
                let length = field(&f, "Length").and_then(integer).unwrap_or(0);
                let io = field(&f, "I/O Flags").map_or(0, |v| flags(v, names::IO_FLAGS));
                let blob = fs.read_write(path, offset as u64, length as u32, io, None);
                let kept = if field(&f, "Priority").is_some() {
                    Rebuilt::Partly
                } else {
                    Rebuilt::Fully
                };
                (blob, kept)
            }
            fs_op::SET_INFORMATION_FILE if op.sub_op == RENAME => {
                let f = fields(text, &["ReplaceIfExists", "FileName"]);
                let replace = field(&f, "ReplaceIfExists").is_some_and(|v| v.trim() == "True");
                match field(&f, "FileName") {
                    Some(name) => (
                        fs.set_rename_information(path, name, replace),
                        Rebuilt::Fully,
                    ),
                    None => (fs.path_only(op.sub_op, path), partly_unless_empty(text)),
                }
            }
            fs_op::SET_INFORMATION_FILE if op.sub_op == DISPOSITION => {
                let f = fields(text, &["Delete"]);
                match field(&f, "Delete").map(str::trim) {
                    Some(v @ ("True" | "False")) => (
                        fs.set_disposition_information(path, v == "True"),
                        Rebuilt::Fully,
                    ),
                    _ => (fs.path_only(op.sub_op, path), partly_unless_empty(text)),
                }
            }
            _ => (fs.path_only(op.sub_op, path), partly_unless_empty(text)),
        },
        EventClass::Registry => {
            let fields = match op.code {
                0 | 1 => 1,
                3 | 5 => 2,
                4 | 6 | 7 | 8 => 3,
                12 | 14 => 0,
                _ => {
                    return (blobs::reg::close_key(path), partly_unless_empty(text));
                }
            };
            (
                blobs::reg::with_zero_fields(path, fields),
                partly_unless_empty(text),
            )
        }
        EventClass::Process => process(input, child),
        _ => (Blob::default(), Rebuilt::Partly),
    }
}

/// FileRenameInformation: SetRenameInformationFile.
const RENAME: u8 = 0x0A;
/// FileDispositionInformation: SetDispositionInformationFile.
const DISPOSITION: u8 = 0x0D;

fn partly_unless_empty(text: &str) -> Rebuilt {
    if text.trim().is_empty() {
        Rebuilt::Fully
    } else {
        Rebuilt::Partly
    }
}

fn create_file(fs: &FsBlob, path: &str, text: &str) -> Blob {
    let f = fields(
        text,
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
    let position = |key: &str, table: &[&str]| {
        field(&f, key).and_then(|v| table.iter().position(|name| *name == v.trim()))
    };
    fs.create_file(&CreateFileParams {
        path,
        desired_access: field(&f, "Desired Access").map_or(0, file_access),
        disposition: position("Disposition", &names::DISPOSITION).unwrap_or(1) as u8,
        options: field(&f, "Options").map_or(0, |v| flags(v, names::CREATE_OPTIONS)),
        attributes: field(&f, "Attributes").map_or(0, attributes),
        share_mode: field(&f, "ShareMode").map_or(0, |v| flags(v, names::SHARE)) as u16,
        allocation_size: field(&f, "AllocationSize").and_then(integer).unwrap_or(0) as u32,
        impersonation_sid: None,
        open_result: position("OpenResult", &names::OPEN_RESULT).map(|p| p as u32),
    })
}

fn process(input: &DetailInput<'_>, child: Option<(u32, u32, u32)>) -> (Blob, Rebuilt) {
    let text = input.detail;
    match input.operation.code {
        process_op::PROCESS_CREATE => {
            let (pid, command_line) = created_process(text).unwrap_or((0, ""));
            let (child_index, parent_index, parent_pid) = child.unwrap_or((0, 0, 0));
            let blob = blobs::process::create(&blobs::process::CreateParams {
                child_index,
                child_pid: pid,
                parent_index,
                parent_pid,
                session: 0,
                flag: 0,
                create_time: input.time,
                authentication_id: 0,
                virtualized: 0,
                user_sid: &[],
                integrity_sid: &[],
                image_path: input.path,
                command_line,
            });
            (blob, Rebuilt::Fully)
        }
        process_op::PROCESS_START => {
            let f = fields(
                text,
                &[
                    "Parent PID",
                    "Command line",
                    "Current directory",
                    "Environment",
                ],
            );
            let parent = field(&f, "Parent PID").and_then(integer).unwrap_or(0) as u32;
            if field(&f, "Command line").is_none() {
                // ProcMon 2.x (PML version 7) records the parent's PID only.
                let blob = Blob {
                    detail: parent.to_le_bytes().to_vec(),
                    extra: None,
                };
                return (blob, Rebuilt::Fully);
            }
            let environment: Vec<&str> = field(&f, "Environment")
                .unwrap_or("")
                .split(";\t")
                .map(|v| v.trim_end_matches('\r'))
                .filter(|v| !v.is_empty())
                .collect();
            let blob = blobs::process::start(
                parent,
                field(&f, "Command line").unwrap_or(""),
                field(&f, "Current directory").unwrap_or(""),
                &environment,
            );
            (blob, Rebuilt::Fully)
        }
        process_op::PROCESS_EXIT => {
            let f = fields(
                text,
                &[
                    "Exit Status",
                    "User Time",
                    "Kernel Time",
                    "Private Bytes",
                    "Peak Private Bytes",
                    "Working Set",
                    "Peak Working Set",
                ],
            );
            let number = |key| field(&f, key).and_then(integer).unwrap_or(0);
            let blob = blobs::process::exit(&blobs::process::ExitParams {
                exit_status: number("Exit Status") as i32 as u32,
                kernel_time: field(&f, "Kernel Time").map_or(0, ticks),
                user_time: field(&f, "User Time").map_or(0, ticks),
                working_set: number("Working Set") as u64,
                peak_working_set: number("Peak Working Set") as u64,
                private_bytes: number("Private Bytes") as u64,
                peak_private_bytes: number("Peak Private Bytes") as u64,
            });
            (blob, Rebuilt::Fully)
        }
        process_op::THREAD_CREATE => {
            let f = fields(text, &["Thread ID"]);
            let tid = field(&f, "Thread ID").and_then(integer).unwrap_or(0);
            (blobs::process::thread_create(tid as u32), Rebuilt::Fully)
        }
        process_op::LOAD_IMAGE => {
            let f = fields(text, &["Image Base", "Image Size"]);
            let base = field(&f, "Image Base").and_then(hex).unwrap_or(0);
            let size = field(&f, "Image Size").and_then(hex).unwrap_or(0);
            let blob = blobs::process::load_image(input.wide, base, size as u32, input.path);
            (blob, Rebuilt::Fully)
        }
        _ => (Blob::default(), partly_unless_empty(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_end_only_at_known_keys() {
        let text = "Desired Access: Read Attributes, Read Control, Disposition: Open, \
                    Options: Open Reparse Point, Attributes: n/a, ShareMode: Read, Write, Delete, \
                    AllocationSize: n/a, OpenResult: Opened";
        let f = fields(
            text,
            &["Desired Access", "Disposition", "ShareMode", "OpenResult"],
        );
        assert_eq!(
            field(&f, "Desired Access"),
            Some("Read Attributes, Read Control")
        );
        assert_eq!(file_access("Read Attributes, Read Control"), 0x20080);
        assert_eq!(file_access("Generic Read/Write"), 0x12019F);
        assert_eq!(flags("Read, Write, Delete", names::SHARE), 7);
        assert_eq!(attributes("HS"), 6);
        assert_eq!(attributes("NCI"), 0x2000);
        assert_eq!(integer("1.048.576"), Some(1_048_576));
        assert_eq!(integer("-1,073,740,756"), Some(-1_073_740_756));
        assert_eq!(
            created_process("PID: 6564, Command line: a, b"),
            Some((6564, "a, b"))
        );
    }

    #[test]
    fn renames_and_deletes_keep_their_target_and_flag() {
        let input = |name: &str, path: &'static str, detail: &'static str| DetailInput {
            operation: crate::names::operation(name).unwrap(),
            path,
            detail,
            wide: true,
            time: FileTime(0),
        };
        let fs = FsBlob::new(true);
        let (b, kept) = blob(
            &input(
                "SetRenameInformationFile",
                "C:\\out\\a.tmp",
                "ReplaceIfExists: True, FileName: C:\\out\\a.trx",
            ),
            None,
        );
        assert_eq!(kept, Rebuilt::Fully);
        assert_eq!(
            b.detail,
            fs.set_rename_information("C:\\out\\a.tmp", "C:\\out\\a.trx", true)
                .detail
        );
        let (b, kept) = blob(
            &input(
                "SetDispositionInformationFile",
                "C:\\out\\a.obj",
                "Delete: True",
            ),
            None,
        );
        assert_eq!(kept, Rebuilt::Fully);
        assert_eq!(
            b.detail,
            fs.set_disposition_information("C:\\out\\a.obj", true)
                .detail
        );
        let (_, kept) = blob(
            &input(
                "SetDispositionInformationFile",
                "C:\\out\\a.obj",
                "Flags: odd",
            ),
            None,
        );
        assert_eq!(kept, Rebuilt::Partly);
    }
}
