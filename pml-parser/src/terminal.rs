//! Text from a capture on its way to a person's terminal.
//!
//! Process names, paths, command lines and registry data come from the capture, which may be
//! forged: `ESC ] 0 ; title BEL` retitles a terminal, `ESC [ 2 J` clears it, and a right-to-left
//! override (U+202E) makes `exe.txt` read as `txt.exe`. Everything pml prints for a person (tables,
//! `info`, summaries, warnings, errors, progress) goes through [`for_terminal`]; machine formats
//! (CSV, JSON, Parquet, PML) keep the exact text.

use std::borrow::Cow;
use std::fmt::Write;

/// True for the characters [`for_terminal`] escapes: C0 and C1 control characters (tab and line
/// breaks included: a table cell or a one-line message must stay one line), DEL, and the Unicode
/// bidirectional formatting characters (marks, embeddings, overrides, isolates).
pub fn needs_escape(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}' | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// `text` with every character of [`needs_escape`] written as a Rust escape: `\x1b` for those
/// below U+0080, `\u{202e}` for the others. Borrowed when nothing needed escaping (the usual
/// case). Backslashes are left alone: Windows paths are full of them.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    escape_where(text, needs_escape)
}

/// Like [`for_terminal`] for a report of several lines assembled by pml: line feeds are kept,
/// everything else [`needs_escape`] names is escaped. Escaping each field from the capture with
/// [`for_terminal`] is better (a forged line feed cannot then start a fake line); this is the
/// catch-all for text printed whole.
pub fn for_terminal_lines(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| c != '\n' && needs_escape(c))
}

fn escape_where(text: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    let Some(first) = text.find(&escape) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        if !escape(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_overrides_are_escaped_and_the_rest_kept() {
        let hostile = "a\u{1b}]0;pwned\u{7}\u{1b}[2Jb\u{202e}exe.txt\tC:\\dir\\é";
        assert_eq!(
            for_terminal(hostile),
            "a\\x1b]0;pwned\\x07\\x1b[2Jb\\u{202e}exe.txt\\x09C:\\dir\\é"
        );
        assert!(matches!(for_terminal("C:\\ok\\名前"), Cow::Borrowed(_)));
        assert_eq!(
            for_terminal("\u{9b}\u{2066}\u{7f}"),
            "\\u{9b}\\u{2066}\\x7f"
        );
        assert_eq!(for_terminal_lines("a\u{1b}\nb\r"), "a\\x1b\nb\\x0d");
    }
}
