//! The time columns in ProcMon's US-English formats, in a chosen time zone.
//!
//! ProcMon prints times in the local time zone of the machine that exports; a PML stores
//! UTC FILETIMEs, so the zone is an explicit choice here: UTC, a fixed offset or an IANA zone
//! (jiff's bundled tz database). The UTC offsets a capture needs and the date texts of its days
//! are computed once, when the renderer is built, so that formatting a time is integer
//! arithmetic and copying only.

use super::digits::{push_padded, push_u64};
use crate::time::FileTime;

/// 100 ns ticks per second.
pub const TICKS_PER_SECOND: u64 = FileTime::TICKS_PER_SECOND;
const TICKS_PER_DAY: u64 = 86_400 * TICKS_PER_SECOND;
/// Days from 1601-01-01 (FILETIME day 0) to 1970-01-01.
const DAYS_1601_TO_1970: i64 = 134_774;
/// Most offset changes kept in the precomputed table (a zone with DST has two a year).
const MAX_TRANSITIONS: usize = 4096;
/// Most local days whose date text is precomputed.
const MAX_DATES: u64 = 1024;

/// A time zone given by the user: `UTC`, a fixed offset (`+01:00`) or an IANA name (`Europe/Berlin`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZoneSpec {
    name: String,
    zone: jiff::tz::TimeZone,
}

/// A time zone text that names no zone.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown time zone {input:?}: {reason} (expected UTC, an offset such as +01:00, or an IANA name such as Europe/Berlin)")]
pub struct TimeZoneError {
    input: String,
    reason: String,
}

impl Default for TimeZoneSpec {
    fn default() -> TimeZoneSpec {
        TimeZoneSpec::utc()
    }
}

impl TimeZoneSpec {
    /// Coordinated Universal Time.
    pub fn utc() -> TimeZoneSpec {
        TimeZoneSpec {
            name: "UTC".to_string(),
            zone: jiff::tz::TimeZone::UTC,
        }
    }

    /// Parses `UTC` (also `Z`, `GMT`), an offset (`+01:00`, `-0530`, `+2`, `UTC+01:00`) or an
    /// IANA time zone name (`Europe/Berlin`, looked up in the bundled tz database).
    pub fn parse(text: &str) -> Result<TimeZoneSpec, TimeZoneError> {
        let input = text.trim();
        let error = |reason: &str| TimeZoneError {
            input: text.to_string(),
            reason: reason.to_string(),
        };
        if input.is_empty() {
            return Err(error("it is empty"));
        }
        let upper = input.to_ascii_uppercase();
        if matches!(upper.as_str(), "UTC" | "Z" | "GMT") {
            return Ok(TimeZoneSpec::utc());
        }
        let signed = upper
            .strip_prefix("UTC")
            .or_else(|| upper.strip_prefix("GMT"))
            .unwrap_or(&upper);
        if signed.starts_with(['+', '-']) {
            let seconds = parse_offset(signed).ok_or_else(|| {
                error("an offset is ±HH, ±HHMM or ±HH:MM, at most 25:59 from UTC")
            })?;
            let offset =
                jiff::tz::Offset::from_seconds(seconds).map_err(|e| error(&e.to_string()))?;
            return Ok(TimeZoneSpec {
                name: input.to_string(),
                zone: jiff::tz::TimeZone::fixed(offset),
            });
        }
        let zone =
            jiff::tz::TimeZone::get(input).map_err(|_| error("it is not in the tz database"))?;
        Ok(TimeZoneSpec {
            name: input.to_string(),
            zone,
        })
    }

    /// The jiff time zone.
    pub fn zone(&self) -> &jiff::tz::TimeZone {
        &self.zone
    }

