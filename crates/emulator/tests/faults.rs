//! Persistence, crash safety, unit attentions and injected faults.

mod common;

use std::time::{Duration, Instant};

use common::*;
use emulator::{Fault, MediaType, Recorder, Trigger};
use mmc::cdb::{CloseFunction, RequestType, StartStopUnit, TrackAddress};
use mmc::disc::{DiscStatus, TrackState};
use mmc::inquiry::MediaEventCode;
use mmc::{ops, Profile, ScsiStatus, Transport};

const TUR: [u8; 6] = [0; 6];

fn medium(media: MediaType) -> (tempfile::TempDir, std::path::PathBuf, Recorder) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("disc.img");
    let recorder = Recorder::create(&path, media, None).unwrap();
    (dir, path, recorder)
}

/// A new medium of `media`, after the discovery sequence (`common::discover`).
fn discovered_medium(media: MediaType) -> (tempfile::TempDir, std::path::PathBuf, Recorder) {
    let (dir, path, mut recorder) = medium(media);
    discover(&mut recorder);
    (dir, path, recorder)
}

/// The next writable address of the invisible (incomplete) track.
fn next_writable_address(rec: &mut Recorder) -> u32 {
    ops::read_track_information(rec, TrackAddress::INVISIBLE)
        .unwrap()
        .writable_address()
        .unwrap()
}

/// One raw WRITE command with its data, whatever its status.
fn send_write(
    rec: &mut Recorder,
    cdb: &[u8],
    data: &[u8],
    timeout: Duration,
) -> mmc::CommandOutcome {
    rec.execute(cdb, mmc::DataDirection::ToDevice(data), timeout)
        .unwrap()
}

/// The multi-session field of mode page 05h as the drive holds it now.
fn multi_session_field(rec: &mut Recorder) -> u8 {
    u8::from(ops::write_parameters(rec).unwrap().multi_session)
}

#[test]
fn medium_survives_reopen_with_same_state_and_data() {
    let (_dir, path, mut rec) = discovered_medium(MediaType::CdR);
    let data = pattern(0, 700, 7);
    write_session(&mut rec, &data, Close::Appendable);
    let before = serde_json::to_string(rec.state()).unwrap();
    let disc_before = ops::read_disc_information(&mut rec).unwrap();
    drop(rec);

    let mut rec = Recorder::open(&path).unwrap();
    assert_eq!(serde_json::to_string(rec.state()).unwrap(), before);
    // A freshly loaded medium: unit attention once, INQUIRY exempt.
    let (status, _, _, _) = raw(&mut rec, &[0x12, 0, 0, 0, 36, 0], 36);
    assert_eq!(status, ScsiStatus::Good);
    let (status, sense, _, _) = raw(&mut rec, &TUR, 0);
    assert_eq!(
        (status, sense),
        (ScsiStatus::CheckCondition, Some((6, 0x28, 0x00)))
    );
    assert_eq!(raw(&mut rec, &TUR, 0).0, ScsiStatus::Good);
    assert_eq!(ops::read_disc_information(&mut rec).unwrap(), disc_before);
    assert_eq!(read(&mut rec, 0, 700).unwrap(), data);
    // And it can be appended to.
    let nwa = next_writable_address(&mut rec);
    assert_eq!(
        write_session(&mut rec, &pattern(nwa, 300, 8), Close::Appendable),
        nwa
    );
}

#[test]
fn crash_forgets_unsynced_writes_but_keeps_earlier_sessions() {
    let (_dir, path, mut rec) = discovered_medium(MediaType::DvdPlusR);
    let first = pattern(0, 64, 1);
    write_session(&mut rec, &first, Close::Appendable);
    let nwa = next_writable_address(&mut rec);
    ops::write_blocks(&mut rec, nwa, &pattern(nwa, 32, 2)).unwrap();
    ops::synchronize_cache(&mut rec, false).unwrap();
    ops::write_blocks(&mut rec, nwa + 32, &pattern(nwa + 32, 32, 3)).unwrap();
    rec.crash();

    let mut rec = Recorder::open(&path).unwrap();
    ops::test_unit_ready(&mut rec).unwrap();
    let track = ops::read_track_information(&mut rec, TrackAddress::INVISIBLE).unwrap();
    assert_eq!(
        track.state(),
        TrackState::Incomplete,
        "the synced part of the track survives"
    );
    assert_eq!(
        track.writable_address(),
        Some(nwa + 32),
        "writes after the last sync are lost"
    );
    assert_eq!(read(&mut rec, nwa, 32).unwrap(), pattern(nwa, 32, 2));
    assert_eq!(
        sense_of(&read(&mut rec, nwa + 32, 1).unwrap_err()),
        (5, 0x21, 0x00)
    );
    assert_eq!(read(&mut rec, 0, 64).unwrap(), first);
    let disc = ops::read_disc_information(&mut rec).unwrap();
    assert_eq!(
        (disc.disc_status, disc.sessions),
        (DiscStatus::Appendable, 2)
    );
}

