//! A scenario: one boot of the packaged kernel under QEMU (TCG), with CD/DVD images
//! attached on IDE (ATAPI) or virtio-scsi, host binaries copied into the initramfs, and a
//! list of guest shell steps.
//!
//! The guest reports on a second serial port (ttyS1, captured to a file) so that kernel
//! messages on the console (ttyS0, captured from QEMU's stdout) never interleave with
//! results. Each step's output is framed:
//!
//! ```text
//! @@BEGIN <step>@@
//! ...what the step printed (stdout and stderr)...
//! @@END <step> rc=<exit status>@@
//! ```
//!
//! In every step, `$DEV_<label>` is the block device (`/dev/srN`) of the drive attached
//! with that label, `$SG_<label>` its SCSI generic node (`/dev/sgN`) when `sg` is loaded,
//! and the binaries added with [`Scenario::binary`] are on `$PATH`.

use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::cpio::CpioArchive;
use crate::error::{HarnessError, Result};
use crate::kernel::{module_bytes, Kernel};
use crate::libs::shared_libraries;

/// Modules every scenario loads: CD-ROM block and generic SCSI drivers, ISO 9660, the PIIX
/// IDE controller (ATAPI drives) and virtio-scsi. Their dependencies come from modules.dep.
pub const DEFAULT_MODULES: &[&str] = &[
    "sr_mod",
    "sg",
    "isofs",
    "ata_piix",
    "virtio_pci",
    "virtio_scsi",
];

/// How a drive is attached to the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bus {
    /// An ATAPI drive on the PIIX IDE controller (`-drive if=ide,media=cdrom`); QEMU's
    /// `ide-cd`, which answers INQUIRY as "QEMU DVD-ROM".
    Ide,
    /// A `scsi-cd` on a virtio-scsi controller; QEMU answers INQUIRY as "QEMU CD-ROM".
    VirtioScsi,
}

/// A CD/DVD drive, with a disc (an image file) in it or empty.
#[derive(Debug, Clone)]
pub struct Drive {
    /// Shell-identifier name: the guest sees the device as `$DEV_<label>`.
    pub label: String,
    /// Controller the drive hangs off.
    pub bus: Bus,
    /// The image (read only); `None` for a drive with no disc in it.
    pub image: Option<PathBuf>,
    /// An iSCSI LUN (`iscsi://HOST:PORT/IQN/LUN`) passed through to the guest on
    /// virtio-scsi, and how: the target answers every command (tgt-recorder.md §4.2).
    pub iscsi: Option<(String, Passthrough)>,
}

/// How an iSCSI LUN is handed to the guest. Both pass every command to the target (QEMU's
/// own CD emulations, `scsi-cd` and IDE, would answer MMC themselves and refuse writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passthrough {
    /// `-device scsi-generic`: every CDB goes to the target as it is.
    Generic,
    /// `-device scsi-block`: QEMU reads and writes through its block layer and passes
    /// every other command through.
    Block,
}

impl Passthrough {
    /// The QEMU device name.
    pub fn device(self) -> &'static str {
        match self {
            Passthrough::Generic => "scsi-generic",
            Passthrough::Block => "scsi-block",
        }
    }
}

/// A guest shell snippet, run with `sh` in its own process; its output forms a section.
#[derive(Debug, Clone)]
pub struct Step {
    /// Section name: letters, digits, `_`, `-`, `.`.
    pub name: String,
    /// The shell text.
    pub script: String,
}

/// A file copied from the host into the initramfs.
#[derive(Debug, Clone)]
struct HostFile {
    guest_path: String,
    host_path: PathBuf,
    mode: u32,
    /// Strip debug info on the way in (binaries).
    strip: bool,
}

/// One boot: drives, files, steps, limits. Build it, then [`Scenario::run`].
#[derive(Debug, Clone)]
pub struct Scenario {
    name: String,
    modules: Vec<String>,
    drives: Vec<Drive>,
    files: Vec<HostFile>,
    steps: Vec<Step>,
    memory_mib: u32,
    timeout: Duration,
    kernel: Option<Kernel>,
}

/// One framed section of the guest's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The step name.
    pub name: String,
    /// The step's exit status.
    pub rc: i32,
    /// What the step printed (stdout and stderr interleaved), exactly.
    pub output: String,
}

