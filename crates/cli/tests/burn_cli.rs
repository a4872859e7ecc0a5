//! `discburn burn` from the outside: JSON events and result, grafts, refusal
//! to overwrite, nothing left behind by a failed burn, SOURCE_DATE_EPOCH.

use std::fs;
use std::path::Path;
use std::process::Command;

use fsimage::read::{ReadOptions, Volume};
use fsimage::FileSectorSource;

fn discburn() -> Command {
    Command::new(env!("CARGO_BIN_EXE_discburn"))
}

fn source_tree(root: &Path) {
    fs::create_dir_all(root.join("photos/2024")).unwrap();
    fs::write(root.join("photos/2024/a.jpg"), vec![7u8; 10_000]).unwrap();
    fs::write(root.join("notes.txt"), b"notes\n").unwrap();
    fs::create_dir_all(root.join("empty")).unwrap();
}

fn entries_of(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn open(image: &Path) -> Volume<FileSectorSource<fs::File>> {
    let source = FileSectorSource::new(fs::File::open(image).unwrap()).unwrap();
    Volume::open(source, ReadOptions::default()).unwrap()
}

#[test]
fn json_mode_prints_progress_then_one_result() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    source_tree(&src);
    let image = dir.path().join("out.iso");
    let out = discburn()
        .args(["--json", "burn", "--target"])
        .arg(&image)
        .arg(&src)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (result, progress) = lines.split_last().unwrap();
    assert!(!progress.is_empty(), "no progress event");
    for event in progress {
        assert_eq!(event["type"], "progress");
        assert!(event["bytes"].as_u64().unwrap() <= event["total"].as_u64().unwrap());
        assert!(event["elapsed_s"].is_f64());
    }
    assert_eq!(
        progress.last().unwrap()["bytes"],
        progress.last().unwrap()["total"]
    );
    assert_eq!(result["type"], "result");
    let size = fs::metadata(&image).unwrap().len();
    assert_eq!(result["bytes"].as_u64(), Some(size));
    assert_eq!(result["blocks"].as_u64(), Some(size / 2048));
    assert_eq!(result["files"].as_u64(), Some(2));
    // root, photos, photos/2024, empty
    assert_eq!(result["directories"].as_u64(), Some(4));
    assert_eq!(result["target"].as_str(), Some(image.to_str().unwrap()));
    let mut volume = open(&image);
    assert_eq!(
        volume.read_file("/photos/2024/a.jpg").unwrap(),
        vec![7u8; 10_000]
    );
}

#[test]
fn grafts_and_file_sources_land_where_asked() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    source_tree(&src);
    let single = dir.path().join("single.txt");
    fs::write(&single, b"single\n").unwrap();
    let image = dir.path().join("graft.iso");
    let status = discburn()
        .args(["burn", "--volume-name", "Graft Test", "--target"])
        .arg(&image)
        .arg(format!(
            "docs/deep/readme.txt={}",
            src.join("notes.txt").display()
        ))
        .arg(format!("/pics={}", src.join("photos").display()))
        .arg(&single)
        .status()
        .unwrap();
    assert!(status.success());
    let mut volume = open(&image);
    assert_eq!(
        volume.read_file("/docs/deep/readme.txt").unwrap(),
        b"notes\n"
    );
    assert_eq!(volume.read_file("/pics/2024/a.jpg").unwrap().len(), 10_000);
    assert_eq!(volume.read_file("/single.txt").unwrap(), b"single\n");
    assert_eq!(volume.info().volume_id.trim(), "GRAFT_TEST");
}

#[test]
fn an_existing_target_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    source_tree(&src);
    let image = dir.path().join("taken.iso");
    fs::write(&image, b"precious").unwrap();
    let out = discburn()
        .args(["burn", "--target"])
        .arg(&image)
        .arg(&src)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("already exists") && stderr.contains("taken.iso"),
        "{stderr}"
    );
    assert_eq!(fs::read(&image).unwrap(), b"precious");
    assert_eq!(entries_of(dir.path()), vec!["src", "taken.iso"]);
}

#[test]
fn a_failed_burn_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    source_tree(&src);
    let out_dir = dir.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let image = out_dir.join("fail.iso");

    // A source that does not exist: refused before anything is written.
    let out = discburn()
        .args(["--json", "burn", "--target"])
        .arg(&image)
        .arg(dir.path().join("missing"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let error: serde_json::Value =
        serde_json::from_slice(out.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert_eq!(error["type"], "error");
    assert!(
        error["message"].as_str().unwrap().contains("missing"),
        "{error}"
    );
    assert!(entries_of(&out_dir).is_empty());

    // A file whose data is shorter than its size (sysfs reports 4096 bytes):
    // the stream fails midway, naming the file, and no image remains.
    let sysfs = Path::new("/sys/kernel/mm/transparent_hugepage/enabled");
    if fs::metadata(sysfs)
        .map(|m| m.len() == 4096)
        .unwrap_or(false)
    {
        let out = discburn()
            .args(["burn", "--target"])
            .arg(&image)
            .arg(&src)
            .arg(format!("short={}", sysfs.display()))
            .output()
            .unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(sysfs.to_str().unwrap()) && stderr.contains("changed size"),
            "{stderr}"
        );
        assert!(
            entries_of(&out_dir).is_empty(),
            "left behind: {:?}",
            entries_of(&out_dir)
        );
    }
}

#[test]
fn source_date_epoch_gives_identical_images() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    source_tree(&src);
    let mut images = Vec::new();
    for name in ["one.iso", "two.iso"] {
        let image = dir.path().join(name);
        let status = discburn()
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .args(["burn", "--target"])
            .arg(&image)
            .arg(&src)
            .status()
            .unwrap();
        assert!(status.success());
        images.push(fs::read(&image).unwrap());
    }
    assert!(images[0] == images[1], "images differ");
    let bad = discburn()
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .args(["burn", "--target"])
        .arg(dir.path().join("three.iso"))
        .arg(&src)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("SOURCE_DATE_EPOCH"));
}

#[test]
fn a_killed_burn_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir(&src).unwrap();
    // Enough data that the burn is still running when it is killed.
    let block: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8 + 1).collect();
    for i in 0..4 {
        let mut data = Vec::with_capacity(32 << 20);
        for _ in 0..32 {
            data.extend_from_slice(&block);
        }
        fs::write(src.join(format!("f{i}")), data).unwrap();
    }
    let out_dir = dir.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let mut child = discburn()
        .args(["burn", "--target"])
        .arg(out_dir.join("k.iso"))
        .arg(&src)
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(30));
    let _ = child.kill();
    let status = child.wait().unwrap();
    if status.success() {
        // Finished before the kill: then the image is complete.
        assert_eq!(entries_of(&out_dir), vec!["k.iso"]);
    } else {
        assert!(
            entries_of(&out_dir).is_empty(),
            "left behind: {:?}",
            entries_of(&out_dir)
        );
    }
}
