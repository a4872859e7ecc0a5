//! Checking a session against its recorded MD5s, as xorriso's `-check_md5`,
//! `-check_md5_r` and `-check_media` do (checksums.md §8, §11.2): the
//! superblock, tree and session tags, the checksum array's own item and its
//! session item, and every file's item. Reads only through the volume's
//! [`SectorSource`]; memory is bounded by the array and one read chunk.

use iso9660::aaip::ChecksumArea;
use iso9660::md5tag::{Md5Tag, TagKind};

use super::hasher::SessionHasher;
use super::md5::Md5;
use crate::read::{FileKind, Node, ReadError, Volume};
use crate::source::{SectorSource, BLOCK_SIZE};

const BLOCK: u64 = BLOCK_SIZE as u64;

/// Blocks read per request while streaming a session.
const CHUNK_BLOCKS: u64 = 128;

/// Most items an array may hold for it to be loaded (16 MiB of MD5s).
const MAX_ITEMS: u32 = 1 << 20;

/// The checksum array of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArrayState {
    /// The session records none (no `isofs.ca`).
    Absent,
    /// Recorded, but its last item is not the MD5 of the others: untrusted
    /// (libisofs drops it the same way).
    Damaged { area: ChecksumArea },
    /// Loaded and self-consistent.
    Loaded {
        area: ChecksumArea,
        items: Vec<[u8; 16]>,
    },
}

impl ArrayState {
    /// The recorded MD5 of index `index` (1..=count-2), if any.
    pub fn file_md5(&self, index: u32) -> Option<[u8; 16]> {
        match self {
            ArrayState::Loaded { items, .. }
                if index >= 1 && (index as usize) + 1 < items.len() =>
            {
                Some(items[index as usize])
            }
            _ => None,
        }
    }
}

/// Reads the open session's checksum array (`isofs.ca` of its root) and
/// checks its self item.
pub fn read_array<S: SectorSource>(volume: &mut Volume<S>) -> Result<ArrayState, ReadError> {
    let Some(area) = volume.info().checksum_area else {
        return Ok(ArrayState::Absent);
    };
    if area.count > MAX_ITEMS {
        return Ok(ArrayState::Damaged { area });
    }
    let bytes = u64::from(area.count) * ChecksumArea::ITEM_SIZE as u64;
    let raw = match volume.read_blocks_checked(u64::from(area.end), bytes, "checksum array", "/") {
        Ok(raw) => raw,
        Err(ReadError::OutOfImage { .. }) => return Ok(ArrayState::Damaged { area }),
        Err(e) => return Err(e),
    };
    let items: Vec<[u8; 16]> = raw[..bytes as usize]
        .chunks_exact(16)
        .map(|c| c.try_into().unwrap_or([0; 16]))
        .collect();
    let (own, rest) = items
        .split_last()
        .map_or((None, &[][..]), |(l, r)| (Some(*l), r));
    let mut md5 = Md5::new();
    for item in rest {
        md5.update(item);
    }
    let expected = md5.finalize().map_err(|failed| ReadError::Io {
        what: "checksum array".into(),
        lba: u64::from(area.end),
        source: failed.into(),
    })?;
    if own != Some(expected) {
        return Ok(ArrayState::Damaged { area });
    }
    Ok(ArrayState::Loaded { area, items })
}

/// The result of one tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagCheck {
    pub kind: TagKind,
    /// Where the tag is (or was announced to be).
    pub lba: u64,
    /// Blocks it covers, from the session start.
    pub range_start: u64,
    pub range_blocks: u64,
    pub outcome: TagOutcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagOutcome {
    Match,
    /// The blocks it covers have changed.
    Mismatch,
    /// The tag's text is damaged, or it names another place or session.
    Damaged,
    /// Announced by the previous tag's `next=` but not found there.
    Missing,
}

/// What streaming a session's blocks found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionBlocksCheck {
    pub tags: Vec<TagCheck>,
    /// Item 0 of the array against blocks `START..END` (`None`: no array,
    /// or its range does not start at the session).
    pub array_session_md5: Option<bool>,
    /// Blocks read.
    pub blocks_read: u64,
}

