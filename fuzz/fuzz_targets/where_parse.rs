//! Parses arbitrary text as a `--where` expression and evaluates it on a small capture.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pml_analyzer::filter::{Expr, Filter, Matcher, Scratch};
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
    let expr = match Expr::parse(text) {
        Ok(expr) => expr,
        Err(e) => {
            // The error must point inside the expression (or just past its end).
            assert!(e.column >= 1 && e.column <= text.chars().count() + 1);
            let _ = e.caret();
            return;
        }
    };
    let capture = capture();
    let renderer = ColumnRenderer::new(capture);
    let mut filter = Filter::default();
    filter.push_where(expr.clone());
    let matcher = Matcher::new(&filter, capture, renderer.clone());
    let mut scratch = Scratch::default();
    for event in capture.events().take(200).flatten() {
        // The matcher (with its per-process cache) and the one-off evaluation agree.
        assert_eq!(matcher.matches(&event, &mut scratch), expr.matches(&event, &renderer));
    }
});
