//! Checks a test cannot make on this machine (a tool or a privilege is missing).
//!
//! Under CI (the `CI` environment variable set to anything but empty, `0` or
//! `false`) a missing precondition is a failure: CI must be able to make every
//! check. Elsewhere the check is skipped, and the skip must not look like a pass:
//!
//! - a `SKIPPED:` line goes straight to the process's standard error, past
//!   libtest's output capture, so it shows next to the test's `ok`;
//! - the same line is appended to `skipped-checks.txt` in the cargo target
//!   directory, which `.ci/test` empties before a run and prints at its end.

use std::io::Write;
use std::path::PathBuf;

/// Whether the tests run under CI, where every check must run.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// Returns `present`. When it is false, the check that needs it cannot run:
/// under CI that panics with `reason`; elsewhere it is recorded as skipped
/// ([`skipped`]) and the caller skips the check.
#[track_caller]
pub fn require(present: bool, reason: &str) -> bool {
    if !present {
        skipped(reason);
    }
    present
}

/// Records that the current test skips a check because of `reason`. Under CI
/// this is a failure (a panic).
#[track_caller]
pub fn skipped(reason: &str) {
    if in_ci() {
        panic!("{reason}: CI is set, so this check may not be skipped");
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("(unnamed thread)")
        .to_string();
    let line = format!("SKIPPED: {} {test}: {reason}\n", binary_name());
    // Not eprint!: libtest captures that and shows it only for failing tests.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
    if let Ok(mut log) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(skip_log_path())
    {
        let _ = log.write_all(line.as_bytes());
    }
}

/// `skipped-checks.txt` in the cargo target directory of the running test
/// binary (the nearest ancestor holding cargo's `CACHEDIR.TAG`), else in the
/// system's temporary directory.
pub fn skip_log_path() -> PathBuf {
    let target = std::env::current_exe().ok().and_then(|exe| {
        exe.ancestors()
            .find(|dir| dir.join("CACHEDIR.TAG").is_file())
            .map(PathBuf::from)
    });
    target
        .unwrap_or_else(std::env::temp_dir)
        .join("skipped-checks.txt")
}

/// The test binary's name without cargo's hash suffix (`writer-0123abcd` → `writer`).
fn binary_name() -> String {
    let exe = std::env::current_exe().unwrap_or_default();
    let stem = exe
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    match stem.rsplit_once('-') {
        Some((name, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            name.to_string()
        }
        _ => stem,
    }
}
