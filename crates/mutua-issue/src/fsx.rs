//! File-system steps of the commit protocol, each durable when it returns.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::Path;

/// Syncs a directory, so that the names created, renamed or removed in it survive a power cut.
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Syncs the directory holding `path`.
pub(crate) fn sync_parent(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => sync_dir(parent),
        _ => sync_dir(Path::new(".")),
    }
}

/// Writes a new file, refusing to replace an existing one, and syncs it.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_new_unsynced(path, bytes)?.sync_all()
}

/// Writes a new file, refusing to replace an existing one, without syncing it: [`sync_files`] makes a group of
/// them durable at once. Returns the open file.
pub(crate) fn write_new_unsynced(path: &Path, bytes: &[u8]) -> std::io::Result<File> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    Ok(file)
}

/// Makes a group of files written in `dir` durable, with their names: on Linux one `syncfs` of the file system
/// holding `dir` (every file's data and metadata at once, whatever their number), elsewhere an `fsync` of each
/// file; then an `fsync` of `dir` itself.
pub(crate) fn sync_files(dir: &Path, files: &[std::path::PathBuf]) -> std::io::Result<()> {
    let folder = File::open(dir)?;
    #[cfg(target_os = "linux")]
    {
        let _ = files;
        rustix::fs::syncfs(&folder)?;
    }
    #[cfg(not(target_os = "linux"))]
    for path in files {
        File::open(path)?.sync_all()?;
    }
    folder.sync_all()
}

/// Replaces `path` atomically: a temporary file beside it, synced, renamed over it, the directory synced.
pub(crate) fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".tmp");
    let temporary = path.with_file_name(name);
    let mut file = OpenOptions::new().write(true).create(true).truncate(true).open(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, path)?;
    sync_parent(path)
}

/// Removes a file if it is there; returns whether it was.
pub(crate) fn remove_if_present(path: &Path) -> std::io::Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(error),
    }
}
