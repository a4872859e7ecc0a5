//! The QEMU drive personalities replay QEMU's own answers.
//!
//! `crates/qemu-harness/QEMU-RECORD.txt` is the raw output of
//! `crates/qemu-harness/probes/emulator_record.sh`: `sg_raw` (sg3-utils) sending
//! commands to QEMU's IDE (ATAPI) and virtio-scsi (`scsi-cd`) CD/DVD drives from a
//! Linux guest, with zero-filled images of several sizes (the command lines are in
//! its header). This test parses that record and sends every command, in the
//! recorded order, to an emulated medium of the same size in the matching
//! personality, and compares status, sense bytes, the number of bytes received and
//! the data (as dumped, or by length and SHA-256) with what QEMU answered. Every
//! expected byte here comes from QEMU, none from the emulator.

use std::time::Duration;

use emulator::{Personality, Recorder};
use mmc::{DataDirection, ScsiStatus, Transport, TransportError};

const RECORD: &str = include_str!("../../qemu-harness/QEMU-RECORD.txt");

/// What QEMU answered to one command, as `sg_raw -v` printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    /// GOOD status; `received` data bytes, of which `data` were dumped in hex
    /// (or, for bulk reads, summarised by `sha256`).
    Good {
        received: usize,
        data: Vec<u8>,
        sha256: Option<String>,
    },
    /// CHECK CONDITION with these sense bytes.
    Check { sense: Vec<u8> },
    /// The ioctl itself failed with EIO (no SCSI status).
    InputOutputError,
    /// A host (adapter) status other than OK, no SCSI answer.
    Host { host_status: u16 },
}

/// One recorded command.
#[derive(Debug)]
struct Probe {
    name: String,
    /// The `sg_raw` arguments as recorded (for messages).
    line: String,
    cdb: Vec<u8>,
    /// `-r`: bytes requested (data-in buffer size).
    request: usize,
    /// `-s`: bytes sent (data-out).
    send: usize,
    answer: Answer,
}

/// One drive of the record and the commands sent to it.
#[derive(Debug)]
struct RecordedDrive {
    label: String,
    blocks: u64,
    probes: Vec<Probe>,
}

impl RecordedDrive {
    fn personality(&self) -> Personality {
        if self.label.starts_with("ide") {
            Personality::QemuIde
        } else {
            Personality::QemuScsi
        }
    }
}

