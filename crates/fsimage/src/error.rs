//! Errors of the tree, layout and image stream (the writer side).

use std::path::PathBuf;

/// What can go wrong building a tree from host files or streaming an image.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A host file or directory could not be examined while scanning.
    #[error(transparent)]
    Md5(#[from] crate::checksums::md5::Md5Failed),

    #[error("cannot read {path}: {source}")]
    Scan {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A directory was expected on the host.
    #[error("{path} is not a directory")]
    NotADirectory { path: PathBuf },
    /// A path inside the image is unusable (empty component, `.` or `..`, NUL).
    #[error("invalid path in the image {path:?}: {reason}")]
    InvalidImagePath { path: String, reason: &'static str },
    /// A path in the image names a non-directory where a directory is needed.
    #[error("{path:?} in the image is not a directory")]
    NotADirectoryInImage { path: String },
    /// A path in the image does not exist.
    #[error("{path:?} does not exist in the image")]
    NoSuchPathInImage { path: String },
    /// A source file's size differs from what the scan saw.
    #[error("{path} changed size since it was scanned: expected {expected} bytes, found {found}")]
    SourceChanged {
        path: PathBuf,
        expected: u64,
        found: u64,
    },
    /// A source file could not be opened when its data was due (unreadable, or deleted
    /// since the scan).
    #[error("{path} cannot be opened for reading: {source}")]
    SourceVanished {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Reading a source file failed.
    #[error("reading {path} failed: {source}")]
    SourceRead {
        path: PathBuf,
        source: std::io::Error,
    },
    /// An `--exclude` glob that does not parse.
    #[error("--exclude {pattern:?} is not a shell glob: {reason}")]
    Pattern {
        pattern: String,
        reason: &'static str,
    },
    /// The layout does not fit ISO 9660's limits.
    #[error("the image cannot be laid out: {reason}")]
    Layout { reason: String },
}

impl From<Error> for std::io::Error {
    fn from(err: Error) -> Self {
        let kind = match &err {
            Error::SourceChanged { .. } => std::io::ErrorKind::InvalidData,
            Error::SourceVanished { source, .. } => source.kind(),
            Error::SourceRead { source, .. } => source.kind(),
            _ => std::io::ErrorKind::Other,
        };
        std::io::Error::new(kind, err)
    }
}
