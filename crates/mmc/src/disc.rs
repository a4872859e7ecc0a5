//! READ DISC INFORMATION (MMC-5 6.22; mmc.md §2.5) and READ TRACK INFORMATION
//! (MMC-5 6.27; mmc.md §2.6) answers, and READ DISC STRUCTURE formats 20h
//! (a DL medium's layer boundary) and C0h (the medium's write protection,
//! MMC-5 6.23): parse and emit.

use crate::bytes::{be16, be32, bit, flag, put16, put32};
use crate::ParseError;

code_enum! {
    /// Disc status (disc information byte 2 b1..b0).
    DiscStatus: u8 {
        Blank = 0,
        Appendable = 1,
        Complete = 2,
        /// 11b: other, e.g. random-writable media (DVD-RAM).
        RandomWritable = 3,
    }
}

code_enum! {
    /// State of the last session (disc information byte 2 b3..b2).
    SessionState: u8 {
        Empty = 0,
        Incomplete = 1,
        Damaged = 2,
        Complete = 3,
    }
}

impl DiscStatus {
    pub fn name(self) -> &'static str {
        match self {
            DiscStatus::Blank => "blank",
            DiscStatus::Appendable => "appendable",
            DiscStatus::Complete => "complete",
            DiscStatus::RandomWritable => "random-writable",
            DiscStatus::Other(_) => "other",
        }
    }
}

/// Serialized by name ("appendable"), as `emu show` and JSON print it.
impl serde::Serialize for DiscStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Serialized by name ("incomplete").
impl serde::Serialize for SessionState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl SessionState {
    pub fn name(self) -> &'static str {
        match self {
            SessionState::Empty => "empty",
            SessionState::Incomplete => "incomplete",
            SessionState::Damaged => "damaged",
            SessionState::Complete => "complete",
            SessionState::Other(_) => "reserved",
        }
    }
}

/// Standard disc information (data type 000b), 34 bytes plus OPC entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscInformation {
    /// Byte 2 b4.
    pub erasable: bool,
    /// Byte 2 b3..b2.
    pub last_session_state: SessionState,
    /// Byte 2 b1..b0.
    pub disc_status: DiscStatus,
    /// Byte 3.
    pub first_track_on_disc: u8,
    /// Bytes 4 (LSB) / 9 (MSB): counts the trailing empty or incomplete session
    /// unless the disc is complete.
    pub sessions: u16,
    /// Bytes 5 / 10.
    pub first_track_in_last_session: u16,
    /// Bytes 6 / 11: on appendable media the invisible/incomplete track.
    pub last_track_in_last_session: u16,
    /// Byte 7 b7.
    pub did_valid: bool,
    /// Byte 7 b6.
    pub dbc_valid: bool,
    /// Byte 7 b5: unrestricted use.
    pub uru: bool,
    /// Byte 7 b4.
    pub dac_valid: bool,
    /// Byte 7 b2: dirty bit (MRW).
    pub dbit: bool,
    /// Byte 7 b1..b0: 0 none, 1 suspended, 2 running, 3 complete.
    pub bg_format_status: u8,
    /// Byte 8: 00h CD-DA/CD-ROM, 10h CD-I, 20h CD-ROM XA, FFh undefined.
    pub disc_type: u8,
    /// Bytes 12-15.
    pub disc_id: u32,
    /// Bytes 16-19: CD 00 M S F, else an LBA; FFFFFFFFh when complete.
    pub last_session_lead_in_start: u32,
    /// Bytes 20-23: CD ATIP 00 M S F, else an LBA; FFFFFFFFh when complete.
    pub last_possible_lead_out_start: u32,
    /// Bytes 24-31.
    pub disc_bar_code: [u8; 8],
    /// Byte 32.
    pub disc_application_code: u8,
    /// 8-byte OPC table entries from byte 34 (count in byte 33).
    pub opc_entries: Vec<[u8; 8]>,
}

