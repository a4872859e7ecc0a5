//! The UDF anchor at block 256 of an image file (udf.md §4): image readers
//! (7-Zip, a plain `mount -t udf`, udfinfo, Windows) find UDF through it
//! alone, so it must point at the newest session's UDF volume, or be no
//! anchor when that session has no UDF. Appends rewrite it last, after the
//! superblock; `repair` puts it right after a crash between the two.

use std::io;

use fsimage::sessions::ImageLayout;

use crate::storage::Storage;

/// Block of the anchor image readers look at.
pub(crate) const ANCHOR: u64 = 256;
const BLOCK: u64 = fsimage::BLOCK_SIZE as u64;

/// Reads block `lba`; `None` past the end of the storage.
fn read_block(storage: &mut dyn Storage, lba: u64) -> io::Result<Option<Vec<u8>>> {
    let mut block = vec![0u8; BLOCK as usize];
    match storage.read_exact_at(&mut block, lba * BLOCK) {
        Ok(()) => Ok(Some(block)),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(e),
    }
}

/// A valid anchor tag at `lba` naming `lba`.
fn is_anchor_at(block: &[u8], lba: u64) -> bool {
    udf::tag::verify_as(block, udf::TagId::ANCHOR, Some(lba as u32)).is_ok()
}

/// Whether block 256 is an anchor discburn may rewrite, for an append or a
/// repair whose newest session starts at `newest_start`. It must lie before
/// that session (else it is the session's own block), and be:
/// - in a chained image (sessions from LBA 32): in the gap session 1 leaves
///   for it, which only a session 1 with UDF has (its own anchor at 32+256;
///   without UDF, block 256 holds session 1's files);
/// - in an image that starts at LBA 0 (another tool's, or UDF only): an
///   anchor already, the one its UDF volume was found through.
pub(crate) fn owns_anchor_block(
    storage: &mut dyn Storage,
    layout: ImageLayout,
    first_start: u64,
    newest_start: u64,
) -> io::Result<bool> {
    if newest_start <= ANCHOR {
        return Ok(false);
    }
    Ok(match layout {
        ImageLayout::Chained => {
            let own = first_start + ANCHOR;
            first_start < ANCHOR && read_block(storage, own)?.is_some_and(|b| is_anchor_at(&b, own))
        }
        ImageLayout::FromZero => {
            read_block(storage, ANCHOR)?.is_some_and(|b| is_anchor_at(&b, ANCHOR))
        }
    })
}

/// What block 256 should hold for the session at `start`: its own anchor
/// (at `start + 256`) stamped for block 256, or zeros when it has no UDF.
pub(crate) fn anchor_for_session(storage: &mut dyn Storage, start: u64) -> io::Result<Vec<u8>> {
    let own = start + ANCHOR;
    let mut out = vec![0u8; BLOCK as usize];
    if let Some(block) = read_block(storage, own)?.filter(|b| is_anchor_at(b, own)) {
        if let Ok(anchor) = udf::volume::AnchorPointer::parse(&block) {
            let spec = udf::tag::TagSpec {
                version: anchor.tag.version,
                serial: anchor.tag.serial,
            };
            udf::volume::AnchorPointer::emit(
                anchor.main,
                anchor.reserve,
                spec,
                ANCHOR as u32,
                &mut out,
            );
        }
    }
    Ok(out)
}

/// Block 256 as it is (`None` past the end).
pub(crate) fn current(storage: &mut dyn Storage) -> io::Result<Option<Vec<u8>>> {
    read_block(storage, ANCHOR)
}
