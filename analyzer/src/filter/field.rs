//! The fields a filter expression or a grouped query names: ProcMon's 27 columns, and numbers
//! derived from the details of file reads and writes and network events.

use std::fmt;

use pml_parser::details::fs::FsDetails;
use pml_parser::details::network::NetworkDetails;
use pml_parser::{Column, ColumnRenderer, EventClass};

use pml_parser::Event;

use super::rule::parse_number;

/// A column of ProcMon, or a number taken from an event's details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// One of ProcMon's columns, as it renders it.
    Column(Column),
    /// `Length`: the bytes a file read or write asked for, or the length of a network event.
    Length,
    /// `Offset`: the file offset of a read or write.
    Offset,
    /// `Bytes`: the bytes a file read or write moved (the transferred count when the capture has
    /// it, else the length asked for when it succeeded), or the length of a network event.
    Bytes,
}

/// How values of a field compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Text; numbers when both sides are numbers.
    Text,
    /// A number (PID, Duration, Length, ...).
    Number,
    /// A time of day: `9:30:00.1234567 AM`, compared as seconds since midnight.
    Clock,
    /// An elapsed time `00:00:01.5000000`, compared as seconds.
    Elapsed,
    /// A date and time `7/31/2020 9:30:00 AM`, compared as seconds since year 0.
    DateTime,
}

impl Field {
    /// The derived fields, which are not ProcMon columns.
    pub const DERIVED: [Field; 3] = [Field::Length, Field::Offset, Field::Bytes];

