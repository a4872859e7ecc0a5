//! Reading one directory: records (ECMA-119 9.1), multi-extent files (9.1.6,
//! bit 7 of the flags: the file continues in the next record of the same name),
//! names per namespace, Rock Ridge attributes, relocated directories (RRIP 4.1.5:
//! CL points to the real directory, RE hides it in its relocation parent).

use std::collections::HashSet;

use iso9660::dirrec::{DirectoryRecord, RecordIter};
use iso9660::names;

use super::rr::{self, RrInfo};
use super::stat::{date_to_unix, default_stat};
use super::{
    Extent, FileKind, Listing, Namespace, Node, ReadError, Result, SkippedEntry, Stat, Volume,
    BLOCK,
};
use crate::source::SectorSource;

/// A node being assembled from one or more records.
struct Pending {
    file_id: Vec<u8>,
    is_dir: bool,
    extents: Vec<Extent>,
    /// The last record had the multi-extent flag: the next one may continue it.
    more: bool,
    rr: Option<RrInfo>,
    mtime: Option<i64>,
    record_at: (u64, u32),
    interleave: Option<(u8, u8)>,
    /// Why the record cannot be presented, found while assembling.
    problem: Option<String>,
}

/// Reads a directory, stopping after `held_room` records (a walk's remaining
/// [`super::Limits::max_walk_held_entries`]), so a walk never holds more.
pub(super) fn read_dir_capped<S: SectorSource>(
    vol: &mut Volume<S>,
    dir: &Node,
    path: &str,
    held_room: Option<usize>,
) -> Result<Listing> {
    let (max_records, cap_what, cap) = match held_room {
        Some(room) if room < vol.limits.max_entries_per_dir => (
            room,
            "entries held by the directories open in one walk",
            vol.limits.max_walk_held_entries,
        ),
        _ => (
            vol.limits.max_entries_per_dir,
            "records in one directory",
            vol.limits.max_entries_per_dir,
        ),
    };
    if !dir.is_dir() {
        return Err(ReadError::NotADirectory {
            path: path.to_string(),
        });
    }
    let Some(extent) = dir.extents.first().copied() else {
        return Err(ReadError::Corrupt {
            path: path.to_string(),
            what: "directory",
            lba: 0,
            reason: "no extent".into(),
        });
    };
    if extent.len > vol.limits.max_dir_bytes {
        return Err(ReadError::Limit {
            path: path.to_string(),
            what: "directory size",
            limit: vol.limits.max_dir_bytes,
        });
    }
    let mut data = vol.read_blocks_checked(extent.lba, extent.len, "directory", path)?;
    vol.ce_hops_left = vol.limits.max_ce_hops;
    data.truncate(extent.len as usize);

    let mut listing = Listing::default();
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut pending: Option<Pending> = None;
    let mut records = 0usize;
    for item in RecordIter::new(&data) {
        let (offset, rec) = item.map_err(|e| ReadError::Corrupt {
            path: path.to_string(),
            what: "directory record",
            lba: extent.lba,
            reason: e.to_string(),
        })?;
        records += 1;
        if records > max_records {
            return Err(ReadError::Limit {
                path: path.to_string(),
                what: cap_what,
                limit: cap as u64,
            });
        }
        if rec.is_dot() || rec.is_dotdot() || rec.flags.associated() {
            continue;
        }
        vol.ce_hops_left = vol.ce_hops_left.saturating_add(2);
        let record_at = (
            extent.lba + (offset as u64) / BLOCK,
            (offset as u64 % BLOCK) as u32,
        );
        let this_extent = Extent {
            lba: u64::from(rec.extent) + u64::from(rec.ext_attr_len),
            len: u64::from(rec.data_len),
        };

        // A continuation of a multi-extent file: same identifier, not a directory.
        if let Some(p) = pending.as_mut() {
            if p.more && !p.is_dir && !rec.flags.directory() && p.file_id == rec.file_id {
                if p.extents.len() >= vol.limits.max_extents_per_file {
                    p.problem.get_or_insert_with(|| {
                        format!("more than {} extents", vol.limits.max_extents_per_file)
                    });
                } else {
                    p.extents.push(this_extent);
                }
                p.more = rec.flags.multi_extent();
                continue;
            }
        }
        if let Some(done) = pending.take() {
            finish(vol, done, path, &mut seen, &mut listing)?;
        }
        let rr = match vol.susp_skip {
            Some(skip) => {
                let area = rec.system_use.get(usize::from(skip)..).unwrap_or(&[]);
                Some(rr::collect(vol, area, path)?)
            }
            None => None,
        };
        pending = Some(Pending {
            file_id: rec.file_id.to_vec(),
            is_dir: rec.flags.directory(),
            extents: vec![this_extent],
            more: rec.flags.multi_extent(),
            rr,
            mtime: date_to_unix(rec.date),
            record_at,
            interleave: (rec.file_unit_size != 0 || rec.interleave_gap != 0)
                .then_some((rec.file_unit_size, rec.interleave_gap)),
            problem: None,
        });
    }
    if let Some(done) = pending.take() {
        finish(vol, done, path, &mut seen, &mut listing)?;
    }
    Ok(listing)
}

