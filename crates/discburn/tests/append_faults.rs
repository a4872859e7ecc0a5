//! Appending a session to an image file loses nothing, whatever goes wrong:
//! a disk that fails at any write (every write boundary in turn), a crash
//! right there (nothing written afterwards), and a torn write (only some of
//! its 2048-byte blocks land) of the superblock at every block. Afterwards
//! the image opens as the old or the new state, never anything else, every
//! earlier session reads back byte-identical (with --udf: the UDF tree too,
//! which turns new only after ISO 9660 does), and a failure the engine
//! survives leaves the file byte-identical to before.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use discburn::image_file::GrowingImage;
use discburn::storage::Storage;
use discburn::{burn, burn_to_target, BurnError, BurnRequest, Quiet, Source};
use fsimage::read::{FileKind, Namespace, ReadOptions, Volume};
use fsimage::FileSectorSource;

const BLOCK: u64 = 2048;

/// How the failing disk fails at its chosen write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// That write fails; later ones work (the engine can undo).
    Transient,
    /// That write fails and nothing reaches the disk afterwards (a crash).
    Crash,
    /// Only the first `blocks` blocks of that write land, then the crash.
    Torn { blocks: u64 },
}

/// What the failing disk saw.
#[derive(Debug, Default)]
struct Journal {
    /// Offset and length of every write (and `set_len`, as length `u64::MAX`).
    writes: Vec<(u64, u64)>,
}

/// A [`Storage`] that fails its `fail_at`-th write (counting from 0).
struct FailingDisk {
    file: File,
    fail_at: Option<usize>,
    fault: Fault,
    crashed: bool,
    journal: Arc<Mutex<Journal>>,
}

impl FailingDisk {
    /// Counts this write; says whether it may go through.
    fn admit(&mut self, offset: u64, len: u64) -> Result<Option<u64>, io::Error> {
        let index = {
            let mut journal = self.journal.lock().unwrap();
            journal.writes.push((offset, len));
            journal.writes.len() - 1
        };
        if self.crashed {
            return Err(io::Error::other("the disk is gone"));
        }
        if Some(index) != self.fail_at {
            return Ok(None);
        }
        match self.fault {
            Fault::Transient => Err(io::Error::other("injected write error")),
            Fault::Crash => {
                self.crashed = true;
                Err(io::Error::other("injected crash"))
            }
            Fault::Torn { blocks } => {
                self.crashed = true;
                Ok(Some(blocks))
            }
        }
    }
}

impl Storage for FailingDisk {
    fn byte_len(&mut self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    fn read_exact_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        self.file.read_exact_at(buf, offset)
    }

    fn write_all_at(&mut self, buf: &[u8], offset: u64) -> io::Result<()> {
        match self.admit(offset, buf.len() as u64)? {
            None => self.file.write_all_at(buf, offset),
            Some(blocks) => {
                let torn = (blocks * BLOCK).min(buf.len() as u64) as usize;
                self.file.write_all_at(&buf[..torn], offset)?;
                Err(io::Error::other("injected torn write"))
            }
        }
    }

    fn sync(&mut self) -> io::Result<()> {
        if self.crashed {
            return Err(io::Error::other("the disk is gone"));
        }
        Ok(())
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        match self.admit(len, u64::MAX)? {
            None => self.file.set_len(len),
            Some(_) => Err(io::Error::other("injected crash")),
        }
    }
}

/// A file tree as read back: path → (kind, content).
type Tree = BTreeMap<String, (FileKind, Vec<u8>)>;

