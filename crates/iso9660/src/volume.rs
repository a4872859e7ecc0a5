//! Volume descriptors (ECMA-119 8): the generic header (8.1), the primary
//! (8.4) and supplementary (8.5, Joliet) descriptors, and the terminator (8.3).

use crate::bytes::{
    both_u16, both_u32, put_both_u16, put_both_u32, put_u32_be, put_u32_le, u32_be, u32_le,
};
use crate::date::VolumeDate;
use crate::dirrec::DirectoryRecord;
use crate::{need, Error, SECTOR_SIZE, STANDARD_IDENTIFIER};

/// Volume descriptor type codes (ECMA-119 8.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DescriptorType {
    BootRecord,
    Primary,
    Supplementary,
    Partition,
    Terminator,
    Other(u8),
}

impl DescriptorType {
    pub fn from_code(code: u8) -> Self {
        match code {
            0 => Self::BootRecord,
            1 => Self::Primary,
            2 => Self::Supplementary,
            3 => Self::Partition,
            255 => Self::Terminator,
            other => Self::Other(other),
        }
    }
    pub fn code(self) -> u8 {
        match self {
            Self::BootRecord => 0,
            Self::Primary => 1,
            Self::Supplementary => 2,
            Self::Partition => 3,
            Self::Terminator => 255,
            Self::Other(c) => c,
        }
    }
}

/// Byte offsets of the primary / supplementary volume descriptor (ECMA-119 8.4, 8.5).
pub mod field {
    pub const TYPE: usize = 0;
    pub const STANDARD_ID: usize = 1; // 5 bytes "CD001"
    pub const VERSION: usize = 6;
    pub const VOLUME_FLAGS: usize = 7; // SVD only (8.5.3)
    pub const SYSTEM_ID: usize = 8; // 32
    pub const VOLUME_ID: usize = 40; // 32
    pub const VOLUME_SPACE_SIZE: usize = 80; // both u32
    pub const ESCAPE_SEQUENCES: usize = 88; // 32, SVD only (8.5.6)
    pub const VOLUME_SET_SIZE: usize = 120; // both u16
    pub const VOLUME_SEQUENCE: usize = 124; // both u16
    pub const LOGICAL_BLOCK_SIZE: usize = 128; // both u16
    pub const PATH_TABLE_SIZE: usize = 132; // both u32
    pub const L_PATH_TABLE: usize = 140; // LE u32
    pub const OPT_L_PATH_TABLE: usize = 144;
    pub const M_PATH_TABLE: usize = 148; // BE u32
    pub const OPT_M_PATH_TABLE: usize = 152;
    pub const ROOT_RECORD: usize = 156; // 34 bytes
    pub const VOLUME_SET_ID: usize = 190; // 128
    pub const PUBLISHER_ID: usize = 318; // 128
    pub const PREPARER_ID: usize = 446; // 128
    pub const APPLICATION_ID: usize = 574; // 128
    pub const COPYRIGHT_FILE_ID: usize = 702; // 37
    pub const ABSTRACT_FILE_ID: usize = 739; // 37
    pub const BIBLIOGRAPHIC_FILE_ID: usize = 776; // 37
    pub const CREATION_DATE: usize = 813; // 17
    pub const MODIFICATION_DATE: usize = 830;
    pub const EXPIRATION_DATE: usize = 847;
    pub const EFFECTIVE_DATE: usize = 864;
    pub const FILE_STRUCTURE_VERSION: usize = 881;
    pub const APPLICATION_USE: usize = 883; // 512
}

/// Rewrites the Volume Space Size (8.4.8) of a primary or supplementary
/// descriptor in place: what a growable image's LBA-16 copy changes so that
/// the volume spans every session (multisession.md §2.1).
pub fn set_volume_space_size(descriptor: &mut [u8], blocks: u32) {
    put_both_u32(descriptor, field::VOLUME_SPACE_SIZE, blocks);
}

/// Joliet escape sequences (Joliet specification, 1995): UCS-2 level 1, 2, 3.
pub const JOLIET_LEVEL1: &[u8; 3] = b"%/@";
pub const JOLIET_LEVEL2: &[u8; 3] = b"%/C";
pub const JOLIET_LEVEL3: &[u8; 3] = b"%/E";

