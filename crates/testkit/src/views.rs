//! What particular readers can show of a tree.

/// Longest Joliet name in UCS-2 units that readers accept (the `-joliet-long`
/// limit of genisoimage and xorriso: 103 units; the Joliet spec's own limit is 64).
pub const JOLIET_MAX_UNITS: usize = 103;

/// True when a Joliet directory record can hold `name` exactly: every character
/// in the BMP (UCS-2 has no surrogate pairs), at most [`JOLIET_MAX_UNITS`] units,
/// and none of the characters Joliet forbids (U+0000–U+001F, `*`, `/`, `:`, `;`,
/// `?`, `\`).
pub fn joliet_can_hold(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= JOLIET_MAX_UNITS
        && name.chars().all(|c| {
            (c as u32) < 0x1_0000
                && (c as u32) >= 0x20
                && !matches!(c, '*' | '/' | ':' | ';' | '?' | '\\')
        })
}

/// True when every component of a `/`-separated relative path is
/// [`joliet_can_hold`].
pub fn joliet_path_can_hold(path: &str) -> bool {
    path.split('/').all(joliet_can_hold)
}

/// Whether 7-Zip (`7zz x`) extracts a Rock Ridge symlink at `path` (relative to
/// the image root, `/`-separated) with `target` as a symlink. 7-Zip refuses
/// ("Dangerous link path was ignored", exit code 2) absolute targets and
/// relative targets that climb above the extraction root; it keeps the others.
pub fn sevenzip_symlink_is_kept(path: &str, target: &str) -> bool {
    if target.starts_with('/') {
        return false;
    }
    // Depth of the link's directory below the root, then walk the target.
    let mut depth: i64 = path.split('/').count() as i64 - 1;
    for component in target.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => depth += 1,
        }
    }
    true
}

/// A path as 7-Zip extracts it: trailing dots of each name dropped (it applies
/// Windows naming rules on every host).
pub fn sevenzip_name(path: &str) -> String {
    path.split('/')
        .map(|name| {
            let trimmed = name.trim_end_matches('.');
            if trimmed.is_empty() {
                name
            } else {
                trimmed
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// True when `iso-info` (libcdio 2.1) prints every name of a Joliet `path`
/// as recorded. libcdio converts a UCS-2 name into a UTF-8 buffer as long as
/// the UCS-2 bytes, so names whose UTF-8 form is longer (CJK, `€`...) come out
/// cut or garbled; those can only be counted.
pub fn iso_info_prints_exactly(path: &str) -> bool {
    path.split('/')
        .all(|name| name.len() <= name.encode_utf16().count() * 2)
}

/// Where a path of the source shows up for a reader that does not follow
/// Rock Ridge relocation (CL), such as `isoinfo -R`: a directory that would lie
/// deeper than ISO 9660's 8 levels (RRIP 4.1.5) is moved to `rr_moved/NAME` at
/// level 3, and its contents follow it. `dir_paths` tells which paths are directories.
pub fn relocated_path(path: &str, is_dir: impl Fn(&str) -> bool) -> String {
    let components: Vec<&str> = path.split('/').collect();
    let mut out: Vec<&str> = Vec::new();
    let mut level = 1; // the root
    for (i, component) in components.iter().enumerate() {
        let prefix = components[..=i].join("/");
        if is_dir(&prefix) {
            level += 1;
            if level > 8 {
                out = vec!["rr_moved"];
                level = 3;
            }
        }
        out.push(component);
    }
    out.join("/")
}

/// The path a UDF reader shows for `path`: UDF names hold 255 bytes with the
/// CS0 compression ID, so a 255-character ASCII name is cut to 254 characters
/// (as Linux's udf module and 7-Zip show it).
pub fn udf_name(path: &str) -> String {
    path.split('/')
        .map(|c| {
            if c.len() > 254 && c.is_ascii() {
                &c[..254]
            } else {
                c
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joliet_limits() {
        assert!(joliet_can_hold("caf\u{e9}.txt"));
        assert!(!joliet_can_hold("emoji_\u{1f600}"));
        assert!(joliet_can_hold(&"a".repeat(103)));
        assert!(!joliet_can_hold(&"a".repeat(104)));
        assert!(!joliet_can_hold("semi;colon"));
        assert!(joliet_path_can_hold("a/b/c"));
        assert!(!joliet_path_can_hold("a/\u{1f600}/c"));
    }

    #[test]
    fn iso_info_and_relocation_views() {
        assert!(!iso_info_prints_exactly(
            "a/\u{65e5}\u{672c}\u{8a9e}\u{30d5}\u{30a1}\u{30a4}\u{30eb}.txt"
        ));
        assert!(iso_info_prints_exactly("caf\u{e9}.txt"));
        let dirs = |p: &str| !p.ends_with(".txt");
        assert_eq!(
            relocated_path("a/b/c/d/e/f/g/x.txt", dirs),
            "a/b/c/d/e/f/g/x.txt"
        );
        assert_eq!(
            relocated_path("a/b/c/d/e/f/g/h/x.txt", dirs),
            "rr_moved/h/x.txt"
        );
        assert_eq!(
            relocated_path("a/b/c/d/e/f/g/h/i/j/k/l/m/n/x.txt", dirs),
            "rr_moved/n/x.txt"
        );
    }

    #[test]
    fn sevenzip_names() {
        assert_eq!(sevenzip_name("collide/trailing."), "collide/trailing");
        assert_eq!(sevenzip_name("a.b/c"), "a.b/c");
    }

    #[test]
    fn sevenzip_symlinks() {
        assert!(sevenzip_symlink_is_kept("links/rel", "target.txt"));
        assert!(sevenzip_symlink_is_kept("links/up", "../sizes/size_1"));
        assert!(!sevenzip_symlink_is_kept("links/abs", "/etc/hostname"));
        assert!(!sevenzip_symlink_is_kept("links/up", "../../x"));
    }
}
