//! zisofs through the CLI (issue 8 §2): an image xorriso compressed is listed
//! with real sizes and extracted inflated, and a session appended by discburn
//! keeps the old session's compressed files compressed *and marked* (ZF), so
//! both discburn and xorriso still read them as their source.

mod interop_support;

use std::path::Path;

use interop_support::{discburn, extract_all};
use testkit::compare::assert_same;
use testkit::{run, CompareOptions};

fn make_source(src: &Path) {
    std::fs::create_dir_all(src.join("sub")).unwrap();
    let text: Vec<u8> = (0..20_000u32)
        .flat_map(|i| format!("line {i} of a compressible text\n").into_bytes())
        .collect();
    std::fs::write(src.join("text.txt"), &text).unwrap();
    std::fs::write(src.join("sub/zeros.bin"), vec![0u8; 200_000]).unwrap();
    std::fs::write(src.join("sub/tiny.txt"), b"tiny\n").unwrap();
}

#[test]
fn xorriso_zisofs_image_reads_inflated_and_survives_an_append() {
    if !testkit::require_tool("xorriso") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    make_source(&src);
    let image = work.path().join("z.iso");
    let mut c = testkit::cmd("xorriso", ["-no_rc", "-outdev"]);
    c.arg(&image)
        .args(["-zisofs", "default", "-map"])
        .arg(&src)
        .args(["/", "-set_filter_r", "--zisofs", "/", "--"]);
    let made = run(&mut c);
    assert!(made.success(), "{made}");

    let ls = run(discburn().args(["ls", "-l", "-R", "--target"]).arg(&image));
    assert!(ls.success(), "{ls}");
    let size_of = |name: &str| -> String {
        let line = ls.stdout.lines().find(|l| l.ends_with(name)).unwrap();
        line.split_whitespace().nth(4).unwrap().to_string()
    };
    let text_len = std::fs::metadata(src.join("text.txt")).unwrap().len();
    assert_eq!(size_of(" text.txt"), text_len.to_string(), "{ls}");
    assert_eq!(size_of(" sub/zeros.bin"), "200000", "{ls}");

    let expected = testkit::snapshot(&src).unwrap();
    let options = CompareOptions::content_only();
    let out = work.path().join("out1");
    extract_all(&image, &out);
    assert_same(
        &expected,
        &testkit::snapshot(&out).unwrap(),
        &options,
        "session 1",
    );

    // Append a session: the old files are referenced, still compressed.
    let more = work.path().join("more");
    std::fs::create_dir_all(&more).unwrap();
    std::fs::write(more.join("new.txt"), b"new\n").unwrap();
    let burned = run(discburn()
        .arg("burn")
        .arg("--target")
        .arg(&image)
        .arg(&more));
    assert!(burned.success(), "{burned}");
    let mut expected2 = expected.clone();
    let added = testkit::snapshot(&more).unwrap();
    for (path, entry) in added.entries.iter().filter(|(p, _)| !p.is_empty()) {
        expected2.entries.insert(path.clone(), entry.clone());
    }
    let out = work.path().join("out2");
    extract_all(&image, &out);
    assert_same(
        &expected2,
        &testkit::snapshot(&out).unwrap(),
        &options,
        "session 2",
    );
    let out = work.path().join("xorriso2");
    testkit::images::xorriso_extract(&image, &out, &[]);
    assert_same(
        &expected2,
        &testkit::snapshot(&out).unwrap(),
        &options,
        "session 2 by xorriso",
    );
}

/// The JSON summary (last line) of a `discburn burn --json` run.
fn burn_json(args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let result = run(discburn().args(["burn", "--json"]).args(args));
    assert!(result.success(), "{result}");
    serde_json::from_str(result.stdout.lines().last().unwrap()).unwrap()
}

/// `xorriso -show_stream_r`: which files xorriso reads through its zisofs
/// decoder (it looks for the ZF entry and the header, as the kernel does).
fn zisofs_files_by_xorriso(image: &Path) -> Vec<String> {
    let shown = run(testkit::cmd("xorriso", ["-no_rc", "-indev"])
        .arg(image)
        .args(["-show_stream_r", "/", "--"]));
    assert!(shown.success(), "{shown}");
    let mut files: Vec<String> = shown
        .stdout
        .lines()
        .filter(|l| l.contains("--zisofs-decode:pz:32k"))
        .map(|l| l.split('\'').nth(1).unwrap().to_string())
        .collect();
    files.sort();
    files
}

