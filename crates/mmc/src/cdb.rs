//! Command descriptor blocks (mmc.md §2): one typed struct per command with
//! `to_cdb` (build the bytes) and `parse` (read them back, as a device or the
//! emulator does), plus [`Command`], the union of all of them.
//!
//! Field names follow MMC-5 / SPC-3; each struct cites its section of mmc.md.

use std::fmt;

use crate::bytes::{be16, be32, bit, flag, put16, put32};

mod extended;
pub use extended::{
    MechanismStatus, ReadCd, ReadDiscStructure, Seek10, SendOpcInformation, ServiceActionIn16,
    Verify10, WriteAndVerify10,
};

/// Operation codes (MMC-5 / SPC-3).
pub mod opcode {
    pub const TEST_UNIT_READY: u8 = 0x00;
    pub const REQUEST_SENSE: u8 = 0x03;
    pub const FORMAT_UNIT: u8 = 0x04;
    pub const INQUIRY: u8 = 0x12;
    pub const START_STOP_UNIT: u8 = 0x1B;
    pub const PREVENT_ALLOW_MEDIUM_REMOVAL: u8 = 0x1E;
    pub const READ_FORMAT_CAPACITIES: u8 = 0x23;
    pub const READ_CAPACITY: u8 = 0x25;
    pub const READ_10: u8 = 0x28;
    pub const WRITE_10: u8 = 0x2A;
    pub const SYNCHRONIZE_CACHE: u8 = 0x35;
    pub const READ_TOC_PMA_ATIP: u8 = 0x43;
    pub const GET_CONFIGURATION: u8 = 0x46;
    pub const GET_EVENT_STATUS_NOTIFICATION: u8 = 0x4A;
    pub const READ_DISC_INFORMATION: u8 = 0x51;
    pub const READ_TRACK_INFORMATION: u8 = 0x52;
    pub const RESERVE_TRACK: u8 = 0x53;
    pub const MODE_SELECT_10: u8 = 0x55;
    pub const MODE_SENSE_10: u8 = 0x5A;
    pub const CLOSE_TRACK_SESSION: u8 = 0x5B;
    pub const READ_BUFFER_CAPACITY: u8 = 0x5C;
    pub const BLANK: u8 = 0xA1;
    pub const READ_12: u8 = 0xA8;
    pub const WRITE_12: u8 = 0xAA;
    pub const GET_PERFORMANCE: u8 = 0xAC;
    pub const SET_STREAMING: u8 = 0xB6;
    pub const SET_CD_SPEED: u8 = 0xBB;
    pub const READ_CD: u8 = 0xBE;
    pub const SEND_OPC_INFORMATION: u8 = 0x54;
    pub const SEEK_10: u8 = 0x2B;
    pub const WRITE_AND_VERIFY_10: u8 = 0x2E;
    pub const VERIFY_10: u8 = 0x2F;
    pub const SERVICE_ACTION_IN_16: u8 = 0x9E;
    pub const READ_DISC_STRUCTURE: u8 = 0xAD;
    pub const MECHANISM_STATUS: u8 = 0xBD;
}

