//! Names per namespace: ISO 9660 level-3 identifiers (d-characters, at most
//! 30 characters of name and extension for files, 31 for directories, ECMA-119
//! 7.5–7.6 and 10.3) and Joliet names (UCS-2, at most 103 characters, as
//! `genisoimage -joliet-long` allows). Names that collide after mapping are made
//! unique deterministically: entries are taken in host-name order, the first
//! keeps the mapped name, later ones get a numeric suffix.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use iso9660::names::{is_joliet_forbidden, to_d_chars};

/// Maximum name + extension length of an ISO 9660 level 2/3 file identifier.
pub const ISO_FILE_MAX: usize = 30;
/// Maximum length of an ISO 9660 level 2/3 directory identifier.
pub const ISO_DIR_MAX: usize = 31;
/// Extensions longer than this are cut so the name part keeps some room.
const ISO_EXT_MAX: usize = 8;
/// Maximum Joliet name length in UCS-2 characters (without `;1`).
pub const JOLIET_MAX: usize = 103;
/// Extensions longer than this are not preserved when a Joliet name is shortened.
const JOLIET_EXT_MAX: usize = 16;

/// A name split into stem and extension (files) or stem only (directories).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitName<T> {
    pub stem: Vec<T>,
    pub ext: Vec<T>,
}

/// Splits a host name at its last `.` (not a leading one).
fn split_ext<T: Copy + PartialEq>(name: &[T], dot: T) -> (&[T], &[T]) {
    match name.iter().rposition(|&c| c == dot) {
        Some(p) if p > 0 => (&name[..p], &name[p + 1..]),
        _ => (name, &[]),
    }
}

/// Makes every `(stem, ext, max_total)` unique; `max_total` bounds stem + ext
/// length. The uniqueness key is `stem.ext` (or `stem`), so a file `A.` and a
/// directory `A` count as the same name, as readers strip `.` and `;1`.
fn make_unique<T: Copy + Eq + Hash>(
    names: Vec<(SplitName<T>, usize)>,
    dot: T,
    lead: T,
    digit: impl Fn(u8) -> T,
) -> Vec<SplitName<T>> {
    let key = |n: &SplitName<T>| {
        let mut k = Vec::with_capacity(n.stem.len() + 1 + n.ext.len());
        k.extend_from_slice(&n.stem);
        if !n.ext.is_empty() {
            k.push(dot);
            k.extend_from_slice(&n.ext);
        }
        k
    };
    let keys: Vec<Vec<T>> = names.iter().map(|(n, _)| key(n)).collect();
    // The common case: every mapped name is already unique.
    {
        let mut seen: HashSet<&[T]> = HashSet::with_capacity(keys.len());
        if keys.iter().all(|k| seen.insert(k.as_slice())) {
            return names.into_iter().map(|(n, _)| n).collect();
        }
    }
    let mut used: HashSet<Vec<T>> = HashSet::with_capacity(names.len());
    let mut next_suffix: HashMap<Vec<T>, u64> = HashMap::new();
    let mut out = Vec::with_capacity(names.len());
    for ((name, max_total), k) in names.into_iter().zip(keys) {
        if used.insert(k.clone()) {
            out.push(name);
            continue;
        }
        let counter = next_suffix.entry(k).or_insert(1);
        loop {
            let n = *counter;
            *counter += 1;
            let mut suffix = vec![lead];
            suffix.extend(n.to_string().bytes().map(&digit));
            let room = max_total.saturating_sub(name.ext.len() + suffix.len());
            let mut stem: Vec<T> = name.stem[..name.stem.len().min(room)].to_vec();
            stem.extend_from_slice(&suffix);
            let candidate = SplitName {
                stem,
                ext: name.ext.clone(),
            };
            if used.insert(key(&candidate)) {
                out.push(candidate);
                break;
            }
        }
    }
    out
}

/// Maps the host names of one directory's entries (`(name, is_dir)`, in the
/// order collisions are resolved) to unique ISO 9660 names.
pub fn iso_names(entries: &[(&[u8], bool)]) -> Vec<SplitName<u8>> {
    iso_names_at(entries, 3)
}

