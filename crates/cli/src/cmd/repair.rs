//! `discburn repair`: rebuild the superblock (LBA 0-31) of an image file
//! from its newest intact session.

use serde::Serialize;

use crate::output::Output;

#[derive(clap::Args)]
pub struct Args {
    /// The image file to repair.
    #[arg(long, short = 't', value_name = "IMAGE")]
    pub target: String,
}

#[derive(Serialize)]
struct RepairResult<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    command: &'static str,
    #[serde(flatten)]
    report: &'a discburn::repair::RepairReport,
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<()> {
    let report = discburn::repair::repair(&args.target)?;
    out.result(
        &RepairResult {
            kind: "result",
            command: "repair",
            report: &report,
        },
        || {
            if report.repaired {
                format!(
                    "{}: {}; LBA 0-31 now describes session {} (LBA {}, image of {} blocks)",
                    report.target,
                    report
                        .problem
                        .as_deref()
                        .unwrap_or("sessions past the newest intact one"),
                    report.session,
                    report.start_lba,
                    report.image_blocks
                )
            } else {
                format!(
                    "{}: intact; LBA 0-31 describes the newest session ({}, at LBA {})",
                    report.target, report.session, report.start_lba
                )
            }
        },
    );
    Ok(())
}
