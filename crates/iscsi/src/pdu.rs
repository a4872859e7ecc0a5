//! iSCSI PDUs on the wire (RFC 7143 §11): the 48-byte Basic Header Segment
//! (BHS), optional Additional Header Segments (AHS) and the data segment,
//! padded to a multiple of 4 bytes. Header and data digests are never
//! negotiated here, so no CRC32C follows either.
//!
//! [`Pdu`] is the raw frame with one accessor per common BHS field;
//! [`initiator`] and [`target`] hold one plain struct per PDU type with
//! `parse` (frame → struct) and `emit` (struct → frame), in both directions
//! so tests can play either side.

pub mod initiator;
pub mod target;

use crate::Error;

/// Length of the Basic Header Segment (RFC 7143 §11.2.1).
pub const BHS_LEN: usize = 48;

/// The reserved tag value (RFC 7143 §11.2.1.8: "0xffffffff").
pub const RESERVED_TAG: u32 = 0xffff_ffff;

/// Opcodes (RFC 7143 §11.2.1.2): initiator → target below 0x20, target → initiator above.
pub mod opcode {
    pub const NOP_OUT: u8 = 0x00;
    pub const SCSI_COMMAND: u8 = 0x01;
    pub const TASK_MANAGEMENT_REQUEST: u8 = 0x02;
    pub const LOGIN_REQUEST: u8 = 0x03;
    pub const TEXT_REQUEST: u8 = 0x04;
    pub const SCSI_DATA_OUT: u8 = 0x05;
    pub const LOGOUT_REQUEST: u8 = 0x06;
    pub const SNACK_REQUEST: u8 = 0x10;
    pub const NOP_IN: u8 = 0x20;
    pub const SCSI_RESPONSE: u8 = 0x21;
    pub const TASK_MANAGEMENT_RESPONSE: u8 = 0x22;
    pub const LOGIN_RESPONSE: u8 = 0x23;
    pub const TEXT_RESPONSE: u8 = 0x24;
    pub const SCSI_DATA_IN: u8 = 0x25;
    pub const LOGOUT_RESPONSE: u8 = 0x26;
    pub const R2T: u8 = 0x31;
    pub const ASYNC_MESSAGE: u8 = 0x32;
    pub const REJECT: u8 = 0x3f;

    /// A name for messages.
    pub fn name(op: u8) -> &'static str {
        match op {
            NOP_OUT => "NOP-Out",
            SCSI_COMMAND => "SCSI Command",
            TASK_MANAGEMENT_REQUEST => "Task Management Function Request",
            LOGIN_REQUEST => "Login Request",
            TEXT_REQUEST => "Text Request",
            SCSI_DATA_OUT => "SCSI Data-Out",
            LOGOUT_REQUEST => "Logout Request",
            SNACK_REQUEST => "SNACK Request",
            NOP_IN => "NOP-In",
            SCSI_RESPONSE => "SCSI Response",
            TASK_MANAGEMENT_RESPONSE => "Task Management Function Response",
            LOGIN_RESPONSE => "Login Response",
            TEXT_RESPONSE => "Text Response",
            SCSI_DATA_IN => "SCSI Data-In",
            LOGOUT_RESPONSE => "Logout Response",
            R2T => "Ready To Transfer",
            ASYNC_MESSAGE => "Asynchronous Message",
            REJECT => "Reject",
            _ => "unknown PDU",
        }
    }
}

/// Byte offsets of the BHS fields every PDU shares (RFC 7143 §11.2.1).
pub(crate) mod field {
    pub const OPCODE: usize = 0;
    pub const FLAGS: usize = 1;
    pub const TOTAL_AHS_LEN: usize = 4;
    pub const DATA_SEGMENT_LEN: usize = 5;
    pub const LUN: usize = 8;
    pub const ITT: usize = 16;
}

/// One PDU: its BHS, AHS bytes and data segment (without padding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdu {
    pub bhs: [u8; BHS_LEN],
    pub ahs: Vec<u8>,
    pub data: Vec<u8>,
}

/// Sizes announced by a BHS: what follows it on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lengths {
    /// AHS bytes (TotalAHSLength is in 4-byte words).
    pub ahs: usize,
    /// Data segment bytes, without padding.
    pub data: usize,
}

impl Lengths {
    /// Bytes to read after the BHS: AHS plus the data segment padded to 4.
    pub fn after_bhs(&self) -> usize {
        self.ahs + padded(self.data)
    }
}

/// `len` rounded up to a multiple of 4 (RFC 7143 §11.1: "padded to an integer
/// number of 4-byte words").
pub fn padded(len: usize) -> usize {
    len.div_ceil(4) * 4
}

