//! The medium's recorded state and the rules a real drive applies to it:
//! where the next writable address is, what WRITE, CLOSE, RESERVE, BLANK and
//! FORMAT may do (mmc.md §5, §8). Pure logic: no I/O; refusals are [`Sense`].//!
//! By job: this module holds the state (sessions, tracks, write parameters), its checks
//! and what it answers about itself (status, next writable address, what a block reads
//! as); [`write`] is WRITE, SYNCHRONIZE CACHE, CLOSE TRACK/SESSION and RESERVE TRACK,
//! [`format`] is BLANK and FORMAT UNIT, [`views`] is what READ TRACK INFORMATION reports.

mod format;
mod views;
mod write;

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

/// User blocks of one fixed packet on a CD-RW formatted for packet writing
/// (FORMAT UNIT type 10h, type parameter 32; MMC-5 6.5).
pub const CD_FIXED_PACKET_BLOCKS: u64 = 32;

/// Blocks each CD packet costs besides its user data: link, 4 run-in and 2
/// run-out blocks (MMC-5 4.2.3.7, "Packet").
pub const CD_PACKET_LINK_BLOCKS: u64 = 7;

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
    /// The medium's write-protect switch (a cartridge's tab): while set, the
    /// drive refuses to change the medium (7/27/00) and reports it in READ
    /// DISC STRUCTURE C0h (CWP). Absent: off.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub write_protected: bool,
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
            write_protected: false,
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
            MediaType::DvdRDl => Profile::DvdRDlSequential,
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

    /// Random-writable media without sessions (DVD+RW, BD-RE, DVD-RW RO, and
    /// CD-RW formatted for fixed packets: its profile stays 000Ah).
    pub fn is_overwritable(&self) -> bool {
        matches!(self.media, MediaType::DvdPlusRw | MediaType::BdRe)
            || (self.media == MediaType::DvdRw && self.restricted_overwrite)
            || self.is_packet_formatted_cd_rw()
    }

    /// A CD-RW formatted for fixed-packet writing (one packet track over the disc).
    pub fn is_packet_formatted_cd_rw(&self) -> bool {
        self.media == MediaType::CdRw && self.formatted_blocks.is_some()
    }

    /// Blocks a write on overwritable media must cover whole, from a
    /// multiple of them on: a DVD-RW RO ECC block (16), a CD-RW fixed packet (32).
    pub fn overwrite_unit(&self) -> u64 {
        match self.media {
            MediaType::DvdRw => 16,
            MediaType::CdRw => CD_FIXED_PACKET_BLOCKS,
            _ => 1,
        }
    }

    /// Whether mode page 05h shapes writing on this medium (CD, DVD-R, DVD-R DL
    /// and DVD-RW sequential; MMC-5 7.5 ignores it for DVD+R, BD and overwritable media).
    pub fn uses_write_page(&self) -> bool {
        matches!(
            self.media,
            MediaType::CdR | MediaType::DvdR | MediaType::DvdRDl
        ) || (self.media == MediaType::DvdRw && !self.restricted_overwrite)
            || (self.media == MediaType::CdRw && !self.is_packet_formatted_cd_rw())
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
}