fn is_hex_byte(token: &str) -> bool {
    token.len() == 2 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

fn hex_byte(token: &str) -> u8 {
    u8::from_str_radix(token, 16).unwrap_or_else(|_| panic!("not a hex byte: {token:?}"))
}

/// The hex bytes of one line of `sg_raw`'s data dump (` OFFSET  hh hh ... ascii`):
/// the bytes sit in columns 8 to 56; the ASCII rendering after them is ignored.
fn dump_line_bytes(line: &str) -> Vec<u8> {
    let columns: String = line.chars().skip(8).take(49).collect();
    columns
        .split_whitespace()
        .take_while(|t| is_hex_byte(t))
        .map(hex_byte)
        .collect()
}

/// Parses the `--- NAME | ARGS` line's arguments: `-r N`, `-s N`, `-i FILE`,
/// `-o FILE`, the device, then the CDB bytes.
fn parse_command(name: &str, args: &str) -> (Vec<u8>, usize, usize) {
    let mut tokens = args.split_whitespace();
    let (mut request, mut send) = (0, 0);
    let mut cdb = Vec::new();
    while let Some(token) = tokens.next() {
        match token {
            "-r" => request = tokens.next().and_then(|n| n.parse().ok()).unwrap_or(0),
            "-s" => send = tokens.next().and_then(|n| n.parse().ok()).unwrap_or(0),
            "-i" | "-o" => {
                tokens.next();
            }
            t if t.starts_with("/dev/") => {}
            t => cdb.push(hex_byte(t)),
        }
    }
    assert!(cdb.len() >= 6, "{name}: no CDB in {args:?}");
    (cdb, request, send)
}

/// Parses what `sg_raw -v` printed for one command.
fn parse_answer(name: &str, lines: &[&str]) -> Option<Answer> {
    let text = lines.join("\n");
    if text.contains("Syntax error") {
        return None; // sg_raw refused its arguments: nothing was sent
    }
    if let Some(at) = text.find("Host_status=0x") {
        let hex = &text[at + "Host_status=0x".len()..][..2];
        return Some(Answer::Host {
            host_status: u16::from_str_radix(hex, 16).unwrap(),
        });
    }
    if text.contains("do_scsi_pt: Input/output error") {
        return Some(Answer::InputOutputError);
    }
    if text.contains("SCSI Status: Check Condition") {
        let start = lines
            .iter()
            .position(|l| l.contains("Raw sense data (in hex)"))
            .unwrap_or_else(|| panic!("{name}: CHECK CONDITION without raw sense:\n{text}"));
        let sense: Vec<u8> = lines[start + 1..]
            .iter()
            .take_while(|l| {
                let t: Vec<&str> = l.split_whitespace().collect();
                !t.is_empty() && t.iter().all(|t| is_hex_byte(t))
            })
            .flat_map(|l| l.split_whitespace().map(hex_byte))
            .collect();
        return Some(Answer::Check { sense });
    }
    assert!(
        text.contains("SCSI Status: Good"),
        "{name}: no status in:\n{text}"
    );
    let mut received = 0;
    let mut data = Vec::new();
    let mut sha256 = None;
    for (i, line) in lines.iter().enumerate() {
        if let Some(rest) = line.strip_prefix("Received ") {
            received = rest.split(' ').next().unwrap().parse().unwrap();
            for dump in &lines[i + 1..] {
                let bytes = dump_line_bytes(dump);
                if bytes.is_empty() {
                    break;
                }
                data.extend(bytes);
            }
            assert_eq!(data.len(), received, "{name}: dump length");
        } else if let Some(rest) = line.strip_prefix("data: ") {
            // "data: N bytes, sha256 HEX"
            let mut words = rest.split_whitespace();
            received = words.next().unwrap().parse().unwrap();
            sha256 = words.last().map(str::to_string);
        }
    }
    Some(Answer::Good {
        received,
        data,
        sha256,
    })
}

/// The drives of the record, each with its commands in order.
fn parse_record(record: &str) -> Vec<RecordedDrive> {
    let mut drives: Vec<RecordedDrive> = Vec::new();
    let lines: Vec<&str> = record.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(rest) = line.strip_prefix("=== DRIVE ") {
            let words: Vec<&str> = rest.split_whitespace().collect();
            let blocks = words
                .iter()
                .find_map(|w| w.strip_prefix("blocks="))
                .and_then(|b| b.parse().ok())
                .unwrap_or_else(|| panic!("no block count in {line:?}"));
            drives.push(RecordedDrive {
                label: words[0].to_string(),
                blocks,
                probes: Vec::new(),
            });
            i += 1;
        } else if let Some(rest) = line.strip_prefix("--- ") {
            let (name, args) = rest.split_once(" | ").expect("--- NAME | ARGS");
            let end = lines[i + 1..]
                .iter()
                .position(|l| l.starts_with("--- ") || l.starts_with("=== "))
                .map_or(lines.len(), |n| i + 1 + n);
            let (cdb, request, send) = parse_command(name, args);
            if let Some(answer) = parse_answer(name, &lines[i + 1..end]) {
                drives
                    .last_mut()
                    .expect("a command before the first drive")
                    .probes
                    .push(Probe {
                        name: name.to_string(),
                        line: args.to_string(),
                        cdb,
                        request,
                        send,
                        answer,
                    });
            }
            i = end;
        } else {
            i += 1;
        }
    }
    drives
}

fn sha256_hex(data: &[u8]) -> String {
    testkit::snapshot::sha256_bytes(data)
}

/// QEMU's answer as the emulator must give it. The one allowance: the ABORTED
/// COMMAND sense libata makes up (IDE) carries the ATA device register in byte
/// 10, A0h for the first drive of a channel and B0h for the second; the record's
/// ide1 and ide3 are second drives, the emulator is always a first one.
fn expected(drive_label: &str, probe: &Probe) -> Answer {
    let mut answer = probe.answer.clone();
    if let Answer::Check { sense } = &mut answer {
        let second_on_channel = matches!(drive_label, "ide1" | "ide3");
        if second_on_channel && sense.len() > 10 && sense[2] == 0x0B && sense[10] == 0xB0 {
            sense[10] = 0xA0;
        }
    }
    answer
}

