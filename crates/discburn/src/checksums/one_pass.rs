//! One read of a session for `verify`: this thread reads the session's
//! blocks and walks its tags (the session's MD5, checksums.md §11.2) while a
//! second thread hashes the files' stored bytes out of the same buffers
//! ([`StreamedFiles`]), so each block is read once and the two MD5s run on
//! two cores. Files the stream cannot give (data in an earlier session, and
//! the other cases `StreamedFiles` leaves out) are read afterwards by
//! [`check::check_files`].

use std::sync::mpsc;
use std::sync::Arc;

use fsimage::checksums::check::{ArrayState, SessionBlocksCheck, SessionWalk};
use fsimage::checksums::streamed::StreamedFiles;
use fsimage::{SectorSource, BLOCK_SIZE};

/// Blocks per read (1 MiB: a little faster than 64 KiB for the file thread,
/// which hashes from the same buffers on another core).
const CHUNK_BLOCKS: u64 = 512;

/// Buffers in flight between the reading and the file-hashing thread.
const BUFFERS: usize = 16;

/// Reads blocks `start..` of `source` until the tag walk is over (at most to
/// `end`), feeding each chunk to the walk here and to `files` on a second
/// thread; `progress(blocks_read)` per chunk. Gives the tags' result and
/// `files` having seen every chunk.
pub(super) fn read_session(
    source: &mut dyn SectorSource,
    start: u64,
    end: u64,
    array: &ArrayState,
    files: StreamedFiles,
    progress: &mut dyn FnMut(u64),
) -> std::io::Result<(SessionBlocksCheck, StreamedFiles)> {
    if files.is_empty() {
        // Nothing to share the blocks with: the session's MD5 goes to the
        // walk's own thread instead.
        let mut source = source;
        let blocks = fsimage::checksums::check::check_session_blocks(
            &mut source,
            start,
            end,
            array,
            progress,
        )?;
        return Ok((blocks, files));
    }
    let mut walk = SessionWalk::inline(start, end, array);
    let chunk_bytes = (CHUNK_BLOCKS as usize) * BLOCK_SIZE;
    std::thread::scope(|scope| {
        let (to_hasher, chunks) = mpsc::sync_channel::<(u64, usize, Arc<Vec<u8>>)>(BUFFERS);
        let (give_back, returned) = mpsc::channel::<Arc<Vec<u8>>>();
        let hasher = scope.spawn(move || {
            let mut files = files;
            for (lba, len, buf) in chunks {
                files.feed(lba, &buf[..len]);
                // The reader may be gone after an error; the buffer is then dropped.
                let _ = give_back.send(buf);
            }
            files
        });
        let mut made = 0usize;
        let read = loop {
            let Some(count) = walk.wanted(CHUNK_BLOCKS) else {
                break Ok(());
            };
            // A buffer the hasher is done with, or a new one while fewer
            // than BUFFERS exist.
            let recycled = match returned.try_recv() {
                Ok(buf) => Some(buf),
                Err(_) if made < BUFFERS => None,
                Err(_) => returned.recv().ok(),
            };
            let mut buf = match recycled.map(Arc::try_unwrap) {
                Some(Ok(buf)) => buf,
                _ => {
                    made += 1;
                    vec![0u8; chunk_bytes]
                }
            };
            let lba = walk.next_lba();
            let len = count as usize * BLOCK_SIZE;
            if let Err(e) = source.read_blocks(lba, &mut buf[..len]) {
                break Err(e);
            }
            let buf = Arc::new(buf);
            if to_hasher.send((lba, len, Arc::clone(&buf))).is_err() {
                break Ok(()); // the hasher panicked: its join says so
            }
            walk.feed(&buf[..len]);
            drop(buf);
            progress(walk.next_lba() - start);
        };
        drop(to_hasher);
        let files = hasher
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        read.map(|()| (walk.finish(), files))
    })
}

/// A run of blocks of a session that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unreadable {
    pub first_lba: u64,
    pub blocks: u64,
    /// The first error, as the target reported it.
    pub error: String,
}

/// A source that does not fail the session walk on a bad block: a chunk
/// that cannot be read is read again block by block, and each block that
/// still fails is recorded and given as zeros (so the tags and files over it
/// do not match), as `check-media` reads.
pub(super) struct Tolerant<'a> {
    pub inner: &'a mut dyn SectorSource,
    pub bad: Vec<Unreadable>,
}

impl SectorSource for Tolerant<'_> {
    fn block_count(&self) -> Option<u64> {
        self.inner.block_count()
    }

    fn read_blocks(&mut self, lba: u64, buf: &mut [u8]) -> std::io::Result<()> {
        if self.inner.read_blocks(lba, buf).is_ok() {
            return Ok(());
        }
        for (i, block) in buf.chunks_exact_mut(BLOCK_SIZE).enumerate() {
            let here = lba + i as u64;
            if let Err(e) = self.inner.read_blocks(here, block) {
                block.fill(0);
                match self.bad.last_mut() {
                    Some(run) if run.first_lba + run.blocks == here => run.blocks += 1,
                    _ => self.bad.push(Unreadable {
                        first_lba: here,
                        blocks: 1,
                        error: e.to_string(),
                    }),
                }
            }
        }
        Ok(())
    }
}
