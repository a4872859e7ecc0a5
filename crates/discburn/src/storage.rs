//! Random access to an image file, behind a trait so that tests can put a
//! failing or tearing disk under the engine ([`Storage`]), and the ordered
//! rewrite of the superblock that keeps an image readable at every moment of
//! an append ([`commit_superblock`]).

use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt;

use fsimage::{SectorSource, BLOCK_SIZE};

const BLOCK: u64 = BLOCK_SIZE as u64;

/// Blocks of the superblock at the start of a growable image: system area
/// (0–15) and the copy of the newest session's volume descriptors (16–31).
pub const SUPERBLOCK_BLOCKS: u64 = 32;

/// Random access to the bytes of an image file.
pub trait Storage {
    /// Length in bytes.
    fn byte_len(&mut self) -> io::Result<u64>;
    fn read_exact_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<()>;
    fn write_all_at(&mut self, buf: &[u8], offset: u64) -> io::Result<()>;
    /// Makes everything written so far durable (fsync).
    fn sync(&mut self) -> io::Result<()>;
    fn set_len(&mut self, len: u64) -> io::Result<()>;
    /// The file itself, when there is one: session data then streams with
    /// kernel-side copies and holes ([`fsimage::ImageStream::write_to_file`]).
    fn as_file(&mut self) -> Option<&mut File> {
        None
    }
}

impl Storage for File {
    fn byte_len(&mut self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }

    fn read_exact_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        FileExt::read_exact_at(self, buf, offset)
    }

    fn write_all_at(&mut self, buf: &[u8], offset: u64) -> io::Result<()> {
        FileExt::write_all_at(self, buf, offset)
    }

    fn sync(&mut self) -> io::Result<()> {
        self.sync_data()
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        File::set_len(self, len)
    }

    fn as_file(&mut self) -> Option<&mut File> {
        Some(self)
    }
}

/// A [`Storage`] read as 2048-byte blocks (to scan and import sessions).
pub struct StorageSource<'a> {
    storage: &'a mut dyn Storage,
    blocks: u64,
}

impl<'a> StorageSource<'a> {
    pub fn new(storage: &'a mut dyn Storage) -> io::Result<Self> {
        let blocks = storage.byte_len()? / BLOCK;
        Ok(StorageSource { storage, blocks })
    }
}

impl SectorSource for StorageSource<'_> {
    fn block_count(&self) -> Option<u64> {
        Some(self.blocks)
    }

    fn read_blocks(&mut self, lba: u64, buf: &mut [u8]) -> io::Result<()> {
        let count = buf.len() as u64 / BLOCK;
        if lba.checked_add(count).is_none_or(|end| end > self.blocks) {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "blocks {lba}..{} lie past the end of the image ({} blocks)",
                    lba.saturating_add(count),
                    self.blocks
                ),
            ));
        }
        self.storage.read_exact_at(buf, lba * BLOCK)
    }
}

/// Writes `new` (the 32 blocks of a superblock) over the blocks `range` of
/// the image, in an order that keeps every reader on either the old or the
/// new session after any single block write, so that a crash or a torn write
/// anywhere in between loses nothing:
///
/// 1. block 17 becomes a terminator: readers see the old primary descriptor
///    alone (the old tree, without its Joliet names);
/// 2. every block of `range` but 16 and 17 (system area, tail of the new set);
/// 3. block 16, the new primary descriptor: readers see the new tree;
/// 4. block 17, the new Joliet descriptor (or terminator).
///
/// Each step is made durable before the next. `range` is `0..32` on images
/// that keep their sessions above LBA 32, and only the volume descriptor
/// blocks (`16..16+n`) on images whose first session starts at LBA 0, whose
/// own structures follow their descriptors.
pub fn commit_superblock(
    storage: &mut dyn Storage,
    new: &[u8],
    range: Range<u64>,
) -> io::Result<()> {
    debug_assert_eq!(new.len() as u64, SUPERBLOCK_BLOCKS * BLOCK);
    debug_assert!(range.contains(&16) && range.end <= SUPERBLOCK_BLOCKS);
    let blocks = |r: Range<u64>| &new[(r.start * BLOCK) as usize..(r.end * BLOCK) as usize];
    let write = |storage: &mut dyn Storage, r: Range<u64>| -> io::Result<()> {
        if r.is_empty() {
            return Ok(());
        }
        storage.write_all_at(blocks(r.clone()), r.start * BLOCK)?;
        storage.sync()
    };
    let joliet_slot = range.contains(&17);
    if joliet_slot {
        let mut terminator = vec![0u8; BLOCK_SIZE];
        iso9660::volume::emit_terminator(&mut terminator);
        storage.write_all_at(&terminator, 17 * BLOCK)?;
        storage.sync()?;
    }
    write(storage, range.start..16)?;
    write(storage, 18.max(range.start)..range.end)?;
    write(storage, 16..17)?;
    if joliet_slot {
        write(storage, 17..18)?;
    }
    Ok(())
}

/// The superblock of an image whose newest session has the volume
/// descriptor set `descriptors` (as at `start + 16`) and ends at block
/// `image_end`: 16 blocks of system area (zeros), the descriptors with their
/// Volume Space Size widened to `image_end`, zeros up to block 32
/// (multisession.md §2.2). With `checksummed_session` (the newest session's
/// start, when it carries MD5 checksums), the block after the descriptors
/// holds the relocated superblock tag that points at it (checksums.md §1).
pub fn build_superblock(
    descriptors: &[u8],
    image_end: u32,
    checksummed_session: Option<u32>,
) -> Vec<u8> {
    let mut block0 = vec![0u8; (SUPERBLOCK_BLOCKS * BLOCK) as usize];
    let room = block0.len() - 16 * BLOCK_SIZE;
    let descriptors = &descriptors[..descriptors.len().min(room)];
    let area = &mut block0[16 * BLOCK_SIZE..16 * BLOCK_SIZE + descriptors.len()];
    area.copy_from_slice(descriptors);
    for block in area.chunks_exact_mut(BLOCK_SIZE) {
        // Primary (1) and supplementary (2) descriptors carry the size.
        if matches!(block[0], 1 | 2) && &block[1..6] == b"CD001" {
            iso9660::volume::set_volume_space_size(block, image_end);
        }
    }
    if let Some(start) = checksummed_session {
        fsimage::checksums::put_relocated_tag(&mut block0, start);
    }
    block0
}
