//! The plain records the detectors consume: the few facts of a file open, close or failure and of
//! a process creation, start or exit, extracted from events (by the analysis) or built by
//! hand in tests.

use pml_parser::FileTime;

/// NTSTATUS of a CreateFile refused because another open does not share the access asked for.
pub const STATUS_SHARING_VIOLATION: u32 = 0xC000_0043;
/// NTSTATUS ACCESS DENIED.
pub const STATUS_ACCESS_DENIED: u32 = 0xC000_0022;
/// NTSTATUS NAME NOT FOUND (STATUS_OBJECT_NAME_NOT_FOUND).
pub const STATUS_NAME_NOT_FOUND: u32 = 0xC000_0034;
/// NTSTATUS PATH NOT FOUND (STATUS_OBJECT_PATH_NOT_FOUND).
pub const STATUS_PATH_NOT_FOUND: u32 = 0xC000_003A;
/// NTSTATUS DELETE PENDING: the file is being deleted and cannot be opened.
pub const STATUS_DELETE_PENDING: u32 = 0xC000_0056;
/// NTSTATUS CANNOT DELETE (e.g. a mapped image or a read-only file).
pub const STATUS_CANNOT_DELETE: u32 = 0xC000_0121;
/// NTSTATUS USER MAPPED FILE: the file is mapped in some process.
pub const STATUS_USER_MAPPED_FILE: u32 = 0xC000_0243;
/// NTSTATUS FILE LOCK CONFLICT: a byte-range lock of another handle.
pub const STATUS_FILE_LOCK_CONFLICT: u32 = 0xC000_0054;
/// NTSTATUS PRIVILEGE NOT HELD.
pub const STATUS_PRIVILEGE_NOT_HELD: u32 = 0xC000_0061;
/// NTSTATUS DISK FULL.
pub const STATUS_DISK_FULL: u32 = 0xC000_007F;

/// What a CreateFile asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpenRequest {
    /// ACCESS_MASK asked for (generic bits not mapped).
    pub desired_access: u32,
    /// ShareAccess: 1 Read, 2 Write, 4 Delete; 0 = exclusive.
    pub share_mode: u16,
    /// CreateOptions bits (0x1000 = Delete On Close).
    pub options: u32,
    /// CreateDisposition: 0 Supersede, 1 Open, 2 Create, 3 OpenIf, 4 Overwrite, 5 OverwriteIf.
    pub disposition: u8,
}

/// The kind of a file record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOpKind {
    /// A CreateFile that succeeded: a new file object, hence a future CloseFile.
    Open {
        /// What was asked for.
        request: OpenRequest,
        /// IoStatus.Information (1 Opened, 2 Created, ...), when the event has it.
        open_result: Option<u32>,
    },
    /// A CloseFile (IRP_MJ_CLEANUP): the last handle of a file object was closed.
    Close,
    /// A CreateFile that failed with SHARING VIOLATION.
    SharingViolation {
        /// What was asked for.
        request: OpenRequest,
    },
    /// A CreateFile that failed with another error the analysis weighs (see
    /// [`is_weighed_status`]).
    OpenFailed {
        /// What was asked for.
        request: OpenRequest,
        /// The NTSTATUS.
        status: u32,
    },
    /// A SetDispositionInformationFile that asked for a delete, or a
    /// SetRenameInformationFile, with its result.
    DeleteOrRename {
        /// True for a rename, false for a delete.
        rename: bool,
        /// The NTSTATUS (0 when it succeeded).
        status: u32,
    },
}

/// True for the results of a failed CreateFile that can explain why a process failed: access,
/// sharing, deletion and not-found errors. Others (BUFFER OVERFLOW, REPARSE, IS DIRECTORY, ...)
/// are normal answers.
pub fn is_weighed_status(status: u32) -> bool {
    matches!(
        status,
        STATUS_SHARING_VIOLATION
            | STATUS_ACCESS_DENIED
            | STATUS_NAME_NOT_FOUND
            | STATUS_PATH_NOT_FOUND
            | STATUS_DELETE_PENDING
            | STATUS_CANNOT_DELETE
            | STATUS_USER_MAPPED_FILE
            | STATUS_FILE_LOCK_CONFLICT
            | STATUS_PRIVILEGE_NOT_HELD
            | STATUS_DISK_FULL
    )
}

