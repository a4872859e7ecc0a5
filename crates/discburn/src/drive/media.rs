//! What is in the drive, as IMAPI2's media properties tell it: profile,
//! status, sessions and tracks, next writable address, free blocks
//! ([`inspect_media`]), and the text `discburn info` prints.

use mmc::cdb::{RequestType, TrackAddress};
use mmc::disc::{DiscStatus, SessionState, TrackState};
use mmc::{ops, Profile, Transport};

use mmc::sense::Sense;

use super::{ensure_ready, DriveError, BLOCK, MAX_TRACKS};

/// One track of the disc.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TrackSummary {
    pub number: u16,
    pub session: u16,
    pub start: u32,
    /// Recorded size in blocks (for the blank/invisible track: all space from its start).
    pub size: u32,
    pub state: TrackState,
    /// Next writable address, when the track can be written on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_writable_address: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free_blocks: Option<u32>,
}

/// What the medium in a drive is and holds.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MediaInfo {
    pub device: String,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub revision: Option<String>,
    pub medium_present: bool,
    /// Current profile name ("CD-R", "DVD+R DL", ...).
    pub profile: Option<String>,
    pub profile_code: Option<u16>,
    /// Written at random like an image file (see
    /// [`super::medium_is_overwritable`]): an overwritable profile, or a
    /// CD-RW formatted for fixed packets.
    #[serde(skip)]
    pub overwritable: bool,
    /// "blank", "appendable", "complete", "random-writable".
    pub disc_status: Option<String>,
    /// "empty", "incomplete", "damaged", "complete".
    pub last_session_state: Option<String>,
    pub erasable: Option<bool>,
    /// Sessions holding data (the trailing empty session is not counted).
    pub sessions: Option<u32>,
    /// Tracks with data; the blank (invisible) track is not listed here.
    pub tracks: Vec<TrackSummary>,
    /// Start of the first track of the last complete session (`mkisofs -C` first number).
    pub last_session_start: Option<u32>,
    /// Where the next session can be written, and the room there (appendable or blank media).
    pub next_writable_address: Option<u32>,
    pub free_blocks: Option<u32>,
    /// Readable blocks (READ CAPACITY last LBA + 1).
    pub capacity_blocks: Option<u64>,
    /// First block of layer 1 on a dual-layer DVD (READ DISC STRUCTURE 20h).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer_break: Option<u32>,
    /// Whether the drive reports the medium write-protected (feature 0004h,
    /// READ DISC STRUCTURE C0h); `None` when it does not say.
    pub write_protected: Option<bool>,
    /// Why, in IMAPI2's words: `cartridge`, `media-specific`, `software`,
    /// `until power-down`, `read-only media` (a ROM profile; empty when not
    /// protected).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub write_protection: Vec<&'static str>,
    /// Commands the drive rejected or answers that looked wrong.
    pub notes: Vec<String>,
}

