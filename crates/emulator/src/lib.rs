//! An emulated MMC recorder: [`Recorder`] implements [`mmc::Transport`] and
//! answers the commands of a real CD/DVD/BD recorder (mmc.md §2) for the
//! profiles CD-R, CD-RW, DVD-R, DVD-R DL (sequential recording), DVD-RW
//! (sequential and restricted overwrite), DVD+R, DVD+R DL, DVD+RW, BD-R (SRM)
//! and BD-RE, with sessions, tracks, the
//! invisible track, real next-writable-address gaps, closing, blanking,
//! formatting, unit attentions, Immed operations that report progress, fault
//! injection ([`fault`]) and the sense codes real drives return (mmc.md §6).
//!
//! # The medium on disk
//!
//! A medium named `PATH` (the target `emu:PATH`) is two files:
//!
//! * `PATH` — the **data file**: the medium's user data as raw 2048-byte
//!   blocks, block *n* at byte offset `n * 2048`. It is created sparse with
//!   the medium's capacity as its length, so a blank 25 GB BD-R costs nothing;
//!   blocks never written are holes and read as zeros. A single-session
//!   medium's data file is therefore also a plain ISO image.
//! * `PATH.state.json` — the **state file**: JSON of [`MediumState`]
//!   (`format` = `"discburn-emulated-medium"`, `version` = 1, `media`,
//!   `capacity`, `drive` (when not the recorder), `tracks` with number/session/start/written/reserved/
//!   closed_size/track and data mode, closed `sessions` with their lead-out
//!   and next-session start, `finalized`, DVD-RW `incremental_allowed` and
//!   `restricted_overwrite`, `formatted_blocks` (on a CD-RW: formatted for
//!   fixed packets of 32 blocks), `bg_format`, `write_protected`
//!   (the write-protect switch, when on)). The state
//!   decides what is recorded: a block beyond a track's recorded length does
//!   not exist even if the data file holds bytes there.
//!
//! **Crash safety.** The state file is only ever replaced whole: the new
//! state is written to `PATH.state.json.tmp`, fsynced, renamed over
//! `PATH.state.json`, and the directory is fsynced. Before that, the data file
//! is fsynced, so a saved state never names blocks that are not on disk. A
//! crash therefore leaves the old state or the new, never a mix. The state is
//! saved at SYNCHRONIZE CACHE, CLOSE TRACK/SESSION, RESERVE TRACK, BLANK,
//! FORMAT UNIT, eject, and when the recorder is dropped; WRITE only changes
//! the in-memory state, as a drive's buffer does, so a power loss (or a
//! [`Recorder::crash`]) forgets writes made after the last sync.
//!
//! # Use
//!
//! ```
//! use emulator::{MediaType, Recorder};
//! use mmc::cdb::{CloseFunction, TrackAddress};
//! use mmc::ops;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let mut drive = Recorder::create(dir.path().join("disc"), MediaType::DvdPlusR, None).unwrap();
//! ops::test_unit_ready(&mut drive).unwrap(); // 6/28/00 first, retried by `mmc`
//! let nwa = ops::read_track_information(&mut drive, TrackAddress::INVISIBLE)
//!     .unwrap()
//!     .writable_address()
//!     .unwrap();
//! ops::write_blocks(&mut drive, nwa, &vec![0u8; 16 * 2048]).unwrap();
//! ops::synchronize_cache(&mut drive, false).unwrap();
//! ops::close_track_session(&mut drive, CloseFunction::CloseTrack, 1, false).unwrap();
//! ops::close_track_session(&mut drive, CloseFunction::CloseSession, 0, false).unwrap();
//! assert_eq!(drive.summary().sessions.len(), 1);
//! ```
//!
//! # Pressed media and drive personalities
//!
//! [`Recorder::create_from_image`] (`discburn emu create PATH --from
//! IMAGE.iso [--media cd-rom|dvd-rom|bd-rom|rom]`) makes a pressed disc: the
//! image copied into the data file, one complete data track from LBA 0 in
//! one closed session, the disc complete and write-protected. `rom` (or no
//! type) chooses as QEMU does: CD-ROM up to 360 000 blocks, else DVD-ROM.
//!
//! Any medium can be put in another drive: `recorder` (the default, all of
//! the above), `qemu-ide` or `qemu-scsi`, which answer as QEMU's ATAPI and
//! virtio-scsi CD/DVD-ROM drives answered a Linux guest
//! (`crates/qemu-harness/QEMU-DRIVE.md`): profile by size, no READ TRACK
//! INFORMATION, the SFF-8020 READ TOC format field on IDE, a 64-block
//! transfer limit failing like the kernel's EIO, no residuals, F0h sense and
//! sticky REQUEST SENSE on IDE, 5/20/00 or 7/27/00 for writing. The drive is
//! chosen at creation (`--drive`, saved as `drive` in the state file), with
//! [`Recorder::set_personality`], or with `drive=NAME` in
//! `DISCBURN_EMU_FAULTS`; the table of what each answers is in
//! [`personality`]. A fourth drive, `tgt`, is a recorder nobody here wrote:
//! Linux's SCSI target daemon's DVD+R burner, quirks included (no RESERVE
//! TRACK, no write-address check, NOT READY for invalid fields, a short READ
//! TOC, junk after READ DISC INFORMATION, any CLOSE or a zero-length WRITE at
//! LBA 0 finalises the disc).
//!
//! Responses and sense data are built with the `mmc` crate's emitters, so the
//! emulator and the parsers a burner uses agree on every byte layout.
//!
//! A medium whose data file can only be opened for reading (permissions, a
//! read-only file system; root opens any file for writing, so for root only
//! the file system counts), one opened with [`Recorder::open_read_only`], or
//! one whose write-protect switch is on (`write_protected` in the state file,
//! [`Recorder::set_write_protect`], `discburn emu protect PATH [--off]`) is
//! write-protected: WRITE, CLOSE, RESERVE, BLANK and FORMAT get 7/27/00, and
//! the drive reports it as MMC drives do: feature 0004h Write Protect is
//! current and READ DISC STRUCTURE format C0h sets CWP (the switch), and the
//! writing features (CD TAO, DVD-R Write, Incremental Streaming, Random
//! Writable, BD Write) are not current. Pressed media are read-only by their
//! profile. The mode parameter header's device-specific byte stays zero: its
//! WP bit is SBC's (direct-access devices); MMC reports write protection
//! through feature 0004h and READ DISC STRUCTURE C0h.
//!
//! The drive itself (mode page 05h, locks, unit attentions, busy state) is
//! not stored: each [`Recorder::open`] is a fresh drive with the medium just
//! loaded (unit attention 6/28/00 pending).
//!
//! Mode page 05h, READ TRACK INFORMATION of overwritable media and the sizes
//! of DVD+R/BD-R session gaps follow what mmc.md reports of real drives; where
//! the sources are silent, the emulator's choice is documented at the item
//! ([`MediaType::session_gap`]).
#![forbid(unsafe_code)]

