//! `discburn check-media`: reads every written block of a target, as
//! `xorriso -check_media` does, and reports the ranges that cannot be read,
//! which sessions and files they hit, and whether each session's MD5 tags
//! (reference/checksums.md §2) still match. A read error never stops the
//! scan: a chunk that fails is read again block by block, and each block
//! that still fails is counted as unreadable (and hashed as zeros, so the
//! tags that cover it do not match).
//!
//! Written blocks, as `xorriso -check_media` (`what=tracks`) reads them: the
//! whole image file (and, for a truncated one, up to where its sessions say
//! they end); on an overwritable disc, LBA 0 up to the newest session's end;
//! on a write-once disc, every recorded track whole, from its start over its
//! size as the drive reports it (padding included, clipped to the readable
//! capacity), and each session's blocks. The gaps between a CD's sessions
//! (lead-out, lead-in) hold no data and are not read; neither is a session
//! a failed burn left incomplete. The last two blocks of a CD track that
//! cannot be read are its run-out (a track written TAO always ends with two),
//! counted apart as xorriso's "tao end", not as damage. A session whose
//! volume descriptor cannot be read is still scanned over its tracks and
//! listed with that problem.

use fsimage::checksums::check::{self, ArrayState, SessionEntries, TagOutcome};
use fsimage::read::{ReadOptions, Volume};
use fsimage::SectorSource;
use serde::Serialize;

use crate::burn::BurnObserver;
use crate::checksums::{md5_result, outcome_name, relocated_tag, TagResult};
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
    /// The last blocks of CD tracks that could not be read: their run-out
    /// (not damage; never blocks a session's descriptor counts).
    pub run_out_blocks: u64,
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
    /// Other parts of a session it hits, as `N:AREA` (`system_area`,
    /// `volume_descriptors`, `path_tables`, `checksum_array`, `md5_tags`),
    /// and `head`: LBA 0-31 of an image file or overwritable disc, the copy
    /// of the newest session's descriptors readers find first.
    pub areas: Vec<String>,
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
    /// The last two blocks of each CD track: a failure there is run-out.
    run_out: Vec<(u64, u64)>,
    run_out_blocks: u64,
    read: u64,
    /// The end of the last read (reads go forward).
    read_end: u64,
    progress: &'a mut dyn FnMut(u64, u64),
}

