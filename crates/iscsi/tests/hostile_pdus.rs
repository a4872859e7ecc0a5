//! Hostile initiators: random PDUs, before and after login, must never panic the
//! target or make it allocate without bound; it answers or closes the connection.

use std::time::Duration;

use iscsi::login::Limits;
use iscsi::pdu::{opcode, Pdu, BHS_LEN};
use iscsi::{text, Backend, Connection, TargetConfig};
use mmc::{CommandOutcome, DataDirection, TransportError};

/// A device that answers everything GOOD and fills reads with a pattern.
struct Anything;

impl Backend for Anything {
    fn claim(&mut self, _initiator: &str) -> Result<(), String> {
        Ok(())
    }

    fn execute(
        &mut self,
        _cdb: &[u8],
        data: DataDirection<'_>,
        _timeout: Duration,
    ) -> Result<CommandOutcome, TransportError> {
        if let DataDirection::FromDevice(buf) = data {
            buf.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8);
        }
        Ok(CommandOutcome::good(0))
    }
}

/// xorshift64*: a reproducible stream of random numbers.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const INITIATOR_OPCODES: [u8; 8] = [
    opcode::NOP_OUT,
    opcode::SCSI_COMMAND,
    opcode::TASK_MANAGEMENT_REQUEST,
    opcode::LOGIN_REQUEST,
    opcode::TEXT_REQUEST,
    opcode::SCSI_DATA_OUT,
    opcode::LOGOUT_REQUEST,
    opcode::SNACK_REQUEST,
];

fn random_pdu(rng: &mut Rng) -> Pdu {
    let mut bhs = [0u8; BHS_LEN];
    for byte in bhs.iter_mut() {
        *byte = rng.next() as u8;
    }
    bhs[0] = (bhs[0] & 0x40) | INITIATOR_OPCODES[rng.below(8) as usize];
    bhs[4] = 0;
    // Expected lengths up to 64 MiB (beyond the target's buffer limit), and small ones.
    if rng.below(2) == 0 {
        bhs[20..24].copy_from_slice(&(rng.below(4096) as u32).to_be_bytes());
    }
    let data_len = rng.below(300) as usize;
    let data: Vec<u8> = (0..data_len).map(|_| rng.next() as u8).collect();
    let mut bytes = bhs.to_vec();
    bytes[5..8].copy_from_slice(&(data_len as u32).to_be_bytes()[1..]);
    bytes.extend_from_slice(&data);
    bytes.resize(BHS_LEN + data_len.div_ceil(4) * 4, 0);
    Pdu::parse(&bytes).unwrap().unwrap().0
}

fn config() -> TargetConfig {
    TargetConfig {
        target_name: "iqn.2026-12.org.discburn:t".into(),
        address: "127.0.0.1:3260".into(),
        limits: Limits::default(),
    }
}

/// A connection past login, as a well-behaved initiator leaves it.
fn logged_in() -> Connection {
    let mut connection = Connection::new(config());
    let login = iscsi::pdu::initiator::LoginRequest {
        transit: true,
        continue_: false,
        csg: iscsi::pdu::initiator::Stage::SecurityNegotiation,
        nsg: iscsi::pdu::initiator::Stage::FullFeaturePhase,
        version_max: 0,
        version_min: 0,
        isid: [0x80, 0, 0, 0, 0, 1],
        tsih: 0,
        itt: 0,
        cid: 0,
        cmd_sn: 0,
        exp_stat_sn: 0,
        data: text::emit(&[
            ("InitiatorName", "iqn.2026-12.test:fuzz"),
            ("TargetName", "iqn.2026-12.org.discburn:t"),
        ]),
    };
    connection.handle(&login.emit(), &mut Anything).unwrap();
    assert!(connection.logged_in());
    connection
}

#[test]
fn random_pdus_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut answered = 0;
    let mut closed = 0;
    for round in 0..400 {
        let mut connection = if round % 4 == 0 {
            Connection::new(config())
        } else {
            logged_in()
        };
        for _ in 0..50 {
            let pdu = random_pdu(&mut rng);
            match connection.handle(&pdu, &mut Anything) {
                Ok(replies) => {
                    answered += 1;
                    for reply in replies {
                        // Every answer is a well-formed target PDU.
                        assert!(reply.opcode() >= 0x20, "{reply:?}");
                        assert!(reply.data.len() <= 16 << 20);
                    }
                }
                Err(_) => {
                    closed += 1;
                    break;
                }
            }
            if connection.is_closed() {
                break;
            }
        }
    }
    // Both paths were taken: the fuzzing reached the full feature phase.
    assert!(answered > 1000, "{answered} answered");
    assert!(closed > 50, "{closed} closed");
}
