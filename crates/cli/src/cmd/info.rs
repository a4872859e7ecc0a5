//! `discburn info`: describe an image, medium or disc.
//!
//! The result is an [`InfoResult`]: today the file system of the session read
//! (`file_system`); drive and media details are added beside it by the
//! commands that know them.

use fsimage::read::{FileKind, Namespace, Node, ReadOptions, Volume};
use fsimage::SectorSource;
use serde::Serialize;

use super::ls::{format_rfc3339, open_volume, ReadArgs};
use crate::output::Output;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub read: ReadArgs,

    /// Do not walk the tree to count files and directories (faster on slow media).
    #[arg(long)]
    pub no_count: bool,

    /// How many more sessions of SIZE fit on the disc (bytes, or with a K, M
    /// or G suffix: `--plan 700M`).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub plan: Option<u64>,
}

/// Bytes from `123`, `64K`, `700M`, `4G` (powers of 1024).
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, ""),
    };
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size (e.g. 700M)"))?;
    let shift = match unit.to_ascii_uppercase().trim_end_matches(['B', 'I']) {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(format!("{text:?}: unknown unit (K, M, G, T)")),
    };
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("{text:?} is too large"))
}

/// The result of `discburn info`. New sections (drive, media, sessions) are
/// added as further optional fields.
#[derive(Serialize, Debug, Default)]
pub struct InfoResult {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub command: &'static str,
    pub target: String,
    /// The drive and its medium (emulated media and real drives; absent for image files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<discburn::drive::MediaInfo>,
    /// The medium's status in IMAPI2's terms (`blank`, `appendable`, `final
    /// session`, `closed`, `damaged`, `overwritable`, `no medium`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_writable_address: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free_blocks: Option<u64>,
    /// What the next session costs and how many more fit (`--plan`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<discburn::capacity::Capacity>,
    /// The ISO 9660 file system of the session read, if there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_system: Option<FileSystemInfo>,
    /// Every session, oldest first (`layout` says how they were found).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<SessionJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_layout: Option<&'static str>,
    /// Problems with the target as a whole (a damaged superblock).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// One session of the target.
#[derive(Serialize, Debug, Clone)]
pub struct SessionJson {
    pub number: u32,
    pub start_lba: u64,
    pub blocks: u64,
    pub volume_name: String,
    /// Files in its tree (absent with `--no-count` or when it does not read).
    pub files: Option<u64>,
}

/// What the session's descriptors and tree say.
#[derive(Serialize, Debug, Default, Clone)]
pub struct FileSystemInfo {
    pub session_start: u64,
    pub volume_id: String,
    pub system_id: String,
    pub volume_set_id: String,
    pub publisher_id: String,
    pub preparer_id: String,
    pub application_id: String,
    /// Volume Space Size, in blocks.
    pub volume_space_size: u32,
    pub block_size: u16,
    /// Volume Space Size × block size.
    pub size_bytes: u64,
    pub creation_date: Option<String>,
    pub modification_date: Option<String>,
    /// e.g. `["ISO 9660 level 3", "Joliet level 3", "Rock Ridge 1.12"]`.
    pub file_systems: Vec<String>,
    /// 1, 2 or 3, judged from the identifiers and extents (absent without a count).
    pub iso_level: Option<u8>,
    pub joliet_level: Option<u8>,
    pub joliet_volume_id: Option<String>,
    pub rock_ridge: Option<RockRidgeJson>,
    pub el_torito: Option<ElToritoJson>,
    /// The session's UDF volume (alone, or bridged with ISO 9660).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub udf: Option<UdfJson>,
    /// Namespace the counts below were taken in.
    pub namespace: &'static str,
    pub files: Option<u64>,
    pub directories: Option<u64>,
    pub symlinks: Option<u64>,
    pub file_bytes: Option<u64>,
    /// Problems found while describing the volume (truncated image, damaged tree).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Serialize, Debug, Clone)]
pub struct RockRidgeJson {
    pub version: String,
    pub identifier: Option<String>,
}

/// What a session's UDF descriptors say.
#[derive(Serialize, Debug, Clone)]
pub struct UdfJson {
    /// From the logical volume's domain identifier, e.g. `"2.01"`.
    pub revision: String,
    /// The logical volume identifier (the label Windows shows).
    pub logical_volume_id: String,
    pub anchor_lba: u64,
    /// `physical`, `virtual`, `sparable`, `metadata`, in map order.
    pub partition_maps: Vec<&'static str>,
    pub partition_start: u64,
    pub partition_blocks: u64,
    /// `read-only`, `write-once`, `rewritable`, `overwritable`, `pseudo-overwritable`.
    pub access_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vat_lba: Option<u64>,
    pub implementation: String,
    /// Files and directories as its integrity descriptor counts them.
    pub files: Option<u32>,
    pub directories: Option<u32>,
    /// Why the UDF volume could not be read (the ISO 9660 trees were).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

fn access_type_name(access: u32) -> &'static str {
    match access {
        0 => "pseudo-overwritable",
        1 => "read-only",
        2 => "write-once",
        3 => "rewritable",
        4 => "overwritable",
        _ => "unknown",
    }
}

fn udf_json(info: &fsimage::read::VolumeInfo) -> Option<UdfJson> {
    if let Some(problem) = &info.udf_problem {
        return Some(UdfJson {
            revision: String::new(),
            logical_volume_id: String::new(),
            anchor_lba: 0,
            partition_maps: Vec::new(),
            partition_start: 0,
            partition_blocks: 0,
            access_type: "unknown",
            vat_lba: None,
            implementation: String::new(),
            files: None,
            directories: None,
            problem: Some(problem.clone()),
        });
    }
    let u = info.udf.as_ref()?;
    Some(UdfJson {
        revision: u.revision.clone(),
        logical_volume_id: u.logical_volume_id.clone(),
        anchor_lba: u.anchor_lba,
        partition_maps: u.partition_maps.clone(),
        partition_start: u.partition_start,
        partition_blocks: u.partition_blocks,
        access_type: access_type_name(u.access_type),
        vat_lba: u.vat_lba,
        implementation: u.implementation.clone(),
        files: u.files,
        directories: u.directories,
        problem: None,
    })
}

#[derive(Serialize, Debug, Clone)]
pub struct ElToritoJson {
    pub catalog_lba: u32,
}

/// ISO 9660 interchange level from the primary tree: 3 if a file has several
/// extents, 2 if an identifier exceeds 8.3 characters, else 1 (ECMA-119 10.1–10.3).
fn iso_level(args: &ReadArgs) -> anyhow::Result<u8> {
    let source = discburn::open_read_source(&args.target)?;
    let options = ReadOptions {
        session_start: args.resolved_session_start()?,
        namespace: Some(Namespace::Iso9660),
        ..ReadOptions::default()
    };
    let mut volume = Volume::open(source, options)?;
    let root = volume.root().clone();
    let mut level = 1u8;
    let mut visit = |_: &mut Volume<Box<dyn SectorSource>>, _: &str, node: &Node| {
        if node.extents.len() > 1 {
            level = 3;
        } else if level < 2 {
            let id = iso9660::names::strip_version(&node.file_id);
            // 8.3 for files; directories are held to the same (genisoimage
            // writes `DIR_WITH.DOT` at level 1).
            let (base, ext) = match id.iter().rposition(|&b| b == b'.') {
                Some(p) => (p, id.len() - p - 1),
                None => (id.len(), 0),
            };
            let long = base > 8 || ext > 3;
            if long && !node.name.is_empty() {
                level = 2;
            }
        }
        Ok(true)
    };
    volume.walk(&root, "", &mut visit, &mut |_, _| {})?;
    Ok(level)
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<()> {
    let media = discburn::drive::inspect_target(&args.read.target)?;
    // A blank or absent medium has no file system to describe.
    let has_data = media
        .as_ref()
        .is_none_or(|m| m.medium_present && m.disc_status.as_deref() != Some("blank"));
    let mut warnings = Vec::new();
    let list = if has_data {
        match discburn::sessions::list_sessions(&args.read.target) {
            Ok(list) => Some(list),
            Err(e) => {
                tracing::debug!("no session list: {e}");
                None
            }
        }
    } else {
        None
    };
    if let Some(list) = &list {
        if let Some(problem) = &list.superblock_problem {
            warnings.push(format!(
                "{problem}: run `discburn repair --target {}`",
                args.read.target
            ));
        }
        warnings.extend(list.warnings.iter().cloned());
        if list.blocks_past_end > 0 {
            tracing::info!(
                "{} blocks past the end of the image (padding, or an interrupted append)",
                list.blocks_past_end
            );
        }
    }
    let overwritable = media.as_ref().is_some_and(|m| m.overwritable);
    let no_sessions = list.as_ref().is_none_or(|l| l.sessions.is_empty());
    let file_system = if has_data {
        match file_system_info(&args) {
            Ok(fs) => Some(fs),
            // A damaged superblock: the sessions and the warning say what to do.
            Err(e) if !warnings.is_empty() => {
                warnings.push(format!("{e:#}"));
                None
            }
            // A formatted overwritable disc that was never written: the
            // drive says "complete", but there is nothing to describe.
            Err(e)
                if overwritable
                    && no_sessions
                    && discburn::disc::holds_nothing(&args.read.target) =>
            {
                tracing::debug!("an empty overwritable disc: {e:#}");
                None
            }
            Err(e) => return Err(e),
        }
    } else {
        None
    };
    let grown = overwritable.then(|| match list.as_ref().and_then(|l| l.sessions.last()) {
        Some(last) => discburn::capacity::Grown::EndsAt(last.start_lba + last.blocks),
        None if file_system.is_none() => discburn::capacity::Grown::Empty,
        None => discburn::capacity::Grown::Unknown,
    });
    let session_layout = list.as_ref().map(|l| l.layout);
    let sessions = list
        .map(|list| session_rows(&args, &list))
        .unwrap_or_default();
    let capacity = media
        .as_ref()
        .map(|m| discburn::capacity::capacity(m, grown, args.plan));
    let result = InfoResult {
        kind: "result",
        command: "info",
        target: args.read.target.clone(),
        status: capacity.as_ref().map(|c| c.status),
        next_writable_address: capacity.as_ref().and_then(|c| c.next_writable_address),
        free_blocks: capacity.as_ref().and_then(|c| c.free_blocks),
        capacity,
        media,
        file_system,
        sessions,
        session_layout,
        warnings,
    };
    out.result(&result, || text(&result));
    Ok(())
}

/// Reads the session's descriptors (and, unless `--no-count`, walks its tree).
fn file_system_info(args: &Args) -> anyhow::Result<FileSystemInfo> {
    let mut volume = open_volume(&args.read)?;
    let info = volume.info().clone();
    let mut fs = FileSystemInfo {
        session_start: info.session_start,
        volume_id: info.volume_id.clone(),
        system_id: info.system_id.clone(),
        volume_set_id: info.volume_set_id.clone(),
        publisher_id: info.publisher_id.clone(),
        preparer_id: info.preparer_id.clone(),
        application_id: info.application_id.clone(),
        volume_space_size: info.volume_space_size,
        block_size: info.logical_block_size,
        size_bytes: u64::from(info.volume_space_size) * u64::from(info.logical_block_size),
        creation_date: info.creation_date.map(format_rfc3339),
        modification_date: info.modification_date.map(format_rfc3339),
        joliet_level: info.joliet_level,
        joliet_volume_id: info.joliet_volume_id.clone(),
        rock_ridge: info.rock_ridge.as_ref().map(|r| RockRidgeJson {
            version: r.version.clone(),
            identifier: r.identifier.clone(),
        }),
        el_torito: info.el_torito.as_ref().map(|e| ElToritoJson {
            catalog_lba: e.catalog_lba,
        }),
        udf: udf_json(&info),
        namespace: volume.namespace().as_str(),
        ..FileSystemInfo::default()
    };
    fs.warnings
        .extend(super::ls::truncation_warning(&volume, &args.read.target));
    if !args.no_count {
        if let Err(err) = count_contents(&args.read, info.iso9660, &mut volume, &mut fs) {
            fs.warnings
                .push(format!("could not walk the whole tree: {err:#}"));
        }
    }
    if info.iso9660 {
        fs.file_systems.push(match fs.iso_level {
            Some(level) => format!("ISO 9660 level {level}"),
            None => "ISO 9660".to_string(),
        });
    }
    if let Some(level) = fs.joliet_level {
        fs.file_systems.push(format!("Joliet level {level}"));
    }
    if let Some(rr) = &fs.rock_ridge {
        fs.file_systems.push(format!("Rock Ridge {}", rr.version));
    }
    match &fs.udf {
        Some(udf) if udf.problem.is_none() => {
            fs.file_systems.push(format!("UDF {}", udf.revision));
        }
        Some(_) => fs.file_systems.push("UDF (unreadable)".to_string()),
        None => {}
    }
    if fs.el_torito.is_some() {
        fs.file_systems.push("El Torito".to_string());
    }
    Ok(fs)
}

/// The sessions, each with its file count (unless `--no-count`).
fn session_rows(args: &Args, list: &discburn::sessions::SessionList) -> Vec<SessionJson> {
    list.sessions
        .iter()
        .map(|s| SessionJson {
            number: s.number,
            start_lba: s.start_lba,
            blocks: s.blocks,
            volume_name: s.volume_name.clone(),
            files: if args.no_count {
                None
            } else {
                count_session_files(&args.read.target, s.start_lba).ok()
            },
        })
        .collect()
}

fn count_session_files(target: &str, start: u64) -> anyhow::Result<u64> {
    let source = discburn::open_read_source(target)?;
    let options = ReadOptions {
        session_start: start,
        ..ReadOptions::default()
    };
    let mut volume = Volume::open(source, options)?;
    let root = volume.root().clone();
    let mut files = 0u64;
    let mut visit = |_: &mut Volume<Box<dyn SectorSource>>, _: &str, node: &Node| {
        if node.stat.kind == FileKind::File {
            files += 1;
        }
        Ok(true)
    };
    volume.walk(&root, "", &mut visit, &mut |_, _| {})?;
    Ok(files)
}

fn text(result: &InfoResult) -> String {
    let mut t = format!("{:<20} {}\n", "Target:", result.target);
    if let Some(media) = &result.media {
        t.push_str(&media.to_text());
    }
    if let Some(c) = &result.capacity {
        t.push_str(&format!("{:<20} {}\n", "Status:", c.status));
        // Overwritable media: where the burn puts the next session (the
        // drive's own answer is printed with the medium above otherwise).
        let drive_said = result
            .media
            .as_ref()
            .is_some_and(|m| m.next_writable_address.is_some() && !m.overwritable);
        if let (false, Some(next), Some(free)) =
            (drive_said, c.next_writable_address, c.free_blocks)
        {
            t.push_str(&format!("{:<20} LBA {next}\n", "Next session at:"));
            t.push_str(&format!(
                "{:<20} {free} blocks ({} bytes)\n",
                "Free:",
                free * 2048
            ));
        }
        if let Some(overhead) = c.next_session_overhead {
            t.push_str(&format!(
                "{:<20} {overhead} blocks beyond its data\n",
                "Next session costs:"
            ));
        }
        if let (Some(blocks), Some(fit)) = (c.plan_blocks, c.sessions_that_fit) {
            t.push_str(&format!(
                "{:<20} {fit} more sessions of {blocks} blocks fit\n",
                "Plan:"
            ));
        }
    }
    let mut line = |k: &str, v: String| t.push_str(&format!("{k:<20} {v}\n"));
    if let Some(fs) = &result.file_system {
        line("Volume name:", fs.volume_id.clone());
        if let Some(j) = &fs.joliet_volume_id {
            if j != &fs.volume_id {
                line("Joliet volume name:", j.clone());
            }
        }
        line("File systems:", fs.file_systems.join(", "));
        line(
            "Volume size:",
            format!(
                "{} blocks of {} bytes ({} bytes)",
                fs.volume_space_size, fs.block_size, fs.size_bytes
            ),
        );
        if fs.session_start != 0 {
            line("Session start:", format!("LBA {}", fs.session_start));
        }
        for (k, v) in [
            ("System id:", &fs.system_id),
            ("Volume set id:", &fs.volume_set_id),
            ("Publisher:", &fs.publisher_id),
            ("Preparer:", &fs.preparer_id),
            ("Application:", &fs.application_id),
        ] {
            if !v.is_empty() {
                line(k, v.clone());
            }
        }
        line(
            "Created:",
            fs.creation_date.clone().unwrap_or_else(|| "not set".into()),
        );
        line(
            "Modified:",
            fs.modification_date
                .clone()
                .unwrap_or_else(|| "not set".into()),
        );
        if let Some(e) = &fs.el_torito {
            line("Boot catalog:", format!("LBA {}", e.catalog_lba));
        }
        if let Some(udf) = &fs.udf {
            match &udf.problem {
                Some(problem) => line("UDF:", format!("not readable: {problem}")),
                None => {
                    if udf.logical_volume_id != fs.volume_id {
                        line("UDF volume name:", udf.logical_volume_id.clone());
                    }
                    let vat = udf
                        .vat_lba
                        .map(|lba| format!(", VAT at LBA {lba}"))
                        .unwrap_or_default();
                    line(
                        "UDF:",
                        format!(
                            "revision {}, {} partition at LBA {} ({} blocks, {}), anchor at LBA {}{vat}",
                            udf.revision,
                            udf.partition_maps.join(" + "),
                            udf.partition_start,
                            udf.partition_blocks,
                            udf.access_type,
                            udf.anchor_lba
                        ),
                    );
                }
            }
        }
        if let (Some(files), Some(dirs), Some(symlinks), Some(bytes)) =
            (fs.files, fs.directories, fs.symlinks, fs.file_bytes)
        {
            line("Contents:", format!("{files} files ({bytes} bytes), {dirs} directories, {symlinks} symlinks ({} names)", fs.namespace));
        }
        for warning in &fs.warnings {
            line("Warning:", warning.clone());
        }
    }
    if result.sessions.len() > 1 || result.session_layout == Some("chained") {
        line("Sessions:", result.sessions.len().to_string());
        for s in &result.sessions {
            let files = s.files.map(|f| format!(", {f} files")).unwrap_or_default();
            line(
                "",
                format!(
                    "{:>3}  LBA {:>9}  {:>9} blocks  {}{files}",
                    s.number, s.start_lba, s.blocks, s.volume_name
                ),
            );
        }
    }
    for warning in &result.warnings {
        line("Warning:", warning.clone());
    }
    t
}

/// Walks the tree to fill in the ISO level and the counts of files,
/// directories, symlinks and bytes.
fn count_contents(
    args: &ReadArgs,
    iso9660: bool,
    volume: &mut Volume<Box<dyn SectorSource>>,
    fs: &mut FileSystemInfo,
) -> anyhow::Result<()> {
    if iso9660 {
        fs.iso_level = Some(iso_level(args)?);
    }
    let (mut files, mut dirs, mut symlinks, mut bytes) = (0u64, 0u64, 0u64, 0u64);
    let root = volume.root().clone();
    let mut visit = |_: &mut Volume<Box<dyn SectorSource>>, path: &str, node: &Node| {
        match node.stat.kind {
            FileKind::File => {
                files += 1;
                bytes = bytes.saturating_add(node.stat.size);
            }
            FileKind::Dir if !path.is_empty() => dirs += 1,
            FileKind::Symlink => symlinks += 1,
            _ => {}
        }
        Ok(true)
    };
    volume.walk(&root, "", &mut visit, &mut |_, _| {})?;
    (fs.files, fs.directories, fs.symlinks, fs.file_bytes) =
        (Some(files), Some(dirs), Some(symlinks), Some(bytes));
    Ok(())
}
