//! The QEMU drive personalities (see [`crate::personality`]): QEMU's ATAPI
//! CD/DVD-ROM behind Linux libata, and its virtio-scsi `scsi-cd`, answering
//! as probed from a Linux guest (QEMU-DRIVE.md; QEMU's hw/ide/atapi.c,
//! hw/scsi/scsi-disk.c and hw/block/cdrom.c for the byte layouts).

use mmc::cdb::{
    CdbError, Command, GetConfiguration, Inquiry, ModeSense10, PageControl, Read10, Read12, ReadCd,
    ReadDiscStructure, ReadToc,
};
use mmc::config::{Configuration, FeatureDescriptor};
use mmc::inquiry::CapacityData;
use mmc::sense::codes as sense;
use mmc::toc::{Msf, SessionInfo, Toc, TocTrack};
use mmc::{DataDirection, Profile, Sense};

use super::{Recorder, Reply};
use crate::media::QEMU_CD_MAX_BLOCKS;
use crate::personality::Personality;
use crate::store::BLOCK_BYTES;

/// Linux host byte DID_ERROR (libata rejecting a command, a bad buffer).
pub(super) const DID_ERROR: u16 = 0x07;

/// Bytes of a raw CD sector (READ CD with all header and EDC fields).
const RAW_SECTOR_BYTES: usize = 2352;

/// The sense libata synthesizes when it aborts a command itself (row 11):
/// ABORTED COMMAND, its own command-specific bytes 8-11.
pub(super) const LIBATA_ABORTED: Sense = Sense {
    command_specific: 0x0040_A002,
    ..sense::ABORTED_COMMAND
};

impl Recorder {
    /// Blocks of the disc as QEMU sees the data file (its length).
    fn qemu_blocks(&self) -> u64 {
        self.state.capacity
    }

    fn qemu_profile(&self) -> Profile {
        if self.qemu_blocks() <= QEMU_CD_MAX_BLOCKS {
            Profile::CdRom
        } else {
            Profile::DvdRom
        }
    }

    fn ide(&self) -> bool {
        self.personality == Personality::QemuIde
    }

    /// Sense as this drive reports it: IDE sense comes from QEMU's REQUEST
    /// SENSE, fetched by libata: response code F0h (VALID, information 0),
    /// ASCQ not set; the IDE drive remembers it for REQUEST SENSE (row 14).
    pub(super) fn qemu_sense(&mut self, sense: Sense) -> Sense {
        if !self.ide() {
            return sense;
        }
        self.last_sense = sense;
        Sense { ascq: 0, ..sense }.with_information(0)
    }

    /// Residual of a GOOD answer (row 11b): short replies report none;
    /// virtio-scsi reports nothing received when a READ's buffer is larger
    /// than the transfer, IDE reports all of it.
    pub(super) fn qemu_residual(&self, reply: &Reply, received: usize, buffer_len: usize) -> usize {
        match reply {
            Reply::Direct(_) if !self.ide() && received < buffer_len => buffer_len,
            _ => 0,
        }
    }

