//! The reader gives what the Linux kernel (fs/isofs) gives for records other
//! producers write (issue 8): Rock Ridge SL targets of every shape. The QEMU
//! test `linux_in_the_loop` mounts the same hand-built images in the kernel.

mod read_support;

use std::os::unix::ffi::OsStrExt;

use fsimage::read::FileKind;
use read_support::*;

#[test]
fn symlink_targets_of_every_shape_read_as_linux_reads_them() {
    let mut volume = open(symlink_shapes_image()).unwrap();
    let root = volume.root().clone();
    let listing = volume.read_dir(&root, "/").unwrap();
    assert!(listing.skipped.is_empty(), "{:?}", listing.skipped);
    let shapes = symlink_shapes();
    assert_eq!(listing.entries.len(), shapes.len());
    for (name, _, expected) in &shapes {
        let node = listing
            .entries
            .iter()
            .find(|n| n.name == name.as_bytes())
            .unwrap_or_else(|| panic!("{name} not listed"));
        assert_eq!(node.stat.kind, FileKind::Symlink, "{name}");
        let target = node.stat.symlink_target.as_deref().unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(target),
            expected.as_str(),
            "target of {name}"
        );
        assert_eq!(node.stat.size, expected.len() as u64, "size of {name}");
    }

    // Extraction creates the same targets.
    let dest = tempfile::tempdir().unwrap();
    let report = extract_with_defaults(&mut volume, &[], dest.path()).unwrap();
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!(report.symlinks, shapes.len() as u64);
    for (name, _, expected) in &shapes {
        let target = std::fs::read_link(dest.path().join(name)).unwrap();
        assert_eq!(target.as_os_str().as_bytes(), expected.as_bytes(), "{name}");
    }
}

#[test]
fn zisofs_and_zisofs2_files_are_inflated_with_their_real_size() {
    let mut volume = open(zisofs_image()).unwrap();
    for (file, content) in zisofs_files() {
        let node = volume.lookup(&file.name).unwrap();
        assert_eq!(
            node.stat.size,
            content.len() as u64,
            "ls size of {}",
            file.name
        );
        let data = volume.read_file(&file.name).unwrap();
        assert!(data == content, "content of {}", file.name);
    }
    assert_eq!(volume.read_file("plain").unwrap(), b"not compressed\n");
    let dest = tempfile::tempdir().unwrap();
    let report = extract_with_defaults(&mut volume, &[], dest.path()).unwrap();
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    for (file, content) in zisofs_files() {
        let data = std::fs::read(dest.path().join(&file.name)).unwrap();
        assert!(data == content, "extracted {}", file.name);
    }
}

