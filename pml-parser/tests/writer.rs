//! Captures written by the writer read back with the reader: header, processes, modules,
//! stacks, and the typed fields the detail decoders return.

use std::io::Cursor;

use pml_parser::details::fs::FsDetails;
use pml_parser::details::process::ProcessDetails;
use pml_parser::writer::blobs::{self, CreateFileParams, FsBlob};
use pml_parser::writer::{EventRecord, PmlWriter, SystemInfo};
use pml_parser::{Capture, Details, EventClass, FileTime, Module, Process};

const T0: u64 = 133_500_000_000_000_000;

fn python(wide: bool) -> Process {
    let base = if wide { 0x7ff6_1000_0000 } else { 0x0040_0000 };
    Process {
        index: 17,
        pid: 4242,
        parent_pid: 900,
        parent_index: 3,
        authentication_id: 0x3e7,
        session: 1,
        start_time: FileTime(T0 - 5),
        end_time: FileTime(T0 + 1000),
        is_64bit: wide,
        integrity: "Medium".into(),
        user: "BUILD01\\builder".into(),
        name: "python.exe".into(),
        image_path: "C:\\Python312\\python.exe".into(),
        command_line: "python.exe gen.py".into(),
        company: "Python Software Foundation".into(),
        version: "3.12.1".into(),
        description: "Python".into(),
        modules: vec![Module {
            base,
            size: 0x1_8000,
            path: "C:\\Python312\\python.exe".into(),
            version: "3.12.1".into(),
            company: "Python Software Foundation".into(),
            description: "Python".into(),
            timestamp: 0x6571_2233,
        }],
        ..Process::default()
    }
}

fn create_params(path: &str) -> CreateFileParams<'_> {
    CreateFileParams {
        path,
        desired_access: 0x4000_0000,
        disposition: 5,
        options: 0x60,
        attributes: 0x80,
        share_mode: 1,
        allocation_size: 4096,
        impersonation_sid: None,
        open_result: Some(2),
    }
}

/// A SetInformationFile event of python.exe (`python(..)`), `n` ticks after T0.
fn set_information(n: u64, result: u32, detail: &[u8]) -> EventRecord<'_> {
    EventRecord {
        process_index: 17,
        tid: 1,
        class: EventClass::FileSystem,
        operation: 26,
        duration: 0,
        time: FileTime(T0 + n),
        result,
        stack: &[],
        detail,
        extra: None,
    }
}

