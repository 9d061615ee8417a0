//! The operations a timeline emits, each laid out the way ProcMon logs it: file opens, reads,
//! writes, queries and closes, registry reads, process creation and exit.

use std::ops::Range;

use pml_parser::ops::{fs_op, process_op};
use pml_parser::writer::blobs::{self, process as pblob, reg, Blob, CreateFileParams, FsBlob};
use pml_parser::{EventClass, FileTime};

use super::{access, status, Open, Proc, Timeline};
use crate::catalog::{Program, RegData};

impl Timeline {
    fn fs(&self) -> FsBlob {
        FsBlob::new(self.wide)
    }

    /// A successful file-system event.
    fn fs_event(&mut self, p: Proc, tid: u32, t: u64, op: u16, blob: Blob) {
        self.event(p, tid, t, EventClass::FileSystem, op, status::SUCCESS, blob);
    }

    /// A registry event.
    fn reg_event(&mut self, p: Proc, tid: u32, t: u64, op: u16, result: u32, blob: Blob) {
        self.event(p, tid, t, EventClass::Registry, op, result, blob);
    }

    /// A process event (they all succeed).
    fn process_event(&mut self, p: Proc, tid: u32, t: u64, op: u16, blob: Blob) {
        self.event(p, tid, t, EventClass::Process, op, 0, blob);
    }

    /// A CreateFile; on success ProcMon stores the open result in the extra block.
    pub fn create_file(&mut self, p: Proc, tid: u32, t: u64, path: &str, open: Open, result: u32) {
        let blob = self.fs().create_file(&CreateFileParams {
            path,
            desired_access: open.access,
            disposition: open.disposition,
            options: open.options,
            attributes: if open.disposition == 1 { 0 } else { 0x80 },
            share_mode: open.share,
            allocation_size: 0,
            impersonation_sid: None,
            open_result: (result == status::SUCCESS).then_some(open.open_result),
        });
        self.event(
            p,
            tid,
            t,
            EventClass::FileSystem,
            fs_op::CREATE_FILE,
            result,
            blob,
        );
    }

    /// A SetRenameInformationFile renaming `path` to `target` (the name as the caller passes it,
    /// e.g. `\??\C:\...`), replacing an existing file when `replace`.
    #[allow(clippy::too_many_arguments)]
    pub fn rename(
        &mut self,
        p: Proc,
        tid: u32,
        t: u64,
        path: &str,
        target: &str,
        replace: bool,
        result: u32,
    ) {
        let blob = self.fs().set_rename_information(path, target, replace);
        self.event(
            p,
            tid,
            t,
            EventClass::FileSystem,
            fs_op::SET_INFORMATION_FILE,
            result,
            blob,
        );
    }

    /// A SetDispositionInformationFile asking to delete `path`.
    pub fn set_delete(&mut self, p: Proc, tid: u32, t: u64, path: &str, result: u32) {
        let blob = self.fs().set_disposition_information(path, true);
        self.event(
            p,
            tid,
            t,
            EventClass::FileSystem,
            fs_op::SET_INFORMATION_FILE,
            result,
            blob,
        );
    }

    /// A CloseFile (IRP_MJ_CLEANUP) in `p`'s context.
    pub fn close_file(&mut self, p: Proc, tid: u32, t: u64, path: &str) {
        let blob = self.fs().close_file(path);
        self.fs_event(p, tid, t, fs_op::CLOSE_FILE, blob);
    }

    /// A ReadFile or WriteFile of the byte range `span`.
    pub fn read_write(
        &mut self,
        p: Proc,
        tid: u32,
        t: u64,
        path: &str,
        write: bool,
        span: Range<u64>,
    ) {
        let len = (span.end - span.start) as u32;
        let blob = self.fs().read_write(path, span.start, len, 0, Some(len));
        let op = if write {
            fs_op::WRITE_FILE
        } else {
            fs_op::READ_FILE
        };
        self.fs_event(p, tid, t, op, blob);
    }

    /// QueryBasicInformationFile.
    pub fn query_basic(&mut self, p: Proc, tid: u32, t: u64, path: &str) {
        let ft =
            FileTime(self.t0 - (1 + self.rng.below(400 * 24 * 3600)) * FileTime::TICKS_PER_SECOND);
        let blob = self
            .fs()
            .query_basic_information(path, [ft, ft, ft, ft], 0x20);
        self.fs_event(p, tid, t, fs_op::QUERY_INFORMATION_FILE, blob);
    }

    /// QueryStandardInformationFile.
    pub fn query_standard(&mut self, p: Proc, tid: u32, t: u64, path: &str, size: u64) {
        let blob =
            self.fs()
                .query_standard_information(path, size.next_multiple_of(4096), size, 1, false);
        self.fs_event(p, tid, t, fs_op::QUERY_INFORMATION_FILE, blob);
    }

