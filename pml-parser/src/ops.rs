//! Event classes and operation names, as Process Monitor displays them.

use crate::render::ProcmonBuild;

/// The class of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum EventClass {
    /// Class 0 (never seen in real captures).
    Unknown,
    /// Process and thread activity, image loads.
    Process,
    /// Registry activity.
    Registry,
    /// File system activity.
    FileSystem,
    /// Profiling events.
    Profiling,
    /// Network activity.
    Network,
}

impl EventClass {
    /// Every class, in code order.
    pub const ALL: [EventClass; 6] = [
        EventClass::Unknown,
        EventClass::Process,
        EventClass::Registry,
        EventClass::FileSystem,
        EventClass::Profiling,
        EventClass::Network,
    ];

    /// From the stored code; codes above 5 are `Unknown`.
    pub fn from_code(code: u32) -> EventClass {
        match code {
            1 => EventClass::Process,
            2 => EventClass::Registry,
            3 => EventClass::FileSystem,
            4 => EventClass::Profiling,
            5 => EventClass::Network,
            _ => EventClass::Unknown,
        }
    }

    /// The stored code.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The name ProcMon shows in the Event Class column.
    pub fn name(self) -> &'static str {
        match self {
            EventClass::Unknown => "Unknown",
            EventClass::Process => "Process",
            EventClass::Registry => "Registry",
            EventClass::FileSystem => "File System",
            EventClass::Profiling => "Profiling",
            EventClass::Network => "Network",
        }
    }
}

/// Process-class operation names by code.
pub const PROCESS_OPS: [&str; 10] = [
    "Process Defined",
    "Process Create",
    "Process Exit",
    "Thread Create",
    "Thread Exit",
    "Load Image",
    "Thread Profile",
    "Process Start",
    "Process Statistics",
    "System Statistics",
];

/// Registry operation names by code.
pub const REGISTRY_OPS: [&str; 18] = [
    "RegOpenKey",
    "RegCreateKey",
    "RegCloseKey",
    "RegQueryKey",
    "RegSetValue",
    "RegQueryValue",
    "RegEnumValue",
    "RegEnumKey",
    "RegSetInfoKey",
    "RegDeleteKey",
    "RegDeleteValue",
    "RegFlushKey",
    "RegLoadKey",
    "RegUnloadKey",
    "RegRenameKey",
    "RegQueryMultipleValueKey",
    "RegSetKeySecurity",
    "RegQueryKeySecurity",
];

/// Network operation names by code, without the `TCP `/`UDP ` prefix.
pub const NETWORK_OPS: [&str; 10] = [
    "Unknown",
    "Other",
    "Send",
    "Receive",
    "Accept",
    "Connect",
    "Disconnect",
    "Reconnect",
    "Retransmit",
    "TCPCopy",
];

/// Profiling operation names by code.
pub const PROFILING_OPS: [&str; 3] = [
    "Thread Profiling",
    "Process Profiling",
    "Debug Output Profiling",
];

/// File-system operation names by code (IRP major + 20, fast I/O below 20).
pub const FILE_SYSTEM_OPS: [&str; 48] = [
    "VolumeDismount",
    "VolumeMount",
    "FASTIO_MDL_WRITE_COMPLETE",
    "WriteFile2",
    "FASTIO_MDL_READ_COMPLETE",
    "ReadFile2",
    "QueryOpen",
    "FASTIO_CHECK_IF_POSSIBLE",
    "IRP_MJ_12",
    "IRP_MJ_11",
    "IRP_MJ_10",
    "IRP_MJ_9",
    "IRP_MJ_8",
    "FASTIO_NOTIFY_STREAM_FO_CREATION",
    "FASTIO_RELEASE_FOR_CC_FLUSH",
    "FASTIO_ACQUIRE_FOR_CC_FLUSH",
    "FASTIO_RELEASE_FOR_MOD_WRITE",
    "FASTIO_ACQUIRE_FOR_MOD_WRITE",
    "FASTIO_RELEASE_FOR_SECTION_SYNCHRONIZATION",
    "CreateFileMapping",
    "CreateFile",
    "CreatePipe",
    "IRP_MJ_CLOSE",
    "ReadFile",
    "WriteFile",
    "QueryInformationFile",
    "SetInformationFile",
    "QueryEAFile",
    "SetEAFile",
    "FlushBuffersFile",
    "QueryVolumeInformation",
    "SetVolumeInformation",
    "DirectoryControl",
    "FileSystemControl",
    "DeviceIoControl",
    "InternalDeviceIoControl",
    "Shutdown",
    "LockUnlockFile",
    "CloseFile",
    "CreateMailSlot",
    "QuerySecurityFile",
    "SetSecurityFile",
    "Power",
    "SystemControl",
    "DeviceChange",
    "QueryFileQuota",
    "SetFileQuota",
    "PlugAndPlay",
];

