//! Path keys: paths compared the way Windows compares them, case-insensitively.
//!
//! A key is a 128-bit hash of the normalized UTF-16 code units, computed from the capture's
//! bytes without building a string: `\\?\` and `\??\` prefixes dropped, `/` read as `\`,
//! letters upper-cased, trailing backslashes removed (but not the one of a drive root such as
//! `C:\`), trailing dots and spaces of the last name removed (as Win32 does; not from `..`).
//! Two different paths share a key with probability at most about 2^-64 per pair.
//!
//! Not paired, because a capture does not tell: 8.3 short names (`PROGRA~1`) seen in one
//! spelling only, `\Device\HarddiskVolumeN\...` and drive-letter forms of one file (ProcMon
//! logs drive letters for local volumes), reparse points and hard links.

/// The comparison key of a path.
pub type PathKey = u128;

const SEED_A: u64 = 0x51_7c_c1_b7_27_22_0a_95;
const SEED_B: u64 = 0x9e_37_79_b9_7f_4a_7c_15;

/// The upper-case form of one UTF-16 code unit (surrogates and characters whose upper case is
/// not a single BMP character are kept).
#[inline]
fn upper(u: u16) -> u16 {
    if u < 0x80 {
        return u8::try_from(u).map_or(u, |b| u16::from(b.to_ascii_uppercase()));
    }
    let Some(c) = char::from_u32(u32::from(u)) else {
        return u;
    };
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(single), None) => u16::try_from(u32::from(single)).unwrap_or(u),
        _ => u,
    }
}

/// Normalizes `units` in place (`/` read as `\\`, letters upper-cased), then hashes them
/// without a `\\?\\` or `\\??\\` prefix and without trailing backslashes.
fn key_of_units(units: &mut [u16]) -> PathKey {
    const BS: u16 = 0x5C;
    const Q: u16 = 0x3F;
    const DOT: u16 = 0x2E;
    const SPACE: u16 = 0x20;
    let mut wide = 0u16;
    for u in units.iter_mut() {
        // Branch-free for ASCII so that the loop vectorizes.
        let lower = u16::from(u.wrapping_sub(0x61) < 26);
        let slash = u16::from(*u == 0x2F);
        wide |= *u & 0xFF80;
        *u = *u - lower * 0x20 + slash * (BS - 0x2F);
    }
    if wide != 0 {
        for u in units.iter_mut().filter(|u| **u >= 0x80) {
            *u = upper(*u);
        }
    }
    let skip = match units {
        [BS, b, Q, BS, ..] if *b == BS || *b == Q => 4,
        _ => 0,
    };
    let mut end = units.len();
    while end > skip + 3 && units[end - 1] == BS {
        end -= 1;
    }
    // Win32 drops trailing dots and spaces of the last name (`foo.txt.` is `foo.txt`), but not
    // from a name made of dots only (`..`).
    let mut stripped = end;
    while stripped > skip && matches!(units[stripped - 1], DOT | SPACE) {
        stripped -= 1;
    }
    if stripped > skip + 3 && units[stripped - 1] != BS {
        end = stripped;
    }
    hash(&units[skip..end])
}

fn hash(units: &[u16]) -> PathKey {
    let word = |c: &[u16]| {
        c.iter()
            .enumerate()
            .fold(0u64, |w, (k, &u)| w | u64::from(u) << (16 * k))
    };
    let len = units.len() as u64;
    let (mut a, mut b) = (len, !len);
    // Two independent multiply chains, each over every other 4-unit word.
    let mut chunks = units.chunks_exact(8);
    for c in &mut chunks {
        a = (a.rotate_left(5) ^ word(&c[..4])).wrapping_mul(SEED_A);
        b = (b.rotate_left(23) ^ word(&c[4..])).wrapping_mul(SEED_B);
    }
    let rest = chunks.remainder();
    let (lo, hi) = rest.split_at(rest.len().min(4));
    a = (a.rotate_left(5) ^ word(lo)).wrapping_mul(SEED_A);
    b = (b.rotate_left(23) ^ word(hi)).wrapping_mul(SEED_B);
    // Final avalanche so that short keys spread over all bits.
    a ^= a >> 33;
    a = a.wrapping_mul(0xff51_afd7_ed55_8ccd);
    a ^= a >> 33;
    b ^= b >> 29;
    b = b.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    b ^= b >> 32;
    (u128::from(a) << 64) | u128::from(b)
}

