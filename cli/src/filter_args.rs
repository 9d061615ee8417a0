//! The filter options every query command shares: `--filter`, `--exclude`, `--config`, `--where`.

use std::path::PathBuf;

use anyhow::{Context, Result};
use pml_analyzer::filter::{Action, Expr, Filter, Rule};
use pml_analyzer::pmc::Config;
use pml_parser::Column;

/// Which events a command looks at (flatten into a command's arguments).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct FilterArgs {
    /// Keep only events matching RULE, e.g. 'Process Name is cl.exe' (repeatable; rules on the
    /// same column are OR'd, on different columns AND'd). Relations: is, is not, less than,
    /// more than, begins with, ends with, contains, excludes, regex.
    #[arg(long = "filter", value_name = "RULE")]
    pub include: Vec<String>,
    /// Remove events matching RULE, e.g. 'Path ends with .pdb' (repeatable).
    #[arg(long = "exclude", value_name = "RULE")]
    pub exclude: Vec<String>,
    /// Use the filter rules (and the column list) of a Process Monitor configuration file.
    #[arg(long = "config", value_name = "FILE.pmc")]
    pub config: Option<PathBuf>,
    /// Keep only events for which EXPR holds, e.g. `"Process Name" = 'cl.exe' and
    /// Duration > 100ms` (repeatable; AND'd with each other and with the rules). Columns bare or
    /// in double quotes, text in single quotes; = != < <= > >=, in (...), is, contains, begins
    /// with, ends with, regex; and, or, not, parentheses (see docs/query.md).
    #[arg(long = "where", value_name = "EXPR")]
    pub wheres: Vec<String>,
}

/// The filter the options describe, and the columns of the configuration file.
#[derive(Debug, Default)]
pub struct Selection {
    /// The rules: the configuration file's first, then `--filter` and `--exclude`.
    pub filter: Filter,
    /// The columns the configuration file displays, when one was given.
    pub columns: Option<Vec<Column>>,
}

impl FilterArgs {
    /// Reads the configuration file and parses the rules.
    pub fn selection(&self) -> Result<Selection> {
        let mut selection = Selection::default();
        if let Some(path) = &self.config {
            let config =
                Config::load(path).with_context(|| format!("--config {}", path.display()))?;
            for warning in &config.warnings {
                eprintln!("pml: warning: {}: {warning}", path.display());
            }
            selection.filter = config.filter;
            selection.columns = Some(config.columns).filter(|c| !c.is_empty());
        }
        for (texts, action, option) in [
            (&self.include, Action::Include, "--filter"),
            (&self.exclude, Action::Exclude, "--exclude"),
        ] {
            for text in texts {
                let rule =
                    Rule::parse(text, action).with_context(|| format!("{option} '{text}'"))?;
                selection.filter.push(rule);
            }
        }
        for text in &self.wheres {
            let expr = Expr::parse(text).context("--where")?;
            selection.filter.push_where(expr);
        }
        Ok(selection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_with_clear_errors() {
        let args = FilterArgs {
            include: vec!["Process Name is cl.exe".into()],
            exclude: vec!["Path ends with .pdb".into()],
            config: None,
            wheres: Vec::new(),
        };
        assert_eq!(args.selection().unwrap().filter.rules().len(), 2);
        let bad = FilterArgs {
            include: vec!["Proc is x".into()],
            ..FilterArgs::default()
        };
        let err = format!("{:#}", bad.selection().unwrap_err());
        assert!(
            err.contains("--filter 'Proc is x'") && err.contains("Process Name"),
            "{err}"
        );
        let bad = FilterArgs {
            wheres: vec!["Path = ".into()],
            ..FilterArgs::default()
        };
        let err = bad.selection().unwrap_err();
        assert!(
            format!("{err:#}").starts_with("--where: at column 8"),
            "{err:#}"
        );
        assert!(err
            .downcast_ref::<pml_analyzer::filter::ExprError>()
            .is_some());
    }
}
