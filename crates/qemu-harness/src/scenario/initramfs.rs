//! The initramfs of a scenario: busybox, the kernel modules with their dependencies, the
//! host binaries (stripped) with their shared libraries, one script per step and `/init`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::Scenario;
use crate::cpio::CpioArchive;
use crate::error::{HarnessError, Result};
use crate::kernel::{module_bytes, Kernel};
use crate::libs::shared_libraries;

impl Scenario {
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
