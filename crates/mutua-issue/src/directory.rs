//! Issued documents in a folder: [`DirectorySink`] (the commit protocol on a file system) and
//! [`DraftDirectory`] (dry runs).
//!
//! An output folder holds the issued files, flat, under their final names (`FAC-MEL-2026-00001_59005.pdf`), the
//! reports of its last run (`manifest.json`, `lines.csv`, `carried.csv`, replaced by each run), and a `.mutua/`
//! folder of its own: `state.json` (the ledger head of its last commit), `pending.json` (the intent of a commit in
//! progress) and `lock`. Issued files are written once with `create_new` and never replaced or removed; the only
//! files mutua ever removes are those it wrote for numbers the ledger did not commit, which the intent lists.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::fault::{self, Step};
use crate::fsx;
use crate::hash::Sha256;
use crate::ledger::{Chain, Ledger, LedgerHead};
use crate::lock::{LockGuard, LockWait, lock_exclusive};
use crate::names::{FileName, Series};
use crate::notice::Notice;
use crate::sink::{PendingFile, Sink, SinkError};

/// The folder mutua keeps its own state in, inside an output.
pub const STATE_DIR: &str = ".mutua";
const STATE_FILE: &str = "state.json";
const INTENT_FILE: &str = "pending.json";
const DRAFT_FILE: &str = "draft.json";
const LOCK_FILE: &str = "lock";
/// The schema of `.mutua/state.json`.
pub const OUTPUT_SCHEMA: &str = "mutua-output/1";
/// The reports a run writes into its output, replaced by each run.
pub const REPORT_NAMES: [&str; 3] = ["manifest.json", "lines.csv", "carried.csv"];

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputState {
    schema: String,
    ledger: LedgerHead,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Intent {
    schema: String,
    /// The ledger's head before the commit: a ledger that no longer contains it was rolled back, and the files
    /// of the intent may have been issued in the lost part: they are then left alone.
    ledger_before: LedgerHead,
    files: Vec<PendingFile>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DraftState {
    schema: String,
    files: Vec<FileName>,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> SinkError + '_ {
    move |source| SinkError::Io { path: path.to_path_buf(), source }
}

/// A path with `.` removed and `..` applied, without touching the file system.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn absolute(path: &Path) -> PathBuf {
    lexical(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// The directory of a ledger file.
#[must_use]
pub fn ledger_dir(ledger: &Path) -> PathBuf {
    match ledger.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// How records name an output folder: its path relative to the ledger's directory (`out`, `.`), or absolute when
/// it is elsewhere, with `/` separators.
#[must_use]
pub fn location_of(ledger: &Path, out: &Path) -> String {
    let base = absolute(&ledger_dir(ledger));
    let target = absolute(out);
    let text = match target.strip_prefix(&base) {
        Ok(relative) if relative.as_os_str().is_empty() => ".".to_owned(),
        Ok(relative) => relative.to_string_lossy().into_owned(),
        Err(_) => target.to_string_lossy().into_owned(),
    };
    text.replace('\\', "/")
}

/// The folder a location names, relative to the ledger's directory.
#[must_use]
pub fn resolve_location(ledger: &Path, location: &str) -> PathBuf {
    ledger_dir(ledger).join(location)
}

/// Whether a file name is that of an issued document (`NUMBER_RECIPIENT.pdf` or `.xml`).
#[must_use]
pub fn looks_like_document(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".pdf").or_else(|| name.strip_suffix(".xml")) else {
        return false;
    };
    let Some((number, _recipient)) = stem.split_once('_') else {
        return false;
    };
    let Some((series, sequence)) = number.rsplit_once('-') else {
        return false;
    };
    !sequence.is_empty() && sequence.bytes().all(|b| b.is_ascii_digit()) && series.parse::<Series>().is_ok()
}

/// What a folder is.
enum Kind {
    Missing,
    Empty,
    Issued,
    Draft,
    /// Written by an earlier version: every entry is known.
    Adoptable,
}

fn entries(dir: &Path) -> Result<Vec<String>, SinkError> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != STATE_DIR {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

fn classify(out: &Path, known: &HashSet<String>) -> Result<Kind, SinkError> {
    match std::fs::metadata(out) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Kind::Missing),
        Err(source) => return Err(SinkError::Io { path: out.to_path_buf(), source }),
        Ok(metadata) if !metadata.is_dir() => {
            return Err(SinkError::NotADirectory { path: out.to_path_buf() });
        }
        Ok(_) => {}
    }
    let state = out.join(STATE_DIR);
    if state.join(STATE_FILE).exists() {
        return Ok(Kind::Issued);
    }
    if state.join(DRAFT_FILE).exists() {
        return Ok(Kind::Draft);
    }
    let names = entries(out)?;
    if names.is_empty() {
        return Ok(Kind::Empty);
    }
    // The files of an interrupted run that never committed are ours: the intent names them.
    let pending: HashSet<String> = read_json::<Intent>(&state.join(INTENT_FILE))?
        .map(|intent| intent.files.into_iter().map(|file| file.name.to_string()).collect())
        .unwrap_or_default();
    let ours = |name: &String| {
        known.contains(name.as_str()) || pending.contains(name) || REPORT_NAMES.contains(&name.as_str())
    };
    match names.iter().find(|name| !ours(name)) {
        Some(entry) => Err(SinkError::NotAnOutput { path: out.to_path_buf(), entry: entry.clone() }),
        None => Ok(Kind::Adoptable),
    }
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>, SinkError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|error| SinkError::BadState { path: path.to_path_buf(), message: error.to_string() }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(SinkError::Io { path: path.to_path_buf(), source }),
    }
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), SinkError> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|error| SinkError::BadState { path: path.to_path_buf(), message: error.to_string() })?;
    bytes.push(b'\n');
    fsx::replace(path, &bytes).map_err(io(path))
}

