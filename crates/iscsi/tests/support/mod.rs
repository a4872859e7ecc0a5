//! A minimal iSCSI initiator for tests: logs in over TCP with hand-built PDUs
//! and implements `mmc::Transport`, so `mmc::ops` can drive a served device.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use iscsi::pdu::initiator::{
    DataOut, LoginRequest, LogoutRequest, ScsiCommand, Stage, TextRequest,
};
use iscsi::pdu::target::{DataIn, LoginResponse, LogoutResponse, R2t, ScsiResponse, TextResponse};
use iscsi::pdu::{opcode, Pdu, BHS_LEN, RESERVED_TAG};
use iscsi::{text, Server, TargetConfig};
use mmc::{CommandOutcome, DataDirection, ScsiStatus, Transport, TransportError};

pub const TARGET: &str = "iqn.2026-12.org.discburn:test";

/// Serves `device` on a free loopback port (a thread that lives as long as the test process);
/// the session-end hook runs `on_end`.
pub fn serve<T: Transport + Send + 'static>(device: T, on_end: fn(&mut T)) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let config = TargetConfig {
        target_name: TARGET.into(),
        address: address.to_string(),
        limits: Default::default(),
    };
    let server = Server::new(config, device).on_session_end(on_end);
    std::thread::spawn(move || server.serve(listener));
    address
}

pub struct Initiator {
    stream: TcpStream,
    itt: u32,
    cmd_sn: u32,
    exp_stat_sn: u32,
    /// The target's declared MaxRecvDataSegmentLength.
    target_segment: usize,
}

impl Initiator {
    pub fn connect(address: SocketAddr) -> Initiator {
        let stream = TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        Initiator {
            stream,
            itt: 1,
            cmd_sn: 1,
            exp_stat_sn: 0,
            target_segment: 8192,
        }
    }

    pub fn send(&mut self, pdu: &Pdu) {
        self.stream.write_all(&pdu.to_bytes()).unwrap();
    }

    pub fn receive(&mut self) -> Pdu {
        let mut bhs = [0u8; BHS_LEN];
        self.stream.read_exact(&mut bhs).unwrap();
        let mut rest = vec![0u8; Pdu::lengths(&bhs).after_bhs()];
        self.stream.read_exact(&mut rest).unwrap();
        Pdu::from_parts(bhs, &rest).unwrap()
    }

    /// True when the target closed the connection.
    pub fn closed(&mut self) -> bool {
        let mut byte = [0u8; 1];
        matches!(self.stream.read(&mut byte), Ok(0))
    }

    fn next_itt(&mut self) -> u32 {
        self.itt += 1;
        self.itt
    }

    /// One login request; returns the response.
    pub fn login_step(&mut self, csg: Stage, nsg: Stage, keys: &[(&str, &str)]) -> LoginResponse {
        let itt = self.next_itt();
        let request = LoginRequest {
            transit: true,
            continue_: false,
            csg,
            nsg,
            version_max: 0,
            version_min: 0,
            isid: [0x80, 0, 0, 0, 0x12, 0x34],
            tsih: 0,
            itt,
            cid: 0,
            cmd_sn: self.cmd_sn,
            exp_stat_sn: self.exp_stat_sn,
            data: text::emit(keys),
        };
        self.send(&request.emit());
        let response = LoginResponse::parse(&self.receive()).unwrap();
        self.exp_stat_sn = response.seq.stat_sn.wrapping_add(1);
        if let Some(segment) = text::parse(&response.data)
            .unwrap()
            .iter()
            .find(|(k, _)| k == "MaxRecvDataSegmentLength")
        {
            self.target_segment = segment.1.parse().unwrap();
        }
        response
    }

    /// Logs in to a normal session in two stages, as libiscsi does.
    pub fn login(&mut self, name: &str) -> LoginResponse {
        let first = self.login_step(
            Stage::SecurityNegotiation,
            Stage::LoginOperationalNegotiation,
            &[
                ("InitiatorName", name),
                ("TargetName", TARGET),
                ("SessionType", "Normal"),
                ("AuthMethod", "None"),
            ],
        );
        if first.status_class != 0 {
            return first;
        }
        self.login_step(
            Stage::LoginOperationalNegotiation,
            Stage::FullFeaturePhase,
            &[
                ("HeaderDigest", "None"),
                ("DataDigest", "None"),
                ("InitialR2T", "No"),
                ("ImmediateData", "Yes"),
                ("MaxBurstLength", "262144"),
                ("FirstBurstLength", "65536"),
                ("MaxRecvDataSegmentLength", "65536"),
            ],
        )
    }

