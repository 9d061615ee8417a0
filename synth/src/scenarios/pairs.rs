//! Good/bad pairs: two runs of the same build, one that worked and one that failed, that also
//! differ as real reruns do (PIDs, temp names, timing, background noise), with the difference
//! `pml diff` must rank first.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::races::closed_before_spawn;
use super::{seed_race, Pids, Story, GEN_FILE};
use crate::catalog::{self, Program};
use crate::expected::Findings;
use crate::noise::{self, Machine};
use crate::rng::Rng;
use crate::timeline::{status, Open, Proc, Timeline, MS};
use crate::{Error, Options, Result};

/// The pairs [`pair`] writes.
pub const PAIRS: &[&str] = &["missing-header", "sharing-violation"];

/// Which run of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Run {
    /// The run that worked.
    Good,
    /// The run that failed.
    Bad,
}

/// A difference `pml diff` must report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ExpectedDifference {
    /// Kind, as `pml diff --json` names it (`failed-only-in-bad`, ...).
    pub kind: &'static str,
    /// Process name.
    pub process: &'static str,
    /// Operation, for activity differences.
    pub operation: Option<&'static str>,
    /// Path, for activity differences.
    pub path: Option<&'static str>,
    /// GOOD's result (or exit status).
    pub good_result: Option<&'static str>,
    /// BAD's result (or exit status).
    pub bad_result: Option<&'static str>,
}

/// What `pml diff GOOD BAD` must find for a pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ExpectedDiff {
    /// The pair.
    pub pair: String,
    /// The seed of the good run (the bad run's is the next one).
    pub seed: u64,
    /// Events of the good run.
    pub good_events: u64,
    /// Events of the bad run.
    pub bad_events: u64,
    /// The difference that must rank first: the cause.
    pub top: ExpectedDifference,
    /// Differences that must score as likely causes too (consequences of the cause).
    pub also: Vec<ExpectedDifference>,
    /// The incident `pml analyze` finds in BAD that the top difference links to (from 1).
    pub incident: Option<usize>,
}

/// `OUT.good.pml`, `OUT.bad.pml` and `OUT.diff.json` for `OUT.pml`: where [`pair`] writes.
pub fn pair_paths(out: &Path) -> (PathBuf, PathBuf, PathBuf) {
    (
        out.with_extension("good.pml"),
        out.with_extension("bad.pml"),
        out.with_extension("diff.json"),
    )
}

/// Writes pair `name` (one of [`PAIRS`]) beside `out` (see [`pair_paths`]): the good run with
/// `options.seed`, the bad run with the next seed, and the expected differences as JSON.
pub fn pair(name: &str, out: &Path, options: &Options) -> Result<ExpectedDiff> {
    let (good, bad, json) = pair_paths(out);
    let good_events = run(name, Run::Good, &good, options)?;
    let bad_options = Options {
        seed: options.seed.wrapping_add(1),
        ..options.clone()
    };
    let bad_events = run(name, Run::Bad, &bad, &bad_options)?;
    let expected = expected(name, options.seed, good_events, bad_events)
        .ok_or_else(|| Error::UnknownScenario { name: name.into() })?;
    // Plain structs with string keys: serde_json cannot fail on them.
    let mut text = serde_json::to_string_pretty(&expected).expect("the expectation serializes");
    text.push('\n');
    let write = || -> std::io::Result<()> {
        let mut file = pml_parser::AtomicFile::create(&json)?;
        std::io::Write::write_all(&mut file, text.as_bytes())?;
        file.commit()
    };
    write().map_err(|source| Error::io(&json, source))?;
    Ok(expected)
}

/// Writes one run of pair `name` to `out`; returns its number of events. Two good runs of
/// different seeds differ only as reruns do.
pub fn run(name: &str, which: Run, out: &Path, options: &Options) -> Result<u64> {
    let Some(timeline) = build(name, which, options.seed, options.is_64bit) else {
        return Err(Error::UnknownScenario { name: name.into() });
    };
    timeline
        .write(out, "BUILD01", options.cut_off)
        .map_err(|source| Error::io(out, source))
}

fn build(name: &str, which: Run, seed: u64, wide: bool) -> Option<Timeline> {
    if !PAIRS.contains(&name) {
        return None;
    }
    let mut rng = Rng::new(seed ^ 0xD1FF_0000_0000 ^ name.len() as u64);
    let mut tl = Timeline::new(wide, rng.fork());
    let m = Machine::boot(&mut tl, &mut rng);
    let mut pids = Pids::new(&m);
    let mut findings = Findings::default();
    let mut s = Story {
        tl: &mut tl,
        rng: rng.fork(),
        m: &m,
        pids: &mut pids,
        f: &mut findings,
    };
    // Reruns start at slightly different times.
    let t0 = s.tl.at(250 + s.rng.below(100));
    let end = match (name, which) {
        ("missing-header", _) => missing_header(&mut s, t0, which),
        ("sharing-violation", Run::Good) => closed_before_spawn(&mut s, t0),
        ("sharing-violation", Run::Bad) => seed_race(&mut s, t0, GEN_FILE),
        _ => return None,
    };
    let end_ms = (end - tl.t0) / MS;
    noise::fill(&mut tl, &mut rng, &m, 0, end_ms + 400);
    Some(tl)
}

/// The generated header of the missing-header pair.
const CONFIG_H: &str = "C:\\build\\gen\\config.h";

/// STATUS_ACCESS_DENIED.
const ACCESS_DENIED: u32 = 0xC000_0022;

/// The sources the build compiles, whether they include the generated header, and their sizes.
const SOURCES: &[(&str, bool, u64)] = &[
    ("main", true, 6_120),
    ("lexer", false, 18_400),
    ("parser", true, 41_250),
];

