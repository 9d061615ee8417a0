//! Hints to the CPU about memory a pass will read soon.

/// Asks the CPU to start loading the cache line at the start of `bytes` into its caches, so that
/// a later read does not wait for memory. A hint: it changes nothing the program sees, and does
/// nothing for an empty slice or off x86-64.
#[inline]
pub fn prefetch(bytes: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    if !bytes.is_empty() {
        // SAFETY: SSE is part of the x86_64 baseline, and a prefetch is only a hint: it reads
        // nothing the program sees, never faults, and the pointer lies inside `bytes`.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                bytes.as_ptr().cast(),
            );
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = bytes;
}
