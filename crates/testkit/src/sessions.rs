//! Source trees for multisession tests: three sessions that add, remove and replace,
//! and the tree each session must show afterwards, built on the host with `cp -a`.
//!
//! - session 1 ([`make_session1`]): kept files (one big), a hard-link pair that stays,
//!   a pair one of whose names is replaced later, a symlink, a directory (`/gone`)
//!   removed later, a file replaced later;
//! - session 2 ([`make_session2`], burned with `--remove /gone`): replaces
//!   `replace.txt` (new size, mode and time) and one name of the pair, merges into
//!   `docs/`, adds a directory holding a hard link and a symlink into it;
//! - session 3 ([`make_session3`]): additions only (an empty file, an empty directory,
//!   a deeper file).
//!
//! [`ThreeSessions::create`] makes all three and the expected trees; the helpers below
//! (`write_file`, `set_dir`, `overlay`, ...) serve tests that build trees of their own.
//! Every helper panics on failure: these are test fixtures.

use std::fs::{self, File, FileTimes};
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::tools::{cmd, run_ok};
use crate::tree::content;

/// Writes `data` to `path` (creating parents) with `mode` and modification time `mtime`.
pub fn write_file(path: &Path, data: &[u8], mode: u32, mtime: u64) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(path, data).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    set_mtime(path, mtime);
}

/// Sets the access and modification times of `path` to `secs` after the epoch.
pub fn set_mtime(path: &Path, secs: u64) {
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
    File::open(path)
        .unwrap()
        .set_times(FileTimes::new().set_modified(time).set_accessed(time))
        .unwrap();
}

/// Sets a directory's mode and time (after its contents are written: writing into a
/// directory changes its time).
pub fn set_dir(path: &Path, mode: u32, mtime: u64) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    set_mtime(path, mtime);
}

/// `cp -a --remove-destination SRC/. DST/`: what a session that adds `src` at `dst`
/// makes of the tree (a replaced path is a new file: its old hard links keep the old
/// content; merged directories take the source's attributes).
pub fn overlay(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap();
    run_ok(
        cmd("cp", ["-a", "--remove-destination"])
            .arg(format!("{}/.", src.display()))
            .arg(format!("{}/", dst.display())),
    );
}

/// `cp -a SRC DST`.
pub fn copy_tree(src: &Path, dst: &Path) {
    run_ok(cmd("cp", ["-a"]).arg(src).arg(dst));
}

/// Session 1's source; `big_size` is the size of `big.bin` (make it not a multiple of
/// the block size).
pub fn make_session1(dir: &Path, big_size: usize) {
    write_file(
        &dir.join("keep.txt"),
        b"kept since session 1\n",
        0o640,
        1_100_000_000,
    );
    write_file(
        &dir.join("big.bin"),
        &content("big", big_size),
        0o644,
        1_100_000_100,
    );
    write_file(
        &dir.join("hard/one"),
        b"one inode, two names\n",
        0o600,
        1_100_000_200,
    );
    fs::hard_link(dir.join("hard/one"), dir.join("hard/two")).unwrap();
    write_file(
        &dir.join("pair_a"),
        b"pair, split in session 2\n",
        0o644,
        1_100_000_300,
    );
    fs::hard_link(dir.join("pair_a"), dir.join("pair_b")).unwrap();
    symlink("keep.txt", dir.join("link")).unwrap();
    write_file(
        &dir.join("replace.txt"),
        b"version 1\n",
        0o644,
        1_100_000_400,
    );
    write_file(
        &dir.join("tool.sh"),
        b"#!/bin/sh\necho tool\n",
        0o755,
        1_100_000_500,
    );
    write_file(
        &dir.join("docs/readme.txt"),
        b"read me\n",
        0o644,
        1_100_000_600,
    );
    write_file(
        &dir.join("gone/a.txt"),
        &content("gone-a", 5000),
        0o644,
        1_100_000_700,
    );
    write_file(
        &dir.join("gone/sub/b.bin"),
        b"removed in session 2",
        0o644,
        1_100_000_800,
    );
    set_dir(&dir.join("gone/sub"), 0o750, 1_100_001_000);
    set_dir(&dir.join("gone"), 0o755, 1_100_001_100);
    set_dir(&dir.join("hard"), 0o700, 1_100_001_200);
    set_dir(&dir.join("docs"), 0o755, 1_100_001_300);
}

/// Session 2's source (burn it with `--remove /gone`).
pub fn make_session2(dir: &Path) {
    let replaced: &[u8] = b"version 2, longer than the first\n";
    write_file(&dir.join("replace.txt"), replaced, 0o600, 1_200_000_000);
    write_file(
        &dir.join("pair_a"),
        b"pair_a replaced\n",
        0o644,
        1_200_000_100,
    );
    write_file(
        &dir.join("docs/added.txt"),
        b"added in session 2\n",
        0o644,
        1_200_000_200,
    );
    write_file(
        &dir.join("new2/x.bin"),
        &content("new2-x", 70_000),
        0o644,
        1_200_000_300,
    );
    fs::hard_link(dir.join("new2/x.bin"), dir.join("new2/y.bin")).unwrap();
    symlink("docs/added.txt", dir.join("link2")).unwrap();
    set_dir(&dir.join("new2"), 0o755, 1_200_001_000);
    set_dir(&dir.join("docs"), 0o775, 1_200_001_100);
}

/// Session 3's source.
pub fn make_session3(dir: &Path) {
    write_file(
        &dir.join("later/deep/file.txt"),
        b"session 3\n",
        0o644,
        1_300_000_000,
    );
    write_file(&dir.join("later/empty"), b"", 0o444, 1_300_000_100);
    fs::create_dir_all(dir.join("later/emptydir")).unwrap();
    set_dir(&dir.join("later/emptydir"), 0o700, 1_300_000_200);
    set_dir(&dir.join("later/deep"), 0o755, 1_300_000_300);
    set_dir(&dir.join("later"), 0o755, 1_300_000_400);
}

/// The removal session 2 is burned with.
pub const SESSION2_REMOVE: &str = "/gone";

/// The three sources under `ROOT/src1..3` and the trees sessions 1..3 must show under
/// `ROOT/expected1..3`.
pub struct ThreeSessions {
    /// Burn `sources[N-1]` as session N (session 2 with `--remove` [`SESSION2_REMOVE`]).
    pub sources: [PathBuf; 3],
    /// What session N shows, at index N-1.
    pub expected: [PathBuf; 3],
}

impl ThreeSessions {
    /// Makes the sources and expected trees under `root` (which must exist).
    pub fn create(root: &Path, big_size: usize) -> Self {
        let sources = [1, 2, 3].map(|n| root.join(format!("src{n}")));
        let expected = [1, 2, 3].map(|n| root.join(format!("expected{n}")));
        for source in &sources {
            fs::create_dir(source).unwrap();
        }
        make_session1(&sources[0], big_size);
        make_session2(&sources[1]);
        make_session3(&sources[2]);
        copy_tree(&sources[0], &expected[0]);
        copy_tree(&expected[0], &expected[1]);
        fs::remove_dir_all(expected[1].join(SESSION2_REMOVE.trim_start_matches('/'))).unwrap();
        overlay(&sources[1], &expected[1]);
        copy_tree(&expected[1], &expected[2]);
        overlay(&sources[2], &expected[2]);
        ThreeSessions { sources, expected }
    }
}
