//! zisofs, transparent compression of file data (H. Peter Anvin's format, as
//! `mkzftree`, `mkisofs -z` and Linux `fs/isofs/compress.c` use it), and
//! zisofs2 (its 64-bit extension by libisofs / xorriso): the Rock Ridge `ZF`
//! (or `Z2`) entry that marks a compressed file, and the header at the start
//! of the file's data.
//!
//! A compressed file's data is: the header; `ceil(size / block_size) + 1`
//! block pointers (byte offsets into the file's data; block `i` lies between
//! pointers `i` and `i + 1`, a zero-length block stands for a block of zero
//! bytes); then the blocks, each a zlib stream of one `block_size` piece of
//! the file (the last one shorter).
//!
//! | format  | header | magic                     | size field       | pointers |
//! |---------|--------|---------------------------|------------------|----------|
//! | zisofs  | 16     | `37 E4 53 96 C9 DB D6 07` | 4 bytes LE at 8  | 4 bytes LE |
//! | zisofs2 | 24     | `EF 22 55 A1 BC 1B 95 A0` | 8 bytes LE at 12 | 8 bytes LE |
//!
//! The ZF entry (16 bytes): algorithm `pz` with version 1 and the size both-endian
//! (ISO 9660 7.3.3) for zisofs; for zisofs2 an algorithm such as `PZ` (zlib),
//! version 2 and the size as 8 bytes little-endian. The entry may also be
//! called `Z2` (so that kernels that know only zisofs stay quiet).

use crate::bytes::{both_u32, put_both_u32};
use crate::susp::{emit_header, HEADER_LEN};
use crate::{need, Error};

/// Magic number opening a zisofs file header.
pub const MAGIC_V1: [u8; 8] = [0x37, 0xE4, 0x53, 0x96, 0xC9, 0xDB, 0xD6, 0x07];
/// Magic number opening a zisofs2 file header.
pub const MAGIC_V2: [u8; 8] = [0xEF, 0x22, 0x55, 0xA1, 0xBC, 0x1B, 0x95, 0xA0];

/// Algorithm name of zisofs ("paged zlib").
pub const ALGORITHM_V1: [u8; 2] = *b"pz";
/// zisofs2 algorithm names by header algorithm id (zisofs2 format, "Supported
/// compressors"): 1 zlib, 2 xz, 3 lz4, 4 zstd, 5 bzip2.
pub const ALGORITHMS_V2: [(u8, [u8; 2]); 5] = [
    (1, *b"PZ"),
    (2, *b"XZ"),
    (3, *b"L4"),
    (4, *b"ZD"),
    (5, *b"B2"),
];

/// Smallest and largest log2 of the block size the format descriptions name
/// (and writers use): 32 KiB to 128 KiB. Linux reads zisofs blocks of any
/// smaller size too ([`Format::block_log2_min`]).
pub const BLOCK_LOG2_MIN: u8 = 15;
pub const BLOCK_LOG2_MAX: u8 = 17;
/// Largest log2 of the zisofs2 block size xorriso writes (`-zisofs
/// block_size_v2=1024k`), past the format description's 128 KiB.
pub const BLOCK_LOG2_MAX_V2: u8 = 20;

/// Which of the two formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// zisofs: 16-byte header, 4-byte pointers, files under 4 GiB.
    V1,
    /// zisofs2: 24-byte header, 8-byte pointers.
    V2,
}

impl Format {
    /// Bytes of one block pointer.
    pub fn pointer_len(self) -> u64 {
        match self {
            Format::V1 => 4,
            Format::V2 => 8,
        }
    }

    /// The smallest log2 of the block size read in this format: for zisofs
    /// any (Linux `rock.c` takes every ZF block shift up to 17 and
    /// `compress.c` inflates blocks smaller than a page too); for zisofs2
    /// what xorriso reads, 2^15.
    pub fn block_log2_min(self) -> u8 {
        match self {
            Format::V1 => 0,
            Format::V2 => BLOCK_LOG2_MIN,
        }
    }

