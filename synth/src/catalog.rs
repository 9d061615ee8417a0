//! The programs that appear in synthesized captures: image paths, command lines, version
//! resources, users, integrity levels and the modules each one loads.

/// Who a process runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    /// `NT AUTHORITY\SYSTEM`, System integrity, session 0.
    System,
    /// `NT AUTHORITY\LOCAL SERVICE`, System integrity, session 0.
    LocalService,
    /// The interactive build user, Medium integrity, session 1.
    User,
}

impl Account {
    /// `DOMAIN\user`.
    pub fn user(self) -> &'static str {
        match self {
            Account::System => "NT AUTHORITY\\SYSTEM",
            Account::LocalService => "NT AUTHORITY\\LOCAL SERVICE",
            Account::User => "BUILD01\\builder",
        }
    }

    /// Integrity level name.
    pub fn integrity(self) -> &'static str {
        match self {
            Account::System | Account::LocalService => "System",
            Account::User => "Medium",
        }
    }

    /// Integrity level RID (for the mandatory-label SID).
    pub fn integrity_rid(self) -> u32 {
        match self {
            Account::System | Account::LocalService => 0x4000,
            Account::User => 0x2000,
        }
    }

    /// Logon session LUID.
    pub fn logon(self) -> u64 {
        match self {
            Account::System => 0x3e7,
            Account::LocalService => 0x3e5,
            Account::User => 0x0004_b2c1,
        }
    }

    /// Terminal services session.
    pub fn session(self) -> u32 {
        match self {
            Account::User => 1,
            _ => 0,
        }
    }

    /// The user's binary SID sub-authorities (`S-1-5-...`).
    pub fn sid(self) -> &'static [u32] {
        match self {
            Account::System => &[18],
            Account::LocalService => &[19],
            Account::User => &[21, 3_180_424_735, 1_844_673_021, 2_918_473_306, 1001],
        }
    }
}

/// A program: its image and version resource, account and modules.
#[derive(Debug, Clone, Copy)]
pub struct Program {
    /// Process name.
    pub name: &'static str,
    /// Image path.
    pub image: &'static str,
    /// Default command line.
    pub command_line: &'static str,
    /// Company.
    pub company: &'static str,
    /// File version.
    pub version: &'static str,
    /// File description.
    pub description: &'static str,
    /// Account it runs as.
    pub account: Account,
    /// DLLs it loads besides the system ones every process loads: (path, image size).
    pub dlls: &'static [(&'static str, u32)],
    /// Size of its image.
    pub image_size: u32,
}

impl Program {
    /// The same program started with another command line.
    pub const fn with_command_line(self, command_line: &'static str) -> Program {
        Program {
            command_line,
            ..self
        }
    }
}

const MS: &str = "Microsoft Corporation";
const WIN_VER: &str = "10.0.19041.3636 (WinBuild.160101.0800)";

/// DLLs every user-mode process loads, in load order.
pub const SYSTEM_DLLS: &[(&str, u32)] = &[
    ("C:\\Windows\\System32\\ntdll.dll", 0x1f8000),
    ("C:\\Windows\\System32\\kernel32.dll", 0xbf000),
    ("C:\\Windows\\System32\\KernelBase.dll", 0x2f6000),
];

/// Kernel drivers of the System process: (path, size, description).
pub const DRIVERS: &[(&str, u32, &str)] = &[
    (
        "C:\\Windows\\system32\\ntoskrnl.exe",
        0x1046000,
        "NT Kernel & System",
    ),
    (
        "C:\\Windows\\system32\\hal.dll",
        0x6000,
        "Hardware Abstraction Layer DLL",
    ),
    (
        "C:\\Windows\\System32\\drivers\\FLTMGR.SYS",
        0x6b000,
        "Microsoft Filesystem Filter Manager",
    ),
    (
        "C:\\Windows\\System32\\Drivers\\Ntfs.sys",
        0x2c4000,
        "NT File System Driver",
    ),
    (
        "C:\\Windows\\System32\\drivers\\tcpip.sys",
        0x2d8000,
        "TCP/IP Driver",
    ),
    (
        "C:\\Windows\\system32\\drivers\\wd\\WdFilter.sys",
        0x74000,
        "Microsoft antimalware file system filter driver",
    ),
    (
        "C:\\Windows\\system32\\drivers\\PROCMON24.SYS",
        0x13000,
        "Process Monitor Driver",
    ),
];

