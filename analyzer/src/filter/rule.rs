//! One filter rule and the test it applies to a rendered column value.

use std::cmp::Ordering;
use std::fmt;

use pml_parser::Column;
use regex::Regex;

/// How a rule compares the column value with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// Equal (ignoring case).
    Is,
    /// Not equal (ignoring case).
    IsNot,
    /// Smaller: numerically when both sides are numbers, else by text (ignoring case).
    LessThan,
    /// Larger: numerically when both sides are numbers, else by text (ignoring case).
    MoreThan,
    /// Starts with the value (ignoring case).
    BeginsWith,
    /// Ends with the value (ignoring case).
    EndsWith,
    /// Contains the value (ignoring case).
    Contains,
    /// Does not contain the value (ignoring case).
    Excludes,
    /// Matches the value as a regular expression (case-insensitive; not in ProcMon).
    Regex,
}

impl Relation {
    /// Every relation; the first eight in PMC order (their index is the PMC code).
    pub const ALL: [Relation; 9] = [
        Relation::Is,
        Relation::IsNot,
        Relation::LessThan,
        Relation::MoreThan,
        Relation::BeginsWith,
        Relation::EndsWith,
        Relation::Contains,
        Relation::Excludes,
        Relation::Regex,
    ];

    /// The words ProcMon shows, e.g. `begins with`.
    pub fn name(self) -> &'static str {
        match self {
            Relation::Is => "is",
            Relation::IsNot => "is not",
            Relation::LessThan => "less than",
            Relation::MoreThan => "more than",
            Relation::BeginsWith => "begins with",
            Relation::EndsWith => "ends with",
            Relation::Contains => "contains",
            Relation::Excludes => "excludes",
            Relation::Regex => "regex",
        }
    }

    /// The relation stored in a PMC file under `code` (0-7).
    pub fn from_pmc_code(code: u32) -> Option<Relation> {
        Relation::ALL
            .get(code as usize)
            .copied()
            .filter(|r| *r != Relation::Regex)
    }

    /// True when the test compares lower-cased text.
    pub(crate) fn needs_lowercase(self) -> bool {
        !matches!(self, Relation::Regex)
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a matching event's fate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Keep matching events (rules on one column are OR'd, across columns AND'd).
    Include,
    /// Remove matching events.
    Exclude,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Include => "Include",
            Action::Exclude => "Exclude",
        })
    }
}

/// A rule: `COLUMN RELATION VALUE`, then include or exclude.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The column compared.
    pub column: Column,
    /// The comparison.
    pub relation: Relation,
    /// The value, as written.
    pub value: String,
    /// Include or exclude.
    pub action: Action,
    test: Test,
}

/// A `regex` rule whose value is not a valid regular expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad regular expression '{value}': {reason}")]
pub struct BadRegex {
    /// The value.
    pub value: String,
    /// The regex crate's explanation.
    pub reason: String,
}

impl Rule {
    /// A rule; fails only for a `regex` value that is not a valid regular expression.
    pub fn new(
        column: Column,
        relation: Relation,
        value: impl Into<String>,
        action: Action,
    ) -> Result<Rule, BadRegex> {
        let value = value.into();
        let test = Test::new(relation, &value)?;
        Ok(Rule {
            column,
            relation,
            value,
            action,
            test,
        })
    }

    /// True when the rendered column value `text` satisfies the relation.
    ///
    /// `lower` must be `text` lower-cased (see `lowercase_into`).
    pub fn test(&self, text: &str, lower: &str) -> bool {
        self.test.matches(text, lower)
    }

    /// True when `text` satisfies the relation (lower-cases it itself).
    pub fn test_text(&self, text: &str) -> bool {
        let mut lower = String::new();
        lowercase_into(text, &mut lower);
        self.test(text, &lower)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} ({})",
            self.column.name(),
            self.relation,
            self.value,
            self.action
        )
    }
}

