//! What paired processes did differently, and the processes of one run only, each difference
//! scored by [`rank`].

use std::collections::BTreeMap;

use pml_parser::render::status;

use super::align::Alignment;
use super::profile::{Activity, ActivityKey, ProcessFacts, Profile};
use super::rank::{self, is_failure};
use super::{
    Diff, DiffKind, DiffProcess, DiffSummary, Difference, Outcome, SideSummary, UnpairedProcess,
};
use crate::hash::{FxHashMap, FxHashSet};
use crate::paths;
use crate::Analysis;

/// A count change this big or bigger (and at least twice as many) is a difference.
const COUNT_GAP: u64 = 4;

/// Compares the runs, unsorted and unlinked.
pub(super) fn compare(good: &Profile, bad: &Profile, alignment: &Alignment) -> Diff {
    let focus = Focus::new(good, bad, alignment);
    let mut differences = Vec::new();
    for &(gi, bi) in &alignment.pairs {
        let (g, b) = (&good.processes[gi], &bad.processes[bi]);
        let cmp = Pair {
            good,
            bad,
            g,
            b,
            in_tree: focus.bad.contains(&b.index),
        };
        cmp.exit_status(&mut differences);
        cmp.activity(&mut differences);
    }
    let only_good = unpaired(good, &alignment.only_good);
    let only_bad = unpaired(bad, &alignment.only_bad);
    for (&i, u) in alignment.only_good.iter().zip(&only_good) {
        let p = &good.processes[i];
        differences.push(process_only(
            p,
            u,
            good,
            false,
            focus.good.contains(&p.index),
        ));
    }
    for (&i, u) in alignment.only_bad.iter().zip(&only_bad) {
        let p = &bad.processes[i];
        differences.push(process_only(p, u, bad, true, focus.bad.contains(&p.index)));
    }
    let failing_processes = bad
        .processes
        .iter()
        .filter(|p| p.events > 0 && p.exit_status.is_some_and(|s| s != 0))
        .map(|p| {
            format!(
                "{} (PID {}): {}",
                p.name,
                p.pid,
                exit_text(p.exit_status.unwrap_or_default())
            )
        })
        .collect();
    Diff {
        differences,
        processes_only_in_good: only_good,
        processes_only_in_bad: only_bad,
        summary: DiffSummary {
            good: side_summary(good),
            bad: side_summary(bad),
            aligned_processes: alignment.pairs.len(),
            likely_cause_score: rank::LIKELY_CAUSE,
            failing_processes,
            ..DiffSummary::default()
        },
    }
}

fn side_summary(p: &Profile) -> SideSummary {
    let active = p.processes.iter().filter(|f| f.events > 0);
    SideSummary {
        events: p.events,
        matched_events: p.matched,
        unreadable_events: p.unreadable,
        processes: active.clone().count(),
        keys: active.map(|f| f.activity.len()).sum(),
    }
}

/// The failing process tree of BAD, and the processes of GOOD that correspond to it: BAD's
/// processes that exited with an error, what they started, and their ancestors started during
/// the capture. When no process failed: the processes started during the capture (background
/// ones aside) and what they started.
struct Focus {
    bad: FxHashSet<u32>,
    good: FxHashSet<u32>,
}

impl Focus {
    fn new(good: &Profile, bad: &Profile, alignment: &Alignment) -> Focus {
        let failing: Vec<u32> = bad
            .processes
            .iter()
            .filter(|p| p.events > 0 && p.exit_status.is_some_and(|s| s != 0))
            .map(|p| p.index)
            .collect();
        let own = |p: &Profile| -> Vec<u32> {
            p.processes
                .iter()
                .filter(|f| f.started_in_capture && !rank::is_background(&f.image))
                .map(|f| f.index)
                .collect()
        };
        let mut bad_set = if failing.is_empty() {
            descendants(bad, own(bad))
        } else {
            descendants(bad, failing.clone())
        };
        for &f in &failing {
            bad_set.extend(
                bad.ancestors(f)
                    .filter(|&a| bad.process(a).is_some_and(|p| p.started_in_capture)),
            );
        }
        let mut good_roots: Vec<u32> = alignment
            .pairs
            .iter()
            .filter(|(_, b)| bad_set.contains(&bad.processes[*b].index))
            .map(|(g, _)| good.processes[*g].index)
            .collect();
        if failing.is_empty() {
            good_roots.extend(own(good));
        }
        Focus {
            bad: bad_set,
            good: descendants(good, good_roots),
        }
    }
}

