//! PDUs a target sends (RFC 7143 §11.4-11.17, the "-In" and "Response" side).
//! The target emits them; tests parse them to play the initiator.

use super::initiator::Stage;
use super::{opcode, Pdu, RESERVED_TAG};
use crate::Error;

/// StatSN, ExpCmdSN and MaxCmdSN: bytes 24-35 of every target PDU
/// (RFC 7143 §4.2.2.1). In a Data-In without status, StatSN is reserved (0);
/// in an R2T it is the next StatSN, not advanced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeqNums {
    pub stat_sn: u32,
    pub exp_cmd_sn: u32,
    pub max_cmd_sn: u32,
}

impl SeqNums {
    fn read(pdu: &Pdu) -> SeqNums {
        SeqNums {
            stat_sn: pdu.u32_at(24),
            exp_cmd_sn: pdu.u32_at(28),
            max_cmd_sn: pdu.u32_at(32),
        }
    }

    fn write(&self, pdu: &mut Pdu) {
        pdu.set_u32(24, self.stat_sn);
        pdu.set_u32(28, self.exp_cmd_sn);
        pdu.set_u32(32, self.max_cmd_sn);
    }
}

/// The residual of a SCSI Response or final Data-In (RFC 7143 §11.4.5): the
/// U bit (underflow: less data than the Expected Data Transfer Length moved)
/// or O bit (overflow: the command wanted more), with the Residual Count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Residual {
    None,
    Underflow(u32),
    Overflow(u32),
}

impl Residual {
    /// Flag bits of byte 1 (O = bit 2, U = bit 1).
    fn bits(self) -> u8 {
        match self {
            Residual::None => 0,
            Residual::Overflow(_) => 0x04,
            Residual::Underflow(_) => 0x02,
        }
    }

    fn count(self) -> u32 {
        match self {
            Residual::None => 0,
            Residual::Underflow(n) | Residual::Overflow(n) => n,
        }
    }

    fn read(flags: u8, count: u32) -> Residual {
        if flags & 0x04 != 0 {
            Residual::Overflow(count)
        } else if flags & 0x02 != 0 {
            Residual::Underflow(count)
        } else {
            Residual::None
        }
    }
}

/// NOP-In (RFC 7143 §11.19): the answer to a NOP-Out ping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NopIn {
    pub lun: u64,
    pub itt: u32,
    pub ttt: u32,
    pub seq: SeqNums,
    pub data: Vec<u8>,
}

impl NopIn {
    pub fn parse(pdu: &Pdu) -> Result<NopIn, Error> {
        pdu.expect(opcode::NOP_IN)?;
        Ok(NopIn {
            lun: pdu.lun(),
            itt: pdu.itt(),
            ttt: pdu.u32_at(20),
            seq: SeqNums::read(pdu),
            data: pdu.data.clone(),
        })
    }

    pub fn emit(&self) -> Pdu {
        let mut pdu = Pdu::new(opcode::NOP_IN, 0x80);
        pdu.set_lun(self.lun);
        pdu.set_u32(16, self.itt);
        pdu.set_u32(20, self.ttt);
        self.seq.write(&mut pdu);
        pdu.data = self.data.clone();
        pdu
    }
}

/// SCSI Response (RFC 7143 §11.4): status, residual and, after CHECK
/// CONDITION, the sense data (a 2-byte SenseLength, then the sense bytes; §11.4.7.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScsiResponse {
    /// 0x00 Command Completed at Target, 0x01 Target Failure (§11.4.3).
    pub response: u8,
    /// SAM status (0x00 GOOD, 0x02 CHECK CONDITION, ...).
    pub status: u8,
    pub itt: u32,
    pub seq: SeqNums,
    /// Number of R2T and Data-In PDUs sent for the command.
    pub exp_data_sn: u32,
    pub residual: Residual,
    pub sense: Vec<u8>,
}

