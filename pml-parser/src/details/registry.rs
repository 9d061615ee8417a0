//! Registry detail blobs: a key-path info word, per-operation fields, the key path, and for some
//! operations data after the path; the extra blob holds the KEY_* / KEY_VALUE_* structure the
//! call returned, or the granted access and disposition of an open.
//!
//! Detail layout (offsets from the blob start, same in 32-bit and 64-bit captures):
//!
//! | operation | fields | path at |
//! |---|---|---|
//! | OpenKey, CreateKey | `u16 path info, u16 pad, u32 desired access` | 8 |
//! | QueryKey, QueryValue | `u16 path info, u16 pad, u32 length, u32 information class` | 12 |
//! | EnumKey, EnumValue | `u16 path info, u16 pad, u32 length, u32 index, u32 information class` | 16 |
//! | SetValue | `u16 path info, u16 pad, u32 type, u32 length, u16 copied, u16 pad`, data after the path | 16 |
//! | SetInfoKey | `u16 path info, u16 pad, u32 class, u32 ?, u16 length, u16 pad`, data after the path | 16 |
//! | LoadKey, RenameKey | `u16 path info, u16 second info`, second string after the path | 4 |
//! | the others | `u16 path info` | 2 |

use crate::bytes::{u16_at, u32_at, u64_at};
use crate::error::Result;
use crate::event::Event;
use crate::text::{PmlStr, StrInfo};
use crate::time::FileTime;

/// Registry operation codes.
pub mod op {
    /// RegOpenKey.
    pub const OPEN_KEY: u16 = 0;
    /// RegCreateKey.
    pub const CREATE_KEY: u16 = 1;
    /// RegCloseKey.
    pub const CLOSE_KEY: u16 = 2;
    /// RegQueryKey.
    pub const QUERY_KEY: u16 = 3;
    /// RegSetValue.
    pub const SET_VALUE: u16 = 4;
    /// RegQueryValue.
    pub const QUERY_VALUE: u16 = 5;
    /// RegEnumValue.
    pub const ENUM_VALUE: u16 = 6;
    /// RegEnumKey.
    pub const ENUM_KEY: u16 = 7;
    /// RegSetInfoKey.
    pub const SET_INFO_KEY: u16 = 8;
    /// RegDeleteKey.
    pub const DELETE_KEY: u16 = 9;
    /// RegDeleteValue.
    pub const DELETE_VALUE: u16 = 10;
    /// RegFlushKey.
    pub const FLUSH_KEY: u16 = 11;
    /// RegLoadKey.
    pub const LOAD_KEY: u16 = 12;
    /// RegUnloadKey.
    pub const UNLOAD_KEY: u16 = 13;
    /// RegRenameKey.
    pub const RENAME_KEY: u16 = 14;
    /// RegQueryMultipleValueKey.
    pub const QUERY_MULTIPLE_VALUE_KEY: u16 = 15;
    /// RegSetKeySecurity.
    pub const SET_KEY_SECURITY: u16 = 16;
    /// RegQueryKeySecurity.
    pub const QUERY_KEY_SECURITY: u16 = 17;
}

/// Registry value types (`REG_*`).
pub mod value_type {
    /// REG_NONE.
    pub const NONE: u32 = 0;
    /// REG_SZ.
    pub const SZ: u32 = 1;
    /// REG_EXPAND_SZ.
    pub const EXPAND_SZ: u32 = 2;
    /// REG_BINARY.
    pub const BINARY: u32 = 3;
    /// REG_DWORD.
    pub const DWORD: u32 = 4;
    /// REG_DWORD_BIG_ENDIAN.
    pub const DWORD_BIG_ENDIAN: u32 = 5;
    /// REG_LINK.
    pub const LINK: u32 = 6;
    /// REG_MULTI_SZ.
    pub const MULTI_SZ: u32 = 7;
    /// REG_RESOURCE_LIST.
    pub const RESOURCE_LIST: u32 = 8;
    /// REG_FULL_RESOURCE_DESCRIPTOR.
    pub const FULL_RESOURCE_DESCRIPTOR: u32 = 9;
    /// REG_RESOURCE_REQUIREMENTS_LIST.
    pub const RESOURCE_REQUIREMENTS_LIST: u32 = 10;
    /// REG_QWORD.
    pub const QWORD: u32 = 11;
}

