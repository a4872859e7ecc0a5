//! Writing the session into an image file: all-zero chunks become holes,
//! large host files are copied by the kernel, and with checksums each
//! written buffer is handed to the hashing thread as it is.

use std::fs::File;

use crate::BLOCK_SIZE;

use super::{ImageStream, WriteError};

impl ImageStream {
    /// Like [`ImageStream::write_to`], for an image file positioned where the
    /// session goes: all-zero chunks are skipped with a seek instead of
    /// written, so holes of sparse sources (and the system area) stay holes,
    /// and the file's length is set to the session's end. The file must read
    /// as zeros from its current position on (a new file, or past its end).
    /// Returns the bytes produced by this call. `progress(position)` is called
    /// after each chunk (at least every [`KERNEL_COPY_CHUNK`] bytes, also within
    /// large files); returning `false` stops the write with [`WriteError::Cancelled`].
    ///
    /// [`KERNEL_COPY_CHUNK`]: super::KERNEL_COPY_CHUNK
    pub fn write_to_file(
        &mut self,
        out: &mut File,
        buffer_size: usize,
        mut progress: impl FnMut(u64) -> bool,
    ) -> Result<u64, WriteError> {
        use std::io::{Seek, SeekFrom, Write};
        let begin = out.stream_position().map_err(WriteError::Output)?;
        let produced_before = self.position;
        let mut buf = vec![0u8; buffer_size.max(BLOCK_SIZE)];
        loop {
            self.settle();
            if let Some((content, blocks)) = self.large_file_here() {
                self.copy_large_file(content, blocks, out, &mut buf, &mut progress)?;
                continue;
            }
            let n = self
                .fill(&mut buf, true, true)
                .map_err(WriteError::Source)?;
            if n == 0 {
                break;
            }
            let chunk = &buf[..n];
            if is_all_zero(chunk) {
                out.seek(SeekFrom::Current(n as i64))
                    .map_err(WriteError::Output)?;
            } else {
                out.write_all(chunk).map_err(WriteError::Output)?;
            }
            if let Some(md5) = self.session_md5.as_mut() {
                // Written: the buffer goes to the hashing thread as it is.
                buf = md5.submit(buf, &self.pieces);
                self.pieces.clear();
            }
            if !progress(self.position) {
                return Err(WriteError::Cancelled);
            }
        }
        let end = begin + (self.position - produced_before);
        if out.metadata().map_err(WriteError::Output)?.len() < end {
            out.set_len(end).map_err(WriteError::Output)?;
        }
        Ok(self.position - produced_before)
    }
}

/// True when every byte is zero; folds 16 bytes at a time (vectorizes) and
/// stops at the first non-zero 4 KiB block.
fn is_all_zero(buf: &[u8]) -> bool {
    buf.chunks(4096).all(|block| {
        let words = block.chunks_exact(16);
        let tail_zero = words.remainder().iter().all(|&b| b == 0);
        let folded = words.fold(0u128, |acc, w| {
            acc | u128::from_ne_bytes(w.try_into().unwrap_or([0xFF; 16]))
        });
        tail_zero && folded == 0
    })
}

#[cfg(test)]
mod tests {
    use super::is_all_zero;

    #[test]
    fn sparse_file_output_equals_streamed_bytes() {
        use crate::{ImageOptions, ImageStream, Tree};
        use std::io::{Read, Seek, SeekFrom, Write};
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir(&src).unwrap();
        let mut sparse = std::fs::File::create(src.join("sparse")).unwrap();
        sparse.seek(SeekFrom::Start(300_000)).unwrap();
        sparse.write_all(b"data after a hole").unwrap();
        drop(sparse);
        std::fs::write(src.join("small"), b"small").unwrap();
        // Large enough for the kernel-copy path: sparse with data in the
        // middle and at the end, and a dense one.
        let mut big_sparse = std::fs::File::create(src.join("big_sparse")).unwrap();
        big_sparse.seek(SeekFrom::Start(1_500_000)).unwrap();
        big_sparse.write_all(&[7u8; 70_000]).unwrap();
        big_sparse.seek(SeekFrom::Start(3_000_000)).unwrap();
        big_sparse.write_all(b"end").unwrap();
        drop(big_sparse);
        let dense: Vec<u8> = (0..1_300_000u32).map(|i| (i % 253) as u8 + 1).collect();
        std::fs::write(src.join("big_dense"), &dense).unwrap();
        // With checksums (file data handed to the hashing thread in
        // write_to_file, copied in next_chunk) and without; with the
        // descriptors deferred (zeros in the stream, hashed as descriptors).
        for (checksums, defer) in [(true, false), (true, true), (false, false)] {
            let image = || {
                let mut tree = Tree::new();
                tree.add_directory_contents(&src).unwrap();
                let mut stream = ImageStream::new(
                    tree,
                    ImageOptions {
                        source_date_epoch: Some(0),
                        checksums,
                        ..ImageOptions::default()
                    },
                )
                .unwrap();
                if defer {
                    stream.defer_descriptors();
                }
                stream
            };
            let mut expected = Vec::new();
            image().read_to_end(&mut expected).unwrap();
            // Written after a 5-byte prefix, as a later session would be.
            let path = dir.path().join("out.iso");
            let mut out = std::fs::File::create(&path).unwrap();
            out.write_all(b"12345").unwrap();
            let mut stream = image();
            let descriptors = stream.volume_descriptors();
            let n = stream.write_to_file(&mut out, 4096, |_| true).unwrap();
            if !defer {
                assert_eq!(descriptors[..], expected[16 * 2048..19 * 2048]);
            }
            assert_eq!(n, expected.len() as u64);
            let written = std::fs::read(&path).unwrap();
            assert_eq!(&written[..5], b"12345");
            assert!(
                written[5..] == expected[..],
                "file output differs from the stream (checksums {checksums}, deferred {defer})"
            );
        }
    }

    #[test]
    fn zero_detection() {
        let mut buf = vec![0u8; 10_000];
        assert!(is_all_zero(&buf));
        for at in [0, 15, 16, 4095, 4096, 9_999] {
            buf[at] = 1;
            assert!(!is_all_zero(&buf), "non-zero byte at {at} missed");
            buf[at] = 0;
        }
        assert!(is_all_zero(&[]));
    }
}
