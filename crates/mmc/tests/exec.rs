//! The command helpers against a tiny scripted transport: the data-in rule
//! (mmc.md §1.7), truncation and residual, BUSY / unit attention retries,
//! WRITE resends on 2/04/08 and long-operation polling (§7).

use std::time::Duration;

use mmc::cdb::*;
use mmc::config::{Configuration, Core, Feature, ProfileDescriptor, ProfileList};
use mmc::disc::{DiscInformation, DiscStatus, SessionState};
use mmc::exec::*;
use mmc::sense::{Sense, SenseKey};
use mmc::{ops, CommandOutcome, DataDirection, Profile, ScsiStatus, Transport, TransportError};

type Handler = Box<dyn FnMut(&[u8], &mut DataDirection<'_>) -> CommandOutcome>;

/// Answers each command with `handler`; records every CDB.
struct Fake {
    handler: Handler,
    log: Vec<Vec<u8>>,
}

impl Fake {
    fn new(handler: impl FnMut(&[u8], &mut DataDirection<'_>) -> CommandOutcome + 'static) -> Fake {
        Fake {
            handler: Box::new(handler),
            log: Vec::new(),
        }
    }
}

impl Transport for Fake {
    fn execute(
        &mut self,
        cdb: &[u8],
        mut data: DataDirection<'_>,
        _t: Duration,
    ) -> Result<CommandOutcome, TransportError> {
        self.log.push(cdb.to_vec());
        Ok((self.handler)(cdb, &mut data))
    }
    fn device_name(&self) -> String {
        "fake0".to_string()
    }
}

/// Copies `answer` into a data-in buffer as a drive does: truncated to the
/// allocation length, residual = buffer length − bytes copied.
fn answer(data: &mut DataDirection<'_>, answer: &[u8]) -> CommandOutcome {
    match data {
        DataDirection::FromDevice(buf) => {
            let n = buf.len().min(answer.len());
            buf[..n].copy_from_slice(&answer[..n]);
            CommandOutcome::good(buf.len() - n)
        }
        _ => CommandOutcome::good(0),
    }
}

fn sense(key: SenseKey, asc: u8, ascq: u8) -> CommandOutcome {
    CommandOutcome::check_condition(Sense::new(key, asc, ascq).to_fixed().to_vec(), 0)
}

fn configuration() -> Vec<u8> {
    Configuration::new(
        Profile::CdR,
        vec![
            ProfileList {
                profiles: vec![
                    ProfileDescriptor {
                        profile: Profile::CdR,
                        current: true,
                    },
                    ProfileDescriptor {
                        profile: Profile::DvdPlusR,
                        current: false,
                    },
                ],
            }
            .to_descriptor(true),
            Core {
                physical_interface: 2,
                inq2: false,
                dbe: true,
            }
            .to_descriptor(true),
        ],
    )
    .emit()
}

fn alloc_len(cdb: &[u8]) -> usize {
    u16::from_be_bytes([cdb[7], cdb[8]]) as usize
}

#[test]
fn data_in_rule_asks_short_then_exact() {
    let full = configuration();
    let reply = full.clone();
    let mut t = Fake::new(move |_, data| answer(data, &reply));
    let c = ops::get_configuration(&mut t, RequestType::All, 0).unwrap();
    assert_eq!(c.current_profile, Profile::CdR);
    assert_eq!(c.profiles().len(), 2);
    assert_eq!(c.emit(), full);
    assert_eq!(t.log.len(), 2);
    assert_eq!(alloc_len(&t.log[0]), 8, "first ask: the header");
    assert_eq!(
        alloc_len(&t.log[1]),
        full.len(),
        "then exactly the stated length"
    );
}

#[test]
fn data_in_rule_stops_when_header_is_everything() {
    // A drive with nothing beyond the header (no medium, no features).
    let header = Configuration::new(Profile::None, vec![]).emit();
    let mut t = Fake::new(move |_, data| answer(data, &header));
    let c = ops::get_configuration(&mut t, RequestType::All, 0).unwrap();
    assert_eq!(c.current_profile, Profile::None);
    assert_eq!(t.log.len(), 1);
}

#[test]
fn execute_in_truncates_to_transferred_bytes() {
    let mut t =
        Fake::new(|_, data| answer(data, &[0x05, 0x80, 0x05, 0x02, 0x1F, 0, 0, 0, b'Q', b'E']));
    let cdb = Inquiry::default().to_cdb();
    let got = execute_in(&mut t, &cdb, 36, Duration::from_secs(1)).unwrap();
    assert_eq!(got.len(), 10, "36 allocated − 26 residual");
    // And the parser copes with the short answer.
    assert_eq!(mmc::inquiry::InquiryData::parse(&got).unwrap().vendor, "QE");
}

#[test]
fn busy_is_retried_then_given_up() {
    let mut calls = 0;
    let mut t = Fake::new(move |_, _| {
        calls += 1;
        if calls <= 2 {
            CommandOutcome {
                status: ScsiStatus::Busy,
                sense: vec![],
                residual: 0,
            }
        } else {
            CommandOutcome::good(0)
        }
    });
    let policy = RetryPolicy::immediate();
    execute_none_with(
        &mut t,
        &TestUnitReady.to_cdb(),
        Duration::from_secs(1),
        &policy,
    )
    .unwrap();
    assert_eq!(t.log.len(), 3);

    let mut t = Fake::new(|_, _| CommandOutcome {
        status: ScsiStatus::Busy,
        sense: vec![],
        residual: 0,
    });
    let err = execute_none_with(
        &mut t,
        &TestUnitReady.to_cdb(),
        Duration::from_secs(1),
        &policy,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            MmcError::Status {
                status: ScsiStatus::Busy,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(t.log.len() as u32, policy.busy_retries + 1);
}

#[test]
fn unit_attention_is_retried_a_few_times() {
    let mut first = true;
    let info = DiscInformation::new(DiscStatus::Blank, SessionState::Empty, false).emit();
    let mut t = Fake::new(move |_, data| {
        if std::mem::take(&mut first) {
            sense(SenseKey::UnitAttention, 0x28, 0x00)
        } else {
            answer(data, &info)
        }
    });
    let di = ops::read_disc_information(&mut t).unwrap();
    assert_eq!(di.disc_status, DiscStatus::Blank);
    assert_eq!(t.log.len(), 3, "UA, then header, then full");

    let mut t = Fake::new(|_, _| sense(SenseKey::UnitAttention, 0x29, 0x00));
    let err = ops::test_unit_ready(&mut t).unwrap_err();
    assert_eq!(err.sense().map(Sense::code), Some((6, 0x29, 0)));
    assert_eq!(
        t.log.len(),
        1 + RetryPolicy::default().unit_attention_retries as usize
    );
}

#[test]
fn sense_errors_read_well_and_classify() {
    let mut t = Fake::new(|_, _| sense(SenseKey::IllegalRequest, 0x21, 0x02));
    let err = ops::write_blocks(&mut t, 100, &[0u8; 2048]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "fake0: WRITE(10) at LBA 100: 5/21/02 ILLEGAL REQUEST, INVALID ADDRESS FOR WRITE: write not at the next writable address, or the disc is closed"
    );
    assert!(!err.is_unsupported());
    let mut t = Fake::new(|_, _| sense(SenseKey::IllegalRequest, 0x24, 0x00));
    assert!(ops::read_full_toc(&mut t, 1).unwrap_err().is_unsupported());
    // CHECK CONDITION without decodable sense is a status error.
    let mut t = Fake::new(|_, _| CommandOutcome::check_condition(vec![], 0));
    assert!(matches!(
        ops::test_unit_ready(&mut t),
        Err(MmcError::Status { .. })
    ));
}

#[test]
fn write_resends_the_same_cdb_on_long_write_in_progress() {
    let mut calls = 0;
    let mut t = Fake::new(move |_, _| {
        calls += 1;
        if calls <= 3 {
            sense(SenseKey::NotReady, 0x04, 0x08)
        } else {
            CommandOutcome::good(0)
        }
    });
    let cdb = Write10::new(32, 16).to_cdb();
    execute_out_with(
        &mut t,
        &cdb,
        &[0u8; 16 * 2048],
        Duration::from_secs(1),
        &RetryPolicy::immediate(),
    )
    .unwrap();
    assert_eq!(t.log.len(), 4);
    assert!(
        t.log.iter().all(|c| c == cdb.as_bytes()),
        "LBA never advanced on a rejected WRITE"
    );
    // Other commands are not resent on 2/04/08: the caller polls.
    let mut t = Fake::new(|_, _| sense(SenseKey::NotReady, 0x04, 0x08));
    assert!(ops::read_capacity(&mut t).is_err());
    assert_eq!(t.log.len(), 1);
}

#[test]
fn an_empty_write_sends_nothing() {
    // tgt finalises a blank DVD+R on a zero-length WRITE(10) at LBA 0.
    let mut t = Fake::new(|_, _| CommandOutcome::good(0));
    ops::write_blocks(&mut t, 0, &[]).unwrap();
    assert!(t.log.is_empty(), "{:02x?}", t.log);
    ops::write_blocks(&mut t, 0, &[0u8; 2048]).unwrap();
    assert_eq!(t.log, vec![Write10::new(0, 1).to_cdb().as_bytes().to_vec()]);
}

#[test]
fn read_blocks_checks_sizes_and_transfer() {
    let mut t = Fake::new(|_, data| answer(data, &[7u8; 2048]));
    let mut buf = vec![0u8; 4096];
    let err = ops::read_blocks(&mut t, 0, &mut buf).unwrap_err();
    assert!(err.to_string().contains("2048 of 4096 bytes"), "{err}");
    let mut odd = vec![0u8; 1000];
    assert!(matches!(
        ops::read_blocks(&mut t, 0, &mut odd),
        Err(MmcError::Invalid { .. })
    ));
    let mut one = vec![0u8; 2048];
    ops::read_blocks(&mut t, 5, &mut one).unwrap();
    assert!(one.iter().all(|&b| b == 7));
    assert_eq!(t.log.last().unwrap(), Read10::new(5, 1).to_cdb().as_bytes());
}

#[test]
fn polling_reports_progress_until_ready() {
    let mut polls = 0u32;
    let info = DiscInformation::new(DiscStatus::Appendable, SessionState::Empty, false).emit();
    let mut t = Fake::new(move |cdb, data| match cdb[0] {
        opcode::TEST_UNIT_READY => {
            polls += 1;
            match polls {
                1 => CommandOutcome::check_condition(
                    Sense::new(SenseKey::NotReady, 0x04, 0x07)
                        .with_progress(0x4000)
                        .to_fixed()
                        .to_vec(),
                    0,
                ),
                2 => CommandOutcome::check_condition(
                    Sense::new(SenseKey::NotReady, 0x04, 0x07)
                        .with_progress(0x8000)
                        .to_fixed()
                        .to_vec(),
                    0,
                ),
                _ => CommandOutcome::good(0),
            }
        }
        opcode::READ_DISC_INFORMATION => answer(data, &info),
        _ => sense(SenseKey::IllegalRequest, 0x20, 0),
    });
    let mut seen = Vec::new();
    wait_ready(
        &mut t,
        "closing the session",
        &PollOptions::immediate(Duration::from_secs(5)),
        &mut |p| seen.push(p.fraction),
    )
    .unwrap();
    assert_eq!(seen, vec![Some(0.25), Some(0.5)]);
    assert_eq!(
        t.log.last().unwrap()[0],
        opcode::READ_DISC_INFORMATION,
        "barrier after GOOD"
    );
}

#[test]
fn polling_waits_through_a_busy_barrier() {
    let mut rdi = 0;
    let mut t = Fake::new(move |cdb, data| match cdb[0] {
        opcode::READ_DISC_INFORMATION => {
            rdi += 1;
            if rdi == 1 {
                sense(SenseKey::NotReady, 0x04, 0x08)
            } else {
                answer(data, &[0; 34])
            }
        }
        _ => CommandOutcome::good(0),
    });
    wait_ready(
        &mut t,
        "sync",
        &PollOptions::immediate(Duration::from_secs(5)),
        &mut |_| {},
    )
    .unwrap();
    let rdis = t
        .log
        .iter()
        .filter(|c| c[0] == opcode::READ_DISC_INFORMATION)
        .count();
    assert_eq!(rdis, 2);
}

#[test]
fn polling_fails_on_no_medium_and_times_out() {
    let mut t = Fake::new(|_, _| sense(SenseKey::NotReady, 0x3A, 0x00));
    let err = wait_ready(
        &mut t,
        "blank",
        &PollOptions::immediate(Duration::from_secs(5)),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.sense().is_some_and(Sense::is_no_medium), "{err}");

    let mut t = Fake::new(|_, _| sense(SenseKey::NotReady, 0x04, 0x04));
    let err = wait_ready(
        &mut t,
        "format",
        &PollOptions::immediate(Duration::from_millis(30)),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(err, MmcError::Timeout { .. }), "{err}");
    assert!(err.to_string().contains("format did not finish"), "{err}");
}

#[test]
fn polling_accepts_lasting_plain_not_ready() {
    // Dumb adapters answer 2/04/00 forever; after the grace period it counts as done.
    let mut t = Fake::new(|_, _| sense(SenseKey::NotReady, 0x04, 0x00));
    let options = PollOptions {
        not_ready_grace: Duration::from_millis(10),
        ..PollOptions::immediate(Duration::from_secs(5))
    };
    wait_ready(&mut t, "close", &options, &mut |_| {}).unwrap();
}

#[test]
fn polling_uses_request_sense_when_tur_has_no_progress() {
    let mut t = Fake::new(|cdb, data| match cdb[0] {
        opcode::TEST_UNIT_READY => sense(SenseKey::NotReady, 0x04, 0x07),
        opcode::REQUEST_SENSE => answer(
            data,
            &Sense::new(SenseKey::NotReady, 0x04, 0x07)
                .with_progress(0xC000)
                .to_fixed(),
        ),
        _ => CommandOutcome::good(0),
    });
    let mut seen = None;
    let options = PollOptions::immediate(Duration::from_millis(20));
    let _ = wait_ready(&mut t, "blank", &options, &mut |p| seen = p.fraction);
    assert_eq!(seen, Some(0.75));
}

/// QEMU's ATAPI drive reads the TOC format from CDB byte 9 b7..b6 (SFF-8020)
/// and answers a byte-2 format 1 with the format-0 TOC (QEMU-DRIVE.md rows 5-7).
#[test]
fn session_info_falls_back_to_the_old_format_field() {
    let format0 = [
        0x00, 0x12, 0x01, 0x01, 0x00, 0x14, 0x01, 0x00, 0, 0, 0, 0, 0x00, 0x16, 0xAA, 0x00, 0, 0,
        0x05, 0x5D,
    ];
    let old_session_info = [0x00, 0x0A, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0];
    let mut t = Fake::new(move |cdb, data| {
        if cdb[9] >> 6 == 1 {
            answer(data, &old_session_info)
        } else {
            answer(data, &format0)
        }
    });
    let si = ops::read_session_info(&mut t).unwrap();
    assert_eq!(
        (
            si.first_complete_session,
            si.last_complete_session,
            si.last_session_start
        ),
        (1, 1, 0)
    );
    let last = t.log.last().unwrap();
    assert_eq!((last[2], last[9]), (0x01, 0x40));
    assert!(
        t.log.iter().any(|c| c[9] == 0),
        "the MMC form was tried first"
    );

    // Full TOC: the old field holds format 2 as 80h; ATIP has no old field.
    let full = [
        0x00, 0x0D, 0x01, 0x01, 0x01, 0x14, 0x00, 0xA0, 0, 0, 0, 0, 0x01, 0x00, 0x00,
    ];
    let mut t = Fake::new(move |cdb, data| {
        if cdb[9] >> 6 == 2 {
            answer(data, &full)
        } else {
            answer(data, &format0)
        }
    });
    assert_eq!(ops::read_full_toc(&mut t, 1).unwrap().entries.len(), 1);
    let mut t = Fake::new(move |_, data| answer(data, &format0));
    assert!(matches!(
        ops::read_atip(&mut t),
        Err(MmcError::Parse { .. })
    ));
    assert!(matches!(
        ops::read_full_toc(&mut t, 1),
        Err(MmcError::Parse { .. })
    ));

    // A drive that never answers format 1 is an error, not a wrong answer.
    let mut t = Fake::new(move |_, data| answer(data, &format0));
    assert!(matches!(
        ops::read_session_info(&mut t),
        Err(MmcError::Parse { .. })
    ));

    // An MMC drive answers at once.
    let mut t = Fake::new(|_, data| {
        answer(
            data,
            &[
                0x00, 0x0A, 0x01, 0x02, 0x00, 0x14, 0x02, 0x00, 0, 0, 0x6B, 0x6C,
            ],
        )
    });
    assert_eq!(
        ops::read_session_info(&mut t).unwrap().last_session_start,
        27_500
    );
    assert!(t.log.iter().all(|c| c[9] == 0), "no fallback needed");
}

#[test]
fn no_retry_policy_reports_the_first_answer() {
    let mut t = Fake::new(|_, _| sense(SenseKey::UnitAttention, 0x28, 0x00));
    let err = execute_none_with(
        &mut t,
        &TestUnitReady.to_cdb(),
        Duration::from_secs(1),
        &RetryPolicy::none(),
    )
    .unwrap_err();
    assert_eq!(err.sense().map(Sense::code), Some((6, 0x28, 0)));
    assert_eq!(t.log.len(), 1);
}

#[test]
fn polling_a_drive_stuck_in_unit_attention_ends_at_the_deadline() {
    let mut t = Fake::new(|_, _| sense(SenseKey::UnitAttention, 0x29, 0x00));
    let options = PollOptions {
        interval: Duration::from_millis(5),
        ..PollOptions::immediate(Duration::from_millis(60))
    };
    let err = wait_ready(&mut t, "load", &options, &mut |_| {}).unwrap_err();
    assert!(matches!(err, MmcError::Timeout { .. }), "{err}");
    assert!(
        t.log.len() < 40,
        "polled at the interval, not spun: {} polls",
        t.log.len()
    );
}
