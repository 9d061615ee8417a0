//! Plain-word explanations of incidents and fix hints that fit the process at fault.

use std::fmt::Write;

use crate::access::conflict_reason;
use crate::findings::{gap_ms, InheritedHandle, SharingViolation, Time};
use crate::paths::Root;
use crate::process_tree::ProcessRef;

/// `python.exe (PID 4242)`.
pub fn who(p: &ProcessRef) -> String {
    let name = if p.name.is_empty() {
        "an unknown process"
    } else {
        &p.name
    };
    format!("{name} (PID {})", p.pid)
}

/// Time of day in UTC, e.g. `01:18:10.7752429Z`.
pub fn clock(t: Time) -> String {
    let full = t.0.to_rfc3339();
    match full.split_once('T') {
        Some((_, time)) => time.to_string(),
        None => full,
    }
}

/// `6.0 ms`, `140 ms`.
pub(crate) fn ms(v: f64) -> String {
    if v.abs() < 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.0} ms")
    }
}

fn failures_sentence(out: &mut String, victims: &[&SharingViolation]) {
    let Some(first) = victims.first() else {
        return;
    };
    let _ = write!(
        out,
        " At {} {} failed to open it with SHARING VIOLATION (asked for {}, sharing {}, event {})",
        clock(first.time),
        who(&first.process),
        first.request.access,
        first.request.share,
        first.event_index
    );
    if victims.len() > 1 {
        let _ = write!(
            out,
            "; {} more opens failed the same way",
            victims.len() - 1
        );
    }
    out.push('.');
}

/// Explains an inherited-handle incident.
pub fn inherited(h: &InheritedHandle, victims: &[&SharingViolation]) -> String {
    let mut out = format!(
        "{} opened {} at {} (event {}) for {}, sharing {}.",
        who(&h.opener),
        h.path,
        clock(h.open.time),
        h.open.event_index,
        h.open.access.access,
        h.open.access.share
    );
    let _ = write!(
        out,
        " {} later it created {} (event {}), which inherited the still-open handle.",
        ms(h.spawn_gap_ms),
        who(&h.child),
        h.spawn_event
    );
    if !h.child.command_line.is_empty() {
        let _ = write!(out, " Child command line: {}.", h.child.command_line);
    }
    let _ = write!(out, " {} never closed the file itself.", h.opener.name);
    failures_sentence(&mut out, victims);
    if let Some(first) = victims.first() {
        let holder = (h.open.access.desired_access, h.open.access.share_mode);
        let request = (first.request.desired_access, first.request.share_mode);
        match conflict_reason(holder, request) {
            Some(reason) => {
                let _ = write!(out, " It failed because {reason}.");
            }
            None => out.push_str(
                " The inherited handle alone does not explain the failure; another open may.",
            ),
        }
    }
    match &h.close {
        Some(c) => {
            let _ = write!(
                out,
                " The last handle was closed by {} at {} (event {}), {} after the open.",
                who(&c.process),
                clock(c.time),
                c.event_index,
                ms(gap_ms(h.open.time.0, c.time.0))
            );
        }
        None => out.push_str(" Nobody closed it before the capture ended."),
    }
    out
}

