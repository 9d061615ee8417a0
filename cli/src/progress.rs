//! A progress bar on stderr for long work: shown only when stderr is a terminal, the work has
//! run for about a second, and `--quiet` was not given. Nothing is printed into pipes.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// How long work runs before the bar appears.
const DELAY: Duration = Duration::from_secs(1);

/// Progress over a known number of items; cheap to update from several threads.
pub struct Progress {
    enabled: bool,
    total: u64,
    done: AtomicU64,
    start: Instant,
    label: &'static str,
    bar: OnceLock<ProgressBar>,
}

impl Progress {
    /// Progress over `total` items, labelled e.g. `events`.
    pub fn new(total: u64, label: &'static str, quiet: bool) -> Progress {
        Progress {
            enabled: !quiet && std::io::stderr().is_terminal(),
            total,
            done: AtomicU64::new(0),
            start: Instant::now(),
            label,
            bar: OnceLock::new(),
        }
    }

    /// Records `n` more items done.
    pub fn add(&self, n: u64) {
        if !self.enabled {
            return;
        }
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(bar) = self.bar.get() {
            bar.set_position(done);
        } else if self.start.elapsed() >= DELAY {
            let bar = self.bar.get_or_init(|| {
                let bar = ProgressBar::new(self.total);
                let template = format!(
                    "{{bar:40}} {{human_pos}}/{{human_len}} {}, {{eta}} left",
                    self.label
                );
                if let Ok(style) = ProgressStyle::with_template(&template) {
                    bar.set_style(style);
                }
                bar
            });
            bar.set_position(done);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}

impl pml_parser::Progress for Progress {
    fn advance(&self, events: u64) {
        self.add(events);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