    /// A whole read of a file: open, query, read in chunks, close. Returns the time after it.
    pub fn read_file(
        &mut self,
        p: Proc,
        tid: u32,
        t: u64,
        path: &str,
        open: Open,
        size: u64,
    ) -> u64 {
        let mut t = t;
        self.create_file(p, tid, t, path, open, status::SUCCESS);
        t += 20 + self.rng.below(200);
        self.query_basic(p, tid, t, path);
        t += 10 + self.rng.below(100);
        self.query_standard(p, tid, t, path, size);
        let mut offset = 0;
        while offset < size {
            t += 10 + self.rng.below(300);
            let len = (size - offset).min(65536) as u32;
            self.read_write(p, tid, t, path, false, offset..offset + u64::from(len));
            offset += u64::from(len);
        }
        t += 10 + self.rng.below(100);
        self.close_file(p, tid, t, path);
        t + 10
    }

    /// A failed probe of a missing file.
    pub fn probe_missing(&mut self, p: Proc, tid: u32, t: u64, path: &str) {
        self.create_file(
            p,
            tid,
            t,
            path,
            Open {
                access: access::READ_ATTRIBUTES,
                ..Open::READ_SHARED
            },
            status::NAME_NOT_FOUND,
        );
    }

    /// RegOpenKey, RegQueryValue, RegCloseKey. Returns the time after it.
    pub fn reg_read(
        &mut self,
        p: Proc,
        tid: u32,
        t: u64,
        key: &str,
        value: &str,
        data: RegData,
    ) -> u64 {
        let (ty, data) = data.encode();
        let mut t = t;
        self.reg_event(
            p,
            tid,
            t,
            0,
            status::SUCCESS,
            reg::open_key(key, 0x2_0019, Some((0x2_0019, 0))),
        );
        t += 5 + self.rng.below(50);
        let full = format!("{key}\\{value}");
        let blob = reg::query_value(&full, 144, Some((ty, &data)));
        self.reg_event(p, tid, t, 5, status::SUCCESS, blob);
        t += 5 + self.rng.below(50);
        self.reg_event(p, tid, t, 2, status::SUCCESS, reg::close_key(key));
        t + 5
    }

    /// A RegOpenKey of a key that does not exist.
    pub fn reg_missing(&mut self, p: Proc, tid: u32, t: u64, key: &str) {
        self.reg_event(
            p,
            tid,
            t,
            0,
            status::NAME_NOT_FOUND,
            reg::open_key(key, 0x2_0019, None),
        );
    }

    /// `parent` creates a process running `program` at `t`: Process Create in the parent, then
    /// in the child Process Start, Thread Create and the image loads. Returns the child and the
    /// time its startup ends.
    pub fn spawn(
        &mut self,
        parent: Proc,
        parent_tid: u32,
        t: u64,
        program: &'static Program,
        pid: u32,
        command_line: &str,
    ) -> (Proc, u64) {
        let child = self.add_record(program, pid, Some(parent), t, command_line);
        let account = program.account;
        let user_sid = blobs::sid(5, account.sid());
        let il = blobs::integrity_sid(account.integrity_rid());
        let create = pblob::create(&pblob::CreateParams {
            child_index: child.index,
            child_pid: pid,
            parent_index: parent.index,
            parent_pid: parent.pid,
            session: account.session(),
            flag: u32::from(self.wide),
            create_time: FileTime(t),
            authentication_id: account.logon(),
            virtualized: 0,
            user_sid: &user_sid,
            integrity_sid: &il,
            image_path: program.image,
            command_line,
        });
        self.process_event(parent, parent_tid, t, process_op::PROCESS_CREATE, create);
        let cwd = if program.name == "csc.exe" || program.name == "MSBuild.exe" {
            "C:\\src\\App\\"
        } else {
            "C:\\build\\"
        };
        let env = [
            "=C:=C:\\build",
            "ALLUSERSPROFILE=C:\\ProgramData",
            "COMPUTERNAME=BUILD01",
            "PATH=C:\\Python312\\;C:\\Windows\\system32;C:\\Windows",
            "SystemRoot=C:\\Windows",
            "TEMP=C:\\Users\\builder\\AppData\\Local\\Temp",
            "USERNAME=builder",
        ];
        let mut t = t + 30 + self.rng.below(200);
        let start = pblob::start(parent.pid, command_line, cwd, &env);
        self.process_event(child, child.tid, t, process_op::PROCESS_START, start);
        t += 5 + self.rng.below(20);
        let tc = pblob::thread_create(child.tid);
        self.process_event(child, child.tid, t, process_op::THREAD_CREATE, tc);
        let modules = self.record_mut(child).modules.clone();
        for m in &modules {
            t += 50 + self.rng.below(400);
            let blob = pblob::load_image(self.wide, m.base, m.size, &m.path);
            self.process_event(child, child.tid, t, process_op::LOAD_IMAGE, blob);
        }
        (child, t + 100)
    }

    /// `p` exits at `t` with `status`: the Process Exit event and the process table's end time.
    pub fn exit(&mut self, p: Proc, t: u64, exit_status: u32) {
        let kernel = 10_000 + self.rng.below(500_000);
        let ws = (2000 + self.rng.below(30_000)) * 4096;
        let blob = pblob::exit(&pblob::ExitParams {
            exit_status,
            kernel_time: kernel,
            user_time: kernel * 2,
            working_set: ws,
            peak_working_set: ws + 65536,
            private_bytes: ws / 2,
            peak_private_bytes: ws / 2 + 65536,
        });
        self.process_event(p, p.tid, t, process_op::PROCESS_EXIT, blob);
        self.record_mut(p).end_time = FileTime(t);
    }
}
