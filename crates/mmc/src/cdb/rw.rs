//! Block I/O (mmc.md §2.4, §2.9): READ CAPACITY, READ/WRITE(10), READ/WRITE(12),
//! SYNCHRONIZE CACHE.

use super::{check_len, opcode, Cdb, CdbError};
use crate::bytes::{be16, be32, bit, flag, put16, put32};

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
