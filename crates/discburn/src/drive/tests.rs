use std::collections::HashSet;
use std::time::Duration;

use fsimage::SectorSource;
use mmc::cdb::{Command, TocFormat};
use mmc::config::{Configuration, Feature, ProfileDescriptor, ProfileList};
use mmc::disc::{DiscInformation, TrackInformation};
use mmc::inquiry::{CapacityData, InquiryData};
use mmc::sense::SenseKey;
use mmc::toc::{SessionInfo, Toc, TocTrack};
use mmc::{CommandOutcome, DataDirection, TransportError};

use super::list::*;
use super::media::*;
use super::source::*;
use mmc::cdb::TrackAddress;
use mmc::disc::{DiscStatus, SessionState, TrackState};
use mmc::Profile;

use super::*;

/// A drive answering from fixed structures, built with the mmc emitters.
struct FakeDrive {
    data: Vec<u8>,
    profile: Profile,
    medium: bool,
    disc: DiscInformation,
    tracks: Vec<TrackInformation>,
    toc: Toc,
    session_info: SessionInfo,
    rejected: HashSet<u8>,
    log: Vec<Vec<u8>>,
}

fn reply(data: &mut DataDirection<'_>, bytes: &[u8]) -> CommandOutcome {
    match data {
        DataDirection::FromDevice(buf) => {
            let n = buf.len().min(bytes.len());
            buf[..n].copy_from_slice(&bytes[..n]);
            CommandOutcome::good(buf.len() - n)
        }
        _ => CommandOutcome::good(0),
    }
}

fn check(key: SenseKey, asc: u8, ascq: u8) -> CommandOutcome {
    CommandOutcome::check_condition(mmc::Sense::new(key, asc, ascq).to_fixed().to_vec(), 0)
}

impl Transport for FakeDrive {
    fn execute(
        &mut self,
        cdb: &[u8],
        mut data: DataDirection<'_>,
        _timeout: Duration,
    ) -> Result<CommandOutcome, TransportError> {
        self.log.push(cdb.to_vec());
        if self.rejected.contains(&cdb[0]) {
            return Ok(check(SenseKey::IllegalRequest, 0x20, 0));
        }
        let command = match Command::parse(cdb) {
            Ok(c) => c,
            Err(_) => return Ok(check(SenseKey::IllegalRequest, 0x20, 0)),
        };
        let no_medium_ok = matches!(command, Command::Inquiry(_) | Command::GetConfiguration(_));
        if !self.medium && !no_medium_ok {
            return Ok(check(SenseKey::NotReady, 0x3A, 0x01));
        }
        Ok(match command {
            Command::TestUnitReady(_) => CommandOutcome::good(0),
            Command::Inquiry(_) => reply(
                &mut data,
                &InquiryData::mmc_device("FAKE", "Fake DVD-ROM", "1.0").emit(),
            ),
            Command::GetConfiguration(_) => {
                let current = if self.medium {
                    self.profile
                } else {
                    Profile::None
                };
                let list = ProfileList {
                    profiles: vec![
                        ProfileDescriptor {
                            profile: Profile::CdRom,
                            current: current == Profile::CdRom,
                        },
                        ProfileDescriptor {
                            profile: self.profile,
                            current: current == self.profile,
                        },
                    ],
                };
                reply(
                    &mut data,
                    &Configuration::new(current, vec![list.to_descriptor(true)]).emit(),
                )
            }
            Command::ReadDiscInformation(_) => reply(&mut data, &self.disc.emit()),
            Command::ReadTrackInformation(c) => match c.address {
                TrackAddress::Track(n) => {
                    match self.tracks.iter().find(|t| u32::from(t.track_number) == n) {
                        Some(t) => reply(&mut data, &t.emit()),
                        None => check(SenseKey::IllegalRequest, 0x24, 0),
                    }
                }
                _ => check(SenseKey::IllegalRequest, 0x24, 0),
            },
            Command::ReadToc(c) => match c.requested_format() {
                TocFormat::Toc => reply(&mut data, &self.toc.emit()),
                TocFormat::SessionInfo => reply(&mut data, &self.session_info.emit()),
                _ => check(SenseKey::IllegalRequest, 0x24, 0),
            },
            Command::ReadCapacity(_) => {
                let blocks = (self.data.len() / BLOCK) as u32;
                reply(
                    &mut data,
                    &CapacityData {
                        last_lba: blocks.saturating_sub(1),
                        block_length: 2048,
                    }
                    .emit(),
                )
            }
            Command::Read10(mmc::cdb::Read10(rw)) => {
                let start = rw.lba as usize * BLOCK;
                let end = start + usize::from(rw.blocks) * BLOCK;
                match self.data.get(start..end) {
                    Some(bytes) => {
                        let bytes = bytes.to_vec();
                        reply(&mut data, &bytes)
                    }
                    None => check(SenseKey::IllegalRequest, 0x21, 0),
                }
            }
            _ => check(SenseKey::IllegalRequest, 0x20, 0),
        })
    }

