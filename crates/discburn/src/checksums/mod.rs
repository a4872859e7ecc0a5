//! `discburn verify`: checks sessions against the MD5s they recorded
//! (libisofs's format, reference/checksums.md §11.2): the superblock, tree and
//! session tags streamed block by block, the checksum array's own item and its
//! session item, and every file's data against its item. Works on discburn's
//! sessions and on xorriso's `-md5 on` sessions alike, on image files, `emu:`
//! media and drives (through [`open_read_source`]). A tag that does not match
//! says what it covers ([`affected`]); `--against DIR` compares the contents
//! with a directory too ([`against`]). Each session's blocks are read once
//! for its tags and its files' MD5s alike (`one_pass`).

pub mod affected;
pub mod against;
mod one_pass;
pub use one_pass::Unreadable;

use std::collections::HashMap;
use std::path::PathBuf;

use fsimage::checksums::check::{
    self, ArrayState, FileCheck, FileOutcome, SessionEntries, TagCheck, TagOutcome,
};
use fsimage::checksums::streamed::StreamedFiles;
use fsimage::read::{ReadError, ReadOptions, Volume};
use fsimage::SectorSource;
use iso9660::md5tag::TagKind;
use serde::Serialize;

use crate::burn::BurnObserver;
use crate::error::BurnError;
use crate::events::{Action, Clock};
use crate::sessions::{list_sessions, SessionEntry};
use crate::target::open_read_source;
use affected::{Affected, SessionMap};
use against::AgainstReport;

/// Which sessions to check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Which {
    /// The newest session (the default).
    #[default]
    Newest,
    /// Session N (1 = oldest).
    Number(u32),
    /// Every session.
    All,
}

/// What to verify.
#[derive(Debug, Clone, Default)]
pub struct VerifyRequest {
    pub target: String,
    pub which: Which,
    /// Also compare each chosen session's contents with this directory.
    pub against: Option<PathBuf>,
}

/// What `verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub target: String,
    pub sessions: Vec<SessionCheck>,
    /// True when every checked session matches its checksums (or, with
    /// `--against`, has none) and its contents match the directory.
    pub ok: bool,
}

/// One session.
#[derive(Debug, Clone, Serialize)]
pub struct SessionCheck {
    pub number: u32,
    pub start_lba: u64,
    pub blocks: u64,
    /// `recorded` (tags or array), `absent` (no MD5s: another producer, or
    /// `--no-checksums`), `damaged` (the array does not check itself).
    pub checksums: &'static str,
    pub tags: Vec<TagResult>,
    /// Array item 0 against the session's blocks (`null`: no array).
    pub session_md5: Option<&'static str>,
    /// What array item 0 covers, when it does not match.
    pub session_md5_affected: Option<Affected>,
    pub files: u64,
    pub files_matching: u64,
    /// Files whose data differs from their recorded MD5, or cannot be read.
    pub damaged_files: Vec<DamagedFile>,
    /// Files the session records no MD5 for.
    pub files_without_md5: u64,
    /// Why the session's directory tree could not be walked (its files
    /// were then not checked).
    pub tree_problem: Option<String>,
    /// The comparison with `--against DIR` (`null` without it).
    pub against: Option<AgainstReport>,
    /// Runs of the session's blocks that could not be read (read as zeros).
    pub unreadable: Vec<Unreadable>,
}

/// One tag.
#[derive(Debug, Clone, Serialize)]
pub struct TagResult {
    /// `superblock`, `tree`, `session` or `relocated`.
    pub kind: &'static str,
    pub lba: u64,
    pub range_start_lba: u64,
    pub range_blocks: u64,
    /// `match`, `mismatch`, `damaged` or `missing`.
    pub result: &'static str,
    /// For a tag that does not match: the blocks the change must be in (from
    /// the last tag that matched, or the session start, up to this tag) and
    /// what lies there.
    pub affected: Option<Affected>,
}

/// A file that does not match.
#[derive(Debug, Clone, Serialize)]
pub struct DamagedFile {
    pub path: String,
    pub size: u64,
    /// Its extents: first block and blocks.
    pub extents: Vec<(u64, u64)>,
    /// `mismatch`, or why it cannot be read.
    pub problem: String,
}

