//! `FILE_*_INFORMATION` structures: the results of QueryInformationFile (and QueryOpen) in
//! the extra blob, and the input of SetInformationFile after the path.

use crate::bytes::{u32_at, u64_at};
use crate::time::FileTime;

/// FILE_INFORMATION_CLASS values this module decodes.
pub mod class {
    /// FileBasicInformation.
    pub const BASIC: u8 = 0x04;
    /// FileStandardInformation.
    pub const STANDARD: u8 = 0x05;
    /// FileInternalInformation.
    pub const INTERNAL: u8 = 0x06;
    /// FileEaInformation.
    pub const EA: u8 = 0x07;
    /// FileNameInformation.
    pub const NAME: u8 = 0x09;
    /// FileRenameInformation.
    pub const RENAME: u8 = 0x0A;
    /// FileLinkInformation.
    pub const LINK: u8 = 0x0B;
    /// FileDispositionInformation.
    pub const DISPOSITION: u8 = 0x0D;
    /// FilePositionInformation.
    pub const POSITION: u8 = 0x0E;
    /// FileAllInformation.
    pub const ALL: u8 = 0x12;
    /// FileAllocationInformation.
    pub const ALLOCATION: u8 = 0x13;
    /// FileStreamInformation.
    pub const STREAM: u8 = 0x16;
    /// FileEndOfFileInformation.
    pub const END_OF_FILE: u8 = 0x14;
    /// FileNetworkOpenInformation.
    pub const NETWORK_OPEN: u8 = 0x22;
    /// FileAttributeTagInformation.
    pub const ATTRIBUTE_TAG: u8 = 0x23;
    /// FileValidDataLengthInformation.
    pub const VALID_DATA_LENGTH: u8 = 0x27;
    /// FileIdInformation.
    pub const ID: u8 = 0x3B;
    /// FileDispositionInformationEx.
    pub const DISPOSITION_EX: u8 = 0x40;
    /// FileRenameInformationEx.
    pub const RENAME_EX: u8 = 0x41;
    /// FileRenameInformationExBypassAccessCheck.
    pub const RENAME_EX_BYPASS: u8 = 0x42;
}

/// FILE_BASIC_INFORMATION.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileBasic {
    /// CreationTime.
    pub creation_time: FileTime,
    /// LastAccessTime.
    pub last_access_time: FileTime,
    /// LastWriteTime.
    pub last_write_time: FileTime,
    /// ChangeTime.
    pub change_time: FileTime,
    /// FILE_ATTRIBUTE_* bits.
    pub attributes: u32,
}

impl FileBasic {
    /// Reads the 36 meaningful bytes at the start of `b`.
    fn read(b: &[u8]) -> Option<FileBasic> {
        Some(FileBasic {
            creation_time: FileTime(u64_at(b, 0)?),
            last_access_time: FileTime(u64_at(b, 8)?),
            last_write_time: FileTime(u64_at(b, 16)?),
            change_time: FileTime(u64_at(b, 24)?),
            attributes: u32_at(b, 32)?,
        })
    }
}

/// FILE_STANDARD_INFORMATION.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStandard {
    /// AllocationSize.
    pub allocation_size: i64,
    /// EndOfFile.
    pub end_of_file: i64,
    /// NumberOfLinks.
    pub number_of_links: u32,
    /// DeletePending.
    pub delete_pending: bool,
    /// Directory.
    pub directory: bool,
}

impl FileStandard {
    fn read(b: &[u8]) -> Option<FileStandard> {
        Some(FileStandard {
            allocation_size: u64_at(b, 0)? as i64,
            end_of_file: u64_at(b, 8)? as i64,
            number_of_links: u32_at(b, 16)?,
            delete_pending: *b.get(20)? != 0,
            directory: *b.get(21)? != 0,
        })
    }
}

/// FILE_NETWORK_OPEN_INFORMATION (also the result of QueryOpen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileNetworkOpen {
    /// CreationTime, LastAccessTime, LastWriteTime, ChangeTime and attributes.
    pub times: FileBasic,
    /// AllocationSize.
    pub allocation_size: i64,
    /// EndOfFile.
    pub end_of_file: i64,
}

/// FILE_ALL_INFORMATION, up to the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileAll<'a> {
    /// BasicInformation.
    pub basic: FileBasic,
    /// StandardInformation.
    pub standard: FileStandard,
    /// InternalInformation.IndexNumber.
    pub index_number: u64,
    /// EaInformation.EaSize.
    pub ea_size: u32,
    /// AccessInformation.AccessFlags (ACCESS_MASK).
    pub access: u32,
    /// PositionInformation.CurrentByteOffset.
    pub position: i64,
    /// ModeInformation.Mode (FILE_* create-option bits).
    pub mode: u32,
    /// AlignmentInformation.AlignmentRequirement.
    pub alignment: u32,
    /// NameInformation: FileNameLength and the UTF-16 bytes present in the blob.
    pub name: (u32, &'a [u8]),
}

