//! One function per command of mmc.md §2 over any [`Transport`]: build the
//! CDB, apply the data-in rule and retries ([`crate::exec`]), parse the answer.

use std::time::Duration;

use crate::cdb::*;
use crate::config::{self, Configuration};
use crate::disc::{
    DiscInformation, LayerBoundary, TrackInformation, WriteProtection, TRACK_INFORMATION_LEN,
};
use crate::exec::{
    execute_in, execute_in_buf, execute_none, execute_out, execute_out_with, parse_with, query,
    timeouts, MmcError, RetryPolicy,
};
use crate::format::{FormatCapacities, FormatUnitParameters};
use crate::inquiry::{BufferCapacity, CapacityData, InquiryData, MediaEventStatus};
use crate::mode::{self, CapabilitiesPage, WriteParametersPage};
use crate::profile::Profile;
use crate::sense::Sense;
use crate::speed::{PerformanceDescriptor, WriteSpeeds};
use crate::toc::{self, Atip, FullToc, SessionInfo, Toc};
use crate::transport::{DataDirection, ScsiStatus, Transport};

/// Logical block size of data media (mmc.md conventions).
pub const BLOCK_SIZE: usize = 2048;

/// TEST UNIT READY: Ok when ready, the sense otherwise (2/3A/xx no medium...).
pub fn test_unit_ready(t: &mut dyn Transport) -> Result<(), MmcError> {
    execute_none(t, &TestUnitReady.to_cdb(), timeouts::NORMAL)
}

/// REQUEST SENSE: the pending sense (unit attention, progress).
pub fn request_sense(t: &mut dyn Transport) -> Result<Sense, MmcError> {
    let cdb = RequestSense::default().to_cdb();
    let data = execute_in(t, &cdb, 18, timeouts::NORMAL)?;
    parse_with(t, cdb.opcode(), &data, |b| {
        Sense::parse(b).map_err(|_| crate::ParseError::Invalid {
            what: "REQUEST SENSE data",
            why: "not sense data",
        })
    })
}

/// INQUIRY (standard data).
pub fn inquiry(t: &mut dyn Transport) -> Result<InquiryData, MmcError> {
    let cdb = Inquiry::default().to_cdb();
    let data = execute_in(t, &cdb, InquiryData::LEN, timeouts::NORMAL)?;
    parse_with(t, cdb.opcode(), &data, InquiryData::parse)
}

/// GET CONFIGURATION with the data-in rule (header first, then all).
pub fn get_configuration(
    t: &mut dyn Transport,
    request_type: RequestType,
    starting_feature: u16,
) -> Result<Configuration, MmcError> {
    let build = |allocation_length| {
        GetConfiguration {
            request_type,
            starting_feature,
            allocation_length,
        }
        .to_cdb()
    };
    let data = query(
        t,
        build,
        config::HEADER_LEN,
        Configuration::total_length,
        timeouts::NORMAL,
    )?;
    parse_with(t, opcode::GET_CONFIGURATION, &data, Configuration::parse)
}

/// The current profile (GET CONFIGURATION header only; [`Profile::None`] without medium).
pub fn current_profile(t: &mut dyn Transport) -> Result<Profile, MmcError> {
    let cdb = GetConfiguration {
        request_type: RequestType::One,
        starting_feature: 0,
        allocation_length: config::HEADER_LEN as u16,
    }
    .to_cdb();
    let data = execute_in(t, &cdb, config::HEADER_LEN, timeouts::NORMAL)?;
    parse_with(t, cdb.opcode(), &data, Configuration::parse).map(|c| c.current_profile)
}

/// GET EVENT STATUS NOTIFICATION, media class, polled.
pub fn media_event(t: &mut dyn Transport) -> Result<MediaEventStatus, MmcError> {
    let cdb = GetEventStatusNotification::media().to_cdb();
    let data = execute_in(t, &cdb, MediaEventStatus::LEN, timeouts::NORMAL)?;
    parse_with(t, cdb.opcode(), &data, MediaEventStatus::parse)
}

