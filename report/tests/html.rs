//! The HTML page: the hand-built seed race (self-contained, ordered, escaped), hostile capture
//! text, the page of every scenario in testdata/ and of a real capture, each parsed as HTML.

mod support;

use pml_analyzer::{analyze, Options};
use pml_report::html::demo::seed_race;
use pml_report::html::{CaptureSummary, HtmlPage, IncidentView, Lane, ProcessNode, Role, TableRow};
use support::{select, texts};

fn html(page: &HtmlPage) -> String {
    let mut out = Vec::new();
    page.write(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn seed_race_page_is_self_contained_and_escapes_capture_text() {
    let page = html(&seed_race::page());
    assert!(page.starts_with("<!DOCTYPE html>"));
    // Nothing is fetched: the only URL is the SVG namespace.
    let without_ns = page.replace("http://www.w3.org/2000/svg", "");
    for bad in [
        "http://",
        "https://",
        "<script src",
        "<link",
        "@import",
        "url(http",
    ] {
        assert!(!without_ns.contains(bad), "page contains {bad}");
    }
    // cmd.exe's command line has quotes, '>' and '&'.
    assert!(!page.contains(seed_race::CMD_LINE));
    assert!(page.contains(
        r"C:\Windows\system32\cmd.exe /c &quot;build_step.bat gen.cpp &gt; log.txt &amp; exit&quot;"
    ));
    // Most important first: summary, incident, process tree, tables, histogram.
    let at = |needle: &str| page.find(needle).unwrap_or_else(|| panic!("{needle}"));
    let order = [
        "class=\"summary\"",
        "id=\"incidents\"",
        "class=\"explanation\"",
        "<svg class=\"timeline\"",
        "id=\"processes\"",
        "id=\"unmatched\"",
        "id=\"sharing\"",
        "id=\"activity\"",
    ];
    for w in order.windows(2) {
        assert!(at(w[0]) < at(w[1]), "{} before {}", w[0], w[1]);
    }
    // The tree nests cmd.exe under python.exe under powershell.exe.
    let tree = &page[at("id=\"processes\"")..at("id=\"unmatched\"")];
    let (ps, py, cmd) = (
        tree.find("powershell.exe").unwrap(),
        tree.find(">python.exe<").unwrap(),
        tree.find(">cmd.exe<").unwrap(),
    );
    assert!(ps < py && py < cmd);
    assert!(tree[py..cmd].contains("<ul>"));
    assert!(page.len() < 64 * 1024, "page is {} bytes", page.len());

    // Parsed: one incident with its timeline, both tables sortable with their rows, one
    // histogram column per bucket, one script (the page's own).
    assert_eq!(select(&page, "article.incident").len(), 1);
    assert_eq!(select(&page, "svg.timeline").len(), 1);
    assert_eq!(select(&page, "g.lane").len(), 3);
    assert_eq!(select(&page, "g.mark").len(), 7);
    assert_eq!(select(&page, "table.sortable").len(), 2);
    let results = texts(&page, "#sharing td");
    assert_eq!(
        results.iter().filter(|t| *t == "SHARING VIOLATION").count(),
        2
    );
    assert_eq!(select(&page, "g.col").len(), 7);
    assert_eq!(select(&page, "script").len(), 1);
    let summary = texts(&page, "dl.summary dd");
    assert!(summary.contains(&"24,311".to_string()), "{summary:?}");
    assert!(summary.contains(&"BUILD-07".to_string()), "{summary:?}");
}

#[test]
fn hostile_capture_text_stays_text() {
    const EVIL: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&\u{1}";
    let incident = {
        let mut i = seed_race::incident();
        i.path = EVIL.into();
        i.kind = EVIL.into();
        i.explanation = EVIL.into();
        i.fix = EVIL.into();
        i.lanes = vec![Lane {
            process: EVIL.into(),
            process_index: 1,
            role: Role::Opener,
        }];
        for mark in &mut i.marks {
            mark.lane = 0;
            mark.tooltip.path = EVIL.into();
            mark.tooltip.detail = EVIL.into();
        }
        for bar in &mut i.handle_bars {
            bar.lane = 0;
        }
        i
    };
    let row = TableRow {
        process: EVIL.into(),
        path: EVIL.into(),
        detail: EVIL.into(),
        note: EVIL.into(),
        ..TableRow::default()
    };
    let mut page = HtmlPage {
        capture: CaptureSummary {
            file: EVIL.into(),
            computer: EVIL.into(),
            os: EVIL.into(),
            ..CaptureSummary::default()
        },
        incidents: vec![incident],
        unmatched_opens: vec![row.clone()],
        sharing_violations: vec![row],
        process_tree: vec![ProcessNode {
            process_index: 1,
            name: EVIL.into(),
            command_line: EVIL.into(),
            start: Some(EVIL.into()),
            ..ProcessNode::default()
        }],
        ..HtmlPage::default()
    };
    page.counts_by_kind.insert(EVIL.into(), 1);
    page.histogram = seed_race::page().histogram;
    page.histogram.classes[0].class = EVIL.into();
    let page = html(&page);

    assert!(!page.contains("<script>alert"));
    assert!(!page.contains("<img"));
    assert!(!page.contains('\u{1}'));
    assert_eq!(
        select(&page, "script").len(),
        1,
        "only the page's own script"
    );
    assert!(select(&page, "img").is_empty());
    // The text is there, escaped, its control character replaced.
    let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;&amp;\u{fffd}";
    for selector in [
        "h1",
        "code.path",
        "span.proc",
        "div.cmd code",
        "#unmatched td.path",
    ] {
        let found = texts(&page, selector);
        assert!(
            found.iter().any(|t| t.contains(escaped)),
            "{selector}: {found:?}"
        );
    }
}

/// The lane names of an incident: `name (PID n)`.
fn person(p: &serde_json::Value) -> Option<String> {
    p.as_object()
        .map(|o| format!("{} (PID {})", o["name"].as_str().unwrap(), o["pid"]))
}

#[test]
fn every_scenario_page_shows_its_incidents() {
    for (name, capture, expected) in support::scenarios() {
        let analysis = analyze(&capture, &Options::default());
        let built = HtmlPage::build(&capture, &analysis, format!("{name}.pml"));
        let expected_incidents = expected["incidents"].as_array().unwrap();
        assert_eq!(built.incidents.len(), expected_incidents.len(), "{name}");
        assert_eq!(built.capture.events, expected["events"].as_u64().unwrap());
        let page = html(&built);
        let articles = select(&page, "article.incident");
        assert_eq!(articles.len(), expected_incidents.len(), "{name}");
        assert_eq!(
            select(&page, "svg.timeline").len(),
            articles.len(),
            "{name}"
        );
        assert_eq!(select(&page, "svg.histogram").len(), 1, "{name}");
        for (incident, article) in expected_incidents.iter().zip(&articles) {
            let kind = incident["kind"].as_str().unwrap();
            assert!(article.contains(&format!("sev-{}", view_severity(&built, kind))));
            let lanes = texts(article, "g.lane").join("\n");
            for role in ["opener", "child", "closer"] {
                if let Some(who) = person(&incident[role]) {
                    assert!(lanes.contains(&who), "{name}: {role} {who} has a lane");
                }
            }
            let victims = incident["victims"].as_array().unwrap();
            for victim in victims {
                let who = person(victim).unwrap();
                assert!(lanes.contains(&who), "{name}: victim {who} has a lane");
            }
            // The marks its story needs, each with a tooltip that names its event.
            let marks = |kind: &str| select(article, &format!("g.mark-{kind}")).len();
            assert!(
                marks("failed-open") >= victims.len(),
                "{name}: failed opens"
            );
            if kind != "image-in-use" {
                // (a mapped image has no open; its Load Image, when in the capture, shows as one)
                assert_eq!(marks("open"), 1, "{name}: the open");
            }
            let inherited = usize::from(kind == "inherited-handle");
            assert_eq!(marks("process-create"), inherited, "{name}: Process Create");
            let child_lanes = select(article, "g.lane")
                .iter()
                .filter(|l| l.split('>').next().unwrap().contains("role-child"))
                .count();
            assert_eq!(child_lanes, inherited, "{name}: a child lane");
            // The close, and for a pending delete the delete (which takes effect at a close).
            let closes =
                usize::from(!incident["closer"].is_null()) + usize::from(kind == "delete-pending");
            assert_eq!(marks("close"), closes, "{name}: the close");
            for title in texts(article, "g.mark title") {
                assert!(title.starts_with("event #"), "{name}: {title}");
            }
        }
        // Every process of a lane is in the tree.
        let tree: Vec<u32> = built.process_tree.iter().map(|p| p.process_index).collect();
        for lane in built.incidents.iter().flat_map(|i: &IncidentView| &i.lanes) {
            assert!(
                tree.contains(&lane.process_index),
                "{name}: {}",
                lane.process
            );
        }
    }
}

fn view_severity(page: &HtmlPage, kind: &str) -> &'static str {
    page.incidents
        .iter()
        .find(|i| i.kind == kind)
        .map(|i| i.severity.as_str())
        .unwrap()
}

#[test]
fn real_capture_page_has_summary_and_histogram() {
    let Some(dir) = support::samples_dir() else {
        return;
    };
    let capture = support::open_sample(&dir, "process-64bit");
    let analysis = analyze(&capture, &Options::default());
    let built = HtmlPage::build(&capture, &analysis, "process-64bit.pml");
    // The manifest: 3,400 events of a Windows 10 (18362) machine, all of class Process.
    assert_eq!(built.capture.events, 3400);
    assert!(
        built.capture.os.contains("build 18362"),
        "{}",
        built.capture.os
    );
    assert!(built.capture.first_event.is_some() && built.capture.last_event.is_some());
    let total: u64 = built.histogram.classes.iter().flat_map(|c| &c.counts).sum();
    assert_eq!(total, 3400, "every readable event once");
    let buckets = built.histogram.classes[0].counts.len() as u64;
    assert!((1..=120).contains(&buckets));
    let page = html(&built);
    assert_eq!(texts(&page, "dl.summary dd")[2], "3,400");
    assert!(page.contains("Process (3,400)"));
    assert_eq!(select(&page, "g.col").len() as u64, buckets);
}

#[test]
fn failures_and_leaks_have_their_tables() {
    for (name, capture, _) in support::scenarios() {
        let analysis = analyze(&capture, &Options::default());
        let page = html(&HtmlPage::build(&capture, &analysis, format!("{name}.pml")));
        let section = |id: &str| {
            let at = page.find(&format!("<section id=\"{id}\">")).unwrap();
            let end = at + page[at..].find("</section>").unwrap();
            page[at..end].to_string()
        };
        match name.as_str() {
            "seed-race" => {
                let failures = section("failures");
                assert!(
                    failures.contains("failure 1: cl.exe (PID 11928) exited with 0x00000002; cause 1; see the inherited-handle incident"),
                    "{failures}"
                );
                assert!(failures.contains("SHARING VIOLATION"), "{failures}");
            }
            "handle-leak" => {
                let leaks = section("leaks");
                assert!(
                    leaks.contains("48 of 60 opens never closed (12 closed)"),
                    "{leaks}"
                );
            }
            "filtered-save" => assert!(section("warnings").contains("no-close-events")),
            _ => {}
        }
    }
}
