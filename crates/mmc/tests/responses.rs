//! Response fixtures built from the byte tables of mmc.md §2 (smoltcp style):
//! bytes → parse → fields, and fields → emit → the same bytes.

use mmc::config::{self, *};
use mmc::disc::*;
use mmc::format::*;
use mmc::inquiry::*;
use mmc::mode::{self, *};
use mmc::speed::*;
use mmc::toc::*;
use mmc::Profile;

/// Appendable CD-R, two complete sessions and the trailing empty one (§2.5).
static DISC_INFO_APPENDABLE_CD: [u8; 34] = [
    0x00, 0x20, // length 32
    0x01, // erasable 0, last session empty (00b), disc appendable (01b)
    0x01, // first track on disc
    0x03, 0x03, 0x03, // sessions / first / last track in last session (LSB)
    0x20, // URU
    0x00, // disc type CD-ROM
    0x00, 0x00, 0x00, // MSBs
    0x00, 0x00, 0x00, 0x00, // disc id
    0x00, 0x0F, 0x2C, 0x00, // last session lead-in start 15:44:00
    0x00, 0x4F, 0x3B, 0x4A, // last possible lead-out 79:59:74
    0, 0, 0, 0, 0, 0, 0, 0, // bar code
    0x00, 0x00, // application code, OPC entries
];

#[test]
fn disc_information_appendable_cd() {
    let di = DiscInformation::parse(&DISC_INFO_APPENDABLE_CD).unwrap();
    assert_eq!(di.disc_status, DiscStatus::Appendable);
    assert_eq!(di.last_session_state, SessionState::Empty);
    assert!(!di.erasable);
    assert_eq!(di.sessions, 3);
    assert_eq!(di.complete_sessions(), 2);
    assert_eq!(di.first_track_in_last_session, 3);
    assert_eq!(di.last_track_in_last_session, 3);
    assert!(di.uru);
    assert_eq!(di.last_session_lead_in_start, 0x000F_2C00);
    assert_eq!(
        Msf::from_field(di.last_possible_lead_out_start.to_be_bytes()).to_lba(),
        359_849
    );
    assert_eq!(di.emit(), DISC_INFO_APPENDABLE_CD.to_vec());
    assert_eq!(
        DiscInformation::total_length(&DISC_INFO_APPENDABLE_CD[..2]),
        Some(34)
    );
}

#[test]
fn disc_information_large_track_numbers_and_opc() {
    // Complete BD-R with 300 sessions (MSB bytes 9-11) and one OPC entry.
    let mut b = vec![0u8; 42];
    b[1] = 0x28;
    b[2] = 0x0E; // last session complete (11b), disc complete (10b)
    b[3] = 1;
    b[4] = 0x2C; // 300 = 0x012C
    b[9] = 0x01;
    b[5] = 0x2C;
    b[10] = 0x01;
    b[6] = 0x2C;
    b[11] = 0x01;
    b[16..24].copy_from_slice(&[0xFF; 8]);
    b[33] = 1;
    b[34..42].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
    let di = DiscInformation::parse(&b).unwrap();
    assert_eq!(di.disc_status, DiscStatus::Complete);
    assert_eq!(di.last_session_state, SessionState::Complete);
    assert_eq!(di.sessions, 300);
    assert_eq!(di.complete_sessions(), 300);
    assert_eq!(di.last_track_in_last_session, 300);
    assert_eq!(di.opc_entries, vec![[1, 2, 3, 4, 5, 6, 7, 8]]);
    assert_eq!(di.emit(), b);
}

#[test]
fn disc_information_truncated_and_short() {
    // A 12-byte allocation still gives status and counts.
    let di = DiscInformation::parse(&DISC_INFO_APPENDABLE_CD[..12]).unwrap();
    assert_eq!(di.sessions, 3);
    assert_eq!(di.last_possible_lead_out_start, 0);
    assert!(DiscInformation::parse(&DISC_INFO_APPENDABLE_CD[..5]).is_err());
}

/// Invisible track of an appendable CD-R (§2.6): track 3, session 3, blank, NWA valid.
static TRACK_INFO_INVISIBLE: [u8; 48] = [
    0x00, 0x2E, // length 46
    0x03, 0x03, // track / session LSB
    0x00, //
    0x04, // damage 0, copy 0, track mode 4
    0x41, // RT 0, blank 1, packet 0, FP 0, data mode 1
    0x01, // NWA_V
    0x00, 0x00, 0x6B, 0x6C, // track start 27500
    0x00, 0x00, 0x6B, 0x6C, // NWA 27500
    0x00, 0x04, 0xF6, 0xF5, // free blocks 325365
    0x00, 0x00, 0x00, 0x00, // fixed packet size
    0x00, 0x04, 0xF6, 0xF5, // track size
    0x00, 0x00, 0x00, 0x00, // last recorded address
    0x00, 0x00, // track / session MSB
    0x00, 0x00, //
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // read compat, layer jumps
];

