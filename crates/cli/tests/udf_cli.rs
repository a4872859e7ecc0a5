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
    run_ok(
        cmd("xorriso", ["-osirrox", "on", "-indev"])
            .arg(&image)
            .args(["-extract", "/"])
            .arg(&xorriso_out),
    );
    let mut expected = extracted.clone();
    let added = snapshot(&add).unwrap();
    expected.entries.extend(added.entries);
    let got = snapshot(&xorriso_out).unwrap();
    if let Err(diff) = compare(&expected, &got, &CompareOptions::content_only()) {
        panic!("UDF-only image + one session, read by xorriso: {diff}");
    }
    // 7-Zip, which finds UDF through the anchor at block 256 alone, reads the
    // new session too: the old anchor was retired with the superblock.
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
fn mkudffs_vat_volume_takes_a_session() {
    if !require_tool("mkudffs") || !require_tool("xorriso") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("cdr.udf");
    run_ok(
        cmd(
            "mkudffs",
            [
                "-b",
                "2048",
                "--media-type=cdr",
                "--udfrev=2.01",
                "--label=OnCDR",
            ],
        )
        .arg(&image)
        .arg("3000"),
    );
    let info = json(&["info"], &image);
    assert_eq!(
        info["file_system"]["file_systems"],
        serde_json::json!(["UDF 2.01"])
    );
    assert_eq!(
        info["file_system"]["udf"]["partition_maps"],
        serde_json::json!(["physical", "virtual"])
    );
    let add = dir.path().join("add");
    std::fs::create_dir(&add).unwrap();
    std::fs::write(add.join("x.txt"), b"x\n").unwrap();
    let result = json(&["burn", add.to_str().unwrap()], &image);
    assert_eq!(result["imported"]["namespace"], "udf", "{result}");
    // The volume name comes from the UDF logical volume (Joliet keeps its case).
    let info = json(&["info"], &image);
    assert_eq!(info["file_system"]["joliet_volume_id"], "OnCDR", "{info}");
    let ls = json(&["ls"], &image);
    let names: Vec<&str> = ls["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["x.txt"], "{ls}");
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
    let result = json(&["burn", "--import", "udf", add.to_str().unwrap()], &image);
    assert_eq!(result["imported"]["namespace"], "udf", "{result}");
    let ls = json(&["ls"], &image);
    let mut got: Vec<&str> = ls["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    got.sort();
    assert_eq!(got, [&long[..64], "n.txt"], "{ls}");
    // The old UDF tree is no longer announced: its recognition sequence was
    // rewritten with the descriptors at 16, so the kernel (through libblkid)
    // mounts the new ISO 9660 session, not the stale UDF one.
    let info = json(&["info"], &image);
    let systems = info["file_system"]["file_systems"].to_string();
    assert!(!systems.contains("UDF"), "{info}");
    if require_tool("blkid") {
        let probe = run(cmd("blkid", ["-p", "-o", "value", "-s", "TYPE"]).arg(&image));
        assert_eq!(probe.stdout.trim(), "iso9660", "{probe}");
    }
    if require_tool("udfinfo") {
        assert!(!run(cmd("udfinfo", [&image])).success());
    }
    if require_tool("7zz") {
        let listing = run_ok(cmd("7zz", ["l"]).arg(&image));
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
