//! A bounded read-ahead buffer between the session stream and a drive: a
//! second thread produces the session's chunks (reading host files) while
//! the caller writes the previous ones, so a source that stalls for a moment
//! does not starve the drive (a drive whose buffer runs dry underruns).
//!
//! Chunks are large (1 MiB: one thread hand-over and one read per MiB rather
//! than per WRITE) and recycled: a written chunk goes back to the producer,
//! so the buffer is allocated and zeroed once, not once per chunk.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, TryRecvError};

use fsimage::ImageStream;

use crate::error::BurnError;

/// Bytes of one chunk of the read-ahead buffer. The caller cuts it into the
/// drive's WRITE commands; a multiple of every write unit (BD 64 KiB).
pub const CHUNK_BYTES: usize = 1 << 20;
/// Chunks held at most: 32 MiB of read-ahead, several seconds of a fast drive.
pub const DEPTH: usize = 32;

/// Streams `stream` through the read-ahead buffer: `write(chunk)` gets each
/// chunk in order (the last one may be short); `progress(bytes, fill)` is
/// called after each, with the bytes written so far and how full the
/// read-ahead buffer is (0.0–1.0), and stops the burn by returning `false`.
pub fn stream_with_read_ahead(
    stream: &mut ImageStream,
    write: &mut dyn FnMut(&[u8]) -> Result<(), BurnError>,
    progress: &mut dyn FnMut(u64, f64) -> bool,
) -> Result<(), BurnError> {
    let queued = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        // Made in here, so that the receivers are dropped (and the producer,
        // blocked on a full queue, let go) before the scope joins it.
        let (sender, receiver) = sync_channel::<Result<Vec<u8>, fsimage::Error>>(DEPTH);
        // Written chunks on their way back; never more than DEPTH + 2 exist.
        let (give_back, recycled) = sync_channel::<Vec<u8>>(DEPTH + 2);
        let queued = &queued;
        scope.spawn(move || loop {
            let mut chunk = match recycled.try_recv() {
                Ok(mut chunk) => {
                    // Back at full length: its bytes are overwritten below.
                    chunk.resize(CHUNK_BYTES, 0);
                    chunk
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => vec![0u8; CHUNK_BYTES],
            };
            let produced = stream.next_chunk(&mut chunk).map(|n| {
                chunk.truncate(n);
                chunk
            });
            if matches!(&produced, Ok(c) if c.is_empty()) {
                return; // the end of the session
            }
            let done = produced.is_err();
            queued.fetch_add(1, Ordering::Relaxed);
            // The receiver is gone when the burn stopped: nothing more to read.
            if sender.send(produced).is_err() || done {
                return;
            }
        });
        let mut written = 0u64;
        for produced in receiver.iter() {
            queued.fetch_sub(1, Ordering::Relaxed);
            let chunk = produced.map_err(BurnError::Source)?;
            write(&chunk)?;
            written += chunk.len() as u64;
            let _ = give_back.try_send(chunk);
            let fill = queued.load(Ordering::Relaxed) as f64 / DEPTH as f64;
            if !progress(written, fill) {
                return Err(BurnError::Cancelled);
            }
        }
        Ok(())
    })
}
