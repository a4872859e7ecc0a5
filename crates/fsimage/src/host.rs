//! Building a [`Tree`] from host files: `add_directory_contents` (a source
//! directory's contents at the root, as mkisofs and IMAPI2's
//! `AddTree(dir, false)` do) and `graft` (`ISO/PATH=HOST/PATH`). Scans with
//! lstat semantics: symbolic links are recorded, not followed, unless
//! [`ScanOptions::follow_links`] (`mkisofs -f`); files with several links on
//! the host that are both added become hard links. [`ScanOptions`] also
//! leaves out entries matching `--exclude` globs (`mkisofs -m`) and, when
//! asked, skips what cannot be read instead of failing.

use std::fs::Metadata as FsMetadata;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::tree::{
    split_image_path, DataSource, DeviceKind, Directory, Metadata, NodeId, NodeKind, Tree,
};

/// How host sources are scanned.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Entries whose name, or path below the source, or path as given on
    /// the host matches one of these shell globs are left out, directories
    /// with all they hold (`mkisofs -m`; `*` does not cross `/`).
    pub exclude: Vec<glob::Pattern>,
    /// Store what symbolic links point to instead of the links (`mkisofs
    /// -f`). A link to one of its own ancestor directories is skipped (a loop).
    pub follow_links: bool,
    /// A file that cannot be opened or a directory that cannot be listed is
    /// skipped (and listed in [`Scan::skipped`]) instead of stopping the scan.
    pub skip_unreadable: bool,
}

impl ScanOptions {
    /// Parses `--exclude` globs.
    pub fn exclude_patterns(globs: &[String]) -> Result<Vec<glob::Pattern>, Error> {
        globs
            .iter()
            .map(|g| {
                glob::Pattern::new(g).map_err(|e| Error::Pattern {
                    pattern: g.clone(),
                    reason: e.msg,
                })
            })
            .collect()
    }
}

/// A host entry a scan left out (not for `--exclude`: those are only counted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedSource {
    pub path: PathBuf,
    pub reason: String,
}

/// One or more scans with the same options: what they skipped and excluded.
#[derive(Debug, Default)]
pub struct Scan {
    pub options: ScanOptions,
    pub skipped: Vec<SkippedSource>,
    /// Entries left out by [`ScanOptions::exclude`] (a directory counts once).
    pub excluded: u64,
}

impl Scan {
    pub fn new(options: ScanOptions) -> Scan {
        Scan {
            options,
            ..Scan::default()
        }
    }

    /// True when `name`, `relative` (below the source) or `path` (as the
    /// host sees it) matches an `--exclude` glob.
    fn excludes(&mut self, name: &std::ffi::OsStr, relative: &Path, path: &Path) -> bool {
        let options = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: false,
        };
        let name = name.to_string_lossy();
        let hit = self.options.exclude.iter().any(|p| {
            p.matches_with(&name, options)
                || p.matches_path_with(relative, options)
                || p.matches_path_with(path, options)
        });
        if hit {
            self.excluded += 1;
        }
        hit
    }

    /// Handles an unreadable entry: skipped (`Ok`) or the scan's error.
    fn unreadable(&mut self, path: &Path, source: std::io::Error) -> Result<(), Error> {
        if !self.options.skip_unreadable {
            return Err(Error::Scan {
                path: path.to_path_buf(),
                source,
            });
        }
        self.skipped.push(SkippedSource {
            path: path.to_path_buf(),
            reason: source.to_string(),
        });
        Ok(())
    }

    /// The metadata a scan uses for `path` whose lstat is `md`: the link's
    /// target's when following links. `Ok(None)`: skipped.
    fn metadata(&mut self, path: &Path, md: FsMetadata) -> Result<Option<FsMetadata>, Error> {
        if !(self.options.follow_links && md.file_type().is_symlink()) {
            return Ok(Some(md));
        }
        match std::fs::metadata(path) {
            Ok(target) => Ok(Some(target)),
            Err(e) => self.unreadable(path, e).map(|()| None),
        }
    }

    /// With `skip_unreadable`, opens a file once to see that it can be read
    /// (as root, too: some files refuse everyone). `false`: skipped.
    fn readable(&mut self, path: &Path, md: &FsMetadata) -> Result<bool, Error> {
        if !self.options.skip_unreadable || !md.is_file() {
            return Ok(true);
        }
        match std::fs::File::open(path) {
            Ok(_) => Ok(true),
            Err(e) => self.unreadable(path, e).map(|()| false),
        }
    }
}

fn metadata_of(md: &FsMetadata) -> Metadata {
    let btime = md
        .created()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64);
    Metadata {
        mode: md.mode() & 0o7777,
        uid: md.uid(),
        gid: md.gid(),
        mtime: md.mtime(),
        atime: md.atime(),
        ctime: md.ctime(),
        btime,
    }
}

fn scan_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Scan {
        path: path.to_path_buf(),
        source,
    }
}

