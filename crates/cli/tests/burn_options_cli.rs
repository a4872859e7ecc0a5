//! The everyday options of `burn` that users of genisoimage and xorriso
//! reach for: descriptor identifiers, --no-joliet, --no-rock-ridge,
//! --print-size, --exclude, --follow-links, --skip-unreadable.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn discburn() -> Command {
    Command::new(env!("CARGO_BIN_EXE_discburn"))
}

fn source(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("src");
    fs::create_dir_all(src.join("a long directory name")).unwrap();
    fs::write(src.join("a long directory name/file.txt"), "x\n").unwrap();
    src
}

fn burn(args: &[&str], image: &Path, src: &Path) {
    let out = discburn()
        .arg("burn")
        .args(args)
        .arg("--target")
        .arg(image)
        .arg(src)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn info(image: &Path) -> Value {
    let out = discburn()
        .args(["--json", "info", "--target"])
        .arg(image)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn identifiers_land_in_the_volume_descriptors() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let image = dir.path().join("ids.iso");
    burn(
        &[
            "--publisher",
            "ACME PUBLISHING",
            "--preparer",
            "JANE DOE",
            "--application",
            "BACKUP TOOL 2",
            "--system-id",
            "PLAN9",
            "--volume-set",
            "SET1",
        ],
        &image,
        &src,
    );
    let fs_info = &info(&image)["file_system"];
    assert_eq!(fs_info["publisher_id"], "ACME PUBLISHING", "{fs_info}");
    assert_eq!(fs_info["preparer_id"], "JANE DOE");
    assert_eq!(fs_info["application_id"], "BACKUP TOOL 2");
    assert_eq!(fs_info["system_id"], "PLAN9");
    assert_eq!(fs_info["volume_set_id"], "SET1");
}

#[test]
fn joliet_and_rock_ridge_can_be_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let systems =
        |image: &Path| -> String { info(image)["file_system"]["file_systems"].to_string() };

    let both = dir.path().join("both.iso");
    burn(&[], &both, &src);
    let text = systems(&both);
    assert!(
        text.contains("Joliet") && text.contains("Rock Ridge"),
        "{text}"
    );

    let no_joliet = dir.path().join("no-joliet.iso");
    burn(&["--no-joliet"], &no_joliet, &src);
    let text = systems(&no_joliet);
    assert!(
        !text.contains("Joliet") && text.contains("Rock Ridge"),
        "{text}"
    );

    let no_rr = dir.path().join("no-rr.iso");
    burn(&["--no-rock-ridge"], &no_rr, &src);
    let text = systems(&no_rr);
    assert!(
        text.contains("Joliet") && !text.contains("Rock Ridge"),
        "{text}"
    );
}

#[test]
fn print_size_prints_the_blocks_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let image = dir.path().join("sized.iso");
    let out = discburn()
        .args(["burn", "--print-size", "--target"])
        .arg(&image)
        .arg(&src)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let blocks: u64 = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(!image.exists(), "--print-size wrote {image:?}");

    burn(&[], &image, &src);
    assert_eq!(fs::metadata(&image).unwrap().len(), blocks * 2048);
}

/// `discburn --json burn ...` run with assert_cmd: the result object.
fn burn_json(args: &[&str], image: &Path, src: &Path) -> Value {
    let out = assert_cmd::Command::cargo_bin("discburn")
        .unwrap()
        .args(["--json", "burn"])
        .args(args)
        .arg("--target")
        .arg(image)
        .arg(src)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
}

/// The paths `ls -R` lists in `image`, sorted.
fn listing(image: &Path) -> Vec<String> {
    let out = assert_cmd::Command::cargo_bin("discburn")
        .unwrap()
        .args(["--json", "ls", "-R", "--target"])
        .arg(image)
        .assert()
        .success();
    let value: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let mut paths: Vec<String> = value["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["kind"].as_str().unwrap(),
                e["path"].as_str().unwrap()
            )
        })
        .collect();
    paths.sort();
    paths
}

