//! A new image file that nobody sees until it is complete.
//!
//! The file is created unnamed in the target's directory (`O_TMPFILE`), so a
//! burn that fails, is interrupted or killed leaves nothing behind: the kernel
//! frees the inode. On success it is linked at the target name, which fails if
//! that name exists meanwhile: an existing file is never replaced. Where the
//! file system cannot make unnamed files, a hidden named temporary file is used
//! instead and removed on failure (not after SIGKILL).

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, Mode, OFlags, CWD};

/// A file being written that becomes visible at `target` only by [`PendingFile::publish`].
pub struct PendingFile {
    file: File,
    target: PathBuf,
    /// The hidden temporary name when `O_TMPFILE` was not available.
    named_temp: Option<PathBuf>,
}

fn directory_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

impl PendingFile {
    /// Prepares a new file for `target` in the same directory. Does not look at
    /// whether `target` exists; [`PendingFile::publish`] refuses to replace it.
    pub fn create(target: &Path) -> io::Result<PendingFile> {
        let dir = directory_of(target);
        let name = target.file_name().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "the target has no file name")
        })?;
        let flags = OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC;
        match rustix::fs::openat(CWD, &dir, flags, Mode::from_raw_mode(0o644)) {
            Ok(fd) => {
                return Ok(PendingFile {
                    file: File::from(fd),
                    target: target.to_path_buf(),
                    named_temp: None,
                })
            }
            Err(
                e @ (rustix::io::Errno::NOENT
                | rustix::io::Errno::NOTDIR
                | rustix::io::Errno::ACCESS),
            ) => return Err(io::Error::from(e)),
            Err(_) => {} // EOPNOTSUPP, EISDIR on old kernels...: fall back to a named file.
        }
        for attempt in 0..100u32 {
            let path = dir.join(format!(
                ".{}.{}.{attempt}.discburn-tmp",
                name.to_string_lossy(),
                std::process::id()
            ));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(file) => {
                    return Ok(PendingFile {
                        file,
                        target: target.to_path_buf(),
                        named_temp: Some(path),
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "no free temporary file name",
        ))
    }

    /// The file to write the image into.
    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// Makes the file visible at the target name; fails with
    /// [`io::ErrorKind::AlreadyExists`] if that name exists (nothing is replaced).
    pub fn publish(mut self) -> io::Result<()> {
        match self.named_temp.take() {
            None => {
                let fd_path = format!(
                    "/proc/self/fd/{}",
                    std::os::fd::AsRawFd::as_raw_fd(&self.file)
                );
                match rustix::fs::linkat(
                    CWD,
                    fd_path.as_str(),
                    CWD,
                    &self.target,
                    AtFlags::SYMLINK_FOLLOW,
                ) {
                    Ok(()) => Ok(()),
                    // Without /proc, AT_EMPTY_PATH links the descriptor itself.
                    Err(rustix::io::Errno::NOENT) if !Path::new("/proc/self/fd").exists() => {
                        rustix::fs::linkat(&self.file, "", CWD, &self.target, AtFlags::EMPTY_PATH)
                            .map_err(io::Error::from)
                    }
                    Err(e) => Err(io::Error::from(e)),
                }
            }
            Some(temp) => {
                let linked = std::fs::hard_link(&temp, &self.target);
                let _ = std::fs::remove_file(&temp);
                linked
            }
        }
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if let Some(temp) = self.named_temp.take() {
            let _ = std::fs::remove_file(temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn invisible_until_published_and_never_clobbers() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.iso");
        let mut pending = PendingFile::create(&target).unwrap();
        pending.file().write_all(b"image").unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "nothing visible while writing"
        );
        pending.publish().unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"image");

        let mut second = PendingFile::create(&target).unwrap();
        second.file().write_all(b"other").unwrap();
        let err = second.publish().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&target).unwrap(), b"image");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        let abandoned = PendingFile::create(&dir.path().join("gone.iso")).unwrap();
        drop(abandoned);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "an abandoned file leaves nothing"
        );
        assert!(PendingFile::create(&dir.path().join("missing/x.iso")).is_err());
    }
}
