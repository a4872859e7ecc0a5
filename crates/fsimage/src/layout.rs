//! Layout of one session: names per namespace, Rock Ridge system use fields,
//! relocation of deep directories, and the LBA of every structure.
//!
//! A session starting at `start` is laid out as (ECMA-119 6.2, 6.8, 6.9):
//!
//! | blocks | content |
//! |---|---|
//! | `start .. start+16` | System Area (zeros) |
//! | `start+16` | primary volume descriptor |
//! | `start+17` | Joliet supplementary volume descriptor (if enabled) |
//! | next | volume descriptor set terminator |
//! | next | ISO L and M path tables, Joliet L and M path tables |
//! | next | ISO 9660 directories (breadth first, path table order), each followed by the Rock Ridge continuation areas (CE) of its records |
//! | next | Joliet directories |
//! | next | file data, depth-first order of the tree |
//! | last | one zero block that empty files, links and devices point at |
//!
//! The Joliet tree holds directories and regular files only (symbolic links
//! and device nodes exist only in the Rock Ridge view).
//!
//! Directories deeper than 8 levels (6.8.2.1) are relocated in the ISO tree to
//! `/rr_moved` (RRIP 1.12 4.1.5): a placeholder file record with CL in the
//! original parent, an RE entry on the relocated record, PL in its `..`. The
//! relocation directory itself carries RE too, so Rock Ridge readers hide it
//! (as libarchive and xorriso do); Joliet has no depth limit and never sees it.
//!
//! Continuation areas sit right after their directory because libarchive,
//! reading front to back, only follows CE entries into the blocks that
//! immediately follow the directory it has just read.

use iso9660::date::DirDate;
use iso9660::dirrec::{DirectoryRecord, FileFlags};
use iso9660::rrip::{
    nm_flags, sl_flags, Entry, NmEntry, PnEntry, PxEntry, SlComponent, SlEntry, TfEntry, TfTime,
    RRIP_112_DESCRIPTOR, RRIP_112_ID,
};
use iso9660::susp::{CeEntry, ErEntry, SpEntry};

use crate::error::Error;
use crate::names::{iso_identifier, iso_names_at, joliet_identifier, joliet_names, SplitName};
use crate::tree::{ContentId, DataSource, DeviceKind, Metadata, NodeId, NodeKind, Tree};
use crate::BLOCK_SIZE;

/// Largest extent of one directory record of a multi-extent file: 4 GiB minus
/// one block, so every extent but the last is block aligned (ECMA-119 6.5.1).
pub const MAX_EXTENT_BYTES: u64 = 0xFFFF_F800;

/// Deepest ISO 9660 directory level (root is level 1; ECMA-119 6.8.2.1).
const MAX_ISO_LEVEL: usize = 8;

/// RRIP 1.12's ER source text without ", USA", so that the root's `.`
/// record holds ER inline (every reader checks the identifier, none the text).
const RRIP_112_SHORT_SOURCE: &[u8] =
    b"PLEASE CONTACT THE IEEE STANDARDS DEPARTMENT, PISCATAWAY, NJ FOR THE P1282 SPECIFICATION.";

/// Name of the relocation directory in the ISO tree.
const RR_MOVED: &[u8] = b"rr_moved";

const NONE: u32 = u32::MAX;

/// Options of one session's image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageOptions {
    /// LBA where the session starts (0 for a plain image).
    pub start_lba: u32,
    /// Volume name: mapped to d-characters (32) for ISO 9660, 16 UCS-2 characters for Joliet.
    pub volume_name: String,
    /// `SOURCE_DATE_EPOCH`: when set, the volume dates are this time and every
    /// file time later than it is clamped to it, so that the same tree gives
    /// byte-identical images.
    pub source_date_epoch: Option<i64>,
    /// The volume's creation time (descriptor dates), seconds since 1970;
    /// default: `source_date_epoch`, else now. Two layouts of one tree with
    /// the same time give the same bytes (a burn's verification relies on it).
    pub volume_time: Option<i64>,
    /// Write a Joliet tree (a supplementary volume descriptor).
    pub joliet: bool,
    /// Write Rock Ridge (SUSP + RRIP 1.12) system use fields in the ISO tree.
    /// Without it nothing is relocated: directories may lie deeper than 8
    /// levels (as with `mkisofs -D`), which most readers accept.
    pub rock_ridge: bool,
    pub system_id: String,
    pub application_id: String,
    pub publisher_id: String,
    /// Data preparer (`mkisofs -p`); default empty.
    pub preparer_id: String,
    /// ISO 9660 interchange level (ECMA-119 10): 1 holds names to 8.3, 2 to
    /// 30 characters, 3 (the default) also lets a file of 4 GiB or more take
    /// several extents; below 3 such a file is an error.
    pub iso_level: u8,
    /// Volume set (`mkisofs -volset`); default empty.
    pub volume_set_id: String,
    /// Record MD5 checksums as libisofs does (reference/checksums.md): a
    /// superblock tag after the descriptors, a tree tag after the ISO 9660
    /// directories, the checksum array and a session tag at the end, and the
    /// `isofs.ca` / `isofs.cx` attributes in Rock Ridge (AAIP `AL` entries).
    pub checksums: bool,
}

impl Default for ImageOptions {
    fn default() -> Self {
        ImageOptions {
            start_lba: 0,
            volume_name: "CDROM".to_string(),
            source_date_epoch: None,
            volume_time: None,
            joliet: true,
            rock_ridge: true,
            system_id: "LINUX".to_string(),
            application_id: "DISCBURN".to_string(),
            publisher_id: String::new(),
            preparer_id: String::new(),
            volume_set_id: String::new(),
            iso_level: 3,
            checksums: true,
        }
    }
}

/// Which record of a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rec {
    Dot,
    DotDot,
    Entry(u32),
}

/// What a directory entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// A directory (index into the namespace's dirs).
    Dir(u32),
    /// Placeholder of a relocated directory in its original parent (CL).
    Stub {
        node: NodeId,
        dir: u32,
    },
    File {
        node: NodeId,
        content: ContentId,
    },
    /// Symbolic link or device node.
    Other(NodeId),
}

/// Where a record's system use field lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SuInfo {
    /// Bytes in the record itself (a CE entry included).
    pub inline_len: u16,
    /// First continuation area (index into `ce_areas`), or `NONE`.
    pub ce_first: u32,
}

impl SuInfo {
    const EMPTY: SuInfo = SuInfo {
        inline_len: 0,
        ce_first: NONE,
    };
}

#[derive(Debug, Clone)]
pub(crate) struct NsEntry {
    pub ident: Box<[u8]>,
    pub target: Target,
    pub su: SuInfo,
}

#[derive(Debug, Clone)]
pub(crate) struct NsDir {
    /// The tree node, or `None` for the relocation directory.
    pub node: Option<NodeId>,
    /// Index of the parent directory in this namespace (the root is its own).
    pub parent: u32,
    /// Identifier as recorded in the parent (`\0` for the root).
    pub ident: Box<[u8]>,
    /// Lives in `rr_moved`; its Rock Ridge parent is the tree parent.
    pub relocated: bool,
    pub entries: Vec<NsEntry>,
    pub dot_su: SuInfo,
    pub dotdot_su: SuInfo,
    pub lba: u32,
    pub blocks: u32,
    /// Continuation areas of this directory's records: first LBA and block count.
    pub ce_lba: u32,
    pub ce_blocks: u32,
    /// Records owning continuation areas, in area order.
    pub ce_owners: Vec<Rec>,
}

