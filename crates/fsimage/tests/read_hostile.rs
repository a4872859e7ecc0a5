//! Hand-made hostile and unusual images: the reader must report errors (or
//! skip entries), never panic, hang, allocate by recorded sizes, or write
//! outside the extraction directory.

mod read_support;

use std::path::Path;

use fsimage::read::{extract, ExtractOptions, FileKind, ReadError};
use iso9660::rrip::sl_flags;
use read_support::*;

fn walk_all<S: fsimage::SectorSource>(
    volume: &mut fsimage::read::Volume<S>,
) -> Result<Vec<String>, ReadError> {
    let root = volume.root().clone();
    let mut paths = Vec::new();
    volume.walk(
        &root,
        "",
        &mut |_, p, _| {
            paths.push(p.to_string());
            Ok(true)
        },
        &mut |_, _| {},
    )?;
    Ok(paths)
}

/// Every entry of `dir` (recursively), as relative paths.
fn host_tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            out.push(e.path().strip_prefix(dir).unwrap().display().to_string());
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn plain_tree_multi_extent_and_hard_links() {
    let mut img = Image::new(40, 2048);
    let mut data = vec![b'A'; 2048];
    data.extend(vec![b'B'; 2048]);
    data.extend(b"tail");
    img.put(30, &data[..2048]);
    img.put(33, &data[2048..4096]);
    img.put(36, &data[4096..]);
    img.put(38, b"shared");
    // "big" in three records: 2048 @30, 2048 @33, 4 @36 (ECMA-119 9.1.6 multi-extent).
    img.dir(
        ROOT,
        ROOT,
        &[
            rec(b"BIG.;1", 30, 2048, MULTI, file_su(b"big", 10)),
            rec(b"BIG.;1", 33, 2048, MULTI, file_su(b"big", 10)),
            rec(b"BIG.;1", 36, 4, 0, file_su(b"big", 10)),
            rec(b"H1.;1", 38, 6, 0, {
                let mut s = px(0o100600, 2, 20);
                s.extend(nm(b"h1"));
                s
            }),
            rec(b"H2.;1", 38, 6, 0, {
                let mut s = px(0o100600, 2, 20);
                s.extend(nm(b"h2"));
                s
            }),
        ],
    );
    let mut volume = open(img.data).unwrap();
    let big = volume.lookup("big").unwrap();
    assert_eq!(big.extents.len(), 3);
    assert_eq!(big.stat.size, 4100);
    assert_eq!(volume.read_file("big").unwrap(), data);
    let (h1, h2) = (volume.stat("h1").unwrap(), volume.stat("h2").unwrap());
    assert_eq!((h1.inode, h1.nlink, h1.mode & 0o7777), (20, 2, 0o600));
    assert_eq!(h1.inode, h2.inode);

    let tmp = tempfile::tempdir().unwrap();
    let report = extract_with_defaults(&mut volume, &[], tmp.path()).unwrap();
    assert_eq!(
        (report.files, report.hard_links, report.bytes),
        (2, 1, 4106)
    );
    assert_eq!(std::fs::read(tmp.path().join("big")).unwrap(), data);
    use std::os::unix::fs::MetadataExt;
    let (m1, m2) = (
        std::fs::metadata(tmp.path().join("h1")).unwrap(),
        std::fs::metadata(tmp.path().join("h2")).unwrap(),
    );
    assert_eq!(m1.ino(), m2.ino());
    assert_eq!(m1.mode() & 0o7777, 0o600);
    // Extracting again refuses to overwrite, and --force replaces.
    assert!(matches!(
        extract_with_defaults(&mut volume, &[], tmp.path()),
        Err(ReadError::Exists { .. })
    ));
    extract_forced(&mut volume, &[], tmp.path()).unwrap();
}