/// The name of an operation code, for messages ("READ DISC INFORMATION").
pub fn opcode_name(op: u8) -> &'static str {
    use opcode::*;
    match op {
        TEST_UNIT_READY => "TEST UNIT READY",
        REQUEST_SENSE => "REQUEST SENSE",
        FORMAT_UNIT => "FORMAT UNIT",
        INQUIRY => "INQUIRY",
        START_STOP_UNIT => "START STOP UNIT",
        PREVENT_ALLOW_MEDIUM_REMOVAL => "PREVENT ALLOW MEDIUM REMOVAL",
        READ_FORMAT_CAPACITIES => "READ FORMAT CAPACITIES",
        READ_CAPACITY => "READ CAPACITY",
        READ_10 => "READ(10)",
        WRITE_10 => "WRITE(10)",
        SYNCHRONIZE_CACHE => "SYNCHRONIZE CACHE",
        READ_TOC_PMA_ATIP => "READ TOC/PMA/ATIP",
        GET_CONFIGURATION => "GET CONFIGURATION",
        GET_EVENT_STATUS_NOTIFICATION => "GET EVENT STATUS NOTIFICATION",
        READ_DISC_INFORMATION => "READ DISC INFORMATION",
        READ_TRACK_INFORMATION => "READ TRACK INFORMATION",
        RESERVE_TRACK => "RESERVE TRACK",
        MODE_SELECT_10 => "MODE SELECT(10)",
        MODE_SENSE_10 => "MODE SENSE(10)",
        CLOSE_TRACK_SESSION => "CLOSE TRACK/SESSION",
        READ_BUFFER_CAPACITY => "READ BUFFER CAPACITY",
        BLANK => "BLANK",
        READ_12 => "READ(12)",
        WRITE_12 => "WRITE(12)",
        GET_PERFORMANCE => "GET PERFORMANCE",
        SET_STREAMING => "SET STREAMING",
        SET_CD_SPEED => "SET CD SPEED",
        READ_CD => "READ CD",
        SEND_OPC_INFORMATION => "SEND OPC INFORMATION",
        SEEK_10 => "SEEK(10)",
        WRITE_AND_VERIFY_10 => "WRITE AND VERIFY(10)",
        VERIFY_10 => "VERIFY(10)",
        SERVICE_ACTION_IN_16 => "SERVICE ACTION IN(16)",
        READ_DISC_STRUCTURE => "READ DISC STRUCTURE",
        MECHANISM_STATUS => "MECHANISM STATUS",
        _ => "unknown command",
    }
}

/// CDB length implied by the group code of an operation code (SPC-3 4.3.4).
pub fn cdb_length(op: u8) -> usize {
    match op >> 5 {
        0 => 6,
        1 | 2 => 10,
        4 => 16,
        5 => 12,
        _ => 12,
    }
}

/// A built CDB of 6, 10 or 12 bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Cdb {
    bytes: [u8; 16],
    len: u8,
}

impl Cdb {
    /// A zeroed CDB of the length the opcode's group implies, opcode set.
    pub fn new(op: u8) -> Cdb {
        let mut bytes = [0u8; 16];
        bytes[0] = op;
        Cdb {
            bytes,
            len: cdb_length(op) as u8,
        }
    }

    /// Copies raw bytes (at most 16) into a CDB.
    pub fn from_bytes(raw: &[u8]) -> Result<Cdb, CdbError> {
        if raw.is_empty() || raw.len() > 16 {
            return Err(CdbError::BadLength { len: raw.len() });
        }
        let mut bytes = [0u8; 16];
        bytes[..raw.len()].copy_from_slice(raw);
        Ok(Cdb {
            bytes,
            len: raw.len() as u8,
        })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    pub fn opcode(&self) -> u8 {
        self.bytes[0]
    }

    /// Mutable access to the CDB bytes (to patch an allocation length).
    pub fn as_mut_bytes(&mut self) -> &mut [u8] {
        &mut self.bytes[..self.len as usize]
    }
}

impl std::ops::Deref for Cdb {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl fmt::Debug for Cdb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cdb[{}:", opcode_name(self.opcode()))?;
        for b in self.as_bytes() {
            write!(f, " {b:02X}")?;
        }
        write!(f, "]")
    }
}

/// A CDB that cannot be parsed. A device answers 5/20/00 to
/// [`CdbError::UnknownOpcode`] and 5/24/00 to the others.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CdbError {
    #[error("unknown operation code {0:#04x}")]
    UnknownOpcode(u8),
    #[error("{name}: CDB of {len} bytes, expected {expected}")]
    TooShort {
        name: &'static str,
        len: usize,
        expected: usize,
    },
    #[error("CDB of {len} bytes")]
    BadLength { len: usize },
}

