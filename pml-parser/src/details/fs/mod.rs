//! File-system detail blobs: the common prefix (sub-operation, I/O flags, parameter block,
//! path) and the typed fields of each operation.
//!
//! Layout (offsets from the blob start; 32-bit / 64-bit captures):
//! `u8 sub-op, 3 pad, u32 ?, u32 I/O flags, u32 ?, parameter block (5 ptr + 8 bytes),
//! u16 path info, u16 pad, path characters, operation-specific trailer`.
//!
//! The parameter block mirrors the driver's `FLT_PARAMETERS` union: its fields are
//! pointer-aligned, so most of them sit at `slot * ptr_size`. Results of queries
//! (`FILE_*_INFORMATION`, `FILE_FS_*_INFORMATION`, directory listings) are in the extra
//! (completion) blob; the input of `Set*` operations follows the path.

pub mod control;
pub mod directory;
pub mod info;
pub mod volume;

use crate::bytes::{u16_at, u32_at, u64_at};
use crate::error::Result;
use crate::event::Event;
use crate::ops::fs_op;
use crate::text::{PmlStr, StrInfo};

pub use control::Control;
pub use directory::{DirEntries, DirEntry, QueryDirectory};
pub use info::{FileInformation, SetInformation};
pub use volume::VolumeInformation;

/// File-system operation codes this module decodes that [`fs_op`] does not name.
pub mod op {
    /// FASTIO_MDL_WRITE_COMPLETE.
    pub const FASTIO_MDL_WRITE_COMPLETE: u16 = 2;
    /// WriteFile2 (FASTIO_PREPARE_MDL_WRITE).
    pub const WRITE_FILE2: u16 = 3;
    /// FASTIO_MDL_READ_COMPLETE.
    pub const FASTIO_MDL_READ_COMPLETE: u16 = 4;
    /// ReadFile2 (FASTIO_MDL_READ).
    pub const READ_FILE2: u16 = 5;
    /// QueryOpen (FASTIO_NETWORK_QUERY_OPEN).
    pub const QUERY_OPEN: u16 = 6;
    /// FASTIO_ACQUIRE_FOR_MOD_WRITE.
    pub const FASTIO_ACQUIRE_FOR_MOD_WRITE: u16 = 17;
    /// QueryEAFile.
    pub const QUERY_EA_FILE: u16 = 27;
    /// SetEAFile.
    pub const SET_EA_FILE: u16 = 28;
    /// FileSystemControl.
    pub const FILE_SYSTEM_CONTROL: u16 = 33;
    /// DeviceIoControl.
    pub const DEVICE_IO_CONTROL: u16 = 34;
    /// InternalDeviceIoControl.
    pub const INTERNAL_DEVICE_IO_CONTROL: u16 = 35;
    /// QuerySecurityFile.
    pub const QUERY_SECURITY_FILE: u16 = 40;
    /// SetSecurityFile.
    pub const SET_SECURITY_FILE: u16 = 41;
}

/// The decoded common part of a file-system event.
#[derive(Debug, Clone, Copy)]
pub struct FsDetails<'a> {
    /// Operation code (IRP major + 20, fast I/O below 20).
    pub operation: u16,
    /// Sub-operation (minor code / information class), 0 when none.
    pub sub_operation: u8,
    /// The I/O flags word: Read/Write flags are `v & 0xE000FF`, priority `(v >> 17) & 7`.
    pub io_flags: u32,
    /// The parameter block (FLT_PARAMETERS-like), 28 or 48 bytes.
    pub params: &'a [u8],
    /// The path (Path column, before any operation-specific suffix).
    pub path: PmlStr<'a>,
    /// Bytes after the path: operation-specific fields.
    pub trailer: &'a [u8],
    /// The extra-detail (completion) blob.
    pub extra: Option<&'a [u8]>,
    /// True for 64-bit captures (pointer-sized fields are 8 bytes).
    pub wide: bool,
}

