//! Hand-built ISO 9660 / Rock Ridge images for reader tests (hostile ones
//! included), made with the `iso9660` crate's emitters.
#![allow(dead_code)]

use iso9660::dirrec::DirectoryRecord;
use iso9660::rrip::{Entry, NmEntry, PxEntry, SlComponent, SlEntry};
use iso9660::susp::{CeEntry, ErEntry, SpEntry};
use iso9660::volume::{emit_terminator, DescriptorType, VolumeDescriptor};
use iso9660::{DirDate, FileFlags};

pub const ROOT: u32 = 18;
pub const DIR: u8 = FileFlags::DIRECTORY;
pub const MULTI: u8 = FileFlags::MULTI_EXTENT;

/// One directory record to write.
pub struct Rec {
    pub id: Vec<u8>,
    pub lba: u32,
    pub len: u32,
    pub flags: u8,
    pub su: Vec<u8>,
}

pub fn rec(id: &[u8], lba: u32, len: u32, flags: u8, su: Vec<u8>) -> Rec {
    Rec {
        id: id.to_vec(),
        lba,
        len,
        flags,
        su,
    }
}

fn entry(e: Entry<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; e.buffer_len()];
    e.emit(&mut buf);
    buf
}

pub fn sp() -> Vec<u8> {
    entry(Entry::Sp(SpEntry { len_skp: 0 }))
}
pub fn er() -> Vec<u8> {
    entry(Entry::Er(ErEntry {
        ext_version: 1,
        identifier: b"IEEE_P1282",
        descriptor: b"D",
        source: b"S",
    }))
}
pub fn px(mode: u32, links: u32, serial: u32) -> Vec<u8> {
    entry(Entry::Px(PxEntry {
        mode,
        links,
        uid: 0,
        gid: 0,
        serial: Some(serial),
    }))
}
pub fn nm(name: &[u8]) -> Vec<u8> {
    entry(Entry::Nm(NmEntry { flags: 0, name }))
}
pub fn nm_flags(flags: u8, name: &[u8]) -> Vec<u8> {
    entry(Entry::Nm(NmEntry { flags, name }))
}
/// SL for a target given as `(flags, content)` components.
pub fn sl(components: &[(u8, &[u8])]) -> Vec<u8> {
    let components = components
        .iter()
        .map(|(flags, content)| SlComponent {
            flags: *flags,
            content,
        })
        .collect();
    entry(Entry::Sl(SlEntry {
        flags: 0,
        components,
    }))
}
pub fn ce(block: u32, offset: u32, length: u32) -> Vec<u8> {
    entry(Entry::Ce(CeEntry {
        block,
        offset,
        length,
    }))
}
pub fn cl(lba: u32) -> Vec<u8> {
    entry(Entry::Cl(lba))
}
pub fn re() -> Vec<u8> {
    entry(Entry::Re)
}

/// A directory extent: `.` (with `dot_su`), `..`, then `records`, packed into
/// blocks without crossing block boundaries.
pub fn dir_bytes(
    self_lba: u32,
    self_len: u32,
    parent_lba: u32,
    dot_su: &[u8],
    records: &[Rec],
) -> Vec<u8> {
    let mut out = Vec::new();
    let push = |out: &mut Vec<u8>, id: &[u8], lba: u32, len: u32, flags: u8, su: &[u8]| {
        let r = DirectoryRecord {
            ext_attr_len: 0,
            extent: lba,
            data_len: len,
            date: DirDate::from_unix(1_000_000_000),
            flags: FileFlags(flags),
            file_unit_size: 0,
            interleave_gap: 0,
            volume_sequence: 1,
            file_id: id,
            system_use: su,
        };
        let n = r.buffer_len();
        let used = out.len() % 2048;
        if used + n > 2048 {
            out.resize(out.len() + (2048 - used), 0);
        }
        let at = out.len();
        out.resize(at + n, 0);
        r.emit(&mut out[at..]);
    };
    push(&mut out, &[0], self_lba, self_len, DIR, dot_su);
    push(&mut out, &[1], parent_lba, 2048, DIR, &[]);
    for r in records {
        push(&mut out, &r.id, r.lba, r.len, r.flags, &r.su);
    }
    let blocks = out.len().div_ceil(2048).max(1);
    out.resize(blocks * 2048, 0);
    out
}

