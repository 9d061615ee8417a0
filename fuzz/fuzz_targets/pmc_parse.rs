//! Parses arbitrary bytes as a ProcMon configuration file (.pmc) and builds a filter from it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pml_analyzer::pmc::Config;

fuzz_target!(|data: &[u8]| {
    if let Ok(config) = Config::parse(data) {
        let _ = format!("{config:?}");
    }
});
