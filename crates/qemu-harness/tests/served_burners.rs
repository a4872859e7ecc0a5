//! Issue 14: the emulated recorder served over iSCSI (`discburn emu serve`) and passed
//! through to a Linux guest as a real SCSI drive (`scsi-generic` on virtio-scsi), where
//! other people's burners write three sessions each: wodim on a CD-R, cdrskin on a CD-RW
//! (after blanking it), growisofs on a DVD+R, xorriso on a BD-R. The guest kernel then
//! mounts each disc with no options and must find the newest session by itself (from the
//! drive's TOC), and every older one with `-o session=N`; on the host, `discburn info`
//! must report the sessions at the addresses the burners reported, and `discburn extract
//! --session N` must read every session exactly. growisofs also grows a DVD+RW three
//! times, and discburn itself burns two sessions through the guest's SG_IO that must
//! equal, byte for byte, the same burns made on the host to an `emu:` medium.
//!
//! One boot serves all three media; each test checks its part of the one report.
//!
//! A quirk of Linux, not of the drive: the `sr` driver reads a disc's capacity when the
//! medium changes, not after a burn, so a blank disc stays 1 block long to the kernel
//! until the tray is reloaded. growisofs reloads by itself ("reloading tray"); after
//! wodim and xorriso the guest ejects and loads (`wodim -eject` / `-load`, `xorriso
//! -commit_eject all` + START STOP UNIT), as a user of a real drive does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use qemu_harness::{discburn_binary, json_result, BootReport, EmuServer, Scenario};

#[path = "served_burners/guest_scripts.rs"]
mod guest_scripts;
use guest_scripts::{
    grow_script, mount_script, own_script, CDRSKIN, GROWISOFS, PRELUDE, WODIM, XORRISO,
    XORRISO_BLANK,
};

/// A served medium: its drive label in the guest, `emu create --media` type, the
/// burner, and the emulator faults it is served with (`DISCBURN_EMU_FAULTS`).
struct Disc {
    label: &'static str,
    media: &'static str,
    burner: &'static str,
    faults: &'static str,
}

const DISCS: [Disc; 4] = [
    Disc {
        label: "cdr",
        media: "cd-r",
        burner: "wodim",
        // Immed SYNCHRONIZE CACHE/CLOSE stay busy for the emulator's default 2 polls.
        faults: "",
    },
    Disc {
        label: "cdrw",
        media: "cd-rw",
        burner: "cdrskin",
        faults: "immed_polls=0",
    },
    Disc {
        label: "dvdr",
        media: "dvd+r",
        burner: "growisofs",
        // growisofs and libburn wait about a second between polls of a busy drive:
        // finish Immed operations at once to keep the boot short.
        faults: "immed_polls=0",
    },
    Disc {
        label: "bdr",
        media: "bd-r",
        burner: "xorriso",
        faults: "immed_polls=0",
    },
];

/// Programs copied into the guest (with their libraries).
const GUEST_TOOLS: [&str; 6] = [
    "wodim",
    "cdrskin",
    "genisoimage",
    "growisofs",
    "xorriso",
    "sg_raw",
];

/// A DVD+RW and a BD-RE that growisofs grows (one session, its descriptors rewritten at
/// LBA 16; growisofs formats the blank BD-RE first).
const GROWN: [(&str, &str); 2] = [("plusrw", "dvd+rw"), ("bdre", "bd-re")];

/// A DVD-RW that xorriso writes and blanks.
const BLANKED: (&str, &str) = ("minusrw", "dvd-rw");

/// A DVD+R that discburn burns in the guest, and its twin burned on the host.
const OWN: (&str, &str) = ("own", "dvd+r");

/// SOURCE_DATE_EPOCH of discburn's own burns, in the guest and on the host.
const EPOCH: &str = "1700000000";

/// The file session `n` of `label` adds, and its contents.
fn session_file(label: &str, n: usize) -> (String, String) {
    (format!("{label}{n}.txt"), format!("{label} session {n}"))
}

