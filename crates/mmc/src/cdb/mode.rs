//! Mode pages (mmc.md §2.8): MODE SELECT(10), MODE SENSE(10).

use super::{check_len, opcode, Cdb, CdbError};
use crate::bytes::{be16, bit, flag, put16};

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
