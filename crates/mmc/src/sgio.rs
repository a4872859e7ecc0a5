//! The Linux SG_IO transport (mmc.md §1): opens `/dev/srN` (or `/dev/sgN`)
//! and sends each command with `ioctl(fd, SG_IO, &sg_io_hdr)`. The only module
//! of the crate with `unsafe`: the ioctl call itself.
#![allow(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::transport::{CommandOutcome, DataDirection, ScsiStatus, Transport, TransportError};

/// `SG_IO` ioctl request number (`<scsi/sg.h>`).
const SG_IO: u32 = 0x2285;
/// `dxfer_direction` values (mmc.md §1.2).
const SG_DXFER_NONE: i32 = -1;
const SG_DXFER_TO_DEV: i32 = -2;
const SG_DXFER_FROM_DEV: i32 = -3;
/// `info` bit 0: the command did not complete with GOOD.
const SG_INFO_CHECK: u32 = 1;
/// `host_status` DID_TIME_OUT.
const DID_TIME_OUT: u16 = 0x03;
/// `host_status` DID_NO_CONNECT / DID_BAD_TARGET: the device is gone.
const DID_NO_CONNECT: u16 = 0x01;
const DID_BAD_TARGET: u16 = 0x04;
/// `driver_status & 7` DRIVER_TIMEOUT.
const DRIVER_TIMEOUT: u16 = 0x06;
/// Size of the sense buffer handed to the kernel (32..96 is usual).
const SENSE_BUFFER_LEN: usize = 64;

/// `struct sg_io_hdr` from `<scsi/sg.h>` (mmc.md §1.2).
#[repr(C)]
#[derive(Debug)]
struct SgIoHdr {
    interface_id: libc::c_int,
    dxfer_direction: libc::c_int,
    cmd_len: libc::c_uchar,
    mx_sb_len: libc::c_uchar,
    iovec_count: libc::c_ushort,
    dxfer_len: libc::c_uint,
    dxferp: *mut libc::c_void,
    cmdp: *mut libc::c_uchar,
    sbp: *mut libc::c_uchar,
    timeout: libc::c_uint,
    flags: libc::c_uint,
    pack_id: libc::c_int,
    usr_ptr: *mut libc::c_void,
    status: libc::c_uchar,
    masked_status: libc::c_uchar,
    msg_status: libc::c_uchar,
    sb_len_wr: libc::c_uchar,
    host_status: libc::c_ushort,
    driver_status: libc::c_ushort,
    resid: libc::c_int,
    duration: libc::c_uint,
    info: libc::c_uint,
}

// The layout must match the kernel's exactly (offsets of mmc.md §1.2, checked
// there with offsetof on <scsi/sg.h>).
#[cfg(target_pointer_width = "64")]
const _: () = {
    use std::mem::{offset_of, size_of};
    assert!(size_of::<SgIoHdr>() == 88);
    assert!(offset_of!(SgIoHdr, dxfer_direction) == 4);
    assert!(offset_of!(SgIoHdr, cmd_len) == 8);
    assert!(offset_of!(SgIoHdr, mx_sb_len) == 9);
    assert!(offset_of!(SgIoHdr, iovec_count) == 10);
    assert!(offset_of!(SgIoHdr, dxfer_len) == 12);
    assert!(offset_of!(SgIoHdr, dxferp) == 16);
    assert!(offset_of!(SgIoHdr, cmdp) == 24);
    assert!(offset_of!(SgIoHdr, sbp) == 32);
    assert!(offset_of!(SgIoHdr, timeout) == 40);
    assert!(offset_of!(SgIoHdr, flags) == 44);
    assert!(offset_of!(SgIoHdr, pack_id) == 48);
    assert!(offset_of!(SgIoHdr, usr_ptr) == 56);
    assert!(offset_of!(SgIoHdr, status) == 64);
    assert!(offset_of!(SgIoHdr, masked_status) == 65);
    assert!(offset_of!(SgIoHdr, msg_status) == 66);
    assert!(offset_of!(SgIoHdr, sb_len_wr) == 67);
    assert!(offset_of!(SgIoHdr, host_status) == 68);
    assert!(offset_of!(SgIoHdr, driver_status) == 70);
    assert!(offset_of!(SgIoHdr, resid) == 72);
    assert!(offset_of!(SgIoHdr, duration) == 76);
    assert!(offset_of!(SgIoHdr, info) == 80);
};

