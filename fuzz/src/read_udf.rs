//! The UDF fuzz target's body, shared with the stable smoke run
//! (`crates/fsimage/tests/fuzz_smoke.rs`). Descriptor tags carry a checksum
//! and a CRC, so nearly every mutated descriptor is refused at its tag: byte 1
//! of the input (system area, ignored by readers) asks for every tag to be
//! sealed again after the mutation, so the fields behind the tags are
//! exercised too. Then the image goes through [`read_image`] in the UDF tree.

use super::read_image::read_image;

const BLOCK: usize = 2048;

/// Recomputes the CRC (over its recorded CRC length, clamped to the block)
/// and the checksum of the tag at `at`, if one seems to start there.
/// Returns the descriptor's length when it is a file identifier descriptor.
fn reseal(block: &mut [u8], at: usize) -> Option<usize> {
    let tag = block.get(at..at + 16)?;
    let id = u16::from_le_bytes([tag[0], tag[1]]);
    if !(matches!(id, 1..=9 | 0x100..=0x10A) && tag[5] == 0) {
        return None;
    }
    let crc_len = usize::from(u16::from_le_bytes([tag[10], tag[11]])).min(block.len() - at - 16);
    let crc = udf::tag::crc16(&block[at + 16..at + 16 + crc_len]);
    block[at + 8..at + 10].copy_from_slice(&crc.to_le_bytes());
    block[at + 4] = udf::tag::checksum(&block[at..at + 16]);
    if id != 0x101 {
        return None;
    }
    // A FID: 38 fixed bytes, L_IU at 36, L_FI at 19, padded to 4 (ECMA-167 4/14.4).
    let fid = block.get(at..at + 38)?;
    let len = 38 + usize::from(u16::from_le_bytes([fid[36], fid[37]])) + usize::from(fid[19]);
    Some(len.div_ceil(4) * 4)
}

/// Seals every tag found again: one at the start of each block, and the
/// FIDs that follow a FID in the same block.
pub fn reseal_tags(data: &mut [u8]) {
    for block in data.chunks_mut(BLOCK) {
        let mut at = 0;
        while let Some(len) = reseal(block, at) {
            at += len;
            if at + 16 > block.len() {
                break;
            }
        }
    }
}

/// Any bytes as a UDF image (byte 1 odd: tags sealed again first).
pub fn read_udf(data: &[u8]) {
    let mut data = data.to_vec();
    if data.len() < 2 {
        return;
    }
    if data[1] & 1 == 1 {
        reseal_tags(&mut data);
    }
    data[0] = 3; // read_image: the UDF tree
    read_image(&data);
}
