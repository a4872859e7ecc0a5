//! The one burn flow (design.md, "The one flow everything serves"): open the
//! target, inspect it, import the last (or a chosen) session, apply the
//! edits, lay out the new session and check it fits, write it, finish it,
//! report. Every kind of target goes through here; only
//! [`crate::target::open_burn_target`] knows which kind it is.

use fsimage::import::{import_session, ImportError};
use fsimage::read::{ReadOptions, Volume};
use fsimage::sessions::ImageSession;
use fsimage::{ImageOptions, ImageStream, Tree};

use crate::error::BurnError;
use crate::events::{Action, BurnReport, Clock, ImportSummary, Progress, UdfReport, ZisofsSummary};
use crate::plan::{apply_edits, Source};
use crate::target::{open_burn_target, BurnTarget};
use crate::verify::Verify;

/// Seconds since 1970, now.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Volume name of a new image when none is given.
pub const DEFAULT_VOLUME_NAME: &str = "CDROM";

/// Most often a progress event is sent while writing.
pub(crate) const PROGRESS_INTERVAL: std::time::Duration = std::time::Duration::from_millis(100);

/// What to burn, and where.
#[derive(Debug, Clone, Default)]
pub struct BurnRequest {
    /// Image file, `emu:MEDIUM` or `/dev/srN`.
    pub target: String,
    /// Files and directories to add (after the removals).
    pub sources: Vec<Source>,
    /// Image paths to remove from the imported tree (files or whole trees).
    pub remove: Vec<String>,
    /// Start the new tree from this session (1 = oldest) instead of the newest.
    pub from_session: Option<u32>,
    /// Volume name; default: the imported session's, else [`DEFAULT_VOLUME_NAME`].
    pub volume_name: Option<String>,
    /// `SOURCE_DATE_EPOCH`: reproducible volume and file dates.
    pub source_date_epoch: Option<i64>,
    /// Finalize a write-once disc after this session (no more sessions).
    pub close: bool,
    /// Plan only: import, edit, lay out and check the room, report what
    /// would be written where, and write nothing.
    pub dry_run: bool,
    /// Read the session back after writing it.
    pub verify: crate::verify::Verify,
    /// Write speed as a multiple of the medium's 1× (CD 176.4, DVD 1385,
    /// BD 4495 kB/s); default: the drive's fastest.
    pub speed: Option<f64>,
    /// Two sources landing on one image path: keep the last one instead of
    /// failing (replacing an earlier session's entry is always allowed).
    pub merge_last_wins: bool,
    /// Identifiers of the volume descriptors (`None`: the defaults of
    /// [`ImageOptions`]: system LINUX, application DISCBURN, others empty).
    pub ids: VolumeIds,
    /// Leave out the Joliet tree (`mkisofs` without `-J`).
    pub no_joliet: bool,
    /// Leave out Rock Ridge (`mkisofs` without `-R`).
    pub no_rock_ridge: bool,
    /// Shell globs of host entries to leave out (`mkisofs -m`).
    pub exclude: Vec<String>,
    /// Store what symbolic links point to (`mkisofs -f`).
    pub follow_links: bool,
    /// Skip host files and directories that cannot be read (listed in the
    /// report) instead of stopping.
    pub skip_unreadable: bool,
    /// The tree of the imported session to start from; default: Rock Ridge,
    /// else UDF, else Joliet, else ISO 9660 (IMAPI2 imports UDF first).
    pub import: Option<fsimage::read::Namespace>,
    /// List the names ISO 9660 and Joliet had to change (they are always counted).
    pub list_renamed: bool,
    /// ISO 9660 interchange level (1, 2 or 3); default 3.
    pub iso_level: Option<u8>,
    /// Leave out the MD5 checksums (tags, array, `isofs.ca`/`isofs.cx`) that
    /// `discburn verify` and `xorriso -check_md5` check.
    pub no_checksums: bool,
    /// Compress the new files with zisofs where that saves blocks
    /// (`fsimage::compress`); needs Rock Ridge, which records the ZF entries.
    pub zisofs: bool,
    /// UDF: `--udf`, `--no-udf`, `--udf-revision`, `--udf-symlinks`.
    pub udf: UdfRequest,
}

