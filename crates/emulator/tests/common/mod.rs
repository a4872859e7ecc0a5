//! A small burner written only against `mmc::Transport`, following the write
//! sequences of mmc.md §5 with the `mmc` crate's CDB builders and parsers.
#![allow(dead_code)]

use std::time::Duration;

use mmc::cdb::{CloseFunction, RequestType, TrackAddress};
use mmc::disc::{DiscInformation, TrackInformation};
use mmc::exec::{wait_ready, MmcError, PollOptions};
use mmc::speed::PerformanceDescriptor;
use mmc::{ops, DataDirection, Profile, ScsiStatus, Transport};

pub const BLOCK: usize = 2048;

/// Waits for an Immed operation; returns the progress fractions reported.
pub fn poll(t: &mut dyn Transport, what: &str) -> Vec<f64> {
    let mut seen = Vec::new();
    wait_ready(
        t,
        what,
        &PollOptions::immediate(Duration::from_secs(10)),
        &mut |p| {
            if let Some(f) = p.fraction {
                seen.push(f);
            }
        },
    )
    .unwrap_or_else(|e| panic!("{what}: {e}"));
    seen
}

/// key/ASC/ASCQ of a failed command.
pub fn sense_of(err: &MmcError) -> (u8, u8, u8) {
    err.sense()
        .map(|s| s.code())
        .unwrap_or_else(|| panic!("expected a sense error, got {err}"))
}

/// Status, key/ASC/ASCQ, data-in bytes and residual of one command.
pub type RawAnswer = (ScsiStatus, Option<(u8, u8, u8)>, Vec<u8>, usize);

/// Sends one CDB once (no retries); data-in of `alloc` bytes.
pub fn raw(t: &mut dyn Transport, cdb: &[u8], alloc: usize) -> RawAnswer {
    let mut buf = vec![0u8; alloc];
    let data = if alloc == 0 {
        DataDirection::None
    } else {
        DataDirection::FromDevice(&mut buf)
    };
    let (status, sense, residual) =
        ops::raw(t, cdb, data, Duration::from_secs(5)).expect("transport");
    (status, sense.map(|s| s.code()), buf, residual)
}

/// Block contents: LBA in bytes 0-3, a tag in byte 4, then a pattern.
pub fn pattern(first_lba: u32, blocks: usize, tag: u8) -> Vec<u8> {
    let mut data = vec![0u8; blocks * BLOCK];
    for (i, block) in data.chunks_mut(BLOCK).enumerate() {
        let lba = first_lba + i as u32;
        block[..4].copy_from_slice(&lba.to_be_bytes());
        block[4] = tag;
        for (j, byte) in block.iter_mut().enumerate().skip(5) {
            *byte = (j as u8).wrapping_mul(31) ^ tag ^ lba as u8;
        }
    }
    data
}

pub struct Discovery {
    pub profile: Profile,
    pub disc: DiscInformation,
    /// READ TRACK INFORMATION of the last track in the last session.
    pub next: TrackInformation,
}

/// mmc.md §4: TUR (unit attentions retried), INQUIRY, GET CONFIGURATION, READ
/// DISC INFORMATION, READ TRACK INFORMATION of the next track.
pub fn discover(t: &mut dyn Transport) -> Discovery {
    ops::test_unit_ready(t).expect("TUR");
    let inquiry = ops::inquiry(t).expect("INQUIRY");
    assert_eq!(inquiry.device_type, 5);
    let config = ops::get_configuration(t, RequestType::All, 0).expect("GET CONFIGURATION");
    let disc = ops::read_disc_information(t).expect("READ DISC INFORMATION");
    let next = ops::read_track_information(
        t,
        TrackAddress::Track(u32::from(disc.last_track_in_last_session)),
    )
    .expect("READ TRACK INFORMATION");
    Discovery {
        profile: config.current_profile,
        disc,
        next,
    }
}

pub fn is_cd(p: Profile) -> bool {
    matches!(p, Profile::CdR | Profile::CdRw)
}

pub fn is_dvd_minus(p: Profile) -> bool {
    matches!(
        p,
        Profile::DvdRSequential | Profile::DvdRDlSequential | Profile::DvdRwSequential
    )
}

