//! How likely a difference explains the failure: a base score per kind of difference, weighed
//! down outside the failing process tree, in background processes and on paths that change in
//! every run, with a bonus for what happened early (a cause comes before its consequences).
//!
//! | kind | base |
//! |---|---:|
//! | an operation failed in BAD, succeeded in GOOD | 100 (40 when GOOD failed otherwise, 20 for a lookup miss) |
//! | a process exited with an error in BAD, 0 in GOOD | 80 |
//! | an operation failed in BAD, never happened in GOOD | 60 (25 for a lookup of something absent, e.g. NAME NOT FOUND) |
//! | a process ran only in BAD | 20, +20 when it exited with an error, +10 when some operation of it failed |
//! | a process ran only in GOOD | 25 |
//! | another exit status change | 40 (20 when BAD exited with 0) |
//! | an operation failed in GOOD but not in BAD | 15 |
//! | activity only in BAD | 15 |
//! | another change of result | 10 |
//! | activity only in GOOD | 10 |
//! | a count that changed (at least twice as many, 4 or more apart) | 3 |
//!
//! Score = (base + 10 × earliness) × weight, where earliness is 1 at the start of the capture
//! and 0 at its end, and weight is the product of 0.2 outside the failing tree, 0.3 for a
//! background process (services, Defender, Explorer, ...) and 0.3 for a path that changes from
//! run to run anyway (temp folders, logs, prefetch, NTFS metadata). A difference linked to an
//! incident `pml analyze` finds in BAD gets 25 more. [`LIKELY_CAUSE`] or more is a likely cause.

/// Scores from here up mark a difference as a likely cause of the failure.
pub const LIKELY_CAUSE: f64 = 50.0;

/// Weight of a difference outside the failing process tree.
pub const OUTSIDE_FAILING_TREE: f64 = 0.2;
/// Weight of a difference in a background process.
pub const BACKGROUND: f64 = 0.3;
/// Weight of a difference on a path that changes from run to run.
pub const VOLATILE_PATH: f64 = 0.3;
/// Added to a difference linked to an incident of BAD.
pub const INCIDENT_BONUS: f64 = 25.0;
/// Most that earliness adds to the base.
pub const EARLINESS: f64 = 10.0;

/// True for an NTSTATUS of severity error (0xC.......).
pub fn is_failure(status: u32) -> bool {
    status >> 30 == 3
}

/// True for a failure that only says something looked for is not there: programs probe search
/// paths this way all the time.
pub fn is_lookup_miss(status: u32) -> bool {
    matches!(
        status,
        0xC000_000F // NO SUCH FILE
            | 0xC000_0033 // NAME INVALID
            | 0xC000_0034 // NAME NOT FOUND
            | 0xC000_003A // PATH NOT FOUND
            | 0xC000_0103 // NOT A DIRECTORY
            | 0xC000_00BA // FILE IS A DIRECTORY
            | 0xC000_0225 // NOT FOUND
            | 0xC000_0275 // NOT REPARSE POINT
            | 0xC000_0023 // BUFFER TOO SMALL
            | 0xC000_0011 // END OF FILE
    )
}

/// Processes that run on every Windows machine whatever the build does.
const BACKGROUND_IMAGES: &[&str] = &[
    "system",
    "registry",
    "idle",
    "smss.exe",
    "csrss.exe",
    "wininit.exe",
    "winlogon.exe",
    "services.exe",
    "lsass.exe",
    "svchost.exe",
    "msmpeng.exe",
    "nissrv.exe",
    "mpcmdrun.exe",
    "mpdefendercoreservice.exe",
    "securityhealthservice.exe",
    "explorer.exe",
    "searchindexer.exe",
    "searchprotocolhost.exe",
    "searchfilterhost.exe",
    "searchhost.exe",
    "searchapp.exe",
    "runtimebroker.exe",
    "taskhostw.exe",
    "sihost.exe",
    "dwm.exe",
    "ctfmon.exe",
    "fontdrvhost.exe",
    "audiodg.exe",
    "spoolsv.exe",
    "wmiprvse.exe",
    "trustedinstaller.exe",
    "tiworker.exe",
    "compattelrunner.exe",
    "onedrive.exe",
    "procmon.exe",
    "procmon64.exe",
    "procexp.exe",
    "procexp64.exe",
    "startmenuexperiencehost.exe",
    "shellexperiencehost.exe",
    "textinputhost.exe",
    "smartscreen.exe",
    "backgroundtaskhost.exe",
    "usocoreworker.exe",
    "musnotification.exe",
    "wudfhost.exe",
    "dllhost.exe",
];

