//! Drive enumeration (mmc.md §1.5) on fixture sysfs/procfs trees.

use std::fs;
use std::path::Path;

use mmc::enumerate::{enumerate, max_transfer_bytes, parse_cdrom_info};

/// As `drivers/cdrom/cdrom.c: cdrom_sysctl_info` prints it: tabs, newest drive first.
const CDROM_INFO: &str = "CD-ROM information, Id: cdrom.c 3.20 2003/12/17\n\
\n\
drive name:\t\tsr1\tsr0\n\
drive speed:\t\t48\t4\n\
drive # of slots:\t1\t1\n\
Can close tray:\t\t1\t1\n\
Can open tray:\t\t1\t1\n\
Can lock tray:\t\t1\t1\n\
Can change speed:\t1\t1\n\
Can select disk:\t0\t0\n\
Can read multisession:\t1\t1\n\
Can read MCN:\t\t1\t1\n\
Reports media changed:\t1\t1\n\
Can play audio:\t\t1\t1\n\
Can write CD-R:\t\t1\t0\n\
Can write CD-RW:\t1\t0\n\
Can read DVD:\t\t1\t1\n\
Can write DVD-R:\t1\t0\n\
Can write DVD-RAM:\t0\t0\n\
Can read MRW:\t\t1\t0\n\
Can write MRW:\t\t1\t0\n\
Can write RAM:\t\t1\t0\n\
\n";

#[test]
fn proc_cdrom_info_columns() {
    let drives = parse_cdrom_info(CDROM_INFO);
    assert_eq!(
        drives.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        vec!["sr1", "sr0"]
    );
    assert_eq!(drives[0].speed, Some(48));
    assert_eq!(drives[0].capabilities.get("Can write CD-R"), Some(&true));
    assert_eq!(drives[1].capabilities.get("Can write CD-R"), Some(&false));
    assert_eq!(drives[1].capabilities.get("Can read DVD"), Some(&true));
    assert_eq!(
        drives[0].capabilities.get("Can write DVD-RAM"),
        Some(&false)
    );
    assert!(
        !drives[0].capabilities.contains_key("drive # of slots"),
        "numbers other than 0/1 are not flags"
    );
    assert!(parse_cdrom_info("").is_empty());
    assert!(
        parse_cdrom_info("CD-ROM information, Id: cdrom.c 3.20 2003/12/17\n\ndrive name:\n")
            .is_empty()
    );
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn sysfs_drive(root: &Path, name: &str, vendor: &str, model: &str, rev: &str, kind: &str) {
    let dir = root.join("sys/class/block").join(name);
    write(&dir.join("device/vendor"), &format!("{vendor}\n"));
    write(&dir.join("device/model"), &format!("{model}\n"));
    write(&dir.join("device/rev"), &format!("{rev}\n"));
    write(&dir.join("device/type"), &format!("{kind}\n"));
    write(&dir.join("removable"), "1\n");
}

#[test]
fn sysfs_and_proc_merge() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    // Space padded as the SCSI layer writes them.
    sysfs_drive(root, "sr0", "QEMU    ", "QEMU DVD-ROM    ", "2.5+", "5");
    fs::create_dir_all(root.join("sys/class/block/sr0/device/scsi_generic/sg1")).unwrap();
    sysfs_drive(root, "sr10", "HL-DT-ST", "BD-RE  BH16NS40 ", "1.02", "5");
    sysfs_drive(root, "sr1", "PIONEER ", "DVD-RW  DVR-219L", "1.00", "5");
    sysfs_drive(root, "sr3", "ODD", "NOT MMC", "0", "0");
    write(&root.join("sys/class/block/sda/device/model"), "DISK\n");
    write(&root.join("proc/sys/dev/cdrom/info"), CDROM_INFO);

    let drives = enumerate(root).unwrap();
    let names: Vec<&str> = drives.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["sr0", "sr1", "sr10"],
        "numeric order, type 5 only, no disks"
    );
    let sr0 = &drives[0];
    assert_eq!(sr0.path, Path::new("/dev/sr0"));
    assert_eq!(sr0.vendor.as_deref(), Some("QEMU"));
    assert_eq!(sr0.model.as_deref(), Some("QEMU DVD-ROM"));
    assert_eq!(sr0.revision.as_deref(), Some("2.5+"));
    assert_eq!(sr0.device_type, Some(5));
    assert_eq!(sr0.removable, Some(true));
    assert_eq!(sr0.sg_name.as_deref(), Some("sg1"));
    assert_eq!(sr0.speed, Some(4));
    assert_eq!(sr0.capabilities.get("Can write CD-R"), Some(&false));
    assert_eq!(drives[1].capabilities.get("Can write CD-R"), Some(&true));
    assert!(
        drives[2].capabilities.is_empty(),
        "sr10 is not in the proc table"
    );
    assert_eq!(drives[2].model.as_deref(), Some("BD-RE  BH16NS40"));
}

#[test]
fn proc_only_and_empty_systems() {
    let root = tempfile::tempdir().unwrap();
    assert!(
        enumerate(root.path()).unwrap().is_empty(),
        "no sysfs, no proc: no drives, no error"
    );
    write(&root.path().join("proc/sys/dev/cdrom/info"), CDROM_INFO);
    let drives = enumerate(root.path()).unwrap();
    assert_eq!(drives.len(), 2);
    assert_eq!(drives[0].name, "sr0");
    assert_eq!(drives[0].vendor, None);
}

#[test]
fn live_system_does_not_fail() {
    // Whatever this machine has, enumeration must not error.
    enumerate(Path::new("/")).unwrap();
}

#[test]
fn transfer_limit_from_the_queue() {
    let root = tempfile::tempdir().unwrap();
    let queue = root.path().join("sys/class/block/sr0/queue");
    write(&queue.join("max_sectors_kb"), "1280\n");
    write(&queue.join("max_hw_sectors_kb"), "128\n");
    assert_eq!(max_transfer_bytes(root.path(), "sr0"), Some(128 * 1024));
    write(&queue.join("max_hw_sectors_kb"), "32767\n");
    assert_eq!(max_transfer_bytes(root.path(), "sr0"), Some(1280 * 1024));
    assert_eq!(max_transfer_bytes(root.path(), "sr1"), None);
}
