//! The regional format of an export: ProcMon prints dates, times and decimals as the exporting
//! machine's Windows settings say (`7/31/2020 7:37:18 AM` in the US, `31.07.2020 07:37:18` in
//! Germany, `31/07/2020 07:37:18` in the UK, `2020-07-31 07:37:18` in Sweden; `0.0000691` or
//! `0,0000691`). [`LocaleGuess`] works the format out from the rows themselves.

use std::fmt;

/// 100 ns ticks per second.
const TICKS: u64 = 10_000_000;

/// How an export writes dates and decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locale {
    /// Day before month in dates (`31/07/2020`); year-first dates are read as such regardless.
    pub day_first: bool,
    /// The decimal separator of seconds: `.` or `,`.
    pub decimal: char,
}

impl Locale {
    /// ProcMon's US English format, as in its own exports.
    pub const US: Locale = Locale {
        day_first: false,
        decimal: '.',
    };

    /// The format of a language tag: `en-US` (or `us`) is the US format, other English tags
    /// put the day first with a decimal point, every other language puts the day first with a
    /// decimal comma (`de-DE`, `fr`, `ru-RU`). `dmy` and `mdy` name a date order with a decimal
    /// point, `dmy,` and `mdy,` with a comma.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
        let named = |day_first, decimal| Some(Locale { day_first, decimal });
        match tag.as_str() {
            "" => None,
            "us" | "en-us" | "mdy" => named(false, '.'),
            "mdy," => named(false, ','),
            "dmy" => named(true, '.'),
            "dmy," => named(true, ','),
            _ if !tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => None,
            _ if tag == "en" || tag.starts_with("en-") => named(true, '.'),
            _ => named(true, ','),
        }
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let order = if self.day_first {
            "day/month"
        } else {
            "month/day"
        };
        let decimal = if self.decimal == ',' {
            "comma"
        } else {
            "point"
        };
        write!(f, "{order} dates, decimal {decimal}")
    }
}

/// Evidence about the format, gathered from the first rows of an export.
#[derive(Debug, Default, Clone)]
pub struct LocaleGuess {
    day_first: u32,
    month_first: u32,
    clock_12h: bool,
    date_separator: Option<char>,
    comma: u32,
    point: u32,
}

impl LocaleGuess {
    /// Takes in a `Date & Time` cell.
    pub fn date_time(&mut self, cell: &str) {
        let Some((first, second, third, separator)) = date_parts(cell) else {
            return;
        };
        self.date_separator.get_or_insert(separator);
        if first > 31 || third <= 31 && first > 12 && second <= 12 {
            if first <= 31 {
                self.day_first += 1;
            }
        } else if second > 12 && first <= 12 {
            self.month_first += 1;
        }
        self.clock_12h |= has_day_half(cell);
    }

    /// Takes in a cell with seconds and their fraction (Time of Day, Duration, Relative Time).
    pub fn seconds(&mut self, cell: &str) {
        self.clock_12h |= has_day_half(cell);
        let digits_then = cell
            .trim()
            .char_indices()
            .skip_while(|(_, c)| c.is_ascii_digit() || *c == ':')
            .map(|(_, c)| c)
            .next();
        match digits_then {
            Some(',') => self.comma += 1,
            Some('.') => self.point += 1,
            _ => {}
        }
    }

    /// The format the evidence points to (the US format where it says nothing).
    pub fn locale(&self) -> Locale {
        let day_first = if self.day_first != self.month_first {
            self.day_first > self.month_first
        } else {
            match self.date_separator {
                Some('/') => !self.clock_12h,
                Some(_) => true,
                None => false,
            }
        };
        Locale {
            day_first,
            decimal: if self.comma > self.point { ',' } else { '.' },
        }
    }
}

/// True when a time ends with an AM/PM designator.
fn has_day_half(cell: &str) -> bool {
    day_half(cell).is_some()
}

/// `Some(true)` for PM, `Some(false)` for AM.
fn day_half(cell: &str) -> Option<bool> {
    let last = cell.split_whitespace().last()?.to_ascii_lowercase();
    let letters: String = last.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    match letters.as_str() {
        "am" | "a" => Some(false),
        "pm" | "p" => Some(true),
        _ => None,
    }
}

