//! One file under two spellings: the linker writes `C:\build\bin\app.exe` while a build cache,
//! which names files by their NT device path, fails to open
//! `\Device\HarddiskVolume3\build\bin\app.exe`.

use super::Story;
use crate::catalog::{self, RegData};
use crate::expected::Incident;
use crate::timeline::{status, Open, MS};

/// The EXE the linker writes.
const EXE: &str = "C:\\build\\bin\\app.exe";
/// The same file as the build cache names it.
const DEVICE_EXE: &str = "\\Device\\HarddiskVolume3\\build\\bin\\app.exe";

/// The Background Activity Moderator's key of the build user: its values are named by the
/// device path of each program the user ran.
const BAM_KEY: &str = "HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\S-1-5-21-3180424735-1844673021-2918473306-1001";

/// A BAM value: the last run time (FILETIME) and 16 bytes of flags.
const BAM_DATA: [u8; 24] = [
    0x00, 0x6e, 0x37, 0x9b, 0x8a, 0xb3, 0xdc, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0,
];

/// bcache.exe starts (the BAM service records it under `\Device\HarddiskVolume3\...`, its image
/// is `C:\build\tools\bcache.exe`: the capture shows volume 3 as `C:`); link.exe creates
/// `C:\build\bin\app.exe` sharing nothing and writes it; bcache.exe, storing the fresh output,
/// opens `\Device\HarddiskVolume3\build\bin\app.exe` and fails with SHARING VIOLATION, then
/// exits 1; link.exe closes the EXE and exits 0.
pub(super) fn volume_spelling(s: &mut Story, t0: u64) -> u64 {
    let (cache, t) = s.start(s.m.shell, t0, &catalog::BCACHE);
    let bam = s.m.svchost;
    s.tl.reg_read(
        bam,
        bam.tid,
        t0 + 2 * MS,
        BAM_KEY,
        "\\Device\\HarddiskVolume3\\build\\tools\\bcache.exe",
        RegData::Binary(&BAM_DATA),
    );
    let (link, t) = s.start(s.m.shell, t + 5 * MS, &catalog::LINK);
    let t = s.read(link, t, "C:\\build\\obj\\main.obj", 48_000);
    let exclusive = Open {
        share: 0,
        ..Open::WRITE
    };
    let t_open = t + 200;
    s.tl.create_file(link, link.tid, t_open, EXE, exclusive, status::SUCCESS);
    let t_fail = t_open + 100 + s.rng.below(100);
    s.tl.create_file(
        cache,
        cache.tid,
        t_fail,
        DEVICE_EXE,
        Open::READ_SHARED,
        status::SHARING_VIOLATION,
    );
    s.tl.exit(cache, t_fail + 3 * MS, 1);
    let t = s.write_chunks(link, t_open, EXE, 8);
    let t_close = t + 300;
    s.tl.close_file(link, link.tid, t_close, EXE);
    s.tl.exit(link, t_close + 2 * MS, 0);
    s.f.incident(
        t_open,
        Incident {
            kind: "sharing-violation",
            path: EXE.into(),
            opener: Some(link.into()),
            child: None,
            closer: Some(link.into()),
            holders: vec![link.into()],
            victims: vec![cache.into()],
        },
    );
    s.f.violation(t_fail, cache, EXE, &[link]);
    s.f.failure(
        cache,
        1,
        Some((
            "CreateFile",
            DEVICE_EXE,
            "SHARING VIOLATION",
            Some("sharing-violation"),
        )),
        &[],
    );
    t_close + 100 * MS
}
