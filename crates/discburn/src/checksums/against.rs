//! `verify --against DIR`: compares a session's contents with a host
//! directory — for sessions without checksums (other producers,
//! `--no-checksums`), and as a check that the disc holds what the directory
//! holds now. Names are compared as the session presents them (Rock Ridge,
//! else Joliet, else ISO 9660); a regular file's data, a symlink's target
//! and every entry's type are compared, not modes, owners or dates.
//!
//! A file whose data already matched its recorded MD5 is not read from the
//! disc again: the host file's MD5 is compared with the recorded one.

use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use fsimage::checksums::md5::Md5;
use fsimage::read::{FileKind, Node, ReadError, Volume};
use fsimage::SectorSource;
use serde::Serialize;

/// What comparing a session with a directory found.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AgainstReport {
    /// The directory, as given.
    pub directory: String,
    /// Paths present on both sides that were compared.
    pub compared: u64,
    /// Paths whose type, data or link target differ.
    pub differ: Vec<Difference>,
    /// In the directory, not in the session.
    pub missing: Vec<String>,
    /// In the session, not in the directory.
    pub extra: Vec<String>,
}

impl AgainstReport {
    pub fn ok(&self) -> bool {
        self.differ.is_empty() && self.missing.is_empty() && self.extra.is_empty()
    }
}

/// One path that differs.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Difference {
    pub path: String,
    /// `content`, `size`, `type`, `link_target` or `unreadable`.
    pub problem: &'static str,
    /// Details: the two sizes, types or targets, or why a side cannot be read.
    pub detail: String,
}

/// What one side holds at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    File(u64),
    Dir,
    Symlink(Vec<u8>),
    Other(&'static str),
}

impl Entry {
    fn kind(&self) -> &'static str {
        match self {
            Entry::File(_) => "file",
            Entry::Dir => "directory",
            Entry::Symlink(_) => "symlink",
            Entry::Other(kind) => kind,
        }
    }
}

/// Most entries either side may hold (memory stays bounded).
const MAX_ENTRIES: usize = 10_000_000;

/// Lists a host directory: `/`-rooted paths (the directory itself left out).
fn host_entries(root: &Path) -> std::io::Result<BTreeMap<String, Entry>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = pending.pop() {
        for item in std::fs::read_dir(&dir)? {
            let item = item?;
            let name = String::from_utf8_lossy(item.file_name().as_bytes()).into_owned();
            let path = format!("{prefix}/{name}");
            let meta = item.path().symlink_metadata()?;
            let kind = meta.file_type();
            let entry = if kind.is_dir() {
                pending.push((item.path(), path.clone()));
                Entry::Dir
            } else if kind.is_file() {
                Entry::File(meta.len())
            } else if kind.is_symlink() {
                Entry::Symlink(
                    std::fs::read_link(item.path())?
                        .as_os_str()
                        .as_bytes()
                        .to_vec(),
                )
            } else {
                Entry::Other("special file")
            };
            if out.len() >= MAX_ENTRIES {
                return Err(std::io::Error::other(format!(
                    "more than {MAX_ENTRIES} entries"
                )));
            }
            out.insert(path, entry);
        }
    }
    Ok(out)
}

/// Lists the open session: `/`-rooted paths and nodes (root left out).
fn session_entries<S: SectorSource>(
    volume: &mut Volume<S>,
) -> Result<BTreeMap<String, (Entry, Node)>, ReadError> {
    let mut out = BTreeMap::new();
    let root = volume.root().clone();
    volume.walk(
        &root,
        "",
        &mut |_, path: &str, node: &Node| {
            if path.is_empty() {
                return Ok(true);
            }
            let entry = match node.stat.kind {
                FileKind::File => Entry::File(node.stat.size),
                FileKind::Dir => Entry::Dir,
                FileKind::Symlink => {
                    Entry::Symlink(node.stat.symlink_target.clone().unwrap_or_default())
                }
                _ => Entry::Other("special file"),
            };
            out.insert(format!("/{path}"), (entry, node.clone()));
            Ok(true)
        },
        &mut |_, _| {},
    )?;
    Ok(out)
}

