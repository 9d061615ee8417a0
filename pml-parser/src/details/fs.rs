//! File-system detail blobs: the common prefix (sub-operation, I/O flags, parameter block,
//! path) and the typed fields of each operation.
//!
//! Layout (offsets from the blob start; 32-bit / 64-bit captures):
//! `u8 sub-op, 3 pad, u32 ?, u32 I/O flags, u32 ?, parameter block (5 ptr + 8 bytes),
//! u16 path info, u16 pad, path characters, operation-specific trailer`.

use crate::bytes::{u16_at, u32_at, u64_at};
use crate::error::Result;
use crate::event::Event;
use crate::ops::fs_op;
use crate::text::{PmlStr, StrInfo};

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
        let wide = event.capture().header().is_64bit;
        let blob = event.detail_bytes();
        let ptr = if wide { 8 } else { 4 };
        let params_len = 5 * ptr + 8;
        let params = blob.get(0x10..0x10 + params_len).unwrap_or(&[]);
        let info_at = 0x10 + params_len;
        let info = StrInfo(u16_at(blob, info_at).unwrap_or_default());
        let chars = blob.get(info_at + 4..).unwrap_or(&[]);
        let (path, trailer) = PmlStr::take(info, chars);
        Ok(FsDetails {
            operation: event.operation(),
            sub_operation: if crate::ops::fs_op_has_sub_op(event.operation()) {
                blob.first().copied().unwrap_or_default()
            } else {
                0
            },
            io_flags: u32_at(blob, 0x8).unwrap_or_default(),
            params,
            path,
            trailer,
            extra: event.extra_bytes()?,
            wide,
        })
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
            allocation_size: self.param_tail_u64() & 0xFFFF_FFFF,
            impersonation_sid: self.trailer.get(8..8 + sid_len).filter(|s| !s.is_empty()),
            open_result: self.extra.and_then(|e| u32_at(e, 0)),
        })
    }

    /// The typed fields of a ReadFile or WriteFile (also their fast-I/O forms).
    pub fn read_write(&self) -> Option<ReadWrite> {
        if !matches!(self.operation, fs_op::READ_FILE | fs_op::WRITE_FILE | 3 | 5) {
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
