//! Which files of a session get an item in its checksum array, and the AAIP
//! attributes that point at it (checksums.md §5, §6, §7).

use iso9660::aaip::{self, ChecksumArea, AL_SIGNATURE};
use iso9660::rrip::Entry;
use iso9660::susp::RawEntry;

use md5::{Digest, Md5};

use super::EMPTY_MD5;
use crate::layout::{Layout, SuBuf, Target};
use crate::tree::{ContentId, DataSource};

impl Layout {
    /// Numbers the contents that will have an MD5 in this session's array
    /// 1..N, in the order the ISO 9660 tree lists them; hard links share one.
    /// Data of an earlier session gets an item only when that session
    /// recorded its MD5 (no data is read again to compute one).
    pub(crate) fn assign_md5_indices(&mut self) {
        let mut contents = Vec::new();
        for dir in &self.iso.dirs {
            for entry in &dir.entries {
                let Target::File { content, .. } = entry.target else {
                    continue;
                };
                let slot = &mut self.md5_index_of_content[content.index()];
                if *slot != 0 {
                    continue;
                }
                let c = self.tree.content(content);
                let has_md5 = match &c.data {
                    DataSource::HostFile { .. } | DataSource::Empty | DataSource::Bytes(_) => true,
                    DataSource::Extents(pieces) if pieces.is_empty() => true,
                    DataSource::Extent { .. } | DataSource::Extents(_) => c.recorded_md5.is_some(),
                };
                if has_md5 {
                    contents.push(content);
                    *slot = contents.len() as u32;
                }
            }
        }
        self.md5_contents = contents;
    }

    /// The MD5 of a content that is known without reading a file (empty, in
    /// memory, or recorded by an earlier session); `None` for host files.
    pub(crate) fn known_md5(&self, content: ContentId) -> Option<[u8; 16]> {
        let c = self.tree.content(content);
        match &c.data {
            DataSource::HostFile { size: 0, .. } | DataSource::Empty => Some(EMPTY_MD5),
            DataSource::HostFile { .. } => None,
            // Data held in memory (embedded in a UDF file entry): hashed here.
            DataSource::Bytes(bytes) => Some(Md5::digest(bytes).into()),
            DataSource::Extents(pieces) if pieces.is_empty() => Some(EMPTY_MD5),
            DataSource::Extent { .. } | DataSource::Extents(_) => c.recorded_md5,
        }
    }

    /// The session's `isofs.ca`: its start, the array's LBA, and N + 2 items.
    pub(crate) fn md5_area(&self) -> ChecksumArea {
        ChecksumArea {
            start: self.opts.start_lba,
            end: self.lbas.md5_array,
            count: self.md5_contents.len() as u32 + 2,
        }
    }

    /// Number of files with an MD5 in the array.
    pub fn md5_file_count(&self) -> usize {
        self.md5_contents.len()
    }

    fn push_attributes(su: &mut SuBuf, pairs: &[(&[u8], &[u8])]) {
        for data in aaip::encode_chain(pairs) {
            su.push(&Entry::Unknown(RawEntry {
                signature: AL_SIGNATURE,
                version: 1,
                data: &data,
            }));
        }
    }

    /// `isofs.ca` on the root's `.` record (trap T11: only read from there).
    pub(crate) fn push_checksum_area(&self, su: &mut SuBuf) {
        let value = self.md5_area().encode();
        Self::push_attributes(su, &[(aaip::ISOFS_CA, &value)]);
    }

    /// `isofs.cx` of a file with an item: 4 bytes, big-endian (trap T1), the
    /// only attribute of its one AL chain (trap T2).
    pub(crate) fn push_md5_index(&self, su: &mut SuBuf, content: ContentId) {
        let index = self.md5_index_of_content[content.index()];
        if self.opts.checksums && index != 0 {
            Self::push_attributes(su, &[(aaip::ISOFS_CX, &aaip::encode_index(index))]);
        }
    }
}
