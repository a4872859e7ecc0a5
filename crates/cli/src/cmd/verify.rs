//! `discburn verify`: check sessions against their recorded MD5s (the engine's
//! `discburn::checksums::verify`); exit code 6 when anything does not match.

use discburn::checksums::{VerifyReport, VerifyRequest, Which};
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

    /// Also compare the session's contents with this directory: files whose
    /// data, size, type or link target differ, files missing from the
    /// session and files only the session holds. A session without
    /// checksums then passes when its contents match.
    #[arg(long, value_name = "DIR")]
    pub against: Option<std::path::PathBuf>,
}

#[derive(Serialize)]
struct CheckResult<'a, R> {
    #[serde(rename = "type")]
    kind: &'static str,
    command: &'static str,
    #[serde(flatten)]
    report: &'a R,
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
    let request = VerifyRequest {
        target: args.target.clone(),
        which,
        against: args.against.clone(),
    };
    let report = run_check(out, "verify", &args.target, |observer| {
        discburn::checksums::verify(&request, observer)
    })?;
    let damaged: Vec<String> = report
        .sessions
        .iter()
        .filter(|s| !s.ok())
        .map(|s| {
            let head = s
                .tags
                .iter()
                .any(|t| t.kind == "relocated" && t.result != "match");
            let rest = s
                .tags
                .iter()
                .any(|t| t.kind != "relocated" && t.result != "match")
                || s.session_md5 == Some("mismatch")
                || !s.damaged_files.is_empty()
                || s.tree_problem.is_some();
            match (s.checksums, &s.against) {
                (_, Some(a)) if !a.ok() => {
                    format!("session {} differs from {}", s.number, a.directory)
                }
                _ if !s.unreadable.is_empty() => format!(
                    "session {} has {} blocks that cannot be read",
                    s.number,
                    s.unreadable.iter().map(|r| r.blocks).sum::<u64>()
                ),
                ("absent", _) => format!(
                    "session {} has no checksums to verify (--against DIR compares \
                     its contents with a directory)",
                    s.number
                ),
                _ if head && !rest => format!(
                    "LBA 0-31 no longer matches session {}'s relocated tag \
                     (`discburn repair --target {}` rebuilds it)",
                    s.number, args.target
                ),
                _ => format!("session {} does not match its checksums", s.number),
            }
        })
        .collect();
    report_check(
        out,
        "verify",
        &args.target,
        &report,
        report.ok,
        damaged,
        || text(&report),
    )
}

/// Runs a check (`verify`, `check-media`) with burn's progress observer.
pub(crate) fn run_check<R>(
    out: &Output,
    command: &'static str,
    target: &str,
    check: impl FnOnce(&mut crate::progress::Observer) -> Result<R, discburn::BurnError>,
) -> anyhow::Result<R> {
    let mut observer = crate::progress::Observer::new(
        out,
        command,
        target,
        crate::cmd::burn::Interrupt::default(),
    );
    let report = check(&mut observer);
    observer.bar.finish_and_clear();
    Ok(report?)
}

/// Prints a check's result as `{"type": "result", "command": ...}` or as
/// `text`; one that is not `ok` fails with exit code 6 (`verify`), saying
/// `problems` — under --json as one error object carrying the result as
/// `partial` (docs/json.md: one final object).
pub(crate) fn report_check<R: Serialize>(
    out: &Output,
    command: &'static str,
    target: &str,
    report: &R,
    ok: bool,
    problems: Vec<String>,
    text: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    let result = CheckResult {
        kind: "result",
        command,
        report,
    };
    if ok || !out.json {
        out.result(&result, text);
    }
    if ok {
        return Ok(());
    }
    let message = format!("{target}: {}", problems.join("; "));
    Err(
        anyhow::Error::new(crate::output::Partial::new(message.clone(), &result))
            .context(Mismatch(message)),
    )
}

fn text(report: &VerifyReport) -> String {
    let mut t = String::new();
    for s in &report.sessions {
        t.push_str(&format!(
            "session {} (LBA {}, {} blocks): ",
            s.number, s.start_lba, s.blocks
        ));
        match (s.checksums, &s.against) {
            ("absent", None) => t.push_str(
                "no checksums recorded: NOT VERIFIED \
                 (--against DIR compares its contents with a directory)\n",
            ),
            ("absent", Some(_)) => t.push_str("no checksums recorded; "),
            ("damaged", _) => t.push_str("checksum array damaged; "),
            _ => {}
        }
        if s.checksums != "absent" || s.against.is_some() {
            t.push_str(if s.ok() { "OK\n" } else { "MISMATCH\n" });
        }
        for tag in &s.tags {
            t.push_str(&format!(
                "  {} tag at LBA {} (blocks {}..{}): {}\n",
                tag.kind,
                tag.lba,
                tag.range_start_lba,
                tag.range_start_lba + tag.range_blocks,
                tag.result
            ));
            if let Some(a) = &tag.affected {
                t.push_str(&affected_text(a));
            }
            if tag.kind == "relocated" && tag.result != "match" {
                t.push_str(&format!(
                    "    LBA 0-31, the copy of this session's descriptors readers find first, \
                     no longer matches: `discburn repair --target {}` rebuilds it\n",
                    report.target
                ));
            }
        }
        if let Some(md5) = s.session_md5 {
            t.push_str(&format!("  session MD5: {md5}\n"));
            if let Some(a) = &s.session_md5_affected {
                t.push_str(&affected_text(a));
            }
        }
        if s.checksums != "absent" {
            t.push_str(&format!(
                "  files: {} match, {} damaged, {} without MD5\n",
                s.files_matching,
                s.damaged_files.len(),
                s.files_without_md5
            ));
        }
        if let Some(problem) = &s.tree_problem {
            t.push_str(&format!("  TREE UNREADABLE: {problem}\n"));
        }
        for r in &s.unreadable {
            t.push_str(&format!(
                "  UNREADABLE blocks {}..{} (read as zeros): {}\n",
                r.first_lba,
                r.first_lba + r.blocks,
                r.error
            ));
        }
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
        if let Some(a) = &s.against {
            t.push_str(&format!(
                "  against {}: {} paths compared, {} differ, {} missing from the session, {} only in the session\n",
                a.directory,
                a.compared,
                a.differ.len(),
                a.missing.len(),
                a.extra.len()
            ));
            for d in &a.differ {
                t.push_str(&format!(
                    "  DIFFERS {} ({}: {})\n",
                    d.path, d.problem, d.detail
                ));
            }
            for p in &a.missing {
                t.push_str(&format!("  MISSING {p}\n"));
            }
            for p in &a.extra {
                t.push_str(&format!("  EXTRA {p}\n"));
            }
        }
    }
    t
}

/// What a tag that does not match covers.
fn affected_text(a: &discburn::checksums::affected::Affected) -> String {
    let mut parts: Vec<String> = a.areas.iter().map(|s| s.replace('_', " ")).collect();
    if !a.directories.is_empty() {
        parts.push(format!(
            "records in directories {}",
            a.directories.join(", ")
        ));
    }
    if !a.files.is_empty() {
        parts.push(format!("data of {}", a.files.join(", ")));
    }
    if a.intact_files > 0 {
        parts.push(format!(
            "data of {} files that match their MD5",
            a.intact_files
        ));
    }
    if a.other_blocks > 0 {
        parts.push(format!("{} other blocks", a.other_blocks));
    }
    format!(
        "    changed within blocks {}..{}: {}\n",
        a.first_lba,
        a.first_lba + a.blocks,
        parts.join("; ")
    )
}