/// [`iso_names`] for ISO 9660 interchange level `level`: level 1 holds names
/// to 8.3 (8 d-characters for directories, ECMA-119 10.1), levels 2 and 3 to
/// 30 characters (10.2, 10.3).
pub fn iso_names_at(entries: &[(&[u8], bool)], level: u8) -> Vec<SplitName<u8>> {
    if level == 1 {
        let mapped = entries
            .iter()
            .map(|&(host, is_dir)| {
                if is_dir {
                    let mut stem = to_d_chars(host);
                    stem.truncate(8);
                    (
                        SplitName {
                            stem,
                            ext: Vec::new(),
                        },
                        8,
                    )
                } else {
                    let (stem, ext) = split_ext(host, b'.');
                    let mut ext = to_d_chars(ext);
                    ext.truncate(3);
                    let mut stem = to_d_chars(stem);
                    stem.truncate(8);
                    let total = 8 + ext.len();
                    (SplitName { stem, ext }, total)
                }
            })
            .collect();
        return make_unique(mapped, b'.', b'_', |d| d);
    }
    let mapped = entries
        .iter()
        .map(|&(host, is_dir)| {
            if is_dir {
                let mut stem = to_d_chars(host);
                stem.truncate(ISO_DIR_MAX);
                (
                    SplitName {
                        stem,
                        ext: Vec::new(),
                    },
                    ISO_DIR_MAX,
                )
            } else {
                let (stem, ext) = split_ext(host, b'.');
                let mut ext = to_d_chars(ext);
                ext.truncate(ISO_EXT_MAX);
                let mut stem = to_d_chars(stem);
                stem.truncate(ISO_FILE_MAX - ext.len());
                (SplitName { stem, ext }, ISO_FILE_MAX)
            }
        })
        .collect();
    make_unique(mapped, b'.', b'_', |d| d)
}

/// The recorded ISO identifier: `STEM` for directories, `STEM.EXT;1` for files.
pub fn iso_identifier(name: &SplitName<u8>, is_dir: bool) -> Vec<u8> {
    let mut id = name.stem.clone();
    if !is_dir {
        id.push(b'.');
        id.extend_from_slice(&name.ext);
        id.extend_from_slice(b";1");
    }
    id
}

/// Maps one host name to Joliet characters: lossy UTF-8, characters outside
/// the BMP and characters Joliet forbids become `_`.
fn joliet_chars(host: &[u8]) -> Vec<u16> {
    String::from_utf8_lossy(host)
        .chars()
        .map(|c| match u16::try_from(u32::from(c)) {
            Ok(unit) if !is_joliet_forbidden(c) && !(0xD800..0xE000).contains(&unit) => unit,
            _ => u16::from(b'_'),
        })
        .collect()
}

/// Maps the host names of one directory's entries to unique Joliet names.
pub fn joliet_names(entries: &[(&[u8], bool)]) -> Vec<SplitName<u16>> {
    let dot = u16::from(b'.');
    let mapped = entries
        .iter()
        .map(|&(host, is_dir)| {
            let mut stem = joliet_chars(host);
            // A trailing dot stays part of the name (`name.` is not `name`),
            // and a directory's name has no extension.
            let ext = match stem.iter().rposition(|&c| c == dot) {
                Some(p) if p > 0 && p + 1 < stem.len() && !is_dir => {
                    let ext = stem.split_off(p + 1);
                    stem.pop();
                    ext
                }
                _ => Vec::new(),
            };
            let mut name = SplitName { stem, ext };
            // The dot between stem and extension counts towards the limit.
            let max_total = if name.ext.is_empty() {
                JOLIET_MAX
            } else {
                JOLIET_MAX - 1
            };
            if name.stem.len() + name.ext.len() > max_total {
                if name.ext.len() > JOLIET_EXT_MAX {
                    // Not a real extension: cut the whole name.
                    let mut whole = name.stem.clone();
                    whole.push(dot);
                    whole.extend_from_slice(&name.ext);
                    whole.truncate(JOLIET_MAX);
                    name = SplitName {
                        stem: whole,
                        ext: Vec::new(),
                    };
                } else {
                    name.stem.truncate(max_total - name.ext.len());
                }
            }
            let max_total = if name.ext.is_empty() {
                JOLIET_MAX
            } else {
                JOLIET_MAX - 1
            };
            (name, max_total)
        })
        .collect();
    make_unique(mapped, dot, u16::from(b'~'), u16::from)
}