/// What a burn or a sync was asked about UDF (reference/udf.md §2). By
/// default an append to a session with UDF writes UDF again, as Windows'
/// IMAPI2 does on every session of a UDF disc, so that UDF-first readers
/// (Windows, 7-Zip) see the new session in its UDF tree.
#[derive(Debug, Clone, Copy, Default)]
pub struct UdfRequest {
    /// Add a UDF bridge (`--udf`), whether or not the imported session has one.
    pub add: bool,
    /// Leave UDF out of an append to a session that has it (`--no-udf`).
    pub leave_out: bool,
    /// `--udf-revision`; otherwise an append to a session with UDF keeps that
    /// session's revision (1.02 stays 1.02; revisions past 2.01, which
    /// discburn does not write, become 2.01), else 2.01.
    pub revision: Option<udf::Revision>,
    /// Keep symbolic links in the UDF tree (`--udf-symlinks`).
    pub symlinks: bool,
}

/// The descriptive identifiers of a session's volume descriptors.
#[derive(Debug, Clone, Default)]
pub struct VolumeIds {
    pub system: Option<String>,
    pub application: Option<String>,
    pub publisher: Option<String>,
    pub preparer: Option<String>,
    pub volume_set: Option<String>,
}

/// Hooks a caller gives a burn: progress events, and a way to stop it.
pub trait BurnObserver {
    fn progress(&mut self, event: &Progress);
    /// Asked between chunks: `true` stops the burn and undoes its writes.
    fn cancelled(&self) -> bool {
        false
    }
}

/// An observer that ignores everything.
pub struct Quiet;

impl BurnObserver for Quiet {
    fn progress(&mut self, _: &Progress) {}
}

/// Burns `request`: a new session on its target.
pub fn burn(
    request: &BurnRequest,
    observer: &mut dyn BurnObserver,
) -> Result<BurnReport, BurnError> {
    let mut clock = Clock::start();
    observer.progress(&clock.progress(Action::ValidatingMedia, 0, 0, 0));
    if request.sources.is_empty() && request.remove.is_empty() {
        return Err(BurnError::NothingToDo);
    }
    let options = crate::disc::DiscOptions {
        close: request.close,
        dry_run: request.dry_run,
        speed: request.speed,
    };
    let target = open_burn_target(&request.target, options)?;
    burn_to(target, request, observer, clock, None)
}

/// `sync`'s burn: the edits are the differences between the sources and the
/// imported session ([`crate::sync`]); nothing is written when there are none.
pub(crate) fn burn_sync(
    request: &BurnRequest,
    options: crate::sync::SyncOptions,
    observer: &mut dyn BurnObserver,
) -> Result<(BurnReport, crate::sync::SyncPlan), BurnError> {
    let mut clock = Clock::start();
    observer.progress(&clock.progress(Action::ValidatingMedia, 0, 0, 0));
    if request.sources.is_empty() {
        return Err(BurnError::NothingToDo);
    }
    let disc_options = crate::disc::DiscOptions {
        close: false,
        dry_run: request.dry_run,
        speed: request.speed,
    };
    let target = open_burn_target(&request.target, disc_options)?;
    let mut step = SyncStep {
        options,
        plan: None,
    };
    let report = burn_to(target, request, observer, clock, Some(&mut step))?;
    Ok((report, step.plan.unwrap_or_default()))
}

/// The sync step of a burn: its options, and the plan it made.
pub(crate) struct SyncStep {
    options: crate::sync::SyncOptions,
    plan: Option<crate::sync::SyncPlan>,
}

/// The flow from an open target on (tests hand in targets over failing storage).
pub fn burn_to_target(
    target: Box<dyn BurnTarget>,
    request: &BurnRequest,
    observer: &mut dyn BurnObserver,
) -> Result<BurnReport, BurnError> {
    if request.sources.is_empty() && request.remove.is_empty() {
        return Err(BurnError::NothingToDo);
    }
    burn_to(target, request, observer, Clock::start(), None)
}

