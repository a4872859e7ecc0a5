//! `discburn info`, `ls`, `extract` and `burn` on UDF: a UDF-only image as
//! Windows burns them (genisoimage's UDF with its ISO 9660 descriptors
//! removed), mkudffs volumes with a VAT, and the `--import` choice on a
//! UDF + ISO 9660 bridge. 7-Zip's UDF extraction and xorriso's ISO
//! extraction are the judges.

mod interop_support;

use std::path::Path;

use interop_support::discburn;
use testkit::images::{genisoimage, udf_only_image};
use testkit::tools::cmd;
use testkit::{
    compare, make_tricky_tree_with, require_tool, run, run_ok, snapshot, CompareOptions,
    TrickyOptions,
};

fn json(args: &[&str], image: &Path) -> serde_json::Value {
    let result = run(discburn()
        .arg("--json")
        .args(args)
        .arg("--target")
        .arg(image));
    assert!(result.success(), "{result}");
    serde_json::from_str(result.stdout.lines().last().unwrap_or("")).unwrap()
}

/// 7-Zip's extraction of the image's UDF volume.
fn sevenzip_udf(image: &Path, out: &Path) -> testkit::Snapshot {
    let mut c = cmd("7zz", ["x", "-tudf", "-y"]);
    c.arg(format!("-o{}", out.display())).arg(image);
    run_ok(&mut c);
    snapshot(out).unwrap()
}

#[test]
fn udf_only_image_is_listed_extracted_and_takes_a_session() {
    if !require_tool("genisoimage") || !require_tool("7zz") || !require_tool("xorriso") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    make_tricky_tree_with(
        &src,
        &TrickyOptions {
            bmp_only: true,
            ..TrickyOptions::default()
        },
    )
    .unwrap();
    let image = dir.path().join("windows.iso");
    udf_only_image(&src, &image, &["-J"]);

    // info: UDF alone.
    let info = json(&["info"], &image);
    let fs = &info["file_system"];
    assert_eq!(
        fs["file_systems"],
        serde_json::json!(["UDF 1.02"]),
        "{info}"
    );
    assert_eq!(fs["namespace"], "udf");
    assert_eq!(fs["udf"]["anchor_lba"], 256);
    assert_eq!(fs["udf"]["partition_maps"], serde_json::json!(["physical"]));
    assert_eq!(fs["udf"]["access_type"], "read-only");
    assert!(fs["files"].as_u64().unwrap() > 10, "{info}");

    // ls and extract read UDF; 7-Zip reads the same tree.
    let by_7z = sevenzip_udf(&image, &dir.path().join("7z"));
    let ls = json(&["ls", "-R"], &image);
    let listed = ls["entries"].as_array().unwrap().len();
    assert_eq!(listed, by_7z.entries.len(), "{ls}");
    let out = dir.path().join("out");
    let report = json(&["extract", "--output", out.to_str().unwrap()], &image);
    assert!(
        report["skipped"].as_array().is_none_or(|s| s.is_empty()),
        "{report}"
    );
    let extracted = snapshot(&out).unwrap();
    let options = CompareOptions {
        file_mtimes: true,
        ..CompareOptions::content_only()
    };
    if let Err(diff) = compare(&extracted, &by_7z, &options) {
        panic!("UDF-only image, discburn extract against 7-Zip: {diff}");
    }

    // burn imports the UDF tree and adds a file; the new session holds both.
    let add = dir.path().join("add");
    std::fs::create_dir(&add).unwrap();
    std::fs::write(add.join("added.txt"), b"added after Windows\n").unwrap();
    let result = json(&["burn", add.to_str().unwrap()], &image);
    assert_eq!(result["imported"]["namespace"], "udf", "{result}");
    let xorriso_out = dir.path().join("xorriso");
    testkit::images::xorriso_extract(&image, &xorriso_out, &[]);
    let mut expected = extracted.clone();
    let added = snapshot(&add).unwrap();
    expected.entries.extend(added.entries);
    let got = snapshot(&xorriso_out).unwrap();
    if let Err(diff) = compare(&expected, &got, &CompareOptions::content_only()) {
        panic!("UDF-only image + one session, read by xorriso: {diff}");
    }
    // The new session has UDF again (the imported one had it), 1.02 as
    // genisoimage wrote it; 7-Zip, which finds UDF through the anchor at
    // block 256 alone, reads the new session in it: the anchor was rewritten.
    assert_eq!(
        (&result["udf"]["revision"], &result["udf"]["implied"]),
        (&"1.02".into(), &true.into()),
        "{result}"
    );
    let seven_out = dir.path().join("7z-after");
    let mut c = cmd("7zz", ["x", "-y"]);
    c.arg(format!("-o{}", seven_out.display())).arg(&image);
    run_ok(&mut c);
    let got = snapshot(&seven_out).unwrap();
    assert_eq!(
        got.file_contents(),
        expected.file_contents(),
        "7-Zip after the append"
    );
}

