//! The sessions of a growable image file (multisession.md §2).
//!
//! An image file has no table of contents. Readers find the newest session
//! through the "superblock" at LBA 0–31: its volume descriptors at LBA 16 are
//! a copy of the newest session's, with the Volume Space Size widened to the
//! end of the image. The history is recorded the way libisoburn (xorriso)
//! records it, and discburn writes it the same way:
//!
//! - session 1 starts at LBA 32, so the superblock never overlaps a session;
//! - each session's own descriptors sit at `start + 16`, and their Volume
//!   Space Size counts that session's blocks only;
//! - the next session starts at the next 32-block boundary after it.
//!
//! Walking that chain from LBA 32 up to the end recorded at LBA 16 lists every
//! session (libisoburn's `isoburn_emulate_toc`). Images whose first session
//! starts at LBA 0 (genisoimage, growisofs, `xorriso -compliance
//! no_emul_toc`) record no history: only their newest tree is visible; nor
//! do UDF-only images (Windows), read as one session from LBA 0.

use iso9660::volume::{field, DescriptorHeader, DescriptorType, VolumeDescriptor};

use crate::source::{SectorSource, BLOCK_SIZE};

/// Where the first session of a chained image starts; LBA 0–31 is the superblock.
pub const FIRST_SESSION_LBA: u64 = 32;
/// Sessions start on 32-block (64 KiB) boundaries: one BD cluster, two DVD
/// ECC blocks (libisoburn's `Libisoburn_nwa_alignemenT`).
pub const SESSION_ALIGNMENT: u64 = 32;
/// Most sessions followed on one image: a hostile chain of tiny sessions
/// cannot make a scan read more than this many descriptors.
pub const MAX_SESSIONS: usize = 100_000;

/// How an image records its sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageLayout {
    /// First session at LBA 32, the superblock at 0–31 (xorriso, discburn):
    /// every session is listed.
    Chained,
    /// First session at LBA 0 (genisoimage, growisofs): one visible session,
    /// the newest.
    FromZero,
}

/// One session of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSession {
    /// 1 for the oldest.
    pub number: u32,
    /// First block (its volume descriptors are at `start + 16`).
    pub start: u64,
    /// The session's Volume Space Size, in blocks.
    pub blocks: u64,
    /// Its volume identifier (trailing spaces removed).
    pub volume_id: String,
}

impl ImageSession {
    /// First block after the session.
    pub fn end(&self) -> u64 {
        self.start + self.blocks
    }
}

/// What a scan of an image found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSessions {
    pub layout: ImageLayout,
    /// Oldest first; never empty.
    pub sessions: Vec<ImageSession>,
    /// The end of the image as recorded at LBA 16 (the newest session's end).
    pub end: u64,
    /// Blocks the file holds past `end`: padding, or the orphan tail of an
    /// interrupted append; readers ignore them and the next session overwrites them.
    pub blocks_past_end: u64,
    /// The superblock at LBA 0–31 does not describe the newest session of the
    /// chain (or is unreadable): `discburn repair` rebuilds it.
    pub superblock_problem: Option<String>,
    /// Other things a user should know (a broken chain).
    pub warnings: Vec<String>,
}

impl ImageSessions {
    pub fn newest(&self) -> &ImageSession {
        // `sessions` is never empty (see `scan`).
        &self.sessions[self.sessions.len() - 1]
    }

    /// Where the next session goes: the 32-block boundary after the end.
    pub fn next_start(&self) -> u64 {
        self.end.div_ceil(SESSION_ALIGNMENT) * SESSION_ALIGNMENT
    }

    /// The session numbered `number` (1 = oldest).
    pub fn get(&self, number: u32) -> Option<&ImageSession> {
        self.sessions.iter().find(|s| s.number == number)
    }
}

/// Why an image's sessions could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("reading block {lba}: {source}")]
    Io { lba: u64, source: std::io::Error },
    #[error("no ISO 9660 session found: {reason}")]
    NoSession { reason: String },
}