    fn device_name(&self) -> String {
        "/dev/fake".to_string()
    }
}

/// A pressed DVD with one 40-block data track.
fn pressed_dvd() -> FakeDrive {
    let data: Vec<u8> = (0..40 * BLOCK)
        .map(|i| (i / BLOCK) as u8 ^ (i % 251) as u8)
        .collect();
    let mut disc = DiscInformation::new(DiscStatus::Complete, SessionState::Complete, false);
    disc.sessions = 1;
    let track = TrackInformation {
        track_number: 1,
        session_number: 1,
        track_mode: 4,
        data_mode: 1,
        track_start: 0,
        track_size: 40,
        ..Default::default()
    };
    FakeDrive {
        data,
        profile: Profile::DvdRom,
        medium: true,
        disc,
        tracks: vec![track],
        toc: Toc {
            first_track: 1,
            last_track: 1,
            tracks: vec![
                TocTrack {
                    adr: 1,
                    control: 4,
                    track_number: 1,
                    address: 0,
                },
                TocTrack {
                    adr: 1,
                    control: 4,
                    track_number: 0xAA,
                    address: 40,
                },
            ],
        },
        session_info: SessionInfo {
            first_complete_session: 1,
            last_complete_session: 1,
            adr: 1,
            control: 4,
            first_track_in_last_session: 1,
            last_session_start: 0,
        },
        rejected: HashSet::new(),
        log: Vec::new(),
    }
}

#[test]
fn sector_source_reads_in_transfer_sized_chunks() {
    let drive = pressed_dvd();
    let expected = drive.data.clone();
    let mut source = TransportSectorSource::new(drive).unwrap();
    assert_eq!(source.block_count(), Some(40));
    let mut buf = vec![0u8; 37 * BLOCK];
    source.read_blocks(2, &mut buf).unwrap();
    assert_eq!(buf, expected[2 * BLOCK..39 * BLOCK]);
    let reads: Vec<(u32, u16)> = source
        .transport_mut()
        .log
        .iter()
        .filter(|c| c[0] == 0x28)
        .map(|c| {
            (
                u32::from_be_bytes([c[2], c[3], c[4], c[5]]),
                u16::from_be_bytes([c[7], c[8]]),
            )
        })
        .collect();
    // 32 KiB transfers on DVD: 16 + 16 + 5 blocks.
    assert_eq!(reads, vec![(2, 16), (18, 16), (34, 5)]);
}

#[test]
fn sector_source_rejects_reads_past_the_end_and_reports_sense() {
    let mut source = TransportSectorSource::new(pressed_dvd()).unwrap();
    let mut buf = vec![0u8; 2 * BLOCK];
    let err = source.read_blocks(39, &mut buf).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    assert!(err.to_string().contains("39..41"), "{err}");
    // With a size the drive does not know, the drive's sense becomes the error text.
    let mut blind = TransportSectorSource::with_geometry(pressed_dvd(), None, 64 * 1024);
    let err = blind.read_blocks(39, &mut buf).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    assert!(
        err.to_string()
            .contains("5/21/00 ILLEGAL REQUEST, LOGICAL BLOCK ADDRESS OUT OF RANGE"),
        "{err}"
    );
    assert!(blind.read_blocks(0, &mut [0u8; 100]).is_err());
}

#[test]
fn sector_source_needs_a_disc() {
    let mut drive = pressed_dvd();
    drive.medium = false;
    let err = TransportSectorSource::new(drive).err().unwrap();
    assert!(matches!(err, DriveError::NoMedium { .. }), "{err}");
    assert_eq!(err.to_string(), "/dev/fake: no disc in the drive");
}