/// The name of a registry value type, e.g. `REG_SZ`; `None` for codes above REG_QWORD.
pub fn value_type_name(value_type: u32) -> Option<&'static str> {
    const NAMES: [&str; 12] = [
        "REG_NONE",
        "REG_SZ",
        "REG_EXPAND_SZ",
        "REG_BINARY",
        "REG_DWORD",
        "REG_DWORD_BIG_ENDIAN",
        "REG_LINK",
        "REG_MULTI_SZ",
        "REG_RESOURCE_LIST",
        "REG_FULL_RESOURCE_DESCRIPTOR",
        "REG_RESOURCE_REQUIREMENTS_LIST",
        "REG_QWORD",
    ];
    NAMES.get(value_type as usize).copied()
}

/// KEY_INFORMATION_CLASS codes (RegQueryKey, RegEnumKey).
pub mod key_class {
    /// KeyBasicInformation.
    pub const BASIC: u32 = 0;
    /// KeyNodeInformation.
    pub const NODE: u32 = 1;
    /// KeyFullInformation.
    pub const FULL: u32 = 2;
    /// KeyNameInformation.
    pub const NAME: u32 = 3;
    /// KeyCachedInformation.
    pub const CACHED: u32 = 4;
    /// KeyFlagsInformation.
    pub const FLAGS: u32 = 5;
    /// KeyVirtualizationInformation.
    pub const VIRTUALIZATION: u32 = 6;
    /// KeyHandleTagsInformation.
    pub const HANDLE_TAGS: u32 = 7;
}

/// The short name ProcMon shows after `Query:` for a KEY_INFORMATION_CLASS.
pub fn key_class_name(class: u32) -> Option<&'static str> {
    const NAMES: [&str; 10] = [
        "Basic",
        "Node",
        "Full",
        "Name",
        "Cached",
        "Flags",
        "Virtualization",
        "HandleTags",
        "Trust",
        "Layer",
    ];
    NAMES.get(class as usize).copied()
}

/// KEY_VALUE_INFORMATION_CLASS codes (RegQueryValue, RegEnumValue).
pub mod value_class {
    /// KeyValueBasicInformation: type and name.
    pub const BASIC: u32 = 0;
    /// KeyValueFullInformation: type, name and data.
    pub const FULL: u32 = 1;
    /// KeyValuePartialInformation: type and data.
    pub const PARTIAL: u32 = 2;
    /// KeyValueFullInformationAlign64: the full layout.
    pub const FULL_ALIGN64: u32 = 3;
}

/// The name of a KEY_SET_INFORMATION_CLASS (RegSetInfoKey).
pub fn key_set_class_name(class: u32) -> Option<&'static str> {
    const NAMES: [&str; 7] = [
        "KeyWriteTimeInformation",
        "KeyWow64FlagsInformation",
        "KeyControlFlagsInformation",
        "KeySetVirtualizationInformation",
        "KeySetDebugInformation",
        "KeySetHandleTagsInformation",
        "KeySetLayerInformation",
    ];
    NAMES.get(class as usize).copied()
}

/// REG_CREATED_NEW_KEY: RegCreateKey made a new key.
pub const REG_CREATED_NEW_KEY: u32 = 1;
/// REG_OPENED_EXISTING_KEY: RegCreateKey opened a key that existed.
pub const REG_OPENED_EXISTING_KEY: u32 = 2;

/// MAXIMUM_ALLOWED: the only desired access for which ProcMon shows the granted access.
pub const MAXIMUM_ALLOWED: u32 = 0x0200_0000;

/// Registry access rights in ProcMon's order; combined rights come before their parts.
pub const ACCESS_NAMES: [(u32, &str); 20] = [
    (0xF003F, "All Access"),
    (0x2001F, "Read/Write"),
    (0x20019, "Read"),
    (0x20006, "Write"),
    (0x1, "Query Value"),
    (0x2, "Set Value"),
    (0x4, "Create Sub Key"),
    (0x8, "Enumerate Sub Keys"),
    (0x10, "Notify"),
    (0x20, "Create Link"),
    (0x300, "WOW64_Res"),
    (0x200, "WOW64_32Key"),
    (0x100, "WOW64_64Key"),
    (0x10000, "Delete"),
    (0x20000, "Read Control"),
    (0x40000, "Write DAC"),
    (0x80000, "Write Owner"),
    (0x100000, "Synchronize"),
    (0x1000000, "Access System Security"),
    (MAXIMUM_ALLOWED, "Maximum Allowed"),
];