#[test]
fn exclude_leaves_out_matching_names_paths_and_directories() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    for (path, text) in [
        ("keep.txt", "k\n"),
        ("drop.o", "o\n"),
        ("sub/keep2.txt", "k2\n"),
        ("sub/deep.o", "o\n"),
        (".git/config", "g\n"),
        ("cache/big.bin", "b\n"),
    ] {
        let path = src.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    let image = dir.path().join("x.iso");
    let host_cache = src.join("cache");
    let result = burn_json(
        &[
            "--exclude",
            "*.o",
            "--exclude",
            ".git",
            "--exclude",
            host_cache.to_str().unwrap(),
        ],
        &image,
        &src,
    );
    // drop.o, sub/deep.o, .git (with its file), cache (with its file).
    assert_eq!(result["excluded"], 4, "{result}");
    assert_eq!(
        listing(&image),
        ["dir sub", "file keep.txt", "file sub/keep2.txt"],
        "{result}"
    );

    // A glob that does not parse is an error that names it.
    assert_cmd::Command::cargo_bin("discburn")
        .unwrap()
        .args(["burn", "--exclude", "[", "--target"])
        .arg(dir.path().join("bad.iso"))
        .arg(&src)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("--exclude \"[\""));
    assert!(!dir.path().join("bad.iso").exists());
}

#[test]
fn follow_links_stores_what_links_point_to() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir_all(src.join("sub")).unwrap();
    fs::create_dir_all(dir.path().join("elsewhere")).unwrap();
    fs::write(dir.path().join("outside.txt"), "outside\n").unwrap();
    fs::write(dir.path().join("elsewhere/inner.txt"), "inner\n").unwrap();
    std::os::unix::fs::symlink("../outside.txt", src.join("file-link")).unwrap();
    std::os::unix::fs::symlink("../elsewhere", src.join("dir-link")).unwrap();
    std::os::unix::fs::symlink("..", src.join("sub/up")).unwrap();

    // Without --follow-links the links are links.
    let plain = dir.path().join("plain.iso");
    burn_json(&[], &plain, &src);
    assert_eq!(
        listing(&plain),
        [
            "dir sub",
            "symlink dir-link",
            "symlink file-link",
            "symlink sub/up"
        ]
    );

    let followed = dir.path().join("followed.iso");
    let result = burn_json(&["--follow-links"], &followed, &src);
    assert_eq!(
        listing(&followed),
        [
            "dir dir-link",
            "dir sub",
            "file dir-link/inner.txt",
            "file file-link"
        ],
        "{result}"
    );
    // The link back to an ancestor is left out as a loop, and said so.
    let skipped = result["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{result}");
    assert!(skipped[0]["path"].as_str().unwrap().ends_with("sub/up"));
    assert!(skipped[0]["reason"].as_str().unwrap().contains("loop"));
    // What was stored is the content the links point to.
    let out = dir.path().join("out");
    assert_cmd::Command::cargo_bin("discburn")
        .unwrap()
        .args(["extract", "--target"])
        .arg(&followed)
        .arg("--output")
        .arg(&out)
        .assert()
        .success();
    assert_eq!(
        fs::read_to_string(out.join("file-link")).unwrap(),
        "outside\n"
    );
    assert_eq!(
        fs::read_to_string(out.join("dir-link/inner.txt")).unwrap(),
        "inner\n"
    );

    // A link that points nowhere stops the burn, naming it...
    std::os::unix::fs::symlink("nowhere", src.join("dangling")).unwrap();
    let refused = dir.path().join("refused.iso");
    assert_cmd::Command::cargo_bin("discburn")
        .unwrap()
        .args(["burn", "--follow-links", "--target"])
        .arg(&refused)
        .arg(&src)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("dangling"));
    assert!(!refused.exists());
    // ...unless --skip-unreadable, which lists it.
    let result = burn_json(&["--follow-links", "--skip-unreadable"], &refused, &src);
    let skipped = result["skipped"].to_string();
    assert!(skipped.contains("dangling"), "{result}");
}

