//! Shaping the medium (mmc.md §2.11–§2.14): FORMAT UNIT, READ FORMAT CAPACITIES, RESERVE
//! TRACK, CLOSE TRACK/SESSION, BLANK.

use super::{check_len, opcode, Cdb, CdbError};
use crate::bytes::{be16, be32, bit, flag, put16, put32};

/// FORMAT UNIT 04h (mmc.md §2.14): byte 1 b4 FmtData, b3 CmpList, b2..b0 format
/// code (001b). The parameter list is [`crate::format::FormatUnitParameters`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatUnit {
    pub fmt_data: bool,
    pub cmp_list: bool,
    pub format_code: u8,
}

impl Default for FormatUnit {
    fn default() -> Self {
        FormatUnit {
            fmt_data: true,
            cmp_list: false,
            format_code: 1,
        }
    }
}

impl FormatUnit {
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::FORMAT_UNIT);
        c.bytes[1] = flag(self.fmt_data, 4) | flag(self.cmp_list, 3) | (self.format_code & 7);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::FORMAT_UNIT, 6)?;
        Ok(FormatUnit {
            fmt_data: bit(cdb[1], 4),
            cmp_list: bit(cdb[1], 3),
            format_code: cdb[1] & 7,
        })
    }
}

/// READ FORMAT CAPACITIES 23h (mmc.md §2.14): 7-8 allocation length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadFormatCapacities {
    pub allocation_length: u16,
}

impl ReadFormatCapacities {
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::READ_FORMAT_CAPACITIES);
        put16(&mut c.bytes, 7, self.allocation_length);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::READ_FORMAT_CAPACITIES, 10)?;
        Ok(ReadFormatCapacities {
            allocation_length: be16(cdb, 7),
        })
    }
}

/// RESERVE TRACK 53h (mmc.md §2.12): byte 1 b0 ARSV; 5-8 size in blocks, or with
/// ARSV=1 2-5 an LBA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReserveTrack {
    /// ARSV=0: reserve this many blocks.
    Size(u32),
    /// ARSV=1: reserve up to this LBA.
    Lba(u32),
}

impl ReserveTrack {
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::RESERVE_TRACK);
        match *self {
            ReserveTrack::Size(n) => put32(&mut c.bytes, 5, n),
            ReserveTrack::Lba(lba) => {
                c.bytes[1] = 1;
                put32(&mut c.bytes, 2, lba);
            }
        }
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::RESERVE_TRACK, 10)?;
        Ok(if bit(cdb[1], 0) {
            ReserveTrack::Lba(be32(cdb, 2))
        } else {
            ReserveTrack::Size(be32(cdb, 5))
        })
    }
}

code_enum! {
    /// CLOSE TRACK/SESSION close function (mmc.md §2.11, byte 2 b2..b0).
    CloseFunction: u8 {
        /// 000b: DVD+RW quick stop of background format.
        StopBackgroundFormat = 0,
        /// 001b: close track / RZone / fragment.
        CloseTrack = 1,
        /// 010b: close session (CD: page 05 multi-session decides; DVD+R/BD-R stay appendable).
        CloseSession = 2,
        /// 011b: DVD-RW restricted overwrite finalize.
        FinalizeCompat = 3,
        /// 100b: DVD+R DL extended lead-out.
        CloseSessionExtended = 4,
        /// 101b: DVD+R finalize with minimal radius.
        FinalizeMinimalRadius = 5,
        /// 110b: finalize disc (DVD+R, BD-R).
        Finalize = 6,
    }
}

/// CLOSE TRACK/SESSION 5Bh (mmc.md §2.11): byte 1 b0 Immed, 2 b2..b0 close
/// function, 4-5 track number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseTrackSession {
    pub immed: bool,
    pub function: CloseFunction,
    pub track_number: u16,
}

impl CloseTrackSession {
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::CLOSE_TRACK_SESSION);
        c.bytes[1] = flag(self.immed, 0);
        c.bytes[2] = u8::from(self.function) & 7;
        put16(&mut c.bytes, 4, self.track_number);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::CLOSE_TRACK_SESSION, 10)?;
        Ok(CloseTrackSession {
            immed: bit(cdb[1], 0),
            function: CloseFunction::from(cdb[2] & 7),
            track_number: be16(cdb, 4),
        })
    }
}

code_enum! {
    /// BLANK type (mmc.md §2.13, byte 1 b2..b0).
    BlankType: u8 {
        /// 000b: whole disc.
        Full = 0,
        /// 001b: minimal (PMA, TOC, first pre-gap).
        Minimal = 1,
        /// 010b: one track.
        Track = 2,
        /// 011b: unreserve a track.
        UnreserveTrack = 3,
        /// 100b: the tail of a track.
        TrackTail = 4,
        /// 101b: unclose the last session.
        UncloseSession = 5,
        /// 110b: the last session.
        LastSession = 6,
    }
}

/// BLANK A1h (mmc.md §2.13): byte 1 b4 Immed, b2..b0 type; 2-5 start address / track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blank {
    pub immed: bool,
    pub blank_type: BlankType,
    pub address: u32,
}

impl Blank {
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::BLANK);
        c.bytes[1] = flag(self.immed, 4) | (u8::from(self.blank_type) & 7);
        put32(&mut c.bytes, 2, self.address);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::BLANK, 12)?;
        Ok(Blank {
            immed: bit(cdb[1], 4),
            blank_type: BlankType::from(cdb[1] & 7),
            address: be32(cdb, 2),
        })
    }
}
