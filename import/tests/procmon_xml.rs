//! An XML export in ProcMon's own layout, as the public readers of ProcMon's XML document it
//! (docs/import.md, "XML element names"): a `<processlist>` of `<process>` elements without a
//! session, each with a `<modulelist>`, and an `<eventlist>` of `<event>` elements holding the
//! process index, the default columns and a `<stack>` of `<frame>`s.

use std::io::Write;

use pml_import::{open, InputKind, Options};
use pml_parser::{Column, ColumnRenderer};
use pml_testkit::TempDir;

/// Two processes (one 32-bit, one whose name ProcMon encoded twice) and five events: the
/// default seven columns, one event saved with its stack and the Session column (the list
/// does not give the session).
const PROCMON_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<procmon>
<processlist>
<process>
<ProcessIndex>1</ProcessIndex>
<ProcessId>4242</ProcessId>
<ParentProcessId>1000</ParentProcessId>
<ParentProcessIndex>0</ParentProcessIndex>
<AuthenticationId>00000000:0001a2b3</AuthenticationId>
<CreateTime>132405246382093997</CreateTime>
<FinishTime>132405246392093997</FinishTime>
<IsVirtualized>0</IsVirtualized>
<Is64bit>1</Is64bit>
<Integrity>Medium</Integrity>
<Owner>BUILD01\dev</Owner>
<ProcessName>cl.exe</ProcessName>
<ImagePath>C:\VS\bin\cl.exe</ImagePath>
<CommandLine>cl.exe /c a.cpp</CommandLine>
<CompanyName>Microsoft Corporation</CompanyName>
<Version>19.29.30133.0</Version>
<Description>Microsoft C/C++ Compiler Driver</Description>
<modulelist>
<module>
<Timestamp>1625000000</Timestamp>
<BaseAddress>0x7ff6a0000000</BaseAddress>
<Size>1048576</Size>
<Path>C:\VS\bin\cl.exe</Path>
<Version>19.29.30133.0</Version>
<Company>Microsoft Corporation</Company>
<Description>Microsoft C/C++ Compiler Driver</Description>
</module>
</modulelist>
</process>
<process>
<ProcessIndex>2</ProcessIndex>
<ProcessId>5151</ProcessId>
<ParentProcessId>4242</ParentProcessId>
<ParentProcessIndex>1</ParentProcessIndex>
<AuthenticationId>00000000:0001a2b3</AuthenticationId>
<CreateTime>132405246384000000</CreateTime>
<FinishTime>0</FinishTime>
<IsVirtualized>0</IsVirtualized>
<Is64bit>0</Is64bit>
<Integrity>Medium</Integrity>
<Owner>BUILD01\dev</Owner>
<ProcessName>æ¸©åº¦.exe</ProcessName>
<ImagePath>C:\tools\æ¸©åº¦.exe</ImagePath>
<CommandLine>æ¸©åº¦.exe</CommandLine>
<CompanyName></CompanyName>
<Version></Version>
<Description></Description>
<modulelist>
</modulelist>
</process>
</processlist>
<eventlist>
<event>
<ProcessIndex>1</ProcessIndex>
<Time_of_Day>7:37:18.2093997 AM</Time_of_Day>
<Process_Name>cl.exe</Process_Name>
<PID>4242</PID>
<Operation>CreateFile</Operation>
<Path>C:\src\a.cpp</Path>
<Result>SUCCESS</Result>
<Detail>Desired Access: Generic Read, Disposition: Open, Options: Synchronous IO Non-Alert, Non-Directory File, Attributes: n/a, ShareMode: Read, Delete, AllocationSize: n/a, OpenResult: Opened</Detail>
<Session>1</Session>
<stack>
<frame>
<depth>0</depth>
<address>0x7ff6a0001234</address>
<path>C:\VS\bin\cl.exe</path>
<location>cl.exe + 0x1234</location>
</frame>
<frame>
<depth>1</depth>
<address>0x7ff6a0005678</address>
<path>C:\VS\bin\cl.exe</path>
<location>cl.exe + 0x5678</location>
</frame>
</stack>
</event>
<event>
<ProcessIndex>1</ProcessIndex>
<Time_of_Day>7:37:18.2094100 AM</Time_of_Day>
<Process_Name>cl.exe</Process_Name>
<PID>4242</PID>
<Operation>QueryStandardInformationFile</Operation>
<Path>C:\src\a.cpp</Path>
<Result>SUCCESS</Result>
<Detail>AllocationSize: 4,096, EndOfFile: 1,417, NumberOfLinks: 1, DeletePending: False, Directory: False</Detail>
</event>
<event>
<ProcessIndex>1</ProcessIndex>
<Time_of_Day>7:37:18.2095000 AM</Time_of_Day>
<Process_Name>cl.exe</Process_Name>
<PID>4242</PID>
<Operation>RegQueryValue</Operation>
<Path>HKLM\SOFTWARE\Microsoft\VisualStudio\Setup\SharedInstallationPath</Path>
<Result>SUCCESS</Result>
<Detail>Type: REG_SZ, Length: 40, Data: C:\Program Files</Detail>
</event>
<event>
<ProcessIndex>2</ProcessIndex>
<Time_of_Day>7:37:18.3000000 AM</Time_of_Day>
<Process_Name>æ¸©åº¦.exe</Process_Name>
<PID>5151</PID>
<Operation>Process Start</Operation>
<Path></Path>
<Result>SUCCESS</Result>
<Detail>Parent PID: 4242, Command line: æ¸©åº¦.exe, Current directory: C:\src\, Environment: &#13;;	PATH=C:\Windows</Detail>
</event>
<event>
<ProcessIndex>1</ProcessIndex>
<Time_of_Day>7:37:19.2093997 AM</Time_of_Day>
<Process_Name>cl.exe</Process_Name>
<PID>4242</PID>
<Operation>Process Exit</Operation>
<Path></Path>
<Result>SUCCESS</Result>
<Detail>Exit Status: 2, User Time: 0.0156250 seconds, Kernel Time: 0.0312500 seconds, Private Bytes: 1,904,640, Peak Private Bytes: 2,002,944, Working Set: 6,356,992, Peak Working Set: 6,356,992</Detail>
</event>
</eventlist>
</procmon>
"#;