/// The tree of the session at `session_start` in namespace `namespace`
/// (`None`: the richest), or why it does not read.
fn read_tree(
    image: &Path,
    session_start: u64,
    namespace: Option<Namespace>,
) -> Result<Tree, String> {
    let file = File::open(image).map_err(|e| e.to_string())?;
    let source = FileSectorSource::new(file).map_err(|e| e.to_string())?;
    let options = ReadOptions {
        session_start,
        namespace,
        ..ReadOptions::default()
    };
    let mut volume = Volume::open(source, options).map_err(|e| e.to_string())?;
    let root = volume.root().clone();
    let mut tree = Tree::new();
    let mut visit =
        |volume: &mut Volume<FileSectorSource<File>>, path: &str, node: &fsimage::read::Node| {
            let content = if node.stat.kind == FileKind::File {
                let mut data = Vec::new();
                io::Read::read_to_end(&mut volume.open_file(node)?, &mut data).map_err(|e| {
                    fsimage::read::ReadError::Io {
                        what: path.to_string(),
                        lba: 0,
                        source: e,
                    }
                })?;
                data
            } else {
                node.stat.symlink_target.clone().unwrap_or_default()
            };
            tree.insert(path.to_string(), (node.stat.kind, content));
            Ok(true)
        };
    volume
        .walk(&root, "", &mut visit, &mut |_, s| panic!("skipped {s:?}"))
        .map_err(|e| e.to_string())?;
    Ok(tree)
}

/// Paths and sizes, for messages.
fn outline(tree: &Tree) -> String {
    tree.iter()
        .map(|(path, (_, data))| format!("{path} ({} bytes)", data.len()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every session of the image by the chain, with its tree.
fn sessions_of(image: &Path) -> Vec<(u64, Tree)> {
    let file = File::open(image).unwrap();
    let mut source = FileSectorSource::new(file).unwrap();
    let found = fsimage::sessions::scan(&mut source).unwrap();
    found
        .sessions
        .iter()
        .map(|s| (s.start, read_tree(image, s.start, None).unwrap()))
        .collect()
}

fn write_tree(dir: &Path, files: &[(&str, Vec<u8>)]) {
    for (path, data) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, data).unwrap();
    }
}

/// Distinct, non-zero content (zero chunks would be skipped, not written).
fn content(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed | 1)
        .collect()
}

struct Setup {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    base: PathBuf,
    base_bytes: Vec<u8>,
    request: BurnRequest,
}

/// An image of two sessions, and the request for a third that adds,
/// replaces and removes files.
fn setup() -> Setup {
    setup_with(discburn::UdfRequest::default())
}

/// As [`setup`], every session with the UDF bridge `udf` when given.
fn setup_with(udf: discburn::UdfRequest) -> Setup {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().to_path_buf();
    let (s1, s2, s3) = (dir.join("s1"), dir.join("s2"), dir.join("s3"));
    write_tree(
        &s1,
        &[
            ("keep/a.txt", b"first session\n".to_vec()),
            ("keep/big.bin", content(1, 300_000)),
            ("gone/x.txt", b"removed in session 3\n".to_vec()),
        ],
    );
    write_tree(
        &s2,
        &[
            ("two.bin", content(2, 150_000)),
            ("keep/a.txt", b"replaced in two\n".to_vec()),
        ],
    );
    write_tree(
        &s3,
        &[
            ("three.bin", content(3, 200_000)),
            ("two.bin", content(4, 70_000)),
        ],
    );
    let base = dir.join("base.iso");
    for (src, name) in [(&s1, "S1"), (&s2, "S2")] {
        let request = BurnRequest {
            target: base.display().to_string(),
            sources: vec![Source::Path(src.clone())],
            volume_name: Some(name.into()),
            source_date_epoch: Some(1_700_000_000),
            udf,
            ..BurnRequest::default()
        };
        burn(&request, &mut Quiet).unwrap();
    }
    let request = BurnRequest {
        target: base.display().to_string(),
        sources: vec![Source::Path(s3)],
        remove: vec!["/gone".into()],
        volume_name: Some("S3".into()),
        source_date_epoch: Some(1_700_000_000),
        udf,
        ..BurnRequest::default()
    };
    // Padding past the end, as xorriso leaves it (non-zero here, so that
    // losing it shows): an append must put it back when it fails.
    let mut base_bytes = fs::read(&base).unwrap();
    base_bytes.extend(content(7, 150 * BLOCK as usize));
    fs::write(&base, &base_bytes).unwrap();
    Setup {
        _dir: temp,
        dir,
        base,
        base_bytes,
        request,
    }
}

