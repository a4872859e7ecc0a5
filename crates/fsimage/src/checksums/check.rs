//! Checking a session against its recorded MD5s, as xorriso's `-check_md5`,
//! `-check_md5_r` and `-check_media` do (checksums.md §8, §11.2): the
//! superblock, tree and session tags, the checksum array's own item and its
//! session item, and every file's item. Reads only through the volume's
//! [`SectorSource`]; memory is bounded by the array and one read chunk.

use iso9660::aaip::ChecksumArea;
use iso9660::md5tag::{Md5Tag, TagKind};
use md5::{Digest, Md5};

use super::hasher::SessionHasher;
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
    let expected: [u8; 16] = md5.finalize().into();
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
    let mut hasher = SessionHasher::new();
    let mut tags = Vec::new();
    let array_end = match array {
        ArrayState::Loaded { area, items } if u64::from(area.start) == start => {
            Some((u64::from(area.end), items[0]))
        }
        _ => None,
    };
    let mut array_session_md5 = None;
    let mut expected = Expect::SuperblockWindow;
    let mut lba = start;
    let mut buf = vec![0u8; (CHUNK_BLOCKS * BLOCK) as usize];
    'read: while lba < end {
        let count = CHUNK_BLOCKS.min(end - lba);
        let chunk = &mut buf[..(count * BLOCK) as usize];
        source.read_blocks(lba, chunk)?;
        for (i, block) in chunk.chunks_exact(BLOCK_SIZE).enumerate() {
            let here = lba + i as u64;
            if let Some((array_lba, item0)) = array_end {
                if here == array_lba {
                    array_session_md5 = Some(hasher.digest() == Some(item0));
                }
            }
            let wanted = match expected {
                Expect::SuperblockWindow if here >= start + 32 => {
                    expected = Expect::Nothing; // a session without tags
                    None
                }
                Expect::SuperblockWindow if here >= start + 16 => Some(TagKind::Superblock),
                Expect::At(kind, at) if here == at => Some(kind),
                _ => None,
            };
            if let Some(wanted) = wanted {
                let mut record = |outcome| {
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
                        let placed =
                            u64::from(tag.pos) == here && u64::from(tag.range_start) == start;
                        record(if !placed {
                            TagOutcome::Damaged
                        } else if hasher.digest() == Some(tag.md5) {
                            TagOutcome::Match
                        } else {
                            TagOutcome::Mismatch
                        });
                        expected = match wanted {
                            TagKind::Superblock => Expect::At(TagKind::Tree, u64::from(tag.extra)),
                            TagKind::Tree => Expect::At(TagKind::Session, u64::from(tag.extra)),
                            _ => Expect::Nothing,
                        };
                        if let Expect::At(kind, at) = expected {
                            if at <= here || at >= end {
                                // Announced where it cannot be (trap T5).
                                tags.push(TagCheck {
                                    kind,
                                    lba: at,
                                    range_start: start,
                                    range_blocks: at.saturating_sub(start),
                                    outcome: TagOutcome::Missing,
                                });
                                expected = Expect::Nothing;
                            }
                        }
                    }
                    Err(_) => {
                        record(TagOutcome::Damaged);
                        expected = Expect::Nothing;
                    }
                    _ if wanted != TagKind::Superblock => {
                        record(TagOutcome::Missing);
                        expected = Expect::Nothing;
                    }
                    _ => {}
                }
            }
            hasher.update(block);
            if expected == Expect::Nothing && array_end.is_none_or(|(a, _)| here >= a) {
                lba = here + 1;
                progress(lba - start);
                break 'read;
            }
        }
        lba += count;
        progress(lba - start);
    }
    Ok(SessionBlocksCheck {
        tags,
        array_session_md5,
        blocks_read: lba - start,
    })
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
        let extents = node
            .extents
            .iter()
            .map(|e| (e.lba, e.len.div_ceil(BLOCK)))
            .collect();
        let recorded = node.md5_index.and_then(|i| array.file_md5(i));
        let outcome = match recorded {
            None => FileOutcome::NoMd5,
            Some(expected) => match file_md5(volume, node, &mut buf, &mut done, progress) {
                Ok(md5) if md5 == expected => FileOutcome::Match,
                Ok(_) => FileOutcome::Mismatch,
                Err(e) => FileOutcome::Unreadable(e.to_string()),
            },
        };
        out.push(FileCheck {
            path: path.clone(),
            size: node.stat.size,
            extents,
            outcome,
        });
    }
    out
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
    use std::io::Read;
    // Checksums cover the stored bytes: a zisofs file as compressed.
    let mut reader = volume.open_stored(node)?;
    let mut md5 = Md5::new();
    loop {
        let n = reader.read(buf).map_err(|source| ReadError::Io {
            what: format!("data of {}", node.name_lossy()),
            lba: node.extents.first().map_or(0, |e| e.lba),
            source,
        })?;
        if n == 0 {
            break;
        }
        md5.update(&buf[..n]);
        *done += n as u64;
        progress(*done);
    }
    Ok(md5.finalize().into())
}
