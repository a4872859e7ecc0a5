//! The `tgt` personality answers as tgt's DVD+R burner answered a Linux guest
//! (`/work/shared/reference/tgt-recorder.md`), one test per quirk, so that the CI runs
//! without QEMU or tgt still know what that recorder does.

mod common;

use std::time::Duration;

use common::{raw, BLOCK};
use emulator::{MediaType, Personality, Recorder};
use mmc::{ops, DataDirection, ScsiStatus};

fn blank(dir: &tempfile::TempDir) -> Recorder {
    let mut rec = Recorder::create(dir.path().join("disc"), MediaType::DvdPlusR, None).unwrap();
    rec.set_personality(Personality::Tgt);
    rec
}

fn write(
    rec: &mut Recorder,
    lba: u32,
    blocks: u16,
    byte: u8,
) -> (ScsiStatus, Option<(u8, u8, u8)>) {
    let data = vec![byte; usize::from(blocks) * BLOCK];
    let cdb = [
        0x2A,
        0,
        (lba >> 24) as u8,
        (lba >> 16) as u8,
        (lba >> 8) as u8,
        lba as u8,
        0,
        (blocks >> 8) as u8,
        blocks as u8,
        0,
    ];
    let (status, sense, _) = ops::raw(
        rec,
        &cdb,
        DataDirection::ToDevice(&data),
        Duration::from_secs(5),
    )
    .unwrap();
    (status, sense.map(|s| s.code()))
}

fn profile(rec: &mut Recorder) -> u16 {
    let (_, _, b, _) = raw(rec, &[0x46, 0x01, 0, 0, 0, 0, 0, 0, 8, 0], 8);
    u16::from_be_bytes([b[6], b[7]])
}

fn read_capacity_last(rec: &mut Recorder) -> u32 {
    let (_, _, b, _) = raw(rec, &[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], 8);
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

#[test]
fn answers_as_iet_virtual_cdrom_with_a_blank_dvd_plus_r() {
    let dir = tempfile::tempdir().unwrap();
    let mut rec = blank(&dir);
    let (status, sense, b, _) = raw(&mut rec, &[0x12, 0, 0, 0, 96, 0], 96);
    assert_eq!((status, sense), (ScsiStatus::Good, None));
    assert_eq!(&b[..8], &[0x05, 0x80, 0x05, 0x12, 0x3D, 0, 0, 0x02]);
    assert_eq!(&b[8..36], b"IET     VIRTUAL-CDROM   0001");
    // No unit attention after the "load": the first TEST UNIT READY is GOOD.
    let (status, sense, _, _) = raw(&mut rec, &[0; 6], 0);
    assert_eq!((status, sense), (ScsiStatus::Good, None));
    assert_eq!(profile(&mut rec), 0x001B);
    // Core feature: ATAPI; DVD+R feature current and writable.
    let (_, _, b, _) = raw(&mut rec, &[0x46, 0x02, 0, 0x2B, 0, 0, 0, 0, 16, 0], 16);
    assert_eq!(&b[8..16], &[0x00, 0x2B, 0x01, 0x04, 0x01, 0, 0, 0]);
    let (_, _, b, _) = raw(&mut rec, &[0x46, 0x02, 0, 0x01, 0, 0, 0, 0, 16, 0], 16);
    assert_eq!(&b[8..16], &[0x00, 0x01, 0x03, 0x04, 0, 0, 0, 2]);
    // READ TRACK INFORMATION: track 1 blank, NWA 0, 2 295 104 free; READ CAPACITY 0.
    let (_, _, b, _) = raw(&mut rec, &[0x52, 0x01, 0, 0, 0, 1, 0, 0, 48, 0], 48);
    assert_eq!(&b[..8], &[0x00, 0x26, 1, 1, 0, 0x07, 0x41, 0x01]);
    assert_eq!(&b[12..20], &[0, 0, 0, 0, 0x00, 0x23, 0x05, 0x40]);
    assert_eq!(read_capacity_last(&mut rec), 0);
}

#[test]
fn reserve_track_and_get_event_status_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut rec = blank(&dir);
    let (status, sense, _, _) = raw(&mut rec, &[0x53, 0, 0, 0, 0, 0, 0, 0x04, 0x30, 0], 0);
    assert_eq!(
        (status, sense),
        (ScsiStatus::CheckCondition, Some((5, 0x20, 0)))
    );
    let (_, sense, _, _) = raw(&mut rec, &[0x4A, 0x01, 0, 0, 0x10, 0, 0, 0, 8, 0], 8);
    assert_eq!(sense, Some((5, 0x20, 0)));
}

