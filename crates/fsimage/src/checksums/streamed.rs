//! Files' MD5s hashed from a session's blocks as they stream by, so that a
//! verifier reads each block once for both the session's tags and the files'
//! items (checksums.md §11.2). A file's item is over its stored bytes (a
//! zisofs file as compressed): the bytes of its extents, in order, which is
//! exactly what streams by when the extents lie in the session in ascending
//! order. Files that do not (data in an earlier session, extents out of
//! order or overlapping, embedded or interleaved data, past where the stream
//! stopped) are left to be read the ordinary way ([`super::check::check_files`]).

use std::collections::HashMap;

use super::md5::Md5;

use crate::read::Node;
use crate::source::BLOCK_SIZE;

const BLOCK: u64 = BLOCK_SIZE as u64;

/// A piece of one stored byte sequence: bytes `start..end` of the medium
/// (absolute byte addresses).
#[derive(Debug, Clone, Copy)]
struct Segment {
    start: u64,
    end: u64,
    group: usize,
}

/// Files with the same extents (hard links, shared data) share one MD5.
#[derive(Debug, Default)]
struct Group {
    md5: Md5,
    /// Segments not yet wholly seen.
    left: usize,
    digest: Option<[u8; 16]>,
}

/// The MD5s of the chosen files of a session, computed from its blocks fed
/// in ascending order ([`StreamedFiles::feed`]).
#[derive(Debug)]
pub struct StreamedFiles {
    /// For each file given to [`StreamedFiles::plan`]: its group, when it is
    /// hashed from the stream.
    file_group: Vec<Option<usize>>,
    groups: Vec<Group>,
    /// Sorted by start.
    segments: Vec<Segment>,
    /// Segments not yet started.
    next_segment: usize,
    /// Segments started and not finished, in start order.
    active: Vec<usize>,
    /// Where the next fed chunk must start (a byte address).
    fed_to: u64,
}

impl StreamedFiles {
    /// Chooses which of `files` (those `wanted` says need an MD5) are hashed
    /// from the stream of blocks `start..end`.
    pub fn plan(
        files: &[(String, Node)],
        wanted: impl Fn(usize) -> bool,
        start: u64,
        end: u64,
    ) -> StreamedFiles {
        let mut by_extents: HashMap<Vec<(u64, u64)>, usize> = HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut segments = Vec::new();
        let file_group = files
            .iter()
            .enumerate()
            .map(|(i, (_, node))| {
                let extents = streamable(node, start, end).filter(|_| wanted(i))?;
                let next = groups.len();
                let group = *by_extents.entry(extents.clone()).or_insert(next);
                if group == next {
                    groups.push(Group {
                        left: extents.len(),
                        ..Group::default()
                    });
                    segments.extend(extents.iter().map(|&(lba, len)| Segment {
                        start: lba * BLOCK,
                        end: lba * BLOCK + len,
                        group,
                    }));
                }
                Some(group)
            })
            .collect();
        segments.sort_by_key(|s| s.start);
        StreamedFiles {
            file_group,
            groups,
            segments,
            next_segment: 0,
            active: Vec::new(),
            fed_to: start * BLOCK,
        }
    }

    /// True when no file is hashed from the stream.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// True when file `index` is hashed from the stream (if the stream
    /// reaches all of its data).
    pub fn is_streamed(&self, index: usize) -> bool {
        self.file_group.get(index).is_some_and(Option::is_some)
    }

    /// Takes the blocks from `lba` on; chunks must follow each other without
    /// gaps from the stream's start (a chunk that does not is ignored, and
    /// the files it holds are then left unhashed).
    pub fn feed(&mut self, lba: u64, chunk: &[u8]) {
        let chunk_start = lba * BLOCK;
        if chunk_start != self.fed_to {
            return;
        }
        let chunk_end = chunk_start + chunk.len() as u64;
        self.fed_to = chunk_end;
        while let Some(s) = self.segments.get(self.next_segment) {
            if s.start >= chunk_end {
                break;
            }
            self.active.push(self.next_segment);
            self.next_segment += 1;
        }
        for &i in &self.active {
            let s = self.segments[i];
            let from = s.start.max(chunk_start);
            let to = s.end.min(chunk_end);
            let group = &mut self.groups[s.group];
            if from < to {
                group
                    .md5
                    .update(&chunk[(from - chunk_start) as usize..(to - chunk_start) as usize]);
            }
            if s.end <= chunk_end {
                group.left -= 1;
                if group.left == 0 {
                    // A failed MD5 leaves the file to be read the ordinary way.
                    group.digest = std::mem::take(&mut group.md5).finalize().ok();
                }
            }
        }
        let segments = &self.segments;
        self.active.retain(|&i| segments[i].end > chunk_end);
    }

    /// True while some file hashed from the stream has not been wholly seen.
    pub fn pending(&self) -> bool {
        self.groups.iter().any(|g| g.digest.is_none())
    }

    /// Each file's MD5: `Some` for a file hashed wholly from the stream,
    /// `None` for one that must be read the ordinary way.
    pub fn results(&self) -> Vec<Option<[u8; 16]>> {
        self.file_group
            .iter()
            .map(|g| g.and_then(|g| self.groups[g].digest))
            .collect()
    }
}

