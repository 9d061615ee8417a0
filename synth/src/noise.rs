//! Background activity that buries every story: Explorer browsing, service hosts reading the
//! registry and their databases, Defender scanning, the kernel flushing. Every noise open is
//! closed by the process that opened it, never fails with SHARING VIOLATION, and never touches
//! a build path, so noise alone produces no findings.

use pml_parser::ops::fs_op;
use pml_parser::writer::blobs::FsBlob;
use pml_parser::EventClass;

use crate::catalog::{self, Program};
use crate::rng::Rng;
use crate::timeline::{status, Open, Proc, Timeline, MS};

/// The processes that run on every synthesized machine.
#[derive(Debug, Clone, Copy)]
pub struct Machine {
    /// System (PID 4).
    pub system: Proc,
    /// svchost.exe as SYSTEM.
    pub svchost: Proc,
    /// svchost.exe as LOCAL SERVICE.
    pub svchost_ls: Proc,
    /// Explorer.
    pub explorer: Proc,
    /// Defender.
    pub msmpeng: Proc,
    /// The developer's command prompt, parent of the builds.
    pub shell: Proc,
}

impl Machine {
    /// The noisy processes with three threads each.
    pub fn threads(&self, tl: &mut Timeline) -> Vec<(Proc, [u32; 3])> {
        [self.explorer, self.svchost, self.svchost_ls, self.msmpeng]
            .into_iter()
            .map(|p| (p, [p.tid, tl.new_tid(), tl.new_tid()]))
            .collect()
    }

    /// Defines the machine's long-running processes (started before the capture).
    pub fn boot(tl: &mut Timeline, rng: &mut Rng) -> Machine {
        let mut pid = |lo: u64| (lo + rng.below(400) * 4) as u32 & !3;
        let system = tl.running(&catalog::SYSTEM, 4, None, 3_600_000);
        let services = pid(600);
        let svchost = tl.running(&catalog::SVCHOST, services + 400, None, 3_590_000);
        let svchost_ls = tl.running(&catalog::SVCHOST_LS, services + 1200, None, 3_590_000);
        let msmpeng = tl.running(&catalog::MSMPENG, pid(3000), None, 3_580_000);
        let explorer = tl.running(&catalog::EXPLORER, pid(5000), None, 3_000_000);
        let shell = tl.running(&catalog::SHELL, pid(8000), Some(explorer), 600_000);
        Machine {
            system,
            svchost,
            svchost_ls,
            explorer,
            msmpeng,
            shell,
        }
    }
}

/// Fills `from_ms..to_ms` with background activity, one activity every 2-6 ms on average.
pub fn fill(tl: &mut Timeline, rng: &mut Rng, m: &Machine, from_ms: u64, to_ms: u64) {
    let threads = m.threads(tl);
    let mut t = tl.at(from_ms);
    let end = tl.at(to_ms);
    while t < end {
        let roll = rng.below(100);
        let (p, tids) = threads[match roll {
            0..=34 => 0,
            35..=59 => 1,
            60..=69 => 2,
            _ => 3,
        }];
        let tid = *rng.pick(&tids);
        activity(tl, rng, m, p, tid, t, &[]);
        t += 2 * MS + rng.below(4 * MS);
    }
}

/// One background activity of `p` on thread `tid` at `t`: a file read, a metadata probe, a
/// failed probe, a registry read, a thread start or (in System) a log flush. Files come from
/// the catalog or, half of the time when given, from `files`.
pub fn activity(
    tl: &mut Timeline,
    rng: &mut Rng,
    m: &Machine,
    p: Proc,
    tid: u32,
    t: u64,
    files: &[String],
) {
    let program: &Program = p.program;
    let scanner = program.name == "MsMpEng.exe";
    match rng.below(100) {
        0..=29 => {
            let path = pick_file(rng, files);
            let path = path.as_str();
            let size = if scanner {
                4096 + rng.below(300_000)
            } else {
                512 + rng.below(40_000)
            };
            tl.read_file(p, tid, t, path, Open::READ_SHARED, size);
        }
        30..=44 => {
            let path = pick_file(rng, files);
            let path = path.as_str();
            let probe = Open {
                access: crate::timeline::access::READ_ATTRIBUTES,
                ..Open::READ_SHARED
            };
            tl.create_file(p, tid, t, path, probe, status::SUCCESS);
            tl.query_basic(p, tid, t + 30, path);
            tl.close_file(p, tid, t + 60, path);
        }
        45..=52 => {
            let path = *rng.pick(catalog::MISSING_FILES);
            tl.probe_missing(p, tid, t, path);
        }
        53..=84 => {
            let (key, value, data) = *rng.pick(catalog::NOISE_VALUES);
            tl.reg_read(p, tid, t, key, value, data);
        }
        85..=90 => {
            let key = *rng.pick(catalog::MISSING_KEYS);
            tl.reg_missing(p, tid, t, key);
        }
        91..=94 => {
            let new = tl.new_tid();
            let blob = pml_parser::writer::blobs::process::thread_create(new);
            tl.event(
                p,
                tid,
                t,
                EventClass::Process,
                pml_parser::ops::process_op::THREAD_CREATE,
                0,
                blob,
            );
        }
        _ => {
            // Lazy writer / log flush in the System process: paging writes, no opens.
            let fs = FsBlob::new(tl.is_64bit());
            let blob = fs.read_write(
                "C:\\$LogFile",
                rng.below(1 << 16) * 4096,
                4096,
                0x43,
                Some(4096),
            );
            tl.event(
                m.system,
                8 + 4 * rng.below(20) as u32,
                t,
                EventClass::FileSystem,
                fs_op::WRITE_FILE,
                status::SUCCESS,
                blob,
            );
        }
    }
}

fn pick_file(rng: &mut Rng, files: &[String]) -> String {
    if !files.is_empty() && rng.chance(50) {
        rng.pick(files).clone()
    } else {
        (*rng.pick(catalog::NOISE_FILES)).to_string()
    }
}
