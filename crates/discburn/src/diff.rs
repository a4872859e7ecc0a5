//! `discburn diff`: what differs between two sessions of a target, or between
//! a session and a host directory (its contents against the session's root,
//! as `burn` and `sync` map a directory). The comparison is `sync`'s
//! ([`crate::compare`]), so `sync` is up to date exactly when `diff` of the
//! newest session against the same directory finds nothing. Files read to
//! compare their MD5s are reported as `sync` reports them
//! ([`compare::report_to`]), and a cancelled observer stops the reading.

use std::path::PathBuf;

use fsimage::host::{Scan, ScanOptions};
use fsimage::read::{Namespace, ReadOptions, Volume};
use fsimage::Tree;
use serde::Serialize;

use crate::burn::BurnObserver;
use crate::compare::{self, ChangeLists, Comparison, Scopes};
use crate::error::BurnError;
use crate::events::Clock;
use crate::sessions::list_sessions;
use crate::target::open_read_source;

/// What the older side is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Against {
    /// Session N (1 = oldest).
    Session(u32),
    /// The newest session.
    Newest,
    /// A directory on the host.
    Directory(PathBuf),
}

/// What to compare.
#[derive(Debug, Clone)]
pub struct DiffRequest {
    pub target: String,
    /// The session the differences are relative to.
    pub session: u32,
    pub against: Against,
    /// Compare the MD5 of every file whose size and mtime are equal.
    pub content: bool,
    /// `SOURCE_DATE_EPOCH`: a directory is compared as a session written
    /// from it would record it (times clamped, no ctimes), as `sync` does.
    pub source_date_epoch: Option<i64>,
}

/// One side of a diff.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Side {
    /// The session number, or `null` for a directory.
    pub session: Option<u32>,
    /// The directory, or `null` for a session.
    pub directory: Option<String>,
}

/// What `diff` found.
#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    pub target: String,
    pub from: Side,
    pub to: Side,
    /// Nothing differs.
    pub identical: bool,
    /// Relative to `from`.
    #[serde(flatten)]
    pub changes: ChangeLists,
    /// Files whose MD5 was compared.
    pub md5_compared: u64,
    /// Permission bits and owners were compared: false when a session
    /// compared records none (no Rock Ridge; a reader makes them up).
    pub attributes_compared: bool,
    /// Change times were compared (a file whose ctime moved has its MD5
    /// compared): false when the older session records none of its own
    /// (written under `SOURCE_DATE_EPOCH`, or without Rock Ridge) or the
    /// directory is read under `SOURCE_DATE_EPOCH`. A file rewritten with
    /// its size and mtime kept then shows only where its MD5 is compared
    /// (`--content`, or both recorded).
    pub ctimes_compared: bool,
}

/// A session's tree, where the session starts, and when it was written.
struct SessionTree {
    tree: Tree,
    start: u64,
    written: Option<i64>,
    /// It records permission bits and owners (Rock Ridge, UDF).
    attributes: bool,
}

/// Reads the whole tree of session `number` of `target`.
fn session_tree(target: &str, number: u32) -> Result<SessionTree, BurnError> {
    let list = list_sessions(target)?;
    let start = list.start_of(target, number)?;
    let source = open_read_source(target)?;
    let options = ReadOptions {
        session_start: start,
        ..ReadOptions::default()
    };
    let tree_error = |source| BurnError::SessionTree {
        target: target.to_string(),
        session: number,
        source,
    };
    let mut volume = Volume::open(source, options).map_err(|e| tree_error(e.into()))?;
    let written = volume
        .info()
        .modification_date
        .or(volume.info().creation_date);
    let imported = fsimage::import::import_session(&mut volume).map_err(tree_error)?;
    let attributes = matches!(imported.namespace, Namespace::RockRidge | Namespace::Udf);
    Ok(SessionTree {
        tree: imported.tree,
        start,
        written,
        attributes,
    })
}

/// Compares the two sides of `request`, telling `observer` the blocks read
/// to compare MD5s (`comparing` events, as `sync`'s); a signal it reports
/// stops the diff ([`BurnError::Cancelled`]).
pub fn diff(
    request: &DiffRequest,
    observer: &mut dyn BurnObserver,
) -> Result<DiffReport, BurnError> {
    let mut clock = Clock::start();
    let target = request.target.as_str();
    let old = session_tree(target, request.session)?;
    stop_if_cancelled(&*observer)?;
    let (new, to, new_attributes) = match &request.against {
        Against::Directory(dir) => {
            let mut tree = Tree::new();
            let mut scan = Scan::new(ScanOptions::default());
            tree.add_directory_contents_with(dir, &mut scan)?;
            let side = Side {
                session: None,
                directory: Some(dir.display().to_string()),
            };
            (tree, side, true)
        }
        Against::Session(n) => {
            let session = session_tree(target, *n)?;
            (session.tree, session_side(*n), session.attributes)
        }
        Against::Newest => {
            let newest = list_sessions(target)?
                .sessions
                .last()
                .map_or(request.session, |s| s.number);
            let session = session_tree(target, newest)?;
            (session.tree, session_side(newest), session.attributes)
        }
    };
    let attributes_compared = old.attributes && new_attributes;
    stop_if_cancelled(&*observer)?;
    let from_directory = matches!(request.against, Against::Directory(_));
    let mut medium = open_read_source(target)?;
    let scopes = Scopes(vec![Vec::new()]);
    let options = compare::Options {
        content: request.content,
        ctime: !from_directory || request.source_date_epoch.is_none(),
        clamp: request.source_date_epoch.filter(|_| from_directory),
        racy_since: compare::racy_since(
            old.written,
            request.source_date_epoch.filter(|_| from_directory),
        ),
        delete: true,
        skip_attributes: !attributes_compared,
    };
    let mut comparison = Comparison::new(
        &old.tree,
        &new,
        &scopes,
        options,
        Some(medium.as_mut()),
        target,
    );
    let mut progress = compare::report_to(observer, &mut clock, old.start);
    let changes = comparison.run(&mut progress)?;
    let md5_compared = comparison.md5_compared;
    let ctimes_compared = comparison.options.ctime;
    let (changes, _) = ChangeLists::of(&old.tree, &new, &changes, &|_| None);
    Ok(DiffReport {
        target: target.to_string(),
        from: session_side(request.session),
        to,
        identical: changes.is_empty(),
        changes,
        md5_compared,
        attributes_compared,
        ctimes_compared,
    })
}

/// Between two steps: a signal the observer reports stops the diff.
fn stop_if_cancelled(observer: &dyn BurnObserver) -> Result<(), BurnError> {
    match observer.cancelled() {
        true => Err(BurnError::Cancelled),
        false => Ok(()),
    }
}

fn session_side(number: u32) -> Side {
    Side {
        session: Some(number),
        directory: None,
    }
}
