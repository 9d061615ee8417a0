//! Damaged captures never make the analyzer panic: bytes flipped at random and files cut short,
//! starting from a real capture (`../shared/pml-samples`, or `$PML_SAMPLES`).

use pml_testkit as common;

use pml_analyzer::{analyze, Options};
use pml_parser::{Capture, SplitCapture};

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1) as u64) as usize
    }
}

#[test]
fn flipped_and_truncated_captures_do_not_panic() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let good = common::sample_bytes(&dir, "unity-basic-64bit");
    let baseline = analyze(
        &Capture::from_bytes(good.clone()).unwrap().into(),
        &Options::default(),
    );
    assert_eq!(baseline.summary.pairing.opens, 50);

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut analyzed = 0;
    for round in 0..300 {
        let mut bytes = good.clone();
        if round % 3 == 0 {
            bytes.truncate(rng.below(good.len()));
        } else {
            for _ in 0..1 + rng.below(64) {
                let at = rng.below(bytes.len());
                bytes[at] = rng.below(256) as u8;
            }
        }
        if let Ok(capture) = Capture::from_bytes(bytes) {
            let capture = SplitCapture::from(capture);
            let report = analyze(&capture, &Options::default());
            let e = report.summary.events.unwrap();
            assert_eq!(e.events, capture.event_count());
            analyzed += 1;
        }
    }
    assert!(
        analyzed > 100,
        "most damaged captures still open ({analyzed})"
    );
}
