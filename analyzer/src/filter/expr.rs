//! Filter expressions with SQL's quoting: `"Process Name" = 'cl.exe' and Duration > 100ms`.
//!
//! ```text
//! expr      := or
//! or        := and ('or' and)*
//! and       := not ('and' not)*
//! not       := 'not' not | '(' expr ')' | predicate
//! predicate := field ( ('=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>=') value
//!                    | relation value
//!                    | ['not'] 'in' '(' value (',' value)* ')' )
//! relation  := 'is' | 'is not' | 'contains' | 'excludes' | 'begins with' | 'ends with'
//!            | 'less than' | 'more than' | 'regex' | 'not' relation
//! field     := Name | "Name with spaces"          (ProcMon's columns, Length, Offset, Bytes)
//! value     := 'text' ('' for a quote) | number [unit]   (units: ns us ms s min h)
//! ```
//!
//! Text comparisons ignore case, as in ProcMon. Comparisons on numbers, durations and times
//! (PID, Duration, Time of Day, Length, ...) compare values; a value that is not a number is
//! compared as text. A derived field an event does not have (the Length of a RegOpenKey)
//! makes the comparison false.
//!
//! ```
//! use pml_analyzer::filter::Expr;
//! let expr = Expr::parse(r#""Process Name" = 'cl.exe' and not Path ends with '.pdb'"#).unwrap();
//! assert_eq!(expr.fields().len(), 2);
//! let err = Expr::parse("Duration > ").unwrap_err();
//! assert_eq!(err.column, 12);
//! ```

use std::cmp::Ordering;
use std::fmt;

use pml_parser::{ColumnRenderer, Event};

use super::field::{unit_seconds, Field, Kind};
use super::rule::{lowercase_into, Relation, Test};

/// Why an expression could not be read: where (a column of the text, from 1) and what was
/// expected there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at column {column}: {message}")]
pub struct ExprError {
    /// The position of the problem: a character column of the expression, counted from 1.
    pub column: usize,
    /// What was expected and what was found.
    pub message: String,
    /// The expression.
    pub expression: String,
}

impl ExprError {
    /// Two lines: the expression, and a caret under the problem.
    pub fn caret(&self) -> String {
        let line: String = self
            .expression
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        format!("  {line}\n  {}^", " ".repeat(self.column.saturating_sub(1)))
    }
}

/// A parsed filter expression. Evaluate it with a [`Matcher`](super::Matcher) (add it to a
/// [`Filter`](super::Filter) with [`Filter::push_where`](super::Filter::push_where)), or one
/// event at a time with [`Expr::matches`].
#[derive(Debug, Clone)]
pub struct Expr {
    text: String,
    root: Node,
    fields: Vec<Field>,
}

impl Expr {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Expr, ExprError> {
        let tokens = lex(text)?;
        let mut parser = Parser {
            text,
            tokens,
            at: 0,
            fields: Vec::new(),
            depth: 0,
        };
        if parser.peek().is_none() {
            return Err(
                parser.error_here("expected an expression, e.g. \"Process Name\" = 'cl.exe'")
            );
        }
        let root = parser.or()?;
        if parser.peek().is_some() {
            return Err(parser.error_here("expected 'and', 'or' or the end of the expression"));
        }
        Ok(Expr {
            text: text.to_string(),
            root,
            fields: parser.fields,
        })
    }

    /// The expression as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The distinct fields the expression looks at.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// True when `event` satisfies the expression (for one-off tests; a
    /// [`Matcher`](super::Matcher) is faster over many events).
    pub fn matches(&self, event: &Event<'_>, renderer: &ColumnRenderer) -> bool {
        let mut slots: Vec<Slot> = self.fields.iter().map(|_| Slot::default()).collect();
        let mut values = Values {
            renderer,
            event,
            fields: &self.fields,
            slots: &mut slots,
        };
        self.root.eval(&mut values)
    }

