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
//! - [`views`]: what a Joliet-only reader can hold, what 7-Zip does with symlinks.
//! - [`tools`]: running external programs, capturing output, skipping a test when
//!   a tool is missing (but never in CI).
//! - [`mod@skip`]: checks a machine cannot make: a failure under CI, elsewhere a
//!   skip that is printed past libtest's capture and listed by `.ci/test`.
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
pub use views::{joliet_can_hold, sevenzip_symlink_is_kept};
