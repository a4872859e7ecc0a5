//! Drive personalities: which drive the emulated medium sits in.
//!
//! | personality | what answers |
//! |---|---|
//! | `recorder` (default) | the MMC recorder of the rest of this crate: every profile, writing, sessions, faults |
//! | `qemu-ide` | QEMU's ATAPI CD/DVD-ROM (hw/ide/atapi.c) behind Linux libata, as probed from a guest (`crates/qemu-harness/QEMU-DRIVE.md`) |
//! | `qemu-scsi` | QEMU's `scsi-cd` (hw/scsi/scsi-disk.c) behind virtio-scsi, as probed from a guest |
//! | `tgt` | Linux's SCSI target daemon's DVD+R burner (tgt usr/mmc.c), through QEMU's iSCSI passthrough: its quirks in `recorder/tgt.rs` |
//!
//! Both QEMU personalities see the medium's data file as QEMU sees an image
//! attached with `media=cdrom`: a pressed disc of `capacity` blocks, reported
//! as CD-ROM up to 360 000 blocks and DVD-ROM above whatever the medium's
//! type, one complete session with one data track at LBA 0. What differs
//! from the recorder (the row numbers of QEMU-DRIVE.md; rows without a
//! number were probed the same way on QEMU 7.2 for this emulation):
//!
//! | command | `qemu-ide` | `qemu-scsi` |
//! |---|---|---|
//! | INQUIRY | `QEMU` / `QEMU DVD-ROM` / `2.5+`, additional length 1Fh | `QEMU` / `QEMU CD-ROM` / `2.5+`, additional length = allocation − 5 above 36 bytes |
//! | INQUIRY EVPD | page 00h only: pages 00h, 83h listed | same |
//! | GET CONFIGURATION (#1-3) | feature 0 only (DVD-ROM, CD-ROM), whatever RT; a starting feature other than 0 gets 5/24/00 | features 0, 1 (Core, SCSI), 3 (Removable Medium), whatever RT and starting feature |
//! | READ TRACK INFORMATION (#4) | 5/20/00 | 5/20/00 |
//! | READ TOC (#5-9) | format from CDB byte 9 b7..b6 (byte 2 ignored); format 1 with ADR/track 0 | format from byte 2; 3, 4, 5 give 5/24/00 |
//! | READ TOC format 0 | track 1 CONTROL 4 at 0, lead-out (CONTROL 6) at the block count | same |
//! | READ(10)/(12) transfers (#10) | above 64 blocks (128 KiB) the "ioctl" fails: a transport error like EIO | up to 16 383 blocks (a real guest may refuse 1 MiB with EINVAL when an unaligned buffer needs more page segments than the queue allows; not emulated) |
//! | READ length 0 (#11) | CHECK 0B/00/00 (libata) | GOOD, no data |
//! | READ into a buffer smaller than the transfer (#11a) | CHECK 0B/00/00 | host error DID_ERROR |
//! | residual (#11b) | 0: the whole buffer counts as received | 0; a READ into a larger buffer reports nothing received |
//! | READ past the end (#12) | 5/21/00 | 5/21/00 |
//! | sense (#13) | response code F0h, ASCQ always 0 | 70h |
//! | REQUEST SENSE (#14) | the last error's sense, even after GOOD commands | NO SENSE |
//! | opcode FFh (#15) | host error DID_ERROR (libata) | 5/20/00 |
//! | WRITE(10)/(12) (#16) | 5/20/00 | 7/27/00 |
//! | SYNCHRONIZE CACHE, FORMAT UNIT, MODE SELECT(10) (#17-18) | 5/20/00 | GOOD, nothing happens (MODE SELECT with pages: 5/26/00) |
//! | SET CD SPEED, READ CD (#19-20) | GOOD / data (user data or 2352-byte raw sectors) | 5/20/00 |
//! | CLOSE, RESERVE TRACK, BLANK, SEND OPC, SET STREAMING, GET PERFORMANCE, READ BUFFER CAPACITY, READ FORMAT CAPACITIES (#21) | 5/20/00 | 5/20/00 |
//! | MODE SENSE(10) (#22-24) | pages 01h, 0Eh, 2Ah (medium type 70h); 05h, 3Fh and changeable/default values 5/24/00 | pages 01h, 08h, 0Eh, 2Ah; 3Fh gives all four; 05h 5/24/00 |
//! | READ DISC STRUCTURE (#25) | CD: 5/30/00; DVD: formats 0, 1, 4, FFh | same |
//! | MECHANISM STATUS (#26) | `00 00 00 00 00 01 00 00` | same |
//! | READ DISC INFORMATION | 34 bytes: complete disc, last session complete, 1 session, tracks 1..1, URU, nothing else | same |
//! | GET EVENT STATUS NOTIFICATION | polled only; media class `00 04 04 10 00 02 00 00`, other classes `00 00 80 10` | same |
//! | SEEK(10), VERIFY(10), READ CAPACITY(16) | SEEK; VERIFY 5/20/00; READ CAPACITY(16) GOOD with nothing received | all three |
//!
//! No unit attention is pending when the medium is opened (the guest's
//! kernel consumed it long before a program opens the drive); faults other
//! than `read_error`, `slow` and `max_transfer` are not applied.

use serde::{Deserialize, Serialize};

/// The drive an emulated medium is loaded in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Personality {
    /// The emulated MMC recorder (every command of mmc.md §2).
    #[default]
    Recorder,
    /// QEMU's IDE/ATAPI CD/DVD-ROM behind Linux libata.
    QemuIde,
    /// QEMU's virtio-scsi `scsi-cd`.
    QemuScsi,
    /// tgt's emulated DVD+R burner (Linux SCSI target, `/work/shared/reference/tgt-recorder.md`).
    Tgt,
}

impl Personality {
    /// The recorder and QEMU's two drives, which read any medium as a pressed disc.
    pub const ALL: [Personality; 3] = [
        Personality::Recorder,
        Personality::QemuIde,
        Personality::QemuScsi,
    ];

    /// The name on the command line and in the state file.
    pub fn name(self) -> &'static str {
        match self {
            Personality::Recorder => "recorder",
            Personality::QemuIde => "qemu-ide",
            Personality::QemuScsi => "qemu-scsi",
            Personality::Tgt => "tgt",
        }
    }

    pub fn is_recorder(&self) -> bool {
        *self == Personality::Recorder
    }

    /// Whether a CDB shorter than its command is read as if zero-padded (QEMU
    /// copies the CDB into a zeroed 16-byte buffer); the recorder refuses it.
    pub fn reads_short_cdbs_as_zeros(self) -> bool {
        !self.is_recorder()
    }

    /// Largest data-in buffer of one command, in 2048-byte blocks, before the
    /// transport fails (`None`: no limit). QEMU-DRIVE.md row 10: the guest's
    /// `queue/max_hw_sectors_kb` is 128 on IDE and 32 766 on virtio-scsi.
    pub fn max_transfer_blocks(self) -> Option<u64> {
        match self {
            Personality::Recorder => None,
            Personality::QemuIde => Some(64),
            Personality::QemuScsi => Some(32_766 / 2),
            // tgt-recorder.md §3: 256-block READs passed the guest, 512 failed (EINVAL).
            Personality::Tgt => Some(256),
        }
    }
}

impl std::fmt::Display for Personality {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Personality {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        Personality::ALL
            .into_iter()
            .chain([Personality::Tgt])
            .find(|p| p.name() == lower)
            .ok_or_else(|| {
                format!("unknown drive {s:?}; expected one of recorder, qemu-ide, qemu-scsi, tgt")
            })
    }
}
