//! A source tree with the cases that break ISO 9660 writers and readers.

use std::fs::{self, File, FileTimes, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// Size of the optional sparse file: 4 GiB + 4097 bytes, so it needs two
/// extents in ISO 9660 (one extent holds at most 4 GiB - 1 bytes) and ends
/// in a partial block.
pub const SPARSE_SIZE: u64 = (4 << 30) + 4097;

/// Offsets at which the sparse file carries real bytes (the rest are holes):
/// the start, around 2 GiB, the last bytes before 4 GiB, just past 4 GiB, and the end.
pub const SPARSE_DATA_OFFSETS: [u64; 5] = [
    0,
    (2 << 30) - 3,
    (4 << 30) - 5,
    (4 << 30) + 2,
    SPARSE_SIZE - 7,
];

/// What [`make_tricky_tree_with`] adds beyond the default tree.
#[derive(Debug, Clone, Default)]
pub struct TrickyOptions {
    /// Add `big/sparse_4g.bin`, a sparse file of [`SPARSE_SIZE`] bytes with data
    /// at [`SPARSE_DATA_OFFSETS`].
    pub sparse_over_4gib: bool,
    /// Leave out the names outside the Basic Multilingual Plane (emoji, CJK
    /// Extension B). genisoimage aborts on them when making Joliet
    /// ("Incorrectly encoded string ... Aborting"), so its images need this.
    pub bmp_only: bool,
    /// Add a FIFO (`special/fifo`), made with `mkfifo`. Off by default: most
    /// readers and writers treat special files differently.
    pub fifo: bool,
}

/// Writes a sparse file of [`SPARSE_SIZE`] bytes with 7 bytes of data at each
/// of [`SPARSE_DATA_OFFSETS`] (`truncate` semantics: the rest are holes).
pub fn write_sparse_file(path: &Path) -> io::Result<()> {
    let pieces: Vec<(u64, Vec<u8>)> = SPARSE_DATA_OFFSETS
        .iter()
        .enumerate()
        .map(|(i, &offset)| (offset, content(&format!("sparse{i}"), 7)))
        .collect();
    write_sparse(path, SPARSE_SIZE, &pieces)
}

/// Writes a new sparse file of `size` bytes holding each `(offset, bytes)`
/// of `pieces` (`truncate` semantics: the rest are holes).
pub fn write_sparse(path: &Path, size: u64, pieces: &[(u64, Vec<u8>)]) -> io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(path)?;
    f.set_len(size)?;
    for (offset, bytes) in pieces {
        f.seek(SeekFrom::Start(*offset))?;
        f.write_all(bytes)?;
    }
    f.sync_all()
}

/// Builds the default tricky tree (no sparse file, no FIFO) inside `dir`,
/// which must exist and should be empty.
pub fn make_tricky_tree(dir: &Path) -> io::Result<()> {
    make_tricky_tree_with(dir, &TrickyOptions::default())
}

