//! Drive and unit commands (SPC-3 / mmc.md §2.1, §2.10): TEST UNIT READY, REQUEST SENSE,
//! INQUIRY, START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL.

use super::{check_len, opcode, Cdb, CdbError};
use crate::bytes::{be16, bit, flag, put16};

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
