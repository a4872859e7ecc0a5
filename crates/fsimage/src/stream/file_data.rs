//! Host file data: opening a source (no atime update), reading it in order
//! as its region comes up, and checking it still has the size the scan saw
//! (a file that shrank, grew or vanished is an error, never a wrong image).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::Error;
use crate::tree::{ContentId, DataSource};

use super::ImageStream;

/// The open source file of the current data region.
pub(super) struct OpenFile {
    file: File,
    /// Bytes of it read so far.
    read: u64,
    size: u64,
}

impl ImageStream {
    /// Produces bytes of a file's data region into `out` (data, then zero
    /// padding to the block boundary). Checks the file still has the size the
    /// scan saw. With the count comes, for data of a host file whose MD5 goes
    /// into the checksum array, whether they end the file.
    pub(super) fn read_file_data(
        &mut self,
        content: ContentId,
        out: &mut [u8],
    ) -> Result<(usize, Option<bool>), Error> {
        let (path, size) = match &self.layout.tree.content(content).data {
            DataSource::HostFile { path, size } => (path, size),
            DataSource::Bytes(bytes) => {
                // Data, then zeros to the end of the block.
                let at = self.in_region as usize;
                out.fill(0);
                if let Some(rest) = bytes.get(at..) {
                    let n = rest.len().min(out.len());
                    out[..n].copy_from_slice(&rest[..n]);
                }
                return Ok((out.len(), None));
            }
            _ => {
                out.fill(0);
                return Ok((out.len(), None));
            }
        };
        let size = *size;
        if self.open.is_none() {
            let file = open_source(path).map_err(|source| Error::SourceVanished {
                path: path.clone(),
                source,
            })?;
            self.open = Some(OpenFile {
                file,
                read: 0,
                size,
            });
        }
        let indexed = self.layout.md5_index_of_content[content.index()] != 0;
        let Some(open) = self.open.as_mut() else {
            return Ok((0, None));
        };
        if open.read < open.size {
            let remaining = open.size - open.read;
            // Ask for one byte more than remains when the buffer allows: a full
            // answer means the file grew, a short one that it ended as expected.
            let ask = (out.len() as u64).min(remaining + 1) as usize;
            let n = read_retrying(&mut open.file, &mut out[..ask], path)?;
            if n == 0 {
                return Err(changed(path, open.read, size));
            }
            if n as u64 > remaining {
                return Err(grew(path, &open.file, size));
            }
            open.read += n as u64;
            let end = open.read == open.size;
            if end && (ask as u64) <= remaining {
                // The file's end was not seen yet: check it now.
                let mut probe = [0u8; 1];
                if read_retrying(&mut open.file, &mut probe, path)? != 0 {
                    return Err(grew(path, &open.file, size));
                }
            }
            return Ok((n, indexed.then_some(end)));
        }
        // Padding after the data.
        out.fill(0);
        Ok((out.len(), None))
    }
}

/// Opens a source file for reading without updating its access time when
/// the kernel allows it (O_NOATIME needs ownership or CAP_FOWNER): fewer inode
/// writes, and the sources stay as they were.
pub(crate) fn open_source(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let noatime = rustix::fs::OFlags::NOATIME.bits() as i32;
    match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(noatime)
        .open(path)
    {
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => File::open(path),
        other => other,
    }
}

/// Reads from `file` into `buf`, again when interrupted; an error names `path`.
pub(crate) fn read_retrying(file: &mut File, buf: &mut [u8], path: &Path) -> Result<usize, Error> {
    loop {
        match file.read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Err(Error::SourceRead {
                    path: path.to_path_buf(),
                    source,
                })
            }
        }
    }
}

pub(super) fn changed(path: &Path, found: u64, expected: u64) -> Error {
    Error::SourceChanged {
        path: path.to_path_buf(),
        expected,
        found,
    }
}

fn grew(path: &Path, file: &File, expected: u64) -> Error {
    let found = file.metadata().map(|m| m.len()).unwrap_or(expected + 1);
    changed(path, found.max(expected + 1), expected)
}
