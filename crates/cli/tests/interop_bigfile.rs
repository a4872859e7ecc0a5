//! Interoperability of a file over 4 GiB (multi-extent, ECMA-119 9.1.6): a
//! sparse source file with data before and after the 4 GiB boundary, burned
//! once by discburn and read back by every reader that handles multi-extent
//! files; and the same file in a `--udf` bridge (several UDF allocation
//! descriptors of under 2^30 bytes each), read by udfinfo, 7-Zip and
//! discburn's UDF reader. Ignored in debug builds; `cargo test --release` (the
//! CI command) runs them in about two minutes.

mod interop_support;

use std::path::Path;

use interop_support::{discburn, extract_all, Fixture};
use testkit::snapshot::sha256_reader;
use testkit::{cmd, require_python_module, require_tool, run, Kind, SPARSE_SIZE};

const BIG: &str = "big/sparse_4g.bin";

/// isovfy's exit status on these images: it stops at the multi-extent record.
const ISOVFY_EXIT: i32 = 0;

/// A tree holding only the big sparse file and a small file after it,
/// burned without checksums: this test is about extents, and MD5 over 4 GiB
/// (twice: the file's and the session's) took most of its time (73 s of
/// burning against 0.1 s, on 2 loaded cores).
fn big_fixture() -> Fixture {
    Fixture::with_tree_burned(&["--no-checksums"], |src| {
        std::fs::create_dir(src.join("big"))?;
        testkit::tree::write_sparse_file(&src.join(BIG))?;
        std::fs::write(src.join("big/small_after.txt"), b"after the big one\n")
    })
}

fn expected_sha(f: &Fixture) -> String {
    f.expected.entries[BIG].sha256.clone().unwrap_or_default()
}

/// Checks an extracted copy, then deletes it (4 GiB each).
fn check_and_remove(f: &Fixture, out: &Path, what: &str) {
    let file = out.join(BIG);
    let (sha, len) = sha256_reader(
        std::fs::File::open(&file).unwrap_or_else(|e| panic!("{what}: {}: {e}", file.display())),
    )
    .unwrap();
    assert_eq!(len, SPARSE_SIZE, "{what}: size");
    assert_eq!(sha, expected_sha(f), "{what}: content");
    assert_eq!(
        std::fs::read(out.join("big/small_after.txt")).unwrap(),
        b"after the big one\n",
        "{what}"
    );
    std::fs::remove_dir_all(out).unwrap();
}

