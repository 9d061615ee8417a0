//! `pml synth bulk`: a large capture of realistic background activity, generated from
//! precomputed event bundles (each an open-use-close or registry sequence with its blobs
//! already laid out) replayed with fresh times and threads, with known incidents embedded at
//! random points and listed in the expected findings.

use std::path::Path;

use pml_parser::writer::{encode_stack, PmlWriter, TID_OFFSET, TIME_OFFSET};
use pml_parser::EVENT_HEADER_SIZE;

use crate::catalog;
use crate::expected::{Expected, Findings};
use crate::noise::{self, Machine};
use crate::rng::Rng;
use crate::scenarios::{self, Pids, Story};
use crate::timeline::{add_machine_tables, system_info, SynthEvent, Timeline};
use crate::{write_expected, Error, Options, Result};

/// What [`bulk`] generates.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkOptions {
    /// Seed, bitness and cut-off, as for a scenario.
    pub capture: Options,
    /// Total number of events. Default 1,000,000.
    pub events: u64,
    /// Give the background events stack traces (the planted incidents always have them).
    /// Default `false`.
    pub stacks: bool,
}

impl Default for BulkOptions {
    fn default() -> BulkOptions {
        BulkOptions {
            capture: Options::default(),
            events: 1_000_000,
            stacks: false,
        }
    }
}

/// Number of precomputed bundles.
const BUNDLES: usize = 4096;

/// Mean gap between bundles, in 100 ns ticks (about 25,000 events per second of capture).
const MEAN_GAP: u64 = 160;

/// One event of a bundle, serialized once: the header (time and thread patched per use), the
/// stack bytes and the blobs.
struct Template {
    dt: u64,
    head: [u8; EVENT_HEADER_SIZE],
    stack: Vec<u8>,
    event: SynthEvent,
}

/// A replayable sequence of events of one process; times are relative to the first event.
struct Bundle {
    events: Vec<Template>,
    /// Threads of the process it may run on.
    tids: [u32; 3],
}

/// Project-like paths (sources, objects, caches) so the capture has many distinct paths.
fn path_pool(rng: &mut Rng) -> Vec<String> {
    const ROOTS: [&str; 4] = [
        "C:\\Users\\builder\\source\\repos",
        "D:\\work",
        "C:\\Users\\builder\\AppData\\Local\\Packages\\cache",
        "C:\\ProgramData\\Tools",
    ];
    const WORDS: [&str; 12] = [
        "core", "net", "ui", "render", "audio", "storage", "auth", "parser", "codec", "util", "io",
        "sched",
    ];
    const EXTS: [&str; 6] = ["cpp", "h", "json", "txt", "dat", "log"];
    (0..2000)
        .map(|i| {
            format!(
                "{}\\proj{}\\{}\\{}_{}.{}",
                rng.pick(&ROOTS),
                rng.below(40),
                rng.pick(&WORDS),
                rng.pick(&WORDS),
                i,
                rng.pick(&EXTS)
            )
        })
        .collect()
}

fn bundles(tl: &mut Timeline, rng: &mut Rng, m: &Machine, pids: &mut Pids) -> Vec<Bundle> {
    let files = path_pool(rng);
    let mut threads = m.threads(tl);
    // More long-running desktop processes than the scenarios have.
    for program in [
        &catalog::CODE,
        &catalog::INDEXER,
        &catalog::ONEDRIVE,
        &catalog::SVCHOST,
    ] {
        let parent = if program.account == catalog::Account::User {
            Some(m.explorer)
        } else {
            None
        };
        let p = tl.running(program, pids.fresh(rng), parent, 1_200_000);
        threads.push((p, [p.tid, tl.new_tid(), tl.new_tid()]));
    }
    let mut out = Vec::with_capacity(BUNDLES);
    let t0 = tl.t0;
    while out.len() < BUNDLES {
        let (p, tids) = *rng.pick(&threads);
        noise::activity(tl, rng, m, p, tids[0], t0, &files);
        let wide = tl.is_64bit();
        let events: Vec<Template> = tl
            .take_events()
            .into_iter()
            .map(|e| {
                let mut stack = Vec::new();
                encode_stack(wide, &e.stack, &mut stack);
                Template {
                    dt: e.time - t0,
                    head: e.record(e.time, e.tid, true).header_bytes(),
                    stack,
                    event: e,
                }
            })
            .collect();
        // System's log flushes run on System's own threads.
        let tids = if events
            .first()
            .is_some_and(|e| e.event.process_index == m.system.index)
        {
            [8, 12, 16]
        } else {
            tids
        };
        out.push(Bundle { events, tids });
    }
    out
}

