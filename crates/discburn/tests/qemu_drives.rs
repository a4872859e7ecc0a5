//! discburn reads pressed discs in QEMU's drives as it reads the image file:
//! the emulator's `qemu-ide` and `qemu-scsi` personalities answer as QEMU's
//! ATAPI and virtio-scsi CD/DVD-ROM drives did when probed from a Linux guest
//! (crates/qemu-harness/QEMU-DRIVE.md), the `recorder` one as a recorder with
//! a pressed disc.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use discburn::drive::{inspect_media, TransportSectorSource};
use emulator::{MediaType, Personality, Recorder};
use fsimage::read::{ReadOptions, Volume};
use fsimage::{FileSectorSource, SectorSource};

const BLOCK: usize = 2048;

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("discburn-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0] ^ seed)
        .collect()
}

/// An ISO image written by discburn's own writer, with files larger than
/// 64 blocks (QEMU IDE's largest transfer) among small ones.
fn make_image(dir: &Path) -> PathBuf {
    let src = dir.join("src");
    std::fs::create_dir_all(src.join("dir/deeper")).unwrap();
    std::fs::write(src.join("big.bin"), bytes(300 * 1024 + 17, 1)).unwrap();
    std::fs::write(src.join("dir/medium.bin"), bytes(140 * 1024, 2)).unwrap();
    std::fs::write(
        src.join("dir/deeper/small.txt"),
        b"hello from a pressed disc\n",
    )
    .unwrap();
    std::fs::write(src.join("empty"), b"").unwrap();
    let mut tree = fsimage::Tree::new();
    tree.add_directory_contents(&src).unwrap();
    let options = fsimage::ImageOptions {
        volume_name: "QEMUTEST".into(),
        ..Default::default()
    };
    let mut stream = fsimage::ImageStream::new(tree, options).unwrap();
    let image = dir.join("image.iso");
    let mut out = std::fs::File::create(&image).unwrap();
    stream.write_to(&mut out, 1 << 20, |_| {}).unwrap();
    image
}

/// Every path of the volume with its file contents (directories: `None`).
fn listing<S: SectorSource>(source: S) -> BTreeMap<String, Option<Vec<u8>>> {
    let mut volume = Volume::open(source, ReadOptions::default()).unwrap();
    let root = volume.root().clone();
    let mut found = BTreeMap::new();
    volume
        .walk(
            &root,
            "/",
            &mut |volume, path, node| {
                let content = if node.is_dir() {
                    None
                } else {
                    Some(volume.read_file(path)?)
                };
                found.insert(path.to_string(), content);
                Ok(true)
            },
            &mut |path, skipped| panic!("{path} skipped: {skipped:?}"),
        )
        .unwrap();
    found
}

fn image_listing(image: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    let file = std::fs::File::open(image).unwrap();
    listing(FileSectorSource::new(std::io::BufReader::new(file)).unwrap())
}

#[test]
fn inspects_pressed_media_in_every_drive() {
    let scratch = Scratch::new("qemu-inspect");
    let image = make_image(&scratch.0);
    let blocks = std::fs::metadata(&image)
        .unwrap()
        .len()
        .div_ceil(BLOCK as u64);
    for drive in Personality::ALL {
        for media in [Some(MediaType::CdRom), Some(MediaType::DvdRom), None] {
            let path = scratch.0.join(format!("{drive}-{media:?}"));
            let mut rec = Recorder::create_from_image(&path, media, &image, drive).unwrap();
            let what = format!("{drive} {media:?}");
            let info = inspect_media(&mut rec).unwrap();
            // QEMU reports the profile by size; the recorder the medium's own.
            let profile = match (drive, media) {
                (Personality::Recorder, Some(MediaType::DvdRom)) => "DVD-ROM",
                _ => "CD-ROM",
            };
            assert!(info.medium_present, "{what}");
            assert_eq!(info.profile.as_deref(), Some(profile), "{what}");
            assert_eq!(info.disc_status.as_deref(), Some("complete"), "{what}");
            assert_eq!(
                info.last_session_state.as_deref(),
                Some("complete"),
                "{what}"
            );
            assert_eq!(info.erasable, Some(false), "{what}");
            assert_eq!(info.sessions, Some(1), "{what}");
            assert_eq!(info.last_session_start, Some(0), "{what}");
            assert_eq!(info.capacity_blocks, Some(blocks), "{what}");
            assert_eq!((info.next_writable_address, info.free_blocks), (None, None));
            let tracks: Vec<_> = info
                .tracks
                .iter()
                .map(|t| (t.number, t.session, t.start, u64::from(t.size)))
                .collect();
            assert_eq!(tracks, vec![(1, 1, 0, blocks)], "{what}");
            if drive.is_recorder() {
                assert!(info.notes.is_empty(), "{what}: {:?}", info.notes);
            } else {
                // Row 4: one plain note, the tracks from the TOC.
                assert_eq!(
                    info.notes,
                    vec![
                        "READ TRACK INFORMATION is not supported by the drive (5/20/00); tracks from READ TOC"
                            .to_string()
                    ],
                    "{what}"
                );
                let model = if drive == Personality::QemuIde {
                    "QEMU DVD-ROM"
                } else {
                    "QEMU CD-ROM"
                };
                assert_eq!(info.model.as_deref(), Some(model));
            }
        }
    }
}

