//! Reading a UDF volume (ECMA-167, OSTA UDF 1.02–2.60) the way the Linux
//! kernel finds it (reference udf.md §1, §3.4): the recognition sequence at
//! session + 16, an anchor at session + 256 (else at the last block, the last
//! block − 256, or session + 512), the prevailing descriptors of the main
//! volume descriptor sequence (the reserve one when the main one fails), the
//! partition maps (Type 1, virtual with its VAT, sparable with its sparing
//! table, metadata with its metadata file or mirror), the file set
//! descriptor and the root directory.
//!
//! Like the ISO 9660 reader it trusts nothing: every tag's checksum, CRC and
//! location is checked, every extent must lie inside its partition and the
//! image, every walk is bounded by [`Limits`].

mod dir;
mod partition;

use std::collections::BTreeMap;

use udf::file::{file_type, AdKind, FileEntry, FileSet, SparingTable, Vat};
use udf::tag::{self, TagId};
use udf::volume::{
    AnchorPointer, ImplementationUseVolume, Integrity, LogicalVolume, Partition, PartitionMap,
    PrimaryVolume, VolumePointer,
};
use udf::vrs::{self, Vsd};
use udf::{ExtentAd, LbAddr, Revision};

pub(crate) use dir::{read_dir, root_node};
pub(crate) use partition::Mapping;

use super::{Limits, ReadError, Result};
use crate::source::{SectorSource, BLOCK_SIZE};

const BLOCK: u64 = BLOCK_SIZE as u64;

/// What a session's UDF descriptors say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdfInfo {
    /// UDF revision from the logical volume's domain identifier ("2.01").
    pub revision: String,
    /// 2 (NSR02, UDF ≤ 1.50) or 3 (NSR03, ≥ 2.00).
    pub nsr: u8,
    /// Absolute block of the anchor that was used.
    pub anchor_lba: u64,
    /// The logical volume identifier (what Windows and `blkid LABEL` show).
    pub logical_volume_id: String,
    /// The primary volume descriptor's volume identifier.
    pub volume_id: String,
    pub volume_set_id: String,
    /// Partition maps in order: `physical`, `virtual`, `sparable`, `metadata`.
    pub partition_maps: Vec<&'static str>,
    /// The physical partition's first block and length.
    pub partition_start: u64,
    pub partition_blocks: u64,
    /// ECMA-167 access type (1 read-only, 2 write-once, ...).
    pub access_type: u32,
    /// Files and directories as the integrity descriptor counts them.
    pub files: Option<u32>,
    pub directories: Option<u32>,
    /// Seconds since the epoch of the primary volume descriptor.
    pub recorded: Option<i64>,
    /// Where the VAT's file entry was found (virtual partitions).
    pub vat_lba: Option<u64>,
    /// The implementation that wrote the volume ("*mkudffs", "*genisoimage", ...).
    pub implementation: String,
    /// The integrity descriptor says the volume is closed.
    pub closed: Option<bool>,
}

impl UdfInfo {
    /// The first block after the volume: after its VAT on write-once media,
    /// else after its partition (or its anchor, whichever is last).
    pub fn volume_end(&self) -> u64 {
        match self.vat_lba {
            Some(vat) => vat + 1,
            None => (self.partition_start + self.partition_blocks).max(self.anchor_lba + 1),
        }
    }
}

/// An open UDF volume: partition mappings and the root.
#[derive(Debug, Clone)]
pub(crate) struct UdfState {
    pub(crate) maps: Vec<Mapping>,
    pub(crate) root: LbAddr,
    pub(crate) info: UdfInfo,
}

/// Reads absolute blocks with bounds checks against the image.
pub(crate) struct Blocks<'a, S: ?Sized> {
    pub(crate) source: &'a mut S,
    pub(crate) image_blocks: u64,
}

impl<S: SectorSource + ?Sized> Blocks<'_, S> {
    pub(crate) fn read(&mut self, lba: u64, bytes: u64, what: &str, path: &str) -> Result<Vec<u8>> {
        let blocks = bytes.div_ceil(BLOCK).max(1);
        match lba.checked_add(blocks) {
            Some(end) if end <= self.image_blocks => {}
            _ => {
                return Err(ReadError::OutOfImage {
                    path: path.to_string(),
                    lba,
                    bytes,
                    image_blocks: self.image_blocks,
                })
            }
        }
        let mut buf = vec![0u8; (blocks * BLOCK) as usize];
        self.source
            .read_blocks(lba, &mut buf)
            .map_err(|source| ReadError::Io {
                what: format!("UDF {what} of {path}"),
                lba,
                source,
            })?;
        Ok(buf)
    }
}

