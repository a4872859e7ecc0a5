//! Reading zisofs-compressed files (a Rock Ridge ZF or Z2 entry; format in
//! [`iso9660::zisofs`]) as Linux `fs/isofs/compress.c` does, and zisofs2 as
//! xorriso does: block after block, each inflated with zlib into at most one
//! block of output.
//!
//! Hostile data costs bounded memory and time: the block size must be one the
//! format allows (32 to 128 KiB; zisofs2 up to 1 MiB, as xorriso writes); the pointer table must fit in the file's
//! data, which bounds the number of blocks and so the uncompressed size; a
//! compressed block longer than zlib can make of one block (Linux's
//! `deflateBound`), pointers out of order or outside the data, a block that
//! inflates to more or less than its size (a zlib bomb, or a short one), and
//! sizes in the ZF entry and the header that disagree are per-file errors.
//! Pointers are read a chunk at a time, never as a whole table.

use std::io;

use flate2::{Decompress, FlushDecompress, Status};
use iso9660::zisofs::{deflate_bound, FileHeader, Format, ZfEntry, ALGORITHMS_V2};

use super::{Extent, ReadError, Result, BLOCK};
use crate::source::SectorSource;

/// Pointers read at once.
const POINTER_CHUNK: u64 = 256;

/// The state of one compressed file being read.
pub(super) struct Inflater {
    raw: RawData,
    format: Format,
    block_size: u64,
    /// Uncompressed size.
    size: u64,
    blocks: u64,
    /// Byte offset of the pointer table, and of the first byte after it.
    table_start: u64,
    data_start: u64,
    next_block: u64,
    /// Pointers `pointers_first..pointers_first + pointers.len()`.
    pointers_first: u64,
    pointers: Vec<u64>,
    /// The current block, inflated.
    out: Vec<u8>,
    out_pos: usize,
    compressed: Vec<u8>,
    zlib: Decompress,
}

/// Random access to a file's recorded bytes, over all its extents.
struct RawData {
    extents: Vec<Extent>,
    len: u64,
    scratch: Vec<u8>,
}

impl RawData {
    /// Fills `out` with the recorded bytes at `offset` (the caller checked
    /// that they lie within [`RawData::len`]).
    fn read_at<S: SectorSource + ?Sized>(
        &mut self,
        source: &mut S,
        mut offset: u64,
        out: &mut [u8],
    ) -> io::Result<()> {
        let mut done = 0usize;
        for extent in &self.extents {
            if done == out.len() {
                break;
            }
            if offset >= extent.len {
                offset -= extent.len;
                continue;
            }
            let take = (extent.len - offset).min((out.len() - done) as u64);
            let first = offset / BLOCK;
            let skip = (offset % BLOCK) as usize;
            let blocks = (skip as u64 + take).div_ceil(BLOCK);
            let lba = extent.lba + first;
            self.scratch.resize((blocks * BLOCK) as usize, 0);
            source.read_blocks(lba, &mut self.scratch).map_err(|e| {
                io::Error::new(e.kind(), format!("cannot read data at LBA {lba}: {e}"))
            })?;
            out[done..done + take as usize]
                .copy_from_slice(&self.scratch[skip..skip + take as usize]);
            done += take as usize;
            offset = 0;
        }
        if done < out.len() {
            return Err(invalid("zisofs data ends early".into()));
        }
        Ok(())
    }
}

fn invalid(reason: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, reason)
}