impl Scanning<'_> {
    fn mark(&mut self, lba: u64, error: &std::io::Error) {
        if self.run_out.iter().any(|(a, b)| (*a..*b).contains(&lba)) {
            self.run_out_blocks += 1;
            return;
        }
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
        self.read_end = lba + count;
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
    /// Its volume descriptor was read: its tags are checked.
    described: bool,
    /// The block after its volume descriptor set terminator.
    descriptors_end: u64,
    /// Its path tables: first LBA, blocks.
    path_tables: Vec<(u64, u64)>,
    /// Where its MD5 tags are (known after the scan).
    tag_lbas: Vec<u64>,
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
        let (descriptors_end, path_tables) = descriptor_set(source.as_mut(), entry.start_lba);
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
            described: true,
            descriptors_end,
            path_tables,
            tag_lbas: Vec::new(),
        });
    }
    let layout = written_areas(target, source.as_mut(), &mut sessions)?;
    let ranges = layout.ranges;
    let total: u64 = ranges.iter().map(|(a, b)| b - a).sum();
    let mut report_progress = |lba: u64, done: u64| {
        let event = clock.progress(Action::Verifying, lba, done.min(total), total.max(1));
        observer.progress(&event);
    };
    let mut scan = Scanning {
        inner: source.as_mut(),
        bad: Vec::new(),
        run_out: layout.run_out,
        run_out_blocks: 0,
        read: 0,
        read_end: 0,
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
            .filter(|s| s.described && s.start >= *first && s.start < *end)
        {
            // Where its tags begin (past 0 in an image begun at LBA 0 and appended to).
            let tagged = crate::checksums::tagged_start(s.start, s.blocks, &s.array);
            read_range(&mut scan, next, tagged);
            let checked = check::check_session_blocks(
                &mut scan,
                tagged,
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
            // The walk may stop before the end of the last chunk it read
            // (after a tag that is missing): those blocks are not read again.
            let tag_end = (tagged + checked.blocks_read)
                .max(scan.read_end)
                .min(s.start + s.blocks);
            read_range(&mut scan, tag_end, s.start + s.blocks);
            next = s.start + s.blocks;
            results.push((s.number, checked));
        }
        read_range(&mut scan, next, *end);
        next = next.max(*end);
    }
    let bad = std::mem::take(&mut scan.bad);
    let read = scan.read;
    let run_out_blocks = scan.run_out_blocks;
    drop(scan);
    // The copy of the newest session's descriptors at LBA 0-31 (image files,
    // overwritable discs) and its relocated tag; an unreadable head is in
    // `unreadable` already.
    let head_tag = list.sessions.last().and_then(|newest| {
        relocated_tag(&list, source.as_mut(), newest)
            .ok()
            .flatten()
            .map(|mut tag| {
                tag.affected = None;
                (newest.number, tag)
            })
    });
    observer.progress(&clock.progress(Action::Completed, 0, read, read));

    for (number, checked) in &results {
        if let Some(s) = sessions.iter_mut().find(|s| s.number == *number) {
            s.tag_lbas = checked.tags.iter().map(|t| t.lba).collect();
        }
    }
    // LBA 0-31 is a head of its own where sessions are chained after it.
    let head_end = match (list.layout, sessions.first()) {
        ("chained", Some(first)) if first.start >= 32 => 32,
        _ => 0,
    };
    let unreadable: Vec<BadRange> = bad
        .iter()
        .map(|(first, blocks, error)| map_range(&sessions, head_end, *first, *blocks, error))
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
                    .into_iter()
                    .flat_map(|c| {
                        c.tags.iter().map(|t| {
                            let unreadable =
                                bad.iter().any(|(f, n, _)| (*f..f + n).contains(&t.lba));
                            let result = if unreadable {
                                "unreadable"
                            } else {
                                outcome_name(t.outcome)
                            };
                            TagResult::new(t, result, None)
                        })
                    })
                    .chain(
                        head_tag
                            .iter()
                            .filter(|(number, _)| *number == s.number)
                            .map(|(_, tag)| tag.clone()),
                    )
                    .collect(),
                session_md5: checked.and_then(|c| c.array_session_md5).map(md5_result),
                tree_problem: s.tree_problem.clone(),
            }
        })
        .collect();
    let tags_ok = results.iter().all(|(_, c)| {
        c.tags.iter().all(|t| t.outcome == TagOutcome::Match) && c.array_session_md5 != Some(false)
    }) && head_tag.as_ref().is_none_or(|(_, t)| t.result == "match");
    Ok(CheckMediaReport {
        target: target.to_string(),
        blocks: read,
        unreadable_blocks,
        run_out_blocks,
        ok: unreadable.is_empty() && tags_ok,
        unreadable,
        sessions: session_reports,
    })
}

/// What a scan reads.
struct WrittenAreas {
    /// Block ranges, sorted and apart.
    ranges: Vec<(u64, u64)>,
    /// The last two blocks of each CD track.
    run_out: Vec<(u64, u64)>,
}

