//! The file-system image: an in-memory tree, import of an existing session,
//! layout at any LBA, and a lazy stream of the session's sectors.
#![forbid(unsafe_code)]

pub mod read;
pub mod source;

pub use source::{FileSectorSource, SectorSource, BLOCK_SIZE};