/// For a ledger converted entry for entry to a new format (same entries, new checks): moves an output's state from
/// the old chain to the new. `Ok(false)` when the output has no state. Refused, with nothing written, when the
/// output has an interrupted group (finish it with the version that wrote it) or a state neither chain contains.
pub(crate) fn rebase_output_state(out: &Path, old: &Chain, new: &Chain) -> Result<bool, SinkError> {
    let state_dir = out.join(STATE_DIR);
    if state_dir.join(INTENT_FILE).exists() {
        return Err(SinkError::BadState {
            path: state_dir.join(INTENT_FILE),
            message:
                "une exécution interrompue n'est pas terminée : relancez d'abord la version qui l'a commencée"
                    .to_owned(),
        });
    }
    let path = state_dir.join(STATE_FILE);
    let Some(state) = read_json::<OutputState>(&path)? else { return Ok(false) };
    if new.contains(&state.ledger) {
        return Ok(true);
    }
    if !old.contains(&state.ledger) {
        return Err(SinkError::RolledBack { path: out.to_path_buf(), anchored: state.ledger.entries });
    }
    let head = new
        .head_at(state.ledger.entries)
        .ok_or(SinkError::RolledBack { path: out.to_path_buf(), anchored: state.ledger.entries })?;
    write_json(&path, &OutputState { schema: state.schema, ledger: head })?;
    Ok(true)
}

/// Folders an earlier version of mutua left beside `out` when a run was killed (`.out.tmp-PID`, `.out.old-PID`).
fn stale_folders(out: &Path) -> Vec<Notice> {
    let Some(name) = out.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    let parent = ledger_dir(out);
    let Ok(listing) = std::fs::read_dir(&parent) else {
        return Vec::new();
    };
    let prefixes = [format!(".{name}.tmp-"), format!(".{name}.old-")];
    let mut found: Vec<PathBuf> = listing
        .filter_map(Result::ok)
        .filter(|entry| {
            let entry_name = entry.file_name().to_string_lossy().into_owned();
            prefixes.iter().any(|prefix| entry_name.starts_with(prefix.as_str()))
        })
        .map(|entry| entry.path())
        .collect();
    found.sort();
    found.into_iter().map(|path| Notice::StaleFolder { path }).collect()
}

/// An output folder for issued documents, locked for its lifetime.
#[derive(Debug)]
pub struct DirectorySink {
    root: PathBuf,
    base: PathBuf,
    location: String,
    pending: Vec<PendingFile>,
    written: Vec<FileName>,
    _lock: LockGuard,
}

/// Writes a new file of a group at its final place in `root`, refusing a name already taken. Not synced one by
/// one: `publish` makes the whole group durable with one sync. A partly written file is removed (it is ours,
/// named in the intent; the next open would remove it otherwise).
fn create_new(root: &Path, name: &FileName, bytes: &[u8]) -> Result<(), SinkError> {
    let path = root.join(name.as_str());
    match fsx::write_new_unsynced(&path, bytes).map(drop) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Err(SinkError::Exists { path }),
        Err(source) => {
            let _ = fsx::remove_if_present(&path);
            Err(SinkError::Io { path, source })
        }
    }
}

