//! The fill loop: walks the regions in order, producing each one's bytes
//! (zeros, generated metadata, file data) into the caller's buffer, and hands
//! what it produced to the session's hashing thread — copied, or described
//! as pieces of a buffer the caller hands over (checksums.md §5).

use crate::checksums::hasher::Piece;
use crate::error::Error;
use crate::BLOCK_SIZE;

use super::regions::Region;
use super::ImageStream;

impl ImageStream {
    /// Moves past a finished region.
    pub(super) fn settle(&mut self) {
        while self.region < self.regions.len()
            && self.in_region >= self.regions[self.region].blocks() * BLOCK_SIZE as u64
        {
            self.region += 1;
            self.in_region = 0;
            self.meta.clear();
            self.open = None;
        }
    }

    /// Fills `buf` from the current position; with `stop_at_large`, stops
    /// before the start of a large host file's region.
    ///
    /// With `logged`, the bytes are not copied to the hashing thread but
    /// described in `self.pieces`, and the caller hands `buf` over
    /// ([`SessionHasher::submit`]) before the next call. Blocks hashed as
    /// something else than what `buf` holds (deferred descriptors) or that
    /// need every earlier byte hashed (tags, the checksum array) are then
    /// hashed at once, in chunks of their own, so the order stays.
    ///
    /// [`SessionHasher::submit`]: crate::checksums::hasher::SessionHasher::submit
    pub(super) fn fill(
        &mut self,
        buf: &mut [u8],
        stop_at_large: bool,
        logged: bool,
    ) -> Result<usize, Error> {
        let mut filled = 0;
        let logged = logged && self.session_md5.is_some();
        let mut chunk_of_own = None;
        while filled < buf.len() && self.region < self.regions.len() {
            self.settle();
            if self.region >= self.regions.len()
                || (stop_at_large && self.large_file_here().is_some())
            {
                break;
            }
            let region = self.regions[self.region];
            let region_bytes = region.blocks() * BLOCK_SIZE as u64;
            let want = (buf.len() - filled).min((region_bytes - self.in_region) as usize);
            let out = &mut buf[filled..filled + want];
            let deferred = self.descriptors_deferred
                && matches!(
                    region,
                    Region::Descriptor { .. } | Region::Terminator | Region::UdfVrs
                );
            let of_own = deferred || matches!(region, Region::Tag(_) | Region::Md5Array { .. });
            if logged && filled > 0 && chunk_of_own != Some(of_own) {
                break; // the chunk so far goes to the hashing thread first
            }
            chunk_of_own = Some(of_own);
            let log = logged && !of_own;
            let n = match region {
                Region::Zeros { .. } => {
                    out.fill(0);
                    want
                }
                Region::FileData { content, .. } => {
                    let (n, file_end) = self.read_file_data(content, out)?;
                    if let (Some(md5), Some(last)) = (self.session_md5.as_mut(), file_end) {
                        // Data of a host file with an item in the array: its
                        // own MD5 too, in the same pass (checksums.md §5).
                        let file = content.index() as u32;
                        if log {
                            self.pieces.push(Piece::File { file, len: n, last });
                        } else {
                            md5.update_file(file, &out[..n], last);
                        }
                        filled += n;
                        self.in_region += n as u64;
                        self.position += n as u64;
                        continue;
                    }
                    n
                }
                _ => {
                    if self.in_region == 0 {
                        self.generate(region)?;
                    }
                    let at = self.in_region as usize;
                    if deferred {
                        // Zeros now; the checksums cover the descriptors
                        // the caller writes later.
                        out.fill(0);
                    } else {
                        out.copy_from_slice(&self.meta[at..at + want]);
                    }
                    if log {
                        self.pieces.push(Piece::Session(want));
                    } else if let Some(md5) = self.session_md5.as_mut() {
                        md5.update(&self.meta[at..at + want]);
                    }
                    filled += want;
                    self.in_region += want as u64;
                    self.position += want as u64;
                    continue;
                }
            };
            if log {
                self.pieces.push(Piece::Session(n));
            } else if let Some(md5) = self.session_md5.as_mut() {
                md5.update(&out[..n]);
            }
            filled += n;
            self.in_region += n as u64;
            self.position += n as u64;
        }
        Ok(filled)
    }
}
