//! Rendering of registry, process, network and profiling events beyond what the golden CSVs
//! hold: operations they lack (made by re-typing real events) and damaged detail blobs.

use pml_testkit as common;
use pml_testkit::golden;

use pml_parser::{render, Capture, EventClass};

/// Where event `index` of `data` keeps its header and its detail blob.
struct Place {
    offset: usize,
    detail: usize,
    detail_len: usize,
}

fn place(data: &[u8], index: u64) -> Place {
    let capture = Capture::from_bytes(data.to_vec()).unwrap();
    let event = capture.event(index).unwrap();
    let offset = event.offset() as usize;
    Place {
        offset,
        detail: offset + 0x34 + event.stack_bytes().len(),
        detail_len: event.detail_bytes().len(),
    }
}

/// Index of the first event of `class` named `operation`.
fn first(capture: &Capture, class: EventClass, operation: &str) -> u64 {
    capture
        .events()
        .map(Result::unwrap)
        .find(|e| e.class() == class && e.operation_name() == operation)
        .unwrap_or_else(|| panic!("no {operation}"))
        .index()
}

/// Rewrites the class and operation of event `index`, then its detail bytes with `detail`.
fn retype(data: &mut [u8], index: u64, class: u32, op: u16, detail: &[u8]) {
    let p = place(data, index);
    assert!(detail.len() <= p.detail_len, "detail does not fit");
    data[p.offset + 8..p.offset + 12].copy_from_slice(&class.to_le_bytes());
    data[p.offset + 0xC..p.offset + 0xE].copy_from_slice(&op.to_le_bytes());
    data[p.detail..p.detail + detail.len()].copy_from_slice(detail);
}

fn columns(capture: &Capture, index: u64) -> (String, String, &'static str) {
    let event = capture.event(index).unwrap();
    let (mut path, mut detail) = (String::new(), String::new());
    render::write_path(&event, &mut path);
    render::write_detail(&event, &mut detail);
    (path, detail, render::category(&event))
}

/// The golden CSV's `column` for event `index`.
fn golden_cell(dir: &std::path::Path, name: &str, index: u64, column: &str) -> String {
    let (header, rows) = golden::golden_rows(dir, name);
    let c = header.iter().position(|h| h == column).unwrap();
    rows[index as usize][c].clone()
}

#[test]
fn process_statistics_and_defined_render_like_exit_and_create() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let name = "process-64bit";
    let mut data = common::sample_bytes(&dir, name);
    let capture = Capture::from_bytes(data.clone()).unwrap();
    let exit = first(&capture, EventClass::Process, "Process Exit");
    let create = first(&capture, EventClass::Process, "Process Create");
    drop(capture);
    // Same blobs, other operation codes: ProcMon documents the same fields for both pairs.
    for (index, op) in [(exit, 8u16), (create, 0)] {
        let p = place(&data, index);
        data[p.offset + 0xC..p.offset + 0xE].copy_from_slice(&op.to_le_bytes());
    }
    let capture = Capture::from_bytes(data).unwrap();
    assert_eq!(
        capture.event(exit).unwrap().operation_name(),
        "Process Statistics"
    );
    assert_eq!(
        columns(&capture, exit).1,
        golden_cell(&dir, name, exit, "Detail")
    );
    assert_eq!(
        capture.event(create).unwrap().operation_name(),
        "Process Defined"
    );
    let (path, detail, category) = columns(&capture, create);
    assert_eq!(path, golden_cell(&dir, name, create, "Path"));
    assert_eq!(detail, golden_cell(&dir, name, create, "Detail"));
    assert_eq!(category, "");
}

#[test]
fn rename_key_shows_the_new_name_and_writes() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let name = "registry-64bit";
    let mut data = common::sample_bytes(&dir, name);
    let capture = Capture::from_bytes(data.clone()).unwrap();
    let load = first(&capture, EventClass::Registry, "RegLoadKey");
    drop(capture);
    // RegRenameKey has RegLoadKey's layout: the new name takes the hive file's place.
    let p = place(&data, load);
    data[p.offset + 0xC..p.offset + 0xE].copy_from_slice(&14u16.to_le_bytes());
    let capture = Capture::from_bytes(data).unwrap();
    let (path, detail, category) = columns(&capture, load);
    let hive = golden_cell(&dir, name, load, "Detail");
    let hive = hive.strip_prefix("Hive Path: ").unwrap();
    assert_eq!(path, golden_cell(&dir, name, load, "Path"));
    assert_eq!(detail, format!("New Name: {hive}"));
    assert_eq!(category, "Write");
}

