//! Sense data (SPC-3 4.5; mmc.md §1.4, §6): fixed (70h/71h) and descriptor
//! (72h/73h) formats, parse and build, with key/ASC/ASCQ decoded to text.

use std::fmt;

use crate::bytes::{be16, be32, bit, put16, put32};

code_enum! {
    /// Sense key (SPC-3 4.5.6; mmc.md §6 "Keys").
    SenseKey: u8 {
        NoSense = 0x0,
        RecoveredError = 0x1,
        NotReady = 0x2,
        MediumError = 0x3,
        HardwareError = 0x4,
        IllegalRequest = 0x5,
        UnitAttention = 0x6,
        DataProtect = 0x7,
        BlankCheck = 0x8,
        VendorSpecific = 0x9,
        CopyAborted = 0xA,
        AbortedCommand = 0xB,
        VolumeOverflow = 0xD,
        Miscompare = 0xE,
    }
}

impl SenseKey {
    /// The SPC name of the key ("ILLEGAL REQUEST").
    pub fn name(self) -> &'static str {
        match self {
            SenseKey::NoSense => "NO SENSE",
            SenseKey::RecoveredError => "RECOVERED ERROR",
            SenseKey::NotReady => "NOT READY",
            SenseKey::MediumError => "MEDIUM ERROR",
            SenseKey::HardwareError => "HARDWARE ERROR",
            SenseKey::IllegalRequest => "ILLEGAL REQUEST",
            SenseKey::UnitAttention => "UNIT ATTENTION",
            SenseKey::DataProtect => "DATA PROTECT",
            SenseKey::BlankCheck => "BLANK CHECK",
            SenseKey::VendorSpecific => "VENDOR SPECIFIC",
            SenseKey::CopyAborted => "COPY ABORTED",
            SenseKey::AbortedCommand => "ABORTED COMMAND",
            SenseKey::VolumeOverflow => "VOLUME OVERFLOW",
            SenseKey::Miscompare => "MISCOMPARE",
            SenseKey::Other(_) => "RESERVED SENSE KEY",
        }
    }
}

/// Layout of sense bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SenseFormat {
    /// Response code 70h (current) / 71h (deferred).
    Fixed,
    /// Response code 72h (current) / 73h (deferred).
    Descriptor,
}

/// Decoded sense data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sense {
    pub format: SenseFormat,
    /// Response code 71h/73h: the error belongs to an earlier command.
    pub deferred: bool,
    pub key: SenseKey,
    /// Additional sense code (fixed byte 12, descriptor byte 2).
    pub asc: u8,
    /// Additional sense code qualifier (fixed byte 13, descriptor byte 3).
    pub ascq: u8,
    /// The INFORMATION field when VALID is set (often the failing LBA).
    pub information: Option<u64>,
    /// COMMAND-SPECIFIC INFORMATION (fixed format bytes 8-11; 0 when none).
    pub command_specific: u32,
    /// Progress indication 0..=65535 of 65536 (sense key specific field with
    /// SKSV set, key NO SENSE or NOT READY; mmc.md §1.4, §7).
    pub progress: Option<u16>,
}