/// Bytes of the standard disc information without OPC entries.
pub const DISC_INFORMATION_LEN: usize = 34;

impl DiscInformation {
    /// Total answer length stated by the first two bytes.
    pub fn total_length(header: &[u8]) -> Option<usize> {
        (header.len() >= 2).then(|| be16(header, 0) as usize + 2)
    }

    /// Parses the answer. Needs the first 12 bytes; missing later bytes read as zero.
    pub fn parse(b: &[u8]) -> Result<DiscInformation, ParseError> {
        ParseError::need("disc information", b, 12)?;
        let mut p = [0u8; DISC_INFORMATION_LEN];
        let n = b.len().min(DISC_INFORMATION_LEN);
        p[..n].copy_from_slice(&b[..n]);
        let mut disc_bar_code = [0u8; 8];
        disc_bar_code.copy_from_slice(&p[24..32]);
        let stated_end = (be16(b, 0) as usize + 2).min(b.len());
        let opc_entries = b
            .get(DISC_INFORMATION_LEN..stated_end)
            .map(|rest| {
                rest.chunks_exact(8)
                    .take(p[33] as usize)
                    .map(|c| {
                        let mut e = [0u8; 8];
                        e.copy_from_slice(c);
                        e
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(DiscInformation {
            erasable: bit(p[2], 4),
            last_session_state: SessionState::from((p[2] >> 2) & 3),
            disc_status: DiscStatus::from(p[2] & 3),
            first_track_on_disc: p[3],
            sessions: u16::from_be_bytes([p[9], p[4]]),
            first_track_in_last_session: u16::from_be_bytes([p[10], p[5]]),
            last_track_in_last_session: u16::from_be_bytes([p[11], p[6]]),
            did_valid: bit(p[7], 7),
            dbc_valid: bit(p[7], 6),
            uru: bit(p[7], 5),
            dac_valid: bit(p[7], 4),
            dbit: bit(p[7], 2),
            bg_format_status: p[7] & 3,
            disc_type: p[8],
            disc_id: be32(&p, 12),
            last_session_lead_in_start: be32(&p, 16),
            last_possible_lead_out_start: be32(&p, 20),
            disc_bar_code,
            disc_application_code: p[32],
            opc_entries,
        })
    }

    /// Builds the answer (length field = 32 + 8 × OPC entries).
    pub fn emit(&self) -> Vec<u8> {
        let mut b = vec![0u8; DISC_INFORMATION_LEN];
        b[2] = flag(self.erasable, 4)
            | ((u8::from(self.last_session_state) & 3) << 2)
            | (u8::from(self.disc_status) & 3);
        b[3] = self.first_track_on_disc;
        let [s_msb, s_lsb] = self.sessions.to_be_bytes();
        let [f_msb, f_lsb] = self.first_track_in_last_session.to_be_bytes();
        let [l_msb, l_lsb] = self.last_track_in_last_session.to_be_bytes();
        b[4] = s_lsb;
        b[5] = f_lsb;
        b[6] = l_lsb;
        b[9] = s_msb;
        b[10] = f_msb;
        b[11] = l_msb;
        b[7] = flag(self.did_valid, 7)
            | flag(self.dbc_valid, 6)
            | flag(self.uru, 5)
            | flag(self.dac_valid, 4)
            | flag(self.dbit, 2)
            | (self.bg_format_status & 3);
        b[8] = self.disc_type;
        put32(&mut b, 12, self.disc_id);
        put32(&mut b, 16, self.last_session_lead_in_start);
        put32(&mut b, 20, self.last_possible_lead_out_start);
        b[24..32].copy_from_slice(&self.disc_bar_code);
        b[32] = self.disc_application_code;
        let entries = self.opc_entries.len().min(255);
        b[33] = entries as u8;
        for e in self.opc_entries.iter().take(entries) {
            b.extend_from_slice(e);
        }
        let len = (b.len() - 2) as u16;
        put16(&mut b, 0, len);
        b
    }

    /// Number of complete sessions: `sessions` minus the trailing empty or
    /// incomplete one (libburn `mmc_read_disc_info_al`).
    pub fn complete_sessions(&self) -> u16 {
        if self.last_session_state == SessionState::Complete {
            self.sessions
        } else {
            self.sessions.saturating_sub(1)
        }
    }

    /// A disc information with every field zero/false except those given.
    pub fn new(
        disc_status: DiscStatus,
        last_session_state: SessionState,
        erasable: bool,
    ) -> DiscInformation {
        DiscInformation {
            erasable,
            last_session_state,
            disc_status,
            first_track_on_disc: 1,
            sessions: 1,
            first_track_in_last_session: 1,
            last_track_in_last_session: 1,
            did_valid: false,
            dbc_valid: false,
            uru: true,
            dac_valid: false,
            dbit: false,
            bg_format_status: 0,
            disc_type: 0,
            disc_id: 0,
            last_session_lead_in_start: 0xFFFF_FFFF,
            last_possible_lead_out_start: 0xFFFF_FFFF,
            disc_bar_code: [0; 8],
            disc_application_code: 0,
            opc_entries: Vec::new(),
        }
    }
}

/// The state of a track derived from RT/Blank/Packet/NWA_V (mmc.md §2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrackState {
    /// RT=1: reserved, not yet written.
    Reserved,
    /// Blank=1: empty/invisible track.
    Blank,
    /// Written, still open for appending (NWA_V=1).
    Incomplete,
    /// Written and closed.
    Complete,
}

/// READ TRACK INFORMATION answer, 48 bytes (MMC-5 6.27.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrackInformation {
    /// Bytes 2 (LSB) / 32 (MSB).
    pub track_number: u16,
    /// Bytes 3 / 33.
    pub session_number: u16,
    /// Byte 5 b5.
    pub damage: bool,
    /// Byte 5 b4.
    pub copy: bool,
    /// Byte 5 b3..b0: CD Q control nibble; DVD/BD 4 or 5.
    pub track_mode: u8,
    /// Byte 6 b7: reserved track.
    pub rt: bool,
    /// Byte 6 b6.
    pub blank: bool,
    /// Byte 6 b5: packet / incremental.
    pub packet: bool,
    /// Byte 6 b4: fixed packets.
    pub fp: bool,
    /// Byte 6 b3..b0: 1 Mode 1, 2 Mode 2, Fh unknown.
    pub data_mode: u8,
    /// Byte 7 b1.
    pub lra_valid: bool,
    /// Byte 7 b0.
    pub nwa_valid: bool,
    /// Bytes 8-11.
    pub track_start: u32,
    /// Bytes 12-15 (meaningful only when `nwa_valid`). Some drives report
    /// -150 (FFFFFF6Ah) on blank CD; compare signed.
    pub next_writable_address: u32,
    /// Bytes 16-19.
    pub free_blocks: u32,
    /// Bytes 20-23.
    pub fixed_packet_size: u32,
    /// Bytes 24-27: for the invisible track, all space from its start.
    pub track_size: u32,
    /// Bytes 28-31 (if `lra_valid`).
    pub last_recorded_address: u32,
    /// Bytes 36-39.
    pub read_compatibility_lba: u32,
    /// Bytes 40-43.
    pub next_layer_jump_address: u32,
    /// Bytes 44-47.
    pub last_layer_jump_address: u32,
}

/// Bytes of a full track information answer.
pub const TRACK_INFORMATION_LEN: usize = 48;

impl TrackInformation {
    pub fn total_length(header: &[u8]) -> Option<usize> {
        (header.len() >= 2).then(|| be16(header, 0) as usize + 2)
    }

    /// Parses the answer. Needs 28 bytes (MMC-1 size); later bytes read as zero.
    pub fn parse(b: &[u8]) -> Result<TrackInformation, ParseError> {
        ParseError::need("track information", b, 28)?;
        let stated = (be16(b, 0) as usize + 2).min(b.len());
        let mut p = [0u8; TRACK_INFORMATION_LEN];
        let n = stated.clamp(28, TRACK_INFORMATION_LEN).min(b.len());
        p[..n].copy_from_slice(&b[..n]);
        Ok(TrackInformation {
            track_number: u16::from_be_bytes([p[32], p[2]]),
            session_number: u16::from_be_bytes([p[33], p[3]]),
            damage: bit(p[5], 5),
            copy: bit(p[5], 4),
            track_mode: p[5] & 0x0F,
            rt: bit(p[6], 7),
            blank: bit(p[6], 6),
            packet: bit(p[6], 5),
            fp: bit(p[6], 4),
            data_mode: p[6] & 0x0F,
            lra_valid: bit(p[7], 1),
            nwa_valid: bit(p[7], 0),
            track_start: be32(&p, 8),
            next_writable_address: be32(&p, 12),
            free_blocks: be32(&p, 16),
            fixed_packet_size: be32(&p, 20),
            track_size: be32(&p, 24),
            last_recorded_address: be32(&p, 28),
            read_compatibility_lba: be32(&p, 36),
            next_layer_jump_address: be32(&p, 40),
            last_layer_jump_address: be32(&p, 44),
        })
    }

    /// Builds the 48-byte answer (length field 46).
    pub fn emit(&self) -> [u8; TRACK_INFORMATION_LEN] {
        let mut b = [0u8; TRACK_INFORMATION_LEN];
        put16(&mut b, 0, (TRACK_INFORMATION_LEN - 2) as u16);
        let [t_msb, t_lsb] = self.track_number.to_be_bytes();
        let [s_msb, s_lsb] = self.session_number.to_be_bytes();
        b[2] = t_lsb;
        b[3] = s_lsb;
        b[32] = t_msb;
        b[33] = s_msb;
        b[5] = flag(self.damage, 5) | flag(self.copy, 4) | (self.track_mode & 0x0F);
        b[6] = flag(self.rt, 7)
            | flag(self.blank, 6)
            | flag(self.packet, 5)
            | flag(self.fp, 4)
            | (self.data_mode & 0x0F);
        b[7] = flag(self.lra_valid, 1) | flag(self.nwa_valid, 0);
        put32(&mut b, 8, self.track_start);
        put32(&mut b, 12, self.next_writable_address);
        put32(&mut b, 16, self.free_blocks);
        put32(&mut b, 20, self.fixed_packet_size);
        put32(&mut b, 24, self.track_size);
        put32(&mut b, 28, self.last_recorded_address);
        put32(&mut b, 36, self.read_compatibility_lba);
        put32(&mut b, 40, self.next_layer_jump_address);
        put32(&mut b, 44, self.last_layer_jump_address);
        b
    }

    /// Reserved / blank / incomplete / complete (mmc.md §2.6 state table).
    pub fn state(&self) -> TrackState {
        if self.rt {
            TrackState::Reserved
        } else if self.blank {
            TrackState::Blank
        } else if self.nwa_valid {
            TrackState::Incomplete
        } else {
            TrackState::Complete
        }
    }

    /// The next writable address when valid, clamped to the track start (some
    /// drives report -150 on blank CD, libburn `mmc_get_nwa`).
    pub fn writable_address(&self) -> Option<u32> {
        // Damage with NWA_V=0 is unwritable; with NWA_V=1 continuable (libburn `mmc_get_nwa`).
        if !self.nwa_valid {
            return None;
        }
        let nwa = self.next_writable_address as i32;
        Some(if nwa < self.track_start as i32 {
            self.track_start
        } else {
            self.next_writable_address
        })
    }
}

/// READ DISC STRUCTURE (ADh) format C0h, Write Protection Status (MMC-5
/// 6.23.3; answered by drives with feature 0004h Write Protect): 0-1 data
/// length (6), 2-3 reserved, 4: b3 MSWI, b2 CWP, b1 PWP, b0 SWPP, 5-7
/// reserved. IMAPI2's `WriteProtectStatus` reports the same four causes
/// (MEDIA_SPECIFIC, CARTRIDGE, SOFTWARE, UNTIL_POWERDOWN; imapi2.md §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteProtection {
    /// Media-specific write inhibition (the medium itself says "do not write").
    pub mswi: bool,
    /// Cartridge write protection: the medium's (or its cartridge's) switch.
    pub cwp: bool,
    /// Persistent write protection, recorded on the medium by software.
    pub pwp: bool,
    /// Software write protection until power-down (mode page 1Dh SWPP).
    pub swpp: bool,
}

impl WriteProtection {
    /// Bytes of the answer (header included).
    pub const LEN: usize = 8;

