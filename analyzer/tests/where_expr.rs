//! Filter expressions (`--where`) and grouped queries, checked against plain evaluations over
//! the rendered columns: ProcMon's own CSV export of the real captures (the golden samples),
//! and pml's rendering of the testdata captures.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use pml_analyzer::filter::{Action, Expr, Filter, Matcher, Rule, Scratch};
use pml_analyzer::group::{GroupBy, Metric, Value};
use pml_analyzer::Query;
use pml_parser::{Capture, Column, ColumnRenderer, SplitCapture};
use pml_testkit as common;
use pml_testkit::golden;

/// One event's cells by column name.
type Row<'r> = HashMap<&'r str, &'r str>;

fn cell<'r>(row: &Row<'r>, name: &str) -> &'r str {
    row.get(name)
        .copied()
        .unwrap_or_else(|| panic!("no {name}"))
}

fn ci(row: &Row<'_>, name: &str, value: &str) -> bool {
    cell(row, name).to_lowercase() == value.to_lowercase()
}

fn number(row: &Row<'_>, name: &str) -> Option<f64> {
    cell(row, name).parse().ok()
}

/// `1:18:10.7752429 AM` as seconds since midnight, written out independently of the library.
fn clock(text: &str) -> f64 {
    let (time, half) = text.split_once(' ').unwrap();
    let parts: Vec<f64> = time.split(':').map(|p| p.parse().unwrap()).collect();
    let hour = parts[0] % 12.0 + if half == "PM" { 12.0 } else { 0.0 };
    hour * 3600.0 + parts[1] * 60.0 + parts[2]
}

type Plain = fn(&Row<'_>) -> bool;

/// Expressions and the same condition written plainly over the cells.
fn cases() -> Vec<(&'static str, Plain)> {
    vec![
        (r#""Process Name" = 'EXPLORER.EXE'"#, |r| {
            ci(r, "Process Name", "explorer.exe")
        }),
        (
            r#""Process Name" = 'svchost.exe' and Result != 'SUCCESS' and not Path ends with '.dll'"#,
            |r| {
                ci(r, "Process Name", "svchost.exe")
                    && !ci(r, "Result", "success")
                    && !cell(r, "Path").to_lowercase().ends_with(".dll")
            },
        ),
        ("Duration > 100us or Operation == 'CloseFile'", |r| {
            number(r, "Duration").is_some_and(|d| d > 0.0001) || ci(r, "Operation", "closefile")
        }),
        ("Duration >= 0.0000100 and Duration < 1ms", |r| {
            number(r, "Duration").is_some_and(|d| (0.00001..0.001).contains(&d))
        }),
        (
            "Operation in ('RegQueryValue', 'regopenkey', 'CreateFile') and PID <= 1000",
            |r| {
                ["regqueryvalue", "regopenkey", "createfile"]
                    .contains(&cell(r, "Operation").to_lowercase().as_str())
                    && number(r, "PID").unwrap() <= 1000.0
            },
        ),
        (
            "Operation not in ('RegQueryValue') and (PID < 500 or TID > 5000)",
            |r| {
                !ci(r, "Operation", "regqueryvalue")
                    && (number(r, "PID").unwrap() < 500.0 || number(r, "TID").unwrap() > 5000.0)
            },
        ),
        (
            r#"Path contains '\windows\' and "Event Class" is 'File System'"#,
            |r| {
                cell(r, "Path").to_lowercase().contains("\\windows\\")
                    && ci(r, "Event Class", "file system")
            },
        ),
        (
            r#"Path regex '\.(dll|exe)$' or Path begins with 'hklm\software'"#,
            |r| {
                let p = cell(r, "Path").to_lowercase();
                p.ends_with(".dll") || p.ends_with(".exe") || p.starts_with("hklm\\software")
            },
        ),
        (
            r#""Time of Day" >= '1:18:11 AM' and "Time of Day" < '01:18:12'"#,
            |r| {
                let t = clock(cell(r, "Time of Day"));
                (4691.0..4692.0).contains(&t)
            },
        ),
        (
            r#"not ("Image Path" ends with 'svchost.exe' or User contains 'system')"#,
            |r| {
                !(cell(r, "Image Path")
                    .to_lowercase()
                    .ends_with("svchost.exe")
                    || cell(r, "User").to_lowercase().contains("system"))
            },
        ),
        (
            r#"Detail contains 'Length: 4,' and Category = 'Read' and "Parent PID" > 100"#,
            |r| {
                cell(r, "Detail").to_lowercase().contains("length: 4,")
                    && ci(r, "Category", "read")
                    && number(r, "Parent PID").unwrap() > 100.0
            },
        ),
        (
            "Result is not 'SUCCESS' and Result != 'NAME NOT FOUND'",
            |r| !ci(r, "Result", "success") && !ci(r, "Result", "name not found"),
        ),
    ]
}

