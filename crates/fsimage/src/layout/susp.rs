//! Rock Ridge (SUSP + RRIP 1.12) system use fields of the ISO 9660 records:
//! building the entries, splitting them between records and continuation
//! areas (CE), and writing those areas.

use iso9660::rrip::{
    nm_flags, sl_flags, Entry, NmEntry, PnEntry, PxEntry, SlComponent, SlEntry, TfEntry, TfTime,
    RRIP_112_DESCRIPTOR, RRIP_112_ID,
};
use iso9660::susp::{CeEntry, ErEntry, SpEntry};
use iso9660::{date::DirDate, dirrec::DirectoryRecord};

use crate::tree::{ContentId, DeviceKind, NodeId, NodeKind};
use crate::BLOCK_SIZE;

use super::{Layout, NsDir, Rec, Target, NONE, RRIP_112_SHORT_SOURCE, RR_MOVED};

/// Where a record's system use field lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SuInfo {
    /// Bytes in the record itself (a CE entry included).
    pub inline_len: u16,
    /// First continuation area (index into `ce_areas`), or `NONE`.
    pub ce_first: u32,
}

impl SuInfo {
    pub(super) const EMPTY: SuInfo = SuInfo {
        inline_len: 0,
        ce_first: NONE,
    };
}

/// A continuation area: its directory, byte offset from the start of that
/// directory's CE blocks, and length.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CeArea {
    pub dir: u32,
    pub offset: u32,
    pub len: u32,
}

/// Serialized SUSP entries of one record, with the end offset of each.
#[derive(Default)]
pub(crate) struct SuBuf {
    pub bytes: Vec<u8>,
    pub ends: Vec<usize>,
}

impl SuBuf {
    pub(super) fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    pub(crate) fn push(&mut self, entry: &Entry<'_>) {
        let start = self.bytes.len();
        self.bytes.resize(start + entry.buffer_len(), 0);
        entry.emit(&mut self.bytes[start..]);
        self.ends.push(self.bytes.len());
    }

    pub(super) fn size(&self, from: usize, to: usize) -> usize {
        let start = if from == 0 { 0 } else { self.ends[from - 1] };
        let end = if to == 0 { 0 } else { self.ends[to - 1] };
        end - start
    }
}

/// How a record's entries are split: the first `inline` entries stay in the
/// record, the rest go to continuation areas (entry index ranges).
pub(crate) struct SuSplit {
    pub inline: usize,
    pub areas: Vec<(usize, usize)>,
}

/// Splits SUSP entries between the record (at most `cap` bytes) and
/// continuation areas of at most one block each (a CE area may not cross a
/// block boundary, as Linux isofs requires), chained by CE entries.
pub(crate) fn split_su(su: &SuBuf, cap: usize) -> SuSplit {
    let count = su.ends.len();
    if su.bytes.len() <= cap {
        return SuSplit {
            inline: count,
            areas: Vec::new(),
        };
    }
    let mut inline = 0;
    while inline < count && su.size(0, inline + 1) + CeEntry::LEN <= cap {
        inline += 1;
    }
    let mut areas = Vec::new();
    let mut from = inline;
    while from < count {
        if su.size(from, count) <= BLOCK_SIZE {
            areas.push((from, count));
            break;
        }
        let mut to = from;
        while to < count && su.size(from, to + 1) + CeEntry::LEN <= BLOCK_SIZE {
            to += 1;
        }
        areas.push((from, to));
        from = to;
    }
    SuSplit { inline, areas }
}

impl Layout {
    /// The Rock Ridge node a record describes (`None` = the relocation directory).
    pub(super) fn rr_node_of(&self, dir: &NsDir, rec: Rec) -> Option<NodeId> {
        match rec {
            Rec::Dot => dir.node,
            Rec::DotDot => {
                if dir.relocated {
                    dir.node.map(|n| self.tree.node(n).parent)
                } else {
                    self.iso.dirs[dir.parent as usize].node
                }
            }
            Rec::Entry(e) => match dir.entries[e as usize].target {
                Target::Dir(d) => self.iso.dirs[d as usize].node,
                Target::Stub { node, .. } | Target::File { node, .. } | Target::Other(node) => {
                    Some(node)
                }
            },
        }
    }

