//! `discburn ls`, `extract` and `info` on images other writers made:
//! genisoimage (Rock Ridge + Joliet, Joliet only like Windows, plain ISO 9660),
//! xorriso and pycdlib. Reader interoperability in the other direction.

mod interop_support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use interop_support::discburn;
use testkit::images::{genisoimage, pycdlib_image, xorriso_mkisofs};
use testkit::{
    compare, make_tricky_tree_with, require_python_module, require_tool, run, snapshot,
    CompareOptions, ModeCheck, NameView, Snapshot, SymlinkCheck, TrickyOptions,
};

struct Case {
    _dir: tempfile::TempDir,
    src: PathBuf,
    image: PathBuf,
    out: PathBuf,
    expected: Snapshot,
}

fn case(options: TrickyOptions) -> Case {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    make_tricky_tree_with(&src, &options).unwrap();
    let expected = snapshot(&src).unwrap();
    Case {
        image: dir.path().join("image.iso"),
        out: dir.path().join("out"),
        src,
        expected,
        _dir: dir,
    }
}

fn extract(image: &Path, out: &Path, extra: &[&str]) -> serde_json::Value {
    let result = run(discburn()
        .args(["--json", "extract", "--target"])
        .arg(image)
        .arg("--output")
        .arg(out)
        .args(extra));
    assert!(result.success(), "{result}");
    serde_json::from_str(result.stdout.lines().last().unwrap_or("")).unwrap()
}

fn info(image: &Path) -> serde_json::Value {
    let result = run(discburn().args(["--json", "info", "--target"]).arg(image));
    assert!(result.success(), "{result}");
    serde_json::from_str(&result.stdout).unwrap()
}

fn ls_paths(image: &Path) -> BTreeSet<String> {
    let result = run(discburn()
        .args(["--json", "ls", "-R", "--target"])
        .arg(image));
    assert!(result.success(), "{result}");
    let json: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_string())
        .collect()
}

#[track_caller]
fn assert_tree(c: &Case, options: &CompareOptions, what: &str) {
    if let Err(diff) = compare(&c.expected, &snapshot(&c.out).unwrap(), options) {
        panic!("{what}: {diff}");
    }
}

#[test]
fn genisoimage_rock_ridge_joliet_image() {
    if !require_tool("genisoimage") {
        return;
    }
    let c = case(TrickyOptions {
        bmp_only: true,
        ..TrickyOptions::default()
    });
    genisoimage(&c.src, &c.image, &["-R", "-J", "-joliet-long"]);
    let json = info(&c.image);
    assert_eq!(
        json["file_system"]["file_systems"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "{json}"
    );
    assert_eq!(json["file_system"]["rock_ridge"]["version"], "1.10");
    let report = extract(&c.image, &c.out, &[]);
    assert_eq!(report["namespace"], "rock_ridge");
    assert_tree(
        &c,
        &CompareOptions {
            ignore_actual: vec!["rr_moved".into()],
            ..CompareOptions::strict()
        },
        "genisoimage -R -J",
    );
    let mut listed = ls_paths(&c.image);
    listed.retain(|p| p != "rr_moved" && !p.starts_with("rr_moved/"));
    assert_eq!(
        listed,
        c.expected.entries.keys().cloned().collect::<BTreeSet<_>>()
    );
    // `ls -l` of one directory shows symlinks with their targets.
    let ls = run(discburn()
        .args(["ls", "-l", "--target"])
        .arg(&c.image)
        .arg("/links"));
    assert!(
        ls.stdout
            .lines()
            .any(|l| l.starts_with("lrwxrwxrwx") && l.ends_with("rel -> target.txt")),
        "{ls}"
    );
}

#[test]
fn genisoimage_joliet_only_image_like_windows() {
    if !require_tool("genisoimage") {
        return;
    }
    let c = case(TrickyOptions {
        bmp_only: true,
        ..TrickyOptions::default()
    });
    genisoimage(&c.src, &c.image, &["-J", "-joliet-long", "-D"]);
    assert_eq!(info(&c.image)["file_system"]["namespace"], "joliet");
    extract(&c.image, &c.out, &[]);
    let options = CompareOptions {
        names: NameView::Joliet,
        symlinks: SymlinkCheck::Absent,
        ..CompareOptions::content_only()
    };
    assert_tree(&c, &options, "genisoimage -J");
}

#[test]
fn genisoimage_plain_iso9660_image() {
    if !require_tool("genisoimage") {
        return;
    }
    let c = case(TrickyOptions {
        bmp_only: true,
        ..TrickyOptions::default()
    });
    genisoimage(&c.src, &c.image, &["-D"]);
    let json = info(&c.image);
    assert_eq!(json["file_system"]["namespace"], "iso9660");
    assert_eq!(
        json["file_system"]["file_systems"],
        serde_json::json!(["ISO 9660 level 1"])
    );
    extract(&c.image, &c.out, &[]);
    assert_eq!(
        snapshot(&c.out).unwrap().file_contents(),
        c.expected.file_contents()
    );
}

#[test]
fn xorriso_image_in_every_namespace() {
    if !require_tool("xorriso") {
        return;
    }
    let c = case(TrickyOptions::default());
    xorriso_mkisofs(&c.src, &c.image, &["-R", "-J", "-joliet-long"]);
    extract(&c.image, &c.out, &[]);
    assert_tree(&c, &CompareOptions::strict(), "xorriso -as mkisofs -R -J");
    let joliet = c.out.with_file_name("joliet");
    extract(&c.image, &joliet, &["--namespace", "joliet"]);
    let options = CompareOptions {
        names: NameView::Joliet,
        symlinks: SymlinkCheck::Absent,
        ..CompareOptions::content_only()
    };
    if let Err(diff) = compare(&c.expected, &snapshot(&joliet).unwrap(), &options) {
        panic!("xorriso, Joliet names: {diff}");
    }
    // Selected paths only, into an existing directory: refused without --force.
    let some = c.out.with_file_name("some");
    let report = extract(&c.image, &some, &["links", "sizes/size_2049"]);
    assert_eq!(report["files"].as_u64(), Some(3), "{report}");
    assert!(some.join("sizes/size_2049").is_file() && !some.join("plain.txt").exists());
    let again = run(discburn()
        .args(["extract", "--target"])
        .arg(&c.image)
        .arg("--output")
        .arg(&some)
        .arg("sizes/size_2049"));
    assert!(
        !again.success() && again.stderr.contains("already exists"),
        "{again}"
    );
    let forced = run(discburn()
        .args(["extract", "--force", "--target"])
        .arg(&c.image)
        .arg("--output")
        .arg(&some)
        .arg("sizes/size_2049"));
    assert!(forced.success(), "{forced}");
}

#[test]
fn pycdlib_rock_ridge_image() {
    if !require_python_module("pycdlib") {
        return;
    }
    let c = case(TrickyOptions {
        bmp_only: true,
        ..TrickyOptions::default()
    });
    pycdlib_image(&c.src, &c.image);
    extract(&c.image, &c.out, &[]);
    // pycdlib records its own modes and times (those of the moment it writes).
    let options = CompareOptions {
        file_modes: ModeCheck::Ignore,
        dir_modes: ModeCheck::Ignore,
        hard_links: false,
        file_mtimes: false,
        dir_mtimes: false,
        ..CompareOptions::strict()
    };
    assert_tree(&c, &options, "pycdlib");
}

#[test]
fn errors_name_the_target_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("not-an-image.iso");
    std::fs::write(&bogus, vec![0u8; 40 * 2048]).unwrap();
    let result = run(discburn().args(["ls", "--target"]).arg(&bogus));
    assert!(!result.success());
    assert!(
        result.stderr.contains("not-an-image.iso")
            && result.stderr.contains("no ISO 9660 or UDF volume"),
        "{result}"
    );
    let result = run(discburn().args(["--json", "info", "--target"]).arg(&bogus));
    assert!(!result.success());
    let json: serde_json::Value = serde_json::from_str(result.stdout.trim()).unwrap();
    assert_eq!(json["type"], "error");
}

