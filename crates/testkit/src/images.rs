//! Foreign images for reader tests, made by the peers discburn is judged against, and
//! what those peers extract of an image.

use std::path::Path;

use crate::tools::{cmd, run_ok};

/// `genisoimage -quiet ARGS -o OUT SRC` (e.g. `ARGS = ["-R", "-J", "-joliet-long"]`).
/// genisoimage aborts on non-BMP names with `-J`: build such trees with
/// [`crate::TrickyOptions::bmp_only`].
#[track_caller]
pub fn genisoimage(src: &Path, out: &Path, args: &[&str]) {
    let mut c = cmd("genisoimage", ["-quiet"]);
    c.args(args).arg("-o").arg(out).arg(src);
    run_ok(&mut c);
}

/// `xorriso -as mkisofs ARGS -o OUT SRC`.
#[track_caller]
pub fn xorriso_mkisofs(src: &Path, out: &Path, args: &[&str]) {
    let mut c = cmd("xorriso", ["-as", "mkisofs"]);
    c.args(args).arg("-o").arg(out).arg(src);
    run_ok(&mut c);
}

/// `xorriso -no_rc OPTIONS -osirrox on -indev IMAGE -extract / OUT`, asserting success
/// (OPTIONS: e.g. `-hardlinks on`, `-load session 2`).
#[track_caller]
pub fn xorriso_extract(image: &Path, out: &Path, options: &[&str]) {
    let mut c = cmd("xorriso", ["-no_rc"]);
    c.args(options)
        .args(["-osirrox", "on", "-indev"])
        .arg(image)
        .args(["-extract", "/"])
        .arg(out);
    run_ok(&mut c);
}

/// Python for [`pycdlib_image`]: walks SRC and adds every directory, file and
/// symlink with Rock Ridge 1.09 names and Joliet; ISO names are generated.
const PYCDLIB_MAKE: &str = r#"
import os, sys, pycdlib
src, out = sys.argv[1], sys.argv[2]
iso = pycdlib.PyCdlib()
iso.new(interchange_level=4, rock_ridge='1.09', joliet=3)
counter = [0]
def iso_name(is_dir):
    counter[0] += 1
    return ('D%06d' % counter[0]) if is_dir else ('F%06d.;1' % counter[0])
def walk(host, iso_dir, joliet_dir):
    for name in sorted(os.listdir(host)):
        path = os.path.join(host, name)
        ok_joliet = len(name) <= 64 and all(ord(c) < 0x10000 and c not in '*/:;?\\' and ord(c) >= 0x20 for c in name)
        if os.path.islink(path):
            iname = iso_name(False)
            iso.add_symlink(symlink_path=iso_dir + '/' + iname, rr_symlink_name=name, rr_path=os.readlink(path))
        elif os.path.isdir(path):
            iname = iso_name(True)
            jpath = (joliet_dir + '/' + name) if (joliet_dir is not None and ok_joliet) else None
            iso.add_directory(iso_path=iso_dir + '/' + iname, rr_name=name, joliet_path=jpath)
            walk(path, iso_dir + '/' + iname, jpath)
        elif os.path.isfile(path):
            iname = iso_name(False)
            jpath = (joliet_dir + '/' + name) if (joliet_dir is not None and ok_joliet) else None
            iso.add_file(path, iso_path=iso_dir + '/' + iname, rr_name=name, joliet_path=jpath)
walk(src, '', '')
iso.write(out)
"#;

/// Makes an image of `src` with pycdlib (Rock Ridge 1.09, Joliet level 3 for
/// names of at most 64 units, generated ISO names). Only directories, regular
/// files and symlinks are added; pycdlib records default modes.
#[track_caller]
pub fn pycdlib_image(src: &Path, out: &Path) {
    let mut c = cmd("python3", ["-c", PYCDLIB_MAKE]);
    c.arg(src).arg(out);
    run_ok(&mut c);
}

/// A UDF-only image, as Windows burns them: `genisoimage -udf ARGS` with its
/// ISO 9660 descriptors at LBA 16.. replaced by the UDF recognition sequence
/// (BEA01, NSR02, TEA01) that followed them. The ISO 9660 directories stay
/// in the image, unreferenced.
#[track_caller]
pub fn udf_only_image(src: &Path, out: &Path, args: &[&str]) {
    use std::io::{Read, Seek, SeekFrom, Write};
    let mut all = vec!["-udf"];
    all.extend_from_slice(args);
    genisoimage(src, out, &all);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(out)
        .unwrap();
    let mut recognition = Vec::new();
    let mut last = 16;
    for lba in 16..64u64 {
        let mut block = vec![0u8; 2048];
        file.seek(SeekFrom::Start(lba * 2048)).unwrap();
        file.read_exact(&mut block).unwrap();
        let id = &block[1..6];
        if [&b"BEA01"[..], b"NSR02", b"NSR03", b"TEA01"].contains(&id) {
            recognition.push(block.clone());
        }
        if id == b"TEA01" {
            last = lba;
            break;
        }
    }
    assert_eq!(
        recognition.len(),
        3,
        "genisoimage wrote no UDF recognition sequence"
    );
    for lba in 16..=last {
        let block = recognition
            .get((lba - 16) as usize)
            .cloned()
            .unwrap_or_else(|| vec![0u8; 2048]);
        file.seek(SeekFrom::Start(lba * 2048)).unwrap();
        file.write_all(&block).unwrap();
    }
}