impl NsDir {
    /// A directory with no entries yet and nothing laid out.
    fn new(node: Option<NodeId>, parent: u32, ident: Box<[u8]>, relocated: bool) -> NsDir {
        NsDir {
            node,
            parent,
            ident,
            relocated,
            entries: Vec::new(),
            dot_su: SuInfo::EMPTY,
            dotdot_su: SuInfo::EMPTY,
            lba: 0,
            blocks: 0,
            ce_lba: 0,
            ce_blocks: 0,
            ce_owners: Vec::new(),
        }
    }
}

/// One namespace: the ISO 9660 tree or the Joliet tree.
#[derive(Debug, Clone, Default)]
pub(crate) struct Namespace {
    pub dirs: Vec<NsDir>,
    pub path_table_bytes: u32,
    pub path_table_l: u32,
    pub path_table_m: u32,
}

/// A continuation area: its directory, byte offset from the start of that
/// directory's CE blocks, and length.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CeArea {
    pub dir: u32,
    pub offset: u32,
    pub len: u32,
}

/// Serialized SUSP entries of one record, with the end offset of each.
#[derive(Default)]
pub(crate) struct SuBuf {
    pub bytes: Vec<u8>,
    pub ends: Vec<usize>,
}

impl SuBuf {
    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    pub(crate) fn push(&mut self, entry: &Entry<'_>) {
        let start = self.bytes.len();
        self.bytes.resize(start + entry.buffer_len(), 0);
        entry.emit(&mut self.bytes[start..]);
        self.ends.push(self.bytes.len());
    }

    fn size(&self, from: usize, to: usize) -> usize {
        let start = if from == 0 { 0 } else { self.ends[from - 1] };
        let end = if to == 0 { 0 } else { self.ends[to - 1] };
        end - start
    }
}

/// How a record's entries are split: the first `inline` entries stay in the
/// record, the rest go to continuation areas (entry index ranges).
pub(crate) struct SuSplit {
    pub inline: usize,
    pub areas: Vec<(usize, usize)>,
}

/// Splits SUSP entries between the record (at most `cap` bytes) and
/// continuation areas of at most one block each (a CE area may not cross a
/// block boundary, as Linux isofs requires), chained by CE entries.
pub(crate) fn split_su(su: &SuBuf, cap: usize) -> SuSplit {
    let count = su.ends.len();
    if su.bytes.len() <= cap {
        return SuSplit {
            inline: count,
            areas: Vec::new(),
        };
    }
    let mut inline = 0;
    while inline < count && su.size(0, inline + 1) + CeEntry::LEN <= cap {
        inline += 1;
    }
    let mut areas = Vec::new();
    let mut from = inline;
    while from < count {
        if su.size(from, count) <= BLOCK_SIZE {
            areas.push((from, count));
            break;
        }
        let mut to = from;
        while to < count && su.size(from, to + 1) + CeEntry::LEN <= BLOCK_SIZE {
            to += 1;
        }
        areas.push((from, to));
        from = to;
    }
    SuSplit { inline, areas }
}

/// Block offsets of the session's parts (absolute LBAs).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Lbas {
    pub pvd: u32,
    pub svd: u32,
    pub terminator: u32,
    /// Checksum tags and array (0 without checksums).
    pub sb_tag: u32,
    pub tree_tag: u32,
    pub data: u32,
    pub zero: u32,
    pub md5_array: u32,
    pub session_tag: u32,
    pub end: u32,
}

/// A laid-out session: everything needed to produce its sectors.
pub struct Layout {
    pub(crate) tree: Tree,
    pub(crate) opts: ImageOptions,
    pub(crate) volume_time: i64,
    pub(crate) iso: Namespace,
    pub(crate) joliet: Option<Namespace>,
    pub(crate) iso_dir_of_node: Vec<u32>,
    pub(crate) inode_of_node: Vec<u32>,
    pub(crate) inode_of_content: Vec<u32>,
    pub(crate) links_of_content: Vec<u32>,
    pub(crate) dir_links: Vec<u32>,
    pub(crate) rr_moved_inode: u32,
    pub(crate) content_lba: Vec<u32>,
    /// Host-file contents whose data this session writes, in LBA order.
    pub(crate) data_order: Vec<ContentId>,
    pub(crate) ce_areas: Vec<CeArea>,
    pub(crate) lbas: Lbas,
    /// Index of each content in the checksum array (0: none).
    pub(crate) md5_index_of_content: Vec<u32>,
    /// The contents with an index, in index order (index 1 first).
    pub(crate) md5_contents: Vec<ContentId>,
}

fn layout_err(reason: impl Into<String>) -> Error {
    Error::Layout {
        reason: reason.into(),
    }
}

fn blocks_for(bytes: u64) -> u64 {
    bytes.div_ceil(BLOCK_SIZE as u64)
}

/// Packs records of the given lengths into blocks (a record never crosses a
/// block boundary, ECMA-119 6.8.1.1); returns the number of blocks.
fn pack_blocks(lengths: impl Iterator<Item = usize>) -> u64 {
    let mut blocks = 1u64;
    let mut used = 0usize;
    for len in lengths {
        if used + len > BLOCK_SIZE {
            blocks += 1;
            used = 0;
        }
        used += len;
    }
    blocks
}

/// The extents (LBA, length) of a file of `size` bytes starting at `lba`.
pub(crate) fn extents_of(lba: u32, size: u64) -> impl Iterator<Item = (u32, u32)> {
    let count = if size <= u64::from(u32::MAX) {
        1
    } else {
        size.div_ceil(MAX_EXTENT_BYTES)
    };
    (0..count).map(move |i| {
        if count == 1 {
            (lba, size as u32)
        } else {
            let offset = i * MAX_EXTENT_BYTES;
            let len = (size - offset).min(MAX_EXTENT_BYTES);
            (
                lba.wrapping_add((offset / BLOCK_SIZE as u64) as u32),
                len as u32,
            )
        }
    })
}

fn extent_count(size: u64) -> usize {
    if size <= u64::from(u32::MAX) {
        1
    } else {
        size.div_ceil(MAX_EXTENT_BYTES) as usize
    }
}

/// Sort key of ECMA-119 9.3: file name, then extension (all d-characters sort
/// above the space padding, so a plain byte comparison is the rule).
/// Hands out Rock Ridge inode numbers (PX file serial number, RRIP 1.12 4.1.1).
struct Inodes {
    /// The highest number given so far (or kept).
    last: u32,
    honour_kept: bool,
}

impl Inodes {
    /// `kept` when there is one and it may be used, else the next new number.
    fn give(&mut self, kept: Option<u32>) -> u32 {
        match kept {
            Some(inode) if self.honour_kept => inode,
            _ => {
                self.last += 1;
                self.last
            }
        }
    }
}

fn iso_sort_key(name: &SplitName<u8>) -> (Vec<u8>, Vec<u8>) {
    (name.stem.clone(), name.ext.clone())
}

