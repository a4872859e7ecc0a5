//! The running MD5 of a whole session and the MD5s of its host files,
//! computed on a second thread so that the stream is not bound to one core by
//! hashing: the producing thread reads host files and copies the bytes into
//! batches; this one hashes every block of the session in order and, for the
//! bytes of a file, that file's MD5 in the same pass ([`md5_pair`]). A
//! caller that owns its buffer hands it over whole instead of having it
//! copied ([`SessionHasher::submit`]).
//!
//! [`md5_pair`]: super::md5_pair

use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use super::md5_pair::{update_pair, Md5State};

/// Bytes gathered before they are handed to the hashing thread.
const BATCH: usize = 256 << 10;
/// Batches in flight: bounds how far the hashing thread can lag behind
/// (8 MiB of copied batches; handed-over buffers may be smaller).
const IN_FLIGHT: usize = 32;

/// What a run of bytes of a handed-over buffer is, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Bytes of the session only.
    Session(usize),
    /// Bytes of file `file` (see [`SessionHasher::update_file`]).
    File { file: u32, len: usize, last: bool },
}

/// Bytes `start..end` of a batch are data of file `file`; `last` when they
/// end it.
#[derive(Debug, Clone, Copy)]
struct FileSpan {
    start: usize,
    end: usize,
    file: u32,
    last: bool,
}

/// The MD5 of the session so far and the files finished since the last answer.
struct Answer {
    session: [u8; 16],
    files: Vec<(u32, [u8; 16])>,
}

enum Message {
    Data {
        bytes: Vec<u8>,
        spans: Vec<FileSpan>,
    },
    /// Reply with the MD5 of everything sent so far (the context goes on).
    Digest(SyncSender<Answer>),
    /// Tests: the hashing thread dies.
    #[cfg(test)]
    Crash,
}

/// The hashing itself, on whichever thread.
struct Work {
    session: Md5State,
    /// The file being hashed and its MD5 so far.
    file: Option<(u32, Md5State)>,
    finished: Vec<(u32, [u8; 16])>,
}

impl Work {
    fn new() -> Work {
        Work {
            session: Md5State::new(),
            file: None,
            finished: Vec::new(),
        }
    }

    fn hash(&mut self, bytes: &[u8], spans: &[FileSpan]) {
        let mut at = 0;
        for span in spans {
            self.session.update(&bytes[at..span.start]);
            let md5 = match &mut self.file {
                Some((file, md5)) if *file == span.file => md5,
                file => &mut file.insert((span.file, Md5State::new())).1,
            };
            update_pair(&mut self.session, md5, &bytes[span.start..span.end]);
            if span.last {
                if let Some((file, md5)) = self.file.take() {
                    self.finished.push((file, md5.finalize()));
                }
            }
            at = span.end;
        }
        self.session.update(&bytes[at..]);
    }

    fn answer(&mut self) -> Answer {
        Answer {
            session: self.session.clone().finalize(),
            files: std::mem::take(&mut self.finished),
        }
    }
}

enum Mode {
    Thread {
        to_worker: SyncSender<Message>,
        recycled: Receiver<Vec<u8>>,
        worker: Option<JoinHandle<()>>,
    },
    /// No thread could be started: hash on the caller's thread.
    Inline(Work),
}

