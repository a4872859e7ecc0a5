//! System Use Sharing Protocol (IEEE P1281, SUSP 1.12): the entry header (4),
//! SP (5.3), CE (5.1), PD (5.2), ST (5.4), ER (5.5), ES (5.6), and a bounded
//! iterator over a System Use area.

use crate::bytes::{both_u32, put_both_u32};
use crate::{need, Error};

/// Every SUSP entry starts with a 2-byte signature, a length byte (covering the
/// whole entry) and a version byte (SUSP 4).
pub const HEADER_LEN: usize = 4;

/// An entry as recorded: signature, version and the bytes after the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawEntry<'a> {
    pub signature: [u8; 2],
    pub version: u8,
    pub data: &'a [u8],
}

impl<'a> RawEntry<'a> {
    /// Parses the entry at the start of `buf`; its length byte must be at least 4
    /// and within `buf`.
    pub fn parse(buf: &'a [u8]) -> Result<Self, Error> {
        need("SUSP entry", buf, HEADER_LEN)?;
        let len = usize::from(buf[2]);
        if len < HEADER_LEN {
            return Err(Error::BadLength {
                what: "SUSP entry",
                len,
                reason: "shorter than its 4-byte header",
            });
        }
        need("SUSP entry", buf, len)?;
        Ok(RawEntry {
            signature: [buf[0], buf[1]],
            version: buf[3],
            data: &buf[HEADER_LEN..len],
        })
    }

    /// Length of the whole entry.
    pub fn len(&self) -> usize {
        HEADER_LEN + self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// Writes a SUSP header for an entry of `len` bytes (header included).
pub fn emit_header(buf: &mut [u8], signature: &[u8; 2], len: usize, version: u8) {
    debug_assert!((HEADER_LEN..=255).contains(&len));
    buf[..2].copy_from_slice(signature);
    buf[2] = len as u8;
    buf[3] = version;
}

fn exact(what: &'static str, data: &[u8], len: usize) -> Result<(), Error> {
    if data.len() != len {
        return Err(Error::BadLength {
            what,
            len: data.len() + HEADER_LEN,
            reason: "wrong entry length",
        });
    }
    Ok(())
}

/// SP: SUSP indicator, first entry of the root's `.` record (SUSP 5.3). 7 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpEntry {
    /// Bytes to skip at the start of each System Use field (LEN_SKP).
    pub len_skp: u8,
}

impl SpEntry {
    pub const LEN: usize = 7;
    pub const CHECK_BYTES: [u8; 2] = [0xBE, 0xEF];

    pub fn parse(data: &[u8]) -> Result<Self, Error> {
        exact("SP entry", data, Self::LEN - HEADER_LEN)?;
        if data[..2] != Self::CHECK_BYTES {
            return Err(Error::Invalid {
                what: "SP entry",
                reason: "check bytes are not BE EF",
            });
        }
        Ok(SpEntry { len_skp: data[2] })
    }

    pub fn emit(&self, buf: &mut [u8]) {
        emit_header(buf, b"SP", Self::LEN, 1);
        buf[4..6].copy_from_slice(&Self::CHECK_BYTES);
        buf[6] = self.len_skp;
    }
}

/// CE: continuation area (SUSP 5.1). 28 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CeEntry {
    /// Logical block of the continuation area.
    pub block: u32,
    /// Byte offset of the area within that block.
    pub offset: u32,
    /// Length of the area in bytes.
    pub length: u32,
}

impl CeEntry {
    pub const LEN: usize = 28;

    pub fn parse(data: &[u8]) -> Result<Self, Error> {
        exact("CE entry", data, Self::LEN - HEADER_LEN)?;
        Ok(CeEntry {
            block: both_u32(data, 0),
            offset: both_u32(data, 8),
            length: both_u32(data, 16),
        })
    }

    pub fn emit(&self, buf: &mut [u8]) {
        emit_header(buf, b"CE", Self::LEN, 1);
        put_both_u32(buf, 4, self.block);
        put_both_u32(buf, 12, self.offset);
        put_both_u32(buf, 20, self.length);
    }
}

/// ER: extensions reference (SUSP 5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErEntry<'a> {
    pub ext_version: u8,
    pub identifier: &'a [u8],
    pub descriptor: &'a [u8],
    pub source: &'a [u8],
}

