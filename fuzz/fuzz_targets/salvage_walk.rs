//! Salvage of damaged captures: arbitrary bytes, and the same bytes cut at a point the input
//! chooses (a capture ProcMon never finished, or one cut off), opened with salvage and walked
//! event by event, reading every field a salvaged capture is asked for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pml_parser::OpenOptions;

fn walk(bytes: Vec<u8>) {
    let Ok(capture) = OpenOptions::new().salvage(true).from_bytes(bytes) else {
        return;
    };
    if let Some(report) = capture.salvage_report() {
        assert!(report.events == capture.event_count());
    }
    let _ = capture.processes().len();
    for index in 0..capture.event_count() {
        if let Ok(event) = capture.event(index) {
            let _ = event.process();
            let _ = event.operation_name();
            let _ = event.details();
            let _ = event.extra_bytes();
            let _ = event.stack().count();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    walk(data.to_vec());
    // The first two bytes choose where a second copy is cut off (as a fraction of its length).
    if data.len() > 2 {
        let cut = usize::from(u16::from_le_bytes([data[0], data[1]]));
        let body = &data[2..];
        let at = body.len() * cut / 0x1_0000;
        walk(body[..at].to_vec());
    }
});
