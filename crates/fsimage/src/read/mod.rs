//! The hardened reader: opens one ISO 9660 session through a [`SectorSource`],
//! picks the richest namespace (Rock Ridge, else Joliet, else ISO 9660), and
//! lists, stats, reads and extracts its files.
//!
//! The image is untrusted. Every length and offset is checked against the
//! record, the directory extent and the image; directory data is read only up
//! to [`Limits`]; file data is streamed, never allocated by its recorded size;
//! directory loops, relocation (CL) cycles and continuation (CE) chains are
//! caught by visited sets and hard caps; nothing panics on input data.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use fsimage::read::{ReadOptions, Volume};
//! let file = std::fs::File::open("image.iso")?;
//! let mut volume = Volume::open(fsimage::FileSectorSource::new(file)?, ReadOptions::default())?;
//! let readme = volume.lookup("docs/README")?;
//! let mut data = Vec::new();
//! std::io::copy(&mut volume.open_file(&readme)?, &mut data)?;
//! # Ok(()) }
//! ```

mod dir;
pub mod error;
pub mod extract;
mod file;
mod rr;
mod stat;
mod udf;
mod volume;
mod zisofs;

pub use error::{ReadError, Result};
pub use extract::{extract, ExtractEvent, ExtractOptions, ExtractReport, Incomplete, Skipped};
pub use file::FileReader;
pub use udf::UdfInfo;
pub use zisofs::Inflated;

/// The UDF volume of the session at `start`, if its recognition sequence
/// names one (`Ok(None)`: no UDF there).
pub(crate) fn udf_probe<S: SectorSource + ?Sized>(
    source: &mut S,
    start: u64,
    source_blocks: Option<u64>,
    limits: &Limits,
) -> Result<Option<UdfInfo>> {
    udf::probe(source, start, source_blocks, limits).map(|state| state.map(|s| s.info))
}
pub use volume::{ElTorito, Namespace, RockRidgeInfo, VolumeInfo};

use std::collections::BTreeMap;

use crate::source::{SectorSource, BLOCK_SIZE};

const BLOCK: u64 = BLOCK_SIZE as u64;

/// Hard caps that keep a hostile image from exhausting time or memory.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Deepest directory nesting a walk or lookup follows.
    pub max_depth: usize,
    /// Largest directory extent read into memory, in bytes.
    pub max_dir_bytes: u64,
    /// Most records in one directory.
    pub max_entries_per_dir: usize,
    /// Most continuation-area bytes gathered for one directory record.
    pub max_ce_bytes: usize,
    /// Most continuation areas chained from one directory record.
    pub max_ce_hops: usize,
    /// Most extents (multi-extent records) of one file.
    pub max_extents_per_file: usize,
    /// Most directories visited by one [`Volume::walk`].
    pub max_walk_dirs: usize,
    /// Most directory bytes read by one [`Volume::walk`] or extraction.
    pub max_walk_dir_bytes: u64,
    /// Most entries held at once by a walk or extraction: the listings of
    /// the directory being read and of all its ancestors (each listed entry
    /// costs a few hundred bytes, so this bounds memory on wide-and-deep trees).
    pub max_walk_held_entries: usize,
    /// Longest name (Rock Ridge NM may be split over many entries).
    pub max_name_bytes: usize,
    /// Longest path (from the walk's start) a walk or extraction descends
    /// to: every entry below carries its whole path, so deep trees of long
    /// names would otherwise cost depth × name length per entry.
    pub max_path_bytes: usize,
    /// Longest symlink target.
    pub max_symlink_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 256,
            max_dir_bytes: 64 << 20,
            max_entries_per_dir: 1 << 20,
            max_ce_bytes: 64 << 10,
            max_ce_hops: 64,
            max_extents_per_file: 1 << 16,
            max_walk_dirs: 4 << 20,
            max_walk_dir_bytes: 4 << 30,
            max_walk_held_entries: 5 << 18,
            max_name_bytes: 1023,
            max_path_bytes: 16 << 10,
            max_symlink_bytes: 4095,
        }
    }
}

