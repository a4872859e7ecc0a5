//! GET CONFIGURATION response (MMC-5 6.6, 5.3; mmc.md §2.2): an 8-byte header
//! with the current profile, then feature descriptors. Generic descriptors
//! plus typed views of the features a burner looks at.

use crate::bytes::{be16, be24, be32, bit, flag, put16, put24, put32};
use crate::profile::Profile;
use crate::ParseError;

/// Feature codes (MMC-5 5.3; mmc.md §2.2).
pub mod feature {
    pub const PROFILE_LIST: u16 = 0x0000;
    pub const CORE: u16 = 0x0001;
    pub const MORPHING: u16 = 0x0002;
    pub const REMOVABLE_MEDIUM: u16 = 0x0003;
    pub const WRITE_PROTECT: u16 = 0x0004;
    pub const RANDOM_READABLE: u16 = 0x0010;
    pub const MULTI_READ: u16 = 0x001D;
    pub const CD_READ: u16 = 0x001E;
    pub const DVD_READ: u16 = 0x001F;
    pub const RANDOM_WRITABLE: u16 = 0x0020;
    pub const INCREMENTAL_STREAMING_WRITABLE: u16 = 0x0021;
    pub const FORMATTABLE: u16 = 0x0023;
    pub const HARDWARE_DEFECT_MANAGEMENT: u16 = 0x0024;
    pub const RESTRICTED_OVERWRITE: u16 = 0x0026;
    pub const DVD_PLUS_RW: u16 = 0x002A;
    pub const DVD_PLUS_R: u16 = 0x002B;
    pub const RIGID_RESTRICTED_OVERWRITE: u16 = 0x002C;
    pub const CD_TRACK_AT_ONCE: u16 = 0x002D;
    pub const CD_MASTERING: u16 = 0x002E;
    pub const DVD_R_RW_WRITE: u16 = 0x002F;
    pub const BD_R_POW: u16 = 0x0038;
    pub const DVD_PLUS_RW_DL: u16 = 0x003A;
    pub const DVD_PLUS_R_DL: u16 = 0x003B;
    pub const BD_READ: u16 = 0x0040;
    pub const BD_WRITE: u16 = 0x0041;
    pub const POWER_MANAGEMENT: u16 = 0x0100;
    pub const REAL_TIME_STREAMING: u16 = 0x0107;
}

/// Length of the feature header.
pub const HEADER_LEN: usize = 8;

/// One feature descriptor: 0-1 code; 2 b5..b2 version, b1 persistent, b0
/// current; 3 additional length; data from byte 4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureDescriptor {
    pub code: u16,
    pub version: u8,
    pub persistent: bool,
    pub current: bool,
    /// The bytes after the 4-byte descriptor header.
    pub data: Vec<u8>,
}

impl FeatureDescriptor {
    pub fn new(code: u16, current: bool, data: Vec<u8>) -> Self {
        FeatureDescriptor {
            code,
            version: 0,
            persistent: false,
            current,
            data,
        }
    }

    /// Parses the descriptor at the start of `b`; returns it and its total length.
    /// A descriptor cut short by truncation keeps what is present.
    pub fn parse(b: &[u8]) -> Result<(FeatureDescriptor, usize), ParseError> {
        ParseError::need("feature descriptor", b, 4)?;
        let additional = b[3] as usize;
        let end = (4 + additional).min(b.len());
        Ok((
            FeatureDescriptor {
                code: be16(b, 0),
                version: (b[2] >> 2) & 0x0F,
                persistent: bit(b[2], 1),
                current: bit(b[2], 0),
                data: b[4..end].to_vec(),
            },
            4 + additional,
        ))
    }

    /// Appends the descriptor; data is zero-padded to a multiple of 4 bytes.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let padded = self.data.len().div_ceil(4) * 4;
        let padded = padded.min(252);
        let mut head = [0u8; 4];
        put16(&mut head, 0, self.code);
        head[2] = ((self.version & 0x0F) << 2) | flag(self.persistent, 1) | flag(self.current, 0);
        head[3] = padded as u8;
        out.extend_from_slice(&head);
        let start = out.len();
        out.extend_from_slice(&self.data[..self.data.len().min(padded)]);
        out.resize(start + padded, 0);
    }
}

