//! ProcMon's own activity: what the exclusions of its default filter hide, so that findings are
//! about the programs under investigation and not about the tool that watched them.
//!
//! Left out (unless `Options::include_procmon`):
//! - every event of Process Monitor, Process Explorer and Autoruns (`Procmon.exe`,
//!   `Procmon64.exe`, `Procmon64a.exe`, `Procexp*.exe`, `Autoruns*.exe`);
//! - file events on the paging files (`pagefile.sys`, `swapfile.sys`) and on the NTFS metadata
//!   files (`$Mft`, `$MftMirr`, `$LogFile`, `$Volume`, `$AttrDef`, `$Root`, `$Bitmap`, `$Boot`,
//!   `$BadClus`, `$Secure`, `$UpCase`, anything under `$Extend`);
//! - file events on the capture's own backing files: the real-time ETW session file ProcMon's
//!   trace writes through `System` (`...\LogFiles\WMI\RtBackup\EtwRTPROCMON TRACE.etl`).
//!
//! Unlike ProcMon's default filter, the `System` process itself is kept: it holds files too.

use crate::model::{ProcessInfo, Record};

/// Process names (upper case) of the Sysinternals tools ProcMon's default filter hides.
const TOOL_PROCESSES: [&str; 9] = [
    "PROCMON.EXE",
    "PROCMON64.EXE",
    "PROCMON64A.EXE",
    "PROCEXP.EXE",
    "PROCEXP64.EXE",
    "PROCEXP64A.EXE",
    "AUTORUNS.EXE",
    "AUTORUNS64.EXE",
    "AUTORUNS64A.EXE",
];

/// Path endings (upper case, with their backslash) that are ProcMon's or the file system's own.
const NOISE_ENDINGS: [&str; 13] = [
    "\\PAGEFILE.SYS",
    "\\SWAPFILE.SYS",
    "\\$MFT",
    "\\$MFTMIRR",
    "\\$LOGFILE",
    "\\$VOLUME",
    "\\$ATTRDEF",
    "\\$ROOT",
    "\\$BITMAP",
    "\\$BOOT",
    "\\$BADCLUS",
    "\\$SECURE",
    "\\$UPCASE",
];

/// Path parts (upper case) that mark a path as ProcMon's or the file system's own.
const NOISE_PARTS: [&str; 2] = ["\\$EXTEND", "\\RTBACKUP\\ETWRTPROCMON"];

/// True when `name` is the process name of a Sysinternals tool ProcMon hides by default.
pub fn is_tool_process(name: &str) -> bool {
    TOOL_PROCESSES.iter().any(|t| t.eq_ignore_ascii_case(name))
}

/// True when `path` is a file ProcMon's default filter hides (paging files, NTFS metadata,
/// ProcMon's ETW backing file).
pub fn is_noise_path(path: &str) -> bool {
    let units: Vec<u16> = path.to_ascii_uppercase().encode_utf16().collect();
    is_noise_units(&units)
}

/// [`is_noise_path`] for a path already upper-cased as UTF-16 code units.
pub fn is_noise_units(upper: &[u16]) -> bool {
    // Cheap tests first: most paths have no `$` and end neither in `.SYS` nor in `.ETL`.
    if ends_with(upper, ".ETL") {
        return contains(upper, NOISE_PARTS[1]);
    }
    if ends_with(upper, ".SYS") {
        return NOISE_ENDINGS[..2].iter().any(|e| ends_with(upper, e));
    }
    upper.contains(&u16::from(b'$'))
        && (NOISE_ENDINGS[2..].iter().any(|e| ends_with(upper, e))
            || contains(upper, NOISE_PARTS[0]))
}

fn ends_with(units: &[u16], ascii: &str) -> bool {
    let b = ascii.as_bytes();
    units.len() >= b.len()
        && units[units.len() - b.len()..]
            .iter()
            .zip(b)
            .all(|(&u, &c)| u == u16::from(c))
}

fn contains(units: &[u16], ascii: &str) -> bool {
    let b = ascii.as_bytes();
    units
        .windows(b.len())
        .any(|w| w.iter().zip(b).all(|(&u, &c)| u == u16::from(c)))
}

/// The process indices of the tools' processes, for a quick look-up per event.
#[derive(Debug, Clone, Default)]
pub struct ToolProcesses {
    by_index: Vec<bool>,
}

/// Process indices above this are looked up as "not a tool" (a corrupt table cannot make the
/// look-up table huge).
const MAX_INDEXED: u32 = 1 << 20;

impl ToolProcesses {
    /// The tools among `processes`.
    pub fn of<'p>(processes: impl IntoIterator<Item = &'p ProcessInfo>) -> ToolProcesses {
        let mut by_index = Vec::new();
        for p in processes {
            if p.process_index < MAX_INDEXED && is_tool_process(&p.name) {
                let at = p.process_index as usize;
                if by_index.len() <= at {
                    by_index.resize(at + 1, false);
                }
                by_index[at] = true;
            }
        }
        ToolProcesses { by_index }
    }

    /// True when the process with this index is one of the tools.
    #[inline]
    pub fn contains(&self, process_index: u32) -> bool {
        self.by_index
            .get(process_index as usize)
            .copied()
            .unwrap_or(false)
    }
}

/// True when a record made by hand is ProcMon's own activity (what the extraction leaves out
/// of a capture).
pub fn is_noise_record(record: &Record, tools: &ToolProcesses) -> bool {
    match record {
        Record::File(f) => tools.contains(f.process_index) || is_noise_path(&f.path),
        Record::Process(p) => tools.contains(p.process_index),
        Record::Name(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tools_and_their_files_are_noise_and_nothing_else() {
        assert!(is_tool_process("Procmon64.exe"));
        assert!(is_tool_process("procexp.EXE"));
        assert!(!is_tool_process("System"));
        assert!(!is_tool_process("procmon64.exe.bak"));
        for noise in [
            r"C:\pagefile.sys",
            r"C:\$Mft",
            r"C:\$Extend\$UsnJrnl:$J:$DATA",
            r"C:\Windows\System32\LogFiles\WMI\RtBackup\EtwRTPROCMON TRACE.etl",
        ] {
            assert!(is_noise_path(noise), "{noise}");
        }
        for real in [
            r"C:\build\pagefile.sys.txt",
            r"C:\src\$Mft.cs",
            r"C:\Windows\System32\LogFiles\WMI\RtBackup\EtwRTEventLog-System.etl",
            r"C:\a.sys",
            "",
        ] {
            assert!(!is_noise_path(real), "{real}");
        }
    }

    #[test]
    fn tool_processes_are_found_by_index() {
        let p = |index, name: &str| ProcessInfo {
            process_index: index,
            name: name.to_string(),
            ..ProcessInfo::default()
        };
        let tools = ToolProcesses::of(&[
            p(3, "Procmon64.exe"),
            p(5, "cl.exe"),
            p(u32::MAX, "Procmon.exe"),
        ]);
        assert!(tools.contains(3));
        assert!(!tools.contains(5));
        assert!(!tools.contains(4));
        assert!(!tools.contains(u32::MAX));
    }
}
