//! Text key=value pairs (RFC 7143 §6.1): each pair is `key=value` ended by a
//! NUL byte, in the data segment of Login and Text PDUs.

use crate::Error;

/// Key=value pairs in the order they came.
pub type Pairs = Vec<(String, String)>;

/// Parses a data segment of `key=value\0` pairs. A missing NUL after the last
/// pair is tolerated; an empty segment gives no pairs.
pub fn parse(data: &[u8]) -> Result<Pairs, Error> {
    let mut pairs = Vec::new();
    for item in data.split(|&b| b == 0).filter(|item| !item.is_empty()) {
        let text = std::str::from_utf8(item).map_err(|_| Error::BadText {
            text: String::from_utf8_lossy(item).into_owned(),
            why: "not UTF-8",
        })?;
        let (key, value) = text.split_once('=').ok_or_else(|| Error::BadText {
            text: text.to_string(),
            why: "no '=' between key and value",
        })?;
        if key.is_empty() {
            return Err(Error::BadText {
                text: text.to_string(),
                why: "empty key",
            });
        }
        pairs.push((key.to_string(), value.to_string()));
    }
    Ok(pairs)
}

/// Emits pairs as `key=value\0...`.
pub fn emit<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (key, value) in pairs {
        out.extend_from_slice(key.as_ref().as_bytes());
        out.push(b'=');
        out.extend_from_slice(value.as_ref().as_bytes());
        out.push(0);
    }
    out
}

/// The value of `key`, if present.
pub fn get<'a>(pairs: &'a Pairs, key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[u8] =
        b"InitiatorName=iqn.2008-11.org.linux-kvm\0SessionType=Normal\0AuthMethod=None\0";

    #[test]
    fn parse_keys() {
        let pairs = parse(KEYS).unwrap();
        assert_eq!(pairs.len(), 3);
        assert_eq!(
            get(&pairs, "InitiatorName"),
            Some("iqn.2008-11.org.linux-kvm")
        );
        assert_eq!(get(&pairs, "AuthMethod"), Some("None"));
        assert_eq!(get(&pairs, "TargetName"), None);
    }

    #[test]
    fn emit_round_trips() {
        assert_eq!(emit(&parse(KEYS).unwrap()), KEYS);
        assert_eq!(emit(&[("A", "1"), ("B", "")]), b"A=1\0B=\0");
    }

    #[test]
    fn tolerates_missing_last_nul_and_keeps_equals_in_values() {
        let pairs = parse(b"TargetAddress=127.0.0.1:3260,1\0X=a=b").unwrap();
        assert_eq!(get(&pairs, "X"), Some("a=b"));
        assert_eq!(get(&pairs, "TargetAddress"), Some("127.0.0.1:3260,1"));
    }

    #[test]
    fn rejects_pairs_without_equals() {
        let err = parse(b"Garbage\0").unwrap_err();
        assert!(err.to_string().contains("Garbage"), "{err}");
        assert!(parse(b"=x\0").is_err());
        assert!(parse(&[b'a', b'=', 0xff, 0]).is_err());
    }
}
