//! Zero-copy reader for Sysinternals Process Monitor captures (`.PML`).
//!
//! ```no_run
//! let capture = pml_parser::Capture::open("trace.pml")?;
//! for event in capture.events() {
//!     let event = event?;
//!     println!("{} {}", event.index(), event.operation_name());
//! }
//! # Ok::<(), pml_parser::Error>(())
//! ```
//!
//! [`Capture::open`] maps the file and reads the header and the small tables; events are views
//! into the map, and their details are decoded only when asked for.

mod bytes;
pub mod capture;
pub mod details;
pub mod error;
pub mod event;
pub mod header;
pub mod hint;
pub mod ops;
pub mod render;
mod salvage;
pub mod tables;
pub mod text;
pub mod time;
pub mod writer;

pub use bytes::utf16_to_string;
pub use capture::{Capture, OpenOptions, SalvageReport};
pub use details::Details;
pub use error::{Error, ErrorKind, Result};
pub use event::{Event, Frame};
pub use header::{Header, OsVersion};
pub use ops::EventClass;
pub use render::columns::EventRow;
pub use render::columns::{Column, ColumnRenderer};
pub use render::{BuildDetection, ProcmonBuild, ProcmonBuildError, TimeZoneError, TimeZoneSpec};
pub use tables::{Module, NameTables, Process, ProcessTable, StringTable};
pub use text::{PmlStr, StrInfo};
pub use time::FileTime;