impl<'a> ErEntry<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        need("ER entry", data, 4)?;
        let (len_id, len_des, len_src) = (
            usize::from(data[0]),
            usize::from(data[1]),
            usize::from(data[2]),
        );
        let total = 4 + len_id + len_des + len_src;
        if total > data.len() {
            return Err(Error::BadLength {
                what: "ER entry",
                len: data.len() + HEADER_LEN,
                reason: "identifier lengths exceed the entry",
            });
        }
        let id_end = 4 + len_id;
        let des_end = id_end + len_des;
        Ok(ErEntry {
            ext_version: data[3],
            identifier: &data[4..id_end],
            descriptor: &data[id_end..des_end],
            source: &data[des_end..total],
        })
    }

    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + 4 + self.identifier.len() + self.descriptor.len() + self.source.len()
    }

    /// Panics if the entry would exceed 255 bytes.
    pub fn emit(&self, buf: &mut [u8]) {
        let len = self.buffer_len();
        assert!(len <= 255, "ER entry too long");
        emit_header(buf, b"ER", len, 1);
        buf[4] = self.identifier.len() as u8;
        buf[5] = self.descriptor.len() as u8;
        buf[6] = self.source.len() as u8;
        buf[7] = self.ext_version;
        let mut at = 8;
        for part in [self.identifier, self.descriptor, self.source] {
            buf[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
    }
}

/// ES: extension selector (SUSP 5.6). 5 bytes.
pub fn parse_es(data: &[u8]) -> Result<u8, Error> {
    exact("ES entry", data, 1)?;
    Ok(data[0])
}

/// Writes an ST (terminator, SUSP 5.4) entry: 4 bytes.
pub fn emit_st(buf: &mut [u8]) {
    emit_header(buf, b"ST", 4, 1);
}

/// Writes a PD (padding, SUSP 5.2) entry of `len` bytes (at least 4).
pub fn emit_pd(buf: &mut [u8], len: usize) {
    emit_header(buf, b"PD", len, 1);
    buf[HEADER_LEN..len].fill(0);
}

/// Iterates the SUSP entries of one System Use area (a record's field after
/// LEN_SKP, or a continuation area). Ends at ST, at trailing padding (fewer
/// than 4 bytes left, or a zero signature byte), or after yielding the error of
/// a malformed entry. Every step consumes at least 4 bytes, so it always ends.
pub struct SystemUseIter<'a> {
    data: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> SystemUseIter<'a> {
    pub fn new(area: &'a [u8]) -> Self {
        SystemUseIter {
            data: area,
            pos: 0,
            done: false,
        }
    }
}

impl<'a> Iterator for SystemUseIter<'a> {
    type Item = Result<RawEntry<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let rest = self.data.get(self.pos..).unwrap_or(&[]);
        if rest.len() < HEADER_LEN || rest[0] == 0 {
            self.done = true;
            return None;
        }
        match RawEntry::parse(rest) {
            Ok(entry) => {
                self.pos += entry.len();
                if &entry.signature == b"ST" {
                    self.done = true;
                }
                Some(Ok(entry))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static SP: [u8; 7] = [b'S', b'P', 7, 1, 0xBE, 0xEF, 0];
    static CE: [u8; 28] = [
        b'C', b'E', 28, 1, 0x20, 0, 0, 0, 0, 0, 0, 0x20, 0x10, 0, 0, 0, 0, 0, 0, 0x10, 0xED, 0, 0,
        0, 0, 0, 0, 0xED,
    ];
    static ER: [u8; 14] = [
        b'E', b'R', 14, 1, 2, 2, 2, 1, b'I', b'D', b'D', b'S', b'S', b'R',
    ];

    #[test]
    fn sp_parse_emit() {
        let raw = RawEntry::parse(&SP).unwrap();
        assert_eq!(&raw.signature, b"SP");
        assert_eq!(SpEntry::parse(raw.data).unwrap(), SpEntry { len_skp: 0 });
        let mut buf = [0u8; 7];
        SpEntry { len_skp: 0 }.emit(&mut buf);
        assert_eq!(buf, SP);
        assert!(SpEntry::parse(&[0xBE, 0xEE, 0]).is_err());
    }

    #[test]
    fn ce_parse_emit() {
        let raw = RawEntry::parse(&CE).unwrap();
        let ce = CeEntry::parse(raw.data).unwrap();
        assert_eq!(
            ce,
            CeEntry {
                block: 0x20,
                offset: 0x10,
                length: 0xED
            }
        );
        let mut buf = [0u8; 28];
        ce.emit(&mut buf);
        assert_eq!(buf, CE);
        assert!(CeEntry::parse(&raw.data[..20]).is_err());
    }

    #[test]
    fn er_parse_emit() {
        let raw = RawEntry::parse(&ER).unwrap();
        let er = ErEntry::parse(raw.data).unwrap();
        assert_eq!(
            er,
            ErEntry {
                ext_version: 1,
                identifier: b"ID",
                descriptor: b"DS",
                source: b"SR"
            }
        );
        assert_eq!(er.buffer_len(), 14);
        let mut buf = [0u8; 14];
        er.emit(&mut buf);
        assert_eq!(buf, ER);
        let mut bad = ER;
        bad[4] = 200;
        assert!(ErEntry::parse(RawEntry::parse(&bad).unwrap().data).is_err());
    }

    #[test]
    fn iterator_stops_at_st_padding_and_errors() {
        let mut area = Vec::new();
        area.extend_from_slice(&SP);
        area.extend_from_slice(b"ST\x04\x01");
        area.extend_from_slice(&CE);
        let sigs: Vec<_> = SystemUseIter::new(&area)
            .map(|e| e.unwrap().signature)
            .collect();
        assert_eq!(sigs, vec![*b"SP", *b"ST"]);
        // padding after entries
        let padded = [&SP[..], &[0u8, 0, 0][..]].concat();
        assert_eq!(SystemUseIter::new(&padded).count(), 1);
        // a length running past the area is an error, then the end
        let bad = [b'N', b'M', 40, 1, 0];
        let items: Vec<_> = SystemUseIter::new(&bad).collect();
        assert_eq!(items.len(), 1);
        assert!(items[0].is_err());
        // a zero length never loops
        let zero = [b'N', b'M', 0, 1, 0, 0, 0, 0];
        assert_eq!(SystemUseIter::new(&zero).count(), 1);
    }
}
