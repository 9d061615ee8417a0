//! A capture in one or several files: ProcMon saves a long capture as `X.PML`, `X-1.PML`,
//! `X-2.PML`, ... A [`SplitCapture`] reads them as one capture, in time order, with one global
//! event index and time columns rendered from the first part's first event.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::capture::{Capture, OpenOptions};
use crate::error::Result;
use crate::render::columns::ColumnRenderer;
use crate::render::{ProcmonBuild, TimeZoneSpec};
use crate::time::FileTime;
use crate::Event;

/// One file of a [`SplitCapture`].
#[derive(Debug)]
pub struct Part {
    capture: Capture,
    renderer: ColumnRenderer,
    first_index: u64,
}

impl Part {
    /// The opened file.
    #[inline]
    pub fn capture(&self) -> &Capture {
        &self.capture
    }

    /// Renders this part's columns: the capture's time zone, `Relative Time` from the first
    /// event of the first part.
    #[inline]
    pub fn renderer(&self) -> &ColumnRenderer {
        &self.renderer
    }

    /// Global index of this part's first event.
    #[inline]
    pub fn first_index(&self) -> u64 {
        self.first_index
    }

    /// Event `local` of this part, numbered globally.
    #[inline]
    pub fn global(&self, local: u64) -> u64 {
        self.first_index + local
    }

    /// The global indices of this part's events.
    pub fn global_range(&self) -> Range<u64> {
        self.first_index..self.first_index + self.capture.event_count()
    }
}

/// The files of one capture, ordered by the time of their first event, with global event
/// indices. A single file is a capture of one part.
#[derive(Debug)]
pub struct SplitCapture {
    parts: Vec<Part>,
    event_count: u64,
}

/// `X-1.PML`, `X-2.PML`, ... beside `X.PML`, as long as they exist, in order.
pub fn sibling_parts(path: &Path) -> Vec<PathBuf> {
    let (Some(stem), Some(ext)) = (path.file_stem(), path.extension()) else {
        return Vec::new();
    };
    let (stem, ext) = (stem.to_string_lossy(), ext.to_string_lossy());
    (1..)
        .map(|n| path.with_file_name(format!("{stem}-{n}.{ext}")))
        .take_while(|p| p.is_file())
        .collect()
}

impl SplitCapture {
    /// Opens `path` and the parts ProcMon split from it (`X-1.PML`, ... beside `X.PML`).
    pub fn open(path: impl AsRef<Path>, options: OpenOptions) -> Result<SplitCapture> {
        let path = path.as_ref();
        let mut files = vec![path.to_path_buf()];
        files.extend(sibling_parts(path));
        SplitCapture::open_files(&files, options)
    }

    /// Opens exactly these files as the parts of one capture (in any order: they are put in
    /// time order). The first file that cannot be opened is the error.
    pub fn open_files(files: &[PathBuf], options: OpenOptions) -> Result<SplitCapture> {
        let captures = files
            .iter()
            .map(|file| options.open(file))
            .collect::<Result<Vec<_>>>()?;
        Ok(SplitCapture::from_captures(captures))
    }

    /// Orders `captures` by the time of their first event and numbers their events globally;
    /// time columns in UTC.
    pub fn from_captures(mut captures: Vec<Capture>) -> SplitCapture {
        captures.sort_by_key(|c| first_time(c).map_or(u64::MAX, |t| t.0));
        let input_bytes: u64 = captures.iter().map(|c| c.data().len() as u64).sum();
        for capture in &mut captures {
            capture.read_as_part_of(input_bytes);
        }
        let start = captures.first().and_then(first_time);
        let mut event_count = 0;
        let parts = captures
            .into_iter()
            .map(|capture| {
                let first_index = event_count;
                event_count += capture.event_count();
                let renderer = ColumnRenderer::new(&capture);
                Part {
                    renderer: match start {
                        Some(t) => renderer.with_first_time(t),
                        None => renderer,
                    },
                    capture,
                    first_index,
                }
            })
            .collect();
        SplitCapture { parts, event_count }
    }

    /// The same capture with its time columns rendered in `zone`.
    pub fn with_time_zone(mut self, zone: TimeZoneSpec) -> SplitCapture {
        for part in &mut self.parts {
            part.renderer = part.renderer.clone().with_time_zone(zone.clone());
        }
        self
    }

