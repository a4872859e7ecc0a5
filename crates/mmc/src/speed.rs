//! SET STREAMING performance descriptor and GET PERFORMANCE answers
//! (MMC-5 6.39, 6.8; mmc.md §2.15).

use crate::bytes::{be32, bit, flag, put32};
use crate::ParseError;

/// SET STREAMING type 0 descriptor (28 bytes): 0 b4..b3 WRC, b2 RDD, b1 Exact,
/// b0 RA; 4-7 start LBA; 8-11 end LBA; 12-15 read size (kB); 16-19 read time
/// (ms); 20-23 write size (kB); 24-27 write time (ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PerformanceDescriptor {
    pub wrc: u8,
    pub rdd: bool,
    pub exact: bool,
    pub ra: bool,
    pub start_lba: u32,
    pub end_lba: u32,
    pub read_size: u32,
    pub read_time: u32,
    pub write_size: u32,
    pub write_time: u32,
}

impl PerformanceDescriptor {
    pub const LEN: usize = 28;

    /// Read and write `kb_per_s` kB/s over LBAs `0..=end_lba` (libburn `mmc_set_streaming`).
    pub fn speed(kb_per_s: u32, end_lba: u32) -> Self {
        PerformanceDescriptor {
            end_lba,
            read_size: kb_per_s,
            read_time: 1000,
            write_size: kb_per_s,
            write_time: 1000,
            ..Default::default()
        }
    }

    pub fn parse(b: &[u8]) -> Result<PerformanceDescriptor, ParseError> {
        ParseError::need("performance descriptor", b, Self::LEN)?;
        Ok(PerformanceDescriptor {
            wrc: (b[0] >> 3) & 3,
            rdd: bit(b[0], 2),
            exact: bit(b[0], 1),
            ra: bit(b[0], 0),
            start_lba: be32(b, 4),
            end_lba: be32(b, 8),
            read_size: be32(b, 12),
            read_time: be32(b, 16),
            write_size: be32(b, 20),
            write_time: be32(b, 24),
        })
    }

    pub fn emit(&self) -> [u8; Self::LEN] {
        let mut b = [0u8; Self::LEN];
        b[0] = ((self.wrc & 3) << 3) | flag(self.rdd, 2) | flag(self.exact, 1) | flag(self.ra, 0);
        put32(&mut b, 4, self.start_lba);
        put32(&mut b, 8, self.end_lba);
        put32(&mut b, 12, self.read_size);
        put32(&mut b, 16, self.read_time);
        put32(&mut b, 20, self.write_size);
        put32(&mut b, 24, self.write_time);
        b
    }
}

/// GET PERFORMANCE type 03h descriptor (16 bytes): 0 b4..b3 WRC, b2 RDD,
/// b1 Exact, b0 MRW; 4-7 end LBA; 8-11 read speed kB/s; 12-15 write speed kB/s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteSpeed {
    pub wrc: u8,
    pub rdd: bool,
    pub exact: bool,
    pub mrw: bool,
    pub end_lba: u32,
    pub read_speed: u32,
    pub write_speed: u32,
}

/// GET PERFORMANCE type 03h answer: 0-3 data length (n-4), 8.. descriptors.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WriteSpeeds {
    pub speeds: Vec<WriteSpeed>,
}

impl WriteSpeeds {
    pub const HEADER_LEN: usize = 8;
    pub const DESCRIPTOR_LEN: usize = 16;

    pub fn total_length(header: &[u8]) -> Option<usize> {
        (header.len() >= 4).then(|| (be32(header, 0) as usize).saturating_add(4))
    }

    pub fn parse(b: &[u8]) -> Result<WriteSpeeds, ParseError> {
        ParseError::need("performance header", b, Self::HEADER_LEN)?;
        let end = (be32(b, 0) as usize).saturating_add(4).min(b.len());
        let speeds = b
            .get(Self::HEADER_LEN..end.max(Self::HEADER_LEN))
            .unwrap_or(&[])
            .chunks_exact(Self::DESCRIPTOR_LEN)
            .map(|d| WriteSpeed {
                wrc: (d[0] >> 3) & 3,
                rdd: bit(d[0], 2),
                exact: bit(d[0], 1),
                mrw: bit(d[0], 0),
                end_lba: be32(d, 4),
                read_speed: be32(d, 8),
                write_speed: be32(d, 12),
            })
            .collect();
        Ok(WriteSpeeds { speeds })
    }

    pub fn emit(&self) -> Vec<u8> {
        let mut b = vec![0u8; Self::HEADER_LEN];
        for s in &self.speeds {
            let mut d = [0u8; Self::DESCRIPTOR_LEN];
            d[0] = ((s.wrc & 3) << 3) | flag(s.rdd, 2) | flag(s.exact, 1) | flag(s.mrw, 0);
            put32(&mut d, 4, s.end_lba);
            put32(&mut d, 8, s.read_speed);
            put32(&mut d, 12, s.write_speed);
            b.extend_from_slice(&d);
        }
        let len = (b.len() - 4) as u32;
        put32(&mut b, 0, len);
        b
    }
}