    /// The QEMU drives' answer to every command (the personality hook of the
    /// dispatcher); the CDB was read zero-padded, as QEMU reads it.
    pub(super) fn qemu_answer(
        &mut self,
        cdb_len: usize,
        command: &Result<Command, CdbError>,
        data: &mut DataDirection<'_>,
    ) -> Reply {
        let ide = self.ide();
        let command = match command {
            Ok(command) => *command,
            // libata turns away a 6-byte CDB of opcode FFh before the drive sees it
            // (a 10- or 12-byte one reaches the drive: QEMU-RECORD.txt, OPCODE_ff*).
            Err(CdbError::UnknownOpcode(0xFF)) if ide && cdb_len == 6 => return Reply::HostError,
            Err(_) => return Reply::Check(sense::INVALID_OPCODE),
        };
        match command {
            Command::TestUnitReady(_) | Command::StartStopUnit(_) => Reply::Good,
            Command::PreventAllowMediumRemoval(c) => {
                self.locked = c.prevent;
                Reply::Good
            }
            Command::RequestSense(c) => {
                let sense = if ide {
                    self.last_sense
                } else {
                    sense::NO_SENSE
                };
                let sense = self.qemu_sense(sense);
                Reply::Data(sense.to_fixed().to_vec(), usize::from(c.allocation_length))
            }
            Command::Inquiry(c) => self.qemu_inquiry(&c),
            Command::ReadCapacity(_) => {
                let capacity = CapacityData {
                    last_lba: u32::try_from(self.qemu_blocks().saturating_sub(1))
                        .unwrap_or(u32::MAX),
                    block_length: BLOCK_BYTES as u32,
                };
                Reply::Data(capacity.emit().to_vec(), CapacityData::LEN)
            }
            Command::Read10(Read10(rw)) => {
                self.qemu_read(u64::from(rw.lba), u64::from(rw.blocks), data)
            }
            Command::Read12(Read12(rw)) => {
                self.qemu_read(u64::from(rw.lba), u64::from(rw.blocks), data)
            }
            Command::Seek10(c) => {
                if u64::from(c.lba) >= self.qemu_blocks() {
                    Reply::Check(sense::LBA_OUT_OF_RANGE)
                } else {
                    Reply::Good
                }
            }
            Command::ReadToc(c) => self.qemu_read_toc(&c),
            Command::GetConfiguration(c) => self.qemu_configuration(&c),
            Command::GetEventStatusNotification(c) => {
                if !c.polled {
                    return Reply::Check(sense::INVALID_FIELD_IN_CDB);
                }
                // Media class: no change, media present; otherwise no event
                // available. QEMU's event descriptor length counts the bytes
                // after the 4-byte header (4, or 0 with NEA), where `mmc`'s
                // `MediaEventStatus` (and mmc.md §2.3) count n-2: kept as
                // QEMU-RECORD.txt has it.
                let mut b = vec![0u8, 0, 0x80, 0x10];
                if c.class_request & mmc::cdb::GetEventStatusNotification::MEDIA_CLASS != 0 {
                    b[2] = 0x04;
                    b.extend_from_slice(&[0x00, 0x02, 0x00, 0x00]);
                }
                let len = (b.len() - 4) as u16;
                b[..2].copy_from_slice(&len.to_be_bytes());
                Reply::Data(b, usize::from(c.allocation_length))
            }
            Command::ReadDiscInformation(c) => {
                if c.data_type != 0 {
                    return Reply::Check(sense::INVALID_FIELD_IN_CDB);
                }
                // A complete disc with one complete session of track 1, URU.
                let mut info = mmc::disc::DiscInformation::new(
                    mmc::disc::DiscStatus::Complete,
                    mmc::disc::SessionState::Complete,
                    false,
                );
                info.first_track_on_disc = 1;
                info.sessions = 1;
                info.first_track_in_last_session = 1;
                info.last_track_in_last_session = 1;
                info.uru = true;
                info.last_session_lead_in_start = 0;
                info.last_possible_lead_out_start = 0;
                Reply::Data(info.emit(), usize::from(c.allocation_length))
            }
            Command::ModeSense10(c) => self.qemu_mode_sense(&c),
            Command::ReadDiscStructure(c) => self.qemu_disc_structure(&c),
            Command::MechanismStatus(c) => Reply::Data(
                vec![0, 0, 0, 0, 0, 1, 0, 0],
                usize::from(c.allocation_length),
            ),
            Command::SetCdSpeed(_) if ide => Reply::Good,
            Command::ReadCd(c) if ide => self.qemu_read_cd(&c, data),
            Command::Write10(_) | Command::Write12(_) | Command::WriteAndVerify10(_) if !ide => {
                Reply::Check(sense::WRITE_PROTECTED)
            }
            Command::SynchronizeCache(_) | Command::FormatUnit(_) | Command::Verify10(_)
                if !ide =>
            {
                Reply::Good
            }
            Command::ModeSelect10(c) if !ide => {
                let given = match data {
                    DataDirection::ToDevice(bytes) => bytes.len(),
                    _ => 0,
                };
                let length = usize::from(c.parameter_list_length).min(given);
                if length <= mmc::mode::HEADER_LEN {
                    Reply::Good
                } else {
                    // No page of this drive can be changed.
                    Reply::Check(sense::INVALID_FIELD_IN_PARAMETERS)
                }
            }
            Command::ServiceActionIn16(c) if !ide && c.is_read_capacity() => {
                // READ CAPACITY(16); byte 14: thin provisioning enabled.
                let mut b = vec![0u8; 32];
                b[..8].copy_from_slice(&self.qemu_blocks().saturating_sub(1).to_be_bytes());
                b[8..12].copy_from_slice(&(BLOCK_BYTES as u32).to_be_bytes());
                b[14] = 0x80;
                Reply::Data(b, c.allocation_length as usize)
            }
            // READ CAPACITY(16) to the ATAPI drive: libata fails it (DID_ERROR).
            Command::ServiceActionIn16(_) => Reply::HostError,
            // READ CD (not supported by scsi-cd) without a data buffer: the
            // request fails on the host side (DID_ERROR) before any sense.
            Command::ReadCd(_) if matches!(data, DataDirection::None) => Reply::HostError,
            _ => Reply::Check(sense::INVALID_OPCODE),
        }
    }

