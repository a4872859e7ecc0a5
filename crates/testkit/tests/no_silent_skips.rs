//! Keeps silent skips out of the test code of every crate: a test that cannot
//! make a check goes through `testkit::require`/`require_tool`/`skipped`, which
//! fail under CI and list the skip elsewhere. So no test code reads `CI` itself
//! or prints its own "skipping" message.

use std::path::{Path, PathBuf};

/// Rust files of the workspace's test code: `tests/` of every crate, and the
/// test support crates' sources.
fn test_sources(root: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(root.join("crates")).unwrap().flatten() {
        dirs.push(entry.path().join("tests"));
    }
    dirs.push(root.join("crates/testkit/src"));
    dirs.push(root.join("crates/qemu-harness/src"));
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

#[test]
fn no_test_reads_ci_or_announces_its_own_skip() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let files = test_sources(&root);
    assert!(files.len() > 20, "found only {files:?}");
    let mut found = Vec::new();
    for file in &files {
        if file.ends_with("testkit/src/skip.rs") || file.ends_with("tests/no_silent_skips.rs") {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let lower = line.to_lowercase();
            let reads_ci = line.contains("\"CI\"");
            let own_skip = (lower.contains("eprintln!") || lower.contains("println!"))
                && lower.contains("skip");
            if reads_ci || own_skip {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "test code that decides on its own to skip (use testkit::require, require_tool or skipped):\n{}",
        found.join("\n")
    );
}
