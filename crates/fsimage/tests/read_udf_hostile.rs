//! The UDF reader on damaged volumes: a bad CRC, an absurd file length, an
//! extent outside its partition and a directory that contains the root are
//! errors naming the path, never a panic, a hang, a huge allocation or a
//! silently wrong file. The damage is done to a UDF-only image made by
//! genisoimage, and tags are sealed again where the damage must get past them.

use std::io::Cursor;

use fsimage::read::{ReadError, ReadOptions, Volume};
use fsimage::FileSectorSource;

#[path = "../../../fuzz/src/read_image.rs"]
#[allow(dead_code)]
mod read_image;
#[path = "../../../fuzz/src/read_udf.rs"]
#[allow(dead_code)]
mod read_udf;

const BLOCK: usize = 2048;

struct Fixture {
    image: Vec<u8>,
    /// Absolute blocks of the file entries of /, /sub and /sub/f.txt.
    root_fe: usize,
    sub_fe: usize,
    file_fe: usize,
    /// First block of /sub's directory data.
    sub_data: usize,
    partition_start: usize,
}

fn open(image: &[u8]) -> fsimage::read::Result<Volume<FileSectorSource<Cursor<Vec<u8>>>>> {
    let source = FileSectorSource::new(Cursor::new(image.to_vec())).unwrap();
    Volume::open(source, ReadOptions::default())
}

fn fixture() -> Option<Fixture> {
    if !testkit::require_tool("genisoimage") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    std::fs::write(src.join("sub/f.txt"), vec![b'f'; 3000]).unwrap();
    let path = dir.path().join("u.iso");
    testkit::images::udf_only_image(&src, &path, &[]);
    let image = std::fs::read(&path).unwrap();
    let mut volume = open(&image).unwrap();
    let sub = volume.lookup("/sub").unwrap();
    let file = volume.lookup("/sub/f.txt").unwrap();
    assert_eq!(volume.read_file("/sub/f.txt").unwrap(), vec![b'f'; 3000]);
    let fixture = Fixture {
        root_fe: volume.root().icb.unwrap() as usize,
        sub_fe: sub.icb.unwrap() as usize,
        file_fe: file.icb.unwrap() as usize,
        sub_data: sub.extents[0].lba as usize,
        partition_start: volume.info().udf.as_ref().unwrap().partition_start as usize,
        image,
    };
    Some(fixture)
}

/// Seals the tags of `block` again after a change behind them.
fn reseal(image: &mut [u8], block: usize) {
    read_udf::reseal_tags(&mut image[block * BLOCK..(block + 1) * BLOCK]);
}

fn put_u32(image: &mut [u8], at: usize, value: u32) {
    image[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// Offset of the allocation descriptors of the FE at `block` (FE, not EFE).
fn ad_area(image: &[u8], block: usize) -> usize {
    let base = block * BLOCK;
    assert_eq!(u16::from_le_bytes([image[base], image[base + 1]]), 0x105);
    let l_ea = u32::from_le_bytes(image[base + 168..base + 172].try_into().unwrap()) as usize;
    base + 176 + l_ea
}

#[test]
fn a_bad_crc_is_an_error_naming_the_path() {
    let Some(f) = fixture() else { return };
    let mut image = f.image.clone();
    image[f.file_fe * BLOCK + 40] ^= 0x55; // inside the FE, CRC not redone
    let mut volume = open(&image).unwrap();
    let err = volume.read_file("/sub/f.txt").unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, ReadError::Corrupt { .. })
            && text.contains("/sub/f.txt")
            && text.contains("CRC"),
        "{text}"
    );
}

#[test]
fn an_absurd_length_is_an_error_not_an_allocation() {
    let Some(f) = fixture() else { return };
    let mut image = f.image.clone();
    let base = f.file_fe * BLOCK;
    image[base + 56..base + 64].copy_from_slice(&(1u64 << 50).to_le_bytes());
    reseal(&mut image, f.file_fe);
    let mut volume = open(&image).unwrap();
    let err = volume.read_file("/sub/f.txt").unwrap_err().to_string();
    assert!(
        err.contains("/sub/f.txt") && err.contains("3000 bytes of"),
        "{err}"
    );

    // A directory claiming a huge size is refused before it is read.
    let mut image = f.image.clone();
    let base = f.sub_fe * BLOCK;
    image[base + 56..base + 64].copy_from_slice(&(1u64 << 40).to_le_bytes());
    reseal(&mut image, f.sub_fe);
    let mut volume = open(&image).unwrap();
    let err = volume.lookup("/sub/f.txt").unwrap_err();
    assert!(matches!(err, ReadError::Limit { .. }), "{err}");
}

