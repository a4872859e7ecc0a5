//! `discburn burn --udf`: a UDF 2.01 (or 1.02) bridge beside ISO 9660, Joliet
//! and Rock Ridge, sharing the file data. Judged by udfinfo (no warning, no
//! error), 7-Zip (test and extraction, contents compared with the source),
//! xorriso (the ISO side and its MD5s) and discburn's own UDF reader.

mod interop_support;

use std::path::Path;

use interop_support::{burn_json as burn, discburn, pycdlib_manifest, PYCDLIB_MANIFEST};
use testkit::tools::cmd;
use testkit::{
    compare, make_tricky_tree_with, require_python_module, require_tool, run, run_ok, snapshot,
    CompareOptions, Kind, ModeCheck, Snapshot, TrickyOptions,
};

/// The source without symbolic links: what the UDF tree holds by default.
fn without_symlinks(mut s: Snapshot) -> Snapshot {
    s.entries.retain(|_, e| e.kind != Kind::Symlink);
    s
}

fn udfinfo_clean(image: &Path) -> String {
    let result = run(cmd("udfinfo", [image.as_os_str()]));
    assert!(result.success(), "udfinfo: {result}");
    assert!(
        !result.stderr.contains("Warning") && !result.stderr.contains("Error"),
        "udfinfo complains: {result}"
    );
    result.stdout
}

#[test]
fn udf_bridge_reads_exactly_in_udfinfo_7zip_xorriso_and_discburn() {
    if !require_tool("udfinfo") || !require_tool("7zz") || !require_tool("xorriso") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    make_tricky_tree_with(&src, &TrickyOptions::default()).unwrap();
    // A name of 250 bytes: Latin-1 in CS0 (251 bytes with the compression ID).
    std::fs::write(src.join("é".repeat(125)), b"long name\n").unwrap();
    let expected = without_symlinks(snapshot(&src).unwrap());
    let image = dir.path().join("bridge.iso");
    burn(&["--udf"], &image, &src);

    let info = udfinfo_clean(&image);
    assert!(info.contains("udfrev=2.01"), "{info}");
    assert!(info.contains("accesstype=readonly"), "{info}");
    assert!(info.contains("integrity=closed"), "{info}");

    // 7-Zip opens it as UDF (the anchor at 256), tests it and extracts the tree.
    run_ok(cmd("7zz", ["t", "-tudf"]).arg(&image));
    let seven = dir.path().join("7z");
    run_ok(
        cmd("7zz", ["x", "-tudf", "-y"])
            .arg(format!("-o{}", seven.display()))
            .arg(&image),
    );
    let options = CompareOptions {
        file_mtimes: true,
        rename_expected: Some(testkit::udf_name),
        ..CompareOptions::content_only()
    };
    if let Err(diff) = compare(&expected, &snapshot(&seven).unwrap(), &options) {
        panic!("UDF bridge read by 7-Zip: {diff}");
    }

    // discburn's own UDF reader.
    let out = dir.path().join("db");
    run_ok(
        discburn()
            .args(["extract", "--namespace", "udf", "--target"])
            .arg(&image)
            .arg("--output")
            .arg(&out),
    );
    if let Err(diff) = compare(&expected, &snapshot(&out).unwrap(), &options) {
        panic!("UDF bridge read by discburn --namespace udf: {diff}");
    }

    // The ISO 9660 side is untouched: xorriso reads the Rock Ridge tree
    // (symlinks included) and the MD5s match.
    let xo = dir.path().join("xorriso");
    run_ok(
        cmd("xorriso", ["-osirrox", "on", "-indev"])
            .arg(&image)
            .args(["-extract", "/"])
            .arg(&xo),
    );
    if let Err(diff) = compare(
        &snapshot(&src).unwrap(),
        &snapshot(&xo).unwrap(),
        &CompareOptions::content_only(),
    ) {
        panic!("UDF bridge, ISO side read by xorriso: {diff}");
    }
    let check = run_ok(cmd("xorriso", ["-md5", "on", "-indev"]).arg(&image).args([
        "-check_md5",
        "FAILURE",
        "--",
    ]));
    assert!(
        check.stdout.contains("session data match") || check.stderr.contains("session data match"),
        "{check}"
    );
}

