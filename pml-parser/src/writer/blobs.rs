//! Detail and extra blobs laid out exactly as ProcMon lays them out (pml-format.md §8-§10), for
//! the operations the synthesizer and the tests need.
//!
//! Every builder returns a [`Blob`]; the pointer size comes from the capture's bitness.

use crate::time::FileTime;

/// A detail blob and its optional extra-detail (completion) blob.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Blob {
    /// The detail blob.
    pub detail: Vec<u8>,
    /// The extra-detail blob.
    pub extra: Option<Vec<u8>>,
}

/// Most characters an inline string can announce (15 bits); longer strings are cut.
const MAX_CHARS: usize = 0x7fff;

/// Appends an inline string's info word: bit 15 = one byte per character, bits 0-14 = count.
fn put_info(out: &mut Vec<u8>, s: &str, narrow: bool) {
    let chars = if narrow {
        s.chars().count()
    } else {
        s.encode_utf16().count()
    };
    out.extend_from_slice(
        &crate::text::StrInfo::new(chars.min(MAX_CHARS), narrow)
            .0
            .to_le_bytes(),
    );
}

/// Appends the characters of an inline string (at most [`MAX_CHARS`]), one byte each when
/// `narrow`, else UTF-16LE.
fn put_chars(out: &mut Vec<u8>, s: &str, narrow: bool) {
    if narrow {
        out.extend(s.chars().take(MAX_CHARS).map(|c| c as u32 as u8));
    } else {
        for u in s.encode_utf16().take(MAX_CHARS) {
            out.extend_from_slice(&u.to_le_bytes());
        }
    }
}

/// True when ProcMon would store `s` one byte per character (every character is Latin-1).
fn fits_latin1(s: &str) -> bool {
    s.chars().all(|c| (c as u32) < 0x100)
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// A binary SID: revision 1, the 48-bit identifier authority, the sub-authorities.
pub fn sid(authority: u64, sub_authorities: &[u32]) -> Vec<u8> {
    let mut out = vec![1, sub_authorities.len() as u8];
    out.extend_from_slice(&authority.to_be_bytes()[2..]);
    for s in sub_authorities {
        put_u32(&mut out, *s);
    }
    out
}

/// The mandatory-label SID of an integrity level: `S-1-16-<rid>` (0x2000 Medium, 0x3000 High,
/// 0x4000 System).
pub fn integrity_sid(rid: u32) -> Vec<u8> {
    sid(16, &[rid])
}

/// CreateFile's request and outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreateFileParams<'a> {
    /// Path as the Path column shows it.
    pub path: &'a str,
    /// ACCESS_MASK asked for (e.g. 0x120089 Generic Read, 0x40000000 Generic Write).
    pub desired_access: u32,
    /// 0 Supersede, 1 Open, 2 Create, 3 OpenIf, 4 Overwrite, 5 OverwriteIf.
    pub disposition: u8,
    /// CreateOptions (24 bits).
    pub options: u32,
    /// FILE_ATTRIBUTE_* bits.
    pub attributes: u16,
    /// ShareAccess: 1 Read, 2 Write, 4 Delete.
    pub share_mode: u16,
    /// AllocationSize.
    pub allocation_size: u32,
    /// Binary SID of an impersonated client.
    pub impersonation_sid: Option<&'a [u8]>,
    /// OpenResult (0 Superseded, 1 Opened, 2 Created, 3 Overwritten, ...); ProcMon stores it for
    /// successful opens and leaves it out for most failures.
    pub open_result: Option<u32>,
}

/// Builds file-system blobs: `u8 sub-op, 3 pad, u32, u32 I/O flags, u32, parameter block
/// (5 pointers + 8 bytes), u16 path info, u16 pad, path, trailer`.
#[derive(Debug, Clone, Copy)]
pub struct FsBlob {
    wide: bool,
}

impl FsBlob {
    /// A builder for a 64-bit (`wide`) or 32-bit capture.
    pub fn new(wide: bool) -> FsBlob {
        FsBlob { wide }
    }

    fn ptr(&self) -> usize {
        if self.wide {
            8
        } else {
            4
        }
    }