fn burn_to(
    mut target: Box<dyn BurnTarget>,
    request: &BurnRequest,
    observer: &mut dyn BurnObserver,
    mut clock: Clock,
    sync: Option<&mut SyncStep>,
) -> Result<BurnReport, BurnError> {
    let base = base_session(target.as_ref(), request)?;
    let next_start = target.next_start();
    let mut session_written = None;
    let mut imported_udf_revision = None;
    let (mut tree, imported, imported_volume_name, imported_nodes) = match &base {
        Some(session) => {
            observer.progress(&clock.progress(Action::Importing, session.start, 0, 0));
            let (imported, volume_name, written, udf_revision) =
                import(target.as_mut(), session, request.import)?;
            session_written = written;
            imported_udf_revision = udf_revision;
            if imported.data_end > next_start {
                return Err(BurnError::NotAnImage {
                    path: target.name().into(),
                    reason: format!(
                        "files of session {} lie at blocks up to {}, past the end of the \
                         image ({next_start}); it is damaged, nothing was written",
                        session.number, imported.data_end
                    ),
                });
            }
            let summary = ImportSummary {
                session: session.number,
                start_lba: session.start,
                namespace: imported.namespace.as_str(),
                files: imported.files,
                directories: imported.directories,
            };
            let nodes = imported.tree.node_count();
            (imported.tree, Some(summary), Some(volume_name), nodes)
        }
        None => (Tree::new(), None, None, 0),
    };
    let session_number = base.as_ref().map_or(0, |_| target.sessions().len() as u32) + 1;
    let edits = match sync {
        None => apply_edits(
            &mut tree,
            imported_nodes,
            base.as_ref().map_or(0, |s| s.number),
            &request.remove,
            &request.sources,
            request.merge_last_wins,
            fsimage::host::ScanOptions {
                exclude: fsimage::host::ScanOptions::exclude_patterns(&request.exclude)?,
                follow_links: request.follow_links,
                skip_unreadable: request.skip_unreadable,
            },
        )?,
        Some(step) => {
            let name = target.name();
            let plan = {
                let mut sectors = match base {
                    Some(_) => Some(target.sectors()?),
                    None => None,
                };
                // Reading files to compare their MD5s (`--content`) can take
                // minutes: progress as while writing, and a way to stop.
                let compared = base.as_ref().map_or(next_start, |s| s.start);
                let mut comparing = crate::compare::report_to(&mut *observer, &mut clock, compared);
                crate::sync::plan_and_apply(
                    &mut tree,
                    &request.sources,
                    step.options,
                    request.source_date_epoch,
                    session_written,
                    sectors
                        .as_deref_mut()
                        .map(|s| s as &mut dyn fsimage::SectorSource),
                    &name,
                    &mut comparing,
                )?
            };
            let up_to_date = base.is_some() && plan.changes.is_empty();
            step.plan = Some(plan);
            if up_to_date {
                // Nothing to write: the target stays as it is.
                let stats = tree.stats();
                let report = BurnReport {
                    target: name,
                    dry_run: request.dry_run,
                    session: session_number - 1,
                    start_lba: next_start,
                    blocks: 0,
                    image_blocks: target.planned_end(0),
                    bytes_written: 0,
                    free_blocks_after: target.free_blocks(),
                    imported,
                    replaced: Vec::new(),
                    removed: Vec::new(),
                    skipped: Vec::new(),
                    excluded: 0,
                    renamed: Default::default(),
                    files: stats.files,
                    directories: stats.directories.saturating_sub(1),
                    symlinks: stats.symlinks,
                    file_bytes: stats.data_bytes,
                    reclaimed_blocks: 0,
                    verified: Verify::None,
                    buffer_underruns: None,
                    closed_because: None,
                    zisofs: None,
                    udf: None,
                    udf_dropped: None,
                    elapsed_s: clock.elapsed_s(),
                };
                target.roll_back().ok();
                return Ok(report);
            }
            crate::plan::Edits::default()
        }
    };

    // The spool of compressed files lives until the session is written and verified.
    let (_spool, zisofs) = if request.zisofs {
        if request.no_rock_ridge {
            return Err(BurnError::Conflict {
                what: "--zisofs needs Rock Ridge (its ZF entries mark the compressed files)",
            });
        }
        let spool = tempfile::Builder::new()
            .prefix("discburn-zisofs-")
            .tempdir()
            .map_err(|source| {
                BurnError::Tree(fsimage::Error::Layout {
                    reason: format!("cannot make a spool directory for --zisofs: {source}"),
                })
            })?;
        let mut last = std::time::Instant::now();
        let summary =
            fsimage::compress::compress_tree(&mut tree, spool.path(), &mut |done, total| {
                if last.elapsed() >= PROGRESS_INTERVAL || done == total {
                    last = std::time::Instant::now();
                    observer.progress(&clock.progress(
                        Action::Compressing,
                        next_start,
                        done,
                        total,
                    ));
                }
            })?;
        (Some(spool), Some(ZisofsSummary::from(summary)))
    } else {
        (None, None)
    };

    observer.progress(&clock.progress(Action::Planning, next_start, 0, 0));
    let udf_choice = choose_udf(&request.udf, request.zisofs, imported_udf_revision)?;
    let start_lba = u32::try_from(next_start).map_err(|_| {
        BurnError::Tree(fsimage::Error::Layout {
            reason: format!("the next session would start at block {next_start}, past 2^32"),
        })
    })?;
    let options = ImageOptions {
        start_lba,
        volume_name: request
            .volume_name
            .clone()
            .or(imported_volume_name)
            .unwrap_or_else(|| DEFAULT_VOLUME_NAME.to_string()),
        source_date_epoch: request.source_date_epoch,
        // Fixed now, so that a verification lays out the same bytes again.
        volume_time: Some(unix_now()),
        joliet: !request.no_joliet,
        rock_ridge: !request.no_rock_ridge,
        iso_level: request.iso_level.unwrap_or(3),
        checksums: !request.no_checksums,
        // A UDF partition that starts with the first session, so that the new
        // file entries can point at the data of every earlier session (udf.md §3.1 A).
        udf: udf_choice.options.map(|u| fsimage::UdfOptions {
            partition_start: target
                .sessions()
                .first()
                .filter(|first| first.start < next_start)
                .and_then(|first| u32::try_from(first.start).ok()),
            ..u
        }),
        ..ImageOptions::default()
    };
    let options = with_ids(options, &request.ids);
    let verify_with = (request.verify == Verify::Full).then(|| (tree.clone(), options.clone()));
    let mut stream = ImageStream::new(tree, options)?;
    let total_blocks = stream.total_blocks();
    let free_blocks_after = target.check_room(total_blocks)?;
    let mut report = BurnReport {
        target: target.name(),
        dry_run: request.dry_run,
        session: session_number,
        start_lba: next_start,
        blocks: total_blocks,
        image_blocks: target.planned_end(total_blocks),
        bytes_written: 0,
        free_blocks_after,
        imported,
        replaced: edits.replaced,
        removed: edits.removed,
        skipped: edits.skipped,
        excluded: edits.excluded,
        renamed: stream.layout().renamed(request.list_renamed).into(),
        files: 0,
        directories: 0,
        symlinks: 0,
        file_bytes: 0,
        reclaimed_blocks: 0,
        verified: Verify::None,
        buffer_underruns: None,
        closed_because: target.closed_because(),
        zisofs,
        udf: None,
        udf_dropped: None,
        elapsed_s: 0.0,
    };
    let stats = stream.stats();
    report.udf = stream.layout().udf_summary().map(|u| UdfReport {
        revision: u.revision.to_text(),
        files: u64::from(u.files),
        directories: u64::from(u.directories),
        left_out: (stats.files + stats.symlinks + stats.devices).saturating_sub(u64::from(u.files)),
        partition_start: u64::from(u.partition_start),
        imported_revision: imported_udf_revision.map(|r| r.to_text()),
        implied: !request.udf.add,
    });
    report.udf_dropped = udf_choice.dropped;
    (
        report.files,
        report.directories,
        report.symlinks,
        report.file_bytes,
    ) = (
        stats.files,
        // Below the root, as `info`, `extract` and the import summary count them.
        stats.directories.saturating_sub(1),
        stats.symlinks,
        stats.data_bytes,
    );
    if request.dry_run {
        target.roll_back().ok();
        report.elapsed_s = clock.elapsed_s();
        return Ok(report);
    }
    if observer.cancelled() {
        target.roll_back().ok();
        return Err(BurnError::Cancelled);
    }

    let mut last_event = std::time::Instant::now();
    let mut report_progress = |written: crate::events::WriteProgress| {
        let done = written.bytes / fsimage::BLOCK_SIZE as u64;
        if last_event.elapsed() >= PROGRESS_INTERVAL || done == total_blocks {
            last_event = std::time::Instant::now();
            let mut event = clock.progress(Action::Writing, next_start + done, done, total_blocks);
            event.drive_buffer_fill = written.drive_buffer_fill;
            event.read_ahead_fill = written.read_ahead_fill;
            observer.progress(&event);
        }
        !observer.cancelled()
    };
    let written = target
        .write_session(&mut stream, &mut report_progress)
        .and_then(|()| {
            observer.progress(&clock.progress(
                Action::Finalizing,
                next_start,
                total_blocks,
                total_blocks,
            ));
            target.finish(&stream)
        });
    let image_blocks = match written {
        Ok(blocks) => blocks,
        Err(cause) => {
            observer.progress(&clock.progress(Action::RollingBack, next_start, 0, total_blocks));
            return Err(match target.roll_back() {
                Ok(()) => match target.left_behind() {
                    Some(what) => BurnError::LeftIncomplete {
                        target: target.name(),
                        what,
                        cause: Box::new(cause),
                    },
                    None => cause,
                },
                Err(rollback) => BurnError::RollbackFailed {
                    path: target.name().into(),
                    cause: Box::new(cause),
                    rollback,
                },
            });
        }
    };
    observer.progress(&clock.progress(
        Action::Completed,
        next_start + total_blocks,
        total_blocks,
        total_blocks,
    ));
    if request.verify != Verify::None {
        let name = target.name();
        let descriptors = stream.volume_descriptors();
        let mut sectors = target.sectors()?;
        let mut last_verify_event = std::time::Instant::now();
        let mut verify_progress = |done: u64| {
            if last_verify_event.elapsed() >= PROGRESS_INTERVAL || done == total_blocks {
                last_verify_event = std::time::Instant::now();
                observer.progress(&clock.progress(
                    Action::Verifying,
                    next_start + done,
                    done,
                    total_blocks,
                ));
            }
        };
        crate::verify::verify(
            sectors.as_mut(),
            &name,
            next_start,
            total_blocks,
            &descriptors,
            verify_with,
            &mut verify_progress,
        )?;
        report.verified = request.verify;
    }
    report.image_blocks = image_blocks;
    report.free_blocks_after = target.free_blocks();
    report.bytes_written = stream.position();
    report.reclaimed_blocks = target.reclaimed_blocks();
    report.buffer_underruns = target.buffer_underruns();
    report.elapsed_s = clock.elapsed_s();
    Ok(report)
}

