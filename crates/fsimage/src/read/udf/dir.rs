//! UDF directories and file entries (ECMA-167 4/14.4, 4/14.9, 4/14.17):
//! a directory's data is a run of FIDs; each names an ICB whose FE or EFE
//! holds the entry's attributes and its allocation descriptors (or its data,
//! embedded). Allocation extent descriptors continue long descriptor lists.

use std::collections::HashSet;

use udf::file::{file_type, AdKind, Allocation, AllocationExtent, FileEntry, FileIdentifier};
use udf::types::ExtentType;
use udf::LbAddr;

use super::super::stat::default_stat;
use super::super::{
    Extent, FileKind, Limits, Listing, Node, ReadError, Result, SkippedEntry, Volume,
};
use super::{Blocks, Mapping, BLOCK};
use crate::source::SectorSource;

fn corrupt(path: &str, what: &'static str, lba: u64, reason: impl ToString) -> ReadError {
    ReadError::Corrupt {
        path: path.to_string(),
        what,
        lba,
        reason: reason.to_string(),
    }
}

fn map_of<'m>(maps: &'m [Mapping], partition: u16, path: &str) -> Result<&'m Mapping> {
    maps.get(usize::from(partition)).ok_or_else(|| {
        corrupt(
            path,
            "UDF address",
            0,
            format!("partition reference {partition} has no partition map"),
        )
    })
}

/// Reads and checks the file entry of `icb`: its tag must name the block it
/// was read from (partition-relative, UDF 2.3.1). Returns it and its absolute block.
pub(crate) fn read_entry<S: SectorSource + ?Sized>(
    blocks: &mut Blocks<'_, S>,
    maps: &[Mapping],
    icb: LbAddr,
    path: &str,
) -> Result<(FileEntry, u64)> {
    let what = "UDF file entry";
    let lba = map_of(maps, icb.partition, path)?
        .block(icb.block)
        .map_err(|e| corrupt(path, what, u64::from(icb.block), e.0))?;
    let block = blocks.read(lba, BLOCK, "file entry", path)?;
    let fe = FileEntry::parse(&block).map_err(|e| corrupt(path, what, lba, e))?;
    if fe.tag.location != icb.block {
        return Err(corrupt(
            path,
            what,
            lba,
            format!(
                "its tag names partition block {}, it was read from partition block {}",
                fe.tag.location, icb.block
            ),
        ));
    }
    Ok((fe, lba))
}