/// READ CAPACITY.
pub fn read_capacity(t: &mut dyn Transport) -> Result<CapacityData, MmcError> {
    let cdb = ReadCapacity.to_cdb();
    let data = execute_in(t, &cdb, CapacityData::LEN, timeouts::NORMAL)?;
    parse_with(t, cdb.opcode(), &data, CapacityData::parse)
}

/// READ DISC INFORMATION (standard), with the data-in rule.
pub fn read_disc_information(t: &mut dyn Transport) -> Result<DiscInformation, MmcError> {
    let build = |allocation_length| {
        ReadDiscInformation {
            data_type: 0,
            allocation_length,
        }
        .to_cdb()
    };
    let data = query(t, build, 2, DiscInformation::total_length, timeouts::NORMAL)?;
    parse_with(
        t,
        opcode::READ_DISC_INFORMATION,
        &data,
        DiscInformation::parse,
    )
}

/// READ TRACK INFORMATION for a track number, session or LBA.
pub fn read_track_information(
    t: &mut dyn Transport,
    address: TrackAddress,
) -> Result<TrackInformation, MmcError> {
    let cdb = ReadTrackInformation::new(address).to_cdb();
    let data = execute_in(t, &cdb, TRACK_INFORMATION_LEN, timeouts::NORMAL)?;
    parse_with(t, cdb.opcode(), &data, TrackInformation::parse)
}

/// READ DISC STRUCTURE format C0h: the medium's write protection (MMC-5
/// 6.23; drives with feature 0004h answer it). `bd` sends media type 1 (BD),
/// else 0 (DVD and the formats common to all media).
pub fn read_write_protection(t: &mut dyn Transport, bd: bool) -> Result<WriteProtection, MmcError> {
    let cdb = ReadDiscStructure {
        media_type: u8::from(bd),
        format: ReadDiscStructure::WRITE_PROTECTION,
        allocation_length: WriteProtection::LEN as u16,
        ..ReadDiscStructure::default()
    }
    .to_cdb();
    let data = execute_in(t, &cdb, WriteProtection::LEN, timeouts::NORMAL)?;
    parse_with(t, cdb.opcode(), &data, WriteProtection::parse)
}

/// READ DISC STRUCTURE format 20h: where layer 1 of a DL DVD starts.
pub fn read_layer_boundary(t: &mut dyn Transport) -> Result<LayerBoundary, MmcError> {
    let cdb = ReadDiscStructure {
        format: ReadDiscStructure::LAYER_BOUNDARY,
        allocation_length: LayerBoundary::LEN as u16,
        ..ReadDiscStructure::default()
    }
    .to_cdb();
    let data = execute_in(t, &cdb, LayerBoundary::LEN, timeouts::NORMAL)?;
    parse_with(t, cdb.opcode(), &data, LayerBoundary::parse)
}

/// Sends READ TOC with the data-in rule and checks that the answer has the
/// shape of the asked format ([`toc::has_format_shape`]).
///
/// SFF-8020 drives read the format from CDB byte 9 b7..b6 and ignore byte 2:
/// QEMU's ATAPI drive answers every byte-2 format with the format-0 TOC
/// (QEMU-DRIVE.md rows 5-9). For formats 1 and 2 such an answer is retried
/// with the format in byte 9 as well; other formats have no such field.
fn read_toc_raw(
    t: &mut dyn Transport,
    format: TocFormat,
    msf: bool,
    number: u8,
) -> Result<Vec<u8>, MmcError> {
    let ask = |t: &mut dyn Transport, control: u8| {
        let build = |allocation_length| {
            ReadToc {
                control,
                ..ReadToc::new(format, msf, number, allocation_length)
            }
            .to_cdb()
        };
        query(t, build, 4, toc::total_length, timeouts::NORMAL)
    };
    let data = ask(t, 0)?;
    if toc::has_format_shape(&data, format) {
        return Ok(data);
    }
    let code = u8::from(format);
    if (1..=2).contains(&code) {
        let data = ask(t, code << 6)?;
        if toc::has_format_shape(&data, format) {
            return Ok(data);
        }
    }
    Err(MmcError::Parse {
        device: t.device_name(),
        command: opcode_name(opcode::READ_TOC_PMA_ATIP),
        source: crate::ParseError::Invalid {
            what: "READ TOC",
            why: "the drive answered with a different format than the one asked",
        },
    })
}