impl<'a> FsDetails<'a> {
    /// Decodes the common part. Fields past the end of a short blob read as zero.
    pub fn decode(event: &Event<'a>) -> Result<FsDetails<'a>> {
        Ok(FsDetails::from_blob(
            event.operation(),
            event.capture().header().is_64bit,
            event.detail_bytes(),
            event.extra_bytes()?,
        ))
    }

    /// Decodes the detail blob and extra blob of a file-system `operation` of a 64-bit
    /// (`wide`) or 32-bit capture, e.g. a blob not yet written. Fields past the end of a short
    /// blob read as zero.
    pub fn from_blob(
        operation: u16,
        wide: bool,
        blob: &'a [u8],
        extra: Option<&'a [u8]>,
    ) -> FsDetails<'a> {
        let ptr = if wide { 8 } else { 4 };
        let params_len = 5 * ptr + 8;
        let params = blob.get(0x10..0x10 + params_len).unwrap_or(&[]);
        let info_at = 0x10 + params_len;
        let info = StrInfo(u16_at(blob, info_at).unwrap_or_default());
        let chars = blob.get(info_at + 4..).unwrap_or(&[]);
        let (path, trailer) = PmlStr::take(info, chars);
        FsDetails {
            operation,
            sub_operation: if crate::ops::fs_op_has_sub_op(operation) {
                blob.first().copied().unwrap_or_default()
            } else {
                0
            },
            io_flags: u32_at(blob, 0x8).unwrap_or_default(),
            params,
            path,
            trailer,
            extra,
            wide,
        }
    }

    /// Size of a pointer in the parameter block.
    pub fn ptr_size(&self) -> usize {
        if self.wide {
            8
        } else {
            4
        }
    }

    /// The pointer-sized parameter in slot `slot` (0-4), widened to `u64`.
    pub fn param_ptr(&self, slot: usize) -> u64 {
        let at = slot * self.ptr_size();
        if self.wide {
            u64_at(self.params, at).unwrap_or_default()
        } else {
            u32_at(self.params, at).map(u64::from).unwrap_or_default()
        }
    }

    /// The `u32` at the start of parameter slot `slot`.
    pub fn param_u32(&self, slot: usize) -> u32 {
        u32_at(self.params, slot * self.ptr_size()).unwrap_or_default()
    }

    /// The 8 bytes after the five pointer slots, as `u64`.
    pub fn param_tail_u64(&self) -> u64 {
        u64_at(self.params, 5 * self.ptr_size()).unwrap_or_default()
    }

    /// The `u64` at byte `at` of the parameter block (0 past its end).
    fn param_u64_at(&self, at: usize) -> u64 {
        u64_at(self.params, at).unwrap_or_default()
    }

