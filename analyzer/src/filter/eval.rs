//! Fast evaluation of a [`Filter`] over the events of one capture.
//!
//! Rules on process-level columns (process name, PID, command line, user, ...) are decided once
//! per process and cached; the remaining columns are rendered per event, cheapest first, and
//! only the columns some rule looks at.

use std::ops::Range;
use std::sync::atomic::{AtomicU8, Ordering};

use pml_parser::{Capture, Column, ColumnRenderer, Event};

use super::expr::{Node, Slot, Values};
use super::field::Field;
use super::rule::{lowercase_into, Action, Rule};
use super::Filter;

/// The rules on one column.
#[derive(Debug, Clone)]
struct Step {
    column: Column,
    /// Any match removes the event.
    excludes: Vec<Rule>,
    /// When non-empty, one of them must match.
    includes: Vec<Rule>,
    /// Some rule compares lower-cased text.
    lowercase: bool,
}

impl Step {
    /// True when the event survives this column's rules.
    fn passes(&self, renderer: &ColumnRenderer, event: &Event<'_>, scratch: &mut Scratch) -> bool {
        scratch.text.clear();
        renderer.write(event, self.column, &mut scratch.text);
        if self.lowercase {
            lowercase_into(&scratch.text, &mut scratch.lower);
        }
        let (text, lower) = (scratch.text.as_str(), scratch.lower.as_str());
        if self.excludes.iter().any(|r| r.test(text, lower)) {
            return false;
        }
        self.includes.is_empty() || self.includes.iter().any(|r| r.test(text, lower))
    }
}

/// Relative cost of rendering a column: cheap fields are tested first.
fn cost(column: Column) -> u8 {
    match column {
        Column::Operation | Column::EventClass | Column::Sequence => 0,
        Column::Tid | Column::Result | Column::Category => 1,
        Column::Path => 3,
        Column::Detail => 4,
        _ => 2,
    }
}

/// Groups the rules by column, process-level columns apart, each group in cost order.
fn steps(filter: &Filter) -> (Vec<Step>, Vec<Step>) {
    let mut steps: Vec<Step> = Vec::new();
    for rule in filter.rules() {
        let i = match steps.iter().position(|s| s.column == rule.column) {
            Some(i) => i,
            None => {
                steps.push(Step {
                    column: rule.column,
                    excludes: Vec::new(),
                    includes: Vec::new(),
                    lowercase: false,
                });
                steps.len() - 1
            }
        };
        let step = &mut steps[i];
        step.lowercase |= rule.relation.needs_lowercase();
        match rule.action {
            Action::Include => step.includes.push(rule.clone()),
            Action::Exclude => step.excludes.push(rule.clone()),
        }
    }
    steps.sort_by_key(|s| cost(s.column));
    steps.into_iter().partition(|s| s.column.is_process_level())
}

/// Reusable buffers for [`Matcher::matches`]; one per thread.
#[derive(Debug, Default)]
pub struct Scratch {
    text: String,
    lower: String,
    /// The values of the expressions' fields for the event being tested.
    slots: Vec<Slot>,
}

/// Cached verdicts of the process-level rules: 0 unknown, 1 pass, 2 fail.
const UNKNOWN: u8 = 0;
const PASS: u8 = 1;
const FAIL: u8 = 2;

/// Process indexes above this are not cached (a corrupt table); their events are tested each time.
const MAX_CACHED_INDEX: u32 = 1 << 20;

/// How many events ahead of the one being tested [`Matcher::scan`] starts loading a header.
const PREFETCH_AHEAD: u64 = 16;

/// A filter prepared for the events of one capture. `Sync`: share it across threads, with one
/// [`Scratch`] per thread.
#[derive(Debug)]
pub struct Matcher {
    renderer: ColumnRenderer,
    process_steps: Vec<Step>,
    event_steps: Vec<Step>,
    /// The conjuncts of the expressions on process-level fields only.
    process_conds: Vec<Node>,
    /// The other conjuncts, cheapest first.
    event_conds: Vec<Node>,
    /// The field of each value slot of the conditions.
    fields: Vec<Field>,
    /// Verdict per process index; the last slot is for indexes above the table's largest.
    verdicts: Vec<AtomicU8>,
}

impl Matcher {
    /// Prepares `filter` for the events of `capture`, rendering columns with `renderer`.
    pub fn new(filter: &Filter, capture: &Capture, renderer: ColumnRenderer) -> Matcher {
        let (process_steps, event_steps) = steps(filter);
        let mut fields = Vec::new();
        let (mut process_conds, mut event_conds) = (Vec::new(), Vec::new());
        for expr in filter.wheres() {
            for node in expr.conjuncts(fields.len()) {
                if node.process_level() {
                    process_conds.push(node);
                } else {
                    event_conds.push(node);
                }
            }
            fields.extend_from_slice(expr.fields());
        }
        event_conds.sort_by_key(Node::cost);
        let slots = if process_steps.is_empty() && process_conds.is_empty() {
            0
        } else {
            let max = capture.processes().iter().map(|p| p.index).max();
            match max {
                Some(m) if m < MAX_CACHED_INDEX => m as usize + 2,
                Some(_) => 0,
                None => 1,
            }
        };
        Matcher {
            renderer,
            process_steps,
            event_steps,
            process_conds,
            event_conds,
            fields,
            verdicts: (0..slots).map(|_| AtomicU8::new(UNKNOWN)).collect(),
        }
    }

