//! Path keys: paths compared the way Windows compares them, case-insensitively, with the
//! spellings of one file that a capture can tell apart brought together.
//!
//! A key is computed from the capture's bytes without building a string. The path is
//! normalized: `/` read as `\`, letters upper-cased, a `\\?\`, `\??\`, `\\.\`, `\GLOBAL??\` or
//! `\DosDevices\` prefix dropped, trailing backslashes removed (but not the one of a root such
//! as `C:\`), trailing dots and spaces of the last name removed (as Win32 does; not from `..`).
//! It is then split into a **root** and a **tail**:
//!
//! | spelling | root | tail |
//! |---|---|---|
//! | `C:\build\x.obj`, `\??\C:\build\x.obj` | drive `C` | `\BUILD\X.OBJ` |
//! | `\Device\HarddiskVolume3\build\x.obj` | volume 3 | `\BUILD\X.OBJ` |
//! | `\\srv\share\x`, `\??\UNC\srv\share\x`, `\Device\Mup\srv\share\x` | UNC | `\SRV\SHARE\X` |
//! | `\\localhost\C$\x` (or the capture's computer name) | drive `C` | `\X` |
//! | `\SystemRoot\System32\x` (with the header's system root, e.g. `C:\Windows`) | drive `C` | `\WINDOWS\SYSTEM32\X` |
//! | anything else (relative paths, `\Device\NamedPipe\...`, shadow copies) | other | the whole path |
//!
//! The key is 128 bits: a 112-bit hash of the tail, 15 bits of root and one bit that says
//! whether the tail is distinctive enough to tell which drive letter a volume has (see
//! [`is_distinctive`]). Two different paths share a key with negligible probability (the
//! hash is two independent 64-bit chains cut to 112 bits).
//!
//! Because the root is kept apart from the tail, a key of `\Device\HarddiskVolume3\...` can be
//! given the root `C:` once the capture has shown that volume 3 is `C:`
//! ([`VolumeMap::resolve`]): the analysis learns that mapping while it streams
//! ([`VolumeEvidence`]) and applies it to every key it kept at the end, so a mapping learned
//! late still pairs files seen early.
//!
//! Not paired, because a capture does not tell: 8.3 short names (`PROGRA~1`) seen in one
//! spelling only, volumes the capture never shows with a drive letter, a volume seen with two
//! letters (ambiguous: nothing on it is paired), network drive letters and the UNC paths they
//! map, reparse points (junctions, symbolic links, mount points) and hard links.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::hash::{FxHashMap, FxHashSet};

/// The comparison key of a path.
pub type PathKey = u128;

const SEED_A: u64 = 0x51_7c_c1_b7_27_22_0a_95;
const SEED_B: u64 = 0x9e_37_79_b9_7f_4a_7c_15;

/// Bits of the tail hash.
const TAIL_BITS: u32 = 112;
const TAIL_MASK: u128 = (1 << TAIL_BITS) - 1;
/// The bit that marks a distinctive tail.
const DISTINCTIVE: u128 = 1 << 127;
/// The 15 bits of the root.
const ROOT_MASK: u128 = 0x7FFF << TAIL_BITS;

const ROOT_UNC: u16 = 27;
const ROOT_VOLUME_BASE: u16 = 32;
/// The largest volume number a key can carry; larger ones are keyed as other paths.
const MAX_VOLUME: u32 = 0x7FFF - ROOT_VOLUME_BASE as u32;

const BS: u16 = 0x5C;
const Q: u16 = 0x3F;
const DOT: u16 = 0x2E;
const SPACE: u16 = 0x20;
const COLON: u16 = 0x3A;
const DOLLAR: u16 = 0x24;

/// What the first component of a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Root {
    /// No root the analysis pairs: a relative path, another device, a shadow copy, a pipe.
    Other,
    /// A drive letter, `b'A'..=b'Z'`.
    Drive(u8),
    /// A UNC share (`\\server\share`, `\??\UNC\...`, `\Device\Mup\...`).
    Unc,
    /// `\Device\HarddiskVolumeN`.
    Volume(u32),
}

impl Root {
    fn code(self) -> u16 {
        match self {
            Root::Other => 0,
            Root::Drive(letter) => 1 + u16::from(letter.saturating_sub(b'A')),
            Root::Unc => ROOT_UNC,
            // Only volumes up to MAX_VOLUME are made (see `split_root`).
            Root::Volume(n) => ROOT_VOLUME_BASE + n.min(MAX_VOLUME) as u16,
        }
    }