    fn qemu_inquiry(&self, c: &Inquiry) -> Reply {
        let ide = self.ide();
        if c.evpd {
            // Vital product data: both drives list pages 00h and 83h; only
            // the list is emulated.
            return if c.page_code == 0 {
                Reply::Data(
                    vec![0x05, 0x00, 0x00, 0x02, 0x00, 0x83],
                    usize::from(c.allocation_length),
                )
            } else {
                Reply::Check(sense::INVALID_FIELD_IN_CDB)
            };
        }
        if !ide && c.page_code != 0 {
            return Reply::Check(sense::INVALID_FIELD_IN_CDB);
        }
        // IDE takes the allocation length from byte 4 only; SCSI from 3-4.
        let alloc = if ide {
            usize::from(c.allocation_length & 0xFF)
        } else {
            usize::from(c.allocation_length).min(256)
        };
        let mut b = vec![0u8; if ide { 36 } else { alloc.max(36) }];
        b[0] = 0x05; // CD/DVD device
        b[1] = 0x80; // removable
        b[2] = 0x05; // SPC-3
        if ide {
            b[3] = 0x32;
            b[4] = 31;
        } else {
            b[3] = 0x12; // format 2, HiSup
            b[4] = if alloc > 36 { (alloc - 5) as u8 } else { 31 };
            b[7] = 0x12;
        }
        let product = if ide { "QEMU DVD-ROM" } else { "QEMU CD-ROM" };
        for (at, width, text) in [(8, 8, "QEMU"), (16, 16, product), (32, 4, "2.5+")] {
            let field = &mut b[at..at + width];
            field.fill(b' ');
            field[..text.len()].copy_from_slice(text.as_bytes());
        }
        Reply::Data(b, alloc)
    }

    fn qemu_configuration(&self, c: &GetConfiguration) -> Reply {
        let current = self.qemu_profile();
        let profiles = mmc::config::ProfileList {
            profiles: [Profile::DvdRom, Profile::CdRom]
                .into_iter()
                .map(|profile| mmc::config::ProfileDescriptor {
                    profile,
                    current: profile == current,
                })
                .collect(),
        };
        use mmc::config::Feature;
        let profiles = profiles.to_data();
        let feature = |code: u16, version: u8, data: Vec<u8>| FeatureDescriptor {
            code,
            version,
            persistent: true,
            current: true,
            data,
        };
        // Rows 1-3: the request type is not looked at; the IDE drive knows
        // feature 0 only and refuses any other starting feature (5/24/00,
        // probed again with starting feature 1); SCSI ignores it too.
        if self.ide() && c.starting_feature != 0 {
            return Reply::Check(sense::INVALID_FIELD_IN_CDB);
        }
        let mut features = vec![feature(0x0000, 0, profiles)];
        if !self.ide() {
            // Core: physical interface 1 (SCSI), DBE; Removable Medium: tray,
            // load, eject, lock.
            features.push(feature(0x0001, 2, vec![0, 0, 0, 1, 1, 0, 0, 0]));
            features.push(feature(0x0003, 2, vec![0x39, 0, 0, 0]));
        }
        let alloc = usize::from(c.allocation_length);
        let alloc = if self.ide() { alloc.min(512) } else { alloc };
        Reply::Data(Configuration::new(current, features).emit(), alloc)
    }

