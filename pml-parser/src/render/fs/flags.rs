//! File flags as ProcMon names them, shared by the operations and the information classes:
//! file access masks and file attributes.

use std::fmt::Write as _;

use super::detail::{push_flags, FlagStyle, LIST};
use super::names;

/// Attribute letters, `n/a` for none.
pub(super) const ATTRIBUTE_LETTERS: FlagStyle = FlagStyle {
    sep: "",
    empty: "n/a",
    rest_hex: false,
};

/// Appends an ACCESS_MASK the way ProcMon names file access (generic rights mapped first,
/// `None 0x…` when no name applies).
pub(super) fn push_file_access(out: &mut String, mut access: u32) {
    for (generic, specific) in names::FILE_GENERIC_MAPPING {
        if access & generic != 0 {
            access |= specific;
        }
    }
    let start = out.len();
    push_flags(out, access, names::FILE_ACCESS, LIST);
    if out.len() == start {
        let _ = write!(out, "None {access:#x}");
    }
}

/// Re-exported for the information classes: appends attribute letters.
pub(super) fn push_attributes(out: &mut String, attributes: u32) {
    push_flags(out, attributes, names::ATTRIBUTES, ATTRIBUTE_LETTERS);
}
