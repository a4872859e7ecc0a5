//! The writer judged from outside: trees built in a temporary directory are
//! written with `ImageStream`, then checked with isovfy, xorriso (Rock Ridge
//! extraction), isoinfo (-R and -J listings) and discburn's own reader, and
//! for the properties the writer promises (reproducibility, errors on changed
//! sources, sessions at any LBA, multi-extent files, deep relocation).
//! A check whose external tool is missing fails under CI (which installs them all)
//! and is reported as skipped elsewhere (`testkit::require_tool`).

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use fsimage::read::{FileKind, ReadOptions, Volume};
use fsimage::{FileSectorSource, ImageOptions, ImageStream, Tree};
use iso9660::dirrec::{DirectoryRecord, RecordIter};
use iso9660::volume::VolumeDescriptor;
use testkit::require_tool;

fn write(path: &Path, data: &[u8]) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(path, data).unwrap();
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// The tree of the issue: unicode, long names, case-only differences, ISO
/// mapping collisions, 12 levels of directories, empty files and directories,
/// symlinks, hard links and modes.
fn make_tricky_tree(src: &Path) {
    write(&src.join("unicode/Ünïcödé ✓.txt"), b"unicode\n");
    write(&src.join("unicode/日本語.txt"), b"nihongo\n");
    write(&src.join("unicode/emoji 😀.txt"), b"non-BMP\n");
    write(&src.join("long").join("n".repeat(200) + ".txt"), b"200\n");
    write(&src.join("long").join("m".repeat(255)), b"255\n");
    write(
        &src.join("long").join("d".repeat(120)).join("inner.txt"),
        b"in long dir\n",
    );
    write(&src.join("case/README"), b"upper\n");
    write(&src.join("case/readme"), b"lower\n");
    write(&src.join("case/ReadMe"), b"mixed\n");
    write(&src.join("coll/a-b.txt"), b"dash\n");
    write(&src.join("coll/a_b.txt"), b"underscore\n");
    write(&src.join("coll/a b.txt"), b"space\n");
    write(&src.join("coll/trailing."), b"dot\n");
    for i in 0..40 {
        write(
            &src.join(format!(
                "coll/a_very_long_common_prefix_for_names_{i:03}.data"
            )),
            format!("{i}\n").as_bytes(),
        );
    }
    let mut deep = src.join("deep");
    for level in 1..=12 {
        deep = deep.join(format!("level{level:02}"));
    }
    write(&deep.join("bottom.txt"), b"twelve levels down\n");
    write(
        &src.join("deep/level01/level02/level03/level04/level05/level06/level07/at8.txt"),
        b"8\n",
    );
    write(&src.join("empty/empty.txt"), b"");
    fs::create_dir_all(src.join("empty/emptydir")).unwrap();
    fs::create_dir_all(src.join("links")).unwrap();
    symlink("../coll/a-b.txt", src.join("links/rel")).unwrap();
    symlink("/etc/hostname", src.join("links/abs")).unwrap();
    symlink("a/b/../c/./d", src.join("links/multi")).unwrap();
    symlink(
        "x".repeat(300) + "/" + &"y".repeat(300),
        src.join("links/long"),
    )
    .unwrap();
    symlink("nowhere", src.join("links/dangling")).unwrap();
    write(&src.join("hard/one"), b"hard linked data\n");
    fs::hard_link(src.join("hard/one"), src.join("hard/two")).unwrap();
    fs::create_dir_all(src.join("hard/sub")).unwrap();
    fs::hard_link(src.join("hard/one"), src.join("hard/sub/three")).unwrap();
    write(&src.join("modes/private"), b"600\n");
    chmod(&src.join("modes/private"), 0o600);
    write(&src.join("modes/setuid"), b"4755\n");
    chmod(&src.join("modes/setuid"), 0o4755);
    fs::create_dir_all(src.join("modes/sticky")).unwrap();
    chmod(&src.join("modes/sticky"), 0o1777);
    let big: Vec<u8> = (0..300_000u32).flat_map(|i| i.to_le_bytes()).collect();
    write(&src.join("data/big.bin"), &big);
}