macro_rules! program {
    ($name:literal, $image:literal, $cmd:literal, $company:expr, $version:expr, $desc:literal,
     $account:ident, $size:literal, [$($dll:literal : $dsize:literal),*]) => {
        Program {
            name: $name,
            image: $image,
            command_line: $cmd,
            company: $company,
            version: $version,
            description: $desc,
            account: Account::$account,
            dlls: &[$(($dll, $dsize)),*],
            image_size: $size,
        }
    };
}

/// The System process.
pub const SYSTEM: Program = program!("System", "System", "", "", "", "", System, 0, []);
/// A service host.
pub const SVCHOST: Program = program!(
    "svchost.exe", "C:\\Windows\\System32\\svchost.exe",
    "C:\\Windows\\system32\\svchost.exe -k netsvcs -p", MS, WIN_VER, "Host Process for Windows Services",
    System, 0xd000, ["C:\\Windows\\System32\\sechost.dll": 0xa3000, "C:\\Windows\\System32\\rpcrt4.dll": 0x125000]);
/// A second service host, as LOCAL SERVICE.
pub const SVCHOST_LS: Program = Program {
    command_line: "C:\\Windows\\system32\\svchost.exe -k LocalServiceNetworkRestricted -p",
    account: Account::LocalService,
    dlls: &[("C:\\Windows\\System32\\sechost.dll", 0xa3000)],
    ..SVCHOST
};
/// Windows Explorer.
pub const EXPLORER: Program = program!(
    "Explorer.EXE", "C:\\Windows\\Explorer.EXE", "C:\\Windows\\Explorer.EXE", MS, WIN_VER,
    "Windows Explorer", User, 0x4c4000,
    ["C:\\Windows\\System32\\shell32.dll": 0x744000, "C:\\Windows\\System32\\windows.storage.dll": 0x7a3000]);
/// Microsoft Defender's engine.
pub const MSMPENG: Program = program!(
    "MsMpEng.exe", "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.23110.3-0\\MsMpEng.exe",
    "\"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.23110.3-0\\MsMpEng.exe\"", MS,
    "4.18.23110.3 (WinBuild.160101.0800)", "Antimalware Service Executable", System, 0x21000,
    ["C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.23110.3-0\\mpsvc.dll": 0x2a9000,
     "C:\\ProgramData\\Microsoft\\Windows Defender\\Definition Updates\\{2C1C8F8F-3A0B-4F36-9B2A-6F1E0B5C6D11}\\mpengine.dll": 0x12a0000]);
/// The interactive command prompt the build was started from.
pub const SHELL: Program = program!(
    "cmd.exe",
    "C:\\Windows\\System32\\cmd.exe",
    "\"C:\\Windows\\System32\\cmd.exe\" ",
    MS,
    WIN_VER,
    "Windows Command Processor",
    User,
    0x5f000,
    []
);
/// A child command processor.
pub const CMD: Program =
    SHELL.with_command_line("C:\\Windows\\system32\\cmd.exe /c gen_version.bat");
/// CPython.
pub const PYTHON: Program = program!(
    "python.exe", "C:\\Python312\\python.exe", "\"C:\\Python312\\python.exe\" build.py --generate",
    "Python Software Foundation", "3.12.1", "Python", User, 0x18000,
    ["C:\\Python312\\python312.dll": 0x6b3000, "C:\\Windows\\System32\\ucrtbase.dll": 0x11a000,
     "C:\\Python312\\VCRUNTIME140.dll": 0x1b000]);
/// The MSVC compiler driver.
pub const CL: Program = program!(
    "cl.exe", "C:\\Program Files\\Microsoft Visual Studio\\2022\\Community\\VC\\Tools\\MSVC\\14.38.33130\\bin\\Hostx64\\x64\\cl.exe",
    "cl.exe /nologo /c /EHsc /O2 C:\\build\\gen\\parser.cpp /FoC:\\build\\obj\\parser.obj", MS,
    "14.38.33135.0", "Microsoft C/C++ Compiler Driver for x64", User, 0x79000,
    ["C:\\Program Files\\Microsoft Visual Studio\\2022\\Community\\VC\\Tools\\MSVC\\14.38.33130\\bin\\Hostx64\\x64\\c1xx.dll": 0x5d0000,
     "C:\\Windows\\System32\\msvcp140.dll": 0x8e000]);
