//! Buffer and speed (mmc.md §2.15): READ BUFFER CAPACITY, GET PERFORMANCE, SET
//! STREAMING, SET CD SPEED.

use super::{check_len, opcode, Cdb, CdbError};
use crate::bytes::{be16, be32, bit, flag, put16, put32};

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
