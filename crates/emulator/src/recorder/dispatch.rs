//! The one command pipeline of every drive personality: count the command,
//! refuse a buffer past the transfer limit, parse the CDB with
//! [`mmc::Command`] (the codec the engine builds CDBs with), give the
//! personality the first word ([`Recorder::personality_answer`]), else gate
//! the command as a recorder does (faults, unit attention, removal, busy, no
//! medium, write protection) and answer it; then deliver the reply as a
//! [`CommandOutcome`].

use std::time::Instant;

use mmc::cdb::{opcode, CdbError, Command, Read10, Read12, ReadCd, ReserveTrack, Write10, Write12};
use mmc::inquiry::{BufferCapacity, CapacityData};
use mmc::sense::codes as sense;
use mmc::speed::PerformanceDescriptor;
use mmc::{CommandOutcome, DataDirection, TransportError};

use super::{u32_of, Recorder, Reply, BUFFER_BYTES};
use crate::media::Family;
use crate::personality::Personality;
use crate::store::BLOCK_BYTES;

/// Commands a drive answers while a unit attention or an Immed operation is
/// pending, and with no medium (SPC-3 5.9.5; mmc.md §7, §8).
fn exempt_from_attention(op: u8) -> bool {
    matches!(
        op,
        opcode::INQUIRY
            | opcode::REQUEST_SENSE
            | opcode::GET_CONFIGURATION
            | opcode::GET_EVENT_STATUS_NOTIFICATION
    )
}

/// Commands that need no medium in the drive.
fn needs_medium(op: u8) -> bool {
    !matches!(
        op,
        opcode::INQUIRY
            | opcode::REQUEST_SENSE
            | opcode::GET_CONFIGURATION
            | opcode::GET_EVENT_STATUS_NOTIFICATION
            | opcode::MODE_SENSE_10
            | opcode::MODE_SELECT_10
            | opcode::START_STOP_UNIT
            | opcode::PREVENT_ALLOW_MEDIUM_REMOVAL
            | opcode::SET_CD_SPEED
    )
}

/// Commands that change the medium (refused with 7/27/00 when it is protected).
fn changes_medium(op: u8) -> bool {
    matches!(
        op,
        opcode::WRITE_10
            | opcode::WRITE_12
            | opcode::CLOSE_TRACK_SESSION
            | opcode::RESERVE_TRACK
            | opcode::BLANK
            | opcode::FORMAT_UNIT
    )
}

fn data_out<'a>(data: &'a DataDirection<'_>) -> &'a [u8] {
    match data {
        DataDirection::ToDevice(bytes) => bytes,
        _ => &[],
    }
}

impl Recorder {
    /// Runs one command (what [`mmc::Transport::execute`] does).
    pub(super) fn execute_cdb(
        &mut self,
        cdb: &[u8],
        mut data: DataDirection<'_>,
    ) -> Result<CommandOutcome, TransportError> {
        let Some(&op) = cdb.first() else {
            return Err(TransportError::InvalidCommand("empty CDB".into()));
        };
        self.commands_seen += 1;
        if self.personality == Personality::Tgt {
            // tgt decodes every CDB its own way, quirks included (`tgt`).
            if let Some(delay) = self.slow {
                std::thread::sleep(delay);
            }
            return self.execute_tgt(cdb, data);
        }
        if let Some(limit) = self.transfer_limit() {
            if data.len() as u64 > limit * BLOCK_BYTES {
                // As the kernel refuses a buffer beyond queue/max_hw_sectors_kb (EIO).
                return Err(TransportError::Os {
                    device: self.name.clone(),
                    source: std::io::Error::from_raw_os_error(5),
                });
            }
        }
        if matches!(op, opcode::WRITE_10 | opcode::WRITE_12) {
            self.writes_seen += 1;
        }
        if let Some(delay) = self.slow {
            std::thread::sleep(delay);
        }
        let buffer_len = match &data {
            DataDirection::FromDevice(buf) => buf.len(),
            _ => 0,
        };
        let command = self.parse_cdb(cdb);
        let reply = match self.personality_answer(cdb.len(), &command, &mut data) {
            Some(reply) => reply,
            None => self.recorder_answer(op, command, &mut data)?,
        };
        self.deliver(cdb, reply, &mut data, buffer_len)
    }

