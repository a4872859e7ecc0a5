//! Discs in a recorder (emulated or real, through [`mmc::Transport`]) as
//! burn targets.
//!
//! - Write-once media (CD-R/RW written track at once, DVD±R, DVD-R DL,
//!   BD-R) take a session at the next writable address the drive reports,
//!   then the session is closed, leaving the disc appendable, or finalized
//!   with `--close` (mmc.md §5.1–5.4). Readers find the newest session
//!   through the table of contents.
//! - Overwritable media (DVD+RW, BD-RE, restricted-overwrite DVD-RW) have
//!   no sessions of their own: they grow exactly like an image file
//!   ([`GrowingImage`] over [`DiscStorage`]), so their history shows in
//!   `xorriso -toc` and the newest tree at LBA 16.

use std::io;
use std::time::Duration;

use fsimage::sessions::ImageSession;
use fsimage::{ImageStream, SectorSource, BLOCK_SIZE};
use mmc::cdb::{CloseFunction, TrackAddress};
use mmc::exec::{wait_ready, PollOptions};
use mmc::{ops, MmcError, Profile, Transport};

use crate::drive::{ensure_ready, inspect_media, TransportSectorSource};
use crate::error::BurnError;
use crate::events::WriteProgress;
use crate::image_file::GrowingImage;
use crate::storage::{build_superblock, Storage, SUPERBLOCK_BLOCKS};
use crate::target::BurnTarget;

const BLOCK: u64 = BLOCK_SIZE as u64;

/// A TAO track on CD holds at least 300 blocks (libburn cookbook).
const CD_MIN_TRACK_BLOCKS: u64 = 300;
/// A TAO track ends with 2 run-out blocks, counted in its size (multisession.md §3.1).
const CD_RUN_OUT_BLOCKS: u64 = 2;

/// Bytes of one WRITE command of a session (64 KiB: one BD cluster, two DVD
/// ECC blocks, and what every drive's transfer limit takes).
const WRITE_BYTES: usize = 64 << 10;

/// How long a drive may take to flush its cache or close a session.
const LONG_OPERATION: Duration = Duration::from_secs(3600);

/// How a burn on a disc ends.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DiscOptions {
    /// Finalize the disc: no session can be added afterwards.
    pub close: bool,
    /// Only plan: change nothing in the drive (no write parameters are sent).
    pub dry_run: bool,
    /// Write speed as a multiple of the medium's 1× speed.
    pub speed: Option<f64>,
}

/// Opens the disc in a recorder for a burn.
pub fn open_disc_target(
    name: &str,
    mut drive: Box<dyn Transport>,
    options: DiscOptions,
) -> Result<Box<dyn BurnTarget>, BurnError> {
    ensure_ready(drive.as_mut())?;
    let profile = ops::current_profile(drive.as_mut()).map_err(drive_error)?;
    if !profile.is_writable() {
        return Err(BurnError::NotWritable {
            target: name.to_string(),
            what: format!("{} media", profile.name()),
        });
    }
    crate::drive::refuse_write_protected(drive.as_mut(), name)?;
    let disc = ops::read_disc_information(drive.as_mut()).map_err(drive_error)?;
    let blank = disc.disc_status == mmc::disc::DiscStatus::Blank;
    if crate::drive::medium_is_overwritable(drive.as_mut(), profile) {
        let capacity = overwritable_capacity(drive.as_mut())?;
        // A formatted disc that was never written (`discburn format`) is as
        // good as blank; one holding anything but zeros at LBA 16 is appended to.
        let empty = blank || volume_area_is_empty(drive.as_mut(), profile);
        let storage = DiscStorage::new(drive, profile, capacity);
        return if empty {
            Ok(Box::new(FreshOverwritable {
                name: name.to_string(),
                storage,
                needs_format: blank,
            }))
        } else {
            Ok(Box::new(GrowingImage::on_disc(name, Box::new(storage))?))
        };
    }
    if disc.disc_status == mmc::disc::DiscStatus::Complete {
        return Err(BurnError::DiscClosed {
            target: name.to_string(),
        });
    }
    Ok(Box::new(SequentialDisc::open(
        name, drive, profile, options,
    )?))
}