#[test]
fn track_information_invisible_track() {
    let ti = TrackInformation::parse(&TRACK_INFO_INVISIBLE).unwrap();
    assert_eq!(ti.track_number, 3);
    assert_eq!(ti.session_number, 3);
    assert_eq!(ti.track_mode, 4);
    assert!(ti.blank && !ti.rt && !ti.packet && ti.nwa_valid);
    assert_eq!(ti.data_mode, 1);
    assert_eq!(ti.state(), TrackState::Blank);
    assert_eq!(ti.track_start, 27_500);
    assert_eq!(ti.writable_address(), Some(27_500));
    assert_eq!(ti.free_blocks, 325_365);
    assert_eq!(ti.emit(), TRACK_INFO_INVISIBLE);
}

#[test]
fn track_information_states_and_quirks() {
    let mut complete = TrackInformation {
        track_number: 1,
        session_number: 1,
        track_size: 1000,
        ..Default::default()
    };
    assert_eq!(complete.state(), TrackState::Complete);
    assert_eq!(complete.writable_address(), None);
    complete.nwa_valid = true;
    complete.next_writable_address = 500;
    assert_eq!(complete.state(), TrackState::Incomplete);
    // NWA -150 on blank CD is clamped to the track start ([LB]).
    let blank_cd = TrackInformation {
        blank: true,
        nwa_valid: true,
        next_writable_address: (-150i32) as u32,
        ..Default::default()
    };
    assert_eq!(blank_cd.writable_address(), Some(0));
    let reserved = TrackInformation {
        rt: true,
        ..Default::default()
    };
    assert_eq!(reserved.state(), TrackState::Reserved);
    // Track numbers above 255 use the MSB bytes 32/33.
    let big = TrackInformation {
        track_number: 0x0102,
        session_number: 0x0201,
        ..Default::default()
    };
    let bytes = big.emit();
    assert_eq!(
        (bytes[2], bytes[32], bytes[3], bytes[33]),
        (0x02, 0x01, 0x01, 0x02)
    );
    assert_eq!(TrackInformation::parse(&bytes).unwrap(), big);
    // An MMC-1 drive's 28-byte answer parses; shorter does not.
    let mut short = TRACK_INFO_INVISIBLE[..28].to_vec();
    short[1] = 26;
    assert_eq!(
        TrackInformation::parse(&short).unwrap().free_blocks,
        325_365
    );
    assert!(TrackInformation::parse(&TRACK_INFO_INVISIBLE[..20]).is_err());
}

#[test]
fn toc_format_0() {
    // Two data tracks and the lead-out (§2.7 format 0).
    let b: [u8; 28] = [
        0x00, 0x1A, 0x01, 0x02, //
        0x00, 0x14, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, //
        0x00, 0x14, 0x02, 0x00, 0x00, 0x00, 0x6B, 0x6C, //
        0x00, 0x14, 0xAA, 0x00, 0x00, 0x00, 0xD0, 0x00, //
    ];
    let toc = Toc::parse(&b).unwrap();
    assert_eq!((toc.first_track, toc.last_track), (1, 2));
    assert_eq!(toc.tracks.len(), 3);
    assert_eq!(
        toc.tracks[1],
        TocTrack {
            adr: 1,
            control: CONTROL_DATA,
            track_number: 2,
            address: 27_500
        }
    );
    assert_eq!(toc.lead_out().map(|t| t.address), Some(0xD000));
    assert_eq!(toc.emit(), b.to_vec());
    // Truncated to 12 bytes: the entries present only.
    assert_eq!(Toc::parse(&b[..12]).unwrap().tracks.len(), 1);
}

#[test]
fn toc_format_1_session_info() {
    let b: [u8; 12] = [
        0x00, 0x0A, 0x01, 0x02, 0x00, 0x14, 0x02, 0x00, 0x00, 0x00, 0x6B, 0x6C,
    ];
    let si = SessionInfo::parse(&b).unwrap();
    assert_eq!(
        (si.first_complete_session, si.last_complete_session),
        (1, 2)
    );
    assert_eq!((si.adr, si.control), (1, 4));
    assert_eq!(si.first_track_in_last_session, 2);
    assert_eq!(si.last_session_start, 27_500);
    assert_eq!(si.emit(), b.to_vec());
}

