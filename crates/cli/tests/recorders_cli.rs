//! Three sessions on every kind of emulated disc, from the command line, as
//! the classic multisession script does: add; remove a directory and replace
//! a file; add and `--close`. Each session reads back exactly — through
//! discburn and through xorriso on the medium's data file (LBA × 2048, so
//! `-load sbsector` finds each session) — the addresses follow each medium's
//! rules (CD: 11 400 blocks after the first session, 6 900 after later ones),
//! each session of the export reads back by isoinfo, xorriso and pycdlib,
//! and a fourth session on the closed disc is refused without touching it.

mod interop_support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use interop_support::{discburn, emu_medium, pycdlib_session_snapshot};
use testkit::compare::assert_same;
use testkit::{snapshot, CompareOptions};

fn run_ok(cmd: &mut Command) -> serde_json::Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or("null")).unwrap_or(serde_json::Value::Null)
}

fn write_tree(dir: &Path, files: &[(&str, &[u8])]) {
    for (path, data) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, data).unwrap();
    }
}

/// The sources of the three sessions and the tree each session must hold.
struct Trees {
    sources: [PathBuf; 3],
    expected: [PathBuf; 3],
}

fn trees(dir: &Path) -> Trees {
    let big: Vec<u8> = (0..700_000u32).map(|i| (i % 253) as u8).collect();
    let s1: &[(&str, &[u8])] = &[
        ("docs/a.txt", b"first\n"),
        ("gone/old.txt", b"removed in session 2\n"),
        ("big.bin", &big),
    ];
    let s2: &[(&str, &[u8])] = &[
        ("docs/a.txt", b"replaced in session 2\n"),
        ("two.txt", b"2\n"),
    ];
    let s3: &[(&str, &[u8])] = &[("three/c.txt", b"3\n")];
    let sources = [dir.join("s1"), dir.join("s2"), dir.join("s3")];
    write_tree(&sources[0], s1);
    write_tree(&sources[1], s2);
    write_tree(&sources[2], s3);
    let expected = [dir.join("e1"), dir.join("e2"), dir.join("e3")];
    write_tree(&expected[0], s1);
    let kept: Vec<_> = s1
        .iter()
        .filter(|(p, _)| !p.starts_with("gone/"))
        .copied()
        .collect();
    for e in &expected[1..] {
        write_tree(e, &kept);
        write_tree(e, s2);
    }
    write_tree(&expected[2], s3);
    Trees { sources, expected }
}

/// The medium's state file, its data file's length and modification time,
/// and the data file's first `blocks` blocks (the data file is a sparse file
/// of the disc's whole capacity, 25 GB for a BD), to see that a refused burn
/// left it alone.
fn medium_bytes(medium: &Path, blocks: u64) -> (Vec<u8>, u64, std::time::SystemTime, Vec<u8>) {
    use std::io::Read;
    let state = PathBuf::from(format!("{}.state.json", medium.display()));
    let md = fs::metadata(medium).unwrap();
    let mut head = Vec::new();
    fs::File::open(medium)
        .unwrap()
        .take(blocks * 2048)
        .read_to_end(&mut head)
        .unwrap();
    (
        fs::read(state).unwrap(),
        md.len(),
        md.modified().unwrap(),
        head,
    )
}

fn three_sessions_on(media: &str) {
    three_sessions(media, false);
}

