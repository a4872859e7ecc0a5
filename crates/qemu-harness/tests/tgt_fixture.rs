//! The tgt fixture on the host alone (no QEMU): two daemons run side by side, each LUN
//! answers INQUIRY as tgt's CD/DVD device (libiscsi's `iscsi-inq` as the initiator), a
//! blank LUN is a DVD+R and a pre-filled one a DVD-ROM (`tgtadm` shows both), and dropping
//! a daemon stops it and frees its port.

use std::net::{Ipv4Addr, TcpStream};
use std::process::Command;

use qemu_harness::TgtDaemon;

fn inquiry(url: &str) -> String {
    let out = testkit::run(Command::new("iscsi-inq").arg(url));
    assert!(out.success(), "{out}");
    out.stdout
}

#[test]
fn two_daemons_serve_their_own_luns_and_stop_when_dropped() {
    if !qemu_harness::require_tgt() || !testkit::tools::require_tool("iscsi-inq") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pressed = dir.path().join("pressed.iso");
    std::fs::write(&pressed, vec![7u8; 16 * 2048]).unwrap();

    let mut first = TgtDaemon::start().expect("first tgtd");
    let mut second = TgtDaemon::start().expect("second tgtd");
    assert_ne!(first.control(), second.control());
    assert_ne!(first.port(), second.port());
    let blank = first.blank_dvd_plus_r("blank", dir.path()).unwrap();
    let written = second
        .pressed_disc("written", dir.path(), &pressed)
        .unwrap();

    for lun in [&blank, &written] {
        let text = inquiry(&lun.url);
        assert!(
            text.contains("IET") && text.contains("VIRTUAL-CDROM"),
            "{}: {text}",
            lun.url
        );
    }
    // Each daemon knows only its own target; tgt judged the media by the file size.
    let (shown_first, shown_second) = (first.show().unwrap(), second.show().unwrap());
    assert!(shown_first.contains(&blank.iqn), "{shown_first}");
    assert!(!shown_first.contains(&written.iqn), "{shown_first}");
    assert!(shown_second.contains(&written.iqn), "{shown_second}");
    assert!(shown_first.contains("Type: cd/dvd"), "{shown_first}");
    assert_eq!(std::fs::metadata(&blank.backing).unwrap().len(), 0);

    let port = first.port();
    first.shutdown().expect("clean stop");
    assert!(
        TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err(),
        "port {port} still open after the daemon was stopped"
    );
    // The other daemon is still there.
    assert!(inquiry(&written.url).contains("VIRTUAL-CDROM"));
    let port = second.port();
    drop(second);
    assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err());
}