struct Fixture {
    report: BootReport,
    /// Media files after the boot, by label.
    media: BTreeMap<&'static str, PathBuf>,
    discburn: PathBuf,
    dir: PathBuf,
}

fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Option<Fixture>> = OnceLock::new();
    FIXTURE
        .get_or_init(|| {
            if !qemu_harness::require_qemu() {
                return None;
            }
            if !GUEST_TOOLS
                .iter()
                .all(|tool| testkit::tools::require_tool(tool))
            {
                return None;
            }
            Some(boot())
        })
        .as_ref()
}

fn create_medium(discburn: &Path, medium: &Path, kind: &str) {
    let status = Command::new(discburn)
        .args(["emu", "create", "--media", kind])
        .arg(medium)
        .stdout(Stdio::null())
        .status()
        .expect("emu create");
    assert!(status.success(), "emu create --media {kind}");
}

/// The uid and gid this test runs as (owners of the trees discburn burns).
fn host_ids() -> (u32, u32) {
    let id = |flag: &str| {
        let out = Command::new("id").arg(flag).output().expect("id");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("a number")
    };
    (id("-u"), id("-g"))
}

fn boot() -> Fixture {
    let dir = testkit::static_fixture_dir(env!("CARGO_TARGET_TMPDIR"), "served-burners");
    // A copy: the guest and every host-side command use the same build, even if the
    // workspace's binary is rebuilt while the test runs.
    let discburn = dir.join("discburn");
    std::fs::copy(discburn_binary().expect("discburn binary"), &discburn).expect("copy discburn");
    let mut scenario = Scenario::new("served-burners").timeout(Duration::from_secs(420));
    let mut servers = Vec::new();
    let mut media = BTreeMap::new();
    for disc in &DISCS {
        let medium = dir.join(format!("{}.emu", disc.label));
        create_medium(&discburn, &medium, disc.media);
        let served = EmuServer::start(&discburn, &medium, disc.faults).expect("emu serve");
        scenario = scenario.iscsi_drive(disc.label, served.url());
        servers.push(served);
        media.insert(disc.label, medium);
    }
    for (label, kind) in [GROWN[0], GROWN[1], BLANKED, OWN] {
        let medium = dir.join(format!("{label}.emu"));
        create_medium(&discburn, &medium, kind);
        let served = EmuServer::start(&discburn, &medium, "immed_polls=0").expect("emu serve");
        scenario = scenario.iscsi_drive(label, served.url());
        servers.push(served);
        media.insert(label, medium);
    }
    for tool in GUEST_TOOLS {
        scenario = scenario.host_binary(tool);
    }
    scenario = scenario
        .binary("discburn", &discburn)
        .step("drives", "discburn drives --json")
        .step("wodim", &format!("{PRELUDE}{WODIM}"))
        .step("cdrskin", &format!("{PRELUDE}{CDRSKIN}"))
        .step("growisofs", &format!("{PRELUDE}{GROWISOFS}"))
        .step("xorriso", &format!("{PRELUDE}{XORRISO}"))
        .step(
            "grow_plusrw",
            &format!("{PRELUDE}{}", grow_script(GROWN[0].0)),
        )
        .step(
            "grow_bdre",
            &format!("{PRELUDE}{}", grow_script(GROWN[1].0)),
        )
        .step("xorriso_blank", &format!("{PRELUDE}{XORRISO_BLANK}"))
        .step(
            "own",
            &format!("{PRELUDE}{}", {
                let (uid, gid) = host_ids();
                own_script(uid, gid)
            }),
        );
    for disc in &DISCS {
        scenario = scenario
            .step(
                &format!("mount_{}", disc.label),
                &format!("{PRELUDE}{}", mount_script(disc.label)),
            )
            .step(
                &format!("info_{}", disc.label),
                &format!("discburn info --json --target $DEV_{}", disc.label),
            );
    }
    let report = scenario.run().expect("boot");
    // Stopping the servers leaves the media as the burners left them (each session end
    // was persisted when the initiator logged out).
    drop(servers);
    eprintln!("{}", report.timing_summary());
    Fixture {
        report,
        media,
        discburn,
        dir,
    }
}