/// Reads the `(lba, bytes)` extents a reader reported from the image, in order,
/// and checks they hold the big file: its length, its SHA-256, and the data
/// written around each extent boundary and at each of the file's data offsets.
fn check_extents(f: &Fixture, extents: &[(u64, u64)], what: &str) {
    use std::io::{Read, Seek, SeekFrom};
    assert!(extents.len() >= 2, "{what}: extents {extents:?}");
    let total: u64 = extents.iter().map(|(_, len)| len).sum();
    assert_eq!(total, SPARSE_SIZE, "{what}: extent lengths {extents:?}");
    let open_at = |lba: u64| {
        let mut file = std::fs::File::open(&f.image).unwrap();
        file.seek(SeekFrom::Start(lba * 2048)).unwrap();
        file
    };
    // The bytes of the file at `offset`, as the extents place them.
    let read_at = |mut offset: u64, len: usize| -> Vec<u8> {
        let mut out = Vec::new();
        for &(lba, extent_len) in extents {
            if offset >= extent_len {
                offset -= extent_len;
                continue;
            }
            let mut file = open_at(lba);
            file.seek(SeekFrom::Current(offset as i64)).unwrap();
            let want = (len - out.len()).min((extent_len - offset) as usize);
            let mut piece = vec![0u8; want];
            file.read_exact(&mut piece).unwrap();
            out.extend(piece);
            offset = 0;
            if out.len() == len {
                break;
            }
        }
        out
    };
    let source = f.src.join(BIG);
    let source_at = |offset: u64, len: usize| {
        let mut file = std::fs::File::open(&source).unwrap();
        file.seek(SeekFrom::Start(offset)).unwrap();
        let mut buf = vec![0u8; len];
        file.read_exact(&mut buf).unwrap();
        buf
    };
    let mut boundary = 0;
    let mut offsets: Vec<u64> = testkit::tree::SPARSE_DATA_OFFSETS.to_vec();
    for (_, len) in &extents[..extents.len() - 1] {
        boundary += len;
        offsets.push(boundary - 4096);
    }
    for offset in offsets {
        let len = 8192.min((SPARSE_SIZE - offset) as usize);
        assert!(
            read_at(offset, len) == source_at(offset, len),
            "{what}: the {len} bytes at file offset {offset} differ from the source"
        );
    }
    let whole = extents
        .iter()
        .map(|&(lba, len)| open_at(lba).take(len))
        .fold(Box::new(std::io::empty()) as Box<dyn Read>, |all, next| {
            Box::new(all.chain(next))
        });
    let (sha, len) = sha256_reader(whole).unwrap();
    assert_eq!(len, SPARSE_SIZE, "{what}");
    assert_eq!(
        sha,
        expected_sha(f),
        "{what}: the extents' bytes differ from the file"
    );
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "4 GiB through every reader: run with --release (the CI command does)"
)]
fn file_over_4_gib_reads_back_in_every_reader() {
    let f = big_fixture();
    assert_eq!(f.expected.entries[BIG].kind, Kind::File);

    // discburn itself: ls shows one file of the full size in several extents.
    let ls = run(discburn()
        .args(["--json", "ls", "--target"])
        .arg(&f.image)
        .arg("big"));
    assert!(ls.success(), "{ls}");
    let json: serde_json::Value = serde_json::from_str(&ls.stdout).unwrap();
    let entry = json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "sparse_4g.bin")
        .cloned()
        .unwrap();
    assert_eq!(entry["size"].as_u64(), Some(SPARSE_SIZE));
    assert!(entry["extents"].as_u64().unwrap() >= 2, "{entry}");
    let out = f.out_dir("discburn");
    extract_all(&f.image, &out);
    check_and_remove(&f, &out, "discburn extract");

    if require_tool("xorriso") {
        let out = f.out_dir("xorriso");
        testkit::images::xorriso_extract(&f.image, &out, &[]);
        check_and_remove(&f, &out, "xorriso");
    }
    if require_tool("bsdtar") {
        let out = f.out_dir("bsdtar");
        let result = run(cmd("bsdtar", ["-xpf"]).arg(&f.image).arg("-C").arg(&out));
        assert!(result.success(), "{result}");
        check_and_remove(&f, &out, "bsdtar");
    }
    if require_tool("7zz") {
        let out = f.out_dir("7zz");
        let result = run(cmd("7zz", ["x", "-y"])
            .arg(format!("-o{}", out.display()))
            .arg(&f.image));
        assert!(result.success(), "{result}");
        check_and_remove(&f, &out, "7zz");
    }
    if require_tool("isoinfo") {
        // isoinfo lists one line per extent, `... SIZE DATE [ LBA FLAGS] NAME`:
        // the bytes those extents hold, in order, must be the file.
        let result = run(cmd("isoinfo", ["-R", "-l", "-i"]).arg(&f.image));
        assert!(result.success(), "{result}");
        let extents: Vec<(u64, u64)> = result
            .stdout
            .lines()
            .filter(|l| l.trim_end().ends_with("sparse_4g.bin"))
            .map(|l| {
                let size = l.split_whitespace().nth(4).and_then(|s| s.parse().ok());
                let lba = l
                    .split_once('[')
                    .and_then(|(_, rest)| rest.split_whitespace().next())
                    .and_then(|s| s.parse().ok());
                match (lba, size) {
                    (Some(lba), Some(size)) => (lba, size),
                    _ => panic!("isoinfo -R -l: cannot read {l:?}"),
                }
            })
            .collect();
        check_extents(&f, &extents, "isoinfo -R -l");
    }
    if require_python_module("pycdlib") {
        // pycdlib links the chunks of a multi-extent file (data_continuation),
        // but its rr_path lookup lands on the last chunk and reads only that
        // chunk's bytes; so it prints each chunk's extent and length, and the
        // bytes there are read and hashed here.
        let script = r#"
import sys, pycdlib
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
for child in iso.list_children(rr_path='/big'):
    if child.rock_ridge is not None and child.rock_ridge.name() == b'sparse_4g.bin':
        while child is not None:
            print(child.extent_location(), child.data_length)
            child = child.data_continuation
        break
"#;
        let result = run(cmd("python3", ["-c", script]).arg(&f.image));
        assert!(result.success(), "{result}");
        let extents: Vec<(u64, u64)> = result
            .stdout
            .lines()
            .map(|l| {
                let mut numbers = l.split_whitespace().map(|n| n.parse::<u64>().unwrap());
                (numbers.next().unwrap(), numbers.next().unwrap())
            })
            .collect();
        check_extents(&f, &extents, "pycdlib chunks");
    }
    if require_tool("isovfy") {
        // isovfy (genisoimage 1.1.11) stops at the first multi-extent record,
        // printing it with its size as a negative 32-bit number and no verdict;
        // xorriso's `-iso-level 3` images get the same. Anything else is an error.
        let result = run(&mut cmd("isovfy", [&f.image]));
        assert_eq!(result.code, Some(ISOVFY_EXIT), "{result}");
        assert!(
            result
                .stdout
                .lines()
                .any(|l| l.starts_with("Root at extent"))
                && result.stdout.lines().any(|l| l.contains("Flags=(80)")),
            "isovfy did not reach the multi-extent record: {result}"
        );
        for line in result.stdout.lines() {
            let known = line.starts_with("Root at extent")
                || line == "[0 0]"
                || line == "No errors found"
                || line.contains("Flags=(80)");
            assert!(known, "isovfy: unexpected line {line:?}\n{result}");
        }
    }
}

