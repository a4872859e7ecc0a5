//! Real Linux in the loop (issue 4): one boot of the packaged kernel under QEMU with
//! discburn's images in four drives — the tricky tree and the tricky tree plus a sparse
//! file over 4 GiB, each on IDE (ATAPI, "QEMU DVD-ROM") and on virtio-scsi ("QEMU CD-ROM").
//!
//! The images are made and every host-side expectation computed first; then the guest
//! boots once and runs every step; then the images are deleted and each test below checks
//! its part of the one report. `QEMU_HARNESS_IMAGES=xorriso` makes the images with
//! `xorriso -as mkisofs -R -J -joliet-long` instead of `discburn burn` (to try the harness
//! alone; genisoimage cannot: it records a file over 4 GiB with its size modulo 4 GiB).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use qemu_harness::{
    apply_linux_isofs_allowances, guest_listing_script, guest_listing_script_limited,
    guest_ranges_script, host_ranges, parse_guest_listing, parse_ranges, to_snapshot, BootReport,
    Bus, GuestEntry, LinkGrouping, Scenario,
};
use testkit::{compare, CompareOptions, Kind, Snapshot, TrickyOptions};

/// Files over this size are not hashed whole in the guest (see `BIG_FILE_RANGES`).
const GUEST_HASH_LIMIT: u64 = 64 << 20;
/// The sparse file of the big image, relative to the image root.
const BIG_FILE: &str = "big/sparse_4g.bin";
/// `dd` block size for the ranges of the big file.
const RANGE_BLOCK: u64 = 64 << 10;

/// The drives: label, bus, which image.
const DRIVES: [(&str, Bus, Image); 4] = [
    ("ide_small", Bus::Ide, Image::Tricky),
    ("ide_big", Bus::Ide, Image::Big),
    ("vs_small", Bus::VirtioScsi, Image::Tricky),
    ("vs_big", Bus::VirtioScsi, Image::Big),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Image {
    Tricky,
    Big,
}

/// Everything the tests check, computed once.
struct Fixture {
    report: BootReport,
    /// Source snapshots per image.
    expected: BTreeMap<&'static str, Snapshot>,
    /// Hard-link group sizes of the source trees: path → number of names of its inode.
    link_counts: BTreeMap<&'static str, BTreeMap<String, u64>>,
    /// SHA-256 of chosen ranges of the big file, on the host.
    big_ranges: Vec<(u64, u64, String)>,
    /// Whether the images are xorriso's (then a relocation directory may show).
    foreign: bool,
    /// Seconds spent making images and host expectations, and in the boot.
    prepare_seconds: f64,
}

static FIXTURE: OnceLock<Result<Fixture, String>> = OnceLock::new();

fn fixture() -> &'static Fixture {
    match FIXTURE.get_or_init(|| prepare_and_boot().map_err(|e| e.to_string())) {
        Ok(fixture) => fixture,
        Err(e) => panic!("the QEMU boot failed:\n{e}"),
    }
}

fn run_checked(command: &mut Command) -> Result<String, String> {
    let out = testkit::run(command);
    if out.success() {
        Ok(out.stdout)
    } else {
        Err(out.to_string())
    }
}

fn image_name(image: Image) -> &'static str {
    match image {
        Image::Tricky => "tricky",
        Image::Big => "big",
    }
}

fn make_image(src: &Path, out: &Path, volume: &str, foreign: bool) -> Result<(), String> {
    if foreign {
        run_checked(
            Command::new("xorriso")
                .args([
                    "-as",
                    "mkisofs",
                    "-quiet",
                    "-R",
                    "-J",
                    "-joliet-long",
                    "-iso-level",
                    "3",
                ])
                .args(["-V", volume, "-o"])
                .arg(out)
                .arg(src),
        )?;
    } else {
        let discburn = qemu_harness::discburn_binary().map_err(|e| e.to_string())?;
        run_checked(
            Command::new(discburn)
                .args(["burn", "--volume-name", volume, "--target"])
                .arg(out)
                .arg(src),
        )?;
    }
    Ok(())
}

