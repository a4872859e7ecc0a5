//! Running commands over a [`Transport`]: the data-in rule (mmc.md §1.7),
//! BUSY and unit-attention retries, WRITE resends on 2/04/08, and the polling
//! of long operations (mmc.md §7). Sans-I/O except for what the transport does;
//! sleeps go through [`RetryPolicy`] / [`PollOptions`] so tests can make them zero.

use std::fmt;
use std::time::{Duration, Instant};

use crate::cdb::{opcode, opcode_name, Cdb, ReadDiscInformation, RequestSense, TestUnitReady};
use crate::sense::{Sense, SenseKey};
use crate::transport::{CommandOutcome, DataDirection, ScsiStatus, Transport, TransportError};
use crate::ParseError;

/// Command timeouts in use (mmc.md §1.6, libburn `spc.h`).
pub mod timeouts {
    use std::time::Duration;
    /// Most commands.
    pub const NORMAL: Duration = Duration::from_secs(30);
    /// WRITE(10)/(12).
    pub const WRITE: Duration = Duration::from_secs(200);
    /// SYNC CACHE / CLOSE / BLANK / FORMAT with Immed (then poll).
    pub const IMMED: Duration = Duration::from_secs(200);
    /// CLOSE / SYNC CACHE without Immed; also the polling deadline after them.
    pub const CLOSE_OR_SYNC: Duration = Duration::from_secs(3600);
    /// BLANK / FORMAT without Immed; also the polling deadline after them.
    pub const BLANK_OR_FORMAT: Duration = Duration::from_secs(5 * 3600);
    /// Loading a medium.
    pub const LOAD: Duration = Duration::from_secs(300);
}

/// A command the device answered with CHECK CONDITION.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenseError {
    pub device: String,
    pub opcode: u8,
    pub sense: Sense,
    /// For a block command (READ, WRITE, VERIFY, ...): the block it failed
    /// at, from the sense's INFORMATION field, else where the command started.
    pub lba: Option<u64>,
}

impl SenseError {
    /// The error of `cdb`, as the device named `device` answered it.
    pub fn new(device: String, cdb: &[u8], sense: Sense) -> SenseError {
        let command_lba = crate::cdb::Command::parse(cdb)
            .ok()
            .and_then(|c| c.lba())
            .map(u64::from);
        SenseError {
            device,
            opcode: cdb.first().copied().unwrap_or(0),
            lba: command_lba.map(|at| sense.information.unwrap_or(at)),
            sense,
        }
    }
}

impl fmt::Display for SenseError {
    /// `/dev/sr0: WRITE(10) at LBA 6304: 3/0C/00 MEDIUM ERROR, WRITE ERROR: the disc ...`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.device, opcode_name(self.opcode))?;
        if let Some(lba) = self.lba {
            write!(f, " at LBA {lba}")?;
        }
        write!(f, ": {}", self.sense)
    }
}

impl std::error::Error for SenseError {}

/// Errors of command execution.
#[derive(Debug, thiserror::Error)]
pub enum MmcError {
    /// The command could not be delivered.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The device answered CHECK CONDITION.
    #[error(transparent)]
    Sense(Box<SenseError>),
    /// A status other than GOOD / CHECK CONDITION that retries did not clear.
    #[error("{device}: {command}: SCSI status {status:?}")]
    Status {
        device: String,
        command: &'static str,
        status: ScsiStatus,
    },
    /// The answer could not be decoded.
    #[error("{device}: {command}: {source}")]
    Parse {
        device: String,
        command: &'static str,
        source: ParseError,
    },
    /// A long operation did not finish in time.
    #[error("{device}: {what} did not finish within {waited:?}")]
    Timeout {
        device: String,
        what: String,
        waited: Duration,
    },
    /// A request the caller built is not valid (buffer not a block multiple, ...).
    #[error("{device}: {message}")]
    Invalid { device: String, message: String },
}

impl MmcError {
    /// The sense data, if the device answered CHECK CONDITION.
    pub fn sense(&self) -> Option<&Sense> {
        match self {
            MmcError::Sense(e) => Some(&e.sense),
            _ => None,
        }
    }

    /// True for 5/20/00 and 5/24/00: the drive does not do this command (or
    /// this form of it). Callers fall back.
    pub fn is_unsupported(&self) -> bool {
        self.sense().is_some_and(Sense::is_unsupported)
    }

    fn parse(t: &dyn Transport, op: u8, source: ParseError) -> MmcError {
        MmcError::Parse {
            device: t.device_name(),
            command: opcode_name(op),
            source,
        }
    }
}

