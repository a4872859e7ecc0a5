//! The write sequences of mmc.md §5 against the emulator, per profile, read
//! back with the same commands a burner uses.

mod common;

use common::*;
use emulator::{MediaType, Recorder};
use mmc::cdb::{BlankType, CloseFunction, PageControl, RequestType, TrackAddress};
use mmc::config::{
    CdTrackAtOnce, IncrementalStreamingWritable, RandomReadable, RandomWritable, RemovableMedium,
};
use mmc::disc::{DiscStatus, SessionState, TrackState};
use mmc::format::{format_type, FormatUnitParameters};
use mmc::toc::{point, Msf};
use mmc::{ops, Profile, Transport};

fn new_medium(media: MediaType) -> (tempfile::TempDir, Recorder) {
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::create(dir.path().join("medium"), media, None).unwrap();
    (dir, recorder)
}

#[test]
fn blank_media_report_their_profile_and_invisible_track() {
    let cases = [
        (MediaType::CdR, Profile::CdR, 359_849),
        (MediaType::CdRw, Profile::CdRw, 359_849),
        (MediaType::DvdR, Profile::DvdRSequential, 2_298_496),
        (MediaType::DvdRDl, Profile::DvdRDlSequential, 4_171_712),
        (MediaType::DvdRw, Profile::DvdRwSequential, 2_297_888),
        (MediaType::DvdPlusR, Profile::DvdPlusR, 2_295_104),
        (MediaType::DvdPlusRDl, Profile::DvdPlusRDl, 4_173_824),
        (MediaType::BdR, Profile::BdRSrm, 12_219_392),
    ];
    for (media, profile, capacity) in cases {
        let (_dir, mut rec) = new_medium(media);
        let t: &mut dyn Transport = &mut rec;
        let found = discover(t);
        assert_eq!(found.profile, profile, "{media}");
        assert_eq!(found.disc.disc_status, DiscStatus::Blank, "{media}");
        assert_eq!(
            found.disc.last_session_state,
            SessionState::Empty,
            "{media}"
        );
        assert_eq!(found.disc.sessions, 1, "{media}: the empty session counts");
        assert_eq!(found.disc.last_track_in_last_session, 1, "{media}");
        assert_eq!(found.next.state(), TrackState::Blank, "{media}");
        assert_eq!(found.next.writable_address(), Some(0), "{media}");
        assert_eq!(found.next.free_blocks, capacity, "{media}");
        assert_eq!(found.disc.erasable, media.erasable(), "{media}");
        let config = ops::get_configuration(t, RequestType::All, 0).unwrap();
        let current: Vec<Profile> = config
            .profiles()
            .iter()
            .filter(|p| p.current)
            .map(|p| p.profile)
            .collect();
        assert_eq!(current, vec![profile], "{media}");
        let incremental = config.is_current(0x0021);
        let sequential_minus_or_cd = matches!(
            media,
            MediaType::CdR
                | MediaType::CdRw
                | MediaType::DvdR
                | MediaType::DvdRDl
                | MediaType::DvdRw
        );
        assert_eq!(incremental, sequential_minus_or_cd, "{media}");
        let streaming = config.get::<IncrementalStreamingWritable>().unwrap();
        let link = if matches!(media, MediaType::CdR | MediaType::CdRw) {
            7
        } else {
            16
        };
        assert_eq!(streaming.link_sizes, vec![link], "{media}");
        assert!(config.get::<RemovableMedium>().unwrap().eject);
        assert_eq!(config.get::<RandomReadable>().unwrap().block_size, 2048);
        let writes_cd = matches!(media, MediaType::CdR | MediaType::CdRw);
        assert_eq!(config.is_current(0x002D), writes_cd, "{media}: CD TAO");
        assert!(config.get::<CdTrackAtOnce>().unwrap().test_write);
        assert_eq!(
            config.is_current(0x002B),
            matches!(media, MediaType::DvdPlusR | MediaType::DvdPlusRDl)
        );
        assert_eq!(config.is_current(0x0041), media == MediaType::BdR);
        assert_eq!(
            config.is_current(0x0023),
            matches!(media, MediaType::DvdRw | MediaType::BdR | MediaType::CdRw),
            "{media}: Formattable (a CD-RW for fixed packets)"
        );
        // Every profile the emulator can hold is reported as writable.
        let writable = config.writable_profiles();
        for p in [
            Profile::CdR,
            Profile::DvdRSequential,
            Profile::DvdRDlSequential,
            Profile::DvdPlusRDl,
            Profile::DvdPlusRw,
            Profile::BdRSrm,
            Profile::BdRe,
        ] {
            assert!(writable.contains(&p), "{p:?} in {writable:?}");
        }
        // Blank media have no TOC.
        let err = ops::read_toc(t, false, 0).unwrap_err();
        assert_eq!(sense_of(&err), (5, 0x24, 0x00), "{media}");
        // READ CAPACITY of blank media is 0.
        assert_eq!(ops::read_capacity(t).unwrap().last_lba, 0);
    }
}

