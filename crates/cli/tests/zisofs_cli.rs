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
    let x = run(
        testkit::cmd("xorriso", ["-no_rc", "-osirrox", "on", "-indev"])
            .arg(&image)
            .args(["-extract", "/"])
            .arg(&out),
    );
    assert!(x.success(), "{x}");
    assert_same(
        &expected2,
        &testkit::snapshot(&out).unwrap(),
        &options,
        "session 2 by xorriso",
    );
}
