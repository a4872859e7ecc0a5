//! The fuzz target's body, shared with the stable smoke run in the main
//! workspace (`crates/fsimage/tests/fuzz_smoke.rs`), which includes this file
//! by path: both feed their inputs through this one function.

use std::io::Cursor;

use fsimage::read::{extract, ExtractOptions, FileKind, Namespace, ReadOptions, Volume};
use fsimage::FileSectorSource;

/// Any bytes as an image: opens it, walks every directory, reads every file and
/// extracts everything into a temporary directory. Nothing may panic, hang,
/// allocate by recorded sizes, or appear beside the destination (that one is a
/// panic here).
pub fn read_image(data: &[u8]) {
    let Ok(source) = FileSectorSource::new(Cursor::new(data.to_vec())) else {
        return;
    };
    // Byte 0 lies in the system area, which the reader ignores: let it pick
    // the namespace, so Joliet, plain ISO 9660 and UDF trees are walked too.
    let namespace = match data.first().map(|b| b % 4) {
        Some(1) => Some(Namespace::Joliet),
        Some(2) => Some(Namespace::Iso9660),
        Some(3) => Some(Namespace::Udf),
        _ => None,
    };
    let options = ReadOptions {
        namespace,
        ..ReadOptions::default()
    };
    let Ok(mut volume) = Volume::open(source, options) else {
        return;
    };
    let root = volume.root().clone();
    let mut files = Vec::new();
    let _ = volume.walk(
        &root,
        "",
        &mut |_, _, node| {
            if node.stat.kind == FileKind::File {
                files.push(node.clone());
            }
            Ok(true)
        },
        &mut |_, _| {},
    );
    for node in files {
        if let Ok(mut reader) = volume.open_file(&node) {
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        }
    }
    let Ok(tmp) = tempfile::tempdir() else {
        return;
    };
    let dest = tmp.path().join("out");
    let _ = extract(
        &mut volume,
        &[],
        &dest,
        &ExtractOptions::default(),
        &mut |_| {},
    );
    for entry in std::fs::read_dir(tmp.path())
        .into_iter()
        .flatten()
        .flatten()
    {
        assert_eq!(
            entry.file_name(),
            "out",
            "extraction wrote beside its destination"
        );
    }
}