fn build_image(tree: Tree, opts: ImageOptions, out: &Path) -> ImageStream {
    let mut image = ImageStream::new(tree, opts).expect("layout");
    let mut file = fs::File::create(out).unwrap();
    let written = image.write_to(&mut file, 64 << 10, |_| {}).expect("stream");
    assert_eq!(written, image.total_bytes());
    assert_eq!(fs::metadata(out).unwrap().len(), image.total_bytes());
    image
}

fn image_of(src: &Path, out: &Path) -> ImageStream {
    let mut tree = Tree::new();
    tree.add_directory_contents(src).unwrap();
    build_image(
        tree,
        ImageOptions {
            volume_name: "TRICKY".into(),
            ..ImageOptions::default()
        },
        out,
    )
}

/// What a host tree holds, for comparison: type, permissions, link target, content.
#[derive(Debug, PartialEq, Eq)]
enum Entry {
    Dir { mode: u32 },
    File { mode: u32, data: Vec<u8> },
    Symlink { target: PathBuf },
    Other { mode: u32 },
}

fn snapshot(root: &Path) -> BTreeMap<String, Entry> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let md = fs::symlink_metadata(&path).unwrap();
            let mode = md.mode() & 0o7777;
            let e = if md.is_dir() {
                stack.push(path.clone());
                Entry::Dir { mode }
            } else if md.is_file() {
                Entry::File {
                    mode,
                    data: fs::read(&path).unwrap(),
                }
            } else if md.file_type().is_symlink() {
                Entry::Symlink {
                    target: fs::read_link(&path).unwrap(),
                }
            } else {
                Entry::Other { mode }
            };
            out.insert(rel, e);
        }
    }
    out
}

fn assert_same_tree(
    expected: &BTreeMap<String, Entry>,
    actual: &BTreeMap<String, Entry>,
    what: &str,
) {
    let missing: Vec<_> = expected
        .keys()
        .filter(|k| !actual.contains_key(*k))
        .collect();
    let extra: Vec<_> = actual
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: missing {missing:?}, unexpected {extra:?}"
    );
    for (path, e) in expected {
        assert_eq!(Some(e), actual.get(path), "{what}: {path} differs");
    }
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().expect("run tool");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn tricky_tree_passes_isovfy_and_xorriso_extracts_it_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    make_tricky_tree(&src);
    let iso = dir.path().join("tricky.iso");
    image_of(&src, &iso);

    if require_tool("isovfy") {
        let (_, text) = run(Command::new("isovfy").arg(&iso));
        assert_eq!(
            text.lines().last(),
            Some("No errors found"),
            "isovfy:\n{text}"
        );
    }
    if require_tool("xorriso") {
        let out = dir.path().join("xorriso");
        let (ok, text) = run(Command::new("xorriso")
            .args(["-osirrox", "on", "-indev"])
            .arg(&iso)
            .args(["-extract", "/"])
            .arg(&out));
        assert!(ok, "xorriso failed:\n{text}");
        // xorriso does not restore the directory permissions of the root.
        assert_same_tree(&snapshot(&src), &snapshot(&out), "xorriso -extract");
    }
}

