//! A record of a directory tree: what each path is, its size, mode, symlink
//! target, content hash and hard-link group. Symlinks are never followed.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Fifo,
    CharDevice,
    BlockDevice,
    Socket,
}

/// One path of a [`Snapshot`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub kind: Kind,
    /// Byte length for files; 0 for everything else.
    pub size: u64,
    /// Permission bits and setuid/setgid/sticky (`mode & 0o7777`).
    pub mode: u32,
    /// The target of a symlink, as stored (lossy UTF-8).
    pub target: Option<String>,
    /// Lower-case hex SHA-256 of a file's content.
    pub sha256: Option<String>,
    /// For a non-directory that shares its inode with other paths of the tree:
    /// the smallest of those paths. `None` when the inode has one name here.
    pub link_group: Option<String>,
    /// Modification time, seconds since the epoch.
    pub mtime: i64,
}

/// A tree: relative path (components joined with `/`, lossy UTF-8) → entry.
/// The root itself is not included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub entries: BTreeMap<String, Entry>,
}

impl Snapshot {
    /// Sorted multiset of (size, sha256) of the non-empty regular files: what a
    /// reader that loses names (or maps them) must still agree on.
    pub fn file_contents(&self) -> Vec<(u64, String)> {
        let mut contents: Vec<(u64, String)> = self
            .entries
            .values()
            .filter(|e| e.kind == Kind::File && e.size > 0)
            .map(|e| (e.size, e.sha256.clone().unwrap_or_default()))
            .collect();
        contents.sort();
        contents
    }

    /// Number of entries of the given kind.
    pub fn count(&self, kind: Kind) -> usize {
        self.entries.values().filter(|e| e.kind == kind).count()
    }

    /// Total bytes of all files.
    pub fn file_bytes(&self) -> u64 {
        self.entries
            .values()
            .filter(|e| e.kind == Kind::File)
            .map(|e| e.size)
            .sum()
    }

    /// Recomputes `link_group` from `(path, group key)` pairs: paths with the same
    /// key (e.g. an inode number) form one group named by its smallest path.
    /// Keys held by one path only give `None`.
    pub fn set_link_groups<K: std::hash::Hash + Eq>(
        &mut self,
        keys: impl IntoIterator<Item = (String, K)>,
    ) {
        let mut groups: HashMap<K, Vec<String>> = HashMap::new();
        for (path, key) in keys {
            groups.entry(key).or_default().push(path);
        }
        for entry in self.entries.values_mut() {
            entry.link_group = None;
        }
        for mut paths in groups.into_values() {
            if paths.len() < 2 {
                continue;
            }
            paths.sort();
            let name = paths[0].clone();
            for path in &paths {
                if let Some(entry) = self.entries.get_mut(path) {
                    entry.link_group = Some(name.clone());
                }
            }
        }
    }
}

/// Hashes a reader's content with SHA-256, streaming in 1 MiB pieces.
pub fn sha256_reader(mut reader: impl Read) -> io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((hex(&hasher.finalize()), total))
}

/// SHA-256 of a byte slice, as lower-case hex.
pub fn sha256_bytes(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Records the tree below `root` (not following symlinks).
pub fn snapshot(root: &Path) -> io::Result<Snapshot> {
    let mut snap = Snapshot::default();
    let mut inodes: Vec<(String, (u64, u64))> = Vec::new();
    walk(root, "", &mut snap, &mut inodes)?;
    snap.set_link_groups(inodes);
    Ok(snap)
}

fn walk(
    dir: &Path,
    prefix: &str,
    snap: &mut Snapshot,
    inodes: &mut Vec<(String, (u64, u64))>,
) -> io::Result<()> {
    let mut children: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    children.sort_by_key(|c| c.file_name());
    for child in children {
        let name = child.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let path = child.path();
        let meta = fs::symlink_metadata(&path)?;
        let ft = meta.file_type();
        let kind = if ft.is_dir() {
            Kind::Dir
        } else if ft.is_symlink() {
            Kind::Symlink
        } else if ft.is_file() {
            Kind::File
        } else if ft.is_fifo() {
            Kind::Fifo
        } else if ft.is_char_device() {
            Kind::CharDevice
        } else if ft.is_block_device() {
            Kind::BlockDevice
        } else {
            Kind::Socket
        };
        let (sha256, size) = if kind == Kind::File {
            let (sha, len) = sha256_reader(File::open(&path)?)?;
            (Some(sha), len)
        } else {
            (None, 0)
        };
        let target = if kind == Kind::Symlink {
            Some(fs::read_link(&path)?.to_string_lossy().into_owned())
        } else {
            None
        };
        if kind != Kind::Dir {
            inodes.push((rel.clone(), (meta.dev(), meta.ino())));
        }
        snap.entries.insert(
            rel.clone(),
            Entry {
                kind,
                size,
                mode: meta.mode() & 0o7777,
                target,
                sha256,
                link_group: None,
                mtime: meta.mtime(),
            },
        );
        if kind == Kind::Dir {
            walk(&path, &rel, snap, inodes)?;
        }
    }
    Ok(())
}