/// True when LBA 16 (where ISO 9660 and UDF put their first descriptors)
/// and LBA 48 (the first descriptor of a session at LBA 32) read as zeros:
/// an overwritable disc with nothing on it. A block that cannot be read is
/// not taken for empty (the burn would write over what the disc holds).
fn volume_area_is_empty(drive: &mut dyn Transport, profile: Profile) -> bool {
    let mut source = TransportSectorSource::with_geometry(drive, None, profile.transfer_bytes());
    let mut block = vec![0u8; BLOCK_SIZE];
    [16u64, 48]
        .iter()
        .all(|&lba| match source.read_blocks(lba, &mut block) {
            Ok(()) => block.iter().all(|&b| b == 0),
            Err(_) => false,
        })
}

/// Erases an overwritable disc by zeroing LBA 0-63: its superblock (LBA
/// 0-31) and the descriptors of a first session at LBA 32, so that neither
/// LBA 16 nor a session chain from 32 is found; `full` zeros every block up
/// to the end of its newest session too.
pub(crate) fn erase_overwritable(
    drive: Box<dyn Transport>,
    profile: Profile,
    full: bool,
) -> io::Result<()> {
    let mut drive = drive;
    let disc = ops::read_disc_information(drive.as_mut()).map_err(mmc_io)?;
    if disc.disc_status == mmc::disc::DiscStatus::Blank {
        return Ok(()); // never formatted: nothing on it
    }
    let capacity =
        overwritable_capacity(drive.as_mut()).map_err(|e| io::Error::other(e.to_string()))?;
    let end = if full {
        let mut source = TransportSectorSource::with_geometry(
            drive.as_mut(),
            Some(capacity),
            profile.transfer_bytes(),
        );
        fsimage::sessions::scan(&mut source).map_or(64, |found| found.end.max(64))
    } else {
        64
    };
    let mut storage = DiscStorage::new(drive, profile, capacity);
    let zeros = vec![0u8; WRITE_BYTES];
    let mut lba = 0u64;
    let end = end.min(capacity);
    while lba < end {
        let blocks = (end - lba).min((WRITE_BYTES / BLOCK_SIZE) as u64);
        storage.write_all_at(&zeros[..blocks as usize * BLOCK_SIZE], lba * BLOCK)?;
        lba += blocks;
    }
    storage.sync()
}

/// True when the overwritable disc in `target` holds nothing (see
/// `volume_area_is_empty`): `info` then shows it blank, as a burn treats it.
pub fn holds_nothing(target: &str) -> bool {
    let Ok(mut drive) = crate::media_ops::open_recorder(target) else {
        return false;
    };
    let Ok(profile) = ops::current_profile(drive.as_mut()) else {
        return false;
    };
    crate::drive::medium_is_overwritable(drive.as_mut(), profile)
        && volume_area_is_empty(drive.as_mut(), profile)
}

fn drive_error(e: MmcError) -> BurnError {
    BurnError::Drive(crate::drive::DriveError::Mmc(e))
}

/// Blocks an overwritable disc can hold: READ CAPACITY (the formatted size).
fn overwritable_capacity(drive: &mut dyn Transport) -> Result<u64, BurnError> {
    let from_capacity = ops::read_capacity(drive)
        .map(|c| c.block_count())
        .unwrap_or(0);
    if from_capacity > SUPERBLOCK_BLOCKS {
        return Ok(from_capacity);
    }
    // A blank disc may report nothing readable yet: the track's free blocks.
    let track = ops::read_track_information(drive, TrackAddress::Track(1)).map_err(drive_error)?;
    Ok(u64::from(track.free_blocks).max(u64::from(track.track_size)))
}

/// Formats a blank overwritable disc (mmc.md §5.5): DVD+RW with format 26h
/// over the whole disc, others with the first full-format descriptor READ
/// FORMAT CAPACITIES offers; then waits for the drive.
pub(crate) fn format_overwritable(
    drive: &mut dyn Transport,
    profile: Profile,
) -> Result<(), MmcError> {
    use mmc::format::{format_type, FormatUnitParameters};
    let parameters = if profile == Profile::DvdPlusRw {
        FormatUnitParameters::dvd_plus_rw(false)
    } else {
        let capacities = ops::read_format_capacities(drive)?;
        let wanted = [
            format_type::FULL,
            format_type::BD_RE_WITH_SPARES,
            format_type::DVD_RW_FULL,
        ];
        let Some(choice) = wanted.iter().find_map(|&kind| {
            capacities
                .formattable
                .iter()
                .find(|c| c.format_type == kind)
        }) else {
            return Ok(()); // nothing to format with: the write will say
        };
        FormatUnitParameters {
            fov: true,
            dcrt: false,
            immed: true,
            blocks: choice.blocks,
            format_type: choice.format_type,
            format_sub_type: 0,
            type_parameter: choice.type_parameter,
        }
    };
    ops::format_unit(drive, &parameters)?;
    let options = PollOptions {
        initial_delay: Duration::from_millis(50),
        interval: Duration::from_millis(100),
        ..PollOptions::new(LONG_OPERATION)
    };
    wait_ready(drive, "formatting the disc", &options, &mut |_| {})
}

