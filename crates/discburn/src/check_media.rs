//! `discburn check-media`: reads every written block of a target, as
//! `xorriso -check_media` does, and reports the ranges that cannot be read,
//! which sessions and files they hit, and whether each session's MD5 tags
//! (reference/checksums.md §2) still match. A read error never stops the
//! scan: a chunk that fails is read again block by block, and each block
//! that still fails is counted as unreadable (and hashed as zeros, so the
//! tags that cover it do not match).
//!
//! Written blocks: the whole image file (and, for a truncated one, up to
//! where its sessions say they end); on a disc, each session's blocks (the
//! gaps between sessions of a CD hold no data).

use fsimage::checksums::check::{self, ArrayState, SessionEntries, TagOutcome};
use fsimage::read::{ReadOptions, Volume};
use fsimage::SectorSource;
use serde::Serialize;

use crate::burn::BurnObserver;
use crate::checksums::TagResult;
use crate::error::BurnError;
use crate::events::{Action, Clock};
use crate::sessions::list_sessions;
use crate::target::{open_read_source, TargetKind};

const BLOCK: u64 = fsimage::BLOCK_SIZE as u64;

/// Blocks read per request before falling back to single blocks.
const CHUNK_BLOCKS: u64 = 32;

/// Most file names listed per unreadable range.
const MAX_NAMES: usize = 100;

/// What `check-media` found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckMediaReport {
    pub target: String,
    /// Blocks the scan tried to read, and of those the ones that failed.
    pub blocks: u64,
    pub unreadable_blocks: u64,
    /// Each run of unreadable blocks, with what it hits.
    pub unreadable: Vec<BadRange>,
    pub sessions: Vec<SessionMedia>,
    /// Every block read and every tag matched.
    pub ok: bool,
}

/// A run of blocks that cannot be read.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BadRange {
    pub first_lba: u64,
    pub blocks: u64,
    /// The first error, as the target reported it.
    pub error: String,
    /// Sessions whose blocks it hits.
    pub sessions: Vec<u32>,
    /// Files whose data it hits, as `N:/path` (session N's tree).
    pub files: Vec<String>,
    /// Directories whose blocks it hits, as `N:/path`.
    pub directories: Vec<String>,
}

/// One session.
#[derive(Debug, Clone, Serialize)]
pub struct SessionMedia {
    pub number: u32,
    pub start_lba: u64,
    pub blocks: u64,
    pub unreadable_blocks: u64,
    /// Its MD5 tags, read with the unreadable blocks taken as zeros (empty:
    /// the session has none); a tag whose own block cannot be read is
    /// `unreadable`.
    pub tags: Vec<TagResult>,
    /// Array item 0 against the session's blocks (`null`: no array).
    pub session_md5: Option<&'static str>,
    /// Why its tree could not be read (its files are then not named).
    pub tree_problem: Option<String>,
}

/// A source that never fails: a failed chunk is read again block by block,
/// and each block that fails is recorded and given as zeros.
struct Scanning<'a> {
    inner: &'a mut dyn SectorSource,
    bad: Vec<(u64, u64, String)>,
    read: u64,
    progress: &'a mut dyn FnMut(u64, u64),
}

impl Scanning<'_> {
    fn mark(&mut self, lba: u64, error: &std::io::Error) {
        match self.bad.last_mut() {
            Some((first, blocks, _)) if *first + *blocks == lba => *blocks += 1,
            _ => self.bad.push((lba, 1, error.to_string())),
        }
    }
}

impl SectorSource for Scanning<'_> {
    fn block_count(&self) -> Option<u64> {
        None
    }

    fn read_blocks(&mut self, lba: u64, buf: &mut [u8]) -> std::io::Result<()> {
        let count = buf.len() as u64 / BLOCK;
        if self.inner.read_blocks(lba, buf).is_err() {
            for (i, block) in buf.chunks_exact_mut(BLOCK as usize).enumerate() {
                let here = lba + i as u64;
                if let Err(e) = self.inner.read_blocks(here, block) {
                    block.fill(0);
                    self.mark(here, &e);
                }
            }
        }
        self.read += count;
        (self.progress)(lba + count, self.read);
        Ok(())
    }
}

