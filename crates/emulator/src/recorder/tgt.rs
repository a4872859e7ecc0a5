//! The `tgt` personality (see [`crate::personality`]): Linux's SCSI target daemon
//! emulating a DVD+R burner (tgt 1.0.85, usr/mmc.c and the "mmc" backing store's
//! opcode list), as reached from a guest through QEMU's iSCSI passthrough
//! (`/work/shared/reference/tgt-recorder.md` §1-3 for every byte below).
//!
//! tgt's state lives in its memory: the medium opens as a blank DVD+R when nothing
//! was ever written to it and as a finalised DVD-ROM otherwise; any CLOSE TRACK/SESSION,
//! and a WRITE that ends at LBA 0 (a zero-length WRITE at 0: tgt compares the end with
//! a RESERVE TRACK length that is always 0), turn the DVD+R into a DVD-ROM for good.
//! Its quirks, each reproduced here:
//!
//! - no write-address check: a WRITE lands at any LBA, holes stay zeros, and READ
//!   TRACK INFORMATION says NWA 0 and the whole disc free forever;
//! - READ on the DVD+R profile: 05/21/00, even for written blocks; on the DVD-ROM
//!   past the end: 03/11/00, and the disc's size (READ CAPACITY) grows to the LBA read;
//! - RESERVE TRACK and GET EVENT STATUS NOTIFICATION: 05/20/00;
//! - invalid fields (READ TOC track or format, READ TRACK INFORMATION track 0 or
//!   address type 2-3): NOT READY 02/24/00;
//! - READ TOC sends its data-length field's worth of bytes: 2 short (the lead-out's
//!   address is cut off in format 0);
//! - READ DISC INFORMATION fills the whole allocation length: 34 bytes, then junk;
//! - no unit attention, ever (no media-change event after a burn).
//!
//! What a write lands in: the medium's data file at LBA × 2048. A write at the
//! medium's own next writable address is recorded in its state too, so `emu show`
//! and the next open see the data; the others only reach the file, as with tgt.

use mmc::{CommandOutcome, DataDirection, TransportError};

use mmc::cdb::opcode as op;
use mmc::sense::codes as sense;
use mmc::{Profile, Sense, SenseKey};

use super::Recorder;
use crate::store::BLOCK_BYTES;

// tgt reads fields from the raw CDB as usr/mmc.c does (a short CDB reads as
// zeros), so this personality decodes bytes rather than `mmc::Command`: the
// opcodes, sense codes and profiles are still `mmc`'s.
fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// tgt's answers for a DVD+R: the last possible lead-out start and the free blocks of
/// the one track (2 295 104, a 4.7 GB disc).
const TGT_DVD_PLUS_R_BLOCKS: u32 = 0x0023_0540;

/// What READ DISC INFORMATION leaves after its 34 bytes: whatever tgt's buffer held
/// (seen: `a5 59 05 00 00 00 70 …`).
const JUNK: [u8; 8] = [0xA5, 0x59, 0x05, 0x00, 0x00, 0x00, 0x70, 0x3C];

/// 02/24/00: tgt's "invalid field in CDB" under the NOT READY key.
const NOT_READY_INVALID_FIELD: Sense = Sense::new(SenseKey::NotReady, 0x24, 0x00);
/// 05/30/05 CANNOT WRITE MEDIUM – INCOMPATIBLE FORMAT; 05/30/02 for READ BUFFER CAPACITY.
const CANNOT_WRITE_INCOMPATIBLE: Sense = Sense::new(SenseKey::IllegalRequest, 0x30, 0x05);
const CANNOT_READ_INCOMPATIBLE: Sense = Sense::new(SenseKey::IllegalRequest, 0x30, 0x02);

const REPORT_LUNS: u8 = 0xA0;

/// tgt's view of the medium (its `mmc_info` and `dev->size`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TgtState {
    /// The DVD-ROM profile (finalised); else a blank DVD+R.
    pub rom: bool,
    /// The disc's size in blocks: the data file's as tgt grows it.
    pub blocks: u64,
    /// START STOP UNIT ejected the disc (LoEj, !Start).
    pub offline: bool,
}

/// One answer before it becomes a [`CommandOutcome`].
enum Answer {
    Good,
    /// Bytes tgt sends, with the allocation length; the transfer is the shorter.
    Data(Vec<u8>, usize),
    /// A READ of this many bytes, straight into the buffer.
    Read(usize),
    Check(Sense),
}

