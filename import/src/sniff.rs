//! What a file holds, judged from its first bytes rather than its name: a PML capture, a
//! ProcMon CSV export (a header row of ProcMon column names) or a ProcMon XML export (root
//! element `<procmon>`).

use pml_parser::Column;

/// The kinds of input pml reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A Process Monitor capture (`PML_` magic).
    Pml,
    /// ProcMon's CSV export, fields separated by the given byte (`,` as ProcMon writes it; `;`
    /// or TAB after a spreadsheet re-saved it).
    Csv(u8),
    /// ProcMon's XML export.
    Xml,
}

impl InputKind {
    /// A short name for messages: `PML`, `CSV` or `XML`.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Pml => "PML",
            InputKind::Csv(_) => "CSV",
            InputKind::Xml => "XML",
        }
    }
}

/// Bytes of a file [`sniff`] needs to decide (it reads at most this many).
pub const SNIFF_BYTES: usize = 64 * 1024;

/// The UTF-8 byte-order mark.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The kind of input whose first bytes are `head`, or `None` when it is none of them.
pub fn sniff(head: &[u8]) -> Option<InputKind> {
    if head.starts_with(b"PML_") {
        return Some(InputKind::Pml);
    }
    let text = head.strip_prefix(BOM).unwrap_or(head);
    let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
    let text = &text[start..];
    if text.starts_with(b"<") {
        return contains(text, b"<procmon").then_some(InputKind::Xml);
    }
    let line_end = text.iter().position(|&b| b == b'\n').unwrap_or(text.len());
    let line = String::from_utf8_lossy(&text[..line_end]);
    [b',', b';', b'\t']
        .into_iter()
        .find(|&sep| header_columns(&line, sep) > 0)
        .map(InputKind::Csv)
}

/// How many of the `sep`-separated fields of a header line name a ProcMon column.
fn header_columns(line: &str, sep: u8) -> usize {
    line.trim_end_matches(['\r', '\n'])
        .split(char::from(sep))
        .filter(|field| Column::from_name(field.trim().trim_matches('"')).is_some())
        .count()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_content() {
        assert_eq!(sniff(b"PML_\x09\0\0\0"), Some(InputKind::Pml));
        let csv = "\u{feff}\"Time of Day\",\"Process Name\",\"PID\"\r\n\"1:00\",\"a\",\"1\"";
        assert_eq!(sniff(csv.as_bytes()), Some(InputKind::Csv(b',')));
        assert_eq!(
            sniff(b"Time of Day;Process Name;PID\n"),
            Some(InputKind::Csv(b';'))
        );
        let xml = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<procmon><processlist>";
        assert_eq!(sniff(xml), Some(InputKind::Xml));
        assert_eq!(sniff(b"<html><body>"), None);
        assert_eq!(sniff(b"name,size\n"), None);
        assert_eq!(sniff(b""), None);
    }
}
