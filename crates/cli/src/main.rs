//! `discburn`: master and burn multisession data discs and growable ISO images.
#![forbid(unsafe_code)]

mod cmd;
mod interrupt;
mod output;
mod progress;

use clap::{CommandFactory, Parser, Subcommand};
use output::Output;

/// mimalloc instead of glibc's malloc: importing and laying out a session
/// allocates and frees a few small objects per file (names, records, extents),
/// and glibc's allocator was a quarter of an append's time (bench/bench.py --append).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "discburn",
    version,
    about = "Master and burn multisession data discs and growable ISO 9660 images"
)]
struct Cli {
    /// Print JSON lines (events, then one result object) instead of text.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a directory tree (and grafted files) as a new image or session.
    Burn(cmd::burn::Args),
    /// List the files of an image, medium or disc.
    Ls(cmd::ls::Args),
    /// Copy files out of an image, medium or disc.
    Extract(cmd::extract::Args),
    /// Describe an image, medium or disc: volume name, size, file systems, sessions.
    Info(cmd::info::Args),
    /// List the optical recorders attached to this machine.
    Drives(cmd::drives::Args),
    /// Create and inspect emulated media (`emu:PATH` targets).
    Emu(cmd::emu::Args),
    /// Check sessions against their recorded MD5 checksums (discburn's and xorriso's).
    Verify(cmd::verify::Args),
    /// Read every written block, as xorriso -check_media: unreadable ranges,
    /// the sessions and files they hit, and whether the MD5 tags still match.
    CheckMedia(cmd::check_media::Args),
    /// Bring a target up to date with directories: one new session with only
    /// what changed since the newest (exit 7 when nothing did).
    Sync(cmd::sync::Args),
    /// List what differs between two sessions, or a session and a directory.
    Diff(cmd::diff::Args),
    /// Rebuild LBA 0-31 of an image file from its newest intact session.
    Repair(cmd::repair::Args),
    /// Erase a rewritable disc: CD-RW and DVD-RW with the drive's BLANK,
    /// DVD+RW and BD-RE by zeroing their volume descriptors (write-once media are refused).
    Blank(cmd::media::BlankArgs),
    /// Format a DVD+RW, BD-RE or DVD-RW for random writing.
    Format(cmd::media::TargetArgs),
    /// Open the recorder's tray.
    Eject(cmd::media::TargetArgs),
    /// Copy every session of a disc into an image file (each at its own LBA).
    Export(cmd::media::ExportArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on standard output.
    Manpage,
}

/// Exit codes (documented in the README): distinct for each kind of failure
/// a script may want to tell apart.
mod exit {
    /// Anything not listed below.
    pub const FAILURE: i32 = 1;
    /// Bad arguments (clap's own code).
    pub const USAGE: i32 = 2;
    /// The target does not exist, or the drive holds no disc.
    pub const NOT_FOUND: i32 = 3;
    /// The medium is full, closed or read-only, or holds an incomplete session.
    pub const MEDIUM: i32 = 4;
    /// The drive reported an error (sense data in the message).
    pub const DRIVE: i32 = 5;
    /// A session read back differs from what was written (`--verify`), or
    /// `verify` / `check-media` found damage or unreadable blocks.
    pub const VERIFY: i32 = 6;
    /// `sync`: nothing changed, no session was written (not a failure: the
    /// result is printed as usual).
    pub const UP_TO_DATE: i32 = 7;
}

/// `--json` anywhere on the command line (before `--`), even when the rest
/// does not parse.
fn json_requested() -> bool {
    std::env::args()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--json")
}

/// True when `arg` names a subcommand.
fn is_subcommand(arg: &str) -> bool {
    Cli::command()
        .get_subcommands()
        .any(|c| c.get_name() == arg)
}

/// The subcommand's name, as JSON objects carry it in `command`.
fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Burn(_) => "burn",
        Command::Ls(_) => "ls",
        Command::Extract(_) => "extract",
        Command::Info(_) => "info",
        Command::Drives(_) => "drives",
        Command::Emu(args) => args.command_name(),
        Command::Repair(_) => "repair",
        Command::Verify(_) => "verify",
        Command::CheckMedia(_) => "check-media",
        Command::Sync(_) => "sync",
        Command::Diff(_) => "diff",
        Command::Blank(_) => "blank",
        Command::Format(_) => "format",
        Command::Eject(_) => "eject",
        Command::Export(_) => "export",
        Command::Completions { .. } => "completions",
        Command::Manpage => "manpage",
    }
}

/// The stable name of an exit code: the `code` of a JSON error object.
fn code_name(code: i32) -> &'static str {
    match code {
        exit::USAGE => "usage",
        exit::NOT_FOUND => "not_found",
        exit::MEDIUM => "medium",
        exit::DRIVE => "drive",
        exit::VERIFY => "verify",
        130 => "interrupted",
        143 => "interrupted",
        _ => "failure",
    }
}

/// The exit code for an error: the first cause that says what kind it is.
/// Writes generated text to standard output; a reader that stopped early
/// (`| head`) is not an error.
fn write_stdout(text: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(anyhow::Error::from),
    }
}