#[test]
fn directory_pointing_at_itself_or_an_ancestor_is_a_loop() {
    let mut img = Image::new(30, 2048);
    img.dir(
        ROOT,
        ROOT,
        &[
            rec(b"A", 20, 2048, DIR, dir_su(b"a", 2)),
            rec(b"SELF", ROOT, 2048, DIR, dir_su(b"self", 3)),
        ],
    );
    img.dir(20, ROOT, &[rec(b"UP", ROOT, 2048, DIR, dir_su(b"up", 4))]);
    let mut volume = open(img.data).unwrap();
    let err = walk_all(&mut volume).unwrap_err();
    assert!(matches!(err, ReadError::Loop { lba: 18, .. }), "{err}");
    // Lookups are bounded by the path given.
    assert!(volume.lookup("a/up/a/up/self/a").unwrap().is_dir());

    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("out");
    let report = extract_with_defaults(&mut volume, &[], &dest).unwrap();
    assert!(
        report.skipped.iter().any(|s| s.reason.contains("loop")),
        "{:?}",
        report.skipped
    );
    assert_eq!(
        host_tree(tmp.path())
            .iter()
            .filter(|p| !p.starts_with("out"))
            .count(),
        0
    );
}

#[test]
fn continuation_area_loop_and_out_of_image_are_skipped_entries() {
    let mut img = Image::new(30, 2048);
    // Block 25: a CE entry pointing at itself.
    img.put(25, &ce(25, 0, 28));
    let mut looped = px(0o100644, 1, 5);
    looped.extend(ce(25, 0, 28));
    let mut outside = px(0o100644, 1, 6);
    outside.extend(ce(999_999, 0, 100));
    let mut huge = px(0o100644, 1, 7);
    huge.extend(ce(26, 0, 0xFFFF_FFFF));
    img.dir(
        ROOT,
        ROOT,
        &[
            rec(b"LOOP.;1", 0, 0, 0, looped),
            rec(b"OUT.;1", 0, 0, 0, outside),
            rec(b"HUGE.;1", 0, 0, 0, huge),
            rec(b"OK.;1", 0, 0, 0, file_su(b"ok", 8)),
        ],
    );
    let mut volume = open(img.data).unwrap();
    let root = volume.root().clone();
    let listing = volume.read_dir(&root, "/").unwrap();
    let names: Vec<String> = listing.entries.iter().map(|n| n.name_lossy()).collect();
    assert_eq!(names, ["ok"]);
    let reasons: Vec<&str> = listing.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert!(reasons[0].contains("loop"), "{reasons:?}");
    assert!(reasons[1].contains("outside the image"), "{reasons:?}");
    assert!(reasons[2].contains("exceed"), "{reasons:?}");
}

#[test]
fn huge_and_out_of_image_extents_are_errors() {
    let mut img = Image::new(30, 2048);
    img.dir(
        ROOT,
        ROOT,
        &[
            rec(b"BIG.;1", 20, 0xFFFF_FFFF, 0, file_su(b"big", 2)),
            rec(b"FAR.;1", 0xFFFF_FFF0, 10, 0, file_su(b"far", 3)),
            rec(b"D", 21, 0xFFFF_F800, DIR, dir_su(b"hugedir", 4)),
            rec(b"E", 0xFFFF_FF00, 2048, DIR, dir_su(b"fardir", 5)),
        ],
    );
    let mut volume = open(img.data).unwrap();
    for path in ["big", "far"] {
        let node = volume.lookup(path).unwrap();
        let err = volume.open_file(&node).map(|_| ()).unwrap_err();
        assert!(matches!(err, ReadError::OutOfImage { .. }), "{path}: {err}");
    }
    let err = volume.lookup("hugedir/x").unwrap_err();
    assert!(
        matches!(err, ReadError::Limit { .. } | ReadError::OutOfImage { .. }),
        "{err}"
    );
    let err = volume.lookup("fardir/x").unwrap_err();
    assert!(matches!(err, ReadError::OutOfImage { .. }), "{err}");
    // The root record itself claiming a huge directory.
    let mut img = Image::new(30, 0x7FFF_F800);
    img.dir(ROOT, ROOT, &[]);
    let err = open(img.data).map(|_| ()).unwrap_err();
    assert!(matches!(err, ReadError::Limit { .. }), "{err}");
}

