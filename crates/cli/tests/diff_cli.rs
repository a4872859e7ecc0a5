//! `discburn diff` (issue 11 §4) reads files to compare their MD5s as
//! `sync` does, and reports it the same way: JSON `progress` events (action
//! `comparing`) from 0 to every block read, a bar on a terminal, and a signal
//! stops it between two chunks (exit 130). What it lists does not change.
//! (What `diff` lists, against `sync`'s plans day by day: `sync_cli.rs`.)

mod interop_support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use interop_support::{discburn, emu_medium};
use serde_json::Value;
use testkit::sessions::write_file;
use testkit::{cmd, require_tool, run};

const T0: u64 = 1_700_000_000;

/// The JSON lines of `discburn --json diff --target TARGET ARGS` (exit 0).
fn diff_lines(target: &str, args: &[&str]) -> Vec<Value> {
    let out = run(discburn()
        .args(["--json", "diff", "--target", target])
        .args(args));
    assert_eq!(out.code, Some(0), "{out}");
    out.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// `(bytes, total_bytes)` of each `comparing` event, checked to be a
/// `progress` event of `diff` whose sector counts say the same.
fn comparing(lines: &[Value]) -> Vec<(u64, u64)> {
    lines
        .iter()
        .filter(|v| v["action"] == "comparing")
        .map(|v| {
            assert_eq!(
                (&v["type"], &v["command"]),
                (&"progress".into(), &"diff".into())
            );
            let (done, total) = (
                v["bytes"].as_u64().unwrap(),
                v["total_bytes"].as_u64().unwrap(),
            );
            assert_eq!(v["sectors_done"].as_u64().unwrap() * 2048, done, "{v}");
            assert_eq!(v["sectors_total"].as_u64().unwrap() * 2048, total, "{v}");
            (done, total)
        })
        .collect()
}

/// Events from (0, total) to (total, total), never going back; then the
/// one result.
fn check_progress(lines: &[Value], total: u64, what: &str) {
    interop_support::assert_progress_runs(&comparing(lines), total, what);
    let results: Vec<&Value> = lines.iter().filter(|v| v["type"] == "result").collect();
    assert_eq!(results.len(), 1, "{what}: {lines:?}");
    assert!(std::ptr::eq(results[0], lines.last().unwrap()), "{what}");
}

/// What a result lists: `(path, reasons)` of the `changed` entries, and
/// the paths added and removed.
type Listing = (Vec<(String, Vec<String>)>, Vec<String>, Vec<String>);

fn listing(result: &Value) -> Listing {
    let paths = |list: &str| -> Vec<String> {
        let entries = result[list]
            .as_array()
            .unwrap_or_else(|| panic!("{result}"));
        entries
            .iter()
            .map(|e| e["path"].as_str().unwrap().to_string())
            .collect()
    };
    let changed = result["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let reasons = e["reasons"].as_array().unwrap();
            let reasons = reasons.iter().map(|r| r.as_str().unwrap().to_string());
            (e["path"].as_str().unwrap().to_string(), reasons.collect())
        })
        .collect();
    (changed, paths("added"), paths("removed"))
}

