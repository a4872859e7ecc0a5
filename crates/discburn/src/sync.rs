//! `discburn sync`: an incremental backup in one command. The sources are
//! compared with the newest session ([`crate::compare`]) and one new session
//! is written through the one burn flow ([`crate::burn()`]), holding only what
//! is new or changed: the imported tree keeps every unchanged file at its old
//! extent, changed and new files take their data from the host, and with
//! `delete` the entries the sources no longer hold are dropped. Nothing
//! changed: no session is written ([`SyncReport::up_to_date`]).
//!
//! Sources map to image paths exactly as `burn` maps them (a directory's
//! contents at the root, a file at the root under its name,
//! `ISO/PATH=HOST/PATH` at that path); each source speaks for its own part of
//! the tree (the root for a directory, its path for a graft), and only there
//! does `delete` remove what the source lacks.
//!
//! A file the sources hold under a new path whose size, mtime and MD5 equal
//! those of a file of the session (a rename, a move, a copy) reuses that
//! file's data instead of writing it again ([`ChangeEntry::same_data_as`]).
//! A new name of a host file (a hard link) whose other name the session keeps
//! as it is becomes a hard link of that file: one content, so one Rock Ridge
//! inode with a link count over 1 and one extent (`kept_links`).

use std::collections::HashMap;

use fsimage::host::{Scan, ScanOptions};
use fsimage::{ContentId, NodeId, NodeKind, SectorSource, Tree};
use serde::Serialize;

use crate::burn::{BurnObserver, BurnRequest};
use crate::compare::{self, Change, ChangeEntry, ChangeLists, Comparison, Reason, Scopes, Side};
use crate::error::BurnError;
use crate::events::SkippedSource;
use crate::plan::Source;

/// What to synchronize, and where.
#[derive(Debug, Clone, Default)]
pub struct SyncRequest {
    /// Image file, `emu:MEDIUM` or `/dev/srN`.
    pub target: String,
    /// As `burn` takes them.
    pub sources: Vec<Source>,
    /// Drop what the sources no longer hold (inside each source's part of the tree).
    pub delete: bool,
    /// Compare the MD5 of every file whose size and mtime are unchanged.
    pub content: bool,
    /// Plan only: say what would be written, write nothing.
    pub dry_run: bool,
    /// `SOURCE_DATE_EPOCH` (file times clamped; ctimes are then not compared).
    pub source_date_epoch: Option<i64>,
    /// UDF, as for `burn`: kept from a session that has it unless `leave_out`.
    pub udf: crate::burn::UdfRequest,
}

/// What `sync` did, or would do (`dry_run`).
#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    pub target: String,
    pub dry_run: bool,
    /// Nothing differs: no session was written.
    pub up_to_date: bool,
    /// The session the sources were compared with (`null`: the target was empty).
    pub compared_with: Option<u32>,
    /// The session written (or planned); `null` when up to date.
    pub session: Option<u32>,
    pub start_lba: Option<u64>,
    /// Blocks the new session takes (0 when up to date).
    pub blocks: u64,
    /// Blocks of the image or medium after the session.
    pub image_blocks: u64,
    /// Blocks left on the medium after the session, when known.
    pub free_blocks_after: Option<u64>,
    /// Bytes written (0 for a dry run or when up to date).
    pub bytes_written: u64,
    /// Bytes of file data the session takes from the host.
    pub new_data_bytes: u64,
    /// Added, changed, removed: what the session writes (or would).
    #[serde(flatten)]
    pub changes: ChangeLists,
    /// Entries the sources no longer hold that stay on the disc (no `--delete`).
    pub kept: Vec<ChangeEntry>,
    /// Files whose MD5 was compared (`--content`, or a ctime that moved).
    pub md5_compared: u64,
    /// What the new session holds in all.
    pub files: u64,
    pub directories: u64,
    pub symlinks: u64,
    pub file_bytes: u64,
    pub skipped: Vec<SkippedSource>,
    /// The session's UDF bridge, as `burn` reports it (`null` when up to date).
    pub udf: Option<crate::events::UdfReport>,
    /// As `burn`'s: the option that left out the UDF the compared session has.
    pub udf_dropped: Option<String>,
    pub elapsed_s: f64,
}

