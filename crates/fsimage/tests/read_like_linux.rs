//! The reader gives what the Linux kernel (fs/isofs) gives for records other
//! producers write (issue 8): Rock Ridge SL targets of every shape. The QEMU
//! test `linux_in_the_loop` mounts the same hand-built images in the kernel.

mod read_support;

use std::os::unix::ffi::OsStrExt;

use fsimage::read::FileKind;
use read_support::*;

#[test]
fn symlink_targets_of_every_shape_read_as_linux_reads_them() {
    let mut volume = open(symlink_shapes_image()).unwrap();
    let root = volume.root().clone();
    let listing = volume.read_dir(&root, "/").unwrap();
    assert!(listing.skipped.is_empty(), "{:?}", listing.skipped);
    let shapes = symlink_shapes();
    assert_eq!(listing.entries.len(), shapes.len());
    for (name, _, expected) in &shapes {
        let node = listing
            .entries
            .iter()
            .find(|n| n.name == name.as_bytes())
            .unwrap_or_else(|| panic!("{name} not listed"));
        assert_eq!(node.stat.kind, FileKind::Symlink, "{name}");
        let target = node.stat.symlink_target.as_deref().unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(target),
            expected.as_str(),
            "target of {name}"
        );
        assert_eq!(node.stat.size, expected.len() as u64, "size of {name}");
    }

    // Extraction creates the same targets.
    let dest = tempfile::tempdir().unwrap();
    let report = extract_with_defaults(&mut volume, &[], dest.path()).unwrap();
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!(report.symlinks, shapes.len() as u64);
    for (name, _, expected) in &shapes {
        let target = std::fs::read_link(dest.path().join(name)).unwrap();
        assert_eq!(target.as_os_str().as_bytes(), expected.as_bytes(), "{name}");
    }
}

#[test]
fn a_symlink_with_an_empty_target_is_listed_and_skipped_by_extract() {
    // Linux lists it and fails readlink with EIO (rock.c: no text made is
    // `fail`); discburn lists it and extract skips it, naming the reason.
    let image = symlink_image(&[
        ("empty", empty_target_sl()),
        ("ok", sl_entries(&[&[(0, b"t")]], false)),
    ]);
    let mut volume = open(image).unwrap();
    let node = volume.lookup("empty").unwrap();
    assert_eq!(node.stat.kind, FileKind::Symlink);
    assert_eq!(node.stat.symlink_target.as_deref().unwrap_or_default(), b"");
    let dest = tempfile::tempdir().unwrap();
    let report = extract_with_defaults(&mut volume, &[], dest.path()).unwrap();
    assert_eq!(report.skipped.len(), 1, "{:?}", report.skipped);
    assert!(
        report.skipped[0].path.ends_with("empty"),
        "{:?}",
        report.skipped
    );
    assert!(
        report.skipped[0].reason.contains("symlink target is empty"),
        "{:?}",
        report.skipped
    );
    assert!(std::fs::symlink_metadata(dest.path().join("empty")).is_err());
    assert_eq!(
        std::fs::read_link(dest.path().join("ok"))
            .unwrap()
            .as_os_str(),
        "t"
    );
}

#[test]
fn zisofs_and_zisofs2_files_are_inflated_with_their_real_size() {
    let mut volume = open(zisofs_image()).unwrap();
    for (file, content) in zisofs_files() {
        let node = volume.lookup(&file.name).unwrap();
        assert_eq!(
            node.stat.size,
            content.len() as u64,
            "ls size of {}",
            file.name
        );
        let data = volume.read_file(&file.name).unwrap();
        assert!(data == content, "content of {}", file.name);
    }
    assert_eq!(volume.read_file("plain").unwrap(), b"not compressed\n");
    let dest = tempfile::tempdir().unwrap();
    let report = extract_with_defaults(&mut volume, &[], dest.path()).unwrap();
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    for (file, content) in zisofs_files() {
        let data = std::fs::read(dest.path().join(&file.name)).unwrap();
        assert!(data == content, "extracted {}", file.name);
    }
}