/// A hostile variant of a good zisofs file: name, ZF entry, data, and a
/// phrase the error must hold.
fn hostile_zisofs_files() -> Vec<(ImageFile, &'static str)> {
    use iso9660::zisofs::Format::{V1, V2};
    let content = text(100_000); // 4 blocks of 32 KiB
    let good = zisofs_data(&content, 15, V1);
    let zf = |size: u64, log2: u8| zf_entry(size, log2, V1, false);
    let size = content.len() as u64;
    let pointer = |data: &mut Vec<u8>, i: usize, value: u32| {
        data[16 + 4 * i..20 + 4 * i].copy_from_slice(&value.to_le_bytes())
    };
    let get = |data: &[u8], i: usize| {
        u32::from_le_bytes(data[16 + 4 * i..20 + 4 * i].try_into().unwrap())
    };
    let mut out = Vec::new();
    let mut push = |name: &str, su: Vec<u8>, data: Vec<u8>, why: &'static str| {
        out.push((
            ImageFile {
                name: name.to_string(),
                su,
                data,
            },
            why,
        ))
    };
    // Block sizes past what Linux reads (2^17), in the ZF entry and the header alike.
    for log2 in [18u8, 30, 255] {
        let mut data = good.clone();
        data[13] = log2;
        push(
            &format!("log2_{log2}"),
            zf(size, log2),
            data,
            "block size 2^",
        );
    }
    let mut data = good.clone();
    let (a, b) = (get(&data, 1), get(&data, 2));
    pointer(&mut data, 1, b);
    pointer(&mut data, 2, a);
    push("pointers_swapped", zf(size, 15), data, "out of order");
    let mut data = good.clone();
    pointer(&mut data, 4, good.len() as u32 + 100);
    push(
        "pointer_past_end",
        zf(size, 15),
        data,
        "outside the compressed data",
    );
    let mut data = good.clone();
    pointer(&mut data, 0, 0);
    push(
        "pointer_into_header",
        zf(size, 15),
        data,
        "outside the compressed data",
    );
    push(
        "sizes_disagree",
        zf(size + 1, 15),
        good.clone(),
        "uncompressed sizes do not add up",
    );
    // A size whose pointer table cannot fit in the data (a 4 GiB claim).
    let mut data = good.clone();
    data[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    push("huge_v1", zf(u64::from(u32::MAX), 15), data, "do not fit");
    let mut data = zisofs_data(&content, 15, V2);
    data[12..20].copy_from_slice(&(1u64 << 62).to_le_bytes());
    push(
        "huge_v2",
        zf_entry(1 << 62, 15, V2, false),
        data,
        "do not fit",
    );
    // Files of one 32 KiB block: header and two pointers, then the block.
    let mut one_block_header = good[..16 + 4 * 2].to_vec();
    one_block_header[8..12].copy_from_slice(&(32u32 << 10).to_le_bytes());
    // A zlib bomb: block 0 inflates to 10 blocks' worth.
    let bomb = {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&vec![b'a'; 320 << 10]).unwrap();
        z.finish().unwrap()
    };
    let mut data = one_block_header.clone();
    let start = data.len() as u32;
    data.extend(&bomb);
    pointer(&mut data, 0, start);
    let end = data.len() as u32;
    pointer(&mut data, 1, end);
    push("bomb", zf(32 << 10, 15), data, "more than its 32768 bytes");
    // A block that inflates to less than its size.
    let short = {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(b"short").unwrap();
        z.finish().unwrap()
    };
    let mut data = one_block_header.clone();
    data.extend(&short);
    pointer(&mut data, 0, start);
    let end = data.len() as u32;
    pointer(&mut data, 1, end);
    push(
        "short_block",
        zf(32 << 10, 15),
        data,
        "inflates to 5 bytes instead of 32768",
    );
    // A stream cut short, and one of garbage.
    let mut data = good.clone();
    let end1 = get(&data, 1) as usize;
    pointer(&mut data, 1, end1 as u32 - 10);
    push(
        "truncated_stream",
        zf(size, 15),
        data,
        "zisofs block 1 of 4",
    );
    let mut data = good.clone();
    let start0 = get(&data, 0) as usize;
    for (i, b) in data[start0..start0 + 40].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37) ^ 0x5A;
    }
    push("garbage_stream", zf(size, 15), data, "zlib");
    // A compressed block longer than zlib makes of one block.
    let mut data = one_block_header.clone();
    data.extend(vec![0x78u8; 40_000]);
    pointer(&mut data, 0, start);
    let end = data.len() as u32;
    pointer(&mut data, 1, end);
    push(
        "block_too_long",
        zf(32 << 10, 15),
        data,
        "more than zlib makes",
    );
    // No magic number; an algorithm this reader does not inflate.
    let mut data = good.clone();
    data[..8].fill(0);
    push("no_magic", zf(size, 15), data, "magic");
    let mut su = zf_entry(size, 15, V2, false);
    su[4..6].copy_from_slice(b"XZ");
    push("xz", su, zisofs_data(&content, 15, V2), "XZ");
    // Data shorter than its header.
    push("tiny", zf(size, 15), good[..10].to_vec(), "shorter than");
    out
}

