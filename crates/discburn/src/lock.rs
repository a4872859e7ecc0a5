//! One writer per image: an exclusive `flock` on the image file, held for
//! the whole append, with a message naming the process that holds it.

use std::fs::File;
use std::path::Path;

use rustix::fs::FlockOperation;

/// An exclusive lock on an image file, released when dropped (or when the
/// process ends, however it ends).
#[derive(Debug)]
pub struct ImageLock {
    _file: File,
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process holds it: its pid and command line, when `/proc/locks` tells.
    Busy {
        holder: Option<String>,
    },
    Io(std::io::Error),
}

/// Takes the lock on `path` without waiting.
pub fn lock_image(path: &Path) -> Result<ImageLock, LockError> {
    let file = File::open(path).map_err(LockError::Io)?;
    match rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(ImageLock { _file: file }),
        Err(rustix::io::Errno::WOULDBLOCK) => Err(LockError::Busy {
            holder: lock_holder(&file),
        }),
        Err(e) => Err(LockError::Io(e.into())),
    }
}

/// The process holding a `flock` on `file`, from `/proc/locks` (lines such as
/// `1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF`: pid, then the file's
/// device major:minor in hex and inode).
fn lock_holder(file: &File) -> Option<String> {
    let stat = rustix::fs::fstat(file).ok()?;
    let dev = stat.st_dev;
    let wanted = (
        u64::from(rustix::fs::major(dev)),
        u64::from(rustix::fs::minor(dev)),
        stat.st_ino,
    );
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    for line in locks.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // "1:", "FLOCK", "ADVISORY", "WRITE", pid, dev:inode, ...
        if fields.len() < 6 || fields[1] != "FLOCK" {
            continue;
        }
        let mut id = fields[5].split(':');
        let parsed = (
            id.next().and_then(|m| u64::from_str_radix(m, 16).ok()),
            id.next().and_then(|m| u64::from_str_radix(m, 16).ok()),
            id.next().and_then(|i| i.parse::<u64>().ok()),
        );
        if parsed != (Some(wanted.0), Some(wanted.1), Some(wanted.2)) {
            continue;
        }
        let pid = fields[4];
        let command = std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|raw| {
                raw.split(|&b| b == 0)
                    .filter(|a| !a.is_empty())
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        return Some(if command.is_empty() {
            format!("pid {pid}")
        } else {
            format!("pid {pid}: {command}")
        });
    }
    None
}

/// [`lock_image`] for a writer: a busy lock or an unopenable file as the
/// burn's error, naming the holder.
pub(crate) fn lock_for_writing(path: &Path) -> Result<ImageLock, crate::error::BurnError> {
    use crate::error::BurnError;
    lock_image(path).map_err(|e| match e {
        LockError::Busy { holder } => BurnError::Locked {
            path: path.to_path_buf(),
            holder,
        },
        LockError::Io(source) => BurnError::Open {
            path: path.to_path_buf(),
            source,
        },
    })
}