impl TagResult {
    /// The report of tag check `t`, judged `result`.
    pub(crate) fn new(t: &TagCheck, result: &'static str, affected: Option<Affected>) -> TagResult {
        TagResult {
            kind: kind_name(t.kind),
            lba: t.lba,
            range_start_lba: t.range_start,
            range_blocks: t.range_blocks,
            result,
            affected,
        }
    }
}

/// `match` or `mismatch`.
pub(crate) fn md5_result(matches: bool) -> &'static str {
    if matches {
        "match"
    } else {
        "mismatch"
    }
}

fn kind_name(kind: TagKind) -> &'static str {
    match kind {
        TagKind::Superblock => "superblock",
        TagKind::Tree => "tree",
        TagKind::Session => "session",
        TagKind::Relocated => "relocated",
    }
}

pub(crate) fn outcome_name(outcome: TagOutcome) -> &'static str {
    match outcome {
        TagOutcome::Match => "match",
        TagOutcome::Mismatch => "mismatch",
        TagOutcome::Damaged => "damaged",
        TagOutcome::Missing => "missing",
    }
}

impl SessionCheck {
    /// True when everything recorded matches and something was recorded
    /// (or, with `--against`, nothing was recorded and the contents match).
    pub fn ok(&self) -> bool {
        let checksums = match (&self.against, self.checksums) {
            (Some(_), "absent") => true,
            (_, checksums) => {
                checksums == "recorded"
                    && self.tags.iter().all(|t| t.result == "match")
                    && self.session_md5 != Some("mismatch")
                    && self.damaged_files.is_empty()
            }
        };
        checksums
            && self.unreadable.is_empty()
            && self.tree_problem.is_none()
            && self.against.as_ref().is_none_or(AgainstReport::ok)
    }
}

/// Reports verification progress to a [`BurnObserver`] as burn's `verifying`
/// events: blocks done of the whole job (session blocks, file data, and the
/// directory's files with `--against`).
struct Meter<'a> {
    observer: &'a mut dyn BurnObserver,
    clock: Clock,
    total_bytes: u64,
    done_bytes: u64,
    /// Blocks last reported.
    done_sectors: u64,
    lba: u64,
}

impl Meter<'_> {
    fn add(&mut self, bytes: u64) {
        self.done_bytes = (self.done_bytes + bytes).min(self.total_bytes);
        let block = fsimage::BLOCK_SIZE as u64;
        let total = self.total_bytes.div_ceil(block).max(1);
        let done = self.done_bytes.div_ceil(block).min(total);
        if done == self.done_sectors {
            return;
        }
        self.done_sectors = done;
        let event = self
            .clock
            .progress(Action::Verifying, self.lba, done, total);
        self.observer.progress(&event);
    }
}

/// A session prepared for checking: what is known before reading its data.
struct Prepared {
    entry: SessionEntry,
    array: ArrayState,
    entries: SessionEntries,
    tree_problem: Option<String>,
    path_tables: Vec<(u64, u64)>,
    /// The files hashed from the session's blocks as they are read.
    streamed: StreamedFiles,
    /// Where the session's tags begin: its start, except in an image whose
    /// first session starts at LBA 0 and got sessions appended (see
    /// [`tagged_start`]).
    tagged_start: u64,
}

impl Prepared {
    /// Bytes of file data read apart from the session's blocks.
    fn other_bytes(&self) -> u64 {
        self.entries
            .files
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.streamed.is_streamed(*i))
            .map(|(_, (_, n))| n.extents.iter().map(|e| e.len).sum::<u64>())
            .sum()
    }
}

