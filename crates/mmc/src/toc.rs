//! READ TOC/PMA/ATIP answers (MMC-5 6.26; mmc.md §2.7): format 0 (TOC),
//! 1 (session info), 2 (full TOC) and 4 (ATIP), plus CD MSF addresses.

use crate::bytes::{be16, be32, bit, flag, put16, put32};
use crate::ParseError;

/// A CD address as minutes/seconds/frames (75 frames per second).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Msf {
    pub minute: u8,
    pub second: u8,
    pub frame: u8,
}

impl Msf {
    pub fn new(minute: u8, second: u8, frame: u8) -> Msf {
        Msf {
            minute,
            second,
            frame,
        }
    }

    /// LBA of this address: `(m*60+s)*75+f-150`, or `-450150` more when m >= 90
    /// (lead-in addresses; mmc.md conventions).
    pub fn to_lba(self) -> i32 {
        let raw =
            (i32::from(self.minute) * 60 + i32::from(self.second)) * 75 + i32::from(self.frame);
        if self.minute >= 90 {
            raw - 450_150
        } else {
            raw - 150
        }
    }

    /// The address of an LBA (negative LBAs down to the lead-in map to m >= 90).
    pub fn from_lba(lba: i32) -> Msf {
        let frames = if lba >= -150 {
            lba + 150
        } else {
            lba + 450_150
        };
        let frames = frames.max(0) as u32;
        Msf {
            minute: (frames / (60 * 75)).min(255) as u8,
            second: ((frames / 75) % 60) as u8,
            frame: (frames % 75) as u8,
        }
    }

    /// Reads `00 M S F` from a 4-byte address field.
    pub fn from_field(b: [u8; 4]) -> Msf {
        Msf {
            minute: b[1],
            second: b[2],
            frame: b[3],
        }
    }

    /// The `00 M S F` 4-byte form.
    pub fn to_field(self) -> u32 {
        u32::from_be_bytes([0, self.minute, self.second, self.frame])
    }
}

/// Q sub-channel CONTROL bit 2: data track (mmc.md §2.7).
pub const CONTROL_DATA: u8 = 0x04;
/// CONTROL bit 0: recorded incrementally.
pub const CONTROL_INCREMENTAL: u8 = 0x01;
/// Track number of the lead-out entry in format 0.
pub const LEAD_OUT_TRACK: u8 = 0xAA;

/// Format 0 descriptor: 1 ADR<<4 | CONTROL, 2 track number (AAh lead-out), 4-7 start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TocTrack {
    pub adr: u8,
    pub control: u8,
    pub track_number: u8,
    /// LBA, or `00 M S F` when the CDB asked for MSF.
    pub address: u32,
}

/// Format 0: formatted TOC. 2 first track, 3 last track, 8-byte descriptors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toc {
    pub first_track: u8,
    pub last_track: u8,
    pub tracks: Vec<TocTrack>,
}

fn emit_with_length(mut body: Vec<u8>) -> Vec<u8> {
    let len = (body.len() - 2).min(0xFFFF) as u16;
    put16(&mut body, 0, len);
    body
}

/// Answer length stated by a 2-byte length field (all TOC formats).
pub fn total_length(header: &[u8]) -> Option<usize> {
    (header.len() >= 2).then(|| be16(header, 0) as usize + 2)
}

/// Whether an answer's length field and fixed bits fit the asked format:
/// format 0 holds 8-byte descriptors, format 1 exactly one (length 0Ah),
/// format 2 11-byte descriptors, format 4 a 24-byte ATIP descriptor whose
/// bytes 4 and 6 have b7 set. Catches drives that answer another format than
/// the one asked (QEMU's ATAPI drive, see `ops::read_toc`). Other formats are
/// not checked.
pub fn has_format_shape(answer: &[u8], format: crate::cdb::TocFormat) -> bool {
    use crate::cdb::TocFormat;
    let Some(total) = total_length(answer) else {
        return false;
    };
    let body = total.saturating_sub(4);
    match format {
        TocFormat::Toc => total >= 4 && body % 8 == 0,
        TocFormat::SessionInfo => total == SessionInfo::LEN,
        TocFormat::FullToc => total >= 4 && body % 11 == 0,
        TocFormat::Atip => {
            total >= 4 + 12 && answer.len() > 6 && answer[4] & 0x80 != 0 && answer[6] & 0x80 != 0
        }
        _ => true,
    }
}