/// How to open a session.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// First block of the session: its volume descriptors are at
    /// `session_start + 16` (like Linux's `sbsector=` and xorriso's
    /// `-load sbsector`). Extent addresses are absolute either way. 0 reads the
    /// newest session of an image file (its descriptors are copied to LBA 16).
    pub session_start: u64,
    /// Force a namespace instead of the richest one present.
    pub namespace: Option<Namespace>,
    pub limits: Limits,
}

/// What a directory entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
}

impl FileKind {
    /// Lower-case name: `file`, `dir`, `symlink`, `char_device`, `block_device`, `fifo`, `socket`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::File => "file",
            FileKind::Dir => "dir",
            FileKind::Symlink => "symlink",
            FileKind::CharDevice => "char_device",
            FileKind::BlockDevice => "block_device",
            FileKind::Fifo => "fifo",
            FileKind::Socket => "socket",
        }
    }

    /// The `S_IFMT` bits of this kind.
    pub fn mode_bits(self) -> u32 {
        match self {
            FileKind::File => 0o100000,
            FileKind::Dir => 0o040000,
            FileKind::Symlink => 0o120000,
            FileKind::CharDevice => 0o020000,
            FileKind::BlockDevice => 0o060000,
            FileKind::Fifo => 0o010000,
            FileKind::Socket => 0o140000,
        }
    }

    fn from_mode(mode: u32) -> Option<FileKind> {
        Some(match mode & 0o170000 {
            0o100000 => FileKind::File,
            0o040000 => FileKind::Dir,
            0o120000 => FileKind::Symlink,
            0o020000 => FileKind::CharDevice,
            0o060000 => FileKind::BlockDevice,
            0o010000 => FileKind::Fifo,
            0o140000 => FileKind::Socket,
            _ => return None,
        })
    }
}

/// Attributes of an entry, from Rock Ridge when present, else defaults and the
/// directory record's date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub kind: FileKind,
    /// File: data bytes over all extents. Directory: extent length. Symlink: target length.
    pub size: u64,
    /// Full `st_mode` (type bits and permissions).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    /// Rock Ridge file serial number (PX, RRIP 1.12) when recorded and non-zero,
    /// else a number derived from the data extent (files) or record position.
    /// Equal inodes of non-directories with `nlink > 1` are hard links.
    pub inode: u64,
    /// Seconds since the epoch (TF modify, else the record date).
    pub mtime: Option<i64>,
    pub atime: Option<i64>,
    pub ctime: Option<i64>,
    /// TF creation time.
    pub crtime: Option<i64>,
    /// Rock Ridge SL target, as bytes.
    pub symlink_target: Option<Vec<u8>>,
    /// Device number (major, minor) from PN.
    pub rdev: Option<(u32, u32)>,
}

/// One contiguous piece of a file's data (or a directory's records).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    /// First block (extended attribute blocks already skipped).
    pub lba: u64,
    /// Length in bytes.
    pub len: u64,
}

/// A file, directory or other entry of the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Name as presented in the chosen namespace (Rock Ridge bytes, Joliet as
    /// UTF-8, ISO 9660 without `;1`); empty for the root.
    pub name: Vec<u8>,
    /// The ISO 9660 / Joliet file identifier as recorded.
    pub file_id: Vec<u8>,
    pub stat: Stat,
    /// Data extents (files), or the directory's own extent (directories).
    pub extents: Vec<Extent>,
    /// Where this entry's directory record lies: (LBA, byte offset in the block).
    pub record_at: (u64, u32),
    /// Interleaving (file unit size, gap) when recorded; such files cannot be read.
    pub interleave: Option<(u8, u8)>,
    /// UDF: the data itself, when the file entry embeds it (ECMA-167 4/14.6.8,
    /// allocation type 3); `extents` is then empty.
    pub embedded: Option<Vec<u8>>,
    /// UDF: the absolute block of the entry's file entry (its identity).
    pub icb: Option<u64>,
    /// Rock Ridge ZF (or Z2) entry of a regular file: its data is zisofs- or
    /// zisofs2-compressed, and [`Volume::open_file`] inflates it
    /// (`stat.size` is the uncompressed size).
    pub zisofs: Option<iso9660::zisofs::ZfEntry>,
    /// The file's index in the session's MD5 checksum array (AAIP `isofs.cx`).
    pub md5_index: Option<u32>,
}

