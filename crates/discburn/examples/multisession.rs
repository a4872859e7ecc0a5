//! The classic IMAPI2 multisession script, with the discburn library: find a
//! recorder, check the media, import the last session, add a directory, and
//! write a new session, leaving the disc open for the next one.
//!
//! ```sh
//! cargo run --release -p discburn --example multisession -- DIRECTORY [TARGET]
//! # TARGET: /dev/srN, emu:MEDIUM (discburn emu create MEDIUM --media bd-r), or
//! # nothing: the first recorder attached to this machine.
//! ```

use std::path::Path;

use discburn::{Action, BurnObserver, BurnRequest, Progress, Source};

/// Prints progress the way the script's event handler does.
struct Printer;

impl BurnObserver for Printer {
    fn progress(&mut self, event: &Progress) {
        match event.action {
            Action::Writing => eprint!(
                "\rwriting: {}/{} sectors, LBA {}{}",
                event.sectors_done,
                event.sectors_total,
                event.lba,
                event
                    .remaining_s
                    .map(|s| format!(", {s:.0} s left"))
                    .unwrap_or_default()
            ),
            action => eprintln!("\n{action:?}"),
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let directory = args
        .next()
        .ok_or("usage: multisession DIRECTORY [TARGET]")?;
    // 1. Find a recorder.
    let target = match args.next() {
        Some(target) => target,
        None => {
            let drives = discburn::drive::list_drives(Path::new("/"))?;
            let drive = drives
                .into_iter()
                .find(|d| !d.writable_profiles.is_empty())
                .ok_or("no recorder attached to this machine")?;
            println!("recorder: {} {}", drive.path, drive.name);
            drive.path
        }
    };
    // 2. Check the media: it must take another session. The status is
    // IMAPI2's (blank, appendable, final session, closed, damaged,
    // write-protected, or overwritable for DVD+RW and BD-RE, which the drive
    // calls "complete" but which always take another session).
    if let Some(media) = discburn::drive::inspect_target(&target)? {
        let space = discburn::capacity::capacity(&media, None, None);
        let where_next = match (space.next_writable_address, space.free_blocks) {
            (Some(nwa), Some(free)) => format!(", next writable address {nwa}, {free} blocks free"),
            _ => String::new(),
        };
        println!(
            "media: {} ({}){where_next}",
            media.profile.as_deref().unwrap_or("none"),
            space.status
        );
        if matches!(space.status, "closed" | "damaged" | "write-protected") {
            return Err(format!("the disc is {}: no session can be added", space.status).into());
        }
    }
    // 3-5. Import the last session, add the directory, write the new session
    // (the disc stays open: `close` is false).
    let request = BurnRequest {
        target: target.clone(),
        sources: vec![Source::Path(directory.into())],
        ..BurnRequest::default()
    };
    let report = discburn::burn(&request, &mut Printer)?;
    println!(
        "\nsession {} written at LBA {}: {} blocks, {} files in all{}",
        report.session,
        report.start_lba,
        report.blocks,
        report.files,
        report
            .imported
            .map(|i| format!(" (imported session {} with {} files)", i.session, i.files))
            .unwrap_or_default()
    );
    Ok(())
}