pub fn unit(p: Profile) -> usize {
    match p {
        Profile::CdR | Profile::CdRw => 1,
        Profile::BdRSrm | Profile::BdRe => 32,
        _ => 16,
    }
}

/// MODE SENSE page 05h, patch, MODE SELECT (mmc.md §5.1 step 2, §5.3 step 2).
pub fn set_write_parameters(
    t: &mut dyn Transport,
    profile: Profile,
    appendable: bool,
    test_write: bool,
) {
    let mut page = ops::write_parameters(t).expect("MODE SENSE 05h");
    page.set_data_session(is_cd(profile), appendable);
    page.test_write = test_write;
    ops::mode_select_page(t, &page.emit()).expect("MODE SELECT 05h");
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Close {
    /// Leave the disc appendable.
    Appendable,
    /// Finalize the disc.
    Final,
}

/// Writes `data` (padded to the medium's unit) as one session on sequential
/// media, as mmc.md §5.1-5.4 describe; returns the start LBA.
pub fn write_session(t: &mut dyn Transport, data: &[u8], close: Close) -> u32 {
    let profile = ops::current_profile(t).expect("profile");
    ops::prevent_allow(t, true).expect("PREVENT");
    if is_cd(profile) {
        ops::set_cd_speed(t, 0xFFFF, 0xFFFF).expect("SET CD SPEED");
    } else {
        ops::set_streaming(t, &PerformanceDescriptor::speed(11_080, 0x7FFF_FFFF))
            .expect("SET STREAMING");
    }
    if is_cd(profile) || is_dvd_minus(profile) {
        set_write_parameters(t, profile, close == Close::Appendable, false);
    }
    let disc = ops::read_disc_information(t).expect("disc info");
    let number = disc.last_track_in_last_session;
    let info =
        ops::read_track_information(t, TrackAddress::Track(u32::from(number))).expect("track info");
    let nwa = info.writable_address().expect("NWA_V");
    let unit = unit(profile);
    let mut padded = data.to_vec();
    let blocks = padded.len().div_ceil(BLOCK).div_ceil(unit) * unit;
    padded.resize(blocks * BLOCK, 0);
    assert!(
        info.free_blocks as usize >= blocks,
        "{} free, {blocks} needed",
        info.free_blocks
    );
    let chunk = if unit == 32 { 32 } else { 16 };
    let mut lba = nwa;
    for piece in padded.chunks(chunk * BLOCK) {
        ops::write_blocks(t, lba, piece).expect("WRITE");
        lba += (piece.len() / BLOCK) as u32;
    }
    ops::synchronize_cache(t, true).expect("SYNC CACHE");
    poll(t, "sync");
    let close_session = |t: &mut dyn Transport, function: CloseFunction| {
        ops::close_track_session(t, function, 0, true).expect("CLOSE SESSION");
        poll(t, "close session");
    };
    match profile {
        Profile::CdR | Profile::CdRw => close_session(t, CloseFunction::CloseSession),
        _ => {
            ops::close_track_session(t, CloseFunction::CloseTrack, number, true)
                .expect("CLOSE TRACK");
            poll(t, "close track");
            let function = match (profile, close) {
                (_, Close::Appendable) => CloseFunction::CloseSession,
                (
                    Profile::DvdRSequential | Profile::DvdRDlSequential | Profile::DvdRwSequential,
                    Close::Final,
                ) => CloseFunction::CloseSession,
                (Profile::DvdPlusRDl, Close::Final) => CloseFunction::FinalizeMinimalRadius,
                (_, Close::Final) => CloseFunction::from(0b110),
            };
            close_session(t, function);
        }
    }
    ops::prevent_allow(t, false).expect("ALLOW");
    nwa
}

/// Reads `blocks` blocks at `lba`.
pub fn read(t: &mut dyn Transport, lba: u32, blocks: usize) -> Result<Vec<u8>, MmcError> {
    let mut buf = vec![0u8; blocks * BLOCK];
    ops::read_blocks(t, lba, &mut buf)?;
    Ok(buf)
}
