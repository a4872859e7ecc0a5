//! The ISO 9660 and Joliet namespaces of a session: names, sort order,
//! relocation of deep directories and Rock Ridge inode numbers.

use crate::error::Error;
use crate::names::{iso_identifier, iso_names_at, joliet_identifier, joliet_names, SplitName};
use crate::tree::{ContentId, NodeId, NodeKind};

use super::{layout_err, Layout, SuInfo, MAX_ISO_LEVEL, NONE, RR_MOVED};

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

/// Sort key of ECMA-119 9.3: file name, then extension (all d-characters sort
/// above the space padding, so a plain byte comparison is the rule).
fn iso_sort_key(name: &SplitName<u8>) -> (Vec<u8>, Vec<u8>) {
    (name.stem.clone(), name.ext.clone())
}

impl Layout {
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
    pub(super) fn build_iso(&mut self) -> Result<(), Error> {
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
    pub(super) fn build_joliet(&self) -> Namespace {
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
}
