//! `discburn verify` as a user runs it (issue 11 §2): `--against DIR`, what a
//! tag that no longer matches covers, progress events like `burn`'s, emulated
//! multi-session CD-R / DVD+R / BD-R media, xorriso's zisofs files (their
//! MD5 is over the stored compressed bytes), and a file over 4 GiB in its own
//! session and kept from an earlier one, judged by xorriso too.

mod interop_support;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use interop_support::{burn_json, burn_to, discburn, emu_medium, flip_byte};
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
    extents_of(image, iso_path)[0].0
}

/// The extents (first block, bytes) of `path` in `image` in isoinfo's view:
/// one line per directory record, several for a file over 4 GiB.
fn extents_of(image: &Path, iso_path: &str) -> Vec<(u64, u64)> {
    let out = run_ok(cmd("isoinfo", ["-R", "-l", "-i"]).arg(image));
    let (dir, name) = iso_path.rsplit_once('/').unwrap();
    let mut in_dir = false;
    let mut extents = Vec::new();
    for line in out.stdout.lines() {
        if let Some(d) = line.strip_prefix("Directory listing of ") {
            in_dir = d.trim_end_matches('/') == dir;
            continue;
        }
        if in_dir && line.trim_end().ends_with(&format!(" {name}")) {
            // `MODE LINKS UID GID SIZE DATE [ LBA FLAGS] NAME`
            let open = line.find('[').unwrap();
            let lba = line[open + 1..].split_whitespace().next().unwrap();
            let size = line.split_whitespace().nth(4).unwrap();
            extents.push((lba.parse().unwrap(), size.parse().unwrap()));
        }
    }
    assert!(!extents.is_empty(), "{iso_path} not in {out}");
    extents
}

