//! Access and share modes as the sharing check sees them: which opens conflict, and how to say so.

use crate::model::OpenRequest;

const FILE_READ_DATA: u32 = 0x1;
const FILE_WRITE_DATA: u32 = 0x2;
const FILE_APPEND_DATA: u32 = 0x4;
const FILE_EXECUTE: u32 = 0x20;
const DELETE: u32 = 0x1_0000;
const MAXIMUM_ALLOWED: u32 = 0x0200_0000;
const GENERIC_ALL: u32 = 0x1000_0000;
const GENERIC_EXECUTE: u32 = 0x2000_0000;
const GENERIC_WRITE: u32 = 0x4000_0000;
const GENERIC_READ: u32 = 0x8000_0000;

const SHARE_READ: u16 = 1;
const SHARE_WRITE: u16 = 2;
const SHARE_DELETE: u16 = 4;

/// The three kinds of access the sharing check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SharedAccess {
    /// Read data or execute.
    pub read: bool,
    /// Write or append data.
    pub write: bool,
    /// Delete.
    pub delete: bool,
}

impl SharedAccess {
    /// The data/delete access an ACCESS_MASK asks for, generic bits mapped to file rights.
    /// MAXIMUM_ALLOWED and GENERIC_ALL count as everything.
    pub fn of(mask: u32) -> SharedAccess {
        let all = mask & (GENERIC_ALL | MAXIMUM_ALLOWED) != 0;
        SharedAccess {
            read: all
                || mask & (FILE_READ_DATA | FILE_EXECUTE | GENERIC_READ | GENERIC_EXECUTE) != 0,
            write: all || mask & (FILE_WRITE_DATA | FILE_APPEND_DATA | GENERIC_WRITE) != 0,
            delete: all || mask & DELETE != 0,
        }
    }

    /// True when the open takes part in the sharing check at all.
    pub fn any(self) -> bool {
        self.read || self.write || self.delete
    }
}

/// True when `request` cannot be granted while `holder` is open: one asks for an access the other
/// does not share (the check Windows makes in `IoCheckShareAccess`).
pub fn conflicts(holder: &OpenRequest, request: &OpenRequest) -> bool {
    let h = SharedAccess::of(holder.desired_access);
    let r = SharedAccess::of(request.desired_access);
    if !h.any() || !r.any() {
        return false;
    }
    let denies = |access: SharedAccess, share: u16| {
        (access.read && share & SHARE_READ == 0)
            || (access.write && share & SHARE_WRITE == 0)
            || (access.delete && share & SHARE_DELETE == 0)
    };
    denies(r, holder.share_mode) || denies(h, request.share_mode)
}

/// Short words for the data/delete access of a mask, e.g. `read/write (0x00120116)`.
pub fn describe_access(mask: u32) -> String {
    let a = SharedAccess::of(mask);
    let words: Vec<&str> = [(a.read, "read"), (a.write, "write"), (a.delete, "delete")]
        .into_iter()
        .filter_map(|(on, w)| on.then_some(w))
        .collect();
    let words = if words.is_empty() {
        "attributes only".to_string()
    } else {
        words.join("/")
    };
    format!("{words} ({mask:#010x})")
}

/// The share mode in ProcMon's words: `Read, Write, Delete`, or `None`.
pub fn describe_share(share: u16) -> String {
    let words: Vec<&str> = [
        (SHARE_READ, "Read"),
        (SHARE_WRITE, "Write"),
        (SHARE_DELETE, "Delete"),
    ]
    .into_iter()
    .filter_map(|(bit, w)| (share & bit != 0).then_some(w))
    .collect();
    if words.is_empty() {
        "None".to_string()
    } else {
        words.join(", ")
    }
}

/// Why an open asking for `request` fails while `holder` is open, in words, or `None` when the two
/// are compatible: either the request asks for an access the holder does not share, or the holder
/// has an access the request does not share.
/// Each side is `(desired access, share mode)`.
pub fn conflict_reason(holder: (u32, u16), request: (u32, u16)) -> Option<String> {
    let (h, holder_share) = (SharedAccess::of(holder.0), holder.1);
    let (r, request_share) = (SharedAccess::of(request.0), request.1);
    if !h.any() || !r.any() {
        return None;
    }
    let unshared = |access: SharedAccess, share: u16| -> Vec<&'static str> {
        [
            (access.read && share & SHARE_READ == 0, "read"),
            (access.write && share & SHARE_WRITE == 0, "write"),
            (access.delete && share & SHARE_DELETE == 0, "delete"),
        ]
        .into_iter()
        .filter_map(|(denied, word)| denied.then_some(word))
        .collect()
    };
    let asked = unshared(r, holder_share);
    if !asked.is_empty() {
        return Some(format!(
            "it asks for {} access, which the open handle does not share (it shares {})",
            asked.join("/"),
            describe_share(holder_share)
        ));
    }
    let held = unshared(h, request_share);
    (!held.is_empty()).then(|| {
        format!(
            "the open handle has {} access, which the failed open does not share (it shares {})",
            held.join("/"),
            describe_share(request_share)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(desired_access: u32, share_mode: u16) -> OpenRequest {
        OpenRequest {
            desired_access,
            share_mode,
            ..OpenRequest::default()
        }
    }

    #[test]
    fn writer_sharing_read_blocks_a_second_writer_but_not_a_reader() {
        let writer = open(GENERIC_WRITE, SHARE_READ);
        assert!(conflicts(&writer, &open(GENERIC_WRITE, 7)));
        assert!(!conflicts(
            &writer,
            &open(GENERIC_READ, SHARE_READ | SHARE_WRITE)
        ));
        // A reader that does not share write cannot open while a writer holds the file.
        assert!(conflicts(&writer, &open(GENERIC_READ, SHARE_READ)));
    }

    #[test]
    fn exclusive_open_blocks_every_data_access_but_not_attribute_reads() {
        let exclusive = open(FILE_READ_DATA, 0);
        assert!(conflicts(&exclusive, &open(FILE_READ_DATA, 7)));
        assert!(conflicts(&exclusive, &open(DELETE, 7)));
        assert!(!conflicts(&exclusive, &open(0x80 | 0x10_0000, 7)));
    }

    #[test]
    fn words() {
        assert_eq!(describe_access(0x0012_0116), "write (0x00120116)");
        assert_eq!(describe_access(0x80), "attributes only (0x00000080)");
        assert_eq!(describe_share(0), "None");
        assert_eq!(describe_share(5), "Read, Delete");
    }

    #[test]
    fn conflict_reason_names_the_side_that_refuses() {
        // A writer sharing Read, and a reader sharing only Read: the reader refuses the writer.
        let reason = conflict_reason((0x0012_0196, 1), (0x0012_0089, 1)).unwrap();
        assert!(
            reason.starts_with("the open handle has write access"),
            "{reason}"
        );
        // An exclusive scanner: the reader asks for read, which the scanner does not share.
        let reason = conflict_reason((0x0012_0089, 0), (0x0012_0089, 7)).unwrap();
        assert!(reason.starts_with("it asks for read access"), "{reason}");
        // Readers sharing Read get along.
        assert_eq!(conflict_reason((0x0012_0089, 1), (0x0012_0089, 1)), None);
    }
}
