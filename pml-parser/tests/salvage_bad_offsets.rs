//! Salvage of captures whose header points past the end of the file: a clear result, never an
//! arithmetic overflow (inputs from the fuzzers' corpus that the Python package's tests found).

use pml_parser::OpenOptions;

#[test]
fn event_offsets_past_the_end_do_not_overflow() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    for file in [
        "salvage_walk/regression-events-offset-past-the-end",
        "open_decode_render/regression-events-offset-past-the-end",
    ] {
        let data = std::fs::read(corpus.join(file)).unwrap();
        let salvaged = OpenOptions::new().salvage(true).from_bytes(data);
        if let Ok(capture) = salvaged {
            for event in capture.events() {
                let _ = event;
            }
        }
    }
}