/// pycdlib's UDF reader (`walk(udf_path=...)`, `get_file_from_iso_fp(udf_path=...)`)
/// on a one-session bridge of either revision: every name, size, content and
/// mode. An appended session is out of its reach: pycdlib reads the file set
/// descriptor at block 0 of the partition (`_parse_udf_descriptors`, 1.22.0)
/// instead of where the logical volume descriptor says, and an appended
/// session's partition starts with the first session (blank there), so it
/// refuses the image ("Tag version not 2 or 3"); what must never happen is an
/// older tree shown as the newest, so either it fails or it reads the newest.
#[test]
fn pycdlib_reads_the_udf_tree() {
    if !require_python_module("pycdlib") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    make_tricky_tree_with(&src, &TrickyOptions::default()).unwrap();
    let expected = without_symlinks(snapshot(&src).unwrap());
    let options = CompareOptions {
        file_modes: ModeCheck::Exact,
        dir_modes: ModeCheck::Exact,
        rename_expected: Some(testkit::udf_name),
        ..CompareOptions::content_only()
    };
    let pycdlib_udf = |image: &Path| {
        run(cmd("python3", ["-c", PYCDLIB_MANIFEST])
            .arg(image)
            .arg("udf"))
    };
    for revision in ["2.01", "1.02"] {
        let image = dir.path().join(format!("{revision}.iso"));
        burn(&["--udf", "--udf-revision", revision], &image, &src);
        let result = pycdlib_udf(&image);
        assert!(result.success(), "pycdlib, UDF {revision}: {result}");
        if let Err(diff) = compare(&expected, &pycdlib_manifest(&result.stdout), &options) {
            panic!("UDF {revision} bridge read by pycdlib: {diff}");
        }
    }

    let image = dir.path().join("2.01.iso");
    let more = dir.path().join("more");
    std::fs::create_dir(&more).unwrap();
    std::fs::write(more.join("added.txt"), b"added\n").unwrap();
    burn(&["--udf"], &image, &more);
    let result = pycdlib_udf(&image);
    if result.success() {
        let mut newest = expected.clone();
        newest.entries.extend(snapshot(&more).unwrap().entries);
        if let Err(diff) = compare(&newest, &pycdlib_manifest(&result.stdout), &options) {
            panic!("appended UDF session read by pycdlib: {diff}");
        }
    } else {
        assert!(result.stderr.contains("PyCdlibInvalidISO"), "{result}");
    }
}

#[test]
fn udf_symlinks_and_revision_1_02() {
    if !require_tool("udfinfo") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("d")).unwrap();
    std::fs::write(src.join("d/a.txt"), b"a\n").unwrap();
    std::os::unix::fs::symlink("d/a.txt", src.join("link")).unwrap();
    let image = dir.path().join("old.iso");
    let result = burn(
        &["--udf", "--udf-revision", "1.02", "--udf-symlinks"],
        &image,
        &src,
    );
    let udf = &result["udf"];
    assert_eq!(
        (
            &udf["revision"],
            &udf["files"],
            &udf["directories"],
            &udf["left_out"]
        ),
        (&"1.02".into(), &2.into(), &1.into(), &0.into()),
        "{result}"
    );
    // Without --udf-symlinks the link is left out, and counted.
    let result = burn(&["--udf"], &dir.path().join("nolink.iso"), &src);
    assert_eq!(result["udf"]["left_out"], 1, "{result}");
    assert_eq!(result["udf"]["files"], 1, "{result}");
    let info = udfinfo_clean(&image);
    assert!(info.contains("udfrev=1.02"), "{info}");
    // discburn's UDF reader sees the link with its target.
    let result = run_ok(
        discburn()
            .args(["ls", "--long", "--namespace", "udf", "--target"])
            .arg(&image)
            .arg("/"),
    );
    assert!(result.stdout.contains("link -> d/a.txt"), "{result}");
}