/// An image of `blocks` blocks with a PVD at 16 (root at [`ROOT`], `root_len`
/// bytes) and a terminator at 17.
pub struct Image {
    pub data: Vec<u8>,
}

impl Image {
    pub fn new(blocks: usize, root_len: u32) -> Image {
        let mut data = vec![0u8; blocks * 2048];
        let mut vd = VolumeDescriptor::blank(false);
        vd.descriptor_type = DescriptorType::Primary;
        vd.volume_space_size = blocks as u32;
        vd.root_extent = ROOT;
        vd.root_data_len = root_len;
        vd.emit(&mut data[16 * 2048..17 * 2048]);
        emit_terminator(&mut data[17 * 2048..18 * 2048]);
        Image { data }
    }

    /// Writes `bytes` at block `lba` (growing the image if needed).
    pub fn put(&mut self, lba: u32, bytes: &[u8]) {
        let at = lba as usize * 2048;
        if self.data.len() < at + bytes.len() {
            self.data
                .resize((at + bytes.len()).div_ceil(2048) * 2048, 0);
        }
        self.data[at..at + bytes.len()].copy_from_slice(bytes);
    }

    /// Writes a directory whose `.` carries SP + PX + ER when it is the root.
    pub fn dir(&mut self, lba: u32, parent: u32, records: &[Rec]) -> u32 {
        let probe = dir_bytes(lba, 2048, parent, &root_dot_su(), records);
        let len = probe.len() as u32;
        let dot = if lba == ROOT {
            root_dot_su()
        } else {
            px(0o040755, 2, lba)
        };
        let bytes = dir_bytes(lba, len, parent, &dot, records);
        self.put(lba, &bytes);
        len
    }
}

pub fn root_dot_su() -> Vec<u8> {
    let mut su = sp();
    su.extend(px(0o040755, 2, 1));
    su.extend(er());
    su
}

/// Rock Ridge System Use for a regular file.
pub fn file_su(name: &[u8], serial: u32) -> Vec<u8> {
    let mut su = px(0o100644, 1, serial);
    su.extend(nm(name));
    su
}

/// Rock Ridge System Use for a directory.
pub fn dir_su(name: &[u8], serial: u32) -> Vec<u8> {
    let mut su = px(0o040755, 2, serial);
    su.extend(nm(name));
    su
}

/// Opens an in-memory image with default options.
pub fn open(
    data: Vec<u8>,
) -> Result<
    fsimage::read::Volume<fsimage::FileSectorSource<std::io::Cursor<Vec<u8>>>>,
    fsimage::read::ReadError,
> {
    let source =
        fsimage::FileSectorSource::new(std::io::Cursor::new(data)).expect("in-memory source");
    fsimage::read::Volume::open(source, fsimage::read::ReadOptions::default())
}

/// `extract` with default options and no progress reporting.
pub fn extract_with_defaults<S: fsimage::SectorSource>(
    volume: &mut fsimage::read::Volume<S>,
    paths: &[&str],
    dest: &std::path::Path,
) -> Result<fsimage::read::ExtractReport, fsimage::read::ReadError> {
    fsimage::read::extract(
        volume,
        paths,
        dest,
        &fsimage::read::ExtractOptions::default(),
        &mut |_| {},
    )
}

/// `extract` with `force` (replace what is there) and no progress reporting.
pub fn extract_forced<S: fsimage::SectorSource>(
    volume: &mut fsimage::read::Volume<S>,
    paths: &[&str],
    dest: &std::path::Path,
) -> Result<fsimage::read::ExtractReport, fsimage::read::ReadError> {
    let options = fsimage::read::ExtractOptions {
        force: true,
        ..fsimage::read::ExtractOptions::default()
    };
    fsimage::read::extract(volume, paths, dest, &options, &mut |_| {})
}

