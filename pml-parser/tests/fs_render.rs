//! The typed file-system details read from real captures, checked against the values
//! ProcMon printed for the same events (golden CSV), and ProcMon's display quirks.

use pml_testkit as common;
use pml_testkit::golden;

use pml_parser::details::fs::{FileInformation, FsDetails, SetInformation, VolumeInformation};
use pml_parser::{render, utf16_to_string, Capture, EventClass};

/// The golden Detail of event `index`.
fn golden_detail(header: &[String], rows: &[Vec<String>], index: u64) -> String {
    let col = header.iter().position(|h| h == "Detail").unwrap();
    rows[index as usize][col].clone()
}

fn details(capture: &Capture, index: u64) -> FsDetails<'_> {
    let event = capture.event(index).unwrap();
    assert_eq!(event.class(), EventClass::FileSystem, "event {index}");
    FsDetails::decode(&event).unwrap()
}

#[test]
fn parameter_block_fields_are_the_values_procmon_printed() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let capture = common::open_sample(&dir, "filesystem-64bit");
    // "Exclusive: True, Offset: 2,147,483,538, Length: 1, Fail Immediately: True"
    let lock = details(&capture, 49).lock().unwrap();
    assert_eq!((lock.offset, lock.length), (2_147_483_538, 1));
    assert!(lock.exclusive && lock.fail_immediately);
    // "Control: FSCTL_REQUEST_OPLOCK"
    let control = details(&capture, 21).control().unwrap();
    assert_eq!(control.name(), Some("FSCTL_REQUEST_OPLOCK"));
    // "Control: FSCTL_OFFLOAD_READ, Offset: 0, Length: 2,097,152"
    let control = details(&capture, 9410).control().unwrap();
    assert_eq!(control.offload_range(), Some((0, 2_097_152)));
    // "MDL: 0xffffa90f24a614f0"
    assert_eq!(details(&capture, 14881).mdl(), Some(0xffff_a90f_24a6_14f0));
    // "EndingOffset: 32,768"
    assert_eq!(
        details(&capture, 9333).mod_write_ending_offset(),
        Some(32_768)
    );

    let capture = common::open_sample(&dir, "filesystem-32bit");
    // "Exclusive: True, Offset: 2,147,483,538, Length: 1, Fail Immediately: True" (32-bit)
    let lock = details(&capture, 615).lock().unwrap();
    assert_eq!((lock.offset, lock.length), (2_147_483_538, 1));
    // "Filter: FILE_NOTIFY_CHANGE_FILE_NAME, FILE_NOTIFY_CHANGE_ATTRIBUTES, FILE_NOTIFY_CHANGE_LAST_WRITE"
    assert_eq!(details(&capture, 0).notify_filter(), Some(0x1 | 0x4 | 0x10));
}

#[test]
fn completion_blobs_decode_to_the_values_procmon_printed() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let capture = common::open_sample(&dir, "mixed-64bit");
    // "AllocationSize: 249,856, EndOfFile: 246,784, NumberOfLinks: 2, DeletePending: False, Directory: False"
    let Some(FileInformation::Standard(s)) = details(&capture, 6371).query_information() else {
        panic!("no standard information");
    };
    assert_eq!(
        (s.allocation_size, s.end_of_file, s.number_of_links),
        (249_856, 246_784, 2)
    );
    assert!(!s.delete_pending && !s.directory);
    // "... IndexNumber: 0x10000000058ab, EaSize: 116, ... AlignmentRequirement: Long"
    let Some(FileInformation::All(all)) = details(&capture, 6498).query_information() else {
        panic!("no all information");
    };
    assert_eq!(
        (all.index_number, all.ea_size, all.alignment),
        (0x1_0000_0000_58ab, 116, 3)
    );
    // "IndexNumber: 0x6000000016671"
    assert_eq!(
        details(&capture, 18748).query_information(),
        Some(FileInformation::Internal {
            index_number: 0x6_0000_0001_6671
        })
    );
    // "VolumeSerialNumber: A85A-5794, SupportsObjects: True, VolumeLabel: "
    let Some(VolumeInformation::Volume {
        serial_number,
        supports_objects,
        label,
        ..
    }) = details(&capture, 6497).volume_information()
    else {
        panic!("no volume information");
    };
    assert_eq!(serial_number, 0xA85A_5794);
    assert!(supports_objects && label.is_empty());
    // "..., 0x3c00600, MaximumComponentNameLength: 255, FileSystemName: NTFS"
    let Some(VolumeInformation::Attribute {
        max_component_length,
        name,
        ..
    }) = details(&capture, 375).volume_information()
    else {
        panic!("no attribute information");
    };
    assert_eq!(
        (max_component_length, utf16_to_string(name).as_str()),
        (255, "NTFS")
    );
    // QueryIdInformation: ProcMon prints nothing, but the volume serial number is the one
    // QueryInformationVolume printed for the same volume.
    let Some(FileInformation::Id {
        volume_serial_number,
        ..
    }) = details(&capture, 6502).query_information()
    else {
        panic!("no id information");
    };
    assert_eq!(volume_serial_number as u32, 0xA85A_5794);
    // QueryStreamInformationFile (ProcMon prints nothing): a file's unnamed data stream.
    let Some(FileInformation::Stream(mut streams)) = details(&capture, 48382).query_information()
    else {
        panic!("no stream information");
    };
    assert_eq!(utf16_to_string(streams.next().unwrap().name), "::$DATA");
    // "Delete: True", "EndOfFile: 4,096", "AllocationSize: 70"
    assert!(matches!(
        details(&capture, 9446).set_information(),
        Some(SetInformation::Disposition { delete: true, .. })
    ));
    assert_eq!(
        details(&capture, 7330).set_information(),
        Some(SetInformation::EndOfFile { end_of_file: 4096 })
    );
    assert_eq!(
        details(&capture, 18707).set_information(),
        Some(SetInformation::Allocation { size: 70 })
    );
}