/// Runs `a` here and `b` on another thread at once: a 4 GiB check by
/// discburn and one by xorriso take a core each.
fn both<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    std::thread::scope(|scope| {
        let b = scope.spawn(b);
        let a = a();
        (a, b.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    })
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
    // In words: not verified (not "MISMATCH": nothing differs), and how to
    // check it.
    let out = run(discburn().args(["verify", "--target", target]));
    assert_eq!(out.code, Some(6), "{out}");
    assert!(
        out.stdout.starts_with("session 1 (LBA 32, ")
            && out
                .stdout
                .contains("no checksums recorded: NOT VERIFIED (--against DIR")
            && !out.stdout.contains("MISMATCH"),
        "{out}"
    );
    assert!(
        out.stderr
            .contains("session 1 has no checksums to verify (--against DIR"),
        "{out}"
    );
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

/// A file over 4 GiB (two extents, ECMA-119 9.1.6) through `verify`'s
/// one-pass reader (its data hashed out of session 1's stream) and, after an
/// append, through the read of files kept from an earlier session; xorriso
/// checks the same MD5s. One byte flipped in the second extent is then found
/// by both, and by `check-media`, which reads on. The source is sparse with
/// data at its start, across the first extent's end and at its end, so that
/// extents read in the wrong order or at a wrong offset change the MD5.
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "4 GiB hashed several times: run with --release (the CI command does)"
)]
fn a_file_over_4_gib_verifies_in_its_session_and_from_a_later_one() {
    if !require_tool("xorriso") || !require_tool("isoinfo") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (day1, day2) = (dir.path().join("day1"), dir.path().join("day2"));
    fs::create_dir_all(day1.join("big")).unwrap();
    fs::create_dir_all(&day2).unwrap();
    // The second extent: 1 MiB and a partial block (the first holds
    // MAX_EXTENT_BYTES, 4 GiB - 2048).
    let first = fsimage::MAX_EXTENT_BYTES;
    let size = first + (1 << 20) + 1234;
    let source = day1.join("big/huge.bin");
    testkit::tree::write_sparse(
        &source,
        size,
        &[
            (0, b"the first bytes".to_vec()),
            (first - 7, b"across the end of extent 1".to_vec()),
            (size - 9, b"last ones".to_vec()),
        ],
    )
    .unwrap();
    fs::write(day1.join("small.txt"), b"small\n").unwrap();
    fs::write(day2.join("added.txt"), b"added the next day\n").unwrap();
    let image = dir.path().join("big.iso");
    let target = image.to_str().unwrap();
    let xorriso = |args: &[&str]| {
        let out = run(cmd("xorriso", ["-no_rc", "-md5", "on", "-indev", target]).args(args));
        let all = format!("{}\n{}", out.stdout, out.stderr);
        (out, all)
    };

    burn_json(&[], &image, &day1);
    // Image files get holes where the data is zeros (when the file system
    // has them: the source is sparse).
    use std::os::unix::fs::MetadataExt;
    let allocated = |path: &Path| fs::metadata(path).unwrap().blocks() * 512;
    if allocated(&source) < size / 2 {
        assert!(
            allocated(&image) < 64 << 20,
            "the image's zeros take {} bytes on disk",
            allocated(&image)
        );
    }
    let extents = extents_of(&image, "/big/huge.bin");
    assert_eq!(
        extents.iter().map(|e| e.1).collect::<Vec<_>>(),
        [first, size - first],
        "{extents:?}"
    );
    let blocks = |bytes: u64| bytes.div_ceil(BLOCK);

    // Session 1: the file's data streams by with the session's blocks.
    // xorriso checks the session's MD5 (array item 0) over them.
    let ((code, json, lines), (out, all)) = both(
        || verify(target, &[]),
        || xorriso(&["-check_md5", "FAILURE", "--"]),
    );
    assert_eq!(code, Some(0), "{json}");
    let s1 = &json["sessions"][0];
    assert_eq!(s1["files_matching"], 2, "{json}");
    assert_eq!(s1["damaged_files"], serde_json::json!([]), "{json}");
    assert_eq!(s1["session_md5"], "match", "{json}");
    let tags = s1["tags"].as_array().unwrap();
    // Superblock, tree, session, and the relocated tag of the head at LBA 0.
    assert!(
        tags.len() == 4 && tags.iter().all(|t| t["result"] == "match"),
        "{json}"
    );
    let last = lines
        .iter()
        .rev()
        .find(|l| l["type"] == "progress")
        .unwrap();
    assert_eq!(last["bytes"], last["total_bytes"], "{last}");
    assert!(
        out.success() && all.contains("Ok, session data match recorded md5."),
        "{out}"
    );

    // Session 2 adds a file and keeps the big one's data in session 1:
    // verify reads it apart from session 2's blocks. xorriso checks session
    // 2 and every file against session 2's array (its `-check_media` would
    // read the 4 GiB once more for the tags `check-media` judges below).
    let appended = burn_json(&[], &image, &day2);
    let s2_start = appended["start_lba"].as_u64().unwrap();
    assert_eq!(extents_of(&image, "/big/huge.bin"), extents);
    assert!(
        extents[1].0 + blocks(extents[1].1) < s2_start,
        "{extents:?}"
    );
    let ((code, json, _), (out, all)) = both(
        || verify(target, &[]),
        || {
            xorriso(&[
                "-check_md5",
                "FAILURE",
                "--",
                "-check_md5_r",
                "FAILURE",
                "/",
                "--",
            ])
        },
    );
    assert_eq!(code, Some(0), "{json}");
    let s2 = &json["sessions"][0];
    assert_eq!(s2["number"], 2, "{json}");
    assert_eq!(s2["files_matching"], 3, "{json}");
    assert_eq!(s2["damaged_files"], serde_json::json!([]), "{json}");
    assert!(out.success(), "{out}");
    assert!(
        all.contains("Ok, session data match recorded md5.")
            && all.contains("File contents and their MD5 checksums match."),
        "{out}"
    );

    // One byte inside the second extent: session 1's tags no longer match
    // and the file does not in either session; session 2's own blocks do.
    let damaged_lba = extents[1].0 + 100;
    flip_byte(&image, damaged_lba * BLOCK + 77);
    let (human, (media, (out, all))) = both(
        || run(discburn().args(["verify", "--all", "--target", target])),
        || {
            both(
                || run(discburn().args(["--json", "check-media", "--target", target])),
                || xorriso(&["-check_md5_r", "FAILURE", "/", "--"]),
            )
        },
    );
    assert_eq!(human.code, Some(6), "{human}");
    let damaged = format!(
        "  DAMAGED /big/huge.bin (mismatch; blocks {}+{}, {}+{})",
        extents[0].0,
        blocks(extents[0].1),
        extents[1].0,
        blocks(extents[1].1)
    );
    let (one, two) = human.stdout.split_once("\nsession 2 ").unwrap();
    for (session, text) in [(1, one), (2, two)] {
        assert!(
            text.lines().next().unwrap().ends_with("MISMATCH")
                && text.lines().filter(|l| *l == damaged).count() == 1,
            "session {session}: {damaged:?} in {human}"
        );
    }
    assert!(
        (extents[1].0..extents[1].0 + blocks(extents[1].1)).contains(&damaged_lba),
        "the range named holds the damaged block"
    );
    assert!(
        one.lines()
            .any(|l| l.starts_with("  session tag at LBA") && l.ends_with(": mismatch"))
            && one.contains("data of /big/huge.bin"),
        "{human}"
    );
    let two_tags: Vec<&str> = two.lines().filter(|l| l.contains(" tag at LBA ")).collect();
    assert!(
        two_tags.len() == 4 && two_tags.iter().all(|l| l.ends_with(": match")),
        "{human}"
    );

    // check-media reads every block and judges every tag: only session 1's
    // session tag (the one over the file's data) fails.
    assert_eq!(media.code, Some(6), "{media}");
    let last: serde_json::Value =
        serde_json::from_str(media.stdout.lines().last().unwrap()).unwrap();
    let report = &last["partial"];
    assert_eq!(
        report["blocks"].as_u64(),
        Some(fs::metadata(&image).unwrap().len() / BLOCK),
        "{report}"
    );
    assert_eq!(report["unreadable_blocks"], 0, "{report}");
    let results: Vec<Vec<(&str, &str)>> = report["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| (t["kind"].as_str().unwrap(), t["result"].as_str().unwrap()))
                .collect()
        })
        .collect();
    assert_eq!(
        results,
        [
            vec![
                ("superblock", "match"),
                ("tree", "match"),
                ("session", "mismatch")
            ],
            vec![
                ("superblock", "match"),
                ("tree", "match"),
                ("session", "match"),
                ("relocated", "match")
            ],
        ],
        "{report}"
    );

    assert!(
        !out.success() && all.contains("MD5 MISMATCH: '/big/huge.bin'"),
        "{out}"
    );
}

