//! Volume structures (ECMA-167 part 3, UDF 2.2): the anchor, the descriptors
//! of the volume descriptor sequence and the integrity descriptor. They are
//! addressed by absolute block, and each tag names its own block.
//!
//! Every `parse` checks the tag (checksum, CRC, identifier); the caller
//! compares [`Tag::location`](crate::Tag) with the block it read. Every `emit`
//! writes the body and seals the tag for the given location.

use crate::tag::{self, Tag, TagId, TagSpec};
use crate::types::{Charspec, EntityId, ExtentAd, LongAd, Timestamp};
use crate::{cs0, invalid, le, need, Error};

fn zeroed(buf: &mut [u8], len: usize) -> &mut [u8] {
    let out = &mut buf[..len];
    out.fill(0);
    out
}

/// Anchor Volume Descriptor Pointer (ECMA-167 3/10.2), 512 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnchorPointer {
    pub tag: Tag,
    pub main: ExtentAd,
    pub reserve: ExtentAd,
}

impl AnchorPointer {
    pub const LEN: usize = 512;

    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        need("anchor", buf, Self::LEN)?;
        let tag = tag::verify_as(&buf[..Self::LEN], TagId::ANCHOR, None)?;
        Ok(AnchorPointer {
            tag,
            main: ExtentAd::parse(&buf[16..])?,
            reserve: ExtentAd::parse(&buf[24..])?,
        })
    }

    pub fn emit(main: ExtentAd, reserve: ExtentAd, spec: TagSpec, location: u32, buf: &mut [u8]) {
        let b = zeroed(buf, Self::LEN);
        main.emit(&mut b[16..]);
        reserve.emit(&mut b[24..]);
        tag::seal(b, TagId::ANCHOR, spec, location, Self::LEN);
    }
}

/// Volume Descriptor Pointer (ECMA-167 3/10.3): the sequence continues elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VolumePointer {
    pub sequence_number: u32,
    pub next: ExtentAd,
}

impl VolumePointer {
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        need("volume descriptor pointer", buf, 512)?;
        tag::verify_as(&buf[..512], TagId::VOLUME_POINTER, None)?;
        Ok(VolumePointer {
            sequence_number: le::u32(buf, 16),
            next: ExtentAd::parse(&buf[20..])?,
        })
    }
}

/// Primary Volume Descriptor (ECMA-167 3/10.1, UDF 2.2.2), 512 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryVolume {
    pub sequence_number: u32,
    pub volume_identifier: String,
    pub volume_set_identifier: String,
    pub application: EntityId,
    pub implementation: EntityId,
    pub recorded: Timestamp,
    pub interchange_level: u16,
    pub max_interchange_level: u16,
}

impl PrimaryVolume {
    pub const LEN: usize = 512;

    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        need("primary volume descriptor", buf, Self::LEN)?;
        tag::verify_as(&buf[..Self::LEN], TagId::PRIMARY_VOLUME, None)?;
        Ok(PrimaryVolume {
            sequence_number: le::u32(buf, 16),
            volume_identifier: cs0::decode_dstring(&buf[24..56])?,
            interchange_level: le::u16(buf, 60),
            max_interchange_level: le::u16(buf, 62),
            volume_set_identifier: cs0::decode_dstring(&buf[72..200])?,
            application: EntityId::parse(&buf[344..])?,
            recorded: Timestamp::parse(&buf[376..])?,
            implementation: EntityId::parse(&buf[388..])?,
        })
    }

    pub fn emit(&self, spec: TagSpec, location: u32, buf: &mut [u8]) {
        let b = zeroed(buf, Self::LEN);
        le::put_u32(b, 16, self.sequence_number);
        le::put_u32(b, 20, 0); // primary volume descriptor number
        cs0::encode_dstring(&self.volume_identifier, &mut b[24..56]);
        le::put_u16(b, 56, 1); // volume sequence number
        le::put_u16(b, 58, 1); // maximum volume sequence number
        le::put_u16(b, 60, self.interchange_level);
        le::put_u16(b, 62, self.max_interchange_level);
        le::put_u32(b, 64, 1); // character set list: CS0
        le::put_u32(b, 68, 1);
        cs0::encode_dstring(&self.volume_set_identifier, &mut b[72..200]);
        Charspec::osta().emit(&mut b[200..]);
        Charspec::osta().emit(&mut b[264..]);
        self.application.emit(&mut b[344..]);
        self.recorded.emit(&mut b[376..]);
        self.implementation.emit(&mut b[388..]);
        tag::seal(b, TagId::PRIMARY_VOLUME, spec, location, Self::LEN);
    }
}

