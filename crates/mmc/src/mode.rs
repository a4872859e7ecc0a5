//! MODE SENSE(10) / MODE SELECT(10) parameter data (SPC-3 7.4.3; mmc.md §2.8):
//! the 8-byte header, and pages 05h (Write Parameters, MMC-5 7.5) and 2Ah
//! (Capabilities, MMC-3).

use crate::bytes::{be16, bit, flag, put16};
use crate::ParseError;

/// Page codes.
pub mod page {
    pub const WRITE_PARAMETERS: u8 = 0x05;
    pub const CAPABILITIES: u8 = 0x2A;
}

/// Length of the MODE SENSE(10)/SELECT(10) header.
pub const HEADER_LEN: usize = 8;

/// Mode parameter header (10): 0-1 mode data length (n-2; zero on SELECT),
/// 2 medium type, 3 device-specific, 6-7 block descriptor length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ModeHeader {
    pub mode_data_length: u16,
    pub medium_type: u8,
    pub device_specific: u8,
    pub block_descriptor_length: u16,
}

impl ModeHeader {
    pub fn parse(b: &[u8]) -> Result<ModeHeader, ParseError> {
        ParseError::need("mode parameter header", b, HEADER_LEN)?;
        Ok(ModeHeader {
            mode_data_length: be16(b, 0),
            medium_type: b[2],
            device_specific: b[3],
            block_descriptor_length: be16(b, 6),
        })
    }

    pub fn emit(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        put16(&mut b, 0, self.mode_data_length);
        b[2] = self.medium_type;
        b[3] = self.device_specific;
        put16(&mut b, 6, self.block_descriptor_length);
        b
    }
}

/// Answer length stated by the header (mode data length + 2).
pub fn total_length(header: &[u8]) -> Option<usize> {
    (header.len() >= 2).then(|| be16(header, 0) as usize + 2)
}

/// The first page in MODE SENSE(10) data, block descriptors skipped (as libburn
/// `spc_sense_caps_al` does for qemu). Returns the page bytes from its code
/// byte, cut at its stated length or the data end.
pub fn first_page(data: &[u8]) -> Result<&[u8], ParseError> {
    let with_tail = first_page_with_tail(data)?;
    // Byte 1 of a page: the page length, bytes after it.
    let page_end = (2 + with_tail[1] as usize).min(with_tail.len());
    Ok(&with_tail[..page_end])
}

/// The first page in MODE SENSE(10) data with everything after it up to the
/// end of the mode data (for page 2Ah, whose descriptors may run past the
/// stated page length).
pub fn first_page_with_tail(data: &[u8]) -> Result<&[u8], ParseError> {
    let header = ModeHeader::parse(data)?;
    let start = HEADER_LEN + header.block_descriptor_length as usize;
    let end = (header.mode_data_length as usize + 2).min(data.len());
    if start + 2 > end {
        return Err(ParseError::Short {
            what: "mode page",
            len: end.saturating_sub(start),
            need: 2,
        });
    }
    Ok(&data[start..end])
}

/// Mode parameter data holding one page: header then page. For MODE SELECT
/// (`for_select`) the mode data length is zero and the PS bit cleared.
pub fn emit_mode_data(page: &[u8], for_select: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + page.len());
    let header = ModeHeader {
        mode_data_length: if for_select {
            0
        } else {
            (HEADER_LEN - 2 + page.len()) as u16
        },
        ..ModeHeader::default()
    };
    out.extend_from_slice(&header.emit());
    out.extend_from_slice(page);
    if for_select {
        if let Some(code) = out.get_mut(HEADER_LEN) {
            *code &= 0x3F;
        }
    }
    out
}

code_enum! {
    /// Write Type (page 05h byte 2 b3..b0).
    WriteType: u8 {
        /// 0: packet / incremental.
        Incremental = 0,
        /// 1: track at once.
        TrackAtOnce = 1,
        /// 2: session at once / disc at once.
        SessionAtOnce = 2,
        /// 3: raw.
        Raw = 3,
        /// 4: layer jump.
        LayerJump = 4,
    }
}

