//! Commands outside the burn flow's core set: SEND OPC INFORMATION and READ CD
//! (mmc.md §2.9, §5), and the read-only drive commands a CD/DVD-ROM answers
//! (SEEK, VERIFY, WRITE AND VERIFY, READ CAPACITY(16), READ DISC STRUCTURE,
//! MECHANISM STATUS), which the emulator's QEMU drive personalities take.
//! Same shape as the rest of [`crate::cdb`]: `to_cdb` and `parse`.

use super::{check_len, opcode, Cdb, CdbError};
use crate::bytes::{be16, be24, be32, bit, flag, put16, put24, put32};

/// SEND OPC INFORMATION 54h (mmc.md §5 step 3): byte 1 b0 DoOpc, 7-8
/// parameter list length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SendOpcInformation {
    pub do_opc: bool,
    pub parameter_list_length: u16,
}

impl SendOpcInformation {
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::SEND_OPC_INFORMATION);
        c.bytes[1] = flag(self.do_opc, 0);
        put16(&mut c.bytes, 7, self.parameter_list_length);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::SEND_OPC_INFORMATION, 10)?;
        Ok(SendOpcInformation {
            do_opc: bit(cdb[1], 0),
            parameter_list_length: be16(cdb, 7),
        })
    }
}

/// READ CD BEh (mmc.md §2.9): byte 1 b4..b2 expected sector type, b1 DAP;
/// 2-5 LBA; 6-8 transfer length in blocks; 9 main channel selection (b7
/// sync, b6..b5 headers, b4 user data, b3 EDC/ECC, b2..b1 C2); 10 b2..b0
/// sub-channel selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadCd {
    pub expected_sector_type: u8,
    pub dap: bool,
    pub lba: u32,
    /// 24 bits.
    pub blocks: u32,
    pub main_channel: u8,
    pub subchannel: u8,
}

impl ReadCd {
    /// Byte 9 for the 2048 user bytes of Mode 1 / Mode 2 Form 1 sectors.
    pub const USER_DATA: u8 = 0x10;
    /// Byte 9 for whole 2352-byte sectors (sync, headers, user data, EDC/ECC).
    pub const RAW_SECTOR: u8 = 0xF8;

    /// User data of `blocks` Mode 1 sectors from `lba`.
    pub fn mode1(lba: u32, blocks: u32) -> Self {
        ReadCd {
            expected_sector_type: 2,
            dap: false,
            lba,
            blocks,
            main_channel: Self::USER_DATA,
            subchannel: 0,
        }
    }
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::READ_CD);
        c.bytes[1] = ((self.expected_sector_type & 7) << 2) | flag(self.dap, 1);
        put32(&mut c.bytes, 2, self.lba);
        put24(&mut c.bytes, 6, self.blocks & 0x00FF_FFFF);
        c.bytes[9] = self.main_channel;
        c.bytes[10] = self.subchannel & 7;
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::READ_CD, 12)?;
        Ok(ReadCd {
            expected_sector_type: (cdb[1] >> 2) & 7,
            dap: bit(cdb[1], 1),
            lba: be32(cdb, 2),
            blocks: be24(cdb, 6),
            main_channel: cdb[9],
            subchannel: cdb[10] & 7,
        })
    }
}

/// SEEK(10) 2Bh (SBC-2, MMC-5): 2-5 LBA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Seek10 {
    pub lba: u32,
}

impl Seek10 {
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::SEEK_10);
        put32(&mut c.bytes, 2, self.lba);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::SEEK_10, 10)?;
        Ok(Seek10 { lba: be32(cdb, 2) })
    }
}

/// VERIFY(10) 2Fh and WRITE AND VERIFY(10) 2Eh (SBC-2): byte 1 b1 BYTCHK,
/// 2-5 LBA, 7-8 blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Verify10 {
    pub byte_check: bool,
    pub lba: u32,
    pub blocks: u16,
}

impl Verify10 {
    fn build(&self, op: u8) -> Cdb {
        let mut c = Cdb::new(op);
        c.bytes[1] = flag(self.byte_check, 1);
        put32(&mut c.bytes, 2, self.lba);
        put16(&mut c.bytes, 7, self.blocks);
        c
    }
    fn parse_op(cdb: &[u8], op: u8) -> Result<Self, CdbError> {
        check_len(cdb, op, 10)?;
        Ok(Verify10 {
            byte_check: bit(cdb[1], 1),
            lba: be32(cdb, 2),
            blocks: be16(cdb, 7),
        })
    }
    pub fn to_cdb(&self) -> Cdb {
        self.build(opcode::VERIFY_10)
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        Self::parse_op(cdb, opcode::VERIFY_10)
    }
}

