//! The bytes of a metadata region, generated when it comes up: ISO 9660,
//! Joliet and UDF structures from the layout, and the checksum tags and
//! array from the session's running MD5 (checksums.md §2, §5).

use iso9660::md5tag::{Md5Tag, TagKind};
use md5::{Digest, Md5};

use crate::checksums::hasher::SessionHasher;
use crate::error::Error;
use crate::BLOCK_SIZE;

use super::regions::Region;
use super::ImageStream;

impl ImageStream {
    pub(super) fn generate(&mut self, region: Region) -> Result<(), Error> {
        self.meta.clear();
        match region {
            Region::Tag(kind) => return self.generate_tag(kind),
            Region::Md5Array { .. } => return self.generate_md5_array(),
            _ => {}
        }
        let layout = &self.layout;
        match region {
            Region::Descriptor { joliet } => layout.emit_descriptor(joliet, &mut self.meta),
            Region::Terminator => {
                self.meta.resize(BLOCK_SIZE, 0);
                iso9660::volume::emit_terminator(&mut self.meta);
            }
            Region::PathTable {
                joliet, big_endian, ..
            } => layout.emit_path_table(joliet, big_endian, &mut self.meta),
            Region::Directory { joliet, index, .. } => {
                layout.emit_directory(joliet, index, &mut self.meta)
            }
            Region::ContinuationAreas { dir, .. } => layout.emit_ce_blocks(dir, &mut self.meta),
            Region::UdfVrs => layout.emit_udf_vrs(&mut self.meta),
            Region::UdfVds { reserve } => layout.emit_udf_vds(reserve, &mut self.meta),
            Region::UdfIntegrity => layout.emit_udf_lvid(&mut self.meta),
            Region::UdfAnchor { lba } => layout.emit_udf_anchor(lba, &mut self.meta),
            Region::UdfFileSet => layout.emit_udf_file_set(&mut self.meta),
            Region::UdfEntry { item } => layout.emit_udf_icb(item, &mut self.meta),
            Region::UdfDirectory { item, .. } => layout.emit_udf_directory(item, &mut self.meta),
            Region::Zeros { .. }
            | Region::FileData { .. }
            | Region::Tag(_)
            | Region::Md5Array { .. } => {}
        }
        Ok(())
    }

    /// The MD5 of the session so far (every block before the current one).
    fn session_digest(&mut self) -> Result<[u8; 16], Error> {
        self.session_md5
            .as_mut()
            .and_then(SessionHasher::digest)
            .ok_or_else(|| Error::Layout {
                reason: "internal: the session's MD5 is not available".into(),
            })
    }

    /// A tag block (checksums.md §2): it covers the session from its start
    /// up to the block before it; superblock and tree tags name the next tag.
    fn generate_tag(&mut self, kind: TagKind) -> Result<(), Error> {
        let lbas = self.layout.lbas;
        let (pos, next) = match kind {
            TagKind::Superblock => (lbas.sb_tag, lbas.tree_tag),
            TagKind::Tree => (lbas.tree_tag, lbas.session_tag),
            TagKind::Session | TagKind::Relocated => (lbas.session_tag, 0),
        };
        let start = self.layout.opts.start_lba;
        let tag = Md5Tag {
            kind,
            pos,
            range_start: start,
            range_size: pos - start,
            extra: next,
            md5: self.session_digest()?,
        };
        self.meta.resize(BLOCK_SIZE, 0);
        tag.emit(&mut self.meta);
        Ok(())
    }

    /// The checksum array: the session's MD5 up to here, each file's MD5 in
    /// index order, and the MD5 of those items (checksums.md §5).
    fn generate_md5_array(&mut self) -> Result<(), Error> {
        let session = self.session_digest()?;
        let area = self.layout.md5_area();
        let mut items = Vec::with_capacity(area.count as usize * 16);
        items.extend_from_slice(&session);
        if let Some(hasher) = self.session_md5.as_mut() {
            for (content, md5) in hasher.take_files() {
                self.file_digests[content as usize] = Some(md5);
            }
        }
        for &content in &self.layout.md5_contents {
            let md5 = self
                .layout
                .known_md5(content)
                .or(self.file_digests[content.index()])
                .ok_or_else(|| Error::Layout {
                    reason: "internal: a file's MD5 was not computed".into(),
                })?;
            items.extend_from_slice(&md5);
        }
        let own: [u8; 16] = Md5::digest(&items).into();
        items.extend_from_slice(&own);
        items.resize(area.blocks() as usize * BLOCK_SIZE, 0);
        self.meta = items;
        Ok(())
    }
}
