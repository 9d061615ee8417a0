//! The 0x3A8-byte file header: system details and the offsets of every table.

use crate::bytes::{u32_at, u64_at, utf16_to_string};
use crate::error::{Error, ErrorKind, Result};

/// Size of the header; events start right after it in every known capture.
pub const HEADER_SIZE: usize = 0x3A8;

/// The PML versions read: 9 (ProcMon 3.x and later) and 7 (ProcMon 2.x), which has the same
/// header, tables and event records; the few detail blobs that differ are told apart by their
/// length (docs/pml-format.md).
pub const SUPPORTED_VERSIONS: [u32; 2] = [7, 9];

/// Windows version of the capture machine (the OSVERSIONINFOEXW that ProcMon copied).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct OsVersion {
    /// Major version (10 for Windows 10 and 11).
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// Build number, e.g. 19045 or 26200.
    pub build: u32,
    /// Platform id (2 = NT).
    pub platform_id: u32,
    /// Service pack string, e.g. `Service Pack 1`, often empty.
    pub service_pack: String,
    /// Service pack major number.
    pub service_pack_major: u16,
    /// Service pack minor number.
    pub service_pack_minor: u16,
    /// Suite mask.
    pub suite_mask: u16,
    /// Product type: 1 workstation, 2 domain controller, 3 server.
    pub product_type: u8,
}

impl OsVersion {
    /// A readable name such as `Windows 10 (build 19045)` or `Windows 7 Service Pack 1 (build 7601)`.
    pub fn display_name(&self) -> String {
        let server = self.product_type > 1;
        let name = match (self.major, self.minor, server) {
            (10, 0, false) if self.build >= 22000 => "Windows 11".to_string(),
            (10, 0, false) => "Windows 10".to_string(),
            (10, 0, true) => "Windows Server".to_string(),
            (6, 3, false) => "Windows 8.1".to_string(),
            (6, 2, false) => "Windows 8".to_string(),
            (6, 1, false) => "Windows 7".to_string(),
            (6, 0, false) => "Windows Vista".to_string(),
            (6, 3, true) => "Windows Server 2012 R2".to_string(),
            (6, 2, true) => "Windows Server 2012".to_string(),
            (6, 1, true) => "Windows Server 2008 R2".to_string(),
            (6, 0, true) => "Windows Server 2008".to_string(),
            (5, 2, true) => "Windows Server 2003".to_string(),
            (5, 2, false) => "Windows XP x64".to_string(),
            (5, 1, _) => "Windows XP".to_string(),
            (5, 0, _) => "Windows 2000".to_string(),
            (major, minor, _) => format!("Windows {major}.{minor}"),
        };
        if self.service_pack.is_empty() {
            format!("{name} (build {})", self.build)
        } else {
            format!("{name} {} (build {})", self.service_pack, self.build)
        }
    }
}

/// The parsed file header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Format version: 9, or 7 for captures of ProcMon 2.x.
    pub version: u32,
    /// True for captures made on a 64-bit system (pointer-sized fields are 8 bytes).
    pub is_64bit: bool,
    /// Name of the capture machine.
    pub computer_name: String,
    /// Windows directory, e.g. `C:\Windows`.
    pub system_root: String,
    /// Number of events, as the header states it.
    pub event_count: u32,
    /// File offset of the first event.
    pub events_offset: u64,
    /// File offset of the event-offsets array.
    pub event_offsets_offset: u64,
    /// File offset of the process table.
    pub process_table_offset: u64,
    /// File offset of the strings table.
    pub strings_table_offset: u64,
    /// File offset of the icon table.
    pub icon_table_offset: u64,
    /// Highest user-mode address of the capture machine; stack frames above it are kernel frames.
    pub max_user_address: u64,
    /// Windows version.
    pub os: OsVersion,
    /// Number of logical processors.
    pub cpu_count: u32,
    /// Physical memory in bytes.
    pub memory_bytes: u64,
    /// The second copy of the events offset (0x3A8).
    pub header_size: u64,
    /// File offset of the hosts and ports tables.
    pub hosts_ports_offset: u64,
}