#[test]
fn cd_r_tao_multisession_with_real_gaps() {
    let (_dir, mut rec) = new_medium(MediaType::CdR);
    let t: &mut dyn Transport = &mut rec;
    discover(t);
    let session1 = pattern(0, 608, 1);
    assert_eq!(write_session(t, &session1, Close::Appendable), 0);

    let disc = ops::read_disc_information(t).unwrap();
    assert_eq!(disc.disc_status, DiscStatus::Appendable);
    assert_eq!(disc.last_session_state, SessionState::Empty);
    assert_eq!(disc.sessions, 2);
    assert_eq!(disc.complete_sessions(), 1);
    assert_eq!(
        (
            disc.first_track_in_last_session,
            disc.last_track_in_last_session
        ),
        (2, 2)
    );
    let track1 = ops::read_track_information(t, TrackAddress::Track(1)).unwrap();
    assert_eq!(track1.state(), TrackState::Complete);
    assert_eq!(track1.track_start, 0);
    assert_eq!(track1.track_size, 610, "608 data blocks + 2 run-out");
    assert_eq!(track1.last_recorded_address, 607);
    assert_eq!(track1.track_mode, 4);
    // The next session starts 11 400 blocks after the lead-out (multisession.md §3.1).
    let invisible = ops::read_track_information(t, TrackAddress::INVISIBLE).unwrap();
    assert_eq!(invisible.track_number, 2);
    assert_eq!(invisible.session_number, 2);
    assert_eq!(invisible.writable_address(), Some(12_010));
    assert_eq!(invisible.free_blocks, 359_849 - 12_010);

    let toc = ops::read_toc(t, false, 0).unwrap();
    assert_eq!((toc.first_track, toc.last_track), (1, 1));
    assert_eq!(toc.tracks[0].address, 0);
    assert_eq!(toc.lead_out().unwrap().address, 610);
    let info = ops::read_session_info(t).unwrap();
    assert_eq!(
        (
            info.last_complete_session,
            info.first_track_in_last_session,
            info.last_session_start
        ),
        (1, 1, 0)
    );
    let full = ops::read_full_toc(t, 1).unwrap();
    let find = |p: u8| full.entries.iter().find(|e| e.point == p).copied().unwrap();
    assert_eq!(find(point::LEAD_OUT).pmsf, Msf::from_lba(610));
    assert_eq!(find(point::NEXT_PROGRAM_AREA).msf, Msf::from_lba(12_010));
    assert_eq!(find(point::NEXT_PROGRAM_AREA).pmsf, Msf::new(79, 59, 74));
    assert_eq!(find(point::FIRST_TRACK).pmsf.minute, 1);
    let atip = ops::read_atip(t).unwrap();
    assert_eq!(atip.last_possible_lead_out_start, Msf::new(79, 59, 74));
    assert!(!atip.disc_type_rw);

    // Second session at the new NWA, then read both back.
    let session2 = pattern(12_010, 5_888, 2);
    assert_eq!(write_session(t, &session2, Close::Appendable), 12_010);
    let invisible = ops::read_track_information(t, TrackAddress::INVISIBLE).unwrap();
    assert_eq!(
        invisible.writable_address(),
        Some(12_010 + 5_888 + 2 + 6_900),
        "6 900 after later sessions"
    );
    assert_eq!(read(t, 0, 608).unwrap(), session1);
    assert_eq!(read(t, 12_010, 5_888).unwrap(), session2);
    let info = ops::read_session_info(t).unwrap();
    assert_eq!(
        (
            info.last_complete_session,
            info.first_track_in_last_session,
            info.last_session_start
        ),
        (2, 2, 12_010)
    );
    let toc = ops::read_toc(t, true, 0).unwrap();
    assert_eq!(toc.tracks.len(), 3, "two tracks and the lead-out");
    assert_eq!(
        Msf::from_field(toc.tracks[1].address.to_be_bytes()),
        Msf::from_lba(12_010)
    );
    // Run-out and gap blocks are unreadable, past the end out of range.
    assert_eq!(sense_of(&read(t, 608, 1).unwrap_err()), (3, 0x11, 0x00));
    assert_eq!(sense_of(&read(t, 5_000, 1).unwrap_err()), (3, 0x11, 0x00));
    assert_eq!(sense_of(&read(t, 100_000, 1).unwrap_err()), (5, 0x21, 0x00));
    assert_eq!(
        ops::read_capacity(t).unwrap().last_lba,
        12_010 + 5_888 + 2 - 1
    );

    // Writing anywhere but the NWA is refused.
    let next = 12_010 + 5_888 + 2 + 6_900;
    let err = ops::write_blocks(t, next + 16, &pattern(next + 16, 16, 3)).unwrap_err();
    assert_eq!(sense_of(&err), (5, 0x21, 0x02));

    // A third session, finalized by page 05h multi-session 00b.
    write_session(t, &pattern(next, 300, 3), Close::Final);
    let disc = ops::read_disc_information(t).unwrap();
    assert_eq!(disc.disc_status, DiscStatus::Complete);
    assert_eq!(disc.sessions, 3);
    assert_eq!(disc.last_session_state, SessionState::Complete);
    assert_eq!(disc.last_session_lead_in_start, 0xFFFF_FFFF);
    let err = ops::read_track_information(t, TrackAddress::INVISIBLE).unwrap_err();
    assert_eq!(sense_of(&err), (5, 0x24, 0x00));
    let after = next + 300 + 2 + 6_900;
    let err = ops::write_blocks(t, after, &pattern(after, 16, 4)).unwrap_err();
    assert_eq!(sense_of(&err), (5, 0x21, 0x02), "write after finalize");
    let full = ops::read_full_toc(t, 1).unwrap();
    let b0: Vec<u8> = full
        .entries
        .iter()
        .filter(|e| e.point == point::NEXT_PROGRAM_AREA)
        .map(|e| e.session)
        .collect();
    assert_eq!(b0, vec![1, 2], "no B0 pointer in the final session");
}

#[test]
fn cd_tao_short_track_is_padded_and_second_track_gets_pregap() {
    let (_dir, mut rec) = new_medium(MediaType::CdRw);
    let t: &mut dyn Transport = &mut rec;
    discover(t);
    set_write_parameters(t, Profile::CdRw, true, false);
    ops::write_blocks(t, 0, &pattern(0, 10, 1)).unwrap();
    ops::synchronize_cache(t, false).unwrap(); // ends the TAO track
    let track1 = ops::read_track_information(t, TrackAddress::Track(1)).unwrap();
    assert_eq!(track1.state(), TrackState::Complete);
    assert_eq!(track1.track_size, 302, "padded to 300 + 2 run-out");
    let next = ops::read_track_information(t, TrackAddress::INVISIBLE).unwrap();
    assert_eq!(
        (next.track_number, next.writable_address()),
        (2, Some(302 + 150))
    );
    ops::write_blocks(t, 452, &pattern(452, 300, 2)).unwrap();
    ops::synchronize_cache(t, false).unwrap();
    // Closing the session with both tracks: one session, two tracks.
    ops::close_track_session(t, CloseFunction::CloseSession, 0, false).unwrap();
    let toc = ops::read_toc(t, false, 0).unwrap();
    assert_eq!((toc.first_track, toc.last_track), (1, 2));
    assert_eq!(toc.tracks[1].address, 452);
    let padding = read(t, 10, 290).unwrap();
    assert!(padding.iter().all(|&b| b == 0), "padding reads as zeros");
    assert_eq!(read(t, 0, 10).unwrap(), pattern(0, 10, 1));
}