/// Checks every case on every event of `capture`, with `rows` its cells; returns passes.
fn check(name: &str, capture: &Capture, header: &[String], rows: &[Vec<String>]) {
    for (text, plain) in cases() {
        let mut filter = Filter::default();
        filter.push_where(Expr::parse(text).unwrap());
        let matcher = Matcher::new(&filter, capture, ColumnRenderer::new(capture));
        let mut scratch = Scratch::default();
        let mut passed = 0;
        for (event, cells) in capture.events().zip(rows) {
            let event = event.unwrap();
            let row: Row = header
                .iter()
                .map(String::as_str)
                .zip(cells.iter().map(String::as_str))
                .collect();
            let want = plain(&row);
            assert_eq!(
                matcher.matches(&event, &mut scratch),
                want,
                "{name} event {}: {text}",
                event.index()
            );
            passed += u64::from(want);
        }
        eprintln!("{name}: {passed}/{} pass {text}", rows.len());
    }
}

#[test]
fn expressions_agree_with_plain_evaluation_over_procmons_csv() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    for name in ["mixed-64bit", "mixed-32bit"] {
        let capture = common::open_sample(&dir, name);
        let (header, rows) = golden::golden_rows(&dir, name);
        assert_eq!(rows.len() as u64, capture.event_count());
        check(name, &capture, &header, &rows);
    }
}

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(name)
}

/// The rendered cells of every event, all 27 columns.
fn rendered(capture: &Capture) -> (Vec<String>, Vec<Vec<String>>) {
    let renderer = ColumnRenderer::new(capture);
    let header = Column::ALL.iter().map(|c| c.name().to_string()).collect();
    let rows = capture
        .events()
        .map(|e| {
            let e = e.unwrap();
            Column::ALL
                .iter()
                .map(|&c| {
                    let mut s = String::new();
                    renderer.write(&e, c, &mut s);
                    s
                })
                .collect()
        })
        .collect();
    (header, rows)
}

#[test]
fn expressions_agree_with_plain_evaluation_on_testdata() {
    for name in ["seed-race.pml", "msbuild-node.pml", "antivirus-lock.pml"] {
        let capture = Capture::open(testdata(name)).unwrap();
        let (header, rows) = rendered(&capture);
        check(name, &capture, &header, &rows);
    }
}

#[test]
fn where_combines_with_rules_and_runs_in_parallel() {
    let capture = SplitCapture::open(testdata("seed-race.pml"), Default::default()).unwrap();
    let count = |filter: &Filter| {
        let query = Query::new(&capture, filter);
        GroupBy::new(
            vec![pml_analyzer::filter::Field::Column(Column::EventClass)],
            vec![],
        )
        .run(&query, &())
        .total_matched
    };
    let mut rules = Filter::default();
    rules.push(Rule::parse("Process Name is cl.exe", Action::Include).unwrap());
    let mut expr = Filter::default();
    expr.push_where(Expr::parse("\"Process Name\" = 'cl.exe'").unwrap());
    assert_eq!(count(&rules), count(&expr));
    assert!(count(&rules) > 0);
    let mut both = rules.clone();
    both.push_where(Expr::parse("Result != 'SUCCESS'").unwrap());
    let mut plain = rules.clone();
    plain.push(Rule::parse("Result is not SUCCESS", Action::Include).unwrap());
    assert_eq!(count(&both), count(&plain));
    assert!(count(&both) < count(&rules));
}