impl Inflater {
    /// Checks the ZF entry against the file's header and data; `path` names
    /// the file in errors.
    pub(super) fn open<S: SectorSource + ?Sized>(
        source: &mut S,
        zf: &ZfEntry,
        extents: &[Extent],
        path: &str,
    ) -> Result<Inflater> {
        let lba = extents.first().map_or(0, |e| e.lba);
        let corrupt = |reason: String| ReadError::Corrupt {
            path: path.to_string(),
            what: "zisofs data",
            lba,
            reason,
        };
        let format = zf.format();
        if format == Format::V2 && zf.algorithm != ALGORITHMS_V2[0].1 {
            return Err(ReadError::Unsupported {
                path: path.to_string(),
                what: format!(
                    "zisofs2 compression {:?} (only zlib, PZ, is read)",
                    String::from_utf8_lossy(&zf.algorithm)
                ),
            });
        }
        let (min, max) = (format.block_log2_min(), format.block_log2_max());
        if !(min..=max).contains(&zf.block_log2) {
            return Err(corrupt(format!(
                "block size 2^{} ({} allows 2^{min} to 2^{max})",
                zf.block_log2,
                name(format)
            )));
        }
        let raw_len = extents.iter().fold(0u64, |n, e| n.saturating_add(e.len));
        let mut raw = RawData {
            extents: extents.to_vec(),
            len: raw_len,
            scratch: Vec::new(),
        };
        let header_len = format.header_len();
        if raw_len < header_len {
            return Err(corrupt(format!(
                "{raw_len} bytes of data, shorter than the {header_len}-byte header"
            )));
        }
        let mut header = [0u8; 24];
        raw.read_at(source, 0, &mut header[..header_len as usize])
            .map_err(|e| corrupt(e.to_string()))?;
        let hdr = FileHeader::parse(&header[..header_len as usize])
            .map_err(|e| corrupt(e.to_string()))?;
        if hdr.format != format {
            return Err(corrupt(format!(
                "the ZF entry says {}, the data header {}",
                name(format),
                name(hdr.format)
            )));
        }
        if hdr.size != zf.size {
            return Err(corrupt(format!(
                "uncompressed sizes do not add up: {} bytes in the ZF entry, {} in the header",
                zf.size, hdr.size
            )));
        }
        if hdr.block_log2 != zf.block_log2 || hdr.header_words != zf.header_words {
            return Err(corrupt(format!(
                "the ZF entry (header {} words, block 2^{}) and the header ({} words, block 2^{}) disagree",
                zf.header_words, zf.block_log2, hdr.header_words, hdr.block_log2
            )));
        }
        if format == Format::V2 && hdr.algorithm_id != ALGORITHMS_V2[0].0 {
            return Err(corrupt(format!(
                "the header names algorithm {}, the ZF entry zlib",
                hdr.algorithm_id
            )));
        }
        let table_start = u64::from(hdr.header_words) * 4;
        if table_start < header_len {
            return Err(corrupt(format!(
                "header size {table_start} is less than the {header_len} bytes of the header"
            )));
        }
        let block_size = 1u64 << zf.block_log2;
        let blocks = zf.size.div_ceil(block_size);
        // The table must fit in the data: this bounds `blocks`, hence the size.
        let data_start = (blocks + 1)
            .checked_mul(format.pointer_len())
            .and_then(|n| n.checked_add(table_start))
            .filter(|&end| end <= raw_len)
            .ok_or_else(|| {
                corrupt(format!(
                    "{} block pointers for {} bytes do not fit in the {raw_len} bytes of data",
                    blocks.saturating_add(1),
                    zf.size
                ))
            })?;
        Ok(Inflater {
            raw,
            format,
            block_size,
            size: zf.size,
            blocks,
            table_start,
            data_start,
            next_block: 0,
            pointers_first: 0,
            pointers: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
            compressed: Vec::new(),
            zlib: Decompress::new(true),
        })
    }

    /// Pointer `i` (0..=blocks).
    fn pointer<S: SectorSource + ?Sized>(&mut self, source: &mut S, i: u64) -> io::Result<u64> {
        let cached = i
            .checked_sub(self.pointers_first)
            .filter(|&k| k < self.pointers.len() as u64);
        if let Some(k) = cached {
            return Ok(self.pointers[k as usize]);
        }
        let count = POINTER_CHUNK.min(self.blocks + 1 - i);
        let len = self.format.pointer_len();
        let mut bytes = vec![0u8; (count * len) as usize];
        self.raw
            .read_at(source, self.table_start + i * len, &mut bytes)?;
        self.pointers = bytes
            .chunks_exact(len as usize)
            .map(|c| {
                let mut le = [0u8; 8];
                le[..c.len()].copy_from_slice(c);
                u64::from_le_bytes(le)
            })
            .collect();
        self.pointers_first = i;
        Ok(self.pointers[0])
    }

