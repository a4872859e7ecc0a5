//! Listing a mounted tree inside the guest with busybox (`find`, `stat`, `readlink`,
//! `sha256sum`, `xxd`) and turning the listing into a [`testkit::Snapshot`] on the host.
//!
//! Names and symlink targets travel hex-encoded and NUL-separated, so any byte a name can
//! hold (tabs, newlines, non-UTF-8) survives the serial line. Every `find` walks the same
//! directory in the same order, so the parts line up entry by entry:
//!
//! ```text
//! --paths   find . -print0 | xxd -p                 (every path, "." first)
//! --stat    stat -c '%f %s %h %i %Y' per path       (raw mode hex, size, links, inode, mtime)
//! --links   readlink -n per symlink, NUL-separated, | xxd -p
//! --sums    sha256sum < file, per regular file
//! --end
//! ```

use testkit::{Entry, Kind, Snapshot};

use crate::error::{HarnessError, Result};

/// One path of a guest listing, with what `stat` said beyond the snapshot fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestEntry {
    /// Path relative to the listed directory, components joined with `/`.
    pub path: String,
    /// `st_mode` (type and permission bits).
    pub raw_mode: u32,
    /// `st_size`.
    pub size: u64,
    /// `st_nlink` (isofs takes it from the Rock Ridge PX entry).
    pub nlink: u64,
    /// `st_ino` (isofs derives it from the directory record's position, not from PX).
    pub inode: u64,
    /// `st_mtime`.
    pub mtime: i64,
    /// Symlink target.
    pub target: Option<String>,
    /// SHA-256 of a regular file's content, lower-case hex.
    pub sha256: Option<String>,
}

impl GuestEntry {
    /// The kind of the entry from the `S_IFMT` bits of its mode.
    pub fn kind(&self) -> Kind {
        match self.raw_mode & 0o170_000 {
            0o040_000 => Kind::Dir,
            0o120_000 => Kind::Symlink,
            0o100_000 => Kind::File,
            0o010_000 => Kind::Fifo,
            0o020_000 => Kind::CharDevice,
            0o060_000 => Kind::BlockDevice,
            _ => Kind::Socket,
        }
    }
}

/// The guest shell text that lists the tree below `dir` (see the module docs).
pub fn guest_listing_script(dir: &str) -> String {
    guest_listing_script_limited(dir, None)
}

/// As [`guest_listing_script`], but files over `max_hash_bytes` get no checksum (the
/// `--sums` line is `- skipped`): hashing gigabytes under TCG takes minutes.
pub fn guest_listing_script_limited(dir: &str, max_hash_bytes: Option<u64>) -> String {
    let hash = match max_hash_bytes {
        None => r#"sha256sum < "$f""#.to_string(),
        Some(max) => format!(
            r#"if [ "$(stat -c %s "$f")" -gt {max} ]; then echo "- skipped"; else sha256sum < "$f"; fi"#
        ),
    };
    format!(
        r#"cd '{dir}' || exit 1
echo "--paths"
find . -print0 | xxd -p
echo "--stat"
find . -exec stat -c '%f %s %h %i %Y' {{}} +
echo "--links"
find . -type l -exec sh -c 'for f; do readlink -n "$f"; printf "\0"; done' sh {{}} + | xxd -p
echo "--sums"
find . -type f -exec sh -c 'for f; do {hash}; done' sh {{}} +
echo "--end"
"#,
        dir = dir.replace('\'', r"'\''"),
        hash = hash.replace('\'', r"'\''"),
    )
}

/// The guest shell text that prints `<offset> <length> <sha256>` for each byte range of
/// `file` (offsets and lengths multiples of `block`, read with `dd bs=<block>`; a range
/// past the end is cut short by the end of the file, as on the host).
pub fn guest_ranges_script(file: &str, block: u64, ranges: &[(u64, u64)]) -> String {
    let mut script = String::new();
    let file = file.replace('\'', r"'\''");
    for (offset, len) in ranges {
        script.push_str(&format!(
            "printf '%s %s ' {offset} {len}; dd if='{file}' bs={block} skip={} count={} 2>/dev/null | sha256sum | cut -d' ' -f1\n",
            offset / block,
            len / block
        ));
    }
    script
}

/// Parses the output of [`guest_ranges_script`] into `(offset, length, sha256)`.
pub fn parse_ranges(output: &str) -> Result<Vec<(u64, u64, String)>> {
    output
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields[..] {
                [offset, len, sum] if sum.len() == 64 => Ok((
                    offset
                        .parse()
                        .map_err(|_| listing_error(format!("bad range line {line:?}")))?,
                    len.parse()
                        .map_err(|_| listing_error(format!("bad range line {line:?}")))?,
                    sum.to_string(),
                )),
                _ => Err(listing_error(format!("bad range line {line:?}"))),
            }
        })
        .collect()
}

