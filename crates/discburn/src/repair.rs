//! `discburn repair`: rebuild the superblock (LBA 0–31) of an image file from
//! its newest intact session, when a torn write or a damaged disk left it
//! unreadable or pointing at the wrong session.
//!
//! The sessions are found by following the chain of descriptors from LBA 32
//! (every session keeps its own at `start + 16`); the newest one whose whole
//! directory tree reads back cleanly becomes the one LBA 16 describes.

use std::path::{Path, PathBuf};

use fsimage::read::{ReadOptions, Volume};
use fsimage::sessions::{self, ImageLayout, ImageSession};
use fsimage::{SectorSource, BLOCK_SIZE};
use serde::Serialize;

use crate::error::BurnError;
use crate::lock::lock_for_writing;
use crate::storage::{
    build_superblock, commit_superblock, Storage, StorageSource, SUPERBLOCK_BLOCKS,
};
use crate::target::TargetKind;
use crate::udf_anchor;

/// What a repair did.
#[derive(Debug, Clone, Serialize)]
pub struct RepairReport {
    pub target: String,
    /// False when the superblock already described the newest session.
    pub repaired: bool,
    /// What was wrong.
    pub problem: Option<String>,
    /// The session LBA 16 now describes.
    pub session: u32,
    pub start_lba: u64,
    pub image_blocks: u64,
    /// Sessions found after it whose trees do not read back (left in place,
    /// ignored by readers, overwritten by the next append).
    pub skipped_sessions: Vec<u64>,
}

/// Repairs the image file `target`.
pub fn repair(target: &str) -> Result<RepairReport, BurnError> {
    let TargetKind::ImageFile(path) = TargetKind::parse(target) else {
        return Err(BurnError::Unsupported {
            target: target.to_string(),
            what: "repair (discs keep their sessions in the table of contents)",
        });
    };
    let _lock = lock_for_writing(&path)?;
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .map_err(|source| BurnError::Open {
            path: path.clone(),
            source,
        })?;
    repair_storage(&path, &mut file)
}

