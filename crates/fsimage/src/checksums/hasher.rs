//! The running MD5 of a whole session, computed on a second thread so that
//! the stream is not bound to one core by hashing: the producing thread reads
//! host files (and hashes each file's bytes for its own MD5) while this one
//! hashes every block of the session in order.

use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use md5::{Digest, Md5};

/// Bytes gathered before they are handed to the hashing thread.
const BATCH: usize = 256 << 10;
/// Batches in flight: bounds how far the hashing thread can lag behind.
const IN_FLIGHT: usize = 8;

enum Message {
    Data(Vec<u8>),
    /// Reply with the MD5 of everything sent so far (the context goes on).
    Digest(SyncSender<[u8; 16]>),
}

enum Mode {
    Thread {
        to_worker: SyncSender<Message>,
        recycled: Receiver<Vec<u8>>,
        worker: Option<JoinHandle<()>>,
    },
    /// No thread could be started: hash on the caller's thread.
    Inline(Md5),
}

/// One MD5 context over a byte stream, hashed on its own thread.
pub(crate) struct SessionHasher {
    mode: Mode,
    batch: Vec<u8>,
    /// The hashing thread went away (it cannot, short of running out of memory).
    lost: bool,
}

impl SessionHasher {
    pub(crate) fn new() -> SessionHasher {
        let (to_worker, inbox) = mpsc::sync_channel::<Message>(IN_FLIGHT);
        let (give_back, recycled) = mpsc::sync_channel::<Vec<u8>>(IN_FLIGHT + 1);
        let spawned = std::thread::Builder::new()
            .name("session-md5".into())
            .spawn(move || {
                let mut md5 = Md5::new();
                for message in inbox {
                    match message {
                        Message::Data(mut bytes) => {
                            md5.update(&bytes);
                            bytes.clear();
                            let _ = give_back.try_send(bytes);
                        }
                        Message::Digest(reply) => {
                            let _ = reply.send(md5.clone().finalize().into());
                        }
                    }
                }
            });
        let mode = match spawned {
            Ok(worker) => Mode::Thread {
                to_worker,
                recycled,
                worker: Some(worker),
            },
            Err(_) => Mode::Inline(Md5::new()),
        };
        SessionHasher {
            mode,
            batch: Vec::with_capacity(BATCH),
            lost: false,
        }
    }

    /// One MD5 context hashed on the caller's thread.
    pub(crate) fn inline() -> SessionHasher {
        SessionHasher {
            mode: Mode::Inline(Md5::new()),
            batch: Vec::new(),
            lost: false,
        }
    }

    /// Adds bytes to the MD5.
    pub(crate) fn update(&mut self, mut bytes: &[u8]) {
        if let Mode::Inline(md5) = &mut self.mode {
            md5.update(bytes);
            return;
        }
        while !bytes.is_empty() {
            let take = (BATCH - self.batch.len()).min(bytes.len());
            self.batch.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.batch.len() >= BATCH {
                self.send_batch();
            }
        }
    }

    fn send_batch(&mut self) {
        let Mode::Thread {
            to_worker,
            recycled,
            ..
        } = &self.mode
        else {
            return;
        };
        if self.batch.is_empty() {
            return;
        }
        let next = recycled
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH));
        let full = std::mem::replace(&mut self.batch, next);
        if to_worker.send(Message::Data(full)).is_err() {
            self.lost = true;
        }
    }

    /// The MD5 of every byte given so far; `None` if the hashing thread is gone.
    pub(crate) fn digest(&mut self) -> Option<[u8; 16]> {
        self.send_batch();
        match &self.mode {
            Mode::Inline(md5) => Some(md5.clone().finalize().into()),
            Mode::Thread { to_worker, .. } => {
                let (reply, answer) = mpsc::sync_channel(1);
                to_worker.send(Message::Digest(reply)).ok()?;
                let md5 = answer.recv().ok()?;
                (!self.lost).then_some(md5)
            }
        }
    }
}

impl Drop for SessionHasher {
    fn drop(&mut self) {
        if let Mode::Thread { worker, .. } = &mut self.mode {
            let worker = worker.take();
            // Closing the channel ends the thread's loop.
            self.mode = Mode::Inline(Md5::new());
            if let Some(worker) = worker {
                let _ = worker.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threaded_digest_equals_plain_md5() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut hasher = SessionHasher::new();
        hasher.update(&data[..10]);
        assert_eq!(hasher.digest(), Some(Md5::digest(&data[..10]).into()));
        for piece in data[10..].chunks(70_001) {
            hasher.update(piece);
        }
        assert_eq!(hasher.digest(), Some(Md5::digest(&data).into()));
        let mut empty = SessionHasher::new();
        assert_eq!(empty.digest(), Some(Md5::digest(b"").into()));
    }
}