#[test]
fn power_loss_mid_track_reports_6_29_and_reverts_to_last_sync() {
    let (_dir, _path, mut rec) = discovered_medium(MediaType::CdR);
    let first = pattern(0, 300, 1);
    write_session(&mut rec, &first, Close::Appendable);
    let nwa = next_writable_address(&mut rec);
    set_write_parameters(&mut rec, Profile::CdR, true, false);
    rec.inject(Fault::PowerLoss {
        at: Trigger::Write(3),
    });
    ops::write_blocks(&mut rec, nwa, &pattern(nwa, 16, 2)).unwrap();
    ops::write_blocks(&mut rec, nwa + 16, &pattern(nwa + 16, 16, 2)).unwrap();
    let cdb = mmc::cdb::Write10::new(nwa + 32, 16)
        .to_cdb()
        .as_bytes()
        .to_vec();
    let data = pattern(nwa + 32, 16, 2);
    let outcome = send_write(&mut rec, &cdb, &data, Duration::from_secs(5));
    assert_eq!(outcome.status, ScsiStatus::CheckCondition);
    assert_eq!(
        mmc::Sense::parse(&outcome.sense).unwrap().code(),
        (6, 0x29, 0x00)
    );
    // The open track's unsynced progress is gone: the NWA is the session start again.
    let track = ops::read_track_information(&mut rec, TrackAddress::INVISIBLE).unwrap();
    assert_eq!(track.writable_address(), Some(nwa));
    assert_eq!(track.state(), TrackState::Blank);
    // Mode page 05h reverted to the drive's default (multi-session 00b).
    assert_eq!(multi_session_field(&mut rec), 0);
    assert_eq!(
        sense_of(&read(&mut rec, nwa, 1).unwrap_err()),
        (5, 0x21, 0x00)
    );
    assert_eq!(read(&mut rec, 0, 300).unwrap(), first);
    assert_eq!(
        write_session(&mut rec, &pattern(nwa, 300, 3), Close::Appendable),
        nwa
    );
}

#[test]
fn reset_reports_6_29_and_resets_page_05_but_keeps_the_track() {
    let (_dir, _path, mut rec) = discovered_medium(MediaType::CdRw);
    set_write_parameters(&mut rec, Profile::CdRw, true, false);
    ops::write_blocks(&mut rec, 0, &pattern(0, 32, 1)).unwrap();
    rec.inject(Fault::Reset {
        at: Trigger::Command(1),
    });
    let (status, sense, _, _) = raw(&mut rec, &TUR, 0);
    assert_eq!(
        (status, sense),
        (ScsiStatus::CheckCondition, Some((6, 0x29, 0x00)))
    );
    assert_eq!(raw(&mut rec, &TUR, 0).0, ScsiStatus::Good);
    assert_eq!(multi_session_field(&mut rec), 0);
    let track = ops::read_track_information(&mut rec, TrackAddress::INVISIBLE).unwrap();
    assert_eq!(
        (track.state(), track.writable_address()),
        (TrackState::Incomplete, Some(32))
    );
}