/// Sense bytes that are not SPC sense data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed sense data: {0}")]
pub struct SenseParseError(pub &'static str);

/// Length of fixed-format sense data as built here.
pub const FIXED_SENSE_LEN: usize = 18;

impl Sense {
    /// Current, fixed-format sense with this key/ASC/ASCQ.
    pub const fn new(key: SenseKey, asc: u8, ascq: u8) -> Sense {
        Sense {
            format: SenseFormat::Fixed,
            deferred: false,
            key,
            asc,
            ascq,
            information: None,
            command_specific: 0,
            progress: None,
        }
    }

    /// Same sense with a progress indication (0..=65535 of 65536).
    pub fn with_progress(mut self, progress: u16) -> Sense {
        self.progress = Some(progress);
        self
    }

    /// Same sense with the INFORMATION field set.
    pub fn with_information(mut self, information: u64) -> Sense {
        self.information = Some(information);
        self
    }

    /// Parses fixed or descriptor sense data.
    pub fn parse(data: &[u8]) -> Result<Sense, SenseParseError> {
        let first = *data.first().ok_or(SenseParseError("empty"))?;
        match first & 0x7F {
            0x70 | 0x71 => {
                // Fixed format: key at 2, ASC/ASCQ at 12/13 (SPC-3 4.5.3).
                if data.len() < 3 {
                    return Err(SenseParseError("fixed sense shorter than 3 bytes"));
                }
                let key = SenseKey::from(data[2] & 0x0F);
                let asc = data.get(12).copied().unwrap_or(0);
                let ascq = data.get(13).copied().unwrap_or(0);
                let information = if bit(first, 7) && data.len() >= 7 {
                    Some(u64::from(be32(data, 3)))
                } else {
                    None
                };
                let progress = if data.len() >= 18
                    && bit(data[15], 7)
                    && matches!(key, SenseKey::NoSense | SenseKey::NotReady)
                {
                    Some(be16(data, 16))
                } else {
                    None
                };
                let command_specific = if data.len() >= 12 { be32(data, 8) } else { 0 };
                Ok(Sense {
                    format: SenseFormat::Fixed,
                    deferred: first & 0x7F == 0x71,
                    key,
                    asc,
                    ascq,
                    information,
                    command_specific,
                    progress,
                })
            }
            0x72 | 0x73 => {
                // Descriptor format: key 1, ASC 2, ASCQ 3, descriptors from 8 (SPC-3 4.5.2).
                if data.len() < 4 {
                    return Err(SenseParseError("descriptor sense shorter than 4 bytes"));
                }
                let key = SenseKey::from(data[1] & 0x0F);
                let mut sense = Sense {
                    format: SenseFormat::Descriptor,
                    deferred: first & 0x7F == 0x73,
                    key,
                    asc: data[2],
                    ascq: data[3],
                    information: None,
                    command_specific: 0,
                    progress: None,
                };
                let additional = data.get(7).copied().unwrap_or(0) as usize;
                let end = (8 + additional).min(data.len());
                let mut at = 8;
                while at + 2 <= end {
                    let kind = data[at];
                    let len = data[at + 1] as usize;
                    let desc = &data[at..(at + 2 + len).min(end)];
                    match kind {
                        // Information descriptor: 2 b7 VALID, 4-11 information.
                        0x00 if desc.len() >= 12 && bit(desc[2], 7) => {
                            sense.information = Some(u64::from_be_bytes([
                                desc[4], desc[5], desc[6], desc[7], desc[8], desc[9], desc[10],
                                desc[11],
                            ]));
                        }
                        // Command-specific information: 4-11 (the low 32 bits kept).
                        0x01 if desc.len() >= 12 => {
                            sense.command_specific = be32(desc, 8);
                        }
                        // Sense key specific: 4 b7 SKSV, 5-6 progress.
                        0x02 if desc.len() >= 7 && bit(desc[4], 7) => {
                            if matches!(key, SenseKey::NoSense | SenseKey::NotReady) {
                                sense.progress = Some(be16(desc, 5));
                            }
                        }
                        _ => {}
                    }
                    at += 2 + len;
                }
                Ok(sense)
            }
            _ => Err(SenseParseError("unknown response code")),
        }
    }

    /// Builds 18 bytes of fixed-format sense (SPC-3 4.5.3).
    pub fn to_fixed(&self) -> [u8; FIXED_SENSE_LEN] {
        let mut b = [0u8; FIXED_SENSE_LEN];
        b[0] = if self.deferred { 0x71 } else { 0x70 };
        b[2] = u8::from(self.key) & 0x0F;
        if let Some(info) = self.information {
            b[0] |= 0x80;
            put32(&mut b, 3, info as u32);
        }
        b[7] = (FIXED_SENSE_LEN - 8) as u8;
        put32(&mut b, 8, self.command_specific);
        b[12] = self.asc;
        b[13] = self.ascq;
        if let Some(progress) = self.progress {
            b[15] = 0x80;
            put16(&mut b, 16, progress);
        }
        b
    }

    /// Builds descriptor-format sense (SPC-3 4.5.2) with an information and a
    /// sense-key-specific descriptor when those fields are set.
    pub fn to_descriptor(&self) -> Vec<u8> {
        let mut b = vec![0u8; 8];
        b[0] = if self.deferred { 0x73 } else { 0x72 };
        b[1] = u8::from(self.key) & 0x0F;
        b[2] = self.asc;
        b[3] = self.ascq;
        if let Some(info) = self.information {
            let mut d = [0u8; 12];
            d[0] = 0x00;
            d[1] = 0x0A;
            d[2] = 0x80;
            d[4..12].copy_from_slice(&info.to_be_bytes());
            b.extend_from_slice(&d);
        }
        if self.command_specific != 0 {
            let mut d = [0u8; 12];
            d[0] = 0x01;
            d[1] = 0x0A;
            put32(&mut d, 8, self.command_specific);
            b.extend_from_slice(&d);
        }
        if let Some(progress) = self.progress {
            let mut d = [0u8; 8];
            d[0] = 0x02;
            d[1] = 0x06;
            d[4] = 0x80;
            put16(&mut d, 5, progress);
            b.extend_from_slice(&d);
        }
        b[7] = (b.len() - 8) as u8;
        b
    }

    /// Builds sense in this value's own format.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self.format {
            SenseFormat::Fixed => self.to_fixed().to_vec(),
            SenseFormat::Descriptor => self.to_descriptor(),
        }
    }

    /// The SPC text of the ASC/ASCQ ("INVALID ADDRESS FOR WRITE").
    pub fn description(&self) -> &'static str {
        asc_text(self.asc, self.ascq)
    }

    /// Advice for this condition when mmc.md §6 gives one.
    pub fn hint(&self) -> Option<&'static str> {
        asc_hint(u8::from(self.key), self.asc, self.ascq)
    }

    /// Key/ASC/ASCQ as a triple.
    pub fn code(&self) -> (u8, u8, u8) {
        (u8::from(self.key), self.asc, self.ascq)
    }

    /// True for the "operation in progress" family a poller waits out
    /// (2/04/01, 04, 07, 08; 6/2E/00) (mmc.md §7).
    pub fn is_in_progress(&self) -> bool {
        matches!(
            (self.key, self.asc, self.ascq),
            (SenseKey::NotReady, 0x04, 0x01 | 0x04 | 0x07 | 0x08)
                | (SenseKey::UnitAttention, 0x2E, 0x00)
        )
    }

    /// True for 2/04/08 LONG WRITE IN PROGRESS (drive buffer full on WRITE).
    pub fn is_long_write_in_progress(&self) -> bool {
        self.code() == (0x2, 0x04, 0x08)
    }

    /// True for 2/3A/xx (no medium).
    pub fn is_no_medium(&self) -> bool {
        self.key == SenseKey::NotReady && self.asc == 0x3A
    }

    /// True for a unit attention that a command can simply be repeated after:
    /// 6/28/00 medium may have changed, 6/29/xx reset, 6/2A/xx parameters changed.
    pub fn is_retryable_unit_attention(&self) -> bool {
        self.key == SenseKey::UnitAttention && matches!(self.asc, 0x28..=0x2A)
    }

    /// True for 5/20/00 (invalid opcode) and 5/24/00 (invalid field in CDB):
    /// the device does not support the command or the requested form of it.
    pub fn is_unsupported(&self) -> bool {
        self.key == SenseKey::IllegalRequest
            && matches!((self.asc, self.ascq), (0x20, 0x00) | (0x24, 0x00))
    }
}