#[test]
fn unsafe_names_are_refused() {
    let mut img = Image::new(30, 2048);
    img.put(20, b"evil");
    img.dir(
        ROOT,
        ROOT,
        &[
            rec(b"A.;1", 20, 4, 0, file_su(b"..", 2)),
            rec(b"B.;1", 20, 4, 0, file_su(b".", 3)),
            rec(b"C.;1", 20, 4, 0, file_su(b"../../escape", 4)),
            rec(b"D.;1", 20, 4, 0, file_su(b"/abs", 5)),
            rec(b"E.;1", 20, 4, 0, file_su(b"nul\0byte", 6)),
            rec(b"F.;1", 20, 4, 0, {
                let mut s = px(0o100644, 1, 7);
                s.extend(nm_flags(iso9660::rrip::nm_flags::PARENT, b""));
                s
            }),
            rec(b"G.;1", 20, 4, 0, file_su(b"fine", 8)),
        ],
    );
    let mut volume = open(img.data).unwrap();
    let root = volume.root().clone();
    let listing = volume.read_dir(&root, "/").unwrap();
    assert_eq!(listing.entries.len(), 1, "{:?}", listing.entries);
    assert_eq!(listing.skipped.len(), 6, "{:?}", listing.skipped);

    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("out");
    let report = extract_with_defaults(&mut volume, &[], &dest).unwrap();
    assert_eq!(report.files, 1);
    assert_eq!(host_tree(tmp.path()), ["out", "out/fine"]);
    // An image path with .. is refused, not resolved outside.
    let report = extract_with_defaults(&mut volume, &["../x"], &dest).unwrap();
    assert_eq!(report.skipped.len(), 1);
}

#[test]
fn symlink_then_entry_through_it_writes_nothing_outside() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().to_str().unwrap().as_bytes().to_vec();
    let mut components: Vec<(u8, &[u8])> = vec![(sl_flags::ROOT, b"")];
    for part in target.split(|&b| b == b'/').filter(|p| !p.is_empty()) {
        components.push((0, part));
    }
    let mut link = px(0o120777, 1, 2);
    link.extend(nm(b"x"));
    link.extend(sl(&components));
    let mut img = Image::new(40, 2048);
    img.put(30, b"evil");
    // `x` is a symlink to the outside directory; then a directory also named
    // `x` holding `evil`; and a directory `y` holding a symlink `z` -> `..`
    // followed by a directory `z` with a file.
    img.dir(
        ROOT,
        ROOT,
        &[
            rec(b"X.;1", 0, 0, 0, link),
            rec(b"XD", 20, 2048, DIR, dir_su(b"x", 3)),
            rec(b"Y", 22, 2048, DIR, dir_su(b"y", 4)),
        ],
    );
    img.dir(20, ROOT, &[rec(b"EVIL.;1", 30, 4, 0, file_su(b"evil", 5))]);
    let mut up = px(0o120777, 1, 6);
    up.extend(nm(b"z"));
    up.extend(sl(&[(sl_flags::PARENT, b"")]));
    img.dir(
        22,
        ROOT,
        &[
            rec(b"Z.;1", 0, 0, 0, up),
            rec(b"ZD", 24, 2048, DIR, dir_su(b"z", 7)),
        ],
    );
    img.dir(24, 22, &[rec(b"EVIL.;1", 30, 4, 0, file_su(b"evil", 8))]);

    let mut volume = open(img.data).unwrap();
    assert_eq!(volume.stat("x").unwrap().kind, FileKind::Symlink);
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("out");
    let report = extract_with_defaults(&mut volume, &[], &dest).unwrap();
    assert_eq!(report.symlinks, 2);
    assert!(
        report
            .skipped
            .iter()
            .any(|s| s.reason.contains("duplicate")),
        "{:?}",
        report.skipped
    );
    // The symlinks exist as symlinks; nothing went through them.
    assert!(std::fs::symlink_metadata(dest.join("x"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_dir(outside.path()).unwrap().count(),
        0,
        "something was written outside"
    );
    assert_eq!(host_tree(tmp.path()), ["out", "out/x", "out/y", "out/y/z"]);
    // Asking for x/evil explicitly fails: x is not a directory in the image.
    assert!(extract_with_defaults(&mut volume, &["x/evil"], &dest).is_err());
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);

    // A destination already holding a symlink where the image has a directory:
    // it is not followed (an error without --force, replaced with it).
    let dest2 = tmp.path().join("out2");
    std::fs::create_dir(&dest2).unwrap();
    std::os::unix::fs::symlink(outside.path(), dest2.join("y")).unwrap();
    let err = extract_with_defaults(&mut volume, &["y"], &dest2).unwrap_err();
    assert!(matches!(err, ReadError::Exists { .. }), "{err}");
    extract_forced(&mut volume, &["y"], &dest2).unwrap();
    assert!(std::fs::symlink_metadata(dest2.join("y")).unwrap().is_dir());
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
}