impl MediaInfo {
    fn empty(device: String) -> MediaInfo {
        MediaInfo {
            device,
            vendor: None,
            model: None,
            revision: None,
            medium_present: false,
            profile: None,
            profile_code: None,
            overwritable: false,
            disc_status: None,
            last_session_state: None,
            erasable: None,
            sessions: None,
            tracks: Vec::new(),
            last_session_start: None,
            next_writable_address: None,
            free_blocks: None,
            capacity_blocks: None,
            layer_break: None,
            write_protected: None,
            write_protection: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// Inspects the medium (mmc.md §4): INQUIRY, GET CONFIGURATION, READ DISC
/// INFORMATION, READ TRACK INFORMATION per track, READ TOC (format 1 for the
/// last session, format 0 as a fallback for the track list), READ CAPACITY,
/// and the write protection ([`super::write_protection`]).
/// Commands the drive rejects are noted in [`MediaInfo::notes`].
pub fn inspect_media(t: &mut dyn Transport) -> Result<MediaInfo, DriveError> {
    let mut info = MediaInfo::empty(t.device_name());
    match ops::inquiry(t) {
        Ok(inq) => {
            info.vendor = Some(inq.vendor);
            info.model = Some(inq.product);
            info.revision = Some(inq.revision);
        }
        Err(e) => info.notes.push(format!("INQUIRY: {e}")),
    }
    match ensure_ready(t) {
        Ok(()) => info.medium_present = true,
        Err(DriveError::NoMedium { .. }) => return Ok(info),
        Err(e) => return Err(e),
    }
    let profile = match ops::get_configuration(t, RequestType::Current, 0) {
        Ok(config) => {
            info.overwritable = config.current_profile.is_overwritable()
                || (config.current_profile == Profile::CdRw
                    && config.is_current(mmc::config::feature::RANDOM_WRITABLE));
            Some(config.current_profile)
        }
        Err(e) => {
            info.notes.push(format!("GET CONFIGURATION: {e}"));
            None
        }
    };
    if let Some(profile) = profile {
        if profile == Profile::None {
            info.notes
                .push("the drive reports no current profile".to_string());
        } else {
            info.profile = Some(profile.to_string());
            info.profile_code = Some(u16::from(profile));
        }
    }
    let dual_layer = matches!(
        profile,
        Some(Profile::DvdRDlSequential | Profile::DvdRDlLayerJump | Profile::DvdPlusRDl)
    );
    if dual_layer {
        match ops::read_layer_boundary(t) {
            Ok(boundary) => info.layer_break = Some(boundary.l0_capacity),
            Err(e) => info
                .notes
                .push(format!("READ DISC STRUCTURE (layer boundary): {e}")),
        }
    }
    match super::write_protection(t) {
        Ok(Some(status)) => {
            info.write_protected = Some(status.is_protected());
            info.write_protection = status.causes();
        }
        Ok(None) => {}
        Err(e) => info
            .notes
            .push(format!("READ DISC STRUCTURE (write protection): {e}")),
    }
    // Pressed media (a ROM profile; also what a read-only drive reports for
    // any disc) can never be written: IMAPI2's READ_ONLY_MEDIA.
    if profile.is_some_and(|p| p != Profile::None && !p.is_writable()) {
        info.write_protected = Some(true);
        info.write_protection.push("read-only media");
    }

    let disc = match ops::read_disc_information(t) {
        Ok(di) => Some(di),
        Err(e) if e.sense().is_some_and(Sense::is_no_medium) => {
            info.medium_present = false;
            return Ok(info);
        }
        Err(e) => {
            info.notes.push(format!("READ DISC INFORMATION: {e}"));
            None
        }
    };
    if let Some(di) = &disc {
        info.disc_status = Some(di.disc_status.name().to_string());
        info.last_session_state = Some(di.last_session_state.name().to_string());
        info.erasable = Some(di.erasable);
        let recorded = if di.last_session_state == SessionState::Empty {
            di.sessions.saturating_sub(1)
        } else {
            di.sessions
        };
        info.sessions = Some(u32::from(recorded));
        read_tracks(t, di, &mut info);
    }

    // A blank disc has no TOC and nothing to read: drives refuse READ TOC
    // and report a capacity of one block; neither is news to the user.
    let blank = disc
        .as_ref()
        .is_some_and(|d| d.disc_status == DiscStatus::Blank);
    if blank {
        return Ok(info);
    }
    match ops::read_session_info(t) {
        Ok(si) if si.last_complete_session > 0 => {
            info.last_session_start = Some(si.last_session_start)
        }
        Ok(_) => {}
        Err(e) => {
            // tgt sends READ TOC two bytes short (tgt-recorder.md §1): READ TRACK
            // INFORMATION's tracks still say where the last complete session starts.
            info.last_session_start = last_complete_session_start(&info.tracks);
            info.notes.push(match info.last_session_start {
                Some(start) => format!(
                    "READ TOC format 1: {e}; last session start {start} from READ TRACK INFORMATION"
                ),
                None => format!("READ TOC format 1: {e}"),
            });
        }
    }
    if info.tracks.is_empty()
        && disc
            .as_ref()
            .is_none_or(|d| d.disc_status != DiscStatus::Blank)
    {
        tracks_from_toc(t, &mut info);
    }
    if info.sessions.is_none() && !info.tracks.is_empty() {
        info.sessions = info.tracks.iter().map(|tr| u32::from(tr.session)).max();
    }

    match ops::read_capacity(t) {
        Ok(cap) if cap.block_length == 2048 || cap.block_length == 0 => {
            info.capacity_blocks = Some(cap.block_count());
        }
        Ok(cap) => {
            info.capacity_blocks = Some(cap.block_count());
            info.notes
                .push(format!("READ CAPACITY: block length {}", cap.block_length));
        }
        Err(e) => info.notes.push(format!("READ CAPACITY: {e}")),
    }
    Ok(info)
}

/// The first block of the last session whose tracks are all complete (closed).
pub(super) fn last_complete_session_start(tracks: &[TrackSummary]) -> Option<u32> {
    let last = tracks
        .iter()
        .filter(|t| t.state == TrackState::Complete)
        .map(|t| t.session)
        .max()?;
    let session: Vec<&TrackSummary> = tracks.iter().filter(|t| t.session == last).collect();
    if session.iter().any(|t| t.state != TrackState::Complete) {
        return None;
    }
    session.iter().map(|t| t.start).min()
}

/// READ TRACK INFORMATION on every track from the first on the disc to the
/// last in the last session (the invisible/incomplete track on appendable media).
fn read_tracks(t: &mut dyn Transport, di: &mmc::disc::DiscInformation, info: &mut MediaInfo) {
    let first = u16::from(di.first_track_on_disc.max(1));
    let last = di
        .last_track_in_last_session
        .min(first.saturating_add(MAX_TRACKS));
    for number in first..=last {
        let ti = match ops::read_track_information(t, TrackAddress::Track(u32::from(number))) {
            Ok(ti) => ti,
            // Read-only drives (QEMU's, many DVD-ROM drives) lack the command
            // (5/20/00, QEMU-DRIVE.md row 4): the TOC gives the tracks instead.
            Err(e) if e.is_unsupported() && info.tracks.is_empty() => {
                info.notes.push(format!(
                    "READ TRACK INFORMATION is not supported by the drive ({}); tracks from READ TOC",
                    e.sense()
                        .map(|s| {
                            let (key, asc, ascq) = s.code();
                            format!("{key:X}/{asc:02X}/{ascq:02X}")
                        })
                        .unwrap_or_default()
                ));
                return;
            }
            Err(e) => {
                info.notes
                    .push(format!("READ TRACK INFORMATION track {number}: {e}"));
                return;
            }
        };
        let writable = matches!(di.disc_status, DiscStatus::Blank | DiscStatus::Appendable);
        let nwa = if writable {
            ti.writable_address()
        } else {
            None
        };
        if nwa.is_some() {
            info.next_writable_address = nwa;
            info.free_blocks = Some(ti.free_blocks);
        }
        if ti.state() == TrackState::Blank {
            continue;
        }
        // A written track's size: the recorded part of an incomplete track.
        let size = match (ti.state(), nwa) {
            (TrackState::Incomplete, Some(nwa)) => nwa.saturating_sub(ti.track_start),
            _ => ti.track_size,
        };
        info.tracks.push(TrackSummary {
            number: ti.track_number,
            session: ti.session_number,
            start: ti.track_start,
            size,
            state: ti.state(),
            next_writable_address: nwa,
            free_blocks: nwa.map(|_| ti.free_blocks),
        });
    }
}

/// Track list from the formatted TOC (format 0, LBA) when READ TRACK
/// INFORMATION is not available: sizes from the next entry's start.
fn tracks_from_toc(t: &mut dyn Transport, info: &mut MediaInfo) {
    let toc = match ops::read_toc(t, false, 1) {
        Ok(toc) => toc,
        Err(e) => {
            info.notes.push(format!("READ TOC format 0: {e}"));
            return;
        }
    };
    let entries = &toc.tracks;
    for (i, entry) in entries.iter().enumerate() {
        if entry.track_number == mmc::toc::LEAD_OUT_TRACK {
            continue;
        }
        let next = entries.get(i + 1).map(|n| n.address);
        info.tracks.push(TrackSummary {
            number: u16::from(entry.track_number),
            session: 1,
            start: entry.address,
            size: next.map_or(0, |n| n.saturating_sub(entry.address)),
            state: TrackState::Complete,
            next_writable_address: None,
            free_blocks: None,
        });
    }
}

impl MediaInfo {
    /// A text block for `discburn info` (one `Label: value` line per fact).
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let mut line = |label: &str, value: String| {
            let _ = writeln!(out, "{:<21}{value}", format!("{label}:"));
        };
        let drive: Vec<&str> = [&self.vendor, &self.model, &self.revision]
            .iter()
            .filter_map(|v| v.as_deref())
            .collect();
        line(
            "Drive",
            format!("{} {}", self.device, drive.join(" "))
                .trim_end()
                .to_string(),
        );
        if !self.medium_present {
            line("Medium", "none (no disc in the drive)".to_string());
            return out;
        }
        line(
            "Medium",
            self.profile
                .clone()
                .unwrap_or_else(|| "unknown".to_string()),
        );
        if let Some(status) = &self.disc_status {
            let session = self.last_session_state.as_deref().unwrap_or("unknown");
            line("Disc status", format!("{status} (last session {session})"));
        }
        if let Some(erasable) = self.erasable {
            line("Erasable", if erasable { "yes" } else { "no" }.to_string());
        }
        if let Some(lba) = self.layer_break {
            line(
                "Layer break",
                format!("LBA {lba} (layer 0 holds {lba} blocks)"),
            );
        }
        if let Some(protected) = self.write_protected {
            line(
                "Write-protected",
                if protected {
                    format!("yes ({})", self.write_protection.join(", "))
                } else {
                    "no".to_string()
                },
            );
        }
        if let Some(sessions) = self.sessions {
            line("Sessions", sessions.to_string());
        }
        // A session a failed burn left open: its tracks cannot be trusted.
        let damaged = crate::sessions::incomplete_session(self);
        for track in &self.tracks {
            let note = if damaged == Some(track.session) {
                ", damaged: its session was left incomplete by a failed burn"
            } else {
                ""
            };
            line(
                &format!("Track {}", track.number),
                format!(
                    "session {}, LBA {}, {} blocks, {}{note}",
                    track.session,
                    track.start,
                    track.size,
                    match track.state {
                        TrackState::Reserved => "reserved",
                        TrackState::Blank => "blank",
                        TrackState::Incomplete => "open",
                        TrackState::Complete => "closed",
                    }
                ),
            );
        }
        if let Some(start) = self.last_session_start {
            line("Last session start", format!("LBA {start}"));
        }
        // On overwritable media the drive's track says nothing of where the
        // next session goes: `info` prints that from the sessions found.
        let overwritable = self.overwritable;
        if let Some(nwa) = self.next_writable_address.filter(|_| !overwritable) {
            line("Next writable", format!("LBA {nwa}"));
        }
        if let Some(free) = self.free_blocks.filter(|_| !overwritable) {
            line(
                "Free",
                format!("{free} blocks ({} bytes)", u64::from(free) * BLOCK as u64),
            );
        }
        if let Some(capacity) = self.capacity_blocks {
            line(
                "Readable",
                format!("{capacity} blocks ({} bytes)", capacity * BLOCK as u64),
            );
        }
        for note in &self.notes {
            line("Note", note.clone());
        }
        out
    }
}