/// The recorded Joliet identifier in UCS-2 BE: `stem[.ext]`. Like
/// genisoimage, no `;1` version is appended (readers would show it, or strip
/// it together with a name's own trailing characters).
pub fn joliet_identifier(name: &SplitName<u16>, _is_dir: bool) -> Vec<u8> {
    let mut units: Vec<u16> = name.stem.clone();
    if !name.ext.is_empty() {
        units.push(u16::from(b'.'));
        units.extend_from_slice(&name.ext);
    }
    units.iter().flat_map(|u| u.to_be_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(entries: &[(&str, bool)]) -> Vec<String> {
        let e: Vec<(&[u8], bool)> = entries.iter().map(|(n, d)| (n.as_bytes(), *d)).collect();
        iso_names(&e)
            .iter()
            .zip(entries)
            .map(|(n, (_, d))| String::from_utf8(iso_identifier(n, *d)).unwrap())
            .collect()
    }

    #[test]
    fn iso_mapping_and_collisions() {
        assert_eq!(
            iso(&[
                ("README", false),
                ("a.txt", false),
                ("A.TXT", false),
                ("a-txt", true),
                (".bashrc", false)
            ]),
            vec!["README.;1", "A.TXT;1", "A_1.TXT;1", "A_TXT", "_BASHRC.;1"]
        );
        // a file without extension and a directory of the same name collide
        assert_eq!(iso(&[("X", true), ("x", false)]), vec!["X", "X_1.;1"]);
        let long = "a".repeat(40) + ".extension";
        let ids = iso(&[
            (long.as_str(), false),
            (long.to_uppercase().as_str(), false),
        ]);
        assert_eq!(ids[0], format!("{}.EXTENSIO;1", "A".repeat(22)));
        assert_eq!(ids[1], format!("{}_1.EXTENSIO;1", "A".repeat(20)));
        let dir = "d".repeat(40);
        assert_eq!(iso(&[(dir.as_str(), true)])[0], "D".repeat(31));
    }

    #[test]
    fn many_collisions_stay_unique() {
        let names: Vec<String> = (0..3000)
            .map(|i| format!("{}{i:05}.dat", "common_prefix_that_is_long_"))
            .collect();
        let entries: Vec<(&[u8], bool)> = names.iter().map(|n| (n.as_bytes(), false)).collect();
        let out = iso_names(&entries);
        let ids: HashSet<Vec<u8>> = out.iter().map(|n| iso_identifier(n, false)).collect();
        assert_eq!(ids.len(), 3000);
        assert!(ids.iter().all(|id| id.len() <= 33));
        // deterministic
        assert_eq!(iso_names(&entries), out);
    }

    fn joliet(entries: &[(&str, bool)]) -> Vec<String> {
        let e: Vec<(&[u8], bool)> = entries.iter().map(|(n, d)| (n.as_bytes(), *d)).collect();
        joliet_names(&e)
            .iter()
            .zip(entries)
            .map(|(n, (_, d))| iso9660::names::decode_ucs2(&joliet_identifier(n, *d)))
            .collect()
    }

    #[test]
    fn joliet_mapping() {
        assert_eq!(
            joliet(&[("Straße é.txt", false), ("dir", true)]),
            vec!["Straße é.txt", "dir"]
        );
        assert_eq!(
            joliet(&[("a😀", false), ("a😁", false), ("q?", false)]),
            vec!["a_", "a_~1", "q_"]
        );
        let long = "x".repeat(120) + ".txt";
        let out = joliet(&[
            (long.as_str(), false),
            (format!("{}.txt", "x".repeat(110)).as_str(), false),
        ]);
        assert_eq!(out[0], format!("{}.txt", "x".repeat(99)));
        assert_eq!(out[1], format!("{}~1.txt", "x".repeat(97)));
        let exact = "y".repeat(103);
        assert_eq!(joliet(&[(exact.as_str(), true)])[0], exact);
        // case differences stay distinct
        assert_eq!(
            joliet(&[("trailing.", false), ("trailing", false)]),
            vec!["trailing.", "trailing"]
        );
        assert_eq!(
            joliet(&[("Abc", false), ("abc", false)]),
            vec!["Abc", "abc"]
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn host_name() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            "[a-zA-Z0-9._ -]{1,40}".prop_map(String::into_bytes),
            "\\PC{1,120}".prop_map(String::into_bytes),
            proptest::collection::vec(1u8..=255, 1..255).prop_map(|v| v
                .into_iter()
                .map(|b| if b == b'/' { b'x' } else { b })
                .collect()),
        ]
    }

    proptest! {
        #[test]
        fn mapped_names_are_unique_and_within_limits(
            entries in proptest::collection::btree_map(host_name(), any::<bool>(), 1..60)
        ) {
            let list: Vec<(&[u8], bool)> = entries.iter().map(|(n, d)| (n.as_slice(), *d)).collect();
            let iso = iso_names(&list);
            let mut seen = HashSet::new();
            for (name, (_, is_dir)) in iso.iter().zip(&list) {
                let id = iso_identifier(name, *is_dir);
                let limit = if *is_dir { ISO_DIR_MAX } else { ISO_FILE_MAX + 3 };
                prop_assert!(id.len() <= limit, "{:?} is too long", id);
                let all_d = name.stem.iter().chain(&name.ext).all(|&b| iso9660::names::is_d_char(b));
                prop_assert!(all_d, "{:?} has non-d-characters", id);
                prop_assert!(!(name.stem.is_empty() && name.ext.is_empty()), "empty name");
                prop_assert!(seen.insert(crate::names::tests_key(name)), "duplicate ISO name {:?}", id);
            }
            let joliet = joliet_names(&list);
            let mut seen = HashSet::new();
            for (name, (_, is_dir)) in joliet.iter().zip(&list) {
                let id = joliet_identifier(name, *is_dir);
                let text = iso9660::names::decode_ucs2(&id);
                prop_assert!(text.chars().count() <= JOLIET_MAX, "{:?} is too long", text);
                prop_assert!(!text.chars().any(is_joliet_forbidden), "{:?} has forbidden characters", text);
                prop_assert!(seen.insert(text.clone()), "duplicate Joliet name {:?}", text);
            }
        }
    }
}

#[cfg(test)]
pub(crate) fn tests_key(name: &SplitName<u8>) -> Vec<u8> {
    let mut k = name.stem.clone();
    if !name.ext.is_empty() {
        k.push(b'.');
        k.extend_from_slice(&name.ext);
    }
    k
}
