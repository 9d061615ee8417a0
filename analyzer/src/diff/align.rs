//! Which process of the good run is which process of the bad run.
//!
//! Processes are paired in rounds, each looser than the one before, among the processes still
//! unpaired; within a round, processes with the same key are paired in start order (the first
//! `cl.exe` of one run with the first of the other):
//!
//! 1. image, place in the tree (the image names of the ancestors) and command line, letter for
//!    letter (case and quotes aside): repeated processes such as many `cl.exe` pair by their
//!    arguments;
//! 2. image, place in the tree and normalized command line (PIDs, temp names, GUIDs, numbers
//!    replaced, see [`normalize`](super::normalize));
//! 3. image and normalized command line, wherever in the tree.
//!
//! A process left over has no partner: it ran in one run only.

use std::collections::HashMap;

use super::profile::{ProcessFacts, Profile};

/// The processes of two runs, paired.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Alignment {
    /// (position in the good profile, position in the bad profile).
    pub pairs: Vec<(usize, usize)>,
    /// Positions in the good profile of processes with no partner.
    pub only_good: Vec<usize>,
    /// Positions in the bad profile of processes with no partner.
    pub only_bad: Vec<usize>,
}

/// A key of one round.
type RoundKey = fn(&ProcessFacts) -> String;

const ROUNDS: [RoundKey; 3] = [
    |p| format!("{}|{}|{}", p.image, p.lineage, p.command_exact),
    |p| format!("{}|{}|{}", p.image, p.lineage, p.command_normalized),
    |p| format!("{}|{}", p.image, p.command_normalized),
];

/// Pairs the processes of `good` and `bad` that did something (at least one event passed the
/// filter).
pub fn align(good: &Profile, bad: &Profile) -> Alignment {
    let active = |p: &Profile| -> Vec<usize> {
        (0..p.processes.len())
            .filter(|&i| p.processes[i].events > 0)
            .collect()
    };
    let mut left_good = active(good);
    let mut left_bad = active(bad);
    let mut pairs = Vec::new();
    for key in ROUNDS {
        let mut waiting: HashMap<String, Vec<usize>> = HashMap::new();
        // Positions are in start order, so each queue is too.
        for &g in &left_good {
            waiting.entry(key(&good.processes[g])).or_default().push(g);
        }
        let mut heads: HashMap<String, usize> = HashMap::new();
        let mut paired_good = Vec::new();
        left_bad.retain(|&b| {
            let k = key(&bad.processes[b]);
            let Some(queue) = waiting.get(&k) else {
                return true;
            };
            let head = heads.entry(k).or_default();
            match queue.get(*head) {
                Some(&g) => {
                    *head += 1;
                    pairs.push((g, b));
                    paired_good.push(g);
                    false
                }
                None => true,
            }
        });
        paired_good.sort_unstable();
        left_good.retain(|g| paired_good.binary_search(g).is_err());
    }
    pairs.sort_unstable();
    Alignment {
        pairs,
        only_good: left_good,
        only_bad: left_bad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::normalize;

    fn profile(procs: &[(&str, &str, &str)]) -> Profile {
        let mut p = Profile::default();
        for (i, (image, lineage, command)) in procs.iter().enumerate() {
            p.by_index.insert(i as u32, i);
            p.processes.push(ProcessFacts {
                index: i as u32,
                image: image.to_string(),
                lineage: lineage.to_string(),
                command_line: command.to_string(),
                command_exact: command.to_lowercase(),
                command_normalized: normalize::command_line(command),
                events: 1,
                ..ProcessFacts::default()
            });
        }
        p
    }

    #[test]
    fn repeated_processes_pair_by_arguments_and_leftovers_are_differences() {
        let good = profile(&[
            ("python.exe", "cmd.exe", "python build.py --pid 100"),
            ("cl.exe", "python.exe<cmd.exe", "cl /c a.cpp"),
            ("cl.exe", "python.exe<cmd.exe", "cl /c b.cpp"),
            ("link.exe", "python.exe<cmd.exe", "link a.obj b.obj"),
        ]);
        let bad = profile(&[
            ("python.exe", "cmd.exe", "python build.py --pid 2424"),
            ("cl.exe", "python.exe<cmd.exe", "cl /c b.cpp"),
            ("cl.exe", "python.exe<cmd.exe", "cl /c a.cpp"),
            ("werfault.exe", "cl.exe<python.exe<cmd.exe", "werfault -p 3"),
        ]);
        let a = align(&good, &bad);
        assert_eq!(a.pairs, [(0, 0), (1, 2), (2, 1)]);
        assert_eq!(a.only_good, [3]);
        assert_eq!(a.only_bad, [3]);
    }

    #[test]
    fn the_same_command_elsewhere_in_the_tree_pairs_last() {
        let good = profile(&[
            ("cl.exe", "msbuild.exe", "cl /c a.cpp"),
            ("cl.exe", "cmd.exe", "cl /c a.cpp"),
        ]);
        let bad = profile(&[("cl.exe", "cmd.exe", "cl /c a.cpp")]);
        let a = align(&good, &bad);
        assert_eq!(a.pairs, [(1, 0)]);
        assert_eq!(a.only_good, [0]);
        let moved = profile(&[("cl.exe", "ninja.exe", "cl /c a.cpp")]);
        assert_eq!(align(&good, &moved).pairs, [(0, 0)]);
    }
}
