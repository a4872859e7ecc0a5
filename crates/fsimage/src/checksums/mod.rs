//! MD5 checksums in the libisofs / xorriso format (reference/checksums.md):
//! the session's tags and checksum array are laid out by [`crate::layout`]
//! and produced by [`crate::stream`]; this module holds what they share,
//! the tag of the 64 KiB head of an image file, and the checks a reader
//! runs ([`check`]).

pub mod check;
pub(crate) mod hasher;
pub mod md5;
mod plan;
pub mod streamed;

use ::md5::{Digest, Md5};
use iso9660::md5tag::{Md5Tag, TagKind};

use crate::BLOCK_SIZE;

/// MD5 of no bytes: the item of every empty file.
pub const EMPTY_MD5: [u8; 16] = [
    0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0xb2, 0x04, 0xe9, 0x80, 0x09, 0x98, 0xec, 0xf8, 0x42, 0x7e,
];

/// Blocks of the head of an image file that the relocated tag may sit in.
const HEAD_BLOCKS: usize = 32;

/// Puts the relocated superblock tag (`libisofs_rlsb32_checksum_tag_v1`)
/// into `head`, the 32 blocks written at LBA 0 of an image file or an
/// overwritable disc: in the block after the volume descriptor set
/// terminator, covering blocks 0 up to it, pointing at `session_start`
/// (checksums.md §1, §11.1 step 4). Every later block of the head is zero,
/// so no stale tag of an earlier head survives. Returns the tag's LBA, or
/// `None` when the head has no terminator with room after it.
pub fn put_relocated_tag(head: &mut [u8], session_start: u32) -> Option<u32> {
    let blocks = (head.len() / BLOCK_SIZE).min(HEAD_BLOCKS);
    let terminator = (16..blocks).find(|&b| {
        let block = &head[b * BLOCK_SIZE..(b + 1) * BLOCK_SIZE];
        block[0] == 255 && &block[1..6] == iso9660::STANDARD_IDENTIFIER
    })?;
    // After a UDF bridge's recognition sequence, which must follow the
    // terminator directly (udf.md §1.4).
    let mut pos = terminator + 1;
    while pos < blocks
        && matches!(
            udf::vrs::Vsd::identify(&head[pos * BLOCK_SIZE..(pos + 1) * BLOCK_SIZE]),
            Some(
                udf::vrs::Vsd::Bea01
                    | udf::vrs::Vsd::Nsr02
                    | udf::vrs::Vsd::Nsr03
                    | udf::vrs::Vsd::Tea01
            )
        )
    {
        pos += 1;
    }
    if pos >= blocks {
        return None;
    }
    head[pos * BLOCK_SIZE..blocks * BLOCK_SIZE].fill(0);
    let md5: [u8; 16] = Md5::digest(&head[..pos * BLOCK_SIZE]).into();
    let tag = Md5Tag {
        kind: TagKind::Relocated,
        pos: pos as u32,
        range_start: 0,
        range_size: pos as u32,
        extra: session_start,
        md5,
    };
    tag.emit(&mut head[pos * BLOCK_SIZE..(pos + 1) * BLOCK_SIZE]);
    Some(pos as u32)
}

/// Checks the relocated superblock tag of `head`, the 32 blocks at LBA 0 of
/// an image file or an overwritable disc whose newest session starts at
/// `newest_start` (checksums.md §1, §9.1): the first tag of that kind in
/// blocks 16–31, against the MD5 of blocks 0 up to it, its place and its
/// `session_start=`. A tag that names another session (the head of an older
/// one, left by a crash or by growisofs) is `Damaged`, as is one whose text
/// is. `None` when the head holds no such tag (`--no-checksums`, other
/// producers).
pub fn check_relocated_tag(head: &[u8], newest_start: u64) -> Option<check::TagCheck> {
    let blocks = (head.len() / BLOCK_SIZE).min(HEAD_BLOCKS);
    (16..blocks).find_map(|lba| {
        let block = &head[lba * BLOCK_SIZE..(lba + 1) * BLOCK_SIZE];
        let outcome = match Md5Tag::parse(block) {
            Ok(Some(tag)) if tag.kind == TagKind::Relocated => {
                let placed = tag.pos as usize == lba
                    && tag.range_start == 0
                    && tag.range_size as usize == lba
                    && u64::from(tag.extra) == newest_start;
                let md5: [u8; 16] = Md5::digest(&head[..lba * BLOCK_SIZE]).into();
                if !placed {
                    check::TagOutcome::Damaged
                } else if md5 == tag.md5 {
                    check::TagOutcome::Match
                } else {
                    check::TagOutcome::Mismatch
                }
            }
            Err(iso9660::md5tag::TagError::Damaged {
                kind: TagKind::Relocated,
                ..
            }) => check::TagOutcome::Damaged,
            _ => return None,
        };
        Some(check::TagCheck {
            kind: TagKind::Relocated,
            lba: lba as u64,
            range_start: 0,
            range_blocks: lba as u64,
            outcome,
        })
    })
}

#[cfg(test)]
mod relocated_tests {
    use super::check::TagOutcome;
    use super::*;

    /// A head with a primary descriptor at 16 and a terminator at 17.
    fn head() -> Vec<u8> {
        let mut head = vec![0u8; HEAD_BLOCKS * BLOCK_SIZE];
        head[16 * BLOCK_SIZE] = 1;
        head[16 * BLOCK_SIZE + 1..16 * BLOCK_SIZE + 6].copy_from_slice(b"CD001");
        head[17 * BLOCK_SIZE] = 255;
        head[17 * BLOCK_SIZE + 1..17 * BLOCK_SIZE + 6].copy_from_slice(b"CD001");
        head
    }

    #[test]
    fn the_relocated_tag_is_checked_against_the_head_and_the_newest_session() {
        let mut head = head();
        assert_eq!(check_relocated_tag(&head, 96), None);
        assert_eq!(put_relocated_tag(&mut head, 96), Some(18));
        let check = check_relocated_tag(&head, 96).unwrap();
        assert_eq!((check.lba, check.range_blocks), (18, 18));
        assert_eq!(check.outcome, TagOutcome::Match);
        // The head of another session.
        assert_eq!(
            check_relocated_tag(&head, 128).unwrap().outcome,
            TagOutcome::Damaged
        );
        // A byte of the primary descriptor's copy changed.
        head[16 * BLOCK_SIZE + 1000] ^= 1;
        assert_eq!(
            check_relocated_tag(&head, 96).unwrap().outcome,
            TagOutcome::Mismatch
        );
        // The tag's own text changed.
        head[16 * BLOCK_SIZE + 1000] ^= 1;
        let tag = &mut head[18 * BLOCK_SIZE..19 * BLOCK_SIZE];
        let digit = tag.windows(4).position(|w| w == b"md5=").unwrap() + 4;
        tag[digit] = if tag[digit] == b'0' { b'1' } else { b'0' };
        assert_eq!(
            check_relocated_tag(&head, 96).unwrap().outcome,
            TagOutcome::Damaged
        );
    }
}