impl fmt::Display for Sense {
    /// `5/21/02 ILLEGAL REQUEST, INVALID ADDRESS FOR WRITE: write not at the
    /// next writable address`: key, code and qualifier as numbers and in words.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:X}/{:02X}/{:02X} {}, {}",
            u8::from(self.key),
            self.asc,
            self.ascq,
            self.key.name(),
            self.description()
        )?;
        if let Some(hint) = self.hint() {
            write!(f, ": {hint}")?;
        }
        if let Some(p) = self.progress {
            write!(f, " [{:.1}% done]", f64::from(p) * 100.0 / 65536.0)?;
        }
        Ok(())
    }
}

/// SPC-3 / MMC-5 text of an ASC/ASCQ pair; for an unknown qualifier the text of
/// the code's generic (ASCQ 00h) entry, else a generic description.
pub fn asc_text(asc: u8, ascq: u8) -> &'static str {
    if let Some(&(_, _, text)) = ASC_TABLE.iter().find(|&&(a, q, _)| a == asc && q == ascq) {
        return text;
    }
    if let Some(&(_, _, text)) = ASC_TABLE.iter().find(|&&(a, q, _)| a == asc && q == 0) {
        return text;
    }
    "UNKNOWN ADDITIONAL SENSE CODE"
}

/// ASC/ASCQ texts (SPC-3 annex D, MMC-5 annex F; the codes mmc.md §6 lists and
/// the common SPC ones).
static ASC_TABLE: &[(u8, u8, &str)] = &[
    (0x00, 0x00, "NO ADDITIONAL SENSE INFORMATION"),
    (0x00, 0x16, "OPERATION IN PROGRESS"),
    (0x02, 0x00, "NO SEEK COMPLETE"),
    (0x04, 0x00, "LOGICAL UNIT NOT READY, CAUSE NOT REPORTABLE"),
    (0x04, 0x01, "LOGICAL UNIT IS IN PROCESS OF BECOMING READY"),
    (
        0x04,
        0x02,
        "LOGICAL UNIT NOT READY, INITIALIZING COMMAND REQUIRED",
    ),
    (
        0x04,
        0x03,
        "LOGICAL UNIT NOT READY, MANUAL INTERVENTION REQUIRED",
    ),
    (0x04, 0x04, "LOGICAL UNIT NOT READY, FORMAT IN PROGRESS"),
    (0x04, 0x07, "LOGICAL UNIT NOT READY, OPERATION IN PROGRESS"),
    (0x04, 0x08, "LOGICAL UNIT NOT READY, LONG WRITE IN PROGRESS"),
    (0x05, 0x00, "LOGICAL UNIT DOES NOT RESPOND TO SELECTION"),
    (0x06, 0x00, "NO REFERENCE POSITION FOUND"),
    (0x08, 0x00, "LOGICAL UNIT COMMUNICATION FAILURE"),
    (0x09, 0x00, "TRACK FOLLOWING ERROR"),
    (0x0C, 0x00, "WRITE ERROR"),
    (0x0C, 0x07, "WRITE ERROR - RECOVERY NEEDED"),
    (0x0C, 0x09, "WRITE ERROR - LOSS OF STREAMING"),
    (0x0C, 0x0A, "WRITE ERROR - PADDING BLOCKS ADDED"),
    (0x11, 0x00, "UNRECOVERED READ ERROR"),
    (0x11, 0x05, "L-EC UNCORRECTABLE ERROR"),
    (0x11, 0x06, "CIRC UNRECOVERED ERROR"),
    (0x15, 0x00, "RANDOM POSITIONING ERROR"),
    (0x1A, 0x00, "PARAMETER LIST LENGTH ERROR"),
    (0x20, 0x00, "INVALID COMMAND OPERATION CODE"),
    (0x21, 0x00, "LOGICAL BLOCK ADDRESS OUT OF RANGE"),
    (0x21, 0x02, "INVALID ADDRESS FOR WRITE"),
    (0x21, 0x03, "INVALID WRITE CROSSING LAYER JUMP"),
    (0x24, 0x00, "INVALID FIELD IN CDB"),
    (0x25, 0x00, "LOGICAL UNIT NOT SUPPORTED"),
    (0x26, 0x00, "INVALID FIELD IN PARAMETER LIST"),
    (0x26, 0x01, "PARAMETER NOT SUPPORTED"),
    (0x26, 0x02, "PARAMETER VALUE INVALID"),
    (0x27, 0x00, "WRITE PROTECTED"),
    (
        0x28,
        0x00,
        "NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED",
    ),
    (0x29, 0x00, "POWER ON, RESET, OR BUS DEVICE RESET OCCURRED"),
    (0x29, 0x01, "POWER ON OCCURRED"),
    (0x29, 0x02, "SCSI BUS RESET OCCURRED"),
    (0x29, 0x03, "BUS DEVICE RESET FUNCTION OCCURRED"),
    (0x29, 0x04, "DEVICE INTERNAL RESET"),
    (0x2A, 0x00, "PARAMETERS CHANGED"),
    (0x2A, 0x01, "MODE PARAMETERS CHANGED"),
    (0x2C, 0x00, "COMMAND SEQUENCE ERROR"),
    (0x2E, 0x00, "INSUFFICIENT TIME FOR OPERATION"),
    (0x30, 0x00, "INCOMPATIBLE MEDIUM INSTALLED"),
    (0x30, 0x01, "CANNOT READ MEDIUM - UNKNOWN FORMAT"),
    (0x30, 0x02, "CANNOT READ MEDIUM - INCOMPATIBLE FORMAT"),
    (0x30, 0x04, "CANNOT WRITE MEDIUM - UNKNOWN FORMAT"),
    (0x30, 0x05, "CANNOT WRITE MEDIUM - INCOMPATIBLE FORMAT"),
    (0x30, 0x06, "CANNOT FORMAT MEDIUM - INCOMPATIBLE MEDIUM"),
    (0x30, 0x08, "CANNOT WRITE - APPLICATION CODE MISMATCH"),
    (0x30, 0x09, "CURRENT SESSION NOT FIXATED FOR APPEND"),
    (0x30, 0x10, "MEDIUM NOT FORMATTED"),
    (0x31, 0x00, "MEDIUM FORMAT CORRUPTED"),
    (0x31, 0x01, "FORMAT COMMAND FAILED"),
    (0x3A, 0x00, "MEDIUM NOT PRESENT"),
    (0x3A, 0x01, "MEDIUM NOT PRESENT - TRAY CLOSED"),
    (0x3A, 0x02, "MEDIUM NOT PRESENT - TRAY OPEN"),
    (0x3E, 0x00, "LOGICAL UNIT HAS NOT SELF-CONFIGURED YET"),
    (0x44, 0x00, "INTERNAL TARGET FAILURE"),
    (0x47, 0x00, "SCSI PARITY ERROR"),
    (0x4E, 0x00, "OVERLAPPED COMMANDS ATTEMPTED"),
    (0x51, 0x00, "ERASE FAILURE"),
    (0x53, 0x00, "MEDIA LOAD OR EJECT FAILED"),
    (0x53, 0x02, "MEDIUM REMOVAL PREVENTED"),
    (0x57, 0x00, "UNABLE TO RECOVER TABLE-OF-CONTENTS"),
    (0x5A, 0x01, "OPERATOR MEDIUM REMOVAL REQUEST"),
    (0x5D, 0x00, "FAILURE PREDICTION THRESHOLD EXCEEDED"),
    (0x63, 0x00, "END OF USER AREA ENCOUNTERED ON THIS TRACK"),
    (0x63, 0x01, "PACKET DOES NOT FIT IN AVAILABLE SPACE"),
    (0x64, 0x00, "ILLEGAL MODE FOR THIS TRACK"),
    (0x64, 0x01, "INVALID PACKET SIZE"),
    (0x72, 0x00, "SESSION FIXATION ERROR"),
    (0x72, 0x01, "SESSION FIXATION ERROR WRITING LEAD-IN"),
    (0x72, 0x02, "SESSION FIXATION ERROR WRITING LEAD-OUT"),
    (
        0x72,
        0x03,
        "SESSION FIXATION ERROR - INCOMPLETE TRACK IN SESSION",
    ),
    (0x72, 0x04, "EMPTY OR PARTIALLY WRITTEN RESERVED TRACK"),
    (0x72, 0x05, "NO MORE TRACK RESERVATIONS ALLOWED"),
    (0x73, 0x00, "CD CONTROL ERROR"),
    (0x73, 0x01, "POWER CALIBRATION AREA ALMOST FULL"),
    (0x73, 0x02, "POWER CALIBRATION AREA IS FULL"),
    (0x73, 0x03, "POWER CALIBRATION AREA ERROR"),
    (0x73, 0x04, "PROGRAM MEMORY AREA UPDATE FAILURE"),
    (0x73, 0x05, "PROGRAM MEMORY AREA IS FULL"),
    (0x73, 0x06, "RMA/PMA IS ALMOST FULL"),
];