/// An append to a UDF 1.02 session keeps 1.02 unless --udf-revision says
/// otherwise (issue 13 §4; IMAPI2 keeps a disc's revision too).
#[test]
fn udf_append_keeps_the_revision() {
    if !require_tool("udfinfo") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("a.txt"), b"a\n").unwrap();
    let image = dir.path().join("rev.iso");
    burn(&["--udf", "--udf-revision", "1.02"], &image, &src);
    let mut revisions = Vec::new();
    for args in [&["--udf"][..], &["--udf", "--udf-revision", "2.01"][..]] {
        std::fs::write(src.join("a.txt"), format!("{}\n", revisions.len())).unwrap();
        let result = burn(args, &image, &src);
        let start = result["start_lba"].as_u64().unwrap();
        let udf = &result["udf"];
        assert_eq!(udf["files"], 1, "{result}");
        assert!(udf["partition_start"].as_u64().unwrap() < start, "{result}");
        let info = run(cmd("udfinfo", [format!("--startblock={start}")]).arg(&image));
        assert!(info.success(), "{info}");
        let rev = info
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("udfrev="))
            .unwrap_or_default()
            .to_string();
        revisions.push(rev);
    }
    assert_eq!(revisions, ["1.02", "2.01"]);
    // The text summary says it too (2.01 kept from the last session).
    let result = run_ok(
        discburn()
            .args(["burn", "--udf", "--target"])
            .arg(&image)
            .arg(&src),
    );
    assert!(
        result
            .stdout
            .contains("UDF 2.01: 1 files, 0 directories, partition from block"),
        "{result}"
    );
}

/// A session with `--no-udf` on a `--udf` image: the anchor at block 256 that
/// pointed at the old UDF session is retired, so 7-Zip (which starts there)
/// shows the newest tree, not the old UDF one; the old session's UDF still
/// reads at its own start. The next append without `--udf` has no UDF either:
/// the session it imports has none.
#[test]
fn an_append_with_no_udf_retires_the_old_anchor() {
    if !require_tool("udfinfo") || !require_tool("7zz") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("old.txt"), b"old\n").unwrap();
    let image = dir.path().join("mixed.iso");
    let first = burn(&["--udf"], &image, &src);
    std::fs::write(src.join("new.txt"), b"new\n").unwrap();
    let second = burn(&["--no-udf"], &image, &src);
    assert!(second["udf"].is_null(), "{second}");
    assert_eq!(second["udf_dropped"], "--no-udf", "{second}");

    let out = dir.path().join("7z");
    run_ok(
        cmd("7zz", ["x", "-y"])
            .arg(format!("-o{}", out.display()))
            .arg(&image),
    );
    same_files(&src, &out, "7-Zip on the image after a session without UDF");

    let start = first["start_lba"].as_u64().unwrap();
    let info = run(cmd("udfinfo", [format!("--startblock={start}")]).arg(&image));
    assert!(
        info.success() && info.stdout.contains("numfiles=1"),
        "{info}"
    );

    let third = burn(&[], &image, &src);
    assert!(
        third["udf"].is_null() && third["udf_dropped"].is_null(),
        "{third}"
    );
}