#[test]
fn invalid_fields_are_reported_as_not_ready() {
    let dir = tempfile::tempdir().unwrap();
    let mut rec = blank(&dir);
    // READ TOC track 2, format 2; READ TRACK INFORMATION track 0, address type 2.
    for cdb in [
        [0x43, 0, 0, 0, 0, 0, 2, 0, 20, 0],
        [0x43, 0, 2, 0, 0, 0, 0, 0, 20, 0],
        [0x52, 0x01, 0, 0, 0, 0, 0, 0, 48, 0],
        [0x52, 0x02, 0, 0, 0, 1, 0, 0, 48, 0],
    ] {
        let (status, sense, _, _) = raw(&mut rec, &cdb, 48);
        assert_eq!(
            (status, sense),
            (ScsiStatus::CheckCondition, Some((2, 0x24, 0))),
            "{cdb:02x?}"
        );
    }
}

/// Counts the commands that reach the drive.
struct Counting<'a>(&'a mut Recorder, usize);

impl mmc::Transport for Counting<'_> {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataDirection<'_>,
        timeout: Duration,
    ) -> Result<mmc::CommandOutcome, mmc::TransportError> {
        self.1 += 1;
        self.0.execute(cdb, data, timeout)
    }
    fn device_name(&self) -> String {
        self.0.device_name()
    }
}

#[test]
fn not_ready_invalid_field_is_an_error_at_once_not_a_missing_disc() {
    let dir = tempfile::tempdir().unwrap();
    let mut rec = blank(&dir);
    let mut counting = Counting(&mut rec, 0);
    let err =
        ops::read_track_information(&mut counting, mmc::cdb::TrackAddress::Track(0)).unwrap_err();
    assert_eq!(
        counting.1, 1,
        "sent once, not retried as a drive becoming ready"
    );
    let sense = err.sense().expect("a sense error");
    assert_eq!(sense.code(), (2, 0x24, 0));
    assert!(!sense.is_no_medium(), "{err}");
    assert!(err.to_string().contains("INVALID FIELD IN CDB"), "{err}");
}

#[test]
fn read_disc_information_sends_junk_after_its_34_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut rec = blank(&dir);
    let (status, _, b, residual) = raw(&mut rec, &[0x51, 0, 0, 0, 0, 0, 0, 1, 0, 0], 256);
    assert_eq!(status, ScsiStatus::Good);
    assert_eq!(residual, 0, "the whole allocation length counts as sent");
    assert_eq!(&b[..8], &[0x00, 0x20, 0x00, 1, 1, 1, 1, 0x10]);
    assert_eq!(&b[20..24], &[0x00, 0x23, 0x05, 0x40]);
    assert!(b[34..].iter().any(|&x| x != 0), "junk past the 34 bytes");
    // discburn's parser reads the length field, not the transfer.
    let info = ops::read_disc_information(&mut rec).unwrap();
    assert_eq!(info.disc_status, mmc::disc::DiscStatus::Blank);
}

#[test]
fn writes_land_at_any_address_and_the_track_never_moves() {
    let dir = tempfile::tempdir().unwrap();
    let mut rec = blank(&dir);
    assert_eq!(write(&mut rec, 0, 16, 0x11), (ScsiStatus::Good, None));
    // Out of order, past a hole: GOOD too; READ CAPACITY follows the end.
    assert_eq!(write(&mut rec, 100, 1, 0x22), (ScsiStatus::Good, None));
    assert_eq!(read_capacity_last(&mut rec), 100);
    // NWA 0 and the disc "empty" forever, until CLOSE.
    let track = ops::read_track_information(&mut rec, mmc::cdb::TrackAddress::Track(1)).unwrap();
    assert_eq!(track.writable_address(), Some(0));
    let (_, _, b, _) = raw(&mut rec, &[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0], 34);
    assert_eq!(b[2], 0x00);
    // Reads of a DVD+R are refused, even of written blocks.
    let (_, sense, _, _) = raw(&mut rec, &[0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0], BLOCK);
    assert_eq!(sense, Some((5, 0x21, 0)));
    // The data file holds every write at LBA × 2048.
    // (The data file is sparse and as large as the disc: its first blocks only.)
    let mut file = vec![0u8; 101 * BLOCK];
    std::io::Read::read_exact(
        &mut std::fs::File::open(dir.path().join("disc")).unwrap(),
        &mut file,
    )
    .unwrap();
    assert!(file[..16 * BLOCK].iter().all(|&x| x == 0x11));
    assert!(file[16 * BLOCK..100 * BLOCK].iter().all(|&x| x == 0));
    assert!(file[100 * BLOCK..101 * BLOCK].iter().all(|&x| x == 0x22));
}