impl DirectorySink {
    /// Opens `out` for issuing with the ledger at `ledger_path` (already open, so locked): creates it if needed,
    /// takes its lock, refuses a file or a folder mutua did not write, removes the drafts of a dry run, repairs
    /// what an interrupted run left (files of numbers the ledger does not have), and refuses an output that knows
    /// more than the ledger (a ledger rolled back or replaced) or holds a document the ledger does not know.
    pub fn open(
        out: &Path,
        ledger_path: &Path,
        ledger: &dyn Ledger,
        holder: &str,
        wait: LockWait,
    ) -> Result<(DirectorySink, Vec<Notice>), SinkError> {
        let location = location_of(ledger_path, out);
        let known: HashSet<String> = ledger
            .records()
            .iter()
            .filter(|record| record.file.output == location)
            .flat_map(|record| {
                std::iter::once(record.file.name.to_string())
                    .chain(record.file.xml.as_ref().map(|xml| xml.name.to_string()))
            })
            .collect();
        // Read-only first: a folder that is not an output is refused before anything is written into it.
        if let Kind::Missing = classify(out, &known)? {
            std::fs::create_dir_all(out).map_err(io(out))?;
            fsx::sync_parent(out).map_err(io(out))?;
        }
        let state_dir = out.join(STATE_DIR);
        std::fs::create_dir_all(&state_dir).map_err(io(&state_dir))?;
        let lock = lock_exclusive(&state_dir.join(LOCK_FILE), holder, wait)?;
        let mut notices = Vec::new();
        let kind = classify(out, &known)?;
        if let Kind::Draft = kind {
            let count = remove_drafts(out)?;
            notices.push(Notice::DraftsRemoved { count });
        }
        let sink = DirectorySink {
            root: out.to_path_buf(),
            base: absolute(&ledger_dir(ledger_path)),
            location,
            pending: Vec::new(),
            written: Vec::new(),
            _lock: lock,
        };
        match kind {
            Kind::Issued => {
                let path = state_dir.join(STATE_FILE);
                let state: OutputState = read_json(&path)?.ok_or_else(|| SinkError::BadState {
                    path: path.clone(),
                    message: "absent".to_owned(),
                })?;
                if state.schema != OUTPUT_SCHEMA {
                    return Err(SinkError::BadState {
                        path,
                        message: format!("format « {} » inconnu", state.schema),
                    });
                }
                if !ledger.contains(&state.ledger) {
                    return Err(SinkError::RolledBack {
                        path: out.to_path_buf(),
                        anchored: state.ledger.entries,
                    });
                }
            }
            Kind::Adoptable => notices.push(Notice::OutputAdopted { path: out.to_path_buf() }),
            Kind::Missing | Kind::Empty | Kind::Draft => {}
        }
        if let Some(cleaned) = sink.recover(ledger)? {
            notices.push(cleaned);
        }
        sink.remove_temporaries()?;
        for name in entries(out)? {
            if looks_like_document(&name) && !known.contains(&name) {
                return Err(SinkError::UnknownDocument { path: out.join(name) });
            }
        }
        notices.extend(stale_folders(out));
        Ok((sink, notices))
    }

