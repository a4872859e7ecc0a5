//! Reading a session back after writing it (`burn --verify quick|full`), as
//! IMAPI2's data writer verifies: `quick` reads every block of the session
//! (a block the medium cannot give back fails) and compares its volume
//! descriptors; `full` compares every block with the session produced again
//! from the same tree (host files are read a second time).

use fsimage::{ImageOptions, ImageStream, SectorSource, Tree, BLOCK_SIZE};
use serde::Serialize;

use crate::error::BurnError;

/// How much of a written session to read back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verify {
    #[default]
    None,
    Quick,
    Full,
}

/// What verification found.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub mode: Verify,
    /// Blocks read back.
    pub blocks: u64,
}

/// Blocks read per request.
const CHUNK_BLOCKS: usize = 32;

/// Reads the session at `start` (`blocks` long) back from `source`: with a
/// `tree` (full), compares every block with the session laid out again with
/// `options`; else compares the volume descriptors with `descriptors`.
pub(crate) fn verify(
    source: &mut dyn SectorSource,
    name: &str,
    start: u64,
    blocks: u64,
    descriptors: &[u8],
    full: Option<(Tree, ImageOptions)>,
    progress: &mut dyn FnMut(u64),
) -> Result<(), BurnError> {
    let mut expected_stream = match full {
        Some((tree, options)) => Some(ImageStream::new(tree, options)?),
        None => None,
    };
    let mut read = vec![0u8; CHUNK_BLOCKS * BLOCK_SIZE];
    let mut want = vec![0u8; CHUNK_BLOCKS * BLOCK_SIZE];
    let mut done = 0u64;
    while done < blocks {
        let count = (blocks - done).min(CHUNK_BLOCKS as u64) as usize;
        let lba = start + done;
        let got = &mut read[..count * BLOCK_SIZE];
        source
            .read_blocks(lba, got)
            .map_err(|e| BurnError::VerifyFailed {
                target: name.to_string(),
                lba,
                reason: format!("cannot be read back: {e}"),
            })?;
        if let Some(stream) = expected_stream.as_mut() {
            let want = &mut want[..count * BLOCK_SIZE];
            let n = stream.next_chunk(want).map_err(BurnError::Source)?;
            want[n..].fill(0);
            if let Some(at) = first_difference(got, want) {
                return Err(mismatch(name, lba + (at / BLOCK_SIZE) as u64));
            }
        }
        done += count as u64;
        progress(done);
    }
    // The descriptors readers start from, at block 16 of the session.
    let mut got = vec![0u8; descriptors.len()];
    source
        .read_blocks(start + 16, &mut got)
        .map_err(|e| BurnError::VerifyFailed {
            target: name.to_string(),
            lba: start + 16,
            reason: format!("cannot be read back: {e}"),
        })?;
    match first_difference(&got, descriptors) {
        Some(at) => Err(mismatch(name, start + 16 + (at / BLOCK_SIZE) as u64)),
        None => Ok(()),
    }
}

fn mismatch(name: &str, lba: u64) -> BurnError {
    BurnError::VerifyFailed {
        target: name.to_string(),
        lba,
        reason: "reads back different from what was written".into(),
    }
}

fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    a.iter().zip(b).position(|(x, y)| x != y)
}