    fn of_code(code: u16) -> Root {
        match code {
            1..=26 => Root::Drive(b'A' + (code - 1) as u8),
            ROOT_UNC => Root::Unc,
            c if c >= ROOT_VOLUME_BASE => Root::Volume(u32::from(c - ROOT_VOLUME_BASE)),
            _ => Root::Other,
        }
    }

    /// How a person writes the root: `C:`, `\Device\HarddiskVolume3`, `\\` or ``.
    pub fn spelling(self) -> String {
        match self {
            Root::Other => String::new(),
            Root::Drive(letter) => format!("{}:", char::from(letter)),
            Root::Unc => "\\\\".to_string(),
            Root::Volume(n) => format!("\\Device\\HarddiskVolume{n}"),
        }
    }
}

/// The root of a key.
pub fn root(k: PathKey) -> Root {
    Root::of_code(((k & ROOT_MASK) >> TAIL_BITS) as u16)
}

/// The key with its root replaced by `r` (the same tail).
pub fn with_root(k: PathKey, r: Root) -> PathKey {
    (k & !ROOT_MASK) | (u128::from(r.code()) << TAIL_BITS)
}

/// The part of a key that does not depend on the root: equal for every spelling of a tail.
pub fn tail(k: PathKey) -> PathKey {
    k & !ROOT_MASK
}

/// True when the tail names something inside a folder of a volume (at least two components,
/// the first not an NTFS metadata name such as `$Extend` and not `System Volume Information`),
/// so that seeing it under two roots says the roots are one volume. `C:\` or `C:\pagefile.sys`
/// exist on every volume and say nothing.
pub fn is_distinctive(k: PathKey) -> bool {
    k & DISTINCTIVE != 0
}

/// The upper-case form of one UTF-16 code unit (surrogates and characters whose upper case is
/// not a single BMP character are kept).
#[inline]
fn upper(u: u16) -> u16 {
    if u < 0x80 {
        return u8::try_from(u).map_or(u, |b| u16::from(b.to_ascii_uppercase()));
    }
    let Some(c) = char::from_u32(u32::from(u)) else {
        return u;
    };
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(single), None) => u16::try_from(u32::from(single)).unwrap_or(u),
        _ => u,
    }
}

/// `/` read as `\`, letters upper-cased, in place.
fn normalize(units: &mut [u16]) {
    let mut wide = 0u16;
    for u in units.iter_mut() {
        // Branch-free for ASCII so that the loop vectorizes.
        let lower = u16::from(u.wrapping_sub(0x61) < 26);
        let slash = u16::from(*u == 0x2F);
        wide |= *u & 0xFF80;
        *u = *u - lower * 0x20 + slash * (BS - 0x2F);
    }
    if wide != 0 {
        for u in units.iter_mut().filter(|u| **u >= 0x80) {
            *u = upper(*u);
        }
    }
}

/// True when `units` starts with the ASCII text `prefix` (already upper-case).
fn starts_with(units: &[u16], prefix: &str) -> bool {
    units.len() >= prefix.len()
        && units
            .iter()
            .zip(prefix.bytes())
            .all(|(&u, b)| u == u16::from(b))
}

/// Length of the namespace prefix (`\\?\`, `\??\`, `\\.\`, `\GLOBAL??\`, `\DOSDEVICES\`).
fn prefix_len(units: &[u16]) -> usize {
    match units {
        [BS, BS, Q | DOT, BS, ..] | [BS, Q, Q, BS, ..] => 4,
        _ if starts_with(units, "\\GLOBAL??\\") => 10,
        _ if starts_with(units, "\\DOSDEVICES\\") => 12,
        _ => 0,
    }
}

/// `\\server\share` names this machine's administrative share `X$`: the drive and the length of
/// `\server\X$` in `tail`.
fn admin_share(tail: &[u16], computer: &[u16]) -> Option<(u8, usize)> {
    let rest = tail.strip_prefix(&[BS])?;
    let end = rest.iter().position(|&u| u == BS)?;
    let server = &rest[..end];
    let local = starts_with(server, "LOCALHOST") && server.len() == 9
        || starts_with(server, "127.0.0.1") && server.len() == 9
        || !computer.is_empty() && server == computer;
    if !local {
        return None;
    }
    match rest.get(end + 1..) {
        Some([d, DOLLAR]) | Some([d, DOLLAR, BS, ..]) if (0x41..=0x5A).contains(d) => {
            Some((*d as u8, 1 + end + 3))
        }
        _ => None,
    }
}

