//! The target side of one iSCSI connection as a state machine: [`Connection::handle`]
//! takes one PDU from the initiator and returns the PDUs to send back. It does
//! no I/O; SCSI commands go to a [`Backend`].
//!
//! Sequence numbers (RFC 7143 §4.2.2): each non-immediate request advances
//! ExpCmdSN; each response with status advances StatSN. The command window is
//! one: MaxCmdSN = ExpCmdSN while idle and stays put while a write waits for
//! its data, so an initiator sends the next command only after this one's
//! status. Commands that come anyway are queued and run in order.

use std::collections::VecDeque;
use std::time::Duration;

use mmc::{CommandOutcome, DataDirection, TransportError};

use crate::login::{self, status, Limits, Params, Refusal};
use crate::pdu::initiator::{
    DataOut, LoginRequest, LogoutRequest, NopOut, ScsiCommand, Stage, TaskManagementRequest,
    TextRequest,
};
use crate::pdu::target::{LoginResponse, Reject, SeqNums};
use crate::pdu::{opcode, Pdu};
use crate::{text, Error};

/// Largest data transfer of one command this target buffers (a hostile
/// Expected Data Transfer Length must not allocate without bound).
pub const MAX_TRANSFER: u32 = 16 << 20;

/// Commands an initiator may send past the command window while a write waits
/// for its data (it should send none: MaxCmdSN says so).
const MAX_QUEUED: usize = 64;

/// How long a backend may take for one command (passed to `Transport::execute`).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(600);

/// The device behind the target's LUN 0.
pub trait Backend {
    /// Claims the LUN for a normal session of `initiator`; `Err(reason)` when
    /// another initiator holds it (the login is then refused).
    fn claim(&mut self, initiator: &str) -> Result<(), String>;
    /// Runs one SCSI command.
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataDirection<'_>,
        timeout: Duration,
    ) -> Result<CommandOutcome, TransportError>;
}

/// What the target calls itself and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetConfig {
    /// The target's iSCSI name (an IQN).
    pub target_name: String,
    /// `host:port` given in SendTargets answers.
    pub address: String,
    pub limits: Limits,
}

/// Where the connection is in its life (RFC 7143 §8.1: login phase, full
/// feature phase, then logged out or refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Login,
    FullFeature,
    /// A Logout Response or a login refusal was sent: the server closes the connection.
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionType {
    Discovery,
    Normal,
}

/// A write waiting for its Data-Out PDUs.
#[derive(Debug)]
struct WriteTask {
    command: ScsiCommand,
    buffer: Vec<u8>,
    /// Bytes received so far (data arrives in order: DataPDUInOrder=Yes).
    received: usize,
    /// Target Transfer Tag of the outstanding R2T.
    ttt: u32,
    /// R2Ts sent so far (R2TSN of the next; also what ExpDataSN counts).
    r2t_count: u32,
}

/// One connection's state: login progress, negotiated parameters, sequence
/// numbers and the command in progress.
#[derive(Debug)]
pub struct Connection {
    config: TargetConfig,
    phase: Phase,
    session_type: Option<SessionType>,
    initiator: Option<String>,
    params: Params,
    /// True once MaxRecvDataSegmentLength (ours) was declared in a login response.
    declared_limits: bool,
    /// True once TargetPortalGroupTag was sent (first login response of a normal session).
    sent_portal_group: bool,
    claimed: bool,
    /// Why the login was refused, once it was.
    refusal: Option<String>,
    /// Text of a login request sent in pieces (C bit).
    partial_login: Vec<u8>,
    stat_sn: u32,
    exp_cmd_sn: u32,
    write: Option<WriteTask>,
    queued: VecDeque<ScsiCommand>,
    next_ttt: u32,
}

impl Connection {
    pub fn new(config: TargetConfig) -> Connection {
        Connection {
            config,
            phase: Phase::Login,
            session_type: None,
            initiator: None,
            params: Params::default(),
            declared_limits: false,
            sent_portal_group: false,
            claimed: false,
            refusal: None,
            partial_login: Vec::new(),
            stat_sn: 0,
            exp_cmd_sn: 0,
            write: None,
            queued: VecDeque::new(),
            next_ttt: 1,
        }
    }

