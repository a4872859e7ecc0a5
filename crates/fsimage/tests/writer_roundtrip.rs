//! Property test: random trees (long, unicode, colliding and byte-garbage names,
//! deep nesting, symlinks with long targets, hard links, empty and non-empty
//! files) are written to memory and read back with discburn's reader through
//! Rock Ridge: every path, type, symlink target, link count, content, mode and
//! time must come back exactly. Every file has its own content and size, and
//! every node its own mode and times, so swapped extents or metadata show.

use std::collections::BTreeMap;
use std::io::Cursor;

use fsimage::read::{FileKind, Node, ReadOptions, Volume};
use fsimage::{
    DataSource, Directory, FileSectorSource, ImageOptions, ImageStream, Metadata, NodeId, NodeKind,
    Tree,
};
use proptest::prelude::*;

#[derive(Clone, PartialEq, Eq)]
enum Kind {
    Dir,
    File { data: Vec<u8>, links: u32 },
    Symlink(Vec<u8>),
}

/// Files show their length and SHA-256, not their bytes.
impl std::fmt::Debug for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Kind::Dir => write!(f, "Dir"),
            Kind::File { data, links } => write!(
                f,
                "File {{ {} bytes, sha256 {}, links {links} }}",
                data.len(),
                &testkit::snapshot::sha256_bytes(data)[..16]
            ),
            Kind::Symlink(target) => write!(f, "Symlink({:?})", String::from_utf8_lossy(target)),
        }
    }
}

/// What one path must read back as.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Expect {
    kind: Kind,
    /// Permission bits (`mode & 0o7777`); not compared for symlinks.
    mode: Option<u32>,
    mtime: Option<i64>,
    atime: Option<i64>,
    ctime: Option<i64>,
}

/// A tiny deterministic generator, so one proptest seed gives one tree.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn name(rng: &mut Rng) -> Vec<u8> {
    let base: Vec<u8> = match rng.below(7) {
        0 => format!("file{}.txt", rng.below(5)).into_bytes(),
        1 => format!("File{}.TXT", rng.below(5)).into_bytes(),
        2 => "ß€日本😀 ".repeat(1 + rng.below(10) as usize).into_bytes(),
        3 => vec![b'L'; 1 + rng.below(255) as usize],
        4 => (0..1 + rng.below(60))
            .map(|_| (rng.below(254) + 1) as u8)
            .map(|b| if b == b'/' { b'_' } else { b })
            .collect(),
        5 => format!("a very long common prefix for collisions {}", rng.below(20)).into_bytes(),
        _ => format!("d{}", rng.below(3)).into_bytes(),
    };
    let mut n = base;
    n.truncate(255);
    if n == b"." || n == b".." {
        n.push(b'x');
    }
    n
}

/// Random metadata: a mode from `modes`, and distinct times between 1906 and 2096.
fn metadata(rng: &mut Rng, modes: &[u32]) -> Metadata {
    let mut time = || rng.below(6_000_000_000) as i64 - 2_000_000_000;
    let (mtime, atime, ctime) = (time(), time(), time());
    Metadata {
        mtime,
        atime,
        ctime,
        ..Metadata::synthetic(modes[rng.below(modes.len() as u64) as usize], 0)
    }
}

const FILE_MODES: [u32; 6] = [0o644, 0o600, 0o755, 0o4755, 0o2750, 0o444];
const DIR_MODES: [u32; 4] = [0o755, 0o700, 0o1777, 0o2775];

fn expect_of(kind: Kind, meta: &Metadata) -> Expect {
    let mode = match kind {
        Kind::Symlink(_) => None,
        _ => Some(meta.mode),
    };
    Expect {
        kind,
        mode,
        mtime: Some(meta.mtime),
        atime: Some(meta.atime),
        ctime: Some(meta.ctime),
    }
}

/// A host file of its own for one content: `len` bytes that differ from every
/// other file's (the file number is mixed into each byte).
fn host_file(dir: &std::path::Path, number: usize, len: usize) -> (std::path::PathBuf, Vec<u8>) {
    let data: Vec<u8> = (0..len)
        .map(|i| {
            (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0]
                ^ (number as u8).wrapping_mul(37)
                ^ (i / 251) as u8
        })
        .collect();
    let path = dir.join(format!("data{number}"));
    std::fs::write(&path, &data).unwrap();
    (path, data)
}

