//! Shared pieces of the interoperability suite: making discburn images of the
//! tricky tree (once per test binary), and turning what each reader printed
//! or extracted into a `testkit::Snapshot`.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use testkit::{cmd, run, Snapshot};

/// Path of the `discburn` binary under test.
pub fn discburn() -> Command {
    Command::new(env!("CARGO_BIN_EXE_discburn"))
}

/// `discburn --json burn --target IMAGE ARGS SRC`, asserting success; the
/// result object (the last JSON line).
pub fn burn_json(args: &[&str], image: &Path, src: &Path) -> serde_json::Value {
    let result = run(discburn()
        .args(["--json", "burn", "--target"])
        .arg(image)
        .args(args)
        .arg(src));
    assert!(result.success(), "{result}");
    serde_json::from_str(result.stdout.lines().last().unwrap_or("")).unwrap()
}

/// Extracts the whole of `image` into `out` with `discburn extract`, asserting success.
pub fn extract_all(image: &Path, out: &Path) {
    let result = run(discburn()
        .args(["extract", "--target"])
        .arg(image)
        .arg("--output")
        .arg(out));
    assert!(result.success(), "{result}");
}

/// Writes `src` as a new image `out` with `discburn burn`: the CLI under test,
/// never a stand-in.
pub fn burn(src: &Path, out: &Path) {
    let result = run(discburn().arg("burn").arg("--target").arg(out).arg(src));
    assert!(result.success(), "discburn burn failed: {result}");
}

/// `discburn burn --target TARGET ARGS... SOURCES...`, asserting success; its stdout.
pub fn burn_to(target: impl AsRef<OsStr>, args: &[&str], sources: &[&Path]) -> String {
    let result = run(discburn()
        .arg("burn")
        .arg("--target")
        .arg(target)
        .args(args)
        .args(sources));
    assert!(result.success(), "discburn burn failed: {result}");
    result.stdout
}

/// Creates a blank emulated medium of `media` (`emu create --media MEDIA PATH`) and
/// returns its target, `emu:PATH`.
pub fn emu_medium(path: &Path, media: &str) -> String {
    let result = run(discburn()
        .args(["emu", "create", "--media", media])
        .arg(path));
    assert!(result.success(), "emu create --media {media}: {result}");
    format!("emu:{}", path.display())
}

/// Flips one bit of the byte at `offset` of `path`, in place (an emulated medium's
/// sparse data file may be gigabytes long).
pub fn flip_byte(path: &Path, offset: u64) {
    use std::os::unix::fs::FileExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut byte = [0u8];
    file.read_exact_at(&mut byte, offset).unwrap();
    byte[0] ^= 0x01;
    file.write_all_at(&byte, offset).unwrap();
}

/// A source tree and its discburn image, made once and shared by the tests of
/// one binary.
pub struct Fixture {
    /// Removed on drop, unless the fixture lives in a fixed directory.
    pub temp: Option<tempfile::TempDir>,
    pub root: PathBuf,
    pub src: PathBuf,
    pub image: PathBuf,
    pub expected: Snapshot,
}

impl Fixture {
    pub fn new(options: testkit::TrickyOptions) -> Fixture {
        Fixture::with_tree(|src| testkit::make_tricky_tree_with(src, &options))
    }

    /// A fixture whose source tree `make` builds.
    pub fn with_tree(make: impl FnOnce(&Path) -> std::io::Result<()>) -> Fixture {
        Fixture::with_tree_burned(&[], make)
    }

    /// As [`Fixture::with_tree`], burned with extra `burn` options (the 4 GiB
    /// test passes `--no-checksums`: MD5 is not what it tests, and hashing
    /// 4 GiB twice was most of its time).
    pub fn with_tree_burned(
        burn_args: &[&str],
        make: impl FnOnce(&Path) -> std::io::Result<()>,
    ) -> Fixture {
        let temp = tempfile::tempdir().expect("temp dir");
        let root = temp.path().to_path_buf();
        Fixture::build(Some(temp), root, burn_args, make)
    }

    /// A fixture in `CARGO_TARGET_TMPDIR/NAME`, emptied first: for fixtures
    /// held in a `static` (never dropped), so that runs do not pile up copies.
    pub fn in_target_tmp(name: &str, options: testkit::TrickyOptions) -> Fixture {
        let root = testkit::static_fixture_dir(env!("CARGO_TARGET_TMPDIR"), name);
        Fixture::build(None, root, &[], |src| {
            testkit::make_tricky_tree_with(src, &options)
        })
    }