/// An append without `--udf` to a session with UDF writes UDF again (as
/// IMAPI2 does on a UDF disc), in the imported revision, and says so;
/// `--zisofs`, which UDF cannot carry, leaves it out and says why.
#[test]
fn an_append_to_a_udf_session_keeps_udf() {
    if !require_tool("udfinfo") || !require_tool("7zz") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("old.txt"), b"old\n").unwrap();
    let image = dir.path().join("kept.iso");
    burn(&["--udf", "--udf-revision", "1.02"], &image, &src);
    std::fs::write(src.join("new.txt"), b"new\n").unwrap();
    let second = burn(&[], &image, &src);
    let udf = &second["udf"];
    assert_eq!(
        (
            &udf["revision"],
            &udf["imported_revision"],
            &udf["implied"],
            &udf["files"]
        ),
        (&"1.02".into(), &"1.02".into(), &true.into(), &2.into()),
        "{second}"
    );
    // UDF-first readers see the new session in its UDF tree.
    let out = dir.path().join("7z");
    run_ok(
        cmd("7zz", ["x", "-tudf", "-y"])
            .arg(format!("-o{}", out.display()))
            .arg(&image),
    );
    same_files(&src, &out, "7-Zip, UDF of the kept session");
    let info = udfinfo_clean_or_overlap(&image);
    assert!(
        info.contains("numfiles=2") && info.contains("udfrev=1.02"),
        "{info}"
    );

    // The text says where the UDF comes from.
    std::fs::write(src.join("third.txt"), b"3\n").unwrap();
    let result = run_ok(discburn().args(["burn", "--target"]).arg(&image).arg(&src));
    assert!(
        result
            .stdout
            .contains("UDF 1.02, as session 2 has UDF 1.02 (--no-udf leaves it out): 3 files"),
        "{result}"
    );

    // --zisofs: no UDF, and the reason.
    std::fs::write(src.join("fourth.txt"), b"4\n").unwrap();
    let zisofs = run_ok(
        discburn()
            .args(["burn", "--zisofs", "--target"])
            .arg(&image)
            .arg(&src),
    );
    assert!(
        zisofs
            .stdout
            .contains("no UDF (--zisofs), though session 3 has it"),
        "{zisofs}"
    );
}

/// `sync` appends through the same flow: a UDF image stays UDF, and 7-Zip
/// (UDF through the anchor at 256) reads the synced tree.
#[test]
fn sync_keeps_udf() {
    if !require_tool("7zz") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("a.txt"), b"a\n").unwrap();
    let image = dir.path().join("sync.iso");
    burn(&["--udf"], &image, &src);
    std::fs::write(src.join("b.txt"), b"b\n").unwrap();
    run_ok(discburn().args(["sync", "--target"]).arg(&image).arg(&src));
    let out = dir.path().join("7z");
    run_ok(
        cmd("7zz", ["x", "-tudf", "-y"])
            .arg(format!("-o{}", out.display()))
            .arg(&image),
    );
    same_files(&src, &out, "7-Zip, UDF after sync");
}

/// `sync` takes burn's UDF options and reports UDF as burn does: kept (and
/// why) by default, left out with `--no-udf` (and why), nothing when up to date.
#[test]
fn sync_reports_udf_and_takes_no_udf() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("a.txt"), b"a\n").unwrap();
    let image = dir.path().join("sync.iso");
    burn(&["--udf"], &image, &src);
    let sync = |args: &[&str]| {
        run(discburn()
            .args(["--json", "sync", "--target"])
            .arg(&image)
            .args(args)
            .arg(&src))
    };
    let json = |out: &testkit::CmdOutput| -> serde_json::Value {
        serde_json::from_str(out.stdout.lines().last().unwrap_or("")).unwrap()
    };
    std::fs::write(src.join("b.txt"), b"b\n").unwrap();
    let kept = sync(&[]);
    assert!(kept.success(), "{kept}");
    let kept = json(&kept);
    assert_eq!(
        (
            &kept["udf"]["implied"],
            &kept["udf"]["files"],
            &kept["udf_dropped"]
        ),
        (&true.into(), &2.into(), &serde_json::Value::Null),
        "{kept}"
    );
    let up_to_date = json(&sync(&[]));
    assert!(
        up_to_date["up_to_date"] == true && up_to_date["udf"].is_null(),
        "{up_to_date}"
    );
    std::fs::write(src.join("c.txt"), b"c\n").unwrap();
    let dropped = json(&sync(&["--no-udf"]));
    assert!(dropped["udf"].is_null(), "{dropped}");
    assert_eq!(dropped["udf_dropped"], "--no-udf", "{dropped}");
    // The text says it as burn's does.
    std::fs::write(src.join("d.txt"), b"d\n").unwrap();
    let added = run_ok(
        discburn()
            .args(["sync", "--udf", "--target"])
            .arg(&image)
            .arg(&src),
    );
    assert!(
        added.stdout.contains("UDF 2.01: 4 files, 0 directories"),
        "{added}"
    );
    std::fs::write(src.join("e.txt"), b"e\n").unwrap();
    let text = run_ok(
        discburn()
            .args(["sync", "--no-udf", "--target"])
            .arg(&image)
            .arg(&src),
    );
    assert!(
        text.stdout
            .contains("no UDF (--no-udf), though session 4 has it"),
        "{text}"
    );
}

