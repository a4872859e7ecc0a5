//! File structures (ECMA-167 part 4, UDF 2.3): the file set descriptor, file
//! entries (FE and EFE) and their ICB tag, allocation descriptors and
//! allocation extents, file identifier descriptors, and UDF's sparing table
//! and virtual allocation table. They are addressed by partition block, and a
//! tag names the partition block it is recorded at.

use crate::tag::{self, Tag, TagId, TagSpec};
use crate::types::{Charspec, EntityId, ExtAd, LbAddr, LongAd, ShortAd, Timestamp};
use crate::{cs0, invalid, le, need, Error};

/// File Set Descriptor (ECMA-167 4/14.1, UDF 2.3.2), 512 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSet {
    pub tag: Tag,
    pub recorded: Timestamp,
    pub logical_volume_identifier: String,
    pub file_set_identifier: String,
    pub file_set_number: u32,
    pub root: LongAd,
    pub domain: EntityId,
    pub next_extent: LongAd,
    pub stream_directory: LongAd,
}

impl FileSet {
    pub const LEN: usize = 512;

    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        need("file set descriptor", buf, Self::LEN)?;
        let tag = tag::verify_as(&buf[..Self::LEN], TagId::FILE_SET, None)?;
        Ok(FileSet {
            tag,
            recorded: Timestamp::parse(&buf[16..])?,
            file_set_number: le::u32(buf, 40),
            logical_volume_identifier: cs0::decode_dstring(&buf[112..240]).unwrap_or_default(),
            file_set_identifier: cs0::decode_dstring(&buf[304..336]).unwrap_or_default(),
            root: LongAd::parse(&buf[400..])?,
            domain: EntityId::parse(&buf[416..])?,
            next_extent: LongAd::parse(&buf[448..])?,
            stream_directory: LongAd::parse(&buf[464..])?,
        })
    }

    pub fn emit(&self, spec: TagSpec, location: u32, buf: &mut [u8]) {
        let b = &mut buf[..Self::LEN];
        b.fill(0);
        self.recorded.emit(&mut b[16..]);
        le::put_u16(b, 28, 3); // interchange level
        le::put_u16(b, 30, 3);
        le::put_u32(b, 32, 1); // character set list: CS0
        le::put_u32(b, 36, 1);
        le::put_u32(b, 40, self.file_set_number);
        le::put_u32(b, 44, 0);
        Charspec::osta().emit(&mut b[48..]);
        cs0::encode_dstring(&self.logical_volume_identifier, &mut b[112..240]);
        Charspec::osta().emit(&mut b[240..]);
        cs0::encode_dstring(&self.file_set_identifier, &mut b[304..336]);
        self.root.emit(&mut b[400..]);
        self.domain.emit(&mut b[416..]);
        self.next_extent.emit(&mut b[448..]);
        self.stream_directory.emit(&mut b[464..]);
        tag::seal(b, TagId::FILE_SET, spec, location, Self::LEN);
    }
}

/// File types of the ICB tag (ECMA-167 4/14.6.6, UDF 2.3.5.2).
pub mod file_type {
    pub const UNSPECIFIED: u8 = 0;
    pub const DIRECTORY: u8 = 4;
    pub const FILE: u8 = 5;
    pub const BLOCK_DEVICE: u8 = 6;
    pub const CHAR_DEVICE: u8 = 7;
    pub const FIFO: u8 = 9;
    pub const SOCKET: u8 = 10;
    pub const SYMLINK: u8 = 12;
    pub const STREAM_DIRECTORY: u8 = 13;
    pub const VAT: u8 = 248;
    pub const REAL_TIME: u8 = 249;
    pub const METADATA: u8 = 250;
    pub const METADATA_MIRROR: u8 = 251;
    pub const METADATA_BITMAP: u8 = 252;
}

/// The ICB tag (ECMA-167 4/14.6), 20 bytes at offset 16 of a file entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcbTag {
    pub prior_entries: u32,
    /// 4 (UDF), or 4096 (accepted by Linux).
    pub strategy_type: u16,
    pub strategy_parameter: u16,
    pub max_entries: u16,
    pub file_type: u8,
    pub parent: LbAddr,
    pub flags: u16,
}