impl Node {
    /// The name as (lossy) UTF-8, for display.
    pub fn name_lossy(&self) -> String {
        String::from_utf8_lossy(&self.name).into_owned()
    }
    pub fn is_dir(&self) -> bool {
        self.stat.kind == FileKind::Dir
    }
}

/// An entry of a directory that the reader refused to present, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedEntry {
    pub name: String,
    pub reason: String,
}

/// The result of reading one directory.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub entries: Vec<Node>,
    pub skipped: Vec<SkippedEntry>,
}

/// An open ISO 9660 session.
pub struct Volume<S> {
    source: S,
    info: VolumeInfo,
    namespace: Namespace,
    /// SUSP LEN_SKP when the Rock Ridge namespace is in use.
    susp_skip: Option<u8>,
    /// Upper bound of readable blocks (the source's count, else the session's end).
    image_blocks: u64,
    root: Node,
    limits: Limits,
    /// Continuation areas (CE) the directory being read may still follow:
    /// [`Limits::max_ce_hops`] plus two per record, so records that each chain
    /// the most CE areas allowed cannot make one directory cost
    /// `records × max_ce_hops` reads.
    ce_hops_left: usize,
    /// The session's UDF volume (partition mappings, root), when it has one.
    udf: Option<udf::UdfState>,
}

impl<S: SectorSource> Volume<S> {
    /// Opens the session of `options.session_start` on `source`.
    pub fn open(source: S, options: ReadOptions) -> Result<Self> {
        volume::open(source, options)
    }

    /// Descriptors, namespaces and features of the session.
    pub fn info(&self) -> &VolumeInfo {
        &self.info
    }

    /// The namespace names come from.
    pub fn namespace(&self) -> Namespace {
        self.namespace
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The root directory.
    pub fn root(&self) -> &Node {
        &self.root
    }

    /// The sector source the volume is read from.
    pub fn source(&self) -> &S {
        &self.source
    }

    /// Gives the sector source back.
    pub fn into_source(self) -> S {
        self.source
    }

    /// Reads a directory: its entries, and the records it refused (bad or
    /// duplicate names). `path` is only used in messages.
    pub fn read_dir(&mut self, dir: &Node, path: &str) -> Result<Listing> {
        self.read_dir_any(dir, path, None)
    }

    /// Reads a directory of the namespace in use, holding at most `held_room` entries.
    fn read_dir_any(
        &mut self,
        dir: &Node,
        path: &str,
        held_room: Option<usize>,
    ) -> Result<Listing> {
        if self.namespace != Namespace::Udf {
            return dir::read_dir_capped(self, dir, path, held_room);
        }
        let cap = match held_room {
            Some(room) if room < self.limits.max_entries_per_dir => (
                room,
                (
                    "entries held by the directories open in one walk",
                    self.limits.max_walk_held_entries as u64,
                ),
            ),
            _ => (
                self.limits.max_entries_per_dir,
                (
                    "records in one directory",
                    self.limits.max_entries_per_dir as u64,
                ),
            ),
        };
        udf::read_dir(self, dir, path, cap.0, cap.1)
    }

    /// [`Volume::read_dir`] within a walk's budget (extraction).
    pub(crate) fn read_dir_in_walk(
        &mut self,
        dir: &Node,
        path: &str,
        budget: &WalkBudget,
    ) -> Result<Listing> {
        let room = budget.room(&self.limits);
        self.read_dir_any(dir, path, Some(room))
    }

    /// The entries of a directory (refused records are left out, with a warning in the log).
    pub fn list_dir(&mut self, dir: &Node) -> Result<Vec<Node>> {
        let name = dir.name_lossy();
        let listing = self.read_dir(dir, &name)?;
        for skipped in &listing.skipped {
            tracing::warn!(
                "{name}: skipped entry {:?}: {}",
                skipped.name,
                skipped.reason
            );
        }
        Ok(listing.entries)
    }

    /// Finds the entry at a `/`-separated path (leading `/`, empty and `.`
    /// components are ignored; `..` goes up along the path walked).
    pub fn lookup(&mut self, path: &str) -> Result<Node> {
        let mut stack: Vec<Node> = vec![self.root.clone()];
        let mut walked = String::new();
        for component in path.split('/') {
            match component {
                "" | "." => continue,
                ".." => {
                    if stack.len() > 1 {
                        stack.pop();
                    }
                    continue;
                }
                _ => {}
            }
            let Some(current) = stack.last() else {
                return Err(ReadError::NotFound {
                    path: path.to_string(),
                });
            };
            if !current.is_dir() {
                return Err(ReadError::NotADirectory { path: walked });
            }
            if stack.len() > self.limits.max_depth {
                return Err(ReadError::Limit {
                    path: walked,
                    what: "directory depth",
                    limit: self.limits.max_depth as u64,
                });
            }
            let listing = self.read_dir_any(current, &walked, None)?;
            walked.push('/');
            walked.push_str(component);
            let found = listing
                .entries
                .into_iter()
                .find(|n| n.name == component.as_bytes());
            match found {
                Some(node) => stack.push(node),
                None => return Err(ReadError::NotFound { path: walked }),
            }
        }
        stack.pop().ok_or_else(|| ReadError::NotFound {
            path: path.to_string(),
        })
    }

    /// Attributes of the entry at `path`.
    pub fn stat(&mut self, path: &str) -> Result<Stat> {
        Ok(self.lookup(path)?.stat)
    }

    /// A streaming reader over all extents of a regular file (inflated when
    /// it is zisofs-compressed).
    pub fn open_file(&mut self, node: &Node) -> Result<FileReader<'_, S>> {
        file::open(self, node)
    }