fn check_len(cdb: &[u8], op: u8, expected: usize) -> Result<(), CdbError> {
    if cdb.len() < expected {
        return Err(CdbError::TooShort {
            name: opcode_name(op),
            len: cdb.len(),
            expected,
        });
    }
    Ok(())
}

/// TEST UNIT READY 00h (mmc.md §2.1): all fields zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TestUnitReady;

impl TestUnitReady {
    pub fn to_cdb(&self) -> Cdb {
        Cdb::new(opcode::TEST_UNIT_READY)
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::TEST_UNIT_READY, 6)?;
        Ok(TestUnitReady)
    }
}

/// REQUEST SENSE 03h (mmc.md §2.1): byte 1 b0 DESC, byte 4 allocation length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestSense {
    pub desc: bool,
    pub allocation_length: u8,
}

impl Default for RequestSense {
    fn default() -> Self {
        RequestSense {
            desc: false,
            allocation_length: 18,
        }
    }
}

impl RequestSense {
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::REQUEST_SENSE);
        c.bytes[1] = flag(self.desc, 0);
        c.bytes[4] = self.allocation_length;
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::REQUEST_SENSE, 6)?;
        Ok(RequestSense {
            desc: bit(cdb[1], 0),
            allocation_length: cdb[4],
        })
    }
}

/// INQUIRY 12h (mmc.md §2.1): byte 1 b0 EVPD, 2 page code, 3-4 allocation length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inquiry {
    pub evpd: bool,
    pub page_code: u8,
    pub allocation_length: u16,
}

impl Default for Inquiry {
    fn default() -> Self {
        Inquiry {
            evpd: false,
            page_code: 0,
            allocation_length: 36,
        }
    }
}

impl Inquiry {
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::INQUIRY);
        c.bytes[1] = flag(self.evpd, 0);
        c.bytes[2] = self.page_code;
        put16(&mut c.bytes, 3, self.allocation_length);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::INQUIRY, 6)?;
        Ok(Inquiry {
            evpd: bit(cdb[1], 0),
            page_code: cdb[2],
            allocation_length: be16(cdb, 3),
        })
    }
}

/// START STOP UNIT 1Bh (mmc.md §2.15): byte 1 b0 Immed; byte 4 b1 LoEj, b0 Start.
/// LoEj+Start = load, LoEj alone = eject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StartStopUnit {
    pub immed: bool,
    pub load_eject: bool,
    pub start: bool,
}

impl StartStopUnit {
    pub fn eject() -> Self {
        StartStopUnit {
            immed: false,
            load_eject: true,
            start: false,
        }
    }
    pub fn load() -> Self {
        StartStopUnit {
            immed: false,
            load_eject: true,
            start: true,
        }
    }
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::START_STOP_UNIT);
        c.bytes[1] = flag(self.immed, 0);
        c.bytes[4] = flag(self.load_eject, 1) | flag(self.start, 0);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::START_STOP_UNIT, 6)?;
        Ok(StartStopUnit {
            immed: bit(cdb[1], 0),
            load_eject: bit(cdb[4], 1),
            start: bit(cdb[4], 0),
        })
    }
}

/// PREVENT ALLOW MEDIUM REMOVAL 1Eh (mmc.md §2.15): byte 4 b0 Prevent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PreventAllowMediumRemoval {
    pub prevent: bool,
}

impl PreventAllowMediumRemoval {
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::PREVENT_ALLOW_MEDIUM_REMOVAL);
        c.bytes[4] = flag(self.prevent, 0);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::PREVENT_ALLOW_MEDIUM_REMOVAL, 6)?;
        Ok(PreventAllowMediumRemoval {
            prevent: bit(cdb[4], 0),
        })
    }
}

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

/// READ CAPACITY 25h (mmc.md §2.4): no fields; the reply is 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadCapacity;

