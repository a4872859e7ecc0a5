//! The UDF side of a bridge session (`burn --udf`; reference/udf.md §1.12, §2):
//! one file entry per directory, file and (optionally) symbolic link, the
//! directories' FIDs, and where every UDF structure goes. File data is not
//! copied: each file entry's allocation descriptors point at the extents the
//! ISO 9660 layout gave the file, so all trees share one copy.
//!
//! Blocks of a session at `S` (udf.md §2):
//!
//! | blocks | content |
//! |---|---|
//! | after the ISO terminator | BEA01, NSR02/NSR03, TEA01 (no gap: a VRS scan stops at the first non-descriptor) |
//! | `S+32`, `S+48` | main and reserve volume descriptor sequence (16 blocks each) |
//! | `S+64`, `S+65` | logical volume integrity descriptor, terminator |
//! | 256 (absolute) | an anchor, when block 256 falls in this session's gap (an image file's session 1 at 32): readers of image files look only there |
//! | `S+256` | the session's anchor (tag location absolute, udf.md §1.1) |
//! | `S+257` | file set descriptor, terminator, file entries, directory FIDs; then the ISO 9660 structures and file data |
//! | last | an anchor (the "last block" Linux and udfinfo try) |
//!
//! The one partition is Type 1, read-only (udf.md §6), and starts at
//! `UdfOptions::partition_start` (default: `S+257`), so a later session can
//! keep pointing at this session's data.

use crate::error::Error;
use crate::tree::{DataSource, NodeId, NodeKind};
use crate::BLOCK_SIZE;

use super::{blocks_for, layout_err, Layout};

/// Largest extent of one allocation descriptor except the last: 30 bits of
/// length rounded down to whole blocks (udf.md §1.9, §5.5).
pub const MAX_AD_BYTES: u64 = 0x3FFF_F800;

/// Short allocation descriptors that fit in one extended file entry's block
/// (udf.md §1.9; 7-Zip does not follow allocation extent descriptors).
const MAX_ADS: usize = (BLOCK_SIZE - udf::file::FileEntry::EFE_FIXED) / 8;

/// Longest file identifier, compression ID included (L_FI is one byte).
const MAX_NAME_BYTES: usize = 255;

/// What `burn --udf` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdfOptions {
    /// 2.01 (default) or 1.02.
    pub revision: udf::Revision,
    /// Keep symbolic links in the UDF tree (7-Zip refuses a volume with one).
    pub symlinks: bool,
    /// First block of the partition; `None`: right after this session's anchor.
    pub partition_start: Option<u32>,
}

impl Default for UdfOptions {
    fn default() -> Self {
        UdfOptions {
            revision: udf::Revision::V2_01,
            symlinks: false,
            partition_start: None,
        }
    }
}

/// What a session's UDF bridge holds, for the burn report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdfSummary {
    pub revision: udf::Revision,
    /// Entries other than directories (files, and symbolic links when kept).
    pub files: u32,
    /// Directories below the root.
    pub directories: u32,
    /// First block of the partition (the first session's start on an append).
    pub partition_start: u32,
}

/// One object of the UDF tree.
#[derive(Debug, Clone)]
pub(crate) struct UdfItem {
    pub node: NodeId,
    /// Index of the parent directory's item (the root is its own).
    pub parent: u32,
    pub unique_id: u64,
    /// LBA of its file entry.
    pub icb_lba: u32,
    /// Directories: (CS0 name, item) of each entry, in name order.
    pub children: Vec<(Vec<u8>, u32)>,
    /// Directories: LBA and byte length of the FIDs.
    pub dir_lba: u32,
    pub dir_bytes: u64,
    /// Directories: how many entries are directories.
    pub subdirs: u32,
}

/// Where the UDF structures of a session go.
#[derive(Debug, Clone, Default)]
pub(crate) struct UdfPlan {
    pub revision: Option<udf::Revision>,
    pub partition_start: u32,
    pub vrs: u32,
    pub main_vds: u32,
    pub reserve_vds: u32,
    pub lvid: u32,
    /// Anchors inside the session (not the one at its end).
    pub anchors: Vec<u32>,
    pub end_anchor: u32,
    /// With checksums, one more anchor as the session's very last block
    /// (after the checksum area), where udfinfo and Linux look too.
    pub last_anchor: Option<u32>,
    pub fsd: u32,
    pub items: Vec<UdfItem>,
    pub files: u32,
    pub directories: u32,
}

pub(crate) const VDS_BLOCKS: u32 = 16;

impl UdfPlan {
    pub fn revision(&self) -> udf::Revision {
        self.revision.unwrap_or(udf::Revision::V2_01)
    }