/// `--udf-revision` and `--udf-symlinks` apply to the UDF an append keeps
/// without `--udf`; on a session that gets no UDF they are an error saying why.
#[test]
fn udf_revision_and_symlinks_shape_a_kept_udf() {
    if !require_tool("udfinfo") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("a.txt"), b"a\n").unwrap();
    std::os::unix::fs::symlink("a.txt", src.join("link")).unwrap();
    let image = dir.path().join("kept.iso");
    let first = burn(&["--udf"], &image, &src);
    assert_eq!(first["udf"]["left_out"], 1, "{first}");
    std::fs::write(src.join("b.txt"), b"b\n").unwrap();
    let second = burn(&["--udf-revision", "1.02", "--udf-symlinks"], &image, &src);
    let udf = &second["udf"];
    assert_eq!(
        (
            &udf["revision"],
            &udf["implied"],
            &udf["left_out"],
            &udf["files"]
        ),
        (&"1.02".into(), &true.into(), &0.into(), &3.into()),
        "{second}"
    );
    let start = second["start_lba"].as_u64().unwrap();
    let info = run(cmd("udfinfo", [format!("--startblock={start}")]).arg(&image));
    assert!(info.stdout.contains("udfrev=1.02"), "{info}");

    let refused = |args: &[&str], target: &Path, why: &str| {
        let result = run(discburn()
            .args(["burn", "--target"])
            .arg(target)
            .args(args)
            .arg(&src));
        assert!(!result.success(), "{args:?}: {result}");
        assert!(result.stderr.contains(why), "{args:?}: {result}");
    };
    refused(&["--no-udf", "--udf-revision", "2.01"], &image, "--no-udf");
    refused(&["--no-udf", "--udf-symlinks"], &image, "--no-udf");
    refused(
        &["--zisofs", "--udf-symlinks"],
        &image,
        "--zisofs leaves it out",
    );
    let fresh = dir.path().join("fresh.iso");
    refused(
        &["--udf-revision", "1.02"],
        &fresh,
        "no session it starts from has UDF to keep",
    );
    assert!(!fresh.exists());
}

/// udfinfo's output, allowing only its warning about the partition of an
/// appended session (which starts with the first session and so holds the
/// volume structures of the later ones; see docs/reader.md).
fn udfinfo_clean_or_overlap(image: &Path) -> String {
    let result = run(cmd("udfinfo", [image.as_os_str()]));
    assert!(result.success(), "udfinfo: {result}");
    for line in result.stderr.lines() {
        assert!(
            line.contains("Partition Space overlaps with other blocks"),
            "udfinfo complains: {result}"
        );
    }
    result.stdout
}

#[test]
fn udf_and_zisofs_do_not_mix() {
    let dir = tempfile::tempdir().unwrap();
    let result = run(discburn()
        .args(["burn", "--udf", "--zisofs", "--target"])
        .arg(dir.path().join("x.iso"))
        .arg(dir.path()));
    assert!(!result.success(), "{result}");
    assert!(result.stderr.contains("--zisofs"), "{result}");
}

/// Panics unless `got` holds exactly the files of `expected` (names, contents).
fn same_files(expected: &Path, got: &Path, what: &str) {
    let (e, g) = (snapshot(expected).unwrap(), snapshot(got).unwrap());
    if let Err(diff) = compare(&e, &g, &CompareOptions::content_only()) {
        panic!("{what}: {diff}");
    }
}