    fn build(
        temp: Option<tempfile::TempDir>,
        root: PathBuf,
        burn_args: &[&str],
        make: impl FnOnce(&Path) -> std::io::Result<()>,
    ) -> Fixture {
        let src = root.join("src");
        std::fs::create_dir(&src).expect("src dir");
        make(&src).expect("source tree");
        let expected = testkit::snapshot(&src).expect("snapshot of the source");
        let image = root.join("image.iso");
        let result = run(discburn()
            .arg("burn")
            .arg("--target")
            .arg(&image)
            .args(burn_args)
            .arg(&src));
        assert!(result.success(), "discburn burn failed: {result}");
        // For debugging a failure: DISCBURN_KEEP_IMAGE=/some/file.iso keeps a copy.
        if let Some(keep) = std::env::var_os("DISCBURN_KEEP_IMAGE") {
            let _ = std::fs::copy(&image, keep);
        }
        Fixture {
            temp,
            root,
            src,
            image,
            expected,
        }
    }

    /// A fresh, empty directory for one reader's output.
    pub fn out_dir(&self, name: &str) -> PathBuf {
        let out = self.root.join(name);
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir(&out).expect("out dir");
        out
    }
}

/// The set of paths of a snapshot (relative, `/`-separated).
pub fn paths(snap: &Snapshot) -> BTreeSet<String> {
    snap.entries.keys().cloned().collect()
}