/// How to open a drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// `O_RDWR|O_NONBLOCK`, falling back to `O_RDONLY|O_NONBLOCK` (mmc.md §1.1).
    /// Enough for reading and inspecting; write-class commands need the
    /// read-write open to have succeeded (see [`SgDevice::is_writable`]).
    ReadPreferWrite,
    /// `O_RDONLY|O_NONBLOCK` only.
    ReadOnly,
    /// `O_RDWR|O_NONBLOCK|O_EXCL`, for burning: fails with EBUSY when the disc
    /// is mounted or another program holds the drive.
    Exclusive,
}

/// An optical drive opened for SG_IO.
#[derive(Debug)]
pub struct SgDevice {
    file: File,
    path: PathBuf,
    writable: bool,
}

impl SgDevice {
    /// Opens `path` as `mode` says.
    pub fn open(path: &Path, mode: OpenMode) -> Result<SgDevice, TransportError> {
        let os_error = |source| TransportError::Os {
            device: path.display().to_string(),
            source,
        };
        let open = |write: bool, exclusive: bool| {
            let mut flags = libc::O_NONBLOCK;
            if exclusive {
                flags |= libc::O_EXCL;
            }
            OpenOptions::new()
                .read(true)
                .write(write)
                .custom_flags(flags)
                .open(path)
        };
        let (file, writable) = match mode {
            OpenMode::ReadOnly => (open(false, false).map_err(os_error)?, false),
            OpenMode::Exclusive => (open(true, true).map_err(os_error)?, true),
            OpenMode::ReadPreferWrite => match open(true, false) {
                Ok(file) => (file, true),
                Err(first) => {
                    tracing::debug!(path = %path.display(), error = %first, "read-write open failed, trying read-only");
                    (open(false, false).map_err(os_error)?, false)
                }
            },
        };
        Ok(SgDevice {
            file,
            path: path.to_path_buf(),
            writable,
        })
    }