/// What one boot produced.
#[derive(Debug, Clone)]
pub struct BootReport {
    /// The scenario name.
    pub scenario: String,
    /// The framed sections, in the order the guest ran them.
    pub sections: Vec<Section>,
    /// Everything QEMU printed on stdout and stderr (BIOS, kernel, console).
    pub console: String,
    /// The raw results channel (ttyS1).
    pub results: String,
    /// Wall-clock time from QEMU's start to its exit.
    pub wall: Duration,
    /// Guest uptime (seconds) when modules were loaded and all drives found.
    pub guest_ready_at: Option<f64>,
    /// Guest uptime (seconds) when the last step ended.
    pub guest_done_at: Option<f64>,
    /// Wall-clock time spent building the initramfs on the host.
    pub initramfs_build: Duration,
    /// Size of the initramfs in bytes.
    pub initramfs_bytes: u64,
    /// Guest seconds each step took, in the order they ran.
    pub step_seconds: Vec<(String, f64)>,
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

fn is_step_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
}

impl Scenario {
    /// A scenario with the default modules, 1024 MiB of guest memory and a 240 s limit.
    pub fn new(name: &str) -> Self {
        Scenario {
            name: name.to_string(),
            modules: DEFAULT_MODULES.iter().map(|m| m.to_string()).collect(),
            drives: Vec::new(),
            files: Vec::new(),
            steps: Vec::new(),
            memory_mib: 1024,
            timeout: Duration::from_secs(240),
            kernel: None,
        }
    }

    /// The scenario name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Boots this kernel instead of [`Kernel::locate`]'s.
    pub fn kernel(mut self, kernel: Kernel) -> Self {
        self.kernel = Some(kernel);
        self
    }

    /// Loads one more kernel module (with its dependencies).
    pub fn module(mut self, name: &str) -> Self {
        self.modules.push(name.to_string());
        self
    }

    /// Attaches `image` as a CD/DVD drive; the guest finds it as `$DEV_<label>`.
    pub fn drive(mut self, label: &str, bus: Bus, image: &Path) -> Self {
        self.drives.push(Drive {
            label: label.to_string(),
            bus,
            image: Some(image.to_path_buf()),
            iscsi: None,
        });
        self
    }

    /// Attaches a CD/DVD drive with no disc in it (`$DEV_<label>` in the guest).
    pub fn empty_drive(mut self, label: &str, bus: Bus) -> Self {
        self.drives.push(Drive {
            label: label.to_string(),
            bus,
            image: None,
            iscsi: None,
        });
        self
    }

    /// Attaches the iSCSI LUN at `url` (e.g. what `discburn emu serve` prints) as a
    /// passthrough drive on virtio-scsi (`scsi-generic`, QEMU's block-iscsi module from
    /// qemu-block-extra): the guest's `$DEV_<label>`/`$SG_<label>` reach the target itself.
    pub fn iscsi_drive(self, label: &str, url: &str) -> Self {
        self.iscsi_drive_as(label, url, Passthrough::Generic)
    }

    /// Attaches the iSCSI LUN at `url` as a passthrough drive of the given kind.
    pub fn iscsi_drive_as(mut self, label: &str, url: &str, passthrough: Passthrough) -> Self {
        self.drives.push(Drive {
            label: label.to_string(),
            bus: Bus::VirtioScsi,
            image: None,
            iscsi: Some((url.to_string(), passthrough)),
        });
        self
    }

    /// Copies an executable into `/bin/<name>` of the guest, with the shared libraries it
    /// needs (from `ldd`), stripped of debug info.
    pub fn binary(mut self, name: &str, host_path: &Path) -> Self {
        self.files.push(HostFile {
            guest_path: format!("bin/{name}"),
            host_path: host_path.to_path_buf(),
            mode: 0o755,
            strip: true,
        });
        self
    }

    /// Copies a host file into the guest at `guest_path`.
    pub fn file(mut self, guest_path: &str, host_path: &Path, mode: u32) -> Self {
        self.files.push(HostFile {
            guest_path: guest_path.trim_start_matches('/').to_string(),
            host_path: host_path.to_path_buf(),
            mode,
            strip: false,
        });
        self
    }