#[test]
fn an_extent_outside_the_partition_is_an_error() {
    let Some(f) = fixture() else { return };
    let mut image = f.image.clone();
    let ad = ad_area(&image, f.file_fe);
    put_u32(&mut image, ad + 4, 0x7FFF_FFF0); // short_ad position
    reseal(&mut image, f.file_fe);
    let mut volume = open(&image).unwrap();
    let err = volume.read_file("/sub/f.txt").unwrap_err().to_string();
    assert!(
        err.contains("/sub/f.txt") && err.contains("past the end of the partition"),
        "{err}"
    );
}

#[test]
fn a_directory_loop_is_an_error() {
    let Some(f) = fixture() else { return };
    let mut image = f.image.clone();
    // /sub's second FID (after the parent's) names f.txt: point it at the root.
    let base = f.sub_data * BLOCK;
    let l_iu = u16::from_le_bytes([image[base + 36], image[base + 37]]) as usize;
    let first = (38 + l_iu + image[base + 19] as usize).div_ceil(4) * 4;
    let fid = base + first;
    assert_eq!(u16::from_le_bytes([image[fid], image[fid + 1]]), 0x101);
    image[fid + 18] |= 0x02; // a directory
    put_u32(&mut image, fid + 24, (f.root_fe - f.partition_start) as u32);
    reseal(&mut image, f.sub_data);
    let mut volume = open(&image).unwrap();
    let root = volume.root().clone();
    let err = volume
        .walk(&root, "", &mut |_, _, _| Ok(true), &mut |_, _| {})
        .unwrap_err();
    assert!(matches!(err, ReadError::Loop { .. }), "{err}");
    // Extraction names the loop as a skipped entry (or stops), and writes
    // nothing outside its directory.
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("out");
    let result = fsimage::read::extract(
        &mut volume,
        &[],
        &dest,
        &fsimage::read::ExtractOptions::default(),
        &mut |_| {},
    );
    match result {
        Err(e) => assert!(matches!(e, ReadError::Loop { .. }), "{e}"),
        Ok(report) => assert!(
            report.skipped.iter().any(|s| s.path.contains("f.txt")),
            "{:?}",
            report.skipped
        ),
    }
    let beside: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(beside.iter().all(|n| n == "out"), "{beside:?}");
}

mod mutated {
    use std::sync::mpsc;
    use std::sync::OnceLock;
    use std::time::Duration;

    use proptest::prelude::*;

    /// The fixture image and its blocks that start with a valid tag.
    fn seed() -> Option<&'static (Vec<u8>, Vec<usize>)> {
        static SEED: OnceLock<Option<(Vec<u8>, Vec<usize>)>> = OnceLock::new();
        SEED.get_or_init(|| {
            let f = super::fixture()?;
            let tagged = f
                .image
                .chunks(super::BLOCK)
                .enumerate()
                .filter(|(_, b)| udf::tag::verify(b, None).is_ok())
                .map(|(i, _)| i)
                .collect();
            Some((f.image, tagged))
        })
        .as_ref()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

        /// Fields of any descriptor set to any value (tags sealed again, or
        /// not): the reader opens, walks, reads and extracts without a panic
        /// or a hang (the fuzz target's body checks the destination).
        #[test]
        fn mutated_udf_images_never_panic_or_hang(
            pick in any::<prop::sample::Index>(),
            offset in prop_oneof![16usize..256, 16usize..2044],
            value in prop_oneof![Just(0u32), Just(1), Just(0xFFFF_FFFF), Just(0x3FFF_FFFF), Just(2048), any::<u32>()],
            width in 1usize..=4,
            reseal in any::<bool>(),
        ) {
            let Some((image, tagged)) = seed() else { return Ok(()) };
            let mut data = image.clone();
            let at = tagged[pick.index(tagged.len())] * super::BLOCK + offset;
            data[at..at + width].copy_from_slice(&value.to_le_bytes()[..width]);
            data[1] = u8::from(reseal);
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                super::read_udf::read_udf(&data);
                let _ = tx.send(());
            });
            match rx.recv_timeout(Duration::from_secs(10)) {
                Ok(()) => {}
                Err(mpsc::RecvTimeoutError::Timeout) => prop_assert!(false, "hang (over 10 s)"),
                Err(mpsc::RecvTimeoutError::Disconnected) => prop_assert!(false, "panic"),
            }
        }
    }
}