#[test]
fn relocated_directories_and_cl_cycles() {
    let mut img = Image::new(40, 2048);
    // Root: `deep` is a CL placeholder for the directory at 22; `rr_moved` holds
    // its real record (RE, hidden). `cyc` is a CL pointing back at the root.
    let mut placeholder = px(0o040700, 2, 3);
    placeholder.extend(nm(b"deep"));
    placeholder.extend(cl(22));
    let mut cyc = px(0o040755, 2, 9);
    cyc.extend(nm(b"cyc"));
    cyc.extend(cl(ROOT));
    img.dir(
        ROOT,
        ROOT,
        &[
            rec(b"DEEP.;1", 0, 0, 0, placeholder),
            rec(b"RR_MOVED", 20, 2048, DIR, dir_su(b"rr_moved", 4)),
        ],
    );
    let mut real = dir_su(b"deep", 3);
    real.extend(re());
    img.dir(20, ROOT, &[rec(b"DEEP", 22, 2048, DIR, real)]);
    img.put(30, b"in deep");
    img.dir(22, 20, &[rec(b"F.;1", 30, 7, 0, file_su(b"f", 5))]);
    let mut volume = open(img.data.clone()).unwrap();
    assert_eq!(
        walk_all(&mut volume).unwrap(),
        ["", "deep", "deep/f", "rr_moved"]
    );
    assert_eq!(volume.read_file("deep/f").unwrap(), b"in deep");
    assert_eq!(volume.stat("deep").unwrap().kind, FileKind::Dir);

    // Now add the cycle: walking reaches the root again.
    img.dir(ROOT, ROOT, &[rec(b"CYC.;1", 0, 0, 0, cyc)]);
    let mut volume = open(img.data).unwrap();
    assert!(matches!(walk_all(&mut volume), Err(ReadError::Loop { .. })));
}

#[test]
fn not_an_iso_and_truncated_images() {
    assert!(matches!(
        open(vec![0u8; 2048 * 20]),
        Err(ReadError::NotIso { .. })
    ));
    assert!(matches!(
        open(vec![0u8; 100]),
        Err(ReadError::NotIso { .. })
    ));
    let mut img = Image::new(30, 2048);
    img.dir(ROOT, ROOT, &[]);
    let mut data = img.data;
    data.truncate(18 * 2048); // root directory cut off
    assert!(matches!(open(data), Err(ReadError::OutOfImage { .. })));
}