/// The whole GET CONFIGURATION answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configuration {
    /// Header bytes 0-3: bytes that follow the field (the full answer, even when truncated).
    pub data_length: u32,
    /// Header bytes 6-7.
    pub current_profile: Profile,
    pub features: Vec<FeatureDescriptor>,
}

impl Configuration {
    pub fn new(current_profile: Profile, features: Vec<FeatureDescriptor>) -> Self {
        let mut c = Configuration {
            data_length: 0,
            current_profile,
            features,
        };
        c.data_length = (c.emit().len() - 4) as u32;
        c
    }

    /// Total answer length stated by a header (data length + 4).
    pub fn total_length(header: &[u8]) -> Option<usize> {
        (header.len() >= 4).then(|| be32(header, 0) as usize + 4)
    }

    /// Parses a (possibly truncated) answer.
    pub fn parse(b: &[u8]) -> Result<Configuration, ParseError> {
        ParseError::need("feature header", b, HEADER_LEN)?;
        let data_length = be32(b, 0);
        let end = (data_length as usize).saturating_add(4).min(b.len());
        let mut features = Vec::new();
        let mut at = HEADER_LEN;
        while at + 4 <= end {
            let (desc, len) = FeatureDescriptor::parse(&b[at..end])?;
            features.push(desc);
            at += len;
        }
        Ok(Configuration {
            data_length,
            current_profile: Profile::from(be16(b, 6)),
            features,
        })
    }

    /// Builds the answer; the data length field is computed from the descriptors.
    pub fn emit(&self) -> Vec<u8> {
        let mut out = vec![0u8; HEADER_LEN];
        put16(&mut out, 6, u16::from(self.current_profile));
        for f in &self.features {
            f.emit(&mut out);
        }
        let len = (out.len() - 4) as u32;
        put32(&mut out, 0, len);
        out
    }

    pub fn feature(&self, code: u16) -> Option<&FeatureDescriptor> {
        self.features.iter().find(|f| f.code == code)
    }

    /// Typed view of a feature, when present.
    pub fn get<F: Feature>(&self) -> Option<F> {
        self.feature(F::CODE).map(|d| F::from_data(&d.data))
    }

    /// True when the feature is present and current.
    pub fn is_current(&self, code: u16) -> bool {
        self.feature(code).is_some_and(|f| f.current)
    }

    /// The profile list (feature 0000h), empty when absent.
    pub fn profiles(&self) -> Vec<ProfileDescriptor> {
        self.get::<ProfileList>()
            .map(|p| p.profiles)
            .unwrap_or_default()
    }
}

impl Configuration {
    /// The profiles of the profile list that this drive can also write, judged
    /// by the write features it reports (all features, RT=00b): 002Dh/002Eh
    /// CD-R/RW, 002Fh DVD-R/-RW, 0026h/002Ch DVD-RW restricted overwrite,
    /// 002Ah/003Ah DVD+RW (Write bit), 002Bh/003Bh DVD+R (Write bit), 0041h BD,
    /// 0020h DVD-RAM.
    pub fn writable_profiles(&self) -> Vec<Profile> {
        let has = |code: u16| self.feature(code).is_some();
        let write_bit = |code: u16| {
            self.feature(code)
                .is_some_and(|f| f.data.first().is_some_and(|b| b & 1 != 0))
        };
        self.profiles()
            .into_iter()
            .map(|p| p.profile)
            .filter(|&profile| match profile {
                Profile::CdR | Profile::CdRw => {
                    has(feature::CD_TRACK_AT_ONCE) || has(feature::CD_MASTERING)
                }
                Profile::DvdRSequential
                | Profile::DvdRwSequential
                | Profile::DvdRDlSequential
                | Profile::DvdRDlLayerJump => has(feature::DVD_R_RW_WRITE),
                Profile::DvdRwRestrictedOverwrite => {
                    has(feature::RESTRICTED_OVERWRITE) || has(feature::RIGID_RESTRICTED_OVERWRITE)
                }
                Profile::DvdPlusRw => write_bit(feature::DVD_PLUS_RW),
                Profile::DvdPlusRwDl => write_bit(feature::DVD_PLUS_RW_DL),
                Profile::DvdPlusR => write_bit(feature::DVD_PLUS_R),
                Profile::DvdPlusRDl => write_bit(feature::DVD_PLUS_R_DL),
                Profile::BdRSrm | Profile::BdRRrm | Profile::BdRe => has(feature::BD_WRITE),
                Profile::DvdRam => has(feature::RANDOM_WRITABLE),
                _ => false,
            })
            .collect()
    }
}

