//! The Linux kernel reads a grown image (issue 7): an image with three sessions made by
//! `discburn burn --target EXISTING.iso` (add; remove a directory and replace files; add
//! again) sits in an IDE CD drive of one QEMU boot. isofs mounts it without options and
//! must show the newest tree exactly; mounted with `-o sbsector=START` at each session's
//! start (from `discburn info --json` on the host) it must show that session's tree
//! exactly (names, kinds, sizes, SHA-256, modes, symlink targets, mtimes, link counts;
//! `check_rock_ridge_view`).
//!
//! The same three sessions burned to every emulated write-once medium (CD-R, DVD+R,
//! DVD-R, DVD+R DL, DVD-R DL, BD-R) and exported with `discburn export` (every track at
//! its LBA, gaps as holes) sit in virtio-scsi drives: the kernel mounts each session of
//! them with `sbsector=` too (issue 10).
//!
//! Expected trees are built on the host from the source trees with `cp -a`: session 2 is
//! session 1 minus the removed directory plus source 2, and so on. One boot serves every
//! test (a `OnceLock`; under cargo-nextest each test would boot once: use `cargo test`).
//!
//! The kernel under test (Debian's, with the 2026 stable patch "isofs: bound CE extents
//! by s_nzones", fs/isofs/rock.c `rock_continue`) refuses any Rock Ridge continuation
//! area at an LBA at or above the mounted PVD's volume space size, which for session N > 1
//! is the session's own size (ECMA-119 / libisofs / cdrtools convention) while its CE
//! areas lie at absolute LBAs past its start. Linux knows Rock Ridge by the root's ER
//! entry, so discburn keeps SP, ER and an NM entry inline in the root's `.` record (a
//! writer that puts ER in a continuation area shows sessions 2 and up without Rock Ridge:
//! modes 0555, no symlinks; console: "rock: corrupted directory entry. extent=N out of
//! volume (nzones=M)"). `kernel_reads_every_older_session_with_rock_ridge` holds that.

#[path = "../../fsimage/tests/read_support/mod.rs"]
mod read_support;
#[path = "sessions_in_the_loop/reader_drives.rs"]
mod reader_drives;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use std::sync::OnceLock;

use qemu_harness::{
    check_rock_ridge_view, mount_and_list_step, parse_guest_listing, to_snapshot, BootReport, Bus,
    LinkGrouping, Scenario,
};
use testkit::sessions::{ThreeSessions, SESSION2_REMOVE};
use testkit::{compare, run, CompareOptions, Kind, NameView, Snapshot, SymlinkCheck};

#[track_caller]
fn run_ok(command: &mut Command) -> String {
    let out = run(command);
    assert!(out.success(), "{out}");
    out.stdout
}

/// `(number, start_lba)` of the sessions in a `discburn info --json` result.
fn sessions_of(info_output: &str) -> Result<Vec<(u64, u64)>, String> {
    let result = info_output
        .lines()
        .rev()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|v| v["type"] == "result")
        .ok_or_else(|| format!("no JSON result in {info_output}"))?;
    result["sessions"]
        .as_array()
        .ok_or_else(|| format!("no sessions[] in {result}"))?
        .iter()
        .map(|s| match (s["number"].as_u64(), s["start_lba"].as_u64()) {
            (Some(n), Some(lba)) => Ok((n, lba)),
            _ => Err(format!("bad session {s}")),
        })
        .collect()
}

/// Size of session 1's big file (not a multiple of the block size).
const BIG_SIZE: usize = (3 << 20) + 77;

