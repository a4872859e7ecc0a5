//! Pressed discs in QEMU's drives (`discburn emu create --from IMAGE --drive
//! qemu-ide|qemu-scsi`): `info`, `ls` and `extract` through the emulated drive
//! give what they give on the image file itself (issue 4 item 4).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn discburn() -> Command {
    Command::cargo_bin("discburn").unwrap()
}

fn stdout(args: &[&str]) -> String {
    let out = discburn().args(args).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

/// An image burnt by discburn from a tree with files larger than 64 blocks
/// (QEMU IDE's largest transfer) next to small and empty ones.
fn make_image(dir: &Path) -> PathBuf {
    let tree = dir.join("tree");
    std::fs::create_dir_all(tree.join("docs/deeper")).unwrap();
    let big: Vec<u8> = (0..400_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(tree.join("big.bin"), &big).unwrap();
    std::fs::write(tree.join("docs/medium.dat"), &big[..150_000]).unwrap();
    std::fs::write(tree.join("docs/deeper/note.txt"), "pressed\n").unwrap();
    std::fs::write(tree.join("empty"), "").unwrap();
    let image = dir.join("image.iso");
    discburn()
        .args(["burn", "--target"])
        .arg(&image)
        .arg(&tree)
        .assert()
        .success();
    image
}

/// Every file under `root` with its bytes (directories: `None`).
fn files(root: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.strip_prefix(root).unwrap().display().to_string();
            if path.is_dir() {
                found.insert(name, None);
                stack.push(path);
            } else {
                found.insert(name, Some(std::fs::read(&path).unwrap()));
            }
        }
    }
    found
}

#[test]
fn ls_extract_and_info_through_qemu_drives_match_the_image_file() {
    let dir = tempfile::tempdir().unwrap();
    let image = make_image(dir.path());
    let image_target = image.to_str().unwrap();
    let listing = stdout(&["ls", "-R", "-l", "--target", image_target]);
    assert!(
        listing.contains("big.bin") && listing.contains("note.txt"),
        "{listing}"
    );
    let info = |target: &str| -> serde_json::Value {
        serde_json::from_str(&stdout(&["info", "--json", "--target", target])).unwrap()
    };
    let image_info = info(image_target);
    let from_image = dir.path().join("from-image");
    discburn()
        .args(["extract", "--target", image_target, "--output"])
        .arg(&from_image)
        .assert()
        .success();
    let expected = files(&from_image);
    assert_eq!(
        expected
            .get("big.bin")
            .and_then(|c| c.as_ref())
            .map(Vec::len),
        Some(400_000)
    );

    for drive in ["qemu-ide", "qemu-scsi", "recorder"] {
        for media in ["rom", "dvd-rom"] {
            let what = format!("{drive} {media}");
            let medium = dir.path().join(format!("{drive}-{media}"));
            let target = format!("emu:{}", medium.display());
            let created = stdout(&[
                "emu",
                "create",
                &target,
                "--from",
                image_target,
                "--media",
                media,
                "--drive",
                drive,
            ]);
            assert!(created.contains("pressed"), "{created}");
            let shown: serde_json::Value =
                serde_json::from_str(&stdout(&["--json", "emu", "show", &target])).unwrap();
            let expected_media = if media == "rom" { "cd-rom" } else { "dvd-rom" };
            assert_eq!(shown["media"], expected_media, "{what}");
            assert_eq!(shown["drive"], drive, "{what}");
            assert_eq!(shown["disc_status"], "complete", "{what}");

            assert_eq!(
                stdout(&["ls", "-R", "-l", "--target", &target]),
                listing,
                "{what}"
            );
            let out = dir.path().join(format!("out-{drive}-{media}"));
            discburn()
                .args(["extract", "--target", &target, "--output"])
                .arg(&out)
                .assert()
                .success();
            assert_eq!(files(&out), expected, "{what}");
            let medium_info = info(&target);
            assert_eq!(
                medium_info["file_system"], image_info["file_system"],
                "{what}"
            );
            // The drive's view: QEMU reports a small image as a CD-ROM whatever
            // was pressed, and identifies itself.
            let media = &medium_info["media"];
            let expected_profile = if drive == "recorder" && expected_media == "dvd-rom" {
                "DVD-ROM"
            } else {
                "CD-ROM"
            };
            let expected_model = match drive {
                "qemu-ide" => "QEMU DVD-ROM",
                "qemu-scsi" => "QEMU CD-ROM",
                _ => "EMU RECORDER",
            };
            assert_eq!(media["model"], expected_model, "{what}: {medium_info}");
            assert_eq!(media["profile"], expected_profile, "{what}: {media}");
            assert_eq!(media["disc_status"], "complete", "{what}");
            assert_eq!(media["sessions"], 1, "{what}");
            assert_eq!(
                media["capacity_blocks"], image_info["file_system"]["volume_space_size"],
                "{what}"
            );
        }
    }
}

