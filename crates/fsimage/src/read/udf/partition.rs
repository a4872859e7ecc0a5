//! Partition maps of a UDF logical volume, resolved to absolute blocks
//! (ECMA-167 3/10.7, UDF 2.2.8–2.2.10): a Type-1 partition maps block `b` to
//! `start + b`; a virtual partition goes through its VAT; a sparable one
//! through its sparing table; a metadata partition through the allocation
//! of its metadata file (or the mirror).

use std::collections::BTreeMap;

use super::super::Extent;

/// One partition reference number's view, ready to map blocks.
#[derive(Debug, Clone)]
pub(crate) enum Mapping {
    /// A partition recorded as is.
    Physical { start: u64, length: u64 },
    /// Sparable: packets listed in the table live elsewhere.
    Sparable {
        start: u64,
        length: u64,
        packet: u32,
        /// Original packet (partition-relative) → absolute block.
        moved: BTreeMap<u32, u64>,
    },
    /// Virtual: VAT entries are blocks of the physical partition.
    Virtual {
        start: u64,
        length: u64,
        vat: Vec<u32>,
    },
    /// Metadata: the metadata file's extents, as (first metadata block,
    /// absolute block, blocks), in order.
    Metadata { pieces: Vec<(u64, u64, u64)> },
}

/// Why a block cannot be mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unmapped(pub String);

impl Mapping {
    /// The absolute block of partition block `block`.
    pub(crate) fn block(&self, block: u32) -> Result<u64, Unmapped> {
        match self {
            Mapping::Physical { start, length } => {
                if u64::from(block) >= *length {
                    return Err(Unmapped(format!(
                        "block {block} is past the end of the partition ({length} blocks)"
                    )));
                }
                Ok(start + u64::from(block))
            }
            Mapping::Sparable {
                start,
                length,
                packet,
                moved,
            } => {
                if u64::from(block) >= *length {
                    return Err(Unmapped(format!(
                        "block {block} is past the end of the partition ({length} blocks)"
                    )));
                }
                let first = block - block % packet;
                match moved.get(&first) {
                    Some(&to) => Ok(to + u64::from(block - first)),
                    None => Ok(start + u64::from(block)),
                }
            }
            Mapping::Virtual { start, length, vat } => {
                let entry = vat.get(block as usize).copied().ok_or_else(|| {
                    Unmapped(format!(
                        "virtual block {block} is past the VAT ({} entries)",
                        vat.len()
                    ))
                })?;
                if entry == udf::file::VAT_UNUSED || u64::from(entry) >= *length {
                    return Err(Unmapped(format!(
                        "virtual block {block} maps to no block of the partition (VAT entry {entry:#x})"
                    )));
                }
                Ok(start + u64::from(entry))
            }
            Mapping::Metadata { pieces } => {
                let b = u64::from(block);
                let at = pieces.partition_point(|&(first, _, _)| first <= b);
                match at.checked_sub(1).map(|i| pieces[i]) {
                    Some((first, abs, blocks)) if b < first + blocks => Ok(abs + (b - first)),
                    _ => Err(Unmapped(format!(
                        "block {block} is outside the metadata file"
                    ))),
                }
            }
        }
    }

    /// Absolute extents covering `bytes` bytes from partition block `block`,
    /// merged where consecutive blocks stay consecutive.
    pub(crate) fn extents(
        &self,
        block: u32,
        bytes: u64,
        max_extents: usize,
    ) -> Result<Vec<Extent>, Unmapped> {
        let blocks = bytes.div_ceil(2048);
        if let Mapping::Physical { start, length } = self {
            // Fast path: one extent, checked against the partition.
            if u64::from(block) + blocks > *length {
                return Err(Unmapped(format!(
                    "blocks {block}..{} are past the end of the partition ({length} blocks)",
                    u64::from(block) + blocks
                )));
            }
            return Ok(vec![Extent {
                lba: start + u64::from(block),
                len: bytes,
            }]);
        }
        let mut out: Vec<Extent> = Vec::new();
        let mut left = bytes;
        for i in 0..blocks {
            let b = u32::try_from(u64::from(block) + i)
                .map_err(|_| Unmapped("block number overflows".into()))?;
            let abs = self.block(b)?;
            let take = left.min(2048);
            left -= take;
            match out.last_mut() {
                Some(last) if last.lba + last.len / 2048 == abs && last.len % 2048 == 0 => {
                    last.len += take
                }
                _ => {
                    if out.len() >= max_extents {
                        return Err(Unmapped(format!(
                            "more than {max_extents} pieces after mapping"
                        )));
                    }
                    out.push(Extent {
                        lba: abs,
                        len: take,
                    })
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_maps() {
        let p = Mapping::Physical {
            start: 257,
            length: 10,
        };
        assert_eq!(p.block(3), Ok(260));
        assert!(p.block(10).is_err());
        assert_eq!(
            p.extents(2, 5000, 8).unwrap(),
            vec![Extent {
                lba: 259,
                len: 5000
            }]
        );
        assert!(p.extents(8, 5000, 8).is_err());

        let v = Mapping::Virtual {
            start: 100,
            length: 50,
            vat: vec![7, 8, 20, u32::MAX, 99],
        };
        assert_eq!(v.block(2), Ok(120));
        assert!(v.block(3).is_err() && v.block(4).is_err() && v.block(5).is_err());
        assert_eq!(
            v.extents(0, 3 * 2048, 8).unwrap(),
            vec![
                Extent {
                    lba: 107,
                    len: 4096
                },
                Extent {
                    lba: 120,
                    len: 2048
                }
            ]
        );
        assert!(v.extents(0, 3 * 2048, 1).is_err());

        let s = Mapping::Sparable {
            start: 1000,
            length: 100,
            packet: 32,
            moved: BTreeMap::from([(32, 5000)]),
        };
        assert_eq!(s.block(5), Ok(1005));
        assert_eq!(s.block(33), Ok(5001));

        let m = Mapping::Metadata {
            pieces: vec![(0, 300, 4), (4, 900, 2)],
        };
        assert_eq!(m.block(0), Ok(300));
        assert_eq!(m.block(5), Ok(901));
        assert!(m.block(6).is_err());
    }
}
