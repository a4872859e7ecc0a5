//! `discburn ls`: list the files of an image, medium or disc.

use anyhow::Context;
use fsimage::read::{FileKind, Namespace, Node, ReadOptions, Volume};
use fsimage::SectorSource;
use serde::Serialize;

use crate::output::Output;

/// Options shared by the commands that read a session (`ls`, `extract`, `info`).
#[derive(clap::Args, Debug, Clone)]
pub struct ReadArgs {
    /// Image file, `emu:MEDIUM` or `/dev/srN` to read.
    #[arg(long, short = 't')]
    pub target: String,

    /// Read the session whose first block is LBA (its volume descriptors are at
    /// LBA+16; like Linux's `sbsector=`). Default: the newest tree (on a
    /// write-once disc the last session its table of contents lists, as the
    /// kernel mounts it; elsewhere the descriptors at LBA 16).
    #[arg(long, alias = "sbsector", value_name = "LBA")]
    pub session_start: Option<u64>,

    /// Read session N (1 = oldest; `discburn info` lists them) exactly as it
    /// was written. Default: the newest.
    #[arg(long, value_name = "N", conflicts_with = "session_start")]
    pub session: Option<u32>,

    /// Names to use: `rock-ridge`, `udf`, `joliet` or `iso9660`. Default: Rock
    /// Ridge if present, else UDF, else Joliet, else ISO 9660.
    #[arg(long, value_parser = parse_namespace, value_name = "NAMESPACE")]
    pub namespace: Option<Namespace>,
}

impl ReadArgs {
    /// The first block of the session to read: `--session N` looked up in the
    /// target's sessions, else `--session-start`, else where the newest tree is.
    pub fn resolved_session_start(&self) -> anyhow::Result<u64> {
        match (self.session, self.session_start) {
            (Some(number), _) => {
                Ok(discburn::sessions::list_sessions(&self.target)?
                    .start_of(&self.target, number)?)
            }
            (None, Some(start)) => Ok(start),
            (None, None) => Ok(discburn::sessions::default_read_start(&self.target)?),
        }
    }
}

pub(crate) fn parse_namespace(s: &str) -> Result<Namespace, String> {
    match s {
        "rock-ridge" | "rockridge" | "rr" => Ok(Namespace::RockRidge),
        "joliet" => Ok(Namespace::Joliet),
        "iso9660" | "iso" => Ok(Namespace::Iso9660),
        "udf" => Ok(Namespace::Udf),
        other => Err(format!(
            "unknown namespace {other:?} (rock-ridge, udf, joliet, iso9660)"
        )),
    }
}

/// Opens the session a command reads.
pub fn open_volume(args: &ReadArgs) -> anyhow::Result<Volume<Box<dyn SectorSource>>> {
    let session_start = args.resolved_session_start()?;
    let source = discburn::open_read_source(&args.target)?;
    let options = ReadOptions {
        session_start,
        namespace: args.namespace,
        ..ReadOptions::default()
    };
    Volume::open(source, options)
        .with_context(|| format!("cannot read the file system of {}", args.target))
}

/// The warning every reading command gives when `target` ends before the
/// session's volume space does (a truncated download or copy): files past
/// the end cannot be read (`extract --salvage` writes what is there).
pub fn truncation_warning(volume: &Volume<Box<dyn SectorSource>>, target: &str) -> Option<String> {
    let info = volume.info();
    // A session's own descriptors record its size (multisession.md §1.1);
    // the copy at LBA 16 of a grown image, read from 0, the image's.
    let volume_end = info.session_start + u64::from(info.volume_space_size);
    let blocks = volume.source().block_count()?;
    (info.volume_space_size > 0 && volume_end > blocks).then(|| {
        format!(
            "the volume ends at block {volume_end} but {target} holds only {blocks} blocks: \
             it is truncated, and files past its end cannot be read"
        )
    })
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub read: ReadArgs,

    /// Long listing: mode, links, owner, group, size, date, name, `-> target`.
    #[arg(short = 'l', long = "long")]
    pub long: bool,

    /// List subdirectories recursively (paths relative to PATH).
    #[arg(short = 'R', long)]
    pub recursive: bool,

    /// Directory or file inside the image (default: the root).
    #[arg(default_value = "/")]
    pub path: String,
}

