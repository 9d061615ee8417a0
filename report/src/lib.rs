//! What `pml analyze` and `pml report` print, as a library: the analysis of a capture as text
//! and JSON ([`analysis`]), and as one self-contained HTML page with each incident on a
//! timeline ([`html`]); and what changed between a good and a bad run ([`diff`], `pml diff`).
//!
//! ```no_run
//! use pml_analyzer::{analyze, Options};
//! use pml_parser::SplitCapture;
//! use pml_report::analysis::{self, AnalyzedCapture};
//! use pml_report::html::HtmlPage;
//!
//! let capture = SplitCapture::open("build.pml", Default::default())?;
//! let analyzed = AnalyzedCapture::new("build.pml", &capture, &Options::default());
//! analysis::write_text(&mut std::io::stdout(), std::slice::from_ref(&analyzed))?;
//!
//! let page = HtmlPage::build(&capture, &analyzed.analysis, "build.pml");
//! let mut file = pml_parser::AtomicFile::create("build.html".as_ref())?;
//! page.write(&mut file)?;
//! file.commit()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod analysis;
pub mod diff;
pub mod html;