    /// True when opened read-write (write-class commands allowed by the kernel filter).
    pub fn is_writable(&self) -> bool {
        self.writable
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// What the kernel reported for one command, before classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawResult {
    pub status: u8,
    pub masked_status: u8,
    pub sb_len_wr: u8,
    pub host_status: u16,
    pub driver_status: u16,
    pub resid: i32,
    pub info: u32,
}

/// Outcome classification of mmc.md §1.3 (steps 2-6; step 1, ioctl failure,
/// is handled by the caller).
pub(crate) fn classify(
    raw: RawResult,
    sense: &[u8],
    dxfer_len: usize,
    device: &str,
    opcode: u8,
    timeout: Duration,
) -> Result<CommandOutcome, TransportError> {
    let residual = usize::try_from(raw.resid).unwrap_or(0).min(dxfer_len);
    if raw.info & SG_INFO_CHECK == 0 {
        return Ok(CommandOutcome::good(residual));
    }
    if raw.masked_status == 0x01 || raw.status == 0x02 || raw.sb_len_wr > 0 {
        let n = (raw.sb_len_wr as usize).min(sense.len());
        return Ok(CommandOutcome::check_condition(
            sense[..n].to_vec(),
            residual,
        ));
    }
    if raw.host_status != 0 {
        return Err(match raw.host_status {
            DID_TIME_OUT => TransportError::Timeout {
                device: device.to_string(),
                opcode,
                timeout,
            },
            DID_NO_CONNECT | DID_BAD_TARGET => TransportError::NoDevice {
                device: device.to_string(),
            },
            _ => TransportError::Host {
                device: device.to_string(),
                host_status: raw.host_status,
                driver_status: raw.driver_status,
            },
        });
    }
    if raw.driver_status & 0x07 != 0 {
        return Err(if raw.driver_status & 0x07 == DRIVER_TIMEOUT {
            TransportError::Timeout {
                device: device.to_string(),
                opcode,
                timeout,
            }
        } else {
            TransportError::Host {
                device: device.to_string(),
                host_status: raw.host_status,
                driver_status: raw.driver_status,
            }
        });
    }
    Ok(CommandOutcome {
        status: ScsiStatus::from_byte(raw.status),
        sense: Vec::new(),
        residual,
    })
}

impl Transport for SgDevice {
    fn execute(
        &mut self,
        cdb: &[u8],
        mut data: DataDirection<'_>,
        timeout: Duration,
    ) -> Result<CommandOutcome, TransportError> {
        if cdb.is_empty() || cdb.len() > 16 {
            return Err(TransportError::InvalidCommand(format!(
                "CDB of {} bytes",
                cdb.len()
            )));
        }
        // An empty data phase is no data phase.
        let empty = data.is_empty();
        let (direction, dxferp, dxfer_len): (i32, *mut libc::c_void, usize) = match &mut data {
            _ if empty => (SG_DXFER_NONE, std::ptr::null_mut(), 0),
            DataDirection::None => (SG_DXFER_NONE, std::ptr::null_mut(), 0),
            // The kernel only reads a TO_DEV buffer; the pointer is mutable in
            // the C struct only.
            DataDirection::ToDevice(b) => {
                (SG_DXFER_TO_DEV, b.as_ptr() as *mut libc::c_void, b.len())
            }
            DataDirection::FromDevice(b) => (SG_DXFER_FROM_DEV, b.as_mut_ptr().cast(), b.len()),
        };
        let dxfer_len_u32 = u32::try_from(dxfer_len).map_err(|_| {
            TransportError::InvalidCommand(format!("data phase of {dxfer_len} bytes"))
        })?;
        let mut cdb_copy = [0u8; 16];
        cdb_copy[..cdb.len()].copy_from_slice(cdb);
        let mut sense = [0u8; SENSE_BUFFER_LEN];
        // 0 would mean the kernel default (~60 s): always set (mmc.md §1.2).
        let timeout_ms = u32::try_from(timeout.as_millis())
            .unwrap_or(u32::MAX)
            .max(1);
        let mut hdr = SgIoHdr {
            interface_id: 'S' as libc::c_int,
            dxfer_direction: direction,
            cmd_len: cdb.len() as u8,
            mx_sb_len: SENSE_BUFFER_LEN as u8,
            iovec_count: 0,
            dxfer_len: dxfer_len_u32,
            dxferp,
            cmdp: cdb_copy.as_mut_ptr(),
            sbp: sense.as_mut_ptr(),
            timeout: timeout_ms,
            flags: 0,
            pack_id: 0,
            usr_ptr: std::ptr::null_mut(),
            status: 0,
            masked_status: 0,
            msg_status: 0,
            sb_len_wr: 0,
            host_status: 0,
            driver_status: 0,
            resid: 0,
            duration: 0,
            info: 0,
        };
        // SAFETY: `hdr` is a correctly laid out `sg_io_hdr` (asserted above);
        // every pointer in it refers to a live buffer of the stated length that
        // outlives this synchronous call: `cdb_copy` (16 bytes ≥ cmd_len),
        // `sense` (mx_sb_len bytes) and the caller's data buffer (dxfer_len
        // bytes, exclusively borrowed through `data`). SG_IO does not retain
        // any of them after returning.
        let rc =
            unsafe { libc::ioctl(self.file.as_raw_fd(), SG_IO as _, &mut hdr as *mut SgIoHdr) };
        let device = self.device_name();
        if rc == -1 {
            let source = std::io::Error::last_os_error();
            return Err(match source.raw_os_error() {
                Some(libc::ENODEV) | Some(libc::ENXIO) => TransportError::NoDevice { device },
                _ => TransportError::Os { device, source },
            });
        }
        let raw = RawResult {
            status: hdr.status,
            masked_status: hdr.masked_status,
            sb_len_wr: hdr.sb_len_wr,
            host_status: hdr.host_status,
            driver_status: hdr.driver_status,
            resid: hdr.resid,
            info: hdr.info,
        };
        classify(raw, &sense, dxfer_len, &device, cdb[0], timeout)
    }

