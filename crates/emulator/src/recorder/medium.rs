//! Commands that change the medium or the drive's settings: READ, WRITE,
//! SYNCHRONIZE CACHE, CLOSE TRACK/SESSION, RESERVE TRACK, BLANK, FORMAT
//! UNIT, START STOP UNIT, MODE SELECT (page 05h). Each checks the request
//! against the medium's state (`crate::state`) and applies it.

use std::time::Instant;

use mmc::cdb::{Blank, CloseFunction, CloseTrackSession, FormatUnit, StartStopUnit};
use mmc::format::{format_type, FormatUnitParameters};
use mmc::mode::{page, ModeHeader, MultiSession, WriteParametersPage, WriteType, HEADER_LEN};
use mmc::sense::codes as sense;
use mmc::{DataDirection, ParseError, Sense, TransportError};

use super::{Recorder, Reply};
use crate::media::{Family, MediaType};
use crate::state::{BlockClass, WriteParams};
use crate::store::BLOCK_BYTES;

/// Page 05h length byte (MMC-5 7.5: 32h) and the page's size with its 2-byte header.
pub(super) const PAGE05_LENGTH: u8 = 0x32;
pub(super) const PAGE05_BYTES: usize = PAGE05_LENGTH as usize + 2;

impl Recorder {
    /// Page 05h as the drive holds it after a reset or a new medium: buffer
    /// underrun protection on, Mode 1 blocks; CD track at once, DVD-R/RW
    /// incremental (track mode 5), others track mode 4.
    pub(super) fn default_page05(&self) -> WriteParametersPage {
        let cd = self.state.family() == Family::Cd;
        let sequential_dvd = self.state.uses_write_page() && !cd;
        WriteParametersPage {
            page_length: PAGE05_LENGTH,
            bufe: true,
            write_type: if cd {
                WriteType::TrackAtOnce
            } else {
                WriteType::Incremental
            },
            multi_session: MultiSession::Final,
            track_mode: if sequential_dvd { 5 } else { 4 },
            data_block_type: 8,
            audio_pause_length: 150,
            ..WriteParametersPage::default()
        }
    }

    /// The changeable values of page 05h (MODE SENSE PC=01b): every bit a
    /// MODE SELECT may change is set.
    pub(super) fn changeable_page05() -> WriteParametersPage {
        WriteParametersPage {
            ps: false,
            page_length: PAGE05_LENGTH,
            bufe: true,
            ls_v: true,
            test_write: true,
            write_type: WriteType::from(0x0F),
            multi_session: MultiSession::from(0b11),
            fp: true,
            copy: true,
            track_mode: 0x0F,
            data_block_type: 0x0F,
            link_size: 0xFF,
            host_application_code: 0x3F,
            session_format: 0xFF,
            packet_size: u32::MAX,
            audio_pause_length: u16::MAX,
            media_catalog_number: [0xFF; 16],
            isrc: [0xFF; 16],
            trailing: vec![0; PAGE05_BYTES - 48],
        }
    }

    pub(super) fn write_params(&self) -> WriteParams {
        let p = &self.page05;
        WriteParams {
            write_type: u8::from(p.write_type),
            test_write: p.test_write,
            multi_session: u8::from(p.multi_session),
            fixed_packet: p.fp,
            track_mode: p.track_mode,
            data_block_type: p.data_block_type,
            packet_size: p.packet_size,
        }
    }

    pub(super) fn test_write_active(&self) -> bool {
        self.state.uses_write_page() && self.write_params().test_write
    }

    pub(super) fn start_stop(&mut self, command: &StartStopUnit) -> Reply {
        let (load_eject, start) = (command.load_eject, command.start);
        if !load_eject {
            return if self.present {
                Reply::Good
            } else {
                Reply::Check(sense::NOT_READY_NO_MEDIUM)
            };
        }
        if start {
            if !self.present && self.removed_left == 0 {
                self.present = true;
                self.tray_open = false;
                self.pending_attention = Some(sense::MEDIUM_MAY_HAVE_CHANGED);
                self.media_event = 2;
                self.page05 = self.default_page05();
            }
            return Reply::Good;
        }
        if self.locked {
            return Reply::Check(sense::REMOVAL_PREVENTED);
        }
        if self.present {
            if self.dirty {
                if let Err(sense) = self.persist() {
                    return Reply::Check(sense);
                }
            }
            self.test_track = None;
            self.present = false;
            self.media_event = 3;
        }
        self.tray_open = true;
        Reply::Good
    }