/// The one boot and what it must show.
struct Fixture {
    report: BootReport,
    /// `(number, start_lba)` per `discburn info --json` on the host.
    sessions: Vec<(u64, u64)>,
    /// The tree of session N at index N-1.
    expected: Vec<Snapshot>,
    /// Emulated write-once media burned the same way and exported
    /// (`discburn export`): medium name → `(number, start_lba)` of its sessions.
    exported: Vec<(&'static str, Vec<(u64, u64)>)>,
    /// Issue 8's images and what discburn makes of them (`reader_drives`).
    reader: reader_drives::HostSide,
}

/// Write-once media whose exported sessions the kernel mounts (issue 10): the CD
/// gaps (11 400 / 6 900 blocks), the DVD-R border zones, and DVD+R's and BD-R's
/// aligned session gaps put every session somewhere else than an image file's
/// 32-block chain. Each is one more drive in the same boot.
const EXPORTED_MEDIA: [&str; 6] = ["cd-r", "dvd+r", "dvd-r", "dvd+r-dl", "dvd-r-dl", "bd-r"];

static FIXTURE: OnceLock<Option<Fixture>> = OnceLock::new();

/// The one boot, shared by every test; `None` when QEMU cannot run here (outside CI).
fn fixture() -> Option<&'static Fixture> {
    let fixture = FIXTURE
        .get_or_init(|| {
            qemu_harness::unavailable_reason()
                .is_none()
                .then(prepare_and_boot)
        })
        .as_ref();
    if fixture.is_none() {
        // Every test that needs the boot says it skipped (a failure under CI).
        qemu_harness::require_qemu();
    }
    fixture
}

fn prepare_and_boot() -> Fixture {
    let discburn = qemu_harness::discburn_binary().unwrap_or_else(|e| panic!("{e}"));
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    let ThreeSessions {
        sources: srcs,
        expected: e,
    } = ThreeSessions::create(root, BIG_SIZE);
    let expected: Vec<Snapshot> = e.iter().map(|d| testkit::snapshot(d).unwrap()).collect();

    let image = root.join("grown.iso");
    let burn = |extra: &[&str], src: &Path| {
        run_ok(
            Command::new(&discburn)
                .args(["burn", "--target"])
                .arg(&image)
                .args(extra)
                .arg(src),
        );
    };
    burn(&["--volume-name", "S1"], &srcs[0]);
    burn(
        &["--volume-name", "S2", "--remove", SESSION2_REMOVE],
        &srcs[1],
    );
    burn(&["--volume-name", "S3"], &srcs[2]);
    let host_info = run_ok(
        Command::new(&discburn)
            .args(["--json", "info", "--target"])
            .arg(&image),
    );
    let sessions = sessions_of(&host_info).unwrap();
    assert_eq!(sessions.len(), 3, "{host_info}");

    // The same three sessions on emulated write-once media, exported with every
    // track at its LBA (what `mount -o sbsector=` addresses on a real disc).
    let mut exported = Vec::new();
    for media in EXPORTED_MEDIA {
        let medium = root.join(format!("{media}.emu"));
        run_ok(
            Command::new(&discburn)
                .args(["emu", "create"])
                .arg(&medium)
                .args(["--media", media]),
        );
        let target = format!("emu:{}", medium.display());
        for (n, src) in srcs.iter().enumerate() {
            let name = format!("S{}", n + 1);
            let mut command = Command::new(&discburn);
            command.args(["burn", "--target", &target, "--volume-name", &name]);
            if n == 1 {
                command.args(["--remove", SESSION2_REMOVE]);
            }
            run_ok(command.arg(src));
        }
        let info = run_ok(Command::new(&discburn).args(["--json", "info", "--target", &target]));
        let medium_sessions = sessions_of(&info).unwrap();
        assert_eq!(medium_sessions.len(), 3, "{media}: {info}");
        run_ok(
            Command::new(&discburn)
                .args(["export", "--target", &target, "--output"])
                .arg(root.join(format!("{}.iso", label_of(media)))),
        );
        exported.push((media, medium_sessions));
    }

    let mut scenario = Scenario::new("sessions_in_the_loop")
        .timeout(Duration::from_secs(600))
        .drive("cd", Bus::Ide, &image)
        .step(
            "kernel_newest",
            &mount_and_list_step("cd", "/mnt/newest", "", None),
        );
    for (n, start) in &sessions {
        scenario = scenario.step(
            &format!("kernel_session{n}"),
            &mount_and_list_step(
                "cd",
                &format!("/mnt/s{n}"),
                &format!("sbsector={start}"),
                None,
            ),
        );
    }
    for (media, medium_sessions) in &exported {
        let label = label_of(media);
        scenario = scenario.drive(&label, Bus::VirtioScsi, &root.join(format!("{label}.iso")));
        for (n, start) in medium_sessions {
            scenario = scenario.step(
                &format!("{label}_session{n}"),
                &mount_and_list_step(
                    &label,
                    &format!("/mnt/{label}{n}"),
                    &format!("sbsector={start}"),
                    None,
                ),
            );
        }
    }
    let (reader, reader_images) = reader_drives::prepare(root, &discburn);
    scenario = reader_drives::add(scenario, &reader_images);
    // What isofs said about Rock Ridge (KERN_NOTICE/DEBUG lines are not on the console).
    scenario = scenario.step(
        "isofs_messages",
        "dmesg | grep -E 'rock:|ISOFS|ISO 9660 Extensions|isofs|zisofs|Symlink' || true\n",
    );
    let report = scenario
        .run()
        .unwrap_or_else(|e| panic!("the QEMU boot failed: {e}"));
    eprintln!("{}", report.timing_summary());
    Fixture {
        report,
        sessions,
        expected,
        exported,
        reader,
    }
}