/// Splits normalized `units` into its root and the start of its tail.
fn split_root(units: &[u16], computer: &[u16]) -> (Root, usize) {
    let skip = prefix_len(units);
    let s = &units[skip..];
    let (root, start) = match s {
        [d, COLON, ..] if (0x41..=0x5A).contains(d) => (Root::Drive(*d as u8), skip + 2),
        _ if skip > 0 && starts_with(s, "UNC\\") => (Root::Unc, skip + 3),
        [BS, BS, ..] if skip == 0 => (Root::Unc, 1),
        _ if starts_with(s, "\\DEVICE\\") => {
            let dev = &s[8..];
            if starts_with(dev, "HARDDISKVOLUME") {
                let digits = dev[14..]
                    .iter()
                    .take_while(|u| (0x30..=0x39).contains(*u))
                    .count();
                let after = dev.get(14 + digits);
                let n = dev[14..14 + digits].iter().try_fold(0u32, |n, &d| {
                    n.checked_mul(10)?.checked_add(u32::from(d - 0x30))
                });
                match n {
                    Some(n) if digits > 0 && n <= MAX_VOLUME && after.is_none_or(|&u| u == BS) => {
                        (Root::Volume(n), skip + 22 + digits)
                    }
                    _ => (Root::Other, skip),
                }
            } else if starts_with(dev, "MUP\\") {
                (Root::Unc, skip + 11)
            } else if starts_with(dev, "LANMANREDIRECTOR\\") {
                (Root::Unc, skip + 24)
            } else {
                (Root::Other, skip)
            }
        }
        _ => (Root::Other, skip),
    };
    if root == Root::Unc {
        if let Some((drive, len)) = admin_share(&units[start..], computer) {
            return (Root::Drive(drive), start + len);
        }
    }
    (root, start)
}

/// The end of the tail `units[start..end]` without trailing backslashes (a lone root `\` stays)
/// and without trailing dots and spaces of the last name (not from a name of dots only).
fn trimmed_end(units: &[u16], start: usize) -> usize {
    let mut end = units.len();
    while end > start + 1 && units[end - 1] == BS {
        end -= 1;
    }
    let mut stripped = end;
    while stripped > start && matches!(units[stripped - 1], DOT | SPACE) {
        stripped -= 1;
    }
    if stripped > start && units[stripped - 1] != BS {
        end = stripped;
    }
    end
}

/// See [`is_distinctive`].
fn distinctive(tail: &[u16]) -> bool {
    let components = tail.iter().filter(|&&u| u == BS).count();
    components >= 2
        && tail.first() == Some(&BS)
        && tail.get(1).is_some_and(|&u| u != DOLLAR && u != BS)
        && !starts_with(tail, "\\SYSTEM VOLUME INFORMATION\\")
}

fn hash(units: &[u16]) -> u128 {
    let word = |c: &[u16]| {
        c.iter()
            .enumerate()
            .fold(0u64, |w, (k, &u)| w | u64::from(u) << (16 * k))
    };
    let len = units.len() as u64;
    let (mut a, mut b) = (len, !len);
    // Two independent multiply chains, each over every other 4-unit word.
    let mut chunks = units.chunks_exact(8);
    for c in &mut chunks {
        a = (a.rotate_left(5) ^ word(&c[..4])).wrapping_mul(SEED_A);
        b = (b.rotate_left(23) ^ word(&c[4..])).wrapping_mul(SEED_B);
    }
    let rest = chunks.remainder();
    let (lo, hi) = rest.split_at(rest.len().min(4));
    a = (a.rotate_left(5) ^ word(lo)).wrapping_mul(SEED_A);
    b = (b.rotate_left(23) ^ word(hi)).wrapping_mul(SEED_B);
    // Final avalanche so that short keys spread over all bits.
    a ^= a >> 33;
    a = a.wrapping_mul(0xff51_afd7_ed55_8ccd);
    a ^= a >> 33;
    b ^= b >> 29;
    b = b.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    b ^= b >> 32;
    (u128::from(a) << 64) | u128::from(b)
}

