//! Path, Detail and Category of registry events.

use super::process::numbers::{push_hex, push_thousands};
use crate::details::registry::{
    key_class_name, key_set_class_name, op, value_type, value_type_name, KeyInformation,
    RegistryDetails, Request, ValueData, ValueInformation, ACCESS_NAMES, MAXIMUM_ALLOWED,
    REG_CREATED_NEW_KEY, REG_OPENED_EXISTING_KEY,
};
use crate::event::Event;
use crate::text::PmlStr;
use std::fmt::Write as _;

/// What the Path column is printed from (see [`super::path_sources`]).
/// The path is in the detail blob: the extra blob is not looked at.
pub(super) fn path_sources<'a>(event: &Event<'a>) -> Option<[PmlStr<'a>; 2]> {
    let path = RegistryDetails::path_from_blob(event.operation(), event.detail_bytes());
    Some([path, PmlStr::default()])
}

/// Appends the Detail column.
pub(super) fn write_detail(event: &Event<'_>, out: &mut String) {
    if let Ok(d) = &RegistryDetails::decode(event) {
        write_details(d, out);
    }
}

/// Appends the Detail column of decoded details.
pub(super) fn write_details(d: &RegistryDetails<'_>, out: &mut String) {
    let d = *d;
    let mut w = Fields::new(out);
    match d.request {
        Request::Open { desired_access } => write_open(&d, desired_access, &mut w),
        Request::Query {
            length,
            information_class,
        } => {
            if d.operation == op::QUERY_KEY {
                w.key("Query");
                push_class_name(w.out, key_class_name(information_class), information_class);
                write_key_information(&d, length, &mut w);
            } else {
                write_value_information(&d, length, &mut w);
            }
        }
        Request::Enum { length, index, .. } => {
            w.key("Index");
            push_thousands(w.out, u64::from(index));
            if d.operation == op::ENUM_KEY {
                write_key_information(&d, length, &mut w);
            } else {
                write_value_information(&d, length, &mut w);
            }
        }
        Request::SetValue {
            value_type,
            length,
            data,
        } => {
            write_type(value_type, &mut w);
            w.key("Length");
            push_thousands(w.out, u64::from(length));
            if length > 0 {
                w.key("Data");
                push_data(w.out, value_type, length, data);
            }
        }
        Request::SetInfo {
            information_class,
            length,
            ..
        } => {
            w.key("KeySetInformationClass");
            push_class_name(
                w.out,
                key_set_class_name(information_class),
                information_class,
            );
            w.key("Length");
            push_thousands(w.out, u64::from(length));
        }
        Request::SecondPath(second) => {
            match d.operation {
                op::LOAD_KEY => w.key("Hive Path"),
                _ => w.key("New Name"),
            }
            second.push_to(w.out);
        }
        Request::PathOnly => {}
    }
}

/// The Category column.
pub(super) fn category(event: &Event<'_>) -> &'static str {
    match event.operation() {
        op::OPEN_KEY
        | op::QUERY_KEY
        | op::QUERY_VALUE
        | op::ENUM_VALUE
        | op::ENUM_KEY
        | op::QUERY_MULTIPLE_VALUE_KEY => "Read",
        op::CREATE_KEY => {
            let created = RegistryDetails::decode(event)
                .ok()
                .and_then(|d| d.open_result())
                .is_some_and(|r| r.disposition == REG_CREATED_NEW_KEY);
            if created {
                "Write"
            } else {
                "Read"
            }
        }
        op::SET_VALUE | op::DELETE_KEY | op::DELETE_VALUE | op::RENAME_KEY => "Write",
        op::SET_INFO_KEY | op::SET_KEY_SECURITY => "Write Metadata",
        op::QUERY_KEY_SECURITY => "Read Metadata",
        _ => "",
    }
}

/// Writes `Key: value` pairs separated by `, `.
struct Fields<'o> {
    out: &'o mut String,
    first: bool,
}

