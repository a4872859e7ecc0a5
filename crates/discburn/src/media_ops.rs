//! Operations on the disc in a recorder besides burning, as IMAPI2's
//! `Eraser` and the recorder's eject: blanking, formatting, ejecting, and
//! exporting every session into an image file that ordinary tools read.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use mmc::cdb::{BlankType, StartStopUnit};
use mmc::exec::{wait_ready, PollOptions};
use mmc::{ops, MmcError, Profile, Transport};
use serde::Serialize;

use crate::drive::{ensure_ready, inspect_media, TransportSectorSource};
use crate::error::BurnError;
use crate::target::TargetKind;

/// Opens the recorder a target names (`emu:PATH` or `/dev/srN`); image
/// files have none.
pub fn open_recorder(target: &str) -> Result<Box<dyn Transport>, BurnError> {
    match TargetKind::parse(target) {
        TargetKind::Emulated(path) => Ok(Box::new(
            emulator::Recorder::open_with_env_faults(&path).map_err(crate::target::Error::from)?,
        )),
        TargetKind::Drive(path) => Ok(Box::new(crate::drive::open_drive(
            &path,
            mmc::sgio::OpenMode::Exclusive,
        )?)),
        TargetKind::ImageFile(_) => Err(BurnError::Unsupported {
            target: target.to_string(),
            what: "this operation (it needs a recorder: emu:PATH or /dev/srN)",
        }),
    }
}

fn drive_error(e: MmcError) -> BurnError {
    BurnError::Drive(crate::drive::DriveError::Mmc(e))
}

fn wait(drive: &mut dyn Transport, what: &str, deadline: Duration) -> Result<(), BurnError> {
    let options = PollOptions {
        initial_delay: Duration::from_millis(50),
        interval: Duration::from_millis(200),
        ..PollOptions::new(deadline)
    };
    wait_ready(drive, what, &options, &mut |_| {}).map_err(drive_error)
}

/// Erases a rewritable disc: CD-RW and DVD-RW with BLANK, minimal (the
/// table of contents; fast) or the whole disc (`full`); an overwritable
/// disc (DVD+RW, BD-RE, formatted DVD-RW), which has no BLANK, by zeroing
/// its volume descriptors (LBA 0-63, as `xorriso -blank fast` does; `full`:
/// every block up to the end of its newest session), after which it reads
/// as blank and the next burn starts it afresh. Write-once media are refused.
/// A DVD-RW is always blanked fully: after a minimal blank it takes only
/// disc-at-once writing (mmc.md §2.13), not the incremental sessions discburn
/// writes. Returns how it was blanked, for the user.
pub fn blank(target: &str, full: bool) -> Result<&'static str, BurnError> {
    let mut drive = open_recorder(target)?;
    ensure_ready(drive.as_mut())?;
    crate::drive::refuse_write_protected(drive.as_mut(), target)?;
    let profile = ops::current_profile(drive.as_mut()).map_err(drive_error)?;
    if profile.is_overwritable() {
        crate::disc::erase_overwritable(drive, profile, full).map_err(|source| {
            BurnError::Write {
                path: target.into(),
                source,
            }
        })?;
        return Ok(if full {
            "fully (every block of its sessions zeroed)"
        } else {
            "quickly (its volume descriptors zeroed)"
        });
    }
    if !matches!(profile, Profile::CdRw | Profile::DvdRwSequential) {
        return Err(BurnError::WrongMedium {
            target: target.to_string(),
            medium: profile.name().to_string(),
            operation: "erased",
            advice: "blank erases CD-RW, DVD-RW, DVD+RW and BD-RE",
        });
    }
    let dvd_rw = profile == Profile::DvdRwSequential;
    let kind = if full || dvd_rw {
        BlankType::Full
    } else {
        BlankType::Minimal
    };
    ops::blank(drive.as_mut(), kind, 0, true).map_err(drive_error)?;
    wait(
        drive.as_mut(),
        "blanking the disc",
        Duration::from_secs(4 * 3600),
    )?;
    Ok(match (full, dvd_rw) {
        (true, _) => "fully",
        (false, true) => {
            "fully (a DVD-RW blanked quickly would take only disc-at-once writing, not sessions)"
        }
        (false, false) => "quickly (its table of contents)",
    })
}