impl ReadCapacity {
    pub fn to_cdb(&self) -> Cdb {
        Cdb::new(opcode::READ_CAPACITY)
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::READ_CAPACITY, 10)?;
        Ok(ReadCapacity)
    }
}

/// READ(10) 28h / WRITE(10) 2Ah (mmc.md §2.9): byte 1 b3 FUA, 2-5 LBA, 7-8 blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rw10 {
    pub fua: bool,
    pub lba: u32,
    pub blocks: u16,
}

impl Rw10 {
    fn build(&self, op: u8) -> Cdb {
        let mut c = Cdb::new(op);
        c.bytes[1] = flag(self.fua, 3);
        put32(&mut c.bytes, 2, self.lba);
        put16(&mut c.bytes, 7, self.blocks);
        c
    }
    fn parse_op(cdb: &[u8], op: u8) -> Result<Self, CdbError> {
        check_len(cdb, op, 10)?;
        Ok(Rw10 {
            fua: bit(cdb[1], 3),
            lba: be32(cdb, 2),
            blocks: be16(cdb, 7),
        })
    }
}

/// READ(10) 28h (mmc.md §2.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Read10(pub Rw10);

impl Read10 {
    pub fn new(lba: u32, blocks: u16) -> Self {
        Read10(Rw10 {
            fua: false,
            lba,
            blocks,
        })
    }
    pub fn to_cdb(&self) -> Cdb {
        self.0.build(opcode::READ_10)
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        Rw10::parse_op(cdb, opcode::READ_10).map(Read10)
    }
}

/// WRITE(10) 2Ah (mmc.md §2.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Write10(pub Rw10);

impl Write10 {
    pub fn new(lba: u32, blocks: u16) -> Self {
        Write10(Rw10 {
            fua: false,
            lba,
            blocks,
        })
    }
    pub fn to_cdb(&self) -> Cdb {
        self.0.build(opcode::WRITE_10)
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        Rw10::parse_op(cdb, opcode::WRITE_10).map(Write10)
    }
}

/// READ(12) A8h / WRITE(12) AAh (mmc.md §2.9): byte 1 b3 FUA, 2-5 LBA,
/// 6-9 blocks, 10 b7 Streaming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rw12 {
    pub fua: bool,
    pub lba: u32,
    pub blocks: u32,
    pub streaming: bool,
}

impl Rw12 {
    fn build(&self, op: u8) -> Cdb {
        let mut c = Cdb::new(op);
        c.bytes[1] = flag(self.fua, 3);
        put32(&mut c.bytes, 2, self.lba);
        put32(&mut c.bytes, 6, self.blocks);
        c.bytes[10] = flag(self.streaming, 7);
        c
    }
    fn parse_op(cdb: &[u8], op: u8) -> Result<Self, CdbError> {
        check_len(cdb, op, 12)?;
        Ok(Rw12 {
            fua: bit(cdb[1], 3),
            lba: be32(cdb, 2),
            blocks: be32(cdb, 6),
            streaming: bit(cdb[10], 7),
        })
    }
}

/// READ(12) A8h (mmc.md §2.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Read12(pub Rw12);

impl Read12 {
    pub fn new(lba: u32, blocks: u32) -> Self {
        Read12(Rw12 {
            fua: false,
            lba,
            blocks,
            streaming: false,
        })
    }
    pub fn to_cdb(&self) -> Cdb {
        self.0.build(opcode::READ_12)
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        Rw12::parse_op(cdb, opcode::READ_12).map(Read12)
    }
}

/// WRITE(12) AAh (mmc.md §2.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Write12(pub Rw12);

impl Write12 {
    pub fn new(lba: u32, blocks: u32, streaming: bool) -> Self {
        Write12(Rw12 {
            fua: false,
            lba,
            blocks,
            streaming,
        })
    }
    pub fn to_cdb(&self) -> Cdb {
        self.0.build(opcode::WRITE_12)
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        Rw12::parse_op(cdb, opcode::WRITE_12).map(Write12)
    }
}

