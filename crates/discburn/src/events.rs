//! What a burn reports while it runs ([`Progress`], shaped after IMAPI2's
//! `IDiscFormat2DataEventArgs`) and when it is done ([`BurnReport`]).

use serde::Serialize;

/// The step a burn is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Opening the target and finding its sessions and free space.
    ValidatingMedia,
    /// Reading the tree of an earlier session.
    Importing,
    /// Compressing new files with zisofs (`--zisofs`); `sectors_done` and
    /// `sectors_total` count files here.
    Compressing,
    /// `sync`: reading files to compare their MD5s with the session's
    /// (`--content`, files whose ctime moved, renames); `sectors_done` and
    /// `sectors_total` count the blocks of file data read.
    Comparing,
    /// Laying out the new session and checking it fits.
    Planning,
    /// Writing the session's blocks.
    Writing,
    /// Making the session the one readers find (superblock, close session).
    Finalizing,
    /// Reading the session back (`--verify`).
    Verifying,
    /// Undoing a write that failed or was interrupted.
    RollingBack,
    Completed,
}

/// A progress event.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub action: Action,
    /// The block being written (absolute on the medium), when writing.
    pub lba: u64,
    /// Blocks of the session written so far, and in all.
    pub sectors_done: u64,
    pub sectors_total: u64,
    /// Seconds since the burn started.
    pub elapsed_s: f64,
    /// Seconds the write should still take, from the rate so far (none
    /// before there is a rate worth trusting).
    pub remaining_s: Option<f64>,
    /// How full the drive's buffer is (0.0-1.0), when the drive tells.
    pub drive_buffer_fill: Option<f64>,
    /// How full discburn's read-ahead buffer is (0.0-1.0), when there is one.
    pub read_ahead_fill: Option<f64>,
}

/// What a target reports while it writes a session.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WriteProgress {
    /// Bytes of the session written so far.
    pub bytes: u64,
    pub drive_buffer_fill: Option<f64>,
    pub read_ahead_fill: Option<f64>,
}

impl WriteProgress {
    /// Bytes written, nothing known of buffers.
    pub fn bytes(bytes: u64) -> WriteProgress {
        WriteProgress {
            bytes,
            ..WriteProgress::default()
        }
    }
}

/// Which session a new one started from.
#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    /// Number of the session imported (1 = oldest).
    pub session: u32,
    pub start_lba: u64,
    /// `rock_ridge`, `joliet` or `iso9660`.
    pub namespace: &'static str,
    pub files: u64,
    pub directories: u64,
}

/// A host entry a burn left out, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SkippedSource {
    pub path: String,
    pub reason: String,
}

/// A name a file system records differently from the tree's own.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RenamedName {
    /// The image path, with the tree's own (Rock Ridge) names.
    pub path: String,
    /// `iso9660` or `joliet`.
    pub namespace: &'static str,
    /// The name as that file system records it.
    pub recorded: String,
}

/// How many names ISO 9660 and Joliet had to change, and which (only when
/// asked: `burn -v`).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Renamed {
    pub iso9660: u64,
    pub joliet: u64,
    pub names: Vec<RenamedName>,
}

impl From<fsimage::Renamed> for Renamed {
    fn from(r: fsimage::Renamed) -> Renamed {
        Renamed {
            iso9660: r.iso9660,
            joliet: r.joliet,
            names: r
                .names
                .into_iter()
                .map(|n| RenamedName {
                    path: n.path,
                    namespace: n.namespace,
                    recorded: n.recorded,
                })
                .collect(),
        }
    }
}