/// The presented name of a record in the volume's namespace.
fn presented_name(namespace: Namespace, file_id: &[u8], rr: Option<&RrInfo>) -> Vec<u8> {
    match namespace {
        Namespace::RockRidge => match rr.and_then(|r| r.name.clone()) {
            Some(name) => name,
            None => names::strip_version(file_id).to_vec(),
        },
        Namespace::Joliet => {
            let name = names::decode_ucs2(file_id);
            // Joliet keeps `;1` version suffixes (Joliet spec 1995) but no trailing-dot rule.
            let base = match name.rfind(';') {
                Some(p)
                    if p + 1 < name.len() && name[p + 1..].bytes().all(|b| b.is_ascii_digit()) =>
                {
                    &name[..p]
                }
                _ => name.as_str(),
            };
            base.as_bytes().to_vec()
        }
        // UDF directories are read by `read::udf`, never here.
        Namespace::Iso9660 | Namespace::Udf => names::strip_version(file_id).to_vec(),
    }
}

/// Why a presented name is unusable as a single path component (or must not
/// be created on the host), if it is.
pub(super) fn bad_name(name: &[u8], max: usize) -> Option<&'static str> {
    if name.is_empty() {
        Some("empty name")
    } else if name == b"." || name == b".." {
        Some("name is . or ..")
    } else if name.contains(&b'/') {
        Some("name contains /")
    } else if name.contains(&0) {
        Some("name contains a NUL byte")
    } else if name.len() > max {
        Some("name too long")
    } else {
        None
    }
}

/// Applies PX / PN / TF / SL of a record to a stat (kind and size are set by the caller).
pub(super) fn apply_rr_attributes(stat: &mut Stat, rr: &RrInfo) {
    if let Some(px) = rr.px {
        stat.mode = stat.kind.mode_bits() | (px.mode & 0o7777);
        stat.uid = px.uid;
        stat.gid = px.gid;
        stat.nlink = px.links;
        if let Some(serial) = px.serial.filter(|&s| s != 0) {
            stat.inode = u64::from(serial);
        }
    }
    if let Some(pn) = rr.pn {
        // Linux isofs: a 64-bit device number split over high/low, or an old
        // 16-bit one in the low word when high is 0.
        stat.rdev = Some(if pn.dev_high == 0 && pn.dev_low & !0xff != 0 {
            (pn.dev_low >> 8, pn.dev_low & 0xff)
        } else {
            (pn.dev_high, pn.dev_low)
        });
    }
    let [creation, modify, access, attributes, ..] = rr.times;
    if modify.is_some() {
        stat.mtime = modify;
    }
    stat.atime = access;
    stat.ctime = attributes;
    stat.crtime = creation;
}