/// File-system operation codes the analyzers and the writer refer to by name.
pub mod fs_op {
    /// CreateFileMapping (FASTIO_ACQUIRE_FOR_SECTION_SYNCHRONIZATION).
    pub const CREATE_FILE_MAPPING: u16 = 19;
    /// CreateFile (IRP_MJ_CREATE).
    pub const CREATE_FILE: u16 = 20;
    /// IRP_MJ_CLOSE: last reference gone.
    pub const IRP_MJ_CLOSE: u16 = 22;
    /// ReadFile.
    pub const READ_FILE: u16 = 23;
    /// WriteFile.
    pub const WRITE_FILE: u16 = 24;
    /// QueryInformationFile.
    pub const QUERY_INFORMATION_FILE: u16 = 25;
    /// SetInformationFile.
    pub const SET_INFORMATION_FILE: u16 = 26;
    /// QueryVolumeInformation.
    pub const QUERY_VOLUME_INFORMATION: u16 = 30;
    /// SetVolumeInformation.
    pub const SET_VOLUME_INFORMATION: u16 = 31;
    /// DirectoryControl.
    pub const DIRECTORY_CONTROL: u16 = 32;
    /// LockUnlockFile.
    pub const LOCK_UNLOCK_FILE: u16 = 37;
    /// CloseFile (IRP_MJ_CLEANUP): last handle closed.
    pub const CLOSE_FILE: u16 = 38;
    /// PlugAndPlay.
    pub const PLUG_AND_PLAY: u16 = 47;
}

/// Process-class operation codes.
pub mod process_op {
    /// Process Defined: running when the capture began.
    pub const PROCESS_DEFINED: u16 = 0;
    /// Process Create, in the creator's context.
    pub const PROCESS_CREATE: u16 = 1;
    /// Process Exit.
    pub const PROCESS_EXIT: u16 = 2;
    /// Thread Create.
    pub const THREAD_CREATE: u16 = 3;
    /// Thread Exit.
    pub const THREAD_EXIT: u16 = 4;
    /// Load Image.
    pub const LOAD_IMAGE: u16 = 5;
    /// Thread Profile.
    pub const THREAD_PROFILE: u16 = 6;
    /// Process Start: first event of a new process.
    pub const PROCESS_START: u16 = 7;
    /// Process Statistics.
    pub const PROCESS_STATISTICS: u16 = 8;
    /// System Statistics.
    pub const SYSTEM_STATISTICS: u16 = 9;
}