/// The three numbers of the date at the start of `cell` and their separator.
fn date_parts(cell: &str) -> Option<(u32, u32, u32, char)> {
    let date = cell.split_whitespace().next()?;
    let separator = date.chars().find(|c| !c.is_ascii_digit())?;
    let mut parts = date
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .split(|c: char| !c.is_ascii_digit());
    let mut next = || -> Option<u32> { parts.next()?.parse().ok() };
    let (a, b, c) = (next()?, next()?, next()?);
    Some((a, b, c, separator))
}

/// Days from 1601-01-01 to the civil date `y-m-d` (proleptic Gregorian).
fn days_since_1601(y: i64, m: u32, d: u32) -> Option<i64> {
    if !(1601..=30827).contains(&y) {
        return None;
    }
    days_from_1601(y, m, d)
}

/// Days from 1601-01-01 to any civil date `y-m-d` (negative before it).
fn days_from_1601(y: i64, m: u32, d: u32) -> Option<i64> {
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(-99_999..=99_999).contains(&y) {
        return None;
    }
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * i64::from(m) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    // 584,694 days from 0000-03-01 (era 0, day 0) to 1601-01-01.
    Some(era * 146_097 + doe - 584_694)
}

impl Locale {
    /// Ticks since midnight of a time of day: `7:37:18.2093997 AM`, `19:37:18,2093997`,
    /// `07:37:18` (seconds only in Date & Time).
    pub fn time_of_day(&self, cell: &str) -> Option<u64> {
        let clock = cell.split_whitespace().next()?;
        let mut fields = clock.splitn(3, ':');
        let hours: u64 = fields.next()?.parse().ok()?;
        let minutes: u64 = fields.next()?.parse().ok()?;
        let seconds = self.seconds(fields.next()?)?;
        let hours = match day_half(cell) {
            Some(pm) if (1..=12).contains(&hours) => hours % 12 + if pm { 12 } else { 0 },
            Some(_) => return None,
            None if hours < 24 => hours,
            None => return None,
        };
        if minutes >= 60 || seconds >= 60 * TICKS {
            return None;
        }
        Some((hours * 60 + minutes) * 60 * TICKS + seconds)
    }

    /// Ticks of a count of seconds with up to 7 decimals: `0.0000691`, `0,0000691`, `12`.
    pub fn seconds(&self, cell: &str) -> Option<u64> {
        let cell = cell.trim();
        let (whole, fraction) = match cell.find(['.', ',']) {
            Some(at) => (&cell[..at], &cell[at + 1..]),
            None => (cell, ""),
        };
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || fraction.len() > 7
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let whole: u64 = whole.parse().ok()?;
        let mut ticks: u64 = 0;
        for i in 0..7 {
            let digit = fraction
                .as_bytes()
                .get(i)
                .map_or(0, |b| u64::from(b - b'0'));
            ticks = ticks * 10 + digit;
        }
        whole.checked_mul(TICKS)?.checked_add(ticks)
    }

    /// Days since 1601-01-01 and ticks since midnight of a `Date & Time` cell.
    pub fn date_time(&self, cell: &str) -> Option<(i64, u64)> {
        let (a, b, c, _) = date_parts(cell)?;
        let date_len = cell.split_whitespace().next()?.len();
        let (y, m, d) = if a > 31 {
            (a, b, c)
        } else if self.day_first {
            (c, b, a)
        } else {
            (c, a, b)
        };
        let days = days_since_1601(i64::from(y), m, d)?;
        let rest = cell.trim_start()[date_len..].trim();
        let time = if rest.is_empty() {
            0
        } else {
            self.time_of_day(rest)?
        };
        Some((days, time))
    }
}

impl Locale {
    /// Ticks since 1601-01-01 00:00 (negative before it) of a date inside a Detail text:
    /// `7/12/2020 1:17:45 AM`, `12.07.2020 01:17:45`; ProcMon prints times that mean "no
    /// change" as `12/31/1600 11:59:59 PM` and sizes it mistakes for dates in 1601, so any year
    /// is read. A date that does not read in this format is tried in the US one.
    pub fn detail_date(&self, text: &str) -> Option<i64> {
        self.detail_date_as(text)
            .or_else(|| Locale::US.detail_date_as(text))
    }

