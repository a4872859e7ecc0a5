//! Building a [`Tree`] from host files: `add_directory_contents` (a source
//! directory's contents at the root, as mkisofs and IMAPI2's
//! `AddTree(dir, false)` do) and `graft` (`ISO/PATH=HOST/PATH`). Scans with
//! lstat semantics: symbolic links are recorded, never followed; files with
//! several links on the host that are both added become hard links.

use std::fs::Metadata as FsMetadata;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::tree::{
    split_image_path, DataSource, DeviceKind, Directory, Metadata, NodeId, NodeKind, Tree,
};

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
        let md = std::fs::symlink_metadata(host_dir).map_err(scan_err(host_dir))?;
        if !md.is_dir() {
            return Err(Error::NotADirectory {
                path: host_dir.to_path_buf(),
            });
        }
        let root = self.root();
        self.node_mut(root).meta = metadata_of(&md);
        self.scan_directory(root, host_dir)
    }

    /// Grafts host file or directory `host_path` at image path `iso_path`
    /// (`ISO/PATH=HOST/PATH`). Missing parents are created with the host
    /// object's owner and times and mode 0755. A directory is added with its contents.
    pub fn graft(&mut self, iso_path: &str, host_path: &Path) -> Result<NodeId, Error> {
        let parts = split_image_path(iso_path)?;
        let md = std::fs::symlink_metadata(host_path).map_err(scan_err(host_path))?;
        let Some((name, parents)) = parts.split_last() else {
            // Grafting at `/` means: the contents at the root.
            if md.is_dir() {
                self.add_directory_contents(host_path)?;
                return Ok(self.root());
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
        self.add_host_entry(parent, name, host_path, &md)
    }

    /// Adds one host object (of metadata `md`) as `name` in `parent`; recurses into directories.
    fn add_host_entry(
        &mut self,
        parent: NodeId,
        name: &[u8],
        path: &Path,
        md: &FsMetadata,
    ) -> Result<NodeId, Error> {
        let meta = metadata_of(md);
        let ft = md.file_type();
        let kind = if ft.is_dir() {
            NodeKind::Directory(Directory::default())
        } else if ft.is_file() {
            let key = (md.dev(), md.ino());
            let linked = if md.nlink() > 1 {
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
                    if md.nlink() > 1 {
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
            self.scan_directory(id, path)?;
        }
        Ok(id)
    }

    /// Adds every entry of host directory `dir_path` to tree directory `dir`,
    /// depth first with an explicit stack (no recursion limit).
    fn scan_directory(&mut self, dir: NodeId, dir_path: &Path) -> Result<(), Error> {
        let mut pending: Vec<(NodeId, PathBuf)> = vec![(dir, dir_path.to_path_buf())];
        while let Some((node, path)) = pending.pop() {
            let entries = std::fs::read_dir(&path).map_err(scan_err(&path))?;
            for entry in entries {
                let entry = entry.map_err(scan_err(&path))?;
                let child_path = entry.path();
                // DirEntry::metadata does not follow symbolic links (lstat).
                let md = entry.metadata().map_err(scan_err(&child_path))?;
                let name = entry.file_name();
                if md.is_dir() {
                    let meta = metadata_of(&md);
                    let id = self.add_node(
                        node,
                        name.as_bytes(),
                        NodeKind::Directory(Directory::default()),
                        meta,
                    )?;
                    pending.push((id, child_path));
                } else {
                    self.add_host_entry(node, name.as_bytes(), &child_path, &md)?;
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