/// What a capture says about its own names, for keys: the system root `\SystemRoot` stands for
/// (from the header, e.g. `C:\Windows`) and the computer name (so that `\\NAME\C$\x` is
/// `C:\x`). The default knows neither.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keyer {
    /// The system root, normalized (upper-case, no trailing backslash); empty when unknown.
    system_root: Vec<u16>,
    /// The computer name, upper-case; empty when unknown.
    computer: Vec<u16>,
}

/// The keyer of [`key`] and [`key_and_text`]: no system root, no computer name.
static PLAIN: Keyer = Keyer {
    system_root: Vec::new(),
    computer: Vec::new(),
};

impl Keyer {
    /// A keyer for a capture taken on `computer_name` with system root `system_root` (either
    /// may be empty when unknown).
    pub fn new(system_root: &str, computer_name: &str) -> Keyer {
        let mut root: Vec<u16> = system_root.encode_utf16().collect();
        normalize(&mut root);
        while root.last() == Some(&BS) {
            root.pop();
        }
        // Only a drive-letter system root helps; anything else is left alone.
        if !matches!(root.as_slice(), [d, COLON, ..] if (0x41..=0x5A).contains(d)) {
            root.clear();
        }
        let mut computer: Vec<u16> = computer_name.encode_utf16().collect();
        normalize(&mut computer);
        Keyer {
            system_root: root,
            computer,
        }
    }

    /// Normalizes `buf` in place (it holds the normalized, upper-case units afterwards, with
    /// `\SystemRoot` replaced when the system root is known) and returns its key.
    fn key_of_buf(&self, buf: &mut Vec<u16>) -> PathKey {
        normalize(buf);
        if !self.system_root.is_empty()
            && starts_with(buf, "\\SYSTEMROOT")
            && buf.get(11).is_none_or(|&u| u == BS)
        {
            buf.splice(..11, self.system_root.iter().copied());
        }
        let (root, start) = split_root(buf, &self.computer);
        let end = trimmed_end(buf, start);
        let tail = &buf[start..end];
        let flag = if distinctive(tail) { DISTINCTIVE } else { 0 };
        flag | (u128::from(root.code()) << TAIL_BITS) | (hash(tail) & TAIL_MASK)
    }

    /// The key of a path.
    pub fn key(&self, path: &str) -> PathKey {
        let mut units: Vec<u16> = path.encode_utf16().collect();
        let end = units.iter().position(|&u| u == 0).unwrap_or(units.len());
        units.truncate(end);
        self.key_of_buf(&mut units)
    }

    /// The key of a path held as UTF-16LE bytes, or as Latin-1 when `narrow`, up to the first
    /// NUL, and, when `want_text`, the path itself as text; `buf` is scratch space, reused from
    /// call to call, and holds the normalized (upper-case) code units of the path afterwards.
    pub fn key_and_text(
        &self,
        bytes: &[u8],
        narrow: bool,
        want_text: bool,
        buf: &mut Vec<u16>,
    ) -> (PathKey, Option<String>) {
        let maybe_ascii = fill(bytes, narrow, buf);
        let text = want_text.then(|| text_of(buf, maybe_ascii));
        (self.key_of_buf(buf), text)
    }

    /// [`Keyer::key_and_text`] with the text always made, and shared: one allocation (the
    /// `Arc`'s) through `scratch`, reused from call to call, so that the records of the pass
    /// hand their path over to the detectors' state without another copy.
    pub(crate) fn key_and_shared_text(
        &self,
        bytes: &[u8],
        narrow: bool,
        buf: &mut Vec<u16>,
        scratch: &mut Vec<u8>,
    ) -> (PathKey, Arc<str>) {
        let maybe_ascii = fill(bytes, narrow, buf);
        let text = 'text: {
            if maybe_ascii && buf.iter().all(|&u| u < 0x80) {
                scratch.clear();
                scratch.extend(buf.iter().map(|&u| u as u8));
                if let Ok(text) = std::str::from_utf8(scratch) {
                    break 'text Arc::from(text);
                }
            }
            Arc::from(text_of(buf, false))
        };
        (self.key_of_buf(buf), text)
    }
}

