//! Where sectors come from when a session is read: an image file, an emulated
//! medium or a real drive. The engine supplies the implementation; `fsimage`
//! only reads through this trait.

/// Size of one logical block on every medium discburn handles (ECMA-119 6.1.2).
pub const BLOCK_SIZE: usize = 2048;

/// Random access to 2048-byte logical blocks.
pub trait SectorSource {
    /// Number of readable blocks, if known (an upper bound used to reject
    /// out-of-image extents); `None` when the medium cannot tell.
    fn block_count(&self) -> Option<u64>;

    /// Reads `buf.len() / BLOCK_SIZE` whole blocks starting at `lba` into `buf`.
    /// `buf.len()` is a multiple of [`BLOCK_SIZE`]. A read past the end is an error.
    fn read_blocks(&mut self, lba: u64, buf: &mut [u8]) -> std::io::Result<()>;
}

/// A [`SectorSource`] over any seekable byte stream (an image file).
pub struct FileSectorSource<F> {
    inner: F,
    blocks: u64,
}

impl<F: std::io::Read + std::io::Seek> FileSectorSource<F> {
    /// Wraps `inner`, measuring its length once.
    pub fn new(mut inner: F) -> std::io::Result<Self> {
        let len = inner.seek(std::io::SeekFrom::End(0))?;
        Ok(FileSectorSource {
            inner,
            blocks: len / BLOCK_SIZE as u64,
        })
    }
}

impl<F: std::io::Read + std::io::Seek> SectorSource for FileSectorSource<F> {
    fn block_count(&self) -> Option<u64> {
        Some(self.blocks)
    }

    fn read_blocks(&mut self, lba: u64, buf: &mut [u8]) -> std::io::Result<()> {
        if !buf.len().is_multiple_of(BLOCK_SIZE) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "read length is not a whole number of 2048-byte blocks",
            ));
        }
        let count = (buf.len() / BLOCK_SIZE) as u64;
        lba.checked_add(count)
            .filter(|&end| end <= self.blocks)
            .ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!(
                        "blocks {lba}..{} lie past the end of the image ({} blocks)",
                        lba.saturating_add(count),
                        self.blocks
                    ),
                )
            })?;
        self.inner
            .seek(std::io::SeekFrom::Start(lba * BLOCK_SIZE as u64))?;
        self.inner.read_exact(buf)
    }
}