/// SYNCHRONIZE CACHE 35h (mmc.md §2.10): byte 1 b1 Immed, 2-5 LBA, 7-8 blocks (0 = all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SynchronizeCache {
    pub immed: bool,
    pub lba: u32,
    pub blocks: u16,
}

impl SynchronizeCache {
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::SYNCHRONIZE_CACHE);
        c.bytes[1] = flag(self.immed, 1);
        put32(&mut c.bytes, 2, self.lba);
        put16(&mut c.bytes, 7, self.blocks);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::SYNCHRONIZE_CACHE, 10)?;
        Ok(SynchronizeCache {
            immed: bit(cdb[1], 1),
            lba: be32(cdb, 2),
            blocks: be16(cdb, 7),
        })
    }
}

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

/// MODE SELECT(10) 55h (mmc.md §2.8): byte 1 b4 PF, b0 SP; 7-8 parameter list length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeSelect10 {
    pub page_format: bool,
    pub save_pages: bool,
    pub parameter_list_length: u16,
}

impl ModeSelect10 {
    pub fn new(parameter_list_length: u16) -> Self {
        ModeSelect10 {
            page_format: true,
            save_pages: false,
            parameter_list_length,
        }
    }
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::MODE_SELECT_10);
        c.bytes[1] = flag(self.page_format, 4) | flag(self.save_pages, 0);
        put16(&mut c.bytes, 7, self.parameter_list_length);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::MODE_SELECT_10, 10)?;
        Ok(ModeSelect10 {
            page_format: bit(cdb[1], 4),
            save_pages: bit(cdb[1], 0),
            parameter_list_length: be16(cdb, 7),
        })
    }
}

code_enum! {
    /// MODE SENSE page control (mmc.md §2.8, byte 2 b7..b6).
    PageControl: u8 {
        Current = 0,
        Changeable = 1,
        Default = 2,
        Saved = 3,
    }
}

/// MODE SENSE(10) 5Ah (mmc.md §2.8): byte 1 b3 DBD; 2 b7..b6 PC, b5..b0 page
/// code; 3 subpage; 7-8 allocation length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeSense10 {
    pub disable_block_descriptors: bool,
    pub page_control: PageControl,
    pub page_code: u8,
    pub subpage_code: u8,
    pub allocation_length: u16,
}

