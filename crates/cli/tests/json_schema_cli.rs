//! One JSON schema for every command (docs/json.md): every line each command
//! prints under `--json`, and every example in docs/json.md, follows it.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn discburn(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_discburn"));
    command
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", "1700000000");
    command
}

const TYPES: [&str; 5] = ["stage", "progress", "event", "result", "error"];
const CODES: [&str; 7] = [
    "usage",
    "failure",
    "not_found",
    "medium",
    "drive",
    "verify",
    "interrupted",
];
/// Names the schema replaced: one name for one thing.
const RETIRED: [&str; 3] = ["dirs", "total", "kind_of"];

/// Checks one object against the rules of docs/json.md; `command` is the
/// expected `command` field.
fn check_object(value: &Value, command: &str, line: &str) {
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {line}"));
    let kind = object["type"]
        .as_str()
        .unwrap_or_else(|| panic!("no type: {line}"));
    assert!(TYPES.contains(&kind), "type {kind:?}: {line}");
    assert_eq!(object["command"], command, "command: {line}");
    check_names(value, line);
    match kind {
        "progress" => {
            assert!(object["action"].is_string(), "action: {line}");
            let bytes = object["bytes"].as_u64().expect("bytes");
            let total = object["total_bytes"].as_u64().expect("total_bytes");
            assert!(bytes <= total, "{line}");
        }
        "stage" => assert!(object["action"].is_string(), "action: {line}"),
        "event" => assert!(object["event"].is_string(), "event: {line}"),
        "error" => {
            let code = object["code"].as_str().expect("code");
            assert!(CODES.contains(&code), "code {code:?}: {line}");
            assert!(object["message"].is_string(), "message: {line}");
            assert!(object["causes"].is_array(), "causes: {line}");
        }
        _ => {}
    }
}

fn check_names(value: &Value, line: &str) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                assert!(!RETIRED.contains(&key.as_str()), "field {key:?}: {line}");
                check_names(inner, line);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| check_names(v, line)),
        _ => {}
    }
}

