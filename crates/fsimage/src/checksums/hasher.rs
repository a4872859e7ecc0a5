//! The running MD5 of a whole session and the MD5s of its host files,
//! computed off the producing thread so that the stream is not bound to one
//! core by hashing: the producing thread reads host files and copies the
//! bytes into batches (or hands its buffer over whole,
//! [`SessionHasher::submit`]); one thread hashes every block of the session
//! in order, a second the bytes of each file for that file's MD5, both from
//! the same shared batch. The two MD5 chains are independent, so on two cores
//! they cost the time of one (issue 11 §6: spread hashing over both cores).

use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use super::md5::Md5;

/// Bytes gathered before they are handed to the hashing threads.
const BATCH: usize = 256 << 10;
/// Batches in flight per thread: bounds how far a hashing thread can lag
/// behind (8 MiB of copied batches; handed-over buffers may be smaller).
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

/// Bytes of the session, in order, and which of them are file data.
struct Batch {
    bytes: Vec<u8>,
    spans: Vec<FileSpan>,
}

/// What a hashing thread knows when asked: the session's MD5 so far (from the
/// session thread) and the files finished since the last answer (from the
/// file thread).
#[derive(Default)]
struct Answer {
    session: Option<[u8; 16]>,
    files: Vec<(u32, [u8; 16])>,
    /// The MD5 library failed on a file (see [`Md5::finalize`]).
    failed: bool,
}

enum Message {
    Data(Arc<Batch>),
    /// Reply with what is known after everything sent so far (hashing goes on).
    Ask(SyncSender<Answer>),
    /// Tests: the hashing thread dies.
    #[cfg(test)]
    Crash,
}

/// One side of the hashing, on whichever thread runs it.
trait Hashing: Send + 'static {
    /// Hashes `bytes`, of which `spans` are file data.
    fn hash(&mut self, bytes: &[u8], spans: &[FileSpan]);
    fn answer(&mut self) -> Answer;
}

/// The session's MD5: every byte, in order.
struct SessionMd5(Md5);

impl Hashing for SessionMd5 {
    fn hash(&mut self, bytes: &[u8], _spans: &[FileSpan]) {
        self.0.update(bytes);
    }

    fn answer(&mut self) -> Answer {
        Answer {
            session: self.0.clone().finalize().ok(),
            ..Answer::default()
        }
    }
}

/// The files' MD5s: the file spans of each batch.
#[derive(Default)]
struct FileMd5s {
    /// The file being hashed and its MD5 so far.
    file: Option<(u32, Md5)>,
    finished: Vec<(u32, [u8; 16])>,
    failed: bool,
}

impl Hashing for FileMd5s {
    fn hash(&mut self, bytes: &[u8], spans: &[FileSpan]) {
        for span in spans {
            let md5 = match &mut self.file {
                Some((file, md5)) if *file == span.file => md5,
                file => &mut file.insert((span.file, Md5::new())).1,
            };
            md5.update(&bytes[span.start..span.end]);
            if span.last {
                if let Some((file, md5)) = self.file.take() {
                    match md5.finalize() {
                        Ok(digest) => self.finished.push((file, digest)),
                        Err(_) => self.failed = true,
                    }
                }
            }
        }
    }

    fn answer(&mut self) -> Answer {
        Answer {
            session: None,
            files: std::mem::take(&mut self.finished),
            failed: self.failed,
        }
    }
}

/// Both sides on the caller's thread.
struct Inline(SessionMd5, FileMd5s);

impl Inline {
    fn new() -> Inline {
        Inline(SessionMd5(Md5::new()), FileMd5s::default())
    }

    fn hash(&mut self, bytes: &[u8], spans: &[FileSpan]) {
        self.0.hash(bytes, spans);
        self.1.hash(bytes, spans);
    }

    fn answer(&mut self) -> Answer {
        let files = self.1.answer();
        Answer {
            session: self.0.answer().session,
            files: files.files,
            failed: files.failed,
        }
    }
}

/// A hashing thread and the way to it.
struct Worker {
    to: SyncSender<Message>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts `work` on a thread named `name`; it gives each batch back on
    /// `give_back` once hashed.
    fn spawn(
        name: &str,
        mut work: impl Hashing,
        give_back: SyncSender<Arc<Batch>>,
    ) -> std::io::Result<Worker> {
        let (to, inbox) = mpsc::sync_channel::<Message>(IN_FLIGHT);
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                for message in inbox {
                    match message {
                        Message::Data(batch) => {
                            work.hash(&batch.bytes, &batch.spans);
                            let _ = give_back.try_send(batch);
                        }
                        Message::Ask(reply) => {
                            let _ = reply.send(work.answer());
                        }
                        #[cfg(test)]
                        Message::Crash => panic!("hashing thread crashed on purpose"),
                    }
                }
            })?;
        Ok(Worker {
            to,
            thread: Some(thread),
        })
    }

    /// What the thread knows after everything sent so far; `None` if it is gone.
    fn ask(&self) -> Option<Answer> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.to.send(Message::Ask(reply)).ok()?;
        answer.recv().ok()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop.
        let (closed, _) = mpsc::sync_channel(0);
        drop(std::mem::replace(&mut self.to, closed));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Threads {
    session: Worker,
    /// Started with the first file bytes: a session without host files (or a
    /// reader that hashes only the session) needs no second thread.
    files: Option<Worker>,
    give_back: SyncSender<Arc<Batch>>,
    recycled: Receiver<Arc<Batch>>,
}