/// Sub-operation name of QueryInformationFile by FILE_INFORMATION_CLASS.
pub fn query_information_name(class: u8) -> Option<&'static str> {
    Some(match class {
        0x04 => "QueryBasicInformationFile",
        0x05 => "QueryStandardInformationFile",
        0x06 => "QueryFileInternalInformationFile",
        0x07 => "QueryEaInformationFile",
        0x09 => "QueryNameInformationFile",
        0x0E => "QueryPositionInformationFile",
        0x12 => "QueryAllInformationFile",
        0x14 => "QueryEndOfFile",
        0x16 => "QueryStreamInformationFile",
        0x1C => "QueryCompressionInformationFile",
        0x1D => "QueryId",
        0x1F => "QueryMoveClusterInformationFile",
        0x22 => "QueryNetworkOpenInformationFile",
        0x23 => "QueryAttributeTagFile",
        0x25 => "QueryIdBothDirectory",
        0x27 => "QueryValidDataLength",
        0x28 => "QueryShortNameInformationFile",
        0x2B => "QueryIoPiorityHint",
        0x2E => "QueryLinks",
        0x30 => "QueryNormalizedNameInformationFile",
        0x31 => "QueryNetworkPhysicalNameInformationFile",
        0x32 => "QueryIdGlobalTxDirectoryInformation",
        0x33 => "QueryIsRemoteDeviceInformation",
        0x34 => "QueryAttributeCacheInformation",
        0x35 => "QueryNumaNodeInformation",
        0x36 => "QueryStandardLinkInformation",
        0x37 => "QueryRemoteProtocolInformation",
        0x38 => "QueryRenameInformationBypassAccessCheck",
        0x39 => "QueryLinkInformationBypassAccessCheck",
        0x3A => "QueryVolumeNameInformation",
        0x3B => "QueryIdInformation",
        0x3C => "QueryIdExtdDirectoryInformation",
        0x3E => "QueryHardLinkFullIdInformation",
        0x3F => "QueryIdExtdBothDirectoryInformation",
        0x43 => "QueryDesiredStorageClassInformation",
        0x44 => "QueryStatInformation",
        0x45 => "QueryMemoryPartitionInformation",
        // Classes 0x46 and above are named only by ProcMon 3.60 and later
        // (`query_information_name_3_60`); the ProcMon 3.53 that exported the golden CSVs
        // shows `<Unknown>` for them.
        _ => return None,
    })
}

/// The QueryInformationFile classes ProcMon 3.60 added to its table.
fn query_information_name_3_60(class: u8) -> Option<&'static str> {
    Some(match class {
        0x46 => "QuerySatLxInformation",
        0x47 => "QueryCaseSensitiveInformation",
        0x48 => "QueryLinkInformationEx",
        // ProcMon's spelling.
        0x49 => "QueryLinkInfomraitonBypassAccessCheck",
        0x4A => "QueryStorageReservedIdInformation",
        0x4B => "QueryCaseSensitiveInformationForceAccessCheck",
        _ => return None,
    })
}

/// Sub-operation name of SetInformationFile by FILE_INFORMATION_CLASS.
pub fn set_information_name(class: u8) -> Option<&'static str> {
    Some(match class {
        0x04 => "SetBasicInformationFile",
        0x0A => "SetRenameInformationFile",
        0x0B => "SetLinkInformationFile",
        0x0D => "SetDispositionInformationFile",
        0x0E => "SetPositionInformationFile",
        0x13 => "SetAllocationInformationFile",
        0x14 => "SetEndOfFileInformationFile",
        0x16 => "SetFileStreamInformation",
        0x17 => "SetPipeInformation",
        0x27 => "SetValidDataLengthInformationFile",
        0x28 => "SetShortNameInformation",
        0x3D => "SetReplaceCompletionInformation",
        0x40 => "SetDispositionInformationEx",
        0x41 => "SetRenameInformationEx",
        0x42 => "SetRenameInformationExBypassAccessCheck",
        // 0x4A (SetStorageReservedIdInformation) is named only by ProcMon 3.60 and later.
        _ => return None,
    })
}

/// Sub-operation name of SetInformationFile as ProcMon `build` prints it.
fn set_information_name_as(build: ProcmonBuild, class: u8) -> Option<&'static str> {
    match (build, class) {
        // ProcMon 2.8 (a version-7 capture) names FileAllocationInformation so; its Detail
        // is the allocation size.
        (ProcmonBuild::V2, 0x13) => Some("SetAllInformationFile"),
        (b, 0x4A) if b.names_newer_operations() => Some("SetStorageReservedIdInformation"),
        _ => set_information_name(class),
    }
}

/// Sub-operation name of QueryVolumeInformation by FS_INFORMATION_CLASS.
pub fn query_volume_name(class: u8) -> Option<&'static str> {
    Some(match class {
        1 => "QueryInformationVolume",
        2 => "QueryLabelInformationVolume",
        3 => "QuerySizeInformationVolume",
        4 => "QueryDeviceInformationVolume",
        5 => "QueryAttributeInformationVolume",
        6 => "QueryControlInformationVolume",
        7 => "QueryFullSizeInformationVolume",
        8 => "QueryObjectIdInformationVolume",
        _ => return None,
    })
}

