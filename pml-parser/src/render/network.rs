//! Path, Detail and Category of network events.

use std::fmt::Write as _;

use crate::details::network::{Endpoint, NetworkDetails};
use crate::event::Event;
use crate::tables::NameTables;

/// Appends the Path column: `host:port -> host:port`, with the names ProcMon resolved while
/// capturing (hosts and ports tables), else the numeric address and port.
pub(super) fn write_path(event: &Event<'_>, out: &mut String) {
    let Ok(d) = NetworkDetails::decode(event) else {
        return;
    };
    let names = event.capture().names();
    push_endpoint(out, names, &d.source, d.is_tcp());
    out.push_str(" -> ");
    push_endpoint(out, names, &d.destination, d.is_tcp());
}

/// Appends the Detail column: `Length: 429, startime: ..., seqnum: 0, connid: 0`.
pub(super) fn write_detail(event: &Event<'_>, out: &mut String) {
    if let Ok(d) = NetworkDetails::decode(event) {
        write_details(&d, out);
    }
}

/// Appends the Detail column of decoded details.
pub(super) fn write_details(d: &NetworkDetails<'_>, out: &mut String) {
    let _ = write!(out, "Length: {}", d.length);
    for (key, value) in d.pairs() {
        out.push_str(", ");
        key.push_to(out);
        out.push_str(": ");
        value.push_to(out);
    }
}

/// The Category column: always empty for network events.
pub(super) fn category(_event: &Event<'_>) -> &'static str {
    ""
}

fn push_endpoint(out: &mut String, names: &NameTables, end: &Endpoint, tcp: bool) {
    match names.hosts.get(&end.address).filter(|n| !n.is_empty()) {
        Some(host) => out.push_str(host),
        None => {
            let _ = write!(out, "{}", end.ip());
        }
    }
    out.push(':');
    match names.ports.get(&(end.port, tcp)).filter(|n| !n.is_empty()) {
        Some(port) => out.push_str(port),
        None => {
            let _ = write!(out, "{}", end.port);
        }
    }
}