    /// The refusals that need no ledger: `out` is a file, or a non-empty folder without mutua's state holding
    /// something that is neither a report nor a document. A caller checks this before opening (and perhaps
    /// creating) the ledger, so that a mistyped `out` writes nothing anywhere.
    pub fn precheck(out: &Path) -> Result<(), SinkError> {
        match std::fs::metadata(out) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(source) => return Err(SinkError::Io { path: out.to_path_buf(), source }),
            Ok(metadata) if !metadata.is_dir() => {
                return Err(SinkError::NotADirectory { path: out.to_path_buf() });
            }
            Ok(_) => {}
        }
        if out.join(STATE_DIR).is_dir() {
            return Ok(());
        }
        match entries(out)?
            .into_iter()
            .find(|name| !looks_like_document(name) && !REPORT_NAMES.contains(&name.as_str()))
        {
            Some(entry) => Err(SinkError::NotAnOutput { path: out.to_path_buf(), entry }),
            None => Ok(()),
        }
    }

    fn state_path(&self, file: &str) -> PathBuf {
        self.root.join(STATE_DIR).join(file)
    }

    fn write_state(&self, head: &LedgerHead) -> Result<(), SinkError> {
        write_json(
            &self.state_path(STATE_FILE),
            &OutputState { schema: OUTPUT_SCHEMA.to_owned(), ledger: *head },
        )
    }

    /// Removes the files of an interrupted group whose numbers the ledger does not have, then the intent.
    fn recover(&self, ledger: &dyn Ledger) -> Result<Option<Notice>, SinkError> {
        let path = self.state_path(INTENT_FILE);
        let Some(intent) = read_json::<Intent>(&path)? else {
            return Ok(None);
        };
        if !ledger.contains(&intent.ledger_before) {
            return Err(SinkError::RolledBack {
                path: self.root.clone(),
                anchored: intent.ledger_before.entries,
            });
        }
        let mut removed = Vec::new();
        for file in intent.files.iter().filter(|file| !ledger.index().contains(&file.number)) {
            let target = self.root.join(file.name.as_str());
            if fsx::remove_if_present(&target).map_err(io(&target))? {
                removed.push(file.name.clone());
                fault::hit(Step::Recover).map_err(io(&target))?;
            }
        }
        fsx::sync_dir(&self.root).map_err(io(&self.root))?;
        fsx::remove_if_present(&path).map_err(io(&path))?;
        fsx::sync_parent(&path).map_err(io(&path))?;
        Ok(Some(Notice::InterruptedRunCleaned { files: removed }))
    }

    /// Removes the temporary files of an interrupted atomic replacement (ours: `*.tmp` in the state folder and
    /// the reports' temporaries).
    fn remove_temporaries(&self) -> Result<(), SinkError> {
        let state = self.root.join(STATE_DIR);
        for file in [STATE_FILE, INTENT_FILE, DRAFT_FILE] {
            let path = state.join(format!("{file}.tmp"));
            fsx::remove_if_present(&path).map_err(io(&path))?;
        }
        for report in REPORT_NAMES {
            let path = self.root.join(format!("{report}.tmp"));
            fsx::remove_if_present(&path).map_err(io(&path))?;
        }
        Ok(())
    }

    /// The folder.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }
}

fn remove_drafts(out: &Path) -> Result<usize, SinkError> {
    let path = out.join(STATE_DIR).join(DRAFT_FILE);
    let state: DraftState = read_json(&path)?.unwrap_or_default();
    let mut count = 0;
    for name in &state.files {
        let target = out.join(name.as_str());
        if fsx::remove_if_present(&target).map_err(io(&target))? && !REPORT_NAMES.contains(&name.as_str()) {
            count += 1;
        }
    }
    fsx::sync_dir(out).map_err(io(out))?;
    fsx::remove_if_present(&path).map_err(io(&path))?;
    Ok(count)
}

impl Sink for DirectorySink {
    fn location(&self) -> &str {
        &self.location
    }

