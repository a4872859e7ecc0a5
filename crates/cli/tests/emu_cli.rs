//! `discburn emu create` / `emu show`.

use assert_cmd::Command;
use mmc::cdb::{CloseFunction, TrackAddress};
use mmc::ops;

fn discburn() -> Command {
    Command::cargo_bin("discburn").unwrap()
}

#[test]
fn create_then_show_a_medium() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("disc");
    let target = format!("emu:{}", path.display());
    discburn()
        .args(["emu", "create", &target, "--media", "dvd+r"])
        .assert()
        .success();
    assert!(path.exists() && emulator::state_path(&path).exists());
    // Never over an existing medium.
    let out = discburn()
        .args(["emu", "create", path.to_str().unwrap(), "--media", "cd-r"])
        .assert()
        .failure();
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("already exists"));
    discburn()
        .args(["emu", "create", "x", "--media", "zip"])
        .assert()
        .failure();

    // Write and close one session through the emulated drive.
    {
        let mut rec = emulator::Recorder::open(&path).unwrap();
        ops::test_unit_ready(&mut rec).unwrap();
        ops::write_blocks(&mut rec, 0, &vec![1u8; 32 * 2048]).unwrap();
        ops::synchronize_cache(&mut rec, false).unwrap();
        ops::close_track_session(&mut rec, CloseFunction::CloseTrack, 1, false).unwrap();
        ops::close_track_session(&mut rec, CloseFunction::CloseSession, 0, false).unwrap();
        let next = ops::read_track_information(&mut rec, TrackAddress::INVISIBLE).unwrap();
        assert!(next.next_writable_address > 32);
    }
    let out = discburn()
        .args(["emu", "show", &target, "--json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["media"], "dvd+r");
    assert_eq!(json["profile"], 0x1B);
    assert_eq!(json["disc_status"], "appendable");
    assert_eq!(json["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(json["sessions"][0]["tracks"][0]["size"], 32);
    let nwa = json["next_writable"].as_u64().unwrap();
    assert_eq!(json["free_blocks"].as_u64().unwrap(), 2_295_104 - nwa);
    let out = discburn()
        .args(["emu", "show", path.to_str().unwrap()])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("appendable") && text.contains(&format!("next writable: {nwa}")),
        "{text}"
    );
}

#[test]
fn capacity_option_and_missing_medium() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cd");
    discburn()
        .args([
            "emu",
            "create",
            path.to_str().unwrap(),
            "--media",
            "cd-rw",
            "--capacity",
            "5000",
            "--json",
        ])
        .assert()
        .success();
    let out = discburn()
        .args(["--json", "emu", "show", path.to_str().unwrap()])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        (json["capacity"].as_u64(), json["erasable"].as_bool()),
        (Some(5000), Some(true))
    );
    discburn()
        .args(["emu", "show", dir.path().join("none").to_str().unwrap()])
        .assert()
        .failure();
}

/// Writes `image` as one closed session on a new emulated medium.
fn burn_image_to_medium(image: &[u8], path: &std::path::Path, media: emulator::MediaType) {
    let mut rec = emulator::Recorder::create(path, media, None).unwrap();
    rec.set_immed_polls(0);
    ops::test_unit_ready(&mut rec).unwrap();
    let mut data = image.to_vec();
    data.resize(data.len().div_ceil(32 * 2048) * 32 * 2048, 0);
    if media == emulator::MediaType::CdR {
        let mut page = ops::write_parameters(&mut rec).unwrap();
        page.multi_session = mmc::mode::MultiSession::Appendable;
        ops::mode_select_page(&mut rec, &page.emit()).unwrap();
    }
    for (i, chunk) in data.chunks(32 * 2048).enumerate() {
        ops::write_blocks(&mut rec, (i * 32) as u32, chunk).unwrap();
    }
    ops::synchronize_cache(&mut rec, false).unwrap();
    if media != emulator::MediaType::CdR {
        ops::close_track_session(&mut rec, CloseFunction::CloseTrack, 1, false).unwrap();
    }
    ops::close_track_session(&mut rec, CloseFunction::CloseSession, 0, false).unwrap();
}

#[test]
fn emu_targets_read_like_the_image_file() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("sub")).unwrap();
    std::fs::write(tree.join("a.txt"), b"hello").unwrap();
    std::fs::write(tree.join("sub/b.bin"), vec![7u8; 100_000]).unwrap();
    let image = dir.path().join("img.iso");
    if !testkit::require_tool("genisoimage") {
        return;
    }
    testkit::run_ok(
        testkit::cmd("genisoimage", ["-quiet", "-R", "-J", "-o"])
            .arg(&image)
            .arg(&tree),
    );
    let bytes = std::fs::read(&image).unwrap();
    let listing = |target: &str| {
        let out = discburn()
            .args(["--json", "ls", "--target", target])
            .assert()
            .success();
        let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        json["entries"].clone()
    };
    let expected = listing(image.to_str().unwrap());
    assert_eq!(expected[0]["name"], "a.txt", "{expected}");
    for (name, media) in [
        ("dvd", emulator::MediaType::DvdPlusR),
        ("cd", emulator::MediaType::CdR),
    ] {
        let medium = dir.path().join(name);
        burn_image_to_medium(&bytes, &medium, media);
        assert_eq!(
            listing(&format!("emu:{}", medium.display())),
            expected,
            "{media}"
        );
    }
    // A blank medium has nothing to read.
    let blank = dir.path().join("blank");
    emulator::Recorder::create(&blank, emulator::MediaType::BdR, None).unwrap();
    discburn()
        .args(["ls", "--target", &format!("emu:{}", blank.display())])
        .assert()
        .failure();
}
