//! The paths a worker thread keyed last, by their bytes in the capture: file events name the
//! same few files again and again (an open, its reads and writes, its close), and keying a path
//! (decoding, upper-casing, splitting its root, hashing, sharing its text) costs more than
//! looking it up.
//!
//! A direct-mapped table of [`SLOTS`] entries: a path whose slot holds another one replaces it.
//! Each worker thread keeps its memo from chunk to chunk; it is emptied when the keyer or the
//! exclusions it was filled under change (another capture, `--include-procmon`).

use std::cell::RefCell;
use std::hash::Hasher;
use std::sync::Arc;

use crate::hash::long_hasher;
use crate::paths::{Keyer, PathKey};

/// Entries in a memo (a power of two).
const SLOTS: usize = 4096;

/// What a path keys to.
#[derive(Debug, Clone)]
pub(crate) struct Keyed {
    /// Its key.
    pub key: PathKey,
    /// Its text.
    pub text: Arc<str>,
    /// True when it is one of ProcMon's or the file system's own files, left out.
    pub noise: bool,
}

/// One remembered path.
#[derive(Debug)]
struct Slot {
    /// The path's bytes as the capture holds them.
    raw: Vec<u8>,
    /// True when `raw` is Latin-1 rather than UTF-16LE.
    narrow: bool,
    /// What it keys to.
    keyed: Keyed,
}

/// The memo of one thread.
#[derive(Debug, Default)]
pub(crate) struct PathMemo {
    /// The keyer the entries were made with.
    keyer: Keyer,
    /// Whether noise paths were looked for when the entries were made.
    noise_paths: bool,
    /// The entries, [`SLOTS`] once the first path is remembered.
    slots: Vec<Option<Slot>>,
}

impl PathMemo {
    /// Empties the memo unless it was filled with `keyer` and `noise_paths`, and makes its
    /// slots.
    fn prepare(&mut self, keyer: &Keyer, noise_paths: bool) {
        if self.keyer != *keyer || self.noise_paths != noise_paths {
            self.keyer = keyer.clone();
            self.noise_paths = noise_paths;
            self.slots.clear();
        }
        if self.slots.is_empty() {
            self.slots.resize_with(SLOTS, || None);
        }
    }

    /// What the path `raw` keys to: remembered, or made by `make` and remembered.
    #[inline]
    pub fn get(&mut self, raw: &[u8], narrow: bool, make: impl FnOnce() -> Keyed) -> &Keyed {
        let mut hasher = long_hasher();
        hasher.write(raw);
        // The top bits of a multiplicative hash are its best mixed.
        let index = (hasher.finish() >> (64 - SLOTS.trailing_zeros())) as usize;
        let slot = &mut self.slots[index];
        let hit = matches!(slot, Some(s) if s.narrow == narrow && s.raw == raw);
        if !hit {
            let keyed = make();
            match slot {
                Some(s) => {
                    s.raw.clear();
                    s.raw.extend_from_slice(raw);
                    s.narrow = narrow;
                    s.keyed = keyed;
                }
                None => {
                    *slot = Some(Slot {
                        raw: raw.to_vec(),
                        narrow,
                        keyed,
                    })
                }
            }
        }
        match slot {
            Some(s) => &s.keyed,
            None => unreachable!("the slot was just filled"),
        }
    }
}

thread_local! {
    /// The memo of this thread, between two extractors.
    static MEMO: RefCell<PathMemo> = RefCell::new(PathMemo::default());
}

impl PathMemo {
    /// This thread's memo, emptied unless it was filled with `keyer` and `noise_paths`.
    pub fn take(keyer: &Keyer, noise_paths: bool) -> PathMemo {
        let mut memo = MEMO.with(|m| std::mem::take(&mut *m.borrow_mut()));
        memo.prepare(keyer, noise_paths);
        memo
    }

    /// Keeps the memo for this thread's next extractor.
    pub fn give_back(self) {
        MEMO.with(|m| *m.borrow_mut() = self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyed(key: PathKey) -> Keyed {
        Keyed {
            key,
            text: Arc::from("x"),
            noise: false,
        }
    }

    #[test]
    fn a_path_is_keyed_once_and_remembered_by_its_bytes_and_width() {
        let mut memo = PathMemo::take(&Keyer::default(), true);
        assert_eq!(memo.get(b"a\0b\0", false, || keyed(1)).key, 1);
        assert_eq!(memo.get(b"a\0b\0", false, || unreachable!()).key, 1);
        // The same bytes read as Latin-1 are another path.
        assert_eq!(memo.get(b"a\0b\0", true, || keyed(2)).key, 2);
        memo.give_back();
    }

    #[test]
    fn another_keyer_or_other_exclusions_empty_the_memo() {
        let mut memo = PathMemo::take(&Keyer::default(), true);
        memo.get(b"p", true, || keyed(1));
        memo.give_back();
        let mut memo = PathMemo::take(&Keyer::default(), true);
        assert_eq!(
            memo.get(b"p", true, || keyed(9)).key,
            1,
            "kept for the same setup"
        );
        memo.give_back();
        let mut memo = PathMemo::take(&Keyer::default(), false);
        assert_eq!(memo.get(b"p", true, || keyed(3)).key, 3);
        memo.give_back();
        let root = Keyer::new("D:\\Windows", "HOST");
        let mut memo = PathMemo::take(&root, false);
        assert_eq!(memo.get(b"p", true, || keyed(4)).key, 4);
        memo.give_back();
    }

    #[test]
    fn paths_sharing_a_slot_replace_each_other() {
        let mut memo = PathMemo::take(&Keyer::default(), true);
        // More paths than slots: some share one; each still keys to its own.
        for i in 0..(SLOTS as u128 * 2) {
            let raw = i.to_le_bytes();
            assert_eq!(memo.get(&raw, true, || keyed(i)).key, i);
        }
        for i in 0..(SLOTS as u128 * 2) {
            let raw = i.to_le_bytes();
            assert_eq!(memo.get(&raw, true, || keyed(i)).key, i);
        }
        memo.give_back();
    }
}