/// [`repair`] over any [`Storage`] (tests use failing ones).
pub fn repair_storage(path: &Path, storage: &mut dyn Storage) -> Result<RepairReport, BurnError> {
    let not_image = |reason: String| BurnError::NotAnImage {
        path: path.to_path_buf(),
        reason,
    };
    let (scan, chain) = {
        let mut source = StorageSource::new(storage).map_err(|e| not_image(e.to_string()))?;
        let scan = sessions::scan(&mut source).ok();
        let chain = sessions::scan_chain(&mut source).map_err(|e| not_image(e.to_string()))?;
        (scan, chain)
    };
    if let Some(scan) = &scan {
        if scan.layout == ImageLayout::FromZero && chain.is_empty() {
            return Err(not_image(
                "its first session starts at LBA 0, so it keeps no chain of sessions to rebuild \
                 LBA 0-31 from"
                    .into(),
            ));
        }
    }
    let problem = match &scan {
        None => Some("LBA 16 holds no readable ISO 9660 volume descriptor".to_string()),
        Some(scan) => scan.superblock_problem.clone(),
    };
    // The newest session of the chain whose tree reads back.
    let mut skipped_sessions = Vec::new();
    let mut chosen = None;
    for session in chain.iter().rev() {
        let mut source = StorageSource::new(storage).map_err(|e| not_image(e.to_string()))?;
        if tree_reads_back(&mut source, session) {
            chosen = Some(session.clone());
            break;
        }
        skipped_sessions.push(session.start);
    }
    let Some(session) = chosen else {
        return Err(not_image(
            "no intact session found in the chain from LBA 32".into(),
        ));
    };
    let write_error = |source| BurnError::Write {
        path: path.to_path_buf(),
        source,
    };
    // Block 256 must name the chosen session's UDF volume (or none), as the
    // last step of an append leaves it: a crash between the superblock and
    // that step leaves image readers (7-Zip, Windows) on an older UDF tree.
    let first = chain.first().map_or(session.start, |s| s.start);
    let anchor =
        if udf_anchor::owns_anchor_block(storage, ImageLayout::Chained, first, session.start)
            .map_err(write_error)?
        {
            let want =
                udf_anchor::anchor_for_session(storage, session.start).map_err(write_error)?;
            let have = udf_anchor::current(storage).map_err(write_error)?;
            (have.as_ref() != Some(&want)).then_some(want)
        } else {
            None
        };
    let problem = match (problem, &anchor) {
        (None, Some(want)) => Some(format!(
            "the UDF anchor at block 256 does not point at session {}'s {}",
            session.number,
            if want.iter().all(|&b| b == 0) {
                "tree (it has no UDF)"
            } else {
                "UDF volume"
            }
        )),
        (problem, _) => problem,
    };
    if problem.is_none() && skipped_sessions.is_empty() {
        return Ok(report(path, false, None, &session, skipped_sessions));
    }
    let descriptors =
        read_descriptor_set(storage, session.start).map_err(|e| BurnError::Write {
            path: path.to_path_buf(),
            source: e,
        })?;
    // The session carries checksums when a superblock tag follows its descriptors.
    let checksummed = {
        let mut tag = vec![0u8; BLOCK_SIZE];
        let at = session.start + 16 + (descriptors.len() / BLOCK_SIZE) as u64;
        storage
            .read_exact_at(&mut tag, at * BLOCK_SIZE as u64)
            .is_ok()
            && matches!(
                iso9660::md5tag::Md5Tag::parse(&tag),
                Ok(Some(t)) if t.kind == iso9660::md5tag::TagKind::Superblock
            )
    };
    let end =
        u32::try_from(session.end()).map_err(|_| not_image("session past 2^32 blocks".into()))?;
    let superblock = build_superblock(
        &descriptors,
        end,
        checksummed.then_some(session.start as u32),
    );
    commit_superblock(storage, &superblock, 0..SUPERBLOCK_BLOCKS).map_err(write_error)?;
    // The anchor last, as an append writes it.
    if let Some(want) = anchor {
        storage
            .write_all_at(&want, udf_anchor::ANCHOR * BLOCK_SIZE as u64)
            .and_then(|()| storage.sync())
            .map_err(write_error)?;
    }
    Ok(report(path, true, problem, &session, skipped_sessions))
}

fn report(
    path: &Path,
    repaired: bool,
    problem: Option<String>,
    session: &ImageSession,
    skipped_sessions: Vec<u64>,
) -> RepairReport {
    RepairReport {
        target: PathBuf::from(path).display().to_string(),
        repaired,
        problem,
        session: session.number,
        start_lba: session.start,
        image_blocks: session.end(),
        skipped_sessions,
    }
}

/// True when the session opens and every directory of its tree reads.
fn tree_reads_back(source: &mut dyn SectorSource, session: &ImageSession) -> bool {
    let options = ReadOptions {
        session_start: session.start,
        ..ReadOptions::default()
    };
    let Ok(mut volume) = Volume::open(source, options) else {
        return false;
    };
    let root = volume.root().clone();
    let mut clean = true;
    let walked = volume.walk(&root, "", &mut |_, _, _| Ok(true), &mut |_, _| {
        clean = false
    });
    walked.is_ok() && clean
}

/// The volume descriptor set at `start + 16`, terminator included (at most 16 blocks).
fn read_descriptor_set(storage: &mut dyn Storage, start: u64) -> std::io::Result<Vec<u8>> {
    let mut set = Vec::new();
    let mut block = vec![0u8; BLOCK_SIZE];
    for index in 0..16u64 {
        storage.read_exact_at(&mut block, (start + 16 + index) * BLOCK_SIZE as u64)?;
        set.extend_from_slice(&block);
        if block[0] == 255 {
            break;
        }
    }
    Ok(set)
}