/// Deterministic content for a file of `len` bytes: differs per `seed` so that
/// files of equal size have different hashes.
pub fn content(seed: &str, len: usize) -> Vec<u8> {
    let mut state: u32 = seed.bytes().fold(0x811c_9dc5, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    (0..len)
        .map(|_| {
            // xorshift32: cheap, deterministic, not all-zero.
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect()
}

fn file(path: &Path, len: usize) -> io::Result<()> {
    let seed = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    fs::write(path, content(&seed, len))
}

fn text(path: &Path, s: &str) -> io::Result<()> {
    fs::write(path, s.as_bytes())
}

fn chmod(path: &Path, mode: u32) -> io::Result<()> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

fn set_mtime(path: &Path, secs: u64) -> io::Result<()> {
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
    let f = File::open(path)?;
    f.set_times(FileTimes::new().set_modified(time).set_accessed(time))
}

/// A name of exactly `len` bytes of ASCII, distinct per `tag`.
fn long_ascii(tag: &str, len: usize) -> String {
    let mut s = format!("{tag}_");
    while s.len() < len {
        s.push(char::from(b'a' + (s.len() % 26) as u8));
    }
    s.truncate(len);
    s
}

/// Builds the tricky tree inside `dir`. Layout (all below `dir`):
///
/// - `plain.txt`, `empty_file`, `empty_dir/`, `.hidden`, `noext`, `-dash-first`
/// - `sizes/size_{0,1,2047,2048,2049,1048576,1049353}`
/// - `unicode/`: precomposed and combining accents, CJK, Greek, Cyrillic, RTL,
///   non-BMP (emoji, a CJK Extension B character) in file and directory names
/// - `long/`: 200- and 255-byte ASCII names, a 255-byte UTF-8 name, names of
///   103 and 104 UTF-16 units (the Joliet boundary), a long directory name
/// - `case/`: names differing only in case (files and directories)
/// - `collide/`: names that collide after ISO 9660 mapping (`a b.txt`/`a_b.txt`,
///   `longname_0…01`/`…02`, `x.tar.gz`/`x_tar.gz`, `;` and `:` in names, trailing dot)
/// - `deep/d01/…/d12/leaf.txt`: 12 directory levels (forces Rock Ridge relocation)
/// - `links/`: relative, absolute, dangling, `../` multi-component, directory,
///   `./`-prefixed and long-target symlinks
/// - `hard/`: three names of one inode (two directories), and a pair
/// - `modes/`: 0600, 0755, 0444, 0700, setuid 04755 files, 0700, setgid 02775,
///   sticky 01777 and read-only 0555 (non-empty) directories
/// - `times/`: files and a directory with old, distinct mtimes
pub fn make_tricky_tree_with(dir: &Path, options: &TrickyOptions) -> io::Result<()> {
    let d = |rel: &str| dir.join(rel);
    text(&d("plain.txt"), "hello, discburn\n")?;
    file(&d("empty_file"), 0)?;
    fs::create_dir(d("empty_dir"))?;
    text(&d(".hidden"), "dot file\n")?;
    text(&d("noext"), "no extension\n")?;
    text(&d("-dash-first"), "leading dash\n")?;

    fs::create_dir(d("sizes"))?;
    for len in [0usize, 1, 2047, 2048, 2049, 1 << 20, (1 << 20) + 777] {
        file(&d(&format!("sizes/size_{len}")), len)?;
    }

    fs::create_dir(d("unicode"))?;
    for name in [
        "caf\u{e9}.txt",                                                // precomposed é
        "cafe\u{301}.txt", // e + combining acute: differs from the above in bytes
        "\u{65e5}\u{672c}\u{8a9e}\u{30d5}\u{30a1}\u{30a4}\u{30eb}.txt", // 日本語ファイル
        "\u{395}\u{3bb}\u{3bb}\u{3b7}\u{3bd}\u{3b9}\u{3ba}\u{3ac}", // Ελληνικά
        "\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.txt", // пример
        "\u{5e9}\u{5dc}\u{5d5}\u{5dd}.txt", // שלום (RTL)
        "emoji_\u{1f600}.txt", // non-BMP: not representable in Joliet (UCS-2)
        "\u{20000}_ext_b.txt", // CJK Extension B, non-BMP
        "mixed \u{e4}\u{f6}\u{fc} \u{df} \u{20ac}.txt",
        "a\u{301}\u{302}\u{303}_stacked.txt", // several combining marks
    ] {
        if options.bmp_only && name.chars().any(|c| u32::from(c) > 0xffff) {
            continue;
        }
        text(&d(&format!("unicode/{name}")), name)?;
    }
    if !options.bmp_only {
        fs::create_dir(d("unicode/\u{1f4c1}_folder"))?; // non-BMP directory name
        text(
            &d("unicode/\u{1f4c1}_folder/inside.txt"),
            "in a non-BMP directory\n",
        )?;
    }
    fs::create_dir(d("unicode/\u{10c}esk\u{fd}_adres\u{e1}\u{159}"))?;
    text(
        &d("unicode/\u{10c}esk\u{fd}_adres\u{e1}\u{159}/soubor.txt"),
        "czech\n",
    )?;

    fs::create_dir(d("long"))?;
    text(
        &d(&format!("long/{}", long_ascii("l200", 200))),
        "200-byte name\n",
    )?;
    text(
        &d(&format!("long/{}", long_ascii("l255", 255))),
        "255-byte name\n",
    )?;
    // 255 bytes of UTF-8: 127 two-byte characters and one ASCII byte (128 UTF-16 units).
    let utf8_255: String = std::iter::repeat_n('\u{e9}', 127)
        .chain(std::iter::once('x'))
        .collect();
    text(&d(&format!("long/{utf8_255}")), "255-byte UTF-8 name\n")?;
    // 103 and 104 UTF-16 units: the largest name Joliet (with -joliet-long) holds, and one more.
    text(&d(&format!("long/{}", long_ascii("j103", 103))), "103\n")?;
    text(&d(&format!("long/{}", long_ascii("j104", 104))), "104\n")?;
    let long_dir = long_ascii("dir150", 150);
    fs::create_dir(d(&format!("long/{long_dir}")))?;
    text(
        &d(&format!("long/{long_dir}/{}", long_ascii("inner", 120))),
        "long in long\n",
    )?;

    fs::create_dir(d("case"))?;
    for name in ["Readme.txt", "README.TXT", "readme.txt", "readme.TXT"] {
        text(&d(&format!("case/{name}")), name)?;
    }
    for name in ["Dir", "dir", "DIR"] {
        fs::create_dir(d(&format!("case/{name}")))?;
        text(&d(&format!("case/{name}/file")), name)?;
    }

    fs::create_dir(d("collide"))?;
    for name in [
        "a b.txt",
        "a_b.txt",
        "a-b.txt",
        "A_B.TXT",
        "longname_0000000000000000000001.txt",
        "longname_0000000000000000000002.txt",
        "longname_0000000000000000000003.txt",
        "x.tar.gz",
        "x_tar.gz",
        "x.tar_gz",
        "semi;colon.txt",
        "semi;1",
        "colon:name.txt",
        "trailing.",
        "star*quest?.txt",
        "back\\slash.txt",
        "many.dots.in.name.txt",
        "tab\tname.txt",
        "ver;2",
    ] {
        text(&d(&format!("collide/{name}")), name)?;
    }
    for name in ["dir.with.dots", "dir with space", "dir_with_space"] {
        fs::create_dir(d(&format!("collide/{name}")))?;
        text(&d(&format!("collide/{name}/f")), name)?;
    }

    let mut deep = d("deep");
    fs::create_dir(&deep)?;
    for level in 1..=12 {
        deep.push(format!("d{level:02}"));
        fs::create_dir(&deep)?;
        text(
            &deep.join(format!("at_{level:02}.txt")),
            &format!("level {level}\n"),
        )?;
    }
    text(&deep.join("leaf.txt"), "deepest\n")?;

    fs::create_dir(d("links"))?;
    text(&d("links/target.txt"), "link target\n")?;
    fs::create_dir(d("links/sub"))?;
    text(&d("links/sub/inner.txt"), "inner\n")?;
    symlink("target.txt", d("links/rel"))?;
    symlink("/etc/hostname", d("links/abs"))?;
    symlink("does/not/exist", d("links/dangling"))?;
    symlink("../sizes/size_1", d("links/up_multi"))?;
    symlink("../deep/d01/d02", d("links/dir_link"))?;
    symlink("sub", d("links/sub_link"))?;
    symlink("./target.txt", d("links/dot_rel"))?;
    symlink("sub/../target.txt", d("links/through_dotdot"))?;
    symlink("/", d("links/root"))?;
    symlink(long_ascii("target", 240), d("links/long_target"))?;
    // Symlink targets are Rock Ridge only, so a non-BMP character is fine here.
    symlink("caf\u{e9}/\u{1f600}", d("links/unicode_target"))?;
    symlink("rel", d("links/chain"))?;

    fs::create_dir(d("hard"))?;
    fs::create_dir(d("hard/other"))?;
    text(&d("hard/original.txt"), "shared by three names\n")?;
    fs::hard_link(d("hard/original.txt"), d("hard/second.txt"))?;
    fs::hard_link(d("hard/original.txt"), d("hard/other/third.txt"))?;
    file(&d("hard/pair_a.bin"), 5000)?;
    fs::hard_link(d("hard/pair_a.bin"), d("hard/pair_b.bin"))?;

    fs::create_dir(d("modes"))?;
    for (name, mode) in [
        ("m0600", 0o600),
        ("m0755", 0o755),
        ("m0444", 0o444),
        ("m0700", 0o700),
        ("m4755_setuid", 0o4755),
    ] {
        text(&d(&format!("modes/{name}")), name)?;
        chmod(&d(&format!("modes/{name}")), mode)?;
    }
    for (name, mode) in [
        ("d0700", 0o700),
        ("d2775_setgid", 0o2775),
        ("d1777_sticky", 0o1777),
        ("d0555_readonly", 0o555),
    ] {
        let path = d(&format!("modes/{name}"));
        fs::create_dir(&path)?;
        text(&path.join("content"), name)?;
        chmod(&path, mode)?;
    }

    fs::create_dir(d("times"))?;
    text(&d("times/y1999"), "old\n")?;
    set_mtime(&d("times/y1999"), 915_148_800 + 12_345)?; // 1999-01-01 03:25:45 UTC
    text(&d("times/y2038_after"), "after 2038\n")?;
    set_mtime(&d("times/y2038_after"), 2_200_000_000)?; // 2039-09-18
    fs::create_dir(d("times/old_dir"))?;
    text(&d("times/old_dir/f"), "f\n")?;
    set_mtime(&d("times/old_dir"), 1_000_000_000)?; // 2001-09-09

    if options.sparse_over_4gib {
        fs::create_dir(d("big"))?;
        write_sparse_file(&d("big/sparse_4g.bin"))?;
        text(&d("big/small_after.txt"), "after the big one\n")?;
    }

    if options.fifo {
        fs::create_dir(d("special"))?;
        let status = std::process::Command::new("mkfifo")
            .arg(d("special/fifo"))
            .status()?;
        if !status.success() {
            return Err(io::Error::other("mkfifo failed"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_have_exact_lengths() {
        assert_eq!(long_ascii("l255", 255).len(), 255);
        assert_eq!(long_ascii("j103", 103).encode_utf16().count(), 103);
    }

    #[test]
    fn content_differs_by_seed() {
        assert_ne!(content("a", 64), content("b", 64));
        assert_eq!(content("a", 64), content("a", 64));
    }
}