impl Tree {
    /// Adds the *contents* of host directory `host_dir` at the root (not the
    /// directory itself); the root takes the directory's metadata. Entries
    /// already in the tree are merged (directories) or replaced (others).
    pub fn add_directory_contents(&mut self, host_dir: &Path) -> Result<(), Error> {
        self.add_directory_contents_with(host_dir, &mut Scan::default())
    }

    /// [`Tree::add_directory_contents`] with the options of `scan`, which
    /// collects what was skipped.
    pub fn add_directory_contents_with(
        &mut self,
        host_dir: &Path,
        scan: &mut Scan,
    ) -> Result<(), Error> {
        let md = std::fs::symlink_metadata(host_dir).map_err(scan_err(host_dir))?;
        let Some(md) = scan.metadata(host_dir, md)? else {
            return Ok(());
        };
        if !md.is_dir() {
            return Err(Error::NotADirectory {
                path: host_dir.to_path_buf(),
            });
        }
        let root = self.root();
        self.node_mut(root).meta = metadata_of(&md);
        self.scan_directory(root, host_dir, &md, scan)
    }

    /// Grafts host file or directory `host_path` at image path `iso_path`
    /// (`ISO/PATH=HOST/PATH`). Missing parents are created with the host
    /// object's owner and times and mode 0755. A directory is added with its contents.
    pub fn graft(&mut self, iso_path: &str, host_path: &Path) -> Result<NodeId, Error> {
        self.graft_with(iso_path, host_path, &mut Scan::default())
            .map(|id| id.unwrap_or(self.root()))
    }

    /// [`Tree::graft`] with the options of `scan`; `None` when the host
    /// object was skipped (unreadable) or is the root's contents.
    pub fn graft_with(
        &mut self,
        iso_path: &str,
        host_path: &Path,
        scan: &mut Scan,
    ) -> Result<Option<NodeId>, Error> {
        let parts = split_image_path(iso_path)?;
        let md = std::fs::symlink_metadata(host_path).map_err(scan_err(host_path))?;
        let Some(md) = scan.metadata(host_path, md)? else {
            return Ok(None);
        };
        if !scan.readable(host_path, &md)? {
            return Ok(None);
        }
        let Some((name, parents)) = parts.split_last() else {
            // Grafting at `/` means: the contents at the root.
            if md.is_dir() {
                self.add_directory_contents_with(host_path, scan)?;
                return Ok(None);
            }
            return Err(Error::InvalidImagePath {
                path: iso_path.to_string(),
                reason: "a file cannot replace the root",
            });
        };
        let meta = metadata_of(&md);
        let parent_meta = Metadata {
            mode: 0o755,
            btime: None,
            ..meta
        };
        let parent = self.make_dirs(parents, parent_meta, iso_path)?;
        self.add_host_entry(parent, name, host_path, &md, scan)
            .map(Some)
    }

    /// Adds one host object (of metadata `md`) as `name` in `parent`; recurses into directories.
    fn add_host_entry(
        &mut self,
        parent: NodeId,
        name: &[u8],
        path: &Path,
        md: &FsMetadata,
        scan: &mut Scan,
    ) -> Result<NodeId, Error> {
        let meta = metadata_of(md);
        let ft = md.file_type();
        // A file reached through followed links is stored once, as hard links.
        let shared = md.nlink() > 1 || scan.options.follow_links;
        let kind = if ft.is_dir() {
            NodeKind::Directory(Directory::default())
        } else if ft.is_file() {
            let key = (md.dev(), md.ino());
            let linked = if shared {
                self.host_links.get(&key).copied()
            } else {
                None
            };
            let content = match linked {
                Some(c) => c,
                None => {
                    let data = if md.len() == 0 {
                        DataSource::Empty
                    } else {
                        DataSource::HostFile {
                            path: path.to_path_buf(),
                            size: md.len(),
                        }
                    };
                    let c = self.add_content(data);
                    if shared {
                        self.host_links.insert(key, c);
                    }
                    c
                }
            };
            NodeKind::File { content }
        } else if ft.is_symlink() {
            let target = std::fs::read_link(path).map_err(scan_err(path))?;
            NodeKind::Symlink {
                target: target.as_os_str().as_bytes().to_vec(),
            }
        } else {
            let kind = if ft.is_block_device() {
                DeviceKind::Block
            } else if ft.is_char_device() {
                DeviceKind::Char
            } else if ft.is_fifo() {
                DeviceKind::Fifo
            } else {
                DeviceKind::Socket
            };
            NodeKind::Device {
                kind,
                rdev: md.rdev(),
            }
        };
        let is_dir = kind.is_dir();
        let id = self.add_node(parent, name, kind, meta)?;
        if is_dir {
            self.scan_directory(id, path, md, scan)?;
        }
        Ok(id)
    }