impl TgtState {
    /// What tgt decides when the LU comes online: an empty file is a blank DVD+R,
    /// anything else a DVD-ROM of the file's size.
    pub fn online(recorded_blocks: u64) -> TgtState {
        TgtState {
            rom: recorded_blocks > 0,
            blocks: recorded_blocks,
            offline: false,
        }
    }

    fn profile(&self) -> Profile {
        if self.rom {
            Profile::DvdRom
        } else {
            Profile::DvdPlusR
        }
    }
}

impl Recorder {
    pub(super) fn execute_tgt(
        &mut self,
        cdb: &[u8],
        mut data: DataDirection<'_>,
    ) -> Result<CommandOutcome, TransportError> {
        let buffer_len = match &data {
            DataDirection::FromDevice(buf) => buf.len(),
            _ => 0,
        };
        if let Some(limit) = self.transfer_limit() {
            if data.len() as u64 > limit * BLOCK_BYTES {
                // The guest's kernel refuses the buffer before tgt sees it.
                return Err(TransportError::Os {
                    device: self.name.clone(),
                    source: std::io::Error::from_raw_os_error(22),
                });
            }
        }
        let mut c = [0u8; 16];
        let n = cdb.len().min(16);
        c[..n].copy_from_slice(&cdb[..n]);
        let answer = self.tgt_dispatch(&c, &mut data);
        Ok(match answer {
            Answer::Good => CommandOutcome::good(buffer_len),
            Answer::Data(bytes, alloc) => {
                let mut sent = 0;
                if let DataDirection::FromDevice(buf) = &mut data {
                    sent = bytes.len().min(alloc).min(buf.len());
                    buf[..sent].copy_from_slice(&bytes[..sent]);
                }
                CommandOutcome::good(buffer_len - sent)
            }
            Answer::Read(n) => CommandOutcome::good(buffer_len.saturating_sub(n)),
            Answer::Check(sense) => {
                tracing::debug!("{} (tgt): CDB {:02x?} -> {sense}", self.name, cdb);
                CommandOutcome::check_condition(sense.to_fixed().to_vec(), buffer_len)
            }
        })
    }

    fn tgt_dispatch(&mut self, c: &[u8; 16], data: &mut DataDirection<'_>) -> Answer {
        let offline = self.tgt.offline;
        match c[0] {
            op::TEST_UNIT_READY if offline => Answer::Check(sense::NOT_READY_NO_MEDIUM),
            op::TEST_UNIT_READY | op::PREVENT_ALLOW_MEDIUM_REMOVAL | op::VERIFY_10 => Answer::Good,
            op::REQUEST_SENSE => {
                Answer::Data(sense::NO_SENSE.to_fixed().to_vec(), usize::from(c[4]))
            }
            op::INQUIRY => tgt_inquiry(c),
            REPORT_LUNS => Answer::Data(
                vec![0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0],
                be32(c, 6) as usize,
            ),
            op::START_STOP_UNIT => {
                // LoEj: Start=0 takes the LU offline, Start=1 brings it back; the
                // profile is not looked at again.
                if c[4] & 0x02 != 0 {
                    self.tgt.offline = c[4] & 0x01 == 0;
                }
                Answer::Good
            }
            _ if offline => Answer::Check(sense::NOT_READY_NO_MEDIUM),
            op::READ_CAPACITY => {
                let last = u32::try_from(self.tgt.blocks.saturating_sub(1)).unwrap_or(u32::MAX);
                let mut b = last.to_be_bytes().to_vec();
                b.extend_from_slice(&(BLOCK_BYTES as u32).to_be_bytes());
                Answer::Data(b, 8)
            }
            op::READ_10 => self.tgt_read(be32(c, 2), u64::from(be16(c, 7)), data),
            op::READ_12 => self.tgt_read(be32(c, 2), u64::from(be32(c, 6)), data),
            op::WRITE_10 => self.tgt_write(be32(c, 2), u64::from(be16(c, 7)), data),
            op::WRITE_12 => self.tgt_write(be32(c, 2), u64::from(be32(c, 6)), data),
            op::SYNCHRONIZE_CACHE => {
                if self.dirty {
                    if let Err(sense) = self.persist() {
                        return Answer::Check(sense);
                    }
                }
                Answer::Good
            }
            op::READ_TOC_PMA_ATIP => self.tgt_read_toc(c),
            op::GET_CONFIGURATION => self.tgt_configuration(c),
            op::READ_DISC_INFORMATION => self.tgt_disc_information(c),
            op::READ_TRACK_INFORMATION => self.tgt_track_information(c),
            op::CLOSE_TRACK_SESSION => {
                // Any function, track and Immed: the disc is finalised at once.
                self.tgt.rom = true;
                Answer::Good
            }
            op::READ_BUFFER_CAPACITY => {
                if self.tgt.rom {
                    return Answer::Check(CANNOT_READ_INCOMPATIBLE);
                }
                // 4096 blocks, always half free; in bytes unless BLOCK.
                let total: u32 = if c[1] & 0x01 != 0 {
                    0x1000
                } else {
                    0x1000 << 11
                };
                let mut b = vec![0, 0x0A, 0, 0];
                b.extend_from_slice(&total.to_be_bytes());
                b.extend_from_slice(&(total / 2).to_be_bytes());
                Answer::Data(b, usize::from(be16(c, 7)))
            }
            op::MODE_SELECT_10 | op::SET_STREAMING | op::SET_CD_SPEED => Answer::Good,
            op::MODE_SENSE_10 => tgt_mode_sense(c),
            // Everything else, RESERVE TRACK and GET EVENT STATUS NOTIFICATION
            // included (RESERVE TRACK has a handler, but the backing store's
            // opcode list leaves it out).
            _ => Answer::Check(sense::INVALID_OPCODE),
        }
    }