/// Explains a sharing-violation incident (failures on one path against the same handles).
pub fn sharing(group: &[&SharingViolation]) -> String {
    let Some(first) = group.first() else {
        return String::new();
    };
    let mut out = String::new();
    failures_sentence(&mut out, group);
    let opens = if group.len() == 1 { "open" } else { "opens" };
    let mut out = format!("{} {opens} of {} failed.{}", group.len(), first.path, out);
    if let Some(spelled) = &first.spelled_as {
        out.push(' ');
        out.push_str(&other_spelling(spelled, &first.aliases));
    }
    if first.holders.is_empty() {
        out.push_str(
            " No open of the file is in the capture: it was opened before the capture began, \
             by a process ProcMon did not record, or under another name of the same file.",
        );
        return out;
    }
    for h in &first.holders {
        let _ = write!(
            out,
            " {} held it since {} (event {}) with {}, sharing {}",
            who(&h.process),
            clock(h.open.time),
            h.open.event_index,
            h.open.access.access,
            h.open.access.share
        );
        if h.inherited {
            let _ = write!(out, ", a handle inherited from {}", who(&h.opener));
        }
        let holder = (h.open.access.desired_access, h.open.access.share_mode);
        let request = (first.request.desired_access, first.request.share_mode);
        match conflict_reason(holder, request) {
            Some(reason) => {
                let _ = write!(out, "; the open failed because {reason}.");
            }
            None => out.push_str(", which by itself does not conflict with the request."),
        }
        match &h.close {
            Some(c) => {
                let _ = write!(
                    out,
                    " {} closed it at {} (event {}), {} after the first failure.",
                    who(&c.process),
                    clock(c.time),
                    c.event_index,
                    ms(gap_ms(first.time.0, c.time.0))
                );
            }
            None => out.push_str(" It was still open when the capture ended."),
        }
    }
    out
}

/// "It named the file `spelled`, the same file: this capture shows `\Device\HarddiskVolume3`
/// as `C:` ...".
pub(crate) fn other_spelling(spelled: &str, aliases: &[(u32, u8)]) -> String {
    let mut out = format!("The failed request named it {spelled}, the same file");
    let shown: Vec<String> = aliases
        .iter()
        .map(|&(volume, letter)| {
            format!(
                "{} as {}",
                Root::Volume(volume).spelling(),
                Root::Drive(letter).spelling()
            )
        })
        .collect();
    if shown.is_empty() {
        out.push('.');
    } else {
        let _ = write!(
            out,
            ": this capture shows {} (it spells paths on that volume both ways).",
            shown.join(" and ")
        );
    }
    out
}

fn lower(name: &str) -> String {
    name.to_ascii_lowercase()
}

fn is_python(name: &str) -> bool {
    let n = lower(name);
    n.starts_with("python") || n == "py.exe" || n == "pythonw.exe"
}

/// Antivirus and indexer processes known to open fresh files to scan them.
fn is_scanner(name: &str) -> bool {
    const SCANNERS: [&str; 10] = [
        "msmpeng.exe",
        "nissrv.exe",
        "mssense.exe",
        "mpdefendercoreservice.exe",
        "searchprotocolhost.exe",
        "searchindexer.exe",
        "avp.exe",
        "ccsvchst.exe",
        "csfalconservice.exe",
        "sentinelagent.exe",
    ];
    SCANNERS.contains(&lower(name).as_str())
}

/// Long-lived build servers that keep files open between builds.
fn build_node_fix(name: &str) -> Option<&'static str> {
    Some(match lower(name).as_str() {
        "msbuild.exe" | "dotnet.exe" => {
            "MSBuild.exe is a long-lived build node that outlives the build: run MSBuild with \
             /nodeReuse:false (or set MSBUILDDISABLENODEREUSE=1), or shut the nodes down \
             (`dotnet build-server shutdown`) before touching its outputs."
        }
        "vbcscompiler.exe" => {
            "VBCSCompiler.exe is the shared Roslyn compiler server: build with \
             UseSharedCompilation=false or run `dotnet build-server shutdown`."
        }
        "mspdbsrv.exe" => {
            "mspdbsrv.exe keeps PDB files open between compiles: stop it (`mspdbsrv -stop`) or \
             give parallel builds separate PDB names (/Fd)."
        }
        _ => return None,
    })
}

const WIN32_FIX: &str = "Do not let children inherit the handle: create them with \
     bInheritHandles=FALSE, or pass only the handles they need with \
     PROC_THREAD_ATTRIBUTE_HANDLE_LIST (STARTUPINFOEX); open the file non-inheritable \
     (SECURITY_ATTRIBUTES.bInheritHandle=FALSE, or SetHandleInformation(h, HANDLE_FLAG_INHERIT, 0)); \
     or close it before creating the child.";

