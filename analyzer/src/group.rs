//! Grouped queries: the events that pass a [`Query`], grouped by fields, with metrics per group
//! (`pml query --group-by 'Process Name,Operation' --metric 'sum(Duration)'`).
//!
//! Chunks of events are grouped in parallel, each by raw keys (process index, operation,
//! result code, ...) that are rendered once per group; the chunks' groups are merged as they
//! come, so memory grows with the number of groups, not of events.
//!
//! ```no_run
//! use pml_analyzer::filter::{Expr, Field, Filter};
//! use pml_analyzer::group::{GroupBy, Metric};
//! use pml_analyzer::Query;
//! let capture = pml_parser::SplitCapture::open("build.pml", Default::default())?;
//! let mut filter = Filter::default();
//! filter.push_where(Expr::parse("Result != 'SUCCESS'").unwrap());
//! let query = Query::new(&capture, &filter);
//! let group_by = GroupBy::new(
//!     GroupBy::parse_keys("Process Name").unwrap(),
//!     vec!["count".parse::<Metric>().unwrap(), "sum(Duration)".parse().unwrap()],
//! );
//! let grouped = group_by.run(&query, &());
//! for group in &grouped.groups {
//!     println!("{:?} {:?}", group.key, group.metrics);
//! }
//! # Ok::<(), pml_parser::Error>(())
//! ```

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use pml_parser::{Column, ColumnRenderer, Event, Progress};

use crate::filter::Field;
use crate::hash::{FxHashMap, FxHashSet};
use crate::Query;

/// Why a metric or a list of group-by fields could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupError {
    /// A name that is not a field.
    #[error("unknown column '{name}': the columns are {}", Field::names().join(", "))]
    UnknownField {
        /// The name given.
        name: String,
    },
    /// A metric that is not `count`, `sum(COL)`, `avg(COL)`, `min(COL)`, `max(COL)` or
    /// `distinct(COL)`.
    #[error("unknown metric '{text}': the metrics are count, sum(COL), avg(COL), min(COL), max(COL), distinct(COL)")]
    UnknownMetric {
        /// The text given.
        text: String,
    },
    /// No field to group by.
    #[error("no column to group by: give one or more, separated by commas")]
    NoKeys,
}

/// What a metric computes over a group's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aggregate {
    /// The number of events.
    Count,
    /// The sum of the field's numbers.
    Sum,
    /// The mean of the field's numbers.
    Avg,
    /// The smallest value.
    Min,
    /// The largest value.
    Max,
    /// The number of distinct values (texts as rendered).
    Distinct,
}

impl Aggregate {
    /// The name written in a metric: `count`, `sum`, ...
    pub fn name(self) -> &'static str {
        match self {
            Aggregate::Count => "count",
            Aggregate::Sum => "sum",
            Aggregate::Avg => "avg",
            Aggregate::Min => "min",
            Aggregate::Max => "max",
            Aggregate::Distinct => "distinct",
        }
    }
}

/// A metric: `count`, or an aggregate of a field such as `sum(Duration)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Metric {
    /// What is computed.
    pub aggregate: Aggregate,
    /// The field it is computed over (`None` for `count`).
    pub field: Option<Field>,
}

impl Metric {
    /// The number of events.
    pub const COUNT: Metric = Metric {
        aggregate: Aggregate::Count,
        field: None,
    };