/// Appends the third session to a copy of the base image over a failing
/// disk; returns the copy, the result and the writes the disk saw.
fn append_over(
    setup: &Setup,
    name: &str,
    fail_at: Option<usize>,
    fault: Fault,
) -> (
    PathBuf,
    Result<discburn::BurnReport, BurnError>,
    Vec<(u64, u64)>,
) {
    let copy = setup.dir.join(name);
    fs::write(&copy, &setup.base_bytes).unwrap();
    let journal = Arc::new(Mutex::new(Journal::default()));
    let disk = FailingDisk {
        file: fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&copy)
            .unwrap(),
        fail_at,
        fault,
        crashed: false,
        journal: Arc::clone(&journal),
    };
    let target = GrowingImage::with_storage(&copy, Box::new(disk)).unwrap();
    let result = burn_to_target(Box::new(target), &setup.request, &mut Quiet);
    let writes = journal.lock().unwrap().writes.clone();
    (copy, result, writes)
}

/// The image reads as exactly `old` or exactly `new` (Rock Ridge, and Joliet
/// where the descriptor is there), and its older sessions are untouched.
fn assert_old_or_new(
    image: &Path,
    old: &Tree,
    new: &Tree,
    earlier: &[(u64, Tree)],
    what: &str,
) -> &'static str {
    let now = read_tree(image, 0, None)
        .unwrap_or_else(|e| panic!("{what}: the image does not open: {e}"));
    let state = if &now == old {
        "old"
    } else if &now == new {
        "new"
    } else {
        panic!(
            "{what}: the newest tree is neither the old nor the new one: {}",
            outline(&now)
        )
    };
    // A Joliet reader (Windows) must see the same state, or no Joliet tree.
    if let Ok(joliet) = read_tree(image, 0, Some(Namespace::Joliet)) {
        let expected = if state == "old" { old } else { new };
        assert!(
            &joliet == expected,
            "{what}: Rock Ridge shows the {state} tree, Joliet another: {}",
            outline(&joliet)
        );
    }
    for (start, tree) in earlier {
        let now = read_tree(image, *start, None).unwrap();
        assert!(
            &now == tree,
            "{what}: session at {start} changed: {}",
            outline(&now)
        );
    }
    state
}