#[test]
fn mkudffs_volumes_take_a_session() {
    if !require_tool("mkudffs") || !require_tool("xorriso") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let add = dir.path().join("add");
    std::fs::create_dir(&add).unwrap();
    std::fs::write(add.join("x.txt"), b"x\n").unwrap();
    // (media type, revision, blocks, partition maps, the revision of the
    // session discburn appends): Type-1, VAT and sparable; 1.02 and 2.01 are
    // kept, the others (which discburn does not write) become 2.01.
    let cases: &[(&str, &str, &str, &[&str], &str)] = &[
        ("hd", "1.02", "3000", &["physical"], "1.02"),
        ("hd", "1.50", "3000", &["physical"], "2.01"),
        ("hd", "2.01", "3000", &["physical"], "2.01"),
        ("cdr", "1.50", "3000", &["physical", "virtual"], "2.01"),
        ("cdr", "2.01", "3000", &["physical", "virtual"], "2.01"),
        ("dvdr", "2.01", "3000", &["physical", "virtual"], "2.01"),
        ("dvdr", "2.50", "8000", &["physical", "virtual"], "2.01"),
        ("bdr", "2.50", "8000", &["physical", "virtual"], "2.01"),
        ("bdr", "2.60", "8000", &["physical", "virtual"], "2.01"),
        ("cdrw", "2.01", "4000", &["sparable"], "2.01"),
    ];
    for (media, revision, blocks, maps, written) in cases {
        let what = format!("mkudffs --media-type={media} --udfrev={revision}");
        let image = dir.path().join(format!("{media}-{revision}.udf"));
        run_ok(
            cmd("mkudffs", ["-b", "2048", "--label=OnUDF"])
                .arg(format!("--media-type={media}"))
                .arg(format!("--udfrev={revision}"))
                .arg(&image)
                .arg(blocks),
        );
        let info = json(&["info"], &image);
        let fs = &info["file_system"];
        assert_eq!(
            fs["file_systems"],
            serde_json::json!([format!("UDF {revision}")]),
            "{what}"
        );
        assert_eq!(
            fs["udf"]["partition_maps"],
            serde_json::json!(maps),
            "{what}"
        );
        let before: Vec<String> = names(&json(&["ls"], &image));
        let result = json(&["burn", add.to_str().unwrap()], &image);
        assert_eq!(result["imported"]["namespace"], "udf", "{what}: {result}");
        // UDF again, without --udf: in the imported revision where discburn
        // writes it, else 2.01, said in the result (issue 13 §4).
        let udf = &result["udf"];
        assert_eq!(
            (&udf["revision"], &udf["imported_revision"], &udf["implied"]),
            (&(*written).into(), &(*revision).into(), &true.into()),
            "{what}: {result}"
        );
        if require_tool("udfinfo") {
            // The anchor at 256 now names the new session's volume.
            let info = run(cmd("udfinfo", [&image]));
            assert!(info.success(), "{what}: {info}");
            assert!(
                info.stdout.contains(&format!("udfrev={written}"))
                    && info.stdout.contains("numfiles=1"),
                "{what}: {info}"
            );
        }
        if require_tool("7zz") {
            let listing = run_ok(cmd("7zz", ["l", "-tudf"]).arg(&image));
            assert!(listing.stdout.contains("x.txt"), "{what}: {listing}");
        }
        // The volume name comes from the UDF logical volume (Joliet keeps its case).
        let info = json(&["info"], &image);
        assert_eq!(
            info["file_system"]["joliet_volume_id"], "OnUDF",
            "{what}: {info}"
        );
        let mut expected = before.clone();
        expected.push("x.txt".into());
        expected.sort();
        let mut after = names(&json(&["ls"], &image));
        after.sort();
        assert_eq!(after, expected, "{what}");
        let toc = run_ok(cmd("xorriso", ["-indev"]).arg(&image).arg("-toc"));
        assert!(
            toc.stdout.contains("OnUDF") || toc.stdout.contains("ONUDF"),
            "{what}: {toc}"
        );
    }
}