    /// A streaming reader over a regular file's bytes as the image stores
    /// them: a zisofs file's compressed form, which its MD5 checksum covers
    /// (libisofs hashes a file's data after its filters).
    pub fn open_stored(&mut self, node: &Node) -> Result<FileReader<'_, S>> {
        let stored = Node {
            zisofs: None,
            ..node.clone()
        };
        file::open(self, &stored)
    }

    /// Reads a whole file into memory (for small files and tests; use
    /// [`Volume::open_file`] for anything large).
    pub fn read_file(&mut self, path: &str) -> Result<Vec<u8>> {
        let node = self.lookup(path)?;
        let mut out = Vec::new();
        let mut reader = self.open_file(&node)?;
        std::io::Read::read_to_end(&mut reader, &mut out).map_err(|source| ReadError::Io {
            what: format!("file {path}"),
            lba: node.extents.first().map_or(0, |e| e.lba),
            source,
        })?;
        Ok(out)
    }

    /// Visits `start` and everything below it, depth first, directories before
    /// their contents; `visit` gets the path relative to the image root
    /// (`/`-separated, no leading `/`; empty for the root) and the node.
    /// Returning `false` from `visit` for a directory skips its contents.
    ///
    /// Each directory extent is visited at most once: a directory reached again
    /// (a loop, or two records sharing a directory) is a [`ReadError::Loop`].
    /// Entries a directory refused are passed to `skipped`.
    pub fn walk(
        &mut self,
        start: &Node,
        start_path: &str,
        visit: &mut dyn FnMut(&mut Self, &str, &Node) -> Result<bool>,
        skipped: &mut dyn FnMut(&str, &SkippedEntry),
    ) -> Result<()> {
        let mut visited = VisitedDirs::default();
        let mut budget = WalkBudget::default();
        let path = start_path.trim_matches('/').to_string();
        self.walk_inner(start, &path, 0, &mut visited, &mut budget, visit, skipped)
    }

    #[allow(clippy::too_many_arguments)]
    fn walk_inner(
        &mut self,
        node: &Node,
        path: &str,
        depth: usize,
        visited: &mut VisitedDirs,
        budget: &mut WalkBudget,
        visit: &mut dyn FnMut(&mut Self, &str, &Node) -> Result<bool>,
        skipped: &mut dyn FnMut(&str, &SkippedEntry),
    ) -> Result<()> {
        check_path_len(&self.limits, path)?;
        let descend = visit(self, path, node)?;
        if !node.is_dir() || !descend {
            return Ok(());
        }
        let display = if path.is_empty() { "/" } else { path };
        if depth >= self.limits.max_depth {
            return Err(ReadError::Limit {
                path: display.to_string(),
                what: "directory depth",
                limit: self.limits.max_depth as u64,
            });
        }
        visited.insert(node, display)?;
        budget.enter_dir(&self.limits, node, display)?;
        let listing = self.read_dir_any(node, display, Some(budget.room(&self.limits)))?;
        let held = budget.hold(&self.limits, &listing, display)?;
        for s in &listing.skipped {
            skipped(display, s);
        }
        let result = self.walk_children(&listing, path, depth, visited, budget, visit, skipped);
        budget.release(held);
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn walk_children(
        &mut self,
        listing: &Listing,
        path: &str,
        depth: usize,
        visited: &mut VisitedDirs,
        budget: &mut WalkBudget,
        visit: &mut dyn FnMut(&mut Self, &str, &Node) -> Result<bool>,
        skipped: &mut dyn FnMut(&str, &SkippedEntry),
    ) -> Result<()> {
        for child in &listing.entries {
            let child_path = if path.is_empty() {
                child.name_lossy()
            } else {
                format!("{path}/{}", child.name_lossy())
            };
            self.walk_inner(
                child,
                &child_path,
                depth + 1,
                visited,
                budget,
                visit,
                skipped,
            )?;
        }
        Ok(())
    }

    /// Reads `count` blocks at `lba` after checking they lie inside the image.
    pub(crate) fn read_blocks_checked(
        &mut self,
        lba: u64,
        bytes: u64,
        what: &str,
        path: &str,
    ) -> Result<Vec<u8>> {
        let blocks = bytes.div_ceil(BLOCK);
        self.check_extent(lba, bytes, path)?;
        let len = usize::try_from(blocks * BLOCK).map_err(|_| ReadError::Limit {
            path: path.to_string(),
            what: "read size",
            limit: usize::MAX as u64,
        })?;
        let mut buf = vec![0u8; len];
        self.source
            .read_blocks(lba, &mut buf)
            .map_err(|source| ReadError::Io {
                what: format!("{what} of {path}"),
                lba,
                source,
            })?;
        Ok(buf)
    }

    /// Checks that `bytes` bytes starting at block `lba` lie inside the image.
    pub(crate) fn check_extent(&self, lba: u64, bytes: u64, path: &str) -> Result<()> {
        let blocks = bytes.div_ceil(BLOCK);
        match lba.checked_add(blocks) {
            Some(end) if end <= self.image_blocks => Ok(()),
            _ => Err(ReadError::OutOfImage {
                path: path.to_string(),
                lba,
                bytes,
                image_blocks: self.image_blocks,
            }),
        }
    }
}