    /// The common prefix, with the parameter block given as (byte offset, bytes) patches.
    fn prefix(&self, sub_op: u8, io_flags: u32, params: &[(usize, &[u8])], path: &str) -> Vec<u8> {
        let params_len = 5 * self.ptr() + 8;
        let mut out = Vec::with_capacity(0x10 + params_len + 4 + path.len() + 16);
        out.extend_from_slice(&[sub_op, 0, 0, 0]);
        put_u32(&mut out, 0);
        put_u32(&mut out, io_flags);
        put_u32(&mut out, 0);
        let p = out.len();
        out.resize(p + params_len, 0);
        for (at, bytes) in params {
            out[p + at..p + at + bytes.len()].copy_from_slice(bytes);
        }
        let narrow = fits_latin1(path);
        put_info(&mut out, path, narrow);
        out.extend_from_slice(&[0, 0]);
        put_chars(&mut out, path, narrow);
        out
    }

    /// Size of a pointer in the parameter block: 8 in a 64-bit capture, 4 in a 32-bit one.
    pub fn pointer_size(&self) -> usize {
        self.ptr()
    }

    /// Any file-system operation: the sub-operation, the I/O flags word, the parameter block
    /// given as (byte offset, bytes) patches over zeros (5 pointers + 8 bytes; patches past its
    /// end are cut), the path, the bytes that follow the path (`trailer`) and the extra blob.
    pub fn custom(
        &self,
        sub_op: u8,
        io_flags: u32,
        params: &[(usize, &[u8])],
        path: &str,
        trailer: &[u8],
        extra: Option<Vec<u8>>,
    ) -> Blob {
        let len = 5 * self.ptr() + 8;
        let fitting: Vec<(usize, &[u8])> = params
            .iter()
            .filter(|(at, _)| *at < len)
            .map(|&(at, bytes)| (at, &bytes[..bytes.len().min(len - at)]))
            .collect();
        let mut detail = self.prefix(sub_op, io_flags, &fitting, path);
        detail.extend_from_slice(trailer);
        Blob { detail, extra }
    }

    /// A completion value as ProcMon stores it: pointer-sized (8 bytes on 64-bit captures).
    fn ptr_extra(&self, v: u32) -> Vec<u8> {
        let mut x = v.to_le_bytes().to_vec();
        x.resize(self.ptr(), 0);
        x
    }

    /// CreateFile (operation 20).
    pub fn create_file(&self, c: &CreateFileParams<'_>) -> Blob {
        let ptr = self.ptr();
        let options = (u32::from(c.disposition) << 24) | (c.options & 0x00FF_FFFF);
        let attr_share = u32::from(c.attributes) | (u32::from(c.share_mode) << 16);
        // AllocationSize is 8-byte aligned: byte 24 of the 28-byte 32-bit block holds its low
        // half, byte 40 of the 64-bit block all of it.
        let alloc = u64::from(c.allocation_size).to_le_bytes();
        let alloc: (usize, &[u8]) = if self.wide {
            (40, &alloc)
        } else {
            (24, &alloc[..4])
        };
        let mut detail = self.prefix(
            0,
            0,
            &[
                (ptr, &options.to_le_bytes()),
                (2 * ptr, &attr_share.to_le_bytes()),
                alloc,
            ],
            c.path,
        );
        put_u32(&mut detail, c.desired_access);
        let sid = c.impersonation_sid.unwrap_or(&[]);
        let sid = &sid[..sid.len().min(255)];
        detail.extend_from_slice(&[sid.len() as u8, 0, 0, 0]);
        detail.extend_from_slice(sid);
        Blob {
            detail,
            extra: c.open_result.map(|r| self.ptr_extra(r)),
        }
    }

    /// Any file-system operation with its sub-operation (the first byte, which names e.g. the
    /// information class of QueryInformationFile) and path, every parameter zero.
    pub fn path_only(&self, sub_op: u8, path: &str) -> Blob {
        Blob {
            detail: self.prefix(sub_op, 0, &[], path),
            extra: None,
        }
    }

    /// CloseFile (operation 38, IRP_MJ_CLEANUP) or IRP_MJ_CLOSE (22): the path only.
    pub fn close_file(&self, path: &str) -> Blob {
        Blob {
            detail: self.prefix(0, 0, &[], path),
            extra: None,
        }
    }

    /// ReadFile (23) or WriteFile (24): `length` asked at `offset`, `transferred` when completed.
    pub fn read_write(
        &self,
        path: &str,
        offset: u64,
        length: u32,
        io_flags: u32,
        transferred: Option<u32>,
    ) -> Blob {
        let ptr = self.ptr();
        Blob {
            detail: self.prefix(
                0,
                io_flags,
                &[(0, &length.to_le_bytes()), (2 * ptr, &offset.to_le_bytes())],
                path,
            ),
            extra: transferred.map(|t| self.ptr_extra(t)),
        }
    }