impl Layout {
    /// Lays out `tree` as a session with `opts`.
    pub fn new(tree: Tree, opts: ImageOptions) -> Result<Layout, Error> {
        let volume_time = match opts.source_date_epoch.or(opts.volume_time) {
            Some(t) => t,
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
        };
        let node_count = tree.nodes.len();
        let content_count = tree.contents.len();
        let mut layout = Layout {
            tree,
            opts,
            volume_time,
            iso: Namespace::default(),
            joliet: None,
            iso_dir_of_node: vec![NONE; node_count],
            inode_of_node: vec![0; node_count],
            inode_of_content: vec![0; content_count],
            links_of_content: vec![0; content_count],
            dir_links: vec![0; node_count],
            rr_moved_inode: 0,
            content_lba: vec![NONE; content_count],
            data_order: Vec::new(),
            ce_areas: Vec::new(),
            lbas: Lbas::default(),
            md5_index_of_content: vec![0; content_count],
            md5_contents: Vec::new(),
        };
        layout.build_iso()?;
        layout.check_level()?;
        if layout.opts.checksums {
            layout.assign_md5_indices();
        }
        if layout.opts.joliet {
            layout.joliet = Some(layout.build_joliet());
        }
        layout.size_system_use();
        layout.assign_lbas()?;
        Ok(layout)
    }

    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    pub fn options(&self) -> &ImageOptions {
        &self.opts
    }

    /// Number of blocks of the session.
    pub fn total_blocks(&self) -> u32 {
        self.lbas.end - self.opts.start_lba
    }

    /// Clamps a time to `SOURCE_DATE_EPOCH` when set.
    pub(crate) fn clamp(&self, t: i64) -> i64 {
        match self.opts.source_date_epoch {
            Some(limit) => t.min(limit),
            None => t,
        }
    }

    fn meta(&self, node: Option<NodeId>) -> Metadata {
        match node {
            Some(n) => self.tree.node(n).meta,
            // The relocation directory takes the root's owner and times.
            None => Metadata {
                mode: 0o755,
                ..self.tree.node(self.tree.root()).meta
            },
        }
    }

    pub(crate) fn record_date(&self, node: Option<NodeId>) -> DirDate {
        DirDate::from_unix(self.clamp(self.meta(node).mtime))
    }

    /// Decides which directories are relocated: those whose ISO level would
    /// exceed 8. A relocated directory sits at level 3 (`/rr_moved/NAME`).
    fn relocations(&self) -> (Vec<NodeId>, Vec<bool>) {
        let mut relocated = Vec::new();
        let mut is_relocated = vec![false; self.tree.nodes.len()];
        let mut stack = vec![(self.tree.root(), 1usize)];
        while let Some((dir, level)) = stack.pop() {
            let children: Vec<NodeId> = self
                .tree
                .children(dir)
                .filter(|(_, c)| self.tree.node(*c).kind.is_dir())
                .map(|(_, c)| c)
                .collect();
            for child in children.into_iter().rev() {
                if self.opts.rock_ridge && level + 1 > MAX_ISO_LEVEL {
                    relocated.push(child);
                    is_relocated[child.index()] = true;
                    stack.push((child, 3));
                } else {
                    stack.push((child, level + 1));
                }
            }
        }
        // Stable order for naming inside rr_moved: depth-first discovery order
        // (the stack pops children in name order).
        (relocated, is_relocated)
    }

    /// The allocator of Rock Ridge inode numbers for this tree: numbers kept
    /// from an imported session stay; new ones count up from above all of
    /// them. If the kept numbers leave no room (a hostile import), all are renumbered.
    fn inode_allocator(&self) -> Inodes {
        let tree = &self.tree;
        let kept_max = tree
            .kept_node_inodes
            .iter()
            .chain(&tree.kept_content_inodes)
            .copied()
            .max()
            .unwrap_or(0);
        let needed = (tree.nodes.len() + tree.contents.len() + 2) as u64;
        let honour_kept = u64::from(kept_max) + needed <= u64::from(u32::MAX);
        if !honour_kept {
            tracing::warn!("imported inode numbers reach {kept_max}: every inode is numbered anew");
        }
        Inodes {
            last: if honour_kept { kept_max } else { 0 },
            honour_kept,
        }
    }

    /// Builds the ISO 9660 namespace breadth first, so that directory numbers
    /// follow the path table order (ECMA-119 6.9.1).
    fn build_iso(&mut self) -> Result<(), Error> {
        let (relocated, is_relocated) = self.relocations();
        let mut inodes = self.inode_allocator();
        let root = self.tree.root();
        let mut dirs = vec![NsDir::new(Some(root), 0, Box::from(&[0u8][..]), false)];
        self.inode_of_node[root.index()] = inodes.give(self.tree.kept_node_inode(root));
        self.iso_dir_of_node[root.index()] = 0;
        let mut i = 0usize;
        while i < dirs.len() {
            // (host name, is_dir for naming, pending target, relocated child dir)
            enum Pending {
                Dir(NodeId, bool),
                Stub(NodeId),
                File(NodeId, ContentId),
                Other(NodeId),
                RrMoved,
            }
            let mut items: Vec<(&[u8], bool, Pending)> = Vec::new();
            match dirs[i].node {
                Some(node) => {
                    let mut subdirs = 0u32;
                    for (name, child) in self.tree.children(node) {
                        match &self.tree.node(child).kind {
                            NodeKind::Directory(_) => {
                                subdirs += 1;
                                if is_relocated[child.index()] {
                                    items.push((name, true, Pending::Stub(child)));
                                } else {
                                    items.push((name, true, Pending::Dir(child, false)));
                                }
                            }
                            NodeKind::File { content } => {
                                items.push((name, false, Pending::File(child, *content)))
                            }
                            _ => items.push((name, false, Pending::Other(child))),
                        }
                    }
                    self.dir_links[node.index()] = 2 + subdirs;
                    if node == root && !relocated.is_empty() {
                        items.push((RR_MOVED, true, Pending::RrMoved));
                    }
                }
                None => {
                    for &child in &relocated {
                        items.push((&self.tree.node(child).name, true, Pending::Dir(child, true)));
                    }
                }
            }
            let naming: Vec<(&[u8], bool)> = items.iter().map(|(n, d, _)| (*n, *d)).collect();
            let names = iso_names_at(&naming, self.opts.iso_level);
            let mut order: Vec<usize> = (0..items.len()).collect();
            order.sort_by_cached_key(|&k| iso_sort_key(&names[k]));
            let mut entries = Vec::with_capacity(items.len());
            for k in order {
                let (_, is_dir, pending) = &items[k];
                let ident: Box<[u8]> = iso_identifier(&names[k], *is_dir).into();
                let target = match *pending {
                    Pending::Dir(child, child_relocated) => {
                        let idx = dirs.len() as u32;
                        self.iso_dir_of_node[child.index()] = idx;
                        self.inode_of_node[child.index()] =
                            inodes.give(self.tree.kept_node_inode(child));
                        dirs.push(NsDir::new(
                            Some(child),
                            i as u32,
                            ident.clone(),
                            child_relocated,
                        ));
                        Target::Dir(idx)
                    }
                    Pending::RrMoved => {
                        let idx = dirs.len() as u32;
                        self.rr_moved_inode = inodes.give(None);
                        dirs.push(NsDir::new(None, i as u32, ident.clone(), false));
                        Target::Dir(idx)
                    }
                    Pending::Stub(child) => Target::Stub {
                        node: child,
                        dir: NONE,
                    },
                    Pending::File(child, content) => {
                        if self.inode_of_content[content.index()] == 0 {
                            self.inode_of_content[content.index()] =
                                inodes.give(self.tree.kept_content_inode(content));
                        }
                        self.links_of_content[content.index()] += 1;
                        Target::File {
                            node: child,
                            content,
                        }
                    }
                    Pending::Other(child) => {
                        self.inode_of_node[child.index()] =
                            inodes.give(self.tree.kept_node_inode(child));
                        Target::Other(child)
                    }
                };
                entries.push(NsEntry {
                    ident,
                    target,
                    su: SuInfo::EMPTY,
                });
            }
            dirs[i].entries = entries;
            i += 1;
        }
        // Resolve placeholders now that every directory has its index.
        for dir_entry in dirs.iter_mut().flat_map(|d| d.entries.iter_mut()) {
            if let Target::Stub { node, .. } = dir_entry.target {
                let dir = self.iso_dir_of_node[node.index()];
                dir_entry.target = Target::Stub { node, dir };
            }
        }
        if dirs.len() > 65535 {
            return Err(layout_err(format!(
                "{} directories exceed the 65535 a path table can number (ECMA-119 9.4.5)",
                dirs.len()
            )));
        }
        self.iso = Namespace {
            dirs,
            ..Namespace::default()
        };
        Ok(())
    }

