//! `discburn check-media`: read every written block of a target (the
//! engine's `discburn::check_media`); exit code 6 when a block cannot be read
//! or a tag no longer matches.

use crate::output::Output;
use discburn::check_media::CheckMediaReport;

#[derive(clap::Args)]
pub struct Args {
    /// Image file, emu:MEDIUM or /dev/srN.
    #[arg(long)]
    pub target: String,
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<()> {
    let report = super::verify::run_check(out, "check-media", &args.target, |observer| {
        discburn::check_media::check_media(&args.target, observer)
    })?;
    let mut problems = Vec::new();
    if report.unreadable_blocks > 0 {
        problems.push(format!(
            "{} blocks cannot be read",
            report.unreadable_blocks
        ));
    }
    for s in &report.sessions {
        if s.tags
            .iter()
            .any(|t| t.kind == "relocated" && t.result != "match")
        {
            problems.push(format!(
                "LBA 0-31 no longer matches session {}'s relocated tag \
                 (`discburn repair --target {}` rebuilds it)",
                s.number, args.target
            ));
        }
        if s.tags
            .iter()
            .any(|t| t.kind != "relocated" && t.result != "match")
            || s.session_md5 == Some("mismatch")
        {
            problems.push(format!("session {} does not match its checksums", s.number));
        }
    }
    super::verify::report_check(
        out,
        "check-media",
        &args.target,
        &report,
        report.ok,
        problems,
        || text(&report),
    )
}

fn text(report: &CheckMediaReport) -> String {
    let mut t = format!(
        "{}: {} blocks read, {} unreadable\n",
        report.target, report.blocks, report.unreadable_blocks
    );
    if report.run_out_blocks > 0 {
        t.push_str(&format!(
            "{} blocks at the ends of CD tracks cannot be read: their run-out (written TAO), not damage\n",
            report.run_out_blocks
        ));
    }
    for r in &report.unreadable {
        t.push_str(&format!(
            "UNREADABLE blocks {}..{} ({} blocks): {}\n",
            r.first_lba,
            r.first_lba + r.blocks,
            r.blocks,
            r.error
        ));
        if !r.sessions.is_empty() {
            let sessions: Vec<String> = r.sessions.iter().map(u32::to_string).collect();
            t.push_str(&format!("  in session {}\n", sessions.join(", ")));
        }
        for area in &r.areas {
            match area.split_once(':') {
                Some((session, name)) => t.push_str(&format!(
                    "  {} of session {session}\n",
                    name.replace('_', " ")
                )),
                None => t.push_str(
                    "  LBA 0-31, the copy of the newest session's descriptors readers find first\n",
                ),
            }
        }
        for d in &r.directories {
            t.push_str(&format!("  directory {d}\n"));
        }
        for f in &r.files {
            t.push_str(&format!("  file {f}\n"));
        }
    }
    for s in &report.sessions {
        let tags = if s.tags.is_empty() && s.tree_problem.is_some() {
            // Its descriptor could not be read: its tags could not be found.
            "tags not checked".to_string()
        } else if s.tags.is_empty() {
            "no checksums".to_string()
        } else if s.tags.iter().all(|t| t.result == "match") && s.session_md5 != Some("mismatch") {
            "tags match".to_string()
        } else {
            let bad: Vec<String> = s
                .tags
                .iter()
                .filter(|t| t.result != "match")
                .map(|t| format!("{} tag {}", t.kind, t.result))
                .collect();
            bad.join(", ")
        };
        t.push_str(&format!(
            "session {} (LBA {}, {} blocks): {} unreadable, {}\n",
            s.number, s.start_lba, s.blocks, s.unreadable_blocks, tags
        ));
        if let Some(problem) = &s.tree_problem {
            t.push_str(&format!("  tree unreadable: {problem}\n"));
        }
    }
    t
}
