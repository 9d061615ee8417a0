//! Filters and PMC files on the real captures: the fast matcher must agree with a
//! straightforward evaluation of ProcMon's rules, over pml's rendered columns and over the
//! cells of the CSV that ProcMon itself exported.

use pml_testkit as common;
use pml_testkit::golden;

use std::collections::HashMap;

use pml_analyzer::filter::{Action, Filter, Matcher, Relation, Rule, Scratch};
use pml_analyzer::pmc::Config;
use pml_parser::{Capture, Column, ColumnRenderer};

/// ProcMon's semantics written out plainly: `value(column)` gives an event's cell.
fn naive(filter: &Filter, value: &dyn Fn(Column) -> String) -> bool {
    let mut include_columns: HashMap<Column, bool> = HashMap::new();
    for rule in filter.rules() {
        let cell = value(rule.column);
        let hit = naive_test(rule, &cell);
        match rule.action {
            Action::Exclude if hit => return false,
            Action::Exclude => {}
            Action::Include => *include_columns.entry(rule.column).or_default() |= hit,
        }
    }
    include_columns.values().all(|&hit| hit)
}

fn naive_test(rule: &Rule, cell: &str) -> bool {
    let (a, b) = (cell.to_lowercase(), rule.value.to_lowercase());
    let number = |s: &str| s.trim().parse::<f64>().ok();
    let order = || match (number(cell), number(&rule.value)) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap(),
        _ => a.cmp(&b),
    };
    match rule.relation {
        Relation::Is => a == b,
        Relation::IsNot => a != b,
        Relation::LessThan => order().is_lt(),
        Relation::MoreThan => order().is_gt(),
        Relation::BeginsWith => a.starts_with(&b),
        Relation::EndsWith => a.ends_with(&b),
        Relation::Contains => a.contains(&b),
        Relation::Excludes => !a.contains(&b),
        Relation::Regex => regex::RegexBuilder::new(&rule.value)
            .case_insensitive(true)
            .build()
            .unwrap()
            .is_match(cell),
    }
}

fn filter(rules: &[(&str, Action)]) -> Filter {
    Filter::new(
        rules
            .iter()
            .map(|&(text, action)| Rule::parse(text, action).unwrap())
            .collect(),
    )
}

/// Runs the matcher and the plain evaluation over pml's rendering; returns (events, passed).
fn agree_on_rendered(capture: &Capture, filter: &Filter) -> (u64, u64) {
    let matcher = Matcher::new(filter, capture, ColumnRenderer::new(capture));
    let renderer = ColumnRenderer::new(capture);
    let mut scratch = Scratch::default();
    let (mut events, mut passed) = (0, 0);
    for event in capture.events() {
        let event = event.unwrap();
        let value = |c: Column| {
            let mut s = String::new();
            renderer.write(&event, c, &mut s);
            s
        };
        let want = naive(filter, &value);
        assert_eq!(
            matcher.matches(&event, &mut scratch),
            want,
            "event {} with filter {:?}",
            event.index(),
            filter
                .rules()
                .iter()
                .map(Rule::to_string)
                .collect::<Vec<_>>()
        );
        events += 1;
        passed += u64::from(want);
    }
    (events, passed)
}

#[test]
fn matcher_agrees_with_plain_evaluation_over_rendered_columns() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    use Action::*;
    let filters = [
        vec![("Process Name is Explorer.EXE", Include)],
        vec![
            ("Process Name is svchost.exe", Include),
            ("Process Name begins with dwm", Include),
            ("Operation begins with RegQuery", Exclude),
        ],
        vec![
            ("Event Class is File System", Include),
            ("Path contains \\windows\\", Include),
            ("Duration more than 0.0001", Include),
            ("PID less than 2000", Include),
        ],
        vec![
            ("Operation regex ^(CreateFile|CloseFile)$", Include),
            ("Image Path ends with .exe", Include),
            ("Command Line excludes svchost", Include),
            ("TID is not 0", Include),
        ],
        vec![
            ("Detail contains Length", Exclude),
            ("User contains SYSTEM", Exclude),
        ],
    ];
    for name in ["mixed-64bit", "mixed-32bit", "process-64bit"] {
        let capture = common::open_sample(&dir, name);
        for rules in &filters {
            let (events, passed) = agree_on_rendered(&capture, &filter(rules));
            eprintln!("{name}: {passed}/{events} pass {rules:?}");
        }
    }
}

