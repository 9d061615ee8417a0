//! Sample pages made by hand, for the example (`examples/report_sample.rs`), the tests and
//! checking the page in a browser (`scripts/browser-check.sh`); built with the `demo` feature.

pub mod retries;
pub mod seed_race;

use super::HtmlPage;

/// The seed race's page with a second, more crowded incident: the retries.
pub fn sample_page() -> HtmlPage {
    let mut page = seed_race::page();
    page.incidents.push(retries::incident());
    page
}
