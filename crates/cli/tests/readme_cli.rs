//! The README on a fresh machine: its main-job commands run as written (with
//! the built `discburn` first in PATH), it asks for the Rust version the
//! workspace declares, and it points at nothing outside the repository.

use std::fs;
use std::path::Path;
use std::process::Command;

fn readme() -> String {
    fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap()
}

/// The `sh` blocks of the section whose heading starts with `heading`.
fn shell_blocks(text: &str, heading: &str) -> Vec<String> {
    let start = text.find(heading).unwrap_or_else(|| panic!("no {heading}"));
    let section = &text[start..];
    let end = section[heading.len()..]
        .find("\n## ")
        .map_or(section.len(), |e| e + heading.len());
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in section[..end].lines() {
        match (line.trim(), &mut current) {
            ("```sh", None) => current = Some(String::new()),
            ("```", Some(block)) => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (_, Some(block)) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

#[test]
fn the_main_job_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_discburn")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let text = readme();
    let blocks = shell_blocks(&text, "## The main job");
    assert!(blocks.len() >= 3, "{blocks:?}");
    // The first three blocks: burn, append a session, read it back.
    for block in &blocks[..3] {
        let out = Command::new("bash")
            .args(["-euo", "pipefail", "-c", block])
            .current_dir(dir.path())
            .env("PATH", &path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{block}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        fs::read_to_string(dir.path().join("restored/hello.txt")).unwrap(),
        "hello\n"
    );
    // The last burn started again from session 1, then added ./fix.
    assert!(dir.path().join("restored/fix.txt").exists());
    assert!(!dir.path().join("restored/later.txt").exists());
}

#[test]
fn the_readme_asks_for_what_a_fresh_machine_needs() {
    let text = readme();
    assert!(
        !text.contains("sudo "),
        "commands run as root say so instead"
    );
    assert!(text.contains("cargo install --locked --path crates/cli"));
    assert!(!text.contains("](../"), "a link outside the repository");
    assert!(
        !text.contains("cargo run"),
        "one tool in all examples: discburn"
    );
    let manifest =
        fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml")).unwrap();
    let version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .unwrap()
        .trim_matches('"');
    assert!(
        text.contains(&format!("Rust {version} or newer")),
        "{version}"
    );
    // Every document the README links to is in the repository.
    for link in text.split("](").skip(1) {
        let target = &link[..link.find(')').unwrap()];
        if !target.starts_with("http") {
            let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join(target);
            assert!(
                path.exists(),
                "README links to {target}, which is not there"
            );
        }
    }
    // The fault-injection syntax is documented outside the source.
    let faults = fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/emulator-faults.md"
    ))
    .unwrap();
    for fault in [
        "write_error@lba=",
        "power_loss@write=",
        "slow=",
        "medium_removed@cmd=",
    ] {
        assert!(faults.contains(fault), "{fault}");
    }
}