fn finish<S: SectorSource>(
    vol: &mut Volume<S>,
    p: Pending,
    path: &str,
    seen: &mut HashSet<Vec<u8>>,
    listing: &mut Listing,
) -> Result<()> {
    let name = presented_name(vol.namespace, &p.file_id, p.rr.as_ref());
    let shown = String::from_utf8_lossy(&name).into_owned();
    let skip = |listing: &mut Listing, reason: String| {
        listing.skipped.push(SkippedEntry {
            name: shown.clone(),
            reason,
        });
    };
    if let Some(rr) = &p.rr {
        if rr.re {
            return Ok(()); // a relocated directory's real record: shown where CL points from
        }
        if let Some(problem) = &rr.problem {
            skip(listing, problem.clone());
            return Ok(());
        }
        if rr.name_is_dot {
            skip(listing, "Rock Ridge name is . or ..".into());
            return Ok(());
        }
    }
    if let Some(problem) = p.problem {
        skip(listing, problem);
        return Ok(());
    }
    if let Some(reason) = bad_name(&name, vol.limits.max_name_bytes) {
        skip(listing, reason.to_string());
        return Ok(());
    }
    if p.more {
        tracing::warn!("{path}/{shown}: last record still has the multi-extent flag");
    }

    let record_pos = (p.record_at.0 << 11) | u64::from(p.record_at.1);
    let mut extents = p.extents;
    let mut rr = p.rr;
    let mut kind_from_record = if p.is_dir {
        FileKind::Dir
    } else {
        FileKind::File
    };

    // RRIP 4.1.5.1: a CL entry makes this (file) record stand for a relocated directory.
    if let Some(cl) = rr.as_ref().and_then(|r| r.cl) {
        match relocated_dir(vol, cl, path, &shown)? {
            Ok((dir_extent, dot_rr)) => {
                extents = vec![dir_extent];
                kind_from_record = FileKind::Dir;
                // Attributes of the real directory (its `.` record); the name stays.
                if let (Some(own), Some(dot)) = (rr.as_mut(), dot_rr) {
                    if dot.px.is_some() {
                        own.px = dot.px;
                    }
                    if dot.times.iter().any(Option::is_some) {
                        own.times = dot.times;
                    }
                }
            }
            Err(reason) => {
                skip(listing, reason);
                return Ok(());
            }
        }
    }

    let kind = match (kind_from_record, rr.as_ref()) {
        (FileKind::Dir, _) => FileKind::Dir,
        (_, Some(r)) => match r.px.and_then(|px| FileKind::from_mode(px.mode)) {
            // A non-directory record never becomes a directory.
            Some(FileKind::Dir) => FileKind::File,
            Some(kind) => kind,
            None if r.symlink.is_some() => FileKind::Symlink,
            None => FileKind::File,
        },
        (kind, None) => kind,
    };

    let size = match kind {
        FileKind::File => {
            let mut total: u64 = 0;
            for e in &extents {
                total = total.saturating_add(e.len);
            }
            total
        }
        FileKind::Dir => extents.first().map_or(0, |e| e.len),
        _ => 0,
    };
    let inode = match kind {
        FileKind::Dir => (3 << 48) | extents.first().map_or(0, |e| e.lba),
        FileKind::File if size > 0 => (1 << 48) | extents.first().map_or(0, |e| e.lba),
        _ => (2 << 48) | record_pos,
    };
    let mut stat = default_stat(kind, size, inode, p.mtime);
    if let Some(r) = &rr {
        apply_rr_attributes(&mut stat, r);
        if kind == FileKind::Symlink {
            match &r.symlink {
                Some(target) => {
                    stat.size = target.len() as u64;
                    stat.symlink_target = Some(target.clone());
                }
                None => {
                    skip(listing, "symlink without an SL target".into());
                    return Ok(());
                }
            }
        }
    }
    if kind != FileKind::File && kind != FileKind::Dir {
        extents.clear();
    }
    // A compressed file shows its uncompressed size, as Linux does
    // (fs/isofs/rock.c, ZF); reading it inflates it.
    let zisofs = match (kind, rr.as_ref().and_then(|r| r.zf)) {
        (FileKind::File, Some(zf)) => {
            stat.size = zf.size;
            Some(zf)
        }
        _ => None,
    };
    if !seen.insert(name.clone()) {
        skip(listing, "duplicate name in the directory".into());
        return Ok(());
    }
    listing.entries.push(Node {
        name,
        file_id: p.file_id,
        stat,
        extents,
        record_at: p.record_at,
        interleave: p.interleave,
        embedded: None,
        icb: None,
        zisofs,
        md5_index: rr.as_ref().and_then(|r| r.md5_index),
    });
    Ok(())
}

/// Follows a CL entry: the directory at `cl` must start with a `.` record
/// pointing at itself. Returns its extent and the Rock Ridge entries of its
/// `.` record, or (as the inner error) why the entry must be skipped.
fn relocated_dir<S: SectorSource>(
    vol: &mut Volume<S>,
    cl: u32,
    path: &str,
    name: &str,
) -> Result<std::result::Result<(Extent, Option<RrInfo>), String>> {
    let lba = u64::from(cl);
    let what = format!("{path}/{name}");
    let block = match vol.read_blocks_checked(lba, BLOCK, "relocated directory", &what) {
        Ok(b) => b,
        Err(ReadError::OutOfImage { .. }) => {
            return Ok(Err(format!(
                "relocated directory (CL) at LBA {lba} lies outside the image"
            )))
        }
        Err(e) => return Err(e),
    };
    let dot = match RecordIter::new(&block).next() {
        Some(Ok((_, rec))) if rec.is_dot() && rec.flags.directory() => rec,
        _ => {
            return Ok(Err(format!(
                "relocated directory (CL) at LBA {lba} does not start with a . record"
            )))
        }
    };
    if u64::from(dot.extent) != lba {
        return Ok(Err(format!(
            "relocated directory (CL) at LBA {lba} has a . record pointing at LBA {}",
            dot.extent
        )));
    }
    let extent = Extent {
        lba,
        len: u64::from(dot.data_len),
    };
    let dot_rr = match vol.susp_skip {
        Some(skip) => {
            let area = owned_area(&dot, skip);
            Some(rr::collect(vol, &area, &what)?)
        }
        None => None,
    };
    Ok(Ok((extent, dot_rr)))
}

fn owned_area(rec: &DirectoryRecord<'_>, skip: u8) -> Vec<u8> {
    rec.system_use
        .get(usize::from(skip)..)
        .unwrap_or(&[])
        .to_vec()
}