    /// The metric's name, as parsed: `count`, `sum(Duration)`.
    pub fn name(&self) -> String {
        match self.field {
            None => self.aggregate.name().to_string(),
            Some(f) => format!("{}({})", self.aggregate.name(), f.name()),
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl FromStr for Metric {
    type Err = GroupError;

    /// `count`, `count(*)`, `sum(Duration)`, `avg("Length")`, `distinct(Path)`, ignoring case.
    fn from_str(text: &str) -> Result<Metric, GroupError> {
        let t = text.trim();
        let unknown = || GroupError::UnknownMetric {
            text: text.to_string(),
        };
        if t.eq_ignore_ascii_case("count") || t.eq_ignore_ascii_case("count(*)") {
            return Ok(Metric::COUNT);
        }
        let (name, rest) = t.split_once('(').ok_or_else(unknown)?;
        let inner = rest.trim_end().strip_suffix(')').ok_or_else(unknown)?;
        let aggregate = [
            Aggregate::Count,
            Aggregate::Sum,
            Aggregate::Avg,
            Aggregate::Min,
            Aggregate::Max,
            Aggregate::Distinct,
        ]
        .into_iter()
        .find(|a| a.name().eq_ignore_ascii_case(name.trim()))
        .ok_or_else(unknown)?;
        let field = parse_field(inner)?;
        Ok(match aggregate {
            Aggregate::Count => Metric::COUNT,
            a => Metric {
                aggregate: a,
                field: Some(field),
            },
        })
    }
}

/// A field name, optionally in double quotes.
fn parse_field(text: &str) -> Result<Field, GroupError> {
    let t = text.trim();
    let name = t
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(t);
    Field::from_name(name).ok_or_else(|| GroupError::UnknownField {
        name: name.to_string(),
    })
}

/// A metric's value for one group.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No value (`avg` of a field no event of the group has).
    Null,
    /// A whole number.
    Int(i64),
    /// A number with a fraction (durations in seconds, averages).
    Float(f64),
    /// A text (`min` / `max` of a text or time column, as rendered).
    Text(String),
}

impl Value {
    /// The value as text: empty for none, seconds with 7 decimals for fractions.
    pub fn to_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Int(n) => n.to_string(),
            Value::Float(x) => format!("{x:.7}"),
            Value::Text(t) => t.clone(),
        }
    }

    /// The value as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Int(n) => (*n).into(),
            Value::Float(x) => serde_json::Number::from_f64(*x)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Text(t) => t.clone().into(),
        }
    }

    /// Orders values for sorting: none first, numbers by value, texts after numbers.
    fn order(&self, other: &Value) -> Ordering {
        fn rank(v: &Value) -> u8 {
            match v {
                Value::Null => 0,
                Value::Int(_) | Value::Float(_) => 1,
                Value::Text(_) => 2,
            }
        }
        let number = |v: &Value| match v {
            Value::Int(n) => *n as f64,
            Value::Float(x) => *x,
            _ => 0.0,
        };
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => a.cmp(b),
            (Value::Text(a), Value::Text(b)) => a.cmp(b),
            _ => rank(self).cmp(&rank(other)).then_with(|| {
                number(self)
                    .partial_cmp(&number(other))
                    .unwrap_or(Ordering::Equal)
            }),
        }
    }
}

/// One group: its key (the group-by fields as rendered) and its metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The value of each group-by field, in order.
    pub key: Vec<String>,
    /// The value of each metric, in order.
    pub metrics: Vec<Value>,
}

/// The result of a grouped query.
#[derive(Debug, Clone)]
pub struct Grouped {
    /// The group-by fields.
    pub keys: Vec<Field>,
    /// The metrics.
    pub metrics: Vec<Metric>,
    /// The groups, by the first metric, largest first (then by key).
    pub groups: Vec<Group>,
    /// How many groups there were before [`Grouped::top`].
    pub total_groups: usize,
    /// How many events passed the filter.
    pub total_matched: u64,
    /// How many events could not be read (skipped).
    pub unreadable: u64,
}

impl Grouped {
    /// Keeps the first `n` groups.
    pub fn top(&mut self, n: usize) {
        self.groups.truncate(n);
    }

    /// `{"groups": [{"key": {COL: value}, "metrics": {M: value}}], "total_matched": N}`.
    pub fn to_json(&self) -> serde_json::Value {
        let groups: Vec<serde_json::Value> = self
            .groups
            .iter()
            .map(|g| {
                let key: serde_json::Map<String, serde_json::Value> = self
                    .keys
                    .iter()
                    .zip(&g.key)
                    .map(|(f, v)| (f.name().to_string(), v.clone().into()))
                    .collect();
                let metrics: serde_json::Map<String, serde_json::Value> = self
                    .metrics
                    .iter()
                    .zip(&g.metrics)
                    .map(|(m, v)| (m.name(), v.to_json()))
                    .collect();
                serde_json::json!({"key": key, "metrics": metrics})
            })
            .collect();
        serde_json::json!({
            "groups": groups,
            "total_groups": self.total_groups,
            "total_matched": self.total_matched,
        })
    }
}

