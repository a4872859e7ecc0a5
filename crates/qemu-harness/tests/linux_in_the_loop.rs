//! Real Linux in the loop (issue 4): one boot of the packaged kernel under QEMU with
//! discburn's images in four drives — the tricky tree and the tricky tree plus a sparse
//! file over 4 GiB, each on IDE (ATAPI, "QEMU DVD-ROM") and on virtio-scsi ("QEMU CD-ROM")
//! — and two empty drives, one on each bus.
//!
//! The images are made and every host-side expectation computed first; then the guest
//! boots once and runs every step; then the images are deleted and each test below checks
//! its part of the one report (under cargo-nextest, which runs every test in a process of
//! its own, each test would boot once: use `cargo test`). `QEMU_HARNESS_IMAGES=xorriso` makes the images with
//! `xorriso -as mkisofs -R -J -joliet-long` instead of `discburn burn` (to try the harness
//! alone; genisoimage cannot: it records a file over 4 GiB with its size modulo 4 GiB).
//! With discburn's images, one more virtio-scsi drive holds the tricky tree burned with
//! `--udf`, which the kernel's `udf` module mounts and reads (issue 13).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use qemu_harness::{
    apply_linux_isofs_allowances, check_rock_ridge_view, guest_listing_script, guest_ranges_script,
    host_ranges, json_of_type, json_result, linux_joliet_path, mount_and_list_step,
    parse_guest_listing, parse_ranges, to_snapshot, BootReport, Bus, LinkGrouping, Scenario,
};
use testkit::{compare, CompareOptions, Kind, Snapshot, TrickyOptions};

/// Files over this size are not hashed whole in the guest (see `big_file_ranges`).
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

/// Drives with no disc in them.
const EMPTY_DRIVES: [(&str, Bus); 2] = [("ide_empty", Bus::Ide), ("vs_empty", Bus::VirtioScsi)];

/// The drive with the UDF bridge image (not in `DRIVES`: its checks are its own).
const UDF_DRIVE: &str = "vs_udf";

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
    /// SHA-256 of chosen ranges of the big file, on the host.
    big_ranges: Vec<(u64, u64, String)>,
    /// Whether the images are xorriso's (then a relocation directory may show).
    foreign: bool,
    /// Seconds spent making images and host expectations, and in the boot.
    prepare_seconds: f64,
    /// What `discburn` says about each image file on the host.
    host: BTreeMap<&'static str, HostView>,
}

/// The results of running discburn on an image file on the host.
struct HostView {
    /// `discburn ls -R`.
    ls: String,
    /// `discburn ls -l -R` (TZ=UTC, as in the guest).
    ls_long: String,
    /// The `file_system` object of `discburn info --json`.
    info_file_system: serde_json::Value,
    /// Snapshot of `discburn extract` (of `BIG_EXTRACT_PATHS` for the big image).
    extracted: Snapshot,
    /// Size of the image file in 2048-byte blocks (what QEMU's drive holds).
    blocks: u64,
}

/// What is extracted from the big image: everything but the 4 GiB file (the guest's
/// memory holds the rest), including the file after it (read past the 4 GiB offset).
const BIG_EXTRACT_PATHS: [&str; 4] = ["plain.txt", "big/small_after.txt", "deep", "links"];

fn extract_paths(image: Image) -> &'static [&'static str] {
    match image {
        Image::Tricky => &[],
        Image::Big => &BIG_EXTRACT_PATHS,
    }
}

/// The directories an extraction of `paths` creates only as parents: the
/// ancestors of each selected path that are not selected themselves.
fn implied_parents(paths: &[&str]) -> Vec<String> {
    let mut parents = Vec::new();
    for path in paths {
        let mut parent = *path;
        while let Some((up, _)) = parent.rsplit_once('/') {
            parent = up;
            if !paths.contains(&parent) && !parents.iter().any(|p| p == parent) {
                parents.push(parent.to_string());
            }
        }
    }
    parents
}

