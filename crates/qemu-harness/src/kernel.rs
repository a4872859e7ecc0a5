//! The packaged Linux kernel and its modules: find `/boot/vmlinuz-<version>` with its
//! `/lib/modules/<version>`, and resolve the modules a guest needs, with their dependencies,
//! from `modules.dep` into a load order.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{HarnessError, Result};

/// A kernel image with the modules built for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kernel {
    /// `uname -r` of the kernel, e.g. `6.1.0-56-amd64`.
    pub version: String,
    /// The bootable image, e.g. `/boot/vmlinuz-6.1.0-56-amd64`.
    pub image: PathBuf,
    /// Its module tree, e.g. `/lib/modules/6.1.0-56-amd64`.
    pub modules_dir: PathBuf,
}

/// One module file to load in the guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleFile {
    /// Module name as the kernel knows it (`-` replaced by `_`), e.g. `sr_mod`.
    pub name: String,
    /// The file on the host, possibly compressed (`.ko.xz`, `.ko.zst`, `.ko.gz`).
    pub host_path: PathBuf,
}

impl Kernel {
    /// Finds a kernel: `QEMU_HARNESS_KERNEL` (a vmlinuz path) if set, else the newest
    /// `/boot/vmlinuz-*` that has a `/lib/modules/<version>/modules.dep`.
    pub fn locate() -> Result<Kernel> {
        if let Some(image) = std::env::var_os("QEMU_HARNESS_KERNEL") {
            let image = PathBuf::from(image);
            let version = version_of(&image).ok_or_else(|| {
                HarnessError::NoKernel(format!(
                    "QEMU_HARNESS_KERNEL={} is not named vmlinuz-<version>",
                    image.display()
                ))
            })?;
            return Self::with_version(image, &version, Path::new("/lib/modules"));
        }
        Self::locate_in(Path::new("/boot"), Path::new("/lib/modules"))
    }

    /// Finds the newest kernel in `boot_dir` whose modules are in `modules_root`.
    pub fn locate_in(boot_dir: &Path, modules_root: &Path) -> Result<Kernel> {
        let entries = std::fs::read_dir(boot_dir).map_err(|e| HarnessError::io(boot_dir, e))?;
        let mut candidates = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| HarnessError::io(boot_dir, e))?;
            let path = entry.path();
            if let Some(version) = version_of(&path) {
                if modules_root.join(&version).join("modules.dep").is_file() {
                    candidates.push((version, path));
                }
            }
        }
        // Newest by a version-aware order ("6.10" after "6.9").
        candidates.sort_by_key(|(version, _)| version_key(version));
        let (version, image) = candidates.pop().ok_or_else(|| {
            HarnessError::NoKernel(format!(
                "no {}/vmlinuz-<version> with {}/<version>/modules.dep (install linux-image-amd64)",
                boot_dir.display(),
                modules_root.display()
            ))
        })?;
        Self::with_version(image, &version, modules_root)
    }

    fn with_version(image: PathBuf, version: &str, modules_root: &Path) -> Result<Kernel> {
        let modules_dir = modules_root.join(version);
        if !modules_dir.join("modules.dep").is_file() {
            return Err(HarnessError::NoKernel(format!(
                "{} has no {}/modules.dep",
                image.display(),
                modules_dir.display()
            )));
        }
        Ok(Kernel {
            version: version.to_string(),
            image,
            modules_dir,
        })
    }

    /// Resolves `wanted` modules and all their dependencies into a load order (each module
    /// after everything it depends on). Modules built into the kernel are skipped.
    pub fn resolve_modules(&self, wanted: &[&str]) -> Result<Vec<ModuleFile>> {
        let dep_path = self.modules_dir.join("modules.dep");
        let dep_text =
            std::fs::read_to_string(&dep_path).map_err(|e| HarnessError::io(&dep_path, e))?;
        let builtin_path = self.modules_dir.join("modules.builtin");
        let builtin_text = std::fs::read_to_string(&builtin_path).unwrap_or_default();
        resolve(&self.modules_dir, &dep_text, &builtin_text, wanted)
    }
}

/// `vmlinuz-<version>` → `<version>`.
fn version_of(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let version = name.strip_prefix("vmlinuz-")?;
    (!version.is_empty()).then(|| version.to_string())
}