    /// The field's name: the ProcMon column header, or `Length`, `Offset`, `Bytes`.
    pub fn name(self) -> &'static str {
        match self {
            Field::Column(c) => c.name(),
            Field::Length => "Length",
            Field::Offset => "Offset",
            Field::Bytes => "Bytes",
        }
    }

    /// The field named `name`, ignoring case, spaces and underscores (`Process Name`,
    /// `process_name`, `ProcessName`).
    pub fn from_name(name: &str) -> Option<Field> {
        if let Some(c) = Column::from_name(name) {
            return Some(Field::Column(c));
        }
        let squash = |s: &str| -> String {
            s.chars()
                .filter(|c| !matches!(c, ' ' | '_'))
                .flat_map(char::to_lowercase)
                .collect()
        };
        let wanted = squash(name);
        if wanted.is_empty() {
            return None;
        }
        Column::ALL
            .into_iter()
            .map(Field::Column)
            .chain(Field::DERIVED)
            .find(|f| squash(f.name()) == wanted)
    }

    /// Every field name, for error messages.
    pub fn names() -> Vec<&'static str> {
        Column::ALL
            .into_iter()
            .map(Field::Column)
            .chain(Field::DERIVED)
            .map(Field::name)
            .collect()
    }

    /// True when the value depends only on the event's process.
    pub fn is_process_level(self) -> bool {
        matches!(self, Field::Column(c) if c.is_process_level())
    }

    /// How values compare.
    pub(crate) fn kind(self) -> Kind {
        match self {
            Field::Column(c) => match c {
                Column::Pid
                | Column::Tid
                | Column::ParentPid
                | Column::Session
                | Column::Duration
                | Column::Sequence => Kind::Number,
                Column::TimeOfDay | Column::CompletionTime => Kind::Clock,
                Column::RelativeTime => Kind::Elapsed,
                Column::DateTime => Kind::DateTime,
                _ => Kind::Text,
            },
            _ => Kind::Number,
        }
    }

    /// Relative cost of a field: cheap ones are tested first.
    pub(crate) fn cost(self) -> u8 {
        match self {
            Field::Column(Column::Operation | Column::EventClass | Column::Sequence) => 0,
            Field::Column(Column::Tid | Column::Result | Column::Category | Column::Duration) => 1,
            Field::Column(Column::Path) => 3,
            Field::Column(Column::Detail) => 4,
            _ => 2,
        }
    }

    /// Appends the field's text for `event` (a derived field with no value appends nothing).
    pub fn write(self, renderer: &ColumnRenderer, event: &Event<'_>, out: &mut String) {
        match self {
            Field::Column(c) => renderer.write(event, c, out),
            derived => {
                if let Some(n) = derived.derived(event) {
                    use std::fmt::Write;
                    let _ = write!(out, "{n}");
                }
            }
        }
    }

    /// The field's value as a number (seconds for times and durations), when it has one.
    /// `text` is a scratch buffer.
    pub fn number(
        self,
        renderer: &ColumnRenderer,
        event: &Event<'_>,
        text: &mut String,
    ) -> Option<f64> {
        if let Some(n) = self.fast_number(event) {
            return n;
        }
        text.clear();
        self.write(renderer, event, text);
        self.parse_value(text)
    }

    /// The number of fields read without rendering: `Some(value)` for Duration, TID and the
    /// derived fields, `None` for the others.
    #[inline]
    pub(crate) fn fast_number(self, event: &Event<'_>) -> Option<Option<f64>> {
        match self {
            Field::Column(Column::Duration) => Some(event.duration().map(|t| t as f64 / 1e7)),
            Field::Column(Column::Tid) => Some(Some(f64::from(event.tid()))),
            Field::Column(_) => None,
            derived => Some(derived.derived(event).map(|n| n as f64)),
        }
    }

    /// A text of this field (rendered, or written by a user) as a number, by the field's kind.
    pub(crate) fn parse_value(self, text: &str) -> Option<f64> {
        match self.kind() {
            Kind::Text | Kind::Number => parse_number(text),
            Kind::Clock => parse_clock(text),
            Kind::Elapsed => parse_clock(text).or_else(|| parse_duration(text)),
            Kind::DateTime => parse_date_time(text),
        }
    }

    /// The value of a derived field.
    fn derived(self, event: &Event<'_>) -> Option<i64> {
        match event.class() {
            EventClass::FileSystem => {
                let rw = FsDetails::decode(event).ok()?.read_write()?;
                match self {
                    Field::Length => Some(i64::from(rw.length)),
                    Field::Offset => Some(rw.offset),
                    Field::Bytes => match rw.transferred {
                        Some(n) => Some(i64::from(n)),
                        None if event.result() == 0 => Some(i64::from(rw.length)),
                        None => Some(0),
                    },
                    Field::Column(_) => None,
                }
            }
            EventClass::Network => match self {
                Field::Length | Field::Bytes => NetworkDetails::decode(event)
                    .ok()
                    .map(|d| i64::from(d.length)),
                _ => None,
            },
            _ => None,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `9:30:00`, `09:30:00.25`, `9:30:00.1234567 PM`, `21:30`: seconds since midnight.
pub(crate) fn parse_clock(text: &str) -> Option<f64> {
    let t = text.trim();
    let (clock, pm) = match t.len().checked_sub(2).and_then(|i| t.get(i..)) {
        Some(s) if s.eq_ignore_ascii_case("am") => (t[..t.len() - 2].trim_end(), Some(false)),
        Some(s) if s.eq_ignore_ascii_case("pm") => (t[..t.len() - 2].trim_end(), Some(true)),
        _ => (t, None),
    };
    let mut parts = clock.split(':');
    let hours: u32 = digits(parts.next()?)?;
    let minutes: u32 = digits(parts.next()?)?;
    let seconds: f64 = match parts.next() {
        Some(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.') => {
            s.parse().ok()?
        }
        Some(_) => return None,
        None => 0.0,
    };
    if parts.next().is_some() || minutes > 59 || seconds >= 61.0 {
        return None;
    }
    let hours = match pm {
        None => hours,
        Some(_) if !(1..=12).contains(&hours) => return None,
        Some(false) => hours % 12,
        Some(true) => hours % 12 + 12,
    };
    Some(f64::from(hours) * 3600.0 + f64::from(minutes) * 60.0 + seconds)
}

/// `7/31/2020 9:30:00 AM` (or `2020-07-31 09:30:00`, or a date alone): seconds since a fixed
/// origin, for ordering.
pub(crate) fn parse_date_time(text: &str) -> Option<f64> {
    let t = text.trim();
    let (date, clock) = match t.split_once([' ', 'T']) {
        Some((d, c)) => (d, Some(c)),
        None => (t, None),
    };
    let (year, month, day) = if date.contains('-') {
        let mut p = date.split('-');
        let y = digits(p.next()?)?;
        let m = digits(p.next()?)?;
        let d = digits(p.next()?)?;
        p.next().is_none().then_some((y, m, d))?
    } else {
        let mut p = date.split('/');
        let m = digits(p.next()?)?;
        let d = digits(p.next()?)?;
        let y = digits(p.next()?)?;
        p.next().is_none().then_some((y, m, d))?
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let seconds = match clock {
        Some(c) => parse_clock(c)?,
        None => 0.0,
    };
    let days = f64::from(year) * 372.0 + f64::from(month) * 31.0 + f64::from(day);
    Some(days * 86_400.0 + seconds)
}

/// `1.5s`, `100ms`, `20us`, `2min`, `1h` or a bare number of seconds: seconds.
pub(crate) fn parse_duration(text: &str) -> Option<f64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    if number.is_empty() {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    Some(value * unit_seconds(unit)?)
}

/// Seconds per duration unit; `""` is seconds.
pub(crate) fn unit_seconds(unit: &str) -> Option<f64> {
    Some(match unit.to_ascii_lowercase().as_str() {
        "" | "s" | "sec" => 1.0,
        "ms" => 1e-3,
        "us" | "µs" => 1e-6,
        "ns" => 1e-9,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return None,
    })
}

/// A run of ASCII digits as a number.
fn digits(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_loosely() {
        assert_eq!(
            Field::from_name("process_name"),
            Some(Field::Column(Column::ProcessName))
        );
        assert_eq!(
            Field::from_name("ProcessName"),
            Some(Field::Column(Column::ProcessName))
        );
        assert_eq!(Field::from_name("length"), Some(Field::Length));
        assert_eq!(Field::from_name(""), None);
        assert_eq!(Field::from_name("nope"), None);
    }

    #[test]
    fn clocks_and_dates_parse() {
        assert_eq!(parse_clock("9:30:00"), Some(34200.0));
        assert_eq!(parse_clock("9:30:00.5000000 PM"), Some(77400.5));
        assert_eq!(parse_clock("12:00:00 AM"), Some(0.0));
        assert_eq!(parse_clock("21:30"), Some(77400.0));
        assert_eq!(parse_clock("13:00:00 PM"), None);
        assert_eq!(parse_clock("x"), None);
        assert!(parse_date_time("7/31/2020 9:30:00 AM") < parse_date_time("2020-08-01"));
        assert_eq!(parse_duration("100ms"), Some(0.1));
        assert_eq!(parse_duration("2min"), Some(120.0));
        assert_eq!(parse_duration("ms"), None);
    }
}