/// python.exe writes `config.h`, compiles three sources with cl.exe and links them. In the bad
/// run the CreateFile of `config.h` fails with ACCESS DENIED (something else held it), the
/// script goes on, the two compilers that include it fail with NAME NOT FOUND and exit with 2,
/// the link never runs and python.exe exits with 1.
fn missing_header(s: &mut Story, t0: u64, which: Run) -> u64 {
    let bad = which == Run::Bad;
    let log = format!(
        "C:\\Users\\builder\\AppData\\Local\\Temp\\build-{:x}.log",
        0x1000_0000 + s.rng.below(0x6FFF_FFFF)
    );
    let command = format!("\"C:\\Python312\\python.exe\" build.py --jobs 1 --log {log}");
    let (python, t) = spawn(s, s.m.shell, t0, &catalog::PYTHON, &command);
    let mut t = s.read(python, t, "C:\\build\\build.py", 14_380);
    s.tl.create_file(python, python.tid, t, &log, Open::WRITE, status::SUCCESS);
    t += MS;
    if bad {
        s.tl.create_file(python, python.tid, t, CONFIG_H, Open::WRITE, ACCESS_DENIED);
        t += MS;
    } else {
        t = s.write_new(python, t, CONFIG_H, 2);
        s.tl.close_file(python, python.tid, t + 100, CONFIG_H);
        t += MS;
    }
    let mut failed = false;
    for &(source, includes_config, size) in SOURCES {
        let rsp = format!(
            "C:\\Users\\builder\\AppData\\Local\\Temp\\_CL_{:08x}.rsp",
            0x1000_0000 + s.rng.below(0x6FFF_FFFF)
        );
        let command = format!(
            "cl.exe /nologo /c /EHsc /IC:\\build\\gen C:\\build\\src\\{source}.cpp \
             /FoC:\\build\\obj\\{source}.obj @{rsp}"
        );
        let (cl, t1) = spawn(s, python, t + 2 * MS, &catalog::CL, &command);
        let mut t1 = s.read(cl, t1, &rsp, 180);
        t1 = s.read(cl, t1, &format!("C:\\build\\src\\{source}.cpp"), size);
        let mut ok = true;
        if includes_config {
            if bad {
                s.tl.probe_missing(cl, cl.tid, t1, CONFIG_H);
                t1 += MS;
                ok = false;
            } else {
                t1 = s.read(cl, t1, CONFIG_H, 2_048);
            }
        }
        if ok {
            let obj = format!("C:\\build\\obj\\{source}.obj");
            t1 = s.write_new(cl, t1, &obj, 3);
            s.tl.close_file(cl, cl.tid, t1 + 50, &obj);
            t1 += MS;
        }
        s.tl.exit(cl, t1 + 2 * MS, if ok { 0 } else { 2 });
        failed |= !ok;
        t = t1 + 5 * MS + s.rng.below(3 * MS);
    }
    if !failed {
        let (link, mut t1) = s.start(python, t, &catalog::LINK);
        for &(source, _, _) in SOURCES {
            t1 = s.read(link, t1, &format!("C:\\build\\obj\\{source}.obj"), 12_288);
        }
        t1 = s.write_new(link, t1, "C:\\build\\bin\\app.exe", 6);
        s.tl.close_file(link, link.tid, t1 + 50, "C:\\build\\bin\\app.exe");
        s.tl.exit(link, t1 + 3 * MS, 0);
        t = t1 + 10 * MS;
    }
    s.tl.close_file(python, python.tid, t, &log);
    s.tl.exit(python, t + 5 * MS, u32::from(failed));
    t + 80 * MS
}

/// `parent` starts `program` with `command_line` under a fresh PID; the child does its startup
/// reads. Returns the child and the time after them.
fn spawn(
    s: &mut Story,
    parent: Proc,
    t: u64,
    program: &'static Program,
    command_line: &str,
) -> (Proc, u64) {
    let pid = s.fresh_pid();
    let (child, t) =
        s.tl.spawn(parent, parent.tid, t, program, pid, command_line);
    let t = s.startup_reads(child, t);
    (child, t)
}

/// What `pml diff` must find for pair `name`.
fn expected(name: &str, seed: u64, good_events: u64, bad_events: u64) -> Option<ExpectedDiff> {
    let d = |kind, process, operation, path, good_result, bad_result| ExpectedDifference {
        kind,
        process,
        operation,
        path,
        good_result,
        bad_result,
    };
    let exit = |process, good, bad| {
        d(
            "exit-status-changed",
            process,
            None,
            None,
            Some(good),
            Some(bad),
        )
    };
    let (top, also, incident) = match name {
        "missing-header" => (
            d(
                "failed-only-in-bad",
                "python.exe",
                Some("CreateFile"),
                Some(CONFIG_H),
                Some("SUCCESS"),
                Some("ACCESS DENIED"),
            ),
            vec![
                d(
                    "failed-only-in-bad",
                    "cl.exe",
                    Some("CreateFile"),
                    Some(CONFIG_H),
                    Some("SUCCESS"),
                    Some("NAME NOT FOUND"),
                ),
                exit("cl.exe", "0", "2"),
                exit("python.exe", "0", "1"),
            ],
            None,
        ),
        "sharing-violation" => (
            d(
                "failed-only-in-bad",
                "cl.exe",
                Some("CreateFile"),
                Some(GEN_FILE),
                Some("SUCCESS"),
                Some("SHARING VIOLATION"),
            ),
            vec![exit("python.exe", "0", "1")],
            Some(1),
        ),
        _ => return None,
    };
    Some(ExpectedDiff {
        pair: name.into(),
        seed,
        good_events,
        bad_events,
        top,
        also,
        incident,
    })
}
