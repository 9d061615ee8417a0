//! Network detail blobs: protocol flags, length, the two endpoints and key/value pairs.
//!
//! Layout: `u16 flags (bit 0 source is IPv4, bit 1 destination is IPv4, bit 2 TCP, else UDP),
//! u16 ?, u32 length, 16-byte source address, 16-byte destination address (IPv4 in the first 4
//! bytes), u16 source port, u16 destination port`, then from offset 44 UTF-16 NUL-terminated
//! strings taken in pairs (`mss`, `1460`, ...), ended by an empty key.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::bytes::{u16_at, u32_at};
use crate::error::Result;
use crate::event::Event;
use crate::text::PmlStr;

/// Offset of the key/value strings.
const PAIRS_AT: usize = 44;

/// One end of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// The address as stored: IPv4 in the first 4 bytes (the rest zeroed here), or IPv6.
    pub address: [u8; 16],
    /// True for an IPv4 address.
    pub is_ipv4: bool,
    /// Port number.
    pub port: u16,
}

impl Endpoint {
    /// The IP address.
    pub fn ip(&self) -> IpAddr {
        if self.is_ipv4 {
            let [a, b, c, d, ..] = self.address;
            IpAddr::V4(Ipv4Addr::new(a, b, c, d))
        } else {
            IpAddr::V6(Ipv6Addr::from(self.address))
        }
    }
}

/// Decoded details of a network event.
#[derive(Debug, Clone, Copy)]
pub struct NetworkDetails<'a> {
    /// The flags word.
    pub flags: u16,
    /// Bytes sent or received.
    pub length: u32,
    /// Source endpoint (the local one for sends).
    pub source: Endpoint,
    /// Destination endpoint.
    pub destination: Endpoint,
    /// The key/value strings area.
    pairs: &'a [u8],
}

impl<'a> NetworkDetails<'a> {
    /// Decodes a network blob; fields past the end of a short blob read as zero.
    pub fn decode(event: &Event<'a>) -> Result<NetworkDetails<'a>> {
        Ok(NetworkDetails::from_blob(event.detail_bytes()))
    }

    /// Decodes a network detail blob, e.g. one not yet written.
    pub fn from_blob(blob: &'a [u8]) -> NetworkDetails<'a> {
        let flags = u16_at(blob, 0).unwrap_or_default();
        let endpoint = |addr_at: usize, port_at: usize, is_ipv4: bool| {
            let mut address = [0u8; 16];
            let len = if is_ipv4 { 4 } else { 16 };
            if let Some(a) = blob.get(addr_at..addr_at + len) {
                address[..len].copy_from_slice(a);
            }
            Endpoint {
                address,
                is_ipv4,
                port: u16_at(blob, port_at).unwrap_or_default(),
            }
        };
        NetworkDetails {
            flags,
            length: u32_at(blob, 4).unwrap_or_default(),
            source: endpoint(8, 40, flags & 1 != 0),
            destination: endpoint(24, 42, flags & 2 != 0),
            pairs: blob.get(PAIRS_AT..).unwrap_or(&[]),
        }
    }

    /// True for TCP, false for UDP.
    pub fn is_tcp(&self) -> bool {
        self.flags & 4 != 0
    }

    /// The key/value pairs (`mss` → `1460`, `seqnum` → `0`, ...), in order.
    pub fn pairs(&self) -> impl Iterator<Item = (PmlStr<'a>, PmlStr<'a>)> + 'a {
        let mut rest = self.pairs;
        let mut next = move || {
            let units = rest.len() / 2;
            let len = (0..units)
                .find(|&i| rest[2 * i] == 0 && rest[2 * i + 1] == 0)
                .unwrap_or(units);
            let s = PmlStr::new(&rest[..2 * len], false);
            rest = rest.get(2 * len + 2..).unwrap_or(&[]);
            s
        };
        std::iter::from_fn(move || {
            let key = next();
            if key.is_empty() {
                return None;
            }
            Some((key, next()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_print_as_ip_addresses() {
        let v4 = Endpoint {
            address: [192, 168, 127, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            is_ipv4: true,
            port: 53,
        };
        assert_eq!(v4.ip().to_string(), "192.168.127.2");
        let mut a = [0u8; 16];
        a[0] = 0xff;
        a[1] = 0x02;
        a[13] = 1;
        a[15] = 3;
        let v6 = Endpoint {
            address: a,
            is_ipv4: false,
            port: 5355,
        };
        assert_eq!(v6.ip().to_string(), "ff02::1:3");
    }
}