    /// `mmc_rw` for reads: the size grows first, whatever happens next.
    fn tgt_read(&mut self, lba: u32, count: u64, data: &mut DataDirection<'_>) -> Answer {
        if !self.tgt.rom {
            return Answer::Check(sense::LBA_OUT_OF_RANGE);
        }
        let (lba, recorded) = (u64::from(lba), self.tgt.blocks);
        self.tgt.blocks = self.tgt.blocks.max(lba + count);
        let DataDirection::FromDevice(buf) = data else {
            return Answer::Good;
        };
        let bytes = (count * BLOCK_BYTES) as usize;
        if buf.len() < bytes {
            return Answer::Check(sense::INVALID_FIELD_IN_CDB);
        }
        // pread past the end of the file: a short read, MEDIUM ERROR.
        if lba + count > recorded {
            return Answer::Check(sense::UNRECOVERED_READ_ERROR);
        }
        if let Err(err) = self.files.read_blocks(lba, &mut buf[..bytes]) {
            tracing::error!("{}: {err}", self.name);
            return Answer::Check(sense::UNRECOVERED_READ_ERROR);
        }
        Answer::Read(bytes)
    }

    /// `mmc_rw` for writes: any LBA on the DVD+R; a write ending at LBA 0
    /// (RESERVE TRACK's length, never set) finalises the disc.
    fn tgt_write(&mut self, lba: u32, count: u64, data: &mut DataDirection<'_>) -> Answer {
        if self.tgt.rom {
            return Answer::Check(CANNOT_WRITE_INCOMPATIBLE);
        }
        let lba = u64::from(lba);
        let bytes = (count * BLOCK_BYTES) as usize;
        let given = match data {
            DataDirection::ToDevice(given) if given.len() >= bytes => &given[..bytes],
            _ if count == 0 => &[][..],
            _ => return Answer::Check(sense::INVALID_FIELD_IN_CDB),
        };
        if count > 0 {
            if let Err(err) = self.files.write_blocks(lba, given) {
                tracing::error!("{}: {err}", self.name);
                return Answer::Check(sense::WRITE_ERROR);
            }
            // At the medium's next writable address the emulated state follows.
            let params = self.write_params();
            if let Ok(target) = self.state.check_write(lba, count, &params) {
                self.state.apply_write(target, count, &params);
            }
            self.dirty = true;
        }
        self.tgt.blocks = self.tgt.blocks.max(lba + count);
        if lba + count == 0 {
            self.tgt.rom = true;
        }
        Answer::Good
    }

