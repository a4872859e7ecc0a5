//! `discburn verify`: checks sessions against the MD5s they recorded
//! (libisofs's format, reference/checksums.md §11.2): the superblock, tree and
//! session tags streamed block by block, the checksum array's own item and its
//! session item, and every file's data against its item. Works on discburn's
//! sessions and on xorriso's `-md5 on` sessions alike.

use fsimage::checksums::check::{self, ArrayState, FileOutcome, TagOutcome};
use fsimage::read::{ReadError, ReadOptions, Volume};
use iso9660::md5tag::TagKind;
use serde::Serialize;

use crate::error::BurnError;
use crate::sessions::{list_sessions, SessionEntry};
use crate::target::open_read_source;

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

/// What `verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub target: String,
    pub sessions: Vec<SessionCheck>,
    /// True when every checked session matches its checksums and none lacks them.
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
    pub files: u64,
    pub files_matching: u64,
    /// Files whose data differs from their recorded MD5, or cannot be read.
    pub damaged_files: Vec<DamagedFile>,
    /// Files the session records no MD5 for.
    pub files_without_md5: u64,
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

fn kind_name(kind: TagKind) -> &'static str {
    match kind {
        TagKind::Superblock => "superblock",
        TagKind::Tree => "tree",
        TagKind::Session => "session",
        TagKind::Relocated => "relocated",
    }
}

fn outcome_name(outcome: TagOutcome) -> &'static str {
    match outcome {
        TagOutcome::Match => "match",
        TagOutcome::Mismatch => "mismatch",
        TagOutcome::Damaged => "damaged",
        TagOutcome::Missing => "missing",
    }
}

impl SessionCheck {
    /// True when everything recorded matches and something was recorded.
    pub fn ok(&self) -> bool {
        self.checksums == "recorded"
            && self.tags.iter().all(|t| t.result == "match")
            && self.session_md5 != Some("mismatch")
            && self.damaged_files.is_empty()
    }
}

/// Checks the chosen sessions of `target`; `progress(bytes_read)` as data is read.
pub fn verify(
    target: &str,
    which: Which,
    progress: &mut dyn FnMut(u64),
) -> Result<VerifyReport, BurnError> {
    let list = list_sessions(target)?;
    let chosen: Vec<SessionEntry> = match which {
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
    let mut done = 0u64;
    let mut sessions = Vec::new();
    for entry in chosen {
        let checked = check_one(target, &entry, &mut |n| progress(done + n)).map_err(|source| {
            BurnError::ReadSession {
                target: target.to_string(),
                session: entry.number,
                source,
            }
        })?;
        done += entry.blocks * fsimage::BLOCK_SIZE as u64;
        sessions.push(checked);
    }
    let ok = sessions.iter().all(SessionCheck::ok);
    Ok(VerifyReport {
        target: target.to_string(),
        sessions,
        ok,
    })
}

fn check_one(
    target: &str,
    entry: &SessionEntry,
    progress: &mut dyn FnMut(u64),
) -> Result<SessionCheck, ReadError> {
    let io = |source: std::io::Error| ReadError::Io {
        what: "session blocks".into(),
        lba: entry.start_lba,
        source,
    };
    let source = open_read_source(target).map_err(|e| io(std::io::Error::other(e.to_string())))?;
    let options = ReadOptions {
        session_start: entry.start_lba,
        ..ReadOptions::default()
    };
    let mut volume = Volume::open(source, options)?;
    let array = check::read_array(&mut volume)?;
    let end = entry.start_lba + entry.blocks;
    let blocks = {
        let mut source =
            open_read_source(target).map_err(|e| io(std::io::Error::other(e.to_string())))?;
        check::check_session_blocks(&mut source, entry.start_lba, end, &array, &mut |n| {
            progress(n * fsimage::BLOCK_SIZE as u64)
        })
        .map_err(io)?
    };
    let block_bytes = blocks.blocks_read * fsimage::BLOCK_SIZE as u64;
    let files = check::check_files(&mut volume, &array, &mut |n| progress(block_bytes + n))?;
    let checksums = match (&array, blocks.tags.is_empty()) {
        (ArrayState::Damaged { .. }, _) => "damaged",
        (ArrayState::Absent, true) => "absent",
        _ => "recorded",
    };
    let mut report = SessionCheck {
        number: entry.number,
        start_lba: entry.start_lba,
        blocks: entry.blocks,
        checksums,
        tags: blocks
            .tags
            .iter()
            .map(|t| TagResult {
                kind: kind_name(t.kind),
                lba: t.lba,
                range_start_lba: t.range_start,
                range_blocks: t.range_blocks,
                result: outcome_name(t.outcome),
            })
            .collect(),
        session_md5: blocks
            .array_session_md5
            .map(|ok| if ok { "match" } else { "mismatch" }),
        files: files.len() as u64,
        files_matching: 0,
        damaged_files: Vec::new(),
        files_without_md5: 0,
    };
    for file in files {
        match file.outcome {
            FileOutcome::Match => report.files_matching += 1,
            FileOutcome::NoMd5 => report.files_without_md5 += 1,
            FileOutcome::Mismatch => report.damaged_files.push(DamagedFile {
                path: format!("/{}", file.path),
                size: file.size,
                extents: file.extents,
                problem: "mismatch".into(),
            }),
            FileOutcome::Unreadable(reason) => report.damaged_files.push(DamagedFile {
                path: format!("/{}", file.path),
                size: file.size,
                extents: file.extents,
                problem: reason,
            }),
        }
    }
    Ok(report)
}
