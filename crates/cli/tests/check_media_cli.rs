//! `discburn check-media` (issue 11 §3): every written block read, unreadable
//! ranges named with the sessions and files they hit, the MD5 tags judged,
//! and the scan never stops at the first bad block — on an emulated
//! two-session DVD+R and CD-R with the emulator's read-error faults
//! (docs/emulator-faults.md): whole tracks read, padding and the TAO run-out
//! included, a session whose descriptor cannot be read still scanned; and on
//! a truncated image file.

mod interop_support;

use std::fs;
use std::path::Path;

use interop_support::{discburn, emu_medium};
use testkit::{run, run_ok};

fn make_tree(src: &Path) {
    fs::create_dir_all(src.join("docs")).unwrap();
    fs::write(src.join("hello.txt"), b"hello, check-media\n").unwrap();
    fs::write(
        src.join("docs/big.bin"),
        testkit::tree::content("big", 200_000),
    )
    .unwrap();
}

/// `discburn --json check-media`: exit code, the result (an error's
/// `partial`), and the events before it.
fn check_media(target: &str, faults: Option<&str>) -> (Option<i32>, serde_json::Value, usize) {
    let mut c = discburn();
    c.args(["--json", "check-media", "--target", target]);
    if let Some(f) = faults {
        c.env("DISCBURN_EMU_FAULTS", f);
    }
    let out = run(c);
    let lines: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {out}")))
        .collect();
    let last = lines.last().unwrap_or_else(|| panic!("{out}")).clone();
    let progress = lines
        .iter()
        .filter(|l| l["type"] == "progress" && l["command"] == "check-media")
        .count();
    if last["type"] == "error" {
        assert_eq!(last["code"], "verify", "{out}");
        return (out.code, last["partial"].clone(), progress);
    }
    (out.code, last, progress)
}

/// The first data block of `path` in session `number` (`discburn ls -l --json`
/// gives no LBA; `verify` lists extents of damaged files only, so read it
/// from the ISO 9660 record with the reader).
fn data_lba(medium: &Path, start: u64, path: &str) -> u64 {
    use fsimage::read::{ReadOptions, Volume};
    let file = fs::File::open(medium).unwrap();
    let source = fsimage::FileSectorSource::new(std::io::BufReader::new(file)).unwrap();
    let options = ReadOptions {
        session_start: start,
        ..ReadOptions::default()
    };
    let mut volume = Volume::open(source, options).unwrap();
    volume.lookup(path).unwrap().extents[0].lba
}

#[test]
fn read_errors_on_an_emulated_dvd_are_ranged_and_named_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let (day1, day2) = (dir.path().join("day1"), dir.path().join("day2"));
    make_tree(&day1);
    fs::create_dir_all(&day2).unwrap();
    fs::write(day2.join("day2.txt"), b"second session\n").unwrap();
    let medium = dir.path().join("disc.emu");
    let target = emu_medium(&medium, "dvd+r");
    for src in [&day1, &day2] {
        run_ok(discburn().args(["burn", "--target", &target]).arg(src));
    }
    let (code, json, progress) = check_media(&target, None);
    assert_eq!(code, Some(0), "{json}");
    assert_eq!(json["unreadable_blocks"], 0, "{json}");
    assert!(progress >= 1, "progress events: {json}");
    let sessions = json["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{json}");
    for s in sessions {
        assert_eq!(s["tags"].as_array().unwrap().len(), 3, "{s}");
    }

    // Two adjacent bad blocks in big.bin of session 1, and session 2's last
    // block (its session tag): three blocks, two ranges, and the scan reads on.
    let big = data_lba(&medium, 0, "/docs/big.bin");
    let s2 = sessions[1]["start_lba"].as_u64().unwrap();
    let s2_tag = s2 + sessions[1]["blocks"].as_u64().unwrap() - 1;
    let faults = format!(
        "read_error@lba={};read_error@lba={};read_error@lba={}",
        big + 5,
        big + 6,
        s2_tag
    );
    let (code, json, _) = check_media(&target, Some(&faults));
    assert_eq!(code, Some(6), "{json}");
    assert_eq!(json["unreadable_blocks"], 3, "{json}");
    let ranges = json["unreadable"].as_array().unwrap();
    assert_eq!(ranges.len(), 2, "{json}");
    assert_eq!(ranges[0]["first_lba"], big + 5, "{json}");
    assert_eq!(ranges[0]["blocks"], 2, "{json}");
    assert_eq!(ranges[0]["sessions"], serde_json::json!([1]), "{json}");
    // Session 2 keeps session 1's big.bin: both trees name it.
    assert_eq!(
        ranges[0]["files"],
        serde_json::json!(["1:/docs/big.bin", "2:/docs/big.bin"]),
        "{json}"
    );
    assert!(
        ranges[0]["error"].as_str().unwrap().contains("3/11/00"),
        "{json}"
    );
    assert_eq!(ranges[1]["first_lba"], s2_tag, "{json}");
    assert_eq!(ranges[1]["sessions"], serde_json::json!([2]), "{json}");
    // Every block was still read — the tracks whole, their padding past the
    // sessions' blocks too — and the tags over the bad blocks fail.
    let sessions = json["sessions"].as_array().unwrap();
    let in_sessions: u64 = sessions.iter().map(|s| s["blocks"].as_u64().unwrap()).sum();
    let written: u64 = tracks(&target).iter().map(|t| t.2).sum();
    assert!(written >= in_sessions, "{json}");
    assert_eq!(json["blocks"], written, "{json}");
    assert_eq!(sessions[0]["unreadable_blocks"], 2, "{json}");
    let tags: Vec<&str> = sessions[0]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["result"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["match", "match", "mismatch"], "{json}");
    assert_eq!(sessions[1]["tags"][2]["result"], "unreadable", "{json}");
}

