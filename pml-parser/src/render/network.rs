//! Path, Detail and Category of network events.

use crate::event::Event;

/// Appends the Path column.
pub(super) fn write_path(event: &Event<'_>, out: &mut String) {
    let _ = (event, out);
}

/// Appends the Detail column.
pub(super) fn write_detail(event: &Event<'_>, out: &mut String) {
    let _ = (event, out);
}

/// The Category column.
pub(super) fn category(event: &Event<'_>) -> &'static str {
    let _ = event;
    ""
}