    fn tgt_read_toc(&self, c: &[u8; 16]) -> Answer {
        let msf = c[1] & 0x02 != 0;
        let mut b = vec![0u8; 20];
        b[2] = 1;
        b[3] = 1;
        b[5] = 0x14; // ADR 1, CONTROL 4
        b[6] = 1;
        if msf {
            b[10] = 2; // 00:00:02:00
        }
        match c[2] & 0x0F {
            0 => {
                if c[6] > 1 {
                    return Answer::Check(NOT_READY_INVALID_FIELD);
                }
                b[1] = 0x12;
                b[13] = 0x14;
                b[14] = 0xAA;
                let leadout = if msf {
                    0x00FF_3B4A
                } else {
                    u32::try_from(self.tgt.blocks).unwrap_or(u32::MAX)
                };
                b[16..20].copy_from_slice(&leadout.to_be_bytes());
            }
            1 => b[1] = 0x0A,
            _ => return Answer::Check(NOT_READY_INVALID_FIELD),
        }
        // The transfer is the data-length field, not the field + 2.
        let sent = usize::from(b[1]);
        b.truncate(sent);
        Answer::Data(b, usize::from(be16(c, 7)))
    }

    fn tgt_configuration(&self, c: &[u8; 16]) -> Answer {
        let (rom, plus_r) = (self.tgt.rom, !self.tgt.rom);
        let rt = c[1] & 0x03;
        let start = be16(c, 2);
        // (code, current, version byte without the current bit, data); the
        // "always current" ones carry 03h.
        let always = |code: u16, data: Vec<u8>| (code, true, 0x03u8, data);
        let serial = *b"beaf11\0\0";
        let features: Vec<(u16, bool, u8, Vec<u8>)> = vec![
            always(
                0x0000,
                vec![
                    0x00,
                    0x10,
                    u8::from(rom),
                    0,
                    0x00,
                    0x1B,
                    u8::from(plus_r),
                    0,
                ],
            ),
            always(0x0001, vec![0, 0, 0, 2]),
            always(0x0002, vec![0, 0, 0, 0]),
            always(0x0003, vec![0x29, 0, 0, 0]),
            (0x0010, rom, 0x00, vec![0, 0, 8, 0, 0, 0x10, 0x01, 0]),
            (0x001D, true, 0x00, vec![]),
            (0x001F, rom, 0x00, vec![]),
            (0x002B, plus_r, 0x00, vec![0x01, 0, 0, 0]),
            always(0x0100, vec![]),
            always(0x0105, vec![]),
            (0x0107, rom, 0x0C, vec![0x1F, 0, 0, 0]),
            always(0x0108, serial.to_vec()),
            (0x010A, plus_r, 0x00, b"FDC\0SDC\0TOC\0".to_vec()),
        ];
        let mut b = vec![0u8; 8];
        b[6..8].copy_from_slice(&u16::from(self.tgt.profile()).to_be_bytes());
        for (code, current, version, body) in features {
            if code < start || (rt == 2 && code != start) {
                continue;
            }
            // Multi-Read is "current" to the RT=1 filter but flags neither bit.
            let flags = if code == 0x001D {
                0
            } else {
                version | u8::from(current && version & 0x01 == 0)
            };
            if rt == 1 && !current {
                continue;
            }
            b.extend_from_slice(&code.to_be_bytes());
            b.push(flags);
            b.push(body.len() as u8);
            b.extend_from_slice(&body);
        }
        let length = (b.len() - 4) as u32;
        b[..4].copy_from_slice(&length.to_be_bytes());
        // The rest of the buffer is zeros and no residual is reported.
        let alloc = usize::from(be16(c, 7));
        b.resize(b.len().max(alloc.min(1024)), 0);
        Answer::Data(b, alloc)
    }

    fn tgt_disc_information(&self, c: &[u8; 16]) -> Answer {
        let mut b = vec![0u8; 34];
        b[1] = 0x20;
        b[3] = 1; // first track
        b[4] = 1; // sessions
        b[5] = 1; // first track of the last session
        b[6] = 1; // last track of the last session
        if self.tgt.rom {
            b[2] = 0x0E; // last session complete, disc finalised
        } else {
            b[7] = 0x10; // DAC_V
            b[20..24].copy_from_slice(&TGT_DVD_PLUS_R_BLOCKS.to_be_bytes());
        }
        // tgt copies 34 bytes and reports the whole allocation length sent.
        let alloc = usize::from(be16(c, 7));
        while b.len() < alloc {
            b.push(JUNK[b.len() % JUNK.len()]);
        }
        Answer::Data(b, alloc)
    }

