//! Registry Details read back into blobs: the request fields before the key path (desired
//! access, buffer length, index, information class, value type), the data after it
//! (RegSetValue), and the extra blob (the KEY_* or KEY_VALUE_* structure a query returned, the
//! disposition of an open).

use pml_parser::details::registry::{
    key_class, key_class_name, key_set_class_name, op, value_class, value_type, value_type_name,
    ACCESS_NAMES,
};
use pml_parser::writer::blobs::{reg, Blob};

use super::{flags, utf16, DetailInput, Fields};

/// The blob of a registry event.
pub(super) fn blob(input: &DetailInput<'_>) -> Blob {
    let path = input.path;
    match input.operation.code {
        op::OPEN_KEY | op::CREATE_KEY => open(input),
        op::QUERY_KEY => {
            let f = fields(
                input,
                &[
                    "Query",
                    "Length",
                    "Name",
                    "SubKeys",
                    "Values",
                    "UserFlags",
                    "HandleTags",
                ],
            );
            let class = f
                .get("Query")
                .and_then(|c| class_code(c, key_class_name))
                .unwrap_or(0);
            let length = f.unsigned("Length").unwrap_or(0) as u32;
            reg::custom(path, &[length, class], &[], key_information(class, &f))
        }
        op::ENUM_KEY => {
            let f = fields(
                input,
                &[
                    "Index",
                    "Length",
                    "Name",
                    "SubKeys",
                    "Values",
                    "UserFlags",
                    "HandleTags",
                ],
            );
            let index = f.unsigned("Index").unwrap_or(0) as u32;
            let length = f.unsigned("Length").unwrap_or(0) as u32;
            // EnumKey does not print its class: the printed fields tell one that prints them.
            let class = if f.has("Name") {
                key_class::BASIC
            } else if f.has("SubKeys") || f.has("Values") {
                key_class::FULL
            } else if f.has("UserFlags") {
                key_class::FLAGS
            } else if f.has("HandleTags") {
                key_class::HANDLE_TAGS
            } else {
                key_class::NAME
            };
            reg::custom(
                path,
                &[length, index, class],
                &[],
                key_information(class, &f),
            )
        }
        op::QUERY_VALUE => {
            let f = fields(input, &["Type", "Length", "Data"]);
            let (class, extra) = value_information(&f, false);
            let length = if extra.is_none() {
                f.unsigned("Length").unwrap_or(0) as u32
            } else {
                0
            };
            reg::custom(path, &[length, class], &[], extra)
        }
        op::ENUM_VALUE => {
            let f = fields(input, &["Index", "Name", "Type", "Length", "Data"]);
            let index = f.unsigned("Index").unwrap_or(0) as u32;
            let (class, extra) = value_information(&f, true);
            let length = if extra.is_none() {
                f.unsigned("Length").unwrap_or(0) as u32
            } else {
                0
            };
            reg::custom(path, &[length, index, class], &[], extra)
        }
        op::SET_VALUE => {
            let f = fields(input, &["Type", "Length", "Data"]);
            let ty = f
                .get("Type")
                .and_then(type_code)
                .unwrap_or(value_type::NONE);
            let length = f.unsigned("Length").unwrap_or(0) as u32;
            let data = f.get("Data").map_or_else(Vec::new, |d| value_data(ty, d));
            let copied = data.len().min(usize::from(u16::MAX)) as u32;
            reg::custom(path, &[ty, length, copied], &data[..copied as usize], None)
        }
        op::SET_INFO_KEY => {
            let f = fields(input, &["KeySetInformationClass", "Length"]);
            let class = f
                .get("KeySetInformationClass")
                .and_then(|c| class_code(c, key_set_class_name))
                .unwrap_or(0);
            let length = f.unsigned("Length").unwrap_or(0).min(u64::from(u16::MAX)) as u32;
            reg::custom(path, &[class, 0, length], &[], None)
        }
        op::LOAD_KEY => {
            let f = fields(input, &["Hive Path"]);
            reg::two_paths(path, f.get("Hive Path").unwrap_or(""))
        }
        op::RENAME_KEY => {
            let f = fields(input, &["New Name"]);
            reg::two_paths(path, f.get("New Name").unwrap_or(""))
        }
        _ => reg::close_key(path),
    }
}

