//! The MD5 checksum tags of libisofs (`doc/checksums.txt`, "Checksum Tags"):
//! one 2048-byte block that starts with a line of text such as
//!
//! ```text
//! libisofs_checksum_tag_v1 pos=64 range_start=32 range_size=32 md5=<32 hex> self=<32 hex>\n
//! ```
//!
//! followed by zeros. `md5` is the MD5 of the blocks `range_start ..
//! range_start + range_size`; `self` is the MD5 of the text up to the last
//! `md5` digit. The superblock and tree tags add `next=` (where the next tag
//! of the session lies), the tag in the LBA-0 copy of an image file adds
//! `session_start=` (the newest session).
//!
//! The parser follows the rules of the reference reader: the tag identifier
//! at byte 0, exactly one byte after it, `pos=` right there, each later field
//! found after the previous one, a newline right after the `self` digits.

use md5::{Digest, Md5};

/// Which tag a block holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagKind {
    /// After the checksum array: covers the whole session.
    Session,
    /// After the volume descriptor set terminator: system area and descriptors.
    Superblock,
    /// After the ECMA-119 directory tree and path tables.
    Tree,
    /// In the 64 KiB head of an image file (LBA 0–31), pointing at the newest session.
    Relocated,
}

impl TagKind {
    const ALL: [TagKind; 4] = [
        TagKind::Session,
        TagKind::Superblock,
        TagKind::Tree,
        TagKind::Relocated,
    ];

    /// The identifier at byte 0 of the block.
    pub fn identifier(self) -> &'static str {
        match self {
            TagKind::Session => "libisofs_checksum_tag_v1",
            TagKind::Superblock => "libisofs_sb_checksum_tag_v1",
            TagKind::Tree => "libisofs_tree_checksum_tag_v1",
            TagKind::Relocated => "libisofs_rlsb32_checksum_tag_v1",
        }
    }

    /// The name of the field after `range_size`, if the kind has one.
    fn extra_field(self) -> Option<&'static str> {
        match self {
            TagKind::Session => None,
            TagKind::Superblock | TagKind::Tree => Some("next="),
            TagKind::Relocated => Some("session_start="),
        }
    }

    /// How xorriso names the kind in its messages.
    pub fn description(self) -> &'static str {
        match self {
            TagKind::Session => "session tag",
            TagKind::Superblock => "superblock tag",
            TagKind::Tree => "tree tag",
            TagKind::Relocated => "relocated 64kB superblock tag",
        }
    }
}

/// One checksum tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Md5Tag {
    pub kind: TagKind,
    /// The LBA of the tag block itself.
    pub pos: u32,
    /// First block covered (the session start; 0 for the relocated tag).
    pub range_start: u32,
    /// Blocks covered: `pos - range_start`.
    pub range_size: u32,
    /// `next=` (superblock and tree tags) or `session_start=` (relocated tag); 0 otherwise.
    pub extra: u32,
    /// MD5 of the covered blocks.
    pub md5: [u8; 16],
}

/// Why a block that starts like a tag cannot be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    /// The `self=` checksum does not match the text: the tag block is damaged.
    #[error("{kind} at LBA {pos}: its text is damaged (self checksum mismatch)", kind = .kind.description())]
    Damaged { kind: TagKind, pos: u32 },
}