#[test]
fn cd_rw_blank_minimal_and_full_with_progress() {
    let (_dir, mut rec) = new_medium(MediaType::CdRw);
    rec.set_immed_polls(3);
    let t: &mut dyn Transport = &mut rec;
    discover(t);
    write_session(t, &pattern(0, 400, 1), Close::Final);
    assert_eq!(
        ops::read_disc_information(t).unwrap().disc_status,
        DiscStatus::Complete
    );
    ops::blank(t, BlankType::Minimal, 0, true).unwrap();
    // Busy with progress: TUR says 2/04/07 with SKSV.
    let (status, sense, _, _) = raw(t, &[0, 0, 0, 0, 0, 0], 0);
    assert_eq!(status, mmc::ScsiStatus::CheckCondition);
    assert_eq!(sense, Some((2, 0x04, 0x07)));
    let progress = poll(t, "blank");
    assert!(
        !progress.is_empty() && progress.windows(2).all(|w| w[0] <= w[1]),
        "{progress:?}"
    );
    let disc = ops::read_disc_information(t).unwrap();
    assert_eq!((disc.disc_status, disc.sessions), (DiscStatus::Blank, 1));
    assert_eq!(sense_of(&read(t, 0, 1).unwrap_err()), (5, 0x21, 0x00));
    write_session(t, &pattern(0, 300, 2), Close::Appendable);
    ops::blank(t, BlankType::Full, 0, false).unwrap();
    let found = discover(t);
    assert_eq!(found.disc.disc_status, DiscStatus::Blank);
    assert_eq!(found.next.writable_address(), Some(0));
}

#[test]
fn dvd_r_incremental_multisession_and_refusals() {
    dvd_minus_r_incremental(MediaType::DvdR);
}

/// DVD-R DL in sequential recording (0015h) records as DVD-R does (mmc.md §3,
/// §5.3), over one address space across its layer break, which READ DISC
/// STRUCTURE 20h reports (fixed once recording started); DVD-R has none.
#[test]
fn dvd_r_dl_incremental_multisession_and_layer_break() {
    let (_dir, mut rec) = new_medium(MediaType::DvdRDl);
    let boundary = ops::read_layer_boundary(&mut rec).unwrap();
    assert_eq!((boundary.fixed, boundary.l0_capacity), (false, 2_085_856));
    let config = ops::get_configuration(&mut rec, RequestType::All, 0).unwrap();
    assert!(config.get::<mmc::config::DvdRWrite>().unwrap().rdl);
    dvd_minus_r_incremental(MediaType::DvdRDl);
    let (_dir, mut rec) = new_medium(MediaType::DvdR);
    discover(&mut rec);
    assert_eq!(
        sense_of(&ops::read_layer_boundary(&mut rec).unwrap_err()),
        (5, 0x30, 0x00)
    );
    // A session across the layer break: the data reads back whole.
    let dir = tempfile::tempdir().unwrap();
    let mut rec =
        Recorder::create(dir.path().join("small"), MediaType::DvdRDl, Some(4096)).unwrap();
    let t: &mut dyn Transport = &mut rec;
    discover(t);
    assert_eq!(ops::read_layer_boundary(t).unwrap().l0_capacity, 2048);
    let data = pattern(0, 3000, 7);
    assert_eq!(write_session(t, &data, Close::Appendable), 0);
    assert_eq!(read(t, 0, 3000).unwrap(), data);
    assert!(ops::read_layer_boundary(t).unwrap().fixed);
}

fn dvd_minus_r_incremental(media: MediaType) {
    let (_dir, mut rec) = new_medium(media);
    let t: &mut dyn Transport = &mut rec;
    discover(t);
    // Track FFh is defined only for CD and DVD+R (mmc.md §2.6).
    assert_eq!(
        sense_of(&ops::read_track_information(t, TrackAddress::INVISIBLE).unwrap_err()),
        (5, 0x24, 0x00)
    );
    let first = pattern(0, 1000, 1);
    assert_eq!(write_session(t, &first, Close::Appendable), 0);
    let disc = ops::read_disc_information(t).unwrap();
    assert_eq!(
        (
            disc.disc_status,
            disc.sessions,
            disc.last_track_in_last_session
        ),
        (DiscStatus::Appendable, 2, 2)
    );
    let track1 = ops::read_track_information(t, TrackAddress::Track(1)).unwrap();
    assert_eq!(track1.track_size, 1008, "padded to a 16-block packet");
    assert!(track1.packet && track1.fp);
    assert_eq!(track1.fixed_packet_size, 16);
    let next = ops::read_track_information(t, TrackAddress::Track(2)).unwrap();
    let nwa = next.writable_address().unwrap();
    assert!(
        nwa > 1008 && nwa.is_multiple_of(16),
        "non-zero aligned border gap, NWA {nwa}"
    );
    assert!(next.packet && next.blank);
    let second = pattern(nwa, 512, 2);
    assert_eq!(write_session(t, &second, Close::Appendable), nwa);
    let third = ops::read_track_information(t, TrackAddress::Track(3))
        .unwrap()
        .writable_address()
        .unwrap();
    assert!(third > nwa + 512 && third.is_multiple_of(16));
    assert_eq!(read(t, 0, 1000).unwrap(), first);
    assert_eq!(read(t, nwa, 512).unwrap(), second);
    // Fabricated TOC on DVD: formats 0/1 work, 2 and 4 are CD only.
    let toc = ops::read_toc(t, false, 0).unwrap();
    assert_eq!((toc.first_track, toc.last_track), (1, 2));
    assert_eq!(toc.tracks[0].control, 4);
    assert_eq!(ops::read_session_info(t).unwrap().last_session_start, nwa);
    assert_eq!(
        sense_of(&ops::read_full_toc(t, 1).unwrap_err()),
        (5, 0x24, 0x00)
    );
    assert_eq!(sense_of(&ops::read_atip(t).unwrap_err()), (5, 0x24, 0x00));
    // Formatting a DVD-R is impossible.
    let err = ops::format_unit(t, &FormatUnitParameters::dvd_plus_rw(false)).unwrap_err();
    assert_eq!(sense_of(&err), (5, 0x30, 0x06));
    // Finalize with page 05h multi-session 00b.
    write_session(t, &pattern(third, 16, 3), Close::Final);
    let disc = ops::read_disc_information(t).unwrap();
    assert_eq!((disc.disc_status, disc.sessions), (DiscStatus::Complete, 3));
    let config = ops::get_configuration(t, RequestType::All, 0).unwrap();
    assert!(
        !config.is_current(0x0021),
        "no incremental writing on a finalized disc"
    );
}