#[test]
fn toc_format_2_full_toc() {
    #[rustfmt::skip]
    let b: [u8; 4 + 5 * 11] = [
        0x00, 0x39, 0x01, 0x01,
        // session ADR/CTL TNO POINT  M     S     F     zero  PM    PS    PF
        0x01, 0x14, 0x00, 0xA0, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x00, // first track 1, CD-ROM XA
        0x01, 0x14, 0x00, 0xA1, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, // last track 1
        0x01, 0x14, 0x00, 0xA2, 0x00, 0x00, 0x00, 0x00, 0x06, 0x08, 0x32, // lead-out 06:08:50
        0x01, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, // track 1 at 00:02:00
        0x01, 0x54, 0x00, 0xB0, 0x08, 0x28, 0x32, 0x02, 0x4F, 0x3B, 0x4A, // next area 08:40:50, max lead-out 79:59:74
    ];
    let full = FullToc::parse(&b).unwrap();
    assert_eq!(full.entries.len(), 5);
    let lead_out = full
        .entries
        .iter()
        .find(|e| e.point == point::LEAD_OUT)
        .unwrap();
    assert_eq!(lead_out.pmsf.to_lba(), (6 * 60 + 8) * 75 + 50 - 150);
    let b0 = full
        .entries
        .iter()
        .find(|e| e.point == point::NEXT_PROGRAM_AREA)
        .unwrap();
    assert_eq!((b0.adr, b0.control, b0.zero), (5, 4, 2));
    // Next program area = lead-out + 11 400 after session 1 (§5.1).
    assert_eq!(b0.msf.to_lba() - lead_out.pmsf.to_lba(), 11_400);
    assert_eq!(b0.pmsf.to_lba(), 359_849);
    assert_eq!(full.entries[3].pmsf.to_lba(), 0);
    assert_eq!(full.emit(), b.to_vec());
}