/// The session the new tree starts from: `--from-session N`, else the newest;
/// none on an empty target.
fn base_session(
    target: &dyn BurnTarget,
    request: &BurnRequest,
) -> Result<Option<ImageSession>, BurnError> {
    let sessions = target.sessions();
    let Some(newest) = sessions.last() else {
        if request.from_session.is_some() {
            return Err(BurnError::NothingToImport {
                target: target.name(),
                what: "--from-session",
            });
        }
        if !request.remove.is_empty() {
            return Err(BurnError::NothingToImport {
                target: target.name(),
                what: "--remove",
            });
        }
        return Ok(None);
    };
    match request.from_session {
        None => Ok(Some(newest.clone())),
        Some(number) => sessions
            .iter()
            .find(|s| s.number == number)
            .cloned()
            .map(Some)
            .ok_or(BurnError::NoSuchSession {
                target: target.name(),
                number,
                count: sessions.len(),
            }),
    }
}

/// Imports `session` of the target; also gives its volume name (Joliet's,
/// which keeps case and spaces, else ISO 9660's) and when it was written.
fn import(
    target: &mut dyn BurnTarget,
    session: &ImageSession,
    namespace: Option<fsimage::read::Namespace>,
) -> Result<
    (
        fsimage::import::Imported,
        String,
        Option<i64>,
        Option<udf::Revision>,
    ),
    BurnError,