#[test]
fn dvd_rw_blank_restores_incremental_and_format_gives_restricted_overwrite() {
    let (_dir, mut rec) = new_medium(MediaType::DvdRw);
    let t: &mut dyn Transport = &mut rec;
    discover(t);
    write_session(t, &pattern(0, 64, 1), Close::Appendable);
    ops::blank(t, BlankType::Minimal, 0, true).unwrap();
    poll(t, "blank");
    // After a minimal blank only DAO works (mmc.md §2.13).
    let config = ops::get_configuration(t, RequestType::All, 0).unwrap();
    assert!(!config.is_current(0x0021));
    set_write_parameters(t, Profile::DvdRwSequential, true, false);
    let err = ops::write_blocks(t, 0, &pattern(0, 16, 2)).unwrap_err();
    assert_eq!(sense_of(&err), (5, 0x64, 0x00));
    ops::blank(t, BlankType::Full, 0, true).unwrap();
    poll(t, "blank");
    assert!(ops::get_configuration(t, RequestType::All, 0)
        .unwrap()
        .is_current(0x0021));
    write_session(t, &pattern(0, 32, 3), Close::Appendable);

    // Quick format to restricted overwrite (profile 0013h), then random writes.
    let formats = ops::read_format_capacities(t).unwrap();
    assert!(formats
        .formattable
        .iter()
        .any(|d| d.format_type == format_type::DVD_RW_QUICK));
    let params = FormatUnitParameters {
        fov: false,
        dcrt: false,
        immed: true,
        blocks: 0,
        format_type: format_type::DVD_RW_QUICK,
        format_sub_type: 0,
        type_parameter: 16,
    };
    ops::format_unit(t, &params).unwrap();
    poll(t, "format");
    let found = discover(t);
    assert_eq!(found.profile, Profile::DvdRwRestrictedOverwrite);
    assert_eq!(found.disc.disc_status, DiscStatus::Complete);
    assert!(ops::get_configuration(t, RequestType::All, 0)
        .unwrap()
        .is_current(0x0026));
    ops::write_blocks(t, 4096, &pattern(4096, 32, 4)).unwrap();
    ops::write_blocks(t, 16, &pattern(16, 16, 5)).unwrap();
    ops::synchronize_cache(t, false).unwrap();
    assert_eq!(read(t, 4096, 32).unwrap(), pattern(4096, 32, 4));
    assert_eq!(read(t, 16, 16).unwrap(), pattern(16, 16, 5));
    // Restricted overwrite takes whole 32 KiB blocks only.
    assert_eq!(
        sense_of(&ops::write_blocks(t, 8, &pattern(8, 16, 6)).unwrap_err()),
        (5, 0x24, 0x00)
    );
    // BLANK returns it to sequential recording.
    ops::blank(t, BlankType::Full, 0, false).unwrap();
    assert_eq!(discover(t).profile, Profile::DvdRwSequential);
}

