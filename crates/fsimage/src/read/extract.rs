//! Extraction into a destination directory, safely.
//!
//! Nothing is ever created or written outside the destination: every
//! directory is entered through a file descriptor opened with
//! `O_DIRECTORY | O_NOFOLLOW` relative to its parent's descriptor, files are
//! created with `O_CREAT | O_EXCL | O_NOFOLLOW`, and names that are empty, `.`,
//! `..`, or contain `/` or NUL are refused. So a symlink created earlier in the
//! same extraction (or one already in the destination) is never followed. An
//! existing file is replaced only with [`ExtractOptions::force`] (unlinked
//! first, never written through).

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, Timespec, Timestamps, CWD};
use rustix::io::Errno;

use super::{FileKind, Node, ReadError, Result, VisitedDirs, Volume, WalkBudget};
use crate::source::SectorSource;

/// How to extract.
#[derive(Debug, Clone, Default)]
pub struct ExtractOptions {
    /// Replace existing files, symlinks and special files (never directories:
    /// they are merged into).
    pub force: bool,
    /// Give extracted entries the Rock Ridge owner and group (PX uid/gid), as
    /// `tar` does when run as root. Needs the privilege to `chown`; off, entries
    /// belong to the extracting user. [`ExtractOptions::same_owner_by_default`]
    /// says what `tar` would choose.
    pub same_owner: bool,
    /// Write what can be read of a file whose data lies partly past the end
    /// of the image or cannot be read (the rest left as a hole of zeros, at
    /// the file's offsets), and list it in [`ExtractReport::incomplete`],
    /// instead of skipping it.
    pub salvage: bool,
    /// Create device nodes and FIFOs. Off (the default, as in xorriso's
    /// `-osirrox` without `device_files`), they are listed in
    /// [`ExtractReport::not_created`] with the reason: a device node from an
    /// untrusted image can open any device of the machine to whoever can
    /// reach the extracted tree.
    pub devices: bool,
}

impl ExtractOptions {
    /// `true` when the process runs as root (effective uid 0): then, like
    /// `tar`, extraction restores owners unless told not to.
    pub fn same_owner_by_default() -> bool {
        rustix::process::geteuid().is_root()
    }
}

/// Progress of an extraction.
#[derive(Debug, Clone, Copy)]
pub enum ExtractEvent<'a> {
    /// An entry is about to be extracted (path relative to the image root).
    Entry {
        path: &'a str,
        kind: FileKind,
        size: u64,
    },
    /// File data written since the previous event.
    Bytes(u64),
}

/// An entry that was not extracted, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// A file written with parts missing ([`ExtractOptions::salvage`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incomplete {
    pub path: String,
    /// The file's size, and the bytes of it that could not be read (zeros).
    pub size: u64,
    pub missing_bytes: u64,
    /// Why the first missing part is missing.
    pub reason: String,
}

/// What an extraction did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtractReport {
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    pub hard_links: u64,
    pub special: u64,
    /// File data bytes written.
    pub bytes: u64,
    pub skipped: Vec<Skipped>,
    /// Device nodes and FIFOs left out because [`ExtractOptions::devices`]
    /// is off (a choice, not a failure), with the reason.
    pub not_created: Vec<Skipped>,
    /// Files written with parts missing (only with [`ExtractOptions::salvage`]).
    pub incomplete: Vec<Incomplete>,
}