#[test]
fn every_failing_write_leaves_the_old_or_the_new_image() {
    let setup = setup();
    let earlier = sessions_of(&setup.base);
    assert_eq!(earlier.len(), 2);
    let old = read_tree(&setup.base, 0, None).unwrap();

    // A clean run: what the new state is, and how many writes it takes.
    let (clean, result, writes) = append_over(&setup, "clean.iso", None, Fault::Crash);
    let report = result.unwrap();
    assert_eq!(report.session, 3);
    assert_eq!(report.removed, vec!["/gone".to_string()]);
    assert_eq!(report.replaced, vec!["/two.bin".to_string()]);
    let new = read_tree(&clean, 0, None).unwrap();
    assert_ne!(old, new);
    assert!(new.contains_key("three.bin") && !new.contains_key("gone"));
    assert_eq!(new["keep/big.bin"].1, content(1, 300_000));
    assert_eq!(sessions_of(&clean).len(), 3);
    let superblock_writes: Vec<usize> = (0..writes.len())
        .filter(|&i| writes[i].1 != u64::MAX && writes[i].0 < 32 * BLOCK)
        .collect();
    assert!(
        !superblock_writes.is_empty(),
        "no superblock write in {writes:?}"
    );
    assert!(writes.len() >= 5, "too few writes to test: {writes:?}");

    let mut states = BTreeMap::new();
    for (fail_at, write) in writes.iter().enumerate() {
        // An error the engine sees and undoes: the file is as before, byte for byte.
        let (image, result, _) =
            append_over(&setup, "transient.iso", Some(fail_at), Fault::Transient);
        assert!(
            result.is_err(),
            "write {fail_at} failed, yet the burn succeeded"
        );
        assert!(
            fs::read(&image).unwrap() == setup.base_bytes,
            "write {fail_at} ({:?}) failed and was undone, yet the file changed",
            *write
        );

        // A crash at that write: nothing written afterwards.
        let what = format!("crash at write {fail_at} {:?}", *write);
        let (image, result, _) = append_over(&setup, "crash.iso", Some(fail_at), Fault::Crash);
        assert!(result.is_err(), "{what}: the burn succeeded");
        let state = assert_old_or_new(&image, &old, &new, &earlier, &what);
        *states.entry(state).or_insert(0) += 1;

        // Torn: the superblock writes land block by block, cut after each.
        if superblock_writes.contains(&fail_at) {
            let blocks = write.1 / BLOCK;
            for landed in 0..blocks {
                let what = format!("{what} torn after {landed} of {blocks} blocks");
                let (image, result, _) = append_over(
                    &setup,
                    "torn.iso",
                    Some(fail_at),
                    Fault::Torn { blocks: landed },
                );
                assert!(result.is_err(), "{what}: the burn succeeded");
                assert_old_or_new(&image, &old, &new, &earlier, &what);
            }
        }
    }
    // Crashes before the superblock leave the old state, after its primary
    // descriptor the new one: both must have been seen.
    assert!(
        states.contains_key("old") && states.contains_key("new"),
        "{states:?}"
    );

    // After a crash in the middle of the data, the next append reclaims the
    // orphan tail and the image is whole.
    let middle = writes.len() / 2;
    let (image, _, _) = append_over(&setup, "crash-then-retry.iso", Some(middle), Fault::Crash);
    let mut retry = setup.request.clone();
    retry.target = image.display().to_string();
    burn(&retry, &mut Quiet).unwrap();
    assert!(read_tree(&image, 0, None).unwrap() == new);
    assert_eq!(sessions_of(&image).len(), 3);

    // A session cut short has no volume descriptors yet (they are written
    // after its data): even with LBA 16 lost, repair finds the old newest
    // session, not the half-written one.
    let (image, _, _) = append_over(&setup, "crash-then-repair.iso", Some(middle), Fault::Crash);
    let file = fs::OpenOptions::new().write(true).open(&image).unwrap();
    file.write_all_at(&vec![0u8; 16 * BLOCK as usize], 16 * BLOCK)
        .unwrap();
    drop(file);
    let report = discburn::repair::repair(image.to_str().unwrap()).unwrap();
    assert_eq!(report.session, 2, "{report:?}");
    assert!(read_tree(&image, 0, None).unwrap() == old);
}