/// The absolute extents of an entry's data (exactly its information length),
/// or its embedded bytes. AED chains are followed; extents must map inside
/// their partitions; unrecorded extents (sparse files) are not handled.
pub(crate) fn entry_extents<S: SectorSource + ?Sized>(
    blocks: &mut Blocks<'_, S>,
    maps: &[Mapping],
    icb_partition: u16,
    fe: &FileEntry,
    limits: &Limits,
    path: &str,
) -> Result<(Vec<Extent>, Option<Vec<u8>>)> {
    let size = fe.information_length;
    let kind = fe.icb.ad_kind();
    let mut descriptors = match fe.descriptors() {
        Ok(Allocation::Embedded(data)) => {
            if data.len() as u64 != size {
                return Err(corrupt(
                    path,
                    "UDF file entry",
                    0,
                    format!(
                        "{} bytes embedded, but the file is {size} bytes long",
                        data.len()
                    ),
                ));
            }
            return Ok((Vec::new(), Some(data)));
        }
        Ok(Allocation::Extents(ads)) => ads,
        Err(e) => return Err(corrupt(path, "UDF allocation descriptors", 0, e)),
    };
    if kind == AdKind::Extended {
        return Err(ReadError::Unsupported {
            path: path.to_string(),
            what: "UDF extended allocation descriptors (ext_ad)".into(),
        });
    }
    let mut out: Vec<Extent> = Vec::new();
    let mut total = 0u64;
    let mut aed_hops = 0usize;
    let mut index = 0;
    while index < descriptors.len() && total < size {
        let ad = descriptors[index];
        index += 1;
        let partition = if ad.same_partition {
            icb_partition
        } else {
            ad.location.partition
        };
        let mapping = map_of(maps, partition, path)?;
        match ad.kind {
            ExtentType::NextExtent => {
                aed_hops += 1;
                if aed_hops > limits.max_extents_per_file {
                    return Err(ReadError::Limit {
                        path: path.to_string(),
                        what: "UDF allocation extent descriptors of one file",
                        limit: limits.max_extents_per_file as u64,
                    });
                }
                let lba = mapping
                    .block(ad.location.block)
                    .map_err(|e| corrupt(path, "UDF allocation extent", 0, e.0))?;
                let block = blocks.read(lba, BLOCK, "allocation extent", path)?;
                let aed = AllocationExtent::parse(&block)
                    .map_err(|e| corrupt(path, "UDF allocation extent", lba, e))?;
                if aed.tag.location != ad.location.block {
                    return Err(corrupt(
                        path,
                        "UDF allocation extent",
                        lba,
                        format!("its tag names block {}", aed.tag.location),
                    ));
                }
                let Allocation::Extents(more) = Allocation::parse(kind, &aed.area)
                    .map_err(|e| corrupt(path, "UDF allocation extent", lba, e))?
                else {
                    return Err(corrupt(path, "UDF allocation extent", lba, "embedded data"));
                };
                // The rest of this list is replaced by the continuation.
                descriptors = more;
                index = 0;
            }
            ExtentType::Recorded => {
                let len = u64::from(ad.length).min(size - total);
                let room = limits.max_extents_per_file.saturating_sub(out.len()).max(1);
                let pieces = mapping
                    .extents(ad.location.block, len, room)
                    .map_err(|e| corrupt(path, "UDF allocation descriptor", 0, e.0))?;
                for piece in pieces {
                    match out.last_mut() {
                        Some(last)
                            if last.len % BLOCK == 0
                                && last.lba + last.len / BLOCK == piece.lba =>
                        {
                            last.len += piece.len
                        }
                        _ => out.push(piece),
                    }
                }
                if out.len() > limits.max_extents_per_file {
                    return Err(ReadError::Limit {
                        path: path.to_string(),
                        what: "extents of one file",
                        limit: limits.max_extents_per_file as u64,
                    });
                }
                total += len;
            }
            ExtentType::AllocatedNotRecorded | ExtentType::NotAllocated => {
                return Err(ReadError::Unsupported {
                    path: path.to_string(),
                    what: "a UDF file with unrecorded extents (a sparse file)".into(),
                });
            }
        }
    }
    if total < size {
        return Err(corrupt(
            path,
            "UDF file entry",
            out.first().map_or(0, |e| e.lba),
            format!("its allocation descriptors hold {total} bytes of {size}"),
        ));
    }
    Ok((out, None))
}

/// Reads the whole data of an entry (VAT, symlink, directory); callers bound its size.
pub(crate) fn read_entry_data<S: SectorSource + ?Sized>(
    blocks: &mut Blocks<'_, S>,
    maps: &[Mapping],
    icb_partition: u16,
    fe: &FileEntry,
    limits: &Limits,
    path: &str,
) -> Result<Vec<u8>> {
    let (extents, embedded) = entry_extents(blocks, maps, icb_partition, fe, limits, path)?;
    if let Some(data) = embedded {
        return Ok(data);
    }
    read_extents(blocks, &extents, path)
}

fn read_extents<S: SectorSource + ?Sized>(
    blocks: &mut Blocks<'_, S>,
    extents: &[Extent],
    path: &str,
) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for e in extents {
        let data = blocks.read(e.lba, e.len, "data", path)?;
        out.extend_from_slice(&data[..e.len as usize]);
    }
    Ok(out)
}

/// POSIX permission bits of UDF permissions (ECMA-167 4/14.9.5: x, w, r per
/// class, 5 bits apart).
fn posix_permissions(udf: u32) -> u32 {
    (udf & 7) | ((udf >> 5) & 7) << 3 | ((udf >> 10) & 7) << 6
}

/// The target of a symlink's path components (ECMA-167 4/14.16), as Linux shows it.
fn symlink_target(data: &[u8]) -> std::result::Result<Vec<u8>, String> {
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut absolute = false;
    let mut at = 0;
    while at < data.len() {
        let header = data
            .get(at..at + 4)
            .ok_or("a path component is cut short")?;
        let len = usize::from(header[1]);
        let ident = data
            .get(at + 4..at + 4 + len)
            .ok_or("a path component runs past the data")?;
        match header[0] {
            1 | 2 if at == 0 => absolute = true,
            3 => parts.push(b"..".to_vec()),
            4 => parts.push(b".".to_vec()),
            5 => {
                let name = udf::cs0::decode(ident).map_err(|e| e.to_string())?;
                if name.is_empty() || name.contains('/') || name.contains('\0') {
                    return Err(format!("bad path component {name:?}"));
                }
                parts.push(name.into_bytes())
            }
            t => return Err(format!("path component type {t}")),
        }
        at += 4 + len;
    }
    let mut out = if absolute { b"/".to_vec() } else { Vec::new() };
    out.extend(parts.join(&b'/'));
    Ok(out)
}