    /// True when every event passes (the filter has no rule).
    pub fn passes_all(&self) -> bool {
        self.decided_by_process() && self.process_steps.is_empty() && self.process_conds.is_empty()
    }

    /// True when no rule looks at an event's own columns: its process decides.
    fn decided_by_process(&self) -> bool {
        self.event_steps.is_empty() && self.event_conds.is_empty()
    }

    /// The renderer used for the rules' columns.
    pub fn renderer(&self) -> &ColumnRenderer {
        &self.renderer
    }

    /// The verdict for every event of the process with this index, when it is already known
    /// without looking at the event: all rules are on process-level columns and an event of that
    /// process has been tested. Lets a scan skip decoding the events of filtered-out processes.
    #[inline]
    pub fn process_verdict(&self, process_index: u32) -> Option<bool> {
        if !self.decided_by_process() {
            return None;
        }
        if self.passes_all() {
            return Some(true);
        }
        let slot = (process_index as usize).min(self.verdicts.len().checked_sub(1)?);
        match self.verdicts[slot].load(Ordering::Relaxed) {
            PASS => Some(true),
            FAIL => Some(false),
            _ => None,
        }
    }

    /// Calls `f(index, event)` for each event of `range` that passes the filter, in order, and
    /// returns how many events could not be read. Events of processes already known to fail are
    /// skipped by their process index alone, without decoding them.
    pub fn scan<'c, E>(
        &self,
        capture: &'c Capture,
        range: Range<u64>,
        scratch: &mut Scratch,
        mut f: impl FnMut(u64, &Event<'c>) -> Result<(), E>,
    ) -> Result<u64, E> {
        let mut unreadable = 0;
        let end = range.end;
        // Whether the process index alone can decide: never with rules on events' own columns;
        // always (without reading it) with no rule at all.
        let everything = self.passes_all();
        let by_process = self.decided_by_process();
        for index in range {
            if index + PREFETCH_AHEAD < end {
                capture.prefetch_event(index + PREFETCH_AHEAD);
            }
            let known = if everything {
                Some(true)
            } else if by_process {
                capture
                    .process_index_at(index)
                    .and_then(|p| self.process_verdict(p))
            } else {
                None
            };
            if known == Some(false) {
                continue;
            }
            // Borrowed where it lies, not moved out: see `Event::parse` on copies of events.
            match &capture.event(index) {
                Ok(event) => {
                    if known == Some(true) || self.matches(event, scratch) {
                        f(index, event)?;
                    }
                }
                Err(_) => unreadable += 1,
            }
        }
        Ok(unreadable)
    }

    /// True when `event` passes the filter.
    pub fn matches(&self, event: &Event<'_>, scratch: &mut Scratch) -> bool {
        if !self.fields.is_empty() {
            if scratch.slots.len() < self.fields.len() {
                scratch.slots.resize_with(self.fields.len(), Slot::default);
            }
            scratch.slots.iter_mut().for_each(Slot::reset);
        }
        self.process_passes(event, scratch)
            && self
                .event_steps
                .iter()
                .all(|s| s.passes(&self.renderer, event, scratch))
            && self.conds_pass(&self.event_conds, event, scratch)
    }

    /// True when `event` satisfies every condition of `conds`.
    fn conds_pass(&self, conds: &[Node], event: &Event<'_>, scratch: &mut Scratch) -> bool {
        if conds.is_empty() {
            return true;
        }
        let mut values = Values {
            renderer: &self.renderer,
            event,
            fields: &self.fields,
            slots: &mut scratch.slots,
        };
        conds.iter().all(|c| c.eval(&mut values))
    }

    /// The process-level rules, decided once per process.
    fn process_passes(&self, event: &Event<'_>, scratch: &mut Scratch) -> bool {
        if self.process_steps.is_empty() && self.process_conds.is_empty() {
            return true;
        }
        let evaluate = |scratch: &mut Scratch| {
            self.process_steps
                .iter()
                .all(|s| s.passes(&self.renderer, event, scratch))
                && self.conds_pass(&self.process_conds, event, scratch)
        };
        if self.verdicts.is_empty() {
            return evaluate(scratch);
        }
        let index = event.process_index() as usize;
        // An index always names the same process (or none), so it can key the cache directly.
        let slot = if index < self.verdicts.len() - 1 {
            index
        } else {
            self.verdicts.len() - 1
        };
        match self.verdicts[slot].load(Ordering::Relaxed) {
            PASS => true,
            FAIL => false,
            _ => {
                let pass = evaluate(scratch);
                self.verdicts[slot].store(if pass { PASS } else { FAIL }, Ordering::Relaxed);
                pass
            }
        }
    }
}
