//! Shared leaves of the read path: the attributes a node has when nothing
//! (Rock Ridge, UDF) says otherwise, and record dates as Unix time. Used by
//! `volume`, `dir`, `rr` and `udf`; uses none of them.

use super::{FileKind, Stat};

/// The attributes of a node no Rock Ridge or UDF entry describes: 0755
/// directories, 0644 files, owner root.
pub(crate) fn default_stat(kind: FileKind, size: u64, inode: u64, mtime: Option<i64>) -> Stat {
    let perm = if kind == FileKind::Dir { 0o755 } else { 0o644 };
    Stat {
        kind,
        size,
        mode: kind.mode_bits() | perm,
        uid: 0,
        gid: 0,
        nlink: if kind == FileKind::Dir { 2 } else { 1 },
        inode,
        mtime,
        atime: None,
        ctime: None,
        crtime: None,
        symlink_target: None,
        rdev: None,
    }
}

/// A record date as seconds since the epoch; an out-of-range GMT offset (some
/// writers emit one for dates after 2038) is read as 0, as Linux isofs does.
pub(crate) fn date_to_unix(date: iso9660::DirDate) -> Option<i64> {
    date.to_unix().or_else(|| {
        iso9660::DirDate {
            gmt_offset: 0,
            ..date
        }
        .to_unix()
    })
}