/// The key of a path held as UTF-16LE bytes, or as Latin-1 when `narrow`, up to the first NUL,
/// and, when `want_text`, the path itself as text; `buf` is scratch space, reused from call to
/// call, and holds the normalized (upper-case) code units of the path afterwards.
pub fn key_and_text(
    bytes: &[u8],
    narrow: bool,
    want_text: bool,
    buf: &mut Vec<u16>,
) -> (PathKey, Option<String>) {
    buf.clear();
    if narrow {
        buf.extend(bytes.iter().map(|&b| u16::from(b)));
    } else {
        buf.extend(
            bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]])),
        );
    }
    // One branch-free pass (it vectorizes) finds out whether there is a NUL or non-ASCII text.
    let (mut high, mut nul) = (0u16, false);
    for &u in buf.iter() {
        high |= u & 0xFF80;
        nul |= u == 0;
    }
    let end = if nul {
        buf.iter().position(|&u| u == 0).unwrap_or(buf.len())
    } else {
        buf.len()
    };
    buf.truncate(end);
    let units = &mut buf[..];
    let text = want_text.then(|| text_of(units, high == 0 || nul));
    (key_of_units(units), text)
}

/// UTF-16 code units as text (unpaired surrogates become U+FFFD); `maybe_ascii` false promises
/// that some unit is not ASCII.
fn text_of(units: &[u16], maybe_ascii: bool) -> String {
    if maybe_ascii && units.iter().all(|&u| u < 0x80) {
        let bytes: Vec<u8> = units.iter().map(|&u| u as u8).collect();
        if let Ok(text) = String::from_utf8(bytes) {
            return text;
        }
    }
    char::decode_utf16(units.iter().copied())
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// The key of a path.
pub fn key(path: &str) -> PathKey {
    let mut units: Vec<u16> = path.encode_utf16().collect();
    let end = units.iter().position(|&u| u == 0).unwrap_or(units.len());
    key_of_units(&mut units[..end])
}

/// True when the path is empty once normalized.
pub fn is_empty_key(k: PathKey) -> bool {
    k == hash(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_prefix_and_separators_do_not_matter() {
        assert_eq!(
            key(r"C:\Build\gen\Parser.cpp"),
            key(r"c:/build/GEN/parser.CPP")
        );
        assert_eq!(key(r"\\?\C:\x\y.txt"), key(r"C:\X\Y.TXT"));
        assert_eq!(key(r"\??\C:\x"), key(r"C:\X"));
        assert_eq!(key(r"C:\dir\\"), key(r"C:\DIR"));
        assert_ne!(key(r"C:\"), key(r"C:"));
        assert_eq!(key("C:\\Ünïcode"), key("C:\\ÜNÏCODE"));
        assert_ne!(key(r"C:\a"), key(r"C:\b"));
        assert_ne!(key(r"C:\ab"), key(r"C:\ba"));
        assert_ne!(key("C:\\a\0"), key("C:\\a\u{1}"));
        assert!(is_empty_key(key("")));
        assert_eq!(key(r"C:\out\app.exe. "), key(r"C:\OUT\APP.EXE"));
        assert_eq!(key(r"C:\out\app.exe..."), key(r"C:\out\app.exe"));
        assert_ne!(key(r"C:\out\.."), key(r"C:\out"));
        assert_ne!(key(r"C:\out\..."), key(r"C:\out"));
        assert_ne!(key(r"C:\a b"), key(r"C:\a"));
    }

    #[test]
    fn bytes_and_strings_agree() {
        let path = "C:\\Users\\Ådne\\x.txt";
        let utf16: Vec<u8> = path.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let buf = &mut Vec::new();
        let both = |b: &[u8], narrow, buf: &mut Vec<u16>| key_and_text(b, narrow, true, buf);
        assert_eq!(
            both(&utf16, false, buf),
            (key(path), Some(path.to_string()))
        );
        let latin1: Vec<u8> = path.chars().map(|c| c as u8).collect();
        assert_eq!(
            both(&latin1, true, buf),
            (key(path), Some(path.to_string()))
        );
        let with_nul = [utf16.as_slice(), &[0, 0, b'x', 0]].concat();
        assert_eq!(
            both(&with_nul, false, buf),
            (key(path), Some(path.to_string()))
        );
        assert_eq!(
            key_and_text(&utf16[..5], false, false, buf),
            (key_and_text(&utf16[..4], false, false, buf).0, None)
        );
        let ascii: Vec<u8> = "C:\\x".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(both(&ascii, false, buf).1.as_deref(), Some("C:\\x"));
        let lone_surrogate = [0x00, 0xD8, b'a', 0];
        assert_eq!(
            both(&lone_surrogate, false, buf).1.as_deref(),
            Some("\u{FFFD}a")
        );
    }
}