/// `roots` and every process below them.
fn descendants(p: &Profile, roots: Vec<u32>) -> FxHashSet<u32> {
    let mut children: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for f in &p.processes {
        if let Some(parent) = f.parent {
            children.entry(parent).or_default().push(f.index);
        }
    }
    let mut seen: FxHashSet<u32> = FxHashSet::default();
    let mut todo = roots;
    while let Some(i) = todo.pop() {
        if seen.insert(i) {
            todo.extend(children.get(&i).into_iter().flatten());
        }
    }
    seen
}

/// Two paired processes.
struct Pair<'a> {
    good: &'a Profile,
    bad: &'a Profile,
    g: &'a ProcessFacts,
    b: &'a ProcessFacts,
    in_tree: bool,
}

impl Pair<'_> {
    fn process(&self) -> DiffProcess {
        DiffProcess {
            name: self.b.name.clone(),
            command_line: self.b.command_line.clone(),
            pid_good: Some(self.g.pid),
            pid_bad: Some(self.b.pid),
            process_index_good: Some(self.g.index),
            process_index_bad: Some(self.b.index),
        }
    }

    fn exit_status(&self, out: &mut Vec<Difference>) {
        let (Some(gs), Some(bs)) = (self.g.exit_status, self.b.exit_status) else {
            return;
        };
        if gs == bs {
            return;
        }
        let base = match (gs, bs) {
            (0, _) => 80.0,
            (_, 0) => 20.0,
            _ => 40.0,
        };
        let early = rank::earliness(self.b.exit_event.unwrap_or_default(), self.bad.events);
        let weight = rank::weight(self.in_tree, &self.b.image, None);
        let exit = |s: u32| Outcome {
            result: Some(exit_text(s)),
            count: 1,
            results: BTreeMap::from([(exit_text(s), 1)]),
        };
        out.push(Difference {
            kind: DiffKind::ExitStatusChanged,
            process: self.process(),
            operation: None,
            path: None,
            good: exit(gs),
            bad: exit(bs),
            score: rank::score(base, early, weight),
            incident: None,
            in_failing_tree: self.in_tree,
            explanation: format!(
                "exited with {} in BAD, {} in GOOD",
                exit_text(bs),
                exit_text(gs)
            ),
        });
    }

    fn activity(&self, out: &mut Vec<Difference>) {
        for (key, b) in &self.b.activity {
            out.extend(self.compare_key(key, self.g.activity.get(key), Some(b)));
        }
        for (key, g) in &self.g.activity {
            if !self.b.activity.contains_key(key) {
                out.extend(self.compare_key(key, Some(g), None));
            }
        }
    }

    fn compare_key(
        &self,
        (operation, path): &ActivityKey,
        g: Option<&Activity>,
        b: Option<&Activity>,
    ) -> Option<Difference> {
        let (kind, base, good_result, bad_result, explanation) = match (g, b) {
            (Some(g), Some(b)) => {
                let new_failure = most_frequent(b, |r| is_failure(r) && g.count_of(r) == 0);
                let lost_failure = most_frequent(g, |r| is_failure(r) && b.count_of(r) == 0);
                if let Some(fail) = new_failure {
                    let usual = most_frequent(g, |_| true);
                    let text = format!(
                        "{operation} failed with {} in BAD ({}x); in GOOD it got {} ({}x)",
                        result_text(fail),
                        b.count_of(fail),
                        usual.map(result_text).unwrap_or_default(),
                        usual.map_or(0, |u| g.count_of(u)),
                    );
                    // Failing differently where GOOD failed too matters less.
                    let base = if g.results.iter().any(|&(r, _)| !is_failure(r)) {
                        100.0
                    } else if rank::is_lookup_miss(fail) {
                        20.0
                    } else {
                        40.0
                    };
                    (DiffKind::FailedOnlyInBad, base, usual, Some(fail), text)
                } else if let Some(fail) = lost_failure {
                    let usual = most_frequent(b, |_| true);
                    let text = format!(
                        "{operation} failed with {} only in GOOD ({}x); in BAD it got {}",
                        result_text(fail),
                        g.count_of(fail),
                        usual.map(result_text).unwrap_or_default(),
                    );
                    (DiffKind::ResultChanged, 15.0, Some(fail), usual, text)
                } else if g.results.iter().any(|&(r, _)| b.count_of(r) == 0)
                    || b.results.iter().any(|&(r, _)| g.count_of(r) == 0)
                {
                    let text = format!(
                        "{operation}: {} in GOOD, {} in BAD",
                        results_text(g),
                        results_text(b)
                    );
                    let (gr, br) = (most_frequent(g, |_| true), most_frequent(b, |_| true));
                    (DiffKind::ResultChanged, 10.0, gr, br, text)
                } else {
                    let (gn, bn) = (g.total(), b.total());
                    if gn.abs_diff(bn) < COUNT_GAP || gn.max(bn) < 2 * gn.min(bn) {
                        return None;
                    }
                    let text = format!("{operation}: {gn}x in GOOD, {bn}x in BAD");
                    let (gr, br) = (most_frequent(g, |_| true), most_frequent(b, |_| true));
                    (DiffKind::CountChanged, 3.0, gr, br, text)
                }
            }
            (None, Some(b)) => match most_frequent(b, is_failure) {
                Some(fail) => {
                    let base = if rank::is_lookup_miss(fail) {
                        25.0
                    } else {
                        60.0
                    };
                    let text = format!(
                        "{operation} failed with {} in BAD ({}x); GOOD never did it",
                        result_text(fail),
                        b.count_of(fail)
                    );
                    (DiffKind::FailedOnlyInBad, base, None, Some(fail), text)
                }
                None => {
                    let r = most_frequent(b, |_| true);
                    let text = format!(
                        "{operation} only in BAD ({}x, {})",
                        b.total(),
                        results_text(b)
                    );
                    (DiffKind::OnlyInBad, 15.0, None, r, text)
                }
            },
            (Some(g), None) => {
                let r = most_frequent(g, |_| true);
                let text = format!(
                    "{operation} only in GOOD ({}x, {}): BAD never did it",
                    g.total(),
                    results_text(g)
                );
                (DiffKind::OnlyInGood, 10.0, r, None, text)
            }
            (None, None) => return None,
        };
        let first = match b {
            Some(b) => rank::earliness(b.first_event, self.bad.events),
            None => rank::earliness(g.map_or(0, |g| g.first_event), self.good.events),
        };
        let weight = rank::weight(self.in_tree, &self.b.image, Some(path));
        let example = b.or(g).map(|a| a.example.clone());
        Some(Difference {
            kind,
            process: self.process(),
            operation: Some(operation.to_string()),
            path: example,
            good: outcome(g, good_result),
            bad: outcome(b, bad_result),
            score: rank::score(base, first, weight),
            incident: None,
            in_failing_tree: self.in_tree,
            explanation,
        })
    }
}

