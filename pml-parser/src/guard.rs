//! Reading a capture that another program truncates while pml maps it.
//!
//! A read of a mapped page that lies past the (new) end of its file raises `SIGBUS`, which kills
//! the process. ProcMon's own file only grows, but a CI job may overwrite or truncate a capture
//! that pml is reading. On Linux, every read-only map of a capture is registered here, and a
//! `SIGBUS` handler (installed once, the first time a capture is mapped) looks at the faulting
//! address: inside one of our maps, it maps anonymous zero pages over the rest of that map
//! (`MAP_FIXED`, so the address range stays ours and every borrowed slice stays valid), records
//! that the map lost its file, and returns; the interrupted read runs again and sees zeros. Event
//! validation then fails on those zeros (an event offset of 0 points into the header; a zero
//! record has no valid operation), and [`Capture::truncated_while_reading`] says what happened so
//! that commands report a partial result. A fault outside our maps goes to the handler that was
//! there before (Rust's stack-overflow handler, or the default action, which kills as before).
//!
//! Elsewhere there is no handler: on Windows a mapped file cannot be truncated at all (the
//! system refuses), and on other Unix systems a capture truncated while pml reads it still
//! raises `SIGBUS`. Maps beyond the [`SLOTS`] registered at once are not protected either.
//!
//! [`Capture::truncated_while_reading`]: crate::Capture::truncated_while_reading

/// How many maps can be protected at once.
pub const SLOTS: usize = 4096;

#[cfg(target_os = "linux")]
mod imp {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Once;

    use super::SLOTS;

    /// One registered map: `start == 0` is a free slot; `len` is set after `start` when claiming
    /// and cleared before it when releasing, so the handler never sees a stale range.
    struct Slot {
        start: AtomicUsize,
        len: AtomicUsize,
        truncated: AtomicBool,
    }

    #[allow(clippy::declare_interior_mutable_const)]
    const FREE: Slot = Slot {
        start: AtomicUsize::new(0),
        len: AtomicUsize::new(0),
        truncated: AtomicBool::new(false),
    };

    static SLOTS_IN_USE: [Slot; SLOTS] = [FREE; SLOTS];

    /// Set once any registered map lost pages (for a process-wide warning).
    static ANY_TRUNCATED: AtomicBool = AtomicBool::new(false);

    /// The `SIGBUS` action that was installed before ours.
    static mut PREVIOUS: std::mem::MaybeUninit<libc::sigaction> = std::mem::MaybeUninit::uninit();
    static INSTALL: Once = Once::new();
    static INSTALLED: AtomicBool = AtomicBool::new(false);

    /// The page size, read once at install: the handler calls nothing that is not
    /// async-signal-safe.
    static PAGE: AtomicUsize = AtomicUsize::new(4096);