/// `formatted`: `discburn format` first (DVD-RW becomes restricted
/// overwrite; DVD+RW and BD-RE are formatted but hold nothing): the disc is
/// still blank to `info` and grows like an image file.
fn three_sessions(media: &str, formatted: bool) {
    let dir = tempfile::tempdir().unwrap();
    let trees = trees(dir.path());
    let medium = dir.path().join(format!("{media}.emu"));
    let target = emu_medium(&medium, media);
    if formatted {
        run_ok(discburn().args(["format", "--target", &target]));
    }
    let blank = run_ok(discburn().args(["--json", "info", "--plan", "10M", "--target", &target]));
    assert_eq!(blank["status"], "blank", "{media}: {blank}");
    let fit = blank["capacity"]["sessions_that_fit"].as_u64().unwrap();
    let free = blank["free_blocks"].as_u64().unwrap();
    assert!(fit > 0 && fit <= free / 5120, "{media}: {blank}");

    let source = |i: usize| trees.sources[i].to_str().unwrap().to_string();
    let reports = [
        run_ok(discburn().args([
            "--json",
            "burn",
            "--target",
            &target,
            "--volume-name",
            "ONE",
            &source(0),
        ])),
        run_ok(discburn().args([
            "--json",
            "burn",
            "--target",
            &target,
            "--volume-name",
            "TWO",
            "--remove",
            "/gone",
            &source(1),
        ])),
        run_ok(discburn().args([
            "--json",
            "burn",
            "--target",
            &target,
            "--volume-name",
            "THREE",
            "--close",
            &source(2),
        ])),
    ];
    assert_eq!(
        reports[1]["removed"],
        serde_json::json!(["/gone"]),
        "{media}"
    );
    assert_eq!(
        reports[1]["replaced"],
        serde_json::json!(["/docs/a.txt"]),
        "{media}"
    );

    let info = run_ok(discburn().args(["--json", "info", "--target", &target]));
    let sessions = info["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 3, "{media}: {info}");
    let starts: Vec<u64> = sessions
        .iter()
        .map(|s| s["start_lba"].as_u64().unwrap())
        .collect();
    for (i, report) in reports.iter().enumerate() {
        assert_eq!(
            report["start_lba"].as_u64(),
            Some(starts[i]),
            "{media} session {}",
            i + 1
        );
        assert_eq!(
            sessions[i]["volume_name"],
            ["ONE", "TWO", "THREE"][i],
            "{media}"
        );
    }
    let overwritable = formatted || matches!(media, "dvd+rw" | "bd-re");
    if overwritable {
        // Grown like an image file: session 1 at 32, then 32-block boundaries.
        assert_eq!(starts[0], 32, "{media}");
        for i in 1..3 {
            let end = starts[i - 1] + sessions[i - 1]["blocks"].as_u64().unwrap();
            assert_eq!(starts[i], end.div_ceil(32) * 32, "{media}");
        }
        // Another session can always go on: where the next one would start,
        // and what is left after it.
        assert_eq!(info["status"], "overwritable", "{media}: {info}");
        let end = starts[2] + sessions[2]["blocks"].as_u64().unwrap();
        let next = end.div_ceil(32) * 32;
        assert_eq!(info["next_writable_address"].as_u64(), Some(next), "{info}");
        let size = info["media"]["capacity_blocks"].as_u64().unwrap();
        assert_eq!(info["free_blocks"].as_u64(), Some(size - next), "{info}");
        assert_eq!(
            info["capacity"]["sessions_that_fit"].as_u64(),
            None,
            "{media}: no --plan, no count"
        );
        let plan = run_ok(discburn().args([
            "--json",
            "burn",
            "--dry-run",
            "--target",
            &target,
            &source(2),
        ]));
        assert_eq!(plan["start_lba"].as_u64(), Some(next), "{plan}");
        // xorriso sees the history on the medium's data file (LBA × 2048).
        if testkit::require_tool("xorriso") {
            let toc = testkit::run(Command::new("xorriso").args([
                "-indev",
                medium.to_str().unwrap(),
                "-toc",
            ]));
            let listed: Vec<u64> = toc
                .stdout
                .lines()
                .chain(toc.stderr.lines())
                .filter(|l| l.starts_with("ISO session"))
                .map(|l| l.split(',').nth(1).unwrap().trim().parse().unwrap())
                .collect();
            assert_eq!(listed, starts, "{media}: {toc}");
        }
    } else {
        assert_eq!(starts[0], 0, "{media}");
        let tracks = info["media"]["tracks"].as_array().unwrap();
        assert_eq!(tracks.len(), 3, "{media}: {info}");
        assert_eq!(info["media"]["disc_status"], "complete", "{media}");
        assert_eq!(info["status"], "closed", "{media}");
        if media.starts_with("cd") {
            // Lead-out + lead-in + pre-gap between a track's end and the next session.
            for (i, gap) in [(1, 11_400), (2, 6_900)] {
                let end = tracks[i - 1]["start"].as_u64().unwrap()
                    + tracks[i - 1]["size"].as_u64().unwrap();
                assert_eq!(starts[i] - end, gap, "{media} gap before session {}", i + 1);
            }
        }
    }

    // The export: every track at its LBA, as ordinary tools address a disc.
    let export = dir.path().join("export.iso");
    let cue = dir.path().join("export.cue");
    let exported = run_ok(
        discburn()
            .args(["--json", "export", "--target", &target, "--output"])
            .arg(&export)
            .arg("--cue")
            .arg(&cue),
    );
    let cue_text = fs::read_to_string(&cue).unwrap();
    if !overwritable {
        assert_eq!(
            exported["tracks"].as_array().unwrap().len(),
            3,
            "{media}: {exported}"
        );
        assert_eq!(
            cue_text.matches("REM SESSION").count(),
            3,
            "{media}: {cue_text}"
        );
    }

    for (i, expected) in trees.expected.iter().enumerate() {
        let number = (i + 1).to_string();
        let out = dir.path().join(format!("x{number}"));
        run_ok(
            discburn()
                .args([
                    "extract",
                    "--target",
                    &target,
                    "--session",
                    &number,
                    "--output",
                ])
                .arg(&out),
        );
        assert_same(
            &snapshot(expected).unwrap(),
            &snapshot(&out).unwrap(),
            &CompareOptions::content_only(),
            &format!("{media} session {number} by discburn"),
        );
        // xorriso and isoinfo read each session of the export.
        if testkit::require_tool("isoinfo") {
            let listing = testkit::run(Command::new("isoinfo").args([
                "-i",
                export.to_str().unwrap(),
                "-T",
                &starts[i].to_string(),
                "-R",
                "-f",
            ]));
            assert!(listing.success(), "{listing}");
            let mut seen: Vec<String> = listing
                .stdout
                .lines()
                .map(|l| l.trim_start_matches('/').to_string())
                .collect();
            seen.sort();
            let mut wanted: Vec<String> = snapshot(expected)
                .unwrap()
                .entries
                .keys()
                .cloned()
                .collect();
            wanted.retain(|p| !p.is_empty());
            wanted.sort();
            assert_eq!(seen, wanted, "{media} session {number} by isoinfo");
        }
        if testkit::require_python_module("pycdlib") {
            assert_same(
                &snapshot(expected).unwrap(),
                &pycdlib_session_snapshot(&export, starts[i]),
                &CompareOptions::content_only(),
                &format!("{media} session {number} by pycdlib"),
            );
        }
        if testkit::require_tool("xorriso") {
            let out = dir.path().join(format!("xorriso{number}"));
            let listing = testkit::run(Command::new("xorriso").args([
                "-osirrox",
                "on",
                "-indev",
                export.to_str().unwrap(),
                "-load",
                "sbsector",
                &starts[i].to_string(),
                "-extract",
                "/",
                out.to_str().unwrap(),
            ]));
            assert!(listing.success(), "{listing}");
            assert_same(
                &snapshot(expected).unwrap(),
                &snapshot(&out).unwrap(),
                &CompareOptions::content_only(),
                &format!("{media} session {number} by xorriso"),
            );
        }
    }

    // Without --session every reader shows the newest tree, as the kernel
    // mounts a disc (its last session), not the first session at LBA 16.
    let newest = dir.path().join("newest");
    run_ok(
        discburn()
            .args(["extract", "--target", &target, "--output"])
            .arg(&newest),
    );
    assert_same(
        &snapshot(&trees.expected[2]).unwrap(),
        &snapshot(&newest).unwrap(),
        &CompareOptions::content_only(),
        &format!("{media}: extract without --session"),
    );
    let listing = |extra: &[&str]| {
        run_ok(
            discburn()
                .args(["--json", "ls", "-R", "--target", &target])
                .args(extra),
        )
    };
    assert_eq!(listing(&[]), listing(&["--session", "3"]), "{media}: ls");
    assert_eq!(
        info["file_system"]["volume_id"], "THREE",
        "{media}: info describes the newest session: {info}"
    );

    if !overwritable {
        // Closed: a fourth session is refused and the medium is untouched.
        let last = &info["media"]["tracks"].as_array().unwrap()[2];
        let end = last["start"].as_u64().unwrap() + last["size"].as_u64().unwrap() + 64;
        let before = medium_bytes(&medium, end);
        let out = discburn()
            .args(["burn", "--target", &target, &source(2)])
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "{media}: a closed disc took a session"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("closed"), "{media}: {stderr}");
        assert!(
            medium_bytes(&medium, end) == before,
            "{media}: the refused burn changed the medium"
        );
    }
}

