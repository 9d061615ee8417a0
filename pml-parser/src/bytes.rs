//! Bounds-checked little-endian reads over a byte slice, and the text encodings PML uses.

use nom::number::complete::{le_u16, le_u32, le_u64};
use nom::IResult;

/// The nom result type used by the table and detail parsers.
pub(crate) type PResult<'a, T> = IResult<&'a [u8], T>;

/// Reads a little-endian `u16` with nom.
pub(crate) fn u16(i: &[u8]) -> PResult<'_, u16> {
    le_u16(i)
}

/// Reads a little-endian `u32` with nom.
pub(crate) fn u32(i: &[u8]) -> PResult<'_, u32> {
    le_u32(i)
}

/// Reads a little-endian `u64` with nom.
pub(crate) fn u64(i: &[u8]) -> PResult<'_, u64> {
    le_u64(i)
}

/// Reads a pointer-sized field (4 or 8 bytes) as `u64`.
pub(crate) fn ptr(wide: bool) -> impl Fn(&[u8]) -> PResult<'_, u64> {
    move |i| {
        if wide {
            le_u64(i)
        } else {
            le_u32(i).map(|(rest, v)| (rest, u64::from(v)))
        }
    }
}

/// Takes `n` bytes with nom.
pub(crate) fn take(n: usize) -> impl Fn(&[u8]) -> PResult<'_, &[u8]> {
    move |i| nom::bytes::complete::take(n)(i)
}

/// `u16` at `off`, or `None` past the end.
#[inline]
pub(crate) fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(off..off.checked_add(2)?)?.try_into().ok()?,
    ))
}

/// `u32` at `off`, or `None` past the end.
#[inline]
pub(crate) fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(off..off.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// `u64` at `off`, or `None` past the end.
#[inline]
pub(crate) fn u64_at(b: &[u8], off: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(off..off.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// Decodes UTF-16LE bytes, replacing unpaired surrogates, stopping at the first NUL.
pub fn utf16_to_string(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() / 2);
    push_utf16(&mut out, bytes);
    out
}

/// Appends UTF-16LE bytes to `out`, stopping at the first NUL.
pub(crate) fn push_utf16(out: &mut String, bytes: &[u8]) {
    let units = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0);
    out.extend(char::decode_utf16(units).map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER)));
}

/// Appends Latin-1 bytes to `out`, stopping at the first NUL.
pub(crate) fn push_latin1(out: &mut String, bytes: &[u8]) {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let bytes = &bytes[..end];
    if bytes.is_ascii() {
        // ASCII is valid UTF-8: one copy, no per-char work.
        out.push_str(std::str::from_utf8(bytes).unwrap_or_default());
    } else {
        out.extend(bytes.iter().map(|&b| char::from(b)));
    }
}
