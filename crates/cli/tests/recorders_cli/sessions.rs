//! Three sessions on every kind of emulated disc, from the command line, as
//! the classic multisession script does: add; remove a directory and replace
//! a file; add and `--close`. Each session reads back exactly — through
//! discburn and through xorriso on the medium's data file (LBA × 2048, so
//! `-load sbsector` finds each session) — the addresses follow each medium's
//! rules (CD: 11 400 blocks after the first session, 6 900 after later ones),
//! each session of the export reads back by isoinfo, xorriso and pycdlib,
//! and a fourth session on the closed disc is refused without touching it.

use std::fs;
use std::process::Command;

use crate::interop_support::{discburn, emu_medium, pycdlib_session_snapshot};
use crate::support::{medium_bytes, run_ok, trees};
use testkit::compare::assert_same;
use testkit::{snapshot, CompareOptions};

fn three_sessions_on(media: &str) {
    three_sessions(media, false);
}

/// `formatted`: `discburn format` first (DVD-RW becomes restricted
/// overwrite; DVD+RW and BD-RE are formatted but hold nothing): the disc is
/// still blank to `info` and grows like an image file.
fn three_sessions(media: &str, formatted: bool) {
    let dir = tempfile::tempdir().unwrap();
    let trees = trees(dir.path());
    let medium = dir.path().join(format!("{media}.emu"));
    let target = emu_medium(&medium, media);
    if formatted {
        run_ok(discburn().args(["format", "--target", &target]));
    }
    let blank = run_ok(discburn().args(["--json", "info", "--plan", "10M", "--target", &target]));
    assert_eq!(blank["status"], "blank", "{media}: {blank}");
    let fit = blank["capacity"]["sessions_that_fit"].as_u64().unwrap();
    let free = blank["free_blocks"].as_u64().unwrap();
    assert!(fit > 0 && fit <= free / 5120, "{media}: {blank}");

    let source = |i: usize| trees.sources[i].to_str().unwrap().to_string();
    let reports = [
        run_ok(discburn().args([
            "--json",
            "burn",
            "--target",
            &target,
            "--volume-name",
            "ONE",
            &source(0),
        ])),
        run_ok(discburn().args([
            "--json",
            "burn",
            "--target",
            &target,
            "--volume-name",
            "TWO",
            "--remove",
            "/gone",
            &source(1),
        ])),
        run_ok(discburn().args([
            "--json",
            "burn",
            "--target",
            &target,
            "--volume-name",
            "THREE",
            "--close",
            &source(2),
        ])),
    ];
    assert_eq!(
        reports[1]["removed"],
        serde_json::json!(["/gone"]),
        "{media}"
    );
    assert_eq!(
        reports[1]["replaced"],
        serde_json::json!(["/docs/a.txt"]),
        "{media}"
    );

    let info = run_ok(discburn().args(["--json", "info", "--target", &target]));
    let sessions = info["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 3, "{media}: {info}");
    let starts: Vec<u64> = sessions
        .iter()
        .map(|s| s["start_lba"].as_u64().unwrap())
        .collect();
    for (i, report) in reports.iter().enumerate() {
        assert_eq!(
            report["start_lba"].as_u64(),
            Some(starts[i]),
            "{media} session {}",
            i + 1
        );
        assert_eq!(
            sessions[i]["volume_name"],
            ["ONE", "TWO", "THREE"][i],
            "{media}"
        );
    }
    let overwritable = formatted || matches!(media, "dvd+rw" | "bd-re");
    if overwritable {
        // Grown like an image file: session 1 at 32, then 32-block boundaries.
        assert_eq!(starts[0], 32, "{media}");
        for i in 1..3 {
            let end = starts[i - 1] + sessions[i - 1]["blocks"].as_u64().unwrap();
            assert_eq!(starts[i], end.div_ceil(32) * 32, "{media}");
        }
        // Another session can always go on: where the next one would start,
        // and what is left after it.
        assert_eq!(info["status"], "overwritable", "{media}: {info}");
        let end = starts[2] + sessions[2]["blocks"].as_u64().unwrap();
        let next = end.div_ceil(32) * 32;
        assert_eq!(info["next_writable_address"].as_u64(), Some(next), "{info}");
        let size = info["media"]["capacity_blocks"].as_u64().unwrap();
        assert_eq!(info["free_blocks"].as_u64(), Some(size - next), "{info}");
        assert_eq!(
            info["capacity"]["sessions_that_fit"].as_u64(),
            None,
            "{media}: no --plan, no count"
        );
        let plan = run_ok(discburn().args([
            "--json",
            "burn",
            "--dry-run",
            "--target",
            &target,
            &source(2),
        ]));
        assert_eq!(plan["start_lba"].as_u64(), Some(next), "{plan}");
        // xorriso sees the history on the medium's data file (LBA × 2048).
        if testkit::require_tool("xorriso") {
            let toc = testkit::run(Command::new("xorriso").args([
                "-indev",
                medium.to_str().unwrap(),
                "-toc",
            ]));
            let listed: Vec<u64> = toc
                .stdout
                .lines()
                .chain(toc.stderr.lines())
                .filter(|l| l.starts_with("ISO session"))
                .map(|l| l.split(',').nth(1).unwrap().trim().parse().unwrap())
                .collect();
            assert_eq!(listed, starts, "{media}: {toc}");
        }
    } else {
        assert_eq!(starts[0], 0, "{media}");
        let tracks = info["media"]["tracks"].as_array().unwrap();
        assert_eq!(tracks.len(), 3, "{media}: {info}");
        assert_eq!(info["media"]["disc_status"], "complete", "{media}");
        assert_eq!(info["status"], "closed", "{media}");
        if media.starts_with("cd") {
            // Lead-out + lead-in + pre-gap between a track's end and the next session.
            for (i, gap) in [(1, 11_400), (2, 6_900)] {
                let end = tracks[i - 1]["start"].as_u64().unwrap()
                    + tracks[i - 1]["size"].as_u64().unwrap();
                assert_eq!(starts[i] - end, gap, "{media} gap before session {}", i + 1);
            }
        }
    }

    // The export: every track at its LBA, as ordinary tools address a disc.
    let export = dir.path().join("export.iso");
    let cue = dir.path().join("export.cue");
    let exported = run_ok(
        discburn()
            .args(["--json", "export", "--target", &target, "--output"])
            .arg(&export)
            .arg("--cue")
            .arg(&cue),
    );
    let cue_text = fs::read_to_string(&cue).unwrap();
    if !overwritable {
        assert_eq!(
            exported["tracks"].as_array().unwrap().len(),
            3,
            "{media}: {exported}"
        );
        assert_eq!(
            cue_text.matches("REM SESSION").count(),
            3,
            "{media}: {cue_text}"
        );
    }

    for (i, expected) in trees.expected.iter().enumerate() {
        let number = (i + 1).to_string();
        let out = dir.path().join(format!("x{number}"));
        run_ok(
            discburn()
                .args([
                    "extract",
                    "--target",
                    &target,
                    "--session",
                    &number,
                    "--output",
                ])
                .arg(&out),
        );
        assert_same(
            &snapshot(expected).unwrap(),
            &snapshot(&out).unwrap(),
            &CompareOptions::content_only(),
            &format!("{media} session {number} by discburn"),
        );
        // xorriso and isoinfo read each session of the export.
        if testkit::require_tool("isoinfo") {
            let listing = testkit::run(Command::new("isoinfo").args([
                "-i",
                export.to_str().unwrap(),
                "-T",
                &starts[i].to_string(),
                "-R",
                "-f",
            ]));
            assert!(listing.success(), "{listing}");
            let mut seen: Vec<String> = listing
                .stdout
                .lines()
                .map(|l| l.trim_start_matches('/').to_string())
                .collect();
            seen.sort();
            let mut wanted: Vec<String> = snapshot(expected)
                .unwrap()
                .entries
                .keys()
                .cloned()
                .collect();
            wanted.retain(|p| !p.is_empty());
            wanted.sort();
            assert_eq!(seen, wanted, "{media} session {number} by isoinfo");
        }
        if testkit::require_python_module("pycdlib") {
            assert_same(
                &snapshot(expected).unwrap(),
                &pycdlib_session_snapshot(&export, starts[i]),
                &CompareOptions::content_only(),
                &format!("{media} session {number} by pycdlib"),
            );
        }
        if testkit::require_tool("xorriso") {
            let out = dir.path().join(format!("xorriso{number}"));
            let listing = testkit::run(Command::new("xorriso").args([
                "-osirrox",
                "on",
                "-indev",
                export.to_str().unwrap(),
                "-load",
                "sbsector",
                &starts[i].to_string(),
                "-extract",
                "/",
                out.to_str().unwrap(),
            ]));
            assert!(listing.success(), "{listing}");
            assert_same(
                &snapshot(expected).unwrap(),
                &snapshot(&out).unwrap(),
                &CompareOptions::content_only(),
                &format!("{media} session {number} by xorriso"),
            );
        }
    }

    // Without --session every reader shows the newest tree, as the kernel
    // mounts a disc (its last session), not the first session at LBA 16.
    let newest = dir.path().join("newest");
    run_ok(
        discburn()
            .args(["extract", "--target", &target, "--output"])
            .arg(&newest),
    );
    assert_same(
        &snapshot(&trees.expected[2]).unwrap(),
        &snapshot(&newest).unwrap(),
        &CompareOptions::content_only(),
        &format!("{media}: extract without --session"),
    );
    let listing = |extra: &[&str]| {
        run_ok(
            discburn()
                .args(["--json", "ls", "-R", "--target", &target])
                .args(extra),
        )
    };
    assert_eq!(listing(&[]), listing(&["--session", "3"]), "{media}: ls");
    assert_eq!(
        info["file_system"]["volume_id"], "THREE",
        "{media}: info describes the newest session: {info}"
    );

    if !overwritable {
        // Closed: a fourth session is refused and the medium is untouched.
        let last = &info["media"]["tracks"].as_array().unwrap()[2];
        let end = last["start"].as_u64().unwrap() + last["size"].as_u64().unwrap() + 64;
        let before = medium_bytes(&medium, end);
        let out = discburn()
            .args(["burn", "--target", &target, &source(2)])
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "{media}: a closed disc took a session"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("closed"), "{media}: {stderr}");
        assert!(
            medium_bytes(&medium, end) == before,
            "{media}: the refused burn changed the medium"
        );
    }
}