/// Runs discburn on an image file the way the guest runs it on a drive.
fn host_view(
    discburn: &Path,
    iso: &Path,
    image: Image,
    scratch: &Path,
) -> Result<HostView, String> {
    let run = |args: &[&str]| -> Result<String, String> {
        run_checked(
            Command::new(discburn)
                .args(args)
                .arg("--target")
                .arg(iso)
                .env("TZ", "UTC"),
        )
    };
    let ls = run(&["ls", "-R"])?;
    let ls_long = run(&["ls", "-l", "-R"])?;
    let info = json_of_type(&run(&["info", "--json"])?, "result")?;
    let info_file_system = info.get("file_system").cloned().unwrap_or_default();
    let out = scratch.join(format!("extract-{}", image_name(image)));
    run_checked(
        Command::new(discburn)
            .args(["extract", "--target"])
            .arg(iso)
            .arg("--output")
            .arg(&out)
            .args(extract_paths(image)),
    )?;
    let extracted =
        testkit::snapshot(&out).map_err(|e| format!("snapshot of {}: {e}", out.display()))?;
    std::fs::remove_dir_all(&out).map_err(|e| e.to_string())?;
    let bytes = std::fs::metadata(iso).map_err(|e| e.to_string())?.len();
    Ok(HostView {
        blocks: bytes.div_ceil(2048),
        ls,
        ls_long,
        info_file_system,
        extracted,
    })
}

/// The guest steps that run discburn on drive `label`.
fn discburn_steps(mut scenario: Scenario, label: &str, image: Image) -> Scenario {
    let target = format!("--target $DEV_{label}");
    scenario = scenario
        .step(
            &format!("db_info_{label}"),
            &format!("timeout 300 discburn info --json {target}\n"),
        )
        .step(
            &format!("db_ls_{label}"),
            &format!("timeout 300 discburn ls -R {target}\n"),
        )
        .step(
            &format!("db_lsl_{label}"),
            &format!("timeout 300 discburn ls -l -R {target}\n"),
        )
        // The same through the drive's SCSI generic node (/dev/sgN).
        .step(
            &format!("db_lssg_{label}"),
            &format!("timeout 300 discburn ls -l -R --target $SG_{label}\n"),
        );
    let out = format!("/tmp/x_{label}");
    let paths = extract_paths(image).join(" ");
    scenario.step(
        &format!("db_extract_{label}"),
        &format!(
            "timeout 300 discburn extract {target} --output {out} {paths} >/tmp/extract.log 2>&1 || {{ cat /tmp/extract.log; exit 1; }}\n{}cd /\nrm -rf {out}\n",
            guest_listing_script(&out)
        ),
    )
}

static FIXTURE: OnceLock<Option<Result<Fixture, String>>> = OnceLock::new();