/// Waits for an Immed SYNCHRONIZE CACHE or CLOSE to finish.
fn wait(drive: &mut dyn Transport, what: &str) -> Result<(), BurnError> {
    let options = PollOptions {
        initial_delay: Duration::from_millis(50),
        interval: Duration::from_millis(100),
        ..PollOptions::new(LONG_OPERATION)
    };
    wait_ready(drive, what, &options, &mut |_| {}).map_err(drive_error)
}

/// Random access to an overwritable disc's blocks for [`GrowingImage`].
pub struct DiscStorage {
    drive: Box<dyn Transport>,
    profile: Profile,
    capacity: u64,
    /// Blocks per WRITE command (32 KiB on DVD, 64 KiB on BD), a multiple of `unit`.
    write_blocks: usize,
    /// Blocks a write must cover whole (see [`DiscStorage::write_unit`]).
    unit: u64,
    /// A fixed-packet CD-RW whose page 05h is not yet set for packets.
    needs_packet_page: bool,
}

impl DiscStorage {
    pub fn new(mut drive: Box<dyn Transport>, profile: Profile, capacity: u64) -> DiscStorage {
        let unit = Self::write_unit(drive.as_mut(), profile);
        let transfer = (profile.transfer_bytes() / BLOCK_SIZE).max(1) as u64;
        DiscStorage {
            drive,
            profile,
            capacity,
            write_blocks: transfer.div_ceil(unit).saturating_mul(unit) as usize,
            unit,
            needs_packet_page: profile == Profile::CdRw,
        }
    }

    /// Blocks a write must cover whole: 16 (one ECC block) on a restricted
    /// overwrite DVD-RW (mmc.md §5.5); on a CD-RW formatted for fixed
    /// packets, the packet size its track reports (READ TRACK INFORMATION
    /// bytes 20-23 with FP set; 32 when the drive does not say); else 1.
    fn write_unit(drive: &mut dyn Transport, profile: Profile) -> u64 {
        match profile {
            Profile::DvdRwRestrictedOverwrite => 16,
            Profile::CdRw => ops::read_track_information(drive, TrackAddress::Track(1))
                .ok()
                .filter(|track| track.fp && (1..=1024).contains(&track.fixed_packet_size))
                .map_or(32, |track| u64::from(track.fixed_packet_size)),
            _ => 1,
        }
    }

    fn check_aligned(offset: u64, len: usize) -> io::Result<()> {
        if !offset.is_multiple_of(BLOCK) || !len.is_multiple_of(BLOCK_SIZE) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "disc access must be in whole 2048-byte blocks",
            ));
        }
        Ok(())
    }
}

fn mmc_io(e: MmcError) -> io::Error {
    crate::drive::DriveError::Mmc(e).into_io()
}

impl Storage for DiscStorage {
    fn byte_len(&mut self) -> io::Result<u64> {
        Ok(self.capacity * BLOCK)
    }