/// One MD5 context over a byte stream (and one per file within it), hashed on
/// its own thread.
pub(crate) struct SessionHasher {
    mode: Mode,
    batch: Vec<u8>,
    spans: Vec<FileSpan>,
    /// File MD5s received with the last digest.
    files: Vec<(u32, [u8; 16])>,
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
                let mut work = Work::new();
                for message in inbox {
                    match message {
                        Message::Data { bytes, spans } => {
                            work.hash(&bytes, &spans);
                            let _ = give_back.try_send(bytes);
                        }
                        Message::Digest(reply) => {
                            let _ = reply.send(work.answer());
                        }
                        #[cfg(test)]
                        Message::Crash => panic!("hashing thread crashed on purpose"),
                    }
                }
            });
        let mode = match spawned {
            Ok(worker) => Mode::Thread {
                to_worker,
                recycled,
                worker: Some(worker),
            },
            Err(_) => Mode::Inline(Work::new()),
        };
        SessionHasher {
            mode,
            batch: Vec::with_capacity(BATCH),
            spans: Vec::new(),
            files: Vec::new(),
            lost: false,
        }
    }

    /// One MD5 context hashed on the caller's thread.
    pub(crate) fn inline() -> SessionHasher {
        SessionHasher {
            mode: Mode::Inline(Work::new()),
            batch: Vec::new(),
            spans: Vec::new(),
            files: Vec::new(),
            lost: false,
        }
    }

    /// Adds bytes to the session's MD5.
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.add(bytes, None);
    }

    /// Adds bytes of file `file` (any number, unique within the session) to
    /// the session's MD5 and to the file's; `last` when they are its end.
    /// A file's bytes come in one run, without other bytes between them.
    pub(crate) fn update_file(&mut self, file: u32, bytes: &[u8], last: bool) {
        self.add(bytes, Some((file, last)));
    }

    fn add(&mut self, mut bytes: &[u8], file: Option<(u32, bool)>) {
        if let Mode::Inline(work) = &mut self.mode {
            let spans = file.map(|(file, last)| FileSpan {
                start: 0,
                end: bytes.len(),
                file,
                last,
            });
            work.hash(bytes, spans.as_slice());
            return;
        }
        loop {
            let take = (BATCH - self.batch.len()).min(bytes.len());
            let start = self.batch.len();
            self.batch.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if let Some((file, last)) = file {
                let last = last && bytes.is_empty();
                match self.spans.last_mut() {
                    // The same file's previous bytes, just before: one span.
                    Some(span) if span.file == file && span.end == start && !span.last => {
                        span.end += take;
                        span.last = last;
                    }
                    _ => self.spans.push(FileSpan {
                        start,
                        end: start + take,
                        file,
                        last,
                    }),
                }
            }
            if self.batch.len() >= BATCH {
                self.send_batch();
            }
            if bytes.is_empty() {
                return;
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
        let mut next = recycled
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH));
        next.clear();
        let bytes = std::mem::replace(&mut self.batch, next);
        let spans = std::mem::take(&mut self.spans);
        if to_worker.send(Message::Data { bytes, spans }).is_err() {
            self.lost = true;
        }
    }

    /// Hashes the first bytes of `buf`, described by `pieces` in order,
    /// without copying them: the buffer goes to the hashing thread, and one
    /// of the same length (its bytes undefined) comes back for the next chunk.
    pub(crate) fn submit(&mut self, mut buf: Vec<u8>, pieces: &[Piece]) -> Vec<u8> {
        let mut spans = Vec::new();
        let mut at = 0;
        for piece in pieces {
            match *piece {
                Piece::Session(len) => at += len,
                Piece::File { file, len, last } => {
                    spans.push(FileSpan {
                        start: at,
                        end: at + len,
                        file,
                        last,
                    });
                    at += len;
                }
            }
        }
        let length = buf.len();
        if at == 0 {
            return buf;
        }
        if let Mode::Inline(work) = &mut self.mode {
            work.hash(&buf[..at], &spans);
            return buf;
        }
        // Whatever was copied before goes first.
        self.send_batch();
        let Mode::Thread {
            to_worker,
            recycled,
            ..
        } = &self.mode
        else {
            return buf;
        };
        let mut next = recycled.try_recv().unwrap_or_default();
        buf.truncate(at);
        if to_worker.send(Message::Data { bytes: buf, spans }).is_err() {
            self.lost = true;
        }
        next.resize(length, 0);
        next
    }

    /// The MD5 of every byte given so far; `None` if the hashing thread is
    /// gone. Collects the MD5s of the files finished so far
    /// ([`SessionHasher::take_files`]).
    pub(crate) fn digest(&mut self) -> Option<[u8; 16]> {
        self.send_batch();
        let answer = match &mut self.mode {
            Mode::Inline(work) => work.answer(),
            Mode::Thread { to_worker, .. } => {
                let (reply, answer) = mpsc::sync_channel(1);
                to_worker.send(Message::Digest(reply)).ok()?;
                answer.recv().ok()?
            }
        };
        self.files.extend(answer.files);
        (!self.lost).then_some(answer.session)
    }

    /// The MD5s of the files whose last bytes were hashed by the latest
    /// [`SessionHasher::digest`] (and not taken yet), by file number.
    pub(crate) fn take_files(&mut self) -> Vec<(u32, [u8; 16])> {
        std::mem::take(&mut self.files)
    }

    /// Tests: makes the hashing thread die, as a bug in it would.
    #[cfg(test)]
    fn crash(&mut self) {
        if let Mode::Thread { to_worker, .. } = &self.mode {
            let _ = to_worker.send(Message::Crash);
        }
    }
}

