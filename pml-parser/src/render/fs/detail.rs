//! A writer for ProcMon's `Key: value, Key: value` Detail text, and the number, time and
//! flag formats it uses (US English: `1,048,576`, `7/12/2020 1:17:45 AM`), all appended to
//! the caller's buffer without temporary allocations.

use jiff::tz::TimeZone;

use crate::time::FileTime;

/// Longest Detail ProcMon prints, in UTF-16 units: longer text is cut there.
pub const MAX_DETAIL: usize = 4095;

/// Appends `Key: value` fields to a Detail column, separated by `, `.
pub struct Detail<'o> {
    out: &'o mut String,
    start: usize,
    zone: &'o TimeZone,
    /// The event's time: dates the zone's rules do not cover take its offset then.
    reference: FileTime,
}

impl<'o> Detail<'o> {
    /// Starts a Detail at the end of `out`, printing dates in `zone`; `reference` (the event's
    /// time) gives the offset of dates outside the zone's rules (see [`push_date_time`]).
    pub fn new(out: &'o mut String, zone: &'o TimeZone, reference: FileTime) -> Self {
        let start = out.len();
        Detail {
            out,
            start,
            zone,
            reference,
        }
    }

    /// Starts a field and returns the buffer to append its value to.
    pub fn key(&mut self, key: &str) -> &mut String {
        if self.out.len() > self.start {
            self.out.push_str(", ");
        }
        self.out.push_str(key);
        self.out.push_str(": ");
        self.out
    }

    /// Starts a field named by a number (`3: `) and returns the buffer for its value.
    pub fn key_numbered(&mut self, n: usize) -> &mut String {
        use std::fmt::Write as _;
        if self.out.len() > self.start {
            self.out.push_str(", ");
        }
        let _ = write!(self.out, "{n}: ");
        self.out
    }

    /// `key: text`.
    pub fn text(&mut self, key: &str, value: &str) {
        self.key(key).push_str(value);
    }

    /// `key: 1,234` for any integer.
    pub fn num(&mut self, key: &str, value: impl Into<i128>) {
        push_grouped(self.key(key), value.into());
    }

    /// `key: 0x1a2b` (lower-case hex, no padding).
    pub fn hex(&mut self, key: &str, value: u64) {
        push_hex(self.key(key), value);
    }

    /// `key: True` / `key: False`.
    pub fn bool(&mut self, key: &str, value: bool) {
        self.text(key, if value { "True" } else { "False" });
    }

    /// `key: M/D/YYYY h:MM:SS AM` in the Detail's time zone.
    pub fn time(&mut self, key: &str, value: FileTime) {
        let (zone, reference) = (self.zone, self.reference);
        push_date_time(self.key(key), value, zone, reference);
    }

    /// `key: ` followed by the names of the bits of `value` (see [`push_flags`]).
    pub fn flags(&mut self, key: &str, value: u32, names: &[(u32, &str)], style: FlagStyle) {
        push_flags(self.key(key), value, names, style);
    }

    /// True once the Detail is longer than ProcMon prints (more fields would be cut).
    pub fn is_full(&self) -> bool {
        self.out.len() - self.start > 3 * MAX_DETAIL
    }

    /// Cuts the Detail to [`MAX_DETAIL`] UTF-16 units, as ProcMon does.
    pub fn finish(self) {
        let text = &self.out[self.start..];
        if text.len() <= MAX_DETAIL {
            return;
        }
        let mut units = 0;
        for (i, c) in text.char_indices() {
            units += c.len_utf16();
            if units > MAX_DETAIL {
                self.out.truncate(self.start + i);
                return;
            }
        }
    }
}

/// How [`push_flags`] joins names and what it writes for nothing.
#[derive(Debug, Clone, Copy)]
pub struct FlagStyle {
    /// Between names.
    pub sep: &'static str,
    /// When no bit matched (and no remainder is written).
    pub empty: &'static str,
    /// Append unnamed bits as `0x…`.
    pub rest_hex: bool,
}