/// READ TOC format 0 from track `first_track` (LBA addresses unless `msf`).
pub fn read_toc(t: &mut dyn Transport, msf: bool, first_track: u8) -> Result<Toc, MmcError> {
    let data = read_toc_raw(t, TocFormat::Toc, msf, first_track)?;
    parse_with(t, opcode::READ_TOC_PMA_ATIP, &data, Toc::parse)
}

/// READ TOC format 1: first track and start of the last complete session.
pub fn read_session_info(t: &mut dyn Transport) -> Result<SessionInfo, MmcError> {
    let data = read_toc_raw(t, TocFormat::SessionInfo, false, 0)?;
    parse_with(t, opcode::READ_TOC_PMA_ATIP, &data, SessionInfo::parse)
}

/// READ TOC format 2 (full TOC, CD only; other media give 5/24/00).
pub fn read_full_toc(t: &mut dyn Transport, first_session: u8) -> Result<FullToc, MmcError> {
    let data = read_toc_raw(t, TocFormat::FullToc, true, first_session)?;
    parse_with(t, opcode::READ_TOC_PMA_ATIP, &data, FullToc::parse)
}

/// READ TOC format 4 (ATIP, CD-R/RW only).
pub fn read_atip(t: &mut dyn Transport) -> Result<Atip, MmcError> {
    let data = read_toc_raw(t, TocFormat::Atip, true, 0)?;
    parse_with(t, opcode::READ_TOC_PMA_ATIP, &data, Atip::parse)
}

/// MODE SENSE(10) of one page; returns the page bytes (from the code byte).
pub fn mode_sense_page(
    t: &mut dyn Transport,
    page_code: u8,
    control: PageControl,
) -> Result<Vec<u8>, MmcError> {
    let build =
        |allocation_length| ModeSense10::new(page_code, control, allocation_length).to_cdb();
    let data = query(
        t,
        build,
        mode::HEADER_LEN,
        mode::total_length,
        timeouts::NORMAL,
    )?;
    parse_with(t, opcode::MODE_SENSE_10, &data, |b| {
        mode::first_page(b).map(<[u8]>::to_vec)
    })
}

/// MODE SELECT(10) of one page (header built here; PS cleared).
pub fn mode_select_page(t: &mut dyn Transport, page: &[u8]) -> Result<(), MmcError> {
    let data = mode::emit_mode_data(page, true);
    let cdb = ModeSelect10::new(data.len() as u16).to_cdb();
    execute_out(t, &cdb, &data, timeouts::NORMAL)
}

/// Page 05h, current values.
pub fn write_parameters(t: &mut dyn Transport) -> Result<WriteParametersPage, MmcError> {
    let page = mode_sense_page(t, mode::page::WRITE_PARAMETERS, PageControl::Current)?;
    parse_with(t, opcode::MODE_SENSE_10, &page, WriteParametersPage::parse)
}

/// Page 2Ah.
pub fn capabilities(t: &mut dyn Transport) -> Result<CapabilitiesPage, MmcError> {
    let build = |allocation_length| {
        ModeSense10::new(
            mode::page::CAPABILITIES,
            PageControl::Current,
            allocation_length,
        )
        .to_cdb()
    };
    let data = query(
        t,
        build,
        mode::HEADER_LEN,
        mode::total_length,
        timeouts::NORMAL,
    )?;
    parse_with(t, opcode::MODE_SENSE_10, &data, |b| {
        mode::first_page_with_tail(b).and_then(CapabilitiesPage::parse)
    })
}

/// READ FORMAT CAPACITIES.
pub fn read_format_capacities(t: &mut dyn Transport) -> Result<FormatCapacities, MmcError> {
    let build = |allocation_length| ReadFormatCapacities { allocation_length }.to_cdb();
    let data = query(
        t,
        build,
        12,
        FormatCapacities::total_length,
        timeouts::NORMAL,
    )?;
    parse_with(
        t,
        opcode::READ_FORMAT_CAPACITIES,
        &data,
        FormatCapacities::parse,
    )
}