#[test]
fn isoinfo_sees_rock_ridge_names_links_and_joliet_names() {
    if !require_tool("isoinfo") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    make_tricky_tree(&src);
    let iso = dir.path().join("tricky.iso");
    image_of(&src, &iso);

    let (ok, rr) = run(Command::new("isoinfo").args(["-R", "-l", "-i"]).arg(&iso));
    assert!(ok, "{rr}");
    // Hard links: three names, one extent, link count 3.
    let hard: Vec<&str> = rr
        .lines()
        .filter(|l| l.ends_with(" one ") || l.ends_with(" two ") || l.ends_with(" three "))
        .collect();
    assert_eq!(hard.len(), 3, "{rr}");
    let extent = |l: &str| {
        l.split('[')
            .nth(1)
            .map(|s| s.split_whitespace().next().unwrap_or("").to_string())
    };
    assert!(
        hard.iter().all(|l| extent(l) == extent(hard[0])),
        "hard links differ in extent: {hard:?}"
    );
    assert!(
        hard.iter()
            .all(|l| l.split_whitespace().nth(1) == Some("3")),
        "link count: {hard:?}"
    );
    assert!(rr.contains("multi -> a/b/../c/./d"), "{rr}");
    assert!(rr.contains("abs -> /etc/hostname"), "{rr}");
    assert!(
        rr.contains(&format!("{}.txt", "n".repeat(200))),
        "200-byte NM name missing"
    );
    assert!(rr.contains(&"m".repeat(255)), "255-byte NM name missing");
    assert!(
        rr.contains(&format!("long -> {}/{}", "x".repeat(300), "y".repeat(300))),
        "long SL target"
    );

    let (ok, joliet) = run(Command::new("isoinfo").args(["-J", "-f", "-i"]).arg(&iso));
    assert!(ok, "{joliet}");
    for name in [
        "/case/README",
        "/case/readme",
        "/case/ReadMe",
        "/coll/a b.txt",
        "/coll/trailing.",
        "/data/big.bin",
    ] {
        assert!(
            joliet.lines().any(|l| l == name),
            "Joliet lacks {name}:\n{joliet}"
        );
    }
    assert!(
        !joliet.contains("rr_moved"),
        "rr_moved must not show in Joliet"
    );
    assert!(
        !joliet.contains("/links/"),
        "symlinks are not in the Joliet tree"
    );
    let deep: String = (1..=12).map(|l| format!("/level{l:02}")).collect();
    assert!(
        joliet
            .lines()
            .any(|l| l == format!("/deep{deep}/bottom.txt")),
        "Joliet keeps the deep path"
    );
}

#[test]
fn own_reader_sees_hard_links_deep_dirs_and_hides_the_relocation_directory() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    make_tricky_tree(&src);
    let iso = dir.path().join("tricky.iso");
    image_of(&src, &iso);
    let source = FileSectorSource::new(fs::File::open(&iso).unwrap()).unwrap();
    let mut volume = Volume::open(source, ReadOptions::default()).unwrap();

    let one = volume.stat("/hard/one").unwrap();
    let three = volume.stat("/hard/sub/three").unwrap();
    assert_eq!((one.nlink, three.nlink), (3, 3));
    assert_eq!(one.inode, three.inode);
    assert_ne!(one.inode, volume.stat("/coll/a-b.txt").unwrap().inode);
    // Directory link counts follow POSIX: 2 + subdirectories.
    assert_eq!(volume.stat("/hard").unwrap().nlink, 3);
    assert_eq!(volume.stat("/empty/emptydir").unwrap().nlink, 2);
    assert_eq!(volume.stat("/modes/sticky").unwrap().mode, 0o041777);
    let deep: String = (1..=12).map(|l| format!("/level{l:02}")).collect();
    assert_eq!(
        volume
            .read_file(&format!("/deep{deep}/bottom.txt"))
            .unwrap(),
        b"twelve levels down\n"
    );
    let root = volume.root().clone();
    let names: Vec<String> = volume
        .list_dir(&root)
        .unwrap()
        .iter()
        .map(|n| n.name_lossy())
        .collect();
    assert!(
        !names.iter().any(|n| n == "rr_moved"),
        "rr_moved visible in Rock Ridge: {names:?}"
    );
    let link = volume.stat("/links/long").unwrap();
    assert_eq!(link.kind, FileKind::Symlink);
    assert_eq!(
        link.symlink_target.unwrap(),
        format!("{}/{}", "x".repeat(300), "y".repeat(300)).into_bytes()
    );
}

/// Builds an image of `src`'s contents with `SOURCE_DATE_EPOCH` = `epoch`
/// at `out` and returns its bytes.
fn build_with_epoch(src: &Path, out: &Path, epoch: i64) -> Vec<u8> {
    build_with_epoch_and(src, out, epoch, None)
}

/// [`build_with_epoch`], with a UDF bridge when `udf` is given.
fn build_with_epoch_and(
    src: &Path,
    out: &Path,
    epoch: i64,
    udf: Option<fsimage::UdfOptions>,
) -> Vec<u8> {
    let opts = ImageOptions {
        source_date_epoch: Some(epoch),
        udf,
        ..ImageOptions::default()
    };
    let mut tree = Tree::new();
    tree.add_directory_contents(src).unwrap();
    build_image(tree, opts, out);
    fs::read(out).unwrap()
}