#[test]
fn write_and_read_errors_at_an_lba() {
    let (_dir, _path, mut rec) = discovered_medium(MediaType::DvdPlusR);
    rec.inject(Fault::WriteError { lba: 40 });
    ops::write_blocks(&mut rec, 0, &pattern(0, 32, 1)).unwrap();
    let err = ops::write_blocks(&mut rec, 32, &pattern(32, 32, 1)).unwrap_err();
    assert_eq!(sense_of(&err), (3, 0x0C, 0x00));
    // Nothing of the failed command was recorded; the fault is one-shot.
    let track = ops::read_track_information(&mut rec, TrackAddress::INVISIBLE).unwrap();
    assert_eq!(track.writable_address(), Some(32));
    ops::write_blocks(&mut rec, 32, &pattern(32, 32, 1)).unwrap();
    rec.inject(Fault::ReadError { lba: 50 });
    assert_eq!(
        sense_of(&read(&mut rec, 48, 4).unwrap_err()),
        (3, 0x11, 0x00)
    );
    assert_eq!(read(&mut rec, 0, 48).unwrap(), pattern(0, 48, 1));
}

#[test]
fn long_write_busy_is_resent_until_accepted() {
    let (_dir, _path, mut rec) = discovered_medium(MediaType::BdR);
    rec.inject(Fault::Busy {
        at: Trigger::Write(2),
        polls: 3,
    });
    let cdb = mmc::cdb::Write10::new(0, 32).to_cdb();
    let data = pattern(0, 32, 1);
    let mut answers = Vec::new();
    for _ in 0..5 {
        let outcome = send_write(&mut rec, cdb.as_bytes(), &data, Duration::from_secs(5));
        answers.push(mmc::Sense::parse(&outcome.sense).ok().map(|s| s.code()));
        if outcome.status == ScsiStatus::Good {
            break;
        }
    }
    assert_eq!(answers, vec![None]);
    let cdb = mmc::cdb::Write10::new(32, 32).to_cdb();
    let data = pattern(32, 32, 1);
    let mut busy = 0;
    loop {
        let outcome = send_write(&mut rec, cdb.as_bytes(), &data, Duration::from_secs(5));
        if outcome.status == ScsiStatus::Good {
            break;
        }
        assert_eq!(
            mmc::Sense::parse(&outcome.sense).unwrap().code(),
            (2, 0x04, 0x08)
        );
        busy += 1;
    }
    assert_eq!(busy, 3);
    // The mmc helper resends the same CDB by itself.
    rec.inject(Fault::Busy {
        at: Trigger::Write(1),
        polls: 2,
    });
    ops::write_blocks(&mut rec, 64, &pattern(64, 32, 1)).unwrap();
    assert_eq!(read(&mut rec, 0, 96).unwrap(), pattern(0, 96, 1));
}

#[test]
fn removed_medium_reports_no_medium_then_medium_changed() {
    let (_dir, _path, mut rec) = discovered_medium(MediaType::CdR);
    rec.inject(Fault::MediumRemoved {
        at: Trigger::Command(2),
        commands: 2,
    });
    let answers: Vec<_> = (0..5).map(|_| raw(&mut rec, &TUR, 0).1).collect();
    assert_eq!(
        answers,
        vec![
            None,
            Some((2, 0x3A, 0x00)),
            Some((2, 0x3A, 0x00)),
            Some((6, 0x28, 0x00)),
            None
        ]
    );
    let event = ops::media_event(&mut rec).unwrap();
    assert_eq!(event.event, MediaEventCode::NewMedia);
    assert!(event.media_present);
    // Out for a single command (the default of `medium_removed@cmd=N`).
    rec.inject(Fault::MediumRemoved {
        at: Trigger::Command(1),
        commands: 1,
    });
    let answers: Vec<_> = (0..3).map(|_| raw(&mut rec, &TUR, 0).1).collect();
    assert_eq!(
        answers,
        vec![Some((2, 0x3A, 0x00)), Some((6, 0x28, 0x00)), None]
    );
}

#[test]
fn slow_drive_delays_every_command() {
    let (_dir, _path, mut rec) = discovered_medium(MediaType::CdR);
    rec.inject(Fault::Slow {
        per_command: Duration::from_millis(20),
    });
    let start = Instant::now();
    for _ in 0..3 {
        ops::test_unit_ready(&mut rec).unwrap();
    }
    assert!(start.elapsed() >= Duration::from_millis(60));
}