impl ScsiResponse {
    pub fn parse(pdu: &Pdu) -> Result<ScsiResponse, Error> {
        pdu.expect(opcode::SCSI_RESPONSE)?;
        let sense = match pdu.data.get(..2) {
            Some(len) => {
                let len = u16::from_be_bytes([len[0], len[1]]) as usize;
                pdu.data
                    .get(2..2 + len)
                    .ok_or(Error::Malformed {
                        pdu: "SCSI Response",
                        what: "SenseLength beyond the data segment",
                    })?
                    .to_vec()
            }
            None => Vec::new(),
        };
        Ok(ScsiResponse {
            response: pdu.bhs[2],
            status: pdu.bhs[3],
            itt: pdu.itt(),
            seq: SeqNums::read(pdu),
            exp_data_sn: pdu.u32_at(36),
            residual: Residual::read(pdu.flags(), pdu.u32_at(44)),
            sense,
        })
    }

    pub fn emit(&self) -> Pdu {
        let mut pdu = Pdu::new(opcode::SCSI_RESPONSE, 0x80 | self.residual.bits());
        pdu.bhs[2] = self.response;
        pdu.bhs[3] = self.status;
        pdu.set_u32(16, self.itt);
        pdu.set_u32(20, 0); // SNACK Tag
        self.seq.write(&mut pdu);
        pdu.set_u32(36, self.exp_data_sn);
        pdu.set_u32(44, self.residual.count());
        if !self.sense.is_empty() {
            pdu.data = (self.sense.len() as u16).to_be_bytes().to_vec();
            pdu.data.extend_from_slice(&self.sense);
        }
        pdu
    }
}

/// SCSI Data-In (RFC 7143 §11.7): read data; the last PDU of a command may
/// carry its status (S bit, GOOD only: §11.7.4) and then advances StatSN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataIn {
    /// F: last PDU of a sequence (of the command, when `status` is set).
    pub final_: bool,
    /// The S bit and status byte.
    pub status: Option<u8>,
    pub lun: u64,
    pub itt: u32,
    pub seq: SeqNums,
    pub data_sn: u32,
    pub offset: u32,
    pub residual: Residual,
    pub data: Vec<u8>,
}

impl DataIn {
    pub fn parse(pdu: &Pdu) -> Result<DataIn, Error> {
        pdu.expect(opcode::SCSI_DATA_IN)?;
        let flags = pdu.flags();
        Ok(DataIn {
            final_: flags & 0x80 != 0,
            status: (flags & 0x01 != 0).then_some(pdu.bhs[3]),
            lun: pdu.lun(),
            itt: pdu.itt(),
            seq: SeqNums::read(pdu),
            data_sn: pdu.u32_at(36),
            offset: pdu.u32_at(40),
            residual: Residual::read(flags, pdu.u32_at(44)),
            data: pdu.data.clone(),
        })
    }

    pub fn emit(&self) -> Pdu {
        let flags =
            (self.final_ as u8) << 7 | self.residual.bits() | u8::from(self.status.is_some());
        let mut pdu = Pdu::new(opcode::SCSI_DATA_IN, flags);
        pdu.bhs[3] = self.status.unwrap_or(0);
        pdu.set_lun(self.lun);
        pdu.set_u32(16, self.itt);
        pdu.set_u32(20, RESERVED_TAG); // TTT: no DataACK asked (A bit clear)
        self.seq.write(&mut pdu);
        pdu.set_u32(36, self.data_sn);
        pdu.set_u32(40, self.offset);
        pdu.set_u32(44, self.residual.count());
        pdu.data = self.data.clone();
        pdu
    }
}

/// Ready To Transfer (RFC 7143 §11.8): asks for `length` bytes of write data at `offset`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct R2t {
    pub lun: u64,
    pub itt: u32,
    pub ttt: u32,
    pub seq: SeqNums,
    pub r2t_sn: u32,
    pub offset: u32,
    pub length: u32,
}

impl R2t {
    pub fn parse(pdu: &Pdu) -> Result<R2t, Error> {
        pdu.expect(opcode::R2T)?;
        Ok(R2t {
            lun: pdu.lun(),
            itt: pdu.itt(),
            ttt: pdu.u32_at(20),
            seq: SeqNums::read(pdu),
            r2t_sn: pdu.u32_at(36),
            offset: pdu.u32_at(40),
            length: pdu.u32_at(44),
        })
    }