/// A CD-RW formatted for fixed packets (FORMAT UNIT type 10h, packet 32):
/// profile 000Ah with Random Writable current, one fixed-packet track over
/// 32/39 of the disc (7 link blocks a packet), whole packets written only.
#[test]
fn cd_rw_formats_for_fixed_packets() {
    let (_dir, mut rec) = new_medium(MediaType::CdRw);
    let t: &mut dyn Transport = &mut rec;
    discover(t);
    write_session(t, &pattern(0, 300, 1), Close::Appendable);
    let formats = ops::read_format_capacities(t).unwrap();
    let full = formats
        .formattable
        .iter()
        .find(|d| d.format_type == format_type::CD_RW_FULL)
        .copied()
        .expect("a full-format descriptor for fixed packets");
    assert_eq!((full.blocks, full.type_parameter), (295_232, 32));
    // Another packet size is not offered.
    let mut params = FormatUnitParameters {
        fov: true,
        dcrt: false,
        immed: true,
        blocks: full.blocks,
        format_type: full.format_type,
        format_sub_type: 0,
        type_parameter: 16,
    };
    let err = ops::format_unit(t, &params).unwrap_err();
    assert_eq!(sense_of(&err), (5, 0x26, 0x00));
    params.type_parameter = full.type_parameter;
    ops::format_unit(t, &params).unwrap();
    poll(t, "format");
    let found = discover(t);
    assert_eq!(found.profile, Profile::CdRw);
    assert_eq!(found.disc.disc_status, DiscStatus::Complete);
    assert!(ops::get_configuration(t, RequestType::All, 0)
        .unwrap()
        .is_current(0x0020));
    let track = ops::read_track_information(t, TrackAddress::Track(1)).unwrap();
    assert!(track.packet && track.fp, "{track:?}");
    assert_eq!((track.fixed_packet_size, track.track_size), (32, 295_232));
    assert_eq!(ops::read_capacity(t).unwrap().block_count(), 295_232);
    // The format erased the session written before it.
    assert_eq!(read(t, 0, 32).unwrap(), vec![0u8; 32 * 2048]);
    // Written in packet mode with its packet size only (page 05h).
    let err = ops::write_blocks(t, 0, &pattern(0, 32, 2)).unwrap_err();
    assert_eq!(
        sense_of(&err),
        (5, 0x64, 0x00),
        "track at once on a packet disc"
    );
    let mut page = ops::write_parameters(t).unwrap();
    page.set_fixed_packets(16);
    ops::mode_select_page(t, &page.emit()).unwrap();
    let err = ops::write_blocks(t, 0, &pattern(0, 32, 2)).unwrap_err();
    assert_eq!(
        sense_of(&err),
        (5, 0x64, 0x00),
        "packets of 16 on a disc of 32"
    );
    page.set_fixed_packets(32);
    ops::mode_select_page(t, &page.emit()).unwrap();
    ops::write_blocks(t, 64, &pattern(64, 32, 2)).unwrap();
    ops::write_blocks(t, 0, &pattern(0, 64, 3)).unwrap();
    ops::synchronize_cache(t, false).unwrap();
    assert_eq!(read(t, 64, 32).unwrap(), pattern(64, 32, 2));
    assert_eq!(read(t, 0, 64).unwrap(), pattern(0, 64, 3));
    // Whole packets only.
    for (lba, blocks) in [(16, 32), (96, 16)] {
        let err = ops::write_blocks(t, lba, &pattern(lba, blocks, 4)).unwrap_err();
        assert_eq!(sense_of(&err), (5, 0x24, 0x00), "{blocks} blocks at {lba}");
    }
    // BLANK returns it to an unformatted, blank CD-RW.
    ops::blank(t, BlankType::Full, 0, false).unwrap();
    let found = discover(t);
    assert_eq!(found.disc.disc_status, DiscStatus::Blank);
    assert!(!ops::get_configuration(t, RequestType::All, 0)
        .unwrap()
        .is_current(0x0020));
}

fn plus_r_sessions(media: MediaType, profile: Profile) {
    let (_dir, mut rec) = new_medium(media);
    let t: &mut dyn Transport = &mut rec;
    assert_eq!(discover(t).profile, profile);
    let first = pattern(0, 100, 1);
    assert_eq!(write_session(t, &first, Close::Appendable), 0);
    let invisible = ops::read_track_information(t, TrackAddress::INVISIBLE).unwrap();
    let nwa = invisible.writable_address().unwrap();
    assert!(nwa > 112 && nwa.is_multiple_of(16), "{nwa}");
    assert_eq!(invisible.track_number, 2);
    assert_eq!(
        ops::read_track_information(t, TrackAddress::Track(1))
            .unwrap()
            .track_size,
        112
    );

    // The next session: write, then CLOSE SESSION with the track still open.
    ops::write_blocks(t, nwa, &pattern(nwa, 32, 2)).unwrap();
    let incomplete = ops::read_track_information(t, TrackAddress::INVISIBLE).unwrap();
    assert_eq!(incomplete.state(), TrackState::Incomplete);
    assert_eq!(incomplete.writable_address(), Some(nwa + 32));
    let err = ops::close_track_session(t, CloseFunction::CloseSession, 0, false).unwrap_err();
    assert_eq!(sense_of(&err), (5, 0x72, 0x03));
    // Writes come in whole 16-block ECC blocks.
    let err = ops::write_blocks(t, nwa + 32, &pattern(nwa + 32, 15, 2)).unwrap_err();
    assert_eq!(sense_of(&err), (5, 0x24, 0x00));
    ops::synchronize_cache(t, false).unwrap();
    ops::close_track_session(t, CloseFunction::CloseTrack, 2, false).unwrap();
    ops::close_track_session(t, CloseFunction::CloseSession, 0, false).unwrap();
    let disc = ops::read_disc_information(t).unwrap();
    assert_eq!(
        (disc.disc_status, disc.sessions),
        (DiscStatus::Appendable, 3)
    );
    assert_eq!(read(t, nwa, 32).unwrap(), pattern(nwa, 32, 2));
    assert_eq!(read(t, 0, 100).unwrap(), first);

    // Finalize (110b for DVD+R, 101b on DL as growisofs does) with a last session.
    let last = ops::read_track_information(t, TrackAddress::INVISIBLE)
        .unwrap()
        .writable_address()
        .unwrap();
    write_session(t, &pattern(last, 16, 3), Close::Final);
    let disc = ops::read_disc_information(t).unwrap();
    assert_eq!(
        (disc.disc_status, disc.sessions, disc.last_session_state),
        (DiscStatus::Complete, 3, SessionState::Complete)
    );
    let err = ops::write_blocks(t, last + 16_000, &pattern(0, 16, 4)).unwrap_err();
    assert_eq!(sense_of(&err), (5, 0x21, 0x02));
    let toc = ops::read_toc(t, false, 0).unwrap();
    assert_eq!(toc.last_track, 3);
}

#[test]
fn dvd_plus_r_sessions() {
    plus_r_sessions(MediaType::DvdPlusR, Profile::DvdPlusR);
}

#[test]
fn dvd_plus_r_dl_sessions() {
    plus_r_sessions(MediaType::DvdPlusRDl, Profile::DvdPlusRDl);
}

