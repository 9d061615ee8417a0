//! Network detail blobs: protocol flags, addresses, ports and key/value pairs.

use crate::error::Result;
use crate::event::Event;

/// Decoded details of a network event (not decoded yet: the raw blob).
#[derive(Debug, Clone, Copy)]
pub struct NetworkDetails<'a> {
    /// The detail blob.
    pub blob: &'a [u8],
}

impl<'a> NetworkDetails<'a> {
    /// Decodes a network blob.
    pub fn decode(event: &Event<'a>) -> Result<NetworkDetails<'a>> {
        Ok(NetworkDetails {
            blob: event.detail_bytes(),
        })
    }
}
