//! The medium's recorded state and the rules a real drive applies to it:
//! where the next writable address is, what WRITE, CLOSE, RESERVE, BLANK and
//! FORMAT may do (mmc.md §5, §8). Pure logic: no I/O; refusals are [`Sense`].

use serde::{Deserialize, Serialize};

use crate::media::{Family, MediaType};
use crate::personality::Personality;
use mmc::disc::{DiscStatus, SessionState};
use mmc::sense::codes as sense;
use mmc::{Profile, Sense};

/// The `format` value of every medium state file.
pub const STATE_FORMAT: &str = "discburn-emulated-medium";
/// The state file version this crate writes and reads.
pub const STATE_VERSION: u32 = 1;

/// Minimum payload of a CD TAO track; the drive pads shorter tracks at close
/// (libburn cookbook, mmc.md §8).
pub const CD_MIN_TRACK_BLOCKS: u64 = 300;
/// Run-out blocks a CD TAO track ends with: counted in its size, unreadable
/// (multisession.md §3.1).
pub const CD_RUN_OUT_BLOCKS: u64 = 2;
/// Pre-gap before each further TAO track of a session (multisession.md §3.1).
pub const CD_PREGAP_BLOCKS: u64 = 150;

/// Background format status of DVD+RW (disc information byte 7 b1..b0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BgFormat {
    None,
    Suspended,
    Running,
    Complete,
}

impl BgFormat {
    pub fn code(self) -> u8 {
        match self {
            BgFormat::None => 0,
            BgFormat::Suspended => 1,
            BgFormat::Running => 2,
            BgFormat::Complete => 3,
        }
    }
}

/// A track that has been written to or reserved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Track {
    pub number: u32,
    pub session: u32,
    pub start: u64,
    /// Blocks the host wrote, from `start`.
    pub written: u64,
    /// Size of a reservation (RESERVE TRACK), if the track was reserved.
    pub reserved: Option<u64>,
    /// Data area after the track was closed (padding included; CD run-out
    /// excluded); `None` while the track is open.
    pub closed_size: Option<u64>,
    /// Track mode (CD Q-channel control nibble; DVD/BD 4 or 5).
    pub track_mode: u8,
    /// Data mode (1 = Mode 1, 2 = Mode 2).
    pub data_mode: u8,
    /// Written incrementally (packet/incremental bit of READ TRACK INFORMATION).
    pub incremental: bool,
    /// Fixed packet size, if the track uses fixed packets.
    pub fixed_packet: Option<u32>,
    /// Written in DVD-R(W) disc-at-once mode.
    #[serde(default)]
    pub dao: bool,
}

impl Track {
    pub fn is_open(&self) -> bool {
        self.closed_size.is_none()
    }

    /// Next writable address inside this track, if it can still take data.
    pub fn nwa(&self) -> Option<u64> {
        if !self.is_open() {
            return None;
        }
        match self.reserved {
            Some(size) if self.written >= size => None,
            _ => Some(self.start + self.written),
        }
    }

    /// Size reported for the track: a closed CD track includes its 2 run-out blocks.
    pub fn size(&self, family: Family) -> u64 {
        match (self.closed_size, self.reserved) {
            (Some(size), _) if family == Family::Cd => size + CD_RUN_OUT_BLOCKS,
            (Some(size), _) => size,
            (None, Some(reserved)) => reserved,
            (None, None) => self.written,
        }
    }

    /// First block after the track (run-out included).
    pub fn end(&self, family: Family) -> u64 {
        self.start + self.size(family)
    }
}

/// A closed session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub number: u32,
    pub first_track: u32,
    pub last_track: u32,
    /// Start of its first track.
    pub start: u64,
    /// Lead-out (CD) / border-out / closure start: first block after its data.
    pub leadout_start: u64,
    /// Where the next session's first track starts (lead-out + lead-in + pre-gap).
    pub next_start: u64,
}

/// The write parameters of mode page 05h that shape a WRITE (mmc.md §2.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteParams {
    /// 0 packet/incremental, 1 TAO, 2 SAO/DAO, 3 raw, 4 layer jump.
    pub write_type: u8,
    pub test_write: bool,
    /// Multi-session field: 0/1 finalize at session close, 3 keep appendable.
    pub multi_session: u8,
    pub fixed_packet: bool,
    pub track_mode: u8,
    pub data_block_type: u8,
    pub packet_size: u32,
}

/// How a block reads back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockClass {
    /// Stored in the data file.
    Data,
    /// Padding the drive wrote at close: reads as zeros.
    Zero,
}

/// Where a WRITE lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteTarget {
    /// Appends to the open track at this index of `tracks`.
    Track(usize),
    /// Starts a new track (the invisible track becomes incomplete).
    NewTrack { number: u32, start: u64 },
    /// Overwrites blocks of a formatted overwritable medium.
    Random,
}

