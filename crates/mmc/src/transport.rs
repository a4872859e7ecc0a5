//! The boundary between MMC logic and a device: a CDB and its data go in, a
//! SCSI status, sense bytes and a residual come out. Implemented by the Linux
//! SG_IO transport and by the emulated recorder.

use std::time::Duration;

/// Direction and buffer of a command's data phase.
#[derive(Debug)]
pub enum DataDirection<'a> {
    /// No data phase (TEST UNIT READY, CLOSE TRACK, ...).
    None,
    /// Data sent to the device (WRITE, MODE SELECT, ...).
    ToDevice(&'a [u8]),
    /// Data received from the device; the buffer length is the allocation length.
    FromDevice(&'a mut [u8]),
}

impl DataDirection<'_> {
    /// Number of bytes in the data phase buffer.
    pub fn len(&self) -> usize {
        match self {
            DataDirection::None => 0,
            DataDirection::ToDevice(b) => b.len(),
            DataDirection::FromDevice(b) => b.len(),
        }
    }

    /// True when there is no data phase or its buffer is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// SAM status byte of a completed command (SAM-3 5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScsiStatus {
    Good,
    CheckCondition,
    Busy,
    ReservationConflict,
    Other(u8),
}

impl ScsiStatus {
    pub fn from_byte(b: u8) -> Self {
        match b {
            0x00 => ScsiStatus::Good,
            0x02 => ScsiStatus::CheckCondition,
            0x08 => ScsiStatus::Busy,
            0x18 => ScsiStatus::ReservationConflict,
            other => ScsiStatus::Other(other),
        }
    }

    pub fn to_byte(self) -> u8 {
        match self {
            ScsiStatus::Good => 0x00,
            ScsiStatus::CheckCondition => 0x02,
            ScsiStatus::Busy => 0x08,
            ScsiStatus::ReservationConflict => 0x18,
            ScsiStatus::Other(b) => b,
        }
    }
}

/// What the device answered to one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutcome {
    pub status: ScsiStatus,
    /// Raw sense bytes (fixed or descriptor format); empty when none were returned.
    pub sense: Vec<u8>,
    /// Bytes of the data phase that were not transferred (allocation length minus actual).
    pub residual: usize,
}

impl CommandOutcome {
    /// A GOOD outcome with the given residual.
    pub fn good(residual: usize) -> Self {
        CommandOutcome {
            status: ScsiStatus::Good,
            sense: Vec::new(),
            residual,
        }
    }

    /// A CHECK CONDITION outcome carrying the given sense bytes.
    pub fn check_condition(sense: Vec<u8>, residual: usize) -> Self {
        CommandOutcome {
            status: ScsiStatus::CheckCondition,
            sense,
            residual,
        }
    }
}

/// A failure to deliver a command at all (as opposed to a device that answered
/// CHECK CONDITION, which is a [`CommandOutcome`]).
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("cannot reach the device {device}: {source}")]
    Os {
        device: String,
        source: std::io::Error,
    },
    #[error("command {opcode:#04x} to {device} timed out after {timeout:?}")]
    Timeout {
        device: String,
        opcode: u8,
        timeout: Duration,
    },
    #[error("transport error on {device}: host status {host_status:#x}, driver status {driver_status:#x}")]
    Host {
        device: String,
        host_status: u16,
        driver_status: u16,
    },
    #[error("the medium or drive {device} is gone")]
    NoDevice { device: String },
    #[error("invalid command: {0}")]
    InvalidCommand(String),
}

/// Carries one SCSI command to a device and returns its outcome.
pub trait Transport {
    /// Executes `cdb` with the given data phase, waiting at most `timeout`.
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataDirection<'_>,
        timeout: Duration,
    ) -> Result<CommandOutcome, TransportError>;

    /// A human-readable name of the device (path, `emu:PATH`, ...), for messages.
    fn device_name(&self) -> String;

    /// Buffer underruns the device counted since it was opened, when it can
    /// tell (an emulated recorder can; MMC gives real drives no standard way).
    fn buffer_underruns(&self) -> Option<u64> {
        None
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataDirection<'_>,
        timeout: Duration,
    ) -> Result<CommandOutcome, TransportError> {
        (**self).execute(cdb, data, timeout)
    }

    fn device_name(&self) -> String {
        (**self).device_name()
    }

    fn buffer_underruns(&self) -> Option<u64> {
        (**self).buffer_underruns()
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataDirection<'_>,
        timeout: Duration,
    ) -> Result<CommandOutcome, TransportError> {
        (**self).execute(cdb, data, timeout)
    }

    fn device_name(&self) -> String {
        (**self).device_name()
    }

    fn buffer_underruns(&self) -> Option<u64> {
        (**self).buffer_underruns()
    }
}
