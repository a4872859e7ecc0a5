//! Real and emulated recorders seen through [`mmc::Transport`]: reading their
//! sectors ([`TransportSectorSource`]), inspecting the medium
//! ([`inspect_media`], as IMAPI2's recorder/media properties), and describing
//! the drives attached to this machine ([`list_drives`]).
//!
//! Every step copes with drives that reject commands (a read-only DVD-ROM
//! drive with a pressed disc rejects READ TRACK INFORMATION or TOC formats):
//! what could not be learnt is left out and noted, not an error.

use std::io;
use std::path::Path;

use mmc::cdb::{RequestType, TrackAddress};
use mmc::disc::{DiscStatus, SessionState, TrackState};
use mmc::exec::{wait_ready, PollOptions};
use mmc::sense::Sense;
use mmc::{ops, MmcError, Profile, Transport};

/// Block size of data media.
const BLOCK: usize = fsimage::BLOCK_SIZE;
/// Most tracks examined on one disc (a CD holds 99; DVD+R 153 sessions; BD-R
/// a few hundred): bounds the work a hostile or broken drive can cause.
const MAX_TRACKS: u16 = 1024;

/// Errors of drive access.
#[derive(Debug, thiserror::Error)]
pub enum DriveError {
    #[error(transparent)]
    Mmc(#[from] MmcError),
    #[error("{device}: no disc in the drive")]
    NoMedium { device: String },
    #[error("cannot list drives: {0}")]
    Enumerate(io::Error),
    #[error("cannot open {path}: {message}")]
    Open { path: String, message: String },
}

impl DriveError {
    /// As an `io::Error` (for [`fsimage::SectorSource`] and [`crate::storage`]
    /// users), keeping the text and the drive error itself
    /// ([`DriveError::from_io`] gets it back, e.g. for an exit code).
    pub fn into_io(self) -> io::Error {
        let kind = match &self {
            DriveError::NoMedium { .. } => io::ErrorKind::NotFound,
            DriveError::Mmc(e) => mmc_error_kind(e),
            DriveError::Enumerate(e) => e.kind(),
            DriveError::Open { .. } => io::ErrorKind::Other,
        };
        io::Error::new(kind, self)
    }

    /// The drive error an `io::Error` made by [`DriveError::into_io`] carries.
    pub fn from_io(err: &io::Error) -> Option<&DriveError> {
        err.get_ref()?.downcast_ref::<DriveError>()
    }
}

fn mmc_error_kind(err: &MmcError) -> io::ErrorKind {
    match err {
        MmcError::Sense(s) if s.sense.code() == (5, 0x21, 0x00) => io::ErrorKind::UnexpectedEof,
        MmcError::Sense(s) if s.sense.is_no_medium() => io::ErrorKind::NotFound,
        MmcError::Sense(s) if s.sense.key == mmc::SenseKey::MediumError => {
            io::ErrorKind::InvalidData
        }
        MmcError::Transport(mmc::TransportError::Os { source, .. }) => source.kind(),
        MmcError::Transport(mmc::TransportError::NoDevice { .. }) => io::ErrorKind::NotConnected,
        MmcError::Transport(mmc::TransportError::Timeout { .. }) | MmcError::Timeout { .. } => {
            io::ErrorKind::TimedOut
        }
        MmcError::Invalid { .. } => io::ErrorKind::InvalidInput,
        _ => io::ErrorKind::Other,
    }
}

/// Reads 2048-byte blocks from a drive with READ(10) (READ(12) for transfers
/// beyond 65535 blocks), split into transfers the kernel and drive accept
/// (32 KiB on CD/DVD, 64 KiB on BD; mmc.md §1.7).
pub struct TransportSectorSource<T: Transport> {
    transport: T,
    blocks: Option<u64>,
    transfer_blocks: usize,
}

impl<T: Transport> TransportSectorSource<T> {
    /// Wraps a transport: waits for a drive that is becoming ready, learns the
    /// readable size from READ CAPACITY (last LBA + 1) and the transfer size
    /// from the current profile. A drive without a disc is an error.
    pub fn new(mut transport: T) -> Result<Self, DriveError> {
        ensure_ready(&mut transport)?;
        let profile = ops::current_profile(&mut transport).ok();
        let blocks = match ops::read_capacity(&mut transport) {
            Ok(cap) => Some(cap.block_count()),
            Err(e) if e.sense().is_some_and(Sense::is_no_medium) => {
                return Err(DriveError::NoMedium {
                    device: transport.device_name(),
                })
            }
            Err(e) => {
                tracing::debug!(device = %transport.device_name(), error = %e, "READ CAPACITY failed; size unknown");
                None
            }
        };
        let transfer = profile.map_or(32 * 1024, Profile::transfer_bytes);
        Ok(Self::with_geometry(transport, blocks, transfer))
    }

