//! `discburn sync`: an incremental backup — one new session holding only what
//! changed since the newest one (the engine's `discburn::sync`); exit code 7
//! when nothing changed and no session was written.

use serde::Serialize;

use super::burn::{parse_sources, Interrupt};
use super::diff::{change_line, change_lines, counts};
use crate::output::Output;
use crate::progress::Observer;

#[derive(clap::Args)]
pub struct Args {
    /// Image file, emu:MEDIUM or /dev/srN (a new image or a blank disc takes
    /// everything as its first session).
    #[arg(long, short = 't', value_name = "TARGET")]
    pub target: String,

    /// Print the plan (added, changed, removed; blocks the session would
    /// take, what would be left) and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Remove from the new session what the sources no longer hold (only
    /// inside the part of the tree each source speaks for: the root for a
    /// directory, ISO/PATH for a graft). Without it, such entries stay.
    #[arg(long)]
    pub delete: bool,

    /// Also compare the MD5 of files whose size and modification time are
    /// unchanged (the session's recorded MD5s; else its data is read).
    #[arg(long)]
    pub content: bool,

    // UDF as for `burn`: an append to a session with UDF writes it again.
    #[command(flatten)]
    pub udf: super::udf_options::UdfArgs,

    /// As for `burn`: a directory's contents land at the root, a file at the
    /// root under its name, `ISO/PATH=HOST/PATH` at that path.
    #[arg(value_name = "SOURCE", required = true)]
    pub sources: Vec<String>,
}

#[derive(Serialize)]
struct SyncResult<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    command: &'static str,
    #[serde(flatten)]
    report: &'a discburn::SyncReport,
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<()> {
    let interrupt = Interrupt::install()?;
    let sources = parse_sources(&args.sources)?;
    let request = discburn::SyncRequest {
        target: args.target.clone(),
        sources,
        delete: args.delete,
        content: args.content,
        dry_run: args.dry_run,
        source_date_epoch: super::burn::source_date_epoch()?,
        udf: args.udf.request(),
    };
    let mut observer = Observer::new(out, "sync", &args.target, interrupt.clone());
    let result = discburn::sync(&request, &mut observer);
    observer.bar.finish_and_clear();
    let report = match result {
        Ok(report) => report,
        Err(e) if e.is_cancelled() => {
            let signal = interrupt.signal().unwrap_or(signal_hook::consts::SIGINT);
            let what = match &e {
                discburn::BurnError::Cancelled => "nothing was changed".to_string(),
                discburn::BurnError::LeftIncomplete { what, .. } => what.clone(),
                _ => "undoing the partial write failed".to_string(),
            };
            return Err(anyhow::Error::new(crate::Interrupted { signal })
                .context(format!("{}: the sync was interrupted; {what}", args.target)));
        }
        Err(e) => return Err(e.into()),
    };
    if !out.json {
        for skipped in &report.skipped {
            eprintln!(
                "discburn: warning: {}: not written: {}",
                skipped.path, skipped.reason
            );
        }
    }
    out.result(
        &SyncResult {
            kind: "result",
            command: "sync",
            report: &report,
        },
        || text(&report),
    );
    if report.up_to_date {
        return Err(crate::QuietExit(crate::exit::UP_TO_DATE).into());
    }
    Ok(())
}

fn mib(blocks: u64) -> f64 {
    blocks as f64 * 2048.0 / (1024.0 * 1024.0)
}

/// One line per entry (`+` added, `~` changed, `-` removed, `=` kept), then a summary.
fn text(report: &discburn::SyncReport) -> String {
    let mut t = change_lines(&report.changes);
    for e in &report.kept {
        t.push_str(&change_line(
            '=',
            e,
            "; not in the sources, kept without --delete",
        ));
    }
    let counts = counts(&report.changes);
    let left = report
        .free_blocks_after
        .map(|b| format!("; {b} blocks ({:.1} MiB) left", mib(b)))
        .unwrap_or_default();
    if report.up_to_date {
        t.push_str(&format!(
            "{} is up to date with session {}: nothing written{left}\n",
            report.target,
            report.compared_with.unwrap_or(0)
        ));
        return t;
    }
    let session = report.session.unwrap_or(0);
    let start = report.start_lba.unwrap_or(0);
    if report.dry_run {
        t.push_str(&format!(
            "dry run, nothing written: {counts}; session {session} would start at LBA {start} \
             and take {} blocks ({:.1} MiB, {:.1} MiB of new file data){left}\n",
            report.blocks,
            mib(report.blocks),
            report.new_data_bytes as f64 / (1024.0 * 1024.0)
        ));
    } else {
        t.push_str(&format!(
            "wrote session {session} of {} at LBA {start}: {counts}; {} blocks ({:.1} MiB) in \
             {:.2} s{left}\n",
            report.target,
            report.blocks,
            mib(report.blocks),
            report.elapsed_s
        ));
    }
    t.push_str(&super::udf_options::udf_text(
        report.udf.as_ref(),
        report.udf_dropped.as_deref(),
        report.compared_with,
        start,
    ));
    t
}
