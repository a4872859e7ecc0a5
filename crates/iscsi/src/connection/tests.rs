//! The state machine driven PDU by PDU, as an initiator would, against a fake device.

use super::*;
use crate::pdu::target::{
    DataIn, LogoutResponse, NopIn, R2t, Reject, Residual, ScsiResponse, TextResponse,
};
use crate::pdu::{lun_field, RESERVED_TAG};

const TARGET: &str = "iqn.2026-12.org.discburn:test";

/// A device that records each CDB and the write data it got, answers reads
/// with a counting pattern and fails TEST UNIT READY with 02/3A/00.
#[derive(Default)]
struct FakeDevice {
    cdbs: Vec<Vec<u8>>,
    written: Vec<u8>,
    taken_by: Option<String>,
}

impl Backend for FakeDevice {
    fn claim(&mut self, initiator: &str) -> Result<(), String> {
        match &self.taken_by {
            Some(owner) => Err(format!("in use by {owner}")),
            None => {
                self.taken_by = Some(initiator.to_string());
                Ok(())
            }
        }
    }

    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataDirection<'_>,
        _timeout: Duration,
    ) -> Result<CommandOutcome, TransportError> {
        self.cdbs.push(cdb.to_vec());
        match data {
            _ if cdb[0] == 0x00 => {
                let sense = vec![0x70, 0, 2, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x3a, 0, 0, 0, 0, 0];
                Ok(CommandOutcome::check_condition(sense, 0))
            }
            DataDirection::FromDevice(buf) => {
                // Reads give back 36 bytes, or all the buffer for READ(10).
                let n = if cdb[0] == 0x28 {
                    buf.len()
                } else {
                    buf.len().min(36)
                };
                for (i, b) in buf[..n].iter_mut().enumerate() {
                    *b = i as u8;
                }
                Ok(CommandOutcome::good(buf.len() - n))
            }
            DataDirection::ToDevice(bytes) => {
                self.written.extend_from_slice(bytes);
                Ok(CommandOutcome::good(0))
            }
            DataDirection::None => Ok(CommandOutcome::good(0)),
        }
    }
}

fn config() -> TargetConfig {
    TargetConfig {
        target_name: TARGET.into(),
        address: "127.0.0.1:3260".into(),
        limits: Limits::default(),
    }
}

fn login_request(itt: u32, csg: Stage, nsg: Stage, keys: &[(&str, &str)]) -> Pdu {
    LoginRequest {
        transit: true,
        continue_: false,
        csg,
        nsg,
        version_max: 0,
        version_min: 0,
        isid: [0x80, 0, 0, 0, 0, 1],
        tsih: 0,
        itt,
        cid: 0,
        cmd_sn: 1,
        exp_stat_sn: 0,
        data: text::emit(keys),
    }
    .emit()
}

fn one(replies: Vec<Pdu>) -> Pdu {
    assert_eq!(replies.len(), 1, "{replies:?}");
    replies.into_iter().next().unwrap()
}

/// Logs in a normal session in two steps as libiscsi does; returns the connection.
fn logged_in(device: &mut FakeDevice) -> Connection {
    let mut conn = Connection::new(config());
    let first = login_request(
        0,
        Stage::SecurityNegotiation,
        Stage::LoginOperationalNegotiation,
        &[
            ("InitiatorName", "iqn.2008-11.org.linux-kvm"),
            ("TargetName", TARGET),
            ("SessionType", "Normal"),
            ("AuthMethod", "None"),
        ],
    );
    let reply = LoginResponse::parse(&one(conn.handle(&first, device).unwrap())).unwrap();
    assert_eq!((reply.status_class, reply.status_detail), (0, 0));
    let second = login_request(
        1,
        Stage::LoginOperationalNegotiation,
        Stage::FullFeaturePhase,
        &[
            ("MaxRecvDataSegmentLength", "8192"),
            ("ImmediateData", "Yes"),
        ],
    );
    let reply = LoginResponse::parse(&one(conn.handle(&second, device).unwrap())).unwrap();
    assert!(reply.transit);
    assert_eq!(reply.nsg, Stage::FullFeaturePhase);
    conn
}

fn command(itt: u32, cmd_sn: u32, cdb: &[u8], read: bool, write: bool, length: u32) -> ScsiCommand {
    let mut full = [0u8; 16];
    full[..cdb.len()].copy_from_slice(cdb);
    ScsiCommand {
        immediate: false,
        final_: true,
        read,
        write,
        attr: 1,
        lun: 0,
        itt,
        expected_length: length,
        cmd_sn,
        exp_stat_sn: 0,
        cdb: full,
        data: Vec::new(),
    }
}

