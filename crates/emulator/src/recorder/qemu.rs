//! The QEMU drive personalities (see [`crate::personality`]): QEMU's ATAPI
//! CD/DVD-ROM behind Linux libata, and its virtio-scsi `scsi-cd`, answering
//! as probed from a Linux guest (QEMU-DRIVE.md; QEMU's hw/ide/atapi.c,
//! hw/scsi/scsi-disk.c and hw/block/cdrom.c for the byte layouts).

use mmc::config::{Configuration, FeatureDescriptor};
use mmc::inquiry::CapacityData;
use mmc::toc::{Msf, SessionInfo, Toc, TocTrack};
use mmc::{CommandOutcome, DataDirection, Profile, TransportError};

use super::{be16, be32, Recorder};
use crate::fault::Fault;
use crate::media::{profile, QEMU_CD_MAX_BLOCKS};
use crate::personality::Personality;
use crate::sense::{self, Sense};
use crate::store::BLOCK_BYTES;

/// Linux host byte DID_ERROR (libata rejecting a command, a bad buffer).
const DID_ERROR: u16 = 0x07;

/// Bytes of a raw CD sector (READ CD with all header and EDC fields).
const RAW_SECTOR_BYTES: usize = 2352;

/// What one command did, before it becomes a [`CommandOutcome`].
enum Answer {
    Good,
    /// Reply bytes and the allocation length of the CDB.
    Data(Vec<u8>, usize),
    /// A READ placed this many bytes in the buffer.
    Read(usize),
    Check(Sense),
    /// libata's synthesized ABORTED COMMAND (IDE only).
    Aborted,
    /// The host adapter failed the command: no status, no sense.
    HostError,
}

impl Recorder {
    /// Blocks of the disc as QEMU sees the data file (its length).
    fn qemu_blocks(&self) -> u64 {
        self.state.capacity
    }

    fn qemu_profile(&self) -> u16 {
        if self.qemu_blocks() <= QEMU_CD_MAX_BLOCKS {
            profile::CD_ROM
        } else {
            profile::DVD_ROM
        }
    }

    fn ide(&self) -> bool {
        self.personality == Personality::QemuIde
    }

    /// Fixed sense as this drive reports it: IDE sense comes from QEMU's
    /// REQUEST SENSE, fetched by libata: response code F0h, ASCQ not set.
    fn qemu_sense_bytes(&self, sense: Sense) -> Vec<u8> {
        let mut bytes = sense.to_bytes();
        if self.ide() {
            bytes[0] = 0xF0;
            bytes[13] = 0;
        }
        bytes
    }

    pub(super) fn execute_qemu(
        &mut self,
        cdb: &[u8],
        mut data: DataDirection<'_>,
    ) -> Result<CommandOutcome, TransportError> {
        let ide = self.ide();
        let buffer_len = match &data {
            DataDirection::FromDevice(buf) => buf.len(),
            _ => 0,
        };
        if let Some(limit) = self.transfer_limit() {
            if data.len() as u64 > limit * BLOCK_BYTES {
                // The kernel refuses the buffer before the drive sees it (EIO).
                return Err(TransportError::Os {
                    device: self.name.clone(),
                    source: std::io::Error::from_raw_os_error(5),
                });
            }
        }
        // Fields are read from a zero-padded copy; a short CDB is what it is.
        let mut c = [0u8; 16];
        let n = cdb.len().min(16);
        c[..n].copy_from_slice(&cdb[..n]);
        // libata turns away a 6-byte CDB of opcode FFh before the drive sees it
        // (a 10- or 12-byte one reaches the drive: QEMU-RECORD.txt, OPCODE_ff*).
        let answer = if ide && c[0] == 0xFF && cdb.len() == 6 {
            Answer::HostError
        } else {
            self.qemu_dispatch(&c, &mut data)
        };
        Ok(match answer {
            Answer::Good => CommandOutcome::good(0),
            Answer::Data(bytes, alloc) => {
                if let DataDirection::FromDevice(buf) = &mut data {
                    let n = bytes.len().min(alloc).min(buf.len());
                    buf[..n].copy_from_slice(&bytes[..n]);
                }
                // Row 11b: short replies report no residual.
                CommandOutcome::good(0)
            }
            Answer::Read(n) => {
                // Row 11b: virtio-scsi reports nothing received when the
                // buffer is larger than the transfer; IDE reports all of it.
                let residual = if !ide && n < buffer_len {
                    buffer_len
                } else {
                    0
                };
                CommandOutcome::good(residual)
            }
            Answer::Check(sense) => {
                tracing::debug!("{}: CDB {:02x?} -> {sense}", self.name, cdb);
                if ide {
                    self.last_sense = sense;
                }
                CommandOutcome::check_condition(self.qemu_sense_bytes(sense), buffer_len)
            }
            Answer::Aborted => {
                // Row 11: what libata synthesizes (0B/00/00, its own bytes 8-11).
                let mut bytes = vec![0u8; 18];
                bytes[0] = 0x70;
                bytes[2] = 0x0B;
                bytes[7] = 0x0A;
                bytes[9..12].copy_from_slice(&[0x40, 0xA0, 0x02]);
                CommandOutcome::check_condition(bytes, buffer_len)
            }
            Answer::HostError => {
                return Err(TransportError::Host {
                    device: self.name.clone(),
                    host_status: DID_ERROR,
                    driver_status: 0,
                })
            }
        })
    }

