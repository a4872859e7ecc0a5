//! SCSI MMC as data: CDB builders, response and sense parsers (no I/O), the
//! [`Transport`] trait that carries a command to a device, and the Linux SG_IO
//! transport (the only module with `unsafe`).
#![deny(unsafe_code)]

pub mod transport;

pub use transport::{CommandOutcome, DataDirection, ScsiStatus, Transport, TransportError};