impl Pdu {
    /// A PDU with this opcode and flags byte, every other field zero.
    pub fn new(op: u8, flags: u8) -> Pdu {
        let mut bhs = [0u8; BHS_LEN];
        bhs[field::OPCODE] = op;
        bhs[field::FLAGS] = flags;
        Pdu {
            bhs,
            ahs: Vec::new(),
            data: Vec::new(),
        }
    }

    /// The lengths a received BHS announces.
    pub fn lengths(bhs: &[u8; BHS_LEN]) -> Lengths {
        Lengths {
            ahs: bhs[field::TOTAL_AHS_LEN] as usize * 4,
            data: be24(bhs, field::DATA_SEGMENT_LEN) as usize,
        }
    }

    /// Builds a PDU from its BHS and the bytes that followed it
    /// (`Lengths::after_bhs` of them); the padding is dropped.
    pub fn from_parts(bhs: [u8; BHS_LEN], rest: &[u8]) -> Result<Pdu, Error> {
        let lengths = Pdu::lengths(&bhs);
        if rest.len() != lengths.after_bhs() {
            return Err(Error::Truncated {
                pdu: opcode::name(bhs[0] & 0x3f),
                expected: lengths.after_bhs(),
                found: rest.len(),
            });
        }
        Ok(Pdu {
            bhs,
            ahs: rest[..lengths.ahs].to_vec(),
            data: rest[lengths.ahs..lengths.ahs + lengths.data].to_vec(),
        })
    }

    /// Parses one whole PDU from the front of `bytes`; `None` until enough bytes are there.
    /// Returns the PDU and how many bytes it used.
    pub fn parse(bytes: &[u8]) -> Result<Option<(Pdu, usize)>, Error> {
        let Some(head) = bytes.get(..BHS_LEN) else {
            return Ok(None);
        };
        let mut bhs = [0u8; BHS_LEN];
        bhs.copy_from_slice(head);
        let total = BHS_LEN + Pdu::lengths(&bhs).after_bhs();
        match bytes.get(BHS_LEN..total) {
            Some(rest) => Ok(Some((Pdu::from_parts(bhs, rest)?, total))),
            None => Ok(None),
        }
    }

    /// The PDU as it goes on the wire: the lengths fields are set from `ahs` and
    /// `data`, and the data segment is padded with zeros.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bhs = self.bhs;
        bhs[field::TOTAL_AHS_LEN] = (self.ahs.len() / 4) as u8;
        put24(&mut bhs, field::DATA_SEGMENT_LEN, self.data.len() as u32);
        let mut out = Vec::with_capacity(BHS_LEN + self.ahs.len() + padded(self.data.len()));
        out.extend_from_slice(&bhs);
        out.extend_from_slice(&self.ahs);
        out.extend_from_slice(&self.data);
        out.resize(out.len() + padded(self.data.len()) - self.data.len(), 0);
        out
    }

    /// Opcode, without the immediate bit.
    pub fn opcode(&self) -> u8 {
        self.bhs[field::OPCODE] & 0x3f
    }

    /// The I bit: an immediate request, outside the CmdSN ordering (RFC 7143 §3.2.2.1).
    pub fn immediate(&self) -> bool {
        self.bhs[field::OPCODE] & 0x40 != 0
    }

    pub fn set_immediate(&mut self, on: bool) {
        self.bhs[field::OPCODE] = (self.bhs[field::OPCODE] & 0x3f) | if on { 0x40 } else { 0 };
    }

    /// Byte 1: the F bit and opcode-specific flags.
    pub fn flags(&self) -> u8 {
        self.bhs[field::FLAGS]
    }

    /// The F (final) bit of byte 1.
    pub fn final_bit(&self) -> bool {
        self.flags() & 0x80 != 0
    }

    /// The 8-byte LUN field, as a number.
    pub fn lun(&self) -> u64 {
        u64::from_be_bytes(
            self.bhs[field::LUN..field::LUN + 8]
                .try_into()
                .expect("8 bytes"),
        )
    }

    pub fn set_lun(&mut self, lun: u64) {
        self.bhs[field::LUN..field::LUN + 8].copy_from_slice(&lun.to_be_bytes());
    }

    /// The Initiator Task Tag.
    pub fn itt(&self) -> u32 {
        self.u32_at(field::ITT)
    }

    /// The 32-bit big-endian field at `offset` of the BHS.
    pub fn u32_at(&self, offset: usize) -> u32 {
        be32(&self.bhs, offset)
    }

    pub fn set_u32(&mut self, offset: usize, value: u32) {
        self.bhs[offset..offset + 4].copy_from_slice(&value.to_be_bytes());
    }

    pub fn u16_at(&self, offset: usize) -> u16 {
        u16::from_be_bytes([self.bhs[offset], self.bhs[offset + 1]])
    }

    pub fn set_u16(&mut self, offset: usize, value: u16) {
        self.bhs[offset..offset + 2].copy_from_slice(&value.to_be_bytes());
    }

    /// Fails unless this PDU has opcode `op` (what a typed `parse` checks first).
    pub(crate) fn expect(&self, op: u8) -> Result<(), Error> {
        if self.opcode() == op {
            Ok(())
        } else {
            Err(Error::WrongOpcode {
                expected: opcode::name(op),
                found: self.opcode(),
            })
        }
    }
}

