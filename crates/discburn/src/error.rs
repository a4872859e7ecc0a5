//! Errors of a burn: each says what happened to the target (nothing, or
//! rolled back) and, where there is one, what to do.

use std::path::PathBuf;

/// Why a burn (or repair) stopped.
#[derive(Debug, thiserror::Error)]
pub enum BurnError {
    #[error(transparent)]
    Target(#[from] crate::target::Error),
    #[error(transparent)]
    Drive(#[from] crate::drive::DriveError),
    #[error("cannot open {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not an ISO 9660 image discburn can append to: {reason}")]
    NotAnImage { path: PathBuf, reason: String },
    /// A file a reading command (verify, check-media, diff) finds no
    /// session in.
    #[error("{path} is not an ISO 9660 image: {reason}")]
    NoSessions { path: PathBuf, reason: String },
    #[error(
        "{path}: {problem}; nothing was written. Run `discburn repair --target {path}` to rebuild \
         LBA 0-31 from the newest intact session"
    )]
    Superblock { path: PathBuf, problem: String },
    #[error("{path} is shorter ({file_blocks} blocks) than its volume ({volume_blocks} blocks): it is truncated or damaged; nothing was written")]
    Truncated {
        path: PathBuf,
        file_blocks: u64,
        volume_blocks: u64,
    },
    #[error("{path} is being written by another process{}; try again when it is done", holder.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    Locked {
        path: PathBuf,
        holder: Option<String>,
    },
    #[error("{target} has no session {number} (it has {count})")]
    NoSuchSession {
        target: String,
        number: u32,
        count: usize,
    },
    #[error("{what} needs an existing session, and {target} has none")]
    NothingToImport { target: String, what: &'static str },
    #[error("the last session of {target} (number {session}) cannot be imported, so nothing was written: {source}")]
    Import {
        target: String,
        session: u32,
        source: fsimage::import::ImportError,
    },
    #[error("cannot remove {path}: it does not exist in session {session}")]
    RemoveMissing { path: String, session: u32 },
    #[error("two sources land on {path}: {first} and {second} (give --merge=last-wins to keep the last one)")]
    DuplicatePath {
        path: String,
        first: String,
        second: String,
    },
    #[error("cannot read session {session} of {target}: {source}")]
    ReadSession {
        target: String,
        session: u32,
        source: fsimage::read::ReadError,
    },
    /// A session whose tree cannot be read whole (for `diff`).
    #[error("cannot read the tree of session {session} of {target}: {source}")]
    SessionTree {
        target: String,
        session: u32,
        source: fsimage::import::ImportError,
    },
    #[error("{what}")]
    Conflict { what: &'static str },
    #[error("nothing to write: give files or directories to add, or --remove")]
    NothingToDo,
    #[error(transparent)]
    Tree(#[from] fsimage::Error),
    /// The session does not fit: found before a byte is written. All in
    /// 2048-byte blocks.
    #[error("{}", no_room_text(path, *session, *overhead, *free, *fits))]
    NoRoom {
        path: PathBuf,
        /// The session as it would be written (padded to the medium's unit).
        session: u64,
        /// What writing it costs besides (a CD track's run-out and the
        /// session's lead-out; LBA 0-31 of a fresh overwritable disc).
        overhead: u64,
        /// Blocks free on the target.
        free: u64,
        /// The largest session that would fit (0: none).
        fits: u64,
    },
    #[error("writing {path} failed: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A host file changed, vanished or could not be read while the session was written.
    #[error("the session could not be completed: {0}")]
    Source(fsimage::Error),
    #[error("interrupted")]
    Cancelled,
    #[error("{path} appeared while the image was written; it was left untouched")]
    AppearedMeanwhile { path: PathBuf },
    #[error("{target} is closed (finalized): no session can be added; nothing was written")]
    DiscClosed { target: String },
    #[error(
        "{target}: session {session} was left incomplete by a burn that failed or was \
         interrupted (a track at LBA {lba}, {blocks} blocks): its data cannot be trusted and \
         readers do not see it; the earlier sessions are intact. Nothing was written"
    )]
    IncompleteSession {
        target: String,
        session: u16,
        lba: u64,
        blocks: u64,
    },
    #[error("verification of {target} failed at block {lba}: it {reason}")]
    VerifyFailed {
        target: String,
        lba: u64,
        reason: String,
    },
    #[error("{target}: block {lba} cannot be read")]
    Unreadable { target: String, lba: u64 },
    /// A zisofs-compressed file of a session that cannot be inflated, to
    /// compare its MD5 (`sync`, `diff`).
    #[error("{target}: cannot inflate {path} (zisofs-compressed, at block {lba}): {reason}")]
    Inflate {
        target: String,
        path: String,
        lba: u64,
        reason: String,
    },
    #[error(
        "{target}: the medium is write-protected ({causes}); nothing was written. Release \
         its write protection (on an emulated medium: `discburn emu protect --off PATH`, or \
         make its data file writable) or use another disc"
    )]
    WriteProtected { target: String, causes: String },
    #[error("{target} cannot be written: the drive reports {what} (read-only: pressed or finalized); nothing was written")]
    NotWritable { target: String, what: String },
    /// `blank` or `format` on a medium they do not apply to.
    #[error(
        "{target} holds a {medium}, which cannot be {operation}: {advice}; nothing was changed"
    )]
    WrongMedium {
        target: String,
        medium: String,
        operation: &'static str,
        advice: &'static str,
    },
    #[error("{what} is not supported for {target} yet")]
    Unsupported { target: String, what: &'static str },
    /// A burn that failed or was interrupted after writing part of its
    /// session to a write-once disc, which cannot take it back.
    #[error("{target}: {what}")]
    LeftIncomplete {
        target: String,
        what: String,
        #[source]
        cause: Box<BurnError>,
    },
    #[error("{cause}; undoing the partial write failed too ({rollback}): {path} may hold an orphan tail past its end, which readers ignore and the next append reclaims")]
    RollbackFailed {
        path: PathBuf,
        cause: Box<BurnError>,
        rollback: std::io::Error,
    },
}

impl BurnError {
    /// True when the burn stopped because it was asked to (Ctrl-C).
    pub fn is_cancelled(&self) -> bool {
        match self {
            BurnError::Cancelled => true,
            BurnError::RollbackFailed { cause, .. } => cause.is_cancelled(),
            BurnError::LeftIncomplete { cause, .. } => cause.is_cancelled(),
            _ => false,
        }
    }
}

fn mib(blocks: u64) -> String {
    format!("{:.1} MiB", blocks as f64 * 2048.0 / (1024.0 * 1024.0))
}

/// "Does not fit", by how many blocks, and what would (issue 10 §3).
fn no_room_text(
    path: &std::path::Path,
    session: u64,
    overhead: u64,
    free: u64,
    fits: u64,
) -> String {
    let needed = session + overhead;
    let short = needed.saturating_sub(free);
    let cost = if overhead > 0 {
        format!(" plus {overhead} of overhead")
    } else {
        String::new()
    };
    let what_fits = if fits > 0 {
        format!(
            "a session of at most {fits} blocks ({}) would fit",
            mib(fits)
        )
    } else {
        "not even the shortest session fits".to_string()
    };
    format!(
        "the session does not fit on {}: it takes {session} blocks ({}){cost}, and {free} blocks \
         ({}) are free: {short} blocks ({}) too many; {what_fits}. Nothing was written",
        path.display(),
        mib(session),
        mib(free),
        mib(short)
    )
}
