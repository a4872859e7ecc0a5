//! The QEMU drive personalities beyond the replay of QEMU's recorded answers
//! (tests/qemu_record.rs, crates/qemu-harness/QEMU-RECORD.txt): reads of an
//! image's data, persistence of the personality, pressed media in the recorder,
//! and arbitrary commands.

use std::time::Duration;

use emulator::{MediaType, Personality, Recorder};
use mmc::{CommandOutcome, DataDirection, ScsiStatus, Transport, TransportError};

const BLOCK: usize = 2048;

/// A medium of `blocks` blocks whose block n starts with n, in `drive`.
fn drive(dir: &tempfile::TempDir, blocks: u64, drive: Personality) -> Recorder {
    let path = dir.path().join(format!("m-{}-{blocks}", drive.name()));
    let mut rec = Recorder::create(&path, MediaType::DvdR, Some(blocks)).unwrap();
    rec.set_personality(drive);
    rec
}

/// One command: the transport's result, and the data-in buffer.
fn send(
    rec: &mut Recorder,
    cdb: &[u8],
    alloc: usize,
) -> (Result<CommandOutcome, TransportError>, Vec<u8>) {
    let mut buf = vec![0u8; alloc];
    let data = if alloc == 0 {
        DataDirection::None
    } else {
        DataDirection::FromDevice(&mut buf)
    };
    let outcome = rec.execute(cdb, data, Duration::from_secs(5));
    (outcome, buf)
}

/// The data bytes of a GOOD answer (the first `len`).
fn good(rec: &mut Recorder, cdb: &[u8], alloc: usize, len: usize) -> Vec<u8> {
    let (outcome, buf) = send(rec, cdb, alloc);
    let outcome = outcome.unwrap();
    assert_eq!(outcome.status, ScsiStatus::Good, "{cdb:02x?}: {outcome:?}");
    assert_eq!(outcome.residual, 0, "row 11b: no residual on {cdb:02x?}");
    buf[..len].to_vec()
}

fn hex(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

fn read10(lba: u32, blocks: u16) -> [u8; 10] {
    let l = lba.to_be_bytes();
    let n = blocks.to_be_bytes();
    [0x28, 0, l[0], l[1], l[2], l[3], 0, n[0], n[1], 0]
}

#[test]
fn reads_return_the_medium_data() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("image.iso");
    let content: Vec<u8> = (0..100 * BLOCK)
        .map(|i| (i / BLOCK) as u8 ^ (i % 253) as u8)
        .collect();
    std::fs::write(&image, &content).unwrap();
    for personality in Personality::ALL {
        let path = dir.path().join(format!("rom-{personality}"));
        let mut d = Recorder::create_from_image(&path, None, &image, personality).unwrap();
        let _ = send(&mut d, &[0, 0, 0, 0, 0, 0], 0);
        let data = good(&mut d, &read10(3, 64), 64 * BLOCK, 64 * BLOCK);
        assert_eq!(data, content[3 * BLOCK..67 * BLOCK], "{personality}");
        assert_eq!(d.summary().media, MediaType::CdRom);
    }
    // READ CD of raw sectors on IDE: sync, header (MSF of LBA + 150, mode 1), user data.
    let mut ide = Recorder::open(dir.path().join("rom-qemu-ide")).unwrap();
    let raw = good(
        &mut ide,
        &[0xBE, 0, 0, 0, 0, 5, 0, 0, 1, 0xF8, 0, 0],
        2352,
        2352,
    );
    assert_eq!(
        raw[..16],
        hex("00 ff ff ff ff ff ff ff ff ff ff 00 00 02 05 01")[..]
    );
    assert_eq!(raw[16..16 + BLOCK], content[5 * BLOCK..6 * BLOCK]);
}

#[test]
fn personality_from_the_state_file_and_the_environment_knob() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("image.iso");
    std::fs::write(&image, vec![7u8; 40 * BLOCK]).unwrap();
    let path = dir.path().join("rom");
    drop(
        Recorder::create_from_image(
            &path,
            Some(MediaType::DvdRom),
            &image,
            Personality::QemuScsi,
        )
        .unwrap(),
    );
    let state = std::fs::read_to_string(emulator::state_path(&path)).unwrap();
    assert!(state.contains("\"drive\": \"qemu-scsi\""), "{state}");
    let rec = Recorder::open(&path).unwrap();
    assert_eq!(rec.personality(), Personality::QemuScsi);
    assert!(rec.write_protected());
    // A recordable type cannot be made from an image, a pressed one only so.
    assert!(Recorder::create_from_image(
        dir.path().join("x"),
        Some(MediaType::CdR),
        &image,
        Personality::Recorder
    )
    .is_err());
    assert!(matches!(
        Recorder::create(dir.path().join("y"), MediaType::DvdRom, None),
        Err(emulator::Error::NeedsImage { .. })
    ));
    // The knobs of DISCBURN_EMU_FAULTS.
    let mut rec = Recorder::open(&path).unwrap();
    for fault in emulator::Fault::parse_list("drive=qemu-ide;max_transfer=4").unwrap() {
        rec.inject(fault);
    }
    assert_eq!(rec.personality(), Personality::QemuIde);
    assert_eq!(rec.transfer_limit(), Some(4));
    assert!(emulator::Fault::parse("drive=floppy").is_err());
    assert!(emulator::Fault::parse("max_transfer=0").is_err());
}

