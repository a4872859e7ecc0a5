//! Debug mode: boot the guest once and run a shell script in it.
//!
//! ```sh
//! cargo run -p qemu-harness --example guest_shell -- \
//!     [--ide IMAGE]... [--virtio IMAGE]... [--empty-ide] [--empty-virtio] [--bin NAME=PATH]... [--module NAME]... [--timeout SECS] SCRIPT
//! ```
//!
//! Drives are labelled `ide0`, `ide1`, ... and `vs0`, `vs1`, ... (`$DEV_ide0` in the
//! script). SCRIPT is a file path, or `-` for standard input. Prints the step's output,
//! its exit status and the timings; `--console` also prints QEMU's console.
#![forbid(unsafe_code)]

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use qemu_harness::{Bus, Scenario};

fn main() -> ExitCode {
    let mut scenario = Scenario::new("guest_shell");
    let mut script_arg = None;
    let mut show_console = false;
    let (mut ide, mut virtio) = (0, 0);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_default();
        match arg.as_str() {
            "--ide" => {
                scenario = scenario.drive(&format!("ide{ide}"), Bus::Ide, &PathBuf::from(value()));
                ide += 1;
            }
            "--virtio" => {
                scenario = scenario.drive(
                    &format!("vs{virtio}"),
                    Bus::VirtioScsi,
                    &PathBuf::from(value()),
                );
                virtio += 1;
            }
            "--empty-ide" => {
                scenario = scenario.empty_drive(&format!("ide{ide}"), Bus::Ide);
                ide += 1;
            }
            "--empty-virtio" => {
                scenario = scenario.empty_drive(&format!("vs{virtio}"), Bus::VirtioScsi);
                virtio += 1;
            }
            "--bin" => {
                let spec = value();
                let Some((name, path)) = spec.split_once('=') else {
                    eprintln!("--bin wants NAME=PATH, got {spec:?}");
                    return ExitCode::from(2);
                };
                scenario = scenario.binary(name, &PathBuf::from(path));
            }
            "--timeout" => match value().parse() {
                Ok(secs) => scenario = scenario.timeout(Duration::from_secs(secs)),
                Err(_) => {
                    eprintln!("--timeout wants seconds");
                    return ExitCode::from(2);
                }
            },
            "--console" => show_console = true,
            "--module" => scenario = scenario.module(&value()),
            _ => script_arg = Some(arg),
        }
    }
    let Some(script_arg) = script_arg else {
        eprintln!("usage: guest_shell [--ide IMG]... [--virtio IMG]... [--bin NAME=PATH]... [--module NAME]... [--timeout S] [--console] SCRIPT|-");
        return ExitCode::from(2);
    };
    let mut script = String::new();
    let read = if script_arg == "-" {
        std::io::stdin().read_to_string(&mut script).map(|_| ())
    } else {
        std::fs::read_to_string(&script_arg).map(|s| script = s)
    };
    if let Err(e) = read {
        eprintln!("{script_arg}: {e}");
        return ExitCode::from(2);
    }
    match scenario.step("script", &script).run() {
        Ok(report) => {
            if show_console {
                println!("--- console ---\n{}", report.console);
            }
            let Ok(section) = report.section("script") else {
                eprintln!("no output section");
                return ExitCode::FAILURE;
            };
            println!("{}", section.output);
            eprintln!("--- rc={} --- {}", section.rc, report.timing_summary());
            if section.rc == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
