//! What the tests share: the scenario captures of `testdata/`, the real captures beside the
//! checkout, and the page parsed as HTML.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};

use pml_parser::{Capture, SplitCapture};

/// `testdata/` at the repository root.
pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

/// The scenarios of `testdata/`: name, capture and expected findings, by name.
pub fn scenarios() -> Vec<(String, SplitCapture, serde_json::Value)> {
    let mut names: Vec<String> = std::fs::read_dir(testdata())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".expected.json").map(str::to_string)
        })
        .collect();
    names.sort();
    assert_eq!(names.len(), 7, "the seven scenarios of testdata/");
    names
        .into_iter()
        .map(|name| {
            let path = testdata().join(format!("{name}.pml"));
            let capture = SplitCapture::open(&path, Default::default())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let expected =
                std::fs::read_to_string(testdata().join(format!("{name}.expected.json"))).unwrap();
            (name, capture, serde_json::from_str(&expected).unwrap())
        })
        .collect()
}

/// `../shared/pml-samples` beside the checkout (or `$PML_SAMPLES`); `None` with a message when
/// it is missing, a failure when `PML_REQUIRE_SAMPLES=1` says it must be there.
pub fn samples_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PML_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/pml-samples"));
    if dir.join("MANIFEST.md").exists() {
        return Some(dir);
    }
    let required = std::env::var_os("PML_REQUIRE_SAMPLES").is_some_and(|v| v == "1");
    assert!(
        !required,
        "PML_REQUIRE_SAMPLES=1 but there are no real captures at {}",
        dir.display()
    );
    eprintln!(
        "SKIPPED: no real captures at {} (set PML_SAMPLES)",
        dir.display()
    );
    None
}

/// Opens the real capture `dir/name.pml.gz` from memory.
pub fn open_sample(dir: &Path, name: &str) -> SplitCapture {
    let path = dir.join(format!("{name}.pml.gz"));
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut data = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut data)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Capture::from_bytes(data)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .into()
}

/// The elements of `html` that one simple selector (`tag`, `.class`, `#id`, `tag.class`)
/// selects, as their outer HTML, or their text.
fn query(html: &str, selector: &str, text: bool) -> Vec<String> {
    let dom = tl::parse(html, tl::ParserOptions::default()).expect("the page parses as HTML");
    let parser = dom.parser();
    dom.query_selector(selector)
        .unwrap_or_else(|| panic!("bad selector {selector}"))
        .map(|h| {
            let node = h.get(parser).unwrap();
            if text {
                node.inner_text(parser).into_owned()
            } else {
                node.outer_html(parser).into_owned()
            }
        })
        .collect()
}

/// The elements of `html` that `selector` selects (simple selectors, separated by spaces for
/// descendants), as their outer HTML or their text.
fn select_as(html: &str, selector: &str, text: bool) -> Vec<String> {
    let mut steps = selector.split_whitespace().peekable();
    let mut found = vec![html.to_string()];
    while let Some(step) = steps.next() {
        let last = steps.peek().is_none();
        found = found
            .iter()
            .flat_map(|h| query(h, step, text && last))
            .collect();
    }
    found
}

/// The elements of `html` that `selector` selects, as their outer HTML.
pub fn select(html: &str, selector: &str) -> Vec<String> {
    select_as(html, selector, false)
}

/// The text of the elements of `html` that `selector` selects.
pub fn texts(html: &str, selector: &str) -> Vec<String> {
    select_as(html, selector, true)
}
