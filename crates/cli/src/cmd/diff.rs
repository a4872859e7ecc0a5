//! `discburn diff`: what differs between two sessions, or a session and a
//! directory (the engine's `discburn::diff::diff`, `sync`'s comparison).

use discburn::diff::{Against, DiffReport, DiffRequest};
use discburn::{ChangeEntry, ChangeLists};
use serde::Serialize;

use super::burn::Interrupt;
use crate::output::Output;
use crate::progress::Observer;

#[derive(clap::Args)]
pub struct Args {
    /// Image file, emu:MEDIUM or /dev/srN.
    #[arg(long, short = 't', value_name = "TARGET")]
    pub target: String,

    /// The session to compare (1 = oldest); give it twice to compare two
    /// sessions (the first is the older side). With one session and no
    /// DIR, it is compared with the newest.
    #[arg(long, value_name = "N", required = true)]
    pub session: Vec<u32>,

    /// Also compare the MD5 of files whose size and modification time are
    /// equal (recorded MD5s, else the data is read).
    #[arg(long)]
    pub content: bool,

    /// A host directory whose contents are compared with the session's
    /// root (as `sync` and `burn` map a directory).
    #[arg(value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

#[derive(Serialize)]
struct DiffResult<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    command: &'static str,
    #[serde(flatten)]
    report: &'a DiffReport,
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<()> {
    let against = match (args.session.as_slice(), args.dir) {
        ([_], Some(dir)) => Against::Directory(dir),
        ([_], None) => Against::Newest,
        ([_, b], None) => Against::Session(*b),
        ([_, _], Some(_)) => {
            return Err(crate::UsageError(
                "give a second --session or a DIR to compare with, not both".into(),
            )
            .into())
        }
        _ => return Err(crate::UsageError("give --session once or twice".into()).into()),
    };
    let request = DiffRequest {
        target: args.target.clone(),
        session: args.session[0],
        against,
        content: args.content,
        source_date_epoch: super::burn::source_date_epoch()?,
    };
    // Reading files to compare MD5s shows a bar (JSON `progress` events),
    // and a signal stops it between chunks, as `sync`'s comparison.
    let interrupt = Interrupt::install()?;
    let mut observer = Observer::new(out, "diff", &args.target, interrupt.clone());
    let result = discburn::diff::diff(&request, &mut observer);
    observer.bar.finish_and_clear();
    let report = match result {
        Err(e) if e.is_cancelled() => {
            let signal = interrupt.signal().unwrap_or(signal_hook::consts::SIGINT);
            return Err(
                anyhow::Error::new(crate::Interrupted { signal }).context(format!(
                    "{}: the diff was interrupted before it was done; nothing was written",
                    args.target
                )),
            );
        }
        result => result?,
    };
    out.result(
        &DiffResult {
            kind: "result",
            command: "diff",
            report: &report,
        },
        || text(&report, args.content),
    );
    Ok(())
}

fn side(side: &discburn::diff::Side) -> String {
    match (&side.session, &side.directory) {
        (Some(n), _) => format!("session {n}"),
        (None, Some(dir)) => dir.clone(),
        (None, None) => "?".into(),
    }
}

/// One line of a change list: `SIGN PATH (KIND[, N bytes]NOTE)`.
pub(super) fn change_line(sign: char, e: &ChangeEntry, note: &str) -> String {
    let (path, kind) = (&e.path, e.kind);
    match e.size {
        Some(size) => format!("{sign} {path} ({kind}, {size} bytes{note})\n"),
        None => format!("{sign} {path} ({kind}{note})\n"),
    }
}

/// The change lists of `sync` and `diff`, one line per entry: `+` added
/// (with the file whose data it reuses), `~` changed with the reasons (and
/// what it was, when its type changed), `-` removed.
pub(super) fn change_lines(lists: &ChangeLists) -> String {
    let mut t = String::new();
    for e in &lists.added {
        let reuse = e
            .same_data_as
            .as_ref()
            .map(|p| format!(", the data of {p}"))
            .unwrap_or_default();
        t.push_str(&change_line('+', e, &reuse));
    }
    for e in &lists.changed {
        let reasons: Vec<&str> = e.reasons.iter().map(|r| r.as_str()).collect();
        let was = e.was.map(|k| format!(", was {k}")).unwrap_or_default();
        t.push_str(&change_line(
            '~',
            e,
            &format!(": {}{was}", reasons.join(", ")),
        ));
    }
    for e in &lists.removed {
        t.push_str(&change_line('-', e, ""));
    }
    t
}

/// `N added, N changed, N removed`.
pub(super) fn counts(lists: &ChangeLists) -> String {
    format!(
        "{} added, {} changed, {} removed",
        lists.added.len(),
        lists.changed.len(),
        lists.removed.len()
    )
}

/// The change lists, then a summary, and what was not compared.
fn text(report: &DiffReport, content: bool) -> String {
    let mut t = change_lines(&report.changes);
    let (from, to) = (side(&report.from), side(&report.to));
    if report.identical {
        t.push_str(&format!("no differences between {from} and {to}\n"));
    } else {
        t.push_str(&format!("{from} -> {to}: {}\n", counts(&report.changes)));
    }
    if !report.ctimes_compared && !content && report.to.directory.is_some() {
        t.push_str(&format!(
            "change times were not compared ({from} records none of its own, or \
             SOURCE_DATE_EPOCH is set): a file rewritten with its size and mtime kept \
             shows only with --content\n"
        ));
    }
    if !report.attributes_compared {
        t.push_str(
            "modes and owners were not compared: a session compared has no Rock Ridge, \
             so it records none\n",
        );
    }
    t
}
