//! Process Monitor's filters: rules `COLUMN RELATION VALUE` that include or exclude events.
//!
//! Semantics are ProcMon's: include rules on the same column are OR'd, include rules on
//! different columns are AND'd, and an event that matches any exclude rule is removed.
//! Comparisons ignore case. With no include rule every event is included.
//!
//! ```
//! use pml_analyzer::filter::{Action, Filter, Rule};
//! let mut filter = Filter::default();
//! filter.push(Rule::parse("Process Name is cl.exe", Action::Include).unwrap());
//! filter.push(Rule::parse("Path ends with .pdb", Action::Exclude).unwrap());
//! assert_eq!(filter.rules().len(), 2);
//! ```

mod eval;
mod parse;
mod rule;

pub use eval::{Matcher, Scratch};
pub use parse::ParseError;
pub use rule::BadRegex;
pub use rule::{Action, Relation, Rule};

use pml_parser::Column;

/// A set of include and exclude rules.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    rules: Vec<Rule>,
}

impl Filter {
    /// A filter with these rules.
    pub fn new(rules: Vec<Rule>) -> Filter {
        Filter { rules }
    }

    /// Adds a rule.
    pub fn push(&mut self, rule: Rule) {
        self.rules.push(rule);
    }

    /// Adds every rule of `other`.
    pub fn extend(&mut self, other: Filter) {
        self.rules.extend(other.rules);
    }

    /// The rules, in the order they were added.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// True when the filter has no rule (every event passes).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The distinct columns the rules look at.
    pub fn columns(&self) -> Vec<Column> {
        let mut columns: Vec<Column> = self.rules.iter().map(|r| r.column).collect();
        columns.sort_unstable();
        columns.dedup();
        columns
    }
}
