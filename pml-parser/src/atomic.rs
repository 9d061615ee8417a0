//! Output files that appear whole or not at all: written to a temporary file beside the target
//! and renamed over it only when complete. Every file pml writes (captures, exports, reports)
//! goes through here.
//!
//! Big exports can bypass the page cache ([`AtomicFile::create_direct`]): they are written from
//! a buffer of our own straight to the disk, in large aligned blocks.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The temporary file of a target: created beside it, renamed (or linked) to the target by
/// [`PendingPath::commit_file`], gone when dropped uncommitted.
///
/// On Linux the file is first tried unnamed: `O_TMPFILE` in the target's directory, linked into
/// place only on commit (to the temporary name, then renamed over the target, so that an existing
/// target is replaced atomically). A process killed before the commit (SIGKILL, the OOM killer)
/// leaves nothing behind. Where `O_TMPFILE` is refused (some file systems, old kernels) and on
/// other systems, the file is created under the temporary name `NAME.PID.SUFFIX`; such a name
/// left by a killed run is removed by the next run that writes the same target (whether that run
/// gets an unnamed file or not), once no process with that PID is alive: on Linux `/proc/PID` is
/// absent, on Windows `OpenProcess` finds no such process or one that has exited. Elsewhere
/// (macOS, the BSDs) stale temporaries are left alone. The environment variable `PML_NO_TMPFILE`
/// (any value) turns unnamed files off, to test the fallback.
///
/// The commit renames the temporary over the target: on Windows `std::fs::rename` replaces an
/// existing target (`MoveFileExW` with `MOVEFILE_REPLACE_EXISTING`, or a POSIX-semantics rename
/// where the file system offers it). A target that another program holds open without delete
/// sharing (Excel keeps a CSV it shows open that way) cannot be replaced; the error then says
/// so, and the old file stays as it was.
#[derive(Debug)]
pub struct PendingPath {
    temp: PathBuf,
    target: PathBuf,
    suffix: String,
    committed: bool,
    /// True when the file was created unnamed (`O_TMPFILE`): nothing to remove on drop.
    unnamed: bool,
}

/// How [`PendingPath::create_file`] opens the file.
#[derive(Debug, Clone, Copy, Default)]
pub struct TempOptions {
    /// Opened for reading too (e.g. a spill file read back).
    pub read: bool,
    /// With direct I/O (`O_DIRECT`, Linux only: an error elsewhere).
    pub direct: bool,
}