/// Ranges of the big file around each place it holds data (and so around the extent
/// boundary just below 4 GiB), aligned to `RANGE_BLOCK`.
fn big_file_ranges() -> Vec<(u64, u64)> {
    let mut ranges: Vec<(u64, u64)> = testkit::tree::SPARSE_DATA_OFFSETS
        .iter()
        .map(|offset| {
            let start = (offset / RANGE_BLOCK).saturating_sub(1) * RANGE_BLOCK;
            (start, 3 * RANGE_BLOCK)
        })
        .collect();
    // The whole first MiB and the 4 GiB line itself.
    ranges.push((0, 1 << 20));
    ranges.push(((4 << 30) - (1 << 20), 2 << 20));
    ranges
}

/// Path → number of names its inode has in the tree (files only).
fn link_counts(snapshot: &Snapshot) -> BTreeMap<String, u64> {
    let mut group_sizes: BTreeMap<&str, u64> = BTreeMap::new();
    for entry in snapshot.entries.values() {
        if let Some(group) = &entry.link_group {
            *group_sizes.entry(group.as_str()).or_default() += 1;
        }
    }
    snapshot
        .entries
        .iter()
        .filter(|(_, e)| e.kind == Kind::File)
        .map(|(path, e)| {
            let count = e
                .link_group
                .as_deref()
                .and_then(|g| group_sizes.get(g))
                .copied()
                .unwrap_or(1);
            (path.clone(), count)
        })
        .collect()
}

fn prepare_and_boot() -> Result<Fixture, String> {
    if let Some(reason) = qemu_harness::unavailable_reason() {
        return Err(format!("cannot boot QEMU here: {reason}"));
    }
    let started = Instant::now();
    let foreign = std::env::var("QEMU_HARNESS_IMAGES").is_ok_and(|v| v == "xorriso");
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut expected = BTreeMap::new();
    let mut link_count_map = BTreeMap::new();
    let mut images = BTreeMap::new();
    for (image, sparse) in [(Image::Tricky, false), (Image::Big, true)] {
        let name = image_name(image);
        let src = work.path().join(format!("{name}-src"));
        std::fs::create_dir(&src).map_err(|e| e.to_string())?;
        let options = TrickyOptions {
            sparse_over_4gib: sparse,
            bmp_only: foreign,
            fifo: false,
        };
        testkit::make_tricky_tree_with(&src, &options).map_err(|e| format!("tricky tree: {e}"))?;
        let snapshot = testkit::snapshot(&src).map_err(|e| format!("snapshot: {e}"))?;
        link_count_map.insert(name, link_counts(&snapshot));
        expected.insert(name, snapshot);
        let iso = work.path().join(format!("{name}.iso"));
        make_image(&src, &iso, &name.to_uppercase(), foreign)?;
        images.insert(name, (src, iso));
    }
    let ranges = big_file_ranges();
    let big_ranges =
        host_ranges(&images["big"].0.join(BIG_FILE), &ranges).map_err(|e| e.to_string())?;

    let mut scenario = Scenario::new("linux_in_the_loop").timeout(Duration::from_secs(600));
    for (label, bus, image) in DRIVES {
        scenario = scenario.drive(label, bus, &images[image_name(image)].1);
    }
    for (label, _, image) in DRIVES {
        let mount = format!("/mnt/{label}");
        let listing = match image {
            Image::Tricky => guest_listing_script(&mount),
            Image::Big => guest_listing_script_limited(&mount, Some(GUEST_HASH_LIMIT)),
        };
        scenario = scenario.step(
            &format!("kernel_{label}"),
            &format!(
                "mkdir -p {mount} && mount -t iso9660 -o ro $DEV_{label} {mount} || exit 1\n{listing}cd /\numount {mount}\n"
            ),
        );
        if image == Image::Big {
            scenario = scenario.step(
                &format!("ranges_{label}"),
                &format!(
                    "mkdir -p {mount} && mount -t iso9660 -o ro $DEV_{label} {mount} || exit 1\n{}umount {mount}\n",
                    guest_ranges_script(&format!("{mount}/{BIG_FILE}"), RANGE_BLOCK, &ranges)
                ),
            );
        }
    }
    let report = scenario.run().map_err(|e| e.to_string())?;
    eprintln!("{}", report.timing_summary());
    drop(images);
    drop(work);
    Ok(Fixture {
        report,
        expected,
        link_counts: link_count_map,
        big_ranges,
        foreign,
        prepare_seconds: started.elapsed().as_secs_f64(),
    })
}

