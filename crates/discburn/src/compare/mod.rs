//! Comparing two trees entry by entry, for `sync` (a session against the
//! sources) and `diff` (two sessions, or a session and a directory).
//!
//! What is compared is what a Rock Ridge session records (RRIP 1.12): the
//! type and permission bits and the owner (PX), the modification time (TF
//! MODIFY, whole seconds, 1900-2155: both sides are rounded the way the
//! session records them), a symbolic link's target (SL), a device's number
//! (PN), and a file's size. A directory's modification time is not a
//! difference (it moves whenever an entry is added or removed, which is a
//! difference of its own): it is only refreshed when a session is written.
//!
//! The attribute-change time (TF ATTRIBUTES) is a trigger, not a difference:
//! a file whose size and mtime are unchanged but whose ctime moved (contents
//! rewritten and the mtime put back, `touch -d`, `cp --preserve`; but also a
//! chmod, a rename, a new hard link) has its MD5 compared; equal contents
//! leave it unchanged. So is a file whose times fall in the second (or the
//! one before) the old session was written: it may have changed again after
//! the scan within that second ("racy", as git says). `--content` compares
//! the MD5 of every file whose size and mtime are unchanged; so does every
//! file whose MD5 both sides recorded (`diff` of two sessions with
//! checksums: nothing is read). A
//! zisofs-compressed file of a session is compared by the data it inflates
//! to (its recorded MD5 is that of its compressed bytes): `content`.
//!
//! Under `SOURCE_DATE_EPOCH` a session records every time clamped to it, and
//! the (clamped) mtime as atime and ctime, as xorriso does (reproducible
//! output). So ctimes are not compared when the new side is recorded that way
//! (`Options::ctime`) or when the old session records none of its own
//! (`records_ctimes`: then the new side's times are taken over when a
//! session is written, so that the next comparison has them); and a file
//! newer than the epoch, whose mtime is recorded as the epoch's, has its MD5
//! compared: its recorded mtime cannot tell a rewrite.

pub(crate) mod content;
mod report;

pub use report::{ChangeEntry, ChangeLists};

use std::collections::HashMap;

use fsimage::{Content, ContentId, DataSource, NodeId, NodeKind, SectorSource, Tree};
use serde::Serialize;

use crate::error::BurnError;

/// Why an entry differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A file became a directory, a symlink, ...
    Type,
    Size,
    Mtime,
    /// Permission bits (with set-uid, set-gid, sticky).
    Mode,
    /// Owner or group.
    Owner,
    LinkTarget,
    /// A device node's number.
    Device,
    /// Same size and mtime, different MD5.
    Content,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Type => "type",
            Reason::Size => "size",
            Reason::Mtime => "mtime",
            Reason::Mode => "mode",
            Reason::Owner => "owner",
            Reason::LinkTarget => "link_target",
            Reason::Device => "device",
            Reason::Content => "content",
        }
    }
}

/// How two trees are compared.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Options {
    /// Compare the MD5 of every file whose size and mtime are equal.
    pub content: bool,
    /// Compare ctimes (as a trigger for an MD5 comparison). Off when the
    /// new session is written under `SOURCE_DATE_EPOCH`, whose sessions
    /// record the mtime as ctime.
    pub ctime: bool,
    /// `SOURCE_DATE_EPOCH`: the new side's times are clamped to it, as the
    /// session written from it records them.
    pub clamp: Option<i64>,
    /// Old files whose recorded mtime or ctime is at or after this second
    /// were changed about when the old session was written: a change in
    /// the same second after its scan leaves the same whole-second times,
    /// so their MD5 is compared ([`racy_since`]).
    pub racy_since: Option<i64>,
    /// Entries of the old tree that the new one lacks (inside a scope) are
    /// [`Change::Removed`] (true) or [`Change::Kept`] (false).
    pub delete: bool,
    /// A side records no permission bits or owners (a session without Rock
    /// Ridge, whose reader makes them up): they are not compared (`diff`).
    pub skip_attributes: bool,
}