/// Checks the chosen sessions of a target, reporting progress to `observer`
/// (`validating_media`, then `verifying` progress, then `completed`).
pub fn verify(
    request: &VerifyRequest,
    observer: &mut dyn BurnObserver,
) -> Result<VerifyReport, BurnError> {
    let target = request.target.as_str();
    let mut clock = Clock::start();
    observer.progress(&clock.progress(Action::ValidatingMedia, 0, 0, 0));
    let list = list_sessions(target)?;
    let newest = list.sessions.last().map(|s| s.number);
    let chosen: Vec<SessionEntry> = match request.which {
        Which::All => list.sessions.clone(),
        Which::Newest => list.sessions.last().cloned().into_iter().collect(),
        Which::Number(n) => {
            list.start_of(target, n)?;
            list.sessions
                .iter()
                .filter(|s| s.number == n)
                .cloned()
                .collect()
        }
    };
    if chosen.is_empty() {
        return Err(BurnError::NothingToImport {
            target: target.to_string(),
            what: "verify",
        });
    }
    if let Some(dir) = &request.against {
        if !dir.is_dir() {
            return Err(BurnError::Open {
                path: dir.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "--against names no directory",
                ),
            });
        }
    }
    let read_error = |number: u32| {
        move |source: ReadError| BurnError::ReadSession {
            target: target.to_string(),
            session: number,
            source,
        }
    };
    // First the trees (to know how much there is to read), then the data.
    let mut source = open_read_source(target)?;
    let head_tag = match list.sessions.last() {
        Some(newest) if chosen.iter().any(|s| s.number == newest.number) => {
            relocated_tag(&list, source.as_mut(), newest).map_err(read_error(newest.number))?
        }
        _ => None,
    };
    let mut prepared = Vec::new();
    for entry in chosen {
        let number = entry.number;
        let (back, ready) = prepare(source, entry).map_err(read_error(number))?;
        source = back;
        prepared.push(ready);
    }
    let host_bytes = request.against.as_deref().map_or(0, against::host_bytes);
    let block = fsimage::BLOCK_SIZE as u64;
    let total_bytes = prepared
        .iter()
        .map(|p| p.entry.blocks * block + p.other_bytes() + host_bytes)
        .sum();
    let mut meter = Meter {
        observer,
        clock,
        total_bytes,
        done_bytes: 0,
        done_sectors: 0,
        lba: 0,
    };
    let mut sessions = Vec::new();
    for p in prepared {
        let number = p.entry.number;
        let (back, mut checked) = check_one(source, p, request.against.as_deref(), &mut meter)
            .map_err(read_error(number))?;
        source = back;
        if let Some(tag) = head_tag.as_ref().filter(|_| Some(number) == newest) {
            checked.tags.push(tag.clone());
        }
        sessions.push(checked);
    }
    let mut clock = meter.clock;
    let done = meter.total_bytes.div_ceil(block);
    meter
        .observer
        .progress(&clock.progress(Action::Completed, 0, done, done));
    let ok = sessions.iter().all(SessionCheck::ok);
    Ok(VerifyReport {
        target: target.to_string(),
        sessions,
        ok,
    })
}

type Source = Box<dyn SectorSource>;

/// The relocated superblock tag of an image file or overwritable disc (its
/// LBA 0–31, the copy of the newest session's descriptors that readers find
/// first), checked against those blocks and the newest session's start
/// (checksums.md §1). `None` where there is no such head (a disc's table of
/// contents, an image whose first session starts at LBA 0) or it holds no
/// tag.
pub(crate) fn relocated_tag(
    list: &crate::sessions::SessionList,
    source: &mut dyn SectorSource,
    newest: &SessionEntry,
) -> Result<Option<TagResult>, ReadError> {
    if list.layout != "chained" || newest.start_lba < 32 {
        return Ok(None);
    }
    let mut head = vec![0u8; 32 * fsimage::BLOCK_SIZE];
    source
        .read_blocks(0, &mut head)
        .map_err(|source| ReadError::Io {
            what: "blocks 0-31".into(),
            lba: 0,
            source,
        })?;
    let Some(tag) = fsimage::checksums::check_relocated_tag(&head, newest.start_lba) else {
        return Ok(None);
    };
    let outcome = outcome_name(tag.outcome);
    let affected = match tag.outcome {
        TagOutcome::Match => None,
        TagOutcome::Mismatch => Some(Affected {
            first_lba: 0,
            blocks: tag.lba,
            areas: vec!["system_area", "volume_descriptors"],
            ..Affected::default()
        }),
        TagOutcome::Damaged | TagOutcome::Missing => Some(Affected {
            first_lba: tag.lba,
            blocks: 1,
            other_blocks: 1,
            ..Affected::default()
        }),
    };
    Ok(Some(TagResult::new(&tag, outcome, affected)))
}