    fn device_name(&self) -> String {
        self.path.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawResult {
        RawResult {
            status: 0,
            masked_status: 0,
            sb_len_wr: 0,
            host_status: 0,
            driver_status: 0,
            resid: 0,
            info: 0,
        }
    }

    #[test]
    fn good_reports_residual() {
        let out = classify(
            RawResult {
                resid: 100,
                ..raw()
            },
            &[],
            252,
            "d",
            0x43,
            Duration::ZERO,
        )
        .unwrap();
        assert_eq!(out, CommandOutcome::good(100));
    }

    #[test]
    fn negative_or_huge_residual_is_clamped() {
        let out = classify(
            RawResult { resid: -5, ..raw() },
            &[],
            8,
            "d",
            0x25,
            Duration::ZERO,
        )
        .unwrap();
        assert_eq!(out.residual, 0);
        let out = classify(
            RawResult { resid: 99, ..raw() },
            &[],
            8,
            "d",
            0x25,
            Duration::ZERO,
        )
        .unwrap();
        assert_eq!(out.residual, 8);
    }

    #[test]
    fn check_condition_carries_written_sense() {
        let mut sense = [0u8; SENSE_BUFFER_LEN];
        sense[0] = 0x70;
        sense[2] = 0x05;
        sense[12] = 0x24;
        let r = RawResult {
            status: 0x02,
            masked_status: 0x01,
            sb_len_wr: 18,
            driver_status: 0x08,
            info: 1,
            ..raw()
        };
        let out = classify(r, &sense, 0, "d", 0x43, Duration::ZERO).unwrap();
        assert_eq!(out.status, ScsiStatus::CheckCondition);
        assert_eq!(out.sense.len(), 18);
        assert_eq!(out.sense[12], 0x24);
    }

    #[test]
    fn host_timeout_is_a_timeout() {
        let r = RawResult {
            host_status: DID_TIME_OUT,
            info: 1,
            ..raw()
        };
        let err = classify(r, &[], 0, "/dev/sr0", 0x35, Duration::from_secs(3)).unwrap_err();
        assert!(
            matches!(err, TransportError::Timeout { opcode: 0x35, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn driver_error_and_busy() {
        let r = RawResult {
            driver_status: 0x04,
            info: 1,
            ..raw()
        };
        assert!(matches!(
            classify(r, &[], 0, "d", 0, Duration::ZERO),
            Err(TransportError::Host { .. })
        ));
        let r = RawResult {
            status: 0x08,
            masked_status: 0x04,
            info: 1,
            ..raw()
        };
        assert_eq!(
            classify(r, &[], 0, "d", 0, Duration::ZERO).unwrap().status,
            ScsiStatus::Busy
        );
    }

    #[test]
    fn opening_a_missing_node_names_it() {
        let err =
            SgDevice::open(Path::new("/nonexistent/sr9"), OpenMode::ReadPreferWrite).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/sr9"), "{err}");
    }

    #[test]
    fn sg_io_on_a_regular_file_fails_cleanly() {
        let dir = std::env::temp_dir().join(format!("mmc-sgio-{}", std::process::id()));
        std::fs::write(&dir, b"not a device").unwrap();
        let mut dev = SgDevice::open(&dir, OpenMode::ReadOnly).unwrap();
        let mut buf = [0u8; 36];
        let err = dev
            .execute(
                &[0x12, 0, 0, 0, 36, 0],
                DataDirection::FromDevice(&mut buf),
                Duration::from_secs(1),
            )
            .unwrap_err();
        std::fs::remove_file(&dir).unwrap();
        assert!(
            matches!(
                err,
                TransportError::Os { .. } | TransportError::NoDevice { .. }
            ),
            "{err:?}"
        );
    }
}