/// One listed entry (JSON form).
#[derive(Serialize, Debug, Clone)]
pub struct EntryJson {
    /// Path relative to the image root.
    pub path: String,
    pub name: String,
    pub kind: &'static str,
    pub size: u64,
    /// Permission bits (`mode & 0o7777`), and the same as an `ls -l` string.
    pub mode: u32,
    pub mode_string: String,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    pub inode: u64,
    pub mtime: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rdev: Option<(u32, u32)>,
    pub extents: usize,
}

#[derive(Serialize)]
struct SkippedJson {
    path: String,
    reason: String,
}

#[derive(Serialize)]
struct LsResult {
    #[serde(rename = "type")]
    kind: &'static str,
    command: &'static str,
    target: String,
    namespace: &'static str,
    path: String,
    entries: Vec<EntryJson>,
    skipped: Vec<SkippedJson>,
    /// What the user should know (a truncated image).
    warnings: Vec<String>,
}

/// `drwxr-xr-x`-style mode string.
pub fn mode_string(kind: FileKind, mode: u32) -> String {
    let type_char = match kind {
        FileKind::File => '-',
        FileKind::Dir => 'd',
        FileKind::Symlink => 'l',
        FileKind::CharDevice => 'c',
        FileKind::BlockDevice => 'b',
        FileKind::Fifo => 'p',
        FileKind::Socket => 's',
    };
    let mut s = String::with_capacity(10);
    s.push(type_char);
    let bit = |mask: u32, c: char| if mode & mask != 0 { c } else { '-' };
    let exec = |x: u32, special: u32, set: char, unset_set: char| match (
        mode & x != 0,
        mode & special != 0,
    ) {
        (true, true) => set,
        (false, true) => unset_set,
        (true, false) => 'x',
        (false, false) => '-',
    };
    s.push(bit(0o400, 'r'));
    s.push(bit(0o200, 'w'));
    s.push(exec(0o100, 0o4000, 's', 'S'));
    s.push(bit(0o040, 'r'));
    s.push(bit(0o020, 'w'));
    s.push(exec(0o010, 0o2000, 's', 'S'));
    s.push(bit(0o004, 'r'));
    s.push(bit(0o002, 'w'));
    s.push(exec(0o001, 0o1000, 't', 'T'));
    s
}

