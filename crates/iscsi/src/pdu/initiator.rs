//! PDUs an initiator sends (RFC 7143 §11.3-11.16, the "-Out" and "Request" side).
//! The target parses them; tests emit them to play the initiator.

use super::{opcode, Pdu, RESERVED_TAG};
use crate::Error;

/// Login stages (RFC 7143 §11.12.3: CSG and NSG).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    SecurityNegotiation,
    LoginOperationalNegotiation,
    FullFeaturePhase,
    /// Value 2 is reserved.
    Reserved,
}

impl Stage {
    pub fn from_bits(bits: u8) -> Stage {
        match bits & 3 {
            0 => Stage::SecurityNegotiation,
            1 => Stage::LoginOperationalNegotiation,
            3 => Stage::FullFeaturePhase,
            _ => Stage::Reserved,
        }
    }

    pub fn bits(self) -> u8 {
        match self {
            Stage::SecurityNegotiation => 0,
            Stage::LoginOperationalNegotiation => 1,
            Stage::Reserved => 2,
            Stage::FullFeaturePhase => 3,
        }
    }
}

/// NOP-Out (RFC 7143 §11.18): a ping (ITT set, wants a NOP-In) or the answer
/// to a target's ping (ITT reserved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NopOut {
    pub immediate: bool,
    pub lun: u64,
    pub itt: u32,
    pub ttt: u32,
    pub cmd_sn: u32,
    pub exp_stat_sn: u32,
    pub data: Vec<u8>,
}

impl NopOut {
    pub fn parse(pdu: &Pdu) -> Result<NopOut, Error> {
        pdu.expect(opcode::NOP_OUT)?;
        Ok(NopOut {
            immediate: pdu.immediate(),
            lun: pdu.lun(),
            itt: pdu.itt(),
            ttt: pdu.u32_at(20),
            cmd_sn: pdu.u32_at(24),
            exp_stat_sn: pdu.u32_at(28),
            data: pdu.data.clone(),
        })
    }

    pub fn emit(&self) -> Pdu {
        let mut pdu = Pdu::new(opcode::NOP_OUT, 0x80);
        pdu.set_immediate(self.immediate);
        pdu.set_lun(self.lun);
        pdu.set_u32(16, self.itt);
        pdu.set_u32(20, self.ttt);
        pdu.set_u32(24, self.cmd_sn);
        pdu.set_u32(28, self.exp_stat_sn);
        pdu.data = self.data.clone();
        pdu
    }

    /// True for a ping that asks for a NOP-In (ITT not reserved, §11.18.3).
    pub fn wants_reply(&self) -> bool {
        self.itt != RESERVED_TAG
    }
}

/// SCSI Command (RFC 7143 §11.3). CDBs longer than 16 bytes would come in an
/// extended-CDB AHS; MMC has none, so the AHS is ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScsiCommand {
    pub immediate: bool,
    /// F: no unsolicited Data-Out follows (§11.3.1).
    pub final_: bool,
    /// R: data flows to the initiator.
    pub read: bool,
    /// W: data flows to the target.
    pub write: bool,
    /// Task attribute (0 untagged, 1 simple, 2 ordered, 3 head of queue, 4 ACA).
    pub attr: u8,
    pub lun: u64,
    pub itt: u32,
    pub expected_length: u32,
    pub cmd_sn: u32,
    pub exp_stat_sn: u32,
    pub cdb: [u8; 16],
    /// Immediate data (the first bytes of a write, §3.2.4.2).
    pub data: Vec<u8>,
}

impl ScsiCommand {
    pub fn parse(pdu: &Pdu) -> Result<ScsiCommand, Error> {
        pdu.expect(opcode::SCSI_COMMAND)?;
        let flags = pdu.flags();
        Ok(ScsiCommand {
            immediate: pdu.immediate(),
            final_: flags & 0x80 != 0,
            read: flags & 0x40 != 0,
            write: flags & 0x20 != 0,
            attr: flags & 0x07,
            lun: pdu.lun(),
            itt: pdu.itt(),
            expected_length: pdu.u32_at(20),
            cmd_sn: pdu.u32_at(24),
            exp_stat_sn: pdu.u32_at(28),
            cdb: pdu.bhs[32..48].try_into().expect("16 bytes"),
            data: pdu.data.clone(),
        })
    }