#[test]
fn dvd_plus_r_reserved_track() {
    let (_dir, mut rec) = new_medium(MediaType::DvdPlusR);
    let t: &mut dyn Transport = &mut rec;
    discover(t);
    ops::reserve_track(t, 100).unwrap();
    let reserved = ops::read_track_information(t, TrackAddress::Track(1)).unwrap();
    assert_eq!(reserved.state(), TrackState::Reserved);
    assert_eq!(reserved.track_size, 112, "rounded up to 16 blocks");
    let invisible = ops::read_track_information(t, TrackAddress::INVISIBLE).unwrap();
    assert_eq!((invisible.track_number, invisible.track_start), (2, 112));
    ops::write_blocks(t, 0, &pattern(0, 48, 1)).unwrap();
    assert_eq!(
        sense_of(&ops::close_track_session(t, CloseFunction::CloseSession, 0, false).unwrap_err()),
        (5, 0x72, 0x04)
    );
    ops::close_track_session(t, CloseFunction::CloseTrack, 1, false).unwrap();
    ops::close_track_session(t, CloseFunction::CloseSession, 0, false).unwrap();
    assert!(
        read(t, 48, 64).unwrap().iter().all(|&b| b == 0),
        "the drive pads a short reservation"
    );
}

#[test]
fn bd_r_formatted_with_spares_then_sessions_and_finalize() {
    let (_dir, mut rec) = new_medium(MediaType::BdR);
    let t: &mut dyn Transport = &mut rec;
    discover(t);
    let formats = ops::read_format_capacities(t).unwrap();
    let spared = formats
        .formattable
        .iter()
        .find(|d| d.format_type == format_type::BD_R_WITH_SPARES)
        .copied()
        .unwrap();
    let params = FormatUnitParameters {
        fov: true,
        dcrt: false,
        immed: true,
        blocks: spared.blocks,
        format_type: format_type::BD_R_WITH_SPARES,
        format_sub_type: 0b01,
        type_parameter: spared.type_parameter,
    };
    ops::format_unit(t, &params).unwrap();
    poll(t, "format");
    let found = discover(t);
    assert_eq!(found.next.free_blocks, spared.blocks);
    assert_eq!(
        sense_of(&ops::read_track_information(t, TrackAddress::INVISIBLE).unwrap_err()),
        (5, 0x24, 0x00)
    );
    let first = pattern(0, 1000, 1);
    write_session(t, &first, Close::Appendable);
    let next = ops::read_track_information(t, TrackAddress::Track(2)).unwrap();
    let nwa = next.writable_address().unwrap();
    assert!(nwa > 1024 && nwa.is_multiple_of(32), "{nwa}");
    assert_eq!(
        ops::read_track_information(t, TrackAddress::Track(1))
            .unwrap()
            .track_size,
        1024
    );
    // BD-R takes 32-block clusters.
    assert_eq!(
        sense_of(&ops::write_blocks(t, nwa, &pattern(nwa, 16, 2)).unwrap_err()),
        (5, 0x24, 0x00)
    );
    // 101b is a DVD+R function.
    assert_eq!(
        sense_of(
            &ops::close_track_session(t, CloseFunction::FinalizeMinimalRadius, 0, false)
                .unwrap_err()
        ),
        (5, 0x24, 0x00)
    );
    write_session(t, &pattern(nwa, 64, 2), Close::Final);
    let disc = ops::read_disc_information(t).unwrap();
    assert_eq!((disc.disc_status, disc.sessions), (DiscStatus::Complete, 2));
    assert_eq!(read(t, 0, 1000).unwrap(), first);
    assert_eq!(read(t, nwa, 64).unwrap(), pattern(nwa, 64, 2));
    assert_eq!(
        sense_of(&ops::write_blocks(t, nwa + 4096, &pattern(0, 32, 3)).unwrap_err()),
        (5, 0x21, 0x02)
    );
}

#[test]
fn dvd_plus_rw_format_then_random_writes() {
    let (_dir, mut rec) = new_medium(MediaType::DvdPlusRw);
    rec.set_immed_polls(2);
    let t: &mut dyn Transport = &mut rec;
    let found = discover(t);
    assert_eq!(found.profile, Profile::DvdPlusRw);
    assert_eq!(found.disc.bg_format_status, 0);
    assert_eq!(
        sense_of(&ops::write_blocks(t, 0, &pattern(0, 16, 1)).unwrap_err()),
        (5, 0x30, 0x10)
    );
    let formats = ops::read_format_capacities(t).unwrap();
    assert_eq!(
        formats.formattable[0].format_type,
        format_type::DVD_PLUS_RW_FULL
    );
    ops::format_unit(t, &FormatUnitParameters::dvd_plus_rw(false)).unwrap();
    let (_, sense, _, _) = raw(t, &[0, 0, 0, 0, 0, 0], 0);
    assert_eq!(sense, Some((2, 0x04, 0x04)), "format in progress");
    poll(t, "format");
    let disc = ops::read_disc_information(t).unwrap();
    assert_eq!(
        (disc.disc_status, disc.bg_format_status),
        (DiscStatus::Complete, 2)
    );
    assert!(ops::get_configuration(t, RequestType::All, 0)
        .unwrap()
        .is_current(0x0020));
    // Anywhere, in any order.
    ops::write_blocks(t, 2_000_000, &pattern(2_000_000, 16, 2)).unwrap();
    ops::write_blocks(t, 16, &pattern(16, 16, 3)).unwrap();
    ops::write_blocks(t, 16, &pattern(16, 16, 4)).unwrap();
    ops::synchronize_cache(t, false).unwrap();
    assert_eq!(read(t, 16, 16).unwrap(), pattern(16, 16, 4));
    assert_eq!(read(t, 2_000_000, 16).unwrap(), pattern(2_000_000, 16, 2));
    assert!(read(t, 100_000, 1).unwrap().iter().all(|&b| b == 0));
    assert_eq!(ops::read_capacity(t).unwrap().last_lba, 2_295_103);
    ops::close_track_session(t, CloseFunction::CloseSession, 0, true).unwrap();
    poll(t, "close");
    assert_eq!(ops::read_disc_information(t).unwrap().bg_format_status, 3);
    let toc = ops::read_toc(t, false, 0).unwrap();
    assert_eq!(toc.lead_out().unwrap().address, 2_295_104);
    assert_eq!(
        sense_of(&ops::read_full_toc(t, 1).unwrap_err()),
        (5, 0x24, 0x00)
    );
}