impl Threads {
    /// A buffer for the next batch: one both threads are done with, or new.
    fn reuse(&self) -> Vec<u8> {
        while let Ok(batch) = self.recycled.try_recv() {
            // Each thread gives a batch back; the second one to let go of it
            // finds it unshared.
            if let Ok(batch) = Arc::try_unwrap(batch) {
                return batch.bytes;
            }
        }
        Vec::with_capacity(BATCH)
    }

    /// Sends a batch to the threads that need it; false if one is gone.
    fn send(&mut self, batch: Batch) -> bool {
        let has_files = !batch.spans.is_empty();
        if has_files && self.files.is_none() {
            match Worker::spawn("file-md5", FileMd5s::default(), self.give_back.clone()) {
                Ok(worker) => self.files = Some(worker),
                Err(_) => return false,
            }
        }
        let batch = Arc::new(batch);
        let mut sent = true;
        if has_files {
            if let Some(files) = &self.files {
                sent &= files.to.send(Message::Data(batch.clone())).is_ok();
            }
        }
        sent & self.session.to.send(Message::Data(batch)).is_ok()
    }
}

enum Mode {
    Threads(Threads),
    /// No thread could be started: hash on the caller's thread.
    Inline(Inline),
}

/// One MD5 context over a byte stream (and one per file within it), hashed on
/// threads of their own.
pub(crate) struct SessionHasher {
    mode: Mode,
    batch: Vec<u8>,
    spans: Vec<FileSpan>,
    /// File MD5s received with the last digest.
    files: Vec<(u32, [u8; 16])>,
    /// A hashing thread went away (it cannot, short of running out of memory).
    lost: bool,
}

impl SessionHasher {
    pub(crate) fn new() -> SessionHasher {
        // Each batch comes back once from each of the two threads.
        let (give_back, recycled) = mpsc::sync_channel(2 * (IN_FLIGHT + 1));
        let mode = match Worker::spawn("session-md5", SessionMd5(Md5::new()), give_back.clone()) {
            Ok(session) => Mode::Threads(Threads {
                session,
                files: None,
                give_back,
                recycled,
            }),
            Err(_) => Mode::Inline(Inline::new()),
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
            mode: Mode::Inline(Inline::new()),
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
        let Mode::Threads(threads) = &mut self.mode else {
            return;
        };
        if self.batch.is_empty() {
            return;
        }
        let mut next = threads.reuse();
        next.clear();
        let batch = Batch {
            bytes: std::mem::replace(&mut self.batch, next),
            spans: std::mem::take(&mut self.spans),
        };
        if !threads.send(batch) {
            self.lost = true;
        }
    }

    /// Hashes the first bytes of `buf`, described by `pieces` in order,
    /// without copying them: the buffer goes to the hashing threads, and one
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
        let Mode::Threads(threads) = &mut self.mode else {
            return buf;
        };
        let mut next = threads.reuse();
        buf.truncate(at);
        if !threads.send(Batch { bytes: buf, spans }) {
            self.lost = true;
        }
        next.resize(length, 0);
        next
    }

    /// The MD5 of every byte given so far; `None` if a hashing thread is
    /// gone or the MD5 library failed. Collects the MD5s of the files finished so far
    /// ([`SessionHasher::take_files`]).
    pub(crate) fn digest(&mut self) -> Option<[u8; 16]> {
        self.send_batch();
        let answer = match &mut self.mode {
            Mode::Inline(work) => work.answer(),
            Mode::Threads(threads) => {
                let session = threads.session.ask()?;
                let files = match &threads.files {
                    Some(files) => files.ask()?,
                    None => Answer::default(),
                };
                Answer {
                    session: session.session,
                    ..files
                }
            }
        };
        if self.lost || answer.failed {
            return None;
        }
        self.files.extend(answer.files);
        answer.session
    }

    /// The MD5s of the files whose last bytes were hashed by the latest
    /// [`SessionHasher::digest`] (and not taken yet), by file number.
    pub(crate) fn take_files(&mut self) -> Vec<(u32, [u8; 16])> {
        std::mem::take(&mut self.files)
    }

    /// Tests: makes a hashing thread die, as a bug in it would.
    #[cfg(test)]
    fn crash(&mut self, files: bool) {
        if let Mode::Threads(threads) = &self.mode {
            let worker = if files {
                threads.files.as_ref()
            } else {
                Some(&threads.session)
            };
            if let Some(worker) = worker {
                let _ = worker.to.send(Message::Crash);
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
        for files in [false, true] {
            let mut hasher = SessionHasher::new();
            hasher.update(b"before");
            hasher.update_file(1, &data(2 * BATCH), true);
            hasher.crash(files);
            // The batches after it find the thread gone; none may pass for a digest.
            hasher.update_file(2, &data(2 * BATCH), true);
            assert_eq!(hasher.digest(), None, "file thread crashed: {files}");
            assert!(hasher.take_files().is_empty());
        }
    }
}
