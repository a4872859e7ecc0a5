//! Issue 8 in the same boot: images whose reading discburn must match with the
//! kernel's, each in a virtio-scsi drive of its own. For every file and symlink the
//! guest prints what isofs gives (size and SHA-256, the symlink target, or `err` when
//! the read or readlink fails); the host prints what `discburn extract` gives for the
//! same image file (`err` for an entry it skips with a reason). The images:
//!
//! - `rd_links`: a symlink of every SL shape (`read_support::symlink_shapes`) and one
//!   whose SL makes an empty target (Linux: readlink fails with EIO);
//! - `rd_zhand`: hand-built zisofs files of every block size from 2^0 to 2^17 and
//!   zisofs2 ones (`read_support::zisofs_files`);
//! - `rd_zhostile`: hostile zisofs files (`read_support::hostile_zisofs_files`);
//! - `rd_x64k`, `rd_x_v2`, `rd_mkzftree`: `xorriso -zisofs` (zisofs, 64 KiB blocks;
//!   zisofs2) and `mkzftree` + `genisoimage -z` images of one small tree;
//! - `rd_burnz`: `discburn burn --zisofs` of the same tree;
//! - `rd_pvd`, `rd_pvd0`..: a small Rock Ridge image (`read_support::sample_image`) as
//!   it is and with each primary-descriptor malformation Linux reads without complaint
//!   (`read_support::lenient_pvd_cases`), and `rd_pvd_outside` with its root extent
//!   outside the image (Linux mounts an empty tree, discburn refuses the image).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use qemu_harness::{Bus, Scenario};
use sha2::{Digest, Sha256};

use crate::read_support::{
    empty_target_sl, files_image, foreign_zisofs_images, hostile_zisofs_files, lenient_pvd_cases,
    pvd_patched, root_outside_image, sample_image, symlink_image, symlink_shapes, text, zf_entry,
    zisofs_data, zisofs_files, zisofs_image, zisofs_source, ImageFile,
};

/// What one reader makes of an image: path (without `/`) → `SIZE SHA256`,
/// `-> HEX(target)` or `err`; an image refused whole is the one entry
/// [`REFUSED`].
pub type View = BTreeMap<String, String>;

/// The view of an image a reader refuses whole (the kernel does not mount it,
/// discburn names why).
const REFUSED: (&str, &str) = ("(image)", "refused");

fn refused() -> View {
    View::from([(REFUSED.0.to_string(), REFUSED.1.to_string())])
}

/// Host-side expectations, computed before the boot.
pub struct HostSide {
    /// drive label → discburn's view of its image file.
    pub discburn: BTreeMap<&'static str, View>,
    /// The source tree of the foreign and `burn --zisofs` images, viewed the same way.
    pub source: View,
    /// Hand-built zisofs2 files (Linux has no zisofs2): name → view of the stored bytes.
    pub stored_v2: View,
    /// Hand-built zisofs files: name → view of the content.
    pub zhand_content: View,
    /// Hostile file names (`good` is the one good file beside them), and the
    /// view of each one's stored bytes.
    pub hostile: Vec<String>,
    pub hostile_stored: View,
}

fn file_view(data: &[u8]) -> String {
    format!("{} {}", data.len(), hex(&Sha256::digest(data)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The view of a directory tree on the host (what extraction made, or a source).
fn host_view(dir: &Path, out: &mut View, prefix: &str) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            host_view(&entry.path(), out, &format!("{name}/"));
        } else if kind.is_symlink() {
            let target = std::fs::read_link(entry.path()).unwrap();
            use std::os::unix::ffi::OsStrExt;
            out.insert(name, format!("-> {}", hex(target.as_os_str().as_bytes())));
        } else {
            out.insert(name, file_view(&std::fs::read(entry.path()).unwrap()));
        }
    }
}

