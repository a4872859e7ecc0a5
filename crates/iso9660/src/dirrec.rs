//! Directory records (ECMA-119 9.1).
//!
//! A record is `33 + len_fi` bytes, plus one padding byte when `len_fi` is even
//! (9.1.12), followed by the System Use field (9.1.13) where SUSP / Rock Ridge live.
//! The identifiers `\0` and `\1` name a directory's `.` and `..` records (6.8.2.2).

use crate::bytes::{both_u16, both_u32, put_both_u16, put_both_u32};
use crate::date::DirDate;
use crate::{need, Error};

/// Byte offsets inside a directory record (ECMA-119 9.1, Table 8).
pub mod field {
    pub const LEN_DR: usize = 0;
    pub const EXT_ATTR_LEN: usize = 1;
    pub const EXTENT: usize = 2; // both-endian u32
    pub const DATA_LEN: usize = 10; // both-endian u32
    pub const DATE: usize = 18; // 7 bytes
    pub const FLAGS: usize = 25;
    pub const FILE_UNIT_SIZE: usize = 26;
    pub const INTERLEAVE_GAP: usize = 27;
    pub const VOLUME_SEQUENCE: usize = 28; // both-endian u16
    pub const LEN_FI: usize = 32;
    pub const FILE_ID: usize = 33;
}

/// Length of the fixed part of a directory record.
pub const FIXED_LEN: usize = 33;
/// Largest directory record (LEN_DR is one byte).
pub const MAX_LEN: usize = 255;

/// File flags (ECMA-119 9.1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct FileFlags(pub u8);

impl FileFlags {
    /// Bit 0 "Existence": the file need not be made known to the user (hidden).
    pub const HIDDEN: u8 = 0x01;
    /// Bit 1: the record identifies a directory.
    pub const DIRECTORY: u8 = 0x02;
    /// Bit 2: associated file.
    pub const ASSOCIATED: u8 = 0x04;
    /// Bit 3: record format specified in the extended attribute record.
    pub const RECORD: u8 = 0x08;
    /// Bit 4: owner/group/permissions in the extended attribute record.
    pub const PROTECTION: u8 = 0x10;
    /// Bit 7: this is not the final directory record of the file (multi-extent).
    pub const MULTI_EXTENT: u8 = 0x80;

    pub fn hidden(self) -> bool {
        self.0 & Self::HIDDEN != 0
    }
    pub fn directory(self) -> bool {
        self.0 & Self::DIRECTORY != 0
    }
    pub fn associated(self) -> bool {
        self.0 & Self::ASSOCIATED != 0
    }
    pub fn multi_extent(self) -> bool {
        self.0 & Self::MULTI_EXTENT != 0
    }
}

/// One directory record; `file_id` and `system_use` borrow from the parsed buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectoryRecord<'a> {
    pub ext_attr_len: u8,
    /// First logical block of the extent.
    pub extent: u32,
    /// Length of the file section in bytes.
    pub data_len: u32,
    pub date: DirDate,
    pub flags: FileFlags,
    pub file_unit_size: u8,
    pub interleave_gap: u8,
    pub volume_sequence: u16,
    /// File identifier as recorded: `\0` for `.`, `\1` for `..`, `NAME.EXT;1`, or UCS-2 for Joliet.
    pub file_id: &'a [u8],
    /// The System Use field (SUSP entries), after the padding byte.
    pub system_use: &'a [u8],
}

impl<'a> DirectoryRecord<'a> {
    /// Length of the record up to the System Use field: fixed part, identifier, padding.
    pub fn header_len(len_fi: usize) -> usize {
        FIXED_LEN + len_fi + usize::from(len_fi & 1 == 0)
    }

