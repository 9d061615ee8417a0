//! The columns of an event table: typed as in the Parquet export (docs/parquet.md), or ProcMon's
//! text as its CSV export prints it.

use pml_parser::Column;

use crate::errors::{Class, Error, Result};

/// How one output column gets its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// ProcMon's text of the column, dictionary-encoded (few distinct values).
    Dict(Column),
    /// ProcMon's text of the column, one string per event.
    Text(Column),
    /// The event's position in the input (global over split parts).
    Index,
    /// Start time, a timestamp in the requested zone.
    Time,
    /// Seconds since the input's first event.
    RelativeTime,
    /// Seconds; null while pending.
    Duration,
    /// Time + duration.
    CompletionTime,
    /// PID of the event's process.
    Pid,
    /// Thread ID.
    Tid,
    /// Parent PID of the event's process.
    ParentPid,
    /// The capture's process key.
    ProcessIndex,
    /// NTSTATUS code.
    ResultCode,
    /// Session of the event's process.
    Session,
    /// Virtualized flag of the event's process.
    Virtualized,
    /// Frames of the recorded stack.
    StackDepth,
    /// CreateFile: desired access.
    DesiredAccess,
    /// CreateFile: disposition.
    Disposition,
    /// CreateFile: create options.
    Options,
    /// CreateFile: share mode.
    ShareMode,
    /// CreateFile: open result.
    OpenResult,
    /// ReadFile / WriteFile: byte offset.
    Offset,
    /// ReadFile / WriteFile: bytes requested.
    Length,
    /// ReadFile / WriteFile: bytes moved.
    Transferred,
}

/// One output column: its name and where its values come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// The column's name in the table.
    pub name: String,
    /// Its values.
    pub source: Source,
}

/// The typed columns, in the order of the Parquet export.
const TYPED: [(&str, Source); 37] = [
    ("index", Source::Index),
    ("time", Source::Time),
    ("relative_time", Source::RelativeTime),
    ("duration", Source::Duration),
    ("completion_time", Source::CompletionTime),
    ("process_name", Source::Dict(Column::ProcessName)),
    ("pid", Source::Pid),
    ("tid", Source::Tid),
    ("parent_pid", Source::ParentPid),
    ("process_index", Source::ProcessIndex),
    ("event_class", Source::Dict(Column::EventClass)),
    ("operation", Source::Dict(Column::Operation)),
    ("result", Source::Dict(Column::Result)),
    ("result_code", Source::ResultCode),
    ("path", Source::Text(Column::Path)),
    ("detail", Source::Text(Column::Detail)),
    ("category", Source::Dict(Column::Category)),
    ("image_path", Source::Dict(Column::ImagePath)),
    ("command_line", Source::Dict(Column::CommandLine)),
    ("company", Source::Dict(Column::Company)),
    ("description", Source::Dict(Column::Description)),
    ("version", Source::Dict(Column::Version)),
    ("user", Source::Dict(Column::User)),
    ("authentication_id", Source::Dict(Column::AuthenticationId)),
    ("session", Source::Session),
    ("virtualized", Source::Virtualized),
    ("integrity", Source::Dict(Column::Integrity)),
    ("architecture", Source::Dict(Column::Architecture)),
    ("stack_depth", Source::StackDepth),
    ("desired_access", Source::DesiredAccess),
    ("disposition", Source::Disposition),
    ("options", Source::Options),
    ("share_mode", Source::ShareMode),
    ("open_result", Source::OpenResult),
    ("offset", Source::Offset),
    ("length", Source::Length),
    ("transferred", Source::Transferred),
];

/// The typed column that stands for ProcMon's `column` (both time texts are `time`; `Sequence`
/// has none).
fn typed_of(column: Column) -> Option<&'static str> {
    Some(match column {
        Column::TimeOfDay | Column::DateTime => "time",
        Column::Sequence => return None,
        other => {
            let name = other.name().to_ascii_lowercase().replace([' ', '&'], "_");
            return TYPED
                .iter()
                .map(|(n, _)| *n)
                .find(|n| *n == name.replace("__", "_"));
        }
    })
}

/// Whether ProcMon's text of `column` repeats enough to be dictionary-encoded.
fn repeats(column: Column) -> bool {
    column.is_process_level()
        || matches!(
            column,
            Column::EventClass | Column::Operation | Column::Result | Column::Category
        )
}

/// What the caller asked for: `"default"`, `"all"` or a list of names.
pub enum Request {
    /// ProcMon's 7 default columns.
    Default,
    /// Every column.
    All,
    /// These names: typed names (`process_name`) or ProcMon's (`Process Name`).
    Names(Vec<String>),
}

/// The columns of a request. Typed: `default` is `index` and the typed forms of ProcMon's 7,
/// `all` the 37 columns of the Parquet export. Text (`text=True`): ProcMon's columns by their
/// header names, as `pml events --columns` takes them.
pub fn resolve(request: &Request, text: bool) -> Result<Vec<Spec>> {
    if text {
        let columns: Vec<Column> = match request {
            Request::Default => Column::DEFAULT.to_vec(),
            Request::All => Column::ALL.to_vec(),
            Request::Names(names) => names
                .iter()
                .map(|n| Column::from_name(n).ok_or_else(|| unknown(n, text)))
                .collect::<Result<_>>()?,
        };
        return Ok(columns
            .into_iter()
            .map(|c| Spec {
                name: c.name().to_string(),
                source: if repeats(c) {
                    Source::Dict(c)
                } else {
                    Source::Text(c)
                },
            })
            .collect());
    }
    let names: Vec<String> = match request {
        Request::All => TYPED.iter().map(|(n, _)| n.to_string()).collect(),
        Request::Default => std::iter::once("index".to_string())
            .chain(
                Column::DEFAULT
                    .iter()
                    .filter_map(|c| typed_of(*c))
                    .map(str::to_string),
            )
            .collect(),
        Request::Names(names) => names.clone(),
    };
    let mut specs: Vec<Spec> = Vec::with_capacity(names.len());
    for name in &names {
        let typed = TYPED
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
            .map(|(n, _)| *n)
            .or_else(|| Column::from_name(name).and_then(typed_of))
            .ok_or_else(|| unknown(name, text))?;
        if specs.iter().any(|s| s.name == typed) {
            continue; // `Time of Day` and `Date & Time` are both `time`
        }
        let source = TYPED.iter().find(|(n, _)| *n == typed).map(|(_, s)| *s);
        specs.push(Spec {
            name: typed.to_string(),
            source: source.ok_or_else(|| unknown(name, text))?,
        });
    }
    Ok(specs)
}

/// The error for a column name that is not known.
fn unknown(name: &str, text: bool) -> Error {
    let known: Vec<&str> = if text {
        Column::ALL.iter().map(|c| c.name()).collect()
    } else {
        TYPED.iter().map(|(n, _)| *n).collect()
    };
    Error::new(
        Class::Argument,
        format!(
            "unknown column {name:?}; use \"default\", \"all\" or names among: {}{}",
            known.join(", "),
            if text {
                ""
            } else {
                " (or ProcMon's column names)"
            }
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn procmon_names_map_to_typed_columns() {
        for column in Column::ALL {
            if column != Column::Sequence {
                assert!(typed_of(column).is_some(), "{column:?}");
            }
        }
        let specs = resolve(&Request::Default, false).unwrap();
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "index",
                "time",
                "process_name",
                "pid",
                "operation",
                "path",
                "result",
                "detail"
            ]
        );
    }
}
