//! Issue 9: SIGINT and SIGTERM stop every command with a line saying it was
//! interrupted and what was (not) written (a JSON error object with code
//! `interrupted` under --json), and exit 130 or 143. `burn` is tested in
//! sessions_cli (it undoes its writes); here `extract`, `ls` and `emu serve`.
//! The emulated drive is slowed (DISCBURN_EMU_FAULTS=slow) so that the
//! commands are still running when the signal comes.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn discburn() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("discburn"))
}

fn kill(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

/// An emulated CD-R holding `big.bin` (4 MiB).
fn medium(dir: &Path) -> String {
    let src = dir.join("src");
    fs::create_dir_all(&src).unwrap();
    let big: Vec<u8> = (0..4u32 << 20).map(|i| (i % 251) as u8 + 1).collect();
    fs::write(src.join("big.bin"), big).unwrap();
    let path = dir.join("disc.emu");
    assert_cmd::Command::cargo_bin("discburn")
        .unwrap()
        .args(["emu", "create", "--media", "cd-r"])
        .arg(&path)
        .assert()
        .success();
    let target = format!("emu:{}", path.display());
    assert_cmd::Command::cargo_bin("discburn")
        .unwrap()
        .args(["burn", "--target", &target])
        .arg(&src)
        .assert()
        .success();
    target
}

#[test]
fn an_interrupted_extract_says_which_file_is_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let target = medium(dir.path());
    let output = dir.path().join("out");
    let mut child = discburn()
        .args(["--json", "extract", "--target", &target, "--output"])
        .arg(&output)
        .env("DISCBURN_EMU_FAULTS", "slow=100ms")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // The first progress event: big.bin is being written.
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first["type"], "progress", "{first}");
    assert!(first["bytes"].as_u64().unwrap() < 4 << 20, "{first}");
    kill(&child, "INT");
    let rest: Vec<Value> = lines
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    assert_eq!(child.wait().unwrap().code(), Some(130));
    let error = rest.last().unwrap();
    assert_eq!(error["type"], "error", "{rest:?}");
    assert_eq!(error["command"], "extract");
    assert_eq!(error["code"], "interrupted");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("interrupted"), "{message}");
    assert!(message.contains("SIGINT"), "{message}");
    assert!(
        message.contains("big.bin was being written and is incomplete"),
        "{message}"
    );
    assert!(
        rest.iter().filter(|v| v["type"] != "progress").count() == 1,
        "one final object: {rest:?}"
    );
}

#[test]
fn an_interrupted_ls_says_so_in_text() {
    let dir = tempfile::tempdir().unwrap();
    let target = medium(dir.path());
    let child = discburn()
        .args(["ls", "-R", "--target", &target])
        .env("DISCBURN_EMU_FAULTS", "slow=300ms")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    kill(&child, "TERM");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert!(
        stderr.contains("discburn: error: ls was interrupted; nothing was written")
            && stderr.contains("SIGTERM"),
        "{stderr}"
    );
}

#[test]
fn a_stopped_server_ends_with_an_error_object() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blank.emu");
    assert_cmd::Command::cargo_bin("discburn")
        .unwrap()
        .args(["emu", "create", "--media", "dvd+r"])
        .arg(&path)
        .assert()
        .success();
    let mut child = discburn()
        .args(["--json", "emu", "serve", "--listen", "127.0.0.1:0"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let listening: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(listening["event"], "listening", "{listening}");
    let started = Instant::now();
    kill(&child, "TERM");
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    assert_eq!(child.wait().unwrap().code(), Some(143));
    assert!(started.elapsed() < Duration::from_secs(10));
    let error: Value = serde_json::from_str(rest.last().unwrap()).unwrap();
    assert_eq!(error["type"], "error", "{rest:?}");
    assert_eq!(error["code"], "interrupted");
    assert_eq!(error["command"], "emu serve");
}