/// Sub-operation name of SetVolumeInformation.
pub fn set_volume_name(class: u8) -> Option<&'static str> {
    Some(match class {
        1 => "SetControlInformationVolume",
        2 => "SetLabelInformationVolume",
        8 => "SetObjectIdInformationVolume",
        _ => return None,
    })
}

/// Sub-operation name of DirectoryControl.
pub fn directory_control_name(minor: u8) -> Option<&'static str> {
    Some(match minor {
        1 => "QueryDirectory",
        2 => "NotifyChangeDirectory",
        _ => return None,
    })
}

/// Sub-operation name of LockUnlockFile.
pub fn lock_unlock_name(minor: u8) -> Option<&'static str> {
    Some(match minor {
        1 => "LockFile",
        2 => "UnlockFileSingle",
        3 => "UnlockFileAll",
        4 => "UnlockFileByKey",
        _ => return None,
    })
}

/// Sub-operation name of PlugAndPlay by IRP_MN_* code.
pub fn plug_and_play_name(minor: u8) -> Option<&'static str> {
    const NAMES: [&str; 25] = [
        "StartDevice",
        "QueryRemoveDevice",
        "RemoveDevice",
        "CancelRemoveDevice",
        "StopDevice",
        "QueryStopDevice",
        "CancelStopDevice",
        "QueryDeviceRelations",
        "QueryInterface",
        "QueryCapabilities",
        "QueryResources",
        "QueryResourceRequirements",
        "QueryDeviceText",
        "FilterResourceRequirements",
        "PnP14",
        "ReadConfig",
        "WriteConfig",
        "Eject",
        "SetLock",
        "QueryId2",
        "QueryPnpDeviceState",
        "QueryBusInformation",
        "DeviceUsageNotification",
        "SurpriseRemoval",
        "QueryLegacyBusInformation",
    ];
    NAMES.get(usize::from(minor)).copied()
}

/// Registry operations ProcMon 3.61 added (docs/pml-format.md): codes 18 to 20.
const REGISTRY_OPS_3_61: [&str; 3] = ["RegSaveKey", "RegLoadKey", "RegRestoreKey"];

/// The name ProcMon 3.5x shows in the Operation column; see [`operation_name_as`].
pub fn operation_name(class: EventClass, op: u16, sub_op: u8, is_tcp: bool) -> &'static str {
    operation_name_as(ProcmonBuild::V3_5, class, op, sub_op, is_tcp)
}

/// The name ProcMon `build` shows in the Operation column.
///
/// `sub_op` is the first byte of a file-system detail blob (0 = none); a non-zero sub-operation
/// that ProcMon does not know shows as `<Unknown>`. Network operations need the protocol flag.
pub fn operation_name_as(
    build: ProcmonBuild,
    class: EventClass,
    op: u16,
    sub_op: u8,
    is_tcp: bool,
) -> &'static str {
    let op_index = usize::from(op);
    match class {
        EventClass::Process => PROCESS_OPS.get(op_index).copied().unwrap_or("<Unknown>"),
        EventClass::Registry => REGISTRY_OPS
            .get(op_index)
            .or_else(|| {
                build
                    .names_newer_operations()
                    .then(|| REGISTRY_OPS_3_61.get(op_index.wrapping_sub(REGISTRY_OPS.len())))
                    .flatten()
            })
            .copied()
            .unwrap_or("<Unknown>"),
        EventClass::Profiling => PROFILING_OPS.get(op_index).copied().unwrap_or("<Unknown>"),
        EventClass::Network => network_operation_name(op, is_tcp),
        EventClass::FileSystem => {
            let Some(&major) = FILE_SYSTEM_OPS.get(op_index) else {
                return "<Unknown>";
            };
            if sub_op == 0 {
                return major;
            }
            let sub = match op {
                fs_op::QUERY_INFORMATION_FILE => query_information_name(sub_op).or_else(|| {
                    build
                        .names_newer_operations()
                        .then(|| query_information_name_3_60(sub_op))
                        .flatten()
                }),
                fs_op::SET_INFORMATION_FILE => set_information_name_as(build, sub_op),
                fs_op::QUERY_VOLUME_INFORMATION => query_volume_name(sub_op),
                fs_op::SET_VOLUME_INFORMATION => set_volume_name(sub_op),
                fs_op::DIRECTORY_CONTROL => directory_control_name(sub_op),
                fs_op::LOCK_UNLOCK_FILE => lock_unlock_name(sub_op),
                fs_op::PLUG_AND_PLAY => plug_and_play_name(sub_op),
                _ => Some(major),
            };
            sub.unwrap_or("<Unknown>")
        }
        EventClass::Unknown => "<Unknown>",
    }
}