#[test]
fn content_reports_progress_and_lists_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let sizes: [usize; 4] = [3 << 20, 1 << 20, 5000, 1];
    let file = |i: usize, seed: usize| -> Vec<u8> {
        (0..sizes[i]).map(|b| (b * 7 + i + seed) as u8).collect()
    };
    for i in 0..sizes.len() {
        write_file(&src.join(format!("f{i}")), &file(i, 0), 0o644, T0);
    }
    let blocks: u64 = sizes.iter().map(|&s| (s as u64).div_ceil(2048)).sum();
    // A session without checksums: every file is read from the host and
    // from the image.
    let image = dir.path().join("plain.iso");
    let target = image.to_str().unwrap();
    let burned = run(discburn()
        .args(["burn", "--no-checksums", "--target", target])
        .arg(&src));
    assert!(burned.success(), "{burned}");
    // f1 rewritten: same size, same mtime.
    write_file(&src.join("f1"), &file(1, 1), 0o644, T0);
    let src_arg = src.to_str().unwrap();

    let lines = diff_lines(target, &["--content", "--session", "1", src_arg]);
    check_progress(&lines, 2 * blocks * 2048, "session and directory");
    let result = lines.last().unwrap();
    assert_eq!(result["md5_compared"], sizes.len(), "{result}");
    let expected: Listing = (
        vec![("/f1".to_string(), vec!["content".to_string()])],
        Vec::<String>::new(),
        Vec::<String>::new(),
    );
    assert_eq!(listing(result), expected, "{result}");
    // The text form lists the same, its bar cleared (not a terminal here).
    let text = run(discburn().args([
        "diff",
        "--content",
        "--target",
        target,
        "--session",
        "1",
        src_arg,
    ]));
    assert!(text.success(), "{text}");
    assert_eq!(
        text.stdout,
        "~ /f1 (file, 1048576 bytes: content)\nsession 1 -> src: 0 added, 1 changed, 0 removed\n"
            .replace("src", src_arg),
        "{text}"
    );

    // Two sessions: sync recorded the MD5s of the files it wrote (f1 only);
    // the others' MD5s are read, on both sides from the same blocks.
    let synced = run(discburn().args(["sync", "--target", target]).arg(&src));
    assert!(synced.success(), "{synced}");
    let lines = diff_lines(target, &["--content", "--session", "1", "--session", "2"]);
    let result = lines.last().unwrap();
    assert_eq!(listing(result), expected, "{result}");
    let read = comparing(&lines).last().map_or(0, |e| e.1);
    check_progress(&lines, read, "two sessions");
    // f1 of session 1 is read (session 2's is recorded); the others lie in
    // the same blocks in both sessions, so no MD5 is needed for them.
    assert_eq!(read, (1u64 << 20).div_ceil(2048) * 2048, "{lines:?}");

    // Nothing to read: no progress event.
    let lines = diff_lines(target, &["--session", "2", "--session", "2", "--content"]);
    assert!(comparing(&lines).is_empty(), "{lines:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
}

#[test]
fn a_terminal_shows_the_bar() {
    if !require_tool("script") {
        return;
    }
    // A slowed emulated disc without checksums: 2 MiB read back, 64 KiB a
    // command, about a second.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let data: Vec<u8> = (0..2u32 << 20).map(|i| (i % 251) as u8).collect();
    write_file(&src.join("big.bin"), &data, 0o644, T0);
    let target = emu_medium(&dir.path().join("disc.emu"), "cd-r");
    let burned = run(discburn()
        .args(["burn", "--no-checksums", "--target", &target])
        .arg(&src));
    assert!(burned.success(), "{burned}");
    let line = format!(
        "{} diff --content --target {target} --session 1 {}",
        env!("CARGO_BIN_EXE_discburn"),
        src.display()
    );
    let out =
        run(cmd("script", ["-qec", &line, "/dev/null"]).env("DISCBURN_EMU_FAULTS", "slow=10ms"));
    assert!(out.success(), "{out}");
    assert!(out.stdout.contains("comparing contents (MD5) ["), "{out}");
    assert!(
        out.stdout.contains("no differences between session 1 and"),
        "{out}"
    );
}