/// A typed feature: converts the descriptor data bytes (from descriptor byte 4).
/// Parsing is lenient: missing bytes read as zero.
pub trait Feature: Sized {
    const CODE: u16;
    fn from_data(data: &[u8]) -> Self;
    fn to_data(&self) -> Vec<u8>;

    /// A descriptor carrying this feature.
    fn to_descriptor(&self, current: bool) -> FeatureDescriptor {
        FeatureDescriptor::new(Self::CODE, current, self.to_data())
    }
}

fn byte(d: &[u8], i: usize) -> u8 {
    d.get(i).copied().unwrap_or(0)
}

fn padded<const N: usize>(d: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let n = d.len().min(N);
    out[..n].copy_from_slice(&d[..n]);
    out
}

/// One entry of the profile list: 0-1 profile, 2 b0 CurrentP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileDescriptor {
    pub profile: Profile,
    pub current: bool,
}

/// Feature 0000h Profile List: 4-byte entries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProfileList {
    pub profiles: Vec<ProfileDescriptor>,
}

impl Feature for ProfileList {
    const CODE: u16 = feature::PROFILE_LIST;
    fn from_data(d: &[u8]) -> Self {
        let profiles = d
            .chunks_exact(4)
            .map(|e| ProfileDescriptor {
                profile: Profile::from(be16(e, 0)),
                current: bit(e[2], 0),
            })
            .collect();
        ProfileList { profiles }
    }
    fn to_data(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.profiles.len() * 4);
        for p in &self.profiles {
            let mut e = [0u8; 4];
            put16(&mut e, 0, u16::from(p.profile));
            e[2] = flag(p.current, 0);
            out.extend_from_slice(&e);
        }
        out
    }
}

/// Feature 0001h Core: 4-7 physical interface standard; 8 b1 INQ2, b0 DBE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Core {
    /// 1 SCSI, 2 ATAPI, 3 IEEE 1394-1995, 4 IEEE 1394A, 5 Fibre Channel, 6 IEEE 1394B, 7 Serial ATAPI, 8 USB.
    pub physical_interface: u32,
    pub inq2: bool,
    pub dbe: bool,
}

impl Core {
    /// Name of the physical interface standard.
    pub fn interface_name(&self) -> &'static str {
        match self.physical_interface {
            0 => "unspecified",
            1 => "SCSI",
            2 => "ATAPI",
            3 | 4 | 6 => "IEEE 1394",
            5 => "Fibre Channel",
            7 => "Serial ATAPI",
            8 => "USB",
            _ => "other",
        }
    }
}

impl Feature for Core {
    const CODE: u16 = feature::CORE;
    fn from_data(d: &[u8]) -> Self {
        let p = padded::<8>(d);
        Core {
            physical_interface: be32(&p, 0),
            inq2: bit(p[4], 1),
            dbe: bit(p[4], 0),
        }
    }
    fn to_data(&self) -> Vec<u8> {
        let mut p = [0u8; 8];
        put32(&mut p, 0, self.physical_interface);
        p[4] = flag(self.inq2, 1) | flag(self.dbe, 0);
        p.to_vec()
    }
}

