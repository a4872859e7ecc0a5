//! What the drive and the disc report (mmc.md §2.2–§2.7): READ TOC/PMA/ATIP, GET
//! CONFIGURATION, GET EVENT STATUS NOTIFICATION, READ DISC INFORMATION, READ TRACK
//! INFORMATION.

use super::{check_len, opcode, Cdb, CdbError};
use crate::bytes::{be16, be32, bit, flag, put16, put32};

code_enum! {
    /// READ TOC/PMA/ATIP format (mmc.md §2.7, byte 2 b3..b0).
    TocFormat: u8 {
        /// 0: formatted TOC.
        Toc = 0,
        /// 1: multi-session information.
        SessionInfo = 1,
        /// 2: raw (full) TOC, CD only.
        FullToc = 2,
        /// 3: PMA.
        Pma = 3,
        /// 4: ATIP, CD-R/RW only.
        Atip = 4,
        /// 5: CD-TEXT.
        CdText = 5,
    }
}

/// READ TOC/PMA/ATIP 43h (mmc.md §2.7): byte 1 b1 MSF, 2 b3..b0 format,
/// 6 track/session number, 7-8 allocation length, 9 control (b7..b6: the
/// format of old SFF-8020 drives, see [`ReadToc::requested_format`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadToc {
    pub msf: bool,
    pub format: TocFormat,
    pub track_session_number: u8,
    pub allocation_length: u16,
    pub control: u8,
}

impl ReadToc {
    /// The format an MMC drive answers with: byte 2, or when byte 2 says 0,
    /// the SFF-8020 field in byte 9 b7..b6 (mmc.md §2.7).
    pub fn requested_format(&self) -> TocFormat {
        match (u8::from(self.format), self.sff8020_format()) {
            (0, legacy) => TocFormat::from(legacy),
            _ => self.format,
        }
    }
    /// The format field of old (SFF-8020) drives: byte 9 b7..b6.
    pub fn sff8020_format(&self) -> u8 {
        self.control >> 6
    }
    pub fn new(
        format: TocFormat,
        msf: bool,
        track_session_number: u8,
        allocation_length: u16,
    ) -> Self {
        ReadToc {
            msf,
            format,
            track_session_number,
            allocation_length,
            control: 0,
        }
    }
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::READ_TOC_PMA_ATIP);
        c.bytes[1] = flag(self.msf, 1);
        c.bytes[2] = u8::from(self.format) & 0x0F;
        c.bytes[6] = self.track_session_number;
        put16(&mut c.bytes, 7, self.allocation_length);
        c.bytes[9] = self.control;
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::READ_TOC_PMA_ATIP, 10)?;
        Ok(ReadToc {
            msf: bit(cdb[1], 1),
            format: TocFormat::from(cdb[2] & 0x0F),
            track_session_number: cdb[6],
            allocation_length: be16(cdb, 7),
            control: cdb[9],
        })
    }
}

code_enum! {
    /// GET CONFIGURATION RT field (mmc.md §2.2, byte 1 b1..b0).
    RequestType: u8 {
        /// 00b: all features at or after the starting feature.
        All = 0,
        /// 01b: current features only.
        Current = 1,
        /// 10b: only the starting feature.
        One = 2,
    }
}

/// GET CONFIGURATION 46h (mmc.md §2.2): byte 1 b1..b0 RT, 2-3 starting feature,
/// 7-8 allocation length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetConfiguration {
    pub request_type: RequestType,
    pub starting_feature: u16,
    pub allocation_length: u16,
}

impl GetConfiguration {
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::GET_CONFIGURATION);
        c.bytes[1] = u8::from(self.request_type) & 3;
        put16(&mut c.bytes, 2, self.starting_feature);
        put16(&mut c.bytes, 7, self.allocation_length);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::GET_CONFIGURATION, 10)?;
        Ok(GetConfiguration {
            request_type: RequestType::from(cdb[1] & 3),
            starting_feature: be16(cdb, 2),
            allocation_length: be16(cdb, 7),
        })
    }
}

