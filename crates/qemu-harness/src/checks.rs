//! Ready-made guest steps and host-side comparisons for "the kernel reads this image":
//! mount a drive with isofs, list it (see [`crate::listing`]), and compare the kernel's
//! view with the source tree under the allowances of [`crate::isofs`].
//!
//! For multisession images: QEMU shows any image as one session (QEMU-DRIVE.md), but
//! isofs can still read an older session's tree with `-o sbsector=<its first block>`,
//! so [`mount_and_list_step`] with `sbsector=N` in `options` checks session N.

use std::collections::BTreeMap;

use testkit::{compare, CompareOptions, Kind, Snapshot};

use crate::isofs::apply_linux_isofs_allowances;
use crate::listing::{
    guest_listing_script_limited, parse_guest_listing, to_snapshot, GuestEntry, LinkGrouping,
};

/// The guest shell text of a step that mounts `$DEV_<label>` read-only at `mount` with
/// extra isofs `options` (e.g. `"norock,iocharset=utf8,check=strict"`, `"sbsector=1234"`,
/// or empty), lists it (files over `max_hash_bytes` get no checksum) and unmounts it.
pub fn mount_and_list_step(
    label: &str,
    mount: &str,
    options: &str,
    max_hash_bytes: Option<u64>,
) -> String {
    let options = if options.is_empty() {
        "ro".to_string()
    } else {
        format!("ro,{options}")
    };
    format!(
        "mkdir -p '{mount}' && mount -t iso9660 -o {options} $DEV_{label} '{mount}' || exit 1\n{}cd /\numount '{mount}'\n",
        guest_listing_script_limited(mount, max_hash_bytes)
    )
}

/// Path → number of names its inode has in the tree (regular files only): what a
/// correct Rock Ridge PX entry records as the link count.
pub fn link_counts(snapshot: &Snapshot) -> BTreeMap<String, u64> {
    let mut group_sizes: BTreeMap<&str, u64> = BTreeMap::new();
    for entry in snapshot.entries.values() {
        if let Some(group) = &entry.link_group {
            *group_sizes.entry(group.as_str()).or_default() += 1;
        }
    }
    snapshot
        .entries
        .iter()
        .filter(|(_, e)| e.kind == Kind::File)
        .map(|(path, e)| {
            let count = e
                .link_group
                .as_deref()
                .and_then(|g| group_sizes.get(g))
                .copied()
                .unwrap_or(1);
            (path.clone(), count)
        })
        .collect()
}

/// What [`check_rock_ridge_view`] found when the views agree.
#[derive(Debug, Clone)]
pub struct KernelView {
    /// The parsed listing.
    pub entries: Vec<GuestEntry>,
    /// The isofs allowances that were needed (one line each).
    pub allowances: Vec<String>,
}

/// Compares the kernel's Rock Ridge view (the output of a [`mount_and_list_step`]) with
/// the `expected` source snapshot: names, kinds, sizes, SHA-256, modes, symlink targets
/// and file mtimes exactly (but for [`apply_linux_isofs_allowances`]); hard links by
/// `st_nlink`, since isofs numbers inodes by directory-record position so that the
/// names of one extent show as different inodes. Paths in `unhashed` are compared
/// without content (the listing skipped them); paths under `ignore_actual` are ignored.
/// The error is a readable list of differences.
pub fn check_rock_ridge_view(
    expected: &Snapshot,
    output: &str,
    unhashed: &[&str],
    ignore_actual: &[&str],
) -> Result<KernelView, String> {
    let entries = parse_guest_listing(output).map_err(|e| e.to_string())?;
    let mut actual = to_snapshot(&entries, LinkGrouping::None);
    let mut expected = expected.clone();
    for path in unhashed {
        for snapshot in [&mut actual, &mut expected] {
            if let Some(entry) = snapshot.entries.get_mut(*path) {
                entry.sha256 = None;
            }
        }
    }
    let allowances = apply_linux_isofs_allowances(&expected, &mut actual);
    let options = CompareOptions {
        hard_links: false,
        ignore_actual: ignore_actual.iter().map(|p| p.to_string()).collect(),
        ..CompareOptions::strict()
    };
    compare(&expected, &actual, &options).map_err(|diff| diff.to_string())?;
    let counts = link_counts(&expected);
    let link_errors: Vec<String> = entries
        .iter()
        .filter(|e| e.kind() == Kind::File)
        .filter_map(|entry| {
            let want = counts.get(&entry.path).copied().unwrap_or(1);
            (entry.nlink != want)
                .then(|| format!("{}: st_nlink {} expected {want}", entry.path, entry.nlink))
        })
        .collect();
    if !link_errors.is_empty() {
        return Err(format!("link counts differ:\n{}", link_errors.join("\n")));
    }
    Ok(KernelView {
        entries,
        allowances,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use testkit::Entry;

    fn file(sha: &str, group: Option<&str>) -> Entry {
        Entry {
            kind: Kind::File,
            size: 3,
            mode: 0o644,
            target: None,
            sha256: Some(sha.into()),
            link_group: group.map(String::from),
            mtime: 7,
        }
    }

    fn hex(s: &[u8]) -> String {
        s.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn listing(nlink_b: u32) -> String {
        format!(
            "--paths\n{}\n--stat\n41ed 2048 2 1 7\n81a4 3 2 10 7\n81a4 3 {nlink_b} 11 7\n--links\n--sums\n{a}  -\n{a}  -\n--end\n",
            hex(b".\0./a\0./b\0"),
            a = "a".repeat(64)
        )
    }

    #[test]
    fn hard_links_are_judged_by_link_count() {
        let mut expected = Snapshot::default();
        expected
            .entries
            .insert("a".into(), file(&"a".repeat(64), Some("a")));
        expected
            .entries
            .insert("b".into(), file(&"a".repeat(64), Some("a")));
        let view = check_rock_ridge_view(&expected, &listing(2), &[], &[]).unwrap();
        assert_eq!(view.entries.len(), 2);
        let err = check_rock_ridge_view(&expected, &listing(1), &[], &[]).unwrap_err();
        assert!(err.contains("b: st_nlink 1 expected 2"), "{err}");
    }

    #[test]
    fn content_differences_are_reported() {
        let mut expected = Snapshot::default();
        expected
            .entries
            .insert("a".into(), file(&"b".repeat(64), Some("a")));
        expected
            .entries
            .insert("b".into(), file(&"a".repeat(64), Some("a")));
        let err = check_rock_ridge_view(&expected, &listing(2), &[], &[]).unwrap_err();
        assert!(err.contains("a: content differs"), "{err}");
        // ...unless the path is one the listing did not hash.
        assert!(check_rock_ridge_view(&expected, &listing(2), &["a"], &[]).is_ok());
    }

    #[test]
    fn mount_step_names_the_drive_and_options() {
        let step = mount_and_list_step("cd", "/mnt/x", "sbsector=32", None);
        assert!(
            step.starts_with(
                "mkdir -p '/mnt/x' && mount -t iso9660 -o ro,sbsector=32 $DEV_cd '/mnt/x'"
            ),
            "{step}"
        );
        assert!(step.ends_with("umount '/mnt/x'\n"), "{step}");
    }
}
