//! The reader on images made by other writers: genisoimage (Rock Ridge +
//! Joliet, Joliet only, plain ISO 9660), xorriso and pycdlib. Each is extracted
//! with `fsimage::read::extract` and compared with the source tree.

use std::fs::File;
use std::path::Path;

use fsimage::read::{extract, ExtractOptions, ExtractReport, Namespace, ReadOptions, Volume};
use fsimage::FileSectorSource;
use testkit::images::{genisoimage, pycdlib_image, xorriso_mkisofs};
use testkit::{
    compare, make_tricky_tree_with, snapshot, CompareOptions, ModeCheck, NameView, Snapshot,
    SymlinkCheck, TrickyOptions,
};

fn open(image: &Path, namespace: Option<Namespace>) -> Volume<FileSectorSource<File>> {
    let source = FileSectorSource::new(File::open(image).unwrap()).unwrap();
    Volume::open(
        source,
        ReadOptions {
            namespace,
            ..ReadOptions::default()
        },
    )
    .unwrap()
}

fn extract_all(image: &Path, namespace: Option<Namespace>, dest: &Path) -> ExtractReport {
    let mut volume = open(image, namespace);
    extract(
        &mut volume,
        &[],
        dest,
        &ExtractOptions::default(),
        &mut |_| {},
    )
    .unwrap()
}

/// `extract_all`, then the snapshot of what it wrote.
fn extracted_snapshot(image: &Path, namespace: Option<Namespace>, dest: &Path) -> Snapshot {
    extract_all(image, namespace, dest);
    snapshot(dest).unwrap()
}

/// Extracts the default namespace, which must skip nothing; the snapshot of what it wrote.
fn extract_cleanly(image: &Path, dest: &Path) -> Snapshot {
    let report = extract_all(image, None, dest);
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    snapshot(dest).unwrap()
}

fn tree(options: TrickyOptions) -> (tempfile::TempDir, Snapshot) {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    make_tricky_tree_with(&src, &options).unwrap();
    let snap = snapshot(&src).unwrap();
    (dir, snap)
}

/// The tricky tree with names Joliet's UCS-2 can hold (no characters outside the BMP).
fn bmp_only_tree() -> (tempfile::TempDir, Snapshot) {
    tree(TrickyOptions {
        bmp_only: true,
        ..TrickyOptions::default()
    })
}

/// Comparison of a Joliet view: contents under the names Joliet holds, no modes.
fn joliet_options(symlinks: SymlinkCheck) -> CompareOptions {
    CompareOptions {
        names: NameView::Joliet,
        symlinks,
        ..CompareOptions::content_only()
    }
}

fn assert_same(expected: &Snapshot, actual: &Snapshot, options: &CompareOptions, what: &str) {
    if let Err(diff) = compare(expected, actual, options) {
        panic!("{what}: {diff}");
    }
}

#[test]
fn genisoimage_rock_ridge_joliet_and_plain_views() {
    if !testkit::require_tool("genisoimage") {
        return;
    }
    let (dir, expected) = bmp_only_tree();
    let image = dir.path().join("g.iso");
    genisoimage(
        &dir.path().join("src"),
        &image,
        &["-R", "-J", "-joliet-long"],
    );

    let volume = open(&image, None);
    assert_eq!(volume.namespace(), Namespace::RockRidge);
    let info = volume.info().clone();
    assert_eq!(
        info.rock_ridge.as_ref().map(|r| r.version.as_str()),
        Some("1.10"),
        "{info:?}"
    );
    assert_eq!(info.joliet_level, Some(3));

    // Rock Ridge: everything, but genisoimage leaves its relocation directory visible.
    let out = dir.path().join("rr");
    let actual = extract_cleanly(&image, &out);
    let options = CompareOptions {
        ignore_actual: vec!["rr_moved".into()],
        ..CompareOptions::strict()
    };
    assert_same(
        &expected,
        &actual,
        &options,
        "genisoimage -R -J, Rock Ridge view",
    );

    // Joliet: names Joliet can hold, symlinks as genisoimage writes them there
    // (empty files), no modes.
    let out = dir.path().join("joliet");
    let actual = extracted_snapshot(&image, Some(Namespace::Joliet), &out);
    let options = joliet_options(SymlinkCheck::EmptyFile);
    assert_same(
        &expected,
        &actual,
        &options,
        "genisoimage -R -J, Joliet view",
    );

    // ISO 9660 names: every file's content is there under some name.
    let out = dir.path().join("iso");
    let actual = extracted_snapshot(&image, Some(Namespace::Iso9660), &out);
    assert_eq!(actual.file_contents(), expected.file_contents());
}

#[test]
fn genisoimage_joliet_only_and_plain_iso_images() {
    if !testkit::require_tool("genisoimage") {
        return;
    }
    let (dir, expected) = bmp_only_tree();
    let src = dir.path().join("src");

    // Joliet only, like Windows writes: picked automatically.
    let image = dir.path().join("j.iso");
    genisoimage(&src, &image, &["-J", "-joliet-long", "-D"]);
    assert_eq!(open(&image, None).namespace(), Namespace::Joliet);
    let out = dir.path().join("j");
    let actual = extracted_snapshot(&image, None, &out);
    let options = joliet_options(SymlinkCheck::Absent);
    assert_same(&expected, &actual, &options, "genisoimage -J");

    // Plain ISO 9660 (level 1 names): contents all there.
    let image = dir.path().join("p.iso");
    genisoimage(&src, &image, &["-D"]);
    let volume = open(&image, None);
    assert_eq!(volume.namespace(), Namespace::Iso9660);
    assert!(volume.info().rock_ridge.is_none() && volume.info().joliet_level.is_none());
    let out = dir.path().join("p");
    let actual = extracted_snapshot(&image, None, &out);
    assert_eq!(actual.file_contents(), expected.file_contents());
}

#[test]
fn xorriso_rock_ridge_full_tree() {
    if !testkit::require_tool("xorriso") {
        return;
    }
    let (dir, expected) = tree(TrickyOptions::default());
    let image = dir.path().join("x.iso");
    xorriso_mkisofs(
        &dir.path().join("src"),
        &image,
        &["-R", "-J", "-joliet-long"],
    );
    let volume = open(&image, None);
    let version = volume.info().rock_ridge.as_ref().map(|r| r.version.clone());
    assert!(
        matches!(version.as_deref(), Some("1.10" | "1.12")),
        "{version:?}"
    );
    let out = dir.path().join("out");
    let actual = extract_cleanly(&image, &out);
    assert_same(
        &expected,
        &actual,
        &CompareOptions::strict(),
        "xorriso -as mkisofs -R -J",
    );

    let out = dir.path().join("joliet");
    let actual = extracted_snapshot(&image, Some(Namespace::Joliet), &out);
    let options = joliet_options(SymlinkCheck::Absent);
    assert_same(&expected, &actual, &options, "xorriso Joliet view");
}

#[test]
fn pycdlib_rock_ridge_109() {
    if !testkit::require_python_module("pycdlib") {
        return;
    }
    let (dir, expected) = bmp_only_tree();
    let image = dir.path().join("py.iso");
    pycdlib_image(&dir.path().join("src"), &image);
    let out = dir.path().join("out");
    let actual = extract_cleanly(&image, &out);
    // pycdlib records its own default modes, its own times and no hard links.
    let options = CompareOptions {
        file_modes: ModeCheck::Ignore,
        dir_modes: ModeCheck::Ignore,
        hard_links: false,
        file_mtimes: false,
        dir_mtimes: false,
        ..CompareOptions::strict()
    };
    assert_same(&expected, &actual, &options, "pycdlib");
}