    /// Wraps a transport with a known size and largest transfer in bytes.
    pub fn with_geometry(transport: T, blocks: Option<u64>, transfer_bytes: usize) -> Self {
        TransportSectorSource {
            transport,
            blocks,
            transfer_blocks: (transfer_bytes / BLOCK).max(1),
        }
    }

    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    pub fn into_inner(self) -> T {
        self.transport
    }
}

impl<T: Transport> fsimage::SectorSource for TransportSectorSource<T> {
    fn block_count(&self) -> Option<u64> {
        self.blocks
    }

    fn read_blocks(&mut self, lba: u64, buf: &mut [u8]) -> io::Result<()> {
        if !buf.len().is_multiple_of(BLOCK) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "read length is not a whole number of 2048-byte blocks",
            ));
        }
        let count = (buf.len() / BLOCK) as u64;
        let end = lba
            .checked_add(count)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "LBA overflow"))?;
        if let Some(blocks) = self.blocks {
            if end > blocks {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "{}: blocks {lba}..{end} lie past the end of the disc ({blocks} blocks)",
                        self.transport.device_name()
                    ),
                ));
            }
        }
        let mut done = 0usize;
        while done < buf.len() {
            let len = (self.transfer_blocks * BLOCK).min(buf.len() - done);
            let at = lba + (done / BLOCK) as u64;
            let at32 = u32::try_from(at).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("LBA {at} is beyond 32-bit addressing"),
                )
            })?;
            let chunk = &mut buf[done..done + len];
            match ops::read_blocks(&mut self.transport, at32, chunk) {
                Ok(()) => done += len,
                // The kernel or host adapter refused the transfer size (QEMU's
                // IDE drive above 64 blocks: EIO, no SCSI status; QEMU-DRIVE.md
                // row 10): halve it for this and later reads.
                Err(err) if len > BLOCK && transfer_refused(&err) => {
                    let smaller = (len / BLOCK / 2).max(1);
                    tracing::debug!(
                        device = %self.transport.device_name(),
                        error = %err,
                        "READ of {} blocks refused; trying {smaller}",
                        len / BLOCK
                    );
                    self.transfer_blocks = smaller;
                }
                Err(err) => {
                    let n = (len / BLOCK) as u64;
                    return Err(io::Error::new(
                        mmc_error_kind(&err),
                        format!("reading blocks {at}..{}: {err}", at + n),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Whether a READ failed before the drive answered, as SG_IO fails a buffer
/// beyond the queue's limit: an OS error or a host adapter error, no sense.
fn transfer_refused(err: &MmcError) -> bool {
    matches!(
        err,
        MmcError::Transport(mmc::TransportError::Os { .. } | mmc::TransportError::Host { .. })
    )
}

/// TEST UNIT READY, waiting out "becoming ready" (mmc.md §4 step 1).
pub(crate) fn ensure_ready(t: &mut dyn Transport) -> Result<(), DriveError> {
    match ops::test_unit_ready(t) {
        Ok(()) => Ok(()),
        Err(e) if e.sense().is_some_and(Sense::is_no_medium) => Err(DriveError::NoMedium {
            device: t.device_name(),
        }),
        Err(e)
            if e.sense()
                .is_some_and(|s| s.is_in_progress() || s.code() == (2, 0x04, 0x00)) =>
        {
            let options = PollOptions {
                barrier: false,
                ..PollOptions::new(std::time::Duration::from_secs(60))
            };
            wait_ready(t, "the drive getting ready", &options, &mut |_| {})?;
            Ok(())
        }
        // Other answers (an odd drive) are no reason to stop; later commands tell.
        Err(e) => {
            tracing::debug!(device = %t.device_name(), error = %e, "TEST UNIT READY failed");
            Ok(())
        }
    }
}

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
            disc_status: None,
            last_session_state: None,
            erasable: None,
            sessions: None,
            tracks: Vec::new(),
            last_session_start: None,
            next_writable_address: None,
            free_blocks: None,
            capacity_blocks: None,
            notes: Vec::new(),
        }
    }
}

/// Inspects the medium (mmc.md §4): INQUIRY, GET CONFIGURATION, READ DISC
/// INFORMATION, READ TRACK INFORMATION per track, READ TOC (format 1 for the
/// last session, format 0 as a fallback for the track list), READ CAPACITY.
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
        Ok(config) => Some(config.current_profile),
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
fn last_complete_session_start(tracks: &[TrackSummary]) -> Option<u32> {
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

/// A drive attached to this machine, as `discburn drives` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DriveInfo {
    pub path: String,
    pub name: String,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub revision: Option<String>,
    /// The SCSI generic twin (`/dev/sg1`).
    pub sg_path: Option<String>,
    /// Physical interface from the Core feature ("ATAPI", "SCSI", "USB", ...).
    pub interface: Option<String>,
    /// Every profile the drive lists (media it knows).
    pub profiles: Vec<String>,
    /// The profiles it can write.
    pub writable_profiles: Vec<String>,
    /// The medium now in the drive ("none" when empty).
    pub current_profile: Option<String>,
    /// Why the drive could not be queried, if it could not.
    pub error: Option<String>,
}

/// Lists the optical drives under `root` (`/` on a live system): sysfs and
/// `/proc/sys/dev/cdrom/info` (mmc.md §1.5), then INQUIRY and GET
/// CONFIGURATION on each node that can be opened (read-only suffices).
pub fn list_drives(root: &Path) -> Result<Vec<DriveInfo>, DriveError> {
    let entries = mmc::enumerate::enumerate(root).map_err(DriveError::Enumerate)?;
    let mut drives = Vec::with_capacity(entries.len());
    for entry in entries {
        let mut info = DriveInfo {
            path: entry.path.display().to_string(),
            name: entry.name.clone(),
            vendor: entry.vendor.clone(),
            model: entry.model.clone(),
            revision: entry.revision.clone(),
            sg_path: entry.sg_name.as_ref().map(|sg| format!("/dev/{sg}")),
            interface: None,
            profiles: Vec::new(),
            writable_profiles: Vec::new(),
            current_profile: None,
            error: None,
        };
        // The kernel's table knows CD-R/RW, DVD-R and DVD-RAM writing only; it
        // stands in until GET CONFIGURATION answers (mmc.md §1.5).
        for (row, profile) in [
            ("Can write CD-R", Profile::CdR),
            ("Can write CD-RW", Profile::CdRw),
            ("Can write DVD-R", Profile::DvdRSequential),
            ("Can write DVD-RAM", Profile::DvdRam),
        ] {
            if entry.capabilities.get(row) == Some(&true) {
                info.writable_profiles.push(profile.to_string());
            }
        }
        // Only query real device nodes of a live system.
        if root == Path::new("/") {
            match open_drive(&entry.path, mmc::sgio::OpenMode::ReadOnly) {
                Ok(mut device) => describe(&mut device, &mut info),
                Err(e) => info.error = Some(e.to_string()),
            }
        }
        drives.push(info);
    }
    Ok(drives)
}

/// Fills `info` from INQUIRY and GET CONFIGURATION (all features).
pub fn describe(t: &mut dyn Transport, info: &mut DriveInfo) {
    match ops::inquiry(t) {
        Ok(inq) => {
            let non_empty = |s: String| (!s.is_empty()).then_some(s);
            info.vendor = non_empty(inq.vendor).or(info.vendor.take());
            info.model = non_empty(inq.product).or(info.model.take());
            info.revision = non_empty(inq.revision).or(info.revision.take());
        }
        Err(e) => info.error = Some(e.to_string()),
    }
    match ops::get_configuration(t, RequestType::All, 0) {
        Ok(config) => {
            info.current_profile = Some(config.current_profile.to_string());
            info.profiles = config
                .profiles()
                .iter()
                .map(|p| p.profile.to_string())
                .collect();
            info.writable_profiles = config
                .writable_profiles()
                .iter()
                .map(ToString::to_string)
                .collect();
            info.interface = config
                .get::<mmc::config::Core>()
                .map(|c| c.interface_name().to_string());
        }
        Err(e) => {
            info.error.get_or_insert_with(|| e.to_string());
        }
    }
}

/// Opens a drive node for SG_IO.
pub fn open_drive(
    path: &Path,
    mode: mmc::sgio::OpenMode,
) -> Result<mmc::sgio::SgDevice, DriveError> {
    mmc::sgio::SgDevice::open(path, mode).map_err(|e| DriveError::Mmc(MmcError::Transport(e)))
}

/// Opens `/dev/srN` read-only and returns a sector source over it; transfers
/// are also kept within the kernel's limit for the device (`queue/max_sectors_kb`).
pub fn open_drive_source(
    path: &Path,
) -> Result<TransportSectorSource<mmc::sgio::SgDevice>, DriveError> {
    let device = open_drive(path, mmc::sgio::OpenMode::ReadOnly)?;
    let mut source = TransportSectorSource::new(device)?;
    let name = std::fs::canonicalize(path)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
    if let Some(limit) = name.and_then(|n| mmc::enumerate::max_transfer_bytes(Path::new("/"), &n)) {
        source.transfer_blocks = source.transfer_blocks.min((limit / BLOCK).max(1));
    }
    Ok(source)
}

/// Opens `/dev/srN` and inspects its medium (for `discburn info --target /dev/srN`).
pub fn inspect_drive(path: &Path) -> Result<MediaInfo, DriveError> {
    let mut device = open_drive(path, mmc::sgio::OpenMode::ReadOnly)?;
    inspect_media(&mut device)
}

/// Inspects the medium a target string names: a drive (`/dev/srN`) or an
/// emulated recorder (`emu:PATH`, faults from `DISCBURN_EMU_FAULTS` armed).
/// `None` for image files, which have no drive to ask.
pub fn inspect_target(target: &str) -> Result<Option<MediaInfo>, DriveError> {
    match crate::TargetKind::parse(target) {
        crate::TargetKind::ImageFile(_) => Ok(None),
        crate::TargetKind::Drive(path) => inspect_drive(&path).map(Some),
        crate::TargetKind::Emulated(path) => {
            let mut recorder =
                emulator::Recorder::open_with_env_faults(&path).map_err(|e| DriveError::Open {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
            inspect_media(&mut recorder).map(Some)
        }
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
        if let Some(sessions) = self.sessions {
            line("Sessions", sessions.to_string());
        }
        for track in &self.tracks {
            line(
                &format!("Track {}", track.number),
                format!(
                    "session {}, LBA {}, {} blocks, {}",
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
        if let Some(nwa) = self.next_writable_address {
            line("Next writable", format!("LBA {nwa}"));
        }
        if let Some(free) = self.free_blocks {
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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::time::Duration;

    use fsimage::SectorSource;
    use mmc::cdb::{Command, TocFormat};
    use mmc::config::{Configuration, Feature, ProfileDescriptor, ProfileList};
    use mmc::disc::{DiscInformation, TrackInformation};
    use mmc::inquiry::{CapacityData, InquiryData};
    use mmc::sense::SenseKey;
    use mmc::toc::{SessionInfo, Toc, TocTrack};
    use mmc::{CommandOutcome, DataDirection, TransportError};

    use super::*;

    /// A drive answering from fixed structures, built with the mmc emitters.
    struct FakeDrive {
        data: Vec<u8>,
        profile: Profile,
        medium: bool,
        disc: DiscInformation,
        tracks: Vec<TrackInformation>,
        toc: Toc,
        session_info: SessionInfo,
        rejected: HashSet<u8>,
        log: Vec<Vec<u8>>,
    }

    fn reply(data: &mut DataDirection<'_>, bytes: &[u8]) -> CommandOutcome {
        match data {
            DataDirection::FromDevice(buf) => {
                let n = buf.len().min(bytes.len());
                buf[..n].copy_from_slice(&bytes[..n]);
                CommandOutcome::good(buf.len() - n)
            }
            _ => CommandOutcome::good(0),
        }
    }

    fn check(key: SenseKey, asc: u8, ascq: u8) -> CommandOutcome {
        CommandOutcome::check_condition(mmc::Sense::new(key, asc, ascq).to_fixed().to_vec(), 0)
    }

    impl Transport for FakeDrive {
        fn execute(
            &mut self,
            cdb: &[u8],
            mut data: DataDirection<'_>,
            _timeout: Duration,
        ) -> Result<CommandOutcome, TransportError> {
            self.log.push(cdb.to_vec());
            if self.rejected.contains(&cdb[0]) {
                return Ok(check(SenseKey::IllegalRequest, 0x20, 0));
            }
            let command = match Command::parse(cdb) {
                Ok(c) => c,
                Err(_) => return Ok(check(SenseKey::IllegalRequest, 0x20, 0)),
            };
            let no_medium_ok =
                matches!(command, Command::Inquiry(_) | Command::GetConfiguration(_));
            if !self.medium && !no_medium_ok {
                return Ok(check(SenseKey::NotReady, 0x3A, 0x01));
            }
            Ok(match command {
                Command::TestUnitReady(_) => CommandOutcome::good(0),
                Command::Inquiry(_) => reply(
                    &mut data,
                    &InquiryData::mmc_device("FAKE", "Fake DVD-ROM", "1.0").emit(),
                ),
                Command::GetConfiguration(_) => {
                    let current = if self.medium {
                        self.profile
                    } else {
                        Profile::None
                    };
                    let list = ProfileList {
                        profiles: vec![
                            ProfileDescriptor {
                                profile: Profile::CdRom,
                                current: current == Profile::CdRom,
                            },
                            ProfileDescriptor {
                                profile: self.profile,
                                current: current == self.profile,
                            },
                        ],
                    };
                    reply(
                        &mut data,
                        &Configuration::new(current, vec![list.to_descriptor(true)]).emit(),
                    )
                }
                Command::ReadDiscInformation(_) => reply(&mut data, &self.disc.emit()),
                Command::ReadTrackInformation(c) => match c.address {
                    TrackAddress::Track(n) => {
                        match self.tracks.iter().find(|t| u32::from(t.track_number) == n) {
                            Some(t) => reply(&mut data, &t.emit()),
                            None => check(SenseKey::IllegalRequest, 0x24, 0),
                        }
                    }
                    _ => check(SenseKey::IllegalRequest, 0x24, 0),
                },
                Command::ReadToc(c) => match c.requested_format() {
                    TocFormat::Toc => reply(&mut data, &self.toc.emit()),
                    TocFormat::SessionInfo => reply(&mut data, &self.session_info.emit()),
                    _ => check(SenseKey::IllegalRequest, 0x24, 0),
                },
                Command::ReadCapacity(_) => {
                    let blocks = (self.data.len() / BLOCK) as u32;
                    reply(
                        &mut data,
                        &CapacityData {
                            last_lba: blocks.saturating_sub(1),
                            block_length: 2048,
                        }
                        .emit(),
                    )
                }
                Command::Read10(mmc::cdb::Read10(rw)) => {
                    let start = rw.lba as usize * BLOCK;
                    let end = start + usize::from(rw.blocks) * BLOCK;
                    match self.data.get(start..end) {
                        Some(bytes) => {
                            let bytes = bytes.to_vec();
                            reply(&mut data, &bytes)
                        }
                        None => check(SenseKey::IllegalRequest, 0x21, 0),
                    }
                }
                _ => check(SenseKey::IllegalRequest, 0x20, 0),
            })
        }

        fn device_name(&self) -> String {
            "/dev/fake".to_string()
        }
    }

    /// A pressed DVD with one 40-block data track.
    fn pressed_dvd() -> FakeDrive {
        let data: Vec<u8> = (0..40 * BLOCK)
            .map(|i| (i / BLOCK) as u8 ^ (i % 251) as u8)
            .collect();
        let mut disc = DiscInformation::new(DiscStatus::Complete, SessionState::Complete, false);
        disc.sessions = 1;
        let track = TrackInformation {
            track_number: 1,
            session_number: 1,
            track_mode: 4,
            data_mode: 1,
            track_start: 0,
            track_size: 40,
            ..Default::default()
        };
        FakeDrive {
            data,
            profile: Profile::DvdRom,
            medium: true,
            disc,
            tracks: vec![track],
            toc: Toc {
                first_track: 1,
                last_track: 1,
                tracks: vec![
                    TocTrack {
                        adr: 1,
                        control: 4,
                        track_number: 1,
                        address: 0,
                    },
                    TocTrack {
                        adr: 1,
                        control: 4,
                        track_number: 0xAA,
                        address: 40,
                    },
                ],
            },
            session_info: SessionInfo {
                first_complete_session: 1,
                last_complete_session: 1,
                adr: 1,
                control: 4,
                first_track_in_last_session: 1,
                last_session_start: 0,
            },
            rejected: HashSet::new(),
            log: Vec::new(),
        }
    }

    #[test]
    fn sector_source_reads_in_transfer_sized_chunks() {
        let drive = pressed_dvd();
        let expected = drive.data.clone();
        let mut source = TransportSectorSource::new(drive).unwrap();
        assert_eq!(source.block_count(), Some(40));
        let mut buf = vec![0u8; 37 * BLOCK];
        source.read_blocks(2, &mut buf).unwrap();
        assert_eq!(buf, expected[2 * BLOCK..39 * BLOCK]);
        let reads: Vec<(u32, u16)> = source
            .transport_mut()
            .log
            .iter()
            .filter(|c| c[0] == 0x28)
            .map(|c| {
                (
                    u32::from_be_bytes([c[2], c[3], c[4], c[5]]),
                    u16::from_be_bytes([c[7], c[8]]),
                )
            })
            .collect();
        // 32 KiB transfers on DVD: 16 + 16 + 5 blocks.
        assert_eq!(reads, vec![(2, 16), (18, 16), (34, 5)]);
    }

    #[test]
    fn sector_source_rejects_reads_past_the_end_and_reports_sense() {
        let mut source = TransportSectorSource::new(pressed_dvd()).unwrap();
        let mut buf = vec![0u8; 2 * BLOCK];
        let err = source.read_blocks(39, &mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert!(err.to_string().contains("39..41"), "{err}");
        // With a size the drive does not know, the drive's sense becomes the error text.
        let mut blind = TransportSectorSource::with_geometry(pressed_dvd(), None, 64 * 1024);
        let err = blind.read_blocks(39, &mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert!(
            err.to_string()
                .contains("5/21/00 LOGICAL BLOCK ADDRESS OUT OF RANGE"),
            "{err}"
        );
        assert!(blind.read_blocks(0, &mut [0u8; 100]).is_err());
    }

    #[test]
    fn sector_source_needs_a_disc() {
        let mut drive = pressed_dvd();
        drive.medium = false;
        let err = TransportSectorSource::new(drive).err().unwrap();
        assert!(matches!(err, DriveError::NoMedium { .. }), "{err}");
        assert_eq!(err.to_string(), "/dev/fake: no disc in the drive");
    }

    #[test]
    fn inspects_a_pressed_dvd() {
        let mut drive = pressed_dvd();
        let info = inspect_media(&mut drive).unwrap();
        assert_eq!(info.vendor.as_deref(), Some("FAKE"));
        assert!(info.medium_present);
        assert_eq!(info.profile.as_deref(), Some("DVD-ROM"));
        assert_eq!(info.disc_status.as_deref(), Some("complete"));
        assert_eq!(info.sessions, Some(1));
        assert_eq!(info.tracks.len(), 1);
        assert_eq!((info.tracks[0].start, info.tracks[0].size), (0, 40));
        assert_eq!(info.capacity_blocks, Some(40));
        assert_eq!(info.next_writable_address, None);
        assert_eq!(info.last_session_start, Some(0));
        assert!(info.notes.is_empty(), "{:?}", info.notes);
    }

    #[test]
    fn inspects_a_drive_that_rejects_track_information_and_disc_information() {
        let mut drive = pressed_dvd();
        drive.rejected = [0x51u8, 0x52].into_iter().collect();
        let info = inspect_media(&mut drive).unwrap();
        assert_eq!(info.disc_status, None);
        assert_eq!(info.tracks.len(), 1, "track list from the TOC");
        assert_eq!((info.tracks[0].start, info.tracks[0].size), (0, 40));
        assert_eq!(info.sessions, Some(1));
        assert!(
            info.notes
                .iter()
                .any(|n| n.contains("READ DISC INFORMATION")),
            "{:?}",
            info.notes
        );
    }

    #[test]
    fn inspects_an_appendable_cd_r() {
        let mut drive = pressed_dvd();
        drive.profile = Profile::CdR;
        drive.disc = DiscInformation {
            sessions: 2,
            first_track_in_last_session: 2,
            last_track_in_last_session: 2,
            ..DiscInformation::new(DiscStatus::Appendable, SessionState::Empty, false)
        };
        drive.tracks.push(TrackInformation {
            track_number: 2,
            session_number: 2,
            blank: true,
            nwa_valid: true,
            track_start: 11_452,
            next_writable_address: 11_452,
            free_blocks: 348_397,
            track_size: 348_397,
            ..Default::default()
        });
        let info = inspect_media(&mut drive).unwrap();
        assert_eq!(info.profile.as_deref(), Some("CD-R"));
        assert_eq!(info.disc_status.as_deref(), Some("appendable"));
        assert_eq!(info.last_session_state.as_deref(), Some("empty"));
        assert_eq!(
            info.sessions,
            Some(1),
            "the trailing empty session is not counted"
        );
        assert_eq!(
            info.tracks.len(),
            1,
            "the invisible track is not a recorded track"
        );
        assert_eq!(info.next_writable_address, Some(11_452));
        assert_eq!(info.free_blocks, Some(348_397));
    }

    #[test]
    fn last_complete_session_start_from_the_tracks() {
        let track = |session: u16, start: u32, state: TrackState| TrackSummary {
            number: session,
            session,
            start,
            size: 16,
            state,
            next_writable_address: None,
            free_blocks: None,
        };
        use TrackState::{Complete, Incomplete};
        let tracks = [
            track(1, 0, Complete),
            track(2, 1000, Complete),
            track(3, 2000, Incomplete),
        ];
        assert_eq!(last_complete_session_start(&tracks), Some(1000));
        assert_eq!(last_complete_session_start(&tracks[..1]), Some(0));
        // A session with an open track is not complete: no answer rather than a wrong one.
        let mixed = [track(1, 0, Complete), track(1, 500, Incomplete)];
        assert_eq!(last_complete_session_start(&mixed), None);
        assert_eq!(last_complete_session_start(&[]), None);
    }

    #[test]
    fn media_info_as_text() {
        let mut drive = pressed_dvd();
        let text = inspect_media(&mut drive).unwrap().to_text();
        assert!(
            text.starts_with("Drive:               /dev/fake FAKE Fake DVD-ROM 1.0\n"),
            "{text}"
        );
        assert!(text.contains("Medium:              DVD-ROM\n"), "{text}");
        assert!(
            text.contains("Disc status:         complete (last session complete)\n"),
            "{text}"
        );
        assert!(
            text.contains("Track 1:             session 1, LBA 0, 40 blocks, closed\n"),
            "{text}"
        );
        assert!(
            text.contains("Readable:            40 blocks (81920 bytes)\n"),
            "{text}"
        );
        drive.medium = false;
        let text = inspect_media(&mut drive).unwrap().to_text();
        assert!(
            text.contains("Medium:              none (no disc in the drive)"),
            "{text}"
        );
        assert_eq!(inspect_target("some/image.iso").unwrap(), None);
    }

    #[test]
    fn opening_a_missing_drive_names_it() {
        let err = crate::open_read_source("/dev/discburn-no-such-sr9")
            .err()
            .unwrap();
        let text = err.to_string();
        assert!(text.contains("/dev/discburn-no-such-sr9"), "{text}");
        assert!(text.contains("No such file"), "{text}");
        let err = inspect_target("/dev/discburn-no-such-sr9").unwrap_err();
        assert!(
            err.to_string().contains("/dev/discburn-no-such-sr9"),
            "{err}"
        );
    }

    #[test]
    fn inspects_an_empty_drive() {
        let mut drive = pressed_dvd();
        drive.medium = false;
        let info = inspect_media(&mut drive).unwrap();
        assert!(!info.medium_present);
        assert_eq!(info.model.as_deref(), Some("Fake DVD-ROM"));
        assert_eq!(info.profile, None);
    }

    #[test]
    fn describes_a_drive() {
        let mut drive = pressed_dvd();
        let mut info = DriveInfo {
            path: "/dev/fake".into(),
            name: "fake".into(),
            vendor: Some("SYSFS".into()),
            model: None,
            revision: None,
            sg_path: None,
            interface: None,
            profiles: vec![],
            writable_profiles: vec![],
            current_profile: None,
            error: None,
        };
        describe(&mut drive, &mut info);
        assert_eq!(info.vendor.as_deref(), Some("FAKE"));
        assert_eq!(info.profiles, vec!["CD-ROM", "DVD-ROM"]);
        assert!(info.writable_profiles.is_empty());
        assert_eq!(info.current_profile.as_deref(), Some("DVD-ROM"));
        assert_eq!(info.error, None);
    }

    #[test]
    fn lists_fixture_drives_without_opening_them() {
        let root = std::env::temp_dir().join(format!("discburn-drives-{}", std::process::id()));
        let dev = root.join("sys/class/block/sr0/device");
        std::fs::create_dir_all(&dev).unwrap();
        std::fs::write(dev.join("vendor"), "QEMU    \n").unwrap();
        std::fs::write(dev.join("model"), "QEMU DVD-ROM\n").unwrap();
        std::fs::write(dev.join("type"), "5\n").unwrap();
        let proc_dir = root.join("proc/sys/dev/cdrom");
        std::fs::create_dir_all(&proc_dir).unwrap();
        std::fs::write(
            proc_dir.join("info"),
            "CD-ROM information, Id: cdrom.c 3.20 2003/12/17\n\ndrive name:\t\tsr0\n\
             Can write CD-R:\t\t1\nCan write CD-RW:\t1\nCan write DVD-R:\t0\nCan write DVD-RAM:\t0\n",
        )
        .unwrap();
        let drives = list_drives(&root).unwrap();
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(drives.len(), 1);
        assert_eq!(drives[0].path, "/dev/sr0");
        assert_eq!(drives[0].vendor.as_deref(), Some("QEMU"));
        assert_eq!(drives[0].error, None);
        assert_eq!(
            drives[0].writable_profiles,
            vec!["CD-R", "CD-RW"],
            "from the kernel's table"
        );
    }
    /// Writes one session on an emulated sequential medium (mmc.md §5.1, §5.2,
    /// §5.4) with the mmc helpers; returns its start LBA.
    fn burn_session(t: &mut dyn Transport, blocks: usize, tag: u8) -> u32 {
        use mmc::cdb::CloseFunction;
        use mmc::mode::WriteParametersPage;
        let profile = ops::current_profile(t).unwrap();
        if profile.is_cd() {
            let page = WriteParametersPage::cd_tao_data(false, true);
            ops::mode_select_page(t, &page.emit()).unwrap();
        }
        let disc = ops::read_disc_information(t).unwrap();
        let track = disc.last_track_in_last_session;
        let ti = ops::read_track_information(t, TrackAddress::Track(u32::from(track))).unwrap();
        let nwa = ti.writable_address().unwrap();
        let data = vec![tag; blocks * BLOCK];
        let unit = if profile.is_bd() { 32 } else { 16 };
        for (i, piece) in data.chunks(unit * BLOCK).enumerate() {
            ops::write_blocks(t, nwa + (i * unit) as u32, piece).unwrap();
        }
        let options = PollOptions::immediate(Duration::from_secs(30));
        ops::synchronize_cache(t, true).unwrap();
        wait_ready(t, "sync", &options, &mut |_| {}).unwrap();
        if !profile.is_cd() {
            ops::close_track_session(t, CloseFunction::CloseTrack, track, true).unwrap();
            wait_ready(t, "close track", &options, &mut |_| {}).unwrap();
        }
        ops::close_track_session(t, CloseFunction::CloseSession, 0, true).unwrap();
        wait_ready(t, "close session", &options, &mut |_| {}).unwrap();
        nwa
    }

    #[test]
    fn inspects_emulated_media_after_two_sessions() {
        use emulator::media::MediaType;
        let dir = std::env::temp_dir().join(format!("discburn-drive-emu-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let via_target = dir.join("target.medium");
        drop(emulator::Recorder::create(&via_target, MediaType::DvdPlusR, None).unwrap());
        let info = inspect_target(&format!("emu:{}", via_target.display()))
            .unwrap()
            .unwrap();
        assert_eq!(
            (info.profile.as_deref(), info.disc_status.as_deref()),
            (Some("DVD+R"), Some("blank"))
        );
        for (media, name, blocks) in [
            (MediaType::CdR, "CD-R", 320usize),
            (MediaType::DvdPlusR, "DVD+R", 64),
            (MediaType::BdR, "BD-R SRM", 64),
        ] {
            let path = dir.join(format!("{name}.medium"));
            let mut rec = emulator::Recorder::create(&path, media, None).unwrap();
            let blank = inspect_media(&mut rec).unwrap();
            assert_eq!(blank.profile.as_deref(), Some(name));
            assert_eq!(blank.disc_status.as_deref(), Some("blank"), "{name}");
            assert_eq!(blank.sessions, Some(0), "{name}");
            assert!(blank.tracks.is_empty(), "{name}");
            assert_eq!(blank.next_writable_address, Some(0), "{name}");

            let first = burn_session(&mut rec, blocks, 0xA1);
            let second = burn_session(&mut rec, blocks, 0xB2);
            assert!(
                second > first + blocks as u32,
                "{name}: sessions separated by a gap"
            );
            let info = inspect_media(&mut rec).unwrap();
            assert_eq!(
                info.disc_status.as_deref(),
                Some("appendable"),
                "{name}: {info:?}"
            );
            assert_eq!(info.sessions, Some(2), "{name}");
            assert_eq!(info.tracks.len(), 2, "{name}: {:?}", info.tracks);
            assert_eq!(info.tracks[1].start, second, "{name}");
            assert_eq!(info.tracks[1].session, 2, "{name}");
            assert!(info.tracks[1].size >= blocks as u32, "{name}");
            let nwa = info.next_writable_address.unwrap();
            assert!(
                nwa > second + blocks as u32,
                "{name}: NWA {nwa} after session 2"
            );
            assert!(info.free_blocks.unwrap() > 0, "{name}");
            if media == MediaType::CdR {
                assert_eq!(
                    info.last_session_start,
                    Some(second),
                    "{name}: TOC format 1"
                );
            }

            // The sectors read back through the sector source.
            let mut source = TransportSectorSource::new(rec).unwrap();
            let mut buf = vec![0u8; blocks * BLOCK];
            source.read_blocks(u64::from(second), &mut buf).unwrap();
            assert!(buf.iter().all(|&b| b == 0xB2), "{name}");
            source.read_blocks(u64::from(first), &mut buf).unwrap();
            assert!(buf.iter().all(|&b| b == 0xA1), "{name}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