    fn tgt_track_information(&self, c: &[u8; 16]) -> Answer {
        let (kind, address) = (c[1] & 0x03, be32(c, 2));
        if kind > 1 || (kind == 1 && address == 0) || (self.tgt.rom && kind == 1 && address != 1) {
            return Answer::Check(NOT_READY_INVALID_FIELD);
        }
        let mut b = vec![0u8; 2];
        b.extend_from_slice(&[1, 1, 0]); // track 1, session 1
        if self.tgt.rom {
            let size = u32::try_from(self.tgt.blocks).unwrap_or(u32::MAX);
            b.extend_from_slice(&[0x04, 0x01, 0x02]); // data mode 1, LRA_V
            b.extend_from_slice(&[0; 12]); // start, NWA, free blocks
            b.extend_from_slice(&16u32.to_be_bytes()); // blocking factor
            b.extend_from_slice(&size.to_be_bytes());
            b.extend_from_slice(&size.wrapping_sub(1).to_be_bytes());
            b.extend_from_slice(&[0; 4]);
        } else {
            b.extend_from_slice(&[0x07, 0x41, 0x01]); // blank, data mode 1, NWA_V
            b.extend_from_slice(&[0; 8]); // start 0, NWA 0: never updated
            b.extend_from_slice(&TGT_DVD_PLUS_R_BLOCKS.to_be_bytes()); // free
            b.extend_from_slice(&16u32.to_be_bytes());
            b.extend_from_slice(&TGT_DVD_PLUS_R_BLOCKS.to_be_bytes()); // size
            b.extend_from_slice(&[0; 8]); // LRA, MSBs, reserved
            b.extend_from_slice(&0x0004_0D0Eu32.to_be_bytes()); // read compatibility LBA
        }
        let length = (b.len() - 2) as u16;
        b[..2].copy_from_slice(&length.to_be_bytes());
        Answer::Data(b, usize::from(be16(c, 7)))
    }
}

fn tgt_inquiry(c: &[u8; 16]) -> Answer {
    let alloc = usize::from(be16(c, 3));
    if c[1] & 0x01 != 0 {
        return match c[2] {
            0x00 => Answer::Data(vec![0x05, 0x00, 0x00, 0x02, 0x00, 0x80], alloc),
            0x80 => {
                let mut b = vec![0x05, 0x80, 0x00, 0x08];
                b.extend_from_slice(b"beaf11\0\0");
                Answer::Data(b, alloc)
            }
            _ => Answer::Check(sense::INVALID_FIELD_IN_CDB),
        };
    }
    let mut b = vec![0u8; 66];
    b[..8].copy_from_slice(&[0x05, 0x80, 0x05, 0x12, 0x3D, 0x00, 0x00, 0x02]);
    b[8..16].copy_from_slice(b"IET     ");
    b[16..32].copy_from_slice(b"VIRTUAL-CDROM   ");
    b[32..36].copy_from_slice(b"0001");
    // Version descriptors: MMC-3, iSCSI, SPC-3.
    for (i, descriptor) in [0x02A0u16, 0x0960, 0x0300].iter().enumerate() {
        b[58 + 2 * i..60 + 2 * i].copy_from_slice(&descriptor.to_be_bytes());
    }
    Answer::Data(b, alloc)
}

/// MODE SENSE(10) with DBD forced: page 05h (constant) and 2Ah; the other pages
/// tgt keeps are not emulated (discburn reads none of them from a DVD+R).
fn tgt_mode_sense(c: &[u8; 16]) -> Answer {
    let page: Vec<u8> = match c[2] & 0x3F {
        0x05 => {
            let mut p = vec![0u8; 0x34];
            p[..16].copy_from_slice(&[
                0x05, 0x32, 0x62, 0x05, 0x08, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0x96,
            ]);
            p
        }
        0x2A => {
            let mut p = vec![0u8; 0x40];
            p[0] = 0x2A;
            p[1] = 0x3E;
            p[2] = 0x3F; // reads CD-R/RW, DVD-ROM/R/RAM...
            p[3] = 0x37; // ...and writes CD-R/RW, DVD-R, DVD-RAM, test write
            p[4] = 0x41; // multisession, BUF
            p
        }
        _ => return Answer::Check(sense::INVALID_FIELD_IN_CDB),
    };
    let mut b = vec![0u8; 8];
    b.extend_from_slice(&page);
    let length = (b.len() - 2) as u16;
    b[..2].copy_from_slice(&length.to_be_bytes());
    Answer::Data(b, usize::from(be16(c, 7)))
}