#[test]
fn eject_and_load() {
    let (_dir, _path, mut rec) = discovered_medium(MediaType::DvdPlusR);
    write_session(&mut rec, &pattern(0, 16, 1), Close::Appendable);
    ops::prevent_allow(&mut rec, true).unwrap();
    let err = ops::start_stop_unit(&mut rec, StartStopUnit::eject()).unwrap_err();
    assert_eq!(sense_of(&err), (5, 0x53, 0x02));
    ops::prevent_allow(&mut rec, false).unwrap();
    ops::start_stop_unit(&mut rec, StartStopUnit::eject()).unwrap();
    let err = ops::test_unit_ready(&mut rec).unwrap_err();
    assert!(err.sense().unwrap().is_no_medium());
    assert_eq!(
        sense_of(&ops::read_disc_information(&mut rec).unwrap_err()).1,
        0x3A
    );
    assert_eq!(ops::current_profile(&mut rec).unwrap(), Profile::None);
    let event = ops::media_event(&mut rec).unwrap();
    assert_eq!(event.event, MediaEventCode::MediaRemoval);
    assert!(!event.media_present && event.tray_open);
    ops::inquiry(&mut rec).unwrap();
    ops::start_stop_unit(&mut rec, StartStopUnit::load()).unwrap();
    let (_, sense, _, _) = raw(&mut rec, &TUR, 0);
    assert_eq!(sense, Some((6, 0x28, 0x00)));
    assert_eq!(read(&mut rec, 0, 16).unwrap(), pattern(0, 16, 1));
}

#[test]
fn unit_attention_exemptions_and_request_sense() {
    let (_dir, _path, mut rec) = medium(MediaType::BdRe);
    // GET CONFIGURATION and GESN answer despite the pending 6/28/00.
    let (status, _, config, _) = raw(
        &mut rec,
        mmc::cdb::GetConfiguration {
            request_type: RequestType::All,
            starting_feature: 0,
            allocation_length: 8,
        }
        .to_cdb()
        .as_bytes(),
        8,
    );
    assert_eq!(status, ScsiStatus::Good);
    assert_eq!(u16::from_be_bytes([config[6], config[7]]), 0x0043);
    let (status, _, _, _) = raw(
        &mut rec,
        mmc::cdb::GetEventStatusNotification::media()
            .to_cdb()
            .as_bytes(),
        8,
    );
    assert_eq!(status, ScsiStatus::Good);
    // REQUEST SENSE hands the unit attention over and clears it.
    assert_eq!(
        ops::request_sense(&mut rec).unwrap().code(),
        (6, 0x28, 0x00)
    );
    assert_eq!(ops::request_sense(&mut rec).unwrap().code(), (0, 0, 0));
    assert_eq!(raw(&mut rec, &TUR, 0).0, ScsiStatus::Good);
}