    /// Decodes a CDB as this drive reads it: with [`mmc::Command::parse`],
    /// the codec the engine builds CDBs with (a QEMU drive first pads a
    /// short CDB with zeros, as QEMU copies it into a zeroed buffer).
    pub fn parse_cdb(&self, cdb: &[u8]) -> Result<Command, CdbError> {
        if self.personality.reads_short_cdbs_as_zeros() {
            let mut padded = [0u8; 16];
            let n = cdb.len().min(16);
            padded[..n].copy_from_slice(&cdb[..n]);
            Command::parse(&padded)
        } else {
            Command::parse(cdb)
        }
    }

    /// The personality hook: a drive other than the recorder answers the
    /// commands it knows its own way; `None` lets the recorder answer.
    fn personality_answer(
        &mut self,
        cdb_len: usize,
        command: &Result<Command, CdbError>,
        data: &mut DataDirection<'_>,
    ) -> Option<Reply> {
        match self.personality {
            // tgt never reaches the pipeline (see `execute_cdb`).
            Personality::Recorder | Personality::Tgt => None,
            Personality::QemuIde | Personality::QemuScsi => {
                Some(self.qemu_answer(cdb_len, command, data))
            }
        }
    }

    /// Turns a reply into what the transport returns: data copied up to the
    /// allocation length, the residual, sense bytes as the personality
    /// formats them.
    fn deliver(
        &mut self,
        cdb: &[u8],
        reply: Reply,
        data: &mut DataDirection<'_>,
        buffer_len: usize,
    ) -> Result<CommandOutcome, TransportError> {
        let received = match &reply {
            Reply::Good => 0,
            Reply::Direct(n) => *n,
            Reply::Data(bytes, alloc) => match data {
                DataDirection::FromDevice(buf) => {
                    let n = bytes.len().min(*alloc).min(buf.len());
                    buf[..n].copy_from_slice(&bytes[..n]);
                    n
                }
                _ => 0,
            },
            Reply::Check(sense) => {
                tracing::debug!("{}: CDB {:02x?} -> {sense}", self.name, cdb);
                let bytes = self.sense_bytes(*sense);
                return Ok(CommandOutcome::check_condition(bytes, buffer_len));
            }
            Reply::Aborted => {
                let bytes = super::qemu::LIBATA_ABORTED.to_fixed().to_vec();
                return Ok(CommandOutcome::check_condition(bytes, buffer_len));
            }
            Reply::HostError => {
                return Err(TransportError::Host {
                    device: self.name.clone(),
                    host_status: super::qemu::DID_ERROR,
                    driver_status: 0,
                })
            }
        };
        let residual = match self.personality {
            Personality::Recorder => buffer_len - received.min(buffer_len),
            _ => self.qemu_residual(&reply, received, buffer_len),
        };
        Ok(CommandOutcome::good(residual))
    }

    /// Sense data of a CHECK CONDITION, as this drive reports it.
    fn sense_bytes(&mut self, sense: mmc::Sense) -> Vec<u8> {
        match self.personality {
            Personality::Recorder => sense.to_fixed().to_vec(),
            _ => self.qemu_sense(sense).to_fixed().to_vec(),
        }
    }