fn exit_code(err: &anyhow::Error) -> i32 {
    use discburn::drive::DriveError;
    use discburn::BurnError;
    if err.downcast_ref::<cmd::verify::Mismatch>().is_some() {
        return exit::VERIFY;
    }
    for cause in err.chain() {
        if let Some(interrupted) = cause.downcast_ref::<Interrupted>() {
            return 128 + interrupted.signal;
        }
        if cause.downcast_ref::<UsageError>().is_some() {
            return exit::USAGE;
        }
        // From the drive's sense: no medium is "not found", any other sense
        // (and a failed transport) a drive error.
        let drive_code = |e: &DriveError| match e {
            DriveError::NoMedium { .. } => exit::NOT_FOUND,
            // An emulated medium (`emu:PATH`) whose file is not there.
            DriveError::Open { path, .. } if !std::path::Path::new(path).exists() => {
                exit::NOT_FOUND
            }
            DriveError::Mmc(mmc::MmcError::Sense(s)) if s.sense.is_no_medium() => exit::NOT_FOUND,
            _ => exit::DRIVE,
        };
        if let Some(e) = cause.downcast_ref::<BurnError>() {
            return match e {
                BurnError::NoRoom { .. }
                | BurnError::DiscClosed { .. }
                | BurnError::NotWritable { .. }
                | BurnError::WriteProtected { .. }
                | BurnError::IncompleteSession { .. }
                | BurnError::WrongMedium { .. } => exit::MEDIUM,
                BurnError::VerifyFailed { .. } => exit::VERIFY,
                BurnError::Open { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                    exit::NOT_FOUND
                }
                BurnError::Drive(d) => drive_code(d),
                BurnError::Target(discburn::Error::Drive(d)) => drive_code(d),
                BurnError::Target(discburn::Error::Open { source, .. })
                    if source.kind() == std::io::ErrorKind::NotFound =>
                {
                    exit::NOT_FOUND
                }
                _ => continue,
            };
        }
        if let Some(d) = cause.downcast_ref::<DriveError>() {
            return drive_code(d);
        }
        // A drive error carried inside an I/O error (a write to a disc
        // failing mid-burn is `BurnError::Write` over the drive's sense).
        if let Some(d) = cause
            .downcast_ref::<std::io::Error>()
            .and_then(DriveError::from_io)
        {
            return drive_code(d);
        }
        if let Some(discburn::Error::Open { source, .. }) = cause.downcast_ref::<discburn::Error>()
        {
            if source.kind() == std::io::ErrorKind::NotFound {
                return exit::NOT_FOUND;
            }
        }
        // An `emu:PATH` whose medium was never created, however the
        // command opened it (verify, check-media, diff, sync, export).
        if let Some(emulator::Error::NoMedium { .. }) = cause.downcast_ref::<emulator::Error>() {
            return exit::NOT_FOUND;
        }
    }
    exit::FAILURE
}

/// Arguments that parse but cannot go together (found after clap): exit code 2, as a
/// clap usage error.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A command that printed its result and exits with a status other than 0
/// that is not a failure (`sync` up to date): nothing more is printed.
#[derive(Debug)]
pub struct QuietExit(pub i32);

impl std::fmt::Display for QuietExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit status {}", self.0)
    }
}

impl std::error::Error for QuietExit {}

/// A command stopped by SIGINT or SIGTERM: the process exits with 128 + signal.
#[derive(Debug)]
pub struct Interrupted {
    pub signal: i32,
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self.signal {
            signal_hook::consts::SIGINT => "SIGINT",
            signal_hook::consts::SIGTERM => "SIGTERM",
            _ => "a signal",
        };
        write!(f, "stopped by {name}")
    }
}

impl std::error::Error for Interrupted {}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print and succeed; anything else is a usage error.
            let code = if e.use_stderr() { exit::USAGE } else { 0 };
            if e.use_stderr() && json_requested() {
                let command = std::env::args().skip(1).find(|a| is_subcommand(a));
                output::usage_error_json(command.as_deref(), &e.render().to_string());
            } else {
                let _ = e.print();
            }
            std::process::exit(code);
        }
    };
    let command = command_name(&cli.command);
    let out = Output::new(cli.json);
    out.init_logging();
    // burn and sync stop at a safe point by themselves (and undo their
    // writes); diff stops between the chunks it reads.
    let handler = match cli.command {
        Command::Burn(_) | Command::Sync(_) | Command::Diff(_) => Ok(()),
        _ => interrupt::exit_on_signal(command, cli.json),
    };
    if let Err(err) = handler {
        out.error(command, code_name(exit::FAILURE), &err);
        std::process::exit(exit::FAILURE);
    }
    let result = match cli.command {
        Command::Burn(args) => cmd::burn::run(args, &out),
        Command::Ls(args) => cmd::ls::run(args, &out),
        Command::Extract(args) => cmd::extract::run(args, &out),
        Command::Info(args) => cmd::info::run(args, &out),
        Command::Drives(args) => cmd::drives::run(args, &out),
        Command::Emu(args) => cmd::emu::run(args, &out),
        Command::Repair(args) => cmd::repair::run(args, &out),
        Command::Verify(args) => cmd::verify::run(args, &out),
        Command::CheckMedia(args) => cmd::check_media::run(args, &out),
        Command::Sync(args) => cmd::sync::run(args, &out),
        Command::Diff(args) => cmd::diff::run(args, &out),
        Command::Blank(args) => cmd::media::blank(args, &out),
        Command::Format(args) => cmd::media::format(args, &out),
        Command::Eject(args) => cmd::media::eject(args, &out),
        Command::Export(args) => cmd::media::export(args, &out),
        Command::Completions { shell } => {
            // Generated in memory: clap_complete panics when its writer fails
            // (`discburn completions bash | head`).
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "discburn", &mut text);
            write_stdout(&text)
        }
        Command::Manpage => {
            let mut text = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut text)
                .map_err(anyhow::Error::from)
                .and_then(|()| write_stdout(&text))
        }
    };
    if let Err(err) = result {
        if let Some(QuietExit(code)) = err.downcast_ref::<QuietExit>() {
            std::process::exit(*code);
        }
        let code = exit_code(&err);
        out.error(command, code_name(code), &err);
        std::process::exit(code);
    }
}