/// The file entries in `lbas` whose information length is `size`, each with
/// its short allocation descriptors as (length, partition block).
fn udf_entries_of_size(
    image: &Path,
    lbas: std::ops::Range<u64>,
    size: u64,
) -> Vec<Vec<(u32, u32)>> {
    use std::os::unix::fs::FileExt;
    let file = std::fs::File::open(image).unwrap();
    let mut found = Vec::new();
    let mut block = vec![0u8; 2048];
    for lba in lbas {
        if file.read_exact_at(&mut block, lba * 2048).is_err() {
            break;
        }
        let Ok(fe) = udf::file::FileEntry::parse(&block) else {
            continue;
        };
        if fe.information_length != size {
            continue;
        }
        let Ok(udf::file::Allocation::Extents(ads)) = fe.descriptors() else {
            panic!("block {lba}: the big file's entry holds no extents");
        };
        assert_eq!(fe.icb.ad_kind(), udf::file::AdKind::Short, "block {lba}");
        found.push(
            ads.iter()
                .map(|ad| {
                    assert_eq!(
                        ad.kind,
                        udf::types::ExtentType::Recorded,
                        "block {lba}: {ad:?}"
                    );
                    (ad.length, ad.location.block)
                })
                .collect(),
        );
    }
    found
}

/// Checks a UDF file entry's extents for a file of `SPARSE_SIZE` bytes: each
/// under 2^30 bytes (30 bits of length, ECMA-167 4/14.14.1.1), all but the
/// last whole blocks, together the file, one after the other.
fn check_udf_extents(ads: &[(u32, u32)], what: &str) {
    assert!(ads.len() >= 5, "{what}: {ads:?}");
    let total: u64 = ads.iter().map(|&(len, _)| u64::from(len)).sum();
    assert_eq!(total, SPARSE_SIZE, "{what}: {ads:?}");
    for (i, pair) in ads.windows(2).enumerate() {
        let (len, at) = pair[0];
        assert!(
            len < 1 << 30 && len % 2048 == 0,
            "{what}: extent {i} {ads:?}"
        );
        assert_eq!(at + len / 2048, pair[1].1, "{what}: extent {i} {ads:?}");
    }
}