/// A small valid image using most features: Rock Ridge names, modes, a CE
/// continuation area, a multi-extent file, symlinks (relative, absolute,
/// `..`), a hard link pair, nested and relocated directories.
pub fn sample_image() -> Vec<u8> {
    use iso9660::rrip::sl_flags;
    let mut img = Image::new(48, 2048);
    // Data blocks.
    img.put(40, b"hello world\n");
    img.put(41, &[b'x'; 2048]);
    img.put(42, b"second extent");
    img.put(43, b"linked");
    img.put(44, b"deep file");
    // CE area at block 45 holding the long NM of `long...`.
    let long_name = [b'n'; 200];
    let ce_area = nm(&long_name);
    img.put(45, &ce_area);
    let mut long_su = px(0o100644, 1, 11);
    long_su.extend(ce(45, 0, ce_area.len() as u32));

    let mut abs = px(0o120777, 1, 12);
    abs.extend(nm(b"abs"));
    abs.extend(sl(&[(sl_flags::ROOT, b""), (0, b"etc"), (0, b"passwd")]));
    let mut rel = px(0o120777, 1, 13);
    rel.extend(nm(b"up"));
    rel.extend(sl(&[(sl_flags::PARENT, b""), (0, b"hello.txt")]));
    let mut placeholder = px(0o040755, 2, 14);
    placeholder.extend(nm(b"moved"));
    placeholder.extend(cl(24));
    img.dir(
        ROOT,
        ROOT,
        &[
            rec(b"BIG.;1", 41, 2048, MULTI, file_su(b"big", 15)),
            rec(b"BIG.;1", 42, 13, 0, file_su(b"big", 15)),
            rec(b"HELLO.TXT;1", 40, 12, 0, file_su(b"hello.txt", 16)),
            rec(b"L1.;1", 43, 6, 0, {
                let mut s = px(0o100600, 2, 17);
                s.extend(nm(b"l1"));
                s
            }),
            rec(b"LONG.;1", 40, 12, 0, long_su),
            rec(b"MOVED.;1", 0, 0, 0, placeholder),
            rec(b"RR_MOVED", 22, 2048, DIR, dir_su(b"rr_moved", 18)),
            rec(b"SUB", 20, 2048, DIR, dir_su(b"sub", 19)),
        ],
    );
    img.dir(
        20,
        ROOT,
        &[
            rec(b"ABS.;1", 0, 0, 0, abs),
            rec(b"L2.;1", 43, 6, 0, {
                let mut s = px(0o100600, 2, 17);
                s.extend(nm(b"l2"));
                s
            }),
            rec(b"UP.;1", 0, 0, 0, rel),
        ],
    );
    let mut real = dir_su(b"moved", 14);
    real.extend(re());
    img.dir(22, ROOT, &[rec(b"MOVED", 24, 2048, DIR, real)]);
    img.dir(
        24,
        22,
        &[rec(b"DEEP.;1", 44, 9, 0, file_su(b"deep.txt", 20))],
    );
    img.data
}

/// SL entries for a target given as entries of `(component flags, content)`;
/// every entry but the last has the entry CONTINUE flag when `chain` is set.
pub fn sl_entries(entries: &[&[(u8, &[u8])]], chain: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, components) in entries.iter().enumerate() {
        let components = components
            .iter()
            .map(|(flags, content)| SlComponent {
                flags: *flags,
                content,
            })
            .collect();
        let flags = if chain && i + 1 < entries.len() {
            SlEntry::CONTINUE
        } else {
            0
        };
        out.extend(entry(Entry::Sl(SlEntry { flags, components })));
    }
    out
}