#[test]
fn inspects_a_pressed_dvd() {
    let mut drive = pressed_dvd();
    let info = inspect_media(&mut drive).unwrap();
    assert_eq!(info.vendor.as_deref(), Some("FAKE"));
    assert!(info.medium_present);
    assert_eq!(info.profile.as_deref(), Some("DVD-ROM"));
    assert_eq!(info.disc_status.as_deref(), Some("complete"));
    assert_eq!(info.sessions, Some(1));
    assert_eq!(info.tracks.len(), 1);
    assert_eq!((info.tracks[0].start, info.tracks[0].size), (0, 40));
    assert_eq!(info.capacity_blocks, Some(40));
    assert_eq!(info.next_writable_address, None);
    assert_eq!(info.last_session_start, Some(0));
    assert!(info.notes.is_empty(), "{:?}", info.notes);
}

#[test]
fn inspects_a_drive_that_rejects_track_information_and_disc_information() {
    let mut drive = pressed_dvd();
    drive.rejected = [0x51u8, 0x52].into_iter().collect();
    let info = inspect_media(&mut drive).unwrap();
    assert_eq!(info.disc_status, None);
    assert_eq!(info.tracks.len(), 1, "track list from the TOC");
    assert_eq!((info.tracks[0].start, info.tracks[0].size), (0, 40));
    assert_eq!(info.sessions, Some(1));
    assert!(
        info.notes
            .iter()
            .any(|n| n.contains("READ DISC INFORMATION")),
        "{:?}",
        info.notes
    );
}

#[test]
fn inspects_an_appendable_cd_r() {
    let mut drive = pressed_dvd();
    drive.profile = Profile::CdR;
    drive.disc = DiscInformation {
        sessions: 2,
        first_track_in_last_session: 2,
        last_track_in_last_session: 2,
        ..DiscInformation::new(DiscStatus::Appendable, SessionState::Empty, false)
    };
    drive.tracks.push(TrackInformation {
        track_number: 2,
        session_number: 2,
        blank: true,
        nwa_valid: true,
        track_start: 11_452,
        next_writable_address: 11_452,
        free_blocks: 348_397,
        track_size: 348_397,
        ..Default::default()
    });
    let info = inspect_media(&mut drive).unwrap();
    assert_eq!(info.profile.as_deref(), Some("CD-R"));
    assert_eq!(info.disc_status.as_deref(), Some("appendable"));
    assert_eq!(info.last_session_state.as_deref(), Some("empty"));
    assert_eq!(
        info.sessions,
        Some(1),
        "the trailing empty session is not counted"
    );
    assert_eq!(
        info.tracks.len(),
        1,
        "the invisible track is not a recorded track"
    );
    assert_eq!(info.next_writable_address, Some(11_452));
    assert_eq!(info.free_blocks, Some(348_397));
}

#[test]
fn last_complete_session_start_from_the_tracks() {
    let track = |session: u16, start: u32, state: TrackState| TrackSummary {
        number: session,
        session,
        start,
        size: 16,
        state,
        next_writable_address: None,
        free_blocks: None,
    };
    use TrackState::{Complete, Incomplete};
    let tracks = [
        track(1, 0, Complete),
        track(2, 1000, Complete),
        track(3, 2000, Incomplete),
    ];
    assert_eq!(last_complete_session_start(&tracks), Some(1000));
    assert_eq!(last_complete_session_start(&tracks[..1]), Some(0));
    // A session with an open track is not complete: no answer rather than a wrong one.
    let mixed = [track(1, 0, Complete), track(1, 500, Incomplete)];
    assert_eq!(last_complete_session_start(&mixed), None);
    assert_eq!(last_complete_session_start(&[]), None);
}

