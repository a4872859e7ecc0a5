//! The new session's tree: the imported one (or an empty one), then the
//! removals, then the sources, as `mkisofs -M`, xorriso and IMAPI2 merge them.

use std::path::{Path, PathBuf};

use fsimage::host::{Scan, ScanOptions};
use fsimage::{NodeId, Tree};

use crate::error::BurnError;

/// One thing to write, as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A host path: a directory adds its contents at the root (as `mkisofs`
    /// and IMAPI2's `AddTree(dir, false)`), a file lands at the root under its name.
    Path(PathBuf),
    /// `ISO/PATH=HOST/PATH`: a file or directory at a chosen path.
    Graft { image_path: String, host: PathBuf },
}

impl Source {
    /// Parses the command-line form: `ISO/PATH=HOST/PATH` or a host path.
    pub fn parse(text: &str) -> Result<Source, String> {
        match text.split_once('=') {
            Some((_, "")) => Err(format!(
                "source {text:?}: nothing after `=` (expected ISO/PATH=HOST/PATH)"
            )),
            Some((image_path, host)) => Ok(Source::Graft {
                image_path: image_path.to_string(),
                host: PathBuf::from(host),
            }),
            None => Ok(Source::Path(PathBuf::from(text))),
        }
    }
}

/// What the edits changed in an imported tree.
#[derive(Debug, Default)]
pub(crate) struct Edits {
    pub replaced: Vec<String>,
    pub removed: Vec<String>,
    /// Host entries left out as unreadable (`--skip-unreadable`) or as loops.
    pub skipped: Vec<crate::events::SkippedSource>,
    /// Host entries left out by `--exclude`.
    pub excluded: u64,
}

/// Applies `removals` (each must exist) and then `sources` to `tree`.
/// `imported_nodes` is the number of nodes the tree had after the import:
/// those that a source pushed out are reported as replaced. Two sources of
/// this burn landing on one path are an error unless `last_wins`.
pub(crate) fn apply_edits(
    tree: &mut Tree,
    imported_nodes: usize,
    session: u32,
    removals: &[String],
    sources: &[Source],
    last_wins: bool,
    scan: ScanOptions,
) -> Result<Edits, BurnError> {
    let mut edits = Edits::default();
    for path in removals {
        let trimmed = path.trim_matches('/');
        if trimmed.is_empty() {
            return Err(BurnError::Tree(fsimage::Error::InvalidImagePath {
                path: path.clone(),
                reason: "the root cannot be removed",
            }));
        }
        if tree.resolve(path).is_err() {
            return Err(BurnError::RemoveMissing {
                path: path.clone(),
                session,
            });
        }
        tree.remove(path)?;
        edits.removed.push(format!("/{trimmed}"));
    }
    let mut scan = Scan::new(scan);
    for source in sources {
        add_source(tree, source, &mut scan)?;
    }
    edits.excluded = scan.excluded;
    edits.skipped = scan
        .skipped
        .into_iter()
        .map(|s| crate::events::SkippedSource {
            path: s.path.display().to_string(),
            reason: s.reason,
        })
        .collect();
    if !last_wins {
        check_collisions(tree, imported_nodes)?;
    }
    edits.replaced = replaced_paths(tree, imported_nodes);
    Ok(edits)
}

pub(crate) fn add_source(
    tree: &mut Tree,
    source: &Source,
    scan: &mut Scan,
) -> Result<(), BurnError> {
    match source {
        Source::Graft { image_path, host } => {
            tree.graft_with(image_path, host, scan)?;
        }
        Source::Path(path) => {
            let scan_error = |source| {
                BurnError::Tree(fsimage::Error::Scan {
                    path: path.clone(),
                    source,
                })
            };
            let md = std::fs::symlink_metadata(path).map_err(scan_error)?;
            // A link given on the command line is followed only with --follow-links.
            let is_dir = if scan.options.follow_links && md.file_type().is_symlink() {
                std::fs::metadata(path).is_ok_and(|md| md.is_dir())
            } else {
                md.is_dir()
            };
            if is_dir {
                tree.add_directory_contents_with(path, scan)?;
            } else {
                let name = file_name(path)?;
                tree.graft_with(&name, path, scan)?;
            }
        }
    }
    Ok(())
}

fn file_name(path: &Path) -> Result<String, BurnError> {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            BurnError::Tree(fsimage::Error::InvalidImagePath {
                path: path.display().to_string(),
                reason: "a source without a file name",
            })
        })
}

/// Fails on the first entry that this burn added and then replaced: two
/// sources (or one directory and a graft) gave the same image path.
fn check_collisions(tree: &Tree, imported_nodes: usize) -> Result<(), BurnError> {
    for &old in tree.replaced_nodes() {
        if old.index() < imported_nodes {
            continue; // replacing an earlier session's entry is intended
        }
        let node = tree.node(old);
        let Some(now) = tree.lookup(node.parent, &node.name) else {
            continue;
        };
        return Err(BurnError::DuplicatePath {
            path: tree.path_of(now),
            first: host_origin(tree, old),
            second: host_origin(tree, now),
        });
    }
    Ok(())
}

/// The host file a node was made from, or what kind of entry it is.
fn host_origin(tree: &Tree, id: NodeId) -> String {
    match &tree.node(id).kind {
        fsimage::NodeKind::File { content } => match &tree.content(*content).data {
            fsimage::DataSource::HostFile { path, .. } => path.display().to_string(),
            _ => "a file".to_string(),
        },
        fsimage::NodeKind::Directory(_) => "a directory".to_string(),
        fsimage::NodeKind::Symlink { target } => {
            format!("a symlink to {}", String::from_utf8_lossy(target))
        }
        fsimage::NodeKind::Device { .. } => "a special file".to_string(),
    }
}

/// Paths where an imported entry (not a directory merged into) was replaced
/// by a new one, and the new entry is still in the tree (its parent was not
/// removed or replaced afterwards).
fn replaced_paths(tree: &Tree, imported_nodes: usize) -> Vec<String> {
    let mut replaced: Vec<String> = tree
        .replaced_nodes()
        .iter()
        .filter(|old| old.index() < imported_nodes)
        .filter_map(|&old| {
            let node = tree.node(old);
            let now = tree.lookup(node.parent, &node.name)?;
            reachable(tree, now).then(|| tree.path_of(now))
        })
        .collect();
    replaced.sort();
    replaced.dedup();
    replaced
}

/// True when every link from `id` up to the root is still in place.
fn reachable(tree: &Tree, mut id: NodeId) -> bool {
    while id != tree.root() {
        let node = tree.node(id);
        if tree.lookup(node.parent, &node.name) != Some(id) {
            return false;
        }
        id = node.parent;
    }
    true
}