fn names(ls: &serde_json::Value) -> Vec<String> {
    ls["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

/// pycdlib with `udf="2.60"` (which writes UDF 1.02 structures, udf.md §0.5).
const PYCDLIB_UDF: &str = r#"
import io, sys, pycdlib
iso = pycdlib.PyCdlib()
iso.new(interchange_level=3, joliet=3, udf='2.60')
iso.add_directory('/SUB', joliet_path='/sub', udf_path='/sub')
iso.add_fp(io.BytesIO(b'inner\n'), 6, '/SUB/INNER.;1', joliet_path='/sub/Inner File.txt', udf_path='/sub/Inner File.txt')
data = bytes(range(256)) * 20
iso.add_fp(io.BytesIO(data), len(data), '/TOP.;1', joliet_path='/Top Level.bin', udf_path='/Top Level.bin')
iso.write(sys.argv[1])
"#;

#[test]
fn pycdlib_udf_tree_is_read_and_imported() {
    if !testkit::require_python_module("pycdlib") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("py.iso");
    run_ok(cmd("python3", ["-c", PYCDLIB_UDF]).arg(&image));
    let info = json(&["info"], &image);
    let systems = info["file_system"]["file_systems"].to_string();
    assert!(
        systems.contains("UDF 1.02") && systems.contains("Joliet"),
        "{info}"
    );
    let out = dir.path().join("out");
    json(
        &[
            "extract",
            "--namespace",
            "udf",
            "--output",
            out.to_str().unwrap(),
        ],
        &image,
    );
    let data: Vec<u8> = (0..=255u8).cycle().take(256 * 20).collect();
    assert_eq!(std::fs::read(out.join("Top Level.bin")).unwrap(), data);
    assert_eq!(
        std::fs::read(out.join("sub/Inner File.txt")).unwrap(),
        b"inner\n"
    );
    let add = dir.path().join("add");
    std::fs::create_dir(&add).unwrap();
    std::fs::write(add.join("n.txt"), b"n").unwrap();
    let result = json(&["burn", "--import", "udf", add.to_str().unwrap()], &image);
    assert_eq!(result["imported"]["namespace"], "udf", "{result}");
    let mut got = names(&json(&["ls"], &image));
    got.sort();
    assert_eq!(got, ["Top Level.bin", "n.txt", "sub"]);
}

#[test]
fn import_chooses_the_tree_of_a_bridge() {
    if !require_tool("genisoimage") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    // Rock Ridge keeps this name whole; UDF and Joliet (genisoimage's UDF
    // mirrors Joliet) cut it at 64 characters.
    let long = "l".repeat(80);
    std::fs::write(src.join(&long), b"long\n").unwrap();
    let image = dir.path().join("bridge.iso");
    genisoimage(&src, &image, &["-R", "-J", "-udf"]);
    let info = json(&["info"], &image);
    let systems = info["file_system"]["file_systems"].to_string();
    assert!(
        systems.contains("Rock Ridge") && systems.contains("UDF 1.02"),
        "{info}"
    );

    let names = |namespace: &str| -> Vec<String> {
        let ls = json(&["ls", "--namespace", namespace], &image);
        ls["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("rock-ridge"), [long.as_str()]);
    assert_eq!(names("udf"), [&long[..64]]);

    let add = dir.path().join("add");
    std::fs::create_dir(&add).unwrap();
    std::fs::write(add.join("n.txt"), b"n\n").unwrap();
    let dropped = dir.path().join("dropped.iso");
    std::fs::copy(&image, &dropped).unwrap();
    let sorted_names = |ls: serde_json::Value| -> Vec<String> {
        let mut got: Vec<String> = ls["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_string())
            .collect();
        got.sort();
        got
    };
    let expected = [&long[..64], "n.txt"];

    // The imported session has UDF (1.02): the new one has it too, in that
    // revision, and UDF-first readers see the new tree in it.
    let result = json(&["burn", "--import", "udf", add.to_str().unwrap()], &image);
    assert_eq!(result["imported"]["namespace"], "udf", "{result}");
    assert_eq!(result["udf"]["revision"], "1.02", "{result}");
    assert_eq!(result["udf"]["implied"], true, "{result}");
    assert_eq!(sorted_names(json(&["ls"], &image)), expected);
    assert_eq!(
        sorted_names(json(&["ls", "--namespace", "udf"], &image)),
        expected
    );
    let info = json(&["info"], &image);
    assert_eq!(
        info["file_system"]["udf"]["implementation"], "*discburn",
        "{info}"
    );
    if require_tool("7zz") {
        let listing = run_ok(cmd("7zz", ["l"]).arg(&image));
        assert!(
            listing.stdout.contains("Type = Udf") && listing.stdout.contains("n.txt"),
            "{listing}"
        );
    }

    // --no-udf: the old UDF tree is no longer announced: its recognition
    // sequence was rewritten with the descriptors at 16, so the kernel
    // (through libblkid) mounts the new ISO 9660 session, not the stale UDF one.
    let result = json(
        &["burn", "--no-udf", "--import", "udf", add.to_str().unwrap()],
        &dropped,
    );
    assert_eq!(result["udf_dropped"], "--no-udf", "{result}");
    assert_eq!(sorted_names(json(&["ls"], &dropped)), expected);
    let info = json(&["info"], &dropped);
    let systems = info["file_system"]["file_systems"].to_string();
    assert!(!systems.contains("UDF"), "{info}");
    if require_tool("blkid") {
        let probe = run(cmd("blkid", ["-p", "-o", "value", "-s", "TYPE"]).arg(&dropped));
        assert_eq!(probe.stdout.trim(), "iso9660", "{probe}");
    }
    if require_tool("udfinfo") {
        assert!(!run(cmd("udfinfo", [&dropped])).success());
    }
    if require_tool("7zz") {
        let listing = run_ok(cmd("7zz", ["l"]).arg(&dropped));
        assert!(
            listing.stdout.contains("Type = Iso") && listing.stdout.contains("n.txt"),
            "{listing}"
        );
    }
    let refused = run(discburn()
        .args(["burn", "--import", "hfs", "--target"])
        .arg(&image)
        .arg(&add));
    assert!(!refused.success());
    assert!(refused.stderr.contains("udf"), "{refused}");
}

/// UDF with blocks of another size than 2048 bytes (mkudffs makes 512-byte
/// ones for hard disks) is refused with an error that says so, and what to
/// do, instead of a list of unreadable anchors; the image is not changed.
#[test]
fn udf_with_other_block_sizes_is_refused_plainly() {
    if !require_tool("mkudffs") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("x.txt"), b"x\n").unwrap();
    for size in ["512", "1024"] {
        let image = dir.path().join(format!("hd-{size}.udf"));
        // 8 MiB whatever the block size.
        let blocks = (8u64 << 20) / size.parse::<u64>().unwrap();
        run_ok(
            cmd("mkudffs", ["--media-type=hd"])
                .arg(format!("--blocksize={size}"))
                .arg(&image)
                .arg(blocks.to_string()),
        );
        let before = std::fs::read(&image).unwrap();
        for args in [&["ls"][..], &["burn", src.to_str().unwrap()]] {
            let result = run(discburn().args(args).arg("--target").arg(&image));
            assert!(!result.success(), "{size}: {args:?}: {result}");
            assert!(
                result.stderr.contains(&format!("uses {size}-byte blocks")),
                "{size}: {args:?}: {result}"
            );
            assert!(result.stderr.contains("--blocksize=2048"), "{result}");
        }
        assert!(
            std::fs::read(&image).unwrap() == before,
            "{size}: image changed"
        );
    }
}
