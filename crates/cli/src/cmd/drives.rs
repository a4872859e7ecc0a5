//! `discburn drives`: the optical recorders attached to this machine.

use std::fmt::Write as _;
use std::path::Path;

use discburn::drive::{list_drives, DriveInfo};
use serde::Serialize;

use crate::output::Output;

#[derive(clap::Args)]
pub struct Args {}

#[derive(Serialize)]
struct DrivesResult<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    command: &'static str,
    drives: &'a [DriveInfo],
}

pub fn run(_args: Args, out: &Output) -> anyhow::Result<()> {
    let drives = list_drives(Path::new("/"))?;
    out.result(
        &DrivesResult {
            kind: "result",
            command: "drives",
            drives: &drives,
        },
        || render(&drives),
    );
    Ok(())
}

fn or_unknown(value: &Option<String>) -> &str {
    value.as_deref().filter(|v| !v.is_empty()).unwrap_or("?")
}

/// The text listing: one block per drive.
fn render(drives: &[DriveInfo]) -> String {
    if drives.is_empty() {
        return "no optical drives found\n".to_string();
    }
    let mut text = String::new();
    for drive in drives {
        let _ = write!(
            text,
            "{}: {} {} (revision {})",
            drive.path,
            or_unknown(&drive.vendor),
            or_unknown(&drive.model),
            or_unknown(&drive.revision)
        );
        if let Some(interface) = &drive.interface {
            let _ = write!(text, ", {interface}");
        }
        text.push('\n');
        if let Some(sg) = &drive.sg_path {
            let _ = writeln!(text, "  generic device: {sg}");
        }
        if let Some(current) = &drive.current_profile {
            let _ = writeln!(text, "  medium: {current}");
        }
        if !drive.profiles.is_empty() {
            let writes = if drive.writable_profiles.is_empty() {
                "nothing (a reader only)".to_string()
            } else {
                drive.writable_profiles.join(", ")
            };
            let _ = writeln!(text, "  writes: {writes}");
            let _ = writeln!(text, "  reads: {}", drive.profiles.join(", "));
        }
        if let Some(error) = &drive.error {
            let _ = writeln!(text, "  cannot query the drive: {error}");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_drives_says_so() {
        assert_eq!(render(&[]), "no optical drives found\n");
    }

    #[test]
    fn a_drive_is_described() {
        let drive = DriveInfo {
            path: "/dev/sr0".into(),
            name: "sr0".into(),
            vendor: Some("QEMU".into()),
            model: Some("QEMU DVD-ROM".into()),
            revision: Some("2.5+".into()),
            sg_path: Some("/dev/sg0".into()),
            interface: Some("ATAPI".into()),
            profiles: vec!["CD-ROM".into(), "DVD-ROM".into()],
            writable_profiles: vec![],
            current_profile: Some("DVD-ROM".into()),
            error: None,
        };
        let text = render(&[drive]);
        assert!(
            text.starts_with("/dev/sr0: QEMU QEMU DVD-ROM (revision 2.5+), ATAPI\n"),
            "{text}"
        );
        assert!(text.contains("  medium: DVD-ROM\n"));
        assert!(text.contains("  writes: nothing (a reader only)\n"));
    }
}