/// Symlinks whose SL records take every shape older mkisofs, xorriso and
/// hand-made images use: `(name, SL entries, the target Linux reads)`. The
/// targets are what fs/isofs/rock.c makes of the records (a ROOT component
/// in the middle appends `/`; a `/` between entries unless the last
/// component is continued).
/// to these same records.
pub fn symlink_shapes() -> Vec<(&'static str, Vec<u8>, String)> {
    use iso9660::rrip::sl_flags::*;
    let long = [b'l'; 100];
    let long_target = format!("{}m/end", "l".repeat(100));
    let shapes: Vec<(&'static str, Vec<u8>, &str)> = vec![
        ("plain", sl_entries(&[&[(0, b"target")]], false), "target"),
        (
            "absolute",
            sl_entries(&[&[(ROOT, b""), (0, b"etc"), (0, b"hosts")]], false),
            "/etc/hosts",
        ),
        ("root_only", sl_entries(&[&[(ROOT, b"")]], false), "/"),
        (
            "current",
            sl_entries(&[&[(CURRENT, b""), (0, b"f")]], false),
            "./f",
        ),
        (
            "parent",
            sl_entries(&[&[(PARENT, b""), (PARENT, b""), (0, b"f")]], false),
            "../../f",
        ),
        (
            "dot_slashes",
            sl_entries(
                &[&[(CURRENT, b""), (ROOT, b""), (ROOT, b""), (0, b"file")]],
                false,
            ),
            ".///file",
        ),
        (
            "tmp_dotdot",
            sl_entries(
                &[&[(ROOT, b""), (0, b"tmp"), (0, b""), (PARENT, b"")]],
                false,
            ),
            "/tmp//..",
        ),
        (
            "root_at_end",
            sl_entries(&[&[(0, b"a"), (ROOT, b"")]], false),
            "a//",
        ),
        (
            "empty_middle",
            sl_entries(&[&[(0, b"a"), (0, b""), (0, b"b")]], false),
            "a//b",
        ),
        (
            "trailing_empty",
            sl_entries(&[&[(0, b"dir"), (0, b"")]], false),
            "dir/",
        ),
        (
            "split_component",
            sl_entries(&[&[(CONTINUE, b"lo"), (0, b"ng"), (0, b"x")]], false),
            "long/x",
        ),
        (
            "split_across_entries",
            sl_entries(&[&[(CONTINUE, b"lo")], &[(0, b"ng")]], true),
            "long",
        ),
        (
            "slash_between_entries",
            sl_entries(&[&[(0, b"a")], &[(0, b"b")]], true),
            "a/b",
        ),
        (
            "root_ends_entry",
            sl_entries(&[&[(ROOT, b"")], &[(0, b"b")]], true),
            "/b",
        ),
        (
            "entries_not_chained",
            sl_entries(&[&[(0, b"a")], &[(0, b"b")]], false),
            "ab",
        ),
        (
            "current_continued",
            sl_entries(&[&[(CURRENT | CONTINUE, b""), (0, b"x")]], false),
            ".x",
        ),
        (
            "parent_continued",
            sl_entries(&[&[(PARENT | CONTINUE, b""), (0, b"x")]], false),
            "..x",
        ),
        (
            "volroot",
            sl_entries(&[&[(VOLROOT, b""), (0, b"x")]], false),
            "/x",
        ),
        (
            "host",
            sl_entries(&[&[(HOST, b"h"), (0, b"x")]], false),
            "/x",
        ),
        (
            "root_and_current",
            sl_entries(&[&[(ROOT | CURRENT, b""), (0, b"x")]], false),
            "/x",
        ),
        (
            "last_entry_continued",
            sl_entries(&[&[(0, b"a")]], true),
            "a",
        ),
        (
            "dangling_continue",
            {
                let mut su = sl_entries(&[&[(0, b"a")]], false);
                su[4] = SlEntry::CONTINUE; // the only entry says more follow
                su
            },
            "a/",
        ),
        (
            "long_split",
            sl_entries(&[&[(CONTINUE, &long)], &[(0, b"m"), (0, b"end")]], true),
            &long_target,
        ),
    ];
    shapes
        .into_iter()
        .map(|(name, su, target)| (name, su, target.to_string()))
        .collect()
}