/// The same cuts with `--udf`: the anchor at block 256 is rewritten after
/// the superblock, so a UDF reader (Windows, 7-Zip, `mount -t udf`) sees the
/// old tree or the new one, never anything else, and the new one only once
/// the ISO 9660 side has it too; every earlier session still reads as UDF.
#[test]
fn every_failing_write_leaves_the_old_or_the_new_udf_tree() {
    let setup = setup_with(discburn::UdfRequest {
        add: true,
        ..Default::default()
    });
    let udf = Some(Namespace::Udf);
    let earlier: Vec<(u64, Tree)> = sessions_of(&setup.base)
        .into_iter()
        .map(|(start, _)| (start, read_tree(&setup.base, start, udf).unwrap()))
        .collect();
    assert_eq!(earlier.len(), 2);
    let old = read_tree(&setup.base, 0, udf).unwrap();
    assert_eq!(old, read_tree(&setup.base, 0, None).unwrap());
    let (clean, result, writes) = append_over(&setup, "clean.iso", None, Fault::Crash);
    result.unwrap();
    let new = read_tree(&clean, 0, udf).unwrap();
    assert_ne!(old, new);
    assert_eq!(new, read_tree(&clean, 0, None).unwrap());
    let anchor = u64::from(udf::ANCHOR_BLOCK) * BLOCK;
    // Writes of the superblock or of the anchor block (not `set_len`).
    let covers = |(offset, len): (u64, u64)| {
        len != u64::MAX && (offset < 32 * BLOCK || offset <= anchor && offset + len > anchor)
    };
    assert!(
        writes
            .iter()
            .any(|&(o, l)| l != u64::MAX && o >= 32 * BLOCK && o <= anchor && o + l > anchor),
        "no write of the anchor in {writes:?}"
    );

    let mut states = BTreeMap::new();
    for (fail_at, &write) in writes.iter().enumerate() {
        let (image, result, _) =
            append_over(&setup, "transient.iso", Some(fail_at), Fault::Transient);
        assert!(
            result.is_err(),
            "write {fail_at} failed, yet the burn succeeded"
        );
        assert!(
            fs::read(&image).unwrap() == setup.base_bytes,
            "write {fail_at} ({write:?}) failed and was undone, yet the file changed"
        );
        let mut cuts = vec![(format!("crash at write {fail_at} {write:?}"), Fault::Crash)];
        if covers(write) {
            for landed in 0..write.1 / BLOCK {
                cuts.push((
                    format!("write {fail_at} {write:?} torn after {landed} blocks"),
                    Fault::Torn { blocks: landed },
                ));
            }
        }
        for (what, fault) in cuts {
            let (image, result, _) = append_over(&setup, "cut.iso", Some(fail_at), fault);
            assert!(result.is_err(), "{what}: the burn succeeded");
            let now = read_tree(&image, 0, udf)
                .unwrap_or_else(|e| panic!("{what}: UDF does not open: {e}"));
            let state = if now == old {
                // Cuts after the superblock commit: ISO 9660 new, UDF still old.
                if read_tree(&image, 0, None).unwrap() == new {
                    "old (ISO 9660 new)"
                } else {
                    "old"
                }
            } else if now == new {
                // UDF turns new last: the ISO 9660 side is new already.
                assert!(
                    read_tree(&image, 0, None).unwrap() == new,
                    "{what}: UDF shows the new tree before ISO 9660 does"
                );
                "new"
            } else {
                panic!("{what}: UDF shows neither tree: {}", outline(&now))
            };
            *states.entry(state).or_insert(0) += 1;
            for (start, tree) in &earlier {
                let then = read_tree(&image, *start, udf)
                    .unwrap_or_else(|e| panic!("{what}: UDF session at {start}: {e}"));
                assert!(&then == tree, "{what}: UDF session at {start} changed");
            }
        }
    }
    // The anchor is the last write, so no cut shows UDF new; cuts between
    // the superblock and the anchor show ISO 9660 new and UDF old.
    assert!(
        states.contains_key("old") && states.contains_key("old (ISO 9660 new)"),
        "{states:?}"
    );
    let &(offset, len) = writes.last().unwrap();
    assert!(
        offset == anchor && len == BLOCK,
        "the last write is not the anchor: {writes:?}"
    );
}

#[test]
fn a_damaged_superblock_is_reported_and_repaired_from_the_newest_session() {
    let setup = setup();
    let image = setup.dir.join("damaged.iso");
    fs::write(&image, &setup.base_bytes).unwrap();
    let newest = read_tree(&image, 0, None).unwrap();
    // Zero LBA 16-31: no reader finds the volume any more.
    let file = fs::OpenOptions::new().write(true).open(&image).unwrap();
    file.write_all_at(&vec![0u8; 16 * BLOCK as usize], 16 * BLOCK)
        .unwrap();
    drop(file);
    assert!(read_tree(&image, 0, None).is_err());

    // The session list still finds both sessions, and says LBA 16 is bad.
    let list = discburn::sessions::list_sessions(image.to_str().unwrap()).unwrap();
    assert_eq!(list.sessions.len(), 2);
    assert!(
        list.superblock_problem
            .as_deref()
            .unwrap_or("")
            .contains("LBA 16"),
        "{list:?}"
    );

    // An append refuses to write, and says how to repair.
    let mut request = setup.request.clone();
    request.target = image.display().to_string();
    let err = burn(&request, &mut Quiet).unwrap_err();
    assert!(err.to_string().contains("discburn repair"), "{err}");

    let report = discburn::repair::repair(image.to_str().unwrap()).unwrap();
    assert!(report.repaired);
    assert_eq!(report.session, 2);
    assert_eq!(read_tree(&image, 0, None).unwrap(), newest);
    assert_eq!(
        fs::read(&image).unwrap(),
        setup.base_bytes,
        "the repair rebuilt different bytes"
    );
    // Repairing an intact image changes nothing.
    let again = discburn::repair::repair(image.to_str().unwrap()).unwrap();
    assert!(!again.repaired);
}