/// Session start addresses as the burner reported them in the guest.
fn burner_session_starts(fixture: &Fixture, disc: &Disc) -> Vec<u64> {
    let output = fixture.report.expect_ok(disc.burner);
    let number = |s: &str| {
        s.trim()
            .parse::<u64>()
            .unwrap_or_else(|e| panic!("{e}: {s:?}"))
    };
    match disc.burner {
        // "track:   2 lba:     11702 (    46808) 02:38:02 adr: 1 control: 4 mode: -1"
        "wodim" | "cdrskin" => output
            .lines()
            .filter(|l| l.starts_with("track:") && !l.contains("lout"))
            .map(|l| number(l.split("lba:").nth(1).unwrap().split('(').next().unwrap()))
            .collect(),
        // "Executing 'genisoimage -C 16,6336 -M /dev/fd/4 ...": the new session's start
        // is the second number; the first session starts at 0.
        "growisofs" => std::iter::once(0)
            .chain(output.lines().filter_map(|l| {
                let c = l.split(" -C ").nth(1)?;
                Some(number(c.split_whitespace().next()?.split(',').nth(1)?))
            }))
            .collect(),
        // "ISO session  :   2 ,      4288 ,        26s , ISOIMAGE"
        "xorriso" => output
            .lines()
            .filter(|l| l.starts_with("ISO session"))
            .map(|l| number(l.split(',').nth(1).unwrap()))
            .collect(),
        other => panic!("unknown burner {other}"),
    }
}

/// What the tree of session `n` (1-based) holds: every file of sessions 1..=n.
fn expected_tree(label: &str, n: usize) -> String {
    (1..=n)
        .map(|k| {
            let (name, text) = session_file(label, k);
            format!("./{name} {text}\n")
        })
        .collect()
}

fn run_discburn(fixture: &Fixture, args: &[&str]) -> String {
    let out = Command::new(&fixture.discburn)
        .args(args)
        .output()
        .expect("run discburn");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "discburn {args:?}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn the_guest_sees_served_recorders() {
    let Some(fixture) = fixture() else { return };
    let drives = json_result(fixture.report.expect_ok("drives"));
    let drives = drives["drives"].as_array().expect("drives");
    assert_eq!(drives.len(), DISCS.len() + 4, "{drives:?}");
    let profiles: Vec<&str> = drives
        .iter()
        .map(|d| {
            assert_eq!(d["vendor"], "DISCBURN", "{d}");
            assert_eq!(d["model"], "EMU RECORDER", "{d}");
            d["current_profile"].as_str().unwrap_or_default()
        })
        .collect();
    assert_eq!(
        profiles,
        [
            "CD-R",
            "CD-RW",
            "DVD+R",
            "BD-R SRM",
            "DVD+RW",
            "BD-RE",
            "DVD-RW sequential",
            "DVD+R"
        ]
    );
}