/// MD5 of a host file.
fn host_md5(
    path: &Path,
    buf: &mut [u8],
    progress: &mut dyn FnMut(u64),
) -> std::io::Result<[u8; 16]> {
    let mut file = std::fs::File::open(path)?;
    let mut md5 = Md5::new();
    md5.update_from(&mut file, buf, &mut by_read(progress))?;
    Ok(md5.finalize()?)
}

/// MD5 of a file's contents in the session (inflated, when zisofs).
fn session_md5<S: SectorSource>(
    volume: &mut Volume<S>,
    node: &Node,
    buf: &mut [u8],
    progress: &mut dyn FnMut(u64),
) -> Result<[u8; 16], String> {
    let mut reader = volume.open_file(node).map_err(|e| e.to_string())?;
    let mut md5 = Md5::new();
    md5.update_from(&mut reader, buf, &mut by_read(progress))
        .map_err(|e| e.to_string())?;
    md5.finalize().map_err(|failed| failed.to_string())
}

/// `progress` called with the bytes of each read (not the running total).
fn by_read(progress: &mut dyn FnMut(u64)) -> impl FnMut(u64) -> bool + '_ {
    let mut before = 0;
    move |done| {
        progress(done - before);
        before = done;
        true
    }
}

/// Bytes [`compare`] reads from `dir` (its regular files): for progress.
pub fn host_bytes(dir: &Path) -> u64 {
    host_entries(dir)
        .map(|e| {
            e.values()
                .map(|v| match v {
                    Entry::File(n) => *n,
                    _ => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Compares the open session with `dir`. `known(path)` gives the MD5 of a
/// file's data already checked against its recorded MD5 (path with a
/// leading `/`), so that it is not read again; `progress(bytes)` as data is
/// read on either side.
pub fn compare<S: SectorSource>(
    volume: &mut Volume<S>,
    dir: &Path,
    known: &dyn Fn(&str) -> Option<[u8; 16]>,
    progress: &mut dyn FnMut(u64),
) -> Result<AgainstReport, ReadError> {
    let host = host_entries(dir).map_err(|source| ReadError::Io {
        what: format!("directory {}", dir.display()),
        lba: 0,
        source,
    })?;
    let session = session_entries(volume)?;
    let mut report = AgainstReport {
        directory: dir.display().to_string(),
        compared: 0,
        differ: Vec::new(),
        missing: host
            .keys()
            .filter(|p| !session.contains_key(*p))
            .cloned()
            .collect(),
        extra: session
            .keys()
            .filter(|p| !host.contains_key(*p))
            .cloned()
            .collect(),
    };
    let mut buf = vec![0u8; 256 << 10];
    for (path, (on_disc, node)) in &session {
        let Some(on_host) = host.get(path) else {
            continue;
        };
        report.compared += 1;
        let mut differ = |problem, detail: String| {
            report.differ.push(Difference {
                path: path.clone(),
                problem,
                detail,
            })
        };
        match (on_disc, on_host) {
            (Entry::File(a), Entry::File(b)) if a != b => differ(
                "size",
                format!("{a} bytes in the session, {b} in the directory"),
            ),
            (Entry::File(_), Entry::File(_)) => {
                let host_path = dir.join(path.trim_start_matches('/'));
                let theirs = match host_md5(&host_path, &mut buf, progress) {
                    Ok(md5) => md5,
                    Err(e) => {
                        differ("unreadable", format!("{}: {e}", host_path.display()));
                        continue;
                    }
                };
                let ours = match known(path) {
                    Some(md5) => md5,
                    None => match session_md5(volume, node, &mut buf, progress) {
                        Ok(md5) => md5,
                        Err(e) => {
                            differ("unreadable", format!("in the session: {e}"));
                            continue;
                        }
                    },
                };
                if ours != theirs {
                    differ("content", "the data differs".into());
                }
            }
            (Entry::Symlink(a), Entry::Symlink(b)) if a != b => differ(
                "link_target",
                format!(
                    "{:?} in the session, {:?} in the directory",
                    String::from_utf8_lossy(a),
                    String::from_utf8_lossy(b)
                ),
            ),
            (a, b) if a.kind() != b.kind() => differ(
                "type",
                format!("{} in the session, {} in the directory", a.kind(), b.kind()),
            ),
            _ => {}
        }
    }
    Ok(report)
}
