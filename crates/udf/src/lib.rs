//! UDF (ECMA-167 3rd edition as profiled by OSTA UDF 1.02–2.60) on-disc structures.
//!
//! Parse and emit only: this crate does no I/O. Each structure is a plain
//! struct with `parse(&[u8]) -> Result<Self, Error>` and `emit(&self, &mut [u8])`
//! (or `to_bytes`), with byte offsets named in `field` modules and the spec
//! section cited beside each structure, in the style of the `iso9660` crate.
//!
//! What is here:
//! - [`tag`]: the 16-byte descriptor tag (ECMA-167 3/7.2): identifiers, the
//!   byte-sum checksum, the CRC-16 (CRC-ITU-T, initial 0) and the tag location,
//!   and [`tag::seal`] that fills them in after a descriptor body is written.
//! - [`types`]: `extent_ad`, `lb_addr`, `short_ad`, `long_ad`, `ext_ad`,
//!   timestamps, charspecs and entity identifiers (regid).
//! - [`cs0`]: OSTA compressed unicode (CS0, compression IDs 8 and 16) and
//!   fixed-size `dstring` fields.
//! - [`vrs`]: the volume recognition sequence (BEA01, NSR02/NSR03, TEA01).
//! - [`volume`]: AVDP, PVD, IUVD, PD, LVD with its partition maps (Type 1,
//!   virtual, sparable, metadata), USD, TD and LVID (ECMA-167 part 3).
//! - [`file`]: FSD, the ICB tag, FE and EFE with their allocation
//!   descriptors, FIDs, AEDs, sparing tables and the VAT (ECMA-167 part 4, UDF 2.2).
//!
//! Parsers check lengths and never panic on any input. `emit` methods write
//! exactly the structure's length and panic only if the caller's buffer is
//! shorter (a programming error, not an input error).
#![forbid(unsafe_code)]

pub mod cs0;
pub mod file;
pub mod tag;
pub mod types;
pub mod volume;
pub mod vrs;

pub use tag::{Tag, TagId};
pub use types::{Charspec, EntityId, ExtentAd, LbAddr, LongAd, ShortAd, Timestamp};

/// Errors from parsing on-disc structures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The buffer ends before the structure does.
    #[error("{what} is truncated: needs {need} bytes, only {have} available")]
    Truncated {
        what: &'static str,
        need: usize,
        have: usize,
    },
    /// A field holds a value the specification does not allow.
    #[error("{what}: {reason}")]
    Invalid { what: &'static str, reason: String },
    /// The tag's checksum byte does not match the sum of its other bytes.
    #[error("descriptor tag checksum is {found:#04x}, expected {expected:#04x}")]
    Checksum { found: u8, expected: u8 },
    /// The descriptor's CRC does not match its bytes.
    #[error("descriptor CRC is {found:#06x}, expected {expected:#06x} over {len} bytes")]
    Crc {
        found: u16,
        expected: u16,
        len: usize,
    },
    /// The tag names another block than the one it was read from.
    #[error("descriptor tag says it is at block {found}, but it was read from block {expected}")]
    Location { found: u32, expected: u32 },
    /// A descriptor of another kind than the one expected.
    #[error("expected a {expected} descriptor, found tag identifier {found:#x}")]
    WrongTag { expected: &'static str, found: u16 },
}

pub(crate) fn need(what: &'static str, buf: &[u8], need: usize) -> Result<(), Error> {
    if buf.len() < need {
        Err(Error::Truncated {
            what,
            need,
            have: buf.len(),
        })
    } else {
        Ok(())
    }
}

pub(crate) fn invalid(what: &'static str, reason: impl Into<String>) -> Error {
    Error::Invalid {
        what,
        reason: reason.into(),
    }
}

/// Little-endian field access (ECMA-167 1/7.1: every numeric field is little-endian).
pub mod le {
    pub fn u16(b: &[u8], at: usize) -> u16 {
        u16::from_le_bytes([b[at], b[at + 1]])
    }
    pub fn u32(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }
    pub fn u64(b: &[u8], at: usize) -> u64 {
        let mut x = [0u8; 8];
        x.copy_from_slice(&b[at..at + 8]);
        u64::from_le_bytes(x)
    }
    pub fn put_u16(b: &mut [u8], at: usize, v: u16) {
        b[at..at + 2].copy_from_slice(&v.to_le_bytes());
    }
    pub fn put_u32(b: &mut [u8], at: usize, v: u32) {
        b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
    pub fn put_u64(b: &mut [u8], at: usize, v: u64) {
        b[at..at + 8].copy_from_slice(&v.to_le_bytes());
    }
}

/// The block size every optical medium uses, and the only one discburn writes.
pub const BLOCK_SIZE: usize = 2048;

/// Block of the first anchor relative to a session's start (ECMA-167 3/8.4.2.1).
pub const ANCHOR_BLOCK: u32 = 256;

/// A UDF revision as recorded in domain and UDF entity identifiers (BCD-like
/// hex: 0x0201 is 2.01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Revision(pub u16);

impl Revision {
    pub const V1_02: Revision = Revision(0x0102);
    pub const V1_50: Revision = Revision(0x0150);
    pub const V2_00: Revision = Revision(0x0200);
    pub const V2_01: Revision = Revision(0x0201);
    pub const V2_50: Revision = Revision(0x0250);
    pub const V2_60: Revision = Revision(0x0260);

    /// Descriptor tag version: 2 below UDF 2.00 (ECMA-167 2nd edition, NSR02), else 3.
    pub fn tag_version(self) -> u16 {
        if self.0 < 0x0200 {
            2
        } else {
            3
        }
    }

    /// `"2.01"`.
    pub fn to_text(self) -> String {
        format!("{:x}.{:02x}", self.0 >> 8, self.0 & 0xff)
    }

    /// Parses `"2.01"`, `"1.02"` and the like.
    pub fn from_text(text: &str) -> Option<Revision> {
        let (major, minor) = text.split_once('.')?;
        if major.len() != 1 || minor.len() != 2 {
            return None;
        }
        let value = u16::from_str_radix(&format!("{major}{minor}"), 16).ok()?;
        Some(Revision(value))
    }
}

impl std::fmt::Display for Revision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revision_text() {
        assert_eq!(Revision::V2_01.to_text(), "2.01");
        assert_eq!(Revision::from_text("1.50"), Some(Revision::V1_50));
        assert_eq!(Revision::from_text("2.6"), None);
        assert_eq!(Revision::V1_02.tag_version(), 2);
        assert_eq!(Revision::V2_50.tag_version(), 3);
    }
}
