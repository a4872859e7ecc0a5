//! `discburn verify` as a user runs it (issue 11 §2): `--against DIR`, what a
//! tag that no longer matches covers, progress events like `burn`'s, emulated
//! multi-session CD-R / DVD+R / BD-R media, and xorriso's zisofs files (their
//! MD5 is over the stored compressed bytes).

mod interop_support;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use interop_support::{burn_to, discburn, emu_medium, flip_byte};
use testkit::{cmd, require_tool, run, run_ok};

const BLOCK: u64 = 2048;

fn make_tree(src: &Path) {
    fs::create_dir_all(src.join("docs/deep")).unwrap();
    fs::write(src.join("hello.txt"), b"hello, verify\n").unwrap();
    fs::write(
        src.join("docs/big.bin"),
        testkit::tree::content("big", 200_000),
    )
    .unwrap();
    fs::write(src.join("docs/deep/note.txt"), b"deep note\n").unwrap();
    symlink("hello.txt", src.join("link")).unwrap();
}

/// `discburn --json verify`: exit code, the final object's result (the
/// `partial` of an error), and every line.
fn verify(
    target: &str,
    extra: &[&str],
) -> (Option<i32>, serde_json::Value, Vec<serde_json::Value>) {
    let out = run(discburn()
        .args(["--json", "verify", "--target", target])
        .args(extra));
    let lines: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {out}")))
        .collect();
    let last = lines
        .last()
        .unwrap_or_else(|| panic!("no output: {out}"))
        .clone();
    if last["type"] == "error" {
        assert_eq!(last["code"], "verify", "{out}");
        return (out.code, last["partial"].clone(), lines);
    }
    (out.code, last, lines)
}

/// The data or directory block of `path` in `image` (isoinfo's view).
fn extent_of(image: &Path, iso_path: &str) -> u64 {
    let out = run_ok(cmd("isoinfo", ["-R", "-l", "-i"]).arg(image));
    let (dir, name) = iso_path.rsplit_once('/').unwrap();
    let mut in_dir = false;
    for line in out.stdout.lines() {
        if let Some(d) = line.strip_prefix("Directory listing of ") {
            in_dir = d.trim_end_matches('/') == dir;
            continue;
        }
        if in_dir && line.trim_end().ends_with(&format!(" {name}")) {
            let open = line.find('[').unwrap();
            let fields: Vec<&str> = line[open + 1..].split_whitespace().collect();
            return fields[0].parse().unwrap();
        }
    }
    panic!("{iso_path} not in {out}");
}

#[test]
fn against_a_directory_names_what_differs_is_missing_or_extra() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    make_tree(&src);
    let image = dir.path().join("plain.iso");
    let target = image.to_str().unwrap();
    burn_to(target, &["--no-checksums"], &[&src]);
    let (code, json, _) = verify(target, &[]);
    assert_eq!(code, Some(6), "no checksums: {json}");
    let (code, json, _) = verify(target, &["--against", src.to_str().unwrap()]);
    assert_eq!(code, Some(0), "the same contents: {json}");
    let against = &json["sessions"][0]["against"];
    assert_eq!(against["compared"], 6, "{json}");
    assert_eq!(json["sessions"][0]["checksums"], "absent", "{json}");

    // One byte of big.bin (same size), hello.txt longer, the link elsewhere,
    // note.txt gone, a new file.
    let changed = dir.path().join("changed");
    make_tree(&changed);
    flip_byte(&changed.join("docs/big.bin"), 150_000);
    fs::write(changed.join("hello.txt"), b"hello, verify, again\n").unwrap();
    fs::remove_file(changed.join("link")).unwrap();
    symlink("docs/big.bin", changed.join("link")).unwrap();
    fs::remove_file(changed.join("docs/deep/note.txt")).unwrap();
    fs::write(changed.join("new.txt"), b"new\n").unwrap();
    let (code, json, _) = verify(target, &["--against", changed.to_str().unwrap()]);
    assert_eq!(code, Some(6), "{json}");
    let against = &json["sessions"][0]["against"];
    let differ: Vec<(&str, &str)> = against["differ"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["path"].as_str().unwrap(), d["problem"].as_str().unwrap()))
        .collect();
    assert_eq!(
        differ,
        [
            ("/docs/big.bin", "content"),
            ("/hello.txt", "size"),
            ("/link", "link_target")
        ],
        "{json}"
    );
    assert_eq!(
        against["missing"],
        serde_json::json!(["/new.txt"]),
        "{json}"
    );
    assert_eq!(
        against["extra"],
        serde_json::json!(["/docs/deep/note.txt"]),
        "{json}"
    );

    // With checksums, a file that matched its MD5 is compared by it.
    let image = dir.path().join("md5.iso");
    burn_to(image.to_str().unwrap(), &[], &[&src]);
    let (code, json, _) = verify(
        image.to_str().unwrap(),
        &["--against", changed.to_str().unwrap()],
    );
    assert_eq!(code, Some(6), "{json}");
    assert_eq!(
        json["sessions"][0]["against"]["differ"][0]["path"], "/docs/big.bin",
        "{json}"
    );
    assert_eq!(json["sessions"][0]["files_matching"], 3, "{json}");
}

