//! Streaming a file's data over all its extents, in bounded pieces (inflated
//! when the file is zisofs-compressed, [`super::zisofs`]).

use std::io;

use super::zisofs::Inflater;
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
    /// Total bytes the file holds (uncompressed).
    size: u64,
    /// Set for a zisofs-compressed file: reads go through it.
    inflater: Option<Box<Inflater>>,
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
            inflater: None,
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
    let inflater = match &node.zisofs {
        Some(zf) => {
            size = zf.size;
            Some(Box::new(Inflater::open(
                &mut volume.source,
                zf,
                &node.extents,
                &path,
            )?))
        }
        None => None,
    };
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
        inflater,
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
        if let Some(inflater) = self.inflater.as_mut() {
            return inflater.read(&mut self.volume.source, out);
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

/// A piece of a file being salvaged: bytes read, or bytes that could not be.
pub(super) enum Piece<'a> {
    Data(&'a [u8]),
    Missing(u64),
}

/// What [`salvage`] could not read of a file.
pub(super) struct Salvaged {
    /// Bytes written as [`Piece::Missing`].
    pub missing: u64,
    /// Why the first missing piece was missing.
    pub reason: Option<String>,
}

/// Why [`salvage`] stopped: the file cannot be salvaged at all, or `sink` failed.
pub(super) enum SalvageError {
    Unreadable(ReadError),
    Write(io::Error),
}

/// Blocks read at once while salvaging (retried one by one on an error).
const SALVAGE_BLOCKS: u64 = 256;

/// Reads a regular file's data as far as it can be read (`extract
/// --salvage`): blocks past the end of the image (a truncated file) and
/// blocks the source fails to read come as [`Piece::Missing`], the rest as
/// [`Piece::Data`], in order. A file bigger than the volume claims to be is
/// still refused: the pieces, missing ones too, never add up to more than
/// the larger of the image and the session's recorded volume space.
pub(super) fn salvage<S: SectorSource>(
    volume: &mut Volume<S>,
    node: &Node,
    buf: &mut Vec<u8>,
    sink: &mut dyn FnMut(Piece<'_>) -> io::Result<()>,
) -> std::result::Result<Salvaged, SalvageError> {
    let path = node.name_lossy();
    if node.embedded.is_some() || node.interleave.is_some() || node.zisofs.is_some() {
        // Data that is not a plain run of blocks (embedded, interleaved,
        // zisofs-compressed): the ordinary reader, in bounded pieces; what
        // it cannot read from the first failure on is missing.
        let mut reader = open(volume, node).map_err(SalvageError::Unreadable)?;
        let size = reader.size();
        let mut done = 0u64;
        if buf.len() < 64 << 10 {
            buf.resize(64 << 10, 0);
        }
        loop {
            match io::Read::read(&mut reader, buf) {
                Ok(0) => break,
                Ok(n) => {
                    done += n as u64;
                    sink(Piece::Data(&buf[..n])).map_err(SalvageError::Write)?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let missing = size.saturating_sub(done);
                    sink(Piece::Missing(missing)).map_err(SalvageError::Write)?;
                    return Ok(Salvaged {
                        missing,
                        reason: Some(e.to_string()),
                    });
                }
            }
        }
        return Ok(Salvaged {
            missing: 0,
            reason: None,
        });
    }
    if node.extents.len() > volume.limits.max_extents_per_file {
        return Err(SalvageError::Unreadable(ReadError::Limit {
            path,
            what: "extents of one file",
            limit: volume.limits.max_extents_per_file as u64,
        }));
    }
    let image_blocks = volume.image_blocks;
    let volume_end = volume
        .info
        .session_start
        .saturating_add(u64::from(volume.info.volume_space_size));
    let bound = image_blocks.max(volume_end).saturating_mul(BLOCK);
    let size = node
        .extents
        .iter()
        .fold(0u64, |sum, e| sum.saturating_add(e.len));
    if size > bound {
        return Err(SalvageError::Unreadable(ReadError::Corrupt {
            path,
            what: "file size",
            lba: node.extents.first().map_or(0, |e| e.lba),
            reason: format!("{size} bytes in extents, more than the volume ({bound} bytes)"),
        }));
    }
    let mut salvaged = Salvaged {
        missing: 0,
        reason: None,
    };
    let missing = |salvaged: &mut Salvaged, bytes: u64, reason: String| {
        salvaged.missing += bytes;
        salvaged.reason.get_or_insert(reason);
        Piece::Missing(bytes)
    };
    for extent in node.extents.clone() {
        let mut done = 0u64;
        while done < extent.len {
            let lba = extent.lba.saturating_add(done / BLOCK);
            let bytes = (extent.len - done).min(SALVAGE_BLOCKS * BLOCK);
            done += bytes;
            if lba >= image_blocks {
                let reason = format!(
                    "its data from LBA {lba} on lies past the end of the image ({image_blocks} blocks)"
                );
                sink(missing(&mut salvaged, bytes, reason)).map_err(SalvageError::Write)?;
                continue;
            }
            let blocks = bytes.div_ceil(BLOCK).min(image_blocks - lba);
            let present = bytes.min(blocks * BLOCK);
            let len = (blocks * BLOCK) as usize;
            if buf.len() < len {
                buf.resize(len, 0);
            }
            if volume.source.read_blocks(lba, &mut buf[..len]).is_ok() {
                sink(Piece::Data(&buf[..present as usize])).map_err(SalvageError::Write)?;
            } else {
                // Block by block: keep every block that can be read.
                for i in 0..blocks {
                    let piece = (present - i * BLOCK).min(BLOCK);
                    let block = &mut buf[..BLOCK as usize];
                    match volume.source.read_blocks(lba + i, block) {
                        Ok(()) => sink(Piece::Data(&block[..piece as usize]))
                            .map_err(SalvageError::Write)?,
                        Err(e) => {
                            let reason = format!("cannot read LBA {}: {e}", lba + i);
                            sink(missing(&mut salvaged, piece, reason))
                                .map_err(SalvageError::Write)?;
                        }
                    }
                }
            }
            if present < bytes {
                let reason = format!(
                    "its data from LBA {} on lies past the end of the image ({image_blocks} blocks)",
                    lba + blocks
                );
                sink(missing(&mut salvaged, bytes - present, reason))
                    .map_err(SalvageError::Write)?;
            }
        }
    }
    Ok(salvaged)
}
