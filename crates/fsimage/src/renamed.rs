//! The names a session's ISO 9660 and Joliet trees record differently from
//! the tree's own (host, Rock Ridge) names: what `burn -v` lists and what its
//! result counts, so that a rewritten name is never a surprise.
//!
//! An ISO 9660 name counts as changed when, read as readers show it (the
//! `;1` version and a trailing `.` dropped, case ignored: Linux shows level-1
//! names in lower case), it is not the host name; a Joliet name when it is
//! not the host name at all (truncated to 64 characters, forbidden
//! characters replaced, made unique). Symbolic links and device nodes, which
//! Joliet leaves out, are not counted there.

use crate::layout::{Layout, Namespace, Target};
use crate::tree::NodeId;

/// One name a file system records differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenamedName {
    /// The image path, with the tree's own names.
    pub path: String,
    /// `iso9660` or `joliet`.
    pub namespace: &'static str,
    /// The name as that file system records it.
    pub recorded: String,
}

/// How many names each file system changed, and (when asked) which.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Renamed {
    pub iso9660: u64,
    pub joliet: u64,
    /// Every changed name; empty unless asked for.
    pub names: Vec<RenamedName>,
}

impl Layout {
    /// The names ISO 9660 and Joliet record differently from the tree's;
    /// `list`: also name them (else only count).
    pub fn renamed(&self, list: bool) -> Renamed {
        let mut renamed = Renamed::default();
        let iso = self.changed_names(
            &self.iso,
            "iso9660",
            list,
            &mut renamed.names,
            |host, ident| {
                let shown = ident.strip_suffix(b";1").unwrap_or(ident);
                let shown = shown.strip_suffix(b".").unwrap_or(shown);
                let same = shown.eq_ignore_ascii_case(host);
                (!same).then(|| String::from_utf8_lossy(shown).into_owned())
            },
        );
        renamed.iso9660 = iso;
        if let Some(joliet) = &self.joliet {
            renamed.joliet =
                self.changed_names(joliet, "joliet", list, &mut renamed.names, |host, ident| {
                    let units: Vec<u16> = ident
                        .chunks_exact(2)
                        .map(|c| u16::from_be_bytes([c[0], c[1]]))
                        .collect();
                    let recorded = String::from_utf16_lossy(&units);
                    (recorded.as_bytes() != host).then_some(recorded)
                });
        }
        renamed
    }

    /// Counts (and lists) the entries of `ns` whose recorded identifier
    /// `changed` says differs from the host name.
    fn changed_names(
        &self,
        ns: &Namespace,
        namespace: &'static str,
        list: bool,
        names: &mut Vec<RenamedName>,
        changed: impl Fn(&[u8], &[u8]) -> Option<String>,
    ) -> u64 {
        let mut count = 0;
        for dir in &ns.dirs {
            // The relocation directory and what lies in it: their placeholders
            // (stubs) in the original parents carry the names.
            if dir.node.is_none() || dir.relocated {
                continue;
            }
            for entry in &dir.entries {
                let node: NodeId = match entry.target {
                    Target::Dir(i) => match ns.dirs[i as usize].node {
                        Some(node) if !ns.dirs[i as usize].relocated => node,
                        _ => continue,
                    },
                    Target::Stub { node, .. } | Target::File { node, .. } | Target::Other(node) => {
                        node
                    }
                };
                let host = &self.tree.node(node).name;
                if let Some(recorded) = changed(host, &entry.ident) {
                    count += 1;
                    if list {
                        names.push(RenamedName {
                            path: self.tree.path_of(node),
                            namespace,
                            recorded,
                        });
                    }
                }
            }
        }
        count
    }
}
