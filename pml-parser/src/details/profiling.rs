//! Profiling detail blobs.

use crate::bytes::u64_at;
use crate::error::Result;
use crate::event::Event;

/// Decoded details of a profiling event.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProfilingDetails {
    /// User-mode time, 100 ns ticks.
    pub user_ticks: u64,
    /// Kernel-mode time, 100 ns ticks.
    pub kernel_ticks: u64,
    /// Working set in bytes.
    pub working_set: u64,
    /// Private bytes.
    pub private_bytes: u64,
}

impl ProfilingDetails {
    /// Decodes a profiling blob; missing fields read as zero.
    pub fn decode(event: &Event<'_>) -> Result<ProfilingDetails> {
        let b = event.detail_bytes();
        let f = |o| u64_at(b, o).unwrap_or_default();
        Ok(ProfilingDetails {
            user_ticks: f(0),
            kernel_ticks: f(8),
            working_set: f(16),
            private_bytes: f(24),
        })
    }
}
