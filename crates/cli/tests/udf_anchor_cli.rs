//! The UDF anchor at block 256 of an image file, which 7-Zip (and every
//! reader of image files) finds UDF through: an append rewrites it last, after
//! the superblock. A crash between the two leaves ISO 9660 new and UDF old;
//! `discburn repair` and the next append put it right.

mod interop_support;

use std::os::unix::fs::FileExt;
use std::path::Path;

use interop_support::{burn_json as burn, discburn};
use testkit::tools::cmd;
use testkit::{compare, require_tool, run, run_ok, snapshot, CompareOptions};

const ANCHOR: u64 = 256 * 2048;

fn repair(image: &Path) -> serde_json::Value {
    let result = run(discburn().args(["--json", "repair", "--target"]).arg(image));
    assert!(result.success(), "{result}");
    serde_json::from_str(result.stdout.lines().last().unwrap_or("")).unwrap()
}

fn block_256(image: &Path) -> Vec<u8> {
    let mut block = vec![0u8; 2048];
    std::fs::File::open(image)
        .unwrap()
        .read_exact_at(&mut block, ANCHOR)
        .unwrap();
    block
}

fn put_block_256(image: &Path, block: &[u8]) {
    std::fs::OpenOptions::new()
        .write(true)
        .open(image)
        .unwrap()
        .write_all_at(block, ANCHOR)
        .unwrap();
}

/// What 7-Zip extracts from the image (UDF when block 256 is an anchor, else
/// ISO 9660/Joliet), compared with `expected`'s files.
fn seven_zip_reads(image: &Path, expected: &Path, what: &str) -> Result<(), String> {
    let out = image.with_extension("7z");
    let _ = std::fs::remove_dir_all(&out);
    run_ok(
        cmd("7zz", ["x", "-y"])
            .arg(format!("-o{}", out.display()))
            .arg(image),
    );
    compare(
        &snapshot(expected).unwrap(),
        &snapshot(&out).unwrap(),
        &CompareOptions::content_only(),
    )
    .map_err(|diff| format!("{what}: {diff}"))
}

/// Two sessions, the second with UDF (`second_args`) or without; then block
/// 256 as it was after session 1, as a crash between the superblock commit
/// and the anchor write leaves it. 7-Zip reads session 1's tree: the silent
/// wrong answer this is about.
fn crashed_before_the_anchor(
    dir: &Path,
    second_args: &[&str],
) -> (std::path::PathBuf, std::path::PathBuf) {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("one.txt"), b"one\n").unwrap();
    let image = dir.join("crashed.iso");
    burn(&["--udf"], &image, &src);
    let old_anchor = block_256(&image);
    std::fs::write(src.join("two.txt"), b"two\n").unwrap();
    burn(second_args, &image, &src);
    assert_ne!(
        block_256(&image),
        old_anchor,
        "the append rewrote block 256"
    );
    put_block_256(&image, &old_anchor);
    assert!(
        seven_zip_reads(&image, &src, "").is_err(),
        "7-Zip should read the old UDF tree of the crashed image"
    );
    (image, src)
}

#[test]
fn repair_rewrites_an_anchor_left_behind_by_a_crash() {
    if !require_tool("7zz") {
        return;
    }
    for second in [&["--udf"][..], &["--no-udf"][..]] {
        let dir = tempfile::tempdir().unwrap();
        let what = format!("second session {second:?}");
        let (image, src) = crashed_before_the_anchor(dir.path(), second);
        let report = repair(&image);
        assert_eq!(report["repaired"], true, "{what}: {report}");
        assert_eq!(report["session"], 2, "{what}: {report}");
        assert!(
            report["problem"]
                .as_str()
                .is_some_and(|p| p.contains("UDF anchor at block 256")),
            "{what}: {report}"
        );
        if let Err(diff) = seven_zip_reads(&image, &src, "7-Zip after repair") {
            panic!("{what}: {diff}");
        }
        if second == ["--no-udf"] {
            assert!(block_256(&image).iter().all(|&b| b == 0), "{what}");
        }
        let again = repair(&image);
        assert_eq!(again["repaired"], false, "{what}: {again}");
    }
}

#[test]
fn the_next_append_rewrites_an_anchor_left_behind_by_a_crash() {
    if !require_tool("7zz") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (image, src) = crashed_before_the_anchor(dir.path(), &["--udf"]);
    std::fs::write(src.join("three.txt"), b"three\n").unwrap();
    let third = burn(&[], &image, &src);
    assert_eq!(third["udf"]["implied"], true, "{third}");
    seven_zip_reads(&image, &src, "7-Zip after the next append").unwrap();
}

/// `--udf`, `--no-udf` (block 256 zeroed), `--udf` again: block 256, session
/// 1's gap, points at the newest UDF session once more.
#[test]
fn udf_after_a_session_without_it_takes_block_256_back() {
    if !require_tool("7zz") || !require_tool("udfinfo") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let image = dir.path().join("back.iso");
    for (name, args) in [("a", "--udf"), ("b", "--no-udf"), ("c", "--udf")] {
        std::fs::write(src.join(name), name).unwrap();
        burn(&[args], &image, &src);
    }
    let out = dir.path().join("7z");
    run_ok(
        cmd("7zz", ["x", "-tudf", "-y"])
            .arg(format!("-o{}", out.display()))
            .arg(&image),
    );
    if let Err(diff) = compare(
        &snapshot(&src).unwrap(),
        &snapshot(&out).unwrap(),
        &CompareOptions::content_only(),
    ) {
        panic!("7-Zip, UDF of session 3: {diff}");
    }
    let info = run(cmd("udfinfo", [&image]));
    assert!(info.stdout.contains("numfiles=3"), "{info}");
}
