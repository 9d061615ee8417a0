//! Process Monitor configuration files (`.pmc`): the displayed columns and the filter rules.
//!
//! A PMC file is a list of records `u32 record size, u32 header size (16), u32 header + name
//! size, u32 data size, UTF-16 name (NUL-terminated), data`. This module reads `ColumnCount`
//! and `ColumnMap` (the displayed columns, by column id) and `FilterRules`:
//! `u8 1, u32 count, count × (u32 column id, u32 relation 0-7, u8 action (0 exclude, 1 include),
//! u32 value bytes, UTF-16 value with NUL, u32 value as integer, u32 reserved)`.
//! Every size is checked against the bytes that are there; nothing is allocated from an
//! unchecked count.

use std::path::Path;

use pml_parser::Column;

use crate::filter::{Action, Filter, Relation, Rule};

/// Why a PMC file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PmcError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The bytes are not a PMC file.
    #[error("not a Process Monitor configuration file: {0}")]
    NotPmc(String),
}

/// What a PMC file says about columns and filters.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The displayed columns, in order (columns pml does not know are left out).
    pub columns: Vec<Column>,
    /// The filter rules.
    pub filter: Filter,
    /// The highlight rules (same form as filter rules).
    pub highlight: Filter,
    /// Parts that were skipped: unknown columns or relations, a damaged tail.
    pub warnings: Vec<String>,
}

/// The column with this PMC / ProcMon column id (e.g. 40053 = Process Name).
pub fn column_from_id(id: u32) -> Option<Column> {
    Some(match id {
        40052 => Column::DateTime,
        40053 => Column::ProcessName,
        40054 => Column::Pid,
        40055 => Column::Operation,
        40056 => Column::Result,
        40057 => Column::Detail,
        40058 => Column::Sequence,
        40064 => Column::Company,
        40065 => Column::Description,
        40066 => Column::CommandLine,
        40067 => Column::User,
        40068 => Column::ImagePath,
        40069 => Column::Session,
        40071 => Column::Path,
        40072 => Column::Tid,
        40076 => Column::RelativeTime,
        40077 => Column::Duration,
        40078 => Column::TimeOfDay,
        40081 => Column::Version,
        40082 => Column::EventClass,
        40083 => Column::AuthenticationId,
        40084 => Column::Virtualized,
        40085 => Column::Integrity,
        40086 => Column::Category,
        40087 => Column::ParentPid,
        40088 => Column::Architecture,
        40164 => Column::CompletionTime,
        _ => return None,
    })
}

