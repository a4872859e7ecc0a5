//! The discburn engine: open a target (image file, emulated recorder, real drive),
//! inspect the media, write a session, report events.
#![forbid(unsafe_code)]

pub mod drive;
pub mod target;

pub use target::{open_read_source, Error, TargetKind};