/// Streams the blocks of the session that starts at `start` and checks its
/// tags (superblock tag in `start+16..start+32`, then the tree and session
/// tags where `next=` says) and the array's item 0. `end` bounds the walk
/// (the session's volume space end). `progress(blocks_read)` is called per chunk.
pub fn check_session_blocks<S: SectorSource>(
    source: &mut S,
    start: u64,
    end: u64,
    array: &ArrayState,
    progress: &mut dyn FnMut(u64),
) -> std::io::Result<SessionBlocksCheck> {
    let mut walk = SessionWalk::threaded(start, end, array);
    let mut buf = vec![0u8; (CHUNK_BLOCKS * BLOCK) as usize];
    while let Some(count) = walk.wanted(CHUNK_BLOCKS) {
        let lba = walk.next_lba();
        let chunk = &mut buf[..(count * BLOCK) as usize];
        source.read_blocks(lba, chunk)?;
        walk.feed(chunk);
        progress(walk.next_lba() - start);
    }
    Ok(walk.finish())
}

/// The tag walk over a session's blocks, fed in order by whoever reads them
/// ([`check_session_blocks`], or a reader that also hashes files from the
/// same blocks): the session's running MD5, compared at each tag and at the
/// checksum array.
pub struct SessionWalk {
    hasher: SessionHasher,
    start: u64,
    end: u64,
    /// The next block to be fed.
    next: u64,
    tags: Vec<TagCheck>,
    /// Where the array starts and its item 0 (the session's MD5 up to it).
    array_end: Option<(u64, [u8; 16])>,
    array_session_md5: Option<bool>,
    expected: Expect,
    done: bool,
}

impl SessionWalk {
    /// A walk of the session `start..end` with the MD5 hashed on a second
    /// thread (the caller reads and parses).
    pub fn threaded(start: u64, end: u64, array: &ArrayState) -> SessionWalk {
        SessionWalk::new(start, end, array, SessionHasher::new())
    }

    /// A walk that hashes on the caller's thread (when another thread is
    /// busy with other hashing of the same blocks).
    pub fn inline(start: u64, end: u64, array: &ArrayState) -> SessionWalk {
        SessionWalk::new(start, end, array, SessionHasher::inline())
    }

    fn new(start: u64, end: u64, array: &ArrayState, hasher: SessionHasher) -> SessionWalk {
        let array_end = match array {
            ArrayState::Loaded { area, items } if u64::from(area.start) == start => {
                Some((u64::from(area.end), items[0]))
            }
            _ => None,
        };
        SessionWalk {
            hasher,
            start,
            end,
            next: start,
            tags: Vec::new(),
            array_end,
            array_session_md5: None,
            expected: Expect::SuperblockWindow,
            done: start >= end,
        }
    }

    /// The block the next [`SessionWalk::feed`] starts at.
    pub fn next_lba(&self) -> u64 {
        self.next
    }

    /// How many blocks to read next (at most `most`), or `None` when the
    /// walk is over (the session tag and the array are behind it, or the
    /// session's end is reached).
    pub fn wanted(&self, most: u64) -> Option<u64> {
        (!self.done).then(|| most.min(self.end - self.next))
    }

    /// Takes the blocks from [`SessionWalk::next_lba`] on (whole blocks, at
    /// most up to the session's end); stops taking them once the walk needs
    /// no more. Returns true when it is over.
    pub fn feed(&mut self, chunk: &[u8]) -> bool {
        let mut rest = &chunk[..chunk.len() / BLOCK_SIZE * BLOCK_SIZE];
        while !rest.is_empty() && !self.done {
            // Blocks before the next one the walk looks at are only hashed:
            // in one piece, not block by block.
            let plain = (self.next_looked_at() - self.next).min((rest.len() / BLOCK_SIZE) as u64);
            let take = if plain > 0 {
                let bytes = plain as usize * BLOCK_SIZE;
                self.hasher.update(&rest[..bytes]);
                self.next += plain;
                bytes
            } else {
                self.block(&rest[..BLOCK_SIZE]);
                self.next += 1;
                BLOCK_SIZE
            };
            rest = &rest[take..];
            let array_behind = self.array_end.is_none_or(|(a, _)| self.next > a);
            if (self.expected == Expect::Nothing && array_behind) || self.next >= self.end {
                self.done = true;
            }
        }
        self.done
    }