/// Runs `args` with `--json` and checks its output: events, then one final
/// object (`result`, or `error` with the exit status its code names).
fn run(dir: &Path, command: &str, args: &[&str], success: bool) -> Vec<Value> {
    let out = discburn(dir).arg("--json").args(args).output().unwrap();
    assert_eq!(
        out.status.success(),
        success,
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let values: Vec<Value> = text
        .lines()
        .map(|line| {
            let value: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{args:?}: {e}: {line}"));
            check_object(&value, command, line);
            value
        })
        .collect();
    let (last, events) = values
        .split_last()
        .unwrap_or_else(|| panic!("{args:?}: no output"));
    let expected = if success { "result" } else { "error" };
    assert_eq!(last["type"], expected, "{args:?}: {last}");
    for event in events {
        assert!(
            ["stage", "progress", "event"].contains(&event["type"].as_str().unwrap()),
            "{args:?}: {event}"
        );
    }
    values
}

#[test]
fn every_command_prints_the_one_schema() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("src/docs")).unwrap();
    fs::write(d.join("src/docs/a.txt"), "hi\n").unwrap();

    let burn = run(d, "burn", &["burn", "--target", "out.iso", "src"], true);
    assert!(burn.iter().any(|v| v["type"] == "progress"));
    assert_eq!(burn.last().unwrap()["directories"], 1);
    run(
        d,
        "burn",
        &["burn", "--dry-run", "--target", "out.iso", "src"],
        true,
    );
    run(d, "ls", &["ls", "--target", "out.iso", "-R"], true);
    let info = run(d, "info", &["info", "--target", "out.iso"], true);
    assert_eq!(info[0]["file_system"]["directories"], 1);
    let extract = run(
        d,
        "extract",
        &["extract", "--target", "out.iso", "-o", "r"],
        true,
    );
    assert_eq!(extract.last().unwrap()["directories"], 1);
    assert!(extract.iter().any(|v| v["type"] == "progress"));
    run(d, "repair", &["repair", "--target", "out.iso"], true);
    let verify = run(d, "verify", &["verify", "--target", "out.iso"], true);
    assert!(verify.iter().any(|v| v["type"] == "progress"));
    let check = run(
        d,
        "check-media",
        &["check-media", "--target", "out.iso"],
        true,
    );
    assert!(check.iter().any(|v| v["type"] == "progress"));
    let sync = run(d, "sync", &["sync", "--target", "s.iso", "src"], true);
    assert_eq!(sync.last().unwrap()["up_to_date"], false);
    // Up to date: exit status 7, and still one `result` as the final object.
    let out = discburn(d)
        .args(["--json", "sync", "--target", "s.iso", "src"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    let text = String::from_utf8(out.stdout).unwrap();
    for line in text.lines() {
        check_object(&serde_json::from_str(line).unwrap(), "sync", line);
    }
    let last: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(
        (last["type"].as_str(), last["up_to_date"].as_bool()),
        (Some("result"), Some(true))
    );
    let diff = run(
        d,
        "diff",
        &["diff", "--target", "s.iso", "--session", "1", "src"],
        true,
    );
    assert_eq!(diff.last().unwrap()["identical"], true);
    run(d, "drives", &["drives"], true);
    run(
        d,
        "emu create",
        &["emu", "create", "d.emu", "--media", "cd-rw"],
        true,
    );
    run(d, "emu show", &["emu", "show", "d.emu"], true);
    run(d, "emu protect", &["emu", "protect", "d.emu"], true);
    run(
        d,
        "emu protect",
        &["emu", "protect", "--off", "d.emu"],
        true,
    );
    run(d, "burn", &["burn", "--target", "emu:d.emu", "src"], true);
    run(d, "info", &["info", "--target", "emu:d.emu"], true);
    let export = [
        "export",
        "--target",
        "emu:d.emu",
        "--output",
        "e.iso",
        "--cue",
        "e.cue",
    ];
    run(d, "export", &export, true);
    run(d, "blank", &["blank", "--target", "emu:d.emu"], true);
    run(d, "eject", &["eject", "--target", "emu:d.emu"], true);

    // Failures: one error object with a stable code, and the exit status it names.
    let missing = run(d, "ls", &["ls", "--target", "missing.iso"], false);
    assert_eq!(missing[0]["code"], "not_found");
    let out = discburn(d)
        .args(["--json", "burn", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "usage errors keep exit code 2");
    let line = String::from_utf8(out.stdout).unwrap();
    let error: Value = serde_json::from_str(line.trim()).expect("a usage error is JSON");
    check_object(&error, "burn", &line);
    assert_eq!(error["code"], "usage");
    assert!(error["message"].as_str().unwrap().contains("--bogus"));
    // Without --json, clap's text as before.
    let out = discburn(d).args(["burn", "--bogus"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn the_examples_in_docs_json_md_follow_the_schema() {
    let doc = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/json.md"))
        .expect("docs/json.md");
    let mut in_block = false;
    let mut commands = std::collections::BTreeSet::new();
    for line in doc.lines() {
        match line.trim() {
            "```json" => in_block = true,
            "```" => in_block = false,
            text if in_block => {
                let value: Value =
                    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
                let command = value["command"].as_str().unwrap_or("").to_string();
                check_object(&value, &command, text);
                commands.insert(command);
            }
            _ => {}
        }
    }
    for command in [
        "burn",
        "sync",
        "diff",
        "ls",
        "extract",
        "info",
        "drives",
        "repair",
        "verify",
        "check-media",
        "blank",
        "format",
        "eject",
        "export",
        "emu create",
        "emu show",
        "emu protect",
        "emu serve",
    ] {
        assert!(commands.contains(command), "no example for {command}");
    }
}
