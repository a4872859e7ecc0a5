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