/// Splits a version into numeric and text runs so that numbers compare as numbers.
fn version_key(version: &str) -> Vec<(u64, String)> {
    let mut key = Vec::new();
    let mut digits = String::new();
    let mut text = String::new();
    for c in version.chars() {
        if c.is_ascii_digit() {
            if !text.is_empty() {
                key.push((0, std::mem::take(&mut text)));
            }
            digits.push(c);
        } else {
            if !digits.is_empty() {
                key.push((digits.parse().unwrap_or(u64::MAX), String::new()));
                digits.clear();
            }
            text.push(c);
        }
    }
    if !digits.is_empty() {
        key.push((digits.parse().unwrap_or(u64::MAX), String::new()));
    }
    if !text.is_empty() {
        key.push((0, text));
    }
    key
}

/// The module name of a path in modules.dep: basename without `.ko[.xz|.zst|.gz]`, `-` → `_`.
pub fn module_name(path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or(path);
    let stem = base.split(".ko").next().unwrap_or(base);
    stem.replace('-', "_")
}

fn resolve(
    modules_dir: &Path,
    dep_text: &str,
    builtin_text: &str,
    wanted: &[&str],
) -> Result<Vec<ModuleFile>> {
    let dep_error = |message: String| HarnessError::ModulesDep {
        modules_dir: modules_dir.to_path_buf(),
        message,
    };
    // name → (relative path, direct and indirect dependencies as names)
    let mut graph: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for line in dep_text.lines() {
        let Some((module, deps)) = line.split_once(':') else {
            continue;
        };
        let module = module.trim();
        if module.is_empty() {
            continue;
        }
        let deps = deps.split_whitespace().map(module_name).collect();
        graph.insert(module_name(module), (module.to_string(), deps));
    }
    let builtin: BTreeSet<String> = builtin_text.lines().map(module_name).collect();

    let mut order = Vec::new();
    let mut done = BTreeSet::new();
    let mut visiting = BTreeSet::new();
    for name in wanted {
        let name = name.replace('-', "_");
        if !graph.contains_key(&name) && !builtin.contains(&name) {
            return Err(HarnessError::ModuleNotFound {
                name,
                modules_dir: modules_dir.to_path_buf(),
            });
        }
        visit(
            &name,
            &graph,
            &builtin,
            &mut done,
            &mut visiting,
            &mut order,
            &dep_error,
        )?;
    }
    Ok(order
        .into_iter()
        .filter_map(|name| {
            graph.get(&name).map(|(rel, _)| ModuleFile {
                host_path: modules_dir.join(rel),
                name,
            })
        })
        .collect())
}

/// Depth-first: emits every dependency before the module itself.
fn visit(
    name: &str,
    graph: &BTreeMap<String, (String, Vec<String>)>,
    builtin: &BTreeSet<String>,
    done: &mut BTreeSet<String>,
    visiting: &mut BTreeSet<String>,
    order: &mut Vec<String>,
    dep_error: &dyn Fn(String) -> HarnessError,
) -> Result<()> {
    if done.contains(name) {
        return Ok(());
    }
    let Some((_, deps)) = graph.get(name) else {
        if builtin.contains(name) {
            done.insert(name.to_string());
            return Ok(());
        }
        return Err(dep_error(format!("dependency {name} is not listed")));
    };
    if !visiting.insert(name.to_string()) {
        return Err(dep_error(format!("dependency cycle through {name}")));
    }
    for dep in deps {
        visit(dep, graph, builtin, done, visiting, order, dep_error)?;
    }
    visiting.remove(name);
    done.insert(name.to_string());
    order.push(name.to_string());
    Ok(())
}

