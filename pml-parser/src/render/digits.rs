//! Number formatting straight into a `String`, without `fmt` machinery or allocation
//! (the column renderer writes millions of numbers per second).

/// "00" to "99": two digits are appended as one slice, with no per-byte work.
const PAIRS: &str = "00010203040506070809101112131415161718192021222324252627282930313233343536373839\
                     40414243444546474849505152535455565758596061626364656667686970717273747576777879\
                     8081828384858687888990919293949596979899";
const ZEROS: &str = "00000000000000000000";
const HEX_UPPER: &str = "0123456789ABCDEF";
const HEX_LOWER: &str = "0123456789abcdef";

/// The two digits of `n % 100`.
#[inline]
fn pair(n: u64) -> &'static str {
    let i = (n % 100) as usize * 2;
    &PAIRS[i..i + 2]
}

/// Number of decimal digits of `value` (1 for zero).
#[inline]
fn decimal_len(value: u64) -> usize {
    value.checked_ilog10().map_or(1, |l| l as usize + 1)
}

/// Appends `value` in decimal.
#[inline]
pub fn push_u64(out: &mut String, value: u64) {
    // Constant divisors only: they compile to multiplications.
    if value < 100 {
        push_short(out, value);
    } else if value < 10_000 {
        push_short(out, value / 100);
        out.push_str(pair(value));
    } else {
        push_u64(out, value / 10_000);
        out.push_str(pair(value / 100 % 100));
        out.push_str(pair(value));
    }
}

/// Appends `value` (below 100) with one or two digits.
#[inline]
fn push_short(out: &mut String, value: u64) {
    let digits = pair(value);
    out.push_str(if value < 10 { &digits[1..] } else { digits });
}

/// Appends `value` in decimal, left-padded with zeros to at least `width` digits.
#[inline]
pub fn push_padded(out: &mut String, value: u64, width: usize) {
    // The widths of clocks (minutes, seconds, 100 ns fractions) take a few whole pairs; the
    // width is a constant where this is inlined, so only one arm remains.
    match width {
        2 if value < 100 => return out.push_str(pair(value)),
        7 if value < 10_000_000 => {
            out.push_str(&pair(value / 1_000_000)[1..]);
            out.push_str(pair(value / 10_000));
            out.push_str(pair(value / 100));
            return out.push_str(pair(value));
        }
        _ => {}
    }
    let len = decimal_len(value);
    if width > len {
        out.push_str(&ZEROS[..(width - len).min(ZEROS.len())]);
    }
    push_u64(out, value);
}

/// Appends `value` in upper-case hex without leading zeros (`0` for zero).
#[inline]
pub fn push_hex_upper(out: &mut String, value: u64) {
    push_hex(out, value, 1, HEX_UPPER);
}

/// Appends `value` in lower-case hex, left-padded with zeros to at least `width` digits.
#[inline]
pub fn push_hex_lower_padded(out: &mut String, value: u64, width: usize) {
    push_hex(out, value, width, HEX_LOWER);
}

fn push_hex(out: &mut String, value: u64, width: usize, alphabet: &'static str) {
    let len = (value.checked_ilog2().unwrap_or(0) / 4 + 1) as usize;
    if width > len {
        out.push_str(&ZEROS[..(width - len).min(ZEROS.len())]);
    }
    for shift in (0..len).rev() {
        let nibble = ((value >> (shift * 4)) & 0xF) as usize;
        out.push_str(&alphabet[nibble..nibble + 1]);
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
        for v in [
            1,
            9,
            10,
            99,
            100,
            101,
            999,
            1000,
            10_001,
            1_234_567,
            10u64.pow(18),
            10u64.pow(19),
        ] {
            assert_eq!(with(|s| push_u64(s, v)), v.to_string());
            assert_eq!(with(|s| push_u64(s, v - 1)), (v - 1).to_string());
            assert_eq!(with(|s| push_padded(s, v, 9)), format!("{v:09}"));
        }
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