/// `Read, Write` lists with unnamed bits dropped and nothing for zero.
pub const LIST: FlagStyle = FlagStyle {
    sep: ", ",
    empty: "",
    rest_hex: false,
};

/// Appends the names of the bits of `value` found in `names` (in table order, each match
/// removing its bits), joined by `style.sep`; bits no name covers are appended as `0x…`
/// when `style.rest_hex` is set; `style.empty` is written when nothing else was.
pub fn push_flags(out: &mut String, mut value: u32, names: &[(u32, &str)], style: FlagStyle) {
    let start = out.len();
    for &(bits, name) in names {
        if bits != 0 && value & bits == bits {
            if out.len() > start {
                out.push_str(style.sep);
            }
            out.push_str(name);
            value &= !bits;
        }
    }
    if style.rest_hex && value != 0 {
        if out.len() > start {
            out.push_str(style.sep);
        }
        push_hex(out, u64::from(value));
    }
    if out.len() == start {
        out.push_str(style.empty);
    }
}

/// Appends `value` in decimal with `,` between groups of three digits.
pub fn push_grouped(out: &mut String, value: i128) {
    if value < 0 {
        out.push('-');
    }
    let mut digits = [0u8; 40];
    let mut n = value.unsigned_abs();
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
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

/// Appends `0x` and lower-case hex digits.
pub fn push_hex(out: &mut String, value: u64) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = write!(out, "{value:#x}");
}

/// Appends a FILETIME as ProcMon's US date and time, `7/12/2020 1:17:45 AM`, in `zone`.
///
/// ProcMon converts with `FileTimeToLocalFileTime`, which adds the zone's offset to the 64-bit
/// value with no range check, so the values that mean "no change" in a SetBasicInformationFile
/// (-1 and -2, stored as `0xFFFF_FFFF_FFFF_FFFF` and `...FE`) show as one or two ticks before
/// 1601-01-01 00:00 UTC, moved by the offset: `1/1/1601 1:59:59 AM` at UTC+2, and 0 shows as
/// `1/1/1601 2:00:00 AM` there (both seen in ProcMon's exports). The value is read as a signed
/// count of ticks, so where the local time falls before 1601 (-1 in UTC or west of it, 0 west
/// of UTC) the date is the proleptic one (`12/31/1600 11:59:59 PM` in UTC), and times past
/// year 9999 keep their year (`9/14/30828 2:48:05 AM` for the largest positive value): ProcMon
/// itself cannot convert a local time before 1601, so those texts are pml's choice.
///
/// The offset is the zone's at that instant for times from 1970 to 9999, which its rules
/// describe; other times (the edge values above, the sizes ProcMon prints as dates) take the
/// offset at `reference`, the event's time, as ProcMon's conversion takes the one in force when
/// it exports rather than a tz database's local mean time of 1601.
pub fn push_date_time(out: &mut String, time: FileTime, zone: &TimeZone, reference: FileTime) {
    use std::fmt::Write as _;
    const TICKS_PER_SECOND: i128 = FileTime::TICKS_PER_SECOND as i128;
    const TICKS_PER_DAY: i128 = 86_400 * TICKS_PER_SECOND;
    let ticks = i128::from(time.0 as i64);
    let offset = offset_seconds(zone, time, reference);
    let local = ticks + i128::from(offset) * TICKS_PER_SECOND;
    let days = local.div_euclid(TICKS_PER_DAY);
    let second_of_day = (local.rem_euclid(TICKS_PER_DAY) / TICKS_PER_SECOND) as u64;
    let (year, month, day) = civil_from_days(days as i64 - DAYS_1601_TO_1970);
    let hour = second_of_day / 3600;
    let (hour12, half) = match hour {
        0 => (12, "AM"),
        1..=11 => (hour, "AM"),
        12 => (12, "PM"),
        _ => (hour - 12, "PM"),
    };
    let _ = write!(
        out,
        "{month}/{day}/{year} {hour12}:{:02}:{:02} {half}",
        second_of_day / 60 % 60,
        second_of_day % 60
    );
}

