//! The emulated drive: decodes CDBs, applies them to the medium's state and
//! answers as a real MMC recorder does (mmc.md §2, §6, §7, §8).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mmc::config::{Configuration, FeatureDescriptor};
use mmc::disc::{DiscInformation, TrackInformation};
use mmc::format::{CapacityDescriptorType, CurrentCapacity, FormatCapacities, FormattableCapacity};
use mmc::inquiry::{BufferCapacity, CapacityData, InquiryData, MediaEventCode, MediaEventStatus};
use mmc::toc::{Atip, FullToc, FullTocEntry, Msf, SessionInfo, Toc, TocTrack};
use mmc::{CommandOutcome, DataDirection, Profile, Transport, TransportError};
use serde::Serialize;

use crate::buffer::DriveBuffer;
use crate::fault::{Fault, Trigger, FAULTS_ENV};
use crate::media::{profile, profile_name, Family, MediaType};
use crate::personality::Personality;
use crate::sense::{self, Sense};
use crate::state::{
    BgFormat, BlockClass, DiscStatus, MediumState, SessionState, TrackView, WriteParams,
};
use crate::store::{self, MediumFiles, BLOCK_BYTES};
use crate::Error;

mod qemu;
mod tgt;

/// Operation codes this drive answers (MMC-5 / SPC-3): mmc's table, plus
/// SEND OPC INFORMATION, which the drive accepts and ignores.
mod op {
    pub use mmc::cdb::opcode::*;
    pub const SEND_OPC: u8 = 0x54;
}

/// Page 05h length byte (MMC-5 7.5: 32h) and the page's size with its 2-byte header.
const PAGE05_LENGTH: u8 = 0x32;
const PAGE05_BYTES: usize = PAGE05_LENGTH as usize + 2;
/// Page 2Ah with one write speed descriptor: bytes 0..32 then 4 bytes per
/// descriptor from byte 32; the page length covers them exactly (1Eh + 4n,
/// as `mmc::mode::CapabilitiesPage` emits and parses it).
const PAGE2A_LENGTH: u8 = mmc::mode::capabilities_page_length(1) as u8;

/// Polls an Immed operation stays busy for, unless told otherwise.
pub const DEFAULT_IMMED_POLLS: u32 = 2;

/// Drive buffer size reported (page 2Ah, READ BUFFER CAPACITY).
const BUFFER_BYTES: u32 = 4 << 20;

/// Vendor, product and revision of INQUIRY (SPC-3 6.4.2: 8, 16, 4 ASCII bytes).
const VENDOR: &str = "DISCBURN";
const PRODUCT: &str = "EMU RECORDER";
const REVISION: &str = "0.1";

/// ATIP lead-in start reported for CD media (97:27:00, a common value).
const ATIP_LEAD_IN_LBA: i64 = -11_625;

/// Profiles this drive can run, newest first (GET CONFIGURATION feature 0000h).
const SUPPORTED_PROFILES: [u16; 13] = [
    profile::BD_RE,
    profile::BD_R_SRM,
    profile::BD_ROM,
    profile::DVD_PLUS_R_DL,
    profile::DVD_PLUS_R,
    profile::DVD_PLUS_RW,
    profile::DVD_RW_SEQUENTIAL,
    profile::DVD_RW_RESTRICTED_OVERWRITE,
    profile::DVD_R,
    profile::DVD_ROM,
    profile::CD_RW,
    profile::CD_R,
    profile::CD_ROM,
];

struct Busy {
    sense: Sense,
    total: u32,
    left: u32,
}

struct ArmedFault {
    fault: Fault,
    /// Absolute command / write count at which a counted fault fires.
    fire_at: Option<(bool, u64)>,
}

/// A summary of the medium, for `discburn emu show` and tests.
#[derive(Debug, Clone, Serialize)]
pub struct MediumSummary {
    pub path: PathBuf,
    pub media: MediaType,
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
}

/// One closed session in a [`MediumSummary`].
#[derive(Debug, Clone, Serialize)]
pub struct SessionSummary {
    pub number: u32,
    pub start: u64,
    pub leadout_start: u64,
    pub tracks: Vec<TrackView>,
}

/// An emulated MMC recorder holding one medium stored in files.
pub struct Recorder {
    files: MediumFiles,
    state: MediumState,
    name: String,
    present: bool,
    tray_open: bool,
    locked: bool,
    page05: [u8; PAGE05_BYTES],
    pending_attention: Option<Sense>,
    media_event: u8,
    busy: Option<Busy>,
    immed_polls: u32,
    faults: Vec<ArmedFault>,
    commands_seen: u64,
    writes_seen: u64,
    slow: Option<Duration>,
    busy_fault: Option<(u32, bool)>,
    /// Every Nth WRITE is refused once with 2/04/08.
    busy_every: Option<u64>,
    /// The WRITE count last refused by `busy_every` (its resend passes).
    busy_every_refused: u64,
    /// The write buffer draining at the write speed (underruns counted).
    buffer: DriveBuffer,
    tur_good_while_busy: bool,
    removed_left: u32,
    /// Test Write in progress: start and blocks of the simulated track.
    test_track: Option<(u64, u64)>,
    dirty: bool,
    persist_on_drop: bool,
    /// Which drive answers (see [`crate::personality`]).
    personality: Personality,
    /// Largest data buffer of one command in blocks (`max_transfer` knob);
    /// else the personality's.
    max_transfer: Option<u64>,
    /// The sense of the last CHECK CONDITION (QEMU IDE's REQUEST SENSE).
    last_sense: Sense,
    /// What the `tgt` personality believes about the medium.
    tgt: tgt::TgtState,
}

fn be16(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some(s) => u16::from_be_bytes([s[0], s[1]]),
        None => 0,
    }
}

fn be32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(s) => u32::from_be_bytes([s[0], s[1], s[2], s[3]]),
        None => 0,
    }
}

fn put32(b: &mut [u8], at: usize, value: u32) {
    b[at..at + 4].copy_from_slice(&value.to_be_bytes());
}

fn put16(b: &mut [u8], at: usize, value: u16) {
    b[at..at + 2].copy_from_slice(&value.to_be_bytes());
}