/// The per-operation fields of a registry detail blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request<'a> {
    /// RegOpenKey, RegCreateKey.
    Open {
        /// ACCESS_MASK asked for.
        desired_access: u32,
    },
    /// RegQueryKey, RegQueryValue.
    Query {
        /// Size of the caller's buffer.
        length: u32,
        /// KEY_INFORMATION_CLASS or KEY_VALUE_INFORMATION_CLASS.
        information_class: u32,
    },
    /// RegEnumKey, RegEnumValue.
    Enum {
        /// Size of the caller's buffer.
        length: u32,
        /// Index of the sub-key or value asked for.
        index: u32,
        /// KEY_INFORMATION_CLASS or KEY_VALUE_INFORMATION_CLASS.
        information_class: u32,
    },
    /// RegSetValue.
    SetValue {
        /// REG_* type.
        value_type: u32,
        /// Size of the data set.
        length: u32,
        /// The data: the bytes ProcMon copied (16 for binary data), and what follows them.
        data: ValueData<'a>,
    },
    /// RegSetInfoKey.
    SetInfo {
        /// KEY_SET_INFORMATION_CLASS.
        information_class: u32,
        /// Length ProcMon shows.
        length: u16,
        /// The bytes copied after the path.
        data: &'a [u8],
    },
    /// RegLoadKey (the hive file) or RegRenameKey (the new name).
    SecondPath(PmlStr<'a>),
    /// Operations with only a path.
    PathOnly,
}

/// Decoded details of a registry event.
#[derive(Debug, Clone, Copy)]
pub struct RegistryDetails<'a> {
    /// Operation code (see [`op`]).
    pub operation: u16,
    /// The key path (Path column): `HKLM\...`, `HKCU\...`, or the value's full path.
    pub path: PmlStr<'a>,
    /// The per-operation request fields.
    pub request: Request<'a>,
    /// The extra blob: what the call returned.
    pub extra: Option<&'a [u8]>,
    /// The extra blob and the file bytes that follow it. ProcMon reads value data past the end
    /// of a cut-off KEY_VALUE_FULL_INFORMATION, into whatever the log holds next.
    extra_run: &'a [u8],
}

impl<'a> RegistryDetails<'a> {
    /// Decodes a registry blob. Fields past the end of a short blob read as zero.
    pub fn decode(event: &Event<'a>) -> Result<RegistryDetails<'a>> {
        let blob = event.detail_bytes();
        let extra = event.extra_bytes()?;
        let mut d = RegistryDetails::from_blob(event.operation(), blob, extra);
        // ProcMon reads strings and cut-off structures on into the bytes the log holds next.
        if let Request::SetValue { data, .. } = &mut d.request {
            let rest = data.run;
            data.run = file_run(event, blob.len() - rest.len(), blob_offset(event), rest);
        }
        d.extra_run = extra.map_or(&[], |x| {
            let at = usize::try_from(event.offset() + u64::from(event.extra_offset()) + 2);
            file_run(event, 0, at.unwrap_or(usize::MAX), x)
        });
        Ok(d)
    }

    /// Decodes the detail blob and extra blob of a registry `operation`, e.g. a blob not yet
    /// written: nothing is read past their ends.
    pub fn from_blob(
        operation: u16,
        blob: &'a [u8],
        extra: Option<&'a [u8]>,
    ) -> RegistryDetails<'a> {
        let u32f = |o| u32_at(blob, o).unwrap_or_default();
        let (path, rest) = Self::path_and_rest(operation, blob);
        let request = match operation {
            op::OPEN_KEY | op::CREATE_KEY => Request::Open {
                desired_access: u32f(4),
            },
            op::QUERY_KEY | op::QUERY_VALUE => Request::Query {
                length: u32f(4),
                information_class: u32f(8),
            },
            op::ENUM_KEY | op::ENUM_VALUE => Request::Enum {
                length: u32f(4),
                index: u32f(8),
                information_class: u32f(12),
            },
            op::SET_VALUE => {
                let copied = usize::from(u16_at(blob, 12).unwrap_or_default());
                Request::SetValue {
                    value_type: u32f(4),
                    length: u32f(8),
                    data: ValueData {
                        bytes: &rest[..copied.min(rest.len())],
                        run: rest,
                    },
                }
            }
            op::SET_INFO_KEY => {
                let length = u16_at(blob, 12).unwrap_or_default();
                Request::SetInfo {
                    information_class: u32f(4),
                    length,
                    data: &rest[..usize::from(length).min(rest.len())],
                }
            }
            op::LOAD_KEY | op::RENAME_KEY => {
                let second = StrInfo(u16_at(blob, 2).unwrap_or_default());
                Request::SecondPath(PmlStr::take(second, rest).0)
            }
            _ => Request::PathOnly,
        };
        RegistryDetails {
            operation,
            path,
            request,
            extra,
            extra_run: extra.unwrap_or(&[]),
        }
    }

