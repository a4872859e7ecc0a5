//! The emulated drive. One job per module:
//!
//! | module | job |
//! |---|---|
//! | this one | the [`Recorder`]: opening and creating media, the drive's own state (tray, lock, page 05h, busy), persistence, [`Transport`] |
//! | `dispatch` | the one command pipeline: parse the CDB with [`mmc::Command`], the personality hook, gates (unit attention, busy, no medium, write protection), one arm per command, the reply delivered as a [`CommandOutcome`] |
//! | `medium` | commands that change the medium or the drive's settings: READ, WRITE, SYNCHRONIZE CACHE, CLOSE, RESERVE, BLANK, FORMAT UNIT, START STOP, MODE SELECT |
//! | `replies` | answers built from the medium's state with `mmc`'s emitters: INQUIRY, READ DISC/TRACK INFORMATION, READ TOC, MODE SENSE, READ FORMAT CAPACITIES, GET PERFORMANCE, event status |
//! | `features` | GET CONFIGURATION: the feature list per medium |
//! | `faults` | armed faults and the Immed busy state |
//! | `qemu` | the QEMU drive personalities' answers (the hook of `dispatch`) |
//! | `tgt` | the tgt personality: raw CDB bytes decoded as tgt does, before the pipeline |
//!
//! The answers follow a real MMC recorder (mmc.md §2, §6, §7, §8).

use std::path::Path;
use std::time::Duration;

use mmc::mode::WriteParametersPage;
use mmc::sense::codes as sense;
use mmc::toc::Msf;
use mmc::{CommandOutcome, DataDirection, Sense, Transport, TransportError};

use crate::buffer::DriveBuffer;
use crate::fault::{Fault, FAULTS_ENV};
use crate::media::MediaType;
use crate::personality::Personality;
use crate::state::MediumState;
use crate::store::{self, MediumFiles, BLOCK_BYTES};
use crate::summary::{summarize, MediumSummary};
use crate::Error;

mod dispatch;
mod faults;
mod features;
mod medium;
mod qemu;
mod replies;
mod tgt;

use faults::{ArmedFault, Busy};

/// Polls an Immed operation stays busy for, unless told otherwise.
pub const DEFAULT_IMMED_POLLS: u32 = 2;

/// Drive buffer size reported (page 2Ah, READ BUFFER CAPACITY).
const BUFFER_BYTES: u32 = 4 << 20;

/// An emulated MMC recorder holding one medium stored in files.
pub struct Recorder {
    files: MediumFiles,
    state: MediumState,
    name: String,
    present: bool,
    tray_open: bool,
    locked: bool,
    page05: WriteParametersPage,
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

/// What one command did, before [`dispatch`] delivers it as a [`CommandOutcome`].
pub(crate) enum Reply {
    Good,
    /// Data-in bytes (full length; truncated to the allocation length on delivery).
    Data(Vec<u8>, usize),
    /// This many bytes were placed in the data-in buffer directly (READ).
    Direct(usize),
    Check(Sense),
    /// The host adapter's driver aborted the command before the drive saw
    /// it, with sense of its own (libata: ABORTED COMMAND; QEMU IDE only).
    Aborted,
    /// The host adapter failed the command: no status, no sense.
    HostError,
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

    /// Whether the medium is write-protected: its data file is read-only, it
    /// was opened with [`Recorder::open_read_only`], its write-protect switch
    /// is on ([`Recorder::set_write_protect`]), or it is pressed.
    pub fn write_protected(&self) -> bool {
        self.cartridge_protected() || self.state.media.is_rom()
    }

    /// Protected by the switch or the file (what READ DISC STRUCTURE C0h
    /// reports as CWP); pressed media are read-only by their profile instead.
    pub(crate) fn cartridge_protected(&self) -> bool {
        !self.files.writable() || self.state.write_protected
    }

    /// Turns the medium's write-protect switch on or off (saved in the state
    /// file; `discburn emu protect PATH [--off]`). The data file must be
    /// writable to change it.
    pub fn set_write_protect(&mut self, on: bool) -> Result<(), Error> {
        let mut state = self.state.clone();
        state.write_protected = on;
        self.files.save_state(&state)?;
        self.state = state;
        Ok(())
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
            page05: WriteParametersPage::default(),
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

    pub(crate) fn persist(&mut self) -> Result<(), Sense> {
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
    pub(crate) fn revert_to_persisted(&mut self) {
        match store::load_state(self.files.data_path()) {
            Ok(state) => self.state = state,
            Err(err) => {
                tracing::error!("emulated medium {}: cannot reload state: {err}", self.name)
            }
        }
        self.dirty = false;
    }

    pub(crate) fn reset_drive(&mut self) {
        self.page05 = self.default_page05();
        self.busy = None;
        self.test_track = None;
        self.locked = false;
        self.busy_fault = None;
    }
}

impl Transport for Recorder {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataDirection<'_>,
        _timeout: Duration,
    ) -> Result<CommandOutcome, TransportError> {
        self.execute_cdb(cdb, data)
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
