//! Issue 9: what used to happen without a word now says so — two sources on
//! one path, an `extract` of a path that is not there, `info` on the data file
//! of an emulated medium without `emu:`, a blank medium described as blank.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn discburn() -> Command {
    Command::new(env!("CARGO_BIN_EXE_discburn"))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn two_sources_on_one_path_are_an_error_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("dir1"), dir.path().join("dir2"));
    write(&a.join("same.txt"), "first\n");
    write(&b.join("same.txt"), "second\n");
    let image = dir.path().join("c.iso");

    let out = discburn()
        .args(["burn", "--target"])
        .arg(&image)
        .args([&a, &b])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(message.contains("/same.txt"), "{message}");
    assert!(
        message.contains(&a.join("same.txt").display().to_string()),
        "{message}"
    );
    assert!(
        message.contains(&b.join("same.txt").display().to_string()),
        "{message}"
    );
    assert!(message.contains("--merge=last-wins"), "{message}");
    assert!(!image.exists(), "a refused burn creates no image");

    // --merge=last-wins keeps the second one.
    let out = discburn()
        .args(["burn", "--merge=last-wins", "--target"])
        .arg(&image)
        .args([&a, &b])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let restored = dir.path().join("restored");
    let out = discburn()
        .args(["extract", "--target"])
        .arg(&image)
        .arg("--output")
        .arg(&restored)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        fs::read_to_string(restored.join("same.txt")).unwrap(),
        "second\n"
    );

    // Replacing a file of an earlier session is intended, and reported.
    let out = discburn()
        .args(["--json", "burn", "--target"])
        .arg(&image)
        .arg(&a)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(
        result["replaced"],
        serde_json::json!(["/same.txt"]),
        "{result}"
    );
}

#[test]
fn a_graft_onto_a_scanned_file_is_a_collision_too() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write(&src.join("docs/readme"), "scanned\n");
    let other = dir.path().join("other");
    write(&other, "grafted\n");
    let out = discburn()
        .args(["burn", "--target"])
        .arg(dir.path().join("g.iso"))
        .arg(&src)
        .arg(format!("docs/readme={}", other.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("/docs/readme"), "{}", stderr(&out));
}

#[test]
fn extracting_a_path_that_is_not_there_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write(&src.join("here.txt"), "here\n");
    let image = dir.path().join("x.iso");
    let out = discburn()
        .args(["burn", "--target"])
        .arg(&image)
        .arg(&src)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    let output = dir.path().join("out");
    let out = discburn()
        .args(["extract", "--target"])
        .arg(&image)
        .arg("--output")
        .arg(&output)
        .arg("NOT-THERE")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("NOT-THERE"), "{}", stderr(&out));
    assert!(!output.exists(), "extract of nothing created {output:?}");
}

#[test]
fn an_emulated_medium_without_emu_prefix_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let medium = dir.path().join("disc.emu");
    let out = discburn()
        .args(["emu", "create"])
        .arg(&medium)
        .args(["--media", "bd-r"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // With a session on it, the data file opens as an ISO image (session 1 only on
    // write-once media): it must still be refused, and a burn must not touch it.
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("a.txt"), "a\n").unwrap();
    let out = discburn()
        .args(["burn", "--target", &format!("emu:{}", medium.display())])
        .arg(&src)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // The medium is a sparse 25 GB file: its length, its written head and its
    // state file stand for it.
    let fingerprint = || {
        use std::io::Read;
        let mut head = Vec::new();
        let file = std::fs::File::open(&medium).unwrap();
        let len = file.metadata().unwrap().len();
        file.take(4 << 20).read_to_end(&mut head).unwrap();
        let state = std::fs::read(format!("{}.state.json", medium.display())).unwrap();
        (len, head, state)
    };
    let before = fingerprint();

    let output = dir.path().join("out");
    let runs: [(&str, Vec<&std::ffi::OsStr>); 4] = [
        ("info", vec![]),
        ("ls", vec![]),
        ("extract", vec!["--output".as_ref(), output.as_os_str()]),
        ("burn", vec![src.as_os_str()]),
    ];
    for (command, rest) in runs {
        let out = discburn()
            .args([command, "--target"])
            .arg(&medium)
            .args(rest)
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "{command} read the medium file as an image"
        );
        let message = stderr(&out);
        assert!(message.contains("emulated medium"), "{command}: {message}");
        assert!(
            message.contains(&format!("--target emu:{}", medium.display())),
            "{command}: {message}"
        );
        assert!(fingerprint() == before, "{command} changed the medium");
    }
    assert!(!output.exists());
}

#[test]
fn a_blank_medium_is_described_as_blank_without_drive_errors() {
    let dir = tempfile::tempdir().unwrap();
    for media in ["bd-r", "cd-r", "dvd+r"] {
        let medium = dir.path().join(format!("{media}.emu"));
        let out = discburn()
            .args(["emu", "create"])
            .arg(&medium)
            .args(["--media", media])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let out = discburn()
            .args(["info", "--target"])
            .arg(format!("emu:{}", medium.display()))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("blank"), "{media}: {text}");
        for noise in ["Note:", "INVALID FIELD", "5/24/00", "Readable:"] {
            assert!(!text.contains(noise), "{media}: {noise} in\n{text}");
        }
    }
}