const SCANNER_FIX: &str =
    "An antivirus or indexer scanned the fresh file while the build wanted it: \
     exclude the build output folders (and the compilers) from real-time scanning and indexing, \
     or retry the open for a short while.";

/// A fix for a handle leaked into a child by `opener`.
pub fn fix_for_opener(opener: &str) -> String {
    if is_python(opener) {
        return "Python: start children with subprocess and close_fds=True (the default since 3.7; \
                or pass only the handles they need in STARTUPINFO(lpAttributeList={'handle_list': [...]})); \
                avoid os.spawn*/os.system, which inherit every inheritable handle; open the file \
                non-inheritable (os.open(..., os.O_NOINHERIT), os.set_inheritable(fd, False)); or \
                close it before starting the child."
            .to_string();
    }
    if let Some(fix) = build_node_fix(opener) {
        return format!("{fix} {WIN32_FIX}");
    }
    WIN32_FIX.to_string()
}

/// A fix for a lock held by `holder` (which got the handle from `opener` when `inherited`).
pub fn fix_for_holder(holder: &str, opener: &str, inherited: bool) -> String {
    if inherited {
        return fix_for_opener(opener);
    }
    if is_scanner(holder) {
        return SCANNER_FIX.to_string();
    }
    if let Some(fix) = build_node_fix(holder) {
        return fix.to_string();
    }
    format!(
        "{holder} held the file open with a share mode that excludes the failed request: close it \
         before the next step starts, open it with a share mode that allows the other access \
         (FILE_SHARE_READ / FILE_SHARE_WRITE / FILE_SHARE_DELETE), or order the two steps."
    )
}

/// A fix for a delete or rename that `holder` refused by keeping the file open (`target`: it
/// held the file a rename was to replace).
pub fn fix_for_removal(holder: &str, target: bool) -> String {
    let what = if target {
        "replace it by a rename"
    } else {
        "delete or rename it"
    };
    if is_scanner(holder) {
        return format!(
            "{holder}, an antivirus or indexer, opened the fresh file to scan or index it while \
             the build wanted to {what}: exclude the build output folders from real-time scanning and \
             indexing, or retry the step for a short while (MSBuild's Copy and Delete tasks take \
             Retries; wrap DeleteFile / os.remove / MoveFileEx in a retry loop)."
        );
    }
    if let Some(fix) = build_node_fix(holder) {
        return fix.to_string();
    }
    let share = if target {
        "close its handle before the rename (a rename over an open file is refused unless it \
         uses POSIX semantics: SetFileInformationByHandle FileRenameInfoEx with \
         FILE_RENAME_FLAG_REPLACE_IF_EXISTS | FILE_RENAME_FLAG_POSIX_SEMANTICS, and the holder \
         shares delete access)"
    } else {
        "open the file with FILE_SHARE_DELETE (CreateFile's dwShareMode, .NET FileShare.Delete) \
         so that it can be deleted or renamed while open, or close it before the step"
    };
    format!(
        "{holder} kept the file open while the build wanted to {what}. Make the step wait until \
         {holder} has closed it (wait for the test run or tool the build started and left \
         running, or stop it), or make {holder} {share}."
    )
}

/// A fix when the holder is not in the capture.
pub fn fix_unknown_holder() -> String {
    "Capture from before the file is first opened (or without Drop Filtered Events) to see who \
     holds it; `handle.exe <file>` or Resource Monitor show the holder while it happens."
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixes_fit_the_process() {
        assert!(fix_for_opener("python.exe").contains("close_fds=True"));
        assert!(fix_for_opener("build.exe").contains("bInheritHandles=FALSE"));
        assert!(fix_for_holder("MsMpEng.exe", "MsMpEng.exe", false).contains("exclude"));
        assert!(fix_for_holder("MSBuild.exe", "MSBuild.exe", false).contains("/nodeReuse:false"));
        assert!(fix_for_holder("cmd.exe", "python3.exe", true).contains("O_NOINHERIT"));
    }
}