    /// Adds a guest step; its output becomes the section `name`.
    pub fn step(mut self, name: &str, script: &str) -> Self {
        self.steps.push(Step {
            name: name.to_string(),
            script: script.to_string(),
        });
        self
    }

    /// Guest memory in MiB.
    pub fn memory_mib(mut self, mib: u32) -> Self {
        self.memory_mib = mib;
        self
    }

    /// The overall limit; QEMU is killed after it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn error(&self, message: impl Into<String>) -> HarnessError {
        HarnessError::Scenario {
            scenario: self.name.clone(),
            message: message.into(),
        }
    }

    fn validate(&self) -> Result<()> {
        if !is_step_name(&self.name) {
            return Err(self.error("scenario names use letters, digits, '_', '-', '.'"));
        }
        let mut labels = std::collections::BTreeSet::new();
        for drive in &self.drives {
            if !is_identifier(&drive.label) {
                return Err(self.error(format!(
                    "drive label {:?} is not a shell identifier",
                    drive.label
                )));
            }
            if !labels.insert(drive.label.as_str()) {
                return Err(self.error(format!("drive label {:?} used twice", drive.label)));
            }
            if let Some(image) = drive.image.as_ref().filter(|image| !image.is_file()) {
                return Err(self.error(format!("image {} is not a file", image.display())));
            }
        }
        if self.drives.iter().filter(|d| d.bus == Bus::Ide).count() > 4 {
            return Err(self.error("PIIX IDE holds at most 4 drives"));
        }
        let mut names = std::collections::BTreeSet::new();
        for step in &self.steps {
            if !is_step_name(&step.name) || !names.insert(step.name.as_str()) {
                return Err(self.error(format!(
                    "step name {:?} is malformed or used twice",
                    step.name
                )));
            }
        }
        Ok(())
    }

    /// The `case` pattern matching the sysfs path of a drive's block device: IDE drive `n`
    /// sits on PIIX channel n/2 (libata port `ata<n/2+1>`) as device n%2 (SCSI target id);
    /// virtio-scsi drive `n` is given `scsi-id=n`.
    fn sysfs_pattern(&self, index_on_bus: usize, bus: Bus) -> String {
        match bus {
            Bus::Ide => format!(
                "*/ata{}/host*/target*:0:{}/*",
                index_on_bus / 2 + 1,
                index_on_bus % 2
            ),
            Bus::VirtioScsi => format!("*/virtio*/host*/target*:0:{index_on_bus}/*"),
        }
    }

    /// The drives with their index on their bus.
    fn drives_indexed(&self) -> Vec<(usize, &Drive)> {
        let mut ide = 0;
        let mut scsi = 0;
        self.drives
            .iter()
            .map(|drive| {
                let counter = if drive.bus == Bus::Ide {
                    &mut ide
                } else {
                    &mut scsi
                };
                let index = *counter;
                *counter += 1;
                (index, drive)
            })
            .collect()
    }

    /// The `/init` script of the guest.
    pub fn init_script(&self, module_names: &[String]) -> String {
        let mut s = String::new();
        s.push_str(
            r#"#!/bin/busybox sh
# Generated by qemu-harness. PID 1: load modules, find drives, run steps, power off.
/bin/busybox --install -s /bin
export PATH=/bin
export HOME=/root
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /tmp /mnt /root
mount -t tmpfs -o mode=1777 tmp /tmp
R=/dev/ttyS1
stty -F $R raw -echo -onlcr 2>/dev/null
exec 3>$R
say() { echo "$*" >&3; echo "$*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
say "@@BOOT uptime=$(uptime_s)@@"
"#,
        );
        s.push_str("for m in");
        for name in module_names {
            let _ = write!(s, " {name}");
        }
        s.push_str(
            r#"; do
  insmod /lib/modules/$m.ko 2>/tmp/insmod.err || say "@@WARN insmod $m: $(cat /tmp/insmod.err)@@"
done
resolve_sr() {
  for d in /sys/block/sr*; do
    [ -e "$d" ] || continue
    p=$(readlink -f "$d")
    case "$p" in $1) echo "/dev/${d##*/}"; return 0;; esac
  done
  return 1
}
resolve_sg() {
  for g in /sys/block/${1#/dev/}/device/scsi_generic/sg*; do
    [ -e "$g" ] && { echo "/dev/${g##*/}"; return 0; }
  done
  return 1
}
tries=0
while :; do
  missing=""
"#,
        );
        for (index, drive) in self.drives_indexed() {
            let _ = writeln!(
                s,
                "  DEV_{label}=$(resolve_sr '{pattern}') || missing=\"$missing {label}\"",
                label = drive.label,
                pattern = self.sysfs_pattern(index, drive.bus)
            );
        }
        s.push_str(
            r#"  [ -z "$missing" ] && break
  tries=$((tries+1))
  if [ $tries -ge 300 ]; then say "@@WARN drives not found:$missing@@"; break; fi
  sleep 0.1
done
"#,
        );
        for drive in &self.drives {
            let _ = writeln!(
                s,
                "SG_{label}=$(resolve_sg \"$DEV_{label}\"); export DEV_{label} SG_{label}",
                label = drive.label
            );
        }
        s.push_str(
            r#"say "@@READY uptime=$(uptime_s)@@"
run_step() {
  t0=$(uptime_s)
  say "@@BEGIN $1@@"
  (cd /root && sh "/steps/$1.sh") >&3 2>&1
  rc=$?
  printf '\n@@END %s rc=%d@@\n' "$1" "$rc" >&3
  echo "@@END $1 rc=$rc@@"
  say "@@TIME $1 $t0 $(uptime_s)@@"
}
"#,
        );
        for step in &self.steps {
            let _ = writeln!(s, "run_step {}", step.name);
        }
        // Closing the last descriptor of ttyS1 waits until the UART has sent everything
        // (the serial core's closing_wait); `poweroff -f` does not wait for buffered output.
        s.push_str("say \"@@DONE uptime=$(uptime_s)@@\"\nexec 3>&-\nsync\npoweroff -f\n");
        s
    }

    /// Builds the initramfs for this scenario into `out`; returns its size.
    pub fn build_initramfs(&self, kernel: &Kernel, work_dir: &Path, out: &Path) -> Result<u64> {
        let mut archive = CpioArchive::new();
        for dir in [
            "bin",
            "dev",
            "proc",
            "sys",
            "tmp",
            "mnt",
            "root",
            "steps",
            "lib/modules",
        ] {
            archive.add_dir(dir, 0o755)?;
        }
        archive.add_char_device("dev/console", 0o600, 5, 1)?;
        archive.add_char_device("dev/null", 0o666, 1, 3)?;

        let busybox = find_busybox()?;
        archive.add_host_file("bin/busybox", 0o755, &busybox)?;
        let mut libraries = shared_libraries(&busybox)?;

        let module_refs: Vec<&str> = self.modules.iter().map(String::as_str).collect();
        let modules = kernel.resolve_modules(&module_refs)?;
        let mut module_names = Vec::new();
        for module in &modules {
            archive.add_bytes(
                &format!("lib/modules/{}.ko", module.name),
                0o644,
                module_bytes(module)?,
            )?;
            module_names.push(module.name.clone());
        }

        for (index, file) in self.files.iter().enumerate() {
            let source = if file.strip {
                let stripped = work_dir.join(format!("stripped-{index}"));
                strip_debug(&file.host_path, &stripped)
            } else {
                file.host_path.clone()
            };
            archive.add_host_file(&file.guest_path, file.mode, &source)?;
            if file.strip {
                libraries.extend(shared_libraries(&file.host_path)?);
            }
        }
        libraries.sort();
        libraries.dedup();
        for lib in &libraries {
            // Copy the file the name resolves to, under the name the loader asks for.
            let guest = lib.to_string_lossy().trim_start_matches('/').to_string();
            if !archive.contains(&guest) {
                archive.add_host_file(&guest, 0o755, lib)?;
            }
        }

        for step in &self.steps {
            archive.add_bytes(
                &format!("steps/{}.sh", step.name),
                0o755,
                step.script.as_bytes(),
            )?;
        }
        archive.add_bytes("init", 0o755, self.init_script(&module_names).into_bytes())?;
        archive.write_to_file(out)
    }

    /// The QEMU command line (without the program name).
    pub fn qemu_args(&self, kernel: &Kernel, initramfs: &Path, results: &Path) -> Vec<String> {
        let mut args: Vec<String> = [
            "-accel",
            "tcg",
            "-nodefaults",
            "-display",
            "none",
            "-no-reboot",
            "-m",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.push(self.memory_mib.to_string());
        args.extend(["-kernel".into(), kernel.image.display().to_string()]);
        args.extend(["-initrd".into(), initramfs.display().to_string()]);
        args.extend(["-append".into(), "console=ttyS0 panic=-1 quiet".into()]);
        args.extend(["-serial".into(), "stdio".into()]);
        args.extend(["-serial".into(), format!("file:{}", results.display())]);
        let drives = self.drives_indexed();
        if drives.iter().any(|(_, d)| d.bus == Bus::VirtioScsi) {
            args.extend(["-device".into(), "virtio-scsi-pci,id=vscsi".into()]);
        }
        for (index, drive) in drives {
            // QEMU's -drive option separates with ','; a ',' in a path is doubled.
            let medium = match &drive.image {
                Some(image) => format!(
                    "file={},format=raw,media=cdrom,readonly=on",
                    image.display().to_string().replace(',', ",,")
                ),
                None => "media=cdrom".to_string(),
            };
            match (drive.bus, &drive.iscsi) {
                (Bus::Ide, _) => {
                    args.push("-drive".into());
                    args.push(format!("{medium},if=ide,index={index}"));
                }
                (Bus::VirtioScsi, Some((url, passthrough))) => {
                    args.push("-drive".into());
                    args.push(format!(
                        "file={},if=none,id=cd_{label},format=raw",
                        url.replace(',', ",,"),
                        label = drive.label
                    ));
                    args.push("-device".into());
                    args.push(format!(
                        "{device},bus=vscsi.0,drive=cd_{label},scsi-id={index},lun=0",
                        device = passthrough.device(),
                        label = drive.label
                    ));
                }
                (Bus::VirtioScsi, None) => {
                    args.push("-drive".into());
                    args.push(format!(
                        "if=none,id=cd_{label},{medium}",
                        label = drive.label
                    ));
                    args.push("-device".into());
                    args.push(format!(
                        "scsi-cd,bus=vscsi.0,drive=cd_{label},scsi-id={index},lun=0",
                        label = drive.label
                    ));
                }
            }
        }
        args
    }

    /// Boots the scenario and collects the sections. The work directory (initramfs,
    /// results) is removed afterwards unless `QEMU_HARNESS_KEEP` is set.
    pub fn run(&self) -> Result<BootReport> {
        self.validate()?;
        let kernel = match &self.kernel {
            Some(kernel) => kernel.clone(),
            None => Kernel::locate()?,
        };
        let work = tempfile::Builder::new()
            .prefix(&format!("qemu-harness-{}-", self.name))
            .tempdir()
            .map_err(|e| HarnessError::io(std::env::temp_dir(), e))?;
        let work_dir = work.path().to_path_buf();
        let initramfs = work_dir.join("initramfs.cpio");
        let results_path = work_dir.join("results.txt");

        let build_start = Instant::now();
        let initramfs_bytes = self.build_initramfs(&kernel, &work_dir, &initramfs)?;
        let initramfs_build = build_start.elapsed();

        let args = self.qemu_args(&kernel, &initramfs, &results_path);
        let command_text = format!("qemu-system-x86_64 {}", args.join(" "));
        let start = Instant::now();
        let mut child = Command::new("qemu-system-x86_64")
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| HarnessError::Command {
                command: command_text.clone(),
                message: e.to_string(),
            })?;

        let console = Arc::new(Mutex::new(Vec::<u8>::new()));
        let mut readers = Vec::new();
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let sink = Arc::clone(&console);
            readers.push(std::thread::spawn(move || {
                let mut stream = stream;
                let mut buf = [0u8; 8192];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut sink) = sink.lock() {
                        sink.extend_from_slice(&buf[..n]);
                    }
                }
            }));
        }

        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if start.elapsed() > self.timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(HarnessError::Command {
                        command: command_text,
                        message: e.to_string(),
                    });
                }
            }
        };
        let wall = start.elapsed();
        for reader in readers {
            let _ = reader.join();
        }
        let console = console
            .lock()
            .map(|c| String::from_utf8_lossy(&c).into_owned())
            .unwrap_or_default();
        let results = std::fs::read(&results_path)
            .map(|bytes| String::from_utf8_lossy(&bytes).replace("\r\n", "\n"))
            .unwrap_or_default();

        if std::env::var_os("QEMU_HARNESS_KEEP").is_some() {
            let kept = work.keep();
            eprintln!("qemu-harness: kept {} ({command_text})", kept.display());
        }

        let Some(status) = status else {
            return Err(HarnessError::Timeout {
                scenario: self.name.clone(),
                seconds: self.timeout.as_secs(),
                console,
                results,
            });
        };
        let guest_error = |message: String| HarnessError::GuestOutput {
            scenario: self.name.clone(),
            message,
            console: console.clone(),
            results: results.clone(),
        };
        let sections = parse_sections(&results).map_err(guest_error)?;
        if !status.success() {
            return Err(guest_error(format!("QEMU exited with {status}")));
        }
        let marker_uptime = |marker: &str| {
            results.lines().find_map(|line| {
                line.strip_prefix(marker)?
                    .strip_suffix("@@")?
                    .parse::<f64>()
                    .ok()
            })
        };
        let report = BootReport {
            scenario: self.name.clone(),
            guest_ready_at: marker_uptime("@@READY uptime="),
            guest_done_at: marker_uptime("@@DONE uptime="),
            sections,
            console: console.clone(),
            results: results.clone(),
            wall,
            initramfs_build,
            initramfs_bytes,
            step_seconds: parse_step_times(&results),
        };
        if let Some(warning) = results.lines().find(|l| l.starts_with("@@WARN")) {
            return Err(guest_error(format!("guest warned: {warning}")));
        }
        for step in &self.steps {
            if report.sections.iter().all(|s| s.name != step.name) {
                return Err(guest_error(format!("step {} left no section", step.name)));
            }
        }
        Ok(report)
    }
}