/// How a file entry records its data (ICB tag flags bits 0–2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdKind {
    Short,
    Long,
    Extended,
    /// The data itself sits in the allocation descriptor area.
    Embedded,
}

impl IcbTag {
    pub const LEN: usize = 20;

    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        need("ICB tag", buf, Self::LEN)?;
        Ok(IcbTag {
            prior_entries: le::u32(buf, 0),
            strategy_type: le::u16(buf, 4),
            strategy_parameter: le::u16(buf, 6),
            max_entries: le::u16(buf, 8),
            file_type: buf[11],
            parent: LbAddr::parse(&buf[12..])?,
            flags: le::u16(buf, 18),
        })
    }

    pub fn emit(&self, buf: &mut [u8]) {
        le::put_u32(buf, 0, self.prior_entries);
        le::put_u16(buf, 4, self.strategy_type);
        le::put_u16(buf, 6, self.strategy_parameter);
        le::put_u16(buf, 8, self.max_entries);
        buf[10] = 0;
        buf[11] = self.file_type;
        self.parent.emit(&mut buf[12..]);
        le::put_u16(buf, 18, self.flags);
    }

    pub fn ad_kind(&self) -> AdKind {
        match self.flags & 7 {
            0 => AdKind::Short,
            1 => AdKind::Long,
            2 => AdKind::Extended,
            _ => AdKind::Embedded,
        }
    }

    /// Setuid, setgid and sticky as POSIX mode bits (flags bits 6–8).
    pub fn special_mode_bits(&self) -> u32 {
        let mut mode = 0;
        if self.flags & (1 << 6) != 0 {
            mode |= 0o4000;
        }
        if self.flags & (1 << 7) != 0 {
            mode |= 0o2000;
        }
        if self.flags & (1 << 8) != 0 {
            mode |= 0o1000;
        }
        mode
    }
}

/// A File Entry (ECMA-167 4/14.9) or Extended File Entry (4/14.17).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub tag: Tag,
    /// An EFE (tag 0x10A) rather than an FE (0x105).
    pub extended: bool,
    pub icb: IcbTag,
    pub uid: u32,
    pub gid: u32,
    /// UDF permissions: 5 bits per class (x, w, r, chattr, delete); other in
    /// bits 0–4, group 5–9, owner 10–14.
    pub permissions: u32,
    pub link_count: u16,
    pub information_length: u64,
    pub blocks_recorded: u64,
    pub access_time: Timestamp,
    pub modification_time: Timestamp,
    /// EFE only (an FE has none).
    pub creation_time: Option<Timestamp>,
    pub attribute_time: Timestamp,
    pub checkpoint: u32,
    pub implementation: EntityId,
    pub unique_id: u64,
    pub extended_attributes: Vec<u8>,
    /// The raw allocation descriptor area (or the data, when embedded).
    pub allocation: Vec<u8>,
}

impl FileEntry {
    pub const FE_FIXED: usize = 176;
    pub const EFE_FIXED: usize = 216;