/// Extracts `paths` (image paths; empty, or `/`, means everything) from
/// `volume` into `dest` (created if missing). An image path `a/b` lands at
/// `dest/a/b`. Entries that cannot be read or are refused as unsafe are listed
/// in [`ExtractReport::skipped`]; errors writing the destination, and an
/// existing file without `force`, stop the extraction.
pub fn extract<S: SectorSource>(
    volume: &mut Volume<S>,
    paths: &[&str],
    dest: &Path,
    options: &ExtractOptions,
    progress: &mut dyn FnMut(ExtractEvent<'_>),
) -> Result<ExtractReport> {
    std::fs::create_dir_all(dest).map_err(|source| ReadError::Extract {
        action: "create",
        path: dest.to_path_buf(),
        source,
    })?;
    let root_fd = rustix::fs::openat(
        CWD,
        dest,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| ReadError::Extract {
        action: "open",
        path: dest.to_path_buf(),
        source: e.into(),
    })?;
    let mut ctx = Ctx {
        dest: dest.to_path_buf(),
        root_fd,
        options: options.clone(),
        report: ExtractReport::default(),
        links: HashMap::new(),
        link_path_bytes: 0,
        raw_dir: Vec::new(),
        visited: VisitedDirs::default(),
        budget: WalkBudget::default(),
        copy_buf: Vec::new(),
        progress,
    };

    let wanted: Vec<&str> = if paths.is_empty() {
        vec![""]
    } else {
        paths.to_vec()
    };
    for path in wanted {
        let components: Vec<&str> = path
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        if components.contains(&"..") {
            ctx.report.skipped.push(Skipped {
                path: path.to_string(),
                reason: "paths with .. are not extracted".into(),
            });
            continue;
        }
        let rel = components.join("/");
        let node = match volume.lookup(&rel) {
            Ok(node) => node,
            Err(e @ (ReadError::NotFound { .. } | ReadError::NotADirectory { .. })) => {
                return Err(e)
            }
            Err(e) => {
                ctx.report.skipped.push(Skipped {
                    path: rel,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        match components.split_last() {
            None => {
                // The whole image: the root's contents go into dest itself.
                let fd = ctx
                    .root_fd
                    .try_clone()
                    .map_err(|source| ReadError::Extract {
                        action: "open",
                        path: dest.to_path_buf(),
                        source,
                    })?;
                ctx.visited.clear();
                ctx.raw_dir.clear();
                extract_dir_contents(volume, &node, "", &fd, 0, &mut ctx)?;
            }
            Some((name, parents)) => {
                let parent_fd = ctx.open_parents(parents)?;
                ctx.visited.clear();
                ctx.raw_dir = parents.iter().map(|p| p.as_bytes().to_vec()).collect();
                extract_entry(volume, &node, name, &rel, &parent_fd, 0, &mut ctx)?;
            }
        }
    }
    Ok(ctx.report)
}

struct Ctx<'p> {
    dest: PathBuf,
    root_fd: OwnedFd,
    options: ExtractOptions,
    report: ExtractReport,
    /// Inode → the first extracted name (for hard links): its raw path
    /// components below the destination.
    links: HashMap<u64, Vec<Vec<u8>>>,
    /// Bytes of paths kept in `links`: capped at [`MAX_LINK_PATH_BYTES`], past
    /// which further link groups are extracted as copies (deep paths times
    /// many files would otherwise grow without bound).
    link_path_bytes: usize,
    /// Raw name bytes of the directories from the destination down to the
    /// one being extracted into (Rock Ridge names need not be UTF-8).
    raw_dir: Vec<Vec<u8>>,
    /// Directory extents entered in this extraction (loop guard).
    visited: VisitedDirs,
    /// Directories, directory bytes and held entries spent so far (the same
    /// caps as [`Volume::walk`]: a hostile tree stops the extraction).
    budget: WalkBudget,
    /// Buffer reused for every file's data.
    copy_buf: Vec<u8>,
    progress: &'p mut dyn FnMut(ExtractEvent<'_>),
}

impl Ctx<'_> {
    fn host_path(&self, rel: &str) -> PathBuf {
        self.dest.join(rel)
    }

    /// Records an entry that is not extracted. The caller reports these (the
    /// log only gets a debug line); a reason that starts with the path, as
    /// the reader's errors do, is stored without it.
    fn skip(&mut self, path: &str, reason: impl Into<String>) {
        let mut reason = reason.into();
        if let Some(rest) = reason.strip_prefix(path).and_then(|r| r.strip_prefix(": ")) {
            reason = rest.to_string();
        }
        tracing::debug!("not extracted: {path}: {reason}");
        self.report.skipped.push(Skipped {
            path: path.to_string(),
            reason,
        });
    }

    fn err(&self, action: &'static str, rel: &str, e: impl Into<std::io::Error>) -> ReadError {
        ReadError::Extract {
            action,
            path: self.host_path(rel),
            source: e.into(),
        }
    }

    /// Opens (creating as needed) the directories `components` below the
    /// destination, never following symlinks.
    fn open_parents(&self, components: &[&str]) -> Result<OwnedFd> {
        let mut fd = self
            .root_fd
            .try_clone()
            .map_err(|source| ReadError::Extract {
                action: "open",
                path: self.dest.clone(),
                source,
            })?;
        let mut rel = String::new();
        for name in components {
            if !rel.is_empty() {
                rel.push('/');
            }
            rel.push_str(name);
            fd = self.make_dir(&fd, name.as_bytes(), &rel)?;
        }
        Ok(fd)
    }

    /// Opens an existing directory chain (for hard-link sources), never following symlinks.
    fn open_existing_dirs(&self, components: &[Vec<u8>]) -> std::io::Result<OwnedFd> {
        let mut fd = self.root_fd.try_clone()?;
        for name in components {
            fd = rustix::fs::openat(&fd, name.as_slice(), dir_flags(), Mode::empty())?;
        }
        Ok(fd)
    }

    /// Creates directory `name` in `parent` (or reuses an existing real
    /// directory) and opens it without following symlinks.
    fn make_dir(&self, parent: &OwnedFd, name: &[u8], rel: &str) -> Result<OwnedFd> {
        match rustix::fs::mkdirat(parent, name, Mode::from_raw_mode(0o700)) {
            Ok(()) | Err(Errno::EXIST) => {}
            Err(e) => return Err(self.err("create directory", rel, e)),
        }
        match rustix::fs::openat(parent, name, dir_flags(), Mode::empty()) {
            Ok(fd) => Ok(fd),
            // Something else (a symlink, a file) holds the name.
            Err(Errno::LOOP) | Err(Errno::NOTDIR) => {
                if self.options.force {
                    rustix::fs::unlinkat(parent, name, AtFlags::empty())
                        .map_err(|e| self.err("replace", rel, e))?;
                    rustix::fs::mkdirat(parent, name, Mode::from_raw_mode(0o700))
                        .map_err(|e| self.err("create directory", rel, e))?;
                    rustix::fs::openat(parent, name, dir_flags(), Mode::empty())
                        .map_err(|e| self.err("open directory", rel, e))
                } else {
                    Err(ReadError::Exists {
                        path: self.host_path(rel),
                    })
                }
            }
            Err(e) => Err(self.err("open directory", rel, e)),
        }
    }

    /// Gives an open file or directory the entry's owner (with `same_owner`).
    fn set_owner_fd(&self, fd: &impl std::os::fd::AsFd, node: &Node, rel: &str) -> Result<()> {
        if !self.options.same_owner {
            return Ok(());
        }
        std::os::unix::fs::fchown(fd, Some(node.stat.uid), Some(node.stat.gid))
            .map_err(|e| self.err("set the owner of", rel, e))
    }

    /// Gives a just-created symlink or special file `name` in `parent` the
    /// entry's owner (with `same_owner`), not following a symlink. Reached
    /// through `/proc/self/fd/PARENT/NAME`, so the directory is the one this
    /// extraction opened (no path lookup from the destination) and the raw
    /// name bytes are used as they are.
    fn set_owner_nofollow(
        &self,
        parent: &OwnedFd,
        name: &[u8],
        node: &Node,
        rel: &str,
    ) -> Result<()> {
        use std::os::fd::AsRawFd;
        use std::os::unix::ffi::OsStrExt;
        if !self.options.same_owner {
            return Ok(());
        }
        let path = Path::new("/proc/self/fd")
            .join(parent.as_raw_fd().to_string())
            .join(std::ffi::OsStr::from_bytes(name));
        std::os::unix::fs::lchown(path, Some(node.stat.uid), Some(node.stat.gid))
            .map_err(|e| self.err("set the owner of", rel, e))
    }

    /// Makes room for a new non-directory `name`: with `force`, removes what
    /// is there (a directory is never removed).
    fn clear_for(&self, parent: &OwnedFd, name: &[u8], rel: &str) -> Result<()> {
        match rustix::fs::statat(parent, name, AtFlags::SYMLINK_NOFOLLOW) {
            Err(Errno::NOENT) => Ok(()),
            Err(e) => Err(self.err("inspect", rel, e)),
            Ok(_) if !self.options.force => Err(ReadError::Exists {
                path: self.host_path(rel),
            }),
            Ok(_) => rustix::fs::unlinkat(parent, name, AtFlags::empty())
                .map_err(|e| self.err("replace", rel, e)),
        }
    }
}

/// Most bytes of hard-link source paths an extraction remembers.
const MAX_LINK_PATH_BYTES: usize = 64 << 20;

fn dir_flags() -> OFlags {
    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
}

fn timestamps(node: &Node) -> Option<Timestamps> {
    let mtime = node.stat.mtime?;
    let atime = node.stat.atime.unwrap_or(mtime);
    let ts = |secs: i64| Timespec {
        tv_sec: secs as _,
        tv_nsec: 0,
    };
    Some(Timestamps {
        last_access: ts(atime),
        last_modification: ts(mtime),
    })
}

fn extract_dir_contents<S: SectorSource>(
    volume: &mut Volume<S>,
    dir: &Node,
    rel: &str,
    dir_fd: &OwnedFd,
    depth: usize,
    ctx: &mut Ctx<'_>,
) -> Result<()> {
    super::check_path_len(volume.limits(), rel)?;
    let display = if rel.is_empty() { "/" } else { rel };
    if depth >= volume.limits().max_depth {
        ctx.skip(
            display,
            format!("deeper than {} directories", volume.limits().max_depth),
        );
        return Ok(());
    }
    match ctx.visited.insert(dir, display) {
        Ok(()) => {}
        Err(ReadError::Loop { lba, .. }) => {
            ctx.skip(
                display,
                format!("directory loop: the directory at LBA {lba} was already extracted"),
            );
            return Ok(());
        }
        Err(e) => {
            ctx.skip(display, e.to_string());
            return Ok(());
        }
    }
    ctx.budget.enter_dir(volume.limits(), dir, display)?;
    let listing = match volume.read_dir_in_walk(dir, display, &ctx.budget) {
        Ok(listing) => listing,
        Err(e @ ReadError::Limit { .. }) => return Err(e),
        Err(e) => {
            ctx.skip(display, e.to_string());
            return Ok(());
        }
    };
    let held = ctx.budget.hold(volume.limits(), &listing, display)?;
    for s in &listing.skipped {
        let path = if rel.is_empty() {
            s.name.clone()
        } else {
            format!("{rel}/{}", s.name)
        };
        ctx.skip(&path, s.reason.clone());
    }
    for child in &listing.entries {
        let name = child.name_lossy();
        let child_rel = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        extract_entry(volume, child, &name, &child_rel, dir_fd, depth + 1, ctx)?;
    }
    ctx.budget.release(held);
    Ok(())
}

fn extract_entry<S: SectorSource>(
    volume: &mut Volume<S>,
    node: &Node,
    _name: &str,
    rel: &str,
    parent: &OwnedFd,
    depth: usize,
    ctx: &mut Ctx<'_>,
) -> Result<()> {
    // The raw name bytes are what gets created (Rock Ridge names need not be UTF-8).
    let name = node.name.as_slice();
    // The listing already refused these; checked again because this name is created on the host.
    if let Some(reason) = super::dir::bad_name(name, usize::MAX) {
        ctx.skip(rel, reason);
        return Ok(());
    }
    (ctx.progress)(ExtractEvent::Entry {
        path: rel,
        kind: node.stat.kind,
        size: node.stat.size,
    });
    let perm = Mode::from_raw_mode(node.stat.mode & 0o7777);
    match node.stat.kind {
        FileKind::Dir => {
            let fd = ctx.make_dir(parent, name, rel)?;
            ctx.report.dirs += 1;
            ctx.raw_dir.push(name.to_vec());
            let contents = extract_dir_contents(volume, node, rel, &fd, depth, ctx);
            ctx.raw_dir.pop();
            contents?;
            // Owner, mode and times after the contents: a read-only directory
            // stays writable until then, and writing into it does not touch its
            // mtime afterwards. chown before chmod: chown may clear set-id bits.
            ctx.set_owner_fd(&fd, node, rel)?;
            rustix::fs::fchmod(&fd, perm).map_err(|e| ctx.err("set the mode of", rel, e))?;
            if let Some(ts) = timestamps(node) {
                rustix::fs::futimens(&fd, &ts).map_err(|e| ctx.err("set the times of", rel, e))?;
            }
        }
        FileKind::File => {
            if node.stat.nlink > 1 {
                if let Some(components) = ctx.links.get(&node.stat.inode).cloned() {
                    ctx.clear_for(parent, name, rel)?;
                    if let Some((first_name, dirs)) = components.split_last() {
                        let linked = ctx.open_existing_dirs(dirs).and_then(|src| {
                            rustix::fs::linkat(
                                &src,
                                first_name.as_slice(),
                                parent,
                                name,
                                AtFlags::empty(),
                            )
                            .map_err(Into::into)
                        });
                        match linked {
                            Ok(()) => {
                                ctx.report.hard_links += 1;
                                return Ok(());
                            }
                            Err(e) => {
                                let first: Vec<String> = components
                                    .iter()
                                    .map(|c| String::from_utf8_lossy(c).into_owned())
                                    .collect();
                                tracing::warn!(
                                    "{rel}: cannot hard-link to {} ({e}); writing a copy",
                                    first.join("/")
                                )
                            }
                        }
                    }
                }
            }
            ctx.clear_for(parent, name, rel)?;
            let fd = rustix::fs::openat(
                parent,
                name,
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o600),
            )
            .map_err(|e| ctx.err("create", rel, e))?;
            let mut file = File::from(fd);
            let copied = if ctx.options.salvage {
                salvage_data(volume, node, &mut file, rel, ctx)
            } else {
                copy_data(volume, node, &mut file, rel, ctx)
            };
            match copied {
                Ok(written) => ctx.report.bytes += written,
                Err(CopyError::Read(reason)) => {
                    drop(file);
                    let _ = rustix::fs::unlinkat(parent, name, AtFlags::empty());
                    ctx.skip(rel, reason);
                    return Ok(());
                }
                Err(CopyError::Write(e)) => return Err(ctx.err("write", rel, e)),
            }
            ctx.set_owner_fd(&file, node, rel)?;
            rustix::fs::fchmod(&file, perm).map_err(|e| ctx.err("set the mode of", rel, e))?;
            if let Some(ts) = timestamps(node) {
                rustix::fs::futimens(&file, &ts)
                    .map_err(|e| ctx.err("set the times of", rel, e))?;
            }
            ctx.report.files += 1;
            if node.stat.nlink > 1 {
                let cost = ctx.raw_dir.iter().map(|c| c.len() + 32).sum::<usize>() + name.len();
                if !ctx.links.contains_key(&node.stat.inode)
                    && ctx.link_path_bytes + cost <= MAX_LINK_PATH_BYTES
                {
                    let mut components = ctx.raw_dir.clone();
                    components.push(name.to_vec());
                    ctx.link_path_bytes += cost;
                    ctx.links.insert(node.stat.inode, components);
                }
            }
        }
        FileKind::Symlink => {
            let target = node.stat.symlink_target.clone().unwrap_or_default();
            if target.is_empty() || target.contains(&0) {
                ctx.skip(rel, "symlink target is empty or contains NUL");
                return Ok(());
            }
            ctx.clear_for(parent, name, rel)?;
            rustix::fs::symlinkat(target.as_slice(), parent, name)
                .map_err(|e| ctx.err("create symlink", rel, e))?;
            ctx.set_owner_nofollow(parent, name, node, rel)?;
            if let Some(ts) = timestamps(node) {
                // Symlink times cannot be set everywhere; not worth failing for.
                let _ = rustix::fs::utimensat(parent, name, &ts, AtFlags::SYMLINK_NOFOLLOW);
            }
            ctx.report.symlinks += 1;
        }
        FileKind::Fifo | FileKind::CharDevice | FileKind::BlockDevice if !ctx.options.devices => {
            ctx.report.not_created.push(Skipped {
                path: rel.to_string(),
                reason: format!(
                    "{} not created without --devices (an image's device nodes can open the machine's devices)",
                    describe_special(node)
                ),
            });
        }
        FileKind::Fifo | FileKind::CharDevice | FileKind::BlockDevice => {
            let (file_type, dev) = match node.stat.kind {
                FileKind::Fifo => (FileType::Fifo, 0),
                FileKind::CharDevice => (
                    FileType::CharacterDevice,
                    node.stat.rdev.map_or(0, |(a, b)| rustix::fs::makedev(a, b)),
                ),
                _ => (
                    FileType::BlockDevice,
                    node.stat.rdev.map_or(0, |(a, b)| rustix::fs::makedev(a, b)),
                ),
            };
            ctx.clear_for(parent, name, rel)?;
            match rustix::fs::mknodat(parent, name, file_type, perm, dev) {
                Ok(()) => {
                    ctx.set_owner_nofollow(parent, name, node, rel)?;
                    // mknod applied the umask, and chown may clear set-id bits.
                    rustix::fs::chmodat(parent, name, perm, AtFlags::empty())
                        .map_err(|e| ctx.err("set the mode of", rel, e))?;
                    ctx.report.special += 1
                }
                Err(e) if e == Errno::PERM || e == Errno::ACCESS => ctx.skip(
                    rel,
                    format!("cannot create a {} here: {e}", node.stat.kind.as_str()),
                ),
                Err(e) => return Err(ctx.err("create", rel, e)),
            }
        }
        FileKind::Socket => ctx.skip(rel, "sockets are not extracted"),
    }
    Ok(())
}

/// "FIFO", "character device 1:3", "block device 8:0".
fn describe_special(node: &Node) -> String {
    let (major, minor) = node.stat.rdev.unwrap_or((0, 0));
    match node.stat.kind {
        FileKind::Fifo => "FIFO".to_string(),
        FileKind::CharDevice => format!("character device {major}:{minor}"),
        _ => format!("block device {major}:{minor}"),
    }
}

enum CopyError {
    Read(String),
    Write(std::io::Error),
}

/// Streams a file's data into `out`, leaving holes where whole blocks are zero.
fn copy_data<S: SectorSource>(
    volume: &mut Volume<S>,
    node: &Node,
    out: &mut File,
    rel: &str,
    ctx: &mut Ctx<'_>,
) -> std::result::Result<u64, CopyError> {
    let mut reader = volume
        .open_file(node)
        .map_err(|e| CopyError::Read(e.with_path(rel).to_string()))?;
    let mut buf = std::mem::take(&mut ctx.copy_buf);
    buf.resize(512 << 10, 0);
    let result = copy_loop(&mut reader, &mut buf, out, rel, ctx);
    ctx.copy_buf = buf;
    result
}

/// [`copy_data`] for `--salvage`: what cannot be read becomes a hole, and
/// the file is listed in [`ExtractReport::incomplete`].
fn salvage_data<S: SectorSource>(
    volume: &mut Volume<S>,
    node: &Node,
    out: &mut File,
    rel: &str,
    ctx: &mut Ctx<'_>,
) -> std::result::Result<u64, CopyError> {
    use super::file::{salvage, Piece, SalvageError};
    let mut buf = std::mem::take(&mut ctx.copy_buf);
    let mut written = 0u64;
    let mut readable = 0u64;
    let progress = &mut ctx.progress;
    let result = salvage(volume, node, &mut buf, &mut |piece| {
        let n = match piece {
            Piece::Data(data) if data.iter().any(|&b| b != 0) => {
                out.write_all(data)?;
                readable += data.len() as u64;
                data.len() as u64
            }
            Piece::Data(data) => {
                out.seek(SeekFrom::Current(data.len() as i64))?;
                readable += data.len() as u64;
                data.len() as u64
            }
            Piece::Missing(n) => {
                out.seek(SeekFrom::Current(n as i64))?;
                n
            }
        };
        written += n;
        (progress)(ExtractEvent::Bytes(n));
        Ok(())
    });
    ctx.copy_buf = buf;
    let salvaged = match result {
        Ok(salvaged) => salvaged,
        Err(SalvageError::Unreadable(e)) => {
            return Err(CopyError::Read(e.with_path(rel).to_string()))
        }
        Err(SalvageError::Write(e)) => return Err(CopyError::Write(e)),
    };
    // Holes (zeros and missing parts) at the end still count in the size.
    out.set_len(written).map_err(CopyError::Write)?;
    if salvaged.missing > 0 {
        ctx.report.incomplete.push(Incomplete {
            path: rel.to_string(),
            size: written,
            missing_bytes: salvaged.missing,
            reason: salvaged.reason.unwrap_or_default(),
        });
    }
    Ok(readable)
}

fn copy_loop<R: Read>(
    reader: &mut R,
    buf: &mut [u8],
    out: &mut File,
    rel: &str,
    ctx: &mut Ctx<'_>,
) -> std::result::Result<u64, CopyError> {
    let mut written: u64 = 0;
    let mut hole = false;
    loop {
        let n = match reader.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(format!("{rel}: {e}"))),
        };
        let chunk = &buf[..n];
        if chunk.iter().all(|&b| b == 0) {
            out.seek(SeekFrom::Current(n as i64))
                .map_err(CopyError::Write)?;
            hole = true;
        } else {
            out.write_all(chunk).map_err(CopyError::Write)?;
            hole = false;
        }
        written += n as u64;
        (ctx.progress)(ExtractEvent::Bytes(n as u64));
    }
    if hole {
        out.set_len(written).map_err(CopyError::Write)?;
    }
    Ok(written)
}