/// SHA-256 of the same ranges of a host file (cut short at its end, like `dd`).
pub fn host_ranges(
    path: &std::path::Path,
    ranges: &[(u64, u64)],
) -> Result<Vec<(u64, u64, String)>> {
    use sha2::Digest;
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).map_err(|e| HarnessError::io(path, e))?;
    let mut out = Vec::new();
    for (offset, len) in ranges {
        file.seek(SeekFrom::Start(*offset))
            .map_err(|e| HarnessError::io(path, e))?;
        let mut data = Vec::new();
        (&mut file)
            .take(*len)
            .read_to_end(&mut data)
            .map_err(|e| HarnessError::io(path, e))?;
        let sum: String = sha2::Sha256::digest(&data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        out.push((*offset, *len, sum));
    }
    Ok(out)
}

fn listing_error(message: impl Into<String>) -> HarnessError {
    HarnessError::Listing(message.into())
}

/// Decodes the hex lines of `xxd -p` and splits the bytes on NUL.
fn hex_nul_list(lines: &[&str]) -> Result<Vec<String>> {
    let hex: String = lines
        .iter()
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    if hex.len() & 1 == 1 {
        return Err(listing_error("odd number of hex digits"));
    }
    let mut bytes = Vec::with_capacity(hex.len() / 2);
    for pair in hex.as_bytes().chunks(2) {
        let text = std::str::from_utf8(pair).map_err(|_| listing_error("non-ASCII hex"))?;
        bytes.push(
            u8::from_str_radix(text, 16).map_err(|_| listing_error(format!("bad hex {text:?}")))?,
        );
    }
    let mut items: Vec<String> = bytes
        .split(|b| *b == 0)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    // A NUL-terminated list leaves one empty item after the last NUL.
    if items.last().is_some_and(String::is_empty) {
        items.pop();
    }
    Ok(items)
}

/// Parses the output of [`guest_listing_script`]. The root (`.`) is left out.
pub fn parse_guest_listing(output: &str) -> Result<Vec<GuestEntry>> {
    let mut parts: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    let mut current: Option<&str> = None;
    let mut ended = false;
    for line in output.lines() {
        match line {
            "--paths" | "--stat" | "--links" | "--sums" => {
                current = Some(line);
                parts.entry(line).or_default();
            }
            "--end" => {
                ended = true;
                current = None;
            }
            _ => match current {
                Some(part) => parts.entry(part).or_default().push(line),
                None if line.trim().is_empty() => {}
                None => return Err(listing_error(format!("text outside a part: {line:?}"))),
            },
        }
    }
    if !ended {
        return Err(listing_error("no --end: the listing was cut short"));
    }
    let part = |name: &str| parts.get(name).cloned().unwrap_or_default();
    let paths = hex_nul_list(&part("--paths"))?;
    let stats = part("--stat");
    let targets = hex_nul_list(&part("--links"))?;
    let sums = part("--sums");
    if paths.len() != stats.len() {
        return Err(listing_error(format!(
            "{} paths but {} stat lines",
            paths.len(),
            stats.len()
        )));
    }

    let mut entries = Vec::new();
    let mut targets = targets.into_iter();
    let mut sums = sums.into_iter();
    for (path, stat) in paths.iter().zip(stats) {
        let fields: Vec<&str> = stat.split_whitespace().collect();
        let [mode, size, nlink, inode, mtime] = fields[..] else {
            return Err(listing_error(format!("{path}: bad stat line {stat:?}")));
        };
        let bad = |what: &str| listing_error(format!("{path}: bad {what} in {stat:?}"));
        let mut entry = GuestEntry {
            path: path.strip_prefix("./").unwrap_or(path).to_string(),
            raw_mode: u32::from_str_radix(mode, 16).map_err(|_| bad("mode"))?,
            size: size.parse().map_err(|_| bad("size"))?,
            nlink: nlink.parse().map_err(|_| bad("nlink"))?,
            inode: inode.parse().map_err(|_| bad("inode"))?,
            mtime: mtime.parse().map_err(|_| bad("mtime"))?,
            target: None,
            sha256: None,
        };
        match entry.kind() {
            Kind::Symlink => {
                entry.target = Some(
                    targets
                        .next()
                        .ok_or_else(|| listing_error(format!("{path}: no link target")))?,
                );
            }
            Kind::File => {
                let line = sums
                    .next()
                    .ok_or_else(|| listing_error(format!("{path}: no checksum")))?;
                let sum = line.split_whitespace().next().unwrap_or("");
                if line == "- skipped" {
                    // Too big to hash in the guest: checked some other way.
                    entries.push(entry);
                    continue;
                }
                if sum.len() != 64 || !sum.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(listing_error(format!("{path}: bad checksum line {line:?}")));
                }
                entry.sha256 = Some(sum.to_ascii_lowercase());
            }
            _ => {}
        }
        if path != "." {
            entries.push(entry);
        }
    }
    if targets.next().is_some() || sums.next().is_some() {
        return Err(listing_error(
            "more link targets or checksums than symlinks or files",
        ));
    }
    Ok(entries)
}

