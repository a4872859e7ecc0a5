//! The description of a medium that `discburn emu show` prints and tests read.

use std::path::{Path, PathBuf};

use mmc::disc::{DiscStatus, SessionState};
use serde::Serialize;

use crate::media::MediaType;
use crate::personality::Personality;
use crate::state::{BgFormat, MediumState, TrackView};

/// A summary of the medium, for `discburn emu show` and tests.
#[derive(Debug, Clone, Serialize)]
pub struct MediumSummary {
    pub path: PathBuf,
    pub media: MediaType,
    /// The profile number (GET CONFIGURATION bytes 6-7) and its name as
    /// `mmc::Profile` spells it.
    pub profile: u16,
    pub profile_name: &'static str,
    pub capacity: u64,
    pub disc_status: DiscStatus,
    pub last_session_state: SessionState,
    pub erasable: bool,
    pub finalized: bool,
    pub formatted_blocks: Option<u64>,
    pub background_format: BgFormat,
    pub sessions: Vec<SessionSummary>,
    /// Tracks of the open session, the invisible track included.
    pub open_session: Vec<TrackView>,
    pub next_writable: Option<u64>,
    pub free_blocks: u64,
    pub recorded_blocks: u64,
    /// The drive the medium opens in (see [`crate::personality`]).
    pub drive: Personality,
    /// The medium's write-protect switch is on (`discburn emu protect`).
    pub write_protected: bool,
}

/// One closed session in a [`MediumSummary`].
#[derive(Debug, Clone, Serialize)]
pub struct SessionSummary {
    pub number: u32,
    pub start: u64,
    pub leadout_start: u64,
    pub tracks: Vec<TrackView>,
}

/// Builds the summary `discburn emu show` prints.
pub fn summarize(path: &Path, state: &MediumState) -> MediumSummary {
    let views = state.track_views();
    let sessions = state
        .sessions
        .iter()
        .map(|s| SessionSummary {
            number: s.number,
            start: s.start,
            leadout_start: s.leadout_start,
            tracks: views
                .iter()
                .filter(|v| v.session == s.number)
                .cloned()
                .collect(),
        })
        .collect();
    let open_session = if state.is_overwritable() || state.finalized {
        if state.is_overwritable() {
            views.clone()
        } else {
            Vec::new()
        }
    } else {
        views
            .iter()
            .filter(|v| v.session == state.open_session())
            .cloned()
            .collect()
    };
    MediumSummary {
        path: path.to_path_buf(),
        media: state.media,
        profile: u16::from(state.profile()),
        profile_name: state.profile().name(),
        capacity: state.capacity,
        disc_status: state.disc_status(),
        last_session_state: state.last_session_state(),
        erasable: state.media.erasable(),
        finalized: state.finalized,
        formatted_blocks: state.formatted_blocks,
        background_format: state.bg_format,
        sessions,
        open_session,
        next_writable: if state.is_overwritable() {
            None
        } else {
            state.next_writable()
        },
        free_blocks: state.free_blocks(),
        recorded_blocks: state.recorded_end(),
        drive: state.drive,
        write_protected: state.write_protected,
    }
}