/// Reads `first .. end` through `scan` in chunks.
fn read_range(scan: &mut Scanning, first: u64, end: u64) {
    let mut buf = vec![0u8; (CHUNK_BLOCKS * BLOCK) as usize];
    let mut lba = first;
    while lba < end {
        let count = CHUNK_BLOCKS.min(end - lba);
        let _ = scan.read_blocks(lba, &mut buf[..(count * BLOCK) as usize]);
        lba += count;
    }
}

/// What is known of a session before the scan.
struct Session {
    number: u32,
    start: u64,
    blocks: u64,
    array: ArrayState,
    entries: SessionEntries,
    tree_problem: Option<String>,
}

/// Scans `target`, reporting progress to `observer` (`validating_media`,
/// `verifying` progress over the blocks, `completed`).
pub fn check_media(
    target: &str,
    observer: &mut dyn BurnObserver,
) -> Result<CheckMediaReport, BurnError> {
    let mut clock = Clock::start();
    observer.progress(&clock.progress(Action::ValidatingMedia, 0, 0, 0));
    let list = list_sessions(target)?;
    let mut source = open_read_source(target)?;
    // Trees and arrays first, read the ordinary way (a tree that cannot be
    // read is reported; the blocks are still scanned).
    let mut sessions = Vec::new();
    for entry in &list.sessions {
        let options = ReadOptions {
            session_start: entry.start_lba,
            ..ReadOptions::default()
        };
        let (array, entries, tree_problem) = match Volume::open(source, options) {
            Ok(mut volume) => {
                let array = check::read_array(&mut volume).unwrap_or(ArrayState::Absent);
                let (entries, problem) = match check::session_entries(&mut volume) {
                    Ok(e) => (e, None),
                    Err(e) => (SessionEntries::default(), Some(e.to_string())),
                };
                source = volume.into_source();
                (array, entries, problem)
            }
            Err(e) => {
                source = open_read_source(target)?;
                (
                    ArrayState::Absent,
                    SessionEntries::default(),
                    Some(e.to_string()),
                )
            }
        };
        sessions.push(Session {
            number: entry.number,
            start: entry.start_lba,
            blocks: entry.blocks,
            array,
            entries,
            tree_problem,
        });
    }
    let sessions_end = sessions
        .iter()
        .map(|s| s.start + s.blocks)
        .max()
        .unwrap_or(0);
    // The ranges that hold data: all of an image file; a disc's sessions.
    let ranges: Vec<(u64, u64)> = match TargetKind::parse(target) {
        TargetKind::ImageFile(_) => {
            let end = source.block_count().unwrap_or(0).max(sessions_end);
            vec![(0, end)]
        }
        _ => sessions
            .iter()
            .map(|s| (s.start, s.start + s.blocks))
            .collect(),
    };
    let total: u64 = ranges.iter().map(|(a, b)| b - a).sum();
    let mut report_progress = |lba: u64, done: u64| {
        let event = clock.progress(Action::Verifying, lba, done.min(total), total.max(1));
        observer.progress(&event);
    };
    let mut scan = Scanning {
        inner: source.as_mut(),
        bad: Vec::new(),
        read: 0,
        progress: &mut report_progress,
    };
    let mut results = Vec::new();
    let mut next = 0u64;
    for (first, end) in &ranges {
        next = next.max(*first);
        // Each session's blocks go through its tag check (which reads
        // them); what lies between sessions is read plainly.
        for s in sessions
            .iter()
            .filter(|s| s.start >= *first && s.start < *end)
        {
            read_range(&mut scan, next, s.start);
            let checked = check::check_session_blocks(
                &mut scan,
                s.start,
                s.start + s.blocks,
                &s.array,
                &mut |_| {},
            )
            .map_err(|e| BurnError::ReadSession {
                target: target.to_string(),
                session: s.number,
                source: fsimage::read::ReadError::Io {
                    what: "session blocks".into(),
                    lba: s.start,
                    source: e,
                },
            })?;
            let tag_end = s.start + checked.blocks_read;
            read_range(&mut scan, tag_end, s.start + s.blocks);
            next = s.start + s.blocks;
            results.push((s.number, checked));
        }
        read_range(&mut scan, next, *end);
        next = next.max(*end);
    }
    let bad = std::mem::take(&mut scan.bad);
    let read = scan.read;
    drop(scan);
    observer.progress(&clock.progress(Action::Completed, 0, read, read));

    let unreadable: Vec<BadRange> = bad
        .iter()
        .map(|(first, blocks, error)| map_range(&sessions, *first, *blocks, error))
        .collect();
    let unreadable_blocks: u64 = bad.iter().map(|(_, n, _)| n).sum();
    let session_reports: Vec<SessionMedia> = sessions
        .iter()
        .map(|s| {
            let checked = results.iter().find(|(n, _)| *n == s.number).map(|(_, c)| c);
            let end = s.start + s.blocks;
            SessionMedia {
                number: s.number,
                start_lba: s.start,
                blocks: s.blocks,
                unreadable_blocks: bad
                    .iter()
                    .map(|(f, n, _)| (f + n).min(end).saturating_sub((*f).max(s.start)))
                    .sum(),
                tags: checked
                    .map(|c| {
                        c.tags
                            .iter()
                            .map(|t| TagResult {
                                kind: crate::checksums::kind_name(t.kind),
                                lba: t.lba,
                                range_start_lba: t.range_start,
                                range_blocks: t.range_blocks,
                                result: if bad.iter().any(|(f, n, _)| (*f..f + n).contains(&t.lba))
                                {
                                    "unreadable"
                                } else {
                                    crate::checksums::outcome_name(t.outcome)
                                },
                                affected: None,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                session_md5: checked.and_then(|c| c.array_session_md5).map(|ok| {
                    if ok {
                        "match"
                    } else {
                        "mismatch"
                    }
                }),
                tree_problem: s.tree_problem.clone(),
            }
        })
        .collect();
    let tags_ok = results.iter().all(|(_, c)| {
        c.tags.iter().all(|t| t.outcome == TagOutcome::Match) && c.array_session_md5 != Some(false)
    });
    Ok(CheckMediaReport {
        target: target.to_string(),
        blocks: read,
        unreadable_blocks,
        ok: unreadable.is_empty() && tags_ok,
        unreadable,
        sessions: session_reports,
    })
}

/// What the unreadable blocks `first .. first+blocks` hit.
fn map_range(sessions: &[Session], first: u64, blocks: u64, error: &str) -> BadRange {
    let end = first + blocks;
    let hits = |lba: u64, n: u64| lba < end && first < lba + n;
    let mut range = BadRange {
        first_lba: first,
        blocks,
        error: error.to_string(),
        sessions: Vec::new(),
        files: Vec::new(),
        directories: Vec::new(),
    };
    for s in sessions {
        if hits(s.start, s.blocks) {
            range.sessions.push(s.number);
        }
        for (path, node) in &s.entries.files {
            if range.files.len() < MAX_NAMES
                && node
                    .extents
                    .iter()
                    .any(|e| hits(e.lba, e.len.div_ceil(BLOCK)))
            {
                range.files.push(format!("{}:/{path}", s.number));
            }
        }
        for (path, node) in &s.entries.directories {
            if range.directories.len() < MAX_NAMES
                && node
                    .extents
                    .iter()
                    .any(|e| hits(e.lba, e.len.div_ceil(BLOCK)))
            {
                range.directories.push(format!("{}:/{path}", s.number));
            }
        }
    }
    range
}