fn write(wide: bool) -> Capture {
    let info = SystemInfo {
        is_64bit: wide,
        max_user_address: if wide { 0x7fff_fffe_ffff } else { 0x7ffe_ffff },
        ..SystemInfo::default()
    };
    let mut w = PmlWriter::new(Cursor::new(Vec::new()), info).unwrap();
    w.add_process(python(wide));
    w.add_process(Process {
        index: 3,
        pid: 900,
        name: "cmd.exe".into(),
        ..Process::default()
    });
    w.add_host(
        [10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        "fileserver",
    );
    w.add_port(445, true, "microsoft-ds");
    let fs = FsBlob::new(wide);
    let open = fs.create_file(&create_params("C:\\build\\gen\\parser.cpp"));
    let rw = fs.read_write("C:\\build\\gen\\parser.cpp", 8192, 4096, 0, Some(4000));
    let unicode = fs.close_file("C:\\build\\gen\\ünï€ode.cpp");
    let sid = blobs::sid(5, &[21, 1, 2, 3, 1001]);
    let il = blobs::integrity_sid(0x2000);
    let create = blobs::process::create(&blobs::process::CreateParams {
        child_index: 18,
        child_pid: 5000,
        parent_index: 17,
        parent_pid: 4242,
        session: 1,
        flag: 1,
        create_time: FileTime(T0 + 30),
        authentication_id: 0x1234,
        virtualized: 0,
        user_sid: &sid,
        integrity_sid: &il,
        image_path: "C:\\Windows\\System32\\cmd.exe",
        command_line: "cmd.exe /c build.bat",
    });
    let stack = if wide {
        [0x7ff6_1000_1234, 0xffff_f801_2345_6789]
    } else {
        [0x0040_1234, 0x8123_4567]
    };
    let events: [(u16, EventClass, &blobs::Blob, u32); 4] = [
        (20, EventClass::FileSystem, &open, 0),
        (24, EventClass::FileSystem, &rw, 0),
        (38, EventClass::FileSystem, &unicode, 0xC000_0043),
        (1, EventClass::Process, &create, 0),
    ];
    for (i, (op, class, blob, result)) in events.into_iter().enumerate() {
        w.write_event(&EventRecord {
            process_index: 17,
            tid: 77,
            class,
            operation: op,
            duration: 15,
            time: FileTime(T0 + i as u64 * 10),
            result,
            stack: &stack,
            detail: &blob.detail,
            extra: blob.extra.as_deref(),
        })
        .unwrap();
    }
    Capture::from_bytes(w.finish().unwrap().into_inner()).unwrap()
}

fn check(wide: bool) {
    let c = write(wide);
    let h = c.header();
    assert!(c.warnings().is_empty(), "{:?}", c.warnings());
    assert_eq!(h.is_64bit, wide);
    assert_eq!(h.computer_name, "BUILD01");
    assert_eq!(h.system_root, "C:\\Windows");
    assert_eq!(h.os.build, 19045);
    assert_eq!(c.event_count(), 4);
    assert_eq!(c.processes().len(), 2);
    assert_eq!(c.processes().get(17), Some(&python(wide)));
    assert_eq!(c.names().hosts.len(), 1);
    assert_eq!(c.names().ports[&(445, true)], "microsoft-ds");

    let events: Vec<_> = c.events().map(|e| e.unwrap()).collect();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.process().map(|p| &*p.name), Some("python.exe"));
        assert_eq!(e.tid(), 77);
        assert_eq!(e.time(), FileTime(T0 + i as u64 * 10));
        assert_eq!(e.duration(), Some(15));
        let frames: Vec<_> = e.resolved_stack().collect();
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].module.map(|m| m.name()), Some("python.exe"));
        assert!(frames[1].kernel);
    }
    let Ok(Details::FileSystem(open)) = events[0].details() else {
        panic!("CreateFile is a file-system event")
    };
    assert_eq!(events[0].operation_name(), "CreateFile");
    assert_eq!(open.path.to_string_lossy(), "C:\\build\\gen\\parser.cpp");
    let cf = open.create_file().unwrap();
    assert_eq!(cf.desired_access, 0x4000_0000);
    assert_eq!(cf.disposition, 5);
    assert_eq!(cf.options, 0x60);
    assert_eq!(cf.attributes, 0x80);
    assert_eq!(cf.share_mode, 1);
    assert_eq!(cf.allocation_size, 4096);
    assert_eq!(cf.impersonation_sid, None);
    assert_eq!(cf.open_result, Some(2));

    let rw = FsDetails::decode(&events[1]).unwrap().read_write().unwrap();
    assert_eq!(
        (rw.offset, rw.length, rw.transferred),
        (8192, 4096, Some(4000))
    );

    let close = FsDetails::decode(&events[2]).unwrap();
    assert_eq!(close.path.to_string_lossy(), "C:\\build\\gen\\ünï€ode.cpp");
    assert_eq!(events[2].result(), 0xC000_0043);

    let Ok(Details::Process(ProcessDetails::Create(pc))) = events[3].details() else {
        panic!("Process Create decodes")
    };
    assert_eq!((pc.child_index, pc.child_pid), (18, 5000));
    assert_eq!((pc.parent_index, pc.parent_pid), (17, 4242));
    assert_eq!(pc.create_time, FileTime(T0 + 30));
    assert_eq!(
        pc.image_path.to_string_lossy(),
        "C:\\Windows\\System32\\cmd.exe"
    );
    assert_eq!(pc.command_line.to_string_lossy(), "cmd.exe /c build.bat");
}

#[test]
fn writes_64bit_captures() {
    check(true);
}

#[test]
fn writes_32bit_captures() {
    check(false);
}