    pub fn emit(&self) -> Pdu {
        let mut pdu = Pdu::new(opcode::R2T, 0x80);
        pdu.set_lun(self.lun);
        pdu.set_u32(16, self.itt);
        pdu.set_u32(20, self.ttt);
        self.seq.write(&mut pdu);
        pdu.set_u32(36, self.r2t_sn);
        pdu.set_u32(40, self.offset);
        pdu.set_u32(44, self.length);
        pdu
    }
}

/// Login Response (RFC 7143 §11.13).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginResponse {
    pub transit: bool,
    pub continue_: bool,
    pub csg: Stage,
    pub nsg: Stage,
    pub version_max: u8,
    pub version_active: u8,
    pub isid: [u8; 6],
    pub tsih: u16,
    pub itt: u32,
    pub seq: SeqNums,
    /// 0 success, 1 redirection, 2 initiator error, 3 target error (§11.13.5).
    pub status_class: u8,
    pub status_detail: u8,
    pub data: Vec<u8>,
}

impl LoginResponse {
    pub fn parse(pdu: &Pdu) -> Result<LoginResponse, Error> {
        pdu.expect(opcode::LOGIN_RESPONSE)?;
        let flags = pdu.flags();
        Ok(LoginResponse {
            transit: flags & 0x80 != 0,
            continue_: flags & 0x40 != 0,
            csg: Stage::from_bits(flags >> 2),
            nsg: Stage::from_bits(flags),
            version_max: pdu.bhs[2],
            version_active: pdu.bhs[3],
            isid: pdu.bhs[8..14].try_into().expect("6 bytes"),
            tsih: pdu.u16_at(14),
            itt: pdu.itt(),
            seq: SeqNums::read(pdu),
            status_class: pdu.bhs[36],
            status_detail: pdu.bhs[37],
            data: pdu.data.clone(),
        })
    }

    pub fn emit(&self) -> Pdu {
        let flags = (self.transit as u8) << 7
            | (self.continue_ as u8) << 6
            | self.csg.bits() << 2
            | self.nsg.bits();
        let mut pdu = Pdu::new(opcode::LOGIN_RESPONSE, flags);
        pdu.bhs[2] = self.version_max;
        pdu.bhs[3] = self.version_active;
        pdu.bhs[8..14].copy_from_slice(&self.isid);
        pdu.set_u16(14, self.tsih);
        pdu.set_u32(16, self.itt);
        self.seq.write(&mut pdu);
        pdu.bhs[36] = self.status_class;
        pdu.bhs[37] = self.status_detail;
        pdu.data = self.data.clone();
        pdu
    }
}

/// Text Response (RFC 7143 §11.11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextResponse {
    pub final_: bool,
    pub continue_: bool,
    pub lun: u64,
    pub itt: u32,
    pub ttt: u32,
    pub seq: SeqNums,
    pub data: Vec<u8>,
}

impl TextResponse {
    pub fn parse(pdu: &Pdu) -> Result<TextResponse, Error> {
        pdu.expect(opcode::TEXT_RESPONSE)?;
        Ok(TextResponse {
            final_: pdu.final_bit(),
            continue_: pdu.flags() & 0x40 != 0,
            lun: pdu.lun(),
            itt: pdu.itt(),
            ttt: pdu.u32_at(20),
            seq: SeqNums::read(pdu),
            data: pdu.data.clone(),
        })
    }

    pub fn emit(&self) -> Pdu {
        let flags = (self.final_ as u8) << 7 | (self.continue_ as u8) << 6;
        let mut pdu = Pdu::new(opcode::TEXT_RESPONSE, flags);
        pdu.set_lun(self.lun);
        pdu.set_u32(16, self.itt);
        pdu.set_u32(20, self.ttt);
        self.seq.write(&mut pdu);
        pdu.data = self.data.clone();
        pdu
    }
}

