//! Basic types shared by many descriptors (ECMA-167 1/7, 3/7, 4/7; UDF 2.1).

use crate::{invalid, le, need, Error};

/// `extent_ad` (ECMA-167 3/7.1): a byte length and an absolute block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtentAd {
    pub length: u32,
    pub location: u32,
}

impl ExtentAd {
    pub const LEN: usize = 8;
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        need("extent_ad", buf, Self::LEN)?;
        Ok(ExtentAd {
            length: le::u32(buf, 0),
            location: le::u32(buf, 4),
        })
    }
    pub fn emit(&self, buf: &mut [u8]) {
        le::put_u32(buf, 0, self.length);
        le::put_u32(buf, 4, self.location);
    }
}

/// `lb_addr` (ECMA-167 4/7.1): a block of a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, PartialOrd, Ord)]
pub struct LbAddr {
    pub block: u32,
    /// Index into the logical volume's partition maps.
    pub partition: u16,
}

impl LbAddr {
    pub const LEN: usize = 6;
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        need("lb_addr", buf, Self::LEN)?;
        Ok(LbAddr {
            block: le::u32(buf, 0),
            partition: le::u16(buf, 4),
        })
    }
    pub fn emit(&self, buf: &mut [u8]) {
        le::put_u32(buf, 0, self.block);
        le::put_u16(buf, 4, self.partition);
    }
}

/// The two top bits of an allocation descriptor's length (ECMA-167 4/14.14.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtentType {
    /// Recorded and allocated: the bytes are on the medium.
    Recorded,
    /// Allocated but not recorded: reads as zeros.
    AllocatedNotRecorded,
    /// Neither: a hole, reads as zeros.
    NotAllocated,
    /// The extent holds the next allocation descriptors (an AED).
    NextExtent,
}

impl ExtentType {
    fn from_bits(bits: u32) -> ExtentType {
        match bits & 3 {
            0 => ExtentType::Recorded,
            1 => ExtentType::AllocatedNotRecorded,
            2 => ExtentType::NotAllocated,
            _ => ExtentType::NextExtent,
        }
    }
    fn bits(self) -> u32 {
        match self {
            ExtentType::Recorded => 0,
            ExtentType::AllocatedNotRecorded => 1,
            ExtentType::NotAllocated => 2,
            ExtentType::NextExtent => 3,
        }
    }
}

/// Largest byte length an allocation descriptor can carry (30 bits).
pub const MAX_AD_LENGTH: u32 = 0x3FFF_FFFF;

fn split_length(raw: u32) -> (u32, ExtentType) {
    (raw & MAX_AD_LENGTH, ExtentType::from_bits(raw >> 30))
}

fn join_length(length: u32, kind: ExtentType) -> u32 {
    (length & MAX_AD_LENGTH) | (kind.bits() << 30)
}

/// `short_ad` (ECMA-167 4/14.14.1): an extent in the ICB's own partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShortAd {
    pub length: u32,
    pub kind: ExtentType,
    pub position: u32,
}

impl ShortAd {
    pub const LEN: usize = 8;
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        need("short_ad", buf, Self::LEN)?;
        let (length, kind) = split_length(le::u32(buf, 0));
        Ok(ShortAd {
            length,
            kind,
            position: le::u32(buf, 4),
        })
    }
    pub fn emit(&self, buf: &mut [u8]) {
        le::put_u32(buf, 0, join_length(self.length, self.kind));
        le::put_u32(buf, 4, self.position);
    }
}

/// `long_ad` (ECMA-167 4/14.14.2): an extent in any partition, with 6 bytes of
/// implementation use (UDF 2.3.10.1: flags, then 4 bytes; in FIDs those 4
/// bytes hold the low 32 bits of the target's UniqueID, UDF 2.3.4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongAd {
    pub length: u32,
    pub kind: ExtentType,
    pub location: LbAddr,
    pub implementation_use: [u8; 6],
}

