//! What a disc can still take: its status in IMAPI2's terms, what the next
//! session costs beyond its data, and how many more sessions of a given size
//! fit (`discburn info --plan SIZE`).

use serde::Serialize;

use crate::drive::MediaInfo;

/// Blocks between the end of a CD session's track and the next session's
/// data: lead-out, lead-in and pre-gap, 6750 + 4500 + 150 after the first
/// session and 2250 + 4500 + 150 after later ones (multisession.md §3.1).
const CD_GAP_AFTER_FIRST: u64 = 11_400;
const CD_GAP_AFTER_LATER: u64 = 6_900;
/// A CD track holds at least 300 blocks, and a TAO track ends with 2 run-out blocks.
const CD_MIN_TRACK: u64 = 300;
const CD_RUN_OUT: u64 = 2;
/// Sessions on overwritable media start on 32-block boundaries (multisession.md §3.3).
const SESSION_ALIGNMENT: u64 = 32;

/// The capacity part of `info`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Capacity {
    /// `blank`, `appendable`, `final session` (another session would not
    /// fit), `closed`, `damaged` (a session left incomplete), `overwritable`,
    /// `write-protected` (the drive reports the medium protected: nothing can
    /// be written whatever else it is), `no medium` or `unknown`.
    pub status: &'static str,
    /// Blocks a session costs beyond its data: closing it and reaching the
    /// next one (`None` when the medium does not say; DVD+R and BD-R drives
    /// only tell the next writable address after closing).
    pub next_session_overhead: Option<u64>,
    /// With `--plan SIZE`: the session size in blocks, and how many more
    /// sessions of that size fit.
    pub plan_blocks: Option<u64>,
    pub sessions_that_fit: Option<u64>,
    /// Where the next session goes and the blocks free from there: what the
    /// drive reports on write-once media; on overwritable media the 32-block
    /// boundary after the newest session (LBA 32 on an empty disc), as the
    /// burn places it, and the formatted size left after it.
    pub next_writable_address: Option<u64>,
    pub free_blocks: Option<u64>,
}

/// What an overwritable disc holds, for [`capacity`]: DVD+RW, BD-RE and
/// formatted DVD-RW have no sessions of their own (they grow like image
/// files), so the drive cannot say where the next session goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grown {
    /// No volume at all (blank, or formatted and never written).
    Empty,
    /// ISO 9660 sessions ending at this block.
    EndsAt(u64),
    /// Something else (a UDF-only volume): where it ends is not known.
    Unknown,
}

/// Works out a disc's capacity from what the drive reported (and, for an
/// overwritable disc, what it holds).
pub fn capacity(media: &MediaInfo, grown: Option<Grown>, plan_bytes: Option<u64>) -> Capacity {
    let is_cd = media
        .profile
        .as_deref()
        .is_some_and(|p| p.starts_with("CD"));
    let overwritable = media.overwritable;
    let sessions = media.sessions.unwrap_or(0);
    let next_session_overhead = if overwritable {
        Some(0)
    } else if is_cd {
        Some(
            CD_RUN_OUT
                + if sessions == 0 {
                    CD_GAP_AFTER_FIRST
                } else {
                    CD_GAP_AFTER_LATER
                },
        )
    } else {
        observed_gap(media)
    };
    let plan_blocks = plan_bytes.map(|b| b.div_ceil(fsimage::BLOCK_SIZE as u64));
    let per_session = |blocks: u64| {
        let data = if is_cd {
            blocks.max(CD_MIN_TRACK)
        } else if overwritable {
            blocks.div_ceil(SESSION_ALIGNMENT) * SESSION_ALIGNMENT
        } else {
            blocks
        };
        data + next_session_overhead.unwrap_or(0)
    };
    let (next_writable_address, free) = if overwritable {
        let next = match grown {
            Some(Grown::Empty) => Some(fsimage::sessions::FIRST_SESSION_LBA),
            Some(Grown::EndsAt(end)) => Some(end.div_ceil(SESSION_ALIGNMENT) * SESSION_ALIGNMENT),
            _ => None,
        };
        let free = next.and_then(|next| {
            media
                .capacity_blocks
                .or(media.free_blocks.map(u64::from))
                .map(|size| size.saturating_sub(next))
        });
        (next, free)
    } else {
        (
            media.next_writable_address.map(u64::from),
            media.free_blocks.map(u64::from),
        )
    };
    let sessions_that_fit = match (plan_blocks, free) {
        (Some(blocks), Some(free)) if blocks > 0 => Some(free / per_session(blocks)),
        _ => None,
    };
    let status = if !media.medium_present {
        "no medium"
    } else if media.write_protected == Some(true) {
        "write-protected"
    } else {
        match (
            media.disc_status.as_deref(),
            media.last_session_state.as_deref(),
        ) {
            (Some("blank"), _) => "blank",
            // Formatted (the drive says complete) but never written.
            _ if overwritable && grown == Some(Grown::Empty) => "blank",
            // An overwritable disc takes another session whatever the drive
            // says of its one track.
            _ if overwritable => "overwritable",
            (Some("complete"), _) => "closed",
            (Some("random-writable"), _) => "overwritable",
            (Some("appendable"), Some("incomplete" | "damaged")) => "damaged",
            (Some("appendable"), _) => match (free, next_session_overhead) {
                // Not even a shortest session would fit after the next one.
                (Some(free), Some(overhead)) if free < per_session(1) + overhead => "final session",
                _ => "appendable",
            },
            _ => "unknown",
        }
    };
    Capacity {
        status,
        next_session_overhead,
        plan_blocks,
        sessions_that_fit,
        next_writable_address,
        free_blocks: free,
    }
}

/// The gap this disc showed between the end of one session's last track and
/// the start of the next (DVD and BD drives choose it; no table gives it).
fn observed_gap(media: &MediaInfo) -> Option<u64> {
    let tracks = &media.tracks;
    tracks
        .windows(2)
        .rev()
        .filter(|pair| pair[1].session != pair[0].session)
        .map(|pair| {
            u64::from(pair[1].start)
                .saturating_sub(u64::from(pair[0].start) + u64::from(pair[0].size))
        })
        .next()
}