/// Feature 0002h Morphing: 4 b1 OCEvent, b0 Async.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Morphing {
    pub oc_event: bool,
    pub asynchronous: bool,
}

impl Feature for Morphing {
    const CODE: u16 = feature::MORPHING;
    fn from_data(d: &[u8]) -> Self {
        Morphing {
            oc_event: bit(byte(d, 0), 1),
            asynchronous: bit(byte(d, 0), 0),
        }
    }
    fn to_data(&self) -> Vec<u8> {
        vec![flag(self.oc_event, 1) | flag(self.asynchronous, 0), 0, 0, 0]
    }
}

/// Feature 0003h Removable Medium: 4 b7..b5 loading mechanism, b4 Load, b3 Eject,
/// b2 Pvnt Jmpr, b0 Lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RemovableMedium {
    /// 0 caddy/slot, 1 tray, 2 pop-up, 4 changer, 5 cartridge changer.
    pub loading_mechanism: u8,
    pub load: bool,
    pub eject: bool,
    pub prevent_jumper: bool,
    pub lock: bool,
}

impl Feature for RemovableMedium {
    const CODE: u16 = feature::REMOVABLE_MEDIUM;
    fn from_data(d: &[u8]) -> Self {
        let b = byte(d, 0);
        RemovableMedium {
            loading_mechanism: b >> 5,
            load: bit(b, 4),
            eject: bit(b, 3),
            prevent_jumper: bit(b, 2),
            lock: bit(b, 0),
        }
    }
    fn to_data(&self) -> Vec<u8> {
        vec![
            (self.loading_mechanism << 5)
                | flag(self.load, 4)
                | flag(self.eject, 3)
                | flag(self.prevent_jumper, 2)
                | flag(self.lock, 0),
            0,
            0,
            0,
        ]
    }
}

/// Feature 0004h Write Protect (MMC-5 5.3.5): 4 b3 DWP, b2 WDCB, b1 SPWP, b0
/// SSWPP. Present (and current with a medium) when the drive reports the
/// medium's write protection: READ DISC STRUCTURE format C0h then says
/// whether and why it is protected ([`crate::disc::WriteProtection`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteProtect {
    /// Disc write protect PAC (BD: READ/SEND DISC STRUCTURE 30h/C0h, media type 1).
    pub dwp: bool,
    /// Write Inhibit DCB on DVD+RW (format 30h).
    pub wdcb: bool,
    /// Persistent write protect (SEND DISC STRUCTURE C0h sets PWP).
    pub spwp: bool,
    /// The SWPP bit of mode page 1Dh (software write protect until power-down).
    pub sswpp: bool,
}

impl Feature for WriteProtect {
    const CODE: u16 = feature::WRITE_PROTECT;
    fn from_data(d: &[u8]) -> Self {
        let b = byte(d, 0);
        WriteProtect {
            dwp: bit(b, 3),
            wdcb: bit(b, 2),
            spwp: bit(b, 1),
            sswpp: bit(b, 0),
        }
    }
    fn to_data(&self) -> Vec<u8> {
        vec![
            flag(self.dwp, 3) | flag(self.wdcb, 2) | flag(self.spwp, 1) | flag(self.sswpp, 0),
            0,
            0,
            0,
        ]
    }
}

/// Feature 0010h Random Readable (and, same layout, 0020h Random Writable's
/// first fields): 4-7 logical block size, 8-9 blocking, 10 b0 PP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomReadable {
    pub block_size: u32,
    /// CD 1, DVD 16, BD 32.
    pub blocking: u16,
    pub page_present: bool,
}

impl Feature for RandomReadable {
    const CODE: u16 = feature::RANDOM_READABLE;
    fn from_data(d: &[u8]) -> Self {
        let p = padded::<8>(d);
        RandomReadable {
            block_size: be32(&p, 0),
            blocking: be16(&p, 4),
            page_present: bit(p[6], 0),
        }
    }
    fn to_data(&self) -> Vec<u8> {
        let mut p = [0u8; 8];
        put32(&mut p, 0, self.block_size);
        put16(&mut p, 4, self.blocking);
        p[6] = flag(self.page_present, 0);
        p.to_vec()
    }
}

