//! Output files that appear whole or not at all: written to a temporary file beside the target
//! and renamed over it only when complete. Every file pml writes (captures, exports, reports)
//! goes through here.
//!
//! Big exports can bypass the page cache ([`AtomicFile::create_direct`]): they are written from
//! a buffer of our own straight to the disk, in large aligned blocks.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A temporary path beside a target: renamed to the target by [`PendingPath::commit`], removed
/// when dropped uncommitted.
#[derive(Debug)]
pub struct PendingPath {
    temp: PathBuf,
    target: PathBuf,
    committed: bool,
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
            committed: false,
        })
    }

    /// The temporary path.
    pub fn temp(&self) -> &Path {
        &self.temp
    }

    /// The path the file will have.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Renames the temporary file to the target, replacing what is there.
    pub fn commit(mut self) -> io::Result<()> {
        std::fs::rename(&self.temp, &self.target)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for PendingPath {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
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
    /// Creates `NAME.PID.pml-partial` beside `target`, written through the page cache.
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
        drop(file);
        self.path.commit()
    }

    fn sink(&mut self) -> io::Result<&mut Sink> {
        self.sink
            .as_mut()
            .ok_or_else(|| io::Error::other("the file was already committed"))
    }
}

/// Creates the temporary file for `target`, with direct I/O if `direct`.
fn create_temp(target: &Path, direct: bool) -> io::Result<(PendingPath, File)> {
    let path = PendingPath::beside(target, TEMP_SUFFIX)?;
    let mut options = File::options();
    options.write(true).create(true).truncate(true);
    if direct {
        direct_io(&mut options)?;
    }
    let file = options.open(path.temp())?;
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
}