    /// Parses an FE or EFE from one block.
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        const WHAT: &str = "file entry";
        let tag = Tag::parse(buf)?;
        let extended = match tag.identifier {
            TagId::FILE_ENTRY => false,
            TagId::EXTENDED_FILE_ENTRY => true,
            other => {
                return Err(Error::WrongTag {
                    expected: "file entry",
                    found: other.0,
                })
            }
        };
        let fixed = if extended {
            Self::EFE_FIXED
        } else {
            Self::FE_FIXED
        };
        need(WHAT, buf, fixed)?;
        let (l_ea_at, l_ad_at) = (fixed - 8, fixed - 4);
        let l_ea = le::u32(buf, l_ea_at) as usize;
        let l_ad = le::u32(buf, l_ad_at) as usize;
        let end = fixed
            .checked_add(l_ea)
            .and_then(|e| e.checked_add(l_ad))
            .filter(|&e| e <= buf.len())
            .ok_or_else(|| {
                invalid(
                    WHAT,
                    format!("extended attributes ({l_ea}) and allocation descriptors ({l_ad}) run past the block"),
                )
            })?;
        if !l_ea.is_multiple_of(4) {
            return Err(invalid(WHAT, format!("L_EA {l_ea} is not a multiple of 4")));
        }
        tag::verify(buf, None)?;
        let b = buf;
        let times = |at: usize| Timestamp::parse(&b[at..]);
        let (access, modification, creation, attribute, checkpoint, implementation, unique) =
            if extended {
                (
                    times(80)?,
                    times(92)?,
                    Some(times(104)?),
                    times(116)?,
                    le::u32(b, 128),
                    EntityId::parse(&b[168..])?,
                    le::u64(b, 200),
                )
            } else {
                (
                    times(72)?,
                    times(84)?,
                    None,
                    times(96)?,
                    le::u32(b, 108),
                    EntityId::parse(&b[128..])?,
                    le::u64(b, 160),
                )
            };
        Ok(FileEntry {
            tag,
            extended,
            icb: IcbTag::parse(&b[16..])?,
            uid: le::u32(b, 36),
            gid: le::u32(b, 40),
            permissions: le::u32(b, 44),
            link_count: le::u16(b, 48),
            information_length: le::u64(b, 56),
            blocks_recorded: le::u64(b, if extended { 72 } else { 64 }),
            access_time: access,
            modification_time: modification,
            creation_time: creation,
            attribute_time: attribute,
            checkpoint,
            implementation,
            unique_id: unique,
            extended_attributes: b[fixed..fixed + l_ea].to_vec(),
            allocation: b[fixed + l_ea..end].to_vec(),
        })
    }

    /// Length of the recorded entry.
    pub fn buffer_len(&self) -> usize {
        let fixed = if self.extended {
            Self::EFE_FIXED
        } else {
            Self::FE_FIXED
        };
        fixed + self.extended_attributes.len() + self.allocation.len()
    }

    /// Writes the entry (FE or EFE per `extended`) at partition block `location`.
    pub fn emit(&self, spec: TagSpec, location: u32, buf: &mut [u8]) {
        let len = self.buffer_len();
        let b = &mut buf[..len];
        b.fill(0);
        self.icb.emit(&mut b[16..]);
        le::put_u32(b, 36, self.uid);
        le::put_u32(b, 40, self.gid);
        le::put_u32(b, 44, self.permissions);
        le::put_u16(b, 48, self.link_count);
        le::put_u64(b, 56, self.information_length);
        let (id, fixed) = if self.extended {
            le::put_u64(b, 64, self.information_length); // object size: no streams
            le::put_u64(b, 72, self.blocks_recorded);
            self.access_time.emit(&mut b[80..]);
            self.modification_time.emit(&mut b[92..]);
            self.creation_time
                .unwrap_or(self.modification_time)
                .emit(&mut b[104..]);
            self.attribute_time.emit(&mut b[116..]);
            le::put_u32(b, 128, self.checkpoint);
            self.implementation.emit(&mut b[168..]);
            le::put_u64(b, 200, self.unique_id);
            (TagId::EXTENDED_FILE_ENTRY, Self::EFE_FIXED)
        } else {
            le::put_u64(b, 64, self.blocks_recorded);
            self.access_time.emit(&mut b[72..]);
            self.modification_time.emit(&mut b[84..]);
            self.attribute_time.emit(&mut b[96..]);
            le::put_u32(b, 108, self.checkpoint);
            self.implementation.emit(&mut b[128..]);
            le::put_u64(b, 160, self.unique_id);
            (TagId::FILE_ENTRY, Self::FE_FIXED)
        };
        le::put_u32(b, fixed - 8, self.extended_attributes.len() as u32);
        le::put_u32(b, fixed - 4, self.allocation.len() as u32);
        let ea_end = fixed + self.extended_attributes.len();
        b[fixed..ea_end].copy_from_slice(&self.extended_attributes);
        b[ea_end..].copy_from_slice(&self.allocation);
        tag::seal(b, id, spec, location, len);
    }

    /// The allocation descriptors of this entry's own area.
    pub fn descriptors(&self) -> Result<Allocation, Error> {
        Allocation::parse(self.icb.ad_kind(), &self.allocation)
    }
}

/// One allocation descriptor of any kind, as a reader needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnyAd {
    pub length: u32,
    pub kind: crate::types::ExtentType,
    pub location: LbAddr,
    /// True when `location.partition` came from the ICB (a `short_ad`).
    pub same_partition: bool,
}