#[test]
fn illegal_requests_get_the_senses_real_drives_give() {
    let (_dir, _path, mut rec) = discovered_medium(MediaType::DvdR);
    // Invalid opcode.
    assert_eq!(
        raw(&mut rec, &[0xD7, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0).1,
        Some((5, 0x20, 0x00))
    );
    // GESN without the Polled bit.
    assert_eq!(
        raw(&mut rec, &[0x4A, 0, 0, 0, 0x10, 0, 0, 0, 8, 0], 8).1,
        Some((5, 0x24, 0x00))
    );
    // READ DISC INFORMATION with a reserved data type.
    assert_eq!(
        raw(&mut rec, &[0x51, 0x07, 0, 0, 0, 0, 0, 0, 34, 0], 34).1,
        Some((5, 0x24, 0x00))
    );
    // Reads past the end.
    assert_eq!(
        sense_of(&read(&mut rec, 3_000_000, 1).unwrap_err()),
        (5, 0x21, 0x00)
    );
    // GET CONFIGURATION RT=11b.
    assert_eq!(
        raw(&mut rec, &[0x46, 0x03, 0, 0, 0, 0, 0, 0, 8, 0], 8).1,
        Some((5, 0x24, 0x00))
    );
    // A write off the NWA, a close with an open track, RESERVE after writing.
    set_write_parameters(&mut rec, Profile::DvdRSequential, true, false);
    assert_eq!(
        sense_of(&ops::write_blocks(&mut rec, 16, &pattern(16, 16, 1)).unwrap_err()),
        (5, 0x21, 0x02)
    );
    ops::write_blocks(&mut rec, 0, &pattern(0, 16, 1)).unwrap();
    let err =
        ops::close_track_session(&mut rec, CloseFunction::CloseSession, 0, false).unwrap_err();
    assert_eq!(sense_of(&err), (5, 0x72, 0x03));
    assert_eq!(
        sense_of(&ops::reserve_track(&mut rec, 64).unwrap_err()),
        (5, 0x2C, 0x00)
    );
    // Fixed packets of 16: a 5-block write is refused.
    assert_eq!(
        sense_of(&ops::write_blocks(&mut rec, 16, &pattern(16, 5, 1)).unwrap_err()),
        (5, 0x24, 0x00)
    );
}

#[test]
fn data_in_is_truncated_to_the_allocation_length_with_true_length_fields() {
    let (_dir, _path, mut rec) = discovered_medium(MediaType::CdR);
    let (status, _, data, residual) = raw(&mut rec, &[0x51, 0, 0, 0, 0, 0, 0, 0, 4, 0], 4);
    assert_eq!(status, ScsiStatus::Good);
    assert_eq!(&data[..2], &[0, 32], "full length stated");
    assert_eq!(residual, 0);
    let (_, _, _, residual) = raw(&mut rec, &[0x51, 0, 0, 0, 0, 0, 0, 0, 100, 0], 100);
    assert_eq!(residual, 100 - 34);
    // An allocation length smaller than the buffer wins.
    let (_, _, data, residual) = raw(&mut rec, &[0x12, 0, 0, 0, 8, 0], 36);
    assert_eq!((residual, data[8]), (28, 0));
    let inquiry = ops::inquiry(&mut rec).unwrap();
    assert_eq!(
        (inquiry.vendor.as_str(), inquiry.device_type),
        ("DISCBURN", 5)
    );
}

#[test]
fn state_file_updates_are_atomic_and_damage_is_an_error() {
    let (dir, path, mut rec) = discovered_medium(MediaType::DvdPlusR);
    write_session(&mut rec, &pattern(0, 16, 1), Close::Appendable);
    drop(rec);
    let state_file = emulator::state_path(&path);
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec!["disc.img".to_string(), "disc.img.state.json".to_string()],
        "no temporary file left"
    );
    // A crash while writing the next state leaves a stray temporary file: ignored.
    let temp = dir.path().join("disc.img.state.json.tmp");
    std::fs::write(&temp, b"{\"format\": \"discbu").unwrap();
    let mut rec = Recorder::open(&path).unwrap();
    assert_eq!(ops::read_disc_information(&mut rec).unwrap().sessions, 2);
    ops::synchronize_cache(&mut rec, false).unwrap();
    assert!(!temp.exists(), "replaced by the next atomic update");
    drop(rec);
    // Creating over an existing medium is refused.
    assert!(matches!(
        Recorder::create(&path, MediaType::CdR, None),
        Err(emulator::Error::Exists { .. })
    ));
    // A damaged or hostile state file is an error, not a panic.
    let good = std::fs::read_to_string(&state_file).unwrap();
    for bad in [
        "not json".to_string(),
        good.replace("\"capacity\": 2295104", "\"capacity\": 0"),
        good.replace("\"start\": 0", "\"start\": 99999999"),
        good.replace("\"version\": 1", "\"version\": 9"),
    ] {
        std::fs::write(&state_file, bad).unwrap();
        assert!(matches!(
            Recorder::open(&path),
            Err(emulator::Error::BadState { .. })
        ));
    }
}

#[test]
fn buffer_full_every_kth_write_is_resent_by_the_burner() {
    let (_dir, _path, mut rec) = discovered_medium(MediaType::DvdPlusR);
    rec.inject(Fault::BusyEvery { writes: 3 });
    let cdb = |lba: u32| mmc::cdb::Write10::new(lba, 16).to_cdb();
    let data = pattern(0, 16, 1);
    let mut answers = Vec::new();
    for _ in 0..4 {
        let outcome = send_write(&mut rec, cdb(0).as_bytes(), &data, Duration::from_secs(1));
        answers.push(outcome.status == ScsiStatus::Good);
        if outcome.status == ScsiStatus::Good {
            break;
        }
    }
    assert_eq!(answers, vec![true]);
    // The whole track through the mmc helper, which resends refused WRITEs.
    let all = pattern(16, 160, 2);
    for (i, chunk) in all.chunks(16 * BLOCK).enumerate() {
        ops::write_blocks(&mut rec, 16 + 16 * i as u32, chunk).unwrap();
    }
    assert_eq!(read(&mut rec, 16, 160).unwrap(), all);
}