/// Logout Response (RFC 7143 §11.15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutResponse {
    /// 0 closed successfully, 1 CID not found, 2 recovery not supported, 3 cleanup failed.
    pub response: u8,
    pub itt: u32,
    pub seq: SeqNums,
    pub time2wait: u16,
    pub time2retain: u16,
}

impl LogoutResponse {
    pub fn parse(pdu: &Pdu) -> Result<LogoutResponse, Error> {
        pdu.expect(opcode::LOGOUT_RESPONSE)?;
        Ok(LogoutResponse {
            response: pdu.bhs[2],
            itt: pdu.itt(),
            seq: SeqNums::read(pdu),
            time2wait: pdu.u16_at(40),
            time2retain: pdu.u16_at(42),
        })
    }

    pub fn emit(&self) -> Pdu {
        let mut pdu = Pdu::new(opcode::LOGOUT_RESPONSE, 0x80);
        pdu.bhs[2] = self.response;
        pdu.set_u32(16, self.itt);
        self.seq.write(&mut pdu);
        pdu.set_u16(40, self.time2wait);
        pdu.set_u16(42, self.time2retain);
        pdu
    }
}

/// Task Management Function Response (RFC 7143 §11.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskManagementResponse {
    /// 0 function complete, 1 task does not exist, 2 LUN does not exist,
    /// 5 function not supported (§11.6.1).
    pub response: u8,
    pub itt: u32,
    pub seq: SeqNums,
}

impl TaskManagementResponse {
    pub fn parse(pdu: &Pdu) -> Result<TaskManagementResponse, Error> {
        pdu.expect(opcode::TASK_MANAGEMENT_RESPONSE)?;
        Ok(TaskManagementResponse {
            response: pdu.bhs[2],
            itt: pdu.itt(),
            seq: SeqNums::read(pdu),
        })
    }

    pub fn emit(&self) -> Pdu {
        let mut pdu = Pdu::new(opcode::TASK_MANAGEMENT_RESPONSE, 0x80);
        pdu.bhs[2] = self.response;
        pdu.set_u32(16, self.itt);
        self.seq.write(&mut pdu);
        pdu
    }
}

/// Reject (RFC 7143 §11.17): a PDU the target cannot take; the data segment
/// is the rejected PDU's BHS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// 0x04 protocol error, 0x05 command not supported, 0x09 invalid PDU field, ...
    pub reason: u8,
    pub seq: SeqNums,
    pub header: Vec<u8>,
}

impl Reject {
    pub fn parse(pdu: &Pdu) -> Result<Reject, Error> {
        pdu.expect(opcode::REJECT)?;
        Ok(Reject {
            reason: pdu.bhs[2],
            seq: SeqNums::read(pdu),
            header: pdu.data.clone(),
        })
    }