#[test]
fn bd_re_format_from_format_capacities_then_random_writes() {
    let (_dir, mut rec) = new_medium(MediaType::BdRe);
    let t: &mut dyn Transport = &mut rec;
    let found = discover(t);
    assert_eq!(found.profile, Profile::BdRe);
    assert_eq!(found.disc.disc_status, DiscStatus::Blank);
    let formats = ops::read_format_capacities(t).unwrap();
    assert_eq!(formats.current.blocks, 12_219_392);
    let default = formats
        .formattable
        .iter()
        .find(|d| d.format_type == format_type::FULL)
        .copied()
        .unwrap();
    assert_eq!(default.blocks, 11_826_176);
    let params = FormatUnitParameters {
        fov: true,
        dcrt: false,
        immed: true,
        blocks: default.blocks,
        format_type: format_type::FULL,
        format_sub_type: 0,
        type_parameter: default.type_parameter,
    };
    ops::format_unit(t, &params).unwrap();
    poll(t, "format");
    ops::synchronize_cache(t, false).unwrap();
    assert_eq!(ops::read_capacity(t).unwrap().last_lba, 11_826_175);
    let config = ops::get_configuration(t, RequestType::Current, 0).unwrap();
    assert_eq!(config.get::<RandomWritable>().unwrap().last_lba, 11_826_175);
    assert!(
        config.features.iter().all(|f| f.current),
        "RT=01b: current features only"
    );
    let formats = ops::read_format_capacities(t).unwrap();
    assert_eq!(formats.current.blocks, 11_826_176);
    ops::write_blocks(t, 11_826_176 - 32, &pattern(11_826_176 - 32, 32, 1)).unwrap();
    ops::write_blocks(t, 5, &pattern(5, 3, 2)).unwrap();
    assert_eq!(
        sense_of(&ops::write_blocks(t, 11_826_176, &pattern(0, 32, 3)).unwrap_err()),
        (5, 0x21, 0x00)
    );
    ops::synchronize_cache(t, false).unwrap();
    assert_eq!(
        read(t, 11_826_176 - 32, 32).unwrap(),
        pattern(11_826_176 - 32, 32, 1)
    );
    assert_eq!(read(t, 5, 3).unwrap(), pattern(5, 3, 2));
    // No blanking on BD-RE.
    assert_eq!(
        sense_of(&ops::blank(t, BlankType::Full, 0, false).unwrap_err()),
        (5, 0x30, 0x00)
    );
}

#[test]
fn format_a_cd_r_is_refused() {
    let (_dir, mut rec) = new_medium(MediaType::CdR);
    let t: &mut dyn Transport = &mut rec;
    discover(t);
    let err = ops::format_unit(t, &FormatUnitParameters::dvd_plus_rw(false)).unwrap_err();
    assert_eq!(sense_of(&err), (5, 0x30, 0x06));
    assert_eq!(
        sense_of(&ops::blank(t, BlankType::Full, 0, false).unwrap_err()),
        (5, 0x30, 0x00)
    );
}

#[test]
fn test_write_leaves_the_medium_unchanged() {
    let (_dir, mut rec) = new_medium(MediaType::CdR);
    let t: &mut dyn Transport = &mut rec;
    discover(t);
    set_write_parameters(t, Profile::CdR, true, true);
    ops::write_blocks(t, 0, &pattern(0, 32, 1)).unwrap();
    ops::write_blocks(t, 32, &pattern(32, 300, 1)).unwrap();
    ops::synchronize_cache(t, false).unwrap();
    ops::close_track_session(t, CloseFunction::CloseSession, 0, false).unwrap();
    let disc = ops::read_disc_information(t).unwrap();
    assert_eq!(disc.disc_status, DiscStatus::Blank);
    assert_eq!(sense_of(&read(t, 0, 1).unwrap_err()), (5, 0x21, 0x00));
    // Test Write still checks addresses.
    let err = ops::write_blocks(t, 100, &pattern(100, 16, 1)).unwrap_err();
    assert_eq!(sense_of(&err), (5, 0x21, 0x02));
}

#[test]
fn mode_pages_current_changeable_default() {
    let (_dir, mut rec) = new_medium(MediaType::CdR);
    let t: &mut dyn Transport = &mut rec;
    discover(t);
    let current = ops::write_parameters(t).unwrap();
    assert_eq!(current.page_length, 0x32);
    assert_eq!(u8::from(current.write_type), 1, "TAO by default on CD");
    assert_eq!(current.data_block_type, 8);
    let changeable = ops::mode_sense_page(t, 0x05, PageControl::Changeable).unwrap();
    assert_eq!(changeable[2] & 0x0F, 0x0F);
    set_write_parameters(t, Profile::CdR, true, false);
    assert_eq!(u8::from(ops::write_parameters(t).unwrap().multi_session), 3);
    let default = mmc::mode::WriteParametersPage::parse(
        &ops::mode_sense_page(t, 0x05, PageControl::Default).unwrap(),
    )
    .unwrap();
    assert_eq!(u8::from(default.multi_session), 0);
    // A data block type that does not fit the track mode: 5/26/00.
    let mut bad = ops::write_parameters(t).unwrap();
    bad.data_block_type = 8;
    bad.track_mode = 0;
    assert_eq!(
        sense_of(&ops::mode_select_page(t, &bad.emit()).unwrap_err()),
        (5, 0x26, 0x00)
    );
    let caps = ops::capabilities(t).unwrap();
    let _ = caps;
    assert_eq!(
        sense_of(&ops::mode_sense_page(t, 0x1D, PageControl::Current).unwrap_err()),
        (5, 0x24, 0x00)
    );
}