#[test]
fn a_tag_that_no_longer_matches_says_what_it_covers() {
    if !require_tool("isoinfo") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    make_tree(&src);
    let image = dir.path().join("v.iso");
    burn_to(image.to_str().unwrap(), &[], &[&src]);

    // A byte of /docs/deep's directory block: the tree tag covers it.
    let tree_bad = dir.path().join("tree.iso");
    fs::copy(&image, &tree_bad).unwrap();
    let deep = extent_of(&tree_bad, "/docs/deep");
    // Byte 19 of the "." record: its recording date, which no reader checks.
    flip_byte(&tree_bad, deep * BLOCK + 19);
    let (code, json, _) = verify(tree_bad.to_str().unwrap(), &[]);
    assert_eq!(code, Some(6), "{json}");
    let tags = json["sessions"][0]["tags"].as_array().unwrap();
    assert_eq!(tags[0]["result"], "match", "{json}");
    assert_eq!(tags[1]["kind"], "tree", "{json}");
    assert_eq!(tags[1]["result"], "mismatch", "{json}");
    let affected = &tags[1]["affected"];
    assert_eq!(affected["first_lba"], tags[0]["lba"], "{json}");
    let dirs = affected["directories"].as_array().unwrap();
    assert!(dirs.contains(&"/docs/deep".into()), "{json}");
    assert!(affected["areas"]
        .as_array()
        .unwrap()
        .contains(&"path_tables".into()));
    assert_eq!(affected["files"], serde_json::json!([]), "{json}");

    // A byte of /docs/big.bin: past the tree tag, the session tag names it.
    let data_bad = dir.path().join("data.iso");
    fs::copy(&image, &data_bad).unwrap();
    flip_byte(
        &data_bad,
        (extent_of(&data_bad, "/docs/big.bin") + 3) * BLOCK + 7,
    );
    let (code, json, _) = verify(data_bad.to_str().unwrap(), &[]);
    assert_eq!(code, Some(6), "{json}");
    let tags = json["sessions"][0]["tags"].as_array().unwrap();
    assert_eq!(tags[1]["result"], "match", "{json}");
    let affected = &tags[2]["affected"];
    assert_eq!(affected["first_lba"], tags[1]["lba"], "{json}");
    assert_eq!(
        affected["files"],
        serde_json::json!(["/docs/big.bin"]),
        "{json}"
    );
    assert_eq!(affected["directories"], serde_json::json!([]), "{json}");
    assert_eq!(affected["intact_files"], 2, "{json}");
    let session = &json["sessions"][0]["session_md5_affected"];
    assert_eq!(
        session["files"],
        serde_json::json!(["/docs/big.bin"]),
        "{json}"
    );
}