/// `YYYY-MM-DD HH:MM` in UTC.
pub fn format_time(secs: Option<i64>) -> String {
    let Some(secs) = secs else {
        return "????-??-?? ??:??".to_string();
    };
    let (y, m, d) = iso9660::date::civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// RFC 3339 (`YYYY-MM-DDTHH:MM:SSZ`) in UTC.
pub fn format_rfc3339(secs: i64) -> String {
    let (y, m, d) = iso9660::date::civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn entry_json(path: &str, node: &Node) -> EntryJson {
    EntryJson {
        path: path.to_string(),
        name: node.name_lossy(),
        kind: node.stat.kind.as_str(),
        size: node.stat.size,
        mode: node.stat.mode & 0o7777,
        mode_string: mode_string(node.stat.kind, node.stat.mode),
        nlink: node.stat.nlink,
        uid: node.stat.uid,
        gid: node.stat.gid,
        inode: node.stat.inode,
        mtime: node.stat.mtime,
        target: node
            .stat
            .symlink_target
            .as_ref()
            .map(|t| String::from_utf8_lossy(t).into_owned()),
        rdev: node.stat.rdev,
        extents: node.extents.len(),
    }
}

fn long_line(e: &EntryJson, shown: &str) -> String {
    let mut line = format!(
        "{} {:>3} {:>5} {:>5} {:>12} {} {}",
        e.mode_string,
        e.nlink,
        e.uid,
        e.gid,
        e.size,
        format_time(e.mtime),
        shown
    );
    if let Some(target) = &e.target {
        line.push_str(" -> ");
        line.push_str(target);
    }
    line
}

/// Most bytes a recursive listing holds before printing.
const MAX_LISTING_BYTES: usize = 512 << 20;

pub fn run(args: Args, out: &Output) -> anyhow::Result<()> {
    let mut volume = open_volume(&args.read)?;
    let start_path = args.path.trim_matches('/').to_string();
    let start = volume
        .lookup(&start_path)
        .with_context(|| format!("in {}", args.read.target))?;

    let mut entries: Vec<EntryJson> = Vec::new();
    let mut skipped: Vec<SkippedJson> = Vec::new();
    if !start.is_dir() {
        entries.push(entry_json(&start_path, &start));
    } else if args.recursive {
        let mut held_bytes = 0usize;
        let mut visit = |_: &mut Volume<Box<dyn SectorSource>>, path: &str, node: &Node| {
            if path != start_path {
                let entry = entry_json(path, node);
                // The listing is sorted before it is printed, so it is held
                // whole: bound it (a hostile image can list far more than it holds).
                held_bytes += std::mem::size_of::<EntryJson>()
                    + entry.path.len()
                    + entry.name.len()
                    + entry.target.as_ref().map_or(0, String::len);
                if held_bytes > MAX_LISTING_BYTES {
                    return Err(fsimage::read::ReadError::Limit {
                        path: path.to_string(),
                        what: "memory for a recursive listing (list a subdirectory)",
                        limit: MAX_LISTING_BYTES as u64,
                    });
                }
                entries.push(entry);
            }
            Ok(true)
        };
        let mut on_skip = |dir: &str, s: &fsimage::read::SkippedEntry| {
            skipped.push(SkippedJson {
                path: format!("{}/{}", dir.trim_end_matches('/'), s.name),
                reason: s.reason.clone(),
            });
        };
        volume
            .walk(&start, &start_path, &mut visit, &mut on_skip)
            .with_context(|| format!("in {}", args.read.target))?;
    } else {
        let listing = volume
            .read_dir(
                &start,
                if start_path.is_empty() {
                    "/"
                } else {
                    &start_path
                },
            )
            .with_context(|| format!("in {}", args.read.target))?;
        for s in listing.skipped {
            skipped.push(SkippedJson {
                path: join(&start_path, &s.name),
                reason: s.reason,
            });
        }
        for node in &listing.entries {
            entries.push(entry_json(&join(&start_path, &node.name_lossy()), node));
        }
    }
    // Directory records are sorted by ISO 9660 identifier; show presented names in order.
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let warnings: Vec<String> = truncation_warning(&volume, &args.read.target)
        .into_iter()
        .collect();
    if !out.json {
        for warning in &warnings {
            eprintln!("discburn: warning: {warning}");
        }
        for s in &skipped {
            eprintln!("discburn: warning: {}: skipped: {}", s.path, s.reason);
        }
    }

    let result = LsResult {
        kind: "result",
        command: "ls",
        target: args.read.target.clone(),
        namespace: volume.namespace().as_str(),
        path: format!("/{start_path}"),
        entries,
        skipped,
        warnings,
    };
    out.result(&result, || {
        let mut text = String::new();
        for e in &result.entries {
            // Plain listing of one directory shows names; recursive shows paths below PATH.
            let shown = if args.recursive {
                e.path
                    .strip_prefix(&start_path)
                    .unwrap_or(&e.path)
                    .trim_start_matches('/')
                    .to_string()
            } else if start.is_dir() {
                e.name.clone()
            } else {
                e.path.clone()
            };
            if args.long {
                text.push_str(&long_line(e, &shown));
            } else {
                text.push_str(&shown);
            }
            text.push('\n');
        }
        text
    });
    Ok(())
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_strings() {
        assert_eq!(mode_string(FileKind::Dir, 0o755), "drwxr-xr-x");
        assert_eq!(mode_string(FileKind::File, 0o4755), "-rwsr-xr-x");
        assert_eq!(mode_string(FileKind::Dir, 0o2775), "drwxrwsr-x");
        assert_eq!(mode_string(FileKind::Dir, 0o1777), "drwxrwxrwt");
        assert_eq!(mode_string(FileKind::File, 0o2644), "-rw-r-Sr--");
        assert_eq!(mode_string(FileKind::Symlink, 0o777), "lrwxrwxrwx");
    }

    #[test]
    fn times() {
        assert_eq!(format_time(Some(2_200_000_000)), "2039-09-18 23:06");
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_time(None), "????-??-?? ??:??");
    }
}