/// What READ TRACK INFORMATION reports for one track.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackView {
    pub number: u32,
    pub session: u32,
    pub start: u64,
    pub size: u64,
    pub free: u64,
    pub nwa: Option<u64>,
    pub last_recorded: Option<u64>,
    pub blank: bool,
    pub reserved: bool,
    pub incremental: bool,
    pub fixed_packet: Option<u32>,
    pub track_mode: u8,
    pub data_mode: u8,
    /// "invisible", "incomplete", "reserved", "complete" or "blank".
    pub state: &'static str,
}

/// The persistent state of one emulated medium (serialised as JSON in the
/// medium's state file; see the crate docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediumState {
    pub format: String,
    pub version: u32,
    pub media: MediaType,
    /// Blocks from LBA 0 to the last possible lead-out (sequential media) or the
    /// largest formatted size (overwritable media).
    pub capacity: u64,
    pub tracks: Vec<Track>,
    pub sessions: Vec<Session>,
    pub finalized: bool,
    /// DVD-RW: incremental recording possible (false after a minimal blank).
    pub incremental_allowed: bool,
    /// DVD-RW formatted for restricted overwrite (profile 0013h).
    pub restricted_overwrite: bool,
    /// Formatted size of DVD+RW, BD-RE, DVD-RW RO, or BD-R formatted with spares.
    pub formatted_blocks: Option<u64>,
    pub bg_format: BgFormat,
    /// The drive the medium is loaded in when opened (absent: the recorder);
    /// see [`crate::personality`].
    #[serde(default, skip_serializing_if = "Personality::is_recorder")]
    pub drive: Personality,
}

fn align_up(value: u64, unit: u64) -> u64 {
    if unit <= 1 {
        value
    } else {
        value.div_ceil(unit) * unit
    }
}

impl MediumState {
    /// A blank medium.
    pub fn new(media: MediaType, capacity: u64) -> MediumState {
        MediumState {
            format: STATE_FORMAT.to_string(),
            version: STATE_VERSION,
            media,
            capacity,
            tracks: Vec::new(),
            sessions: Vec::new(),
            finalized: false,
            incremental_allowed: true,
            restricted_overwrite: false,
            formatted_blocks: None,
            bg_format: BgFormat::None,
            drive: Personality::Recorder,
        }
    }

    /// A pressed medium of `capacity` blocks: one complete data track from
    /// LBA 0 to the end in one closed session, the disc complete.
    ///
    /// A CD track's reported size includes 2 run-out blocks after its data
    /// area ([`Track::size`]); a pressed CD has none, so its closed data area
    /// is stated 2 blocks short and the track still ends at `capacity`, with
    /// every block recorded data.
    pub fn new_rom(media: MediaType, capacity: u64) -> MediumState {
        let run_out = if media.family() == Family::Cd {
            CD_RUN_OUT_BLOCKS
        } else {
            0
        };
        let mut state = MediumState::new(media, capacity);
        state.tracks.push(Track {
            number: 1,
            session: 1,
            start: 0,
            written: capacity,
            reserved: None,
            closed_size: Some(capacity.saturating_sub(run_out)),
            track_mode: 4,
            data_mode: 1,
            incremental: false,
            fixed_packet: None,
            dao: true,
        });
        state.sessions.push(Session {
            number: 1,
            first_track: 1,
            last_track: 1,
            start: 0,
            leadout_start: capacity,
            next_start: capacity,
        });
        state.finalized = true;
        state
    }