/// An image whose root holds one symlink per [`symlink_shapes`] entry.
pub fn symlink_shapes_image() -> Vec<u8> {
    let links: Vec<(&str, Vec<u8>)> = symlink_shapes()
        .into_iter()
        .map(|(name, su, _)| (name, su))
        .collect();
    symlink_image(&links)
}

/// A symlink whose SL record has no component Linux turns into text (a
/// lone VOLROOT): its target is empty, and `readlink` fails (EIO).
pub fn empty_target_sl() -> Vec<u8> {
    sl_entries(&[&[(iso9660::rrip::sl_flags::VOLROOT, b"")]], false)
}

/// An image whose root holds one symlink per `(name, SL entries)`.
pub fn symlink_image(links: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let records: Vec<Rec> = links
        .iter()
        .enumerate()
        .map(|(i, (name, sl_su))| {
            let mut su = px(0o120777, 1, 100 + i as u32);
            su.extend(nm(name.as_bytes()));
            su.extend_from_slice(sl_su);
            rec(format!("L{i:02}.;1").as_bytes(), 0, 0, 0, su)
        })
        .collect();
    let root_len = dir_bytes(ROOT, 0, ROOT, &root_dot_su(), &records).len() as u32;
    let mut img = Image::new(40, root_len);
    img.dir(ROOT, ROOT, &records);
    img.data
}

/// zisofs (`V1`) or zisofs2 (`V2`) data of `content` in blocks of `2^log2`
/// bytes: header, block pointers, one zlib stream per block (blocks of zero
/// bytes recorded empty, as mkzftree does).
pub fn zisofs_data(content: &[u8], log2: u8, format: iso9660::zisofs::Format) -> Vec<u8> {
    use iso9660::zisofs::FileHeader;
    use std::io::Write;
    let header = FileHeader {
        format,
        size: content.len() as u64,
        header_words: (format.header_len() / 4) as u8,
        block_log2: log2,
        algorithm_id: 1,
    };
    let block = 1usize << log2;
    let blocks = content.len().div_ceil(block);
    let table = format.header_len() as usize + (blocks + 1) * format.pointer_len() as usize;
    let mut data = vec![0u8; table];
    header.emit(&mut data);
    let mut pointers = vec![table as u64];
    for piece in content.chunks(block) {
        if piece.iter().any(|&b| b != 0) {
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            z.write_all(piece).unwrap();
            data.extend(z.finish().unwrap());
        }
        pointers.push(data.len() as u64);
    }
    let len = format.pointer_len() as usize;
    for (i, p) in pointers.iter().enumerate() {
        let at = format.header_len() as usize + i * len;
        data[at..at + len].copy_from_slice(&p.to_le_bytes()[..len]);
    }
    data
}

/// The ZF entry of [`zisofs_data`] (`Z2` for zisofs2 with `z2`).
pub fn zf_entry(size: u64, log2: u8, format: iso9660::zisofs::Format, z2: bool) -> Vec<u8> {
    use iso9660::zisofs::{Format, ZfEntry};
    entry(Entry::Zf(ZfEntry {
        signature: if z2 { *b"Z2" } else { *b"ZF" },
        version: if format == Format::V1 { 1 } else { 2 },
        algorithm: if format == Format::V1 { *b"pz" } else { *b"PZ" },
        header_words: (format.header_len() / 4) as u8,
        block_log2: log2,
        size,
    }))
}

/// One file of [`files_image`]: its Rock Ridge name, extra System Use
/// entries (a ZF entry, say) and its recorded data.
pub struct ImageFile {
    pub name: String,
    pub su: Vec<u8>,
    pub data: Vec<u8>,
}