/// The Joliet level named by an SVD's escape sequences field, if any.
pub fn joliet_level(escape_sequences: &[u8]) -> Option<u8> {
    let seq = escape_sequences.get(..3)?;
    match seq {
        s if s == JOLIET_LEVEL1 => Some(1),
        s if s == JOLIET_LEVEL2 => Some(2),
        s if s == JOLIET_LEVEL3 => Some(3),
        _ => None,
    }
}

/// The 7-byte header every volume descriptor starts with (ECMA-119 8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DescriptorHeader {
    pub descriptor_type: DescriptorType,
    pub version: u8,
}

impl DescriptorHeader {
    pub const LEN: usize = 7;

    /// Parses the header; fails if the standard identifier is not `CD001`.
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        need("volume descriptor header", buf, Self::LEN)?;
        if &buf[field::STANDARD_ID..field::STANDARD_ID + 5] != STANDARD_IDENTIFIER {
            return Err(Error::Invalid {
                what: "volume descriptor",
                reason: "standard identifier is not CD001",
            });
        }
        Ok(DescriptorHeader {
            descriptor_type: DescriptorType::from_code(buf[field::TYPE]),
            version: buf[field::VERSION],
        })
    }

    pub fn emit(&self, buf: &mut [u8]) {
        buf[field::TYPE] = self.descriptor_type.code();
        buf[field::STANDARD_ID..field::STANDARD_ID + 5].copy_from_slice(STANDARD_IDENTIFIER);
        buf[field::VERSION] = self.version;
    }
}

/// Writes the volume descriptor set terminator (ECMA-119 8.3) into a 2048-byte sector.
pub fn emit_terminator(buf: &mut [u8]) {
    buf[..SECTOR_SIZE].fill(0);
    DescriptorHeader {
        descriptor_type: DescriptorType::Terminator,
        version: 1,
    }
    .emit(buf);
}

/// A primary (8.4) or supplementary (8.5) volume descriptor. Identifier fields
/// are kept as recorded (padded with spaces; UCS-2 for Joliet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeDescriptor {
    /// `Primary` or `Supplementary`.
    pub descriptor_type: DescriptorType,
    /// 1 for the PVD and for Joliet; 2 for an ISO 9660:1999 enhanced descriptor.
    pub version: u8,
    /// SVD only (8.5.3); zero in the PVD.
    pub volume_flags: u8,
    pub system_id: [u8; 32],
    pub volume_id: [u8; 32],
    pub volume_space_size: u32,
    /// SVD only (8.5.6); zero in the PVD.
    pub escape_sequences: [u8; 32],
    pub volume_set_size: u16,
    pub volume_sequence: u16,
    pub logical_block_size: u16,
    pub path_table_size: u32,
    pub l_path_table: u32,
    pub opt_l_path_table: u32,
    pub m_path_table: u32,
    pub opt_m_path_table: u32,
    /// Root directory record fields (the 34-byte record has no System Use).
    pub root_extent: u32,
    pub root_data_len: u32,
    pub root_date: crate::date::DirDate,
    pub volume_set_id: [u8; 128],
    pub publisher_id: [u8; 128],
    pub preparer_id: [u8; 128],
    pub application_id: [u8; 128],
    pub copyright_file_id: [u8; 37],
    pub abstract_file_id: [u8; 37],
    pub bibliographic_file_id: [u8; 37],
    pub creation_date: VolumeDate,
    pub modification_date: VolumeDate,
    pub expiration_date: VolumeDate,
    pub effective_date: VolumeDate,
    pub file_structure_version: u8,
    pub application_use: [u8; 512],
    /// What [`VolumeDescriptor::parse`] accepted that the standard does not
    /// allow but Linux isofs reads without complaint (a root record whose
    /// length or flags are wrong, dates that are not digits); empty for a
    /// well-formed descriptor. Not written by `emit`.
    pub lenient: Vec<&'static str>,
}

fn arr<const N: usize>(buf: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&buf[at..at + N]);
    out
}

