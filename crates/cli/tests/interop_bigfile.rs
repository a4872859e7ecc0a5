//! Interoperability of a file over 4 GiB (multi-extent, ECMA-119 9.1.6): a
//! sparse source file with data before and after the 4 GiB boundary, burned
//! once by discburn and read back by every reader that handles multi-extent
//! files. Ignored in debug builds; `cargo test --release` (the CI command) runs
//! it in about two minutes.

mod interop_support;

use std::path::Path;

use interop_support::{discburn, extract_all, Fixture};
use testkit::snapshot::sha256_reader;
use testkit::{cmd, require_python_module, require_tool, run, Kind, SPARSE_SIZE};

const BIG: &str = "big/sparse_4g.bin";

/// A tree holding only the big sparse file and a small file after it.
fn big_fixture() -> Fixture {
    Fixture::with_tree(|src| {
        std::fs::create_dir(src.join("big"))?;
        testkit::tree::write_sparse_file(&src.join(BIG))?;
        std::fs::write(src.join("big/small_after.txt"), b"after the big one\n")
    })
}

fn expected_sha(f: &Fixture) -> String {
    f.expected.entries[BIG].sha256.clone().unwrap_or_default()
}

/// Checks an extracted copy, then deletes it (4 GiB each).
fn check_and_remove(f: &Fixture, out: &Path, what: &str) {
    let file = out.join(BIG);
    let (sha, len) = sha256_reader(
        std::fs::File::open(&file).unwrap_or_else(|e| panic!("{what}: {}: {e}", file.display())),
    )
    .unwrap();
    assert_eq!(len, SPARSE_SIZE, "{what}: size");
    assert_eq!(sha, expected_sha(f), "{what}: content");
    assert_eq!(
        std::fs::read(out.join("big/small_after.txt")).unwrap(),
        b"after the big one\n",
        "{what}"
    );
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "4 GiB through every reader: run with --release (the CI command does)"
)]
fn file_over_4_gib_reads_back_in_every_reader() {
    let f = big_fixture();
    assert_eq!(f.expected.entries[BIG].kind, Kind::File);

    // discburn itself: ls shows one file of the full size in several extents.
    let ls = run(discburn()
        .args(["--json", "ls", "--target"])
        .arg(&f.image)
        .arg("big"));
    assert!(ls.success(), "{ls}");
    let json: serde_json::Value = serde_json::from_str(&ls.stdout).unwrap();
    let entry = json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "sparse_4g.bin")
        .cloned()
        .unwrap();
    assert_eq!(entry["size"].as_u64(), Some(SPARSE_SIZE));
    assert!(entry["extents"].as_u64().unwrap() >= 2, "{entry}");
    let out = f.out_dir("discburn");
    extract_all(&f.image, &out);
    check_and_remove(&f, &out, "discburn extract");

    if require_tool("xorriso") {
        let out = f.out_dir("xorriso");
        let result = run(cmd("xorriso", ["-osirrox", "on", "-indev"])
            .arg(&f.image)
            .args(["-extract", "/"])
            .arg(&out));
        assert!(result.success(), "{result}");
        check_and_remove(&f, &out, "xorriso");
    }
    if require_tool("bsdtar") {
        let out = f.out_dir("bsdtar");
        let result = run(cmd("bsdtar", ["-xpf"]).arg(&f.image).arg("-C").arg(&out));
        assert!(result.success(), "{result}");
        check_and_remove(&f, &out, "bsdtar");
    }
    if require_tool("7zz") {
        let out = f.out_dir("7zz");
        let result = run(cmd("7zz", ["x", "-y"])
            .arg(format!("-o{}", out.display()))
            .arg(&f.image));
        assert!(result.success(), "{result}");
        check_and_remove(&f, &out, "7zz");
    }
    if require_tool("isoinfo") {
        // isoinfo lists one line per extent; the sizes add up to the file.
        let result = run(cmd("isoinfo", ["-R", "-l", "-i"]).arg(&f.image));
        assert!(result.success(), "{result}");
        let total: u64 = result
            .stdout
            .lines()
            .filter(|l| l.trim_end().ends_with("sparse_4g.bin"))
            .filter_map(|l| {
                l.split_whitespace()
                    .nth(4)
                    .and_then(|s| s.parse::<u64>().ok())
            })
            .sum();
        assert_eq!(
            total, SPARSE_SIZE,
            "isoinfo -R -l extents of {BIG}:\n{}",
            result.stdout
        );
    }
    if require_python_module("pycdlib") {
        // pycdlib links the chunks of a multi-extent file (data_continuation),
        // but its rr_path lookup lands on the last chunk and reads only that
        // chunk's bytes, so the chain's lengths are added up here instead.
        let script = r#"
import sys, pycdlib
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
total = 0
for child in iso.list_children(rr_path='/big'):
    if child.rock_ridge is not None and child.rock_ridge.name() == b'sparse_4g.bin':
        while child is not None:
            total += child.data_length
            child = child.data_continuation
print(total)
"#;
        let result = run(cmd("python3", ["-c", script]).arg(&f.image));
        assert!(result.success(), "{result}");
        assert_eq!(
            result.stdout.trim(),
            SPARSE_SIZE.to_string(),
            "pycdlib: chunks of {BIG}"
        );
    }
    if require_tool("isovfy") {
        // isovfy (genisoimage 1.1.11) stops at the first multi-extent record,
        // printing it with its size as a negative 32-bit number and no verdict;
        // xorriso's `-iso-level 3` images get the same. Anything else is an error.
        let result = run(&mut cmd("isovfy", [&f.image]));
        for line in result.stdout.lines() {
            let known = line.starts_with("Root at extent")
                || line == "[0 0]"
                || line == "No errors found"
                || line.contains("Flags=(80)");
            assert!(known, "isovfy: unexpected line {line:?}\n{result}");
        }
    }
}
