//! `discburn emu serve`: the emulated recorder as an iSCSI target (the
//! `iscsi` crate), for initiators such as QEMU's libiscsi and the burners in a guest.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use emulator::Recorder;
use serde::Serialize;

use crate::output::Output;

/// The iSCSI name served when `--iqn` is not given: the medium's file name under discburn's prefix.
pub fn default_iqn(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = if name.is_empty() {
        "emu".to_string()
    } else {
        name
    };
    format!("iqn.2026-12.org.discburn:{name}")
}

/// An iSCSI name (RFC 7143 §4.2.7.2): `iqn.`, `eui.` or `naa.`, then lowercase
/// letters, digits and `.-:` only.
fn check_iqn(name: &str) -> anyhow::Result<()> {
    let known_prefix = ["iqn.", "eui.", "naa."].iter().any(|p| name.starts_with(p));
    let allowed = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-:".contains(c));
    if !known_prefix || !allowed || name.len() > 223 {
        anyhow::bail!(
            "--iqn {name:?} is not an iSCSI name: use iqn.YYYY-MM.reversed.domain:name in lowercase"
        );
    }
    Ok(())
}

#[derive(Serialize)]
struct Listening<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    command: &'static str,
    event: &'static str,
    target: String,
    address: String,
    iqn: &'a str,
    lun: u16,
    url: String,
}

#[derive(Serialize)]
struct SessionEvent {
    #[serde(rename = "type")]
    kind: &'static str,
    command: &'static str,
    event: &'static str,
    peer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    initiator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

fn describe(event: &iscsi::Event) -> (SessionEvent, String) {
    match event {
        iscsi::Event::LoggedIn {
            initiator,
            peer,
            normal,
        } => (
            SessionEvent {
                kind: "event",
                command: "emu serve",
                event: if *normal { "login" } else { "discovery" },
                peer: peer.clone(),
                initiator: Some(initiator.clone()),
                detail: None,
            },
            format!(
                "{} from {initiator} ({peer})",
                if *normal {
                    "session"
                } else {
                    "discovery session"
                }
            ),
        ),
        iscsi::Event::Refused {
            initiator,
            peer,
            reason,
        } => (
            SessionEvent {
                kind: "event",
                command: "emu serve",
                event: "refused",
                peer: peer.clone(),
                initiator: initiator.clone(),
                detail: Some(reason.clone()),
            },
            format!(
                "refused a login of {} ({peer}): {reason}",
                initiator.as_deref().unwrap_or("an unnamed initiator")
            ),
        ),
        iscsi::Event::Ended {
            initiator,
            peer,
            error,
        } => (
            SessionEvent {
                kind: "event",
                command: "emu serve",
                event: "ended",
                peer: peer.clone(),
                initiator: Some(initiator.clone()),
                detail: error.clone(),
            },
            match error {
                None => format!("{initiator} ({peer}) logged out"),
                Some(error) => format!("{initiator} ({peer}) left: {error}"),
            },
        ),
    }
}

/// Serves the medium at `path` until the process is stopped.
pub fn run(
    path: &Path,
    listen: SocketAddr,
    iqn: Option<String>,
    out: &Output,
) -> anyhow::Result<()> {
    let iqn = iqn.unwrap_or_else(|| default_iqn(path));
    check_iqn(&iqn)?;
    let recorder = Recorder::open_with_env_faults(path)
        .with_context(|| format!("cannot open the emulated medium {}", path.display()))?;
    let media = recorder.summary().media;
    let listener = iscsi::server::bind(listen)?;
    let address = listener
        .local_addr()
        .context("cannot read the bound address")?;
    if !address.ip().is_loopback() {
        tracing::warn!("serving on {address} without authentication: anyone who reaches it can write the medium");
    }
    let target = format!("emu:{}", path.display());
    let url = format!("iscsi://{address}/{iqn}/0");
    out.result(
        &Listening {
            kind: "event",
            command: "emu serve",
            event: "listening",
            target: target.clone(),
            address: address.to_string(),
            iqn: &iqn,
            lun: 0,
            url: url.clone(),
        },
        || format!("serving {target} ({media}) as {iqn}, LUN 0, on {address}\ninitiators: {url}\n"),
    );
    let _ = std::io::stdout().flush();
    let config = iscsi::TargetConfig {
        target_name: iqn,
        address: address.to_string(),
        limits: Default::default(),
    };
    let json = out.json;
    let server = iscsi::Server::new(config, recorder)
        .on_session_end(|recorder: &mut Recorder| {
            // Persist what the initiator wrote, as when an `emu:` target is closed.
            if let Err(err) = recorder.flush() {
                tracing::error!("{}: state not saved: {err}", recorder.path().display());
            }
        })
        .on_event(move |event| {
            let (record, text) = describe(event);
            let mut stdout = std::io::stdout().lock();
            let _ = if json {
                serde_json::to_writer(&mut stdout, &record).map_err(std::io::Error::other)
            } else {
                stdout.write_all(text.as_bytes())
            };
            let _ = stdout.write_all(b"\n");
            let _ = stdout.flush();
        });
    server.serve(listener)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_are_valid_iqns() {
        assert_eq!(
            default_iqn(Path::new("/tmp/My Disc.emu")),
            "iqn.2026-12.org.discburn:my-disc"
        );
        assert_eq!(
            default_iqn(Path::new("cd_r")),
            "iqn.2026-12.org.discburn:cd-r"
        );
        check_iqn(&default_iqn(Path::new("/x/ÄÖ.emu"))).unwrap();
        assert!(check_iqn("iqn.2026-12.org.Example:X").is_err());
        assert!(check_iqn("target1").is_err());
    }
}