/// A file-system event the detectors care about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOp {
    /// Position of the event in the capture.
    pub event_index: u64,
    /// Event time.
    pub time: FileTime,
    /// Process index of the process the event was logged in.
    pub process_index: u32,
    /// Thread id.
    pub tid: u32,
    /// The path, as in the Path column; empty for a CloseFile read from a capture, which needs
    /// only its key. Shared: the detectors keep it without copying it.
    pub path: std::sync::Arc<str>,
    /// The path's comparison key.
    pub key: crate::paths::PathKey,
    /// Open, close or failure.
    pub kind: FileOpKind,
    /// For a rename that replaces an existing file (ReplaceIfExists), the file it replaces
    /// (boxed: records stay small).
    pub target: Option<Box<Target>>,
}

/// The file a rename replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The target path, as the rename names it (e.g. `\??\C:\out\app.exe`).
    pub path: String,
    /// Its comparison key.
    pub key: crate::paths::PathKey,
}

impl FileOp {
    /// A record with the key computed from `path`.
    pub fn new(
        event_index: u64,
        time: FileTime,
        process_index: u32,
        tid: u32,
        path: String,
        kind: FileOpKind,
    ) -> FileOp {
        FileOp {
            event_index,
            time,
            process_index,
            tid,
            key: crate::paths::key(&path),
            path: path.into(),
            kind,
            target: None,
        }
    }

    /// The same record, a rename that replaces `target`.
    pub fn replacing(mut self, target: &str) -> FileOp {
        self.target = Some(Box::new(Target {
            path: target.to_string(),
            key: crate::paths::key(target),
        }));
        self
    }
}

/// The kind of a process record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessOpKind {
    /// Process Create, logged in the creator: `child_index` is the new process.
    Create {
        /// Process index of the new process.
        child_index: u32,
        /// PID of the new process.
        child_pid: u32,
    },
    /// Process Start: the first event of a new process.
    Start,
    /// Process Exit, with the process's exit status.
    Exit {
        /// The exit status (0 = success).
        status: u32,
    },
    /// Load Image: the process mapped an image file (an EXE or DLL).
    LoadImage {
        /// The image path's comparison key.
        key: crate::paths::PathKey,
    },
}

/// A process-class event the detectors care about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessOp {
    /// Position of the event in the capture.
    pub event_index: u64,
    /// Event time.
    pub time: FileTime,
    /// Process index of the process the event was logged in.
    pub process_index: u32,
    /// Create, start or exit.
    pub kind: ProcessOpKind,
}

/// A path named by an event that is not a file operation (a registry key path or string
/// value such as `...\bam\State\UserSettings\<SID>\\Device\HarddiskVolume3\...\app.exe`):
/// evidence of which drive letter a volume has, nothing more ([`crate::paths::VolumeEvidence`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameSeen {
    /// Position of the event in the capture.
    pub event_index: u64,
    /// The path's key.
    pub key: crate::paths::PathKey,
}

/// One record of the stream the detectors consume, in event order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A file open, close or sharing violation.
    File(FileOp),
    /// A process creation, start or exit.
    Process(ProcessOp),
    /// A path named elsewhere (evidence of volume letters only).
    Name(NameSeen),
}

impl Record {
    /// Moves the record's event index by `offset` (for the later parts of a split capture,
    /// numbered after the earlier ones).
    pub fn move_index(&mut self, offset: u64) {
        match self {
            Record::File(f) => f.event_index += offset,
            Record::Process(p) => p.event_index += offset,
            Record::Name(n) => n.event_index += offset,
        }
    }
}

/// A process as the capture's process table describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProcessInfo {
    /// Process index: the key events use, unique in the capture.
    pub process_index: u32,
    /// Process id (may be reused by a later process).
    pub pid: u32,
    /// Parent's process index, when the table names one.
    pub parent_index: Option<u32>,
    /// Process name, e.g. `cmd.exe`.
    pub name: String,
    /// Command line.
    pub command_line: String,
    /// Full path of the image (the EXE), when known.
    pub image_path: String,
    /// Start time (zero when unknown).
    pub start_time: FileTime,
    /// End time; zero when the process was still running when the capture was saved.
    pub end_time: FileTime,
}

impl ProcessInfo {
    /// The facts of a process-table entry.
    pub fn from_table(p: &pml_parser::Process) -> ProcessInfo {
        ProcessInfo {
            process_index: p.index,
            pid: p.pid,
            parent_index: (p.parent_index != p.index).then_some(p.parent_index),
            name: p.name.to_string(),
            command_line: p.command_line.to_string(),
            image_path: p.image_path.to_string(),
            start_time: p.start_time,
            end_time: p.end_time,
        }
    }
}