#[test]
fn a_second_writer_is_refused_with_the_holder_named() {
    let setup = setup();
    let _first = GrowingImage::open(&setup.base).unwrap();
    let err = match GrowingImage::open(&setup.base) {
        Err(e) => e,
        Ok(_) => panic!("two writers opened one image"),
    };
    let text = err.to_string();
    assert!(text.contains("being written by another process"), "{text}");
    assert!(
        text.contains(&format!("pid {}", std::process::id())),
        "{text}"
    );
}

#[test]
fn unchanged_files_keep_their_extents_inodes_and_links() {
    let setup = setup();
    let image = setup.dir.join("links.iso");
    let src = setup.dir.join("linked");
    write_tree(&src, &[("a", content(9, 5000)), ("d/b", b"b\n".to_vec())]);
    fs::hard_link(src.join("a"), src.join("d/a-link")).unwrap();
    let first = BurnRequest {
        target: image.display().to_string(),
        sources: vec![Source::Path(src.clone())],
        ..BurnRequest::default()
    };
    burn(&first, &mut Quiet).unwrap();
    let stat_of = |path: &str| {
        let file = File::open(&image).unwrap();
        let mut volume =
            Volume::open(FileSectorSource::new(file).unwrap(), ReadOptions::default()).unwrap();
        let node = volume.lookup(path).unwrap();
        (node.stat.inode, node.stat.nlink, node.extents[0].lba)
    };
    let before = [
        stat_of("/a"),
        stat_of("/d/a-link"),
        stat_of("/d/b"),
        stat_of("/d"),
    ];
    let extra = setup.dir.join("extra.txt");
    fs::write(&extra, b"extra\n").unwrap();
    let second = BurnRequest {
        sources: vec![Source::Path(extra)],
        ..first.clone()
    };
    let report = burn(&second, &mut Quiet).unwrap();
    assert_eq!(
        report.imported.as_ref().map(|i| i.namespace),
        Some("rock_ridge")
    );
    let after = [stat_of("/a"), stat_of("/d/a-link"), stat_of("/d/b")];
    // Same data extents (nothing copied), same inode numbers, still two links.
    assert_eq!(&before[..3], &after[..]);
    assert_eq!(after[0].1, 2);
    assert_eq!(after[0].0, after[1].0);
    assert!(after[0].2 < report.start_lba as u64 as u64);
    // The directory keeps its inode too (its records are rewritten).
    assert_eq!(stat_of("/d").0, before[3].0);
    assert!(stat_of("/d").2 >= report.start_lba);
    // A new file's inode is new.
    assert!(![before[0].0, before[2].0, before[3].0].contains(&stat_of("/extra.txt").0));
}