    fn issued_file(&self, location: &str, name: &FileName) -> Result<Option<Sha256>, SinkError> {
        let dir = if location == self.location { self.root.clone() } else { self.base.join(location) };
        let path = dir.join(name.as_str());
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(Sha256::of(&bytes))),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(SinkError::Io { path, source }),
        }
    }

    fn begin(&mut self, head: &LedgerHead, files: &[PendingFile]) -> Result<(), SinkError> {
        for file in files {
            let path = self.root.join(file.name.as_str());
            if path.symlink_metadata().is_ok() {
                return Err(SinkError::Exists { path });
            }
        }
        let path = self.state_path(INTENT_FILE);
        write_json(
            &path,
            &Intent { schema: OUTPUT_SCHEMA.to_owned(), ledger_before: *head, files: files.to_vec() },
        )?;
        fault::hit(Step::Intent).map_err(io(&path))?;
        self.pending = files.to_vec();
        self.written.clear();
        Ok(())
    }

    fn write(&mut self, name: &FileName, bytes: &[u8]) -> Result<(), SinkError> {
        create_new(&self.root, name, bytes)?;
        self.written.push(name.clone());
        fault::hit(Step::Write).map_err(io(&self.root.join(name.as_str())))
    }

    /// The files written in parallel on the thread pool (copying a chunk's tens of megabytes into the page
    /// cache is a good part of a run), then the write fault hook reached once per file in order, as
    /// [`Sink::write`] does. On an error, every file that was created is kept in the group, for
    /// [`Sink::abandon`] to remove; the error reported is that of the first file in order.
    fn write_all(&mut self, files: &[(&FileName, &[u8])]) -> Result<(), SinkError> {
        let root = &self.root;
        let outcomes: Vec<Result<(), SinkError>> =
            files.par_iter().map(|(name, bytes)| create_new(root, name, bytes)).collect();
        let mut first_error = None;
        for ((name, _), outcome) in files.iter().zip(outcomes) {
            match outcome {
                Ok(()) => self.written.push((*name).clone()),
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        if let Some(error) = first_error {
            return Err(error);
        }
        for (name, _) in files {
            fault::hit(Step::Write).map_err(io(&self.root.join(name.as_str())))?;
        }
        Ok(())
    }

    fn publish(&mut self) -> Result<(), SinkError> {
        fault::hit(Step::Publish).map_err(io(&self.root))?;
        let written: Vec<PathBuf> = self.written.iter().map(|name| self.root.join(name.as_str())).collect();
        fsx::sync_files(&self.root, &written).map_err(io(&self.root))
    }

    fn abandon(&mut self) -> Result<(), SinkError> {
        for name in std::mem::take(&mut self.written) {
            let path = self.root.join(name.as_str());
            fsx::remove_if_present(&path).map_err(io(&path))?;
        }
        fsx::sync_dir(&self.root).map_err(io(&self.root))?;
        let intent = self.state_path(INTENT_FILE);
        fsx::remove_if_present(&intent).map_err(io(&intent))?;
        self.pending.clear();
        Ok(())
    }

    fn committed(&mut self, head: &LedgerHead) -> Result<(), SinkError> {
        let path = self.state_path(STATE_FILE);
        fault::hit(Step::OutputState).map_err(io(&path))?;
        self.write_state(head)?;
        self.pending.clear();
        self.written.clear();
        Ok(())
    }

    fn restore(&mut self, name: &FileName, bytes: &[u8]) -> Result<(), SinkError> {
        let path = self.root.join(name.as_str());
        match fsx::write_new(&path, bytes) {
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(SinkError::Exists { path })
            }
            Err(source) => Err(SinkError::Io { path, source }),
            Ok(()) => fsx::sync_dir(&self.root).map_err(io(&self.root)),
        }
    }

    fn write_report(&mut self, name: &FileName, bytes: &[u8]) -> Result<(), SinkError> {
        let path = self.root.join(name.as_str());
        fault::hit(Step::Reports).map_err(io(&path))?;
        fsx::replace(&path, bytes).map_err(io(&path))
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        let path = self.state_path(INTENT_FILE);
        fault::hit(Step::Cleanup).map_err(io(&path))?;
        if fsx::remove_if_present(&path).map_err(io(&path))? {
            fsx::sync_parent(&path).map_err(io(&path))?;
        }
        Ok(())
    }
}

/// A folder of drafts (`--dry-run`): never a folder of issued documents.
#[derive(Debug)]
pub struct DraftDirectory {
    root: PathBuf,
    _lock: LockGuard,
}

impl DraftDirectory {
    /// Opens `out` for drafts: creates it if needed; refuses a file, a folder of issued documents, and a non-empty
    /// folder mutua did not write.
    pub fn open(out: &Path, holder: &str, wait: LockWait) -> Result<DraftDirectory, SinkError> {
        let check = || -> Result<bool, SinkError> {
            match classify(out, &HashSet::new()) {
                Ok(Kind::Issued) => Err(SinkError::IssuedOutput { path: out.to_path_buf() }),
                Ok(Kind::Missing) => Ok(true),
                Ok(_) => Ok(false),
                Err(SinkError::NotAnOutput { entry, .. }) if looks_like_document(&entry) => {
                    Err(SinkError::IssuedOutput { path: out.to_path_buf() })
                }
                Err(error) => Err(error),
            }
        };
        if check()? {
            std::fs::create_dir_all(out).map_err(io(out))?;
        }
        let state_dir = out.join(STATE_DIR);
        std::fs::create_dir_all(&state_dir).map_err(io(&state_dir))?;
        let lock = lock_exclusive(&state_dir.join(LOCK_FILE), holder, wait)?;
        check()?;
        Ok(DraftDirectory { root: out.to_path_buf(), _lock: lock })
    }

