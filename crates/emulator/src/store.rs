//! The medium on disk: a sparse data file of 2048-byte blocks at offset
//! `LBA * 2048`, and a JSON state file beside it, replaced atomically
//! (write a temporary file, fsync, rename, fsync the directory).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::state::MediumState;
use crate::Error;

/// Bytes per block on every emulated medium.
pub const BLOCK_BYTES: u64 = 2048;

/// Largest state file accepted when opening a medium (a state with 7 927 tracks
/// stays well below this).
const MAX_STATE_BYTES: u64 = 16 << 20;

/// Path of the state file of the medium whose data file is `data_path`.
pub fn state_path(data_path: &Path) -> PathBuf {
    let mut name = data_path.as_os_str().to_owned();
    name.push(".state.json");
    PathBuf::from(name)
}

fn temp_state_path(data_path: &Path) -> PathBuf {
    let mut name = data_path.as_os_str().to_owned();
    name.push(".state.json.tmp");
    PathBuf::from(name)
}

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The two files of a medium.
#[derive(Debug)]
pub struct MediumFiles {
    data_path: PathBuf,
    data: File,
    /// False when the data file could only be opened for reading: the medium
    /// is write-protected.
    writable: bool,
}

impl MediumFiles {
    /// Creates the files of a new medium; refuses if either exists.
    pub fn create(data_path: &Path, state: &MediumState) -> Result<MediumFiles, Error> {
        let state_file = state_path(data_path);
        if state_file.exists() {
            return Err(Error::Exists { path: state_file });
        }
        let data = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(data_path)
            .map_err(|source| {
                if source.kind() == std::io::ErrorKind::AlreadyExists {
                    Error::Exists {
                        path: data_path.to_path_buf(),
                    }
                } else {
                    io_error(data_path, source)
                }
            })?;
        // Sparse: no block is allocated until written.
        data.set_len(state.capacity * BLOCK_BYTES)
            .map_err(|e| io_error(data_path, e))?;
        let files = MediumFiles {
            data_path: data_path.to_path_buf(),
            data,
            writable: true,
        };
        if let Err(err) = files.save_state(state) {
            let _ = std::fs::remove_file(data_path);
            return Err(err);
        }
        Ok(files)
    }

    /// Opens an existing medium and loads its state.
    /// Opens an existing medium and loads its state. A data file that cannot be
    /// opened for writing (permissions, read-only file system), or `read_only`,
    /// gives a write-protected medium.
    pub fn open(data_path: &Path, read_only: bool) -> Result<(MediumFiles, MediumState), Error> {
        if !data_path.exists() && !state_path(data_path).exists() {
            return Err(Error::NoMedium {
                path: data_path.to_path_buf(),
            });
        }
        let state = load_state(data_path)?;
        let read_write = if read_only {
            None
        } else {
            match OpenOptions::new().read(true).write(true).open(data_path) {
                Ok(file) => Some(file),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::PermissionDenied
                            | std::io::ErrorKind::ReadOnlyFilesystem
                    ) =>
                {
                    None
                }
                Err(e) => return Err(io_error(data_path, e)),
            }
        };
        let writable = read_write.is_some();
        let data = match read_write {
            Some(file) => file,
            None => File::open(data_path).map_err(|e| io_error(data_path, e))?,
        };
        let wanted = state.capacity * BLOCK_BYTES;
        let len = data.metadata().map_err(|e| io_error(data_path, e))?.len();
        if len < wanted && writable {
            data.set_len(wanted).map_err(|e| io_error(data_path, e))?;
        }
        Ok((
            MediumFiles {
                data_path: data_path.to_path_buf(),
                data,
                writable,
            },
            state,
        ))
    }

    pub fn data_path(&self) -> &Path {
        &self.data_path
    }

    /// Whether the medium may be changed (else it is write-protected).
    pub fn writable(&self) -> bool {
        self.writable
    }

    /// Makes written blocks durable, then replaces the state file atomically.
    pub fn save_state(&self, state: &MediumState) -> Result<(), Error> {
        if !self.writable {
            return Err(io_error(
                &self.data_path,
                std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "the medium is write-protected",
                ),
            ));
        }
        self.data
            .sync_data()
            .map_err(|e| io_error(&self.data_path, e))?;
        let json = serde_json::to_vec_pretty(state).map_err(|e| Error::BadState {
            path: state_path(&self.data_path),
            message: e.to_string(),
        })?;
        let temp = temp_state_path(&self.data_path);
        let mut file = File::create(&temp).map_err(|e| io_error(&temp, e))?;
        file.write_all(&json).map_err(|e| io_error(&temp, e))?;
        file.write_all(b"\n").map_err(|e| io_error(&temp, e))?;
        file.sync_all().map_err(|e| io_error(&temp, e))?;
        drop(file);
        let target = state_path(&self.data_path);
        std::fs::rename(&temp, &target).map_err(|e| io_error(&target, e))?;
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if let Ok(dir_file) = File::open(&dir) {
            // Persist the rename itself; some file systems refuse fsync on directories.
            let _ = dir_file.sync_all();
        }
        Ok(())
    }

    pub fn read_blocks(&self, lba: u64, buf: &mut [u8]) -> Result<(), Error> {
        self.data
            .read_exact_at(buf, lba * BLOCK_BYTES)
            .map_err(|e| io_error(&self.data_path, e))
    }

    pub fn write_blocks(&self, lba: u64, buf: &[u8]) -> Result<(), Error> {
        self.data
            .write_all_at(buf, lba * BLOCK_BYTES)
            .map_err(|e| io_error(&self.data_path, e))
    }

    /// Discards every block (full blank, first format): the file becomes all holes.
    pub fn erase(&self, capacity: u64) -> Result<(), Error> {
        self.data
            .set_len(0)
            .map_err(|e| io_error(&self.data_path, e))?;
        self.data
            .set_len(capacity * BLOCK_BYTES)
            .map_err(|e| io_error(&self.data_path, e))
    }
}

/// Reads and validates the state file of the medium at `data_path`.
pub fn load_state(data_path: &Path) -> Result<MediumState, Error> {
    let path = state_path(data_path);
    let file = File::open(&path).map_err(|e| io_error(&path, e))?;
    let len = file.metadata().map_err(|e| io_error(&path, e))?.len();
    if len > MAX_STATE_BYTES {
        return Err(Error::BadState {
            path,
            message: format!("state file is {len} bytes, too large"),
        });
    }
    let bytes = std::fs::read(&path).map_err(|e| io_error(&path, e))?;
    let state: MediumState = serde_json::from_slice(&bytes).map_err(|e| Error::BadState {
        path: path.clone(),
        message: e.to_string(),
    })?;
    state
        .validate()
        .map_err(|message| Error::BadState { path, message })?;
    Ok(state)
}