/// One difference between the old tree and the new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    /// `new` (a node of the new tree) is not in the old one; `parent` is the
    /// old tree's directory it goes in. `top` is false for the entries below
    /// an added (or retyped) directory, which come with it.
    Added {
        parent: NodeId,
        new: NodeId,
        top: bool,
    },
    /// `old` is not in the new tree (with `delete`); `top` as for `Added`.
    Removed { old: NodeId, top: bool },
    /// `old` is not in the new tree and stays (no `delete`).
    Kept { old: NodeId },
    /// Both have the entry, and it differs.
    Changed {
        old: NodeId,
        new: NodeId,
        reasons: Vec<Reason>,
    },
    /// Both have the entry and it is the same, but the new side's metadata
    /// is fresher (a directory's mtime, a file's ctime after a chmod back):
    /// taken over whenever a session is written anyway.
    Refresh { old: NodeId, new: NodeId },
}

/// The parts of the trees the new side speaks for: image paths given as
/// components; the root (no components) is everything. Outside them, the new
/// tree holds only the directories leading to a graft, which are neither
/// compared nor a reason to remove anything.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scopes(pub Vec<Vec<Vec<u8>>>);

impl Scopes {
    fn starts(&self, path: &[Vec<u8>]) -> bool {
        self.0.iter().any(|s| s.as_slice() == path)
    }
}

/// The kind of a node, as `ls --json` names it.
pub fn kind_name(kind: &NodeKind) -> &'static str {
    match kind {
        NodeKind::Directory(_) => "dir",
        NodeKind::File { .. } => "file",
        NodeKind::Symlink { .. } => "symlink",
        NodeKind::Device {
            kind: fsimage::DeviceKind::Block,
            ..
        } => "block_device",
        NodeKind::Device {
            kind: fsimage::DeviceKind::Char,
            ..
        } => "char_device",
        NodeKind::Device {
            kind: fsimage::DeviceKind::Fifo,
            ..
        } => "fifo",
        NodeKind::Device {
            kind: fsimage::DeviceKind::Socket,
            ..
        } => "socket",
    }
}

/// A file's size as a reader sees it (a zisofs file's inflated size).
pub(crate) fn content_size(content: &Content) -> u64 {
    match &content.zisofs {
        Some(zf) => zf.size,
        None => content.data.size(),
    }
}

/// The second from which the files of a session written at `written` are
/// "racy" (as git calls them): its volume descriptors' time is taken after
/// the scan, so a file whose whole-second times reach the second before it
/// may have changed again after the scan within that second. Under
/// `SOURCE_DATE_EPOCH` the session's times say nothing of when it was written.
pub(crate) fn racy_since(written: Option<i64>, source_date_epoch: Option<i64>) -> Option<i64> {
    match source_date_epoch {
        Some(_) => None,
        None => written.map(|t| t - 1),
    }
}

/// Whether `tree` (an imported session) records attribute-change times of
/// its own: false when every entry's atime and ctime are its mtime and none
/// has a creation time, as in a session written under `SOURCE_DATE_EPOCH`
/// (by discburn or xorriso) or without Rock Ridge times; its ctimes then say
/// nothing of when an entry last changed.
pub(crate) fn records_ctimes(tree: &Tree) -> bool {
    let mut pending = vec![tree.root()];
    while let Some(id) = pending.pop() {
        let meta = tree.node(id).meta;
        let (m, a, c) = (
            recorded(meta.mtime),
            recorded(meta.atime),
            recorded(meta.ctime),
        );
        if a != m || c != m || meta.btime.is_some() {
            return true;
        }
        pending.extend(tree.children(id).map(|(_, child)| child));
    }
    false
}

/// A time as a Rock Ridge TF entry in short form records it (whole seconds,
/// 1900-2155).
/// Whole seconds between the first and the last it can hold are recorded as
/// they are ([`iso9660::date::DirDate::from_unix`] clamps the others; a test
/// checks the two agree): called several times per entry, it is a clamp.
pub(crate) fn recorded(t: i64) -> i64 {
    /// 1900-01-01 00:00:00 and 2155-12-31 23:59:59 UTC.
    const FIRST: i64 = -2_208_988_800;
    const LAST: i64 = 5_869_583_999;
    t.clamp(FIRST, LAST)
}

/// Which tree a content is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Side {
    Old,
    New,
}

/// Told the blocks of file data read so far, and in all, while MD5s are
/// computed; `false` stops the comparison ([`BurnError::Cancelled`]).
pub(crate) type Progress<'p> = &'p mut dyn FnMut(u64, u64) -> bool;