/// An allocation descriptor area, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allocation {
    /// The data is in the area itself.
    Embedded(Vec<u8>),
    /// Extents; a `short_ad` gets partition 0 and `same_partition` set.
    Extents(Vec<AnyAd>),
}

impl Allocation {
    /// Decodes an area. A descriptor of length 0 ends the list (ECMA-167
    /// 4/12.1); a partial trailing descriptor is an error.
    pub fn parse(kind: AdKind, area: &[u8]) -> Result<Allocation, Error> {
        const WHAT: &str = "allocation descriptors";
        let size = match kind {
            AdKind::Embedded => return Ok(Allocation::Embedded(area.to_vec())),
            AdKind::Short => ShortAd::LEN,
            AdKind::Long => LongAd::LEN,
            AdKind::Extended => ExtAd::LEN,
        };
        if !area.len().is_multiple_of(size) {
            return Err(invalid(
                WHAT,
                format!(
                    "{} bytes are not a whole number of {size}-byte descriptors",
                    area.len()
                ),
            ));
        }
        let mut out = Vec::with_capacity(area.len() / size);
        for chunk in area.chunks_exact(size) {
            let ad = match kind {
                AdKind::Short => {
                    let s = ShortAd::parse(chunk)?;
                    AnyAd {
                        length: s.length,
                        kind: s.kind,
                        location: LbAddr {
                            block: s.position,
                            partition: 0,
                        },
                        same_partition: true,
                    }
                }
                AdKind::Long => {
                    let l = LongAd::parse(chunk)?;
                    AnyAd {
                        length: l.length,
                        kind: l.kind,
                        location: l.location,
                        same_partition: false,
                    }
                }
                _ => {
                    let e = ExtAd::parse(chunk)?;
                    AnyAd {
                        length: e.length,
                        kind: e.kind,
                        location: e.location,
                        same_partition: false,
                    }
                }
            };
            if ad.length == 0 {
                break;
            }
            out.push(ad);
        }
        Ok(Allocation::Extents(out))
    }
}

/// Allocation Extent Descriptor (ECMA-167 4/14.5): more descriptors of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllocationExtent {
    pub tag: Tag,
    pub previous: u32,
    pub area: Vec<u8>,
}

impl AllocationExtent {
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        const WHAT: &str = "allocation extent descriptor";
        need(WHAT, buf, 24)?;
        let l_ad = le::u32(buf, 20) as usize;
        let end = 24usize
            .checked_add(l_ad)
            .filter(|&e| e <= buf.len())
            .ok_or_else(|| {
                invalid(
                    WHAT,
                    format!("{l_ad} bytes of descriptors run past the block"),
                )
            })?;
        // The CRC may cover only the header (UDF 2.3.11: "CRC length may be 8").
        let tag = tag::verify_as(buf, TagId::ALLOCATION_EXTENT, None)?;
        Ok(AllocationExtent {
            tag,
            previous: le::u32(buf, 16),
            area: buf[24..end].to_vec(),
        })
    }
}

/// File characteristics of a FID (ECMA-167 4/14.4.3).
pub mod characteristics {
    pub const HIDDEN: u8 = 0x01;
    pub const DIRECTORY: u8 = 0x02;
    pub const DELETED: u8 = 0x04;
    pub const PARENT: u8 = 0x08;
    pub const METADATA: u8 = 0x10;
}

/// File Identifier Descriptor (ECMA-167 4/14.4, UDF 2.3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileIdentifier {
    pub tag: Tag,
    pub version: u16,
    pub characteristics: u8,
    /// The entry's ICB.
    pub icb: LongAd,
    pub implementation_use: Vec<u8>,
    /// The name, CS0 (compression ID first); empty for the parent entry.
    pub identifier: Vec<u8>,
}

impl FileIdentifier {
    pub const FIXED_LEN: usize = 38;

    /// Length of a FID with these field lengths, padded to 4 bytes.
    pub fn padded_len(l_iu: usize, l_fi: usize) -> usize {
        (Self::FIXED_LEN + l_iu + l_fi + 3) & !3
    }

