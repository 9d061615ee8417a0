//! Path keys: paths compared the way Windows compares them, case-insensitively.
//!
//! A key is a 128-bit hash of the normalized UTF-16 code units, computed straight from the
//! capture's bytes without building a string: `\\?\` and `\??\` prefixes dropped, `/` read as
//! `\`, letters upper-cased, trailing backslashes removed (but not the one of a drive root such as
//! `C:\`). Two different paths share a key with probability about 2^-128 per pair.

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

/// Normalizes `units` (stopping at a NUL) into `buf` and hashes them.
pub fn key_of_units(units: impl Iterator<Item = u16>, buf: &mut Vec<u16>) -> PathKey {
    buf.clear();
    buf.extend(units.take_while(|&u| u != 0).map(|u| match u {
        0x2F => 0x5C,
        u => upper(u),
    }));
    let bs = 0x5C;
    let q = u16::from(b'?');
    let skip = match buf.as_slice() {
        [a, b, c, d, ..] if *a == bs && *d == bs && *c == q && (*b == bs || *b == q) => 4,
        _ => 0,
    };
    let mut end = buf.len();
    while end > skip + 3 && buf[end - 1] == bs {
        end -= 1;
    }
    hash(&buf[skip..end])
}

fn hash(units: &[u16]) -> PathKey {
    let (mut a, mut b) = (units.len() as u64, !(units.len() as u64));
    for chunk in units.chunks(4) {
        let mut w = 0u64;
        for (i, &u) in chunk.iter().enumerate() {
            w |= u64::from(u) << (16 * i);
        }
        a = (a.rotate_left(5) ^ w).wrapping_mul(SEED_A);
        b = (b.rotate_left(23) ^ w).wrapping_mul(SEED_B);
    }
    // Final avalanche so that short keys spread over all bits.
    a ^= a >> 33;
    a = a.wrapping_mul(0xff51_afd7_ed55_8ccd);
    a ^= a >> 33;
    b ^= b >> 29;
    b = b.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    b ^= b >> 32;
    (u128::from(a) << 64) | u128::from(b)
}

/// The key of a path held as UTF-16LE bytes, or as Latin-1 when `narrow`.
pub fn key_of_bytes(bytes: &[u8], narrow: bool, buf: &mut Vec<u16>) -> PathKey {
    if narrow {
        key_of_units(bytes.iter().map(|&b| u16::from(b)), buf)
    } else {
        key_of_units(
            bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]])),
            buf,
        )
    }
}

/// The key of a path.
pub fn key(path: &str) -> PathKey {
    key_of_units(path.encode_utf16(), &mut Vec::with_capacity(path.len()))
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
    }

    #[test]
    fn bytes_and_strings_agree() {
        let path = "C:\\Users\\Ådne\\x.txt";
        let utf16: Vec<u8> = path.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mut buf = Vec::new();
        assert_eq!(key_of_bytes(&utf16, false, &mut buf), key(path));
        let latin1: Vec<u8> = path.chars().map(|c| c as u8).collect();
        assert_eq!(key_of_bytes(&latin1, true, &mut buf), key(path));
        let with_nul = [utf16.as_slice(), &[0, 0, b'x', 0]].concat();
        assert_eq!(key_of_bytes(&with_nul, false, &mut buf), key(path));
    }
}