    pub(super) fn read(
        &mut self,
        lba: u64,
        count: u64,
        data: &mut DataDirection<'_>,
    ) -> Result<Reply, TransportError> {
        let DataDirection::FromDevice(buf) = data else {
            return Err(TransportError::InvalidCommand(
                "READ without a data-in buffer".into(),
            ));
        };
        let wanted = count * BLOCK_BYTES;
        if (buf.len() as u64) < wanted {
            return Err(TransportError::InvalidCommand(format!(
                "READ of {count} blocks into {} bytes",
                buf.len()
            )));
        }
        if self.read_fault(lba, count) {
            return Ok(Reply::Check(sense::UNRECOVERED_READ_ERROR));
        }
        let mut index = 0u64;
        while index < count {
            let block = lba + index;
            let class = match self.state.read_class(block) {
                Ok(class) => class,
                Err(sense) => return Ok(Reply::Check(sense)),
            };
            // Extend the run of blocks of the same class.
            let mut run = 1u64;
            while index + run < count && self.state.read_class(block + run) == Ok(class) {
                run += 1;
            }
            let from = (index * BLOCK_BYTES) as usize;
            let to = ((index + run) * BLOCK_BYTES) as usize;
            match class {
                BlockClass::Data => {
                    if let Err(err) = self.files.read_blocks(block, &mut buf[from..to]) {
                        tracing::error!("{}: {err}", self.name);
                        return Ok(Reply::Check(sense::UNRECOVERED_READ_ERROR));
                    }
                }
                BlockClass::Zero => buf[from..to].fill(0),
            }
            index += run;
        }
        // The data went straight into the caller's buffer.
        Ok(Reply::Direct(wanted as usize))
    }

    pub(super) fn write(&mut self, lba: u32, count: u64, bytes: &[u8]) -> Reply {
        if count == 0 {
            return Reply::Good;
        }
        // LBAs from FFFFFF6Ah (-150) up are negative: never writable here.
        if lba >= 0x8000_0000 {
            return Reply::Check(sense::INVALID_WRITE_ADDRESS);
        }
        let lba = u64::from(lba);
        let params = self.write_params();
        if self.test_write_active() {
            // Test Write: check as for a real write, discard the data (mmc.md §8).
            if let Some((start, done)) = self.test_track {
                if lba == start + done {
                    self.test_track = Some((start, done + count));
                    return Reply::Good;
                }
            }
            return match self.state.check_write(lba, count, &params) {
                Ok(_) => {
                    self.test_track = Some((lba, count));
                    Reply::Good
                }
                Err(sense) => Reply::Check(sense),
            };
        }
        let target = match self.state.check_write(lba, count, &params) {
            Ok(target) => target,
            Err(sense) => return Reply::Check(sense),
        };
        if self.take_write_fault(lba, count) {
            return Reply::Check(sense::WRITE_ERROR);
        }
        if let Err(err) = self.files.write_blocks(lba, bytes) {
            tracing::error!("{}: {err}", self.name);
            return Reply::Check(sense::WRITE_ERROR);
        }
        self.state.apply_write(target, count, &params);
        self.dirty = true;
        // A full drive buffer holds the host to the disc's speed.
        let wait = self.buffer.write(Instant::now(), bytes.len() as u64);
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
        Reply::Good
    }

    pub(super) fn sync_cache(&mut self, immed: bool) -> Reply {
        self.buffer.flush(Instant::now());
        if self.test_write_active() {
            self.test_track = None;
        } else if !self.write_protected() {
            self.state.sync_cache();
            if let Err(sense) = self.persist() {
                return Reply::Check(sense);
            }
        }
        if immed {
            self.start_busy(sense::NOT_READY_LONG_WRITE);
        }
        Reply::Good
    }

    pub(super) fn close(&mut self, command: &CloseTrackSession) -> Reply {
        self.buffer.flush(Instant::now());
        let immed = command.immed;
        let function = u8::from(command.function);
        let track = u32::from(command.track_number);
        if self.test_write_active() {
            // A simulated recording leaves the medium unchanged.
            self.test_track = None;
        } else {
            let result = if command.function == CloseFunction::CloseTrack {
                self.state.close_track(track)
            } else {
                self.state
                    .close_session(function, self.write_params().multi_session)
            };
            if let Err(sense) = result {
                return Reply::Check(sense);
            }
            if let Err(sense) = self.persist() {
                return Reply::Check(sense);
            }
        }
        if immed {
            self.start_busy(sense::NOT_READY_OPERATION_IN_PROGRESS);
        }
        Reply::Good
    }

    pub(super) fn reserve_track(&mut self, blocks: u32) -> Reply {
        let blocks = u64::from(blocks);
        let params = self.write_params();
        if let Err(sense) = self.state.reserve_track(blocks, &params) {
            return Reply::Check(sense);
        }
        match self.persist() {
            Ok(()) => Reply::Good,
            Err(sense) => Reply::Check(sense),
        }
    }

    pub(super) fn blank(&mut self, command: &Blank) -> Reply {
        let immed = command.immed;
        let erase = match self.state.blank(u8::from(command.blank_type)) {
            Ok(erase) => erase,
            Err(sense) => return Reply::Check(sense),
        };
        self.test_track = None;
        self.finish_erase(erase, immed, sense::NOT_READY_OPERATION_IN_PROGRESS)
    }