    /// Partition block of an absolute LBA.
    pub fn lbn(&self, lba: u32) -> u32 {
        lba - self.partition_start
    }
}

/// A CS0 name of at most 255 bytes; a longer one is cut at a character
/// boundary (Linux itself cuts there, udf.md §5.4).
fn udf_name(raw: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(raw);
    let mut name = udf::cs0::encode(&text);
    if name.len() > MAX_NAME_BYTES {
        let mut cut: String = String::new();
        for c in text.chars() {
            let mut next = cut.clone();
            next.push(c);
            if udf::cs0::encoded_len(&next) > MAX_NAME_BYTES {
                break;
            }
            cut = next;
        }
        name = udf::cs0::encode(&cut);
    }
    name
}

/// Names of one directory made unique after CS0 encoding and cutting (UDF
/// 2.3.4.6): a clash gets `~N` before the cut point.
fn unique_names(names: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let mut candidate = name.clone();
        let mut n = 1u32;
        while !seen.insert(candidate.clone()) {
            let text = udf::cs0::decode(&name).unwrap_or_default();
            let suffix = format!("~{n}");
            let mut base: String = text.clone();
            while udf::cs0::encoded_len(&base) + suffix.len() * 2 > MAX_NAME_BYTES {
                base.pop();
            }
            candidate = udf::cs0::encode(&format!("{base}{suffix}"));
            n += 1;
        }
        out.push(candidate);
    }
    out
}

/// Padded length of a FID with a name of `l_fi` bytes, and the
/// implementation-use bytes it needs so that the next FID's tag does not
/// cross a block (UDF 2.3.4.4): `pos` is its offset in the directory.
pub(crate) fn fid_shape(pos: u64, l_fi: usize, last: bool) -> (usize, usize) {
    let len = udf::file::FileIdentifier::padded_len(0, l_fi);
    let end = pos + len as u64;
    let rest = (BLOCK_SIZE as u64 - end % BLOCK_SIZE as u64) % BLOCK_SIZE as u64;
    if !last && rest != 0 && rest < 16 {
        // An implementation use field is an entity ID (32 bytes) or nothing.
        let iu = 32 + rest as usize;
        (udf::file::FileIdentifier::padded_len(iu, l_fi), iu)
    } else {
        (len, 0)
    }
}

/// Bytes of a directory's FIDs: the parent FID, then one per entry.
fn dir_bytes(children: &[(Vec<u8>, u32)]) -> u64 {
    let mut pos = fid_shape(0, 0, children.is_empty()).0 as u64;
    for (i, (name, _)) in children.iter().enumerate() {
        pos += fid_shape(pos, name.len(), i + 1 == children.len()).0 as u64;
    }
    pos
}

impl Layout {
    /// Builds the UDF tree (before any LBA is known).
    pub(super) fn build_udf(&mut self) -> Result<(), Error> {
        let Some(opts) = self.opts.udf else {
            return Ok(());
        };
        if ![udf::Revision::V1_02, udf::Revision::V2_01].contains(&opts.revision) {
            return Err(layout_err(format!(
                "UDF revision {} cannot be written (1.02 or 2.01)",
                opts.revision
            )));
        }
        let tree = &self.tree;
        let mut items = vec![UdfItem {
            node: tree.root(),
            parent: 0,
            unique_id: 0,
            icb_lba: 0,
            children: Vec::new(),
            dir_lba: 0,
            dir_bytes: 0,
            subdirs: 0,
        }];
        let (mut files, mut directories) = (0u32, 1u32);
        let mut i = 0;
        while i < items.len() {
            let dir = items[i].node;
            let mut kept = Vec::new();
            for (name, child) in tree.children(dir) {
                let include = match &tree.node(child).kind {
                    NodeKind::Directory(_) => true,
                    NodeKind::File { content } => {
                        if tree.content(*content).zisofs.is_some() {
                            return Err(layout_err(format!(
                                "{} is zisofs-compressed: UDF readers would see the compressed \
                                 bytes (burn --udf without --zisofs)",
                                tree.path_of(child)
                            )));
                        }
                        true
                    }
                    NodeKind::Symlink { .. } => opts.symlinks,
                    // UDF readers have no use for device nodes of a backup.
                    NodeKind::Device { .. } => false,
                };
                if include {
                    kept.push((udf_name(name), child));
                }
            }
            let names = unique_names(kept.iter().map(|(n, _)| n.clone()).collect());
            let mut children = Vec::with_capacity(kept.len());
            let mut subdirs = 0;
            for (name, (_, child)) in names.into_iter().zip(kept) {
                let index = items.len() as u32;
                if tree.node(child).kind.is_dir() {
                    subdirs += 1;
                    directories += 1;
                } else {
                    files += 1;
                }
                // New objects take unique IDs from 16 (UDF 3.2.1.1).
                items.push(UdfItem {
                    node: child,
                    parent: i as u32,
                    unique_id: 15 + u64::from(index),
                    icb_lba: 0,
                    children: Vec::new(),
                    dir_lba: 0,
                    dir_bytes: 0,
                    subdirs: 0,
                });
                children.push((name, index));
            }
            items[i].dir_bytes = dir_bytes(&children);
            items[i].children = children;
            items[i].subdirs = subdirs;
            i += 1;
        }
        // Too many extents for one file entry is an error naming the file.
        for item in &items {
            if let NodeKind::File { content } = &tree.node(item.node).kind {
                let ads: usize = match &tree.content(*content).data {
                    DataSource::Extents(pieces) => pieces
                        .iter()
                        .map(|p| u64::from(p.len).div_ceil(MAX_AD_BYTES).max(1) as usize)
                        .sum(),
                    data => data.size().div_ceil(MAX_AD_BYTES) as usize,
                };
                if ads > MAX_ADS {
                    return Err(layout_err(format!(
                        "{} needs {ads} UDF extents, more than one file entry holds ({MAX_ADS})",
                        tree.path_of(item.node)
                    )));
                }
            }
        }
        self.udf = Some(UdfPlan {
            revision: Some(opts.revision),
            items,
            files,
            directories,
            ..UdfPlan::default()
        });
        Ok(())
    }