    /// Builds the Joliet namespace from the tree as it is (no relocation).
    fn build_joliet(&self) -> Namespace {
        let root = self.tree.root();
        let mut dirs = vec![NsDir::new(Some(root), 0, Box::from(&[0u8][..]), false)];
        let mut i = 0usize;
        while i < dirs.len() {
            let node = dirs[i].node.unwrap_or(root);
            // Joliet cannot represent symbolic links and device nodes; like
            // libisofs, leave them out rather than show empty files.
            let items: Vec<(&[u8], NodeId, bool)> = self
                .tree
                .children(node)
                .filter(|(_, c)| {
                    matches!(
                        self.tree.node(*c).kind,
                        NodeKind::Directory(_) | NodeKind::File { .. }
                    )
                })
                .map(|(n, c)| (n, c, self.tree.node(c).kind.is_dir()))
                .collect();
            let naming: Vec<(&[u8], bool)> = items.iter().map(|(n, _, d)| (*n, *d)).collect();
            let names = joliet_names(&naming);
            let mut order: Vec<usize> = (0..items.len()).collect();
            order.sort_by(|&a, &b| {
                (&names[a].stem, &names[a].ext).cmp(&(&names[b].stem, &names[b].ext))
            });
            let mut entries = Vec::with_capacity(items.len());
            for k in order {
                let (_, child, is_dir) = items[k];
                let ident: Box<[u8]> = joliet_identifier(&names[k], is_dir).into();
                let target = match &self.tree.node(child).kind {
                    NodeKind::Directory(_) => {
                        let idx = dirs.len() as u32;
                        dirs.push(NsDir::new(Some(child), i as u32, ident.clone(), false));
                        Target::Dir(idx)
                    }
                    NodeKind::File { content } => Target::File {
                        node: child,
                        content: *content,
                    },
                    _ => Target::Other(child),
                };
                entries.push(NsEntry {
                    ident,
                    target,
                    su: SuInfo::EMPTY,
                });
            }
            dirs[i].entries = entries;
            i += 1;
        }
        Namespace {
            dirs,
            ..Namespace::default()
        }
    }

    /// The Rock Ridge node a record describes (`None` = the relocation directory).
    fn rr_node_of(&self, dir: &NsDir, rec: Rec) -> Option<NodeId> {
        match rec {
            Rec::Dot => dir.node,
            Rec::DotDot => {
                if dir.relocated {
                    dir.node.map(|n| self.tree.node(n).parent)
                } else {
                    self.iso.dirs[dir.parent as usize].node
                }
            }
            Rec::Entry(e) => match dir.entries[e as usize].target {
                Target::Dir(d) => self.iso.dirs[d as usize].node,
                Target::Stub { node, .. } | Target::File { node, .. } | Target::Other(node) => {
                    Some(node)
                }
            },
        }
    }

    fn push_px_tf(&self, su: &mut SuBuf, node: Option<NodeId>, content: Option<ContentId>) {
        let meta = self.meta(node);
        let (type_bits, links, serial) = match (node, content) {
            (None, _) => (0o040000, 2, self.rr_moved_inode),
            (Some(n), Some(c)) => (
                self.tree.node(n).kind.type_bits(),
                self.links_of_content[c.index()].max(1),
                self.inode_of_content[c.index()],
            ),
            (Some(n), None) => {
                let kind = &self.tree.node(n).kind;
                let links = if kind.is_dir() {
                    self.dir_links[n.index()].max(2)
                } else {
                    1
                };
                (kind.type_bits(), links, self.inode_of_node[n.index()])
            }
        };
        su.push(&Entry::Px(PxEntry {
            mode: type_bits | (meta.mode & 0o7777),
            links,
            uid: meta.uid,
            gid: meta.gid,
            serial: Some(serial),
        }));
        let mut times = [None; 7];
        let stamp = |t: i64| Some(TfTime::Short(DirDate::from_unix(self.clamp(t))));
        if self.opts.source_date_epoch.is_some() {
            // Reproducible output: access, attribute-change and creation
            // times change whenever anything reads, chmods or re-creates a
            // source, so they all take the (clamped) modification time, as
            // xorriso's SOURCE_DATE_EPOCH mode does ("set_to_mtime").
            times[TfEntry::MODIFY] = stamp(meta.mtime);
            times[TfEntry::ACCESS] = stamp(meta.mtime);
            times[TfEntry::ATTRIBUTES] = stamp(meta.mtime);
        } else {
            if let Some(b) = meta.btime {
                times[TfEntry::CREATION] = stamp(b);
            }
            times[TfEntry::MODIFY] = stamp(meta.mtime);
            times[TfEntry::ACCESS] = stamp(meta.atime);
            times[TfEntry::ATTRIBUTES] = stamp(meta.ctime);
        }
        su.push(&Entry::Tf(TfEntry {
            long_form: false,
            times,
        }));
    }