/// A grouping: the fields that make a group's key, and the metrics computed per group.
#[derive(Debug, Clone)]
pub struct GroupBy {
    keys: Vec<Field>,
    metrics: Vec<Metric>,
}

/// Events per parallel chunk.
const CHUNK_EVENTS: u64 = 1 << 16;

impl GroupBy {
    /// Groups by `keys` and computes `metrics` (`count` when empty).
    pub fn new(keys: Vec<Field>, metrics: Vec<Metric>) -> GroupBy {
        let metrics = if metrics.is_empty() {
            vec![Metric::COUNT]
        } else {
            metrics
        };
        GroupBy { keys, metrics }
    }

    /// Field names separated by commas, each bare or in double quotes:
    /// `Process Name,Operation` or `"Process Name", Operation`.
    pub fn parse_keys(text: &str) -> Result<Vec<Field>, GroupError> {
        let keys = text
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(parse_field)
            .collect::<Result<Vec<Field>, GroupError>>()?;
        if keys.is_empty() {
            return Err(GroupError::NoKeys);
        }
        Ok(keys)
    }

    /// The group-by fields.
    pub fn keys(&self) -> &[Field] {
        &self.keys
    }

    /// The metrics.
    pub fn metrics(&self) -> &[Metric] {
        &self.metrics
    }

    /// Groups the events that pass `query`, on all cores.
    pub fn run(&self, query: &Query<'_>, progress: &dyn Progress) -> Grouped {
        let capture = query.capture();
        let mut merged: FxHashMap<Vec<String>, Accs> = FxHashMap::default();
        let mut total_matched = 0;
        let mut unreadable = 0;
        let result: Result<(), std::convert::Infallible> = query.run(
            CHUNK_EVENTS,
            progress,
            |chunk| {
                let part = chunk.part_of(capture);
                let mut local = Local::new(self);
                let bad = query.for_each_match(chunk, |part, _, event| {
                    local.add(event, part.renderer());
                    Ok::<(), std::convert::Infallible>(())
                })?;
                Ok((local.finish(part.capture(), part.renderer()), bad))
            },
            |((groups, matched), bad)| {
                total_matched += matched;
                unreadable += bad;
                for (key, accs) in groups {
                    match merged.get_mut(&key) {
                        Some(into) => into.merge_with(accs, &self.metrics),
                        None => {
                            merged.insert(key, accs);
                        }
                    }
                }
                Ok(true)
            },
        );
        if let Err(never) = result {
            match never {}
        }
        let mut groups: Vec<Group> = merged
            .into_iter()
            .map(|(key, accs)| Group {
                key,
                metrics: accs.values(&self.metrics),
            })
            .collect();
        groups.sort_by(|a, b| {
            b.metrics[0]
                .order(&a.metrics[0])
                .then_with(|| a.key.cmp(&b.key))
        });
        Grouped {
            keys: self.keys.clone(),
            metrics: self.metrics.clone(),
            total_groups: groups.len(),
            groups,
            total_matched,
            unreadable,
        }
    }
}

/// How a field's raw key is taken from an event.
#[derive(Debug, Clone, Copy)]
enum RawKey {
    /// The process index (process-level columns).
    Process,
    /// The operation key (`Event::operation_key`).
    Operation,
    /// The event class code.
    Class,
    /// The result code.
    Result,
    /// The thread id.
    Tid,
    /// The rendered text, interned per chunk.
    Text,
}

impl RawKey {
    fn of(field: Field) -> RawKey {
        match field {
            f if f.is_process_level() => RawKey::Process,
            Field::Column(Column::Operation) => RawKey::Operation,
            Field::Column(Column::EventClass) => RawKey::Class,
            Field::Column(Column::Result) => RawKey::Result,
            Field::Column(Column::Tid) => RawKey::Tid,
            _ => RawKey::Text,
        }
    }
}