fn corrupt(what: &'static str, lba: u64, reason: impl ToString) -> ReadError {
    ReadError::Corrupt {
        path: "/".into(),
        what,
        lba,
        reason: reason.to_string(),
    }
}

/// Looks for UDF in the session at `start`: `Ok(None)` when its recognition
/// sequence has no NSR descriptor (no UDF there), an error when it has one
/// but the volume cannot be read.
pub(crate) fn probe<S: SectorSource + ?Sized>(
    source: &mut S,
    start: u64,
    source_blocks: Option<u64>,
    limits: &Limits,
) -> Result<Option<UdfState>> {
    // Without a known size, reads are bounded by what the medium answers.
    let image_blocks = source_blocks.unwrap_or(u64::MAX);
    let mut blocks = Blocks {
        source,
        image_blocks,
    };
    let Some(nsr) = recognise(&mut blocks, start)? else {
        return Ok(None);
    };
    let (anchor, anchor_lba) = find_anchor(&mut blocks, start, source_blocks)?;
    let vds = match read_sequence(&mut blocks, anchor.main) {
        Ok(vds) => vds,
        Err(main_error) => read_sequence(&mut blocks, anchor.reserve).map_err(|_| main_error)?,
    };
    open_volume(&mut blocks, vds, nsr, anchor_lba, source_blocks, limits).map(Some)
}

/// Scans the recognition sequence at `start + 16` as Linux does.
fn recognise<S: SectorSource + ?Sized>(
    blocks: &mut Blocks<'_, S>,
    start: u64,
) -> Result<Option<u8>> {
    // Linux scans up to byte 0x800000 of the session; the scan ends at the
    // first sector that is not a descriptor long before that on real volumes.
    const MAX_VSDS: u64 = 64;
    let mut sectors = Vec::new();
    for i in 0..MAX_VSDS {
        let lba = start.saturating_add(16 + i);
        if lba >= blocks.image_blocks {
            break;
        }
        let sector = match blocks.read(lba, BLOCK, "volume recognition sequence", "/") {
            Ok(s) => s,
            Err(ReadError::Io { .. }) if i > 0 => break,
            Err(e) => return Err(e),
        };
        let kind = Vsd::identify(&sector);
        sectors.push(sector);
        if matches!(kind, None | Some(Vsd::Tea01)) {
            break;
        }
    }
    Ok(
        vrs::scan(sectors.iter().map(Vec::as_slice)).map(|r| match r.nsr {
            Vsd::Nsr02 => 2,
            _ => 3,
        }),
    )
}

/// Finds a valid anchor: session + 256, then the last block and 256 before
/// it, then session + 512 (Linux `udf_scan_anchors`, udf.md 1.5).
fn find_anchor<S: SectorSource + ?Sized>(
    blocks: &mut Blocks<'_, S>,
    start: u64,
    source_blocks: Option<u64>,
) -> Result<(AnchorPointer, u64)> {
    let mut candidates = vec![start.saturating_add(256)];
    if let Some(n) = source_blocks.filter(|&n| n > 0) {
        let last = n - 1;
        candidates.extend([last, last.saturating_sub(256)]);
    }
    candidates.push(start.saturating_add(512));
    let mut problems = Vec::new();
    for lba in candidates {
        if lba >= blocks.image_blocks || lba > u64::from(u32::MAX) {
            continue;
        }
        let block = match blocks.read(lba, BLOCK, "anchor", "/") {
            Ok(b) => b,
            Err(e) => {
                problems.push(format!("block {lba}: {e}"));
                continue;
            }
        };
        match AnchorPointer::parse(&block) {
            Ok(a) if u64::from(a.tag.location) == lba => return Ok((a, lba)),
            Ok(a) => problems.push(format!(
                "block {lba}: the anchor says it is at block {}",
                a.tag.location
            )),
            Err(e) => problems.push(format!("block {lba}: {e}")),
        }
    }
    if let Some(size) = other_block_size(blocks, start) {
        return Err(corrupt(
            "UDF anchor volume descriptor pointer",
            start + 256,
            format!(
                "this UDF volume uses {size}-byte blocks (as mkudffs makes for hard disks); \
                 discburn reads UDF with 2048-byte blocks, as optical discs have (mount it \
                 with the kernel, or remake it with mkudffs --blocksize=2048)"
            ),
        ));
    }
    Err(corrupt(
        "UDF anchor volume descriptor pointer",
        start + 256,
        format!(
            "the recognition sequence names UDF, but no anchor was found ({})",
            problems.join("; ")
        ),
    ))
}

