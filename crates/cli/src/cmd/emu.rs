//! `discburn emu`: create, inspect and serve emulated media (`emu:PATH` targets).

mod serve;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use emulator::{MediaType, MediumSummary, Personality, Recorder, TrackView};
use serde::Serialize;

use crate::output::Output;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: EmuCommand,
}

impl Args {
    /// The name JSON objects carry in `command`: `emu create`, `emu show`, `emu serve`.
    pub fn command_name(&self) -> &'static str {
        match self.command {
            EmuCommand::Create { .. } => "emu create",
            EmuCommand::Show { .. } => "emu show",
            EmuCommand::Serve { .. } => "emu serve",
            EmuCommand::Protect { .. } => "emu protect",
        }
    }
}

#[derive(clap::Subcommand)]
enum EmuCommand {
    /// Create a blank medium, or a pressed one from an ISO image (--from): PATH holds
    /// its blocks (sparse), PATH.state.json its state. Use it afterwards as the target `emu:PATH`.
    Create {
        /// Where to create the medium (an `emu:` prefix is accepted).
        path: PathBuf,
        /// Media type: cd-r, cd-rw, dvd-r, dvd-r-dl, dvd-rw, dvd+r, dvd+r-dl, dvd+rw, bd-r, bd-re; with
        /// --from: cd-rom, dvd-rom, bd-rom, or rom (CD-ROM up to 360000 blocks, else
        /// DVD-ROM, as QEMU decides; the default with --from).
        #[arg(long, value_parser = parse_media_choice)]
        media: Option<MediaChoice>,
        /// Capacity in 2048-byte blocks of a blank medium (default: the type's usual size,
        /// e.g. CD-R 80 min 359849).
        #[arg(long, conflicts_with = "from")]
        capacity: Option<u64>,
        /// Make a pressed (read-only) disc holding this ISO image.
        #[arg(long, value_name = "IMAGE")]
        from: Option<PathBuf>,
        /// The drive the medium is in: recorder (default), qemu-ide or qemu-scsi (QEMU's
        /// ATAPI and virtio-scsi CD/DVD-ROM drives, as a Linux guest sees them), or tgt
        /// (Linux's SCSI target daemon's DVD+R burner, quirks included).
        #[arg(long, value_parser = parse_drive, default_value = "recorder")]
        drive: Personality,
    },
    /// Show a medium's state: profile, status, sessions, tracks, next writable address, free blocks.
    Show {
        /// The medium (an `emu:` prefix is accepted).
        path: PathBuf,
    },
    /// Turn the medium's write-protect switch on (or off with --off): while it is on, the
    /// drive reports the medium write-protected and refuses to change it, and burn, blank
    /// and format stop before writing anything.
    Protect {
        /// The medium (an `emu:` prefix is accepted).
        path: PathBuf,
        /// Release the write protection.
        #[arg(long)]
        off: bool,
    },
    /// Serve the medium's recorder as an iSCSI target (LUN 0) until stopped, for initiators
    /// such as QEMU (`-drive file=iscsi://ADDRESS/IQN/0,if=none,format=raw` with
    /// `-device scsi-generic`). One initiator at a time; no authentication.
    Serve {
        /// The medium (an `emu:` prefix is accepted).
        path: PathBuf,
        /// Address and port to listen on (port 0: any free port, printed at start).
        #[arg(long, default_value = "127.0.0.1:3260")]
        listen: SocketAddr,
        /// The target's iSCSI name (default: iqn.2026-12.org.discburn:FILE-NAME).
        #[arg(long)]
        iqn: Option<String>,
    },
}

/// `--media`: a media type, or `rom` (pressed, type chosen by size).
#[derive(Debug, Clone, Copy)]
enum MediaChoice {
    Type(MediaType),
    RomBySize,
}

fn parse_media_choice(text: &str) -> Result<MediaChoice, String> {
    if text.eq_ignore_ascii_case("rom") {
        return Ok(MediaChoice::RomBySize);
    }
    text.parse().map(MediaChoice::Type)
}

fn parse_drive(text: &str) -> Result<Personality, String> {
    text.parse()
}

/// Creates the medium `emu create` asks for.
fn create(
    path: &Path,
    media: Option<MediaChoice>,
    capacity: Option<u64>,
    from: Option<&Path>,
    drive: Personality,
) -> anyhow::Result<Recorder> {
    let context = || format!("cannot create the emulated medium {}", path.display());
    match (from, media) {
        (Some(image), Some(MediaChoice::Type(media))) => {
            Recorder::create_from_image(path, Some(media), image, drive).with_context(context)
        }
        (Some(image), _) => {
            Recorder::create_from_image(path, None, image, drive).with_context(context)
        }
        (None, Some(MediaChoice::Type(media))) => {
            let mut recorder = Recorder::create(path, media, capacity).with_context(context)?;
            if !drive.is_recorder() {
                recorder.set_default_drive(drive).with_context(context)?;
            }
            Ok(recorder)
        }
        (None, Some(MediaChoice::RomBySize)) => {
            anyhow::bail!("--media rom needs --from IMAGE (a pressed disc holds an image)")
        }
        (None, None) => anyhow::bail!("--media TYPE is required for a blank medium"),
    }
}