/// Splits the results channel into sections. Text outside sections (boot markers) is
/// ignored; a BEGIN without its END is an error.
pub fn parse_sections(results: &str) -> std::result::Result<Vec<Section>, String> {
    let mut sections = Vec::new();
    let mut rest = results;
    while let Some(begin) = rest.find("@@BEGIN ") {
        let after = &rest[begin + "@@BEGIN ".len()..];
        let Some(name_end) = after.find("@@\n") else {
            return Err(format!(
                "malformed BEGIN marker near {:?}",
                truncate(after, 80)
            ));
        };
        let name = &after[..name_end];
        let body_start = &after[name_end + 3..];
        let end_marker = format!("\n@@END {name} rc=");
        let Some(end) = body_start.find(&end_marker) else {
            return Err(format!(
                "section {name} has no END marker (guest died or hung in it?)"
            ));
        };
        let output = &body_start[..end];
        let tail = &body_start[end + end_marker.len()..];
        let Some(rc_end) = tail.find("@@") else {
            return Err(format!("section {name}: malformed END marker"));
        };
        let rc = tail[..rc_end]
            .parse::<i32>()
            .map_err(|_| format!("section {name}: bad exit status {:?}", &tail[..rc_end]))?;
        sections.push(Section {
            name: name.to_string(),
            rc,
            output: output.to_string(),
        });
        rest = &tail[rc_end + 2..];
    }
    Ok(sections)
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

impl BootReport {
    /// The section of step `name`.
    pub fn section(&self, name: &str) -> Result<&Section> {
        self.sections
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| HarnessError::GuestOutput {
                scenario: self.scenario.clone(),
                message: format!("no section {name}"),
                console: self.console.clone(),
                results: self.results.clone(),
            })
    }

    /// The output of step `name`, which must have exited 0.
    pub fn ok_output(&self, name: &str) -> Result<&str> {
        let section = self.section(name)?;
        if section.rc != 0 {
            return Err(HarnessError::GuestOutput {
                scenario: self.scenario.clone(),
                message: format!("step {name} exited {}:\n{}", section.rc, section.output),
                console: self.console.clone(),
                results: self.results.clone(),
            });
        }
        Ok(&section.output)
    }

    /// One line of timings for logs: wall time, guest uptime at ready/done, initramfs size.
    pub fn timing_summary(&self) -> String {
        format!(
            "{}: wall {:.1} s, guest ready at {} s, done at {} s, initramfs {:.1} MB built in {:.1} s",
            self.scenario,
            self.wall.as_secs_f64(),
            self.guest_ready_at.map_or("?".into(), |t| format!("{t:.1}")),
            self.guest_done_at.map_or("?".into(), |t| format!("{t:.1}")),
            self.initramfs_bytes as f64 / 1e6,
            self.initramfs_build.as_secs_f64(),
        ) + &self.slowest_steps(3)
    }

    /// `; slowest steps: a 2.1 s, b 1.0 s` for the `count` slowest steps (empty if none).
    fn slowest_steps(&self, count: usize) -> String {
        let mut steps = self.step_seconds.clone();
        steps.sort_by(|a, b| b.1.total_cmp(&a.1));
        if steps.is_empty() {
            return String::new();
        }
        let listed: Vec<String> = steps
            .iter()
            .take(count)
            .map(|(name, secs)| format!("{name} {secs:.1} s"))
            .collect();
        format!("; slowest steps: {}", listed.join(", "))
    }
}

