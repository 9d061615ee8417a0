//! Inline strings of event detail blobs: a `u16` info word (bit 15 = one byte per character,
//! bits 0-14 = character count) followed, somewhere later in the blob, by the characters.

use std::fmt;

use crate::bytes::{push_latin1, push_utf16};

/// The info word that announces an inline string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StrInfo(pub u16);

impl StrInfo {
    /// True when the characters are stored one byte each (Latin-1).
    pub fn is_narrow(self) -> bool {
        self.0 & 0x8000 != 0
    }

    /// Number of characters.
    pub fn chars(self) -> usize {
        usize::from(self.0 & 0x7fff)
    }

    /// Number of bytes the characters take.
    pub fn byte_len(self) -> usize {
        if self.is_narrow() {
            self.chars()
        } else {
            self.chars() * 2
        }
    }

    /// Builds the info word for `chars` characters, narrow or UTF-16.
    pub fn new(chars: usize, narrow: bool) -> StrInfo {
        let count = chars.min(0x7fff) as u16;
        StrInfo(if narrow { count | 0x8000 } else { count })
    }
}

/// A string borrowed from a capture: Latin-1 or UTF-16LE bytes, decoded on demand.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct PmlStr<'a> {
    bytes: &'a [u8],
    narrow: bool,
}

impl<'a> PmlStr<'a> {
    /// A string over `bytes`, Latin-1 when `narrow`, else UTF-16LE.
    pub fn new(bytes: &'a [u8], narrow: bool) -> Self {
        PmlStr { bytes, narrow }
    }

    /// Splits the string announced by `info` off the front of `input`.
    /// When the input is shorter than announced, takes what is there.
    pub fn take(info: StrInfo, input: &'a [u8]) -> (Self, &'a [u8]) {
        let n = info.byte_len().min(input.len());
        let (head, rest) = input.split_at(n);
        (PmlStr::new(head, info.is_narrow()), rest)
    }

    /// The raw bytes.
    pub fn raw(&self) -> &'a [u8] {
        self.bytes
    }

    /// True when stored one byte per character.
    pub fn is_narrow(&self) -> bool {
        self.narrow
    }

    /// True when there are no characters (or only NULs).
    pub fn is_empty(&self) -> bool {
        if self.narrow {
            self.bytes.first().is_none_or(|&b| b == 0)
        } else {
            self.bytes.len() < 2 || (self.bytes[0] == 0 && self.bytes[1] == 0)
        }
    }

    /// Appends the decoded text (up to the first NUL) to `out`.
    pub fn push_to(&self, out: &mut String) {
        if self.narrow {
            push_latin1(out, self.bytes);
        } else {
            push_utf16(out, self.bytes);
        }
    }

    /// The decoded text.
    pub fn to_string_lossy(&self) -> String {
        let mut s = String::with_capacity(self.bytes.len());
        self.push_to(&mut s);
        s
    }
}

impl fmt::Display for PmlStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

impl fmt::Debug for PmlStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string_lossy())
    }
}
