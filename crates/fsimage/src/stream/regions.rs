//! The session as a list of regions in LBA order (system area, descriptors,
//! UDF structures, path tables, directories, file data, checksum tags and
//! array, anchors): planned once from the layout, then walked by the fill
//! loop, each region's bytes produced when it comes up.

use iso9660::md5tag::TagKind;

use crate::error::Error;
use crate::layout::Layout;
use crate::tree::ContentId;
use crate::BLOCK_SIZE;

/// One stretch of the session, in LBA order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Region {
    Zeros {
        blocks: u64,
    },
    Descriptor {
        joliet: bool,
    },
    Terminator,
    PathTable {
        joliet: bool,
        big_endian: bool,
        blocks: u64,
    },
    Directory {
        joliet: bool,
        index: u32,
        blocks: u64,
    },
    ContinuationAreas {
        dir: u32,
        blocks: u64,
    },
    FileData {
        content: ContentId,
        blocks: u64,
    },
    /// A checksum tag block (reference/checksums.md §3).
    Tag(TagKind),
    /// The checksum array (checksums.md §5).
    Md5Array {
        blocks: u64,
    },
    /// UDF volume recognition sequence (3 blocks).
    UdfVrs,
    /// UDF main or reserve volume descriptor sequence.
    UdfVds {
        reserve: bool,
    },
    /// UDF integrity descriptor and terminator (2 blocks).
    UdfIntegrity,
    /// A UDF anchor at this absolute block.
    UdfAnchor {
        lba: u32,
    },
    /// UDF file set descriptor and terminator (2 blocks).
    UdfFileSet,
    /// The file entry of a UDF item.
    UdfEntry {
        item: u32,
    },
    /// The FIDs of a UDF directory item.
    UdfDirectory {
        item: u32,
        blocks: u64,
    },
}

impl Region {
    pub(super) fn blocks(&self) -> u64 {
        match *self {
            Region::Zeros { blocks }
            | Region::PathTable { blocks, .. }
            | Region::Directory { blocks, .. }
            | Region::ContinuationAreas { blocks, .. }
            | Region::FileData { blocks, .. }
            | Region::Md5Array { blocks }
            | Region::UdfDirectory { blocks, .. } => blocks,
            Region::Descriptor { .. }
            | Region::Terminator
            | Region::Tag(_)
            | Region::UdfAnchor { .. }
            | Region::UdfEntry { .. } => 1,
            Region::UdfVrs => 3,
            Region::UdfVds { .. } => u64::from(crate::layout::UDF_VDS_BLOCKS),
            Region::UdfIntegrity | Region::UdfFileSet => 2,
        }
    }
}

/// The regions of `layout`'s session, in LBA order; they cover exactly the
/// layout's blocks.
pub(super) fn plan(layout: &Layout) -> Result<Vec<Region>, Error> {
    let mut regions = vec![
        Region::Zeros { blocks: 16 },
        Region::Descriptor { joliet: false },
    ];
    if layout.joliet.is_some() {
        regions.push(Region::Descriptor { joliet: true });
    }
    regions.push(Region::Terminator);
    let udf = layout.udf.as_ref();
    if udf.is_some() {
        regions.push(Region::UdfVrs);
    }
    let checksums = layout.opts.checksums;
    if checksums {
        regions.push(Region::Tag(TagKind::Superblock));
    }
    if let Some(plan) = udf {
        let start = u64::from(layout.opts.start_lba);
        let zeros_to = |regions: &mut Vec<Region>, lba: u32| {
            let at = start + regions.iter().map(Region::blocks).sum::<u64>();
            if u64::from(lba) > at {
                regions.push(Region::Zeros {
                    blocks: u64::from(lba) - at,
                });
            }
        };
        zeros_to(&mut regions, plan.main_vds);
        regions.push(Region::UdfVds { reserve: false });
        regions.push(Region::UdfVds { reserve: true });
        regions.push(Region::UdfIntegrity);
        for &lba in &plan.anchors {
            zeros_to(&mut regions, lba);
            regions.push(Region::UdfAnchor { lba });
        }
        regions.push(Region::UdfFileSet);
        for i in 0..plan.items.len() as u32 {
            regions.push(Region::UdfEntry { item: i });
        }
        for (i, item) in plan.items.iter().enumerate() {
            if item.dir_bytes > 0 {
                regions.push(Region::UdfDirectory {
                    item: i as u32,
                    blocks: item.dir_bytes.div_ceil(BLOCK_SIZE as u64),
                });
            }
        }
    }
    // Type L then type M path table of each namespace (ECMA-119 6.9).
    let path_tables =
        std::iter::once((false, &layout.iso)).chain(layout.joliet.as_ref().map(|j| (true, j)));
    for (joliet, namespace) in path_tables {
        let blocks = u64::from(namespace.path_table_bytes).div_ceil(BLOCK_SIZE as u64);
        for big_endian in [false, true] {
            regions.push(Region::PathTable {
                joliet,
                big_endian,
                blocks,
            });
        }
    }
    for (i, d) in layout.iso.dirs.iter().enumerate() {
        regions.push(Region::Directory {
            joliet: false,
            index: i as u32,
            blocks: u64::from(d.blocks),
        });
        if d.ce_blocks > 0 {
            regions.push(Region::ContinuationAreas {
                dir: i as u32,
                blocks: u64::from(d.ce_blocks),
            });
        }
    }
    if checksums {
        regions.push(Region::Tag(TagKind::Tree));
    }
    if let Some(j) = &layout.joliet {
        for (i, d) in j.dirs.iter().enumerate() {
            regions.push(Region::Directory {
                joliet: true,
                index: i as u32,
                blocks: u64::from(d.blocks),
            });
        }
    }
    for &content in &layout.data_order {
        let size = layout.tree.content(content).data.size();
        regions.push(Region::FileData {
            content,
            blocks: size.div_ceil(BLOCK_SIZE as u64),
        });
    }
    regions.push(Region::Zeros { blocks: 1 });
    if let Some(plan) = udf {
        regions.push(Region::UdfAnchor {
            lba: plan.end_anchor,
        });
    }
    if checksums {
        regions.push(Region::Md5Array {
            blocks: u64::from(layout.md5_area().blocks()),
        });
        regions.push(Region::Tag(TagKind::Session));
    }
    if let Some(lba) = udf.and_then(|plan| plan.last_anchor) {
        regions.push(Region::UdfAnchor { lba });
    }
    let total_blocks: u64 = regions.iter().map(Region::blocks).sum();
    if total_blocks != u64::from(layout.total_blocks()) {
        return Err(Error::Layout {
            reason: format!(
                "internal: regions cover {total_blocks} blocks, layout {}",
                layout.total_blocks()
            ),
        });
    }
    Ok(regions)
}
