//! The full feature phase (RFC 7143 §3.2.3): SCSI commands and their data,
//! NOP, Text (SendTargets), Task Management and Logout.

use mmc::{CommandOutcome, DataDirection, ScsiStatus};

use super::{Backend, Connection, Phase, WriteTask, COMMAND_TIMEOUT, MAX_TRANSFER};
use crate::pdu::initiator::{
    DataOut, LogoutRequest, NopOut, ScsiCommand, TaskManagementRequest, TextRequest,
};
use crate::pdu::target::{
    DataIn, LogoutResponse, NopIn, R2t, Residual, ScsiResponse, TaskManagementResponse,
    TextResponse,
};
use crate::pdu::{lun_number, Pdu, RESERVED_TAG};
use crate::{text, Error};

/// SCSI opcodes the target answers itself rather than the LUN.
const INQUIRY: u8 = 0x12;
const REPORT_LUNS: u8 = 0xa0;

/// Fixed-format sense: ILLEGAL REQUEST, LOGICAL UNIT NOT SUPPORTED (05/25/00).
const LUN_NOT_SUPPORTED: [u8; 18] = [0x70, 0, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x25, 0, 0, 0, 0, 0];
/// Fixed-format sense: ILLEGAL REQUEST, INVALID FIELD IN CDB (05/24/00).
const INVALID_FIELD: [u8; 18] = [0x70, 0, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0, 0, 0, 0, 0];

/// The CDB's length from its group code (SPC-4 4.2.5.1); 16 for the
/// reserved and vendor groups.
fn cdb_len(opcode: u8) -> usize {
    match opcode >> 5 {
        0 => 6,
        1 | 2 => 10,
        5 => 12,
        _ => 16,
    }
}

impl Connection {
    /// Starts a SCSI command: runs it at once, or asks for its write data.
    pub(super) fn start(
        &mut self,
        command: ScsiCommand,
        backend: &mut dyn Backend,
        out: &mut Vec<Pdu>,
    ) {
        let cdb = &command.cdb[..cdb_len(command.cdb[0])];
        let length = command.expected_length;
        if (command.read && command.write) || length > MAX_TRANSFER {
            // Bidirectional commands are not MMC; oversized transfers are refused.
            return self.finish(
                &command,
                CommandOutcome::check_condition(INVALID_FIELD.to_vec(), length as usize),
                0,
                out,
            );
        }
        if lun_number(command.lun) != 0 {
            let (outcome, data) = other_lun(cdb, length);
            return self.finish_read(&command, outcome, data, out);
        }
        if cdb[0] == REPORT_LUNS {
            // The target's LUN inventory (SPC-4 6.33): one LUN, 0.
            let mut list = vec![0u8; 16];
            list[3] = 8;
            return self.finish_read(&command, CommandOutcome::good(0), list, out);
        }
        if command.write {
            let mut buffer = vec![0u8; length as usize];
            let immediate = command.data.len().min(buffer.len());
            buffer[..immediate].copy_from_slice(&command.data[..immediate]);
            let ttt = self.take_ttt();
            self.write = Some(WriteTask {
                command,
                buffer,
                received: immediate,
                ttt,
                r2t_count: 0,
            });
            return self.continue_write(backend, out);
        }
        let mut buffer = vec![0u8; if command.read { length as usize } else { 0 }];
        let direction = if command.read {
            DataDirection::FromDevice(&mut buffer)
        } else {
            DataDirection::None
        };
        let outcome = backend.execute(cdb, direction, COMMAND_TIMEOUT);
        match outcome {
            Ok(outcome) => {
                let sent = buffer.len().saturating_sub(outcome.residual);
                buffer.truncate(sent);
                self.finish_read(&command, outcome, buffer, out)
            }
            Err(err) => self.target_failure(&command, &err, 0, out),
        }
    }

    /// Runs commands that came while a write waited for data.
    pub(super) fn run_queued(&mut self, backend: &mut dyn Backend, out: &mut Vec<Pdu>) {
        while self.write.is_none() {
            let Some(command) = self.queued.pop_front() else {
                break;
            };
            self.start(command, backend, out);
        }
    }

    fn take_ttt(&mut self) -> u32 {
        let ttt = self.next_ttt;
        self.next_ttt = match self.next_ttt.wrapping_add(1) {
            RESERVED_TAG => 1,
            next => next,
        };
        ttt
    }

