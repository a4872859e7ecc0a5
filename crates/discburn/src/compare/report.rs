//! What a comparison found, as `sync` and `diff` report it: one entry per
//! path that was added, changed or removed (and, for `sync` without
//! `--delete`, kept), each list sorted by path.

use fsimage::{NodeId, NodeKind, Tree};
use serde::Serialize;

use super::{content_size, kind_name, Change, Reason};

/// One entry that differs.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ChangeEntry {
    /// Image path.
    pub path: String,
    /// `file`, `dir`, `symlink`, `char_device`, ...: what the newer side
    /// holds (added, changed) or the older one held (removed, kept).
    pub kind: &'static str,
    /// File size in bytes (`null` for other kinds).
    pub size: Option<u64>,
    /// Changed entries: what differs.
    pub reasons: Vec<Reason>,
    /// Changed entries whose type changed (`type` among the reasons): what
    /// the older side held (`file`, `dir`, ...); `null` otherwise.
    pub was: Option<&'static str>,
    /// Added files (`sync`): the path of the compared session's file whose
    /// data this one reuses (a rename, a move, a copy, a hard link).
    pub same_data_as: Option<String>,
}

/// The entries of a comparison, by what happened to them.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ChangeLists {
    pub added: Vec<ChangeEntry>,
    pub changed: Vec<ChangeEntry>,
    pub removed: Vec<ChangeEntry>,
}

impl ChangeLists {
    /// Nothing differs.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    /// The entries of `changes` between `old` and `new`, and those kept
    /// ([`Change::Kept`]); `same_data_as` names, for an added node of `new`,
    /// the old file whose data it reuses.
    pub(crate) fn of(
        old: &Tree,
        new: &Tree,
        changes: &[Change],
        same_data_as: &dyn Fn(NodeId) -> Option<String>,
    ) -> (ChangeLists, Vec<ChangeEntry>) {
        let mut lists = ChangeLists::default();
        let mut kept = Vec::new();
        for change in changes {
            match change {
                Change::Added { new: n, .. } => {
                    let mut e = entry(new, *n, Vec::new());
                    e.same_data_as = same_data_as(*n);
                    lists.added.push(e);
                }
                Change::Removed { old: o, .. } => lists.removed.push(entry(old, *o, Vec::new())),
                Change::Kept { old: o } => kept.push(entry(old, *o, Vec::new())),
                Change::Changed {
                    old: o,
                    new: n,
                    reasons,
                } => {
                    let mut e = entry(new, *n, reasons.clone());
                    if reasons.contains(&Reason::Type) {
                        e.was = Some(kind_name(&old.node(*o).kind));
                    }
                    lists.changed.push(e);
                }
                Change::Refresh { .. } => {}
            }
        }
        for list in [
            &mut lists.added,
            &mut lists.changed,
            &mut lists.removed,
            &mut kept,
        ] {
            list.sort_by(|a, b| a.path.cmp(&b.path));
        }
        (lists, kept)
    }
}

fn entry(tree: &Tree, id: NodeId, reasons: Vec<Reason>) -> ChangeEntry {
    let node = tree.node(id);
    ChangeEntry {
        path: tree.path_of(id),
        kind: kind_name(&node.kind),
        size: match node.kind {
            NodeKind::File { content } => Some(content_size(tree.content(content))),
            _ => None,
        },
        reasons,
        was: None,
        same_data_as: None,
    }
}
