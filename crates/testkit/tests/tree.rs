//! The tricky tree holds what its documentation promises, and a snapshot sees it.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, UNIX_EPOCH};

use testkit::{compare, make_tricky_tree, snapshot, CompareOptions, Kind};

#[test]
fn tricky_tree_snapshot_sees_every_case() {
    let tmp = tempfile::tempdir().unwrap();
    make_tricky_tree(tmp.path()).unwrap();
    let snap = snapshot(tmp.path()).unwrap();
    let e = |p: &str| snap.entries.get(p).unwrap_or_else(|| panic!("{p} missing"));

    assert_eq!(e("sizes/size_2049").size, 2049);
    assert_eq!(e("links/abs").target.as_deref(), Some("/etc/hostname"));
    assert_eq!(e("links/up_multi").kind, Kind::Symlink);
    assert_eq!(e("modes/d2775_setgid").mode, 0o2775);
    assert_eq!(e("modes/m4755_setuid").mode, 0o4755);
    assert_eq!(
        e("deep/d01/d02/d03/d04/d05/d06/d07/d08/d09/d10/d11/d12/leaf.txt").kind,
        Kind::File
    );
    assert_eq!(
        e("hard/second.txt").link_group.as_deref(),
        Some("hard/original.txt")
    );
    assert_eq!(
        e("hard/other/third.txt").link_group.as_deref(),
        Some("hard/original.txt")
    );
    assert_eq!(e("plain.txt").link_group, None);
    assert_eq!(e("times/y1999").mtime, 915_148_800 + 12_345);
    assert_eq!(e("times/old_dir").mtime, 1_000_000_000);
    assert_eq!(e("times/old_dir").kind, Kind::Dir);
    assert!(snap
        .entries
        .keys()
        .any(|k| k.split('/').any(|c| c.len() == 255)));
    assert_ne!(e("sizes/size_2048").sha256, e("sizes/size_2047").sha256);

    // A copy made by cp -a is identical under the strictest comparison...
    let copy = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", tmp.path().display()))
        .arg(copy.path())
        .status()
        .unwrap();
    assert!(status.success());
    let copied = snapshot(copy.path()).unwrap();
    compare(&snap, &copied, &CompareOptions::strict()).unwrap();

    // ...and a changed byte, a lost link, a changed mode and a changed
    // directory mtime are each found.
    std::fs::write(copy.path().join("plain.txt"), b"hello, discburn?").unwrap();
    // (Writing changed its mtime when the clock crossed a second since the tree was
    // made: put it back, so the content is the one change.)
    let plain_mtime = u64::try_from(e("plain.txt").mtime).unwrap();
    std::fs::File::options()
        .write(true)
        .open(copy.path().join("plain.txt"))
        .unwrap()
        .set_modified(UNIX_EPOCH + Duration::from_secs(plain_mtime))
        .unwrap();
    std::fs::remove_file(copy.path().join("links/rel")).unwrap();
    // (Removing the link changed links/'s mtime: put it back, one change each.)
    let links = std::fs::File::open(copy.path().join("links")).unwrap();
    let links_mtime = u64::try_from(e("links").mtime).unwrap();
    links
        .set_modified(UNIX_EPOCH + Duration::from_secs(links_mtime))
        .unwrap();
    let private = copy.path().join("modes/m0600");
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o640)).unwrap();
    let old_dir = std::fs::File::open(copy.path().join("times/old_dir")).unwrap();
    old_dir
        .set_modified(UNIX_EPOCH + Duration::from_secs(1_000_000_001))
        .unwrap();
    let changed = snapshot(copy.path()).unwrap();
    let diff = compare(&snap, &changed, &CompareOptions::strict()).unwrap_err();
    let text = diff.to_string();
    assert!(text.contains("plain.txt: content differs"), "{text}");
    assert!(text.contains("links/rel: missing"), "{text}");
    assert!(
        text.contains("modes/m0600: mode 0600 expected, found 0640"),
        "{text}"
    );
    assert!(
        text.contains("times/old_dir: mtime 1000000000 expected, found 1000000001"),
        "{text}"
    );
    assert_eq!(diff.lines.len(), 4, "{text}");
}