/// Builds the node of one entry from its file entry.
#[allow(clippy::too_many_arguments)]
fn node_from_entry<S: SectorSource + ?Sized>(
    blocks: &mut Blocks<'_, S>,
    maps: &[Mapping],
    limits: &Limits,
    icb: LbAddr,
    fe: &FileEntry,
    fe_lba: u64,
    name: Vec<u8>,
    file_id: Vec<u8>,
    record_at: (u64, u32),
    path: &str,
) -> Result<std::result::Result<Node, String>> {
    let kind = match fe.icb.file_type {
        file_type::DIRECTORY => FileKind::Dir,
        file_type::FILE | file_type::UNSPECIFIED | file_type::REAL_TIME => FileKind::File,
        file_type::SYMLINK => FileKind::Symlink,
        file_type::FIFO => FileKind::Fifo,
        file_type::SOCKET => FileKind::Socket,
        t @ (file_type::BLOCK_DEVICE | file_type::CHAR_DEVICE) => {
            return Ok(Err(format!("UDF device file (file type {t}) is not read")))
        }
        t => return Ok(Err(format!("UDF file type {t}"))),
    };
    if fe.link_count == 0 {
        return Ok(Err("its file entry has a link count of 0".into()));
    }
    let mut stat = default_stat(
        kind,
        fe.information_length,
        (5 << 56) | fe_lba,
        fe.modification_time.to_unix(),
    );
    stat.mode = kind.mode_bits() | posix_permissions(fe.permissions) | fe.icb.special_mode_bits();
    stat.uid = if fe.uid == u32::MAX { 0 } else { fe.uid };
    stat.gid = if fe.gid == u32::MAX { 0 } else { fe.gid };
    stat.nlink = u32::from(fe.link_count);
    stat.atime = fe.access_time.to_unix();
    stat.ctime = fe.attribute_time.to_unix();
    stat.crtime = fe.creation_time.and_then(|t| t.to_unix());
    let (mut extents, mut embedded) = (Vec::new(), None);
    match kind {
        FileKind::File | FileKind::Dir => {
            if kind == FileKind::Dir && fe.information_length > limits.max_dir_bytes {
                return Err(ReadError::Limit {
                    path: path.to_string(),
                    what: "directory size",
                    limit: limits.max_dir_bytes,
                });
            }
            (extents, embedded) = entry_extents(blocks, maps, icb.partition, fe, limits, path)?;
        }
        FileKind::Symlink => {
            if fe.information_length > limits.max_symlink_bytes as u64 {
                return Err(ReadError::Limit {
                    path: path.to_string(),
                    what: "symlink length",
                    limit: limits.max_symlink_bytes as u64,
                });
            }
            let data = read_entry_data(blocks, maps, icb.partition, fe, limits, path)?;
            match symlink_target(&data) {
                Ok(target) => {
                    stat.size = target.len() as u64;
                    stat.symlink_target = Some(target);
                }
                Err(reason) => return Ok(Err(format!("symlink: {reason}"))),
            }
        }
        _ => stat.size = 0,
    }
    Ok(Ok(Node {
        name,
        file_id,
        stat,
        extents,
        record_at,
        interleave: None,
        embedded,
        icb: Some(fe_lba),
        zisofs: None,
        md5_index: None,
    }))
}

/// The root directory of the file set.
pub(crate) fn root_node<S: SectorSource>(vol: &mut Volume<S>) -> Result<Node> {
    let Some(state) = vol.udf.as_ref() else {
        return Err(ReadError::Unsupported {
            path: "/".into(),
            what: "the session has no UDF".into(),
        });
    };
    let mut blocks = Blocks {
        source: &mut vol.source,
        image_blocks: vol.image_blocks,
    };
    let (fe, lba) = read_entry(&mut blocks, &state.maps, state.root, "/")?;
    match node_from_entry(
        &mut blocks,
        &state.maps,
        &vol.limits,
        state.root,
        &fe,
        lba,
        Vec::new(),
        Vec::new(),
        (lba, 0),
        "/",
    )? {
        Ok(node) if node.is_dir() => Ok(node),
        Ok(_) => Err(corrupt("/", "UDF root directory", lba, "not a directory")),
        Err(reason) => Err(corrupt("/", "UDF root directory", lba, reason)),
    }
}