/// The block size of a UDF volume whose anchor sits at block 256 of a size
/// other than 2048 bytes (512 or 1024: ECMA-167 3/8.4.2.1 puts it at logical
/// sector 256 of the volume), so that its error can say so. (With 4096-byte
/// blocks the recognition sequence is not found at 2048-byte steps, so such
/// a volume never gets this far.)
fn other_block_size<S: SectorSource + ?Sized>(
    blocks: &mut Blocks<'_, S>,
    start: u64,
) -> Option<u64> {
    [512u64, 1024].into_iter().find(|&size| {
        let offset = start * BLOCK + 256 * size;
        let lba = offset / BLOCK;
        if lba >= blocks.image_blocks {
            return false;
        }
        let Ok(block) = blocks.read(lba, BLOCK, "anchor", "/") else {
            return false;
        };
        let within = (offset % BLOCK) as usize;
        matches!(
            AnchorPointer::parse(&block[within..]),
            Ok(a) if u64::from(a.tag.location) == start * BLOCK / size + 256
        )
    })
}

/// The prevailing descriptors of one volume descriptor sequence (ECMA-167 3/8.4.3).
#[derive(Default)]
struct Sequence {
    primary: Option<PrimaryVolume>,
    logical: Option<(LogicalVolume, u64)>,
    implementation_use: Option<ImplementationUseVolume>,
    partitions: BTreeMap<u16, Partition>,
}

/// Most blocks of one sequence read, following pointers.
const MAX_SEQUENCE_BLOCKS: u64 = 256;
/// Most volume descriptor pointers followed.
const MAX_SEQUENCE_HOPS: usize = 16;

fn read_sequence<S: SectorSource + ?Sized>(
    blocks: &mut Blocks<'_, S>,
    extent: ExtentAd,
) -> Result<Sequence> {
    let mut seq = Sequence::default();
    let mut location = u64::from(extent.location);
    let mut count = (u64::from(extent.length) / BLOCK).min(MAX_SEQUENCE_BLOCKS);
    let mut hops = 0;
    let mut read = 0;
    let what = "UDF volume descriptor sequence";
    let mut i = 0;
    while i < count {
        let lba = location + i;
        i += 1;
        read += 1;
        if read > MAX_SEQUENCE_BLOCKS {
            return Err(corrupt(what, lba, "longer than 256 blocks"));
        }
        let Ok(tag_location) = u32::try_from(lba) else {
            break;
        };
        let block = blocks.read(lba, BLOCK, "volume descriptor", "/")?;
        // A blank or unknown block ends the sequence, like a terminator.
        let Ok(tag) = tag::verify(&block, Some(tag_location)) else {
            break;
        };
        let bad = |e: udf::Error| corrupt(what, lba, format!("{}: {e}", tag.identifier.name()));
        match tag.identifier {
            TagId::PRIMARY_VOLUME => {
                let pvd = PrimaryVolume::parse(&block).map_err(bad)?;
                if seq
                    .primary
                    .as_ref()
                    .is_none_or(|p| pvd.sequence_number >= p.sequence_number)
                {
                    seq.primary = Some(pvd);
                }
            }
            TagId::LOGICAL_VOLUME => {
                let lvd = LogicalVolume::parse(&block).map_err(bad)?;
                if seq
                    .logical
                    .as_ref()
                    .is_none_or(|(l, _)| lvd.sequence_number >= l.sequence_number)
                {
                    seq.logical = Some((lvd, lba));
                }
            }
            TagId::PARTITION => {
                let pd = Partition::parse(&block).map_err(bad)?;
                let keep = seq
                    .partitions
                    .get(&pd.number)
                    .is_none_or(|p| pd.sequence_number >= p.sequence_number);
                if keep {
                    seq.partitions.insert(pd.number, pd);
                }
            }
            TagId::IMPLEMENTATION_USE => {
                if let Ok(iuvd) = ImplementationUseVolume::parse(&block) {
                    seq.implementation_use = Some(iuvd);
                }
            }
            TagId::VOLUME_POINTER => {
                let vdp = VolumePointer::parse(&block).map_err(bad)?;
                hops += 1;
                if hops > MAX_SEQUENCE_HOPS {
                    return Err(corrupt(what, lba, "too many volume descriptor pointers"));
                }
                location = u64::from(vdp.next.location);
                count = (u64::from(vdp.next.length) / BLOCK).min(MAX_SEQUENCE_BLOCKS);
                i = 0;
            }
            TagId::TERMINATING => break,
            _ => {}
        }
    }
    if seq.logical.is_none() || seq.partitions.is_empty() {
        return Err(corrupt(
            what,
            u64::from(extent.location),
            "no logical volume or partition descriptor",
        ));
    }
    Ok(seq)
}