#[test]
fn toc_format_4_atip() {
    #[rustfmt::skip]
    let b: [u8; 28] = [
        0x00, 0x1A, 0x00, 0x00,
        0xD2, // b7 1, power 5, ref speed 2
        0x00,
        0xC4, // b7 1, CD-RW, sub-type 0, A1 valid
        0x00,
        0x61, 0x1A, 0x41, 0x00, // lead-in 97:26:65
        0x4F, 0x3B, 0x4A, 0x00, // last lead-out 79:59:74
        0x12, 0x34, 0x56, 0x00, // A1
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    let atip = Atip::parse(&b).unwrap();
    assert_eq!(atip.indicative_target_writing_power, 5);
    assert_eq!(atip.reference_speed, 2);
    assert!(atip.disc_type_rw && atip.a1_valid && !atip.a2_valid);
    assert_eq!(atip.lead_in_start.to_lba(), -11_635);
    assert_eq!(atip.last_possible_lead_out_start.to_lba(), 359_849);
    assert_eq!(atip.a1, [0x12, 0x34, 0x56]);
    assert_eq!(atip.emit(), b.to_vec());
}

#[test]
fn msf_conversions() {
    assert_eq!(Msf::new(0, 2, 0).to_lba(), 0);
    assert_eq!(Msf::from_lba(0), Msf::new(0, 2, 0));
    assert_eq!(Msf::from_lba(-150), Msf::new(0, 0, 0));
    assert_eq!(Msf::from_lba(359_849), Msf::new(79, 59, 74));
    assert_eq!(Msf::from_lba(-11_635), Msf::new(97, 26, 65));
    for lba in [-45_000, -151, -1, 1, 74, 75, 4_499, 333_000] {
        assert_eq!(Msf::from_lba(lba).to_lba(), lba, "lba {lba}");
    }
}

/// GET CONFIGURATION answer: DVD+R current; profile list, core (ATAPI),
/// incremental streaming, and a feature this crate has no type for (§2.2).
#[rustfmt::skip]
static CONFIGURATION: [u8; 60] = [
    0x00, 0x00, 0x00, 0x38, 0x00, 0x00, 0x00, 0x1B,
    0x00, 0x00, 0x03, 0x10, // profile list, persistent + current, 16 bytes
    0x00, 0x1B, 0x01, 0x00, // DVD+R, current
    0x00, 0x09, 0x00, 0x00, // CD-R
    0x00, 0x0A, 0x00, 0x00, // CD-RW
    0x00, 0x10, 0x00, 0x00, // DVD-ROM
    0x00, 0x01, 0x0B, 0x08, // core, version 2, persistent + current
    0x00, 0x00, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, // ATAPI, DBE
    0x00, 0x21, 0x05, 0x08, // incremental streaming, version 1, current
    0x01, 0x00, 0x01, 0x01, 0x10, 0x00, 0x00, 0x00, // Mode 1, BUF, one link size 16
    0x01, 0x08, 0x02, 0x04, // feature 0108h, persistent, not current
    0xAA, 0xBB, 0xCC, 0xDD,
];

#[test]
fn configuration_parse() {
    let c = Configuration::parse(&CONFIGURATION).unwrap();
    assert_eq!(c.data_length, 0x38);
    assert_eq!(c.current_profile, Profile::DvdPlusR);
    assert_eq!(c.features.len(), 4);
    let profiles = c.profiles();
    assert_eq!(profiles.len(), 4);
    assert_eq!(
        profiles[0],
        ProfileDescriptor {
            profile: Profile::DvdPlusR,
            current: true
        }
    );
    assert_eq!(profiles[3].profile, Profile::DvdRom);
    let core = c.get::<Core>().unwrap();
    assert_eq!(
        (core.physical_interface, core.interface_name(), core.dbe),
        (2, "ATAPI", true)
    );
    assert_eq!(c.feature(config::feature::CORE).unwrap().version, 2);
    let inc = c.get::<IncrementalStreamingWritable>().unwrap();
    assert_eq!(inc.data_block_types, 0x0100);
    assert!(inc.buf && !inc.arsv);
    assert_eq!(inc.link_sizes, vec![16]);
    assert!(c.is_current(config::feature::INCREMENTAL_STREAMING_WRITABLE));
    let unknown = c.feature(0x0108).unwrap();
    assert!(unknown.persistent && !unknown.current);
    assert_eq!(unknown.data, vec![0xAA, 0xBB, 0xCC, 0xDD]);
    assert!(c.get::<DvdPlusR>().is_none());
    assert_eq!(c.emit(), CONFIGURATION.to_vec());
}

#[test]
fn configuration_construct() {
    let mut profile_list = ProfileList {
        profiles: vec![
            ProfileDescriptor {
                profile: Profile::DvdPlusR,
                current: true,
            },
            ProfileDescriptor {
                profile: Profile::CdR,
                current: false,
            },
            ProfileDescriptor {
                profile: Profile::CdRw,
                current: false,
            },
            ProfileDescriptor {
                profile: Profile::DvdRom,
                current: false,
            },
        ],
    }
    .to_descriptor(true);
    profile_list.persistent = true;
    let mut core = Core {
        physical_interface: 2,
        inq2: false,
        dbe: true,
    }
    .to_descriptor(true);
    core.version = 2;
    core.persistent = true;
    let mut inc = IncrementalStreamingWritable {
        data_block_types: 0x0100,
        trio: false,
        arsv: false,
        buf: true,
        link_sizes: vec![16],
    }
    .to_descriptor(true);
    inc.version = 1;
    let mut other = FeatureDescriptor::new(0x0108, false, vec![0xAA, 0xBB, 0xCC, 0xDD]);
    other.persistent = true;
    let c = Configuration::new(Profile::DvdPlusR, vec![profile_list, core, inc, other]);
    assert_eq!(c.data_length, 0x38);
    assert_eq!(c.emit(), CONFIGURATION.to_vec());
}

#[test]
fn configuration_truncated_to_header_and_features_round_trip() {
    // An 8-byte allocation: the header says how much there is (§1.7).
    let c = Configuration::parse(&CONFIGURATION[..8]).unwrap();
    assert_eq!(c.current_profile, Profile::DvdPlusR);
    assert!(c.features.is_empty());
    assert_eq!(Configuration::total_length(&CONFIGURATION[..8]), Some(60));
    // Cut inside the core descriptor: the profile list and a partial core.
    let c = Configuration::parse(&CONFIGURATION[..36]).unwrap();
    assert_eq!(c.profiles().len(), 4);
    // Typed features round trip through their data bytes.
    let tao = CdTrackAtOnce {
        buf: true,
        test_write: true,
        cd_rw: true,
        data_types_supported: 0x0102,
        ..Default::default()
    };
    assert_eq!(tao.to_data(), vec![0x46, 0x00, 0x01, 0x02]);
    assert_eq!(CdTrackAtOnce::from_data(&tao.to_data()), tao);
    let sao = CdMastering {
        sao: true,
        buf: true,
        max_cue_sheet_length: 0x00_0F_00,
        ..Default::default()
    };
    assert_eq!(sao.to_data(), vec![0x60, 0x00, 0x0F, 0x00]);
    assert_eq!(CdMastering::from_data(&sao.to_data()), sao);
    let dvdr = DvdRWrite {
        buf: true,
        test_write: true,
        dvd_rw: true,
        rdl: false,
    };
    assert_eq!(dvdr.to_data()[0], 0x46);
    assert_eq!(DvdRWrite::from_data(&dvdr.to_data()), dvdr);
    let rts = RealTimeStreaming {
        wspd: true,
        sw: true,
        ..Default::default()
    };
    assert_eq!(rts.to_data()[0], 0x03);
    let bd = BdWrite {
        svnr: false,
        bd_re_class_versions: [0x0006, 0, 0, 0],
        bd_r_class_versions: [0x0002, 0, 0, 0],
    };
    let data = bd.to_data();
    assert_eq!(
        (data[4], data[5], data[12], data[13]),
        (0x00, 0x06, 0x00, 0x02)
    );
    assert_eq!(BdWrite::from_data(&data), bd);
    let removable = RemovableMedium {
        loading_mechanism: 1,
        load: true,
        eject: true,
        prevent_jumper: false,
        lock: true,
    };
    assert_eq!(removable.to_data()[0], 0x39);
    assert_eq!(RemovableMedium::from_data(&removable.to_data()), removable);
    let rr = RandomReadable {
        block_size: 2048,
        blocking: 16,
        page_present: true,
    };
    assert_eq!(rr.to_data(), vec![0, 0, 8, 0, 0, 16, 1, 0]);
}

/// MODE SENSE(10) page 05h as a CD TAO multi-session burn sets it (§2.8, §5.1).
fn page05_fixture() -> Vec<u8> {
    let mut b = vec![0u8; 8 + 52];
    b[1] = 58; // mode data length
    b[8] = 0x05;
    b[9] = 0x32;
    b[10] = 0x41; // BUFE, TAO
    b[11] = 0xC4; // multi-session 11b, track mode 4
    b[12] = 0x08; // data block type Mode 1
    b[22] = 0x00;
    b[23] = 0x96; // audio pause 150
    b
}

#[test]
fn write_parameters_page() {
    let data = page05_fixture();
    assert_eq!(mode::total_length(&data), Some(60));
    let page = mode::first_page(&data).unwrap();
    assert_eq!(page.len(), 52);
    let wp = WriteParametersPage::parse(page).unwrap();
    assert!(wp.bufe && !wp.test_write && !wp.ls_v);
    assert_eq!(wp.write_type, WriteType::TrackAtOnce);
    assert_eq!(wp.multi_session, MultiSession::Appendable);
    assert_eq!(
        (wp.track_mode, wp.data_block_type, wp.audio_pause_length),
        (4, 8, 150)
    );
    assert_eq!(wp.emit(), page.to_vec());
    assert_eq!(
        WriteParametersPage::cd_tao_data(false, true).emit(),
        page.to_vec()
    );
    assert_eq!(emit_mode_data(page, false), data);
    // For MODE SELECT the length is zero and PS is cleared.
    let mut with_ps = page.to_vec();
    with_ps[0] |= 0x80;
    let select = emit_mode_data(&with_ps, true);
    assert_eq!(&select[..2], &[0, 0]);
    assert_eq!(select[8], 0x05);
    // DVD-R incremental page (§5.3).
    let dvd = WriteParametersPage::dvd_r_incremental(true, true).emit();
    assert_eq!(&dvd[2..6], &[0x70, 0xE5, 0x08, 0x10]);
    assert_eq!(&dvd[10..14], &[0, 0, 0, 16]);
}

#[test]
fn mode_sense_skips_block_descriptors() {
    // qemu-style answer with an 8-byte block descriptor before the page.
    let mut data = vec![0u8; 8 + 8 + 4];
    data[1] = 18;
    data[7] = 8;
    data[16] = 0x2A;
    data[17] = 0x02;
    data[18] = 0x3B;
    assert_eq!(mode::first_page(&data).unwrap(), &[0x2A, 0x02, 0x3B, 0x00]);
    assert!(WriteParametersPage::parse(&data[16..]).is_err());
}

#[test]
fn capabilities_page() {
    #[rustfmt::skip]
    let page: [u8; 40] = [
        0x2A, 0x26,
        0x1B, // read DVD-R, DVD-ROM, CD-RW, CD-R
        0x17, // write DVD-R, test write, CD-RW, CD-R
        0xC0, // BUF, multi-session
        0x00,
        0x29, // tray, eject, lock
        0x00,
        0x1B, 0x90, 0, 0, // max read speed
        0x08, 0x00, // buffer 2048 KiB
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0x1B, 0x90, // current write speed
        0x00, 0x02, // two descriptors
        0x00, 0x00, 0x1B, 0x90,
        0x00, 0x00, 0x0D, 0xC8,
    ];
    let caps = CapabilitiesPage::parse(&page).unwrap();
    assert!(
        caps.read_dvd_r
            && caps.read_dvd_rom
            && caps.read_cd_rw
            && caps.read_cd_r
            && !caps.read_dvd_ram
    );
    assert!(
        caps.write_dvd_r
            && caps.test_write
            && caps.write_cd_rw
            && caps.write_cd_r
            && !caps.write_dvd_ram
    );
    assert!(caps.buf && caps.multi_session);
    assert_eq!(
        (caps.loading_mechanism, caps.eject, caps.lock),
        (1, true, true)
    );
    assert_eq!(caps.buffer_size_kib, 2048);
    assert_eq!(caps.current_write_speed, 7056);
    assert_eq!(
        caps.write_speeds
            .iter()
            .map(|s| s.write_speed)
            .collect::<Vec<_>>(),
        vec![7056, 3528]
    );
    assert_eq!(caps.emit(), page.to_vec());
}

#[test]
fn format_capacities_and_format_unit() {
    #[rustfmt::skip]
    let b: [u8; 20] = [
        0x00, 0x00, 0x00, 0x10,
        0x00, 0x23, 0x05, 0x40, 0x01, 0x00, 0x08, 0x00, // unformatted, 2 295 104 blocks of 2048
        0x00, 0x23, 0x05, 0x40, 0x98, 0x00, 0x00, 0x00, // type 26h
    ];
    let fc = FormatCapacities::parse(&b).unwrap();
    assert_eq!(fc.current.blocks, 2_295_104);
    assert_eq!(
        fc.current.descriptor_type,
        CapacityDescriptorType::Unformatted
    );
    assert_eq!(fc.current.block_length, 2048);
    assert_eq!(
        fc.formattable,
        vec![FormattableCapacity {
            blocks: 2_295_104,
            format_type: 0x26,
            type_parameter: 0
        }]
    );
    assert_eq!(fc.emit(), b.to_vec());
    assert_eq!(FormatCapacities::total_length(&b[..4]), Some(20));
    // The DVD+RW list of mmc.md §5.5, byte for byte.
    let list = FormatUnitParameters::dvd_plus_rw(false).emit();
    assert_eq!(
        list,
        [0x00, 0x02, 0x00, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x98, 0x00, 0x00, 0x00]
    );
    assert_eq!(
        FormatUnitParameters::parse(&list).unwrap(),
        FormatUnitParameters::dvd_plus_rw(false)
    );
    assert_eq!(FormatUnitParameters::dvd_plus_rw(true).emit()[11], 0x01);
    // BD-R SRM without POW: type 00h sub-type 01b, FOV + Immed.
    let bdr = FormatUnitParameters {
        fov: true,
        dcrt: false,
        immed: true,
        blocks: 12_219_392,
        format_type: format_type::FULL,
        format_sub_type: 1,
        type_parameter: 0x800,
    };
    assert_eq!(
        bdr.emit(),
        [0x00, 0x82, 0x00, 0x08, 0x00, 0xBA, 0x74, 0x00, 0x01, 0x00, 0x08, 0x00]
    );
}

#[test]
fn inquiry_capacity_events_buffer() {
    let mut b = [0u8; 36];
    b[..5].copy_from_slice(&[0x05, 0x80, 0x05, 0x02, 0x1F]);
    b[8..16].copy_from_slice(b"QEMU    ");
    b[16..32].copy_from_slice(b"QEMU DVD-ROM    ");
    b[32..36].copy_from_slice(b"2.5+");
    let inq = InquiryData::parse(&b).unwrap();
    assert_eq!(
        (inq.device_type, inq.removable, inq.version),
        (DEVICE_TYPE_MMC, true, 5)
    );
    assert_eq!(
        (
            inq.vendor.as_str(),
            inq.product.as_str(),
            inq.revision.as_str()
        ),
        ("QEMU", "QEMU DVD-ROM", "2.5+")
    );
    assert_eq!(inq.emit(), b);
    assert_eq!(
        InquiryData::mmc_device("QEMU", "QEMU DVD-ROM", "2.5+").emit(),
        b
    );
    // Truncated INQUIRY keeps what is there.
    assert_eq!(InquiryData::parse(&b[..20]).unwrap().product, "QEMU");

    let cap = CapacityData::parse(&[0x00, 0x05, 0x7F, 0xFF, 0x00, 0x00, 0x08, 0x00]).unwrap();
    assert_eq!(
        (cap.last_lba, cap.block_length, cap.block_count()),
        (0x57FFF, 2048, 0x58000)
    );
    assert_eq!(cap.emit(), [0x00, 0x05, 0x7F, 0xFF, 0x00, 0x00, 0x08, 0x00]);

    let ev = [0x00, 0x06, 0x04, 0x10, 0x02, 0x02, 0x00, 0x00];
    let status = MediaEventStatus::parse(&ev).unwrap();
    assert_eq!(status.event, MediaEventCode::NewMedia);
    assert!(status.media_present && !status.tray_open && !status.nea);
    assert_eq!(status.emit(), ev.to_vec());
    let none = MediaEventStatus::parse(&[0x00, 0x02, 0x84, 0x10]).unwrap();
    assert!(none.nea && !none.media_present);
    assert_eq!(none.emit(), vec![0x00, 0x02, 0x84, 0x10]);

    let buf = BufferCapacity::parse(&[0, 10, 0, 0, 0, 0x20, 0, 0, 0, 0x10, 0, 0]).unwrap();
    assert_eq!((buf.buffer_length, buf.available), (0x20_0000, 0x10_0000));
    assert_eq!(buf.emit(), [0, 10, 0, 0, 0, 0x20, 0, 0, 0, 0x10, 0, 0]);
}

#[test]
fn performance_data() {
    let d = PerformanceDescriptor::speed(5540, 2_295_103);
    let b = d.emit();
    assert_eq!(&b[8..12], &2_295_103u32.to_be_bytes());
    assert_eq!(&b[12..16], &5540u32.to_be_bytes());
    assert_eq!(&b[16..20], &1000u32.to_be_bytes());
    assert_eq!(PerformanceDescriptor::parse(&b).unwrap(), d);

    #[rustfmt::skip]
    let speeds: [u8; 40] = [
        0x00, 0x00, 0x00, 0x24, 0, 0, 0, 0,
        0x02, 0, 0, 0, 0x00, 0x23, 0x05, 0x3F, 0x00, 0x00, 0x2B, 0x48, 0x00, 0x00, 0x2B, 0x48,
        0x02, 0, 0, 0, 0x00, 0x23, 0x05, 0x3F, 0x00, 0x00, 0x15, 0xA4, 0x00, 0x00, 0x15, 0xA4,
    ];
    let ws = WriteSpeeds::parse(&speeds).unwrap();
    assert_eq!(ws.speeds.len(), 2);
    assert!(ws.speeds[0].exact);
    assert_eq!(
        (
            ws.speeds[0].end_lba,
            ws.speeds[0].write_speed,
            ws.speeds[1].write_speed
        ),
        (2_295_103, 11_080, 5_540)
    );
    assert_eq!(ws.emit(), speeds.to_vec());
}

#[test]
fn writable_profiles_follow_write_features() {
    let list = |profiles: &[Profile]| {
        ProfileList {
            profiles: profiles
                .iter()
                .map(|&profile| ProfileDescriptor {
                    profile,
                    current: false,
                })
                .collect(),
        }
        .to_descriptor(true)
    };
    // A DVD-ROM drive lists CD-R and CD-RW as readable, with no write feature.
    let rom = Configuration::new(
        Profile::DvdRom,
        vec![list(&[
            Profile::CdRom,
            Profile::CdR,
            Profile::CdRw,
            Profile::DvdRom,
        ])],
    );
    assert!(rom.writable_profiles().is_empty());
    // A burner: CD TAO, DVD-R write, DVD+R with the Write bit, DVD+RW without it.
    let burner = Configuration::new(
        Profile::None,
        vec![
            list(&[
                Profile::CdRom,
                Profile::CdR,
                Profile::CdRw,
                Profile::DvdRSequential,
                Profile::DvdPlusR,
                Profile::DvdPlusRw,
            ]),
            CdTrackAtOnce::default().to_descriptor(false),
            DvdRWrite::default().to_descriptor(false),
            DvdPlusR { write: true }.to_descriptor(false),
            DvdPlusRw {
                write: false,
                ..Default::default()
            }
            .to_descriptor(false),
        ],
    );
    assert_eq!(
        burner.writable_profiles(),
        vec![
            Profile::CdR,
            Profile::CdRw,
            Profile::DvdRSequential,
            Profile::DvdPlusR
        ]
    );
}

#[test]
fn capabilities_page_of_an_mmc2_drive_and_short_lengths() {
    // QEMU's ATAPI drive (QEMU-DRIVE.md row 24): page length 14h, no write bits.
    let data = [
        0x00, 0x1c, 0x70, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x14, 0x3b, 0x00, 0x71, 0x60, 0x29,
        0x00, 0x02, 0xc0, 0x00, 0x02, 0x02, 0x00, 0x02, 0xc0, 0, 0, 0, 0, 0, 0,
    ];
    let page = mode::first_page_with_tail(&data).unwrap();
    let caps = CapabilitiesPage::parse(page).unwrap();
    assert!(caps.read_dvd_rom && caps.read_cd_r && !caps.write_cd_r && !caps.write_dvd_r);
    assert_eq!(
        (
            caps.max_read_speed,
            caps.buffer_size_kib,
            caps.current_read_speed
        ),
        (704, 512, 704)
    );
    assert!(caps.write_speeds.is_empty());
    // Emitting the MMC-1 page gives 22 bytes (page length 14h) with the same
    // fields (the audio bits this struct does not model are left zero).
    let emitted = caps.emit();
    assert_eq!(emitted.len(), 22);
    assert_eq!(emitted[..4], page[..4]);
    assert_eq!(CapabilitiesPage::parse(&emitted).unwrap(), caps);
    // With descriptors the page length covers exactly the bytes written:
    // 32 + 4n bytes, page length 1Eh + 4n (MMC-3 6.3.11).
    let with_speeds = CapabilitiesPage {
        write_speeds: vec![WriteSpeedDescriptor {
            rotation_control: 0,
            write_speed: 7056,
        }],
        ..CapabilitiesPage::default()
    };
    let bytes = with_speeds.emit();
    assert_eq!(bytes[1], 0x1E + 4);
    assert_eq!(bytes.len(), usize::from(bytes[1]) + 2);
    assert_eq!(bytes.len(), 36);
    assert_eq!(bytes[30..], [0x00, 0x01, 0x00, 0x00, 0x1B, 0x90]);
    let parsed = CapabilitiesPage::parse(&bytes).unwrap();
    assert_eq!(parsed.write_speeds, with_speeds.write_speeds);
    assert_eq!(parsed.page_length, 0x22);
    assert_eq!(parsed.emit(), bytes);
    // A drive stating MMC-3's printed 1Ch + 4n: its descriptors are still read.
    let mut short_stated = bytes.clone();
    short_stated[1] = 0x1C + 4;
    assert_eq!(
        CapabilitiesPage::parse(&short_stated).unwrap().write_speeds,
        with_speeds.write_speeds
    );
    // Bytes after a page that names no descriptors are not descriptors (the
    // next page of a MODE SENSE 3Fh answer).
    let mut followed = page[..22].to_vec();
    followed.extend_from_slice(&[0x01, 0x0A, 0x80, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    let parsed = CapabilitiesPage::parse(&followed).unwrap();
    assert!(parsed.write_speeds.is_empty());
    assert_eq!(parsed.current_write_speed, 0);
}

/// READ DISC STRUCTURE C0h (MMC-5 6.23): length 6, byte 4 b3 MSWI, b2 CWP,
/// b1 PWP, b0 SWPP; feature 0004h: 4 b3 DWP, b2 WDCB, b1 SPWP, b0 SSWPP.
#[test]
fn write_protection_status_and_feature() {
    let bytes = [0x00, 0x06, 0, 0, 0x04, 0, 0, 0];
    let status = WriteProtection::parse(&bytes).unwrap();
    assert_eq!(
        status,
        WriteProtection {
            cwp: true,
            ..WriteProtection::default()
        }
    );
    assert!(status.is_protected());
    assert_eq!(status.causes(), ["cartridge"]);
    assert_eq!(status.emit(), bytes);
    let none = WriteProtection::parse(&[0, 6, 0, 0, 0xF0, 0, 0, 0]).unwrap();
    assert!(!none.is_protected(), "reserved bits are no cause");
    assert!(WriteProtection::parse(&[0, 6, 0, 0]).is_err());
    let feature = WriteProtect::from_data(&[0x0A, 0, 0, 0]);
    assert!(feature.dwp && feature.spwp && !feature.wdcb && !feature.sswpp);
    assert_eq!(feature.to_data(), [0x0A, 0, 0, 0]);
}

/// READ DISC STRUCTURE 20h (MMC-5 6.23): length 10, byte 4 b7 Init Status,
/// 8-11 L0 data area capacity.
#[test]
fn layer_boundary_information() {
    let bytes = [0x00, 0x0A, 0, 0, 0x80, 0, 0, 0, 0x00, 0x1F, 0xD3, 0xE0];
    let boundary = LayerBoundary::parse(&bytes).unwrap();
    assert_eq!(
        boundary,
        LayerBoundary {
            fixed: true,
            l0_capacity: 2_085_856
        }
    );
    assert_eq!(boundary.emit(), bytes);
    assert!(LayerBoundary::parse(&bytes[..8]).is_err());
}