#[test]
fn media_info_as_text() {
    let mut drive = pressed_dvd();
    let text = inspect_media(&mut drive).unwrap().to_text();
    assert!(
        text.starts_with("Drive:               /dev/fake FAKE Fake DVD-ROM 1.0\n"),
        "{text}"
    );
    assert!(text.contains("Medium:              DVD-ROM\n"), "{text}");
    assert!(
        text.contains("Disc status:         complete (last session complete)\n"),
        "{text}"
    );
    assert!(
        text.contains("Track 1:             session 1, LBA 0, 40 blocks, closed\n"),
        "{text}"
    );
    assert!(
        text.contains("Readable:            40 blocks (81920 bytes)\n"),
        "{text}"
    );
    drive.medium = false;
    let text = inspect_media(&mut drive).unwrap().to_text();
    assert!(
        text.contains("Medium:              none (no disc in the drive)"),
        "{text}"
    );
    assert_eq!(inspect_target("some/image.iso").unwrap(), None);
}

#[test]
fn opening_a_missing_drive_names_it() {
    let err = crate::open_read_source("/dev/discburn-no-such-sr9")
        .err()
        .unwrap();
    let text = err.to_string();
    assert!(text.contains("/dev/discburn-no-such-sr9"), "{text}");
    assert!(text.contains("No such file"), "{text}");
    let err = inspect_target("/dev/discburn-no-such-sr9").unwrap_err();
    assert!(
        err.to_string().contains("/dev/discburn-no-such-sr9"),
        "{err}"
    );
}

#[test]
fn inspects_an_empty_drive() {
    let mut drive = pressed_dvd();
    drive.medium = false;
    let info = inspect_media(&mut drive).unwrap();
    assert!(!info.medium_present);
    assert_eq!(info.model.as_deref(), Some("Fake DVD-ROM"));
    assert_eq!(info.profile, None);
}

#[test]
fn describes_a_drive() {
    let mut drive = pressed_dvd();
    let mut info = DriveInfo {
        path: "/dev/fake".into(),
        name: "fake".into(),
        vendor: Some("SYSFS".into()),
        model: None,
        revision: None,
        sg_path: None,
        interface: None,
        profiles: vec![],
        writable_profiles: vec![],
        current_profile: None,
        error: None,
    };
    describe(&mut drive, &mut info);
    assert_eq!(info.vendor.as_deref(), Some("FAKE"));
    assert_eq!(info.profiles, vec!["CD-ROM", "DVD-ROM"]);
    assert!(info.writable_profiles.is_empty());
    assert_eq!(info.current_profile.as_deref(), Some("DVD-ROM"));
    assert_eq!(info.error, None);
}

#[test]
fn lists_fixture_drives_without_opening_them() {
    let root = std::env::temp_dir().join(format!("discburn-drives-{}", std::process::id()));
    let dev = root.join("sys/class/block/sr0/device");
    std::fs::create_dir_all(&dev).unwrap();
    std::fs::write(dev.join("vendor"), "QEMU    \n").unwrap();
    std::fs::write(dev.join("model"), "QEMU DVD-ROM\n").unwrap();
    std::fs::write(dev.join("type"), "5\n").unwrap();
    let proc_dir = root.join("proc/sys/dev/cdrom");
    std::fs::create_dir_all(&proc_dir).unwrap();
    std::fs::write(
        proc_dir.join("info"),
        "CD-ROM information, Id: cdrom.c 3.20 2003/12/17\n\ndrive name:\t\tsr0\n\
         Can write CD-R:\t\t1\nCan write CD-RW:\t1\nCan write DVD-R:\t0\nCan write DVD-RAM:\t0\n",
    )
    .unwrap();
    let drives = list_drives(&root).unwrap();
    std::fs::remove_dir_all(&root).unwrap();
    assert_eq!(drives.len(), 1);
    assert_eq!(drives[0].path, "/dev/sr0");
    assert_eq!(drives[0].vendor.as_deref(), Some("QEMU"));
    assert_eq!(drives[0].error, None);
    assert_eq!(
        drives[0].writable_profiles,
        vec!["CD-R", "CD-RW"],
        "from the kernel's table"
    );
}
/// Writes one session on an emulated sequential medium (mmc.md §5.1, §5.2,
/// §5.4) with the mmc helpers; returns its start LBA.
fn burn_session(t: &mut dyn Transport, blocks: usize, tag: u8) -> u32 {
    use mmc::cdb::CloseFunction;
    use mmc::mode::WriteParametersPage;
    let profile = ops::current_profile(t).unwrap();
    if profile.is_cd() {
        let page = WriteParametersPage::cd_tao_data(false, true);
        ops::mode_select_page(t, &page.emit()).unwrap();
    }
    let disc = ops::read_disc_information(t).unwrap();
    let track = disc.last_track_in_last_session;
    let ti = ops::read_track_information(t, TrackAddress::Track(u32::from(track))).unwrap();
    let nwa = ti.writable_address().unwrap();
    let data = vec![tag; blocks * BLOCK];
    let unit = if profile.is_bd() { 32 } else { 16 };
    for (i, piece) in data.chunks(unit * BLOCK).enumerate() {
        ops::write_blocks(t, nwa + (i * unit) as u32, piece).unwrap();
    }
    let options = PollOptions::immediate(Duration::from_secs(30));
    ops::synchronize_cache(t, true).unwrap();
    wait_ready(t, "sync", &options, &mut |_| {}).unwrap();
    if !profile.is_cd() {
        ops::close_track_session(t, CloseFunction::CloseTrack, track, true).unwrap();
        wait_ready(t, "close track", &options, &mut |_| {}).unwrap();
    }
    ops::close_track_session(t, CloseFunction::CloseSession, 0, true).unwrap();
    wait_ready(t, "close session", &options, &mut |_| {}).unwrap();
    nwa
}