fn build(seed: u64, host_dir: &std::path::Path) -> (Tree, BTreeMap<Vec<u8>, Expect>) {
    let mut rng = Rng(seed | 1);
    let mut tree = Tree::new();
    let mut expect: BTreeMap<Vec<u8>, Expect> = BTreeMap::new();
    let mut dirs: Vec<(NodeId, Vec<u8>, usize)> = vec![(tree.root(), Vec::new(), 0)];
    // One content shared by hard links, with its own data and metadata.
    let (shared_path, shared_data) = host_file(host_dir, 0, 5000);
    let shared = tree.add_content(DataSource::HostFile {
        path: shared_path,
        size: shared_data.len() as u64,
    });
    let shared_meta = metadata(&mut rng, &FILE_MODES);
    let mut shared_paths = Vec::new();
    let mut files = 0;
    for _ in 0..(20 + rng.below(60)) {
        // Half the time go on from the newest directory, so chains get deep
        // enough for relocation (more than 8 levels).
        let pick = if rng.below(2) == 0 {
            dirs.len() - 1
        } else {
            rng.below(dirs.len() as u64) as usize
        };
        let (parent, parent_path, depth) = dirs[pick].clone();
        let n = name(&mut rng);
        let mut path = parent_path.clone();
        path.push(b'/');
        path.extend_from_slice(&n);
        if expect.contains_key(&path) {
            continue;
        }
        match rng.below(6) {
            0 | 1 if depth < 14 => {
                let meta = metadata(&mut rng, &DIR_MODES);
                let id = tree
                    .add_node(parent, &n, NodeKind::Directory(Directory::default()), meta)
                    .unwrap();
                dirs.push((id, path.clone(), depth + 1));
                expect.insert(path, expect_of(Kind::Dir, &meta));
            }
            2 => {
                let target: Vec<u8> = match rng.below(3) {
                    0 => b"../up/./x".to_vec(),
                    1 => format!("/abs/{}", "t".repeat(rng.below(700) as usize)).into_bytes(),
                    _ => n.clone(),
                };
                let meta = metadata(&mut rng, &[0o777]);
                tree.add_node(
                    parent,
                    &n,
                    NodeKind::Symlink {
                        target: target.clone(),
                    },
                    meta,
                )
                .unwrap();
                expect.insert(path, expect_of(Kind::Symlink(target), &meta));
            }
            3 => {
                tree.add_node(parent, &n, NodeKind::File { content: shared }, shared_meta)
                    .unwrap();
                // The link count is known at the end.
                expect.insert(path.clone(), expect_of(Kind::Dir, &shared_meta));
                shared_paths.push(path);
            }
            4 => {
                files += 1;
                // Sizes around block boundaries, and up to a few blocks.
                let len = match rng.below(3) {
                    0 => 2048 * (1 + rng.below(3) as usize),
                    1 => 2047 + rng.below(3) as usize,
                    _ => 1 + rng.below(9000) as usize,
                };
                let (host, data) = host_file(host_dir, files, len);
                let c = tree.add_content(DataSource::HostFile {
                    path: host,
                    size: data.len() as u64,
                });
                let meta = metadata(&mut rng, &FILE_MODES);
                tree.add_node(parent, &n, NodeKind::File { content: c }, meta)
                    .unwrap();
                expect.insert(path, expect_of(Kind::File { data, links: 1 }, &meta));
            }
            _ => {
                let c = tree.add_content(DataSource::Empty);
                let meta = metadata(&mut rng, &FILE_MODES);
                tree.add_node(parent, &n, NodeKind::File { content: c }, meta)
                    .unwrap();
                expect.insert(
                    path,
                    expect_of(
                        Kind::File {
                            data: Vec::new(),
                            links: 1,
                        },
                        &meta,
                    ),
                );
            }
        }
    }
    let links = shared_paths.len() as u32;
    for p in shared_paths {
        let kind = Kind::File {
            data: shared_data.clone(),
            links,
        };
        expect.insert(p, expect_of(kind, &shared_meta));
    }
    (tree, expect)
}

fn read_back(image: Vec<u8>) -> BTreeMap<Vec<u8>, Expect> {
    let source = FileSectorSource::new(Cursor::new(image)).unwrap();
    let mut volume = Volume::open(source, ReadOptions::default()).unwrap();
    let mut out = BTreeMap::new();
    let mut stack: Vec<(Node, Vec<u8>)> = vec![(volume.root().clone(), Vec::new())];
    while let Some((dir, path)) = stack.pop() {
        for child in volume.list_dir(&dir).unwrap() {
            let mut p = path.clone();
            p.push(b'/');
            p.extend_from_slice(&child.name);
            let kind = match child.stat.kind {
                FileKind::Dir => {
                    stack.push((child.clone(), p.clone()));
                    Kind::Dir
                }
                FileKind::Symlink => {
                    Kind::Symlink(child.stat.symlink_target.clone().unwrap_or_default())
                }
                FileKind::File => {
                    let mut data = Vec::new();
                    std::io::Read::read_to_end(&mut volume.open_file(&child).unwrap(), &mut data)
                        .unwrap();
                    Kind::File {
                        data,
                        links: child.stat.nlink,
                    }
                }
                other => panic!("unexpected kind {other:?}"),
            };
            let mode = match kind {
                Kind::Symlink(_) => None,
                _ => Some(child.stat.mode & 0o7777),
            };
            let stat = &child.stat;
            out.insert(
                p,
                Expect {
                    kind,
                    mode,
                    mtime: stat.mtime,
                    atime: stat.atime,
                    ctime: stat.ctime,
                },
            );
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_trees_read_back_exactly(seed in any::<u64>()) {
        let dir = tempfile::tempdir().unwrap();
        let (tree, expect) = build(seed, dir.path());
        prop_assert!(expect.len() >= 10, "generator made only {} entries", expect.len());
        let deepest = expect.keys().map(|k| k.iter().filter(|&&b| b == b'/').count()).max().unwrap_or(0);
        eprintln!("seed {seed}: {} entries, {deepest} levels", expect.len());
        let mut image = ImageStream::new(tree, ImageOptions::default()).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut image, &mut bytes).unwrap();
        prop_assert_eq!(bytes.len() as u64, image.total_bytes());
        let got = read_back(bytes);
        let missing: Vec<String> = expect.keys().filter(|k| !got.contains_key(*k)).map(|k| String::from_utf8_lossy(k).into_owned()).collect();
        let extra: Vec<String> = got.keys().filter(|k| !expect.contains_key(*k)).map(|k| String::from_utf8_lossy(k).into_owned()).collect();
        prop_assert!(missing.is_empty() && extra.is_empty(), "missing {:?} extra {:?}", missing, extra);
        for (path, e) in &expect {
            prop_assert_eq!(Some(e), got.get(path), "{}", String::from_utf8_lossy(path));
        }
    }
}