impl Header {
    /// Parses the header at the start of `data`.
    ///
    /// A capture whose table offsets are zero fails with [`ErrorKind::NotClosedCleanly`];
    /// [`Header::parse_unchecked`] reads such a header anyway, for salvage.
    pub fn parse(data: &[u8]) -> Result<Header> {
        let header = Header::parse_unchecked(data)?;
        if let Some(table) = header.missing_table() {
            return Err(ErrorKind::NotClosedCleanly { table }.into());
        }
        Ok(header)
    }

    /// Parses the header without checking that the tables were written.
    pub fn parse_unchecked(data: &[u8]) -> Result<Header> {
        if data.len() < 4 || &data[..4] != b"PML_" {
            return Err(ErrorKind::NotPml {
                found: data[..data.len().min(4)].to_vec(),
            }
            .into());
        }
        if data.len() < HEADER_SIZE {
            return Err(Error::truncated(
                "header",
                0,
                HEADER_SIZE as u64,
                data.len() as u64,
            ));
        }
        let h = &data[..HEADER_SIZE];
        let u32f = |off| u32_at(h, off).unwrap_or_default();
        let u64f = |off| u64_at(h, off).unwrap_or_default();
        let version = u32f(0x4);
        if !SUPPORTED_VERSIONS.contains(&version) {
            return Err(ErrorKind::UnsupportedVersion(version).into());
        }
        let os = &h[0x270..0x270 + 284];
        Ok(Header {
            version,
            is_64bit: u32f(0x8) != 0,
            computer_name: utf16_to_string(&h[0xC..0xC + 32]),
            system_root: utf16_to_string(&h[0x2C..0x2C + 520]),
            event_count: u32f(0x234),
            events_offset: u64f(0x240),
            event_offsets_offset: u64f(0x248),
            process_table_offset: u64f(0x250),
            strings_table_offset: u64f(0x258),
            icon_table_offset: u64f(0x260),
            max_user_address: u64f(0x268),
            os: OsVersion {
                major: u32_at(os, 4).unwrap_or_default(),
                minor: u32_at(os, 8).unwrap_or_default(),
                build: u32_at(os, 0xC).unwrap_or_default(),
                platform_id: u32_at(os, 0x10).unwrap_or_default(),
                service_pack: utf16_to_string(&os[0x14..0x14 + 256]),
                service_pack_major: u16::from_le_bytes([os[0x114], os[0x115]]),
                service_pack_minor: u16::from_le_bytes([os[0x116], os[0x117]]),
                suite_mask: u16::from_le_bytes([os[0x118], os[0x119]]),
                product_type: os[0x11A],
            },
            cpu_count: u32f(0x38C),
            memory_bytes: u64f(0x390),
            header_size: u64f(0x398),
            hosts_ports_offset: u64f(0x3A0),
        })
    }

    /// The first table whose offset is zero, if any: the mark of a capture that was not closed cleanly.
    pub fn missing_table(&self) -> Option<&'static str> {
        [
            ("first event", self.events_offset),
            ("event-offsets array", self.event_offsets_offset),
            ("process table", self.process_table_offset),
            ("strings table", self.strings_table_offset),
            ("icon table", self.icon_table_offset),
            ("hosts and ports table", self.hosts_ports_offset),
        ]
        .into_iter()
        .find(|&(_, off)| off == 0)
        .map(|(name, _)| name)
    }

    /// Size of a pointer in this capture: 8 on 64-bit systems, 4 on 32-bit ones.
    pub fn ptr_size(&self) -> usize {
        if self.is_64bit {
            8
        } else {
            4
        }
    }

    /// 64 or 32.
    pub fn bitness(&self) -> u32 {
        if self.is_64bit {
            64
        } else {
            32
        }
    }
}
