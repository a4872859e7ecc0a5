//! Issue 12: a recorder nobody here wrote. Linux's SCSI target daemon (tgt) emulates a
//! DVD+R burner; its LUNs, exported over iSCSI on 127.0.0.1, are passed through to a
//! Linux guest (`scsi-generic` and `scsi-block` on virtio-scsi), where discburn reaches
//! them through the kernel's SG_IO as it reaches a USB or SATA burner
//! (`/work/shared/reference/tgt-recorder.md`). One boot, four blank LUNs:
//!
//! - `first`: `discburn drives` lists it as a DVD+R recorder, `info` says blank at LBA 0;
//!   `burn` writes the first session; a second `burn` is refused (tgt finalises the disc
//!   on any CLOSE, so the drive then reports a DVD-ROM) and the disc is not touched; after
//!   an eject and reload the guest's kernel mounts it and reads the tree exactly.
//! - `closed` (`scsi-block`): `burn --close`; `verified`: `burn --verify full`.
//! - `grow`: growisofs, the reference burner, writes discburn's image of the same tree.
//!
//! A fifth LUN, `mirror`, is the emulator's `tgt` personality served by `discburn emu
//! serve`: discburn must see it exactly as it sees tgt itself, before and after the
//! same burn, so the personality that keeps tgt's quirks in the CI runs without QEMU
//! is checked against tgt in the same boot.
//!
//! On the host, every backing file read by xorriso, isoinfo and pycdlib equals the source
//! tree, and its bytes equal what the same burn (same tree, `SOURCE_DATE_EPOCH`) writes
//! to an emulated DVD+R. tgt checks no write address, so only these bytes can show a
//! burner writing the wrong thing at the wrong place.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use qemu_harness::checks::{check_rock_ridge_view, mount_and_list_step};
use qemu_harness::{
    discburn_binary, json_of_type, json_result, BootReport, EmuServer, Passthrough, Scenario,
    TgtDaemon,
};
use testkit::{compare, snapshot, CompareOptions, Kind, Snapshot};

/// SOURCE_DATE_EPOCH of every burn, in the guest and on the host.
const EPOCH: &str = "1700000000";

/// Blank LUNs, their passthrough, and what is burned to them in the guest.
const LUNS: [(&str, Passthrough); 4] = [
    ("first", Passthrough::Generic),
    ("closed", Passthrough::Block),
    ("verified", Passthrough::Generic),
    ("grow", Passthrough::Generic),
];

/// Builds the source tree in `$1`, the same on the host (sh) and in the guest (busybox):
/// nested directories, a file of many blocks, a long mixed-case name, an executable, a
/// symlink, a hard link, an empty directory; fixed modes and times.
const MAKE_TREE: &str = r#"
umask 022
T=$1
mkdir -p "$T/docs/deep/er" "$T/bin" "$T/data" "$T/empty" || exit 1
printf 'hello from a tgt DVD+R\n' > "$T/hello.txt"
printf 'read me\n' > "$T/docs/README"
printf 'a longer name, Mixed Case and spaces\n' > "$T/docs/A Long File Name, Mixed Case.txt"
printf 'deep\n' > "$T/docs/deep/er/file.txt"
printf '#!/bin/sh\necho tool\n' > "$T/bin/tool.sh"
seq 1 40000 > "$T/data/numbers.txt"
ln -s ../hello.txt "$T/docs/hello-link"
ln "$T/hello.txt" "$T/data/hello-hardlink.txt"
chmod 0755 "$T/bin/tool.sh"
chmod 0600 "$T/docs/README"
find "$T" -exec touch -h -d @1600000000 {} + || exit 2
"#;

/// A second tree, for the session tgt must refuse.
const MAKE_SECOND_TREE: &str = r#"
mkdir -p /src2 && printf 'session 2\n' > /src2/second.txt
"#;

struct Fixture {
    report: BootReport,
    /// The backing files after the boot, by label.
    backing: Vec<(&'static str, PathBuf)>,
    /// The source tree (built on the host like the guest's).
    expected: Snapshot,
    /// The same burn to an emulated DVD+R: its data file.
    twin: PathBuf,
    /// `discburn export` of the twin: what growisofs was given.
    image: PathBuf,
    /// The emulated tgt medium served as `mirror`.
    mirror: PathBuf,
    discburn: PathBuf,
    dir: PathBuf,
}

fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Option<Fixture>> = OnceLock::new();
    FIXTURE
        .get_or_init(|| {
            if !qemu_harness::require_qemu() || !qemu_harness::require_tgt() {
                return None;
            }
            if !["growisofs", "sg_raw"]
                .iter()
                .all(|tool| testkit::tools::require_tool(tool))
            {
                return None;
            }
            Some(boot())
        })
        .as_ref()
}

