//! Small captures written for a test: processes and file events in a few lines, through
//! pml-parser's writer.

use std::path::Path;

use pml_parser::writer::blobs::{Blob, CreateFileParams, FsBlob};
use pml_parser::writer::{EventRecord, PmlWriter, SystemInfo};
use pml_parser::{EventClass, FileTime, Process};

/// The time of the first event of a built capture (2024-01-21, in FILETIME ticks).
pub const T0: u64 = 133_500_000_000_000_000;

/// CreateFile's operation code in the file-system class.
const CREATE_FILE: u16 = 20;
/// CloseFile's operation code in the file-system class.
const CLOSE_FILE: u16 = 38;

/// Writes a capture event by event; each event comes 1 µs after the one before.
pub struct CaptureBuilder {
    writer: PmlWriter,
    fs: FsBlob,
    ticks: u64,
    processes: u32,
}

impl CaptureBuilder {
    /// A new 64-bit capture at `path` of a machine described by `info`.
    pub fn create(path: &Path, info: SystemInfo) -> CaptureBuilder {
        let wide = info.is_64bit;
        CaptureBuilder {
            writer: PmlWriter::create(path, info)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display())),
            fs: FsBlob::new(wide),
            ticks: T0,
            processes: 0,
        }
    }

    /// Adds `process` to the process table with the next free index, which it returns (the
    /// index given in `process` is replaced).
    pub fn process(&mut self, process: Process) -> u32 {
        self.processes += 1;
        let index = self.processes;
        self.writer.add_process(Process {
            index,
            start_time: FileTime(T0),
            ..process
        });
        index
    }

    /// Adds a process named `name` with `pid` and returns its index.
    pub fn named_process(&mut self, pid: u32, name: &str) -> u32 {
        self.process(Process {
            pid,
            name: name.into(),
            image_path: format!("C:\\Program Files\\{name}").into(),
            command_line: name.into(),
            ..Process::default()
        })
    }

    /// Writes a file-system event of `process` with `result` (an NTSTATUS).
    pub fn file_event(&mut self, process: u32, operation: u16, result: u32, blob: &Blob) {
        self.ticks += 10;
        self.writer
            .write_event(&EventRecord {
                process_index: process,
                tid: 1000 + process,
                class: EventClass::FileSystem,
                operation,
                duration: 10,
                time: FileTime(self.ticks),
                result,
                stack: &[],
                detail: &blob.detail,
                extra: blob.extra.as_deref(),
            })
            .unwrap_or_else(|e| panic!("writing an event: {e}"));
    }

    /// A successful CreateFile of `path` for reading and writing, shared for reading.
    pub fn open(&mut self, process: u32, path: &str) {
        let blob = self.fs.create_file(&CreateFileParams {
            path,
            desired_access: 0xC000_0000,
            disposition: 3,
            options: 0x60,
            attributes: 0x80,
            share_mode: 1,
            allocation_size: 0,
            impersonation_sid: None,
            open_result: Some(1),
        });
        self.file_event(process, CREATE_FILE, 0, &blob);
    }

    /// A CloseFile of `path`.
    pub fn close(&mut self, process: u32, path: &str) {
        let blob = self.fs.close_file(path);
        self.file_event(process, CLOSE_FILE, 0, &blob);
    }

    /// The file-system blobs of this capture's bitness, for events the helpers do not cover.
    pub fn fs(&self) -> &FsBlob {
        &self.fs
    }

    /// Writes the tables and the header: the capture is complete.
    pub fn finish(self) {
        self.writer
            .finish()
            .unwrap_or_else(|e| panic!("finishing a capture: {e}"));
    }
}