    /// A QueryInformationFile (25) with FILE_INFORMATION_CLASS `class`, buffer `length`, and
    /// the returned structure as the extra block.
    pub fn query_information(
        &self,
        path: &str,
        class: u8,
        length: u32,
        result: Option<Vec<u8>>,
    ) -> Blob {
        let ptr = self.ptr();
        Blob {
            detail: self.prefix(
                class,
                0,
                &[
                    (0, &length.to_le_bytes()),
                    (2 * ptr, &u32::from(class).to_le_bytes()),
                ],
                path,
            ),
            extra: result,
        }
    }

    /// QueryBasicInformationFile: FILE_BASIC_INFORMATION (four times and the attributes).
    pub fn query_basic_information(
        &self,
        path: &str,
        times: [FileTime; 4],
        attributes: u32,
    ) -> Blob {
        let mut x = Vec::with_capacity(40);
        for t in times {
            put_u64(&mut x, t.0);
        }
        put_u32(&mut x, attributes);
        put_u32(&mut x, 0);
        self.query_information(path, 4, 40, Some(x))
    }

    /// QueryStandardInformationFile: FILE_STANDARD_INFORMATION.
    pub fn query_standard_information(
        &self,
        path: &str,
        allocation_size: u64,
        end_of_file: u64,
        links: u32,
        directory: bool,
    ) -> Blob {
        let mut x = Vec::with_capacity(24);
        put_u64(&mut x, allocation_size);
        put_u64(&mut x, end_of_file);
        put_u32(&mut x, links);
        x.extend_from_slice(&[0, u8::from(directory), 0, 0]);
        self.query_information(path, 5, 24, Some(x))
    }

    /// A SetInformationFile (26) with FILE_INFORMATION_CLASS `class` and its input structure
    /// after the path.
    fn set_information(&self, path: &str, class: u8, input: &[u8]) -> Blob {
        let ptr = self.ptr();
        let length = u32::try_from(input.len()).unwrap_or(u32::MAX);
        let mut detail = self.prefix(
            class,
            0,
            &[
                (0, &length.to_le_bytes()),
                (2 * ptr, &u32::from(class).to_le_bytes()),
            ],
            path,
        );
        detail.extend_from_slice(input);
        Blob {
            detail,
            extra: None,
        }
    }

    /// SetRenameInformationFile (26 / 0xA): FILE_RENAME_INFORMATION after the path
    /// (ReplaceIfExists padded to a pointer, a null RootDirectory, the target name's length and
    /// UTF-16 characters).
    pub fn set_rename_information(
        &self,
        path: &str,
        target: &str,
        replace_if_exists: bool,
    ) -> Blob {
        let ptr = self.ptr();
        let name: Vec<u8> = target.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mut input = vec![0u8; 2 * ptr];
        input[0] = u8::from(replace_if_exists);
        put_u32(&mut input, u32::try_from(name.len()).unwrap_or(u32::MAX));
        input.extend_from_slice(&name);
        self.set_information(path, 0x0A, &input)
    }

    /// SetDispositionInformationFile (26 / 0xD): FILE_DISPOSITION_INFORMATION (the DeleteFile
    /// flag) after the path.
    pub fn set_disposition_information(&self, path: &str, delete: bool) -> Blob {
        self.set_information(path, 0x0D, &[u8::from(delete)])
    }

    /// SetEndOfFileInformationFile (26 / 0x14): trailer i64 end of file.
    pub fn set_end_of_file(&self, path: &str, end_of_file: u64) -> Blob {
        let ptr = self.ptr();
        let mut detail = self.prefix(
            0x14,
            0,
            &[(0, &8u32.to_le_bytes()), (2 * ptr, &0x14u32.to_le_bytes())],
            path,
        );
        put_u64(&mut detail, end_of_file);
        Blob {
            detail,
            extra: None,
        }
    }
}

/// Builds registry blobs: `u16 key-path info`, per-operation fields, key path.
pub mod reg {
    use super::{fits_latin1, put_chars, put_info, put_u32, Blob};

    fn with_fields(path: &str, fields: &[u32]) -> Vec<u8> {
        let narrow = fits_latin1(path);
        let mut out = Vec::with_capacity(4 + 4 * fields.len() + path.len());
        put_info(&mut out, path, narrow);
        out.extend_from_slice(&[0, 0]);
        for f in fields {
            put_u32(&mut out, *f);
        }
        put_chars(&mut out, path, narrow);
        out
    }