/// Runs `discburn` as an unprivileged user when the tests run as root
/// (root reads everything), through setpriv; `None` when that is not possible.
fn unprivileged(dir: &Path) -> Option<std::process::Command> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let probe = dir.join("probe");
    fs::write(&probe, "").unwrap();
    let root = fs::metadata(&probe).unwrap().uid() == 0;
    if !root {
        return Some(discburn());
    }
    if !testkit::require_tool("setpriv") {
        return None;
    }
    // The unprivileged user writes the image into `dir`.
    fs::set_permissions(dir, fs::Permissions::from_mode(0o777)).unwrap();
    let mut cmd = std::process::Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_discburn"));
    Some(cmd)
}

/// `discburn burn --target IMAGE SRC` run as an unprivileged user (`None` where that
/// cannot be done outside CI).
fn burn_as_nobody(dir: &Path, src: &Path, image: &Path) -> Option<std::process::Output> {
    let mut cmd = unprivileged(dir)?;
    Some(
        cmd.args(["burn", "--target"])
            .arg(image)
            .arg(src)
            .output()
            .unwrap(),
    )
}

#[test]
fn an_unreadable_source_stops_the_burn_unless_skip_unreadable() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir_all(src.join("locked")).unwrap();
    fs::write(src.join("locked/hidden.txt"), "h\n").unwrap();
    fs::write(src.join("secret.txt"), "s\n").unwrap();
    fs::write(src.join("fine.txt"), "f\n").unwrap();
    fs::set_permissions(src.join("locked"), fs::Permissions::from_mode(0o000)).unwrap();
    fs::set_permissions(src.join("secret.txt"), fs::Permissions::from_mode(0o000)).unwrap();
    let image = dir.path().join("u.iso");
    let Some(out) = burn_as_nobody(dir.path(), &src, &image) else {
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("locked") || stderr.contains("secret.txt"),
        "{stderr}"
    );
    assert!(!image.exists(), "a stopped burn leaves no image");

    let mut cmd = unprivileged(dir.path()).unwrap();
    let out = cmd
        .args(["--json", "burn", "--skip-unreadable", "--target"])
        .arg(&image)
        .arg(&src)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let result: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let mut skipped: Vec<String> = result["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert!(
                s["reason"].as_str().unwrap().contains("ermission denied"),
                "{s}"
            );
            s["path"].as_str().unwrap().to_string()
        })
        .collect();
    skipped.sort();
    assert_eq!(
        skipped,
        [
            src.join("locked").display().to_string(),
            src.join("secret.txt").display().to_string()
        ]
    );
    assert_eq!(listing(&image), ["file fine.txt"]);
}