impl ModeSense10 {
    pub fn new(page_code: u8, page_control: PageControl, allocation_length: u16) -> Self {
        ModeSense10 {
            disable_block_descriptors: true,
            page_control,
            page_code,
            subpage_code: 0,
            allocation_length,
        }
    }
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::MODE_SENSE_10);
        c.bytes[1] = flag(self.disable_block_descriptors, 3);
        c.bytes[2] = (u8::from(self.page_control) << 6) | (self.page_code & 0x3F);
        c.bytes[3] = self.subpage_code;
        put16(&mut c.bytes, 7, self.allocation_length);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::MODE_SENSE_10, 10)?;
        Ok(ModeSense10 {
            disable_block_descriptors: bit(cdb[1], 3),
            page_control: PageControl::from(cdb[2] >> 6),
            page_code: cdb[2] & 0x3F,
            subpage_code: cdb[3],
            allocation_length: be16(cdb, 7),
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

/// READ BUFFER CAPACITY 5Ch (mmc.md §2.15): byte 1 b0 Block, 7-8 allocation length (12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadBufferCapacity {
    pub block: bool,
    pub allocation_length: u16,
}

impl ReadBufferCapacity {
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::READ_BUFFER_CAPACITY);
        c.bytes[1] = flag(self.block, 0);
        put16(&mut c.bytes, 7, self.allocation_length);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::READ_BUFFER_CAPACITY, 10)?;
        Ok(ReadBufferCapacity {
            block: bit(cdb[1], 0),
            allocation_length: be16(cdb, 7),
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

/// GET PERFORMANCE ACh (mmc.md §2.15): byte 1 data type (for type 0: b4..b3
/// tolerance, b2 Write, b1..b0 except), 2-5 starting LBA, 8-9 maximum number of
/// descriptors, 10 type (00h nominal performance, 03h write speed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetPerformance {
    pub data_type: u8,
    pub starting_lba: u32,
    pub max_descriptors: u16,
    pub performance_type: u8,
}

impl GetPerformance {
    /// Type 03h: the write speeds the drive offers for the current medium.
    pub fn write_speeds(max_descriptors: u16) -> Self {
        GetPerformance {
            data_type: 0,
            starting_lba: 0,
            max_descriptors,
            performance_type: 3,
        }
    }
    /// Type 00h, write, tolerance 10b (mmc.md §2.15: "e.g. 10h" plus Write = 14h).
    pub fn nominal_write(max_descriptors: u16) -> Self {
        GetPerformance {
            data_type: 0x14,
            starting_lba: 0,
            max_descriptors,
            performance_type: 0,
        }
    }
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::GET_PERFORMANCE);
        c.bytes[1] = self.data_type;
        put32(&mut c.bytes, 2, self.starting_lba);
        put16(&mut c.bytes, 8, self.max_descriptors);
        c.bytes[10] = self.performance_type;
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::GET_PERFORMANCE, 12)?;
        Ok(GetPerformance {
            data_type: cdb[1],
            starting_lba: be32(cdb, 2),
            max_descriptors: be16(cdb, 8),
            performance_type: cdb[10],
        })
    }
}

/// SET STREAMING B6h (mmc.md §2.15): byte 8 type (0 = performance descriptor),
/// 9-10 parameter list length (28). The descriptor is
/// [`crate::speed::PerformanceDescriptor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetStreaming {
    pub descriptor_type: u8,
    pub parameter_list_length: u16,
}

impl Default for SetStreaming {
    fn default() -> Self {
        SetStreaming {
            descriptor_type: 0,
            parameter_list_length: 28,
        }
    }
}

impl SetStreaming {
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::SET_STREAMING);
        c.bytes[8] = self.descriptor_type;
        put16(&mut c.bytes, 9, self.parameter_list_length);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::SET_STREAMING, 12)?;
        Ok(SetStreaming {
            descriptor_type: cdb[8],
            parameter_list_length: be16(cdb, 9),
        })
    }
}

/// SET CD SPEED BBh (mmc.md §2.15): byte 1 b1..b0 rotational control, 2-3 read
/// speed, 4-5 write speed, in kB/s (1000 bytes); FFFFh = maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetCdSpeed {
    pub rotational_control: u8,
    pub read_speed: u16,
    pub write_speed: u16,
}

impl SetCdSpeed {
    /// Speed value meaning "as fast as possible".
    pub const MAX: u16 = 0xFFFF;

    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::SET_CD_SPEED);
        c.bytes[1] = self.rotational_control & 3;
        put16(&mut c.bytes, 2, self.read_speed);
        put16(&mut c.bytes, 4, self.write_speed);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::SET_CD_SPEED, 12)?;
        Ok(SetCdSpeed {
            rotational_control: cdb[1] & 3,
            read_speed: be16(cdb, 2),
            write_speed: be16(cdb, 4),
        })
    }
}