code_enum! {
    /// Multi-session field (page 05h byte 3 b7..b6).
    MultiSession: u8 {
        /// 00b: no more sessions (finalize at close, no B0 pointer).
        Final = 0,
        /// 01b: no more sessions, B0 = FF:FF:FF.
        FinalB0 = 1,
        /// 11b: keep the disc appendable.
        Appendable = 3,
    }
}

/// Page 05h Write Parameters (MMC-5 7.5; mmc.md §2.8). Bytes are offsets in
/// the page (byte 0 = page code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteParametersPage {
    /// Byte 0 b7 (set in MODE SENSE answers when savable; clear for SELECT).
    pub ps: bool,
    /// Byte 1: 32h, some drives 36h.
    pub page_length: u8,
    /// Byte 2 b6.
    pub bufe: bool,
    /// Byte 2 b5.
    pub ls_v: bool,
    /// Byte 2 b4.
    pub test_write: bool,
    /// Byte 2 b3..b0.
    pub write_type: WriteType,
    /// Byte 3 b7..b6.
    pub multi_session: MultiSession,
    /// Byte 3 b5.
    pub fp: bool,
    /// Byte 3 b4.
    pub copy: bool,
    /// Byte 3 b3..b0: 4 data uninterrupted, 5 data incremental, 0 audio.
    pub track_mode: u8,
    /// Byte 4 b3..b0: 8 = Mode 1 2048.
    pub data_block_type: u8,
    /// Byte 5.
    pub link_size: u8,
    /// Byte 7 b5..b0.
    pub host_application_code: u8,
    /// Byte 8: 00h CD-DA/CD-ROM, 10h CD-I, 20h CD-ROM XA.
    pub session_format: u8,
    /// Bytes 10-13.
    pub packet_size: u32,
    /// Bytes 14-15.
    pub audio_pause_length: u16,
    /// Bytes 16-31.
    pub media_catalog_number: [u8; 16],
    /// Bytes 32-47.
    pub isrc: [u8; 16],
    /// Bytes 48.. up to the page length (subheader, vendor bytes), kept as is.
    pub trailing: Vec<u8>,
}

impl Default for WriteParametersPage {
    fn default() -> Self {
        WriteParametersPage {
            ps: false,
            page_length: 0x32,
            bufe: false,
            ls_v: false,
            test_write: false,
            write_type: WriteType::TrackAtOnce,
            multi_session: MultiSession::Final,
            fp: false,
            copy: false,
            track_mode: 4,
            data_block_type: 8,
            link_size: 0,
            host_application_code: 0,
            session_format: 0,
            packet_size: 0,
            audio_pause_length: 150,
            media_catalog_number: [0; 16],
            isrc: [0; 16],
            trailing: vec![0; 4],
        }
    }
}

impl WriteParametersPage {
    /// Sets the page up for a data session (mmc.md §5.1 step 2, §5.3 step 2):
    /// buffer-underrun protection on, no test write, Mode 1 2048-byte blocks;
    /// on CD track at once (track mode 4), on DVD-R/RW incremental with
    /// 16-block fixed packets (track mode 5, link size 16); multi-session 11b
    /// keeps the disc appendable, 00b finalizes it when the session closes.
    pub fn set_data_session(&mut self, cd: bool, appendable: bool) {
        self.bufe = true;
        self.test_write = false;
        self.multi_session = if appendable {
            MultiSession::Appendable
        } else {
            MultiSession::Final
        };
        self.data_block_type = 8;
        self.session_format = 0;
        if cd {
            self.write_type = WriteType::TrackAtOnce;
            self.track_mode = 4;
            self.fp = false;
            self.packet_size = 0;
            self.ls_v = false;
        } else {
            self.write_type = WriteType::Incremental;
            self.track_mode = 5;
            self.ls_v = true;
            self.link_size = 16;
            self.fp = true;
            self.packet_size = 16;
        }
    }

