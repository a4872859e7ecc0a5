//! `discburn extract`: copy files out of an image, medium or disc.
//!
//! Nothing is written outside the output directory, whatever the image holds
//! (see `fsimage::read::extract`); existing files are kept unless `--force`.

use std::path::PathBuf;

use anyhow::Context;

use fsimage::read::{extract, ExtractEvent, ExtractOptions, Node, Volume};
use fsimage::SectorSource;
use serde::Serialize;

use super::ls::{open_volume, ReadArgs};
use crate::output::Output;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub read: ReadArgs,

    /// Directory to extract into (created if missing).
    #[arg(long, short = 'o', default_value = ".")]
    pub output: PathBuf,

    /// Replace existing files, symlinks and special files in the output directory.
    #[arg(long)]
    pub force: bool,

    /// Keep the extracting user as owner. By default, as `tar` does, root
    /// gives each entry the Rock Ridge owner and group recorded in the image;
    /// other users always own what they extract.
    #[arg(long)]
    pub no_same_owner: bool,

    /// Write what can be read of files whose data lies past the end of a
    /// truncated image or cannot be read (the missing parts as zeros, at
    /// their offsets), and name them as incomplete, instead of skipping them.
    #[arg(long)]
    pub salvage: bool,

    /// Create the device nodes and FIFOs the image holds (needs root for
    /// devices). By default they are not created: each is listed as skipped,
    /// with the reason.
    #[arg(long)]
    pub devices: bool,

    /// Paths inside the image to extract (default: everything). `a/b` is
    /// written to OUTPUT/a/b.
    pub paths: Vec<String>,
}

#[derive(Serialize)]
struct SkippedJson {
    path: String,
    reason: String,
}

#[derive(Serialize)]
struct IncompleteJson {
    path: String,
    size: u64,
    missing_bytes: u64,
    reason: String,
}

#[derive(Serialize)]
struct ExtractResult {
    #[serde(rename = "type")]
    kind: &'static str,
    command: &'static str,
    target: String,
    output: String,
    namespace: &'static str,
    files: u64,
    directories: u64,
    symlinks: u64,
    hard_links: u64,
    special: u64,
    bytes: u64,
    skipped: Vec<SkippedJson>,
    /// Files written with parts missing (`--salvage`).
    incomplete: Vec<IncompleteJson>,
    /// What the user should know (a truncated image).
    warnings: Vec<String>,
}

#[derive(Serialize)]
struct ProgressEvent {
    #[serde(rename = "type")]
    kind: &'static str,
    command: &'static str,
    action: &'static str,
    bytes: u64,
    total_bytes: u64,
}

/// How often progress events are printed (IMAPI2's rhythm is 0.5 s).
const PROGRESS_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