#[test]
fn refusals_before_anything_is_written() {
    let setup = setup();
    let target = setup.base.display().to_string();
    let cases: Vec<(BurnRequest, &str)> = vec![
        (
            BurnRequest {
                target: target.clone(),
                ..BurnRequest::default()
            },
            "nothing to write",
        ),
        (
            BurnRequest {
                target: target.clone(),
                remove: vec!["/not/there".into()],
                ..BurnRequest::default()
            },
            "/not/there",
        ),
        (
            BurnRequest {
                target: target.clone(),
                from_session: Some(7),
                sources: setup.request.sources.clone(),
                ..BurnRequest::default()
            },
            "no session 7",
        ),
    ];
    for (request, expected) in cases {
        let err = burn(&request, &mut Quiet).unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
        assert_eq!(fs::read(&setup.base).unwrap(), setup.base_bytes);
    }
    // --from-session 1: the tree of session 1 plus the new files.
    let mut request = setup.request.clone();
    request.from_session = Some(1);
    request.remove.clear();
    burn(&request, &mut Quiet).unwrap();
    let tree = read_tree(&setup.base, 0, None).unwrap();
    assert_eq!(tree["keep/a.txt"].1, b"first session\n");
    assert!(tree.contains_key("gone/x.txt") && tree.contains_key("three.bin"));
    assert_eq!(tree["two.bin"].1, content(4, 70_000));
}

#[test]
fn a_hostile_volume_size_cannot_aim_the_append_at_existing_data() {
    let setup = setup();
    for size in [1u32, 40, 200, u32::MAX] {
        let image = setup.dir.join("hostile.iso");
        let mut bytes = setup.base_bytes.clone();
        // The LBA-16 copy claims a volume of `size` blocks.
        let at = 16 * BLOCK as usize + 80;
        bytes[at..at + 4].copy_from_slice(&size.to_le_bytes());
        bytes[at + 4..at + 8].copy_from_slice(&size.to_be_bytes());
        fs::write(&image, &bytes).unwrap();
        let mut request = setup.request.clone();
        request.target = image.display().to_string();
        let err = burn(&request, &mut Quiet).unwrap_err();
        assert!(
            err.to_string().contains("nothing was written"),
            "size {size}: {err}"
        );
        assert!(
            fs::read(&image).unwrap() == bytes,
            "size {size}: the image changed"
        );
    }
}

/// A disk that silently changes one byte of what it is asked to write past
/// `corrupt_from`.
struct LyingDisk {
    file: File,
    corrupt_at: u64,
}

impl Storage for LyingDisk {
    fn byte_len(&mut self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    fn read_exact_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        self.file.read_exact_at(buf, offset)
    }

    fn write_all_at(&mut self, buf: &[u8], offset: u64) -> io::Result<()> {
        let mut data = buf.to_vec();
        let end = offset + buf.len() as u64;
        if (offset..end).contains(&self.corrupt_at) {
            data[(self.corrupt_at - offset) as usize] ^= 0x55;
        }
        self.file.write_all_at(&data, offset)
    }

    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        self.file.set_len(len)
    }
}

#[test]
fn a_full_verification_catches_a_disk_that_lies() {
    let setup = setup();
    let start = {
        let file = File::open(&setup.base).unwrap();
        let mut source = FileSectorSource::new(file).unwrap();
        fsimage::sessions::scan(&mut source).unwrap().next_start()
    };
    // A byte of file data of the new session (past its metadata).
    let corrupt_lba = start + 60;
    for (verify, caught) in [
        (discburn::Verify::None, false),
        (discburn::Verify::Quick, false),
        (discburn::Verify::Full, true),
    ] {
        let copy = setup.dir.join("lying.iso");
        fs::write(&copy, &setup.base_bytes).unwrap();
        let disk = LyingDisk {
            file: fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&copy)
                .unwrap(),
            corrupt_at: corrupt_lba * BLOCK + 100,
        };
        let target = GrowingImage::with_storage(&copy, Box::new(disk)).unwrap();
        let mut request = setup.request.clone();
        request.verify = verify;
        let result = burn_to_target(Box::new(target), &request, &mut Quiet);
        match (result, caught) {
            (Err(BurnError::VerifyFailed { lba, .. }), true) => assert_eq!(lba, corrupt_lba),
            (Ok(report), false) => assert_eq!(report.verified, verify),
            (other, _) => panic!("{verify:?}: {other:?}"),
        }
    }
}