fn network_operation_name(op: u16, is_tcp: bool) -> &'static str {
    const TCP: [&str; 10] = [
        "TCP Unknown",
        "TCP Other",
        "TCP Send",
        "TCP Receive",
        "TCP Accept",
        "TCP Connect",
        "TCP Disconnect",
        "TCP Reconnect",
        "TCP Retransmit",
        "TCP TCPCopy",
    ];
    const UDP: [&str; 10] = [
        "UDP Unknown",
        "UDP Other",
        "UDP Send",
        "UDP Receive",
        "UDP Accept",
        "UDP Connect",
        "UDP Disconnect",
        "UDP Reconnect",
        "UDP Retransmit",
        "UDP TCPCopy",
    ];
    let table = if is_tcp { &TCP } else { &UDP };
    table.get(usize::from(op)).copied().unwrap_or("<Unknown>")
}

/// True for file-system operations whose first detail byte selects a sub-operation.
pub fn fs_op_has_sub_op(op: u16) -> bool {
    matches!(
        op,
        fs_op::QUERY_INFORMATION_FILE
            | fs_op::SET_INFORMATION_FILE
            | fs_op::QUERY_VOLUME_INFORMATION
            | fs_op::SET_VOLUME_INFORMATION
            | fs_op::DIRECTORY_CONTROL
            | fs_op::LOCK_UNLOCK_FILE
            | fs_op::PLUG_AND_PLAY
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(build: ProcmonBuild, class: EventClass, op: u16, sub_op: u8) -> &'static str {
        operation_name_as(build, class, op, sub_op, false)
    }

    #[test]
    fn names_follow_the_build() {
        use ProcmonBuild::*;
        let fs = EventClass::FileSystem;
        let set = fs_op::SET_INFORMATION_FILE;
        let query = fs_op::QUERY_INFORMATION_FILE;
        assert_eq!(name(V2, fs, set, 0x13), "SetAllInformationFile");
        for build in [V3_4, V3_5, V3_6] {
            assert_eq!(name(build, fs, set, 0x13), "SetAllocationInformationFile");
        }
        assert_eq!(name(V2, fs, set, 0x0D), "SetDispositionInformationFile");
        for build in [V2, V3_4, V3_5] {
            assert_eq!(name(build, fs, query, 0x47), "<Unknown>");
            assert_eq!(name(build, fs, set, 0x4A), "<Unknown>");
            assert_eq!(name(build, EventClass::Registry, 18, 0), "<Unknown>");
        }
        assert_eq!(name(V3_6, fs, query, 0x47), "QueryCaseSensitiveInformation");
        assert_eq!(name(V3_6, fs, query, 0x4C), "<Unknown>");
        assert_eq!(name(V3_6, fs, set, 0x4A), "SetStorageReservedIdInformation");
        let registry = EventClass::Registry;
        assert_eq!(name(V3_6, registry, 17, 0), "RegQueryKeySecurity");
        assert_eq!(name(V3_6, registry, 18, 0), "RegSaveKey");
        assert_eq!(name(V3_6, registry, 19, 0), "RegLoadKey");
        assert_eq!(name(V3_6, registry, 20, 0), "RegRestoreKey");
        assert_eq!(name(V3_6, registry, 21, 0), "<Unknown>");
        assert_eq!(name(V3_6, registry, u16::MAX, 0), "<Unknown>");
        // The build-less name is ProcMon 3.5x's.
        assert_eq!(operation_name(fs, query, 0x47, false), "<Unknown>");
    }
}