    pub fn parse(b: &[u8]) -> Result<WriteProtection, ParseError> {
        ParseError::need("write protection status", b, 5)?;
        let flags = b[4];
        Ok(WriteProtection {
            mswi: bit(flags, 3),
            cwp: bit(flags, 2),
            pwp: bit(flags, 1),
            swpp: bit(flags, 0),
        })
    }

    pub fn emit(&self) -> [u8; WriteProtection::LEN] {
        let mut b = [0u8; WriteProtection::LEN];
        put16(&mut b, 0, (WriteProtection::LEN - 2) as u16);
        b[4] = flag(self.mswi, 3) | flag(self.cwp, 2) | flag(self.pwp, 1) | flag(self.swpp, 0);
        b
    }

    /// Whether any cause protects the medium.
    pub fn is_protected(&self) -> bool {
        self.mswi || self.cwp || self.pwp || self.swpp
    }

    /// The causes in words, as IMAPI2 names them (empty when not protected).
    pub fn causes(&self) -> Vec<&'static str> {
        [
            (self.cwp, "cartridge"),
            (self.mswi, "media-specific"),
            (self.pwp, "software"),
            (self.swpp, "until power-down"),
        ]
        .into_iter()
        .filter_map(|(set, name)| set.then_some(name))
        .collect()
    }

