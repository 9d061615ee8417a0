//! `pml report`: one self-contained HTML page (inline CSS, JS and SVG; nothing fetched) that
//! tells each incident on a timeline.
//!
//! [`model`] is the data the page shows; [`write_report`] turns it into the page.

mod axis;
mod escape;
mod histogram;
mod html;
pub mod model;
pub mod svg;
pub mod views;

use std::io::Write;

pub use model::ReportData;

/// Writes the HTML page for `data` to `out`.
pub fn write_report(data: &ReportData, out: &mut impl Write) -> std::io::Result<()> {
    out.write_all(html::page(data).as_bytes())
}