/// `discburn extract` of `image` into `scratch/label`: the view of what it
/// wrote, and `err` for each entry it skipped.
fn discburn_view(discburn: &Path, image: &Path, scratch: &Path, label: &str) -> View {
    let out = scratch.join(format!("{label}-extracted"));
    let result = Command::new(discburn)
        .args(["--json", "extract", "--target"])
        .arg(image)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&result.stdout);
    let object = stdout
        .lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["type"] == "result" || v["type"] == "error")
        .unwrap_or_else(|| panic!("{label}: no JSON from discburn extract: {stdout}"));
    let mut view = View::new();
    if out.exists() {
        host_view(&out, &mut view, "");
    }
    // An extraction with unreadable files ends in an error carrying the result;
    // one without a result refused the image.
    let result_object = if object["type"] == "error" {
        if object["partial"].is_null() {
            return refused();
        }
        &object["partial"]
    } else {
        &object
    };
    let skipped = result_object["skipped"]
        .as_array()
        .unwrap_or_else(|| panic!("{label}: no skipped[] in {object}"));
    for s in skipped {
        let path = s["path"].as_str().unwrap().trim_start_matches('/');
        view.insert(path.to_string(), "err".into());
    }
    view
}

/// Makes the images under `root`, and discburn's view of each.
pub fn prepare(root: &Path, discburn: &Path) -> (HostSide, Vec<(&'static str, PathBuf)>) {
    let dir = root.join("reader");
    std::fs::create_dir_all(&dir).unwrap();
    let mut images = Vec::new();
    let mut put = |label: &'static str, bytes: Vec<u8>| {
        let path = dir.join(format!("{label}.iso"));
        std::fs::write(&path, bytes).unwrap();
        images.push((label, path));
    };

    let mut links: Vec<(&str, Vec<u8>)> = symlink_shapes()
        .into_iter()
        .map(|(name, su, _)| (name, su))
        .collect();
    links.push(("empty_target", empty_target_sl()));
    put("rd_links", symlink_image(&links));

    put("rd_zhand", zisofs_image());
    let mut stored_v2 = View::new();
    let mut zhand_content = View::new();
    for (file, content) in zisofs_files() {
        if file.name.starts_with("v2") {
            stored_v2.insert(file.name.clone(), file_view(&file.data));
        }
        zhand_content.insert(file.name, file_view(&content));
    }

    let mut hostile = Vec::new();
    let mut hostile_stored = View::new();
    let mut files: Vec<ImageFile> = hostile_zisofs_files()
        .into_iter()
        .map(|(file, _)| {
            hostile.push(file.name.clone());
            hostile_stored.insert(file.name.clone(), file_view(&file.data));
            file
        })
        .collect();
    files.push(ImageFile {
        name: "good".into(),
        su: zf_entry(50_000, 15, iso9660::zisofs::Format::V1, false),
        data: zisofs_data(&text(50_000), 15, iso9660::zisofs::Format::V1),
    });
    put("rd_zhostile", files_image(&files));

    put("rd_pvd", sample_image());
    for (i, (_, at, bytes)) in lenient_pvd_cases().into_iter().enumerate() {
        put(PVD_LABELS[i], pvd_patched(at, &bytes));
    }
    put("rd_pvd_outside", root_outside_image());

    let src = dir.join("src");
    zisofs_source(&src);
    let mut source = View::new();
    host_view(&src, &mut source, "");
    let foreign = dir.join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    for image in foreign_zisofs_images(&src, &foreign) {
        let label = match image.file_stem().unwrap().to_str().unwrap() {
            "x_v1_64k" => "rd_x64k",
            "x_v2" => "rd_x_v2",
            "mkzftree_genisoimage" => "rd_mkzftree",
            _ => continue,
        };
        images.push((label, image));
    }
    let burned = dir.join("rd_burnz.iso");
    let made = Command::new(discburn)
        .args(["burn", "--zisofs", "--target"])
        .arg(&burned)
        .arg(&src)
        .output()
        .unwrap();
    assert!(made.status.success(), "burn --zisofs: {made:?}");
    images.push(("rd_burnz", burned));

    let mut views = BTreeMap::new();
    for (label, image) in &images {
        views.insert(*label, discburn_view(discburn, image, &dir, label));
    }
    (
        HostSide {
            discburn: views,
            source,
            stored_v2,
            zhand_content,
            hostile,
            hostile_stored,
        },
        images,
    )
}

/// Drive labels of the [`lenient_pvd_cases`] images, in order.
const PVD_LABELS: [&str; 9] = [
    "rd_pvd0", "rd_pvd1", "rd_pvd2", "rd_pvd3", "rd_pvd4", "rd_pvd5", "rd_pvd6", "rd_pvd7",
    "rd_pvd8",
];

/// The guest step printing isofs's view of drive `label`.
pub fn step(label: &str) -> String {
    format!("reader_{label}")
}

