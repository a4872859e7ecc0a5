//! Errors of the reader and of extraction. Each names where it happened: the
//! path inside the image, the LBA, or the destination path.

use std::path::PathBuf;

/// Everything that can go wrong while reading an ISO 9660 session or extracting it.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The medium could not be read.
    #[error("cannot read {what} at LBA {lba}: {source}")]
    Io {
        what: String,
        lba: u64,
        source: std::io::Error,
    },

    /// No ISO 9660 volume starts here.
    #[error("no ISO 9660 or UDF volume in the session starting at LBA {session_start}: {reason}")]
    NotIso { session_start: u64, reason: String },

    /// An on-disc structure is malformed.
    #[error("{path}: malformed {what} at LBA {lba}: {reason}")]
    Corrupt {
        path: String,
        what: &'static str,
        lba: u64,
        reason: String,
    },

    /// An extent lies (partly) outside the image.
    #[error("{path}: extent at LBA {lba} ({bytes} bytes) lies outside the image ({image_blocks} blocks)")]
    OutOfImage {
        path: String,
        lba: u64,
        bytes: u64,
        image_blocks: u64,
    },

    /// A directory is reached again below itself (or twice in one walk), or a
    /// relocation (CL) or continuation (CE) chain loops.
    #[error("{path}: loop: {what} at LBA {lba} was already visited")]
    Loop {
        path: String,
        what: &'static str,
        lba: u64,
    },

    /// A hard cap of [`super::Limits`] was hit (hostile or absurd image).
    #[error("{path}: {what} exceeds the limit of {limit}")]
    Limit {
        path: String,
        what: &'static str,
        limit: u64,
    },

    /// The path names nothing in the image.
    #[error("{path}: no such file or directory in the image")]
    NotFound { path: String },

    /// A directory was expected.
    #[error("{path}: not a directory")]
    NotADirectory { path: String },

    /// A regular file was expected.
    #[error("{path}: not a regular file")]
    NotAFile { path: String },

    /// A feature the reader does not handle (interleaved files, other block sizes).
    #[error("{path}: unsupported: {what}")]
    Unsupported { path: String, what: String },

    /// Extraction: creating or writing something in the destination failed.
    #[error("cannot {action} {path}: {source}")]
    Extract {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },

    /// Extraction: the destination already has this path (and `force` is off).
    #[error("{path} already exists (use --force to overwrite)")]
    Exists { path: PathBuf },
}

impl ReadError {
    /// The same error naming `path` (a full image path where the reader only
    /// knew an entry's name).
    pub fn with_path(mut self, new_path: &str) -> Self {
        match &mut self {
            ReadError::Corrupt { path, .. }
            | ReadError::OutOfImage { path, .. }
            | ReadError::Loop { path, .. }
            | ReadError::Limit { path, .. }
            | ReadError::NotFound { path }
            | ReadError::NotADirectory { path }
            | ReadError::NotAFile { path }
            | ReadError::Unsupported { path, .. } => *path = new_path.to_string(),
            ReadError::Io { .. }
            | ReadError::NotIso { .. }
            | ReadError::Extract { .. }
            | ReadError::Exists { .. } => {}
        }
        self
    }
}

/// Shorthand for results of the reader.
pub type Result<T, E = ReadError> = std::result::Result<T, E>;
