//! Faults armed on the drive (see [`crate::fault`]) and the busy state of
//! Immed operations (mmc.md §7): what fires when, and the answers they force.

use mmc::sense::codes as sense;
use mmc::Sense;

use super::{Recorder, Reply};
use crate::fault::{Fault, Trigger};

/// An Immed operation still running: the NOT READY sense polls see.
pub(super) struct Busy {
    pub(super) sense: Sense,
    pub(super) total: u32,
    pub(super) left: u32,
}

pub(super) struct ArmedFault {
    pub(super) fault: Fault,
    /// Absolute command / write count at which a counted fault fires.
    pub(super) fire_at: Option<(bool, u64)>,
}

impl Recorder {
    /// Arms a fault; counted triggers count from now.
    pub fn inject(&mut self, fault: Fault) {
        match fault {
            Fault::Slow { per_command } => self.slow = Some(per_command),
            Fault::ImmedPolls { polls } => self.immed_polls = polls,
            Fault::BusyEvery { writes } => self.busy_every = Some(writes.max(1)),
            Fault::TurGoodWhileBusy => self.tur_good_while_busy = true,
            Fault::Drive(personality) => self.set_personality(personality),
            Fault::MaxTransfer { blocks } => self.max_transfer = Some(blocks.max(1)),
            other => {
                let fire_at = match &other {
                    Fault::PowerLoss { at }
                    | Fault::Reset { at }
                    | Fault::MediumRemoved { at, .. }
                    | Fault::Busy { at, .. } => Some(match *at {
                        Trigger::Command(n) => (false, self.commands_seen + n.max(1)),
                        Trigger::Write(n) => (true, self.writes_seen + n.max(1)),
                    }),
                    _ => None,
                };
                self.faults.push(ArmedFault {
                    fault: other,
                    fire_at,
                });
            }
        }
    }

    /// Sets how many polls an Immed operation stays busy for (0: done at once).
    pub fn set_immed_polls(&mut self, polls: u32) {
        self.immed_polls = polls;
    }

    pub(super) fn start_busy(&mut self, sense: Sense) {
        if self.immed_polls > 0 {
            self.busy = Some(Busy {
                sense,
                total: self.immed_polls,
                left: self.immed_polls,
            });
        }
    }

    /// The busy sense with progress, counting one poll.
    pub(super) fn poll_busy(&mut self) -> Option<Sense> {
        let busy = self.busy.as_mut()?;
        let done = u64::from(busy.total - busy.left);
        let progress = (done * 65_536 / u64::from(busy.total.max(1))).min(65_535) as u16;
        let answer = busy.sense.with_progress(progress);
        busy.left -= 1;
        if busy.left == 0 {
            self.busy = None;
        }
        Some(answer)
    }

    /// Fires counted faults due at this command.
    fn fire_faults(&mut self, is_write: bool) -> Option<Reply> {
        let mut reply = None;
        let mut index = 0;
        while index < self.faults.len() {
            let due = match self.faults[index].fire_at {
                Some((true, n)) => is_write && self.writes_seen == n,
                Some((false, n)) => self.commands_seen == n,
                None => false,
            };
            if !due {
                index += 1;
                continue;
            }
            let armed = self.faults.remove(index);
            let writes_only = matches!(armed.fire_at, Some((true, _)));
            match armed.fault {
                Fault::PowerLoss { .. } => {
                    tracing::info!("{}: injected power loss", self.name);
                    self.revert_to_persisted();
                    self.reset_drive();
                    self.pending_attention = None;
                    self.removed_left = 0;
                    self.present = true;
                    reply = Some(Reply::Check(sense::POWER_ON_RESET));
                }
                Fault::Reset { .. } => {
                    tracing::info!("{}: injected reset", self.name);
                    self.reset_drive();
                    self.pending_attention = None;
                    reply = Some(Reply::Check(sense::POWER_ON_RESET));
                }
                Fault::MediumRemoved { commands, .. } => {
                    tracing::info!("{}: injected medium removal", self.name);
                    self.revert_to_persisted();
                    self.busy = None;
                    self.test_track = None;
                    self.removed_left = commands.max(1);
                    self.present = false;
                    self.media_event = 3;
                }
                Fault::Busy { polls, .. } => self.busy_fault = Some((polls.max(1), writes_only)),
                _ => {}
            }
        }
        reply
    }

    /// The answer forced by the faults due at this command, if any: counted
    /// faults (power loss, reset, removal, busy), an armed busy spell, and
    /// `busy_every` refusing every Nth WRITE once with 2/04/08.
    pub(super) fn fault_reply(&mut self, is_write: bool) -> Option<Reply> {
        if let Some(reply) = self.fire_faults(is_write) {
            return Some(reply);
        }
        if let Some((left, writes_only)) = self.busy_fault {
            if is_write || !writes_only {
                self.busy_fault = (left > 1).then_some((left - 1, writes_only));
                return Some(Reply::Check(sense::NOT_READY_LONG_WRITE));
            }
        }
        None
    }

    /// `busy_every`: every Nth WRITE is refused once with 2/04/08; its resend passes.
    pub(super) fn busy_every_reply(&mut self, is_write: bool) -> Option<Reply> {
        let every = self.busy_every?;
        if is_write
            && self.writes_seen.is_multiple_of(every)
            && self.busy_every_refused != self.writes_seen
        {
            // Count the resend as the same WRITE: it goes through.
            self.busy_every_refused = self.writes_seen + 1;
            return Some(Reply::Check(sense::NOT_READY_LONG_WRITE));
        }
        None
    }

    /// Whether an armed read error lies in `lba..lba + count`.
    pub(super) fn read_fault(&self, lba: u64, count: u64) -> bool {
        self.faults.iter().any(|armed| {
            matches!(armed.fault, Fault::ReadError { lba: bad } if bad >= lba && bad < lba + count)
        })
    }

    /// Disarms and reports an armed write error in `lba..lba + count` (it fires once).
    pub(super) fn take_write_fault(&mut self, lba: u64, count: u64) -> bool {
        let due = self.faults.iter().position(|armed| {
            matches!(armed.fault, Fault::WriteError { lba: bad } if bad >= lba && bad < lba + count)
        });
        match due {
            Some(index) => {
                self.faults.remove(index);
                true
            }
            None => false,
        }
    }
}