    /// The next block the walk must look at: the superblock tag's window,
    /// the announced tag, the array's start (or the session's end).
    fn next_looked_at(&self) -> u64 {
        let mut at = self.end;
        if let Some((array, _)) = self.array_end {
            if array >= self.next {
                at = at.min(array);
            }
        }
        match self.expected {
            Expect::SuperblockWindow => at.min(self.next.max(self.start + 16)),
            Expect::At(_, tag) if tag >= self.next => at.min(tag),
            _ => at,
        }
    }

    fn block(&mut self, block: &[u8]) {
        let (start, end, here) = (self.start, self.end, self.next);
        if let Some((array_lba, item0)) = self.array_end {
            if here == array_lba {
                self.array_session_md5 = Some(self.hasher.digest() == Some(item0));
            }
        }
        let wanted = match self.expected {
            Expect::SuperblockWindow if here >= start + 32 => {
                self.expected = Expect::Nothing; // a session without tags
                None
            }
            Expect::SuperblockWindow if here >= start + 16 => Some(TagKind::Superblock),
            Expect::At(kind, at) if here == at => Some(kind),
            _ => None,
        };
        if let Some(wanted) = wanted {
            let record = |tags: &mut Vec<TagCheck>, outcome| {
                tags.push(TagCheck {
                    kind: wanted,
                    lba: here,
                    range_start: start,
                    range_blocks: here - start,
                    outcome,
                })
            };
            match Md5Tag::parse(block) {
                Ok(Some(tag)) if tag.kind == wanted => {
                    let placed = u64::from(tag.pos) == here && u64::from(tag.range_start) == start;
                    let outcome = if !placed {
                        TagOutcome::Damaged
                    } else if self.hasher.digest() == Some(tag.md5) {
                        TagOutcome::Match
                    } else {
                        TagOutcome::Mismatch
                    };
                    record(&mut self.tags, outcome);
                    self.expected = match wanted {
                        TagKind::Superblock => Expect::At(TagKind::Tree, u64::from(tag.extra)),
                        TagKind::Tree => Expect::At(TagKind::Session, u64::from(tag.extra)),
                        _ => Expect::Nothing,
                    };
                    if let Expect::At(kind, at) = self.expected {
                        if at <= here || at >= end {
                            // Announced where it cannot be (trap T5).
                            self.tags.push(TagCheck {
                                kind,
                                lba: at,
                                range_start: start,
                                range_blocks: at.saturating_sub(start),
                                outcome: TagOutcome::Missing,
                            });
                            self.expected = Expect::Nothing;
                        }
                    }
                }
                Err(_) => {
                    record(&mut self.tags, TagOutcome::Damaged);
                    self.expected = Expect::Nothing;
                }
                _ if wanted != TagKind::Superblock => {
                    record(&mut self.tags, TagOutcome::Missing);
                    self.expected = Expect::Nothing;
                }
                _ => {}
            }
        }
        self.hasher.update(block);
    }