/// The comparison's outcome, made by the burn flow between import and layout.
#[derive(Debug, Default)]
pub(crate) struct SyncPlan {
    pub changes: ChangeLists,
    pub kept: Vec<ChangeEntry>,
    pub new_data_bytes: u64,
    pub md5_compared: u64,
    pub skipped: Vec<SkippedSource>,
}

/// Options of the sync step of the burn flow.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SyncOptions {
    pub delete: bool,
    pub content: bool,
}

/// Compares the sources with the session and brings the sources over the session.
pub fn sync(
    request: &SyncRequest,
    observer: &mut dyn BurnObserver,
) -> Result<SyncReport, BurnError> {
    let burn = BurnRequest {
        target: request.target.clone(),
        sources: request.sources.clone(),
        dry_run: request.dry_run,
        source_date_epoch: request.source_date_epoch,
        udf: request.udf,
        ..BurnRequest::default()
    };
    let options = SyncOptions {
        delete: request.delete,
        content: request.content,
    };
    let (report, plan) = crate::burn::burn_sync(&burn, options, observer)?;
    let compared_with = report.imported.as_ref().map(|i| i.session);
    let up_to_date = compared_with.is_some() && plan.changes.is_empty();
    Ok(SyncReport {
        target: report.target,
        dry_run: request.dry_run,
        up_to_date,
        compared_with,
        session: (!up_to_date).then_some(report.session),
        start_lba: (!up_to_date).then_some(report.start_lba),
        blocks: report.blocks,
        image_blocks: report.image_blocks,
        free_blocks_after: report.free_blocks_after,
        bytes_written: report.bytes_written,
        new_data_bytes: plan.new_data_bytes,
        changes: plan.changes,
        kept: plan.kept,
        md5_compared: plan.md5_compared,
        files: report.files,
        directories: report.directories,
        symlinks: report.symlinks,
        file_bytes: report.file_bytes,
        skipped: plan.skipped,
        udf: report.udf,
        udf_dropped: report.udf_dropped,
        elapsed_s: report.elapsed_s,
    })
}

/// The image paths each source speaks for (burn's mapping, `plan.rs`).
fn scopes(sources: &[Source]) -> Scopes {
    let components = |path: &str| -> Vec<Vec<u8>> {
        path.split('/')
            .filter(|c| !c.is_empty())
            .map(|c| c.as_bytes().to_vec())
            .collect()
    };
    Scopes(
        sources
            .iter()
            .map(|source| match source {
                Source::Graft { image_path, .. } => components(image_path),
                Source::Path(path) => {
                    let is_dir = std::fs::symlink_metadata(path).is_ok_and(|md| md.is_dir());
                    match path.file_name() {
                        Some(name) if !is_dir => {
                            use std::os::unix::ffi::OsStrExt;
                            vec![name.as_bytes().to_vec()]
                        }
                        _ => Vec::new(),
                    }
                }
            })
            .collect(),
    )
}

