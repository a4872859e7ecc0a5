//! zisofs compression of a tree's host files ahead of layout (`burn --zisofs`).
//!
//! Each regular file read from the host is compressed into a spool file (the
//! format: [`iso9660::zisofs`]: a 16-byte header, `ceil(size / 32 KiB) + 1`
//! little-endian block pointers, one zlib stream per 32 KiB block, an all-zero
//! block as a zero-length one, as `mkzftree` writes it). Where the compressed
//! form takes fewer 2 KiB blocks than the file, the content points at the spool
//! file and carries a ZF entry (the layout records it in Rock Ridge); elsewhere
//! the spool file is dropped and the file stays as it is. Files of earlier
//! sessions are never touched: they are referenced as they are.
//!
//! The spool file is what gets written (and hashed for the MD5 array: libisofs
//! checksums a zisofs file's stored bytes too), so the source is read once here
//! and not again.

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use flate2::write::ZlibEncoder;
use flate2::Compression;
use iso9660::zisofs::{FileHeader, Format, ZfEntry, ALGORITHM_V1};

use crate::error::Error;
use crate::stream::{open_source, read_retrying};
use crate::tree::{ContentId, DataSource, NodeKind, Tree};
use crate::BLOCK_SIZE;

/// log2 of the zisofs block size written: 32 KiB, the default of `mkzftree`
/// and `xorriso -zisofs` (Linux reads blocks up to 2^17).
pub const BLOCK_LOG2: u8 = 15;

/// Files larger than this stay uncompressed: zisofs (version 1, the one the
/// kernel reads) has 4-byte sizes and pointers.
const MAX_SIZE: u64 = u32::MAX as u64;

/// What [`compress_tree`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Host files looked at (regular files of more than one block).
    pub considered: u64,
    /// Files recorded compressed.
    pub compressed: u64,
    /// 2 KiB blocks the compressed files take as they were, and compressed.
    pub blocks_before: u64,
    pub blocks_after: u64,
}

impl Summary {
    /// Blocks the session is smaller by.
    pub fn blocks_saved(&self) -> u64 {
        self.blocks_before - self.blocks_after
    }
}