impl LongAd {
    pub const LEN: usize = 16;
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        need("long_ad", buf, Self::LEN)?;
        let (length, kind) = split_length(le::u32(buf, 0));
        let mut implementation_use = [0u8; 6];
        implementation_use.copy_from_slice(&buf[10..16]);
        Ok(LongAd {
            length,
            kind,
            location: LbAddr::parse(&buf[4..])?,
            implementation_use,
        })
    }
    pub fn emit(&self, buf: &mut [u8]) {
        le::put_u32(buf, 0, join_length(self.length, self.kind));
        self.location.emit(&mut buf[4..]);
        buf[10..16].copy_from_slice(&self.implementation_use);
    }
    /// A recorded extent with the UDF unique ID in its implementation use.
    pub fn with_unique_id(length: u32, location: LbAddr, unique_id: u64) -> LongAd {
        let mut implementation_use = [0u8; 6];
        implementation_use[2..6].copy_from_slice(&(unique_id as u32).to_le_bytes());
        LongAd {
            length,
            kind: ExtentType::Recorded,
            location,
            implementation_use,
        }
    }
    /// The UDF unique ID's low 32 bits (UDF 2.3.4.3).
    pub fn unique_id(&self) -> u32 {
        le::u32(&self.implementation_use, 2)
    }
}

/// `ext_ad` (ECMA-167 4/14.14.3). Read only: UDF forbids it in file entries
/// (UDF 2.3.10) and Linux and 7-Zip refuse it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtAd {
    pub length: u32,
    pub kind: ExtentType,
    pub recorded_length: u32,
    pub information_length: u32,
    pub location: LbAddr,
}

impl ExtAd {
    pub const LEN: usize = 20;
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        need("ext_ad", buf, Self::LEN)?;
        let (length, kind) = split_length(le::u32(buf, 0));
        Ok(ExtAd {
            length,
            kind,
            recorded_length: le::u32(buf, 4),
            information_length: le::u32(buf, 8),
            location: LbAddr::parse(&buf[12..])?,
        })
    }
}

/// `timestamp` (ECMA-167 1/7.3), 12 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timestamp {
    /// Bits 12–15: type (1 = local time); bits 0–11: signed minutes from UTC,
    /// −1440..=1440, or −2047 when unspecified.
    pub type_and_timezone: u16,
    pub year: i16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub centiseconds: u8,
    pub hundreds_of_microseconds: u8,
    pub microseconds: u8,
}

/// The "no time zone" value of the 12-bit offset (ECMA-167 1/7.3.1).
const NO_TIMEZONE: i16 = -2047;

impl Timestamp {
    pub const LEN: usize = 12;

    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        need("timestamp", buf, Self::LEN)?;
        Ok(Timestamp {
            type_and_timezone: le::u16(buf, 0),
            year: le::u16(buf, 2) as i16,
            month: buf[4],
            day: buf[5],
            hour: buf[6],
            minute: buf[7],
            second: buf[8],
            centiseconds: buf[9],
            hundreds_of_microseconds: buf[10],
            microseconds: buf[11],
        })
    }

    pub fn emit(&self, buf: &mut [u8]) {
        le::put_u16(buf, 0, self.type_and_timezone);
        le::put_u16(buf, 2, self.year as u16);
        buf[4] = self.month;
        buf[5] = self.day;
        buf[6] = self.hour;
        buf[7] = self.minute;
        buf[8] = self.second;
        buf[9] = self.centiseconds;
        buf[10] = self.hundreds_of_microseconds;
        buf[11] = self.microseconds;
    }

    /// Minutes east of UTC; `None` when unspecified (read as UTC, as Linux does).
    pub fn offset_minutes(&self) -> Option<i16> {
        // Sign-extend the 12-bit field.
        let raw = ((self.type_and_timezone << 4) as i16) >> 4;
        (raw != NO_TIMEZONE && (-1440..=1440).contains(&raw)).then_some(raw)
    }

    /// Seconds since the Unix epoch, or `None` for an all-zero or impossible date.
    pub fn to_unix(&self) -> Option<i64> {
        if self.year == 0 && self.month == 0 && self.day == 0 {
            return None;
        }
        if !(1..=12).contains(&self.month)
            || !(1..=31).contains(&self.day)
            || self.hour > 23
            || self.minute > 59
            || self.second > 60
        {
            return None;
        }
        // Only type 1 (local time) carries a meaningful offset (ECMA-167 1/7.3.1).
        let offset = if self.type_and_timezone >> 12 == 1 {
            i64::from(self.offset_minutes().unwrap_or(0))
        } else {
            0
        };
        let days = days_from_civil(i64::from(self.year), self.month.into(), self.day.into());
        Some(
            days * 86400
                + i64::from(self.hour) * 3600
                + i64::from(self.minute) * 60
                + i64::from(self.second)
                - offset * 60,
        )
    }

    /// The UTC time `secs` since the epoch, as a type-1 timestamp with offset 0
    /// (what genisoimage and mkudffs write).
    pub fn from_unix(secs: i64) -> Timestamp {
        let days = secs.div_euclid(86400);
        let rem = secs.rem_euclid(86400);
        let (year, month, day) = civil_from_days(days);
        let year = year.clamp(1, 9999);
        Timestamp {
            type_and_timezone: 0x1000,
            year: year as i16,
            month: month as u8,
            day: day as u8,
            hour: (rem / 3600) as u8,
            minute: (rem / 60 % 60) as u8,
            second: (rem % 60) as u8,
            ..Default::default()
        }
    }
}