    /// The top-level conjuncts, with slots shifted by `base`.
    pub(crate) fn conjuncts(&self, base: usize) -> Vec<Node> {
        let mut root = self.root.clone();
        root.shift(base);
        match root {
            Node::And(parts) => parts,
            other => vec![other],
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for Expr {
    type Err = ExprError;
    fn from_str(s: &str) -> Result<Expr, ExprError> {
        Expr::parse(s)
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    fn holds(self, ord: Option<Ordering>) -> bool {
        match (self, ord) {
            (Op::Ne, None) => true,
            (_, None) => false,
            (Op::Eq, Some(o)) => o == Ordering::Equal,
            (Op::Ne, Some(o)) => o != Ordering::Equal,
            (Op::Lt, Some(o)) => o == Ordering::Less,
            (Op::Le, Some(o)) => o != Ordering::Greater,
            (Op::Gt, Some(o)) => o == Ordering::Greater,
            (Op::Ge, Some(o)) => o != Ordering::Less,
        }
    }
}

/// A compiled expression.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Cond(Box<Cond>),
}

/// One test on one field.
#[derive(Debug, Clone)]
pub(crate) struct Cond {
    field: Field,
    slot: usize,
    test: CondTest,
}

#[derive(Debug, Clone)]
enum CondTest {
    /// A ProcMon relation on the rendered text.
    Relation { test: Test, lower: bool },
    /// A comparison: by value when both sides have one, else by lower-cased text.
    Compare {
        op: Op,
        lower: String,
        number: Option<f64>,
    },
}

impl Node {
    fn shift(&mut self, base: usize) {
        match self {
            Node::And(parts) | Node::Or(parts) => parts.iter_mut().for_each(|p| p.shift(base)),
            Node::Not(inner) => inner.shift(base),
            Node::Cond(c) => c.slot += base,
        }
    }

    /// True when every field the node tests is a process-level column.
    pub(crate) fn process_level(&self) -> bool {
        match self {
            Node::And(parts) | Node::Or(parts) => parts.iter().all(Node::process_level),
            Node::Not(inner) => inner.process_level(),
            Node::Cond(c) => c.field.is_process_level(),
        }
    }

    /// The cost of the dearest field tested.
    pub(crate) fn cost(&self) -> u8 {
        match self {
            Node::And(parts) | Node::Or(parts) => parts.iter().map(Node::cost).max().unwrap_or(0),
            Node::Not(inner) => inner.cost(),
            Node::Cond(c) => c.field.cost(),
        }
    }

    pub(crate) fn eval(&self, values: &mut Values<'_, '_>) -> bool {
        match self {
            Node::And(parts) => parts.iter().all(|p| p.eval(values)),
            Node::Or(parts) => parts.iter().any(|p| p.eval(values)),
            Node::Not(inner) => !inner.eval(values),
            Node::Cond(c) => c.eval(values),
        }
    }
}

impl Cond {
    fn eval(&self, values: &mut Values<'_, '_>) -> bool {
        match &self.test {
            CondTest::Relation { test, lower } => {
                let slot = values.text(self.slot, *lower);
                test.matches(&slot.text, &slot.lower)
            }
            CondTest::Compare { op, lower, number } => {
                if let Some(b) = number {
                    let slot = values.number(self.slot);
                    if let Some(a) = slot.number {
                        return op.holds(a.partial_cmp(b));
                    }
                    if !slot.present {
                        return false;
                    }
                }
                let slot = values.text(self.slot, true);
                op.holds(Some(slot.lower.as_str().cmp(lower)))
            }
        }
    }
}

/// A field's value for the event being tested, computed when first needed.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    has_text: bool,
    has_lower: bool,
    has_number: bool,
    /// False for a derived field the event does not have.
    present: bool,
    text: String,
    lower: String,
    number: Option<f64>,
}

impl Slot {
    pub(crate) fn reset(&mut self) {
        self.has_text = false;
        self.has_lower = false;
        self.has_number = false;
    }
}

/// The values of one event's fields.
pub(crate) struct Values<'v, 'e> {
    pub(crate) renderer: &'v ColumnRenderer,
    pub(crate) event: &'v Event<'e>,
    pub(crate) fields: &'v [Field],
    pub(crate) slots: &'v mut [Slot],
}

impl Values<'_, '_> {
    fn text(&mut self, i: usize, lower: bool) -> &Slot {
        let slot = &mut self.slots[i];
        if !slot.has_text {
            slot.text.clear();
            self.fields[i].write(self.renderer, self.event, &mut slot.text);
            slot.has_text = true;
        }
        if lower && !slot.has_lower {
            lowercase_into(&slot.text, &mut slot.lower);
            slot.has_lower = true;
        }
        slot
    }

    fn number(&mut self, i: usize) -> &Slot {
        let field = self.fields[i];
        if !self.slots[i].has_number {
            let number = match field.fast_number(self.event) {
                Some(n) => n,
                None => {
                    let slot = self.text(i, false);
                    field.parse_value(&slot.text)
                }
            };
            let slot = &mut self.slots[i];
            slot.number = number;
            slot.present = number.is_some() || matches!(field, Field::Column(_));
            slot.has_number = true;
        }
        &self.slots[i]
    }
}

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A bare word: a keyword or a field name.
    Word(String),
    /// A double-quoted field name.
    Quoted(String),
    /// A single-quoted string.
    Str(String),
    /// A number, with its unit (possibly empty).
    Number { text: String, unit: String },
    /// Punctuation and operators.
    Sym(&'static str),
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Word(w) => format!("'{w}'"),
            Tok::Quoted(q) => format!("\"{q}\""),
            Tok::Str(s) => format!("the string '{s}'"),
            Tok::Number { text, unit } => format!("the number {text}{unit}"),
            Tok::Sym(s) => format!("'{s}'"),
        }
    }
}