    /// The recorder's gates, then its answer to a parsed command.
    fn recorder_answer(
        &mut self,
        op: u8,
        command: Result<Command, CdbError>,
        data: &mut DataDirection<'_>,
    ) -> Result<Reply, TransportError> {
        let is_write = matches!(op, opcode::WRITE_10 | opcode::WRITE_12);
        if let Some(reply) = self.fault_reply(is_write) {
            return Ok(reply);
        }
        let exempt = exempt_from_attention(op);
        if !exempt {
            if let Some(attention) = self.pending_attention.take() {
                return Ok(Reply::Check(attention));
            }
        }
        if self.removed_left > 0 && !exempt {
            self.removed_left -= 1;
            if self.removed_left == 0 {
                // The medium comes back: the next command sees a unit attention.
                self.present = true;
                self.pending_attention = Some(sense::MEDIUM_MAY_HAVE_CHANGED);
                self.media_event = 2;
            }
            return Ok(Reply::Check(sense::NOT_READY_NO_MEDIUM));
        }
        if let Some(reply) = self.busy_every_reply(is_write) {
            return Ok(reply);
        }
        if self.busy.is_some() && op == opcode::TEST_UNIT_READY && self.tur_good_while_busy {
            // Some drives claim ready too early; only a barrier command tells (mmc.md §7).
            return Ok(Reply::Good);
        }
        if self.busy.is_some() && !exempt {
            if let Some(busy) = self.poll_busy() {
                return Ok(Reply::Check(busy));
            }
        }
        if needs_medium(op) && !self.present {
            return Ok(Reply::Check(if self.tray_open {
                sense::NOT_READY_TRAY_OPEN
            } else {
                sense::NOT_READY_NO_MEDIUM
            }));
        }
        if changes_medium(op) && self.write_protected() {
            return Ok(Reply::Check(sense::WRITE_PROTECTED));
        }
        let command = match command {
            Ok(command) => command,
            Err(CdbError::UnknownOpcode(_)) => return Ok(Reply::Check(sense::INVALID_OPCODE)),
            Err(err) => return Err(TransportError::InvalidCommand(err.to_string())),
        };
        let reply = match command {
            Command::TestUnitReady(_) => Reply::Good,
            Command::RequestSense(c) => {
                let sense = if let Some(busy) = self.poll_busy() {
                    busy
                } else if let Some(attention) = self.pending_attention.take() {
                    attention
                } else if !self.present || self.removed_left > 0 {
                    sense::NOT_READY_NO_MEDIUM
                } else {
                    sense::NO_SENSE
                };
                Reply::Data(sense.to_fixed().to_vec(), usize::from(c.allocation_length))
            }
            Command::Inquiry(c) => self.inquiry(&c),
            Command::StartStopUnit(c) => self.start_stop(&c),
            Command::PreventAllowMediumRemoval(c) => {
                self.locked = c.prevent;
                Reply::Good
            }
            Command::ReadCapacity(_) => {
                let capacity = CapacityData {
                    last_lba: u32_of(self.state.recorded_end().saturating_sub(1)),
                    block_length: BLOCK_BYTES as u32,
                };
                Reply::Data(capacity.emit().to_vec(), CapacityData::LEN)
            }
            Command::Read10(Read10(rw)) => {
                return self.read(u64::from(rw.lba), u64::from(rw.blocks), data)
            }
            Command::Read12(Read12(rw)) => {
                return self.read(u64::from(rw.lba), u64::from(rw.blocks), data)
            }
            Command::ReadCd(c) => {
                // User data of Mode 1 / Mode 2 Form 1 sectors only (byte 9 = 10h,
                // no sub-channel): this medium stores 2048-byte blocks.
                if self.state.family() != Family::Cd {
                    return Ok(Reply::Check(sense::ILLEGAL_MODE_FOR_TRACK));
                }
                if !matches!(c.expected_sector_type, 0 | 2 | 4)
                    || c.main_channel != ReadCd::USER_DATA
                    || c.subchannel != 0
                {
                    return Ok(Reply::Check(sense::INVALID_FIELD_IN_CDB));
                }
                return self.read(u64::from(c.lba), u64::from(c.blocks), data);
            }
            Command::Write10(Write10(rw)) => {
                return self.write_command(rw.lba, u64::from(rw.blocks), data)
            }
            Command::Write12(Write12(rw)) => {
                return self.write_command(rw.lba, u64::from(rw.blocks), data)
            }
            Command::SynchronizeCache(c) => self.sync_cache(c.immed),
            Command::ReadToc(c) => self.read_toc(&c),
            Command::GetConfiguration(c) => self.get_configuration(&c),
            Command::GetEventStatusNotification(c) => self.event_status(&c),
            Command::ReadDiscInformation(c) => {
                if c.data_type != 0 {
                    Reply::Check(sense::INVALID_FIELD_IN_CDB)
                } else {
                    Reply::Data(self.disc_information(), usize::from(c.allocation_length))
                }
            }
            Command::ReadTrackInformation(c) => self.track_information(&c),
            Command::ReserveTrack(ReserveTrack::Size(blocks)) => self.reserve_track(blocks),
            // Reserving up to an LBA (ARSV) is not offered.
            Command::ReserveTrack(ReserveTrack::Lba(_)) => {
                Reply::Check(sense::INVALID_FIELD_IN_CDB)
            }
            Command::SendOpcInformation(_) => Reply::Good,
            Command::ModeSense10(c) => self.mode_sense(&c),
            Command::ModeSelect10(c) => {
                let length = usize::from(c.parameter_list_length);
                let bytes = data_out(data);
                if bytes.len() < length {
                    return Err(TransportError::InvalidCommand(
                        "MODE SELECT data shorter than its parameter list length".into(),
                    ));
                }
                if c.save_pages {
                    Reply::Check(sense::INVALID_FIELD_IN_CDB)
                } else {
                    let parameters = bytes[..length].to_vec();
                    self.mode_select(&parameters)
                }
            }
            Command::CloseTrackSession(c) => self.close(&c),
            Command::ReadBufferCapacity(c) => {
                let available = self.buffer.available(Instant::now());
                let buffer = BufferCapacity {
                    buffer_length: BUFFER_BYTES,
                    available: available.min(u64::from(BUFFER_BYTES)) as u32,
                };
                Reply::Data(buffer.emit().to_vec(), usize::from(c.allocation_length))
            }
            Command::Blank(c) => self.blank(&c),
            Command::FormatUnit(c) => {
                let parameters = data_out(data).to_vec();
                self.format_unit(&c, &parameters)
            }
            Command::ReadFormatCapacities(c) => {
                Reply::Data(self.format_capacities(), usize::from(c.allocation_length))
            }
            Command::GetPerformance(c) => self.performance(&c),
            Command::SetStreaming(c) => {
                if c.descriptor_type != 0 && c.descriptor_type != 5 {
                    Reply::Check(sense::INVALID_FIELD_IN_CDB)
                } else {
                    if let DataDirection::ToDevice(bytes) = data {
                        if let Ok(p) = PerformanceDescriptor::parse(bytes) {
                            // Write size in kB per write time in ms = MB/s x 1000.
                            let speed = (p.write_time > 0).then(|| {
                                u64::from(p.write_size) * 1_000_000 / u64::from(p.write_time)
                            });
                            self.buffer.set_speed(speed);
                        }
                    }
                    Reply::Good
                }
            }
            Command::SetCdSpeed(c) => {
                // Write speed in kB/s (1000 bytes); FFFFh: the fastest, not modelled.
                let write = c.write_speed;
                self.buffer.set_speed(
                    (write != mmc::cdb::SetCdSpeed::MAX).then(|| u64::from(write) * 1000),
                );
                Reply::Good
            }
            Command::ReadDiscStructure(c) => self.disc_structure(&c),
            // Commands of read-only drives (the QEMU personalities answer them).
            Command::Seek10(_)
            | Command::Verify10(_)
            | Command::WriteAndVerify10(_)
            | Command::ServiceActionIn16(_)
            | Command::MechanismStatus(_) => Reply::Check(sense::INVALID_OPCODE),
        };
        Ok(reply)
    }

    /// WRITE(10)/(12): the data must hold every block named.
    fn write_command(
        &mut self,
        lba: u32,
        count: u64,
        data: &mut DataDirection<'_>,
    ) -> Result<Reply, TransportError> {
        let DataDirection::ToDevice(bytes) = data else {
            return Err(TransportError::InvalidCommand(
                "WRITE without data to the device".into(),
            ));
        };
        let wanted = count * BLOCK_BYTES;
        if (bytes.len() as u64) < wanted {
            return Err(TransportError::InvalidCommand(format!(
                "WRITE of {count} blocks with only {} bytes of data",
                bytes.len()
            )));
        }
        Ok(self.write(lba, count, &bytes[..wanted as usize]))
    }
}
