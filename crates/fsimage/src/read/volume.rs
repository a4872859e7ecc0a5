//! Opening a session: the volume descriptor set (ECMA-119 8), the Joliet
//! supplementary descriptor, El Torito's boot record, and Rock Ridge detection
//! (SUSP 5.3: SP in the root's `.` record; SUSP 5.5: ER names the extension).

use iso9660::dirrec::{DirectoryRecord, RecordIter};
use iso9660::volume::{DescriptorHeader, DescriptorType, VolumeDescriptor};
use iso9660::{names, VolumeDate};

use super::rr::{self, RrInfo};
use super::stat::{date_to_unix, default_stat};
use super::{dir, Extent, FileKind, Node, ReadError, ReadOptions, Result, Volume, BLOCK};
use crate::source::{SectorSource, BLOCK_SIZE};

/// Where names come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Namespace {
    /// Rock Ridge NM names and POSIX attributes over the primary tree.
    RockRidge,
    /// The Joliet supplementary tree (UCS-2 names).
    Joliet,
    /// Plain ISO 9660 identifiers of the primary tree (`;1` stripped).
    Iso9660,
    /// The UDF file set (ECMA-167 part 4): Unicode names, POSIX attributes.
    Udf,
}

impl Namespace {
    pub fn as_str(self) -> &'static str {
        match self {
            Namespace::RockRidge => "rock_ridge",
            Namespace::Joliet => "joliet",
            Namespace::Iso9660 => "iso9660",
            Namespace::Udf => "udf",
        }
    }
}

/// Rock Ridge as found in the root directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RockRidgeInfo {
    /// The ER extension identifier (`IEEE_P1282`, `RRIP_1991A`, ...), if recorded.
    pub identifier: Option<String>,
    /// RRIP version it implies: "1.12" (IEEE_P1282 / IEEE_1282), "1.10" (RRIP_1991A), else "unknown".
    pub version: String,
    /// SUSP LEN_SKP from the SP entry.
    pub susp_skip: u8,
}

/// An El Torito boot record (El Torito 1.0, 2.0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElTorito {
    /// LBA of the boot catalog.
    pub catalog_lba: u32,
}

/// What the descriptors of a session say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeInfo {
    /// First block of the session (its descriptors are 16 blocks later).
    pub session_start: u64,
    pub system_id: String,
    pub volume_id: String,
    pub volume_set_id: String,
    pub publisher_id: String,
    pub preparer_id: String,
    pub application_id: String,
    /// Volume Space Size of the primary descriptor, in blocks.
    pub volume_space_size: u32,
    pub logical_block_size: u16,
    /// Dates of the primary descriptor, seconds since the epoch (`None`: not set).
    pub creation_date: Option<i64>,
    pub modification_date: Option<i64>,
    pub file_structure_version: u8,
    /// Root directory extent of the primary tree.
    pub root_lba: u32,
    /// Joliet level (1–3) when a Joliet descriptor is present.
    pub joliet_level: Option<u8>,
    /// The Joliet descriptor's volume identifier (UCS-2, decoded).
    pub joliet_volume_id: Option<String>,
    pub rock_ridge: Option<RockRidgeInfo>,
    pub el_torito: Option<ElTorito>,
    /// Blocks the reader accepts extents in (the source's size, else the session end).
    pub readable_blocks: u64,
    /// The session has ISO 9660 descriptors (false: UDF only).
    pub iso9660: bool,
    /// The session's UDF volume, when it has one.
    pub udf: Option<super::udf::UdfInfo>,
    /// Why the session's UDF volume could not be read, when it names UDF but
    /// the ISO 9660 trees were read instead.
    pub udf_problem: Option<String>,
    /// Where the session's MD5 checksum array lies (AAIP `isofs.ca` of the
    /// root's `.` record in the Rock Ridge tree; checksums.md §7.1).
    pub checksum_area: Option<iso9660::aaip::ChecksumArea>,
}

/// How many descriptors are scanned before giving up on a terminator
/// (Linux isofs scans 100).
const MAX_DESCRIPTORS: u64 = 100;

fn text(field: &[u8]) -> String {
    String::from_utf8_lossy(names::trim_field(field)).into_owned()
}

fn ucs2_text(field: &[u8]) -> String {
    // A 32-byte Joliet field holds 16 UCS-2 units, padded with spaces (00 20).
    let mut units = field.to_vec();
    while units.len() >= 2 && units[units.len() - 2..] == [0, b' '] || units.ends_with(&[0, 0]) {
        units.truncate(units.len() - 2);
    }
    names::decode_ucs2(&units)
}

fn date(d: &VolumeDate) -> Option<i64> {
    if d.is_unset() {
        None
    } else {
        d.to_unix()
    }
}