#[test]
fn cd_r() {
    three_sessions_on("cd-r");
}

#[test]
fn cd_rw() {
    three_sessions_on("cd-rw");
}

#[test]
fn dvd_r() {
    three_sessions_on("dvd-r");
}

#[test]
fn dvd_r_dl() {
    three_sessions_on("dvd-r-dl");
}

#[test]
fn dvd_rw() {
    three_sessions_on("dvd-rw");
}

#[test]
fn dvd_plus_r() {
    three_sessions_on("dvd+r");
}

#[test]
fn dvd_plus_r_dl() {
    three_sessions_on("dvd+r-dl");
}

#[test]
fn dvd_plus_rw() {
    three_sessions_on("dvd+rw");
}

#[test]
fn bd_r() {
    three_sessions_on("bd-r");
}

#[test]
fn bd_re() {
    three_sessions_on("bd-re");
}

/// Formatted media (`discburn format`, then burn): DVD-RW in restricted
/// overwrite takes only whole 16-block ECC blocks, a CD-RW formatted for
/// fixed packets only whole 32-block packets, so the session's last, partial
/// one is read, completed and written whole.
#[test]
fn formatted_dvd_rw_dvd_plus_rw_bd_re_cd_rw() {
    for media in ["dvd-rw", "dvd+rw", "bd-re", "cd-rw"] {
        three_sessions(media, true);
    }
}

