//! Command descriptor blocks (mmc.md §2): one typed struct per command with
//! `to_cdb` (build the bytes) and `parse` (read them back, as a device or the
//! emulator does), plus [`Command`], the union of all of them.
//!
//! Field names follow MMC-5 / SPC-3; each struct cites its section of mmc.md.
//!
//! One module per command family: `unit` (drive and unit), `rw` (block I/O), `info` (what
//! the drive and disc report), `recording` (format, reserve, close, blank), `mode` (mode
//! pages), `speed` (buffer and speed) and `extended` (commands outside the burn flow's core
//! set). Every type is re-exported here: `mmc::cdb::Read10` names it wherever it lives.

use std::fmt;

mod extended;
mod info;
mod mode;
mod recording;
mod rw;
mod speed;
mod unit;

pub use extended::{
    MechanismStatus, ReadCd, ReadDiscStructure, Seek10, SendOpcInformation, ServiceActionIn16,
    Verify10, WriteAndVerify10,
};
pub use info::{
    GetConfiguration, GetEventStatusNotification, ReadDiscInformation, ReadToc,
    ReadTrackInformation, RequestType, TocFormat, TrackAddress,
};
pub use mode::{ModeSelect10, ModeSense10, PageControl};
pub use recording::{
    Blank, BlankType, CloseFunction, CloseTrackSession, FormatUnit, ReadFormatCapacities,
    ReserveTrack,
};
pub use rw::{Read10, Read12, ReadCapacity, Rw10, Rw12, SynchronizeCache, Write10, Write12};
pub use speed::{GetPerformance, ReadBufferCapacity, SetCdSpeed, SetStreaming};
pub use unit::{Inquiry, PreventAllowMediumRemoval, RequestSense, StartStopUnit, TestUnitReady};

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

    /// The block a block command starts at (READ, WRITE, VERIFY, SEEK,
    /// READ CD): the LBA an error of this command is reported at.
    pub fn lba(&self) -> Option<u32> {
        match self {
            Command::Read10(c) => Some(c.0.lba),
            Command::Write10(c) => Some(c.0.lba),
            Command::Read12(c) => Some(c.0.lba),
            Command::Write12(c) => Some(c.0.lba),
            Command::Verify10(c) => Some(c.lba),
            Command::WriteAndVerify10(c) => Some(c.0.lba),
            Command::Seek10(c) => Some(c.lba),
            Command::ReadCd(c) => Some(c.lba),
            _ => None,
        }
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