/// A "wide and deep" tree: `levels` nested directories `D`, each
/// `dir_blocks` long, every block starting with a record `D` (the next
/// directory, in the first block of a directory; a duplicate name elsewhere)
/// and filled with small file records of unique names.
///
/// `overlapping`: directory `k` starts at block `FIRST + k`, so consecutive
/// directories share all but one block: a tiny image then lists the same
/// records again at every level (millions of entries from 64 MiB).
/// Otherwise the directories lie one after the other, as in a real image.
fn wide_and_deep(dir_blocks: u32, levels: u32, name_pad: usize, overlapping: bool) -> Vec<u8> {
    use iso9660::dirrec::DirectoryRecord;
    use iso9660::{DirDate, FileFlags};
    const FIRST: u32 = 40;
    let physical = if overlapping {
        dir_blocks + levels - 1
    } else {
        dir_blocks * levels
    };
    let mut img = Image::new((FIRST + physical) as usize, 2048);
    img.dir(
        ROOT,
        ROOT,
        &[rec(b"D", FIRST, dir_blocks * 2048, DIR, Vec::new())],
    );
    let mut block = vec![0u8; 2048];
    for i in 0..physical {
        // Where this block's leading `D` record points, if anywhere.
        let next_dir = if overlapping {
            (i + 1 < levels).then_some(FIRST + i + 1)
        } else {
            (i % dir_blocks == 0 && i / dir_blocks + 1 < levels)
                .then(|| FIRST + (i / dir_blocks + 1) * dir_blocks)
        };
        block.fill(0);
        let mut at = 0;
        let mut j = 0u32;
        loop {
            let name = format!("F{i:07}X{j:03}{:0>name_pad$}", "");
            let (id, lba, len, flags): (&[u8], u32, u32, u8) = match next_dir {
                Some(lba) if j == 0 => (b"D", lba, dir_blocks * 2048, DIR),
                _ => (name.as_bytes(), FIRST, 0, 0),
            };
            let r = DirectoryRecord {
                ext_attr_len: 0,
                extent: lba,
                data_len: len,
                date: DirDate::from_unix(1_000_000_000),
                flags: FileFlags(flags),
                file_unit_size: 0,
                interleave_gap: 0,
                volume_sequence: 1,
                file_id: id,
                system_use: &[],
            };
            let n = r.buffer_len();
            if at + n > 2048 {
                break;
            }
            r.emit(&mut block[at..at + n]);
            at += n;
            j += 1;
        }
        img.put(FIRST + i, &block);
    }
    img.data
}