/// Sends `probe` to `rec` and describes how the answer differs from QEMU's.
fn replay(rec: &mut Recorder, drive_label: &str, probe: &Probe) -> Option<String> {
    let mut buf = vec![0u8; probe.request];
    let out = vec![0u8; probe.send];
    let data = if probe.request > 0 {
        DataDirection::FromDevice(&mut buf)
    } else if probe.send > 0 {
        DataDirection::ToDevice(&out)
    } else {
        DataDirection::None
    };
    let result = rec.execute(&probe.cdb, data, Duration::from_secs(20));
    let got = match result {
        Ok(outcome) if outcome.status == ScsiStatus::CheckCondition => Answer::Check {
            sense: outcome.sense.clone(),
        },
        Ok(outcome) if outcome.status == ScsiStatus::Good => {
            let received = probe.request.saturating_sub(outcome.residual);
            let (data, sha256) = match &probe.answer {
                Answer::Good {
                    sha256: Some(_), ..
                } => (Vec::new(), Some(sha256_hex(&buf[..received]))),
                _ => (buf[..received].to_vec(), None),
            };
            Answer::Good {
                received,
                data,
                sha256,
            }
        }
        Ok(outcome) => return Some(format!("status {:?}", outcome.status)),
        Err(TransportError::Os { source, .. }) if source.raw_os_error() == Some(5) => {
            Answer::InputOutputError
        }
        Err(TransportError::Host { host_status, .. }) => Answer::Host { host_status },
        Err(e) => return Some(format!("transport error {e}")),
    };
    // Sense: the 18 bytes sg_raw shows.
    let same = match (&expected(drive_label, probe), &got) {
        (Answer::Check { sense: want }, Answer::Check { sense: have }) => {
            have.len() >= want.len() && have[..want.len()] == want[..]
        }
        (want, have) => want == have,
    };
    (!same).then(|| format!("QEMU: {:02x?}\n      emulator: {got:02x?}", probe.answer))
}

#[test]
fn the_record_holds_both_drives_at_every_size() {
    let drives = parse_record(RECORD);
    let seen: Vec<(Personality, u64)> =
        drives.iter().map(|d| (d.personality(), d.blocks)).collect();
    for personality in [Personality::QemuIde, Personality::QemuScsi] {
        for blocks in [1373, 334, 360_000, 360_001] {
            assert!(
                seen.contains(&(personality, blocks)),
                "{personality} with {blocks} blocks is not in the record: {seen:?}"
            );
        }
    }
    assert!(seen.contains(&(Personality::QemuScsi, 2_097_581)));
    let full = drives.iter().find(|d| d.blocks == 1373).unwrap();
    assert!(full.probes.len() > 60, "{} commands", full.probes.len());
    // The parser sees each kind of answer.
    let kinds =
        |f: fn(&Answer) -> bool| drives.iter().flat_map(|d| &d.probes).any(|p| f(&p.answer));
    assert!(kinds(
        |a| matches!(a, Answer::Check { sense } if sense.len() == 18)
    ));
    assert!(kinds(|a| matches!(
        a,
        Answer::Good {
            sha256: Some(_),
            ..
        }
    )));
    assert!(kinds(
        |a| matches!(a, Answer::Good { data, .. } if data.len() == 1024)
    ));
    assert!(kinds(|a| matches!(a, Answer::InputOutputError)));
    assert!(kinds(|a| matches!(a, Answer::Host { host_status: 7 })));
}

#[test]
fn qemu_personalities_answer_every_recorded_command_as_qemu_did() {
    let dir = tempfile::tempdir().unwrap();
    let mut differences = Vec::new();
    let mut replayed = 0;
    for drive in parse_record(RECORD) {
        // The probe's images were zero-filled files of this many blocks; one
        // pressed medium per size serves both drives (nothing can change it).
        let medium = dir.path().join(format!("pressed-{}", drive.blocks));
        if !medium.exists() {
            let image = dir.path().join("zero.img");
            let file = std::fs::File::create(&image).unwrap();
            file.set_len(drive.blocks * 2048).unwrap();
            Recorder::create_from_image(&medium, None, &image, drive.personality()).unwrap();
            std::fs::remove_file(&image).unwrap();
        }
        let mut rec = Recorder::open(&medium).unwrap();
        rec.set_personality(drive.personality());
        for probe in &drive.probes {
            replayed += 1;
            if let Some(diff) = replay(&mut rec, &drive.label, probe) {
                differences.push(format!(
                    "{} ({} blocks) {}: sg_raw {}\n      {diff}",
                    drive.label, drive.blocks, probe.name, probe.line
                ));
            }
        }
    }
    assert!(replayed > 250, "only {replayed} commands replayed");
    assert!(
        differences.is_empty(),
        "{} of {replayed} answers differ from QEMU's:\n{}",
        differences.len(),
        differences.join("\n")
    );
}