/// Reads one block; `None` when it lies past the end of the source.
fn read_block(source: &mut dyn SectorSource, lba: u64, buf: &mut [u8]) -> Result<bool, ScanError> {
    if source.block_count().is_some_and(|n| lba >= n) {
        return Ok(false);
    }
    source
        .read_blocks(lba, buf)
        .map(|()| true)
        .map_err(|source| ScanError::Io { lba, source })
}

/// A primary volume descriptor, if `block` is one.
fn primary(block: &[u8]) -> Option<VolumeDescriptor> {
    let header = DescriptorHeader::parse(block).ok()?;
    if header.descriptor_type != DescriptorType::Primary {
        return None;
    }
    VolumeDescriptor::parse(block)
        .ok()
        .filter(|vd| usize::from(vd.logical_block_size) == BLOCK_SIZE)
}

fn volume_id(vd: &VolumeDescriptor) -> String {
    String::from_utf8_lossy(&vd.volume_id)
        .trim_end_matches([' ', '\0'])
        .to_string()
}

/// True when two primary descriptors are equal but for the Volume Space Size:
/// the LBA-16 copy and the session's own descriptor.
pub fn same_but_size(copy: &[u8], own: &[u8]) -> bool {
    let size = field::VOLUME_SPACE_SIZE..field::VOLUME_SPACE_SIZE + 8;
    copy.len() == own.len()
        && copy[..size.start] == own[..size.start]
        && copy[size.end..] == own[size.end..]
}

/// A UDF volume without ISO 9660 descriptors (as Windows burns them) is one
/// session from LBA 0 that spans the whole file: its partition, anchors and
/// VAT may lie anywhere in it.
fn udf_only_session(source: &mut dyn SectorSource) -> Result<Option<ImageSessions>, ScanError> {
    let file_blocks = source.block_count();
    let limits = crate::read::Limits::default();
    let udf = match crate::read::udf_probe(source, 0, file_blocks, &limits) {
        Ok(Some(udf)) => udf,
        Ok(None) => return Ok(None),
        // The recognition sequence names UDF but the volume cannot be read:
        // that is the reason to give, not the missing ISO 9660 descriptors.
        Err(e) => {
            return Err(ScanError::NoSession {
                reason: format!(
                    "no primary volume descriptor at LBA 16, and the UDF volume there cannot \
                     be read: {e}"
                ),
            })
        }
    };
    let end = udf.volume_end().max(file_blocks.unwrap_or(0));
    Ok(Some(ImageSessions {
        layout: ImageLayout::FromZero,
        sessions: vec![ImageSession {
            number: 1,
            start: 0,
            blocks: end,
            volume_id: udf.logical_volume_id,
        }],
        end,
        blocks_past_end: 0,
        superblock_problem: None,
        warnings: Vec::new(),
    }))
}

