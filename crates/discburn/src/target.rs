//! Targets: where a session is read from or written to. A target string names
//! an image file (`out.iso`), an emulated recorder's medium (`emu:PATH`) or a
//! real recorder (`/dev/srN`).

use std::path::PathBuf;

use fsimage::SectorSource;

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
}

/// Opens a target for reading its sectors (for `ls`, `extract`, `info`, import).
pub fn open_read_source(target: &str) -> Result<Box<dyn SectorSource>, Error> {
    match TargetKind::parse(target) {
        TargetKind::ImageFile(path) => {
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
            let recorder = emulator::Recorder::open_with_env_faults(&path)?;
            Ok(Box::new(crate::drive::TransportSectorSource::new(
                recorder,
            )?))
        }
    }
}
