//! Output files that appear whole or not at all: written to a temporary file beside the
//! target and renamed over it only when complete.
//!
//! Big exports can bypass the page cache ([`AtomicFile::create_direct`]): they are written from
//! a buffer of our own straight to the disk, in large aligned blocks.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// A file being written; it becomes visible at its path only on [`AtomicFile::commit`].
/// Dropped without commit, the temporary file is removed.
pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    sink: Option<Sink>,
}

/// How the bytes reach the temporary file.
enum Sink {
    /// Through the page cache.
    Buffered(BufWriter<File>),
    /// Around it (see [`DirectWriter`]).
    Direct(DirectWriter),
}

impl Sink {
    /// Writes to `file` through the page cache, in 1 MiB writes.
    fn buffered(file: File) -> Sink {
        Sink::Buffered(BufWriter::with_capacity(1 << 20, file))
    }
}

impl AtomicFile {
    /// Creates `PATH.PID.pml-partial` beside `target`, written through the page cache.
    pub fn create(target: &Path) -> Result<AtomicFile> {
        let (temp, file) = create_temp(target, false)?;
        Ok(AtomicFile::new(target, temp, Sink::buffered(file)))
    }

    /// Like [`AtomicFile::create`], for outputs of gigabytes: on Linux the file is written with
    /// direct I/O, which moves our buffer to the disk without copying it into the page cache
    /// first. That copy, into page-cache pages freshly allocated for a file that outgrows
    /// memory, was the largest single cost of a big CSV export. Where the file system refuses
    /// direct I/O (tmpfs, some network file systems) the file is written like any other.
    pub fn create_direct(target: &Path) -> Result<AtomicFile> {
        let sink = match create_temp(target, true) {
            Ok((temp, file)) => (temp, Sink::Direct(DirectWriter::new(file))),
            Err(_) => {
                let (temp, file) = create_temp(target, false)?;
                (temp, Sink::buffered(file))
            }
        };
        Ok(AtomicFile::new(target, sink.0, sink.1))
    }

    fn new(target: &Path, temp: PathBuf, sink: Sink) -> AtomicFile {
        AtomicFile {
            target: target.to_path_buf(),
            temp,
            sink: Some(sink),
        }
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
    pub fn commit(mut self) -> Result<()> {
        let cannot = || format!("cannot write {}", self.target.display());
        let file = match self.sink.take().expect("commit runs once") {
            Sink::Buffered(writer) => writer.into_inner().map_err(|e| e.into_error()),
            Sink::Direct(writer) => writer.finish(),
        };
        drop(file.with_context(cannot)?);
        std::fs::rename(&self.temp, &self.target).with_context(cannot)?;
        Ok(())
    }

    fn sink(&mut self) -> &mut dyn Write {
        match self.sink.as_mut().expect("sink taken only by commit") {
            Sink::Buffered(writer) => writer,
            Sink::Direct(writer) => writer,
        }
    }
}

/// Creates the temporary file for `target`, with direct I/O if `direct`.
fn create_temp(target: &Path, direct: bool) -> Result<(PathBuf, File)> {
    let mut name = target
        .file_name()
        .with_context(|| format!("{}: not a file path", target.display()))?
        .to_os_string();
    name.push(format!(".{}.pml-partial", std::process::id()));
    let temp = target.with_file_name(name);
    let mut options = File::options();
    options.write(true).create(true).truncate(true);
    if direct {
        direct_io(&mut options)?;
    }
    let file = options
        .open(&temp)
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok((temp, file))
}

/// Asks for direct I/O (`O_DIRECT`).
#[cfg(target_os = "linux")]
fn direct_io(options: &mut std::fs::OpenOptions) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    options.custom_flags(libc::O_DIRECT);
    Ok(())
}

/// Direct I/O is used on Linux only.
#[cfg(not(target_os = "linux"))]
fn direct_io(_: &mut std::fs::OpenOptions) -> Result<()> {
    anyhow::bail!("no direct I/O here")
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
    fn write_block(&mut self, len: usize) -> std::io::Result<()> {
        self.file
            .write_all(&self.buffer[self.start..self.start + len])?;
        self.flushed += len as u64;
        Ok(())
    }

    /// Writes the rest and returns the file, cut to the length of what was written.
    fn finish(mut self) -> std::io::Result<File> {
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
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
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
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.sink().write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.sink().write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.sink().flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.sink.take().is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct or not, the file holds exactly the bytes written, whatever their count.
    #[test]
    fn files_hold_what_was_written() {
        let dir = std::env::temp_dir().join(format!("pml-output-test-{}", std::process::id()));
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
}
