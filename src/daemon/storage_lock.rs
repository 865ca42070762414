//! One daemon per storage folder: `veille run` holds a lock file there for
//! its whole life, so a second one says at once who has the folder instead
//! of waiting for an index it will never get, and other commands know a
//! daemon owns the index even if its folder was deleted from under it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// The lock file in the storage folder.
pub const LOCK_FILE: &str = "veille-run.lock";

/// Why the storage folder could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock.
    #[error(
        "another `veille run`{} is using the storage folder {}; stop it first, or give this one another [storage] dir",
        .holder.as_ref().map(|pid| format!(" (pid {pid})")).unwrap_or_default(),
        .dir.display()
    )]
    Held {
        /// The storage folder.
        dir: PathBuf,
        /// The holder's process id as it wrote it in the lock file, if it
        /// could be read.
        holder: Option<String>,
    },
    /// The lock file could not be created, opened or locked.
    #[error("cannot lock {}: {error}", .path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// What the file system answered.
        error: std::io::Error,
    },
}

/// The storage folder, held until this is dropped (or the process ends,
/// however it ends: the lock is an `flock`).
#[derive(Debug)]
pub struct StorageLock {
    _file: File,
}

impl StorageLock {
    /// Takes `storage_dir` for this process, creating it if needed.
    pub fn take(storage_dir: &Path) -> Result<StorageLock, LockError> {
        let path = storage_dir.join(LOCK_FILE);
        let io = |error| LockError::Io {
            path: path.clone(),
            error,
        };
        std::fs::create_dir_all(storage_dir).map_err(io)?;
        let mut file = open(&path).map_err(io)?;
        match try_flock(&file, libc::LOCK_EX) {
            Ok(true) => {
                file.set_len(0).map_err(io)?;
                file.rewind().map_err(io)?;
                write!(file, "{}", std::process::id()).map_err(io)?;
                Ok(StorageLock { _file: file })
            }
            Ok(false) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                Err(LockError::Held {
                    dir: storage_dir.to_owned(),
                    holder: (!holder.is_empty()).then(|| holder.to_owned()),
                })
            }
            Err(error) => Err(io(error)),
        }
    }
}

/// Whether a running daemon holds `storage_dir`.
pub fn held_by_daemon(storage_dir: &Path) -> bool {
    let Ok(file) = File::open(storage_dir.join(LOCK_FILE)) else {
        return false;
    };
    // A shared lock taken here is released when `file` closes.
    matches!(try_flock(&file, libc::LOCK_SH), Ok(false))
}

/// `flock(2)` without blocking: `Ok(false)` when another open file holds
/// a conflicting lock. (`File::try_lock` needs Rust 1.89; veille builds
/// with 1.85.)
fn try_flock(file: &File, operation: libc::c_int) -> std::io::Result<bool> {
    // SAFETY: flock only reads the descriptor, which `file` keeps open.
    let result = unsafe { libc::flock(file.as_raw_fd(), operation | libc::LOCK_NB) };
    if result == 0 {
        return Ok(true);
    }
    let error = std::io::Error::last_os_error();
    if error.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(error)
    }
}

fn open(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_told_who_has_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!held_by_daemon(dir.path()));
        let first = StorageLock::take(dir.path()).unwrap();
        assert!(held_by_daemon(dir.path()));
        let error = StorageLock::take(dir.path()).unwrap_err().to_string();
        assert!(
            error.contains(&format!("pid {}", std::process::id())),
            "{error}"
        );
        drop(first);
        assert!(!held_by_daemon(dir.path()));
        StorageLock::take(dir.path()).unwrap();
    }
}
