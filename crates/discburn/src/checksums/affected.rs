//! What a tag that no longer matches covers: the blocks where the damage must
//! be, and what lies there (checksums.md §2: the tags are nested prefixes of
//! one MD5 stream from the session start, so a tag that mismatches after one
//! that matched puts the change between the two), named as volume
//! descriptors, directories (whose blocks hold their entries' records), path
//! tables, files' data and the checksum array.

use fsimage::checksums::check::{FileCheck, FileOutcome, SessionEntries};
use iso9660::aaip::ChecksumArea;
use serde::Serialize;

const BLOCK: u64 = fsimage::BLOCK_SIZE as u64;

/// Most names listed per kind (the counts are always whole).
const MAX_NAMES: usize = 100;

/// What lies in the blocks a mismatching tag points at.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Affected {
    /// The blocks that changed lie in `first_lba .. first_lba + blocks`.
    pub first_lba: u64,
    pub blocks: u64,
    /// Areas of the session's metadata there: `system_area`,
    /// `volume_descriptors`, `path_tables`, `checksum_array`.
    pub areas: Vec<&'static str>,
    /// Directories whose blocks (their entries' records) lie there.
    pub directories: Vec<String>,
    /// Files with data there that did not match their MD5 or have none
    /// (files that matched are not listed: their data is intact).
    pub files: Vec<String>,
    /// Files with data there that matched their MD5.
    pub intact_files: u64,
    /// Blocks there that none of the above accounts for (Rock Ridge
    /// continuation areas, the Joliet tree, padding).
    pub other_blocks: u64,
}

/// Where a session's metadata lies, for [`affected`].
pub struct SessionMap<'a> {
    pub start: u64,
    /// Block of the superblock tag (end of the volume descriptors).
    pub descriptors_end: u64,
    /// Path tables (L, M, and their optional copies): first LBA, blocks.
    pub path_tables: Vec<(u64, u64)>,
    pub array: Option<ChecksumArea>,
    pub entries: &'a SessionEntries,
    pub files: &'a [FileCheck],
}

/// What lies in blocks `first .. end` of the session.
pub fn affected(map: &SessionMap, first: u64, end: u64) -> Affected {
    let mut out = Affected {
        first_lba: first,
        blocks: end.saturating_sub(first),
        ..Affected::default()
    };
    // The parts of `first..end` something accounts for, as block ranges
    // (a session can span millions of blocks: no map of each).
    let mut covered: Vec<(u64, u64)> = Vec::new();
    let mut cover = |range: (u64, u64)| -> bool {
        let (from, to) = (range.0.max(first), range.0.saturating_add(range.1).min(end));
        if from >= to {
            return false;
        }
        covered.push((from, to));
        true
    };
    let mut areas = vec![
        ("system_area", (map.start, 16)),
        (
            "volume_descriptors",
            (
                map.start + 16,
                map.descriptors_end.saturating_sub(map.start + 16),
            ),
        ),
    ];
    areas.extend(map.path_tables.iter().map(|&t| ("path_tables", t)));
    if let Some(a) = map.array {
        let blocks = (u64::from(a.count) * ChecksumArea::ITEM_SIZE as u64).div_ceil(BLOCK);
        areas.push(("checksum_array", (u64::from(a.end), blocks)));
    }
    for (name, range) in areas {
        if cover(range) && !out.areas.contains(&name) {
            out.areas.push(name);
        }
    }
    for (path, node) in &map.entries.directories {
        let hit = node
            .extents
            .iter()
            .map(|e| cover((e.lba, e.len.div_ceil(BLOCK))))
            .fold(false, |a, b| a | b);
        if hit && out.directories.len() < MAX_NAMES {
            out.directories.push(format!("/{path}"));
        }
    }
    for file in map.files {
        let hit = file
            .extents
            .iter()
            .map(|&e| cover(e))
            .fold(false, |a, b| a | b);
        if !hit {
            continue;
        }
        match file.outcome {
            FileOutcome::Match => out.intact_files += 1,
            _ if out.files.len() < MAX_NAMES => out.files.push(format!("/{}", file.path)),
            _ => {}
        }
    }
    covered.sort_unstable();
    let mut accounted = 0;
    let mut reached = first;
    for (from, to) in covered {
        accounted += to.saturating_sub(from.max(reached));
        reached = reached.max(to);
    }
    out.other_blocks = out.blocks - accounted;
    out
}

/// The path tables a primary descriptor block names: (first LBA, blocks).
pub fn path_tables(descriptor: &[u8]) -> Vec<(u64, u64)> {
    let Ok(pvd) = iso9660::volume::VolumeDescriptor::parse(descriptor) else {
        return Vec::new();
    };
    let blocks = u64::from(pvd.path_table_size).div_ceil(BLOCK);
    [
        pvd.l_path_table,
        pvd.opt_l_path_table,
        pvd.m_path_table,
        pvd.opt_m_path_table,
    ]
    .into_iter()
    .filter(|&lba| lba != 0)
    .map(|lba| (u64::from(lba), blocks))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_what_lies_in_the_range() {
        let entries = SessionEntries::default();
        let files = vec![
            FileCheck {
                path: "a".into(),
                size: 10,
                extents: vec![(60, 1)],
                outcome: FileOutcome::Mismatch,
            },
            FileCheck {
                path: "b".into(),
                size: 10,
                extents: vec![(61, 1)],
                outcome: FileOutcome::Match,
            },
        ];
        let map = SessionMap {
            start: 32,
            descriptors_end: 50,
            path_tables: vec![(54, 1), (55, 1)],
            array: Some(ChecksumArea {
                start: 32,
                end: 63,
                count: 4,
            }),
            entries: &entries,
            files: &files,
        };
        let a = affected(&map, 56, 64);
        assert_eq!(a.areas, ["checksum_array"]);
        assert_eq!(a.files, ["/a"]);
        assert_eq!(a.intact_files, 1);
        // 56 (tree tag), 57, 58, 59, 62 are none of them.
        assert_eq!(a.other_blocks, 5);
        let a = affected(&map, 32, 56);
        assert_eq!(
            a.areas,
            ["system_area", "volume_descriptors", "path_tables"]
        );
        assert_eq!(a.other_blocks, 24 - 16 - 2 - 2);
    }

    #[test]
    fn counts_every_block_of_a_long_range() {
        // A session tag over 40 GiB (a BD's session): an overlapping pair
        // of files near its end, the array after them.
        let entries = SessionEntries::default();
        let file = |path: &str, extents: Vec<(u64, u64)>| FileCheck {
            path: path.into(),
            size: 0,
            extents,
            outcome: FileOutcome::Mismatch,
        };
        let end = 20_000_000;
        let files = vec![
            file("a", vec![(end - 1_000, 600), (100, 5)]),
            file("b", vec![(end - 500, 300)]),
        ];
        let map = SessionMap {
            start: 32,
            descriptors_end: 50,
            path_tables: Vec::new(),
            array: Some(ChecksumArea {
                start: 32,
                end: end as u32 - 10,
                count: 4,
            }),
            entries: &entries,
            files: &files,
        };
        let a = affected(&map, 60, end);
        assert_eq!(a.files, ["/a", "/b"]);
        assert_eq!(a.areas, ["checksum_array"]);
        // 5 + (600 + 300 - 100 overlap) + 1 array block.
        assert_eq!(a.other_blocks, (end - 60) - 5 - 800 - 1);
    }
}