    fn qemu_dispatch(&mut self, c: &[u8; 16], data: &mut DataDirection<'_>) -> Answer {
        use super::op;
        let ide = self.ide();
        match c[0] {
            op::TEST_UNIT_READY | op::PREVENT_ALLOW_MEDIUM_REMOVAL | op::START_STOP_UNIT => {
                if c[0] == op::PREVENT_ALLOW_MEDIUM_REMOVAL {
                    self.locked = c[4] & 1 != 0;
                }
                Answer::Good
            }
            op::REQUEST_SENSE => {
                let sense = if ide {
                    self.last_sense
                } else {
                    sense::NO_SENSE
                };
                Answer::Data(self.qemu_sense_bytes(sense), usize::from(c[4]))
            }
            op::INQUIRY => self.qemu_inquiry(c),
            op::READ_CAPACITY => {
                let capacity = CapacityData {
                    last_lba: u32::try_from(self.qemu_blocks().saturating_sub(1))
                        .unwrap_or(u32::MAX),
                    block_length: BLOCK_BYTES as u32,
                };
                Answer::Data(capacity.emit().to_vec(), 8)
            }
            op::READ_10 => self.qemu_read(u64::from(be32(c, 2)), u64::from(be16(c, 7)), data),
            op::READ_12 => self.qemu_read(u64::from(be32(c, 2)), u64::from(be32(c, 6)), data),
            SEEK_10 => {
                if u64::from(be32(c, 2)) >= self.qemu_blocks() {
                    Answer::Check(sense::LBA_OUT_OF_RANGE)
                } else {
                    Answer::Good
                }
            }
            op::READ_TOC_PMA_ATIP => self.qemu_read_toc(c),
            op::GET_CONFIGURATION => self.qemu_configuration(c),
            op::GET_EVENT_STATUS_NOTIFICATION => {
                if c[1] & 0x01 == 0 {
                    return Answer::Check(sense::INVALID_FIELD_IN_CDB);
                }
                let mut b = vec![0u8, 0, 0x80, 0x10];
                if c[4] & 0x10 != 0 {
                    // Media class: no change, media present.
                    b[2] = 0x04;
                    b.extend_from_slice(&[0x00, 0x02, 0x00, 0x00]);
                }
                let len = (b.len() - 4) as u16;
                b[..2].copy_from_slice(&len.to_be_bytes());
                Answer::Data(b, usize::from(be16(c, 7)))
            }
            op::READ_DISC_INFORMATION => {
                if c[1] & 0x07 != 0 {
                    return Answer::Check(sense::INVALID_FIELD_IN_CDB);
                }
                let mut b = vec![0u8; 34];
                b[1] = 32;
                b[2] = 0x0E; // last session complete, disc complete
                b[3] = 1; // first track on disc
                b[4] = 1; // sessions
                b[5] = 1; // first track of the last session
                b[6] = 1; // last track of the last session
                b[7] = 0x20; // URU
                Answer::Data(b, usize::from(be16(c, 7)))
            }
            op::MODE_SENSE_10 => self.qemu_mode_sense(c),
            READ_DISC_STRUCTURE => self.qemu_disc_structure(c),
            MECHANISM_STATUS => Answer::Data(vec![0, 0, 0, 0, 0, 1, 0, 0], usize::from(be16(c, 8))),
            op::SET_CD_SPEED if ide => Answer::Good,
            op::READ_CD if ide => self.qemu_read_cd(c, data),
            op::WRITE_10 | op::WRITE_12 | WRITE_AND_VERIFY_10 if !ide => {
                Answer::Check(sense::WRITE_PROTECTED)
            }
            op::SYNCHRONIZE_CACHE | op::FORMAT_UNIT | VERIFY_10 if !ide => Answer::Good,
            op::MODE_SELECT_10 if !ide => {
                let given = match data {
                    DataDirection::ToDevice(bytes) => bytes.len(),
                    _ => 0,
                };
                let length = usize::from(be16(c, 7)).min(given);
                if length <= 8 {
                    Answer::Good
                } else {
                    // No page of this drive can be changed.
                    Answer::Check(sense::INVALID_FIELD_IN_PARAMETERS)
                }
            }
            SERVICE_ACTION_IN_16 if !ide && c[1] & 0x1F == 0x10 => {
                // READ CAPACITY(16); byte 14: thin provisioning enabled.
                let mut b = vec![0u8; 32];
                b[..8].copy_from_slice(&self.qemu_blocks().saturating_sub(1).to_be_bytes());
                b[8..12].copy_from_slice(&(BLOCK_BYTES as u32).to_be_bytes());
                b[14] = 0x80;
                Answer::Data(b, be32(c, 10) as usize)
            }
            // READ CAPACITY(16) to the ATAPI drive: libata fails it (DID_ERROR).
            SERVICE_ACTION_IN_16 => Answer::HostError,
            // READ CD (not supported by scsi-cd) without a data buffer: the
            // request fails on the host side (DID_ERROR) before any sense.
            op::READ_CD if matches!(data, DataDirection::None) => Answer::HostError,
            _ => Answer::Check(sense::INVALID_OPCODE),
        }
    }