    /// The common tail of BLANK and FORMAT UNIT once the state accepted the
    /// command: reset the write parameters page, wipe the backing files when
    /// the operation erases user data, persist, and (IMMED) report the
    /// operation as still in progress through `busy_sense`.
    fn finish_erase(&mut self, erase: bool, immed: bool, busy_sense: Sense) -> Reply {
        self.page05 = self.default_page05();
        if erase {
            if let Err(err) = self.files.erase(self.state.capacity) {
                tracing::error!("{}: {err}", self.name);
                return Reply::Check(sense::HARDWARE_ERROR);
            }
        }
        if let Err(sense) = self.persist() {
            return Reply::Check(sense);
        }
        if immed {
            self.start_busy(busy_sense);
        }
        Reply::Good
    }

    pub(super) fn format_unit(&mut self, command: &FormatUnit, params: &[u8]) -> Reply {
        let fmt_data = command.fmt_data;
        if command.format_code != 0b001 && fmt_data {
            return Reply::Check(sense::INVALID_FIELD_IN_CDB);
        }
        let (immed, blocks, format_type, sub_type, type_parameter) = if fmt_data {
            let list = match FormatUnitParameters::parse(params) {
                Ok(list) => list,
                Err(ParseError::Short { .. }) => {
                    return Reply::Check(sense::PARAMETER_LIST_LENGTH_ERROR)
                }
                Err(ParseError::Invalid { .. }) => {
                    return Reply::Check(sense::INVALID_FIELD_IN_PARAMETERS)
                }
            };
            (
                list.immed,
                list.blocks,
                list.format_type,
                list.format_sub_type,
                list.type_parameter,
            )
        } else {
            // No parameter list: the medium's default format.
            let (default_type, parameter) = match self.state.media {
                MediaType::DvdPlusRw => (format_type::DVD_PLUS_RW_FULL, 0),
                MediaType::CdRw => (format_type::CD_RW_FULL, 32),
                _ => (format_type::FULL, 0),
            };
            (false, 0, default_type, 0b01, parameter)
        };
        let erase = match self
            .state
            .format(blocks, format_type, sub_type, type_parameter)
        {
            Ok(erase) => erase,
            Err(sense) => return Reply::Check(sense),
        };
        self.finish_erase(erase, immed, sense::NOT_READY_FORMAT_IN_PROGRESS)
    }

    /// MODE SELECT(10) parameter data: the header, then pages 05h (changed
    /// where changeable) and 2Ah (nothing changeable).
    pub(super) fn mode_select(&mut self, bytes: &[u8]) -> Reply {
        if bytes.is_empty() {
            return Reply::Good;
        }
        let Ok(header) = ModeHeader::parse(bytes) else {
            return Reply::Check(sense::PARAMETER_LIST_LENGTH_ERROR);
        };
        let mut at = HEADER_LEN + usize::from(header.block_descriptor_length);
        while at < bytes.len() {
            if at + 2 > bytes.len() {
                return Reply::Check(sense::PARAMETER_LIST_LENGTH_ERROR);
            }
            let code = bytes[at] & 0x3F;
            let length = usize::from(bytes[at + 1]);
            let Some(page) = bytes.get(at..at + 2 + length) else {
                return Reply::Check(sense::PARAMETER_LIST_LENGTH_ERROR);
            };
            match code {
                page::WRITE_PARAMETERS => {
                    if length < usize::from(PAGE05_LENGTH) {
                        return Reply::Check(sense::INVALID_FIELD_IN_PARAMETERS);
                    }
                    if let Err(sense) = self.select_page05(page) {
                        return Reply::Check(sense);
                    }
                }
                // Page 2Ah has nothing changeable; accepted unchanged.
                page::CAPABILITIES => {}
                _ => return Reply::Check(sense::INVALID_FIELD_IN_PARAMETERS),
            }
            at += 2 + length;
        }
        Reply::Good
    }

    /// Takes a page 05h whose bits differ from the current page only where
    /// they are changeable, and whose write type suits the medium.
    fn select_page05(&mut self, page: &[u8]) -> Result<(), Sense> {
        let mask = Self::changeable_page05().emit();
        let current = self.page05.emit();
        let mut merged = current.clone();
        for i in 2..PAGE05_BYTES {
            if (page[i] ^ current[i]) & !mask[i] != 0 {
                return Err(sense::INVALID_FIELD_IN_PARAMETERS);
            }
            merged[i] = page[i];
        }
        let new =
            WriteParametersPage::parse(&merged).map_err(|_| sense::INVALID_FIELD_IN_PARAMETERS)?;
        let write_type = u8::from(new.write_type);
        let multi = u8::from(new.multi_session);
        let track_mode = new.track_mode;
        let block_type = new.data_block_type;
        if multi == 0b10 {
            return Err(sense::INVALID_FIELD_IN_PARAMETERS);
        }
        if self.state.uses_write_page() {
            let valid = match self.state.family() {
                Family::Cd => {
                    write_type <= 3
                        && matches!(block_type, 0..=3 | 8..=13)
                        // Data blocks need a data track mode, audio blocks an audio one.
                        && (write_type != 1 || (block_type >= 8) == (track_mode & 0x04 != 0))
                }
                _ => matches!(write_type, 0 | 2) && block_type == 8,
            };
            if !valid {
                return Err(sense::INVALID_FIELD_IN_PARAMETERS);
            }
        }
        self.page05 = new;
        Ok(())
    }
}