#[test]
fn first_login_response_bytes() {
    let mut device = FakeDevice::default();
    let mut conn = Connection::new(config());
    let first = login_request(
        0x1234,
        Stage::SecurityNegotiation,
        Stage::LoginOperationalNegotiation,
        &[
            ("InitiatorName", "iqn.i"),
            ("TargetName", TARGET),
            ("AuthMethod", "None"),
        ],
    );
    let reply = one(conn.handle(&first, &mut device).unwrap());
    let expected_keys = b"AuthMethod=None\0TargetPortalGroupTag=1\0";
    let mut expected = vec![
        0x23,
        0x81,
        0x00,
        0x00, // Login Response; T, CSG 0, NSG 1
        0x00,
        0x00,
        0x00,
        expected_keys.len() as u8,
        0x80,
        0,
        0,
        0,
        0,
        1,
        0x00,
        0x00, // ISID, TSIH 0 (not yet)
        0x00,
        0x00,
        0x12,
        0x34, // ITT
        0,
        0,
        0,
        0, //
        0,
        0,
        0,
        0, // StatSN = the request's ExpStatSN
        0,
        0,
        0,
        1, // ExpCmdSN = the request's CmdSN
        0,
        0,
        0,
        1, // MaxCmdSN: a window of one
        0,
        0,
        0,
        0, // success
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    ];
    expected.extend_from_slice(expected_keys);
    expected.push(0); // padding to 4
    assert_eq!(reply.to_bytes(), expected);
    assert_eq!(device.taken_by.as_deref(), Some("iqn.i"));
    assert!(conn.claimed());
}

#[test]
fn operational_stage_declares_limits_and_enters_full_feature() {
    let mut device = FakeDevice::default();
    let mut conn = Connection::new(config());
    let keys = [
        ("InitiatorName", "iqn.i"),
        ("TargetName", TARGET),
        ("AuthMethod", "None"),
        ("MaxRecvDataSegmentLength", "65536"),
        ("MaxBurstLength", "262144"),
    ];
    // Straight from security negotiation to the full feature phase.
    let req = login_request(
        5,
        Stage::SecurityNegotiation,
        Stage::FullFeaturePhase,
        &keys,
    );
    let reply = LoginResponse::parse(&one(conn.handle(&req, &mut device).unwrap())).unwrap();
    assert_eq!(reply.tsih, 1);
    assert_eq!(
        (reply.csg, reply.nsg),
        (Stage::SecurityNegotiation, Stage::FullFeaturePhase)
    );
    let pairs = text::parse(&reply.data).unwrap();
    assert_eq!(text::get(&pairs, "MaxBurstLength"), Some("262144"));
    assert_eq!(
        text::get(&pairs, "MaxRecvDataSegmentLength"),
        Some("262144")
    );
    assert_eq!(conn.params().initiator_max_recv_data_segment_length, 65536);
    assert!(!conn.is_closed());
}

#[test]
fn second_initiator_is_refused_with_a_reason() {
    let mut device = FakeDevice {
        taken_by: Some("iqn.first".into()),
        ..Default::default()
    };
    let mut conn = Connection::new(config());
    let req = login_request(
        0,
        Stage::SecurityNegotiation,
        Stage::LoginOperationalNegotiation,
        &[("InitiatorName", "iqn.second"), ("TargetName", TARGET)],
    );
    let bytes = one(conn.handle(&req, &mut device).unwrap()).to_bytes();
    // Status-Class 3 (target error), Status-Detail 2 (out of resources); no T bit.
    assert_eq!(bytes[1] & 0x80, 0);
    assert_eq!(&bytes[36..38], &[0x03, 0x02]);
    assert!(conn.is_closed());
    assert!(!conn.claimed());
    assert!(conn.handle(&req, &mut device).is_err());
}

#[test]
fn unknown_target_and_missing_name_are_refused() {
    let mut device = FakeDevice::default();
    for (keys, detail) in [
        (
            &[("InitiatorName", "iqn.i"), ("TargetName", "iqn.other")][..],
            0x03,
        ),
        (&[("TargetName", TARGET)][..], 0x07),
        (&[("InitiatorName", "iqn.i")][..], 0x07),
    ] {
        let mut conn = Connection::new(config());
        let req = login_request(
            0,
            Stage::SecurityNegotiation,
            Stage::LoginOperationalNegotiation,
            keys,
        );
        let reply = LoginResponse::parse(&one(conn.handle(&req, &mut device).unwrap())).unwrap();
        assert_eq!(
            (reply.status_class, reply.status_detail),
            (2, detail),
            "{keys:?}"
        );
        assert!(conn.is_closed());
    }
    assert_eq!(device.taken_by, None);
}

