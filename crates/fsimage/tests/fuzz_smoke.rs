//! A bounded run of the fuzz target on stable Rust, in every `cargo test`: the
//! inputs go through the very function `fuzz/fuzz_targets/read_image.rs` calls
//! (`fuzz/src/read_image.rs`, included by path). cargo-fuzz needs nightly, which
//! CI does not have; this run covers the saved corpus (`fuzz/corpus/read_image`,
//! when present), images written by discburn's own writer, a hand-built Rock
//! Ridge image and one of zisofs / zisofs2 files, and deterministic mutations of each, under a time budget.

mod read_support;

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[path = "../../../fuzz/src/read_image.rs"]
mod read_image;
#[path = "../../../fuzz/src/read_udf.rs"]
mod read_udf;

/// Wall-clock budget of the mutation phase.
const BUDGET: Duration = Duration::from_secs(45);
/// Mutated inputs per seed, at most.
const MUTATIONS_PER_SEED: usize = 600;

/// xorshift64: deterministic choices, the same inputs on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// Runs the fuzz target's function on `data` in a thread; a panic or more than
/// 10 s is a failure naming what the input was.
fn run(data: Vec<u8>, what: &str) {
    run_target(read_image::read_image, data, what)
}

/// [`run`] with the target function given.
fn run_target(target: fn(&[u8]), data: Vec<u8>, what: &str) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        target(&data);
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(()) => {}
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: the reader hangs (over 10 s)"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what}: the reader panicked"),
    }
}

/// A small tree written by discburn's writer (Rock Ridge, Joliet, ISO 9660).
fn writer_image() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("a/b/c/d/e/f/g/h/i")).unwrap();
    std::fs::write(src.join("a/b/c/d/e/f/g/h/i/deep.txt"), b"deep").unwrap();
    std::fs::write(src.join("file.bin"), vec![0x5Au8; 5000]).unwrap();
    std::fs::write(src.join("caf\u{e9} \u{1f600}.txt"), b"unicode").unwrap();
    std::fs::hard_link(src.join("file.bin"), src.join("a/link.bin")).unwrap();
    std::os::unix::fs::symlink("../file.bin", src.join("a/sym")).unwrap();
    let mut tree = fsimage::Tree::new();
    tree.add_directory_contents(src).unwrap();
    let mut image = fsimage::ImageStream::new(tree, fsimage::ImageOptions::default()).unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut image, &mut bytes).unwrap();
    bytes
}

/// The saved corpus of `cargo fuzz` (not committed; see fuzz/README.md).
fn saved_corpus() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/read_image");
    let mut inputs = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if let Ok(data) = std::fs::read(entry.path()) {
            inputs.push((entry.path().display().to_string(), data));
        }
    }
    inputs.sort();
    inputs
}

/// One mutation of `seed`: bytes set in the descriptors and directories,
/// a both-endian field set to an extreme, or the image cut short.
fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut data = seed.to_vec();
    // Byte 0 picks the namespace the target reads (see read_image).
    data[0] = rng.below(4) as u8;
    // Most of the interest lies from the descriptors (LBA 16) to ~LBA 64.
    let hot = (16 * 2048)..data.len().min(64 * 2048);
    match rng.below(4) {
        0 | 1 => {
            for _ in 0..1 + rng.below(8) {
                let at = hot.start + rng.below(hot.len());
                data[at] = [0, 0xFF, 1, 0x80, rng.below(256) as u8][rng.below(5)];
            }
        }
        2 => {
            let at = hot.start + rng.below(hot.len() - 8);
            let value: u32 =
                [0, 1, 0x7FFF_FFFF, 0xFFFF_FFFF, rng.below(1 << 20) as u32][rng.below(5)];
            data[at..at + 4].copy_from_slice(&value.to_le_bytes());
            data[at + 4..at + 8].copy_from_slice(&value.to_be_bytes());
        }
        _ => data.truncate(hot.start + rng.below(data.len() - hot.start)),
    }
    data
}