    fn push_nm(su: &mut SuBuf, name: &[u8]) {
        const MAX: usize = 250;
        let chunks: Vec<&[u8]> = name.chunks(MAX).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let flags = if i + 1 < chunks.len() {
                nm_flags::CONTINUE
            } else {
                0
            };
            su.push(&Entry::Nm(NmEntry { flags, name: chunk }));
        }
    }

    /// SL entries for a link target (RRIP 4.1.3): a leading `/` gives a ROOT
    /// component, `.` and `..` CURRENT and PARENT, and every other piece
    /// between slashes a plain component, empty ones included, so that
    /// `a//b`, `.///x` and `dir/` read back as written
    /// (`SlEntry::append_target`, as Linux joins them); components longer
    /// than an entry can hold are split with the component CONTINUE flag,
    /// entries with the entry CONTINUE flag.
    fn push_sl(su: &mut SuBuf, target: &[u8]) {
        const ENTRY_MAX: usize = 255;
        const HEADER: usize = 5;
        let mut components: Vec<(u8, &[u8])> = Vec::new();
        let mut pieces = target.split(|&b| b == b'/').peekable();
        if target.first() == Some(&b'/') {
            components.push((sl_flags::ROOT, b""));
            pieces.next(); // the empty piece before the leading `/`
            if target.len() == 1 {
                pieces.next(); // `/` alone: ROOT says it all
            }
        }
        for part in pieces {
            match part {
                b"." => components.push((sl_flags::CURRENT, b"")),
                b".." => components.push((sl_flags::PARENT, b"")),
                _ => components.push((0, part)),
            }
        }
        let mut entries: Vec<Vec<SlComponent<'_>>> = vec![Vec::new()];
        let mut used = HEADER;
        for (flags, content) in components {
            let mut rest = content;
            loop {
                // Fill each entry to the end, splitting a component across
                // entries (libarchive joins entries without a separator).
                let avail = ENTRY_MAX - used;
                if avail < 2 || (avail < 3 && !rest.is_empty()) {
                    entries.push(Vec::new());
                    used = HEADER;
                    continue;
                }
                let take = rest.len().min(avail - 2);
                let piece_flags = if take < rest.len() {
                    flags | sl_flags::CONTINUE
                } else {
                    flags
                };
                if let Some(current) = entries.last_mut() {
                    current.push(SlComponent {
                        flags: piece_flags,
                        content: &rest[..take],
                    });
                }
                used += 2 + take;
                rest = &rest[take..];
                if rest.is_empty() {
                    break;
                }
            }
        }
        let count = entries.len();
        for (i, components) in entries.into_iter().enumerate() {
            let flags = if i + 1 < count { SlEntry::CONTINUE } else { 0 };
            su.push(&Entry::Sl(SlEntry { flags, components }));
        }
    }

    /// All SUSP entries of one ISO record, CE excluded, with final LBAs where
    /// known (CL, PL); sizes never depend on LBAs.
    pub(crate) fn build_su(&self, dir_index: u32, rec: Rec, su: &mut SuBuf) {
        su.clear();
        if !self.opts.rock_ridge {
            return;
        }
        let dir = &self.iso.dirs[dir_index as usize];
        let is_root = dir_index == 0;
        if rec == Rec::Dot && is_root {
            su.push(&Entry::Sp(SpEntry { len_skp: 0 }));
            // In the record itself, not in a continuation area: ER, by which
            // Linux knows Rock Ridge (and which it would not follow to a
            // continuation area past the volume size of a later session
            // mounted with `sbsector=`: that session's areas lie at absolute
            // LBAs beyond its own size), and a Rock Ridge entry libarchive
            // sees before it decides between Rock Ridge and Joliet: NM with
            // the CURRENT flag (RRIP 4.1.4), the smallest. SP (7) + ER (180)
            // + NM (5) + CE (28) fill the 220 bytes; PX and TF continue.
            su.push(&Entry::Er(ErEntry {
                ext_version: 1,
                identifier: RRIP_112_ID,
                descriptor: RRIP_112_DESCRIPTOR,
                source: RRIP_112_SHORT_SOURCE,
            }));
            su.push(&Entry::Nm(NmEntry {
                flags: nm_flags::CURRENT,
                name: b"",
            }));
        }
        let node = self.rr_node_of(dir, rec);
        let content = match rec {
            Rec::Entry(e) => match dir.entries[e as usize].target {
                Target::File { content, .. } => Some(content),
                _ => None,
            },
            _ => None,
        };
        self.push_px_tf(su, node, content);
        // A compressed file's ZF entry (zisofs; Linux reads it in rock.c).
        if let Some(zf) = content.and_then(|c| self.tree.content(c).zisofs) {
            su.push(&Entry::Zf(zf));
        }
        match rec {
            Rec::Dot => {
                if is_root && self.opts.checksums {
                    self.push_checksum_area(su);
                }
            }
            Rec::DotDot => {
                if dir.relocated {
                    if let Some(n) = dir.node {
                        let parent = self.tree.node(n).parent;
                        let pdir = self.iso_dir_of_node[parent.index()];
                        su.push(&Entry::Pl(
                            self.iso.dirs.get(pdir as usize).map_or(0, |d| d.lba),
                        ));
                    }
                }
            }
            Rec::Entry(e) => {
                let entry = &dir.entries[e as usize];
                match node {
                    None => Self::push_nm(su, RR_MOVED),
                    Some(n) => Self::push_nm(su, &self.tree.node(n).name),
                }
                match entry.target {
                    Target::Dir(d) => {
                        let child = &self.iso.dirs[d as usize];
                        if child.relocated || child.node.is_none() {
                            su.push(&Entry::Re);
                        }
                    }
                    Target::Stub { dir, .. } => {
                        su.push(&Entry::Cl(
                            self.iso.dirs.get(dir as usize).map_or(0, |d| d.lba),
                        ));
                    }
                    Target::File { content, .. } => self.push_md5_index(su, content),
                    Target::Other(n) => match &self.tree.node(n).kind {
                        NodeKind::Symlink { target } => Self::push_sl(su, target),
                        NodeKind::Device {
                            kind: DeviceKind::Block | DeviceKind::Char,
                            rdev,
                        } => {
                            su.push(&Entry::Pn(PnEntry {
                                dev_high: (rdev >> 32) as u32,
                                dev_low: *rdev as u32,
                            }));
                        }
                        _ => {}
                    },
                }
            }
        }
    }

    /// Room for system use in a record with an identifier of `len_fi` bytes
    /// (the record must stay at most 254 bytes, an even length).
    fn su_cap(len_fi: usize) -> usize {
        254 - DirectoryRecord::header_len(len_fi)
    }

    /// Computes every ISO record's system use size and allocates continuation areas.
    fn size_system_use(&mut self) {
        let mut su = SuBuf::default();
        let mut areas = Vec::new();
        // Per directory: `.`, `..`, entries, CE owners, CE blocks.
        type DirSu = (SuInfo, SuInfo, Vec<SuInfo>, Vec<Rec>, u32);
        let mut infos: Vec<DirSu> = Vec::with_capacity(self.iso.dirs.len());
        for d in 0..self.iso.dirs.len() as u32 {
            let mut ce_pos = 0u32;
            let mut owners = Vec::new();
            let mut one = |rec: Rec, len_fi: usize, su: &mut SuBuf| -> SuInfo {
                self.build_su(d, rec, su);
                let split = split_su(su, Self::su_cap(len_fi));
                let mut inline_len = su.size(0, split.inline);
                let mut ce_first = NONE;
                if !split.areas.is_empty() {
                    inline_len += CeEntry::LEN;
                    ce_first = areas.len() as u32;
                    owners.push(rec);
                    let n = split.areas.len();
                    for (k, &(from, to)) in split.areas.iter().enumerate() {
                        let len =
                            (su.size(from, to) + if k + 1 < n { CeEntry::LEN } else { 0 }) as u32;
                        if ce_pos % BLOCK_SIZE as u32 + len > BLOCK_SIZE as u32 {
                            ce_pos = ce_pos.div_ceil(BLOCK_SIZE as u32) * BLOCK_SIZE as u32;
                        }
                        areas.push(CeArea {
                            dir: d,
                            offset: ce_pos,
                            len,
                        });
                        ce_pos += len;
                    }
                }
                SuInfo {
                    inline_len: inline_len as u16,
                    ce_first,
                }
            };
            let dot = one(Rec::Dot, 1, &mut su);
            let dotdot = one(Rec::DotDot, 1, &mut su);
            let entries: Vec<SuInfo> = (0..self.iso.dirs[d as usize].entries.len())
                .map(|e| {
                    one(
                        Rec::Entry(e as u32),
                        self.iso.dirs[d as usize].entries[e].ident.len(),
                        &mut su,
                    )
                })
                .collect();
            infos.push((
                dot,
                dotdot,
                entries,
                owners,
                ce_pos.div_ceil(BLOCK_SIZE as u32),
            ));
        }
        for (dir, (dot, dotdot, entries, owners, ce_blocks)) in self.iso.dirs.iter_mut().zip(infos)
        {
            dir.dot_su = dot;
            dir.dotdot_su = dotdot;
            dir.ce_owners = owners;
            dir.ce_blocks = ce_blocks;
            for (entry, info) in dir.entries.iter_mut().zip(entries) {
                entry.su = info;
            }
        }
        self.ce_areas = areas;
    }

    /// Lengths of a directory's records, in order, `.` and `..` first.
    fn record_lengths<'a>(&'a self, dir: &'a NsDir) -> impl Iterator<Item = usize> + 'a {
        let rec_len = |len_fi: usize, su: SuInfo| {
            let len = DirectoryRecord::header_len(len_fi) + usize::from(su.inline_len);
            len + (len & 1)
        };
        [rec_len(1, dir.dot_su), rec_len(1, dir.dotdot_su)]
            .into_iter()
            .chain(dir.entries.iter().flat_map(move |e| {
                std::iter::repeat_n(rec_len(e.ident.len(), e.su), self.record_count(e.target))
            }))
    }

    fn path_table_bytes(ns: &Namespace) -> u64 {
        ns.dirs
            .iter()
            .map(|d| iso9660::path_table::PathTableRecord::len_for(d.ident.len()) as u64)
            .sum()
    }

    fn assign_lbas(&mut self) -> Result<(), Error> {
        let start = u64::from(self.opts.start_lba);
        let mut lba = start + 16;
        let mut take = |n: u64| {
            let at = lba;
            lba += n;
            at
        };
        self.lbas.pvd = take(1) as u32;
        if self.joliet.is_some() {
            self.lbas.svd = take(1) as u32;
        }
        self.lbas.terminator = take(1) as u32;
        if self.opts.checksums {
            // Directly after the terminator (checksums.md trap T4: S+16..S+31).
            self.lbas.sb_tag = take(1) as u32;
        }
        let iso_pt = Self::path_table_bytes(&self.iso);
        let jol_pt = self.joliet.as_ref().map_or(0, Self::path_table_bytes);
        self.iso.path_table_bytes = iso_pt as u32;
        self.iso.path_table_l = take(blocks_for(iso_pt)) as u32;
        self.iso.path_table_m = take(blocks_for(iso_pt)) as u32;
        if let Some(j) = self.joliet.as_mut() {
            j.path_table_bytes = jol_pt as u32;
            j.path_table_l = take(blocks_for(jol_pt)) as u32;
            j.path_table_m = take(blocks_for(jol_pt)) as u32;
        }
        // Directory sizes do not depend on LBAs.
        let iso_blocks: Vec<u64> = self
            .iso
            .dirs
            .iter()
            .map(|d| pack_blocks(self.record_lengths(d)))
            .collect();
        let jol_blocks: Vec<u64> = self
            .joliet
            .as_ref()
            .map(|j| {
                j.dirs
                    .iter()
                    .map(|d| pack_blocks(self.record_lengths(d)))
                    .collect()
            })
            .unwrap_or_default();
        // A directory's length is a 32-bit field (ECMA-119 9.1.4).
        let max_dir_blocks = u64::from(u32::MAX) / BLOCK_SIZE as u64;
        if let Some(blocks) = iso_blocks
            .iter()
            .chain(&jol_blocks)
            .find(|&&b| b > max_dir_blocks)
        {
            return Err(layout_err(format!(
                "a directory would need {blocks} blocks, more than a directory record can describe"
            )));
        }
        for (dir, blocks) in self.iso.dirs.iter_mut().zip(iso_blocks) {
            dir.lba = take(blocks) as u32;
            dir.blocks = blocks as u32;
            dir.ce_lba = take(u64::from(dir.ce_blocks)) as u32;
        }
        if self.opts.checksums {
            // After the ECMA-119 tree: covers it and both path tables.
            self.lbas.tree_tag = take(1) as u32;
        }
        if let Some(j) = self.joliet.as_mut() {
            for (dir, blocks) in j.dirs.iter_mut().zip(jol_blocks) {
                dir.lba = take(blocks) as u32;
                dir.blocks = blocks as u32;
            }
        }
        self.lbas.data = lba as u32;
        // File data in depth-first order of the tree, each content once.
        let mut stack = vec![self.tree.root()];
        let mut order = Vec::new();
        while let Some(dir) = stack.pop() {
            let children: Vec<NodeId> = self.tree.children(dir).map(|(_, c)| c).collect();
            for &child in &children {
                if let NodeKind::File { content } = &self.tree.node(child).kind {
                    let c = content.index();
                    if self.content_lba[c] == NONE {
                        match &self.tree.content(*content).data {
                            data @ (DataSource::HostFile { .. } | DataSource::Bytes(_)) => {
                                self.content_lba[c] = lba.min(u64::from(u32::MAX)) as u32;
                                lba += blocks_for(data.size());
                                order.push(*content);
                            }
                            DataSource::Extent { lba: at, .. } => self.content_lba[c] = *at,
                            DataSource::Extents(_) => {}
                            DataSource::Empty => {}
                        }
                        if lba > u64::from(u32::MAX) {
                            return Err(layout_err("the image would exceed 2^32 blocks (8 TiB)"));
                        }
                    }
                }
            }
            for &child in children.iter().rev() {
                if self.tree.node(child).kind.is_dir() {
                    stack.push(child);
                }
            }
        }
        self.data_order = order;
        self.lbas.zero = lba as u32;
        lba += 1;
        if self.opts.checksums {
            self.lbas.md5_array = lba as u32;
            lba += u64::from(self.md5_area().blocks());
            self.lbas.session_tag = lba as u32;
            lba += 1;
        }
        if lba > u64::from(u32::MAX) {
            return Err(layout_err("the image would exceed 2^32 blocks (8 TiB)"));
        }
        for (c, slot) in self.content_lba.iter_mut().enumerate() {
            if *slot == NONE && self.tree.contents[c].data == DataSource::Empty {
                *slot = self.lbas.zero;
            }
        }
        self.lbas.end = lba as u32;
        Ok(())
    }

    /// Below level 3 a file is one extent (ECMA-119 10.1, 10.2): one of 4 GiB
    /// or more is an error naming it.
    fn check_level(&self) -> Result<(), Error> {
        if !(1..=3).contains(&self.opts.iso_level) {
            return Err(layout_err(format!(
                "ISO 9660 level {} does not exist (1, 2 or 3)",
                self.opts.iso_level
            )));
        }
        if self.opts.iso_level == 3 {
            return Ok(());
        }
        for dir in &self.iso.dirs {
            for entry in &dir.entries {
                if let Target::File { node, .. } = entry.target {
                    if self.record_count(entry.target) > 1 {
                        return Err(layout_err(format!(
                            "{} is 4 GiB or more: it needs ISO 9660 level 3 (several extents), \
                             not level {}",
                            self.tree.path_of(node),
                            self.opts.iso_level
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// Number of directory records of an entry (files over 4 GiB take several).
    fn record_count(&self, target: Target) -> usize {
        match target {
            Target::File { content, .. } => match &self.tree.content(content).data {
                DataSource::Extents(pieces) => pieces.len().max(1),
                data => extent_count(data.size()),
            },
            _ => 1,
        }
    }

    /// The extents (LBA, length) of a record's target, one per directory record.
    fn record_extents(&self, ns: &Namespace, target: Target) -> Vec<(u32, u32)> {
        match target {
            Target::Dir(d) => {
                let dir = &ns.dirs[d as usize];
                vec![(dir.lba, dir.blocks * BLOCK_SIZE as u32)]
            }
            Target::File { content, .. } => match &self.tree.content(content).data {
                DataSource::Extents(pieces) if !pieces.is_empty() => {
                    pieces.iter().map(|p| (p.lba, p.len)).collect()
                }
                DataSource::Extents(_) => vec![(self.lbas.zero, 0)],
                data => {
                    let lba = self.content_lba[content.index()];
                    let lba = if lba == NONE { self.lbas.zero } else { lba };
                    extents_of(lba, data.size()).collect()
                }
            },
            Target::Stub { .. } | Target::Other(_) => vec![(self.lbas.zero, 0)],
        }
    }

    /// Writes directory `index` of the ISO (`joliet == false`) or Joliet namespace.
    pub(crate) fn emit_directory(&self, joliet: bool, index: u32, out: &mut Vec<u8>) {
        let ns = if joliet {
            self.joliet.as_ref().unwrap_or(&self.iso)
        } else {
            &self.iso
        };
        let dir = &ns.dirs[index as usize];
        let base = out.len();
        out.resize(base + dir.blocks as usize * BLOCK_SIZE, 0);
        let mut su = SuBuf::default();
        let mut inline = Vec::new();
        let mut pos = 0usize;
        let mut put = |out: &mut Vec<u8>, rec: &DirectoryRecord<'_>| {
            let len = rec.buffer_len();
            if pos % BLOCK_SIZE + len > BLOCK_SIZE {
                pos = pos.div_ceil(BLOCK_SIZE) * BLOCK_SIZE;
            }
            rec.emit(&mut out[base + pos..]);
            pos += len;
        };
        let parent = &ns.dirs[dir.parent as usize];
        let specials = [
            (Rec::Dot, dir.node, dir.lba, dir.blocks, dir.dot_su),
            (
                Rec::DotDot,
                parent.node,
                parent.lba,
                parent.blocks,
                dir.dotdot_su,
            ),
        ];
        for (rec, node, lba, blocks, info) in specials {
            self.inline_su(joliet, index, rec, info, &mut su, &mut inline);
            let date_node = if rec == Rec::DotDot && dir.relocated {
                parent.node
            } else {
                node
            };
            put(
                out,
                &DirectoryRecord {
                    ext_attr_len: 0,
                    extent: lba,
                    data_len: blocks * BLOCK_SIZE as u32,
                    date: self.record_date(date_node),
                    flags: FileFlags(FileFlags::DIRECTORY),
                    file_unit_size: 0,
                    interleave_gap: 0,
                    volume_sequence: 1,
                    file_id: if rec == Rec::Dot { &[0] } else { &[1] },
                    system_use: &inline,
                },
            );
        }
        for (e, entry) in dir.entries.iter().enumerate() {
            self.inline_su(
                joliet,
                index,
                Rec::Entry(e as u32),
                entry.su,
                &mut su,
                &mut inline,
            );
            let node = match entry.target {
                Target::Dir(d) => ns.dirs[d as usize].node,
                Target::Stub { node, .. } | Target::File { node, .. } | Target::Other(node) => {
                    Some(node)
                }
            };
            let dir_flag = if matches!(entry.target, Target::Dir(_)) {
                FileFlags::DIRECTORY
            } else {
                0
            };
            let extents = self.record_extents(ns, entry.target);
            let last = extents.len() - 1;
            for (k, (extent, len)) in extents.into_iter().enumerate() {
                let multi = if k < last { FileFlags::MULTI_EXTENT } else { 0 };
                put(
                    out,
                    &DirectoryRecord {
                        ext_attr_len: 0,
                        extent,
                        data_len: len,
                        date: self.record_date(node),
                        flags: FileFlags(dir_flag | multi),
                        file_unit_size: 0,
                        interleave_gap: 0,
                        volume_sequence: 1,
                        file_id: &entry.ident,
                        system_use: &inline,
                    },
                );
            }
        }
    }

    /// The bytes of a record's system use field (with a CE entry when it continues).
    fn inline_su(
        &self,
        joliet: bool,
        dir: u32,
        rec: Rec,
        info: SuInfo,
        su: &mut SuBuf,
        out: &mut Vec<u8>,
    ) {
        out.clear();
        if joliet || !self.opts.rock_ridge {
            return;
        }
        self.build_su(dir, rec, su);
        let len_fi = match rec {
            Rec::Entry(e) => self.iso.dirs[dir as usize].entries[e as usize].ident.len(),
            _ => 1,
        };
        let split = split_su(su, Self::su_cap(len_fi));
        out.extend_from_slice(&su.bytes[..su.size(0, split.inline)]);
        if info.ce_first != NONE {
            out.extend_from_slice(&self.ce_entry_bytes(info.ce_first));
        }
    }

    fn ce_entry_bytes(&self, area: u32) -> [u8; CeEntry::LEN] {
        let a = self.ce_areas[area as usize];
        let mut bytes = [0u8; CeEntry::LEN];
        let ce_lba = self.iso.dirs[a.dir as usize].ce_lba;
        CeEntry {
            block: ce_lba + a.offset / BLOCK_SIZE as u32,
            offset: a.offset % BLOCK_SIZE as u32,
            length: a.len,
        }
        .emit(&mut bytes);
        bytes
    }

    /// Writes the continuation areas of ISO directory `dir`'s records.
    pub(crate) fn emit_ce_blocks(&self, dir: u32, out: &mut Vec<u8>) {
        let d = &self.iso.dirs[dir as usize];
        let base = out.len();
        out.resize(base + d.ce_blocks as usize * BLOCK_SIZE, 0);
        let mut su = SuBuf::default();
        for &rec in &d.ce_owners {
            let (info, len_fi) = match rec {
                Rec::Dot => (d.dot_su, 1),
                Rec::DotDot => (d.dotdot_su, 1),
                Rec::Entry(e) => (d.entries[e as usize].su, d.entries[e as usize].ident.len()),
            };
            self.build_su(dir, rec, &mut su);
            let split = split_su(&su, Self::su_cap(len_fi));
            let n = split.areas.len();
            for (k, &(from, to)) in split.areas.iter().enumerate() {
                let area_index = info.ce_first + k as u32;
                let area = self.ce_areas[area_index as usize];
                let start = if from == 0 { 0 } else { su.ends[from - 1] };
                let bytes = &su.bytes[start..su.ends[to - 1]];
                let at = base + area.offset as usize;
                out[at..at + bytes.len()].copy_from_slice(bytes);
                if k + 1 < n {
                    let ce = self.ce_entry_bytes(area_index + 1);
                    out[at + bytes.len()..at + bytes.len() + ce.len()].copy_from_slice(&ce);
                }
            }
        }
    }

    /// Writes a path table (ECMA-119 9.4) of the ISO or Joliet namespace.
    pub(crate) fn emit_path_table(&self, joliet: bool, big_endian: bool, out: &mut Vec<u8>) {
        use iso9660::path_table::{PathTableEndian, PathTableRecord};
        let ns = if joliet {
            self.joliet.as_ref().unwrap_or(&self.iso)
        } else {
            &self.iso
        };
        let base = out.len();
        out.resize(
            base + blocks_for(u64::from(ns.path_table_bytes)) as usize * BLOCK_SIZE,
            0,
        );
        let endian = if big_endian {
            PathTableEndian::Big
        } else {
            PathTableEndian::Little
        };
        let mut at = base;
        for dir in &ns.dirs {
            let rec = PathTableRecord {
                ext_attr_len: 0,
                extent: dir.lba,
                parent: (dir.parent + 1) as u16,
                dir_id: &dir.ident,
            };
            rec.emit(&mut out[at..], endian);
            at += rec.buffer_len();
        }
    }

    /// Writes the primary (`joliet == false`) or Joliet supplementary descriptor.
    pub(crate) fn emit_descriptor(&self, joliet: bool, out: &mut Vec<u8>) {
        use iso9660::names::{pad_field, pad_field_ucs2, to_a_chars, to_d_chars};
        use iso9660::volume::VolumeDescriptor;
        use iso9660::VolumeDate;
        let ns = if joliet {
            self.joliet.as_ref().unwrap_or(&self.iso)
        } else {
            &self.iso
        };
        let root = &ns.dirs[0];
        let mut vd = VolumeDescriptor::blank(joliet);
        let text = |field: &mut [u8], value: &str, d_chars: bool| {
            if joliet {
                pad_field_ucs2(field, value);
            } else if d_chars {
                pad_field(field, &to_d_chars(value.as_bytes()));
            } else {
                pad_field(field, &to_a_chars(value.as_bytes()));
            }
        };
        text(&mut vd.system_id, &self.opts.system_id, false);
        text(&mut vd.volume_id, &self.opts.volume_name, true);
        text(&mut vd.application_id, &self.opts.application_id, false);
        text(&mut vd.publisher_id, &self.opts.publisher_id, false);
        text(&mut vd.preparer_id, &self.opts.preparer_id, false);
        text(&mut vd.volume_set_id, &self.opts.volume_set_id, true);
        // The session's own size, not its end: a later session's descriptors
        // describe only that session (libisofs, genisoimage; multisession.md §1.1).
        vd.volume_space_size = self.lbas.end - self.opts.start_lba;
        vd.path_table_size = ns.path_table_bytes;
        vd.l_path_table = ns.path_table_l;
        vd.m_path_table = ns.path_table_m;
        vd.root_extent = root.lba;
        vd.root_data_len = root.blocks * BLOCK_SIZE as u32;
        vd.root_date = self.record_date(root.node);
        let now = VolumeDate::from_unix(self.volume_time);
        vd.creation_date = now;
        vd.modification_date = now;
        let base = out.len();
        out.resize(base + BLOCK_SIZE, 0);
        vd.emit(&mut out[base..]);
    }

    /// Number of directories in the ISO tree (the relocation directory included).
    pub fn iso_directory_count(&self) -> usize {
        self.iso.dirs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extents_split_at_4gib_minus_one_block() {
        assert_eq!(extents_of(10, 5).collect::<Vec<_>>(), vec![(10, 5)]);
        assert_eq!(extents_of(10, u64::from(u32::MAX)).count(), 1);
        let size = 4500u64 << 20;
        let ex: Vec<_> = extents_of(100, size).collect();
        assert_eq!(ex.len(), 2);
        assert_eq!(ex[0], (100, MAX_EXTENT_BYTES as u32));
        assert_eq!(ex[1].0, 100 + (MAX_EXTENT_BYTES / 2048) as u32);
        assert_eq!(u64::from(ex[0].1) + u64::from(ex[1].1), size);
    }

    #[test]
    fn su_split_fits_blocks() {
        let mut su = SuBuf::default();
        for _ in 0..30 {
            Layout::push_nm(&mut su, &[b'x'; 250]);
        }
        let split = split_su(&su, 200);
        assert_eq!(split.inline, 0);
        for &(from, to) in &split.areas {
            assert!(su.size(from, to) <= BLOCK_SIZE);
            assert!(to > from);
        }
        assert_eq!(split.areas.last().unwrap().1, 30);
        let mut small = SuBuf::default();
        Layout::push_nm(&mut small, b"abc");
        let s = split_su(&small, 200);
        assert_eq!((s.inline, s.areas.len()), (1, 0));
    }

    #[test]
    fn sl_components_and_long_targets() {
        let mut su = SuBuf::default();
        Layout::push_sl(&mut su, b"/usr/../lib/./x");
        assert_eq!(su.ends.len(), 1);
        let Entry::Sl(sl) = Entry::parse_bytes(&su.bytes).unwrap() else {
            panic!("not SL")
        };
        let flags: Vec<u8> = sl.components.iter().map(|c| c.flags).collect();
        assert_eq!(
            flags,
            vec![sl_flags::ROOT, 0, sl_flags::PARENT, 0, sl_flags::CURRENT, 0]
        );
        // a 600-byte component across several entries
        let long = vec![b'a'; 600];
        let mut su = SuBuf::default();
        Layout::push_sl(&mut su, &long);
        assert!(su.ends.len() >= 3);
        let mut rebuilt = Vec::new();
        let mut start = 0;
        for (i, &end) in su.ends.iter().enumerate() {
            let Entry::Sl(sl) = Entry::parse_bytes(&su.bytes[start..end]).unwrap() else {
                panic!("not SL")
            };
            assert_eq!(sl.flags & SlEntry::CONTINUE != 0, i + 1 < su.ends.len());
            for c in &sl.components {
                rebuilt.extend_from_slice(c.content);
            }
            start = end;
        }
        assert_eq!(rebuilt, long);
    }

    /// The target SL entries of `su` read back as (`SlEntry::append_target`).
    fn read_sl(su: &SuBuf) -> Vec<u8> {
        let mut target = Vec::new();
        let mut start = 0;
        for &end in &su.ends {
            let Entry::Sl(sl) = Entry::parse_bytes(&su.bytes[start..end]).unwrap() else {
                panic!("not SL")
            };
            sl.append_target(&mut target);
            start = end;
        }
        target
    }

    #[test]
    fn sl_targets_of_every_shape_read_back_as_written() {
        let long_component = format!("x/{}/y", "b".repeat(700));
        let many = "abc/".repeat(300);
        for target in [
            "plain",
            "/",
            "/etc/hosts",
            "./x",
            "../../up",
            ".///file",
            "/tmp//..",
            "a//b",
            "//x",
            "dir/",
            "dir//",
            "/./.",
            long_component.as_str(),
            many.as_str(),
        ] {
            let mut su = SuBuf::default();
            Layout::push_sl(&mut su, target.as_bytes());
            assert_eq!(
                String::from_utf8(read_sl(&su)).unwrap(),
                target,
                "{target:?} in {} SL entries",
                su.ends.len()
            );
        }
    }

    #[test]
    fn packing_never_crosses_blocks() {
        assert_eq!(pack_blocks([34, 34].into_iter()), 1);
        assert_eq!(pack_blocks(std::iter::repeat_n(254, 8)), 1);
        assert_eq!(pack_blocks(std::iter::repeat_n(254, 9)), 2);
    }

    #[test]
    fn files_of_earlier_sessions_keep_their_extents() {
        use crate::tree::{MediumExtent, Metadata, NodeKind};
        let mut tree = Tree::new();
        let meta = Metadata::synthetic(0o644, 0);
        let one = tree.add_content(DataSource::Extent { lba: 500, size: 10 });
        let two = tree.add_content(DataSource::Extents(vec![
            MediumExtent {
                lba: 600,
                len: 2048,
            },
            MediumExtent { lba: 900, len: 5 },
        ]));
        tree.add_node(tree.root(), b"old", NodeKind::File { content: one }, meta)
            .unwrap();
        tree.add_node(
            tree.root(),
            b"pieces",
            NodeKind::File { content: two },
            meta,
        )
        .unwrap();
        let opts = ImageOptions {
            start_lba: 1000,
            ..ImageOptions::default()
        };
        let layout = Layout::new(tree, opts).unwrap();
        assert!(layout.data_order.is_empty(), "nothing to copy");
        for joliet in [false, true] {
            let mut out = Vec::new();
            layout.emit_directory(joliet, 0, &mut out);
            let recs: Vec<(u32, u32, u8)> = iso9660::dirrec::RecordIter::new(&out)
                .map(|r| r.unwrap().1)
                .filter(|r| !r.is_dot() && !r.is_dotdot())
                .map(|r| (r.extent, r.data_len, r.flags.0))
                .collect();
            assert_eq!(
                recs,
                vec![(500, 10, 0), (600, 2048, 0x80), (900, 5, 0)],
                "joliet={joliet}"
            );
        }
        assert!(layout.iso.dirs[0].lba >= 1016);
    }
}
