//! A deterministic writer of "newc" cpio archives (the format the Linux kernel unpacks as an
//! initramfs, `Documentation/driver-api/early-userspace/buffer-format.rst`).
//!
//! Every header is the ASCII magic `070701` followed by 13 fields of 8 hexadecimal digits
//! (inode, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor,
//! namesize including the NUL, check), then the name and its NUL padded to a multiple of 4
//! bytes, then the data padded to a multiple of 4. The archive ends with an entry named
//! `TRAILER!!!`. Entries are written sorted by path (a parent always sorts before its
//! children), with inode numbers in that order, uid/gid 0 and mtime 0: the same inputs give
//! the same bytes.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{HarnessError, Result};

const S_IFDIR: u32 = 0o040_000;
const S_IFREG: u32 = 0o100_000;
const S_IFLNK: u32 = 0o120_000;
const S_IFCHR: u32 = 0o020_000;

/// Where a regular file's bytes come from.
#[derive(Debug, Clone)]
enum Content {
    Bytes(Vec<u8>),
    HostFile(PathBuf),
}

#[derive(Debug, Clone)]
enum Node {
    Dir { mode: u32 },
    File { mode: u32, content: Content },
    Symlink { target: String },
    CharDevice { mode: u32, major: u32, minor: u32 },
}

/// The contents of an archive, keyed by guest path (no leading `/`).
#[derive(Debug, Clone, Default)]
pub struct CpioArchive {
    nodes: BTreeMap<String, Node>,
}

/// Normalises a guest path: strips leading `/`, refuses empty, `.`/`..` components.
fn guest_key(path: &str) -> Result<String> {
    let trimmed = path.trim_start_matches('/').trim_end_matches('/');
    if trimmed.is_empty()
        || trimmed
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return Err(HarnessError::BadGuestPath(path.to_string()));
    }
    Ok(trimmed.to_string())
}

impl CpioArchive {
    /// An empty archive.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the parent directories of `key` (mode 0755) that are not in the archive yet.
    fn add_parents(&mut self, key: &str) {
        let mut end = 0;
        while let Some(pos) = key[end..].find('/') {
            let parent = &key[..end + pos];
            self.nodes
                .entry(parent.to_string())
                .or_insert(Node::Dir { mode: 0o755 });
            end += pos + 1;
        }
    }

    fn insert(&mut self, path: &str, node: Node) -> Result<()> {
        let key = guest_key(path)?;
        self.add_parents(&key);
        self.nodes.insert(key, node);
        Ok(())
    }

    /// Adds a directory (and its parents).
    pub fn add_dir(&mut self, path: &str, mode: u32) -> Result<()> {
        self.insert(
            path,
            Node::Dir {
                mode: mode & 0o7777,
            },
        )
    }

    /// Adds a regular file holding `bytes`.
    pub fn add_bytes(&mut self, path: &str, mode: u32, bytes: impl Into<Vec<u8>>) -> Result<()> {
        self.insert(
            path,
            Node::File {
                mode: mode & 0o7777,
                content: Content::Bytes(bytes.into()),
            },
        )
    }

    /// Adds a regular file whose bytes are read from `host` when the archive is written.
    pub fn add_host_file(&mut self, path: &str, mode: u32, host: &Path) -> Result<()> {
        self.insert(
            path,
            Node::File {
                mode: mode & 0o7777,
                content: Content::HostFile(host.to_path_buf()),
            },
        )
    }

    /// Adds a symbolic link.
    pub fn add_symlink(&mut self, path: &str, target: &str) -> Result<()> {
        self.insert(
            path,
            Node::Symlink {
                target: target.to_string(),
            },
        )
    }

    /// Adds a character device node (e.g. `dev/console`, 5:1).
    pub fn add_char_device(&mut self, path: &str, mode: u32, major: u32, minor: u32) -> Result<()> {
        self.insert(
            path,
            Node::CharDevice {
                mode: mode & 0o7777,
                major,
                minor,
            },
        )
    }