/// Short advice for the burner-relevant conditions of mmc.md §6.
fn asc_hint(key: u8, asc: u8, ascq: u8) -> Option<&'static str> {
    Some(match (key, asc, ascq) {
        (0x2, 0x3A, _) => "no disc in the drive",
        (0x2, 0x04, 0x01) => "the drive is getting ready; try again shortly",
        (0x2, 0x04, 0x04) => "the disc is being formatted",
        (0x2, 0x04, 0x07) => "the drive is busy with a long operation",
        (0x2, 0x04, 0x08) => "the drive is still writing its buffer",
        (0x3, 0x0C, 0x09) => "buffer underrun while writing",
        (0x3, 0x0C, _) => "the disc could not be written",
        (0x3, 0x11, _) => "the disc could not be read at this address",
        (0x5, 0x20, 0x00) => "the drive does not support this command",
        (0x5, 0x21, 0x00) => "address beyond the end of the medium",
        (0x5, 0x21, 0x02) => "write not at the next writable address, or the disc is closed",
        (0x5, 0x24, 0x00) => "the drive does not support this form of the command",
        (0x5, 0x26, _) => "the drive rejected the parameters (write mode, format or speed)",
        (0x5, 0x2C, 0x00) => "command out of sequence for the drive's current state",
        (0x5, 0x30, 0x06) => "this medium cannot be formatted",
        (0x5, 0x30, 0x09) => "the last session is not closed, cannot append",
        (0x5, 0x30, 0x10) => "the medium is not formatted",
        (0x5, 0x30, _) => "the medium does not suit this operation",
        (0x5, 0x53, 0x02) => "the tray is locked",
        (0x5, 0x63, 0x00) => "the data does not fit on the track",
        (0x5, 0x64, 0x00) => "write mode not allowed for this track or medium",
        (0x5, 0x72, 0x03) => "close the open track before closing the session",
        (0x5, 0x72, 0x04) => "a reserved track is empty or partly written",
        (0x5, 0x72, 0x05) => "no more tracks can be reserved",
        (0x6, 0x28, 0x00) => "the medium may have changed",
        (0x6, 0x29, _) => "the drive was reset",
        (0x7, 0x27, 0x00) => "the medium is write protected",
        (0xB, _, _) => "the command was aborted; it may be retried",
        _ => return None,
    })
}