// Howard Hinnant's days-from-civil algorithms (proleptic Gregorian calendar).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `charspec` (ECMA-167 1/7.2.1), 64 bytes. UDF uses only CS0 with the
/// identifier "OSTA Compressed Unicode" (UDF 2.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charspec {
    pub kind: u8,
    pub information: [u8; 63],
}

impl Charspec {
    pub const LEN: usize = 64;

    /// CS0 "OSTA Compressed Unicode".
    pub fn osta() -> Charspec {
        let mut information = [0u8; 63];
        let text = b"OSTA Compressed Unicode";
        information[..text.len()].copy_from_slice(text);
        Charspec {
            kind: 0,
            information,
        }
    }
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        need("charspec", buf, Self::LEN)?;
        let mut information = [0u8; 63];
        information.copy_from_slice(&buf[1..64]);
        Ok(Charspec {
            kind: buf[0],
            information,
        })
    }
    pub fn emit(&self, buf: &mut [u8]) {
        buf[0] = self.kind;
        buf[1..64].copy_from_slice(&self.information);
    }
}

/// An entity identifier (`regid`, ECMA-167 1/7.4; UDF 2.1.5), 32 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntityId {
    pub flags: u8,
    pub identifier: [u8; 23],
    pub suffix: [u8; 8],
}