/// Implementation Use Volume Descriptor with UDF's "*UDF LV Info" (UDF 2.2.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImplementationUseVolume {
    pub sequence_number: u32,
    pub revision: crate::Revision,
    pub logical_volume_identifier: String,
    pub implementation: EntityId,
}

impl ImplementationUseVolume {
    pub const LEN: usize = 512;

    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        need("implementation use volume descriptor", buf, Self::LEN)?;
        tag::verify_as(&buf[..Self::LEN], TagId::IMPLEMENTATION_USE, None)?;
        let id = EntityId::parse(&buf[20..])?;
        Ok(ImplementationUseVolume {
            sequence_number: le::u32(buf, 16),
            revision: id.suffix_revision(),
            logical_volume_identifier: cs0::decode_dstring(&buf[52 + 64..52 + 192])
                .unwrap_or_default(),
            implementation: EntityId::parse(&buf[52 + 300..])?,
        })
    }

    pub fn emit(&self, spec: TagSpec, location: u32, buf: &mut [u8]) {
        let b = zeroed(buf, Self::LEN);
        le::put_u32(b, 16, self.sequence_number);
        EntityId::udf(b"*UDF LV Info", self.revision).emit(&mut b[20..]);
        Charspec::osta().emit(&mut b[52..]);
        cs0::encode_dstring(&self.logical_volume_identifier, &mut b[52 + 64..52 + 192]);
        self.implementation.emit(&mut b[52 + 300..]);
        tag::seal(b, TagId::IMPLEMENTATION_USE, spec, location, Self::LEN);
    }
}

/// Partition access types (ECMA-167 3/10.5.7; 0 is UDF 2.60's pseudo-overwritable).
pub mod access {
    pub const PSEUDO_OVERWRITABLE: u32 = 0;
    pub const READ_ONLY: u32 = 1;
    pub const WRITE_ONCE: u32 = 2;
    pub const REWRITABLE: u32 = 3;
    pub const OVERWRITABLE: u32 = 4;
}

/// Partition Descriptor (ECMA-167 3/10.5, UDF 2.2.14), 512 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub sequence_number: u32,
    pub flags: u16,
    pub number: u16,
    /// "+NSR02" or "+NSR03".
    pub contents: EntityId,
    pub access_type: u32,
    /// Absolute block of partition block 0.
    pub start: u32,
    /// Length in blocks.
    pub length: u32,
    pub implementation: EntityId,
}

impl Partition {
    pub const LEN: usize = 512;

    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        need("partition descriptor", buf, Self::LEN)?;
        tag::verify_as(&buf[..Self::LEN], TagId::PARTITION, None)?;
        Ok(Partition {
            sequence_number: le::u32(buf, 16),
            flags: le::u16(buf, 20),
            number: le::u16(buf, 22),
            contents: EntityId::parse(&buf[24..])?,
            access_type: le::u32(buf, 184),
            start: le::u32(buf, 188),
            length: le::u32(buf, 192),
            implementation: EntityId::parse(&buf[196..])?,
        })
    }

    pub fn emit(&self, spec: TagSpec, location: u32, buf: &mut [u8]) {
        let b = zeroed(buf, Self::LEN);
        le::put_u32(b, 16, self.sequence_number);
        le::put_u16(b, 20, self.flags);
        le::put_u16(b, 22, self.number);
        self.contents.emit(&mut b[24..]);
        // 56..184: the partition header descriptor, all zero on read-only media.
        le::put_u32(b, 184, self.access_type);
        le::put_u32(b, 188, self.start);
        le::put_u32(b, 192, self.length);
        self.implementation.emit(&mut b[196..]);
        tag::seal(b, TagId::PARTITION, spec, location, Self::LEN);
    }
}