/// What a finished burn did.
#[derive(Debug, Clone, Serialize)]
pub struct BurnReport {
    pub target: String,
    /// Planned only (`--dry-run`): nothing was written.
    pub dry_run: bool,
    /// Number of the session written (1 for a new image).
    pub session: u32,
    /// First block of the session.
    pub start_lba: u64,
    /// Blocks of the session.
    pub blocks: u64,
    /// Blocks of the whole image or medium after the session.
    pub image_blocks: u64,
    /// Bytes of new data and metadata written (old files are referenced, not copied).
    pub bytes_written: u64,
    /// Blocks left on the medium (or the image's file system) after the
    /// session, when known: on a disc, what `info` then reports as
    /// `free_blocks` (read from the drive after writing; for a dry run the
    /// data, its closing and the gap to the next session taken off).
    pub free_blocks_after: Option<u64>,
    /// The session this one started from, when it appended.
    pub imported: Option<ImportSummary>,
    /// Paths of the earlier session that the sources replaced.
    pub replaced: Vec<String>,
    /// Paths removed (`--remove`).
    pub removed: Vec<String>,
    /// Host entries left out: unreadable ones (`--skip-unreadable`) and
    /// links that would loop (`--follow-links`).
    pub skipped: Vec<SkippedSource>,
    /// Host entries left out by `--exclude` (a directory counts once).
    pub excluded: u64,
    /// Names ISO 9660 and Joliet record differently from the tree's.
    pub renamed: Renamed,
    /// What the new session holds in all.
    pub files: u64,
    pub directories: u64,
    pub symlinks: u64,
    /// Bytes of file data in the session's tree (old and new), as stored
    /// (a zisofs-compressed file by its compressed size).
    pub file_bytes: u64,
    /// Blocks of an interrupted earlier append that this session reclaimed.
    pub reclaimed_blocks: u64,
    /// How the session was read back after writing.
    pub verified: crate::verify::Verify,
    /// Times the drive's buffer ran dry while writing (a drive with
    /// buffer-underrun protection pauses); `None` when the drive cannot tell.
    pub buffer_underruns: Option<u64>,
    /// Why a write-once disc was closed without `--close`: the space left
    /// after this session cannot take another one. `None` otherwise.
    pub closed_because: Option<String>,
    /// What `--zisofs` compressed; `None` without it.
    pub zisofs: Option<ZisofsSummary>,
    /// The session's UDF bridge (`--udf`, or an append to a session with
    /// UDF); `None` without it.
    pub udf: Option<UdfReport>,
    /// The imported session has UDF and this one has none: the option that
    /// left it out (`"--no-udf"`, `"--zisofs"`). UDF-first readers then show
    /// this session's Joliet or ISO 9660 tree; the older UDF reads at its start.
    pub udf_dropped: Option<String>,
    pub elapsed_s: f64,
}

/// What the UDF bridge of a session holds (`burn --udf`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UdfReport {
    /// `"2.01"` or `"1.02"`.
    pub revision: String,
    /// Entries other than directories, and directories below the root.
    pub files: u64,
    pub directories: u64,
    /// Entries of the tree left out of UDF (symbolic links without
    /// `--udf-symlinks`, device nodes).
    pub left_out: u64,
    /// First block of the UDF partition: the first session's start when the
    /// session's files point at data of earlier sessions.
    pub partition_start: u64,
    /// The UDF revision of the imported session (`"2.50"`), when it has UDF.
    pub imported_revision: Option<String>,
    /// UDF without `--udf`: the imported session has it (`--no-udf` leaves it out).
    pub implied: bool,
}

/// What `--zisofs` did: the files it recorded compressed and the blocks saved.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct ZisofsSummary {
    /// New files of more than one block that were tried.
    pub files_considered: u64,
    /// Files recorded compressed (the others saved no block and stay as they are).
    pub files_compressed: u64,
    /// Blocks the compressed files would take as they are, and take compressed.
    pub blocks_before: u64,
    pub blocks_after: u64,
    /// `blocks_before - blocks_after`.
    pub blocks_saved: u64,
}

impl From<fsimage::compress::Summary> for ZisofsSummary {
    fn from(s: fsimage::compress::Summary) -> Self {
        ZisofsSummary {
            files_considered: s.considered,
            files_compressed: s.compressed,
            blocks_before: s.blocks_before,
            blocks_after: s.blocks_after,
            blocks_saved: s.blocks_saved(),
        }
    }
}

/// Tracks time and rate for [`Progress`] events.
pub(crate) struct Clock {
    started: std::time::Instant,
    writing_since: Option<(std::time::Instant, u64)>,
}

impl Clock {
    pub(crate) fn start() -> Clock {
        Clock {
            started: std::time::Instant::now(),
            writing_since: None,
        }
    }

    pub(crate) fn elapsed_s(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// A progress event of `action` at `done` of `total` blocks.
    pub(crate) fn progress(&mut self, action: Action, lba: u64, done: u64, total: u64) -> Progress {
        let now = std::time::Instant::now();
        let (since, at) = *self.writing_since.get_or_insert((now, done));
        let secs = now.duration_since(since).as_secs_f64();
        // Half a second and 1% of the work before a rate is trusted: the
        // first chunks land in the page cache and would promise too much.
        let remaining_s = (secs >= 0.5 && done > at && (done - at) * 100 >= total)
            .then(|| (total - done) as f64 * secs / (done - at) as f64);
        Progress {
            action,
            lba,
            sectors_done: done,
            sectors_total: total,
            elapsed_s: self.elapsed_s(),
            remaining_s,
            drive_buffer_fill: None,
            read_ahead_fill: None,
        }
    }
}