    /// The largest log2 of the block size read in this format.
    pub fn block_log2_max(self) -> u8 {
        match self {
            Format::V1 => BLOCK_LOG2_MAX,
            Format::V2 => BLOCK_LOG2_MAX_V2,
        }
    }

    /// Bytes of the file header.
    pub fn header_len(self) -> u64 {
        match self {
            Format::V1 => 16,
            Format::V2 => 24,
        }
    }
}

/// The most bytes zlib makes of `len` input bytes (the bound Linux's
/// `deflateBound` gives, `include/linux/zlib.h`): a compressed block longer
/// than this cannot be a block of that size.
pub fn deflate_bound(len: u64) -> u64 {
    len + len.div_ceil(8) + len.div_ceil(64) + 11
}

/// The ZF (or Z2) System Use entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZfEntry {
    /// `ZF`, or `Z2` (zisofs2 only).
    pub signature: [u8; 2],
    /// Entry version: 1 for zisofs, 2 for zisofs2.
    pub version: u8,
    /// `pz` for zisofs; for zisofs2 one of [`ALGORITHMS_V2`].
    pub algorithm: [u8; 2],
    /// Header size in 4-byte words (4 for zisofs, 6 for zisofs2).
    pub header_words: u8,
    /// log2 of the block size.
    pub block_log2: u8,
    /// Uncompressed size of the file.
    pub size: u64,
}

impl ZfEntry {
    pub const LEN: usize = 16;

    /// The format the algorithm names: `pz` is zisofs, anything else zisofs2
    /// (whose algorithms are all upper-case or digits).
    pub fn format(&self) -> Format {
        if self.algorithm == ALGORITHM_V1 {
            Format::V1
        } else {
            Format::V2
        }
    }

    /// Parses the entry body (after the 4-byte SUSP header) of a `ZF` or `Z2`
    /// entry with version `version`.
    pub fn parse(signature: [u8; 2], version: u8, data: &[u8]) -> Result<Self, Error> {
        if data.len() + HEADER_LEN != Self::LEN {
            return Err(Error::BadLength {
                what: "ZF entry",
                len: data.len() + HEADER_LEN,
                reason: "must be 16 bytes",
            });
        }
        let algorithm = [data[0], data[1]];
        let size = if algorithm == ALGORITHM_V1 {
            u64::from(both_u32(data, 4))
        } else {
            let mut le = [0u8; 8];
            le.copy_from_slice(&data[4..12]);
            u64::from_le_bytes(le)
        };
        Ok(ZfEntry {
            signature,
            version,
            algorithm,
            header_words: data[2],
            block_log2: data[3],
            size,
        })
    }

    pub fn emit(&self, buf: &mut [u8]) {
        emit_header(buf, &self.signature, Self::LEN, self.version);
        buf[4..6].copy_from_slice(&self.algorithm);
        buf[6] = self.header_words;
        buf[7] = self.block_log2;
        match self.format() {
            Format::V1 => put_both_u32(buf, 8, u32::try_from(self.size).unwrap_or(u32::MAX)),
            Format::V2 => buf[8..16].copy_from_slice(&self.size.to_le_bytes()),
        }
    }
}

/// The header at the start of a compressed file's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileHeader {
    pub format: Format,
    /// Uncompressed size.
    pub size: u64,
    /// Header size in 4-byte words (where the pointers start).
    pub header_words: u8,
    /// log2 of the block size.
    pub block_log2: u8,
    /// zisofs2 algorithm id (1 zlib ...); 1 for zisofs.
    pub algorithm_id: u8,
}