/// Compares the kernel's view of one drive with the source tree.
fn check_kernel_listing(label: &str, image: Image) {
    let fixture = fixture();
    let name = image_name(image);
    let output = fixture
        .report
        .ok_output(&format!("kernel_{label}"))
        .unwrap_or_else(|e| panic!("{e}"));
    let entries: Vec<GuestEntry> =
        parse_guest_listing(output).unwrap_or_else(|e| panic!("{e}\n{output}"));
    let mut actual = to_snapshot(&entries, LinkGrouping::None);
    let mut expected = fixture.expected[name].clone();
    if image == Image::Big {
        // Hashed by ranges instead (ranges_* steps); everything else about it is compared.
        for snapshot in [&mut actual, &mut expected] {
            if let Some(entry) = snapshot.entries.get_mut(BIG_FILE) {
                entry.sha256 = None;
            }
        }
    }
    // What isofs cannot show even from a right image (names of 254+ bytes, dates after
    // 2038): see qemu_harness::isofs.
    let allowances = apply_linux_isofs_allowances(&expected, &mut actual);
    // isofs numbers inodes by directory-record position, so names of one extent show as
    // different inodes: hard links are checked through st_nlink (Rock Ridge PX) below.
    let mut options = CompareOptions {
        hard_links: false,
        ..CompareOptions::strict()
    };
    if fixture.foreign {
        options
            .ignore_actual
            .extend(["rr_moved".into(), ".rr_moved".into()]);
    }
    if let Err(diff) = compare(&expected, &actual, &options) {
        panic!("{label}: the kernel's view of the {name} image differs from the source:\n{diff}");
    }
    let mut link_errors = Vec::new();
    for entry in entries.iter().filter(|e| e.kind() == Kind::File) {
        let want = fixture.link_counts[name]
            .get(&entry.path)
            .copied()
            .unwrap_or(1);
        if entry.nlink != want {
            link_errors.push(format!(
                "{}: st_nlink {} expected {want}",
                entry.path, entry.nlink
            ));
        }
    }
    assert!(
        link_errors.is_empty(),
        "{label}: link counts differ:\n{}",
        link_errors.join("\n")
    );
    eprintln!(
        "{label}: {} entries match the source, with isofs allowances {allowances:?} ({}); prepare+boot {:.1} s",
        entries.len(),
        fixture.report.timing_summary(),
        fixture.prepare_seconds
    );
}

fn check_big_file_ranges(label: &str) {
    let fixture = fixture();
    let output = fixture
        .report
        .ok_output(&format!("ranges_{label}"))
        .unwrap_or_else(|e| panic!("{e}"));
    let guest = parse_ranges(output).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        guest, fixture.big_ranges,
        "{label}: ranges of {BIG_FILE} read by the kernel differ"
    );
}

#[test]
fn kernel_reads_tricky_image_on_ide() {
    check_kernel_listing("ide_small", Image::Tricky);
}

#[test]
fn kernel_reads_tricky_image_on_virtio_scsi() {
    check_kernel_listing("vs_small", Image::Tricky);
}

#[test]
fn kernel_reads_image_with_4gib_file_on_ide() {
    check_kernel_listing("ide_big", Image::Big);
    check_big_file_ranges("ide_big");
}

#[test]
fn kernel_reads_image_with_4gib_file_on_virtio_scsi() {
    check_kernel_listing("vs_big", Image::Big);
    check_big_file_ranges("vs_big");
}
