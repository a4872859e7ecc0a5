//! Image files as burn targets: a new image ([`NewImage`]), or an existing
//! one that grows by a session ([`GrowingImage`]), laid out as xorriso does
//! (multisession.md §2): session 1 at LBA 32, each later one at the next
//! 32-block boundary, the newest session's descriptors copied to LBA 16.
//!
//! An append writes in an order that never leaves the image unreadable
//! (multisession.md §2.5):
//! 1. the session's blocks past the old end, its volume descriptors left out;
//! 2. flush; then its volume descriptors at `start + 16`; flush — a session
//!    cut short before this point has no descriptors, so no scan takes it for one;
//! 3. the superblock at LBA 0–31, block by block ([`commit_superblock`]).
//!
//! A failure or interruption before step 3 completes is undone: the old
//! superblock is put back and the file cut to its old length (bytes the old
//! file held past its end, such as xorriso's padding, are restored), so the
//! file is byte-identical to before. A process killed outright leaves at most
//! an orphan tail past the old end, which readers ignore and the next append
//! overwrites.

use std::io::{self, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use fsimage::sessions::{self, ImageLayout, ImageSession, ImageSessions};
use fsimage::{ImageStream, PendingFile, SectorSource, WriteError, BLOCK_SIZE};

use crate::error::BurnError;
use crate::events::WriteProgress;
use crate::lock::{lock_for_writing, ImageLock};
use crate::storage::{
    build_superblock, commit_superblock, Storage, StorageSource, SUPERBLOCK_BLOCKS,
};
use crate::target::BurnTarget;
use crate::udf_anchor;

const BLOCK: u64 = BLOCK_SIZE as u64;

/// Size of the buffer sessions are streamed through (see the CLI's history:
/// 64 KiB stays in cache between read and write and keeps RSS low).
const STREAM_BUFFER: usize = 64 << 10;

/// The same with checksums, where each written buffer goes on to the two
/// hashing threads (other cores) and a recycled one comes back: 1 MiB
/// buffers cost less per byte than 64 KiB ones. Measured on the bench trees
/// (2 cores): 4 x 512 MiB 5.3 -> 4.5 s, 30 000 files ~1.05 -> ~0.9 s; 256 KiB
/// and 4 MiB were slower on the large tree. Peak RSS ~90 MiB (from ~57).
const HASHED_STREAM_BUFFER: usize = 1 << 20;

/// Bytes past an image's end that an append saves to put back if it fails
/// (xorriso pads its sessions with 300 KiB). A longer tail is the orphan of
/// an interrupted append: it is reclaimed, not saved.
const MAX_SAVED_TAIL: u64 = 4 << 20;

/// A new image file: invisible until complete, never replacing a file.
pub struct NewImage {
    path: PathBuf,
    pending: Option<PendingFile>,
}

impl NewImage {
    pub fn create(path: &Path) -> Result<NewImage, BurnError> {
        let pending = PendingFile::create(path).map_err(|source| BurnError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(NewImage {
            path: path.to_path_buf(),
            pending: Some(pending),
        })
    }

    fn write_error(&self, source: io::Error) -> BurnError {
        BurnError::Write {
            path: self.path.clone(),
            source,
        }
    }
}

impl BurnTarget for NewImage {
    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn sessions(&self) -> &[ImageSession] {
        &[]
    }

    fn sectors(&mut self) -> Result<Box<dyn SectorSource + '_>, BurnError> {
        // Nothing to import before the burn; after it, the published image
        // is read back (verification).
        if self.pending.is_some() {
            return Err(BurnError::NothingToImport {
                target: self.name(),
                what: "importing",
            });
        }
        let open_error = |source| BurnError::Open {
            path: self.path.clone(),
            source,
        };
        let file = std::fs::File::open(&self.path).map_err(open_error)?;
        let source =
            fsimage::FileSectorSource::new(std::io::BufReader::new(file)).map_err(open_error)?;
        Ok(Box::new(source))
    }

    fn next_start(&self) -> u64 {
        sessions::FIRST_SESSION_LBA
    }

    fn check_room(&mut self, blocks: u64) -> Result<Option<u64>, BurnError> {
        check_free_space(&self.path, (blocks + SUPERBLOCK_BLOCKS) * BLOCK)
    }

    fn write_session(
        &mut self,
        stream: &mut ImageStream,
        progress: &mut dyn FnMut(WriteProgress) -> bool,
    ) -> Result<(), BurnError> {
        let start = u64::from(stream.start_lba());
        let Some(pending) = self.pending.as_mut() else {
            return Ok(());
        };
        stream_into_file(pending.file(), start * BLOCK, stream, progress)
            .map_err(|e| stream_error(&self.path, e))
    }

    fn finish(&mut self, stream: &ImageStream) -> Result<u64, BurnError> {
        let end = u64::from(stream.start_lba()) + stream.total_blocks();
        let superblock = build_superblock(
            &stream.volume_descriptors(),
            block_u32(end)?,
            stream.checksummed_start(),
        );
        let Some(mut pending) = self.pending.take() else {
            return Ok(end);
        };
        let file = pending.file();
        Storage::write_all_at(file, &superblock, 0)
            .and_then(|()| file.sync_data())
            .map_err(|e| self.write_error(e))?;
        pending.publish().map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                BurnError::AppearedMeanwhile {
                    path: self.path.clone(),
                }
            } else {
                self.write_error(e)
            }
        })?;
        Ok(end)
    }

    fn roll_back(&mut self) -> io::Result<()> {
        // The unnamed file vanishes with its descriptor.
        self.pending = None;
        Ok(())
    }
}