/// Returns the uncompressed bytes of a module: read as is, or decompressed with the
/// host's `xz`, `zstd` or `gzip` (busybox `insmod` takes plain ELF objects).
pub fn module_bytes(module: &ModuleFile) -> Result<Vec<u8>> {
    let path = &module.host_path;
    let name = path.to_string_lossy();
    let tool = if name.ends_with(".ko.xz") {
        Some("xz")
    } else if name.ends_with(".ko.zst") {
        Some("zstd")
    } else if name.ends_with(".ko.gz") {
        Some("gzip")
    } else {
        None
    };
    match tool {
        None => std::fs::read(path).map_err(|e| HarnessError::io(path, e)),
        Some(tool) => {
            let output = Command::new(tool)
                .arg("-dc")
                .arg(path)
                .output()
                .map_err(|e| HarnessError::Command {
                    command: format!("{tool} -dc {name}"),
                    message: e.to_string(),
                })?;
            if !output.status.success() {
                return Err(HarnessError::Command {
                    command: format!("{tool} -dc {name}"),
                    message: String::from_utf8_lossy(&output.stderr).into_owned(),
                });
            }
            Ok(output.stdout)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEP: &str = "\
kernel/drivers/scsi/sr_mod.ko.xz: kernel/drivers/cdrom/cdrom.ko.xz kernel/drivers/scsi/scsi_mod.ko.xz kernel/drivers/scsi/scsi_common.ko.xz
kernel/drivers/cdrom/cdrom.ko.xz:
kernel/drivers/scsi/scsi_mod.ko.xz: kernel/drivers/scsi/scsi_common.ko.xz
kernel/drivers/scsi/scsi_common.ko.xz:
kernel/fs/isofs/isofs.ko.xz: kernel/drivers/cdrom/cdrom.ko.xz
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio-ring.ko
kernel/drivers/virtio/virtio-ring.ko:
";

    #[test]
    fn dependencies_come_first_and_once() {
        let order = resolve(
            Path::new("/m"),
            DEP,
            "kernel/drivers/virtio/virtio.ko\n",
            &["sr_mod", "isofs", "virtio", "virtio_pci"],
        )
        .unwrap();
        let names: Vec<&str> = order.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "cdrom",
                "scsi_common",
                "scsi_mod",
                "sr_mod",
                "isofs",
                "virtio_ring",
                "virtio_pci"
            ]
        );
        assert_eq!(
            order[0].host_path,
            Path::new("/m/kernel/drivers/cdrom/cdrom.ko.xz")
        );
        assert_eq!(
            order[5].host_path,
            Path::new("/m/kernel/drivers/virtio/virtio-ring.ko")
        );
    }

    #[test]
    fn unknown_module_is_an_error_naming_it() {
        let err = resolve(Path::new("/m"), DEP, "", &["nosuch"]).unwrap_err();
        assert!(err.to_string().contains("nosuch"), "{err}");
    }

    #[test]
    fn cycle_is_an_error() {
        let dep = "a.ko: b.ko\nb.ko: a.ko\n";
        let err = resolve(Path::new("/m"), dep, "", &["a"]).unwrap_err();
        assert!(err.to_string().contains("cycle"), "{err}");
    }

    #[test]
    fn compressed_modules_are_unpacked_on_the_host() {
        let dir = tempfile::tempdir().unwrap();
        let elf = b"\x7fELF pretend module".repeat(100);
        for (tool, ext) in [("xz", "xz"), ("zstd", "zst"), ("gzip", "gz")] {
            let plain = dir.path().join(format!("m_{ext}.ko"));
            std::fs::write(&plain, &elf).unwrap();
            // CI installs xz-utils and zstd; elsewhere a missing tool skips its case, visibly.
            if !testkit::require_tool(tool) {
                continue;
            }
            let compressed = Command::new(tool).arg("-q").arg(&plain).status().unwrap();
            assert!(compressed.success(), "{tool} -q {}", plain.display());
            let module = ModuleFile {
                name: format!("m_{ext}"),
                host_path: dir.path().join(format!("m_{ext}.ko.{ext}")),
            };
            assert!(
                module.host_path.is_file(),
                "{tool} made no {}",
                module.host_path.display()
            );
            assert_eq!(module_bytes(&module).unwrap(), elf, "{tool}");
        }
    }

    #[test]
    fn newest_version_wins() {
        let mut versions = ["6.9.0-1-amd64", "6.10.0-1-amd64", "6.1.0-56-amd64"];
        versions.sort_by_key(|v| version_key(v));
        assert_eq!(
            versions,
            ["6.1.0-56-amd64", "6.9.0-1-amd64", "6.10.0-1-amd64"]
        );
    }
}