    /// A discovery session's SendTargets=All answer.
    pub fn send_targets(&mut self) -> Vec<(String, String)> {
        let itt = self.next_itt();
        let request = TextRequest {
            immediate: false,
            final_: true,
            continue_: false,
            lun: 0,
            itt,
            ttt: RESERVED_TAG,
            cmd_sn: self.cmd_sn,
            exp_stat_sn: self.exp_stat_sn,
            data: b"SendTargets=All\0".to_vec(),
        };
        self.cmd_sn += 1;
        self.send(&request.emit());
        let response = TextResponse::parse(&self.receive()).unwrap();
        self.exp_stat_sn = response.seq.stat_sn.wrapping_add(1);
        text::parse(&response.data).unwrap()
    }

    pub fn logout(&mut self) -> LogoutResponse {
        let itt = self.next_itt();
        let request = LogoutRequest {
            immediate: true,
            reason: 0,
            itt,
            cid: 0,
            cmd_sn: self.cmd_sn,
            exp_stat_sn: self.exp_stat_sn,
        };
        self.send(&request.emit());
        LogoutResponse::parse(&self.receive()).unwrap()
    }
}

impl Transport for Initiator {
    fn execute(
        &mut self,
        cdb: &[u8],
        mut data: DataDirection<'_>,
        _timeout: Duration,
    ) -> Result<CommandOutcome, TransportError> {
        let itt = self.next_itt();
        let mut full = [0u8; 16];
        full[..cdb.len()].copy_from_slice(cdb);
        let (read, write) = match data {
            DataDirection::None => (false, false),
            DataDirection::FromDevice(_) => (true, false),
            DataDirection::ToDevice(_) => (false, true),
        };
        // Writes send no immediate data here: every byte goes through R2T and Data-Out.
        let command = ScsiCommand {
            immediate: false,
            final_: true,
            read,
            write,
            attr: 1,
            lun: 0,
            itt,
            expected_length: data.len() as u32,
            cmd_sn: self.cmd_sn,
            exp_stat_sn: self.exp_stat_sn,
            cdb: full,
            data: Vec::new(),
        };
        self.cmd_sn += 1;
        self.send(&command.emit());
        let mut received = 0;
        loop {
            let pdu = self.receive();
            match pdu.opcode() {
                opcode::SCSI_DATA_IN => {
                    let data_in = DataIn::parse(&pdu).unwrap();
                    assert_eq!(data_in.itt, itt);
                    if let DataDirection::FromDevice(buf) = &mut data {
                        let at = data_in.offset as usize;
                        buf[at..at + data_in.data.len()].copy_from_slice(&data_in.data);
                        received = received.max(at + data_in.data.len());
                    }
                    if let Some(status) = data_in.status {
                        self.exp_stat_sn = data_in.seq.stat_sn.wrapping_add(1);
                        return Ok(CommandOutcome {
                            status: ScsiStatus::from_byte(status),
                            sense: Vec::new(),
                            residual: data.len() - received,
                        });
                    }
                }
                opcode::R2T => {
                    let r2t = R2t::parse(&pdu).unwrap();
                    let DataDirection::ToDevice(bytes) = &data else {
                        panic!("R2T for a command without write data")
                    };
                    let start = r2t.offset as usize;
                    let end = start + r2t.length as usize;
                    let pieces: Vec<&[u8]> =
                        bytes[start..end].chunks(self.target_segment).collect();
                    let count = pieces.len();
                    for (n, piece) in pieces.into_iter().enumerate() {
                        let out = DataOut {
                            final_: n + 1 == count,
                            lun: 0,
                            itt,
                            ttt: r2t.ttt,
                            exp_stat_sn: self.exp_stat_sn,
                            data_sn: n as u32,
                            offset: (start + n * self.target_segment) as u32,
                            data: piece.to_vec(),
                        };
                        self.send(&out.emit());
                    }
                }
                opcode::SCSI_RESPONSE => {
                    let response = ScsiResponse::parse(&pdu).unwrap();
                    assert_eq!(response.itt, itt);
                    assert_eq!(response.response, 0, "target failure");
                    self.exp_stat_sn = response.seq.stat_sn.wrapping_add(1);
                    let residual = match response.residual {
                        iscsi::pdu::target::Residual::Underflow(n) => n as usize,
                        _ => 0,
                    };
                    return Ok(CommandOutcome {
                        status: ScsiStatus::from_byte(response.status),
                        sense: response.sense,
                        residual,
                    });
                }
                other => panic!("unexpected {} during a command", opcode::name(other)),
            }
        }
    }

    fn device_name(&self) -> String {
        format!("iscsi initiator to {:?}", self.stream.peer_addr())
    }
}
