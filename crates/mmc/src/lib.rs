//! SCSI MMC as data: CDB builders, response and sense parsers (no I/O), the
//! [`Transport`] trait that carries a command to a device, the command helpers
//! that apply the data-in, retry and polling rules over any transport, and the
//! Linux SG_IO transport (the only module with `unsafe`).
//!
//! Layout follows smoltcp's `wire`: each structure has a plain struct with
//! `parse` (bytes → struct) and `emit` (struct → bytes); CDBs have `to_cdb` and
//! `parse`. The byte layouts are those of `shared/reference/mmc.md`, cited by
//! section in each type's documentation.
//!
//! # Map
//!
//! | module | what |
//! |---|---|
//! | [`cdb`] | one struct per command (`Read10`, `CloseTrackSession`, `ReadCd`, the read-only drive commands, ...) with `to_cdb`/`parse`, in one module per command family; [`Command`] parses any CDB (what a device does) |
//! | [`sense`] | [`Sense`]: fixed/descriptor parse and build, key/ASC/ASCQ text, classes (`is_in_progress`, `is_unsupported`, ...); [`sense::codes`], the codes a drive raises |
//! | [`profile`] | [`Profile`] numbers and names ("DVD+R DL") |
//! | [`config`] | GET CONFIGURATION answer: [`config::Configuration`], generic [`config::FeatureDescriptor`], typed features ([`config::Feature`]) |
//! | [`disc`] | READ DISC INFORMATION / READ TRACK INFORMATION answers; READ DISC STRUCTURE 20h (layer boundary) and C0h (write protection) |
//! | [`toc`] | READ TOC formats 0, 1, 2, 4; [`toc::Msf`] |
//! | [`mode`] | MODE SENSE/SELECT(10) header, page 05h, page 2Ah |
//! | [`format`](mod@format) | READ FORMAT CAPACITIES answer, FORMAT UNIT parameter list |
//! | [`inquiry`] | INQUIRY, READ CAPACITY, GESN media event, READ BUFFER CAPACITY answers |
//! | [`speed`] | SET STREAMING descriptor, GET PERFORMANCE write speeds |
//! | [`transport`] | the [`Transport`] trait |
//! | [`exec`] | running commands: data-in rule, retries ([`exec::RetryPolicy`]), polling ([`exec::wait_ready`]), [`MmcError`] |
//! | [`ops`] | one function per command over any transport (`ops::read_disc_information(t)`, ...) |
//! | [`sgio`] | Linux SG_IO transport ([`sgio::SgDevice`]) |
//! | [`enumerate`] | drives from sysfs and `/proc/sys/dev/cdrom/info` |
//!
//! A device (the emulator) decodes with `Command::parse`, answers with the
//! `emit` of the answer structures, and reports errors with the
//! [`sense::codes`] values' `to_fixed()`.
#![deny(unsafe_code)]

/// Declares a fieldless enum over a numeric code with an `Other` catch-all and
/// lossless conversions both ways.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident : $repr:ty { $($(#[$vmeta:meta])* $variant:ident = $value:expr),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this crate has no name for.
            Other($repr),
        }

        impl From<$repr> for $name {
            fn from(value: $repr) -> Self {
                match value {
                    $($value => $name::$variant,)*
                    other => $name::Other(other),
                }
            }
        }

        impl From<$name> for $repr {
            fn from(value: $name) -> $repr {
                match value {
                    $($name::$variant => $value,)*
                    $name::Other(other) => other,
                }
            }
        }
    };
}

mod bytes;
pub mod cdb;
pub mod config;
pub mod disc;
pub mod enumerate;
pub mod exec;
pub mod format;
pub mod inquiry;
pub mod mode;
pub mod ops;
pub mod profile;
pub mod sense;
#[cfg(target_os = "linux")]
pub mod sgio;
pub mod speed;
pub mod toc;
pub mod transport;

pub use cdb::{Cdb, CdbError, Command};
pub use exec::{MmcError, SenseError};
pub use profile::Profile;
pub use sense::{Sense, SenseKey};
pub use transport::{CommandOutcome, DataDirection, ScsiStatus, Transport, TransportError};

/// Response bytes that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("{what}: {len} bytes, need at least {need}")]
    Short {
        what: &'static str,
        len: usize,
        need: usize,
    },
    #[error("{what}: {why}")]
    Invalid {
        what: &'static str,
        why: &'static str,
    },
}

impl ParseError {
    pub(crate) fn need(what: &'static str, b: &[u8], need: usize) -> Result<(), ParseError> {
        if b.len() < need {
            Err(ParseError::Short {
                what,
                len: b.len(),
                need,
            })
        } else {
            Ok(())
        }
    }
}