/// Adds the drives and their guest steps.
pub fn add(mut scenario: Scenario, images: &[(&'static str, PathBuf)]) -> Scenario {
    for (label, image) in images {
        let mount = format!("/mnt/{label}");
        scenario = scenario.drive(label, Bus::VirtioScsi, image).step(
            &step(label),
            &format!(
                r#"mkdir -p {mount} && mount -t iso9660 -o ro $DEV_{label} {mount} || {{ echo "{} {}"; exit 0; }}
cd {mount}
find . ! -type d | sort | while read -r f; do
  if [ -L "$f" ]; then
    if t=$(readlink -n "$f"); then printf '%s -> ' "$f"; printf '%s' "$t" | xxd -p | tr -d '\n'; echo; else echo "$f err"; fi
  elif s=$(sha256sum < "$f" 2>/dev/null); then echo "$f $(stat -c %s "$f") ${{s%% *}}"
  else echo "$f err"; fi
done
cd /
umount {mount}
"#,
                REFUSED.0,
                REFUSED.1
            ),
        );
    }
    scenario
}

/// Parses a guest step's output into a [`View`].
pub fn parse(output: &str) -> View {
    if output.starts_with(REFUSED.0) {
        return refused();
    }
    output
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("./")?;
            let (path, what) = rest.split_once(' ')?;
            Some((path.to_string(), what.trim_end().to_string()))
        })
        .collect()
}

fn kernel_view(label: &str) -> Option<(View, &'static HostSide)> {
    let f = super::fixture()?;
    let output = f
        .report
        .ok_output(&step(label))
        .unwrap_or_else(|e| panic!("{e}"));
    Some((parse(output), &f.reader))
}

/// Entries where two views differ, one line each.
fn differences(a_name: &str, a: &View, b_name: &str, b: &View) -> Vec<String> {
    let mut out = Vec::new();
    for key in a
        .keys()
        .chain(b.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        if a.get(key) != b.get(key) {
            out.push(format!(
                "{key}: {a_name} {:?}, {b_name} {:?}",
                a.get(key),
                b.get(key)
            ));
        }
    }
    out
}

#[test]
fn kernel_and_discburn_read_every_symlink_shape_alike() {
    let Some((kernel, host)) = kernel_view("rd_links") else {
        return;
    };
    let discburn = &host.discburn["rd_links"];
    let diff = differences("kernel", &kernel, "discburn", discburn);
    assert!(diff.is_empty(), "{}", diff.join("\n"));
    for (name, _, target) in symlink_shapes() {
        assert_eq!(
            kernel.get(name),
            Some(&format!("-> {}", hex(target.as_bytes()))),
            "{name}"
        );
    }
    assert_eq!(kernel["empty_target"], "err", "Linux: readlink fails (EIO)");
}

