//! The typed table every summary produces.

use pml_parser::FileTime;

/// The type of a table column (for typed outputs such as Parquet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// Text.
    Text,
    /// Signed integer.
    Int,
    /// Floating point (durations in seconds).
    Float,
    /// A point in time (UTC).
    Time,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text.
    Text(String),
    /// Integer.
    Int(i64),
    /// Number (seconds).
    Float(f64),
    /// Time, `None` when unknown.
    Time(Option<FileTime>),
    /// No value (e.g. the lifetime of a process still running).
    Null,
}

impl Value {
    /// The cell as text: integers plain, seconds with 7 decimals, times in RFC 3339 UTC.
    pub fn to_text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => format!("{f:.7}"),
            Value::Time(Some(t)) => t.to_rfc3339(),
            Value::Time(None) | Value::Null => String::new(),
        }
    }

    /// The cell as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Text(s) => serde_json::Value::from(s.as_str()),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Value::from(*f),
            Value::Time(Some(t)) => serde_json::Value::from(t.to_rfc3339()),
            Value::Time(None) | Value::Null => serde_json::Value::Null,
        }
    }
}

/// A summary: named, typed columns and rows.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column names and types.
    pub columns: Vec<(String, ValueType)>,
    /// Rows; each has one value per column.
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new(columns: &[(&str, ValueType)]) -> Table {
        Table {
            columns: columns.iter().map(|&(n, t)| (n.to_string(), t)).collect(),
            rows: Vec::new(),
        }
    }

    /// Position of the column called `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|(n, _)| n == name)
    }
}

/// Seconds from 100 ns ticks.
pub(crate) fn seconds(ticks: u64) -> Value {
    Value::Float(ticks as f64 / 1e7)
}

/// An integer cell from a count.
pub(crate) fn int(n: u64) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}