/// The MSVC compiler driver compiling main.cpp.
pub const CL_MAIN: Program = CL.with_command_line(
    "cl.exe /nologo /c /EHsc C:\\build\\src\\main.cpp /FoC:\\build\\obj\\main.obj",
);
/// The MSVC linker.
pub const LINK: Program = program!(
    "link.exe", "C:\\Program Files\\Microsoft Visual Studio\\2022\\Community\\VC\\Tools\\MSVC\\14.38.33130\\bin\\Hostx64\\x64\\link.exe",
    "link.exe /nologo /OUT:C:\\build\\bin\\app.exe C:\\build\\obj\\main.obj C:\\build\\obj\\util.obj", MS,
    "14.38.33135.0", "Microsoft Incremental Linker", User, 0x1f9000,
    ["C:\\Windows\\System32\\msvcp140.dll": 0x8e000]);
/// MSBuild, the entry process of a build.
pub const MSBUILD: Program = program!(
    "MSBuild.exe", "C:\\Program Files\\Microsoft Visual Studio\\2022\\Community\\MSBuild\\Current\\Bin\\amd64\\MSBuild.exe",
    "\"C:\\Program Files\\Microsoft Visual Studio\\2022\\Community\\MSBuild\\Current\\Bin\\amd64\\MSBuild.exe\" App.sln /m /nologo",
    MS, "17.8.3+195e7f5a3", "MSBuild.exe", User, 0x7c000,
    ["C:\\Windows\\System32\\mscoree.dll": 0x65000,
     "C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\clr.dll": 0x9ba000]);
/// A reusable MSBuild node.
pub const MSBUILD_NODE: Program = MSBUILD.with_command_line("\"C:\\Program Files\\Microsoft Visual Studio\\2022\\Community\\MSBuild\\Current\\Bin\\amd64\\MSBuild.exe\" /nologo /nodemode:1 /nodeReuse:true /low:false");
/// The C# compiler.
pub const CSC: Program = program!(
    "csc.exe", "C:\\Program Files\\Microsoft Visual Studio\\2022\\Community\\MSBuild\\Current\\Bin\\Roslyn\\csc.exe",
    "csc.exe /noconfig /out:C:\\src\\App\\bin\\Debug\\App.Core.dll /target:library @C:\\src\\App\\obj\\Debug\\csc.rsp",
    MS, "4.8.0-7.23572.1", "csc", User, 0x9000,
    ["C:\\Windows\\System32\\mscoree.dll": 0x65000]);
/// The application the build makes, started from its output folder to run its tests.
pub const APP: Program = program!(
    "app.exe", "C:\\build\\bin\\app.exe", "C:\\build\\bin\\app.exe --run-tests", "Contoso",
    "1.0.0.0", "Contoso App", User, 0x2d000, ["C:\\Windows\\System32\\msvcp140.dll": 0x8e000]);
/// An installer.
pub const SETUP: Program = program!(
    "setup.exe", "C:\\Users\\builder\\Downloads\\setup.exe",
    "\"C:\\Users\\builder\\Downloads\\setup.exe\" /quiet", "Contoso", "2.4.0.0",
    "Contoso App Setup", User, 0x5b000, ["C:\\Windows\\System32\\msi.dll": 0x2f3000]);
/// A source-collection tool that leaks handles.
pub const COLLECT: Program = Program {
    command_line: "\"C:\\Python312\\python.exe\" tools\\collect_sources.py",
    dlls: &[
        ("C:\\Python312\\python312.dll", 0x6b3000),
        ("C:\\Windows\\System32\\ucrtbase.dll", 0x11a000),
    ],
    ..PYTHON
};

/// The build's scripts: the test step.
pub const PYTHON_TEST: Program =
    PYTHON.with_command_line("\"C:\\Python312\\python.exe\" build.py --test");
/// The build's scripts: the clean step, which deletes the previous outputs.
pub const PYTHON_CLEAN: Program =
    PYTHON.with_command_line("\"C:\\Python312\\python.exe\" build.py --clean");