#[test]
fn profiling_events_render_their_counters() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let mut data = common::sample_bytes(&dir, "process-64bit");
    let capture = Capture::from_bytes(data.clone()).unwrap();
    let exit = first(&capture, EventClass::Process, "Process Exit");
    let thread_exit = first(&capture, EventClass::Process, "Thread Exit");
    drop(capture);

    // Process Profiling: u64 user, kernel, working set, private bytes.
    let mut blob = Vec::new();
    for v in [156_250u64, 3_281_250, 12_906_496, 2_605_056] {
        blob.extend(v.to_le_bytes());
    }
    retype(&mut data, exit, 4, 1, &blob);
    // Thread Profiling: u32 user, kernel, context switches.
    let mut blob = Vec::new();
    for v in [3_407_923u32, 6_619_234, 1_234] {
        blob.extend(v.to_le_bytes());
    }
    retype(&mut data, thread_exit, 4, 0, &blob);

    let capture = Capture::from_bytes(data).unwrap();
    assert_eq!(
        capture.event(exit).unwrap().operation_name(),
        "Process Profiling"
    );
    assert_eq!(
        columns(&capture, exit),
        (
            String::new(),
            "User Time: 0.0156250 seconds, Kernel Time: 0.3281250 seconds, \
             Private Bytes: 2,605,056, Working Set: 12,906,496"
                .to_string(),
            ""
        )
    );
    assert_eq!(
        columns(&capture, thread_exit).1,
        "User Time: 0.3407923, Kernel Time: 0.6619234, Context Switches: 1,234"
    );
}

#[test]
fn system_statistics_reads_the_counters_viewer9_documents() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let mut data = common::sample_bytes(&dir, "process-64bit");
    let capture = Capture::from_bytes(data.clone()).unwrap();
    let start = first(&capture, EventClass::Process, "Process Start");
    drop(capture);
    // viewer9's example: 4,096-byte pages, peak commitment 1,147,273 pages at 60, system calls
    // 10,998,901 and context switches 2,451,607.
    let mut blob = vec![0u8; 316];
    blob[..4].copy_from_slice(&4096u32.to_le_bytes());
    blob[60..64].copy_from_slice(&1_147_273u32.to_le_bytes());
    blob[300..304].copy_from_slice(&2_451_607u32.to_le_bytes());
    blob[312..316].copy_from_slice(&10_998_901u32.to_le_bytes());
    retype(&mut data, start, 1, 9, &blob);
    let capture = Capture::from_bytes(data).unwrap();
    assert_eq!(
        capture.event(start).unwrap().operation_name(),
        "System Statistics"
    );
    assert_eq!(
        columns(&capture, start).1,
        "Commit Peak: 4,699,230,208, System Calls: 10,998,901, Context Switches: 2,451,607"
    );
}

/// A small deterministic generator for the damage test.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn damaged_detail_blobs_never_panic() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    for name in ["mixed-32bit", "mixed-64bit"] {
        let clean = common::sample_bytes(&dir, name);
        let capture = Capture::from_bytes(clean.clone()).unwrap();
        let places: Vec<(usize, usize)> = capture
            .events()
            .map(Result::unwrap)
            .filter(|e| !matches!(e.class(), EventClass::FileSystem))
            .map(|e| {
                let at = e.offset() as usize + 0x34 + e.stack_bytes().len();
                (at, e.detail_bytes().len())
            })
            .collect();
        drop(capture);
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for round in 0..4 {
            let mut data = clean.clone();
            for &(at, len) in &places {
                for _ in 0..=round {
                    if len > 0 {
                        let r = xorshift(&mut state);
                        let byte = [0x00, 0xFF, 0x7F, 0x80, r as u8][(r >> 8) as usize % 5];
                        data[at + (r >> 16) as usize % len] = byte;
                    }
                }
            }
            let capture = Capture::from_bytes(data).unwrap();
            let mut out = String::new();
            let events = capture.events().flatten();
            for event in events.filter(|e| e.class() != EventClass::FileSystem) {
                out.clear();
                render::write_path(&event, &mut out);
                render::write_detail(&event, &mut out);
                let _ = render::category(&event);
                let _ = event.details();
            }
        }
    }
}