impl PendingPath {
    /// `NAME.PID.SUFFIX` beside `target` (nothing is created).
    pub fn beside(target: &Path, suffix: &str) -> io::Result<PendingPath> {
        let mut name = target
            .file_name()
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{}: not a file path", target.display()),
                )
            })?
            .to_os_string();
        name.push(format!(".{}.{suffix}", std::process::id()));
        Ok(PendingPath {
            temp: target.with_file_name(name),
            target: target.to_path_buf(),
            suffix: suffix.to_string(),
            committed: false,
            unnamed: false,
        })
    }

    /// The temporary path (where the file lives when it is not unnamed).
    pub fn temp(&self) -> &Path {
        &self.temp
    }

    /// The path the file will have.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// True when the file was created without a name (`O_TMPFILE`).
    pub fn is_unnamed(&self) -> bool {
        self.unnamed
    }

    /// Creates the temporary file for writing: unnamed where the system allows it, else at
    /// [`PendingPath::temp`]. Stale temporaries of this target are removed first (see the type).
    pub fn create_file(&mut self, options: TempOptions) -> io::Result<File> {
        remove_stale(&self.target, &self.suffix);
        if let Some(file) = unnamed_file(&self.target, options) {
            self.unnamed = true;
            return Ok(file);
        }
        let mut open = File::options();
        open.read(options.read)
            .write(true)
            .create(true)
            .truncate(true);
        if options.direct {
            direct_io(&mut open)?;
        }
        let file = open.open(&self.temp)?;
        self.unnamed = false;
        Ok(file)
    }

    /// Makes `file` (made by [`PendingPath::create_file`], all written) the target, replacing
    /// what is there.
    pub fn commit_file(mut self, file: &File) -> io::Result<()> {
        if self.unnamed {
            link_unnamed(file, &self.temp)?;
            // From here the temporary name exists: drop removes it if the rename fails.
            self.unnamed = false;
        }
        replace(&self.temp, &self.target)?;
        self.committed = true;
        Ok(())
    }

    /// Renames the temporary file, created at [`PendingPath::temp`] by the caller, to the target.
    pub fn commit(mut self) -> io::Result<()> {
        if self.unnamed {
            return Err(io::Error::other(
                "an unnamed temporary file is committed with commit_file",
            ));
        }
        replace(&self.temp, &self.target)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for PendingPath {
    fn drop(&mut self) {
        if !self.committed && !self.unnamed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Renames `temp` over `target`, replacing it. On Windows, a target held open by another program
/// without delete sharing refuses the rename with "access denied": the error names the target and
/// says what to do.
fn replace(temp: &Path, target: &Path) -> io::Result<()> {
    std::fs::rename(temp, target).map_err(|error| {
        if cfg!(windows) && error.kind() == io::ErrorKind::PermissionDenied && target.exists() {
            io::Error::new(
                error.kind(),
                format!(
                    "{}: cannot replace it, another program has it open ({error}); close it \
                     there and run pml again (the file is unchanged)",
                    target.display()
                ),
            )
        } else {
            error
        }
    })
}

/// The directory a file at `target` goes into.
#[cfg(any(target_os = "linux", windows))]
fn directory_of(target: &Path) -> &Path {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// An unnamed file (`O_TMPFILE`) in the directory of `target`, or `None` where refused.
#[cfg(target_os = "linux")]
fn unnamed_file(target: &Path, options: TempOptions) -> Option<File> {
    use std::os::unix::fs::OpenOptionsExt;
    if std::env::var_os("PML_NO_TMPFILE").is_some() {
        return None;
    }
    let mut open = File::options();
    open.read(options.read).write(true).mode(0o666);
    let mut flags = libc::O_TMPFILE;
    if options.direct {
        flags |= libc::O_DIRECT;
    }
    open.custom_flags(flags);
    open.open(directory_of(target)).ok()
}

/// No unnamed files off Linux.
#[cfg(not(target_os = "linux"))]
fn unnamed_file(_: &Path, _: TempOptions) -> Option<File> {
    None
}

/// Gives the unnamed `file` the name `at` (which must not exist).
#[cfg(target_os = "linux")]
fn link_unnamed(file: &File, at: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::io::AsRawFd;
    let to = CString::new(at.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL in the path"))?;
    // A temporary name of ours left by a run with our PID (one that died before its rename).
    let _ = std::fs::remove_file(at);
    let fd = file.as_raw_fd();
    let from = CString::new(format!("/proc/self/fd/{fd}")).expect("no NUL");
    // SAFETY: both paths are NUL-terminated strings that live across the calls; linkat does not
    // keep them.
    let linked = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    };
    if linked == 0 {
        return Ok(());
    }
    let error = io::Error::last_os_error();
    // Without /proc: AT_EMPTY_PATH links the descriptor itself (needs CAP_DAC_READ_SEARCH).
    let empty = CString::new("").expect("no NUL");
    // SAFETY: as above; `fd` is an open descriptor of `file`.
    let linked = unsafe {
        libc::linkat(
            fd,
            empty.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::AT_EMPTY_PATH,
        )
    };
    if linked == 0 {
        Ok(())
    } else {
        Err(error)
    }
}

/// Never called off Linux (no file is unnamed there).
#[cfg(not(target_os = "linux"))]
fn link_unnamed(_: &File, _: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "no unnamed files here",
    ))
}

/// Removes `NAME.PID.SUFFIX` files beside `target` whose PID is no longer alive (see
/// [`is_alive`]). Only regular files of exactly that pattern, never one of a living process (even
/// if the PID was reused by another program: then the file stays, which is safe).
#[cfg(any(target_os = "linux", windows))]
fn remove_stale(target: &Path, suffix: &str) {
    let Some(name) = target.file_name().and_then(|n| n.to_str()) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(directory_of(target)) else {
        return;
    };
    let prefix = format!("{name}.");
    let tail = format!(".{suffix}");
    let me = std::process::id();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let Some(pid) = file_name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(&tail))
        else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if pid == 0 || pid == me || is_alive(pid) {
            continue;
        }
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Stale temporaries are left alone where there is no way to tell that a PID is gone (see
/// [`PendingPath`]).
#[cfg(not(any(target_os = "linux", windows)))]
fn remove_stale(_: &Path, _: &str) {}

/// True when a process with this PID exists: `/proc/PID` is there.
#[cfg(target_os = "linux")]
fn is_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

/// True when a process with this PID exists and has not exited. A process that cannot be opened
/// for another reason than its absence (one of another user, access denied) counts as alive.
#[cfg(windows)]
fn is_alive(pid: u32) -> bool {
    use windows_sys::Win32::Foundation::{
        CloseHandle, GetLastError, ERROR_INVALID_PARAMETER, STILL_ACTIVE,
    };
    use windows_sys::Win32::System::Threading::{
        GetExitCodeProcess, OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION,
    };
    // SAFETY: plain calls with no pointers but `code`, which lives across the call; the handle
    // is closed once, after its last use.
    unsafe {
        let process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
        if process.is_null() {
            // ERROR_INVALID_PARAMETER: no process has this PID.
            return GetLastError() != ERROR_INVALID_PARAMETER;
        }
        let mut code = 0u32;
        let queried = GetExitCodeProcess(process, &mut code);
        CloseHandle(process);
        queried == 0 || code == STILL_ACTIVE as u32
    }
}

/// A file being written; it becomes visible at its path only on [`AtomicFile::commit`].
/// Dropped without commit, the temporary file is removed.
pub struct AtomicFile {
    path: PendingPath,
    sink: Option<Sink>,
}

/// How the bytes reach the temporary file.
enum Sink {
    /// Through the page cache.
    Buffered(BufWriter<File>),
    /// Around it (see [`DirectWriter`]).
    Direct(DirectWriter),
}

/// Suffix of the temporary files.
const TEMP_SUFFIX: &str = "pml-partial";

/// Bytes per write of a buffered file.
const BUFFER: usize = 1 << 20;

impl AtomicFile {
    /// Creates the temporary file of `target` (unnamed on Linux, else `NAME.PID.pml-partial`
    /// beside it: see [`PendingPath`]), written through the page cache.
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        let (path, file) = create_temp(target, false)?;
        Ok(AtomicFile {
            path,
            sink: Some(Sink::Buffered(BufWriter::with_capacity(BUFFER, file))),
        })
    }

    /// Like [`AtomicFile::create`], for outputs of gigabytes: on Linux the file is written with
    /// direct I/O, which moves our buffer to the disk without copying it into the page cache
    /// first. That copy, into page-cache pages freshly allocated for a file that outgrows
    /// memory, was the largest single cost of a big CSV export. Where the file system refuses
    /// direct I/O (tmpfs, some network file systems) the file is written like any other.
    /// Such a file cannot seek.
    pub fn create_direct(target: &Path) -> io::Result<AtomicFile> {
        match create_temp(target, true) {
            Ok((path, file)) => Ok(AtomicFile {
                path,
                sink: Some(Sink::Direct(DirectWriter::new(file))),
            }),
            Err(_) => AtomicFile::create(target),
        }
    }

    /// The path the file will have.
    pub fn target(&self) -> &Path {
        self.path.target()
    }

    /// Writes what is buffered and renames the file into place.
    ///
    /// The file is not synced to the disk first. The promise of an `AtomicFile` is that the
    /// target is never seen half-written because pml stopped part-way (an error, Ctrl-C, a
    /// crash): the rename happens only after every byte was handed to the kernel, and a reader
    /// of the path sees the old file or the whole new one. A power loss is another matter; an
    /// fsync would make the data durable before the rename, at the price of waiting for the disk
    /// to take gigabytes (seconds on a big export) when the kernel would write them back anyway.
    /// On ext4, the default `auto_da_alloc` mount option starts the write-back of a file renamed
    /// over an existing one, which narrows the window in which a power loss leaves an empty
    /// file; direct I/O has already put the bytes on the disk.
    pub fn commit(mut self) -> io::Result<()> {
        let file = match self.sink.take() {
            Some(Sink::Buffered(writer)) => writer.into_inner().map_err(|e| e.into_error())?,
            Some(Sink::Direct(writer)) => writer.finish()?,
            None => return Err(io::Error::other("the file was already committed")),
        };
        self.path.commit_file(&file)
    }

    fn sink(&mut self) -> io::Result<&mut Sink> {
        self.sink
            .as_mut()
            .ok_or_else(|| io::Error::other("the file was already committed"))
    }
}

/// Creates the temporary file for `target`, with direct I/O if `direct`.
fn create_temp(target: &Path, direct: bool) -> io::Result<(PendingPath, File)> {
    let mut path = PendingPath::beside(target, TEMP_SUFFIX)?;
    let file = path.create_file(TempOptions {
        read: false,
        direct,
    })?;
    Ok((path, file))
}

/// Asks for direct I/O (`O_DIRECT`).
#[cfg(target_os = "linux")]
fn direct_io(options: &mut std::fs::OpenOptions) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    options.custom_flags(libc::O_DIRECT);
    Ok(())
}

/// Direct I/O is used on Linux only.
#[cfg(not(target_os = "linux"))]
fn direct_io(_: &mut std::fs::OpenOptions) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "no direct I/O here",
    ))
}

