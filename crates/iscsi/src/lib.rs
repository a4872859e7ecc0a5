//! An iSCSI target for one SCSI device (a subset of RFC 7143): the device
//! behind it is any [`mmc::Transport`], in discburn the emulated recorder, so
//! other people's initiators and burners (QEMU's libiscsi, a Linux guest's
//! `sr` driver, wodim, growisofs, xorriso) can drive it as a real drive.
//!
//! * [`pdu`] — the PDUs on the wire: parse and emit, no I/O.
//! * [`text`] — `key=value` text of Login and Text PDUs.
//! * [`login`] — what the target answers to each login key.
//! * [`connection`] — the target's state machine for one connection: PDUs in,
//!   PDUs out; it calls a [`connection::Backend`] for each SCSI command.
//! * [`server`] — the thin TCP loop: one initiator at a time.
//!
//! Supported: login (no authentication, no digests), SendTargets discovery,
//! SCSI Command with Data-In, R2T and Data-Out (immediate data accepted),
//! SCSI Response with sense data, NOP-Out/NOP-In, Task Management (answered,
//! nothing to abort: commands run to completion before the next PDU is read),
//! Logout. Error recovery level 0; one connection per session; one LUN (0).
#![forbid(unsafe_code)]

pub mod connection;
pub mod login;
pub mod pdu;
pub mod server;
pub mod text;

pub use connection::{Backend, Connection, TargetConfig};
pub use pdu::Pdu;
pub use server::{Event, Server};

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{pdu} PDU truncated: {expected} bytes after the header announced, {found} present")]
    Truncated {
        pdu: &'static str,
        expected: usize,
        found: usize,
    },
    #[error("expected a {expected} PDU, got opcode {found:#04x}")]
    WrongOpcode { expected: &'static str, found: u8 },
    #[error("malformed {pdu} PDU: {what}")]
    Malformed {
        pdu: &'static str,
        what: &'static str,
    },
    #[error("bad login/text key {text:?}: {why}")]
    BadText { text: String, why: &'static str },
    #[error("protocol error from the initiator: {0}")]
    Protocol(String),
    #[error("data segment of {len} bytes is over this target's limit of {max}")]
    DataSegmentTooLong { len: usize, max: usize },
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}
