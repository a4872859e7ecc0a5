//! What a medium allows, from the command line: a write-protected medium
//! refuses every change before anything is written, and `blank` and
//! `format` do what each kind of disc allows and refuse the rest.

use crate::interop_support::{discburn, emu_medium};
use crate::support::{medium_bytes, run_ok, trees, write_tree};
use testkit::compare::assert_same;
use testkit::{snapshot, CompareOptions};

/// A write-protected medium (its switch turned on with `emu protect`; a
/// read-only data file does the same for users other than root): `info`
/// says so in text and JSON, and `burn`, `blank` and `format` refuse with
/// exit code 4 before sending anything that changes it — the medium's files
/// are untouched — and say how to release it. Released, it takes a session.
#[test]
fn a_write_protected_medium_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write_tree(&src, &[("a.txt", b"one\n")]);
    for media in ["dvd+r", "cd-rw", "dvd+rw"] {
        let medium = dir.path().join(format!("{media}.emu"));
        let target = emu_medium(&medium, media);
        run_ok(
            discburn()
                .args(["--json", "burn", "--target", &target])
                .arg(&src),
        );
        run_ok(discburn().args(["emu", "protect"]).arg(&medium));
        let info = run_ok(discburn().args(["--json", "info", "--target", &target]));
        assert_eq!(info["status"], "write-protected", "{media}: {info}");
        assert_eq!(info["media"]["write_protected"], true, "{media}: {info}");
        let text = discburn()
            .args(["info", "--target", &target])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(text.contains("Write-protected:     yes"), "{media}: {text}");
        let before = medium_bytes(&medium, 2048);
        let attempts: [&[&str]; 4] = [
            &["burn", "--target", &target, src.to_str().unwrap()],
            &[
                "burn",
                "--dry-run",
                "--target",
                &target,
                src.to_str().unwrap(),
            ],
            &["blank", "--target", &target],
            &["format", "--target", &target],
        ];
        for args in attempts {
            let out = discburn().args(args).output().unwrap();
            assert_eq!(out.status.code(), Some(4), "{media} {args:?}: {out:?}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains("write-protected") && stderr.contains("emu protect --off"),
                "{media} {args:?}: {stderr}"
            );
            assert!(
                medium_bytes(&medium, 2048) == before,
                "{media} {args:?}: the refused command changed the medium"
            );
        }
        if media == "dvd+r" {
            // A pressed disc is read-only media.
            let image = dir.path().join("rom.iso");
            run_ok(discburn().arg("burn").arg("--target").arg(&image).arg(&src));
            let rom = dir.path().join("rom.emu");
            run_ok(
                discburn()
                    .args(["emu", "create", "--media", "dvd-rom", "--from"])
                    .arg(&image)
                    .arg(&rom),
            );
            let rom_target = format!("emu:{}", rom.display());
            let info = run_ok(discburn().args(["--json", "info", "--target", &rom_target]));
            assert_eq!(info["status"], "write-protected", "{info}");
            assert_eq!(
                info["media"]["write_protection"],
                serde_json::json!(["read-only media"]),
                "{info}"
            );
            let out = discburn()
                .args(["burn", "--target", &rom_target])
                .arg(&src)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(4), "{out:?}");
        }
        run_ok(discburn().args(["emu", "protect", "--off"]).arg(&medium));
        let info = run_ok(discburn().args(["--json", "info", "--target", &target]));
        assert_ne!(info["status"], "write-protected", "{media}: {info}");
        assert_eq!(info["media"]["write_protected"], false, "{media}: {info}");
        run_ok(
            discburn()
                .args(["--json", "burn", "--target", &target])
                .arg(&src),
        );
    }
}

/// `blank` and `format` do what each medium allows and refuse the rest
/// (exit 4, medium untouched): write-once media cannot be erased or
/// formatted; DVD+RW and BD-RE are erased by zeroing their descriptors; a
/// DVD-RW blanked takes sessions again; a CD-RW formatted is erased.
#[test]
fn blank_and_format_fit_the_medium_or_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let trees = trees(dir.path());
    let source = |i: usize| trees.sources[i].to_str().unwrap().to_string();
    for media in ["cd-r", "dvd+r", "bd-r"] {
        let medium = dir.path().join(format!("{media}.emu"));
        let target = emu_medium(&medium, media);
        run_ok(discburn().args(["burn", "--target", &target, &source(0)]));
        let before = medium_bytes(&medium, 2048);
        let refused: [(&str, &[&str]); 3] = [
            ("formatted", &["format"]),
            ("erased", &["blank"]),
            ("erased", &["blank", "--full"]),
        ];
        for (what, args) in refused {
            let out = discburn()
                .args(args)
                .args(["--target", &target])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(4), "{media} {args:?}: {out:?}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains(&format!("which cannot be {what}")),
                "{media} {args:?}: {stderr}"
            );
            assert!(
                medium_bytes(&medium, 2048) == before,
                "{media} {args:?} changed the medium"
            );
        }
    }
    // A CD-RW holding a TAO session is formatted for fixed packets, which
    // erases it: blank to `info`, its next session at LBA 32.
    let medium = dir.path().join("cd-rw.emu");
    let target = emu_medium(&medium, "cd-rw");
    run_ok(discburn().args(["burn", "--target", &target, &source(0)]));
    run_ok(discburn().args(["format", "--target", &target]));
    let info = run_ok(discburn().args(["--json", "info", "--target", &target]));
    assert_eq!(info["status"], "blank", "{info}");
    let first = run_ok(discburn().args(["--json", "burn", "--target", &target, &source(2)]));
    assert_eq!(
        (first["session"].as_u64(), first["start_lba"].as_u64()),
        (Some(1), Some(32)),
        "{first}"
    );
    for (media, full) in [("dvd+rw", false), ("bd-re", true), ("dvd-rw", false)] {
        let medium = dir.path().join(format!("{media}-{full}.emu"));
        let target = emu_medium(&medium, media);
        run_ok(discburn().args(["burn", "--target", &target, &source(0)]));
        run_ok(discburn().args(["burn", "--target", &target, &source(1)]));
        let mut blank = discburn();
        blank.args(["blank", "--target", &target]);
        if full {
            blank.arg("--full");
        }
        run_ok(&mut blank);
        let info = run_ok(discburn().args(["--json", "info", "--target", &target]));
        assert_eq!(info["status"], "blank", "{media}: {info}");
        assert!(info.get("sessions").is_none(), "{media}: {info}");
        // The next burn starts the disc afresh: one session, only its files.
        let first = run_ok(discburn().args(["--json", "burn", "--target", &target, &source(2)]));
        assert_eq!(first["session"], 1, "{media}: {first}");
        let out = dir.path().join(format!("x-{media}"));
        run_ok(
            discburn()
                .args(["extract", "--target", &target, "--output"])
                .arg(&out),
        );
        assert_same(
            &snapshot(&trees.sources[2]).unwrap(),
            &snapshot(&out).unwrap(),
            &CompareOptions::content_only(),
            &format!("{media}: the session after blank"),
        );
    }
}