#[test]
fn hostile_zisofs_files_are_clear_per_file_errors() {
    let hostile = hostile_zisofs_files();
    let mut files: Vec<ImageFile> = Vec::new();
    let mut reasons = Vec::new();
    for (file, why) in hostile {
        reasons.push((file.name.clone(), why));
        files.push(file);
    }
    files.push(ImageFile {
        name: "good".into(),
        su: zf_entry(50_000, 15, iso9660::zisofs::Format::V1, false),
        data: zisofs_data(&text(50_000), 15, iso9660::zisofs::Format::V1),
    });
    let image = files_image(&files);
    let mut volume = open(image).unwrap();
    for (name, why) in &reasons {
        let node = volume.lookup(name).unwrap();
        let result = volume
            .open_file(&node)
            .map_err(|e| e.to_string())
            .and_then(|mut r| {
                let mut sink = Vec::new();
                std::io::Read::read_to_end(&mut r, &mut sink).map_err(|e| e.to_string())
            });
        let err = result.expect_err(name);
        assert!(err.contains(why), "{name}: {err:?} does not say {why:?}");
    }
    assert_eq!(volume.read_file("good").unwrap(), text(50_000));

    // Extraction skips each with its reason and writes no partial file.
    let dest = tempfile::tempdir().unwrap();
    let report = extract_with_defaults(&mut volume, &[], dest.path()).unwrap();
    assert_eq!(report.files, 1, "{:?}", report.skipped);
    for (name, why) in &reasons {
        let skipped = report
            .skipped
            .iter()
            .find(|s| &s.path == name)
            .unwrap_or_else(|| panic!("{name} not skipped"));
        assert!(skipped.reason.contains(why), "{name}: {}", skipped.reason);
        assert!(!dest.path().join(name).exists(), "{name} left behind");
    }
    assert_eq!(
        std::fs::read(dest.path().join("good")).unwrap(),
        text(50_000)
    );
}

/// A small tree for zisofs images: text (compresses), zeros (empty blocks),
/// random bytes (xorriso and mkzftree leave them uncompressed), a tiny file.
fn zisofs_source(dir: &std::path::Path) {
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("text.txt"), text(300_000)).unwrap();
    let mut mixed = vec![0u8; 150_000];
    mixed.extend(text(20_000));
    std::fs::write(dir.join("sub/mixed.bin"), mixed).unwrap();
    std::fs::write(
        dir.join("noise.bin"),
        testkit::tree::content("noise", 70_000),
    )
    .unwrap();
    std::fs::write(dir.join("sub/tiny.txt"), b"tiny\n").unwrap();
}

/// `(name, compressed files in the image)` of every zisofs image other
/// producers make of [`zisofs_source`]: xorriso with zisofs (three block
/// sizes), zisofs2 (ZF and Z2 entries, 1 MiB blocks), and mkzftree +
/// genisoimage -z.
fn foreign_zisofs_images(src: &std::path::Path, dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut images = Vec::new();
    for (name, zisofs) in [
        ("x_v1_32k", "block_size=32k"),
        ("x_v1_64k", "block_size=64k"),
        ("x_v1_128k", "block_size=128k"),
        ("x_v2", "version_2=on"),
        ("x_v2_z2_1m", "version_2=on:susp_z2=on:block_size_v2=1024k"),
    ] {
        let out = dir.join(format!("{name}.iso"));
        let mut c = testkit::cmd("xorriso", ["-no_rc", "-outdev"]);
        c.arg(&out)
            .args(["-zisofs", zisofs, "-map"])
            .arg(src)
            .args(["/", "-set_filter_r", "--zisofs", "/", "--"]);
        testkit::run_ok(&mut c);
        images.push(out);
    }
    let zsrc = dir.join("mkzftree");
    testkit::run_ok(testkit::cmd(
        "mkzftree",
        [src.as_os_str(), zsrc.as_os_str()],
    ));
    let out = dir.join("mkzftree_genisoimage.iso");
    testkit::images::genisoimage(&zsrc, &out, &["-R", "-z"]);
    images.push(out);
    images
}