    /// What the walk found.
    pub fn finish(self) -> SessionBlocksCheck {
        SessionBlocksCheck {
            blocks_read: self.next - self.start,
            tags: self.tags,
            array_session_md5: self.array_session_md5,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The superblock tag, in `start+16..start+32`.
    SuperblockWindow,
    /// The tag announced by the previous one's `next=`.
    At(TagKind, u64),
    Nothing,
}

/// One file checked against its recorded MD5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCheck {
    /// Path from the root, without a leading `/`.
    pub path: String,
    pub size: u64,
    /// Its extents (first LBA, blocks).
    pub extents: Vec<(u64, u64)>,
    pub outcome: FileOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    Match,
    Mismatch,
    /// The session records no MD5 for it.
    NoMd5,
    /// Its data could not be read.
    Unreadable(String),
}

/// The entries of a session that verification looks at: its regular files
/// and its directories (with their extents), in walk order.
#[derive(Debug, Clone, Default)]
pub struct SessionEntries {
    /// Path from the root (no leading `/`) and node of every regular file.
    pub files: Vec<(String, Node)>,
    /// Path and node of every directory, the root (empty path) first.
    pub directories: Vec<(String, Node)>,
}

impl SessionEntries {
    /// Bytes of file data [`check_files`] reads: what is stored, so a
    /// zisofs file counts its compressed bytes.
    pub fn stored_bytes(&self) -> u64 {
        self.files
            .iter()
            .map(|(_, n)| n.extents.iter().map(|e| e.len).sum::<u64>())
            .sum()
    }
}

/// Lists the regular files and directories of the open session.
pub fn session_entries<S: SectorSource>(
    volume: &mut Volume<S>,
) -> Result<SessionEntries, ReadError> {
    let mut entries = SessionEntries::default();
    let root = volume.root().clone();
    volume.walk(
        &root,
        "",
        &mut |_, path: &str, node: &Node| {
            match node.stat.kind {
                FileKind::File => entries.files.push((path.to_string(), node.clone())),
                FileKind::Dir => entries.directories.push((path.to_string(), node.clone())),
                _ => {}
            }
            Ok(true)
        },
        &mut |_, _| {},
    )?;
    Ok(entries)
}

/// Checks every regular file of `files` against `array`, reading each
/// file's data once; `progress(bytes)` is called as data is read.
pub fn check_files<S: SectorSource>(
    volume: &mut Volume<S>,
    files: &[(String, Node)],
    array: &ArrayState,
    progress: &mut dyn FnMut(u64),
) -> Vec<FileCheck> {
    let mut done = 0u64;
    let mut out = Vec::with_capacity(files.len());
    let mut buf = vec![0u8; 256 << 10];
    for (path, node) in files {
        let recorded = node.md5_index.and_then(|i| array.file_md5(i));
        let outcome = match recorded {
            None => FileOutcome::NoMd5,
            Some(expected) => match file_md5(volume, node, &mut buf, &mut done, progress) {
                Ok(md5) if md5 == expected => FileOutcome::Match,
                Ok(_) => FileOutcome::Mismatch,
                Err(e) => FileOutcome::Unreadable(e.to_string()),
            },
        };
        out.push(FileCheck::new(path, node, outcome));
    }
    out
}

impl FileCheck {
    /// The result `outcome` for the file `node` at `path`.
    pub fn new(path: &str, node: &Node, outcome: FileOutcome) -> FileCheck {
        FileCheck {
            path: path.to_string(),
            size: node.stat.size,
            extents: node
                .extents
                .iter()
                .map(|e| (e.lba, e.len.div_ceil(BLOCK)))
                .collect(),
            outcome,
        }
    }
}

/// The MD5 of a file's data as stored: libisofs hashes what it writes, so a
/// zisofs file's item is over its compressed bytes (xorriso's `-zisofs`, or
/// files `mkzftree` compressed), not over what it inflates to.
fn file_md5<S: SectorSource>(
    volume: &mut Volume<S>,
    node: &Node,
    buf: &mut [u8],
    done: &mut u64,
    progress: &mut dyn FnMut(u64),
) -> Result<[u8; 16], ReadError> {
    // Checksums cover the stored bytes: a zisofs file as compressed.
    let mut reader = volume.open_stored(node)?;
    let mut md5 = Md5::new();
    let before = *done;
    let mut now = before;
    let read = md5.update_from(&mut reader, buf, &mut |n| {
        now = before + n;
        progress(now);
        true
    });
    // Counted also when a read fails, so that progress never goes back.
    *done = now;
    read.map_err(|source| ReadError::Io {
        what: format!("data of {}", node.name_lossy()),
        lba: node.extents.first().map_or(0, |e| e.lba),
        source,
    })?;
    md5.finalize().map_err(|failed| ReadError::Io {
        what: format!("data of {}", node.name_lossy()),
        lba: node.extents.first().map_or(0, |e| e.lba),
        source: failed.into(),
    })
}