impl VolumeDescriptor {
    /// Parses a 2048-byte primary or supplementary descriptor.
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        const WHAT: &str = "volume descriptor";
        need(WHAT, buf, SECTOR_SIZE)?;
        let header = DescriptorHeader::parse(buf)?;
        if !matches!(
            header.descriptor_type,
            DescriptorType::Primary | DescriptorType::Supplementary
        ) {
            return Err(Error::Invalid {
                what: WHAT,
                reason: "not a primary or supplementary descriptor",
            });
        }
        let mut lenient = Vec::new();
        // Linux (fs/isofs/inode.c) takes only the extent (and extended
        // attribute length) from this record, whatever its length, identifier
        // and flags say; the root's own `.` record describes it further. So a
        // malformed record is read by its fixed fields (ECMA-119 9.1).
        let raw = &buf[field::ROOT_RECORD..field::ROOT_RECORD + 34];
        let (root_extent, root_data_len, root_date) = match DirectoryRecord::parse(raw) {
            Ok(root) => {
                if !root.flags.directory() {
                    lenient.push("the root directory record is not flagged as a directory");
                }
                (root.extent, root.data_len, root.date)
            }
            Err(_) => {
                lenient.push("the root directory record's length or identifier is malformed");
                (
                    both_u32(raw, 2),
                    both_u32(raw, 10),
                    crate::date::DirDate::parse(&raw[18..25])?,
                )
            }
        };
        let mut date = |at: usize| {
            VolumeDate::parse(&buf[at..]).unwrap_or_else(|_| {
                lenient.push("a volume date is not digits (read as unset)");
                VolumeDate::UNSET
            })
        };
        let (creation_date, modification_date, expiration_date, effective_date) = (
            date(field::CREATION_DATE),
            date(field::MODIFICATION_DATE),
            date(field::EXPIRATION_DATE),
            date(field::EFFECTIVE_DATE),
        );
        Ok(VolumeDescriptor {
            descriptor_type: header.descriptor_type,
            version: header.version,
            volume_flags: buf[field::VOLUME_FLAGS],
            system_id: arr(buf, field::SYSTEM_ID),
            volume_id: arr(buf, field::VOLUME_ID),
            volume_space_size: both_u32(buf, field::VOLUME_SPACE_SIZE),
            escape_sequences: arr(buf, field::ESCAPE_SEQUENCES),
            volume_set_size: both_u16(buf, field::VOLUME_SET_SIZE),
            volume_sequence: both_u16(buf, field::VOLUME_SEQUENCE),
            logical_block_size: both_u16(buf, field::LOGICAL_BLOCK_SIZE),
            path_table_size: both_u32(buf, field::PATH_TABLE_SIZE),
            l_path_table: u32_le(buf, field::L_PATH_TABLE),
            opt_l_path_table: u32_le(buf, field::OPT_L_PATH_TABLE),
            m_path_table: u32_be(buf, field::M_PATH_TABLE),
            opt_m_path_table: u32_be(buf, field::OPT_M_PATH_TABLE),
            root_extent,
            root_data_len,
            root_date,
            volume_set_id: arr(buf, field::VOLUME_SET_ID),
            publisher_id: arr(buf, field::PUBLISHER_ID),
            preparer_id: arr(buf, field::PREPARER_ID),
            application_id: arr(buf, field::APPLICATION_ID),
            copyright_file_id: arr(buf, field::COPYRIGHT_FILE_ID),
            abstract_file_id: arr(buf, field::ABSTRACT_FILE_ID),
            bibliographic_file_id: arr(buf, field::BIBLIOGRAPHIC_FILE_ID),
            creation_date,
            modification_date,
            expiration_date,
            effective_date,
            file_structure_version: buf[field::FILE_STRUCTURE_VERSION],
            application_use: arr(buf, field::APPLICATION_USE),
            lenient,
        })
    }

    /// Writes the descriptor into a 2048-byte sector.
    pub fn emit(&self, buf: &mut [u8]) {
        let buf = &mut buf[..SECTOR_SIZE];
        buf.fill(0);
        DescriptorHeader {
            descriptor_type: self.descriptor_type,
            version: self.version,
        }
        .emit(buf);
        buf[field::VOLUME_FLAGS] = self.volume_flags;
        buf[field::SYSTEM_ID..field::SYSTEM_ID + 32].copy_from_slice(&self.system_id);
        buf[field::VOLUME_ID..field::VOLUME_ID + 32].copy_from_slice(&self.volume_id);
        put_both_u32(buf, field::VOLUME_SPACE_SIZE, self.volume_space_size);
        buf[field::ESCAPE_SEQUENCES..field::ESCAPE_SEQUENCES + 32]
            .copy_from_slice(&self.escape_sequences);
        put_both_u16(buf, field::VOLUME_SET_SIZE, self.volume_set_size);
        put_both_u16(buf, field::VOLUME_SEQUENCE, self.volume_sequence);
        put_both_u16(buf, field::LOGICAL_BLOCK_SIZE, self.logical_block_size);
        put_both_u32(buf, field::PATH_TABLE_SIZE, self.path_table_size);
        put_u32_le(buf, field::L_PATH_TABLE, self.l_path_table);
        put_u32_le(buf, field::OPT_L_PATH_TABLE, self.opt_l_path_table);
        put_u32_be(buf, field::M_PATH_TABLE, self.m_path_table);
        put_u32_be(buf, field::OPT_M_PATH_TABLE, self.opt_m_path_table);
        DirectoryRecord {
            ext_attr_len: 0,
            extent: self.root_extent,
            data_len: self.root_data_len,
            date: self.root_date,
            flags: crate::FileFlags(crate::FileFlags::DIRECTORY),
            file_unit_size: 0,
            interleave_gap: 0,
            volume_sequence: self.volume_sequence,
            file_id: &[0],
            system_use: &[],
        }
        .emit(&mut buf[field::ROOT_RECORD..]);
        buf[field::VOLUME_SET_ID..field::VOLUME_SET_ID + 128].copy_from_slice(&self.volume_set_id);
        buf[field::PUBLISHER_ID..field::PUBLISHER_ID + 128].copy_from_slice(&self.publisher_id);
        buf[field::PREPARER_ID..field::PREPARER_ID + 128].copy_from_slice(&self.preparer_id);
        buf[field::APPLICATION_ID..field::APPLICATION_ID + 128]
            .copy_from_slice(&self.application_id);
        buf[field::COPYRIGHT_FILE_ID..field::COPYRIGHT_FILE_ID + 37]
            .copy_from_slice(&self.copyright_file_id);
        buf[field::ABSTRACT_FILE_ID..field::ABSTRACT_FILE_ID + 37]
            .copy_from_slice(&self.abstract_file_id);
        buf[field::BIBLIOGRAPHIC_FILE_ID..field::BIBLIOGRAPHIC_FILE_ID + 37]
            .copy_from_slice(&self.bibliographic_file_id);
        self.creation_date.emit(&mut buf[field::CREATION_DATE..]);
        self.modification_date
            .emit(&mut buf[field::MODIFICATION_DATE..]);
        self.expiration_date
            .emit(&mut buf[field::EXPIRATION_DATE..]);
        self.effective_date.emit(&mut buf[field::EFFECTIVE_DATE..]);
        buf[field::FILE_STRUCTURE_VERSION] = self.file_structure_version;
        buf[field::APPLICATION_USE..field::APPLICATION_USE + 512]
            .copy_from_slice(&self.application_use);
    }

    /// A descriptor with every identifier blank (spaces, or UCS-2 spaces when
    /// `joliet` is true), block size 2048, volume set 1 of 1, dates unset.
    pub fn blank(joliet: bool) -> Self {
        fn spaces<const N: usize>(joliet: bool) -> [u8; N] {
            let mut out = [b' '; N];
            if joliet {
                for pair in out.chunks_exact_mut(2) {
                    pair[0] = 0;
                }
            }
            out
        }
        let mut escape_sequences = [0u8; 32];
        if joliet {
            escape_sequences[..3].copy_from_slice(JOLIET_LEVEL3);
        }
        VolumeDescriptor {
            descriptor_type: if joliet {
                DescriptorType::Supplementary
            } else {
                DescriptorType::Primary
            },
            version: 1,
            volume_flags: 0,
            system_id: spaces(joliet),
            volume_id: spaces(joliet),
            volume_space_size: 0,
            escape_sequences,
            volume_set_size: 1,
            volume_sequence: 1,
            logical_block_size: SECTOR_SIZE as u16,
            path_table_size: 0,
            l_path_table: 0,
            opt_l_path_table: 0,
            m_path_table: 0,
            opt_m_path_table: 0,
            root_extent: 0,
            root_data_len: 0,
            root_date: crate::date::DirDate::default(),
            volume_set_id: spaces(joliet),
            publisher_id: spaces(joliet),
            preparer_id: spaces(joliet),
            application_id: spaces(joliet),
            copyright_file_id: spaces(joliet),
            abstract_file_id: spaces(joliet),
            bibliographic_file_id: spaces(joliet),
            creation_date: VolumeDate::UNSET,
            modification_date: VolumeDate::UNSET,
            expiration_date: VolumeDate::UNSET,
            effective_date: VolumeDate::UNSET,
            file_structure_version: 1,
            application_use: [0; 512],
            lenient: Vec::new(),
        }
    }

    /// The Joliet level (1–3) if this is a Joliet supplementary descriptor.
    pub fn joliet_level(&self) -> Option<u8> {
        if self.descriptor_type != DescriptorType::Supplementary {
            return None;
        }
        joliet_level(&self.escape_sequences)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::DirDate;

    fn sample() -> VolumeDescriptor {
        let mut pvd = VolumeDescriptor::blank(false);
        pvd.volume_id[..4].copy_from_slice(b"DATA");
        pvd.volume_space_size = 300;
        pvd.path_table_size = 10;
        pvd.l_path_table = 19;
        pvd.m_path_table = 21;
        pvd.root_extent = 23;
        pvd.root_data_len = 2048;
        pvd.root_date = DirDate::from_unix(0);
        pvd.creation_date = VolumeDate::from_unix(1_700_000_000);
        pvd
    }

    #[test]
    fn emit_then_deconstruct_fields() {
        let mut buf = [0u8; 2048];
        sample().emit(&mut buf);
        assert_eq!(&buf[..8], b"\x01CD001\x01\x00");
        assert_eq!(&buf[field::VOLUME_ID..field::VOLUME_ID + 5], b"DATA ");
        assert_eq!(
            &buf[field::VOLUME_SPACE_SIZE..field::VOLUME_SPACE_SIZE + 8],
            &[44, 1, 0, 0, 0, 0, 1, 44]
        );
        assert_eq!(
            &buf[field::LOGICAL_BLOCK_SIZE..field::LOGICAL_BLOCK_SIZE + 4],
            &[0, 8, 8, 0]
        );
        assert_eq!(
            &buf[field::L_PATH_TABLE..field::L_PATH_TABLE + 4],
            &[19, 0, 0, 0]
        );
        assert_eq!(
            &buf[field::M_PATH_TABLE..field::M_PATH_TABLE + 4],
            &[0, 0, 0, 21]
        );
        assert_eq!(buf[field::ROOT_RECORD], 34);
        assert_eq!(buf[field::ROOT_RECORD + 25], 2);
        assert_eq!(
            &buf[field::CREATION_DATE..field::CREATION_DATE + 16],
            b"2023111422132000"
        );
        assert_eq!(buf[field::FILE_STRUCTURE_VERSION], 1);
    }

    #[test]
    fn parse_round_trip() {
        let mut buf = [0u8; 2048];
        sample().emit(&mut buf);
        assert_eq!(VolumeDescriptor::parse(&buf).unwrap(), sample());
        let mut again = [0u8; 2048];
        VolumeDescriptor::parse(&buf).unwrap().emit(&mut again);
        assert_eq!(buf, again);
    }

    #[test]
    fn joliet_and_terminator() {
        let mut svd = VolumeDescriptor::blank(true);
        svd.root_data_len = 2048;
        let mut buf = [0u8; 2048];
        svd.emit(&mut buf);
        assert_eq!(buf[0], 2);
        assert_eq!(
            &buf[field::ESCAPE_SEQUENCES..field::ESCAPE_SEQUENCES + 3],
            b"%/E"
        );
        assert_eq!(
            &buf[field::VOLUME_ID..field::VOLUME_ID + 4],
            &[0, b' ', 0, b' ']
        );
        let parsed = VolumeDescriptor::parse(&buf).unwrap();
        assert_eq!(parsed.joliet_level(), Some(3));
        assert_eq!(joliet_level(b"%/@"), Some(1));
        assert_eq!(joliet_level(b"%/C"), Some(2));
        assert_eq!(joliet_level(b"%/X"), None);
        emit_terminator(&mut buf);
        let h = DescriptorHeader::parse(&buf).unwrap();
        assert_eq!(h.descriptor_type, DescriptorType::Terminator);
        assert!(VolumeDescriptor::parse(&buf).is_err());
        buf[1] = b'X';
        assert!(DescriptorHeader::parse(&buf).is_err());
    }
}