#[test]
fn discovery_session_lists_the_target() {
    let mut device = FakeDevice::default();
    let mut conn = Connection::new(config());
    let req = login_request(
        0,
        Stage::SecurityNegotiation,
        Stage::FullFeaturePhase,
        &[
            ("InitiatorName", "iqn.i"),
            ("SessionType", "Discovery"),
            ("AuthMethod", "None"),
        ],
    );
    let reply = LoginResponse::parse(&one(conn.handle(&req, &mut device).unwrap())).unwrap();
    assert_eq!(reply.status_class, 0);
    assert!(!conn.claimed(), "discovery does not take the device");
    let text = TextRequest {
        immediate: false,
        final_: true,
        continue_: false,
        lun: 0,
        itt: 1,
        ttt: RESERVED_TAG,
        cmd_sn: 1,
        exp_stat_sn: 1,
        data: b"SendTargets=All\0".to_vec(),
    };
    let reply = TextResponse::parse(&one(conn.handle(&text.emit(), &mut device).unwrap())).unwrap();
    assert_eq!(
        reply.data,
        format!("TargetName={TARGET}\0TargetAddress=127.0.0.1:3260,1\0").into_bytes()
    );
    assert_eq!(
        reply.seq,
        SeqNums {
            stat_sn: 1,
            exp_cmd_sn: 2,
            max_cmd_sn: 2
        }
    );
    // A SCSI command in a discovery session is a protocol error: Reject 0x04.
    let cmd = command(2, 2, &[0x12, 0, 0, 0, 36, 0], true, false, 36);
    let reject = Reject::parse(&one(conn.handle(&cmd.emit(), &mut device).unwrap())).unwrap();
    assert_eq!(reject.reason, 0x04);
    assert!(device.cdbs.is_empty());
}

#[test]
fn read_returns_data_in_with_status() {
    let mut device = FakeDevice::default();
    let mut conn = logged_in(&mut device);
    // INQUIRY with 96 bytes allowed: the device gives 36, 60 are the residual.
    let cmd = command(7, 1, &[0x12, 0, 0, 0, 96, 0], true, false, 96);
    let data_in = DataIn::parse(&one(conn.handle(&cmd.emit(), &mut device).unwrap())).unwrap();
    assert_eq!(device.cdbs, vec![vec![0x12, 0, 0, 0, 96, 0]]);
    assert_eq!(data_in.status, Some(0));
    assert!(data_in.final_);
    assert_eq!(data_in.residual, Residual::Underflow(60));
    assert_eq!(data_in.data, (0..36).collect::<Vec<u8>>());
    assert_eq!(
        data_in.seq,
        SeqNums {
            stat_sn: 2,
            exp_cmd_sn: 2,
            max_cmd_sn: 2
        }
    );
}

#[test]
fn long_read_is_cut_at_the_initiators_segment_length() {
    let mut device = FakeDevice::default();
    let mut conn = logged_in(&mut device);
    // READ(10) of 10 blocks = 20480 bytes; the initiator takes 8192 per PDU.
    let cmd = command(
        8,
        1,
        &[0x28, 0, 0, 0, 0, 0, 0, 0, 10, 0],
        true,
        false,
        20480,
    );
    let replies: Vec<DataIn> = conn
        .handle(&cmd.emit(), &mut device)
        .unwrap()
        .iter()
        .map(|pdu| DataIn::parse(pdu).unwrap())
        .collect();
    let shape: Vec<(u32, u32, usize, bool, Option<u8>)> = replies
        .iter()
        .map(|d| (d.data_sn, d.offset, d.data.len(), d.final_, d.status))
        .collect();
    assert_eq!(
        shape,
        [
            (0, 0, 8192, false, None),
            (1, 8192, 8192, false, None),
            (2, 16384, 4096, true, Some(0))
        ]
    );
    assert_eq!(
        replies[0].seq.stat_sn, 0,
        "StatSN is reserved without status"
    );
    assert_eq!(replies[2].seq.stat_sn, 2);
}