fn entries(b: &[u8], size: usize) -> impl Iterator<Item = &[u8]> {
    let end = (be16(b, 0) as usize + 2).min(b.len());
    b[4.min(end)..end].chunks_exact(size)
}

impl Toc {
    pub fn parse(b: &[u8]) -> Result<Toc, ParseError> {
        ParseError::need("TOC", b, 4)?;
        let tracks = entries(b, 8)
            .map(|e| TocTrack {
                adr: e[1] >> 4,
                control: e[1] & 0x0F,
                track_number: e[2],
                address: be32(e, 4),
            })
            .collect();
        Ok(Toc {
            first_track: b[2],
            last_track: b[3],
            tracks,
        })
    }

    pub fn emit(&self) -> Vec<u8> {
        let mut b = vec![0u8, 0, self.first_track, self.last_track];
        for t in &self.tracks {
            let mut e = [0u8; 8];
            e[1] = (t.adr << 4) | (t.control & 0x0F);
            e[2] = t.track_number;
            put32(&mut e, 4, t.address);
            b.extend_from_slice(&e);
        }
        emit_with_length(b)
    }

    /// The lead-out entry (track AAh).
    pub fn lead_out(&self) -> Option<&TocTrack> {
        self.tracks
            .iter()
            .find(|t| t.track_number == LEAD_OUT_TRACK)
    }
}

/// Format 1: multi-session information. 2/3 first/last complete session; one
/// descriptor: 1 ADR/CONTROL, 2 first track of the last complete session, 4-7 its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionInfo {
    pub first_complete_session: u8,
    pub last_complete_session: u8,
    pub adr: u8,
    pub control: u8,
    pub first_track_in_last_session: u8,
    /// Start of that track: the first number of `mkisofs -C`.
    pub last_session_start: u32,
}

impl SessionInfo {
    pub const LEN: usize = 12;

    pub fn parse(b: &[u8]) -> Result<SessionInfo, ParseError> {
        ParseError::need("TOC session information", b, Self::LEN)?;
        Ok(SessionInfo {
            first_complete_session: b[2],
            last_complete_session: b[3],
            adr: b[5] >> 4,
            control: b[5] & 0x0F,
            first_track_in_last_session: b[6],
            last_session_start: be32(b, 8),
        })
    }

    pub fn emit(&self) -> Vec<u8> {
        let mut b = vec![0u8; Self::LEN];
        b[2] = self.first_complete_session;
        b[3] = self.last_complete_session;
        b[5] = (self.adr << 4) | (self.control & 0x0F);
        b[6] = self.first_track_in_last_session;
        put32(&mut b, 8, self.last_session_start);
        emit_with_length(b)
    }
}

/// Format 2 descriptor (11 bytes): 0 session, 1 ADR/CONTROL, 2 TNO, 3 POINT,
/// 4-6 M/S/F, 7 zero, 8-10 PMIN/PSEC/PFRAME.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FullTocEntry {
    pub session: u8,
    pub adr: u8,
    pub control: u8,
    pub tno: u8,
    /// 01h-63h track start; A0h first track (PMIN), disc type (PSEC); A1h last
    /// track; A2h lead-out start (P-MSF); B0h next program area (MSF) and
    /// maximum lead-out (P-MSF); C0h first lead-in.
    pub point: u8,
    pub msf: Msf,
    pub zero: u8,
    pub pmsf: Msf,
}

/// POINT values of the full TOC (mmc.md §2.7).
pub mod point {
    pub const FIRST_TRACK: u8 = 0xA0;
    pub const LAST_TRACK: u8 = 0xA1;
    pub const LEAD_OUT: u8 = 0xA2;
    pub const NEXT_PROGRAM_AREA: u8 = 0xB0;
    pub const FIRST_LEAD_IN: u8 = 0xC0;
}

/// Format 2: full TOC (CD only). 2/3 first/last complete session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullToc {
    pub first_complete_session: u8,
    pub last_complete_session: u8,
    pub entries: Vec<FullTocEntry>,
}