    pub(super) fn push_px_tf(
        &self,
        su: &mut SuBuf,
        node: Option<NodeId>,
        content: Option<ContentId>,
    ) {
        let meta = self.meta(node);
        let (type_bits, links, serial) = match (node, content) {
            (None, _) => (0o040000, 2, self.rr_moved_inode),
            (Some(n), Some(c)) => (
                self.tree.node(n).kind.type_bits(),
                self.links_of_content[c.index()].max(1),
                self.inode_of_content[c.index()],
            ),
            (Some(n), None) => {
                let kind = &self.tree.node(n).kind;
                let links = if kind.is_dir() {
                    self.dir_links[n.index()].max(2)
                } else {
                    1
                };
                (kind.type_bits(), links, self.inode_of_node[n.index()])
            }
        };
        su.push(&Entry::Px(PxEntry {
            mode: type_bits | (meta.mode & 0o7777),
            links,
            uid: meta.uid,
            gid: meta.gid,
            serial: Some(serial),
        }));
        let mut times = [None; 7];
        let stamp = |t: i64| Some(TfTime::Short(DirDate::from_unix(self.clamp(t))));
        if self.opts.source_date_epoch.is_some() {
            // Reproducible output: access, attribute-change and creation
            // times change whenever anything reads, chmods or re-creates a
            // source, so they all take the (clamped) modification time, as
            // xorriso's SOURCE_DATE_EPOCH mode does ("set_to_mtime").
            times[TfEntry::MODIFY] = stamp(meta.mtime);
            times[TfEntry::ACCESS] = stamp(meta.mtime);
            times[TfEntry::ATTRIBUTES] = stamp(meta.mtime);
        } else {
            if let Some(b) = meta.btime {
                times[TfEntry::CREATION] = stamp(b);
            }
            times[TfEntry::MODIFY] = stamp(meta.mtime);
            times[TfEntry::ACCESS] = stamp(meta.atime);
            times[TfEntry::ATTRIBUTES] = stamp(meta.ctime);
        }
        su.push(&Entry::Tf(TfEntry {
            long_form: false,
            times,
        }));
    }