/// The extents (first block, bytes) of a file whose stored bytes stream by
/// in order within blocks `start..end`, or `None`.
fn streamable(node: &Node, start: u64, end: u64) -> Option<Vec<(u64, u64)>> {
    if node.embedded.is_some() || node.interleave.is_some() {
        return None;
    }
    let extents: Vec<(u64, u64)> = node
        .extents
        .iter()
        .filter(|e| e.len > 0)
        .map(|e| (e.lba, e.len))
        .collect();
    if extents.is_empty() {
        return None;
    }
    let mut after = start;
    for &(lba, len) in &extents {
        let blocks = len.div_ceil(BLOCK);
        if lba < after || lba.checked_add(blocks)? > end {
            return None;
        }
        after = lba + blocks;
    }
    Some(extents)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{Extent, FileKind, Stat};

    fn node(extents: &[(u64, u64)]) -> Node {
        Node {
            name: b"f".to_vec(),
            file_id: b"F;1".to_vec(),
            stat: Stat {
                kind: FileKind::File,
                size: 0,
                mode: 0o100644,
                uid: 0,
                gid: 0,
                nlink: 1,
                inode: 1,
                mtime: None,
                atime: None,
                ctime: None,
                crtime: None,
                symlink_target: None,
                rdev: None,
            },
            extents: extents
                .iter()
                .map(|&(lba, len)| Extent { lba, len })
                .collect(),
            record_at: (0, 0),
            interleave: None,
            embedded: None,
            icb: None,
            zisofs: None,
            md5_index: Some(1),
        }
    }

    /// Blocks 0..100 where block b holds bytes (b * 7 + i) % 251.
    fn medium() -> Vec<u8> {
        (0..100 * BLOCK)
            .map(|i| ((i / BLOCK * 7 + i) % 251) as u8)
            .collect()
    }

    fn stored(medium: &[u8], extents: &[(u64, u64)]) -> [u8; 16] {
        let mut md5 = Md5::new();
        for &(lba, len) in extents {
            md5.update(&medium[(lba * BLOCK) as usize..(lba * BLOCK + len) as usize]);
        }
        md5.finalize().expect("an MD5")
    }

    #[test]
    fn files_are_hashed_from_chunks_of_any_size_and_the_rest_left_out() {
        let data = medium();
        let layouts: Vec<Vec<(u64, u64)>> = vec![
            vec![(20, 5000)],                                // one extent, partial last block
            vec![(30, 2 * BLOCK), (33, 100)],                // multi-extent with a gap
            vec![(30, 2 * BLOCK), (33, 100)],                // its hard link
            vec![(40, 3 * BLOCK), (43, 3 * BLOCK), (46, 1)], // consecutive extents (> 4 GiB style)
            vec![(5, 10)],                                   // before the stream's start
            vec![(60, BLOCK), (50, BLOCK)],                  // out of order
            vec![(70, 3 * BLOCK), (71, BLOCK)],              // overlapping itself
            vec![(95, 20 * BLOCK)],                          // past the end
            vec![(80, 0)],                                   // no bytes
            vec![(85, BLOCK)],                               // not wanted
            vec![(88, 4 * BLOCK)],                           // past where the stream stops
        ];
        let files: Vec<(String, Node)> = layouts
            .iter()
            .enumerate()
            .map(|(i, e)| (format!("f{i}"), node(e)))
            .collect();
        for chunk_blocks in [1usize, 3, 7, 64] {
            let mut plan = StreamedFiles::plan(&files, |i| i != 9, 10, 100);
            let streamed: Vec<bool> = (0..files.len()).map(|i| plan.is_streamed(i)).collect();
            assert_eq!(
                streamed,
                [true, true, true, true, false, false, false, false, false, false, true]
            );
            // The stream stops at block 90 (a session tag before the end).
            let mut lba = 10u64;
            while lba < 90 {
                let n = (chunk_blocks as u64).min(90 - lba);
                plan.feed(
                    lba,
                    &data[(lba * BLOCK) as usize..((lba + n) * BLOCK) as usize],
                );
                lba += n;
            }
            let results = plan.results();
            for i in 0..4 {
                assert_eq!(
                    results[i],
                    Some(stored(&data, &layouts[i])),
                    "file {i}, chunks of {chunk_blocks}"
                );
            }
            assert!(results[4..].iter().all(Option::is_none), "{results:?}");
            assert!(plan.pending());
        }
    }

    #[test]
    fn a_chunk_out_of_sequence_leaves_its_files_unhashed() {
        let data = medium();
        let files = vec![("a".to_string(), node(&[(12, 3 * BLOCK)]))];
        let mut plan = StreamedFiles::plan(&files, |_| true, 10, 100);
        plan.feed(10, &data[(10 * BLOCK) as usize..(12 * BLOCK) as usize]);
        plan.feed(13, &data[(13 * BLOCK) as usize..(20 * BLOCK) as usize]);
        assert_eq!(plan.results(), [None]);
    }
}
