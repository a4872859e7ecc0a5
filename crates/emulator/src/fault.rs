//! Fault injection: failures a real recorder shows, armed through
//! [`crate::Recorder::inject`] or the `DISCBURN_EMU_FAULTS` environment variable.
//!
//! # Syntax of `DISCBURN_EMU_FAULTS`
//!
//! Faults separated by `;`, each `NAME[@TRIGGER][,KEY=VALUE...]` or `NAME=VALUE`:
//!
//! | fault | effect (sense reported) |
//! |---|---|
//! | `write_error@lba=N` | the first WRITE covering LBA N fails with 3/0C/00, nothing of it is recorded |
//! | `read_error@lba=N` | every READ covering LBA N fails with 3/11/00 |
//! | `power_loss@write=N` / `@cmd=N` | at the Nth WRITE / command: power is lost; that command returns 6/29/00, written but unsynced blocks and the open track's unsynced progress are lost (state returns to the last SYNCHRONIZE CACHE / CLOSE), mode pages revert |
//! | `reset@write=N` / `@cmd=N` | drive reset: that command returns 6/29/00, mode pages revert to defaults, the medium keeps its state |
//! | `medium_removed@cmd=N[,for=K]` (or `@write=N`) | the medium is pulled: K commands (default 1) from the Nth get 2/3A/00, unsynced data is lost; then it is reinserted and the next command gets 6/28/00 |
//! | `busy@write=N[,polls=K]` (or `@cmd=N`) | the Nth WRITE (or command) and the next K-1 attempts get 2/04/08 "long write in progress"; resending succeeds after |
//! | `slow=DURATION` | every command takes that long (`5ms`, `1s`, `250us`) |
//! | `immed_polls=K` | Immed SYNC CACHE/CLOSE/BLANK/FORMAT stay busy for K polls (default 2) |
//! | `busy_every=K` | every Kth WRITE first gets 2/04/08 (drive buffer full); resending succeeds |
//! | `drive=NAME` | the medium is in another drive: `recorder`, `qemu-ide`, `qemu-scsi` or `tgt` (see [`crate::personality`]) |
//! | `max_transfer=N` | a command whose data buffer exceeds N blocks fails in the transport as the kernel's EIO (QEMU IDE: 64) |
//! | `tur_good_while_busy` | TEST UNIT READY answers GOOD while an Immed operation still runs, as some Pioneer drives do; other commands still see the busy sense (mmc.md §7 barrier) |
//!
//! Counts start at 1 and are counted from the moment the fault is armed (the
//! medium's opening, for the environment variable).

use std::time::Duration;

/// When a counted fault fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// At the Nth command of any kind.
    Command(u64),
    /// At the Nth WRITE(10/12) command.
    Write(u64),
}

/// A failure to inject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The first WRITE covering `lba` fails with 3/0C/00 (one shot).
    WriteError { lba: u64 },
    /// READs covering `lba` fail with 3/11/00 (persistent).
    ReadError { lba: u64 },
    /// Power loss: unsynced writes are lost, 6/29/00.
    PowerLoss { at: Trigger },
    /// Drive reset: 6/29/00, mode pages to defaults.
    Reset { at: Trigger },
    /// Medium removed for `commands` commands (2/3A/00), then reinserted (6/28/00).
    MediumRemoved { at: Trigger, commands: u32 },
    /// 2/04/08 for `polls` attempts.
    Busy { at: Trigger, polls: u32 },
    /// Every command is delayed.
    Slow { per_command: Duration },
    /// Polls an Immed operation stays busy for.
    ImmedPolls { polls: u32 },
    /// Every `writes`th WRITE is first refused with 2/04/08.
    BusyEvery { writes: u64 },
    /// TEST UNIT READY says GOOD during Immed operations (Pioneer quirk).
    TurGoodWhileBusy,
    /// Another drive personality.
    Drive(crate::personality::Personality),
    /// Largest data buffer of one command, in blocks.
    MaxTransfer { blocks: u64 },
}

/// The environment variable the CLI reads faults from.
pub const FAULTS_ENV: &str = "DISCBURN_EMU_FAULTS";