#[test]
fn session_start_reads_an_older_session_of_a_grown_image() {
    if !require_tool("xorriso") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (s1, s2) = (dir.path().join("s1"), dir.path().join("s2"));
    std::fs::create_dir(&s1).unwrap();
    std::fs::create_dir(&s2).unwrap();
    std::fs::write(s1.join("first.txt"), b"one\n").unwrap();
    std::fs::write(s2.join("second.txt"), b"two\n").unwrap();
    let image = dir.path().join("grown.iso");
    // xorriso grows an image file: session 1 at LBA 32, session 2 at 64, the
    // newest descriptors copied to LBA 16 (multisession.md §2).
    for (src, at) in [(&s1, "/"), (&s2, "/more")] {
        let result = run(testkit::cmd("xorriso", ["-dev"])
            .arg(&image)
            .args(["-joliet", "on", "-map"])
            .arg(src)
            .args([at, "-commit"]));
        assert!(result.success(), "{result}");
    }
    let toc = run(testkit::cmd("xorriso", ["-indev"]).arg(&image).arg("-toc"));
    let first_session: u64 = toc
        .stdout
        .lines()
        .chain(toc.stderr.lines())
        .find(|l| l.starts_with("ISO session  :   1"))
        .and_then(|l| l.split(',').nth(1))
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("no session 1 in {toc}"));

    let newest = run(discburn().args(["ls", "-R", "--target"]).arg(&image));
    assert_eq!(
        newest.stdout.lines().collect::<Vec<_>>(),
        ["first.txt", "more", "more/second.txt"],
        "{newest}"
    );
    let old = run(discburn()
        .args(["ls", "-R", "--target"])
        .arg(&image)
        .args(["--session-start", &first_session.to_string()]));
    assert_eq!(
        old.stdout.lines().collect::<Vec<_>>(),
        ["first.txt"],
        "{old}"
    );
    let out = dir.path().join("out");
    let result = run(discburn()
        .args(["extract", "--target"])
        .arg(&image)
        .args(["--sbsector", &first_session.to_string(), "--output"])
        .arg(&out));
    assert!(result.success(), "{result}");
    assert_eq!(std::fs::read(out.join("first.txt")).unwrap(), b"one\n");
    assert!(!out.join("more").exists());
}

#[test]
fn info_reports_el_torito() {
    if !require_tool("xorriso") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("boot.img"), vec![0xEBu8; 2048]).unwrap();
    let image = dir.path().join("boot.iso");
    xorriso_mkisofs(
        &src,
        &image,
        &["-R", "-b", "boot.img", "-no-emul-boot", "-V", "BOOTME"],
    );
    let json = info(&image);
    let fs = &json["file_system"];
    assert_eq!(fs["volume_id"], "BOOTME");
    assert!(
        fs["el_torito"]["catalog_lba"]
            .as_u64()
            .is_some_and(|lba| lba > 16),
        "{json}"
    );
    assert!(
        fs["file_systems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "El Torito"),
        "{json}"
    );
    let text = run(discburn().args(["info", "--target"]).arg(&image));
    assert!(
        text.stdout.contains("BOOTME") && text.stdout.contains("El Torito"),
        "{text}"
    );
}
