//! The event-offsets array while a capture is being written: 5 bytes per event, kept in memory
//! for small captures or spilled to a temporary file so memory stays constant at any size.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

/// Width of one entry: `u32` low part and `u8` high part of a 40-bit file offset.
pub(crate) const ENTRY: usize = 5;

/// Largest file offset an entry can hold (40 bits).
pub(crate) const MAX_OFFSET: u64 = (1 << 40) - 1;

/// Where the 5-byte entries go until the capture is finished.
pub(crate) enum OffsetSink {
    /// In memory (for writers that are not files).
    Memory(Vec<u8>),
    /// In a temporary file beside the output (its owner removes it).
    Spill(BufWriter<File>),
}

impl OffsetSink {
    /// A sink spilling to `file` (empty, open for reading and writing).
    pub(crate) fn spill(file: File) -> OffsetSink {
        OffsetSink::Spill(BufWriter::with_capacity(1 << 16, file))
    }

    /// Appends the entry for an event at `offset`.
    #[inline]
    pub(crate) fn push(&mut self, offset: u64) -> io::Result<()> {
        let low = (offset as u32).to_le_bytes();
        let entry = [low[0], low[1], low[2], low[3], (offset >> 32) as u8];
        match self {
            OffsetSink::Memory(v) => {
                v.extend_from_slice(&entry);
                Ok(())
            }
            OffsetSink::Spill(file) => file.write_all(&entry),
        }
    }

    /// Copies every entry, in order, to `out`.
    pub(crate) fn copy_to(&mut self, out: &mut impl Write) -> io::Result<()> {
        match self {
            OffsetSink::Memory(v) => out.write_all(v),
            OffsetSink::Spill(file) => {
                file.flush()?;
                let f = file.get_mut();
                f.seek(SeekFrom::Start(0))?;
                let mut buf = vec![0u8; 1 << 20];
                loop {
                    let n = f.read(&mut buf)?;
                    if n == 0 {
                        return Ok(());
                    }
                    out.write_all(&buf[..n])?;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_hold_40_bit_offsets() {
        let mut sink = OffsetSink::Memory(Vec::new());
        sink.push(0x3A8).unwrap();
        sink.push(0x01_2345_6789).unwrap();
        sink.push(MAX_OFFSET).unwrap();
        let mut out = Vec::new();
        sink.copy_to(&mut out).unwrap();
        assert_eq!(
            out,
            [0xA8, 0x03, 0, 0, 0, 0x89, 0x67, 0x45, 0x23, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        );
    }
}