    /// Takes `id` out of its parent (a directory that turned out unreadable).
    fn detach(&mut self, id: NodeId) {
        let parent = self.node(id).parent;
        let name = self.node(id).name.clone();
        if let NodeKind::Directory(d) = &mut self.node_mut(parent).kind {
            d.children.remove(&name);
        }
    }

    /// Adds every entry of host directory `dir_path` (of metadata `dir_md`)
    /// to tree directory `dir`, depth first with an explicit stack (no
    /// recursion limit).
    fn scan_directory(
        &mut self,
        dir: NodeId,
        dir_path: &Path,
        dir_md: &FsMetadata,
        scan: &mut Scan,
    ) -> Result<(), Error> {
        // Each pending directory carries its ancestors' (device, inode): a
        // followed link back to one of them would never end.
        type Ancestors = std::rc::Rc<Vec<(u64, u64)>>;
        let top: Ancestors = std::rc::Rc::new(vec![(dir_md.dev(), dir_md.ino())]);
        let mut pending: Vec<(NodeId, PathBuf, Ancestors)> =
            vec![(dir, dir_path.to_path_buf(), top)];
        while let Some((node, path, ancestors)) = pending.pop() {
            let entries = match std::fs::read_dir(&path) {
                Ok(entries) => entries,
                Err(e) => {
                    scan.unreadable(&path, e)?;
                    if node != self.root() {
                        self.detach(node);
                    }
                    continue;
                }
            };
            for entry in entries {
                let entry = entry.map_err(scan_err(&path))?;
                let child_path = entry.path();
                let name = entry.file_name();
                let relative = child_path.strip_prefix(dir_path).unwrap_or(&child_path);
                if !scan.options.exclude.is_empty() && scan.excludes(&name, relative, &child_path) {
                    continue;
                }
                // DirEntry::metadata does not follow symbolic links (lstat).
                let md = entry.metadata().map_err(scan_err(&child_path))?;
                let Some(md) = scan.metadata(&child_path, md)? else {
                    continue;
                };
                if md.is_dir() {
                    let key = (md.dev(), md.ino());
                    if ancestors.contains(&key) {
                        scan.skipped.push(SkippedSource {
                            path: child_path,
                            reason: "a link to a directory that holds it (a loop)".into(),
                        });
                        continue;
                    }
                    let meta = metadata_of(&md);
                    let id = self.add_node(
                        node,
                        name.as_bytes(),
                        NodeKind::Directory(Directory::default()),
                        meta,
                    )?;
                    let mut below = (*ancestors).clone();
                    below.push(key);
                    pending.push((id, child_path, std::rc::Rc::new(below)));
                } else if scan.readable(&child_path, &md)? {
                    self.add_host_entry(node, name.as_bytes(), &child_path, &md, scan)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_contents_links_and_grafts() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(src.join("sub/deeper")).unwrap();
        std::fs::write(src.join("a.txt"), b"hello").unwrap();
        std::fs::write(src.join("empty"), b"").unwrap();
        std::fs::hard_link(src.join("a.txt"), src.join("sub/a-link")).unwrap();
        std::os::unix::fs::symlink("../a.txt", src.join("sub/sym")).unwrap();
        let mut t = Tree::new();
        t.add_directory_contents(&src).unwrap();
        let a = t.resolve("/a.txt").unwrap();
        let link = t.resolve("/sub/a-link").unwrap();
        match (&t.node(a).kind, &t.node(link).kind) {
            (NodeKind::File { content: c1 }, NodeKind::File { content: c2 }) => {
                assert_eq!(c1, c2);
                assert_eq!(t.content(*c1).data.size(), 5);
            }
            other => panic!("unexpected kinds {other:?}"),
        }
        match &t.node(t.resolve("/sub/sym").unwrap()).kind {
            NodeKind::Symlink { target } => assert_eq!(target, b"../a.txt"),
            other => panic!("not a symlink: {other:?}"),
        }
        let e = t.resolve("/empty").unwrap();
        assert!(
            matches!(t.node(e).kind, NodeKind::File { content } if t.content(content).data == DataSource::Empty)
        );
        assert!(t.node(t.resolve("/sub/deeper").unwrap()).kind.is_dir());

        t.graft("/x/y/file", &src.join("a.txt")).unwrap();
        t.graft("/g", &src.join("sub")).unwrap();
        assert!(t.resolve("/g/deeper").is_ok());
        assert!(t.resolve("/x/y/file").is_ok());
        assert!(matches!(
            t.add_directory_contents(&src.join("a.txt")),
            Err(Error::NotADirectory { .. })
        ));
        assert!(matches!(
            t.graft("/z", &src.join("missing")),
            Err(Error::Scan { .. })
        ));
        let stats = t.stats();
        // a.txt, empty, sub/a-link, x/y/file, g/a-link: all but `empty` share one content
        assert_eq!(stats.files, 5);
        assert_eq!(stats.symlinks, 2);
        assert_eq!(stats.data_bytes, 5);
    }
}
