//! QueryDirectory: the information class, the optional filter (wildcard or exact name) and
//! the `FILE_*_DIR_INFORMATION` records of the listing in the extra blob.

use crate::bytes::{u16_at, u32_at, u64_at};
use crate::text::{PmlStr, StrInfo};

/// FILE_INFORMATION_CLASS values of directory listings.
pub mod class {
    /// FileDirectoryInformation.
    pub const DIRECTORY: u32 = 1;
    /// FileFullDirectoryInformation.
    pub const FULL_DIRECTORY: u32 = 2;
    /// FileBothDirectoryInformation.
    pub const BOTH_DIRECTORY: u32 = 3;
    /// FileNamesInformation.
    pub const NAMES: u32 = 12;
    /// FileIdBothDirectoryInformation.
    pub const ID_BOTH_DIRECTORY: u32 = 37;
    /// FileIdFullDirectoryInformation.
    pub const ID_FULL_DIRECTORY: u32 = 38;
    /// FileIdGlobalTxDirectoryInformation.
    pub const ID_GLOBAL_TX_DIRECTORY: u32 = 50;
    /// FileIdExtdDirectoryInformation.
    pub const ID_EXTD_DIRECTORY: u32 = 60;
    /// FileIdExtdBothDirectoryInformation.
    pub const ID_EXTD_BOTH_DIRECTORY: u32 = 63;
}

/// Offset of the FileName characters in one record of `class` (FileNameLength is at 8 in
/// FileNamesInformation records, at 60 in the others), or `None` for a class that
/// is not a directory listing.
pub fn name_offset(class: u32) -> Option<usize> {
    Some(match class {
        class::DIRECTORY => 64,
        class::FULL_DIRECTORY => 68,
        class::BOTH_DIRECTORY => 94,
        class::NAMES => 12,
        class::ID_BOTH_DIRECTORY => 104,
        class::ID_FULL_DIRECTORY => 80,
        class::ID_GLOBAL_TX_DIRECTORY => 92,
        class::ID_EXTD_DIRECTORY => 88,
        class::ID_EXTD_BOTH_DIRECTORY => 114,
        _ => return None,
    })
}

/// A QueryDirectory request and its result.
#[derive(Debug, Clone, Copy)]
pub struct QueryDirectory<'a> {
    /// FileInformationClass of the listing.
    pub class: u32,
    /// The FileName filter the caller passed (empty when none).
    pub filter: PmlStr<'a>,
    listing: Option<&'a [u8]>,
}

impl<'a> QueryDirectory<'a> {
    /// From the class parameter, the bytes after the path (filter) and the extra blob.
    pub(super) fn new(class: u32, trailer: &'a [u8], extra: Option<&'a [u8]>) -> Self {
        let info = StrInfo(u16_at(trailer, 0).unwrap_or_default());
        let (filter, _) = PmlStr::take(info, trailer.get(2..).unwrap_or_default());
        QueryDirectory {
            class,
            filter,
            listing: extra,
        }
    }

    /// The records of the listing, in order. Empty when the class is not a listing class,
    /// when there is no extra blob, or from the first record that does not fit in it
    /// (ProcMon caps the blob at 65,535 bytes).
    pub fn entries(&self) -> DirEntries<'a> {
        DirEntries {
            data: self.listing.unwrap_or_default(),
            at: Some(0).filter(|_| self.listing.is_some()),
            name_at: name_offset(self.class),
            names_only: self.class == class::NAMES,
        }
    }
}

/// One record of a directory listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirEntry<'a> {
    /// FileName, UTF-16LE bytes (clamped to the blob).
    pub name: &'a [u8],
    /// FileAttributes; `None` for FileNamesInformation.
    pub attributes: Option<u32>,
    /// EndOfFile; `None` for FileNamesInformation.
    pub end_of_file: Option<i64>,
}

/// Iterator over the records of a directory listing, following NextEntryOffset.
#[derive(Debug, Clone)]
pub struct DirEntries<'a> {
    data: &'a [u8],
    at: Option<usize>,
    name_at: Option<usize>,
    names_only: bool,
}

impl<'a> Iterator for DirEntries<'a> {
    type Item = DirEntry<'a>;

    fn next(&mut self) -> Option<DirEntry<'a>> {
        let at = self.at.take()?;
        let name_at = self.name_at?;
        let record = self.data.get(at..)?;
        let next = u32_at(record, 0)? as usize;
        let len_at = if self.names_only { 8 } else { 60 };
        let name_len = u32_at(record, len_at)? as usize;
        let chars = record.get(name_at..)?;
        let entry = DirEntry {
            name: &chars[..name_len.min(chars.len())],
            attributes: (!self.names_only).then(|| u32_at(record, 56)).flatten(),
            end_of_file: (!self.names_only)
                .then(|| u64_at(record, 40).map(|v| v as i64))
                .flatten(),
        };
        // NextEntryOffset 0 ends the chain; a record always moves forward.
        if next != 0 {
            self.at = at.checked_add(next);
        }
        Some(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_record(next: u32, name: &str) -> Vec<u8> {
        let units: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mut r = next.to_le_bytes().to_vec();
        r.extend_from_slice(&0u32.to_le_bytes());
        r.extend_from_slice(&(units.len() as u32).to_le_bytes());
        r.extend_from_slice(&units);
        r
    }

    #[test]
    fn entries_follow_next_entry_offset() {
        let mut listing = names_record(16, "ab");
        listing.extend(names_record(0, "cde"));
        let trailer = [0x01, 0x80, b'x'];
        let q = QueryDirectory::new(class::NAMES, &trailer, Some(&listing));
        assert_eq!(q.filter.to_string_lossy(), "x");
        let names: Vec<String> = q
            .entries()
            .map(|e| crate::utf16_to_string(e.name))
            .collect();
        assert_eq!(names, ["ab", "cde"]);
    }

    #[test]
    fn a_record_past_the_blob_ends_the_listing() {
        let listing = names_record(0x4000, "ab");
        let q = QueryDirectory::new(class::NAMES, &[], Some(&listing));
        assert_eq!(q.entries().count(), 1);
        let q = QueryDirectory::new(7, &[], Some(&listing));
        assert_eq!(q.entries().count(), 0, "class 7 is not a listing");
    }
}
