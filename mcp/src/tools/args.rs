//! Reading a tool's arguments, with errors that say which argument is wrong and why.

use std::sync::Arc;

use pml_analyzer::filter::{Action, Expr, Filter, Rule};
use pml_parser::SplitCapture;
use serde_json::{Map, Value};

use super::ToolError;
use crate::bound::Page;
use crate::captures::Captures;

/// The arguments of one call.
pub(crate) struct Args<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> Args<'a> {
    /// The arguments in `map`.
    pub(crate) fn new(map: &'a Map<String, Value>) -> Args<'a> {
        Args { map }
    }

    /// An error unless every argument given is one of `known`.
    pub(crate) fn only(&self, known: &[&str]) -> Result<(), ToolError> {
        match self.map.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(ToolError::new(format!(
                "unknown argument '{k}': the arguments are {}",
                known.join(", ")
            ))),
            None => Ok(()),
        }
    }

    /// A text argument, `None` when absent or null.
    pub(crate) fn text(&self, name: &str) -> Result<Option<&'a str>, ToolError> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(ToolError::new(format!(
                "argument '{name}' must be a string, not {other}"
            ))),
        }
    }

    /// A text argument that must be given.
    pub(crate) fn required_text(&self, name: &str) -> Result<&'a str, ToolError> {
        self.text(name)?
            .ok_or_else(|| ToolError::new(format!("argument '{name}' is required")))
    }

    /// A list of texts: an array of strings, or one string.
    pub(crate) fn texts(&self, name: &str) -> Result<Vec<&'a str>, ToolError> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(vec![s.as_str()]),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str().ok_or_else(|| {
                        ToolError::new(format!(
                            "argument '{name}' must be a list of strings; {v} is not one"
                        ))
                    })
                })
                .collect(),
            Some(other) => Err(ToolError::new(format!(
                "argument '{name}' must be a list of strings, not {other}"
            ))),
        }
    }

    /// A whole number, `None` when absent or null.
    pub(crate) fn number(&self, name: &str) -> Result<Option<u64>, ToolError> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| {
                ToolError::new(format!(
                    "argument '{name}' must be a whole number of 0 or more, not {v}"
                ))
            }),
        }
    }

    /// A true/false argument, `false` when absent or null.
    pub(crate) fn flag(&self, name: &str) -> Result<bool, ToolError> {
        self.flag_or(name, false)
    }

    /// A true/false argument, `default` when absent or null.
    pub(crate) fn flag_or(&self, name: &str, default: bool) -> Result<bool, ToolError> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v.as_bool().ok_or_else(|| {
                ToolError::new(format!("argument '{name}' must be true or false, not {v}"))
            }),
        }
    }

    /// The capture named by the `file` argument.
    pub(crate) fn capture(
        &self,
        captures: &mut Captures,
    ) -> Result<(&'a str, Arc<SplitCapture>), ToolError> {
        let file = self.required_text("file")?;
        Ok((file, captures.get(file)?))
    }

    /// The page asked for with `offset` and `limit` (`limit` at most `max`).
    pub(crate) fn page(&self, default: u64, max: u64) -> Result<Page, ToolError> {
        let offset = self.number("offset")?.unwrap_or(0);
        let limit = self.number("limit")?.unwrap_or(default);
        if limit == 0 || limit > max {
            return Err(ToolError::new(format!(
                "argument 'limit' must be between 1 and {max}, not {limit}"
            )));
        }
        Ok(Page { offset, limit })
    }

    /// The filter of the `where`, `filter` and `exclude` arguments.
    pub(crate) fn filter(&self) -> Result<Filter, ToolError> {
        let mut filter = Filter::default();
        for (name, action) in [("filter", Action::Include), ("exclude", Action::Exclude)] {
            for text in self.texts(name)? {
                let rule = Rule::parse(text, action)
                    .map_err(|e| ToolError::new(format!("{name} rule '{text}': {e}")))?;
                filter.push(rule);
            }
        }
        for text in self.texts("where")? {
            let expr = Expr::parse(text)
                .map_err(|e| ToolError::new(format!("where: {e}\n{}", e.caret())))?;
            filter.push_where(expr);
        }
        Ok(filter)
    }
}
