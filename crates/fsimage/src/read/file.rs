//! Streaming a file's data over all its extents, in bounded pieces.

use std::io;

use super::{Extent, FileKind, Node, ReadError, Result, Volume, BLOCK};
use crate::source::SectorSource;

/// Blocks read per request.
const CHUNK_BLOCKS: u64 = 32;

/// Reads a regular file's data, extent after extent. Memory use is one
/// 64 KiB buffer whatever the file's size.
pub struct FileReader<'v, S> {
    volume: &'v mut Volume<S>,
    extents: Vec<Extent>,
    path: String,
    /// Extent being read, and bytes of it already buffered.
    index: usize,
    done_in_extent: u64,
    buf: Vec<u8>,
    buf_pos: usize,
    buf_len: usize,
    /// Total bytes the file holds.
    size: u64,
}

pub(super) fn open<'v, S: SectorSource>(
    volume: &'v mut Volume<S>,
    node: &Node,
) -> Result<FileReader<'v, S>> {
    let path = node.name_lossy();
    if node.stat.kind != FileKind::File {
        return Err(ReadError::NotAFile { path });
    }
    if let Some((unit, gap)) = node.interleave {
        return Err(ReadError::Unsupported {
            path,
            what: format!("interleaved file (unit size {unit}, gap {gap})"),
        });
    }
    if node.extents.len() > volume.limits.max_extents_per_file {
        return Err(ReadError::Limit {
            path,
            what: "extents of one file",
            limit: volume.limits.max_extents_per_file as u64,
        });
    }
    if let Some(data) = &node.embedded {
        return Ok(FileReader {
            volume,
            extents: Vec::new(),
            path,
            index: 0,
            done_in_extent: 0,
            buf: data.clone(),
            buf_pos: 0,
            buf_len: data.len(),
            size: data.len() as u64,
        });
    }
    let mut size: u64 = 0;
    for extent in &node.extents {
        if extent.len > 0 {
            volume.check_extent(extent.lba, extent.len, &path)?;
        }
        size = size.saturating_add(extent.len);
    }
    // The pieces of one file cannot add up to more than the image holds.
    let image_bytes = volume.image_blocks.saturating_mul(BLOCK);
    if size > image_bytes {
        return Err(ReadError::Corrupt {
            path,
            what: "file size",
            lba: node.extents.first().map_or(0, |e| e.lba),
            reason: format!(
                "{size} bytes in extents, more than the whole image ({image_bytes} bytes)"
            ),
        });
    }
    Ok(FileReader {
        volume,
        extents: node.extents.clone(),
        path,
        index: 0,
        done_in_extent: 0,
        buf: Vec::new(),
        buf_pos: 0,
        buf_len: 0,
        size,
    })
}

impl<S: SectorSource> FileReader<'_, S> {
    /// The file's size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    fn refill(&mut self) -> io::Result<bool> {
        loop {
            let Some(extent) = self.extents.get(self.index).copied() else {
                return Ok(false);
            };
            let remaining = extent.len - self.done_in_extent;
            if remaining == 0 {
                self.index += 1;
                self.done_in_extent = 0;
                continue;
            }
            // `done_in_extent` is a whole number of blocks here: every refill but
            // the last of an extent consumes whole blocks.
            let lba = extent.lba + self.done_in_extent / BLOCK;
            let blocks = remaining.div_ceil(BLOCK).min(CHUNK_BLOCKS);
            let want = (blocks * BLOCK) as usize;
            if self.buf.len() < want {
                self.buf.resize(want, 0);
            }
            read_file_blocks(self.volume, &self.path, lba, &mut self.buf[..want])?;
            let valid = remaining.min(blocks * BLOCK);
            self.done_in_extent += valid;
            self.buf_pos = 0;
            self.buf_len = valid as usize;
            return Ok(true);
        }
    }
}

/// Reads `buf.len()` bytes of file data from `lba`; a failure names the file and the LBA.
fn read_file_blocks<S: SectorSource>(
    volume: &mut Volume<S>,
    path: &str,
    lba: u64,
    buf: &mut [u8],
) -> io::Result<()> {
    volume.source.read_blocks(lba, buf).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("{path}: cannot read data at LBA {lba}: {e}"),
        )
    })
}

impl<S: SectorSource> FileReader<'_, S> {
    /// Reads whole blocks of the current extent directly into `out` (at most
    /// 256 blocks) when `out` holds at least one block; `None` when the bounce
    /// buffer must be used (a partial last block, or a small `out`).
    fn read_direct(&mut self, out: &mut [u8]) -> io::Result<Option<usize>> {
        const MAX_DIRECT_BLOCKS: u64 = 256;
        let Some(extent) = self.extents.get(self.index).copied() else {
            return Ok(None);
        };
        let remaining = extent.len - self.done_in_extent;
        let blocks = (remaining / BLOCK)
            .min(out.len() as u64 / BLOCK)
            .min(MAX_DIRECT_BLOCKS);
        if blocks == 0 {
            return Ok(None);
        }
        let lba = extent.lba + self.done_in_extent / BLOCK;
        let n = (blocks * BLOCK) as usize;
        read_file_blocks(self.volume, &self.path, lba, &mut out[..n])?;
        self.done_in_extent += blocks * BLOCK;
        Ok(Some(n))
    }
}

impl<S: SectorSource> io::Read for FileReader<'_, S> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        if self.buf_pos >= self.buf_len {
            // Whole blocks go straight into the caller's buffer when it can take them.
            if let Some(n) = self.read_direct(out)? {
                return Ok(n);
            }
            if !self.refill()? {
                return Ok(0);
            }
        }
        let n = out.len().min(self.buf_len - self.buf_pos);
        out[..n].copy_from_slice(&self.buf[self.buf_pos..self.buf_pos + n]);
        self.buf_pos += n;
        Ok(n)
    }
}