/// Tokens with their character column (from 1).
fn lex(text: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    let error = |column: usize, message: String| ExprError {
        column,
        message,
        expression: text.to_string(),
    };
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '\'' || c == '"' {
            let mut value = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        let what = if c == '\'' { "string" } else { "column name" };
                        return Err(error(
                            column,
                            format!(
                                "this {what} has no closing {c} (write {c}{c} for a {c} inside)"
                            ),
                        ));
                    }
                    Some(&q) if q == c => {
                        if chars.get(i + 1) == Some(&c) {
                            value.push(c);
                            i += 2;
                        } else {
                            i += 1;
                            break;
                        }
                    }
                    Some(&other) => {
                        value.push(other);
                        i += 1;
                    }
                }
            }
            tokens.push((
                if c == '\'' {
                    Tok::Str(value)
                } else {
                    Tok::Quoted(value)
                },
                column,
            ));
            continue;
        }
        let negative_number = c == '-'
            && chars
                .get(i + 1)
                .is_some_and(|d| d.is_ascii_digit() || *d == '.');
        if c.is_ascii_digit()
            || negative_number
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            i += 1;
            let hex = c == '0' && matches!(chars.get(i), Some('x' | 'X'));
            if hex {
                i += 1;
                while chars.get(i).is_some_and(char::is_ascii_hexdigit) {
                    i += 1;
                }
            } else {
                while chars
                    .get(i)
                    .is_some_and(|d| d.is_ascii_digit() || *d == '.')
                {
                    i += 1;
                }
            }
            let number: String = chars[start..i].iter().collect();
            let unit_start = i;
            while chars.get(i).is_some_and(|d| d.is_alphabetic()) {
                i += 1;
            }
            let unit: String = chars[unit_start..i].iter().collect();
            tokens.push((Tok::Number { text: number, unit }, column));
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while chars
                .get(i)
                .is_some_and(|d| d.is_alphanumeric() || *d == '_' || *d == '&')
            {
                i += 1;
            }
            tokens.push((Tok::Word(chars[start..i].iter().collect()), column));
            continue;
        }
        let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
        let sym = match two.as_str() {
            "==" => Some("=="),
            "!=" => Some("!="),
            "<>" => Some("<>"),
            "<=" => Some("<="),
            ">=" => Some(">="),
            _ => None,
        };
        if let Some(sym) = sym {
            tokens.push((Tok::Sym(sym), column));
            i += 2;
            continue;
        }
        let sym = match c {
            '=' => "=",
            '<' => "<",
            '>' => ">",
            '(' => "(",
            ')' => ")",
            ',' => ",",
            _ => {
                return Err(error(
                    column,
                    format!("unexpected character '{c}': columns are Name or \"Name with spaces\", text is 'quoted'"),
                ))
            }
        };
        tokens.push((Tok::Sym(sym), column));
        i += 1;
    }
    Ok(tokens)
}

// ---------------------------------------------------------------------------------------------
// Parser

/// Nesting deeper than this is refused (the parser recurses).
const MAX_DEPTH: usize = 64;