/// Parses a primary or supplementary descriptor. What Linux reads without
/// complaint (a malformed root record, dates that are not digits; see
/// `VolumeDescriptor::lenient`) is accepted and said at debug level.
fn parse_descriptor(block: &[u8]) -> std::result::Result<VolumeDescriptor, iso9660::Error> {
    let vd = VolumeDescriptor::parse(block)?;
    for note in &vd.lenient {
        tracing::debug!("volume descriptor read leniently, as Linux reads it: {note}");
    }
    Ok(vd)
}

/// The ISO 9660 descriptors of a session: primary, Joliet, El Torito.
struct IsoDescriptors {
    pvd: VolumeDescriptor,
    joliet: Option<VolumeDescriptor>,
    el_torito: Option<ElTorito>,
}

pub(super) fn open<S: SectorSource>(mut source: S, options: ReadOptions) -> Result<Volume<S>> {
    let start = options.session_start;
    let source_blocks = source.block_count();
    // UDF first (its recognition sequence follows the ISO descriptors in a
    // bridge); a damaged UDF volume does not hide the ISO 9660 trees.
    let udf = super::udf::probe(&mut source, start, source_blocks, &options.limits);
    let iso = match read_descriptors(&mut source, start, source_blocks) {
        Ok(iso) => iso,
        Err(ReadError::NotIso { reason, .. }) => {
            return match udf {
                Ok(Some(state)) => open_udf_only(source, options, state),
                Ok(None) => Err(ReadError::NotIso {
                    session_start: start,
                    reason: format!("{reason}; no UDF recognition sequence either"),
                }),
                Err(e) => Err(e),
            }
        }
        Err(e) => return Err(e),
    };
    let (udf, udf_problem) = match udf {
        Ok(state) => (state, None),
        Err(e) if options.namespace == Some(Namespace::Udf) => return Err(e),
        Err(e) => {
            tracing::warn!("UDF of the session at LBA {start} is not readable: {e}");
            (None, Some(e.to_string()))
        }
    };
    let IsoDescriptors {
        pvd,
        joliet,
        el_torito,
    } = iso;
    open_iso(source, options, pvd, joliet, el_torito, udf, udf_problem)
}

fn read_descriptors<S: SectorSource>(
    source: &mut S,
    start: u64,
    source_blocks: Option<u64>,
) -> Result<IsoDescriptors> {
    let not_iso = |reason: String| ReadError::NotIso {
        session_start: start,
        reason,
    };
    let mut pvd: Option<VolumeDescriptor> = None;
    let mut joliet: Option<VolumeDescriptor> = None;
    let mut el_torito: Option<ElTorito> = None;
    let mut block = vec![0u8; BLOCK_SIZE];
    for index in 0..MAX_DESCRIPTORS {
        let lba = start.saturating_add(16 + index);
        if source_blocks.is_some_and(|n| lba >= n) {
            if pvd.is_some() {
                break; // no terminator, but the primary descriptor was found
            }
            return Err(not_iso(format!(
                "the image ends at block {} before a volume descriptor",
                source_blocks.unwrap_or(0)
            )));
        }
        source
            .read_blocks(lba, &mut block)
            .map_err(|source| ReadError::Io {
                what: "volume descriptor".into(),
                lba,
                source,
            })?;
        let header = match DescriptorHeader::parse(&block) {
            Ok(h) => h,
            Err(_) if index == 0 => {
                return Err(not_iso(format!("no CD001 volume descriptor at LBA {lba}")))
            }
            Err(_) => break,
        };
        match header.descriptor_type {
            DescriptorType::Primary if pvd.is_none() => {
                let vd = parse_descriptor(&block).map_err(|e| ReadError::Corrupt {
                    path: "/".into(),
                    what: "primary volume descriptor",
                    lba,
                    reason: e.to_string(),
                })?;
                pvd = Some(vd);
            }
            DescriptorType::Supplementary if joliet.is_none() => match parse_descriptor(&block) {
                Ok(vd) if vd.joliet_level().is_some() => joliet = Some(vd),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!("ignoring malformed supplementary descriptor at LBA {lba}: {e}")
                }
            },
            // El Torito: boot system identifier at 7, catalog pointer (LE) at 0x47.
            DescriptorType::BootRecord
                if block.get(7..30) == Some(b"EL TORITO SPECIFICATION".as_slice()) =>
            {
                let catalog = block
                    .get(0x47..0x4B)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .unwrap_or(0);
                el_torito = Some(ElTorito {
                    catalog_lba: catalog,
                });
            }
            DescriptorType::Terminator => break,
            _ => {}
        }
    }
    let pvd =
        pvd.ok_or_else(|| not_iso("no primary volume descriptor before the terminator".into()))?;
    Ok(IsoDescriptors {
        pvd,
        joliet,
        el_torito,
    })
}

