//! Sense data the emulated drive returns (SPC-3 4.5 fixed format; codes from
//! mmc.md §6). Built here because emitting sense is the device's side.

/// One key/ASC/ASCQ triple, optionally with a progress indication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sense {
    pub key: u8,
    pub asc: u8,
    pub ascq: u8,
    /// Progress 0..=65535 of 65536 in sense bytes 16-17 (with SKSV set), for
    /// NOT READY "in progress" answers (mmc.md §7).
    pub progress: Option<u16>,
}

impl Sense {
    pub const fn new(key: u8, asc: u8, ascq: u8) -> Sense {
        Sense {
            key,
            asc,
            ascq,
            progress: None,
        }
    }

    /// The `mmc` crate's sense value for this triple.
    pub fn to_mmc(self) -> mmc::Sense {
        let sense = mmc::Sense::new(mmc::SenseKey::from(self.key & 0x0F), self.asc, self.ascq);
        match self.progress {
            Some(progress) => sense.with_progress(progress),
            None => sense,
        }
    }

    /// Fixed-format sense bytes (18 bytes, response code 70h; SKSV and
    /// progress in bytes 15-17 when set), built by `mmc`.
    pub fn to_bytes(self) -> Vec<u8> {
        self.to_mmc().to_fixed().to_vec()
    }

    pub fn with_progress(mut self, progress: u16) -> Sense {
        self.progress = Some(progress);
        self
    }
}

impl std::fmt::Display for Sense {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:X}/{:02X}/{:02X}", self.key, self.asc, self.ascq)
    }
}

// The codes this drive raises (mmc.md §6).
pub const NO_SENSE: Sense = Sense::new(0x0, 0x00, 0x00);
pub const NOT_READY_NO_MEDIUM: Sense = Sense::new(0x2, 0x3A, 0x00);
pub const NOT_READY_FORMAT_IN_PROGRESS: Sense = Sense::new(0x2, 0x04, 0x04);
pub const NOT_READY_OPERATION_IN_PROGRESS: Sense = Sense::new(0x2, 0x04, 0x07);
pub const NOT_READY_LONG_WRITE: Sense = Sense::new(0x2, 0x04, 0x08);
pub const WRITE_ERROR: Sense = Sense::new(0x3, 0x0C, 0x00);
pub const UNRECOVERED_READ_ERROR: Sense = Sense::new(0x3, 0x11, 0x00);
pub const INVALID_OPCODE: Sense = Sense::new(0x5, 0x20, 0x00);
pub const LBA_OUT_OF_RANGE: Sense = Sense::new(0x5, 0x21, 0x00);
pub const INVALID_WRITE_ADDRESS: Sense = Sense::new(0x5, 0x21, 0x02);
pub const INVALID_FIELD_IN_CDB: Sense = Sense::new(0x5, 0x24, 0x00);
pub const INVALID_FIELD_IN_PARAMETERS: Sense = Sense::new(0x5, 0x26, 0x00);
pub const PARAMETER_LIST_LENGTH_ERROR: Sense = Sense::new(0x5, 0x1A, 0x00);
pub const COMMAND_SEQUENCE_ERROR: Sense = Sense::new(0x5, 0x2C, 0x00);
pub const INCOMPATIBLE_MEDIUM: Sense = Sense::new(0x5, 0x30, 0x00);
pub const CANNOT_FORMAT_MEDIUM: Sense = Sense::new(0x5, 0x30, 0x06);
pub const MEDIUM_NOT_FORMATTED: Sense = Sense::new(0x5, 0x30, 0x10);
pub const REMOVAL_PREVENTED: Sense = Sense::new(0x5, 0x53, 0x02);
pub const END_OF_USER_AREA: Sense = Sense::new(0x5, 0x63, 0x00);
pub const ILLEGAL_MODE_FOR_TRACK: Sense = Sense::new(0x5, 0x64, 0x00);
pub const SESSION_FIXATION_ERROR: Sense = Sense::new(0x5, 0x72, 0x00);
pub const INCOMPLETE_TRACK_IN_SESSION: Sense = Sense::new(0x5, 0x72, 0x03);
pub const NO_MORE_RESERVATIONS: Sense = Sense::new(0x5, 0x72, 0x05);
pub const MEDIUM_MAY_HAVE_CHANGED: Sense = Sense::new(0x6, 0x28, 0x00);
pub const POWER_ON_RESET: Sense = Sense::new(0x6, 0x29, 0x00);
pub const WRITE_PROTECTED: Sense = Sense::new(0x7, 0x27, 0x00);
pub const HARDWARE_ERROR: Sense = Sense::new(0x4, 0x44, 0x00);