#[test]
fn matcher_agrees_with_plain_evaluation_over_procmons_own_csv() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    use Action::*;
    for name in ["mixed-64bit", "mixed-32bit"] {
        let capture = common::open_sample(&dir, name);
        let (header, rows) = golden::golden_rows(&dir, name);
        let at = |c: Column| header.iter().position(|h| h == c.name()).unwrap();
        // The most frequent process name and operation make rules that match many events.
        let most = |c: Column| {
            let mut n: HashMap<&str, u32> = HashMap::new();
            for row in &rows {
                *n.entry(row[at(c)].as_str()).or_default() += 1;
            }
            n.into_iter()
                .max_by_key(|&(v, k)| (k, v))
                .unwrap()
                .0
                .to_string()
        };
        let (process, operation) = (most(Column::ProcessName), most(Column::Operation));
        let process_upper = process.to_uppercase();
        let filters = [
            filter(&[(&format!("Process Name is {process_upper}"), Include)]),
            filter(&[
                (&format!("Process Name is not {process}"), Include),
                (&format!("Operation is {operation}"), Exclude),
                ("Event Class is Registry", Include),
                ("Event Class is Network", Include),
            ]),
            filter(&[
                ("Image Path begins with C:\\Windows\\", Include),
                ("Description is Host Process for Windows Services", Exclude),
                ("PID more than 500", Include),
                ("Parent PID less than 1000", Include),
            ]),
            filter(&[
                ("User contains authority", Include),
                ("Integrity is System", Include),
                ("Session is 1", Exclude),
                ("TID more than 1000", Include),
            ]),
        ];
        let matcher_for = |f: &Filter| Matcher::new(f, &capture, ColumnRenderer::new(&capture));
        for f in &filters {
            let matcher = matcher_for(f);
            let mut scratch = Scratch::default();
            let mut passed = 0;
            for (event, row) in capture.events().zip(&rows) {
                let event = event.unwrap();
                let want = naive(f, &|c| row[at(c)].clone());
                assert_eq!(
                    matcher.matches(&event, &mut scratch),
                    want,
                    "{name} event {}: {:?}",
                    event.index(),
                    f.rules().iter().map(Rule::to_string).collect::<Vec<_>>()
                );
                passed += u64::from(want);
            }
            assert!(
                passed > 0,
                "{name}: a test filter that matches nothing proves little"
            );
            eprintln!("{name}: {passed}/{} pass", rows.len());
        }
    }
}

#[test]
fn noriben_pmc_has_its_columns_and_rules_and_filters_like_the_plain_evaluation() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let config = Config::load(dir.join("noriben-filters.pmc")).unwrap();
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    use Column::*;
    // ColumnMap ids 40078 40053 40054 40055 40071 40056 40057 40072 40068 40066 40065.
    assert_eq!(
        config.columns,
        [
            TimeOfDay,
            ProcessName,
            Pid,
            Operation,
            Path,
            Result,
            Detail,
            Tid,
            ImagePath,
            CommandLine,
            Description
        ]
    );
    let rules = config.filter.rules();
    assert_eq!(rules.len(), 169);
    assert!(rules.iter().all(|r| r.action == Action::Exclude));
    let count = |c: Column| rules.iter().filter(|r| r.column == c).count();
    assert_eq!(
        [
            count(Path),
            count(Operation),
            count(ImagePath),
            count(Detail)
        ],
        [101, 27, 24, 13]
    );
    let relation = |r: Relation| rules.iter().filter(|x| x.relation == r).count();
    assert_eq!(
        [
            relation(Relation::Is),
            relation(Relation::BeginsWith),
            relation(Relation::EndsWith),
            relation(Relation::Contains)
        ],
        [93, 40, 25, 11]
    );
    assert_eq!(
        (rules[0].column, rules[0].value.as_str()),
        (ProcessName, "Procmon64.exe")
    );
    for name in ["mixed-64bit", "filesystem-64bit"] {
        let capture = common::open_sample(&dir, name);
        let (events, passed) = agree_on_rendered(&capture, &config.filter);
        eprintln!("{name}: noriben filter keeps {passed}/{events}");
        assert!(passed < events);
    }
}