fn open_volume<S: SectorSource + ?Sized>(
    blocks: &mut Blocks<'_, S>,
    seq: Sequence,
    nsr: u8,
    anchor_lba: u64,
    source_blocks: Option<u64>,
    limits: &Limits,
) -> Result<UdfState> {
    let Some((lvd, lvd_lba)) = seq.logical else {
        return Err(corrupt(
            "UDF logical volume descriptor",
            anchor_lba,
            "missing",
        ));
    };
    if lvd.block_size as usize != BLOCK_SIZE {
        return Err(ReadError::Unsupported {
            path: "/".into(),
            what: format!(
                "UDF logical block size {} (only 2048 is handled)",
                lvd.block_size
            ),
        });
    }
    if !lvd.domain.is(b"*OSTA UDF Compliant") {
        tracing::warn!(
            "UDF logical volume descriptor at {lvd_lba}: domain {:?} is not OSTA UDF",
            String::from_utf8_lossy(lvd.domain.name())
        );
    }
    let physical_of = |number: u16| -> Result<&Partition> {
        seq.partitions.get(&number).ok_or_else(|| {
            corrupt(
                "UDF logical volume descriptor",
                lvd_lba,
                format!("a partition map names partition {number}, which no descriptor describes"),
            )
        })
    };
    let mut maps = Vec::new();
    let mut kinds = Vec::new();
    let mut vat_lba = None;
    let mut vat_volume_id = None;
    let mut main_partition: Option<&Partition> = None;
    for map in &lvd.maps {
        let (mapping, kind) = match map {
            PartitionMap::Physical { number, .. } => {
                let pd = physical_of(*number)?;
                main_partition.get_or_insert(pd);
                (physical(pd), "physical")
            }
            PartitionMap::Sparable {
                number,
                packet_length,
                table_size,
                tables,
            } => {
                let pd = physical_of(*number)?;
                main_partition.get_or_insert(pd);
                (
                    sparable(blocks, pd, *packet_length, *table_size, tables)?,
                    "sparable",
                )
            }
            PartitionMap::Virtual { number, revision } => {
                let pd = physical_of(*number)?;
                let (mapping, at, id) = find_vat(blocks, pd, *revision, source_blocks, limits)?;
                vat_lba = Some(at);
                vat_volume_id = id;
                (mapping, "virtual")
            }
            PartitionMap::Metadata {
                number,
                file_location,
                mirror_location,
                ..
            } => {
                let pd = physical_of(*number)?;
                let phys = physical(pd);
                let mapping = metadata(blocks, &phys, *file_location, limits).or_else(|first| {
                    metadata(blocks, &phys, *mirror_location, limits).map_err(|_| first)
                })?;
                (mapping, "metadata")
            }
            PartitionMap::Unknown { identifier } => {
                return Err(ReadError::Unsupported {
                    path: "/".into(),
                    what: format!(
                        "UDF partition map {:?}",
                        String::from_utf8_lossy(identifier)
                    ),
                })
            }
        };
        maps.push(mapping);
        kinds.push(kind);
    }
    let main_partition = main_partition.or_else(|| seq.partitions.values().next());

    // Integrity: counts and state only; a missing or damaged one costs nothing
    // but those (Linux mounts such volumes read-only).
    let integrity = read_integrity(blocks, lvd.integrity);

    // The file set descriptor, then the root.
    let fsd_at = lvd.file_set.location;
    let mapping = maps.get(usize::from(fsd_at.partition)).ok_or_else(|| {
        corrupt(
            "UDF logical volume descriptor",
            lvd_lba,
            format!(
                "the file set is in partition {}, which has no map",
                fsd_at.partition
            ),
        )
    })?;
    let fsd_lba = mapping
        .block(fsd_at.block)
        .map_err(|e| corrupt("UDF file set descriptor", u64::from(fsd_at.block), e.0))?;
    let block = blocks.read(fsd_lba, BLOCK, "file set descriptor", "/")?;
    let fsd = FileSet::parse(&block).map_err(|e| corrupt("UDF file set descriptor", fsd_lba, e))?;
    if fsd.tag.location != fsd_at.block {
        return Err(corrupt(
            "UDF file set descriptor",
            fsd_lba,
            format!(
                "its tag says partition block {}, it was read from partition block {}",
                fsd.tag.location, fsd_at.block
            ),
        ));
    }
    let primary = seq.primary.as_ref();
    let info = UdfInfo {
        revision: lvd.domain.suffix_revision().to_text(),
        nsr,
        anchor_lba,
        logical_volume_id: vat_volume_id.unwrap_or_else(|| lvd.identifier.clone()),
        volume_id: primary
            .map(|p| p.volume_identifier.clone())
            .unwrap_or_default(),
        volume_set_id: primary
            .map(|p| p.volume_set_identifier.clone())
            .unwrap_or_default(),
        partition_maps: kinds,
        partition_start: main_partition.map_or(0, |p| u64::from(p.start)),
        partition_blocks: main_partition.map_or(0, |p| u64::from(p.length)),
        access_type: main_partition.map_or(0, |p| p.access_type),
        files: integrity.as_ref().map(|i| i.files),
        directories: integrity.as_ref().map(|i| i.directories),
        recorded: primary.and_then(|p| p.recorded.to_unix()),
        vat_lba,
        implementation: String::from_utf8_lossy(
            primary
                .map(|p| p.implementation.name())
                .unwrap_or(lvd.implementation.name()),
        )
        .into_owned(),
        closed: integrity
            .as_ref()
            .map(|i| i.integrity_type == Integrity::CLOSED),
    };
    Ok(UdfState {
        maps,
        root: fsd.root.location,
        info,
    })
}