/// The sense codes a drive raises and burners act on (mmc.md §6), as one
/// table both sides use: the emulator answers with them, tests compare with
/// them.
pub mod codes {
    use super::{Sense, SenseKey};

    const fn code(key: SenseKey, asc: u8, ascq: u8) -> Sense {
        Sense::new(key, asc, ascq)
    }

    pub const NO_SENSE: Sense = code(SenseKey::NoSense, 0x00, 0x00);
    pub const NOT_READY_NO_MEDIUM: Sense = code(SenseKey::NotReady, 0x3A, 0x00);
    pub const NOT_READY_TRAY_OPEN: Sense = code(SenseKey::NotReady, 0x3A, 0x01);
    pub const NOT_READY_FORMAT_IN_PROGRESS: Sense = code(SenseKey::NotReady, 0x04, 0x04);
    pub const NOT_READY_OPERATION_IN_PROGRESS: Sense = code(SenseKey::NotReady, 0x04, 0x07);
    pub const NOT_READY_LONG_WRITE: Sense = code(SenseKey::NotReady, 0x04, 0x08);
    pub const WRITE_ERROR: Sense = code(SenseKey::MediumError, 0x0C, 0x00);
    pub const UNRECOVERED_READ_ERROR: Sense = code(SenseKey::MediumError, 0x11, 0x00);
    pub const HARDWARE_ERROR: Sense = code(SenseKey::HardwareError, 0x44, 0x00);
    pub const PARAMETER_LIST_LENGTH_ERROR: Sense = code(SenseKey::IllegalRequest, 0x1A, 0x00);
    pub const INVALID_OPCODE: Sense = code(SenseKey::IllegalRequest, 0x20, 0x00);
    pub const LBA_OUT_OF_RANGE: Sense = code(SenseKey::IllegalRequest, 0x21, 0x00);
    pub const INVALID_WRITE_ADDRESS: Sense = code(SenseKey::IllegalRequest, 0x21, 0x02);
    pub const INVALID_FIELD_IN_CDB: Sense = code(SenseKey::IllegalRequest, 0x24, 0x00);
    pub const INVALID_FIELD_IN_PARAMETERS: Sense = code(SenseKey::IllegalRequest, 0x26, 0x00);
    pub const COMMAND_SEQUENCE_ERROR: Sense = code(SenseKey::IllegalRequest, 0x2C, 0x00);
    pub const INCOMPATIBLE_MEDIUM: Sense = code(SenseKey::IllegalRequest, 0x30, 0x00);
    pub const CANNOT_FORMAT_MEDIUM: Sense = code(SenseKey::IllegalRequest, 0x30, 0x06);
    pub const MEDIUM_NOT_FORMATTED: Sense = code(SenseKey::IllegalRequest, 0x30, 0x10);
    pub const SAVING_PARAMETERS_NOT_SUPPORTED: Sense = code(SenseKey::IllegalRequest, 0x39, 0x00);
    pub const REMOVAL_PREVENTED: Sense = code(SenseKey::IllegalRequest, 0x53, 0x02);
    pub const END_OF_USER_AREA: Sense = code(SenseKey::IllegalRequest, 0x63, 0x00);
    pub const ILLEGAL_MODE_FOR_TRACK: Sense = code(SenseKey::IllegalRequest, 0x64, 0x00);
    pub const SESSION_FIXATION_ERROR: Sense = code(SenseKey::IllegalRequest, 0x72, 0x00);
    pub const INCOMPLETE_TRACK_IN_SESSION: Sense = code(SenseKey::IllegalRequest, 0x72, 0x03);
    pub const EMPTY_OR_PARTIAL_TRACK: Sense = code(SenseKey::IllegalRequest, 0x72, 0x04);
    pub const NO_MORE_RESERVATIONS: Sense = code(SenseKey::IllegalRequest, 0x72, 0x05);
    pub const MEDIUM_MAY_HAVE_CHANGED: Sense = code(SenseKey::UnitAttention, 0x28, 0x00);
    pub const POWER_ON_RESET: Sense = code(SenseKey::UnitAttention, 0x29, 0x00);
    pub const WRITE_PROTECTED: Sense = code(SenseKey::DataProtect, 0x27, 0x00);
    pub const ABORTED_COMMAND: Sense = code(SenseKey::AbortedCommand, 0x00, 0x00);
}