fn strip_prefix(path: &Path) -> PathBuf {
    match path.to_str().and_then(|s| s.strip_prefix("emu:")) {
        Some(rest) => PathBuf::from(rest),
        None => path.to_path_buf(),
    }
}

#[derive(Serialize)]
struct Created<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    command: &'static str,
    target: String,
    #[serde(flatten)]
    medium: &'a MediumSummary,
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<()> {
    match args.command {
        EmuCommand::Create {
            path,
            media,
            capacity,
            from,
            drive,
        } => {
            let path = strip_prefix(&path);
            let recorder = create(&path, media, capacity, from.as_deref(), drive)?;
            let summary = recorder.summary();
            let media = summary.media;
            let state = if media.is_rom() { "pressed" } else { "blank" };
            let target = format!("emu:{}", path.display());
            out.result(
                &Created {
                    kind: "result",
                    command: "emu create",
                    target: target.clone(),
                    medium: &summary,
                },
                || {
                    format!(
                    "created a {state} {} medium: {} blocks ({}){}; use it as the target {target}\n",
                    media,
                    summary.capacity,
                    human_size(summary.capacity),
                    if summary.drive.is_recorder() {
                        String::new()
                    } else {
                        format!(" in a {} drive", summary.drive)
                    }
                )
                },
            );
            Ok(())
        }
        EmuCommand::Serve { path, listen, iqn } => {
            serve::run(&strip_prefix(&path), listen, iqn, out)
        }
        EmuCommand::Protect { path, off } => {
            let path = strip_prefix(&path);
            let context = || format!("cannot open the emulated medium {}", path.display());
            let mut recorder = Recorder::open(&path).with_context(context)?;
            recorder.set_write_protect(!off).with_context(|| {
                format!(
                    "cannot change the write-protect switch of {} (is its file read-only?)",
                    path.display()
                )
            })?;
            let summary = recorder.summary();
            let target = format!("emu:{}", path.display());
            out.result(
                &Created {
                    kind: "result",
                    command: "emu protect",
                    target: target.clone(),
                    medium: &summary,
                },
                || {
                    if off {
                        format!("{target}: write protection released\n")
                    } else {
                        format!("{target}: write-protected (release it with `discburn emu protect --off {}`)\n", path.display())
                    }
                },
            );
            Ok(())
        }
        EmuCommand::Show { path } => {
            let path = strip_prefix(&path);
            let recorder = Recorder::open(&path)
                .with_context(|| format!("cannot open the emulated medium {}", path.display()))?;
            let summary = recorder.summary();
            let target = format!("emu:{}", path.display());
            out.result(
                &Created {
                    kind: "result",
                    command: "emu show",
                    target,
                    medium: &summary,
                },
                || describe(&summary),
            );
            Ok(())
        }
    }
}

fn human_size(blocks: u64) -> String {
    let bytes = blocks as f64 * 2048.0;
    if bytes >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2} GiB", bytes / (1024.0 * 1024.0 * 1024.0))
    } else {
        format!("{:.1} MiB", bytes / (1024.0 * 1024.0))
    }
}

fn track_line(view: &TrackView) -> String {
    let mut line = format!(
        "    track {}: start {}, size {}, {}",
        view.number, view.start, view.size, view.state
    );
    if let Some(nwa) = view.nwa {
        line.push_str(&format!(", next writable {nwa}, free {}", view.free));
    }
    line
}

fn describe(s: &MediumSummary) -> String {
    let mut text = String::new();
    text.push_str(&format!("medium:        {}\n", s.path.display()));
    text.push_str(&format!(
        "media:         {} (profile {:04X}h {})\n",
        s.media, s.profile, s.profile_name
    ));
    if !s.drive.is_recorder() {
        text.push_str(&format!("drive:         {}\n", s.drive));
    }
    if s.write_protected {
        text.push_str("write-protect: on (`discburn emu protect --off` releases it)\n");
    }
    text.push_str(&format!(
        "capacity:      {} blocks ({})\n",
        s.capacity,
        human_size(s.capacity)
    ));
    let status = serde_json::to_value(s.disc_status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let last = serde_json::to_value(s.last_session_state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    text.push_str(&format!(
        "status:        {status}, last session {last}{}\n",
        if s.erasable { ", erasable" } else { "" }
    ));
    if let Some(formatted) = s.formatted_blocks {
        text.push_str(&format!(
            "formatted:     {formatted} blocks ({})\n",
            human_size(formatted)
        ));
    }
    text.push_str(&format!("sessions:      {} closed\n", s.sessions.len()));
    for session in &s.sessions {
        text.push_str(&format!(
            "  session {}: start {}, lead-out at {}\n",
            session.number, session.start, session.leadout_start
        ));
        for track in &session.tracks {
            text.push_str(&track_line(track));
            text.push('\n');
        }
    }
    if !s.open_session.is_empty() {
        text.push_str("  open:\n");
        for track in &s.open_session {
            text.push_str(&track_line(track));
            text.push('\n');
        }
    }
    match s.next_writable {
        Some(nwa) => text.push_str(&format!("next writable: {nwa}\n")),
        None if s.finalized => text.push_str("next writable: none (finalized)\n"),
        None => {}
    }
    text.push_str(&format!(
        "free:          {} blocks ({})\n",
        s.free_blocks,
        human_size(s.free_blocks)
    ));
    text
}