/// Feature 0020h Random Writable: 4-7 last LBA, 8-11 block size, 12-13 blocking, 14 b0 PP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomWritable {
    pub last_lba: u32,
    pub block_size: u32,
    pub blocking: u16,
    pub page_present: bool,
}

impl Feature for RandomWritable {
    const CODE: u16 = feature::RANDOM_WRITABLE;
    fn from_data(d: &[u8]) -> Self {
        let p = padded::<12>(d);
        RandomWritable {
            last_lba: be32(&p, 0),
            block_size: be32(&p, 4),
            blocking: be16(&p, 8),
            page_present: bit(p[10], 0),
        }
    }
    fn to_data(&self) -> Vec<u8> {
        let mut p = [0u8; 12];
        put32(&mut p, 0, self.last_lba);
        put32(&mut p, 4, self.block_size);
        put16(&mut p, 8, self.blocking);
        p[10] = flag(self.page_present, 0);
        p.to_vec()
    }
}

/// Feature 0021h Incremental Streaming Writable: 4-5 data block types bitmap,
/// 6 b2 TRIO, b1 ARSV, b0 BUF; 7 number of link sizes; 8.. link sizes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IncrementalStreamingWritable {
    pub data_block_types: u16,
    pub trio: bool,
    pub arsv: bool,
    pub buf: bool,
    pub link_sizes: Vec<u8>,
}

impl Feature for IncrementalStreamingWritable {
    const CODE: u16 = feature::INCREMENTAL_STREAMING_WRITABLE;
    fn from_data(d: &[u8]) -> Self {
        let p = padded::<4>(d);
        let count = p[3] as usize;
        let link_sizes = d
            .get(4..)
            .map(|rest| rest.iter().take(count).copied().collect())
            .unwrap_or_default();
        IncrementalStreamingWritable {
            data_block_types: be16(&p, 0),
            trio: bit(p[2], 2),
            arsv: bit(p[2], 1),
            buf: bit(p[2], 0),
            link_sizes,
        }
    }
    fn to_data(&self) -> Vec<u8> {
        let mut out = vec![0u8; 4];
        put16(&mut out, 0, self.data_block_types);
        out[2] = flag(self.trio, 2) | flag(self.arsv, 1) | flag(self.buf, 0);
        out[3] = self.link_sizes.len().min(255) as u8;
        out.extend(self.link_sizes.iter().take(255));
        out
    }
}

/// Feature 0023h Formattable: 4 b3 RENoSA, b2 Expand, b1 QCert, b0 Cert; 8 b0 RRM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Formattable {
    pub renosa: bool,
    pub expand: bool,
    pub qcert: bool,
    pub cert: bool,
    pub rrm: bool,
}

impl Feature for Formattable {
    const CODE: u16 = feature::FORMATTABLE;
    fn from_data(d: &[u8]) -> Self {
        let b = byte(d, 0);
        Formattable {
            renosa: bit(b, 3),
            expand: bit(b, 2),
            qcert: bit(b, 1),
            cert: bit(b, 0),
            rrm: bit(byte(d, 4), 0),
        }
    }
    fn to_data(&self) -> Vec<u8> {
        let mut p = vec![0u8; 8];
        p[0] =
            flag(self.renosa, 3) | flag(self.expand, 2) | flag(self.qcert, 1) | flag(self.cert, 0);
        p[4] = flag(self.rrm, 0);
        p
    }
}

/// Feature 002Ah DVD+RW: 4 b0 Write; 5 b1 Quick Start, b0 Close Only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DvdPlusRw {
    pub write: bool,
    pub quick_start: bool,
    pub close_only: bool,
}