/// The accumulators of one group.
#[derive(Debug, Clone)]
struct Accs {
    count: u64,
    accs: Vec<Acc>,
}

#[derive(Debug, Clone)]
enum Acc {
    Count,
    Sum { sum: f64, n: u64 },
    Extreme(Option<(f64, String)>),
    Text(Option<String>),
    Distinct(FxHashSet<Box<str>>),
}

/// How a min / max compares: by number (with the text of the extreme for times), or by text.
fn extreme_by_text(field: Field) -> bool {
    field.kind() == crate::filter::FieldKind::Text
}

impl Accs {
    fn new(metrics: &[Metric]) -> Accs {
        Accs {
            count: 0,
            accs: metrics
                .iter()
                .map(|m| match (m.aggregate, m.field) {
                    (Aggregate::Count, _) | (_, None) => Acc::Count,
                    (Aggregate::Sum | Aggregate::Avg, _) => Acc::Sum { sum: 0.0, n: 0 },
                    (Aggregate::Min | Aggregate::Max, Some(f)) if extreme_by_text(f) => {
                        Acc::Text(None)
                    }
                    (Aggregate::Min | Aggregate::Max, _) => Acc::Extreme(None),
                    (Aggregate::Distinct, _) => Acc::Distinct(FxHashSet::default()),
                })
                .collect(),
        }
    }

    fn merge_with(&mut self, other: Accs, metrics: &[Metric]) {
        self.count += other.count;
        for ((a, b), metric) in self.accs.iter_mut().zip(other.accs).zip(metrics) {
            match (a, b) {
                (Acc::Sum { sum, n }, Acc::Sum { sum: s2, n: n2 }) => {
                    *sum += s2;
                    *n += n2;
                }
                (Acc::Extreme(a), Acc::Extreme(Some(b))) => {
                    let take = match a {
                        None => true,
                        Some((x, _)) => better(metric.aggregate, b.0.partial_cmp(x)),
                    };
                    if take {
                        *a = Some(b);
                    }
                }
                (Acc::Text(a), Acc::Text(Some(b))) => {
                    let take = match a {
                        None => true,
                        Some(x) => better(metric.aggregate, Some(text_order(&b, x))),
                    };
                    if take {
                        *a = Some(b);
                    }
                }
                (Acc::Distinct(a), Acc::Distinct(b)) => a.extend(b),
                _ => {}
            }
        }
    }

    fn values(&self, metrics: &[Metric]) -> Vec<Value> {
        metrics
            .iter()
            .zip(&self.accs)
            .map(|(m, acc)| match acc {
                Acc::Count => Value::Int(self.count as i64),
                Acc::Sum { sum, n } => match m.aggregate {
                    Aggregate::Avg if *n == 0 => Value::Null,
                    Aggregate::Avg => Value::Float(sum / *n as f64),
                    _ => number_value(*sum, m.field),
                },
                Acc::Extreme(None) | Acc::Text(None) => Value::Null,
                Acc::Extreme(Some((x, text))) => {
                    if text.is_empty() {
                        number_value(*x, m.field)
                    } else {
                        Value::Text(text.clone())
                    }
                }
                Acc::Text(Some(t)) => Value::Text(t.clone()),
                Acc::Distinct(set) => Value::Int(set.len() as i64),
            })
            .collect()
    }
}

/// A number as a whole number when it is one (and not a duration), else with a fraction.
/// Durations are rounded to ProcMon's 100 ns: a sum of chunks added in another order (other
/// core counts, other systems) then prints the same.
fn number_value(x: f64, field: Option<Field>) -> Value {
    let seconds = matches!(field, Some(Field::Column(Column::Duration)));
    if seconds {
        Value::Float((x * 1e7).round() / 1e7)
    } else if x.fract() == 0.0 && x.abs() < 9.0e15 {
        Value::Int(x as i64)
    } else {
        Value::Float(x)
    }
}