    /// The path (Path column) of the detail blob of a registry `operation`, decoded alone:
    /// what [`RegistryDetails::from_blob`] reads as `path`, for callers that need nothing else.
    pub fn path_from_blob(operation: u16, blob: &'a [u8]) -> PmlStr<'a> {
        Self::path_and_rest(operation, blob).0
    }

    /// The path of the detail blob of `operation` and the bytes after it.
    fn path_and_rest(operation: u16, blob: &'a [u8]) -> (PmlStr<'a>, &'a [u8]) {
        // The path follows the operation's fixed fields.
        let at = match operation {
            op::OPEN_KEY | op::CREATE_KEY => 8,
            op::QUERY_KEY | op::QUERY_VALUE => 12,
            op::ENUM_KEY | op::ENUM_VALUE | op::SET_VALUE | op::SET_INFO_KEY => 16,
            op::LOAD_KEY | op::RENAME_KEY => 4,
            _ => 2,
        };
        let info = StrInfo(u16_at(blob, 0).unwrap_or_default());
        PmlStr::take(info, blob.get(at..).unwrap_or(&[]))
    }

    /// Granted access and disposition of a successful RegOpenKey / RegCreateKey.
    pub fn open_result(&self) -> Option<OpenResult> {
        if !matches!(self.request, Request::Open { .. }) {
            return None;
        }
        let extra = self.extra?;
        Some(OpenResult {
            granted_access: u32_at(extra, 0)?,
            disposition: u32_at(extra, 4).unwrap_or_default(),
        })
    }

    /// The KEY_* structure a RegQueryKey / RegEnumKey returned.
    pub fn key_information(&self) -> Option<KeyInformation<'a>> {
        if !matches!(self.operation, op::QUERY_KEY | op::ENUM_KEY) {
            return None;
        }
        let class = self.information_class()?;
        Some(KeyInformation::decode(class, self.extra?))
    }

    /// The KEY_VALUE_* structure a RegQueryValue / RegEnumValue returned.
    pub fn value_information(&self) -> Option<ValueInformation<'a>> {
        if !matches!(self.operation, op::QUERY_VALUE | op::ENUM_VALUE) {
            return None;
        }
        let class = self.information_class()?;
        ValueInformation::decode(class, self.extra?, self.extra_run)
    }

    /// The information class of a query or enumeration.
    pub fn information_class(&self) -> Option<u32> {
        match self.request {
            Request::Query {
                information_class, ..
            }
            | Request::Enum {
                information_class, ..
            } => Some(information_class),
            _ => None,
        }
    }
}

/// Longest run of file bytes ProcMon's over-reads are followed into (strings without a NUL).
const MAX_RUN: usize = 0x1_0000;

/// File offset of `event`'s detail blob.
fn blob_offset(event: &Event<'_>) -> usize {
    let header_and_stack = crate::event::EVENT_HEADER_SIZE + event.stack_bytes().len();
    usize::try_from(event.offset()).map_or(usize::MAX, |o| o.saturating_add(header_and_stack))
}

