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
