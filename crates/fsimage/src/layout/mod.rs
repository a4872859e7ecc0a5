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

mod emit;
mod namespace;
mod susp;
#[cfg(test)]
mod tests;
mod udf;
mod udf_emit;

pub(crate) use namespace::{Namespace, NsDir, Rec, Target};
pub(crate) use susp::{CeArea, SuBuf, SuInfo};
pub use udf::{UdfOptions, UdfSummary};
pub(crate) use udf::{UdfPlan, VDS_BLOCKS as UDF_VDS_BLOCKS};

use iso9660::date::DirDate;
use iso9660::dirrec::DirectoryRecord;

use crate::error::Error;
use crate::tree::{ContentId, DataSource, Metadata, NodeId, NodeKind, Tree};
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
    /// Add a UDF bridge (reference/udf.md §2) sharing the file data.
    pub udf: Option<UdfOptions>,
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
            udf: None,
        }
    }
}

/// Block offsets of the session's parts (absolute LBAs).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Lbas {
    pub pvd: u32,
    pub svd: u32,
    pub terminator: u32,
    /// UDF volume recognition sequence (0 without UDF).
    pub vrs: u32,
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
    /// The UDF bridge, when asked for.
    pub(crate) udf: Option<UdfPlan>,
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
            udf: None,
        };
        layout.build_iso()?;
        layout.check_level()?;
        layout.build_udf()?;
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

    /// The UDF bridge of the session, when it has one.
    pub fn udf_summary(&self) -> Option<UdfSummary> {
        self.udf.as_ref().map(|plan| UdfSummary {
            revision: plan.revision(),
            files: plan.files,
            directories: plan.directories.saturating_sub(1),
            partition_start: plan.partition_start,
        })
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
        if self.udf.is_some() {
            // Directly after the terminator: a VRS scan stops at the first
            // sector that is no descriptor (udf.md §1.4).
            self.lbas.vrs = take(3) as u32;
        }
        if self.opts.checksums {
            // Directly after the terminator (checksums.md trap T4: S+16..S+31).
            self.lbas.sb_tag = take(1) as u32;
        }
        let mut lba = self.place_udf_volume(self.lbas.vrs, lba)?;
        let mut take = |n: u64| {
            let at = lba;
            lba += n;
            at
        };
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
        // The UDF end anchor before the checksum area: 7-Zip looks for it
        // right after the last file extent, past zero blocks only.
        self.place_udf_end(&mut lba)?;
        if self.opts.checksums {
            self.lbas.md5_array = lba as u32;
            lba += u64::from(self.md5_area().blocks());
            self.lbas.session_tag = lba as u32;
            lba += 1;
        }
        self.place_udf_last(&mut lba);
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

    /// Number of directories in the ISO tree (the relocation directory included).
    pub fn iso_directory_count(&self) -> usize {
        self.iso.dirs.len()
    }
}
