//! ProcMon releases print some columns differently. Which release a capture came from, and the
//! families of releases that print alike (docs/pml-format.md, "Builds").
//!
//! A capture does not record the ProcMon that exports it, only traces of the one that captured
//! it: the PML version, and the version resources of ProcMon's driver (`PROCMON24.SYS`, in the
//! System process's module list, which even a filtered save keeps) and of `Procmon.exe`
//! wherever a process loaded it. The exporter is usually the capturer, or a later release.

use std::fmt;
use std::str::FromStr;

use crate::capture::Capture;
use crate::tables::Process;

/// A family of ProcMon releases that render captures alike.
///
/// Each family is named by the releases seen rendering that way; the boundaries between seen
/// releases are estimates (docs/fidelity.md).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProcmonBuild {
    /// ProcMon 2.x, which writes PML version 7 (seen: 2.8 on Windows XP): SetInformationFile
    /// class 0x13 is `SetAllInformationFile`; QueryDirectory printed as by 3.0-3.4x.
    V2,
    /// ProcMon 3.0 to 3.4x (seen: 3.40): QueryDirectory prints no `FileInformationClass`.
    V3_4,
    /// ProcMon 3.50 to 3.5x (seen: 3.53): QueryDirectory stores `FileInformationClass` in the
    /// third field; information classes from 0x46 are `<Unknown>`.
    V3_5,
    /// ProcMon 3.60 and later (seen: 3.86): QueryDirectory prints `FileInformationClass` first;
    /// information classes from 0x46 and RegSaveKey, RegLoadKey (19), RegRestoreKey are named.
    V3_6,
}

impl ProcmonBuild {
    /// Every family, oldest first.
    pub const ALL: [ProcmonBuild; 4] = [
        ProcmonBuild::V2,
        ProcmonBuild::V3_4,
        ProcmonBuild::V3_5,
        ProcmonBuild::V3_6,
    ];

    /// The releases of the family: `2.x`, `3.0-3.4x`, `3.5x`, `3.6+`.
    pub fn name(self) -> &'static str {
        match self {
            ProcmonBuild::V2 => "2.x",
            ProcmonBuild::V3_4 => "3.0-3.4x",
            ProcmonBuild::V3_5 => "3.5x",
            ProcmonBuild::V3_6 => "3.6+",
        }
    }

    /// The family of ProcMon `major.minor` (minor in hundredths: 3.4 is `(3, 40)`).
    pub fn from_version(major: u32, minor: u32) -> ProcmonBuild {
        match (major, minor) {
            (0..=2, _) => ProcmonBuild::V2,
            (3, 0..=49) => ProcmonBuild::V3_4,
            (3, 50..=59) => ProcmonBuild::V3_5,
            _ => ProcmonBuild::V3_6,
        }
    }

    /// Detects the family to render `capture` as; the result is kept by the capture, see
    /// [`Capture::procmon_build`].
    pub fn detect(capture: &Capture) -> BuildDetection {
        detect(capture)
    }

    /// True when the family names the information classes 0x46 and above and the registry
    /// operations 18-20 (ProcMon 3.60 and later).
    pub(crate) fn names_newer_operations(self) -> bool {
        self >= ProcmonBuild::V3_6
    }
}

impl fmt::Display for ProcmonBuild {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A text that names no ProcMon build.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown ProcMon build {0:?}: expected a ProcMon version such as 3.53 or 3.89, or a family: 2.x, 3.0-3.4x, 3.5x, 3.6+")]
pub struct ProcmonBuildError(String);

impl FromStr for ProcmonBuild {
    type Err = ProcmonBuildError;

    /// A family name (`3.5x`, `3.6+`, `3.0-3.4x`, `2.x`) or a ProcMon version (`3.53`, `3.4`,
    /// `2.8.0.0`, `v4.01`).
    fn from_str(text: &str) -> Result<ProcmonBuild, ProcmonBuildError> {
        let t = text.trim();
        if let Some(build) = ProcmonBuild::ALL
            .into_iter()
            .find(|b| b.name().eq_ignore_ascii_case(t))
        {
            return Ok(build);
        }
        let t = t.trim_start_matches(['v', 'V']);
        let t = t.strip_suffix(['x', 'X', '+']).unwrap_or(t);
        parse_version(t)
            .map(|(major, minor)| ProcmonBuild::from_version(major, minor))
            .ok_or_else(|| ProcmonBuildError(text.to_string()))
    }
}

/// What [`ProcmonBuild::detect`] found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BuildDetection {
    /// The family the capture is rendered as.
    #[serde(serialize_with = "serialize_build")]
    pub build: ProcmonBuild,
    /// The version of the ProcMon that captured, when the capture names it (e.g. `3.51`).
    pub captured_by: Option<String>,
    /// How the family was chosen, e.g. `PROCMON24.SYS 3.51 (System's modules)`.
    pub evidence: String,
}