/// The blocks of `target` that hold data (see the module's comment); adds to
/// `sessions` the sessions of a disc's table of contents that
/// [`list_sessions`] left out for want of a readable volume descriptor.
fn written_areas(
    target: &str,
    source: &mut dyn SectorSource,
    sessions: &mut Vec<Session>,
) -> Result<WrittenAreas, BurnError> {
    let sessions_end = |sessions: &[Session]| {
        sessions
            .iter()
            .map(|s| s.start + s.blocks)
            .max()
            .unwrap_or(0)
    };
    let media = match TargetKind::parse(target) {
        TargetKind::ImageFile(_) => {
            let end = source
                .block_count()
                .unwrap_or(0)
                .max(sessions_end(sessions));
            return Ok(WrittenAreas {
                ranges: vec![(0, end)],
                run_out: Vec::new(),
            });
        }
        _ => crate::drive::inspect_target(target)?,
    };
    let profile = media
        .as_ref()
        .and_then(|m| m.profile_code)
        .map(mmc::Profile::from);
    let Some(media) = media.filter(|m| !m.overwritable) else {
        // Grown like an image file: the head at LBA 0 and the sessions after it.
        return Ok(WrittenAreas {
            ranges: vec![(0, sessions_end(sessions))],
            run_out: Vec::new(),
        });
    };
    let capacity = media.capacity_blocks.unwrap_or(u64::MAX);
    let incomplete = crate::sessions::incomplete_session(&media);
    let tracks: Vec<(u16, u64, u64)> = media
        .tracks
        .iter()
        .filter(|t| t.size > 0 && Some(t.session) != incomplete)
        .map(|t| {
            let start = u64::from(t.start);
            (t.session, start, (start + u64::from(t.size)).min(capacity))
        })
        .filter(|(_, start, end)| start < end)
        .collect();
    // Sessions of the table of contents without a readable descriptor.
    for &(number, start, _) in &tracks {
        if sessions.iter().any(|s| s.number == u32::from(number)) {
            continue;
        }
        let end = tracks
            .iter()
            .filter(|t| t.0 == number)
            .map(|t| t.2)
            .max()
            .unwrap_or(start);
        let mut block = vec![0u8; fsimage::BLOCK_SIZE];
        let problem = match source.read_blocks(start + 16, &mut block) {
            Err(e) => format!(
                "its volume descriptor at LBA {} cannot be read: {e}",
                start + 16
            ),
            Ok(()) => format!(
                "no ISO 9660 primary volume descriptor at LBA {}",
                start + 16
            ),
        };
        sessions.push(Session {
            number: u32::from(number),
            start,
            blocks: end - start,
            array: ArrayState::Absent,
            entries: SessionEntries::default(),
            tree_problem: Some(problem),
            described: false,
            descriptors_end: start + 16,
            path_tables: Vec::new(),
            tag_lbas: Vec::new(),
        });
    }
    sessions.sort_by_key(|s| s.start);
    let mut ranges: Vec<(u64, u64)> = tracks
        .iter()
        .map(|&(_, start, end)| (start, end))
        .chain(sessions.iter().map(|s| (s.start, s.start + s.blocks)))
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::new();
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    let run_out = if profile.is_some_and(|p| p.is_cd()) {
        // Blocks a session's descriptor counts hold its data: not run-out.
        let data_end = |start: u64, end: u64| {
            sessions
                .iter()
                .filter(|s| s.described && s.start < end && s.start + s.blocks > start)
                .map(|s| s.start + s.blocks)
                .max()
                .unwrap_or(start)
        };
        tracks
            .iter()
            .map(|&(_, start, end)| {
                let first = end.saturating_sub(2).max(data_end(start, end));
                (first.min(end), end)
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(WrittenAreas {
        ranges: merged,
        run_out,
    })
}

/// The end of the volume descriptor set of the session at `start` (the
/// block after its terminator; `start + 18` when it cannot be read) and its
/// path tables. Read block by block: a session whose descriptors cannot be
/// read is still scanned.
fn descriptor_set(source: &mut dyn SectorSource, start: u64) -> (u64, Vec<(u64, u64)>) {
    let mut block = vec![0u8; fsimage::BLOCK_SIZE];
    let mut path_tables = Vec::new();
    for lba in start + 16..start + 32 {
        if source.read_blocks(lba, &mut block).is_err() {
            break;
        }
        if lba == start + 16 {
            path_tables = crate::checksums::affected::path_tables(&block);
        }
        if block[0] == 255 && &block[1..6] == iso9660::STANDARD_IDENTIFIER {
            return (lba + 1, path_tables);
        }
    }
    (start + 18, path_tables)
}

/// What the unreadable blocks `first .. first+blocks` hit; blocks below
/// `head_end` are the head at LBA 0-31.
fn map_range(
    sessions: &[Session],
    head_end: u64,
    first: u64,
    blocks: u64,
    error: &str,
) -> BadRange {
    let end = first + blocks;
    let hits = |lba: u64, n: u64| lba < end && first < lba + n;
    let mut range = BadRange {
        first_lba: first,
        blocks,
        error: error.to_string(),
        sessions: Vec::new(),
        files: Vec::new(),
        directories: Vec::new(),
        areas: Vec::new(),
    };
    if first < head_end {
        range.areas.push("head".into());
    }
    for s in sessions {
        if hits(s.start, s.blocks) {
            range.sessions.push(s.number);
            let array = match &s.array {
                ArrayState::Loaded { area, .. } | ArrayState::Damaged { area } => Some(*area),
                ArrayState::Absent => None,
            };
            let map = crate::checksums::affected::SessionMap {
                start: s.start,
                descriptors_end: s.descriptors_end,
                path_tables: s.path_tables.clone(),
                array,
                entries: &s.entries,
                files: &[],
            };
            let within = (first.max(s.start), end.min(s.start + s.blocks));
            let areas = crate::checksums::affected::affected(&map, within.0, within.1).areas;
            let tags = s.tag_lbas.iter().any(|&lba| hits(lba, 1));
            range.areas.extend(
                areas
                    .into_iter()
                    .chain(tags.then_some("md5_tags"))
                    .map(|area| format!("{}:{area}", s.number)),
            );
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