#[test]
fn source_date_epoch_makes_images_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    make_tricky_tree(&src);
    let build = |name: &str| build_with_epoch(&src, &dir.path().join(name), 1_600_000_000);
    let first = build("a.iso");
    // Reading the sources changes their access times; a new file's times are
    // later than the epoch and are clamped.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = build("b.iso");
    assert!(first == second, "two builds with SOURCE_DATE_EPOCH differ");
    let pvd = VolumeDescriptor::parse(&first[16 * 2048..17 * 2048]).unwrap();
    assert_eq!(pvd.creation_date.to_unix(), Some(1_600_000_000));
    assert!(pvd.root_date.to_unix().unwrap() <= 1_600_000_000);
}

/// Access, change and creation times move when something merely reads,
/// chmods or re-creates a source; with `SOURCE_DATE_EPOCH` they must not
/// reach the image (an old file's atime is below the epoch, so clamping alone
/// does not hide a change of it).
#[test]
fn source_date_epoch_ignores_access_change_and_creation_times() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let file = src.join("old.txt");
    write(&file, b"old contents");
    let set_times = |accessed: u64| {
        let times = fs::FileTimes::new()
            .set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000))
            .set_accessed(std::time::UNIX_EPOCH + std::time::Duration::from_secs(accessed));
        fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_times(times)
            .unwrap();
    };
    // With a UDF bridge too: its file entries record the same times.
    let udf = Some(fsimage::UdfOptions::default());
    let build = |name: &str| build_with_epoch_and(&src, &dir.path().join(name), 1_600_000_000, udf);
    set_times(1_100_000_000);
    let first = build("a.iso");
    // Another access time (still before the epoch) and a new ctime.
    set_times(1_200_000_000);
    chmod(&file, 0o600);
    chmod(&file, 0o644);
    let second = build("b.iso");
    assert!(first == second, "atime/ctime leaked into the image");
    // Every TF time of the file is its modification time; in UDF, every
    // time of its file entry.
    for namespace in [None, Some(fsimage::read::Namespace::Udf)] {
        let image = fs::File::open(dir.path().join("a.iso")).unwrap();
        let source = FileSectorSource::new(image).unwrap();
        let options = ReadOptions {
            namespace,
            ..ReadOptions::default()
        };
        let mut volume = Volume::open(source, options).unwrap();
        assert_eq!(
            volume.namespace() == fsimage::read::Namespace::Udf,
            namespace.is_some()
        );
        let stat = volume.stat("/old.txt").unwrap();
        // UDF 2.01's extended file entry has a creation time; Rock Ridge
        // records none under SOURCE_DATE_EPOCH.
        let creation = namespace.map(|_| 1_000_000_000);
        assert_eq!(stat.crtime, creation, "{namespace:?}: {stat:?}");
        for time in [stat.mtime, stat.atime, stat.ctime] {
            assert_eq!(time, Some(1_000_000_000), "{namespace:?}: {stat:?}");
        }
    }
}

#[test]
fn a_source_that_changes_or_vanishes_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write(&src.join("grows"), &[1u8; 5000]);
    write(&src.join("shrinks"), &[2u8; 5000]);
    write(&src.join("vanishes"), &[3u8; 5000]);
    for (victim, change) in [("grows", 1), ("shrinks", 2), ("vanishes", 3)] {
        let mut tree = Tree::new();
        tree.add_directory_contents(&src).unwrap();
        let mut image = ImageStream::new(tree, ImageOptions::default()).unwrap();
        let path = src.join(victim);
        match change {
            1 => write(&path, &[1u8; 7000]),
            2 => write(&path, &[2u8; 100]),
            _ => fs::remove_file(&path).unwrap(),
        }
        let err = image
            .write_to(&mut std::io::sink(), 64 << 10, |_| {})
            .expect_err("must fail");
        let text = err.to_string();
        assert!(
            text.contains(&path.display().to_string()),
            "{victim}: error does not name the file: {text}"
        );
        match (change, err) {
            (
                1 | 2,
                fsimage::WriteError::Source(fsimage::Error::SourceChanged { expected, .. }),
            ) => assert_eq!(expected, 5000),
            (3, fsimage::WriteError::Source(fsimage::Error::SourceVanished { .. })) => {}
            (_, other) => panic!("{victim}: unexpected error {other:?}"),
        }
        // restore for the next round
        write(&path, &[change as u8; 5000]);
    }
}