/// Compares two path sets, listing what is missing and what is extra.
pub fn assert_same_paths(expected: &BTreeSet<String>, actual: &BTreeSet<String>, what: &str) {
    let missing: Vec<_> = expected.difference(actual).collect();
    let extra: Vec<_> = actual.difference(expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: {} missing {missing:#?}, {} unexpected {extra:#?}",
        missing.len(),
        extra.len()
    );
}

/// Python: walks the Rock Ridge tree (or, with a second argument `udf`, the
/// UDF tree) with pycdlib, reads every file, prints a JSON manifest
/// {path: {kind, size, mode, target, sha256}}. UDF modes come from the file
/// entry's permissions (ECMA-167 4/14.9.5: x, w, r per class at bits 0, 5, 10)
/// and its ICB flags (setuid, setgid, sticky at bits 6-8).
pub const PYCDLIB_MANIFEST: &str = r#"
import hashlib, json, sys, pycdlib
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
out = {}
class Hasher:
    def __init__(self): self.h = hashlib.sha256(); self.n = 0
    def write(self, b): self.h.update(b); self.n += len(b)
def udf_mode(rec):
    mode = 0
    for shift, posix in ((0, 0), (5, 3), (10, 6)):
        mode |= ((rec.perms >> shift) & 7) << posix
    for bit, special in ((6, 0o4000), (7, 0o2000), (8, 0o1000)):
        if rec.icb_tag.flags & (1 << bit):
            mode |= special
    return mode
def file_entry(path, **where):
    h = Hasher()
    iso.get_file_from_iso_fp(h, **where)
    return {'kind': 'file', 'size': h.n, 'sha256': h.h.hexdigest()}
# pycdlib's walk(udf_path=) decodes every component of a path with the
# encoding of its last one (full_path_from_dirrecord), which fails or garbles
# a Latin-1 directory name above a UTF-16 one: names are decoded one by one here.
def walk_udf(path):
    for rec in iso.list_children(udf_path='/' + path):
        ident = rec.file_ident
        child = (path + '/' if path else '') + ident.fi.decode(ident.encoding)
        if rec.is_dir():
            out[child] = {'kind': 'dir', 'size': 0}
            walk_udf(child)
        elif rec.is_symlink():
            out[child] = {'kind': 'symlink', 'size': 0}
        else:
            out[child] = file_entry(child, udf_path='/' + child)
        out[child]['mode'] = udf_mode(rec)
if len(sys.argv) > 2 and sys.argv[2] == 'udf':
    walk_udf('')
else:
    for root, dirs, files in iso.walk(rr_path='/'):
        for name in dirs + files:
            path = (root.rstrip('/') + '/' + name).lstrip('/')
            rec = iso.get_record(rr_path='/' + path)
            rr = rec.rock_ridge
            mode = rr.get_file_mode() & 0o7777 if rr is not None else 0
            if name in dirs:
                out[path] = {'kind': 'dir', 'size': 0}
            elif rr is not None and rr.is_symlink():
                target = rr.symlink_path()
                out[path] = {'kind': 'symlink', 'size': 0, 'target': target.decode('utf-8', 'replace') if isinstance(target, bytes) else target}
            else:
                out[path] = file_entry(path, rr_path='/' + path)
            out[path]['mode'] = mode
iso.close()
json.dump(out, sys.stdout)
"#;

/// Python: a read-only file over a disc export that shows blocks 16-31 (the
/// volume descriptors a reader looks for) from `start + 16` on, as a reader
/// told that the session starts at `start` sees the disc; every other block
/// (the session's extents are absolute LBAs) is read where it is.
const PYCDLIB_SESSION_VIEW: &str = r#"
import io
class SessionView(io.RawIOBase):
    def __init__(self, path, start):
        self.f = open(path, 'rb')
        self.shift = start * 2048
        self.pos = 0
    def readable(self): return True
    def seekable(self): return True
    def tell(self): return self.pos
    def seek(self, offset, whence=0):
        if whence == 0: self.pos = offset
        elif whence == 1: self.pos += offset
        else: self.f.seek(0, 2); self.pos = self.f.tell() + offset
        return self.pos
    def readinto(self, b):
        lo, hi = 16 * 2048, 32 * 2048
        n = len(b)
        if self.shift and self.pos < hi and self.pos + n > lo:
            n = lo - self.pos if self.pos < lo else min(n, hi - self.pos)
        self.f.seek(self.pos + self.shift if lo <= self.pos < hi else self.pos)
        data = self.f.read(n)
        b[:len(data)] = data
        self.pos += len(data)
        return len(data)
"#;

/// Runs the pycdlib manifest script on `image` (its Rock Ridge tree) and
/// returns it as a snapshot.
pub fn pycdlib_snapshot(image: &Path) -> Snapshot {
    let mut c = cmd("python3", ["-c", PYCDLIB_MANIFEST]);
    c.arg(image);
    manifest_snapshot(c)
}

/// The pycdlib manifest of the session that starts at block `start` of a disc
/// export (`discburn export`: every block at its LBA), read through
/// [`PYCDLIB_SESSION_VIEW`] since pycdlib only looks at block 16.
pub fn pycdlib_session_snapshot(export: &Path, start: u64) -> Snapshot {
    let open = "iso.open(sys.argv[1])";
    assert!(PYCDLIB_MANIFEST.contains(open));
    let script = format!(
        "{PYCDLIB_SESSION_VIEW}{}",
        PYCDLIB_MANIFEST.replace(
            open,
            "iso.open_fp(io.BufferedReader(SessionView(sys.argv[1], int(sys.argv[2]))))"
        )
    );
    let mut c = cmd("python3", ["-c", script.as_str()]);
    c.arg(export).arg(start.to_string());
    manifest_snapshot(c)
}

fn manifest_snapshot(mut c: Command) -> Snapshot {
    let result = run(&mut c);
    assert!(result.success(), "pycdlib: {result}");
    pycdlib_manifest(&result.stdout)
}

/// The snapshot of what the pycdlib manifest script printed.
pub fn pycdlib_manifest(stdout: &str) -> Snapshot {
    let manifest: serde_json::Value = serde_json::from_str(stdout).expect("pycdlib JSON");
    let mut snap = Snapshot::default();
    for (path, e) in manifest.as_object().expect("object") {
        let kind = match e["kind"].as_str() {
            Some("dir") => testkit::Kind::Dir,
            Some("symlink") => testkit::Kind::Symlink,
            _ => testkit::Kind::File,
        };
        snap.entries.insert(
            path.clone(),
            testkit::Entry {
                kind,
                size: e["size"].as_u64().unwrap_or(0),
                mode: e["mode"].as_u64().unwrap_or(0) as u32,
                target: e["target"].as_str().map(str::to_string),
                sha256: e["sha256"].as_str().map(str::to_string),
                link_group: None,
                mtime: 0,
            },
        );
    }
    snap
}

/// `(bytes done, total)` of a command's progress events: from `(0, total)`
/// to `(total, total)`, never going back, the total never changing.
pub fn assert_progress_runs(events: &[(u64, u64)], total: u64, what: &str) {
    assert!(events.len() >= 2, "{what}: {events:?}");
    assert_eq!(
        events[0],
        (0, total),
        "{what}: the first says where it starts"
    );
    assert_eq!(
        *events.last().unwrap(),
        (total, total),
        "{what}: {events:?}"
    );
    assert!(
        events.windows(2).all(|w| w[0].0 <= w[1].0),
        "{what}: {events:?}"
    );
    assert!(events.iter().all(|e| e.1 == total), "{what}: {events:?}");
}
