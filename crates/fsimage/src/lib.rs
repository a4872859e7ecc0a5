//! The file-system image: an in-memory tree, import of an existing session,
//! layout at any LBA, and a lazy stream of the session's sectors.
//!
//! Writing a session:
//! ```no_run
//! # fn main() -> Result<(), fsimage::Error> {
//! let mut tree = fsimage::Tree::new();
//! tree.add_directory_contents(std::path::Path::new("photos"))?;
//! tree.graft("/docs/readme.txt", std::path::Path::new("README"))?;
//! let opts = fsimage::ImageOptions { volume_name: "PHOTOS".into(), ..Default::default() };
//! let mut image = fsimage::ImageStream::new(tree, opts)?;
//! let mut out = std::fs::File::create("photos.iso").map_err(|e| fsimage::Error::Layout { reason: e.to_string() })?;
//! image.write_to(&mut out, 1 << 20, |_pos| {}).map_err(|e| fsimage::Error::Layout { reason: e.to_string() })?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod checksums;
pub mod compress;
pub mod error;
pub mod host;
pub mod import;
pub mod layout;
pub mod names;
pub mod publish;
pub mod read;
pub mod renamed;
pub mod sessions;
pub mod source;
pub mod stream;
pub mod tree;

pub use error::Error;
pub use layout::{ImageOptions, Layout, UdfOptions, UdfSummary, MAX_EXTENT_BYTES};
pub use publish::PendingFile;
pub use renamed::{Renamed, RenamedName};
pub use source::{FileSectorSource, SectorSource, BLOCK_SIZE};
pub use stream::{ImageStream, WriteError};
pub use tree::{
    Content, ContentId, DataSource, DeviceKind, Directory, MediumExtent, Metadata, Node, NodeId,
    NodeKind, Tree, TreeStats,
};
