//! The in-memory file tree a session is built from, as IMAPI2's
//! `FileSystemImage` holds it: directories, regular files, symbolic links and
//! device nodes with POSIX metadata. A file's data lives elsewhere: in a host
//! file, in an extent of the medium being appended to, or nowhere (empty).
//! Hard links are several file nodes sharing one [`ContentId`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::Error;

/// Index of a node in its [`Tree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub(crate) u32);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Index of a file's content in its [`Tree`]; file nodes sharing one are hard links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContentId(pub(crate) u32);

impl ContentId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Where a regular file's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSource {
    /// A file on the host, read when its sectors are due; `size` is what the
    /// scan saw and must still hold when it is read.
    HostFile { path: PathBuf, size: u64 },
    /// `size` bytes starting at block `lba` of the medium being appended to
    /// (a file written by an earlier session); referenced, never copied.
    Extent { lba: u32, size: u64 },
    /// The pieces of a file of an earlier session that is recorded as several
    /// extents (multi-extent), in order; referenced, never copied.
    Extents(Vec<MediumExtent>),
    /// Bytes held in memory: a small file of an earlier session whose data is
    /// embedded in its UDF file entry (ECMA-167 4/14.6.8), written anew.
    Bytes(std::sync::Arc<[u8]>),
    /// No data.
    Empty,
}

impl DataSource {
    pub fn size(&self) -> u64 {
        match self {
            DataSource::HostFile { size, .. } | DataSource::Extent { size, .. } => *size,
            DataSource::Extents(pieces) => pieces.iter().map(|p| u64::from(p.len)).sum(),
            DataSource::Bytes(bytes) => bytes.len() as u64,
            DataSource::Empty => 0,
        }
    }
}

/// One extent on the medium: first block and length in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediumExtent {
    pub lba: u32,
    pub len: u32,
}

/// A file's content: where its data comes from. Several file nodes sharing
/// one content are hard links (one extent, one inode number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub data: DataSource,
    /// The data is zisofs-compressed (it starts with a zisofs header): the
    /// Rock Ridge ZF entry to record beside it.
    pub zisofs: Option<iso9660::zisofs::ZfEntry>,
    /// The MD5 of the data as an earlier session recorded it (its checksum
    /// array), carried into the next session's array without reading the data.
    pub recorded_md5: Option<[u8; 16]>,
}

/// Special files Rock Ridge can record (PX file type, PN device number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    Block,
    Char,
    Fifo,
    Socket,
}

/// POSIX metadata of a node. Times are seconds since 1970-01-01 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metadata {
    /// Permission bits including set-uid, set-gid and sticky (`0o7777`); the
    /// file type comes from the node's kind.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime: i64,
    pub atime: i64,
    pub ctime: i64,
    /// Creation (birth) time, when the host knows it.
    pub btime: Option<i64>,
}

impl Metadata {
    /// Metadata for a node made up by discburn (a parent of a graft point):
    /// `mode` permissions, owner root, all times `time`.
    pub fn synthetic(mode: u32, time: i64) -> Self {
        Metadata {
            mode,
            uid: 0,
            gid: 0,
            mtime: time,
            atime: time,
            ctime: time,
            btime: None,
        }
    }
}

/// A directory's entries, ordered by name bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directory {
    pub(crate) children: BTreeMap<Box<[u8]>, NodeId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    Directory(Directory),
    File { content: ContentId },
    Symlink { target: Vec<u8> },
    Device { kind: DeviceKind, rdev: u64 },
}

impl NodeKind {
    /// POSIX file type bits (`S_IFMT`) of this kind.
    pub fn type_bits(&self) -> u32 {
        match self {
            NodeKind::Directory(_) => 0o040000,
            NodeKind::File { .. } => 0o100000,
            NodeKind::Symlink { .. } => 0o120000,
            NodeKind::Device {
                kind: DeviceKind::Block,
                ..
            } => 0o060000,
            NodeKind::Device {
                kind: DeviceKind::Char,
                ..
            } => 0o020000,
            NodeKind::Device {
                kind: DeviceKind::Fifo,
                ..
            } => 0o010000,
            NodeKind::Device {
                kind: DeviceKind::Socket,
                ..
            } => 0o140000,
        }
    }