    /// Asks for the next burst of write data with an R2T (§11.8), or runs the
    /// write once all of it is there.
    fn continue_write(&mut self, backend: &mut dyn Backend, out: &mut Vec<Pdu>) {
        let max_burst = self.params.max_burst_length as usize;
        let Some(task) = self.write.as_mut() else {
            return;
        };
        if task.received < task.buffer.len() {
            let length = (task.buffer.len() - task.received).min(max_burst);
            let r2t = R2t {
                lun: task.command.lun,
                itt: task.command.itt,
                ttt: task.ttt,
                seq: Default::default(),
                r2t_sn: task.r2t_count,
                offset: task.received as u32,
                length: length as u32,
            };
            task.r2t_count += 1;
            // An R2T carries the next StatSN without taking it (§11.8.3).
            let seq = self.seq(false);
            out.push(R2t { seq, ..r2t }.emit());
            return;
        }
        let task = self.write.take().expect("checked above");
        let cdb = &task.command.cdb[..cdb_len(task.command.cdb[0])];
        match backend.execute(cdb, DataDirection::ToDevice(&task.buffer), COMMAND_TIMEOUT) {
            Ok(outcome) => {
                let residual = outcome.residual;
                self.finish(&task.command, outcome, task.r2t_count, out);
                if residual > 0 {
                    tracing::debug!(
                        "iSCSI: write ITT {} left {residual} bytes",
                        task.command.itt
                    );
                }
            }
            Err(err) => self.target_failure(&task.command, &err, task.r2t_count, out),
        }
    }

    /// Takes one Data-Out PDU of the waiting write (§11.7).
    pub(super) fn data_out(
        &mut self,
        data: DataOut,
        backend: &mut dyn Backend,
        out: &mut Vec<Pdu>,
    ) -> Result<(), Error> {
        let Some(task) = self.write.as_mut() else {
            return Err(Error::Protocol(format!(
                "Data-Out for ITT {:#x} with no write waiting",
                data.itt
            )));
        };
        if data.itt != task.command.itt || (data.ttt != task.ttt && data.ttt != RESERVED_TAG) {
            return Err(Error::Protocol(format!(
                "Data-Out for ITT {:#x} TTT {:#x} while ITT {:#x} TTT {:#x} waits",
                data.itt, data.ttt, task.command.itt, task.ttt
            )));
        }
        let offset = data.offset as usize;
        let end = offset + data.data.len();
        if offset != task.received || end > task.buffer.len() {
            return Err(Error::Protocol(format!(
                "Data-Out of {} bytes at offset {offset}: expected offset {} of a {}-byte write",
                data.data.len(),
                task.received,
                task.buffer.len()
            )));
        }
        task.buffer[offset..end].copy_from_slice(&data.data);
        task.received = end;
        if data.final_ {
            self.continue_write(backend, out);
        }
        Ok(())
    }

    /// Sends read data as Data-In PDUs, then the status: in the last Data-In
    /// when GOOD (§11.7.4 "phase collapse"), else in a SCSI Response.
    fn finish_read(
        &mut self,
        command: &ScsiCommand,
        outcome: CommandOutcome,
        data: Vec<u8>,
        out: &mut Vec<Pdu>,
    ) {
        let good = outcome.status == ScsiStatus::Good;
        let data = if command.read { data } else { Vec::new() };
        let total = data.len().min(command.expected_length as usize);
        if total == 0 || !good {
            return self.finish(command, outcome, 0, out);
        }
        let segment = self.params.initiator_max_recv_data_segment_length as usize;
        let burst = self.params.max_burst_length as usize;
        let residual = residual(command.expected_length, total);
        let mut offset = 0;
        let mut data_sn = 0;
        while offset < total {
            // A PDU never crosses a burst boundary; the last of each burst has F set (§11.7.1).
            let burst_end = (offset / burst + 1) * burst;
            let end = (offset + segment).min(burst_end).min(total);
            let last = end == total;
            let seq = if last {
                self.seq(true)
            } else {
                self.seq_without_status()
            };
            out.push(
                DataIn {
                    final_: last || end == burst_end,
                    status: last.then_some(outcome.status.to_byte()),
                    lun: command.lun,
                    itt: command.itt,
                    seq,
                    data_sn,
                    offset: offset as u32,
                    residual: if last { residual } else { Residual::None },
                    data: data[offset..end].to_vec(),
                }
                .emit(),
            );
            offset = end;
            data_sn += 1;
        }
    }

    /// ExpCmdSN/MaxCmdSN with a reserved (zero) StatSN, for Data-In without status.
    fn seq_without_status(&mut self) -> crate::pdu::target::SeqNums {
        let mut seq = self.seq(false);
        seq.stat_sn = 0;
        seq
    }

    /// Sends a SCSI Response with status, residual and sense data (§11.4).
    fn finish(
        &mut self,
        command: &ScsiCommand,
        outcome: CommandOutcome,
        data_pdus: u32,
        out: &mut Vec<Pdu>,
    ) {
        let moved = (command.expected_length as usize).saturating_sub(outcome.residual);
        let residual = if command.read || command.write {
            residual(command.expected_length, moved)
        } else {
            Residual::None
        };
        let sense = if outcome.status == ScsiStatus::CheckCondition {
            outcome.sense
        } else {
            Vec::new()
        };
        let response = ScsiResponse {
            response: 0,
            status: outcome.status.to_byte(),
            itt: command.itt,
            seq: self.seq(true),
            exp_data_sn: data_pdus,
            residual,
            sense,
        };
        out.push(response.emit());
    }