/// Opens session `entry` on `source`: its array, its tree and its path
/// tables; gives the source back.
fn prepare(mut source: Source, entry: SessionEntry) -> Result<(Source, Prepared), ReadError> {
    let mut pvd = vec![0u8; fsimage::BLOCK_SIZE];
    source
        .read_blocks(entry.start_lba + 16, &mut pvd)
        .map_err(|source| ReadError::Io {
            what: "primary volume descriptor".into(),
            lba: entry.start_lba + 16,
            source,
        })?;
    let options = ReadOptions {
        session_start: entry.start_lba,
        ..ReadOptions::default()
    };
    let mut volume = Volume::open(source, options)?;
    let array = check::read_array(&mut volume)?;
    // A tree that cannot be walked is reported, not fatal: the tags
    // still say which blocks changed.
    let (entries, tree_problem) = match check::session_entries(&mut volume) {
        Ok(entries) => (entries, None),
        Err(e) => (SessionEntries::default(), Some(e.to_string())),
    };
    let path_tables = affected::path_tables(&pvd);
    let tagged_start = tagged_start(entry.start_lba, entry.blocks, &array);
    let streamed = StreamedFiles::plan(
        &entries.files,
        |i| {
            entries.files[i]
                .1
                .md5_index
                .and_then(|index| array.file_md5(index))
                .is_some()
        },
        tagged_start,
        entry.start_lba + entry.blocks,
    );
    Ok((
        volume.into_source(),
        Prepared {
            entry,
            array,
            entries,
            tree_problem,
            path_tables,
            streamed,
            tagged_start,
        },
    ))
}

/// An image whose first session starts at LBA 0 and then had sessions
/// appended lists as one session from 0 (as `xorriso -toc` shows it): its
/// descriptors at LBA 16 are the newest session's, so the tree read is the
/// newest one, and its checksum array's range says where that session
/// begins (checksums.md §3). Its tags are walked from there; walking from
/// 0 finds only the relocated tag and would check none of them. Anywhere
/// else the array starts where the session does.
pub(crate) fn tagged_start(start: u64, blocks: u64, array: &ArrayState) -> u64 {
    match array {
        ArrayState::Loaded { area, .. }
            if u64::from(area.start) > start && u64::from(area.start) < start + blocks =>
        {
            u64::from(area.start)
        }
        _ => start,
    }
}