    /// The typed fields of a CreateFile.
    pub fn create_file(&self) -> Option<CreateFile<'a>> {
        if self.operation != fs_op::CREATE_FILE {
            return None;
        }
        let options_word = self.param_u32(1);
        let attr_share = self.param_u32(2);
        let sid_len = usize::from(self.trailer.get(4).copied().unwrap_or_default());
        Some(CreateFile {
            desired_access: u32_at(self.trailer, 0).unwrap_or_default(),
            disposition: (options_word >> 24) as u8,
            options: options_word & 0x00FF_FFFF,
            attributes: attr_share as u16,
            share_mode: (attr_share >> 16) as u16,
            // FLT_PARAMETERS.Create.AllocationSize: a LARGE_INTEGER after the pointer-aligned
            // EaBuffer, 8-byte aligned, so at byte 24 of a 32-bit block (whose 28 bytes hold
            // only its low half) and 40 of a 64-bit one. Bytes 20-23 of a 32-bit block are
            // padding: a version-7 capture has 0x1400 there where ProcMon printed 0.
            allocation_size: u64::from(
                u32_at(self.params, if self.wide { 40 } else { 24 }).unwrap_or_default(),
            ),
            impersonation_sid: self.trailer.get(8..8 + sid_len).filter(|s| !s.is_empty()),
            open_result: self.extra.and_then(|e| u32_at(e, 0)),
        })
    }

    /// The typed fields of a ReadFile or WriteFile (also their fast-I/O forms).
    pub fn read_write(&self) -> Option<ReadWrite> {
        if !matches!(
            self.operation,
            fs_op::READ_FILE | fs_op::WRITE_FILE | op::READ_FILE2 | op::WRITE_FILE2
        ) {
            return None;
        }
        Some(ReadWrite {
            offset: u64_at(self.params, 2 * self.ptr_size()).unwrap_or_default() as i64,
            length: self.param_u32(0),
            transferred: self.extra.and_then(|e| u32_at(e, 0)),
            flags: self.io_flags & 0x00E0_00FF,
            priority: ((self.io_flags >> 17) & 7) as u8,
        })
    }

    /// The typed fields of a CreateFileMapping (FASTIO_ACQUIRE_FOR_SECTION_SYNCHRONIZATION).
    pub fn create_file_mapping(&self) -> Option<CreateFileMapping> {
        if self.operation != fs_op::CREATE_FILE_MAPPING {
            return None;
        }
        Some(CreateFileMapping {
            sync_type: self.param_u32(0),
            page_protection: u32_at(self.params, 4).unwrap_or_default(),
            // ProcMon reads the protection at byte 8 on 64-bit captures, where the next
            // (pointer-aligned) field starts; on 32-bit captures both offsets agree.
            displayed_protection: u32_at(self.params, if self.wide { 8 } else { 4 })
                .unwrap_or_default(),
        })
    }

    /// The QueryDirectory request (information class, filter) and its listing.
    pub fn query_directory(&self) -> Option<QueryDirectory<'a>> {
        if self.operation != fs_op::DIRECTORY_CONTROL || self.sub_operation != 1 {
            return None;
        }
        Some(QueryDirectory::new(
            self.param_u32(2),
            self.trailer,
            self.extra,
        ))
    }

    /// The CompletionFilter (FILE_NOTIFY_CHANGE_* bits) of a NotifyChangeDirectory.
    pub fn notify_filter(&self) -> Option<u32> {
        (self.operation == fs_op::DIRECTORY_CONTROL && self.sub_operation == 2)
            .then(|| self.param_u32(1))
    }

    /// The byte range of a LockFile or UnlockFile*.
    pub fn lock(&self) -> Option<Lock> {
        if self.operation != fs_op::LOCK_UNLOCK_FILE {
            return None;
        }
        // FLT_PARAMETERS.LockControl: PLARGE_INTEGER Length; ULONG Key (pointer-aligned);
        // LARGE_INTEGER ByteOffset; PEPROCESS ProcessId; BOOLEAN FailImmediately, ExclusiveLock.
        // The length itself follows the path.
        let ptr = self.ptr_size();
        let flags_at = 2 * ptr + 8 + ptr;
        Some(Lock {
            offset: self.param_u64_at(2 * ptr) as i64,
            length: u64_at(self.trailer, 0).unwrap_or_default(),
            fail_immediately: self.params.get(flags_at).is_some_and(|&b| b != 0),
            exclusive: self.params.get(flags_at + 1).is_some_and(|&b| b != 0),
        })
    }

    /// The SECURITY_INFORMATION bits of a QuerySecurityFile or SetSecurityFile.
    pub fn security_information(&self) -> Option<u32> {
        matches!(
            self.operation,
            op::QUERY_SECURITY_FILE | op::SET_SECURITY_FILE
        )
        .then(|| self.param_u32(0))
    }

    /// The control code and buffer sizes of a FileSystemControl, DeviceIoControl or
    /// InternalDeviceIoControl.
    pub fn control(&self) -> Option<Control<'a>> {
        if !matches!(
            self.operation,
            op::FILE_SYSTEM_CONTROL | op::DEVICE_IO_CONTROL | op::INTERNAL_DEVICE_IO_CONTROL
        ) {
            return None;
        }
        Some(Control {
            code: self.param_u32(2),
            output_length: self.param_u32(0),
            input_length: self.param_u32(1),
            input: self.trailer,
        })
    }

    /// The result of a Query*InformationFile or of QueryOpen, from the extra blob.
    pub fn query_information(&self) -> Option<FileInformation<'a>> {
        let class = match self.operation {
            fs_op::QUERY_INFORMATION_FILE => self.sub_operation,
            op::QUERY_OPEN => info::class::NETWORK_OPEN,
            _ => return None,
        };
        info::decode_query(class, self.extra?)
    }

    /// The input of a Set*InformationFile, from the bytes after the path.
    pub fn set_information(&self) -> Option<SetInformation<'a>> {
        if self.operation != fs_op::SET_INFORMATION_FILE {
            return None;
        }
        info::decode_set(self.sub_operation, self.trailer, self.wide)
    }

    /// The result of a Query*InformationVolume, from the extra blob.
    pub fn volume_information(&self) -> Option<VolumeInformation<'a>> {
        if self.operation != fs_op::QUERY_VOLUME_INFORMATION {
            return None;
        }
        volume::decode(self.sub_operation, self.extra?)
    }

    /// EndingOffset of a FASTIO_ACQUIRE_FOR_MOD_WRITE (the bytes after the path).
    pub fn mod_write_ending_offset(&self) -> Option<u64> {
        (self.operation == op::FASTIO_ACQUIRE_FOR_MOD_WRITE)
            .then(|| u64_at(self.trailer, 0).unwrap_or_default())
    }

    /// The MDL address of a FASTIO_MDL_READ_COMPLETE or FASTIO_MDL_WRITE_COMPLETE.
    pub fn mdl(&self) -> Option<u64> {
        matches!(
            self.operation,
            op::FASTIO_MDL_READ_COMPLETE | op::FASTIO_MDL_WRITE_COMPLETE
        )
        .then(|| self.param_ptr(0))
    }
}