/// Retries applied to one command.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// SCSI BUSY: resend this many times, sleeping `busy_delay` between (mmc.md §1.3 step 6).
    pub busy_retries: u32,
    pub busy_delay: Duration,
    /// 6/28/xx, 6/29/xx, 6/2A/xx: resend at once this many times (mmc.md §4 step 1).
    pub unit_attention_retries: u32,
    /// B/xx/xx aborted command: resend this many times.
    pub aborted_retries: u32,
    /// WRITE answered 2/04/08 (buffer full): resend the same CDB for at most
    /// this long, sleeping 1..25 ms, growing (mmc.md §7).
    pub long_write_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            busy_retries: 20,
            busy_delay: Duration::from_millis(500),
            unit_attention_retries: 3,
            aborted_retries: 2,
            long_write_wait: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries at all: every answer is reported as the device gave it
    /// (for tests that check a device's own behaviour).
    pub fn none() -> Self {
        RetryPolicy {
            busy_retries: 0,
            busy_delay: Duration::ZERO,
            unit_attention_retries: 0,
            aborted_retries: 0,
            long_write_wait: Duration::ZERO,
        }
    }

    /// No sleeping at all (for tests and emulated drives).
    pub fn immediate() -> Self {
        RetryPolicy {
            busy_delay: Duration::ZERO,
            long_write_wait: Duration::from_millis(50),
            ..Self::default()
        }
    }
}

enum Phase<'a> {
    None,
    Out(&'a [u8]),
    In(&'a mut [u8]),
}

/// Sends `cdb` until it succeeds or fails for good; returns the outcome of the
/// last GOOD attempt.
fn run(
    t: &mut dyn Transport,
    cdb: &[u8],
    mut phase: Phase<'_>,
    timeout: Duration,
    policy: &RetryPolicy,
) -> Result<CommandOutcome, MmcError> {
    let op = cdb.first().copied().unwrap_or(0);
    let mut busy = 0;
    let mut unit_attentions = 0;
    let mut aborted = 0;
    let mut long_write_since: Option<Instant> = None;
    let mut long_write_sleep = Duration::from_millis(1);
    loop {
        let data = match &mut phase {
            Phase::None => DataDirection::None,
            Phase::Out(b) => DataDirection::ToDevice(b),
            Phase::In(b) => DataDirection::FromDevice(&mut b[..]),
        };
        let outcome = t.execute(cdb, data, timeout)?;
        match outcome.status {
            ScsiStatus::Good => return Ok(outcome),
            ScsiStatus::Busy if busy < policy.busy_retries => {
                busy += 1;
                std::thread::sleep(policy.busy_delay);
            }
            ScsiStatus::CheckCondition => {
                let sense = match Sense::parse(&outcome.sense) {
                    Ok(sense) => sense,
                    Err(_) => {
                        return Err(MmcError::Status {
                            device: t.device_name(),
                            command: opcode_name(op),
                            status: outcome.status,
                        })
                    }
                };
                if sense.is_retryable_unit_attention()
                    && unit_attentions < policy.unit_attention_retries
                {
                    unit_attentions += 1;
                    tracing::debug!(device = %t.device_name(), %sense, "unit attention, resending {}", opcode_name(op));
                    continue;
                }
                if sense.key == SenseKey::AbortedCommand && aborted < policy.aborted_retries {
                    aborted += 1;
                    continue;
                }
                if sense.is_long_write_in_progress()
                    && matches!(op, opcode::WRITE_10 | opcode::WRITE_12)
                {
                    let since = *long_write_since.get_or_insert_with(Instant::now);
                    if since.elapsed() < policy.long_write_wait {
                        std::thread::sleep(long_write_sleep);
                        long_write_sleep = (long_write_sleep * 2).min(Duration::from_millis(25));
                        continue;
                    }
                }
                return Err(MmcError::Sense(Box::new(SenseError::new(
                    t.device_name(),
                    cdb,
                    sense,
                ))));
            }
            status => {
                return Err(MmcError::Status {
                    device: t.device_name(),
                    command: opcode_name(op),
                    status,
                });
            }
        }
    }
}

/// Runs a command without data phase.
pub fn execute_none(t: &mut dyn Transport, cdb: &Cdb, timeout: Duration) -> Result<(), MmcError> {
    execute_none_with(t, cdb, timeout, &RetryPolicy::default())
}

pub fn execute_none_with(
    t: &mut dyn Transport,
    cdb: &Cdb,
    timeout: Duration,
    policy: &RetryPolicy,
) -> Result<(), MmcError> {
    run(t, cdb, Phase::None, timeout, policy).map(|_| ())
}

/// Runs a command that sends `data` to the device.
pub fn execute_out(
    t: &mut dyn Transport,
    cdb: &Cdb,
    data: &[u8],
    timeout: Duration,
) -> Result<(), MmcError> {
    execute_out_with(t, cdb, data, timeout, &RetryPolicy::default())
}

pub fn execute_out_with(
    t: &mut dyn Transport,
    cdb: &Cdb,
    data: &[u8],
    timeout: Duration,
    policy: &RetryPolicy,
) -> Result<(), MmcError> {
    run(t, cdb, Phase::Out(data), timeout, policy).map(|_| ())
}

/// Runs a data-in command with `alloc_len` bytes of buffer (which must equal
/// the CDB's allocation length, mmc.md §1.7) and returns the bytes actually
/// received (allocation length minus residual).
pub fn execute_in(
    t: &mut dyn Transport,
    cdb: &Cdb,
    alloc_len: usize,
    timeout: Duration,
) -> Result<Vec<u8>, MmcError> {
    execute_in_with(t, cdb, alloc_len, timeout, &RetryPolicy::default())
}

pub fn execute_in_with(
    t: &mut dyn Transport,
    cdb: &Cdb,
    alloc_len: usize,
    timeout: Duration,
    policy: &RetryPolicy,
) -> Result<Vec<u8>, MmcError> {
    let mut buf = vec![0u8; alloc_len];
    let outcome = run(t, cdb, Phase::In(&mut buf), timeout, policy)?;
    buf.truncate(alloc_len.saturating_sub(outcome.residual));
    Ok(buf)
}

/// Runs a data-in command into a caller buffer (READ); returns bytes received.
pub fn execute_in_buf(
    t: &mut dyn Transport,
    cdb: &Cdb,
    buf: &mut [u8],
    timeout: Duration,
    policy: &RetryPolicy,
) -> Result<usize, MmcError> {
    let len = buf.len();
    let outcome = run(t, cdb, Phase::In(buf), timeout, policy)?;
    Ok(len.saturating_sub(outcome.residual))
}

/// Largest allocation length asked for by [`query`] (2-byte fields; even).
pub const MAX_ALLOCATION: usize = 0xFFFE;

/// The data-in rule (mmc.md §1.7): asks `header_len` bytes to learn the full
/// length from the answer's leading length field, then asks exactly that
/// (capped at [`MAX_ALLOCATION`]). `build` makes the CDB for an allocation
/// length; `total_length` reads the full length from a header.
pub fn query(
    t: &mut dyn Transport,
    build: impl Fn(u16) -> Cdb,
    header_len: usize,
    total_length: impl Fn(&[u8]) -> Option<usize>,
    timeout: Duration,
) -> Result<Vec<u8>, MmcError> {
    let first = build(header_len as u16);
    let head = execute_in(t, &first, header_len, timeout)?;
    let total = match total_length(&head) {
        Some(total) => total.min(MAX_ALLOCATION),
        None => return Ok(head),
    };
    if total <= head.len() {
        let mut head = head;
        head.truncate(total);
        return Ok(head);
    }
    let second = build(total as u16);
    execute_in(t, &second, total, timeout)
}

/// Progress of a long operation, passed to the poller's callback.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// 0.0..1.0 when the drive reports it (sense bytes 16-17 with SKSV).
    pub fraction: Option<f64>,
    /// The "in progress" sense of the last poll.
    pub sense: Sense,
    pub elapsed: Duration,
}

