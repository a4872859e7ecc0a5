//! Targets: where a session is read from or written to. A target string names
//! an image file (`out.iso`), an emulated recorder's medium (`emu:PATH`) or a
//! real recorder (`/dev/srN`).

use std::path::{Path, PathBuf};

use fsimage::sessions::ImageSession;
use fsimage::{ImageStream, SectorSource};

use crate::error::BurnError;

/// What a target string names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetKind {
    /// A plain (growable) ISO image file.
    ImageFile(PathBuf),
    /// A medium file of the emulated recorder (`emu:PATH`).
    Emulated(PathBuf),
    /// A real recorder through Linux SG_IO (`/dev/srN`, `/dev/sgN`).
    Drive(PathBuf),
}

impl TargetKind {
    /// Classifies a target string: `emu:` prefix, a device node under `/dev/`, else a file.
    pub fn parse(target: &str) -> TargetKind {
        if let Some(path) = target.strip_prefix("emu:") {
            TargetKind::Emulated(PathBuf::from(path))
        } else if target.starts_with("/dev/") {
            TargetKind::Drive(PathBuf::from(target))
        } else {
            TargetKind::ImageFile(PathBuf::from(target))
        }
    }
}

/// Errors of opening a target.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot open {path}: {source}")]
    Open {
        path: String,
        source: std::io::Error,
    },
    /// A drive (real or emulated) that cannot be opened or read; the message names it.
    #[error(transparent)]
    Drive(#[from] crate::drive::DriveError),
    /// An emulated medium file that cannot be opened; the message names it.
    #[error("emulated medium {0}")]
    Emulator(#[from] emulator::Error),
    /// A plain path to the data file of an emulated medium (`emu:` forgotten): read
    /// as an image it would show only the first session, written as one it would
    /// break the medium, so it is refused.
    #[error(
        "{path} is the data file of an emulated medium ({state} is beside it): \
         use --target emu:{path}"
    )]
    EmulatedMediumFile { path: String, state: String },
    /// A directory given as the target (a source given in the wrong place).
    #[error("{path} is a directory: --target takes an image file, emu:MEDIUM or /dev/srN")]
    Directory { path: String },
}

/// Refuses an image-file target that is really an emulated medium's data file.
fn refuse_emulated_medium_file(path: &Path) -> Result<(), Error> {
    let state = emulator::state_path(path);
    if state.is_file() {
        return Err(Error::EmulatedMediumFile {
            path: path.display().to_string(),
            state: state.display().to_string(),
        });
    }
    Ok(())
}

/// Opens a target for reading its sectors (for `ls`, `extract`, `info`, import).
pub fn open_read_source(target: &str) -> Result<Box<dyn SectorSource>, Error> {
    match TargetKind::parse(target) {
        TargetKind::ImageFile(path) => {
            refuse_emulated_medium_file(&path)?;
            if path.is_dir() {
                return Err(Error::Directory {
                    path: path.display().to_string(),
                });
            }
            let open_error = |source| Error::Open {
                path: path.display().to_string(),
                source,
            };
            let file = std::fs::File::open(&path).map_err(open_error)?;
            let source = fsimage::FileSectorSource::new(std::io::BufReader::new(file))
                .map_err(open_error)?;
            Ok(Box::new(source))
        }
        TargetKind::Drive(path) => Ok(Box::new(crate::drive::open_drive_source(&path)?)),
        TargetKind::Emulated(path) => {
            // The emulated drive, with faults from DISCBURN_EMU_FAULTS armed.
            let recorder = emulator::Recorder::open_with_env_faults(&path).map_err(Error::from)?;
            Ok(Box::new(crate::drive::TransportSectorSource::new(
                recorder,
            )?))
        }
    }
}

/// What the burn flow needs of a target, whatever it is (image file, emulated
/// medium, drive): the sessions already there, their sectors (to import one),
/// where the next session goes, and writing it.
pub trait BurnTarget {
    /// The target, for messages.
    fn name(&self) -> String;
    /// Sessions already recorded, oldest first (empty on a new image or blank disc).
    fn sessions(&self) -> &[ImageSession];
    /// The recorded blocks, to import a session from.
    fn sectors(&mut self) -> Result<Box<dyn SectorSource + '_>, BurnError>;
    /// The first block of the next session.
    fn next_start(&self) -> u64;
    /// Fails when a session of `blocks` blocks cannot be written (with what
    /// closing it costs); gives the blocks left after it, when known.
    fn check_room(&mut self, blocks: u64) -> Result<Option<u64>, BurnError>;
    /// The blocks free on the target now, when known: on a disc, what the
    /// drive reports (`info`'s `free_blocks`), read again after a session.
    fn free_blocks(&mut self) -> Option<u64> {
        self.check_room(0).ok().flatten()
    }
    /// Writes the session's blocks at its start LBA; `progress(bytes)` after
    /// each chunk, which stops the write (as [`BurnError::Cancelled`]) by
    /// returning `false`.
    fn write_session(
        &mut self,
        stream: &mut ImageStream,
        progress: &mut dyn FnMut(crate::events::WriteProgress) -> bool,
    ) -> Result<(), BurnError>;
    /// Makes the written session the one readers find; returns the blocks the
    /// target now holds in all.
    fn finish(&mut self, stream: &ImageStream) -> Result<u64, BurnError>;
    /// Undoes what a failed [`BurnTarget::write_session`] or
    /// [`BurnTarget::finish`] left behind.
    fn roll_back(&mut self) -> std::io::Result<()>;
    /// Where a session of `blocks` blocks would end on the target (a disc
    /// pads it to its write unit).
    fn planned_end(&self, blocks: u64) -> u64 {
        self.next_start() + blocks
    }
    /// Blocks of an earlier interrupted append this session wrote over.
    fn reclaimed_blocks(&self) -> u64 {
        0
    }
    /// Buffer underruns the drive counted during this burn, when it can tell.
    fn buffer_underruns(&self) -> Option<u64> {
        None
    }
    /// After [`BurnTarget::roll_back`]: what a failed burn left on the
    /// target that cannot be undone (part of a session on a write-once disc).
    fn left_behind(&self) -> Option<String> {
        None
    }
    /// Why the session closes the disc though `--close` was not given (known
    /// after [`BurnTarget::check_room`]): the space left cannot take another.
    fn closed_because(&self) -> Option<String> {
        None
    }
}

/// Opens a target for writing a session: the one place that dispatches on
/// the kind of target for a burn.
pub fn open_burn_target(
    target: &str,
    options: crate::disc::DiscOptions,
) -> Result<Box<dyn BurnTarget>, BurnError> {
    if crate::stdout_image::is_stdout(target) {
        return Ok(Box::new(crate::stdout_image::StdoutImage::new()));
    }
    match TargetKind::parse(target) {
        TargetKind::ImageFile(path) => {
            refuse_emulated_medium_file(&path)?;
            crate::image_file::open_image_target(&path)
        }
        TargetKind::Emulated(_) | TargetKind::Drive(_) => {
            let drive = crate::media_ops::open_recorder(target)?;
            crate::disc::open_disc_target(target, drive, options)
        }
    }
}