/// The file bytes from `base + rel` on (at most [`MAX_RUN`]), which must start with `part`;
/// `part` itself when they do not.
fn file_run<'a>(event: &Event<'a>, rel: usize, base: usize, part: &'a [u8]) -> &'a [u8] {
    let data = event.capture().data();
    base.checked_add(rel)
        .and_then(|s| data.get(s..))
        .map(|run| &run[..run.len().min(MAX_RUN.max(part.len()))])
        .filter(|run| run.starts_with(part))
        .unwrap_or(part)
}

/// Value data as ProcMon reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ValueData<'a> {
    /// The data bytes ProcMon shows for fixed-size and binary types: at most the value's
    /// length, cut where the capture stops.
    pub bytes: &'a [u8],
    /// The file bytes from the start of the data on. ProcMon reads string data up to its NUL,
    /// past the copied bytes when they have none.
    pub run: &'a [u8],
}

/// The outcome of a RegOpenKey / RegCreateKey (its extra blob).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenResult {
    /// ACCESS_MASK granted.
    pub granted_access: u32,
    /// 1 = REG_CREATED_NEW_KEY, 2 = REG_OPENED_EXISTING_KEY, 0 for RegOpenKey.
    pub disposition: u32,
}

/// Counts of KEY_FULL_INFORMATION and KEY_CACHED_INFORMATION.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyCounts {
    /// Last write time of the key.
    pub last_write_time: FileTime,
    /// Number of sub-keys.
    pub sub_keys: u32,
    /// Longest sub-key name, in bytes.
    pub max_name_len: u32,
    /// Number of values.
    pub values: u32,
    /// Longest value name, in bytes.
    pub max_value_name_len: u32,
    /// Largest value data, in bytes.
    pub max_value_data_len: u32,
}