    fn read_exact_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        Self::check_aligned(offset, buf.len())?;
        let mut source = TransportSectorSource::with_geometry(
            self.drive.as_mut(),
            Some(self.capacity),
            self.write_blocks * BLOCK_SIZE,
        );
        source.read_blocks(offset / BLOCK, buf)
    }

    fn write_all_at(&mut self, buf: &[u8], offset: u64) -> io::Result<()> {
        Self::check_aligned(offset, buf.len())?;
        let unit = self.unit;
        let (first, blocks) = (offset / BLOCK, (buf.len() / BLOCK_SIZE) as u64);
        if unit > 1 && (!first.is_multiple_of(unit) || !blocks.is_multiple_of(unit)) {
            // Restricted overwrite takes whole ECC blocks, a fixed-packet
            // CD-RW whole packets: read the ones this write covers in part,
            // lay the new blocks over them, write them whole.
            let start = first / unit * unit;
            let end = (first + blocks).div_ceil(unit) * unit;
            let mut whole = vec![0u8; ((end - start) * BLOCK) as usize];
            let head = ((first - start) * BLOCK) as usize;
            let unit_bytes = (unit * BLOCK) as usize;
            if head > 0 {
                self.read_exact_at(&mut whole[..unit_bytes], start * BLOCK)?;
            }
            if first + blocks < end {
                let tail_at = whole.len() - unit_bytes;
                self.read_exact_at(&mut whole[tail_at..], (end - unit) * BLOCK)?;
            }
            whole[head..head + buf.len()].copy_from_slice(buf);
            return self.write_whole(&whole, start);
        }
        self.write_whole(buf, first)
    }

    fn sync(&mut self) -> io::Result<()> {
        ops::synchronize_cache(self.drive.as_mut(), true).map_err(mmc_io)?;
        wait(self.drive.as_mut(), "synchronizing the drive's cache")
            .map_err(|e| io::Error::other(e.to_string()))
    }

    fn set_len(&mut self, _len: u64) -> io::Result<()> {
        Ok(()) // a disc keeps its size
    }
}

impl DiscStorage {
    /// WRITEs of `buf` from block `lba` on, a transfer unit at a time.
    fn write_whole(&mut self, buf: &[u8], lba: u64) -> io::Result<()> {
        if self.needs_packet_page {
            // Packet writing with the track's packet size (MMC-5 7.5.4).
            let drive = self.drive.as_mut();
            let mut page = ops::write_parameters(drive).map_err(mmc_io)?;
            page.set_fixed_packets(self.unit as u32);
            ops::mode_select_page(drive, &page.emit()).map_err(mmc_io)?;
            self.needs_packet_page = false;
        }
        let mut lba = lba;
        for piece in buf.chunks(self.write_blocks * BLOCK_SIZE) {
            let at = u32::try_from(lba)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "LBA past 2^32"))?;
            ops::write_blocks(self.drive.as_mut(), at, piece).map_err(mmc_io)?;
            lba += (piece.len() / BLOCK_SIZE) as u64;
        }
        Ok(())
    }
}

/// A blank (or formatted, never written) overwritable disc: its first
/// session at LBA 32, then the superblock.
struct FreshOverwritable {
    name: String,
    storage: DiscStorage,
    /// Blank: formatted before the first write.
    needs_format: bool,
}

impl BurnTarget for FreshOverwritable {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn sessions(&self) -> &[ImageSession] {
        &[]
    }

    fn sectors(&mut self) -> Result<Box<dyn SectorSource + '_>, BurnError> {
        // Blank before this burn: only what it wrote is there to read back.
        let source = crate::storage::StorageSource::new(&mut self.storage)
            .map_err(|e| write_error(&self.name, e))?;
        Ok(Box::new(source))
    }

    fn next_start(&self) -> u64 {
        fsimage::sessions::FIRST_SESSION_LBA
    }

    fn check_room(&mut self, blocks: u64) -> Result<Option<u64>, BurnError> {
        // Sessions start on 32-block boundaries after LBA 0-31 (the superblock).
        let fits = self.storage.capacity.saturating_sub(SUPERBLOCK_BLOCKS);
        check_blocks(
            &self.name,
            blocks,
            SUPERBLOCK_BLOCKS,
            self.storage.capacity,
            fits,
        )
    }

    fn write_session(
        &mut self,
        stream: &mut ImageStream,
        progress: &mut dyn FnMut(WriteProgress) -> bool,
    ) -> Result<(), BurnError> {
        if self.needs_format {
            format_overwritable(self.storage.drive.as_mut(), self.storage.profile)
                .map_err(|e| write_error(&self.name, mmc_io(e)))?;
        }
        let start = u64::from(stream.start_lba());
        stream_to(stream, start, progress, &mut self.storage, &self.name)
    }

    fn finish(&mut self, stream: &ImageStream) -> Result<u64, BurnError> {
        let end = u64::from(stream.start_lba()) + stream.total_blocks();
        let end32 = u32::try_from(end).map_err(|_| BurnError::NoRoom {
            path: self.name.clone().into(),
            session: stream.total_blocks(),
            overhead: u64::from(stream.start_lba()),
            free: u64::from(u32::MAX),
            fits: u64::from(u32::MAX).saturating_sub(u64::from(stream.start_lba())),
        })?;
        let superblock = build_superblock(
            &stream.volume_descriptors(),
            end32,
            stream.checksummed_start(),
        );
        self.storage
            .write_all_at(&superblock, 0)
            .and_then(|()| self.storage.sync())
            .map_err(|source| write_error(&self.name, source))?;
        Ok(end)
    }

    fn roll_back(&mut self) -> io::Result<()> {
        Ok(()) // nothing at LBA 16 yet: the disc still reads as blank
    }
}

