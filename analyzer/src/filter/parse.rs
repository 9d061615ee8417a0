//! Parsing rules written as text: `Process Name is cl.exe`, `Path ends with .pdb`.

use pml_parser::Column;

use super::rule::{Action, Relation, Rule};

/// Why a rule could not be read; the message quotes the bad part and lists what is valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The rule text is empty.
    #[error("empty filter rule: expected COLUMN RELATION VALUE, e.g. 'Process Name is cl.exe'")]
    Empty,
    /// The text does not start with a column name.
    #[error("unknown column at '{at}': the columns are {}", column_list())]
    UnknownColumn {
        /// The text from where a column was expected.
        at: String,
    },
    /// No relation follows the column.
    #[error(
        "unknown relation at '{at}' after column '{column}': the relations are {}",
        relation_list()
    )]
    UnknownRelation {
        /// The column read.
        column: &'static str,
        /// The text from where a relation was expected.
        at: String,
    },
    /// Nothing follows the relation.
    #[error("no value after '{rule}': write the value after the relation (\"\" for an empty one)")]
    MissingValue {
        /// The rule text.
        rule: String,
    },
    /// A `regex` rule whose value is not a valid regular expression.
    #[error("bad regular expression '{value}': {reason}")]
    BadRegex {
        /// The value.
        value: String,
        /// The regex crate's explanation.
        reason: String,
    },
}

fn column_list() -> String {
    let names: Vec<&str> = Column::ALL.iter().map(|c| c.name()).collect();
    names.join(", ")
}

fn relation_list() -> String {
    let names: Vec<&str> = Relation::ALL.iter().map(|r| r.name()).collect();
    names.join(", ")
}

/// If `text` starts with `word` (ignoring ASCII case) followed by whitespace or the end,
/// the rest after the whitespace.
fn strip_word<'t>(text: &'t str, word: &str) -> Option<&'t str> {
    let head = text.get(..word.len())?;
    if !head.eq_ignore_ascii_case(word) {
        return None;
    }
    let rest = &text[word.len()..];
    if rest.is_empty() {
        Some(rest)
    } else if rest.starts_with(char::is_whitespace) {
        Some(rest.trim_start())
    } else {
        None
    }
}

/// The longest candidate that `text` starts with, and the rest.
fn longest<T: Copy>(
    text: &str,
    candidates: impl Iterator<Item = (T, &'static str)>,
) -> Option<(T, &str)> {
    candidates
        .filter_map(|(item, word)| strip_word(text, word).map(|rest| (item, word.len(), rest)))
        .max_by_key(|&(_, len, _)| len)
        .map(|(item, _, rest)| (item, rest))
}

impl Rule {
    /// Reads `COLUMN RELATION VALUE`, e.g. `Process Name is cl.exe` or `Path regex \.pdb$`.
    ///
    /// Column and relation names ignore case; the value runs to the end of the text, with
    /// surrounding spaces removed unless it is written in double quotes.
    pub fn parse(text: &str, action: Action) -> Result<Rule, ParseError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ParseError::Empty);
        }
        let (column, rest) =
            longest(text, Column::ALL.iter().map(|&c| (c, c.name()))).ok_or_else(|| {
                ParseError::UnknownColumn {
                    at: text.to_string(),
                }
            })?;
        let (relation, rest) = longest(rest, Relation::ALL.iter().map(|&r| (r, r.name())))
            .ok_or_else(|| ParseError::UnknownRelation {
                column: column.name(),
                at: rest.to_string(),
            })?;
        let value = match rest.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            Some(quoted) => quoted,
            None if rest.is_empty() => {
                return Err(ParseError::MissingValue {
                    rule: text.to_string(),
                })
            }
            None => rest,
        };
        Rule::new(column, relation, value, action).map_err(|e| ParseError::BadRegex {
            value: e.value,
            reason: e.reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_multi_word_columns_and_relations() {
        let r = Rule::parse("  process name  is not   cl.exe ", Action::Include).unwrap();
        assert_eq!(
            (r.column, r.relation, r.value.as_str()),
            (Column::ProcessName, Relation::IsNot, "cl.exe")
        );
        let r = Rule::parse("Date & Time begins with 7/12", Action::Exclude).unwrap();
        assert_eq!(
            (r.column, r.relation),
            (Column::DateTime, Relation::BeginsWith)
        );
        let r = Rule::parse(r#"Path is " a b ""#, Action::Include).unwrap();
        assert_eq!(r.value, " a b ");
        let r = Rule::parse("Path is \"\"", Action::Include).unwrap();
        assert_eq!(r.value, "");
    }

    #[test]
    fn errors_quote_the_bad_part_and_list_the_choices() {
        let e = Rule::parse("Proces Name is x", Action::Include).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("'Proces Name is x'") && msg.contains("Process Name, PID"),
            "{msg}"
        );
        let e = Rule::parse("PID iss 4", Action::Include).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("'iss 4'") && msg.contains("begins with"),
            "{msg}"
        );
        assert!(matches!(
            Rule::parse("PID is", Action::Include),
            Err(ParseError::MissingValue { .. })
        ));
        assert!(matches!(
            Rule::parse("  ", Action::Include),
            Err(ParseError::Empty)
        ));
        // "Process" alone is not a column, even though "Process Name" starts with it.
        assert!(Rule::parse("Processname is x", Action::Include).is_err());
    }
}