fn run_ok(command: &mut Command) -> String {
    let out = command.output().expect("run");
    assert!(
        out.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn boot() -> Fixture {
    let started = Instant::now();
    let lap = |what: &str| {
        eprintln!(
            "tgt_recorder: {what} at {:.1} s",
            started.elapsed().as_secs_f64()
        )
    };
    let dir = testkit::static_fixture_dir(env!("CARGO_TARGET_TMPDIR"), "tgt-recorder");
    let discburn = dir.join("discburn");
    std::fs::copy(discburn_binary().expect("discburn binary"), &discburn).expect("copy discburn");

    // The tree, and the same burn to an emulated DVD+R on the host.
    let src = dir.join("src");
    run_ok(Command::new("sh").args(["-c", MAKE_TREE, "sh"]).arg(&src));
    let expected = snapshot(&src).expect("snapshot of the tree");
    let twin = dir.join("twin.emu");
    run_ok(
        Command::new(&discburn)
            .args(["emu", "create", "--media", "dvd+r"])
            .arg(&twin),
    );
    let twin_target = format!("emu:{}", twin.display());
    run_ok(
        Command::new(&discburn)
            .args(["burn", "--target", &twin_target])
            .arg(&src)
            .env("SOURCE_DATE_EPOCH", EPOCH),
    );
    let image = dir.join("image.iso");
    run_ok(
        Command::new(&discburn)
            .args(["export", "--target", &twin_target, "--output"])
            .arg(&image),
    );

    lap("host burn and export done");
    let mut tgt = TgtDaemon::start().expect("tgtd");
    let mut scenario = Scenario::new("tgt-recorder").timeout(Duration::from_secs(300));
    let mut backing = Vec::new();
    for (label, passthrough) in LUNS {
        let lun = tgt.blank_dvd_plus_r(label, &dir).expect("blank LUN");
        scenario = scenario.iscsi_drive_as(label, &lun.url, passthrough);
        backing.push((label, lun.backing));
    }
    let burn = format!("SOURCE_DATE_EPOCH={EPOCH} discburn --json burn");
    scenario = scenario
        .binary("discburn", &discburn)
        .host_binary("growisofs")
        .host_binary("sg_raw")
        .file("/image.iso", &image, 0o644)
        .step("tree", &format!("set -- /src\n{MAKE_TREE}"))
        .step("drives", "discburn drives --json")
        .step("info_blank", "discburn info --json --target $DEV_first")
        .step("burn", &format!("{burn} --target $DEV_first /src"))
        .step("info_burned", "discburn info --json --target $DEV_first")
        .step(
            "second",
            &format!("{MAKE_SECOND_TREE}{burn} --target $DEV_first /src2\necho \"rc=$?\""),
        )
        .step(
            // No media-change event from tgt: eject and load so that the kernel reads
            // the new capacity (tgt-recorder.md §3).
            "reload",
            "sg_raw $SG_first 1b 00 00 00 02 00 >/dev/null 2>&1 || exit 1\n\
             dd if=$DEV_first of=/dev/null count=1 2>/dev/null\n\
             sg_raw $SG_first 1b 00 00 00 03 00 >/dev/null 2>&1 || exit 2",
        )
        .step(
            "mount",
            &mount_and_list_step("first", "/mnt/first", "", None),
        )
        .step(
            "close",
            &format!("{burn} --close --target $DEV_closed /src"),
        )
        .step("info_closed", "discburn info --json --target $DEV_closed")
        .step(
            "verify",
            &format!("{burn} --verify full --target $DEV_verified /src"),
        )
        .step(
            "growisofs",
            "[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd\n\
             growisofs -Z $DEV_grow=/image.iso > /tmp/g.log 2>&1 || { cat /tmp/g.log; exit 1; }\n\
             grep -i 'closing\\|builtin_dd' /tmp/g.log",
        );
    // The emulator's tgt personality, served over iSCSI, on a fifth LUN.
    let mirror = dir.join("mirror.emu");
    run_ok(
        Command::new(&discburn)
            .args(["emu", "create", "--media", "dvd+r", "--drive", "tgt"])
            .arg(&mirror),
    );
    let served = EmuServer::start(&discburn, &mirror, "").expect("emu serve");
    scenario = scenario
        .iscsi_drive("mirror", served.url())
        .step("mirror_blank", "discburn info --json --target $DEV_mirror")
        .step("mirror_burn", &format!("{burn} --target $DEV_mirror /src"))
        .step("mirror_burned", "discburn info --json --target $DEV_mirror")
        .step(
            "mirror_second",
            &format!("{burn} --target $DEV_mirror /src2\necho \"rc=$?\""),
        );
    let report = scenario.run().expect("boot");
    tgt.shutdown().expect("tgtd stopped cleanly");
    // Stopping the server persists the medium as the guest left it.
    drop(served);
    eprintln!("{}", report.timing_summary());
    eprintln!(
        "tgt_recorder: fixture (host burns, tgtd, boot) took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Fixture {
        report,
        backing,
        expected,
        twin,
        image,
        mirror,
        discburn,
        dir,
    }
}

fn backing(fixture: &Fixture, label: &str) -> Vec<u8> {
    let (_, path) = fixture
        .backing
        .iter()
        .find(|(l, _)| *l == label)
        .expect("a LUN of that label");
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Asserts `got` equals `want` byte for byte, naming the first block that differs.
fn assert_same_bytes(got: &[u8], want: &[u8], what: &str) {
    let first = got.iter().zip(want).position(|(a, b)| a != b);
    assert_eq!(
        first.map(|at| (at / 2048, at % 2048)),
        None,
        "{what}: (block, byte) of the first difference"
    );
    assert_eq!(got.len(), want.len(), "{what}: length");
}

/// The blocks of the session as discburn burns it to a DVD+R: the twin's data file up to
/// the first burn's padded end (a multiple of 16 blocks).
fn twin_session(fixture: &Fixture, blocks: usize) -> Vec<u8> {
    use std::io::Read;
    // The data file is sparse and as large as the disc (4.7 GB): read the prefix only.
    let mut data = vec![0u8; blocks * 2048];
    std::fs::File::open(&fixture.twin)
        .and_then(|mut file| file.read_exact(&mut data))
        .expect("twin data file");
    data
}

/// The session's size in blocks as `burn --json` reported it, padded to 16.
fn burned_blocks(result: &serde_json::Value) -> usize {
    let blocks = result["blocks"].as_u64().expect("blocks") as usize;
    blocks.div_ceil(16) * 16
}

#[test]
fn the_guest_sees_a_blank_tgt_dvd_plus_r() {
    let Some(fixture) = fixture() else { return };
    let drives = json_result(fixture.report.expect_ok("drives"));
    let drives = drives["drives"].as_array().expect("drives");
    // Four tgt LUNs and the emulated tgt: all five answer as tgt's drive.
    assert_eq!(drives.len(), LUNS.len() + 1, "{drives:?}");
    for drive in drives {
        assert_eq!(drive["vendor"], "IET", "{drive}");
        assert_eq!(drive["model"], "VIRTUAL-CDROM", "{drive}");
        assert_eq!(drive["current_profile"], "DVD+R", "{drive}");
        assert_eq!(
            drive["writable_profiles"],
            serde_json::json!(["DVD+R"]),
            "{drive}"
        );
    }
    let info = json_result(fixture.report.expect_ok("info_blank"));
    assert_eq!(info["media"]["disc_status"], "blank", "{info}");
    assert_eq!(info["next_writable_address"], 0, "{info}");
    assert_eq!(info["free_blocks"], 2_295_104, "{info}");
}

/// xorriso (extract), isoinfo (listing, contents, modes) and pycdlib (manifest) read
/// `image` as the source tree, exactly.
fn check_readers(fixture: &Fixture, image: &Path, what: &str) {
    let expected = &fixture.expected;
    if testkit::tools::require_tool("xorriso") {
        let out = fixture.dir.join(format!("xorriso-{what}"));
        run_ok(
            Command::new("xorriso")
                .args(["-osirrox", "on", "-hardlinks", "on", "-indev"])
                .arg(image)
                .args(["-extract", "/"])
                .arg(&out),
        );
        let got = snapshot(&out).expect("snapshot of xorriso's extraction");
        if let Err(diff) = compare(expected, &got, &CompareOptions::strict()) {
            panic!("{what} extracted by xorriso: {diff}");
        }
    }
    if testkit::tools::require_tool("isoinfo") {
        let listing = run_ok(Command::new("isoinfo").args(["-R", "-f", "-i"]).arg(image));
        let listed: BTreeSet<String> = listing
            .lines()
            .map(|l| l.trim_start_matches('/').to_string())
            .filter(|l| !l.is_empty())
            .collect();
        let want: BTreeSet<String> = expected.entries.keys().cloned().collect();
        assert_eq!(listed, want, "{what}: isoinfo -R -f");
        for (path, entry) in &expected.entries {
            if entry.kind != Kind::File {
                continue;
            }
            let out = Command::new("isoinfo")
                .args(["-R", "-i"])
                .arg(image)
                .arg("-x")
                .arg(format!("/{path}"))
                .output()
                .expect("isoinfo -x");
            assert_eq!(
                Some(testkit::snapshot::sha256_bytes(&out.stdout)),
                entry.sha256,
                "{what}: isoinfo -R -x /{path}"
            );
        }
    }
    if testkit::tools::require_python_module("pycdlib") {
        let manifest = run_ok(
            Command::new("python3")
                .args(["-c", PYCDLIB_MANIFEST])
                .arg(image),
        );
        let manifest: serde_json::Value = serde_json::from_str(&manifest).expect("JSON");
        let manifest = manifest.as_object().expect("object");
        let want: BTreeSet<&String> = expected.entries.keys().collect();
        let got: BTreeSet<&String> = manifest.keys().collect();
        assert_eq!(got, want, "{what}: paths pycdlib walks");
        for (path, entry) in &expected.entries {
            let seen = &manifest[path];
            assert_eq!(
                seen["mode"].as_u64(),
                Some(u64::from(entry.mode)),
                "{what}: pycdlib mode of {path}"
            );
            match entry.kind {
                Kind::File => assert_eq!(
                    seen["sha256"].as_str(),
                    entry.sha256.as_deref(),
                    "{what}: pycdlib content of {path}"
                ),
                Kind::Symlink => assert_eq!(
                    seen["target"].as_str(),
                    entry.target.as_deref(),
                    "{what}: pycdlib symlink {path}"
                ),
                _ => {}
            }
        }
    }
}

/// Python: every Rock Ridge path of an image with its mode, symlink target and SHA-256.
const PYCDLIB_MANIFEST: &str = r#"
import hashlib, json, sys, pycdlib
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
out = {}
class Hasher:
    def __init__(self): self.h = hashlib.sha256()
    def write(self, b): self.h.update(b)
for root, dirs, files in iso.walk(rr_path='/'):
    for name in dirs + files:
        path = (root.rstrip('/') + '/' + name).lstrip('/')
        rr = iso.get_record(rr_path='/' + path).rock_ridge
        entry = {'mode': rr.get_file_mode() & 0o7777}
        if name in files and rr.is_symlink():
            entry['target'] = rr.symlink_path().decode()
        elif name in files:
            h = Hasher()
            iso.get_file_from_iso_fp(h, rr_path='/' + path)
            entry['sha256'] = h.h.hexdigest()
        out[path] = entry
iso.close()
json.dump(out, sys.stdout)
"#;

#[test]
fn discburn_burns_a_first_session_that_others_read_back_exactly() {
    let Some(fixture) = fixture() else { return };
    let result = json_result(fixture.report.expect_ok("burn"));
    assert_eq!(result["session"], 1, "{result}");
    assert_eq!(result["start_lba"], 0, "{result}");
    check_readers(fixture, &fixture.backing[0].1, "first");
    // What tgt wrote to its file is what discburn writes to an emulated DVD+R.
    let blocks = burned_blocks(&result);
    let written = backing(fixture, "first");
    assert_same_bytes(
        &written,
        &twin_session(fixture, blocks),
        "tgt's file vs the emulated DVD+R",
    );
    // The drive now reports a finalised DVD-ROM holding that session.
    let info = json_result(fixture.report.expect_ok("info_burned"));
    assert_eq!(info["media"]["disc_status"], "complete", "{info}");
    assert_eq!(info["sessions"][0]["start_lba"], 0, "{info}");
    // tgt's READ TOC is short: the session start and the size come from READ TRACK
    // INFORMATION and READ CAPACITY, and nothing read past the end grew the disc.
    assert_eq!(info["media"]["last_session_start"], 0, "{info}");
    assert_eq!(info["media"]["tracks"][0]["size"], blocks, "{info}");
    assert_eq!(info["media"]["capacity_blocks"], blocks, "{info}");
    // discburn on the host reads the same tree from tgt's file.
    let out = fixture.dir.join("discburn-first");
    run_ok(
        Command::new(&fixture.discburn)
            .args(["extract", "--target"])
            .arg(&fixture.backing[0].1)
            .arg("--output")
            .arg(&out),
    );
    if let Err(diff) = compare(
        &fixture.expected,
        &snapshot(&out).unwrap(),
        &CompareOptions::strict(),
    ) {
        panic!("discburn extract of tgt's file: {diff}");
    }
}

#[test]
fn the_guest_kernel_mounts_the_burned_disc_after_a_reload() {
    let Some(fixture) = fixture() else { return };
    fixture.report.expect_ok("reload");
    let listing = fixture.report.expect_ok("mount");
    if let Err(diff) = check_rock_ridge_view(&fixture.expected, listing, &[], &[]) {
        panic!("the guest kernel's view of the tgt disc: {diff}");
    }
}

#[test]
fn a_second_session_is_refused_and_the_disc_is_not_touched() {
    let Some(fixture) = fixture() else { return };
    let output = fixture.report.expect_ok("second");
    assert!(
        output.contains("rc=4"),
        "a closed disc is exit code 4:\n{output}"
    );
    let error = json_of_type(output, "error").unwrap_or_else(|e| panic!("{e}"));
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("DVD-ROM") && message.contains("nothing was written"),
        "the refusal names the state the drive reports: {error}"
    );
    // The file still holds the first session alone (checked against the twin).
    let blocks = burned_blocks(&json_result(fixture.report.expect_ok("burn")));
    assert_same_bytes(
        &backing(fixture, "first"),
        &twin_session(fixture, blocks),
        "tgt's file after the refused burn",
    );
}

#[test]
fn close_and_verify_full_burn_the_same_session() {
    let Some(fixture) = fixture() else { return };
    let closed = json_result(fixture.report.expect_ok("close"));
    let info = json_result(fixture.report.expect_ok("info_closed"));
    assert_eq!(info["media"]["disc_status"], "complete", "{info}");
    let verified = json_result(fixture.report.expect_ok("verify"));
    assert_eq!(verified["verified"], "full", "{verified}");
    for (label, result) in [("closed", &closed), ("verified", &verified)] {
        let blocks = burned_blocks(result);
        assert_same_bytes(
            &backing(fixture, label),
            &twin_session(fixture, blocks),
            &format!("tgt's {label} file vs the emulated DVD+R"),
        );
    }
    check_readers(fixture, &fixture.backing[1].1, "closed");
}

#[test]
fn growisofs_writes_the_same_session() {
    let Some(fixture) = fixture() else { return };
    let log = fixture.report.expect_ok("growisofs");
    assert!(log.contains("builtin_dd"), "{log}");
    let image = std::fs::read(&fixture.image).expect("exported image");
    let grown = backing(fixture, "grow");
    let ours = backing(fixture, "first");
    // growisofs pads to 16 blocks as discburn does: the two files are the same session.
    assert!(
        grown.len() >= image.len(),
        "{} < {}",
        grown.len(),
        image.len()
    );
    assert_same_bytes(
        &grown[..image.len()],
        &image,
        "growisofs's file vs the image",
    );
    assert!(
        grown[image.len()..].iter().all(|&b| b == 0),
        "growisofs padded with zeros"
    );
    assert_same_bytes(&grown, &ours, "growisofs's file vs discburn's");
}

/// `value` without what names the device rather than the disc.
fn without_names(mut value: serde_json::Value) -> serde_json::Value {
    for key in ["target", "elapsed_s", "device"] {
        if let Some(object) = value.as_object_mut() {
            object.remove(key);
        }
    }
    if let Some(media) = value.get_mut("media").and_then(|m| m.as_object_mut()) {
        media.remove("device");
    }
    value
}

#[test]
fn the_emulated_tgt_answers_discburn_as_tgt_does() {
    let Some(fixture) = fixture() else { return };
    for (ours, real) in [
        ("mirror_blank", "info_blank"),
        ("mirror_burn", "burn"),
        ("mirror_burned", "info_burned"),
    ] {
        assert_eq!(
            without_names(json_result(fixture.report.expect_ok(ours))),
            without_names(json_result(fixture.report.expect_ok(real))),
            "{ours} vs {real}"
        );
    }
    let second = fixture.report.expect_ok("mirror_second");
    let real_second = fixture.report.expect_ok("second");
    assert!(
        second.contains("rc=4") && real_second.contains("rc=4"),
        "{second}"
    );
    let blocks = burned_blocks(&json_result(fixture.report.expect_ok("burn")));
    let mut data = vec![0u8; blocks * 2048];
    std::io::Read::read_exact(
        &mut std::fs::File::open(&fixture.mirror).expect("mirror data file"),
        &mut data,
    )
    .expect("mirror data");
    assert_same_bytes(&data, &backing(fixture, "first"), "the emulated tgt vs tgt");
}