fn write_error(name: &str, source: io::Error) -> BurnError {
    BurnError::Write {
        path: name.into(),
        source,
    }
}

/// Checks that a session of `session` blocks and the `overhead` it costs fit
/// in `free` blocks; gives the blocks left after. `fits` is the largest
/// session that would, for the message.
fn check_blocks(
    name: &str,
    session: u64,
    overhead: u64,
    free: u64,
    fits: u64,
) -> Result<Option<u64>, BurnError> {
    let needed = session + overhead;
    if needed > free {
        return Err(BurnError::NoRoom {
            path: name.into(),
            session,
            overhead,
            free,
            fits,
        });
    }
    Ok(Some(free - needed))
}

/// Streams a session chunk by chunk into `storage` from block `start` on,
/// reporting progress.
fn stream_to(
    stream: &mut ImageStream,
    start: u64,
    progress: &mut dyn FnMut(WriteProgress) -> bool,
    storage: &mut dyn Storage,
    name: &str,
) -> Result<(), BurnError> {
    let mut buf = vec![0u8; 64 << 10];
    let mut lba = start;
    loop {
        let n = stream.next_chunk(&mut buf).map_err(BurnError::Source)?;
        if n == 0 {
            return Ok(());
        }
        storage
            .write_all_at(&buf[..n], lba * BLOCK)
            .map_err(|source| write_error(name, source))?;
        lba += (n / BLOCK_SIZE) as u64;
        if !progress(WriteProgress::bytes(stream.position())) {
            return Err(BurnError::Cancelled);
        }
    }
}

/// A write-once disc taking one more session at its next writable address.
struct SequentialDisc {
    name: String,
    drive: Box<dyn Transport>,
    profile: Profile,
    options: DiscOptions,
    sessions: Vec<ImageSession>,
    /// The track the session goes into (the disc's invisible/incomplete track).
    track: u16,
    next_writable: u64,
    free_blocks: u64,
    /// Sessions recorded before this one (for the CD lead-out size).
    closed_sessions: u32,
    /// Where the written blocks end (the session padded to the write unit).
    written_end: u64,
    /// Whether anything was sent that a roll-back must wrap up.
    started: bool,
    /// The drive's underrun count when the burn began, if it keeps one.
    underruns_before: Option<u64>,
    /// Blocks each session costs beyond its data: this one, and a later one
    /// (lead-out and lead-in of a CD, the gap this DVD/BD showed; capacity.rs).
    overhead_now: u64,
    overhead_later: u64,
    /// Set by `check_room` when the space left after this session could not
    /// take another: the session then closes the disc, and this says why.
    closing_because: Option<String>,
    /// Set by `roll_back`: the session a failed burn left incomplete, and
    /// the track it is in (start, blocks).
    left_incomplete: Option<(u16, u32, u32)>,
}