/// A path longer than [`Limits::max_path_bytes`] is a [`ReadError::Limit`]
/// (named by its first bytes: the whole path may be huge).
pub(crate) fn check_path_len(limits: &Limits, path: &str) -> Result<()> {
    if path.len() <= limits.max_path_bytes {
        return Ok(());
    }
    let mut cut = 200;
    while !path.is_char_boundary(cut) {
        cut -= 1;
    }
    Err(ReadError::Limit {
        path: format!("{}...", &path[..cut]),
        what: "path length in bytes",
        limit: limits.max_path_bytes as u64,
    })
}

/// The directory extents one walk or extraction has read. Directories of a
/// well-formed tree never share blocks, so a directory whose extent starts
/// where one already read starts is a loop, and one that overlaps another is
/// corrupt: without this, directories at consecutive LBAs that overlap each
/// other would each list (almost) the same records again, multiplying a
/// small image into millions of entries.
#[derive(Debug, Default)]
pub(crate) struct VisitedDirs {
    /// First block → one past the last block.
    extents: BTreeMap<u64, u64>,
}

impl VisitedDirs {
    /// Records `dir`'s extent, or says why it must not be read.
    pub(crate) fn insert(&mut self, dir: &Node, path: &str) -> Result<()> {
        // A UDF directory is known by its file entry (its data may be embedded).
        let extent = match dir.icb {
            Some(lba) => Extent { lba, len: BLOCK },
            None => dir
                .extents
                .first()
                .copied()
                .unwrap_or(Extent { lba: 0, len: 0 }),
        };
        let start = extent.lba;
        let end = start.saturating_add(extent.len.div_ceil(BLOCK).max(1));
        if self.extents.contains_key(&start) {
            return Err(ReadError::Loop {
                path: path.to_string(),
                what: "directory",
                lba: start,
            });
        }
        let before = self.extents.range(..start).next_back();
        let after = self.extents.range(start..).next();
        let clash = match (before, after) {
            (Some((&s, &e)), _) if e > start => Some((s, e)),
            (_, Some((&s, &e))) if s < end => Some((s, e)),
            _ => None,
        };
        if let Some((s, e)) = clash {
            return Err(ReadError::Corrupt {
                path: path.to_string(),
                what: "directory",
                lba: start,
                reason: format!(
                    "its extent (blocks {start}..{end}) overlaps a directory already read (blocks {s}..{e})"
                ),
            });
        }
        self.extents.insert(start, end);
        Ok(())
    }

