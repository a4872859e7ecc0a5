//! Sectors of the disc in a drive, read with READ(10)/(12) in transfers
//! the kernel and the drive accept.

use std::io;

use mmc::{ops, MmcError, Profile, Transport};

use mmc::sense::Sense;

use super::{ensure_ready, mmc_error_kind, DriveError, BLOCK};

/// Reads 2048-byte blocks from a drive with READ(10) (READ(12) for transfers
/// beyond 65535 blocks), split into transfers the kernel and drive accept
/// (32 KiB on CD/DVD, 64 KiB on BD; mmc.md §1.7).
pub struct TransportSectorSource<T: Transport> {
    transport: T,
    blocks: Option<u64>,
    pub(super) transfer_blocks: usize,
}

impl<T: Transport> TransportSectorSource<T> {
    /// Wraps a transport: waits for a drive that is becoming ready, learns the
    /// readable size from READ CAPACITY (last LBA + 1) and the transfer size
    /// from the current profile. A drive without a disc is an error.
    pub fn new(mut transport: T) -> Result<Self, DriveError> {
        ensure_ready(&mut transport)?;
        let profile = ops::current_profile(&mut transport).ok();
        let blocks = match ops::read_capacity(&mut transport) {
            Ok(cap) => Some(cap.block_count()),
            Err(e) if e.sense().is_some_and(Sense::is_no_medium) => {
                return Err(DriveError::NoMedium {
                    device: transport.device_name(),
                })
            }
            Err(e) => {
                tracing::debug!(device = %transport.device_name(), error = %e, "READ CAPACITY failed; size unknown");
                None
            }
        };
        let transfer = profile.map_or(32 * 1024, Profile::transfer_bytes);
        Ok(Self::with_geometry(transport, blocks, transfer))
    }

    /// Wraps a transport with a known size and largest transfer in bytes.
    pub fn with_geometry(transport: T, blocks: Option<u64>, transfer_bytes: usize) -> Self {
        TransportSectorSource {
            transport,
            blocks,
            transfer_blocks: (transfer_bytes / BLOCK).max(1),
        }
    }

    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    pub fn into_inner(self) -> T {
        self.transport
    }
}

impl<T: Transport> fsimage::SectorSource for TransportSectorSource<T> {
    fn block_count(&self) -> Option<u64> {
        self.blocks
    }

    fn read_blocks(&mut self, lba: u64, buf: &mut [u8]) -> io::Result<()> {
        if !buf.len().is_multiple_of(BLOCK) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "read length is not a whole number of 2048-byte blocks",
            ));
        }
        let count = (buf.len() / BLOCK) as u64;
        let end = lba
            .checked_add(count)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "LBA overflow"))?;
        if let Some(blocks) = self.blocks {
            if end > blocks {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "{}: blocks {lba}..{end} lie past the end of the disc ({blocks} blocks)",
                        self.transport.device_name()
                    ),
                ));
            }
        }
        let mut done = 0usize;
        while done < buf.len() {
            let len = (self.transfer_blocks * BLOCK).min(buf.len() - done);
            let at = lba + (done / BLOCK) as u64;
            let at32 = u32::try_from(at).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("LBA {at} is beyond 32-bit addressing"),
                )
            })?;
            let chunk = &mut buf[done..done + len];
            match ops::read_blocks(&mut self.transport, at32, chunk) {
                Ok(()) => done += len,
                // The kernel or host adapter refused the transfer size (QEMU's
                // IDE drive above 64 blocks: EIO, no SCSI status; QEMU-DRIVE.md
                // row 10): halve it for this and later reads.
                Err(err) if len > BLOCK && transfer_refused(&err) => {
                    let smaller = (len / BLOCK / 2).max(1);
                    tracing::debug!(
                        device = %self.transport.device_name(),
                        error = %err,
                        "READ of {} blocks refused; trying {smaller}",
                        len / BLOCK
                    );
                    self.transfer_blocks = smaller;
                }
                Err(err) => {
                    let n = (len / BLOCK) as u64;
                    return Err(io::Error::new(
                        mmc_error_kind(&err),
                        format!("reading blocks {at}..{}: {err}", at + n),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Whether a READ failed before the drive answered, as SG_IO fails a buffer
/// beyond the queue's limit: an OS error or a host adapter error, no sense.
fn transfer_refused(err: &MmcError) -> bool {
    matches!(
        err,
        MmcError::Transport(mmc::TransportError::Os { .. } | mmc::TransportError::Host { .. })
    )
}
