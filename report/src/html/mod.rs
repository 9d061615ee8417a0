//! `pml report`: one self-contained HTML page (inline CSS, JS and SVG; nothing fetched) that
//! tells each incident of an analysis on a timeline.
//!
//! [`HtmlPage`] is the data the page shows, plain and serializable: [`HtmlPage::build`] fills it
//! from a capture and its [`Analysis`](pml_analyzer::Analysis), [`HtmlPage::write`] writes the
//! page. Every string from the capture is escaped.

mod axis;
mod baseline;
mod build;
#[cfg(any(test, feature = "demo"))]
pub mod demo;
mod escape;
mod histogram;
mod model;
mod page;
mod svg;
#[cfg(test)]
mod timeline_tests;
mod views;

pub use model::{
    Bar, CaptureSummary, HtmlPage, IncidentView, Lane, Mark, MarkKind, ProcessNode, Role, TableRow,
    Tooltip,
};
pub use pml_analyzer::overview::{ClassSeries, Histogram};
pub use pml_analyzer::Severity;