/// Any command of mmc.md §2 and of the read-only drives, parsed from a CDB
/// (what a device sees).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    TestUnitReady(TestUnitReady),
    RequestSense(RequestSense),
    Inquiry(Inquiry),
    StartStopUnit(StartStopUnit),
    PreventAllowMediumRemoval(PreventAllowMediumRemoval),
    FormatUnit(FormatUnit),
    ReadFormatCapacities(ReadFormatCapacities),
    ReadCapacity(ReadCapacity),
    Read10(Read10),
    Write10(Write10),
    SynchronizeCache(SynchronizeCache),
    ReadToc(ReadToc),
    GetConfiguration(GetConfiguration),
    GetEventStatusNotification(GetEventStatusNotification),
    ReadDiscInformation(ReadDiscInformation),
    ReadTrackInformation(ReadTrackInformation),
    ReserveTrack(ReserveTrack),
    ModeSelect10(ModeSelect10),
    ModeSense10(ModeSense10),
    CloseTrackSession(CloseTrackSession),
    ReadBufferCapacity(ReadBufferCapacity),
    Blank(Blank),
    Read12(Read12),
    Write12(Write12),
    GetPerformance(GetPerformance),
    SetStreaming(SetStreaming),
    SetCdSpeed(SetCdSpeed),
    SendOpcInformation(SendOpcInformation),
    ReadCd(ReadCd),
    Seek10(Seek10),
    Verify10(Verify10),
    WriteAndVerify10(WriteAndVerify10),
    ServiceActionIn16(ServiceActionIn16),
    ReadDiscStructure(ReadDiscStructure),
    MechanismStatus(MechanismStatus),
}

impl Command {
    /// Decodes a CDB. Unknown opcodes give [`CdbError::UnknownOpcode`] (a
    /// device answers 5/20/00).
    pub fn parse(cdb: &[u8]) -> Result<Command, CdbError> {
        use opcode::*;
        let op = *cdb.first().ok_or(CdbError::BadLength { len: 0 })?;
        Ok(match op {
            TEST_UNIT_READY => Command::TestUnitReady(TestUnitReady::parse(cdb)?),
            REQUEST_SENSE => Command::RequestSense(RequestSense::parse(cdb)?),
            INQUIRY => Command::Inquiry(Inquiry::parse(cdb)?),
            START_STOP_UNIT => Command::StartStopUnit(StartStopUnit::parse(cdb)?),
            PREVENT_ALLOW_MEDIUM_REMOVAL => {
                Command::PreventAllowMediumRemoval(PreventAllowMediumRemoval::parse(cdb)?)
            }
            FORMAT_UNIT => Command::FormatUnit(FormatUnit::parse(cdb)?),
            READ_FORMAT_CAPACITIES => {
                Command::ReadFormatCapacities(ReadFormatCapacities::parse(cdb)?)
            }
            READ_CAPACITY => Command::ReadCapacity(ReadCapacity::parse(cdb)?),
            READ_10 => Command::Read10(Read10::parse(cdb)?),
            WRITE_10 => Command::Write10(Write10::parse(cdb)?),
            SYNCHRONIZE_CACHE => Command::SynchronizeCache(SynchronizeCache::parse(cdb)?),
            READ_TOC_PMA_ATIP => Command::ReadToc(ReadToc::parse(cdb)?),
            GET_CONFIGURATION => Command::GetConfiguration(GetConfiguration::parse(cdb)?),
            GET_EVENT_STATUS_NOTIFICATION => {
                Command::GetEventStatusNotification(GetEventStatusNotification::parse(cdb)?)
            }
            READ_DISC_INFORMATION => Command::ReadDiscInformation(ReadDiscInformation::parse(cdb)?),
            READ_TRACK_INFORMATION => {
                Command::ReadTrackInformation(ReadTrackInformation::parse(cdb)?)
            }
            RESERVE_TRACK => Command::ReserveTrack(ReserveTrack::parse(cdb)?),
            MODE_SELECT_10 => Command::ModeSelect10(ModeSelect10::parse(cdb)?),
            MODE_SENSE_10 => Command::ModeSense10(ModeSense10::parse(cdb)?),
            CLOSE_TRACK_SESSION => Command::CloseTrackSession(CloseTrackSession::parse(cdb)?),
            READ_BUFFER_CAPACITY => Command::ReadBufferCapacity(ReadBufferCapacity::parse(cdb)?),
            BLANK => Command::Blank(Blank::parse(cdb)?),
            READ_12 => Command::Read12(Read12::parse(cdb)?),
            WRITE_12 => Command::Write12(Write12::parse(cdb)?),
            GET_PERFORMANCE => Command::GetPerformance(GetPerformance::parse(cdb)?),
            SET_STREAMING => Command::SetStreaming(SetStreaming::parse(cdb)?),
            SET_CD_SPEED => Command::SetCdSpeed(SetCdSpeed::parse(cdb)?),
            SEND_OPC_INFORMATION => Command::SendOpcInformation(SendOpcInformation::parse(cdb)?),
            READ_CD => Command::ReadCd(ReadCd::parse(cdb)?),
            SEEK_10 => Command::Seek10(Seek10::parse(cdb)?),
            VERIFY_10 => Command::Verify10(Verify10::parse(cdb)?),
            WRITE_AND_VERIFY_10 => Command::WriteAndVerify10(WriteAndVerify10::parse(cdb)?),
            SERVICE_ACTION_IN_16 => Command::ServiceActionIn16(ServiceActionIn16::parse(cdb)?),
            READ_DISC_STRUCTURE => Command::ReadDiscStructure(ReadDiscStructure::parse(cdb)?),
            MECHANISM_STATUS => Command::MechanismStatus(MechanismStatus::parse(cdb)?),
            other => return Err(CdbError::UnknownOpcode(other)),
        })
    }

