//! Gathering the SUSP / Rock Ridge entries of one directory record, following
//! its continuation areas (SUSP 5.1) with a visited set and hard caps. It works
//! on bytes: the continuation areas come from a [`Continuations`] loader the
//! caller passes in (the volume, or a test's bytes), so this module does no I/O
//! of its own and knows nothing of directories or volumes.

use std::collections::HashSet;

use iso9660::rrip::{nm_flags, Entry, PnEntry, PxEntry, TfTime};
use iso9660::susp::{SpEntry, SystemUseIter};
use iso9660::zisofs::ZfEntry;
use iso9660::VolumeDate;

use super::{Limits, ReadError, Result, BLOCK};

/// Where [`collect`] gets continuation areas from, and its budget for them.
pub(crate) trait Continuations {
    fn limits(&self) -> &Limits;
    /// Takes one continuation hop from the current directory's budget (two
    /// per record); `false` when it is spent.
    fn take_hop(&mut self) -> bool;
    /// The whole blocks from `lba` that hold its first `bytes` bytes; a
    /// [`ReadError::OutOfImage`] when they are not all in the image.
    fn read(&mut self, lba: u64, bytes: u64, path: &str) -> Result<Vec<u8>>;
}

/// What the System Use entries of one record say.
#[derive(Debug, Clone, Default)]
pub(crate) struct RrInfo {
    pub sp: Option<SpEntry>,
    /// ER extension identifiers, in order.
    pub er_ids: Vec<Vec<u8>>,
    /// The NM name (all NM entries joined), if any.
    pub name: Option<Vec<u8>>,
    /// NM marked the name as `.` or `..` (CURRENT / PARENT flags).
    pub name_is_dot: bool,
    pub px: Option<PxEntry>,
    pub pn: Option<PnEntry>,
    /// The SL target (all SL entries joined), if any.
    pub symlink: Option<Vec<u8>>,
    /// TF timestamps (seconds since the epoch), indexed like `TfEntry::times`.
    pub times: [Option<i64>; 7],
    pub cl: Option<u32>,
    pub pl: Option<u32>,
    pub re: bool,
    /// ZF / Z2: the file's data is zisofs-compressed.
    pub zf: Option<ZfEntry>,
    /// AAIP `isofs.cx`: the file's index in the session's checksum array.
    pub md5_index: Option<u32>,
    /// AAIP `isofs.ca` (root `.` record): where the checksum array lies.
    pub checksum_area: Option<iso9660::aaip::ChecksumArea>,
    /// Any Rock Ridge entry seen (PX, PN, SL, NM, CL, PL, RE, TF, RR).
    pub any_rrip: bool,
    /// The first reason this record's entries cannot be trusted (a CE loop, an
    /// over-long name, ...). Such a record is skipped by the caller.
    pub problem: Option<String>,
}

impl RrInfo {
    fn fail(&mut self, reason: String) {
        if self.problem.is_none() {
            self.problem = Some(reason);
        }
    }
}

