//! discburn against the emulator's `tgt` personality (issue 12): the quirks of Linux's
//! SCSI target DVD+R burner (no RESERVE TRACK, NOT READY for invalid fields, junk after
//! READ DISC INFORMATION, a READ TOC 2 bytes short, a zero-length WRITE that finalises,
//! no media-change event, any CLOSE finalises) must not change what discburn writes or
//! reads. The same checks run against tgt itself in `crates/qemu-harness/tests/tgt_recorder.rs`;
//! these keep them in the CI runs without QEMU.

use std::path::Path;

use assert_cmd::Command;

const EPOCH: &str = "1700000000";

fn discburn() -> Command {
    Command::cargo_bin("discburn").unwrap()
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = discburn().arg("--json").args(args).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    text.lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["type"] == "result")
        .unwrap_or_else(|| panic!("no result in {text}"))
}

fn make_tree(dir: &Path) {
    std::fs::create_dir_all(dir.join("docs/deeper")).unwrap();
    let big: Vec<u8> = (0..300_000u32).map(|i| (i * 13 % 251) as u8).collect();
    std::fs::write(dir.join("big.bin"), big).unwrap();
    std::fs::write(dir.join("docs/deeper/note.txt"), "tgt\n").unwrap();
    std::fs::write(dir.join("hello.txt"), "hello\n").unwrap();
}

fn create(medium: &Path, drive: &str) -> String {
    discburn()
        .args(["emu", "create", "--media", "dvd+r", "--drive", drive])
        .arg(medium)
        .assert()
        .success();
    format!("emu:{}", medium.display())
}

fn burn(target: &str, tree: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["burn", "--target", target];
    args.extend_from_slice(extra);
    let tree = tree.to_str().unwrap();
    args.push(tree);
    let out = discburn()
        .arg("--json")
        .args(&args)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    text.lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["type"] == "result")
        .unwrap_or_else(|| panic!("no result in {text}"))
}

/// The first `blocks` blocks of a medium's (sparse, disc-sized) data file.
fn prefix(medium: &Path, blocks: u64) -> Vec<u8> {
    use std::io::Read;
    let mut data = vec![0u8; (blocks * 2048) as usize];
    std::fs::File::open(medium)
        .and_then(|mut f| f.read_exact(&mut data))
        .unwrap();
    data
}

#[test]
fn a_tgt_dvd_plus_r_takes_one_session_exactly_as_the_recorder_does() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    make_tree(&tree);
    let tgt = dir.path().join("tgt.emu");
    let target = create(&tgt, "tgt");
    let twin = dir.path().join("twin.emu");
    let twin_target = create(&twin, "recorder");

    // Blank, next writable address 0, the whole disc free (from READ DISC
    // INFORMATION's 34 bytes, not the junk after them).
    let info = json(&["info", "--target", &target]);
    assert_eq!(info["media"]["disc_status"], "blank", "{info}");
    assert_eq!(info["next_writable_address"], 0, "{info}");
    assert_eq!(info["free_blocks"], 2_295_104, "{info}");

    // The burn needs no RESERVE TRACK and sends no zero-length WRITE (either
    // would fail it here), and writes what it writes to the recorder.
    let burned = burn(&target, &tree, &["--verify", "full"]);
    assert_eq!(burned["verified"], "full", "{burned}");
    let twin_burned = burn(&twin_target, &tree, &[]);
    assert_eq!(burned["blocks"], twin_burned["blocks"]);
    let blocks = burned["blocks"].as_u64().unwrap().div_ceil(16) * 16;
    assert!(
        prefix(&tgt, blocks) == prefix(&twin, blocks),
        "tgt's data differs from the recorder's"
    );

    // Finalised by the CLOSE: a DVD-ROM whose one track is sized from READ TRACK
    // INFORMATION / READ CAPACITY (tgt's READ TOC loses the lead-out address).
    let info = json(&["info", "--target", &target]);
    assert_eq!(info["media"]["disc_status"], "complete", "{info}");
    assert_eq!(info["sessions"][0]["start_lba"], 0, "{info}");
    // READ TOC format 1 is short: the last session's start comes from the tracks.
    assert_eq!(info["media"]["last_session_start"], 0, "{info}");
    assert_eq!(info["media"]["tracks"][0]["size"], blocks, "{info}");
    assert_eq!(info["media"]["capacity_blocks"], blocks, "{info}");
    let out = dir.path().join("out");
    discburn()
        .args(["extract", "--target", &target, "--output"])
        .arg(&out)
        .assert()
        .success();
    for name in ["big.bin", "docs/deeper/note.txt", "hello.txt"] {
        assert_eq!(
            std::fs::read(out.join(name)).unwrap(),
            std::fs::read(tree.join(name)).unwrap(),
            "{name}"
        );
    }

    // A second session is refused, naming what the drive reports; nothing changes.
    let before = prefix(&tgt, blocks + 16);
    let refused = discburn()
        .args(["burn", "--target", &target])
        .arg(&tree)
        .assert()
        .code(4);
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
    assert!(
        stderr.contains("the drive reports DVD-ROM media")
            && stderr.contains("nothing was written"),
        "{stderr}"
    );
    assert!(
        prefix(&tgt, blocks + 16) == before,
        "the refused burn wrote"
    );
}

#[test]
fn close_on_a_tgt_dvd_plus_r_writes_the_same_session() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    make_tree(&tree);
    let (tgt, twin) = (dir.path().join("tgt.emu"), dir.path().join("twin.emu"));
    let closed = burn(&create(&tgt, "tgt"), &tree, &["--close"]);
    burn(&create(&twin, "recorder"), &tree, &[]);
    let blocks = closed["blocks"].as_u64().unwrap().div_ceil(16) * 16;
    assert!(prefix(&tgt, blocks) == prefix(&twin, blocks));
}