/// A session with UDF and no ISO 9660 descriptors (as Windows burns them).
fn open_udf_only<S: SectorSource>(
    source: S,
    options: ReadOptions,
    state: super::udf::UdfState,
) -> Result<Volume<S>> {
    if matches!(
        options.namespace,
        Some(Namespace::RockRidge | Namespace::Joliet | Namespace::Iso9660)
    ) {
        return Err(ReadError::Unsupported {
            path: "/".into(),
            what: "the session holds UDF only (no ISO 9660 descriptors)".into(),
        });
    }
    let start = options.session_start;
    let info = &state.info;
    // No volume space size is recorded: the session spans to its partition's
    // end, or on write-once media (a VAT) to the VAT, its last written block.
    let end = info.volume_end();
    let image_blocks = source.block_count().unwrap_or(end);
    let volume_space_size = u32::try_from(end.saturating_sub(start)).unwrap_or(u32::MAX);
    let mut volume = Volume {
        source,
        info: VolumeInfo {
            session_start: start,
            system_id: String::new(),
            volume_id: info.logical_volume_id.clone(),
            volume_set_id: info.volume_set_id.clone(),
            publisher_id: String::new(),
            preparer_id: String::new(),
            application_id: String::new(),
            volume_space_size,
            logical_block_size: BLOCK_SIZE as u16,
            creation_date: info.recorded,
            modification_date: None,
            file_structure_version: 0,
            root_lba: 0,
            joliet_level: None,
            joliet_volume_id: None,
            rock_ridge: None,
            el_torito: None,
            readable_blocks: image_blocks,
            iso9660: false,
            udf: Some(info.clone()),
            udf_problem: None,
            checksum_area: None,
        },
        namespace: Namespace::Udf,
        susp_skip: None,
        image_blocks,
        root: placeholder_root(),
        limits: options.limits.clone(),
        ce_hops_left: options.limits.max_ce_hops,
        udf: Some(state),
    };
    volume.root = super::udf::root_node(&mut volume)?;
    Ok(volume)
}

#[allow(clippy::too_many_arguments)]
fn open_iso<S: SectorSource>(
    source: S,
    options: ReadOptions,
    pvd: VolumeDescriptor,
    joliet: Option<VolumeDescriptor>,
    el_torito: Option<ElTorito>,
    udf: Option<super::udf::UdfState>,
    udf_problem: Option<String>,
) -> Result<Volume<S>> {
    let start = options.session_start;
    let source_blocks = source.block_count();
    if usize::from(pvd.logical_block_size) != BLOCK_SIZE {
        return Err(ReadError::Unsupported {
            path: "/".into(),
            what: format!(
                "logical block size {} (only 2048 is handled)",
                pvd.logical_block_size
            ),
        });
    }
    let image_blocks =
        source_blocks.unwrap_or_else(|| start.saturating_add(u64::from(pvd.volume_space_size)));

    let mut volume = Volume {
        source,
        info: VolumeInfo {
            session_start: start,
            system_id: text(&pvd.system_id),
            volume_id: text(&pvd.volume_id),
            volume_set_id: text(&pvd.volume_set_id),
            publisher_id: text(&pvd.publisher_id),
            preparer_id: text(&pvd.preparer_id),
            application_id: text(&pvd.application_id),
            volume_space_size: pvd.volume_space_size,
            logical_block_size: pvd.logical_block_size,
            creation_date: date(&pvd.creation_date),
            modification_date: date(&pvd.modification_date),
            file_structure_version: pvd.file_structure_version,
            root_lba: pvd.root_extent,
            joliet_level: joliet.as_ref().and_then(VolumeDescriptor::joliet_level),
            joliet_volume_id: joliet.as_ref().map(|j| ucs2_text(&j.volume_id)),
            rock_ridge: None,
            el_torito,
            readable_blocks: image_blocks,
            iso9660: true,
            udf: udf.as_ref().map(|u| u.info.clone()),
            udf_problem,
            checksum_area: None,
        },
        namespace: Namespace::Iso9660,
        susp_skip: None,
        image_blocks,
        root: placeholder_root(),
        limits: options.limits.clone(),
        ce_hops_left: options.limits.max_ce_hops,
        udf,
    };

    // Rock Ridge: SP at the start of the System Use field of the root's `.` record.
    let (primary_root, root_rr) = read_root(&mut volume, pvd.root_extent, pvd.root_data_len, true)?;
    if let Some(rr) = &root_rr {
        if let Some(sp) = rr.sp {
            let identifier = rr
                .er_ids
                .iter()
                .find(|id| is_rrip_id(id))
                .map(|id| String::from_utf8_lossy(id).into_owned());
            if identifier.is_some() || rr.any_rrip {
                let version = match identifier.as_deref() {
                    Some("IEEE_P1282") | Some("IEEE_1282") => "1.12",
                    Some("RRIP_1991A") => "1.10",
                    _ => "unknown",
                };
                volume.info.rock_ridge = Some(RockRidgeInfo {
                    identifier,
                    version: version.to_string(),
                    susp_skip: sp.len_skp,
                });
                volume.info.checksum_area = rr.checksum_area;
            }
        }
    }

    // Rock Ridge first (POSIX names and attributes; genisoimage's UDF of a
    // later session shows earlier files as empty), then UDF (IMAPI2's choice),
    // then Joliet, then ISO 9660.
    let wanted = options
        .namespace
        .unwrap_or(if volume.info.rock_ridge.is_some() {
            Namespace::RockRidge
        } else if volume.udf.is_some() {
            Namespace::Udf
        } else if joliet.is_some() {
            Namespace::Joliet
        } else {
            Namespace::Iso9660
        });
    match wanted {
        Namespace::RockRidge => {
            let Some(rock) = &volume.info.rock_ridge else {
                return Err(ReadError::Unsupported {
                    path: "/".into(),
                    what: "the image has no Rock Ridge".into(),
                });
            };
            volume.susp_skip = Some(rock.susp_skip);
            let mut root = primary_root;
            if let Some(rr) = &root_rr {
                dir::apply_rr_attributes(&mut root.stat, rr);
            }
            volume.root = root;
        }
        Namespace::Joliet => {
            let Some(j) = &joliet else {
                return Err(ReadError::Unsupported {
                    path: "/".into(),
                    what: "the image has no Joliet tree".into(),
                });
            };
            let (root, _) = read_root(&mut volume, j.root_extent, j.root_data_len, false)?;
            volume.root = root;
        }
        Namespace::Iso9660 => volume.root = primary_root,
        Namespace::Udf => {
            if volume.udf.is_none() {
                return Err(ReadError::Unsupported {
                    path: "/".into(),
                    what: "the session has no UDF".into(),
                });
            }
            volume.root = super::udf::root_node(&mut volume)?;
        }
    }
    volume.namespace = wanted;
    Ok(volume)
}

