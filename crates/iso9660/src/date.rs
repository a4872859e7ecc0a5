//! Dates and times: the 7-byte form of directory records (ECMA-119 9.1.5) and the
//! 17-byte digit form of volume descriptors (ECMA-119 8.4.26.1). Rock Ridge TF
//! entries use either form (RRIP 1.12 4.1.6, LONG_FORM flag).

use crate::{need, Error};

/// Days since 1970-01-01 of a proleptic Gregorian civil date.
pub const fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date (year, month, day) of a count of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Splits seconds since the epoch (UTC) into civil fields.
fn split_unix(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, mo, d) = civil_from_days(days);
    (
        y,
        mo,
        d,
        (rem / 3600) as u32,
        ((rem / 60) % 60) as u32,
        (rem % 60) as u32,
    )
}

/// Directory record date, 7 bytes (ECMA-119 9.1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DirDate {
    /// Years since 1900 (byte 0).
    pub years_since_1900: u8,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    /// Offset from GMT in 15-minute intervals, -48 (west) to +52 (east) (byte 6).
    pub gmt_offset: i8,
}

impl DirDate {
    pub const LEN: usize = 7;

    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        need("directory record date", buf, Self::LEN)?;
        Ok(DirDate {
            years_since_1900: buf[0],
            month: buf[1],
            day: buf[2],
            hour: buf[3],
            minute: buf[4],
            second: buf[5],
            gmt_offset: buf[6] as i8,
        })
    }

    pub fn emit(&self, buf: &mut [u8]) {
        buf[..Self::LEN].copy_from_slice(&[
            self.years_since_1900,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.gmt_offset as u8,
        ]);
    }

    /// The date of `secs` seconds since 1970-01-01 UTC, written with GMT offset 0.
    /// Years outside 1900..=2155 are clamped to the representable range.
    pub fn from_unix(secs: i64) -> Self {
        const MIN: i64 = days_from_civil(1900, 1, 1) * 86_400;
        const MAX: i64 = days_from_civil(2155, 12, 31) * 86_400 + 86_399;
        let (y, mo, d, h, mi, s) = split_unix(secs.clamp(MIN, MAX));
        DirDate {
            years_since_1900: (y - 1900) as u8,
            month: mo as u8,
            day: d as u8,
            hour: h as u8,
            minute: mi as u8,
            second: s as u8,
            gmt_offset: 0,
        }
    }

    /// Seconds since 1970-01-01 UTC, or `None` when the fields are not a valid
    /// date (an all-zero date means "not specified").
    pub fn to_unix(&self) -> Option<i64> {
        if !(1..=12).contains(&self.month)
            || !(1..=31).contains(&self.day)
            || self.hour > 23
            || self.minute > 59
            || self.second > 60
        {
            return None;
        }
        if !(-48..=52).contains(&self.gmt_offset) {
            return None;
        }
        let days = days_from_civil(
            1900 + i64::from(self.years_since_1900),
            self.month.into(),
            self.day.into(),
        );
        let local = days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second);
        Some(local - i64::from(self.gmt_offset) * 15 * 60)
    }
}

/// Volume descriptor date, 17 bytes: 16 ASCII digits `YYYYMMDDhhmmsscc` and a
/// GMT offset byte (ECMA-119 8.4.26.1). All digits `0` and offset 0 means
/// "not specified".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VolumeDate {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub hundredths: u8,
    /// Offset from GMT in 15-minute intervals.
    pub gmt_offset: i8,
}

impl VolumeDate {
    pub const LEN: usize = 17;

    /// The "not specified" date (all fields zero).
    pub const UNSET: VolumeDate = VolumeDate {
        year: 0,
        month: 0,
        day: 0,
        hour: 0,
        minute: 0,
        second: 0,
        hundredths: 0,
        gmt_offset: 0,
    };

