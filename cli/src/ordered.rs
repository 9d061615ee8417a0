//! Rendering in parallel, writing in order: the pipeline of every command that turns chunks of
//! events into output (exports, `events`, summaries, `filter`).
//!
//! One thread per core renders tasks, taken in order; the calling thread writes the results in
//! task order as they become ready. A worker never runs further ahead of the writer than a
//! window of tasks, so memory stays bounded whatever the number of tasks, and no worker waits
//! for the others to finish a batch.

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::sync::{Condvar, Mutex, MutexGuard};

use anyhow::Result;

/// Runs `render` over `tasks` on one thread per core of rayon's pool size and hands the
/// results to `write` in task order, on the calling thread, while the workers go on.
///
/// At most `window` results (at least one per thread) are rendered and not yet written at any
/// time. `write` returns whether to go on: `false` (enough output, e.g. `--limit`) stops the
/// workers, as does its first error, which is returned.
pub fn render_in_order<I: Sync, T: Send>(
    tasks: &[I],
    window: usize,
    render: impl Fn(&I) -> T + Sync,
    mut write: impl FnMut(T) -> Result<bool>,
) -> Result<()> {
    let threads = rayon::current_num_threads().max(1);
    let window = Window::new(tasks.len(), window.max(threads));
    let (sender, receiver) = mpsc::channel::<(usize, T)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (sender, window, render) = (sender.clone(), &window, &render);
            scope.spawn(move || {
                while let Some(task) = window.claim() {
                    if sender.send((task, render(&tasks[task]))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        let written = write_in_order(receiver, &window, &mut write);
        window.stop();
        written
    })
}

/// Writes the results that arrive, in any order, in task order.
fn write_in_order<T>(
    receiver: mpsc::Receiver<(usize, T)>,
    window: &Window,
    write: &mut impl FnMut(T) -> Result<bool>,
) -> Result<()> {
    let mut ready = BTreeMap::new();
    let mut next = 0;
    for (task, result) in receiver {
        ready.insert(task, result);
        while let Some(result) = ready.remove(&next) {
            if !write(result)? {
                return Ok(());
            }
            next += 1;
            window.advance();
        }
    }
    Ok(())
}

/// Which task is next to render and how far the writer has got.
struct Window {
    state: Mutex<Progress>,
    /// Signalled when the writer advances or stops.
    moved: Condvar,
    tasks: usize,
    size: usize,
}

struct Progress {
    /// The next task to hand to a worker.
    next: usize,
    /// Tasks written.
    written: usize,
    /// Set when the writer stops, on error or at the end.
    stopped: bool,
}

impl Window {
    fn new(tasks: usize, size: usize) -> Window {
        Window {
            state: Mutex::new(Progress {
                next: 0,
                written: 0,
                stopped: false,
            }),
            moved: Condvar::new(),
            tasks,
            size,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Progress> {
        // The lock guards plain counters, which a panic cannot leave inconsistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next task to render, once it is within the window of the writer; `None` when all
    /// tasks are handed out or the writer stopped.
    fn claim(&self) -> Option<usize> {
        let mut state = self.lock();
        let task = state.next;
        if task >= self.tasks || state.stopped {
            return None;
        }
        state.next += 1;
        while task >= state.written + self.size && !state.stopped {
            state = self.moved.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        (!state.stopped).then_some(task)
    }

    /// One more task written.
    fn advance(&self) {
        self.lock().written += 1;
        self.moved.notify_all();
    }

    /// No more tasks: workers waiting for room give up.
    fn stop(&self) {
        self.lock().stopped = true;
        self.moved.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn results_are_written_in_order_within_the_window() {
        let tasks: Vec<usize> = (0..500).collect();
        let rendered = AtomicUsize::new(0);
        let mut written = Vec::new();
        render_in_order(
            &tasks,
            4,
            |&t| {
                rendered.fetch_add(1, Ordering::SeqCst);
                t * 2
            },
            |r| {
                let ahead = rendered.load(Ordering::SeqCst) - written.len();
                assert!(ahead <= 4.max(rayon::current_num_threads()), "{ahead}");
                written.push(r);
                Ok(true)
            },
        )
        .unwrap();
        assert_eq!(written, tasks.iter().map(|t| t * 2).collect::<Vec<_>>());
    }

    /// Runs `render_in_order` over 10,000 tasks that render to their own number, with a window
    /// of 2; returns its result and how many tasks were rendered.
    fn render_numbers(write: impl FnMut(usize) -> Result<bool>) -> (Result<()>, usize) {
        let tasks: Vec<usize> = (0..10_000).collect();
        let rendered = AtomicUsize::new(0);
        let result = render_in_order(
            &tasks,
            2,
            |&t| {
                rendered.fetch_add(1, Ordering::SeqCst);
                t
            },
            write,
        );
        (result, rendered.load(Ordering::SeqCst))
    }

    #[test]
    fn a_write_error_stops_the_work() {
        let (result, rendered) = render_numbers(|t| match t {
            3 => anyhow::bail!("disk full"),
            _ => Ok(true),
        });
        assert_eq!(result.unwrap_err().to_string(), "disk full");
        assert!(rendered < 100);
    }

    #[test]
    fn a_write_that_has_enough_stops_the_work() {
        let mut written = Vec::new();
        let (result, rendered) = render_numbers(|t| {
            written.push(t);
            Ok(t < 3)
        });
        result.unwrap();
        assert_eq!(written, [0, 1, 2, 3]);
        assert!(rendered < 100);
    }
}
