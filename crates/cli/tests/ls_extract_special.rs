//! Special files through discburn: a FIFO and (as root) a character device
//! are burned with Rock Ridge PX/PN, listed by `ls -l` with their type and
//! device numbers, and recreated by `extract --devices` (without it they are
//! listed as skipped, with the reason, as xorriso leaves them out by default).

mod interop_support;

use std::os::unix::fs::{FileTypeExt, MetadataExt};

use interop_support::{discburn, Fixture};
use testkit::{run, tool_available};

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

#[test]
fn fifo_and_device_round_trip() {
    // Device nodes need root and mknod: CI runs as root (it installs packages),
    // so there the device half must run; elsewhere it is reported as skipped.
    let root = testkit::require(
        is_root() && tool_available("mknod"),
        "the character-device half needs root and mknod",
    );
    let f = Fixture::with_tree(|src| {
        std::fs::write(src.join("plain"), b"x")?;
        let fifo = run(testkit::cmd("mkfifo", [src.join("fifo")]));
        assert!(fifo.success(), "{fifo}");
        if root {
            // /dev/null's numbers: character device 1:3.
            let dev = run(testkit::cmd(
                "mknod",
                [
                    src.join("null").as_os_str(),
                    "c".as_ref(),
                    "1".as_ref(),
                    "3".as_ref(),
                ],
            ));
            assert!(dev.success(), "{dev}");
        }
        Ok(())
    });
    let ls = run(discburn().args(["ls", "-l", "--target"]).arg(&f.image));
    assert!(ls.success(), "{ls}");
    assert!(
        ls.stdout
            .lines()
            .any(|l| l.starts_with('p') && l.ends_with(" fifo")),
        "{ls}"
    );
    let json = run(discburn().args(["--json", "ls", "--target"]).arg(&f.image));
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let kinds: Vec<(String, String)> = json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(kinds.contains(&("fifo".into(), "fifo".into())), "{kinds:?}");
    if root {
        let null = json["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "null")
            .cloned()
            .unwrap();
        assert_eq!(
            (null["kind"].as_str(), null["rdev"].clone()),
            (Some("char_device"), serde_json::json!([1, 3])),
            "{null}"
        );
    }

    // By default (as xorriso does) device nodes and FIFOs are not created:
    // each is listed as skipped, with the reason, and the rest is extracted.
    let plain_out = f.out_dir("default");
    let json = run(discburn()
        .args(["--json", "extract", "--target"])
        .arg(&f.image)
        .arg("--output")
        .arg(&plain_out));
    assert!(
        json.success(),
        "leaving devices out is not a failure: {json}"
    );
    let result: serde_json::Value = json
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["type"] == "result")
        .unwrap_or_else(|| panic!("no result: {json}"));
    let skipped: Vec<(String, String)> = result["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut expected_skips = vec![("fifo".to_string(), "FIFO not created without --devices")];
    if root {
        expected_skips.push((
            "null".to_string(),
            "character device 1:3 not created without --devices",
        ));
    }
    assert_eq!(skipped.len(), expected_skips.len(), "{json}");
    for (path, reason) in &expected_skips {
        assert!(
            skipped.iter().any(|(p, r)| p == path && r.contains(reason)),
            "{path}: {skipped:?}"
        );
        assert!(std::fs::symlink_metadata(plain_out.join(path)).is_err());
    }
    assert_eq!(std::fs::read(plain_out.join("plain")).unwrap(), b"x");
    let text = run(discburn()
        .args(["extract", "--target"])
        .arg(&f.image)
        .arg("--output")
        .arg(f.out_dir("text")));
    assert!(
        text.stderr.contains("fifo") && text.stderr.contains("--devices"),
        "{text}"
    );

    // --devices creates them.
    let out = f.out_dir("out");
    let made = run(discburn()
        .args(["extract", "--devices", "--target"])
        .arg(&f.image)
        .arg("--output")
        .arg(&out));
    assert!(made.success(), "{made}");
    assert!(std::fs::symlink_metadata(out.join("fifo"))
        .unwrap()
        .file_type()
        .is_fifo());
    if root {
        let meta = std::fs::symlink_metadata(out.join("null")).unwrap();
        assert!(meta.file_type().is_char_device());
        assert_eq!(meta.rdev(), std::fs::metadata("/dev/null").unwrap().rdev());
    }
    testkit::compare(
        &f.expected,
        &testkit::snapshot(&out).unwrap(),
        &testkit::CompareOptions::strict(),
    )
    .unwrap_or_else(|d| panic!("{d}"));
}
