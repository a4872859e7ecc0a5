//! Issue 9, honest progress: JSON progress events come at least every 0.5 s
//! within one large file (burn and extract), the first estimate of the time
//! left is not wildly off, and the actions say what is being done. The
//! emulated drive is slowed (DISCBURN_EMU_FAULTS=slow) so that one 8 MiB
//! file takes a few seconds.

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::Value;

/// Runs discburn with JSON output; each line with the time it arrived (s).
fn timed_lines(args: &[&str]) -> Vec<(f64, Value)> {
    let start = Instant::now();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("discburn"))
        .args(args)
        .env("DISCBURN_EMU_FAULTS", "slow=10ms")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines: Vec<(f64, Value)> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(|l| {
            let value: Value = serde_json::from_str(&l.unwrap()).unwrap();
            (start.elapsed().as_secs_f64(), value)
        })
        .collect();
    assert!(child.wait().unwrap().success(), "{lines:?}");
    lines
}

/// The largest gap between consecutive times.
fn largest_gap(times: &[f64]) -> f64 {
    times.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max)
}

#[test]
fn burn_and_extract_report_progress_within_one_large_file() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir_all(&src).unwrap();
    let big: Vec<u8> = (0..8u32 << 20).map(|i| (i % 253) as u8 + 1).collect();
    fs::write(src.join("big.bin"), &big).unwrap();
    let medium = dir.path().join("d.emu");
    assert_cmd::Command::cargo_bin("discburn")
        .unwrap()
        .args(["emu", "create", "--media", "cd-r"])
        .arg(&medium)
        .assert()
        .success();
    let target = format!("emu:{}", medium.display());

    let lines = timed_lines(&[
        "--json",
        "burn",
        "--verify",
        "quick",
        "--target",
        &target,
        src.to_str().unwrap(),
    ]);
    let total = lines.last().unwrap().1["elapsed_s"].as_f64().unwrap();
    let writing: Vec<&Value> = lines
        .iter()
        .map(|(_, v)| v)
        .filter(|v| v["type"] == "progress" && v["action"] == "writing")
        .collect();
    // Several events while the one file is written, by the engine's clock
    // every 0.5 s at most (a little slack for a loaded machine).
    assert!(writing.len() >= 3, "{lines:?}");
    let times: Vec<f64> = writing
        .iter()
        .map(|v| v["elapsed_s"].as_f64().unwrap())
        .collect();
    assert!(largest_gap(&times) <= 0.6, "progress events {times:?}");
    let file_bytes = big.len() as u64;
    assert!(
        writing
            .iter()
            .filter(|v| v["bytes"].as_u64().unwrap() < file_bytes)
            .count()
            >= 2,
        "no event inside the file: {writing:?}"
    );
    // The first estimate is within a factor of three of what was left.
    let first = writing
        .iter()
        .find(|v| v["remaining_s"].is_f64())
        .unwrap_or_else(|| panic!("no estimate: {writing:?}"));
    let estimate = first["remaining_s"].as_f64().unwrap();
    let actual = total - first["elapsed_s"].as_f64().unwrap();
    assert!(
        estimate <= 3.0 * actual + 0.5 && estimate >= actual / 3.0 - 0.5,
        "first estimate {estimate:.2} s for {actual:.2} s"
    );
    // Each step named: planning, writing, finalizing, verifying, completed.
    let actions: Vec<&str> = lines
        .iter()
        .filter_map(|(_, v)| v["action"].as_str())
        .collect();
    for action in [
        "validating_media",
        "planning",
        "writing",
        "finalizing",
        "verifying",
        "completed",
    ] {
        assert!(actions.contains(&action), "{action} missing: {actions:?}");
    }
    assert!(
        lines
            .iter()
            .any(|(_, v)| v["type"] == "progress" && v["action"] == "verifying"),
        "verifying is data moving: progress events"
    );

    // extract: events arrive every 0.5 s while big.bin is written.
    let out = dir.path().join("out");
    let lines = timed_lines(&[
        "--json",
        "extract",
        "--target",
        &target,
        "--output",
        out.to_str().unwrap(),
    ]);
    let progress: Vec<(f64, &Value)> = lines
        .iter()
        .filter(|(_, v)| v["type"] == "progress")
        .map(|(t, v)| (*t, v))
        .collect();
    assert!(progress.len() >= 3, "{lines:?}");
    assert!(progress.iter().all(|(_, v)| v["action"] == "extracting"));
    assert!(
        progress
            .iter()
            .filter(|(_, v)| v["bytes"].as_u64().unwrap() < file_bytes)
            .count()
            >= 2,
        "{progress:?}"
    );
    let times: Vec<f64> = progress.iter().map(|(t, _)| *t).collect();
    assert!(
        largest_gap(&times) <= 0.6,
        "extract events arrived at {times:?}"
    );
    assert_eq!(fs::read(out.join("big.bin")).unwrap(), big);
}