/// Fills `buf` with the code units of the string `bytes` (UTF-16LE, or Latin-1 when `narrow`)
/// up to its first NUL; false when some unit is surely not ASCII.
#[inline]
fn fill(bytes: &[u8], narrow: bool, buf: &mut Vec<u16>) -> bool {
    buf.clear();
    if narrow {
        buf.extend(bytes.iter().map(|&b| u16::from(b)));
    } else {
        buf.extend(
            bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]])),
        );
    }
    // One branch-free pass (it vectorizes) finds out whether there is a NUL or non-ASCII
    // text.
    let (mut high, mut nul) = (0u16, false);
    for &u in buf.iter() {
        high |= u & 0xFF80;
        nul |= u == 0;
    }
    if nul {
        let end = buf.iter().position(|&u| u == 0).unwrap_or(buf.len());
        buf.truncate(end);
    }
    high == 0 || nul
}

/// The key of a path held as UTF-16LE bytes, or as Latin-1 when `narrow`, up to the first NUL,
/// and, when `want_text`, the path itself as text; `buf` is scratch space, reused from call to
/// call, and holds the normalized (upper-case) code units of the path afterwards. Knows no
/// system root nor computer name (see [`Keyer`]).
pub fn key_and_text(
    bytes: &[u8],
    narrow: bool,
    want_text: bool,
    buf: &mut Vec<u16>,
) -> (PathKey, Option<String>) {
    PLAIN.key_and_text(bytes, narrow, want_text, buf)
}

/// UTF-16 code units as text (unpaired surrogates become U+FFFD); `maybe_ascii` false promises
/// that some unit is not ASCII.
fn text_of(units: &[u16], maybe_ascii: bool) -> String {
    if maybe_ascii && units.iter().all(|&u| u < 0x80) {
        let bytes: Vec<u8> = units.iter().map(|&u| u as u8).collect();
        if let Ok(text) = String::from_utf8(bytes) {
            return text;
        }
    }
    char::decode_utf16(units.iter().copied())
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// The key of a path (no system root nor computer name known; see [`Keyer`]).
pub fn key(path: &str) -> PathKey {
    PLAIN.key(path)
}

/// True when the path is empty once normalized.
pub fn is_empty_key(k: PathKey) -> bool {
    k == hash(&[]) & TAIL_MASK
}

/// The drive letters a capture shows its volumes under, learned from paths it spells both ways.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeMap {
    letters: BTreeMap<u32, u8>,
    ambiguous: Vec<Ambiguity>,
}

/// A volume the capture shows under more than one drive letter, or a letter it shows for more
/// than one volume: nothing on those volumes is paired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguity {
    /// The volume number (`\Device\HarddiskVolumeN`).
    pub volume: u32,
    /// The letters it was seen with, and how many distinct paths showed each.
    pub letters: Vec<(u8, u64)>,
}

impl VolumeMap {
    /// The letter of volume `n`, when the capture showed exactly one and no other volume had it.
    pub fn letter(&self, volume: u32) -> Option<u8> {
        self.letters.get(&volume).copied()
    }

    /// Every volume with its letter.
    pub fn letters(&self) -> impl Iterator<Item = (u32, u8)> + '_ {
        self.letters.iter().map(|(&v, &l)| (v, l))
    }

    /// The volumes not paired with any letter because the evidence disagrees.
    pub fn ambiguous(&self) -> &[Ambiguity] {
        &self.ambiguous
    }

    /// True when no volume has a letter.
    pub fn is_empty(&self) -> bool {
        self.letters.is_empty()
    }

    /// `k` with a learned volume replaced by its drive letter; other keys unchanged.
    pub fn resolve(&self, k: PathKey) -> PathKey {
        match root(k) {
            Root::Volume(n) if !self.letters.is_empty() => match self.letters.get(&n) {
                Some(&letter) => with_root(k, Root::Drive(letter)),
                None => k,
            },
            _ => k,
        }
    }
}

/// What a capture shows about its volumes while it streams: the distinctive tails seen under a
/// `\Device\HarddiskVolumeN` root, and for each the drive letters the same tail was seen
/// under. Costs one branch per key while no device path has been seen; memory grows with the
/// distinct device paths.
#[derive(Debug, Clone, Default)]
pub struct VolumeEvidence {
    /// Distinctive tails seen under a volume root, and those volumes.
    device_tails: FxHashMap<PathKey, Vec<u32>>,
    /// (tail, volume, letter) seen, so that each distinct path counts once.
    seen: FxHashSet<(PathKey, u32, u8)>,
    /// Distinct paths seen under both the volume and the letter.
    votes: BTreeMap<(u32, u8), u64>,
    /// Every volume seen.
    volumes: BTreeSet<u32>,
}