/// Drive label and image name for an emulated medium (`dvd+r` → `dvd_plus_r`).
fn label_of(media: &str) -> String {
    media.replace('+', "_plus_").replace('-', "_")
}

/// The kernel's Rock Ridge view of `step` against `expected`, exactly.
fn rock_ridge_view(fixture: &Fixture, step: &str, expected: &Snapshot) -> Result<(), String> {
    let output = fixture.report.ok_output(step).map_err(|e| e.to_string())?;
    let view = check_rock_ridge_view(expected, output, &[], &[])
        .map_err(|diff| format!("{step}: {diff}"))?;
    eprintln!(
        "{step}: {} entries as expected (isofs allowances {:?})",
        view.entries.len(),
        view.allowances
    );
    Ok(())
}

#[test]
fn kernel_reads_the_newest_tree_and_session_one_exactly() {
    let Some(f) = fixture() else { return };
    assert_eq!(f.sessions[0], (1, 32));
    let mut failures = Vec::new();
    // No option: isofs asks the drive for the last session (QEMU: one, at 0) and reads
    // the superblock copy at LBA 16, the newest tree.
    failures.extend(rock_ridge_view(f, "kernel_newest", &f.expected[2]).err());
    // Session 1 lies below its own volume space size: nothing stops Rock Ridge there.
    failures.extend(rock_ridge_view(f, "kernel_session1", &f.expected[0]).err());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn kernel_reads_every_session_with_sbsector() {
    let Some(f) = fixture() else { return };
    // Whatever tree isofs picks (Rock Ridge or, see the module docs, Joliet), every name
    // Joliet can hold, every kind but symlinks, every size and every content must be
    // the session's.
    let mut failures = Vec::new();
    for (n, _) in &f.sessions {
        let step = format!("kernel_session{n}");
        let output = match f.report.ok_output(&step) {
            Ok(output) => output,
            Err(e) => {
                failures.push(e.to_string());
                continue;
            }
        };
        let entries = parse_guest_listing(output).unwrap_or_else(|e| panic!("{step}: {e}"));
        let mut actual = to_snapshot(&entries, LinkGrouping::None);
        actual.entries.retain(|_, e| e.kind != Kind::Symlink);
        let options = CompareOptions {
            names: NameView::Joliet,
            symlinks: SymlinkCheck::Absent,
            ..CompareOptions::content_only()
        };
        if let Err(diff) = compare(&f.expected[*n as usize - 1], &actual, &options) {
            failures.push(format!("{step}: {diff}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn kernel_reads_every_older_session_with_rock_ridge() {
    let Some(f) = fixture() else { return };
    let mut failures = Vec::new();
    for (n, _) in &f.sessions {
        let step = format!("kernel_session{n}");
        failures.extend(rock_ridge_view(f, &step, &f.expected[*n as usize - 1]).err());
    }
    assert!(
        failures.is_empty(),
        "{}\n\nkernel messages:\n{}",
        failures.join("\n\n"),
        f.report.ok_output("isofs_messages").unwrap_or_default()
    );
}

#[test]
fn kernel_mounts_every_exported_session_of_write_once_media() {
    let Some(f) = fixture() else { return };
    let mut failures = Vec::new();
    for (media, medium_sessions) in &f.exported {
        // Write-once media put sessions 2 and 3 past gaps, not on the image chain.
        assert_eq!(medium_sessions[0].1, 0, "{media}: {medium_sessions:?}");
        for (n, _) in medium_sessions {
            let step = format!("{}_session{n}", label_of(media));
            failures.extend(rock_ridge_view(f, &step, &f.expected[*n as usize - 1]).err());
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