/// Alignment of the address, length and file offset of every direct write: the logical block
/// size of any disk (512 or 4096 bytes) and the page size divide it.
const ALIGN: usize = 4096;

/// Bytes per direct write.
const DIRECT_BLOCK: usize = 8 << 20;

/// Writes a file opened for direct I/O: bytes are gathered in an aligned block that goes to the
/// disk in one write once full; the last, partial block is padded to the alignment and the
/// file cut back to its true length.
struct DirectWriter {
    file: File,
    /// A block and room to align it: the block is `buffer[start..start + DIRECT_BLOCK]`.
    buffer: Vec<u8>,
    start: usize,
    /// Bytes of the block filled.
    filled: usize,
    /// Bytes of the file written before the block.
    flushed: u64,
}

impl DirectWriter {
    fn new(file: File) -> DirectWriter {
        let buffer = vec![0; DIRECT_BLOCK + ALIGN];
        let start = buffer.as_ptr().align_offset(ALIGN);
        DirectWriter {
            file,
            buffer,
            start,
            filled: 0,
            flushed: 0,
        }
    }

    /// Writes the first `len` bytes of the block (a multiple of [`ALIGN`]) to the file.
    fn write_block(&mut self, len: usize) -> io::Result<()> {
        self.file
            .write_all(&self.buffer[self.start..self.start + len])?;
        self.flushed += len as u64;
        Ok(())
    }