/// GET EVENT STATUS NOTIFICATION 4Ah (mmc.md §2.3): byte 1 b0 Polled (must be 1),
/// 4 notification class request (media = 0x10), 7-8 allocation length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetEventStatusNotification {
    pub polled: bool,
    pub class_request: u8,
    pub allocation_length: u16,
}

impl GetEventStatusNotification {
    /// Class request bit for media events.
    pub const MEDIA_CLASS: u8 = 0x10;

    pub fn media() -> Self {
        GetEventStatusNotification {
            polled: true,
            class_request: Self::MEDIA_CLASS,
            allocation_length: 8,
        }
    }
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::GET_EVENT_STATUS_NOTIFICATION);
        c.bytes[1] = flag(self.polled, 0);
        c.bytes[4] = self.class_request;
        put16(&mut c.bytes, 7, self.allocation_length);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::GET_EVENT_STATUS_NOTIFICATION, 10)?;
        Ok(GetEventStatusNotification {
            polled: bit(cdb[1], 0),
            class_request: cdb[4],
            allocation_length: be16(cdb, 7),
        })
    }
}

/// READ DISC INFORMATION 51h (mmc.md §2.5): byte 1 b2..b0 data type (0 standard),
/// 7-8 allocation length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadDiscInformation {
    pub data_type: u8,
    pub allocation_length: u16,
}

impl Default for ReadDiscInformation {
    fn default() -> Self {
        ReadDiscInformation {
            data_type: 0,
            allocation_length: 34,
        }
    }
}

impl ReadDiscInformation {
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::READ_DISC_INFORMATION);
        c.bytes[1] = self.data_type & 7;
        put16(&mut c.bytes, 7, self.allocation_length);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::READ_DISC_INFORMATION, 10)?;
        Ok(ReadDiscInformation {
            data_type: cdb[1] & 7,
            allocation_length: be16(cdb, 7),
        })
    }
}

/// What the value of READ TRACK INFORMATION names (mmc.md §2.6, byte 1 b1..b0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackAddress {
    /// 00b: the track containing this LBA.
    Lba(u32),
    /// 01b: a track number; 0xFF is the invisible track (CD, DVD+R only).
    Track(u32),
    /// 10b: the first track of this session number.
    Session(u32),
    /// 11b: reserved.
    Reserved(u32),
}

impl TrackAddress {
    /// The invisible (next writable) track, track number FFh.
    pub const INVISIBLE: TrackAddress = TrackAddress::Track(0xFF);
}

/// READ TRACK INFORMATION 52h (mmc.md §2.6): byte 1 b2 Open, b1..b0 address type,
/// 2-5 value, 7-8 allocation length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadTrackInformation {
    pub open: bool,
    pub address: TrackAddress,
    pub allocation_length: u16,
}

impl ReadTrackInformation {
    pub fn new(address: TrackAddress) -> Self {
        ReadTrackInformation {
            open: false,
            address,
            allocation_length: 48,
        }
    }
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::READ_TRACK_INFORMATION);
        let (kind, value) = match self.address {
            TrackAddress::Lba(v) => (0, v),
            TrackAddress::Track(v) => (1, v),
            TrackAddress::Session(v) => (2, v),
            TrackAddress::Reserved(v) => (3, v),
        };
        c.bytes[1] = flag(self.open, 2) | kind;
        put32(&mut c.bytes, 2, value);
        put16(&mut c.bytes, 7, self.allocation_length);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::READ_TRACK_INFORMATION, 10)?;
        let value = be32(cdb, 2);
        let address = match cdb[1] & 3 {
            0 => TrackAddress::Lba(value),
            1 => TrackAddress::Track(value),
            2 => TrackAddress::Session(value),
            _ => TrackAddress::Reserved(value),
        };
        Ok(ReadTrackInformation {
            open: bit(cdb[1], 2),
            address,
            allocation_length: be16(cdb, 7),
        })
    }
}
