//! Salvage of captures whose header points past the end of the file: a clear result, never an
//! arithmetic overflow (inputs from the fuzzers' corpus that the Python package's tests found).

use pml_parser::OpenOptions;

#[test]
fn event_offsets_past_the_end_do_not_overflow() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    for file in [
        "salvage_walk/0451c636332eeb0add9dc6bc0e261b02c378a3e7",
        "open_decode_render/3f30e3add6fde3ea11cba341d3ff6b6cdef81ef6",
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
