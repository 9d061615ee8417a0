//! Number formats of ProcMon's Detail column (US-English export).

use std::fmt::Write as _;

use crate::time::FileTime;

/// Appends `n` with `,` thousands separators: `1,612`.
pub fn push_thousands(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut rest = n;
    loop {
        digits[len] = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for i in (0..len).rev() {
        out.push(char::from(digits[i]));
        if i > 0 && i % 3 == 0 {
            out.push(',');
        }
    }
}

/// `n` with `,` thousands separators: `1,612`.
pub fn thousands(n: u64) -> String {
    let mut s = String::with_capacity(26);
    push_thousands(&mut s, n);
    s
}

/// Appends a count of 100 ns ticks as seconds with seven decimals: `0.0156250`.
pub(in crate::render) fn push_seconds(out: &mut String, ticks: u64) {
    let _ = write!(
        out,
        "{}.{:07}",
        ticks / FileTime::TICKS_PER_SECOND,
        ticks % FileTime::TICKS_PER_SECOND
    );
}

/// Appends `n` as lower-case hex with a `0x` prefix: `0x7ffa744e0000`.
pub(in crate::render) fn push_hex(out: &mut String, n: u64) {
    let _ = write!(out, "{n:#x}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_by_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_612), "1,612");
        assert_eq!(thousands(2_605_056), "2,605,056");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn seconds_have_seven_decimals() {
        let mut s = String::new();
        push_seconds(&mut s, 156_250);
        assert_eq!(s, "0.0156250");
        s.clear();
        push_seconds(&mut s, 123_456_789);
        assert_eq!(s, "12.3456789");
    }
}