/// How to wait for a long operation (mmc.md §7).
#[derive(Debug, Clone)]
pub struct PollOptions {
    /// Sleep before the first poll (the drive may not report busy yet).
    pub initial_delay: Duration,
    /// Sleep between polls.
    pub interval: Duration,
    /// Give up after this long.
    pub deadline: Duration,
    /// Unchanged 2/04/00 for this long counts as finished (libburn: dumb adapters).
    pub not_ready_grace: Duration,
    /// After TUR says GOOD, check with READ DISC INFORMATION that the drive is
    /// really done (some answer GOOD to TUR while still closing).
    pub barrier: bool,
    /// Ask REQUEST SENSE for progress when TUR's sense has none.
    pub request_sense_progress: bool,
}

impl PollOptions {
    /// Options for waiting up to `deadline`, polling every half second.
    pub fn new(deadline: Duration) -> PollOptions {
        PollOptions {
            initial_delay: Duration::from_millis(500),
            interval: Duration::from_millis(500),
            deadline,
            not_ready_grace: Duration::from_secs(5),
            barrier: true,
            request_sense_progress: true,
        }
    }

    /// No sleeping; for tests and emulated drives.
    pub fn immediate(max_polls_time: Duration) -> PollOptions {
        PollOptions {
            initial_delay: Duration::ZERO,
            interval: Duration::ZERO,
            deadline: max_polls_time,
            not_ready_grace: Duration::from_millis(50),
            barrier: true,
            request_sense_progress: true,
        }
    }
}

enum PollAnswer {
    Ready,
    Busy(Sense),
    Failed(Sense),
}