/// The build's scripts: the step that collects the test results.
pub const PYTHON_COLLECT: Program =
    PYTHON.with_command_line("\"C:\\Python312\\python.exe\" build.py --collect-results");
/// A build cache that stores fresh outputs, naming files by their NT path
/// (`\\?\GLOBALROOT\Device\HarddiskVolume3\...`, from GetFinalPathNameByHandle with
/// VOLUME_NAME_NT), so that ProcMon shows the device form.
pub const BCACHE: Program = program!(
    "bcache.exe", "C:\\build\\tools\\bcache.exe", "C:\\build\\tools\\bcache.exe store --watch C:\\build\\bin",
    "Contoso", "0.9.2.0", "Contoso build cache", User, 0x3c000,
    ["C:\\Windows\\System32\\bcrypt.dll": 0x27000]);
/// The search indexer's filter host, which opens fresh documents to index them.
pub const SEARCH_HOST: Program = program!(
    "SearchProtocolHost.exe", "C:\\Windows\\System32\\SearchProtocolHost.exe",
    "\"C:\\Windows\\system32\\SearchProtocolHost.exe\" Global\\UsGthrFltPipeMssGthrPipe1_ Global\\UsGthrCtrlFltPipeMssGthrPipe1 1 -2147483646 \"Software\\Microsoft\\Windows Search\"",
    MS, WIN_VER, "Microsoft Windows Search Protocol Host", System, 0x6e000,
    ["C:\\Windows\\System32\\mssprxy.dll": 0x2c000]);
/// The test host a build starts and does not wait for.
pub const TESTHOST: Program = program!(
    "testhost.exe",
    "C:\\Program Files\\Microsoft Visual Studio\\2022\\Community\\Common7\\IDE\\Extensions\\TestPlatform\\testhost.exe",
    "testhost.exe --port 50123 --endpoint 127.0.0.1:050123 --role client --parentprocessid 0",
    MS, "17.8.0", "testhost", User, 0x2b000,
    ["C:\\Windows\\System32\\mscoree.dll": 0x65000]);

/// VS Code, open on the developer's desktop (bulk captures).
pub const CODE: Program = program!(
    "Code.exe", "C:\\Users\\builder\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe",
    "\"C:\\Users\\builder\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe\" --type=utility --utility-sub-type=node.mojom.NodeService",
    MS, "1.86.2", "Visual Studio Code", User, 0x9e4000,
    ["C:\\Users\\builder\\AppData\\Local\\Programs\\Microsoft VS Code\\ffmpeg.dll": 0x2a0000]);
/// The search indexer (bulk captures).
pub const INDEXER: Program = program!(
    "SearchIndexer.exe", "C:\\Windows\\System32\\SearchIndexer.exe",
    "C:\\Windows\\system32\\SearchIndexer.exe /Embedding", MS, WIN_VER,
    "Microsoft Windows Search Indexer", System, 0xdc000,
    ["C:\\Windows\\System32\\mssrch.dll": 0x2c5000]);
/// OneDrive sync (bulk captures).
pub const ONEDRIVE: Program = program!(
    "OneDrive.exe",
    "C:\\Users\\builder\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe",
    "\"C:\\Users\\builder\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe\" /background",
    MS,
    "24.020.0128.0003",
    "Microsoft OneDrive",
    User,
    0x2b8000,
    []
);

