//! Text that differs from run to run for no reason (PIDs, temp names, GUIDs, hex and decimal
//! numbers, time stamps, random suffixes) replaced by placeholders, so that the same command
//! line or path of two runs compares equal.
//!
//! Both forms are lower-cased, with `/` read as `\` in paths, `\\?\` and `\??\` prefixes
//! dropped, quotes dropped and blanks collapsed in command lines. Then, in runs of ASCII letters
//! and digits:
//!
//! * a GUID (`8-4-4-4-12` hex digits) becomes `{guid}`;
//! * a number (all digits, or `0x` and hex digits) becomes `#`;
//! * a run of 6 or more hex digits with a digit among them (`3a9f12`, a hash) becomes `#`;
//! * a run of 6 or more letters and digits that switches between them 3 times or more
//!   (`k2j3h4`, a random suffix), or that starts with digits and switches twice (`14t09` of a
//!   time stamp), becomes `#`.
//!
//! Words with a number at their end (`msvcp140`, `win32`, `file2`) are kept: they name things.

/// A command line as runs compare it.
pub fn command_line(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut blank = true;
    for c in text.chars() {
        if c == '"' {
            continue;
        }
        if c.is_whitespace() {
            if !blank {
                folded.push(' ');
            }
            blank = true;
            continue;
        }
        blank = false;
        folded.extend(c.to_lowercase());
    }
    if folded.ends_with(' ') {
        folded.pop();
    }
    placeholders(&folded)
}

/// A path as runs compare it.
pub fn path(text: &str) -> String {
    let mut folded: String = text
        .chars()
        .map(|c| if c == '/' { '\\' } else { c })
        .flat_map(char::to_lowercase)
        .collect();
    for prefix in ["\\\\?\\", "\\??\\"] {
        if let Some(rest) = folded.strip_prefix(prefix) {
            folded = rest.to_string();
        }
    }
    placeholders(&folded)
}

/// The image name of a path: its last component, lower-cased.
pub fn image_name(image_path: &str, name: &str) -> String {
    let base = image_path.rsplit(['\\', '/']).next().unwrap_or_default();
    let base = if base.is_empty() { name } else { base };
    base.to_lowercase()
}

/// `text` (lower-case already) with its volatile runs replaced.
fn placeholders(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_alphanumeric() {
            let next = bytes[i..]
                .iter()
                .position(u8::is_ascii_alphanumeric)
                .map_or(bytes.len(), |n| i + n);
            out.push_str(&text[i..next]);
            i = next;
            continue;
        }
        if let Some(len) = guid_at(&bytes[i..]) {
            out.push_str("{guid}");
            i += len;
            continue;
        }
        let end = bytes[i..]
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .map_or(bytes.len(), |n| i + n);
        let run = &text[i..end];
        out.push_str(if is_volatile(run) { "#" } else { run });
        i = end;
    }
    out
}

/// The length of the GUID at the start of `bytes` (hex digits grouped 8-4-4-4-12), if any.
fn guid_at(bytes: &[u8]) -> Option<usize> {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    let mut at = 0;
    for (n, len) in GROUPS.iter().enumerate() {
        let group = bytes.get(at..at + len)?;
        if !group.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        at += len;
        if n < GROUPS.len() - 1 {
            if bytes.get(at) != Some(&b'-') {
                return None;
            }
            at += 1;
        }
    }
    // A longer run of hex digits is not a GUID.
    match bytes.get(at) {
        Some(b) if b.is_ascii_alphanumeric() => None,
        _ => Some(at),
    }
}

/// True for a run of letters and digits that changes from run to run.
fn is_volatile(run: &str) -> bool {
    let b = run.as_bytes();
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return false;
    }
    if digits == b.len() {
        return true;
    }
    if b.len() > 2 && b.starts_with(b"0x") && b[2..].iter().all(u8::is_ascii_hexdigit) {
        return true;
    }
    let switches = b
        .windows(2)
        .filter(|w| w[0].is_ascii_digit() != w[1].is_ascii_digit())
        .count();
    // A time stamp's `14t09`: digits, a letter, digits.
    if b[0].is_ascii_digit() && switches >= 2 {
        return true;
    }
    if b.len() < 6 {
        return false;
    }
    if b.iter().all(u8::is_ascii_hexdigit) {
        return true;
    }
    switches >= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volatile_parts_become_placeholders() {
        assert_eq!(
            command_line("\"C:\\Python312\\python.exe\"   build.py  --pid 4242 "),
            "c:\\python312\\python.exe build.py --pid #"
        );
        assert_eq!(
            path("C:/Users/b/AppData/Local/Temp/_CL_3a9f12ab.tmp"),
            "c:\\users\\b\\appdata\\local\\temp\\_cl_#.tmp"
        );
        assert_eq!(
            path("\\??\\C:\\x\\{2C1C8F8F-3A0B-4F36-9B2A-6F1E0B5C6D11}\\mpengine.dll"),
            "c:\\x\\{{guid}}\\mpengine.dll"
        );
        assert_eq!(
            path("C:\\logs\\build_2026-03-14T09-30-00.log"),
            "c:\\logs\\build_#-#-#-#-#.log"
        );
        assert_eq!(path("C:\\t\\pip-k2j3h4x9"), "c:\\t\\pip-#");
        assert_eq!(command_line("x --addr 0x7ffa0000"), "x --addr #");
    }

    #[test]
    fn names_with_numbers_are_kept() {
        for kept in [
            "c:\\windows\\system32\\msvcp140.dll",
            "c:\\src\\file2.cpp",
            "c:\\windows\\syswow64\\d3d11.dll",
            "c:\\build\\x64\\release",
        ] {
            assert_eq!(path(kept), kept);
        }
        assert_ne!(path("C:\\src\\file2.cpp"), path("C:\\src\\file3.cpp"));
        // Not a GUID: one group too long.
        assert_eq!(
            path("C:\\2C1C8F8F0-3A0B-4F36-9B2A-6F1E0B5C6D11"),
            "c:\\#-#-#-#-#"
        );
    }

    #[test]
    fn image_names_come_from_the_path() {
        assert_eq!(image_name("C:\\Windows\\System32\\CMD.EXE", "x"), "cmd.exe");
        assert_eq!(image_name("", "System"), "system");
    }
}
