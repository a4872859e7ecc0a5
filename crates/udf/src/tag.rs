//! The descriptor tag (ECMA-167 3/7.2, 4/7.2): 16 bytes at the start of every
//! descriptor. It carries the descriptor's kind, a byte-sum checksum of the
//! tag itself, a CRC-16 of the bytes that follow it, and the block the
//! descriptor says it is recorded at. Readers (Linux, 7-Zip, udfinfo) check all
//! four; so does [`verify`].

use crate::{invalid, le, need, Error};

/// Byte offsets inside a tag (ECMA-167 3/7.2, Table 2).
pub mod field {
    pub const IDENTIFIER: usize = 0;
    pub const VERSION: usize = 2;
    pub const CHECKSUM: usize = 4;
    pub const RESERVED: usize = 5;
    pub const SERIAL: usize = 6;
    pub const CRC: usize = 8;
    pub const CRC_LENGTH: usize = 10;
    pub const LOCATION: usize = 12;
}

/// Length of a tag.
pub const LEN: usize = 16;

/// Tag identifiers (ECMA-167 3/7.2.1 and 4/7.2.1; 0 is UDF's sparing table, UDF 2.2.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TagId(pub u16);

impl TagId {
    pub const SPARING_TABLE: TagId = TagId(0);
    pub const PRIMARY_VOLUME: TagId = TagId(1);
    pub const ANCHOR: TagId = TagId(2);
    pub const VOLUME_POINTER: TagId = TagId(3);
    pub const IMPLEMENTATION_USE: TagId = TagId(4);
    pub const PARTITION: TagId = TagId(5);
    pub const LOGICAL_VOLUME: TagId = TagId(6);
    pub const UNALLOCATED_SPACE: TagId = TagId(7);
    pub const TERMINATING: TagId = TagId(8);
    pub const INTEGRITY: TagId = TagId(9);
    pub const FILE_SET: TagId = TagId(0x100);
    pub const FILE_IDENTIFIER: TagId = TagId(0x101);
    pub const ALLOCATION_EXTENT: TagId = TagId(0x102);
    pub const INDIRECT_ENTRY: TagId = TagId(0x103);
    pub const TERMINAL_ENTRY: TagId = TagId(0x104);
    pub const FILE_ENTRY: TagId = TagId(0x105);
    pub const EXTENDED_ATTRIBUTE_HEADER: TagId = TagId(0x106);
    pub const UNALLOCATED_SPACE_ENTRY: TagId = TagId(0x107);
    pub const SPACE_BITMAP: TagId = TagId(0x108);
    pub const PARTITION_INTEGRITY: TagId = TagId(0x109);
    pub const EXTENDED_FILE_ENTRY: TagId = TagId(0x10A);

    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "sparing table",
            1 => "primary volume descriptor",
            2 => "anchor volume descriptor pointer",
            3 => "volume descriptor pointer",
            4 => "implementation use volume descriptor",
            5 => "partition descriptor",
            6 => "logical volume descriptor",
            7 => "unallocated space descriptor",
            8 => "terminating descriptor",
            9 => "logical volume integrity descriptor",
            0x100 => "file set descriptor",
            0x101 => "file identifier descriptor",
            0x102 => "allocation extent descriptor",
            0x103 => "indirect entry",
            0x104 => "terminal entry",
            0x105 => "file entry",
            0x106 => "extended attribute header",
            0x107 => "unallocated space entry",
            0x108 => "space bitmap descriptor",
            0x109 => "partition integrity entry",
            0x10A => "extended file entry",
            _ => "unknown descriptor",
        }
    }
}

/// A descriptor tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    pub identifier: TagId,
    /// 2 (ECMA-167 2nd edition, UDF ≤ 1.50) or 3 (3rd edition, UDF ≥ 2.00).
    pub version: u16,
    pub serial: u16,
    pub crc: u16,
    /// Bytes after the tag the CRC covers.
    pub crc_length: u16,
    /// The block the descriptor is recorded at: absolute for volume structures,
    /// partition-relative for file structures (UDF 2.2.1.1, ECMA-167 4/7.2.1).
    pub location: u32,
}

/// The byte sum of the tag, its own checksum byte excluded (ECMA-167 3/7.2.3).
pub fn checksum(tag: &[u8]) -> u8 {
    tag[..LEN]
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != field::CHECKSUM)
        .fold(0u8, |sum, (_, b)| sum.wrapping_add(*b))
}

/// CRC-ITU-T (x^16 + x^12 + x^5 + 1), initial value 0, no reflection, no final
/// XOR (ECMA-167 1/7.2.6; the "XMODEM" parameters).
pub fn crc16(data: &[u8]) -> u16 {
    const CRC: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_XMODEM);
    CRC.checksum(data)
}

impl Tag {
    /// Parses a tag and checks its checksum and reserved byte; the CRC and the
    /// location need the whole descriptor and the block it came from ([`verify`]).
    pub fn parse(buf: &[u8]) -> Result<Tag, Error> {
        need("descriptor tag", buf, LEN)?;
        let expected = checksum(buf);
        let found = buf[field::CHECKSUM];
        if found != expected {
            return Err(Error::Checksum { found, expected });
        }
        if buf[field::RESERVED] != 0 {
            return Err(invalid("descriptor tag", "the reserved byte is not 0"));
        }
        Ok(Tag {
            identifier: TagId(le::u16(buf, field::IDENTIFIER)),
            version: le::u16(buf, field::VERSION),
            serial: le::u16(buf, field::SERIAL),
            crc: le::u16(buf, field::CRC),
            crc_length: le::u16(buf, field::CRC_LENGTH),
            location: le::u32(buf, field::LOCATION),
        })
    }