    /// Whether `path` is in the archive.
    pub fn contains(&self, path: &str) -> bool {
        guest_key(path)
            .map(|key| self.nodes.contains_key(&key))
            .unwrap_or(false)
    }

    /// Writes the archive to `out` (uncompressed newc; the kernel takes it as it is).
    pub fn write_to_file(&self, out: &Path) -> Result<u64> {
        let file = File::create(out).map_err(|e| HarnessError::io(out, e))?;
        let mut writer = CountingWriter {
            inner: BufWriter::new(file),
            written: 0,
        };
        self.write(&mut writer)
            .map_err(|e| HarnessError::io(out, e))?;
        writer.inner.flush().map_err(|e| HarnessError::io(out, e))?;
        Ok(writer.written)
    }

    /// Writes the archive to any writer. Host files are streamed; a host file whose size
    /// changes while it is copied is an error.
    pub fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let mut written = 0u64;
        for (index, (name, node)) in self.nodes.iter().enumerate() {
            let ino = index as u32 + 1;
            match node {
                Node::Dir { mode } => {
                    written += write_header(out, ino, S_IFDIR | mode, 2, 0, (0, 0), name)?;
                }
                Node::Symlink { target } => {
                    let len = target.len() as u64;
                    written += write_header(out, ino, S_IFLNK | 0o777, 1, len, (0, 0), name)?;
                    out.write_all(target.as_bytes())?;
                    written += len;
                    written += pad4(out, written)?;
                }
                Node::CharDevice { mode, major, minor } => {
                    written +=
                        write_header(out, ino, S_IFCHR | mode, 1, 0, (*major, *minor), name)?;
                }
                Node::File {
                    mode,
                    content: Content::Bytes(bytes),
                } => {
                    let len = bytes.len() as u64;
                    written += write_header(out, ino, S_IFREG | mode, 1, len, (0, 0), name)?;
                    out.write_all(bytes)?;
                    written += len;
                    written += pad4(out, written)?;
                }
                Node::File {
                    mode,
                    content: Content::HostFile(host),
                } => {
                    let file = File::open(host).map_err(|e| with_path(e, host))?;
                    let len = file.metadata().map_err(|e| with_path(e, host))?.len();
                    written += write_header(out, ino, S_IFREG | mode, 1, len, (0, 0), name)?;
                    let copied = io::copy(&mut file.take(len), out)?;
                    if copied != len {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            format!("{} shrank while being archived", host.display()),
                        ));
                    }
                    written += len;
                    written += pad4(out, written)?;
                }
            }
        }
        write_header(out, 0, 0, 1, 0, (0, 0), "TRAILER!!!")?;
        Ok(())
    }
}

fn with_path(e: io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// Writes one header plus the NUL-terminated name and its padding; returns bytes written.
fn write_header(
    out: &mut impl Write,
    ino: u32,
    mode: u32,
    nlink: u32,
    filesize: u64,
    rdev: (u32, u32),
    name: &str,
) -> io::Result<u64> {
    let filesize = u32::try_from(filesize).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{name}: over 4 GiB, newc cannot hold it"),
        )
    })?;
    let namesize = name.len() as u32 + 1;
    let header = format!(
        "070701{ino:08x}{mode:08x}{uid:08x}{gid:08x}{nlink:08x}{mtime:08x}{filesize:08x}\
         {devmajor:08x}{devminor:08x}{rmaj:08x}{rmin:08x}{namesize:08x}{check:08x}",
        uid = 0,
        gid = 0,
        mtime = 0,
        devmajor = 0,
        devminor = 0,
        rmaj = rdev.0,
        rmin = rdev.1,
        check = 0,
    );
    out.write_all(header.as_bytes())?;
    out.write_all(name.as_bytes())?;
    out.write_all(&[0])?;
    let len = header.len() as u64 + u64::from(namesize);
    let pad = (4 - len % 4) % 4;
    out.write_all(&[0u8; 3][..pad as usize])?;
    Ok(len + pad)
}

