//! Progress of the commands that move data through the engine (`burn`,
//! `sync`, `diff`, `verify`, `check-media`): one [`discburn::BurnObserver`] that draws the
//! bar on a terminal and prints the JSON `stage` and `progress` events
//! (docs/json.md), whichever command runs.

use serde::Serialize;

use crate::cmd::burn::Interrupt;
use crate::output::Output;

#[derive(Serialize)]
struct ProgressEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    command: &'static str,
    /// Bytes done so far, and in all.
    bytes: u64,
    total_bytes: u64,
    #[serde(flatten)]
    progress: &'a discburn::Progress,
}

pub struct Observer<'a> {
    out: &'a Output,
    pub bar: indicatif::ProgressBar,
    command: &'static str,
    interrupt: Interrupt,
    last_json: Option<std::time::Instant>,
    /// The target is a disc (a recorder or an emulated one), not an image file.
    disc: bool,
    /// The action the bar is labelled with.
    shown: Option<discburn::Action>,
}

/// How often JSON progress events are printed while data moves: well within
/// IMAPI2's 0.5 s, whatever the size of the chunk being written.
const JSON_INTERVAL_MS: u128 = 250;

impl<'a> Observer<'a> {
    /// Progress of `command` on `target` (a bar on a terminal, JSON events
    /// under `--json`); a signal caught by `interrupt` stops the engine at its
    /// next chunk (`burn`, `sync`; the reading commands exit on a signal).
    pub fn new(
        out: &'a Output,
        command: &'static str,
        target: &str,
        interrupt: Interrupt,
    ) -> Observer<'a> {
        Observer {
            out,
            bar: out.progress_bar(0, "checking the target"),
            command,
            interrupt,
            last_json: None,
            disc: target.starts_with("emu:") || target.starts_with("/dev/"),
            shown: None,
        }
    }

    /// What the bar says is being done.
    fn label(&self, action: discburn::Action) -> &'static str {
        use discburn::Action;
        match action {
            Action::Writing if self.disc => "writing to disc",
            Action::Writing => "writing image",
            Action::Verifying if self.command == "check-media" => "reading every block",
            Action::Verifying => "verifying",
            Action::Importing => "reading the previous session",
            Action::ValidatingMedia => "checking the target",
            Action::Compressing => "compressing (zisofs)",
            Action::Comparing => "comparing contents (MD5)",
            Action::Planning => "planning",
            Action::Finalizing => "finalizing",
            Action::RollingBack => "undoing the write",
            Action::Completed => "done",
        }
    }
}

impl discburn::BurnObserver for Observer<'_> {
    fn progress(&mut self, event: &discburn::Progress) {
        use discburn::Action;
        // Data moving: the bar shows bytes; JSON has `progress` events.
        let moving = matches!(
            event.action,
            Action::Writing | Action::Verifying | Action::Comparing
        );
        let changed = self.shown != Some(event.action);
        if changed {
            self.shown = Some(event.action);
            self.bar.set_message(self.label(event.action));
        }
        if moving {
            self.bar
                .set_length(event.sectors_total * fsimage::BLOCK_SIZE as u64);
            self.bar
                .set_position(event.sectors_done * fsimage::BLOCK_SIZE as u64);
        }
        let due = self
            .last_json
            .is_none_or(|at| at.elapsed().as_millis() >= JSON_INTERVAL_MS);
        // A stage is told once, `--zisofs` compression (files done of total)
        // again at most every JSON_INTERVAL_MS and at its end.
        let stage_due = changed
            || (event.action == Action::Compressing
                && (due || event.sectors_done == event.sectors_total));
        let due = if moving {
            due || changed || event.sectors_done == event.sectors_total
        } else {
            stage_due
        };
        if self.out.json && due {
            self.last_json = Some(std::time::Instant::now());
            let block = fsimage::BLOCK_SIZE as u64;
            self.out.event(&ProgressEvent {
                kind: if moving { "progress" } else { "stage" },
                command: self.command,
                bytes: event.sectors_done * block,
                total_bytes: event.sectors_total * block,
                progress: event,
            });
        }
    }

    fn cancelled(&self) -> bool {
        self.interrupt.signal().is_some()
    }
}