    /// RegOpenKey (0) or RegCreateKey (1): desired access; on success the extra block holds the
    /// granted access and the disposition (1 created, 2 opened; 0 for plain opens).
    pub fn open_key(path: &str, desired_access: u32, granted: Option<(u32, u32)>) -> Blob {
        Blob {
            detail: with_fields(path, &[desired_access]),
            extra: granted.map(|(g, d)| {
                let mut x = Vec::with_capacity(8);
                put_u32(&mut x, g);
                put_u32(&mut x, d);
                x
            }),
        }
    }

    /// RegQueryValue (5): buffer length and KEY_VALUE_INFORMATION_CLASS (2 = partial); on
    /// success the extra block is KEY_VALUE_PARTIAL_INFORMATION with `value` = (type, data).
    pub fn query_value(path: &str, length: u32, value: Option<(u32, &[u8])>) -> Blob {
        Blob {
            detail: with_fields(path, &[length, 2]),
            extra: value.map(|(ty, data)| {
                let mut x = Vec::with_capacity(12 + data.len());
                put_u32(&mut x, 0);
                put_u32(&mut x, ty);
                put_u32(&mut x, data.len() as u32);
                x.extend_from_slice(data);
                x
            }),
        }
    }

    /// RegQueryKey (3) asking KEY_INFORMATION_CLASS `class` with a `length`-byte buffer; the
    /// extra block is the returned structure.
    pub fn query_key(path: &str, class: u32, length: u32, result: Option<Vec<u8>>) -> Blob {
        Blob {
            detail: with_fields(path, &[length, class]),
            extra: result,
        }
    }

    /// Any registry operation with `fields` 32-bit fields between the path's info word (and
    /// its pad) and the path, `data` after the path (the value of a RegSetValue) and the extra
    /// blob (the structure a query returned).
    pub fn custom(path: &str, fields: &[u32], data: &[u8], extra: Option<Vec<u8>>) -> Blob {
        let mut detail = with_fields(path, fields);
        detail.extend_from_slice(data);
        Blob { detail, extra }
    }

    /// RegLoadKey (the hive file) and RegRenameKey (the new name): the two strings' info
    /// words, the key path, then the second string.
    pub fn two_paths(path: &str, second: &str) -> Blob {
        let (narrow, second_narrow) = (fits_latin1(path), fits_latin1(second));
        let mut detail = Vec::with_capacity(4 + path.len() + second.len());
        put_info(&mut detail, path, narrow);
        put_info(&mut detail, second, second_narrow);
        put_chars(&mut detail, path, narrow);
        put_chars(&mut detail, second, second_narrow);
        Blob {
            detail,
            extra: None,
        }
    }

    /// Any registry operation whose detail has `fields` 32-bit fields between the path's info
    /// word (and its pad) and the path: 1 for RegOpenKey/RegCreateKey, 2 for the queries, 3 for
    /// the enumerations and RegSetValue/RegSetInfoKey.
    pub fn with_zero_fields(path: &str, fields: usize) -> Blob {
        Blob {
            detail: with_fields(path, &vec![0; fields]),
            extra: None,
        }
    }

    /// RegCloseKey (2) and the other path-only operations: the info word, then the path.
    pub fn close_key(path: &str) -> Blob {
        let narrow = fits_latin1(path);
        let mut detail = Vec::with_capacity(2 + path.len());
        put_info(&mut detail, path, narrow);
        put_chars(&mut detail, path, narrow);
        Blob {
            detail,
            extra: None,
        }
    }
}

/// Builds process-class blobs.
pub mod process {
    use super::{put_chars, put_info, put_u32, put_u64, Blob};
    use crate::time::FileTime;

