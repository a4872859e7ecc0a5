//! Interoperability of grown images (issue 7, "Judged by others"): three sessions
//! made with `discburn burn --target EXISTING.iso` from distinct source trees
//! (add; remove a directory and replace files; add again), then
//!
//! - `xorriso -toc` lists the three sessions at the start LBAs `discburn info` reports;
//! - `xorriso -load session N -extract`, `isoinfo -T START` (listing, `-x` contents,
//!   `-l` modes and sizes) and `discburn extract/ls --session N` give exactly the tree
//!   session N had (expected trees are built on the host with `cp -a`);
//! - the newest tree read by xorriso, isoinfo, isovfy, 7-Zip, pycdlib and libcdio
//!   (`iso-info`, `iso-read`) equals the expected newest tree (Joliet readers: what
//!   Joliet holds);
//! - unchanged files keep their old extents and their Rock Ridge inode numbers;
//! - mixed producers: xorriso appends to a discburn image (and discburn after it),
//!   discburn appends to an xorriso image (xorriso's own chain and 300 KiB padding) and
//!   to a genisoimage image (first session at LBA 0: only the newest tree stays visible,
//!   as with growisofs); every reader agrees on every visible session.
//!
//! bsdtar is not a judge here: libarchive reads an image front to back, so a grown image
//! whose old file data lies before the new tree cannot be read by it (true of xorriso's
//! and genisoimage's grown images too; ../shared/reference/readers.md).

mod interop_support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use interop_support::{assert_same_paths, burn_to, discburn, pycdlib_snapshot};
use testkit::sessions::{copy_tree, overlay, set_dir, write_file, ThreeSessions, SESSION2_REMOVE};
use testkit::{
    cmd, compare, require_python_module, require_tool, run, run_ok, snapshot, CompareOptions, Kind,
    ModeCheck, NameView, Snapshot, SymlinkCheck,
};

/// Size of the big file of session 1 (a few MiB, not a multiple of the block size).
const BIG_SIZE: usize = (6 << 20) + 123;

// ---------------------------------------------------------------- source trees

/// A small tree of its own for the mixed-producer tests.
fn make_small(dir: &Path, tag: &str, mtime: u64) {
    write_file(
        &dir.join(format!("{tag}.bin")),
        &testkit::tree::content(tag, 3000 + tag.len() * 100),
        0o644,
        mtime,
    );
    write_file(
        &dir.join(format!("sub/{tag}.txt")),
        tag.as_bytes(),
        0o600,
        mtime + 1,
    );
    fs::hard_link(
        dir.join(format!("sub/{tag}.txt")),
        dir.join(format!("sub/{tag}.link")),
    )
    .unwrap();
    symlink(format!("sub/{tag}.txt"), dir.join(format!("{tag}.sym"))).unwrap();
    set_dir(&dir.join("sub"), 0o755, mtime + 2);
}

// ---------------------------------------------------------------- discburn runs

