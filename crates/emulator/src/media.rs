//! Media types the emulator can hold, their default capacities and the gaps
//! a real drive leaves when a track or session closes (their profiles are
//! `mmc::Profile`s, see [`crate::state::MediumState::profile`]).

use serde::{Deserialize, Serialize};

/// Largest image QEMU reports as a CD-ROM, in 2048-byte blocks (`CD_MAX_SECTORS`).
pub const QEMU_CD_MAX_BLOCKS: u64 = 360_000;

/// A physical medium the emulated recorder can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MediaType {
    #[serde(rename = "cd-r")]
    CdR,
    #[serde(rename = "cd-rw")]
    CdRw,
    #[serde(rename = "dvd-r")]
    DvdR,
    /// DVD-R DL in Sequential Recording (0015h): DVD-R's incremental
    /// recording and borders on two layers, one address space across the
    /// layer break (no layer jump recording, 0016h).
    #[serde(rename = "dvd-r-dl")]
    DvdRDl,
    /// DVD-RW; sequential (0014h) or restricted overwrite (0013h) depending on its format.
    #[serde(rename = "dvd-rw")]
    DvdRw,
    #[serde(rename = "dvd+r")]
    DvdPlusR,
    #[serde(rename = "dvd+r-dl")]
    DvdPlusRDl,
    #[serde(rename = "dvd+rw")]
    DvdPlusRw,
    /// BD-R in Sequential Recording Mode (0041h), without pseudo-overwrite.
    #[serde(rename = "bd-r")]
    BdR,
    #[serde(rename = "bd-re")]
    BdRe,
    /// A pressed (read-only) CD: one complete data track, made from an image.
    #[serde(rename = "cd-rom")]
    CdRom,
    /// A pressed (read-only) DVD, made from an image.
    #[serde(rename = "dvd-rom")]
    DvdRom,
    /// A pressed (read-only) BD, made from an image.
    #[serde(rename = "bd-rom")]
    BdRom,
}

/// Block granularity of the medium family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Cd,
    Dvd,
    Bd,
}

impl MediaType {
    /// Every recordable media type (those `discburn emu create` makes blank),
    /// in the order `--help` lists them.
    pub const ALL: [MediaType; 10] = [
        MediaType::CdR,
        MediaType::CdRw,
        MediaType::DvdR,
        MediaType::DvdRDl,
        MediaType::DvdRw,
        MediaType::DvdPlusR,
        MediaType::DvdPlusRDl,
        MediaType::DvdPlusRw,
        MediaType::BdR,
        MediaType::BdRe,
    ];

    /// The read-only (pressed) types, made from an image with
    /// [`crate::Recorder::create_from_image`].
    pub const ROM: [MediaType; 3] = [MediaType::CdRom, MediaType::DvdRom, MediaType::BdRom];

    /// The pressed type QEMU reports for an image of `blocks` blocks: CD-ROM
    /// up to 360 000 blocks (737 280 000 bytes), DVD-ROM above
    /// (hw/ide/atapi.c `media_is_cd`; QEMU-DRIVE.md rows 1-2).
    pub fn rom_for_blocks(blocks: u64) -> MediaType {
        if blocks <= QEMU_CD_MAX_BLOCKS {
            MediaType::CdRom
        } else {
            MediaType::DvdRom
        }
    }

    /// Pressed media: nothing can be written.
    pub fn is_rom(self) -> bool {
        matches!(
            self,
            MediaType::CdRom | MediaType::DvdRom | MediaType::BdRom
        )
    }