impl FullToc {
    pub fn parse(b: &[u8]) -> Result<FullToc, ParseError> {
        ParseError::need("full TOC", b, 4)?;
        let entries = entries(b, 11)
            .map(|e| FullTocEntry {
                session: e[0],
                adr: e[1] >> 4,
                control: e[1] & 0x0F,
                tno: e[2],
                point: e[3],
                msf: Msf::new(e[4], e[5], e[6]),
                zero: e[7],
                pmsf: Msf::new(e[8], e[9], e[10]),
            })
            .collect();
        Ok(FullToc {
            first_complete_session: b[2],
            last_complete_session: b[3],
            entries,
        })
    }

    pub fn emit(&self) -> Vec<u8> {
        let mut b = vec![
            0u8,
            0,
            self.first_complete_session,
            self.last_complete_session,
        ];
        for e in &self.entries {
            b.extend_from_slice(&[
                e.session,
                (e.adr << 4) | (e.control & 0x0F),
                e.tno,
                e.point,
                e.msf.minute,
                e.msf.second,
                e.msf.frame,
                e.zero,
                e.pmsf.minute,
                e.pmsf.second,
                e.pmsf.frame,
            ]);
        }
        emit_with_length(b)
    }
}

/// Format 4: ATIP (CD-R/RW only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Atip {
    /// Byte 4 b6..b4.
    pub indicative_target_writing_power: u8,
    /// Byte 4 b2..b0.
    pub reference_speed: u8,
    /// Byte 5 b6: unrestricted use.
    pub uru: bool,
    /// Byte 6 b6: CD-RW.
    pub disc_type_rw: bool,
    /// Byte 6 b5..b3.
    pub disc_sub_type: u8,
    /// Byte 6 b2/b1/b0.
    pub a1_valid: bool,
    pub a2_valid: bool,
    pub a3_valid: bool,
    /// Bytes 8-10: start of the lead-in (M >= 90).
    pub lead_in_start: Msf,
    /// Bytes 12-14: last possible start of the lead-out (capacity).
    pub last_possible_lead_out_start: Msf,
    /// Bytes 16-18, 20-22, 24-26.
    pub a1: [u8; 3],
    pub a2: [u8; 3],
    pub a3: [u8; 3],
}

impl Atip {
    pub const LEN: usize = 28;

    pub fn parse(b: &[u8]) -> Result<Atip, ParseError> {
        ParseError::need("ATIP", b, 15)?;
        let mut p = [0u8; Self::LEN];
        let n = b.len().min(Self::LEN);
        p[..n].copy_from_slice(&b[..n]);
        Ok(Atip {
            indicative_target_writing_power: (p[4] >> 4) & 7,
            reference_speed: p[4] & 7,
            uru: bit(p[5], 6),
            disc_type_rw: bit(p[6], 6),
            disc_sub_type: (p[6] >> 3) & 7,
            a1_valid: bit(p[6], 2),
            a2_valid: bit(p[6], 1),
            a3_valid: bit(p[6], 0),
            lead_in_start: Msf::new(p[8], p[9], p[10]),
            last_possible_lead_out_start: Msf::new(p[12], p[13], p[14]),
            a1: [p[16], p[17], p[18]],
            a2: [p[20], p[21], p[22]],
            a3: [p[24], p[25], p[26]],
        })
    }

    pub fn emit(&self) -> Vec<u8> {
        let mut b = vec![0u8; Self::LEN];
        b[4] =
            0x80 | ((self.indicative_target_writing_power & 7) << 4) | (self.reference_speed & 7);
        b[5] = flag(self.uru, 6);
        b[6] = 0x80
            | flag(self.disc_type_rw, 6)
            | ((self.disc_sub_type & 7) << 3)
            | flag(self.a1_valid, 2)
            | flag(self.a2_valid, 1)
            | flag(self.a3_valid, 0);
        b[8] = self.lead_in_start.minute;
        b[9] = self.lead_in_start.second;
        b[10] = self.lead_in_start.frame;
        b[12] = self.last_possible_lead_out_start.minute;
        b[13] = self.last_possible_lead_out_start.second;
        b[14] = self.last_possible_lead_out_start.frame;
        b[16..19].copy_from_slice(&self.a1);
        b[20..23].copy_from_slice(&self.a2);
        b[24..27].copy_from_slice(&self.a3);
        emit_with_length(b)
    }
}