/// The sync step of the burn flow: scans the sources as `burn` would, compares
/// them with `tree` (the imported session, or an empty tree) and edits `tree`
/// into the new session's. `progress` is told the blocks read while MD5s are
/// compared (all in one pass: changed files and renames).
#[allow(clippy::too_many_arguments)]
pub(crate) fn plan_and_apply(
    tree: &mut Tree,
    sources: &[Source],
    options: SyncOptions,
    source_date_epoch: Option<i64>,
    session_written: Option<i64>,
    medium: Option<&mut dyn SectorSource>,
    target: &str,
    progress: compare::Progress<'_>,
) -> Result<SyncPlan, BurnError> {
    let mut host = Tree::new();
    let mut scan = Scan::new(ScanOptions::default());
    for source in sources {
        crate::plan::add_source(&mut host, source, &mut scan)?;
    }
    let scopes = scopes(sources);
    let (changes, renames, md5_compared) = {
        let options = compare::Options {
            content: options.content,
            ctime: source_date_epoch.is_none(),
            clamp: source_date_epoch,
            racy_since: compare::racy_since(session_written, source_date_epoch),
            delete: options.delete,
            // Taken over from the host whatever the session recorded.
            skip_attributes: false,
        };
        let mut comparison = Comparison::new(tree, &host, &scopes, options, medium, target);
        let mut changes = comparison.walk();
        let candidates = rename_candidates(&comparison, &changes);
        let mut wanted = comparison.pending_contents();
        for (content, olds) in &candidates {
            wanted.push((Side::New, *content));
            wanted.extend(olds.iter().map(|&(old, _)| (Side::Old, old)));
        }
        comparison.hash(&wanted, progress)?;
        comparison.resolve(&mut changes);
        let mut renames = find_renames(&mut comparison, &candidates);
        renames.extend(kept_links(tree, &host, &changes));
        (changes, renames, comparison.md5_compared)
    };
    let mut plan = report_changes(tree, &host, &changes, &renames);
    plan.md5_compared = md5_compared;
    plan.skipped = scan
        .skipped
        .into_iter()
        .map(|s| SkippedSource {
            path: s.path.display().to_string(),
            reason: s.reason,
        })
        .collect();
    apply(tree, &host, &changes, &renames)?;
    Ok(plan)
}

/// Data of the session that a new or rewritten file of the sources reuses.
#[derive(Debug, Clone, Copy)]
struct Reuse {
    /// The session's content, and a file of the session holding it.
    content: ContentId,
    at: NodeId,
    /// The host file is a hard link to that file, which stays: the new name
    /// shares its content (one Rock Ridge inode, a link count over 1).
    /// Otherwise (a rename, a move, a copy) it takes a content of its own
    /// pointing at the same extent.
    link: bool,
}

/// Files whose data the session already holds: host content → what it reuses.
type Renames = HashMap<ContentId, Reuse>;

/// Files of the session an added file may be a rename of: host content →
/// the session's files with its size and mtime (as recorded).
type Candidates = Vec<(ContentId, Vec<(ContentId, NodeId)>)>;

/// For every added file with data, the session's files of the same size and
/// mtime (reachable ones only).
fn rename_candidates(comparison: &Comparison<'_, '_>, changes: &[Change]) -> Candidates {
    let (old, new) = (comparison.old, comparison.new);
    let mut by_key: HashMap<(u64, i64), Vec<(ContentId, NodeId)>> = HashMap::new();
    let mut pending = vec![old.root()];
    while let Some(dir) = pending.pop() {
        for (_, child) in old.children(dir) {
            match old.node(child).kind {
                NodeKind::Directory(_) => pending.push(child),
                NodeKind::File { content } => {
                    let c = old.content(content);
                    if c.zisofs.is_none() && c.data.size() > 0 {
                        by_key
                            .entry((c.data.size(), compare::recorded(old.node(child).meta.mtime)))
                            .or_default()
                            .push((content, child));
                    }
                }
                _ => {}
            }
        }
    }
    let clamp = comparison.options.clamp;
    let mut seen = std::collections::HashSet::new();
    let mut candidates = Candidates::new();
    for change in changes {
        let Change::Added { new: n, .. } = change else {
            continue;
        };
        let NodeKind::File { content } = new.node(*n).kind else {
            continue;
        };
        let size = new.content(content).data.size();
        if size == 0 || !seen.insert(content) {
            continue;
        }
        let mtime = new.node(*n).meta.mtime;
        let mtime = compare::recorded(clamp.map_or(mtime, |limit| mtime.min(limit)));
        if let Some(olds) = by_key.get(&(size, mtime)) {
            candidates.push((content, olds.clone()));
        }
    }
    candidates
}

