//! The emulated recorder served over TCP, driven by a hand-built initiator
//! (tests/support) through `mmc::ops`: what a burner does, over iSCSI.

mod support;

use emulator::{MediaType, Recorder};
use iscsi::pdu::initiator::Stage;
use mmc::cdb::{CloseFunction, TrackAddress};
use mmc::{ops, Profile};
use support::{serve, Initiator, TARGET};

fn flush(recorder: &mut Recorder) {
    recorder.flush().unwrap();
}

/// 48 blocks of a pattern no block repeats.
fn pattern(blocks: usize) -> Vec<u8> {
    (0..blocks * 2048)
        .map(|i| ((i / 2048) as u8).wrapping_mul(31) ^ (i as u8))
        .collect()
}

#[test]
fn a_session_burned_over_iscsi_lands_in_the_medium() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dvd.emu");
    let recorder = Recorder::create(&path, MediaType::DvdPlusR, None).unwrap();
    let address = serve(recorder, flush);

    let mut drive = Initiator::connect(address);
    let login = drive.login("iqn.2026-12.test:burner");
    assert_eq!((login.status_class, login.tsih), (0, 1));

    // The first command meets the unit attention of a loaded medium; ops retries it.
    ops::test_unit_ready(&mut drive).unwrap();
    let inquiry = ops::inquiry(&mut drive).unwrap();
    assert_eq!(
        (inquiry.vendor.as_str(), inquiry.product.as_str()),
        ("DISCBURN", "EMU RECORDER")
    );
    assert_eq!(ops::current_profile(&mut drive).unwrap(), Profile::DvdPlusR);
    let nwa = ops::read_track_information(&mut drive, TrackAddress::INVISIBLE)
        .unwrap()
        .writable_address()
        .unwrap();
    assert_eq!(nwa, 0);

    // 48 blocks in WRITE(10)s of 32 and 16 blocks: 64 KiB and 32 KiB through R2T/Data-Out.
    let data = pattern(48);
    ops::write_blocks(&mut drive, 0, &data[..32 * 2048]).unwrap();
    ops::write_blocks(&mut drive, 32, &data[32 * 2048..]).unwrap();
    ops::synchronize_cache(&mut drive, false).unwrap();
    ops::close_track_session(&mut drive, CloseFunction::CloseTrack, 1, false).unwrap();
    ops::close_track_session(&mut drive, CloseFunction::CloseSession, 0, false).unwrap();

    // READ(10) back through Data-In, 48 blocks = 96 KiB in several PDUs.
    let mut back = vec![0u8; 48 * 2048];
    ops::read_blocks(&mut drive, 0, &mut back).unwrap();
    assert!(
        back == data,
        "the blocks read back differ from those written"
    );
    // A block never written: CHECK CONDITION with sense, carried by the SCSI Response.
    let mut beyond = vec![0u8; 2048];
    let err = ops::read_blocks(&mut drive, 5000, &mut beyond).unwrap_err();
    assert_eq!(err.sense().unwrap().code().0, 0x05, "{err}");
    let disc = ops::read_disc_information(&mut drive).unwrap();
    // The closed session and the empty one after it (MMC-5 6.22.3: Number of Sessions).
    assert_eq!(disc.sessions, 2);
    assert_eq!(drive.logout().response, 0);
    assert!(drive.closed());

    // The session end persisted the medium: a fresh recorder reads the same state.
    let mut summary = None;
    for _ in 0..50 {
        // The server thread flushes right after the connection closes.
        if let Ok(recorder) = Recorder::open_read_only(&path) {
            if recorder.summary().sessions.len() == 1 {
                summary = Some(recorder.summary());
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let summary = summary.expect("the burned session is in the medium's state file");
    assert_eq!(summary.sessions[0].tracks[0].size, 48);
    // The data file (sparse, 4.4 GB) starts with the written blocks.
    let mut file = vec![0u8; 48 * 2048];
    std::io::Read::read_exact(&mut std::fs::File::open(&path).unwrap(), &mut file).unwrap();
    assert!(file == data, "the data file holds the written blocks");
}

#[test]
fn a_second_initiator_is_refused_until_the_first_leaves() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::create(dir.path().join("cd.emu"), MediaType::CdR, None).unwrap();
    let address = serve(recorder, flush);

    let mut first = Initiator::connect(address);
    assert_eq!(first.login("iqn.2026-12.test:first").status_class, 0);

    let mut second = Initiator::connect(address);
    let refused = second.login("iqn.2026-12.test:second");
    // Status-Class 3 "target error", Status-Detail 2 "out of resources" (RFC 7143 §11.13.5).
    assert_eq!((refused.status_class, refused.status_detail), (3, 2));
    assert!(second.closed(), "the target closes a refused connection");

    // Discovery does not need the device: it still works while the first holds it.
    let mut discovery = Initiator::connect(address);
    let login = discovery.login_step(
        Stage::SecurityNegotiation,
        Stage::FullFeaturePhase,
        &[
            ("InitiatorName", "iqn.2026-12.test:look"),
            ("SessionType", "Discovery"),
        ],
    );
    assert_eq!(login.status_class, 0);
    let targets = discovery.send_targets();
    assert_eq!(targets[0], ("TargetName".to_string(), TARGET.to_string()));
    assert_eq!(
        targets[1],
        ("TargetAddress".to_string(), format!("{address},1"))
    );
    discovery.logout();

    ops::test_unit_ready(&mut first).unwrap();
    assert_eq!(first.logout().response, 0);
    assert!(first.closed());

    // Once the first has left, the next initiator gets in (the release may lag a moment).
    let mut status = None;
    for _ in 0..50 {
        let mut third = Initiator::connect(address);
        let login = third.login("iqn.2026-12.test:third");
        if login.status_class == 0 {
            ops::test_unit_ready(&mut third).unwrap();
            assert_eq!(ops::current_profile(&mut third).unwrap(), Profile::CdR);
            status = Some(third.logout().response);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(status, Some(0));
}

#[test]
fn a_wrong_target_name_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::create(dir.path().join("bd.emu"), MediaType::BdR, None).unwrap();
    let address = serve(recorder, flush);
    let mut initiator = Initiator::connect(address);
    let response = initiator.login_step(
        Stage::SecurityNegotiation,
        Stage::LoginOperationalNegotiation,
        &[
            ("InitiatorName", "iqn.2026-12.test:x"),
            ("TargetName", "iqn.2026-12.test:nothing"),
        ],
    );
    assert_eq!((response.status_class, response.status_detail), (2, 3));
    assert!(initiator.closed());
}