#[test]
fn procmon_s_own_xml_layout_reads() {
    let tmp = TempDir::new("import-procmon-xml");
    let path = tmp.join("Logfile.XML");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(PROCMON_XML.as_bytes())
        .unwrap();
    let imported = open(&path, &Options::default()).unwrap();
    assert_eq!(imported.kind, InputKind::Xml);
    let report = &imported.report;
    assert_eq!((report.rows, report.events, report.skipped), (5, 5, 0));
    assert!(
        !report
            .warnings
            .iter()
            .any(|w| w.code == "detail-partly-kept"),
        "{:?}",
        report.warnings
    );
    let capture = &imported.capture;

    // The process list, as listed (a 64-bit process makes a 64-bit capture).
    assert!(capture.header().is_64bit);
    let processes: Vec<_> = capture.processes().iter().collect();
    assert_eq!(processes.len(), 2);
    let cl = processes.iter().find(|p| p.index == 1).unwrap();
    assert_eq!((cl.pid, cl.parent_pid), (4242, 1000));
    assert_eq!(&*cl.name, "cl.exe");
    assert_eq!(&*cl.user, "BUILD01\\dev");
    assert_eq!(&*cl.integrity, "Medium");
    assert_eq!(cl.authentication_id, 0x1a2b3);
    assert_eq!(cl.start_time.0, 132_405_246_382_093_997);
    assert_eq!(cl.end_time.0, 132_405_246_392_093_997);
    assert!(cl.is_64bit);
    assert_eq!(cl.virtualized, 0);
    assert_eq!(&*cl.description, "Microsoft C/C++ Compiler Driver");
    assert_eq!(cl.session, 1, "from the Session column of its events");
    assert_eq!(cl.modules.len(), 1);
    let module = &cl.modules[0];
    assert_eq!((module.base, module.size), (0x7ff6_a000_0000, 1_048_576));
    assert_eq!(&*module.path, "C:\\VS\\bin\\cl.exe");
    assert_eq!(module.timestamp, 1_625_000_000);
    // The name ProcMon encoded twice reads as it was.
    let child = processes.iter().find(|p| p.index == 2).unwrap();
    assert_eq!((&*child.name, child.parent_index), ("温度.exe", 1));
    assert_eq!(&*child.image_path, "C:\\tools\\温度.exe");
    assert!(!child.is_64bit);

    // The events, their columns printed back as exported, the stack resolved in the module.
    let renderer = ColumnRenderer::new(capture);
    let exported: Vec<[&str; 6]> = PROCMON_XML
        .split("<event>")
        .skip(1)
        .map(|e| {
            let cell = |tag: &str| {
                let open = format!("<{tag}>");
                let start = e.find(&open).unwrap() + open.len();
                let end = e[start..].find(&format!("</{tag}>")).unwrap() + start;
                &e[start..end]
            };
            [
                cell("Time_of_Day"),
                cell("PID"),
                cell("Operation"),
                cell("Path"),
                cell("Result"),
                cell("Detail"),
            ]
        })
        .collect();
    let columns = [
        Column::TimeOfDay,
        Column::Pid,
        Column::Operation,
        Column::Path,
        Column::Result,
        Column::Detail,
    ];
    let mut cell = String::new();
    for (event, want) in capture.events().zip(&exported) {
        let event = event.unwrap();
        for (column, want) in columns.iter().zip(want) {
            cell.clear();
            renderer.write(&event, *column, &mut cell);
            let want = want.replace("&#13;", "\r").replace("æ¸©åº¦", "温度");
            assert_eq!(cell, want, "event {} {column:?}", event.index());
        }
    }
    let first = capture.event(0).unwrap();
    let frames: Vec<_> = first.resolved_stack().collect();
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].address, 0x7ff6_a000_1234);
    assert_eq!(frames[1].module_offset(), Some(0x5678));
    assert_eq!(&*frames[1].module.unwrap().path, "C:\\VS\\bin\\cl.exe");
}
