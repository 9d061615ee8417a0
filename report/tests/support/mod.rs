//! What the tests share: the scenario captures of `testdata/`, the real captures beside the
//! checkout (through pml-testkit: `PML_REQUIRE_SAMPLES=1` makes their absence a failure), and
//! the page parsed as HTML.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use pml_parser::SplitCapture;

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
    assert_eq!(names.len(), 16, "the sixteen scenarios of testdata/");
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

#[allow(unused_imports)]
pub use pml_testkit::samples_dir;

/// Opens the real capture `dir/name.pml.gz` from memory.
pub fn open_sample(dir: &Path, name: &str) -> SplitCapture {
    pml_testkit::open_sample(dir, name).into()
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
