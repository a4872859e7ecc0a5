//! Test support for discburn (a dev-dependency only).
//!
//! - [`tree`]: [`make_tricky_tree`] builds a source tree full of the cases that
//!   break ISO 9660 writers and readers (unicode, long names, case, collisions after
//!   ISO mapping, deep directories, symlinks, hard links, modes, sizes around the
//!   block size, optionally a sparse file over 4 GiB).
//! - [`mod@snapshot`]: [`snapshot()`] records a tree (kind, size, mode, symlink target,
//!   SHA-256, hard-link group, mtime) without following symlinks.
//! - [`mod@compare`]: [`compare()`] checks an extracted tree against the source with
//!   per-reader allowances ([`CompareOptions`]) and returns a readable [`Diff`].
//! - [`sessions`]: three sessions of sources (add; remove + replace; add) and the
//!   trees each must show, for multisession tests.
//! - [`views`]: what a Joliet-only reader can hold, what 7-Zip does with symlinks,
//!   how a UDF reader shows a long name.
//! - [`tools`]: running external programs, capturing output, skipping a test when
//!   a tool is missing (but never in CI).
//! - [`mod@skip`]: checks a machine cannot make: a failure under CI, elsewhere a
//!   skip that is printed past libtest's capture and listed by `.ci/test`.
//! - [`static_fixture_dir`]: a directory for a fixture kept in a `static`.
#![forbid(unsafe_code)]

pub mod compare;
pub mod images;
pub mod sessions;
pub mod skip;
pub mod snapshot;
pub mod tools;
pub mod tree;
pub mod views;

pub use compare::{compare, CompareOptions, Diff, ModeCheck, NameView, SymlinkCheck};
pub use skip::{in_ci, require, skipped};
pub use snapshot::{snapshot, Entry, Kind, Snapshot};
pub use tools::{
    cmd, python_module_available, require_python_module, require_tool, run, run_ok, tool_available,
    CmdOutput,
};
pub use tree::{make_tricky_tree, make_tricky_tree_with, TrickyOptions, SPARSE_SIZE};
pub use views::{joliet_can_hold, sevenzip_symlink_is_kept, udf_name};

/// A fresh, empty directory `TARGET_TMP/NAME` for a fixture held in a `static`.
///
/// Statics are never dropped, so a `tempfile::TempDir` kept in one is never
/// removed and every test run would leave its fixture behind (hundreds of MiB per
/// run). Pass `env!("CARGO_TARGET_TMPDIR")`: the fixture lives in the build
/// directory and the next run of the same test binary empties it first.
pub fn static_fixture_dir(target_tmp: &str, name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(target_tmp).join(name);
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("cannot empty the fixture directory {}: {e}", dir.display()),
    }
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}