/// A burn that meets a fault never reports success, never loses the earlier
/// session, and leaves a disc whose next burn says what happened.
fn fault_during_second_session(media: &str, faults: &str, recovers: bool) {
    let dir = tempfile::tempdir().unwrap();
    let trees = trees(dir.path());
    let medium = dir.path().join(format!("{media}.emu"));
    let target = emu_medium(&medium, media);
    let source = |i: usize| trees.sources[i].to_str().unwrap().to_string();
    run_ok(discburn().args(["burn", "--target", &target, &source(0)]));
    let info = run_ok(discburn().args(["--json", "info", "--target", &target]));
    let nwa = info["media"]["next_writable_address"].as_u64().unwrap();
    let faults = faults.replace("NWA", &(nwa + 40).to_string());

    let out = discburn()
        .env("DISCBURN_EMU_FAULTS", &faults)
        .args(["--json", "burn", "--target", &target, &source(1)])
        .output()
        .unwrap();
    let what = format!("{media} with {faults}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    if recovers {
        // A fault the drive recovers from (busy, reset before any data): the burn completes.
        assert!(out.status.success(), "{what}: {stdout}");
    } else {
        assert!(!out.status.success(), "{what}: reported success: {stdout}");
        assert!(!stdout.contains("\"type\":\"result\""), "{what}: {stdout}");
    }
    // Session 1 is whole.
    let x1 = dir.path().join("x1");
    run_ok(
        discburn()
            .args(["extract", "--target", &target, "--session", "1", "--output"])
            .arg(&x1),
    );
    assert_same(
        &snapshot(&trees.expected[0]).unwrap(),
        &snapshot(&x1).unwrap(),
        &CompareOptions::content_only(),
        &format!("{what}: session 1 after the fault"),
    );
    let info = run_ok(discburn().args(["--json", "info", "--target", &target]));
    if recovers {
        assert_eq!(
            info["sessions"].as_array().unwrap().len(),
            2,
            "{what}: {info}"
        );
        return;
    }
    // Only the complete session is listed; the next burn is refused, saying why.
    assert_eq!(
        info["sessions"].as_array().unwrap().len(),
        1,
        "{what}: {info}"
    );
    let out = discburn()
        .args(["burn", "--target", &target, &source(2)])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if info["media"]["last_session_state"] == "incomplete" {
        assert_eq!(info["status"], "damaged", "{what}: {info}");
        // The failed burn said what it left, where; `info` marks the track.
        let error = stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|v| v["type"] == "error")
            .unwrap_or_else(|| panic!("{what}: no error object: {stdout}"));
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains(&format!(
                "session 2 is left incomplete on the disc (a track at LBA {nwa}"
            )),
            "{what}: {message}"
        );
        let text = discburn()
            .args(["info", "--target", &target])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(
            text.lines()
                .any(|l| l.starts_with("Track 2:") && l.contains("damaged")),
            "{what}: {text}"
        );
        assert!(
            !out.status.success(),
            "{what}: appended after an incomplete session"
        );
        assert!(stderr.contains("left incomplete"), "{what}: {stderr}");
    } else {
        // Nothing of session 2 reached the disc (the fault came before any
        // data was kept): the next burn is session 2.
        assert!(out.status.success(), "{what}: {stderr}");
    }
}

#[test]
fn faults_never_lose_a_session_or_report_success() {
    for media in ["cd-r", "dvd+r", "bd-r"] {
        fault_during_second_session(media, "write_error@lba=NWA", false);
        fault_during_second_session(media, "power_loss@write=2", false);
        fault_during_second_session(media, "medium_removed@write=2,for=50", false);
        fault_during_second_session(media, "busy_every=3", true);
    }
}

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

