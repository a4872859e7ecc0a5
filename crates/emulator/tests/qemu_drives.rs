//! The QEMU drive personalities answer as QEMU's drives did when probed from
//! a Linux guest: each test names the row of crates/qemu-harness/QEMU-DRIVE.md
//! and compares with the bytes recorded there.

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

/// The first 14 sense bytes of a CHECK CONDITION answer.
fn check(rec: &mut Recorder, cdb: &[u8], alloc: usize) -> Vec<u8> {
    let (outcome, _) = send(rec, cdb, alloc);
    let outcome = outcome.unwrap();
    assert_eq!(
        outcome.status,
        ScsiStatus::CheckCondition,
        "{cdb:02x?}: {outcome:?}"
    );
    outcome.sense[..14].to_vec()
}

fn hex(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

/// Sense of key/ASC as each drive formats it (row 13).
fn sense(ide: bool, key: u8, asc: u8) -> Vec<u8> {
    let mut s = vec![0u8; 14];
    s[0] = if ide { 0xF0 } else { 0x70 };
    s[2] = key;
    s[7] = 0x0A;
    s[12] = asc;
    s
}

const READ_TOC: u8 = 0x43;

fn read_toc(format_byte2: u8, byte9: u8, msf: bool) -> [u8; 10] {
    [
        READ_TOC,
        if msf { 2 } else { 0 },
        format_byte2,
        0,
        0,
        0,
        0,
        0x03,
        0x00,
        byte9,
    ]
}

fn read10(lba: u32, blocks: u16) -> [u8; 10] {
    let l = lba.to_be_bytes();
    let n = blocks.to_be_bytes();
    [0x28, 0, l[0], l[1], l[2], l[3], 0, n[0], n[1], 0]
}

#[test]
fn profiles_by_size_and_features() {
    let dir = tempfile::tempdir().unwrap();
    let get_config = [0x46, 0x02, 0, 0, 0, 0, 0, 0x04, 0x00, 0];
    // Rows 1-3 with the 1373-block image: CD-ROM; IDE lists feature 0 only,
    // whatever RT asks (a starting feature other than 0: see
    // further_probed_answers).
    let mut ide = drive(&dir, 1373, Personality::QemuIde);
    assert_eq!(
        good(&mut ide, &get_config, 1024, 20),
        hex("00 00 00 10 00 00 00 08 00 00 03 08 00 10 00 00 00 08 01 00")
    );
    let mut scsi = drive(&dir, 1373, Personality::QemuScsi);
    assert_eq!(
        good(&mut scsi, &get_config, 1024, 40),
        hex(
            "00 00 00 24 00 00 00 08 00 00 03 08 00 10 00 00 00 08 01 00 \
             00 01 0b 08 00 00 00 01 01 00 00 00 00 03 0b 04 39 00 00 00"
        )
    );
    // Row 2: above 360 000 blocks, DVD-ROM; the medium's own type does not matter.
    for personality in [Personality::QemuIde, Personality::QemuScsi] {
        let mut dvd = drive(&dir, 360_001, personality);
        assert_eq!(good(&mut dvd, &get_config, 8, 8)[6..8], [0x00, 0x10]);
        let mut cd = drive(&dir, 360_000, personality);
        assert_eq!(good(&mut cd, &get_config, 8, 8)[6..8], [0x00, 0x08]);
    }
    // The recorder keeps its own answer.
    let mut rec = drive(&dir, 1373, Personality::Recorder);
    let _ = send(&mut rec, &[0, 0, 0, 0, 0, 0], 0); // unit attention
    assert_eq!(good(&mut rec, &get_config, 8, 8)[6..8], [0x00, 0x11]);
}

#[test]
fn identification_disc_information_capacity_and_events() {
    let dir = tempfile::tempdir().unwrap();
    for (personality, inquiry_alloc, inquiry) in [
        (Personality::QemuIde, 36, "05 80 05 32 1f 00 00 00"),
        (Personality::QemuScsi, 96, "05 80 05 12 5b 00 00 12"),
    ] {
        let mut d = drive(&dir, 1373, personality);
        // No unit attention: the guest's kernel took it long ago.
        assert!(good(&mut d, &[0, 0, 0, 0, 0, 0], 0, 0).is_empty());
        let alloc = (inquiry_alloc as u16).to_be_bytes();
        let data = good(
            &mut d,
            &[0x12, 0, 0, alloc[0], alloc[1], 0],
            inquiry_alloc,
            36,
        );
        assert_eq!(data[..8], hex(inquiry)[..]);
        assert_eq!(&data[8..16], b"QEMU    ");
        let product: &[u8] = if personality == Personality::QemuIde {
            b"QEMU DVD-ROM    "
        } else {
            b"QEMU CD-ROM     "
        };
        assert_eq!(&data[16..32], product);
        assert_eq!(&data[32..36], b"2.5+");
        let mut disc_info = hex("00 20 0e 01 01 01 01 20");
        disc_info.resize(34, 0);
        assert_eq!(
            good(&mut d, &[0x51, 0, 0, 0, 0, 0, 0, 1, 0, 0], 256, 34),
            disc_info
        );
        assert_eq!(
            good(&mut d, &[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], 8, 8),
            hex("00 00 05 5c 00 00 08 00")
        );
        assert_eq!(
            good(&mut d, &[0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8, 0], 8, 8),
            hex("00 04 04 10 00 02 00 00")
        );
        assert_eq!(
            good(&mut d, &[0xBD, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0], 8, 8),
            hex("00 00 00 00 00 01 00 00")
        );
        // Row 4: no READ TRACK INFORMATION.
        let ide = personality == Personality::QemuIde;
        assert_eq!(
            check(&mut d, &[0x52, 1, 0, 0, 0, 1, 0, 0, 48, 0], 48),
            sense(ide, 5, 0x20)
        );
        assert_eq!(
            hex("f0 00 05 00 00 00 00 0a 00 00 00 00 20 00"),
            sense(true, 5, 0x20),
            "the row 4 bytes"
        );
    }
}

#[test]
fn read_toc_formats() {
    let dir = tempfile::tempdir().unwrap();
    let toc0 = hex("00 12 01 01 00 14 01 00 00 00 00 00 00 16 aa 00 00 00 05 5d");
    let mut ide = drive(&dir, 1373, Personality::QemuIde);
    let mut scsi = drive(&dir, 1373, Personality::QemuScsi);
    assert_eq!(good(&mut ide, &read_toc(0, 0, false), 0x300, 20), toc0);
    assert_eq!(good(&mut scsi, &read_toc(0, 0, false), 0x300, 20), toc0);
    // Rows 5-6: IDE ignores byte 2.
    assert_eq!(good(&mut ide, &read_toc(1, 0, false), 0x300, 20), toc0);
    assert_eq!(
        good(&mut scsi, &read_toc(1, 0, false), 0x300, 12),
        hex("00 0a 01 01 00 14 01 00 00 00 00 00")
    );
    // Row 7: byte 9 = 40h.
    assert_eq!(
        good(&mut ide, &read_toc(0, 0x40, false), 0x300, 12),
        hex("00 0a 01 01 00 00 00 00 00 00 00 00")
    );
    assert_eq!(good(&mut scsi, &read_toc(0, 0x40, false), 0x300, 20), toc0);
    // Row 8: formats 3, 4, 5.
    for format in 3..=5 {
        assert_eq!(good(&mut ide, &read_toc(format, 0, false), 0x300, 20), toc0);
        assert_eq!(
            check(&mut scsi, &read_toc(format, 0, false), 0x300),
            sense(false, 5, 0x24)
        );
    }
    // Row 9: format 2 in byte 2 with MSF.
    let msf = good(&mut ide, &read_toc(2, 0, true), 0x300, 20);
    assert_eq!(msf[..2], [0x00, 0x12]);
    assert_eq!(msf[16..20], hex("00 00 14 17")[..], "lead-out at 00:20:23");
    let raw = good(&mut scsi, &read_toc(2, 0, true), 0x300, 48);
    assert_eq!(raw[..4], [0x00, 0x2E, 1, 1]);
    let points: Vec<u8> = raw[4..].chunks(11).map(|e| e[3]).collect();
    assert_eq!(points, vec![0xA0, 0xA1, 0xA2, 0x01]);
    // The IDE drive gives the raw TOC when byte 9 asks for it.
    assert_eq!(
        good(&mut ide, &read_toc(0, 0x80, true), 0x300, 48)[..4],
        [0x00, 0x2E, 1, 1]
    );
}

#[test]
fn reads_transfer_limits_lengths_and_residuals() {
    let dir = tempfile::tempdir().unwrap();
    for personality in [Personality::QemuIde, Personality::QemuScsi] {
        let ide = personality == Personality::QemuIde;
        let mut d = drive(&dir, 1373, personality);
        // Row 10: the largest transfer.
        let largest: u16 = if ide { 64 } else { 512 };
        good(&mut d, &read10(0, largest), usize::from(largest) * BLOCK, 0);
        let (too_big, _) = send(
            &mut d,
            &read10(0, largest + 1),
            usize::from(largest + 1) * BLOCK,
        );
        if ide {
            match too_big {
                Err(TransportError::Os { source, .. }) => {
                    assert_eq!(source.raw_os_error(), Some(5))
                }
                other => panic!("expected EIO, got {other:?}"),
            }
        } else {
            assert_eq!(too_big.unwrap().status, ScsiStatus::Good);
        }
        // Row 11: length 0.
        let (zero, _) = send(&mut d, &read10(0, 0), 0);
        let zero = zero.unwrap();
        if ide {
            assert_eq!(zero.status, ScsiStatus::CheckCondition);
            assert_eq!(
                zero.sense[..14],
                hex("70 00 0b 00 00 00 00 0a 00 40 a0 02 00 00")[..]
            );
        } else {
            assert_eq!(zero.status, ScsiStatus::Good);
        }
        // Row 11a: 16 blocks into an 8-block buffer.
        let (small, _) = send(&mut d, &read10(0, 16), 8 * BLOCK);
        if ide {
            assert_eq!(small.unwrap().sense[2], 0x0B);
        } else {
            assert!(matches!(
                small,
                Err(TransportError::Host { host_status: 7, .. })
            ));
        }
        // Row 11b: 8 blocks into a 16-block buffer.
        let (big, _) = send(&mut d, &read10(0, 8), 16 * BLOCK);
        let big = big.unwrap();
        assert_eq!(big.status, ScsiStatus::Good);
        assert_eq!(big.residual, if ide { 0 } else { 16 * BLOCK });
        // Row 12: at or across the end.
        assert_eq!(check(&mut d, &read10(1373, 1), BLOCK), sense(ide, 5, 0x21));
        assert_eq!(
            check(&mut d, &read10(1372, 2), 2 * BLOCK),
            sense(ide, 5, 0x21)
        );
        good(&mut d, &read10(1372, 1), BLOCK, 0);
        // Row 14: REQUEST SENSE after a GOOD command.
        let request_sense = good(&mut d, &[0x03, 0, 0, 0, 18, 0], 18, 14);
        if ide {
            assert_eq!(request_sense, sense(true, 5, 0x21), "the last error");
        } else {
            assert_eq!(request_sense[..3], [0x70, 0, 0], "NO SENSE");
        }
        // Row 15.
        let (ff, _) = send(&mut d, &[0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0);
        if ide {
            assert!(matches!(ff, Err(TransportError::Host { .. })));
        } else {
            assert_eq!(ff.unwrap().sense[..14], sense(false, 5, 0x20)[..]);
        }
    }
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
fn writing_and_other_commands() {
    let dir = tempfile::tempdir().unwrap();
    let mut ide = drive(&dir, 1373, Personality::QemuIde);
    let mut scsi = drive(&dir, 1373, Personality::QemuScsi);
    let write10 = [0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0];
    // Row 16.
    let block = vec![0u8; BLOCK];
    for (d, expected) in [
        (&mut ide, sense(true, 5, 0x20)),
        (&mut scsi, sense(false, 7, 0x27)),
    ] {
        let outcome = d
            .execute(
                &write10,
                DataDirection::ToDevice(&block),
                Duration::from_secs(5),
            )
            .unwrap();
        assert_eq!(outcome.sense[..14], expected[..]);
    }
    // Rows 17-18: SYNCHRONIZE CACHE, FORMAT UNIT, empty MODE SELECT(10).
    for cdb in [
        vec![0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        vec![0x04, 0, 0, 0, 0, 0],
        vec![0x55, 0x10, 0, 0, 0, 0, 0, 0, 0, 0],
    ] {
        assert_eq!(check(&mut ide, &cdb, 0), sense(true, 5, 0x20), "{cdb:02x?}");
        good(&mut scsi, &cdb, 0, 0);
    }
    // Rows 19-20: SET CD SPEED, READ CD.
    let set_speed = [0xBB, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0];
    good(&mut ide, &set_speed, 0, 0);
    assert_eq!(check(&mut scsi, &set_speed, 0), sense(false, 5, 0x20));
    let read_cd = [0xBE, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 0, 0];
    good(&mut ide, &read_cd, BLOCK, 0);
    assert_eq!(check(&mut scsi, &read_cd, BLOCK), sense(false, 5, 0x20));
    // Row 21: recorder commands.
    for cdb in [
        vec![0x5B, 0, 2, 0, 0, 0, 0, 0, 0, 0],
        vec![0x53, 0, 0, 0, 0, 0, 0, 0, 16, 0],
        vec![0xA1, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        vec![0x54, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        vec![0xB6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        vec![0x5C, 0, 0, 0, 0, 0, 0, 0, 12, 0],
        vec![0x23, 0, 0, 0, 0, 0, 0, 0, 12, 0],
    ] {
        assert_eq!(check(&mut ide, &cdb, 0), sense(true, 5, 0x20), "{cdb:02x?}");
        assert_eq!(
            check(&mut scsi, &cdb, 0),
            sense(false, 5, 0x20),
            "{cdb:02x?}"
        );
    }
    let get_performance = [0xAC, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 0];
    assert_eq!(check(&mut ide, &get_performance, 24), sense(true, 5, 0x20));
    assert_eq!(
        check(&mut scsi, &get_performance, 24),
        sense(false, 5, 0x20)
    );
}

#[test]
fn mode_pages_and_disc_structure() {
    let dir = tempfile::tempdir().unwrap();
    let mut ide = drive(&dir, 1373, Personality::QemuIde);
    let mut scsi = drive(&dir, 1373, Personality::QemuScsi);
    let mode_sense = |page: u8| [0x5A, 0, page, 0, 0, 0, 0, 0x10, 0, 0];
    // Row 22.
    assert_eq!(
        check(&mut ide, &mode_sense(0x05), 0x1000),
        sense(true, 5, 0x24)
    );
    assert_eq!(
        check(&mut scsi, &mode_sense(0x05), 0x1000),
        sense(false, 5, 0x24)
    );
    // Row 23.
    assert_eq!(
        check(&mut ide, &mode_sense(0x3F), 0x1000),
        sense(true, 5, 0x24)
    );
    let all = good(&mut scsi, &mode_sense(0x3F), 0x1000, 0x4E);
    assert_eq!(all[..2], [0x00, 0x4C]);
    let mut codes = Vec::new();
    let mut at = 8;
    while at + 1 < all.len() {
        codes.push(all[at]);
        at += 2 + usize::from(all[at + 1]);
    }
    assert_eq!(codes, vec![0x01, 0x08, 0x0E, 0x2A]);
    // Row 24.
    assert_eq!(
        good(&mut ide, &mode_sense(0x2A), 0x1000, 24),
        hex("00 1c 70 00 00 00 00 00 2a 14 3b 00 71 60 29 00 02 c0 00 02 02 00 02 c0")
    );
    assert_eq!(
        good(&mut scsi, &mode_sense(0x2A), 0x1000, 29),
        hex("00 1c 00 00 00 00 00 00 2a 14 3b 00 7f ff 2d 00 22 60 00 02 08 00 0b 00 00 00 0b 00 0b")
    );
    // The page parses with the mmc parser: no write bits.
    let page = mmc::ops::capabilities(&mut scsi).unwrap();
    assert!(!page.write_cd_r && !page.write_dvd_r && page.read_dvd_rom);
    // Row 25.
    let structure = [0xAD, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x04, 0, 0];
    assert_eq!(check(&mut ide, &structure, 0x804), sense(true, 5, 0x30));
    let mut dvd = drive(&dir, 2_097_581, Personality::QemuScsi);
    assert_eq!(
        good(&mut dvd, &structure, 0x804, 20),
        hex("08 02 00 00 01 0f 01 00 00 00 00 00 00 20 01 ac 00 20 01 ac")
    );
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

/// Commands probed again on QEMU 7.2 (same guest, 334-block image) beyond
/// the rows of QEMU-DRIVE.md.
#[test]
fn further_probed_answers() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("image.iso");
    std::fs::write(&image, vec![0x11u8; 334 * BLOCK]).unwrap();
    let rom = |name: &str, drive: Personality| {
        Recorder::create_from_image(dir.path().join(name), None, &image, drive).unwrap()
    };
    let mut ide = rom("ide", Personality::QemuIde);
    let mut scsi = rom("scsi", Personality::QemuScsi);
    // GET CONFIGURATION from feature 1: the IDE drive refuses, SCSI ignores it.
    let from_feature_1 = [0x46, 0x02, 0x00, 0x01, 0, 0, 0, 0, 0x40, 0];
    assert_eq!(check(&mut ide, &from_feature_1, 64), sense(true, 5, 0x24));
    assert_eq!(
        good(&mut scsi, &from_feature_1, 64, 8)[..4],
        [0, 0, 0, 0x24]
    );
    // REQUEST SENSE on IDE keeps answering that error, ASCQ 0, 18 bytes.
    let request_sense = [0x03, 0, 0, 0, 18, 0];
    assert_eq!(
        good(&mut ide, &request_sense, 18, 18),
        hex("f0 00 05 00 00 00 00 0a 00 00 00 00 24 00 00 00 00 00")
    );
    assert_eq!(
        good(&mut scsi, &request_sense, 18, 18),
        hex("70 00 00 00 00 00 00 0a 00 00 00 00 00 00 00 00 00 00")
    );
    for (d, ide_drive) in [(&mut ide, true), (&mut scsi, false)] {
        // VPD page list.
        assert_eq!(
            good(d, &[0x12, 1, 0, 0, 0x40, 0], 64, 8),
            hex("05 00 00 02 00 83 00 00")
        );
        // GESN without the media class: no event available.
        assert_eq!(
            good(d, &[0x4A, 1, 0, 0, 0, 0, 0, 0, 8, 0], 8, 8),
            hex("00 00 80 10 00 00 00 00")
        );
        assert_eq!(
            check(d, &[0x4A, 0, 0, 0, 0x10, 0, 0, 0, 8, 0], 8),
            sense(ide_drive, 5, 0x24)
        );
        // Mode page 01h.
        let page01 = good(d, &[0x5A, 0, 0x01, 0, 0, 0, 0, 0, 0xFF, 0], 255, 12);
        let expected = if ide_drive {
            "00 0e 70 00 00 00 00 00 01 06 00 05"
        } else {
            "00 12 00 00 00 00 00 00 01 0a 80 20"
        };
        assert_eq!(page01, hex(expected));
        // READ TOC from a track that does not exist.
        assert_eq!(
            check(d, &[0x43, 0, 0, 0, 0, 0, 5, 3, 0x24, 0], 0x324),
            sense(ide_drive, 5, 0x24)
        );
        // SEEK(10).
        good(d, &[0x2B, 0, 0, 0, 0, 5, 0, 0, 0, 0], 0, 0);
        assert_eq!(
            check(d, &[0x2B, 0, 0, 0, 1, 0x4E, 0, 0, 0, 0], 0),
            sense(ide_drive, 5, 0x21)
        );
        // READ DISC STRUCTURE capability list, CD or not.
        assert_eq!(
            good(d, &[0xAD, 0, 0, 0, 0, 0, 0, 0xFF, 0, 0x40, 0, 0], 64, 20),
            hex("00 12 00 00 00 40 08 04 01 40 00 08 03 40 00 c0 04 40 08 04")
        );
        // READ CD of no fields.
        good(d, &[0xBE, 0, 0, 0, 0, 5, 0, 0, 1, 0, 0, 0], 0, 0);
        // READ DISC INFORMATION type 1.
        assert_eq!(
            check(d, &[0x51, 1, 0, 0, 0, 0, 0, 0, 34, 0], 34),
            sense(ide_drive, 5, 0x24)
        );
    }
    // Mode page 08h only on SCSI; VERIFY(10) only on SCSI.
    assert_eq!(
        check(&mut ide, &[0x5A, 0, 0x08, 0, 0, 0, 0, 0, 0xFF, 0], 255),
        sense(true, 5, 0x24)
    );
    assert_eq!(
        good(&mut scsi, &[0x5A, 0, 0x08, 0, 0, 0, 0, 0, 0xFF, 0], 255, 11),
        hex("00 1a 00 00 00 00 00 00 08 12 04")
    );
    assert_eq!(
        check(&mut ide, &[0x2F, 0, 0, 0, 0, 0, 0, 0, 1, 0], 0),
        sense(true, 5, 0x20)
    );
    good(&mut scsi, &[0x2F, 0, 0, 0, 0, 0, 0, 0, 1, 0], 0, 0);
    // READ CAPACITY(16): SCSI answers, the ATAPI drive moves nothing.
    let read_capacity_16 = [0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0];
    assert_eq!(
        good(&mut scsi, &read_capacity_16, 32, 16),
        hex("00 00 00 00 00 00 01 4d 00 00 08 00 00 00 80 00")
    );
    let (outcome, _) = send(&mut ide, &read_capacity_16, 32);
    let outcome = outcome.unwrap();
    assert_eq!((outcome.status, outcome.residual), (ScsiStatus::Good, 32));
}