    fn qemu_read(&mut self, lba: u64, count: u64, data: &mut DataDirection<'_>) -> Reply {
        let ide = self.ide();
        if count == 0 {
            // Row 11: libata aborts a data-in command that moves no data.
            return if ide { Reply::Aborted } else { Reply::Good };
        }
        let DataDirection::FromDevice(buf) = data else {
            return if ide {
                Reply::Aborted
            } else {
                Reply::HostError
            };
        };
        let need = count * BLOCK_BYTES;
        if (buf.len() as u64) < need {
            // Row 11a.
            return if ide {
                Reply::Aborted
            } else {
                Reply::HostError
            };
        }
        if lba
            .checked_add(count)
            .is_none_or(|end| end > self.qemu_blocks())
        {
            return Reply::Check(sense::LBA_OUT_OF_RANGE);
        }
        if self.read_fault(lba, count) {
            return Reply::Check(sense::UNRECOVERED_READ_ERROR);
        }
        if let Err(err) = self.files.read_blocks(lba, &mut buf[..need as usize]) {
            tracing::error!("{}: {err}", self.name);
            return Reply::Check(sense::UNRECOVERED_READ_ERROR);
        }
        Reply::Direct(need as usize)
    }

    /// READ CD (IDE only): user data (byte 9 = 10h) or whole 2352-byte
    /// sectors (F8h) with sync, header and zero EDC/ECC; 00h reads nothing.
    fn qemu_read_cd(&mut self, c: &ReadCd, data: &mut DataDirection<'_>) -> Reply {
        let lba = u64::from(c.lba);
        let count = u64::from(c.blocks);
        if count == 0 {
            return Reply::Good;
        }
        match c.main_channel & 0xF8 {
            0x00 => Reply::Good,
            ReadCd::USER_DATA => self.qemu_read(lba, count, data),
            ReadCd::RAW_SECTOR => {
                let DataDirection::FromDevice(buf) = data else {
                    return Reply::Aborted;
                };
                let need = count as usize * RAW_SECTOR_BYTES;
                if buf.len() < need {
                    return Reply::Aborted;
                }
                if lba
                    .checked_add(count)
                    .is_none_or(|end| end > self.qemu_blocks())
                {
                    return Reply::Check(sense::LBA_OUT_OF_RANGE);
                }
                let mut user = vec![0u8; BLOCK_BYTES as usize];
                for i in 0..count {
                    if let Err(err) = self.files.read_blocks(lba + i, &mut user) {
                        tracing::error!("{}: {err}", self.name);
                        return Reply::Check(sense::UNRECOVERED_READ_ERROR);
                    }
                    let sector = &mut buf[i as usize * RAW_SECTOR_BYTES..][..RAW_SECTOR_BYTES];
                    sector.fill(0);
                    sector[1..11].fill(0xFF); // sync pattern 00 FF*10 00
                    let at = Msf::from_lba(i32::try_from(lba + i).unwrap_or(i32::MAX));
                    sector[12..15].copy_from_slice(&[at.minute, at.second, at.frame]);
                    sector[15] = 1; // Mode 1
                    sector[16..16 + BLOCK_BYTES as usize].copy_from_slice(&user);
                }
                Reply::Direct(need)
            }
            _ => Reply::Check(sense::INVALID_FIELD_IN_CDB),
        }
    }