fn serialize_build<S: serde::Serializer>(build: &ProcmonBuild, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(build.name())
}

impl Capture {
    /// The ProcMon build family this capture is rendered as by default, and why; detected on
    /// first use from the PML version and the version resources of ProcMon's driver and
    /// executable in the process table, unless [`Capture::set_procmon_build`] said it first.
    pub fn procmon_build(&self) -> &BuildDetection {
        self.build.get_or_init(|| detect(self))
    }

    /// Says which build the capture is rendered as, for a capture whose origin tells more than
    /// its process table (one read back from an export, whose Details show the layout of the
    /// ProcMon that printed them). False when the build was already detected or set.
    pub fn set_procmon_build(&self, detection: BuildDetection) -> bool {
        self.build.set(detection).is_ok()
    }
}

/// `3.51` as `(3, 51)`, `3.4` as `(3, 40)`, `2.8.0.0` as `(2, 80)`: the minor number in
/// hundredths, as ProcMon numbers its releases.
fn parse_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().split('.');
    let major: u32 = parts.next()?.parse().ok()?;
    let minor = match parts.next() {
        None => 0,
        Some(m) if !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()) => {
            let digits = &m[..m.len().min(2)];
            let value: u32 = digits.parse().ok()?;
            if digits.len() == 1 {
                value * 10
            } else {
                value
            }
        }
        Some(_) => return None,
    };
    (major < 100).then_some((major, minor))
}

/// A ProcMon image found in the process table.
struct Trace {
    /// `PROCMON24.SYS`, `Procmon.exe`...
    name: String,
    /// Its version resource, parsed.
    version: Option<(u32, u32)>,
    /// Its version resource as stored.
    version_text: String,
    /// The number in the driver's name (`PROCMON24.SYS` → 24).
    driver_number: Option<u32>,
}

/// The ProcMon driver's number: `procmon23.sys` → 23.
fn driver_number(file: &str) -> Option<u32> {
    let lower = file.to_ascii_lowercase();
    let digits = lower.strip_prefix("procmon")?.strip_suffix(".sys")?;
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    digits.parse().ok()
}