fn physical(pd: &Partition) -> Mapping {
    Mapping::Physical {
        start: u64::from(pd.start),
        length: u64::from(pd.length),
    }
}

fn read_integrity<S: SectorSource + ?Sized>(
    blocks: &mut Blocks<'_, S>,
    extent: ExtentAd,
) -> Option<Integrity> {
    if extent.length == 0 {
        return None;
    }
    let lba = u64::from(extent.location);
    let block = blocks.read(lba, BLOCK, "integrity descriptor", "/").ok()?;
    tag::verify_as(&block, TagId::INTEGRITY, Some(extent.location))
        .and_then(|_| Integrity::parse(&block))
        .map_err(|e| tracing::warn!("UDF integrity descriptor at {lba}: {e}"))
        .ok()
}

fn sparable<S: SectorSource + ?Sized>(
    blocks: &mut Blocks<'_, S>,
    pd: &Partition,
    packet_length: u16,
    table_size: u32,
    tables: &[u32],
) -> Result<Mapping> {
    let what = "UDF sparing table";
    if packet_length == 0 || !packet_length.is_power_of_two() {
        return Err(corrupt(what, 0, format!("packet length {packet_length}")));
    }
    let size = u64::from(table_size).clamp(BLOCK, 64 << 10);
    let mut problems = Vec::new();
    for &at in tables {
        let lba = u64::from(at);
        let parsed = blocks
            .read(lba, size, "sparing table", "/")
            .map_err(|e| e.to_string())
            .and_then(|b| {
                tag::verify(&b, Some(at)).map_err(|e| e.to_string())?;
                SparingTable::parse(&b).map_err(|e| e.to_string())
            });
        match parsed {
            Ok(table) => {
                let moved = table
                    .entries
                    .iter()
                    .filter(|(original, _)| *original < 0xFFFF_FFF0)
                    .map(|&(original, mapped)| (original, u64::from(mapped)))
                    .collect();
                return Ok(Mapping::Sparable {
                    start: u64::from(pd.start),
                    length: u64::from(pd.length),
                    packet: u32::from(packet_length),
                    moved,
                });
            }
            Err(e) => problems.push(format!("block {lba}: {e}")),
        }
    }
    Err(corrupt(
        what,
        tables.first().map_or(0, |&t| u64::from(t)),
        format!("no valid copy ({})", problems.join("; ")),
    ))
}

