//! Process Monitor's CSV and XML exports read back as captures.
//!
//! Bug reports and sandboxes (Cuckoo, CAPE) pass ProcMon's exports around rather than its
//! PML files. [`open`] reads such an export, row by row with bounded memory, and writes it as a
//! PML capture into a temporary file that has no name once opened; every part of pml then
//! works on it as on a capture ProcMon saved. What the export cannot give — stacks and process
//! instances in a CSV, exact durations without the Duration column, the Details pml cannot
//! rebuild (every rebuilt Detail is rendered again and compared with the export's text) — is
//! listed in [`Report::warnings`] under stable codes and never invented.
//!
//! - **CSV**: any subset and order of the 27 columns, UTF-8 with or without BOM, CRLF or LF, the
//!   US format or any other ([`Locale`], worked out from the rows or given).
//! - **XML**: `Procmon /SaveAs x.xml`, with or without stacks, its process list (and the
//!   modules the stacks resolve in) included.
//! - **Damage**: a file cut off or damaged is read up to the damage ([`Report::damage`]).
//!
//! ```no_run
//! let imported = pml_import::open("Logfile.CSV".as_ref(), &pml_import::Options::default())?;
//! println!("{} events", imported.capture.event_count());
//! for w in &imported.report.warnings {
//!     println!("{}: {}", w.code, w.message);
//! }
//! # Ok::<(), pml_import::Error>(())
//! ```

mod build;
mod csv_rows;
mod detail;
mod error;
mod locale;
mod names;
mod report;
mod row;
mod sniff;
mod xml_rows;

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use pml_parser::writer::{PmlWriter, SystemInfo};
use pml_parser::{Capture, Column};

pub use csv_rows::CsvRows;
pub use error::{Damage, Error, Result};
pub use locale::{Locale, LocaleGuess};
pub use names::{operation, result_code, Operation};
pub use report::{Report, Warning};
pub use row::Row;
pub use sniff::{sniff, InputKind, SNIFF_BYTES};
pub use xml_rows::XmlRows;

/// How to read an export.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The regional format; `None` works it out from the rows.
    pub locale: Option<Locale>,
}

/// Rows read ahead to work out the format and the capture's bitness.
const LOOKAHEAD: usize = 2000;

/// The kind of the file at `path`, from its content.
pub fn kind_of_file(path: &Path) -> std::io::Result<Option<InputKind>> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    File::open(path)?
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)?;
    Ok(sniff(&head))
}

/// An export read as a capture.
pub struct Imported {
    /// The capture (its file has no name: it goes away with the capture).
    pub capture: Capture,
    /// What was read, and what the export could not give.
    pub report: Report,
    /// CSV or XML.
    pub kind: InputKind,
}

/// Reads the CSV or XML export at `path` as a capture.
pub fn open(path: &Path, options: &Options) -> Result<Imported> {
    let kind = kind_of_file(path)?.ok_or_else(|| Error::NotAnExport {
        reason: "it starts with neither PML_, a row of ProcMon column names, nor <procmon>".into(),
    })?;
    if kind == InputKind::Pml {
        return Err(Error::NotAnExport {
            reason: "it is a PML capture; open it as one".into(),
        });
    }
    let temp = temp_path();
    let input = BufReader::with_capacity(1 << 20, File::open(path)?);
    let converted = (|| {
        let writer = PmlWriter::create(&temp, unknown_system())?;
        let (_, report) = convert(input, kind, options, writer)?;
        let capture = Capture::open(&temp)?;
        if let Some(build) = report.procmon_build {
            capture.set_procmon_build(pml_parser::BuildDetection {
                build,
                captured_by: None,
                evidence: format!("the layout of the export's QueryDirectory Details ({build})"),
            });
        }
        Ok::<_, Error>(Imported {
            capture,
            report,
            kind,
        })
    })();
    // The capture is mapped: on Unix its name can go now; elsewhere removing may fail and
    // the file stays in the temporary folder.
    let _ = std::fs::remove_file(&temp);
    converted
}

/// The capture machine of an export: an export does not say it, so every detail is empty or
/// zero (the bitness is set from the export's processes).
pub fn unknown_system() -> SystemInfo {
    SystemInfo {
        computer_name: String::new(),
        system_root: String::new(),
        os: pml_parser::OsVersion::default(),
        cpu_count: 0,
        memory_bytes: 0,
        ..SystemInfo::default()
    }
}