/// READ BUFFER CAPACITY.
pub fn read_buffer_capacity(t: &mut dyn Transport) -> Result<BufferCapacity, MmcError> {
    let cdb = ReadBufferCapacity {
        block: false,
        allocation_length: BufferCapacity::LEN as u16,
    }
    .to_cdb();
    let data = execute_in(t, &cdb, BufferCapacity::LEN, timeouts::NORMAL)?;
    parse_with(t, cdb.opcode(), &data, BufferCapacity::parse)
}

/// GET PERFORMANCE type 03h: write speeds for the current medium.
pub fn write_speeds(t: &mut dyn Transport) -> Result<WriteSpeeds, MmcError> {
    let max = 32u16;
    let cdb = GetPerformance::write_speeds(max).to_cdb();
    let len = WriteSpeeds::HEADER_LEN + WriteSpeeds::DESCRIPTOR_LEN * max as usize;
    let data = execute_in(t, &cdb, len, timeouts::NORMAL)?;
    parse_with(t, cdb.opcode(), &data, WriteSpeeds::parse)
}

fn check_blocks(t: &dyn Transport, buf_len: usize) -> Result<usize, MmcError> {
    if !buf_len.is_multiple_of(BLOCK_SIZE) {
        return Err(MmcError::Invalid {
            device: t.device_name(),
            message: format!(
                "transfer of {buf_len} bytes is not a whole number of {BLOCK_SIZE}-byte blocks"
            ),
        });
    }
    Ok(buf_len / BLOCK_SIZE)
}

/// READ(10) of `buf.len() / 2048` blocks at `lba` (READ(12) above 65535 blocks).
/// A short transfer is an error. An empty buffer sends nothing: a READ of
/// length 0 is refused by libata on ATAPI drives with ABORTED COMMAND
/// (QEMU-DRIVE.md row 11) though MMC makes it a no-op.
pub fn read_blocks(t: &mut dyn Transport, lba: u32, buf: &mut [u8]) -> Result<(), MmcError> {
    let blocks = check_blocks(t, buf.len())?;
    if blocks == 0 {
        return Ok(());
    }
    let cdb = match u16::try_from(blocks) {
        Ok(n) => Read10::new(lba, n).to_cdb(),
        Err(_) => Read12::new(lba, blocks as u32).to_cdb(),
    };
    let want = buf.len();
    let got = execute_in_buf(t, &cdb, buf, timeouts::NORMAL, &RetryPolicy::default())?;
    if got < want {
        return Err(MmcError::Invalid {
            device: t.device_name(),
            message: format!("READ at LBA {lba}: {got} of {want} bytes transferred"),
        });
    }
    Ok(())
}

/// WRITE(10) of `data.len() / 2048` blocks at `lba`; 2/04/08 is waited out and
/// the same CDB resent (mmc.md §7). Empty data sends nothing: MMC makes a
/// zero-length WRITE a no-op, but tgt's DVD+R finalises a blank disc on one
/// at LBA 0 (tgt-recorder.md §2).
pub fn write_blocks(t: &mut dyn Transport, lba: u32, data: &[u8]) -> Result<(), MmcError> {
    let blocks = check_blocks(t, data.len())?;
    if blocks == 0 {
        return Ok(());
    }
    let cdb = match u16::try_from(blocks) {
        Ok(n) => Write10::new(lba, n).to_cdb(),
        Err(_) => Write12::new(lba, blocks as u32, false).to_cdb(),
    };
    execute_out_with(t, &cdb, data, timeouts::WRITE, &RetryPolicy::default())
}

/// The timeout of a command that may run long: with IMMED the drive answers
/// at once (the caller then polls), without it the command takes `long`.
fn immed_timeout(immed: bool, long: Duration) -> Duration {
    if immed {
        timeouts::IMMED
    } else {
        long
    }
}

