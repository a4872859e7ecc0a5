//! `discburn verify`: check sessions against their recorded MD5s (the engine's
//! `discburn::checksums::verify`); exit code 6 when anything does not match.

use discburn::checksums::{VerifyReport, Which};
use serde::Serialize;

use crate::output::Output;

#[derive(clap::Args)]
pub struct Args {
    /// Image file, emu:MEDIUM or /dev/srN.
    #[arg(long)]
    pub target: String,

    /// Check session N (1 = oldest) instead of the newest.
    #[arg(long, value_name = "N", conflicts_with = "all")]
    pub session: Option<u32>,

    /// Check every session.
    #[arg(long)]
    pub all: bool,
}

#[derive(Serialize)]
struct VerifyResult<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    command: &'static str,
    #[serde(flatten)]
    report: &'a VerifyReport,
}

/// Verification found damage (exit code 6, `verify`).
#[derive(Debug)]
pub struct Mismatch(pub String);

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Mismatch {}

pub fn run(args: Args, out: &Output) -> anyhow::Result<()> {
    let which = match (args.session, args.all) {
        (_, true) => Which::All,
        (Some(n), false) => Which::Number(n),
        (None, false) => Which::Newest,
    };
    let bar = out.progress_bar(0, "verifying");
    let report =
        discburn::checksums::verify(&args.target, which, &mut |bytes| bar.set_position(bytes))?;
    bar.finish_and_clear();
    let result = VerifyResult {
        kind: "result",
        command: "verify",
        report: &report,
    };
    // Under --json a failed verify prints one error object carrying the
    // result as `partial` (docs/json.md: one final object).
    if report.ok || !out.json {
        out.result(&result, || text(&report));
    }
    if !report.ok {
        let damaged: Vec<String> = report
            .sessions
            .iter()
            .filter(|s| !s.ok())
            .map(|s| match s.checksums {
                "absent" => format!("session {} has no checksums", s.number),
                _ => format!("session {} does not match its checksums", s.number),
            })
            .collect();
        let message = format!("{}: {}", args.target, damaged.join("; "));
        return Err(
            anyhow::Error::new(crate::output::Partial::new(message.clone(), &result))
                .context(Mismatch(message)),
        );
    }
    Ok(())
}

fn text(report: &VerifyReport) -> String {
    let mut t = String::new();
    for s in &report.sessions {
        t.push_str(&format!(
            "session {} (LBA {}, {} blocks): ",
            s.number, s.start_lba, s.blocks
        ));
        match s.checksums {
            "absent" => {
                t.push_str("no checksums recorded\n");
                continue;
            }
            "damaged" => t.push_str("checksum array damaged; "),
            _ => {}
        }
        t.push_str(if s.ok() { "OK\n" } else { "MISMATCH\n" });
        for tag in &s.tags {
            t.push_str(&format!(
                "  {} tag at LBA {} (blocks {}..{}): {}\n",
                tag.kind,
                tag.lba,
                tag.range_start_lba,
                tag.range_start_lba + tag.range_blocks,
                tag.result
            ));
        }
        if let Some(md5) = s.session_md5 {
            t.push_str(&format!("  session MD5: {md5}\n"));
        }
        t.push_str(&format!(
            "  files: {} match, {} damaged, {} without MD5\n",
            s.files_matching,
            s.damaged_files.len(),
            s.files_without_md5
        ));
        for f in &s.damaged_files {
            let ranges: Vec<String> = f
                .extents
                .iter()
                .map(|(lba, n)| format!("{lba}+{n}"))
                .collect();
            t.push_str(&format!(
                "  DAMAGED {} ({}; blocks {})\n",
                f.path,
                f.problem,
                ranges.join(", ")
            ));
        }
    }
    t
}