/// The largest VAT read (a 4 GiB partition's worth of entries).
const MAX_VAT_BYTES: u64 = 8 << 20;

/// Finds the VAT in the last blocks of the medium (Linux
/// `udf_find_vat_block`: the last block and the three before it).
fn find_vat<S: SectorSource + ?Sized>(
    blocks: &mut Blocks<'_, S>,
    pd: &Partition,
    revision: Revision,
    source_blocks: Option<u64>,
    limits: &Limits,
) -> Result<(Mapping, u64, Option<String>)> {
    let what = "UDF virtual allocation table";
    let start = u64::from(pd.start);
    let phys = physical(pd);
    let Some(last) = source_blocks.and_then(|n| n.checked_sub(1)) else {
        return Err(ReadError::Unsupported {
            path: "/".into(),
            what: "a UDF virtual partition on a medium of unknown size".into(),
        });
    };
    let mut problems = Vec::new();
    for lba in (last.saturating_sub(3)..=last).rev() {
        let Some(rel) = lba.checked_sub(start).and_then(|r| u32::try_from(r).ok()) else {
            continue;
        };
        let found = (|| -> std::result::Result<(Vat, Option<String>), String> {
            let block = blocks
                .read(lba, BLOCK, "VAT", "/")
                .map_err(|e| e.to_string())?;
            let fe = FileEntry::parse(&block).map_err(|e| e.to_string())?;
            if fe.tag.location != rel {
                return Err(format!(
                    "file entry names partition block {}",
                    fe.tag.location
                ));
            }
            let expected = if revision < Revision::V2_00 {
                file_type::UNSPECIFIED
            } else {
                file_type::VAT
            };
            if fe.icb.file_type != expected {
                return Err(format!("file type {}", fe.icb.file_type));
            }
            if fe.information_length > MAX_VAT_BYTES {
                return Err(format!("{} bytes", fe.information_length));
            }
            let data =
                dir::read_entry_data(blocks, std::slice::from_ref(&phys), 0, &fe, limits, "VAT")
                    .map_err(|e| e.to_string())?;
            let vat = if revision < Revision::V2_00 {
                Vat::parse_v150(&data)
            } else {
                Vat::parse_v200(&data)
            }
            .map_err(|e| e.to_string())?;
            let id = vat
                .logical_volume_identifier
                .clone()
                .filter(|s| !s.is_empty());
            Ok((vat, id))
        })();
        match found {
            Ok((vat, id)) => {
                let mapping = Mapping::Virtual {
                    start,
                    length: u64::from(pd.length),
                    vat: vat.entries,
                };
                return Ok((mapping, lba, id));
            }
            Err(e) => problems.push(format!("block {lba}: {e}")),
        }
    }
    Err(corrupt(
        what,
        last,
        format!("not found in the last 4 blocks ({})", problems.join("; ")),
    ))
}

fn metadata<S: SectorSource + ?Sized>(
    blocks: &mut Blocks<'_, S>,
    phys: &Mapping,
    location: u32,
    limits: &Limits,
) -> Result<Mapping> {
    let what = "UDF metadata file";
    let lba = phys
        .block(location)
        .map_err(|e| corrupt(what, u64::from(location), e.0))?;
    let block = blocks.read(lba, BLOCK, "metadata file", "/")?;
    let fe = FileEntry::parse(&block).map_err(|e| corrupt(what, lba, e))?;
    if fe.tag.location != location {
        return Err(corrupt(
            what,
            lba,
            format!("tag names block {}", fe.tag.location),
        ));
    }
    if !matches!(
        fe.icb.file_type,
        file_type::METADATA | file_type::METADATA_MIRROR
    ) || fe.icb.ad_kind() != AdKind::Short
    {
        return Err(corrupt(
            what,
            lba,
            format!(
                "file type {} with {:?} descriptors",
                fe.icb.file_type,
                fe.icb.ad_kind()
            ),
        ));
    }
    let (extents, _) = dir::entry_extents(
        blocks,
        std::slice::from_ref(phys),
        0,
        &fe,
        limits,
        "metadata file",
    )?;
    let mut pieces = Vec::new();
    let mut next = 0u64;
    for e in extents {
        let n = e.len.div_ceil(BLOCK);
        pieces.push((next, e.lba, n));
        next += n;
    }
    Ok(Mapping::Metadata { pieces })
}