/// Streams the session into an image file from byte `at` on (which must read
/// as zeros from there: holes are left for zero chunks).
fn stream_into_file(
    file: &mut std::fs::File,
    at: u64,
    stream: &mut ImageStream,
    progress: &mut dyn FnMut(WriteProgress) -> bool,
) -> Result<(), WriteError> {
    file.seek(SeekFrom::Start(at)).map_err(WriteError::Output)?;
    let buffer = match stream.checksummed_start() {
        Some(_) => HASHED_STREAM_BUFFER,
        None => STREAM_BUFFER,
    };
    stream
        .write_to_file(file, buffer, |bytes| progress(WriteProgress::bytes(bytes)))
        .map(|_| ())
}

fn stream_error(path: &Path, e: WriteError) -> BurnError {
    match e {
        WriteError::Source(source) => BurnError::Source(source),
        WriteError::Output(source) => BurnError::Write {
            path: path.to_path_buf(),
            source,
        },
        WriteError::Cancelled => BurnError::Cancelled,
    }
}

fn block_u32(blocks: u64) -> Result<u32, BurnError> {
    u32::try_from(blocks).map_err(|_| {
        BurnError::Tree(fsimage::Error::Layout {
            reason: format!("the image would end at block {blocks}, past ISO 9660's 2^32 blocks"),
        })
    })
}

/// Checks that `needed` bytes fit in the file system holding `dir`; gives
/// the blocks left after (`None` when the file system cannot tell).
fn check_free_space(path: &Path, needed: u64) -> Result<Option<u64>, BurnError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(stat) = rustix::fs::statvfs(&dir) else {
        return Ok(None); // cannot tell: the write itself will say
    };
    let available = stat.f_bavail.saturating_mul(stat.f_frsize);
    if needed > available {
        return Err(BurnError::NoRoom {
            path: path.to_path_buf(),
            session: needed.div_ceil(BLOCK),
            overhead: 0,
            free: available / BLOCK,
            fits: available / BLOCK,
        });
    }
    Ok(Some((available - needed) / BLOCK))
}

/// Where an append stands, for [`GrowingImage::roll_back`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Ready,
    /// Blocks from `start` on may have been written.
    Writing {
        start: u64,
    },
    /// The superblock may be partly rewritten too.
    Committing {
        start: u64,
    },
    Done,
}

/// An existing image file, growing by one session.
pub struct GrowingImage {
    path: PathBuf,
    storage: Box<dyn Storage>,
    found: ImageSessions,
    /// The file's length before the append.
    old_len: u64,
    /// Blocks 0–31 before the append (fewer if the file is shorter).
    old_superblock: Vec<u8>,
    /// Bytes past the new session's start before the append, kept to put back.
    saved_tail: Vec<u8>,
    /// The old UDF anchor at block 256, once rewritten (see `rewrite_udf_anchor`).
    saved_anchor: Option<Vec<u8>>,
    reclaimed_blocks: u64,
    phase: Phase,
    /// A file can be cut and grows as written; an overwritable disc has a
    /// fixed capacity and nothing to cut.
    is_file: bool,
    _lock: Option<ImageLock>,
}