impl Drop for SessionHasher {
    fn drop(&mut self) {
        if let Mode::Thread { worker, .. } = &mut self.mode {
            let worker = worker.take();
            // Closing the channel ends the thread's loop.
            self.mode = Mode::Inline(Work::new());
            if let Some(worker) = worker {
                let _ = worker.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use md5::{Digest, Md5};

    fn data(len: usize) -> Vec<u8> {
        (0..len as u32).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn threaded_digest_equals_plain_md5() {
        let data = data(3_000_000);
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

    #[test]
    fn file_md5s_come_with_the_session_md5() {
        // Metadata, a file across several batches in uneven pieces, padding,
        // two small files in one batch, one left unfinished.
        let data = data(3 * BATCH + 5000);
        let (meta, rest) = data.split_at(4096);
        let (big, rest) = rest.split_at(2 * BATCH + 777);
        let (small, rest) = rest.split_at(100);
        let (tiny, open) = rest.split_at(3);
        let mut hasher = SessionHasher::new();
        hasher.update(meta);
        let pieces: Vec<&[u8]> = big.chunks(100_003).collect();
        for (i, piece) in pieces.iter().enumerate() {
            hasher.update_file(7, piece, i + 1 == pieces.len());
        }
        hasher.update(&[0; 1271]);
        hasher.update_file(2, small, true);
        hasher.update_file(3, tiny, true);
        hasher.update_file(4, open, false);
        let mut session = Md5::new();
        for part in [meta, big, &[0; 1271], small, tiny, open] {
            session.update(part);
        }
        assert_eq!(hasher.digest(), Some(session.finalize().into()));
        let md5 = |bytes: &[u8]| -> [u8; 16] { Md5::digest(bytes).into() };
        assert_eq!(
            hasher.take_files(),
            vec![(7, md5(big)), (2, md5(small)), (3, md5(tiny))]
        );
        assert!(hasher.take_files().is_empty());
    }

    #[test]
    fn handed_over_buffers_hash_like_copied_bytes() {
        let data = data(300_000);
        let md5 = |bytes: &[u8]| -> [u8; 16] { Md5::digest(bytes).into() };
        for threaded in [true, false] {
            let mut hasher = if threaded {
                SessionHasher::new()
            } else {
                SessionHasher::inline()
            };
            // Copied bytes, then a buffer whose tail is not part of the image,
            // a file cut between two buffers, copied bytes again.
            hasher.update(&data[..1000]);
            let mut buf = data[1000..101_000].to_vec();
            buf.extend_from_slice(b"not hashed");
            let pieces = [
                Piece::Session(2048),
                Piece::File {
                    file: 1,
                    len: 50_000,
                    last: true,
                },
                Piece::File {
                    file: 2,
                    len: 100_000 - 52_048,
                    last: false,
                },
            ];
            let back = hasher.submit(buf, &pieces);
            assert_eq!(back.len(), 100_010);
            let buf = data[101_000..201_000].to_vec();
            let back = hasher.submit(
                buf,
                &[Piece::File {
                    file: 2,
                    len: 100_000,
                    last: true,
                }],
            );
            assert_eq!(back.len(), 100_000);
            hasher.update(&data[201_000..]);
            assert_eq!(hasher.digest(), Some(md5(&data)), "threaded: {threaded}");
            assert_eq!(
                hasher.take_files(),
                vec![
                    (1, md5(&data[3048..53_048])),
                    (2, md5(&data[53_048..201_000]))
                ],
                "threaded: {threaded}"
            );
        }
    }

    #[test]
    fn a_dead_hashing_thread_gives_no_digest() {
        let mut hasher = SessionHasher::new();
        hasher.update(b"before");
        hasher.crash();
        // The batches after it find the thread gone; none may pass for a digest.
        hasher.update_file(1, &data(2 * BATCH), true);
        assert_eq!(hasher.digest(), None);
        assert!(hasher.take_files().is_empty());
    }
}
