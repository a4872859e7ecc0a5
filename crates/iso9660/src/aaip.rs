//! AAIP 2.0 (libisofs `doc/susp_aaip_2_0.txt`): name/value attributes of a
//! file in SUSP `AL` entries, and the two `isofs.` attributes of MD5
//! checksumming (`doc/susp_aaip_isofs_names.txt`):
//!
//! - `isofs.ca` on the root's `.` record: where the checksum array lies;
//! - `isofs.cx` on each file: its index in that array (always 4 bytes,
//!   big-endian, as libisofs writes and as its append code requires).
//!
//! An `AL` entry is laid out like `SL` (RRIP 4.1.3): a flags byte (bit 0:
//! the attribute list continues in the next AL entry), then component
//! records (flags, length, bytes; bit 0: the component continues in the next
//! record). Components alternate name, value, name, value. All AL entries of
//! one record form one chain; an AL entry after the chain ended is ignored.

use crate::Error;

/// Signature of the AAIP entry.
pub const AL_SIGNATURE: [u8; 2] = *b"AL";

/// Entry flag: the attribute list continues in the next AL entry.
pub const AL_CONTINUE: u8 = 1;

/// Component flag: the component continues in the next component record.
const COMPONENT_CONTINUE: u8 = 1;

/// Name of the file index attribute (`isofs.` in its one-byte short form 0x04).
pub const ISOFS_CX: &[u8] = b"\x04cx";
/// Name of the checksum array attribute.
pub const ISOFS_CA: &[u8] = b"\x04ca";

/// Largest data part of one AL entry (the entry length is one byte, 5 of it header).
const MAX_DATA: usize = 255 - 4;

/// Encodes name/value pairs as the data parts (after the 4-byte SUSP header:
/// flags byte and component records) of one chain of AL entries. Each part
/// is at most 251 bytes; every part but the last has [`AL_CONTINUE`].
pub fn encode_chain(pairs: &[(&[u8], &[u8])]) -> Vec<Vec<u8>> {
    let mut parts: Vec<Vec<u8>> = vec![vec![0]];
    for component in pairs.iter().flat_map(|(n, v)| [*n, *v]) {
        let mut rest = component;
        loop {
            let room = MAX_DATA - parts.last().map_or(0, Vec::len);
            // A record needs 2 header bytes; a non-empty piece at least one more.
            if room < 2 || (room < 3 && !rest.is_empty()) {
                parts.push(vec![0]);
                continue;
            }
            let take = rest.len().min(room - 2).min(255);
            let flags = if take < rest.len() {
                COMPONENT_CONTINUE
            } else {
                0
            };
            if let Some(part) = parts.last_mut() {
                part.push(flags);
                part.push(take as u8);
                part.extend_from_slice(&rest[..take]);
            }
            rest = &rest[take..];
            if rest.is_empty() {
                break;
            }
        }
    }
    let count = parts.len();
    for part in parts.iter_mut().take(count - 1) {
        part[0] = AL_CONTINUE;
    }
    parts
}

/// One attribute of an AL chain: its name as recorded (a namespace in its
/// one-byte short form, e.g. [`ISOFS_CX`]) and its value.
pub type Attribute = (Vec<u8>, Vec<u8>);

/// Gathers the AL entries of one record and decodes its attributes.
#[derive(Debug, Default, Clone)]
pub struct ChainReader {
    /// Component records of the entries so far.
    records: Vec<u8>,
    done: bool,
    /// A malformed entry was seen: the attributes are not trusted.
    broken: bool,
}

impl ChainReader {
    /// Takes the data part of one AL entry (after the SUSP header). Entries
    /// after the end of the chain are ignored, as the reference reader does.
    pub fn push(&mut self, data: &[u8], version: u8) {
        if self.done {
            return;
        }
        if version != 1 || data.len() < 2 {
            self.broken = true;
            self.done = true;
            return;
        }
        self.records.extend_from_slice(&data[1..]);
        if data[0] & AL_CONTINUE == 0 {
            self.done = true;
        }
    }