    pub fn is_dir(&self) -> bool {
        matches!(self, NodeKind::Directory(_))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Name bytes as on the host (Rock Ridge NM); empty for the root.
    pub name: Box<[u8]>,
    pub parent: NodeId,
    pub kind: NodeKind,
    pub meta: Metadata,
}

/// Counts of what a tree holds (reachable from the root).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TreeStats {
    pub directories: u64,
    pub files: u64,
    pub symlinks: u64,
    pub devices: u64,
    /// Sum of distinct contents' sizes (hard links counted once).
    pub data_bytes: u64,
}

/// A file tree. Node 0 is the root directory.
#[derive(Debug, Clone)]
pub struct Tree {
    pub(crate) nodes: Vec<Node>,
    pub(crate) contents: Vec<Content>,
    /// Host (device, inode) of multiply-linked files already added, so that
    /// hard links found by later scans share their content.
    pub(crate) host_links: std::collections::HashMap<(u64, u64), ContentId>,
    /// Rock Ridge inode numbers (PX serial) kept from an imported session, by
    /// node (directories, symlinks, devices) and by content (files: hard links
    /// share one); 0 = none, a new one is given at layout.
    pub(crate) kept_node_inodes: Vec<u32>,
    pub(crate) kept_content_inodes: Vec<u32>,
    /// Nodes a later [`Tree::add_node`] replaced at their path, in order.
    pub(crate) replaced: Vec<NodeId>,
}

impl Default for Tree {
    fn default() -> Self {
        Self::new()
    }
}

fn set_kept(kept: &mut Vec<u32>, index: usize, inode: u32) {
    if kept.len() <= index {
        kept.resize(index + 1, 0);
    }
    kept[index] = inode;
}

/// Checks one name component for use in the tree.
pub(crate) fn check_name(name: &[u8], whole: &str) -> Result<(), Error> {
    let reason = if name.is_empty() {
        "empty name"
    } else if name == b"." || name == b".." {
        "`.` and `..` cannot be names"
    } else if name.contains(&b'/') {
        "a name cannot contain `/`"
    } else if name.contains(&0) {
        "a name cannot contain NUL"
    } else if name.len() > 255 {
        "a name is longer than 255 bytes"
    } else {
        return Ok(());
    };
    Err(Error::InvalidImagePath {
        path: whole.to_string(),
        reason,
    })
}

/// Splits an image path (`/a/b`, `a/b/`) into components, rejecting `.`/`..`.
pub(crate) fn split_image_path(path: &str) -> Result<Vec<&[u8]>, Error> {
    let parts: Vec<&[u8]> = path
        .as_bytes()
        .split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .collect();
    for part in &parts {
        check_name(part, path)?;
    }
    Ok(parts)
}

impl Tree {
    /// An empty tree: a root directory with mode 0755, owner root, time 0.
    pub fn new() -> Self {
        Tree {
            nodes: vec![Node {
                name: Box::from(&b""[..]),
                parent: NodeId(0),
                kind: NodeKind::Directory(Directory::default()),
                meta: Metadata::synthetic(0o755, 0),
            }],
            contents: Vec::new(),
            host_links: Default::default(),
            kept_node_inodes: Vec::new(),
            kept_content_inodes: Vec::new(),
            replaced: Vec::new(),
        }
    }

    pub fn root(&self) -> NodeId {
        NodeId(0)
    }

    /// Number of nodes ever added (removed and replaced ones included).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Nodes that [`Tree::add_node`] replaced by a new node of the same name
    /// (a directory merged into is not replaced), oldest first.
    pub fn replaced_nodes(&self) -> &[NodeId] {
        &self.replaced
    }

    /// Every node ever added, in the order they were added (the root first);
    /// removed and replaced ones are no longer reachable from the root.
    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> {
        (0..self.nodes.len() as u32).map(NodeId)
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    pub fn node_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[id.index()]
    }

    pub fn content(&self, id: ContentId) -> &Content {
        &self.contents[id.index()]
    }

    /// Registers file content; give the same id to several file nodes to make hard links.
    pub fn add_content(&mut self, data: DataSource) -> ContentId {
        self.contents.push(Content {
            data,
            zisofs: None,
            recorded_md5: None,
        });
        ContentId((self.contents.len() - 1) as u32)
    }

    /// Points a content at other data (its zisofs-compressed form, [`crate::compress`]).
    pub fn set_content_data(&mut self, id: ContentId, data: DataSource) {
        self.contents[id.index()].data = data;
    }

    /// Marks a content's data as zisofs-compressed, recorded with `zf`.
    pub fn set_content_zisofs(&mut self, id: ContentId, zf: iso9660::zisofs::ZfEntry) {
        self.contents[id.index()].zisofs = Some(zf);
    }