/// Pads to the next multiple of 4 given the total written so far; returns the padding.
fn pad4(out: &mut impl Write, written: u64) -> io::Result<u64> {
    let pad = (4 - written % 4) % 4;
    out.write_all(&[0u8; 3][..pad as usize])?;
    Ok(pad)
}

struct CountingWriter<W: Write> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (name, mode, data, (rdevmajor, rdevminor)) of one parsed entry.
    type Parsed = (String, u32, Vec<u8>, (u32, u32));

    /// Parses a newc archive back into entries, checking alignment.
    fn parse(bytes: &[u8]) -> Vec<Parsed> {
        let mut out = Vec::new();
        let mut pos = 0usize;
        loop {
            assert_eq!(pos % 4, 0, "header at {pos} not 4-aligned");
            assert_eq!(&bytes[pos..pos + 6], b"070701");
            let field = |i: usize| {
                let start = pos + 6 + i * 8;
                u32::from_str_radix(std::str::from_utf8(&bytes[start..start + 8]).unwrap(), 16)
                    .unwrap()
            };
            let mode = field(1);
            let filesize = field(6) as usize;
            let rdev = (field(9), field(10));
            let namesize = field(11) as usize;
            let name_start = pos + 110;
            let name =
                String::from_utf8(bytes[name_start..name_start + namesize - 1].to_vec()).unwrap();
            assert_eq!(bytes[name_start + namesize - 1], 0);
            let data_start = (name_start + namesize).div_ceil(4) * 4;
            let data = bytes[data_start..data_start + filesize].to_vec();
            pos = (data_start + filesize).div_ceil(4) * 4;
            if name == "TRAILER!!!" {
                assert_eq!(pos, bytes.len());
                return out;
            }
            out.push((name, mode, data, rdev));
        }
    }

    #[test]
    fn writes_parents_first_and_round_trips() {
        let mut archive = CpioArchive::new();
        archive
            .add_bytes("/bin/tool", 0o755, b"abcde".to_vec())
            .unwrap();
        archive.add_symlink("bin/sh", "tool").unwrap();
        archive.add_char_device("dev/console", 0o600, 5, 1).unwrap();
        archive
            .add_bytes("init", 0o700, b"#!/bin/sh\n".to_vec())
            .unwrap();
        let mut bytes = Vec::new();
        archive.write(&mut bytes).unwrap();
        let entries = parse(&bytes);
        let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(
            names,
            ["bin", "bin/sh", "bin/tool", "dev", "dev/console", "init"]
        );
        assert_eq!(entries[0].1, S_IFDIR | 0o755);
        assert_eq!(entries[1].1, S_IFLNK | 0o777);
        assert_eq!(entries[1].2, b"tool");
        assert_eq!(entries[2].2, b"abcde");
        assert_eq!(entries[4].1, S_IFCHR | 0o600);
        assert_eq!(entries[4].3, (5, 1));
        assert_eq!(entries[5].1, S_IFREG | 0o700);
    }

    #[test]
    fn same_input_same_bytes_and_host_files_stream() {
        let dir = tempfile::tempdir().unwrap();
        let host = dir.path().join("blob");
        std::fs::write(&host, vec![7u8; 10_001]).unwrap();
        let build = || {
            let mut archive = CpioArchive::new();
            archive.add_host_file("lib/blob", 0o644, &host).unwrap();
            archive.add_dir("tmp", 0o1777).unwrap();
            let mut bytes = Vec::new();
            archive.write(&mut bytes).unwrap();
            bytes
        };
        let first = build();
        assert_eq!(first, build());
        let entries = parse(&first);
        assert_eq!(entries[1].0, "lib/blob");
        assert_eq!(entries[1].2, vec![7u8; 10_001]);
        assert_eq!(entries[2].1, S_IFDIR | 0o1777);
    }

    #[test]
    fn refuses_dot_dot_and_empty_paths() {
        let mut archive = CpioArchive::new();
        assert!(archive.add_dir("a/../b", 0o755).is_err());
        assert!(archive.add_dir("/", 0o755).is_err());
        assert!(archive.add_bytes("a//b", 0o644, Vec::new()).is_err());
    }
}
