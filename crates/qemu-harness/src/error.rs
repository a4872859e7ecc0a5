//! The one error type of the harness: every variant names the file, command or guest
//! section it is about, and a failed boot carries the console it printed.

use std::path::PathBuf;

/// Errors of the QEMU harness.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// A host file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    /// No usable kernel (`/boot/vmlinuz-*` with a matching `/lib/modules/<version>`).
    #[error("no Linux kernel found: {0}")]
    NoKernel(String),

    /// A kernel module the guest needs is neither a file in `modules.dep` nor built in.
    #[error("kernel module {name} not found in {modules_dir} (modules.dep or modules.builtin)")]
    ModuleNotFound { name: String, modules_dir: PathBuf },

    /// `modules.dep` names a dependency cycle or a module missing from it.
    #[error("{modules_dir}/modules.dep: {message}")]
    ModulesDep {
        modules_dir: PathBuf,
        message: String,
    },

    /// A host command the harness runs (ldd, xz, strip, qemu, cargo) failed.
    #[error("`{command}` failed: {message}")]
    Command { command: String, message: String },

    /// A guest path in the initramfs is empty, absolute after normalisation or has `..`.
    #[error("bad initramfs path {0:?}")]
    BadGuestPath(String),

    /// A scenario is malformed (a duplicate or non-identifier label, too many drives).
    #[error("scenario {scenario}: {message}")]
    Scenario { scenario: String, message: String },

    /// QEMU did not power off within the time limit; it was killed.
    #[error(
        "scenario {scenario}: QEMU still running after {seconds} s, killed\n--- console ---\n{console}\n--- results ---\n{results}"
    )]
    Timeout {
        scenario: String,
        seconds: u64,
        console: String,
        results: String,
    },

    /// The guest's results channel is malformed (unterminated section, bad marker).
    #[error(
        "scenario {scenario}: {message}\n--- console ---\n{console}\n--- results ---\n{results}"
    )]
    GuestOutput {
        scenario: String,
        message: String,
        console: String,
        results: String,
    },

    /// A guest listing could not be parsed.
    #[error("guest listing: {0}")]
    Listing(String),
}

impl HarnessError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        HarnessError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias of the harness.
pub type Result<T, E = HarnessError> = std::result::Result<T, E>;