#[test]
fn zisofs_images_of_xorriso_and_mkzftree_extract_as_their_source() {
    if !testkit::require_tool("xorriso") || !testkit::require_tool("mkzftree") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    zisofs_source(&src);
    let expected = testkit::snapshot(&src).unwrap();
    for image in foreign_zisofs_images(&src, work.path()) {
        let what = image.file_name().unwrap().to_string_lossy().into_owned();
        // The image really holds compressed files (ZF or Z2 entries).
        let bytes = std::fs::read(&image).unwrap();
        let marked = bytes
            .windows(4)
            .filter(|w| (w[..2] == *b"ZF" || w[..2] == *b"Z2") && w[2] == 16)
            .count();
        assert!(marked >= 2, "{what}: {marked} ZF entries");

        let file = std::fs::File::open(&image).unwrap();
        let source = fsimage::FileSectorSource::new(file).unwrap();
        let mut volume =
            fsimage::read::Volume::open(source, fsimage::read::ReadOptions::default()).unwrap();
        for path in ["text.txt", "sub/mixed.bin", "noise.bin", "sub/tiny.txt"] {
            let size = std::fs::metadata(src.join(path)).unwrap().len();
            assert_eq!(
                volume.stat(path).unwrap().size,
                size,
                "{what}: ls size of {path}"
            );
        }
        let dest = work.path().join(format!("{what}.out"));
        let report = extract_with_defaults(&mut volume, &[], &dest).unwrap();
        assert!(report.skipped.is_empty(), "{what}: {:?}", report.skipped);
        let actual = testkit::snapshot(&dest).unwrap();
        testkit::compare::assert_same(
            &expected,
            &actual,
            &testkit::CompareOptions::content_only(),
            &what,
        );
    }
}

/// Malformations of the primary descriptor Linux reads without complaint:
/// `(what, offset in the PVD, bytes written there)`.
fn lenient_pvd_cases() -> Vec<(&'static str, usize, Vec<u8>)> {
    const ROOT: usize = 156;
    vec![
        ("root record length 0", ROOT, vec![0]),
        ("root record length 33", ROOT, vec![33]),
        ("root record length 40", ROOT, vec![40]),
        ("root record length 255", ROOT, vec![255]),
        ("root identifier length 0", ROOT + 32, vec![0]),
        ("root identifier length 9", ROOT + 32, vec![9]),
        ("root not flagged a directory", ROOT + 25, vec![0]),
        ("creation date of spaces", 813, vec![b' '; 16]),
        (
            "modification date of letters",
            830,
            b"20XX0101000000001".to_vec(),
        ),
    ]
}

#[test]
fn malformed_descriptor_fields_linux_ignores_are_read_as_linux_reads_them() {
    let expected = {
        let mut volume = open(sample_image()).unwrap();
        (
            volume.read_file("hello.txt").unwrap(),
            volume.read_file("moved/deep.txt").unwrap(),
        )
    };
    for (what, at, bytes) in lenient_pvd_cases() {
        let mut data = sample_image();
        let start = 16 * 2048 + at;
        data[start..start + bytes.len()].copy_from_slice(&bytes);
        let mut volume = open(data).unwrap_or_else(|e| panic!("{what}: refused: {e}"));
        let got = (
            volume.read_file("hello.txt").unwrap(),
            volume.read_file("moved/deep.txt").unwrap(),
        );
        assert_eq!(got, expected, "{what}");
    }
    // What would make the reader unsafe is still refused: a root outside the image.
    let mut data = sample_image();
    let start = 16 * 2048 + 156 + 2;
    data[start..start + 4].copy_from_slice(&0x00FF_FFFFu32.to_le_bytes());
    data[start + 4..start + 8].copy_from_slice(&0x00FF_FFFFu32.to_be_bytes());
    let err = open(data).err().expect("root outside the image is refused");
    assert!(err.to_string().contains("outside the image"), "{err}");
}
