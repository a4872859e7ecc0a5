//! Kernel-side copies of large host files into an image file
//! (`copy_file_range`, holes of sparse sources kept as holes), used by
//! [`ImageStream::write_to_file`] when the session carries no checksums.

use std::fs::File;

use crate::error::Error;
use crate::tree::{ContentId, DataSource};
use crate::BLOCK_SIZE;

use super::file_data::{changed, open_source};
use super::regions::Region;
use super::{ImageStream, WriteError};

/// Host files at least this large are copied by the kernel in
/// [`ImageStream::write_to_file`].
pub(super) const KERNEL_COPY_MIN: u64 = 1 << 20;

/// Most bytes the kernel copies between two progress reports: about 0.1 s
/// of a fast disk, so progress moves and a cancellation is seen within large files.
pub const KERNEL_COPY_CHUNK: u64 = 64 << 20;

impl ImageStream {
    /// The host file whose data region starts here, if it is big enough to be
    /// worth a kernel-side copy.
    pub(super) fn large_file_here(&self) -> Option<(ContentId, u64)> {
        if self.session_md5.is_some() {
            // Checksummed data must pass through this process to be hashed.
            return None;
        }
        match self.regions.get(self.region) {
            Some(&Region::FileData { content, blocks }) if self.in_region == 0 => {
                match &self.layout.tree.content(content).data {
                    DataSource::HostFile { size, .. } if *size >= KERNEL_COPY_MIN => {
                        Some((content, blocks))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Copies a whole host-file region into `out` with `copy_file_range`
    /// (data moves inside the kernel, page cache to page cache), then skips
    /// the padding. Falls back to reading and writing through `buf` when the
    /// kernel cannot copy between these files.
    pub(super) fn copy_large_file(
        &mut self,
        content: ContentId,
        blocks: u64,
        out: &mut File,
        buf: &mut [u8],
        progress: &mut dyn FnMut(u64) -> bool,
    ) -> Result<(), WriteError> {
        use std::io::{Seek, SeekFrom, Write};
        use std::os::unix::fs::FileExt;
        let DataSource::HostFile { path, size } = &self.layout.tree.content(content).data else {
            return Ok(());
        };
        let (path, size) = (path.clone(), *size);
        let file = open_source(&path).map_err(|source| {
            WriteError::Source(Error::SourceVanished {
                path: path.clone(),
                source,
            })
        })?;
        let found = file.metadata().map(|m| m.len()).unwrap_or(0);
        if found != size {
            return Err(WriteError::Source(changed(&path, found, size)));
        }
        let mut offset = 0u64;
        let mut kernel_copy = true;
        while offset < size {
            let mut want = (size - offset).min(KERNEL_COPY_CHUNK) as usize;
            let n = if kernel_copy {
                // Holes of a sparse source stay holes: skip to the next data.
                let data_at =
                    match rustix::fs::seek(&file, rustix::fs::SeekFrom::Data(offset as i64)) {
                        Ok(at) => at.min(size),
                        // Only a hole remains (a shrunken file is caught below).
                        Err(rustix::io::Errno::NXIO) => size,
                        Err(_) => offset,
                    };
                if data_at > offset {
                    let hole = data_at - offset;
                    out.seek(SeekFrom::Current(hole as i64))
                        .map_err(WriteError::Output)?;
                    offset = data_at;
                    self.position += hole;
                    self.in_region += hole;
                    continue;
                }
                if let Ok(hole_at) =
                    rustix::fs::seek(&file, rustix::fs::SeekFrom::Hole(offset as i64))
                {
                    if hole_at > offset {
                        want = want.min((hole_at - offset) as usize);
                    }
                }
                match rustix::fs::copy_file_range(&file, Some(&mut offset), &*out, None, want) {
                    Ok(n) => n,
                    Err(rustix::io::Errno::INTR) => continue,
                    Err(_) => {
                        // EXDEV, EINVAL, ENOSYS...: copy through user space;
                        // real I/O errors show up there with the right culprit.
                        kernel_copy = false;
                        continue;
                    }
                }
            } else {
                let ask = want.min(buf.len());
                let n = file.read_at(&mut buf[..ask], offset).map_err(|source| {
                    WriteError::Source(Error::SourceRead {
                        path: path.clone(),
                        source,
                    })
                })?;
                out.write_all(&buf[..n]).map_err(WriteError::Output)?;
                offset += n as u64;
                n
            };
            if n == 0 {
                return Err(WriteError::Source(changed(&path, offset, size)));
            }
            self.position += n as u64;
            self.in_region += n as u64;
            if !progress(self.position) {
                return Err(WriteError::Cancelled);
            }
        }
        let found = file.metadata().map(|m| m.len()).unwrap_or(0);
        if found != size {
            return Err(WriteError::Source(changed(&path, found, size)));
        }
        let padding = blocks * BLOCK_SIZE as u64 - size;
        out.seek(SeekFrom::Current(padding as i64))
            .map_err(WriteError::Output)?;
        self.position += padding;
        self.in_region += padding;
        if !progress(self.position) {
            return Err(WriteError::Cancelled);
        }
        Ok(())
    }
}
