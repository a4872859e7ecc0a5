//! Interoperability: the tricky tree burned by `discburn burn`, read back by
//! every reader that judges discburn — xorriso, isoinfo, isovfy, 7-Zip, bsdtar,
//! pycdlib, iso-info and discburn's own `extract` — and compared with the
//! source: names, types, sizes, modes, symlink targets, SHA-256 (Joliet
//! readers: every name Joliet can hold). One image serves every reader.

mod interop_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use interop_support::{assert_same_paths, discburn, pycdlib_snapshot, Fixture};
use testkit::{
    cmd, compare, require_python_module, require_tool, run, snapshot, CompareOptions, Kind,
    ModeCheck, NameView, SymlinkCheck, TrickyOptions,
};

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| Fixture::in_target_tmp("interop-tricky", TrickyOptions::default()))
}

#[track_caller]
fn assert_tree(options: &CompareOptions, actual: &testkit::Snapshot, what: &str) {
    if let Err(diff) = compare(&fixture().expected, actual, options) {
        panic!("{what}: {diff}");
    }
}

/// Checks that a reader's extraction into `out` succeeded and matches the source exactly.
#[track_caller]
fn assert_extracted_tree(result: &testkit::CmdOutput, out: &Path, what: &str) {
    assert!(result.success(), "{result}");
    assert_tree(&CompareOptions::strict(), &snapshot(out).unwrap(), what);
}