    /// True when at least one AL entry was seen.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && !self.done
    }

    /// The name/value pairs of the chain (empty when it is malformed).
    pub fn attributes(&self) -> Result<Vec<Attribute>, Error> {
        if self.broken {
            return Err(Error::Invalid {
                what: "AL entry",
                reason: "version is not 1 or the entry is shorter than 6 bytes",
            });
        }
        let mut components: Vec<Vec<u8>> = Vec::new();
        let mut current = Vec::new();
        let mut at = 0usize;
        while at < self.records.len() {
            let Some(&len) = self.records.get(at + 1) else {
                return Err(Error::Truncated {
                    what: "AL component record",
                    need: at + 2,
                    have: self.records.len(),
                });
            };
            let flags = self.records[at];
            let end = at + 2 + usize::from(len);
            let Some(bytes) = self.records.get(at + 2..end) else {
                return Err(Error::Truncated {
                    what: "AL component record",
                    need: end,
                    have: self.records.len(),
                });
            };
            current.extend_from_slice(bytes);
            if flags & COMPONENT_CONTINUE == 0 {
                components.push(std::mem::take(&mut current));
            }
            at = end;
        }
        if !current.is_empty() || !components.len().is_multiple_of(2) {
            return Err(Error::Invalid {
                what: "AL attribute list",
                reason: "a name without a value",
            });
        }
        let mut pairs = Vec::with_capacity(components.len() / 2);
        let mut it = components.into_iter();
        while let (Some(name), Some(value)) = (it.next(), it.next()) {
            pairs.push((name, value));
        }
        Ok(pairs)
    }
}

/// The `isofs.ca` value: where a session's checksum array lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChecksumArea {
    /// First block of the checksummed range (the session start).
    pub start: u32,
    /// First block of the array (end of item 0's range, exclusive).
    pub end: u32,
    /// Items in the array: files + 2.
    pub count: u32,
}

impl ChecksumArea {
    /// Bytes of each item (MD5).
    pub const ITEM_SIZE: usize = 16;
    /// Length of the value as libisofs writes it.
    pub const VALUE_LEN: usize = 20;

    /// The 20-byte value `04 START 04 END 04 COUNT 01 10 "MD5"`.
    pub fn encode(&self) -> [u8; Self::VALUE_LEN] {
        let mut v = [0u8; Self::VALUE_LEN];
        v[0] = 4;
        v[1..5].copy_from_slice(&self.start.to_be_bytes());
        v[5] = 4;
        v[6..10].copy_from_slice(&self.end.to_be_bytes());
        v[10] = 4;
        v[11..15].copy_from_slice(&self.count.to_be_bytes());
        v[15] = 1;
        v[16] = Self::ITEM_SIZE as u8;
        v[17..20].copy_from_slice(b"MD5");
        v
    }

    /// Decodes a value of any length-prefixed form; only 16-byte MD5 items
    /// with at least two items are accepted (the array is unusable otherwise).
    pub fn decode(value: &[u8]) -> Result<ChecksumArea, Error> {
        let invalid = |reason| Error::Invalid {
            what: "isofs.ca attribute",
            reason,
        };
        let mut at = 0usize;
        let mut field = || -> Result<u64, Error> {
            let len = usize::from(*value.get(at).ok_or(invalid("truncated"))?);
            let bytes = value
                .get(at + 1..at + 1 + len)
                .ok_or(invalid("truncated"))?;
            at += 1 + len;
            decode_be(bytes).ok_or(invalid("a number longer than 8 bytes"))
        };
        let start = field()?;
        let end = field()?;
        let count = field()?;
        let size = field()?;
        let kind = &value[at..];
        if kind != b"MD5" || size != Self::ITEM_SIZE as u64 {
            return Err(invalid("not an array of 16-byte MD5 items"));
        }
        let to_u32 = |v: u64| u32::try_from(v).map_err(|_| invalid("a block number past 2^32"));
        let area = ChecksumArea {
            start: to_u32(start)?,
            end: to_u32(end)?,
            count: to_u32(count)?,
        };
        if area.count < 2 || area.end < area.start {
            return Err(invalid(
                "fewer than 2 items, or the array lies before its range",
            ));
        }
        Ok(area)
    }

