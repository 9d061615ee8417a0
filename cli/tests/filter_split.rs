//! `pml filter` saves exactly the events that pass, as a capture every command reads; and a capture
//! split into parts (`X.PML`, `X-1.PML`) reads, exports and analyzes as the whole.

use std::path::{Path, PathBuf};
use std::process::Output;

fn pml(args: &[&str]) -> Output {
    pml_testkit::succeed(env!("CARGO_BIN_EXE_pml"), args)
}

fn seed_race() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/seed-race.pml")
        .display()
        .to_string()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pml-filter-split-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

const COLUMNS: &str = "Time of Day,Process Name,PID,Operation,Path,Result,Detail,TID,Command Line";

#[test]
fn filter_keeps_exactly_the_matching_events_and_their_processes() {
    let out = scratch("cl.pml");
    let o = out.to_str().unwrap();
    pml(&[
        "filter",
        &seed_race(),
        "-o",
        o,
        "--filter",
        "Process Name is cl.exe",
    ]);
    let saved = pml(&["events", o, "--format", "csv", "--columns", COLUMNS]).stdout;
    let wanted = pml(&[
        "events",
        &seed_race(),
        "--filter",
        "Process Name is cl.exe",
        "--format",
        "csv",
        "--columns",
        COLUMNS,
    ])
    .stdout;
    assert!(saved.len() > 200);
    assert_eq!(saved, wanted);
    let info: serde_json::Value =
        serde_json::from_slice(&pml(&["info", "--json", o]).stdout).unwrap();
    assert_eq!(info["processes"], 1, "only cl.exe is referenced");
    // The complement and the match add up to the whole.
    let rest = scratch("rest.pml");
    pml(&[
        "filter",
        &seed_race(),
        "-o",
        rest.to_str().unwrap(),
        "--exclude",
        "Process Name is cl.exe",
    ]);
    let whole: serde_json::Value =
        serde_json::from_slice(&pml(&["info", "--json", &seed_race()]).stdout).unwrap();
    let rest: serde_json::Value =
        serde_json::from_slice(&pml(&["info", "--json", rest.to_str().unwrap()]).stdout).unwrap();
    assert_eq!(
        info["events"].as_u64().unwrap() + rest["events"].as_u64().unwrap(),
        whole["events"].as_u64().unwrap()
    );
}

#[test]
fn a_split_capture_reads_like_the_whole() {
    // Split at a time inside the race, so the open is in the first part and the close in the second.
    let first = scratch("Split.PML");
    let second = scratch("Split-1.PML");
    let cut = "9:30:00.4 AM";
    pml(&[
        "filter",
        &seed_race(),
        "-o",
        first.to_str().unwrap(),
        "--filter",
        &format!("Time of Day less than {cut}"),
    ]);
    pml(&[
        "filter",
        &seed_race(),
        "-o",
        second.to_str().unwrap(),
        "--exclude",
        &format!("Time of Day less than {cut}"),
    ]);
    // Naming the first part brings in the second.
    let split = first.to_str().unwrap();
    let cols = "Time of Day,Process Name,PID,Operation,Path,Result,Detail,Relative Time";
    assert_eq!(
        pml(&["events", split, "--format", "csv", "--columns", cols]).stdout,
        pml(&["events", &seed_race(), "--format", "csv", "--columns", cols]).stdout
    );
    let analyze = |file: &str| -> serde_json::Value {
        let mut v: serde_json::Value =
            serde_json::from_slice(&pml(&["analyze", "--json", file]).stdout).unwrap();
        // The file name differs; the findings must not.
        for key in ["incidents", "unmatched_opens", "sharing_violations"] {
            for item in v[key].as_array_mut().unwrap() {
                item.as_object_mut().unwrap().remove("capture");
            }
        }
        v
    };
    // `pml info` counts the parts as one capture, named or matched by a pattern pml expands.
    let info = |file: &str| -> serde_json::Value {
        serde_json::from_slice(&pml(&["info", "--json", file]).stdout).unwrap()
    };
    let whole_info = info(&seed_race());
    let (one, all) = (
        first.with_file_name("Spl?t.PML"),
        first.with_file_name("Split*"),
    );
    for named in [split, one.to_str().unwrap(), all.to_str().unwrap()] {
        let part_info = info(named);
        assert_eq!(part_info["file"], split, "{named}");
        for key in ["events", "event_classes", "first_event", "last_event"] {
            assert_eq!(part_info[key], whole_info[key], "{named}: {key}");
        }
    }
    let (whole, parts) = (analyze(&seed_race()), analyze(split));
    assert_eq!(whole["incidents"].as_array().unwrap().len(), 1);
    for key in ["incidents", "unmatched_opens", "sharing_violations"] {
        assert_eq!(parts[key], whole[key], "{key}");
    }
}