    fn install() {
        INSTALL.call_once(|| {
            // SAFETY: sysconf has no preconditions.
            let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
            if page > 0 {
                PAGE.store(page as usize, Ordering::Release);
            }
            // SAFETY: a zeroed sigaction is a valid value; we fill the handler, flags and mask,
            // and keep the previous action in PREVIOUS before any fault can reach our handler
            // (the handler reads PREVIOUS only after INSTALLED is set below).
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_sigbus as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                let mut previous: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(libc::SIGBUS, &action, &mut previous) == 0 {
                    #[allow(static_mut_refs)]
                    PREVIOUS.write(previous);
                    INSTALLED.store(true, Ordering::Release);
                }
            }
        });
    }

    /// The `SIGBUS` handler. Only async-signal-safe work: atomics, `mmap`, `sigaction`.
    extern "C" fn on_sigbus(
        signal: libc::c_int,
        info: *mut libc::siginfo_t,
        context: *mut libc::c_void,
    ) {
        // SAFETY: the kernel passes a valid siginfo for a handler installed with SA_SIGINFO.
        let address = unsafe { (*info).si_addr() } as usize;
        for slot in SLOTS_IN_USE.iter() {
            let start = slot.start.load(Ordering::Acquire);
            if start == 0 || address < start {
                continue;
            }
            let len = slot.len.load(Ordering::Acquire);
            if address >= start + len {
                continue;
            }
            let page = PAGE.load(Ordering::Acquire);
            let from = address - address % page;
            let end = (start + len).next_multiple_of(page);
            // SAFETY: [from, end) lies inside a map of ours (the registered range, rounded to
            // whole pages, which the kernel mapped whole); replacing it with private anonymous
            // pages keeps the addresses valid and readable, and the map is never written.
            let zeros = unsafe {
                libc::mmap(
                    from as *mut libc::c_void,
                    end - from,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if zeros != libc::MAP_FAILED {
                slot.truncated.store(true, Ordering::Release);
                ANY_TRUNCATED.store(true, Ordering::Release);
                return;
            }
            break;
        }
        // Not ours (or the remap failed): what would have happened without us.
        // SAFETY: PREVIOUS was written before INSTALLED was set, and our handler is only reached
        // after that; calling the previous handler or restoring the default action is what the
        // signal would have met had we not been installed.
        unsafe {
            #[allow(static_mut_refs)]
            let previous = PREVIOUS.assume_init_ref();
            let handler = previous.sa_sigaction;
            if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
                // Back to the default action; returning re-runs the read, which faults again and
                // ends the process as it would have.
                libc::sigaction(libc::SIGBUS, previous, std::ptr::null_mut());
            } else if previous.sa_flags & libc::SA_SIGINFO != 0 {
                let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                    std::mem::transmute(handler);
                f(signal, info, context);
            } else {
                let f: extern "C" fn(libc::c_int) = std::mem::transmute(handler);
                f(signal);
            }
        }
    }

    /// A registered map; released when dropped.
    #[derive(Debug)]
    pub struct Registration {
        slot: Option<usize>,
    }

    impl Registration {
        /// Registers the `len` bytes at `start` (a map made by us, read-only).
        pub fn new(start: *const u8, len: usize) -> Registration {
            install();
            if !INSTALLED.load(Ordering::Acquire) || start.is_null() || len == 0 {
                return Registration { slot: None };
            }
            let start = start as usize;
            for (i, slot) in SLOTS_IN_USE.iter().enumerate() {
                if slot
                    .start
                    .compare_exchange(0, start, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
                {
                    slot.truncated.store(false, Ordering::Release);
                    slot.len.store(len, Ordering::Release);
                    return Registration { slot: Some(i) };
                }
            }
            Registration { slot: None }
        }

        /// True once a read of the map met a page past the end of its file.
        pub fn truncated(&self) -> bool {
            self.slot
                .is_some_and(|i| SLOTS_IN_USE[i].truncated.load(Ordering::Acquire))
        }
    }

    impl Drop for Registration {
        fn drop(&mut self) {
            if let Some(i) = self.slot {
                SLOTS_IN_USE[i].len.store(0, Ordering::Release);
                SLOTS_IN_USE[i].start.store(0, Ordering::Release);
            }
        }
    }

    /// True once any registered map of this process lost pages to a truncation.
    pub fn any_truncated() -> bool {
        ANY_TRUNCATED.load(Ordering::Acquire)
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    /// Nothing is registered off Linux (see the module documentation).
    #[derive(Debug)]
    pub struct Registration;

    impl Registration {
        /// Does nothing here.
        pub fn new(_start: *const u8, _len: usize) -> Registration {
            Registration
        }

        /// Always false here.
        pub fn truncated(&self) -> bool {
            false
        }
    }

    /// Always false here.
    pub fn any_truncated() -> bool {
        false
    }
}

pub(crate) use imp::Registration;

/// True once a capture of this process was found truncated while it was read (its missing pages
/// read as zeros). Commands check it at the end to report a partial result even when the
/// capture itself is gone. Always false off Linux.
pub fn any_capture_truncated() -> bool {
    imp::any_truncated()
}