/// `discburn --json check-media`: exit code and the result (an error's
/// `partial`).
fn check_media(target: &str) -> (Option<i32>, serde_json::Value) {
    let out = run(discburn().args(["--json", "check-media", "--target", target]));
    let last: serde_json::Value =
        serde_json::from_str(out.stdout.lines().last().unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}: {out}"));
    if last["type"] == "error" {
        return (out.code, last["partial"].clone());
    }
    (out.code, last)
}

/// The tags of the newest session of a verify or check-media result, the
/// relocated tag (which comes last) first.
fn newest_tags(json: &serde_json::Value) -> Vec<serde_json::Value> {
    let sessions = json["sessions"].as_array().unwrap();
    let mut tags = sessions.last().unwrap()["tags"].as_array().unwrap().clone();
    let relocated = tags.pop().unwrap();
    assert_eq!(relocated["kind"], "relocated", "{json}");
    tags.insert(0, relocated);
    tags
}

/// LBA 0-31 of an image file or an overwritable disc is the copy of the
/// newest session's descriptors that readers (the kernel, xorriso, discburn
/// itself) find first; its relocated tag (checksums.md §1) is checked by
/// verify and check-media, so a byte changed there is a mismatch that says
/// `discburn repair` rebuilds it (xorriso refuses to load such an image).
#[test]
fn the_head_at_lba_0_is_checked_by_its_relocated_tag() {
    let dir = tempfile::tempdir().unwrap();
    let (day1, day2) = (dir.path().join("day1"), dir.path().join("day2"));
    make_tree(&day1);
    fs::create_dir_all(&day2).unwrap();
    fs::write(day2.join("day2.txt"), b"second session\n").unwrap();
    let image = dir.path().join("grown.iso");
    let medium = dir.path().join("rw.emu");
    let emu = emu_medium(&medium, "dvd+rw");
    for (target, file) in [(image.to_str().unwrap(), &image), (emu.as_str(), &medium)] {
        burn_to(target, &[], &[&day1]);
        burn_to(target, &[], &[&day2]);
        let (code, json, _) = verify(target, &["--all"]);
        assert_eq!(code, Some(0), "{target}: {json}");
        let tags = newest_tags(&json);
        assert_eq!(tags[0]["result"], "match", "{target}: {json}");
        assert_eq!(tags[0]["range_start_lba"], 0, "{target}: {json}");
        // Only the newest session's head: session 1 has none.
        let first = &json["sessions"][0]["tags"];
        assert!(
            first
                .as_array()
                .unwrap()
                .iter()
                .all(|t| t["kind"] != "relocated"),
            "{target}: {json}"
        );
        let (code, json) = check_media(target);
        assert_eq!(code, Some(0), "{target}: {json}");
        assert_eq!(newest_tags(&json)[0]["kind"], "relocated", "{json}");

        // A byte of the primary descriptor's copy at LBA 16 (its application
        // use area: every reader still opens the tree).
        flip_byte(file, 16 * BLOCK + 1000);
        let (code, json, _) = verify(target, &[]);
        assert_eq!(code, Some(6), "{target}: {json}");
        let tags = newest_tags(&json);
        assert_eq!(tags[0]["result"], "mismatch", "{target}: {json}");
        assert_eq!(tags[0]["affected"]["first_lba"], 0, "{json}");
        assert!(
            tags[1..].iter().all(|t| t["result"] == "match"),
            "{target}: the session itself is intact: {json}"
        );
        let out = run(discburn().args(["verify", "--target", target]));
        assert_eq!(out.code, Some(6), "{out}");
        assert!(
            out.stderr
                .contains("LBA 0-31 no longer matches session 2's relocated tag")
                && out.stderr.contains("discburn repair --target"),
            "{out}"
        );
        let (code, json) = check_media(target);
        assert_eq!(code, Some(6), "{target}: {json}");
        assert_eq!(newest_tags(&json)[0]["result"], "mismatch", "{json}");
        // verify of an older session does not look at the head.
        let (code, json, _) = verify(target, &["--session", "1"]);
        assert_eq!(code, Some(0), "{target}: {json}");
    }
    // repair rebuilds the image's head; it matches again.
    run_ok(discburn().args(["repair", "--target"]).arg(&image));
    let (code, json, _) = verify(image.to_str().unwrap(), &[]);
    assert_eq!(code, Some(0), "{json}");
    if require_tool("xorriso") {
        flip_byte(&image, 16 * BLOCK + 1000);
        let out = run(cmd("xorriso", ["-no_rc", "-md5", "on", "-indev"]).arg(&image));
        assert!(!out.success(), "xorriso loads a changed head: {out}");
    }
}