/// Lists a UDF directory; stops with a [`ReadError::Limit`] past `max_records`.
pub(crate) fn read_dir<S: SectorSource>(
    vol: &mut Volume<S>,
    dir: &Node,
    path: &str,
    max_records: usize,
    cap: (&'static str, u64),
) -> Result<Listing> {
    if !dir.is_dir() {
        return Err(ReadError::NotADirectory {
            path: path.to_string(),
        });
    }
    let Some(state) = vol.udf.as_ref() else {
        return Err(ReadError::Unsupported {
            path: path.to_string(),
            what: "the session has no UDF".into(),
        });
    };
    let limits = &vol.limits;
    let mut blocks = Blocks {
        source: &mut vol.source,
        image_blocks: vol.image_blocks,
    };
    if dir.stat.size > limits.max_dir_bytes {
        return Err(ReadError::Limit {
            path: path.to_string(),
            what: "directory size",
            limit: limits.max_dir_bytes,
        });
    }
    let data = match &dir.embedded {
        Some(data) => data.clone(),
        None => read_extents(&mut blocks, &dir.extents, path)?,
    };
    let dir_lba = dir.extents.first().map_or(dir.icb.unwrap_or(0), |e| e.lba);
    let mut listing = Listing::default();
    let mut names = HashSet::new();
    let mut at = 0usize;
    while at < data.len() {
        let rest = &data[at..];
        if rest.len() < FileIdentifier::FIXED_LEN && rest.iter().all(|&b| b == 0) {
            break;
        }
        let (fid, len) = FileIdentifier::parse(rest).map_err(|e| {
            corrupt(
                path,
                "UDF file identifier descriptor",
                dir_lba + (at as u64) / BLOCK,
                format!("at byte {at} of the directory: {e}"),
            )
        })?;
        let record_at = (dir_lba + (at as u64) / BLOCK, (at as u64 % BLOCK) as u32);
        at += len;
        if fid.is_parent() || fid.is_deleted() {
            continue;
        }
        if listing.entries.len() + listing.skipped.len() >= max_records {
            return Err(ReadError::Limit {
                path: path.to_string(),
                what: cap.0,
                limit: cap.1,
            });
        }
        let display = String::from_utf8_lossy(&fid.identifier).into_owned();
        let name = match udf::cs0::decode(&fid.identifier) {
            Ok(n) => n,
            Err(e) => {
                listing.skipped.push(SkippedEntry {
                    name: display,
                    reason: format!("undecodable UDF name: {e}"),
                });
                continue;
            }
        };
        let refuse = if name.is_empty() || name == "." || name == ".." {
            Some(format!("invalid name {name:?}"))
        } else if name.contains('/') || name.contains('\0') {
            Some(format!("name {name:?} holds '/' or NUL"))
        } else if name.len() > limits.max_name_bytes {
            Some(format!("name longer than {} bytes", limits.max_name_bytes))
        } else if !names.insert(name.clone()) {
            Some("a second entry of the same name".to_string())
        } else {
            None
        };
        if let Some(reason) = refuse {
            listing.skipped.push(SkippedEntry { name, reason });
            continue;
        }
        let child_path = if path == "/" || path.is_empty() {
            format!("/{name}")
        } else {
            format!("{path}/{name}")
        };
        let icb = fid.icb.location;
        let (fe, fe_lba) = read_entry(&mut blocks, &state.maps, icb, &child_path)?;
        match node_from_entry(
            &mut blocks,
            &state.maps,
            limits,
            icb,
            &fe,
            fe_lba,
            name.clone().into_bytes(),
            fid.identifier.clone(),
            record_at,
            &child_path,
        )? {
            Ok(node) => listing.entries.push(node),
            Err(reason) => listing.skipped.push(SkippedEntry { name, reason }),
        }
    }
    Ok(listing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_and_symlinks() {
        // owner rwx (bits 10-12), group r-x (5, 7), other r-- (2)
        let udf = (0b111 << 10) | (0b101 << 5) | 0b100;
        assert_eq!(posix_permissions(udf), 0o754);
        let mut data = vec![2, 0, 0, 0];
        data.extend([5, 4, 0, 0, 8, b'e', b't', b'c']);
        data.extend([3, 0, 0, 0]);
        data.extend([5, 2, 0, 0, 8, b'x']);
        assert_eq!(symlink_target(&data).unwrap(), b"/etc/../x");
        assert_eq!(symlink_target(&[4, 0, 0, 0]).unwrap(), b".");
        assert!(symlink_target(&[5, 9, 0, 0, 8]).is_err());
        assert!(symlink_target(&[5, 2, 0, 0, 8, b'/']).is_err());
    }
}
