//! `discburn burn`: write a new session — a new image, or one more session on
//! an existing image. The flow is the engine's ([`discburn::burn`]); this
//! module parses arguments, draws progress and prints the result.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use anyhow::Context;
use serde::Serialize;

use crate::output::Output;

#[derive(clap::Args)]
pub struct Args {
    /// Image file to create, an existing image to add a session to, a
    /// recorder's disc (`/dev/srN`) or an emulated medium (`emu:PATH`).
    #[arg(long, short = 't', value_name = "TARGET")]
    pub target: String,

    /// Volume name (ISO 9660: up to 32 d-characters, uppercased; Joliet: up to
    /// 16 characters). Default: the previous session's, else CDROM.
    #[arg(long, value_name = "NAME")]
    pub volume_name: Option<String>,

    /// Remove a file or a whole directory tree of the previous session from
    /// the new one (repeatable). Removals happen before the sources are added.
    #[arg(long, value_name = "ISO/PATH")]
    pub remove: Vec<String>,

    /// Start the new session's tree from session N (1 = oldest) instead of
    /// the newest: "the disc as it was then", plus this burn's changes.
    #[arg(long, value_name = "N")]
    pub from_session: Option<u32>,

    /// The tree of the old session to start from: `rock-ridge`, `udf`,
    /// `joliet` or `iso9660`. Default: Rock Ridge, else UDF, else Joliet, else
    /// ISO 9660 (Windows' IMAPI2 imports UDF, then Joliet, then ISO 9660).
    #[arg(long, value_parser = super::ls::parse_namespace, value_name = "TREE")]
    pub import: Option<fsimage::read::Namespace>,

    /// Finalize a write-once disc after this session: no session can be
    /// added afterwards (IMAPI2 closes by default; discburn leaves discs open).
    #[arg(long)]
    pub close: bool,

    /// Plan only: import, lay out and check the room, print what would be
    /// written where and what would be left, and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Read the session back after writing it: `quick` reads every block
    /// and compares the volume descriptors, `full` compares every block with
    /// the session produced again (reading the sources a second time).
    #[arg(long, value_enum, value_name = "HOW")]
    pub verify: Option<VerifyArg>,

    /// Write speed as a multiple of 1× (`16`, `8x`; CD 176.4, DVD 1385, BD
    /// 4495 kB/s). Default: the drive's fastest.
    #[arg(long, value_name = "X", value_parser = parse_speed)]
    pub speed: Option<f64>,

    /// Two sources of this burn landing on one path in the image are an
    /// error naming both host paths; `last-wins` keeps the last one instead.
    /// (A file of an earlier session is always replaced by a new one.)
    #[arg(long, value_enum, value_name = "HOW")]
    pub merge: Option<MergeArg>,

    /// Publisher (`mkisofs -publisher`), in the volume descriptors.
    #[arg(long, value_name = "TEXT")]
    pub publisher: Option<String>,

    /// Data preparer (`mkisofs -p`).
    #[arg(long, value_name = "TEXT")]
    pub preparer: Option<String>,

    /// Application (`mkisofs -A`); default DISCBURN.
    #[arg(long, value_name = "TEXT")]
    pub application: Option<String>,

    /// System identifier (`mkisofs -sysid`); default LINUX.
    #[arg(long, value_name = "TEXT")]
    pub system_id: Option<String>,

    /// Volume set (`mkisofs -volset`).
    #[arg(long, value_name = "TEXT")]
    pub volume_set: Option<String>,

    /// Leave out the Joliet tree (Windows then shows 8.3 ISO 9660 names).
    #[arg(long)]
    pub no_joliet: bool,

    /// Leave out Rock Ridge (no POSIX names, modes, owners or symlinks).
    #[arg(long)]
    pub no_rock_ridge: bool,

    /// Leave out the MD5 checksums of the session and of every file (that
    /// `discburn verify` and `xorriso -md5 on ... -check_md5` check).
    #[arg(long)]
    pub no_checksums: bool,

    /// Compress the new files with zisofs (zlib in 32 KiB blocks, as
    /// `mkzftree` and `xorriso -zisofs` write it) where that saves blocks,
    /// and report the blocks saved. Linux (CONFIG_ZISOFS), xorriso and
    /// discburn read such files back as they were; files of earlier sessions
    /// stay as they are. Needs Rock Ridge.
    #[arg(long, conflicts_with_all = ["no_rock_ridge", "udf"])]
    pub zisofs: bool,

    #[command(flatten)]
    pub udf: super::udf_options::UdfArgs,

    /// Print the blocks (2048 bytes) the burn would write, as
    /// `genisoimage -print-size` does, and write nothing.
    #[arg(long)]
    pub print_size: bool,

