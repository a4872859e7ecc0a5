//! The drive's buffer during a burn to an emulated CD-R: its fill and the
//! read-ahead's are reported, a starved drive underruns, and the text
//! summary says so, as the JSON result does.

use crate::interop_support::{discburn, emu_medium};
use crate::support::write_tree;

#[test]
fn the_drive_buffer_is_reported_and_a_starved_drive_underruns() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    write_tree(&src, &[("data.bin", &data)]);
    for (faults, starved, speed) in [("", false, "8"), ("slow=20ms", true, "48")] {
        let medium = dir.path().join(format!("u{starved}.emu"));
        let target = emu_medium(&medium, "cd-r");
        // 48x CD: 8.5 MB/s, so 20 ms between 64 KiB writes leaves the drive dry.
        let out = discburn()
            .env("DISCBURN_EMU_FAULTS", faults)
            .args(["--json", "burn", "--speed", speed, "--target", &target])
            .arg(&src)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let result = lines.last().unwrap();
        let underruns = result["buffer_underruns"].as_u64().unwrap();
        assert_eq!(underruns > 0, starved, "{faults:?}: {result}");
        let fills: Vec<f64> = lines
            .iter()
            .filter(|e| e["action"] == "writing")
            .filter_map(|e| e["drive_buffer_fill"].as_f64())
            .collect();
        if !starved {
            assert!(
                fills.iter().any(|&f| f > 0.0),
                "a fed drive's buffer fills: {fills:?}"
            );
        }
        assert!(
            lines
                .iter()
                .filter(|e| e["action"] == "writing")
                .all(|e| e["read_ahead_fill"].is_number()),
            "{text}"
        );
    }
}

/// The text summary says how the session was verified and when the drive
/// ran dry, as the JSON result does.
#[test]
fn the_text_summary_says_verified_and_underruns() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    write_tree(&src, &[("data.bin", &data)]);
    let medium = dir.path().join("v.emu");
    let target = emu_medium(&medium, "cd-r");
    for (how, faults, speed, wanted) in [
        ("quick", "", "8", "verified (quick)"),
        ("full", "slow=20ms", "48", "buffer underruns"),
    ] {
        let out = discburn()
            .env("DISCBURN_EMU_FAULTS", faults)
            .args([
                "burn", "--verify", how, "--speed", speed, "--target", &target,
            ])
            .arg(&src)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(wanted), "{how}: {text}");
        assert!(text.contains(&format!("verified ({how})")), "{how}: {text}");
    }
}