/// FILETIME of 1970-01-01 00:00 UTC: from then on a zone's rules give the offset of a time.
const UNIX_EPOCH: u64 = 116_444_736_000_000_000;
/// FILETIME of 10000-01-01 00:00 UTC, past the range of the tz rules.
const YEAR_10000: u64 = 2_650_467_744_000_000_000;

/// The offset in seconds of `zone` for the Detail date `time`: at `time` itself from 1970 to
/// 9999, else at `reference`.
fn offset_seconds(zone: &TimeZone, time: FileTime, reference: FileTime) -> i32 {
    if zone == &TimeZone::UTC {
        return 0;
    }
    let at = if (UNIX_EPOCH..YEAR_10000).contains(&time.0) {
        time
    } else {
        reference
    };
    at.to_timestamp().map_or(0, |t| zone.to_offset(t).seconds())
}

/// Days from 1601-01-01 to 1970-01-01.
const DAYS_1601_TO_1970: i64 = 134_774;

/// Proleptic Gregorian (year, month, day) of a day count relative to 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grouped(v: i128) -> String {
        let mut s = String::new();
        push_grouped(&mut s, v);
        s
    }

    #[test]
    fn numbers_group_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(2_147_483_538), "2,147,483,538");
        assert_eq!(grouped(-1_234_567), "-1,234,567");
        assert_eq!(grouped(i128::from(u64::MAX)), "18,446,744,073,709,551,615");
    }

    /// `value` as a Detail date in `zone`, for an event at 2020-07-12T01:17:45Z.
    fn date(value: u64, zone: &TimeZone) -> String {
        let mut s = String::new();
        push_date_time(&mut s, FileTime(value), zone, event_time());
        s
    }

    fn event_time() -> FileTime {
        FileTime::from_unix_nanos(1_594_516_665_000_000_000)
    }

    fn fixed(hours: i8) -> TimeZone {
        TimeZone::fixed(jiff::tz::offset(hours))
    }

    /// FILETIME of a UTC time.
    fn at(text: &str) -> u64 {
        let ts: jiff::Timestamp = text.parse().unwrap();
        FileTime::from_unix_nanos(ts.as_nanosecond()).0
    }

    #[test]
    fn dates_are_us_format_in_utc() {
        let utc = &TimeZone::UTC;
        assert_eq!(date(0, utc), "1/1/1601 12:00:00 AM");
        assert_eq!(
            date(at("2020-07-12T01:17:45Z"), utc),
            "7/12/2020 1:17:45 AM"
        );
        assert_eq!(
            date(at("2020-07-11T21:07:57Z"), utc),
            "7/11/2020 9:07:57 PM"
        );
        assert_eq!(
            date(at("2020-02-29T12:00:00Z"), utc),
            "2/29/2020 12:00:00 PM"
        );
        // Whole seconds, truncated.
        assert_eq!(
            date(at("2020-02-29T12:00:00Z") + 9_999_999, utc),
            "2/29/2020 12:00:00 PM"
        );
    }

    #[test]
    fn dates_follow_the_zone_at_that_instant() {
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        // 2020-07-11T21:07:57Z is 23:07:57 in Berlin summer time...
        assert_eq!(
            date(at("2020-07-11T21:07:57Z"), &berlin),
            "7/11/2020 11:07:57 PM"
        );
        // ...and 2020-02-29T12:00:00Z is 13:00 in winter time.
        assert_eq!(
            date(at("2020-02-29T12:00:00Z"), &berlin),
            "2/29/2020 1:00:00 PM"
        );
    }

    /// -1 (0xFFFF_FFFF_FFFF_FFFF, "do not change" in a SetBasicInformationFile): one tick before
    /// 1601-01-01 00:00 UTC, moved by the offset; ProcMon at UTC+2 prints 1:59:59 AM.
    #[test]
    fn minus_one_is_a_tick_before_1601() {
        assert_eq!(date(u64::MAX, &fixed(2)), "1/1/1601 1:59:59 AM");
        assert_eq!(date(u64::MAX, &fixed(1)), "1/1/1601 12:59:59 AM");
        assert_eq!(date(u64::MAX, &TimeZone::UTC), "12/31/1600 11:59:59 PM");
        assert_eq!(date(u64::MAX, &fixed(-5)), "12/31/1600 6:59:59 PM");
        // An IANA zone takes its offset at the event (summer in Berlin), not the local mean
        // time the tz database gives for 1600.
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        assert_eq!(date(u64::MAX, &berlin), "1/1/1601 1:59:59 AM");
    }

    /// -2 (stop updating the time): two ticks before 1601, the same second as -1.
    #[test]
    fn minus_two_is_two_ticks_before_1601() {
        assert_eq!(date(u64::MAX - 1, &fixed(2)), "1/1/1601 1:59:59 AM");
        assert_eq!(date(u64::MAX - 1, &TimeZone::UTC), "12/31/1600 11:59:59 PM");
    }

    /// 0 ("no time"): 1601-01-01 00:00 UTC in the zone; ProcMon at UTC+1 prints 1:00:00 AM
    /// (unity-basic-64bit's QueryNetworkOpenInformationFile sizes).
    #[test]
    fn zero_is_midnight_1601_utc() {
        assert_eq!(date(0, &TimeZone::UTC), "1/1/1601 12:00:00 AM");
        assert_eq!(date(0, &fixed(1)), "1/1/1601 1:00:00 AM");
        assert_eq!(date(0, &fixed(2)), "1/1/1601 2:00:00 AM");
        assert_eq!(date(0, &fixed(-5)), "12/31/1600 7:00:00 PM");
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        assert_eq!(date(0, &berlin), "1/1/1601 2:00:00 AM");
        // Small values (sizes printed as dates) stay in 1601.
        assert_eq!(date(16_384, &fixed(1)), "1/1/1601 1:00:00 AM");
    }

    /// Past year 9999 the date keeps its year, up to the largest positive value (year 30828);
    /// above that the value is negative, before 1601.
    #[test]
    fn values_past_year_9999_keep_their_year() {
        let utc = &TimeZone::UTC;
        assert_eq!(
            date(YEAR_10000 - FileTime::TICKS_PER_SECOND, utc),
            "12/31/9999 11:59:59 PM"
        );
        assert_eq!(date(YEAR_10000, utc), "1/1/10000 12:00:00 AM");
        assert_eq!(date(YEAR_10000, &fixed(2)), "1/1/10000 2:00:00 AM");
        assert_eq!(date(i64::MAX as u64, utc), "9/14/30828 2:48:05 AM");
        assert_eq!(date(i64::MAX as u64, &fixed(-5)), "9/13/30828 9:48:05 PM");
        // The most negative value.
        assert_eq!(date(1 << 63, utc), "4/19/-27627 9:11:54 PM");
        // The largest value no longer prints as year 60056.
        assert!(!date(u64::MAX, utc).contains("60056"));
    }

    #[test]
    fn flags_take_bits_in_table_order() {
        let names = [(3, "Both"), (1, "One"), (2, "Two")];
        let mut s = String::new();
        push_flags(&mut s, 3, &names, LIST);
        assert_eq!(s, "Both");
        s.clear();
        let style = FlagStyle {
            sep: ", ",
            empty: "n/a",
            rest_hex: true,
        };
        push_flags(&mut s, 0x102, &names, style);
        assert_eq!(s, "Two, 0x100");
        s.clear();
        push_flags(&mut s, 0, &names, style);
        assert_eq!(s, "n/a");
    }

    #[test]
    fn finish_cuts_at_4095_units() {
        let mut s = String::from("keep");
        let utc = TimeZone::UTC;
        let mut d = Detail::new(&mut s, &utc, FileTime(0));
        d.text("K", &"é".repeat(5000));
        d.finish();
        // "K: " is 3 units, each é one unit of 2 bytes.
        assert_eq!(s.len() - 4, 3 + "é".len() * (MAX_DETAIL - 3));
        assert!(s.starts_with("keepK: é"));
    }
}