/// Both xorriso (`-check_md5` of the session, `-check_md5_r` of every file)
/// and `discburn verify --all` accept the image's MD5s.
fn assert_md5s_hold(image: &Path) {
    let x = run(testkit::cmd("xorriso", ["-no_rc", "-md5", "on", "-indev"])
        .arg(image)
        .args([
            "-check_md5",
            "FAILURE",
            "--",
            "-check_md5_r",
            "FAILURE",
            "/",
            "--",
        ]));
    assert!(x.success(), "{x}");
    assert!(
        x.stdout
            .contains("File contents and their MD5 checksums match"),
        "{x}"
    );
    let v = run(discburn().args(["verify", "--all", "--target"]).arg(image));
    assert!(v.success(), "{v}");
    assert!(v.stdout.contains(" 0 damaged"), "{v}");
}

#[test]
fn burn_zisofs_compresses_where_it_saves_blocks_and_reads_back_as_the_source() {
    if !testkit::require_tool("xorriso") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    make_source(&src);
    // Random bytes do not compress: that file stays as it is.
    let mut x = 0x9E37_79B9u32;
    let noise: Vec<u8> = (0..100_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    std::fs::write(src.join("sub/noise.bin"), noise).unwrap();
    // Zero blocks among data (recorded as empty zisofs blocks), and a hard link.
    let mut mixed = vec![0u8; 70_000];
    mixed.extend((0..30_000u32).map(|i| (i % 7) as u8));
    std::fs::write(src.join("mixed.bin"), mixed).unwrap();
    std::fs::hard_link(src.join("text.txt"), src.join("sub/link.txt")).unwrap();

    let plain = work.path().join("plain.iso");
    let image = work.path().join("z.iso");
    let plain_report = burn_json(&["--target".as_ref(), plain.as_os_str(), src.as_os_str()]);
    let report = burn_json(&[
        "--zisofs".as_ref(),
        "--target".as_ref(),
        image.as_os_str(),
        src.as_os_str(),
    ]);
    let z = &report["zisofs"];
    // text.txt (+ its link), zeros.bin, mixed.bin compress; noise.bin does not;
    // tiny.txt is a single block and is not tried.
    assert_eq!(z["files_considered"], 4, "{report}");
    assert_eq!(z["files_compressed"], 3, "{report}");
    let saved = z["blocks_saved"].as_u64().unwrap();
    let (before, after) = (
        z["blocks_before"].as_u64().unwrap(),
        z["blocks_after"].as_u64().unwrap(),
    );
    assert_eq!(saved, before - after);
    let text_blocks = std::fs::metadata(src.join("text.txt"))
        .unwrap()
        .len()
        .div_ceil(2048);
    assert_eq!(
        before,
        text_blocks + 200_000u64.div_ceil(2048) + 100_000u64.div_ceil(2048)
    );
    // The session is smaller by exactly the blocks saved.
    let plain_blocks = plain_report["blocks"].as_u64().unwrap();
    assert_eq!(
        plain_blocks - report["blocks"].as_u64().unwrap(),
        saved,
        "{report}"
    );
    assert!(plain_report["zisofs"].is_null());

    let compressed = vec!["/mixed.bin", "/sub/link.txt", "/sub/zeros.bin", "/text.txt"];
    assert_eq!(zisofs_files_by_xorriso(&image), compressed);

    let expected = testkit::snapshot(&src).unwrap();
    let options = CompareOptions::content_only();
    let out = work.path().join("by-discburn");
    extract_all(&image, &out);
    assert_same(
        &expected,
        &testkit::snapshot(&out).unwrap(),
        &options,
        "discburn",
    );
    let out = work.path().join("by-xorriso");
    testkit::images::xorriso_extract(&image, &out, &[]);
    assert_same(
        &expected,
        &testkit::snapshot(&out).unwrap(),
        &options,
        "xorriso",
    );
    let ls = run(discburn()
        .args(["ls", "-l", "--target"])
        .arg(&image)
        .arg("/sub/zeros.bin"));
    assert!(ls.stdout.contains(" 200000 "), "{ls}");
    assert_md5s_hold(&image);

    // A later session keeps the compressed files as they are (referenced, ZF
    // recorded again) and compresses only its own new files.
    let more = work.path().join("more");
    std::fs::create_dir_all(&more).unwrap();
    std::fs::write(more.join("new.txt"), "again and again\n".repeat(1000)).unwrap();
    let second = burn_json(&[
        "--zisofs".as_ref(),
        "--target".as_ref(),
        image.as_os_str(),
        more.as_os_str(),
    ]);
    assert_eq!(second["zisofs"]["files_compressed"], 1, "{second}");
    assert!(
        second["bytes_written"].as_u64().unwrap() < 200_000,
        "old files are not written again: {second}"
    );
    let mut compressed2 = compressed.clone();
    compressed2.insert(1, "/new.txt");
    assert_eq!(zisofs_files_by_xorriso(&image), compressed2);
    let mut expected2 = expected.clone();
    for (path, entry) in testkit::snapshot(&more).unwrap().entries {
        if !path.is_empty() {
            expected2.entries.insert(path, entry);
        }
    }
    let out = work.path().join("session2");
    extract_all(&image, &out);
    assert_same(
        &expected2,
        &testkit::snapshot(&out).unwrap(),
        &options,
        "session 2",
    );
    assert_md5s_hold(&image);
}

#[test]
fn verify_accepts_xorriso_zisofs_images_with_md5s() {
    // xorriso's isofs.cx of a zisofs file is the MD5 of its stored
    // (compressed) bytes; `discburn verify` must hash those, not the inflated ones.
    if !testkit::require_tool("xorriso") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    make_source(&src);
    let image = work.path().join("xz.iso");
    let made = run(testkit::cmd("xorriso", ["-no_rc", "-md5", "on", "-outdev"])
        .arg(&image)
        .args(["-zisofs", "default", "-map"])
        .arg(&src)
        .args(["/", "-set_filter_r", "--zisofs", "/", "--"]));
    assert!(made.success(), "{made}");
    assert_eq!(
        zisofs_files_by_xorriso(&image),
        ["/sub/zeros.bin", "/text.txt"]
    );
    assert_md5s_hold(&image);
}

#[test]
fn zisofs_needs_rock_ridge() {
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    make_source(&src);
    let result = run(discburn()
        .args(["burn", "--zisofs", "--no-rock-ridge", "--target"])
        .arg(work.path().join("x.iso"))
        .arg(&src));
    assert!(!result.success(), "{result}");
    assert!(result.stderr.contains("--no-rock-ridge"), "{result}");
    assert!(!work.path().join("x.iso").exists());
}

/// `discburn --json CMD ARGS`: the exit status and the result (last line).
fn json_result(args: &[&str], image: &Path, tail: &Path) -> (i32, serde_json::Value) {
    let out = run(discburn()
        .arg("--json")
        .args(args)
        .arg("--target")
        .arg(image)
        .arg(tail));
    let last = out.stdout.lines().last().unwrap_or_default();
    let value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {out}"));
    (out.code.unwrap_or(-1), value)
}

#[test]
fn diff_and_sync_compare_a_compressed_file_by_what_it_holds() {
    // A compressed file's recorded MD5 (xorriso's isofs.cx) is that of its
    // stored bytes: `diff --content` and `sync --content` must inflate it,
    // not call every compressed file changed (a silent wrong answer).
    if !testkit::require_tool("xorriso") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    make_source(&src);
    let image = work.path().join("xz.iso");
    let made = run(testkit::cmd("xorriso", ["-no_rc", "-md5", "on", "-outdev"])
        .arg(&image)
        .args(["-zisofs", "default", "-map"])
        .arg(&src)
        .args(["/", "-set_filter_r", "--zisofs", "/", "--"]));
    assert!(made.success(), "{made}");
    let diff = ["diff", "--content", "--session", "1"];
    let (code, same) = json_result(&diff, &image, &src);
    assert_eq!(code, 0, "{same}");
    assert_eq!(same["identical"], true, "{same}");
    assert_eq!(same["md5_compared"], 3, "{same}");
    let (code, synced) = json_result(&["sync", "--content"], &image, &src);
    assert_eq!(code, 7, "up to date: {synced}");

    // Rewritten with the same size and mtime: only what it holds tells.
    let text = src.join("text.txt");
    let mtime = std::fs::metadata(&text).unwrap().modified().unwrap();
    let mut data = std::fs::read(&text).unwrap();
    data[100] ^= 1;
    std::fs::write(&text, &data).unwrap();
    let file = std::fs::File::options().write(true).open(&text).unwrap();
    file.set_modified(mtime).unwrap();
    let (_, found) = json_result(&diff, &image, &src);
    assert_eq!(found["identical"], false, "{found}");
    let changed: Vec<(&str, &serde_json::Value)> = found["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].as_str().unwrap(), &e["reasons"]))
        .collect();
    assert_eq!(changed, [("/text.txt", &serde_json::json!(["content"]))]);
}