/// The one way `sync` and `diff` report their comparison to `observer`:
/// `comparing` events (blocks of file data read so far, and in all) — the
/// first (0 of all), at most one every [`crate::burn::PROGRESS_INTERVAL`]
/// after it, and the last (all of all); `lba` is the session compared. A
/// cancelled observer stops the reading between two chunks.
pub(crate) fn report_to<'o>(
    observer: &'o mut dyn crate::burn::BurnObserver,
    clock: &'o mut crate::events::Clock,
    lba: u64,
) -> impl FnMut(u64, u64) -> bool + 'o {
    let mut last = None::<std::time::Instant>;
    move |done, total| {
        let due = last.is_none_or(|at| at.elapsed() >= crate::burn::PROGRESS_INTERVAL);
        if due || done == total {
            last = Some(std::time::Instant::now());
            let action = crate::events::Action::Comparing;
            observer.progress(&clock.progress(action, lba, done, total));
        }
        !observer.cancelled()
    }
}

/// A file present on both sides with equal size and mtime whose MD5s decide
/// (`--content`, a ctime that moved, racy times): compared after the walk,
/// all in one pass that reports its progress.
#[derive(Debug)]
struct Pending {
    old: NodeId,
    new: NodeId,
    contents: (ContentId, ContentId),
    /// What differs besides the data (mode, owner).
    reasons: Vec<Reason>,
    refresh: bool,
    /// Equal MD5s: the new side's metadata is still fresher.
    ctime_differs: bool,
}

/// What [`Comparison::differences`] found.
enum Found {
    Done {
        reasons: Vec<Reason>,
        refresh: bool,
    },
    Md5 {
        reasons: Vec<Reason>,
        refresh: bool,
        ctime_differs: bool,
    },
}

/// Compares two trees and lists what differs, depth first.
pub(crate) struct Comparison<'a, 'm> {
    pub old: &'a Tree,
    pub new: &'a Tree,
    scopes: &'a Scopes,
    pub options: Options,
    /// The medium the trees' extents lie on (none for a new image).
    medium: Option<&'m mut dyn SectorSource>,
    /// The target, for messages.
    target: &'a str,
    /// Files whose MD5 was compared (read or recorded).
    pub md5_compared: u64,
    /// MD5s known so far (`None`: cannot be told).
    md5s: HashMap<(Side, ContentId), Option<[u8; 16]>>,
    pending: Vec<Pending>,
    /// The old tree records no ctimes of its own while the new side's count:
    /// every entry's metadata is taken over (refreshed) when a session is written.
    refresh_times: bool,
}

impl<'a, 'm> Comparison<'a, 'm> {
    pub fn new(
        old: &'a Tree,
        new: &'a Tree,
        scopes: &'a Scopes,
        options: Options,
        medium: Option<&'m mut dyn SectorSource>,
        target: &'a str,
    ) -> Comparison<'a, 'm> {
        let mut options = options;
        let refresh_times = options.ctime && !records_ctimes(old);
        options.ctime &= !refresh_times;
        Comparison {
            old,
            new,
            scopes,
            options,
            medium,
            target,
            md5_compared: 0,
            md5s: HashMap::new(),
            pending: Vec::new(),
            refresh_times,
        }
    }

    /// Every difference below the roots (the roots included when the whole
    /// tree is in scope): [`Self::walk`], then the MD5s it left to compare.
    pub fn run(&mut self, progress: Progress<'_>) -> Result<Vec<Change>, BurnError> {
        let mut changes = self.walk();
        self.hash(&self.pending_contents(), progress)?;
        self.resolve(&mut changes);
        Ok(changes)
    }

