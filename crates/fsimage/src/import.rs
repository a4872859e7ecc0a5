//! Import of a session into a [`Tree`], as IMAPI2's `ImportFileSystem` and
//! `mkisofs -M` do: the new session starts from the old tree, whose files keep
//! pointing at their extents on the medium (no data is copied), whose hard
//! links stay links and whose Rock Ridge inode numbers stay what they were
//! (backup tools key on them).
//!
//! Names and attributes come from the richest namespace of the session (Rock
//! Ridge, else UDF, else Joliet, else ISO 9660; the caller may choose).
//! UDF files keep their extents too; a file whose data is embedded in its
//! UDF file entry is carried as bytes. The import is strict: an entry the
//! reader had to refuse, or a file the new session could not carry over
//! unchanged (an interleaved file), stops it, so that a new session never
//! silently drops what the old one held.

use std::collections::HashMap;

use crate::checksums::check::ArrayState;
use crate::read::{Extent, FileKind, Namespace, Node, ReadError, Volume};
use crate::source::{SectorSource, BLOCK_SIZE};
use crate::tree::{
    ContentId, DataSource, DeviceKind, Directory, MediumExtent, Metadata, NodeId, NodeKind, Tree,
};

/// A session read into a tree.
#[derive(Debug)]
pub struct Imported {
    pub tree: Tree,
    /// The namespace names and attributes were taken from.
    pub namespace: Namespace,
    pub files: u64,
    pub directories: u64,
    /// Symbolic links and device nodes.
    pub others: u64,
    /// The first block after every file extent the tree refers to: a new
    /// session must start at or after it, or it would overwrite files it keeps.
    pub data_end: u64,
}

/// Why a session could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Read(#[from] ReadError),
    /// An entry the reader refused: carrying on would drop it from the new session.
    #[error("/{path}: {reason}; the session cannot be carried over without losing it")]
    Refused { path: String, reason: String },
    /// An entry the tree cannot hold as it is.
    #[error("/{path}: {reason}")]
    Unsupported { path: String, reason: String },
}