    /// Leave out host files and directories matching this shell glob
    /// (repeatable), as `mkisofs -m`: it is matched against each entry's name,
    /// its path below the source and its host path; `*` does not cross `/`.
    /// An excluded directory is left out with all it holds.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Store what symbolic links point to, files and directories, instead of
    /// the links (`mkisofs -f`). A link that points nowhere stops the burn
    /// (or is skipped with --skip-unreadable); a link to a directory above it
    /// is skipped as a loop.
    #[arg(long)]
    pub follow_links: bool,

    /// Skip source files that cannot be opened and directories that cannot
    /// be listed, and list them in the result, instead of stopping the burn.
    #[arg(long)]
    pub skip_unreadable: bool,

    /// List every name ISO 9660 or Joliet records differently from the
    /// host's (standard error, and `renamed.names` in the JSON result); the
    /// result always counts them.
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// ISO 9660 interchange level: 1 keeps names to 8.3, 2 to 30
    /// characters, 3 (the default) also stores files of 4 GiB or more (in
    /// several extents). Rock Ridge and Joliet keep the long names either way.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=3))]
    pub iso_level: Option<u8>,

    /// What to write: a directory adds its contents at the root; a file is
    /// added at the root under its name; `ISO/PATH=HOST/PATH` grafts a file or
    /// directory at that path in the image. A file at a path that exists in
    /// the previous session replaces it.
    #[arg(value_name = "SOURCE", required_unless_present = "remove")]
    pub sources: Vec<String>,
}

/// A JSON event: `progress` while writing (with bytes), `stage` when the burn
/// moves to another step.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum VerifyArg {
    Quick,
    Full,
}

/// `--merge`: what two sources landing on one path do.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum MergeArg {
    LastWins,
}

fn parse_speed(text: &str) -> Result<f64, String> {
    let number = text.trim().trim_end_matches(['x', 'X']);
    match number.parse::<f64>() {
        Ok(x) if x > 0.0 && x.is_finite() => Ok(x),
        _ => Err(format!("{text:?} is not a speed (e.g. 16 or 8x)")),
    }
}

#[derive(Serialize)]
struct BurnResult<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    command: &'static str,
    #[serde(flatten)]
    report: &'a discburn::BurnReport,
    /// What the user should know: names the file systems had to change.
    warnings: Vec<String>,
}

/// Where the volume name given differs from what a file system records:
/// ISO 9660 keeps 32 d-characters (A-Z, 0-9, _), Joliet 16 characters.
fn volume_name_warnings(asked: &str, joliet: bool) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut iso = [0u8; 32];
    iso9660::names::pad_field(&mut iso, &iso9660::names::to_d_chars(asked.as_bytes()));
    let iso = String::from_utf8_lossy(&iso).trim_end().to_string();
    if iso != asked {
        warnings.push(format!(
            "volume name {asked:?} is recorded as {iso:?} in ISO 9660 (up to 32 of A-Z, 0-9 and _)"
        ));
    }
    let short: String = char::decode_utf16(asked.encode_utf16().take(16))
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    if joliet && short != asked {
        warnings.push(format!(
            "volume name {asked:?} is recorded as {short:?} in Joliet (up to 16 characters)"
        ));
    }
    warnings
}

/// Reads `SOURCE_DATE_EPOCH` (reproducible builds): seconds since 1970.
pub(crate) fn source_date_epoch() -> anyhow::Result<Option<i64>> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) if !value.trim().is_empty() => value
            .trim()
            .parse::<i64>()
            .map(Some)
            .with_context(|| format!("SOURCE_DATE_EPOCH={value:?} is not a number of seconds")),
        _ => Ok(None),
    }
}

/// The signal that interrupted the burn (0 = none), set by the handlers.
#[derive(Clone, Default)]
pub struct Interrupt(Arc<AtomicUsize>);

impl Interrupt {
    /// Catches SIGINT and SIGTERM: the burn stops at its next chunk and undoes its writes.
    pub fn install() -> anyhow::Result<Interrupt> {
        let interrupt = Interrupt::default();
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            signal_hook::flag::register_usize(signal, Arc::clone(&interrupt.0), signal as usize)
                .context("cannot install the signal handler")?;
        }
        Ok(interrupt)
    }

    /// The signal received, if any.
    pub fn signal(&self) -> Option<i32> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            signal => Some(signal as i32),
        }
    }
}

