//! Path table records (ECMA-119 9.4). The L table stores numbers little-endian
//! (type L, 9.4.3 with 7.3.1), the M table big-endian (7.3.2).

use crate::bytes::{
    put_u16_be, put_u16_le, put_u32_be, put_u32_le, u16_be, u16_le, u32_be, u32_le,
};
use crate::{need, Error};

pub mod field {
    pub const LEN_DI: usize = 0;
    pub const EXT_ATTR_LEN: usize = 1;
    pub const EXTENT: usize = 2; // u32, L or M order
    pub const PARENT: usize = 6; // u16, L or M order
    pub const DIR_ID: usize = 8;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathTableEndian {
    /// Type L path table: little-endian numbers.
    Little,
    /// Type M path table: big-endian numbers.
    Big,
}

/// One path table record; the root's identifier is a single `\0` byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathTableRecord<'a> {
    pub ext_attr_len: u8,
    pub extent: u32,
    /// 1-based number of the parent directory's record (the root is its own parent: 1).
    pub parent: u16,
    pub dir_id: &'a [u8],
}

impl<'a> PathTableRecord<'a> {
    pub fn parse(buf: &'a [u8], endian: PathTableEndian) -> Result<Self, Error> {
        const WHAT: &str = "path table record";
        need(WHAT, buf, field::DIR_ID)?;
        let len_di = usize::from(buf[field::LEN_DI]);
        if len_di == 0 {
            return Err(Error::Invalid {
                what: WHAT,
                reason: "directory identifier length is 0",
            });
        }
        need(WHAT, buf, field::DIR_ID + len_di)?;
        let (extent, parent) = match endian {
            PathTableEndian::Little => (u32_le(buf, field::EXTENT), u16_le(buf, field::PARENT)),
            PathTableEndian::Big => (u32_be(buf, field::EXTENT), u16_be(buf, field::PARENT)),
        };
        Ok(PathTableRecord {
            ext_attr_len: buf[field::EXT_ATTR_LEN],
            extent,
            parent,
            dir_id: &buf[field::DIR_ID..field::DIR_ID + len_di],
        })
    }

    /// Record length including the padding byte after an odd-length identifier (9.4.6).
    pub fn buffer_len(&self) -> usize {
        Self::len_for(self.dir_id.len())
    }

    pub fn len_for(len_di: usize) -> usize {
        field::DIR_ID + len_di + len_di % 2
    }

    pub fn emit(&self, buf: &mut [u8], endian: PathTableEndian) {
        let len = self.buffer_len();
        let rec = &mut buf[..len];
        rec[field::LEN_DI] = self.dir_id.len() as u8;
        rec[field::EXT_ATTR_LEN] = self.ext_attr_len;
        match endian {
            PathTableEndian::Little => {
                put_u32_le(rec, field::EXTENT, self.extent);
                put_u16_le(rec, field::PARENT, self.parent);
            }
            PathTableEndian::Big => {
                put_u32_be(rec, field::EXTENT, self.extent);
                put_u16_be(rec, field::PARENT, self.parent);
            }
        }
        rec[field::DIR_ID..field::DIR_ID + self.dir_id.len()].copy_from_slice(self.dir_id);
        if self.dir_id.len() % 2 == 1 {
            rec[len - 1] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static L_RECORD: [u8; 12] = [3, 0, 0x20, 0, 0, 0, 1, 0, b'D', b'I', b'R', 0];
    static M_RECORD: [u8; 12] = [3, 0, 0, 0, 0, 0x20, 0, 1, b'D', b'I', b'R', 0];

    #[test]
    fn parse_and_emit_both_orders() {
        let repr = PathTableRecord {
            ext_attr_len: 0,
            extent: 0x20,
            parent: 1,
            dir_id: b"DIR",
        };
        assert_eq!(
            PathTableRecord::parse(&L_RECORD, PathTableEndian::Little).unwrap(),
            repr
        );
        assert_eq!(
            PathTableRecord::parse(&M_RECORD, PathTableEndian::Big).unwrap(),
            repr
        );
        let mut buf = [0xFFu8; 12];
        repr.emit(&mut buf, PathTableEndian::Little);
        assert_eq!(buf, L_RECORD);
        repr.emit(&mut buf, PathTableEndian::Big);
        assert_eq!(buf, M_RECORD);
        assert_eq!(repr.buffer_len(), 12);
        assert_eq!(PathTableRecord::len_for(1), 10);
        assert_eq!(PathTableRecord::len_for(2), 10);
    }

    #[test]
    fn rejects_truncation() {
        assert!(PathTableRecord::parse(&L_RECORD[..10], PathTableEndian::Little).is_err());
        assert!(PathTableRecord::parse(&[0u8; 9], PathTableEndian::Little).is_err());
    }
}