    /// The name used on the command line and in the medium file (`cd-r`, `dvd+r-dl`, ...).
    pub fn name(self) -> &'static str {
        match self {
            MediaType::CdR => "cd-r",
            MediaType::CdRw => "cd-rw",
            MediaType::DvdR => "dvd-r",
            MediaType::DvdRDl => "dvd-r-dl",
            MediaType::DvdRw => "dvd-rw",
            MediaType::DvdPlusR => "dvd+r",
            MediaType::DvdPlusRDl => "dvd+r-dl",
            MediaType::DvdPlusRw => "dvd+rw",
            MediaType::BdR => "bd-r",
            MediaType::BdRe => "bd-re",
            MediaType::CdRom => "cd-rom",
            MediaType::DvdRom => "dvd-rom",
            MediaType::BdRom => "bd-rom",
        }
    }

    /// Parses a name as [`MediaType::name`] prints it (case-insensitive).
    pub fn from_name(name: &str) -> Option<MediaType> {
        let lower = name.to_ascii_lowercase();
        MediaType::ALL
            .into_iter()
            .chain(MediaType::ROM)
            .find(|m| m.name() == lower)
    }

    pub fn family(self) -> Family {
        match self {
            MediaType::CdR | MediaType::CdRw | MediaType::CdRom => Family::Cd,
            MediaType::DvdR
            | MediaType::DvdRDl
            | MediaType::DvdRw
            | MediaType::DvdPlusR
            | MediaType::DvdPlusRDl
            | MediaType::DvdPlusRw
            | MediaType::DvdRom => Family::Dvd,
            MediaType::BdR | MediaType::BdRe | MediaType::BdRom => Family::Bd,
        }
    }

    /// Default capacity in 2048-byte blocks (the user-data area a blank medium offers).
    ///
    /// Sources: CD-R/RW 80 min, ATIP last possible lead-out 79:59:74 = LBA 359 849
    /// (mmc.md §3); DVD-R 2 298 496 and DVD-RW 2 297 888 (mmc.md §3, as drives report
    /// them in READ TRACK INFORMATION free blocks of a blank 4.7 GB disc); DVD-R DL
    /// 4 171 712 (mmc.md §3); DVD+R/+RW
    /// 2 295 104 and DVD+R DL 4 173 824 (mmc.md §3, ADIP capacity); BD-R/BD-RE 25 GB
    /// 12 219 392 (mmc.md §3; BD-RE formats to 11 826 176 with default spares).
    pub fn default_capacity(self) -> u64 {
        match self {
            MediaType::CdR | MediaType::CdRw | MediaType::CdRom => 359_849,
            MediaType::DvdR | MediaType::DvdRom => 2_298_496,
            MediaType::DvdRw => 2_297_888,
            MediaType::DvdRDl => 4_171_712,
            MediaType::DvdPlusR | MediaType::DvdPlusRw => 2_295_104,
            MediaType::DvdPlusRDl => 4_173_824,
            MediaType::BdR | MediaType::BdRe | MediaType::BdRom => 12_219_392,
        }
    }

    /// Rewritable media (disc information "erasable" bit).
    pub fn erasable(self) -> bool {
        matches!(
            self,
            MediaType::CdRw | MediaType::DvdRw | MediaType::DvdPlusRw | MediaType::BdRe
        )
    }

    /// Write unit in blocks: writes on DVD+R and BD-R must come in whole ECC
    /// blocks / clusters (mmc.md §8); tracks are padded to this unit at close.
    pub fn write_unit(self) -> u64 {
        match self.family() {
            Family::Cd => 1,
            Family::Dvd => 16,
            Family::Bd => 32,
        }
    }

    /// Gap (blocks) between the end of a closed session's data and the start of
    /// the next session, for session `closed_session` (1-based) just closed.
    ///
    /// CD: lead-out + lead-in + pre-gap = 6750 + 4500 + 150 = 11 400 after session 1,
    /// 2250 + 4500 + 150 = 6900 after later ones, counted from the lead-out start
    /// (multisession.md §3.1). DVD-R/-RW border zones: libisoburn reports about
    /// 38 100 blocks after the first session; later borders ~32 MiB (multisession.md
    /// §3.2, unconfirmed). DVD+R session closure and BD-R session close are not
    /// documented in the sources; these are the emulator's own non-zero, aligned
    /// choices (DVD+R 6144 blocks = 12 MiB, BD-R 4096 blocks = 8 MiB) so that
    /// software must ask the drive for the next writable address. DVD-R DL
    /// borders are taken as DVD-R's (no source gives their size).
    pub fn session_gap(self, closed_session: u32) -> u64 {
        match self {
            MediaType::CdR | MediaType::CdRw => {
                if closed_session <= 1 {
                    11_400
                } else {
                    6_900
                }
            }
            MediaType::DvdR | MediaType::DvdRDl | MediaType::DvdRw => {
                if closed_session <= 1 {
                    38_112
                } else {
                    16_384
                }
            }
            MediaType::DvdPlusR | MediaType::DvdPlusRDl => 6_144,
            MediaType::BdR => 4_096,
            MediaType::DvdPlusRw | MediaType::BdRe => 0,
            MediaType::CdRom | MediaType::DvdRom | MediaType::BdRom => 0,
        }
    }

    /// First block of layer 1 on a dual-layer medium of `capacity` blocks: half
    /// the user data area, in whole ECC blocks (4 171 712 / 2 = 2 085 856 on
    /// DVD-R DL, 4 173 824 / 2 = 2 086 912 on DVD+R DL, the L0 data area
    /// capacity of an unchanged disc). Both layers form one address space
    /// (opposite track path), so sequential recording runs across the break;
    /// READ DISC STRUCTURE format 20h reports it. `None` on single-layer media.
    pub fn layer_break(self, capacity: u64) -> Option<u64> {
        matches!(self, MediaType::DvdRDl | MediaType::DvdPlusRDl).then(|| capacity / 2 / 16 * 16)
    }

    /// Most tracks a disc of this type can hold (CD: 99; DVD+R: 153 sessions of one
    /// track; DVD+R DL: 127; others: the 16-bit track number field).
    pub fn max_tracks(self) -> u32 {
        match self {
            MediaType::CdR | MediaType::CdRw => 99,
            MediaType::DvdPlusR => 153,
            MediaType::DvdPlusRDl => 127,
            MediaType::CdRom | MediaType::DvdRom | MediaType::BdRom => 1,
            _ => 7_927,
        }
    }
}

impl std::fmt::Display for MediaType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for MediaType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MediaType::from_name(s).ok_or_else(|| {
            let names: Vec<&str> = MediaType::ALL
                .iter()
                .chain(MediaType::ROM.iter())
                .map(|m| m.name())
                .collect();
            format!(
                "unknown media type {s:?}; expected one of {}",
                names.join(", ")
            )
        })
    }
}