/// The one boot, shared by every test; `None` when QEMU cannot run here (outside CI).
fn fixture() -> Option<&'static Fixture> {
    let prepared = FIXTURE.get_or_init(|| {
        qemu_harness::require_qemu().then(|| prepare_and_boot().map_err(|e| e.to_string()))
    });
    match prepared {
        Some(Ok(fixture)) => Some(fixture),
        Some(Err(e)) => panic!("the QEMU boot failed:\n{e}"),
        None => {
            // Every test that needs the boot says it skipped, not only the first.
            testkit::skipped("cannot boot QEMU (see qemu_harness::unavailable_reason)");
            None
        }
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

/// `testkit::snapshot` of `src`, except that the 4 GiB file (if there) is not read: its
/// content is checked by ranges, so hashing it whole would only cost time.
fn snapshot_without_hashing_big_file(src: &Path, scratch: &Path) -> Result<Snapshot, String> {
    use std::os::unix::fs::MetadataExt;
    let big = src.join(BIG_FILE);
    let Ok(meta) = std::fs::symlink_metadata(&big) else {
        return testkit::snapshot(src).map_err(|e| format!("snapshot: {e}"));
    };
    let aside = scratch.join("big-file-aside");
    std::fs::rename(&big, &aside).map_err(|e| format!("{}: {e}", big.display()))?;
    let snapshot = testkit::snapshot(src);
    std::fs::rename(&aside, &big).map_err(|e| format!("{}: {e}", big.display()))?;
    let mut snapshot = snapshot.map_err(|e| format!("snapshot: {e}"))?;
    snapshot.entries.insert(
        BIG_FILE.to_string(),
        testkit::Entry {
            kind: Kind::File,
            size: meta.len(),
            mode: meta.mode() & 0o7777,
            target: None,
            sha256: None,
            link_group: None,
            mtime: meta.mtime(),
        },
    );
    Ok(snapshot)
}

fn prepare_and_boot() -> Result<Fixture, String> {
    let started = Instant::now();
    let foreign = std::env::var("QEMU_HARNESS_IMAGES").is_ok_and(|v| v == "xorriso");
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut expected = BTreeMap::new();
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
        let snapshot = snapshot_without_hashing_big_file(&src, work.path())?;
        expected.insert(name, snapshot);
        let iso = work.path().join(format!("{name}.iso"));
        make_image(&src, &iso, &name.to_uppercase(), foreign)?;
        images.insert(name, (src, iso));
    }
    eprintln!(
        "trees, snapshots and images: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let discburn = qemu_harness::discburn_binary().map_err(|e| e.to_string())?;
    let mut host = BTreeMap::new();
    for image in [Image::Tricky, Image::Big] {
        let name = image_name(image);
        host.insert(
            name,
            host_view(&discburn, &images[name].1, image, work.path())?,
        );
    }
    let ranges = big_file_ranges();
    let big_ranges =
        host_ranges(&images["big"].0.join(BIG_FILE), &ranges).map_err(|e| e.to_string())?;
    eprintln!(
        "host-side discburn runs done at {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let mut scenario = Scenario::new("linux_in_the_loop")
        .timeout(Duration::from_secs(600))
        .module("nls_utf8")
        .module("udf")
        .binary("discburn", &discburn);
    if !foreign {
        // The tricky tree again, as a UDF 2.01 + ISO 9660 bridge.
        let udf_image = work.path().join("udf.iso");
        run_checked(
            Command::new(&discburn)
                .args(["burn", "--udf", "--volume-name", "UDFBRIDGE", "--target"])
                .arg(&udf_image)
                .arg(&images["tricky"].0),
        )?;
        scenario = scenario.drive(UDF_DRIVE, Bus::VirtioScsi, &udf_image).step(
            "kernel_udf",
            &format!(
                "mkdir -p /mnt/udf && mount -t udf -o ro $DEV_{UDF_DRIVE} /mnt/udf || exit 1\n{}cd /\numount /mnt/udf\n",
                guest_listing_script("/mnt/udf")
            ),
        );
        // Three UDF sessions (add; remove + replace; add): each mounted with
        // `-o session=START`, and the newest plainly (the anchor at 256).
        let ms_image = work.path().join("udf_ms.iso");
        let mut script = String::new();
        for (i, (files, extra)) in udf_sessions().iter().enumerate() {
            let src = work.path().join(format!("udf_s{i}"));
            std::fs::create_dir(&src).map_err(|e| e.to_string())?;
            for (name, data) in *files {
                std::fs::write(src.join(name), data).map_err(|e| e.to_string())?;
            }
            let out = run_checked(
                Command::new(&discburn)
                    .args(["--json", "burn", "--udf", "--target"])
                    .arg(&ms_image)
                    .args(*extra)
                    .arg(&src),
            )?;
            let result = json_result(&out);
            let start = result["start_lba"].as_u64().ok_or("no start_lba")?;
            script += &format!(
                "echo \"== session {i}\"; mkdir -p /mnt/s{i} && mount -t udf -o ro,session={start} $DEV_vs_udf_ms /mnt/s{i} && (cd /mnt/s{i} && for f in *; do echo \"$f $(sha256sum < $f | cut -c1-16)\"; done); umount /mnt/s{i}\n"
            );
        }
        script += "echo '== newest'; mkdir -p /mnt/sn && mount -t udf -o ro $DEV_vs_udf_ms /mnt/sn && (cd /mnt/sn && for f in *; do echo \"$f $(sha256sum < $f | cut -c1-16)\"; done); umount /mnt/sn\n";
        scenario = scenario
            .drive("vs_udf_ms", Bus::VirtioScsi, &ms_image)
            .step("kernel_udf_sessions", &script);
    }
    // The other two trees of the tricky image, as the kernel reads them when told to
    // ignore Rock Ridge (Joliet, names converted to UTF-8) and Joliet too (ISO 9660).
    for (step, options) in [
        // Joliet lookups are case-insensitive unless told (isofs `check=relaxed` default).
        ("joliet", "norock,iocharset=utf8,check=strict"),
        ("iso9660", "norock,nojoliet"),
    ] {
        scenario = scenario.step(
            &format!("kernel_{step}_ide_small"),
            &mount_and_list_step("ide_small", &format!("/mnt/{step}"), options, None),
        );
    }
    for (label, bus, image) in DRIVES {
        scenario = scenario.drive(label, bus, &images[image_name(image)].1);
    }
    for (label, bus) in EMPTY_DRIVES {
        scenario = scenario
            .empty_drive(label, bus)
            .step(
                &format!("db_info_{label}"),
                &format!("discburn info --json --target $DEV_{label}\n"),
            )
            .step(
                &format!("db_ls_{label}"),
                &format!("discburn ls --json --target $DEV_{label}\n"),
            );
    }
    for (label, _, image) in DRIVES {
        let mount = format!("/mnt/{label}");
        let hash_limit = (image == Image::Big).then_some(GUEST_HASH_LIMIT);
        scenario = scenario.step(
            &format!("kernel_{label}"),
            &mount_and_list_step(label, &mount, "", hash_limit),
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
    scenario = scenario.step(
        "sysfs_ids",
        &DRIVES
            .iter()
            .map(|(label, _, _)| *label)
            .chain(EMPTY_DRIVES.iter().map(|(label, _)| *label))
            .map(|label| {
                format!(
                    "d=/sys/block/${{DEV_{label}#/dev/}}/device; echo \"{label}|$DEV_{label}|$(cat $d/vendor)|$(cat $d/model)|$(cat $d/rev)\"\n"
                )
            })
            .collect::<String>(),
    );
    scenario = scenario.step("db_drives", "timeout 300 discburn drives --json\n");
    // The framing itself: exact output (a last line without newline) and the exit status.
    scenario = scenario.step(
        "framing",
        "printf 'one\\n\\ntwo'; echo ' to stderr' >&2; exit 3\n",
    );
    for (label, _, image) in DRIVES {
        scenario = discburn_steps(scenario, label, image);
    }
    let report = scenario.run().map_err(|e| e.to_string())?;
    eprintln!("{}", report.timing_summary());
    drop(images);
    drop(work);
    Ok(Fixture {
        report,
        expected,
        big_ranges,
        foreign,
        prepare_seconds: started.elapsed().as_secs_f64(),
        host,
    })
}

/// The result object of the guest's `discburn drives --json`.
fn drives_result(fixture: &Fixture) -> serde_json::Value {
    json_result(fixture.report.expect_ok("db_drives"))
}

/// The result object of the guest's `discburn info --json` on drive `label`.
fn info_result(fixture: &Fixture, label: &str) -> serde_json::Value {
    let output = fixture.report.expect_ok(&format!("db_info_{label}"));
    json_of_type(output, "result").unwrap_or_else(|e| panic!("{label}: {e}"))
}

/// The profile QEMU reports for `image`: an image over 737 280 000 bytes is a DVD-ROM
/// to QEMU, a smaller one a CD-ROM.
fn expected_profile(image: Image) -> &'static str {
    if image == Image::Big {
        "DVD-ROM"
    } else {
        "CD-ROM"
    }
}

/// Compares the kernel's view of one drive with the source tree.
fn check_kernel_listing(label: &str, image: Image) {
    let Some(fixture) = fixture() else { return };
    let name = image_name(image);
    let output = fixture.report.expect_ok(&format!("kernel_{label}"));
    // The big file is hashed by ranges instead (ranges_* steps); all else about it counts.
    let unhashed: &[&str] = if image == Image::Big {
        &[BIG_FILE]
    } else {
        &[]
    };
    let ignored: &[&str] = if fixture.foreign {
        &["rr_moved", ".rr_moved"]
    } else {
        &[]
    };
    match check_rock_ridge_view(&fixture.expected[name], output, unhashed, ignored) {
        Ok(view) => eprintln!(
            "{label}: {} entries match the source, with isofs allowances {:?} ({}); prepare+boot {:.1} s",
            view.entries.len(),
            view.allowances,
            fixture.report.timing_summary(),
            fixture.prepare_seconds
        ),
        Err(diff) => panic!("{label}: the kernel's view of the {name} image differs from the source:\n{diff}"),
    }
}

fn check_big_file_ranges(label: &str) {
    let Some(fixture) = fixture() else { return };
    let output = fixture.report.expect_ok(&format!("ranges_{label}"));
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

/// `sysfs_ids`: label → (device, vendor, model, revision) as the kernel recorded INQUIRY.
fn sysfs_ids() -> BTreeMap<String, (String, String, String, String)> {
    let Some(fixture) = fixture() else {
        return BTreeMap::new();
    };
    let output = fixture.report.expect_ok("sysfs_ids");
    output
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split('|').collect();
            let [label, dev, vendor, model, rev] = f[..] else {
                return None;
            };
            Some((
                label.to_string(),
                (
                    dev.to_string(),
                    vendor.trim().to_string(),
                    model.trim().to_string(),
                    rev.trim().to_string(),
                ),
            ))
        })
        .collect()
}

#[test]
fn discburn_lists_every_qemu_drive_as_the_kernel_saw_it() {
    let Some(fixture) = fixture() else { return };
    let result = drives_result(fixture);
    let drives = result["drives"]
        .as_array()
        .unwrap_or_else(|| panic!("no drives array: {result}"));
    let ids = sysfs_ids();
    assert_eq!(
        ids.len(),
        DRIVES.len() + EMPTY_DRIVES.len(),
        "sysfs_ids: {ids:?}"
    );
    for (label, bus, image) in DRIVES {
        let (dev, vendor, model, rev) = &ids[label];
        let drive = drives
            .iter()
            .find(|d| d["path"].as_str() == Some(dev.as_str()))
            .unwrap_or_else(|| panic!("{label}: {dev} missing from `discburn drives`: {result}"));
        let field = |name: &str| drive[name].as_str().unwrap_or("").trim().to_string();
        // As the drive answered INQUIRY (QEMU's ide-cd and scsi-cd differ in model).
        assert_eq!(field("vendor"), *vendor, "{label}: {drive}");
        assert_eq!(field("model"), *model, "{label}: {drive}");
        assert_eq!(field("revision"), *rev, "{label}: {drive}");
        let want_model = if bus == Bus::Ide {
            "QEMU DVD-ROM"
        } else {
            "QEMU CD-ROM"
        };
        assert_eq!(
            (vendor.as_str(), model.as_str()),
            ("QEMU", want_model),
            "{label}"
        );
        // QEMU's drives read only: mode page 2Ah and the profile list admit no writing.
        assert_eq!(
            drive["writable_profiles"],
            serde_json::json!([]),
            "{label}: {drive}"
        );
        let want_profile = expected_profile(image);
        let current = field("current_profile");
        assert!(
            current.contains(want_profile),
            "{label}: current profile {current:?}, want {want_profile}: {drive}"
        );
    }
}

#[test]
fn discburn_info_on_each_drive_matches_the_image_file() {
    let Some(fixture) = fixture() else { return };
    for (label, _, image) in DRIVES {
        let guest = info_result(fixture, label);
        let host = &fixture.host[image_name(image)];
        assert_eq!(
            guest.get("file_system"),
            Some(&host.info_file_system),
            "{label}: `discburn info` on the drive and on the image file disagree:\n{guest}"
        );
    }
}

/// The media object of `discburn info --json` on a drive: the object (at any depth) that
/// has a `disc_status` and a `profile`.
fn find_media(value: &serde_json::Value) -> Option<&serde_json::Value> {
    match value {
        serde_json::Value::Object(map) => {
            if map.contains_key("disc_status") && map.contains_key("profile") {
                return Some(value);
            }
            map.values().find_map(find_media)
        }
        serde_json::Value::Array(items) => items.iter().find_map(find_media),
        _ => None,
    }
}

#[test]
fn discburn_info_on_each_drive_reports_media_type_status_and_session() {
    let Some(fixture) = fixture() else { return };
    for (label, _, image) in DRIVES {
        let result = info_result(fixture, label);
        let media = find_media(&result).unwrap_or_else(|| {
            panic!("{label}: `discburn info --json` on a drive has no media object: {result}")
        });
        // QEMU: a pressed disc (CD-ROM up to 737 280 000 bytes, else DVD-ROM), finalized,
        // one complete session whose one track starts at 0 and spans the image.
        let want_profile = expected_profile(image);
        assert_eq!(media["profile"], want_profile, "{label}: {media}");
        assert_eq!(media["disc_status"], "complete", "{label}: {media}");
        assert_eq!(media["last_session_state"], "complete", "{label}: {media}");
        assert_eq!(media["sessions"], 1, "{label}: {media}");
        let blocks = serde_json::json!(fixture.host[image_name(image)].blocks);
        assert_eq!(media["capacity_blocks"], blocks, "{label}: {media}");
        let tracks = media["tracks"]
            .as_array()
            .unwrap_or_else(|| panic!("{label}: no tracks: {media}"));
        assert_eq!(tracks.len(), 1, "{label}: {media}");
        assert_eq!(tracks[0]["start"], 0, "{label}: {media}");
        assert_eq!(tracks[0]["size"], blocks, "{label}: {media}");
        assert_eq!(tracks[0]["session"], 1, "{label}: {media}");
    }
}

#[test]
fn discburn_ls_on_each_drive_matches_the_image_file() {
    let Some(fixture) = fixture() else { return };
    for (label, _, image) in DRIVES {
        let host = &fixture.host[image_name(image)];
        for (step, want) in [
            ("db_ls", &host.ls),
            ("db_lsl", &host.ls_long),
            ("db_lssg", &host.ls_long),
        ] {
            let output = fixture.report.expect_ok(&format!("{step}_{label}"));
            assert_eq!(
                output,
                want.as_str(),
                "{label}: {step} differs between the drive and the image file"
            );
        }
    }
}

#[test]
fn discburn_extract_on_each_drive_matches_the_image_file() {
    let Some(fixture) = fixture() else { return };
    for (label, _, image) in DRIVES {
        let output = fixture.report.expect_ok(&format!("db_extract_{label}"));
        let entries =
            parse_guest_listing(output).unwrap_or_else(|e| panic!("{label}: {e}\n{output}"));
        // tmpfs has real inode numbers: hard links show as shared inodes.
        let mut actual = to_snapshot(&entries, LinkGrouping::Inode);
        let expected = &fixture.host[image_name(image)].extracted;
        // A directory made only as the parent of a selected path (big/ for
        // big/small_after.txt) gets the time of the extraction, on the host
        // and in the guest alike: its mtime says nothing about the drive.
        for parent in implied_parents(extract_paths(image)) {
            if let (Some(got), Some(want)) = (
                actual.entries.get_mut(&parent),
                expected.entries.get(&parent),
            ) {
                got.mtime = want.mtime;
            }
        }
        assert!(
            expected.entries.len() > 10,
            "{label}: the host extracted too little: {expected:?}"
        );
        if let Err(diff) = compare(expected, &actual, &CompareOptions::strict()) {
            panic!("{label}: `discburn extract` from the drive differs from extracting the image file:\n{diff}");
        }
    }
}

#[test]
fn sections_carry_exact_output_and_exit_status() {
    let Some(fixture) = fixture() else { return };
    let section = fixture
        .report
        .section("framing")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(section.rc, 3);
    assert_eq!(section.output, "one\n\ntwo to stderr\n");
}

/// The kernel's view of the tricky image through Joliet: every name Joliet can hold is
/// exact, the others (over 103 UTF-16 units, outside the BMP) appear under some other
/// name with the same content; no modes or symlinks exist in Joliet (symlinks show as
/// empty files, ignored here); dates come from the directory records; Linux drops
/// trailing dots of Joliet names (`linux_joliet_path`).
#[test]
fn kernel_reads_the_joliet_tree() {
    let Some(fixture) = fixture() else { return };
    let output = fixture.report.expect_ok("kernel_joliet_ide_small");
    let entries = parse_guest_listing(output).unwrap_or_else(|e| panic!("{e}\n{output}"));
    let mut actual = to_snapshot(&entries, LinkGrouping::None);
    let expected = &fixture.expected["tricky"];
    let allowances = apply_linux_isofs_allowances(expected, &mut actual);
    let options = CompareOptions {
        names: testkit::NameView::Joliet,
        file_modes: testkit::ModeCheck::Ignore,
        dir_modes: testkit::ModeCheck::Ignore,
        symlinks: testkit::SymlinkCheck::Ignore,
        hard_links: false,
        file_mtimes: true,
        rename_expected: Some(linux_joliet_path),
        ..CompareOptions::strict()
    };
    if let Err(diff) = compare(expected, &actual, &options) {
        panic!(
            "the kernel's Joliet view differs from the source (allowances {allowances:?}):\n{diff}"
        );
    }
}

/// The plain ISO 9660 tree (no Rock Ridge, no Joliet): names are mapped, so only the
/// contents are compared — every non-empty source file (each name of a hard link counts)
/// is there exactly once, and nothing else with content is.
#[test]
fn kernel_reads_the_iso9660_tree() {
    let Some(fixture) = fixture() else { return };
    let output = fixture.report.expect_ok("kernel_iso9660_ide_small");
    let entries = parse_guest_listing(output).unwrap_or_else(|e| panic!("{e}\n{output}"));
    let contents = |files: Vec<(u64, Option<String>)>| {
        let mut files: Vec<_> = files.into_iter().filter(|(size, _)| *size > 0).collect();
        files.sort();
        files
    };
    let actual = contents(
        entries
            .iter()
            .filter(|e| e.kind() == Kind::File)
            .map(|e| (e.size, e.sha256.clone()))
            .collect(),
    );
    let expected = contents(
        fixture.expected["tricky"]
            .entries
            .values()
            .filter(|e| e.kind == Kind::File)
            .map(|e| (e.size, e.sha256.clone()))
            .collect(),
    );
    assert_eq!(
        actual.len(),
        expected.len(),
        "number of non-empty files in the ISO 9660 tree"
    );
    assert_eq!(
        actual, expected,
        "contents of the ISO 9660 tree differ from the source"
    );
}

#[test]
fn discburn_says_plainly_when_a_drive_is_empty() {
    let Some(fixture) = fixture() else { return };
    let drives = drives_result(fixture);
    let ids = sysfs_ids();
    for (label, _) in EMPTY_DRIVES {
        let section = |step: &str| {
            fixture
                .report
                .section(&format!("{step}_{label}"))
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let json_lines = |output: &str| -> Vec<serde_json::Value> {
            output
                .lines()
                .filter_map(|line| serde_json::from_str(line).ok())
                .collect()
        };
        // `discburn info`: either a result whose medium is absent (and no file system),
        // or an error that says there is no disc.
        let info = section("db_info");
        let info_json = json_lines(&info.output);
        if info.rc == 0 {
            let result = info_json
                .iter()
                .find(|v| v["type"] == "result")
                .unwrap_or_else(|| panic!("{label}: no result object:\n{}", info.output));
            let media = find_media(result)
                .unwrap_or_else(|| panic!("{label}: info says nothing of the medium: {result}"));
            assert_eq!(media["medium_present"], false, "{label}: {result}");
            assert!(
                result.get("file_system").is_none(),
                "{label}: a file system on no disc: {result}"
            );
        } else {
            let error = info_json
                .iter()
                .find(|v| v["type"] == "error")
                .unwrap_or_else(|| panic!("{label}: no JSON error object:\n{}", info.output));
            let message = error["message"].as_str().unwrap_or("");
            assert!(message.contains("no disc"), "{label}: {message}");
        }
        // `discburn ls` has nothing to list: it fails, saying why.
        let ls = section("db_ls");
        assert_ne!(
            ls.rc, 0,
            "{label}: ls of an empty drive succeeded:\n{}",
            ls.output
        );
        let error = json_lines(&ls.output)
            .into_iter()
            .find(|v| v["type"] == "error")
            .unwrap_or_else(|| panic!("{label}: no JSON error object:\n{}", ls.output));
        let message = error["message"].as_str().unwrap_or("");
        assert!(message.contains("no disc"), "{label}: {message}");
        // `discburn drives` still lists the drive, with no current medium.
        let dev = &ids[label].0;
        let drive = drives["drives"]
            .as_array()
            .and_then(|all| {
                all.iter()
                    .find(|d| d["path"].as_str() == Some(dev.as_str()))
            })
            .unwrap_or_else(|| panic!("{label}: {dev} not in `discburn drives`: {drives}"));
        let current = &drive["current_profile"];
        assert!(
            current.is_null() || current == "none",
            "{label}: current profile {current} of an empty drive"
        );
    }
}

#[test]
fn kernel_udf_module_reads_the_udf_bridge_exactly() {
    let Some(fixture) = fixture() else { return };
    if fixture.foreign {
        return;
    }
    let output = fixture.report.expect_ok("kernel_udf");
    let entries = parse_guest_listing(output).unwrap_or_else(|e| panic!("{e}"));
    let mut actual = to_snapshot(&entries, LinkGrouping::None);
    // Symbolic links stay out of the UDF tree without --udf-symlinks.
    let mut expected = fixture.expected["tricky"].clone();
    expected.entries.retain(|_, e| e.kind != Kind::Symlink);
    // Linux shows a UDF name whose UTF-8 form is over 254 bytes cut, with `#CRC`
    // appended (fs/udf/unicode.c, UDF_NAME_LEN; udf.md §5.4): such names are left out
    // of both sides, the rest of the tree must match.
    let too_long = |path: &str| path.split('/').any(|c| c.len() > 254 && !c.is_ascii());
    let mangled = |path: &str| path.split('/').any(|c| c.len() > 200 && c.contains('#'));
    let dropped = expected.entries.keys().filter(|p| too_long(p)).count();
    expected.entries.retain(|p, _| !too_long(p));
    actual.entries.retain(|p, _| !mangled(p));
    assert!(
        dropped <= 1,
        "{dropped} names dropped as too long for Linux"
    );
    let options = CompareOptions {
        file_mtimes: true,
        rename_expected: Some(testkit::udf_name),
        ..CompareOptions::content_only()
    };
    if let Err(diff) = compare(&expected, &actual, &options) {
        panic!("the udf module's view of the UDF bridge differs from the source:\n{diff}");
    }
}

/// Files of one UDF session (name, contents) and its extra `burn` arguments.
type UdfSession = (
    &'static [(&'static str, &'static [u8])],
    &'static [&'static str],
);

/// The UDF sessions: files written, and extra `burn` arguments.
fn udf_sessions() -> [UdfSession; 3] {
    [
        (
            &[
                ("keep.txt", b"kept from session 1\n"),
                ("old.txt", b"old\n"),
                ("gone.txt", b"gone\n"),
            ],
            &[],
        ),
        (
            &[("old.txt", b"replaced in session 2\n")],
            &["--remove", "gone.txt"],
        ),
        (&[("new.txt", b"added in session 3\n")], &[]),
    ]
}

/// `name hash16` lines of each session, as the files should read.
fn expected_udf_sessions() -> Vec<Vec<String>> {
    use std::collections::BTreeMap;
    let mut tree: BTreeMap<&str, &[u8]> = BTreeMap::new();
    let mut out = Vec::new();
    for (files, extra) in udf_sessions() {
        if let Some(gone) = extra.get(1) {
            tree.remove(gone);
        }
        for (name, data) in files {
            tree.insert(name, data);
        }
        out.push(
            tree.iter()
                .map(|(name, data)| {
                    let hash = testkit::snapshot::sha256_bytes(data);
                    format!("{name} {}", &hash[..16])
                })
                .collect(),
        );
    }
    out
}

#[test]
fn kernel_udf_module_reads_each_udf_session_exactly() {
    let Some(fixture) = fixture() else { return };
    if fixture.foreign {
        return;
    }
    let output = fixture.report.expect_ok("kernel_udf_sessions");
    let mut got: Vec<Vec<String>> = Vec::new();
    for line in output.lines() {
        if line.starts_with("== ") {
            got.push(Vec::new());
        } else if let Some(last) = got.last_mut() {
            last.push(line.to_string());
        }
    }
    let mut expected = expected_udf_sessions();
    expected.push(expected[2].clone()); // the plain mount: the newest session
    assert_eq!(got, expected, "{output}");
}