#[test]
fn udf_sessions_keep_the_old_files() {
    if !require_tool("udfinfo") || !require_tool("7zz") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let make = |name: &str, files: &[(&str, &[u8])]| {
        let d = dir.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        for (f, data) in files {
            std::fs::write(d.join(f), data).unwrap();
        }
        d
    };
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let s1 = make(
        "s1",
        &[
            ("keep.bin", &big),
            ("old.txt", b"old\n"),
            ("gone.txt", b"x\n"),
        ],
    );
    let s2 = make("s2", &[("old.txt", b"replaced\n")]);
    let s3 = make("s3", &[("new.txt", b"new\n")]);
    let image = dir.path().join("ms.iso");
    let mut starts = Vec::new();
    for (src, extra) in [
        (&s1, vec![]),
        (&s2, vec!["--remove", "gone.txt"]),
        (&s3, vec![]),
    ] {
        let mut args = vec!["--udf"];
        args.extend(extra);
        let result = burn(&args, &image, src);
        assert_eq!(result["udf"]["revision"], "2.01", "{result}");
        assert_eq!(result["udf"]["files"], [3, 2, 3][starts.len()], "{result}");
        starts.push(result["start_lba"].as_u64().unwrap());
    }
    // Each session is a complete UDF volume: udfinfo reads each at its start.
    for (start, files) in starts.iter().zip([3, 2, 3]) {
        let result = run(cmd("udfinfo", [format!("--startblock={start}")]).arg(&image));
        assert!(result.success(), "{result}");
        assert!(
            result.stdout.contains(&format!("numfiles={files}")),
            "session at {start}: {result}"
        );
    }
    // The anchor at 256 was rewritten last: 7-Zip reads the newest tree, with
    // session 1's data where it was.
    let seven = dir.path().join("7z");
    run_ok(
        cmd("7zz", ["x", "-tudf", "-y"])
            .arg(format!("-o{}", seven.display()))
            .arg(&image),
    );
    let expected = dir.path().join("expected");
    std::fs::create_dir(&expected).unwrap();
    std::fs::write(expected.join("keep.bin"), &big).unwrap();
    std::fs::write(expected.join("old.txt"), b"replaced\n").unwrap();
    std::fs::write(expected.join("new.txt"), b"new\n").unwrap();
    same_files(&expected, &seven, "7-Zip, newest session");
    // discburn's UDF reader agrees.
    let out = dir.path().join("db");
    run_ok(
        discburn()
            .args(["extract", "--namespace", "udf", "--target"])
            .arg(&image)
            .arg("--output")
            .arg(&out),
    );
    same_files(&expected, &out, "discburn --namespace udf, newest session");
}

#[test]
fn udf_sessions_on_emulated_write_once_media() {
    for media in ["dvd+r", "bd-r"] {
        let dir = tempfile::tempdir().unwrap();
        let disc = dir.path().join("disc");
        run_ok(
            discburn()
                .args(["emu", "create", "--media", media, "--capacity", "20000"])
                .arg(&disc),
        );
        let target = format!("emu:{}", disc.display());
        let a = dir.path().join("a");
        std::fs::create_dir(&a).unwrap();
        std::fs::write(a.join("one.txt"), b"one\n").unwrap();
        let b = dir.path().join("b.txt");
        std::fs::write(&b, b"two\n").unwrap();
        for src in [&a, &b] {
            run_ok(
                discburn()
                    .args(["burn", "--udf", "--target", &target])
                    .arg(src),
            );
        }
        let info = run_ok(discburn().args(["info", "--target", &target]));
        assert!(info.stdout.contains("UDF 2.01"), "{media}: {info}");
        // The newest session's UDF tree holds both sessions' files.
        let out = dir.path().join("out");
        run_ok(
            discburn()
                .args(["extract", "--namespace", "udf", "--target", &target])
                .arg("--output")
                .arg(&out),
        );
        assert_eq!(std::fs::read(out.join("one.txt")).unwrap(), b"one\n");
        assert_eq!(std::fs::read(out.join("b.txt")).unwrap(), b"two\n");
    }
}
