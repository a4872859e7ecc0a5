//! Comparing a tree a reader produced against the source tree, with the
//! allowances each reader needs, and a readable report of every difference.

use std::collections::BTreeMap;
use std::fmt;

use crate::snapshot::{Entry, Kind, Snapshot};
use crate::views::joliet_path_can_hold;

/// How permission bits are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeCheck {
    /// `mode & 0o7777` must be equal.
    Exact,
    /// Only the bits of the mask are compared.
    Mask(u32),
    /// Modes are not compared.
    Ignore,
}

impl ModeCheck {
    fn mask(self) -> u32 {
        match self {
            ModeCheck::Exact => 0o7777,
            ModeCheck::Mask(m) => m,
            ModeCheck::Ignore => 0,
        }
    }
}

/// How symlinks of the source are expected to appear.
#[derive(Debug, Clone, Copy)]
pub enum SymlinkCheck {
    /// As symlinks with the same target.
    Exact,
    /// Not at all (a reader that drops them).
    Absent,
    /// Not checked: source symlinks are removed from the expected tree and any
    /// actual entry at their paths is ignored.
    Ignore,
    /// As empty regular files (a Joliet or plain ISO 9660 view of an image
    /// whose writer recorded symlinks as zero-length files, like genisoimage).
    EmptyFile,
    /// Those for which `keep(path, target)` is true as exact symlinks; the others
    /// must be absent (e.g. [`crate::sevenzip_symlink_is_kept`]).
    Filter(fn(&str, &str) -> bool),
}

/// Which names the reader can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameView {
    /// Every name exactly as in the source (Rock Ridge readers).
    Exact,
    /// A Joliet reader: paths whose every component Joliet can hold
    /// ([`crate::joliet_can_hold`]) must match exactly; the others must appear under
    /// some other (mapped) name, checked as a multiset of (kind, size, SHA-256).
    Joliet,
}

/// Allowances for one reader.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    pub names: NameView,
    /// Modes of files (and symlinks' absence of checks: symlink modes are never compared).
    pub file_modes: ModeCheck,
    /// Modes of directories.
    pub dir_modes: ModeCheck,
    pub symlinks: SymlinkCheck,
    /// Hard-link groups must be the same sets of paths.
    pub hard_links: bool,
    /// File modification times must be equal (to the second).
    pub file_mtimes: bool,
    /// Directory modification times must be equal (to the second).
    pub dir_mtimes: bool,
    /// Paths (and everything below them) of the actual tree that are ignored,
    /// e.g. `rr_moved` of a genisoimage image.
    pub ignore_actual: Vec<String>,
    /// Paths (and everything below them) of the expected tree that are ignored.
    pub ignore_expected: Vec<String>,
    /// How the reader renames paths (applied to expected paths before comparing),
    /// e.g. [`crate::views::sevenzip_name`].
    pub rename_expected: Option<fn(&str) -> String>,
}

impl CompareOptions {
    /// Everything must match: names, kinds, sizes, hashes, modes, symlink targets,
    /// hard links, and file and directory mtimes.
    pub fn strict() -> Self {
        CompareOptions {
            names: NameView::Exact,
            file_modes: ModeCheck::Exact,
            dir_modes: ModeCheck::Exact,
            symlinks: SymlinkCheck::Exact,
            hard_links: true,
            file_mtimes: true,
            dir_mtimes: true,
            ignore_actual: Vec::new(),
            ignore_expected: Vec::new(),
            rename_expected: None,
        }
    }

    /// Names, kinds, sizes, hashes and symlink targets; no modes, links or times.
    pub fn content_only() -> Self {
        CompareOptions {
            file_modes: ModeCheck::Ignore,
            dir_modes: ModeCheck::Ignore,
            hard_links: false,
            file_mtimes: false,
            dir_mtimes: false,
            ..CompareOptions::strict()
        }
    }
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions::strict()
    }
}

/// Every difference found, one line each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    pub lines: Vec<String>,
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 80;
        writeln!(
            f,
            "{} difference(s) between expected and actual tree:",
            self.lines.len()
        )?;
        for line in self.lines.iter().take(SHOWN) {
            writeln!(f, "  {line}")?;
        }
        if self.lines.len() > SHOWN {
            writeln!(f, "  ... and {} more", self.lines.len() - SHOWN)?;
        }
        Ok(())
    }
}