fn poll_once(t: &mut dyn Transport, cdb: &Cdb, alloc_len: usize) -> Result<PollAnswer, MmcError> {
    let mut buf = vec![0u8; alloc_len];
    let data = if alloc_len == 0 {
        DataDirection::None
    } else {
        DataDirection::FromDevice(&mut buf)
    };
    let outcome = t.execute(cdb, data, timeouts::NORMAL)?;
    match outcome.status {
        ScsiStatus::Good => Ok(PollAnswer::Ready),
        ScsiStatus::Busy => Ok(PollAnswer::Busy(Sense::new(SenseKey::NotReady, 0x04, 0x00))),
        ScsiStatus::CheckCondition => match Sense::parse(&outcome.sense) {
            Ok(s)
                if s.is_in_progress()
                    || s.code() == (2, 0x04, 0x00)
                    || s.is_retryable_unit_attention() =>
            {
                Ok(PollAnswer::Busy(s))
            }
            Ok(s) => Ok(PollAnswer::Failed(s)),
            Err(_) => Err(MmcError::Status {
                device: t.device_name(),
                command: opcode_name(cdb.opcode()),
                status: outcome.status,
            }),
        },
        status => Err(MmcError::Status {
            device: t.device_name(),
            command: opcode_name(cdb.opcode()),
            status,
        }),
    }
}

/// Waits until the drive finishes a long operation (after Immed SYNC CACHE,
/// CLOSE, BLANK, FORMAT, or a load), as mmc.md §7 describes: TEST UNIT READY
/// until GOOD, progress from the sense, then a READ DISC INFORMATION barrier.
/// `what` names the operation in a timeout error.
pub fn wait_ready(
    t: &mut dyn Transport,
    what: &str,
    options: &PollOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), MmcError> {
    let start = Instant::now();
    let tur = TestUnitReady.to_cdb();
    let rdi = ReadDiscInformation {
        data_type: 0,
        allocation_length: 34,
    }
    .to_cdb();
    let mut plain_not_ready_since: Option<Instant> = None;
    let mut unit_attentions = 0u32;
    std::thread::sleep(options.initial_delay);
    loop {
        if start.elapsed() > options.deadline {
            return Err(MmcError::Timeout {
                device: t.device_name(),
                what: what.to_string(),
                waited: start.elapsed(),
            });
        }
        let mut answer = poll_once(t, &tur, 0)?;
        if matches!(answer, PollAnswer::Ready) && options.barrier {
            answer = match poll_once(t, &rdi, 34)? {
                // The barrier may fail for reasons unrelated to the wait (a
                // blank or unformatted medium, a drive without the command).
                PollAnswer::Failed(_) => PollAnswer::Ready,
                PollAnswer::Busy(s) if s.is_retryable_unit_attention() => PollAnswer::Ready,
                other => other,
            };
        }
        match answer {
            PollAnswer::Ready => return Ok(()),
            PollAnswer::Failed(sense) => {
                return Err(MmcError::Sense(Box::new(SenseError {
                    device: t.device_name(),
                    opcode: opcode::TEST_UNIT_READY,
                    sense,
                    lba: None,
                })))
            }
            PollAnswer::Busy(sense) if sense.is_retryable_unit_attention() => {
                // Repeat at once the first time; a drive that keeps reporting
                // unit attentions is polled at the normal pace, not spun on.
                unit_attentions += 1;
                if unit_attentions > 1 {
                    std::thread::sleep(options.interval);
                }
                continue;
            }
            PollAnswer::Busy(sense) => {
                if sense.code() == (2, 0x04, 0x00) {
                    let since = *plain_not_ready_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= options.not_ready_grace {
                        return Ok(());
                    }
                } else {
                    plain_not_ready_since = None;
                }
                let mut fraction = sense.progress.map(|p| f64::from(p) / 65536.0);
                if fraction.is_none() && options.request_sense_progress {
                    fraction = request_sense_progress(t);
                }
                progress(Progress {
                    fraction,
                    sense,
                    elapsed: start.elapsed(),
                });
                std::thread::sleep(options.interval);
            }
        }
    }
}

/// REQUEST SENSE as a progress fallback (growisofs `wait_for_unit`).
fn request_sense_progress(t: &mut dyn Transport) -> Option<f64> {
    let cdb = RequestSense::default().to_cdb();
    let mut buf = [0u8; 18];
    let outcome = t
        .execute(&cdb, DataDirection::FromDevice(&mut buf), timeouts::NORMAL)
        .ok()?;
    if outcome.status != ScsiStatus::Good {
        return None;
    }
    let got = 18usize.saturating_sub(outcome.residual);
    Sense::parse(&buf[..got])
        .ok()?
        .progress
        .map(|p| f64::from(p) / 65536.0)
}

pub(crate) fn parse_with<T>(
    t: &dyn Transport,
    op: u8,
    bytes: &[u8],
    parse: impl FnOnce(&[u8]) -> Result<T, ParseError>,
) -> Result<T, MmcError> {
    parse(bytes).map_err(|e| MmcError::parse(t, op, e))
}