/// The checks of one disc after its burner wrote three sessions.
fn check_disc(disc: &Disc) {
    let Some(fixture) = fixture() else { return };
    let label = disc.label;

    // The kernel finds the newest session by itself, and each one on request.
    let mounted = fixture.report.expect_ok(&format!("mount_{label}"));
    let mut expected = format!("newest\n{}", expected_tree(label, 3));
    for s in 0..3 {
        expected.push_str(&format!("session={s}\n{}", expected_tree(label, s + 1)));
    }
    assert_eq!(
        mounted, expected,
        "what the guest kernel mounted from {label}"
    );

    // discburn on the host and in the guest agree with the burner's addresses.
    let starts = burner_session_starts(fixture, disc);
    assert_eq!(starts.len(), 3, "{} reported {starts:?}", disc.burner);
    let medium = fixture.media[label].display().to_string();
    let target = format!("emu:{medium}");
    let host_info = json_result(&run_discburn(
        fixture,
        &["info", "--json", "--target", &target],
    ));
    let guest_info = json_result(fixture.report.expect_ok(&format!("info_{label}")));
    for (info, side) in [(&host_info, "host"), (&guest_info, "guest")] {
        let sessions: Vec<u64> = info["sessions"]
            .as_array()
            .unwrap_or_else(|| panic!("{side}: no sessions in {info}"))
            .iter()
            .map(|s| s["start_lba"].as_u64().unwrap())
            .collect();
        assert_eq!(
            sessions, starts,
            "{side} discburn info vs {}: {info}",
            disc.burner
        );
    }

    // The burners left the disc open for more sessions, and discburn says so.
    assert_eq!(
        host_info["media"]["disc_status"], "appendable",
        "{host_info}"
    );

    // Every session reads back exactly on the host: with discburn (`--session N`), and
    // with xorriso reading the medium's data file from the session's first block.
    for (n, start) in (1..=3).zip(&starts) {
        let wanted: Vec<(String, String)> = (1..=n).map(|k| session_file(label, k)).collect();
        let out = fixture.dir.join(format!("extract-{label}-{n}"));
        let session = n.to_string();
        run_discburn(
            fixture,
            &[
                "extract",
                "--target",
                &target,
                "--session",
                &session,
                "--output",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(
            files_in(&out),
            wanted,
            "session {n} of {label} extracted by discburn"
        );
        let by_xorriso = fixture.dir.join(format!("xorriso-{label}-{n}"));
        let xorriso = Command::new("xorriso")
            .args(["-osirrox", "on", "-indev"])
            .arg(format!("stdio:{medium}"))
            .args(["-load", "sbsector", &start.to_string(), "-extract", "/"])
            .arg(&by_xorriso)
            .output()
            .expect("run xorriso");
        assert!(
            xorriso.status.success(),
            "{}",
            String::from_utf8_lossy(&xorriso.stderr)
        );
        assert_eq!(
            files_in(&by_xorriso),
            wanted,
            "session {n} of {label} extracted by xorriso"
        );
    }
}

/// (name, contents) of the regular files directly in `dir`, sorted.
fn files_in(dir: &Path) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(entry.path()).unwrap())
        })
        .collect();
    found.sort();
    found
}

#[test]
fn wodim_writes_three_sessions_to_a_served_cd_r() {
    check_disc(&DISCS[0]);
}

#[test]
fn cdrskin_blanks_a_served_cd_rw_and_writes_three_sessions() {
    let Some(fixture) = fixture() else { return };
    // After `blank=fast`, before the new sessions: discburn in the guest sees a blank disc.
    let blanked = json_result(fixture.report.expect_ok("cdrskin"));
    assert_eq!(blanked["media"]["disc_status"], "blank", "{blanked}");
    assert_eq!(blanked["media"]["sessions"], 0, "{blanked}");
    check_disc(&DISCS[1]);
}

#[test]
fn growisofs_writes_three_sessions_to_a_served_dvd_plus_r() {
    check_disc(&DISCS[2]);
}

#[test]
fn xorriso_writes_three_sessions_to_a_served_bd_r() {
    check_disc(&DISCS[3]);
}

/// growisofs grew `label` three times: the kernel and discburn see one tree with all files.
fn check_grown(label: &str) {
    let Some(fixture) = fixture() else { return };
    assert_eq!(
        fixture.report.expect_ok(&format!("grow_{label}")),
        expected_tree(label, 3)
    );
    let target = format!("emu:{}", fixture.media[label].display());
    let out = fixture.dir.join(format!("extract-{label}"));
    run_discburn(
        fixture,
        &[
            "extract",
            "--target",
            &target,
            "--output",
            out.to_str().unwrap(),
        ],
    );
    for n in 1..=3 {
        let (name, text) = session_file(label, n);
        assert_eq!(std::fs::read_to_string(out.join(&name)).unwrap(), text);
    }
}

