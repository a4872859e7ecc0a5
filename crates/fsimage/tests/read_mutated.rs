//! Property test: a valid image with bytes changed in its descriptors,
//! directories and System Use areas never makes the reader panic, hang, or
//! write outside the extraction directory.

mod read_support;

use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::*;

/// Blocks worth mutating in [`read_support::sample_image`]: descriptors (16,
/// 17), directories (18–25) and the continuation area (45).
const HOT_BLOCKS: [usize; 11] = [16, 17, 18, 20, 22, 23, 24, 25, 45, 41, 42];

/// Runs the whole reader on `data`: open, walk, read every file, extract.
/// Returns an error message if something escaped the destination.
fn exercise(data: Vec<u8>) -> Result<(), String> {
    let Ok(mut volume) = read_support::open(data) else {
        return Ok(());
    };
    let root = volume.root().clone();
    let mut files = Vec::new();
    let _ = volume.walk(
        &root,
        "",
        &mut |_, _, node| {
            if node.stat.kind == fsimage::read::FileKind::File {
                files.push(node.clone());
            }
            Ok(true)
        },
        &mut |_, _| {},
    );
    for node in files {
        if let Ok(mut reader) = volume.open_file(&node) {
            // Bounded: the image is small, extents are checked against it.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        }
    }
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dest = tmp.path().join("out");
    let _ = read_support::extract_with_defaults(&mut volume, &[], &dest);
    let outside: Vec<_> = std::fs::read_dir(tmp.path())
        .map_err(|e| e.to_string())?
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    if outside.iter().any(|n| n != "out") {
        return Err(format!(
            "extraction created {outside:?} beside the destination"
        ));
    }
    Ok(())
}

/// Runs `exercise` in a thread and fails if it takes more than 10 s.
fn exercise_bounded(data: Vec<u8>) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(exercise(data));
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            Err("the reader did not finish within 10 s (hang?)".into())
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => Err("the reader panicked".into()),
    }
}