    /// The device could not be reached: Response 0x01 "Target Failure" (§11.4.3).
    fn target_failure(
        &mut self,
        command: &ScsiCommand,
        err: &mmc::TransportError,
        data_pdus: u32,
        out: &mut Vec<Pdu>,
    ) {
        tracing::warn!(
            "iSCSI: CDB {:02x?} failed: {err}",
            &command.cdb[..cdb_len(command.cdb[0])]
        );
        let response = ScsiResponse {
            response: 0x01,
            status: 0,
            itt: command.itt,
            seq: self.seq(true),
            exp_data_sn: data_pdus,
            residual: Residual::None,
            sense: Vec::new(),
        };
        out.push(response.emit());
    }

    pub(super) fn nop(&mut self, nop: NopOut) -> Vec<Pdu> {
        self.count_command(nop.immediate, nop.cmd_sn);
        if !nop.wants_reply() {
            return Vec::new();
        }
        // The ping's data comes back (§11.19.4); StatSN advances for a reply (§11.19.3).
        vec![NopIn {
            lun: nop.lun,
            itt: nop.itt,
            ttt: RESERVED_TAG,
            seq: self.seq(true),
            data: nop.data,
        }
        .emit()]
    }

    /// Text Request: SendTargets (§12.3, Appendix C); other keys are not understood.
    pub(super) fn text(&mut self, request: TextRequest) -> Vec<Pdu> {
        self.count_command(request.immediate, request.cmd_sn);
        let pairs = text::parse(&request.data).unwrap_or_default();
        let mut answers: Vec<(String, String)> = Vec::new();
        for (key, value) in &pairs {
            if key == "SendTargets" {
                if value == "All" || value == &self.config.target_name || value.is_empty() {
                    answers.push(("TargetName".into(), self.config.target_name.clone()));
                    answers.push(("TargetAddress".into(), format!("{},1", self.config.address)));
                }
            } else {
                answers.push((key.clone(), "NotUnderstood".into()));
            }
        }
        let mut data = text::emit(&answers);
        data.truncate(self.params.initiator_max_recv_data_segment_length as usize);
        vec![TextResponse {
            final_: true,
            continue_: false,
            lun: request.lun,
            itt: request.itt,
            ttt: RESERVED_TAG,
            seq: self.seq(true),
            data,
        }
        .emit()]
    }

    /// Task management (§11.5): commands finish before the next PDU is read, so
    /// only a write waiting for data can be aborted.
    pub(super) fn task_management(&mut self, request: TaskManagementRequest) -> Vec<Pdu> {
        self.count_command(request.immediate, request.cmd_sn);
        let response = match request.function {
            // ABORT TASK: done if it waits, "task does not exist" otherwise... the
            // RFC asks for "function complete" when the task is already gone (§11.6.1).
            1 => {
                if self
                    .write
                    .as_ref()
                    .is_some_and(|t| t.command.itt == request.referenced_task_tag)
                {
                    self.write = None;
                }
                self.queued.retain(|c| c.itt != request.referenced_task_tag);
                0
            }
            // ABORT TASK SET, CLEAR TASK SET, LOGICAL UNIT RESET, TARGET WARM RESET.
            2 | 4 | 5 | 6 => {
                self.write = None;
                self.queued.clear();
                0
            }
            _ => 5, // function not supported
        };
        vec![TaskManagementResponse {
            response,
            itt: request.itt,
            seq: self.seq(true),
        }
        .emit()]
    }

    pub(super) fn logout(&mut self, request: LogoutRequest) -> Vec<Pdu> {
        self.count_command(request.immediate, request.cmd_sn);
        self.write = None;
        self.queued.clear();
        let response = LogoutResponse {
            response: 0,
            itt: request.itt,
            seq: self.seq(true),
            time2wait: 0,
            time2retain: 0,
        };
        self.phase = Phase::Closed;
        tracing::info!(
            "iSCSI: {} logged out",
            self.initiator.as_deref().unwrap_or("?")
        );
        vec![response.emit()]
    }
}

fn residual(expected: u32, moved: usize) -> Residual {
    let moved = moved.min(u32::MAX as usize) as u32;
    if moved < expected {
        Residual::Underflow(expected - moved)
    } else {
        Residual::None
    }
}

/// A LUN other than 0: INQUIRY says "no device here" (peripheral qualifier 3,
/// SPC-4 6.6.2), everything else gets 05/25/00.
fn other_lun(cdb: &[u8], expected_length: u32) -> (CommandOutcome, Vec<u8>) {
    if cdb[0] != INQUIRY {
        let outcome =
            CommandOutcome::check_condition(LUN_NOT_SUPPORTED.to_vec(), expected_length as usize);
        return (outcome, Vec::new());
    }
    let mut data = vec![0u8; 36];
    data[0] = 0x7f;
    data[2] = 0x05;
    data[3] = 0x02;
    data[4] = 31;
    (CommandOutcome::good(0), data)
}