#[test]
fn an_interrupted_diff_stops_between_chunks() {
    // 4 MiB read back from a slowed emulated disc, 64 KiB a command (over a
    // second): SIGINT at the first event stops the diff between chunks.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let data: Vec<u8> = (0..4u32 << 20).map(|i| (i % 251) as u8 + 1).collect();
    write_file(&src.join("big.bin"), &data, 0o644, T0);
    let target = emu_medium(&dir.path().join("disc.emu"), "cd-r");
    let burned = run(discburn()
        .args(["burn", "--no-checksums", "--target", &target])
        .arg(&src));
    assert!(burned.success(), "{burned}");

    let mut child = discburn()
        .args([
            "--json",
            "diff",
            "--content",
            "--target",
            &target,
            "--session",
            "1",
        ])
        .arg(&src)
        .env("DISCBURN_EMU_FAULTS", "slow=20ms")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = lines
        .by_ref()
        .map(|l| serde_json::from_str::<Value>(&l.unwrap()).unwrap())
        .find(|v| v["action"] == "comparing")
        .expect("no comparing event");
    assert!(first["bytes"].as_u64().unwrap() < first["total_bytes"].as_u64().unwrap());
    let killed = cmd("kill", ["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let rest: Vec<Value> = lines
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{rest:?}");
    let error = rest.last().unwrap();
    assert_eq!(
        (&error["type"], &error["code"]),
        (&"error".into(), &"interrupted".into())
    );
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("the diff was interrupted"), "{message}");
    // Stopped between chunks: the last event did not reach the end.
    let last = comparing(&rest[..rest.len() - 1]).last().copied();
    assert!(last.is_none_or(|(done, total)| done < total), "{rest:?}");
    assert!(!rest.iter().any(|v| v["type"] == "result"), "{rest:?}");
}

#[test]
fn two_sessions_with_checksums_compare_their_recorded_md5s() {
    // Under SOURCE_DATE_EPOCH sessions record no ctimes of their own: a
    // rewrite with the same size and mtime shows only in the data. Both
    // sessions recorded its MD5, so `diff` compares them without --content,
    // reading nothing (it said "no differences").
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let image = dir.path().join("sde.iso");
    let target = image.to_str().unwrap();
    let sync = |args: &[&str]| {
        let out = run(discburn()
            .args(["sync", "--target", target])
            .args(args)
            .arg(&src)
            .env("SOURCE_DATE_EPOCH", "1750000000"));
        assert!(out.success(), "{out}");
    };
    write_file(&src.join("a.txt"), b"AAAA\n", 0o644, T0);
    write_file(&src.join("same.txt"), b"same\n", 0o644, T0);
    sync(&[]);
    write_file(&src.join("a.txt"), b"BBBB\n", 0o644, T0);
    sync(&["--content"]);
    let lines = diff_lines(target, &["--session", "1", "--session", "2"]);
    assert!(comparing(&lines).is_empty(), "nothing is read: {lines:?}");
    let result = lines.last().unwrap();
    let expected: Listing = (
        vec![("/a.txt".to_string(), vec!["content".to_string()])],
        Vec::new(),
        Vec::new(),
    );
    assert_eq!(listing(result), expected, "{result}");
    assert_eq!(result["md5_compared"], 1, "{result}");
    assert_eq!(result["ctimes_compared"], false, "{result}");

    // Against the directory, rewritten again: without --content nothing
    // can tell, and `diff` says so instead of a plain "no differences".
    write_file(&src.join("a.txt"), b"CCCC\n", 0o644, T0);
    let src_arg = src.to_str().unwrap();
    let result = diff_lines(target, &["--session", "2", src_arg])
        .pop()
        .unwrap();
    assert_eq!(
        (&result["identical"], &result["ctimes_compared"]),
        (&true.into(), &false.into()),
        "{result}"
    );
    let text = run(discburn().args(["diff", "--target", target, "--session", "2", src_arg]));
    assert!(
        text.stdout.contains("change times were not compared"),
        "{text}"
    );
    assert!(text.stdout.contains("only with --content"), "{text}");
    let content = diff_lines(target, &["--session", "2", "--content", src_arg]);
    assert_eq!(listing(content.last().unwrap()), expected, "{content:?}");
}

#[test]
fn a_session_without_rock_ridge_has_no_modes_to_compare() {
    // Without Rock Ridge a session records no permission bits or owners
    // (readers make them up): they are no difference, and `diff` says it
    // did not compare them.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write_file(&src.join("run.sh"), b"#!/bin/sh\n", 0o755, T0);
    write_file(&src.join("notes.txt"), b"notes\n", 0o600, T0);
    let src_arg = src.to_str().unwrap();
    let mut results = Vec::new();
    for (name, args) in [("rr.iso", &[][..]), ("plain.iso", &["--no-rock-ridge"][..])] {
        let image = dir.path().join(name);
        let target = image.to_str().unwrap();
        let burned = run(discburn()
            .args(["burn", "--target", target])
            .args(args)
            .arg(&src));
        assert!(burned.success(), "{burned}");
        chmod(&src.join("notes.txt"), 0o640);
        let lines = diff_lines(target, &["--session", "1", src_arg]);
        results.push(lines.last().unwrap().clone());
        chmod(&src.join("notes.txt"), 0o600);
    }
    let (rr, plain) = (&results[0], &results[1]);
    assert_eq!(rr["attributes_compared"], true, "{rr}");
    let mode = vec!["mode".to_string()];
    assert_eq!(listing(rr).0, [("/notes.txt".to_string(), mode)], "{rr}");
    assert_eq!(plain["attributes_compared"], false, "{plain}");
    assert_eq!(plain["identical"], true, "{plain}");
    let image = dir.path().join("plain.iso");
    let text = run(discburn()
        .args(["diff", "--session", "1", "--target"])
        .arg(&image)
        .arg(&src));
    assert!(
        text.stdout.contains("modes and owners were not compared"),
        "{text}"
    );
}

fn chmod(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}
