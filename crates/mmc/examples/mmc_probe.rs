//! Sends the discovery commands of mmc.md §4 to a drive over SG_IO and prints
//! what each returned, for checking a real or QEMU drive by hand. Read-only:
//! it opens the node O_RDONLY and sends no write-class command.
//!
//! ```sh
//! cargo run -p mmc --example mmc_probe -- /dev/sr0
//! ```
#![forbid(unsafe_code)]

use std::path::Path;

use mmc::cdb::{PageControl, RequestType, TrackAddress};
use mmc::ops;
use mmc::sgio::{OpenMode, SgDevice};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: mmc_probe /dev/srN");
        std::process::exit(2);
    };
    let mut dev = match SgDevice::open(Path::new(&path), OpenMode::ReadOnly) {
        Ok(dev) => dev,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    println!("opened {path} writable={}", dev.is_writable());
    println!(
        "TUR: {:?}",
        ops::test_unit_ready(&mut dev).map_err(|e| e.to_string())
    );
    println!(
        "INQUIRY: {:?}",
        ops::inquiry(&mut dev).map_err(|e| e.to_string())
    );
    match ops::get_configuration(&mut dev, RequestType::All, 0) {
        Ok(c) => {
            println!(
                "GET CONFIGURATION: current {} ({:04X}h)",
                c.current_profile,
                u16::from(c.current_profile)
            );
            for f in &c.features {
                println!(
                    "  feature {:04X}h current={} data={:02X?}",
                    f.code, f.current, f.data
                );
            }
            println!(
                "  profiles: {:?}",
                c.profiles()
                    .iter()
                    .map(|p| p.profile.to_string())
                    .collect::<Vec<_>>()
            );
            println!("  writable: {:?}", c.writable_profiles());
        }
        Err(e) => println!("GET CONFIGURATION: {e}"),
    }
    println!(
        "current profile: {:?}",
        ops::current_profile(&mut dev).map_err(|e| e.to_string())
    );
    println!(
        "GESN: {:?}",
        ops::media_event(&mut dev).map_err(|e| e.to_string())
    );
    println!(
        "DISC INFO: {:?}",
        ops::read_disc_information(&mut dev).map_err(|e| e.to_string())
    );
    println!(
        "TRACK INFO 1: {:?}",
        ops::read_track_information(&mut dev, TrackAddress::Track(1)).map_err(|e| e.to_string())
    );
    println!(
        "TOC 0: {:?}",
        ops::read_toc(&mut dev, false, 1).map_err(|e| e.to_string())
    );
    println!(
        "TOC 1: {:?}",
        ops::read_session_info(&mut dev).map_err(|e| e.to_string())
    );
    println!(
        "TOC 2: {:?}",
        ops::read_full_toc(&mut dev, 1)
            .map(|t| t.entries.len())
            .map_err(|e| e.to_string())
    );
    println!(
        "TOC 4: {:?}",
        ops::read_atip(&mut dev).map_err(|e| e.to_string())
    );
    println!(
        "CAPACITY: {:?}",
        ops::read_capacity(&mut dev).map_err(|e| e.to_string())
    );
    println!(
        "PAGE 2A: {:?}",
        ops::capabilities(&mut dev).map_err(|e| e.to_string())
    );
    println!(
        "PAGE 05: {:?}",
        ops::mode_sense_page(&mut dev, 0x05, PageControl::Current)
            .map(|p| p.len())
            .map_err(|e| e.to_string())
    );
    println!(
        "FORMAT CAPACITIES: {:?}",
        ops::read_format_capacities(&mut dev).map_err(|e| e.to_string())
    );
    println!(
        "WRITE SPEEDS: {:?}",
        ops::write_speeds(&mut dev).map_err(|e| e.to_string())
    );
    let mut block = vec![0u8; 16 * 2048];
    match ops::read_blocks(&mut dev, 16, &mut block) {
        Ok(()) => println!(
            "READ(10) 16 blocks at 16: {:?}",
            String::from_utf8_lossy(&block[1..6])
        ),
        Err(e) => println!("READ(10): {e}"),
    }
    // Transfer sizes around the kernel's limit (QEMU IDE: 64 blocks); the
    // error variant tells how the transport reports a refused size.
    for blocks in [64usize, 65, 512] {
        let mut buf = vec![0u8; blocks * 2048];
        match ops::read_blocks(&mut dev, 0, &mut buf) {
            Ok(()) => println!("READ {blocks} blocks: ok"),
            Err(e) => println!("READ {blocks} blocks: {e:?}"),
        }
    }
}