    /// Replaces the drafts of the folder with `files`: the earlier drafts mutua wrote are removed, nothing else.
    pub fn write_all(&mut self, files: &[(FileName, Vec<u8>)]) -> Result<(), SinkError> {
        let path = self.root.join(STATE_DIR).join(DRAFT_FILE);
        let earlier: DraftState = read_json(&path)?.unwrap_or_default();
        let new: Vec<FileName> = files.iter().map(|(name, _)| name.clone()).collect();
        // List every file this run may leave first, so that an interrupted run leaves only listed files.
        let mut all = earlier.files.clone();
        all.extend(new.iter().cloned());
        all.sort();
        all.dedup();
        write_json(&path, &DraftState { schema: OUTPUT_SCHEMA.to_owned(), files: all })?;
        for name in earlier.files.iter().filter(|name| !new.contains(name)) {
            let target = self.root.join(name.as_str());
            fsx::remove_if_present(&target).map_err(io(&target))?;
        }
        for (name, bytes) in files {
            let target = self.root.join(name.as_str());
            fsx::replace(&target, bytes).map_err(io(&target))?;
        }
        write_json(&path, &DraftState { schema: OUTPUT_SCHEMA.to_owned(), files: new })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_names_are_recognised() {
        for name in
            ["FAC-MEL-2026-00001_59005.pdf", "AVO-59350-2026-00012_MEL.xml", "ANN-MEL-2026-123456_59005.pdf"]
        {
            assert!(looks_like_document(name), "{name}");
        }
        for name in [
            "manifest.json",
            "PROJET_FAC-MEL_59005.pdf",
            "notes.pdf",
            "FAC-MEL-2026_59005.pdf",
            "X-MEL-2026-1_1.pdf",
        ] {
            assert!(!looks_like_document(name), "{name}");
        }
    }

    /// Files written together, in parallel: a name taken meanwhile fails the group with that name, and the
    /// group's other files, all written, are the sink's to remove; what it did not write stays.
    #[test]
    fn a_group_written_in_parallel_fails_whole_and_is_abandoned_cleanly() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let out = dir.path().join("out");
        let ledger = crate::MemoryLedger::new();
        let (mut sink, _) =
            DirectorySink::open(&out, &dir.path().join("ledger.jsonl"), &ledger, "test", LockWait::Fail)
                .expect("opens");
        let names: Vec<FileName> = (1..=40)
            .map(|n| FileName::parse(&format!("FAC-MEL-2026-{n:05}_59005.pdf")).expect("a name"))
            .collect();
        let pending: Vec<PendingFile> = names
            .iter()
            .map(|name| PendingFile {
                name: name.clone(),
                number: name.to_string(),
                sha256: Sha256::of(b"x"),
            })
            .collect();
        sink.begin(&ledger.head(), &pending).expect("begins");
        // Another process creates the 17th file after the intent.
        std::fs::write(out.join(names[16].as_str()), b"not ours").expect("written");
        let files: Vec<(&FileName, &[u8])> = names.iter().map(|name| (name, &b"%PDF"[..])).collect();
        match sink.write_all(&files) {
            Err(SinkError::Exists { path }) => assert_eq!(path, out.join(names[16].as_str())),
            other => panic!("{other:?}"),
        }
        assert_eq!(sink.written.len(), 39, "every file it created is the group's");
        sink.abandon().expect("abandons");
        for (index, name) in names.iter().enumerate() {
            assert_eq!(out.join(name.as_str()).exists(), index == 16, "{name}");
        }
        assert_eq!(std::fs::read(out.join(names[16].as_str())).expect("kept"), b"not ours");
    }

    #[test]
    fn locations_are_relative_to_the_ledger() {
        assert_eq!(location_of(Path::new("mutua-ledger.jsonl"), Path::new("out")), "out");
        assert_eq!(location_of(Path::new("/a/b/ledger.jsonl"), Path::new("/a/b/out/2026")), "out/2026");
        assert_eq!(location_of(Path::new("/a/b/ledger.jsonl"), Path::new("/a/b/./x/../out")), "out");
        assert_eq!(location_of(Path::new("/a/b/ledger.jsonl"), Path::new("/a/b")), ".");
        assert_eq!(location_of(Path::new("/a/b/ledger.jsonl"), Path::new("/c/out")), "/c/out");
    }
}