impl Feature for DvdPlusRw {
    const CODE: u16 = feature::DVD_PLUS_RW;
    fn from_data(d: &[u8]) -> Self {
        DvdPlusRw {
            write: bit(byte(d, 0), 0),
            quick_start: bit(byte(d, 1), 1),
            close_only: bit(byte(d, 1), 0),
        }
    }
    fn to_data(&self) -> Vec<u8> {
        vec![
            flag(self.write, 0),
            flag(self.quick_start, 1) | flag(self.close_only, 0),
            0,
            0,
        ]
    }
}

/// Feature 002Bh DVD+R (and 003Bh DVD+R DL, same layout): 4 b0 Write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DvdPlusR {
    pub write: bool,
}

impl Feature for DvdPlusR {
    const CODE: u16 = feature::DVD_PLUS_R;
    fn from_data(d: &[u8]) -> Self {
        DvdPlusR {
            write: bit(byte(d, 0), 0),
        }
    }
    fn to_data(&self) -> Vec<u8> {
        vec![flag(self.write, 0), 0, 0, 0]
    }
}

/// Feature 003Bh DVD+R Dual Layer: 4 b0 Write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DvdPlusRDl {
    pub write: bool,
}

impl Feature for DvdPlusRDl {
    const CODE: u16 = feature::DVD_PLUS_R_DL;
    fn from_data(d: &[u8]) -> Self {
        DvdPlusRDl {
            write: bit(byte(d, 0), 0),
        }
    }
    fn to_data(&self) -> Vec<u8> {
        vec![flag(self.write, 0), 0, 0, 0]
    }
}

/// Feature 002Dh CD Track at Once: 4 b6 BUF, b4 R-W raw, b3 R-W pack, b2 Test
/// Write, b1 CD-RW, b0 R-W subcode; 6-7 data types supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CdTrackAtOnce {
    pub buf: bool,
    pub rw_raw: bool,
    pub rw_pack: bool,
    pub test_write: bool,
    pub cd_rw: bool,
    pub rw_subcode: bool,
    pub data_types_supported: u16,
}

impl Feature for CdTrackAtOnce {
    const CODE: u16 = feature::CD_TRACK_AT_ONCE;
    fn from_data(d: &[u8]) -> Self {
        let p = padded::<4>(d);
        CdTrackAtOnce {
            buf: bit(p[0], 6),
            rw_raw: bit(p[0], 4),
            rw_pack: bit(p[0], 3),
            test_write: bit(p[0], 2),
            cd_rw: bit(p[0], 1),
            rw_subcode: bit(p[0], 0),
            data_types_supported: be16(&p, 2),
        }
    }
    fn to_data(&self) -> Vec<u8> {
        let mut p = vec![0u8; 4];
        p[0] = flag(self.buf, 6)
            | flag(self.rw_raw, 4)
            | flag(self.rw_pack, 3)
            | flag(self.test_write, 2)
            | flag(self.cd_rw, 1)
            | flag(self.rw_subcode, 0);
        put16(&mut p, 2, self.data_types_supported);
        p
    }
}

/// Feature 002Eh CD Mastering (SAO/raw): 4 b6 BUF, b5 SAO, b4 raw MS, b3 raw,
/// b2 Test Write, b1 CD-RW, b0 R-W; 5-7 maximum cue sheet length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CdMastering {
    pub buf: bool,
    pub sao: bool,
    pub raw_ms: bool,
    pub raw: bool,
    pub test_write: bool,
    pub cd_rw: bool,
    pub rw: bool,
    pub max_cue_sheet_length: u32,
}

impl Feature for CdMastering {
    const CODE: u16 = feature::CD_MASTERING;
    fn from_data(d: &[u8]) -> Self {
        let p = padded::<4>(d);
        CdMastering {
            buf: bit(p[0], 6),
            sao: bit(p[0], 5),
            raw_ms: bit(p[0], 4),
            raw: bit(p[0], 3),
            test_write: bit(p[0], 2),
            cd_rw: bit(p[0], 1),
            rw: bit(p[0], 0),
            max_cue_sheet_length: be24(&p, 1),
        }
    }
    fn to_data(&self) -> Vec<u8> {
        let mut p = vec![0u8; 4];
        p[0] = flag(self.buf, 6)
            | flag(self.sao, 5)
            | flag(self.raw_ms, 4)
            | flag(self.raw, 3)
            | flag(self.test_write, 2)
            | flag(self.cd_rw, 1)
            | flag(self.rw, 0);
        put24(&mut p, 1, self.max_cue_sheet_length);
        p
    }
}