/// WRITE AND VERIFY(10) 2Eh: the layout of [`Verify10`], with data out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteAndVerify10(pub Verify10);

impl WriteAndVerify10 {
    pub fn to_cdb(&self) -> Cdb {
        self.0.build(opcode::WRITE_AND_VERIFY_10)
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        Verify10::parse_op(cdb, opcode::WRITE_AND_VERIFY_10).map(WriteAndVerify10)
    }
}

/// SERVICE ACTION IN(16) 9Eh (SBC-2): byte 1 b4..b0 service action (10h READ
/// CAPACITY(16)), 2-9 LBA, 10-13 allocation length, 14 b0 PMI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceActionIn16 {
    pub service_action: u8,
    pub lba: u64,
    pub allocation_length: u32,
    pub pmi: bool,
}

impl ServiceActionIn16 {
    /// Service action of READ CAPACITY(16).
    pub const READ_CAPACITY_16: u8 = 0x10;

    /// READ CAPACITY(16) with a 32-byte answer.
    pub fn read_capacity() -> Self {
        ServiceActionIn16 {
            service_action: Self::READ_CAPACITY_16,
            lba: 0,
            allocation_length: 32,
            pmi: false,
        }
    }
    pub fn is_read_capacity(&self) -> bool {
        self.service_action == Self::READ_CAPACITY_16
    }
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::SERVICE_ACTION_IN_16);
        c.bytes[1] = self.service_action & 0x1F;
        c.bytes[2..10].copy_from_slice(&self.lba.to_be_bytes());
        put32(&mut c.bytes, 10, self.allocation_length);
        c.bytes[14] = flag(self.pmi, 0);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::SERVICE_ACTION_IN_16, 16)?;
        let mut lba = [0u8; 8];
        lba.copy_from_slice(&cdb[2..10]);
        Ok(ServiceActionIn16 {
            service_action: cdb[1] & 0x1F,
            lba: u64::from_be_bytes(lba),
            allocation_length: be32(cdb, 10),
            pmi: bit(cdb[14], 0),
        })
    }
}

/// READ DISC STRUCTURE ADh (MMC-5): byte 1 media type (b3..b0: 0 DVD, 1 BD;
/// the reserved upper bits are kept as sent, a device may refuse them), 2-5
/// address, 6 layer, 7 format code, 8-9 allocation length, 10 b7..b6 AGID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadDiscStructure {
    pub media_type: u8,
    pub address: u32,
    pub layer: u8,
    pub format: u8,
    pub allocation_length: u16,
    pub agid: u8,
}

impl ReadDiscStructure {
    /// Format FFh: the list of structures the drive can return.
    pub const CAPABILITY_LIST: u8 = 0xFF;
    /// Format 20h: layer boundary of a DL medium ([`crate::disc::LayerBoundary`]).
    pub const LAYER_BOUNDARY: u8 = 0x20;
    /// Format C0h: write protection status ([`crate::disc::WriteProtection`]).
    pub const WRITE_PROTECTION: u8 = 0xC0;

    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::READ_DISC_STRUCTURE);
        c.bytes[1] = self.media_type;
        put32(&mut c.bytes, 2, self.address);
        c.bytes[6] = self.layer;
        c.bytes[7] = self.format;
        put16(&mut c.bytes, 8, self.allocation_length);
        c.bytes[10] = (self.agid & 3) << 6;
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::READ_DISC_STRUCTURE, 12)?;
        Ok(ReadDiscStructure {
            media_type: cdb[1],
            address: be32(cdb, 2),
            layer: cdb[6],
            format: cdb[7],
            allocation_length: be16(cdb, 8),
            agid: cdb[10] >> 6,
        })
    }
}

/// MECHANISM STATUS BDh (MMC-5): 8-9 allocation length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MechanismStatus {
    pub allocation_length: u16,
}

impl Default for MechanismStatus {
    fn default() -> Self {
        MechanismStatus {
            allocation_length: 8,
        }
    }
}

impl MechanismStatus {
    pub fn to_cdb(&self) -> Cdb {
        let mut c = Cdb::new(opcode::MECHANISM_STATUS);
        put16(&mut c.bytes, 8, self.allocation_length);
        c
    }
    pub fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        check_len(cdb, opcode::MECHANISM_STATUS, 12)?;
        Ok(MechanismStatus {
            allocation_length: be16(cdb, 8),
        })
    }
}