/// A decoded QueryInformationFile result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileInformation<'a> {
    /// FileBasicInformation.
    Basic(FileBasic),
    /// FileStandardInformation.
    Standard(FileStandard),
    /// FileInternalInformation: the file id.
    Internal {
        /// IndexNumber.
        index_number: u64,
    },
    /// FileEaInformation.
    Ea {
        /// EaSize.
        size: u32,
    },
    /// FileNameInformation: the name's UTF-16LE bytes.
    Name(&'a [u8]),
    /// FilePositionInformation.
    Position {
        /// CurrentByteOffset.
        offset: i64,
    },
    /// FileAllInformation.
    All(FileAll<'a>),
    /// FileNetworkOpenInformation.
    NetworkOpen(FileNetworkOpen),
    /// FileStreamInformation: the file's data streams.
    Stream(Streams<'a>),
    /// FileIdInformation: the volume and the 128-bit file id.
    Id {
        /// VolumeSerialNumber.
        volume_serial_number: u64,
        /// FileId (FILE_ID_128), as stored.
        file_id: [u8; 16],
    },
    /// FileAttributeTagInformation.
    AttributeTag {
        /// FILE_ATTRIBUTE_* bits.
        attributes: u32,
        /// ReparseTag.
        reparse_tag: u32,
    },
}

/// Decodes the result of information class `class` from an extra blob; `None` for classes
/// this module does not decode and for blobs too short for their structure.
pub fn decode_query(class: u8, extra: &[u8]) -> Option<FileInformation<'_>> {
    Some(match class {
        class::BASIC => FileInformation::Basic(FileBasic::read(extra)?),
        class::STANDARD => FileInformation::Standard(FileStandard::read(extra)?),
        class::INTERNAL => FileInformation::Internal {
            index_number: u64_at(extra, 0)?,
        },
        class::EA => FileInformation::Ea {
            size: u32_at(extra, 0)?,
        },
        class::NAME => {
            let len = u32_at(extra, 0)? as usize;
            let chars = extra.get(4..)?;
            FileInformation::Name(&chars[..len.min(chars.len())])
        }
        class::POSITION => FileInformation::Position {
            offset: u64_at(extra, 0)? as i64,
        },
        class::ALL => {
            let name_len = u32_at(extra, 96)?;
            let chars = extra.get(100..).unwrap_or_default();
            FileInformation::All(FileAll {
                basic: FileBasic::read(extra)?,
                standard: FileStandard::read(extra.get(40..)?)?,
                index_number: u64_at(extra, 64)?,
                ea_size: u32_at(extra, 72)?,
                access: u32_at(extra, 76)?,
                position: u64_at(extra, 80)? as i64,
                mode: u32_at(extra, 88)?,
                alignment: u32_at(extra, 92)?,
                name: (name_len, &chars[..(name_len as usize).min(chars.len())]),
            })
        }
        class::NETWORK_OPEN => FileInformation::NetworkOpen(FileNetworkOpen {
            times: FileBasic {
                attributes: u32_at(extra, 48)?,
                ..FileBasic::read(extra)?
            },
            allocation_size: u64_at(extra, 32)? as i64,
            end_of_file: u64_at(extra, 40)? as i64,
        }),
        class::STREAM => FileInformation::Stream(Streams {
            data: extra,
            at: Some(0),
        }),
        class::ID => FileInformation::Id {
            volume_serial_number: u64_at(extra, 0)?,
            file_id: extra.get(8..24)?.try_into().ok()?,
        },
        class::ATTRIBUTE_TAG => FileInformation::AttributeTag {
            attributes: u32_at(extra, 0)?,
            reparse_tag: u32_at(extra, 4)?,
        },
        _ => return None,
    })
}

/// One FILE_STREAM_INFORMATION record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stream<'a> {
    /// StreamName, UTF-16LE bytes (e.g. `::$DATA`), clamped to the blob.
    pub name: &'a [u8],
    /// StreamSize.
    pub size: i64,
    /// StreamAllocationSize.
    pub allocation_size: i64,
}

/// Iterator over FILE_STREAM_INFORMATION records, following NextEntryOffset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streams<'a> {
    data: &'a [u8],
    at: Option<usize>,
}

impl<'a> Iterator for Streams<'a> {
    type Item = Stream<'a>;

    fn next(&mut self) -> Option<Stream<'a>> {
        let at = self.at.take()?;
        let record = self.data.get(at..)?;
        let next = u32_at(record, 0)? as usize;
        let name_len = u32_at(record, 4)? as usize;
        let chars = record.get(24..)?;
        let stream = Stream {
            name: &chars[..name_len.min(chars.len())],
            size: u64_at(record, 8)? as i64,
            allocation_size: u64_at(record, 16)? as i64,
        };
        if next != 0 {
            self.at = at.checked_add(next);
        }
        Some(stream)
    }
}