/// Lowercase hex of 16 bytes.
pub fn hex(md5: &[u8; 16]) -> String {
    let mut s = String::with_capacity(32);
    for b in md5 {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn parse_hex(text: &[u8]) -> Option<[u8; 16]> {
    if text.len() < 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, pair) in text[..32].chunks_exact(2).enumerate() {
        let digit = |c: u8| (c as char).to_digit(16);
        out[i] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some(out)
}

impl Md5Tag {
    /// The text of the tag up to and including the last `md5` digit.
    fn head_text(&self) -> String {
        let mut text = format!(
            "{} pos={} range_start={} range_size={}",
            self.kind.identifier(),
            self.pos,
            self.range_start,
            self.range_size
        );
        if let Some(field) = self.kind.extra_field() {
            text.push(' ');
            text.push_str(field);
            text.push_str(&self.extra.to_string());
        }
        text.push_str(" md5=");
        text.push_str(&hex(&self.md5));
        text
    }

    /// Writes the tag as a whole block: text, `self`, newline, zeros.
    pub fn emit(&self, block: &mut [u8]) {
        let head = self.head_text();
        let own: [u8; 16] = Md5::digest(head.as_bytes()).into();
        let line = format!("{head} self={}\n", hex(&own));
        block.fill(0);
        block[..line.len()].copy_from_slice(line.as_bytes());
    }

    /// Reads the tag in `block`: `Ok(None)` when the block holds no tag.
    pub fn parse(block: &[u8]) -> Result<Option<Md5Tag>, TagError> {
        let Some(kind) = TagKind::ALL
            .into_iter()
            .find(|k| block.starts_with(k.identifier().as_bytes()))
        else {
            return Ok(None);
        };
        // The text ends at the first zero byte (the rest of the block is zero fill).
        let end = block.iter().position(|&b| b == 0).unwrap_or(block.len());
        let text = &block[..end];
        let mut at = kind.identifier().len() + 1;
        if !text.get(at..).is_some_and(|t| t.starts_with(b"pos=")) {
            return Ok(None);
        }
        let number = |name: &str, at: &mut usize| -> Option<u32> {
            let from = *at + find(&text[*at..], name.as_bytes())? + name.len();
            let digits = text[from..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            *at = from + digits;
            std::str::from_utf8(&text[from..from + digits])
                .ok()?
                .parse()
                .ok()
        };
        let Some(pos) = number("pos=", &mut at) else {
            return Ok(None);
        };
        let (Some(range_start), Some(range_size)) = (
            number("range_start=", &mut at),
            number("range_size=", &mut at),
        ) else {
            return Ok(None);
        };
        let extra = match kind.extra_field() {
            Some(field) => match number(field, &mut at) {
                Some(v) => v,
                None => return Ok(None),
            },
            None => 0,
        };
        let Some(md5_at) = find(&text[at..], b"md5=").map(|i| at + i + 4) else {
            return Ok(None);
        };
        let Some(md5) = text.get(md5_at..).and_then(parse_hex) else {
            return Ok(None);
        };
        let head_end = md5_at + 32;
        let Some(self_at) = find(&text[head_end..], b"self=").map(|i| head_end + i + 5) else {
            return Ok(None);
        };
        let Some(recorded_self) = text.get(self_at..).and_then(parse_hex) else {
            return Ok(None);
        };
        if text.get(self_at + 32) != Some(&b'\n') {
            return Ok(None);
        }
        let own: [u8; 16] = Md5::digest(&text[..head_end]).into();
        if own != recorded_self {
            return Err(TagError::Damaged { kind, pos });
        }
        Ok(Some(Md5Tag {
            kind,
            pos,
            range_start,
            range_size,
            extra,
            md5,
        }))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> [u8; 16] {
        parse_hex(s.as_bytes()).unwrap()
    }

    /// The session tag of the reference sample (checksums.md §4.1), byte for byte.
    #[test]
    fn session_tag_matches_the_reference_sample() {
        let tag = Md5Tag {
            kind: TagKind::Session,
            pos: 64,
            range_start: 32,
            range_size: 32,
            extra: 0,
            md5: unhex("72806922dc45321ce7f79622965a2447"),
        };
        let mut block = vec![0xAAu8; 2048];
        tag.emit(&mut block);
        let expected = b"libisofs_checksum_tag_v1 pos=64 range_start=32 range_size=32 md5=72806922dc45321ce7f79622965a2447 self=11c63a807d9b16a39f3c774f4e648a5b\n";
        assert_eq!(&block[..expected.len()], expected);
        assert_eq!(expected.len(), 0x88);
        assert!(block[expected.len()..].iter().all(|&b| b == 0));
        assert_eq!(Md5Tag::parse(&block), Ok(Some(tag)));
    }

    #[test]
    fn other_tags_of_the_reference_sample() {
        let cases = [
            (
                TagKind::Relocated,
                18,
                0,
                18,
                32,
                "7f3396058114d06882449c8f462864ad",
                "9d8120508921f84c4a6b07ed6cf120f6",
            ),
            (
                TagKind::Superblock,
                50,
                32,
                18,
                56,
                "72433ad4f0289f357bff9f5948d7bd6a",
                "6f67c5515eebacf746057f4222cc20bc",
            ),
            (
                TagKind::Tree,
                56,
                32,
                24,
                64,
                "f435fb6063eea926a7b0771075c7b08a",
                "d69b874d79b7880fac68da3376c7c0e3",
            ),
        ];
        for (kind, pos, range_start, range_size, extra, md5, own) in cases {
            let tag = Md5Tag {
                kind,
                pos,
                range_start,
                range_size,
                extra,
                md5: unhex(md5),
            };
            let mut block = vec![0u8; 2048];
            tag.emit(&mut block);
            let text =
                std::str::from_utf8(&block[..block.iter().position(|&b| b == 0).unwrap()]).unwrap();
            assert!(text.ends_with(&format!(" self={own}\n")), "{text}");
            assert_eq!(Md5Tag::parse(&block), Ok(Some(tag)));
        }
    }

    #[test]
    fn damaged_and_foreign_blocks() {
        let tag = Md5Tag {
            kind: TagKind::Tree,
            pos: 56,
            range_start: 32,
            range_size: 24,
            extra: 64,
            md5: [7; 16],
        };
        let mut block = vec![0u8; 2048];
        tag.emit(&mut block);
        let mut damaged = block.clone();
        damaged[40] ^= 1; // inside range_start's digits or name
        assert!(Md5Tag::parse(&damaged).is_err() || Md5Tag::parse(&damaged) == Ok(None));
        let mut digit = block.clone();
        let md5_at = block.windows(4).position(|w| w == b"md5=").unwrap() + 4;
        digit[md5_at] = if digit[md5_at] == b'0' { b'1' } else { b'0' };
        assert_eq!(
            Md5Tag::parse(&digit),
            Err(TagError::Damaged {
                kind: TagKind::Tree,
                pos: 56
            })
        );
        let mut no_newline = block.clone();
        let nl = block.iter().position(|&b| b == b'\n').unwrap();
        no_newline[nl] = b' ';
        assert_eq!(Md5Tag::parse(&no_newline), Ok(None));
        let mut two_spaces = vec![0u8; 2048];
        two_spaces[..30].copy_from_slice(b"libisofs_tree_checksum_tag_v1 ");
        assert_eq!(Md5Tag::parse(&two_spaces), Ok(None));
        assert_eq!(Md5Tag::parse(&[0u8; 2048]), Ok(None));
        assert_eq!(Md5Tag::parse(b"libisofs_checksum_tag_v1"), Ok(None));
    }
}