    /// The differences the metadata tells; files whose MD5 must decide are
    /// left for [`Self::hash`] and [`Self::resolve`].
    pub fn walk(&mut self) -> Vec<Change> {
        let mut changes = Vec::new();
        let (old_root, new_root) = (self.old.root(), self.new.root());
        let root_in_scope = self.scopes.starts(&[]);
        if root_in_scope {
            self.compare_pair(old_root, new_root, &mut changes);
        }
        let mut pending: Vec<(NodeId, NodeId, Vec<Vec<u8>>, bool)> =
            vec![(old_root, new_root, Vec::new(), root_in_scope)];
        while let Some((old_dir, new_dir, path, in_scope)) = pending.pop() {
            for (name, new_child) in self.new.children(new_dir) {
                let mut child_path = path.clone();
                child_path.push(name.to_vec());
                let child_in_scope = in_scope || self.scopes.starts(&child_path);
                let Some(old_child) = self.old.lookup(old_dir, name) else {
                    self.added(old_dir, new_child, true, &mut changes);
                    continue;
                };
                let both_dirs = self.old.node(old_child).kind.is_dir()
                    && self.new.node(new_child).kind.is_dir();
                if child_in_scope {
                    let retyped = self.compare_pair(old_child, new_child, &mut changes);
                    if retyped {
                        self.below_retyped(old_child, new_child, &mut changes);
                        continue;
                    }
                } else if !both_dirs {
                    // A directory leading to a graft, where the old tree
                    // holds something else: it must become a directory.
                    changes.push(Change::Changed {
                        old: old_child,
                        new: new_child,
                        reasons: vec![Reason::Type],
                    });
                    self.below_retyped(old_child, new_child, &mut changes);
                    continue;
                }
                if both_dirs {
                    pending.push((old_child, new_child, child_path, child_in_scope));
                }
            }
            if in_scope {
                for (name, old_child) in self.old.children(old_dir) {
                    if self.new.lookup(new_dir, name).is_none() {
                        self.gone(old_child, true, &mut changes);
                    }
                }
            }
        }
        changes
    }

    /// The contents whose MD5s the walk left to compare.
    pub fn pending_contents(&self) -> Vec<(Side, ContentId)> {
        self.pending
            .iter()
            .flat_map(|p| [(Side::Old, p.contents.0), (Side::New, p.contents.1)])
            .collect()
    }

    /// Computes the MD5s of `wanted` not known yet, reading their data (the
    /// recorded MD5 of an earlier session's file is taken as it is), and
    /// tells `progress` the blocks read.
    pub fn hash(
        &mut self,
        wanted: &[(Side, ContentId)],
        progress: Progress<'_>,
    ) -> Result<(), BurnError> {
        let mut todo = Vec::new();
        for &key in wanted {
            if !self.md5s.contains_key(&key) && !todo.contains(&key) {
                todo.push(key);
            }
        }
        let (old, new, target) = (self.old, self.new, self.target);
        let tree = |side| match side {
            Side::Old => old,
            Side::New => new,
        };
        let total: u64 = todo
            .iter()
            .map(|&(side, c)| content::blocks_to_read(tree(side).content(c)))
            .sum();
        if total > 0 && !progress(0, total) {
            return Err(BurnError::Cancelled);
        }
        let mut done = 0u64;
        for (side, c) in todo {
            let content = tree(side).content(c);
            let blocks = content::blocks_to_read(content);
            // Both sides' extents lie on the medium (diff of two sessions).
            let medium = self.medium();
            let mut on_read = |bytes: u64| {
                let read = (bytes.div_ceil(fsimage::BLOCK_SIZE as u64)).min(blocks);
                progress(done + read, total)
            };
            let path = || {
                let tree = tree(side);
                let mut files = tree.node_ids().filter(
                    |&id| matches!(tree.node(id).kind, NodeKind::File { content } if content == c),
                );
                files.next().map_or_else(String::new, |id| tree.path_of(id))
            };
            let md5 = content::md5_of(content, medium, target, &path, &mut on_read)?;
            done += blocks;
            self.md5s.insert((side, c), md5);
        }
        // The last block read told `progress` of `total`.
        Ok(())
    }

    /// The MD5 of a content [`Self::hash`] computed (`None`: not computed,
    /// or it cannot be told).
    pub fn md5(&self, side: Side, content: ContentId) -> Option<[u8; 16]> {
        self.md5s.get(&(side, content)).copied().flatten()
    }

    /// Adds the differences the pending MD5 comparisons found to `changes`.
    pub fn resolve(&mut self, changes: &mut Vec<Change>) {
        for p in std::mem::take(&mut self.pending) {
            self.md5_compared += 1;
            let old = self.md5(Side::Old, p.contents.0);
            let same = old.is_some() && old == self.md5(Side::New, p.contents.1);
            let (mut reasons, mut refresh) = (p.reasons, p.refresh);
            if same {
                refresh |= p.ctime_differs;
            } else {
                reasons.push(Reason::Content);
                reasons.sort();
            }
            push_change(changes, p.old, p.new, reasons, refresh);
        }
    }