/// A little-endian reader over a slice that never reads past its end.
struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, at: 0 }
    }

    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let out = self.data.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(out)
    }

    fn u8(&mut self) -> Option<u8> {
        self.bytes(1).map(|b| b[0])
    }

    fn u32(&mut self) -> Option<u32> {
        self.bytes(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// UTF-16LE text up to the first NUL.
fn utf16_text(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

impl Config {
    /// Reads the PMC file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Config, PmcError> {
        let path = path.as_ref();
        let data = std::fs::read(path).map_err(|source| PmcError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Config::parse(&data)
    }

    /// Reads a PMC file's bytes.
    pub fn parse(data: &[u8]) -> Result<Config, PmcError> {
        if data.is_empty() {
            return Err(PmcError::NotPmc("the file is empty".into()));
        }
        let mut config = Config::default();
        let mut column_count: Option<usize> = None;
        let mut column_ids: Vec<u32> = Vec::new();
        let mut records = 0usize;
        let mut at = 0usize;
        while at < data.len() {
            let Some((name, body, size)) = record(&data[at..]) else {
                if records == 0 {
                    return Err(PmcError::NotPmc(format!(
                        "no valid record at the start ({} bytes)",
                        data.len()
                    )));
                }
                config.warnings.push(format!(
                    "the record at byte {at:#x} is damaged; the rest of the file ({} bytes) is ignored",
                    data.len() - at
                ));
                break;
            };
            records += 1;
            at += size;
            match name.as_str() {
                "ColumnCount" => {
                    column_count = Reader::new(body).u32().map(|n| n as usize);
                }
                "ColumnMap" => {
                    column_ids = body
                        .chunks_exact(4)
                        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .collect();
                }
                "FilterRules" => config.filter = rules(body, "filter", &mut config.warnings),
                "HighlightRules" => {
                    config.highlight = rules(body, "highlight", &mut config.warnings)
                }
                _ => {}
            }
        }
        let shown = column_count
            .unwrap_or(column_ids.len())
            .min(column_ids.len());
        for &id in &column_ids[..shown] {
            match column_from_id(id) {
                Some(c) => config.columns.push(c),
                None => config
                    .warnings
                    .push(format!("column id {id} is not one pml knows; left out")),
            }
        }
        Ok(config)
    }
}

/// One record: its name, its data and its total size, or `None` when its sizes are impossible.
fn record(data: &[u8]) -> Option<(String, &[u8], usize)> {
    let mut r = Reader::new(data);
    let size = r.u32()? as usize;
    let header = r.u32()? as usize;
    let header_and_name = r.u32()? as usize;
    let data_size = r.u32()? as usize;
    if header != 16
        || header_and_name < 16
        || header_and_name.checked_add(data_size)? != size
        || size > data.len()
    {
        return None;
    }
    let name = utf16_text(&data[16..header_and_name]);
    Some((name, &data[header_and_name..size], size))
}

/// Reads a rules record; rules pml cannot express are skipped with a warning.
fn rules(body: &[u8], kind: &str, warnings: &mut Vec<String>) -> Filter {
    let mut filter = Filter::default();
    let mut r = Reader::new(body);
    let count = match (r.u8(), r.u32()) {
        (Some(_), Some(count)) => count,
        _ => {
            warnings.push(format!("the {kind} rules record is too short"));
            return filter;
        }
    };
    for i in 0..count {
        let Some((column_id, relation, action, value)) = raw_rule(&mut r) else {
            warnings.push(format!(
                "{kind} rule {} of {count} is cut off; it and the rest are ignored",
                i + 1
            ));
            break;
        };
        let Some(column) = column_from_id(column_id) else {
            warnings.push(format!(
                "{kind} rule {}: column id {column_id} is not one pml knows; skipped",
                i + 1
            ));
            continue;
        };
        let Some(relation) = Relation::from_pmc_code(relation) else {
            warnings.push(format!(
                "{kind} rule {}: relation code {relation} is unknown; skipped",
                i + 1
            ));
            continue;
        };
        let action = if action == 0 {
            Action::Exclude
        } else {
            Action::Include
        };
        match Rule::new(column, relation, value, action) {
            Ok(rule) => filter.push(rule),
            Err(e) => warnings.push(format!("{kind} rule {}: {e}; skipped", i + 1)),
        }
    }
    filter
}

/// One stored rule: column id, relation code, action byte, value.
fn raw_rule(r: &mut Reader<'_>) -> Option<(u32, u32, u8, String)> {
    let column = r.u32()?;
    let relation = r.u32()?;
    let action = r.u8()?;
    let len = r.u32()? as usize;
    let value = utf16_text(r.bytes(len)?);
    let _as_integer = r.u32()?;
    let _reserved = r.u32()?;
    Some((column, relation, action, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: &str, data: &[u8]) -> Vec<u8> {
        let name: Vec<u8> = name
            .encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect();
        let hn = 16 + name.len();
        let mut out = Vec::new();
        for v in [hn + data.len(), 16, hn, data.len()] {
            out.extend((v as u32).to_le_bytes());
        }
        out.extend(name);
        out.extend(data);
        out
    }

    fn rule_bytes(column: u32, relation: u32, action: u8, value: &str) -> Vec<u8> {
        let v: Vec<u8> = value
            .encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect();
        let mut out = Vec::new();
        out.extend(column.to_le_bytes());
        out.extend(relation.to_le_bytes());
        out.push(action);
        out.extend((v.len() as u32).to_le_bytes());
        out.extend(v);
        out.extend([0; 8]);
        out
    }

    #[test]
    fn reads_columns_and_rules_and_skips_unknown_ones() {
        let mut rules = vec![1u8];
        rules.extend(3u32.to_le_bytes());
        rules.extend(rule_bytes(40053, 0, 1, "cl.exe"));
        rules.extend(rule_bytes(1, 0, 1, "x"));
        rules.extend(rule_bytes(40071, 5, 0, ".pdb"));
        let mut file = rec("ColumnCount", &2u32.to_le_bytes());
        let map: Vec<u8> = [40078u32, 40053, 40054]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        file.extend(rec("ColumnMap", &map));
        file.extend(rec("FilterRules", &rules));
        let config = Config::parse(&file).unwrap();
        assert_eq!(config.columns, [Column::TimeOfDay, Column::ProcessName]);
        assert_eq!(config.filter.rules().len(), 2);
        let r = &config.filter.rules()[1];
        assert_eq!(
            (r.column, r.relation, r.value.as_str(), r.action),
            (Column::Path, Relation::EndsWith, ".pdb", Action::Exclude)
        );
        assert_eq!(config.warnings.len(), 1, "{:?}", config.warnings);
    }

    #[test]
    fn damaged_input_never_panics() {
        let mut rules = vec![1u8];
        rules.extend(u32::MAX.to_le_bytes());
        rules.extend(rule_bytes(40053, 0, 1, "cl.exe"));
        let file = rec("FilterRules", &rules);
        let config = Config::parse(&file).unwrap();
        assert_eq!(config.filter.rules().len(), 1);
        for cut in 0..file.len() {
            let _ = Config::parse(&file[..cut]);
        }
        assert!(Config::parse(b"PML_ not a pmc").is_err());
        assert!(Config::parse(&[]).is_err());
    }
}