#[test]
fn a_source_that_changes_while_it_is_read_and_hashed_is_an_error_naming_it() {
    // Large enough that its data is read, and hashed for the checksum array,
    // over several chunks and hashing batches before it changes.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    for (change, found) in [("shrinks", 1_500_000u64), ("grows", 3_000_001)] {
        let path = src.join("big.bin");
        write(&path, &data);
        let mut tree = Tree::new();
        tree.add_directory_contents(&src).unwrap();
        let mut image = ImageStream::new(tree, ImageOptions::default()).unwrap();
        let mut chunk = vec![0u8; 1 << 20];
        // The metadata and the first MiB or so of the file.
        while image.position() < 1_500_000 {
            assert!(image.next_chunk(&mut chunk).unwrap() > 0);
        }
        let file = fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(found).unwrap();
        drop(file);
        let err = loop {
            match image.next_chunk(&mut chunk) {
                Ok(0) => panic!("{change}: the image ended without an error"),
                Ok(_) => {}
                Err(err) => break err,
            }
        };
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{change}: error does not name the file: {err}"
        );
        match err {
            fsimage::Error::SourceChanged { expected, .. } => assert_eq!(expected, 3_000_000),
            other => panic!("{change}: unexpected error {other:?}"),
        }
    }
}

/// Reads the directory records of the root of the ISO (or Joliet) tree from an image's bytes.
fn root_records(image: &[u8], descriptor_lba: usize) -> Vec<(Vec<u8>, u32, u32, u8)> {
    let vd = VolumeDescriptor::parse(&image[descriptor_lba * 2048..(descriptor_lba + 1) * 2048])
        .unwrap();
    let start = vd.root_extent as usize * 2048;
    let extent = &image[start..start + vd.root_data_len as usize];
    RecordIter::new(extent)
        .map(|r| {
            let (_, rec): (usize, DirectoryRecord<'_>) = r.unwrap();
            (rec.file_id.to_vec(), rec.extent, rec.data_len, rec.flags.0)
        })
        .collect()
}

#[test]
fn sessions_can_start_at_any_lba() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write(&src.join("a/b.txt"), b"session at 1000\n");
    symlink("a/b.txt", src.join("link")).unwrap();
    let mut tree = Tree::new();
    tree.add_directory_contents(&src).unwrap();
    let start = 1000u32;
    let mut image = ImageStream::new(
        tree,
        ImageOptions {
            start_lba: start,
            ..ImageOptions::default()
        },
    )
    .unwrap();
    let iso = dir.path().join("later.iso");
    let mut file = fs::File::create(&iso).unwrap();
    file.set_len(u64::from(start) * 2048).unwrap();
    use std::io::{Seek, SeekFrom};
    file.seek(SeekFrom::End(0)).unwrap();
    image.write_to(&mut file, 64 << 10, |_| {}).unwrap();
    drop(file);
    let bytes = fs::read(&iso).unwrap();
    let pvd = VolumeDescriptor::parse(&bytes[(start as usize + 16) * 2048..][..2048]).unwrap();
    // A later session's descriptors count that session's blocks only (ECMA-119
    // has no sessions; libisofs and genisoimage record the session's size).
    assert_eq!(u64::from(pvd.volume_space_size), image.total_blocks());
    assert!(pvd.root_extent > start && pvd.l_path_table > start);

    let source = FileSectorSource::new(fs::File::open(&iso).unwrap()).unwrap();
    let mut volume = Volume::open(
        source,
        ReadOptions {
            session_start: u64::from(start),
            ..ReadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(volume.read_file("/a/b.txt").unwrap(), b"session at 1000\n");
    assert_eq!(
        volume.stat("/link").unwrap().symlink_target.unwrap(),
        b"a/b.txt"
    );

    if require_tool("isoinfo") {
        let (ok, list) = run(Command::new("isoinfo")
            .args(["-R", "-l", "-T", &start.to_string(), "-i"])
            .arg(&iso));
        assert!(ok, "{list}");
        assert!(
            list.contains(" b.txt") && list.contains("link -> a/b.txt"),
            "isoinfo -T {start}:\n{list}"
        );
        let (ok, data) = run(Command::new("isoinfo")
            .args(["-R", "-T", &start.to_string(), "-x", "/a/b.txt", "-i"])
            .arg(&iso));
        assert!(ok && data == "session at 1000\n", "isoinfo -x: {data:?}");
    }
}

#[test]
fn files_over_4gib_get_multi_extent_records_in_both_trees() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir_all(&src).unwrap();
    let big_size = 4500u64 << 20;
    let big = fs::File::create(src.join("huge.bin")).unwrap();
    big.set_len(big_size).unwrap();
    drop(big);
    write(&src.join("small.txt"), b"after the big one\n");
    let mut tree = Tree::new();
    tree.add_directory_contents(&src).unwrap();
    let mut image = ImageStream::new(tree, ImageOptions::default()).unwrap();
    assert_eq!(image.total_blocks(), image.total_bytes() / 2048);
    assert!(image.total_bytes() > big_size);
    // The metadata precedes the data: read only the first blocks of the stream.
    let mut head = vec![0u8; 64 * 2048];
    assert_eq!(image.next_chunk(&mut head).unwrap(), head.len());
    for (descriptor, name) in [
        (16usize, b"HUGE.BIN;1".to_vec()),
        (
            17,
            "huge.bin"
                .encode_utf16()
                .flat_map(|u| u.to_be_bytes())
                .collect(),
        ),
    ] {
        let records: Vec<_> = root_records(&head, descriptor)
            .into_iter()
            .filter(|r| r.0 == name)
            .collect();
        assert_eq!(records.len(), 2, "descriptor {descriptor}: {records:?}");
        let (first, second) = (&records[0], &records[1]);
        assert_eq!(first.3 & 0x80, 0x80, "first extent flagged multi-extent");
        assert_eq!(second.3 & 0x80, 0, "last extent not flagged");
        assert_eq!(first.2, fsimage::MAX_EXTENT_BYTES as u32);
        assert_eq!(u64::from(first.2) + u64::from(second.2), big_size);
        assert_eq!(
            second.1,
            first.1 + (fsimage::MAX_EXTENT_BYTES / 2048) as u32,
            "extents are contiguous"
        );
    }
}

#[test]
fn plain_iso9660_without_extensions_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write(&src.join("Docs/read me.txt"), b"plain\n");
    let mut deep = src.join("deep");
    for level in 1..=10 {
        deep = deep.join(format!("d{level}"));
    }
    write(&deep.join("f.txt"), b"deep\n");
    let mut tree = Tree::new();
    tree.add_directory_contents(&src).unwrap();
    let iso = dir.path().join("plain.iso");
    let opts = ImageOptions {
        joliet: false,
        rock_ridge: false,
        ..ImageOptions::default()
    };
    build_image(tree, opts, &iso);
    if require_tool("isovfy") {
        let (_, text) = run(Command::new("isovfy").arg(&iso));
        assert_eq!(
            text.lines().last(),
            Some("No errors found"),
            "isovfy:\n{text}"
        );
    }
    let source = FileSectorSource::new(fs::File::open(&iso).unwrap()).unwrap();
    let mut volume = Volume::open(source, ReadOptions::default()).unwrap();
    assert_eq!(volume.read_file("/DOCS/READ_ME.TXT").unwrap(), b"plain\n");
    // Without Rock Ridge there is no relocation: the deep path is kept as is.
    let deep_path: String = (1..=10).map(|l| format!("/D{l}")).collect();
    assert_eq!(
        volume
            .read_file(&format!("/DEEP{deep_path}/F.TXT"))
            .unwrap(),
        b"deep\n"
    );
}
