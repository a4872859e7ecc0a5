//! ECMA-119 (ISO 9660), Joliet and SUSP / Rock Ridge (RRIP 1.12) on-disc structures.
//!
//! Parse and emit only: this crate does no I/O. Each structure is a plain `Repr`
//! struct with `parse(&[u8]) -> Result<Self, Error>` and `emit(&self, &mut [u8])`,
//! in the style of smoltcp's `wire` module; byte offsets are named in `field`
//! modules and the spec section is cited beside each structure.
//!
//! What is here:
//! - [`volume`]: the generic volume descriptor header, primary and supplementary
//!   (Joliet, escape sequences `%/@`, `%/C`, `%/E`) descriptors, the terminator
//!   (ECMA-119 8.1–8.5, Joliet spec 1995).
//! - [`dirrec`]: directory records with their flags (hidden, directory,
//!   associated, multi-extent) (ECMA-119 9.1).
//! - [`date`]: the 7-byte directory-record date and the 17-byte volume
//!   descriptor date, both with GMT offset (ECMA-119 9.1.5, 8.4.26.1).
//! - [`path_table`]: L and M path table records (ECMA-119 9.4).
//! - [`names`]: d-/a-character rules, the level-3 d-character mapping, and
//!   Joliet UCS-2 big-endian name encoding and decoding.
//! - [`susp`]: SUSP entries (SP, CE, ER, ES, ST, PD) and a bounded, panic-free
//!   iterator over a System Use area (IEEE P1281 / SUSP 1.12).
//! - [`rrip`]: Rock Ridge entries PX (1.12 44-byte and 1.10 36-byte forms), PN,
//!   SL, NM, CL, PL, RE, TF and the old RR entry (IEEE P1282 / RRIP 1.12).
//! - [`zisofs`]: the ZF / Z2 entry and the file header of zisofs and zisofs2
//!   (transparent compression; libisofs `doc/zisofs_format.txt`, `zisofs2_format.txt`).
//! - [`Entry`](rrip::Entry): one typed enum over every SUSP and RRIP entry.
//! - [`aaip`]: AAIP 2.0 `AL` attribute chains and the `isofs.ca` / `isofs.cx`
//!   attributes of libisofs MD5 checksumming.
//! - [`md5tag`]: the libisofs MD5 checksum tags (superblock, tree, session,
//!   relocated superblock).
//!
//! Parsers are strict about lengths and never panic on any input. `emit`
//! methods write exactly `buffer_len()` bytes and panic only if the caller's
//! buffer is shorter than that (a programming error, not an input error).
#![forbid(unsafe_code)]

pub mod aaip;
pub mod bytes;
pub mod date;
pub mod dirrec;
pub mod md5tag;
pub mod names;
pub mod path_table;
pub mod rrip;
pub mod susp;
pub mod volume;
pub mod zisofs;

pub use date::{DirDate, VolumeDate};
pub use dirrec::{DirectoryRecord, FileFlags};
pub use path_table::{PathTableEndian, PathTableRecord};
pub use volume::{DescriptorHeader, DescriptorType, VolumeDescriptor};

/// Size of a logical sector / block (ECMA-119 6.1.2; always 2048 here).
pub const SECTOR_SIZE: usize = 2048;

/// The standard identifier of every volume descriptor (ECMA-119 8.1.2).
pub const STANDARD_IDENTIFIER: &[u8; 5] = b"CD001";

/// LBA of the first volume descriptor relative to a session start (ECMA-119 6.2.1:
/// the System Area occupies the first 16 sectors).
pub const FIRST_DESCRIPTOR_LBA: u32 = 16;

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
    /// A length field disagrees with the structure's rules.
    #[error("{what} has an invalid length {len}: {reason}")]
    BadLength {
        what: &'static str,
        len: usize,
        reason: &'static str,
    },
    /// A field holds a value the specification does not allow.
    #[error("{what}: {reason}")]
    Invalid {
        what: &'static str,
        reason: &'static str,
    },
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