    pub fn emit(&self) -> Pdu {
        let flags = (self.final_ as u8) << 7
            | (self.read as u8) << 6
            | (self.write as u8) << 5
            | (self.attr & 7);
        let mut pdu = Pdu::new(opcode::SCSI_COMMAND, flags);
        pdu.set_immediate(self.immediate);
        pdu.set_lun(self.lun);
        pdu.set_u32(16, self.itt);
        pdu.set_u32(20, self.expected_length);
        pdu.set_u32(24, self.cmd_sn);
        pdu.set_u32(28, self.exp_stat_sn);
        pdu.bhs[32..48].copy_from_slice(&self.cdb);
        pdu.data = self.data.clone();
        pdu
    }
}

/// SCSI Data-Out (RFC 7143 §11.7): write data, unsolicited (TTT reserved) or
/// answering an R2T (its TTT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataOut {
    /// F: the last PDU of this sequence.
    pub final_: bool,
    pub lun: u64,
    pub itt: u32,
    pub ttt: u32,
    pub exp_stat_sn: u32,
    pub data_sn: u32,
    pub offset: u32,
    pub data: Vec<u8>,
}

impl DataOut {
    pub fn parse(pdu: &Pdu) -> Result<DataOut, Error> {
        pdu.expect(opcode::SCSI_DATA_OUT)?;
        Ok(DataOut {
            final_: pdu.final_bit(),
            lun: pdu.lun(),
            itt: pdu.itt(),
            ttt: pdu.u32_at(20),
            exp_stat_sn: pdu.u32_at(28),
            data_sn: pdu.u32_at(36),
            offset: pdu.u32_at(40),
            data: pdu.data.clone(),
        })
    }

    pub fn emit(&self) -> Pdu {
        let mut pdu = Pdu::new(opcode::SCSI_DATA_OUT, (self.final_ as u8) << 7);
        pdu.set_lun(self.lun);
        pdu.set_u32(16, self.itt);
        pdu.set_u32(20, self.ttt);
        pdu.set_u32(28, self.exp_stat_sn);
        pdu.set_u32(36, self.data_sn);
        pdu.set_u32(40, self.offset);
        pdu.data = self.data.clone();
        pdu
    }
}

/// Task Management Function Request (RFC 7143 §11.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskManagementRequest {
    pub immediate: bool,
    /// 1 ABORT TASK, 2 ABORT TASK SET, 3 CLEAR ACA, 4 CLEAR TASK SET,
    /// 5 LOGICAL UNIT RESET, 6 TARGET WARM RESET, 7 TARGET COLD RESET, 8 TASK REASSIGN.
    pub function: u8,
    pub lun: u64,
    pub itt: u32,
    pub referenced_task_tag: u32,
    pub cmd_sn: u32,
    pub exp_stat_sn: u32,
}

impl TaskManagementRequest {
    pub fn parse(pdu: &Pdu) -> Result<TaskManagementRequest, Error> {
        pdu.expect(opcode::TASK_MANAGEMENT_REQUEST)?;
        Ok(TaskManagementRequest {
            immediate: pdu.immediate(),
            function: pdu.flags() & 0x7f,
            lun: pdu.lun(),
            itt: pdu.itt(),
            referenced_task_tag: pdu.u32_at(20),
            cmd_sn: pdu.u32_at(24),
            exp_stat_sn: pdu.u32_at(28),
        })
    }

    pub fn emit(&self) -> Pdu {
        let mut pdu = Pdu::new(opcode::TASK_MANAGEMENT_REQUEST, 0x80 | self.function);
        pdu.set_immediate(self.immediate);
        pdu.set_lun(self.lun);
        pdu.set_u32(16, self.itt);
        pdu.set_u32(20, self.referenced_task_tag);
        pdu.set_u32(24, self.cmd_sn);
        pdu.set_u32(28, self.exp_stat_sn);
        pdu
    }
}