/// A single-level LUN as the 8-byte LUN field carries it (SAM-5 4.7: peripheral
/// device addressing for 0-255, flat space above).
pub fn lun_field(lun: u16) -> u64 {
    let first = if lun < 256 { 0u64 } else { 0x4000 | lun as u64 };
    let word = if lun < 256 { lun as u64 } else { first };
    word << 48
}

/// The LUN number of a single-level LUN field (inverse of [`lun_field`]).
pub fn lun_number(field: u64) -> u16 {
    ((field >> 48) & 0x3fff) as u16
}

pub(crate) fn be24(b: &[u8], off: usize) -> u32 {
    u32::from_be_bytes([0, b[off], b[off + 1], b[off + 2]])
}

pub(crate) fn be32(b: &[u8], off: usize) -> u32 {
    u32::from_be_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

pub(crate) fn put24(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 3].copy_from_slice(&v.to_be_bytes()[1..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A NOP-Out ping with 5 data bytes: the data segment is padded to 8.
    const NOP_OUT_PING: [u8; 56] = [
        0x40, 0x80, 0x00, 0x00, // I, NOP-Out; F
        0x00, 0x00, 0x00, 0x05, // no AHS; DataSegmentLength 5
        0, 0, 0, 0, 0, 0, 0, 0, // LUN
        0x00, 0x00, 0x00, 0x07, // ITT
        0xff, 0xff, 0xff, 0xff, // TTT
        0x00, 0x00, 0x00, 0x02, // CmdSN
        0x00, 0x00, 0x00, 0x09, // ExpStatSN
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // reserved
        b'h', b'e', b'l', b'l', b'o', 0, 0, 0, // data + padding
    ];

    #[test]
    fn frame_deconstruct() {
        let (pdu, used) = Pdu::parse(&NOP_OUT_PING).unwrap().unwrap();
        assert_eq!(used, 56);
        assert_eq!(pdu.opcode(), opcode::NOP_OUT);
        assert!(pdu.immediate());
        assert!(pdu.final_bit());
        assert_eq!(pdu.itt(), 7);
        assert_eq!(pdu.u32_at(20), RESERVED_TAG);
        assert_eq!(pdu.data, b"hello");
        assert!(pdu.ahs.is_empty());
    }

    #[test]
    fn frame_round_trip() {
        let (pdu, _) = Pdu::parse(&NOP_OUT_PING).unwrap().unwrap();
        assert_eq!(pdu.to_bytes(), NOP_OUT_PING);
    }

    #[test]
    fn frame_waits_for_whole_pdu() {
        assert_eq!(Pdu::parse(&NOP_OUT_PING[..47]).unwrap(), None);
        assert_eq!(Pdu::parse(&NOP_OUT_PING[..55]).unwrap(), None);
        let mut two = NOP_OUT_PING.to_vec();
        two.extend_from_slice(&NOP_OUT_PING);
        let (_, used) = Pdu::parse(&two).unwrap().unwrap();
        assert_eq!(used, 56);
    }

    #[test]
    fn lengths_count_ahs_words_and_padding() {
        let mut bhs = [0u8; BHS_LEN];
        bhs[4] = 2;
        bhs[5..8].copy_from_slice(&[0x01, 0x00, 0x01]);
        let lengths = Pdu::lengths(&bhs);
        assert_eq!(
            lengths,
            Lengths {
                ahs: 8,
                data: 65537
            }
        );
        assert_eq!(lengths.after_bhs(), 8 + 65540);
        assert!(Pdu::from_parts(bhs, &[0u8; 10]).is_err());
    }

    #[test]
    fn lun_fields() {
        assert_eq!(lun_field(0), 0);
        assert_eq!(lun_field(1).to_be_bytes(), [0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(lun_field(300).to_be_bytes(), [0x41, 0x2c, 0, 0, 0, 0, 0, 0]);
        assert_eq!(lun_number(lun_field(1)), 1);
        assert_eq!(lun_number(lun_field(300)), 300);
    }
}
