//! OSTA Compressed Unicode (CS0, UDF 2.1.1) and `dstring` fields (UDF 2.1.3).
//!
//! A CS0 string starts with a compression ID: 8 means one byte per character
//! (U+0000–U+00FF), 16 means big-endian UTF-16. 254 and 255 are the same
//! for the names of deleted FIDs (UDF 2.3.4.2).

use crate::{invalid, Error};

/// Decodes a CS0 string (compression ID included). An empty input is "".
pub fn decode(bytes: &[u8]) -> Result<String, Error> {
    let Some((&id, rest)) = bytes.split_first() else {
        return Ok(String::new());
    };
    match id {
        8 | 254 => Ok(rest.iter().map(|&b| char::from(b)).collect()),
        16 | 255 => {
            if rest.len() % 2 != 0 {
                return Err(invalid(
                    "CS0 string",
                    "16-bit string with an odd number of bytes",
                ));
            }
            let units = rest
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]));
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .map_err(|_| invalid("CS0 string", "an unpaired UTF-16 surrogate"))
        }
        other => Err(invalid(
            "CS0 string",
            format!("compression ID {other} (only 8 and 16 exist)"),
        )),
    }
}

/// Encodes `text` as CS0: compression 8 when every character is ≤ U+00FF,
/// else 16 (as Linux and mkudffs do).
pub fn encode(text: &str) -> Vec<u8> {
    if text.chars().all(|c| u32::from(c) <= 0xFF) {
        let mut out = Vec::with_capacity(text.len() + 1);
        out.push(8);
        out.extend(text.chars().map(|c| u32::from(c) as u8));
        out
    } else {
        let mut out = vec![16];
        for unit in text.encode_utf16() {
            out.extend_from_slice(&unit.to_be_bytes());
        }
        out
    }
}

/// Length in bytes of `text` encoded as CS0 (see [`encode`]).
pub fn encoded_len(text: &str) -> usize {
    if text.chars().all(|c| u32::from(c) <= 0xFF) {
        1 + text.chars().count()
    } else {
        1 + 2 * text.encode_utf16().count()
    }
}

/// Decodes a `dstring[n]` field: CS0 bytes, zero padding, and in the last byte
/// the number of bytes used. An all-zero field is "". A length that does not
/// fit is clamped (as Linux does); a bad compression ID is an error.
pub fn decode_dstring(field: &[u8]) -> Result<String, Error> {
    let Some((&used, body)) = field.split_last() else {
        return Ok(String::new());
    };
    let used = usize::from(used).min(body.len());
    if used == 0 {
        return Ok(String::new());
    }
    decode(&body[..used])
}

/// Writes `text` into a `dstring` of `field.len()` bytes, cutting it at a
/// character boundary when it does not fit.
pub fn encode_dstring(text: &str, field: &mut [u8]) {
    field.fill(0);
    if text.is_empty() || field.len() < 2 {
        return;
    }
    let room = field.len() - 1;
    let mut cut = text.len();
    let mut encoded = encode(text);
    while encoded.len() > room {
        cut -= 1;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        encoded = encode(&text[..cut]);
    }
    if encoded.len() <= 1 {
        return;
    }
    field[..encoded.len()].copy_from_slice(&encoded);
    let last = field.len() - 1;
    field[last] = encoded.len() as u8;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_and_sixteen_bit() {
        assert_eq!(encode("a.txt"), b"\x08a.txt");
        assert_eq!(decode(b"\x08caf\xe9").unwrap(), "café");
        assert_eq!(encode("café"), b"\x08caf\xe9");
        let snow = encode("日本");
        assert_eq!(snow, [16, 0x65, 0xe5, 0x67, 0x2c]);
        assert_eq!(decode(&snow).unwrap(), "日本");
        assert_eq!(encoded_len("日本"), 5);
        // A character outside the BMP is a surrogate pair.
        let emoji = encode("\u{1F600}");
        assert_eq!(emoji.len(), 5);
        assert_eq!(decode(&emoji).unwrap(), "\u{1F600}");
        assert!(decode(&[16, 0xd8, 0x00]).is_err());
        assert!(decode(&[16, 0xd8]).is_err());
        assert!(decode(&[7, b'a']).is_err());
        assert_eq!(decode(b"\xfex").unwrap(), "x");
    }

    #[test]
    fn dstrings() {
        let mut field = [0u8; 32];
        encode_dstring("BRIDGE1", &mut field);
        assert_eq!(&field[..8], b"\x08BRIDGE1");
        assert_eq!(field[31], 8);
        assert_eq!(decode_dstring(&field).unwrap(), "BRIDGE1");
        encode_dstring(&"x".repeat(40), &mut field);
        assert_eq!(field[31], 31);
        assert_eq!(decode_dstring(&field).unwrap(), "x".repeat(30));
        assert_eq!(decode_dstring(&[0u8; 32]).unwrap(), "");
        let mut bad = [0u8; 8];
        bad[0] = 8;
        bad[1] = b'a';
        bad[7] = 200; // clamped to the field
        assert_eq!(decode_dstring(&bad).unwrap(), "a\0\0\0\0\0");
    }
}