impl GrowingImage {
    /// Opens `path` for appending: takes the lock, lists the sessions, and
    /// refuses an image whose superblock or length says it is damaged.
    pub fn open(path: &Path) -> Result<GrowingImage, BurnError> {
        let lock = lock_for_writing(path)?;
        let open_error = |source| BurnError::Open {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(open_error)?;
        if !file.metadata().map_err(open_error)?.is_file() {
            return Err(BurnError::NotAnImage {
                path: path.to_path_buf(),
                reason: "not a regular file".into(),
            });
        }
        let mut image = GrowingImage::with_storage(path, Box::new(file))?;
        image._lock = Some(lock);
        Ok(image)
    }

    /// Like [`GrowingImage::open`] over any [`Storage`] (tests put failing
    /// disks here), without the lock.
    pub fn with_storage(
        path: &Path,
        mut storage: Box<dyn Storage>,
    ) -> Result<GrowingImage, BurnError> {
        let read_error = |reason: String| BurnError::NotAnImage {
            path: path.to_path_buf(),
            reason,
        };
        let old_len = storage.byte_len().map_err(|source| BurnError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let found = {
            let mut source =
                StorageSource::new(storage.as_mut()).map_err(|e| read_error(e.to_string()))?;
            sessions::scan(&mut source).map_err(|e| read_error(e.to_string()))?
        };
        if let Some(problem) = &found.superblock_problem {
            return Err(BurnError::Superblock {
                path: path.to_path_buf(),
                problem: problem.clone(),
            });
        }
        let file_blocks = old_len / BLOCK;
        if found.end > file_blocks {
            return Err(BurnError::Truncated {
                path: path.to_path_buf(),
                file_blocks,
                volume_blocks: found.end,
            });
        }
        let mut old_superblock = vec![0u8; (SUPERBLOCK_BLOCKS.min(file_blocks) * BLOCK) as usize];
        storage
            .read_exact_at(&mut old_superblock, 0)
            .map_err(|e| read_error(e.to_string()))?;
        Ok(GrowingImage {
            path: path.to_path_buf(),
            storage,
            found,
            old_len,
            old_superblock,
            saved_tail: Vec::new(),
            saved_anchor: None,
            reclaimed_blocks: 0,
            phase: Phase::Ready,
            is_file: true,
            _lock: None,
        })
    }

    /// An overwritable disc (DVD+RW, BD-RE, formatted DVD-RW) grown like an
    /// image file: `storage` reads and writes its blocks and reports its
    /// capacity as its length.
    pub fn on_disc(name: &str, storage: Box<dyn Storage>) -> Result<GrowingImage, BurnError> {
        let mut image = GrowingImage::with_storage(Path::new(name), storage)?;
        image.is_file = false;
        Ok(image)
    }

    /// What the scan found.
    pub fn found(&self) -> &ImageSessions {
        &self.found
    }

    fn write_error(&self, source: io::Error) -> BurnError {
        BurnError::Write {
            path: self.path.clone(),
            source,
        }
    }

    /// The blocks of LBA 0–31 an append rewrites: the whole superblock of a
    /// chained image; only the descriptor blocks of an image that starts at
    /// LBA 0 (its own structures follow them, as with growisofs).
    ///
    /// The blocks of a UDF recognition sequence that followed the old
    /// descriptors are rewritten too (as zeros): left in place, they would
    /// make the kernel and libblkid find the old UDF tree (UDF bridge, or
    /// UDF only) instead of the new session (udf.md §1.4). So is the block
    /// after them when it holds the old session's MD5 tag (`xorriso -as
    /// mkisofs --md5` puts its superblock tag there): libisofs checks the
    /// tag it finds after the terminator against blocks 0 up to it, which
    /// now hold the new descriptors, and refuses to load the image (trap
    /// T9, checksums.md §10); the new superblock has the relocated tag
    /// there, or zeros.
    fn superblock_range(&self, descriptor_blocks: u64) -> std::ops::Range<u64> {
        match self.found.layout {
            ImageLayout::Chained => 0..SUPERBLOCK_BLOCKS,
            ImageLayout::FromZero => {
                let mut end =
                    (16 + descriptor_blocks).max(udf_recognition_end(&self.old_superblock));
                if holds_md5_tag(&self.old_superblock, end) {
                    end += 1;
                }
                16..end.min(SUPERBLOCK_BLOCKS)
            }
        }
    }

    /// Rewrites the UDF anchor at block 256 for the session at `start`, after
    /// the superblock: 7-Zip and the other image readers find UDF through that
    /// anchor alone and would show the old UDF tree instead of the new session
    /// (udf.md §0.2). With `replacement` (a UDF session being appended) it
    /// points at the new session's descriptors (IMAPI's method for rewritable
    /// media, udf.md §4); without, it is zeroed. Only where block 256 is an
    /// anchor's place (`udf_anchor::owns_anchor_block`); the old block is
    /// kept to be put back by a roll-back.
    fn rewrite_udf_anchor(&mut self, start: u64, replacement: Option<Vec<u8>>) -> io::Result<()> {
        let first = self.found.sessions.first().map_or(start, |s| s.start);
        let storage = self.storage.as_mut();
        if !udf_anchor::owns_anchor_block(storage, self.found.layout, first, start)? {
            return Ok(());
        }
        let Some(block) = udf_anchor::current(storage)? else {
            return Ok(());
        };
        let new = replacement.unwrap_or_else(|| vec![0u8; BLOCK as usize]);
        if block == new {
            return Ok(());
        }
        self.saved_anchor = Some(block);
        self.storage
            .write_all_at(&new, udf_anchor::ANCHOR * BLOCK)?;
        self.storage.sync()
    }

    /// Session data, written through the storage when it is not a file.
    fn stream_through_storage(
        &mut self,
        stream: &mut ImageStream,
        start: u64,
        progress: &mut dyn FnMut(WriteProgress) -> bool,
    ) -> Result<(), BurnError> {
        let mut buf = vec![0u8; STREAM_BUFFER];
        let mut offset = start * BLOCK;
        loop {
            let n = stream.next_chunk(&mut buf).map_err(BurnError::Source)?;
            if n == 0 {
                return Ok(());
            }
            self.storage
                .write_all_at(&buf[..n], offset)
                .map_err(|e| self.write_error(e))?;
            offset += n as u64;
            if !progress(WriteProgress::bytes(stream.position())) {
                return Err(BurnError::Cancelled);
            }
        }
    }
}

/// Whether block `lba` of `superblock` holds a libisofs MD5 tag (one that
/// can be read, or whose text is damaged).
fn holds_md5_tag(superblock: &[u8], lba: u64) -> bool {
    let at = (lba * BLOCK) as usize;
    superblock
        .get(at..at + BLOCK as usize)
        .is_some_and(|block| !matches!(iso9660::md5tag::Md5Tag::parse(block), Ok(None)))
}

/// The first block after the UDF volume structure descriptors (BEA01,
/// NSR02/NSR03, TEA01, BOOT2) among blocks 16–31 of `superblock`; 0 if none.
fn udf_recognition_end(superblock: &[u8]) -> u64 {
    let mut end = 0;
    for (lba, block) in superblock.chunks_exact(BLOCK as usize).enumerate().skip(16) {
        let udf = [&b"BEA01"[..], b"NSR02", b"NSR03", b"TEA01", b"BOOT2"];
        if block[0] == 0 && udf.contains(&&block[1..6]) {
            end = lba as u64 + 1;
        }
    }
    end
}

impl BurnTarget for GrowingImage {
    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn sessions(&self) -> &[ImageSession] {
        &self.found.sessions
    }

    fn sectors(&mut self) -> Result<Box<dyn SectorSource + '_>, BurnError> {
        let path = self.path.clone();
        let source = StorageSource::new(self.storage.as_mut())
            .map_err(|source| BurnError::Open { path, source })?;
        Ok(Box::new(source))
    }

    fn next_start(&self) -> u64 {
        self.found.next_start().max(sessions::FIRST_SESSION_LBA)
    }

    fn check_room(&mut self, blocks: u64) -> Result<Option<u64>, BurnError> {
        if !self.is_file {
            let available = self.old_len.saturating_sub(self.next_start() * BLOCK);
            if blocks * BLOCK > available {
                return Err(BurnError::NoRoom {
                    path: self.path.clone(),
                    session: blocks,
                    overhead: 0,
                    free: available / BLOCK,
                    fits: available / BLOCK,
                });
            }
            return Ok(Some((available - blocks * BLOCK) / BLOCK));
        }
        let start_bytes = self.next_start() * BLOCK;
        let reused = self.old_len.saturating_sub(start_bytes);
        let needed = (blocks * BLOCK).saturating_sub(reused);
        check_free_space(&self.path, needed)
    }

    fn write_session(
        &mut self,
        stream: &mut ImageStream,
        progress: &mut dyn FnMut(WriteProgress) -> bool,
    ) -> Result<(), BurnError> {
        let start = u64::from(stream.start_lba());
        let start_bytes = start * BLOCK;
        // What lies past the start: padding to put back on failure, or an
        // orphan tail to reclaim.
        let tail = if self.is_file {
            self.old_len.saturating_sub(start_bytes)
        } else {
            0
        };
        if tail > 0 && tail <= MAX_SAVED_TAIL {
            let mut saved = vec![0u8; tail as usize];
            self.storage
                .read_exact_at(&mut saved, start_bytes)
                .map_err(|e| self.write_error(e))?;
            self.saved_tail = saved;
        } else if tail > MAX_SAVED_TAIL {
            self.reclaimed_blocks = tail.div_ceil(BLOCK);
        }
        self.phase = Phase::Writing { start };
        if self.is_file {
            // From here on the file reads as zeros past the start, as the
            // streaming writer wants.
            self.storage
                .set_len(start_bytes)
                .map_err(|e| self.write_error(e))?;
        }
        stream.defer_descriptors();
        if let Some(file) = self.storage.as_file().filter(|_| self.is_file) {
            stream_into_file(file, start_bytes, stream, progress)
                .map_err(|e| stream_error(&self.path, e))?;
        } else {
            self.stream_through_storage(stream, start, progress)?;
        }
        // The session is on the medium; now its descriptors make it one.
        let descriptors = stream.volume_descriptors();
        self.storage
            .sync()
            .and_then(|()| {
                self.storage
                    .write_all_at(&descriptors, (start + 16) * BLOCK)
            })
            .and_then(|()| self.storage.sync())
            .map_err(|e| self.write_error(e))
    }

    fn finish(&mut self, stream: &ImageStream) -> Result<u64, BurnError> {
        let start = u64::from(stream.start_lba());
        let end = start + stream.total_blocks();
        let descriptors = stream.volume_descriptors();
        let superblock =
            build_superblock(&descriptors, block_u32(end)?, stream.checksummed_start());
        let range = self.superblock_range(descriptors.len() as u64 / BLOCK);
        self.phase = Phase::Committing { start };
        commit_superblock(self.storage.as_mut(), &superblock, range)
            .map_err(|e| self.write_error(e))?;
        // Block 256 of a growing image (sessions from LBA 32) is an anchor
        // discburn wrote for its newest UDF session, not part of any session's
        // own volume: when this session has no UDF, it is retired too, or UDF
        // readers that start there (7-Zip, Windows) would show the old tree.
        // The earlier UDF sessions keep their own anchors at START+256.
        let new_anchor = stream.udf_anchor_block(256);
        if new_anchor.is_some()
            || self.found.layout != ImageLayout::FromZero
            || udf_recognition_end(&self.old_superblock) > 0
        {
            self.rewrite_udf_anchor(start, new_anchor)
                .map_err(|e| self.write_error(e))?;
        }
        self.phase = Phase::Done;
        Ok(end)
    }

    fn roll_back(&mut self) -> io::Result<()> {
        let start = match self.phase {
            Phase::Ready | Phase::Done => return Ok(()),
            Phase::Writing { start } => start,
            Phase::Committing { start } => {
                if let Some(anchor) = self.saved_anchor.take() {
                    self.storage.write_all_at(&anchor, 256 * BLOCK)?;
                    self.storage.sync()?;
                }
                // Put the old superblock back, in the same careful order.
                let mut old = self.old_superblock.clone();
                old.resize((SUPERBLOCK_BLOCKS * BLOCK) as usize, 0);
                let range = match self.found.layout {
                    ImageLayout::Chained => 0..SUPERBLOCK_BLOCKS,
                    ImageLayout::FromZero => 16..SUPERBLOCK_BLOCKS.min(self.old_len / BLOCK),
                };
                commit_superblock(self.storage.as_mut(), &old, range)?;
                start
            }
        };
        if !self.is_file {
            // A disc cannot be cut: the blocks past the old end are an
            // orphan that readers ignore and the next session overwrites.
            self.phase = Phase::Ready;
            return Ok(());
        }
        let start_bytes = start * BLOCK;
        self.storage.set_len(self.old_len.min(start_bytes))?;
        if !self.saved_tail.is_empty() {
            self.storage.write_all_at(&self.saved_tail, start_bytes)?;
        }
        self.storage.sync()?;
        self.phase = Phase::Ready;
        Ok(())
    }

    fn reclaimed_blocks(&self) -> u64 {
        self.reclaimed_blocks
    }
}

/// Opens an image file target for a burn: a new image when nothing exists
/// at `path`, else the existing image, to grow.
pub fn open_image_target(path: &Path) -> Result<Box<dyn BurnTarget>, BurnError> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Box::new(NewImage::create(path)?)),
        Err(source) => Err(BurnError::Open {
            path: path.to_path_buf(),
            source,
        }),
        Ok(md) if md.is_dir() => Err(BurnError::NotAnImage {
            path: path.to_path_buf(),
            reason: "it is a directory".into(),
        }),
        Ok(_) => Ok(Box::new(GrowingImage::open(path)?)),
    }
}