/// One partition map of a logical volume (ECMA-167 3/10.7, UDF 2.2.8–2.2.10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartitionMap {
    /// Type 1: the partition with this number, as recorded.
    Physical { volume_sequence: u16, number: u16 },
    /// Type 2 "*UDF Virtual Partition": blocks are mapped through a VAT.
    Virtual {
        number: u16,
        revision: crate::Revision,
    },
    /// Type 2 "*UDF Sparable Partition": packets may be relocated through a sparing table.
    Sparable {
        number: u16,
        packet_length: u16,
        table_size: u32,
        tables: Vec<u32>,
    },
    /// Type 2 "*UDF Metadata Partition" (UDF 2.50): ICBs live in a metadata file.
    Metadata {
        number: u16,
        file_location: u32,
        mirror_location: u32,
        bitmap_location: u32,
        allocation_unit: u32,
        alignment_unit: u16,
        flags: u8,
    },
    /// A type-2 map this crate does not know, by its identifier.
    Unknown { identifier: Vec<u8> },
}

impl PartitionMap {
    /// Parses one map from the start of `buf`; returns it and its length.
    pub fn parse(buf: &[u8]) -> Result<(PartitionMap, usize), Error> {
        const WHAT: &str = "partition map";
        need(WHAT, buf, 2)?;
        let len = usize::from(buf[1]);
        match buf[0] {
            1 => {
                if len != 6 {
                    return Err(invalid(WHAT, format!("type 1 map of length {len}")));
                }
                need(WHAT, buf, 6)?;
                Ok((
                    PartitionMap::Physical {
                        volume_sequence: le::u16(buf, 2),
                        number: le::u16(buf, 4),
                    },
                    6,
                ))
            }
            2 => {
                if len != 64 {
                    return Err(invalid(WHAT, format!("type 2 map of length {len}")));
                }
                need(WHAT, buf, 64)?;
                let id = EntityId::parse(&buf[4..])?;
                let number = le::u16(buf, 38);
                let map = if id.is(b"*UDF Virtual Partition") {
                    PartitionMap::Virtual {
                        number,
                        revision: id.suffix_revision(),
                    }
                } else if id.is(b"*UDF Sparable Partition") {
                    let count = usize::from(buf[42]);
                    if count == 0 || count > 4 {
                        return Err(invalid(WHAT, format!("{count} sparing tables (1 to 4)")));
                    }
                    PartitionMap::Sparable {
                        number,
                        packet_length: le::u16(buf, 40),
                        table_size: le::u32(buf, 44),
                        tables: (0..count).map(|i| le::u32(buf, 48 + 4 * i)).collect(),
                    }
                } else if id.is(b"*UDF Metadata Partition") {
                    PartitionMap::Metadata {
                        number,
                        file_location: le::u32(buf, 40),
                        mirror_location: le::u32(buf, 44),
                        bitmap_location: le::u32(buf, 48),
                        allocation_unit: le::u32(buf, 52),
                        alignment_unit: le::u16(buf, 56),
                        flags: buf[58],
                    }
                } else {
                    PartitionMap::Unknown {
                        identifier: id.name().to_vec(),
                    }
                };
                Ok((map, 64))
            }
            t => Err(invalid(WHAT, format!("map type {t}"))),
        }
    }

    /// The recorded length of this map (6 for type 1, 64 for type 2).
    pub fn len(&self) -> usize {
        match self {
            PartitionMap::Physical { .. } => 6,
            _ => 64,
        }
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// Writes a type-1 map (the only kind discburn writes).
    pub fn emit(&self, buf: &mut [u8]) {
        match self {
            PartitionMap::Physical {
                volume_sequence,
                number,
            } => {
                buf[0] = 1;
                buf[1] = 6;
                le::put_u16(buf, 2, *volume_sequence);
                le::put_u16(buf, 4, *number);
            }
            other => unimplemented!("emitting {other:?}"),
        }
    }
}

/// Logical Volume Descriptor (ECMA-167 3/10.6, UDF 2.2.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalVolume {
    pub sequence_number: u32,
    pub identifier: String,
    pub block_size: u32,
    pub domain: EntityId,
    /// Where the file set descriptor is.
    pub file_set: LongAd,
    pub implementation: EntityId,
    pub integrity: ExtentAd,
    pub maps: Vec<PartitionMap>,
}

