//! Windows FILETIME values: 100 ns ticks since 1601-01-01 UTC.

use std::fmt;

/// FILETIME ticks between 1601-01-01 and 1970-01-01.
const UNIX_EPOCH_TICKS: u64 = 116_444_736_000_000_000;

/// A point in time as Windows stores it: 100 ns ticks since 1601-01-01 UTC.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileTime(pub u64);

impl FileTime {
    /// 100 ns ticks per second.
    pub const TICKS_PER_SECOND: u64 = 10_000_000;

    /// True for the zero value ProcMon uses for "none".
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Nanoseconds since the Unix epoch (negative before 1970).
    pub fn unix_nanos(self) -> i128 {
        (i128::from(self.0) - i128::from(UNIX_EPOCH_TICKS)) * 100
    }

    /// From nanoseconds since the Unix epoch (truncated to 100 ns, clamped to the FILETIME range).
    pub fn from_unix_nanos(nanos: i128) -> FileTime {
        let ticks = nanos.div_euclid(100) + i128::from(UNIX_EPOCH_TICKS);
        FileTime(ticks.clamp(0, i128::from(u64::MAX)) as u64)
    }

    /// As a jiff timestamp (UTC), or `None` outside jiff's range.
    pub fn to_timestamp(self) -> Option<jiff::Timestamp> {
        jiff::Timestamp::from_nanosecond(self.unix_nanos()).ok()
    }

    /// RFC 3339 in UTC with 100 ns precision, e.g. `2020-07-12T01:18:10.7752429Z`.
    pub fn to_rfc3339(self) -> String {
        match self.to_timestamp() {
            Some(ts) => {
                let dt = ts.to_zoned(jiff::tz::TimeZone::UTC).datetime();
                format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
                    dt.year(),
                    dt.month(),
                    dt.day(),
                    dt.hour(),
                    dt.minute(),
                    dt.second(),
                    self.0 % FileTime::TICKS_PER_SECOND
                )
            }
            None => format!("filetime:{}", self.0),
        }
    }

    /// Ticks from `earlier` to `self`, saturating at zero.
    pub fn ticks_since(self, earlier: FileTime) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl fmt::Debug for FileTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileTime({})", self.to_rfc3339())
    }
}

impl fmt::Display for FileTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_keeps_100ns_ticks() {
        // 2020-07-12T01:18:10.7752429Z, the first event of mixed-64bit.
        let t = FileTime::from_unix_nanos(1_594_516_690_775_242_900);
        assert_eq!(t.to_rfc3339(), "2020-07-12T01:18:10.7752429Z");
        assert_eq!(t.unix_nanos(), 1_594_516_690_775_242_900);
    }

    #[test]
    fn zero_is_1601() {
        assert_eq!(FileTime(0).to_rfc3339(), "1601-01-01T00:00:00.0000000Z");
    }
}