#[test]
fn the_fuzz_target_survives_its_corpus_and_mutations() {
    let mut seeds = saved_corpus();
    seeds.push(("discburn writer image".into(), writer_image()));
    seeds.push((
        "hand-built Rock Ridge image".into(),
        read_support::sample_image(),
    ));
    seeds.push((
        "hand-built zisofs image".into(),
        read_support::zisofs_image(),
    ));
    for (what, data) in &seeds {
        for namespace in 0..4u8 {
            let mut data = data.clone();
            if let Some(first) = data.first_mut() {
                *first = namespace;
            }
            run(data, what);
        }
    }
    let started = Instant::now();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut count = 0;
    'seeds: for (what, seed) in &seeds {
        if seed.len() < 17 * 2048 {
            continue;
        }
        for i in 0..MUTATIONS_PER_SEED {
            if started.elapsed() > BUDGET {
                break 'seeds;
            }
            run(mutate(seed, &mut rng), &format!("{what}, mutation {i}"));
            count += 1;
        }
    }
    eprintln!("{count} mutated inputs in {:?}", started.elapsed());
    assert!(
        count >= 200,
        "only {count} mutated inputs ran in {BUDGET:?}"
    );
}

/// UDF images of other writers: genisoimage's bridge (files, directories,
/// Type-1 partition) and mkudffs volumes with a VAT and with sparing tables.
fn udf_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    if testkit::require_tool("genisoimage") {
        let src = dir.path().join("src");
        std::fs::create_dir_all(src.join("d/e")).unwrap();
        std::fs::write(src.join("d/e/f.txt"), b"udf file").unwrap();
        std::fs::write(src.join("big.bin"), vec![0x33; 5000]).unwrap();
        let image = dir.path().join("g.iso");
        testkit::images::udf_only_image(&src, &image, &[]);
        seeds.push((
            "genisoimage -udf (UDF only)".into(),
            std::fs::read(&image).unwrap(),
        ));
    }
    if testkit::require_tool("mkudffs") {
        for media in ["cdr", "cdrw"] {
            let image = dir.path().join(format!("{media}.udf"));
            let mut c = testkit::tools::cmd("mkudffs", ["-b", "2048"]);
            c.arg(format!("--media-type={media}"))
                .arg(&image)
                .arg("4000");
            testkit::tools::run_ok(&mut c);
            seeds.push((
                format!("mkudffs --media-type={media}"),
                std::fs::read(&image).unwrap(),
            ));
        }
    }
    seeds
}

/// One mutation of a UDF seed: bytes or 32-bit fields set inside blocks that
/// hold descriptors, tags sealed again three times in four, or the image cut.
fn mutate_udf(seed: &[u8], tagged: &[usize], rng: &mut Rng) -> Vec<u8> {
    let mut data = seed.to_vec();
    data[1] = u8::from(rng.below(4) != 0);
    let block = tagged[rng.below(tagged.len())];
    let base = block * 2048;
    // Most fields lie in the first 256 bytes of a descriptor.
    let span = if rng.below(4) == 0 { 2048 - 20 } else { 240 };
    match rng.below(5) {
        0 | 1 => {
            for _ in 0..1 + rng.below(4) {
                let at = base + rng.below(span);
                data[at] = [0, 0xFF, 1, 0x80, rng.below(256) as u8][rng.below(5)];
            }
        }
        2 | 3 => {
            let at = base + 16 + rng.below(span);
            let value: u32 = [
                0,
                1,
                0x7FFF_FFFF,
                0xFFFF_FFFF,
                0x3FFF_FFFF,
                rng.below(1 << 20) as u32,
            ][rng.below(6)];
            data[at..at + 4].copy_from_slice(&value.to_le_bytes());
        }
        _ => data.truncate(16 * 2048 + rng.below(data.len() - 16 * 2048)),
    }
    data
}

#[test]
fn the_udf_fuzz_target_survives_mutations() {
    const UDF_BUDGET: Duration = Duration::from_secs(25);
    let seeds = udf_seeds();
    let started = Instant::now();
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut count = 0;
    for (what, seed) in &seeds {
        run_target(read_udf::read_udf, seed.clone(), what);
        // Blocks that start with a valid descriptor tag (any location).
        let tagged: Vec<usize> = seed
            .chunks(2048)
            .enumerate()
            .filter(|(_, b)| udf::tag::verify(b, None).is_ok())
            .map(|(i, _)| i)
            .collect();
        assert!(tagged.len() >= 8, "{what}: {} tagged blocks", tagged.len());
        for i in 0..MUTATIONS_PER_SEED {
            if started.elapsed()
                > UDF_BUDGET * (count / MUTATIONS_PER_SEED + 1) as u32 / seeds.len() as u32
            {
                break;
            }
            let data = mutate_udf(seed, &tagged, &mut rng);
            run_target(read_udf::read_udf, data, &format!("{what}, mutation {i}"));
            count += 1;
        }
    }
    eprintln!("{count} mutated UDF inputs in {:?}", started.elapsed());
    assert!(
        seeds.is_empty() || count >= 150,
        "only {count} mutated UDF inputs ran"
    );
}
