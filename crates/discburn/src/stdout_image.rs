//! `--target -` (or `/dev/stdout`): a new single-session image streamed to
//! standard output, for pipes (`| ssh host dd of=...`). It is written in
//! order with no temporary file, as `genisoimage` writes one: the session
//! starts at LBA 0 (system area, descriptors at 16, then the trees and the
//! data), so there is no superblock to write afterwards. Nothing can be read
//! back or undone: an interruption leaves the reader an incomplete image.

use std::io::{self, Write};

use fsimage::sessions::ImageSession;
use fsimage::{ImageStream, SectorSource};

use crate::error::BurnError;
use crate::events::WriteProgress;
use crate::target::BurnTarget;

/// Size of the chunks written to the pipe.
const CHUNK: usize = 256 << 10;

/// True when `target` names standard output.
pub fn is_stdout(target: &str) -> bool {
    matches!(
        target,
        "-" | "/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1"
    )
}

/// Standard output as a burn target.
pub struct StdoutImage {
    out: io::Stdout,
}

impl StdoutImage {
    pub fn new() -> StdoutImage {
        StdoutImage { out: io::stdout() }
    }

    fn write_error(source: io::Error) -> BurnError {
        BurnError::Write {
            path: "standard output".into(),
            source,
        }
    }
}

impl Default for StdoutImage {
    fn default() -> Self {
        StdoutImage::new()
    }
}

impl BurnTarget for StdoutImage {
    fn name(&self) -> String {
        "standard output".into()
    }

    fn sessions(&self) -> &[ImageSession] {
        &[]
    }

    fn sectors(&mut self) -> Result<Box<dyn SectorSource + '_>, BurnError> {
        Err(BurnError::NothingToImport {
            target: self.name(),
            what: "reading back",
        })
    }

    fn next_start(&self) -> u64 {
        0
    }

    fn check_room(&mut self, _blocks: u64) -> Result<Option<u64>, BurnError> {
        Ok(None)
    }

    fn write_session(
        &mut self,
        stream: &mut ImageStream,
        progress: &mut dyn FnMut(WriteProgress) -> bool,
    ) -> Result<(), BurnError> {
        let mut buf = vec![0u8; CHUNK];
        let mut out = self.out.lock();
        loop {
            let n = stream.next_chunk(&mut buf).map_err(BurnError::Source)?;
            if n == 0 {
                return out.flush().map_err(Self::write_error);
            }
            out.write_all(&buf[..n]).map_err(Self::write_error)?;
            if !progress(WriteProgress::bytes(stream.position())) {
                return Err(BurnError::Cancelled);
            }
        }
    }

    fn finish(&mut self, stream: &ImageStream) -> Result<u64, BurnError> {
        self.out.flush().map_err(Self::write_error)?;
        Ok(u64::from(stream.start_lba()) + stream.total_blocks())
    }

    fn roll_back(&mut self) -> io::Result<()> {
        // What went down the pipe cannot be taken back.
        Ok(())
    }
}