/// Login Request (RFC 7143 §11.12). Always immediate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginRequest {
    /// T: the initiator is ready to move to `nsg`.
    pub transit: bool,
    /// C: the text continues in the next PDU.
    pub continue_: bool,
    pub csg: Stage,
    pub nsg: Stage,
    pub version_max: u8,
    pub version_min: u8,
    pub isid: [u8; 6],
    pub tsih: u16,
    pub itt: u32,
    pub cid: u16,
    pub cmd_sn: u32,
    pub exp_stat_sn: u32,
    /// Text keys (`key=value\0`...).
    pub data: Vec<u8>,
}

impl LoginRequest {
    pub fn parse(pdu: &Pdu) -> Result<LoginRequest, Error> {
        pdu.expect(opcode::LOGIN_REQUEST)?;
        let flags = pdu.flags();
        Ok(LoginRequest {
            transit: flags & 0x80 != 0,
            continue_: flags & 0x40 != 0,
            csg: Stage::from_bits(flags >> 2),
            nsg: Stage::from_bits(flags),
            version_max: pdu.bhs[2],
            version_min: pdu.bhs[3],
            isid: pdu.bhs[8..14].try_into().expect("6 bytes"),
            tsih: pdu.u16_at(14),
            itt: pdu.itt(),
            cid: pdu.u16_at(20),
            cmd_sn: pdu.u32_at(24),
            exp_stat_sn: pdu.u32_at(28),
            data: pdu.data.clone(),
        })
    }

    pub fn emit(&self) -> Pdu {
        let flags = (self.transit as u8) << 7
            | (self.continue_ as u8) << 6
            | self.csg.bits() << 2
            | self.nsg.bits();
        let mut pdu = Pdu::new(opcode::LOGIN_REQUEST, flags);
        pdu.set_immediate(true);
        pdu.bhs[2] = self.version_max;
        pdu.bhs[3] = self.version_min;
        pdu.bhs[8..14].copy_from_slice(&self.isid);
        pdu.set_u16(14, self.tsih);
        pdu.set_u32(16, self.itt);
        pdu.set_u16(20, self.cid);
        pdu.set_u32(24, self.cmd_sn);
        pdu.set_u32(28, self.exp_stat_sn);
        pdu.data = self.data.clone();
        pdu
    }
}

/// Text Request (RFC 7143 §11.10): SendTargets and other text keys after login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextRequest {
    pub immediate: bool,
    pub final_: bool,
    pub continue_: bool,
    pub lun: u64,
    pub itt: u32,
    pub ttt: u32,
    pub cmd_sn: u32,
    pub exp_stat_sn: u32,
    pub data: Vec<u8>,
}

impl TextRequest {
    pub fn parse(pdu: &Pdu) -> Result<TextRequest, Error> {
        pdu.expect(opcode::TEXT_REQUEST)?;
        Ok(TextRequest {
            immediate: pdu.immediate(),
            final_: pdu.final_bit(),
            continue_: pdu.flags() & 0x40 != 0,
            lun: pdu.lun(),
            itt: pdu.itt(),
            ttt: pdu.u32_at(20),
            cmd_sn: pdu.u32_at(24),
            exp_stat_sn: pdu.u32_at(28),
            data: pdu.data.clone(),
        })
    }

    pub fn emit(&self) -> Pdu {
        let flags = (self.final_ as u8) << 7 | (self.continue_ as u8) << 6;
        let mut pdu = Pdu::new(opcode::TEXT_REQUEST, flags);
        pdu.set_immediate(self.immediate);
        pdu.set_lun(self.lun);
        pdu.set_u32(16, self.itt);
        pdu.set_u32(20, self.ttt);
        pdu.set_u32(24, self.cmd_sn);
        pdu.set_u32(28, self.exp_stat_sn);
        pdu.data = self.data.clone();
        pdu
    }
}