/// `@@TIME <step> <start uptime> <end uptime>@@` lines → (step, seconds).
fn parse_step_times(results: &str) -> Vec<(String, f64)> {
    results
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line
                .strip_prefix("@@TIME ")?
                .strip_suffix("@@")?
                .split(' ')
                .collect();
            let [name, start, end] = fields[..] else {
                return None;
            };
            let seconds = end.parse::<f64>().ok()? - start.parse::<f64>().ok()?;
            Some((name.to_string(), seconds))
        })
        .collect()
}

/// The static busybox: `QEMU_HARNESS_BUSYBOX`, else `/bin/busybox` or `/usr/bin/busybox`.
pub fn find_busybox() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("QEMU_HARNESS_BUSYBOX") {
        return Ok(PathBuf::from(path));
    }
    ["/bin/busybox", "/usr/bin/busybox"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| HarnessError::Command {
            command: "busybox".into(),
            message: "not found (install busybox-static)".into(),
        })
}

/// Copies `input` to `output` without debug sections (`strip --strip-debug`); falls back to
/// the unstripped file if `strip` is missing or fails. Returns the path to use.
fn strip_debug(input: &Path, output: &Path) -> PathBuf {
    let stripped = Command::new("strip")
        .arg("--strip-debug")
        .arg("-o")
        .arg(output)
        .arg(input)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if stripped {
        output.to_path_buf()
    } else {
        input.to_path_buf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_split_with_exact_output() {
        let results = "@@BOOT uptime=1.0@@\n@@READY uptime=2.5@@\n\
                       @@BEGIN a@@\nline 1\nline 2\n\n@@END a rc=0@@\n\
                       @@BEGIN b.c@@\nno newline\n@@END b.c rc=3@@\n\
                       @@BEGIN empty@@\n\n@@END empty rc=0@@\n";
        let sections = parse_sections(results).unwrap();
        assert_eq!(sections.len(), 3);
        assert_eq!(
            sections[0],
            Section {
                name: "a".into(),
                rc: 0,
                output: "line 1\nline 2\n".into()
            }
        );
        assert_eq!(sections[1].output, "no newline");
        assert_eq!(sections[1].rc, 3);
        assert_eq!(sections[2].output, "");
    }

    #[test]
    fn step_times_are_read_from_time_lines() {
        let times =
            parse_step_times("@@TIME a 3.5 4.0@@\nnoise\n@@TIME b 4.0 6.25@@\n@@TIME bad@@\n");
        assert_eq!(times, [("a".to_string(), 0.5), ("b".to_string(), 2.25)]);
    }

    #[test]
    fn unterminated_section_is_an_error() {
        let err = parse_sections("@@BEGIN a@@\npartial output").unwrap_err();
        assert!(err.contains("no END marker"), "{err}");
    }

    #[test]
    fn init_script_resolves_drives_by_bus_position() {
        let scenario = Scenario::new("t")
            .drive("first", Bus::Ide, Path::new("/x.iso"))
            .drive("second", Bus::VirtioScsi, Path::new("/y.iso"))
            .drive("third", Bus::Ide, Path::new("/z.iso"))
            .step("one", "true");
        let init = scenario.init_script(&["cdrom".into(), "sr_mod".into()]);
        assert!(
            init.contains("DEV_first=$(resolve_sr '*/ata1/host*/target*:0:0/*')"),
            "{init}"
        );
        assert!(
            init.contains("DEV_third=$(resolve_sr '*/ata1/host*/target*:0:1/*')"),
            "{init}"
        );
        assert!(
            init.contains("DEV_second=$(resolve_sr '*/virtio*/host*/target*:0:0/*')"),
            "{init}"
        );
        assert!(init.contains("for m in cdrom sr_mod; do"), "{init}");
        assert!(init.contains("run_step one\n"), "{init}");
        let args = scenario.qemu_args(
            &Kernel {
                version: "v".into(),
                image: "/k".into(),
                modules_dir: "/m".into(),
            },
            Path::new("/i"),
            Path::new("/r"),
        );
        let joined = args.join(" ");
        assert!(
            joined.contains("file=/z.iso,format=raw,media=cdrom,readonly=on,if=ide,index=1"),
            "{joined}"
        );
        assert!(
            joined.contains("scsi-cd,bus=vscsi.0,drive=cd_second,scsi-id=0,lun=0"),
            "{joined}"
        );
    }

    #[test]
    fn an_iscsi_drive_is_passed_through() {
        let scenario = Scenario::new("t")
            .drive("cd", Bus::VirtioScsi, Path::new("/y.iso"))
            .iscsi_drive(
                "served",
                "iscsi://127.0.0.1:3260/iqn.2026-12.org.discburn:d/0",
            );
        let args = scenario
            .qemu_args(
                &Kernel {
                    version: "v".into(),
                    image: "/k".into(),
                    modules_dir: "/m".into(),
                },
                Path::new("/i"),
                Path::new("/r"),
            )
            .join(" ");
        assert!(
            args.contains("-drive file=iscsi://127.0.0.1:3260/iqn.2026-12.org.discburn:d/0,if=none,id=cd_served,format=raw -device scsi-generic,bus=vscsi.0,drive=cd_served,scsi-id=1,lun=0"),
            "{args}"
        );
        let init = scenario.init_script(&[]);
        assert!(
            init.contains("DEV_served=$(resolve_sr '*/virtio*/host*/target*:0:1/*')"),
            "{init}"
        );
        let block = Scenario::new("t")
            .iscsi_drive_as("b", "iscsi://127.0.0.1:9/iqn.x:y/1", Passthrough::Block)
            .qemu_args(
                &Kernel {
                    version: "v".into(),
                    image: "/k".into(),
                    modules_dir: "/m".into(),
                },
                Path::new("/i"),
                Path::new("/r"),
            )
            .join(" ");
        assert!(
            block.contains("-device scsi-block,bus=vscsi.0,drive=cd_b,scsi-id=0,lun=0"),
            "{block}"
        );
    }

    #[test]
    fn an_empty_drive_has_no_file() {
        let scenario = Scenario::new("t")
            .empty_drive("e", Bus::Ide)
            .empty_drive("f", Bus::VirtioScsi);
        let args = scenario.qemu_args(
            &Kernel {
                version: "v".into(),
                image: "/k".into(),
                modules_dir: "/m".into(),
            },
            Path::new("/i"),
            Path::new("/r"),
        );
        assert!(
            args.contains(&"media=cdrom,if=ide,index=0".to_string()),
            "{args:?}"
        );
        assert!(
            args.contains(&"if=none,id=cd_f,media=cdrom".to_string()),
            "{args:?}"
        );
        assert!(scenario.validate().is_ok());
    }

    #[test]
    fn bad_labels_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("i.iso");
        std::fs::write(&image, b"x").unwrap();
        let scenario = Scenario::new("t").drive("not-ok", Bus::Ide, &image);
        assert!(scenario.validate().is_err());
        let scenario = Scenario::new("t")
            .drive("a", Bus::Ide, &image)
            .drive("a", Bus::Ide, &image);
        assert!(scenario.validate().is_err());
    }
}