/// True for a process (by lower-case image name) that runs whatever the build does.
pub fn is_background(image: &str) -> bool {
    BACKGROUND_IMAGES.contains(&image)
}

/// Parts of normalized paths that change from run to run whatever the build does.
const VOLATILE_PARTS: &[&str] = &[
    "\\appdata\\local\\temp\\",
    "\\windows\\temp\\",
    "\\windows\\prefetch\\",
    "\\microsoft\\windows\\wer\\",
    "\\appdata\\local\\microsoft\\windows\\inetcache\\",
    "\\system volume information\\",
    "\\$logfile",
    "\\$mft",
    "\\$extend",
    "\\$bitmap",
    "\\pagefile.sys",
    "\\swapfile.sys",
    "\\windows\\servicing\\",
    "\\windows\\logs\\",
    "\\programdata\\microsoft\\windows defender\\",
    "\\services\\bam\\",
    "\\currentversion\\explorer\\",
];

/// Endings of normalized paths that change from run to run.
const VOLATILE_ENDINGS: &[&str] = &[".tmp", ".etl", ".pf", ".log", ".temp"];

/// True for a normalized path (see [`normalize::path`](super::normalize::path)) that changes
/// from run to run whatever the build does.
pub fn is_volatile_path(path: &str) -> bool {
    VOLATILE_PARTS.iter().any(|p| path.contains(p))
        || VOLATILE_ENDINGS.iter().any(|e| path.ends_with(e))
        || path.ends_with("\\temp")
}

/// The weight of a difference (see the module's documentation).
pub fn weight(in_failing_tree: bool, image: &str, path: Option<&str>) -> f64 {
    let mut w = 1.0;
    if !in_failing_tree {
        w *= OUTSIDE_FAILING_TREE;
    }
    if is_background(image) {
        w *= BACKGROUND;
    }
    if path.is_some_and(is_volatile_path) {
        w *= VOLATILE_PATH;
    }
    w
}

/// 1 for the first event of a capture of `events` events, 0 for the last.
pub fn earliness(event: u64, events: u64) -> f64 {
    if events <= 1 {
        return 1.0;
    }
    1.0 - (event.min(events - 1) as f64 / (events - 1) as f64)
}

/// The score of a difference of base `base` (see the module's documentation), to 0.1.
pub fn score(base: f64, earliness: f64, weight: f64) -> f64 {
    round((base + EARLINESS * earliness) * weight)
}

/// `x` to 0.1.
pub fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_lookups_and_weights() {
        assert!(is_failure(0xC000_0022));
        assert!(!is_failure(0x8000_0005));
        assert!(!is_failure(0));
        assert!(is_lookup_miss(0xC000_0034));
        assert!(!is_lookup_miss(0xC000_0022));
        assert!(is_volatile_path(
            "c:\\users\\b\\appdata\\local\\temp\\_cl_#.tmp"
        ));
        assert!(!is_volatile_path("c:\\build\\gen\\config.h"));
        assert_eq!(weight(true, "cl.exe", Some("c:\\build\\a.h")), 1.0);
        assert!((weight(false, "svchost.exe", Some("c:\\x.log")) - 0.018).abs() < 1e-9);
        assert_eq!(earliness(0, 100), 1.0);
        assert_eq!(earliness(99, 100), 0.0);
        assert_eq!(earliness(500, 100), 0.0);
        assert_eq!(score(100.0, 0.5, 1.0), 105.0);
        // A failure that succeeded in GOOD outranks an exit status change at any time.
        assert!(score(100.0, 0.0, 1.0) > score(80.0, 1.0, 1.0));
    }
}