fn fields<'t>(input: &DetailInput<'t>, keys: &[&'t str]) -> Fields<'t> {
    Fields::with_locale(input.detail, keys, input.locale)
}

/// A class printed by its name, or as `<Unknown: N>`.
fn class_code(text: &str, name_of: fn(u32) -> Option<&'static str>) -> Option<u32> {
    let text = text.trim();
    if let Some(n) = text
        .strip_prefix("<Unknown: ")
        .and_then(|t| t.strip_suffix('>'))
    {
        return n.parse().ok();
    }
    (0..64).find(|&c| name_of(c) == Some(text))
}

fn type_code(text: &str) -> Option<u32> {
    class_code(text, value_type_name)
}

/// A registry ACCESS_MASK as ProcMon names it (`None 0x…` when it names no right).
fn access(text: &str) -> u32 {
    flags(text, &ACCESS_NAMES)
}

/// RegOpenKey / RegCreateKey: the desired access; the granted access and the disposition in the
/// extra blob when printed.
fn open(input: &DetailInput<'_>) -> Blob {
    let f = fields(input, &["Desired Access", "Granted Access", "Disposition"]);
    let desired = f.get("Desired Access").map_or(0, access);
    let disposition = match f.get("Disposition") {
        Some("REG_CREATED_NEW_KEY") => Some(1),
        Some("REG_OPENED_EXISTING_KEY") => Some(2),
        _ => None,
    };
    let granted = f.get("Granted Access").map(access);
    let extra = (granted.is_some() || disposition.is_some())
        .then(|| (granted.unwrap_or(desired), disposition.unwrap_or(0)));
    reg::open_key(input.path, desired, extra)
}

/// The KEY_* structure of `class` a RegQueryKey / RegEnumKey returned, from its printed fields;
/// none when the text prints the buffer's `Length` (the call returned nothing).
fn key_information(class: u32, f: &Fields<'_>) -> Option<Vec<u8>> {
    if f.has("Length") {
        return None;
    }
    let u32le = |v: u64| (v as u32).to_le_bytes();
    let named = |len_at: usize| {
        let name = utf16(f.get("Name").unwrap_or(""));
        let mut x = vec![0u8; len_at];
        x.extend((name.len() as u32).to_le_bytes());
        x.extend(name);
        x
    };
    Some(match class {
        key_class::BASIC => named(12),
        key_class::NODE => named(20),
        key_class::FULL => {
            let mut x = vec![0u8; 44];
            x[20..24].copy_from_slice(&u32le(f.unsigned("SubKeys").unwrap_or(0)));
            x[32..36].copy_from_slice(&u32le(f.unsigned("Values").unwrap_or(0)));
            x
        }
        key_class::CACHED => {
            let mut x = vec![0u8; 32];
            x[12..16].copy_from_slice(&u32le(f.unsigned("SubKeys").unwrap_or(0)));
            x[20..24].copy_from_slice(&u32le(f.unsigned("Values").unwrap_or(0)));
            x
        }
        key_class::FLAGS => u32le(f.hex("UserFlags").unwrap_or(0)).to_vec(),
        key_class::HANDLE_TAGS => u32le(f.hex("HandleTags").unwrap_or(0)).to_vec(),
        // KeyNameInformation and the rest print nothing of what they returned.
        _ => vec![0u8; 4],
    })
}

/// The KEY_VALUE_* class and structure a RegQueryValue / RegEnumValue returned, from its
/// printed fields: none when only the buffer's `Length` is printed; the basic structure when
/// only the type is; else the partial one (the full one, which has the name, for an
/// enumeration that prints it).
fn value_information(f: &Fields<'_>, enumeration: bool) -> (u32, Option<Vec<u8>>) {
    let Some(ty) = f.get("Type").and_then(type_code) else {
        return (value_class::PARTIAL, None);
    };
    let Some(length) = f.unsigned("Length").map(|l| l as u32) else {
        // KEY_VALUE_BASIC_INFORMATION: TitleIndex, Type, NameLength, Name.
        let name = utf16(f.get("Name").unwrap_or(""));
        let mut x = vec![0u8; 4];
        x.extend(ty.to_le_bytes());
        x.extend((name.len() as u32).to_le_bytes());
        x.extend(name);
        return (value_class::BASIC, Some(x));
    };
    let data = f.get("Data").map_or_else(Vec::new, |d| value_data(ty, d));
    let data = &data[..data.len().min(0xFF00)];
    match f.get("Name").filter(|_| enumeration) {
        Some(name) => {
            // KEY_VALUE_FULL_INFORMATION: TitleIndex, Type, DataOffset, DataLength,
            // NameLength, Name, data.
            let name = utf16(name);
            let data_at = 20 + name.len();
            let mut x = vec![0u8; 4];
            x.extend(ty.to_le_bytes());
            x.extend((data_at as u32).to_le_bytes());
            x.extend(length.to_le_bytes());
            x.extend((name.len() as u32).to_le_bytes());
            x.extend(name);
            x.extend(data);
            (value_class::FULL, Some(x))
        }
        None => {
            // KEY_VALUE_PARTIAL_INFORMATION: TitleIndex, Type, DataLength, data.
            let mut x = vec![0u8; 4];
            x.extend(ty.to_le_bytes());
            x.extend(length.to_le_bytes());
            x.extend(data);
            (value_class::PARTIAL, Some(x))
        }
    }
}

/// Value data as ProcMon prints it, back into bytes: strings (NUL-ended), MULTI_SZ joined
/// with `, `, DWORDs in decimal, binary as hex pairs.
fn value_data(ty: u32, text: &str) -> Vec<u8> {
    match ty {
        value_type::SZ | value_type::EXPAND_SZ | value_type::LINK => {
            let mut x = utf16(text);
            x.extend([0, 0]);
            x
        }
        value_type::MULTI_SZ => {
            let mut x = Vec::new();
            if !text.is_empty() {
                for s in text.split(", ") {
                    x.extend(utf16(s));
                    x.extend([0, 0]);
                }
            }
            x.extend([0, 0]);
            x
        }
        value_type::DWORD => text
            .trim()
            .parse::<u32>()
            .map_or_else(|_| Vec::new(), |v| v.to_le_bytes().to_vec()),
        value_type::DWORD_BIG_ENDIAN => text
            .trim()
            .parse::<u32>()
            .map_or_else(|_| Vec::new(), |v| v.to_be_bytes().to_vec()),
        value_type::QWORD => Vec::new(),
        _ => text
            .split(' ')
            .filter_map(|pair| u8::from_str_radix(pair, 16).ok())
            .collect(),
    }
}

/// True when a capture would print more value data than `blob` holds: ProcMon reads
/// `extra length - 20 - NameLength / 2` bytes of a KEY_VALUE_FULL_INFORMATION's data, past the
/// blob's end into the bytes the log holds next, which a rebuilt blob cannot choose.
pub(super) fn over_reads(input: &DetailInput<'_>, blob: &Blob) -> bool {
    if input.operation.code != op::ENUM_VALUE {
        return false;
    }
    let Some(x) = blob.extra.as_deref() else {
        return false;
    };
    let u = |at: usize| {
        x.get(at..at + 4)
            .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let class = blob
        .detail
        .get(12..16)
        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    if class != value_class::FULL {
        return false;
    }
    let (start, length, name_len) = (u(8), u(12), u(16));
    let readable = x.len().saturating_sub(20 + name_len / 2);
    let shown = length.min(readable);
    let is_string = matches!(
        u(4) as u32,
        value_type::SZ | value_type::EXPAND_SZ | value_type::LINK | value_type::MULTI_SZ
    );
    !is_string && start + shown > x.len()
}
