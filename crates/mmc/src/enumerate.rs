//! Finding optical drives on Linux (mmc.md §1.5): `/sys/class/block/sr*`
//! (vendor, model, revision, type, sg twin) and `/proc/sys/dev/cdrom/info`
//! (the cdrom layer's capability table). Pure file reading; every function
//! takes the file-system root so tests can point it at a fixture tree.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// One drive found on the system.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DriveEntry {
    /// Kernel name (`sr0`).
    pub name: String,
    /// Device node (`/dev/sr0`), always under the real `/dev`.
    pub path: PathBuf,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub revision: Option<String>,
    /// SCSI peripheral device type (5 = CD/DVD).
    pub device_type: Option<u8>,
    pub removable: Option<bool>,
    /// The SCSI generic twin (`sg1`), if the sg driver is loaded.
    pub sg_name: Option<String>,
    /// Drive speed from `/proc/sys/dev/cdrom/info` (×176 kB/s).
    pub speed: Option<u32>,
    /// The cdrom layer's "Can ..." rows for this drive (`Can write CD-R` → true).
    pub capabilities: BTreeMap<String, bool>,
}

impl DriveEntry {
    fn new(name: &str) -> DriveEntry {
        DriveEntry {
            name: name.to_string(),
            path: Path::new("/dev").join(name),
            vendor: None,
            model: None,
            revision: None,
            device_type: None,
            removable: None,
            sg_name: None,
            speed: None,
            capabilities: BTreeMap::new(),
        }
    }
}

/// One drive's column in `/proc/sys/dev/cdrom/info`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CdromInfoDrive {
    pub name: String,
    pub speed: Option<u32>,
    /// The 0/1 rows `Can ...` / `Reports ...`, by label (`Can write CD-R`).
    pub capabilities: BTreeMap<String, bool>,
}

/// Parses `/proc/sys/dev/cdrom/info` (`drivers/cdrom/cdrom.c:
/// cdrom_sysctl_info`): rows `label:<tabs>col1<tab>col2...`, columns in the
/// order of the `drive name:` row.
pub fn parse_cdrom_info(text: &str) -> Vec<CdromInfoDrive> {
    let mut rows: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in text.lines() {
        if line.starts_with("CD-ROM information") {
            continue;
        }
        if let Some((label, values)) = line.split_once(':') {
            rows.push((label.trim(), values.split_whitespace().collect()));
        }
    }
    let names = match rows.iter().find(|(label, _)| *label == "drive name") {
        Some((_, names)) => names.clone(),
        None => return Vec::new(),
    };
    let mut drives: Vec<CdromInfoDrive> = names
        .iter()
        .map(|n| CdromInfoDrive {
            name: n.to_string(),
            ..Default::default()
        })
        .collect();
    for (label, values) in &rows {
        for (drive, value) in drives.iter_mut().zip(values.iter()) {
            match *label {
                "drive name" => {}
                "drive speed" => drive.speed = value.parse().ok(),
                label if !(label.starts_with("Can ") || label.starts_with("Reports ")) => {}
                _ => match *value {
                    "0" => {
                        drive.capabilities.insert(label.to_string(), false);
                    }
                    "1" => {
                        drive.capabilities.insert(label.to_string(), true);
                    }
                    _ => {}
                },
            }
        }
    }
    drives
}

fn read_trimmed(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Reads one `sr` entry of `/sys/class/block`.
fn sysfs_entry(block_dir: &Path, name: &str) -> DriveEntry {
    let dir = block_dir.join(name);
    let device = dir.join("device");
    let mut entry = DriveEntry::new(name);
    entry.vendor = read_trimmed(&device.join("vendor"));
    entry.model = read_trimmed(&device.join("model"));
    entry.revision = read_trimmed(&device.join("rev"));
    entry.device_type = read_trimmed(&device.join("type")).and_then(|t| t.parse().ok());
    entry.removable = read_trimmed(&dir.join("removable")).map(|r| r == "1");
    entry.sg_name = std::fs::read_dir(device.join("scsi_generic"))
        .ok()
        .and_then(|mut it| it.find_map(|e| e.ok()))
        .map(|e| e.file_name().to_string_lossy().into_owned());
    entry
}

fn is_sr_name(name: &str) -> bool {
    name.strip_prefix("sr")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Sort key: name prefix then number, so `sr2` comes before `sr10`.
fn name_key(name: &str) -> (String, u64) {
    let digits = name.len() - name.bytes().rev().take_while(u8::is_ascii_digit).count();
    (
        name[..digits].to_string(),
        name[digits..].parse().unwrap_or(0),
    )
}

/// Lists the optical drives below `root` (`/` on a live system): every
/// `sys/class/block/srN` of device type 5 (or unknown type), merged with the
/// drives of `proc/sys/dev/cdrom/info`. An absent sysfs or procfs file is no
/// error; an empty list means no drives.
pub fn enumerate(root: &Path) -> io::Result<Vec<DriveEntry>> {
    let block_dir = root.join("sys/class/block");
    let mut drives: Vec<DriveEntry> = Vec::new();
    match std::fs::read_dir(&block_dir) {
        Ok(entries) => {
            for entry in entries {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if is_sr_name(&name) {
                    let drive = sysfs_entry(&block_dir, &name);
                    if drive
                        .device_type
                        .is_none_or(|t| t == crate::inquiry::DEVICE_TYPE_MMC)
                    {
                        drives.push(drive);
                    }
                }
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    if let Ok(text) = std::fs::read_to_string(root.join("proc/sys/dev/cdrom/info")) {
        for info in parse_cdrom_info(&text) {
            match drives.iter_mut().find(|d| d.name == info.name) {
                Some(drive) => {
                    drive.speed = info.speed;
                    drive.capabilities = info.capabilities;
                }
                None => {
                    let mut drive = DriveEntry::new(&info.name);
                    drive.speed = info.speed;
                    drive.capabilities = info.capabilities;
                    drives.push(drive);
                }
            }
        }
    }
    drives.sort_by_key(|d| name_key(&d.name));
    Ok(drives)
}

/// The largest single transfer the kernel allows for block device `name`
/// (`sys/class/block/NAME/queue/max_sectors_kb`, capped by
/// `max_hw_sectors_kb`; mmc.md §1.7), in bytes.
pub fn max_transfer_bytes(root: &Path, name: &str) -> Option<usize> {
    let queue = root.join("sys/class/block").join(name).join("queue");
    let read_kb =
        |file: &str| read_trimmed(&queue.join(file)).and_then(|v| v.parse::<usize>().ok());
    let kb = match (read_kb("max_sectors_kb"), read_kb("max_hw_sectors_kb")) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    (kb > 0).then(|| kb.saturating_mul(1024))
}
