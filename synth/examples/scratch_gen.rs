//! scratch
fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap();
    let out = args.next().unwrap();
    pml_synth::scenario(&name, std::path::Path::new(&out), &pml_synth::Options::default()).unwrap();
}
