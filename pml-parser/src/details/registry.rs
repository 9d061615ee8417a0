//! Registry detail blobs: a key-path info word, per-operation fields, the key path.

use crate::error::Result;
use crate::event::Event;

/// Decoded details of a registry event (not decoded yet: the raw blobs).
#[derive(Debug, Clone, Copy)]
pub struct RegistryDetails<'a> {
    /// The detail blob.
    pub blob: &'a [u8],
    /// The extra blob.
    pub extra: Option<&'a [u8]>,
}

impl<'a> RegistryDetails<'a> {
    /// Decodes a registry blob.
    pub fn decode(event: &Event<'a>) -> Result<RegistryDetails<'a>> {
        Ok(RegistryDetails {
            blob: event.detail_bytes(),
            extra: event.extra_bytes()?,
        })
    }
}