    /// Parses one record from the start of `buf`. `buf` may extend past the
    /// record; the record's own LEN_DR bounds it. A LEN_DR of 0 is reported as
    /// `BadLength` (callers treat it as "skip to the next sector", 6.8.1.1).
    pub fn parse(buf: &'a [u8]) -> Result<Self, Error> {
        const WHAT: &str = "directory record";
        need(WHAT, buf, 1)?;
        let len = usize::from(buf[field::LEN_DR]);
        if len < FIXED_LEN + 1 {
            return Err(Error::BadLength {
                what: WHAT,
                len,
                reason: "shorter than 34 bytes",
            });
        }
        need(WHAT, buf, len)?;
        let rec = &buf[..len];
        let len_fi = usize::from(rec[field::LEN_FI]);
        if len_fi == 0 {
            return Err(Error::Invalid {
                what: WHAT,
                reason: "file identifier length is 0",
            });
        }
        let header = Self::header_len(len_fi);
        if header > len {
            // Tolerate a missing padding byte only when nothing follows the identifier.
            if FIXED_LEN + len_fi != len {
                return Err(Error::BadLength {
                    what: WHAT,
                    len,
                    reason: "file identifier runs past the record",
                });
            }
        }
        let su_start = header.min(len);
        Ok(DirectoryRecord {
            ext_attr_len: rec[field::EXT_ATTR_LEN],
            extent: both_u32(rec, field::EXTENT),
            data_len: both_u32(rec, field::DATA_LEN),
            date: DirDate::parse(&rec[field::DATE..field::DATE + DirDate::LEN])?,
            flags: FileFlags(rec[field::FLAGS]),
            file_unit_size: rec[field::FILE_UNIT_SIZE],
            interleave_gap: rec[field::INTERLEAVE_GAP],
            volume_sequence: both_u16(rec, field::VOLUME_SEQUENCE),
            file_id: &rec[field::FILE_ID..field::FILE_ID + len_fi],
            system_use: &rec[su_start..],
        })
    }

    /// Total record length; even, as 9.1.13 requires (a padding byte is added
    /// after an odd-length System Use field).
    pub fn buffer_len(&self) -> usize {
        let len = Self::header_len(self.file_id.len()) + self.system_use.len();
        len + len % 2
    }

    /// Writes the record into `buf[..self.buffer_len()]`.
    ///
    /// Panics if `buf` is too short or the record is longer than 255 bytes
    /// (callers size the System Use field and move the rest to a CE area).
    pub fn emit(&self, buf: &mut [u8]) {
        let len = self.buffer_len();
        assert!(
            len <= MAX_LEN,
            "directory record of {len} bytes exceeds 255"
        );
        let rec = &mut buf[..len];
        rec.fill(0);
        rec[field::LEN_DR] = len as u8;
        rec[field::EXT_ATTR_LEN] = self.ext_attr_len;
        put_both_u32(rec, field::EXTENT, self.extent);
        put_both_u32(rec, field::DATA_LEN, self.data_len);
        self.date.emit(&mut rec[field::DATE..]);
        rec[field::FLAGS] = self.flags.0;
        rec[field::FILE_UNIT_SIZE] = self.file_unit_size;
        rec[field::INTERLEAVE_GAP] = self.interleave_gap;
        put_both_u16(rec, field::VOLUME_SEQUENCE, self.volume_sequence);
        rec[field::LEN_FI] = self.file_id.len() as u8;
        rec[field::FILE_ID..field::FILE_ID + self.file_id.len()].copy_from_slice(self.file_id);
        let su = Self::header_len(self.file_id.len());
        rec[su..su + self.system_use.len()].copy_from_slice(self.system_use);
    }

    /// True for the `.` record (identifier `\0`).
    pub fn is_dot(&self) -> bool {
        self.file_id == [0]
    }
    /// True for the `..` record (identifier `\1`).
    pub fn is_dotdot(&self) -> bool {
        self.file_id == [1]
    }
}

/// Iterates the records of a directory extent, skipping the zero padding at the
/// end of each sector (ECMA-119 6.8.1.1: records never span sectors). Stops at
/// the first malformed record after yielding its error. Never panics or loops.
pub struct RecordIter<'a> {
    data: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> RecordIter<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        RecordIter {
            data,
            pos: 0,
            done: false,
        }
    }
}