/// The paths an `isoinfo -f` listing shows, without the leading `/`.
fn isoinfo_listed_paths(listing: &testkit::CmdOutput) -> BTreeSet<String> {
    listing
        .stdout
        .lines()
        .map(|l| l.trim_start_matches('/').to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// How a Joliet-only extraction shows the Rock Ridge symlinks: as the empty files
/// some writers record at their names, or not at all.
fn joliet_symlink_check(actual: &testkit::Snapshot) -> SymlinkCheck {
    if actual
        .entries
        .get("links/rel")
        .is_some_and(|e| e.kind == Kind::File)
    {
        SymlinkCheck::EmptyFile
    } else {
        SymlinkCheck::Absent
    }
}

/// Expected paths in the Rock Ridge view.
fn rr_paths() -> BTreeSet<String> {
    interop_support::paths(&fixture().expected)
}

/// Expected Joliet paths: only those Joliet can name exactly, and the number of
/// other entries (which appear under mapped names).
fn joliet_paths(with_symlinks: bool) -> (BTreeSet<String>, usize) {
    joliet_paths_shown(with_symlinks, |_| true)
}

/// Like [`joliet_paths`], for a reader that prints only the names `shown`
/// accepts as recorded (the others are counted).
fn joliet_paths_shown(
    with_symlinks: bool,
    shown: impl Fn(&str) -> bool,
) -> (BTreeSet<String>, usize) {
    let mut exact = BTreeSet::new();
    let mut mapped = 0;
    for (path, e) in &fixture().expected.entries {
        if e.kind == Kind::Symlink && !with_symlinks {
            continue;
        }
        if testkit::views::joliet_path_can_hold(path) && shown(path) {
            exact.insert(path.clone());
        } else {
            mapped += 1;
        }
    }
    (exact, mapped)
}

/// Checks a Joliet listing: exact names for what Joliet can hold, and as many
/// other names as there are entries it cannot.
fn assert_joliet_listing(
    listed: &BTreeSet<String>,
    with_symlinks: bool,
    shown: impl Fn(&str) -> bool,
    what: &str,
) {
    let (exact, mapped) = joliet_paths_shown(with_symlinks, shown);
    let missing: Vec<_> = exact.difference(listed).collect();
    assert!(
        missing.is_empty(),
        "{what}: Joliet-representable names missing: {missing:#?}"
    );
    let others = listed.len() - (exact.len() - missing.len());
    assert_eq!(
        others,
        mapped,
        "{what}: {others} entries under mapped names, expected {mapped}: {:#?}",
        listed.difference(&exact).collect::<Vec<_>>()
    );
}

#[test]
fn discburn_extract_reads_everything_back() {
    let f = fixture();
    let out = f.out_dir("discburn");
    let result = run(discburn()
        .args(["--json", "extract", "--target"])
        .arg(&f.image)
        .arg("--output")
        .arg(&out));
    assert!(result.success(), "{result}");
    let json: serde_json::Value =
        serde_json::from_str(result.stdout.lines().last().unwrap_or("")).unwrap();
    assert_eq!(
        json["files"].as_u64().unwrap() + json["hard_links"].as_u64().unwrap(),
        f.expected.count(Kind::File) as u64
    );
    assert_tree(
        &CompareOptions::strict(),
        &snapshot(&out).unwrap(),
        "discburn extract",
    );

    // The Joliet tree on its own, as a Windows reader would see it.
    let joliet = f.out_dir("discburn-joliet");
    let result = run(discburn()
        .args(["extract", "--namespace", "joliet", "--target"])
        .arg(&f.image)
        .arg("--output")
        .arg(&joliet));
    assert!(result.success(), "{result}");
    let actual = snapshot(&joliet).unwrap();
    let symlinks = joliet_symlink_check(&actual);
    let options = CompareOptions {
        names: NameView::Joliet,
        symlinks,
        ..CompareOptions::content_only()
    };
    assert_tree(&options, &actual, "discburn extract --namespace joliet");

    // ls -R lists the same paths, info sees all three file systems.
    let ls = run(discburn()
        .args(["--json", "ls", "-R", "--target"])
        .arg(&f.image));
    assert!(ls.success(), "{ls}");
    let json: serde_json::Value = serde_json::from_str(&ls.stdout).unwrap();
    let listed: BTreeSet<String> = json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_string())
        .collect();
    assert_same_paths(&rr_paths(), &listed, "discburn ls -R");
    let info = run(discburn()
        .args(["--json", "info", "--target"])
        .arg(&f.image));
    assert!(info.success(), "{info}");
    let json: serde_json::Value = serde_json::from_str(&info.stdout).unwrap();
    let systems = json["file_system"]["file_systems"].to_string();
    assert!(
        systems.contains("Joliet")
            && systems.contains("Rock Ridge 1.12")
            && systems.contains("ISO 9660 level"),
        "{systems}"
    );
}

#[test]
fn xorriso_extracts_the_rock_ridge_tree() {
    if !require_tool("xorriso") {
        return;
    }
    let f = fixture();
    let out = f.out_dir("xorriso");
    let result = run(
        cmd("xorriso", ["-osirrox", "on", "-hardlinks", "on", "-indev"])
            .arg(&f.image)
            .args(["-extract", "/"])
            .arg(&out),
    );
    assert_extracted_tree(&result, &out, "xorriso -osirrox on -extract");
}

#[test]
fn isoinfo_lists_and_extracts_rock_ridge_and_lists_joliet() {
    if !require_tool("isoinfo") {
        return;
    }
    let f = fixture();
    let listing = run(cmd("isoinfo", ["-R", "-f", "-i"]).arg(&f.image));
    assert!(listing.success(), "{listing}");
    let listed = isoinfo_listed_paths(&listing);
    // isoinfo does not follow CL: relocated directories show under rr_moved.
    let is_dir = |p: &str| {
        f.expected
            .entries
            .get(p)
            .is_some_and(|e| e.kind == Kind::Dir)
    };
    let mut expected: BTreeSet<String> = rr_paths()
        .iter()
        .map(|p| testkit::views::relocated_path(p, is_dir))
        .collect();
    // ...and the CL placeholder stays at the original path.
    for path in rr_paths() {
        let moved = testkit::views::relocated_path(&path, is_dir);
        if moved.matches('/').count() == 1 && moved.starts_with("rr_moved/") {
            expected.insert(path);
        }
    }
    if expected.iter().any(|p| p.starts_with("rr_moved/")) {
        expected.insert("rr_moved".to_string());
    }
    assert_same_paths(&expected, &listed, "isoinfo -R -f");

    // Every regular file's content through `isoinfo -R -x` (at the path isoinfo shows).
    for (path, e) in &f.expected.entries {
        if e.kind != Kind::File {
            continue;
        }
        let shown = testkit::views::relocated_path(path, is_dir);
        let result = run(cmd("isoinfo", ["-R", "-i"])
            .arg(&f.image)
            .arg("-x")
            .arg(format!("/{shown}")));
        assert!(result.success(), "{result}");
        let got = testkit::snapshot::sha256_bytes(&result.stdout_bytes);
        assert_eq!(
            Some(&got),
            e.sha256.as_ref(),
            "isoinfo -R -x /{path}: content differs ({} bytes read)",
            result.stdout_bytes.len()
        );
    }

    let joliet = run(cmd("isoinfo", ["-J", "-f", "-i"]).arg(&f.image));
    assert!(joliet.success(), "{joliet}");
    let listed = isoinfo_listed_paths(&joliet);
    // isoinfo converts Joliet names to a single-byte charset (it has no UTF-8):
    // names outside ASCII are only counted.
    assert_joliet_listing(&listed, false, |p| p.is_ascii(), "isoinfo -J -f");
}

#[test]
fn isovfy_finds_no_errors() {
    if !require_tool("isovfy") {
        return;
    }
    let result = run(&mut cmd("isovfy", [&fixture().image]));
    let last = result.stdout.lines().last().unwrap_or("");
    assert_eq!(last, "No errors found", "{result}");
}

#[test]
fn sevenzip_extracts_the_joliet_names() {
    if !require_tool("7zz") {
        return;
    }
    let f = fixture();
    let out = f.out_dir("7zz");
    let result = run(cmd("7zz", ["x", "-y"])
        .arg(format!("-o{}", out.display()))
        .arg(&f.image));
    // Exit 2 with "Dangerous link path" is 7-Zip refusing symlinks that point
    // outside the extraction (absolute or climbing above it); nothing else may fail.
    let dangerous_only = result.code == Some(2)
        && result.stdout.contains("Dangerous link path")
        && !result.stdout.contains("ERROR: Data Error");
    assert!(result.success() || dangerous_only, "{result}");
    // Without Rock Ridge symlinks 7-Zip sees what the Joliet tree holds at
    // their names: nothing, or empty files (as genisoimage writes them).
    let actual = snapshot(&out).unwrap();
    let symlinks = if !result.success() {
        SymlinkCheck::Filter(testkit::sevenzip_symlink_is_kept)
    } else {
        joliet_symlink_check(&actual)
    };
    // 7-Zip drops trailing dots of names (Windows rules), for every writer.
    let options = CompareOptions {
        names: NameView::Joliet,
        symlinks,
        rename_expected: Some(testkit::views::sevenzip_name),
        ..CompareOptions::content_only()
    };
    assert_tree(&options, &actual, "7zz x");
}

#[test]
fn bsdtar_extracts_the_rock_ridge_tree() {
    if !require_tool("bsdtar") {
        return;
    }
    let f = fixture();
    let out = f.out_dir("bsdtar");
    let result = run(cmd("bsdtar", ["-xpf"]).arg(&f.image).arg("-C").arg(&out));
    assert_extracted_tree(&result, &out, "bsdtar -xpf");
}

#[test]
fn pycdlib_walks_and_reads_every_file() {
    if !require_python_module("pycdlib") {
        return;
    }
    let mut actual = pycdlib_snapshot(&fixture().image);
    // pycdlib reports a symlink to "/" (one ROOT component) as an empty target.
    for e in actual.entries.values_mut() {
        if e.kind == Kind::Symlink && e.target.as_deref() == Some("") {
            e.target = Some("/".to_string());
        }
    }
    // pycdlib shows the (empty) relocation directory: it ignores RE. The
    // manifest carries no times.
    let options = CompareOptions {
        hard_links: false,
        file_mtimes: false,
        dir_mtimes: false,
        dir_modes: ModeCheck::Exact,
        ignore_actual: vec!["rr_moved".into()],
        ..CompareOptions::strict()
    };
    assert_tree(&options, &actual, "pycdlib walk");
}

#[test]
fn iso_info_lists_the_joliet_tree() {
    if !require_tool("iso-info") {
        return;
    }
    let f = fixture();
    let result = run(cmd("iso-info", ["--no-header", "-f", "-i"]).arg(&f.image));
    assert!(result.success(), "{result}");
    // Lines are "SIZE /path" after a header block.
    let mut sizes: BTreeMap<String, u64> = BTreeMap::new();
    for line in result.stdout.lines() {
        let line = line.trim_start();
        if let Some((size, path)) = line.split_once(' ') {
            if let (Ok(size), true) = (size.parse::<u64>(), path.starts_with('/')) {
                sizes.insert(path.trim_start_matches('/').to_string(), size);
            }
        }
    }
    let listed: BTreeSet<String> = sizes.keys().cloned().collect();
    // libcdio garbles names whose UTF-8 form is longer than their UCS-2 form:
    // those are only counted.
    let (exact, mapped) = joliet_paths(false);
    let (exact, garbled): (BTreeSet<String>, BTreeSet<String>) = exact
        .into_iter()
        .partition(|p| testkit::views::iso_info_prints_exactly(p));
    let missing: Vec<_> = exact.difference(&listed).collect();
    assert!(missing.is_empty(), "iso-info -f: missing {missing:#?}");
    assert_eq!(
        listed.len() - exact.len(),
        mapped + garbled.len(),
        "iso-info -f: entries under mapped names: {:#?}",
        listed.difference(&exact).collect::<Vec<_>>()
    );

    // Sizes: a file's is its length, a directory's the length of its extent
    // (whole blocks). Entries under names iso-info cannot show exactly are
    // matched by size as a multiset.
    let fits = |e: &testkit::Entry, size: u64| match e.kind {
        Kind::Dir => size > 0 && size.is_multiple_of(2048),
        _ => size == e.size,
    };
    for path in &exact {
        let e = &f.expected.entries[path];
        assert!(
            fits(e, sizes[path]),
            "iso-info -f: {path}: size {} for {e:?}",
            sizes[path]
        );
    }
    let mut others: Vec<u64> = listed.difference(&exact).map(|p| sizes[p]).collect();
    let unshown = f.expected.entries.iter().filter(|(path, e)| {
        e.kind != Kind::Symlink
            && (garbled.contains(*path) || !testkit::views::joliet_path_can_hold(path))
    });
    for (path, e) in unshown {
        let at = others.iter().position(|&size| fits(e, size));
        let at = at.unwrap_or_else(|| {
            panic!("iso-info -f: no entry of {path}'s size ({e:?}) among {others:?}")
        });
        others.swap_remove(at);
    }
}