/// The last JSON object a `--json` run printed.
fn json_of(out: &testkit::CmdOutput) -> serde_json::Value {
    assert!(out.success(), "{out}");
    let line = out.stdout.lines().last().unwrap_or("");
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// `(number, start_lba, blocks, volume_name)` of every session `discburn info` lists.
fn info_sessions(image: &Path) -> Vec<(u64, u64, u64, String)> {
    let info = json_of(&run(discburn()
        .args(["--json", "info", "--target"])
        .arg(image)));
    info["sessions"]
        .as_array()
        .expect("sessions[]")
        .iter()
        .map(|s| {
            (
                s["number"].as_u64().unwrap(),
                s["start_lba"].as_u64().unwrap(),
                s["blocks"].as_u64().unwrap(),
                s["volume_name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// `discburn ls --json -R [--session N]`: path → entry object.
fn discburn_ls(image: &Path, session: Option<u32>) -> BTreeMap<String, serde_json::Value> {
    let mut c = discburn();
    c.args(["--json", "ls", "-R", "--target"]).arg(image);
    if let Some(n) = session {
        c.args(["--session", &n.to_string()]);
    }
    let json = json_of(&run(&mut c));
    json["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| (e["path"].as_str().unwrap().to_string(), e.clone()))
        .collect()
}

/// Rock Ridge inode number (PX serial) of `path` in session `session`, per `discburn ls`.
fn inode(image: &Path, session: u32, path: &str) -> u64 {
    discburn_ls(image, Some(session))[path]["inode"]
        .as_u64()
        .unwrap_or_else(|| panic!("{path}: no inode in discburn ls --json"))
}

// ---------------------------------------------------------------- readers

#[track_caller]
fn assert_tree(expected: &Snapshot, actual: &Snapshot, options: &CompareOptions, what: &str) {
    if let Err(diff) = compare(expected, actual, options) {
        panic!("{what}: {diff}");
    }
}

fn fresh_dir(path: &Path) -> PathBuf {
    let _ = fs::remove_dir_all(path);
    fs::create_dir_all(path).unwrap();
    path.to_path_buf()
}

/// `(index, sbsector, blocks, volume id)` of each `ISO session` line of `xorriso -toc`.
fn xorriso_toc(image: &Path) -> Vec<(u64, u64, u64, String)> {
    let out = run(cmd("xorriso", ["-indev"]).arg(image).arg("-toc"));
    assert!(out.success(), "{out}");
    let text = format!("{}{}", out.stdout, out.stderr);
    text.lines()
        .filter_map(|l| l.strip_prefix("ISO session  :"))
        .map(|rest| {
            let f: Vec<&str> = rest.split(',').map(str::trim).collect();
            assert_eq!(f.len(), 4, "xorriso -toc line {rest:?}");
            (
                f[0].parse().unwrap(),
                f[1].parse().unwrap(),
                f[2].trim_end_matches('s').parse().unwrap(),
                f[3].to_string(),
            )
        })
        .collect()
}

/// Checks that `xorriso -toc` and `discburn info` list the same sessions; returns their
/// start LBAs.
#[track_caller]
fn assert_toc_matches_info(image: &Path, sessions: usize) -> Vec<u64> {
    let toc = xorriso_toc(image);
    let info = info_sessions(image);
    assert_eq!(toc.len(), sessions, "xorriso -toc: {toc:?}");
    assert_eq!(
        toc.iter()
            .map(|(n, lba, blocks, _)| (*n, *lba, *blocks))
            .collect::<Vec<_>>(),
        info.iter()
            .map(|(n, lba, blocks, _)| (*n, *lba, *blocks))
            .collect::<Vec<_>>(),
        "xorriso -toc vs discburn info"
    );
    for ((_, _, _, toc_name), (_, _, _, info_name)) in toc.iter().zip(&info) {
        assert_eq!(toc_name.trim_matches('\''), info_name);
    }
    info.iter().map(|s| s.1).collect()
}

/// What `xorriso -load session N -osirrox on -extract / OUT` extracts (`None`: the newest).
fn xorriso_extract(image: &Path, session: Option<usize>, out: &Path) -> Snapshot {
    let out = fresh_dir(out);
    let n = session.map(|n| n.to_string());
    let load = match &n {
        Some(n) => vec!["-load", "session", n],
        None => vec![],
    };
    testkit::images::xorriso_extract(image, &out, &[&["-hardlinks", "on"], &load[..]].concat());
    snapshot(&out).unwrap()
}

fn discburn_extract(image: &Path, session: Option<usize>, out: &Path) -> Snapshot {
    let out = fresh_dir(out);
    let mut c = discburn();
    c.args(["extract", "--target"])
        .arg(image)
        .arg("--output")
        .arg(&out);
    if let Some(n) = session {
        c.args(["--session", &n.to_string()]);
    }
    let result = run(&mut c);
    assert!(result.success(), "{result}");
    snapshot(&out).unwrap()
}

/// xorriso, isoinfo (`-T START`) and discburn (extract and ls) read session `n`
/// (1-based) as `expected`, exactly.
fn check_session(image: &Path, n: usize, expected: &Snapshot, scratch: &Path) {
    let strict = CompareOptions::strict();
    let got = xorriso_extract(image, Some(n), &scratch.join(format!("xorriso-s{n}")));
    assert_tree(
        expected,
        &got,
        &strict,
        &format!("xorriso -load session {n} -extract"),
    );
    let got = discburn_extract(image, Some(n), &scratch.join(format!("discburn-s{n}")));
    assert_tree(
        expected,
        &got,
        &strict,
        &format!("discburn extract --session {n}"),
    );
    // isoinfo reads any session given its start (-T).
    let start = info_sessions(image)[n - 1].1;
    check_isoinfo(image, Some(start), expected);
    let listed: BTreeSet<String> = discburn_ls(image, Some(n as u32)).into_keys().collect();
    assert_same_paths(
        &interop_support::paths(expected),
        &listed,
        &format!("discburn ls -R --session {n}"),
    );
}

/// Paths of `expected` a Joliet reader lists: all but the symlinks (discburn's Joliet
/// tree has none).
fn joliet_view(expected: &Snapshot) -> Snapshot {
    let mut s = expected.clone();
    s.entries.retain(|_, e| e.kind != Kind::Symlink);
    s
}

fn check_newest_xorriso(image: &Path, expected: &Snapshot, scratch: &Path) {
    if !require_tool("xorriso") {
        return;
    }
    let got = xorriso_extract(image, None, &scratch.join("xorriso-newest"));
    assert_tree(
        expected,
        &got,
        &CompareOptions::strict(),
        "xorriso -extract (newest)",
    );
}

/// `isoinfo -R -f` lists the newest tree, `-R -x` reads every file, `-R -l` shows the
/// modes, sizes and symlink targets.
fn check_newest_isoinfo(image: &Path, expected: &Snapshot) {
    check_isoinfo(image, None, expected);
}

/// `isoinfo` arguments for the session at `start` (`-T`), or the newest.
fn isoinfo(args: &[&str], image: &Path, start: Option<u64>) -> std::process::Command {
    let mut c = cmd("isoinfo", args);
    c.arg("-i").arg(image);
    if let Some(start) = start {
        c.args(["-T", &start.to_string()]);
    }
    c
}

/// The isoinfo checks of the tree at session start `start` (`isoinfo -T`), else the newest.
fn check_isoinfo(image: &Path, start: Option<u64>, expected: &Snapshot) {
    if !require_tool("isoinfo") {
        return;
    }
    let what = start.map_or(String::new(), |s| format!(" -T {s}"));
    let listing = run_ok(isoinfo(&["-R", "-f"], image, start));
    let listed: BTreeSet<String> = listing
        .stdout
        .lines()
        .map(|l| l.trim_start_matches('/').to_string())
        .filter(|l| !l.is_empty())
        .collect();
    assert_same_paths(
        &interop_support::paths(expected),
        &listed,
        &format!("isoinfo -R -f{what}"),
    );
    for (path, e) in &expected.entries {
        if e.kind != Kind::File {
            continue;
        }
        let out = run_ok(
            isoinfo(&["-R"], image, start)
                .arg("-x")
                .arg(format!("/{path}")),
        );
        assert_eq!(
            Some(testkit::snapshot::sha256_bytes(&out.stdout_bytes)),
            e.sha256,
            "isoinfo -R{what} -x /{path}: content differs ({} bytes read)",
            out.stdout_bytes.len()
        );
    }
    let long = isoinfo_long_at(image, start);
    for (path, e) in &expected.entries {
        let got = long
            .get(path)
            .unwrap_or_else(|| panic!("isoinfo -R -l{what}: {path} missing"));
        let mode = e.mode
            | match e.kind {
                Kind::Dir => 0o040000,
                Kind::Symlink => 0o120000,
                _ => 0o100000,
            };
        if e.kind != Kind::Symlink {
            assert_eq!(got.mode, mode, "isoinfo -R -l{what}: {path}: mode");
        }
        if e.kind == Kind::File {
            assert_eq!(got.size, e.size, "isoinfo -R -l{what}: {path}: size");
        }
        if e.kind == Kind::Symlink {
            assert_eq!(got.target, e.target, "isoinfo -R -l{what}: {path}: target");
        }
    }
}

/// One line of `isoinfo -R -l`.
#[derive(Debug)]
struct IsoinfoEntry {
    mode: u32,
    size: u64,
    extent: u64,
    target: Option<String>,
}

/// `isoinfo -R -l`: path → mode (type bits included), size, first extent, target.
fn isoinfo_long(image: &Path) -> BTreeMap<String, IsoinfoEntry> {
    isoinfo_long_at(image, None)
}

/// [`isoinfo_long`] of the session at `start` (`-T`), else the newest.
fn isoinfo_long_at(image: &Path, start: Option<u64>) -> BTreeMap<String, IsoinfoEntry> {
    let out = run_ok(isoinfo(&["-R", "-l"], image, start));
    let mut entries = BTreeMap::new();
    let mut dir = String::new();
    for line in out.stdout.lines() {
        if let Some(d) = line.strip_prefix("Directory listing of /") {
            dir = d.trim_end_matches('/').to_string();
            continue;
        }
        // "drwxr-xr-x   3    0    0            2048 Dec  2 2026 [   2583 02]  name "
        let Some((head, tail)) = line.split_once('[') else {
            continue;
        };
        let Some((ext, name)) = tail.split_once(']') else {
            continue;
        };
        let fields: Vec<&str> = head.split_whitespace().collect();
        if fields.len() < 5 {
            continue;
        }
        let name = name.trim_start().trim_end_matches(' ');
        let (name, target) = match name.split_once(" -> ") {
            Some((n, t)) => (n, Some(t.to_string())),
            None => (name, None),
        };
        if name == "." || name == ".." {
            continue;
        }
        let path = if dir.is_empty() {
            name.to_string()
        } else {
            format!("{dir}/{name}")
        };
        entries.insert(
            path,
            IsoinfoEntry {
                mode: parse_mode_string(fields[0]),
                size: fields[4].parse().unwrap_or(0),
                extent: ext.split_whitespace().next().unwrap().parse().unwrap(),
                target,
            },
        );
    }
    entries
}

/// The first `n` whitespace-separated fields of `line`, and the rest (trimmed).
fn split_fields(line: &str, n: usize) -> (Vec<&str>, &str) {
    let mut fields = Vec::new();
    let mut rest = line;
    while fields.len() < n {
        rest = rest.trim_start();
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        fields.push(&rest[..end]);
        rest = &rest[end..];
    }
    (fields, rest.trim())
}

fn parse_mode_string(s: &str) -> u32 {
    let b = s.as_bytes();
    let mut mode = match b[0] {
        b'd' => 0o040000,
        b'l' => 0o120000,
        _ => 0o100000,
    };
    for (i, bit) in [
        0o400, 0o200, 0o100, 0o040, 0o020, 0o010, 0o004, 0o002, 0o001,
    ]
    .iter()
    .enumerate()
    {
        let c = b[1 + i];
        if c != b'-' && c != b'S' && c != b'T' {
            mode |= bit;
        }
    }
    mode
}

fn check_newest_isovfy(image: &Path) {
    if !require_tool("isovfy") {
        return;
    }
    let out = run(cmd("isovfy", [image]));
    assert!(out.success(), "{out}");
    assert_eq!(
        out.stdout.lines().last().unwrap_or(""),
        "No errors found",
        "{out}"
    );
}

/// 7-Zip reads the Joliet tree: names, sizes and contents of everything but symlinks.
fn check_newest_7zz(image: &Path, expected: &Snapshot, scratch: &Path) {
    if !require_tool("7zz") {
        return;
    }
    let out = fresh_dir(&scratch.join("7zz"));
    let result = run(cmd("7zz", ["x", "-y"])
        .arg(format!("-o{}", out.display()))
        .arg(image));
    assert!(result.success(), "{result}");
    let actual = snapshot(&out).unwrap();
    let options = CompareOptions {
        names: NameView::Joliet,
        symlinks: SymlinkCheck::Absent,
        ..CompareOptions::content_only()
    };
    assert_tree(expected, &actual, &options, "7zz x (newest)");
}

fn check_newest_pycdlib(image: &Path, expected: &Snapshot) {
    if !require_python_module("pycdlib") {
        return;
    }
    let actual = pycdlib_snapshot(image);
    let options = CompareOptions {
        hard_links: false,
        file_mtimes: false,
        dir_mtimes: false,
        dir_modes: ModeCheck::Exact,
        ..CompareOptions::strict()
    };
    assert_tree(expected, &actual, &options, "pycdlib walk (newest)");
}

/// libcdio: `iso-info -l` lists the Joliet tree at LBA 16 with sizes; `iso-read`
/// reads each file.
fn check_newest_libcdio(image: &Path, expected: &Snapshot, scratch: &Path) {
    if !require_tool("iso-info") {
        return;
    }
    let out = run_ok(cmd("iso-info", ["--no-header", "-l", "-i"]).arg(image));
    let mut listed: BTreeMap<String, (char, u64)> = BTreeMap::new();
    let mut dir = String::new();
    for line in out.stdout.lines() {
        if line.starts_with('/') && line.ends_with(':') {
            dir = line.trim_end_matches(':').trim_matches('/').to_string();
            continue;
        }
        // "  - [LSN   2554]         3 Dec 02 2026 18:20:34  a.txt"
        let Some((head, tail)) = line.split_once(']') else {
            continue;
        };
        let kind = head.trim_start().chars().next().unwrap_or(' ');
        // SIZE MON DD YYYY HH:MM:SS NAME
        let (fields, name) = split_fields(tail, 5);
        if fields.len() < 5 {
            continue;
        }
        if name == "." || name == ".." {
            continue;
        }
        let path = if dir.is_empty() {
            name.to_string()
        } else {
            format!("{dir}/{name}")
        };
        listed.insert(path, (kind, fields[0].parse().unwrap_or(0)));
    }
    let want = joliet_view(expected);
    assert_same_paths(
        &interop_support::paths(&want),
        &listed.keys().cloned().collect(),
        "iso-info -l",
    );
    for (path, e) in &want.entries {
        let (kind, size) = listed[path];
        match e.kind {
            Kind::Dir => assert_eq!(kind, 'd', "iso-info -l: {path}"),
            _ => {
                assert_eq!(kind, '-', "iso-info -l: {path}");
                assert_eq!(size, e.size, "iso-info -l: {path}: size");
            }
        }
    }
    if !require_tool("iso-read") {
        return;
    }
    let out = scratch.join("iso-read.out");
    for (path, e) in &want.entries {
        if e.kind != Kind::File {
            continue;
        }
        run_ok(
            cmd("iso-read", ["-i"])
                .arg(image)
                .arg("-e")
                .arg(format!("/{path}"))
                .arg("-o")
                .arg(&out),
        );
        let data = fs::read(&out).unwrap();
        assert_eq!(
            Some(testkit::snapshot::sha256_bytes(&data)),
            e.sha256,
            "iso-read /{path}: content differs ({} bytes read)",
            data.len()
        );
    }
}

/// Every reader of the newest tree: xorriso, isoinfo, isovfy, 7-Zip, pycdlib, libcdio,
/// discburn. `joliet`: the newest session has a Joliet tree (discburn wrote it).
fn check_newest_everywhere(image: &Path, expected: &Snapshot, scratch: &Path, joliet: bool) {
    check_newest_xorriso(image, expected, scratch);
    let got = discburn_extract(image, None, &scratch.join("discburn-newest"));
    assert_tree(
        expected,
        &got,
        &CompareOptions::strict(),
        "discburn extract (newest)",
    );
    check_newest_isoinfo(image, expected);
    check_newest_isovfy(image);
    check_newest_pycdlib(image, expected);
    if joliet {
        check_newest_7zz(image, expected, scratch);
        check_newest_libcdio(image, expected, scratch);
    }
}

// ---------------------------------------------------------------- the fixture

/// Three discburn sessions and the tree each one must show.
struct Grown {
    root: PathBuf,
    image: PathBuf,
    /// Expected tree of session N at index N-1 (directories on the host, and snapshots).
    expected_dirs: Vec<PathBuf>,
    expected: Vec<Snapshot>,
}

impl Grown {
    fn scratch(&self, name: &str) -> PathBuf {
        fresh_dir(&self.root.join("scratch").join(name))
    }
}

fn grown() -> &'static Grown {
    static GROWN: OnceLock<Grown> = OnceLock::new();
    GROWN.get_or_init(|| {
        let root = testkit::static_fixture_dir(env!("CARGO_TARGET_TMPDIR"), "sessions-interop");
        let ThreeSessions {
            sources: srcs,
            expected: e,
        } = ThreeSessions::create(&root, BIG_SIZE);
        let expected: Vec<Snapshot> = e.iter().map(|d| snapshot(d).unwrap()).collect();

        let image = root.join("grown.iso");
        burn_to(&image, &["--volume-name", "S1"], &[&srcs[0]]);
        burn_to(
            &image,
            &["--volume-name", "S2", "--remove", SESSION2_REMOVE],
            &[&srcs[1]],
        );
        burn_to(&image, &["--volume-name", "S3"], &[&srcs[2]]);
        if let Some(keep) = std::env::var_os("DISCBURN_KEEP_IMAGE") {
            let _ = fs::copy(&image, keep);
        }
        Grown {
            root,
            image,
            expected_dirs: e.to_vec(),
            expected,
        }
    })
}

// ---------------------------------------------------------------- tests

#[test]
fn xorriso_toc_lists_three_sessions_where_info_says() {
    if !require_tool("xorriso") {
        return;
    }
    let g = grown();
    let starts = assert_toc_matches_info(&g.image, 3);
    assert_eq!(
        starts[0], 32,
        "session 1 starts after the 64 KiB superblock"
    );
    for w in starts.windows(2) {
        assert!(
            w[1] > w[0] && w[1].is_multiple_of(32),
            "session starts {starts:?}"
        );
    }
    let names: Vec<String> = info_sessions(&g.image).into_iter().map(|s| s.3).collect();
    assert_eq!(names, ["S1", "S2", "S3"]);
}

#[test]
fn every_session_reads_back_exactly_with_xorriso_and_discburn() {
    if !require_tool("xorriso") {
        return;
    }
    let g = grown();
    let scratch = g.scratch("sessions");
    for (i, expected) in g.expected.iter().enumerate() {
        check_session(&g.image, i + 1, expected, &scratch);
    }
    // The default is the newest session.
    let newest = discburn_extract(&g.image, None, &scratch.join("default"));
    assert_tree(
        &g.expected[2],
        &newest,
        &CompareOptions::strict(),
        "discburn extract (no --session)",
    );
}

#[test]
fn the_newest_tree_reads_the_same_with_every_reader() {
    let g = grown();
    check_newest_everywhere(&g.image, &g.expected[2], &g.scratch("newest"), true);
}

#[test]
fn unchanged_files_keep_their_extents_and_inode_numbers() {
    let g = grown();
    let sessions = info_sessions(&g.image);
    let (s2, s3) = (sessions[1].1, sessions[2].1);

    // Rock Ridge inode numbers (PX file serial numbers) per discburn's reader.
    for path in [
        "keep.txt",
        "big.bin",
        "hard/one",
        "hard/two",
        "pair_b",
        "link",
        "docs/readme.txt",
    ] {
        let first = inode(&g.image, 1, path);
        assert_eq!(
            inode(&g.image, 2, path),
            first,
            "{path}: inode in session 2"
        );
        assert_eq!(
            inode(&g.image, 3, path),
            first,
            "{path}: inode in session 3"
        );
    }
    assert_eq!(
        inode(&g.image, 1, "hard/one"),
        inode(&g.image, 1, "hard/two")
    );
    assert_eq!(
        inode(&g.image, 3, "new2/x.bin"),
        inode(&g.image, 2, "new2/x.bin")
    );
    assert_eq!(
        inode(&g.image, 3, "new2/x.bin"),
        inode(&g.image, 3, "new2/y.bin")
    );
    // A replaced path is a new file, with a new number; the other name of its pair keeps the old one.
    assert_ne!(
        inode(&g.image, 2, "replace.txt"),
        inode(&g.image, 1, "replace.txt")
    );
    assert_ne!(inode(&g.image, 2, "pair_a"), inode(&g.image, 1, "pair_a"));
    assert_eq!(inode(&g.image, 2, "pair_b"), inode(&g.image, 1, "pair_a"));
    let ls = discburn_ls(&g.image, Some(1));
    assert_eq!(ls["pair_a"]["nlink"], 2);
    let ls = discburn_ls(&g.image, None);
    assert_eq!(
        ls["pair_b"]["nlink"], 1,
        "pair_b stands alone after session 2"
    );
    assert_eq!(ls["hard/one"]["nlink"], 2);

    // The same numbers through pycdlib's PX record of the newest tree.
    if require_python_module("pycdlib") {
        let script = r#"
import json, sys, pycdlib
iso = pycdlib.PyCdlib(); iso.open(sys.argv[1])
out = {}
for p in sys.argv[2:]:
    rr = iso.get_record(rr_path='/' + p).rock_ridge
    out[p] = rr.dr_entries.px_record.posix_serial_number if rr.dr_entries.px_record else rr.ce_entries.px_record.posix_serial_number
json.dump(out, sys.stdout)
"#;
        let paths = [
            "keep.txt",
            "big.bin",
            "hard/one",
            "hard/two",
            "replace.txt",
            "new2/x.bin",
        ];
        let out = run_ok(cmd("python3", ["-c", script]).arg(&g.image).args(paths));
        let px: BTreeMap<String, u64> = serde_json::from_str(&out.stdout).unwrap();
        for p in paths {
            let first_session = if p.starts_with("new2") || p == "replace.txt" {
                2
            } else {
                1
            };
            assert_eq!(
                px[p],
                inode(&g.image, first_session, p),
                "{p}: pycdlib's PX serial of the newest tree vs discburn's session {first_session}"
            );
        }
    }

    // Extents: old files point below the session that re-lists them; new ones lie inside it.
    if require_tool("isoinfo") {
        let long = isoinfo_long(&g.image);
        for path in [
            "keep.txt",
            "big.bin",
            "hard/one",
            "hard/two",
            "pair_b",
            "docs/readme.txt",
        ] {
            assert!(
                long[path].extent < s2,
                "{path}: extent {} not below session 2 at {s2}",
                long[path].extent
            );
        }
        for path in [
            "replace.txt",
            "pair_a",
            "docs/added.txt",
            "new2/x.bin",
            "new2/y.bin",
        ] {
            let extent = long[path].extent;
            assert!(
                (s2..s3).contains(&extent),
                "{path}: extent {extent} not in session 2 ({s2}..{s3})"
            );
        }
        assert_eq!(long["new2/x.bin"].extent, long["new2/y.bin"].extent);
        assert_eq!(long["hard/one"].extent, long["hard/two"].extent);
        assert!(long["later/deep/file.txt"].extent >= s3);
        // Nothing of the big file was copied: session 2 and 3 together are tiny.
        let total: u64 = sessions[1].2 + sessions[2].2;
        assert!(total < 200, "sessions 2 and 3 take {total} blocks");
    }
}

#[test]
fn xorriso_appends_to_a_discburn_image_and_discburn_continues() {
    if !require_tool("xorriso") {
        return;
    }
    let g = grown();
    let scratch = g.scratch("xorriso-on-discburn");
    let image = scratch.join("mixed.iso");
    fs::copy(&g.image, &image).unwrap();
    let src4 = scratch.join("src4");
    let src5 = scratch.join("src5");
    fs::create_dir(&src4).unwrap();
    fs::create_dir(&src5).unwrap();
    make_small(&src4, "xorriso4", 1_400_000_000);
    make_small(&src5, "discburn5", 1_500_000_000);
    let e4 = scratch.join("expected4");
    let e5 = scratch.join("expected5");
    copy_tree(&g.expected_dirs[2], &e4);
    overlay(&src4, &e4.join("x4"));
    copy_tree(&e4, &e5);
    overlay(&src5, &e5);
    let (exp4, exp5) = (snapshot(&e4).unwrap(), snapshot(&e5).unwrap());

    run_ok(
        cmd("xorriso", ["-hardlinks", "on", "-dev"])
            .arg(&image)
            .args(["-volid", "X4", "-map"])
            .arg(&src4)
            .args(["/x4", "-commit"]),
    );
    assert_toc_matches_info(&image, 4);
    for (n, expected) in g.expected.iter().chain([&exp4]).enumerate() {
        check_session(&image, n + 1, expected, &scratch);
    }
    // xorriso's session has no Joliet tree: the Rock Ridge readers judge it.
    check_newest_everywhere(&image, &exp4, &scratch, false);

    let out = burn_to(&image, &["--volume-name", "D5"], &[&src5]);
    assert!(out.contains("session 5"), "{out}");
    let starts = assert_toc_matches_info(&image, 5);
    assert!(starts[4].is_multiple_of(32) && starts[4] > starts[3]);
    for (n, expected) in g.expected.iter().chain([&exp4, &exp5]).enumerate() {
        check_session(&image, n + 1, expected, &scratch);
    }
    check_newest_everywhere(&image, &exp5, &scratch, true);
    // The file xorriso wrote keeps its extent and inode.
    assert_eq!(
        inode(&image, 4, "x4/xorriso4.bin"),
        inode(&image, 5, "x4/xorriso4.bin")
    );
}

#[test]
fn discburn_appends_to_an_xorriso_image() {
    if !require_tool("xorriso") {
        return;
    }
    let g = grown();
    let scratch = g.scratch("discburn-on-xorriso");
    let image = scratch.join("x.iso");
    let srcs: Vec<PathBuf> = (1..=3).map(|n| scratch.join(format!("d{n}"))).collect();
    for (n, s) in srcs.iter().enumerate() {
        fs::create_dir(s).unwrap();
        make_small(s, &format!("d{}", n + 1), 1_000_000_000 + n as u64 * 1000);
    }
    let e: Vec<PathBuf> = (1..=3)
        .map(|n| scratch.join(format!("expected{n}")))
        .collect();
    fs::create_dir(&e[0]).unwrap();
    overlay(&srcs[0], &e[0].join("d1"));
    copy_tree(&e[0], &e[1]);
    overlay(&srcs[1], &e[1].join("d2"));
    copy_tree(&e[1], &e[2]);
    fs::remove_dir_all(e[2].join("d1/sub")).unwrap();
    overlay(&srcs[2], &e[2].join("d3"));
    let expected: Vec<Snapshot> = e.iter().map(|d| snapshot(d).unwrap()).collect();

    run_ok(
        cmd("xorriso", ["-hardlinks", "on", "-outdev"])
            .arg(&image)
            .args(["-volid", "X1", "-map"])
            .arg(&srcs[0])
            .args(["/d1", "-commit"]),
    );
    let commit = run_ok(
        cmd("xorriso", ["-hardlinks", "on", "-dev"])
            .arg(&image)
            .args(["-volid", "X2", "-map"])
            .arg(&srcs[1])
            .args(["/d2", "-commit"]),
    );
    // xorriso pads its session with 300 KiB that belong to no session.
    let text = format!("{}{}", commit.stdout, commit.stderr);
    assert!(text.contains("Written to medium"), "{text}");
    let before = assert_toc_matches_info(&image, 2);
    let graft = format!("/d3={}", srcs[2].display());
    burn_to(
        &image,
        &["--volume-name", "D3", "--remove", "/d1/sub", &graft],
        &[],
    );
    let starts = assert_toc_matches_info(&image, 3);
    assert_eq!(&starts[..2], &before[..]);
    let sessions = info_sessions(&image);
    assert_eq!(
        starts[2],
        (sessions[1].1 + sessions[1].2).div_ceil(32) * 32,
        "discburn's session follows xorriso's chain at the next 32-block boundary"
    );
    for (n, expected) in expected.iter().enumerate() {
        check_session(&image, n + 1, expected, &scratch);
    }
    check_newest_everywhere(&image, &expected[2], &scratch, true);
    assert_eq!(inode(&image, 2, "d1/d1.bin"), inode(&image, 3, "d1/d1.bin"));
}

#[test]
fn discburn_appends_to_a_genisoimage_image() {
    if !require_tool("genisoimage") {
        return;
    }
    let g = grown();
    let scratch = g.scratch("discburn-on-genisoimage");
    let image = scratch.join("g.iso");
    let (g1, g2) = (scratch.join("g1"), scratch.join("g2"));
    fs::create_dir(&g1).unwrap();
    fs::create_dir(&g2).unwrap();
    make_small(&g1, "g1", 1_000_000_000);
    make_small(&g2, "g2", 1_100_000_000);
    let e = scratch.join("expected");
    copy_tree(&g1, &e);
    fs::remove_file(e.join("g1.bin")).unwrap();
    overlay(&g2, &e);
    let expected = snapshot(&e).unwrap();

    run_ok(
        cmd("genisoimage", ["-quiet", "-R", "-J", "-V", "G1", "-o"])
            .arg(&image)
            .arg(&g1),
    );
    let old_blocks = fs::metadata(&image).unwrap().len() / 2048;
    burn_to(
        &image,
        &["--volume-name", "G2", "--remove", "/g1.bin"],
        &[&g2],
    );
    // First session at LBA 0: as after growisofs, one session is visible, the whole image.
    let sessions = info_sessions(&image);
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert_eq!(sessions[0].1, 0);
    if require_tool("xorriso") {
        let toc = xorriso_toc(&image);
        assert_eq!(toc.len(), 1, "{toc:?}");
        assert_eq!((toc[0].1, toc[0].2), (sessions[0].1, sessions[0].2));
        check_session(&image, 1, &expected, &scratch);
    }
    check_newest_everywhere(&image, &expected, &scratch, true);
    if require_tool("isoinfo") {
        // genisoimage's files stay where they were; the new ones lie past the old end.
        let long = isoinfo_long(&image);
        assert!(long["sub/g1.txt"].extent < old_blocks);
        assert!(long["g2.bin"].extent >= old_blocks);
    }
}