/// CreateFile's request and outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreateFile<'a> {
    /// ACCESS_MASK asked for.
    pub desired_access: u32,
    /// CreateDisposition: 0 Supersede, 1 Open, 2 Create, 3 OpenIf, 4 Overwrite, 5 OverwriteIf.
    pub disposition: u8,
    /// CreateOptions bits (0x1000 = Delete On Close).
    pub options: u32,
    /// FILE_ATTRIBUTE_* bits.
    pub attributes: u16,
    /// ShareAccess: 1 Read, 2 Write, 4 Delete; 0 = exclusive.
    pub share_mode: u16,
    /// AllocationSize (low 32 bits, as ProcMon shows it).
    pub allocation_size: u64,
    /// Binary SID of the impersonated client, when the open was impersonated.
    pub impersonation_sid: Option<&'a [u8]>,
    /// IoStatus.Information: 0 Superseded, 1 Opened, 2 Created, 3 Overwritten, 4 Exists, 5 DoesNotExist.
    pub open_result: Option<u32>,
}

/// CreateOptions bit: the file is deleted when its last handle closes.
pub const FILE_DELETE_ON_CLOSE: u32 = 0x1000;

/// ShareAccess bits.
pub mod share {
    /// FILE_SHARE_READ.
    pub const READ: u16 = 1;
    /// FILE_SHARE_WRITE.
    pub const WRITE: u16 = 2;
    /// FILE_SHARE_DELETE.
    pub const DELETE: u16 = 4;
}

/// ReadFile/WriteFile request and outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadWrite {
    /// Byte offset in the file.
    pub offset: i64,
    /// Bytes asked for.
    pub length: u32,
    /// Bytes actually transferred, when the extra block has them.
    pub transferred: Option<u32>,
    /// I/O flags (`0x10` Buffered, `0x1` Non-cached, `0x2` Paging I/O, ...).
    pub flags: u32,
    /// I/O priority: 1 Very Low ... 5 Critical, 0 = not shown.
    pub priority: u8,
}

/// CreateFileMapping (section synchronization) request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreateFileMapping {
    /// FS_FILTER_SECTION_SYNC_TYPE: 0 SyncTypeOther, 1 SyncTypeCreateSection.
    pub sync_type: u32,
    /// PAGE_* protection of the section, as the driver logged it.
    pub page_protection: u32,
    /// The value ProcMon displays as PageProtection: on 64-bit captures it reads the
    /// wrong offset (the low half of the next pointer), so this differs from
    /// `page_protection` there.
    pub displayed_protection: u32,
}

/// Byte-range lock request (LockFile, UnlockFileSingle, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lock {
    /// First byte of the range.
    pub offset: i64,
    /// Length of the range (ProcMon prints its low 32 bits).
    pub length: u64,
    /// FailImmediately: do not wait for a conflicting lock.
    pub fail_immediately: bool,
    /// ExclusiveLock (else shared).
    pub exclusive: bool,
}