impl EntityId {
    pub const LEN: usize = 32;

    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        need("entity identifier", buf, Self::LEN)?;
        let mut identifier = [0u8; 23];
        identifier.copy_from_slice(&buf[1..24]);
        let mut suffix = [0u8; 8];
        suffix.copy_from_slice(&buf[24..32]);
        Ok(EntityId {
            flags: buf[0],
            identifier,
            suffix,
        })
    }

    pub fn emit(&self, buf: &mut [u8]) {
        buf[0] = self.flags;
        buf[1..24].copy_from_slice(&self.identifier);
        buf[24..32].copy_from_slice(&self.suffix);
    }

    fn with(identifier: &[u8], suffix: [u8; 8]) -> EntityId {
        let mut id = [0u8; 23];
        let n = identifier.len().min(23);
        id[..n].copy_from_slice(&identifier[..n]);
        EntityId {
            flags: 0,
            identifier: id,
            suffix,
        }
    }

    /// A domain identifier ("*OSTA UDF Compliant"): revision and the
    /// hard/soft write-protect flags (UDF 2.1.5.3).
    pub fn domain(revision: crate::Revision, write_protect: u8) -> EntityId {
        let r = revision.0.to_le_bytes();
        EntityId::with(
            b"*OSTA UDF Compliant",
            [r[0], r[1], write_protect, 0, 0, 0, 0, 0],
        )
    }

    /// A UDF identifier (`*UDF ...`): revision, OS class 4 (UNIX), OS id 5 (Linux).
    pub fn udf(identifier: &[u8], revision: crate::Revision) -> EntityId {
        let r = revision.0.to_le_bytes();
        EntityId::with(identifier, [r[0], r[1], 4, 5, 0, 0, 0, 0])
    }

    /// An implementation identifier: OS class 4 (UNIX), OS id 5 (Linux).
    pub fn implementation(identifier: &[u8]) -> EntityId {
        EntityId::with(identifier, [4, 5, 0, 0, 0, 0, 0, 0])
    }

    /// A plain identifier with a zero suffix ("+NSR03").
    pub fn plain(identifier: &[u8]) -> EntityId {
        EntityId::with(identifier, [0; 8])
    }

    /// The identifier without its zero padding.
    pub fn name(&self) -> &[u8] {
        let end = self
            .identifier
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.identifier.len());
        &self.identifier[..end]
    }

    pub fn is(&self, name: &[u8]) -> bool {
        self.name() == name
    }

    /// The revision of a domain or UDF suffix.
    pub fn suffix_revision(&self) -> crate::Revision {
        crate::Revision(le::u16(&self.suffix, 0))
    }

    /// Checks this is the given identifier.
    pub fn expect(&self, what: &'static str, name: &[u8]) -> Result<(), Error> {
        if self.is(name) {
            Ok(())
        } else {
            Err(invalid(
                what,
                format!(
                    "identifier {:?}, expected {:?}",
                    String::from_utf8_lossy(self.name()),
                    String::from_utf8_lossy(name)
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // long_ad of a FID: 2048 bytes at lbn 3 of partition 0, unique ID 18.
    static LONG_AD: [u8; 16] = [0, 8, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 18, 0, 0, 0];

    #[test]
    fn long_ad_round_trip() {
        let ad = LongAd::parse(&LONG_AD).unwrap();
        assert_eq!(ad.length, 2048);
        assert_eq!(ad.kind, ExtentType::Recorded);
        assert_eq!(
            ad.location,
            LbAddr {
                block: 3,
                partition: 0
            }
        );
        assert_eq!(ad.unique_id(), 18);
        assert_eq!(ad, LongAd::with_unique_id(2048, ad.location, 18));
        let mut out = [0u8; 16];
        ad.emit(&mut out);
        assert_eq!(out, LONG_AD);
    }

    #[test]
    fn short_ad_type_bits() {
        let raw = [0x00, 0x08, 0x00, 0xC0, 9, 0, 0, 0];
        let ad = ShortAd::parse(&raw).unwrap();
        assert_eq!(ad.kind, ExtentType::NextExtent);
        assert_eq!(ad.length, 2048);
        let mut out = [0u8; 8];
        ad.emit(&mut out);
        assert_eq!(out, raw);
    }

    // 2026-12-02 21:54:07.00 type 1, +60 minutes.
    static TIME: [u8; 12] = [0x3c, 0x10, 0xea, 0x07, 12, 2, 21, 54, 7, 0, 0, 0];

    #[test]
    fn timestamp_round_trip_and_offset() {
        let t = Timestamp::parse(&TIME).unwrap();
        assert_eq!(t.offset_minutes(), Some(60));
        assert_eq!(t.year, 2026);
        let mut out = [0u8; 12];
        t.emit(&mut out);
        assert_eq!(out, TIME);
        let utc = Timestamp::from_unix(t.to_unix().unwrap());
        assert_eq!(
            (utc.hour, utc.minute, utc.type_and_timezone),
            (20, 54, 0x1000)
        );
        assert_eq!(Timestamp::from_unix(0).to_unix(), Some(0));
        assert_eq!(Timestamp::from_unix(-86401).to_unix(), Some(-86401));
        let mut unspecified = t;
        unspecified.type_and_timezone = 0x1000 | (-2047i16 as u16 & 0x0fff);
        assert_eq!(unspecified.offset_minutes(), None);
        assert_eq!(Timestamp::default().to_unix(), None);
    }

    #[test]
    fn entity_ids() {
        let d = EntityId::domain(crate::Revision::V2_01, 3);
        let mut b = [0u8; 32];
        d.emit(&mut b);
        assert_eq!(&b[1..20], b"*OSTA UDF Compliant");
        assert_eq!(&b[24..27], &[0x01, 0x02, 3]);
        let back = EntityId::parse(&b).unwrap();
        assert!(back.is(b"*OSTA UDF Compliant"));
        assert_eq!(back.suffix_revision(), crate::Revision::V2_01);
        assert!(back.expect("x", b"+NSR03").is_err());
    }
}