fn is_rrip_id(id: &[u8]) -> bool {
    matches!(id, b"IEEE_P1282" | b"IEEE_1282" | b"RRIP_1991A")
}

fn placeholder_root() -> Node {
    Node {
        name: Vec::new(),
        file_id: vec![0],
        stat: default_stat(FileKind::Dir, 0, 0, None),
        extents: Vec::new(),
        record_at: (0, 0),
        interleave: None,
        embedded: None,
        icb: None,
        zisofs: None,
        md5_index: None,
    }
}

/// Builds the root node from a descriptor's root record, checking that the
/// root extent is inside the image, and (when `with_susp`) gathers the SUSP
/// entries of its `.` record, which are not subject to LEN_SKP.
fn read_root<S: SectorSource>(
    vol: &mut Volume<S>,
    extent: u32,
    data_len: u32,
    with_susp: bool,
) -> Result<(Node, Option<RrInfo>)> {
    let lba = u64::from(extent);
    let len = u64::from(data_len);
    if len == 0 {
        return Err(ReadError::Corrupt {
            path: "/".into(),
            what: "root directory",
            lba,
            reason: "length 0".into(),
        });
    }
    if len > vol.limits.max_dir_bytes {
        return Err(ReadError::Limit {
            path: "/".into(),
            what: "root directory size",
            limit: vol.limits.max_dir_bytes,
        });
    }
    let first = vol.read_blocks_checked(lba, BLOCK.min(len), "root directory", "/")?;
    let dot = RecordIter::new(&first)
        .next()
        .and_then(|r| r.ok())
        .map(|(_, r)| r);
    let mtime = dot.as_ref().and_then(|r| date_to_unix(r.date));
    let mut node = Node {
        name: Vec::new(),
        file_id: vec![0],
        stat: default_stat(FileKind::Dir, len, (3 << 48) | lba, mtime),
        extents: vec![Extent { lba, len }],
        record_at: (lba, 0),
        interleave: None,
        embedded: None,
        icb: None,
        zisofs: None,
        md5_index: None,
    };
    let mut rr_info = None;
    if with_susp {
        if let Some(rec) = dot.filter(DirectoryRecord::is_dot) {
            let area = rec.system_use.to_vec();
            let info = rr::collect(vol, &area, "/")?;
            rr_info = Some(info);
        }
    }
    node.stat.size = len;
    Ok((node, rr_info))
}
