//! Character sets and names: d-characters and a-characters (ECMA-119 7.4),
//! the level-3 identifier rules (7.5, 10.3), and Joliet's UCS-2 big-endian names.

/// d-characters: `A-Z`, `0-9`, `_` (ECMA-119 7.4.1, Annex A).
pub fn is_d_char(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'
}

/// a-characters: d-characters plus space and `!"%&'()*+,-./:;<=>?` (7.4.1).
pub fn is_a_char(b: u8) -> bool {
    is_d_char(b) || b" !\"%&'()*+,-./:;<=>?".contains(&b)
}

/// Maps arbitrary bytes to d-characters: ASCII letters are uppercased, anything
/// else that is not a d-character becomes `_`.
pub fn to_d_chars(name: &[u8]) -> Vec<u8> {
    name.iter()
        .map(|&b| {
            let up = b.to_ascii_uppercase();
            if is_d_char(up) {
                up
            } else {
                b'_'
            }
        })
        .collect()
}

/// Maps to a-characters (for volume descriptor text fields such as the system
/// and publisher identifiers).
pub fn to_a_chars(text: &[u8]) -> Vec<u8> {
    text.iter()
        .map(|&b| {
            let up = b.to_ascii_uppercase();
            if is_a_char(up) {
                up
            } else {
                b'_'
            }
        })
        .collect()
}

/// Fills a fixed-size identifier field: `text` then spaces (7.4.3).
pub fn pad_field(field: &mut [u8], text: &[u8]) {
    let n = text.len().min(field.len());
    field[..n].copy_from_slice(&text[..n]);
    field[n..].fill(b' ');
}

/// Fills a fixed-size Joliet identifier field with UCS-2 BE `text` then UCS-2 spaces.
/// Truncates to whole characters.
pub fn pad_field_ucs2(field: &mut [u8], text: &str) {
    let encoded = encode_ucs2(text);
    let n = encoded.len().min(field.len() & !1);
    field[..n].copy_from_slice(&encoded[..n]);
    for pair in field[n..].chunks_mut(2) {
        pair[0] = 0;
        if pair.len() == 2 {
            pair[1] = b' ';
        }
    }
}

/// Trims trailing spaces (and NULs) from a recorded identifier field.
pub fn trim_field(field: &[u8]) -> &[u8] {
    let end = field
        .iter()
        .rposition(|&b| b != b' ' && b != 0)
        .map_or(0, |p| p + 1);
    &field[..end]
}

/// Strips the `;N` version suffix (7.5.1) and a trailing `.` left by a file
/// with no extension (`NAME.;1`), as readers present ISO names.
pub fn strip_version(file_id: &[u8]) -> &[u8] {
    let base = match file_id.iter().rposition(|&b| b == b';') {
        Some(p) if file_id[p + 1..].iter().all(u8::is_ascii_digit) => &file_id[..p],
        _ => file_id,
    };
    match base.split_last() {
        Some((b'.', rest)) if !rest.is_empty() => rest,
        _ => base,
    }
}

/// Encodes text as UCS-2 big-endian for Joliet. Characters outside the Basic
/// Multilingual Plane cannot be represented and become U+FFFD; callers that
/// need unique names disambiguate afterwards.
pub fn encode_ucs2(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 2);
    for c in text.chars() {
        let unit = u16::try_from(u32::from(c)).unwrap_or(0xFFFD);
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out
}

/// Decodes a Joliet UCS-2 big-endian identifier. Surrogate pairs (written by
/// some Windows versions) are decoded as UTF-16; unpaired surrogates and an odd
/// trailing byte become U+FFFD.
pub fn decode_ucs2(bytes: &[u8]) -> String {
    let units = bytes
        .chunks_exact(2)
        .map(|p| u16::from_be_bytes([p[0], p[1]]));
    let mut out: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or('\u{FFFD}'))
        .collect();
    if bytes.len() % 2 == 1 {
        out.push('\u{FFFD}');
    }
    out
}

/// Characters Joliet forbids in names: `*`, `/`, `:`, `;`, `?`, `\` and controls
/// below U+0020 (Joliet specification 1995, "Character Set").
pub fn is_joliet_forbidden(c: char) -> bool {
    (c as u32) < 0x20 || matches!(c, '*' | '/' | ':' | ';' | '?' | '\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn d_char_mapping() {
        assert_eq!(to_d_chars(b"hello-World.txt"), b"HELLO_WORLD_TXT");
        assert!(is_d_char(b'Z') && is_d_char(b'0') && is_d_char(b'_'));
        assert!(!is_d_char(b'a') && !is_d_char(b'.') && !is_d_char(b' '));
        assert!(is_a_char(b' ') && is_a_char(b'?') && !is_a_char(b'a'));
        assert_eq!(to_a_chars(b"gen iso~"), b"GEN ISO_");
    }

    #[test]
    fn fields() {
        let mut f = [0u8; 8];
        pad_field(&mut f, b"ABC");
        assert_eq!(&f, b"ABC     ");
        assert_eq!(trim_field(&f), b"ABC");
        let mut j = [0u8; 8];
        pad_field_ucs2(&mut j, "é");
        assert_eq!(j, [0, 0xE9, 0, b' ', 0, b' ', 0, b' ']);
        assert_eq!(trim_field(&[b' '; 4]), b"");
    }

    #[test]
    fn versions() {
        assert_eq!(strip_version(b"A.TXT;1"), b"A.TXT");
        assert_eq!(strip_version(b"README.;1"), b"README");
        assert_eq!(strip_version(b"DIR"), b"DIR");
        assert_eq!(strip_version(b"A;B"), b"A;B");
        assert_eq!(strip_version(b"."), b".");
    }

    #[test]
    fn ucs2_round_trip() {
        let enc = encode_ucs2("Aé€");
        assert_eq!(enc, [0, b'A', 0, 0xE9, 0x20, 0xAC]);
        assert_eq!(decode_ucs2(&enc), "Aé€");
        assert_eq!(encode_ucs2("😀"), [0xFF, 0xFD]);
        // A surrogate pair decodes as UTF-16.
        assert_eq!(decode_ucs2(&[0xD8, 0x3D, 0xDE, 0x00]), "😀");
        assert_eq!(decode_ucs2(&[0xD8, 0x3D]), "\u{FFFD}");
        assert_eq!(decode_ucs2(&[0, b'A', 0]), "A\u{FFFD}");
        assert!(is_joliet_forbidden('*') && !is_joliet_forbidden('a'));
    }
}
