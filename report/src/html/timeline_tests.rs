//! The SVG timeline on the hand-built seed race: lanes, marks, tooltips, label layout; and
//! robustness of the layout on awkward incidents.

use super::demo::{retries, seed_race};
use super::svg::{self, Label, WIDTH};
use super::{Bar, IncidentView, Lane, Mark, MarkKind, Role, Severity, Tooltip};

fn svg_of(incident: &IncidentView) -> (svg::Timeline, String) {
    let layout = svg::layout(incident);
    let mut out = String::new();
    svg::render(incident, &layout, "t1", &mut out);
    (layout, out)
}

/// The pieces of `svg` that start with `open` (up to the next one or the end).
fn chunks<'a>(svg: &'a str, open: &str) -> Vec<&'a str> {
    svg.split(open).skip(1).collect()
}

/// Checks that start and end tags balance (the renderer writes no comments or CDATA).
fn assert_well_formed(xml: &str) {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>').expect("unclosed tag");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name), "mismatched </{name}>");
        } else if !tag.ends_with('/') {
            let name = tag.split([' ', '\n']).next().unwrap();
            stack.push(name);
        }
        assert!(!tag.contains('<'), "a '<' inside tag {tag}");
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

fn assert_no_overlaps(labels: &[Label]) {
    for (i, a) in labels.iter().enumerate() {
        let ba = a.bbox();
        assert!(
            ba.x >= 0.0 && ba.x + ba.w <= WIDTH && ba.y >= 0.0,
            "label {:?} leaves the drawing: {ba:?}",
            a.text
        );
        for b in &labels[i + 1..] {
            assert!(
                !ba.overlaps(&b.bbox()),
                "labels overlap: {:?} {ba:?} and {:?} {:?}",
                a.text,
                b.text,
                b.bbox()
            );
        }
    }
}

#[test]
fn seed_race_has_its_lanes_and_marks_in_order() {
    let incident = seed_race::incident();
    let (layout, svg) = svg_of(&incident);
    assert_well_formed(&svg);

    let lanes = chunks(&svg, "<g class=\"lane ");
    let roles: Vec<&str> = lanes.iter().map(|l| l.split('"').next().unwrap()).collect();
    assert_eq!(roles, ["role-opener", "role-child", "role-victim"]);
    for (lane, name) in lanes
        .iter()
        .zip(["python.exe (4120)", "cmd.exe (5532)", "cl.exe (6004)"])
    {
        assert!(lane.contains(name), "lane {name}");
    }

    let marks = chunks(&svg, "<g class=\"mark ");
    let kinds: Vec<&str> = marks.iter().map(|m| m.split('"').next().unwrap()).collect();
    let mut expected = vec![
        "mark-open",
        "mark-process-create",
        "mark-close",
        "mark-exit",
        "mark-failed-open",
        "mark-failed-open",
        "mark-exit",
    ];
    let mut got = kinds.clone();
    expected.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, expected);

    // Every mark carries its event index and a tooltip that names it and the event.
    for (m, spot) in marks.iter().zip(&layout.marks) {
        let mark = &incident.marks[spot.mark];
        assert!(m.contains(&format!("data-event-index=\"{}\"", mark.event_index)));
        let title = m
            .split("<title>")
            .nth(1)
            .and_then(|t| t.split("</title>").next())
            .expect("a <title> in every mark");
        assert!(
            title.starts_with(&format!("event #{} ", mark.event_index)),
            "{title}"
        );
        assert!(title.contains(&format!("operation: {}", mark.tooltip.operation)));
        assert!(title.contains(&format!("result: {}", mark.tooltip.result)));
        if !mark.tooltip.path.is_empty() {
            assert!(title.contains(r"path: C:\build\out\gen\gen.cpp"));
        }
    }

    // Marks sit on their lane's line and in time order along the axis.
    for spot in &layout.marks {
        let mark = &incident.marks[spot.mark];
        assert_eq!(spot.y, layout.lanes[mark.lane].mark_y);
    }
    let x_of = |event: u64| {
        layout
            .marks
            .iter()
            .find(|s| incident.marks[s.mark].event_index == event)
            .unwrap()
            .x
    };
    let order = [1000, 1042, 1310, 1318, 1333, 20457, 20460];
    for w in order.windows(2) {
        assert!(x_of(w[0]) < x_of(w[1]), "event {} left of {}", w[0], w[1]);
    }
    // The 1 ms between the two failed opens stays visible next to the 1.8 s to the close.
    assert!(x_of(1318) - x_of(1310) >= 8.0);
    assert!(x_of(20457) - x_of(1333) >= 30.0);
    // The time between is skipped by a break band.
    assert_eq!(layout.axis.segments().len(), 2);
    assert!(svg.contains("class=\"break\""));
}