    /// Writes the rest and returns the file, cut to the length of what was written.
    fn finish(mut self) -> io::Result<File> {
        let size = self.flushed + self.filled as u64;
        let padded = self.filled.next_multiple_of(ALIGN);
        let tail = self.start + self.filled..self.start + padded;
        self.buffer[tail].fill(0);
        self.write_block(padded)?;
        self.file.set_len(size)?;
        Ok(self.file)
    }
}

impl Write for DirectWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let n = bytes.len().min(DIRECT_BLOCK - self.filled);
        let at = self.start + self.filled;
        self.buffer[at..at + n].copy_from_slice(&bytes[..n]);
        self.filled += n;
        if self.filled == DIRECT_BLOCK {
            self.write_block(DIRECT_BLOCK)?;
            self.filled = 0;
        }
        Ok(n)
    }

    /// Whole blocks only are written before [`DirectWriter::finish`]: nothing to do.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.sink()? {
            Sink::Buffered(w) => w.write(buf),
            Sink::Direct(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self.sink()? {
            Sink::Buffered(w) => w.write_all(buf),
            Sink::Direct(w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.sink()? {
            Sink::Buffered(w) => w.flush(),
            Sink::Direct(w) => w.flush(),
        }
    }
}

impl Seek for AtomicFile {
    /// Seeks a file made by [`AtomicFile::create`]; a direct one cannot seek.
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        match self.sink()? {
            Sink::Buffered(w) => w.seek(to),
            Sink::Direct(_) => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "a file written with direct I/O cannot seek",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct or not, the file holds exactly the bytes written, whatever their count.
    #[test]
    fn files_hold_what_was_written() {
        let dir = std::env::temp_dir().join(format!("pml-atomic-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bytes: Vec<u8> = (0..DIRECT_BLOCK * 2 + 5000).map(|i| i as u8).collect();
        for len in [0, 1, ALIGN, DIRECT_BLOCK, bytes.len()] {
            for direct in [false, true] {
                let path = dir.join(format!("{len}-{direct}.bin"));
                let mut file = match direct {
                    true => AtomicFile::create_direct(&path).unwrap(),
                    false => AtomicFile::create(&path).unwrap(),
                };
                for piece in bytes[..len].chunks(3000) {
                    file.write_all(piece).unwrap();
                }
                file.commit().unwrap();
                assert!(
                    std::fs::read(&path).unwrap() == bytes[..len],
                    "{len} {direct}"
                );
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_uncommitted_file_leaves_nothing_and_the_old_file_stays() {
        let dir = std::env::temp_dir().join(format!("pml-atomic-drop-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.csv");
        std::fs::write(&path, b"old").unwrap();
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"new, half written").unwrap();
        drop(file);
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "only the old file is left");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// While a file is written, nothing but the old target is in the directory (the temporary
    /// has no name on Linux); the commit replaces the target.
    #[cfg(target_os = "linux")]
    #[test]
    fn an_unnamed_file_is_invisible_until_committed() {
        let dir = std::env::temp_dir().join(format!("pml-atomic-unnamed-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.csv");
        std::fs::write(&path, b"old").unwrap();
        for direct in [false, true] {
            let mut file = match direct {
                true => AtomicFile::create_direct(&path).unwrap(),
                false => AtomicFile::create(&path).unwrap(),
            };
            assert!(
                file.path.is_unnamed(),
                "O_TMPFILE works on the test's file system"
            );
            file.write_all(b"new").unwrap();
            let names: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
            assert_eq!(names.len(), 1, "only the old file while writing");
            file.commit().unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), b"new");
            std::fs::write(&path, b"old").unwrap();
        }
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Temporaries of dead processes are removed; those of living ones and other files stay.
    #[cfg(any(target_os = "linux", windows))]
    #[test]
    fn stale_temporaries_of_dead_processes_are_removed() {
        let dir = std::env::temp_dir().join(format!("pml-atomic-stale-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.csv");
        // PIDs never exceed 2^22 on Linux, and are multiples of 4 on Windows: 999999999 is dead.
        let dead = dir.join("out.csv.999999999.pml-partial");
        let other = dir.join("other.csv.999999999.pml-partial");
        let unrelated = dir.join("out.csv.x.pml-partial");
        let mut kept = vec![other, unrelated];
        // 1 (init) is alive on Linux; Windows has no PID that is alive everywhere (Wine has no
        // System process), so there `is_alive` is tested on its own below.
        if cfg!(target_os = "linux") {
            kept.push(dir.join("out.csv.1.pml-partial"));
        }
        for f in kept.iter().chain([&dead]) {
            std::fs::write(f, b"x").unwrap();
        }
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"new").unwrap();
        file.commit().unwrap();
        assert!(!dead.exists());
        for f in &kept {
            assert!(f.exists(), "{} stays", f.display());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// This process is alive; a child that has exited (and been waited for) is not, nor a PID
    /// that no process has.
    #[cfg(any(target_os = "linux", windows))]
    #[test]
    fn living_and_exited_processes_are_told_apart() {
        assert!(is_alive(std::process::id()));
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .arg("--list")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!is_alive(pid), "an exited child is not alive");
        assert!(!is_alive(999_999_999));
    }

    /// The commit replaces a target that exists (on Windows the `MOVEFILE_REPLACE_EXISTING`
    /// case). While a reader holds it open, Linux and Windows with POSIX-semantics renames (10
    /// 1607 and later, NTFS) replace it too, and the reader keeps the old bytes; where the system
    /// refuses (older Windows, Wine), the error says why and the old file stays whole.
    #[test]
    fn a_commit_replaces_an_existing_target() {
        use std::io::Read;
        let dir = std::env::temp_dir().join(format!("pml-atomic-replace-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.csv");
        std::fs::write(&path, b"old").unwrap();
        let mut reader = File::open(&path).unwrap();
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"new and longer").unwrap();
        match file.commit() {
            Ok(()) => assert_eq!(std::fs::read(&path).unwrap(), b"new and longer"),
            Err(e) if cfg!(windows) => {
                assert!(e.to_string().contains("another program has it open"), "{e}");
                assert_eq!(std::fs::read(&path).unwrap(), b"old");
            }
            Err(e) => panic!("{e}"),
        }
        let mut old = Vec::new();
        reader.read_to_end(&mut old).unwrap();
        assert_eq!(old, b"old");
        drop(reader);
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"newest").unwrap();
        file.commit().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"newest");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
