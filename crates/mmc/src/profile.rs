//! Media profiles (MMC-5 5.4; mmc.md §3): what GET CONFIGURATION bytes 6-7
//! report as the current medium.

use std::fmt;

code_enum! {
    /// A profile number (mmc.md §3).
    Profile: u16 {
        /// 0000h: no current profile (no medium).
        None = 0x0000,
        NonRemovableDisk = 0x0001,
        RemovableDisk = 0x0002,
        CdRom = 0x0008,
        CdR = 0x0009,
        CdRw = 0x000A,
        DvdRom = 0x0010,
        DvdRSequential = 0x0011,
        DvdRam = 0x0012,
        DvdRwRestrictedOverwrite = 0x0013,
        DvdRwSequential = 0x0014,
        DvdRDlSequential = 0x0015,
        DvdRDlLayerJump = 0x0016,
        DvdPlusRw = 0x001A,
        DvdPlusR = 0x001B,
        DvdPlusRwDl = 0x002A,
        DvdPlusRDl = 0x002B,
        BdRom = 0x0040,
        BdRSrm = 0x0041,
        BdRRrm = 0x0042,
        BdRe = 0x0043,
        HdDvdRom = 0x0050,
        HdDvdR = 0x0051,
        HdDvdRam = 0x0052,
    }
}

impl Profile {
    /// The usual name ("CD-R", "DVD+R DL", "BD-R SRM").
    pub fn name(self) -> &'static str {
        match self {
            Profile::None => "none",
            Profile::NonRemovableDisk => "non-removable disk",
            Profile::RemovableDisk => "removable disk",
            Profile::CdRom => "CD-ROM",
            Profile::CdR => "CD-R",
            Profile::CdRw => "CD-RW",
            Profile::DvdRom => "DVD-ROM",
            Profile::DvdRSequential => "DVD-R",
            Profile::DvdRam => "DVD-RAM",
            Profile::DvdRwRestrictedOverwrite => "DVD-RW restricted overwrite",
            Profile::DvdRwSequential => "DVD-RW sequential",
            Profile::DvdRDlSequential => "DVD-R DL",
            Profile::DvdRDlLayerJump => "DVD-R DL layer jump",
            Profile::DvdPlusRw => "DVD+RW",
            Profile::DvdPlusR => "DVD+R",
            Profile::DvdPlusRwDl => "DVD+RW DL",
            Profile::DvdPlusRDl => "DVD+R DL",
            Profile::BdRom => "BD-ROM",
            Profile::BdRSrm => "BD-R SRM",
            Profile::BdRRrm => "BD-R RRM",
            Profile::BdRe => "BD-RE",
            Profile::HdDvdRom => "HD DVD-ROM",
            Profile::HdDvdR => "HD DVD-R",
            Profile::HdDvdRam => "HD DVD-RAM",
            Profile::Other(_) => "unknown profile",
        }
    }

    /// The profile with this name (case-insensitive), as `name` spells it.
    pub fn from_name(name: &str) -> Option<Profile> {
        ALL.iter()
            .copied()
            .find(|p| p.name().eq_ignore_ascii_case(name))
    }

    /// A medium a recorder can write (not ROM, not "none").
    pub fn is_writable(self) -> bool {
        matches!(
            self,
            Profile::CdR
                | Profile::CdRw
                | Profile::DvdRSequential
                | Profile::DvdRam
                | Profile::DvdRwRestrictedOverwrite
                | Profile::DvdRwSequential
                | Profile::DvdRDlSequential
                | Profile::DvdRDlLayerJump
                | Profile::DvdPlusRw
                | Profile::DvdPlusR
                | Profile::DvdPlusRwDl
                | Profile::DvdPlusRDl
                | Profile::BdRSrm
                | Profile::BdRRrm
                | Profile::BdRe
                | Profile::HdDvdR
                | Profile::HdDvdRam
        )
    }

    /// Write-once sequential media with sessions (CD-R, DVD-R, DVD+R, BD-R SRM...).
    pub fn is_sequential(self) -> bool {
        matches!(
            self,
            Profile::CdR
                | Profile::CdRw
                | Profile::DvdRSequential
                | Profile::DvdRwSequential
                | Profile::DvdRDlSequential
                | Profile::DvdRDlLayerJump
                | Profile::DvdPlusR
                | Profile::DvdPlusRDl
                | Profile::BdRSrm
                | Profile::HdDvdR
        )
    }

    /// Overwritable media without real sessions (DVD+RW, DVD-RW RO, DVD-RAM, BD-RE).
    pub fn is_overwritable(self) -> bool {
        matches!(
            self,
            Profile::DvdRam
                | Profile::DvdRwRestrictedOverwrite
                | Profile::DvdPlusRw
                | Profile::DvdPlusRwDl
                | Profile::BdRRrm
                | Profile::BdRe
                | Profile::HdDvdRam
        )
    }

    /// Media that can be erased (BLANK or re-FORMAT).
    pub fn is_erasable(self) -> bool {
        matches!(
            self,
            Profile::CdRw | Profile::DvdRwSequential | Profile::DvdRwRestrictedOverwrite
        ) || self.is_overwritable()
    }

    pub fn is_cd(self) -> bool {
        matches!(self, Profile::CdRom | Profile::CdR | Profile::CdRw)
    }

    pub fn is_dvd(self) -> bool {
        matches!(u16::from(self), 0x0010..=0x002B)
    }

    pub fn is_bd(self) -> bool {
        matches!(u16::from(self), 0x0040..=0x004F)
    }

    /// Largest single transfer: 32 KiB for CD/DVD, 64 KiB for BD (mmc.md §1.7).
    pub fn transfer_bytes(self) -> usize {
        if self.is_bd() {
            64 * 1024
        } else {
            32 * 1024
        }
    }
}

/// Every named profile, in number order.
pub static ALL: &[Profile] = &[
    Profile::NonRemovableDisk,
    Profile::RemovableDisk,
    Profile::CdRom,
    Profile::CdR,
    Profile::CdRw,
    Profile::DvdRom,
    Profile::DvdRSequential,
    Profile::DvdRam,
    Profile::DvdRwRestrictedOverwrite,
    Profile::DvdRwSequential,
    Profile::DvdRDlSequential,
    Profile::DvdRDlLayerJump,
    Profile::DvdPlusRw,
    Profile::DvdPlusR,
    Profile::DvdPlusRwDl,
    Profile::DvdPlusRDl,
    Profile::BdRom,
    Profile::BdRSrm,
    Profile::BdRRrm,
    Profile::BdRe,
    Profile::HdDvdRom,
    Profile::HdDvdR,
    Profile::HdDvdRam,
];

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Profile::Other(n) => write!(f, "profile {n:04X}h"),
            p => f.write_str(p.name()),
        }
    }
}

impl serde::Serialize for Profile {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
