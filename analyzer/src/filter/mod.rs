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
//!
//! A filter can also hold expressions ([`Expr`], `--where`): an event passes when it passes the
//! rules and every expression.
//!
//! ```
//! use pml_analyzer::filter::{Expr, Filter};
//! let mut filter = Filter::default();
//! filter.push_where(Expr::parse(r#""Process Name" = 'cl.exe' and Duration > 100ms"#).unwrap());
//! assert!(!filter.is_empty());
//! ```

mod eval;
mod expr;
mod field;
mod parse;
mod rule;

pub use eval::{Matcher, Scratch};
pub use expr::{Expr, ExprError};
pub use field::Field;
pub(crate) use field::Kind as FieldKind;
pub use parse::ParseError;
pub use rule::BadRegex;
pub use rule::{Action, Relation, Rule};

use pml_parser::Column;

/// A set of include and exclude rules.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    rules: Vec<Rule>,
    wheres: Vec<Expr>,
}

impl Filter {
    /// A filter with these rules.
    pub fn new(rules: Vec<Rule>) -> Filter {
        Filter {
            rules,
            wheres: Vec::new(),
        }
    }

    /// Adds a rule.
    pub fn push(&mut self, rule: Rule) {
        self.rules.push(rule);
    }

    /// Adds every rule of `other`.
    pub fn extend(&mut self, other: Filter) {
        self.rules.extend(other.rules);
        self.wheres.extend(other.wheres);
    }

    /// Adds an expression: events must satisfy it too.
    pub fn push_where(&mut self, expr: Expr) {
        self.wheres.push(expr);
    }

    /// The expressions, in the order they were added.
    pub fn wheres(&self) -> &[Expr] {
        &self.wheres
    }

    /// The rules, in the order they were added.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// True when the filter has no rule and no expression (every event passes).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.wheres.is_empty()
    }

    /// The distinct columns the rules and expressions look at.
    pub fn columns(&self) -> Vec<Column> {
        let mut columns: Vec<Column> = self.rules.iter().map(|r| r.column).collect();
        for expr in &self.wheres {
            columns.extend(expr.fields().iter().filter_map(|f| match f {
                Field::Column(c) => Some(*c),
                _ => None,
            }));
        }
        columns.sort_unstable();
        columns.dedup();
        columns
    }
}