impl LogicalVolume {
    /// Fixed part before the partition maps.
    pub const FIXED_LEN: usize = 440;

    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        const WHAT: &str = "logical volume descriptor";
        need(WHAT, buf, Self::FIXED_LEN)?;
        let table_len = le::u32(buf, 264) as usize;
        let count = le::u32(buf, 268);
        if Self::FIXED_LEN + table_len > buf.len() {
            return Err(invalid(
                WHAT,
                format!("partition map table of {table_len} bytes runs past the block"),
            ));
        }
        tag::verify_as(buf, TagId::LOGICAL_VOLUME, None)?;
        let table = &buf[Self::FIXED_LEN..Self::FIXED_LEN + table_len];
        let mut maps = Vec::new();
        let mut at = 0;
        for _ in 0..count {
            let (map, len) = PartitionMap::parse(table.get(at..).unwrap_or_default())?;
            maps.push(map);
            at += len;
        }
        Ok(LogicalVolume {
            sequence_number: le::u32(buf, 16),
            identifier: cs0::decode_dstring(&buf[84..212])?,
            block_size: le::u32(buf, 212),
            domain: EntityId::parse(&buf[216..])?,
            file_set: LongAd::parse(&buf[248..])?,
            implementation: EntityId::parse(&buf[272..])?,
            integrity: ExtentAd::parse(&buf[432..])?,
            maps,
        })
    }

    /// Length of the recorded descriptor.
    pub fn buffer_len(&self) -> usize {
        Self::FIXED_LEN + self.maps.iter().map(PartitionMap::len).sum::<usize>()
    }

    pub fn emit(&self, spec: TagSpec, location: u32, buf: &mut [u8]) {
        let len = self.buffer_len();
        let b = zeroed(buf, len);
        le::put_u32(b, 16, self.sequence_number);
        Charspec::osta().emit(&mut b[20..]);
        cs0::encode_dstring(&self.identifier, &mut b[84..212]);
        le::put_u32(b, 212, self.block_size);
        self.domain.emit(&mut b[216..]);
        self.file_set.emit(&mut b[248..]);
        le::put_u32(b, 264, (len - Self::FIXED_LEN) as u32);
        le::put_u32(b, 268, self.maps.len() as u32);
        self.implementation.emit(&mut b[272..]);
        self.integrity.emit(&mut b[432..]);
        let mut at = Self::FIXED_LEN;
        for map in &self.maps {
            map.emit(&mut b[at..]);
            at += map.len();
        }
        tag::seal(b, TagId::LOGICAL_VOLUME, spec, location, len);
    }
}

/// Unallocated Space Descriptor (ECMA-167 3/10.8) with no extents (read-only media).
pub fn emit_unallocated_space(sequence_number: u32, spec: TagSpec, location: u32, buf: &mut [u8]) {
    let b = zeroed(buf, 24);
    le::put_u32(b, 16, sequence_number);
    tag::seal(b, TagId::UNALLOCATED_SPACE, spec, location, 24);
}

/// Terminating Descriptor (ECMA-167 3/10.9), 512 bytes.
pub fn emit_terminating(spec: TagSpec, location: u32, buf: &mut [u8]) {
    let b = zeroed(buf, 512);
    tag::seal(b, TagId::TERMINATING, spec, location, 512);
}

/// Logical Volume Integrity Descriptor (ECMA-167 3/10.10, UDF 2.2.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integrity {
    pub recorded: Timestamp,
    /// 0 open, 1 closed.
    pub integrity_type: u32,
    pub next: ExtentAd,
    /// The next UniqueID to hand out (logical volume header descriptor).
    pub next_unique_id: u64,
    pub free_space: Vec<u32>,
    pub sizes: Vec<u32>,
    pub implementation: EntityId,
    pub files: u32,
    pub directories: u32,
    pub min_read: crate::Revision,
    pub min_write: crate::Revision,
    pub max_write: crate::Revision,
}