/// A KEY_* structure returned by RegQueryKey / RegEnumKey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyInformation<'a> {
    /// KEY_BASIC_INFORMATION.
    Basic {
        /// Last write time.
        last_write_time: FileTime,
        /// Key name.
        name: PmlStr<'a>,
    },
    /// KEY_NODE_INFORMATION.
    Node {
        /// Last write time.
        last_write_time: FileTime,
        /// Key name.
        name: PmlStr<'a>,
    },
    /// KEY_FULL_INFORMATION.
    Full(KeyCounts),
    /// KEY_NAME_INFORMATION: the full NT path of the key.
    Name(PmlStr<'a>),
    /// KEY_CACHED_INFORMATION.
    Cached(KeyCounts),
    /// KEY_FLAGS_INFORMATION: the user flags.
    Flags(u32),
    /// KEY_HANDLE_TAGS_INFORMATION.
    HandleTags(u32),
    /// Another class: the raw structure.
    Other(&'a [u8]),
}

impl<'a> KeyInformation<'a> {
    /// Decodes the structure of `class`; fields past the end of `b` read as zero.
    pub fn decode(class: u32, b: &'a [u8]) -> KeyInformation<'a> {
        let u = |o| u32_at(b, o).unwrap_or_default();
        let time = FileTime(u64_at(b, 0).unwrap_or_default());
        let utf16 = |len_at: usize| {
            let len = u(len_at) as usize;
            let chars = b.get(len_at + 4..).unwrap_or(&[]);
            PmlStr::new(&chars[..len.min(chars.len())], false)
        };
        match class {
            key_class::BASIC => KeyInformation::Basic {
                last_write_time: time,
                name: utf16(12),
            },
            key_class::NODE => KeyInformation::Node {
                last_write_time: time,
                name: utf16(20),
            },
            key_class::FULL => KeyInformation::Full(KeyCounts {
                last_write_time: time,
                sub_keys: u(20),
                max_name_len: u(24),
                values: u(32),
                max_value_name_len: u(36),
                max_value_data_len: u(40),
            }),
            key_class::NAME => KeyInformation::Name(utf16(0)),
            key_class::CACHED => KeyInformation::Cached(KeyCounts {
                last_write_time: time,
                sub_keys: u(12),
                max_name_len: u(16),
                values: u(20),
                max_value_name_len: u(24),
                max_value_data_len: u(28),
            }),
            key_class::FLAGS => KeyInformation::Flags(u(0)),
            key_class::HANDLE_TAGS => KeyInformation::HandleTags(u(0)),
            _ => KeyInformation::Other(b),
        }
    }
}

/// A KEY_VALUE_* structure returned by RegQueryValue / RegEnumValue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueInformation<'a> {
    /// The KEY_VALUE_INFORMATION_CLASS.
    pub information_class: u32,
    /// REG_* type.
    pub value_type: u32,
    /// Value name (basic and full information).
    pub name: Option<PmlStr<'a>>,
    /// Size of the value's data (full and partial information).
    pub data_length: Option<u32>,
    /// The data (full and partial information).
    pub data: ValueData<'a>,
}

impl<'a> ValueInformation<'a> {
    /// Decodes the structure of `class` at the start of `run` (the extra blob `extra` and the
    /// bytes after it). `None` when the blob is too short to hold the type.
    pub fn decode(class: u32, extra: &'a [u8], run: &'a [u8]) -> Option<ValueInformation<'a>> {
        let u = |o| u32_at(extra, o).unwrap_or_default();
        let value_type = u32_at(extra, 4)?;
        let name_at = |len_at: usize| {
            let len = u(len_at) as usize;
            let chars = extra.get(len_at + 4..).unwrap_or(&[]);
            PmlStr::new(&chars[..len.min(chars.len())], false)
        };
        let mut info = ValueInformation {
            information_class: class,
            value_type,
            name: None,
            data_length: None,
            data: ValueData::default(),
        };
        match class {
            value_class::BASIC => info.name = Some(name_at(8)),
            value_class::FULL | value_class::FULL_ALIGN64 => {
                // TitleIndex, Type, DataOffset, DataLength, NameLength, Name, data. The driver
                // keeps 16 data bytes; ProcMon reads `ext - 20 - NameLength / 2` of them, past
                // the blob's end when the name is long enough (checked on ten golden rows).
                let name_len = u(16) as usize;
                let length = u(12);
                let readable = extra.len().saturating_sub(20 + name_len / 2);
                let shown = (length as usize).min(readable);
                let start = u(8) as usize;
                info.name = Some(name_at(16));
                info.data_length = Some(length);
                let run = run.get(start..).unwrap_or(&[]);
                info.data = ValueData {
                    bytes: &run[..shown.min(run.len())],
                    run,
                };
            }
            value_class::PARTIAL => {
                let length = u(8);
                let data = extra.get(12..).unwrap_or(&[]);
                info.data_length = Some(length);
                info.data = ValueData {
                    bytes: &data[..(length as usize).min(data.len())],
                    run: run.get(12..).unwrap_or(&[]),
                };
            }
            _ => {}
        }
        Some(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn partial_value_data_is_cut_at_the_blob() {
        let mut x = vec![0, 0, 0, 0, 3, 0, 0, 0, 72, 0, 0, 0];
        x.extend(1..=16u8);
        let v = ValueInformation::decode(value_class::PARTIAL, &x, &x).unwrap();
        assert_eq!(v.value_type, value_type::BINARY);
        assert_eq!(v.data_length, Some(72));
        assert_eq!(v.data.bytes, &(1..=16u8).collect::<Vec<_>>()[..]);
    }

    #[test]
    fn full_value_reads_past_a_cut_blob_like_procmon() {
        // Name "2011" (8 bytes), data at 28, 44 bytes long, 16 kept: ProcMon shows 20.
        let mut x = vec![0, 0, 0, 0, 3, 0, 0, 0, 28, 0, 0, 0, 44, 0, 0, 0, 8, 0, 0, 0];
        x.extend(utf16("2011"));
        x.extend([0xAA; 16]);
        let mut run = x.clone();
        run.extend([1, 2, 3, 4, 5, 6]);
        let v = ValueInformation::decode(value_class::FULL, &x, &run).unwrap();
        assert_eq!(v.name.unwrap().to_string_lossy(), "2011");
        assert_eq!(v.data.bytes.len(), 20);
        assert_eq!(&v.data.bytes[16..], &[1, 2, 3, 4]);
    }

    #[test]
    fn short_blobs_do_not_panic() {
        for class in 0..12 {
            let _ = KeyInformation::decode(class, &[1, 2, 3]);
            assert!(ValueInformation::decode(class, &[1, 2, 3], &[1, 2, 3]).is_none());
        }
        let k = KeyInformation::decode(key_class::BASIC, &[0; 16]);
        assert!(matches!(k, KeyInformation::Basic { name, .. } if name.is_empty()));
    }
}