    /// Inflates block `i` into `self.out`.
    fn load_block<S: SectorSource + ?Sized>(&mut self, source: &mut S, i: u64) -> io::Result<()> {
        let (blocks, block_size) = (self.blocks, self.block_size);
        let at = |reason: String| {
            invalid(format!(
                "zisofs block {} of {blocks} ({block_size} bytes each): {reason}",
                i + 1
            ))
        };
        let start = self.pointer(source, i)?;
        let end = self.pointer(source, i + 1)?;
        let expected = self.block_size.min(self.size - i * self.block_size) as usize;
        if start > end {
            return Err(at(format!(
                "block pointers out of order (starts at byte {start}, ends at {end})"
            )));
        }
        if start < self.data_start || end > self.raw.len {
            return Err(at(format!(
                "bytes {start}..{end} lie outside the compressed data (bytes {}..{})",
                self.data_start, self.raw.len
            )));
        }
        let len = end - start;
        if len > deflate_bound(self.block_size) {
            return Err(at(format!(
                "{len} compressed bytes, more than zlib makes of {} bytes",
                self.block_size
            )));
        }
        self.out.clear();
        self.out.resize(expected, 0);
        self.out_pos = 0;
        if len == 0 {
            return Ok(()); // a block of zero bytes
        }
        self.compressed.resize(len as usize, 0);
        self.raw.read_at(source, start, &mut self.compressed)?;
        let produced = inflate(&mut self.zlib, &self.compressed, &mut self.out)
            .map_err(|e| at(format!("zlib: {e}")))?;
        if produced > expected {
            return Err(at(format!("inflates to more than its {expected} bytes")));
        }
        if produced < expected {
            return Err(at(format!(
                "inflates to {produced} bytes instead of {expected}"
            )));
        }
        Ok(())
    }

    pub(super) fn read<S: SectorSource + ?Sized>(
        &mut self,
        source: &mut S,
        out: &mut [u8],
    ) -> io::Result<usize> {
        if self.out_pos == self.out.len() {
            if self.next_block >= self.blocks {
                return Ok(0);
            }
            self.load_block(source, self.next_block)?;
            self.next_block += 1;
        }
        let n = out.len().min(self.out.len() - self.out_pos);
        out[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

/// The data of a zisofs-compressed file, inflated block after block, read
/// straight from the blocks of `source` it is recorded in (what
/// [`super::FileReader`] does for a file of a [`super::Volume`]; here for a
/// file known by its extents and ZF entry, as an imported tree holds it).
/// Hostile data is a per-file error with bounded memory, as there.
pub struct Inflated<'s, S: ?Sized> {
    source: &'s mut S,
    inflater: Inflater,
}

impl<'s, S: SectorSource + ?Sized> Inflated<'s, S> {
    /// Checks `zf` against the file's header and data; `path` names the
    /// file in errors.
    pub fn open(
        source: &'s mut S,
        zf: &ZfEntry,
        extents: &[Extent],
        path: &str,
    ) -> Result<Inflated<'s, S>> {
        let inflater = Inflater::open(source, zf, extents, path)?;
        Ok(Inflated { source, inflater })
    }

    /// The uncompressed size.
    pub fn size(&self) -> u64 {
        self.inflater.size
    }
}

impl<S: SectorSource + ?Sized> io::Read for Inflated<'_, S> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.inflater.read(self.source, out)
    }
}

fn name(format: Format) -> &'static str {
    match format {
        Format::V1 => "zisofs",
        Format::V2 => "zisofs2",
    }
}

/// Inflates one zlib stream into `out`; returns the bytes it makes, or
/// `out.len() + 1` when it would make more than `out` holds (never more
/// memory than `out`).
fn inflate(zlib: &mut Decompress, input: &[u8], out: &mut [u8]) -> Result<usize, String> {
    zlib.reset(true);
    loop {
        let (in_at, out_at) = (zlib.total_in() as usize, zlib.total_out() as usize);
        let status = zlib
            .decompress(&input[in_at..], &mut out[out_at..], FlushDecompress::None)
            .map_err(|e| e.to_string())?;
        let produced = zlib.total_out() as usize;
        if status == Status::StreamEnd {
            return Ok(produced);
        }
        if produced == out.len() {
            // Full: a stream that still has output is longer than its block.
            let mut probe = [0u8; 1];
            let rest = zlib.total_in() as usize;
            zlib.decompress(&input[rest..], &mut probe, FlushDecompress::None)
                .map_err(|e| e.to_string())?;
            if zlib.total_out() as usize > produced {
                return Ok(out.len() + 1);
            }
            // All the output came (Linux does not ask for the stream's end either).
            return Ok(produced);
        }
        if zlib.total_in() as usize == in_at && produced == out_at {
            return Err(if in_at == input.len() {
                "the stream ends early".to_string()
            } else {
                "the stream makes no progress".to_string()
            });
        }
    }
}
