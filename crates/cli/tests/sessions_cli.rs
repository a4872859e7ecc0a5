//! `discburn burn` on an existing image, as a user runs it: Ctrl-C or
//! SIGTERM in the middle leaves the image byte-identical and exits 130/143;
//! SIGKILL leaves the old state readable and the next append completes;
//! `info` lists the sessions and `ls --session` shows each.

use std::fs;
use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};

fn discburn() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("discburn"))
}

fn burn_ok(image: &Path, args: &[&str]) {
    let out = discburn()
        .args(["burn", "--target"])
        .arg(image)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn json(out: &std::process::Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Starts an append of 200 × 64 MiB (12.5 GiB: still running at its first
/// progress event) and returns it, and the rest of its output, once that
/// event arrived.
fn start_big_append(
    dir: &Path,
    image: &Path,
) -> (
    std::process::Child,
    std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
) {
    let data = dir.join("data.bin");
    let block: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8 + 1).collect();
    fs::write(&data, block.repeat(64)).unwrap();
    let mut child = discburn()
        .args(["--json", "burn", "--target"])
        .arg(image)
        .args((0..200).map(|i| format!("big/copy{i:03}.bin={}", data.display())))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let event: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        if event["type"] == "progress" {
            assert!(
                event["bytes"].as_u64() < event["total_bytes"].as_u64(),
                "complete at its first progress event: {event}"
            );
            return (child, lines);
        }
    }
    child.kill().ok();
    child.wait().ok();
    panic!("the append printed no progress event");
}

fn small_image(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("src");
    fs::create_dir_all(src.join("d")).unwrap();
    fs::write(src.join("d/one.txt"), b"one\n").unwrap();
    let image = dir.join("grow.iso");
    burn_ok(&image, &["--volume-name", "FIRST", src.to_str().unwrap()]);
    image
}

#[test]
fn an_interrupted_append_changes_nothing_and_exits_with_the_signal() {
    let dir = tempfile::tempdir().unwrap();
    let image = small_image(dir.path());
    let before = fs::read(&image).unwrap();
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let (child, lines) = start_big_append(dir.path(), &image);
        let killed = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(code), "SIG{signal}");
        let text: Vec<String> = lines.map(|l| l.unwrap()).collect();
        let error: serde_json::Value = serde_json::from_str(text.last().unwrap()).unwrap();
        assert_eq!(error["type"], "error", "{text:?}");
        assert!(
            error["message"].as_str().unwrap().contains("interrupted"),
            "{error}"
        );
        assert!(
            fs::read(&image).unwrap() == before,
            "SIG{signal}: the image changed"
        );
    }
    // Nothing but the image and the sources next to it.
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["data.bin", "grow.iso", "src"]);
}

#[test]
fn a_killed_append_leaves_the_old_image_and_the_next_append_completes() {
    let dir = tempfile::tempdir().unwrap();
    let image = small_image(dir.path());
    let (mut child, _) = start_big_append(dir.path(), &image);
    child.kill().unwrap();
    child.wait().unwrap();
    // The orphan tail lies past the end; the image reads as before.
    let out = discburn()
        .args(["--json", "ls", "--target"])
        .arg(&image)
        .arg("-R")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        listing.contains("one.txt") && !listing.contains("copy000"),
        "{listing}"
    );

    let extra = dir.path().join("extra.txt");
    fs::write(&extra, b"extra\n").unwrap();
    let out = discburn()
        .args(["--json", "burn", "--target"])
        .arg(&image)
        .arg(&extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let result = json(&out);
    assert_eq!(result["session"], 2);
    assert!(result["reclaimed_blocks"].as_u64().unwrap() > 0, "{result}");
    // The file ends where the new session ends: the tail was cut.
    assert_eq!(
        fs::metadata(&image).unwrap().len(),
        result["image_blocks"].as_u64().unwrap() * 2048
    );
}

#[test]
fn info_lists_sessions_and_ls_reads_each() {
    let dir = tempfile::tempdir().unwrap();
    let image = small_image(dir.path());
    let second = dir.path().join("second");
    fs::create_dir_all(&second).unwrap();
    fs::write(second.join("two.txt"), b"two\n").unwrap();
    burn_ok(
        &image,
        &[
            "--volume-name",
            "SECOND",
            "--remove",
            "/d",
            second.to_str().unwrap(),
        ],
    );

    let out = discburn()
        .args(["--json", "info", "--target"])
        .arg(&image)
        .output()
        .unwrap();
    let info = json(&out);
    let sessions = info["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{info}");
    assert_eq!(sessions[0]["number"], 1);
    assert_eq!(sessions[0]["start_lba"], 32);
    assert_eq!(sessions[0]["volume_name"], "FIRST");
    assert_eq!(sessions[0]["files"], 1);
    assert_eq!(sessions[1]["volume_name"], "SECOND");
    assert_eq!(sessions[1]["files"], 1);
    let start =
        sessions[0]["start_lba"].as_u64().unwrap() + sessions[0]["blocks"].as_u64().unwrap();
    assert_eq!(
        sessions[1]["start_lba"].as_u64().unwrap(),
        start.div_ceil(32) * 32
    );

    for (session, present, absent) in [("1", "one.txt", "two.txt"), ("2", "two.txt", "one.txt")] {
        let out = discburn()
            .args(["ls", "--target"])
            .arg(&image)
            .args(["-R", "--session", session])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(present) && !text.contains(absent),
            "session {session}: {text}"
        );
    }
    let out = discburn()
        .args(["ls", "--target"])
        .arg(&image)
        .args(["--session", "3"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no session 3"));
}