#[test]
fn seed_race_labels_are_all_placed_and_do_not_overlap() {
    let incident = seed_race::incident();
    let (layout, svg) = svg_of(&incident);
    assert_no_overlaps(&layout.labels);
    let mark_labels: Vec<&str> = layout
        .labels
        .iter()
        .filter(|l| l.class == "mark-label")
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(mark_labels.len(), incident.marks.len(), "{mark_labels:?}");
    for want in [
        "open (t = 0)",
        "Process Create +7.0 ms",
        "SHARING VIOLATION +40 ms",
        "SHARING VIOLATION +41 ms",
        "close +1.800 s",
    ] {
        assert!(mark_labels.contains(&want), "{want} in {mark_labels:?}");
    }
    // Ticks are labelled in ms near the open and in s after the break.
    let ticks: Vec<&str> = layout.ticks.iter().map(|t| t.label.as_str()).collect();
    assert!(ticks.iter().any(|t| t.ends_with(" ms")), "{ticks:?}");
    assert!(ticks.iter().any(|t| t.ends_with(" s")), "{ticks:?}");
    // Every label of the layout is in the SVG.
    assert_eq!(svg.matches("<text ").count(), layout.labels.len());
}

fn tip() -> Tooltip {
    Tooltip {
        time: "t".into(),
        operation: "CreateFile".into(),
        path: "p".into(),
        result: "SHARING VIOLATION".into(),
        detail: String::new(),
    }
}

fn crowded(times: &[f64], lanes: usize) -> IncidentView {
    IncidentView {
        kind: "sharing-violation".into(),
        severity: Severity::Medium,
        path: "x".into(),
        origin: String::new(),
        explanation: String::new(),
        fix: String::new(),
        lanes: (0..lanes)
            .map(|i| Lane {
                process: format!("a-process-with-a-very-long-image-name-{i}.exe (123456)"),
                process_index: i as u32,
                role: Role::Victim,
            })
            .collect(),
        marks: times
            .iter()
            .enumerate()
            .map(|(i, &t)| Mark {
                lane: i % (lanes + 1), // one in (lanes + 1) names a lane that does not exist
                kind: MarkKind::FailedOpen,
                time_ms: t,
                event_index: i as u64,
                tooltip: tip(),
            })
            .collect(),
        handle_bars: vec![Bar {
            lane: 0,
            from_ms: f64::NAN,
            to_ms: f64::INFINITY,
            still_open: true,
        }],
    }
}

#[test]
fn crowded_and_odd_incidents_keep_labels_apart() {
    let cases: Vec<Vec<f64>> = vec![
        (0..60).map(|i| i as f64 * 0.01).collect(),
        (0..60).map(|i| (i as f64).powi(4)).collect(),
        vec![-500.0, -2.0, 0.0, 0.0, 0.0, 3.0, 86_400_000.0],
        vec![f64::NAN, f64::NEG_INFINITY, 1e300, 5.0],
        vec![],
    ];
    for times in cases {
        for lanes in [0, 1, 3] {
            let incident = crowded(&times, lanes);
            let (layout, svg) = svg_of(&incident);
            assert_well_formed(&svg);
            assert_no_overlaps(&layout.labels);
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
            // Every mark in an existing lane is drawn, with its tooltip.
            let drawn = incident.marks.iter().filter(|m| m.lane < lanes).count();
            assert_eq!(svg.matches("<g class=\"mark ").count(), drawn);
            assert_eq!(layout.marks.len(), drawn);
        }
    }
}

#[test]
fn retries_over_four_decades_stay_readable() {
    let incident = retries::incident();
    let (layout, svg) = svg_of(&incident);
    assert_well_formed(&svg);
    assert_no_overlaps(&layout.labels);
    // Every retry is drawn and hoverable, in time order, none on top of another.
    let mut xs: Vec<f64> = layout
        .marks
        .iter()
        .filter(|s| incident.marks[s.mark].kind == MarkKind::FailedOpen)
        .map(|s| s.x)
        .collect();
    assert_eq!(xs.len(), 11);
    let sorted = xs.clone();
    xs.sort_by(f64::total_cmp);
    assert_eq!(xs, sorted);
    // The handle still open at the end gets an arrow; the opener's 0.6 ms handle is a bar.
    assert!(svg.contains("still open at the end of the capture"));
    let open_x = layout.axis.x(-3.0);
    assert!(open_x < layout.axis.x(0.0));
}