#[test]
fn a_truncated_image_reports_its_missing_tail() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    make_tree(&src);
    let image = dir.path().join("t.iso");
    let target = image.to_str().unwrap();
    run_ok(discburn().args(["burn", "--target", target]).arg(&src));
    let (code, json, _) = check_media(target, None);
    assert_eq!(code, Some(0), "{json}");
    let blocks = json["blocks"].as_u64().unwrap();
    assert_eq!(blocks * 2048, fs::metadata(&image).unwrap().len(), "{json}");

    let keep = blocks - 40;
    let file = fs::OpenOptions::new().write(true).open(&image).unwrap();
    file.set_len(keep * 2048).unwrap();
    let (code, json, _) = check_media(target, None);
    assert_eq!(code, Some(6), "{json}");
    let ranges = json["unreadable"].as_array().unwrap();
    assert_eq!(ranges.len(), 1, "{json}");
    assert_eq!(ranges[0]["first_lba"], keep, "{json}");
    let end = json["sessions"][0]["start_lba"].as_u64().unwrap()
        + json["sessions"][0]["blocks"].as_u64().unwrap();
    assert_eq!(ranges[0]["blocks"], end - keep, "{json}");
    assert!(
        ranges[0]["files"]
            .as_array()
            .unwrap()
            .contains(&"1:/docs/big.bin".into()),
        "{json}"
    );
    // The text report says the same, and the exit code is 6.
    let out = run(discburn().args(["check-media", "--target", target]));
    assert_eq!(out.code, Some(6), "{out}");
    assert!(
        out.stdout
            .contains(&format!("UNREADABLE blocks {keep}..{end}")),
        "{out}"
    );
}

