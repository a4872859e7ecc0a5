//! The path `examples/multisession.rs` takes through the public API, run
//! twice on an emulated DVD+R: inspect the target, burn a directory with the
//! defaults (import the last session, leave the disc open), and the second
//! session holds both directories' files while the disc stays appendable.

use std::fs;

use discburn::{burn, BurnRequest, Quiet, Source};
use emulator::{MediaType, Recorder};

#[test]
fn the_example_flow_adds_two_sessions_and_leaves_the_disc_open() {
    example_flow(MediaType::DvdPlusR);
}

/// A DVD+RW's drive calls the disc "complete" once written: the example
/// checks IMAPI2's status (overwritable), which takes another session.
#[test]
fn the_example_flow_appends_to_a_dvd_plus_rw() {
    example_flow(MediaType::DvdPlusRw);
}

fn example_flow(kind: MediaType) {
    let dir = tempfile::tempdir().unwrap();
    let medium = dir.path().join("disc.emu");
    drop(Recorder::create(&medium, kind, None).unwrap());
    let target = format!("emu:{}", medium.display());
    let write_once = kind == MediaType::DvdPlusR;
    for (n, name) in [(1u32, "monday"), (2, "tuesday")] {
        let src = dir.path().join(format!("{name}{n}"));
        fs::create_dir(&src).unwrap();
        fs::write(src.join(format!("{name}.txt")), name).unwrap();
        let media = discburn::drive::inspect_target(&target).unwrap().unwrap();
        if write_once {
            assert_eq!(media.sessions, Some(n - 1));
        }
        let status = discburn::capacity::capacity(&media, None, None).status;
        assert!(
            !matches!(status, "closed" | "damaged" | "write-protected"),
            "{kind:?} before session {n}: {status}"
        );
        let request = BurnRequest {
            target: target.clone(),
            sources: vec![Source::Path(src)],
            ..BurnRequest::default()
        };
        let report = burn(&request, &mut Quiet).unwrap();
        assert_eq!(report.session, n);
        assert_eq!(report.files, n as u64);
        assert_eq!(report.imported.map(|i| i.session), (n > 1).then_some(1));
    }
    let media = discburn::drive::inspect_target(&target).unwrap().unwrap();
    if write_once {
        assert_eq!(media.sessions, Some(2));
        assert_eq!(media.disc_status.as_deref(), Some("appendable"));
    } else {
        let status = discburn::capacity::capacity(&media, None, None).status;
        assert_eq!(status, "overwritable");
    }
}