/// Lists the sessions of an image file.
pub fn scan(source: &mut dyn SectorSource) -> Result<ImageSessions, ScanError> {
    let file_blocks = source.block_count();
    let mut block = vec![0u8; BLOCK_SIZE];
    let copy = if read_block(source, 16, &mut block)? {
        primary(&block).map(|vd| (vd, block.clone()))
    } else {
        None
    };
    let mut found = Vec::new();
    let mut warnings = Vec::new();
    let mut superblock_problem = None;
    let (layout, end) = match &copy {
        Some((vd, _)) => {
            let end = u64::from(vd.volume_space_size);
            // A chain starts with a session at 32 and a newest tree above it
            // (an image started at 0 has its own structures below 32).
            let newest_above_32 = u64::from(vd.root_extent) >= FIRST_SESSION_LBA
                && u64::from(vd.l_path_table) >= FIRST_SESSION_LBA;
            if newest_above_32 && end > FIRST_SESSION_LBA {
                follow_chain(source, Some(end), &mut found, &mut warnings)?;
            }
            if found.is_empty() {
                found.push(ImageSession {
                    number: 1,
                    start: 0,
                    blocks: end,
                    volume_id: volume_id(vd),
                });
                (ImageLayout::FromZero, end)
            } else {
                (ImageLayout::Chained, end)
            }
        }
        None => {
            // The superblock is damaged: the chain still lists the sessions.
            follow_chain(source, None, &mut found, &mut warnings)?;
            if found.is_empty() {
                if let Some(session) = udf_only_session(source)? {
                    return Ok(session);
                }
            }
            let Some(last) = found.last() else {
                return Err(ScanError::NoSession {
                    reason: "no primary volume descriptor at LBA 16, and no session chain from \
                             LBA 32"
                        .into(),
                });
            };
            superblock_problem = Some(format!(
                "LBA 16 holds no primary volume descriptor; the newest intact session starts \
                 at LBA {}",
                last.start
            ));
            (ImageLayout::Chained, last.end())
        }
    };
    if let (Some((_, copy_block)), ImageLayout::Chained, Some(newest)) =
        (&copy, layout, found.last())
    {
        let mut own = vec![0u8; BLOCK_SIZE];
        let matches = read_block(source, newest.start + 16, &mut own)?
            && same_but_size(copy_block, &own)
            && newest.end() == end;
        if !matches {
            superblock_problem = Some(format!(
                "LBA 16 does not describe the newest session (number {}, at LBA {})",
                newest.number, newest.start
            ));
        }
    }
    let blocks_past_end = file_blocks.map_or(0, |n| n.saturating_sub(end));
    Ok(ImageSessions {
        layout,
        sessions: found,
        end,
        blocks_past_end,
        superblock_problem,
        warnings,
    })
}

/// Every session of the chain from LBA 32 whose descriptors are intact and
/// whose blocks lie inside the source, whatever LBA 16 says (to rebuild a
/// damaged superblock).
pub fn scan_chain(source: &mut dyn SectorSource) -> Result<Vec<ImageSession>, ScanError> {
    let mut found = Vec::new();
    follow_chain(source, None, &mut found, &mut Vec::new())?;
    Ok(found)
}

/// Follows the chain of session descriptors from LBA 32: up to `end` when the
/// superblock gives it, else as far as intact sessions lie inside the source.
fn follow_chain(
    source: &mut dyn SectorSource,
    end: Option<u64>,
    found: &mut Vec<ImageSession>,
    warnings: &mut Vec<String>,
) -> Result<(), ScanError> {
    let limit = end.or(source.block_count()).unwrap_or(0);
    let mut block = vec![0u8; BLOCK_SIZE];
    let mut lba = FIRST_SESSION_LBA;
    while lba < limit {
        if found.len() >= MAX_SESSIONS {
            warnings.push(format!(
                "more than {MAX_SESSIONS} sessions: the rest are not listed"
            ));
            break;
        }
        // The descriptors are at start + 16; a session growisofs aligned to 16
        // blocks has them 16 blocks earlier (libisoburn checks both).
        let mut session = None;
        for start in [lba, lba - 16] {
            if read_block(source, start + 16, &mut block)? {
                if let Some(vd) = primary(&block) {
                    session = Some((start, vd));
                    break;
                }
            }
        }
        let Some((start, vd)) = session else {
            if end.is_some() && !found.is_empty() {
                warnings.push(format!(
                    "the chain of session descriptors breaks at LBA {lba} (after session {})",
                    found.len()
                ));
            }
            break;
        };
        let blocks = u64::from(vd.volume_space_size);
        let session_end = start + blocks;
        let fits = end.map_or_else(
            || source.block_count().is_some_and(|n| session_end <= n),
            |end| session_end <= end,
        );
        if blocks == 0 || !fits {
            if end.is_some() {
                warnings.push(format!(
                    "the session at LBA {start} claims {blocks} blocks, past the end of the image"
                ));
            }
            break;
        }
        found.push(ImageSession {
            number: found.len() as u32 + 1,
            start,
            blocks,
            volume_id: volume_id(&vd),
        });
        lba = session_end.div_ceil(SESSION_ALIGNMENT) * SESSION_ALIGNMENT;
    }
    Ok(())
}