#[test]
fn cd_r() {
    three_sessions_on("cd-r");
}

#[test]
fn cd_rw() {
    three_sessions_on("cd-rw");
}

#[test]
fn dvd_r() {
    three_sessions_on("dvd-r");
}

#[test]
fn dvd_r_dl() {
    three_sessions_on("dvd-r-dl");
}

#[test]
fn dvd_rw() {
    three_sessions_on("dvd-rw");
}

#[test]
fn dvd_plus_r() {
    three_sessions_on("dvd+r");
}

#[test]
fn dvd_plus_r_dl() {
    three_sessions_on("dvd+r-dl");
}

#[test]
fn dvd_plus_rw() {
    three_sessions_on("dvd+rw");
}

#[test]
fn bd_r() {
    three_sessions_on("bd-r");
}

#[test]
fn bd_re() {
    three_sessions_on("bd-re");
}

/// Formatted media (`discburn format`, then burn): DVD-RW in restricted
/// overwrite takes only whole 16-block ECC blocks, a CD-RW formatted for
/// fixed packets only whole 32-block packets, so the session's last, partial
/// one is read, completed and written whole.
#[test]
fn formatted_dvd_rw_dvd_plus_rw_bd_re_cd_rw() {
    for media in ["dvd-rw", "dvd+rw", "bd-re", "cd-rw"] {
        three_sessions(media, true);
    }
}
