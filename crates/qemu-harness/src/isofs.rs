//! What the Linux kernel's isofs (as in Debian's 6.1) cannot show, even from a correct
//! image, and the allowances the tests make for it. Each allowance is narrow: the
//! actual value must be exactly what the kernel's own code would derive from the right one.
//!
//! - **Names of 254 bytes or more.** `get_rock_ridge_filename()` (fs/isofs/rock.c) appends
//!   the pieces of a name from its NM entries and stops, keeping what it has, as soon as
//!   the next piece would make the name 254 bytes or longer. One SUSP entry holds at most
//!   250 bytes of name, so a 254–255-byte name always needs two NM entries and always
//!   shows cut at the end of an earlier piece.
//! - **Joliet names ending in `.`** show without the dots (fs/isofs/joliet.c strips them:
//!   "Windows doesn't like periods at the end of a name"); see [`linux_joliet_path`].
//!   Joliet lookups are also case-insensitive unless mounted with `check=strict`.
//! - **Dates after 2038-01-19.** `int iso_date(u8 *p, int flag)` (fs/isofs/util.c) returns
//!   an `int` in 6.1 (later kernels return `struct timespec64`), so those dates show
//!   wrapped to 32 bits.

use testkit::Snapshot;

/// Longest name component the kernel shows whole (fs/isofs/rock.c: `>= 254` truncates).
pub const LONGEST_WHOLE_NAME: usize = 253;

/// A path as Linux shows it through Joliet: trailing dots of every component removed
/// (a component keeps at least one character). For `CompareOptions::rename_expected`.
pub fn linux_joliet_path(path: &str) -> String {
    path.split('/')
        .map(|component| {
            let mut name = component;
            while name.len() >= 2 && name.ends_with('.') {
                name = &name[..name.len() - 1];
            }
            name
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Applies the allowances to `actual` (the kernel's view) given `expected` (the source):
/// wrapped post-2038 mtimes become the expected ones, and an entry whose path differs
/// from a missing expected path only in components of 254+ bytes that it shows as a
/// proper prefix is moved to the expected path. Returns one line per allowance used.
pub fn apply_linux_isofs_allowances(expected: &Snapshot, actual: &mut Snapshot) -> Vec<String> {
    let mut notes = Vec::new();

    // Truncated long names: match each missing expected path to a unique unexpected one.
    let missing: Vec<String> = expected
        .entries
        .keys()
        .filter(|path| !actual.entries.contains_key(*path))
        .filter(|path| path.split('/').any(|c| c.len() > LONGEST_WHOLE_NAME))
        .cloned()
        .collect();
    for want in missing {
        let candidates: Vec<String> = actual
            .entries
            .keys()
            .filter(|got| !expected.entries.contains_key(*got) && shows_as_truncated(&want, got))
            .cloned()
            .collect();
        if let [got] = &candidates[..] {
            if let Some(entry) = actual.entries.remove(got) {
                notes.push(format!(
                    "{want}: shown by isofs as a {}-byte name",
                    got.rsplit('/').next().map_or(0, str::len)
                ));
                actual.entries.insert(want, entry);
            }
        }
    }

    for (path, entry) in actual.entries.iter_mut() {
        if let Some(want) = expected.entries.get(path) {
            let wrapped = i64::from(want.mtime as i32);
            if want.mtime > i64::from(i32::MAX) && entry.mtime == wrapped {
                notes.push(format!(
                    "{path}: mtime {} shown wrapped to {wrapped}",
                    want.mtime
                ));
                entry.mtime = want.mtime;
            }
        }
    }
    notes
}

/// Whether `got` is `want` with every component of 254+ bytes cut to a proper,
/// non-empty prefix of itself and every other component equal.
fn shows_as_truncated(want: &str, got: &str) -> bool {
    let want_parts: Vec<&str> = want.split('/').collect();
    let got_parts: Vec<&str> = got.split('/').collect();
    want_parts.len() == got_parts.len()
        && want_parts.iter().zip(&got_parts).all(|(w, g)| {
            if w.len() > LONGEST_WHOLE_NAME {
                // A cut inside a UTF-8 sequence arrives as U+FFFD (lossy decoding).
                let g = g.trim_end_matches('\u{FFFD}');
                !g.is_empty() && g.len() < w.len() && w.starts_with(g)
            } else {
                w == g
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use testkit::{Entry, Kind};

    fn file(mtime: i64) -> Entry {
        Entry {
            kind: Kind::File,
            size: 1,
            mode: 0o644,
            target: None,
            sha256: None,
            link_group: None,
            mtime,
        }
    }

    #[test]
    fn truncated_long_name_is_matched_only_as_a_prefix() {
        let long = "x".repeat(255);
        let mut expected = Snapshot::default();
        expected.entries.insert(format!("d/{long}"), file(1));
        let mut actual = Snapshot::default();
        actual
            .entries
            .insert(format!("d/{}", &long[..250]), file(1));
        let notes = apply_linux_isofs_allowances(&expected, &mut actual);
        assert_eq!(notes.len(), 1);
        assert!(actual.entries.contains_key(&format!("d/{long}")));

        // A different name, or a short name cut, is not allowed.
        let mut actual = Snapshot::default();
        actual
            .entries
            .insert(format!("d/{}y", &long[..249]), file(1));
        assert!(apply_linux_isofs_allowances(&expected, &mut actual).is_empty());
        let mut expected = Snapshot::default();
        expected.entries.insert("d/short_name".into(), file(1));
        let mut actual = Snapshot::default();
        actual.entries.insert("d/short".into(), file(1));
        assert!(apply_linux_isofs_allowances(&expected, &mut actual).is_empty());
    }

    #[test]
    fn joliet_paths_lose_trailing_dots_only() {
        assert_eq!(linux_joliet_path("collide/trailing."), "collide/trailing");
        assert_eq!(linux_joliet_path("a../b.c/x..."), "a/b.c/x");
        assert_eq!(
            linux_joliet_path("many.dots.in.name.txt"),
            "many.dots.in.name.txt"
        );
    }

    #[test]
    fn only_the_32_bit_wrap_of_a_late_date_is_allowed() {
        let mut expected = Snapshot::default();
        expected.entries.insert("late".into(), file(2_200_000_000));
        expected.entries.insert("early".into(), file(1_000));
        let mut actual = Snapshot::default();
        actual.entries.insert("late".into(), file(-2_094_967_296));
        actual.entries.insert("early".into(), file(1_001));
        let notes = apply_linux_isofs_allowances(&expected, &mut actual);
        assert_eq!(notes.len(), 1);
        assert_eq!(actual.entries["late"].mtime, 2_200_000_000);
        assert_eq!(actual.entries["early"].mtime, 1_001);
    }
}