    /// True after a Logout Response or a refused login: close the socket.
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// True once a normal session claimed the backend (the server releases it
    /// when the connection ends).
    pub fn claimed(&self) -> bool {
        self.claimed
    }

    /// True once the login succeeded (full feature phase reached).
    pub fn logged_in(&self) -> bool {
        self.phase == Phase::FullFeature
    }

    /// Why the login was refused, if it was.
    pub fn refusal(&self) -> Option<&str> {
        self.refusal.as_deref()
    }

    /// The initiator's name, once it sent one.
    pub fn initiator(&self) -> Option<&str> {
        self.initiator.as_deref()
    }

    pub fn session_type(&self) -> Option<SessionType> {
        self.session_type
    }

    /// The negotiated parameters (defaults until login changes them).
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Largest data segment the target accepts in a PDU it receives (ours, or
    /// 8192 during login: §13.12 applies only after it).
    pub fn max_receive_segment(&self) -> usize {
        match self.phase {
            Phase::Login => 8192.max(self.config.limits.max_recv_data_segment_length as usize),
            _ => self.config.limits.max_recv_data_segment_length as usize,
        }
    }

    /// Handles one PDU from the initiator; returns what to send back, in order.
    /// An `Err` is a protocol violation after which the connection must be closed.
    pub fn handle(&mut self, pdu: &Pdu, backend: &mut dyn Backend) -> Result<Vec<Pdu>, Error> {
        match self.phase {
            Phase::Closed => Err(Error::Protocol(format!(
                "{} after the connection was closed",
                opcode::name(pdu.opcode())
            ))),
            Phase::Login => {
                if pdu.opcode() != opcode::LOGIN_REQUEST {
                    return Err(Error::Protocol(format!(
                        "{} during login (only Login Requests are allowed, RFC 7143 §6.3)",
                        opcode::name(pdu.opcode())
                    )));
                }
                self.login(&LoginRequest::parse(pdu)?, backend)
            }
            Phase::FullFeature => self.full_feature(pdu, backend),
        }
    }

    fn full_feature(&mut self, pdu: &Pdu, backend: &mut dyn Backend) -> Result<Vec<Pdu>, Error> {
        match pdu.opcode() {
            opcode::SCSI_COMMAND if self.session_type == Some(SessionType::Normal) => {
                let command = ScsiCommand::parse(pdu)?;
                self.count_command(command.immediate, command.cmd_sn);
                if self.write.is_some() {
                    if self.queued.len() >= MAX_QUEUED {
                        return Err(Error::Protocol(format!(
                            "{MAX_QUEUED} commands past the command window (MaxCmdSN)"
                        )));
                    }
                    self.queued.push_back(command);
                    return Ok(Vec::new());
                }
                let mut out = Vec::new();
                self.start(command, backend, &mut out);
                self.run_queued(backend, &mut out);
                Ok(out)
            }
            opcode::SCSI_DATA_OUT if self.session_type == Some(SessionType::Normal) => {
                let mut out = Vec::new();
                self.data_out(DataOut::parse(pdu)?, backend, &mut out)?;
                self.run_queued(backend, &mut out);
                Ok(out)
            }
            opcode::NOP_OUT => Ok(self.nop(NopOut::parse(pdu)?)),
            opcode::TEXT_REQUEST => Ok(self.text(TextRequest::parse(pdu)?)),
            opcode::TASK_MANAGEMENT_REQUEST => {
                Ok(self.task_management(TaskManagementRequest::parse(pdu)?))
            }
            opcode::LOGOUT_REQUEST => Ok(self.logout(LogoutRequest::parse(pdu)?)),
            // Reason 0x05 "Command not supported" (§11.17.1); a discovery session
            // sending SCSI gets 0x04 "Protocol Error".
            opcode::SCSI_COMMAND | opcode::SCSI_DATA_OUT => Ok(vec![self.reject(0x04, pdu)]),
            _ => Ok(vec![self.reject(0x05, pdu)]),
        }
    }

    /// StatSN/ExpCmdSN/MaxCmdSN for the next PDU; `advance` takes a StatSN.
    fn seq(&mut self, advance: bool) -> SeqNums {
        let stat_sn = self.stat_sn;
        if advance {
            self.stat_sn = self.stat_sn.wrapping_add(1);
        }
        let busy = self.write.is_some() || !self.queued.is_empty();
        SeqNums {
            stat_sn,
            exp_cmd_sn: self.exp_cmd_sn,
            max_cmd_sn: if busy {
                self.exp_cmd_sn.wrapping_sub(1)
            } else {
                self.exp_cmd_sn
            },
        }
    }

    /// A non-immediate request takes a CmdSN (§4.2.2.1).
    fn count_command(&mut self, immediate: bool, cmd_sn: u32) {
        if immediate {
            return;
        }
        if cmd_sn != self.exp_cmd_sn {
            tracing::warn!(
                "iSCSI: CmdSN {cmd_sn} where {} was expected",
                self.exp_cmd_sn
            );
        }
        self.exp_cmd_sn = cmd_sn.wrapping_add(1);
    }

    fn reject(&mut self, reason: u8, pdu: &Pdu) -> Pdu {
        tracing::warn!(
            "iSCSI: rejecting a {} (reason {reason:#04x})",
            opcode::name(pdu.opcode())
        );
        Reject {
            reason,
            seq: self.seq(true),
            header: pdu.bhs.to_vec(),
        }
        .emit()
    }

    // ---- Login (RFC 7143 §6.3, §11.12, §11.13) ----

    fn login(&mut self, req: &LoginRequest, backend: &mut dyn Backend) -> Result<Vec<Pdu>, Error> {
        if self.session_type.is_none() && self.partial_login.is_empty() {
            // First Login Request: it sets the initial CmdSN and StatSN (§11.12.8, §11.13.4).
            self.exp_cmd_sn = req.cmd_sn;
            self.stat_sn = req.exp_stat_sn;
        }
        self.partial_login.extend_from_slice(&req.data);
        if req.continue_ {
            // More text follows: acknowledge with an empty response (§11.12.2).
            return Ok(vec![self.login_response(
                req,
                false,
                Stage::SecurityNegotiation,
                Vec::new(),
            )]);
        }
        let data = std::mem::take(&mut self.partial_login);
        match self.negotiate(req, &data, backend) {
            Ok(answers) => {
                let enters_full_feature = req.transit && req.nsg == Stage::FullFeaturePhase;
                let response = self.login_response(req, req.transit, req.nsg, answers);
                if enters_full_feature {
                    self.phase = Phase::FullFeature;
                    tracing::info!(
                        "iSCSI: {} logged in ({:?} session)",
                        self.initiator.as_deref().unwrap_or("?"),
                        self.session_type.unwrap_or(SessionType::Normal)
                    );
                }
                Ok(vec![response])
            }
            Err(refusal) => {
                tracing::warn!(
                    "iSCSI: login of {} refused: {}",
                    self.initiator.as_deref().unwrap_or("an unnamed initiator"),
                    refusal.reason
                );
                self.phase = Phase::Closed;
                self.refusal = Some(refusal.reason);
                let mut response =
                    self.login_response(req, false, Stage::SecurityNegotiation, Vec::new());
                response.bhs[36] = refusal.class;
                response.bhs[37] = refusal.detail;
                Ok(vec![response])
            }
        }
    }

    /// Checks the request and answers its keys; the text of the answer.
    fn negotiate(
        &mut self,
        req: &LoginRequest,
        data: &[u8],
        backend: &mut dyn Backend,
    ) -> Result<Vec<u8>, Refusal> {
        if req.version_min > 0 {
            return Err(Refusal::initiator_error(
                status::UNSUPPORTED_VERSION,
                format!(
                    "iSCSI version {}..{} (this target speaks 0)",
                    req.version_min, req.version_max
                ),
            ));
        }
        if req.tsih != 0 {
            return Err(Refusal::initiator_error(
                status::SESSION_DOES_NOT_EXIST,
                format!(
                    "TSIH {} names no session (one connection per session)",
                    req.tsih
                ),
            ));
        }
        if matches!(req.csg, Stage::FullFeaturePhase | Stage::Reserved)
            || (req.transit && req.nsg == Stage::Reserved)
        {
            return Err(Refusal::initiator_error(
                0,
                format!("invalid login stages CSG {:?} NSG {:?}", req.csg, req.nsg),
            ));
        }
        let pairs =
            text::parse(data).map_err(|err| Refusal::initiator_error(0, err.to_string()))?;
        let first = self.session_type.is_none();
        if first {
            self.identify(&pairs, backend)?;
        }
        let mut answers: Vec<(String, String)> = Vec::new();
        for (key, value) in &pairs {
            if let Some(reply) = login::answer(key, value, &self.config.limits, &mut self.params)? {
                answers.push((key.clone(), reply));
            }
        }
        if first && self.session_type == Some(SessionType::Normal) && !self.sent_portal_group {
            // Returned in the first response of a normal session (§13.9).
            answers.push(("TargetPortalGroupTag".into(), "1".into()));
            self.sent_portal_group = true;
        }
        let operational = req.csg == Stage::LoginOperationalNegotiation
            || (req.transit && req.nsg == Stage::FullFeaturePhase);
        if operational && !self.declared_limits {
            answers.push((
                "MaxRecvDataSegmentLength".into(),
                self.config.limits.max_recv_data_segment_length.to_string(),
            ));
            self.declared_limits = true;
        }
        Ok(text::emit(&answers))
    }

    /// The first request's InitiatorName, SessionType and TargetName (§13.4-13.6, §13.21).
    fn identify(&mut self, pairs: &text::Pairs, backend: &mut dyn Backend) -> Result<(), Refusal> {
        let initiator = text::get(pairs, "InitiatorName").ok_or_else(|| {
            Refusal::initiator_error(
                status::MISSING_PARAMETER,
                "no InitiatorName in the first Login Request",
            )
        })?;
        self.initiator = Some(initiator.to_string());
        let session_type = match text::get(pairs, "SessionType").unwrap_or("Normal") {
            "Normal" => SessionType::Normal,
            "Discovery" => SessionType::Discovery,
            other => {
                return Err(Refusal::initiator_error(
                    status::SESSION_TYPE_NOT_SUPPORTED,
                    format!("SessionType={other}"),
                ))
            }
        };
        self.session_type = Some(session_type);
        if session_type == SessionType::Discovery {
            return Ok(());
        }
        match text::get(pairs, "TargetName") {
            None => Err(Refusal::initiator_error(
                status::MISSING_PARAMETER,
                "no TargetName in a normal session's first Login Request",
            )),
            Some(name) if name != self.config.target_name => Err(Refusal::initiator_error(
                status::NOT_FOUND,
                format!(
                    "no target {name} here (this is {})",
                    self.config.target_name
                ),
            )),
            Some(_) => {
                backend
                    .claim(initiator)
                    .map_err(|reason| Refusal::target_error(status::OUT_OF_RESOURCES, reason))?;
                self.claimed = true;
                Ok(())
            }
        }
    }

    fn login_response(
        &mut self,
        req: &LoginRequest,
        transit: bool,
        nsg: Stage,
        data: Vec<u8>,
    ) -> Pdu {
        let enters_full_feature = transit && nsg == Stage::FullFeaturePhase;
        LoginResponse {
            transit,
            continue_: false,
            csg: req.csg,
            nsg: if transit {
                nsg
            } else {
                Stage::SecurityNegotiation
            },
            version_max: 0,
            version_active: 0,
            isid: req.isid,
            // A new session's handle, in the last response (§11.13.3).
            tsih: if enters_full_feature { 1 } else { 0 },
            itt: req.itt,
            seq: self.seq(true),
            status_class: 0,
            status_detail: 0,
            data,
        }
        .emit()
    }
}

mod full_feature;

#[cfg(test)]
mod tests;