    /// Sets the page up for writing a CD-RW formatted for fixed packets
    /// (MMC-5 7.5.4; mmc.md §2.8): write type packet, FP set, the packet size
    /// the track reports, data track mode 5 (recorded incrementally), Mode 1
    /// 2048-byte blocks, no test write.
    pub fn set_fixed_packets(&mut self, packet_blocks: u32) {
        self.bufe = true;
        self.test_write = false;
        self.write_type = WriteType::Incremental;
        self.fp = true;
        self.packet_size = packet_blocks;
        self.track_mode = 5;
        self.data_block_type = 8;
        self.session_format = 0;
        self.ls_v = false;
    }

    /// Parses the page (from its code byte). Needs 16 bytes; missing bytes read as zero.
    pub fn parse(p: &[u8]) -> Result<WriteParametersPage, ParseError> {
        ParseError::need("write parameters page", p, 16)?;
        if p[0] & 0x3F != page::WRITE_PARAMETERS {
            return Err(ParseError::Invalid {
                what: "write parameters page",
                why: "page code is not 05h",
            });
        }
        let page_length = p[1];
        let end = (2 + page_length as usize).min(p.len());
        let mut full = vec![0u8; end.max(48)];
        full[..end].copy_from_slice(&p[..end]);
        let mut mcn = [0u8; 16];
        mcn.copy_from_slice(&full[16..32]);
        let mut isrc = [0u8; 16];
        isrc.copy_from_slice(&full[32..48]);
        let trailing_end = (2 + page_length as usize).max(48);
        Ok(WriteParametersPage {
            ps: bit(p[0], 7),
            page_length,
            bufe: bit(full[2], 6),
            ls_v: bit(full[2], 5),
            test_write: bit(full[2], 4),
            write_type: WriteType::from(full[2] & 0x0F),
            multi_session: MultiSession::from(full[3] >> 6),
            fp: bit(full[3], 5),
            copy: bit(full[3], 4),
            track_mode: full[3] & 0x0F,
            data_block_type: full[4] & 0x0F,
            link_size: full[5],
            host_application_code: full[7] & 0x3F,
            session_format: full[8],
            packet_size: u32::from_be_bytes([full[10], full[11], full[12], full[13]]),
            audio_pause_length: be16(&full, 14),
            media_catalog_number: mcn,
            isrc,
            trailing: full
                .get(48..trailing_end.min(full.len()))
                .map(<[u8]>::to_vec)
                .unwrap_or_default(),
        })
    }

    /// Builds the page: `page_length + 2` bytes.
    pub fn emit(&self) -> Vec<u8> {
        let total = (self.page_length as usize + 2).max(16);
        let mut p = vec![0u8; total.max(48)];
        p[0] = flag(self.ps, 7) | page::WRITE_PARAMETERS;
        p[1] = self.page_length;
        p[2] = flag(self.bufe, 6)
            | flag(self.ls_v, 5)
            | flag(self.test_write, 4)
            | (u8::from(self.write_type) & 0x0F);
        p[3] = (u8::from(self.multi_session) << 6)
            | flag(self.fp, 5)
            | flag(self.copy, 4)
            | (self.track_mode & 0x0F);
        p[4] = self.data_block_type & 0x0F;
        p[5] = self.link_size;
        p[7] = self.host_application_code & 0x3F;
        p[8] = self.session_format;
        p[10..14].copy_from_slice(&self.packet_size.to_be_bytes());
        put16(&mut p, 14, self.audio_pause_length);
        p[16..32].copy_from_slice(&self.media_catalog_number);
        p[32..48].copy_from_slice(&self.isrc);
        let n = self.trailing.len().min(p.len().saturating_sub(48));
        p[48..48 + n].copy_from_slice(&self.trailing[..n]);
        p.truncate(total);
        p
    }

    /// The page a CD TAO multi-session data burn sends (mmc.md §5.1 step 2).
    pub fn cd_tao_data(test_write: bool, keep_appendable: bool) -> Self {
        WriteParametersPage {
            bufe: true,
            test_write,
            write_type: WriteType::TrackAtOnce,
            multi_session: if keep_appendable {
                MultiSession::Appendable
            } else {
                MultiSession::Final
            },
            track_mode: 4,
            data_block_type: 8,
            ..WriteParametersPage::default()
        }
    }