    /// Builds the CDB bytes.
    pub fn to_cdb(&self) -> Cdb {
        match self {
            Command::TestUnitReady(c) => c.to_cdb(),
            Command::RequestSense(c) => c.to_cdb(),
            Command::Inquiry(c) => c.to_cdb(),
            Command::StartStopUnit(c) => c.to_cdb(),
            Command::PreventAllowMediumRemoval(c) => c.to_cdb(),
            Command::FormatUnit(c) => c.to_cdb(),
            Command::ReadFormatCapacities(c) => c.to_cdb(),
            Command::ReadCapacity(c) => c.to_cdb(),
            Command::Read10(c) => c.to_cdb(),
            Command::Write10(c) => c.to_cdb(),
            Command::SynchronizeCache(c) => c.to_cdb(),
            Command::ReadToc(c) => c.to_cdb(),
            Command::GetConfiguration(c) => c.to_cdb(),
            Command::GetEventStatusNotification(c) => c.to_cdb(),
            Command::ReadDiscInformation(c) => c.to_cdb(),
            Command::ReadTrackInformation(c) => c.to_cdb(),
            Command::ReserveTrack(c) => c.to_cdb(),
            Command::ModeSelect10(c) => c.to_cdb(),
            Command::ModeSense10(c) => c.to_cdb(),
            Command::CloseTrackSession(c) => c.to_cdb(),
            Command::ReadBufferCapacity(c) => c.to_cdb(),
            Command::Blank(c) => c.to_cdb(),
            Command::Read12(c) => c.to_cdb(),
            Command::Write12(c) => c.to_cdb(),
            Command::GetPerformance(c) => c.to_cdb(),
            Command::SetStreaming(c) => c.to_cdb(),
            Command::SetCdSpeed(c) => c.to_cdb(),
            Command::SendOpcInformation(c) => c.to_cdb(),
            Command::ReadCd(c) => c.to_cdb(),
            Command::Seek10(c) => c.to_cdb(),
            Command::Verify10(c) => c.to_cdb(),
            Command::WriteAndVerify10(c) => c.to_cdb(),
            Command::ServiceActionIn16(c) => c.to_cdb(),
            Command::ReadDiscStructure(c) => c.to_cdb(),
            Command::MechanismStatus(c) => c.to_cdb(),
        }
    }

    /// The command's name ("READ(10)").
    pub fn name(&self) -> &'static str {
        opcode_name(self.to_cdb().opcode())
    }
}