/// Gathers the entries of `area` (a record's System Use field after LEN_SKP)
/// and of the continuation areas it chains to.
pub(crate) fn collect<C: Continuations + ?Sized>(
    vol: &mut C,
    area: &[u8],
    path: &str,
) -> Result<RrInfo> {
    let mut info = RrInfo::default();
    let mut state = State {
        name: Vec::new(),
        name_done: false,
        nm_seen: false,
        link: Vec::new(),
        sl_seen: false,
        attributes: iso9660::aaip::ChainReader::default(),
    };
    let mut next_ce = process_area(vol.limits(), area, &mut info, &mut state);

    let mut visited: HashSet<(u32, u32)> = HashSet::new();
    let mut hops = 0usize;
    let mut ce_bytes = 0usize;
    while let Some(ce) = next_ce.take() {
        if info.problem.is_some() {
            break;
        }
        hops += 1;
        if hops > vol.limits().max_ce_hops {
            info.fail(format!(
                "more than {} chained continuation areas (CE)",
                vol.limits().max_ce_hops
            ));
            break;
        }
        if !vol.take_hop() {
            info.fail(
                "too many continuation areas (CE) in this directory (more than two per record)"
                    .to_string(),
            );
            break;
        }
        if !visited.insert((ce.block, ce.offset)) {
            info.fail(format!(
                "continuation area (CE) loop at LBA {} offset {}",
                ce.block, ce.offset
            ));
            break;
        }
        if ce.length == 0 {
            break;
        }
        let length = ce.length as usize;
        ce_bytes = ce_bytes.saturating_add(length);
        if ce_bytes > vol.limits().max_ce_bytes {
            info.fail(format!(
                "continuation areas (CE) exceed {} bytes",
                vol.limits().max_ce_bytes
            ));
            break;
        }
        let end = u64::from(ce.offset) + u64::from(ce.length);
        // The area must start inside its block (SUSP 5.1: offset within the block).
        if u64::from(ce.offset) >= BLOCK {
            info.fail(format!(
                "continuation area (CE) offset {} is past its block",
                ce.offset
            ));
            break;
        }
        let buf = match vol.read(u64::from(ce.block), end, path) {
            Ok(buf) => buf,
            Err(ReadError::OutOfImage {
                lba, image_blocks, ..
            }) => {
                info.fail(format!("continuation area (CE) at LBA {lba} lies outside the image ({image_blocks} blocks)"));
                break;
            }
            Err(e) => return Err(e),
        };
        let Some(slice) = buf.get(ce.offset as usize..end as usize) else {
            info.fail("continuation area (CE) does not fit its blocks".to_string());
            break;
        };
        next_ce = process_area(vol.limits(), slice, &mut info, &mut state);
    }

    if state.nm_seen && info.problem.is_none() {
        if state.name.len() > vol.limits().max_name_bytes {
            info.fail(format!(
                "Rock Ridge name longer than {} bytes",
                vol.limits().max_name_bytes
            ));
        } else {
            info.name = Some(std::mem::take(&mut state.name));
        }
    }
    if !state.attributes.is_empty() {
        // AAIP attributes (checksums.md §6): only the checksum ones are used;
        // a malformed chain only loses them.
        if let Ok(pairs) = state.attributes.attributes() {
            for (name, value) in pairs {
                if name == iso9660::aaip::ISOFS_CX {
                    info.md5_index = iso9660::aaip::decode_index(&value);
                } else if name == iso9660::aaip::ISOFS_CA {
                    info.checksum_area = iso9660::aaip::ChecksumArea::decode(&value).ok();
                }
            }
        }
    }
    if state.sl_seen && info.problem.is_none() {
        if state.link.len() > vol.limits().max_symlink_bytes {
            info.fail(format!(
                "symlink target longer than {} bytes",
                vol.limits().max_symlink_bytes
            ));
        } else {
            info.symlink = Some(std::mem::take(&mut state.link));
        }
    }
    Ok(info)
}

struct State {
    name: Vec<u8>,
    name_done: bool,
    nm_seen: bool,
    /// The SL target so far: every SL entry of the record, in order, as
    /// Linux joins them (`SlEntry::append_target`).
    link: Vec<u8>,
    sl_seen: bool,
    /// The record's AAIP `AL` chain.
    attributes: iso9660::aaip::ChainReader,
}

/// Applies the entries of one area; returns the CE entry it holds, if any (the
/// last one wins; SUSP allows one per area).
fn process_area(
    limits: &Limits,
    area: &[u8],
    info: &mut RrInfo,
    st: &mut State,
) -> Option<iso9660::susp::CeEntry> {
    let mut ce = None;
    for raw in SystemUseIter::new(area) {
        let raw = match raw {
            Ok(raw) => raw,
            Err(e) => {
                // Trailing garbage: keep what was read so far.
                tracing::debug!("System Use area ends in a malformed entry: {e}");
                break;
            }
        };
        let entry = match Entry::parse(raw) {
            Ok(entry) => entry,
            Err(e) => {
                tracing::debug!(
                    "skipping malformed {:?} entry: {e}",
                    String::from_utf8_lossy(&raw.signature)
                );
                continue;
            }
        };
        match entry {
            Entry::Sp(sp) => info.sp = Some(sp),
            Entry::Ce(c) => ce = Some(c),
            Entry::Er(er) => info.er_ids.push(er.identifier.to_vec()),
            Entry::Px(px) => {
                info.any_rrip = true;
                info.px = Some(px);
            }
            Entry::Pn(pn) => {
                info.any_rrip = true;
                info.pn = Some(pn);
            }
            Entry::Nm(nm) => {
                info.any_rrip = true;
                if st.name_done {
                    continue;
                }
                st.nm_seen = true;
                if nm.flags & (nm_flags::CURRENT | nm_flags::PARENT) != 0 {
                    info.name_is_dot = true;
                }
                // Stop gathering early past the cap; the length check reports it.
                if st.name.len() <= limits.max_name_bytes {
                    st.name.extend_from_slice(nm.name);
                }
                if nm.flags & nm_flags::CONTINUE == 0 {
                    st.name_done = true;
                }
            }
            Entry::Sl(sl) => {
                info.any_rrip = true;
                st.sl_seen = true;
                // Stop gathering past the cap; the length check reports it.
                if st.link.len() <= limits.max_symlink_bytes {
                    sl.append_target(&mut st.link);
                }
            }
            Entry::Tf(tf) => {
                info.any_rrip = true;
                for (slot, time) in info.times.iter_mut().zip(tf.times.iter()) {
                    if let Some(t) = time.and_then(tf_time_to_unix) {
                        *slot = Some(t);
                    }
                }
            }
            Entry::Cl(lba) => {
                info.any_rrip = true;
                info.cl = Some(lba);
            }
            Entry::Pl(lba) => {
                info.any_rrip = true;
                info.pl = Some(lba);
            }
            Entry::Re => {
                info.any_rrip = true;
                info.re = true;
            }
            Entry::Rr(_) => info.any_rrip = true,
            Entry::Zf(zf) => info.zf = Some(zf),
            Entry::St => break,
            Entry::Unknown(raw) if raw.signature == iso9660::aaip::AL_SIGNATURE => {
                st.attributes.push(raw.data, raw.version);
            }
            Entry::Es(_) | Entry::Pd | Entry::Unknown(_) => {}
        }
    }
    ce
}

