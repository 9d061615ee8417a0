//! ProcMon's CSV export read row by row: any subset and order of its 27 columns, UTF-8 with or
//! without a byte-order mark, CRLF or LF line ends, quoted or bare fields.

use std::io::Read;

use pml_parser::Column;

use crate::error::{Damage, Error};
use crate::row::Row;

/// The rows of a CSV export.
pub struct CsvRows<R: Read> {
    reader: csv::Reader<R>,
    columns: Vec<Option<Column>>,
    record: csv::ByteRecord,
    /// Header names that are not ProcMon columns.
    pub unknown_columns: Vec<String>,
}

impl<R: Read> CsvRows<R> {
    /// Reads the header row; an export without a single ProcMon column name is refused.
    pub fn new(input: R, separator: u8) -> Result<CsvRows<R>, Error> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(separator)
            .flexible(true)
            .has_headers(false)
            .from_reader(input);
        let mut header = csv::ByteRecord::new();
        let read = reader
            .read_byte_record(&mut header)
            .map_err(|e| Error::NotAnExport {
                reason: format!("the header row cannot be read: {e}"),
            })?;
        if !read {
            return Err(Error::NotAnExport {
                reason: "the file is empty".into(),
            });
        }
        let mut columns = Vec::with_capacity(header.len());
        let mut unknown_columns = Vec::new();
        for (i, name) in header.iter().enumerate() {
            let name = String::from_utf8_lossy(name);
            let name = if i == 0 {
                name.trim_start_matches('\u{feff}')
            } else {
                &name
            };
            let column = Column::from_name(name.trim().trim_matches('"'));
            if column.is_none() {
                unknown_columns.push(name.to_string());
            }
            columns.push(column);
        }
        if columns.iter().all(Option::is_none) {
            return Err(Error::NotAnExport {
                reason: "its first row names none of Process Monitor's columns".into(),
            });
        }
        Ok(CsvRows {
            reader,
            columns,
            record: csv::ByteRecord::new(),
            unknown_columns,
        })
    }

    /// The columns the export has, in its order.
    pub fn columns(&self) -> Vec<Column> {
        self.columns.iter().flatten().copied().collect()
    }

    /// Reads the next row into `row`; `Ok(false)` at the end, `Err` where the file is damaged.
    pub fn next_row(&mut self, row: &mut Row) -> Result<bool, Damage> {
        row.clear();
        let line = self.reader.position().line();
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => Ok(false),
            Ok(true) => {
                if self.record.len() != self.columns.len() {
                    // A blank last line is no damage.
                    if self.record.len() == 1 && self.record[0].is_empty() {
                        return self.next_row(row);
                    }
                    return Err(Damage {
                        at: format!("line {}", line + 1),
                        reason: format!(
                            "{} fields where the header has {} (the file is cut off or not one export)",
                            self.record.len(),
                            self.columns.len()
                        ),
                    });
                }
                for (column, cell) in self.columns.iter().zip(self.record.iter()) {
                    if let Some(column) = column {
                        row.set(*column, String::from_utf8_lossy(cell).into_owned());
                    }
                }
                Ok(true)
            }
            Err(e) => Err(Damage {
                at: format!("line {}", line + 1),
                reason: e.to_string(),
            }),
        }
    }
}