#[test]
fn write_with_immediate_data_then_r2t() {
    let mut device = FakeDevice::default();
    let mut conn = logged_in(&mut device);
    let payload: Vec<u8> = (0..6144u32).map(|i| (i % 251) as u8).collect();
    // WRITE(10) of 3 blocks; the first 2048 bytes come as immediate data.
    let mut cmd = command(9, 1, &[0x2a, 0, 0, 0, 0, 32, 0, 0, 3, 0], false, true, 6144);
    cmd.data = payload[..2048].to_vec();
    let r2t = R2t::parse(&one(conn.handle(&cmd.emit(), &mut device).unwrap())).unwrap();
    assert_eq!(
        (r2t.offset, r2t.length, r2t.r2t_sn, r2t.itt),
        (2048, 4096, 0, 9)
    );
    // The window is shut while the write waits: MaxCmdSN = ExpCmdSN - 1.
    assert_eq!(
        r2t.seq,
        SeqNums {
            stat_sn: 2,
            exp_cmd_sn: 2,
            max_cmd_sn: 1
        }
    );
    assert!(
        device.cdbs.is_empty(),
        "nothing runs before all the data is there"
    );
    for (i, chunk) in payload[2048..].chunks(2048).enumerate() {
        let out = DataOut {
            final_: i == 1,
            lun: 0,
            itt: 9,
            ttt: r2t.ttt,
            exp_stat_sn: 2,
            data_sn: i as u32,
            offset: 2048 + 2048 * i as u32,
            data: chunk.to_vec(),
        };
        let replies = conn.handle(&out.emit(), &mut device).unwrap();
        if i == 0 {
            assert!(replies.is_empty());
        } else {
            let response = ScsiResponse::parse(&one(replies)).unwrap();
            assert_eq!((response.status, response.exp_data_sn), (0, 1));
            assert_eq!(response.residual, Residual::None);
            assert_eq!(
                response.seq,
                SeqNums {
                    stat_sn: 2,
                    exp_cmd_sn: 2,
                    max_cmd_sn: 2
                }
            );
        }
    }
    assert_eq!(device.written, payload);
}

#[test]
fn write_longer_than_a_burst_takes_several_r2ts() {
    let mut device = FakeDevice::default();
    let mut conn = logged_in(&mut device);
    let length = (1 << 18) + 4096; // one MaxBurstLength (the default 262144) and a bit
    let cmd = command(
        10,
        1,
        &[0x2a, 0, 0, 0, 0, 0, 0, 0, 0x82, 0],
        false,
        true,
        length,
    );
    let first = R2t::parse(&one(conn.handle(&cmd.emit(), &mut device).unwrap())).unwrap();
    assert_eq!((first.offset, first.length), (0, 1 << 18));
    let out = DataOut {
        final_: true,
        lun: 0,
        itt: 10,
        ttt: first.ttt,
        exp_stat_sn: 2,
        data_sn: 0,
        offset: 0,
        data: vec![0xaa; 1 << 18],
    };
    let second = R2t::parse(&one(conn.handle(&out.emit(), &mut device).unwrap())).unwrap();
    assert_eq!(
        (second.offset, second.length, second.r2t_sn),
        (1 << 18, 4096, 1)
    );
    let out = DataOut {
        offset: 1 << 18,
        data: vec![0xbb; 4096],
        data_sn: 0,
        ttt: second.ttt,
        ..out
    };
    let response =
        ScsiResponse::parse(&one(conn.handle(&out.emit(), &mut device).unwrap())).unwrap();
    assert_eq!((response.status, response.exp_data_sn), (0, 2));
    assert_eq!(device.written.len(), length as usize);
}

#[test]
fn data_out_at_the_wrong_offset_is_a_protocol_error() {
    let mut device = FakeDevice::default();
    let mut conn = logged_in(&mut device);
    let cmd = command(11, 1, &[0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0], false, true, 2048);
    let r2t = R2t::parse(&one(conn.handle(&cmd.emit(), &mut device).unwrap())).unwrap();
    let out = DataOut {
        final_: true,
        lun: 0,
        itt: 11,
        ttt: r2t.ttt,
        exp_stat_sn: 2,
        data_sn: 0,
        offset: 512,
        data: vec![0; 1536],
    };
    let err = conn.handle(&out.emit(), &mut device).unwrap_err();
    assert!(err.to_string().contains("offset 512"), "{err}");
}

#[test]
fn check_condition_carries_sense() {
    let mut device = FakeDevice::default();
    let mut conn = logged_in(&mut device);
    let cmd = command(12, 1, &[0, 0, 0, 0, 0, 0], false, false, 0);
    let bytes = one(conn.handle(&cmd.emit(), &mut device).unwrap()).to_bytes();
    assert_eq!(&bytes[..8], &[0x21, 0x80, 0x00, 0x02, 0, 0, 0, 20]);
    assert_eq!(&bytes[48..50], &[0, 18], "SenseLength");
    assert_eq!(
        (bytes[50 + 2], bytes[50 + 12]),
        (0x02, 0x3a),
        "sense key, ASC"
    );
}

