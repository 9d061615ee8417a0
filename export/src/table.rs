//! Summary tables (`pml_analyzer::summary::Table`) as CSV, JSON Lines or Parquet.

use std::io::Write;

use pml_analyzer::summary::{Table, Value, ValueType};

use crate::error::Result;

/// The formats of [`write_table`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TableFormat {
    /// A header row and a row per record, fields quoted where they must be, `\n` line ends.
    Csv,
    /// One JSON object per row, keyed by column name, values typed.
    JsonLines,
    /// Text, integer, seconds and UTC timestamp columns (feature `parquet`).
    Parquet,
}

/// Writes `table` in `format` to `out`.
pub fn write_table(table: &Table, format: TableFormat, out: &mut impl Write) -> Result<()> {
    match format {
        TableFormat::Csv => {
            let mut bytes = Vec::new();
            let header = table.columns.iter().map(|(n, _)| n.as_str());
            csv_line(&mut bytes, header);
            for row in &table.rows {
                let cells: Vec<String> = row.iter().map(Value::to_text).collect();
                csv_line(&mut bytes, cells.iter().map(String::as_str));
            }
            out.write_all(&bytes)?;
        }
        TableFormat::JsonLines => {
            let mut bytes = Vec::new();
            for row in &table.rows {
                json_row(&mut bytes, &table.columns, row)?;
            }
            out.write_all(&bytes)?;
        }
        #[cfg(feature = "parquet")]
        TableFormat::Parquet => crate::parquet::write_table(table, out)?,
        #[cfg(not(feature = "parquet"))]
        TableFormat::Parquet => return Err(crate::Error::NoParquet),
    }
    Ok(())
}

/// Appends `field` as a plain CSV field (not ProcMon's dialect): quoted when it holds a comma,
/// a quote or a line end.
pub fn csv_field(out: &mut Vec<u8>, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(field.as_bytes());
    }
}

/// Appends one CSV record.
fn csv_line<'a>(out: &mut Vec<u8>, cells: impl Iterator<Item = &'a str>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        csv_field(out, cell);
    }
    out.push(b'\n');
}

/// Appends a row as a JSON object keyed by the table's column names, in column order.
fn json_row(out: &mut Vec<u8>, columns: &[(String, ValueType)], row: &[Value]) -> Result<()> {
    out.push(b'{');
    for (i, ((name, _), value)) in columns.iter().zip(row).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut *out, name)?;
        out.push(b':');
        serde_json::to_writer(&mut *out, &value.to_json())?;
    }
    out.extend_from_slice(b"}\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            columns: vec![
                ("Name".to_string(), ValueType::Text),
                ("Count".to_string(), ValueType::Int),
            ],
            rows: vec![
                vec![Value::Text("a, \"b\"".into()), Value::Int(3)],
                vec![Value::Text("c".into()), Value::Int(-1)],
            ],
        }
    }

    #[test]
    fn csv_quotes_what_it_must() {
        let mut out = Vec::new();
        write_table(&table(), TableFormat::Csv, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "Name,Count\n\"a, \"\"b\"\"\",3\nc,-1\n"
        );
    }

    #[test]
    fn json_lines_are_typed() {
        let mut out = Vec::new();
        write_table(&table(), TableFormat::JsonLines, &mut out).unwrap();
        let lines: Vec<serde_json::Value> = out
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        assert_eq!(lines[0]["Name"], "a, \"b\"");
        assert_eq!(lines[1]["Count"], -1);
    }
}