/// Compresses every host file reachable in `tree` whose zisofs form saves
/// blocks, into files under `spool` (an empty directory that must outlive
/// the image stream); `progress(done, total)` is called after each file.
pub fn compress_tree(
    tree: &mut Tree,
    spool: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Summary, Error> {
    let candidates = host_contents(tree);
    let total = candidates.len() as u64;
    let mut summary = Summary::default();
    for (done, (content, path, size)) in candidates.into_iter().enumerate() {
        summary.considered += 1;
        let spooled = spool.join(content.index().to_string());
        // Worth it only when the compressed form ends at least a block sooner.
        let limit = (blocks(size) - 1) * BLOCK_SIZE as u64;
        match compress_host_file(&path, size, &spooled, limit)? {
            Some(len) => {
                summary.compressed += 1;
                summary.blocks_before += blocks(size);
                summary.blocks_after += blocks(len);
                tree.set_content_data(
                    content,
                    DataSource::HostFile {
                        path: spooled,
                        size: len,
                    },
                );
                tree.set_content_zisofs(content, zf_entry(size));
            }
            None => {
                std::fs::remove_file(&spooled).ok();
            }
        }
        progress(done as u64 + 1, total);
    }
    Ok(summary)
}

/// The ZF entry of a file of `size` bytes compressed by this module.
pub fn zf_entry(size: u64) -> ZfEntry {
    ZfEntry {
        signature: *b"ZF",
        version: 1,
        algorithm: ALGORITHM_V1,
        header_words: (Format::V1.header_len() / 4) as u8,
        block_log2: BLOCK_LOG2,
        size,
    }
}

fn blocks(bytes: u64) -> u64 {
    bytes.div_ceil(BLOCK_SIZE as u64)
}

/// The host-file contents reachable from the root, each once (hard links
/// share one), that could save a block: more than one block, under 4 GiB.
fn host_contents(tree: &Tree) -> Vec<(ContentId, PathBuf, u64)> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut dirs = vec![tree.root()];
    while let Some(dir) = dirs.pop() {
        for (_, id) in tree.children(dir) {
            match &tree.node(id).kind {
                NodeKind::Directory(_) => dirs.push(id),
                NodeKind::File { content } => {
                    let c = tree.content(*content);
                    if let (DataSource::HostFile { path, size }, None) = (&c.data, c.zisofs) {
                        if *size > BLOCK_SIZE as u64 && *size <= MAX_SIZE && seen.insert(*content) {
                            out.push((*content, path.clone(), *size));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out.sort_by_key(|(c, _, _)| *c);
    out
}

/// Compresses the `size` bytes of host file `path` into `spooled`; gives the
/// compressed length, or `None` once it passes `limit` bytes (no saving).
fn compress_host_file(
    path: &Path,
    size: u64,
    spooled: &Path,
    limit: u64,
) -> Result<Option<u64>, Error> {
    let mut input = open_source(path).map_err(|source| Error::SourceVanished {
        path: path.to_path_buf(),
        source,
    })?;
    let spool_error = |source: std::io::Error| Error::Layout {
        reason: format!(
            "cannot write the zisofs spool file {}: {source}",
            spooled.display()
        ),
    };
    let out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(spooled)
        .map_err(spool_error)?;
    let mut out = std::io::BufWriter::with_capacity(256 << 10, out);
    let mut read = |buf: &mut [u8]| -> Result<(), Error> {
        let mut at = 0;
        while at < buf.len() {
            let n = read_retrying(&mut input, &mut buf[at..], path)?;
            if n == 0 {
                return Err(Error::SourceChanged {
                    path: path.to_path_buf(),
                    expected: size,
                    found: at as u64,
                });
            }
            at += n;
        }
        Ok(())
    };
    match compress(&mut read, size, BLOCK_LOG2, &mut out, limit) {
        Ok(Some(len)) => {
            // The file must end where the scan said it does.
            let mut probe = [0u8; 1];
            if read_retrying(&mut input, &mut probe, path)? != 0 {
                let found = input.metadata().map_or(size + 1, |m| m.len().max(size + 1));
                return Err(Error::SourceChanged {
                    path: path.to_path_buf(),
                    expected: size,
                    found,
                });
            }
            out.flush().map_err(spool_error)?;
            Ok(Some(len))
        }
        Ok(None) => Ok(None),
        Err(CompressError::Source(e)) => Err(e),
        Err(CompressError::Out(e)) => Err(spool_error(e)),
    }
}

/// Why [`compress`] stopped.
pub enum CompressError {
    /// Reading the input failed.
    Source(Error),
    /// Writing the output failed.
    Out(std::io::Error),
}

/// Writes the zisofs form of `size` bytes, which `read` fills a block-sized
/// buffer with piece by piece, to `out` (at its start), with blocks of
/// 2^`block_log2` bytes. Gives the length written, or `None` as soon as it
/// passes `limit` bytes or outgrows 4-byte pointers. Memory: one block in,
/// one compressed block out, the pointer table.
pub fn compress<W: Write + Seek>(
    read: &mut dyn FnMut(&mut [u8]) -> Result<(), Error>,
    size: u64,
    block_log2: u8,
    out: &mut W,
    limit: u64,
) -> Result<Option<u64>, CompressError> {
    let block = 1u64 << block_log2;
    let count = size.div_ceil(block);
    let header_len = Format::V1.header_len();
    let table_len = (count + 1) * Format::V1.pointer_len();
    let mut at = header_len + table_len;
    if at > limit {
        return Ok(None);
    }
    let mut pointers = Vec::with_capacity(count as usize + 1);
    pointers.push(at as u32);
    out.seek(SeekFrom::Start(at)).map_err(CompressError::Out)?;
    let mut input = vec![0u8; block as usize];
    let mut packed = Vec::new();
    for i in 0..count {
        let len = block.min(size - i * block) as usize;
        read(&mut input[..len]).map_err(CompressError::Source)?;
        // An all-zero block is recorded as a zero-length one (mkzftree does the
        // same; Linux and libisofs read it back as zeros).
        if input[..len].iter().any(|&b| b != 0) {
            packed.clear();
            let mut encoder = ZlibEncoder::new(std::mem::take(&mut packed), Compression::default());
            encoder
                .write_all(&input[..len])
                .map_err(CompressError::Out)?;
            packed = encoder.finish().map_err(CompressError::Out)?;
            out.write_all(&packed).map_err(CompressError::Out)?;
            at += packed.len() as u64;
        }
        if at > limit || at > u64::from(u32::MAX) {
            return Ok(None);
        }
        pointers.push(at as u32);
    }
    let mut head = vec![0u8; (header_len + table_len) as usize];
    FileHeader {
        format: Format::V1,
        size,
        header_words: (header_len / 4) as u8,
        block_log2,
        algorithm_id: 1,
    }
    .emit(&mut head);
    for (i, p) in pointers.iter().enumerate() {
        let o = header_len as usize + 4 * i;
        head[o..o + 4].copy_from_slice(&p.to_le_bytes());
    }
    out.seek(SeekFrom::Start(0)).map_err(CompressError::Out)?;
    out.write_all(&head).map_err(CompressError::Out)?;
    out.seek(SeekFrom::Start(at)).map_err(CompressError::Out)?;
    Ok(Some(at))
}

/// Compresses `data` in memory (tests and fixtures), whatever it saves.
pub fn compress_bytes(data: &[u8], block_log2: u8) -> Vec<u8> {
    let mut cursor = std::io::Cursor::new(Vec::new());
    let mut at = 0usize;
    let mut read = |buf: &mut [u8]| -> Result<(), Error> {
        buf.copy_from_slice(&data[at..at + buf.len()]);
        at += buf.len();
        Ok(())
    };
    match compress(
        &mut read,
        data.len() as u64,
        block_log2,
        &mut cursor,
        u64::MAX,
    ) {
        Ok(Some(_)) => cursor.into_inner(),
        _ => unreachable!("in-memory compression cannot fail below 4 GiB"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn layout_of_a_compressed_file() {
        // 70,000 bytes at 32 KiB: 3 blocks, 4 pointers; the middle block zeros.
        let mut data = vec![b'a'; 70_000];
        data[32_768..65_536].fill(0);
        let z = compress_bytes(&data, 15);
        let header = FileHeader::parse(&z).unwrap();
        assert_eq!(
            (header.size, header.block_log2, header.header_words),
            (70_000, 15, 4)
        );
        let ptr = |i: usize| u32::from_le_bytes(z[16 + 4 * i..20 + 4 * i].try_into().unwrap());
        assert_eq!(ptr(0), 32);
        assert!(ptr(1) > ptr(0));
        assert_eq!(ptr(2), ptr(1), "the zero block is empty");
        assert_eq!(ptr(3) as usize, z.len());
        let mut inflated = Vec::new();
        flate2::read::ZlibDecoder::new(&z[ptr(0) as usize..ptr(1) as usize])
            .read_to_end(&mut inflated)
            .unwrap();
        assert_eq!(inflated, vec![b'a'; 32_768]);
    }

    #[test]
    fn incompressible_data_is_given_up_at_the_limit() {
        let mut x = 0x1234_5678u32;
        let data: Vec<u8> = (0..100_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let mut cursor = std::io::Cursor::new(Vec::new());
        let mut at = 0usize;
        let mut read = |buf: &mut [u8]| -> Result<(), Error> {
            buf.copy_from_slice(&data[at..at + buf.len()]);
            at += buf.len();
            Ok(())
        };
        // Random bytes do not shrink: their zisofs form cannot end a block sooner.
        let limit = (100_000u64.div_ceil(2048) - 1) * 2048;
        assert!(matches!(
            compress(&mut read, 100_000, 15, &mut cursor, limit),
            Ok(None)
        ));
    }
}