/// Files that background processes touch (never a build path, so noise never collides with a story).
pub const NOISE_FILES: &[&str] = &[
    "C:\\Windows\\System32\\shell32.dll",
    "C:\\Windows\\System32\\windows.storage.dll",
    "C:\\Windows\\System32\\propsys.dll",
    "C:\\Windows\\System32\\en-US\\shell32.dll.mui",
    "C:\\Windows\\Fonts\\segoeui.ttf",
    "C:\\Windows\\System32\\config\\SOFTWARE",
    "C:\\Windows\\System32\\drivers\\etc\\hosts",
    "C:\\Users\\builder\\Desktop\\desktop.ini",
    "C:\\Users\\builder\\Desktop\\notes.txt",
    "C:\\Users\\builder\\Documents\\report-2026-03.docx",
    "C:\\Users\\builder\\AppData\\Local\\Microsoft\\Windows\\Explorer\\thumbcache_256.db",
    "C:\\Users\\builder\\AppData\\Local\\Microsoft\\Windows\\Explorer\\iconcache_32.db",
    "C:\\Users\\builder\\AppData\\Roaming\\Microsoft\\Windows\\Recent\\AutomaticDestinations\\5f7b5f1e01b83767.automaticDestinations-ms",
    "C:\\Users\\builder\\AppData\\Local\\Temp\\~DF4A3B2C1D0E9F88.TMP",
    "C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\mpenginedb.db",
    "C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\mpenginedb.db-wal",
    "C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\History\\CacheManager\\MpSfc.bin",
    "C:\\ProgramData\\Microsoft\\Network\\Downloader\\qmgr.db",
    "C:\\ProgramData\\Microsoft\\Diagnosis\\ETLLogs\\AutoLogger\\AutoLogger-Diagtrack-Listener.etl",
    "C:\\Windows\\Prefetch\\CMD.EXE-0BD30981.pf",
    "C:\\Windows\\Prefetch\\PYTHON.EXE-2A4B8C11.pf",
    "C:\\Windows\\System32\\wbem\\Repository\\OBJECTS.DATA",
    "C:\\Windows\\System32\\catroot2\\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}\\catdb",
    "C:\\Windows\\SoftwareDistribution\\DataStore\\DataStore.edb",
    "C:\\Program Files\\Git\\etc\\gitconfig",
    "C:\\Users\\builder\\.gitconfig",
];

/// Files that do not exist (opened with NAME NOT FOUND, as real software does all the time).
pub const MISSING_FILES: &[&str] = &[
    "C:\\Windows\\System32\\en-US\\propsys.dll.mui",
    "C:\\Users\\builder\\Desktop\\Thumbs.db",
    "C:\\Windows\\System32\\wow64log.dll",
    "C:\\Python312\\python312._pth",
    "C:\\Users\\builder\\AppData\\Local\\Microsoft\\WindowsApps\\python.exe",
];

/// Registry value data.
#[derive(Debug, Clone, Copy)]
pub enum RegData {
    /// REG_DWORD.
    Dword(u32),
    /// REG_SZ.
    Sz(&'static str),
    /// REG_BINARY.
    Binary(&'static [u8]),
}

impl RegData {
    /// The registry type and the bytes as stored (REG_SZ: UTF-16LE with its NUL).
    pub fn encode(self) -> (u32, Vec<u8>) {
        match self {
            RegData::Dword(v) => (4, v.to_le_bytes().to_vec()),
            RegData::Sz(s) => (
                1,
                s.encode_utf16()
                    .chain([0])
                    .flat_map(u16::to_le_bytes)
                    .collect(),
            ),
            RegData::Binary(b) => (3, b.to_vec()),
        }
    }
}

/// Registry values read by background processes: (key, value, data), one a line.
#[rustfmt::skip]
pub const NOISE_VALUES: &[(&str, &str, RegData)] = &[
    ("HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\Advanced", "HideFileExt", RegData::Dword(0)),
    ("HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\Advanced", "ShowSuperHidden", RegData::Dword(0)),
    ("HKCU\\Software\\Microsoft\\Windows\\DWM", "ColorPrevalence", RegData::Dword(0)),
    ("HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", "CurrentBuild", RegData::Sz("19045")),
    ("HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager", "SafeDllSearchMode", RegData::Dword(1)),
    ("HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters", "Hostname", RegData::Sz("BUILD01")),
    ("HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Real-Time Protection", "DisableRealtimeMonitoring", RegData::Dword(0)),
    ("HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Exclusions\\Paths", "C:\\Temp", RegData::Dword(0)),
    ("HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\DataCollection", "AllowTelemetry", RegData::Dword(1)),
    ("HKLM\\SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage", "ACP", RegData::Sz("1252")),
];

/// Registry keys probed and not found.
pub const MISSING_KEYS: &[&str] = &[
    "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options\\python.exe",
    "HKCU\\Software\\Classes\\CLSID\\{56AD4C5D-B908-4F85-8FF1-7940C29B3BCF}\\Instance",
    "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\Explorer",
];