#[test]
fn dvd_r_disc_at_once_after_reservation() {
    let (_dir, mut rec) = new_medium(MediaType::DvdR);
    let t: &mut dyn Transport = &mut rec;
    discover(t);
    // mmc.md §5.3 DAO variant: page 05h write type 2, RESERVE TRACK, write, SYNC.
    let mut page = ops::write_parameters(t).unwrap();
    page.write_type = mmc::mode::WriteType::SessionAtOnce;
    page.ls_v = false;
    page.fp = false;
    page.packet_size = 0;
    page.multi_session = mmc::mode::MultiSession::Final;
    ops::mode_select_page(t, &page.emit()).unwrap();
    ops::reserve_track(t, 320).unwrap();
    let data = pattern(0, 320, 9);
    for (i, piece) in data.chunks(16 * BLOCK).enumerate() {
        ops::write_blocks(t, (i * 16) as u32, piece).unwrap();
    }
    ops::synchronize_cache(t, false).unwrap();
    let disc = ops::read_disc_information(t).unwrap();
    assert_eq!(
        (disc.disc_status, disc.sessions),
        (DiscStatus::Complete, 1),
        "DAO is single-session"
    );
    assert_eq!(read(t, 0, 320).unwrap(), data);
}

#[test]
fn track_information_by_lba_and_session_and_drive_speeds() {
    let (_dir, mut rec) = new_medium(MediaType::CdR);
    let t: &mut dyn Transport = &mut rec;
    discover(t);
    write_session(t, &pattern(0, 400, 1), Close::Appendable);
    let by_lba = |t: &mut dyn Transport, lba: u32| {
        ops::read_track_information(t, TrackAddress::Lba(lba)).unwrap()
    };
    assert_eq!(by_lba(t, 399).track_number, 1);
    // Lead-out/lead-in/pre-gap blocks belong to the track after them.
    assert_eq!(by_lba(t, 5_000).track_number, 2);
    assert_eq!(by_lba(t, 200_000).track_number, 2);
    assert_eq!(
        ops::read_track_information(t, TrackAddress::Session(2))
            .unwrap()
            .track_start,
        402 + 11_400
    );
    assert_eq!(
        sense_of(&ops::read_track_information(t, TrackAddress::Lba(400_000)).unwrap_err()),
        (5, 0x21, 0x00)
    );
    assert_eq!(
        sense_of(&ops::read_track_information(t, TrackAddress::Track(7)).unwrap_err()),
        (5, 0x24, 0x00)
    );
    let speeds = ops::write_speeds(t).unwrap();
    assert!(!speeds.speeds.is_empty());
    let buffer = ops::read_buffer_capacity(t).unwrap();
    assert!(buffer.buffer_length >= buffer.available && buffer.buffer_length > 0);
    let caps = ops::capabilities(t).unwrap();
    assert!(caps.write_speeds.len() == 1);
}

#[test]
fn read_cd_user_data_and_write_12_streaming() {
    let (_dir, mut rec) = new_medium(MediaType::CdR);
    let t: &mut dyn Transport = &mut rec;
    discover(t);
    let data = pattern(0, 300, 5);
    write_session(t, &data, Close::Appendable);
    // READ CD, Mode 1, user data only (byte 9 = 10h), 3 blocks at LBA 7.
    let cdb = [0xBE, 2 << 2, 0, 0, 0, 7, 0, 0, 3, 0x10, 0, 0];
    let (status, _, bytes, residual) = raw(t, &cdb, 3 * BLOCK);
    assert_eq!((status, residual), (mmc::ScsiStatus::Good, 0));
    assert_eq!(bytes, data[7 * BLOCK..10 * BLOCK]);
    // Raw 2352-byte sectors are not stored.
    let raw_cdb = [0xBE, 0, 0, 0, 0, 7, 0, 0, 1, 0xF8, 0, 0];
    assert_eq!(raw(t, &raw_cdb, 2352).1, Some((5, 0x24, 0x00)));

    let (_dir, mut rec) = new_medium(MediaType::BdRe);
    let t: &mut dyn Transport = &mut rec;
    discover(t);
    let params = FormatUnitParameters {
        fov: false,
        dcrt: false,
        immed: false,
        blocks: 0,
        format_type: format_type::BD_RE_NO_SPARES,
        format_sub_type: 0,
        type_parameter: 0x800,
    };
    ops::format_unit(t, &params).unwrap();
    assert_eq!(ops::read_capacity(t).unwrap().last_lba, 12_219_391);
    let cdb = mmc::cdb::Write12::new(64, 32, true).to_cdb();
    let data = pattern(64, 32, 6);
    let (status, sense, _) = ops::raw(
        t,
        cdb.as_bytes(),
        mmc::DataDirection::ToDevice(&data),
        std::time::Duration::from_secs(1),
    )
    .unwrap();
    assert_eq!((status, sense), (mmc::ScsiStatus::Good, None));
    assert_eq!(read(t, 64, 32).unwrap(), data);
    // READ CD is for CD media.
    assert_eq!(
        raw(t, &[0xBE, 0, 0, 0, 0, 64, 0, 0, 1, 0x10, 0, 0], BLOCK).1,
        Some((5, 0x64, 0x00))
    );
}

#[test]
fn recorder_can_move_to_another_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<Recorder>();
}

#[test]
fn read_toc_format_in_the_sff_8020_field() {
    let (_dir, mut rec) = new_medium(MediaType::CdR);
    let t: &mut dyn Transport = &mut rec;
    discover(t);
    write_session(t, &pattern(0, 300, 1), Close::Appendable);
    let start = 302 + 11_400;
    write_session(t, &pattern(start, 300, 2), Close::Appendable);
    // Format 1 asked in byte 9 b7..b6 (byte 2 = 0): session information.
    let (status, _, data, _) = raw(t, &[0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40], 12);
    assert_eq!(status, mmc::ScsiStatus::Good);
    let info = mmc::toc::SessionInfo::parse(&data).unwrap();
    assert_eq!(
        (info.last_complete_session, info.last_session_start),
        (2, start)
    );
    assert_eq!(ops::read_session_info(t).unwrap(), info);
}