    /// Places the volume structures after the ISO terminator (and the
    /// superblock tag): returns the LBA where the rest of the session goes on.
    pub(super) fn place_udf_volume(&mut self, vrs: u32, mut lba: u64) -> Result<u64, Error> {
        let start = self.opts.start_lba;
        let image_anchor = (start < 256 && u64::from(start) + 66 <= 256).then_some(256);
        let Some(plan) = self.udf.as_mut() else {
            return Ok(lba);
        };
        let s = u64::from(start);
        if lba > s + 32 {
            return Err(layout_err(
                "internal: the volume descriptors reach block 32",
            ));
        }
        plan.vrs = vrs;
        plan.main_vds = (s + 32) as u32;
        plan.reserve_vds = (s + 48) as u32;
        plan.lvid = (s + 64) as u32;
        // A session at 0 has one anchor at 256, not two.
        plan.anchors = image_anchor
            .filter(|&a| u64::from(a) != s + 256)
            .into_iter()
            .chain([(s + 256) as u32])
            .collect();
        lba = s + 257;
        let partition_start = self
            .opts
            .udf
            .and_then(|u| u.partition_start)
            .unwrap_or(lba as u32);
        if u64::from(partition_start) > lba {
            return Err(layout_err(format!(
                "the UDF partition cannot start at {partition_start}, after the session's first file entry ({lba})"
            )));
        }
        plan.partition_start = partition_start;
        plan.fsd = lba as u32;
        lba += 2;
        for item in plan.items.iter_mut() {
            item.icb_lba = lba as u32;
            lba += 1;
        }
        for item in plan.items.iter_mut() {
            if !item.children.is_empty() || item.dir_bytes > 0 {
                item.dir_lba = lba as u32;
                lba += blocks_for(item.dir_bytes);
            }
        }
        Ok(lba)
    }

    /// The anchor at the session's end.
    /// An anchor as the last block, when the end anchor is not.
    pub(super) fn place_udf_last(&mut self, lba: &mut u64) {
        if let Some(plan) = self.udf.as_mut() {
            if plan.end_anchor + 1 != *lba as u32 {
                plan.last_anchor = Some(*lba as u32);
                *lba += 1;
            }
        }
    }

    /// Every extent a file entry points at must lie in the partition.
    pub(super) fn place_udf_end(&mut self, lba: &mut u64) -> Result<(), Error> {
        let Some(plan) = self.udf.as_ref() else {
            return Ok(());
        };
        for item in &plan.items {
            if let NodeKind::File { content } = &self.tree.node(item.node).kind {
                let first = match &self.tree.content(*content).data {
                    DataSource::Extents(pieces) => pieces.iter().map(|p| p.lba).min(),
                    DataSource::Empty => None,
                    _ => Some(self.content_lba[content.index()]),
                };
                if first.is_some_and(|at| at < plan.partition_start) {
                    return Err(layout_err(format!(
                        "{} lies before the UDF partition (block {})",
                        self.tree.path_of(item.node),
                        plan.partition_start
                    )));
                }
            }
        }
        if let Some(plan) = self.udf.as_mut() {
            plan.end_anchor = *lba as u32;
            *lba += 1;
        }
        Ok(())
    }
}
