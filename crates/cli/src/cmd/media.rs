//! `discburn blank`, `format`, `eject` and `export`: what a recorder does
//! to a disc besides burning a session.

use std::path::PathBuf;

use serde::Serialize;

use crate::output::Output;

#[derive(clap::Args)]
pub struct BlankArgs {
    /// The recorder: `emu:PATH` or `/dev/srN`.
    #[arg(long, short = 't')]
    pub target: String,
    /// Erase the whole disc (slow) instead of only its table of contents (or,
    /// on DVD+RW and BD-RE, its volume descriptors). A DVD-RW is always
    /// blanked fully: blanked quickly it would take no more sessions.
    #[arg(long)]
    pub full: bool,
}

#[derive(clap::Args)]
pub struct TargetArgs {
    /// The recorder: `emu:PATH` or `/dev/srN`.
    #[arg(long, short = 't')]
    pub target: String,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// The recorder: `emu:PATH` or `/dev/srN`.
    #[arg(long, short = 't')]
    pub target: String,
    /// Image file to write: every track's data at its own LBA (must not exist).
    #[arg(long, short = 'o', value_name = "DISC.iso")]
    pub output: PathBuf,
    /// Also write a cue sheet with a `REM SESSION` line per session.
    #[arg(long, value_name = "DISC.cue")]
    pub cue: Option<PathBuf>,
}

#[derive(Serialize)]
struct Done<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    command: &'static str,
    target: &'a str,
}

fn done(out: &Output, command: &'static str, target: &str, text: String) {
    out.result(
        &Done {
            kind: "result",
            command,
            target,
        },
        || text,
    );
}

pub fn blank(args: BlankArgs, out: &Output) -> anyhow::Result<()> {
    let how = discburn::media_ops::blank(&args.target, args.full)?;
    done(
        out,
        "blank",
        &args.target,
        format!("{}: blanked {how}", args.target),
    );
    Ok(())
}

pub fn format(args: TargetArgs, out: &Output) -> anyhow::Result<()> {
    discburn::media_ops::format(&args.target)?;
    done(
        out,
        "format",
        &args.target,
        format!("{}: formatted", args.target),
    );
    Ok(())
}

pub fn eject(args: TargetArgs, out: &Output) -> anyhow::Result<()> {
    discburn::media_ops::eject(&args.target)?;
    done(
        out,
        "eject",
        &args.target,
        format!("{}: ejected", args.target),
    );
    Ok(())
}

#[derive(Serialize)]
struct ExportResult<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    command: &'static str,
    #[serde(flatten)]
    report: &'a discburn::media_ops::ExportReport,
}

pub fn export(args: ExportArgs, out: &Output) -> anyhow::Result<()> {
    let report = discburn::media_ops::export(&args.target, &args.output, args.cue.as_deref())?;
    out.result(
        &ExportResult {
            kind: "result",
            command: "export",
            report: &report,
        },
        || {
            let mut text = format!(
                "exported {} tracks ({} blocks) of {} into {}\n",
                report.tracks.len(),
                report.blocks,
                report.target,
                report.output
            );
            for t in &report.tracks {
                text.push_str(&format!(
                    "  track {} (session {}): LBA {}, {} blocks\n",
                    t.number, t.session, t.start_lba, t.blocks
                ));
            }
            text
        },
    );
    Ok(())
}