/// True for ProcMon's executables: `Procmon.exe`, `Procmon64.exe`, `Procmon64a.exe`.
fn is_procmon_exe(file: &str) -> bool {
    let lower = file.to_ascii_lowercase();
    lower
        .strip_prefix("procmon")
        .and_then(|rest| rest.strip_suffix(".exe"))
        .is_some_and(|mid| mid.len() <= 3 && mid.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn file_name(path: &str) -> &str {
    path.rsplit(['\\', '/']).next().unwrap_or(path)
}

/// ProcMon's driver and executables among the processes and their modules.
fn traces(processes: &[&Process]) -> Vec<Trace> {
    let mut out: Vec<Trace> = Vec::new();
    let mut add = |path: &str, version: &str| {
        let name = file_name(path);
        let driver = driver_number(name);
        if driver.is_none() && !is_procmon_exe(name) {
            return;
        }
        if out
            .iter()
            .any(|t| t.name.eq_ignore_ascii_case(name) && t.version_text == version)
        {
            return;
        }
        out.push(Trace {
            name: name.to_string(),
            version: parse_version(version),
            version_text: version.to_string(),
            driver_number: driver,
        });
    };
    for p in processes {
        add(&p.image_path, &p.version);
        for m in &p.modules {
            add(&m.path, &m.version);
        }
    }
    out
}

fn detect(capture: &Capture) -> BuildDetection {
    let header = capture.header();
    let processes: Vec<&Process> = capture.processes().iter().collect();
    let traces = traces(&processes);
    let describe = |t: &Trace| {
        if t.version_text.is_empty() {
            t.name.clone()
        } else {
            format!("{} {}", t.name, t.version_text)
        }
    };
    // The driver captured; a ProcMon executable (there may be several) says which release
    // loaded it when the driver has no version resource.
    let driver = traces
        .iter()
        .filter(|t| t.driver_number.is_some())
        .max_by_key(|t| (t.version, t.driver_number));
    let exe = traces
        .iter()
        .filter(|t| t.driver_number.is_none() && t.version.is_some())
        .max_by_key(|t| t.version);
    let versioned = driver.filter(|d| d.version.is_some()).or(exe);
    let captured_by = versioned.map(|t| t.version_text.clone());
    let mut found: Vec<String> = driver
        .iter()
        .chain(exe.iter())
        .map(|t| describe(t))
        .collect();
    found.dedup();
    let found = if found.is_empty() {
        "no ProcMon image in the process table".to_string()
    } else {
        found.join(", ")
    };

    if header.version < 9 {
        return BuildDetection {
            build: ProcmonBuild::V2,
            captured_by,
            evidence: format!("PML version {}; {found}", header.version),
        };
    }
    if let Some((major, minor)) = versioned.and_then(|t| t.version) {
        let build = match ProcmonBuild::from_version(major, minor) {
            // Two ProcMon 3.4 captures were exported by different releases, one printing as
            // 3.4 did and one as 3.5x did; 3.5x is chosen (docs/fidelity.md).
            ProcmonBuild::V3_4 => ProcmonBuild::V3_5,
            // A 2.x capture written again as version 9 (by pml before it kept the version):
            // still 2.x events.
            build => build,
        };
        return BuildDetection {
            build,
            captured_by,
            evidence: found,
        };
    }
    // No version: Windows 11 came after ProcMon 3.60 (unity-basic-64bit: 3.86 on build 22000).
    let build = if header.os.major >= 10 && header.os.build >= 22_000 {
        ProcmonBuild::V3_6
    } else {
        ProcmonBuild::V3_5
    };
    BuildDetection {
        build,
        captured_by,
        evidence: format!("{found}; by the OS ({})", header.os.display_name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_in_hundredths() {
        assert_eq!(parse_version("3.51"), Some((3, 51)));
        assert_eq!(parse_version("3.4"), Some((3, 40)));
        assert_eq!(parse_version("2.8.0.0"), Some((2, 80)));
        assert_eq!(parse_version("4.01"), Some((4, 1)));
        assert_eq!(parse_version("3"), Some((3, 0)));
        for bad in ["", "n/a", "3.x", "3.", "-1.2", "1000.1", "3.4a"] {
            assert_eq!(parse_version(bad), None, "{bad}");
        }
    }

    #[test]
    fn families_by_release() {
        use ProcmonBuild::*;
        for (text, build) in [
            ("2.8.0.0", V2),
            ("3.4", V3_4),
            ("3.40", V3_4),
            ("3.53", V3_5),
            ("3.5x", V3_5),
            ("3.60", V3_6),
            ("3.86", V3_6),
            ("4.01", V3_6),
            ("v3.89", V3_6),
            ("3.6+", V3_6),
            ("2.x", V2),
            ("3.0-3.4x", V3_4),
        ] {
            assert_eq!(text.parse::<ProcmonBuild>().unwrap(), build, "{text}");
        }
        for bad in ["", "latest", "3.x.y", "three"] {
            assert!(bad.parse::<ProcmonBuild>().is_err(), "{bad}");
        }
        for build in ProcmonBuild::ALL {
            assert_eq!(build.name().parse::<ProcmonBuild>().unwrap(), build);
        }
    }

    #[test]
    fn procmon_images_are_recognised_by_name() {
        assert_eq!(driver_number("PROCMON24.SYS"), Some(24));
        assert_eq!(driver_number("procmon20.sys"), Some(20));
        assert_eq!(driver_number("procmon.sys"), None);
        assert_eq!(driver_number("ntoskrnl.exe"), None);
        assert!(is_procmon_exe("Procmon.exe"));
        assert!(is_procmon_exe("Procmon64.exe"));
        assert!(is_procmon_exe("procmon64a.exe"));
        assert!(!is_procmon_exe("procmon-parser.exe"));
        assert!(!is_procmon_exe("ProcmonHelper.exe"));
    }
}