#[test]
fn kernel_and_discburn_inflate_zisofs_alike() {
    let Some((kernel, host)) = kernel_view("rd_zhand") else {
        return;
    };
    let discburn = &host.discburn["rd_zhand"];
    let mut failures = Vec::new();
    for (name, content) in &host.zhand_content {
        // discburn inflates zisofs and zisofs2 (as xorriso does).
        if discburn.get(name) != Some(content) {
            failures.push(format!("{name}: discburn {:?}", discburn.get(name)));
        }
        // Linux inflates zisofs of every block size up to 2^17; zisofs2 it does
        // not know, and shows the stored bytes.
        let want = host.stored_v2.get(name).unwrap_or(content);
        if kernel.get(name) != Some(want) {
            failures.push(format!(
                "{name}: kernel {:?}, want {want}",
                kernel.get(name)
            ));
        }
    }
    assert_eq!(kernel.get("plain"), discburn.get("plain"));
    for label in ["rd_x64k", "rd_mkzftree", "rd_burnz"] {
        let Some((kernel, _)) = kernel_view(label) else {
            return;
        };
        failures.extend(differences(
            &format!("{label}: kernel"),
            &kernel,
            "source",
            &host.source,
        ));
        failures.extend(differences(
            &format!("{label}: discburn"),
            &host.discburn[label],
            "source",
            &host.source,
        ));
    }
    // xorriso's zisofs2: discburn inflates, Linux shows the compressed bytes.
    let Some((kernel, _)) = kernel_view("rd_x_v2") else {
        return;
    };
    failures.extend(differences(
        "rd_x_v2: discburn",
        &host.discburn["rd_x_v2"],
        "source",
        &host.source,
    ));
    let size = |v: &str| v.split(' ').next().unwrap().parse::<u64>().unwrap();
    if size(&kernel["text.txt"]) >= size(&host.source["text.txt"]) {
        failures.push(format!(
            "rd_x_v2: the kernel inflated zisofs2 text.txt: {}",
            kernel["text.txt"]
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What Linux gives for a hostile zisofs file (the "Linux" column of the
/// zisofs table in docs/reader.md).
#[derive(Debug)]
enum Linux {
    /// read() fails (EIO).
    Eio,
    /// The stored bytes, not inflated (a ZF it does not take).
    Stored,
    /// The content the file was made from (100,000 bytes of text).
    Content,
    /// Some bytes of this size, none of them an error.
    Bytes(u64),
    /// The first 32 KiB block of a zlib bomb, cut at the block's size.
    BombCut,
}

fn linux_on(name: &str) -> Linux {
    match name {
        "log2_18" | "log2_30" | "log2_255" | "huge_v2" | "xz" => Linux::Stored,
        "pointers_swapped"
        | "pointer_into_header"
        | "huge_v1"
        | "short_block"
        | "truncated_stream"
        | "garbage_stream"
        | "block_too_long" => Linux::Eio,
        "pointer_past_end" | "no_magic" => Linux::Content,
        "sizes_disagree" => Linux::Bytes(100_001),
        "tiny" => Linux::Bytes(100_000),
        "bomb" => Linux::BombCut,
        other => panic!("no Linux outcome recorded for hostile file {other}"),
    }
}

#[test]
fn hostile_zisofs_files_kernel_and_discburn() {
    let Some((kernel, host)) = kernel_view("rd_zhostile") else {
        return;
    };
    let discburn = &host.discburn["rd_zhostile"];
    let mut table = String::new();
    for name in &host.hostile {
        table.push_str(&format!(
            "{name}: kernel {:?}, discburn {:?}\n",
            kernel.get(name),
            discburn.get(name)
        ));
    }
    eprintln!("{table}");
    assert_eq!(discburn["good"], file_view(&text(50_000)));
    assert_eq!(kernel["good"], discburn["good"]);
    let mut failures = Vec::new();
    for name in &host.hostile {
        // discburn: a clear per-file error for every one (extract skips it).
        if discburn.get(name).map(String::as_str) != Some("err") {
            failures.push(format!("{name}: discburn {:?}", discburn.get(name)));
        }
        let got = kernel.get(name).map(String::as_str).unwrap_or("missing");
        let expected = linux_on(name);
        let ok = match &expected {
            Linux::Eio => got == "err",
            Linux::Stored => Some(got) == host.hostile_stored.get(name).map(String::as_str),
            Linux::Content => got == file_view(&text(100_000)),
            Linux::Bytes(size) => got.starts_with(&format!("{size} ")),
            Linux::BombCut => got == file_view(&[b'a'; 32 << 10]),
        };
        if !ok {
            failures.push(format!("{name}: kernel {got}, expected {expected:?}"));
        }
    }
    assert!(failures.is_empty(), "{}\n\n{table}", failures.join("\n"));
}

#[test]
fn kernel_and_discburn_read_lenient_descriptors_alike() {
    let Some((kernel, host)) = kernel_view("rd_pvd") else {
        return;
    };
    let mut failures = Vec::new();
    let sample = &host.discburn["rd_pvd"];
    assert!(sample.contains_key("hello.txt"), "{sample:?}");
    failures.extend(differences("rd_pvd: kernel", &kernel, "discburn", sample));
    let cases = lenient_pvd_cases();
    for (i, label) in PVD_LABELS.iter().enumerate() {
        let Some((kernel, _)) = kernel_view(label) else {
            return;
        };
        let what = cases[i].0;
        // Linux mounts each and reads the tree as it is; so does discburn.
        failures.extend(differences(
            &format!("{what}: kernel"),
            &kernel,
            "unpatched",
            sample,
        ));
        failures.extend(differences(
            &format!("{what}: discburn"),
            &host.discburn[label],
            "unpatched",
            sample,
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // A root outside the image: Linux mounts it and shows an empty tree (reading
    // the root fails); discburn refuses the image, saying why.
    let Some((kernel, _)) = kernel_view("rd_pvd_outside") else {
        return;
    };
    assert_eq!(
        kernel,
        View::new(),
        "the kernel read a root outside the image"
    );
    assert_eq!(host.discburn["rd_pvd_outside"], refused());
}
