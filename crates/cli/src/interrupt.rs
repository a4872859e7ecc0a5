//! SIGINT and SIGTERM for the commands that do not stop on their own at a
//! safe point (all but `burn`, which undoes its writes): a thread waits for
//! the signal, says that the command was interrupted and what was (not)
//! written — on stderr, or as the one final JSON error object — and exits
//! with 128 + the signal (130, 143), as the shell's default would.

use std::io::Write;
use std::sync::Mutex;

use signal_hook::consts::{SIGINT, SIGTERM};

/// What an interruption leaves behind, as the command last said it.
static AFTERMATH: Mutex<Option<String>> = Mutex::new(None);

/// Says what an interruption at this point would leave behind (`None`: the
/// command's default).
pub fn set_aftermath(what: Option<String>) {
    if let Ok(mut slot) = AFTERMATH.lock() {
        *slot = what;
    }
}

/// What an interruption of `command` leaves behind when it has not said more.
fn default_aftermath(command: &str) -> &'static str {
    match command {
        "extract" => "nothing was extracted yet",
        "export" => "the image file being written is incomplete",
        "repair" => "the image's first 32 blocks may be half rewritten: run repair again",
        "blank" | "format" => {
            "the drive may go on by itself; the disc is usable only once it has finished"
        }
        "emu create" => "the medium being created may be incomplete: create it again",
        "emu serve" => "the medium keeps what the initiators wrote before the signal",
        _ => "nothing was written",
    }
}

/// Starts the thread that handles SIGINT and SIGTERM for `command`.
pub fn exit_on_signal(command: &'static str, json: bool) -> anyhow::Result<()> {
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let aftermath = AFTERMATH
                    .lock()
                    .ok()
                    .and_then(|slot| slot.clone())
                    .unwrap_or_else(|| default_aftermath(command).to_string());
                let err = anyhow::Error::new(crate::Interrupted { signal })
                    .context(format!("{command} was interrupted; {aftermath}"));
                // Hold stdout so that no progress line follows the error object.
                let stdout = std::io::stdout();
                let mut lock = stdout.lock();
                crate::output::Output::new(json).error(command, "interrupted", &err);
                let _ = lock.flush();
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}