/// The tracks of an emulated medium (`discburn info --json`): (session, start, size).
fn tracks(target: &str) -> Vec<(u64, u64, u64)> {
    let out = run_ok(discburn().args(["--json", "info", "--target", target]));
    let info: serde_json::Value = serde_json::from_str(out.stdout.lines().last().unwrap()).unwrap();
    info["media"]["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["session"].as_u64().unwrap(),
                t["start"].as_u64().unwrap(),
                t["size"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_cd_is_read_over_whole_tracks_and_a_session_without_its_descriptor_is_still_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let (day1, day2) = (dir.path().join("day1"), dir.path().join("day2"));
    make_tree(&day1);
    fs::create_dir_all(&day2).unwrap();
    fs::write(day2.join("day2.txt"), b"second session\n").unwrap();
    let medium = dir.path().join("cd.emu");
    let target = emu_medium(&medium, "cd-r");
    for src in [&day1, &day2] {
        run_ok(discburn().args(["burn", "--target", &target]).arg(src));
    }
    let tracks = tracks(&target);
    assert_eq!(tracks.len(), 2, "{tracks:?}");
    let (code, json, _) = check_media(&target, None);
    assert_eq!(code, Some(0), "{json}");
    // Every block of both tracks, padding included (a CD track is at least
    // 300 blocks), but not the gap between the sessions.
    let track_blocks: u64 = tracks.iter().map(|t| t.2).sum();
    assert_eq!(json["blocks"], track_blocks, "{json}");
    let sessions = json["sessions"].as_array().unwrap();
    let s1_blocks = sessions[0]["blocks"].as_u64().unwrap();
    assert!(
        tracks[0].2 > s1_blocks + 2,
        "padding after session 1: {json}"
    );
    // The TAO run-out (the last two blocks of each track) reads as
    // unreadable on a CD, as on a real drive: not damage.
    assert_eq!(json["run_out_blocks"], 4, "{json}");
    assert_eq!(json["unreadable_blocks"], 0, "{json}");

    // A bad block in session 1's padding, and session 2's primary volume
    // descriptor unreadable: both reported, session 2 still scanned.
    let (s2, s2_size) = (tracks[1].1, tracks[1].2);
    let padding = tracks[0].1 + s1_blocks + 10;
    let faults = format!("read_error@lba={padding};read_error@lba={}", s2 + 16);
    let (code, json, _) = check_media(&target, Some(&faults));
    assert_eq!(code, Some(6), "{json}");
    assert_eq!(json["blocks"], track_blocks, "{json}");
    assert_eq!(json["unreadable_blocks"], 2, "{json}");
    let ranges = json["unreadable"].as_array().unwrap();
    assert_eq!(ranges.len(), 2, "{json}");
    assert_eq!(ranges[0]["first_lba"], padding, "{json}");
    assert_eq!(ranges[0]["sessions"], serde_json::json!([]), "{json}");
    assert_eq!(ranges[0]["files"], serde_json::json!([]), "{json}");
    assert_eq!(ranges[1]["first_lba"], s2 + 16, "{json}");
    assert_eq!(ranges[1]["sessions"], serde_json::json!([2]), "{json}");
    let sessions = json["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{json}");
    assert_eq!(sessions[1]["number"], 2, "{json}");
    assert_eq!(sessions[1]["start_lba"], s2, "{json}");
    assert_eq!(sessions[1]["blocks"], s2_size, "{json}");
    assert_eq!(sessions[1]["unreadable_blocks"], 1, "{json}");
    assert!(
        sessions[1]["tree_problem"]
            .as_str()
            .unwrap()
            .contains("volume descriptor"),
        "{json}"
    );
    assert_eq!(sessions[0]["tags"][2]["result"], "match", "{json}");
    // In words: its tags were not checked (not "no checksums": it has them).
    let out = run(discburn()
        .args(["check-media", "--target", &target])
        .env("DISCBURN_EMU_FAULTS", &faults));
    assert_eq!(out.code, Some(6), "{out}");
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("session 2 "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.ends_with("1 unreadable, tags not checked"), "{out}");
}

/// An unreadable block that holds no file or directory is named by what it
/// is: a session's system area, volume descriptors or MD5 tags, or the head
/// at LBA 0-31 of an overwritable disc; and a tag that cannot be read (the
/// walk over the session stops there) does not make the blocks after it be
/// read, counted and listed twice.
#[test]
fn unreadable_metadata_is_named_and_every_block_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let (day1, day2) = (dir.path().join("day1"), dir.path().join("day2"));
    make_tree(&day1);
    fs::create_dir_all(&day2).unwrap();
    fs::write(day2.join("day2.txt"), b"second session\n").unwrap();
    let medium = dir.path().join("dvd.emu");
    let target = emu_medium(&medium, "dvd+r");
    for src in [&day1, &day2] {
        run_ok(discburn().args(["burn", "--target", &target]).arg(src));
    }
    let (code, clean, _) = check_media(&target, None);
    assert_eq!(code, Some(0), "{clean}");
    let s2 = &clean["sessions"][1];
    let start = s2["start_lba"].as_u64().unwrap();
    let tree_tag = s2["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "tree")
        .unwrap()["lba"]
        .as_u64()
        .unwrap();
    // The system area, the Joliet descriptor (after the primary one), the
    // tree tag.
    let bad = [start + 10, start + 17, tree_tag];
    let faults: Vec<String> = bad.iter().map(|l| format!("read_error@lba={l}")).collect();
    let (code, json, _) = check_media(&target, Some(&faults.join(";")));
    assert_eq!(code, Some(6), "{json}");
    assert_eq!(json["blocks"], clean["blocks"], "read once: {json}");
    assert_eq!(json["unreadable_blocks"], 3, "{json}");
    let ranges = json["unreadable"].as_array().unwrap();
    let named: Vec<(u64, Vec<&str>)> = ranges
        .iter()
        .map(|r| {
            let areas = r["areas"].as_array().unwrap();
            (
                r["first_lba"].as_u64().unwrap(),
                areas.iter().map(|a| a.as_str().unwrap()).collect(),
            )
        })
        .collect();
    assert_eq!(
        named,
        [
            (bad[0], vec!["2:system_area"]),
            (bad[1], vec!["2:volume_descriptors"]),
            (bad[2], vec!["2:md5_tags"]),
        ],
        "{json}"
    );
    let tags = json["sessions"][1]["tags"].as_array().unwrap();
    assert!(
        tags.iter()
            .any(|t| t["kind"] == "tree" && t["result"] == "unreadable"),
        "{json}"
    );

    // The head of an overwritable disc: no session holds it.
    let rw = dir.path().join("rw.emu");
    let target = emu_medium(&rw, "dvd+rw");
    run_ok(discburn().args(["burn", "--target", &target]).arg(&day1));
    let (code, json, _) = check_media(&target, Some("read_error@lba=17"));
    assert_eq!(code, Some(6), "{json}");
    let range = &json["unreadable"][0];
    assert_eq!(range["sessions"], serde_json::json!([]), "{json}");
    assert_eq!(range["areas"], serde_json::json!(["head"]), "{json}");
    let out = run(discburn()
        .args(["check-media", "--target", &target])
        .env("DISCBURN_EMU_FAULTS", "read_error@lba=17"));
    assert!(
        out.stdout
            .contains("  LBA 0-31, the copy of the newest session's descriptors"),
        "{out}"
    );
}
