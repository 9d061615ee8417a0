//! File patterns (`*`, `?`, `[...]`, `**`) expanded by pml itself: cmd.exe and PowerShell hand
//! `logs\*.pml` to the program as it was typed, and a Unix shell does the same with a quoted
//! pattern.
//!
//! The leading components without wildcards are taken literally, whatever their form: a drive
//! letter (`C:\logs`), a UNC share (`\\server\share`), a long path (`\\?\C:\...`,
//! `\\?\UNC\server\share\...`), or a folder name with brackets in it. Only the components after
//! them are matched, folder by folder. On Windows names match without regard to case, as in
//! cmd.exe and PowerShell: `*.pml` finds ProcMon's `Logfile.PML`.

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};
use glob::{MatchOptions, Pattern};

/// True when `text` holds a wildcard character.
pub fn has_wildcards(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

/// One component of a pattern after its literal start.
enum Part {
    /// A name without wildcards (or `.`, `..`).
    Literal(OsString),
    /// `**`: this folder and every folder below it.
    AnyDepth,
    /// A name with wildcards.
    Wildcard(Pattern),
}

/// How names are compared: without regard to case on Windows.
fn options() -> MatchOptions {
    MatchOptions {
        case_sensitive: !cfg!(windows),
        require_literal_separator: true,
        require_literal_leading_dot: false,
    }
}

/// The files that `pattern` matches, sorted; an error when none does or the pattern is malformed.
pub fn expand_pattern(pattern: &Path) -> Result<Vec<PathBuf>> {
    let text = pattern.to_string_lossy();
    let mut base = PathBuf::new();
    let mut parts = Vec::new();
    for component in pattern.components() {
        let name = component.as_os_str();
        let wild = match component {
            Component::Normal(n) => has_wildcards(&n.to_string_lossy()),
            _ => false,
        };
        if parts.is_empty() && !wild {
            base.push(name);
        } else if !wild {
            parts.push(Part::Literal(name.to_os_string()));
        } else if name == "**" {
            parts.push(Part::AnyDepth);
        } else {
            let name = name.to_string_lossy();
            let compiled = Pattern::new(&name)
                .with_context(|| format!("bad file pattern {text}: in {name}"))?;
            parts.push(Part::Wildcard(compiled));
        }
    }
    if parts.is_empty() {
        // No wildcard outside the prefix (a `?` in `\\?\`): the path names one file.
        return Ok(if pattern.is_file() {
            vec![pattern.to_path_buf()]
        } else {
            Vec::new()
        });
    }
    let folder = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        &base
    };
    if !folder.is_dir() {
        bail!(
            "no file matches {text}: the folder {} does not exist",
            folder.display()
        );
    }
    let mut found = vec![base];
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let mut next = Vec::new();
        for dir in &found {
            match part {
                Part::Literal(name) => next.push(dir.join(name)),
                Part::AnyDepth => folders_below(dir, &mut next),
                Part::Wildcard(p) => matches_in(dir, p, last, &mut next),
            }
        }
        found = next;
    }
    found.retain(|p| p.is_file());
    found.sort();
    found.dedup();
    Ok(found)
}

/// `dir` as a folder to list: `.` for the empty path of a relative pattern.
fn listable(dir: &Path) -> &Path {
    if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }
}

/// Adds the entries of `dir` whose names match `pattern` or equal its text: folders only unless
/// `last`. Folders
/// that cannot be read are passed over, as a shell does.
fn matches_in(dir: &Path, pattern: &Pattern, last: bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(listable(dir)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let text = name.to_string_lossy();
        // A name equal to the pattern text is taken as written (a folder `logs[1]`).
        if text != pattern.as_str() && !pattern.matches_with(&text, options()) {
            continue;
        }
        if last || entry.file_type().is_ok_and(|t| t.is_dir()) {
            out.push(dir.join(name));
        }
    }
}

/// Adds `dir` and every folder below it (not following links to folders, so that a loop of
/// links cannot make the walk endless).
fn folders_below(dir: &Path, out: &mut Vec<PathBuf>) {
    out.push(dir.to_path_buf());
    let Ok(entries) = std::fs::read_dir(listable(dir)) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            folders_below(&dir.join(entry.file_name()), out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch folder with `t.PML`, `t-1.PML`, `other.csv`, `logs[1]\a.pml`, `sub\deep\b.pml`.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pml-wildcards-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["logs[1]", "sub/deep"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        for file in [
            "t.PML",
            "t-1.PML",
            "other.csv",
            "logs[1]/a.pml",
            "sub/deep/b.pml",
        ] {
            std::fs::write(dir.join(file), b"").unwrap();
        }
        dir
    }

    fn names(files: &[PathBuf], dir: &Path) -> Vec<String> {
        files
            .iter()
            .map(|f| {
                let relative = f.strip_prefix(dir).unwrap_or(f);
                relative.to_string_lossy().replace('\\', "/")
            })
            .collect()
    }

    #[test]
    fn patterns_match_names_folders_and_any_depth() {
        let dir = scratch("basic");
        let found = expand_pattern(&dir.join("t*.PML")).unwrap();
        assert_eq!(names(&found, &dir), ["t-1.PML", "t.PML"]);
        // The brackets of a literal folder name are not a pattern.
        let found = expand_pattern(&dir.join("logs[1]").join("*.pml")).unwrap();
        assert_eq!(names(&found, &dir), ["logs[1]/a.pml"]);
        let found = expand_pattern(&dir.join("**").join("*.pml")).unwrap();
        let mut expected = vec!["logs[1]/a.pml", "sub/deep/b.pml"];
        if cfg!(windows) {
            expected.extend(["t-1.PML", "t.PML"]);
        }
        assert_eq!(names(&found, &dir), expected);
        let found = expand_pattern(&dir.join("s*").join("*").join("b.pml")).unwrap();
        assert_eq!(names(&found, &dir), ["sub/deep/b.pml"]);
        assert!(expand_pattern(&dir.join("*.etl")).unwrap().is_empty());
        let err = expand_pattern(&dir.join("[z.pml")).unwrap_err();
        assert!(format!("{err:#}").contains("bad file pattern"), "{err:#}");
        let err = expand_pattern(&dir.join("missing").join("*.pml")).unwrap_err();
        assert!(format!("{err:#}").contains("does not exist"), "{err:#}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// ProcMon names its files `Logfile.PML`: on Windows `*.pml` finds them, as in cmd.exe; a
    /// Unix shell compares case.
    #[test]
    fn case_is_ignored_on_windows_only() {
        let dir = scratch("case");
        let found = expand_pattern(&dir.join("T*.pml")).unwrap();
        let expected: &[&str] = if cfg!(windows) {
            &["t-1.PML", "t.PML"]
        } else {
            &[]
        };
        assert_eq!(names(&found, &dir), expected);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Drive letters with backslashes, and long paths (`\\?\C:\...`), which the glob crate
    /// refuses to expand.
    #[cfg(windows)]
    #[test]
    fn windows_path_forms_are_taken_literally() {
        let dir = scratch("forms");
        let text = dir.to_str().unwrap().replace('/', "\\");
        assert!(
            text.as_bytes().get(1) == Some(&b':'),
            "a drive letter: {text}"
        );
        let found = expand_pattern(Path::new(&format!("{text}\\t*.pml"))).unwrap();
        assert_eq!(found.len(), 2);
        let long = format!("\\\\?\\{text}\\logs[1]\\*.PML");
        let found = expand_pattern(Path::new(&long)).unwrap();
        assert_eq!(found.len(), 1, "{long}");
        assert!(std::fs::metadata(&found[0]).unwrap().is_file());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
