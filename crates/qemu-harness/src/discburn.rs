//! Running discburn from the harness's tests: the executable itself (built when stale), an
//! emulated medium served over iSCSI for a guest to burn ([`EmuServer`]), and the result
//! object a `--json` run prints last ([`json_result`]).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

use crate::error::{HarnessError, Result};

/// The `discburn` executable to put in the guest and to run on the host.
///
/// `DISCBURN_BIN` if set; else the binary of the cargo target directory this test runs
/// from (`<target>/<profile>/discburn`). When that binary is missing or older than a
/// source file of the workspace (`crates/*/src`, manifests, `Cargo.lock`), it is built
/// first with `cargo build -p discburn-cli` in the same profile. (A `cargo test
/// --workspace` has just built it for the cli's own tests, so CI does not build twice.)
pub fn discburn_binary() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("DISCBURN_BIN") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe().map_err(|e| HarnessError::io("current_exe", e))?;
    // <target>/<profile>/deps/<test binary>
    let profile_dir = exe
        .parent()
        .filter(|p| p.ends_with("deps"))
        .and_then(Path::parent)
        .ok_or_else(|| HarnessError::Command {
            command: "locate discburn".into(),
            message: format!(
                "{} is not in <target>/<profile>/deps; set DISCBURN_BIN",
                exe.display()
            ),
        })?;
    let target_dir = profile_dir.parent().ok_or_else(|| HarnessError::Command {
        command: "locate discburn".into(),
        message: format!("{} has no parent", profile_dir.display()),
    })?;
    let binary = profile_dir.join("discburn");
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let built = std::fs::metadata(&binary).and_then(|m| m.modified()).ok();
    if let (Some(built), Some(newest)) = (built, newest_source(&workspace)) {
        if built >= newest {
            return Ok(binary);
        }
    }
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args([
            "build",
            "--quiet",
            "-p",
            "discburn-cli",
            "--bin",
            "discburn",
        ])
        .env("CARGO_TARGET_DIR", target_dir)
        .current_dir(&workspace);
    if release {
        command.arg("--release");
    }
    let text = format!("{command:?}");
    let output = command.output().map_err(|e| HarnessError::Command {
        command: text.clone(),
        message: e.to_string(),
    })?;
    if !output.status.success() {
        return Err(HarnessError::Command {
            command: text,
            message: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    if !binary.is_file() {
        return Err(HarnessError::Command {
            command: text,
            message: format!("{} not built", binary.display()),
        });
    }
    Ok(binary)
}

/// The newest modification time among the workspace's manifests, lock file and the
/// sources of the crates the binary is built from (all but this harness and testkit).
fn newest_source(workspace: &Path) -> Option<std::time::SystemTime> {
    fn walk(dir: &Path, newest: &mut Option<std::time::SystemTime>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                walk(&path, newest);
            } else if let Ok(modified) = meta.modified() {
                if newest.is_none_or(|n| modified > n) {
                    *newest = Some(modified);
                }
            }
        }
    }
    let mut newest = None;
    for file in ["Cargo.toml", "Cargo.lock"] {
        walk_file(&workspace.join(file), &mut newest);
    }
    let crates = std::fs::read_dir(workspace.join("crates")).ok()?;
    for krate in crates.flatten() {
        let name = krate.file_name();
        if name == "qemu-harness" || name == "testkit" {
            continue;
        }
        walk_file(&krate.path().join("Cargo.toml"), &mut newest);
        walk(&krate.path().join("src"), &mut newest);
    }
    newest
}

fn walk_file(path: &Path, newest: &mut Option<std::time::SystemTime>) {
    if let Ok(modified) = std::fs::metadata(path).and_then(|m| m.modified()) {
        if newest.is_none_or(|n| modified > n) {
            *newest = Some(modified);
        }
    }
}

/// One `discburn emu serve` of a medium on a free port of 127.0.0.1, killed when dropped
/// (stopping it leaves the medium as the initiator left it: each session end is persisted
/// when the initiator logs out).
pub struct EmuServer {
    child: Child,
    _lines: BufReader<ChildStdout>,
    url: String,
}

impl EmuServer {
    /// Serves `medium` with the emulator faults `faults` (`DISCBURN_EMU_FAULTS` syntax,
    /// empty for none); returns once the server printed the URL it listens on.
    pub fn start(discburn: &Path, medium: &Path, faults: &str) -> Result<EmuServer> {
        let mut command = Command::new(discburn);
        command
            .args(["--json", "emu", "serve", "--listen", "127.0.0.1:0"])
            .arg(medium)
            .env("DISCBURN_EMU_FAULTS", faults)
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        let text = format!("{command:?}");
        let failed = |message: String| HarnessError::Command {
            command: text.clone(),
            message,
        };
        let mut child = command.spawn().map_err(|e| failed(e.to_string()))?;
        let mut server = EmuServer {
            _lines: BufReader::new(child.stdout.take().expect("stdout is piped")),
            child,
            url: String::new(),
        };
        let mut line = String::new();
        server
            ._lines
            .read_line(&mut line)
            .map_err(|e| failed(format!("reading the listening line: {e}")))?;
        server.url = serde_json::from_str::<serde_json::Value>(&line)
            .ok()
            .and_then(|v| v["url"].as_str().map(str::to_string))
            .ok_or_else(|| failed(format!("no listening URL in {line:?}")))?;
        Ok(server)
    }

    /// The LUN's URL (`iscsi://127.0.0.1:PORT/IQN/0`), for [`crate::Scenario::iscsi_drive`].
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for EmuServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The last JSON line of `output` whose `"type"` is `kind`.
pub fn json_of_type(output: &str, kind: &str) -> std::result::Result<serde_json::Value, String> {
    output
        .lines()
        .rev()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|v| v["type"] == kind)
        .ok_or_else(|| format!("no JSON {kind} object in:\n{output}"))
}

/// The result object (last JSON line with `"type":"result"`) of a `--json` run; panics,
/// showing `output`, when there is none (for tests).
#[track_caller]
pub fn json_result(output: &str) -> serde_json::Value {
    json_of_type(output, "result").unwrap_or_else(|e| panic!("{e}"))
}
