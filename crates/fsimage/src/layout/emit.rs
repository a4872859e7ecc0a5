//! Writing the ISO 9660 and Joliet structures of a laid-out session:
//! directories, path tables and volume descriptors.

use iso9660::dirrec::{DirectoryRecord, FileFlags};

use crate::BLOCK_SIZE;

use super::{blocks_for, Layout, Rec, SuBuf, Target};

impl Layout {
    /// Writes directory `index` of the ISO (`joliet == false`) or Joliet namespace.
    pub(crate) fn emit_directory(&self, joliet: bool, index: u32, out: &mut Vec<u8>) {
        let ns = if joliet {
            self.joliet.as_ref().unwrap_or(&self.iso)
        } else {
            &self.iso
        };
        let dir = &ns.dirs[index as usize];
        let base = out.len();
        out.resize(base + dir.blocks as usize * BLOCK_SIZE, 0);
        let mut su = SuBuf::default();
        let mut inline = Vec::new();
        let mut pos = 0usize;
        let mut put = |out: &mut Vec<u8>, rec: &DirectoryRecord<'_>| {
            let len = rec.buffer_len();
            if pos % BLOCK_SIZE + len > BLOCK_SIZE {
                pos = pos.div_ceil(BLOCK_SIZE) * BLOCK_SIZE;
            }
            rec.emit(&mut out[base + pos..]);
            pos += len;
        };
        let parent = &ns.dirs[dir.parent as usize];
        let specials = [
            (Rec::Dot, dir.node, dir.lba, dir.blocks, dir.dot_su),
            (
                Rec::DotDot,
                parent.node,
                parent.lba,
                parent.blocks,
                dir.dotdot_su,
            ),
        ];
        for (rec, node, lba, blocks, info) in specials {
            self.inline_su(joliet, index, rec, info, &mut su, &mut inline);
            let date_node = if rec == Rec::DotDot && dir.relocated {
                parent.node
            } else {
                node
            };
            put(
                out,
                &DirectoryRecord {
                    ext_attr_len: 0,
                    extent: lba,
                    data_len: blocks * BLOCK_SIZE as u32,
                    date: self.record_date(date_node),
                    flags: FileFlags(FileFlags::DIRECTORY),
                    file_unit_size: 0,
                    interleave_gap: 0,
                    volume_sequence: 1,
                    file_id: if rec == Rec::Dot { &[0] } else { &[1] },
                    system_use: &inline,
                },
            );
        }
        for (e, entry) in dir.entries.iter().enumerate() {
            self.inline_su(
                joliet,
                index,
                Rec::Entry(e as u32),
                entry.su,
                &mut su,
                &mut inline,
            );
            let node = match entry.target {
                Target::Dir(d) => ns.dirs[d as usize].node,
                Target::Stub { node, .. } | Target::File { node, .. } | Target::Other(node) => {
                    Some(node)
                }
            };
            let dir_flag = if matches!(entry.target, Target::Dir(_)) {
                FileFlags::DIRECTORY
            } else {
                0
            };
            let extents = self.record_extents(ns, entry.target);
            let last = extents.len() - 1;
            for (k, (extent, len)) in extents.into_iter().enumerate() {
                let multi = if k < last { FileFlags::MULTI_EXTENT } else { 0 };
                put(
                    out,
                    &DirectoryRecord {
                        ext_attr_len: 0,
                        extent,
                        data_len: len,
                        date: self.record_date(node),
                        flags: FileFlags(dir_flag | multi),
                        file_unit_size: 0,
                        interleave_gap: 0,
                        volume_sequence: 1,
                        file_id: &entry.ident,
                        system_use: &inline,
                    },
                );
            }
        }
    }

    /// Writes a path table (ECMA-119 9.4) of the ISO or Joliet namespace.
    pub(crate) fn emit_path_table(&self, joliet: bool, big_endian: bool, out: &mut Vec<u8>) {
        use iso9660::path_table::{PathTableEndian, PathTableRecord};
        let ns = if joliet {
            self.joliet.as_ref().unwrap_or(&self.iso)
        } else {
            &self.iso
        };
        let base = out.len();
        out.resize(
            base + blocks_for(u64::from(ns.path_table_bytes)) as usize * BLOCK_SIZE,
            0,
        );
        let endian = if big_endian {
            PathTableEndian::Big
        } else {
            PathTableEndian::Little
        };
        let mut at = base;
        for dir in &ns.dirs {
            let rec = PathTableRecord {
                ext_attr_len: 0,
                extent: dir.lba,
                parent: (dir.parent + 1) as u16,
                dir_id: &dir.ident,
            };
            rec.emit(&mut out[at..], endian);
            at += rec.buffer_len();
        }
    }

    /// Writes the primary (`joliet == false`) or Joliet supplementary descriptor.
    pub(crate) fn emit_descriptor(&self, joliet: bool, out: &mut Vec<u8>) {
        use iso9660::names::{pad_field, pad_field_ucs2, to_a_chars, to_d_chars};
        use iso9660::volume::VolumeDescriptor;
        use iso9660::VolumeDate;
        let ns = if joliet {
            self.joliet.as_ref().unwrap_or(&self.iso)
        } else {
            &self.iso
        };
        let root = &ns.dirs[0];
        let mut vd = VolumeDescriptor::blank(joliet);
        let text = |field: &mut [u8], value: &str, d_chars: bool| {
            if joliet {
                pad_field_ucs2(field, value);
            } else if d_chars {
                pad_field(field, &to_d_chars(value.as_bytes()));
            } else {
                pad_field(field, &to_a_chars(value.as_bytes()));
            }
        };
        text(&mut vd.system_id, &self.opts.system_id, false);
        text(&mut vd.volume_id, &self.opts.volume_name, true);
        text(&mut vd.application_id, &self.opts.application_id, false);
        text(&mut vd.publisher_id, &self.opts.publisher_id, false);
        text(&mut vd.preparer_id, &self.opts.preparer_id, false);
        text(&mut vd.volume_set_id, &self.opts.volume_set_id, true);
        // The session's own size, not its end: a later session's descriptors
        // describe only that session (libisofs, genisoimage; multisession.md §1.1).
        vd.volume_space_size = self.lbas.end - self.opts.start_lba;
        vd.path_table_size = ns.path_table_bytes;
        vd.l_path_table = ns.path_table_l;
        vd.m_path_table = ns.path_table_m;
        vd.root_extent = root.lba;
        vd.root_data_len = root.blocks * BLOCK_SIZE as u32;
        vd.root_date = self.record_date(root.node);
        let now = VolumeDate::from_unix(self.volume_time);
        vd.creation_date = now;
        vd.modification_date = now;
        let base = out.len();
        out.resize(base + BLOCK_SIZE, 0);
        vd.emit(&mut out[base..]);
    }
}