pub mod buffer;
pub mod fault;
pub mod media;
pub mod personality;
mod recorder;
pub mod state;
mod store;
mod summary;

use std::path::PathBuf;

pub use fault::{Fault, Trigger, FAULTS_ENV};
pub use media::MediaType;
pub use personality::Personality;
pub use recorder::{Recorder, DEFAULT_IMMED_POLLS};
pub use state::{MediumState, TrackView};
pub use store::{load_state, state_path, BLOCK_BYTES};
pub use summary::{summarize, MediumSummary, SessionSummary};

/// Errors of the emulator (opening, creating and saving media).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} does not exist: create a medium with `discburn emu create {path} --media TYPE`"
    )]
    NoMedium { path: PathBuf },
    #[error("{path} already exists; refusing to overwrite a medium")]
    Exists { path: PathBuf },
    #[error("{path}: invalid medium state: {message}")]
    BadState { path: PathBuf, message: String },
    #[error("capacity of {capacity} blocks is out of range (1024 to 2^31 blocks)")]
    BadCapacity { capacity: u64 },
    #[error("{path}: {message}")]
    BadImage { path: PathBuf, message: String },
    #[error("{media} is pressed media: make it from an image (discburn emu create --from IMAGE)")]
    NeedsImage { media: MediaType },
    #[error("invalid {}: {message}", fault::FAULTS_ENV)]
    BadFaults { message: String },
}