> {
    let name = target.name();
    let import_error = |source: ImportError| BurnError::Import {
        target: name.clone(),
        session: session.number,
        source,
    };
    let sectors = target.sectors()?;
    let options = ReadOptions {
        session_start: session.start,
        namespace,
        ..ReadOptions::default()
    };
    let mut volume = Volume::open(sectors, options).map_err(|e| import_error(e.into()))?;
    let info = volume.info();
    let volume_name = info
        .joliet_volume_id
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| info.volume_id.clone());
    let written = info.modification_date.or(info.creation_date);
    let udf_revision = info
        .udf
        .as_ref()
        .and_then(|u| udf::Revision::from_text(&u.revision));
    let imported = import_session(&mut volume).map_err(import_error)?;
    Ok((imported, volume_name, written, udf_revision))
}

/// Whether the new session gets UDF, and why not when the imported one had it.
struct UdfChoice {
    options: Option<fsimage::UdfOptions>,
    /// The imported session has UDF and this one will not: the option that
    /// said so (`--no-udf`, or `--zisofs`, which UDF cannot carry).
    dropped: Option<String>,
}

/// `--udf` as asked; without it, UDF again when the imported session has it
/// (IMAPI2 writes UDF on every session of a UDF disc) unless `--no-udf` or
/// `--zisofs` leaves it out. An append keeps the imported revision unless
/// `--udf-revision` was given. `--udf-revision` and `--udf-symlinks` on a
/// session that gets no UDF are an error saying why it gets none.
fn choose_udf(
    request: &UdfRequest,
    zisofs: bool,
    imported: Option<udf::Revision>,
) -> Result<UdfChoice, BurnError> {
    let tuned = request.revision.is_some() || request.symlinks;
    let options = || fsimage::UdfOptions {
        revision: request
            .revision
            .unwrap_or_else(|| imported.map_or(udf::Revision::V2_01, kept_udf_revision)),
        symlinks: request.symlinks,
        partition_start: None,
    };
    let dropped_by = if request.leave_out {
        Some("--no-udf")
    } else if zisofs {
        Some("--zisofs")
    } else {
        None
    };
    if tuned && !request.add {
        let why = match (dropped_by, imported) {
            (Some("--no-udf"), _) => Some(
                "--udf-revision and --udf-symlinks shape the session's UDF tree, \
                 and --no-udf leaves it out",
            ),
            (_, None) => Some(
                "--udf-revision and --udf-symlinks shape the session's UDF tree, and this \
                 session gets none: no session it starts from has UDF to keep (--udf adds UDF)",
            ),
            (Some(_), Some(_)) => Some(
                "--udf-revision and --udf-symlinks shape the session's UDF tree, \
                 and --zisofs leaves it out (UDF cannot carry compressed files)",
            ),
            (None, Some(_)) => None,
        };
        if let Some(what) = why {
            return Err(BurnError::Conflict { what });
        }
    }
    Ok(match (request.add, imported) {
        (true, _) => UdfChoice {
            options: Some(options()),
            dropped: None,
        },
        (false, Some(_)) => match dropped_by {
            Some(option) => UdfChoice {
                options: None,
                dropped: Some(option.into()),
            },
            None => UdfChoice {
                options: Some(options()),
                dropped: None,
            },
        },
        (false, None) => UdfChoice {
            options: None,
            dropped: None,
        },
    })
}

/// The revision a UDF session appended to one of revision `read` gets: the
/// same where discburn writes it (1.02, 2.01), else 2.01 (the newest it
/// writes; 1.50 and 2.50/2.60 readers all read 2.01, ECMA-167 3rd edition).
fn kept_udf_revision(read: udf::Revision) -> udf::Revision {
    if read == udf::Revision::V1_02 || read == udf::Revision::V2_01 {
        return read;
    }
    tracing::info!(
        "the imported session has UDF {read}; discburn writes UDF 2.01 in the new session \
         (--udf-revision 1.02 or 2.01 chooses)"
    );
    udf::Revision::V2_01
}

/// `options` with the identifiers `ids` gives in place of the defaults.
fn with_ids(mut options: ImageOptions, ids: &VolumeIds) -> ImageOptions {
    let fields = [
        (&ids.system, &mut options.system_id),
        (&ids.application, &mut options.application_id),
        (&ids.publisher, &mut options.publisher_id),
        (&ids.preparer, &mut options.preparer_id),
        (&ids.volume_set, &mut options.volume_set_id),
    ];
    for (given, field) in fields {
        if let Some(value) = given {
            *field = value.clone();
        }
    }
    options
}
