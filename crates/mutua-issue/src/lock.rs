//! Exclusive locks on a ledger and on an output: one writer at a time, from planning to the last write.
//!
//! A lock is an OS advisory lock (`flock` on Unix, `LockFileEx` on Windows) on a small lock file that is never
//! deleted. The OS releases it when the process ends, however it ends, so a killed run never leaves a stale lock.
//! Whoever takes the lock writes a description of itself into the file (given by the caller: the library does not
//! read process ids or the clock), so that a run refused by the lock can say who holds it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What to do when the lock is held by another process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LockWait {
    /// Fail at once, naming the holder.
    #[default]
    Fail,
    /// Try again every `interval`, `attempts` times, then fail naming the holder.
    Retry {
        /// How many more tries after the first.
        attempts: u32,
        /// The pause between tries.
        interval: Duration,
    },
}

impl LockWait {
    /// Waiting about `total` in steps of 100 ms (no clock is read: the number of tries is fixed up front).
    #[must_use]
    pub fn up_to(total: Duration) -> LockWait {
        let interval = Duration::from_millis(100);
        let attempts = u32::try_from(total.as_millis() / interval.as_millis()).unwrap_or(u32::MAX);
        if attempts == 0 { LockWait::Fail } else { LockWait::Retry { attempts, interval } }
    }
}

/// Why a lock was not taken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// Another process holds it.
    #[error(
        "{path} est verrouillé par un autre processus ({holder}) : une seule émission à la fois ; attendez la fin \
         de l'autre exécution"
    )]
    Busy {
        /// The lock file.
        path: PathBuf,
        /// What the holder wrote of itself.
        holder: String,
    },
    /// The lock file cannot be opened or locked.
    #[error("{path} : impossible de prendre le verrou : {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// A lock held until dropped.
#[derive(Debug)]
pub struct LockGuard {
    file: File,
    path: PathBuf,
}

impl LockGuard {
    /// The lock file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first makes the release immediate and explicit.
        let _ = self.file.unlock();
    }
}

fn holder_of(file: &mut File) -> String {
    let mut text = String::new();
    let read = file.seek(SeekFrom::Start(0)).and_then(|_| file.read_to_string(&mut text));
    match read {
        Ok(_) if !text.trim().is_empty() => text.trim().chars().take(200).collect(),
        _ => "processus inconnu".to_owned(),
    }
}

fn acquire(path: &Path, shared: bool, wait: LockWait) -> Result<File, LockError> {
    let io = |source| LockError::Io { path: path.to_path_buf(), source };
    let mut file =
        OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path).map_err(io)?;
    let (attempts, interval) = match wait {
        LockWait::Fail => (0, Duration::ZERO),
        LockWait::Retry { attempts, interval } => (attempts, interval),
    };
    let mut tries = 0;
    loop {
        let taken = if shared { file.try_lock_shared() } else { file.try_lock() };
        match taken {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) if tries < attempts => {
                tries += 1;
                std::thread::sleep(interval);
            }
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Busy { path: path.to_path_buf(), holder: holder_of(&mut file) });
            }
            Err(TryLockError::Error(source)) => return Err(io(source)),
        }
    }
}

/// Takes the exclusive lock of `path` (creating the lock file if needed) and writes `holder` into it.
pub fn lock_exclusive(path: &Path, holder: &str, wait: LockWait) -> Result<LockGuard, LockError> {
    let mut file = acquire(path, false, wait)?;
    let io = |source| LockError::Io { path: path.to_path_buf(), source };
    // Write over the previous holder, then cut what is left of it: a run refused meanwhile never reads an empty
    // file.
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    file.write_all(holder.as_bytes()).map_err(io)?;
    file.set_len(holder.len() as u64).map_err(io)?;
    Ok(LockGuard { file, path: path.to_path_buf() })
}

/// Takes a shared lock of `path`, for readers (`mutua ledger`): writers wait or fail while it is held.
pub fn lock_shared(path: &Path, wait: LockWait) -> Result<LockGuard, LockError> {
    let file = acquire(path, true, wait)?;
    Ok(LockGuard { file, path: path.to_path_buf() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_naming_the_holder_until_the_first_is_done() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.lock");
        let first = lock_exclusive(&path, "mutua run (pid 1)", LockWait::Fail).unwrap();
        let refused = lock_exclusive(&path, "mutua run (pid 2)", LockWait::Fail).unwrap_err();
        assert!(
            matches!(&refused, LockError::Busy { holder, .. } if holder == "mutua run (pid 1)"),
            "{refused}"
        );
        assert!(refused.to_string().contains("mutua run (pid 1)"));
        let waited = lock_exclusive(
            &path,
            "mutua run (pid 3)",
            LockWait::Retry { attempts: 2, interval: Duration::from_millis(5) },
        );
        assert!(waited.is_err());
        assert!(lock_shared(&path, LockWait::Fail).is_err(), "a reader waits for the writer");
        drop(first);
        let second = lock_exclusive(&path, "mutua run (pid 2)", LockWait::Fail).unwrap();
        drop(second);
        let reader = lock_shared(&path, LockWait::Fail).unwrap();
        let other_reader = lock_shared(&path, LockWait::Fail).unwrap();
        assert!(lock_exclusive(&path, "writer", LockWait::Fail).is_err(), "a writer waits for the readers");
        drop((reader, other_reader));
        assert!(lock_exclusive(&path, "writer", LockWait::Fail).is_ok());
    }

    #[test]
    fn waiting_turns_into_a_number_of_tries() {
        assert_eq!(LockWait::up_to(Duration::ZERO), LockWait::Fail);
        assert_eq!(
            LockWait::up_to(Duration::from_secs(2)),
            LockWait::Retry { attempts: 20, interval: Duration::from_millis(100) }
        );
    }
}