#[test]
fn hostile_zisofs_files_are_clear_per_file_errors() {
    let hostile = hostile_zisofs_files();
    let mut files: Vec<ImageFile> = Vec::new();
    let mut reasons = Vec::new();
    for (file, why) in hostile {
        reasons.push((file.name.clone(), why));
        files.push(file);
    }
    files.push(ImageFile {
        name: "good".into(),
        su: zf_entry(50_000, 15, iso9660::zisofs::Format::V1, false),
        data: zisofs_data(&text(50_000), 15, iso9660::zisofs::Format::V1),
    });
    let image = files_image(&files);
    let mut volume = open(image).unwrap();
    for (name, why) in &reasons {
        let node = volume.lookup(name).unwrap();
        let result = volume
            .open_file(&node)
            .map_err(|e| e.to_string())
            .and_then(|mut r| {
                let mut sink = Vec::new();
                std::io::Read::read_to_end(&mut r, &mut sink).map_err(|e| e.to_string())
            });
        let err = result.expect_err(name);
        assert!(err.contains(why), "{name}: {err:?} does not say {why:?}");
    }
    assert_eq!(volume.read_file("good").unwrap(), text(50_000));

    // Extraction skips each with its reason and writes no partial file.
    let dest = tempfile::tempdir().unwrap();
    let report = extract_with_defaults(&mut volume, &[], dest.path()).unwrap();
    assert_eq!(report.files, 1, "{:?}", report.skipped);
    for (name, why) in &reasons {
        let skipped = report
            .skipped
            .iter()
            .find(|s| &s.path == name)
            .unwrap_or_else(|| panic!("{name} not skipped"));
        assert!(skipped.reason.contains(why), "{name}: {}", skipped.reason);
        assert!(!dest.path().join(name).exists(), "{name} left behind");
    }
    assert_eq!(
        std::fs::read(dest.path().join("good")).unwrap(),
        text(50_000)
    );
}

#[test]
fn zisofs_images_of_xorriso_and_mkzftree_extract_as_their_source() {
    if !testkit::require_tool("xorriso") || !testkit::require_tool("mkzftree") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    zisofs_source(&src);
    let expected = testkit::snapshot(&src).unwrap();
    for image in foreign_zisofs_images(&src, work.path()) {
        let what = image.file_name().unwrap().to_string_lossy().into_owned();
        // The image really holds compressed files (ZF or Z2 entries).
        let bytes = std::fs::read(&image).unwrap();
        let marked = bytes
            .windows(4)
            .filter(|w| (w[..2] == *b"ZF" || w[..2] == *b"Z2") && w[2] == 16)
            .count();
        assert!(marked >= 2, "{what}: {marked} ZF entries");

        let file = std::fs::File::open(&image).unwrap();
        let source = fsimage::FileSectorSource::new(file).unwrap();
        let mut volume =
            fsimage::read::Volume::open(source, fsimage::read::ReadOptions::default()).unwrap();
        for path in ["text.txt", "sub/mixed.bin", "noise.bin", "sub/tiny.txt"] {
            let size = std::fs::metadata(src.join(path)).unwrap().len();
            assert_eq!(
                volume.stat(path).unwrap().size,
                size,
                "{what}: ls size of {path}"
            );
        }
        let dest = work.path().join(format!("{what}.out"));
        let report = extract_with_defaults(&mut volume, &[], &dest).unwrap();
        assert!(report.skipped.is_empty(), "{what}: {:?}", report.skipped);
        let actual = testkit::snapshot(&dest).unwrap();
        testkit::compare::assert_same(
            &expected,
            &actual,
            &testkit::CompareOptions::content_only(),
            &what,
        );
    }
}

#[test]
fn malformed_descriptor_fields_linux_ignores_are_read_as_linux_reads_them() {
    let expected = {
        let mut volume = open(sample_image()).unwrap();
        (
            volume.read_file("hello.txt").unwrap(),
            volume.read_file("moved/deep.txt").unwrap(),
        )
    };
    for (what, at, bytes) in lenient_pvd_cases() {
        let data = pvd_patched(at, &bytes);
        let mut volume = open(data).unwrap_or_else(|e| panic!("{what}: refused: {e}"));
        let got = (
            volume.read_file("hello.txt").unwrap(),
            volume.read_file("moved/deep.txt").unwrap(),
        );
        assert_eq!(got, expected, "{what}");
    }
    // What would make the reader unsafe is still refused: a root outside the image.
    let err = open(root_outside_image())
        .err()
        .expect("root outside the image is refused");
    assert!(err.to_string().contains("outside the image"), "{err}");
}
