//! The drives attached to this machine (`discburn drives`), listed from
//! sysfs without opening them, and described by asking one.

use std::path::Path;

use mmc::{ops, Transport};

use mmc::cdb::RequestType;
use mmc::Profile;

use super::{open_drive, DriveError};

/// A drive attached to this machine, as `discburn drives` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DriveInfo {
    pub path: String,
    pub name: String,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub revision: Option<String>,
    /// The SCSI generic twin (`/dev/sg1`).
    pub sg_path: Option<String>,
    /// Physical interface from the Core feature ("ATAPI", "SCSI", "USB", ...).
    pub interface: Option<String>,
    /// Every profile the drive lists (media it knows).
    pub profiles: Vec<String>,
    /// The profiles it can write.
    pub writable_profiles: Vec<String>,
    /// The medium now in the drive ("none" when empty).
    pub current_profile: Option<String>,
    /// Why the drive could not be queried, if it could not.
    pub error: Option<String>,
}

/// Lists the optical drives under `root` (`/` on a live system): sysfs and
/// `/proc/sys/dev/cdrom/info` (mmc.md §1.5), then INQUIRY and GET
/// CONFIGURATION on each node that can be opened (read-only suffices).
pub fn list_drives(root: &Path) -> Result<Vec<DriveInfo>, DriveError> {
    let entries = mmc::enumerate::enumerate(root).map_err(DriveError::Enumerate)?;
    let mut drives = Vec::with_capacity(entries.len());
    for entry in entries {
        let mut info = DriveInfo {
            path: entry.path.display().to_string(),
            name: entry.name.clone(),
            vendor: entry.vendor.clone(),
            model: entry.model.clone(),
            revision: entry.revision.clone(),
            sg_path: entry.sg_name.as_ref().map(|sg| format!("/dev/{sg}")),
            interface: None,
            profiles: Vec::new(),
            writable_profiles: Vec::new(),
            current_profile: None,
            error: None,
        };
        // The kernel's table knows CD-R/RW, DVD-R and DVD-RAM writing only; it
        // stands in until GET CONFIGURATION answers (mmc.md §1.5).
        for (row, profile) in [
            ("Can write CD-R", Profile::CdR),
            ("Can write CD-RW", Profile::CdRw),
            ("Can write DVD-R", Profile::DvdRSequential),
            ("Can write DVD-RAM", Profile::DvdRam),
        ] {
            if entry.capabilities.get(row) == Some(&true) {
                info.writable_profiles.push(profile.to_string());
            }
        }
        // Only query real device nodes of a live system.
        if root == Path::new("/") {
            match open_drive(&entry.path, mmc::sgio::OpenMode::ReadOnly) {
                Ok(mut device) => describe(&mut device, &mut info),
                Err(e) => info.error = Some(e.to_string()),
            }
        }
        drives.push(info);
    }
    Ok(drives)
}

/// Fills `info` from INQUIRY and GET CONFIGURATION (all features).
pub fn describe(t: &mut dyn Transport, info: &mut DriveInfo) {
    match ops::inquiry(t) {
        Ok(inq) => {
            let non_empty = |s: String| (!s.is_empty()).then_some(s);
            info.vendor = non_empty(inq.vendor).or(info.vendor.take());
            info.model = non_empty(inq.product).or(info.model.take());
            info.revision = non_empty(inq.revision).or(info.revision.take());
        }
        Err(e) => info.error = Some(e.to_string()),
    }
    match ops::get_configuration(t, RequestType::All, 0) {
        Ok(config) => {
            info.current_profile = Some(config.current_profile.to_string());
            info.profiles = config
                .profiles()
                .iter()
                .map(|p| p.profile.to_string())
                .collect();
            info.writable_profiles = config
                .writable_profiles()
                .iter()
                .map(ToString::to_string)
                .collect();
            info.interface = config
                .get::<mmc::config::Core>()
                .map(|c| c.interface_name().to_string());
        }
        Err(e) => {
            info.error.get_or_insert_with(|| e.to_string());
        }
    }
}