    pub(super) fn push_nm(su: &mut SuBuf, name: &[u8]) {
        const MAX: usize = 250;
        let chunks: Vec<&[u8]> = name.chunks(MAX).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let flags = if i + 1 < chunks.len() {
                nm_flags::CONTINUE
            } else {
                0
            };
            su.push(&Entry::Nm(NmEntry { flags, name: chunk }));
        }
    }

    /// SL entries for a link target (RRIP 4.1.3): a leading `/` gives a ROOT
    /// component, `.` and `..` CURRENT and PARENT, and every other piece
    /// between slashes a plain component, empty ones included, so that
    /// `a//b`, `.///x` and `dir/` read back as written
    /// (`SlEntry::append_target`, as Linux joins them); components longer
    /// than an entry can hold are split with the component CONTINUE flag,
    /// entries with the entry CONTINUE flag.
    pub(super) fn push_sl(su: &mut SuBuf, target: &[u8]) {
        const ENTRY_MAX: usize = 255;
        const HEADER: usize = 5;
        let mut components: Vec<(u8, &[u8])> = Vec::new();
        let mut pieces = target.split(|&b| b == b'/').peekable();
        if target.first() == Some(&b'/') {
            components.push((sl_flags::ROOT, b""));
            pieces.next(); // the empty piece before the leading `/`
            if target.len() == 1 {
                pieces.next(); // `/` alone: ROOT says it all
            }
        }
        for part in pieces {
            match part {
                b"." => components.push((sl_flags::CURRENT, b"")),
                b".." => components.push((sl_flags::PARENT, b"")),
                _ => components.push((0, part)),
            }
        }
        let mut entries: Vec<Vec<SlComponent<'_>>> = vec![Vec::new()];
        let mut used = HEADER;
        for (flags, content) in components {
            let mut rest = content;
            loop {
                // Fill each entry to the end, splitting a component across
                // entries (libarchive joins entries without a separator).
                let avail = ENTRY_MAX - used;
                if avail < 2 || (avail < 3 && !rest.is_empty()) {
                    entries.push(Vec::new());
                    used = HEADER;
                    continue;
                }
                let take = rest.len().min(avail - 2);
                let piece_flags = if take < rest.len() {
                    flags | sl_flags::CONTINUE
                } else {
                    flags
                };
                if let Some(current) = entries.last_mut() {
                    current.push(SlComponent {
                        flags: piece_flags,
                        content: &rest[..take],
                    });
                }
                used += 2 + take;
                rest = &rest[take..];
                if rest.is_empty() {
                    break;
                }
            }
        }
        let count = entries.len();
        for (i, components) in entries.into_iter().enumerate() {
            let flags = if i + 1 < count { SlEntry::CONTINUE } else { 0 };
            su.push(&Entry::Sl(SlEntry { flags, components }));
        }
    }

    /// All SUSP entries of one ISO record, CE excluded, with final LBAs where
    /// known (CL, PL); sizes never depend on LBAs.
    pub(crate) fn build_su(&self, dir_index: u32, rec: Rec, su: &mut SuBuf) {
        su.clear();
        if !self.opts.rock_ridge {
            return;
        }
        let dir = &self.iso.dirs[dir_index as usize];
        let is_root = dir_index == 0;
        if rec == Rec::Dot && is_root {
            su.push(&Entry::Sp(SpEntry { len_skp: 0 }));
            // In the record itself, not in a continuation area: ER, by which
            // Linux knows Rock Ridge (and which it would not follow to a
            // continuation area past the volume size of a later session
            // mounted with `sbsector=`: that session's areas lie at absolute
            // LBAs beyond its own size), and a Rock Ridge entry libarchive
            // sees before it decides between Rock Ridge and Joliet: NM with
            // the CURRENT flag (RRIP 4.1.4), the smallest. SP (7) + ER (180)
            // + NM (5) + CE (28) fill the 220 bytes; PX and TF continue.
            su.push(&Entry::Er(ErEntry {
                ext_version: 1,
                identifier: RRIP_112_ID,
                descriptor: RRIP_112_DESCRIPTOR,
                source: RRIP_112_SHORT_SOURCE,
            }));
            su.push(&Entry::Nm(NmEntry {
                flags: nm_flags::CURRENT,
                name: b"",
            }));
        }
        let node = self.rr_node_of(dir, rec);
        let content = match rec {
            Rec::Entry(e) => match dir.entries[e as usize].target {
                Target::File { content, .. } => Some(content),
                _ => None,
            },
            _ => None,
        };
        self.push_px_tf(su, node, content);
        // A compressed file's ZF entry (zisofs; Linux reads it in rock.c).
        if let Some(zf) = content.and_then(|c| self.tree.content(c).zisofs) {
            su.push(&Entry::Zf(zf));
        }
        match rec {
            Rec::Dot => {
                if is_root && self.opts.checksums {
                    self.push_checksum_area(su);
                }
            }
            Rec::DotDot => {
                if dir.relocated {
                    if let Some(n) = dir.node {
                        let parent = self.tree.node(n).parent;
                        let pdir = self.iso_dir_of_node[parent.index()];
                        su.push(&Entry::Pl(
                            self.iso.dirs.get(pdir as usize).map_or(0, |d| d.lba),
                        ));
                    }
                }
            }
            Rec::Entry(e) => {
                let entry = &dir.entries[e as usize];
                match node {
                    None => Self::push_nm(su, RR_MOVED),
                    Some(n) => Self::push_nm(su, &self.tree.node(n).name),
                }
                match entry.target {
                    Target::Dir(d) => {
                        let child = &self.iso.dirs[d as usize];
                        if child.relocated || child.node.is_none() {
                            su.push(&Entry::Re);
                        }
                    }
                    Target::Stub { dir, .. } => {
                        su.push(&Entry::Cl(
                            self.iso.dirs.get(dir as usize).map_or(0, |d| d.lba),
                        ));
                    }
                    Target::File { content, .. } => self.push_md5_index(su, content),
                    Target::Other(n) => match &self.tree.node(n).kind {
                        NodeKind::Symlink { target } => Self::push_sl(su, target),
                        NodeKind::Device {
                            kind: DeviceKind::Block | DeviceKind::Char,
                            rdev,
                        } => {
                            su.push(&Entry::Pn(PnEntry {
                                dev_high: (rdev >> 32) as u32,
                                dev_low: *rdev as u32,
                            }));
                        }
                        _ => {}
                    },
                }
            }
        }
    }

    /// Room for system use in a record with an identifier of `len_fi` bytes
    /// (the record must stay at most 254 bytes, an even length).
    pub(super) fn su_cap(len_fi: usize) -> usize {
        254 - DirectoryRecord::header_len(len_fi)
    }

    /// Computes every ISO record's system use size and allocates continuation areas.
    pub(super) fn size_system_use(&mut self) {
        let mut su = SuBuf::default();
        let mut areas = Vec::new();
        // Per directory: `.`, `..`, entries, CE owners, CE blocks.
        type DirSu = (SuInfo, SuInfo, Vec<SuInfo>, Vec<Rec>, u32);
        let mut infos: Vec<DirSu> = Vec::with_capacity(self.iso.dirs.len());
        for d in 0..self.iso.dirs.len() as u32 {
            let mut ce_pos = 0u32;
            let mut owners = Vec::new();
            let mut one = |rec: Rec, len_fi: usize, su: &mut SuBuf| -> SuInfo {
                self.build_su(d, rec, su);
                let split = split_su(su, Self::su_cap(len_fi));
                let mut inline_len = su.size(0, split.inline);
                let mut ce_first = NONE;
                if !split.areas.is_empty() {
                    inline_len += CeEntry::LEN;
                    ce_first = areas.len() as u32;
                    owners.push(rec);
                    let n = split.areas.len();
                    for (k, &(from, to)) in split.areas.iter().enumerate() {
                        let len =
                            (su.size(from, to) + if k + 1 < n { CeEntry::LEN } else { 0 }) as u32;
                        if ce_pos % BLOCK_SIZE as u32 + len > BLOCK_SIZE as u32 {
                            ce_pos = ce_pos.div_ceil(BLOCK_SIZE as u32) * BLOCK_SIZE as u32;
                        }
                        areas.push(CeArea {
                            dir: d,
                            offset: ce_pos,
                            len,
                        });
                        ce_pos += len;
                    }
                }
                SuInfo {
                    inline_len: inline_len as u16,
                    ce_first,
                }
            };
            let dot = one(Rec::Dot, 1, &mut su);
            let dotdot = one(Rec::DotDot, 1, &mut su);
            let entries: Vec<SuInfo> = (0..self.iso.dirs[d as usize].entries.len())
                .map(|e| {
                    one(
                        Rec::Entry(e as u32),
                        self.iso.dirs[d as usize].entries[e].ident.len(),
                        &mut su,
                    )
                })
                .collect();
            infos.push((
                dot,
                dotdot,
                entries,
                owners,
                ce_pos.div_ceil(BLOCK_SIZE as u32),
            ));
        }
        for (dir, (dot, dotdot, entries, owners, ce_blocks)) in self.iso.dirs.iter_mut().zip(infos)
        {
            dir.dot_su = dot;
            dir.dotdot_su = dotdot;
            dir.ce_owners = owners;
            dir.ce_blocks = ce_blocks;
            for (entry, info) in dir.entries.iter_mut().zip(entries) {
                entry.su = info;
            }
        }
        self.ce_areas = areas;
    }

    /// The bytes of a record's system use field (with a CE entry when it continues).
    pub(super) fn inline_su(
        &self,
        joliet: bool,
        dir: u32,
        rec: Rec,
        info: SuInfo,
        su: &mut SuBuf,
        out: &mut Vec<u8>,
    ) {
        out.clear();
        if joliet || !self.opts.rock_ridge {
            return;
        }
        self.build_su(dir, rec, su);
        let len_fi = match rec {
            Rec::Entry(e) => self.iso.dirs[dir as usize].entries[e as usize].ident.len(),
            _ => 1,
        };
        let split = split_su(su, Self::su_cap(len_fi));
        out.extend_from_slice(&su.bytes[..su.size(0, split.inline)]);
        if info.ce_first != NONE {
            out.extend_from_slice(&self.ce_entry_bytes(info.ce_first));
        }
    }

    pub(super) fn ce_entry_bytes(&self, area: u32) -> [u8; CeEntry::LEN] {
        let a = self.ce_areas[area as usize];
        let mut bytes = [0u8; CeEntry::LEN];
        let ce_lba = self.iso.dirs[a.dir as usize].ce_lba;
        CeEntry {
            block: ce_lba + a.offset / BLOCK_SIZE as u32,
            offset: a.offset % BLOCK_SIZE as u32,
            length: a.len,
        }
        .emit(&mut bytes);
        bytes
    }

    /// Writes the continuation areas of ISO directory `dir`'s records.
    pub(crate) fn emit_ce_blocks(&self, dir: u32, out: &mut Vec<u8>) {
        let d = &self.iso.dirs[dir as usize];
        let base = out.len();
        out.resize(base + d.ce_blocks as usize * BLOCK_SIZE, 0);
        let mut su = SuBuf::default();
        for &rec in &d.ce_owners {
            let (info, len_fi) = match rec {
                Rec::Dot => (d.dot_su, 1),
                Rec::DotDot => (d.dotdot_su, 1),
                Rec::Entry(e) => (d.entries[e as usize].su, d.entries[e as usize].ident.len()),
            };
            self.build_su(dir, rec, &mut su);
            let split = split_su(&su, Self::su_cap(len_fi));
            let n = split.areas.len();
            for (k, &(from, to)) in split.areas.iter().enumerate() {
                let area_index = info.ce_first + k as u32;
                let area = self.ce_areas[area_index as usize];
                let start = if from == 0 { 0 } else { su.ends[from - 1] };
                let bytes = &su.bytes[start..su.ends[to - 1]];
                let at = base + area.offset as usize;
                out[at..at + bytes.len()].copy_from_slice(bytes);
                if k + 1 < n {
                    let ce = self.ce_entry_bytes(area_index + 1);
                    out[at + bytes.len()..at + bytes.len() + ce.len()].copy_from_slice(&ce);
                }
            }
        }
    }
}