#[test]
fn the_recorder_reads_pressed_media() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("image.iso");
    let content: Vec<u8> = (0..50 * BLOCK).map(|i| (i % 241) as u8).collect();
    std::fs::write(&image, &content).unwrap();
    for media in MediaType::ROM {
        let path = dir.path().join(media.name());
        let mut rec =
            Recorder::create_from_image(&path, Some(media), &image, Personality::Recorder).unwrap();
        mmc::ops::test_unit_ready(&mut rec).unwrap();
        let summary = rec.summary();
        assert_eq!(
            (summary.capacity, summary.recorded_blocks),
            (50, 50),
            "{media}"
        );
        assert_eq!(mmc::ops::read_capacity(&mut rec).unwrap().block_count(), 50);
        let ti =
            mmc::ops::read_track_information(&mut rec, mmc::cdb::TrackAddress::Track(1)).unwrap();
        assert_eq!(
            (ti.track_start, ti.track_size, ti.nwa_valid),
            (0, 50, false),
            "{media}"
        );
        let disc = mmc::ops::read_disc_information(&mut rec).unwrap();
        assert_eq!(disc.disc_status, mmc::disc::DiscStatus::Complete);
        let mut buf = vec![0u8; 50 * BLOCK];
        mmc::ops::read_blocks(&mut rec, 0, &mut buf).unwrap();
        assert_eq!(buf, content, "{media}");
        let err = mmc::ops::write_blocks(&mut rec, 50, &[0u8; BLOCK]).unwrap_err();
        assert_eq!(err.sense().map(|s| s.code()), Some((7, 0x27, 0)), "{media}");
    }
}

#[test]
fn the_recorder_page_2a_length_covers_its_descriptors() {
    let dir = tempfile::tempdir().unwrap();
    let mut rec = drive(&dir, 2048, Personality::Recorder);
    mmc::ops::test_unit_ready(&mut rec).unwrap();
    let page = mmc::ops::mode_sense_page(&mut rec, 0x2A, mmc::cdb::PageControl::Current).unwrap();
    let count = usize::from(u16::from_be_bytes([page[30], page[31]]));
    assert_eq!(count, 1);
    assert_eq!(
        usize::from(page[1]) + 2,
        32 + 4 * count,
        "page length 1Eh + 4n"
    );
    assert_eq!(
        page.len(),
        32 + 4 * count,
        "the whole page, cut at its length"
    );
    let caps = mmc::ops::capabilities(&mut rec).unwrap();
    assert_eq!(caps.write_speeds.len(), 1);
    assert_eq!(caps.write_speeds[0].write_speed, 11_080, "DVD-R: 8x");
    // The mmc emitter builds the same layout from the parsed fields.
    let emitted = caps.emit();
    assert_eq!(emitted.len(), page.len());
    assert_eq!(emitted[28..], page[28..]);
}

/// What the replay of QEMU-RECORD.txt (tests/qemu_record.rs) does not cover:
/// the recorder personality keeps its own profile, and the mmc parser reads the
/// QEMU drive's capabilities page (checked byte for byte by the replay).
#[test]
fn the_recorder_keeps_its_profile_and_the_qemu_page_2a_parses() {
    let dir = tempfile::tempdir().unwrap();
    let get_config = [0x46, 0x02, 0, 0, 0, 0, 0, 0, 8, 0];
    let mut rec = drive(&dir, 1373, Personality::Recorder);
    let _ = send(&mut rec, &[0, 0, 0, 0, 0, 0], 0); // unit attention
    assert_eq!(good(&mut rec, &get_config, 8, 8)[6..8], [0x00, 0x11]);
    let mut scsi = drive(&dir, 1373, Personality::QemuScsi);
    let page = mmc::ops::capabilities(&mut scsi).unwrap();
    assert!(!page.write_cd_r && !page.write_dvd_r && page.read_dvd_rom);
}

mod random {
    use super::*;
    use proptest::prelude::*;

    const OPCODES: [u8; 36] = [
        0x00, 0x03, 0x04, 0x12, 0x1B, 0x1E, 0x23, 0x25, 0x28, 0x2A, 0x2B, 0x2E, 0x2F, 0x35, 0x43,
        0x46, 0x4A, 0x51, 0x52, 0x53, 0x55, 0x5A, 0x5B, 0x5C, 0x9E, 0xA1, 0xA8, 0xAA, 0xAC, 0xAD,
        0xB6, 0xBB, 0xBD, 0xBE, 0xFF, 0x01,
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Arbitrary CDBs, data phases and buffer sizes never panic a QEMU
        /// drive (or the recorder with a pressed disc) and never change the disc.
        #[test]
        fn arbitrary_commands_never_panic_or_change_the_disc(
            commands in prop::collection::vec(
                (prop::sample::select(OPCODES.to_vec()), prop::collection::vec(any::<u8>(), 0..15), 0u8..3, 0usize..200_000),
                1..40,
            ),
            which in 0usize..3,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let image = dir.path().join("image.iso");
            let content: Vec<u8> = (0..40 * BLOCK).map(|i| (i % 239) as u8).collect();
            std::fs::write(&image, &content).unwrap();
            let personality = Personality::ALL[which];
            let path = dir.path().join("rom");
            let mut rec = Recorder::create_from_image(&path, None, &image, personality).unwrap();
            for (op, rest, phase, len) in commands {
                let mut cdb = vec![op];
                cdb.extend(rest);
                let mut buf = vec![0x5Au8; len];
                let data = match phase {
                    0 => DataDirection::None,
                    1 => DataDirection::ToDevice(&buf),
                    _ => DataDirection::FromDevice(&mut buf),
                };
                let _ = rec.execute(&cdb, data, Duration::from_secs(1));
            }
            drop(rec);
            let mut rec = Recorder::open(&path).unwrap();
            rec.set_personality(Personality::QemuScsi);
            let data = good(&mut rec, &read10(0, 40), 40 * BLOCK, 40 * BLOCK);
            prop_assert!(data == content);
        }
    }
}