#[test]
fn images_above_360000_blocks_are_dvd_rom_in_qemu_drives() {
    let scratch = Scratch::new("qemu-dvd-size");
    let image = make_image(&scratch.0);
    // The file system stays valid with zeros after it; the file is sparse.
    let blocks = 360_001u64;
    std::fs::OpenOptions::new()
        .write(true)
        .open(&image)
        .unwrap()
        .set_len(blocks * BLOCK as u64)
        .unwrap();
    let path = scratch.0.join("dvd");
    let mut rec = Recorder::create_from_image(&path, None, &image, Personality::QemuIde).unwrap();
    assert_eq!(rec.summary().media, MediaType::DvdRom, "by size, as QEMU");
    for drive in [Personality::QemuIde, Personality::QemuScsi] {
        rec.set_personality(drive);
        let info = inspect_media(&mut rec).unwrap();
        assert_eq!(info.profile.as_deref(), Some("DVD-ROM"), "{drive}");
        assert_eq!(info.capacity_blocks, Some(blocks), "{drive}");
        assert_eq!(info.tracks.len(), 1);
        assert_eq!(u64::from(info.tracks[0].size), blocks);
    }
    let source = TransportSectorSource::new(rec).unwrap();
    let expected = image_listing(&image);
    assert_eq!(listing(source), expected);
}

#[test]
fn the_file_system_reads_as_from_the_image_file_in_every_drive() {
    let scratch = Scratch::new("qemu-read");
    let image = make_image(&scratch.0);
    let expected = image_listing(&image);
    assert!(
        expected
            .get("big.bin")
            .and_then(|c| c.as_ref())
            .is_some_and(|c| c.len() > 64 * BLOCK),
        "a file larger than QEMU IDE's largest transfer: {:?}",
        expected.keys().collect::<Vec<_>>()
    );
    let image_bytes = std::fs::read(&image).unwrap();
    for drive in Personality::ALL {
        for media in [MediaType::CdRom, MediaType::DvdRom] {
            let path = scratch.0.join(format!("{drive}-{media}"));
            let rec = Recorder::create_from_image(&path, Some(media), &image, drive).unwrap();
            let mut source = TransportSectorSource::new(rec).unwrap();
            let blocks = source.block_count().unwrap();
            let mut all = vec![0u8; blocks as usize * BLOCK];
            source.read_blocks(0, &mut all).unwrap();
            assert_eq!(all[..image_bytes.len()], image_bytes[..], "{drive} {media}");
            assert_eq!(listing(source), expected, "{drive} {media}");
        }
    }
}

#[test]
fn a_refused_transfer_size_is_halved_until_the_drive_takes_it() {
    let scratch = Scratch::new("qemu-transfer");
    let image = make_image(&scratch.0);
    let image_bytes = std::fs::read(&image).unwrap();
    let path = scratch.0.join("ide");
    let rec = Recorder::create_from_image(&path, None, &image, Personality::QemuIde).unwrap();
    // 1 MiB transfers: QEMU's IDE drive fails anything above 64 blocks with EIO (row 10).
    let mut source = TransportSectorSource::with_geometry(rec, None, 1 << 20);
    let mut buf = vec![0u8; 200 * BLOCK];
    source.read_blocks(10, &mut buf).unwrap();
    assert_eq!(buf, image_bytes[10 * BLOCK..210 * BLOCK]);
    // The same through the environment knob on the recorder personality.
    let rec = Recorder::open(&path).unwrap();
    let mut rec = rec;
    rec.set_personality(Personality::Recorder);
    rec.inject(emulator::Fault::MaxTransfer { blocks: 3 });
    mmc::ops::test_unit_ready(&mut rec).unwrap();
    let mut source = TransportSectorSource::with_geometry(rec, None, 64 * 1024);
    source.read_blocks(1, &mut buf[..40 * BLOCK]).unwrap();
    assert_eq!(buf[..40 * BLOCK], image_bytes[BLOCK..41 * BLOCK]);
    // A read the drive refuses for another reason is still an error.
    let err = source.read_blocks(330, &mut buf[..10 * BLOCK]).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof, "{err}");
}

/// A transport that counts the commands it passes on.
struct Counting<T> {
    inner: T,
    commands: usize,
}

impl<T: mmc::Transport> mmc::Transport for Counting<T> {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: mmc::DataDirection<'_>,
        timeout: std::time::Duration,
    ) -> Result<mmc::CommandOutcome, mmc::TransportError> {
        self.commands += 1;
        self.inner.execute(cdb, data, timeout)
    }

    fn device_name(&self) -> String {
        self.inner.device_name()
    }
}

#[test]
fn an_empty_read_sends_no_command() {
    let scratch = Scratch::new("qemu-empty-read");
    let image = make_image(&scratch.0);
    for drive in [Personality::QemuIde, Personality::QemuScsi] {
        let path = scratch.0.join(drive.name());
        let rec = Recorder::create_from_image(&path, None, &image, drive).unwrap();
        let mut counting = Counting {
            inner: rec,
            commands: 0,
        };
        // QEMU IDE behind libata answers READ(10) of 0 blocks with ABORTED COMMAND (row 11).
        mmc::ops::read_blocks(&mut counting, 0, &mut []).unwrap();
        assert_eq!(
            counting.commands, 0,
            "{drive}: mmc::ops::read_blocks of nothing"
        );
        let mut source = TransportSectorSource::new(counting).unwrap();
        let before = source.transport_mut().commands;
        source.read_blocks(5, &mut []).unwrap();
        assert_eq!(
            source.transport_mut().commands,
            before,
            "{drive}: a sector source read of nothing"
        );
        // The counter does count: one block is one command.
        let mut block = vec![0u8; BLOCK];
        source.read_blocks(5, &mut block).unwrap();
        assert_eq!(source.transport_mut().commands, before + 1, "{drive}");
    }
}