    pub fn emit(&self) -> Pdu {
        let mut pdu = Pdu::new(opcode::REJECT, 0x80);
        pdu.bhs[2] = self.reason;
        pdu.set_u32(16, RESERVED_TAG);
        self.seq.write(&mut pdu);
        pdu.data = self.header.clone();
        pdu
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEQ: SeqNums = SeqNums {
        stat_sn: 4,
        exp_cmd_sn: 6,
        max_cmd_sn: 6,
    };

    /// CHECK CONDITION with fixed sense 5/24/00 (18 bytes), 4096 bytes expected, none sent.
    const CHECK_CONDITION: [u8; 68] = [
        0x21, 0x82, 0x00, 0x02, // SCSI Response; F U; completed at target; CHECK CONDITION
        0x00, 0x00, 0x00, 0x14, // DataSegmentLength 20 = 2 + 18
        0, 0, 0, 0, 0, 0, 0, 0, // reserved
        0x00, 0x00, 0x00, 0x10, // ITT
        0, 0, 0, 0, // SNACK Tag
        0x00, 0x00, 0x00, 0x04, // StatSN
        0x00, 0x00, 0x00, 0x06, // ExpCmdSN
        0x00, 0x00, 0x00, 0x06, // MaxCmdSN
        0, 0, 0, 0, // ExpDataSN
        0, 0, 0, 0, // Bidirectional Read Residual Count
        0x00, 0x00, 0x10, 0x00, // Residual Count 4096
        0x00, 0x12, // SenseLength 18
        0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x24, 0, 0, 0, 0, 0, // sense
    ];

    fn check_condition() -> ScsiResponse {
        ScsiResponse {
            response: 0,
            status: 2,
            itt: 0x10,
            seq: SEQ,
            exp_data_sn: 0,
            residual: Residual::Underflow(4096),
            sense: vec![0x70, 0, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0, 0, 0, 0, 0],
        }
    }

    #[test]
    fn scsi_response_parse_and_emit() {
        let (pdu, _) = Pdu::parse(&CHECK_CONDITION).unwrap().unwrap();
        assert_eq!(ScsiResponse::parse(&pdu).unwrap(), check_condition());
        assert_eq!(check_condition().emit().to_bytes(), CHECK_CONDITION);
    }

    /// The last Data-In of a read: 4 bytes at offset 8192, GOOD status, 4 bytes short.
    const DATA_IN_WITH_STATUS: [u8; 52] = [
        0x25, 0x83, 0x00, 0x00, // Data-In; F U S; status GOOD
        0x00, 0x00, 0x00, 0x04, // 4 bytes
        0, 0, 0, 0, 0, 0, 0, 0, // LUN
        0x00, 0x00, 0x00, 0x10, // ITT
        0xff, 0xff, 0xff, 0xff, // TTT
        0x00, 0x00, 0x00, 0x04, // StatSN
        0x00, 0x00, 0x00, 0x06, // ExpCmdSN
        0x00, 0x00, 0x00, 0x06, // MaxCmdSN
        0x00, 0x00, 0x00, 0x01, // DataSN
        0x00, 0x00, 0x20, 0x00, // Buffer Offset
        0x00, 0x00, 0x00, 0x04, // Residual Count
        1, 2, 3, 4,
    ];

    #[test]
    fn data_in_parse_and_emit() {
        let expected = DataIn {
            final_: true,
            status: Some(0),
            lun: 0,
            itt: 0x10,
            seq: SEQ,
            data_sn: 1,
            offset: 8192,
            residual: Residual::Underflow(4),
            data: vec![1, 2, 3, 4],
        };
        let (pdu, _) = Pdu::parse(&DATA_IN_WITH_STATUS).unwrap().unwrap();
        assert_eq!(DataIn::parse(&pdu).unwrap(), expected);
        assert_eq!(expected.emit().to_bytes(), DATA_IN_WITH_STATUS);
    }

    /// R2T 0 for 65536 bytes at offset 0, TTT 1.
    const R2T: [u8; 48] = [
        0x31, 0x80, 0, 0, 0, 0, 0, 0, // R2T, F
        0, 0, 0, 0, 0, 0, 0, 0, // LUN
        0x00, 0x00, 0x00, 0x11, // ITT
        0x00, 0x00, 0x00, 0x01, // TTT
        0x00, 0x00, 0x00, 0x04, // StatSN (next, not advanced)
        0x00, 0x00, 0x00, 0x06, // ExpCmdSN
        0x00, 0x00, 0x00, 0x06, // MaxCmdSN
        0x00, 0x00, 0x00, 0x00, // R2TSN
        0x00, 0x00, 0x00, 0x00, // Buffer Offset
        0x00, 0x01, 0x00, 0x00, // Desired Data Transfer Length
    ];

    #[test]
    fn r2t_parse_and_emit() {
        let expected = R2t {
            lun: 0,
            itt: 0x11,
            ttt: 1,
            seq: SEQ,
            r2t_sn: 0,
            offset: 0,
            length: 65536,
        };
        let pdu = Pdu::from_parts(R2T, &[]).unwrap();
        assert_eq!(R2t::parse(&pdu).unwrap(), expected);
        assert_eq!(expected.emit().to_bytes(), R2T);
    }

    /// The last login response: operational stage → full feature phase, TSIH 1, success.
    const LOGIN_TO_FULL_FEATURE: [u8; 48] = [
        0x23, 0x87, 0x00, 0x00, // Login Response; T, CSG 1, NSG 3; versions 0
        0, 0, 0, 0, // lengths
        0x80, 0x12, 0x34, 0x56, 0x78, 0x9a, 0x00, 0x01, // ISID, TSIH 1
        0x00, 0x00, 0x00, 0x02, // ITT
        0, 0, 0, 0, // reserved
        0x00, 0x00, 0x00, 0x04, // StatSN
        0x00, 0x00, 0x00, 0x06, // ExpCmdSN
        0x00, 0x00, 0x00, 0x06, // MaxCmdSN
        0x00, 0x00, 0, 0, // Status-Class, Status-Detail, reserved
        0, 0, 0, 0, 0, 0, 0, 0,
    ];

    #[test]
    fn login_response_parse_and_emit() {
        let expected = LoginResponse {
            transit: true,
            continue_: false,
            csg: Stage::LoginOperationalNegotiation,
            nsg: Stage::FullFeaturePhase,
            version_max: 0,
            version_active: 0,
            isid: [0x80, 0x12, 0x34, 0x56, 0x78, 0x9a],
            tsih: 1,
            itt: 2,
            seq: SEQ,
            status_class: 0,
            status_detail: 0,
            data: Vec::new(),
        };
        let pdu = Pdu::from_parts(LOGIN_TO_FULL_FEATURE, &[]).unwrap();
        assert_eq!(LoginResponse::parse(&pdu).unwrap(), expected);
        assert_eq!(expected.emit().to_bytes(), LOGIN_TO_FULL_FEATURE);
    }

    #[test]
    fn small_responses_round_trip() {
        let nop = NopIn {
            lun: 0,
            itt: 7,
            ttt: RESERVED_TAG,
            seq: SEQ,
            data: b"ping".to_vec(),
        };
        assert_eq!(&nop.emit().to_bytes()[..8], &[0x20, 0x80, 0, 0, 0, 0, 0, 4]);
        assert_eq!(NopIn::parse(&nop.emit()).unwrap(), nop);

        let logout = LogoutResponse {
            response: 0,
            itt: 9,
            seq: SEQ,
            time2wait: 0,
            time2retain: 0,
        };
        assert_eq!(&logout.emit().to_bytes()[..4], &[0x26, 0x80, 0, 0]);
        assert_eq!(LogoutResponse::parse(&logout.emit()).unwrap(), logout);

        let text = TextResponse {
            final_: true,
            continue_: false,
            lun: 0,
            itt: 3,
            ttt: RESERVED_TAG,
            seq: SEQ,
            data: b"TargetName=iqn.t\0".to_vec(),
        };
        assert_eq!(TextResponse::parse(&text.emit()).unwrap(), text);

        let tmf = TaskManagementResponse {
            response: 0,
            itt: 20,
            seq: SEQ,
        };
        assert_eq!(&tmf.emit().to_bytes()[..4], &[0x22, 0x80, 0, 0]);
        assert_eq!(TaskManagementResponse::parse(&tmf.emit()).unwrap(), tmf);

        let reject = Reject {
            reason: 0x05,
            seq: SEQ,
            header: vec![0x10; 48],
        };
        let bytes = reject.emit().to_bytes();
        assert_eq!(&bytes[..8], &[0x3f, 0x80, 0x05, 0, 0, 0, 0, 48]);
        assert_eq!(&bytes[16..20], &[0xff; 4]);
        assert_eq!(Reject::parse(&reject.emit()).unwrap(), reject);
    }

    #[test]
    fn good_response_has_no_data_segment() {
        let good = ScsiResponse {
            response: 0,
            status: 0,
            itt: 1,
            seq: SEQ,
            exp_data_sn: 0,
            residual: Residual::None,
            sense: Vec::new(),
        };
        let bytes = good.emit().to_bytes();
        assert_eq!(bytes.len(), 48);
        assert_eq!(&bytes[..8], &[0x21, 0x80, 0, 0, 0, 0, 0, 0]);
    }
}
