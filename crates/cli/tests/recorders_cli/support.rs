//! Shared pieces of the recorder tests: running discburn for its JSON
//! result, the source trees of three sessions and what each session must
//! hold, and a fingerprint of an emulated medium to see that a refused
//! command left it alone.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `cmd`, asserting success; the result object (its last JSON line),
/// or null when it printed none.
pub fn run_ok(cmd: &mut Command) -> serde_json::Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or("null")).unwrap_or(serde_json::Value::Null)
}

/// Writes each file (path relative to `dir`, contents), making its directories.
pub fn write_tree(dir: &Path, files: &[(&str, &[u8])]) {
    for (path, data) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, data).unwrap();
    }
}

/// The sources of the three sessions and the tree each session must hold.
pub struct Trees {
    pub sources: [PathBuf; 3],
    pub expected: [PathBuf; 3],
}

pub fn trees(dir: &Path) -> Trees {
    let big: Vec<u8> = (0..700_000u32).map(|i| (i % 253) as u8).collect();
    let s1: &[(&str, &[u8])] = &[
        ("docs/a.txt", b"first\n"),
        ("gone/old.txt", b"removed in session 2\n"),
        ("big.bin", &big),
    ];
    let s2: &[(&str, &[u8])] = &[
        ("docs/a.txt", b"replaced in session 2\n"),
        ("two.txt", b"2\n"),
    ];
    let s3: &[(&str, &[u8])] = &[("three/c.txt", b"3\n")];
    let sources = [dir.join("s1"), dir.join("s2"), dir.join("s3")];
    write_tree(&sources[0], s1);
    write_tree(&sources[1], s2);
    write_tree(&sources[2], s3);
    let expected = [dir.join("e1"), dir.join("e2"), dir.join("e3")];
    write_tree(&expected[0], s1);
    let kept: Vec<_> = s1
        .iter()
        .filter(|(p, _)| !p.starts_with("gone/"))
        .copied()
        .collect();
    for e in &expected[1..] {
        write_tree(e, &kept);
        write_tree(e, s2);
    }
    write_tree(&expected[2], s3);
    Trees { sources, expected }
}

/// The medium's state file, its data file's length and modification time,
/// and the data file's first `blocks` blocks (the data file is a sparse file
/// of the disc's whole capacity, 25 GB for a BD), to see that a refused burn
/// left it alone.
pub fn medium_bytes(medium: &Path, blocks: u64) -> (Vec<u8>, u64, std::time::SystemTime, Vec<u8>) {
    use std::io::Read;
    let state = PathBuf::from(format!("{}.state.json", medium.display()));
    let md = fs::metadata(medium).unwrap();
    let mut head = Vec::new();
    fs::File::open(medium)
        .unwrap()
        .take(blocks * 2048)
        .read_to_end(&mut head)
        .unwrap();
    (
        fs::read(state).unwrap(),
        md.len(),
        md.modified().unwrap(),
        head,
    )
}