/// The raw ids of a group's key, inline. Up to [`INLINE_KEYS`] fields take one slot each; with
/// more, the last slot holds an id interned for the ids of the remaining fields.
#[derive(Debug, Clone, Copy, Eq)]
struct KeyIds([u64; INLINE_KEYS]);

impl PartialEq for KeyIds {
    /// Word by word: the ids were just stored one word at a time, and a wider load of them
    /// (what the derived comparison does) would wait for those stores to reach the cache.
    fn eq(&self, other: &KeyIds) -> bool {
        let ([a, b, c, d], [w, x, y, z]) = (self.0, other.0);
        (a == w) & (b == x) & (c == y) & (d == z)
    }
}

impl std::hash::Hash for KeyIds {
    /// One word for the hasher: the ids multiplied by distinct odd constants (independent
    /// multiplications, not a chain of them) and folded, once per event.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        const MIX: [u64; INLINE_KEYS] = [
            0x9E37_79B9_7F4A_7C15,
            0xC2B2_AE3D_27D4_EB4F,
            0x1656_67B1_9E37_79F9,
            0x85EB_CA77_C2B2_AE63,
        ];
        let [a, b, c, d] = self.0;
        state.write_u64(
            a.wrapping_mul(MIX[0])
                ^ b.wrapping_mul(MIX[1]).rotate_left(17)
                ^ c.wrapping_mul(MIX[2]).rotate_left(31)
                ^ d.wrapping_mul(MIX[3]).rotate_left(47),
        );
    }
}

/// How many fields' raw ids a [`KeyIds`] holds directly.
const INLINE_KEYS: usize = 4;

/// The groups of one chunk, by raw key.
struct Local<'g> {
    group_by: &'g GroupBy,
    raw: Vec<RawKey>,
    /// Raw key → (an event of the group, its accumulators).
    groups: FxHashMap<KeyIds, (u64, Accs)>,
    /// Rendered texts → their ids (fields keyed by text).
    interned: FxHashMap<String, u64>,
    /// The ids of the fields past the inline ones → their id (more than [`INLINE_KEYS`] fields).
    tails: FxHashMap<Box<[u64]>, u64>,
    tail: Vec<u64>,
    text: String,
    matched: u64,
}