/// Logout Request (RFC 7143 §11.14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutRequest {
    pub immediate: bool,
    /// 0 close the session, 1 close the connection, 2 remove the connection for recovery.
    pub reason: u8,
    pub itt: u32,
    pub cid: u16,
    pub cmd_sn: u32,
    pub exp_stat_sn: u32,
}

impl LogoutRequest {
    pub fn parse(pdu: &Pdu) -> Result<LogoutRequest, Error> {
        pdu.expect(opcode::LOGOUT_REQUEST)?;
        Ok(LogoutRequest {
            immediate: pdu.immediate(),
            reason: pdu.flags() & 0x7f,
            itt: pdu.itt(),
            cid: pdu.u16_at(20),
            cmd_sn: pdu.u32_at(24),
            exp_stat_sn: pdu.u32_at(28),
        })
    }

    pub fn emit(&self) -> Pdu {
        let mut pdu = Pdu::new(opcode::LOGOUT_REQUEST, 0x80 | self.reason);
        pdu.set_immediate(self.immediate);
        pdu.set_u32(16, self.itt);
        pdu.set_u16(20, self.cid);
        pdu.set_u32(24, self.cmd_sn);
        pdu.set_u32(28, self.exp_stat_sn);
        pdu
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// READ(10) of LBA 16, 2 blocks, at LUN 0: R and F set, ITT 0x10, 4096 bytes expected.
    const READ10_COMMAND: [u8; 48] = [
        0x01, 0xc1, 0x00, 0x00, // SCSI Command; F R, attr simple
        0x00, 0x00, 0x00, 0x00, // no AHS, no data
        0, 0, 0, 0, 0, 0, 0, 0, // LUN 0
        0x00, 0x00, 0x00, 0x10, // ITT
        0x00, 0x00, 0x10, 0x00, // Expected Data Transfer Length 4096
        0x00, 0x00, 0x00, 0x05, // CmdSN
        0x00, 0x00, 0x00, 0x03, // ExpStatSN
        0x28, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x02, 0x00, 0, 0, 0, 0, 0, 0, // CDB
    ];

    fn read10() -> ScsiCommand {
        let mut cdb = [0u8; 16];
        cdb[..10].copy_from_slice(&[0x28, 0, 0, 0, 0, 0x10, 0, 0, 2, 0]);
        ScsiCommand {
            immediate: false,
            final_: true,
            read: true,
            write: false,
            attr: 1,
            lun: 0,
            itt: 0x10,
            expected_length: 4096,
            cmd_sn: 5,
            exp_stat_sn: 3,
            cdb,
            data: Vec::new(),
        }
    }

    #[test]
    fn scsi_command_parse_and_emit() {
        let pdu = Pdu::from_parts(READ10_COMMAND, &[]).unwrap();
        assert_eq!(ScsiCommand::parse(&pdu).unwrap(), read10());
        assert_eq!(read10().emit().to_bytes(), READ10_COMMAND);
    }

    /// The first login PDU libiscsi-style initiators send: security stage,
    /// transit to operational negotiation, ISID 80 12 34 56 78 9a, CID 0.
    const LOGIN_FIRST: [u8; 48] = [
        0x43, 0x81, 0x00, 0x00, // I + Login; T, CSG 0, NSG 1; versions 0
        0x00, 0x00, 0x00, 0x00, // lengths (set by to_bytes)
        0x80, 0x12, 0x34, 0x56, 0x78, 0x9a, 0x00, 0x00, // ISID, TSIH 0
        0x00, 0x00, 0x00, 0x01, // ITT
        0x00, 0x00, 0x00, 0x00, // CID, reserved
        0x00, 0x00, 0x00, 0x01, // CmdSN
        0x00, 0x00, 0x00, 0x00, // ExpStatSN
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    #[test]
    fn login_request_parse_and_emit() {
        let keys = b"InitiatorName=iqn.x\0AuthMethod=None\0".to_vec();
        let mut wire = LOGIN_FIRST.to_vec();
        wire[7] = keys.len() as u8;
        wire.extend_from_slice(&keys);
        let (pdu, _) = Pdu::parse(&wire).unwrap().unwrap();
        let login = LoginRequest::parse(&pdu).unwrap();
        let expected = LoginRequest {
            transit: true,
            continue_: false,
            csg: Stage::SecurityNegotiation,
            nsg: Stage::LoginOperationalNegotiation,
            version_max: 0,
            version_min: 0,
            isid: [0x80, 0x12, 0x34, 0x56, 0x78, 0x9a],
            tsih: 0,
            itt: 1,
            cid: 0,
            cmd_sn: 1,
            exp_stat_sn: 0,
            data: keys,
        };
        assert_eq!(login, expected);
        assert_eq!(expected.emit().to_bytes(), wire);
    }

    /// Data-Out answering R2T 0x2a: 2 bytes at offset 2048, final.
    const DATA_OUT: [u8; 52] = [
        0x05, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, // Data-Out, F, 2 bytes
        0, 0, 0, 0, 0, 0, 0, 0, // LUN
        0x00, 0x00, 0x00, 0x11, // ITT
        0x00, 0x00, 0x00, 0x2a, // TTT
        0, 0, 0, 0, // reserved
        0x00, 0x00, 0x00, 0x04, // ExpStatSN
        0, 0, 0, 0, // reserved
        0x00, 0x00, 0x00, 0x01, // DataSN
        0x00, 0x00, 0x08, 0x00, // Buffer Offset
        0, 0, 0, 0, // reserved
        0xab, 0xcd, 0, 0, // data + padding
    ];

    #[test]
    fn data_out_parse_and_emit() {
        let (pdu, _) = Pdu::parse(&DATA_OUT).unwrap().unwrap();
        let out = DataOut::parse(&pdu).unwrap();
        let expected = DataOut {
            final_: true,
            lun: 0,
            itt: 0x11,
            ttt: 0x2a,
            exp_stat_sn: 4,
            data_sn: 1,
            offset: 2048,
            data: vec![0xab, 0xcd],
        };
        assert_eq!(out, expected);
        assert_eq!(expected.emit().to_bytes(), DATA_OUT);
    }

    #[test]
    fn logout_and_text_and_task_management_round_trip() {
        let logout = LogoutRequest {
            immediate: true,
            reason: 0,
            itt: 9,
            cid: 0,
            cmd_sn: 12,
            exp_stat_sn: 8,
        };
        let bytes = logout.emit().to_bytes();
        assert_eq!(&bytes[..4], &[0x46, 0x80, 0, 0]);
        assert_eq!(LogoutRequest::parse(&logout.emit()).unwrap(), logout);

        let text = TextRequest {
            immediate: false,
            final_: true,
            continue_: false,
            lun: 0,
            itt: 3,
            ttt: RESERVED_TAG,
            cmd_sn: 2,
            exp_stat_sn: 2,
            data: b"SendTargets=All\0".to_vec(),
        };
        let bytes = text.emit().to_bytes();
        assert_eq!(&bytes[..8], &[0x04, 0x80, 0, 0, 0, 0, 0, 16]);
        assert_eq!(&bytes[20..24], &[0xff; 4]);
        assert_eq!(TextRequest::parse(&text.emit()).unwrap(), text);

        let abort = TaskManagementRequest {
            immediate: true,
            function: 1,
            lun: 0,
            itt: 20,
            referenced_task_tag: 19,
            cmd_sn: 7,
            exp_stat_sn: 6,
        };
        assert_eq!(&abort.emit().to_bytes()[..2], &[0x42, 0x81]);
        assert_eq!(TaskManagementRequest::parse(&abort.emit()).unwrap(), abort);
    }

    #[test]
    fn wrong_opcode_is_an_error() {
        let pdu = Pdu::from_parts(READ10_COMMAND, &[]).unwrap();
        let err = NopOut::parse(&pdu).unwrap_err();
        assert!(err.to_string().contains("NOP-Out"), "{err}");
    }
}
