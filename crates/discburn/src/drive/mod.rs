//! Real and emulated recorders seen through [`mmc::Transport`]: reading their
//! sectors ([`TransportSectorSource`]), inspecting the medium
//! ([`inspect_media`], as IMAPI2's recorder/media properties), and describing
//! the drives attached to this machine ([`list_drives`]).
//!
//! By job: `source` reads sectors, `media` inspects the medium and prints it,
//! `list` enumerates and describes drives; opening a drive or target and the
//! errors of drive access stay here.
//!
//! Every step copes with drives that reject commands (a read-only DVD-ROM
//! drive with a pressed disc rejects READ TRACK INFORMATION or TOC formats):
//! what could not be learnt is left out and noted, not an error.

use std::io;
use std::path::Path;

use mmc::exec::{wait_ready, PollOptions};
use mmc::sense::Sense;
use mmc::{ops, MmcError, Transport};

mod list;
mod media;
mod source;
#[cfg(test)]
mod tests;

pub use list::{describe, list_drives, DriveInfo};
pub use media::{inspect_media, MediaInfo, TrackSummary};
pub use source::TransportSectorSource;

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

/// The medium's write protection as a drive reports it (MMC-5 5.3.5, 6.23):
/// when feature 0004h Write Protect is current, READ DISC STRUCTURE format
/// C0h says whether and why the medium is protected. `None` when the drive
/// does not report it (no feature 0004h): a write then fails with 7/27/00.
pub fn write_protection(
    t: &mut dyn Transport,
) -> Result<Option<mmc::disc::WriteProtection>, MmcError> {
    use mmc::cdb::RequestType;
    use mmc::config::feature;
    let config = match ops::get_configuration(t, RequestType::One, feature::WRITE_PROTECT) {
        Ok(config) => config,
        // MMC-1 drives have no GET CONFIGURATION.
        Err(e) if e.is_unsupported() => return Ok(None),
        Err(e) => return Err(e),
    };
    if !config.is_current(feature::WRITE_PROTECT) {
        return Ok(None);
    }
    ops::read_write_protection(t, config.current_profile.is_bd()).map(Some)
}

/// Whether the medium is written at random like an image file: an
/// overwritable profile (DVD+RW, BD-RE, DVD-RW restricted overwrite, ...), or
/// a CD-RW formatted for fixed packets, whose profile stays 000Ah while
/// feature 0020h Random Writable is current (MMC-5 5.3.10).
pub fn medium_is_overwritable(t: &mut dyn Transport, profile: mmc::Profile) -> bool {
    use mmc::cdb::RequestType;
    use mmc::config::feature;
    if profile.is_overwritable() {
        return true;
    }
    profile == mmc::Profile::CdRw
        && ops::get_configuration(t, RequestType::One, feature::RANDOM_WRITABLE)
            .is_ok_and(|config| config.is_current(feature::RANDOM_WRITABLE))
}

/// Refuses a medium the drive reports write-protected, before anything is
/// sent that would change it (`burn`, `blank`, `format`).
pub(crate) fn refuse_write_protected(
    t: &mut dyn Transport,
    target: &str,
) -> Result<(), crate::BurnError> {
    match write_protection(t) {
        Ok(Some(status)) if status.is_protected() => Err(crate::BurnError::WriteProtected {
            target: target.to_string(),
            causes: status.describe(),
        }),
        Ok(_) => Ok(()),
        // Not learnt: the drive refuses the first change with 7/27/00 if it must.
        Err(e) => {
            tracing::debug!(device = %t.device_name(), error = %e, "write protection not read");
            Ok(())
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