    /// The same capture rendered as ProcMon `build` prints (Operation and Detail), when one is
    /// given; with `None`, each part renders as the build detected in it.
    pub fn with_procmon_build(mut self, build: Option<ProcmonBuild>) -> SplitCapture {
        if let Some(build) = build {
            for part in &mut self.parts {
                part.renderer = part.renderer.clone().with_procmon_build(build);
            }
        }
        self
    }

    /// The parts, in time order.
    #[inline]
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// Part `number` (its position in time order).
    #[inline]
    pub fn part(&self, number: usize) -> Option<&Part> {
        self.parts.get(number)
    }

    /// The captures of the parts, in time order.
    pub fn captures(&self) -> impl ExactSizeIterator<Item = &Capture> + '_ {
        self.parts.iter().map(|p| &p.capture)
    }

    /// Events in all parts.
    #[inline]
    pub fn event_count(&self) -> u64 {
        self.event_count
    }

    /// The part holding global event `index`, and the event's index within it.
    pub fn locate(&self, index: u64) -> Option<(&Part, u64)> {
        if index >= self.event_count {
            return None;
        }
        let after = self.parts.partition_point(|p| p.first_index <= index);
        let part = &self.parts[after.checked_sub(1)?];
        Some((part, index - part.first_index))
    }

    /// Global event `index`, or `None` past the last event. The event's own
    /// [`Event::index`] is its index within its part.
    pub fn event(&self, index: u64) -> Option<Result<Event<'_>>> {
        let (part, local) = self.locate(index)?;
        Some(part.capture.event(local))
    }

    /// Time of the first event of the first part.
    pub fn first_time(&self) -> Option<FileTime> {
        self.parts.first().and_then(|p| first_time(&p.capture))
    }

    /// True when a part had to be salvaged and some of its bytes could not be read, or a part
    /// was truncated while it was read ([`Capture::truncated_while_reading`]).
    pub fn partial(&self) -> bool {
        self.captures().any(|c| {
            c.truncated_while_reading()
                || c.salvage_report().is_some_and(|r| r.unreadable_bytes > 0)
        })
    }

    /// The events split into contiguous chunks of at most `size` events, each within one part,
    /// in event order. A chunk also ends where its events would span more than
    /// [`CHUNK_BYTES`](crate::pass::CHUNK_BYTES) of the file (it holds one event at the least), so
    /// that chunks of huge events (paths of 32,767 characters) stay small in memory.
    pub fn chunks(&self, size: u64) -> Vec<crate::pass::Chunk> {
        let size = size.max(1);
        let mut out = Vec::new();
        for (number, part) in self.parts.iter().enumerate() {
            let n = part.capture.event_count();
            let mut start = 0;
            while start < n {
                let end = byte_bounded_end(&part.capture, start, (start + size).min(n));
                out.push(crate::pass::Chunk {
                    part: number,
                    range: start..end,
                    first_index: part.first_index + start,
                });
                start = end;
            }
            // Bounding the chunks read an offset every few thousand events, and the OS maps the
            // pages around each: drop them again, as a pass would, rather than hold the whole
            // offsets array from the start (50 MB for 10 M events).
            part.capture.release(0..n);
        }
        out
    }
}

impl From<Capture> for SplitCapture {
    fn from(capture: Capture) -> SplitCapture {
        SplitCapture::from_captures(vec![capture])
    }
}

/// The end of a chunk of `capture` that starts at event `start` and ends at `end` at the most:
/// the last event it keeps starts less than [`CHUNK_BYTES`](crate::pass::CHUNK_BYTES) after the
/// first. Offsets are read by binary search, a few per chunk; unreadable ones end nothing.
fn byte_bounded_end(capture: &Capture, start: u64, end: u64) -> u64 {
    let Ok(first) = capture.event_offset(start) else {
        return end;
    };
    // With `e` events kept the chunk spans at least from `first` to the start of event e - 1.
    let fits = |e: u64| {
        capture.event_offset(e - 1).map_or(true, |last| {
            last.saturating_sub(first) < crate::pass::CHUNK_BYTES
        })
    };
    if fits(end) {
        return end;
    }
    let (mut fitting, mut too_far) = (start + 1, end);
    while too_far - fitting > 1 {
        let middle = fitting + (too_far - fitting) / 2;
        if fits(middle) {
            fitting = middle;
        } else {
            too_far = middle;
        }
    }
    fitting
}

fn first_time(capture: &Capture) -> Option<FileTime> {
    capture.event(0).ok().map(|e| e.time())
}
