//! A private `tgtd` (the Linux SCSI target daemon, Debian package `tgt`) whose LUNs are
//! DVD recorders nobody here wrote: a LUN of device type `cd` on an empty backing file is
//! a blank DVD+R, on a non-empty file a DVD-ROM (`/work/shared/reference/tgt-recorder.md`
//! §2). Each [`TgtDaemon`] runs its own daemon on 127.0.0.1 with a free port and its own
//! control number (`-C N`, socket `/var/run/tgtd/socket.N`), so tests run side by side;
//! dropping it deletes every target (`--force`) and then the daemon (which ignores
//! SIGTERM). tgtd needs root: its management socket lives in root's `/var/run/tgtd`.
//!
//! ```no_run
//! # fn main() -> Result<(), qemu_harness::HarnessError> {
//! let dir = tempfile::tempdir().unwrap();
//! let mut tgt = qemu_harness::TgtDaemon::start()?;
//! let lun = tgt.blank_dvd_plus_r("blank", dir.path())?;
//! let scenario = qemu_harness::Scenario::new("demo").iscsi_drive("cd", &lun.url);
//! # Ok(()) }
//! ```

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::error::{HarnessError, Result};

/// The daemon's program, its administration tool and where it keeps its sockets.
const TGTD: &str = "tgtd";
const TGTADM: &str = "tgtadm";
const SOCKET_DIR: &str = "/var/run/tgtd";

/// Control numbers handed out in this process (offset by the process id below).
static NEXT_CONTROL: AtomicU32 = AtomicU32::new(0);

/// One LUN of a [`TgtDaemon`]: a CD/DVD device on a backing file.
#[derive(Debug, Clone)]
pub struct TgtLun {
    /// The target's iSCSI name.
    pub iqn: String,
    /// `iscsi://127.0.0.1:PORT/IQN/1`, for [`crate::Scenario::iscsi_drive`].
    pub url: String,
    /// The backing file: what the recorder wrote is there at LBA × 2048.
    pub backing: PathBuf,
}

/// A running `tgtd` of this test; stopped and cleaned up when dropped.
#[derive(Debug)]
pub struct TgtDaemon {
    child: Option<Child>,
    control: u32,
    port: u16,
    targets: Vec<u32>,
    log: PathBuf,
    _log_dir: tempfile::TempDir,
}

/// Why this machine cannot run a tgtd, if it cannot (tgt missing, or not root).
pub fn tgt_unavailable_reason() -> Option<String> {
    for program in [TGTD, TGTADM] {
        if !testkit::tools::tool_available(program) {
            return Some(format!("`{program}` not found (install tgt)"));
        }
    }
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("tgtd needs root (its management socket is in /var/run/tgtd)".into());
    }
    None
}

/// For tests: true when a tgtd can be started here; otherwise a panic under CI and a
/// listed skip elsewhere (as [`crate::require_qemu`]).
#[track_caller]
pub fn require_tgt() -> bool {
    match tgt_unavailable_reason() {
        None => true,
        Some(reason) => testkit::require(
            false,
            &format!("cannot run tgtd: {reason} (see .ci/install-deps)"),
        ),
    }
}

/// A TCP port on 127.0.0.1 that nobody listens on right now.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| HarnessError::io("127.0.0.1:0", e))?;
    let port = listener
        .local_addr()
        .map_err(|e| HarnessError::io("127.0.0.1:0", e))?
        .port();
    Ok(port)
}

impl TgtDaemon {
    /// Starts a daemon on a free port with an unused control number, and waits until it
    /// answers `tgtadm` and accepts iSCSI connections.
    pub fn start() -> Result<TgtDaemon> {
        let log_dir = tempfile::Builder::new()
            .prefix("tgtd-")
            .tempdir()
            .map_err(|e| HarnessError::io(std::env::temp_dir(), e))?;
        let mut last_error = String::new();
        // A control number or port taken by another daemon makes tgtd exit at once
        // ("failed to lock file for management IPC", bind errors): try the next.
        for _ in 0..8 {
            let control = 1000
                + (std::process::id() % 4000) * 8
                + NEXT_CONTROL.fetch_add(1, Ordering::Relaxed) % 8;
            let port = free_port()?;
            let log = log_dir.path().join(format!("tgtd-{control}.log"));
            match Self::try_start(control, port, &log) {
                Ok(child) => {
                    return Ok(TgtDaemon {
                        child: Some(child),
                        control,
                        port,
                        targets: Vec::new(),
                        log,
                        _log_dir: log_dir,
                    })
                }
                Err(e) => last_error = e,
            }
        }
        Err(HarnessError::Command {
            command: TGTD.into(),
            message: last_error,
        })
    }

