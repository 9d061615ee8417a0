//! Path keys: paths compared the way Windows compares them, case-insensitively.

/// Writes the comparison key of `path` into `out` (cleared first): `\\?\` and `\??\` prefixes
/// dropped, `/` read as `\`, letters upper-cased, trailing backslashes removed (but not the one of
/// a drive root such as `C:\`).
pub fn write_key(path: &str, out: &mut String) {
    out.clear();
    let trimmed = path
        .strip_prefix(r"\\?\")
        .or_else(|| path.strip_prefix(r"\??\"))
        .unwrap_or(path);
    for c in trimmed.chars() {
        match c {
            '/' => out.push('\\'),
            c if c.is_ascii() => out.push(c.to_ascii_uppercase()),
            c => out.extend(c.to_uppercase()),
        }
    }
    while out.len() > 3 && out.ends_with('\\') {
        out.pop();
    }
}

/// The comparison key of `path`.
pub fn key(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    write_key(path, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn case_prefix_and_separators_do_not_matter() {
        assert_eq!(key(r"C:\Build\gen\Parser.cpp"), key(r"c:/build/GEN/parser.CPP"));
        assert_eq!(key(r"\\?\C:\x\y.txt"), key(r"C:\X\Y.TXT"));
        assert_eq!(key(r"\??\C:\x"), r"C:\X");
        assert_eq!(key(r"C:\dir\"), r"C:\DIR");
        assert_eq!(key(r"C:\"), r"C:\");
        assert_eq!(key("C:\\Ünïcode"), "C:\\ÜNÏCODE");
        assert_ne!(key(r"C:\a"), key(r"C:\b"));
    }
}