    /// The medium, borrowed for one read.
    pub fn medium(&mut self) -> Option<&mut dyn SectorSource> {
        match &mut self.medium {
            Some(m) => Some(&mut **m),
            None => None,
        }
    }

    /// Compares one entry present on both sides; true when its type changed.
    fn compare_pair(&mut self, old: NodeId, new: NodeId, changes: &mut Vec<Change>) -> bool {
        match self.differences(old, new) {
            Found::Done { reasons, refresh } => {
                let retyped = reasons.contains(&Reason::Type);
                push_change(changes, old, new, reasons, refresh);
                retyped
            }
            Found::Md5 {
                reasons,
                refresh,
                ctime_differs,
            } => {
                let contents = match (&self.old.node(old).kind, &self.new.node(new).kind) {
                    (NodeKind::File { content: a }, NodeKind::File { content: b }) => (*a, *b),
                    _ => unreachable!("MD5s are compared for files only"),
                };
                self.pending.push(Pending {
                    old,
                    new,
                    contents,
                    reasons,
                    refresh,
                    ctime_differs,
                });
                false
            }
        }
    }

    /// What differs between `old` and `new`, whether the new side's
    /// metadata is fresher where it does not count as a difference, and
    /// whether their MD5s must decide.
    fn differences(&self, old: NodeId, new: NodeId) -> Found {
        let (o, n) = (self.old.node(old), self.new.node(new));
        if kind_name(&o.kind) != kind_name(&n.kind) {
            return Found::Done {
                reasons: vec![Reason::Type],
                refresh: false,
            };
        }
        let mut reasons = Vec::new();
        match (&o.kind, &n.kind) {
            (NodeKind::Symlink { target: a }, NodeKind::Symlink { target: b }) if a != b => {
                reasons.push(Reason::LinkTarget)
            }
            (NodeKind::Device { rdev: a, .. }, NodeKind::Device { rdev: b, .. }) if a != b => {
                reasons.push(Reason::Device)
            }
            _ => {}
        }
        let attributes = !self.options.skip_attributes;
        if attributes && o.meta.mode != n.meta.mode {
            reasons.push(Reason::Mode);
        }
        if attributes && (o.meta.uid, o.meta.gid) != (n.meta.uid, n.meta.gid) {
            reasons.push(Reason::Owner);
        }
        let clamp = |t: i64| self.options.clamp.map_or(t, |limit| t.min(limit));
        let mtime_differs = recorded(o.meta.mtime) != recorded(clamp(n.meta.mtime));
        let is_dir = o.kind.is_dir();
        if mtime_differs && !is_dir {
            reasons.push(Reason::Mtime);
        }
        let refresh = (is_dir && mtime_differs) || self.refresh_times;
        if let (NodeKind::File { content: a }, NodeKind::File { content: b }) = (&o.kind, &n.kind) {
            let (oc, nc) = (self.old.content(*a), self.new.content(*b));
            if content_size(oc) != content_size(nc) {
                reasons.push(Reason::Size);
            } else if !mtime_differs {
                let ctime_differs =
                    self.options.ctime && recorded(o.meta.ctime) != recorded(n.meta.ctime);
                let racy = self.options.racy_since.is_some_and(|since| {
                    recorded(o.meta.mtime) >= since || recorded(o.meta.ctime) >= since
                });
                // Newer than SOURCE_DATE_EPOCH: both recorded as the epoch.
                let clamped = self.options.clamp.is_some_and(|limit| n.meta.mtime > limit);
                // Both MD5s recorded (two sessions with checksums): comparing
                // them reads nothing, and catches what times cannot tell.
                let recorded = both_recorded(oc, nc);
                let decide = self.options.content || ctime_differs || racy || clamped || recorded;
                if decide && !same_data(oc, nc) {
                    reasons.sort();
                    return Found::Md5 {
                        reasons,
                        refresh,
                        ctime_differs,
                    };
                }
            }
        }
        reasons.sort();
        Found::Done { reasons, refresh }
    }

    /// `new` and everything below it are added under old directory `parent`.
    fn added(&self, parent: NodeId, new: NodeId, top: bool, changes: &mut Vec<Change>) {
        changes.push(Change::Added { parent, new, top });
        let mut pending = vec![new];
        while let Some(dir) = pending.pop() {
            for (_, child) in self.new.children(dir) {
                changes.push(Change::Added {
                    parent,
                    new: child,
                    top: false,
                });
                pending.push(child);
            }
        }
    }

