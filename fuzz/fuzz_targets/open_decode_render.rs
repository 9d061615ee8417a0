//! Opens arbitrary bytes as a capture, strictly and with salvage, and reads everything a user can ask.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pml_parser::{Capture, Column, ColumnRenderer, OpenOptions};

fn exercise(capture: &Capture) {
    let renderer = ColumnRenderer::new(capture);
    let mut out = String::new();
    for event in capture.events().flatten() {
        let _ = event.details();
        for frame in event.resolved_stack() {
            let _ = frame.location();
        }
        for column in Column::ALL {
            out.clear();
            renderer.write(&event, column, &mut out);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(capture) = Capture::from_bytes(data.to_vec()) {
        exercise(&capture);
    }
    if let Ok(capture) = OpenOptions::new().salvage(true).from_bytes(data.to_vec()) {
        exercise(&capture);
    }
});