/// Formats a DVD+RW, BD-RE or DVD-RW for random writing (mmc.md §5.5); a
/// CD-RW for fixed packets of 32 blocks (FORMAT UNIT type 10h, MMC-5 6.5),
/// which erases what it held.
pub fn format(target: &str) -> Result<(), BurnError> {
    let mut drive = open_recorder(target)?;
    ensure_ready(drive.as_mut())?;
    crate::drive::refuse_write_protected(drive.as_mut(), target)?;
    let profile = ops::current_profile(drive.as_mut()).map_err(drive_error)?;
    if !matches!(
        profile,
        Profile::DvdPlusRw
            | Profile::BdRe
            | Profile::DvdRwSequential
            | Profile::DvdRwRestrictedOverwrite
            | Profile::CdRw
    ) {
        return Err(BurnError::WrongMedium {
            target: target.to_string(),
            medium: profile.name().to_string(),
            operation: "formatted",
            advice: "format works on DVD+RW, BD-RE, DVD-RW and CD-RW; \
                     write-once media take sessions as they are",
        });
    }
    crate::disc::format_overwritable(drive.as_mut(), profile).map_err(drive_error)
}

/// Opens the tray (unlocking it first).
pub fn eject(target: &str) -> Result<(), BurnError> {
    let mut drive = open_recorder(target)?;
    ops::prevent_allow(drive.as_mut(), false).ok();
    ops::start_stop_unit(drive.as_mut(), StartStopUnit::eject()).map_err(drive_error)
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub target: String,
    pub output: String,
    pub cue: Option<String>,
    /// One entry per track copied.
    pub tracks: Vec<ExportedTrack>,
    /// Blocks of user data copied.
    pub blocks: u64,
}

/// A track copied into the export.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedTrack {
    pub number: u16,
    pub session: u16,
    pub start_lba: u64,
    /// Blocks copied; fewer than the track's size when its last blocks (a
    /// CD's run-out) cannot be read.
    pub blocks: u64,
}

/// Copies the user data of every track of the disc in `target` into
/// `output` at its own LBA (2048 bytes per block, gaps left as holes), so
/// that any session can be read by ordinary tools (`xorriso -load sbsector`,
/// `isoinfo -T`, `mount -o sbsector=`); `cue` also writes a CDRWIN cue sheet
/// with `REM SESSION` lines (multisession.md §4). The output must not exist.
pub fn export(target: &str, output: &Path, cue: Option<&Path>) -> Result<ExportReport, BurnError> {
    let mut drive = open_recorder(target)?;
    ensure_ready(drive.as_mut())?;
    let media = inspect_media(drive.as_mut())?;
    let profile = ops::current_profile(drive.as_mut()).map_err(drive_error)?;
    let write_error = |path: &Path, source: std::io::Error| BurnError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(output)
        .map_err(|source| BurnError::Open {
            path: output.to_path_buf(),
            source,
        })?;
    let overwritable = crate::drive::medium_is_overwritable(drive.as_mut(), profile);
    let transfer = profile.transfer_bytes();
    let mut source = TransportSectorSource::with_geometry(drive.as_mut(), None, transfer);
    let chunk_blocks = (transfer / fsimage::BLOCK_SIZE).max(1) as u64;
    let mut buf = vec![0u8; transfer];
    let mut tracks = Vec::new();
    let mut total = 0u64;
    let mut end = 0u64;
    // An overwritable disc is one track over the whole disc: copy only as far
    // as its volume reaches (LBA 16 says where the newest session ends).
    let volume_end = if overwritable {
        Some(
            fsimage::sessions::scan(&mut source)
                .map(|found| found.end)
                .unwrap_or(0),
        )
    } else {
        None
    };
    for track in &media.tracks {
        let start = u64::from(track.start);
        let size = match volume_end {
            Some(end) => u64::from(track.size).min(end.saturating_sub(start)),
            None => u64::from(track.size),
        };
        let mut copied = 0u64;
        while copied < size {
            let blocks = (size - copied).min(chunk_blocks);
            let bytes = &mut buf[..(blocks as usize) * fsimage::BLOCK_SIZE];
            let lba = start + copied;
            if fsimage::SectorSource::read_blocks(&mut source, lba, bytes).is_err() {
                // Block by block: the last blocks of a track may not be
                // readable (a CD's two run-out blocks), which ends its copy;
                // an unreadable block before them is an error.
                let readable = readable_prefix(&mut source, lba, bytes)?;
                let unreadable_at = lba + readable;
                if start + size - unreadable_at > 2 {
                    return Err(BurnError::Unreadable {
                        target: target.to_string(),
                        lba: unreadable_at,
                    });
                }
                write_at(
                    &file,
                    &bytes[..readable as usize * fsimage::BLOCK_SIZE],
                    lba,
                )
                .map_err(|e| write_error(output, e))?;
                copied += readable;
                break;
            }
            write_at(&file, bytes, lba).map_err(|e| write_error(output, e))?;
            copied += blocks;
        }
        end = end.max(start + copied);
        total += copied;
        tracks.push(ExportedTrack {
            number: track.number,
            session: track.session,
            start_lba: start,
            blocks: copied,
        });
    }
    file.set_len(end * fsimage::BLOCK_SIZE as u64)
        .and_then(|()| file.flush())
        .map_err(|e| write_error(output, e))?;
    if let Some(cue) = cue {
        std::fs::write(cue, cue_sheet(output, &tracks)).map_err(|e| write_error(cue, e))?;
    }
    Ok(ExportReport {
        target: target.to_string(),
        output: output.display().to_string(),
        cue: cue.map(|c| c.display().to_string()),
        tracks,
        blocks: total,
    })
}

