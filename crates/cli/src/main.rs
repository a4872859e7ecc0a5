//! `discburn`: master and burn multisession data discs and growable ISO images.
#![forbid(unsafe_code)]

mod cmd;
mod output;

use clap::{Parser, Subcommand};
use output::Output;

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
    /// Rebuild LBA 0-31 of an image file from its newest intact session.
    Repair(cmd::repair::Args),
    /// Erase a rewritable disc (CD-RW, DVD-RW).
    Blank(cmd::media::BlankArgs),
    /// Format a DVD+RW, BD-RE or DVD-RW for random writing.
    Format(cmd::media::TargetArgs),
    /// Open the recorder's tray.
    Eject(cmd::media::TargetArgs),
    /// Copy every session of a disc into an image file (each at its own LBA).
    Export(cmd::media::ExportArgs),
}

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
    let cli = Cli::parse();
    let out = Output::new(cli.json);
    out.init_logging();
    let result = match cli.command {
        Command::Burn(args) => cmd::burn::run(args, &out),
        Command::Ls(args) => cmd::ls::run(args, &out),
        Command::Extract(args) => cmd::extract::run(args, &out),
        Command::Info(args) => cmd::info::run(args, &out),
        Command::Drives(args) => cmd::drives::run(args, &out),
        Command::Emu(args) => cmd::emu::run(args, &out),
        Command::Repair(args) => cmd::repair::run(args, &out),
        Command::Blank(args) => cmd::media::blank(args, &out),
        Command::Format(args) => cmd::media::format(args, &out),
        Command::Eject(args) => cmd::media::eject(args, &out),
        Command::Export(args) => cmd::media::export(args, &out),
    };
    if let Err(err) = result {
        out.error(&err);
        let code = err
            .chain()
            .find_map(|cause| cause.downcast_ref::<Interrupted>())
            .map_or(1, |interrupted| 128 + interrupted.signal);
        std::process::exit(code);
    }
}