#[test]
fn any_close_finalises_and_a_reopened_written_disc_is_a_dvd_rom() {
    let dir = tempfile::tempdir().unwrap();
    let mut rec = blank(&dir);
    assert_eq!(write(&mut rec, 0, 32, 0x33), (ScsiStatus::Good, None));
    let (status, _, _, _) = raw(&mut rec, &[0x5B, 0x01, 0x01, 0, 0, 1, 0, 0, 0, 0], 0);
    assert_eq!(status, ScsiStatus::Good);
    assert_eq!(profile(&mut rec), 0x0010);
    let (_, _, b, _) = raw(&mut rec, &[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0], 34);
    assert_eq!(&b[..8], &[0x00, 0x20, 0x0E, 1, 1, 1, 1, 0x00]);
    // Now read only: WRITE 05/30/05, READ BUFFER CAPACITY 05/30/02.
    assert_eq!(
        write(&mut rec, 32, 16, 0x44),
        (ScsiStatus::CheckCondition, Some((5, 0x30, 5)))
    );
    let (_, sense, _, _) = raw(&mut rec, &[0x5C, 0, 0, 0, 0, 0, 0, 0, 12, 0], 12);
    assert_eq!(sense, Some((5, 0x30, 2)));
    // READ TRACK INFORMATION of the DVD-ROM: size 32, last recorded 31.
    let (_, _, b, _) = raw(&mut rec, &[0x52, 0x01, 0, 0, 0, 1, 0, 0, 36, 0], 36);
    assert_eq!(&b[..8], &[0x00, 0x22, 1, 1, 0, 0x04, 0x01, 0x02]);
    assert_eq!(&b[24..32], &[0, 0, 0, 32, 0, 0, 0, 31]);
    drop(rec);
    // tgt keeps no state: a non-empty disc comes back as a DVD-ROM.
    let mut rec = Recorder::open(dir.path().join("disc")).unwrap();
    rec.set_personality(Personality::Tgt);
    assert_eq!(profile(&mut rec), 0x0010);
    let data = common::read(&mut rec, 0, 32).unwrap();
    assert!(data.iter().all(|&x| x == 0x33));
}

#[test]
fn a_zero_length_write_at_lba_0_finalises_a_blank_disc() {
    let dir = tempfile::tempdir().unwrap();
    let mut rec = blank(&dir);
    let (status, sense, _) = ops::raw(
        &mut rec,
        &[0x2A, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        DataDirection::None,
        Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!((status, sense), (ScsiStatus::Good, None));
    assert_eq!(profile(&mut rec), 0x0010, "a DVD-ROM with nothing on it");
    assert_eq!(
        write(&mut rec, 0, 16, 0x55),
        (ScsiStatus::CheckCondition, Some((5, 0x30, 5)))
    );
    // discburn never sends one: an empty write is no command at all.
    let mut rec = blank(&tempfile::tempdir().unwrap());
    ops::write_blocks(&mut rec, 0, &[]).unwrap();
    assert_eq!(profile(&mut rec), 0x001B);
}

#[test]
fn read_toc_is_two_bytes_short_and_reads_past_the_end_grow_the_disc() {
    let dir = tempfile::tempdir().unwrap();
    let mut rec = blank(&dir);
    assert_eq!(write(&mut rec, 0, 48, 0x66), (ScsiStatus::Good, None));
    raw(&mut rec, &[0x5B, 0x01, 0x01, 0, 0, 1, 0, 0, 0, 0], 0);
    // Format 0: 18 of the 20 bytes arrive; the lead-out address (48) is cut.
    let (status, _, b, residual) = raw(&mut rec, &[0x43, 0, 0, 0, 0, 0, 0, 0, 32, 0], 32);
    assert_eq!(status, ScsiStatus::Good);
    assert_eq!(residual, 32 - 18);
    assert_eq!(&b[..4], &[0x00, 0x12, 1, 1]);
    assert_eq!(&b[16..20], &[0, 0, 0, 0], "lead-out address lost");
    // discburn sizes the disc from READ CAPACITY and the track, not the TOC.
    assert_eq!(read_capacity_last(&mut rec), 47);
    // A READ past the end fails with a MEDIUM ERROR, and READ CAPACITY then grows.
    let (_, sense, _, _) = raw(&mut rec, &[0x28, 0, 0, 0, 0x07, 0xD0, 0, 0, 1, 0], BLOCK);
    assert_eq!(sense, Some((3, 0x11, 0)));
    assert_eq!(read_capacity_last(&mut rec), 2000);
}

#[test]
fn eject_takes_the_disc_offline_until_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let mut rec = blank(&dir);
    raw(&mut rec, &[0x1B, 0, 0, 0, 0x02, 0], 0);
    let (_, sense, _, _) = raw(&mut rec, &[0; 6], 0);
    assert_eq!(sense, Some((2, 0x3A, 0)));
    raw(&mut rec, &[0x1B, 0, 0, 0, 0x03, 0], 0);
    let (status, _, _, _) = raw(&mut rec, &[0; 6], 0);
    assert_eq!(status, ScsiStatus::Good);
    assert_eq!(
        profile(&mut rec),
        0x001B,
        "the profile is not looked at again"
    );
}
