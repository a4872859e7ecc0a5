//! The MD5 of a file's data, wherever it lies: the one an earlier session
//! recorded (its checksum array, loaded by the import), else computed from
//! the host file or from the blocks of the medium. Reading is the slow part
//! of a comparison (`sync --content` over a large tree), so it reports the
//! blocks read as it goes and can be stopped between chunks. A
//! zisofs-compressed file of a session is inflated: its MD5 is that of the
//! data a reader sees, as a host file's is.

use std::io::Read;

use fsimage::checksums::md5::Md5;
use fsimage::read::{Extent, Inflated};
use fsimage::{Content, DataSource, MediumExtent, SectorSource, BLOCK_SIZE};
use iso9660::zisofs::ZfEntry;

use crate::error::BurnError;

/// Blocks read from the medium at a time.
const CHUNK_BLOCKS: usize = 32;

/// Bytes read from a host file at a time.
const HOST_CHUNK: usize = 1 << 16;

/// Told the bytes of one content read so far; `false` stops the reading
/// ([`BurnError::Cancelled`]).
pub(crate) type OnRead<'r> = &'r mut dyn FnMut(u64) -> bool;

/// The blocks [`md5_of`] reads to tell `content`'s MD5 (none when it is
/// recorded or cannot be told); for a zisofs-compressed file, the blocks
/// of data it inflates to.
pub(crate) fn blocks_to_read(content: &Content) -> u64 {
    if let Some(zf) = &content.zisofs {
        return match compressed_extents(content) {
            Some(_) => zf.size.div_ceil(BLOCK_SIZE as u64),
            None => 0,
        };
    }
    if content.recorded_md5.is_some() {
        return 0;
    }
    match &content.data {
        DataSource::Empty | DataSource::Bytes(_) => 0,
        data => data.size().div_ceil(BLOCK_SIZE as u64),
    }
}

/// The MD5 of `content`'s data as a reader sees it (a zisofs-compressed
/// file inflated); `Ok(None)` when it cannot be told (compressed data that
/// lies nowhere on the medium). `path` names the file in errors.
pub(crate) fn md5_of(
    content: &Content,
    medium: Option<&mut dyn SectorSource>,
    target: &str,
    path: &dyn Fn() -> String,
    on_read: OnRead<'_>,
) -> Result<Option<[u8; 16]>, BurnError> {
    // Checked first: a compressed file's recorded MD5 is that of its stored
    // (compressed) bytes, as libisofs records it, not of what it holds.
    if let Some(zf) = &content.zisofs {
        return match compressed_extents(content) {
            Some(extents) => inflated_md5(zf, &extents, medium, target, path, on_read).map(Some),
            None => Ok(None),
        };
    }
    if let Some(md5) = content.recorded_md5 {
        return Ok(Some(md5));
    }
    let mut hasher = Md5::new();
    match &content.data {
        DataSource::Empty => {}
        DataSource::Bytes(bytes) => hasher.update(bytes),
        DataSource::HostFile { path, size } => {
            let scan_error = |source| {
                BurnError::Tree(fsimage::Error::Scan {
                    path: path.clone(),
                    source,
                })
            };
            let file = std::fs::File::open(path).map_err(scan_error)?;
            let mut reader = file.take(*size);
            let mut buf = vec![0u8; HOST_CHUNK];
            if hasher
                .update_from(&mut reader, &mut buf, on_read)
                .map_err(scan_error)?
                .is_none()
            {
                return Err(BurnError::Cancelled);
            }
        }
        DataSource::Extent { lba, size } => {
            let medium = medium.ok_or_else(|| unreadable(target, u64::from(*lba)))?;
            let lba = u64::from(*lba);
            hash_extent(medium, lba, *size, 0, &mut hasher, target, on_read)?;
        }
        DataSource::Extents(pieces) => {
            let medium = medium.ok_or_else(|| unreadable(target, 0))?;
            let mut before = 0u64;
            for MediumExtent { lba, len } in pieces {
                let (lba, len) = (u64::from(*lba), u64::from(*len));
                hash_extent(medium, lba, len, before, &mut hasher, target, on_read)?;
                before += len;
            }
        }
    }
    Ok(Some(hasher.finalize().map_err(fsimage::Error::from)?))
}

/// Where a zisofs-compressed file of a session lies (`None`: not on the medium).
fn compressed_extents(content: &Content) -> Option<Vec<Extent>> {
    match &content.data {
        DataSource::Extent { lba, size } => Some(vec![Extent {
            lba: u64::from(*lba),
            len: *size,
        }]),
        DataSource::Extents(pieces) => Some(
            pieces
                .iter()
                .map(|p| Extent {
                    lba: u64::from(p.lba),
                    len: u64::from(p.len),
                })
                .collect(),
        ),
        _ => None,
    }
}

/// The MD5 of the data a zisofs-compressed file inflates to (block after
/// block, bounded memory: [`Inflated`]); `on_read` is told the inflated bytes.
fn inflated_md5(
    zf: &ZfEntry,
    extents: &[Extent],
    medium: Option<&mut dyn SectorSource>,
    target: &str,
    path: &dyn Fn() -> String,
    on_read: OnRead<'_>,
) -> Result<[u8; 16], BurnError> {
    let lba = extents.first().map_or(0, |e| e.lba);
    let medium = medium.ok_or_else(|| unreadable(target, lba))?;
    let fail = |reason: String| BurnError::Inflate {
        target: target.to_string(),
        path: path(),
        lba,
        reason,
    };
    let mut reader =
        Inflated::open(medium, zf, extents, "its data").map_err(|e| fail(e.to_string()))?;
    let mut hasher = Md5::new();
    let mut buf = vec![0u8; HOST_CHUNK];
    if hasher
        .update_from(&mut reader, &mut buf, on_read)
        .map_err(|e| fail(e.to_string()))?
        .is_none()
    {
        return Err(BurnError::Cancelled);
    }
    Ok(hasher.finalize().map_err(fsimage::Error::from)?)
}

fn unreadable(target: &str, lba: u64) -> BurnError {
    BurnError::Unreadable {
        target: target.to_string(),
        lba,
    }
}

/// Feeds `size` bytes from block `lba` on into `hasher`; `before` bytes of
/// the file came before them (for `on_read`).
fn hash_extent(
    medium: &mut dyn SectorSource,
    lba: u64,
    size: u64,
    before: u64,
    hasher: &mut Md5,
    target: &str,
    on_read: OnRead<'_>,
) -> Result<(), BurnError> {
    let mut buf = vec![0u8; CHUNK_BLOCKS * BLOCK_SIZE];
    let mut done = 0u64;
    while done < size {
        let at = lba + done / BLOCK_SIZE as u64;
        let want = (size - done).min(buf.len() as u64) as usize;
        let blocks = want.div_ceil(BLOCK_SIZE);
        medium
            .read_blocks(at, &mut buf[..blocks * BLOCK_SIZE])
            .map_err(|_| unreadable(target, at))?;
        hasher.update(&buf[..want]);
        done += want as u64;
        if !on_read(before + done) {
            return Err(BurnError::Cancelled);
        }
    }
    Ok(())
}