    pub(crate) fn clear(&mut self) {
        self.extents.clear();
    }
}

/// What one walk or extraction has spent: directories entered, directory
/// bytes read, and entries of open listings held in memory.
#[derive(Debug, Default)]
pub(crate) struct WalkBudget {
    dirs: usize,
    bytes: u64,
    held_entries: usize,
}

impl WalkBudget {
    /// Counts a directory about to be read against the walk's caps.
    pub(crate) fn enter_dir(&mut self, limits: &Limits, dir: &Node, path: &str) -> Result<()> {
        self.dirs = self.dirs.saturating_add(1);
        self.bytes = self.bytes.saturating_add(dir.stat.size);
        if self.dirs > limits.max_walk_dirs {
            return Err(ReadError::Limit {
                path: path.to_string(),
                what: "number of directories in one walk",
                limit: limits.max_walk_dirs as u64,
            });
        }
        if self.bytes > limits.max_walk_dir_bytes {
            return Err(ReadError::Limit {
                path: path.to_string(),
                what: "directory bytes read in one walk",
                limit: limits.max_walk_dir_bytes,
            });
        }
        Ok(())
    }

    /// Counts a listing kept while its subdirectories are walked; returns the
    /// amount to [`WalkBudget::release`] when it is dropped.
    pub(crate) fn hold(&mut self, limits: &Limits, listing: &Listing, path: &str) -> Result<usize> {
        let n = listing.entries.len() + listing.skipped.len();
        let held = self.held_entries.saturating_add(n);
        if held > limits.max_walk_held_entries {
            return Err(ReadError::Limit {
                path: path.to_string(),
                what: "entries held by the directories open in one walk",
                limit: limits.max_walk_held_entries as u64,
            });
        }
        self.held_entries = held;
        Ok(n)
    }

    /// Entries that may still be held.
    pub(crate) fn room(&self, limits: &Limits) -> usize {
        limits
            .max_walk_held_entries
            .saturating_sub(self.held_entries)
    }

    pub(crate) fn release(&mut self, n: usize) {
        self.held_entries = self.held_entries.saturating_sub(n);
    }
}

/// Lets a `&mut` source or a boxed source be used where a [`SectorSource`] is expected.
impl<T: SectorSource + ?Sized> SectorSource for &mut T {
    fn block_count(&self) -> Option<u64> {
        (**self).block_count()
    }
    fn read_blocks(&mut self, lba: u64, buf: &mut [u8]) -> std::io::Result<()> {
        (**self).read_blocks(lba, buf)
    }
}

impl<T: SectorSource + ?Sized> SectorSource for Box<T> {
    fn block_count(&self) -> Option<u64> {
        (**self).block_count()
    }
    fn read_blocks(&mut self, lba: u64, buf: &mut [u8]) -> std::io::Result<()> {
        (**self).read_blocks(lba, buf)
    }
}

/// The volume is where Rock Ridge continuation areas come from.
impl<S: SectorSource> rr::Continuations for Volume<S> {
    fn limits(&self) -> &Limits {
        &self.limits
    }

    fn take_hop(&mut self) -> bool {
        match self.ce_hops_left.checked_sub(1) {
            Some(left) => {
                self.ce_hops_left = left;
                true
            }
            None => false,
        }
    }

    fn read(&mut self, lba: u64, bytes: u64, path: &str) -> Result<Vec<u8>> {
        self.read_blocks_checked(lba, bytes, "continuation area", path)
    }
}
