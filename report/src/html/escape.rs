//! Escaping of capture text (paths, command lines, details) for HTML and inline SVG.

use std::fmt::Write as _;

/// Appends `text` to `out` escaped for HTML text and quoted attribute values (also valid XML).
///
/// Control characters that HTML and XML do not allow (all C0 controls except tab, line feed
/// and carriage return, plus U+FFFE and U+FFFF) become U+FFFD, so odd bytes in a capture
/// cannot break the page.
pub fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.push('\u{fffd}')
            }
            c => out.push(c),
        }
    }
}

/// `text` escaped as [`push_escaped`] does.
#[cfg(test)]
pub fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

/// Appends a number with at most two decimals (enough for pixel coordinates).
pub fn push_num(out: &mut String, value: f64) {
    let v = if value.is_finite() { value } else { 0.0 };
    let rounded = (v * 100.0).round() / 100.0;
    if rounded == rounded.trunc() {
        let _ = write!(out, "{}", rounded as i64);
    } else {
        let _ = write!(out, "{rounded}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_controls_are_neutralised() {
        assert_eq!(
            escaped("a<b>&\"c'\u{1}\td"),
            "a&lt;b&gt;&amp;&quot;c&#39;\u{fffd}\td"
        );
    }

    #[test]
    fn numbers_are_short() {
        let mut s = String::new();
        push_num(&mut s, 12.0);
        s.push(' ');
        push_num(&mut s, 12.34567);
        s.push(' ');
        push_num(&mut s, f64::NAN);
        assert_eq!(s, "12 12.35 0");
    }
}