/// True when a burn failed because a source file could not be opened for lack of
/// permission (what `--skip-unreadable` is for).
fn unreadable_source(error: &discburn::BurnError) -> bool {
    matches!(
        error,
        discburn::BurnError::Source(fsimage::Error::SourceVanished { source, .. })
            if source.kind() == std::io::ErrorKind::PermissionDenied
    )
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<()> {
    let to_stdout = discburn::stdout_image::is_stdout(&args.target);
    if to_stdout && !(args.dry_run || args.print_size) {
        use std::io::IsTerminal;
        let conflict = if out.json {
            Some(format!(
                "--json prints on standard output, where --target {} writes the image: leave one out",
                args.target
            ))
        } else if std::io::stdout().is_terminal() {
            Some(
                "standard output is a terminal: pipe the image (--target - | ...) or redirect it"
                    .to_string(),
            )
        } else if args.verify.is_some() {
            Some("--verify reads the session back, which standard output cannot do".to_string())
        } else {
            None
        };
        if let Some(message) = conflict {
            return Err(crate::UsageError(message).into());
        }
    }
    let interrupt = Interrupt::install()?;
    let sources = parse_sources(&args.sources)?;
    let request = discburn::BurnRequest {
        target: args.target.clone(),
        sources,
        remove: args.remove.clone(),
        from_session: args.from_session,
        import: args.import,
        volume_name: args.volume_name.clone(),
        source_date_epoch: source_date_epoch()?,
        close: args.close,
        dry_run: args.dry_run || args.print_size,
        verify: match args.verify {
            None => discburn::Verify::None,
            Some(VerifyArg::Quick) => discburn::Verify::Quick,
            Some(VerifyArg::Full) => discburn::Verify::Full,
        },
        speed: args.speed,
        merge_last_wins: matches!(args.merge, Some(MergeArg::LastWins)),
        ids: discburn::VolumeIds {
            system: args.system_id.clone(),
            application: args.application.clone(),
            publisher: args.publisher.clone(),
            preparer: args.preparer.clone(),
            volume_set: args.volume_set.clone(),
        },
        no_joliet: args.no_joliet,
        no_rock_ridge: args.no_rock_ridge,
        exclude: args.exclude.clone(),
        follow_links: args.follow_links,
        skip_unreadable: args.skip_unreadable,
        list_renamed: args.verbose,
        iso_level: args.iso_level,
        no_checksums: args.no_checksums,
        zisofs: args.zisofs,
        udf: args.udf.request(),
    };
    let mut observer = crate::progress::Observer::new(out, "burn", &args.target, interrupt.clone());
    let result = discburn::burn(&request, &mut observer);
    observer.bar.finish_and_clear();
    let report = match result {
        Ok(report) => report,
        Err(e) if e.is_cancelled() => {
            let signal = interrupt.signal().unwrap_or(signal_hook::consts::SIGINT);
            return Err(
                anyhow::Error::new(crate::Interrupted { signal }).context(format!(
                    "{}: the burn was interrupted; {}",
                    args.target,
                    match &e {
                        _ if to_stdout => {
                            "the image written to standard output so far is incomplete".to_string()
                        }
                        discburn::BurnError::Cancelled => "nothing was changed".to_string(),
                        discburn::BurnError::LeftIncomplete { what, .. } => what.clone(),
                        _ => "undoing the partial write failed".to_string(),
                    }
                )),
            );
        }
        Err(e) if unreadable_source(&e) && !args.skip_unreadable => {
            return Err(anyhow::Error::new(e)
                .context("a source cannot be read (--skip-unreadable leaves such files out)"));
        }
        Err(e) => return Err(e.into()),
    };
    let warnings = args
        .volume_name
        .as_deref()
        .map(|name| volume_name_warnings(name, !args.no_joliet))
        .unwrap_or_default();
    if !out.json {
        for warning in &warnings {
            eprintln!("discburn: warning: {warning}");
        }
        for name in &report.renamed.names {
            eprintln!(
                "discburn: {}: recorded as {:?} in {}",
                name.path,
                name.recorded,
                match name.namespace {
                    "joliet" => "Joliet",
                    _ => "ISO 9660",
                }
            );
        }
        for skipped in &report.skipped {
            eprintln!(
                "discburn: warning: {}: not written: {}",
                skipped.path, skipped.reason
            );
        }
    }
    let summary = || {
        if args.print_size {
            print_size(&report).to_string()
        } else {
            text(&report)
        }
    };
    if to_stdout && !args.print_size && !args.dry_run {
        // Standard output holds the image: the summary goes to stderr.
        eprint!("{}", summary());
        return Ok(());
    }
    out.result(
        &BurnResult {
            kind: "result",
            command: "burn",
            report: &report,
            warnings,
        },
        summary,
    );
    Ok(())
}

/// The `--zisofs` line of the summary (empty without it).
fn zisofs_text(report: &discburn::BurnReport) -> String {
    let Some(z) = &report.zisofs else {
        return String::new();
    };
    format!(
        "zisofs: compressed {} of {} files, saving {} blocks ({:.1} MiB): {} blocks instead of {}\n",
        z.files_compressed,
        z.files_considered,
        z.blocks_saved,
        z.blocks_saved as f64 * 2048.0 / (1024.0 * 1024.0),
        z.blocks_after,
        z.blocks_before
    )
}

/// The UDF line of the summary.
fn udf_text(report: &discburn::BurnReport) -> String {
    super::udf_options::udf_text(
        report.udf.as_ref(),
        report.udf_dropped.as_deref(),
        report.imported.as_ref().map(|i| i.session),
        report.start_lba,
    )
}

/// `--print-size`: the blocks the burn writes — a new image file with its
/// 32-block superblock, else the session.
fn print_size(report: &discburn::BurnReport) -> u64 {
    if report.session == 1 {
        report.image_blocks
    } else {
        report.blocks
    }
}

fn text(report: &discburn::BurnReport) -> String {
    if report.dry_run {
        let left = report
            .free_blocks_after
            .map(|b| {
                format!(
                    ", leaving {b} blocks ({:.1} MiB) free",
                    b as f64 * 2048.0 / (1024.0 * 1024.0)
                )
            })
            .unwrap_or_default();
        let closes = report
            .closed_because
            .as_deref()
            .map(|why| format!("the disc would be closed: {why}\n"))
            .unwrap_or_default();
        return format!(
            "dry run, nothing written: session {} of {} would start at LBA {} and take {} \
             blocks ({:.1} MiB), {} files, {} directories; the image would end at block {}{left}\n{closes}{}",
            report.session,
            report.target,
            report.start_lba,
            report.blocks,
            report.blocks as f64 * 2048.0 / (1024.0 * 1024.0),
            report.files,
            report.directories,
            report.image_blocks,
            zisofs_text(report) + &udf_text(report)
        );
    }
    let mut text = format!(
        "wrote session {} of {} at LBA {}: {} blocks ({:.1} MiB new), {} files, {} directories, \
         {} symlinks in {:.2} s\n",
        report.session,
        report.target,
        report.start_lba,
        report.blocks,
        report.bytes_written as f64 / (1024.0 * 1024.0),
        report.files,
        report.directories,
        report.symlinks,
        report.elapsed_s
    );
    text.push_str(&zisofs_text(report));
    text.push_str(&udf_text(report));
    if let Some(why) = &report.closed_because {
        text.push_str(&format!("the disc was closed: {why}\n"));
    }
    // A failed read-back is an error (exit 6); here it matched.
    match report.verified {
        discburn::Verify::None => {}
        discburn::Verify::Quick => text.push_str(
            "verified (quick): every block of the session read back, its volume descriptors as written\n",
        ),
        discburn::Verify::Full => text.push_str(
            "verified (full): every block of the session read back equal to what was written\n",
        ),
    }
    if let Some(underruns) = report.buffer_underruns.filter(|&n| n > 0) {
        text.push_str(&format!(
            "the drive's buffer ran dry {underruns} times (buffer underruns): a slower --speed avoids them\n"
        ));
    }
    if let Some(imported) = &report.imported {
        text.push_str(&format!(
            "started from session {} (LBA {}, {} names): {} files, {} directories\n",
            imported.session,
            imported.start_lba,
            imported.namespace,
            imported.files,
            imported.directories
        ));
    }
    if !report.removed.is_empty() {
        text.push_str(&format!("removed: {}\n", report.removed.join(", ")));
    }
    if !report.replaced.is_empty() {
        text.push_str(&format!(
            "replaced {} paths of the previous session: {}\n",
            report.replaced.len(),
            report.replaced.join(", ")
        ));
    }
    let renamed = &report.renamed;
    if renamed.iso9660 + renamed.joliet > 0 {
        text.push_str(&format!(
            "names changed to fit: {} in ISO 9660, {} in Joliet{}\n",
            renamed.iso9660,
            renamed.joliet,
            if renamed.names.is_empty() {
                " (-v lists them)"
            } else {
                ""
            }
        ));
    }
    if report.excluded > 0 {
        text.push_str(&format!(
            "left out {} entries matching --exclude\n",
            report.excluded
        ));
    }
    if !report.skipped.is_empty() {
        text.push_str(&format!(
            "skipped {} unreadable entries: {}\n",
            report.skipped.len(),
            report
                .skipped
                .iter()
                .map(|s| s.path.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if report.reclaimed_blocks > 0 {
        text.push_str(&format!(
            "reclaimed {} blocks left by an interrupted append\n",
            report.reclaimed_blocks
        ));
    }
    text
}

/// The SOURCE arguments (`HOST/PATH` or `ISO/PATH=HOST/PATH`), as `burn` and
/// `sync` take them.
pub(super) fn parse_sources(sources: &[String]) -> anyhow::Result<Vec<discburn::Source>> {
    sources
        .iter()
        .map(|s| discburn::Source::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)
}