    /// Parses 17 bytes. Sixteen NUL bytes are accepted as "not specified" (some
    /// writers emit them); any other non-digit is an error.
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        need("volume descriptor date", buf, Self::LEN)?;
        if buf[..16].iter().all(|&b| b == 0) {
            return Ok(VolumeDate {
                gmt_offset: buf[16] as i8,
                ..Self::UNSET
            });
        }
        if !buf[..16].iter().all(u8::is_ascii_digit) {
            return Err(Error::Invalid {
                what: "volume descriptor date",
                reason: "digits expected",
            });
        }
        let num = |at: usize, n: usize| {
            buf[at..at + n]
                .iter()
                .fold(0u16, |acc, &d| acc * 10 + u16::from(d - b'0'))
        };
        Ok(VolumeDate {
            year: num(0, 4),
            month: num(4, 2) as u8,
            day: num(6, 2) as u8,
            hour: num(8, 2) as u8,
            minute: num(10, 2) as u8,
            second: num(12, 2) as u8,
            hundredths: num(14, 2) as u8,
            gmt_offset: buf[16] as i8,
        })
    }

    pub fn emit(&self, buf: &mut [u8]) {
        let text = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}{:02}",
            self.year.min(9999),
            self.month.min(99),
            self.day.min(99),
            self.hour.min(99),
            self.minute.min(99),
            self.second.min(99),
            self.hundredths.min(99)
        );
        buf[..16].copy_from_slice(text.as_bytes());
        buf[16] = self.gmt_offset as u8;
    }

    pub fn is_unset(&self) -> bool {
        self.year == 0 && self.month == 0 && self.day == 0
    }

    /// The date of `secs` seconds since 1970-01-01 UTC (offset 0), clamped to years 1..=9999.
    pub fn from_unix(secs: i64) -> Self {
        const MIN: i64 = days_from_civil(1, 1, 1) * 86_400;
        const MAX: i64 = days_from_civil(9999, 12, 31) * 86_400 + 86_399;
        let (y, mo, d, h, mi, s) = split_unix(secs.clamp(MIN, MAX));
        VolumeDate {
            year: y as u16,
            month: mo as u8,
            day: d as u8,
            hour: h as u8,
            minute: mi as u8,
            second: s as u8,
            hundredths: 0,
            gmt_offset: 0,
        }
    }

    /// Seconds since 1970-01-01 UTC, or `None` if unset or invalid.
    pub fn to_unix(&self) -> Option<i64> {
        if self.is_unset()
            || !(1..=12).contains(&self.month)
            || !(1..=31).contains(&self.day)
            || self.hour > 23
            || self.minute > 59
            || self.second > 60
            || !(-48..=52).contains(&self.gmt_offset)
        {
            return None;
        }
        let days = days_from_civil(self.year.into(), self.month.into(), self.day.into());
        let local = days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second);
        Some(local - i64::from(self.gmt_offset) * 15 * 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2024-02-29 13:45:07 at GMT+1 (offset 4 quarter hours).
    static DIR_DATE: [u8; 7] = [124, 2, 29, 13, 45, 7, 4];
    static VOL_DATE: [u8; 17] = *b"2024022913450799\x04";

    #[test]
    fn dir_date_deconstruct_and_emit() {
        let d = DirDate::parse(&DIR_DATE).unwrap();
        assert_eq!(
            (
                d.years_since_1900,
                d.month,
                d.day,
                d.hour,
                d.minute,
                d.second,
                d.gmt_offset
            ),
            (124, 2, 29, 13, 45, 7, 4)
        );
        let mut out = [0u8; 7];
        d.emit(&mut out);
        assert_eq!(out, DIR_DATE);
        // 2024-02-29 12:45:07 UTC
        assert_eq!(d.to_unix(), Some(1_709_210_707));
        let utc = DirDate::from_unix(1_709_210_707);
        assert_eq!((utc.hour, utc.gmt_offset), (12, 0));
        assert_eq!(utc.to_unix(), Some(1_709_210_707));
        assert_eq!(DirDate::default().to_unix(), None);
        assert!(DirDate::parse(&DIR_DATE[..6]).is_err());
    }

    #[test]
    fn vol_date_deconstruct_and_emit() {
        let d = VolumeDate::parse(&VOL_DATE).unwrap();
        assert_eq!(
            (
                d.year,
                d.month,
                d.day,
                d.hour,
                d.minute,
                d.second,
                d.hundredths,
                d.gmt_offset
            ),
            (2024, 2, 29, 13, 45, 7, 99, 4)
        );
        let mut out = [0u8; 17];
        d.emit(&mut out);
        assert_eq!(out, VOL_DATE);
        assert_eq!(d.to_unix(), Some(1_709_210_707));
        let unset = VolumeDate::parse(b"0000000000000000\0").unwrap();
        assert!(unset.is_unset());
        assert_eq!(unset.to_unix(), None);
        assert!(VolumeDate::parse(&[0u8; 17]).unwrap().is_unset());
        assert!(VolumeDate::parse(b"20240229134507x9\0").is_err());
    }

    #[test]
    fn civil_round_trip() {
        for days in [-719_468i64, -1, 0, 1, 11_016, 19_782, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(DirDate::from_unix(i64::MIN).years_since_1900, 0);
        assert_eq!(DirDate::from_unix(i64::MAX).years_since_1900, 255);
    }
}