fn open_with(
    data: Vec<u8>,
    limits: fsimage::read::Limits,
) -> fsimage::read::Volume<fsimage::FileSectorSource<std::io::Cursor<Vec<u8>>>> {
    let source = fsimage::FileSectorSource::new(std::io::Cursor::new(data)).unwrap();
    fsimage::read::Volume::open(
        source,
        fsimage::read::ReadOptions {
            limits,
            ..fsimage::read::ReadOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn overlapping_directories_are_refused() {
    let data = wide_and_deep(8, 40, 0, true);
    let mut volume = open(data).unwrap();
    let err = walk_all(&mut volume).unwrap_err();
    assert!(
        matches!(&err, ReadError::Corrupt { path, lba: 41, reason, .. } if path == "D/D" && reason.contains("overlaps")),
        "{err}"
    );
    // Extraction skips the overlapping directory and goes on.
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("out");
    let report = extract_with_defaults(&mut volume, &[], &dest).unwrap();
    assert!(
        report
            .skipped
            .iter()
            .any(|s| s.path == "D/D" && s.reason.contains("overlaps")),
        "{:?}",
        report.skipped.iter().find(|s| s.path == "D/D")
    );
    assert_eq!(report.dirs, 2, "D and the refused D/D");
    assert!(dest.join("D/F0000000X001").is_file());
}

#[test]
fn wide_and_deep_tree_is_bounded_by_held_entries() {
    use fsimage::read::Limits;
    // 40 levels of 8-block directories of 45 records per block: ~350 entries each.
    let data = wide_and_deep(8, 40, 0, false);
    // The tree is well-formed: the default budget walks it all.
    let mut volume = open(data.clone()).unwrap();
    let paths = walk_all(&mut volume).unwrap();
    assert!(paths.iter().any(|p| p.matches('/').count() >= 35), "deep");
    assert!(paths.len() > 40 * 300, "{} entries", paths.len());

    // With a cap, the walk stops once the open listings would hold more.
    let limits = Limits {
        max_walk_held_entries: 3000,
        ..Limits::default()
    };
    let mut volume = open_with(data.clone(), limits);
    let err = walk_all(&mut volume).unwrap_err();
    assert!(
        matches!(err, ReadError::Limit { what, limit: 3000, .. } if what.contains("held")),
        "{err}"
    );
    // Extraction uses the same budget and stops with the same error.
    let tmp = tempfile::tempdir().unwrap();
    let err = extract_with_defaults(&mut volume, &[], &tmp.path().join("out")).unwrap_err();
    assert!(
        matches!(err, ReadError::Limit { what, .. } if what.contains("held")),
        "{err}"
    );
    // ... and so do the per-walk directory count and byte caps.
    let limits = Limits {
        max_walk_dirs: 10,
        ..Limits::default()
    };
    let mut volume = open_with(data, limits);
    let err = extract_with_defaults(&mut volume, &[], &tmp.path().join("out2")).unwrap_err();
    assert!(
        matches!(err, ReadError::Limit { what, limit: 10, .. } if what.contains("directories")),
        "{err}"
    );
}

/// Writes the full-size wide-and-deep image (64 MiB directories) to
/// `$DISCBURN_WIDE_DEEP_IMAGE`, for measuring `discburn ls -R` / `extract` by hand.
#[test]
#[ignore = "writes a 128 MiB image for manual measurement"]
fn write_full_size_wide_and_deep_image() {
    let Some(path) = std::env::var_os("DISCBURN_WIDE_DEEP_IMAGE") else {
        return;
    };
    // 30 records of 68 bytes per block: ~980 000 entries per directory,
    // just under `max_entries_per_dir`.
    let overlapping = std::env::var_os("DISCBURN_WIDE_DEEP_SEPARATE").is_none();
    let levels = if overlapping { 64 } else { 3 };
    std::fs::write(path, wide_and_deep(32768, levels, 23, overlapping)).unwrap();
}

/// PX with an owner, for the ownership tests.
fn px_owned(mode: u32, serial: u32, uid: u32, gid: u32) -> Vec<u8> {
    use iso9660::rrip::{Entry, PxEntry};
    let e = Entry::Px(PxEntry {
        mode,
        links: 1,
        uid,
        gid,
        serial: Some(serial),
    });
    let mut buf = vec![0u8; e.buffer_len()];
    e.emit(&mut buf);
    buf
}

#[test]
fn extraction_restores_owners_when_asked_and_directory_times_last() {
    use std::os::unix::fs::MetadataExt;
    let mut img = Image::new(40, 2048);
    img.put(30, b"owned data");
    let mut file = px_owned(0o100640, 2, 1234, 5678);
    file.extend(nm(b"f"));
    let mut link = px_owned(0o120777, 3, 2345, 6789);
    link.extend(nm(b"l"));
    link.extend(sl(&[(0, b"f")]));
    let mut dir = px_owned(0o040750, 4, 3456, 7890);
    dir.extend(nm(b"d"));
    img.dir(ROOT, ROOT, &[rec(b"D", 20, 2048, DIR, dir)]);
    img.dir(
        20,
        ROOT,
        &[rec(b"F.;1", 30, 10, 0, file), rec(b"L.;1", 0, 0, 0, link)],
    );
    let root = rustix::process::geteuid().is_root();
    assert_eq!(ExtractOptions::same_owner_by_default(), root);
    let me = (
        rustix::process::geteuid().as_raw(),
        rustix::process::getegid().as_raw(),
    );

    for same_owner in [false, true] {
        if same_owner && !root {
            continue; // only root may give files away
        }
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("out");
        let mut volume = open(img.data.clone()).unwrap();
        let options = ExtractOptions {
            same_owner,
            ..ExtractOptions::default()
        };
        let report = extract(&mut volume, &[], &dest, &options, &mut |_| {}).unwrap();
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        let owner = |p: &str| {
            let m = std::fs::symlink_metadata(dest.join(p)).unwrap();
            (m.uid(), m.gid())
        };
        if same_owner {
            assert_eq!(owner("d"), (3456, 7890));
            assert_eq!(owner("d/f"), (1234, 5678));
            assert_eq!(owner("d/l"), (2345, 6789));
        } else {
            for p in ["d", "d/f", "d/l"] {
                assert_eq!(owner(p), me, "{p}");
            }
        }
        // Modes survive the chown (which may clear set-id bits), and the
        // directory's mtime is the recorded one although files were written into it.
        let meta = std::fs::metadata(dest.join("d")).unwrap();
        assert_eq!(meta.mode() & 0o7777, 0o750);
        assert_eq!(meta.mtime(), 1_000_000_000);
        assert_eq!(
            std::fs::metadata(dest.join("d/f")).unwrap().mode() & 0o7777,
            0o640
        );
        assert_eq!(std::fs::read(dest.join("d/f")).unwrap(), b"owned data");
    }
}

/// A sector source that counts the blocks read through it.
struct CountingSource {
    inner: fsimage::FileSectorSource<std::io::Cursor<Vec<u8>>>,
    blocks_read: std::rc::Rc<std::cell::Cell<u64>>,
}

impl fsimage::SectorSource for CountingSource {
    fn block_count(&self) -> Option<u64> {
        self.inner.block_count()
    }
    fn read_blocks(&mut self, lba: u64, buf: &mut [u8]) -> std::io::Result<()> {
        self.blocks_read
            .set(self.blocks_read.get() + (buf.len() / 2048) as u64);
        self.inner.read_blocks(lba, buf)
    }
}

#[test]
fn many_records_with_maximal_continuation_chains_cost_a_bounded_number_of_reads() {
    use fsimage::read::{Limits, ReadOptions, Volume};
    let hops = Limits::default().max_ce_hops as u32;
    // 300 records, every one starting a chain of CE areas at block 100.
    let records: Vec<Rec> = (0..300u32)
        .map(|i| {
            let mut su = file_su(format!("f{i}").as_bytes(), i + 10);
            su.extend(ce(100, 0, ce(0, 0, 0).len() as u32));
            rec(format!("F{i}.;1").as_bytes(), 0, 0, 0, su)
        })
        .collect();
    let root_len = dir_bytes(ROOT, 2048, ROOT, &root_dot_su(), &records).len();
    assert!(ROOT as usize + root_len / 2048 < 100);
    let mut img = Image::new(100 + hops as usize, root_len as u32);
    assert_eq!(img.dir(ROOT, ROOT, &records) as usize, root_len);
    // Blocks 100..=163: a chain of 64 CE areas, each but the last holding only a
    // CE to the next (a different block every hop: no loop, and within `max_ce_hops`).
    for i in 0..hops - 1 {
        img.put(100 + i, &ce(100 + i + 1, 0, ce(0, 0, 0).len() as u32));
    }

    let blocks_read = std::rc::Rc::new(std::cell::Cell::new(0));
    let source = CountingSource {
        inner: fsimage::FileSectorSource::new(std::io::Cursor::new(img.data)).unwrap(),
        blocks_read: blocks_read.clone(),
    };
    let mut volume = Volume::open(source, ReadOptions::default()).unwrap();
    let root = volume.root().clone();
    let before = blocks_read.get();
    let listing = volume.read_dir(&root, "/").unwrap();
    let reads = blocks_read.get() - before;
    // Unbounded, this is 300 × 64 CE reads; the directory's CE budget is
    // `max_ce_hops` + 2 per record, one block each, plus the directory itself.
    assert!(
        reads <= (root_len / 2048) as u64 + u64::from(hops) + 2 * 300,
        "{reads} blocks read for one directory"
    );
    // The first records got their whole chain (it is legal); the rest are
    // refused with a reason rather than read.
    assert!(!listing.entries.is_empty());
    assert!(
        listing
            .skipped
            .iter()
            .any(|s| s.reason.contains("too many continuation areas")),
        "{:?}",
        listing.skipped.first()
    );
    assert_eq!(listing.entries.len() + listing.skipped.len(), 300);
}

#[test]
fn hard_links_use_the_raw_name_bytes_of_their_first_path() {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let mut img = Image::new(40, 2048);
    img.put(30, b"decoy");
    img.put(31, b"real");
    let linked = |name: &[u8]| {
        let mut su = px(0o100644, 2, 9);
        su.extend(nm(name));
        su
    };
    // "d\xff" (not UTF-8) shows as "d\u{fffd}", which is also the real name of
    // the first directory: the link source must be found by its raw bytes.
    img.dir(
        ROOT,
        ROOT,
        &[
            rec(b"D1", 20, 2048, DIR, dir_su("d\u{fffd}".as_bytes(), 2)),
            rec(b"D2", 22, 2048, DIR, dir_su(b"d\xff", 3)),
        ],
    );
    img.dir(20, ROOT, &[rec(b"A.;1", 30, 5, 0, file_su(b"a", 4))]);
    img.dir(
        22,
        ROOT,
        &[
            rec(b"A.;1", 31, 4, 0, linked(b"a")),
            rec(b"B.;1", 31, 4, 0, linked(b"b")),
        ],
    );
    let mut volume = open(img.data).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("out");
    let report = extract_with_defaults(&mut volume, &[], &dest).unwrap();
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!(report.hard_links, 1);
    let raw = dest.join(std::ffi::OsStr::from_bytes(b"d\xff"));
    assert_eq!(std::fs::read(raw.join("b")).unwrap(), b"real");
    assert_eq!(
        std::fs::metadata(raw.join("a")).unwrap().ino(),
        std::fs::metadata(raw.join("b")).unwrap().ino()
    );
    assert_eq!(std::fs::read(dest.join("d\u{fffd}/a")).unwrap(), b"decoy");
}

#[test]
fn paths_longer_than_the_limit_stop_walks_and_extraction() {
    use fsimage::read::Limits;
    // 120 nested directories named by 150-byte Rock Ridge names: 18 000-byte paths.
    let levels = 120u32;
    let mut img = Image::new(20 + levels as usize + 1, 2048);
    let long = |i: u32| format!("{i:03}{}", "n".repeat(147)).into_bytes();
    img.dir(ROOT, ROOT, &[rec(b"D", 20, 2048, DIR, dir_su(&long(0), 2))]);
    for i in 0..levels {
        let records = if i + 1 < levels {
            vec![rec(b"D", 21 + i, 2048, DIR, dir_su(&long(i + 1), i + 3))]
        } else {
            vec![rec(b"F.;1", 0, 0, 0, file_su(b"f", 1000))]
        };
        img.dir(20 + i, if i == 0 { ROOT } else { 19 + i }, &records);
    }
    let max = Limits::default().max_path_bytes;
    assert!(levels as usize * 151 > max);

    let mut volume = open(img.data.clone()).unwrap();
    let err = walk_all(&mut volume).unwrap_err();
    assert!(
        matches!(&err, ReadError::Limit { what, limit, path } if what.contains("path length") && *limit == max as u64 && path.len() < 300),
        "{err}"
    );
    let tmp = tempfile::tempdir().unwrap();
    let err = extract_with_defaults(&mut volume, &[], &tmp.path().join("out")).unwrap_err();
    assert!(
        matches!(&err, ReadError::Limit { what, .. } if what.contains("path length")),
        "{err}"
    );
    // A larger limit reads the whole chain.
    let limits = Limits {
        max_path_bytes: 64 << 10,
        ..Limits::default()
    };
    let mut volume = open_with(img.data, limits);
    let paths = walk_all(&mut volume).unwrap();
    assert!(paths.iter().any(|p| p.ends_with("/f")));
}