    /// READ TOC: IDE reads the format from byte 9 b7..b6 (SFF-8020) and
    /// ignores byte 2; SCSI reads byte 2 (rows 5-9).
    fn qemu_read_toc(&self, c: &ReadToc) -> Reply {
        let ide = self.ide();
        let format = if ide {
            c.sff8020_format()
        } else {
            u8::from(c.format)
        };
        let msf = c.msf;
        let start_track = c.track_session_number;
        let alloc = usize::from(c.allocation_length);
        let blocks = i32::try_from(self.qemu_blocks()).unwrap_or(i32::MAX);
        let address = |lba: i32| {
            if msf {
                Msf::from_lba(lba).to_field()
            } else {
                lba as u32
            }
        };
        match format {
            0 => {
                if start_track > 1 && start_track != mmc::toc::LEAD_OUT_TRACK {
                    return Reply::Check(sense::INVALID_FIELD_IN_CDB);
                }
                let mut tracks = Vec::new();
                if start_track <= 1 {
                    tracks.push(TocTrack {
                        adr: 1,
                        control: 4,
                        track_number: 1,
                        address: address(0),
                    });
                }
                tracks.push(TocTrack {
                    adr: 1,
                    control: 6,
                    track_number: mmc::toc::LEAD_OUT_TRACK,
                    address: address(blocks),
                });
                let toc = Toc {
                    first_track: 1,
                    last_track: 1,
                    tracks,
                };
                Reply::Data(toc.emit(), alloc)
            }
            1 => {
                // Both drives leave ADR/CONTROL and the track at 0 (QEMU-RECORD.txt:
                // TOC1 on virtio-scsi, TOC0_byte9_40 on IDE).
                let info = SessionInfo {
                    first_complete_session: 1,
                    last_complete_session: 1,
                    adr: 0,
                    control: 0,
                    first_track_in_last_session: 0,
                    last_session_start: 0,
                };
                Reply::Data(info.emit(), alloc)
            }
            2 => Reply::Data(qemu_raw_toc(blocks, msf), alloc),
            _ => Reply::Check(sense::INVALID_FIELD_IN_CDB),
        }
    }

    fn qemu_mode_sense(&self, c: &ModeSense10) -> Reply {
        let ide = self.ide();
        let pc = c.page_control;
        let page = c.page_code;
        let alloc = usize::from(c.allocation_length);
        if pc == PageControl::Saved {
            return Reply::Check(sense::SAVING_PARAMETERS_NOT_SUPPORTED);
        }
        let changeable = pc == PageControl::Changeable;
        let mut pages = Vec::new();
        if ide {
            // Current values of pages 01h, 0Eh, 2Ah only (hw/ide/atapi.c).
            if pc != PageControl::Current {
                return Reply::Check(sense::INVALID_FIELD_IN_CDB);
            }
            match page {
                0x01 => pages.extend_from_slice(&[0x01, 0x06, 0x00, 0x05, 0, 0, 0, 0]),
                0x0E => {
                    let mut p = vec![0u8; 16];
                    p[0] = 0x0E;
                    p[1] = 14;
                    pages.extend(p);
                }
                0x2A => pages.extend(self.qemu_page2a()),
                _ => return Reply::Check(sense::INVALID_FIELD_IN_CDB),
            }
        } else {
            let page_bytes = |code: u8| -> Option<Vec<u8>> {
                let mut p = match code {
                    0x01 => vec![0u8; 12],
                    0x08 => vec![0u8; 20],
                    0x0E => vec![0u8; 16],
                    0x2A => {
                        if changeable {
                            vec![0u8; 22]
                        } else {
                            return Some(self.qemu_page2a());
                        }
                    }
                    _ => return None,
                };
                p[0] = code;
                p[1] = (p.len() - 2) as u8;
                match code {
                    0x01 => {
                        p[2] = 0x80; // AWRE
                        if !changeable {
                            p[3] = 0x20; // read retry count
                        }
                    }
                    0x08 => p[2] = 0x04, // WCE
                    _ => {}
                }
                Some(p)
            };
            if page == 0x3F {
                for code in [0x01, 0x08, 0x0E, 0x2A] {
                    pages.extend(page_bytes(code).unwrap_or_default());
                }
            } else {
                match page_bytes(page) {
                    Some(p) => pages.extend(p),
                    None => return Reply::Check(sense::INVALID_FIELD_IN_CDB),
                }
            }
        }
        let mut b = vec![0u8; 8];
        if ide {
            b[2] = 0x70; // medium type: door closed, no disc type (SFF-8020)
        }
        b.extend(pages);
        let len = (b.len() - 2) as u16;
        b[..2].copy_from_slice(&len.to_be_bytes());
        Reply::Data(b, alloc)
    }