    fn detail_date_as(&self, text: &str) -> Option<i64> {
        let date = text.split_whitespace().next()?;
        let (a, b, c, _) = date_parts(text)?;
        let (y, m, d) = if a > 31 || date.find(['/', '.', '-']) == Some(4) {
            (i64::from(a), b, c)
        } else if self.day_first {
            (i64::from(c), b, a)
        } else {
            (i64::from(c), a, b)
        };
        let days = days_from_1601(y, m, d)?;
        let rest = text.trim_start()[date.len()..].trim();
        let time = if rest.is_empty() {
            0
        } else {
            self.time_of_day(rest)?
        };
        (days as i128 * DAY_TICKS as i128 + time as i128)
            .try_into()
            .ok()
    }
}

/// Ticks per day.
pub(crate) const DAY_TICKS: u64 = 86_400 * TICKS;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn us_and_european_cells_read_alike() {
        let us = Locale::US;
        let de = Locale::from_tag("de-DE").unwrap();
        let t = us.time_of_day("7:37:18.2093997 PM").unwrap();
        assert_eq!(t, ((19 * 60 + 37) * 60 + 18) * TICKS + 2_093_997);
        assert_eq!(de.time_of_day("19:37:18,2093997"), Some(t));
        assert_eq!(us.time_of_day("12:00:00.0000000 AM"), Some(0));
        assert_eq!(us.time_of_day("25:00:00"), None);
        assert_eq!(us.seconds("0.0000691"), Some(691));
        assert_eq!(de.seconds("1,5"), Some(15_000_000));
        assert_eq!(us.seconds("-1"), None);
        let (days, time) = us.date_time("7/31/2020 7:37:18 AM").unwrap();
        assert_eq!(de.date_time("31.07.2020 07:37:18"), Some((days, time)));
        assert_eq!(us.date_time("2020-07-31 07:37:18"), Some((days, time)));
        // 2020-07-31 is 153,248 days after 1601-01-01.
        assert_eq!(days, 153_248);
        assert_eq!(days_since_1601(1601, 1, 1), Some(0));
    }

    #[test]
    fn detail_dates_read_any_year() {
        let us = Locale::US;
        assert_eq!(us.detail_date("1/1/1601 12:00:00 AM"), Some(0));
        assert_eq!(
            us.detail_date("1/1/1601 1:00:00 AM"),
            Some(3600 * TICKS as i64)
        );
        assert_eq!(
            us.detail_date("12/31/1600 11:59:59 PM"),
            Some(-(TICKS as i64))
        );
        let (days, time) = us.date_time("7/12/2020 1:17:45 AM").unwrap();
        let de = Locale::from_tag("de").unwrap();
        let want = days * DAY_TICKS as i64 + time as i64;
        assert_eq!(us.detail_date("7/12/2020 1:17:45 AM"), Some(want));
        assert_eq!(de.detail_date("12.07.2020 01:17:45"), Some(want));
        assert_eq!(
            us.detail_date("9/14/30828 2:48:05 AM").map(|t| t > 0),
            Some(true)
        );
        assert_eq!(us.detail_date("n/a"), None);
    }

    #[test]
    fn the_format_is_worked_out_from_the_cells() {
        let mut guess = LocaleGuess::default();
        guess.date_time("05.08.2020 19:37:18");
        guess.seconds("0,0000691");
        assert_eq!(guess.locale(), Locale::from_tag("de").unwrap());
        let mut guess = LocaleGuess::default();
        guess.date_time("7/12/2020 1:18:10 AM");
        guess.seconds("0.0000691");
        assert_eq!(guess.locale(), Locale::US);
        let mut guess = LocaleGuess::default();
        guess.date_time("7/12/2020 13:18:10");
        guess.date_time("13/12/2020 13:18:10");
        assert!(guess.locale().day_first);
        assert_eq!(Locale::from_tag("en-GB").unwrap().decimal, '.');
        assert_eq!(Locale::from_tag("x y"), None);
    }
}