    /// `old` and everything below it are gone from the new side.
    fn gone(&self, old: NodeId, top: bool, changes: &mut Vec<Change>) {
        if !self.options.delete {
            changes.push(Change::Kept { old });
            return;
        }
        changes.push(Change::Removed { old, top });
        let mut pending = vec![old];
        while let Some(dir) = pending.pop() {
            for (_, child) in self.old.children(dir) {
                changes.push(Change::Removed {
                    old: child,
                    top: false,
                });
                pending.push(child);
            }
        }
    }

    /// Below an entry whose type changed: the old entries are removed and
    /// the new ones added with it (whatever `delete` says: they cannot stay).
    fn below_retyped(&self, old: NodeId, new: NodeId, changes: &mut Vec<Change>) {
        for (_, child) in self.old.children(old) {
            changes.push(Change::Removed {
                old: child,
                top: false,
            });
            let mut pending = vec![child];
            while let Some(dir) = pending.pop() {
                for (_, below) in self.old.children(dir) {
                    changes.push(Change::Removed {
                        old: below,
                        top: false,
                    });
                    pending.push(below);
                }
            }
        }
        for (_, child) in self.new.children(new) {
            self.added(old, child, false, changes);
        }
    }
}

/// Records what a comparison of one entry found, if anything.
fn push_change(
    changes: &mut Vec<Change>,
    old: NodeId,
    new: NodeId,
    reasons: Vec<Reason>,
    refresh: bool,
) {
    if !reasons.is_empty() {
        changes.push(Change::Changed { old, new, reasons });
    } else if refresh {
        changes.push(Change::Refresh { old, new });
    }
}

/// True when both contents carry the MD5 an earlier session recorded of
/// the data a reader sees (not a zisofs file's: that is of its compressed bytes).
fn both_recorded(a: &Content, b: &Content) -> bool {
    [a, b]
        .iter()
        .all(|c| c.recorded_md5.is_some() && c.zisofs.is_none())
}