#[test]
fn target_dash_streams_the_image_to_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    source(dir.path());
    let run = |target: &str, extra: &[&str]| {
        assert_cmd::Command::cargo_bin("discburn")
            .unwrap()
            .current_dir(dir.path())
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .args(["burn", "--target", target])
            .args(extra)
            .arg("src")
            .assert()
    };
    let piped = run("-", &[]).success();
    let image = piped.get_output().stdout.clone();
    // The summary goes to stderr; nothing but the image on stdout.
    let stderr = String::from_utf8_lossy(&piped.get_output().stderr).into_owned();
    assert!(
        stderr.contains("wrote session 1 of standard output"),
        "{stderr}"
    );
    // No temporary file anywhere near: the directory holds only the source.
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["src"]);

    // As big as --print-size says, and the same bytes through /dev/stdout.
    let blocks: u64 = String::from_utf8(
        run("-", &["--print-size"])
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap()
    .trim()
    .parse()
    .unwrap();
    assert_eq!(image.len() as u64, blocks * 2048);
    let again = run("/dev/stdout", &[])
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(again == image, "--target /dev/stdout wrote other bytes");

    // A complete image: discburn and isoinfo read it.
    let saved = dir.path().join("saved.iso");
    fs::write(&saved, &image).unwrap();
    let listing = listing(&saved);
    assert_eq!(
        listing,
        [
            "dir a long directory name",
            "file a long directory name/file.txt"
        ]
    );
    if testkit::require_tool("isoinfo") {
        let out = Command::new("isoinfo")
            .arg("-i")
            .arg(&saved)
            .args(["-R", "-f"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("/a long directory name/file.txt"), "{text}");
    }

    // What cannot share standard output with the image is refused as a usage error.
    run("-", &["--verify", "quick"])
        .code(2)
        .stderr(predicates::str::contains("standard output cannot"));
    assert_cmd::Command::cargo_bin("discburn")
        .unwrap()
        .current_dir(dir.path())
        .args(["--json", "burn", "--target", "-", "src"])
        .assert()
        .code(2)
        .stdout(predicates::str::contains("\"type\":\"error\""))
        .stdout(predicates::str::contains("\"code\":\"usage\""));
}

#[test]
fn iso_level_limits_names_and_info_reports_what_the_image_needs() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    fs::write(src.join("a long file name.text"), "t\n").unwrap();
    let level = |image: &Path| info(image)["file_system"]["iso_level"].as_u64().unwrap();

    let one = dir.path().join("one.iso");
    burn(&["--iso-level", "1"], &one, &src);
    assert_eq!(level(&one), 1);
    if testkit::require_tool("isoinfo") {
        let out = Command::new("isoinfo")
            .arg("-i")
            .arg(&one)
            .arg("-f")
            .output()
            .unwrap();
        let listing = String::from_utf8_lossy(&out.stdout).into_owned();
        for path in listing.lines() {
            let name = path.rsplit('/').next().unwrap().trim_end_matches(";1");
            let (stem, ext) = name.split_once('.').unwrap_or((name, ""));
            assert!(
                stem.len() <= 8 && ext.len() <= 3,
                "{name} is not 8.3: {listing}"
            );
        }
    }
    // Rock Ridge keeps the long names.
    assert_eq!(
        listing(&one),
        [
            "dir a long directory name",
            "file a long directory name/file.txt",
            "file a long file name.text"
        ]
    );

    // The default writes long names; info says level 2, which is what the
    // image needs (no file of 4 GiB or more).
    let default = dir.path().join("default.iso");
    burn(&[], &default, &src);
    assert_eq!(level(&default), 2);

    // A file of 4 GiB or more (sparse) needs level 3: refused below it,
    // counted at the default.
    let big = dir.path().join("big");
    fs::create_dir_all(&big).unwrap();
    fs::File::create(big.join("huge.bin"))
        .unwrap()
        .set_len(4200 << 20)
        .unwrap();
    let refused = dir.path().join("refused.iso");
    assert_cmd::Command::cargo_bin("discburn")
        .unwrap()
        .args(["burn", "--iso-level", "2", "--target"])
        .arg(&refused)
        .arg(&big)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("/huge.bin is 4 GiB or more"))
        .stderr(predicates::str::contains("level 3"));
    assert!(!refused.exists());
    assert_cmd::Command::cargo_bin("discburn")
        .unwrap()
        .args(["burn", "--print-size", "--target"])
        .arg(&refused)
        .arg(&big)
        .assert()
        .success();
    assert_cmd::Command::cargo_bin("discburn")
        .unwrap()
        .args(["burn", "--iso-level", "4", "--target"])
        .arg(&refused)
        .arg(&big)
        .assert()
        .code(2);
}

#[test]
fn an_unreadable_file_is_named_with_the_reason_and_the_way_out() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("secret.txt"), "s\n").unwrap();
    fs::write(src.join("fine.txt"), "f\n").unwrap();
    fs::set_permissions(src.join("secret.txt"), fs::Permissions::from_mode(0o000)).unwrap();
    let image = dir.path().join("u.iso");
    let Some(out) = burn_as_nobody(dir.path(), &src, &image) else {
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for needed in ["secret.txt", "Permission denied", "--skip-unreadable"] {
        assert!(stderr.contains(needed), "{needed:?} missing: {stderr}");
    }
    assert!(!stderr.contains("scanned earlier"), "{stderr}");
    assert!(!image.exists(), "a stopped burn leaves no image");
}