#[test]
fn emulated_multisession_media_verify_with_progress_events() {
    let dir = tempfile::tempdir().unwrap();
    let (day1, day2) = (dir.path().join("day1"), dir.path().join("day2"));
    make_tree(&day1);
    fs::create_dir_all(&day2).unwrap();
    fs::write(day2.join("day2.txt"), b"second session\n").unwrap();
    for media in ["cd-r", "dvd+r", "bd-r"] {
        let medium = dir.path().join(format!("{media}.emu"));
        let target = emu_medium(&medium, media);
        burn_to(&target, &[], &[&day1]);
        burn_to(&target, &[], &[&day2]);
        let (code, json, lines) = verify(&target, &["--all"]);
        assert_eq!(code, Some(0), "{media}: {json}");
        let sessions = json["sessions"].as_array().unwrap();
        assert_eq!(sessions.len(), 2, "{media}: {json}");
        assert!(sessions[1]["start_lba"].as_u64().unwrap() > 0, "{json}");
        assert_eq!(sessions[1]["files_matching"], 4, "{media}: {json}");
        assert!(
            sessions.iter().all(|s| s["tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["kind"] == "session")),
            "{media}: {json}"
        );
        // burn's event stream: a stage, progress while reading, the end.
        assert_eq!(lines[0]["type"], "stage", "{media}");
        assert_eq!(lines[0]["action"], "validating_media", "{media}");
        let progress: Vec<&serde_json::Value> =
            lines.iter().filter(|l| l["type"] == "progress").collect();
        assert!(!progress.is_empty(), "{media}: {lines:?}");
        let last = progress.last().unwrap();
        assert_eq!(last["command"], "verify");
        assert_eq!(last["action"], "verifying");
        assert_eq!(last["bytes"], last["total_bytes"], "{media}: {last}");
        assert!(last["sectors_total"].as_u64().unwrap() > 0);
        // Damage on the medium: its data file holds the blocks at their LBAs.
        let lba = sessions[0]["start_lba"].as_u64().unwrap()
            + sessions[0]["blocks"].as_u64().unwrap()
            - 3;
        flip_byte(&medium, lba * BLOCK);
        let (code, json, _) = verify(&target, &["--session", "1"]);
        assert_eq!(code, Some(6), "{media}: damage seen: {json}");
        fs::remove_file(&medium).unwrap();
    }
}

#[test]
fn zisofs_files_by_xorriso_are_hashed_as_stored() {
    if !require_tool("xorriso") || !require_tool("mkzftree") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("text.txt"), b"compress me ".repeat(20_000)).unwrap();
    fs::write(src.join("rand.bin"), testkit::tree::content("r", 70_000)).unwrap();

    // xorriso compresses while it writes (-zisofs, set_filter --zisofs).
    let filtered = dir.path().join("filtered.iso");
    let out = run(cmd("xorriso", ["-no_rc", "-md5", "on", "-outdev"])
        .arg(&filtered)
        .args(["-map"])
        .arg(&src)
        .args([
            "/",
            "-find",
            "/",
            "-type",
            "f",
            "-exec",
            "set_filter",
            "--zisofs",
        ])
        .args(["--", "-commit"]));
    assert!(out.success(), "{out}");
    // mkzftree compresses beforehand; xorrisofs -z records ZF entries.
    let tree = dir.path().join("zf");
    run_ok(cmd("mkzftree", [""; 0]).arg(&src).arg(&tree));
    let premade = dir.path().join("premade.iso");
    let out = run(
        cmd("xorriso", ["-as", "mkisofs", "-R", "-z", "--md5", "-o"])
            .arg(&premade)
            .arg(&tree),
    );
    assert!(out.success(), "{out}");
    for image in [&filtered, &premade] {
        let xorriso = run(cmd("xorriso", ["-no_rc", "-md5", "on", "-indev"])
            .arg(image)
            .args(["-check_md5_r", "FAILURE", "/", "--"]));
        assert!(xorriso.success(), "xorriso agrees first: {xorriso}");
        let (code, json, _) = verify(image.to_str().unwrap(), &[]);
        assert_eq!(code, Some(0), "{}: {json}", image.display());
        assert_eq!(json["sessions"][0]["files_matching"], 2, "{json}");
        // The contents (inflated) equal the source's.
        let (code, json, _) = verify(
            image.to_str().unwrap(),
            &["--against", src.to_str().unwrap()],
        );
        assert_eq!(code, Some(0), "{}: {json}", image.display());
    }
}

#[test]
fn files_kept_from_an_earlier_session_and_hard_links_are_checked_where_their_data_lies() {
    if !require_tool("isoinfo") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (day1, day2) = (dir.path().join("day1"), dir.path().join("day2"));
    make_tree(&day1);
    fs::write(day1.join("a.bin"), testkit::tree::content("a", 100_000)).unwrap();
    fs::hard_link(day1.join("a.bin"), day1.join("b.bin")).unwrap();
    fs::create_dir_all(&day2).unwrap();
    fs::write(day2.join("day2.bin"), testkit::tree::content("d2", 90_000)).unwrap();
    let image = dir.path().join("two.iso");
    let target = image.to_str().unwrap();
    burn_to(target, &[], &[&day1]);
    burn_to(target, &[], &[&day2]);
    let (code, json, _) = verify(target, &["--all"]);
    assert_eq!(code, Some(0), "{json}");
    let sessions = json["sessions"].as_array().unwrap();
    assert_eq!(sessions[0]["files_matching"], 5, "{json}");
    assert_eq!(sessions[1]["files_matching"], 6, "{json}");
    // The pair shares one extent.
    let a = extent_of(&image, "/a.bin");
    assert_eq!(a, extent_of(&image, "/b.bin"));
    let s2_start = sessions[1]["start_lba"].as_u64().unwrap();

    // A byte of big.bin, whose data session 2 keeps in session 1: session
    // 2's tags still match (the change is outside its blocks), its file
    // check names the file and its blocks.
    let big = extent_of(&image, "/docs/big.bin");
    assert!(big < s2_start, "big.bin lies in session 1");
    let damaged = dir.path().join("damaged.iso");
    fs::copy(&image, &damaged).unwrap();
    flip_byte(&damaged, (big + 20) * BLOCK + 100);
    let (code, json, _) = verify(damaged.to_str().unwrap(), &[]);
    assert_eq!(code, Some(6), "{json}");
    let s2 = &json["sessions"][0];
    assert!(
        s2["tags"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["result"] == "match"),
        "{json}"
    );
    assert_eq!(s2["session_md5"], "match", "{json}");
    assert_eq!(s2["files_matching"], 5, "{json}");
    let bad = s2["damaged_files"].as_array().unwrap();
    assert_eq!(bad.len(), 1, "{json}");
    assert_eq!(bad[0]["path"], "/docs/big.bin", "{json}");
    assert_eq!(bad[0]["problem"], "mismatch", "{json}");
    assert_eq!(
        bad[0]["extents"],
        serde_json::json!([[big, 200_000u64.div_ceil(BLOCK)]]),
        "{json}"
    );

    // A byte of the shared data: both names of the pair are damaged, in
    // session 1 (data in its own blocks, read once) and in session 2.
    let linked = dir.path().join("linked.iso");
    fs::copy(&image, &linked).unwrap();
    flip_byte(&linked, a * BLOCK + 5);
    let (code, json, _) = verify(linked.to_str().unwrap(), &["--all"]);
    assert_eq!(code, Some(6), "{json}");
    for session in json["sessions"].as_array().unwrap() {
        let paths: Vec<&str> = session["damaged_files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap())
            .collect();
        assert_eq!(paths, ["/a.bin", "/b.bin"], "{json}");
    }
    assert_eq!(
        json["sessions"][0]["tags"][2]["result"], "mismatch",
        "{json}"
    );
    assert_eq!(json["sessions"][1]["files_matching"], 4, "{json}");
}

/// A directory or a file that holds no ISO 9660 session, given as the target
/// of a reading command, is named as such: no "Is a directory (os error 21)"
/// from reading block 16, no talk of appending (verify, check-media and diff
/// only read).
#[test]
fn a_directory_or_a_non_image_as_target_is_named_so() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.iso");
    fs::write(&junk, vec![0x5a; 200 * BLOCK as usize]).unwrap();
    let folder = dir.path().to_str().unwrap();
    for args in [
        &["verify"][..],
        &["check-media"],
        &["diff", "--session", "1"],
        &["ls"],
        &["ls", "--session", "1"],
    ] {
        let out = run(discburn().args(args).args(["--target", folder]));
        assert_eq!(out.code, Some(1), "{args:?}: {out}");
        assert!(
            out.stderr.contains(&format!(
                "{folder} is a directory: --target takes an image file"
            )),
            "{args:?}: {out}"
        );
        if args[0] == "ls" && args.len() == 1 {
            continue; // reads LBA 16 as the kernel does, with its own message
        }
        let out = run(discburn().args(args).arg("--target").arg(&junk));
        assert_eq!(out.code, Some(1), "{args:?}: {out}");
        assert!(
            out.stderr.contains("junk.iso is not an ISO 9660 image: "),
            "{args:?}: {out}"
        );
        assert!(!out.stderr.contains("append"), "{args:?}: {out}");
    }
}