/// Writes `text` lower-cased into `out` (cleared first); ASCII text takes a fast path.
pub fn lowercase_into(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        out.push_str(text);
        out.make_ascii_lowercase();
    } else {
        out.extend(text.chars().flat_map(char::to_lowercase));
    }
}

/// The compiled comparison of a rule.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    /// Text relations, with the value lower-cased.
    Text {
        relation: Relation,
        lower: String,
        number: Option<f64>,
    },
    /// A case-insensitive regular expression.
    Regex(Regex),
}

impl Test {
    pub(crate) fn new(relation: Relation, value: &str) -> Result<Test, BadRegex> {
        if relation == Relation::Regex {
            return regex::RegexBuilder::new(value)
                .case_insensitive(true)
                .build()
                .map(Test::Regex)
                .map_err(|e| BadRegex {
                    value: value.to_string(),
                    reason: e.to_string(),
                });
        }
        let mut lower = String::new();
        lowercase_into(value, &mut lower);
        Ok(Test::Text {
            relation,
            lower,
            number: parse_number(value),
        })
    }

    pub(crate) fn matches(&self, text: &str, lower_text: &str) -> bool {
        let (relation, lower, number) = match self {
            Test::Regex(re) => return re.is_match(text),
            Test::Text {
                relation,
                lower,
                number,
            } => (*relation, lower.as_str(), *number),
        };
        match relation {
            Relation::Is => lower_text == lower,
            Relation::IsNot => lower_text != lower,
            Relation::BeginsWith => lower_text.starts_with(lower),
            Relation::EndsWith => lower_text.ends_with(lower),
            Relation::Contains => lower_text.contains(lower),
            Relation::Excludes => !lower_text.contains(lower),
            Relation::LessThan => compare(text, lower_text, number, lower) == Ordering::Less,
            Relation::MoreThan => compare(text, lower_text, number, lower) == Ordering::Greater,
            Relation::Regex => false,
        }
    }
}

/// Compares a column value with a rule value: as numbers when both are, else as text.
fn compare(text: &str, lower_text: &str, number: Option<f64>, lower: &str) -> Ordering {
    match (parse_number(text), number) {
        (Some(a), Some(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
        _ => lower_text.cmp(lower),
    }
}

/// A decimal number (`1234`, `0.0000153`, `-2`), or a hexadecimal one (`0x1F`).
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok().map(|v| v as f64);
    }
    if t.is_empty()
        || !t
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return None;
    }
    t.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(relation: Relation, value: &str) -> Rule {
        Rule::new(Column::Path, relation, value, Action::Include).unwrap()
    }

    #[test]
    fn text_relations_ignore_case() {
        assert!(rule(Relation::Is, "CL.EXE").test_text("cl.exe"));
        assert!(!rule(Relation::IsNot, "CL.EXE").test_text("Cl.Exe"));
        assert!(rule(Relation::BeginsWith, "c:\\win").test_text("C:\\Windows\\x"));
        assert!(rule(Relation::EndsWith, ".PDB").test_text("a.pdb"));
        assert!(rule(Relation::Contains, "ÄB").test_text("xäbx"));
        assert!(rule(Relation::Excludes, "zz").test_text("abc"));
        assert!(!rule(Relation::Excludes, "B").test_text("abc"));
    }

    #[test]
    fn order_relations_compare_numbers_as_numbers() {
        assert!(rule(Relation::LessThan, "100").test_text("20"));
        assert!(rule(Relation::MoreThan, "0.001").test_text("0.0100000"));
        assert!(rule(Relation::LessThan, "b").test_text("A"));
        assert!(!rule(Relation::MoreThan, "10").test_text("9"));
    }

    #[test]
    fn regex_is_case_insensitive_and_validated() {
        assert!(rule(Relation::Regex, r"^cl\.exe$").test_text("CL.EXE"));
        assert!(Rule::new(Column::Path, Relation::Regex, "(", Action::Include).is_err());
    }
}
