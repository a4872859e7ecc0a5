//! Running external programs from tests.

use std::borrow::BorrowMut;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a finished command printed and how it exited.
#[derive(Debug, Clone)]
pub struct CmdOutput {
    /// The command line, for messages.
    pub command: String,
    /// Exit code, or `None` when killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Raw stdout, for binary or non-UTF-8 output.
    pub stdout_bytes: Vec<u8>,
}

impl CmdOutput {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

impl std::fmt::Display for CmdOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const MAX: usize = 4000;
        let cut = |s: &str| {
            if s.len() > MAX {
                format!(
                    "{}... ({} bytes)",
                    &s[..s.floor_char_boundary_compat(MAX)],
                    s.len()
                )
            } else {
                s.to_string()
            }
        };
        write!(
            f,
            "`{}` exited with {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.command,
            self.code,
            cut(&self.stdout),
            cut(&self.stderr)
        )
    }
}

trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, at: usize) -> usize;
}

impl FloorCharBoundary for str {
    fn floor_char_boundary_compat(&self, mut at: usize) -> usize {
        while at > 0 && !self.is_char_boundary(at) {
            at -= 1;
        }
        at
    }
}

/// Runs `cmd` (a `Command` or `&mut Command`) to completion (stdin closed) and captures its output. Failing to
/// start it at all is a panic (the test cannot go on).
#[track_caller]
pub fn run(mut cmd: impl BorrowMut<Command>) -> CmdOutput {
    let cmd: &mut Command = cmd.borrow_mut();
    let command = format!(
        "{} {}",
        cmd.get_program().to_string_lossy(),
        cmd.get_args()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{command}`: {e}"));
    CmdOutput {
        command,
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        stdout_bytes: out.stdout,
    }
}

/// Runs `cmd` and panics with its output unless it exits with 0.
#[track_caller]
pub fn run_ok(cmd: impl BorrowMut<Command>) -> CmdOutput {
    let out = run(cmd);
    assert!(out.success(), "{out}");
    out
}

/// True when `program` is found on `PATH` (or is an existing path).
pub fn tool_available(program: &str) -> bool {
    tool_path(program).is_some()
}

/// Where `program` is: the first file of that name in a `PATH` directory (or `program`
/// itself when it is an existing path).
pub fn tool_path(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        return Path::new(program).exists().then(|| PathBuf::from(program));
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

/// For tests that need an external tool: true when `program` is present. When it
/// is absent: under CI (the `CI` environment variable set) a panic, CI must have
/// every tool; elsewhere a skipped check, shown and listed ([`crate::skip`]).
#[track_caller]
pub fn require_tool(program: &str) -> bool {
    crate::skip::require(
        tool_available(program),
        &format!("`{program}` is not installed (see .ci/install-deps)"),
    )
}

/// True when the Python module `module` can be imported by `python3`.
pub fn python_module_available(module: &str) -> bool {
    tool_available("python3")
        && Command::new("python3")
            .args(["-c", &format!("import {module}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
}

/// Like [`require_tool`] for a Python module.
#[track_caller]
pub fn require_python_module(module: &str) -> bool {
    crate::skip::require(
        python_module_available(module),
        &format!("Python module `{module}` is not installed (see .ci/install-deps)"),
    )
}

/// A `Command` for `program` with `args`, for brevity in tests.
pub fn cmd<I, S>(program: &str, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut c = Command::new(program);
    c.args(args);
    c
}