    /// What Process Create (and Process Defined) record about the new process.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct CreateParams<'a> {
        /// Process index of the new process.
        pub child_index: u32,
        /// Its PID.
        pub child_pid: u32,
        /// Process index of the creator.
        pub parent_index: u32,
        /// PID of the creator.
        pub parent_pid: u32,
        /// Session of the new process.
        pub session: u32,
        /// 1 when the new process is 64-bit (openprocmon calls it IsWow64; semantics unverified).
        pub flag: u32,
        /// Creation time.
        pub create_time: FileTime,
        /// Logon session.
        pub authentication_id: u64,
        /// UAC virtualization.
        pub virtualized: u32,
        /// The user's binary SID.
        pub user_sid: &'a [u8],
        /// The integrity-level SID.
        pub integrity_sid: &'a [u8],
        /// Image path (the Path column).
        pub image_path: &'a str,
        /// Command line.
        pub command_line: &'a str,
    }

    /// Process Create (1) / Process Defined (0): 0x34 fixed bytes, the SIDs, the image path and
    /// the command line (UTF-16, as ProcMon stores them).
    pub fn create(c: &CreateParams<'_>) -> Blob {
        let mut d = Vec::with_capacity(0x34 + 40 + 2 * (c.image_path.len() + c.command_line.len()));
        for v in [
            c.child_index,
            c.child_pid,
            c.parent_index,
            c.parent_pid,
            c.session,
            c.flag,
        ] {
            put_u32(&mut d, v);
        }
        put_u64(&mut d, c.create_time.0);
        put_u64(&mut d, c.authentication_id);
        put_u32(&mut d, c.virtualized);
        let user_sid = &c.user_sid[..c.user_sid.len().min(255)];
        let integrity_sid = &c.integrity_sid[..c.integrity_sid.len().min(255)];
        d.push(user_sid.len() as u8);
        d.push(integrity_sid.len() as u8);
        put_info(&mut d, c.image_path, false);
        put_info(&mut d, c.command_line, false);
        d.extend_from_slice(&[0, 0]);
        d.extend_from_slice(user_sid);
        d.extend_from_slice(integrity_sid);
        put_chars(&mut d, c.image_path, false);
        put_chars(&mut d, c.command_line, false);
        Blob {
            detail: d,
            extra: None,
        }
    }

    /// Process Start (7), the first event of a new process: parent PID, command line, current
    /// directory and environment (`NAME=value` strings, UTF-16 multi-sz).
    pub fn start(
        parent_pid: u32,
        command_line: &str,
        current_dir: &str,
        environment: &[&str],
    ) -> Blob {
        let mut env: Vec<u16> = Vec::new();
        for var in environment {
            env.extend(var.encode_utf16());
            env.push(0);
        }
        env.push(0);
        let mut d =
            Vec::with_capacity(12 + 2 * (command_line.len() + current_dir.len() + env.len()));
        put_u32(&mut d, parent_pid);
        put_info(&mut d, command_line, false);
        put_info(&mut d, current_dir, false);
        put_u32(&mut d, env.len() as u32);
        put_chars(&mut d, command_line, false);
        put_chars(&mut d, current_dir, false);
        for u in env {
            d.extend_from_slice(&u.to_le_bytes());
        }
        Blob {
            detail: d,
            extra: None,
        }
    }

    /// Resource usage reported by Process Exit (and Process Statistics).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct ExitParams {
        /// Exit status (shown signed).
        pub exit_status: u32,
        /// Kernel time, 100 ns ticks.
        pub kernel_time: u64,
        /// User time, 100 ns ticks.
        pub user_time: u64,
        /// Working set, bytes.
        pub working_set: u64,
        /// Peak working set, bytes.
        pub peak_working_set: u64,
        /// Private bytes.
        pub private_bytes: u64,
        /// Peak private bytes.
        pub peak_private_bytes: u64,
    }

    /// Process Exit (2): the exit status, then six 64-bit counters (also in 32-bit captures).
    pub fn exit(e: &ExitParams) -> Blob {
        let mut d = Vec::with_capacity(52);
        put_u32(&mut d, e.exit_status);
        for v in [
            e.kernel_time,
            e.user_time,
            e.working_set,
            e.peak_working_set,
            e.private_bytes,
            e.peak_private_bytes,
        ] {
            put_u64(&mut d, v);
        }
        Blob {
            detail: d,
            extra: None,
        }
    }

    /// Thread Create (3): the new thread's id.
    pub fn thread_create(tid: u32) -> Blob {
        Blob {
            detail: tid.to_le_bytes().to_vec(),
            extra: None,
        }
    }

    /// Load Image (5): pointer-sized image base, u32 size, the path (one byte per character
    /// when it fits, as ProcMon stores it).
    pub fn load_image(wide: bool, base: u64, size: u32, path: &str) -> Blob {
        let mut d = Vec::with_capacity(16 + path.len());
        if wide {
            put_u64(&mut d, base);
        } else {
            put_u32(&mut d, base as u32);
        }
        put_u32(&mut d, size);
        let narrow = super::fits_latin1(path);
        put_info(&mut d, path, narrow);
        d.extend_from_slice(&[0, 0]);
        put_chars(&mut d, path, narrow);
        Blob {
            detail: d,
            extra: None,
        }
    }
}
