//! Aligned text tables for the terminal: column widths from the first rows, shrunk to fit the
//! terminal's width, long cells cut with `…`.

use std::io::{IsTerminal, Write};

use anyhow::Result;

/// Rows looked at before the column widths are fixed.
const SAMPLE_ROWS: usize = 500;
/// Narrowest a column is shrunk to.
const MIN_WIDTH: usize = 6;
/// Space between columns.
const GAP: &str = "  ";

/// The width of standard output when it is a terminal.
pub fn terminal_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
}

/// A table written row by row.
pub struct TextTable<W: Write> {
    out: W,
    headers: Vec<String>,
    pending: Vec<Vec<String>>,
    widths: Option<Vec<usize>>,
    max_width: Option<usize>,
    /// Right-align these columns (numbers).
    right: Vec<bool>,
}

/// A cell as the terminal may show it: line breaks and tabs become spaces, and every other
/// control character or bidirectional override from the capture is escaped
/// ([`pml_parser::for_terminal`]), so that a forged name cannot drive the terminal.
fn clean(cell: &str) -> String {
    pml_parser::for_terminal(&cell.replace(['\r', '\n', '\t'], " ")).into_owned()
}

impl<W: Write> TextTable<W> {
    /// A table with these headers; `right[i]` right-aligns column i; lines are cut to `max_width`.
    pub fn new(out: W, headers: Vec<String>, right: Vec<bool>, max_width: Option<usize>) -> Self {
        TextTable {
            out,
            headers: headers.iter().map(|h| clean(h)).collect(),
            pending: Vec::new(),
            widths: None,
            max_width,
            right,
        }
    }

    /// Adds a row.
    pub fn push(&mut self, row: Vec<String>) -> Result<()> {
        let row: Vec<String> = row.iter().map(|c| clean(c)).collect();
        if self.widths.is_some() {
            return self.write_row(&row);
        }
        self.pending.push(row);
        if self.pending.len() >= SAMPLE_ROWS {
            self.fix_widths()?;
        }
        Ok(())
    }

    /// Writes what is left and flushes.
    pub fn finish(mut self) -> Result<()> {
        if self.widths.is_none() {
            self.fix_widths()?;
        }
        self.out.flush()?;
        Ok(())
    }

    fn fix_widths(&mut self) -> Result<()> {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.pending {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        if let Some(max) = self.max_width {
            let gaps = GAP.len() * widths.len().saturating_sub(1);
            while widths.iter().sum::<usize>() + gaps > max {
                let (i, &w) = widths
                    .iter()
                    .enumerate()
                    .max_by_key(|&(_, w)| *w)
                    .unwrap_or((0, &0));
                if w <= MIN_WIDTH {
                    break;
                }
                widths[i] = w - 1;
            }
        }
        self.widths = Some(widths);
        let headers = std::mem::take(&mut self.headers);
        self.write_row(&headers)?;
        for row in std::mem::take(&mut self.pending) {
            self.write_row(&row)?;
        }
        Ok(())
    }

    fn write_row(&mut self, row: &[String]) -> Result<()> {
        let widths = self.widths.as_deref().unwrap_or_default();
        let mut line = String::new();
        for (i, (cell, &w)) in row.iter().zip(widths).enumerate() {
            if i > 0 {
                line.push_str(GAP);
            }
            let len = cell.chars().count();
            let text: String = if len > w {
                cell.chars()
                    .take(w.saturating_sub(1))
                    .chain(['…'])
                    .collect()
            } else {
                cell.clone()
            };
            let pad = w.saturating_sub(text.chars().count());
            let last = i + 1 == row.len();
            if self.right.get(i).copied().unwrap_or(false) {
                line.extend(std::iter::repeat_n(' ', pad));
                line.push_str(&text);
            } else {
                line.push_str(&text);
                if !last {
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
        }
        line.push('\n');
        self.out.write_all(line.as_bytes())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_shrink_to_the_width() {
        let mut out = Vec::new();
        let mut t = TextTable::new(
            &mut out,
            vec!["Name".into(), "N".into(), "Path".into()],
            vec![false, true, false],
            Some(30),
        );
        t.push(vec![
            "cl.exe".into(),
            "12".into(),
            "C:\\a\\very\\long\\path\\file.obj".into(),
        ])
        .unwrap();
        t.push(vec!["x".into(), "3".into(), "C:\\b".into()])
            .unwrap();
        t.finish().unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Name     N  Path");
        assert!(lines[1].starts_with("cl.exe  12  C:\\a") && lines[1].ends_with('…'));
        assert!(lines.iter().all(|l| l.chars().count() <= 30), "{text}");
        assert_eq!(lines[2], "x        3  C:\\b");
    }
}