    /// Blocks the array takes.
    pub fn blocks(&self) -> u32 {
        (self.count as usize * Self::ITEM_SIZE).div_ceil(crate::SECTOR_SIZE) as u32
    }
}

/// Encodes a file's index into the array (`isofs.cx`, 4 bytes big-endian).
pub fn encode_index(index: u32) -> [u8; 4] {
    index.to_be_bytes()
}

/// Decodes an `isofs.cx` value (1 to 4 bytes, big-endian).
pub fn decode_index(value: &[u8]) -> Option<u32> {
    if value.is_empty() || value.len() > 4 {
        return None;
    }
    decode_be(value).map(|v| v as u32)
}

fn decode_be(bytes: &[u8]) -> Option<u64> {
    if bytes.len() > 8 {
        return None;
    }
    Some(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `hello.txt`'s AL of the reference sample (checksums.md §6.3).
    #[test]
    fn file_index_entry_matches_the_sample() {
        let parts = encode_chain(&[(ISOFS_CX, &encode_index(2))]);
        assert_eq!(parts.len(), 1);
        let mut entry = vec![b'A', b'L', (parts[0].len() + 4) as u8, 1];
        entry.extend_from_slice(&parts[0]);
        assert_eq!(
            entry,
            [0x41, 0x4c, 0x10, 0x01, 0x00, 0x00, 0x03, 0x04, 0x63, 0x78, 0x00, 0x04, 0, 0, 0, 2]
        );
        let mut reader = ChainReader::default();
        reader.push(&parts[0], 1);
        let attrs = reader.attributes().unwrap();
        assert_eq!(attrs, vec![(ISOFS_CX.to_vec(), vec![0, 0, 0, 2])]);
        assert_eq!(decode_index(&attrs[0].1), Some(2));
    }

    #[test]
    fn checksum_area_value_matches_the_sample() {
        let area = ChecksumArea {
            start: 32,
            end: 63,
            count: 6,
        };
        assert_eq!(
            area.encode(),
            [4, 0, 0, 0, 0x20, 4, 0, 0, 0, 0x3f, 4, 0, 0, 0, 6, 1, 0x10, b'M', b'D', b'5']
        );
        assert_eq!(ChecksumArea::decode(&area.encode()), Ok(area));
        // The minimal form of the AAIP spec's example.
        let minimal = [1, 32, 3, 15, 66, 64, 2, 2, 8, 1, 16, b'M', b'D', b'5'];
        assert_eq!(
            ChecksumArea::decode(&minimal),
            Ok(ChecksumArea {
                start: 32,
                end: 1_000_000,
                count: 520,
            })
        );
        assert!(ChecksumArea::decode(&[4, 0, 0, 0, 0x20, 4, 0, 0, 0]).is_err());
        let mut sha = area.encode();
        sha[17] = b'S';
        assert!(ChecksumArea::decode(&sha).is_err());
        assert_eq!(area.blocks(), 1);
        assert_eq!(ChecksumArea { count: 129, ..area }.blocks(), 2);
    }

    #[test]
    fn long_chains_split_and_join() {
        let big = vec![0x5Au8; 700];
        let parts = encode_chain(&[(b"\x03user.long", &big), (ISOFS_CX, &[0, 0, 1, 0])]);
        assert!(parts.len() >= 3);
        let mut reader = ChainReader::default();
        for (i, part) in parts.iter().enumerate() {
            assert!(part.len() <= 251);
            assert_eq!(part[0] & AL_CONTINUE != 0, i + 1 < parts.len());
            reader.push(part, 1);
        }
        // A second, complete chain is ignored (trap T2).
        reader.push(&encode_chain(&[(ISOFS_CX, &[9])])[0], 1);
        let attrs = reader.attributes().unwrap();
        assert_eq!(attrs.len(), 2);
        assert_eq!(attrs[0].1, big);
        assert_eq!(decode_index(&attrs[1].1), Some(256));
        let mut bad = ChainReader::default();
        bad.push(&[0, 0, 5, 1], 1);
        assert!(bad.attributes().is_err());
    }
}
