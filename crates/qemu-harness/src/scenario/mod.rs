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
//!
//! The job is split: this module holds the scenario (its drives, files, steps, limits) and
//! checks it; [`guest`] writes the guest's `/init`, [`initramfs`] packs it with busybox,
//! modules and binaries, [`boot`] runs QEMU and collects the results, and [`report`]
//! parses the framed sections into a [`BootReport`].

mod boot;
mod guest;
mod initramfs;
mod report;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{HarnessError, Result};
use crate::kernel::Kernel;

pub use initramfs::find_busybox;
pub use report::{parse_sections, BootReport, Section};

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

    /// Like [`Scenario::binary`] for the program `name` found on the host's `PATH` (a
    /// missing one fails the boot, naming it).
    pub fn host_binary(self, name: &str) -> Self {
        let path = testkit::tools::tool_path(name).unwrap_or_else(|| PathBuf::from(name));
        self.binary(name, &path)
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
}

/// A kernel that is never booted, for the command-line tests.
#[cfg(test)]
fn test_kernel() -> Kernel {
    Kernel {
        version: "v".into(),
        image: "/k".into(),
        modules_dir: "/m".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