    /// The zone as the user wrote it (`UTC` for the default).
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// `±H`, `±HH`, `±HHMM` or `±HH:MM` as seconds east of UTC.
fn parse_offset(text: &str) -> Option<i32> {
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let number = |s: &str| -> Option<i32> {
        if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    if !digits.bytes().all(|b| b.is_ascii_digit() || b == b':') {
        return None;
    }
    let (hours, minutes) = match digits.split_once(':') {
        Some((h, m)) if m.len() == 2 => (number(h)?, number(m)?),
        Some(_) => return None,
        None if digits.len() == 4 => (number(&digits[..2])?, number(&digits[2..])?),
        None => (number(digits)?, 0),
    };
    if hours > 25 || minutes > 59 {
        return None;
    }
    Some(sign * (hours * 3600 + minutes * 60))
}

/// Local time for FILETIMEs: the zone's UTC offsets precomputed over the capture's time span.
#[derive(Debug, Clone)]
pub struct Clock {
    spec: TimeZoneSpec,
    /// Start (UTC ticks) of each offset period inside the span, ascending; the first is the span start.
    starts: Vec<u64>,
    /// The offset, in ticks, from each start on.
    offsets: Vec<i64>,
    /// End of the precomputed span (UTC ticks); times outside it ask the zone.
    end: u64,
    /// Local day number (since 1601-01-01) of `dates[0]`.
    first_day: u64,
    /// `M/D/YYYY` of each local day of the span (none when the span is implausibly long).
    dates: Vec<String>,
}

impl Clock {
    /// A clock for `spec`, with offsets precomputed for UTC times in `span`.
    pub fn new(spec: TimeZoneSpec, span: std::ops::Range<FileTime>) -> Clock {
        let (start, end) = (span.start.0, span.end.0.max(span.start.0));
        let mut clock = Clock {
            starts: vec![start],
            offsets: vec![zone_offset(&spec.zone, start)],
            end,
            spec,
            first_day: 0,
            dates: Vec::new(),
        };
        if let Some(from) = FileTime(start).to_timestamp() {
            for transition in clock.spec.zone.following(from).take(MAX_TRANSITIONS) {
                let at = FileTime::from_unix_nanos(transition.timestamp().as_nanosecond()).0;
                if at >= end {
                    break;
                }
                clock.starts.push(at);
                clock
                    .offsets
                    .push(i64::from(transition.offset().seconds()) * TICKS_PER_SECOND as i64);
            }
        }
        let first_day = clock.local(FileTime(start)) / TICKS_PER_DAY;
        let last_day = clock.local(FileTime(end)) / TICKS_PER_DAY;
        if last_day.saturating_sub(first_day) < MAX_DATES {
            clock.first_day = first_day;
            clock.dates = (first_day..=last_day)
                .map(|day| {
                    let mut text = String::new();
                    push_date(&mut text, day);
                    text
                })
                .collect();
        }
        clock
    }

    /// The time zone.
    pub fn spec(&self) -> &TimeZoneSpec {
        &self.spec
    }

    /// Local ticks since 1601-01-01 for the UTC FILETIME `t` (clamped to the FILETIME range).
    #[inline]
    pub fn local(&self, t: FileTime) -> u64 {
        let offset = if t.0 >= self.starts[0] && t.0 < self.end {
            let i = self.starts.partition_point(|&s| s <= t.0);
            self.offsets[i.saturating_sub(1)]
        } else {
            zone_offset(&self.spec.zone, t.0)
        };
        t.0.saturating_add_signed(offset)
    }

    /// `7/31/2020 7:37:18 AM` for local ticks `local`: no leading zeros, whole seconds.
    #[inline]
    pub fn push_date_time(&self, out: &mut String, local: u64) {
        let day = local / TICKS_PER_DAY;
        match day
            .checked_sub(self.first_day)
            .and_then(|i| self.dates.get(i as usize))
        {
            Some(date) => out.push_str(date),
            None => push_date(out, day),
        }
        out.push(' ');
        push_clock(out, (local % TICKS_PER_DAY) / TICKS_PER_SECOND, None);
    }
}

/// The zone's offset in ticks at UTC ticks `t` (times outside jiff's range use its nearest end).
fn zone_offset(zone: &jiff::tz::TimeZone, t: u64) -> i64 {
    let nanos = FileTime(t).unix_nanos().clamp(
        jiff::Timestamp::MIN.as_nanosecond(),
        jiff::Timestamp::MAX.as_nanosecond(),
    );
    let timestamp = jiff::Timestamp::from_nanosecond(nanos).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    i64::from(zone.to_offset(timestamp).seconds()) * TICKS_PER_SECOND as i64
}

/// `7:37:18.2093997 AM`: 12-hour clock, no leading zero, 100 ns digits.
#[inline]
pub fn push_time_of_day(out: &mut String, local: u64) {
    let of_day = local % TICKS_PER_DAY;
    push_clock(
        out,
        of_day / TICKS_PER_SECOND,
        Some(of_day % TICKS_PER_SECOND),
    );
}

/// `7/31/2020` for day `day` since 1601-01-01.
fn push_date(out: &mut String, day: u64) {
    let (year, month, day) = civil_date(day);
    push_u64(out, month);
    out.push('/');
    push_u64(out, day);
    out.push('/');
    push_u64(out, year);
}

/// `00:00:08.4226954`: an elapsed time as hours (at least two digits), minutes, seconds, 100 ns.
#[inline]
pub fn push_elapsed(out: &mut String, ticks: u64) {
    let seconds = ticks / TICKS_PER_SECOND;
    push_padded(out, seconds / 3600, 2);
    out.push(':');
    push_padded(out, seconds / 60 % 60, 2);
    out.push(':');
    push_padded(out, seconds % 60, 2);
    out.push('.');
    push_padded(out, ticks % TICKS_PER_SECOND, 7);
}

/// `0.0000153`: seconds with seven decimals.
#[inline]
pub fn push_seconds(out: &mut String, ticks: u64) {
    push_u64(out, ticks / TICKS_PER_SECOND);
    out.push('.');
    push_padded(out, ticks % TICKS_PER_SECOND, 7);
}

/// `h:MM:SS[.fffffff] AM` for a second of the day.
#[inline]
fn push_clock(out: &mut String, second_of_day: u64, fraction: Option<u64>) {
    let hour = second_of_day / 3600;
    let hour12 = match hour % 12 {
        0 => 12,
        h => h,
    };
    push_u64(out, hour12);
    out.push(':');
    push_padded(out, second_of_day / 60 % 60, 2);
    out.push(':');
    push_padded(out, second_of_day % 60, 2);
    if let Some(fraction) = fraction {
        out.push('.');
        push_padded(out, fraction, 7);
    }
    out.push_str(if hour < 12 { " AM" } else { " PM" });
}

/// (year, month, day) of day `days` since 1601-01-01, proleptic Gregorian calendar.
fn civil_date(days: u64) -> (u64, u64, u64) {
    // Days since 0000-03-01, so that a 400-year era ends with the leap day.
    let z = days as i64 - DAYS_1601_TO_1970 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year.max(0) as u64, month as u64, day as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc_clock() -> Clock {
        Clock::new(TimeZoneSpec::utc(), FileTime(0)..FileTime(0))
    }

    fn at(text: &str) -> FileTime {
        let ts: jiff::Timestamp = text.parse().unwrap();
        FileTime::from_unix_nanos(ts.as_nanosecond())
    }

    fn render(f: impl FnOnce(&mut String)) -> String {
        let mut s = String::new();
        f(&mut s);
        s
    }

    #[test]
    fn procmon_time_formats() {
        let clock = utc_clock();
        let t = clock.local(at("2020-07-31T07:37:18.2093997Z"));
        assert_eq!(render(|s| push_time_of_day(s, t)), "7:37:18.2093997 AM");
        assert_eq!(
            render(|s| clock.push_date_time(s, t)),
            "7/31/2020 7:37:18 AM"
        );
        let noon = clock.local(at("2021-12-05T12:51:41.5084596Z"));
        assert_eq!(render(|s| push_time_of_day(s, noon)), "12:51:41.5084596 PM");
        let midnight = clock.local(at("2000-02-29T00:00:00Z"));
        assert_eq!(
            render(|s| clock.push_date_time(s, midnight)),
            "2/29/2000 12:00:00 AM"
        );
        assert_eq!(render(|s| push_elapsed(s, 637_862)), "00:00:00.0637862");
        assert_eq!(
            render(|s| push_elapsed(s, 100 * 3600 * TICKS_PER_SECOND + 5)),
            "100:00:00.0000005"
        );
        assert_eq!(render(|s| push_seconds(s, 74)), "0.0000074");
        assert_eq!(render(|s| push_seconds(s, 123_456_789)), "12.3456789");
    }

    #[test]
    fn precomputed_dates_agree_with_computed_ones() {
        let (from, to) = (at("2020-02-27T00:00:00Z"), at("2020-03-03T00:00:00Z"));
        let spec = TimeZoneSpec::parse("Europe/Berlin").unwrap();
        let clock = Clock::new(spec, from..to);
        assert_eq!(clock.dates.len(), 6);
        let outside = Clock::new(clock.spec.clone(), FileTime(0)..FileTime(0));
        for hours in (0..24 * 8).map(|h| h * 3600 * TICKS_PER_SECOND) {
            let local = clock.local(FileTime(from.0 - 86_400 * TICKS_PER_SECOND + hours));
            assert_eq!(
                render(|s| clock.push_date_time(s, local)),
                render(|s| outside.push_date_time(s, local))
            );
        }
        let leap = clock.local(at("2020-02-29T22:59:59Z"));
        assert_eq!(
            render(|s| clock.push_date_time(s, leap)),
            "2/29/2020 11:59:59 PM"
        );
    }

    #[test]
    fn civil_dates_agree_with_jiff() {
        for days in (0..200_000u64).step_by(97) {
            let t = FileTime(days * TICKS_PER_DAY);
            let date = t
                .to_timestamp()
                .unwrap()
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date();
            assert_eq!(
                civil_date(days),
                (date.year() as u64, date.month() as u64, date.day() as u64)
            );
        }
        assert_eq!(civil_date(0), (1601, 1, 1));
    }

    #[test]
    fn parses_zones() {
        assert_eq!(TimeZoneSpec::parse(" utc ").unwrap(), TimeZoneSpec::utc());
        for (text, seconds) in [
            ("+01:00", 3600),
            ("-0530", -19_800),
            ("+2", 7200),
            ("UTC+01:00", 3600),
            ("-25:59", -93_540),
        ] {
            let spec = TimeZoneSpec::parse(text).unwrap();
            assert_eq!(
                spec.zone,
                jiff::tz::TimeZone::fixed(jiff::tz::Offset::from_seconds(seconds).unwrap()),
                "{text}"
            );
        }
        for bad in [
            "",
            "+26:00",
            "+1:5",
            "+123",
            "Mars/Olympus",
            "+01:60",
            "-",
            "+1é1",
            "+é",
            "+01:0é",
        ] {
            assert!(TimeZoneSpec::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            TimeZoneSpec::parse("Europe/Berlin").unwrap().name(),
            "Europe/Berlin"
        );
    }

    #[test]
    fn iana_zone_follows_daylight_saving() {
        let spec = TimeZoneSpec::parse("Europe/Berlin").unwrap();
        let (winter, summer) = (at("2020-03-29T00:59:59Z"), at("2020-03-29T01:00:00Z"));
        let clock = Clock::new(
            spec.clone(),
            at("2020-01-01T00:00:00Z")..at("2021-01-01T00:00:00Z"),
        );
        assert_eq!(
            render(|s| push_time_of_day(s, clock.local(winter))),
            "1:59:59.0000000 AM"
        );
        assert_eq!(
            render(|s| push_time_of_day(s, clock.local(summer))),
            "3:00:00.0000000 AM"
        );
        // Outside the precomputed span the zone is asked directly, with the same answer.
        let narrow = Clock::new(spec, FileTime(0)..FileTime(1));
        assert_eq!(narrow.local(summer), clock.local(summer));
        assert_eq!(narrow.local(winter), clock.local(winter));
    }
}