#[test]
fn pressed_media_options_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let image = make_image(dir.path());
    let image = image.to_str().unwrap();
    let medium = |name: &str| dir.path().join(name).display().to_string();
    // A recordable type is made blank, not from an image.
    discburn()
        .args([
            "emu",
            "create",
            &medium("a"),
            "--media",
            "cd-r",
            "--from",
            image,
        ])
        .assert()
        .failure();
    // A pressed type needs the image.
    let out = discburn()
        .args(["emu", "create", &medium("b"), "--media", "dvd-rom"])
        .assert()
        .failure();
    assert!(
        String::from_utf8_lossy(&out.get_output().stderr).contains("--from"),
        "{:?}",
        out.get_output()
    );
    discburn()
        .args(["emu", "create", &medium("c"), "--media", "rom"])
        .assert()
        .failure();
    discburn()
        .args([
            "emu",
            "create",
            &medium("d"),
            "--from",
            image,
            "--drive",
            "floppy",
        ])
        .assert()
        .failure();
    // A blank recordable medium in a QEMU drive reads as QEMU would read the file.
    let text = stdout(&[
        "emu",
        "create",
        &medium("e"),
        "--media",
        "cd-r",
        "--drive",
        "qemu-ide",
    ]);
    assert!(text.contains("qemu-ide"), "{text}");
    let shown = stdout(&["emu", "show", &medium("e")]);
    assert!(shown.contains("drive:         qemu-ide"), "{shown}");
    // QEMU reads the medium's file as an image: every block of the capacity
    // reads (as zeros), where a recorder refuses blocks never written.
    let mut qemu = emulator::Recorder::open(medium("e")).unwrap();
    let capacity = mmc::ops::read_capacity(&mut qemu).unwrap().block_count();
    assert_eq!(capacity, 359_849, "a blank CD-R's capacity");
    let mut block = vec![0xAAu8; 2048];
    mmc::ops::read_blocks(&mut qemu, 1000, &mut block).unwrap();
    assert!(block.iter().all(|&b| b == 0));
    qemu.set_personality(emulator::Personality::Recorder);
    assert!(mmc::ops::read_blocks(&mut qemu, 1000, &mut block).is_err());

    // DISCBURN_EMU_FAULTS puts a medium in another drive for one command.
    let target = format!("emu:{}", medium("f"));
    stdout(&["emu", "create", &target, "--from", image]);
    let faults = [("DISCBURN_EMU_FAULTS", "drive=qemu-scsi;max_transfer=5")];
    let listing = discburn()
        .envs(faults)
        .args(["ls", "-R", "--target", &target])
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&listing.get_output().stdout).contains("big.bin"));
    let model = |envs: &[(&str, &str)]| -> serde_json::Value {
        let out = discburn()
            .envs(envs.iter().copied())
            .args(["--json", "info", "--target", &target])
            .assert()
            .success();
        let info: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        info["media"]["model"].clone()
    };
    assert_eq!(model(&faults), "QEMU CD-ROM", "in the QEMU SCSI drive");
    assert_eq!(model(&[]), "EMU RECORDER", "back in its own drive");
}

#[test]
fn burning_to_a_pressed_disc_is_refused_with_what_the_drive_reports() {
    let dir = tempfile::tempdir().unwrap();
    let image = make_image(dir.path());
    let medium = dir.path().join("rom.emu");
    discburn()
        .args(["emu", "create", "--media", "dvd-rom", "--from"])
        .arg(&image)
        .arg(&medium)
        .assert()
        .success();
    let before = std::fs::read(&medium).unwrap();
    let target = format!("emu:{}", medium.display());
    let out = discburn()
        .args(["burn", "--target", &target])
        .arg(dir.path().join("tree"))
        .assert()
        .code(4);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("the drive reports DVD-ROM media")
            && stderr.contains("nothing was written"),
        "{stderr}"
    );
    assert!(
        std::fs::read(&medium).unwrap() == before,
        "the disc changed"
    );
}
