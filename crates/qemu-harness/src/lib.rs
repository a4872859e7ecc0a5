//! Real Linux in the loop: boot the packaged kernel under QEMU (TCG) with images attached
//! as CD/DVD drives — ATAPI on IDE and `scsi-cd` on virtio-scsi — run guest shell steps,
//! and collect their framed output on the host.
//!
//! ```no_run
//! use qemu_harness::{Bus, Scenario};
//! # fn main() -> Result<(), qemu_harness::HarnessError> {
//! let report = Scenario::new("demo")
//!     .drive("cd", Bus::Ide, std::path::Path::new("image.iso"))
//!     .step("mount", "mount -t iso9660 -o ro $DEV_cd /mnt && ls /mnt")
//!     .run()?;
//! println!("{}", report.ok_output("mount")?);
//! # Ok(()) }
//! ```
//!
//! The pieces are reusable on their own: [`Kernel`] finds the kernel and resolves modules
//! from `modules.dep`, [`CpioArchive`] writes a deterministic initramfs, [`listing`] lists a
//! mounted tree in the guest and turns it into a [`testkit::Snapshot`], [`checks`] mounts,
//! lists and compares in one go (with the [`isofs`] allowances), [`discburn_binary`] finds
//! (building if needed) the `discburn` executable, [`EmuServer`] serves an emulated medium
//! over iSCSI and [`json_result`] reads a `--json` run's result, [`require_qemu`] skips outside CI,
//! [`TgtDaemon`] runs a private Linux SCSI target whose DVD+R LUNs the guest reaches as
//! passthrough drives ([`Scenario::iscsi_drive_as`]).
//!
//! How a boot goes: the initramfs holds busybox (static), the modules (cdrom, sr_mod, sg,
//! isofs, ata_piix, virtio_pci, virtio_scsi and their dependencies), the binaries added
//! with [`Scenario::binary`] plus their shared libraries, one script per step and a
//! generated `/init`. QEMU runs with `-accel tcg -nodefaults -display none -no-reboot`,
//! the console on stdio (captured) and a second UART to a file for the framed results.
//! `/init` loads the modules, waits for every drive, sets `$DEV_<label>`/`$SG_<label>`,
//! runs the steps in order and powers off; the host kills QEMU at the scenario's limit.
//! Debug aids: `QEMU_HARNESS_KEEP=1` keeps the work directory (initramfs, results);
//! `examples/guest_shell.rs` runs any script in a guest; `probes/mmc_probe.sh` and
//! `examples/inspect_drive.rs` probe drives (findings in `QEMU-DRIVE.md`).
#![forbid(unsafe_code)]

pub mod checks;
pub mod cpio;
pub mod discburn;
pub mod error;
pub mod isofs;
pub mod kernel;
pub mod libs;
pub mod listing;
pub mod scenario;
pub mod tgt;

use std::process::Command;

pub use checks::{check_rock_ridge_view, link_counts, mount_and_list_step, KernelView};
pub use cpio::CpioArchive;
pub use discburn::{discburn_binary, json_of_type, json_result, EmuServer};
pub use error::{HarnessError, Result};
pub use isofs::{apply_linux_isofs_allowances, linux_joliet_path};
pub use kernel::{Kernel, ModuleFile};
pub use listing::{
    guest_listing_script, guest_listing_script_limited, guest_ranges_script, host_ranges,
    parse_guest_listing, parse_ranges, to_snapshot, GuestEntry, LinkGrouping,
};
pub use scenario::{
    parse_sections, BootReport, Bus, Drive, Passthrough, Scenario, Section, Step, DEFAULT_MODULES,
};
pub use tgt::{require_tgt, tgt_unavailable_reason, TgtDaemon, TgtLun};

/// Whether this machine can run scenarios: `qemu-system-x86_64` on `PATH`, a kernel with
/// modules, and busybox. Returns the reason when it cannot.
pub fn unavailable_reason() -> Option<String> {
    let qemu_ok = Command::new("qemu-system-x86_64")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !qemu_ok {
        return Some("qemu-system-x86_64 not found (install qemu-system-x86)".into());
    }
    match Kernel::locate() {
        Err(e) => return Some(e.to_string()),
        Ok(kernel) => {
            // Some distributions install the kernel image readable by root only.
            if let Err(e) = std::fs::File::open(&kernel.image) {
                return Some(format!("cannot read {}: {e}", kernel.image.display()));
            }
        }
    }
    if let Err(e) = scenario::find_busybox() {
        return Some(e.to_string());
    }
    None
}

/// For tests: true when scenarios can run on this machine. When they cannot: under CI
/// a panic (CI installs QEMU, the kernel and busybox: `.ci/install-deps`), elsewhere a
/// skipped check that is printed and listed ([`testkit::skip`]).
#[track_caller]
pub fn require_qemu() -> bool {
    match unavailable_reason() {
        None => true,
        Some(reason) => testkit::require(
            false,
            &format!("cannot boot QEMU: {reason} (see .ci/install-deps)"),
        ),
    }
}
