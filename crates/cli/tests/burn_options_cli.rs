//! The everyday options of `burn` that users of genisoimage and xorriso
//! reach for: descriptor identifiers, --no-joliet, --no-rock-ridge,
//! --print-size.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn discburn() -> Command {
    Command::new(env!("CARGO_BIN_EXE_discburn"))
}

fn source(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("src");
    fs::create_dir_all(src.join("a long directory name")).unwrap();
    fs::write(src.join("a long directory name/file.txt"), "x\n").unwrap();
    src
}

fn burn(args: &[&str], image: &Path, src: &Path) {
    let out = discburn()
        .arg("burn")
        .args(args)
        .arg("--target")
        .arg(image)
        .arg(src)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn info(image: &Path) -> Value {
    let out = discburn()
        .args(["--json", "info", "--target"])
        .arg(image)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn identifiers_land_in_the_volume_descriptors() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let image = dir.path().join("ids.iso");
    burn(
        &[
            "--publisher",
            "ACME PUBLISHING",
            "--preparer",
            "JANE DOE",
            "--application",
            "BACKUP TOOL 2",
            "--system-id",
            "PLAN9",
            "--volume-set",
            "SET1",
        ],
        &image,
        &src,
    );
    let fs_info = &info(&image)["file_system"];
    assert_eq!(fs_info["publisher_id"], "ACME PUBLISHING", "{fs_info}");
    assert_eq!(fs_info["preparer_id"], "JANE DOE");
    assert_eq!(fs_info["application_id"], "BACKUP TOOL 2");
    assert_eq!(fs_info["system_id"], "PLAN9");
    assert_eq!(fs_info["volume_set_id"], "SET1");
}

#[test]
fn joliet_and_rock_ridge_can_be_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let systems =
        |image: &Path| -> String { info(image)["file_system"]["file_systems"].to_string() };

    let both = dir.path().join("both.iso");
    burn(&[], &both, &src);
    let text = systems(&both);
    assert!(
        text.contains("Joliet") && text.contains("Rock Ridge"),
        "{text}"
    );

    let no_joliet = dir.path().join("no-joliet.iso");
    burn(&["--no-joliet"], &no_joliet, &src);
    let text = systems(&no_joliet);
    assert!(
        !text.contains("Joliet") && text.contains("Rock Ridge"),
        "{text}"
    );

    let no_rr = dir.path().join("no-rr.iso");
    burn(&["--no-rock-ridge"], &no_rr, &src);
    let text = systems(&no_rr);
    assert!(
        text.contains("Joliet") && !text.contains("Rock Ridge"),
        "{text}"
    );
}

#[test]
fn print_size_prints_the_blocks_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let image = dir.path().join("sized.iso");
    let out = discburn()
        .args(["burn", "--print-size", "--target"])
        .arg(&image)
        .arg(&src)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let blocks: u64 = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(!image.exists(), "--print-size wrote {image:?}");

    burn(&[], &image, &src);
    assert_eq!(fs::metadata(&image).unwrap().len(), blocks * 2048);
}