#[test]
fn file_captures_appear_only_when_finished() {
    let dir = std::env::temp_dir().join(format!("pml-writer-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("out.pml");
    {
        let w = PmlWriter::create(&path, SystemInfo::default()).unwrap();
        // On Linux the capture and its spilled offsets are unnamed files (O_TMPFILE): nothing
        // is visible while writing, so nothing is left if the process is killed. Elsewhere,
        // the named temporaries of the capture and the offsets.
        let visible = if cfg!(target_os = "linux") { 0 } else { 2 };
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            visible,
            "nothing visible while writing (Linux), else partial + offsets"
        );
        drop(w);
    }
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "abandoned write leaves nothing"
    );
    let mut w = PmlWriter::create(&path, SystemInfo::default()).unwrap();
    w.add_process(python(true));
    let blob = FsBlob::new(true).close_file("C:\\a.txt");
    for i in 0..1000 {
        w.write_event(&EventRecord {
            process_index: 17,
            tid: 1,
            class: EventClass::FileSystem,
            operation: 38,
            duration: 1,
            time: FileTime(T0 + i),
            result: 0,
            stack: &[],
            detail: &blob.detail,
            extra: None,
        })
        .unwrap();
    }
    w.finish().unwrap();
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("out.pml")]);
    let c = Capture::open(&path).unwrap();
    assert_eq!(c.event_count(), 1000);
    assert_eq!(c.event(999).unwrap().time(), FileTime(T0 + 999));
    // Windows keeps a mapped file from being removed: unmap it first.
    drop(c);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rejects_oversized_parts() {
    let mut w = PmlWriter::new(Cursor::new(Vec::new()), SystemInfo::default()).unwrap();
    let big = vec![0u8; 70_000];
    let e = EventRecord {
        process_index: 1,
        tid: 1,
        class: EventClass::FileSystem,
        operation: 38,
        duration: 0,
        time: FileTime(T0),
        result: 0,
        stack: &[],
        detail: &[],
        extra: Some(&big),
    };
    assert!(w.write_event(&e).is_err());
    assert!(w.write_raw_event(&[0; 52], &[0; 5], &[], None).is_err());
    assert_eq!(w.event_count(), 0);
}

#[test]
fn overlong_paths_are_cut_to_what_the_info_word_can_announce() {
    let long = "C:\\".to_string() + &"a".repeat(40_000);
    let blob = FsBlob::new(true).close_file(&long);
    let mut w = PmlWriter::new(Cursor::new(Vec::new()), SystemInfo::default()).unwrap();
    w.add_process(python(true));
    w.write_event(&EventRecord {
        process_index: 17,
        tid: 1,
        class: EventClass::FileSystem,
        operation: 38,
        duration: 0,
        time: FileTime(T0),
        result: 0,
        stack: &[],
        detail: &blob.detail,
        extra: None,
    })
    .unwrap();
    let c = Capture::from_bytes(w.finish().unwrap().into_inner()).unwrap();
    let e = c.event(0).unwrap();
    let d = FsDetails::decode(&e).unwrap();
    assert_eq!(d.path.to_string_lossy(), long[..0x7fff]);
    assert!(
        d.trailer.is_empty(),
        "the blob holds exactly the announced characters"
    );
}

#[test]
fn renames_and_deletes_read_back() {
    use pml_parser::details::fs::SetInformation;
    for wide in [true, false] {
        let fs = FsBlob::new(wide);
        let blobs = [
            fs.set_rename_information("C:\\out\\app.exe.tmp", "\\??\\C:\\out\\app.exe", true),
            fs.set_disposition_information("C:\\out\\old.obj", true),
        ];
        let info = SystemInfo {
            is_64bit: wide,
            ..SystemInfo::default()
        };
        let mut w = PmlWriter::new(Cursor::new(Vec::new()), info).unwrap();
        w.add_process(python(wide));
        for (n, blob) in blobs.iter().enumerate() {
            w.write_event(&set_information(n as u64, 0xC000_0022, &blob.detail))
                .unwrap();
        }
        let c = Capture::from_bytes(w.finish().unwrap().into_inner()).unwrap();
        let rename = FsDetails::decode(&c.event(0).unwrap()).unwrap();
        assert_eq!(rename.path.to_string_lossy(), "C:\\out\\app.exe.tmp");
        let Some(SetInformation::Rename {
            replace_if_exists,
            name,
        }) = rename.set_information()
        else {
            panic!("not a rename");
        };
        assert!(replace_if_exists);
        assert_eq!(pml_parser::utf16_to_string(name), "\\??\\C:\\out\\app.exe");
        let mut text = String::new();
        pml_parser::render::write_detail(&c.event(0).unwrap(), &mut text);
        // As ProcMon shows it: without the \??\ prefix.
        assert_eq!(text, "ReplaceIfExists: True, FileName: C:\\out\\app.exe");
        let delete = FsDetails::decode(&c.event(1).unwrap()).unwrap();
        assert_eq!(
            delete.set_information(),
            Some(SetInformation::Disposition {
                delete: true,
                flags: None
            })
        );
        text.clear();
        pml_parser::render::write_detail(&c.event(1).unwrap(), &mut text);
        assert_eq!(text, "Delete: True");
    }
}

