//! Issue 9: a truncated image is not silent. Every command that reads it
//! warns that it is shorter than its volume space; `extract` names the files
//! it could not write, and `extract --salvage` writes what is there and names
//! the files that are incomplete.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

fn discburn() -> Command {
    Command::cargo_bin("discburn").unwrap()
}

/// An image of `big.bin` (1 MiB of varied bytes) and `small.txt`, cut in
/// half: the cut falls inside big.bin, which fills most of it.
fn truncated_image(dir: &Path) -> (std::path::PathBuf, Vec<u8>) {
    let src = dir.join("src");
    fs::create_dir_all(&src).unwrap();
    let big: Vec<u8> = (0..1u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 1)
        .collect();
    fs::write(src.join("big.bin"), &big).unwrap();
    fs::write(src.join("small.txt"), "small\n").unwrap();
    let image = dir.join("cut.iso");
    discburn()
        .args(["burn", "--target"])
        .arg(&image)
        .arg(&src)
        .assert()
        .success();
    let len = fs::metadata(&image).unwrap().len();
    fs::OpenOptions::new()
        .write(true)
        .open(&image)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    (image, big)
}

fn last_json(stdout: &[u8]) -> Value {
    let text = String::from_utf8_lossy(stdout);
    serde_json::from_str(text.lines().last().unwrap()).unwrap()
}

#[test]
fn every_reading_command_warns_of_a_truncated_image() {
    let dir = tempfile::tempdir().unwrap();
    let (image, _) = truncated_image(dir.path());

    discburn()
        .args(["ls", "-l", "-R", "--target"])
        .arg(&image)
        .assert()
        .success()
        .stderr(contains("truncated"))
        .stderr(contains("cut.iso"));
    // info's report has a Warning line.
    discburn()
        .args(["info", "--target"])
        .arg(&image)
        .assert()
        .success()
        .stdout(contains("Warning:"))
        .stdout(contains("truncated"));
    // The same warning in the JSON results.
    let out = discburn()
        .args(["--json", "ls", "--target"])
        .arg(&image)
        .assert()
        .success();
    let result = last_json(&out.get_output().stdout);
    assert!(
        result["warnings"][0]
            .as_str()
            .unwrap()
            .contains("truncated"),
        "{result}"
    );
    let out = discburn()
        .args(["--json", "info", "--target"])
        .arg(&image)
        .assert()
        .success();
    let result = last_json(&out.get_output().stdout);
    assert!(
        result["file_system"]["warnings"]
            .to_string()
            .contains("truncated"),
        "{result}"
    );
    // An append refuses to build on it.
    let more = dir.path().join("more.txt");
    fs::write(&more, "more\n").unwrap();
    discburn()
        .args(["burn", "--target"])
        .arg(&image)
        .arg(&more)
        .assert()
        .failure()
        .stderr(contains("truncated"));

    // An intact image warns of nothing.
    let whole = dir.path().join("whole.iso");
    discburn()
        .args(["burn", "--target"])
        .arg(&whole)
        .arg(&more)
        .assert()
        .success();
    discburn()
        .args(["burn", "--target"])
        .arg(&whole)
        .arg(&more)
        .assert()
        .success();
    discburn()
        .args(["ls", "-R", "--target"])
        .arg(&whole)
        .assert()
        .success()
        .stderr(predicates::str::is_empty());
    discburn()
        .args(["info", "--target"])
        .arg(&whole)
        .assert()
        .success()
        .stdout(contains("Warning").not());
}

#[test]
fn extract_names_what_it_could_not_write_and_salvage_writes_what_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let (image, big) = truncated_image(dir.path());

    // Without --salvage: big.bin is not written, and that is an error.
    let plain = dir.path().join("plain");
    discburn()
        .args(["extract", "--target"])
        .arg(&image)
        .arg("--output")
        .arg(&plain)
        .assert()
        .code(1)
        .stderr(contains("truncated"))
        .stderr(contains("--salvage"))
        .stderr(contains("big.bin: not extracted"));
    assert!(!plain.join("big.bin").exists());

    // --salvage: what is in the image is written, at its offsets, the rest
    // as zeros; big.bin is named as incomplete. Under --json the error is the
    // one final object and carries what was done.
    let salvaged = dir.path().join("salvaged");
    let out = discburn()
        .args(["--json", "extract", "--salvage", "--target"])
        .arg(&image)
        .arg("--output")
        .arg(&salvaged)
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let finals: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["type"] == "result" || v["type"] == "error")
        .collect();
    assert_eq!(finals.len(), 1, "{stdout}");
    let error = &finals[0];
    assert_eq!(error["type"], "error", "{error}");
    assert_eq!(error["code"], "failure");
    let incomplete = error["partial"]["incomplete"].as_array().unwrap();
    let entry = incomplete
        .iter()
        .find(|i| i["path"] == "big.bin")
        .unwrap_or_else(|| panic!("big.bin not named incomplete: {error}"));
    assert_eq!(entry["size"], big.len() as u64);
    let missing = entry["missing_bytes"].as_u64().unwrap();
    assert!(missing > 0 && missing < big.len() as u64, "{entry}");
    assert!(
        entry["reason"].as_str().unwrap().contains("past the end"),
        "{entry}"
    );

    let written = fs::read(salvaged.join("big.bin")).unwrap();
    assert_eq!(written.len(), big.len());
    let present = big.len() - missing as usize;
    assert!(
        written[..present] == big[..present],
        "the readable part differs"
    );
    assert!(
        written[present..].iter().all(|&b| b == 0),
        "the missing part is not zeros"
    );

    // Text mode names it too.
    discburn()
        .args(["extract", "--salvage", "--force", "--target"])
        .arg(&image)
        .arg("--output")
        .arg(&salvaged)
        .assert()
        .code(1)
        .stderr(contains("big.bin: incomplete"));
}

#[test]
fn salvage_inflates_zisofs_files_like_a_plain_extract() {
    if !testkit::require_tool("xorriso") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir_all(&src).unwrap();
    let text = "hello zisofs world\n".repeat(200_000);
    fs::write(src.join("text.txt"), &text).unwrap();
    let image = dir.path().join("z.iso");
    let out = std::process::Command::new("xorriso")
        .arg("-outdev")
        .arg(&image)
        .arg("-map")
        .arg(&src)
        .args(["/", "-set_filter_r", "--zisofs", "/", "--", "-commit"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The file is stored compressed: far smaller than its text.
    assert!(fs::metadata(&image).unwrap().len() < text.len() as u64);
    let salvaged = dir.path().join("salvaged");
    discburn()
        .args(["extract", "--salvage", "--target"])
        .arg(&image)
        .arg("--output")
        .arg(&salvaged)
        .assert()
        .success();
    assert_eq!(fs::read_to_string(salvaged.join("text.txt")).unwrap(), text);
}