    /// Checks the invariants a loaded state must hold; returns what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.format != STATE_FORMAT {
            return Err(format!(
                "not a discburn medium state (format {:?})",
                self.format
            ));
        }
        if self.version != STATE_VERSION {
            return Err(format!("unsupported medium state version {}", self.version));
        }
        if self.capacity == 0 || self.capacity > (1 << 31) {
            return Err(format!("capacity {} blocks is out of range", self.capacity));
        }
        let family = self.media.family();
        let mut previous_end = 0u64;
        for (index, track) in self.tracks.iter().enumerate() {
            if track.number as usize != index + 1 {
                return Err(format!("track {} is out of sequence", track.number));
            }
            if track.start < previous_end || track.end(family) > self.capacity {
                return Err(format!(
                    "track {} lies outside the medium or overlaps",
                    track.number
                ));
            }
            if let Some(reserved) = track.reserved {
                if track.written > reserved {
                    return Err(format!(
                        "track {} holds more than its reservation",
                        track.number
                    ));
                }
            }
            if track.session == 0 || track.session as usize > self.sessions.len() + 1 {
                return Err(format!(
                    "track {} names a session that does not exist",
                    track.number
                ));
            }
            previous_end = track.end(family);
        }
        if let Some(blocks) = self.formatted_blocks {
            if blocks > self.capacity {
                return Err(format!(
                    "formatted size {blocks} exceeds capacity {}",
                    self.capacity
                ));
            }
        }
        Ok(())
    }

    pub fn family(&self) -> Family {
        self.media.family()
    }

    /// The current MMC profile (GET CONFIGURATION bytes 6-7; mmc.md §3).
    pub fn profile(&self) -> Profile {
        match self.media {
            MediaType::CdR => Profile::CdR,
            MediaType::CdRw => Profile::CdRw,
            MediaType::DvdR => Profile::DvdRSequential,
            MediaType::DvdRw if self.restricted_overwrite => Profile::DvdRwRestrictedOverwrite,
            MediaType::DvdRw => Profile::DvdRwSequential,
            MediaType::DvdPlusR => Profile::DvdPlusR,
            MediaType::DvdPlusRDl => Profile::DvdPlusRDl,
            MediaType::DvdPlusRw => Profile::DvdPlusRw,
            MediaType::BdR => Profile::BdRSrm,
            MediaType::BdRe => Profile::BdRe,
            MediaType::CdRom => Profile::CdRom,
            MediaType::DvdRom => Profile::DvdRom,
            MediaType::BdRom => Profile::BdRom,
        }
    }

    /// Random-writable media without sessions (DVD+RW, BD-RE, DVD-RW RO).
    pub fn is_overwritable(&self) -> bool {
        matches!(self.media, MediaType::DvdPlusRw | MediaType::BdRe)
            || (self.media == MediaType::DvdRw && self.restricted_overwrite)
    }

    /// Whether mode page 05h shapes writing on this medium (CD and DVD-R(W)
    /// sequential; MMC-5 7.5 ignores it for DVD+R, BD and overwritable media).
    pub fn uses_write_page(&self) -> bool {
        matches!(
            self.media,
            MediaType::CdR | MediaType::CdRw | MediaType::DvdR
        ) || (self.media == MediaType::DvdRw && !self.restricted_overwrite)
    }

    /// Whether READ TRACK INFORMATION accepts track FFh (CD, DVD+R(/DL) only; mmc.md §2.6).
    pub fn allows_track_ff(&self) -> bool {
        matches!(
            self.media,
            MediaType::CdR | MediaType::CdRw | MediaType::DvdPlusR | MediaType::DvdPlusRDl
        )
    }

    /// Blocks available for writing: the formatted size of a BD-R with spares, else the capacity.
    pub fn write_capacity(&self) -> u64 {
        if self.is_overwritable() || self.media == MediaType::BdR {
            self.formatted_blocks.unwrap_or(self.capacity)
        } else {
            self.capacity
        }
    }

    /// Number of the session that new tracks go into.
    pub fn open_session(&self) -> u32 {
        self.sessions.len() as u32 + 1
    }

    fn open_session_tracks(&self) -> impl Iterator<Item = &Track> {
        let open = self.open_session();
        self.tracks.iter().filter(move |t| t.session == open)
    }

    /// The invisible (blank) track: its number and start, when one exists.
    pub fn invisible_track(&self) -> Option<(u32, u64)> {
        if self.is_overwritable() || self.finalized {
            return None;
        }
        let family = self.family();
        let open = self.open_session();
        let start = match self.tracks.last() {
            None => 0,
            // An incomplete (open, unreserved) track runs to the end of the medium.
            Some(t) if t.is_open() && t.reserved.is_none() => return None,
            Some(t) if t.session == open => match family {
                Family::Cd => t.end(family) + CD_PREGAP_BLOCKS,
                _ => align_up(t.end(family), self.media.write_unit()),
            },
            Some(_) => self.sessions.last().map(|s| s.next_start).unwrap_or(0),
        };
        let number = self.tracks.last().map(|t| t.number).unwrap_or(0) + 1;
        if start >= self.write_capacity() || number > self.media.max_tracks() {
            return None;
        }
        Some((number, start))
    }

    pub fn disc_status(&self) -> DiscStatus {
        if self.is_overwritable() {
            return if self.formatted_blocks.is_some() {
                DiscStatus::Complete
            } else {
                DiscStatus::Blank
            };
        }
        if self.finalized {
            DiscStatus::Complete
        } else if self.tracks.is_empty() {
            DiscStatus::Blank
        } else {
            DiscStatus::Appendable
        }
    }

    pub fn last_session_state(&self) -> SessionState {
        if self.is_overwritable() {
            return if self.formatted_blocks.is_some() {
                SessionState::Complete
            } else {
                SessionState::Empty
            };
        }
        if self.finalized {
            SessionState::Complete
        } else if self.open_session_tracks().next().is_some() {
            SessionState::Incomplete
        } else {
            SessionState::Empty
        }
    }

    /// Sessions as READ DISC INFORMATION counts them: the trailing empty or
    /// incomplete session included unless the disc is complete.
    pub fn session_count(&self) -> u32 {
        if self.is_overwritable() || self.finalized {
            (self.sessions.len() as u32).max(1)
        } else {
            self.open_session()
        }
    }

    /// First and last track numbers of the last session (as READ DISC INFORMATION).
    pub fn last_session_tracks(&self) -> (u32, u32) {
        if self.is_overwritable() {
            return (1, 1);
        }
        if self.finalized {
            return self
                .sessions
                .last()
                .map(|s| (s.first_track, s.last_track))
                .unwrap_or((1, 1));
        }
        let first_open = self.open_session_tracks().next().map(|t| t.number);
        let last = match self.invisible_track() {
            Some((number, _)) => number,
            None => self.tracks.last().map(|t| t.number).unwrap_or(1),
        };
        (first_open.unwrap_or(last), last)
    }

    /// Next writable address for new data (the invisible or incomplete track).
    pub fn next_writable(&self) -> Option<u64> {
        if let Some((_, start)) = self.invisible_track() {
            return Some(start);
        }
        self.tracks
            .iter()
            .rev()
            .find(|t| t.reserved.is_none())
            .and_then(|t| t.nwa())
    }

    /// Free blocks from the next writable address.
    pub fn free_blocks(&self) -> u64 {
        if self.is_overwritable() {
            return self.formatted_blocks.unwrap_or(0);
        }
        self.next_writable()
            .map(|nwa| self.write_capacity().saturating_sub(nwa))
            .unwrap_or(0)
    }

    /// Last readable LBA + 1 as READ CAPACITY counts it (TAO run-out included, as
    /// most drives report it; mmc.md §2.4). 0 on blank media.
    pub fn recorded_end(&self) -> u64 {
        if self.is_overwritable() {
            return self.formatted_blocks.unwrap_or(0);
        }
        let family = self.family();
        self.tracks
            .iter()
            .map(|t| {
                if t.is_open() {
                    t.start + t.written
                } else {
                    t.end(family)
                }
            })
            .max()
            .unwrap_or(0)
    }

    /// Where block `lba` can be read from, or the sense a drive reports.
    pub fn read_class(&self, lba: u64) -> Result<BlockClass, Sense> {
        if self.is_overwritable() {
            return match self.formatted_blocks {
                Some(blocks) if lba < blocks => Ok(BlockClass::Data),
                _ => Err(sense::LBA_OUT_OF_RANGE),
            };
        }
        if lba >= self.recorded_end() {
            return Err(sense::LBA_OUT_OF_RANGE);
        }
        for track in &self.tracks {
            if lba < track.start {
                break;
            }
            if lba < track.start + track.written {
                return Ok(BlockClass::Data);
            }
            if let Some(closed) = track.closed_size {
                if lba < track.start + closed {
                    return Ok(BlockClass::Zero);
                }
            }
        }
        // Run-out, pre-gap, lead-out/lead-in areas, unwritten reservations.
        Err(sense::UNRECOVERED_READ_ERROR)
    }

    /// Decides where a WRITE of `count` blocks at `lba` goes, or refuses it
    /// with the sense a drive gives (mmc.md §2.9, §8).
    pub fn check_write(
        &self,
        lba: u64,
        count: u64,
        params: &WriteParams,
    ) -> Result<WriteTarget, Sense> {
        if self.is_overwritable() {
            let blocks = self.formatted_blocks.ok_or(sense::MEDIUM_NOT_FORMATTED)?;
            if self.media == MediaType::DvdRw
                && (!lba.is_multiple_of(16) || !count.is_multiple_of(16))
            {
                // Restricted overwrite: whole 32 KiB ECC blocks only.
                return Err(sense::INVALID_FIELD_IN_CDB);
            }
            if lba.checked_add(count).is_none_or(|end| end > blocks) {
                return Err(sense::LBA_OUT_OF_RANGE);
            }
            return Ok(WriteTarget::Random);
        }
        if self.finalized {
            return Err(sense::INVALID_WRITE_ADDRESS);
        }
        if self.uses_write_page() {
            match self.family() {
                Family::Cd => match params.write_type {
                    1 => {
                        if !matches!(params.data_block_type, 8 | 10) {
                            return Err(sense::ILLEGAL_MODE_FOR_TRACK);
                        }
                    }
                    // SAO/raw need a cue sheet this drive never received.
                    2 | 3 => return Err(sense::COMMAND_SEQUENCE_ERROR),
                    _ => return Err(sense::ILLEGAL_MODE_FOR_TRACK),
                },
                _ => match params.write_type {
                    0 if self.incremental_allowed => {}
                    2 => {
                        let dao_track = self.tracks.first().filter(|t| t.dao && t.is_open());
                        if !(self.tracks.is_empty() || dao_track.is_some()) {
                            return Err(sense::ILLEGAL_MODE_FOR_TRACK);
                        }
                    }
                    _ => return Err(sense::ILLEGAL_MODE_FOR_TRACK),
                },
            }
            if params.write_type == 0
                && params.fixed_packet
                && params.packet_size > 0
                && !count.is_multiple_of(u64::from(params.packet_size))
            {
                return Err(sense::INVALID_FIELD_IN_CDB);
            }
        }
        if matches!(
            self.media,
            MediaType::DvdPlusR | MediaType::DvdPlusRDl | MediaType::BdR
        ) && !count.is_multiple_of(self.media.write_unit())
        {
            return Err(sense::INVALID_FIELD_IN_CDB);
        }
        let open = self.open_session();
        let existing = self
            .tracks
            .iter()
            .position(|t| t.session == open && t.nwa() == Some(lba));
        let target = match existing {
            Some(index) => WriteTarget::Track(index),
            None => match self.invisible_track() {
                Some((number, start)) if start == lba => WriteTarget::NewTrack { number, start },
                _ => return Err(sense::INVALID_WRITE_ADDRESS),
            },
        };
        // A CD track must leave room for its 2 run-out blocks.
        let end_of_area = match self.family() {
            Family::Cd => self.write_capacity().saturating_sub(CD_RUN_OUT_BLOCKS),
            _ => self.write_capacity(),
        };
        let limit = match target {
            WriteTarget::Track(index) => match self.tracks[index].reserved {
                Some(size) => self.tracks[index].start + size,
                None => end_of_area,
            },
            _ => end_of_area,
        };
        if lba.checked_add(count).is_none_or(|end| end > limit) {
            return Err(sense::END_OF_USER_AREA);
        }
        Ok(target)
    }

    /// Records a WRITE accepted by [`MediumState::check_write`].
    pub fn apply_write(&mut self, target: WriteTarget, count: u64, params: &WriteParams) {
        match target {
            WriteTarget::Track(index) => {
                if let Some(track) = self.tracks.get_mut(index) {
                    track.written += count;
                }
            }
            WriteTarget::NewTrack { number, start } => {
                let track = self.new_track(number, start, params);
                self.tracks.push(Track {
                    written: count,
                    ..track
                });
            }
            WriteTarget::Random => {}
        }
    }

    fn new_track(&self, number: u32, start: u64, params: &WriteParams) -> Track {
        let (track_mode, data_mode, incremental, fixed_packet, dao) = if self.uses_write_page() {
            let data_mode = if params.data_block_type == 10 { 2 } else { 1 };
            let incremental = self.family() != Family::Cd && params.write_type == 0;
            let fixed = (incremental && params.fixed_packet && params.packet_size > 0)
                .then_some(params.packet_size);
            (
                params.track_mode & 0x0F,
                data_mode,
                incremental,
                fixed,
                self.family() != Family::Cd && params.write_type == 2,
            )
        } else {
            (4, 1, false, None, false)
        };
        Track {
            number,
            session: self.open_session(),
            start,
            written: 0,
            reserved: None,
            closed_size: None,
            track_mode,
            data_mode,
            incremental,
            fixed_packet,
            dao,
        }
    }

    /// What SYNCHRONIZE CACHE does to the medium: it ends a CD TAO track
    /// (mmc.md §5.1), and completes a DVD-R(W) disc-at-once recording.
    pub fn sync_cache(&mut self) {
        let family = self.family();
        let Some(last) = self.tracks.last() else {
            return;
        };
        if !last.is_open() || last.written == 0 {
            return;
        }
        if family == Family::Cd && last.reserved.is_none() {
            let index = self.tracks.len() - 1;
            self.close_track_at(index);
        } else if last.dao {
            let index = self.tracks.len() - 1;
            self.close_track_at(index);
            self.seal_session(true);
        }
    }

    fn close_track_at(&mut self, index: usize) {
        let family = self.family();
        let unit = self.media.write_unit();
        let capacity = self.write_capacity();
        if let Some(track) = self.tracks.get_mut(index) {
            // Padding never runs past the end of the medium (run-out included on CD).
            let room = match family {
                Family::Cd => capacity.saturating_sub(track.start + CD_RUN_OUT_BLOCKS),
                _ => capacity.saturating_sub(track.start),
            };
            let size = match (track.reserved, family) {
                (Some(reserved), _) => reserved,
                (None, Family::Cd) => track.written.max(CD_MIN_TRACK_BLOCKS),
                (None, _) => align_up(track.written, unit),
            };
            track.closed_size = Some(size.min(room).max(track.written));
        }
    }

    /// CLOSE TRACK (close function 001b) of track `number` (FFh: the incomplete
    /// or invisible track, where the medium allows it).
    pub fn close_track(&mut self, number: u32) -> Result<(), Sense> {
        if self.is_overwritable() || self.finalized {
            return Err(sense::INVALID_FIELD_IN_CDB);
        }
        let number = if number == 0xFF && self.allows_track_ff() {
            match self.tracks.last() {
                Some(t) if t.is_open() => t.number,
                _ => return Ok(()),
            }
        } else {
            number
        };
        if self.invisible_track().is_some_and(|(n, _)| n == number) {
            return Ok(()); // nothing written: nothing to close
        }
        let open = self.open_session();
        let index = self
            .tracks
            .iter()
            .position(|t| t.number == number && t.session == open)
            .ok_or(sense::INVALID_FIELD_IN_CDB)?;
        if self.tracks[index].is_open() {
            self.close_track_at(index);
        }
        Ok(())
    }

    /// CLOSE SESSION / finalize (close functions 010b, 101b, 110b, ...), per
    /// the table of mmc.md §2.11. `multi_session` is page 05h's field.
    pub fn close_session(&mut self, function: u8, multi_session: u8) -> Result<(), Sense> {
        if self.is_overwritable() {
            return match (self.media, function) {
                (MediaType::DvdPlusRw, 0b000) => {
                    if self.bg_format == BgFormat::Running {
                        self.bg_format = BgFormat::Suspended;
                    }
                    Ok(())
                }
                (MediaType::DvdPlusRw, 0b010 | 0b011) => {
                    if self.formatted_blocks.is_some() {
                        self.bg_format = BgFormat::Complete;
                    }
                    Ok(())
                }
                (MediaType::DvdRw, 0b010 | 0b011) | (MediaType::BdRe, 0b010) => Ok(()),
                _ => Err(sense::INVALID_FIELD_IN_CDB),
            };
        }
        let finalize = match (self.media, function) {
            (MediaType::CdR | MediaType::CdRw | MediaType::DvdR | MediaType::DvdRw, 0b010) => {
                multi_session != 0b11
            }
            (MediaType::DvdPlusR | MediaType::DvdPlusRDl, 0b010) => false,
            (MediaType::DvdPlusR | MediaType::DvdPlusRDl, 0b101 | 0b110) => true,
            (MediaType::BdR, 0b010) => false,
            (MediaType::BdR, 0b110) => true,
            _ => return Err(sense::INVALID_FIELD_IN_CDB),
        };
        if self.finalized {
            return Err(sense::SESSION_FIXATION_ERROR);
        }
        for track in self.open_session_tracks() {
            if track.is_open() {
                return Err(if track.reserved.is_some() {
                    sense::EMPTY_OR_PARTIAL_TRACK
                } else {
                    sense::INCOMPLETE_TRACK_IN_SESSION
                });
            }
        }
        if self.open_session_tracks().next().is_none() {
            // An empty session: nothing to close on CD/DVD-R; DVD+R/BD-R finalize
            // what was closed before.
            if finalize && !self.sessions.is_empty() && !self.uses_write_page() {
                self.finalized = true;
            }
            return Ok(());
        }
        self.seal_session(finalize);
        Ok(())
    }

    /// Turns the open session's (closed) tracks into a closed session.
    fn seal_session(&mut self, finalize: bool) {
        let family = self.family();
        let open = self.open_session();
        let tracks: Vec<&Track> = self.tracks.iter().filter(|t| t.session == open).collect();
        let (Some(first), Some(last)) = (tracks.first(), tracks.last()) else {
            return;
        };
        let leadout_start = align_up(last.end(family), self.media.write_unit());
        let next_start = align_up(
            leadout_start + self.media.session_gap(open),
            self.media.write_unit(),
        );
        let session = Session {
            number: open,
            first_track: first.number,
            last_track: last.number,
            start: first.start,
            leadout_start,
            next_start,
        };
        self.sessions.push(session);
        // No room for another session: the drive closes the disc (xorriso(1)).
        let full = next_start >= self.write_capacity() || last.number >= self.media.max_tracks();
        self.finalized = finalize || full || last.dao;
    }

    /// RESERVE TRACK of `blocks` (rounded up to the medium's write unit).
    pub fn reserve_track(&mut self, blocks: u64, params: &WriteParams) -> Result<(), Sense> {
        if self.is_overwritable() || self.family() == Family::Cd {
            return Err(sense::INVALID_FIELD_IN_CDB);
        }
        if self.finalized {
            return Err(sense::COMMAND_SEQUENCE_ERROR);
        }
        if blocks == 0 {
            return Err(sense::INVALID_FIELD_IN_CDB);
        }
        let (number, start) = match self.invisible_track() {
            Some(found) => found,
            // Writing already started in the last track.
            None => {
                return Err(if self.tracks.last().is_some_and(|t| t.is_open()) {
                    sense::COMMAND_SEQUENCE_ERROR
                } else {
                    sense::NO_MORE_RESERVATIONS
                })
            }
        };
        let size = align_up(blocks, self.media.write_unit());
        if start + size > self.write_capacity() {
            return Err(sense::INVALID_FIELD_IN_CDB);
        }
        let track = self.new_track(number, start, params);
        self.tracks.push(Track {
            reserved: Some(size),
            ..track
        });
        Ok(())
    }

    /// BLANK: 000b full, 001b minimal. Returns whether the data must be erased.
    pub fn blank(&mut self, blank_type: u8) -> Result<bool, Sense> {
        if !matches!(self.media, MediaType::CdRw | MediaType::DvdRw) {
            return Err(sense::INCOMPATIBLE_MEDIUM);
        }
        let full = match blank_type {
            0b000 => true,
            0b001 => false,
            _ => return Err(sense::INVALID_FIELD_IN_CDB),
        };
        self.tracks.clear();
        self.sessions.clear();
        self.finalized = false;
        self.formatted_blocks = None;
        self.restricted_overwrite = false;
        // Only a full blank restores incremental recording on DVD-RW (mmc.md §2.13).
        self.incremental_allowed = full || self.media != MediaType::DvdRw;
        Ok(full)
    }

    /// Formatted size with default spares: BD-RE 25 GB 11 826 176 of 12 219 392
    /// blocks (mmc.md §3), scaled for other capacities, in whole clusters.
    pub fn default_spared_size(&self) -> u64 {
        let scaled = u128::from(self.capacity) * 11_826_176 / 12_219_392;
        (scaled as u64) / 32 * 32
    }

    /// FORMAT UNIT with one format descriptor. Returns whether old data is erased.
    pub fn format(
        &mut self,
        blocks: u32,
        format_type: u8,
        sub_type: u8,
        restart: bool,
    ) -> Result<bool, Sense> {
        let was_formatted = self.formatted_blocks.is_some();
        match self.media {
            MediaType::DvdPlusRw => {
                if format_type != 0x26 {
                    return Err(sense::INVALID_FIELD_IN_PARAMETERS);
                }
                if restart && self.bg_format != BgFormat::Suspended {
                    return Err(sense::INVALID_FIELD_IN_PARAMETERS);
                }
                self.formatted_blocks = Some(self.capacity);
                self.bg_format = BgFormat::Running;
                Ok(!was_formatted)
            }
            MediaType::BdRe => {
                let size = match format_type {
                    0x00 | 0x30 => match blocks {
                        0 => self.default_spared_size(),
                        n => u64::from(n).min(self.capacity),
                    },
                    0x31 => self.capacity,
                    _ => return Err(sense::INVALID_FIELD_IN_PARAMETERS),
                };
                self.formatted_blocks = Some(size);
                Ok(!was_formatted)
            }
            MediaType::BdR => {
                if !matches!(format_type, 0x00 | 0x32) || sub_type != 0b01 {
                    // Only SRM without pseudo-overwrite is emulated.
                    return Err(sense::INVALID_FIELD_IN_PARAMETERS);
                }
                if !self.tracks.is_empty() || was_formatted {
                    return Err(sense::COMMAND_SEQUENCE_ERROR);
                }
                let size = match blocks {
                    0 => self.default_spared_size(),
                    n => u64::from(n).min(self.capacity),
                };
                self.formatted_blocks = Some(size);
                Ok(false)
            }
            MediaType::DvdRw => {
                match format_type {
                    0x00 | 0x10 | 0x15 => {}
                    0x13 if self.restricted_overwrite => {}
                    _ => return Err(sense::INVALID_FIELD_IN_PARAMETERS),
                }
                let erase = !self.restricted_overwrite;
                self.tracks.clear();
                self.sessions.clear();
                self.finalized = false;
                self.restricted_overwrite = true;
                self.formatted_blocks = Some(self.capacity);
                Ok(erase)
            }
            _ => Err(sense::CANNOT_FORMAT_MEDIUM),
        }
    }

    fn invisible_view(&self, number: u32, start: u64) -> TrackView {
        let free = self.write_capacity().saturating_sub(start);
        let incremental =
            self.uses_write_page() && self.family() != Family::Cd && self.incremental_allowed;
        TrackView {
            number,
            session: self.open_session(),
            start,
            size: free,
            free,
            nwa: Some(start),
            last_recorded: None,
            blank: true,
            reserved: false,
            incremental,
            fixed_packet: None,
            track_mode: if incremental { 5 } else { 4 },
            data_mode: 0x0F,
            state: "invisible",
        }
    }

    fn view_of(&self, track: &Track) -> TrackView {
        let family = self.family();
        let nwa = track.nwa();
        let (size, free) = match (track.is_open(), track.reserved) {
            (true, Some(reserved)) => (reserved, reserved - track.written),
            (true, None) => {
                let to_end = self.write_capacity().saturating_sub(track.start);
                (to_end, to_end.saturating_sub(track.written))
            }
            (false, _) => (track.size(family), 0),
        };
        let state = match (track.is_open(), track.reserved.is_some()) {
            (false, _) => "complete",
            (true, true) => "reserved",
            (true, false) => "incomplete",
        };
        TrackView {
            number: track.number,
            session: track.session,
            start: track.start,
            size,
            free,
            nwa,
            last_recorded: (track.written > 0).then(|| track.start + track.written - 1),
            blank: track.written == 0,
            reserved: track.reserved.is_some(),
            incremental: track.incremental,
            fixed_packet: track.fixed_packet,
            track_mode: track.track_mode,
            data_mode: track.data_mode,
            state,
        }
    }

    fn overwritable_view(&self) -> TrackView {
        let (size, formatted) = match self.formatted_blocks {
            Some(blocks) => (blocks, true),
            None => (self.capacity, false),
        };
        TrackView {
            number: 1,
            session: 1,
            start: 0,
            size,
            free: size,
            nwa: Some(0),
            last_recorded: None,
            blank: !formatted,
            reserved: false,
            incremental: false,
            fixed_packet: (self.media == MediaType::DvdRw).then_some(16),
            track_mode: if self.media == MediaType::DvdRw { 5 } else { 4 },
            data_mode: 1,
            state: if formatted { "complete" } else { "blank" },
        }
    }

    /// Every track as READ TRACK INFORMATION reports it, the invisible one last.
    pub fn track_views(&self) -> Vec<TrackView> {
        if self.is_overwritable() {
            return vec![self.overwritable_view()];
        }
        let mut views: Vec<TrackView> = self.tracks.iter().map(|t| self.view_of(t)).collect();
        if let Some((number, start)) = self.invisible_track() {
            views.push(self.invisible_view(number, start));
        }
        views
    }

    /// The track READ TRACK INFORMATION addresses by number (FFh resolved by the caller).
    pub fn track_view(&self, number: u32) -> Option<TrackView> {
        self.track_views().into_iter().find(|v| v.number == number)
    }

    /// The track containing `lba` (blocks of a gap belong to the track after it).
    pub fn track_view_at(&self, lba: u64) -> Option<TrackView> {
        self.track_views()
            .into_iter()
            .find(|v| lba < v.start + v.size.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tao() -> WriteParams {
        WriteParams {
            write_type: 1,
            test_write: false,
            multi_session: 3,
            fixed_packet: false,
            track_mode: 4,
            data_block_type: 8,
            packet_size: 0,
        }
    }

    #[test]
    fn cd_tao_track_and_session_gaps() {
        let mut state = MediumState::new(MediaType::CdR, 359_849);
        let params = tao();
        let target = state.check_write(0, 608, &params).unwrap();
        state.apply_write(target, 608, &params);
        state.sync_cache();
        assert_eq!(state.tracks[0].closed_size, Some(608));
        // Next track in the same session: 2 run-out + 150 pre-gap.
        assert_eq!(state.invisible_track(), Some((2, 608 + 2 + 150)));
        state.close_session(0b010, 3).unwrap();
        // udisks #836: data ends at 608, the next session starts at 12010.
        assert_eq!(state.next_writable(), Some(12_010));
        assert_eq!(state.disc_status(), DiscStatus::Appendable);
        assert_eq!(state.session_count(), 2);
        let target = state.check_write(12_010, 5888, &params).unwrap();
        state.apply_write(target, 5888, &params);
        state.sync_cache();
        state.close_session(0b010, 3).unwrap();
        // 17898 + 2 + 6900 = 24800 (same report).
        assert_eq!(state.next_writable(), Some(24_800));
    }

    #[test]
    fn tracks_ending_at_the_end_of_the_medium_stay_valid() {
        let params = tao();
        for (media, capacity, write) in [
            (MediaType::CdR, 1_100, 1_098),
            (MediaType::CdR, 1_100, 900),
            (MediaType::DvdR, 1_100, 1_099),
        ] {
            let mut state = MediumState::new(media, capacity);
            let params = WriteParams {
                write_type: if media == MediaType::CdR { 1 } else { 0 },
                ..params
            };
            if media == MediaType::CdR {
                // Writing past the area (the CD run-out included) is refused.
                assert_eq!(
                    state.check_write(0, capacity - 1, &params),
                    Err(sense::END_OF_USER_AREA)
                );
            }
            let target = state.check_write(0, write, &params).unwrap();
            state.apply_write(target, write, &params);
            state.sync_cache();
            state.close_track(1).unwrap();
            state.close_session(0b010, 3).unwrap();
            assert_eq!(state.validate(), Ok(()), "{media} {write}");
            assert!(state.finalized, "no room for another session");
        }
    }

    #[test]
    fn short_cd_track_is_padded_and_run_out_unreadable() {
        let mut state = MediumState::new(MediaType::CdRw, 359_849);
        let params = tao();
        let target = state.check_write(0, 10, &params).unwrap();
        state.apply_write(target, 10, &params);
        state.sync_cache();
        assert_eq!(state.read_class(9), Ok(BlockClass::Data));
        assert_eq!(state.read_class(10), Ok(BlockClass::Zero));
        assert_eq!(state.read_class(300), Err(sense::UNRECOVERED_READ_ERROR));
        assert_eq!(state.read_class(302), Err(sense::LBA_OUT_OF_RANGE));
        assert_eq!(state.recorded_end(), 302);
    }
}