    /// The causes in a sentence's words, for messages.
    pub fn describe(&self) -> String {
        let words: Vec<&str> = [
            (self.cwp, "its write-protect switch is on"),
            (self.mswi, "the medium itself forbids writing"),
            (self.pwp, "software protected it persistently"),
            (self.swpp, "software protected it until power-down"),
        ]
        .into_iter()
        .filter_map(|(set, text)| set.then_some(text))
        .collect();
        words.join("; ")
    }
}

/// READ DISC STRUCTURE (ADh) format 20h, Layer Boundary Information of
/// DVD+R DL and DVD-R DL (MMC-5 6.23.3): 0-1 data length (10), 2-3 reserved,
/// 4 b7 Init Status (the boundary is fixed: recording started or it was set
/// with SEND DISC STRUCTURE), 8-11 L0 data area capacity in blocks — the
/// first LBA of layer 1 (growisofs reads it before it sets a layer break).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LayerBoundary {
    pub fixed: bool,
    pub l0_capacity: u32,
}

impl LayerBoundary {
    /// Bytes of the answer (header included).
    pub const LEN: usize = 12;

    pub fn parse(b: &[u8]) -> Result<LayerBoundary, ParseError> {
        ParseError::need("layer boundary information", b, LayerBoundary::LEN)?;
        Ok(LayerBoundary {
            fixed: bit(b[4], 7),
            l0_capacity: be32(b, 8),
        })
    }

    pub fn emit(&self) -> [u8; LayerBoundary::LEN] {
        let mut b = [0u8; LayerBoundary::LEN];
        put16(&mut b, 0, (LayerBoundary::LEN - 2) as u16);
        b[4] = flag(self.fixed, 7);
        put32(&mut b, 8, self.l0_capacity);
        b
    }
}