fn parse_number(text: &str, what: &str) -> Result<u64, String> {
    text.trim()
        .parse::<u64>()
        .map_err(|_| format!("{what}: {text:?} is not a number"))
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (digits, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let value = parse_number(digits, "duration")?;
    match unit {
        "us" => Ok(Duration::from_micros(value)),
        "ms" | "" => Ok(Duration::from_millis(value)),
        "s" => Ok(Duration::from_secs(value)),
        other => Err(format!("duration unit {other:?} unknown (use us, ms or s)")),
    }
}

impl Fault {
    /// Parses one fault (`write_error@lba=1234`, `slow=5ms`, ...).
    pub fn parse(text: &str) -> Result<Fault, String> {
        let text = text.trim();
        if let Some(value) = text.strip_prefix("slow=") {
            return Ok(Fault::Slow {
                per_command: parse_duration(value)?,
            });
        }
        if let Some(value) = text.strip_prefix("drive=") {
            return value.trim().parse().map(Fault::Drive);
        }
        if let Some(value) = text.strip_prefix("max_transfer=") {
            let blocks = parse_number(value, "max_transfer")?;
            if blocks == 0 {
                return Err("max_transfer must be at least 1 block".to_string());
            }
            return Ok(Fault::MaxTransfer { blocks });
        }
        if text == "tur_good_while_busy" {
            return Ok(Fault::TurGoodWhileBusy);
        }
        if let Some(value) = text.strip_prefix("busy_every=") {
            let writes = parse_number(value, "busy_every")?;
            if writes == 0 {
                return Err("busy_every must be at least 1".to_string());
            }
            return Ok(Fault::BusyEvery { writes });
        }
        if let Some(value) = text.strip_prefix("immed_polls=") {
            let polls = parse_number(value, "immed_polls")?;
            return Ok(Fault::ImmedPolls {
                polls: u32::try_from(polls).map_err(|_| "immed_polls too large")?,
            });
        }
        let (name, rest) = text
            .split_once('@')
            .ok_or_else(|| format!("fault {text:?}: expected NAME@TRIGGER"))?;
        let mut parts = rest.split(',');
        let (key, value) = parts
            .next()
            .and_then(|p| p.split_once('='))
            .ok_or_else(|| {
                format!("fault {text:?}: expected a trigger like write=3, cmd=10 or lba=1234")
            })?;
        let number = parse_number(value, key)?;
        let extra = |wanted: &str, default: u32| -> Result<u32, String> {
            for part in parts.clone() {
                if let Some((k, v)) = part.split_once('=') {
                    if k.trim() == wanted {
                        return u32::try_from(parse_number(v, wanted)?)
                            .map_err(|_| format!("{wanted} too large"));
                    }
                }
            }
            Ok(default)
        };
        let trigger = match key.trim() {
            "write" => Some(Trigger::Write(number)),
            "cmd" => Some(Trigger::Command(number)),
            "lba" => None,
            other => return Err(format!("fault {text:?}: unknown trigger {other:?}")),
        };
        let need_trigger =
            || trigger.ok_or_else(|| format!("fault {text:?}: needs write=N or cmd=N"));
        let need_lba = || {
            if trigger.is_none() {
                Ok(number)
            } else {
                Err(format!("fault {text:?}: needs lba=N"))
            }
        };
        match name.trim() {
            "write_error" => Ok(Fault::WriteError { lba: need_lba()? }),
            "read_error" => Ok(Fault::ReadError { lba: need_lba()? }),
            "power_loss" => Ok(Fault::PowerLoss {
                at: need_trigger()?,
            }),
            "reset" => Ok(Fault::Reset {
                at: need_trigger()?,
            }),
            "medium_removed" => Ok(Fault::MediumRemoved {
                at: need_trigger()?,
                commands: extra("for", 1)?.max(1),
            }),
            "busy" => Ok(Fault::Busy {
                at: need_trigger()?,
                polls: extra("polls", 1)?.max(1),
            }),
            other => Err(format!("unknown fault {other:?}")),
        }
    }

    /// Parses a `;`-separated list (the value of [`FAULTS_ENV`]).
    pub fn parse_list(text: &str) -> Result<Vec<Fault>, String> {
        text.split(';')
            .filter(|part| !part.trim().is_empty())
            .map(Fault::parse)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_examples() {
        let faults = Fault::parse_list(
            "write_error@lba=1234;power_loss@write=3;slow=5ms;busy@write=2,polls=3;medium_removed@cmd=10,for=2;reset@cmd=7;busy_every=4;tur_good_while_busy",
        )
        .unwrap();
        assert_eq!(
            faults,
            vec![
                Fault::WriteError { lba: 1234 },
                Fault::PowerLoss {
                    at: Trigger::Write(3)
                },
                Fault::Slow {
                    per_command: Duration::from_millis(5)
                },
                Fault::Busy {
                    at: Trigger::Write(2),
                    polls: 3
                },
                Fault::MediumRemoved {
                    at: Trigger::Command(10),
                    commands: 2
                },
                Fault::Reset {
                    at: Trigger::Command(7)
                },
                Fault::BusyEvery { writes: 4 },
                Fault::TurGoodWhileBusy,
            ]
        );
    }

    #[test]
    fn rejects_nonsense() {
        assert!(Fault::parse("write_error@write=3").is_err());
        assert!(Fault::parse("power_loss@lba=3").is_err());
        assert!(Fault::parse("explode@cmd=1").is_err());
        assert!(Fault::parse("slow=5parsecs").is_err());
        assert!(Fault::parse("reset").is_err());
    }
}
