//! Big-endian field access used by every parser and emitter (MMC fields are
//! big-endian, mmc.md conventions). Callers check lengths before reading.

#[inline]
pub(crate) fn be16(b: &[u8], off: usize) -> u16 {
    u16::from_be_bytes([b[off], b[off + 1]])
}

#[inline]
pub(crate) fn be24(b: &[u8], off: usize) -> u32 {
    u32::from_be_bytes([0, b[off], b[off + 1], b[off + 2]])
}

#[inline]
pub(crate) fn be32(b: &[u8], off: usize) -> u32 {
    u32::from_be_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

#[inline]
pub(crate) fn put16(b: &mut [u8], off: usize, v: u16) {
    b[off..off + 2].copy_from_slice(&v.to_be_bytes());
}

#[inline]
pub(crate) fn put24(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 3].copy_from_slice(&v.to_be_bytes()[1..]);
}

#[inline]
pub(crate) fn put32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_be_bytes());
}

#[inline]
pub(crate) fn bit(byte: u8, n: u8) -> bool {
    byte & (1 << n) != 0
}

#[inline]
pub(crate) fn flag(on: bool, n: u8) -> u8 {
    if on {
        1 << n
    } else {
        0
    }
}

/// ASCII field with trailing spaces and NULs removed (INQUIRY, sysfs).
pub(crate) fn ascii_trimmed(b: &[u8]) -> String {
    let text: String = b
        .iter()
        .map(|&c| {
            if (0x20..0x7f).contains(&c) {
                c as char
            } else {
                ' '
            }
        })
        .collect();
    text.trim().to_string()
}

/// Writes `text` into `out`, space padded (INQUIRY identification fields).
pub(crate) fn put_ascii_padded(out: &mut [u8], text: &str) {
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = text
            .as_bytes()
            .get(i)
            .copied()
            .filter(|c| (0x20..0x7f).contains(c))
            .unwrap_or(b' ');
    }
}