/// How the guest listing maps to a snapshot's hard-link groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkGrouping {
    /// No groups (the guest cannot tell which names share an inode).
    None,
    /// Files sharing `st_ino` form a group (file systems with real inode numbers).
    Inode,
}

/// Turns a guest listing into a snapshot comparable with [`testkit::snapshot()`] of the source.
pub fn to_snapshot(entries: &[GuestEntry], grouping: LinkGrouping) -> Snapshot {
    let mut snapshot = Snapshot::default();
    for entry in entries {
        let kind = entry.kind();
        snapshot.entries.insert(
            entry.path.clone(),
            Entry {
                kind,
                size: if kind == Kind::File { entry.size } else { 0 },
                mode: entry.raw_mode & 0o7777,
                target: entry.target.clone(),
                sha256: entry.sha256.clone(),
                link_group: None,
                mtime: entry.mtime,
            },
        );
    }
    if grouping == LinkGrouping::Inode {
        snapshot.set_link_groups(
            entries
                .iter()
                .filter(|e| e.kind() != Kind::Dir)
                .map(|e| (e.path.clone(), e.inode)),
        );
    }
    snapshot
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &[u8]) -> String {
        s.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn parses_a_listing_with_odd_names() {
        let paths = hex(b".\0./d\0./d/a b\0./d/l\0./d/tab\tn\0");
        let output = format!(
            "--paths\n{}\n{}\n--stat\n41ed 2048 3 100 0\n41ed 2048 2 200 10\n81a4 3 2 300 20\n\
             a1ff 3 1 400 30\n81ed 1 1 500 40\n--links\n{}\n--sums\n{}  -\n{}  -\n--end\n",
            &paths[..20],
            &paths[20..],
            hex(b"a b\0"),
            "98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4",
            "2D711642B726B04401627CA9FBAC32F5C8530FB1903CC4DB02258717921A4881",
        );
        let entries = parse_guest_listing(&output).unwrap();
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[0].path, "d");
        assert_eq!(entries[0].kind(), Kind::Dir);
        assert_eq!(entries[1].path, "d/a b");
        assert_eq!(entries[1].nlink, 2);
        assert_eq!(entries[1].sha256.as_deref().map(|s| &s[..4]), Some("98ea"));
        assert_eq!(entries[2].target.as_deref(), Some("a b"));
        assert_eq!(entries[3].path, "d/tab\tn");
        assert_eq!(entries[3].raw_mode & 0o7777, 0o755);
        assert_eq!(entries[3].sha256.as_deref().map(|s| &s[..4]), Some("2d71"));
        let snapshot = to_snapshot(&entries, LinkGrouping::Inode);
        assert_eq!(snapshot.entries["d/l"].kind, Kind::Symlink);
        assert_eq!(snapshot.entries["d/a b"].size, 3);
        assert_eq!(snapshot.entries["d"].size, 0);
    }

    #[test]
    fn a_skipped_checksum_leaves_the_file_without_one() {
        let output = format!(
            "--paths\n{}\n--stat\n41ed 1 1 1 1\n81a4 5000000000 1 2 1\n--links\n--sums\n- skipped\n--end\n",
            hex(b".\0./big\0")
        );
        let entries = parse_guest_listing(&output).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].size, 5_000_000_000);
        assert_eq!(entries[0].sha256, None);
    }

    #[test]
    fn a_cut_listing_is_an_error() {
        let err = parse_guest_listing("--paths\n2e00\n--stat\n41ed 1 1 1 1\n").unwrap_err();
        assert!(err.to_string().contains("--end"), "{err}");
    }

    #[test]
    fn mismatched_parts_are_an_error() {
        let output = format!(
            "--paths\n{}\n--stat\n41ed 1 1 1 1\n--links\n--sums\n--end\n",
            hex(b".\0./f\0")
        );
        assert!(parse_guest_listing(&output).is_err());
        let output = format!(
            "--paths\n{}\n--stat\n41ed 1 1 1 1\n81a4 1 1 2 1\n--links\n--sums\n--end\n",
            hex(b".\0./f\0")
        );
        let err = parse_guest_listing(&output).unwrap_err();
        assert!(err.to_string().contains("no checksum"), "{err}");
    }
}