impl Integrity {
    pub const CLOSED: u32 = 1;

    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        const WHAT: &str = "logical volume integrity descriptor";
        need(WHAT, buf, 80)?;
        let n = le::u32(buf, 72) as usize;
        let iu_len = le::u32(buf, 76) as usize;
        let tables_end = n
            .checked_mul(8)
            .and_then(|t| t.checked_add(80))
            .filter(|&e| e <= buf.len())
            .ok_or_else(|| invalid(WHAT, format!("{n} partitions do not fit the block")))?;
        let len = tables_end
            .checked_add(iu_len)
            .filter(|&e| e <= buf.len())
            .ok_or_else(|| invalid(WHAT, "implementation use runs past the block"))?;
        tag::verify_as(buf, TagId::INTEGRITY, None)?;
        let iu = &buf[tables_end..len];
        let (implementation, files, directories, min_read, min_write, max_write) = if iu.len() >= 46
        {
            (
                EntityId::parse(iu)?,
                le::u32(iu, 32),
                le::u32(iu, 36),
                crate::Revision(le::u16(iu, 40)),
                crate::Revision(le::u16(iu, 42)),
                crate::Revision(le::u16(iu, 44)),
            )
        } else {
            let none = crate::Revision(0);
            (EntityId::plain(b""), 0, 0, none, none, none)
        };
        Ok(Integrity {
            recorded: Timestamp::parse(&buf[16..])?,
            integrity_type: le::u32(buf, 28),
            next: ExtentAd::parse(&buf[32..])?,
            next_unique_id: le::u64(buf, 40),
            free_space: (0..n).map(|i| le::u32(buf, 80 + 4 * i)).collect(),
            sizes: (0..n).map(|i| le::u32(buf, 80 + 4 * n + 4 * i)).collect(),
            implementation,
            files,
            directories,
            min_read,
            min_write,
            max_write,
        })
    }

    pub fn buffer_len(&self) -> usize {
        80 + 8 * self.free_space.len() + 46
    }

    pub fn emit(&self, spec: TagSpec, location: u32, buf: &mut [u8]) {
        let n = self.free_space.len();
        assert_eq!(n, self.sizes.len(), "one size per free-space entry");
        let len = self.buffer_len();
        let b = zeroed(buf, len);
        self.recorded.emit(&mut b[16..]);
        le::put_u32(b, 28, self.integrity_type);
        self.next.emit(&mut b[32..]);
        le::put_u64(b, 40, self.next_unique_id);
        le::put_u32(b, 72, n as u32);
        le::put_u32(b, 76, 46);
        for (i, v) in self.free_space.iter().enumerate() {
            le::put_u32(b, 80 + 4 * i, *v);
        }
        for (i, v) in self.sizes.iter().enumerate() {
            le::put_u32(b, 80 + 4 * n + 4 * i, *v);
        }
        let iu = 80 + 8 * n;
        self.implementation.emit(&mut b[iu..]);
        le::put_u32(b, iu + 32, self.files);
        le::put_u32(b, iu + 36, self.directories);
        le::put_u16(b, iu + 40, self.min_read.0);
        le::put_u16(b, iu + 42, self.min_write.0);
        le::put_u16(b, iu + 44, self.max_write.0);
        tag::seal(b, TagId::INTEGRITY, spec, location, len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::LbAddr;
    use crate::Revision;

    const SPEC: TagSpec = TagSpec {
        version: 2,
        serial: 0,
    };

    // genisoimage 1.1.11's anchor at block 256 (main VDS 32, reserve 48, 16 blocks each).
    fn genisoimage_anchor() -> Vec<u8> {
        let mut b = vec![0u8; 512];
        b[..32].copy_from_slice(&[
            0x02, 0x00, 0x02, 0x00, 0xce, 0x00, 0x00, 0x00, 0x01, 0xd7, 0xf0, 0x01, 0x00, 0x01,
            0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00,
            0x30, 0x00, 0x00, 0x00,
        ]);
        b
    }

    #[test]
    fn anchor_parse_and_emit() {
        let fixture = genisoimage_anchor();
        let avdp = AnchorPointer::parse(&fixture).unwrap();
        assert_eq!(avdp.tag.location, 256);
        assert_eq!(
            avdp.main,
            ExtentAd {
                length: 32768,
                location: 32
            }
        );
        assert_eq!(avdp.reserve.location, 48);
        let mut out = vec![0xffu8; 512];
        AnchorPointer::emit(avdp.main, avdp.reserve, SPEC, 256, &mut out);
        assert_eq!(out, fixture);
    }

    #[test]
    fn logical_volume_round_trip() {
        let lvd = LogicalVolume {
            sequence_number: 3,
            identifier: "DISC".into(),
            block_size: 2048,
            domain: EntityId::domain(Revision::V2_01, 0),
            file_set: LongAd::with_unique_id(2048, LbAddr::default(), 0),
            implementation: EntityId::implementation(b"*discburn"),
            integrity: ExtentAd {
                length: 4096,
                location: 64,
            },
            maps: vec![PartitionMap::Physical {
                volume_sequence: 1,
                number: 0,
            }],
        };
        let mut b = vec![0u8; 2048];
        lvd.emit(SPEC, 35, &mut b);
        let tag = tag::verify(&b[..446], Some(35)).unwrap();
        assert_eq!(tag.crc_length, 430, "440 + 6 - 16, as genisoimage writes");
        assert_eq!(LogicalVolume::parse(&b).unwrap(), lvd);
    }

    #[test]
    fn type2_maps() {
        let mut map = [0u8; 64];
        map[0] = 2;
        map[1] = 64;
        EntityId::udf(b"*UDF Sparable Partition", Revision::V1_50).emit(&mut map[4..]);
        le::put_u16(&mut map, 38, 0);
        le::put_u16(&mut map, 40, 32);
        map[42] = 2;
        le::put_u32(&mut map, 44, 2048);
        le::put_u32(&mut map, 48, 100);
        le::put_u32(&mut map, 52, 5000);
        let (parsed, len) = PartitionMap::parse(&map).unwrap();
        assert_eq!(len, 64);
        assert_eq!(
            parsed,
            PartitionMap::Sparable {
                number: 0,
                packet_length: 32,
                table_size: 2048,
                tables: vec![100, 5000]
            }
        );
        map[42] = 9;
        assert!(PartitionMap::parse(&map).is_err());
        map[1] = 63;
        assert!(PartitionMap::parse(&map).is_err());
    }

    #[test]
    fn integrity_round_trip() {
        let lvid = Integrity {
            recorded: Timestamp::from_unix(1_700_000_000),
            integrity_type: Integrity::CLOSED,
            next: ExtentAd::default(),
            next_unique_id: 40,
            free_space: vec![0],
            sizes: vec![1234],
            implementation: EntityId::implementation(b"*discburn"),
            files: 7,
            directories: 2,
            min_read: Revision::V2_01,
            min_write: Revision::V2_01,
            max_write: Revision::V2_01,
        };
        let mut b = vec![0u8; 2048];
        lvid.emit(SPEC, 64, &mut b);
        assert_eq!(tag::verify(&b, Some(64)).unwrap().crc_length, 118);
        assert_eq!(Integrity::parse(&b).unwrap(), lvid);
        le::put_u32(&mut b, 72, 0x4000_0000);
        assert!(Integrity::parse(&b).is_err());
    }

    #[test]
    fn partition_and_primary_round_trip() {
        let pd = Partition {
            sequence_number: 2,
            flags: 1,
            number: 0,
            contents: EntityId::plain(b"+NSR03"),
            access_type: access::READ_ONLY,
            start: 257,
            length: 1000,
            implementation: EntityId::implementation(b"*discburn"),
        };
        let mut b = vec![0u8; 512];
        pd.emit(SPEC, 34, &mut b);
        assert_eq!(Partition::parse(&b).unwrap(), pd);
        let pvd = PrimaryVolume {
            sequence_number: 0,
            volume_identifier: "LABEL".into(),
            volume_set_identifier: "0123456789abcdefLABEL".into(),
            application: EntityId::implementation(b"*discburn"),
            implementation: EntityId::implementation(b"*discburn"),
            recorded: Timestamp::from_unix(0),
            interchange_level: 2,
            max_interchange_level: 2,
        };
        pvd.emit(SPEC, 32, &mut b);
        assert_eq!(PrimaryVolume::parse(&b).unwrap(), pvd);
        assert!(Partition::parse(&b).is_err(), "a PVD is not a PD");
    }
}
