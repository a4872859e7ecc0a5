//! Property test: random trees (long, unicode, colliding and byte-garbage names,
//! deep nesting, symlinks with long targets, hard links, empty and non-empty
//! files) are written to memory and read back with discburn's reader through
//! Rock Ridge: every path, type, symlink target, link count and content must
//! come back exactly.

use std::collections::BTreeMap;
use std::io::Cursor;

use fsimage::read::{FileKind, Node, ReadOptions, Volume};
use fsimage::{
    DataSource, Directory, FileSectorSource, ImageOptions, ImageStream, Metadata, NodeId, NodeKind,
    Tree,
};
use proptest::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Expect {
    Dir,
    File { data: Vec<u8>, links: u32 },
    Symlink(Vec<u8>),
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

fn build(
    seed: u64,
    host_file: &std::path::Path,
    host_data: &[u8],
) -> (Tree, BTreeMap<Vec<u8>, Expect>) {
    let mut rng = Rng(seed | 1);
    let mut tree = Tree::new();
    let meta = Metadata::synthetic(0o755, 1_600_000_000);
    let mut expect: BTreeMap<Vec<u8>, Expect> = BTreeMap::new();
    let mut dirs: Vec<(NodeId, Vec<u8>, usize)> = vec![(tree.root(), Vec::new(), 0)];
    let shared = tree.add_content(DataSource::HostFile {
        path: host_file.to_path_buf(),
        size: host_data.len() as u64,
    });
    let mut shared_paths = Vec::new();
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
                let id = tree
                    .add_node(parent, &n, NodeKind::Directory(Directory::default()), meta)
                    .unwrap();
                dirs.push((id, path.clone(), depth + 1));
                expect.insert(path, Expect::Dir);
            }
            2 => {
                let target: Vec<u8> = match rng.below(3) {
                    0 => b"../up/./x".to_vec(),
                    1 => format!("/abs/{}", "t".repeat(rng.below(700) as usize)).into_bytes(),
                    _ => n.clone(),
                };
                tree.add_node(
                    parent,
                    &n,
                    NodeKind::Symlink {
                        target: target.clone(),
                    },
                    meta,
                )
                .unwrap();
                expect.insert(path, Expect::Symlink(target));
            }
            3 => {
                tree.add_node(parent, &n, NodeKind::File { content: shared }, meta)
                    .unwrap();
                shared_paths.push(path.clone());
                expect.insert(
                    path,
                    Expect::File {
                        data: host_data.to_vec(),
                        links: 0,
                    },
                );
            }
            4 => {
                let c = tree.add_content(DataSource::HostFile {
                    path: host_file.to_path_buf(),
                    size: host_data.len() as u64,
                });
                tree.add_node(parent, &n, NodeKind::File { content: c }, meta)
                    .unwrap();
                expect.insert(
                    path,
                    Expect::File {
                        data: host_data.to_vec(),
                        links: 1,
                    },
                );
            }
            _ => {
                let c = tree.add_content(DataSource::Empty);
                tree.add_node(parent, &n, NodeKind::File { content: c }, meta)
                    .unwrap();
                expect.insert(
                    path,
                    Expect::File {
                        data: Vec::new(),
                        links: 1,
                    },
                );
            }
        }
    }
    let links = shared_paths.len() as u32;
    for p in shared_paths {
        expect.insert(
            p,
            Expect::File {
                data: host_data.to_vec(),
                links,
            },
        );
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
            let e = match child.stat.kind {
                FileKind::Dir => {
                    stack.push((child.clone(), p.clone()));
                    Expect::Dir
                }
                FileKind::Symlink => {
                    Expect::Symlink(child.stat.symlink_target.clone().unwrap_or_default())
                }
                FileKind::File => {
                    let mut data = Vec::new();
                    std::io::Read::read_to_end(&mut volume.open_file(&child).unwrap(), &mut data)
                        .unwrap();
                    Expect::File {
                        data,
                        links: child.stat.nlink,
                    }
                }
                other => panic!("unexpected kind {other:?}"),
            };
            out.insert(p, e);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_trees_read_back_exactly(seed in any::<u64>()) {
        let dir = tempfile::tempdir().unwrap();
        let host_file = dir.path().join("data");
        let host_data: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&host_file, &host_data).unwrap();
        let (tree, expect) = build(seed, &host_file, &host_data);
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