#[test]
fn report_luns_and_other_luns_are_answered_by_the_target() {
    let mut device = FakeDevice::default();
    let mut conn = logged_in(&mut device);
    let cmd = command(
        13,
        1,
        &[0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0],
        true,
        false,
        256,
    );
    let data_in = DataIn::parse(&one(conn.handle(&cmd.emit(), &mut device).unwrap())).unwrap();
    assert_eq!(
        data_in.data,
        [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    );
    let mut inquiry = command(14, 2, &[0x12, 0, 0, 0, 36, 0], true, false, 36);
    inquiry.lun = lun_field(1);
    let data_in = DataIn::parse(&one(conn.handle(&inquiry.emit(), &mut device).unwrap())).unwrap();
    assert_eq!(data_in.data[0], 0x7f, "peripheral qualifier 3: no device");
    let mut tur = command(15, 3, &[0, 0, 0, 0, 0, 0], false, false, 0);
    tur.lun = lun_field(1);
    let response =
        ScsiResponse::parse(&one(conn.handle(&tur.emit(), &mut device).unwrap())).unwrap();
    assert_eq!((response.status, response.sense[12]), (2, 0x25));
    assert!(device.cdbs.is_empty(), "none of these reach the device");
}

#[test]
fn nop_ping_is_echoed_and_logout_closes() {
    let mut device = FakeDevice::default();
    let mut conn = logged_in(&mut device);
    let ping = NopOut {
        immediate: true,
        lun: 0,
        itt: 20,
        ttt: RESERVED_TAG,
        cmd_sn: 1,
        exp_stat_sn: 2,
        data: b"are you there".to_vec(),
    };
    let pong = NopIn::parse(&one(conn.handle(&ping.emit(), &mut device).unwrap())).unwrap();
    assert_eq!(
        (pong.itt, pong.ttt, pong.data.as_slice()),
        (20, RESERVED_TAG, &b"are you there"[..])
    );
    assert_eq!(
        pong.seq,
        SeqNums {
            stat_sn: 2,
            exp_cmd_sn: 1,
            max_cmd_sn: 1
        }
    );
    // The answer to a target's ping (ITT reserved) gets no reply.
    let answer = NopOut {
        itt: RESERVED_TAG,
        ..ping
    };
    assert!(conn.handle(&answer.emit(), &mut device).unwrap().is_empty());

    let logout = LogoutRequest {
        immediate: true,
        reason: 0,
        itt: 21,
        cid: 0,
        cmd_sn: 1,
        exp_stat_sn: 3,
    };
    let reply =
        LogoutResponse::parse(&one(conn.handle(&logout.emit(), &mut device).unwrap())).unwrap();
    assert_eq!((reply.response, reply.itt, reply.seq.stat_sn), (0, 21, 3));
    assert!(conn.is_closed());
}

#[test]
fn scsi_before_login_is_a_protocol_error() {
    let mut device = FakeDevice::default();
    let mut conn = Connection::new(config());
    let cmd = command(1, 1, &[0x12, 0, 0, 0, 36, 0], true, false, 36);
    let err = conn.handle(&cmd.emit(), &mut device).unwrap_err();
    assert!(err.to_string().contains("during login"), "{err}");
}

#[test]
fn commands_sent_while_a_write_waits_run_after_it() {
    let mut device = FakeDevice::default();
    let mut conn = logged_in(&mut device);
    let write = command(30, 1, &[0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0], false, true, 2048);
    let r2t = R2t::parse(&one(conn.handle(&write.emit(), &mut device).unwrap())).unwrap();
    let tur = command(31, 2, &[0x1e, 0, 0, 0, 0, 0], false, false, 0);
    assert!(
        conn.handle(&tur.emit(), &mut device).unwrap().is_empty(),
        "queued"
    );
    let out = DataOut {
        final_: true,
        lun: 0,
        itt: 30,
        ttt: r2t.ttt,
        exp_stat_sn: 2,
        data_sn: 0,
        offset: 0,
        data: vec![1; 2048],
    };
    let replies = conn.handle(&out.emit(), &mut device).unwrap();
    let itts: Vec<u32> = replies
        .iter()
        .map(|p| ScsiResponse::parse(p).unwrap().itt)
        .collect();
    assert_eq!(itts, [30, 31]);
    assert_eq!(
        device.cdbs.iter().map(|c| c[0]).collect::<Vec<_>>(),
        [0x2a, 0x1e]
    );
}