#[test]
fn inspects_emulated_media_after_two_sessions() {
    use emulator::media::MediaType;
    let dir = std::env::temp_dir().join(format!("discburn-drive-emu-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let via_target = dir.join("target.medium");
    drop(emulator::Recorder::create(&via_target, MediaType::DvdPlusR, None).unwrap());
    let info = inspect_target(&format!("emu:{}", via_target.display()))
        .unwrap()
        .unwrap();
    assert_eq!(
        (info.profile.as_deref(), info.disc_status.as_deref()),
        (Some("DVD+R"), Some("blank"))
    );
    for (media, name, blocks) in [
        (MediaType::CdR, "CD-R", 320usize),
        (MediaType::DvdPlusR, "DVD+R", 64),
        (MediaType::BdR, "BD-R SRM", 64),
    ] {
        let path = dir.join(format!("{name}.medium"));
        let mut rec = emulator::Recorder::create(&path, media, None).unwrap();
        let blank = inspect_media(&mut rec).unwrap();
        assert_eq!(blank.profile.as_deref(), Some(name));
        assert_eq!(blank.disc_status.as_deref(), Some("blank"), "{name}");
        assert_eq!(blank.sessions, Some(0), "{name}");
        assert!(blank.tracks.is_empty(), "{name}");
        assert_eq!(blank.next_writable_address, Some(0), "{name}");

        let first = burn_session(&mut rec, blocks, 0xA1);
        let second = burn_session(&mut rec, blocks, 0xB2);
        assert!(
            second > first + blocks as u32,
            "{name}: sessions separated by a gap"
        );
        let info = inspect_media(&mut rec).unwrap();
        assert_eq!(
            info.disc_status.as_deref(),
            Some("appendable"),
            "{name}: {info:?}"
        );
        assert_eq!(info.sessions, Some(2), "{name}");
        assert_eq!(info.tracks.len(), 2, "{name}: {:?}", info.tracks);
        assert_eq!(info.tracks[1].start, second, "{name}");
        assert_eq!(info.tracks[1].session, 2, "{name}");
        assert!(info.tracks[1].size >= blocks as u32, "{name}");
        let nwa = info.next_writable_address.unwrap();
        assert!(
            nwa > second + blocks as u32,
            "{name}: NWA {nwa} after session 2"
        );
        assert!(info.free_blocks.unwrap() > 0, "{name}");
        if media == MediaType::CdR {
            assert_eq!(
                info.last_session_start,
                Some(second),
                "{name}: TOC format 1"
            );
        }

        // The sectors read back through the sector source.
        let mut source = TransportSectorSource::new(rec).unwrap();
        let mut buf = vec![0u8; blocks * BLOCK];
        source.read_blocks(u64::from(second), &mut buf).unwrap();
        assert!(buf.iter().all(|&b| b == 0xB2), "{name}");
        source.read_blocks(u64::from(first), &mut buf).unwrap();
        assert!(buf.iter().all(|&b| b == 0xA1), "{name}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
