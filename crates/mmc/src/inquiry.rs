//! Small fixed answers: INQUIRY (SPC-3 6.4; mmc.md §2.1), READ CAPACITY
//! (mmc.md §2.4), GET EVENT STATUS NOTIFICATION media events (mmc.md §2.3),
//! READ BUFFER CAPACITY (mmc.md §2.15).

use crate::bytes::{ascii_trimmed, be16, be32, bit, flag, put16, put32, put_ascii_padded};
use crate::ParseError;

/// Peripheral device type of CD/DVD devices.
pub const DEVICE_TYPE_MMC: u8 = 0x05;

/// Standard INQUIRY data: 0 b4..b0 device type; 1 b7 RMB; 2 version; 3 b3..b0
/// response data format; 4 additional length; 8-15 vendor, 16-31 product,
/// 32-35 revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InquiryData {
    pub peripheral_qualifier: u8,
    pub device_type: u8,
    pub removable: bool,
    pub version: u8,
    pub response_data_format: u8,
    pub additional_length: u8,
    /// T10 vendor identification, trailing spaces removed.
    pub vendor: String,
    pub product: String,
    pub revision: String,
}

impl InquiryData {
    pub const LEN: usize = 36;

    pub fn total_length(header: &[u8]) -> Option<usize> {
        (header.len() >= 5).then(|| header[4] as usize + 5)
    }

    /// Parses INQUIRY data; identification fields beyond the data read as empty.
    pub fn parse(b: &[u8]) -> Result<InquiryData, ParseError> {
        ParseError::need("INQUIRY data", b, 5)?;
        let field = |from: usize, to: usize| {
            b.get(from..to.min(b.len()))
                .map(ascii_trimmed)
                .unwrap_or_default()
        };
        Ok(InquiryData {
            peripheral_qualifier: b[0] >> 5,
            device_type: b[0] & 0x1F,
            removable: bit(b[1], 7),
            version: b[2],
            response_data_format: b[3] & 0x0F,
            additional_length: b[4],
            vendor: field(8, 16),
            product: field(16, 32),
            revision: field(32, 36),
        })
    }

    /// A CD/DVD device (type 5, removable) with these identification strings.
    pub fn mmc_device(vendor: &str, product: &str, revision: &str) -> InquiryData {
        InquiryData {
            peripheral_qualifier: 0,
            device_type: DEVICE_TYPE_MMC,
            removable: true,
            version: 5,
            response_data_format: 2,
            additional_length: (Self::LEN - 5) as u8,
            vendor: vendor.to_string(),
            product: product.to_string(),
            revision: revision.to_string(),
        }
    }

    /// Builds 36 bytes; strings are space padded.
    pub fn emit(&self) -> [u8; Self::LEN] {
        let mut b = [0u8; Self::LEN];
        b[0] = (self.peripheral_qualifier << 5) | (self.device_type & 0x1F);
        b[1] = flag(self.removable, 7);
        b[2] = self.version;
        b[3] = self.response_data_format & 0x0F;
        b[4] = self.additional_length;
        put_ascii_padded(&mut b[8..16], &self.vendor);
        put_ascii_padded(&mut b[16..32], &self.product);
        put_ascii_padded(&mut b[32..36], &self.revision);
        b
    }
}

/// READ CAPACITY answer: 0-3 last readable LBA, 4-7 block length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapacityData {
    pub last_lba: u32,
    pub block_length: u32,
}

impl CapacityData {
    pub const LEN: usize = 8;

    pub fn parse(b: &[u8]) -> Result<CapacityData, ParseError> {
        ParseError::need("READ CAPACITY data", b, Self::LEN)?;
        Ok(CapacityData {
            last_lba: be32(b, 0),
            block_length: be32(b, 4),
        })
    }

    pub fn emit(&self) -> [u8; Self::LEN] {
        let mut b = [0u8; Self::LEN];
        put32(&mut b, 0, self.last_lba);
        put32(&mut b, 4, self.block_length);
        b
    }

    /// Number of readable blocks: last LBA + 1.
    pub fn block_count(&self) -> u64 {
        u64::from(self.last_lba) + 1
    }
}

code_enum! {
    /// Media event code (GESN media class, byte 4 b3..b0).
    MediaEventCode: u8 {
        NoChange = 0,
        EjectRequest = 1,
        NewMedia = 2,
        MediaRemoval = 3,
        MediaChanged = 4,
        BackgroundFormatCompleted = 5,
        BackgroundFormatRestarted = 6,
    }
}

/// GET EVENT STATUS NOTIFICATION answer with a media event: 0-1 length (6),
/// 2 b7 NEA, b2..b0 class (4 media), 3 supported classes, 4 b3..b0 event,
/// 5 b1 media present, b0 tray open, 6 start slot, 7 end slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaEventStatus {
    /// Byte 2 b7: no event available (then no event data follows).
    pub nea: bool,
    /// Byte 2 b2..b0.
    pub notification_class: u8,
    /// Byte 3.
    pub supported_classes: u8,
    pub event: MediaEventCode,
    pub media_present: bool,
    pub tray_open: bool,
}

impl MediaEventStatus {
    pub const LEN: usize = 8;
    /// Notification class of media events.
    pub const MEDIA: u8 = 4;

    pub fn parse(b: &[u8]) -> Result<MediaEventStatus, ParseError> {
        ParseError::need("event status header", b, 4)?;
        let nea = bit(b[2], 7);
        let event_bytes = if nea || b.len() < 6 {
            [0u8; 2]
        } else {
            [b[4], b[5]]
        };
        Ok(MediaEventStatus {
            nea,
            notification_class: b[2] & 7,
            supported_classes: b[3],
            event: MediaEventCode::from(event_bytes[0] & 0x0F),
            media_present: bit(event_bytes[1], 1),
            tray_open: bit(event_bytes[1], 0),
        })
    }

    pub fn emit(&self) -> Vec<u8> {
        if self.nea {
            let mut b = vec![0u8; 4];
            put16(&mut b, 0, 2);
            b[2] = 0x80 | (self.notification_class & 7);
            b[3] = self.supported_classes;
            return b;
        }
        let mut b = vec![0u8; Self::LEN];
        put16(&mut b, 0, (Self::LEN - 2) as u16);
        b[2] = self.notification_class & 7;
        b[3] = self.supported_classes;
        b[4] = u8::from(self.event) & 0x0F;
        b[5] = flag(self.media_present, 1) | flag(self.tray_open, 0);
        b
    }

    pub fn total_length(header: &[u8]) -> Option<usize> {
        (header.len() >= 2).then(|| be16(header, 0) as usize + 2)
    }
}

/// READ BUFFER CAPACITY answer: 0-1 length (10), 4-7 buffer bytes, 8-11 free bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferCapacity {
    pub buffer_length: u32,
    pub available: u32,
}

impl BufferCapacity {
    pub const LEN: usize = 12;

    pub fn parse(b: &[u8]) -> Result<BufferCapacity, ParseError> {
        ParseError::need("buffer capacity", b, Self::LEN)?;
        Ok(BufferCapacity {
            buffer_length: be32(b, 4),
            available: be32(b, 8),
        })
    }

    pub fn emit(&self) -> [u8; Self::LEN] {
        let mut b = [0u8; Self::LEN];
        put16(&mut b, 0, (Self::LEN - 2) as u16);
        put32(&mut b, 4, self.buffer_length);
        put32(&mut b, 8, self.available);
        b
    }
}