#[test]
fn drive_claiming_ready_too_early_is_caught_by_the_barrier() {
    let (_dir, _path, mut rec) = discovered_medium(MediaType::DvdPlusR);
    rec.inject(Fault::TurGoodWhileBusy);
    rec.set_immed_polls(3);
    ops::write_blocks(&mut rec, 0, &pattern(0, 16, 1)).unwrap();
    ops::synchronize_cache(&mut rec, false).unwrap();
    ops::close_track_session(&mut rec, CloseFunction::CloseTrack, 1, true).unwrap();
    assert_eq!(raw(&mut rec, &TUR, 0).0, ScsiStatus::Good);
    let rdi = [0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0];
    assert_eq!(raw(&mut rec, &rdi, 34).1, Some((2, 0x04, 0x07)));
    poll(&mut rec, "close track");
    assert_eq!(raw(&mut rec, &rdi, 34).0, ScsiStatus::Good);
    let track = ops::read_track_information(&mut rec, TrackAddress::Track(1)).unwrap();
    assert_eq!(track.state(), TrackState::Complete);
}

#[test]
fn read_only_medium_is_write_protected() {
    let (_dir, path, mut rec) = discovered_medium(MediaType::DvdPlusR);
    write_session(&mut rec, &pattern(0, 32, 1), Close::Appendable);
    let before = serde_json::to_string(rec.state()).unwrap();
    drop(rec);
    let mut rec = Recorder::open_read_only(&path).unwrap();
    assert!(rec.write_protected());
    ops::test_unit_ready(&mut rec).unwrap();
    // Reported as MMC reports it: feature 0004h current, C0h with CWP.
    let config = ops::get_configuration(&mut rec, RequestType::Current, 0).unwrap();
    assert!(config.is_current(mmc::config::feature::WRITE_PROTECT));
    assert!(!config.is_current(mmc::config::feature::CD_TRACK_AT_ONCE));
    let status = ops::read_write_protection(&mut rec, false).unwrap();
    assert!(status.cwp && !status.mswi && !status.pwp && !status.swpp);
    assert_eq!(read(&mut rec, 0, 32).unwrap(), pattern(0, 32, 1));
    let nwa = next_writable_address(&mut rec);
    assert_eq!(
        sense_of(&ops::write_blocks(&mut rec, nwa, &pattern(nwa, 16, 2)).unwrap_err()),
        (7, 0x27, 0x00)
    );
    let err =
        ops::close_track_session(&mut rec, CloseFunction::CloseSession, 0, false).unwrap_err();
    assert_eq!(sense_of(&err), (7, 0x27, 0x00));
    ops::synchronize_cache(&mut rec, false).unwrap();
    ops::start_stop_unit(&mut rec, StartStopUnit::eject()).unwrap();
    drop(rec);
    assert_eq!(
        serde_json::to_string(Recorder::open(&path).unwrap().state()).unwrap(),
        before
    );
}

/// The write-protect switch: saved in the state file, reported by READ DISC
/// STRUCTURE C0h, and every command that would change the medium gets
/// 7/27/00 until it is released.
#[test]
fn the_write_protect_switch_protects_until_released() {
    let (_dir, path, mut rec) = discovered_medium(MediaType::DvdPlusR);
    assert!(!ops::read_write_protection(&mut rec, false)
        .unwrap()
        .is_protected());
    rec.set_write_protect(true).unwrap();
    drop(rec);
    let mut rec = Recorder::open(&path).unwrap();
    assert!(rec.write_protected() && rec.summary().write_protected);
    ops::test_unit_ready(&mut rec).ok();
    assert!(ops::read_write_protection(&mut rec, false).unwrap().cwp);
    let nwa = next_writable_address(&mut rec);
    assert_eq!(
        sense_of(&ops::write_blocks(&mut rec, nwa, &pattern(nwa, 16, 1)).unwrap_err()),
        (7, 0x27, 0x00)
    );
    rec.set_write_protect(false).unwrap();
    ops::write_blocks(&mut rec, nwa, &pattern(nwa, 16, 1)).unwrap();
}
