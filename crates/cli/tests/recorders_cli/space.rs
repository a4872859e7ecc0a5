//! Room on an emulated disc, from the command line: a dry run plans exactly
//! what the burn then does, a session that leaves too little room closes the
//! disc, and one that does not fit is refused saying by how much.

use std::fs;
use std::path::{Path, PathBuf};

use crate::interop_support::{discburn, emu_medium};
use crate::support::{medium_bytes, run_ok, trees, write_tree};

#[test]
fn a_dry_run_plans_exactly_and_touches_nothing() {
    for media in ["cd-r", "dvd+rw"] {
        let dir = tempfile::tempdir().unwrap();
        let trees = trees(dir.path());
        let medium = dir.path().join("m.emu");
        let target = emu_medium(&medium, media);
        let source = |i: usize| trees.sources[i].to_str().unwrap().to_string();
        run_ok(discburn().args(["burn", "--target", &target, &source(0)]));
        let before = medium_bytes(&medium, 20_000);
        let plan = run_ok(discburn().args([
            "--json",
            "burn",
            "--dry-run",
            "--target",
            &target,
            "--remove",
            "/gone",
            &source(1),
        ]));
        assert_eq!(plan["dry_run"], true, "{media}: {plan}");
        assert_eq!(plan["bytes_written"], 0, "{media}: {plan}");
        assert!(
            plan["free_blocks_after"].as_u64().is_some(),
            "{media}: {plan}"
        );
        assert!(
            medium_bytes(&medium, 20_000) == before,
            "{media}: the dry run changed the medium"
        );
        let done = run_ok(discburn().args([
            "--json",
            "burn",
            "--target",
            &target,
            "--remove",
            "/gone",
            &source(1),
        ]));
        for field in [
            "session",
            "start_lba",
            "blocks",
            "image_blocks",
            "files",
            "replaced",
            "removed",
        ] {
            assert_eq!(
                plan[field], done[field],
                "{media}: {field} planned {plan} vs done {done}"
            );
        }
    }
}

/// A session after which the space left could not take another closes the
/// disc without `--close`, and says why; the dry run says it would.
#[test]
fn a_session_that_leaves_too_little_room_closes_the_disc() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write_tree(&src, &[("a.txt", b"a")]);
    let (_, target) = small_cd_r(dir.path());
    // Session 1 (300 + 11 400 blocks) leaves room for one more: still open.
    let first = run_ok(
        discburn()
            .args(["--json", "burn", "--target", &target])
            .arg(&src),
    );
    assert_eq!(first["closed_because"], serde_json::Value::Null);
    let plan = run_ok(
        discburn()
            .args(["--json", "burn", "--dry-run", "--target", &target])
            .arg(&src),
    );
    let why = plan["closed_because"].as_str().unwrap().to_string();
    assert!(why.contains("another session needs"), "{why}");
    let second = run_ok(
        discburn()
            .args(["--json", "burn", "--target", &target])
            .arg(&src),
    );
    assert_eq!(second["closed_because"].as_str(), Some(why.as_str()));
    let info = run_ok(discburn().args(["--json", "info", "--target", &target]));
    assert_eq!(info["status"], "closed", "{info}");
}

/// A session that does not fit is refused before a byte is written, saying
/// by how many blocks and how large a session would fit; one of that size
/// then goes on (issue 10 §3).
#[test]
fn a_session_that_does_not_fit_says_by_how_much_and_what_would() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small");
    write_tree(&small, &[("a.txt", b"a")]);
    let (medium, target) = small_cd_r(dir.path());
    run_ok(discburn().args(["burn", "--target", &target]).arg(&small));
    let info = run_ok(discburn().args(["--json", "info", "--target", &target]));
    let free = info["free_blocks"].as_u64().unwrap();
    // 20 MiB: 10 240 blocks of data, more than the 8 298 left.
    let big = dir.path().join("big");
    fs::create_dir_all(&big).unwrap();
    fs::write(big.join("big.bin"), vec![7u8; 20 << 20]).unwrap();
    let before = medium_bytes(&medium, 20_000);
    let out = discburn()
        .args(["burn", "--target", &target])
        .arg(&big)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let number_before = |marker: &str| -> u64 {
        let head = &stderr[..stderr.find(marker).unwrap_or_else(|| panic!("{stderr}"))];
        let word = head.split_whitespace().last().unwrap();
        word.parse()
            .unwrap_or_else(|_| panic!("{word:?} in {stderr}"))
    };
    let number_after = |marker: &str| -> u64 {
        let at = stderr.find(marker).unwrap_or_else(|| panic!("{stderr}")) + marker.len();
        stderr[at..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    let session = number_after("it takes ");
    let overhead = number_before(" of overhead");
    // The run-out and the 2250-block lead-out of a later CD session.
    assert_eq!(overhead, 2 + 2250, "{stderr}");
    assert!(stderr.contains(&format!("{free} blocks")), "{stderr}");
    assert!(
        stderr.contains(&format!("{} blocks (", session + overhead - free)),
        "{stderr}"
    );
    let fits = number_after("at most ");
    assert_eq!(fits, free - overhead, "{stderr}");
    assert!(
        medium_bytes(&medium, 20_000) == before,
        "the refused burn changed the medium"
    );
    // A session of exactly that size goes on; one block more would not.
    let plan = |bytes: usize| {
        fs::write(big.join("big.bin"), vec![7u8; bytes]).unwrap();
        discburn()
            .args(["--json", "burn", "--dry-run", "--target", &target])
            .arg(&big)
            .output()
            .unwrap()
    };
    let probe = plan(2048);
    let meta = serde_json::from_str::<serde_json::Value>(
        String::from_utf8_lossy(&probe.stdout)
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap()["blocks"]
        .as_u64()
        .unwrap()
        - 1;
    let exact = ((fits - meta) * 2048) as usize;
    assert!(plan(exact).status.success(), "{fits} blocks should fit");
    assert_eq!(plan(exact + 2048).status.code(), Some(4));
    fs::write(big.join("big.bin"), vec![7u8; exact]).unwrap();
    let done = run_ok(
        discburn()
            .args(["--json", "burn", "--target", &target])
            .arg(&big),
    );
    assert_eq!(done["blocks"].as_u64(), Some(fits), "{done}");
}

/// A CD-R of 20 000 blocks in `dir`: its medium file and target.
fn small_cd_r(dir: &Path) -> (PathBuf, String) {
    let medium = dir.join("small.emu");
    let out = discburn()
        .args(["emu", "create", "--media", "cd-r", "--capacity", "20000"])
        .arg(&medium)
        .output()
        .unwrap();
    assert!(out.status.success());
    let target = format!("emu:{}", medium.display());
    (medium, target)
}
