//! Parses arbitrary text as `--filter` / `--exclude` rules and evaluates them on a small capture.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pml_analyzer::filter::{Action, Filter, Matcher, Rule, Scratch};
use pml_parser::{Capture, ColumnRenderer};

/// The seed-race scenario, embedded so the target needs no files at run time.
fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        Capture::from_bytes(include_bytes!("../../testdata/seed-race.pml").to_vec())
            .expect("testdata/seed-race.pml reads")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let rules: Vec<Rule> = text
        .lines()
        .take(8)
        .enumerate()
        .filter_map(|(i, line)| {
            let action = if i % 2 == 0 { Action::Include } else { Action::Exclude };
            Rule::parse(line, action).ok()
        })
        .collect();
    if rules.is_empty() {
        return;
    }
    let capture = capture();
    let matcher = Matcher::new(&Filter::new(rules), capture, ColumnRenderer::new(capture));
    let mut scratch = Scratch::default();
    for event in capture.events().take(200).flatten() {
        let _ = matcher.matches(&event, &mut scratch);
    }
});
