//! The events of a Process Monitor capture written out: CSV byte for byte as ProcMon exports it,
//! typed Parquet for notebooks (feature `parquet`, the only user of polars in pml), JSON Lines,
//! ProcMon's XML (with stacks if asked), or a new capture of the events that pass a filter ("save filtered events").
//!
//! Every format writes the events that pass a [`Query`] to any [`std::io::Write`], in event
//! order, rendering on all cores; [`Export::write_file`] writes a file that appears only once
//! complete ([`pml_parser::AtomicFile`]).
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use pml_analyzer::filter::Filter;
//! use pml_analyzer::Query;
//! use pml_export::{Export, Format};
//! use pml_parser::{Column, OpenOptions, SplitCapture};
//!
//! let capture = SplitCapture::open("Log.PML", OpenOptions::new().salvage(true))?;
//! let query = Query::new(&capture, &Filter::default());
//! let written = Export::new(&query)
//!     .columns(Column::ALL.to_vec())
//!     .write_file(Format::Csv, "Log.csv".as_ref())?;
//! println!("{} events", written.events);
//! # Ok(())
//! # }
//! ```

mod chunked;
mod columns;
mod csv;
mod error;
mod jsonl;
#[cfg(feature = "parquet")]
mod parquet;
mod save;
mod table;
mod xml;

use std::io::Write;
use std::path::Path;

use pml_analyzer::Query;
use pml_parser::{AtomicFile, Column, Progress};

pub use columns::parse_columns;
pub use error::{Error, Result};
pub use jsonl::write_event as write_json_line;
pub use save::{save_filtered, Saved};
pub use table::{csv_field, write_table, TableFormat};
pub use xml::{element_name as xml_element_name, push_escaped as push_xml_escaped};

/// The formats of [`Export`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// CSV byte for byte as ProcMon exports it (UTF-8 BOM, quoted fields, CRLF).
    Csv,
    /// Typed columns for notebooks (pandas, polars, DuckDB), every column; schema in
    /// docs/parquet.md. Needs the `parquet` feature.
    Parquet,
    /// One JSON object per event: `index` and the chosen columns as ProcMon renders them.
    JsonLines,
    /// ProcMon's XML export: the process list, then the events in the chosen columns (and
    /// their stacks with [`Export::stacks`]).
    Xml,
}

impl Format {
    /// The format an output file's extension names: `.parquet`, `.jsonl` / `.ndjson`, `.xml`,
    /// else CSV.
    pub fn of_path(path: &Path) -> Format {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("parquet") => Format::Parquet,
            Some("jsonl" | "ndjson") => Format::JsonLines,
            Some("xml") => Format::Xml,
            _ => Format::Csv,
        }
    }
}

/// What an export wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Events written.
    pub events: u64,
    /// Events that could not be read and were left out.
    pub unreadable: u64,
}

/// An export of the events that pass a query: the columns to write and where progress goes.
pub struct Export<'q, 'c> {
    query: &'q Query<'c>,
    columns: Vec<Column>,
    progress: &'q dyn Progress,
    stacks: bool,
}

impl<'q, 'c> Export<'q, 'c> {
    /// The events that pass `query`, in ProcMon's 7 default columns, without progress reports.
    pub fn new(query: &'q Query<'c>) -> Export<'q, 'c> {
        Export {
            query,
            columns: Column::DEFAULT.to_vec(),
            progress: &(),
            stacks: false,
        }
    }

    /// The columns of CSV and JSON Lines, in output order (Parquet has them all).
    pub fn columns(mut self, columns: Vec<Column>) -> Export<'q, 'c> {
        self.columns = columns;
        self
    }

    /// Writes each event's stack too (XML only, as ProcMon's "include stack traces").
    pub fn stacks(mut self, stacks: bool) -> Export<'q, 'c> {
        self.stacks = stacks;
        self
    }

    /// Reports the events read to `progress`.
    pub fn progress(mut self, progress: &'q dyn Progress) -> Export<'q, 'c> {
        self.progress = progress;
        self
    }

    /// Writes the events in `format` to `out`.
    pub fn write(&self, format: Format, out: &mut (impl Write + Send)) -> Result<Written> {
        match format {
            Format::Csv => csv::write(self, out),
            Format::JsonLines => jsonl::write(self, out),
            Format::Xml => xml::write(self, self.stacks, out),
            #[cfg(feature = "parquet")]
            Format::Parquet => parquet::write_events(self, out),
            #[cfg(not(feature = "parquet"))]
            Format::Parquet => Err(Error::NoParquet),
        }
    }

    /// Writes the events in `format` to a file at `path`, which appears only once complete
    /// (a big CSV is written with direct I/O where the system has it).
    pub fn write_file(&self, format: Format, path: &Path) -> Result<Written> {
        let in_file = |e: Error| e.in_file(path);
        let mut file = match format {
            Format::Csv => AtomicFile::create_direct(path),
            _ => AtomicFile::create(path),
        }
        .map_err(|e| in_file(e.into()))?;
        let written = self.write(format, &mut file).map_err(in_file)?;
        file.commit().map_err(|e| in_file(e.into()))?;
        Ok(written)
    }
}