impl VolumeEvidence {
    /// True once a distinctive device path has been seen: only then do letter paths matter.
    pub fn wants_letters(&self) -> bool {
        !self.device_tails.is_empty()
    }

    /// Notes a key seen in the capture. Returns true when it is a device path whose tail is new
    /// (letter paths seen before it count only once noted again, e.g. by
    /// [`VolumeEvidence::note_all`] at the end).
    pub fn note(&mut self, k: PathKey) -> bool {
        match root(k) {
            Root::Volume(n) => self.device(n, k),
            Root::Drive(letter) => {
                self.letter(letter, k);
                false
            }
            _ => false,
        }
    }

    fn device(&mut self, n: u32, k: PathKey) -> bool {
        if self.volumes.last() != Some(&n) {
            self.volumes.insert(n);
        }
        if !is_distinctive(k) {
            return false;
        }
        let volumes = self.device_tails.entry(tail(k)).or_default();
        if volumes.contains(&n) {
            return false;
        }
        volumes.push(n);
        true
    }

    /// Notes a drive-letter key: a vote when a device path had the same tail.
    pub fn letter(&mut self, letter: u8, k: PathKey) {
        if self.device_tails.is_empty() || !is_distinctive(k) {
            return;
        }
        let t = tail(k);
        let Some(volumes) = self.device_tails.get(&t) else {
            return;
        };
        for &n in volumes {
            if self.seen.insert((t, n, letter)) {
                *self.votes.entry((n, letter)).or_default() += 1;
            }
        }
    }

    /// Notes many keys at once, device paths first (so that every letter path meets them).
    pub fn note_all(&mut self, keys: &[PathKey]) {
        for &k in keys {
            if let Root::Volume(n) = root(k) {
                self.device(n, k);
            }
        }
        for &k in keys {
            if let Root::Drive(letter) = root(k) {
                self.letter(letter, k);
            }
        }
    }