    /// The page of a DVD-R/-RW incremental burn (mmc.md §5.3 step 2).
    pub fn dvd_r_incremental(test_write: bool, keep_appendable: bool) -> Self {
        WriteParametersPage {
            bufe: true,
            ls_v: true,
            link_size: 16,
            test_write,
            write_type: WriteType::Incremental,
            multi_session: if keep_appendable {
                MultiSession::Appendable
            } else {
                MultiSession::Final
            },
            fp: true,
            track_mode: 5,
            data_block_type: 8,
            packet_size: 16,
            ..WriteParametersPage::default()
        }
    }
}

/// One write speed descriptor of page 2Ah (from byte 32, 4 bytes each):
/// 1 b2..b0 rotation control, 2-3 write speed kB/s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteSpeedDescriptor {
    pub rotation_control: u8,
    pub write_speed: u16,
}

/// Page 2Ah MM Capabilities and Mechanical Status (MMC-3 5.5.10; mmc.md §2.8).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CapabilitiesPage {
    /// Byte 1: 14h (MMC-1), 18h (MMC-2), 1Eh + 4n (MMC-3, n descriptors).
    pub page_length: u8,
    /// Byte 2 bits: b5 DVD-RAM, b4 DVD-R, b3 DVD-ROM, b1 CD-RW, b0 CD-R read.
    pub read_dvd_ram: bool,
    pub read_dvd_r: bool,
    pub read_dvd_rom: bool,
    pub read_cd_rw: bool,
    pub read_cd_r: bool,
    /// Byte 3 bits: b5 DVD-RAM, b4 DVD-R, b2 test write, b1 CD-RW, b0 CD-R write.
    pub write_dvd_ram: bool,
    pub write_dvd_r: bool,
    pub test_write: bool,
    pub write_cd_rw: bool,
    pub write_cd_r: bool,
    /// Byte 4 b7: buffer underrun protection.
    pub buf: bool,
    /// Byte 4 b6.
    pub multi_session: bool,
    /// Byte 6 b7..b5.
    pub loading_mechanism: u8,
    /// Byte 6 b3.
    pub eject: bool,
    /// Byte 6 b1.
    pub lock_state: bool,
    /// Byte 6 b0.
    pub lock: bool,
    /// Bytes 8-9 (obsolete in MMC-3).
    pub max_read_speed: u16,
    /// Bytes 12-13, KiB.
    pub buffer_size_kib: u16,
    /// Bytes 14-15 (obsolete).
    pub current_read_speed: u16,
    /// Bytes 18-19 (obsolete).
    pub max_write_speed: u16,
    /// Bytes 28-29, kB/s.
    pub current_write_speed: u16,
    /// From byte 32 (count in 30-31).
    pub write_speeds: Vec<WriteSpeedDescriptor>,
}

/// Bytes of page 2Ah before its write speed descriptors (MMC-3 6.3.11:
/// bytes 0-31, the descriptors from byte 32, 4 bytes each).
pub const CAPABILITIES_FIXED_LEN: usize = 32;

/// Page length of an MMC-3 page 2Ah with `n` write speed descriptors: the
/// bytes after byte 1, 32 + 4n − 2 = 1Eh + 4n. (MMC-3's table prints
/// "1Ch + 4n", which stops 2 bytes short of the last descriptor.)
pub const fn capabilities_page_length(descriptors: usize) -> usize {
    CAPABILITIES_FIXED_LEN - 2 + 4 * descriptors
}