#[test]
fn page_protection_is_read_where_procmon_reads_it() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    for (name, wide) in [("filesystem-64bit", true), ("filesystem-32bit", false)] {
        let capture = common::open_sample(&dir, name);
        let (header, rows) = golden::golden_rows(&dir, name);
        let (mut mappings, mut misread) = (0, 0);
        let mut got = String::new();
        for event in capture.events() {
            let event = event.unwrap();
            let Some(m) = FsDetails::decode(&event).unwrap().create_file_mapping() else {
                continue;
            };
            mappings += 1;
            if m.displayed_protection != m.page_protection {
                misread += 1;
                got.clear();
                render::write_detail(&event, &mut got);
                assert_eq!(got, golden_detail(&header, &rows, event.index()));
            }
        }
        assert!(mappings > 2000, "{name}: {mappings} mappings");
        if wide {
            // The quirk shows on a good share of 64-bit section creations.
            assert!(misread > 500, "{name}: {misread} of {mappings}");
        } else {
            assert_eq!(misread, 0, "{name}: 32-bit captures read the right field");
        }
    }
}

#[test]
fn directory_listings_name_the_entries_procmon_numbered() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let capture = common::open_sample(&dir, "filesystem-64bit");
    let (header, rows) = golden::golden_rows(&dir, "filesystem-64bit");
    let (mut listings, mut hidden) = (0, 0);
    for event in capture.events() {
        let event = event.unwrap();
        let Some(q) = FsDetails::decode(&event).unwrap().query_directory() else {
            continue;
        };
        let want = golden_detail(&header, &rows, event.index());
        let first = usize::from(!q.filter.is_empty());
        for (i, entry) in q.entries().enumerate() {
            let slot = first + i;
            let field = format!("{slot}: {}", utf16_to_string(entry.name));
            if slot == 2 {
                // ProcMon writes FileInformationClass over the third field.
                assert!(!want.contains(&field), "event {}: {want}", event.index());
                hidden += 1;
            } else if want.len() < 4000 {
                assert!(
                    want.contains(&field),
                    "event {}: {field} in {want}",
                    event.index()
                );
            }
        }
        listings += usize::from(q.entries().next().is_some());
    }
    assert!(
        listings > 900 && hidden > 100,
        "{listings} listings, {hidden} hidden"
    );
}

#[test]
fn corrupted_details_render_without_panicking() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    for name in ["filesystem-32bit", "mixed-64bit"] {
        let clean = common::sample_bytes(&dir, name);
        let capture = Capture::from_bytes(clean.clone()).unwrap();
        // Offsets of the detail and extra blobs of every File System event.
        let ptr = if capture.header().is_64bit { 8 } else { 4 };
        let mut spots = Vec::new();
        for event in capture.events() {
            let event = event.unwrap();
            if event.class() == EventClass::FileSystem {
                let at = event.offset() as usize + 0x34 + event.stack_depth() * ptr;
                spots.push(at..at + event.detail_bytes().len());
            }
        }
        drop(capture);
        // Overwrite one byte in eight of every blob with pseudo-random values (fixed seed).
        let mut data = clean;
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for spot in spots {
            for at in spot.step_by(8) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                if let Some(b) = data.get_mut(at) {
                    *b = state as u8;
                }
            }
        }
        let capture = Capture::from_bytes(data).unwrap();
        let mut out = String::new();
        let mut rendered = 0;
        for event in capture.events().flatten() {
            if event.class() != EventClass::FileSystem {
                continue;
            }
            out.clear();
            render::write_path(&event, &mut out);
            render::write_detail(&event, &mut out);
            out.push_str(render::category(&event));
            if let Ok(d) = FsDetails::decode(&event) {
                let _ = (
                    d.query_information(),
                    d.set_information(),
                    d.volume_information(),
                );
                if let Some(q) = d.query_directory() {
                    rendered += q.entries().count();
                }
            }
            rendered += 1;
        }
        assert!(rendered > 1000, "{name}: {rendered}");
    }
}