/// An image whose root holds `files`, their data from block 24 on.
pub fn files_image(files: &[ImageFile]) -> Vec<u8> {
    let mut lba = 24u32;
    let mut placed = Vec::new();
    let records: Vec<Rec> = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut su = file_su(f.name.as_bytes(), 200 + i as u32);
            su.extend_from_slice(&f.su);
            let r = rec(
                format!("F{i:02}.;1").as_bytes(),
                lba,
                f.data.len() as u32,
                0,
                su,
            );
            placed.push((lba, &f.data));
            lba += (f.data.len().div_ceil(2048)).max(1) as u32;
            r
        })
        .collect();
    let root_len = dir_bytes(ROOT, 0, ROOT, &root_dot_su(), &records).len() as u32;
    assert!(root_len <= 6 * 2048, "root directory overruns block 24");
    let mut img = Image::new(lba as usize, root_len);
    img.dir(ROOT, ROOT, &records);
    for (lba, data) in placed {
        img.put(lba, data);
    }
    img.data
}

/// A compressible text of `len` bytes.
pub fn text(len: usize) -> Vec<u8> {
    (0..)
        .flat_map(|i: u32| format!("line {i} of a compressible text\n").into_bytes())
        .take(len)
        .collect()
}

/// Good zisofs files of every shape: `(file, the content it holds)`.
pub fn zisofs_files() -> Vec<(ImageFile, Vec<u8>)> {
    use iso9660::zisofs::Format::{V1, V2};
    let mut out = Vec::new();
    let mut mixed = text(70_000);
    mixed.extend(vec![0u8; 40_000]);
    mixed.extend(text(5_000));
    for (name, content, log2, format, z2) in [
        ("v1_32k", text(100_000), 15, V1, false),
        ("v1_128k", text(200_000), 17, V1, false),
        ("v1_zeros", vec![0u8; 65_536], 15, V1, false),
        ("v1_mixed", mixed, 15, V1, false),
        ("v1_empty", Vec::new(), 15, V1, false),
        ("v1_one_byte", b"x".to_vec(), 16, V1, false),
        // Blocks below 32 KiB: no producer writes them, Linux inflates them.
        ("v1_4k", text(20_000), 12, V1, false),
        ("v1_512", text(3_000), 9, V1, false),
        ("v1_1_byte_blocks", text(100), 0, V1, false),
        ("v2_zf", text(90_000), 15, V2, false),
        ("v2_z2", text(90_000), 16, V2, true),
        ("v2_1m", text(1_200_000), 20, V2, false),
    ] {
        let su = zf_entry(content.len() as u64, log2, format, z2);
        let data = zisofs_data(&content, log2, format);
        out.push((
            ImageFile {
                name: name.to_string(),
                su,
                data,
            },
            content,
        ));
    }
    out
}

/// An image of [`zisofs_files`] and one plain file (`plain`).
pub fn zisofs_image() -> Vec<u8> {
    let mut files: Vec<ImageFile> = zisofs_files().into_iter().map(|(f, _)| f).collect();
    files.push(ImageFile {
        name: "plain".into(),
        su: Vec::new(),
        data: b"not compressed\n".to_vec(),
    });
    files_image(&files)
}

/// A small tree for zisofs images: text (compresses), zeros (empty blocks),
/// random bytes (xorriso and mkzftree leave them uncompressed), a tiny file.
pub fn zisofs_source(dir: &std::path::Path) {
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("text.txt"), text(300_000)).unwrap();
    let mut mixed = vec![0u8; 150_000];
    mixed.extend(text(20_000));
    std::fs::write(dir.join("sub/mixed.bin"), mixed).unwrap();
    std::fs::write(
        dir.join("noise.bin"),
        testkit::tree::content("noise", 70_000),
    )
    .unwrap();
    std::fs::write(dir.join("sub/tiny.txt"), b"tiny\n").unwrap();
}