#[test]
fn exit_codes_tell_failures_apart() {
    let dir = tempfile::tempdir().unwrap();
    let trees = trees(dir.path());
    let source = trees.sources[0].to_str().unwrap();
    let code = |cmd: &mut Command| cmd.output().unwrap().status.code();
    // 2: usage.
    assert_eq!(code(discburn().args(["burn", "--no-such-option"])), Some(2));
    // 3: no such target.
    let missing = dir.path().join("missing.iso");
    assert_eq!(
        code(discburn().args(["info", "--target"]).arg(&missing)),
        Some(3)
    );
    // 4: a closed disc.
    let medium = dir.path().join("closed.emu");
    let target = emu_medium(&medium, "dvd+r");
    run_ok(discburn().args(["burn", "--close", "--target", &target, source]));
    assert_eq!(
        code(discburn().args(["burn", "--target", &target, source])),
        Some(4)
    );
    // 4: a write-protected medium, refused before anything is written.
    let protected = dir.path().join("protected.emu");
    let protected_target = emu_medium(&protected, "bd-r");
    run_ok(discburn().args(["emu", "protect"]).arg(&protected));
    assert_eq!(
        code(discburn().args(["burn", "--target", &protected_target, source])),
        Some(4)
    );
    // 5: the drive fails a WRITE mid-burn (3/0C/00): the exit code and the
    // JSON error's code come from the sense under the write error.
    let failing = dir.path().join("failing.emu");
    let failing_target = emu_medium(&failing, "dvd+r");
    let out = discburn()
        .env("DISCBURN_EMU_FAULTS", "write_error@lba=40")
        .args(["--json", "burn", "--target", &failing_target, source])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let error: serde_json::Value = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|v| v["type"] == "error")
        .unwrap_or_else(|| panic!("no error object: {stdout}"));
    assert_eq!(error["code"], "drive", "{error}");
    // The sense in numbers and words, the block and the drive.
    let message = error["message"].as_str().unwrap_or("");
    assert!(
        message.contains("WRITE(10) at LBA 32: 3/0C/00 MEDIUM ERROR, WRITE ERROR"),
        "{error}"
    );
    assert!(message.contains(&failing_target), "{error}");
    // 0 and a blank disc again after blanking a closed CD-RW.
    let rw = dir.path().join("rw.emu");
    let rw_target = emu_medium(&rw, "cd-rw");
    run_ok(discburn().args(["burn", "--close", "--target", &rw_target, source]));
    run_ok(discburn().args(["blank", "--target", &rw_target]));
    let info = run_ok(discburn().args(["--json", "info", "--target", &rw_target]));
    assert_eq!(info["media"]["disc_status"], "blank", "{info}");
    run_ok(discburn().args(["burn", "--target", &rw_target, source]));
    // Completions and the manual page come from the same definitions.
    let out = discburn().args(["completions", "bash"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("export"));
    let out = discburn().arg("manpage").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(".TH discburn 1"));
}

#[test]
fn the_drive_buffer_is_reported_and_a_starved_drive_underruns() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    write_tree(&src, &[("data.bin", &data)]);
    for (faults, starved, speed) in [("", false, "8"), ("slow=20ms", true, "48")] {
        let medium = dir.path().join(format!("u{starved}.emu"));
        let target = emu_medium(&medium, "cd-r");
        // 48x CD: 8.5 MB/s, so 20 ms between 64 KiB writes leaves the drive dry.
        let out = discburn()
            .env("DISCBURN_EMU_FAULTS", faults)
            .args(["--json", "burn", "--speed", speed, "--target", &target])
            .arg(&src)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let result = lines.last().unwrap();
        let underruns = result["buffer_underruns"].as_u64().unwrap();
        assert_eq!(underruns > 0, starved, "{faults:?}: {result}");
        let fills: Vec<f64> = lines
            .iter()
            .filter(|e| e["action"] == "writing")
            .filter_map(|e| e["drive_buffer_fill"].as_f64())
            .collect();
        if !starved {
            assert!(
                fills.iter().any(|&f| f > 0.0),
                "a fed drive's buffer fills: {fills:?}"
            );
        }
        assert!(
            lines
                .iter()
                .filter(|e| e["action"] == "writing")
                .all(|e| e["read_ahead_fill"].is_number()),
            "{text}"
        );
    }
}

