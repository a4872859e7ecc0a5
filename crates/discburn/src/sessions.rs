//! The sessions of any target, for `info` and for reading an older session
//! (`ls --session N`, `extract --session N`): image files by their chain of
//! descriptors (`fsimage::sessions`), emulated media and drives by their
//! table of contents.

use fsimage::sessions::{ImageLayout, ImageSession};
use fsimage::SectorSource;
use serde::Serialize;

use crate::error::BurnError;
use crate::target::{open_read_source, TargetKind};

/// What a target holds, session by session.
#[derive(Debug, Clone, Serialize)]
pub struct SessionList {
    pub sessions: Vec<SessionEntry>,
    /// `chained` (history listed), `from_zero` (first session at LBA 0: only
    /// the newest is visible), or `toc` (a disc's table of contents).
    pub layout: &'static str,
    /// Blocks past the recorded end of an image file (padding, or the tail
    /// of an interrupted append).
    pub blocks_past_end: u64,
    /// Set when LBA 0–31 of an image does not describe its newest session.
    pub superblock_problem: Option<String>,
    pub warnings: Vec<String>,
}

/// One session.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SessionEntry {
    pub number: u32,
    pub start_lba: u64,
    pub blocks: u64,
    pub volume_name: String,
}

impl From<&ImageSession> for SessionEntry {
    fn from(s: &ImageSession) -> Self {
        SessionEntry {
            number: s.number,
            start_lba: s.start,
            blocks: s.blocks,
            volume_name: s.volume_id.clone(),
        }
    }
}

impl SessionList {
    /// The first block of session `number`, for reading it.
    pub fn start_of(&self, target: &str, number: u32) -> Result<u64, BurnError> {
        self.sessions
            .iter()
            .find(|s| s.number == number)
            .map(|s| s.start_lba)
            .ok_or(BurnError::NoSuchSession {
                target: target.to_string(),
                number,
                count: self.sessions.len(),
            })
    }
}

/// Lists the sessions of `target`.
pub fn list_sessions(target: &str) -> Result<SessionList, BurnError> {
    let mut source = open_read_source(target)?;
    match TargetKind::parse(target) {
        TargetKind::ImageFile(path) => {
            let found =
                fsimage::sessions::scan(&mut source).map_err(|e| BurnError::NoSessions {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
            Ok(SessionList {
                sessions: found.sessions.iter().map(SessionEntry::from).collect(),
                layout: match found.layout {
                    ImageLayout::Chained => "chained",
                    ImageLayout::FromZero => "from_zero",
                },
                blocks_past_end: found.blocks_past_end,
                superblock_problem: found.superblock_problem,
                warnings: found.warnings,
            })
        }
        TargetKind::Emulated(_) | TargetKind::Drive(_) => {
            let media = crate::drive::inspect_target(target)?;
            let overwritable = media.as_ref().is_some_and(|m| m.overwritable);
            if overwritable {
                // Grown like an image file: the chain of descriptors is the history.
                return Ok(match fsimage::sessions::scan(&mut source) {
                    Ok(found) => SessionList {
                        sessions: found.sessions.iter().map(SessionEntry::from).collect(),
                        layout: match found.layout {
                            ImageLayout::Chained => "chained",
                            ImageLayout::FromZero => "from_zero",
                        },
                        blocks_past_end: 0,
                        superblock_problem: found.superblock_problem,
                        warnings: found.warnings,
                    },
                    Err(_) => SessionList {
                        sessions: Vec::new(),
                        layout: "chained",
                        blocks_past_end: 0,
                        superblock_problem: None,
                        warnings: Vec::new(),
                    },
                });
            }
            let sessions = media
                .map(|m| sessions_from_tracks(&m, &mut source))
                .unwrap_or_default();
            Ok(SessionList {
                sessions,
                layout: "toc",
                blocks_past_end: 0,
                superblock_problem: None,
                warnings: Vec::new(),
            })
        }
    }
}

/// Where a reader finds the tree it shows by default, as Linux mounts a disc
/// (`isofs` asks the drive for the last session, READ TOC format 1):
/// on a write-once disc the first block of its last complete session; on an
/// image file or an overwritable medium 0, because the descriptors at LBA 16
/// describe the newest tree there (they are rewritten last by every append).
pub fn default_read_start(target: &str) -> Result<u64, BurnError> {
    match TargetKind::parse(target) {
        TargetKind::ImageFile(_) => Ok(0),
        TargetKind::Emulated(_) | TargetKind::Drive(_) => {
            let Some(media) = crate::drive::inspect_target(target)? else {
                return Ok(0);
            };
            if media.overwritable {
                return Ok(0);
            }
            Ok(media.last_session_start.map_or(0, u64::from))
        }
    }
}

/// The session a burn that failed or was interrupted left open, with data
/// in it: its tracks' session number, if there is one. Readers do not see it
/// (the table of contents lists complete sessions), and its data cannot be trusted.
pub fn incomplete_session(media: &crate::drive::MediaInfo) -> Option<u16> {
    let open = matches!(
        media.last_session_state.as_deref(),
        Some("incomplete" | "damaged")
    );
    let last = media.tracks.iter().map(|t| t.session).max()?;
    let has_data = media.tracks.iter().any(|t| t.session == last && t.size > 0);
    (open && has_data).then_some(last)
}

/// The sessions of a disc from its table of contents: the first recorded
/// track of each complete session starts it, and its ISO 9660 descriptor
/// there gives its size and name (a session without one is left out, and so
/// is a session left incomplete by a failed burn).
pub fn sessions_from_tracks(
    media: &crate::drive::MediaInfo,
    source: &mut dyn SectorSource,
) -> Vec<SessionEntry> {
    let incomplete = incomplete_session(media);
    let mut sessions: Vec<SessionEntry> = Vec::new();
    for track in &media.tracks {
        let listed = sessions
            .iter()
            .any(|s| s.number == u32::from(track.session));
        if track.size == 0 || listed || Some(track.session) == incomplete {
            continue;
        }
        let start = u64::from(track.start);
        let Some((blocks, volume_name)) = session_descriptor(source, start) else {
            continue;
        };
        sessions.push(SessionEntry {
            number: u32::from(track.session),
            start_lba: start,
            blocks,
            volume_name,
        });
    }
    sessions
}

/// Volume Space Size and volume identifier of the primary descriptor at
/// `start + 16`, if there is one.
fn session_descriptor(source: &mut dyn SectorSource, start: u64) -> Option<(u64, String)> {
    let mut block = vec![0u8; fsimage::BLOCK_SIZE];
    source.read_blocks(start + 16, &mut block).ok()?;
    let vd = iso9660::volume::VolumeDescriptor::parse(&block).ok()?;
    if vd.descriptor_type != iso9660::volume::DescriptorType::Primary {
        return None;
    }
    let name = String::from_utf8_lossy(&vd.volume_id)
        .trim_end_matches([' ', '\0'])
        .to_string();
    Some((u64::from(vd.volume_space_size), name))
}