#[test]
fn growisofs_grows_a_served_dvd_plus_rw() {
    check_grown(GROWN[0].0);
}

#[test]
fn growisofs_formats_and_grows_a_served_bd_re() {
    check_grown(GROWN[1].0);
}

#[test]
fn xorriso_writes_and_blanks_a_served_dvd_rw() {
    let Some(fixture) = fixture() else { return };
    let output = fixture.report.expect_ok("xorriso_blank");
    let infos: Vec<serde_json::Value> = output
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|v| v["type"] == "result")
        .collect();
    assert_eq!(infos.len(), 2, "{output}");
    assert_eq!(
        infos[0]["media"]["disc_status"], "appendable",
        "{}",
        infos[0]
    );
    assert_eq!(
        infos[0]["media"]["sessions"], 1,
        "one session: {}",
        infos[0]
    );
    assert_eq!(infos[1]["media"]["disc_status"], "blank", "{}", infos[1]);
    assert_eq!(infos[1]["media"]["sessions"], 0, "{}", infos[1]);
    // The medium on the host is blank too.
    let medium = fixture.media[BLANKED.0].to_str().unwrap().to_string();
    let show = json_result(&run_discburn(fixture, &["emu", "show", "--json", &medium]));
    assert_eq!(show["disc_status"], "blank", "{show}");
}

/// The first `blocks` blocks of a medium's data file.
fn data_prefix(medium: &Path, blocks: u64) -> Vec<u8> {
    use std::io::Read;
    let mut data = vec![0u8; (blocks * 2048) as usize];
    std::fs::File::open(medium)
        .and_then(|mut file| file.read_exact(&mut data))
        .unwrap_or_else(|e| panic!("{}: {e}", medium.display()));
    data
}

#[test]
fn discburn_burns_through_the_guest_as_it_burns_emu_media() {
    let Some(fixture) = fixture() else { return };
    fixture.report.expect_ok("own");
    let (label, kind) = OWN;
    // The same two burns on the host, straight to an `emu:` medium.
    let twin = fixture.dir.join("own-twin.emu");
    create_medium(&fixture.discburn, &twin, kind);
    let twin_target = format!("emu:{}", twin.display());
    for n in 1..=2 {
        let tree = fixture.dir.join(format!("own-{n}"));
        std::fs::create_dir_all(&tree).unwrap();
        let (name, text) = session_file(label, n);
        let file = tree.join(name);
        std::fs::write(&file, text).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(&tree, std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = Command::new(&fixture.discburn)
            .args(["burn", "--target", &twin_target])
            .arg(&tree)
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let show = |medium: &Path| {
        let text = run_discburn(
            fixture,
            &["emu", "show", "--json", medium.to_str().unwrap()],
        );
        let mut summary = json_result(&text);
        summary["path"] = serde_json::Value::Null;
        summary["target"] = serde_json::Value::Null;
        summary
    };
    let served = &fixture.media[label];
    let (guest_state, host_state) = (show(served), show(&twin));
    assert_eq!(
        guest_state, host_state,
        "medium state after the guest's and the host's burns"
    );
    let sessions = host_state["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 2, "{host_state}");
    let end = sessions[1]["leadout_start"]
        .as_u64()
        .expect("leadout_start");
    let (guest_blocks, host_blocks) = (data_prefix(served, end), data_prefix(&twin, end));
    let first_difference = guest_blocks
        .iter()
        .zip(&host_blocks)
        .position(|(a, b)| a != b);
    assert_eq!(
        first_difference.map(|at| (at / 2048, at % 2048)),
        None,
        "(block, byte) where the guest's burn through SG_IO differs from the host's to emu:"
    );
}
