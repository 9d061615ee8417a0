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

mod atomic;
mod bytes;
mod capture;
pub mod details;
mod error;
mod event;
pub mod guard;
mod header;
mod hint;
pub mod ops;
pub mod pass;
pub mod render;
mod salvage;
mod split;
mod tables;
pub mod terminal;
mod text;
mod time;
pub mod writer;

pub use atomic::{AtomicFile, PendingPath, TempOptions};
pub use bytes::utf16_to_string;
pub use capture::{Capture, OpenOptions, SalvageReport};
pub use details::Details;
pub use error::{Error, ErrorKind, Result};
pub use event::{Event, Frame, EVENT_HEADER_SIZE, STATUS_PENDING};
pub use header::{Header, OsVersion, HEADER_SIZE};
pub use ops::EventClass;
pub use pass::{Chunk, Pass, Progress};
pub use render::columns::EventRow;
pub use render::columns::{Column, ColumnRenderer};
pub use render::{BuildDetection, ProcmonBuild, ProcmonBuildError, TimeZoneError, TimeZoneSpec};
pub use split::{sibling_parts, Part, SplitCapture};
pub use tables::{Module, NameTables, Process, ProcessTable, StringTable};
pub use terminal::{for_terminal, for_terminal_lines};
pub use text::{PmlStr, StrInfo};
pub use time::FileTime;
