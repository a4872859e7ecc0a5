//! READ FORMAT CAPACITIES answer and the FORMAT UNIT parameter list
//! (MMC-5 6.24, 6.5; mmc.md §2.14).

use crate::bytes::{be16, be24, be32, bit, flag, put24, put32};
use crate::ParseError;

code_enum! {
    /// Descriptor type of the current/maximum capacity descriptor (byte 8 b1..b0).
    CapacityDescriptorType: u8 {
        Reserved = 0,
        /// 01b: unformatted or blank medium, maximum capacity.
        Unformatted = 1,
        /// 10b: formatted medium, current capacity.
        Formatted = 2,
        /// 11b: no medium or unknown capacity.
        NoMedia = 3,
    }
}

/// Current/maximum capacity descriptor: 0-3 blocks, 4 b1..b0 type, 5-7 block length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentCapacity {
    pub blocks: u32,
    pub descriptor_type: CapacityDescriptorType,
    pub block_length: u32,
}

/// Formattable capacity descriptor: 0-3 blocks, 4 b7..b2 format type, b1..b0
/// sub-type (MMC-5 uses only the type; sub-type bits are reserved there),
/// 5-7 type dependent parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormattableCapacity {
    pub blocks: u32,
    pub format_type: u8,
    pub type_parameter: u32,
}

/// READ FORMAT CAPACITIES answer: 3 list length; 4-11 current/maximum
/// descriptor; then 8-byte formattable descriptors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatCapacities {
    pub current: CurrentCapacity,
    pub formattable: Vec<FormattableCapacity>,
}

impl FormatCapacities {
    /// Answer length stated by the header (list length + 4).
    pub fn total_length(header: &[u8]) -> Option<usize> {
        (header.len() >= 4).then(|| header[3] as usize + 4)
    }

    pub fn parse(b: &[u8]) -> Result<FormatCapacities, ParseError> {
        ParseError::need("format capacities", b, 12)?;
        let end = (b[3] as usize + 4).min(b.len());
        let current = CurrentCapacity {
            blocks: be32(b, 4),
            descriptor_type: CapacityDescriptorType::from(b[8] & 3),
            block_length: be24(b, 9),
        };
        let formattable = b
            .get(12..end.max(12))
            .unwrap_or(&[])
            .chunks_exact(8)
            .map(|d| FormattableCapacity {
                blocks: be32(d, 0),
                format_type: d[4] >> 2,
                type_parameter: be24(d, 5),
            })
            .collect();
        Ok(FormatCapacities {
            current,
            formattable,
        })
    }

    pub fn emit(&self) -> Vec<u8> {
        let mut b = vec![0u8; 12];
        put32(&mut b, 4, self.current.blocks);
        b[8] = u8::from(self.current.descriptor_type) & 3;
        put24(&mut b, 9, self.current.block_length);
        for d in self.formattable.iter().take(30) {
            let mut e = [0u8; 8];
            put32(&mut e, 0, d.blocks);
            e[4] = d.format_type << 2;
            put24(&mut e, 5, d.type_parameter);
            b.extend_from_slice(&e);
        }
        b[3] = (b.len() - 4) as u8;
        b
    }
}

/// Format types (mmc.md §2.14).
pub mod format_type {
    pub const FULL: u8 = 0x00;
    pub const SPARE_EXPANSION: u8 = 0x01;
    pub const DVD_RW_FULL: u8 = 0x10;
    /// CD-RW full format for fixed packets (the same code as DVD-RW's 10h;
    /// type parameter: the packet size in blocks).
    pub const CD_RW_FULL: u8 = 0x10;
    pub const DVD_RW_GROW: u8 = 0x11;
    pub const DVD_RW_QUICK_GROW: u8 = 0x13;
    pub const DVD_RW_QUICK: u8 = 0x15;
    pub const DVD_PLUS_RW_FULL: u8 = 0x26;
    pub const BD_RE_WITH_SPARES: u8 = 0x30;
    pub const BD_RE_NO_SPARES: u8 = 0x31;
    pub const BD_R_WITH_SPARES: u8 = 0x32;
}

/// FORMAT UNIT parameter list (12 bytes): header 1 b7 FOV, b5 DCRT, b1 Immed;
/// 2-3 descriptor length 8; descriptor 4-7 blocks, 8 b7..b2 type, b1..b0
/// sub-type, 9-11 type parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatUnitParameters {
    pub fov: bool,
    pub dcrt: bool,
    pub immed: bool,
    pub blocks: u32,
    pub format_type: u8,
    pub format_sub_type: u8,
    pub type_parameter: u32,
}

impl FormatUnitParameters {
    pub const LEN: usize = 12;

    /// DVD+RW full format, blocks FFFFFFFFh, Immed (mmc.md §5.5); `restart`
    /// resumes a suspended background format (byte 11 b0).
    pub fn dvd_plus_rw(restart: bool) -> Self {
        FormatUnitParameters {
            fov: false,
            dcrt: false,
            immed: true,
            blocks: 0xFFFF_FFFF,
            format_type: format_type::DVD_PLUS_RW_FULL,
            format_sub_type: 0,
            type_parameter: u32::from(restart),
        }
    }

    pub fn parse(b: &[u8]) -> Result<FormatUnitParameters, ParseError> {
        ParseError::need("format unit parameter list", b, Self::LEN)?;
        if be16(b, 2) != 8 {
            return Err(ParseError::Invalid {
                what: "format unit parameter list",
                why: "format descriptor length is not 8",
            });
        }
        Ok(FormatUnitParameters {
            fov: bit(b[1], 7),
            dcrt: bit(b[1], 5),
            immed: bit(b[1], 1),
            blocks: be32(b, 4),
            format_type: b[8] >> 2,
            format_sub_type: b[8] & 3,
            type_parameter: be24(b, 9),
        })
    }

    pub fn emit(&self) -> [u8; Self::LEN] {
        let mut b = [0u8; Self::LEN];
        b[1] = flag(self.fov, 7) | flag(self.dcrt, 5) | flag(self.immed, 1);
        b[3] = 8;
        put32(&mut b, 4, self.blocks);
        b[8] = (self.format_type << 2) | (self.format_sub_type & 3);
        put24(&mut b, 9, self.type_parameter);
        b
    }
}