fn temp_path() -> PathBuf {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    std::env::temp_dir().join(format!(
        "pml-import-{}-{}.pml",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// The rows of either kind of export.
enum Rows<R: BufRead> {
    Csv(CsvRows<R>),
    Xml(XmlRows<R>),
}

impl<R: BufRead> Rows<R> {
    fn next_row(&mut self, row: &mut Row) -> std::result::Result<bool, Damage> {
        match self {
            Rows::Csv(r) => r.next_row(row),
            Rows::Xml(r) => r.next_row(row),
        }
    }
}

/// Reads the export `input` of `kind` into `writer` (start it with [`unknown_system`]),
/// finishing it; returns the writer's output and what was read. The capture is 32-bit when
/// every process of the export is, else 64-bit, whatever `writer` was started with.
pub fn convert<R: BufRead, W: Write + Seek>(
    mut input: R,
    kind: InputKind,
    options: &Options,
    writer: PmlWriter<W>,
) -> Result<(W, Report)> {
    if input.fill_buf()?.starts_with(sniff::BOM) {
        input.consume(sniff::BOM.len());
    }
    let (mut rows, processes, sessions_listed, mut unknown) = match kind {
        InputKind::Csv(sep) => {
            let rows = CsvRows::new(input, sep)?;
            let unknown = rows.unknown_columns.clone();
            (Rows::Csv(rows), Vec::new(), Vec::new(), unknown)
        }
        InputKind::Xml => {
            let mut rows = XmlRows::new(input)?;
            let processes = std::mem::take(&mut rows.processes);
            let listed = std::mem::take(&mut rows.sessions_listed);
            (Rows::Xml(rows), processes, listed, Vec::new())
        }
        InputKind::Pml => {
            return Err(Error::NotAnExport {
                reason: "it is a PML capture".into(),
            })
        }
    };
    // Read ahead to work out the format, the columns and the bitness.
    let mut ahead: VecDeque<Row> = VecDeque::new();
    let mut damage = None;
    while ahead.len() < LOOKAHEAD {
        let mut row = Row::default();
        match rows.next_row(&mut row) {
            Ok(true) => ahead.push_back(row),
            Ok(false) => break,
            Err(d) => {
                damage = Some(d);
                break;
            }
        }
    }
    let columns: Vec<Column> = match &rows {
        Rows::Csv(r) => r.columns(),
        Rows::Xml(r) => r.columns().to_vec(),
    };
    let locale = options.locale.unwrap_or_else(|| {
        let mut guess = LocaleGuess::default();
        for row in &ahead {
            if let Some(cell) = row.get(Column::DateTime) {
                guess.date_time(cell);
            }
            for c in [Column::TimeOfDay, Column::Duration, Column::RelativeTime] {
                if let Some(cell) = row.get(c) {
                    guess.seconds(cell);
                }
            }
        }
        guess.locale()
    });
    let all_32bit = if processes.is_empty() {
        !ahead.is_empty()
            && ahead
                .iter()
                .all(|r| r.get(Column::Architecture) == Some("32-bit"))
    } else {
        processes.iter().all(|p| !p.is_64bit)
    };
    let info = SystemInfo {
        is_64bit: !all_32bit,
        max_user_address: if all_32bit {
            0x7ffe_ffff
        } else {
            SystemInfo::default().max_user_address
        },
        ..writer.system_info().clone()
    };
    let writer = writer.with_system_info(info);
    let xml = matches!(kind, InputKind::Xml);
    let mut builder = build::Builder::new(writer, locale, &columns, processes, &sessions_listed);
    for row in &ahead {
        builder.push(row)?;
    }
    drop(ahead);
    if damage.is_none() {
        let mut row = Row::default();
        loop {
            match rows.next_row(&mut row) {
                Ok(true) => builder.push(&row)?,
                Ok(false) => break,
                Err(d) => {
                    damage = Some(d);
                    break;
                }
            }
        }
    }
    let (out, mut report) = builder.finish(xml)?;
    if !unknown.is_empty() {
        unknown.sort();
        report.warnings.push(Warning {
            code: "unknown-columns",
            message: format!(
                "columns that are not Process Monitor's were left out: {}",
                unknown.join(", ")
            ),
        });
    }
    if let Some(d) = &damage {
        report.warnings.push(Warning {
            code: "damaged",
            message: format!(
                "the export is damaged at {}: {}; the {} rows before it were read",
                d.at, d.reason, report.rows
            ),
        });
    }
    report.damage = damage;
    Ok((out, report))
}