/// The result of `a` that passes `keep` with the most events (the first seen on a tie).
fn most_frequent(a: &Activity, keep: impl Fn(u32) -> bool) -> Option<u32> {
    let mut best: Option<(u32, u64)> = None;
    for &(r, n) in &a.results {
        if keep(r) && best.is_none_or(|(_, m)| n > m) {
            best = Some((r, n));
        }
    }
    best.map(|(r, _)| r)
}

fn outcome(a: Option<&Activity>, result: Option<u32>) -> Outcome {
    let Some(a) = a else {
        return Outcome::default();
    };
    Outcome {
        result: result.map(result_text),
        count: result.map_or(0, |r| a.count_of(r)),
        results: a
            .results
            .iter()
            .map(|&(r, n)| (result_text(r), n))
            .collect(),
    }
}

/// A result as ProcMon prints it.
fn result_text(code: u32) -> String {
    let mut s = String::new();
    status::write(code, &mut s);
    s
}

/// Every result of `a` with its count, most frequent first.
fn results_text(a: &Activity) -> String {
    let mut results = a.results.clone();
    results.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    results
        .iter()
        .map(|&(r, n)| format!("{} {n}x", result_text(r)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An exit status as a person reads it: small codes in decimal, NTSTATUS in hex.
pub(super) fn exit_text(status: u32) -> String {
    if status > 0xFFFF {
        format!("0x{status:08X}")
    } else {
        status.to_string()
    }
}

fn unpaired(p: &Profile, positions: &[usize]) -> Vec<UnpairedProcess> {
    positions
        .iter()
        .map(|&i| {
            let f = &p.processes[i];
            UnpairedProcess {
                name: f.name.clone(),
                command_line: f.command_line.clone(),
                pid: f.pid,
                process_index: f.index,
                parent: f
                    .parent
                    .and_then(|parent| p.process(parent))
                    .map(|parent| parent.name.clone()),
                exit_status: f.exit_status,
                events: f.events,
                failures: f
                    .activity
                    .values()
                    .flat_map(|a| &a.results)
                    .filter(|(r, _)| is_failure(*r))
                    .map(|(_, n)| n)
                    .sum(),
            }
        })
        .collect()
}

fn process_only(
    f: &ProcessFacts,
    u: &UnpairedProcess,
    run: &Profile,
    in_bad: bool,
    in_tree: bool,
) -> Difference {
    let parent = u.parent.as_deref().unwrap_or("an unknown process");
    let first = f
        .activity
        .values()
        .map(|a| a.first_event)
        .min()
        .unwrap_or_default();
    let early = rank::earliness(first, run.events);
    let weight = rank::weight(in_tree, &f.image, None);
    let status = u.exit_status.map(exit_text);
    let (kind, base, explanation) = if in_bad {
        let mut base = 20.0;
        let mut text = format!("ran only in BAD, started by {parent}");
        if let Some(s) = u.exit_status.filter(|&s| s != 0) {
            base += 20.0;
            text.push_str(&format!("; exited with {}", exit_text(s)));
        }
        if u.failures > 0 {
            base += 10.0;
            text.push_str(&format!("; {} operations failed", u.failures));
        }
        (DiffKind::ProcessOnlyInBad, base, text)
    } else {
        let text = format!("ran only in GOOD, started by {parent}: BAD never started it");
        (DiffKind::ProcessOnlyInGood, 25.0, text)
    };
    let side = Outcome {
        result: status.clone(),
        count: 1,
        results: status.map(|s| (s, 1)).into_iter().collect(),
    };
    let (good, bad) = if in_bad {
        (Outcome::default(), side)
    } else {
        (side, Outcome::default())
    };
    Difference {
        kind,
        process: DiffProcess {
            name: f.name.clone(),
            command_line: f.command_line.clone(),
            pid_good: (!in_bad).then_some(f.pid),
            pid_bad: in_bad.then_some(f.pid),
            process_index_good: (!in_bad).then_some(f.index),
            process_index_bad: in_bad.then_some(f.index),
        },
        operation: None,
        path: None,
        good,
        bad,
        score: rank::score(base, early, weight),
        incident: None,
        in_failing_tree: in_tree,
        explanation,
    }
}

/// Links each difference of a BAD process to the incident of `analysis` on the same path that
/// involves that process (for a difference without a path: an incident whose victim it is),
/// and raises its score by [`rank::INCIDENT_BONUS`].
pub(super) fn link_incidents(diff: &mut Diff, analysis: &Analysis) {
    let incidents: Vec<(paths::PathKey, Vec<u32>, Vec<u32>)> = analysis
        .incidents
        .iter()
        .map(|i| {
            let involved = [&i.opener, &i.child, &i.closer]
                .into_iter()
                .flatten()
                .chain(&i.holders)
                .chain(&i.victims)
                .map(|p| p.process_index)
                .collect();
            let victims = i.victims.iter().map(|p| p.process_index).collect();
            (paths::key(&i.path), involved, victims)
        })
        .collect();
    for d in &mut diff.differences {
        let Some(process) = d.process.process_index_bad else {
            continue;
        };
        let key = d.path.as_deref().map(paths::key);
        let found = incidents
            .iter()
            .position(|(path, involved, victims)| match key {
                Some(k) => k == *path && involved.contains(&process),
                None => victims.contains(&process),
            });
        if let Some(n) = found {
            d.incident = Some(n + 1);
            d.score = rank::round(d.score + rank::INCIDENT_BONUS);
            d.explanation
                .push_str(&format!(" (incident #{} of pml analyze)", n + 1));
        }
    }
}
