//! Process Monitor's Tools-menu summaries over the events that pass a filter: activity per
//! process, the process tree, per-path file / registry / network activity, occurrences of a
//! column's values, cross references (written by one process, read by another) and stacks.
//!
//! Feed events with [`Summarizer::add`] (from one or several captures, in order) and take the
//! result as a typed [`Table`] with [`Summarizer::finish`].

mod count;
mod paths;
mod processes;
mod stacks;
mod table;
mod xref;

pub use table::{Table, Value, ValueType};

use pml_parser::{Column, ColumnRenderer, Event, Progress};

use crate::query::Query;

/// Events per parallel chunk of [`Summarizer::summarize`].
const CHUNK_EVENTS: u64 = 1 << 16;

/// Which summary to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Events per process, by class.
    Processes,
    /// The process tree, with command lines and lifetimes.
    Tree,
    /// Per file-system path: events, time, bytes read and written, counts per operation.
    Files,
    /// Per registry path: events, time, counts per operation.
    Registry,
    /// Per network connection: events, bytes, counts per operation.
    Network,
    /// Distinct values of a column, with counts.
    Count(Column),
    /// Paths written by one process and read by another.
    Xref,
    /// Distinct call stacks (module + offset), with counts and total duration.
    Stacks,
}

impl Kind {
    /// The summary names `pml summary` accepts (`count` takes a column).
    pub const NAMES: [&'static str; 8] = [
        "processes",
        "tree",
        "files",
        "registry",
        "network",
        "count",
        "xref",
        "stacks",
    ];

    /// The summary called `name`; `count` needs `column`.
    pub fn from_name(name: &str, column: Option<Column>) -> Option<Kind> {
        Some(match name.to_ascii_lowercase().as_str() {
            "processes" | "process" => Kind::Processes,
            "tree" => Kind::Tree,
            "files" | "file" => Kind::Files,
            "registry" => Kind::Registry,
            "network" => Kind::Network,
            "count" => Kind::Count(column?),
            "xref" => Kind::Xref,
            "stacks" | "stack" => Kind::Stacks,
            _ => return None,
        })
    }
}

/// Builds one summary from the events it is given.
#[derive(Debug)]
pub struct Summarizer {
    state: State,
    scratch: String,
}

#[derive(Debug)]
enum State {
    Processes(processes::Processes),
    Tree(processes::Tree),
    Paths(paths::Paths),
    Count(count::Count),
    Xref(xref::Xref),
    Stacks(stacks::Stacks),
}

impl Summarizer {
    /// An empty summary of `kind`.
    pub fn new(kind: Kind) -> Summarizer {
        let state = match kind {
            Kind::Processes => State::Processes(Default::default()),
            Kind::Tree => State::Tree(Default::default()),
            Kind::Files => State::Paths(paths::Paths::new(paths::Domain::Files)),
            Kind::Registry => State::Paths(paths::Paths::new(paths::Domain::Registry)),
            Kind::Network => State::Paths(paths::Paths::new(paths::Domain::Network)),
            Kind::Count(column) => State::Count(count::Count::new(column)),
            Kind::Xref => State::Xref(Default::default()),
            Kind::Stacks => State::Stacks(Default::default()),
        };
        Summarizer {
            state,
            scratch: String::new(),
        }
    }

    /// Adds the processes of a capture (the tree lists every process, even those without
    /// events that pass the filter). Call it once per capture, before or after its events.
    pub fn add_processes(&mut self, capture: &pml_parser::Capture) {
        if let State::Tree(t) = &mut self.state {
            t.add_table(capture);
        }
    }

    /// Counts one event that passed the filter; `renderer` renders columns of its capture.
    pub fn add(&mut self, event: &Event<'_>, renderer: &ColumnRenderer) {
        let s = &mut self.scratch;
        match &mut self.state {
            State::Processes(p) => p.add(event),
            State::Tree(t) => t.add(event),
            State::Paths(p) => p.add(event, renderer, s),
            State::Count(c) => c.add(event, renderer, s),
            State::Xref(x) => x.add(event, s),
            State::Stacks(st) => st.add(event, renderer),
        }
    }

    /// The summary of `kind` over the events that pass `query` (all parts of its capture, on
    /// all cores, events taken in order), and the number of events that could not be read.
    pub fn summarize(query: &Query<'_>, kind: Kind, progress: &dyn Progress) -> (Table, u64) {
        let mut summarizer = Summarizer::new(kind);
        for part in query.capture().captures() {
            summarizer.add_processes(part);
        }
        let done = query.for_each_in_order(CHUNK_EVENTS, progress, |part, event| {
            summarizer.add(event, part.renderer());
            Ok::<bool, std::convert::Infallible>(true)
        });
        let unreadable = match done {
            Ok(unreadable) => unreadable,
            Err(never) => match never {},
        };
        (summarizer.finish(), unreadable)
    }

    /// The summary as a table, sorted as ProcMon would show it.
    pub fn finish(self) -> Table {
        match self.state {
            State::Processes(p) => p.finish(),
            State::Tree(t) => t.finish(),
            State::Paths(p) => p.finish(),
            State::Count(c) => c.finish(),
            State::Xref(x) => x.finish(),
            State::Stacks(st) => st.finish(),
        }
    }
}

/// Key of a process across the files of a split capture: PID and start time.
pub(crate) type ProcessKey = (u32, u64);

/// `name (PID)`.
pub(crate) fn process_label(event: &Event<'_>) -> String {
    match event.process() {
        Some(p) => format!("{} ({})", p.name, p.pid),
        None => format!("process index {}", event.process_index()),
    }
}

/// The key of the event's process.
pub(crate) fn process_key(event: &Event<'_>) -> ProcessKey {
    match event.process() {
        Some(p) => (p.pid, p.start_time.0),
        None => (u32::MAX, u64::from(event.process_index())),
    }
}