/// A block of the session that cannot be read (a scratched disc) does not
/// stop verify with a read error naming the chunk's first block: it is
/// listed, read as zeros (the tags over it then say what lies there), and
/// the session does not pass (exit 6).
#[test]
fn an_unreadable_block_is_listed_and_the_session_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    make_tree(&src);
    let medium = dir.path().join("dvd.emu");
    let target = emu_medium(&medium, "dvd+r");
    burn_to(&target, &[], &[&src]);
    let (code, clean, _) = verify(&target, &[]);
    assert_eq!(code, Some(0), "{clean}");
    assert_eq!(clean["sessions"][0]["unreadable"], serde_json::json!([]));
    let tags = clean["sessions"][0]["tags"].as_array().unwrap();
    let tree_tag = tags.iter().find(|t| t["kind"] == "tree").unwrap()["lba"]
        .as_u64()
        .unwrap();
    // The block after the tree tag (the Joliet tree), and the system area.
    for (bad, tag_after) in [(tree_tag + 1, "mismatch"), (10, "match")] {
        let out = run(discburn()
            .args(["--json", "verify", "--target", &target])
            .env("DISCBURN_EMU_FAULTS", format!("read_error@lba={bad}")));
        assert_eq!(out.code, Some(6), "{out}");
        let last: serde_json::Value =
            serde_json::from_str(out.stdout.lines().last().unwrap()).unwrap();
        assert_eq!(last["code"], "verify", "{out}");
        let session = &last["partial"]["sessions"][0];
        let unreadable = session["unreadable"].as_array().unwrap();
        assert_eq!(unreadable.len(), 1, "{out}");
        assert_eq!(unreadable[0]["first_lba"], bad, "{out}");
        assert_eq!(unreadable[0]["blocks"], 1, "{out}");
        let session_tag = session["tags"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["kind"] == "session")
            .unwrap()
            .clone();
        assert_eq!(session_tag["result"], tag_after, "{out}");
        assert!(
            last["message"]
                .as_str()
                .unwrap()
                .contains("session 1 has 1 blocks that cannot be read"),
            "{out}"
        );
    }
}
