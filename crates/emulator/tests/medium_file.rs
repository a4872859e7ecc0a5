//! The medium on disk is what `store.rs` documents: a data file holding block
//! LBA at byte offset LBA × 2048. Checked by reading that file directly, not
//! through the emulator's own READ.

mod common;

use std::os::unix::fs::FileExt;

use common::*;
use emulator::{MediaType, Personality, Recorder};

/// `blocks` blocks of the data file at `lba`, read with plain file I/O.
fn file_blocks(data_file: &std::path::Path, lba: u64, blocks: usize) -> Vec<u8> {
    let mut buf = vec![0u8; blocks * BLOCK];
    std::fs::File::open(data_file)
        .unwrap()
        .read_exact_at(&mut buf, lba * BLOCK as u64)
        .unwrap();
    buf
}

#[test]
fn sessions_written_through_mmc_sit_at_lba_times_2048_in_the_data_file() {
    let dir = tempfile::tempdir().unwrap();
    for media in [MediaType::CdR, MediaType::DvdPlusR, MediaType::BdR] {
        let path = dir.path().join(media.name());
        let mut rec = Recorder::create(&path, media, None).unwrap();
        rec.set_immed_polls(0);
        discover(&mut rec);
        let first = pattern(0, 40, 1);
        let start1 = write_session(&mut rec, &first, Close::Appendable);
        let second = pattern(0, 20, 2);
        let start2 = write_session(&mut rec, &second, Close::Appendable);
        drop(rec);
        assert!(start2 > start1, "{media}: {start1} then {start2}");
        assert_eq!(
            file_blocks(&path, u64::from(start1), 40),
            first,
            "{media}: session 1 at LBA {start1}"
        );
        assert_eq!(
            file_blocks(&path, u64::from(start2), 20),
            second,
            "{media}: session 2 at LBA {start2}"
        );
    }
}

#[test]
fn a_pressed_medium_holds_the_image_at_the_same_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("image.iso");
    let mut content = pattern(0, 64, 7);
    content.extend(vec![0u8; 8 * BLOCK]); // a hole the data file may keep sparse
    content.extend(pattern(72, 8, 9));
    std::fs::write(&image, &content).unwrap();
    let path = dir.path().join("rom");
    drop(Recorder::create_from_image(&path, None, &image, Personality::Recorder).unwrap());
    assert_eq!(file_blocks(&path, 0, 80), content);
}