    fn try_start(control: u32, port: u16, log: &Path) -> std::result::Result<Child, String> {
        let log_file = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err_file = log_file
            .try_clone()
            .map_err(|e| format!("{}: {e}", log.display()))?;
        let mut child = Command::new(TGTD)
            .args(["-f", "-C", &control.to_string(), "--iscsi"])
            .arg(format!("portal=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(err_file)
            .spawn()
            .map_err(|e| format!("{TGTD}: {e}"))?;
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let text = std::fs::read_to_string(log).unwrap_or_default();
                return Err(format!("tgtd -C {control} exited with {status}: {text}"));
            }
            let answers = Command::new(TGTADM)
                .args(["-C", &control.to_string(), "--mode", "sys", "--op", "show"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if answers && TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                return Ok(child);
            }
            if started.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("tgtd -C {control} did not answer within 10 s"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The management socket's number (`tgtadm -C`).
    pub fn control(&self) -> u32 {
        self.control
    }

    /// The iSCSI port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// What the daemon printed so far (its errors, and every command with `-d 1`).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Runs `tgtadm -C N --lld iscsi ARGS`.
    fn admin(&self, args: &[&str]) -> Result<String> {
        let control = self.control.to_string();
        let mut command = Command::new(TGTADM);
        command.args(["-C", &control, "--lld", "iscsi"]).args(args);
        let text = format!("{command:?}");
        let output = command.output().map_err(|e| HarnessError::Command {
            command: text.clone(),
            message: e.to_string(),
        })?;
        if !output.status.success() {
            return Err(HarnessError::Command {
                command: text,
                message: format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ),
            });
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// A target with one CD/DVD LUN (LUN 1; LUN 0 is tgt's controller) on `backing`,
    /// open to 127.0.0.1. tgt decides the medium when the LUN is created: an empty
    /// file is a blank DVD+R, anything else a finalised DVD-ROM.
    pub fn cd_lun(&mut self, name: &str, backing: &Path) -> Result<TgtLun> {
        let tid = self.targets.len() as u32 + 1;
        let iqn = format!("iqn.2026-12.org.discburn.tgt{}:{name}", self.control);
        let tid_text = tid.to_string();
        self.admin(&[
            "--mode", "target", "--op", "new", "--tid", &tid_text, "-T", &iqn,
        ])?;
        self.targets.push(tid);
        let backing_text = backing.display().to_string();
        self.admin(&[
            "--mode",
            "logicalunit",
            "--op",
            "new",
            "--tid",
            &tid_text,
            "--lun",
            "1",
            "--backing-store",
            &backing_text,
            "--device-type",
            "cd",
        ])?;
        self.admin(&[
            "--mode",
            "target",
            "--op",
            "bind",
            "--tid",
            &tid_text,
            "-I",
            "127.0.0.1",
        ])?;
        Ok(TgtLun {
            url: format!("iscsi://127.0.0.1:{}/{iqn}/1", self.port),
            iqn,
            backing: backing.to_path_buf(),
        })
    }

    /// A blank DVD+R: the LUN on a new empty file `DIR/NAME.dvd`.
    pub fn blank_dvd_plus_r(&mut self, name: &str, dir: &Path) -> Result<TgtLun> {
        let backing = dir.join(format!("{name}.dvd"));
        std::fs::write(&backing, b"").map_err(|e| HarnessError::io(&backing, e))?;
        self.cd_lun(name, &backing)
    }

    /// A written (DVD-ROM) disc holding `contents`: the LUN on a copy `DIR/NAME.dvd`.
    pub fn pressed_disc(&mut self, name: &str, dir: &Path, contents: &Path) -> Result<TgtLun> {
        let backing = dir.join(format!("{name}.dvd"));
        std::fs::copy(contents, &backing).map_err(|e| HarnessError::io(contents, e))?;
        self.cd_lun(name, &backing)
    }

    /// `tgtadm --mode target --op show`: the targets, LUNs and their state.
    pub fn show(&self) -> Result<String> {
        self.admin(&["--mode", "target", "--op", "show"])
    }

    /// Deletes the targets and stops the daemon; waits until it has exited.
    fn stop(&mut self) -> std::result::Result<(), String> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let mut problems = Vec::new();
        for tid in std::mem::take(&mut self.targets) {
            let tid = tid.to_string();
            if let Err(e) = self.admin(&[
                "--mode", "target", "--op", "delete", "--force", "--tid", &tid,
            ]) {
                problems.push(e.to_string());
            }
        }
        // tgtd ignores SIGTERM: a system delete is the way to stop it.
        let control = self.control.to_string();
        let _ = Command::new(TGTADM)
            .args(["-C", &control, "--mode", "system", "--op", "delete"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let started = Instant::now();
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if started.elapsed() < Duration::from_secs(10) => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    problems.push(format!("tgtd -C {control} still running: killed"));
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
            }
        }
        for suffix in ["", ".lock"] {
            let _ = std::fs::remove_file(format!("{SOCKET_DIR}/socket.{control}{suffix}"));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// Stops the daemon now and reports anything that went wrong on the way.
    pub fn shutdown(mut self) -> Result<()> {
        self.stop().map_err(|message| HarnessError::Command {
            command: format!("stopping tgtd -C {}", self.control),
            message,
        })
    }
}

impl Drop for TgtDaemon {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("qemu-harness: {e}");
        }
    }
}