impl FileHeader {
    /// Parses the header at the start of `buf` (at least 16 bytes; 24 for zisofs2).
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        need("zisofs header", buf, 16)?;
        if buf[..8] == MAGIC_V1 {
            let mut le = [0u8; 4];
            le.copy_from_slice(&buf[8..12]);
            Ok(FileHeader {
                format: Format::V1,
                size: u64::from(u32::from_le_bytes(le)),
                header_words: buf[12],
                block_log2: buf[13],
                algorithm_id: 1,
            })
        } else if buf[..8] == MAGIC_V2 {
            need("zisofs2 header", buf, 24)?;
            if buf[8] != 0 {
                return Err(Error::Invalid {
                    what: "zisofs2 header",
                    reason: "unknown header version (not 0)",
                });
            }
            let mut le = [0u8; 8];
            le.copy_from_slice(&buf[12..20]);
            Ok(FileHeader {
                format: Format::V2,
                size: u64::from_le_bytes(le),
                header_words: buf[9],
                algorithm_id: buf[10],
                block_log2: buf[11],
            })
        } else {
            Err(Error::Invalid {
                what: "zisofs header",
                reason: "no zisofs or zisofs2 magic number",
            })
        }
    }

    /// Writes the header: [`Format::header_len`] bytes.
    pub fn emit(&self, buf: &mut [u8]) {
        let len = self.format.header_len() as usize;
        buf[..len].fill(0);
        match self.format {
            Format::V1 => {
                buf[..8].copy_from_slice(&MAGIC_V1);
                let size = u32::try_from(self.size).unwrap_or(u32::MAX);
                buf[8..12].copy_from_slice(&size.to_le_bytes());
                buf[12] = self.header_words;
                buf[13] = self.block_log2;
            }
            Format::V2 => {
                buf[..8].copy_from_slice(&MAGIC_V2);
                buf[9] = self.header_words;
                buf[10] = self.algorithm_id;
                buf[11] = self.block_log2;
                buf[12..20].copy_from_slice(&self.size.to_le_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rrip::Entry;

    #[test]
    fn zf_examples_of_the_format_descriptions() {
        // zisofs: block size 32 KiB, 1,234,567 bytes.
        let v1 = [
            b'Z', b'F', 16, 1, b'p', b'z', 4, 15, 0x87, 0xD6, 0x12, 0x00, 0x00, 0x12, 0xD6, 0x87,
        ];
        let Entry::Zf(zf) = Entry::parse_bytes(&v1).unwrap() else {
            panic!("not ZF")
        };
        assert_eq!(zf.format(), Format::V1);
        assert_eq!(
            (zf.header_words, zf.block_log2, zf.size),
            (4, 15, 1_234_567)
        );
        let mut out = [0u8; 16];
        zf.emit(&mut out);
        assert_eq!(out, v1);
        // zisofs2: block size 128 KiB, 40 TB, as ZF and as Z2.
        let mut v2 = [
            b'Z', b'F', 16, 2, b'P', b'Z', 8, 17, 0x00, 0x80, 0xCA, 0x39, 0x61, 0x24, 0x00, 0x00,
        ];
        for sig in [*b"ZF", *b"Z2"] {
            v2[..2].copy_from_slice(&sig);
            let Entry::Zf(zf) = Entry::parse_bytes(&v2).unwrap() else {
                panic!("not ZF")
            };
            assert_eq!(zf.format(), Format::V2);
            assert_eq!(zf.signature, sig);
            assert_eq!(zf.size, 40_000_000_000_000);
            zf.emit(&mut out);
            assert_eq!(out, v2);
        }
        // A ZF entry of another length is malformed.
        let mut short = v1;
        short[2] = 15;
        assert!(Entry::parse_bytes(&short[..15]).is_err());
    }

    #[test]
    fn file_headers_round_trip_and_bad_magic_is_an_error() {
        for header in [
            FileHeader {
                format: Format::V1,
                size: 70_000,
                header_words: 4,
                block_log2: 15,
                algorithm_id: 1,
            },
            FileHeader {
                format: Format::V2,
                size: 5 << 32,
                header_words: 6,
                block_log2: 17,
                algorithm_id: 1,
            },
        ] {
            let mut buf = [0xAAu8; 24];
            header.emit(&mut buf);
            assert_eq!(FileHeader::parse(&buf).unwrap(), header);
        }
        assert!(FileHeader::parse(&[0u8; 24]).is_err());
        assert!(FileHeader::parse(&MAGIC_V2[..]).is_err());
        assert_eq!(deflate_bound(1 << 15), 32768 + 4096 + 512 + 11);
    }
}