impl<'g> Local<'g> {
    fn new(group_by: &'g GroupBy) -> Local<'g> {
        Local {
            group_by,
            raw: group_by.keys.iter().map(|&f| RawKey::of(f)).collect(),
            groups: FxHashMap::default(),
            interned: FxHashMap::default(),
            tails: FxHashMap::default(),
            tail: Vec::new(),
            text: String::new(),
            matched: 0,
        }
    }

    /// The raw id of field `i` of `event`.
    #[inline]
    fn id(&mut self, i: usize, event: &Event<'_>, renderer: &ColumnRenderer) -> u64 {
        match self.raw[i] {
            RawKey::Process => u64::from(event.process_index()),
            // Keys that name the same operation are merged once the keys are rendered.
            RawKey::Operation => u64::from(event.operation_key()),
            RawKey::Class => u64::from(event.class_code()),
            RawKey::Result => u64::from(event.result()),
            RawKey::Tid => u64::from(event.tid()),
            RawKey::Text => self.text_id(i, event, renderer),
        }
    }

    /// The id of field `i`'s text for `event`: rendered, then interned.
    #[inline(never)]
    fn text_id(&mut self, i: usize, event: &Event<'_>, renderer: &ColumnRenderer) -> u64 {
        self.text.clear();
        self.group_by.keys[i].write(renderer, event, &mut self.text);
        match self.interned.get(self.text.as_str()) {
            Some(&id) => id,
            None => {
                let id = self.interned.len() as u64;
                self.interned.insert(self.text.clone(), id);
                id
            }
        }
    }

    /// The raw key of `event`'s group.
    fn key(&mut self, event: &Event<'_>, renderer: &ColumnRenderer) -> KeyIds {
        let mut key = [0; INLINE_KEYS];
        let fields = self.raw.len();
        let inline = if fields <= INLINE_KEYS {
            fields
        } else {
            INLINE_KEYS - 1
        };
        for (i, slot) in key.iter_mut().enumerate().take(inline) {
            *slot = self.id(i, event, renderer);
        }
        if fields > INLINE_KEYS {
            let mut tail = std::mem::take(&mut self.tail);
            tail.clear();
            for i in inline..fields {
                tail.push(self.id(i, event, renderer));
            }
            let next = self.tails.len() as u64;
            key[INLINE_KEYS - 1] = match self.tails.get(tail.as_slice()) {
                Some(&id) => id,
                None => *self
                    .tails
                    .entry(tail.clone().into_boxed_slice())
                    .or_insert(next),
            };
            self.tail = tail;
        }
        KeyIds(key)
    }

    fn add(&mut self, event: &Event<'_>, renderer: &ColumnRenderer) {
        self.matched += 1;
        let key = self.key(event, renderer);
        let metrics = &self.group_by.metrics;
        let entry = self
            .groups
            .entry(key)
            .or_insert_with(|| (event.index(), Accs::new(metrics)));
        let accs = &mut entry.1;
        accs.count += 1;
        for (metric, acc) in metrics.iter().zip(accs.accs.iter_mut()) {
            let Some(field) = metric.field else { continue };
            match acc {
                Acc::Count => {}
                Acc::Sum { sum, n } => {
                    if let Some(x) = field.number(renderer, event, &mut self.text) {
                        *sum += x;
                        *n += 1;
                    }
                }
                Acc::Extreme(best) => {
                    if let Some(x) = field.number(renderer, event, &mut self.text) {
                        let better = match best {
                            None => true,
                            Some((b, _)) => better(metric.aggregate, x.partial_cmp(b)),
                        };
                        if better {
                            let text = if field.kind() == crate::filter::FieldKind::Number {
                                String::new()
                            } else {
                                self.text.clone()
                            };
                            *best = Some((x, text));
                        }
                    }
                }
                Acc::Text(best) => {
                    self.text.clear();
                    field.write(renderer, event, &mut self.text);
                    let better = match best {
                        None => true,
                        Some(b) => better(metric.aggregate, Some(text_order(&self.text, b))),
                    };
                    if better {
                        *best = Some(self.text.clone());
                    }
                }
                Acc::Distinct(set) => {
                    self.text.clear();
                    field.write(renderer, event, &mut self.text);
                    if !set.contains(self.text.as_str()) {
                        set.insert(self.text.as_str().into());
                    }
                }
            }
        }
    }

    /// The groups with their keys rendered (from an event of each group), and the events
    /// matched.
    fn finish(
        self,
        capture: &pml_parser::Capture,
        renderer: &ColumnRenderer,
    ) -> (Vec<(Vec<String>, Accs)>, u64) {
        let keys = &self.group_by.keys;
        let mut out: FxHashMap<Vec<String>, Accs> = FxHashMap::default();
        for (_, (index, accs)) in self.groups {
            let Ok(event) = capture.event(index) else {
                continue;
            };
            let key: Vec<String> = keys
                .iter()
                .map(|f| {
                    let mut s = String::new();
                    f.write(renderer, &event, &mut s);
                    s
                })
                .collect();
            match out.get_mut(&key) {
                Some(into) => into.merge_with(accs, &self.group_by.metrics),
                None => {
                    out.insert(key, accs);
                }
            }
        }
        (out.into_iter().collect(), self.matched)
    }
}

/// Case-insensitive text order, then by exact text.
fn text_order(a: &str, b: &str) -> Ordering {
    a.to_lowercase()
        .cmp(&b.to_lowercase())
        .then_with(|| a.cmp(b))
}

/// True when `ord` (new against best) makes the new value the better one for min / max.
fn better(aggregate: Aggregate, ord: Option<Ordering>) -> bool {
    match aggregate {
        Aggregate::Min => ord == Some(Ordering::Less),
        _ => ord == Some(Ordering::Greater),
    }
}