#[test]
fn sample_image_is_read_whole() {
    let mut volume = read_support::open(read_support::sample_image()).unwrap();
    assert_eq!(volume.read_file("big").unwrap().len(), 2048 + 13);
    assert_eq!(volume.read_file("moved/deep.txt").unwrap(), b"deep file");
    assert_eq!(volume.lookup(&"n".repeat(200)).unwrap().stat.size, 12);
    assert_eq!(
        volume.stat("sub/up").unwrap().symlink_target.as_deref(),
        Some(b"../hello.txt".as_slice())
    );
    let tmp = tempfile::tempdir().unwrap();
    let report = read_support::extract_with_defaults(&mut volume, &[], tmp.path()).unwrap();
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!(
        (
            report.files,
            report.hard_links,
            report.symlinks,
            report.dirs
        ),
        (5, 1, 2, 3)
    );
    exercise_bounded(read_support::sample_image()).unwrap();
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Set one byte.
    Byte {
        block: usize,
        offset: usize,
        value: u8,
    },
    /// Set a 4-byte little-endian field (both halves of a both-endian field
    /// are not kept in sync: readers use the LE half).
    Word {
        block: usize,
        offset: usize,
        value: u32,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let block = proptest::sample::select(HOT_BLOCKS.to_vec());
    let word = prop_oneof![
        Just(0u32),
        Just(1),
        Just(0xFFFF_FFFF),
        Just(0x7FFF_FFFF),
        Just(18),
        Just(45),
        Just(2048),
        any::<u32>()
    ];
    prop_oneof![
        (
            block.clone(),
            prop_oneof![0usize..400, 0usize..2048],
            any::<u8>()
        )
            .prop_map(|(block, offset, value)| Mutation::Byte {
                block,
                offset,
                value
            }),
        (block, prop_oneof![0usize..400, 0usize..2044], word).prop_map(|(block, offset, value)| {
            Mutation::Word {
                block,
                offset,
                value,
            }
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_images_never_panic_hang_or_escape(mutations in proptest::collection::vec(mutation(), 1..12)) {
        let mut data = read_support::sample_image();
        for m in &mutations {
            match *m {
                Mutation::Byte { block, offset, value } => data[block * 2048 + offset] = value,
                Mutation::Word { block, offset, value } => {
                    data[block * 2048 + offset..block * 2048 + offset + 4].copy_from_slice(&value.to_le_bytes());
                }
            }
        }
        prop_assert_eq!(exercise_bounded(data), Ok(()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, failure_persistence: None, ..ProptestConfig::default() })]

    /// The zisofs path: headers, block pointers and zlib streams of
    /// compressed files mutated (and their ZF entries, in the root directory).
    #[test]
    fn mutated_zisofs_files_never_panic_hang_or_escape(
        mutations in proptest::collection::vec((0usize..1 << 20, any::<u8>(), any::<u32>(), any::<bool>()), 1..12)
    ) {
        let mut data = read_support::zisofs_image();
        let hot = 18 * 2048..data.len();
        for &(at, byte, word, is_word) in &mutations {
            let at = hot.start + at % (hot.len() - 4);
            if is_word {
                data[at..at + 4].copy_from_slice(&word.to_le_bytes());
            } else {
                data[at] = byte;
            }
        }
        prop_assert_eq!(exercise_bounded(data), Ok(()));
    }
}

/// A small tree written by discburn's own writer (Rock Ridge with CE areas,
/// relocation of deep directories, Joliet, symlinks, a hard link).
fn discburn_image() -> Vec<u8> {
    static IMAGE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    IMAGE
        .get_or_init(|| {
            let src = tempfile::tempdir().unwrap();
            let p = src.path();
            let mut deep = p.join("deep");
            for level in 0..10 {
                deep.push(format!("level{level}"));
            }
            std::fs::create_dir_all(&deep).unwrap();
            std::fs::write(deep.join("leaf"), b"deep leaf").unwrap();
            std::fs::write(p.join("a.txt"), b"alpha").unwrap();
            std::fs::write(
                p.join(format!("{}.txt", "long".repeat(50))),
                vec![7u8; 3000],
            )
            .unwrap();
            std::fs::hard_link(p.join("a.txt"), p.join("b.txt")).unwrap();
            std::os::unix::fs::symlink("../../a.txt", p.join("up")).unwrap();
            std::os::unix::fs::symlink("/abs/target", p.join("abs")).unwrap();
            let mut tree = fsimage::Tree::new();
            tree.add_directory_contents(p).unwrap();
            let mut image =
                fsimage::ImageStream::new(tree, fsimage::ImageOptions::default()).unwrap();
            let mut out = Vec::new();
            image.write_to(&mut out, 1 << 16, |_| {}).unwrap();
            out
        })
        .clone()
}

#[test]
fn discburn_image_is_read_whole() {
    let mut volume = read_support::open(discburn_image()).unwrap();
    let deep = "deep/level0/level1/level2/level3/level4/level5/level6/level7/level8/level9/leaf";
    assert_eq!(volume.read_file(deep).unwrap(), b"deep leaf");
    assert_eq!(
        volume.stat("a.txt").unwrap().inode,
        volume.stat("b.txt").unwrap().inode
    );
    exercise_bounded(discburn_image()).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    /// The same on an image from discburn's writer: mutations land in the
    /// first 64 blocks (descriptors, path tables, directories, CE areas).
    #[test]
    fn mutated_discburn_images_never_panic_hang_or_escape(
        mutations in proptest::collection::vec((16usize..64, 0usize..2048, any::<u8>()), 1..16)
    ) {
        let mut data = discburn_image();
        for (block, offset, value) in mutations {
            if let Some(byte) = data.get_mut(block * 2048 + offset) {
                *byte = value;
            }
        }
        prop_assert_eq!(exercise_bounded(data), Ok(()));
    }
}