impl<'o> Fields<'o> {
    fn new(out: &'o mut String) -> Self {
        Fields { out, first: true }
    }

    /// Starts a field: appends the separator and `name: `.
    fn key(&mut self, name: &str) {
        if !self.first {
            self.out.push_str(", ");
        }
        self.first = false;
        self.out.push_str(name);
        self.out.push_str(": ");
    }
}

fn push_class_name(out: &mut String, name: Option<&str>, code: u32) {
    match name {
        Some(name) => out.push_str(name),
        None => {
            let _ = write!(out, "<Unknown: {code}>");
        }
    }
}

fn write_open(d: &RegistryDetails<'_>, desired_access: u32, w: &mut Fields<'_>) {
    if desired_access == 0 {
        return;
    }
    w.key("Desired Access");
    push_access(w.out, desired_access);
    let Some(result) = d.open_result() else {
        return;
    };
    if desired_access == MAXIMUM_ALLOWED {
        w.key("Granted Access");
        push_access(w.out, result.granted_access);
    }
    let disposition = match result.disposition {
        REG_CREATED_NEW_KEY => "REG_CREATED_NEW_KEY",
        REG_OPENED_EXISTING_KEY => "REG_OPENED_EXISTING_KEY",
        _ => return,
    };
    w.key("Disposition");
    w.out.push_str(disposition);
}

fn write_key_information(d: &RegistryDetails<'_>, length: u32, w: &mut Fields<'_>) {
    let Some(info) = d.key_information() else {
        w.key("Length");
        push_thousands(w.out, u64::from(length));
        return;
    };
    match info {
        KeyInformation::Basic { name, .. } | KeyInformation::Node { name, .. } => {
            w.key("Name");
            name.push_to(w.out);
        }
        KeyInformation::Full(counts) | KeyInformation::Cached(counts) => {
            w.key("SubKeys");
            push_thousands(w.out, u64::from(counts.sub_keys));
            w.key("Values");
            push_thousands(w.out, u64::from(counts.values));
        }
        KeyInformation::Flags(flags) => {
            w.key("UserFlags");
            push_hex(w.out, u64::from(flags));
        }
        KeyInformation::HandleTags(tags) => {
            w.key("HandleTags");
            push_hex(w.out, u64::from(tags));
        }
        // ProcMon prints nothing for the name it got back.
        KeyInformation::Name(_) | KeyInformation::Other(_) => {}
    }
}

fn write_value_information(d: &RegistryDetails<'_>, length: u32, w: &mut Fields<'_>) {
    let Some(info) = d.value_information() else {
        w.key("Length");
        push_thousands(w.out, u64::from(length));
        return;
    };
    let ValueInformation {
        value_type,
        name,
        data_length,
        data,
        ..
    } = info;
    // RegQueryValue's path already ends with the value name.
    if let (op::ENUM_VALUE, Some(name), Some(_)) = (d.operation, name, data_length) {
        w.key("Name");
        name.push_to(w.out);
    }
    write_type(value_type, w);
    if let Some(length) = data_length {
        w.key("Length");
        push_thousands(w.out, u64::from(length));
        if length > 0 {
            w.key("Data");
            push_data(w.out, value_type, length, data);
        }
    }
}

fn write_type(code: u32, w: &mut Fields<'_>) {
    w.key("Type");
    push_class_name(w.out, value_type_name(code), code);
}