    /// Parses the FID at the start of `buf`; returns it and its padded length.
    /// The CRC must cover the whole padded FID (Linux ≥ 6.1 and 7-Zip demand it).
    pub fn parse(buf: &[u8]) -> Result<(Self, usize), Error> {
        const WHAT: &str = "file identifier descriptor";
        need(WHAT, buf, Self::FIXED_LEN)?;
        let tag = Tag::parse(buf)?;
        if tag.identifier != TagId::FILE_IDENTIFIER {
            return Err(Error::WrongTag {
                expected: "file identifier descriptor",
                found: tag.identifier.0,
            });
        }
        let l_fi = usize::from(buf[19]);
        let l_iu = usize::from(le::u16(buf, 36));
        if l_iu % 4 != 0 {
            return Err(invalid(WHAT, format!("L_IU {l_iu} is not a multiple of 4")));
        }
        let len = Self::padded_len(l_iu, l_fi);
        need(WHAT, buf, len)?;
        if usize::from(tag.crc_length) + 16 != len {
            return Err(invalid(
                WHAT,
                format!(
                    "CRC length {} does not cover the {len}-byte descriptor",
                    tag.crc_length
                ),
            ));
        }
        tag::verify(&buf[..len], None)?;
        let id_at = Self::FIXED_LEN + l_iu;
        Ok((
            FileIdentifier {
                tag,
                version: le::u16(buf, 16),
                characteristics: buf[18],
                icb: LongAd::parse(&buf[20..])?,
                implementation_use: buf[Self::FIXED_LEN..id_at].to_vec(),
                identifier: buf[id_at..id_at + l_fi].to_vec(),
            },
            len,
        ))
    }

    pub fn buffer_len(&self) -> usize {
        Self::padded_len(self.implementation_use.len(), self.identifier.len())
    }

    /// Writes the FID; `location` is the partition block holding its first byte.
    pub fn emit(&self, spec: TagSpec, location: u32, buf: &mut [u8]) {
        let len = self.buffer_len();
        let b = &mut buf[..len];
        b.fill(0);
        le::put_u16(b, 16, self.version);
        b[18] = self.characteristics;
        b[19] = self.identifier.len() as u8;
        self.icb.emit(&mut b[20..]);
        le::put_u16(b, 36, self.implementation_use.len() as u16);
        let id_at = Self::FIXED_LEN + self.implementation_use.len();
        b[Self::FIXED_LEN..id_at].copy_from_slice(&self.implementation_use);
        b[id_at..id_at + self.identifier.len()].copy_from_slice(&self.identifier);
        tag::seal(b, TagId::FILE_IDENTIFIER, spec, location, len);
    }

    pub fn is_parent(&self) -> bool {
        self.characteristics & characteristics::PARENT != 0
    }
    pub fn is_deleted(&self) -> bool {
        self.characteristics & characteristics::DELETED != 0
    }
    pub fn is_directory(&self) -> bool {
        self.characteristics & characteristics::DIRECTORY != 0
    }
}

/// Sparing Table (UDF 2.2.12): packets of a sparable partition moved elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparingTable {
    pub sequence_number: u32,
    /// (original packet's first block, block it now lives at), both
    /// partition-relative; originals ≥ 0xFFFFFFF0 are free or defective slots.
    pub entries: Vec<(u32, u32)>,
}

impl SparingTable {
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        const WHAT: &str = "sparing table";
        need(WHAT, buf, 56)?;
        let count = usize::from(le::u16(buf, 48));
        let end = 56 + 8 * count;
        if end > buf.len() {
            return Err(invalid(WHAT, format!("{count} entries run past the table")));
        }
        tag::verify_as(buf, TagId::SPARING_TABLE, None)?;
        EntityId::parse(&buf[16..])?.expect(WHAT, b"*UDF Sparing Table")?;
        Ok(SparingTable {
            sequence_number: le::u32(buf, 52),
            entries: (0..count)
                .map(|i| (le::u32(buf, 56 + 8 * i), le::u32(buf, 60 + 8 * i)))
                .collect(),
        })
    }
}

/// A Virtual Allocation Table (UDF 2.2.11): virtual block → physical partition block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vat {
    pub entries: Vec<u32>,
    /// The logical volume identifier of a 2.00 VAT header.
    pub logical_volume_identifier: Option<String>,
    pub previous: u32,
}

