//! Number formatting straight into a `String`, without `fmt` machinery or allocation
//! (the column renderer writes millions of numbers per second).

/// Appends `value` in decimal.
#[inline]
pub fn push_u64(out: &mut String, value: u64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    let mut v = value;
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    push_ascii(out, &buf[at..]);
}

/// Appends `value` in decimal, left-padded with zeros to at least `width` digits (at most 20).
#[inline]
pub fn push_padded(out: &mut String, value: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut at = buf.len();
    let mut v = value;
    while v != 0 {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    let start = at.min(buf.len().saturating_sub(width.max(1)));
    push_ascii(out, &buf[start..]);
}

/// Appends `value` in upper-case hex without leading zeros (`0` for zero).
#[inline]
pub fn push_hex_upper(out: &mut String, value: u64) {
    push_hex(out, value, 1, b"0123456789ABCDEF");
}

/// Appends `value` in lower-case hex, left-padded with zeros to at least `width` digits (at most 16).
#[inline]
pub fn push_hex_lower_padded(out: &mut String, value: u64, width: usize) {
    push_hex(out, value, width, b"0123456789abcdef");
}

fn push_hex(out: &mut String, value: u64, width: usize, alphabet: &[u8; 16]) {
    let mut buf = [b'0'; 16];
    let mut at = buf.len();
    let mut v = value;
    while v != 0 {
        at -= 1;
        buf[at] = alphabet[(v & 0xF) as usize];
        v >>= 4;
    }
    let start = at.min(buf.len().saturating_sub(width.max(1)));
    push_ascii(out, &buf[start..]);
}

/// Appends bytes that are ASCII digits or letters.
#[inline]
fn push_ascii(out: &mut String, ascii: &[u8]) {
    for &b in ascii {
        out.push(char::from(b));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(f: impl FnOnce(&mut String)) -> String {
        let mut s = String::new();
        f(&mut s);
        s
    }

    #[test]
    fn decimal_and_padding() {
        assert_eq!(with(|s| push_u64(s, 0)), "0");
        assert_eq!(with(|s| push_u64(s, u64::MAX)), u64::MAX.to_string());
        assert_eq!(with(|s| push_padded(s, 74, 7)), "0000074");
        assert_eq!(with(|s| push_padded(s, 0, 2)), "00");
        assert_eq!(with(|s| push_padded(s, 123, 2)), "123");
        assert_eq!(with(|s| push_padded(s, 0, 0)), "0");
    }

    #[test]
    fn hex() {
        assert_eq!(with(|s| push_hex_upper(s, 0)), "0");
        assert_eq!(with(|s| push_hex_upper(s, 0xC000_046F)), "C000046F");
        assert_eq!(with(|s| push_hex_lower_padded(s, 0x1_e0ac, 8)), "0001e0ac");
        assert_eq!(
            with(|s| push_hex_lower_padded(s, u64::MAX, 8)),
            "ffffffffffffffff"
        );
    }
}