impl std::error::Error for Diff {}

fn under(path: &str, prefixes: &[String]) -> bool {
    prefixes.iter().any(|p| {
        path == p || (path.starts_with(p.as_str()) && path.as_bytes().get(p.len()) == Some(&b'/'))
    })
}

fn describe(e: &Entry) -> String {
    match e.kind {
        Kind::File => format!("file {} bytes", e.size),
        Kind::Symlink => format!("symlink -> {:?}", e.target.as_deref().unwrap_or("")),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// Compares `actual` with `expected` under `options`.
pub fn compare(
    expected: &Snapshot,
    actual: &Snapshot,
    options: &CompareOptions,
) -> Result<(), Diff> {
    if let Some(rename) = options.rename_expected {
        let mut renamed = Snapshot::default();
        for (path, entry) in &expected.entries {
            let mut entry = entry.clone();
            entry.link_group = entry.link_group.as_deref().map(rename);
            renamed.entries.insert(rename(path), entry);
        }
        let options = CompareOptions {
            rename_expected: None,
            ..options.clone()
        };
        return compare(&renamed, actual, &options);
    }
    let mut lines = Vec::new();

    // The expected tree after the reader's allowances.
    let mut want: BTreeMap<&str, &Entry> = BTreeMap::new();
    let empty_file = Entry {
        kind: Kind::File,
        size: 0,
        mode: 0,
        target: None,
        sha256: Some(crate::snapshot::sha256_bytes(b"")),
        link_group: None,
        mtime: 0,
    };
    let mut ignored_paths: Vec<String> = options.ignore_actual.clone();
    for (path, entry) in &expected.entries {
        if under(path, &options.ignore_expected) {
            continue;
        }
        if entry.kind == Kind::Symlink {
            let keep = match options.symlinks {
                SymlinkCheck::Exact => true,
                SymlinkCheck::Absent => false,
                SymlinkCheck::EmptyFile => {
                    want.insert(path.as_str(), &empty_file);
                    false
                }
                SymlinkCheck::Ignore => {
                    ignored_paths.push(path.clone());
                    false
                }
                SymlinkCheck::Filter(keep) => keep(path, entry.target.as_deref().unwrap_or("")),
            };
            if !keep {
                continue;
            }
        }
        want.insert(path.as_str(), entry);
    }

    // Joliet: names it cannot hold are compared as a multiset of contents.
    let mut unholdable: Vec<(Kind, u64, Option<&str>)> = Vec::new();
    if options.names == NameView::Joliet {
        want.retain(|path, entry| {
            if joliet_path_can_hold(path) {
                true
            } else {
                unholdable.push((entry.kind, entry.size, entry.sha256.as_deref()));
                false
            }
        });
    }

    let mut extra: Vec<(Kind, u64, Option<&str>, &str)> = Vec::new();
    for (path, got) in &actual.entries {
        if under(path, &ignored_paths) {
            continue;
        }
        let Some(exp) = want.get(path.as_str()) else {
            extra.push((got.kind, got.size, got.sha256.as_deref(), path));
            continue;
        };
        if exp.kind != got.kind {
            lines.push(format!(
                "{path}: expected {}, found {}",
                describe(exp),
                describe(got)
            ));
            continue;
        }
        match exp.kind {
            Kind::File => {
                if exp.size != got.size {
                    lines.push(format!(
                        "{path}: size {} expected, found {}",
                        exp.size, got.size
                    ));
                } else if exp.sha256 != got.sha256 {
                    lines.push(format!("{path}: content differs (same size {})", exp.size));
                }
            }
            Kind::Symlink if exp.target != got.target => {
                lines.push(format!(
                    "{path}: symlink target {:?} expected, found {:?}",
                    exp.target, got.target
                ));
            }
            _ => {}
        }
        let mask = match exp.kind {
            Kind::Dir => options.dir_modes.mask(),
            Kind::Symlink => 0,
            _ => options.file_modes.mask(),
        };
        if exp.mode & mask != got.mode & mask {
            lines.push(format!(
                "{path}: mode {:04o} expected, found {:04o}",
                exp.mode & mask,
                got.mode & mask
            ));
        }
        let check_mtime = match exp.kind {
            Kind::File => options.file_mtimes,
            Kind::Dir => options.dir_mtimes,
            _ => false,
        };
        if check_mtime && exp.mtime != got.mtime {
            lines.push(format!(
                "{path}: mtime {} expected, found {}",
                exp.mtime, got.mtime
            ));
        }
    }
    for (path, exp) in &want {
        if !actual.entries.contains_key(*path) {
            lines.push(format!("{path}: missing (expected {})", describe(exp)));
        }
    }

    if options.hard_links {
        // Compare groups as sets of paths among the compared entries.
        let groups = |snap: &Snapshot| -> BTreeMap<String, Vec<String>> {
            let mut g: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (path, e) in &snap.entries {
                if want.contains_key(path.as_str()) {
                    if let Some(name) = &e.link_group {
                        g.entry(name.clone()).or_default().push(path.clone());
                    }
                }
            }
            g.into_values()
                .filter(|v| v.len() > 1)
                .map(|v| (v[0].clone(), v))
                .collect()
        };
        let (eg, ag) = (groups(expected), groups(actual));
        if eg != ag {
            lines.push(format!(
                "hard-link groups differ: expected {:?}, found {:?}",
                eg.values().collect::<Vec<_>>(),
                ag.values().collect::<Vec<_>>()
            ));
        }
    }

    if options.names == NameView::Joliet {
        // Every unholdable source entry must be matched by one extra entry with
        // the same kind, size and content.
        let mut remaining = extra.clone();
        for (kind, size, sha) in &unholdable {
            if let Some(i) = remaining
                .iter()
                .position(|(k, s, h, _)| k == kind && s == size && h == sha)
            {
                remaining.swap_remove(i);
            } else {
                lines.push(format!("no mapped name found for a source {kind:?} of {size} bytes that Joliet cannot name"));
            }
        }
        extra = remaining;
    }
    for (kind, size, _, path) in extra {
        lines.push(format!("{path}: unexpected {kind:?} ({size} bytes)"));
    }

    if lines.is_empty() {
        Ok(())
    } else {
        Err(Diff { lines })
    }
}

/// Panics with a readable diff (prefixed by `what`) if the trees differ.
#[track_caller]
pub fn assert_same(expected: &Snapshot, actual: &Snapshot, options: &CompareOptions, what: &str) {
    if let Err(diff) = compare(expected, actual, options) {
        panic!("{what}: {diff}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: Kind, size: u64, sha: &str) -> Entry {
        Entry {
            kind,
            size,
            mode: 0o644,
            target: None,
            sha256: Some(sha.into()),
            link_group: None,
            mtime: 0,
        }
    }

    #[test]
    fn finds_content_and_missing_differences() {
        let mut a = Snapshot::default();
        a.entries.insert("x".into(), entry(Kind::File, 1, "aa"));
        a.entries.insert("y".into(), entry(Kind::File, 1, "bb"));
        let mut b = a.clone();
        assert!(compare(&a, &b, &CompareOptions::strict()).is_ok());
        if let Some(e) = b.entries.get_mut("x") {
            e.sha256 = Some("cc".into());
        }
        b.entries.remove("y");
        let diff = compare(&a, &b, &CompareOptions::strict()).unwrap_err();
        assert_eq!(diff.lines.len(), 2, "{diff}");
    }

    #[test]
    fn joliet_view_matches_mapped_names_by_content() {
        let mut a = Snapshot::default();
        a.entries
            .insert("ok.txt".into(), entry(Kind::File, 1, "aa"));
        a.entries
            .insert("emoji_\u{1f600}".into(), entry(Kind::File, 2, "bb"));
        let mut b = Snapshot::default();
        b.entries
            .insert("ok.txt".into(), entry(Kind::File, 1, "aa"));
        b.entries
            .insert("emoji__".into(), entry(Kind::File, 2, "bb"));
        let opts = CompareOptions {
            names: NameView::Joliet,
            ..CompareOptions::content_only()
        };
        assert!(compare(&a, &b, &opts).is_ok());
        if let Some(e) = b.entries.get_mut("emoji__") {
            e.sha256 = Some("zz".into());
        }
        assert!(compare(&a, &b, &opts).is_err());
    }
}