/// Writes a bulk capture to `output` and its expected findings beside it (at
/// [`expected_path`](crate::expected_path)`(output)`); returns those findings.
///
/// The capture has `events` events of realistic background activity (Explorer, service hosts,
/// Defender, VS Code, the search indexer, OneDrive) with `clamp(events / 500,000, 2, 40)`
/// seed-race and antivirus-lock incidents planted at random points.
pub fn bulk(output: &Path, o: &BulkOptions) -> Result<Expected> {
    let Options {
        seed,
        is_64bit: wide,
        cut_off,
    } = o.capture;
    let mut rng = Rng::new(seed ^ 0xB01C);
    let mut tl = Timeline::new(wide, rng.fork());
    let m = Machine::boot(&mut tl, &mut rng);
    let mut pids = Pids::new(&m);
    let bundles = bundles(&mut tl, &mut rng, &m, &mut pids);
    let singles: Vec<usize> = (0..bundles.len())
        .filter(|&i| bundles[i].events.len() == 1)
        .collect();
    // Many activities are one event (a failed probe, a thread start, a log flush): among
    // thousands of bundles some always are.
    assert!(
        !singles.is_empty(),
        "no single-event bundle to fill the end with"
    );

    // Incidents at random points of the expected time span.
    let span = o.events * MEAN_GAP * 9 / 10;
    let planted = (o.events / 500_000).clamp(2, 40);
    let mut f = Findings::default();
    let mut starts: Vec<u64> = (0..planted)
        .map(|_| tl.t0 + rng.below(span.max(1)))
        .collect();
    starts.sort_unstable();
    let mut last_end = 0;
    for (k, start) in starts.into_iter().enumerate() {
        let start = start.max(last_end);
        let mut story = Story {
            tl: &mut tl,
            rng: rng.fork(),
            m: &m,
            pids: &mut pids,
            f: &mut f,
        };
        last_end = if k % 2 == 0 {
            let path = format!("C:\\build\\gen\\parser_{k}.cpp");
            scenarios::seed_race(&mut story, start, &path)
        } else {
            let path = format!("C:\\build\\obj\\unit_{k}.obj");
            scenarios::antivirus_lock(&mut story, start, &path)
        };
    }
    let t0 = tl.t0;
    let (processes, incidents) = tl.into_parts();
    if incidents.len() as u64 > o.events {
        return Err(Error::TooFewEvents {
            events: o.events,
            planted,
            needed: incidents.len() as u64,
        });
    }

    let err = |source| Error::io(output, source);
    let mut w = PmlWriter::create(output, system_info(wide, "BUILD01")).map_err(err)?;
    add_machine_tables(&mut w, processes);
    let mut pending = incidents.iter().peekable();
    let mut t = t0;
    let target = o.events;
    let mut written: u64 = 0;
    loop {
        let room = target - written - pending.len() as u64;
        if room == 0 {
            break;
        }
        let mut b = &bundles[rng.below(bundles.len() as u64) as usize];
        if b.events.len() as u64 > room {
            b = &bundles[*rng.pick(&singles)];
        }
        let tid = *rng.pick(&b.tids);
        for e in &b.events {
            let at = t + e.dt;
            while let Some(i) = pending.next_if(|i| i.time <= at) {
                w.write_event(&i.record(i.time, i.tid, true)).map_err(err)?;
                written += 1;
            }
            let mut head = e.head;
            head[TIME_OFFSET..TIME_OFFSET + 8].copy_from_slice(&at.to_le_bytes());
            head[TID_OFFSET..TID_OFFSET + 4].copy_from_slice(&tid.to_le_bytes());
            let stack: &[u8] = if o.stacks { &e.stack } else { &[] };
            let blob = &e.event.blob;
            w.write_raw_event(&head, stack, &blob.detail, blob.extra.as_deref())
                .map_err(err)?;
            written += 1;
        }
        t += b.events.last().map_or(0, |e| e.dt) + rng.below(2 * MEAN_GAP * b.events.len() as u64);
    }
    for i in pending {
        w.write_event(&i.record(i.time, i.tid, true)).map_err(err)?;
        written += 1;
    }
    if cut_off {
        w.finish_cut_off()
    } else {
        w.finish()
    }
    .map_err(err)?;
    let expected = f.into_expected("bulk", seed, written);
    write_expected(output, &expected)?;
    Ok(expected)
}