/// Independent grouping: counts, sums of durations and distinct paths per (process, operation).
#[test]
fn group_by_agrees_with_an_independent_count() {
    let mut inputs: Vec<PathBuf> = vec![testdata("seed-race.pml"), testdata("msbuild-node.pml")];
    let tmp = common::TempDir::new("group-by");
    if let Some(dir) = common::samples_dir() {
        inputs.push(common::unpack_sample(
            &dir,
            "mixed-64bit",
            tmp.path(),
            "mixed.pml",
        ));
    }
    for path in inputs {
        let capture = SplitCapture::open(&path, Default::default()).unwrap();
        let single = Capture::open(&path).unwrap();
        let (header, rows) = rendered(&single);
        let at = |n: &str| header.iter().position(|h| h == n).unwrap();
        type Acc = (i64, f64, HashSet<String>);
        let mut want: HashMap<(String, String), Acc> = HashMap::new();
        let mut matched = 0;
        for row in &rows {
            if row[at("Result")] == "SUCCESS" {
                continue;
            }
            matched += 1;
            let e = want
                .entry((
                    row[at("Process Name")].clone(),
                    row[at("Operation")].clone(),
                ))
                .or_default();
            e.0 += 1;
            e.1 += row[at("Duration")].parse::<f64>().unwrap_or(0.0);
            e.2.insert(row[at("Path")].clone());
        }
        let mut filter = Filter::default();
        filter.push_where(Expr::parse("Result != 'SUCCESS'").unwrap());
        let query = Query::new(&capture, &filter);
        let grouped = GroupBy::new(
            GroupBy::parse_keys("Process Name, \"Operation\"").unwrap(),
            ["count", "sum(Duration)", "distinct(Path)"]
                .iter()
                .map(|m| m.parse::<Metric>().unwrap())
                .collect(),
        )
        .run(&query, &());
        assert_eq!(grouped.total_matched, matched, "{}", path.display());
        assert_eq!(grouped.groups.len(), want.len(), "{}", path.display());
        let mut last = i64::MAX;
        for g in &grouped.groups {
            let w = &want[&(g.key[0].clone(), g.key[1].clone())];
            let Value::Int(n) = g.metrics[0] else {
                panic!("count {:?}", g.metrics[0])
            };
            assert!(n <= last, "sorted by count, largest first");
            last = n;
            assert_eq!(n, w.0, "{:?}", g.key);
            let Value::Float(d) = g.metrics[1] else {
                panic!("sum {:?}", g.metrics[1])
            };
            assert!((d - w.1).abs() < 1e-6, "{:?}: {d} vs {}", g.key, w.1);
            assert_eq!(g.metrics[2], Value::Int(w.2.len() as i64), "{:?}", g.key);
        }
        eprintln!(
            "{}: {} groups, {matched} events",
            path.display(),
            grouped.groups.len()
        );
    }
}

/// More group-by columns than a key holds inline, raw and rendered ones mixed: the groups are
/// exactly the distinct rows of those columns, counted independently.
#[test]
fn group_by_many_columns_agrees_with_an_independent_count() {
    let columns = [
        "Operation",
        "Process Name",
        "Result",
        "Path",
        "Event Class",
        "TID",
        "PID",
    ];
    for name in ["seed-race.pml", "msbuild-node.pml", "antivirus-lock.pml"] {
        let capture = SplitCapture::open(testdata(name), Default::default()).unwrap();
        let (header, rows) = rendered(&Capture::open(testdata(name)).unwrap());
        let at: Vec<usize> = columns
            .iter()
            .map(|c| header.iter().position(|h| h == c).unwrap())
            .collect();
        let mut want: HashMap<Vec<String>, i64> = HashMap::new();
        for row in &rows {
            *want
                .entry(at.iter().map(|&i| row[i].clone()).collect())
                .or_default() += 1;
        }
        let grouped = GroupBy::new(GroupBy::parse_keys(&columns.join(",")).unwrap(), Vec::new())
            .run(&Query::new(&capture, &Filter::default()), &());
        assert_eq!(grouped.total_matched, rows.len() as u64, "{name}");
        assert_eq!(grouped.groups.len(), want.len(), "{name}");
        for g in &grouped.groups {
            assert_eq!(
                g.metrics[0],
                Value::Int(want[&g.key]),
                "{name}: {:?}",
                g.key
            );
        }
        assert!(want.len() > 10, "{name}: only {} groups", want.len());
    }
}

#[test]
fn metrics_parse_with_clear_errors() {
    assert_eq!("COUNT(*)".parse::<Metric>().unwrap(), Metric::COUNT);
    assert_eq!(
        "sum(\"Duration\")".parse::<Metric>().unwrap().name(),
        "sum(Duration)"
    );
    assert_eq!(
        "max(length)".parse::<Metric>().unwrap().name(),
        "max(Length)"
    );
    let e = "median(Duration)"
        .parse::<Metric>()
        .unwrap_err()
        .to_string();
    assert!(e.contains("the metrics are count"), "{e}");
    let e = "sum(Durr)".parse::<Metric>().unwrap_err().to_string();
    assert!(e.contains("unknown column 'Durr'"), "{e}");
    assert!("sum(".parse::<Metric>().is_err());
    assert!(GroupBy::parse_keys(" , ").is_err());
}