impl CapabilitiesPage {
    /// Parses the page from its code byte. Fields beyond the stated page
    /// length read as zero; descriptors (count in bytes 30-31) are read inside
    /// the page, and for a page stating MMC-3's printed 1Ch + 4n also from the
    /// 2 bytes after it when the data has them.
    pub fn parse(p: &[u8]) -> Result<CapabilitiesPage, ParseError> {
        ParseError::need("capabilities page", p, 16)?;
        if p[0] & 0x3F != page::CAPABILITIES {
            return Err(ParseError::Invalid {
                what: "capabilities page",
                why: "page code is not 2Ah",
            });
        }
        let stated_end = p[1] as usize + 2;
        let count = if stated_end >= CAPABILITIES_FIXED_LEN && p.len() >= CAPABILITIES_FIXED_LEN {
            be16(p, 30) as usize
        } else {
            0
        };
        let descriptors_end = CAPABILITIES_FIXED_LEN + 4 * count;
        let end = if stated_end + 2 == descriptors_end {
            descriptors_end
        } else {
            stated_end
        }
        .min(p.len());
        let mut full = vec![0u8; end.max(CAPABILITIES_FIXED_LEN)];
        full[..end].copy_from_slice(&p[..end]);
        let write_speeds = full[CAPABILITIES_FIXED_LEN..]
            .chunks_exact(4)
            .take(count)
            .map(|d| WriteSpeedDescriptor {
                rotation_control: d[1] & 7,
                write_speed: be16(d, 2),
            })
            .collect();
        Ok(CapabilitiesPage {
            page_length: p[1],
            read_dvd_ram: bit(full[2], 5),
            read_dvd_r: bit(full[2], 4),
            read_dvd_rom: bit(full[2], 3),
            read_cd_rw: bit(full[2], 1),
            read_cd_r: bit(full[2], 0),
            write_dvd_ram: bit(full[3], 5),
            write_dvd_r: bit(full[3], 4),
            test_write: bit(full[3], 2),
            write_cd_rw: bit(full[3], 1),
            write_cd_r: bit(full[3], 0),
            buf: bit(full[4], 7),
            multi_session: bit(full[4], 6),
            loading_mechanism: full[6] >> 5,
            eject: bit(full[6], 3),
            lock_state: bit(full[6], 1),
            lock: bit(full[6], 0),
            max_read_speed: be16(&full, 8),
            buffer_size_kib: be16(&full, 12),
            current_read_speed: be16(&full, 14),
            max_write_speed: be16(&full, 18),
            current_write_speed: be16(&full, 28),
            write_speeds,
        })
    }

    /// Builds the page: exactly `page length + 2` bytes. With write speed
    /// descriptors (or no page length given) the page is MMC-3's, 32 + 4n
    /// bytes with page length 1Eh + 4n ([`capabilities_page_length`]); else
    /// the stated length (14h MMC-1, 18h MMC-2), fields beyond it left out.
    pub fn emit(&self) -> Vec<u8> {
        let n = self.write_speeds.len().min(56);
        let page_length = if n > 0 || self.page_length == 0 {
            (self.page_length as usize).max(capabilities_page_length(n))
        } else {
            (self.page_length as usize).max(14)
        }
        .min(255);
        let mut p = vec![0u8; (page_length + 2).max(CAPABILITIES_FIXED_LEN + 4 * n)];
        p[0] = page::CAPABILITIES;
        p[1] = page_length as u8;
        p[2] = flag(self.read_dvd_ram, 5)
            | flag(self.read_dvd_r, 4)
            | flag(self.read_dvd_rom, 3)
            | flag(self.read_cd_rw, 1)
            | flag(self.read_cd_r, 0);
        p[3] = flag(self.write_dvd_ram, 5)
            | flag(self.write_dvd_r, 4)
            | flag(self.test_write, 2)
            | flag(self.write_cd_rw, 1)
            | flag(self.write_cd_r, 0);
        p[4] = flag(self.buf, 7) | flag(self.multi_session, 6);
        p[6] = (self.loading_mechanism << 5)
            | flag(self.eject, 3)
            | flag(self.lock_state, 1)
            | flag(self.lock, 0);
        put16(&mut p, 8, self.max_read_speed);
        put16(&mut p, 12, self.buffer_size_kib);
        put16(&mut p, 14, self.current_read_speed);
        put16(&mut p, 18, self.max_write_speed);
        put16(&mut p, 28, self.current_write_speed);
        let count = n;
        put16(&mut p, 30, count as u16);
        for (i, d) in self.write_speeds.iter().take(count).enumerate() {
            p[32 + 4 * i + 1] = d.rotation_control & 7;
            put16(&mut p, 32 + 4 * i + 2, d.write_speed);
        }
        p.truncate(page_length + 2);
        p
    }
}