/// The same sparse file burned `--udf` (the UDF tree points at the ISO
/// layout's data as several allocation descriptors), then a second UDF
/// session that imports it: udfinfo reads both sessions, and 7-Zip and
/// discburn's UDF reader give the file's exact bytes from the newest tree.
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "4 GiB through every reader: run with --release (the CI command does)"
)]
fn udf_file_over_4_gib_reads_back_in_udfinfo_7zip_and_discburn() {
    if !require_tool("udfinfo") || !require_tool("7zz") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("big")).unwrap();
    testkit::tree::write_sparse_file(&src.join(BIG)).unwrap();
    std::fs::write(src.join("big/small_after.txt"), b"big/small_after.txt\n").unwrap();
    // Session 2 burns only a new file: the big one is imported, its UDF
    // entry made from session 1's ISO 9660 extents.
    let src2 = dir.path().join("src2");
    std::fs::create_dir(&src2).unwrap();
    std::fs::write(src2.join("added.txt"), b"added.txt\n").unwrap();
    let image = dir.path().join("udf.iso");
    let mut starts = Vec::new();
    for (source, files) in [(&src, 2), (&src2, 3)] {
        let result = run(discburn()
            .args(["--json", "burn", "--udf", "--no-checksums", "--target"])
            .arg(&image)
            .arg(source));
        assert!(result.success(), "{result}");
        let json: serde_json::Value =
            serde_json::from_str(result.stdout.lines().last().unwrap_or("")).unwrap();
        assert_eq!(json["udf"]["files"], files, "{json}");
        starts.push(json["start_lba"].as_u64().unwrap());
    }
    assert!(
        std::fs::metadata(&image).unwrap().len() < SPARSE_SIZE + (64 << 20),
        "session 2 copied the big file again"
    );

    for (i, &start) in starts.iter().enumerate() {
        let entries = udf_entries_of_size(&image, start + 257..start + 300, SPARSE_SIZE);
        assert_eq!(entries.len(), 1, "session {}: {entries:?}", i + 1);
        check_udf_extents(&entries[0], &format!("session {} file entry", i + 1));
    }
    // udfinfo reads session 1 at its start and the newest through the anchor
    // at 256. (`--startblock` past 4 GiB finds no recognition sequence:
    // udftools 2.3 computes `start_block * blocksize` in 32 bits in
    // udfinfo/readdisc.c read_vrs, so session 2 cannot be named directly.)
    for (args, files) in [
        (vec![format!("--startblock={}", starts[0])], 2),
        (vec![], 3),
    ] {
        let info = run(cmd("udfinfo", args).arg(&image));
        assert!(info.success() && !info.stderr.contains("Error"), "{info}");
        assert!(info.stdout.contains(&format!("numfiles={files}")), "{info}");
    }

    // 7-Zip (the anchor at 256: the newest session) hashes the file as it
    // reads it: 4 GiB are not extracted to disk, nor piped through here.
    let (source_sha, _) = sha256_reader(std::fs::File::open(src.join(BIG)).unwrap()).unwrap();
    let test = run(cmd("7zz", ["t", "-tudf", "-scrcSHA256"])
        .arg(&image)
        .arg(BIG));
    assert!(
        test.success() && test.stdout.contains("Everything is Ok"),
        "{test}"
    );
    let sha = test
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("SHA256 for data:"))
        .map(|s| s.trim().to_lowercase());
    assert_eq!(
        sha.as_deref(),
        Some(source_sha.as_str()),
        "7zz t -tudf: {test}"
    );
    let list = run(cmd("7zz", ["l", "-tudf"]).arg(&image));
    assert!(
        list.success() && list.stdout.contains("added.txt"),
        "{list}"
    );

    // discburn's UDF reader: the size, then the extracted file.
    let ls = run(discburn()
        .args(["--json", "ls", "--namespace", "udf", "--target"])
        .arg(&image)
        .arg("big"));
    assert!(ls.success(), "{ls}");
    assert!(
        ls.stdout.contains(&format!("\"size\":{SPARSE_SIZE}")),
        "{ls}"
    );
    let out = dir.path().join("out");
    let result = run(discburn()
        .args(["extract", "--namespace", "udf", "--target"])
        .arg(&image)
        .arg("--output")
        .arg(&out));
    assert!(result.success(), "{result}");
    let (sha, len) = sha256_reader(std::fs::File::open(out.join(BIG)).unwrap()).unwrap();
    assert_eq!(
        (len, sha),
        (SPARSE_SIZE, source_sha),
        "discburn extract --namespace udf"
    );
    for small in ["big/small_after.txt", "added.txt"] {
        assert_eq!(
            std::fs::read(out.join(small)).unwrap(),
            format!("{small}\n").as_bytes(),
            "discburn extract --namespace udf"
        );
    }
}