/// Total file bytes below the requested paths (for the progress bar).
fn total_bytes(volume: &mut Volume<Box<dyn SectorSource>>, paths: &[&str]) -> u64 {
    let mut total = 0u64;
    let starts: Vec<&str> = if paths.is_empty() {
        vec![""]
    } else {
        paths.to_vec()
    };
    for path in starts {
        let Ok(node) = volume.lookup(path) else {
            continue;
        };
        let mut visit = |_: &mut Volume<Box<dyn SectorSource>>, _: &str, n: &Node| {
            if n.stat.kind == fsimage::read::FileKind::File {
                total = total.saturating_add(n.stat.size);
            }
            Ok(true)
        };
        // A failing walk only makes the bar's total smaller; extraction reports the error.
        let _ = volume.walk(&node, path, &mut visit, &mut |_, _| {});
    }
    total
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<()> {
    let mut volume = open_volume(&args.read)?;
    let paths: Vec<&str> = args.paths.iter().map(String::as_str).collect();
    // A path that is not in the image: fail before anything is created.
    for path in &paths {
        if let Err(e) = volume.lookup(path) {
            anyhow::bail!("{path}: not in {}: {e}", args.read.target);
        }
    }
    let warnings: Vec<String> = super::ls::truncation_warning(&volume, &args.read.target)
        .map(|w| {
            if args.salvage {
                w
            } else {
                format!("{w} (--salvage writes what is there)")
            }
        })
        .into_iter()
        .collect();
    if !out.json {
        for warning in &warnings {
            eprintln!("discburn: warning: {warning}");
        }
    }
    let total = total_bytes(&mut volume, &paths);
    let bar = out.progress_bar(total, "extracting");
    let mut done = 0u64;
    let mut last_event = std::time::Instant::now();
    let output_dir = args.output.display().to_string();
    let mut progress = |event: ExtractEvent<'_>| {
        if let ExtractEvent::Entry { path, kind, .. } = event {
            // What SIGINT or SIGTERM would leave behind (crate::interrupt).
            crate::interrupt::set_aftermath(Some(match kind {
                fsimage::read::FileKind::File => format!(
                    "{output_dir}/{path} was being written and is incomplete; \
                     the entries before it are in {output_dir}"
                ),
                _ => format!("the entries extracted so far are in {output_dir}"),
            }));
        }
        if let ExtractEvent::Bytes(n) = event {
            done += n;
            bar.inc(n);
            // JSON progress events at least every 0.5 s (within large files
            // too), and when the last byte is written.
            if last_event.elapsed() >= PROGRESS_INTERVAL || done == total {
                last_event = std::time::Instant::now();
                out.event(&ProgressEvent {
                    kind: "progress",
                    command: "extract",
                    action: "extracting",
                    bytes: done,
                    total_bytes: total,
                });
            }
        }
    };
    let options = ExtractOptions {
        force: args.force,
        same_owner: !args.no_same_owner && ExtractOptions::same_owner_by_default(),
        salvage: args.salvage,
        devices: args.devices,
    };
    let report = extract(&mut volume, &paths, &args.output, &options, &mut progress)
        .with_context(|| format!("extracting from {}", args.read.target))?;
    bar.finish_and_clear();

    if !out.json {
        for s in &report.not_created {
            eprintln!("discburn: {}: not extracted: {}", s.path, s.reason);
        }
        for s in &report.skipped {
            eprintln!("discburn: warning: {}: not extracted: {}", s.path, s.reason);
        }
        for i in &report.incomplete {
            eprintln!(
                "discburn: warning: {}: incomplete: {} of its {} bytes could not be read ({}); \
                 written with zeros in their place",
                i.path, i.missing_bytes, i.size, i.reason
            );
        }
    }
    let result = ExtractResult {
        kind: "result",
        command: "extract",
        target: args.read.target.clone(),
        output: args.output.display().to_string(),
        namespace: volume.namespace().as_str(),
        files: report.files,
        directories: report.dirs,
        symlinks: report.symlinks,
        hard_links: report.hard_links,
        special: report.special,
        bytes: report.bytes,
        skipped: report
            .not_created
            .iter()
            .chain(&report.skipped)
            .map(|s| SkippedJson {
                path: s.path.clone(),
                reason: s.reason.clone(),
            })
            .collect(),
        incomplete: report
            .incomplete
            .iter()
            .map(|i| IncompleteJson {
                path: i.path.clone(),
                size: i.size,
                missing_bytes: i.missing_bytes,
                reason: i.reason.clone(),
            })
            .collect(),
        warnings,
    };
    let problems = match (report.skipped.len(), report.incomplete.len()) {
        (0, 0) => None,
        (skipped, 0) => Some(format!(
            "{skipped} entries were not extracted (see the warnings above)"
        )),
        (0, incomplete) => Some(format!(
            "{incomplete} files were written incomplete (see the warnings above)"
        )),
        (skipped, incomplete) => Some(format!(
            "{skipped} entries were not extracted and {incomplete} files were written \
             incomplete (see the warnings above)"
        )),
    };
    if let Some(message) = problems {
        // One final object: under --json the error carries what was done.
        if !out.json {
            out.result(&result, || summary(&result));
        }
        return Err(crate::output::Partial::new(message, &result).into());
    }
    out.result(&result, || summary(&result));
    Ok(())
}

fn summary(result: &ExtractResult) -> String {
    format!(
        "extracted {} files ({} bytes), {} directories, {} symlinks, {} hard links, {} special files into {}",
        result.files, result.bytes, result.directories, result.symlinks, result.hard_links, result.special, result.output
    )
}