    /// Every volume the capture named.
    pub fn volumes(&self) -> impl Iterator<Item = u32> + '_ {
        self.volumes.iter().copied()
    }

    /// The mapping: a volume seen with exactly one letter, which no other volume was seen
    /// with, has that letter; the others are ambiguous.
    pub fn finish(&self) -> VolumeMap {
        let mut by_volume: BTreeMap<u32, Vec<(u8, u64)>> = BTreeMap::new();
        let mut by_letter: BTreeMap<u8, Vec<u32>> = BTreeMap::new();
        for (&(n, letter), &count) in &self.votes {
            by_volume.entry(n).or_default().push((letter, count));
            by_letter.entry(letter).or_default().push(n);
        }
        let mut map = VolumeMap::default();
        for (n, letters) in by_volume {
            let shared = letters
                .iter()
                .any(|(letter, _)| by_letter[letter].len() > 1);
            if letters.len() == 1 && !shared {
                map.letters.insert(n, letters[0].0);
            } else {
                map.ambiguous.push(Ambiguity { volume: n, letters });
            }
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_prefix_and_separators_do_not_matter() {
        assert_eq!(
            key(r"C:\Build\gen\Parser.cpp"),
            key(r"c:/build/GEN/parser.CPP")
        );
        assert_eq!(key(r"\\?\C:\x\y.txt"), key(r"C:\X\Y.TXT"));
        assert_eq!(key(r"\??\C:\x"), key(r"C:\X"));
        assert_eq!(key(r"\\.\C:\x"), key(r"C:\X"));
        assert_eq!(key(r"\GLOBAL??\C:\x"), key(r"C:\X"));
        assert_eq!(key(r"\DosDevices\C:\x"), key(r"C:\X"));
        assert_eq!(key(r"C:\dir\\"), key(r"C:\DIR"));
        assert_ne!(key(r"C:\"), key(r"C:"));
        assert_eq!(key(r"C:\\"), key(r"C:\"));
        assert_eq!(key("C:\\Ünïcode"), key("C:\\ÜNÏCODE"));
        assert_ne!(key(r"C:\a"), key(r"C:\b"));
        assert_ne!(key(r"C:\ab"), key(r"C:\ba"));
        assert_ne!(key("C:\\a\0"), key("C:\\a\u{1}"));
        assert!(is_empty_key(key("")));
        assert!(is_empty_key(key(r"\\?\")));
        assert!(!is_empty_key(key(r"C:")));
        assert_eq!(key(r"C:\out\app.exe. "), key(r"C:\OUT\APP.EXE"));
        assert_eq!(key(r"C:\out\app.exe..."), key(r"C:\out\app.exe"));
        assert_ne!(key(r"C:\out\.."), key(r"C:\out"));
        assert_ne!(key(r"C:\out\..."), key(r"C:\out"));
        assert_ne!(key(r"C:\a b"), key(r"C:\a"));
        assert_ne!(key(r"C:\x"), key(r"D:\x"));
        assert_ne!(key(r"C:x"), key(r"C:\x"));
    }

    #[test]
    fn roots_and_tails() {
        let c = key(r"C:\build\obj\x.obj");
        let v = key(r"\Device\HarddiskVolume3\build\obj\x.obj");
        assert_eq!(root(c), Root::Drive(b'C'));
        assert_eq!(root(v), Root::Volume(3));
        assert_ne!(c, v);
        assert_eq!(tail(c), tail(v));
        assert_eq!(with_root(v, Root::Drive(b'C')), c);
        assert_eq!(root(key(r"\Device\HarddiskVolume12")), Root::Volume(12));
        assert_eq!(
            with_root(key(r"\Device\HarddiskVolume12\"), Root::Drive(b'E')),
            key(r"E:\")
        );
        // Not volumes: a shadow copy, a longer name, a partition, a pipe.
        for other in [
            r"\Device\HarddiskVolumeShadowCopy3\build\x",
            r"\Device\HarddiskVolume3x\build\x",
            r"\Device\Harddisk0\DR0",
            r"\Device\NamedPipe\x",
            r"build\x",
        ] {
            assert_eq!(root(key(other)), Root::Other, "{other}");
        }
        assert_eq!(Root::Volume(3).spelling(), r"\Device\HarddiskVolume3");
        assert_eq!(Root::Drive(b'D').spelling(), "D:");
    }

    #[test]
    fn unc_spellings_are_one() {
        let plain = key(r"\\fileserver\builds\drop\app.zip");
        for other in [
            r"\??\UNC\fileserver\builds\drop\app.zip",
            r"\\?\UNC\FileServer\Builds\drop\app.zip",
            r"\Device\Mup\fileserver\builds\drop\app.zip",
            r"\Device\LanmanRedirector\fileserver\builds\drop\app.zip",
        ] {
            assert_eq!(key(other), plain, "{other}");
        }
        assert_eq!(root(plain), Root::Unc);
        // This machine's administrative shares are its drives.
        assert_eq!(key(r"\\localhost\C$\Temp\x.txt"), key(r"C:\Temp\x.txt"));
        assert_eq!(key(r"\\127.0.0.1\d$"), key(r"D:"));
        assert_ne!(key(r"\\other\C$\Temp\x.txt"), key(r"C:\Temp\x.txt"));
        let k = Keyer::new(r"C:\Windows", "Build01");
        assert_eq!(k.key(r"\\BUILD01\c$\x"), k.key(r"C:\x"));
        assert_eq!(k.key(r"\Device\Mup\build01\C$\x"), k.key(r"C:\x"));
    }

    #[test]
    fn system_root_comes_from_the_header() {
        let k = Keyer::new(r"C:\Windows\", "");
        assert_eq!(
            k.key(r"\SystemRoot\System32\drivers\etc\hosts"),
            k.key(r"C:\Windows\System32\drivers\etc\hosts")
        );
        assert_eq!(k.key(r"\systemroot"), k.key(r"C:\Windows"));
        assert_ne!(k.key(r"\SystemRootX\a"), k.key(r"C:\Windows\a"));
        // Without a header, \SystemRoot is a path of its own.
        assert_ne!(
            key(r"\SystemRoot\System32\x.dll"),
            key(r"C:\Windows\System32\x.dll")
        );
        assert!(Keyer::new("", "").system_root.is_empty());
        assert!(Keyer::new(r"\Device\x", "").system_root.is_empty());
    }

    #[test]
    fn distinctive_tails_name_something_inside_a_folder() {
        for (path, want) in [
            (r"C:\build\x.obj", true),
            (r"C:\build\obj\", true),
            (r"C:\build", false),
            (r"C:\", false),
            (r"C:\pagefile.sys", false),
            (r"C:\$Extend\$UsnJrnl", false),
            (r"C:\System Volume Information\tracking.log", false),
            (r"\Device\HarddiskVolume3\Windows\notepad.exe", true),
        ] {
            assert_eq!(is_distinctive(key(path)), want, "{path}");
        }
    }

    #[test]
    fn volumes_get_the_one_letter_the_capture_shows() {
        let mut e = VolumeEvidence::default();
        assert!(!e.wants_letters());
        assert!(!e.note(key(r"\Device\HarddiskVolume3\")));
        assert!(e.note(key(r"\Device\HarddiskVolume3\build\x.obj")));
        assert!(!e.note(key(r"\Device\HarddiskVolume3\BUILD\X.OBJ")));
        assert!(e.wants_letters());
        e.note(key(r"C:\build\x.obj"));
        e.note(key(r"C:\build\x.obj"));
        // Roots seen under every letter say nothing.
        e.note(key(r"D:\"));
        let map = e.finish();
        assert_eq!(map.letter(3), Some(b'C'));
        assert_eq!(
            map.resolve(key(r"\Device\HarddiskVolume3\build\x.obj")),
            key(r"C:\build\x.obj")
        );
        assert_eq!(map.resolve(key(r"D:\x")), key(r"D:\x"));
        assert_eq!(
            map.resolve(key(r"\Device\HarddiskVolume4\build\x.obj")),
            key(r"\Device\HarddiskVolume4\build\x.obj")
        );
        assert_eq!(e.volumes().collect::<Vec<_>>(), [3]);
    }

    #[test]
    fn disagreeing_evidence_pairs_nothing() {
        let mut e = VolumeEvidence::default();
        e.note_all(&[
            key(r"C:\build\x.obj"),
            key(r"\Device\HarddiskVolume3\build\x.obj"),
            key(r"\Device\HarddiskVolume3\tools\y.exe"),
            key(r"D:\tools\y.exe"),
            key(r"D:\tools\y.exe"),
            key(r"\Device\HarddiskVolume5\data\z.db"),
            key(r"E:\data\z.db"),
            key(r"\Device\HarddiskVolume6\data\w.db"),
            key(r"E:\data\w.db"),
            key(r"\Device\HarddiskVolume7\src\a.c"),
            key(r"F:\src\a.c"),
        ]);
        let map = e.finish();
        assert_eq!(map.letters().collect::<Vec<_>>(), [(7, b'F')]);
        let volumes: Vec<u32> = map.ambiguous().iter().map(|a| a.volume).collect();
        assert_eq!(
            volumes,
            [3, 5, 6],
            "two letters, or one letter for two volumes"
        );
        assert_eq!(map.ambiguous()[0].letters, [(b'C', 1), (b'D', 1)]);
        assert_eq!(
            map.resolve(key(r"\Device\HarddiskVolume3\build\x.obj")),
            key(r"\Device\HarddiskVolume3\build\x.obj")
        );
    }

    #[test]
    fn bytes_and_strings_agree() {
        let path = "C:\\Users\\Ådne\\x.txt";
        let utf16: Vec<u8> = path.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let buf = &mut Vec::new();
        let both = |b: &[u8], narrow, buf: &mut Vec<u16>| key_and_text(b, narrow, true, buf);
        assert_eq!(
            both(&utf16, false, buf),
            (key(path), Some(path.to_string()))
        );
        let latin1: Vec<u8> = path.chars().map(|c| c as u8).collect();
        assert_eq!(
            both(&latin1, true, buf),
            (key(path), Some(path.to_string()))
        );
        let with_nul = [utf16.as_slice(), &[0, 0, b'x', 0]].concat();
        assert_eq!(
            both(&with_nul, false, buf),
            (key(path), Some(path.to_string()))
        );
        assert_eq!(
            key_and_text(&utf16[..5], false, false, buf),
            (key_and_text(&utf16[..4], false, false, buf).0, None)
        );
        let ascii: Vec<u8> = "C:\\x".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(both(&ascii, false, buf).1.as_deref(), Some("C:\\x"));
        let lone_surrogate = [0x00, 0xD8, b'a', 0];
        assert_eq!(
            both(&lone_surrogate, false, buf).1.as_deref(),
            Some("\u{FFFD}a")
        );
        let k = Keyer::new(r"C:\Windows", "");
        let sys: Vec<u8> = r"\SystemRoot\x.dll".bytes().collect();
        assert_eq!(
            k.key_and_text(&sys, true, true, buf),
            (
                k.key(r"C:\Windows\x.dll"),
                Some(r"\SystemRoot\x.dll".into())
            )
        );
    }
}