/// Of the candidates, the first session file whose MD5 equals the added
/// file's (both hashed by [`Comparison::hash`]).
fn find_renames(comparison: &mut Comparison<'_, '_>, candidates: &Candidates) -> Renames {
    let mut renames = Renames::new();
    for (content, olds) in candidates {
        let Some(host_md5) = comparison.md5(Side::New, *content) else {
            continue;
        };
        for &(old_content, old_node) in olds {
            comparison.md5_compared += 1;
            if comparison.md5(Side::Old, old_content) == Some(host_md5) {
                let reuse = Reuse {
                    content: old_content,
                    at: old_node,
                    link: false,
                };
                renames.insert(*content, reuse);
                break;
            }
        }
    }
    renames
}

/// Hard links of the sources to a file whose data the session keeps: a
/// host file of several names, one of which the session holds at the same
/// path with its data unchanged (not added, removed or rewritten). Its other
/// names, new or rewritten, become links to the session's file instead of
/// copies of the data.
fn kept_links(old: &Tree, host: &Tree, changes: &[Change]) -> Renames {
    let mut names: HashMap<ContentId, Vec<NodeId>> = HashMap::new();
    for id in host.node_ids() {
        if let NodeKind::File { content } = host.node(id).kind {
            names.entry(content).or_default().push(id);
        }
    }
    names.retain(|_, ids| ids.len() > 1);
    if names.is_empty() {
        return Renames::new();
    }
    // Session files whose data does not stay as it is.
    let mut gone = std::collections::HashSet::new();
    for change in changes {
        match change {
            Change::Removed { old, .. } => {
                gone.insert(*old);
            }
            Change::Changed { old, new, reasons } if replaced(host, *new, reasons) => {
                gone.insert(*old);
            }
            _ => {}
        }
    }
    let mut links = Renames::new();
    for (content, ids) in names {
        let kept = ids.iter().find_map(|&id| {
            let at = counterpart(old, host, id).filter(|at| !gone.contains(at))?;
            match old.node(at).kind {
                NodeKind::File { content } => Some((content, at)),
                _ => None,
            }
        });
        if let Some((old_content, at)) = kept {
            let reuse = Reuse {
                content: old_content,
                at,
                link: true,
            };
            links.insert(content, reuse);
        }
    }
    links
}

/// The node of `old` at the path of host node `id`, if any.
fn counterpart(old: &Tree, host: &Tree, id: NodeId) -> Option<NodeId> {
    let mut names = Vec::new();
    let mut at = id;
    while at != host.root() {
        names.push(&host.node(at).name);
        at = host.node(at).parent;
    }
    names
        .iter()
        .rev()
        .try_fold(old.root(), |dir, name| old.lookup(dir, name))
}

/// The plan's lists, and the bytes of file data the session takes from
/// the host (files whose data the session holds already cost nothing).
fn report_changes(old: &Tree, new: &Tree, changes: &[Change], renames: &Renames) -> SyncPlan {
    let same_data_as = |n: NodeId| match new.node(n).kind {
        NodeKind::File { content } => renames.get(&content).map(|r| old.path_of(r.at)),
        _ => None,
    };
    let (changes_found, kept) = ChangeLists::of(old, new, changes, &same_data_as);
    let mut plan = SyncPlan {
        changes: changes_found,
        kept,
        ..SyncPlan::default()
    };
    let mut new_contents = std::collections::HashSet::new();
    for change in changes {
        let n = match change {
            Change::Added { new: n, .. } => *n,
            Change::Changed {
                new: n, reasons, ..
            } if writes_data(reasons) => *n,
            _ => continue,
        };
        if let NodeKind::File { content } = new.node(n).kind {
            if !renames.contains_key(&content) && new_contents.insert(content) {
                plan.new_data_bytes += new.content(content).data.size();
            }
        }
    }
    plan
}

