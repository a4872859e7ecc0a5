//! `discburn emu serve` judged by other people's iSCSI initiators: libiscsi's
//! `iscsi-ls` and `iscsi-inq`, and QEMU's iSCSI block driver (`qemu-img`, `qemu-io`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use testkit::tools::{cmd, require_tool, run_ok};

/// The serving process, killed when the test ends; its JSON lines arrive on a channel.
struct Served {
    child: Child,
    lines: Receiver<serde_json::Value>,
}

impl Served {
    fn start(medium: &Path) -> (Served, serde_json::Value) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_discburn"))
            .args(["--json", "emu", "serve", "--listen", "127.0.0.1:0"])
            .arg(medium)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (send, lines) = channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
                if send.send(value).is_err() {
                    break;
                }
            }
        });
        let mut served = Served { child, lines };
        let listening = served.next_line();
        (served, listening)
    }

    /// The next JSON line the server prints.
    fn next_line(&mut self) -> serde_json::Value {
        self.lines
            .recv_timeout(Duration::from_secs(30))
            .expect("a line from emu serve within 30 s")
    }

    /// Every line printed until the server has been quiet for a while.
    fn drain(&mut self) -> Vec<serde_json::Value> {
        std::iter::from_fn(|| self.lines.recv_timeout(Duration::from_millis(500)).ok()).collect()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn initiators_find_identify_and_read_the_served_medium() {
    let tools = ["qemu-img", "qemu-io", "iscsi-ls", "iscsi-inq"];
    if !tools.iter().all(|tool| require_tool(tool)) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A pressed CD-ROM of 300 blocks that no two blocks share.
    let image: Vec<u8> = (0..300 * 2048u32)
        .map(|i| (i / 2048) as u8 ^ (i % 251) as u8)
        .collect();
    std::fs::write(dir.path().join("image.bin"), &image).unwrap();
    let medium = dir.path().join("pressed.emu");
    run_ok(
        cmd(env!("CARGO_BIN_EXE_discburn"), ["emu", "create", "--from"])
            .arg(dir.path().join("image.bin"))
            .arg(&medium),
    );

    let (mut served, listening) = Served::start(&medium);
    assert_eq!(listening["type"], "event");
    assert_eq!(listening["event"], "listening");
    assert_eq!(listening["iqn"], "iqn.2026-12.org.discburn:pressed");
    let address = listening["address"].as_str().unwrap().to_string();
    let url = listening["url"].as_str().unwrap().to_string();
    assert_eq!(
        url,
        format!("iscsi://{address}/iqn.2026-12.org.discburn:pressed/0")
    );

    // SendTargets discovery.
    let listed = run_ok(cmd("iscsi-ls", [format!("iscsi://{address}")]));
    assert_eq!(
        listed.stdout.trim(),
        format!("Target:iqn.2026-12.org.discburn:pressed Portal:{address},1")
    );
    assert_eq!(served.next_line()["event"], "discovery");
    assert_eq!(served.next_line()["event"], "ended");

    // A normal session: standard INQUIRY.
    let inquiry = run_ok(cmd("iscsi-inq", [&url]));
    assert!(
        inquiry.stdout.contains("Peripheral Device Type:MMC"),
        "{inquiry}"
    );
    assert!(inquiry.stdout.contains("Vendor:DISCBURN"), "{inquiry}");
    let login = served.next_line();
    assert_eq!(login["event"], "login");
    assert!(
        login["initiator"].as_str().unwrap().contains("libiscsi"),
        "{login}"
    );
    let ended = served.next_line();
    assert_eq!(
        (&ended["event"], &ended["detail"]),
        (&"ended".into(), &serde_json::Value::Null)
    );

    // QEMU's block driver reads the whole LUN: READ CAPACITY, then READ(10)s.
    let info = run_ok(cmd("qemu-img", ["info", "--output=json", &url]));
    let info: serde_json::Value = serde_json::from_str(&info.stdout).unwrap();
    assert_eq!(info["virtual-size"], 300 * 2048);
    let copy = dir.path().join("copy.bin");
    run_ok(cmd("qemu-img", ["convert", "-f", "raw", "-O", "raw", &url]).arg(&copy));
    assert!(
        std::fs::read(&copy).unwrap() == image,
        "qemu-img read other bytes than the medium holds"
    );
    // qemu-img's sessions (one or more per run) have all ended.
    let events = served.drain();
    let count = |name: &str| events.iter().filter(|e| e["event"] == name).count();
    assert!(count("login") >= 2, "{events:?}");
    assert_eq!(count("login"), count("ended"), "{events:?}");

    // One initiator at a time: while qemu-io holds a session, iscsi-inq is refused with
    // "out of resources", and the server names the holder.
    let mut holder = Command::new("qemu-io")
        .args(["-f", "raw", "-c", "sleep 3000", &url])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let login = served.next_line();
    assert_eq!(login["event"], "login", "{login}");
    assert_eq!(login["initiator"], "iqn.2008-11.org.linux-kvm", "{login}");
    let refused = testkit::tools::run(cmd("iscsi-inq", [&url]));
    assert!(!refused.success(), "{refused}");
    assert!(
        refused.stdout.contains("Out of resources") || refused.stderr.contains("Out of resources"),
        "{refused}"
    );
    let event = served.next_line();
    assert_eq!(event["event"], "refused", "{event}");
    assert!(
        event["initiator"].as_str().unwrap().contains("iscsi-inq"),
        "{event}"
    );
    assert!(
        event["detail"]
            .as_str()
            .unwrap()
            .contains("in use by iqn.2008-11.org.linux-kvm"),
        "{event}"
    );
    assert!(holder.wait().unwrap().success());
    assert_eq!(served.next_line()["event"], "ended");
    // The device is free again.
    run_ok(cmd("iscsi-inq", [&url]));
}