/// A TF timestamp as seconds since the epoch; an out-of-range GMT offset is
/// read as 0 (UTC), as Linux isofs does.
fn tf_time_to_unix(time: TfTime) -> Option<i64> {
    match time {
        TfTime::Short(d) => super::stat::date_to_unix(d),
        TfTime::Long(d) => d
            .to_unix()
            .or_else(|| VolumeDate { gmt_offset: 0, ..d }.to_unix()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iso9660::rrip::NmEntry;
    use iso9660::susp::CeEntry;

    /// Continuation areas from bytes in memory: block `i` is `blocks[i]`.
    struct Bytes {
        limits: Limits,
        blocks: Vec<Vec<u8>>,
        hops: usize,
    }

    impl Continuations for Bytes {
        fn limits(&self) -> &Limits {
            &self.limits
        }
        fn take_hop(&mut self) -> bool {
            let left = self.hops > 0;
            self.hops = self.hops.saturating_sub(1);
            left
        }
        fn read(&mut self, lba: u64, bytes: u64, _: &str) -> Result<Vec<u8>> {
            let count = bytes.div_ceil(BLOCK) as usize;
            let start = lba as usize;
            if start + count > self.blocks.len() {
                return Err(ReadError::OutOfImage {
                    path: String::new(),
                    lba,
                    bytes,
                    image_blocks: self.blocks.len() as u64,
                });
            }
            Ok(self.blocks[start..start + count].concat())
        }
    }

    fn entry(e: Entry<'_>) -> Vec<u8> {
        let mut buf = vec![0u8; e.buffer_len()];
        e.emit(&mut buf);
        buf
    }

    #[test]
    fn a_name_continued_in_a_continuation_area_is_joined() {
        let mut area = entry(Entry::Nm(NmEntry {
            flags: nm_flags::CONTINUE,
            name: b"long_",
        }));
        let tail = entry(Entry::Nm(NmEntry {
            flags: 0,
            name: b"name",
        }));
        area.extend(entry(Entry::Ce(CeEntry {
            block: 1,
            offset: 100,
            length: tail.len() as u32,
        })));
        let mut block1 = vec![0u8; BLOCK as usize];
        block1[100..100 + tail.len()].copy_from_slice(&tail);
        let mut loader = Bytes {
            limits: Limits::default(),
            blocks: vec![vec![0u8; BLOCK as usize], block1],
            hops: 3,
        };
        let info = collect(&mut loader, &area, "/f").unwrap();
        assert_eq!(info.problem, None);
        assert_eq!(info.name.as_deref(), Some(&b"long_name"[..]));

        // The same CE pointing past the bytes there are: a problem of this
        // record, not an error of the whole directory.
        loader.blocks.truncate(1);
        let info = collect(&mut loader, &area, "/f").unwrap();
        assert!(
            info.problem
                .as_deref()
                .unwrap()
                .contains("outside the image"),
            "{:?}",
            info.problem
        );
    }
}