#[test]
fn cut_off_captures_have_events_but_no_tables() {
    let mut w = PmlWriter::new(Cursor::new(Vec::new()), SystemInfo::default()).unwrap();
    w.add_process(python(true));
    let blob = FsBlob::new(true).close_file("C:\\a.txt");
    let mut sizes = Vec::new();
    for i in 0..10 {
        let before = w.position();
        w.write_event(&EventRecord {
            process_index: 17,
            tid: 1,
            class: EventClass::FileSystem,
            operation: 38,
            duration: 1,
            time: FileTime(T0 + i),
            result: 0,
            stack: &[1, 2, 3][..(i % 4) as usize],
            detail: &blob.detail,
            extra: None,
        })
        .unwrap();
        sizes.push(w.position() - before);
    }
    let data = w.finish_cut_off().unwrap().into_inner();
    let err = Capture::from_bytes(data.clone()).unwrap_err();
    assert!(
        matches!(err.kind(), pml_parser::ErrorKind::NotClosedCleanly { .. }),
        "{err}"
    );
    let h = pml_parser::Header::parse_unchecked(&data).unwrap();
    assert_eq!(
        (
            h.event_count,
            h.event_offsets_offset,
            h.process_table_offset
        ),
        (0, 0, 0)
    );
    assert_eq!(h.computer_name, "BUILD01");
    // The events are all there, back to back from 0x3A8, and nothing follows them.
    let mut at = 0x3A8usize;
    for (i, size) in sizes.iter().enumerate() {
        let time = u64::from_le_bytes(data[at + 0x1C..at + 0x24].try_into().unwrap());
        assert_eq!(time, T0 + i as u64);
        at += *size as usize;
    }
    assert_eq!(at, data.len());
}

/// A copy of a version-7 capture (ProcMon 2.x) is written as version 7, so that its events are
/// still named as 2.x names them; a version the reader does not read is refused.
#[test]
fn copies_keep_the_format_version_and_its_operation_names() {
    use pml_parser::writer::{copy_capture, system_info, WriteError};
    use pml_parser::{Column, ColumnRenderer};
    let fs = FsBlob::new(true);
    let mut blob = fs.set_disposition_information("C:\\out\\big.bin", false);
    blob.detail[0] = 0x13; // FileAllocationInformation
    let write = |version: u32| {
        let info = SystemInfo {
            version,
            ..SystemInfo::default()
        };
        let mut w = PmlWriter::new(Cursor::new(Vec::new()), info)?;
        w.add_process(python(true));
        w.write_event(&set_information(0, 0, &blob.detail))?;
        Ok::<_, WriteError>(Capture::from_bytes(w.finish()?.into_inner()).unwrap())
    };
    let operation = |c: &Capture| {
        let mut text = String::new();
        ColumnRenderer::new(c).write(&c.event(0).unwrap(), Column::Operation, &mut text);
        text
    };
    let v7 = write(7).unwrap();
    assert_eq!(v7.header().version, 7);
    assert_eq!(operation(&v7), "SetAllInformationFile");
    assert_eq!(
        operation(&write(9).unwrap()),
        "SetAllocationInformationFile"
    );
    let mut w = PmlWriter::new(Cursor::new(Vec::new()), system_info(v7.header())).unwrap();
    copy_capture(&v7, &mut w).unwrap();
    let copy = Capture::from_bytes(w.finish().unwrap().into_inner()).unwrap();
    assert_eq!(copy.header().version, 7);
    assert_eq!(operation(&copy), "SetAllInformationFile");
    assert!(matches!(write(8), Err(WriteError::UnsupportedVersion(8))));
}