impl SequentialDisc {
    fn open(
        name: &str,
        mut drive: Box<dyn Transport>,
        profile: Profile,
        options: DiscOptions,
    ) -> Result<SequentialDisc, BurnError> {
        // The next writable address depends on the write type (mmc.md §4):
        // set page 05h before asking for it.
        if (profile.is_cd() || is_dvd_minus(profile)) && !options.dry_run {
            set_write_parameters(drive.as_mut(), profile, !options.close)?;
        }
        let media = inspect_media(drive.as_mut())?;
        if let Some(session) = crate::sessions::incomplete_session(&media) {
            let track = media.tracks.iter().rev().find(|t| t.session == session);
            return Err(BurnError::IncompleteSession {
                target: name.to_string(),
                session,
                lba: track.map_or(0, |t| u64::from(t.start)),
                blocks: track.map_or(0, |t| u64::from(t.size)),
            });
        }
        let disc = ops::read_disc_information(drive.as_mut()).map_err(drive_error)?;
        let track = disc.last_track_in_last_session;
        let info =
            ops::read_track_information(drive.as_mut(), TrackAddress::Track(u32::from(track)))
                .map_err(drive_error)?;
        let Some(next_writable) = info.writable_address() else {
            return Err(BurnError::DiscClosed {
                target: name.to_string(),
            });
        };
        let mut source =
            TransportSectorSource::with_geometry(drive.as_mut(), None, profile.transfer_bytes());
        let sessions = crate::sessions::sessions_from_tracks(&media, &mut source)
            .into_iter()
            .map(|s| ImageSession {
                number: s.number,
                start: s.start_lba,
                blocks: s.blocks,
                volume_id: s.volume_name,
            })
            .collect::<Vec<_>>();
        let overhead_now = crate::capacity::capacity(&media, None, None)
            .next_session_overhead
            .unwrap_or(0);
        let mut later = media.clone();
        later.sessions = Some(media.sessions.unwrap_or(0) + 1);
        let overhead_later = crate::capacity::capacity(&later, None, None)
            .next_session_overhead
            .unwrap_or(0);
        Ok(SequentialDisc {
            overhead_now,
            overhead_later,
            closing_because: None,
            left_incomplete: None,
            name: name.to_string(),
            profile,
            options,
            closed_sessions: media.sessions.unwrap_or(0),
            sessions,
            track,
            next_writable: u64::from(next_writable),
            free_blocks: u64::from(info.free_blocks),
            written_end: 0,
            started: false,
            underruns_before: drive.buffer_underruns(),
            drive,
        })
    }

    /// Blocks per WRITE, and the unit a track is padded to.
    fn unit(&self) -> u64 {
        if self.profile.is_bd() {
            32
        } else if self.profile.is_cd() {
            1
        } else {
            16
        }
    }

    /// Blocks the session occupies on the disc: padded to the write unit, and
    /// to the shortest track a CD takes.
    fn padded(&self, blocks: u64) -> u64 {
        let mut padded = blocks.div_ceil(self.unit()) * self.unit();
        if self.profile.is_cd() {
            padded = padded.max(CD_MIN_TRACK_BLOCKS);
        }
        padded
    }

    /// Blocks closing the session costs on top of its data: a CD track's 2
    /// run-out blocks and the session's lead-out (6750 blocks after the
    /// first session, 2250 after later ones; multisession.md §3.1). DVD and
    /// BD drives take their closing zones outside the free blocks they report.
    fn closing_overhead(&self) -> u64 {
        if !self.profile.is_cd() {
            0
        } else if self.closed_sessions == 0 {
            CD_RUN_OUT_BLOCKS + 6750
        } else {
            CD_RUN_OUT_BLOCKS + 2250
        }
    }

    /// The largest session that fits: the free blocks less the closing
    /// overhead, in whole write units; 0 when not even a CD's shortest
    /// track does.
    fn largest_fitting(&self) -> u64 {
        let room = self.free_blocks.saturating_sub(self.closing_overhead());
        let fits = room / self.unit() * self.unit();
        if self.profile.is_cd() && fits < CD_MIN_TRACK_BLOCKS {
            0
        } else {
            fits
        }
    }

    fn write_error(&self, e: MmcError) -> BurnError {
        BurnError::Write {
            path: self.name.clone().into(),
            source: mmc_io(e),
        }
    }
}

fn is_dvd_minus(profile: Profile) -> bool {
    matches!(
        profile,
        Profile::DvdRSequential | Profile::DvdRDlSequential | Profile::DvdRwSequential
    )
}

/// MODE SELECT page 05h for a data session (mmc.md §5.1 step 2, §5.3 step 2):
/// track at once on CD, incremental with 16-block packets on DVD-R/RW;
/// multi-session 11b keeps the disc appendable, 00b finalizes it.
fn set_write_parameters(
    drive: &mut dyn Transport,
    profile: Profile,
    appendable: bool,
) -> Result<(), BurnError> {
    let mut page = ops::write_parameters(drive).map_err(drive_error)?;
    page.set_data_session(profile.is_cd(), appendable);
    ops::mode_select_page(drive, &page.emit()).map_err(drive_error)
}

impl BurnTarget for SequentialDisc {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn sessions(&self) -> &[ImageSession] {
        &self.sessions
    }

