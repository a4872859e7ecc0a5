//! Probe with discburn's own engine: `inspect_drive` on each device given, printed as JSON
//! (the MediaInfo `discburn info` builds on). Meant to run inside the guest:
//!
//! ```sh
//! cargo build -p qemu-harness --example inspect_drive
//! echo 'inspect_drive $DEV_ide0 $DEV_vs0' | cargo run -p qemu-harness --example guest_shell -- \
//!     --ide IMG --virtio IMG --bin inspect_drive=target/debug/examples/inspect_drive -
//! ```
#![forbid(unsafe_code)]

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut status = ExitCode::SUCCESS;
    for device in std::env::args().skip(1) {
        match discburn::drive::inspect_drive(Path::new(&device)) {
            Ok(info) => match serde_json::to_string_pretty(&info) {
                Ok(json) => println!("{json}"),
                Err(e) => {
                    eprintln!("{device}: {e}");
                    status = ExitCode::FAILURE;
                }
            },
            Err(e) => {
                eprintln!("{device}: {e}");
                status = ExitCode::FAILURE;
            }
        }
    }
    status
}