const KEYWORDS: [&str; 15] = [
    "and", "or", "not", "in", "is", "contains", "excludes", "begins", "ends", "with", "regex",
    "less", "more", "than", "like",
];

struct Parser<'t> {
    text: &'t str,
    tokens: Vec<(Tok, usize)>,
    at: usize,
    fields: Vec<Field>,
    depth: usize,
}

/// A value written in the expression.
struct Literal {
    /// As text (a number as written, with its unit).
    text: String,
    /// Seconds of a number with a duration unit; the number of a bare number.
    number: Option<f64>,
    /// Written in single quotes.
    quoted: bool,
    column: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at).map(|(t, _)| t)
    }

    fn column(&self) -> usize {
        match self.tokens.get(self.at) {
            Some((_, c)) => *c,
            None => self.text.chars().count() + 1,
        }
    }

    fn found(&self) -> String {
        match self.peek() {
            Some(t) => t.describe(),
            None => "the end of the expression".to_string(),
        }
    }

    fn error_at(&self, column: usize, message: impl Into<String>) -> ExprError {
        ExprError {
            column,
            message: message.into(),
            expression: self.text.to_string(),
        }
    }

    fn error_here(&self, expected: &str) -> ExprError {
        self.error_at(self.column(), format!("{expected}, found {}", self.found()))
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn eat_word(&mut self, word: &str) -> bool {
        let yes = self.is_word(word);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn eat_sym(&mut self, sym: &str) -> bool {
        let yes = matches!(self.peek(), Some(Tok::Sym(s)) if *s == sym);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn or(&mut self) -> Result<Node, ExprError> {
        let mut parts = vec![self.and()?];
        while self.eat_word("or") {
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one part")
        } else {
            Node::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Node, ExprError> {
        let mut parts = vec![self.not()?];
        while self.eat_word("and") {
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one part")
        } else {
            // Flatten nested ands, so that conjuncts can be split by process level.
            Node::And(
                parts
                    .into_iter()
                    .flat_map(|p| match p {
                        Node::And(inner) => inner,
                        other => vec![other],
                    })
                    .collect(),
            )
        })
    }

    fn not(&mut self) -> Result<Node, ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_here("the expression is nested too deeply"));
        }
        let node = if self.eat_word("not") {
            Node::Not(Box::new(self.not()?))
        } else if self.eat_sym("(") {
            let inner = self.or()?;
            if !self.eat_sym(")") {
                return Err(self.error_here("expected ')' or 'and', 'or'"));
            }
            inner
        } else {
            self.predicate()?
        };
        self.depth -= 1;
        Ok(node)
    }

    fn field(&mut self) -> Result<(Field, usize), ExprError> {
        let column = self.column();
        let name = match self.peek() {
            Some(Tok::Word(w)) if !KEYWORDS.iter().any(|k| w.eq_ignore_ascii_case(k)) => w.clone(),
            Some(Tok::Quoted(q)) => q.clone(),
            _ => {
                return Err(self.error_here(
                    "expected a column (Operation, \"Process Name\", ...), 'not' or '('",
                ))
            }
        };
        let Some(field) = Field::from_name(&name) else {
            let hint = if matches!(self.peek(), Some(Tok::Word(_))) {
                " (text goes in single quotes; column names with spaces in double quotes)"
            } else {
                ""
            };
            return Err(self.error_at(
                column,
                format!(
                    "unknown column '{name}'{hint}: the columns are {}",
                    Field::names().join(", ")
                ),
            ));
        };
        self.at += 1;
        let slot = match self.fields.iter().position(|f| *f == field) {
            Some(i) => i,
            None => {
                self.fields.push(field);
                self.fields.len() - 1
            }
        };
        Ok((field, slot))
    }

    fn literal(&mut self) -> Result<Literal, ExprError> {
        let column = self.column();
        let literal = match self.peek() {
            Some(Tok::Str(s)) => Literal {
                text: s.clone(),
                number: None,
                quoted: true,
                column,
            },
            Some(Tok::Number { text, unit }) => {
                let value = if let Some(hex) =
                    text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"))
                {
                    u64::from_str_radix(hex, 16).ok().map(|v| v as f64)
                } else {
                    text.parse::<f64>().ok()
                };
                let Some(value) = value else {
                    return Err(self.error_at(column, format!("'{text}' is not a number")));
                };
                let Some(scale) = unit_seconds(unit) else {
                    return Err(self.error_at(
                        column,
                        format!("unknown unit '{unit}' after {text}: the units are ns, us, ms, s, min, h (text goes in single quotes)"),
                    ));
                };
                Literal {
                    text: format!("{text}{unit}"),
                    number: Some(value * scale),
                    quoted: false,
                    column,
                }
            }
            Some(Tok::Word(w)) => {
                return Err(self.error_at(
                    column,
                    format!("expected a value, found '{w}': write text in single quotes, '{w}'"),
                ))
            }
            _ => return Err(self.error_here("expected a value: 'text' or a number")),
        };
        self.at += 1;
        Ok(literal)
    }

    fn predicate(&mut self) -> Result<Node, ExprError> {
        let (field, slot) = self.field()?;
        let op_column = self.column();
        let op = match self.peek() {
            Some(Tok::Sym("=" | "==")) => Some(Op::Eq),
            Some(Tok::Sym("!=" | "<>")) => Some(Op::Ne),
            Some(Tok::Sym("<")) => Some(Op::Lt),
            Some(Tok::Sym("<=")) => Some(Op::Le),
            Some(Tok::Sym(">")) => Some(Op::Gt),
            Some(Tok::Sym(">=")) => Some(Op::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.at += 1;
            let literal = self.literal()?;
            return Ok(compare(field, slot, op, &literal));
        }
        let negated = self.eat_word("not");
        if self.eat_word("in") {
            if !self.eat_sym("(") {
                return Err(self.error_here("expected '(' after 'in'"));
            }
            let mut parts = Vec::new();
            loop {
                let literal = self.literal()?;
                parts.push(compare(field, slot, Op::Eq, &literal));
                if self.eat_sym(")") {
                    break;
                }
                if !self.eat_sym(",") {
                    return Err(self.error_here("expected ',' or ')' in the list"));
                }
            }
            let node = Node::Or(parts);
            return Ok(if negated {
                Node::Not(Box::new(node))
            } else {
                node
            });
        }
        let relation = if self.eat_word("is") {
            if self.eat_word("not") {
                Some(Relation::IsNot)
            } else {
                Some(Relation::Is)
            }
        } else if self.eat_word("contains") {
            Some(Relation::Contains)
        } else if self.eat_word("excludes") {
            Some(Relation::Excludes)
        } else if self.eat_word("regex") {
            Some(Relation::Regex)
        } else {
            let pairs = [
                ("begins", "with", Relation::BeginsWith),
                ("ends", "with", Relation::EndsWith),
                ("less", "than", Relation::LessThan),
                ("more", "than", Relation::MoreThan),
            ];
            let mut found = None;
            for (first, second, relation) in pairs {
                if self.eat_word(first) {
                    if !self.eat_word(second) {
                        return Err(
                            self.error_here(&format!("expected '{second}' after '{first}'"))
                        );
                    }
                    found = Some(relation);
                    break;
                }
            }
            found
        };
        let Some(relation) = relation else {
            let what = if negated {
                "expected in, contains, begins with, ends with, regex, ... after 'not'"
            } else {
                "expected an operator (= != < <= > >= in) or a relation (is, is not, contains, excludes, begins with, ends with, less than, more than, regex)"
            };
            let _ = op_column;
            return Err(self.error_here(what));
        };
        let literal = self.literal()?;
        let node = match relation {
            // `is` / `is not` on a value column with a bare number compare values.
            Relation::Is | Relation::IsNot if !literal.quoted => compare(
                field,
                slot,
                if relation == Relation::Is {
                    Op::Eq
                } else {
                    Op::Ne
                },
                &literal,
            ),
            Relation::LessThan | Relation::MoreThan
                if field.kind() != Kind::Text || !literal.quoted =>
            {
                compare(
                    field,
                    slot,
                    if relation == Relation::LessThan {
                        Op::Lt
                    } else {
                        Op::Gt
                    },
                    &literal,
                )
            }
            _ => {
                let test = Test::new(relation, &literal.text)
                    .map_err(|e| self.error_at(literal.column, e.to_string()))?;
                Node::Cond(Box::new(Cond {
                    field,
                    slot,
                    test: CondTest::Relation {
                        test,
                        lower: relation.needs_lowercase(),
                    },
                }))
            }
        };
        Ok(if negated {
            Node::Not(Box::new(node))
        } else {
            node
        })
    }
}

/// The comparison `field op literal`.
fn compare(field: Field, slot: usize, op: Op, literal: &Literal) -> Node {
    let mut lower = String::new();
    lowercase_into(&literal.text, &mut lower);
    let number = match (field.kind(), literal.quoted) {
        // Quoted text on a text column is text, even when it looks like a number.
        (Kind::Text, true) => None,
        (_, false) => literal.number,
        (_, true) => field.parse_value(&literal.text),
    };
    Node::Cond(Box::new(Cond {
        field,
        slot,
        test: CondTest::Compare { op, lower, number },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column_of(text: &str) -> (usize, String) {
        let e = Expr::parse(text).unwrap_err();
        (e.column, e.message)
    }

    #[test]
    fn parses_the_issue_example() {
        let e = Expr::parse(
            r#""Process Name" = 'cl.exe' and Result != 'SUCCESS' and not Path ends with '.pdb'"#,
        )
        .unwrap();
        assert_eq!(e.fields().len(), 3);
        assert_eq!(e.conjuncts(0).len(), 3);
        assert!(e.conjuncts(0)[0].process_level());
        assert!(!e.conjuncts(0)[1].process_level());
    }

    #[test]
    fn precedence_is_sql() {
        // a or b and c == a or (b and c)
        let e = Expr::parse("PID = 1 or PID = 2 and TID = 3").unwrap();
        assert!(matches!(e.root, Node::Or(ref p) if p.len() == 2));
        let e = Expr::parse("(PID = 1 or PID = 2) and TID = 3").unwrap();
        assert!(matches!(e.root, Node::And(ref p) if p.len() == 2));
        let e = Expr::parse("not PID = 1 and TID = 3").unwrap();
        assert!(matches!(e.root, Node::And(ref p) if matches!(p[0], Node::Not(_))));
    }

    #[test]
    fn values_and_quotes() {
        assert!(Expr::parse("Path = 'it''s'").is_ok());
        assert!(Expr::parse("Duration > 100ms and Duration <= 1.5s").is_ok());
        assert!(Expr::parse(r#""Time of Day" >= '09:30:00'"#).is_ok());
        assert!(Expr::parse("Operation in ('ReadFile', 'WriteFile')").is_ok());
        assert!(Expr::parse("Operation not in ('ReadFile')").is_ok());
        assert!(Expr::parse("PID == 0x10 or Length >= 4096").is_ok());
        assert!(Expr::parse("path NOT CONTAINS 'x' AND process_name IS NOT 'a'").is_ok());
    }

    #[test]
    fn errors_point_at_the_problem() {
        assert_eq!(column_of("Duration > ").0, 12);
        let (c, m) = column_of("Operation = ReadFile");
        assert_eq!(c, 13);
        assert!(m.contains("'ReadFile'"), "{m}");
        let (c, m) = column_of("Proc = 'x'");
        assert_eq!(c, 1);
        assert!(m.contains("unknown column 'Proc'"), "{m}");
        let (c, m) = column_of("Path = 'x' and");
        assert_eq!(c, 15);
        assert!(m.contains("expected a column"), "{m}");
        assert_eq!(column_of("Path = 'x").0, 8);
        assert_eq!(column_of("(Path = 'x'").0, 12);
        assert_eq!(column_of("Path 'x'").0, 6);
        assert_eq!(column_of("Path = 'x' Path").0, 12);
        assert_eq!(column_of("Duration > 5 parsecs").0, 14);
        assert_eq!(column_of("Duration > 5xs").0, 12);
        assert_eq!(column_of("Path regex '('").0, 12);
        assert_eq!(column_of("Path begins 'x'").0, 13);
        assert_eq!(column_of("").0, 1);
        assert_eq!(column_of("Path ~ 'x'").0, 6);
        let deep = format!("{}PID = 1{}", "(".repeat(100), ")".repeat(100));
        assert!(Expr::parse(&deep).is_err());
        let e = Expr::parse("Path = ").unwrap_err();
        assert_eq!(e.caret(), "  Path = \n         ^");
    }
}