fn check_one(
    mut source: Source,
    p: Prepared,
    against_dir: Option<&std::path::Path>,
    meter: &mut Meter,
) -> Result<(Source, SessionCheck), ReadError> {
    let entry = &p.entry;
    let block = fsimage::BLOCK_SIZE as u64;
    let end = entry.start_lba + entry.blocks;
    let start = p.tagged_start;
    meter.lba = start;
    let base = meter.done_bytes;
    let other_bytes = p.other_bytes();
    let options = ReadOptions {
        session_start: entry.start_lba,
        ..ReadOptions::default()
    };
    // The session's blocks once: its tags, and the files whose data lie
    // in it, hashed from the same reads.
    // A block that cannot be read is listed and taken as zeros: the tags
    // and files over it then say what it holds.
    let mut tolerant = one_pass::Tolerant {
        inner: source.as_mut(),
        bad: Vec::new(),
    };
    let (blocks, streamed) =
        one_pass::read_session(&mut tolerant, start, end, &p.array, p.streamed, &mut |n| {
            meter.lba = start + n;
            meter.add((base + n * block).saturating_sub(meter.done_bytes));
        })
        .map_err(|source| ReadError::Io {
            what: "session blocks".into(),
            lba: entry.start_lba,
            source,
        })?;
    let unreadable = tolerant.bad;
    // The walk stops after the session tag: count the rest as done.
    meter.add((base + entry.blocks * block).saturating_sub(meter.done_bytes));
    // Then the files the stream did not give, read the ordinary way in the
    // order of their data on the medium (no seeking back and forth on a disc).
    let digests = streamed.results();
    let mut others: Vec<usize> = (0..digests.len())
        .filter(|&i| digests[i].is_none())
        .collect();
    others.sort_by_key(|&i| p.entries.files[i].1.extents.first().map(|e| e.lba));
    let to_read: Vec<(String, fsimage::read::Node)> =
        others.iter().map(|&i| p.entries.files[i].clone()).collect();
    let mut volume = Volume::open(source, options)?;
    let file_base = meter.done_bytes;
    let read = check::check_files(&mut volume, &to_read, &p.array, &mut |n| {
        meter.add((file_base + n).saturating_sub(meter.done_bytes))
    });
    let mut outcomes: Vec<Option<FileCheck>> = vec![None; digests.len()];
    for (i, checked) in others.into_iter().zip(read) {
        outcomes[i] = Some(checked);
    }
    let files: Vec<FileCheck> = p
        .entries
        .files
        .iter()
        .zip(digests)
        .zip(outcomes)
        .filter_map(|(((path, node), digest), read)| match digest {
            None => read,
            Some(md5) => {
                let recorded = node.md5_index.and_then(|i| p.array.file_md5(i));
                let outcome = if recorded == Some(md5) {
                    FileOutcome::Match
                } else {
                    FileOutcome::Mismatch
                };
                Some(FileCheck::new(path, node, outcome))
            }
        })
        .collect();
    meter.add((base + entry.blocks * block + other_bytes).saturating_sub(meter.done_bytes));
    let against = match against_dir {
        None => None,
        Some(_) if p.tree_problem.is_some() => None,
        Some(dir) => {
            // Files whose data matched their recorded MD5 are not read again
            // (a zisofs file's MD5 is over its compressed bytes: read it).
            let known: HashMap<String, [u8; 16]> = files
                .iter()
                .zip(&p.entries.files)
                .filter(|(f, (_, node))| f.outcome == FileOutcome::Match && node.zisofs.is_none())
                .filter_map(|(f, (_, node))| {
                    node.md5_index
                        .and_then(|i| p.array.file_md5(i))
                        .map(|md5| (format!("/{}", f.path), md5))
                })
                .collect();
            Some(against::compare(
                &mut volume,
                dir,
                &|path| known.get(path).copied(),
                &mut |n| meter.add(n),
            )?)
        }
    };
    let checksums = match (&p.array, blocks.tags.is_empty()) {
        (ArrayState::Damaged { .. }, _) => "damaged",
        (ArrayState::Absent, true) => "absent",
        _ => "recorded",
    };
    let array_area = match &p.array {
        ArrayState::Loaded { area, .. } | ArrayState::Damaged { area } => Some(*area),
        ArrayState::Absent => None,
    };
    let descriptors_end = blocks
        .tags
        .iter()
        .find(|t| t.kind == TagKind::Superblock)
        .map_or(p.tagged_start + 18, |t| t.lba);
    let map = SessionMap {
        start: p.tagged_start,
        descriptors_end,
        path_tables: p.path_tables.clone(),
        array: array_area,
        entries: &p.entries,
        files: &files,
    };
    // Nested prefixes: a change lies after the last tag that matched.
    let mut intact_up_to = p.tagged_start;
    let mut tags = Vec::new();
    for t in &blocks.tags {
        let affected = match t.outcome {
            TagOutcome::Match => {
                intact_up_to = t.lba;
                None
            }
            TagOutcome::Mismatch => Some(affected::affected(&map, intact_up_to, t.lba)),
            TagOutcome::Damaged | TagOutcome::Missing => {
                Some(affected::affected(&map, t.lba, t.lba + 1))
            }
        };
        tags.push(TagResult::new(t, outcome_name(t.outcome), affected));
    }
    let session_md5_affected = match (blocks.array_session_md5, array_area) {
        (Some(false), Some(area)) => {
            // Item 0 covers up to the array; tags before it narrow it.
            let from = blocks
                .tags
                .iter()
                .filter(|t| t.outcome == TagOutcome::Match && t.lba < u64::from(area.end))
                .map(|t| t.lba)
                .max()
                .unwrap_or(p.tagged_start);
            Some(affected::affected(&map, from, u64::from(area.end)))
        }
        _ => None,
    };
    let mut report = SessionCheck {
        number: entry.number,
        start_lba: entry.start_lba,
        blocks: entry.blocks,
        checksums,
        tags,
        session_md5: blocks.array_session_md5.map(md5_result),
        session_md5_affected,
        files: files.len() as u64,
        files_matching: 0,
        damaged_files: Vec::new(),
        files_without_md5: 0,
        tree_problem: p.tree_problem.clone(),
        against,
        unreadable,
    };
    for file in files {
        let problem = match file.outcome {
            FileOutcome::Match => {
                report.files_matching += 1;
                continue;
            }
            FileOutcome::NoMd5 => {
                report.files_without_md5 += 1;
                continue;
            }
            FileOutcome::Mismatch => "mismatch".to_string(),
            FileOutcome::Unreadable(reason) => reason,
        };
        report.damaged_files.push(DamagedFile {
            path: format!("/{}", file.path),
            size: file.size,
            extents: file.extents,
            problem,
        });
    }
    Ok((volume.into_source(), report))
}