/// Marks an unused VAT entry.
pub const VAT_UNUSED: u32 = 0xFFFF_FFFF;

impl Vat {
    /// Parses a UDF 2.00+ VAT (file type 248): header, then 32-bit entries.
    pub fn parse_v200(data: &[u8]) -> Result<Vat, Error> {
        const WHAT: &str = "virtual allocation table";
        need(WHAT, data, 152)?;
        let header = usize::from(le::u16(data, 0));
        let l_iu = usize::from(le::u16(data, 2));
        if header < 152 || header != 152 + l_iu || header > data.len() {
            return Err(invalid(
                WHAT,
                format!("header length {header} (implementation use {l_iu})"),
            ));
        }
        Ok(Vat {
            entries: data[header..]
                .chunks_exact(4)
                .map(|c| le::u32(c, 0))
                .collect(),
            logical_volume_identifier: cs0::decode_dstring(&data[4..132]).ok(),
            previous: le::u32(data, 132),
        })
    }

    /// Parses a UDF 1.50 VAT (file type 0): entries, then "*UDF Virtual Alloc
    /// Tbl" and the previous VAT's location (36 bytes).
    pub fn parse_v150(data: &[u8]) -> Result<Vat, Error> {
        const WHAT: &str = "virtual allocation table";
        need(WHAT, data, 36)?;
        let trailer = data.len() - 36;
        EntityId::parse(&data[trailer..])?.expect(WHAT, b"*UDF Virtual Alloc Tbl")?;
        Ok(Vat {
            entries: data[..trailer - trailer % 4]
                .chunks_exact(4)
                .map(|c| le::u32(c, 0))
                .collect(),
            logical_volume_identifier: None,
            previous: le::u32(data, trailer + 32),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ExtentType;

    const SPEC: TagSpec = TagSpec {
        version: 2,
        serial: 0,
    };

    // The FIDs genisoimage 1.1.11 writes for a root holding "a.txt" and "sub"
    // (block 260 = partition block 3 of `genisoimage -J -R -udf`): the parent
    // (characteristics 0x0A, ICB lbn 2), "a.txt" (ICB lbn 6, unique ID 263),
    // "sub" (directory, ICB lbn 4, unique ID 261).
    static ROOT_FIDS: [u8; 40 + 44 + 44] = [
        0x01, 0x01, 0x02, 0x00, 0xc8, 0x00, 0x00, 0x00, 0x47, 0x62, 0x18, 0x00, 0x03, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x08, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
        0x01, 0x01, 0x02, 0x00, 0xdd, 0x00, 0x00, 0x00, 0x6e, 0x4c, 0x1c, 0x00, 0x03, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x07, 0x01, 0x00, 0x00, 0x00, 0x00, 0x08, 0x61, 0x2e, 0x74, 0x78, 0x74, //
        0x01, 0x01, 0x02, 0x00, 0x5e, 0x00, 0x00, 0x00, 0xb4, 0x87, 0x1c, 0x00, 0x03, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x08, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x08, 0x73, 0x75, 0x62, 0x00, 0x00,
    ];

    #[test]
    fn fids_parse_and_emit() {
        let mut at = 0;
        let mut fids = Vec::new();
        while at < ROOT_FIDS.len() {
            let (fid, len) = FileIdentifier::parse(&ROOT_FIDS[at..]).unwrap();
            assert_eq!(fid.tag.location, 3);
            let mut out = vec![0u8; len];
            fid.emit(SPEC, 3, &mut out);
            assert_eq!(out, &ROOT_FIDS[at..at + len]);
            fids.push(fid);
            at += len;
        }
        assert_eq!(fids.len(), 3);
        assert!(fids[0].is_parent() && fids[0].identifier.is_empty());
        assert_eq!(cs0::decode(&fids[1].identifier).unwrap(), "a.txt");
        assert_eq!(fids[1].icb.location.block, 6);
        assert_eq!(fids[1].icb.unique_id(), 263);
        assert!(fids[2].is_directory());
        assert_eq!(cs0::decode(&fids[2].identifier).unwrap(), "sub");
    }

    #[test]
    fn fid_with_short_crc_is_refused() {
        let mut bad = ROOT_FIDS[..40].to_vec();
        bad[10] = 0x10; // CRC length 16 instead of 24
        bad[4] = tag::checksum(&bad);
        assert!(FileIdentifier::parse(&bad).is_err());
    }

    fn sample_entry(extended: bool) -> FileEntry {
        let mut allocation = vec![0u8; 16];
        ShortAd {
            length: 6,
            kind: ExtentType::Recorded,
            position: 30,
        }
        .emit(&mut allocation);
        ShortAd {
            length: 0x3FFF_F800,
            kind: ExtentType::Recorded,
            position: 31,
        }
        .emit(&mut allocation[8..]);
        FileEntry {
            tag: Tag {
                identifier: if extended {
                    TagId::EXTENDED_FILE_ENTRY
                } else {
                    TagId::FILE_ENTRY
                },
                version: 2,
                serial: 0,
                crc: 0,
                crc_length: 0,
                location: 0,
            },
            extended,
            icb: IcbTag {
                prior_entries: 0,
                strategy_type: 4,
                strategy_parameter: 0,
                max_entries: 1,
                file_type: file_type::FILE,
                parent: LbAddr::default(),
                flags: 0,
            },
            uid: 1000,
            gid: 100,
            permissions: 0x14a5,
            link_count: 1,
            information_length: 0x3FFF_F806,
            blocks_recorded: 0x80000,
            access_time: Timestamp::from_unix(1_000_000),
            modification_time: Timestamp::from_unix(2_000_000),
            creation_time: extended.then(|| Timestamp::from_unix(500)),
            attribute_time: Timestamp::from_unix(3_000_000),
            checkpoint: 1,
            implementation: EntityId::implementation(b"*discburn"),
            unique_id: 21,
            extended_attributes: Vec::new(),
            allocation,
        }
    }

    #[test]
    fn file_entries_round_trip() {
        for extended in [false, true] {
            let fe = sample_entry(extended);
            let mut b = vec![0u8; 2048];
            fe.emit(SPEC, 9, &mut b);
            let back = FileEntry::parse(&b).unwrap();
            assert_eq!(back.tag.location, 9);
            assert_eq!(back.tag.crc_length as usize, fe.buffer_len() - 16);
            let FileEntry { tag: _, .. } = &back;
            let mut again = back.clone();
            again.tag = fe.tag;
            assert_eq!(again, fe);
            let Allocation::Extents(ads) = back.descriptors().unwrap() else {
                panic!("short ads expected")
            };
            assert_eq!(ads.len(), 2);
            assert_eq!(ads[1].location.block, 31);
            // An L_AD past the block is refused.
            let at = if extended { 212 } else { 172 };
            le::put_u32(&mut b, at, 4000);
            assert!(FileEntry::parse(&b).is_err());
        }
    }

    #[test]
    fn vat_formats() {
        let mut v2 = vec![0u8; 152 + 12];
        le::put_u16(&mut v2, 0, 152);
        cs0::encode_dstring("VATVOL", &mut v2[4..132]);
        le::put_u32(&mut v2, 132, VAT_UNUSED);
        for (i, e) in [5u32, 6, VAT_UNUSED].iter().enumerate() {
            le::put_u32(&mut v2, 152 + 4 * i, *e);
        }
        let vat = Vat::parse_v200(&v2).unwrap();
        assert_eq!(vat.entries, vec![5, 6, VAT_UNUSED]);
        assert_eq!(vat.logical_volume_identifier.as_deref(), Some("VATVOL"));
        le::put_u16(&mut v2, 0, 151);
        assert!(Vat::parse_v200(&v2).is_err());

        let mut v15 = vec![0u8; 8 + 36];
        le::put_u32(&mut v15, 0, 10);
        le::put_u32(&mut v15, 4, 11);
        EntityId::udf(b"*UDF Virtual Alloc Tbl", crate::Revision::V1_50).emit(&mut v15[8..]);
        assert_eq!(Vat::parse_v150(&v15).unwrap().entries, vec![10, 11]);
        v15[9] = b'X';
        assert!(Vat::parse_v150(&v15).is_err());
    }
}