/// Reads the whole tree of the open session into a [`Tree`] whose files refer
/// to their extents on the medium.
pub fn import_session<S: SectorSource>(volume: &mut Volume<S>) -> Result<Imported, ImportError> {
    let namespace = volume.namespace();
    // The MD5s the session recorded are carried into the next session's
    // array (checksums.md §9.2); an unreadable or damaged array carries none.
    let md5_array = match crate::checksums::check::read_array(volume) {
        Ok(array) => array,
        Err(e) => {
            tracing::warn!("the session's checksum array cannot be read: {e}");
            ArrayState::Absent
        }
    };
    let root = volume.root().clone();
    let mut importer = Importer {
        tree: Tree::new(),
        dirs: HashMap::new(),
        links: HashMap::new(),
        used_inodes: Default::default(),
        keep_inodes: namespace == Namespace::RockRidge,
        // A UDF file's identity is its file entry: names sharing one are links.
        link_by_entry: namespace == Namespace::Udf,
        files: 0,
        directories: 0,
        others: 0,
        data_end: 0,
        failure: None,
        md5_array,
    };
    let root_id = importer.tree.root();
    importer.tree.node_mut(root_id).meta = metadata(&root);
    importer.keep_node_inode(root_id, &root);
    importer.dirs.insert(String::new(), root_id);
    let mut visit = |_: &mut Volume<S>, path: &str, node: &Node| {
        if path.is_empty() {
            return Ok(true); // the root, done above
        }
        match importer.add(path, node) {
            Ok(()) => Ok(true),
            Err(e) => {
                importer.failure.get_or_insert(e);
                Ok(false)
            }
        }
    };
    let mut refused = None;
    volume.walk(&root, "", &mut visit, &mut |dir, skipped| {
        refused.get_or_insert_with(|| ImportError::Refused {
            path: join(dir.trim_matches('/'), &skipped.name),
            reason: skipped.reason.clone(),
        });
    })?;
    if let Some(e) = importer.failure.take().or(refused) {
        return Err(e);
    }
    Ok(Imported {
        tree: importer.tree,
        namespace,
        files: importer.files,
        directories: importer.directories,
        others: importer.others,
        data_end: importer.data_end,
    })
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

struct Importer {
    tree: Tree,
    /// Directories added so far, by path (as the walk spells it).
    dirs: HashMap<String, NodeId>,
    /// Multiply-linked files by the reader's inode number (the Rock Ridge
    /// serial, else one derived from the extent, as for RRIP 1.09 images
    /// without serials): their content and extents.
    links: HashMap<u64, (ContentId, Vec<Extent>)>,
    /// Inode numbers already kept: a number seen twice (a damaged or foreign
    /// image) is kept only the first time.
    used_inodes: std::collections::HashSet<u32>,
    /// Only Rock Ridge records inode numbers worth keeping.
    keep_inodes: bool,
    /// UDF: hard links are FIDs naming the same file entry.
    link_by_entry: bool,
    files: u64,
    directories: u64,
    others: u64,
    data_end: u64,
    failure: Option<ImportError>,
    /// The session's checksum array.
    md5_array: ArrayState,
}

impl Importer {
    fn add(&mut self, path: &str, node: &Node) -> Result<(), ImportError> {
        let parent_path = path.rsplit_once('/').map_or("", |(p, _)| p);
        let parent = *self
            .dirs
            .get(parent_path)
            .ok_or_else(|| ImportError::Unsupported {
                path: path.to_string(),
                reason: "its directory was not imported".into(),
            })?;
        let unsupported = |reason: String| ImportError::Unsupported {
            path: path.to_string(),
            reason,
        };
        let meta = metadata(node);
        let stat = &node.stat;
        let kind = match stat.kind {
            FileKind::Dir => NodeKind::Directory(Directory::default()),
            FileKind::File => {
                if node.interleave.is_some() {
                    return Err(unsupported(
                        "an interleaved file cannot be referenced by a new session".into(),
                    ));
                }
                let content = self.content_of(node).map_err(unsupported)?;
                if let Some(md5) = node.md5_index.and_then(|i| self.md5_array.file_md5(i)) {
                    self.tree.set_recorded_md5(content, md5);
                }
                NodeKind::File { content }
            }
            FileKind::Symlink => NodeKind::Symlink {
                target: stat.symlink_target.clone().unwrap_or_default(),
            },
            FileKind::CharDevice | FileKind::BlockDevice | FileKind::Fifo | FileKind::Socket => {
                let kind = match stat.kind {
                    FileKind::CharDevice => DeviceKind::Char,
                    FileKind::BlockDevice => DeviceKind::Block,
                    FileKind::Fifo => DeviceKind::Fifo,
                    _ => DeviceKind::Socket,
                };
                let rdev = stat.rdev.map_or(0, |(major, minor)| makedev(major, minor));
                NodeKind::Device { kind, rdev }
            }
        };
        if self.tree.lookup(parent, &node.name).is_some() {
            return Err(unsupported(
                "the name appears twice in its directory".into(),
            ));
        }
        let is_dir = kind.is_dir();
        let is_file = matches!(kind, NodeKind::File { .. });
        let id = self
            .tree
            .add_node(parent, &node.name, kind, meta)
            .map_err(|e| unsupported(e.to_string()))?;
        if is_dir {
            self.directories += 1;
            self.dirs.insert(path.to_string(), id);
        } else if is_file {
            self.files += 1;
        } else {
            self.others += 1;
        }
        if !is_file {
            self.keep_node_inode(id, node);
        }
        Ok(())
    }

    /// The content of a file: shared with an earlier hard link of the same
    /// Rock Ridge inode and extents, else new.
    fn content_of(&mut self, node: &Node) -> Result<ContentId, String> {
        let stat = &node.stat;
        let data = data_source(node)?;
        for extent in &node.extents {
            let end = extent
                .lba
                .saturating_add(extent.len.div_ceil(BLOCK_SIZE as u64));
            self.data_end = self.data_end.max(end);
        }
        // Hard links: equal reader inodes and extents, with a link count over 1.
        // A derived number (no PX serial) tells only where the data lies, so
        // empty files, which all lie nowhere, are not linked by it.
        let recorded = self.recorded_inode(node);
        let linked = stat.nlink > 1
            && stat.inode != 0
            && (self.link_by_entry || (self.keep_inodes && (recorded.is_some() || stat.size > 0)));
        if linked {
            if let Some((content, extents)) = self.links.get(&stat.inode) {
                if *extents == node.extents {
                    return Ok(*content);
                }
            }
        }
        let content = self.tree.add_content(data);
        if let Some(zf) = node.zisofs {
            // The data stays compressed: so does its record.
            self.tree.set_content_zisofs(content, zf);
        }
        let mut first = true;
        if let Some(inode) = recorded {
            first = self.used_inodes.insert(inode);
            if first {
                self.tree.keep_content_inode(content, inode);
            }
        }
        if linked && first {
            self.links
                .entry(stat.inode)
                .or_insert_with(|| (content, node.extents.clone()));
        }
        Ok(content)
    }

    fn keep_node_inode(&mut self, id: NodeId, node: &Node) {
        if let Some(inode) = self.recorded_inode(node) {
            if self.used_inodes.insert(inode) {
                self.tree.keep_node_inode(id, inode);
            }
        }
    }

    /// The Rock Ridge file serial number of a node, when the session records
    /// one (the reader derives numbers above 32 bits for the others).
    fn recorded_inode(&self, node: &Node) -> Option<u32> {
        if !self.keep_inodes {
            return None;
        }
        u32::try_from(node.stat.inode).ok().filter(|&i| i != 0)
    }
}

/// Where an imported file's bytes are: its extents on the medium.
fn data_source(node: &Node) -> Result<DataSource, String> {
    // The recorded bytes count (`stat.size` of a zisofs file is its inflated size).
    let empty = match node.zisofs {
        Some(_) => node.extents.iter().all(|e| e.len == 0),
        None => node.stat.size == 0,
    };
    if empty {
        return Ok(DataSource::Empty);
    }
    if let Some(bytes) = &node.embedded {
        return Ok(DataSource::Bytes(bytes.as_slice().into()));
    }
    if node.extents.is_empty() {
        return Err("a file with data but no extent".into());
    }
    let mut pieces = Vec::with_capacity(node.extents.len());
    for extent in &node.extents {
        let lba = u32::try_from(extent.lba).map_err(|_| "an extent lies past LBA 2^32")?;
        let len = u32::try_from(extent.len).map_err(|_| "an extent is longer than 4 GiB")?;
        pieces.push(MediumExtent { lba, len });
    }
    Ok(match pieces.as_slice() {
        [one] => DataSource::Extent {
            lba: one.lba,
            size: u64::from(one.len),
        },
        _ => DataSource::Extents(pieces),
    })
}

/// POSIX metadata of an imported node; times the session does not record
/// fall back to the modification time (or 0).
fn metadata(node: &Node) -> Metadata {
    let stat = &node.stat;
    let mtime = stat.mtime.unwrap_or(0);
    Metadata {
        mode: stat.mode & 0o7777,
        uid: stat.uid,
        gid: stat.gid,
        mtime,
        atime: stat.atime.unwrap_or(mtime),
        ctime: stat.ctime.unwrap_or(mtime),
        btime: stat.crtime,
    }
}

/// A Linux `dev_t` from a device's major and minor numbers (glibc's
/// `makedev` encoding, the one [`crate::host`] reads from `st_rdev`).
fn makedev(major: u32, minor: u32) -> u64 {
    let (major, minor) = (u64::from(major), u64::from(minor));
    ((major & 0xffff_f000) << 32)
        | ((major & 0x0000_0fff) << 8)
        | ((minor & 0xffff_ff00) << 12)
        | (minor & 0x0000_00ff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makedev_matches_the_glibc_encoding() {
        assert_eq!(makedev(8, 1), 0x801);
        assert_eq!(makedev(259, 70000), 0x1111_0370);
    }
}