    /// Records the MD5 an earlier session holds for a content's data.
    pub fn set_recorded_md5(&mut self, id: ContentId, md5: [u8; 16]) {
        self.contents[id.index()].recorded_md5 = Some(md5);
    }

    /// Keeps `inode` as the Rock Ridge inode number of a directory, symbolic
    /// link or device node (from an imported session: backup tools key on it).
    pub fn keep_node_inode(&mut self, node: NodeId, inode: u32) {
        set_kept(&mut self.kept_node_inodes, node.index(), inode);
    }

    /// Keeps `inode` as the Rock Ridge inode number of a file's content (all
    /// its hard links).
    pub fn keep_content_inode(&mut self, content: ContentId, inode: u32) {
        set_kept(&mut self.kept_content_inodes, content.index(), inode);
    }

    /// The inode number kept for a node, if any.
    pub fn kept_node_inode(&self, node: NodeId) -> Option<u32> {
        self.kept_node_inodes
            .get(node.index())
            .copied()
            .filter(|&i| i != 0)
    }

    /// The inode number kept for a file's content, if any.
    pub fn kept_content_inode(&self, content: ContentId) -> Option<u32> {
        self.kept_content_inodes
            .get(content.index())
            .copied()
            .filter(|&i| i != 0)
    }

    /// The entries of a directory, in name-byte order (empty for non-directories).
    pub fn children(&self, dir: NodeId) -> impl Iterator<Item = (&[u8], NodeId)> + '_ {
        let map = match &self.node(dir).kind {
            NodeKind::Directory(d) => Some(&d.children),
            _ => None,
        };
        map.into_iter()
            .flat_map(|m| m.iter().map(|(k, v)| (&**k, *v)))
    }

    pub fn lookup(&self, dir: NodeId, name: &[u8]) -> Option<NodeId> {
        match &self.node(dir).kind {
            NodeKind::Directory(d) => d.children.get(name).copied(),
            _ => None,
        }
    }

    /// Finds the node at an image path such as `/a/b` (`/` is the root).
    pub fn resolve(&self, path: &str) -> Result<NodeId, Error> {
        let mut at = self.root();
        for part in split_image_path(path)? {
            at = self
                .lookup(at, part)
                .ok_or_else(|| Error::NoSuchPathInImage {
                    path: path.to_string(),
                })?;
        }
        Ok(at)
    }

    /// Adds `name` to directory `parent`. An existing entry of that name is
    /// replaced, except that a directory added over a directory merges: the
    /// existing node stays (with the new metadata) and its id is returned.
    pub fn add_node(
        &mut self,
        parent: NodeId,
        name: &[u8],
        kind: NodeKind,
        meta: Metadata,
    ) -> Result<NodeId, Error> {
        check_name(name, &String::from_utf8_lossy(name))?;
        let NodeKind::Directory(_) = &self.node(parent).kind else {
            return Err(Error::NotADirectoryInImage {
                path: self.path_of(parent),
            });
        };
        if let Some(existing) = self.lookup(parent, name) {
            if self.node(existing).kind.is_dir() && kind.is_dir() {
                self.node_mut(existing).meta = meta;
                return Ok(existing);
            }
            self.replaced.push(existing);
        }
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(Node {
            name: Box::from(name),
            parent,
            kind,
            meta,
        });
        if let NodeKind::Directory(d) = &mut self.nodes[parent.index()].kind {
            d.children.insert(Box::from(name), id);
        }
        Ok(id)
    }

    /// Removes the entry at `path` (and everything below it) from the tree.
    pub fn remove(&mut self, path: &str) -> Result<(), Error> {
        let id = self.resolve(path)?;
        if id == self.root() {
            return Err(Error::InvalidImagePath {
                path: path.to_string(),
                reason: "the root cannot be removed",
            });
        }
        let parent = self.node(id).parent;
        let name = self.node(id).name.clone();
        if let NodeKind::Directory(d) = &mut self.node_mut(parent).kind {
            d.children.remove(&name);
        }
        Ok(())
    }

    /// Takes node `id` (and everything below it) out of its directory; the
    /// root stays. Unlike [`Tree::remove`] it needs no path (names that are
    /// not UTF-8 stay exact).
    pub fn unlink(&mut self, id: NodeId) {
        if id == self.root() {
            return;
        }
        let parent = self.node(id).parent;
        let name = self.node(id).name.clone();
        if let NodeKind::Directory(d) = &mut self.node_mut(parent).kind {
            if d.children.get(&name) == Some(&id) {
                d.children.remove(&name);
            }
        }
    }

    /// Makes the directories of `components` below the root (like `mkdir -p`),
    /// giving new ones `meta`; returns the last one.
    pub fn make_dirs(
        &mut self,
        components: &[&[u8]],
        meta: Metadata,
        whole: &str,
    ) -> Result<NodeId, Error> {
        let mut at = self.root();
        for part in components {
            at = match self.lookup(at, part) {
                Some(existing) if self.node(existing).kind.is_dir() => existing,
                Some(_) => {
                    return Err(Error::NotADirectoryInImage {
                        path: whole.to_string(),
                    })
                }
                None => self.add_node(at, part, NodeKind::Directory(Directory::default()), meta)?,
            };
        }
        Ok(at)
    }

    /// The image path of a node, for messages.
    pub fn path_of(&self, id: NodeId) -> String {
        let mut parts = Vec::new();
        let mut at = id;
        while at != self.root() {
            parts.push(String::from_utf8_lossy(&self.node(at).name).into_owned());
            at = self.node(at).parent;
        }
        parts.reverse();
        format!("/{}", parts.join("/"))
    }

    /// Counts what is reachable from the root.
    pub fn stats(&self) -> TreeStats {
        let mut stats = TreeStats::default();
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![self.root()];
        while let Some(dir) = stack.pop() {
            stats.directories += 1;
            for (_, child) in self.children(dir) {
                match &self.node(child).kind {
                    NodeKind::Directory(_) => stack.push(child),
                    NodeKind::File { content } => {
                        stats.files += 1;
                        if seen.insert(*content) {
                            stats.data_bytes += self.content(*content).data.size();
                        }
                    }
                    NodeKind::Symlink { .. } => stats.symlinks += 1,
                    NodeKind::Device { .. } => stats.devices += 1,
                }
            }
        }
        stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Metadata {
        Metadata::synthetic(0o644, 5)
    }

    #[test]
    fn add_replace_merge_remove() {
        let mut t = Tree::new();
        let c = t.add_content(DataSource::Empty);
        let d = t
            .add_node(
                t.root(),
                b"d",
                NodeKind::Directory(Directory::default()),
                meta(),
            )
            .unwrap();
        let f = t
            .add_node(d, b"f", NodeKind::File { content: c }, meta())
            .unwrap();
        assert_eq!(t.resolve("/d/f").unwrap(), f);
        // dir over dir merges
        let d2 = t
            .add_node(
                t.root(),
                b"d",
                NodeKind::Directory(Directory::default()),
                meta(),
            )
            .unwrap();
        assert_eq!(d, d2);
        assert_eq!(t.resolve("d/f").unwrap(), f);
        // file over file replaces
        let f2 = t
            .add_node(
                d,
                b"f",
                NodeKind::Symlink {
                    target: b"x".to_vec(),
                },
                meta(),
            )
            .unwrap();
        assert_ne!(f, f2);
        assert_eq!(t.resolve("/d/f").unwrap(), f2);
        assert_eq!(t.path_of(f2), "/d/f");
        assert!(t
            .add_node(f2, b"x", NodeKind::File { content: c }, meta())
            .is_err());
        assert!(t
            .add_node(d, b"..", NodeKind::File { content: c }, meta())
            .is_err());
        assert!(t
            .add_node(d, b"a/b", NodeKind::File { content: c }, meta())
            .is_err());
        let stats = t.stats();
        assert_eq!((stats.directories, stats.files, stats.symlinks), (2, 0, 1));
        t.remove("/d").unwrap();
        assert!(t.resolve("/d").is_err());
        assert!(t.remove("/").is_err());
    }

    #[test]
    fn make_dirs_and_paths() {
        let mut t = Tree::new();
        let parts = split_image_path("/a//b/c/").unwrap();
        assert_eq!(parts, vec![&b"a"[..], b"b", b"c"]);
        let c = t.make_dirs(&parts, meta(), "/a/b/c").unwrap();
        assert_eq!(t.path_of(c), "/a/b/c");
        assert!(split_image_path("/a/../b").is_err());
        assert_eq!(
            t.make_dirs(&parts[..2], meta(), "/a/b").unwrap(),
            t.node(c).parent
        );
    }
}
