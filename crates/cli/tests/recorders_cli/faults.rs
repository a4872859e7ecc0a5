//! Failures on emulated recorders, from the command line: a fault during a
//! burn never reports success nor loses the earlier session, Ctrl-C says what
//! it left on a write-once disc, and each kind of failure has its exit code.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::interop_support::{discburn, emu_medium};
use crate::support::{medium_bytes, run_ok, trees};
use testkit::compare::assert_same;
use testkit::{snapshot, CompareOptions};

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
    session_1_is_whole(
        dir.path(),
        &target,
        &trees.expected[0],
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

    session_1_is_whole(
        dir.path(),
        &target,
        &trees.expected[0],
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

/// Session 1 of `target`, extracted into `dir`, holds exactly `expected`.
fn session_1_is_whole(dir: &Path, target: &str, expected: &Path, what: &str) {
    let x1 = dir.join("x1");
    run_ok(
        discburn()
            .args(["extract", "--target", target, "--session", "1", "--output"])
            .arg(&x1),
    );
    assert_same(
        &snapshot(expected).unwrap(),
        &snapshot(&x1).unwrap(),
        &CompareOptions::content_only(),
        what,
    );
}