    /// Writes the tag into `buf[..16]`, with its checksum.
    pub fn emit(&self, buf: &mut [u8]) {
        let t = &mut buf[..LEN];
        le::put_u16(t, field::IDENTIFIER, self.identifier.0);
        le::put_u16(t, field::VERSION, self.version);
        t[field::RESERVED] = 0;
        le::put_u16(t, field::SERIAL, self.serial);
        le::put_u16(t, field::CRC, self.crc);
        le::put_u16(t, field::CRC_LENGTH, self.crc_length);
        le::put_u32(t, field::LOCATION, self.location);
        t[field::CHECKSUM] = checksum(t);
    }
}

/// Checks the descriptor at the start of `buf` as Linux and 7-Zip do: tag
/// checksum, reserved byte, version 2 or 3, CRC over `crc_length` bytes (which
/// must lie inside `buf`), and, when given, the location it must name.
pub fn verify(buf: &[u8], location: Option<u32>) -> Result<Tag, Error> {
    let tag = Tag::parse(buf)?;
    if tag.version != 2 && tag.version != 3 {
        return Err(invalid(
            "descriptor tag",
            format!("version {} (only 2 and 3 exist)", tag.version),
        ));
    }
    let end = LEN + usize::from(tag.crc_length);
    if end > buf.len() {
        return Err(invalid(
            "descriptor tag",
            format!(
                "the CRC covers {} bytes, past the {} bytes of the descriptor",
                tag.crc_length,
                buf.len() - LEN
            ),
        ));
    }
    let expected = crc16(&buf[LEN..end]);
    if expected != tag.crc {
        return Err(Error::Crc {
            found: tag.crc,
            expected,
            len: usize::from(tag.crc_length),
        });
    }
    if let Some(at) = location {
        if tag.location != at {
            return Err(Error::Location {
                found: tag.location,
                expected: at,
            });
        }
    }
    Ok(tag)
}

/// Like [`verify`], and the tag must carry `id`.
pub fn verify_as(buf: &[u8], id: TagId, location: Option<u32>) -> Result<Tag, Error> {
    let tag = verify(buf, location)?;
    if tag.identifier != id {
        return Err(Error::WrongTag {
            expected: id.name(),
            found: tag.identifier.0,
        });
    }
    Ok(tag)
}

/// Parameters every descriptor's tag takes from its writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagSpec {
    pub version: u16,
    pub serial: u16,
}

/// Fills in the tag of a descriptor whose body (`buf[16..len]`) is written:
/// identifier, version, serial, location, CRC over the body and checksum.
/// `buf` must hold at least `len` bytes, and `len` ≥ 16.
pub fn seal(buf: &mut [u8], id: TagId, spec: TagSpec, location: u32, len: usize) {
    let crc_length = len - LEN;
    let tag = Tag {
        identifier: id,
        version: spec.version,
        serial: spec.serial,
        crc: crc16(&buf[LEN..len]),
        crc_length: crc_length as u16,
        location,
    };
    tag.emit(buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    // The AVDP genisoimage 1.1.11 writes at block 256 (udf.md 1.2 worked example).
    static AVDP_TAG: [u8; 16] = [
        0x02, 0x00, 0x02, 0x00, 0xce, 0x00, 0x00, 0x00, 0x01, 0xd7, 0xf0, 0x01, 0x00, 0x01, 0x00,
        0x00,
    ];

    fn repr() -> Tag {
        Tag {
            identifier: TagId::ANCHOR,
            version: 2,
            serial: 0,
            crc: 0xd701,
            crc_length: 496,
            location: 256,
        }
    }

    #[test]
    fn deconstruct_and_parse() {
        assert_eq!(Tag::parse(&AVDP_TAG), Ok(repr()));
        assert_eq!(checksum(&AVDP_TAG), 0xce);
    }

    #[test]
    fn emit() {
        let mut buf = [0u8; 16];
        repr().emit(&mut buf);
        assert_eq!(buf, AVDP_TAG);
    }

    #[test]
    fn crc_check_value() {
        assert_eq!(crc16(b"123456789"), 0x31C3);
    }

    #[test]
    fn verify_catches_each_fault() {
        let mut desc = vec![0u8; 512];
        desc[16] = 7;
        seal(
            &mut desc,
            TagId::ANCHOR,
            TagSpec {
                version: 3,
                serial: 1,
            },
            300,
            512,
        );
        assert!(verify_as(&desc, TagId::ANCHOR, Some(300)).is_ok());
        assert!(matches!(
            verify(&desc, Some(301)),
            Err(Error::Location { found: 300, .. })
        ));
        assert!(matches!(
            verify_as(&desc, TagId::FILE_ENTRY, None),
            Err(Error::WrongTag { .. })
        ));
        let mut bad_crc = desc.clone();
        bad_crc[100] = 1;
        assert!(matches!(verify(&bad_crc, None), Err(Error::Crc { .. })));
        let mut bad_sum = desc.clone();
        bad_sum[field::SERIAL] = 9;
        assert!(matches!(
            verify(&bad_sum, None),
            Err(Error::Checksum { .. })
        ));
        assert!(verify(&desc[..300], None).is_err(), "CRC past the buffer");
    }
}