impl<'a> Iterator for RecordIter<'a> {
    /// The byte offset of the record within the extent, and the record.
    type Item = Result<(usize, DirectoryRecord<'a>), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done && self.pos < self.data.len() {
            let sector_end = ((self.pos / crate::SECTOR_SIZE) + 1) * crate::SECTOR_SIZE;
            let sector_end = sector_end.min(self.data.len());
            if self.data[self.pos] == 0 {
                self.pos = sector_end;
                continue;
            }
            let at = self.pos;
            return match DirectoryRecord::parse(&self.data[at..sector_end]) {
                Ok(rec) => {
                    self.pos += usize::from(self.data[at]);
                    Some(Ok((at, rec)))
                }
                Err(e) => {
                    self.done = true;
                    Some(Err(e))
                }
            };
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A file record "A.TXT;1" at LBA 0x1234, 5000 bytes, with a 4-byte system use
    // field "ST\x04\x01". 33 + 7 = 40 (odd len_fi -> no pad), + 4 = 44 bytes.
    static RECORD: [u8; 44] = [
        44, 0, // len, ext attr len
        0x34, 0x12, 0, 0, 0, 0, 0x12, 0x34, // extent
        0x88, 0x13, 0, 0, 0, 0, 0x13, 0x88, // data length 5000
        124, 2, 29, 13, 45, 7, 4, // date
        0x00, 0, 0, // flags, unit size, gap
        1, 0, 0, 1, // volume sequence 1
        7, b'A', b'.', b'T', b'X', b'T', b';', b'1', // identifier
        b'S', b'T', 4, 1,
    ];

    fn repr() -> DirectoryRecord<'static> {
        DirectoryRecord {
            ext_attr_len: 0,
            extent: 0x1234,
            data_len: 5000,
            date: DirDate {
                years_since_1900: 124,
                month: 2,
                day: 29,
                hour: 13,
                minute: 45,
                second: 7,
                gmt_offset: 4,
            },
            flags: FileFlags(0),
            file_unit_size: 0,
            interleave_gap: 0,
            volume_sequence: 1,
            file_id: b"A.TXT;1",
            system_use: b"ST\x04\x01",
        }
    }

    #[test]
    fn deconstruct() {
        assert_eq!(RECORD[field::LEN_DR], 44);
        assert_eq!(both_u32(&RECORD, field::EXTENT), 0x1234);
        assert_eq!(both_u32(&RECORD, field::DATA_LEN), 5000);
        assert_eq!(RECORD[field::LEN_FI], 7);
    }

    #[test]
    fn parse_and_emit() {
        assert_eq!(DirectoryRecord::parse(&RECORD).unwrap(), repr());
        let mut buf = [0xAAu8; 64];
        assert_eq!(repr().buffer_len(), 44);
        repr().emit(&mut buf);
        assert_eq!(&buf[..44], &RECORD[..]);
    }

    #[test]
    fn even_identifier_gets_padding_and_odd_su_gets_padded() {
        let mut r = repr();
        r.file_id = b"\0";
        r.system_use = b"";
        r.flags = FileFlags(FileFlags::DIRECTORY);
        assert_eq!(r.buffer_len(), 34);
        let mut buf = [0u8; 34];
        r.emit(&mut buf);
        let p = DirectoryRecord::parse(&buf).unwrap();
        assert!(p.is_dot() && p.flags.directory());
        r.file_id = b"AB";
        r.system_use = b"X";
        // 33 + 2 + 1 pad + 1 = 37 -> padded to 38
        assert_eq!(r.buffer_len(), 38);
    }

    #[test]
    fn rejects_bad_lengths() {
        let mut bad = RECORD;
        bad[field::LEN_FI] = 20;
        assert!(DirectoryRecord::parse(&bad).is_err());
        assert!(DirectoryRecord::parse(&RECORD[..43]).is_err());
        let mut short = RECORD;
        short[0] = 10;
        assert!(DirectoryRecord::parse(&short).is_err());
        bad[field::LEN_FI] = 0;
        assert!(DirectoryRecord::parse(&bad).is_err());
    }

    #[test]
    fn iterator_skips_sector_padding() {
        let mut ext = vec![0u8; 4096];
        ext[..44].copy_from_slice(&RECORD);
        ext[2048..2048 + 44].copy_from_slice(&RECORD);
        let recs: Vec<_> = RecordIter::new(&ext).collect::<Result<_, _>>().unwrap();
        assert_eq!(
            recs.iter().map(|(at, _)| *at).collect::<Vec<_>>(),
            vec![0, 2048]
        );
    }
}