/// LBA to CD minutes/seconds/frames (MSF = LBA + 150; lead-in LBAs + 450 150).
fn msf(lba: i64) -> Msf {
    Msf::from_lba(lba.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
}

/// A 4-byte address field: an LBA, or `00 M S F`.
fn address(lba: i64, as_msf: bool) -> u32 {
    if as_msf {
        msf(lba).to_field()
    } else {
        lba as i32 as u32
    }
}

fn u32_of(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Result of one command before it becomes a [`CommandOutcome`].
enum Reply {
    Good,
    /// Data-in bytes (full length; truncated to the allocation length on delivery).
    Data(Vec<u8>, usize),
    /// This many bytes were placed in the data-in buffer directly (READ).
    Direct(usize),
    Check(Sense),
}

impl Recorder {
    /// Creates a blank medium at `path` (data file) and `path.state.json`,
    /// refusing to overwrite either; `capacity` in blocks, else the type's default.
    pub fn create(
        path: impl AsRef<Path>,
        media: MediaType,
        capacity: Option<u64>,
    ) -> Result<Recorder, Error> {
        let path = path.as_ref();
        if media.is_rom() {
            return Err(Error::NeedsImage { media });
        }
        let capacity = capacity.unwrap_or_else(|| media.default_capacity());
        let limit = 1u64 << 31;
        if capacity < 1024 || capacity > limit {
            return Err(Error::BadCapacity { capacity });
        }
        let state = MediumState::new(media, capacity);
        let files = MediumFiles::create(path, &state)?;
        Ok(Recorder::with(files, state))
    }

    /// Opens an existing medium. If its data file cannot be opened for
    /// writing, the medium is write-protected: commands that would change it
    /// get 7/27/00.
    pub fn open(path: impl AsRef<Path>) -> Result<Recorder, Error> {
        let (files, state) = MediumFiles::open(path.as_ref(), false)?;
        Ok(Recorder::with(files, state))
    }

    /// Opens an existing medium write-protected (for reading only).
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Recorder, Error> {
        let (files, state) = MediumFiles::open(path.as_ref(), true)?;
        Ok(Recorder::with(files, state))
    }

    /// Creates a pressed medium at `path` holding the ISO image `image`:
    /// `media` is [`MediaType::CdRom`], [`MediaType::DvdRom`] or
    /// [`MediaType::BdRom`], or `None` to choose as QEMU does by size
    /// ([`MediaType::rom_for_blocks`]). The image is copied, its last block
    /// padded with zeros; `drive` is the personality the medium opens in.
    pub fn create_from_image(
        path: impl AsRef<Path>,
        media: Option<MediaType>,
        image: impl AsRef<Path>,
        drive: Personality,
    ) -> Result<Recorder, Error> {
        use std::io::Read;
        let (path, image) = (path.as_ref(), image.as_ref());
        let image_error = |message: String| Error::BadImage {
            path: image.to_path_buf(),
            message,
        };
        let io_error = |source| Error::Io {
            path: image.to_path_buf(),
            source,
        };
        let mut file = std::fs::File::open(image).map_err(io_error)?;
        let bytes = file.metadata().map_err(io_error)?.len();
        let capacity = bytes.div_ceil(BLOCK_BYTES);
        // System area and a volume descriptor set at least (ECMA-119 6.2).
        if capacity < 18 {
            return Err(image_error(format!(
                "{bytes} bytes is too small for an ISO 9660 image"
            )));
        }
        if capacity > 1 << 31 {
            return Err(Error::BadCapacity { capacity });
        }
        let media = media.unwrap_or_else(|| MediaType::rom_for_blocks(capacity));
        if !media.is_rom() {
            return Err(image_error(format!(
                "{media} is a recordable type; media made from an image are cd-rom, dvd-rom or bd-rom"
            )));
        }
        let mut state = MediumState::new_rom(media, capacity);
        state.drive = drive;
        let files = MediumFiles::create(path, &state)?;
        let mut chunk = vec![0u8; 1 << 20];
        let mut lba = 0u64;
        loop {
            let mut filled = 0;
            while filled < chunk.len() {
                match file.read(&mut chunk[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(io_error(e)),
                }
            }
            if filled == 0 {
                break;
            }
            let whole = filled.div_ceil(BLOCK_BYTES as usize) * BLOCK_BYTES as usize;
            chunk[filled..whole].fill(0);
            // The data file is sparse: runs of zeros stay holes.
            if chunk[..whole].iter().any(|&b| b != 0) {
                files.write_blocks(lba, &chunk[..whole])?;
            }
            lba += (whole as u64) / BLOCK_BYTES;
            if filled < chunk.len() {
                break;
            }
        }
        if lba != capacity {
            return Err(image_error(format!(
                "the image changed size while it was copied ({lba} of {capacity} blocks)"
            )));
        }
        files.save_state(&state)?;
        Ok(Recorder::with(files, state))
    }

    /// Whether the medium is write-protected (pressed media always are).
    pub fn write_protected(&self) -> bool {
        !self.files.writable() || self.state.media.is_rom()
    }

    /// Makes `drive` the personality the medium opens in from now on (saved
    /// in the state file) and puts the medium in it.
    pub fn set_default_drive(&mut self, drive: Personality) -> Result<(), Error> {
        self.state.drive = drive;
        self.files.save_state(&self.state)?;
        self.set_personality(drive);
        Ok(())
    }

    /// The drive answering commands.
    pub fn personality(&self) -> Personality {
        self.personality
    }

    /// Puts the medium in another drive (not saved; the state file's `drive`
    /// is what the next [`Recorder::open`] uses). The QEMU drives have no
    /// unit attention pending.
    pub fn set_personality(&mut self, personality: Personality) {
        self.personality = personality;
        if !personality.is_recorder() {
            self.pending_attention = None;
        }
        if personality == Personality::Tgt {
            self.tgt = tgt::TgtState::online(self.state.recorded_end());
        }
    }

    /// Largest data buffer of one command (blocks) before the transport
    /// fails as the kernel's SG_IO does, if limited.
    pub fn transfer_limit(&self) -> Option<u64> {
        self.max_transfer
            .or_else(|| self.personality.max_transfer_blocks())
    }

    /// Opens an existing medium and arms the faults named in `DISCBURN_EMU_FAULTS`
    /// (see [`crate::fault`]); what the CLI and engine use for `emu:PATH`.
    pub fn open_with_env_faults(path: impl AsRef<Path>) -> Result<Recorder, Error> {
        let mut recorder = Recorder::open(path)?;
        if let Ok(text) = std::env::var(FAULTS_ENV) {
            let faults =
                Fault::parse_list(&text).map_err(|message| Error::BadFaults { message })?;
            for fault in faults {
                recorder.inject(fault);
            }
        }
        Ok(recorder)
    }

    fn with(files: MediumFiles, state: MediumState) -> Recorder {
        let name = format!("emu:{}", files.data_path().display());
        let mut recorder = Recorder {
            files,
            state,
            name,
            present: true,
            tray_open: false,
            locked: false,
            page05: [0; PAGE05_BYTES],
            // A medium was just loaded (mmc.md §8).
            pending_attention: Some(sense::MEDIUM_MAY_HAVE_CHANGED),
            media_event: 2,
            busy: None,
            immed_polls: DEFAULT_IMMED_POLLS,
            faults: Vec::new(),
            commands_seen: 0,
            writes_seen: 0,
            slow: None,
            busy_fault: None,
            busy_every: None,
            busy_every_refused: 0,
            buffer: DriveBuffer::default(),
            tur_good_while_busy: false,
            removed_left: 0,
            test_track: None,
            dirty: false,
            persist_on_drop: true,
            personality: Personality::Recorder,
            max_transfer: None,
            last_sense: sense::NO_SENSE,
            tgt: tgt::TgtState::online(0),
        };
        recorder.page05 = recorder.default_page05();
        let drive = recorder.state.drive;
        recorder.set_personality(drive);
        recorder
    }

    /// Path of the medium's data file.
    pub fn path(&self) -> &Path {
        self.files.data_path()
    }

    /// The medium's current state (unsynced writes included).
    pub fn state(&self) -> &MediumState {
        &self.state
    }

    /// Arms a fault; counted triggers count from now.
    pub fn inject(&mut self, fault: Fault) {
        match fault {
            Fault::Slow { per_command } => self.slow = Some(per_command),
            Fault::ImmedPolls { polls } => self.immed_polls = polls,
            Fault::BusyEvery { writes } => self.busy_every = Some(writes.max(1)),
            Fault::TurGoodWhileBusy => self.tur_good_while_busy = true,
            Fault::Drive(personality) => self.set_personality(personality),
            Fault::MaxTransfer { blocks } => self.max_transfer = Some(blocks.max(1)),
            other => {
                let fire_at = match &other {
                    Fault::PowerLoss { at }
                    | Fault::Reset { at }
                    | Fault::MediumRemoved { at, .. }
                    | Fault::Busy { at, .. } => Some(match *at {
                        Trigger::Command(n) => (false, self.commands_seen + n.max(1)),
                        Trigger::Write(n) => (true, self.writes_seen + n.max(1)),
                    }),
                    _ => None,
                };
                self.faults.push(ArmedFault {
                    fault: other,
                    fire_at,
                });
            }
        }
    }

    /// Sets how many polls an Immed operation stays busy for (0: done at once).
    pub fn set_immed_polls(&mut self, polls: u32) {
        self.immed_polls = polls;
    }

    /// Writes unsynced state to the state file (what a drive does with its
    /// buffer before the medium leaves it).
    pub fn flush(&mut self) -> Result<(), Error> {
        self.files.save_state(&self.state)?;
        self.dirty = false;
        Ok(())
    }

    /// Drops the recorder as a crash would: state not synced is not saved.
    pub fn crash(mut self) {
        self.persist_on_drop = false;
    }

    /// A description of the medium for users.
    pub fn summary(&self) -> MediumSummary {
        summarize(self.path(), &self.state)
    }

    fn default_page05(&self) -> [u8; PAGE05_BYTES] {
        let mut page = [0u8; PAGE05_BYTES];
        page[0] = 0x05;
        page[1] = PAGE05_LENGTH;
        let sequential_dvd = self.state.uses_write_page() && self.state.family() != Family::Cd;
        // BUFE set; CD defaults to TAO, DVD-R(W) to incremental.
        page[2] = 0x40
            | if self.state.family() == Family::Cd {
                1
            } else {
                0
            };
        page[3] = if sequential_dvd { 5 } else { 4 };
        page[4] = 8; // Mode 1
        page[14..16].copy_from_slice(&150u16.to_be_bytes());
        page
    }

    fn changeable_page05() -> [u8; PAGE05_BYTES] {
        let mut mask = [0u8; PAGE05_BYTES];
        mask[2] = 0x7F;
        mask[3] = 0xFF;
        mask[4] = 0x0F;
        mask[5] = 0xFF;
        mask[7] = 0x3F;
        mask[8] = 0xFF;
        for byte in &mut mask[10..48] {
            *byte = 0xFF;
        }
        mask
    }

    fn write_params(&self) -> WriteParams {
        let p = &self.page05;
        WriteParams {
            write_type: p[2] & 0x0F,
            test_write: p[2] & 0x10 != 0,
            multi_session: p[3] >> 6,
            fixed_packet: p[3] & 0x20 != 0,
            track_mode: p[3] & 0x0F,
            data_block_type: p[4] & 0x0F,
            packet_size: be32(p, 10),
        }
    }

    fn test_write_active(&self) -> bool {
        self.state.uses_write_page() && self.write_params().test_write
    }

    fn persist(&mut self) -> Result<(), Sense> {
        match self.files.save_state(&self.state) {
            Ok(()) => {
                self.dirty = false;
                Ok(())
            }
            Err(err) => {
                tracing::error!("emulated medium {}: {err}", self.name);
                Err(sense::HARDWARE_ERROR)
            }
        }
    }

    /// Returns to the last persisted state (unsynced writes are lost).
    fn revert_to_persisted(&mut self) {
        match store::load_state(self.files.data_path()) {
            Ok(state) => self.state = state,
            Err(err) => {
                tracing::error!("emulated medium {}: cannot reload state: {err}", self.name)
            }
        }
        self.dirty = false;
    }

    fn reset_drive(&mut self) {
        self.page05 = self.default_page05();
        self.busy = None;
        self.test_track = None;
        self.locked = false;
        self.busy_fault = None;
    }

    fn start_busy(&mut self, sense: Sense) {
        if self.immed_polls > 0 {
            self.busy = Some(Busy {
                sense,
                total: self.immed_polls,
                left: self.immed_polls,
            });
        }
    }

    /// The busy sense with progress, counting one poll.
    fn poll_busy(&mut self) -> Option<Sense> {
        let busy = self.busy.as_mut()?;
        let done = u64::from(busy.total - busy.left);
        let progress = (done * 65_536 / u64::from(busy.total.max(1))).min(65_535) as u16;
        let answer = busy.sense.with_progress(progress);
        busy.left -= 1;
        if busy.left == 0 {
            self.busy = None;
        }
        Some(answer)
    }

    /// Fires counted faults due at this command.
    fn fire_faults(&mut self, is_write: bool) -> Option<Reply> {
        let mut reply = None;
        let mut index = 0;
        while index < self.faults.len() {
            let due = match self.faults[index].fire_at {
                Some((true, n)) => is_write && self.writes_seen == n,
                Some((false, n)) => self.commands_seen == n,
                None => false,
            };
            if !due {
                index += 1;
                continue;
            }
            let armed = self.faults.remove(index);
            let writes_only = matches!(armed.fire_at, Some((true, _)));
            match armed.fault {
                Fault::PowerLoss { .. } => {
                    tracing::info!("{}: injected power loss", self.name);
                    self.revert_to_persisted();
                    self.reset_drive();
                    self.pending_attention = None;
                    self.removed_left = 0;
                    self.present = true;
                    reply = Some(Reply::Check(sense::POWER_ON_RESET));
                }
                Fault::Reset { .. } => {
                    tracing::info!("{}: injected reset", self.name);
                    self.reset_drive();
                    self.pending_attention = None;
                    reply = Some(Reply::Check(sense::POWER_ON_RESET));
                }
                Fault::MediumRemoved { commands, .. } => {
                    tracing::info!("{}: injected medium removal", self.name);
                    self.revert_to_persisted();
                    self.busy = None;
                    self.test_track = None;
                    self.removed_left = commands.max(1);
                    self.present = false;
                    self.media_event = 3;
                }
                Fault::Busy { polls, .. } => self.busy_fault = Some((polls.max(1), writes_only)),
                _ => {}
            }
        }
        reply
    }

    fn dispatch(
        &mut self,
        cdb: &[u8],
        data: &mut DataDirection<'_>,
    ) -> Result<Reply, TransportError> {
        let opcode = cdb[0];
        let is_write = matches!(opcode, op::WRITE_10 | op::WRITE_12);
        if let Some(reply) = self.fire_faults(is_write) {
            return Ok(reply);
        }
        if let Some((left, writes_only)) = self.busy_fault {
            if is_write || !writes_only {
                self.busy_fault = (left > 1).then_some((left - 1, writes_only));
                return Ok(Reply::Check(sense::NOT_READY_LONG_WRITE));
            }
        }
        let exempt = matches!(
            opcode,
            op::INQUIRY
                | op::REQUEST_SENSE
                | op::GET_CONFIGURATION
                | op::GET_EVENT_STATUS_NOTIFICATION
        );
        if !exempt {
            if let Some(attention) = self.pending_attention.take() {
                return Ok(Reply::Check(attention));
            }
        }
        if self.removed_left > 0 && !exempt {
            self.removed_left -= 1;
            if self.removed_left == 0 {
                // The medium comes back: the next command sees a unit attention.
                self.present = true;
                self.pending_attention = Some(sense::MEDIUM_MAY_HAVE_CHANGED);
                self.media_event = 2;
            }
            return Ok(Reply::Check(sense::NOT_READY_NO_MEDIUM));
        }
        if let Some(every) = self.busy_every {
            if is_write
                && self.writes_seen.is_multiple_of(every)
                && self.busy_every_refused != self.writes_seen
            {
                // Count the resend as the same WRITE: it goes through.
                self.busy_every_refused = self.writes_seen + 1;
                return Ok(Reply::Check(sense::NOT_READY_LONG_WRITE));
            }
        }
        if self.busy.is_some() && opcode == op::TEST_UNIT_READY && self.tur_good_while_busy {
            // Some drives claim ready too early; only a barrier command tells (mmc.md §7).
            return Ok(Reply::Good);
        }
        if self.busy.is_some() && !exempt {
            if let Some(busy) = self.poll_busy() {
                return Ok(Reply::Check(busy));
            }
        }
        let needs_medium = !matches!(
            opcode,
            op::INQUIRY
                | op::REQUEST_SENSE
                | op::GET_CONFIGURATION
                | op::GET_EVENT_STATUS_NOTIFICATION
                | op::MODE_SENSE_10
                | op::MODE_SELECT_10
                | op::START_STOP_UNIT
                | op::PREVENT_ALLOW_MEDIUM_REMOVAL
                | op::SET_CD_SPEED
        );
        if needs_medium && !self.present {
            return Ok(Reply::Check(if self.tray_open {
                Sense::new(0x2, 0x3A, 0x01)
            } else {
                sense::NOT_READY_NO_MEDIUM
            }));
        }
        let changes_medium = matches!(
            opcode,
            op::WRITE_10
                | op::WRITE_12
                | op::CLOSE_TRACK_SESSION
                | op::RESERVE_TRACK
                | op::BLANK
                | op::FORMAT_UNIT
        );
        if changes_medium && self.write_protected() {
            return Ok(Reply::Check(sense::WRITE_PROTECTED));
        }
        let need = |n: usize| -> Result<(), TransportError> {
            if cdb.len() < n {
                Err(TransportError::InvalidCommand(format!(
                    "CDB {opcode:#04x} needs {n} bytes, got {}",
                    cdb.len()
                )))
            } else {
                Ok(())
            }
        };
        let reply = match opcode {
            op::TEST_UNIT_READY => Reply::Good,
            op::REQUEST_SENSE => {
                need(6)?;
                let sense = if let Some(busy) = self.poll_busy() {
                    busy
                } else if let Some(attention) = self.pending_attention.take() {
                    attention
                } else if !self.present || self.removed_left > 0 {
                    sense::NOT_READY_NO_MEDIUM
                } else {
                    sense::NO_SENSE
                };
                Reply::Data(sense.to_bytes(), usize::from(cdb[4]))
            }
            op::INQUIRY => {
                need(6)?;
                self.inquiry(cdb)
            }
            op::START_STOP_UNIT => {
                need(6)?;
                self.start_stop(cdb[4])
            }
            op::PREVENT_ALLOW_MEDIUM_REMOVAL => {
                need(6)?;
                self.locked = cdb[4] & 1 != 0;
                Reply::Good
            }
            op::READ_CAPACITY => {
                need(10)?;
                let capacity = CapacityData {
                    last_lba: u32_of(self.state.recorded_end().saturating_sub(1)),
                    block_length: BLOCK_BYTES as u32,
                };
                Reply::Data(capacity.emit().to_vec(), 8)
            }
            op::READ_10 | op::READ_12 => {
                let (lba, count) = if opcode == op::READ_10 {
                    need(10)?;
                    (be32(cdb, 2), u64::from(be16(cdb, 7)))
                } else {
                    need(12)?;
                    (be32(cdb, 2), u64::from(be32(cdb, 6)))
                };
                return self.read(u64::from(lba), count, data);
            }
            op::READ_CD => {
                need(12)?;
                // User data of Mode 1 / Mode 2 Form 1 sectors only (byte 9 = 10h,
                // no sub-channel): this medium stores 2048-byte blocks.
                let sector_type = (cdb[1] >> 2) & 0x07;
                if self.state.family() != Family::Cd {
                    return Ok(Reply::Check(sense::ILLEGAL_MODE_FOR_TRACK));
                }
                if !matches!(sector_type, 0 | 2 | 4) || cdb[9] != 0x10 || cdb[10] & 0x07 != 0 {
                    return Ok(Reply::Check(sense::INVALID_FIELD_IN_CDB));
                }
                let count = u64::from(u32::from_be_bytes([0, cdb[6], cdb[7], cdb[8]]));
                return self.read(u64::from(be32(cdb, 2)), count, data);
            }
            op::WRITE_10 | op::WRITE_12 => {
                let (lba, count) = if opcode == op::WRITE_10 {
                    need(10)?;
                    (be32(cdb, 2), u64::from(be16(cdb, 7)))
                } else {
                    need(12)?;
                    (be32(cdb, 2), u64::from(be32(cdb, 6)))
                };
                let DataDirection::ToDevice(bytes) = data else {
                    return Err(TransportError::InvalidCommand(
                        "WRITE without data to the device".into(),
                    ));
                };
                let wanted = count * BLOCK_BYTES;
                if (bytes.len() as u64) < wanted {
                    return Err(TransportError::InvalidCommand(format!(
                        "WRITE of {count} blocks with only {} bytes of data",
                        bytes.len()
                    )));
                }
                self.write(lba, count, &bytes[..wanted as usize])
            }
            op::SYNCHRONIZE_CACHE => {
                need(10)?;
                self.sync_cache(cdb[1] & 0x02 != 0)
            }
            op::READ_TOC_PMA_ATIP => {
                need(10)?;
                self.read_toc(cdb)
            }
            op::GET_CONFIGURATION => {
                need(10)?;
                self.get_configuration(cdb)
            }
            op::GET_EVENT_STATUS_NOTIFICATION => {
                need(10)?;
                self.event_status(cdb)
            }
            op::READ_DISC_INFORMATION => {
                need(10)?;
                if cdb[1] & 0x07 != 0 {
                    Reply::Check(sense::INVALID_FIELD_IN_CDB)
                } else {
                    Reply::Data(self.disc_information(), usize::from(be16(cdb, 7)))
                }
            }
            op::READ_TRACK_INFORMATION => {
                need(10)?;
                self.track_information(cdb)
            }
            op::RESERVE_TRACK => {
                need(10)?;
                self.reserve_track(cdb)
            }
            op::SEND_OPC => Reply::Good,
            op::MODE_SENSE_10 => {
                need(10)?;
                self.mode_sense(cdb)
            }
            op::MODE_SELECT_10 => {
                need(10)?;
                let length = usize::from(be16(cdb, 7));
                let bytes: &[u8] = match data {
                    DataDirection::ToDevice(bytes) => bytes,
                    _ => &[],
                };
                if bytes.len() < length {
                    return Err(TransportError::InvalidCommand(
                        "MODE SELECT data shorter than its parameter list length".into(),
                    ));
                }
                if cdb[1] & 0x01 != 0 {
                    Reply::Check(sense::INVALID_FIELD_IN_CDB)
                } else {
                    self.mode_select(&bytes[..length])
                }
            }
            op::CLOSE_TRACK_SESSION => {
                need(10)?;
                self.close(cdb)
            }
            op::READ_BUFFER_CAPACITY => {
                need(10)?;
                let available = self.buffer.available(Instant::now());
                let buffer = BufferCapacity {
                    buffer_length: BUFFER_BYTES,
                    available: available.min(u64::from(BUFFER_BYTES)) as u32,
                };
                Reply::Data(buffer.emit().to_vec(), usize::from(be16(cdb, 7)))
            }
            op::BLANK => {
                need(12)?;
                self.blank(cdb)
            }
            op::FORMAT_UNIT => {
                need(6)?;
                let bytes: &[u8] = match data {
                    DataDirection::ToDevice(bytes) => bytes,
                    _ => &[],
                };
                self.format_unit(cdb, bytes)
            }
            op::READ_FORMAT_CAPACITIES => {
                need(10)?;
                Reply::Data(self.format_capacities(), usize::from(be16(cdb, 7)))
            }
            op::GET_PERFORMANCE => {
                need(12)?;
                self.performance(cdb)
            }
            op::SET_STREAMING => {
                need(12)?;
                if cdb[8] != 0 && cdb[8] != 5 {
                    Reply::Check(sense::INVALID_FIELD_IN_CDB)
                } else {
                    if let DataDirection::ToDevice(bytes) = data {
                        if let Ok(p) = mmc::speed::PerformanceDescriptor::parse(bytes) {
                            // Write size in kB per write time in ms = MB/s x 1000.
                            let speed = (p.write_time > 0).then(|| {
                                u64::from(p.write_size) * 1_000_000 / u64::from(p.write_time)
                            });
                            self.buffer.set_speed(speed);
                        }
                    }
                    Reply::Good
                }
            }
            op::SET_CD_SPEED => {
                need(12)?;
                // Write speed in kB/s (1000 bytes); FFFFh: the fastest, not modelled.
                let write = be16(cdb, 4);
                self.buffer
                    .set_speed((write != 0xFFFF).then(|| u64::from(write) * 1000));
                Reply::Good
            }
            _ => Reply::Check(sense::INVALID_OPCODE),
        };
        Ok(reply)
    }

    fn inquiry(&self, cdb: &[u8]) -> Reply {
        let allocation = usize::from(be16(cdb, 3));
        if cdb[1] & 0x01 != 0 {
            return match self.vpd_page(cdb[2]) {
                Some(page) => Reply::Data(page, allocation),
                None => Reply::Check(sense::INVALID_FIELD_IN_CDB),
            };
        }
        if cdb[2] != 0 {
            return Reply::Check(sense::INVALID_FIELD_IN_CDB);
        }
        let data = InquiryData::mmc_device(VENDOR, PRODUCT, REVISION);
        Reply::Data(data.emit().to_vec(), allocation)
    }

    /// Vital product data (INQUIRY with EVPD=1). SPC-3, whose version (5) the
    /// standard INQUIRY data claims, makes pages 00h (supported pages, 7.6.10)
    /// and 83h (device identification, 7.6.3) mandatory; 80h (unit serial
    /// number, 7.6.11) is what drives add. Initiators such as QEMU's iSCSI
    /// block driver read page 00h and give up on a device that refuses it.
    fn vpd_page(&self, page: u8) -> Option<Vec<u8>> {
        let serial = self.unit_serial();
        let body = match page {
            0x00 => vec![0x00, 0x80, 0x83],
            0x80 => serial.into_bytes(),
            0x83 => {
                // One designator: ASCII (code set 2), the logical unit (association 0),
                // T10 vendor ID based (type 1): vendor, then product and serial.
                let mut id = format!("{VENDOR:<8}").into_bytes();
                id.extend_from_slice(format!("{PRODUCT} {serial}").as_bytes());
                let mut designator = vec![0x02, 0x01, 0x00, id.len() as u8];
                designator.extend_from_slice(&id);
                designator
            }
            _ => return None,
        };
        // Header: device type 5 (MMC), page code, page length (SPC-3 7.6.1).
        let mut data = vec![mmc::inquiry::DEVICE_TYPE_MMC, page];
        data.extend_from_slice(&(body.len() as u16).to_be_bytes());
        data.extend_from_slice(&body);
        Some(data)
    }

    /// A serial number that stays the same for the same medium file (FNV-1a of its path).
    fn unit_serial(&self) -> String {
        let hash = self
            .path()
            .to_string_lossy()
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
        format!("{:08X}", hash as u32)
    }

    fn start_stop(&mut self, flags: u8) -> Reply {
        let load_eject = flags & 0x02 != 0;
        let start = flags & 0x01 != 0;
        if !load_eject {
            return if self.present {
                Reply::Good
            } else {
                Reply::Check(sense::NOT_READY_NO_MEDIUM)
            };
        }
        if start {
            if !self.present && self.removed_left == 0 {
                self.present = true;
                self.tray_open = false;
                self.pending_attention = Some(sense::MEDIUM_MAY_HAVE_CHANGED);
                self.media_event = 2;
                self.page05 = self.default_page05();
            }
            return Reply::Good;
        }
        if self.locked {
            return Reply::Check(sense::REMOVAL_PREVENTED);
        }
        if self.present {
            if self.dirty {
                if let Err(sense) = self.persist() {
                    return Reply::Check(sense);
                }
            }
            self.test_track = None;
            self.present = false;
            self.media_event = 3;
        }
        self.tray_open = true;
        Reply::Good
    }

    fn read(
        &mut self,
        lba: u64,
        count: u64,
        data: &mut DataDirection<'_>,
    ) -> Result<Reply, TransportError> {
        let DataDirection::FromDevice(buf) = data else {
            return Err(TransportError::InvalidCommand(
                "READ without a data-in buffer".into(),
            ));
        };
        let wanted = count * BLOCK_BYTES;
        if (buf.len() as u64) < wanted {
            return Err(TransportError::InvalidCommand(format!(
                "READ of {count} blocks into {} bytes",
                buf.len()
            )));
        }
        for armed in &self.faults {
            if let Fault::ReadError { lba: bad } = armed.fault {
                if bad >= lba && bad < lba + count {
                    return Ok(Reply::Check(sense::UNRECOVERED_READ_ERROR));
                }
            }
        }
        let mut index = 0u64;
        while index < count {
            let block = lba + index;
            let class = match self.state.read_class(block) {
                Ok(class) => class,
                Err(sense) => return Ok(Reply::Check(sense)),
            };
            // Extend the run of blocks of the same class.
            let mut run = 1u64;
            while index + run < count && self.state.read_class(block + run) == Ok(class) {
                run += 1;
            }
            let from = (index * BLOCK_BYTES) as usize;
            let to = ((index + run) * BLOCK_BYTES) as usize;
            match class {
                BlockClass::Data => {
                    if let Err(err) = self.files.read_blocks(block, &mut buf[from..to]) {
                        tracing::error!("{}: {err}", self.name);
                        return Ok(Reply::Check(sense::UNRECOVERED_READ_ERROR));
                    }
                }
                BlockClass::Zero => buf[from..to].fill(0),
            }
            index += run;
        }
        // The data went straight into the caller's buffer.
        Ok(Reply::Direct(wanted as usize))
    }

    fn write(&mut self, lba: u32, count: u64, bytes: &[u8]) -> Reply {
        if count == 0 {
            return Reply::Good;
        }
        // LBAs from FFFFFF6Ah (-150) up are negative: never writable here.
        if lba >= 0x8000_0000 {
            return Reply::Check(sense::INVALID_WRITE_ADDRESS);
        }
        let lba = u64::from(lba);
        let params = self.write_params();
        if self.test_write_active() {
            // Test Write: check as for a real write, discard the data (mmc.md §8).
            if let Some((start, done)) = self.test_track {
                if lba == start + done {
                    self.test_track = Some((start, done + count));
                    return Reply::Good;
                }
            }
            return match self.state.check_write(lba, count, &params) {
                Ok(_) => {
                    self.test_track = Some((lba, count));
                    Reply::Good
                }
                Err(sense) => Reply::Check(sense),
            };
        }
        let target = match self.state.check_write(lba, count, &params) {
            Ok(target) => target,
            Err(sense) => return Reply::Check(sense),
        };
        if let Some(index) = self.faults.iter().position(|a| matches!(a.fault, Fault::WriteError { lba: bad } if bad >= lba && bad < lba + count)) {
            self.faults.remove(index);
            return Reply::Check(sense::WRITE_ERROR);
        }
        if let Err(err) = self.files.write_blocks(lba, bytes) {
            tracing::error!("{}: {err}", self.name);
            return Reply::Check(sense::WRITE_ERROR);
        }
        self.state.apply_write(target, count, &params);
        self.dirty = true;
        // A full drive buffer holds the host to the disc's speed.
        let wait = self.buffer.write(Instant::now(), bytes.len() as u64);
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
        Reply::Good
    }

    fn sync_cache(&mut self, immed: bool) -> Reply {
        self.buffer.flush(Instant::now());
        if self.test_write_active() {
            self.test_track = None;
        } else if !self.write_protected() {
            self.state.sync_cache();
            if let Err(sense) = self.persist() {
                return Reply::Check(sense);
            }
        }
        if immed {
            self.start_busy(sense::NOT_READY_LONG_WRITE);
        }
        Reply::Good
    }

    fn close(&mut self, cdb: &[u8]) -> Reply {
        self.buffer.flush(Instant::now());
        let immed = cdb[1] & 0x01 != 0;
        let function = cdb[2] & 0x07;
        let track = u32::from(be16(cdb, 4));
        if self.test_write_active() {
            // A simulated recording leaves the medium unchanged.
            self.test_track = None;
        } else {
            let result = if function == 0b001 {
                self.state.close_track(track)
            } else {
                self.state
                    .close_session(function, self.write_params().multi_session)
            };
            if let Err(sense) = result {
                return Reply::Check(sense);
            }
            if let Err(sense) = self.persist() {
                return Reply::Check(sense);
            }
        }
        if immed {
            self.start_busy(sense::NOT_READY_OPERATION_IN_PROGRESS);
        }
        Reply::Good
    }

    fn reserve_track(&mut self, cdb: &[u8]) -> Reply {
        if cdb[1] & 0x01 != 0 {
            return Reply::Check(sense::INVALID_FIELD_IN_CDB);
        }
        let blocks = u64::from(be32(cdb, 5));
        let params = self.write_params();
        if let Err(sense) = self.state.reserve_track(blocks, &params) {
            return Reply::Check(sense);
        }
        match self.persist() {
            Ok(()) => Reply::Good,
            Err(sense) => Reply::Check(sense),
        }
    }

    fn blank(&mut self, cdb: &[u8]) -> Reply {
        let immed = cdb[1] & 0x10 != 0;
        let erase = match self.state.blank(cdb[1] & 0x07) {
            Ok(erase) => erase,
            Err(sense) => return Reply::Check(sense),
        };
        self.test_track = None;
        self.finish_erase(erase, immed, sense::NOT_READY_OPERATION_IN_PROGRESS)
    }

    /// The common tail of BLANK and FORMAT UNIT once the state accepted the
    /// command: reset the write parameters page, wipe the backing files when
    /// the operation erases user data, persist, and (IMMED) report the
    /// operation as still in progress through `busy_sense`.
    fn finish_erase(&mut self, erase: bool, immed: bool, busy_sense: Sense) -> Reply {
        self.page05 = self.default_page05();
        if erase {
            if let Err(err) = self.files.erase(self.state.capacity) {
                tracing::error!("{}: {err}", self.name);
                return Reply::Check(sense::HARDWARE_ERROR);
            }
        }
        if let Err(sense) = self.persist() {
            return Reply::Check(sense);
        }
        if immed {
            self.start_busy(busy_sense);
        }
        Reply::Good
    }

    fn format_unit(&mut self, cdb: &[u8], params: &[u8]) -> Reply {
        let fmt_data = cdb[1] & 0x10 != 0;
        if cdb[1] & 0x07 != 0b001 && fmt_data {
            return Reply::Check(sense::INVALID_FIELD_IN_CDB);
        }
        let (immed, blocks, format_type, sub_type, restart) = if fmt_data {
            if params.len() < 12 {
                return Reply::Check(sense::PARAMETER_LIST_LENGTH_ERROR);
            }
            if be16(params, 2) != 8 {
                return Reply::Check(sense::INVALID_FIELD_IN_PARAMETERS);
            }
            (
                params[1] & 0x02 != 0,
                be32(params, 4),
                params[8] >> 2,
                params[8] & 0x03,
                params[11] & 0x01 != 0,
            )
        } else {
            // No parameter list: the medium's default format.
            let default_type = match self.state.media {
                MediaType::DvdPlusRw => 0x26,
                _ => 0x00,
            };
            (false, 0, default_type, 0b01, false)
        };
        let erase = match self.state.format(blocks, format_type, sub_type, restart) {
            Ok(erase) => erase,
            Err(sense) => return Reply::Check(sense),
        };
        self.finish_erase(erase, immed, sense::NOT_READY_FORMAT_IN_PROGRESS)
    }

    fn disc_information(&self) -> Vec<u8> {
        let state = &self.state;
        let mut info = DiscInformation::new(
            mmc::disc::DiscStatus::from(state.disc_status().code()),
            mmc::disc::SessionState::from(state.last_session_state().code()),
            state.media.erasable(),
        );
        let (first, last) = state.last_session_tracks();
        info.sessions = state.session_count() as u16;
        info.first_track_in_last_session = first as u16;
        info.last_track_in_last_session = last as u16;
        info.uru = true;
        if state.media == MediaType::DvdPlusRw {
            info.bg_format_status = state.bg_format.code();
        }
        // Last session lead-in and last possible lead-out: CD as 00 M S F,
        // else LBAs; FFFFFFFFh on complete media (MMC-5 6.22.3.1.10-11).
        if !state.is_overwritable() && !state.finalized {
            if state.family() == Family::Cd {
                let lead_in = match state.next_writable() {
                    Some(nwa) if !state.tracks.is_empty() => nwa as i64 - 150 - 4_500,
                    _ => ATIP_LEAD_IN_LBA,
                };
                info.last_session_lead_in_start = address(lead_in, true);
                info.last_possible_lead_out_start = address(state.capacity as i64, true);
            } else {
                info.last_session_lead_in_start = u32_of(state.next_writable().unwrap_or(0));
                info.last_possible_lead_out_start = u32_of(state.write_capacity());
            }
        }
        info.emit()
    }

    fn track_information(&self, cdb: &[u8]) -> Reply {
        let state = &self.state;
        let value = be32(cdb, 2);
        let view = match cdb[1] & 0x03 {
            0b00 => {
                if u64::from(value) >= state.capacity {
                    return Reply::Check(sense::LBA_OUT_OF_RANGE);
                }
                state.track_view_at(u64::from(value))
            }
            0b01 => {
                if value == 0xFF && !state.is_overwritable() {
                    if !state.allows_track_ff() {
                        return Reply::Check(sense::INVALID_FIELD_IN_CDB);
                    }
                    // The invisible track, else the incomplete last track.
                    state.track_views().pop().filter(|v| v.nwa.is_some())
                } else if value == 0 {
                    None
                } else {
                    state.track_view(value)
                }
            }
            0b10 => state.track_views().into_iter().find(|v| v.session == value),
            _ => None,
        };
        let Some(view) = view else {
            return Reply::Check(sense::INVALID_FIELD_IN_CDB);
        };
        let info = TrackInformation {
            track_number: view.number as u16,
            session_number: view.session as u16,
            track_mode: view.track_mode & 0x0F,
            rt: view.reserved && view.nwa.is_some(),
            blank: view.blank,
            packet: view.incremental,
            fp: view.fixed_packet.is_some(),
            data_mode: view.data_mode & 0x0F,
            lra_valid: view.last_recorded.is_some(),
            nwa_valid: view.nwa.is_some(),
            track_start: u32_of(view.start),
            next_writable_address: u32_of(view.nwa.unwrap_or(0)),
            free_blocks: u32_of(view.free),
            fixed_packet_size: view.fixed_packet.unwrap_or(0),
            track_size: u32_of(view.size),
            last_recorded_address: u32_of(view.last_recorded.unwrap_or(0)),
            ..TrackInformation::default()
        };
        Reply::Data(info.emit().to_vec(), usize::from(be16(cdb, 7)))
    }

    /// TOC entries of complete sessions: (session, control, track number, start).
    fn toc_tracks(&self) -> Vec<(u32, u8, u32, u64)> {
        let state = &self.state;
        if state.is_overwritable() {
            return match state.formatted_blocks {
                Some(_) => vec![(1, 4, 1, 0)],
                None => Vec::new(),
            };
        }
        let closed = state.sessions.len() as u32;
        state
            .tracks
            .iter()
            .filter(|t| t.session <= closed)
            .map(|t| {
                let control = if state.family() == Family::Cd {
                    t.track_mode & 0x0F
                } else {
                    4
                };
                (t.session, control, t.number, t.start)
            })
            .collect()
    }

    fn toc_leadout(&self) -> Option<u64> {
        if self.state.is_overwritable() {
            return self.state.formatted_blocks;
        }
        self.state.sessions.last().map(|s| s.leadout_start)
    }

    fn read_toc(&self, cdb: &[u8]) -> Reply {
        let as_msf = cdb[1] & 0x02 != 0;
        // MMC format in byte 2; SFF-8020 drives use byte 9 b7..b6 instead, and
        // MMC drives honour it when byte 2 says 0 (mmc.md §2.7).
        let format = match (cdb[2] & 0x0F, cdb[9] >> 6) {
            (0, legacy) => legacy,
            (format, _) => format,
        };
        let number = u32::from(cdb[6]);
        let alloc = usize::from(be16(cdb, 7));
        let is_cd = self.state.family() == Family::Cd;
        let tracks = self.toc_tracks();
        let (Some(leadout), Some(first), Some(last)) =
            (self.toc_leadout(), tracks.first(), tracks.last())
        else {
            // Blank disc or nothing closed yet: no TOC.
            return Reply::Check(sense::INVALID_FIELD_IN_CDB);
        };
        match format {
            0 => {
                if number != u32::from(mmc::toc::LEAD_OUT_TRACK) && number > last.2 {
                    return Reply::Check(sense::INVALID_FIELD_IN_CDB);
                }
                let mut entries: Vec<TocTrack> = tracks
                    .iter()
                    .filter(|t| number != u32::from(mmc::toc::LEAD_OUT_TRACK) && t.2 >= number)
                    .map(|&(_, control, track, start)| TocTrack {
                        adr: 1,
                        control,
                        track_number: track as u8,
                        address: address(start as i64, as_msf),
                    })
                    .collect();
                entries.push(TocTrack {
                    adr: 1,
                    control: last.1,
                    track_number: mmc::toc::LEAD_OUT_TRACK,
                    address: address(leadout as i64, as_msf),
                });
                let toc = Toc {
                    first_track: first.2 as u8,
                    last_track: last.2 as u8,
                    tracks: entries,
                };
                Reply::Data(toc.emit(), alloc)
            }
            1 => {
                // The first track of the last complete session (mmc.md §2.7).
                let last_session = tracks.last().map(|t| t.0).unwrap_or(1);
                let track = tracks.iter().find(|t| t.0 == last_session).unwrap_or(first);
                let info = SessionInfo {
                    first_complete_session: 1,
                    last_complete_session: last_session as u8,
                    adr: 1,
                    control: track.1,
                    first_track_in_last_session: track.2 as u8,
                    last_session_start: address(track.3 as i64, as_msf),
                };
                Reply::Data(info.emit(), alloc)
            }
            2 if is_cd => Reply::Data(self.full_toc(), alloc),
            // Pressed CDs have no ATIP.
            4 if is_cd && !self.state.media.is_rom() => Reply::Data(self.atip(), alloc),
            _ => Reply::Check(sense::INVALID_FIELD_IN_CDB),
        }
    }

    /// Full TOC (format 2): A0/A1/A2, track points, B0 while appendable, C0 in
    /// session 1 (MMC-5 6.26.3.4, mmc.md §2.7).
    fn full_toc(&self) -> Vec<u8> {
        let state = &self.state;
        let sessions = &state.sessions;
        let disc_type = 0x00;
        let zero = Msf::new(0, 0, 0);
        let mut entries = Vec::new();
        let mut entry =
            |session: u32, adr: u8, control: u8, point: u8, at: Msf, zero_byte: u8, p: Msf| {
                entries.push(FullTocEntry {
                    session: session as u8,
                    adr,
                    control,
                    tno: 0,
                    point,
                    msf: at,
                    zero: zero_byte,
                    pmsf: p,
                });
            };
        for session in sessions {
            let tracks: Vec<_> = state
                .tracks
                .iter()
                .filter(|t| t.session == session.number)
                .collect();
            let control = tracks.first().map(|t| t.track_mode & 0x0F).unwrap_or(4);
            let n = session.number;
            entry(
                n,
                1,
                control,
                0xA0,
                zero,
                0,
                Msf::new(session.first_track as u8, disc_type, 0),
            );
            entry(
                n,
                1,
                control,
                0xA1,
                zero,
                0,
                Msf::new(session.last_track as u8, 0, 0),
            );
            entry(
                n,
                1,
                control,
                0xA2,
                zero,
                0,
                msf(session.leadout_start as i64),
            );
            for track in &tracks {
                entry(
                    n,
                    1,
                    track.track_mode & 0x0F,
                    track.number as u8,
                    zero,
                    0,
                    msf(track.start as i64),
                );
            }
            let last = session.number as usize == sessions.len();
            if !(last && state.finalized) {
                // B0: next program area start, and the last possible lead-out.
                entry(
                    n,
                    5,
                    control,
                    0xB0,
                    msf(session.next_start as i64),
                    1,
                    msf(state.capacity as i64),
                );
            }
            if session.number == 1 {
                entry(
                    n,
                    5,
                    control,
                    0xC0,
                    Msf::new(0xA0, 0, 0),
                    0,
                    msf(ATIP_LEAD_IN_LBA),
                );
            }
        }
        let toc = FullToc {
            first_complete_session: 1,
            last_complete_session: sessions.len() as u8,
            entries,
        };
        toc.emit()
    }

    /// ATIP (format 4), MMC-5 6.26.3.6.
    fn atip(&self) -> Vec<u8> {
        let atip = Atip {
            indicative_target_writing_power: 5,
            reference_speed: 1,
            uru: true,
            disc_type_rw: self.state.media == MediaType::CdRw,
            disc_sub_type: 0,
            a1_valid: true,
            a2_valid: false,
            a3_valid: false,
            lead_in_start: msf(ATIP_LEAD_IN_LBA),
            last_possible_lead_out_start: msf(self.state.capacity as i64),
            // A1: lowest and highest CLV recording speed codes.
            a1: [0x1A, 0, 0],
            a2: [0; 3],
            a3: [0; 3],
        };
        atip.emit()
    }

    /// Features for GET CONFIGURATION (MMC-5 5.3; mmc.md §2.2):
    /// (code, version, persistent, current, data).
    fn features(&self) -> Vec<(u16, u8, bool, bool, Vec<u8>)> {
        use mmc::config::{
            BdWrite, CdTrackAtOnce, Core, DvdPlusR, DvdPlusRDl, DvdPlusRw, DvdRWrite, Feature,
            Formattable, IncrementalStreamingWritable, Morphing, ProfileDescriptor, ProfileList,
            RandomReadable, RandomWritable, RemovableMedium,
        };
        let state = &self.state;
        let present = self.present && self.removed_left == 0;
        let current_profile = if present { state.profile() } else { 0 };
        let family = state.family();
        let media = state.media;
        let writable = present && !state.finalized && !self.write_protected();
        let blocking: u16 = match family {
            Family::Cd => 1,
            Family::Dvd => 16,
            Family::Bd => 32,
        };
        let mut list = Vec::new();
        let mut add = |code: u16, version: u8, persistent: bool, current: bool, data: Vec<u8>| {
            list.push((code, version, persistent, current, data));
        };
        let profiles = ProfileList {
            profiles: SUPPORTED_PROFILES
                .iter()
                .map(|&p| ProfileDescriptor {
                    profile: Profile::from(p),
                    current: p == current_profile,
                })
                .collect(),
        };
        add(ProfileList::CODE, 0, true, true, profiles.to_data());
        add(
            Core::CODE,
            2,
            true,
            true,
            Core {
                physical_interface: 1,
                inq2: true,
                dbe: true,
            }
            .to_data(),
        );
        add(
            Morphing::CODE,
            1,
            true,
            true,
            Morphing {
                oc_event: true,
                asynchronous: false,
            }
            .to_data(),
        );
        let removable = RemovableMedium {
            loading_mechanism: 1,
            load: true,
            eject: true,
            prevent_jumper: false,
            lock: true,
        };
        add(RemovableMedium::CODE, 0, true, true, removable.to_data());
        let readable = RandomReadable {
            block_size: BLOCK_BYTES as u32,
            blocking,
            page_present: true,
        };
        add(RandomReadable::CODE, 0, false, present, readable.to_data());
        add(
            0x001D,
            0,
            false,
            present && family == Family::Cd,
            Vec::new(),
        ); // Multi-Read
        add(
            0x001E,
            2,
            false,
            present && family == Family::Cd,
            vec![0, 0, 0, 0],
        ); // CD Read
        add(
            0x001F,
            0,
            false,
            present && family == Family::Dvd,
            Vec::new(),
        ); // DVD Read
        let formatted_overwritable =
            present && state.is_overwritable() && state.formatted_blocks.is_some();
        let random_writable = RandomWritable {
            last_lba: u32_of(state.formatted_blocks.unwrap_or(0).saturating_sub(1)),
            block_size: BLOCK_BYTES as u32,
            blocking,
            page_present: true,
        };
        add(
            RandomWritable::CODE,
            0,
            false,
            formatted_overwritable,
            random_writable.to_data(),
        );
        let incremental = writable
            && match media {
                MediaType::CdR | MediaType::CdRw | MediaType::DvdR => true,
                MediaType::DvdRw => !state.restricted_overwrite && state.incremental_allowed,
                _ => false,
            };
        let streaming = IncrementalStreamingWritable {
            // Data block types 8 (Mode 1) and 10 (Mode 2 Form 1).
            data_block_types: (1 << 8) | (1 << 10),
            trio: true,
            arsv: true,
            buf: true,
            link_sizes: vec![if family == Family::Cd { 7 } else { 16 }],
        };
        add(
            IncrementalStreamingWritable::CODE,
            1,
            false,
            incremental,
            streaming.to_data(),
        );
        let formattable = present
            && match media {
                MediaType::DvdPlusRw | MediaType::BdRe | MediaType::DvdRw => true,
                MediaType::BdR => state.tracks.is_empty() && state.formatted_blocks.is_none(),
                _ => false,
            };
        let format_flags = Formattable {
            renosa: false,
            expand: false,
            qcert: false,
            cert: false,
            rrm: false,
        };
        add(
            Formattable::CODE,
            1,
            false,
            formattable,
            format_flags.to_data(),
        );
        add(
            0x0024,
            1,
            false,
            present && media == MediaType::BdRe,
            vec![0x80, 0, 0, 0],
        ); // defect management, SSA
        let restricted = present && media == MediaType::DvdRw && state.restricted_overwrite;
        add(0x0026, 0, false, restricted, Vec::new()); // Restricted Overwrite
        let plus_rw = DvdPlusRw {
            write: true,
            quick_start: false,
            close_only: false,
        };
        add(
            DvdPlusRw::CODE,
            0,
            false,
            present && media == MediaType::DvdPlusRw,
            plus_rw.to_data(),
        );
        let plus_r = present && matches!(media, MediaType::DvdPlusR | MediaType::DvdPlusRDl);
        add(
            DvdPlusR::CODE,
            0,
            false,
            plus_r,
            DvdPlusR { write: true }.to_data(),
        );
        add(0x002C, 0, false, restricted, vec![0x03, 0, 0, 0]); // Rigid RO: intermediate, blank
        let tao = CdTrackAtOnce {
            buf: true,
            test_write: true,
            cd_rw: true,
            data_types_supported: (1 << 8) | (1 << 10),
            ..CdTrackAtOnce::default()
        };
        add(
            CdTrackAtOnce::CODE,
            2,
            false,
            writable && family == Family::Cd,
            tao.to_data(),
        );
        let dvd_minus = writable
            && (media == MediaType::DvdR
                || (media == MediaType::DvdRw && !state.restricted_overwrite));
        let dvd_r_write = DvdRWrite {
            buf: true,
            rdl: false,
            test_write: true,
            dvd_rw: true,
        };
        add(DvdRWrite::CODE, 1, false, dvd_minus, dvd_r_write.to_data());
        add(0x0038, 0, false, false, Vec::new()); // BD-R POW: never
        let plus_r_dl = present && media == MediaType::DvdPlusRDl;
        add(
            DvdPlusRDl::CODE,
            0,
            false,
            plus_r_dl,
            DvdPlusRDl { write: true }.to_data(),
        );
        let mut bd_read = vec![0u8; 28];
        bd_read[4..6].copy_from_slice(&[0x00, 0x0E]);
        bd_read[12..14].copy_from_slice(&[0x00, 0x06]);
        bd_read[20..22].copy_from_slice(&[0x00, 0x06]);
        add(0x0040, 0, false, present && family == Family::Bd, bd_read); // BD Read
        let bd_write = BdWrite {
            svnr: false,
            bd_re_class_versions: [0x000E, 0, 0, 0],
            bd_r_class_versions: [0x0006, 0, 0, 0],
        };
        add(
            BdWrite::CODE,
            1,
            false,
            writable && family == Family::Bd,
            bd_write.to_data(),
        );
        add(0x0107, 3, false, true, vec![0x0F, 0, 0, 0]); // Real Time Streaming: SCS, MP2A, WSPD, SW
        list
    }

    fn get_configuration(&self, cdb: &[u8]) -> Reply {
        let rt = cdb[1] & 0x03;
        let start = be16(cdb, 2);
        let alloc = usize::from(be16(cdb, 7));
        if rt == 0b11 {
            return Reply::Check(sense::INVALID_FIELD_IN_CDB);
        }
        let present = self.present && self.removed_left == 0;
        let profile = if present { self.state.profile() } else { 0 };
        let features = self
            .features()
            .into_iter()
            .filter(|&(code, _, _, current, _)| match rt {
                0b00 => code >= start,
                0b01 => code >= start && current,
                _ => code == start,
            })
            .map(
                |(code, version, persistent, current, data)| FeatureDescriptor {
                    code,
                    version,
                    persistent,
                    current,
                    data,
                },
            )
            .collect();
        Reply::Data(
            Configuration::new(Profile::from(profile), features).emit(),
            alloc,
        )
    }

    fn event_status(&mut self, cdb: &[u8]) -> Reply {
        if cdb[1] & 0x01 == 0 {
            // Asynchronous notification is not supported (mmc.md §2.3).
            return Reply::Check(sense::INVALID_FIELD_IN_CDB);
        }
        let alloc = usize::from(be16(cdb, 7));
        let media_class = cdb[4] & 0x10 != 0;
        let event = if media_class {
            std::mem::replace(&mut self.media_event, 0)
        } else {
            0
        };
        let status = MediaEventStatus {
            nea: !media_class,
            notification_class: if media_class { 4 } else { 0 },
            supported_classes: 0x10,
            event: MediaEventCode::from(event),
            media_present: self.present && self.removed_left == 0,
            tray_open: self.tray_open,
        };
        Reply::Data(status.emit(), alloc)
    }

    fn page05_response(&self, pc: u8) -> Vec<u8> {
        match pc {
            0b01 => {
                let mut mask = Self::changeable_page05();
                mask[0] = 0x05;
                mask[1] = PAGE05_LENGTH;
                mask.to_vec()
            }
            0b10 => self.default_page05().to_vec(),
            _ => self.page05.to_vec(),
        }
    }

    fn page2a_response(&self, pc: u8) -> Vec<u8> {
        let mut p = vec![0u8; usize::from(PAGE2A_LENGTH) + 2];
        p[0] = 0x2A;
        p[1] = PAGE2A_LENGTH;
        if pc == 0b01 {
            return p; // nothing changeable
        }
        p[2] = 0x10 | 0x08 | 0x02 | 0x01; // reads DVD-R, DVD-ROM, CD-RW, CD-R
        p[3] = 0x10 | 0x04 | 0x02 | 0x01; // writes DVD-R, test write, CD-RW, CD-R
        p[4] = 0x80 | 0x40 | 0x10; // BUF, multi-session, mode 2 form 1
        p[6] = 0x20 | 0x08 | (u8::from(self.locked) << 1) | 0x01; // tray, eject, lock state, lock
        let write_speed: u16 = match self.state.family() {
            Family::Cd => 7_056,
            Family::Dvd => 11_080,
            Family::Bd => 26_970,
        };
        put16(&mut p, 8, write_speed);
        put16(&mut p, 12, (BUFFER_BYTES / 1024) as u16);
        put16(&mut p, 14, write_speed);
        put16(&mut p, 18, write_speed);
        put16(&mut p, 20, write_speed);
        put16(&mut p, 28, write_speed);
        put16(&mut p, 30, 1);
        put16(&mut p, 34, write_speed);
        p
    }

    fn mode_sense(&self, cdb: &[u8]) -> Reply {
        let pc = cdb[2] >> 6;
        let page = cdb[2] & 0x3F;
        if pc == 0b11 {
            return Reply::Check(Sense::new(0x5, 0x39, 0x00)); // saving parameters not supported
        }
        let mut pages = Vec::new();
        match page {
            0x05 => pages.extend(self.page05_response(pc)),
            0x2A => pages.extend(self.page2a_response(pc)),
            0x3F => {
                pages.extend(self.page05_response(pc));
                pages.extend(self.page2a_response(pc));
            }
            _ => return Reply::Check(sense::INVALID_FIELD_IN_CDB),
        }
        let mut b = vec![0u8; 8];
        b.extend(pages);
        let len = (b.len() - 2) as u16;
        put16(&mut b, 0, len);
        Reply::Data(b, usize::from(be16(cdb, 7)))
    }

    fn mode_select(&mut self, bytes: &[u8]) -> Reply {
        if bytes.is_empty() {
            return Reply::Good;
        }
        if bytes.len() < 8 {
            return Reply::Check(sense::PARAMETER_LIST_LENGTH_ERROR);
        }
        let descriptors = usize::from(be16(bytes, 6));
        let mut at = 8 + descriptors;
        while at < bytes.len() {
            if at + 2 > bytes.len() {
                return Reply::Check(sense::PARAMETER_LIST_LENGTH_ERROR);
            }
            let code = bytes[at] & 0x3F;
            let length = usize::from(bytes[at + 1]);
            let Some(page) = bytes.get(at..at + 2 + length) else {
                return Reply::Check(sense::PARAMETER_LIST_LENGTH_ERROR);
            };
            match code {
                0x05 => {
                    if length < usize::from(PAGE05_LENGTH) {
                        return Reply::Check(sense::INVALID_FIELD_IN_PARAMETERS);
                    }
                    if let Err(sense) = self.select_page05(page) {
                        return Reply::Check(sense);
                    }
                }
                // Page 2Ah has nothing changeable; accepted unchanged.
                0x2A => {}
                _ => return Reply::Check(sense::INVALID_FIELD_IN_PARAMETERS),
            }
            at += 2 + length;
        }
        Reply::Good
    }

    fn select_page05(&mut self, page: &[u8]) -> Result<(), Sense> {
        let mask = Self::changeable_page05();
        let mut new = self.page05;
        for i in 2..PAGE05_BYTES {
            if (page[i] ^ self.page05[i]) & !mask[i] != 0 {
                return Err(sense::INVALID_FIELD_IN_PARAMETERS);
            }
            new[i] = page[i];
        }
        let write_type = new[2] & 0x0F;
        let multi = new[3] >> 6;
        let track_mode = new[3] & 0x0F;
        let block_type = new[4] & 0x0F;
        if multi == 0b10 {
            return Err(sense::INVALID_FIELD_IN_PARAMETERS);
        }
        if self.state.uses_write_page() {
            let valid = match self.state.family() {
                Family::Cd => {
                    write_type <= 3
                        && matches!(block_type, 0..=3 | 8..=13)
                        // Data blocks need a data track mode, audio blocks an audio one.
                        && (write_type != 1 || (block_type >= 8) == (track_mode & 0x04 != 0))
                }
                _ => matches!(write_type, 0 | 2) && block_type == 8,
            };
            if !valid {
                return Err(sense::INVALID_FIELD_IN_PARAMETERS);
            }
        }
        self.page05 = new;
        Ok(())
    }

    fn format_capacities(&self) -> Vec<u8> {
        let state = &self.state;
        let mut descriptors: Vec<(u32, u8, u32)> = Vec::new();
        let capacity = u32_of(state.capacity);
        let (current_blocks, current_type) = match state.formatted_blocks {
            Some(blocks) => (u32_of(blocks), 0b10),
            None if matches!(
                state.media,
                MediaType::DvdPlusRw | MediaType::BdRe | MediaType::BdR | MediaType::DvdRw
            ) =>
            {
                (capacity, 0b01)
            }
            None => (u32_of(state.write_capacity()), 0b10),
        };
        let spared = u32_of(state.default_spared_size());
        match state.media {
            MediaType::DvdPlusRw => descriptors.push((capacity, 0x26, 0)),
            MediaType::BdRe => {
                descriptors.push((spared, 0x00, 0x3000));
                descriptors.push((spared, 0x30, 0x3000));
                descriptors.push((capacity, 0x31, 0x800));
            }
            MediaType::BdR if state.tracks.is_empty() && state.formatted_blocks.is_none() => {
                descriptors.push((spared, 0x00, 0x3000));
                descriptors.push((spared, 0x32, 0x3000));
            }
            MediaType::DvdRw => {
                descriptors.push((capacity, 0x00, 16));
                descriptors.push((capacity, 0x10, 16));
                descriptors.push((capacity, 0x15, 16));
                if state.restricted_overwrite {
                    descriptors.push((capacity, 0x13, 16));
                }
            }
            _ => {}
        }
        let answer = FormatCapacities {
            current: CurrentCapacity {
                blocks: current_blocks,
                descriptor_type: CapacityDescriptorType::from(current_type),
                block_length: BLOCK_BYTES as u32,
            },
            formattable: descriptors
                .into_iter()
                .map(
                    |(blocks, format_type, type_parameter)| FormattableCapacity {
                        blocks,
                        format_type,
                        type_parameter,
                    },
                )
                .collect(),
        };
        answer.emit()
    }

    fn performance(&self, cdb: &[u8]) -> Reply {
        let max = usize::from(be16(cdb, 8));
        let alloc = 8 + 16 * max;
        let kbps: u32 = match self.state.family() {
            Family::Cd => 7_056,
            Family::Dvd => 11_080,
            Family::Bd => 26_970,
        };
        let end = u32_of(self.state.write_capacity().saturating_sub(1));
        let mut b = vec![0u8; 8];
        match cdb[10] {
            0x00 => {
                b[4] = (cdb[1] >> 1) & 0x02; // Write bit echoed
                let mut d = [0u8; 16];
                put32(&mut d, 4, kbps);
                put32(&mut d, 8, end);
                put32(&mut d, 12, kbps);
                b.extend_from_slice(&d);
            }
            0x03 => {
                let mut d = [0u8; 16];
                put32(&mut d, 4, end + 1);
                put32(&mut d, 8, kbps);
                put32(&mut d, 12, kbps);
                b.extend_from_slice(&d);
            }
            _ => return Reply::Check(sense::INVALID_FIELD_IN_CDB),
        }
        let len = (b.len() - 4) as u32;
        put32(&mut b, 0, len);
        Reply::Data(b, alloc)
    }
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
        profile: state.profile(),
        profile_name: profile_name(state.profile()),
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
    }
}

impl Transport for Recorder {
    fn execute(
        &mut self,
        cdb: &[u8],
        mut data: DataDirection<'_>,
        _timeout: Duration,
    ) -> Result<CommandOutcome, TransportError> {
        if cdb.is_empty() {
            return Err(TransportError::InvalidCommand("empty CDB".into()));
        }
        self.commands_seen += 1;
        if !self.personality.is_recorder() {
            if let Some(delay) = self.slow {
                std::thread::sleep(delay);
            }
            if self.personality == Personality::Tgt {
                return self.execute_tgt(cdb, data);
            }
            return self.execute_qemu(cdb, data);
        }
        if let Some(limit) = self.max_transfer {
            if data.len() as u64 > limit * BLOCK_BYTES {
                // As the kernel refuses a buffer beyond queue/max_hw_sectors_kb.
                return Err(TransportError::Os {
                    device: self.name.clone(),
                    source: std::io::Error::from_raw_os_error(5),
                });
            }
        }
        if matches!(cdb[0], op::WRITE_10 | op::WRITE_12) {
            self.writes_seen += 1;
        }
        if let Some(delay) = self.slow {
            std::thread::sleep(delay);
        }
        let buffer_len = match &data {
            DataDirection::FromDevice(buf) => buf.len(),
            _ => 0,
        };
        let reply = self.dispatch(cdb, &mut data)?;
        let outcome = match reply {
            Reply::Good => CommandOutcome::good(buffer_len),
            Reply::Direct(n) => CommandOutcome::good(buffer_len.saturating_sub(n)),
            Reply::Data(bytes, alloc) => {
                let n = match &mut data {
                    DataDirection::FromDevice(buf) => {
                        let n = bytes.len().min(alloc).min(buf.len());
                        buf[..n].copy_from_slice(&bytes[..n]);
                        n
                    }
                    _ => 0,
                };
                CommandOutcome::good(buffer_len - n)
            }
            Reply::Check(sense) => {
                tracing::debug!("{}: CDB {:02x?} -> {sense}", self.name, cdb);
                CommandOutcome::check_condition(sense.to_bytes(), buffer_len)
            }
        };
        Ok(outcome)
    }

    fn device_name(&self) -> String {
        self.name.clone()
    }

    fn buffer_underruns(&self) -> Option<u64> {
        Some(self.buffer.underruns())
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if self.persist_on_drop && self.dirty {
            if let Err(err) = self.files.save_state(&self.state) {
                tracing::error!("{}: state not saved: {err}", self.name);
            }
        }
    }
}
