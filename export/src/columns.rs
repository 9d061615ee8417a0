//! Column lists as users write them.

use pml_parser::Column;

use crate::error::{Error, Result};

/// `default` (ProcMon's 7 default columns), `all` (the 27, in ProcMon's full-export order) or a
/// comma-separated list of column names (case-insensitive).
pub fn parse_columns(text: &str) -> Result<Vec<Column>> {
    match text.trim().to_ascii_lowercase().as_str() {
        "default" => return Ok(Column::DEFAULT.to_vec()),
        "all" => return Ok(Column::ALL.to_vec()),
        _ => {}
    }
    text.split(',')
        .map(|name| {
            Column::from_name(name).ok_or_else(|| Error::UnknownColumn {
                name: name.trim().to_string(),
                known: Column::ALL
                    .iter()
                    .map(|c| c.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_lists() {
        assert_eq!(parse_columns("default").unwrap(), Column::DEFAULT);
        assert_eq!(parse_columns(" ALL ").unwrap(), Column::ALL);
        assert_eq!(
            parse_columns("time of day, PID,Date & Time").unwrap(),
            [Column::TimeOfDay, Column::Pid, Column::DateTime]
        );
        let err = parse_columns("PID,Colour").unwrap_err().to_string();
        assert!(err.contains("\"Colour\""), "{err}");
        assert!(parse_columns("PID,").is_err());
    }
}