/// `(name, compressed files in the image)` of every zisofs image other
/// producers make of [`zisofs_source`]: xorriso with zisofs (three block
/// sizes), zisofs2 (ZF and Z2 entries, 1 MiB blocks), and mkzftree +
/// genisoimage -z.
pub fn foreign_zisofs_images(
    src: &std::path::Path,
    dir: &std::path::Path,
) -> Vec<std::path::PathBuf> {
    let mut images = Vec::new();
    for (name, zisofs) in [
        ("x_v1_32k", "block_size=32k"),
        ("x_v1_64k", "block_size=64k"),
        ("x_v1_128k", "block_size=128k"),
        ("x_v2", "version_2=on"),
        ("x_v2_z2_1m", "version_2=on:susp_z2=on:block_size_v2=1024k"),
    ] {
        let out = dir.join(format!("{name}.iso"));
        let mut c = testkit::cmd("xorriso", ["-no_rc", "-outdev"]);
        c.arg(&out)
            .args(["-zisofs", zisofs, "-map"])
            .arg(src)
            .args(["/", "-set_filter_r", "--zisofs", "/", "--"]);
        testkit::run_ok(&mut c);
        images.push(out);
    }
    let zsrc = dir.join("mkzftree");
    testkit::run_ok(testkit::cmd(
        "mkzftree",
        [src.as_os_str(), zsrc.as_os_str()],
    ));
    let out = dir.join("mkzftree_genisoimage.iso");
    testkit::images::genisoimage(&zsrc, &out, &["-R", "-z"]);
    images.push(out);
    images
}

/// A hostile variant of a good zisofs file: name, ZF entry, data, and a
/// phrase the error must hold.
pub fn hostile_zisofs_files() -> Vec<(ImageFile, &'static str)> {
    use iso9660::zisofs::Format::{V1, V2};
    let content = text(100_000); // 4 blocks of 32 KiB
    let good = zisofs_data(&content, 15, V1);
    let zf = |size: u64, log2: u8| zf_entry(size, log2, V1, false);
    let size = content.len() as u64;
    let pointer = |data: &mut Vec<u8>, i: usize, value: u32| {
        data[16 + 4 * i..20 + 4 * i].copy_from_slice(&value.to_le_bytes())
    };
    let get = |data: &[u8], i: usize| {
        u32::from_le_bytes(data[16 + 4 * i..20 + 4 * i].try_into().unwrap())
    };
    let mut out = Vec::new();
    let mut push = |name: &str, su: Vec<u8>, data: Vec<u8>, why: &'static str| {
        out.push((
            ImageFile {
                name: name.to_string(),
                su,
                data,
            },
            why,
        ))
    };
    // Block sizes past what Linux reads (2^17), in the ZF entry and the header alike.
    for log2 in [18u8, 30, 255] {
        let mut data = good.clone();
        data[13] = log2;
        push(
            &format!("log2_{log2}"),
            zf(size, log2),
            data,
            "block size 2^",
        );
    }
    let mut data = good.clone();
    let (a, b) = (get(&data, 1), get(&data, 2));
    pointer(&mut data, 1, b);
    pointer(&mut data, 2, a);
    push("pointers_swapped", zf(size, 15), data, "out of order");
    let mut data = good.clone();
    pointer(&mut data, 4, good.len() as u32 + 100);
    push(
        "pointer_past_end",
        zf(size, 15),
        data,
        "outside the compressed data",
    );
    let mut data = good.clone();
    pointer(&mut data, 0, 0);
    push(
        "pointer_into_header",
        zf(size, 15),
        data,
        "outside the compressed data",
    );
    push(
        "sizes_disagree",
        zf(size + 1, 15),
        good.clone(),
        "uncompressed sizes do not add up",
    );
    // A size whose pointer table cannot fit in the data (a 4 GiB claim).
    let mut data = good.clone();
    data[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    push("huge_v1", zf(u64::from(u32::MAX), 15), data, "do not fit");
    let mut data = zisofs_data(&content, 15, V2);
    data[12..20].copy_from_slice(&(1u64 << 62).to_le_bytes());
    push(
        "huge_v2",
        zf_entry(1 << 62, 15, V2, false),
        data,
        "do not fit",
    );
    // Files of one 32 KiB block: header and two pointers, then the block.
    let mut one_block_header = good[..16 + 4 * 2].to_vec();
    one_block_header[8..12].copy_from_slice(&(32u32 << 10).to_le_bytes());
    // A zlib bomb: block 0 inflates to 10 blocks' worth.
    let bomb = {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&vec![b'a'; 320 << 10]).unwrap();
        z.finish().unwrap()
    };
    let mut data = one_block_header.clone();
    let start = data.len() as u32;
    data.extend(&bomb);
    pointer(&mut data, 0, start);
    let end = data.len() as u32;
    pointer(&mut data, 1, end);
    push("bomb", zf(32 << 10, 15), data, "more than its 32768 bytes");
    // A block that inflates to less than its size.
    let short = {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(b"short").unwrap();
        z.finish().unwrap()
    };
    let mut data = one_block_header.clone();
    data.extend(&short);
    pointer(&mut data, 0, start);
    let end = data.len() as u32;
    pointer(&mut data, 1, end);
    push(
        "short_block",
        zf(32 << 10, 15),
        data,
        "inflates to 5 bytes instead of 32768",
    );
    // A stream cut short, and one of garbage.
    let mut data = good.clone();
    let end1 = get(&data, 1) as usize;
    pointer(&mut data, 1, end1 as u32 - 10);
    push(
        "truncated_stream",
        zf(size, 15),
        data,
        "zisofs block 1 of 4",
    );
    let mut data = good.clone();
    let start0 = get(&data, 0) as usize;
    for (i, b) in data[start0..start0 + 40].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37) ^ 0x5A;
    }
    push("garbage_stream", zf(size, 15), data, "zlib");
    // A compressed block longer than zlib makes of one block.
    let mut data = one_block_header.clone();
    data.extend(vec![0x78u8; 40_000]);
    pointer(&mut data, 0, start);
    let end = data.len() as u32;
    pointer(&mut data, 1, end);
    push(
        "block_too_long",
        zf(32 << 10, 15),
        data,
        "more than zlib makes",
    );
    // No magic number; an algorithm this reader does not inflate.
    let mut data = good.clone();
    data[..8].fill(0);
    push("no_magic", zf(size, 15), data, "magic");
    let mut su = zf_entry(size, 15, V2, false);
    su[4..6].copy_from_slice(b"XZ");
    push("xz", su, zisofs_data(&content, 15, V2), "XZ");
    // Data shorter than its header.
    push("tiny", zf(size, 15), good[..10].to_vec(), "shorter than");
    out
}