/// A changed file whose data must be written again (not only its metadata).
fn writes_data(reasons: &[Reason]) -> bool {
    reasons.iter().any(|r| {
        matches!(
            r,
            Reason::Type | Reason::Size | Reason::Mtime | Reason::Content
        )
    })
}

/// A changed entry is a new one in place of the old: another type, new data,
/// or a link or device (nothing to keep); else only the metadata changes and
/// a file keeps its extent.
fn replaced(host: &Tree, new: NodeId, reasons: &[Reason]) -> bool {
    let kind = &host.node(new).kind;
    reasons.contains(&Reason::Type)
        || (matches!(kind, NodeKind::File { .. }) && writes_data(reasons))
        || matches!(kind, NodeKind::Symlink { .. } | NodeKind::Device { .. })
}

/// Edits the session's tree into the new one.
fn apply(
    tree: &mut Tree,
    host: &Tree,
    changes: &[Change],
    renames: &Renames,
) -> Result<(), BurnError> {
    let mut copier = Copier {
        host,
        renames,
        contents: HashMap::new(),
    };
    for change in changes {
        match change {
            Change::Added {
                parent,
                new,
                top: true,
            } => copier.copy(tree, *parent, *new)?,
            Change::Removed { old, top: true } => tree.unlink(*old),
            Change::Changed { old, new, reasons } => {
                let node = host.node(*new);
                if replaced(host, *new, reasons) && *old != tree.root() {
                    let parent = tree.node(*old).parent;
                    copier.copy(tree, parent, *new)?;
                } else {
                    tree.node_mut(*old).meta = node.meta;
                }
            }
            Change::Refresh { old, new } => tree.node_mut(*old).meta = host.node(*new).meta,
            _ => {}
        }
    }
    Ok(())
}

/// Copies nodes of the host tree into the session's tree.
struct Copier<'a> {
    host: &'a Tree,
    renames: &'a Renames,
    /// Host content → the session tree's (hard links stay links).
    contents: HashMap<ContentId, ContentId>,
}

impl Copier<'_> {
    /// Copies host node `new` (and all below it) into directory `parent` of
    /// `tree`, replacing what is there under its name.
    fn copy(&mut self, tree: &mut Tree, parent: NodeId, new: NodeId) -> Result<(), BurnError> {
        let mut pending = vec![(parent, new)];
        while let Some((into, id)) = pending.pop() {
            let node = self.host.node(id);
            let kind = match &node.kind {
                NodeKind::Directory(_) => NodeKind::Directory(fsimage::Directory::default()),
                NodeKind::File { content } => NodeKind::File {
                    content: self.content(tree, *content),
                },
                other => other.clone(),
            };
            let copied = tree.add_node(into, &node.name, kind, node.meta)?;
            for (_, child) in self.host.children(id) {
                pending.push((copied, child));
            }
        }
        Ok(())
    }

    fn content(&mut self, tree: &mut Tree, host_content: ContentId) -> ContentId {
        if let Some(&c) = self.contents.get(&host_content) {
            return c;
        }
        let c = match self.renames.get(&host_content) {
            // A hard link to a file that stays: its very content.
            Some(reuse) if reuse.link => reuse.content,
            // The session's data, in a content of its own (not a hard link
            // to the file it came from, which may stay).
            Some(&Reuse { content: old, .. }) => {
                let md5 = tree.content(old).recorded_md5;
                let c = tree.add_content(tree.content(old).data.clone());
                if let Some(md5) = md5 {
                    tree.set_recorded_md5(c, md5);
                }
                c
            }
            None => tree.add_content(self.host.content(host_content).data.clone()),
        };
        self.contents.insert(host_content, c);
        c
    }
}