    /// Page 2Ah in the MMC-1 size (page length 14h, 22 bytes, no write bits).
    fn qemu_page2a(&self) -> Vec<u8> {
        let mut p = vec![0u8; 22];
        p[0] = 0x2A;
        p[1] = 0x14;
        p[2] = 0x3B; // reads CD-R, CD-RW, DVD-ROM, DVD-R, DVD-RAM
        let lock_state = if self.locked { 0x02 } else { 0 };
        if self.ide() {
            p[4] = 0x71;
            p[5] = 0x60;
            p[6] = 0x29 | lock_state; // tray, eject, lock
            p[8..10].copy_from_slice(&704u16.to_be_bytes()); // 4x
            p[10..12].copy_from_slice(&2u16.to_be_bytes()); // volume levels
            p[12..14].copy_from_slice(&512u16.to_be_bytes()); // buffer KiB
            p[14..16].copy_from_slice(&704u16.to_be_bytes());
        } else {
            p[4] = 0x7F;
            p[5] = 0xFF;
            p[6] = 0x2D | lock_state;
            p[8..10].copy_from_slice(&(50u16 * 176).to_be_bytes());
            p[10..12].copy_from_slice(&2u16.to_be_bytes());
            p[12..14].copy_from_slice(&2048u16.to_be_bytes());
            p[14..16].copy_from_slice(&(16u16 * 176).to_be_bytes());
            p[18..20].copy_from_slice(&(16u16 * 176).to_be_bytes());
            p[20..22].copy_from_slice(&(16u16 * 176).to_be_bytes());
        }
        p
    }

    /// READ DISC STRUCTURE (row 25): DVD-ROM physical format, copyright and
    /// manufacturing information, and the capability list; CD: 5/30/00.
    fn qemu_disc_structure(&self, c: &ReadDiscStructure) -> Reply {
        let format = c.format;
        let alloc = usize::from(c.allocation_length);
        if c.media_type != 0 {
            return Reply::Check(sense::INVALID_FIELD_IN_CDB);
        }
        if format != ReadDiscStructure::CAPABILITY_LIST && self.qemu_profile() == Profile::CdRom {
            return Reply::Check(sense::INCOMPATIBLE_MEDIUM);
        }
        let mut b = match format {
            0x00 => {
                if c.layer != 0 {
                    return Reply::Check(sense::INVALID_FIELD_IN_CDB);
                }
                let mut b = vec![0u8; 2048 + 4];
                b[4] = 0x01; // DVD-ROM, part version 1
                b[5] = 0x0F; // 120 mm, maximum rate unspecified
                b[6] = 0x01; // one layer, read-only
                let end = u32::try_from(self.qemu_blocks().saturating_sub(1)).unwrap_or(u32::MAX);
                b[12..16].copy_from_slice(&end.to_be_bytes());
                b[16..20].copy_from_slice(&end.to_be_bytes());
                b
            }
            0x01 => vec![0u8; 8],
            0x04 => vec![0u8; 2048 + 4],
            0xFF => {
                let mut b = vec![0u8; 4];
                for (code, size) in [(0u8, 2052u16), (1, 8), (3, 192), (4, 2052)] {
                    b.extend_from_slice(&[code, 0x40]);
                    b.extend_from_slice(&size.to_be_bytes());
                }
                b
            }
            _ => return Reply::Check(sense::INVALID_FIELD_IN_CDB),
        };
        let len = (b.len() - 2) as u16;
        b[..2].copy_from_slice(&len.to_be_bytes());
        Reply::Data(b, alloc)
    }
}

/// Raw TOC (format 2) of one session with one data track: A0, A1, A2 and
/// point 1, addresses as QEMU gives them (hw/block/cdrom.c).
fn qemu_raw_toc(blocks: i32, msf: bool) -> Vec<u8> {
    let mut b = vec![0u8, 0, 1, 1];
    let mut entry = |point: u8, pmin_field: [u8; 4]| {
        b.extend_from_slice(&[1, 0x14, 0, point, 0, 0, 0]);
        b.extend_from_slice(&pmin_field);
    };
    entry(0xA0, [0, 1, 0, 0]);
    entry(0xA1, [0, 1, 0, 0]);
    let field = |lba: i32| {
        if msf {
            Msf::from_lba(lba).to_field().to_be_bytes()
        } else {
            (lba as u32).to_be_bytes()
        }
    };
    entry(0xA2, field(blocks));
    entry(1, field(0));
    let len = (b.len() - 2) as u16;
    b[..2].copy_from_slice(&len.to_be_bytes());
    b
}