fn write_at(file: &std::fs::File, bytes: &[u8], lba: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, lba * fsimage::BLOCK_SIZE as u64)
}

/// Reads `buf`'s blocks one by one from `lba` until one fails; returns how
/// many could be read (their data is in `buf`).
fn readable_prefix(
    source: &mut dyn fsimage::SectorSource,
    lba: u64,
    buf: &mut [u8],
) -> Result<u64, BurnError> {
    let mut read = 0u64;
    for block in buf.chunks_exact_mut(fsimage::BLOCK_SIZE) {
        if source.read_blocks(lba + read, block).is_err() {
            break;
        }
        read += 1;
    }
    Ok(read)
}

/// A CDRWIN cue sheet for an export: one `FILE`, tracks as `MODE1/2048` with
/// disc-absolute `INDEX 01` times (75 frames a second), `REM SESSION` before
/// the first track of each session, as ImgBurn and IsoBuster write them.
pub fn cue_sheet(output: &Path, tracks: &[ExportedTrack]) -> String {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut cue = format!("FILE \"{name}\" BINARY\n");
    let mut session = 0;
    for track in tracks {
        if track.session != session {
            session = track.session;
            cue.push_str(&format!("  REM SESSION {session:02}\n"));
        }
        let frames = track.start_lba;
        cue.push_str(&format!(
            "  TRACK {:02} MODE1/2048\n    INDEX 01 {:02}:{:02}:{:02}\n",
            track.number,
            frames / (75 * 60),
            frames / 75 % 60,
            frames % 75
        ));
    }
    cue
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cue_sheet_marks_sessions_and_disc_absolute_times() {
        let tracks = [
            ExportedTrack {
                number: 1,
                session: 1,
                start_lba: 0,
                blocks: 300,
            },
            ExportedTrack {
                number: 2,
                session: 2,
                start_lba: 11_702,
                blocks: 300,
            },
        ];
        let cue = cue_sheet(Path::new("/x/disc.iso"), &tracks);
        assert_eq!(
            cue,
            "FILE \"disc.iso\" BINARY\n  REM SESSION 01\n  TRACK 01 MODE1/2048\n    INDEX 01 00:00:00\n  REM SESSION 02\n  TRACK 02 MODE1/2048\n    INDEX 01 02:36:02\n"
        );
    }
}
