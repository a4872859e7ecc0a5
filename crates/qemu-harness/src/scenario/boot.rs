//! Booting: the QEMU command line of a scenario, and the run that captures the console and
//! the results channel, enforces the time limit and turns the results into a [`BootReport`].

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::report::{parse_sections, parse_step_times, BootReport};
use super::{Bus, Scenario};
use crate::error::{HarnessError, Result};
use crate::kernel::Kernel;

impl Scenario {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Passthrough;

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
                &super::super::test_kernel(),
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
                &super::super::test_kernel(),
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
            &super::super::test_kernel(),
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
}