/// True when both contents are the same data on the medium (a file carried
/// over from session to session), or both empty.
fn same_data(a: &Content, b: &Content) -> bool {
    match (&a.data, &b.data) {
        (DataSource::Empty, DataSource::Empty) => true,
        (DataSource::Extent { .. } | DataSource::Extents(_), _) => {
            a.data == b.data && a.zisofs == b.zisofs
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fsimage::{Directory, Metadata};

    fn meta(mode: u32, mtime: i64) -> Metadata {
        Metadata::synthetic(mode, mtime)
    }

    fn dir(t: &mut Tree, parent: NodeId, name: &str, mode: u32, mtime: i64) -> NodeId {
        t.add_node(
            parent,
            name.as_bytes(),
            NodeKind::Directory(Directory::default()),
            meta(mode, mtime),
        )
        .unwrap()
    }

    fn file(t: &mut Tree, parent: NodeId, name: &str, bytes: &[u8], mtime: i64) -> NodeId {
        let c = t.add_content(DataSource::Bytes(bytes.into()));
        t.add_node(
            parent,
            name.as_bytes(),
            NodeKind::File { content: c },
            meta(0o644, mtime),
        )
        .unwrap()
    }

    fn run(old: &Tree, new: &Tree, scopes: &Scopes, options: Options) -> Vec<(String, String)> {
        let mut comparison = Comparison::new(old, new, scopes, options, None, "test");
        let mut found: Vec<(String, String)> = comparison
            .run(&mut |_, _| true)
            .unwrap()
            .into_iter()
            .map(|c| match c {
                Change::Added { new: n, top, .. } => (
                    new.path_of(n),
                    format!("added{}", if top { "" } else { " below" }),
                ),
                Change::Removed { old: o, top } => (
                    old.path_of(o),
                    format!("removed{}", if top { "" } else { " below" }),
                ),
                Change::Kept { old: o } => (old.path_of(o), "kept".into()),
                Change::Changed {
                    new: n, reasons, ..
                } => (
                    new.path_of(n),
                    reasons
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                Change::Refresh { new: n, .. } => (new.path_of(n), "refresh".into()),
            })
            .collect();
        found.sort();
        found
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn recorded_is_what_a_tf_entry_holds() {
        let tf = |t: i64| iso9660::date::DirDate::from_unix(t).to_unix().unwrap();
        for t in [
            i64::MIN,
            -2_208_988_801,
            -2_208_988_800,
            -1,
            0,
            1_700_000_000,
            5_869_583_999,
            5_869_584_000,
            i64::MAX,
        ] {
            assert_eq!(recorded(t), tf(t), "{t}");
        }
    }

    #[test]
    fn reasons_removals_and_directory_times() {
        let (mut old, mut new) = (Tree::new(), Tree::new());
        for t in [&mut old, &mut new] {
            let root = t.root();
            file(t, root, "same", b"abc", 100);
        }
        let (oroot, nroot) = (old.root(), new.root());
        file(&mut old, oroot, "grown", b"ab", 100);
        file(&mut new, nroot, "grown", b"abc", 100);
        file(&mut old, oroot, "touched", b"ab", 100);
        file(&mut new, nroot, "touched", b"ab", 101);
        let od = dir(&mut old, oroot, "d", 0o755, 100);
        let nd = dir(&mut new, nroot, "d", 0o755, 200); // only its mtime
        file(&mut old, od, "gone", b"x", 100);
        file(&mut new, nd, "new", b"y", 100);
        let og = dir(&mut old, oroot, "was-dir", 0o755, 100);
        file(&mut old, og, "inside", b"z", 100);
        file(&mut new, nroot, "was-dir", b"now a file", 100);
        let everything = Scopes(vec![Vec::new()]);
        let options = Options {
            delete: true,
            ..Options::default()
        };
        assert_eq!(
            run(&old, &new, &everything, options),
            pairs(&[
                ("/d", "refresh"),
                ("/d/gone", "removed"),
                ("/d/new", "added"),
                ("/grown", "size"),
                ("/touched", "mtime"),
                ("/was-dir", "type"),
                ("/was-dir/inside", "removed below"),
            ])
        );
        // Without delete, what the new side lacks is kept.
        let kept = run(&old, &new, &everything, Options::default());
        assert!(kept.contains(&("/d/gone".to_string(), "kept".to_string())));
        // --content: equal size and mtime, other bytes.
        let (mut a, mut b) = (Tree::new(), Tree::new());
        let (ar, br) = (a.root(), b.root());
        file(&mut a, ar, "f", b"aaaa", 100);
        file(&mut b, br, "f", b"bbbb", 100);
        assert!(run(&a, &b, &everything, Options::default()).is_empty());
        let content = Options {
            content: true,
            ..Options::default()
        };
        assert_eq!(
            run(&a, &b, &everything, content),
            pairs(&[("/f", "content")])
        );
        // Racy: the old file's times reach the second its session was written.
        let racy = Options {
            racy_since: Some(99),
            ..Options::default()
        };
        assert_eq!(run(&a, &b, &everything, racy), pairs(&[("/f", "content")]));
        let calm = Options {
            racy_since: Some(101),
            ..Options::default()
        };
        assert!(run(&a, &b, &everything, calm).is_empty());
    }

    #[test]
    fn a_graft_speaks_only_for_its_own_path() {
        // New: only /docs/b grafted (its parent /docs made up); old: /docs/a
        // and /docs/b, and /other.
        let (mut old, mut new) = (Tree::new(), Tree::new());
        let oroot = old.root();
        let od = dir(&mut old, oroot, "docs", 0o700, 100);
        let oa = dir(&mut old, od, "a", 0o755, 100);
        file(&mut old, oa, "one", b"1", 100);
        let ob = dir(&mut old, od, "b", 0o755, 100);
        file(&mut old, ob, "two", b"2", 100);
        file(&mut old, ob, "three", b"3", 100);
        file(&mut old, oroot, "other", b"o", 100);
        let nroot = new.root();
        let nd = dir(&mut new, nroot, "docs", 0o755, 5); // synthetic: other mode
        let nb = dir(&mut new, nd, "b", 0o755, 100);
        file(&mut new, nb, "two", b"2", 100);
        let scopes = Scopes(vec![vec![b"docs".to_vec(), b"b".to_vec()]]);
        let options = Options {
            delete: true,
            ..Options::default()
        };
        assert_eq!(
            run(&old, &new, &scopes, options),
            pairs(&[("/docs/b/three", "removed")])
        );
    }
}