#[test]
fn a_rewritten_volume_name_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write(&src.join("f.txt"), "f\n");
    let asked = "my data 2026 ünïcode and a very long tail";
    let out = discburn()
        .args(["burn", "--volume-name", asked, "--target"])
        .arg(dir.path().join("v.iso"))
        .arg(&src)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(message.contains("in ISO 9660"), "{message}");
    assert!(message.contains("\"MY_DATA_2026_"), "{message}");
    assert!(message.contains("in Joliet"), "{message}");
    assert!(message.contains("\"my data 2026 ünï\""), "{message}");
    // What the warnings say is what the image holds.
    let out = discburn()
        .args(["--json", "info", "--target"])
        .arg(dir.path().join("v.iso"))
        .output()
        .unwrap();
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fs_info = &info["file_system"];
    assert_eq!(fs_info["volume_id"], "MY_DATA_2026___N__CODE_AND_A_VER");
    assert_eq!(fs_info["joliet_volume_id"], "my data 2026 ünï");

    // JSON: the same in the result's warnings; a name that fits says nothing.
    for (name, expected) in [(asked, 2), ("BACKUP_2026", 0)] {
        let out = discburn()
            .args(["--json", "burn", "--volume-name", name, "--target"])
            .arg(dir.path().join(format!("{expected}.iso")))
            .arg(&src)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let stdout = String::from_utf8(out.stdout).unwrap();
        let result: serde_json::Value =
            serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
        assert_eq!(
            result["warnings"].as_array().unwrap().len(),
            expected,
            "{result}"
        );
    }
}

#[test]
fn names_the_file_systems_changed_are_counted_and_listed_at_v() {
    use assert_cmd::Command as AssertCommand;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write(&src.join("readme.txt"), "kept\n");
    write(
        &src.join("a long directory name/My File: draft?.txt"),
        "x\n",
    );
    write(&src.join("ok/data-2026.tar.gz"), "z\n");
    let image = dir.path().join("names.iso");

    // Without -v: counted, not listed.
    let out = AssertCommand::cargo_bin("discburn")
        .unwrap()
        .args(["--json", "burn", "--target"])
        .arg(&image)
        .arg(&src)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let renamed = &result["renamed"];
    // ISO 9660: the directory, the file in it, data-2026.tar.gz; readme.txt
    // is README.TXT, the same name to a reader. Joliet: only `:` and `?`.
    assert_eq!(renamed["iso9660"], 3, "{result}");
    assert_eq!(renamed["joliet"], 1, "{result}");
    assert_eq!(renamed["names"], serde_json::json!([]), "{result}");

    // -v lists them, as the file systems record them (isoinfo reads them).
    fs::remove_file(&image).unwrap();
    let out = AssertCommand::cargo_bin("discburn")
        .unwrap()
        .args(["--json", "burn", "-v", "--target"])
        .arg(&image)
        .arg(&src)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let names = result["renamed"]["names"].as_array().unwrap();
    assert_eq!(names.len(), 4, "{result}");
    let joliet = names.iter().find(|n| n["namespace"] == "joliet").unwrap();
    assert_eq!(joliet["path"], "/a long directory name/My File: draft?.txt");
    assert_eq!(joliet["recorded"], "My File_ draft_.txt");
    let iso_dir = names
        .iter()
        .find(|n| n["namespace"] == "iso9660" && n["path"] == "/a long directory name")
        .unwrap_or_else(|| panic!("{result}"));
    if testkit::require_tool("isoinfo") {
        let listing = |extra: &[&str]| {
            let out = Command::new("isoinfo")
                .arg("-i")
                .arg(&image)
                .args(extra)
                .arg("-f")
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let iso = listing(&[]);
        let joliet_listing = listing(&["-J"]);
        for name in names {
            let recorded = name["recorded"].as_str().unwrap();
            let listing = if name["namespace"] == "joliet" {
                &joliet_listing
            } else {
                &iso
            };
            assert!(
                listing
                    .lines()
                    .any(|l| l.rsplit('/').next().unwrap().trim_end_matches(";1") == recorded),
                "{recorded} not in {listing}"
            );
        }
        assert!(iso.contains(&format!("/{}", iso_dir["recorded"].as_str().unwrap())));
    }

    // Text mode: the count in the summary, the names on stderr with -v.
    fs::remove_file(&image).unwrap();
    let out = discburn()
        .args(["burn", "-v", "--target"])
        .arg(&image)
        .arg(&src)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("names changed to fit: 3 in ISO 9660, 1 in Joliet"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        stderr(&out).contains(
            "/a long directory name/My File: draft?.txt: recorded as \"My File_ draft_.txt\" in Joliet"
        ),
        "{}",
        stderr(&out)
    );
}
