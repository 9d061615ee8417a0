//! `FILE_FS_*_INFORMATION` structures: the results of QueryVolumeInformation.

use crate::bytes::{u32_at, u64_at};
use crate::time::FileTime;

/// FS_INFORMATION_CLASS values this module decodes.
pub mod class {
    /// FileFsVolumeInformation.
    pub const VOLUME: u8 = 1;
    /// FileFsSizeInformation.
    pub const SIZE: u8 = 3;
    /// FileFsDeviceInformation.
    pub const DEVICE: u8 = 4;
    /// FileFsAttributeInformation.
    pub const ATTRIBUTE: u8 = 5;
    /// FileFsFullSizeInformation.
    pub const FULL_SIZE: u8 = 7;
    /// FileFsObjectIdInformation.
    pub const OBJECT_ID: u8 = 8;
}

/// A decoded QueryVolumeInformation result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolumeInformation<'a> {
    /// FileFsVolumeInformation.
    Volume {
        /// VolumeCreationTime.
        creation_time: FileTime,
        /// VolumeSerialNumber.
        serial_number: u32,
        /// SupportsObjects.
        supports_objects: bool,
        /// VolumeLabel, UTF-16LE bytes present in the blob.
        label: &'a [u8],
    },
    /// FileFsSizeInformation.
    Size {
        /// TotalAllocationUnits.
        total: i64,
        /// AvailableAllocationUnits.
        available: i64,
        /// SectorsPerAllocationUnit.
        sectors_per_unit: u32,
        /// BytesPerSector.
        bytes_per_sector: u32,
    },
    /// FileFsDeviceInformation.
    Device {
        /// DEVICE_TYPE.
        device_type: u32,
        /// Characteristics (FILE_REMOVABLE_MEDIA, ...).
        characteristics: u32,
    },
    /// FileFsAttributeInformation.
    Attribute {
        /// FILE_* file-system attribute bits.
        attributes: u32,
        /// MaximumComponentNameLength.
        max_component_length: i32,
        /// FileSystemName, UTF-16LE bytes present in the blob.
        name: &'a [u8],
    },
    /// FileFsFullSizeInformation.
    FullSize {
        /// TotalAllocationUnits.
        total: i64,
        /// CallerAvailableAllocationUnits.
        caller_available: i64,
        /// ActualAvailableAllocationUnits.
        actual_available: i64,
        /// SectorsPerAllocationUnit.
        sectors_per_unit: u32,
        /// BytesPerSector.
        bytes_per_sector: u32,
    },
    /// FileFsObjectIdInformation.
    ObjectId {
        /// The volume's object id.
        object_id: [u8; 16],
    },
}

/// Decodes the result of class `class` from an extra blob; `None` for classes this module
/// does not decode and for blobs too short for their structure.
pub fn decode(class: u8, extra: &[u8]) -> Option<VolumeInformation<'_>> {
    let i64_at = |at| u64_at(extra, at).map(|v| v as i64);
    // A variable-length name: byte length at `len_at`, characters from `chars_at`.
    let name = |len_at: usize, chars_at: usize| {
        let len = u32_at(extra, len_at).unwrap_or_default() as usize;
        let chars = extra.get(chars_at..).unwrap_or_default();
        &chars[..len.min(chars.len())]
    };
    Some(match class {
        class::VOLUME => VolumeInformation::Volume {
            creation_time: FileTime(u64_at(extra, 0)?),
            serial_number: u32_at(extra, 8)?,
            supports_objects: *extra.get(16)? != 0,
            label: name(12, 18),
        },
        class::SIZE => VolumeInformation::Size {
            total: i64_at(0)?,
            available: i64_at(8)?,
            sectors_per_unit: u32_at(extra, 16)?,
            bytes_per_sector: u32_at(extra, 20)?,
        },
        class::DEVICE => VolumeInformation::Device {
            device_type: u32_at(extra, 0)?,
            characteristics: u32_at(extra, 4)?,
        },
        class::ATTRIBUTE => VolumeInformation::Attribute {
            attributes: u32_at(extra, 0)?,
            max_component_length: u32_at(extra, 4)? as i32,
            name: name(8, 12),
        },
        class::FULL_SIZE => VolumeInformation::FullSize {
            total: i64_at(0)?,
            caller_available: i64_at(8)?,
            actual_available: i64_at(16)?,
            sectors_per_unit: u32_at(extra, 24)?,
            bytes_per_sector: u32_at(extra, 28)?,
        },
        class::OBJECT_ID => VolumeInformation::ObjectId {
            object_id: extra.get(..16)?.try_into().ok()?,
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_information_takes_the_name_it_announces() {
        let mut b = vec![0x06, 0, 0, 0, 255, 0, 0, 0, 8, 0, 0, 0];
        b.extend_from_slice(&[b'N', 0, b'T', 0, b'F', 0, b'S', 0, 0xAA, 0xBB]);
        let Some(VolumeInformation::Attribute {
            attributes,
            max_component_length,
            name,
        }) = decode(class::ATTRIBUTE, &b)
        else {
            panic!("not decoded");
        };
        assert_eq!((attributes, max_component_length), (6, 255));
        assert_eq!(crate::utf16_to_string(name), "NTFS");
    }

    #[test]
    fn short_blobs_decode_to_none() {
        assert_eq!(decode(class::FULL_SIZE, &[0; 31]), None);
        assert_eq!(decode(class::OBJECT_ID, &[0; 15]), None);
        assert_eq!(decode(2, &[0; 64]), None);
    }
}
