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