/// Malformations of the primary descriptor Linux reads without complaint:
/// `(what, offset in the PVD, bytes written there)`.
pub fn lenient_pvd_cases() -> Vec<(&'static str, usize, Vec<u8>)> {
    const ROOT: usize = 156;
    vec![
        ("root record length 0", ROOT, vec![0]),
        ("root record length 33", ROOT, vec![33]),
        ("root record length 40", ROOT, vec![40]),
        ("root record length 255", ROOT, vec![255]),
        ("root identifier length 0", ROOT + 32, vec![0]),
        ("root identifier length 9", ROOT + 32, vec![9]),
        ("root not flagged a directory", ROOT + 25, vec![0]),
        ("creation date of spaces", 813, vec![b' '; 16]),
        (
            "modification date of letters",
            830,
            b"20XX0101000000001".to_vec(),
        ),
    ]
}

/// [`sample_image`] with `bytes` written at byte `at` of its primary volume descriptor.
pub fn pvd_patched(at: usize, bytes: &[u8]) -> Vec<u8> {
    let mut data = sample_image();
    let start = 16 * 2048 + at;
    data[start..start + bytes.len()].copy_from_slice(bytes);
    data
}

/// [`sample_image`] whose PVD root extent lies far outside the image.
pub fn root_outside_image() -> Vec<u8> {
    let mut extent = 0x00FF_FFFFu32.to_le_bytes().to_vec();
    extent.extend(0x00FF_FFFFu32.to_be_bytes());
    pvd_patched(156 + 2, &extent)
}