/// A decoded SetInformationFile input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetInformation<'a> {
    /// FileBasicInformation: zero times are left unchanged.
    Basic(FileBasic),
    /// FileRenameInformation, FileLinkInformation and their Ex forms.
    Rename {
        /// ReplaceIfExists (for the Ex forms: the flags word's low bit).
        replace_if_exists: bool,
        /// The target name, UTF-16LE bytes, as the caller passed it (may be relative).
        name: &'a [u8],
    },
    /// FileDispositionInformation (`Delete`) or FileDispositionInformationEx (flags).
    Disposition {
        /// DeleteFile / FILE_DISPOSITION_DELETE.
        delete: bool,
        /// The Ex flags word, when the Ex form was used.
        flags: Option<u32>,
    },
    /// FilePositionInformation.
    Position {
        /// CurrentByteOffset.
        offset: i64,
    },
    /// FileAllocationInformation.
    Allocation {
        /// AllocationSize.
        size: i64,
    },
    /// FileEndOfFileInformation.
    EndOfFile {
        /// EndOfFile.
        end_of_file: i64,
    },
    /// FileValidDataLengthInformation.
    ValidDataLength {
        /// ValidDataLength.
        length: i64,
    },
}

/// Decodes the input of SetInformationFile class `class` from the bytes after the path.
pub fn decode_set(class: u8, input: &[u8], wide: bool) -> Option<SetInformation<'_>> {
    let i64_at = |at| u64_at(input, at).map(|v| v as i64);
    Some(match class {
        class::BASIC => SetInformation::Basic(FileBasic::read(input)?),
        class::RENAME | class::LINK | class::RENAME_EX | class::RENAME_EX_BYPASS => {
            // FILE_RENAME_INFORMATION: BOOLEAN/ULONG flags, pointer-aligned RootDirectory
            // handle, ULONG FileNameLength, WCHAR FileName[].
            let ptr = if wide { 8 } else { 4 };
            let len_at = 2 * ptr;
            let len = u32_at(input, len_at)? as usize;
            let chars = input.get(len_at + 4..)?;
            SetInformation::Rename {
                replace_if_exists: input.first()? & 1 != 0,
                name: &chars[..len.min(chars.len())],
            }
        }
        class::DISPOSITION => SetInformation::Disposition {
            delete: *input.first()? != 0,
            flags: None,
        },
        class::DISPOSITION_EX => {
            let flags = u32_at(input, 0)?;
            SetInformation::Disposition {
                delete: flags & 1 != 0,
                flags: Some(flags),
            }
        }
        class::POSITION => SetInformation::Position { offset: i64_at(0)? },
        class::ALLOCATION => SetInformation::Allocation { size: i64_at(0)? },
        class::END_OF_FILE => SetInformation::EndOfFile {
            end_of_file: i64_at(0)?,
        },
        class::VALID_DATA_LENGTH => SetInformation::ValidDataLength { length: i64_at(0)? },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_information_reads_its_flags() {
        let mut b = vec![0u8; 24];
        b[0..8].copy_from_slice(&4096u64.to_le_bytes());
        b[8..16].copy_from_slice(&100u64.to_le_bytes());
        b[16] = 2;
        b[21] = 1;
        let Some(FileInformation::Standard(s)) = decode_query(class::STANDARD, &b) else {
            panic!("not decoded");
        };
        assert_eq!(
            (s.allocation_size, s.end_of_file, s.number_of_links),
            (4096, 100, 2)
        );
        assert!(!s.delete_pending && s.directory);
    }

    #[test]
    fn streams_follow_next_entry_offset() {
        let record = |next: u32, name: &str, size: u64| {
            let units: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
            let mut r = next.to_le_bytes().to_vec();
            r.extend_from_slice(&(units.len() as u32).to_le_bytes());
            r.extend_from_slice(&size.to_le_bytes());
            r.extend_from_slice(&4096u64.to_le_bytes());
            r.extend_from_slice(&units);
            r
        };
        let mut b = record(48, "::$DATA", 10);
        b.resize(48, 0);
        b.extend(record(0, ":x:$DATA", 3));
        let Some(FileInformation::Stream(streams)) = decode_query(class::STREAM, &b) else {
            panic!("not decoded");
        };
        let got: Vec<(String, i64)> = streams
            .map(|s| (crate::utf16_to_string(s.name), s.size))
            .collect();
        assert_eq!(got, [("::$DATA".into(), 10), (":x:$DATA".into(), 3)]);
    }

    #[test]
    fn short_blobs_decode_to_none() {
        assert_eq!(decode_query(class::BASIC, &[0; 35]), None);
        assert_eq!(decode_query(class::ALL, &[0; 60]), None);
        assert_eq!(decode_set(class::END_OF_FILE, &[1, 2, 3], true), None);
        assert_eq!(
            decode_set(class::RENAME, &[1, 0, 0, 0, 0, 0, 0], false),
            None
        );
    }

    #[test]
    fn rename_name_is_clamped_to_the_blob() {
        // 32-bit: flags, root handle, length 0x40 but only 4 bytes of name.
        let mut b = vec![1, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0];
        b.extend_from_slice(&[b'a', 0, b'b', 0]);
        let Some(SetInformation::Rename {
            replace_if_exists,
            name,
        }) = decode_set(class::RENAME, &b, false)
        else {
            panic!("not decoded");
        };
        assert!(replace_if_exists);
        assert_eq!(name, &[b'a', 0, b'b', 0]);
    }
}