    fn qemu_inquiry(&self, c: &[u8; 16]) -> Answer {
        let ide = self.ide();
        if c[1] & 0x01 != 0 {
            // Vital product data: both drives list pages 00h and 83h; only
            // the list is emulated.
            return if c[2] == 0 {
                Answer::Data(
                    vec![0x05, 0x00, 0x00, 0x02, 0x00, 0x83],
                    usize::from(be16(c, 3)),
                )
            } else {
                Answer::Check(sense::INVALID_FIELD_IN_CDB)
            };
        }
        if !ide && c[2] != 0 {
            return Answer::Check(sense::INVALID_FIELD_IN_CDB);
        }
        // IDE takes the allocation length from byte 4 only; SCSI from 3-4.
        let alloc = if ide {
            usize::from(c[4])
        } else {
            usize::from(be16(c, 3)).min(256)
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
        Answer::Data(b, alloc)
    }

    fn qemu_configuration(&self, c: &[u8; 16]) -> Answer {
        let current = self.qemu_profile();
        let profiles = [profile::DVD_ROM, profile::CD_ROM]
            .iter()
            .flat_map(|&p| {
                let [hi, lo] = p.to_be_bytes();
                [hi, lo, u8::from(p == current), 0]
            })
            .collect();
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
        if self.ide() && be16(c, 2) != 0 {
            return Answer::Check(sense::INVALID_FIELD_IN_CDB);
        }
        let mut features = vec![feature(0x0000, 0, profiles)];
        if !self.ide() {
            // Core: physical interface 1 (SCSI), DBE; Removable Medium: tray,
            // load, eject, lock.
            features.push(feature(0x0001, 2, vec![0, 0, 0, 1, 1, 0, 0, 0]));
            features.push(feature(0x0003, 2, vec![0x39, 0, 0, 0]));
        }
        let alloc = usize::from(be16(c, 7));
        let alloc = if self.ide() { alloc.min(512) } else { alloc };
        Answer::Data(
            Configuration::new(Profile::from(current), features).emit(),
            alloc,
        )
    }

    fn qemu_read(&mut self, lba: u64, count: u64, data: &mut DataDirection<'_>) -> Answer {
        let ide = self.ide();
        if count == 0 {
            // Row 11: libata aborts a data-in command that moves no data.
            return if ide { Answer::Aborted } else { Answer::Good };
        }
        let DataDirection::FromDevice(buf) = data else {
            return if ide {
                Answer::Aborted
            } else {
                Answer::HostError
            };
        };
        let need = count * BLOCK_BYTES;
        if (buf.len() as u64) < need {
            // Row 11a.
            return if ide {
                Answer::Aborted
            } else {
                Answer::HostError
            };
        }
        if lba
            .checked_add(count)
            .is_none_or(|end| end > self.qemu_blocks())
        {
            return Answer::Check(sense::LBA_OUT_OF_RANGE);
        }
        let bad = self.faults.iter().any(|armed| {
            matches!(armed.fault, Fault::ReadError { lba: bad } if bad >= lba && bad < lba + count)
        });
        if bad {
            return Answer::Check(sense::UNRECOVERED_READ_ERROR);
        }
        if let Err(err) = self.files.read_blocks(lba, &mut buf[..need as usize]) {
            tracing::error!("{}: {err}", self.name);
            return Answer::Check(sense::UNRECOVERED_READ_ERROR);
        }
        Answer::Read(need as usize)
    }

    /// READ CD (IDE only): user data (byte 9 = 10h) or whole 2352-byte
    /// sectors (F8h) with sync, header and zero EDC/ECC; 00h reads nothing.
    fn qemu_read_cd(&mut self, c: &[u8; 16], data: &mut DataDirection<'_>) -> Answer {
        let lba = u64::from(be32(c, 2));
        let count = u64::from(u32::from_be_bytes([0, c[6], c[7], c[8]]));
        if count == 0 {
            return Answer::Good;
        }
        match c[9] & 0xF8 {
            0x00 => Answer::Good,
            0x10 => self.qemu_read(lba, count, data),
            0xF8 => {
                let DataDirection::FromDevice(buf) = data else {
                    return Answer::Aborted;
                };
                let need = count as usize * RAW_SECTOR_BYTES;
                if buf.len() < need {
                    return Answer::Aborted;
                }
                if lba
                    .checked_add(count)
                    .is_none_or(|end| end > self.qemu_blocks())
                {
                    return Answer::Check(sense::LBA_OUT_OF_RANGE);
                }
                let mut user = vec![0u8; BLOCK_BYTES as usize];
                for i in 0..count {
                    if let Err(err) = self.files.read_blocks(lba + i, &mut user) {
                        tracing::error!("{}: {err}", self.name);
                        return Answer::Check(sense::UNRECOVERED_READ_ERROR);
                    }
                    let sector = &mut buf[i as usize * RAW_SECTOR_BYTES..][..RAW_SECTOR_BYTES];
                    sector.fill(0);
                    sector[1..11].fill(0xFF); // sync pattern 00 FF*10 00
                    let at = Msf::from_lba(i32::try_from(lba + i).unwrap_or(i32::MAX));
                    sector[12..15].copy_from_slice(&[at.minute, at.second, at.frame]);
                    sector[15] = 1; // Mode 1
                    sector[16..16 + BLOCK_BYTES as usize].copy_from_slice(&user);
                }
                Answer::Read(need)
            }
            _ => Answer::Check(sense::INVALID_FIELD_IN_CDB),
        }
    }

    /// READ TOC: IDE reads the format from byte 9 b7..b6 (SFF-8020) and
    /// ignores byte 2; SCSI reads byte 2 (rows 5-9).
    fn qemu_read_toc(&self, c: &[u8; 16]) -> Answer {
        let ide = self.ide();
        let format = if ide { c[9] >> 6 } else { c[2] & 0x0F };
        let msf = c[1] & 0x02 != 0;
        let start_track = c[6];
        let alloc = usize::from(be16(c, 7));
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
                    return Answer::Check(sense::INVALID_FIELD_IN_CDB);
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
                Answer::Data(toc.emit(), alloc)
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
                Answer::Data(info.emit(), alloc)
            }
            2 => Answer::Data(qemu_raw_toc(blocks, msf), alloc),
            _ => Answer::Check(sense::INVALID_FIELD_IN_CDB),
        }
    }

    fn qemu_mode_sense(&self, c: &[u8; 16]) -> Answer {
        let ide = self.ide();
        let pc = c[2] >> 6;
        let page = c[2] & 0x3F;
        let alloc = usize::from(be16(c, 7));
        if pc == 0b11 {
            return Answer::Check(Sense::new(0x5, 0x39, 0x00));
        }
        let changeable = pc == 0b01;
        let mut pages = Vec::new();
        if ide {
            // Current values of pages 01h, 0Eh, 2Ah only (hw/ide/atapi.c).
            if pc != 0 {
                return Answer::Check(sense::INVALID_FIELD_IN_CDB);
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
                _ => return Answer::Check(sense::INVALID_FIELD_IN_CDB),
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
                    None => return Answer::Check(sense::INVALID_FIELD_IN_CDB),
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
        Answer::Data(b, alloc)
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
    fn qemu_disc_structure(&self, c: &[u8; 16]) -> Answer {
        let format = c[7];
        let alloc = usize::from(be16(c, 8));
        if c[1] != 0 {
            return Answer::Check(sense::INVALID_FIELD_IN_CDB);
        }
        if format != 0xFF && self.qemu_profile() == profile::CD_ROM {
            return Answer::Check(sense::INCOMPATIBLE_MEDIUM);
        }
        let mut b = match format {
            0x00 => {
                if c[6] != 0 {
                    return Answer::Check(sense::INVALID_FIELD_IN_CDB);
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
            _ => return Answer::Check(sense::INVALID_FIELD_IN_CDB),
        };
        let len = (b.len() - 2) as u16;
        b[..2].copy_from_slice(&len.to_be_bytes());
        Answer::Data(b, alloc)
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

/// Opcodes only the QEMU drives answer.
const SEEK_10: u8 = 0x2B;
const WRITE_AND_VERIFY_10: u8 = 0x2E;
const VERIFY_10: u8 = 0x2F;
const SERVICE_ACTION_IN_16: u8 = 0x9E;
const READ_DISC_STRUCTURE: u8 = 0xAD;
const MECHANISM_STATUS: u8 = 0xBD;