/// A session after which the space left could not take another closes the
/// disc without `--close`, and says why; the dry run says it would.
#[test]
fn a_session_that_leaves_too_little_room_closes_the_disc() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write_tree(&src, &[("a.txt", b"a")]);
    let medium = dir.path().join("small.emu");
    let out = discburn()
        .args(["emu", "create", "--media", "cd-r", "--capacity", "20000"])
        .arg(&medium)
        .output()
        .unwrap();
    assert!(out.status.success());
    let target = format!("emu:{}", medium.display());
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

/// An emulated medium that is not there is "target not found" (exit 3), not
/// a drive error; completions and the man page cut short by `| head` end cleanly.
#[test]
fn a_missing_medium_is_not_found_and_generated_text_survives_a_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("emu:{}", dir.path().join("none.emu").display());
    let src = dir.path().join("src");
    fs::create_dir_all(&src).unwrap();
    let export = dir.path().join("export.iso");
    let src_arg = src.to_str().unwrap();
    let export_arg = export.to_str().unwrap();
    // Every command that opens the medium, whatever way it opens it.
    for args in [
        &["info"][..],
        &["ls"],
        &["verify"],
        &["check-media"],
        &["diff", "--session", "1"],
        &["sync", src_arg],
        &["burn", src_arg],
        &["export", "--output", export_arg],
    ] {
        let out = discburn()
            .args(["--json"])
            .args(args)
            .args(["--target", &missing])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}: {out:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let last = stdout.lines().last().unwrap_or_default();
        let error: serde_json::Value = serde_json::from_str(last).unwrap();
        assert_eq!(error["code"], "not_found", "{args:?}: {error}");
    }
    assert!(!export.exists());
    for args in [&["completions", "bash"][..], &["manpage"][..]] {
        let mut child = discburn()
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader goes away at once
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
    }
}