/// Feature 002Fh DVD-R/-RW Write: 4 b6 BUF, b3 RDL, b2 Test Write, b1 DVD-RW SL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DvdRWrite {
    pub buf: bool,
    pub rdl: bool,
    pub test_write: bool,
    pub dvd_rw: bool,
}

impl Feature for DvdRWrite {
    const CODE: u16 = feature::DVD_R_RW_WRITE;
    fn from_data(d: &[u8]) -> Self {
        let b = byte(d, 0);
        DvdRWrite {
            buf: bit(b, 6),
            rdl: bit(b, 3),
            test_write: bit(b, 2),
            dvd_rw: bit(b, 1),
        }
    }
    fn to_data(&self) -> Vec<u8> {
        vec![
            flag(self.buf, 6) | flag(self.rdl, 3) | flag(self.test_write, 2) | flag(self.dvd_rw, 1),
            0,
            0,
            0,
        ]
    }
}

/// Feature 0040h BD Read / 0041h BD Write: class bitmaps. For 0041h byte 4 b0
/// SVNR; from byte 8 16-bit version bitmaps: BD-RE classes 0-3 (8-15), BD-R
/// classes 0-3 (16-23), BD-ROM classes 0-3 (24-31, BD Read only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BdWrite {
    pub svnr: bool,
    pub bd_re_class_versions: [u16; 4],
    pub bd_r_class_versions: [u16; 4],
}

impl Feature for BdWrite {
    const CODE: u16 = feature::BD_WRITE;
    fn from_data(d: &[u8]) -> Self {
        let p = padded::<20>(d);
        let mut re = [0u16; 4];
        let mut r = [0u16; 4];
        for i in 0..4 {
            re[i] = be16(&p, 4 + 2 * i);
            r[i] = be16(&p, 12 + 2 * i);
        }
        BdWrite {
            svnr: bit(p[0], 0),
            bd_re_class_versions: re,
            bd_r_class_versions: r,
        }
    }
    fn to_data(&self) -> Vec<u8> {
        let mut p = vec![0u8; 20];
        p[0] = flag(self.svnr, 0);
        for i in 0..4 {
            put16(&mut p, 4 + 2 * i, self.bd_re_class_versions[i]);
            put16(&mut p, 12 + 2 * i, self.bd_r_class_versions[i]);
        }
        p
    }
}

/// Feature 0107h Real Time Streaming: 4 b4 RBCB, b3 SCS, b2 MP2A, b1 WSPD, b0 SW.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RealTimeStreaming {
    pub rbcb: bool,
    /// SET CD SPEED supported.
    pub scs: bool,
    /// Page 2Ah carries write speeds.
    pub mp2a: bool,
    /// GET PERFORMANCE type 03h supported.
    pub wspd: bool,
    /// WRITE(12) streaming supported.
    pub sw: bool,
}

impl Feature for RealTimeStreaming {
    const CODE: u16 = feature::REAL_TIME_STREAMING;
    fn from_data(d: &[u8]) -> Self {
        let b = byte(d, 0);
        RealTimeStreaming {
            rbcb: bit(b, 4),
            scs: bit(b, 3),
            mp2a: bit(b, 2),
            wspd: bit(b, 1),
            sw: bit(b, 0),
        }
    }
    fn to_data(&self) -> Vec<u8> {
        vec![
            flag(self.rbcb, 4)
                | flag(self.scs, 3)
                | flag(self.mp2a, 2)
                | flag(self.wspd, 1)
                | flag(self.sw, 0),
            0,
            0,
            0,
        ]
    }
}
