//! Reads arbitrary bytes as a ProcMon CSV or XML export (the first byte picks which when the
//! content does not say), writes the capture in memory, opens it and renders every event.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use pml_import::{convert, sniff, InputKind, Options};
use pml_parser::writer::{PmlWriter, SystemInfo};
use pml_parser::{Capture, Column, ColumnRenderer};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let kind = match sniff(body) {
        Some(InputKind::Pml) | None if pick & 1 == 0 => InputKind::Csv(b','),
        Some(InputKind::Pml) | None => InputKind::Xml,
        Some(kind) => kind,
    };
    let Ok(writer) = PmlWriter::new(Cursor::new(Vec::new()), SystemInfo::default()) else {
        return;
    };
    let Ok((out, report)) = convert(body, kind, &Options::default(), writer) else {
        return;
    };
    let capture = Capture::from_bytes(out.into_inner()).expect("a written capture opens");
    assert_eq!(capture.event_count(), report.events);
    let renderer = ColumnRenderer::new(&capture);
    let mut cell = String::new();
    for event in capture.events() {
        let event = event.expect("a written event reads");
        for column in Column::ALL {
            cell.clear();
            renderer.write(&event, column, &mut cell);
        }
    }
});
