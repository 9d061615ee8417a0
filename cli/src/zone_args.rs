//! `--tz`: the time zone of the time columns, for the commands that render them.

use anyhow::Result;
use pml_parser::TimeZoneSpec;

/// The `--tz` option.
#[derive(clap::Args, Debug, Clone)]
pub struct ZoneArgs {
    /// Time zone of the time columns (Time of Day, Date & Time) and of filters on them: UTC,
    /// an offset (+01:00) or an IANA name (Europe/Berlin). ProcMon shows the capturing
    /// machine's local time, which the capture does not record.
    #[arg(
        long = "tz",
        value_name = "ZONE",
        default_value = "UTC",
        allow_hyphen_values = true
    )]
    tz: String,
}

impl ZoneArgs {
    /// The zone named, or an error that says what is wrong with the name.
    pub fn zone(&self) -> Result<TimeZoneSpec> {
        Ok(TimeZoneSpec::parse(&self.tz)?)
    }
}
