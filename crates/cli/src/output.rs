//! How the binary talks to its user: text on stdout, progress bars on a
//! terminal's stderr, or JSON lines (`--json`): events, then one result object;
//! errors are JSON objects too.

use std::io::{IsTerminal, Write};

use serde::Serialize;

/// Output mode shared by every subcommand.
pub struct Output {
    pub json: bool,
}

impl Output {
    pub fn new(json: bool) -> Self {
        Output { json }
    }

    /// Logs go to stderr, filtered by `RUST_LOG` (default: warnings).
    pub fn init_logging(&self) {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .try_init();
    }

    /// Prints one JSON line for an event (only in JSON mode).
    pub fn event<T: Serialize>(&self, event: &T) {
        if self.json {
            print_json_line(event);
        }
    }

    /// Prints the final result: as one JSON line, or as text produced by `text`.
    pub fn result<T: Serialize>(&self, result: &T, text: impl FnOnce() -> String) {
        if self.json {
            print_json_line(result);
        } else {
            let text = text();
            if !text.is_empty() {
                let mut stdout = std::io::stdout().lock();
                let _ = stdout.write_all(text.as_bytes());
                if !text.ends_with('\n') {
                    let _ = stdout.write_all(b"\n");
                }
            }
        }
    }

    /// Reports an error: a JSON object on stdout in JSON mode (`code` is the
    /// stable name of the exit code, see docs/json.md), else
    /// `discburn: error: ...` on stderr.
    pub fn error(&self, command: &str, code: &str, err: &anyhow::Error) {
        let mut chain: Vec<String> = Vec::new();
        for cause in err.chain() {
            let text = cause.to_string();
            // An error that prints its source in its own message: say it once.
            if chain.last().is_some_and(|prev| prev.ends_with(&text)) {
                continue;
            }
            chain.push(text);
        }
        if self.json {
            let mut object = serde_json::json!({
                "type": "error",
                "command": command,
                "code": code,
                "message": chain.join(": "),
                "causes": chain,
                "partial": null,
            });
            if let Some(partial) = err.chain().find_map(|c| c.downcast_ref::<Partial>()) {
                object["partial"] = partial.result.clone();
            }
            print_json_line(&object);
        } else {
            eprintln!("discburn: error: {}", chain.join(": "));
        }
    }

    /// A progress bar for `total` bytes, drawn on stderr only when it is a terminal
    /// and JSON mode is off; hidden otherwise.
    pub fn progress_bar(&self, total: u64, what: &str) -> indicatif::ProgressBar {
        if self.json || !std::io::stderr().is_terminal() {
            return indicatif::ProgressBar::hidden();
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total),
            indicatif::ProgressDrawTarget::stderr(),
        );
        let style = indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(what.to_string());
        bar
    }
}

/// A command that did part of its work and failed for the rest (`extract`
/// with entries it could not write): under `--json` the error object carries
/// the result object of what was done as `partial`, so that the error stays
/// the one final object.
#[derive(Debug)]
pub struct Partial {
    message: String,
    result: serde_json::Value,
}

impl Partial {
    pub fn new<T: Serialize>(message: String, result: &T) -> Partial {
        Partial {
            message,
            result: serde_json::to_value(result).unwrap_or(serde_json::Value::Null),
        }
    }
}

impl std::fmt::Display for Partial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Partial {}

/// A command-line error (clap's) under `--json`: one error object with code
/// `usage`; the text clap would print is the message.
pub fn usage_error_json(command: Option<&str>, message: &str) {
    let message = message.trim_end();
    let message = message.strip_prefix("error: ").unwrap_or(message);
    print_json_line(&serde_json::json!({
        "type": "error",
        "command": command,
        "code": "usage",
        "message": message,
        "causes": [message],
        "partial": null,
    }));
}

fn print_json_line<T: Serialize>(value: &T) {
    let mut stdout = std::io::stdout().lock();
    if let Ok(line) = serde_json::to_string(value) {
        let _ = writeln!(stdout, "{line}");
    }
}