    fn sectors(&mut self) -> Result<Box<dyn SectorSource + '_>, BurnError> {
        let transfer = self.profile.transfer_bytes();
        // Up to the next writable address, or past the session just written.
        let readable = self.written_end.max(self.next_writable);
        Ok(Box::new(TransportSectorSource::with_geometry(
            self.drive.as_mut(),
            Some(readable),
            transfer,
        )))
    }

    fn next_start(&self) -> u64 {
        self.next_writable
    }

    fn planned_end(&self, blocks: u64) -> u64 {
        self.next_writable + self.padded(blocks)
    }

    fn buffer_underruns(&self) -> Option<u64> {
        let now = self.drive.buffer_underruns()?;
        Some(now - self.underruns_before.unwrap_or(0))
    }

    fn check_room(&mut self, blocks: u64) -> Result<Option<u64>, BurnError> {
        check_blocks(
            &self.name,
            self.padded(blocks),
            self.closing_overhead(),
            self.free_blocks,
            self.largest_fitting(),
        )?;
        // multisession.md §3: another session needs its shortest track and its
        // overhead; when what is left cannot hold that, close the disc now.
        let after = self
            .free_blocks
            .saturating_sub(self.padded(blocks) + self.overhead_now);
        let another = self.padded(1) + self.overhead_later;
        self.closing_because = (!self.options.close && after < another).then(|| {
            format!(
                "{after} blocks would be left after this session, fewer than the \
                 {another} another session needs"
            )
        });
        // What the drive will report free after the session: the data, its
        // closing and the gap to the next session's data (multisession.md §3;
        // unknown on a DVD or BD until it shows one, then counted as 0).
        Ok(Some(after))
    }

    fn free_blocks(&mut self) -> Option<u64> {
        if !self.started {
            return Some(self.free_blocks);
        }
        // After a session: what the drive now reports, as `info` shows it
        // (none on a disc the session closed).
        inspect_media(self.drive.as_mut())
            .ok()?
            .free_blocks
            .map(u64::from)
    }

    fn closed_because(&self) -> Option<String> {
        self.closing_because.clone()
    }

    fn write_session(
        &mut self,
        stream: &mut ImageStream,
        progress: &mut dyn FnMut(WriteProgress) -> bool,
    ) -> Result<(), BurnError> {
        self.started = true;
        if self.closing_because.is_some() && (self.profile.is_cd() || is_dvd_minus(self.profile)) {
            // Page 05h decides on CD and DVD-R/RW: no next session.
            set_write_parameters(self.drive.as_mut(), self.profile, false)?;
        }
        let drive = self.drive.as_mut();
        // Locking the tray and choosing the speed are courtesies a drive may refuse.
        ops::prevent_allow(drive, true).ok();
        // kB/s of 1× (MMC-5: CD 176.4, DVD 1385, BD 4495); 0xFFFF is "fastest" on CD.
        let one_x = if self.profile.is_cd() {
            176.4
        } else if self.profile.is_bd() {
            4495.0
        } else {
            1385.0
        };
        let kbps = self.options.speed.map(|x| (x * one_x).round() as u32);
        if self.profile.is_cd() {
            let write = kbps.map_or(0xFFFF, |k| k.min(0xFFFE) as u16);
            ops::set_cd_speed(drive, 0xFFFF, write).ok();
        } else if let Some(kbps) = kbps {
            let performance = mmc::speed::PerformanceDescriptor::speed(kbps, u32::MAX >> 1);
            ops::set_streaming(drive, &performance).ok();
        }
        let start = self.next_writable;
        let unit = self.unit();
        let unit_bytes = unit as usize * BLOCK_SIZE;
        let name = self.name.clone();
        let drive = self.drive.as_mut();
        let mut lba = start;
        let drive_fill = std::cell::Cell::new(None);
        let mut asked_fill: Option<std::time::Instant> = None;
        let mut padded_chunk = Vec::new();
        crate::read_ahead::stream_with_read_ahead(
            stream,
            &mut |chunk| {
                // The last chunk: zeros up to the write unit (DVD 16, BD 32 blocks).
                let data = if chunk.len() % unit_bytes == 0 {
                    chunk
                } else {
                    padded_chunk.clear();
                    padded_chunk.extend_from_slice(chunk);
                    padded_chunk.resize(chunk.len().div_ceil(unit_bytes) * unit_bytes, 0);
                    &padded_chunk
                };
                for piece in data.chunks(WRITE_BYTES) {
                    let at = u32::try_from(lba).map_err(|_| BurnError::NoRoom {
                        path: name.clone().into(),
                        session: lba,
                        overhead: 0,
                        free: u64::from(u32::MAX),
                        fits: u64::from(u32::MAX),
                    })?;
                    ops::write_blocks(drive, at, piece).map_err(|e| BurnError::Write {
                        path: name.clone().into(),
                        source: mmc_io(e),
                    })?;
                    lba += (piece.len() / BLOCK_SIZE) as u64;
                }
                // The drive's buffer, twice a second (IMAPI2's rhythm).
                if asked_fill.is_none_or(|at| at.elapsed() >= Duration::from_millis(500)) {
                    asked_fill = Some(std::time::Instant::now());
                    drive_fill.set(ops::read_buffer_capacity(drive).ok().and_then(|b| {
                        (b.buffer_length > 0)
                            .then(|| 1.0 - f64::from(b.available) / f64::from(b.buffer_length))
                    }));
                }
                Ok(())
            },
            &mut |bytes, read_ahead| {
                progress(WriteProgress {
                    bytes,
                    drive_buffer_fill: drive_fill.get(),
                    read_ahead_fill: Some(read_ahead),
                })
            },
        )?;
        let mut buf = vec![0u8; unit.max(16) as usize * BLOCK_SIZE];
        let chunk_blocks = buf.len() / BLOCK_SIZE;
        // Pad to the write unit (and a CD's shortest track) with zeros.
        let end = start + self.padded(lba - start);
        buf.fill(0);
        while lba < end {
            let blocks = (end - lba).min(chunk_blocks as u64) as usize;
            let at = lba as u32;
            ops::write_blocks(self.drive.as_mut(), at, &buf[..blocks * BLOCK_SIZE])
                .map_err(|e| self.write_error(e))?;
            lba += blocks as u64;
        }
        self.written_end = end;
        ops::synchronize_cache(self.drive.as_mut(), true).map_err(|e| self.write_error(e))?;
        wait(self.drive.as_mut(), "writing the drive's cache to the disc")
    }

    fn finish(&mut self, _stream: &ImageStream) -> Result<u64, BurnError> {
        let drive = self.drive.as_mut();
        let close_session = |drive: &mut dyn Transport, function: CloseFunction| {
            ops::close_track_session(drive, function, 0, true).map_err(drive_error)?;
            wait(drive, "closing the session")
        };
        let finalize = match self.profile {
            // DVD-R/RW finalize through page 05h's multi-session field.
            Profile::DvdRSequential | Profile::DvdRDlSequential | Profile::DvdRwSequential => {
                CloseFunction::CloseSession
            }
            Profile::DvdPlusRDl => CloseFunction::FinalizeMinimalRadius,
            _ => CloseFunction::from(0b110),
        };
        if self.profile.is_cd() {
            // Track at once: SYNCHRONIZE CACHE ended the track; page 05h's
            // multi-session field decides whether the disc stays appendable.
            close_session(drive, CloseFunction::CloseSession)?;
        } else {
            ops::close_track_session(drive, CloseFunction::CloseTrack, self.track, true)
                .map_err(drive_error)?;
            wait(drive, "closing the track")?;
            let function = if self.options.close || self.closing_because.is_some() {
                finalize
            } else {
                CloseFunction::CloseSession
            };
            close_session(drive, function)?;
        }
        ops::prevent_allow(drive, false).ok();
        Ok(self.written_end)
    }

    fn roll_back(&mut self) -> io::Result<()> {
        // Nothing written to a write-once disc can be taken back; the earlier
        // sessions are untouched. Flush what the drive holds and unlock it.
        if !self.started {
            return Ok(());
        }
        let drive = self.drive.as_mut();
        ops::synchronize_cache(drive, false).ok();
        ops::prevent_allow(drive, false).ok();
        // What reached the disc: a track of the new session holding data.
        self.left_incomplete = inspect_media(drive).ok().and_then(|media| {
            let session = crate::sessions::incomplete_session(&media)?;
            let track = media.tracks.iter().rev().find(|t| t.session == session)?;
            Some((session, track.start, track.size))
        });
        Ok(())
    }

    fn left_behind(&self) -> Option<String> {
        let (session, start, blocks) = self.left_incomplete?;
        Some(format!(
            "session {session} is left incomplete on the disc (a track at LBA {start}, \
             {blocks} blocks; a write-once disc cannot take it back): the earlier sessions are \
             intact, `discburn info` shows it as damaged, and no session can be added after it"
        ))
    }
}
