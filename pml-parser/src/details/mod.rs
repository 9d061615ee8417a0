//! Typed event details, decoded on demand from an event's detail and extra blobs.

pub mod fs;
pub mod network;
pub mod process;
pub mod profiling;
pub mod registry;

use crate::error::Result;
use crate::event::Event;
use crate::ops::EventClass;

/// The decoded details of an event, by class.
#[derive(Debug, Clone)]
pub enum Details<'a> {
    /// File system.
    FileSystem(fs::FsDetails<'a>),
    /// Registry.
    Registry(registry::RegistryDetails<'a>),
    /// Process, thread and image events.
    Process(process::ProcessDetails<'a>),
    /// Network.
    Network(network::NetworkDetails<'a>),
    /// Profiling.
    Profiling(profiling::ProfilingDetails<'a>),
    /// Class 0 or an unknown class: nothing to decode.
    Unknown,
}

impl<'a> Event<'a> {
    /// Decodes the typed details. Unknown operations decode to their class's generic form
    /// and never fail; an error means the extra-detail block points outside the file.
    pub fn details(&self) -> Result<Details<'a>> {
        Ok(match self.class() {
            EventClass::FileSystem => Details::FileSystem(fs::FsDetails::decode(self)?),
            EventClass::Registry => Details::Registry(registry::RegistryDetails::decode(self)?),
            EventClass::Process => Details::Process(process::ProcessDetails::decode(self)?),
            EventClass::Network => Details::Network(network::NetworkDetails::decode(self)?),
            EventClass::Profiling => Details::Profiling(profiling::ProfilingDetails::decode(self)?),
            EventClass::Unknown => Details::Unknown,
        })
    }
}