/// A session that does not fit is refused before a byte is written, saying
/// by how many blocks and how large a session would fit; one of that size
/// then goes on (issue 10 §3).
#[test]
fn a_session_that_does_not_fit_says_by_how_much_and_what_would() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small");
    write_tree(&small, &[("a.txt", b"a")]);
    let medium = dir.path().join("small.emu");
    let out = discburn()
        .args(["emu", "create", "--media", "cd-r", "--capacity", "20000"])
        .arg(&medium)
        .output()
        .unwrap();
    assert!(out.status.success());
    let target = format!("emu:{}", medium.display());
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
    let session = {
        let at = stderr
            .find("it takes ")
            .unwrap_or_else(|| panic!("{stderr}"))
            + 9;
        stderr[at..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    let overhead = number_before(" of overhead");
    // The run-out and the 2250-block lead-out of a later CD session.
    assert_eq!(overhead, 2 + 2250, "{stderr}");
    assert!(stderr.contains(&format!("{free} blocks")), "{stderr}");
    assert!(
        stderr.contains(&format!("{} blocks (", session + overhead - free)),
        "{stderr}"
    );
    let fits = {
        let at = stderr
            .find("at most ")
            .unwrap_or_else(|| panic!("{stderr}"))
            + 8;
        stderr[at..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
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

/// A write-protected medium (its switch turned on with `emu protect`; a
/// read-only data file does the same for users other than root): `info`
/// says so in text and JSON, and `burn`, `blank` and `format` refuse with
/// exit code 4 before sending anything that changes it — the medium's files
/// are untouched — and say how to release it. Released, it takes a session.
#[test]
fn a_write_protected_medium_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write_tree(&src, &[("a.txt", b"one\n")]);
    for media in ["dvd+r", "cd-rw", "dvd+rw"] {
        let medium = dir.path().join(format!("{media}.emu"));
        let target = emu_medium(&medium, media);
        run_ok(
            discburn()
                .args(["--json", "burn", "--target", &target])
                .arg(&src),
        );
        run_ok(discburn().args(["emu", "protect"]).arg(&medium));
        let info = run_ok(discburn().args(["--json", "info", "--target", &target]));
        assert_eq!(info["status"], "write-protected", "{media}: {info}");
        assert_eq!(info["media"]["write_protected"], true, "{media}: {info}");
        let text = discburn()
            .args(["info", "--target", &target])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(text.contains("Write-protected:     yes"), "{media}: {text}");
        let before = medium_bytes(&medium, 2048);
        let attempts: [&[&str]; 4] = [
            &["burn", "--target", &target, src.to_str().unwrap()],
            &[
                "burn",
                "--dry-run",
                "--target",
                &target,
                src.to_str().unwrap(),
            ],
            &["blank", "--target", &target],
            &["format", "--target", &target],
        ];
        for args in attempts {
            let out = discburn().args(args).output().unwrap();
            assert_eq!(out.status.code(), Some(4), "{media} {args:?}: {out:?}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains("write-protected") && stderr.contains("emu protect --off"),
                "{media} {args:?}: {stderr}"
            );
            assert!(
                medium_bytes(&medium, 2048) == before,
                "{media} {args:?}: the refused command changed the medium"
            );
        }
        if media == "dvd+r" {
            // A pressed disc is read-only media.
            let image = dir.path().join("rom.iso");
            run_ok(discburn().arg("burn").arg("--target").arg(&image).arg(&src));
            let rom = dir.path().join("rom.emu");
            run_ok(
                discburn()
                    .args(["emu", "create", "--media", "dvd-rom", "--from"])
                    .arg(&image)
                    .arg(&rom),
            );
            let rom_target = format!("emu:{}", rom.display());
            let info = run_ok(discburn().args(["--json", "info", "--target", &rom_target]));
            assert_eq!(info["status"], "write-protected", "{info}");
            assert_eq!(
                info["media"]["write_protection"],
                serde_json::json!(["read-only media"]),
                "{info}"
            );
            let out = discburn()
                .args(["burn", "--target", &rom_target])
                .arg(&src)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(4), "{out:?}");
        }
        run_ok(discburn().args(["emu", "protect", "--off"]).arg(&medium));
        let info = run_ok(discburn().args(["--json", "info", "--target", &target]));
        assert_ne!(info["status"], "write-protected", "{media}: {info}");
        assert_eq!(info["media"]["write_protected"], false, "{media}: {info}");
        run_ok(
            discburn()
                .args(["--json", "burn", "--target", &target])
                .arg(&src),
        );
    }
}

/// Ctrl-C in the middle of a burn to a write-once disc: exit 130, the error
/// says which session was left incomplete and where, session 1 still reads
/// back whole, `info` shows the damaged session, and the next burn is
/// refused without touching the disc.
#[test]
fn an_interrupted_burn_to_a_write_once_disc_says_what_it_left() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let trees = trees(dir.path());
    let medium = dir.path().join("dvd+r.emu");
    let target = emu_medium(&medium, "dvd+r");
    run_ok(
        discburn()
            .args(["burn", "--target", &target])
            .arg(&trees.sources[0]),
    );
    let nwa = run_ok(discburn().args(["--json", "info", "--target", &target]))
        ["next_writable_address"]
        .as_u64()
        .unwrap();
    let big = dir.path().join("big");
    fs::create_dir_all(&big).unwrap();
    fs::write(big.join("big.bin"), vec![1u8; 32 << 20]).unwrap();
    let mut child = discburn()
        .env("DISCBURN_EMU_FAULTS", "slow=2ms")
        .args(["--json", "burn", "--target", &target])
        .arg(&big)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut writing = false;
    for line in lines.by_ref() {
        let event: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        if event["action"] == "writing" && event["sectors_done"].as_u64() > Some(0) {
            writing = true;
            break;
        }
    }
    assert!(writing, "no writing progress");
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{out:?}");
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    let error: serde_json::Value = serde_json::from_str(rest.last().unwrap()).unwrap();
    assert_eq!(error["code"], "interrupted", "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("interrupted"), "{message}");
    assert!(
        message.contains(&format!(
            "session 2 is left incomplete on the disc (a track at LBA {nwa}"
        )),
        "{message}"
    );
    assert!(!message.contains("nothing was changed"), "{message}");

    let x1 = dir.path().join("x1");
    run_ok(
        discburn()
            .args(["extract", "--target", &target, "--session", "1", "--output"])
            .arg(&x1),
    );
    assert_same(
        &snapshot(&trees.expected[0]).unwrap(),
        &snapshot(&x1).unwrap(),
        &CompareOptions::content_only(),
        "session 1 after Ctrl-C",
    );
    let info = run_ok(discburn().args(["--json", "info", "--target", &target]));
    assert_eq!(info["status"], "damaged", "{info}");
    assert_eq!(info["sessions"].as_array().unwrap().len(), 1, "{info}");
    let before = medium_bytes(&medium, 30_000);
    let out = discburn()
        .args(["burn", "--target", &target])
        .arg(&trees.sources[1])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("left incomplete"),
        "{out:?}"
    );
    assert!(
        medium_bytes(&medium, 30_000) == before,
        "the refused burn changed the disc"
    );
}

/// `blank` and `format` do what each medium allows and refuse the rest
/// (exit 4, medium untouched): write-once media cannot be erased or
/// formatted; DVD+RW and BD-RE are erased by zeroing their descriptors; a
/// DVD-RW blanked takes sessions again; a CD-RW formatted is erased.
#[test]
fn blank_and_format_fit_the_medium_or_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let trees = trees(dir.path());
    let source = |i: usize| trees.sources[i].to_str().unwrap().to_string();
    for media in ["cd-r", "dvd+r", "bd-r"] {
        let medium = dir.path().join(format!("{media}.emu"));
        let target = emu_medium(&medium, media);
        run_ok(discburn().args(["burn", "--target", &target, &source(0)]));
        let before = medium_bytes(&medium, 2048);
        let refused: [(&str, &[&str]); 3] = [
            ("formatted", &["format"]),
            ("erased", &["blank"]),
            ("erased", &["blank", "--full"]),
        ];
        for (what, args) in refused {
            let out = discburn()
                .args(args)
                .args(["--target", &target])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(4), "{media} {args:?}: {out:?}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains(&format!("which cannot be {what}")),
                "{media} {args:?}: {stderr}"
            );
            assert!(
                medium_bytes(&medium, 2048) == before,
                "{media} {args:?} changed the medium"
            );
        }
    }
    // A CD-RW holding a TAO session is formatted for fixed packets, which
    // erases it: blank to `info`, its next session at LBA 32.
    let medium = dir.path().join("cd-rw.emu");
    let target = emu_medium(&medium, "cd-rw");
    run_ok(discburn().args(["burn", "--target", &target, &source(0)]));
    run_ok(discburn().args(["format", "--target", &target]));
    let info = run_ok(discburn().args(["--json", "info", "--target", &target]));
    assert_eq!(info["status"], "blank", "{info}");
    let first = run_ok(discburn().args(["--json", "burn", "--target", &target, &source(2)]));
    assert_eq!(
        (first["session"].as_u64(), first["start_lba"].as_u64()),
        (Some(1), Some(32)),
        "{first}"
    );
    for (media, full) in [("dvd+rw", false), ("bd-re", true), ("dvd-rw", false)] {
        let medium = dir.path().join(format!("{media}-{full}.emu"));
        let target = emu_medium(&medium, media);
        run_ok(discburn().args(["burn", "--target", &target, &source(0)]));
        run_ok(discburn().args(["burn", "--target", &target, &source(1)]));
        let mut blank = discburn();
        blank.args(["blank", "--target", &target]);
        if full {
            blank.arg("--full");
        }
        run_ok(&mut blank);
        let info = run_ok(discburn().args(["--json", "info", "--target", &target]));
        assert_eq!(info["status"], "blank", "{media}: {info}");
        assert!(info.get("sessions").is_none(), "{media}: {info}");
        // The next burn starts the disc afresh: one session, only its files.
        let first = run_ok(discburn().args(["--json", "burn", "--target", &target, &source(2)]));
        assert_eq!(first["session"], 1, "{media}: {first}");
        let out = dir.path().join(format!("x-{media}"));
        run_ok(
            discburn()
                .args(["extract", "--target", &target, "--output"])
                .arg(&out),
        );
        assert_same(
            &snapshot(&trees.sources[2]).unwrap(),
            &snapshot(&out).unwrap(),
            &CompareOptions::content_only(),
            &format!("{media}: the session after blank"),
        );
    }
}

/// The text summary says how the session was verified and when the drive
/// ran dry, as the JSON result does.
#[test]
fn the_text_summary_says_verified_and_underruns() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    write_tree(&src, &[("data.bin", &data)]);
    let medium = dir.path().join("v.emu");
    let target = emu_medium(&medium, "cd-r");
    for (how, faults, speed, wanted) in [
        ("quick", "", "8", "verified (quick)"),
        ("full", "slow=20ms", "48", "buffer underruns"),
    ] {
        let out = discburn()
            .env("DISCBURN_EMU_FAULTS", faults)
            .args([
                "burn", "--verify", how, "--speed", speed, "--target", &target,
            ])
            .arg(&src)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(wanted), "{how}: {text}");
        assert!(text.contains(&format!("verified ({how})")), "{how}: {text}");
    }
}
