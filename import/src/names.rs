//! ProcMon's names read back into codes: the Operation column into an event class, operation
//! and sub-operation; the Result column into an NTSTATUS. Both tables are built once from the
//! parser's own naming functions, so reading and rendering cannot disagree.

use std::collections::HashMap;
use std::sync::OnceLock;

use pml_parser::ops::{self, fs_op_has_sub_op, operation_name_as};
use pml_parser::render::status;
use pml_parser::EventClass;
use pml_parser::ProcmonBuild;

/// What an Operation name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// Event class.
    pub class: EventClass,
    /// Operation code within the class.
    pub code: u16,
    /// File-system sub-operation (first byte of the detail), else 0.
    pub sub_op: u8,
    /// For network operations: TCP rather than UDP.
    pub is_tcp: bool,
}

/// The operation ProcMon names `name`.
pub fn operation(name: &str) -> Option<Operation> {
    static TABLE: OnceLock<HashMap<&'static str, Operation>> = OnceLock::new();
    TABLE.get_or_init(operation_table).get(name).copied()
}

/// Every operation name ProcMon prints, with what it stands for.
#[cfg(test)]
pub(crate) fn operations() -> impl Iterator<Item = (&'static str, Operation)> {
    static TABLE: OnceLock<HashMap<&'static str, Operation>> = OnceLock::new();
    TABLE
        .get_or_init(operation_table)
        .iter()
        .map(|(name, op)| (*name, *op))
}

fn operation_table() -> HashMap<&'static str, Operation> {
    let mut table = HashMap::new();
    let counts = [
        (EventClass::Process, ops::PROCESS_OPS.len()),
        (EventClass::Registry, 32),
        (EventClass::Network, ops::NETWORK_OPS.len()),
        (EventClass::Profiling, ops::PROFILING_OPS.len()),
        (EventClass::FileSystem, ops::FILE_SYSTEM_OPS.len()),
    ];
    for (class, count) in counts {
        for code in 0..count as u16 {
            let subs = if class == EventClass::FileSystem && fs_op_has_sub_op(code) {
                0..=255u8
            } else {
                0..=0
            };
            for sub_op in subs {
                for (build, is_tcp) in ProcmonBuild::ALL
                    .into_iter()
                    .rev()
                    .flat_map(|b| [(b, false), (b, true)])
                {
                    let name = operation_name_as(build, class, code, sub_op, is_tcp);
                    if name.is_empty() || name.starts_with('<') {
                        continue;
                    }
                    table.entry(name).or_insert(Operation {
                        class,
                        code,
                        sub_op,
                        is_tcp,
                    });
                }
            }
        }
    }
    table
}

/// The NTSTATUS of a Result cell: a name ProcMon prints, `0x` and hex, or empty (pending).
pub fn result_code(cell: &str) -> Option<u32> {
    static TABLE: OnceLock<HashMap<&'static str, u32>> = OnceLock::new();
    let cell = cell.trim();
    if let Some(hex) = cell.strip_prefix("0x").or_else(|| cell.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16).ok();
    }
    TABLE.get_or_init(status_table).get(cell).copied()
}

/// Every code the Result column names: the success, informational, warning and error codes of
/// the system facility in full, and the first 1,024 codes of the other facilities.
fn status_table() -> HashMap<&'static str, u32> {
    let mut table = HashMap::new();
    let mut add = |code: u32| {
        if let Some(name) = status::name(code) {
            table.entry(name).or_insert(code);
        }
    };
    for severity in [0u32, 0x4000, 0x8000, 0xC000] {
        for low in 0..=0xFFFFu32 {
            add((severity << 16) | low);
        }
        for facility in 1..0x40u32 {
            for low in 0..0x400u32 {
                add(((severity | facility) << 16) | low);
            }
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_into_codes() {
        let create = operation("CreateFile").unwrap();
        assert_eq!((create.class, create.code), (EventClass::FileSystem, 20));
        let query = operation("QueryStandardInformationFile").unwrap();
        assert_eq!((query.code, query.sub_op), (25, 5));
        assert_eq!(operation("Process Create").unwrap().code, 1);
        assert!(operation("TCP Send").unwrap().is_tcp);
        assert_eq!(
            operation("RegQueryValue").unwrap().class,
            EventClass::Registry
        );
        assert_eq!(operation("No Such Thing"), None);
        assert_eq!(result_code("SUCCESS"), Some(0));
        assert_eq!(result_code("NAME NOT FOUND"), Some(0xC000_0034));
        assert_eq!(result_code("FAST IO DISALLOWED"), Some(0xC01C_0004));
        assert_eq!(result_code("0xC000046F"), Some(0xC000_046F));
        assert_eq!(result_code(""), Some(0x103));
        assert_eq!(result_code("NOT A RESULT"), None);
    }
}
