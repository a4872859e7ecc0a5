//! Numeric field encodings of ECMA-119 7.2–7.3: 16- and 32-bit integers in
//! little-endian, big-endian and "both-byte orders" forms.
//!
//! Readers take the little-endian half of a both-endian field (as Linux isofs does);
//! [`both_u32_consistent`] lets a strict caller check the two halves agree.
//! Every getter assumes the caller has checked the buffer length.

/// Reads a 16-bit little-endian integer (7.2.1).
pub fn u16_le(buf: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([buf[at], buf[at + 1]])
}
/// Reads a 16-bit big-endian integer (7.2.2).
pub fn u16_be(buf: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([buf[at], buf[at + 1]])
}
/// Reads a 32-bit little-endian integer (7.3.1).
pub fn u32_le(buf: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}
/// Reads a 32-bit big-endian integer (7.3.2).
pub fn u32_be(buf: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}
/// Reads a both-byte-order 16-bit integer (7.2.3): the little-endian half.
pub fn both_u16(buf: &[u8], at: usize) -> u16 {
    u16_le(buf, at)
}
/// Reads a both-byte-order 32-bit integer (7.3.3): the little-endian half.
pub fn both_u32(buf: &[u8], at: usize) -> u32 {
    u32_le(buf, at)
}
/// True when the two halves of a both-byte-order 32-bit field agree.
pub fn both_u32_consistent(buf: &[u8], at: usize) -> bool {
    u32_le(buf, at) == u32_be(buf, at + 4)
}

pub fn put_u16_le(buf: &mut [u8], at: usize, v: u16) {
    buf[at..at + 2].copy_from_slice(&v.to_le_bytes());
}
pub fn put_u16_be(buf: &mut [u8], at: usize, v: u16) {
    buf[at..at + 2].copy_from_slice(&v.to_be_bytes());
}
pub fn put_u32_le(buf: &mut [u8], at: usize, v: u32) {
    buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
}
pub fn put_u32_be(buf: &mut [u8], at: usize, v: u32) {
    buf[at..at + 4].copy_from_slice(&v.to_be_bytes());
}
/// Writes a both-byte-order 16-bit integer (7.2.3): LE then BE, 4 bytes.
pub fn put_both_u16(buf: &mut [u8], at: usize, v: u16) {
    put_u16_le(buf, at, v);
    put_u16_be(buf, at + 2, v);
}
/// Writes a both-byte-order 32-bit integer (7.3.3): LE then BE, 8 bytes.
pub fn put_both_u32(buf: &mut [u8], at: usize, v: u32) {
    put_u32_le(buf, at, v);
    put_u32_be(buf, at + 4, v);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_order_round_trip() {
        let mut buf = [0u8; 8];
        put_both_u32(&mut buf, 0, 0x0102_0304);
        assert_eq!(buf, [4, 3, 2, 1, 1, 2, 3, 4]);
        assert_eq!(both_u32(&buf, 0), 0x0102_0304);
        assert!(both_u32_consistent(&buf, 0));
        buf[7] = 9;
        assert!(!both_u32_consistent(&buf, 0));
        let mut b16 = [0u8; 4];
        put_both_u16(&mut b16, 0, 0x0800);
        assert_eq!(b16, [0, 8, 8, 0]);
        assert_eq!(both_u16(&b16, 0), 2048);
    }
}
