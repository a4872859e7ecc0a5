//! `discburn info` on whole, truncated and emulated targets.

use std::fs;
use std::process::Command;

fn discburn() -> Command {
    Command::new(env!("CARGO_BIN_EXE_discburn"))
}

/// Burns a small tree (a file in a subdirectory) and returns the image path.
fn burn_small_image(dir: &std::path::Path) -> std::path::PathBuf {
    let src = dir.join("src");
    fs::create_dir_all(src.join("sub")).unwrap();
    fs::write(src.join("sub/data.bin"), vec![7u8; 10_000]).unwrap();
    fs::write(src.join("a.txt"), b"hello\n").unwrap();
    let image = dir.join("small.iso");
    let status = discburn()
        .args(["burn", "--target"])
        .arg(&image)
        .args(["--volume-name", "INFOTEST"])
        .arg(&src)
        .status()
        .unwrap();
    assert!(status.success());
    image
}

fn info_json(target: &str) -> serde_json::Value {
    let out = discburn()
        .args(["--json", "info", "--target", target])
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
fn info_describes_a_whole_image_without_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let image = burn_small_image(dir.path());
    let info = info_json(image.to_str().unwrap());
    let fs_info = &info["file_system"];
    assert_eq!(fs_info["volume_id"], "INFOTEST");
    assert_eq!(fs_info["files"], 2);
    assert_eq!(fs_info["directories"], 1);
    assert_eq!(fs_info["file_bytes"], 10_006);
    let size = fs::metadata(&image).unwrap().len();
    assert_eq!(fs_info["size_bytes"], size);
    assert!(fs_info.get("warnings").is_none(), "{info}");
    assert!(
        info.get("media").is_none(),
        "an image file has no drive: {info}"
    );
}

#[test]
fn info_warns_about_a_truncated_image_and_still_shows_its_descriptors() {
    let dir = tempfile::tempdir().unwrap();
    let image = burn_small_image(dir.path());
    let bytes = fs::read(&image).unwrap();
    let truncated = dir.path().join("truncated.iso");
    // Keep the descriptors (blocks 16..) but cut the file data off.
    let keep_blocks = bytes.len() / 2048 - 4;
    fs::write(&truncated, &bytes[..keep_blocks * 2048]).unwrap();
    let info = info_json(truncated.to_str().unwrap());
    let fs_info = &info["file_system"];
    assert_eq!(fs_info["volume_id"], "INFOTEST");
    let warnings = fs_info["warnings"].as_array().expect("warnings");
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .unwrap()
            .contains(&format!("holds only {keep_blocks} blocks"))),
        "{warnings:?}"
    );
}

#[test]
fn info_on_a_blank_emulated_medium_reports_the_medium_and_no_file_system() {
    let dir = tempfile::tempdir().unwrap();
    let medium = dir.path().join("blank.emu");
    let status = discburn()
        .args(["emu", "create"])
        .arg(&medium)
        .args(["--media", "cd-r"])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let info = info_json(&format!("emu:{}", medium.display()));
    assert_eq!(info["media"]["profile"], "CD-R");
    assert_eq!(info["media"]["disc_status"], "blank");
    assert_eq!(info["media"]["free_blocks"], 359_849);
    assert!(info.get("file_system").is_none(), "{info}");
}