/// SYNCHRONIZE CACHE of everything; with `immed` the caller polls ([`crate::exec::wait_ready`]).
pub fn synchronize_cache(t: &mut dyn Transport, immed: bool) -> Result<(), MmcError> {
    let timeout = immed_timeout(immed, timeouts::CLOSE_OR_SYNC);
    execute_none(
        t,
        &SynchronizeCache {
            immed,
            lba: 0,
            blocks: 0,
        }
        .to_cdb(),
        timeout,
    )
}

/// CLOSE TRACK/SESSION.
pub fn close_track_session(
    t: &mut dyn Transport,
    function: CloseFunction,
    track_number: u16,
    immed: bool,
) -> Result<(), MmcError> {
    let timeout = immed_timeout(immed, timeouts::CLOSE_OR_SYNC);
    execute_none(
        t,
        &CloseTrackSession {
            immed,
            function,
            track_number,
        }
        .to_cdb(),
        timeout,
    )
}

/// RESERVE TRACK of `blocks` blocks.
pub fn reserve_track(t: &mut dyn Transport, blocks: u32) -> Result<(), MmcError> {
    execute_none(t, &ReserveTrack::Size(blocks).to_cdb(), timeouts::NORMAL)
}

/// BLANK.
pub fn blank(
    t: &mut dyn Transport,
    blank_type: BlankType,
    address: u32,
    immed: bool,
) -> Result<(), MmcError> {
    let timeout = immed_timeout(immed, timeouts::BLANK_OR_FORMAT);
    execute_none(
        t,
        &Blank {
            immed,
            blank_type,
            address,
        }
        .to_cdb(),
        timeout,
    )
}

/// FORMAT UNIT with a parameter list.
pub fn format_unit(
    t: &mut dyn Transport,
    parameters: &FormatUnitParameters,
) -> Result<(), MmcError> {
    let timeout = immed_timeout(parameters.immed, timeouts::BLANK_OR_FORMAT);
    execute_out(
        t,
        &FormatUnit::default().to_cdb(),
        &parameters.emit(),
        timeout,
    )
}

/// SET CD SPEED (kB/s; [`SetCdSpeed::MAX`] for maximum).
pub fn set_cd_speed(
    t: &mut dyn Transport,
    read_speed: u16,
    write_speed: u16,
) -> Result<(), MmcError> {
    execute_none(
        t,
        &SetCdSpeed {
            rotational_control: 0,
            read_speed,
            write_speed,
        }
        .to_cdb(),
        timeouts::NORMAL,
    )
}

/// SET STREAMING with one performance descriptor.
pub fn set_streaming(
    t: &mut dyn Transport,
    descriptor: &PerformanceDescriptor,
) -> Result<(), MmcError> {
    execute_out(
        t,
        &SetStreaming::default().to_cdb(),
        &descriptor.emit(),
        timeouts::NORMAL,
    )
}

/// START STOP UNIT.
pub fn start_stop_unit(t: &mut dyn Transport, command: StartStopUnit) -> Result<(), MmcError> {
    let timeout = if command.load_eject && command.start {
        timeouts::LOAD
    } else {
        timeouts::NORMAL
    };
    execute_none(t, &command.to_cdb(), timeout)
}

/// PREVENT / ALLOW MEDIUM REMOVAL.
pub fn prevent_allow(t: &mut dyn Transport, prevent: bool) -> Result<(), MmcError> {
    execute_none(
        t,
        &PreventAllowMediumRemoval { prevent }.to_cdb(),
        timeouts::NORMAL,
    )
}

/// Sends a raw CDB once, without retries, returning the outcome as is (for
/// probing and tests).
pub fn raw(
    t: &mut dyn Transport,
    cdb: &[u8],
    data: DataDirection<'_>,
    timeout: Duration,
) -> Result<(ScsiStatus, Option<Sense>, usize), MmcError> {
    let outcome = t.execute(cdb, data, timeout)?;
    let sense = Sense::parse(&outcome.sense).ok();
    Ok((outcome.status, sense, outcome.residual))
}