/// Appends value data as ProcMon shows it: strings as text, MULTI_SZ joined with `, `, DWORDs
/// in decimal, binary as spaced upper-case hex pairs; REG_QWORD and unknown types print nothing.
///
/// Strings are read up to their NUL even past the value's `length` (ProcMon does so, into
/// whatever bytes follow); MULTI_SZ strings are taken while they start inside `length`.
fn push_data(out: &mut String, code: u32, length: u32, data: ValueData<'_>) {
    match code {
        value_type::SZ | value_type::EXPAND_SZ | value_type::LINK => {
            push_utf16_z(out, data.run);
        }
        value_type::MULTI_SZ => {
            let mut at = 0usize;
            let mut first = true;
            while at < length as usize {
                let Some(rest) = data.run.get(at..).filter(|r| r.len() >= 2) else {
                    break;
                };
                let units = utf16_z_units(rest);
                if units == 0 {
                    break;
                }
                if !first {
                    out.push_str(", ");
                }
                first = false;
                push_utf16_z(out, rest);
                at += 2 * (units + 1);
            }
        }
        value_type::DWORD => {
            if let Some(b) = data.bytes.get(..4) {
                let _ = write!(out, "{}", u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            }
        }
        value_type::DWORD_BIG_ENDIAN => {
            if let Some(b) = data.bytes.get(..4) {
                let _ = write!(out, "{}", u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
            }
        }
        value_type::QWORD => {}
        _ if value_type_name(code).is_some() => {
            for (i, b) in data.bytes.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                let _ = write!(out, "{b:02X}");
            }
        }
        _ => {}
    }
}

/// Number of UTF-16 units before the first NUL.
fn utf16_z_units(bytes: &[u8]) -> usize {
    bytes
        .chunks_exact(2)
        .position(|c| c == [0, 0])
        .unwrap_or(bytes.len() / 2)
}

/// Appends UTF-16LE text up to the first NUL; the CSV export turns each line feed into `;`.
fn push_utf16_z(out: &mut String, data: &[u8]) {
    let units = data
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0);
    out.extend(
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .map(|c| if c == '\n' { ';' } else { c }),
    );
}

/// Appends a registry ACCESS_MASK: generic rights mapped to KEY_READ / KEY_WRITE / KEY_EXECUTE /
/// KEY_ALL_ACCESS, then the names of the rights it holds, or `None 0x…` when it holds none.
fn push_access(out: &mut String, mask: u32) {
    const GENERIC: [(u32, u32); 4] = [
        (0x8000_0000, 0x20019),
        (0x4000_0000, 0x20006),
        (0x2000_0000, 0x20019),
        (0x1000_0000, 0xF003F),
    ];
    let mut mask = GENERIC
        .iter()
        .filter(|(bit, _)| mask & bit != 0)
        .fold(mask, |m, (_, rights)| m | rights);
    let start = out.len();
    for (bits, name) in ACCESS_NAMES {
        if mask & bits == bits {
            if out.len() > start {
                out.push_str(", ");
            }
            out.push_str(name);
            mask &= !bits;
        }
    }
    if out.len() == start {
        let _ = write!(out, "None {mask:#x}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(mask: u32) -> String {
        let mut s = String::new();
        push_access(&mut s, mask);
        s
    }

    fn data(code: u32, bytes: &[u8]) -> String {
        let mut s = String::new();
        let data = ValueData { bytes, run: bytes };
        push_data(&mut s, code, bytes.len() as u32, data);
        s
    }

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn access_masks_use_combined_names_first() {
        assert_eq!(access(0x20019), "Read");
        assert_eq!(access(0xF003F), "All Access");
        assert_eq!(access(0x3), "Query Value, Set Value");
        assert_eq!(access(0x0202_0019), "Read, Maximum Allowed");
        assert_eq!(access(0x8000_0000), "Read");
        assert_eq!(access(0), "None 0x0");
    }

    #[test]
    fn data_formats_follow_the_type() {
        assert_eq!(data(value_type::DWORD, &22u32.to_le_bytes()), "22");
        assert_eq!(data(value_type::QWORD, &[1; 8]), "");
        assert_eq!(data(value_type::BINARY, &[0x00, 0xC4, 0xFF]), "00 C4 FF");
        assert_eq!(data(value_type::SZ, &utf16("a\0junk")), "a");
        assert_eq!(
            data(value_type::MULTI_SZ, &utf16("en-US\0en\0\0")),
            "en-US, en"
        );
        assert_eq!(data(0xFFFF_0007, &[1, 2, 3, 4]), "");
        assert_eq!(data(value_type::SZ, &utf16("a\nb")), "a;b");
    }
}
