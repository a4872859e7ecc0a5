//! The discburn engine: open a target (image file, emulated recorder, real
//! drive), inspect it, import a session, apply edits, write a new session,
//! report events. One flow for every kind of target ([`burn::burn`]).
//!
//! ```no_run
//! use discburn::{burn, BurnRequest, Quiet, Source};
//! let request = BurnRequest {
//!     target: "backup.iso".into(),
//!     sources: vec![Source::parse("photos").unwrap()],
//!     ..BurnRequest::default()
//! };
//! // A new image the first time, a new session on it every later time.
//! let report = burn(&request, &mut Quiet).unwrap();
//! println!("session {} at LBA {}", report.session, report.start_lba);
//! ```
#![forbid(unsafe_code)]

pub mod burn;
pub mod capacity;
pub mod check_media;
pub mod checksums;
pub mod compare;
pub mod diff;
pub mod disc;
pub mod drive;
pub mod error;
pub mod events;
pub mod image_file;
mod lock;
pub mod media_ops;
mod plan;
pub mod read_ahead;
pub mod repair;
pub mod sessions;
pub mod stdout_image;
pub mod storage;
pub mod sync;
pub mod target;
mod udf_anchor;
pub mod verify;

pub use burn::{burn, burn_to_target, BurnObserver, BurnRequest, Quiet, UdfRequest, VolumeIds};
pub use compare::{ChangeEntry, ChangeLists};
pub use error::BurnError;
pub use events::{Action, BurnReport, ImportSummary, Progress, UdfReport, ZisofsSummary};
pub use plan::Source;
pub use sync::{sync, SyncReport, SyncRequest};
pub use target::{open_burn_target, open_read_source, BurnTarget, Error, TargetKind};
pub use verify::Verify;
