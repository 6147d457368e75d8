//! The ledger in a file: locked, hash-chained, committed in groups, anchored outside itself.
//!
//! # Files
//!
//! - `mutua-ledger.jsonl`, the ledger: one entry per line, `JSON ⇥ CHECK`, where `CHECK` is
//!   `SHA-256(previous CHECK ‖ "\n" ‖ JSON)` in hex (the first chains from 64 zeros). Line 1 is the header; then
//!   document entries, each group closed by a commit entry.
//! - `mutua-ledger.jsonl.head`, the anchor: the committed head (entries and last check), replaced atomically
//!   after each commit. A ledger shorter than its anchor has lost issued numbers and is refused.
//! - `mutua-ledger.jsonl.lock`, the lock file: held exclusively by the one run that may write.
//!
//! # Crashes
//!
//! A commit is one `write` of all its lines followed by `fsync`. A crash during it leaves complete document lines
//! without their commit, or a torn last line: neither was acknowledged, so [`FileLedger::open`] cuts them off —
//! only once it has checked that the anchor does not know them — and their numbers are issued again. A complete
//! line whose check does not match is an edit, not a crash, and is refused.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fault::{self, FaultKind, Step};
use crate::fsx;
use crate::hash::Sha256;
use crate::ledger::{
    Chain, CommitInfo, Ledger, LedgerError, LedgerHead, LedgerIndex, header_json, prepare_commit,
};
use crate::lock::{LockGuard, LockWait, lock_exclusive, lock_shared};
use crate::record::{CommitRecord, DocumentRecord, Entry, LEDGER_SCHEMA};

/// The schema of the anchor file.
pub const ANCHOR_SCHEMA: &str = "mutua-ledger-head/1";

/// The anchor file of a ledger: `<ledger>.head`.
#[must_use]
pub fn anchor_path(ledger: &Path) -> PathBuf {
    sibling(ledger, ".head")
}

/// The lock file of a ledger: `<ledger>.lock`.
#[must_use]
pub fn lock_path(ledger: &Path) -> PathBuf {
    sibling(ledger, ".lock")
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnchorFile {
    schema: String,
    entries: u64,
    check: Sha256,
}

pub(crate) fn read_anchor(path: &Path) -> Result<Option<LedgerHead>, LedgerError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(LedgerError::Io { path: path.to_path_buf(), source }),
    };
    let anchor: AnchorFile = serde_json::from_slice(&bytes).map_err(|error| LedgerError::Malformed {
        path: path.to_path_buf(),
        line: 1,
        message: format!("ancre illisible : {error}"),
    })?;
    if anchor.schema != ANCHOR_SCHEMA {
        return Err(LedgerError::Malformed {
            path: path.to_path_buf(),
            line: 1,
            message: format!("ancre de format inconnu « {} »", anchor.schema),
        });
    }
    Ok(Some(LedgerHead { entries: anchor.entries, check: anchor.check }))
}

/// Replaces the anchor file atomically (temporary file, sync, rename, directory sync).
pub(crate) fn write_anchor(ledger: &Path, head: &LedgerHead) -> Result<(), LedgerError> {
    let path = anchor_path(ledger);
    let anchor = AnchorFile { schema: ANCHOR_SCHEMA.to_owned(), entries: head.entries, check: head.check };
    let mut bytes = serde_json::to_vec(&anchor).map_err(|error| LedgerError::Encode(error.to_string()))?;
    bytes.push(b'\n');
    fsx::replace(&path, &bytes).map_err(|source| LedgerError::Io { path, source })
}

/// What reading a ledger file found, before any decision.
#[derive(Debug, Default)]
struct Parsed {
    /// Whether the file has a header.
    has_header: bool,
    /// Committed document records, with their 1-based line.
    records: Vec<DocumentRecord>,
    lines: Vec<u64>,
    /// The commits.
    commits: Vec<CommitRecord>,
    /// The chain over the committed entries.
    chain: Chain,
    /// The byte length of the committed entries.
    committed_len: u64,
    /// Complete document lines after the last commit: a group that was being written.
    uncommitted: Vec<String>,
    /// Bytes of a torn last line.
    torn_bytes: u64,
}

fn malformed(path: &Path, line: u64, message: impl Into<String>) -> LedgerError {
    LedgerError::Malformed { path: path.to_path_buf(), line, message: message.into() }
}

/// Whether a JSON line is a record of the first ledger format (a bare record with a `series` and no `type`).
fn is_first_format(json: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .is_some_and(|value| value.get("type").is_none() && value.get("series").is_some())
}

fn parse(path: &Path, bytes: &[u8]) -> Result<Parsed, LedgerError> {
    let mut parsed = Parsed::default();
    let complete_len = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |index| index + 1);
    parsed.torn_bytes = (bytes.len() - complete_len) as u64;
    let mut chain = Chain::default();
    let mut group: Vec<(DocumentRecord, u64)> = Vec::new();
    let mut offset = 0usize;
    for (index, raw) in bytes[..complete_len].split_inclusive(|&b| b == b'\n').enumerate() {
        let line = index as u64 + 1;
        offset += raw.len();
        let text =
            std::str::from_utf8(&raw[..raw.len() - 1]).map_err(|_| malformed(path, line, "pas en UTF-8"))?;
        let (json, check) =
            text.rsplit_once('\t').ok_or_else(|| malformed(path, line, "pas de somme de contrôle"))?;
        if line == 1 && is_first_format(json) {
            return Err(LedgerError::NeedsMigration {
                path: path.to_path_buf(),
                schema: crate::record::V1_SCHEMA,
            });
        }
        let check: Sha256 =
            check.parse().map_err(|_| LedgerError::Tampered { path: path.to_path_buf(), line })?;
        if Sha256::chain(&chain.last(), json.as_bytes()) != check {
            return Err(LedgerError::Tampered { path: path.to_path_buf(), line });
        }
        chain.push_check(check);
        let entry: Entry =
            serde_json::from_str(json).map_err(|error| malformed(path, line, error.to_string()))?;
        match entry {
            Entry::Header(header) if line == 1 => {
                if header.schema == crate::record::V2_SCHEMA {
                    return Err(LedgerError::NeedsMigration {
                        path: path.to_path_buf(),
                        schema: crate::record::V2_SCHEMA,
                    });
                }
                if header.schema != LEDGER_SCHEMA {
                    return Err(malformed(path, line, format!("format « {} » inconnu", header.schema)));
                }
                parsed.has_header = true;
                parsed.chain = chain.clone();
                parsed.committed_len = offset as u64;
            }
            _ if line == 1 => {
                return Err(malformed(path, line, "la première ligne n'est pas l'en-tête du registre"));
            }
            Entry::Header(_) => return Err(malformed(path, line, "un second en-tête")),
            Entry::Document(record) => group.push((*record, line)),
            Entry::Commit(commit) => {
                if commit.documents != group.len() as u64 {
                    return Err(malformed(
                        path,
                        line,
                        format!("validation de {} document(s) après {}", commit.documents, group.len()),
                    ));
                }
                for (record, record_line) in group.drain(..) {
                    parsed.records.push(record);
                    parsed.lines.push(record_line);
                }
                parsed.commits.push(commit);
                parsed.chain = chain.clone();
                parsed.committed_len = offset as u64;
            }
        }
    }
    parsed.uncommitted = group.into_iter().map(|(record, _)| record.number).collect();
    Ok(parsed)
}

fn read_ledger(path: &Path) -> Result<Option<Vec<u8>>, LedgerError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(LedgerError::Io { path: path.to_path_buf(), source }),
    }
}

fn index_of(path: &Path, parsed: &Parsed) -> Result<LedgerIndex, LedgerError> {
    LedgerIndex::build(&parsed.records).map_err(|(position, problem)| LedgerError::Corrupt {
        path: path.to_path_buf(),
        line: parsed.lines.get(position).copied().unwrap_or(0),
        problem,
    })
}

/// Checks the committed head against the anchor. `exists`: whether the ledger file exists.
fn check_anchor(
    path: &Path,
    exists: bool,
    parsed: &Parsed,
    anchor: Option<LedgerHead>,
) -> Result<(), LedgerError> {
    let anchor_name = || anchor_path(path).display().to_string();
    match anchor {
        // An anchor of the header alone: nothing was ever issued, a missing ledger loses nothing.
        Some(head) if head.entries <= 1 && parsed.records.is_empty() => Ok(()),
        Some(head) if !exists => Err(LedgerError::Missing {
            path: path.to_path_buf(),
            anchor: anchor_name(),
            anchored: head.entries,
        }),
        Some(head) if !parsed.chain.contains(&head) => Err(LedgerError::RolledBack {
            path: path.to_path_buf(),
            anchor: anchor_name(),
            anchored: head.entries,
            found: parsed.chain.head().entries,
        }),
        Some(_) => Ok(()),
        None if parsed.records.is_empty() => Ok(()),
        None => Err(LedgerError::Unanchored {
            path: path.to_path_buf(),
            anchor: anchor_path(path),
            records: parsed.records.len(),
        }),
    }
}

/// What opening a ledger repaired.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repairs {
    /// There was no ledger yet (or an empty one): it is written with the first commit.
    pub fresh: bool,
    /// Bytes of a torn last line cut off (an interrupted commit).
    pub torn_bytes: u64,
    /// Numbers of an interrupted commit cut off: never issued, they are issued again.
    pub uncommitted: Vec<String>,
    /// The anchor was behind the ledger (a run interrupted after its commit) and was brought up to date.
    pub anchor_advanced: bool,
}

impl Repairs {
    /// Whether anything was repaired (other than creating a new ledger).
    #[must_use]
    pub fn any(&self) -> bool {
        self.torn_bytes > 0 || !self.uncommitted.is_empty() || self.anchor_advanced
    }
}

/// A ledger kept in a file, locked for its lifetime.
#[derive(Debug)]
pub struct FileLedger {
    path: PathBuf,
    /// The ledger file, once it exists.
    file: Option<File>,
    /// The header line of a ledger not written yet: it goes with the first commit.
    pending_header: Option<String>,
    records: Vec<DocumentRecord>,
    commits: Vec<CommitRecord>,
    index: LedgerIndex,
    chain: Chain,
    len: u64,
    anchored: LedgerHead,
    _lock: LockGuard,
}

impl FileLedger {
    /// Opens (or creates) a ledger for writing: takes its lock (`holder` describes the caller to a run it refuses),
    /// checks every line, its numbering and its anchor, then repairs what an interrupted run left (a torn line,
    /// an uncommitted group, an anchor behind). Nothing is changed unless every check passes.
    pub fn open(path: &Path, holder: &str, wait: LockWait) -> Result<(FileLedger, Repairs), LedgerError> {
        let io = |source| LedgerError::Io { path: path.to_path_buf(), source };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
            && !parent.is_dir()
        {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("le dossier {} n'existe pas", parent.display()),
            )));
        }
        let lock = lock_exclusive(&lock_path(path), holder, wait)?;
        fault::hit(Step::Locked).map_err(io)?;
        let anchor = read_anchor(&anchor_path(path))?;
        let bytes = read_ledger(path)?;
        let exists = bytes.is_some();
        let parsed = parse(path, bytes.as_deref().unwrap_or_default())?;
        check_anchor(path, exists, &parsed, anchor)?;
        let index = index_of(path, &parsed)?;
        // Every check passed: repair.
        let mut repairs = Repairs {
            torn_bytes: parsed.torn_bytes,
            uncommitted: parsed.uncommitted.clone(),
            ..Repairs::default()
        };
        let mut chain = parsed.chain;
        let len = parsed.committed_len;
        let actual_len = bytes.as_ref().map_or(0, |b| b.len() as u64);
        let file = if bytes.is_some() {
            let file = OpenOptions::new().read(true).append(true).open(path).map_err(io)?;
            if actual_len != len {
                file.set_len(len).map_err(io)?;
                file.sync_all().map_err(io)?;
            }
            Some(file)
        } else {
            None
        };
        // A new ledger is written with its first commit: a run that issues nothing leaves no ledger behind.
        let pending_header = if parsed.has_header {
            None
        } else {
            let header = header_json()?;
            let check = chain.push(header.as_bytes());
            repairs.fresh = true;
            Some(format!("{header}\t{check}\n"))
        };
        let head = chain.head();
        let anchored = match anchor {
            // Nothing on disk yet: the anchor is written after the first commit.
            _ if repairs.fresh => anchor.unwrap_or_default(),
            Some(anchored) if anchored == head => anchored,
            previous => {
                repairs.anchor_advanced = previous.is_some();
                write_anchor(path, &head)?;
                head
            }
        };
        let ledger = FileLedger {
            path: path.to_path_buf(),
            file,
            pending_header,
            records: parsed.records,
            commits: parsed.commits,
            index,
            chain,
            len,
            anchored,
            _lock: lock,
        };
        Ok((ledger, repairs))
    }

    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The head last written to the anchor file.
    #[must_use]
    pub fn anchored(&self) -> LedgerHead {
        self.anchored
    }

    /// Writes the anchor from the ledger as it is, for a ledger whose anchor was lost (`mutua ledger --reanchor`):
    /// an act of trust, to do only once the ledger is known to be whole. Returns the head anchored.
    pub fn reanchor(path: &Path, holder: &str, wait: LockWait) -> Result<LedgerHead, LedgerError> {
        let _lock = lock_exclusive(&lock_path(path), holder, wait)?;
        let bytes = read_ledger(path)?.unwrap_or_default();
        let parsed = parse(path, &bytes)?;
        if !parsed.has_header {
            return Err(malformed(path, 1, "registre vide ou absent : rien à ancrer"));
        }
        index_of(path, &parsed)?;
        let head = parsed.chain.head();
        write_anchor(path, &head)?;
        Ok(head)
    }

    /// Reads a ledger without changing it, under a shared lock, for `mutua ledger`.
    pub fn inspect(path: &Path, wait: LockWait) -> Result<Inspection, LedgerError> {
        let _lock = lock_shared(&lock_path(path), wait)?;
        let anchor = read_anchor(&anchor_path(path))?;
        let bytes = read_ledger(path)?;
        let exists = bytes.is_some();
        let mut parsed = parse(path, bytes.as_deref().unwrap_or_default())?;
        let anchor_problem = check_anchor(path, exists, &parsed, anchor).err();
        let index_problem = index_of(path, &parsed).err();
        if !parsed.has_header {
            // As `open` sees it: a ledger about to be written, its header first.
            parsed.chain.push(header_json()?.as_bytes());
        }
        Ok(Inspection {
            exists,
            head: parsed.chain.head(),
            chain: parsed.chain,
            anchor,
            records: parsed.records,
            commits: parsed.commits,
            torn_bytes: parsed.torn_bytes,
            uncommitted: parsed.uncommitted,
            problems: anchor_problem.into_iter().chain(index_problem).collect(),
        })
    }
}

/// What [`FileLedger::inspect`] found.
#[derive(Debug)]
pub struct Inspection {
    /// Whether the ledger file exists.
    pub exists: bool,
    /// The committed head.
    pub head: LedgerHead,
    /// The anchor, if there is one.
    pub anchor: Option<LedgerHead>,
    /// The committed documents.
    pub records: Vec<DocumentRecord>,
    /// The commits.
    pub commits: Vec<CommitRecord>,
    /// Bytes of a torn last line (an interrupted commit: harmless, cut by the next run).
    pub torn_bytes: u64,
    /// Numbers of an uncommitted group (an interrupted commit: harmless, cut by the next run).
    pub uncommitted: Vec<String>,
    /// What makes the ledger unusable: rolled back, unanchored, a gap or a duplicate.
    pub problems: Vec<LedgerError>,
    chain: Chain,
}

impl Inspection {
    /// Whether `head` is the ledger's committed head or an earlier state of it.
    #[must_use]
    pub fn contains(&self, head: &LedgerHead) -> bool {
        self.chain.contains(head)
    }
}

impl Ledger for FileLedger {
    fn records(&self) -> &[DocumentRecord] {
        &self.records
    }

    fn commits(&self) -> &[CommitRecord] {
        &self.commits
    }

    fn index(&self) -> &LedgerIndex {
        &self.index
    }

    fn head(&self) -> LedgerHead {
        self.chain.head()
    }

    fn contains(&self, head: &LedgerHead) -> bool {
        self.chain.contains(head)
    }

    fn commit(&mut self, records: Vec<DocumentRecord>, info: CommitInfo) -> Result<LedgerHead, LedgerError> {
        let (undo, lines, commit) = prepare_commit(&mut self.index, &records, info)?;
        if self.pending_header.is_some() {
            // A new ledger is anchored at its header before its first commit: a run killed between that commit
            // and its anchor then leaves an anchor behind (repaired on the next open), never a ledger without one.
            if let Err(error) = write_anchor(&self.path, &self.chain.head()) {
                self.index.undo(undo);
                return Err(error);
            }
        }
        // The chain grows in place and is cut back if the write fails (no copy of the whole chain per commit).
        let chain_len = self.chain.len();
        let header = self.pending_header.as_deref().unwrap_or_default();
        let mut buffer =
            String::with_capacity(header.len() + lines.iter().map(|l| l.len() + 66).sum::<usize>());
        buffer.push_str(header);
        for line in &lines {
            let check = self.chain.push(line.as_bytes());
            buffer.push_str(line);
            buffer.push('\t');
            buffer.push_str(&check.to_string());
            buffer.push('\n');
        }
        let written = self.write_commit(buffer.as_bytes());
        if let Err(source) = written {
            // Take the partial tail back so that this process's view and the file agree; were this to fail too,
            // the next open would cut the uncommitted tail anyway.
            if let Some(file) = &self.file {
                let _ = file.set_len(self.len).and_then(|()| file.sync_all());
            }
            self.index.undo(undo);
            self.chain.truncate(chain_len);
            return Err(LedgerError::Io { path: self.path.clone(), source });
        }
        self.len += buffer.len() as u64;
        self.pending_header = None;
        self.records.extend(records);
        self.commits.push(commit);
        Ok(self.chain.head())
    }

    fn anchor(&mut self) -> Result<(), LedgerError> {
        fault::hit(Step::Anchor)
            .map_err(|source| LedgerError::Io { path: anchor_path(&self.path), source })?;
        let head = self.chain.head();
        write_anchor(&self.path, &head)?;
        self.anchored = head;
        Ok(())
    }
}

impl FileLedger {
    /// One write of the whole group, then `fsync`: the commit point. A new ledger's file is created here.
    fn write_commit(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let created = self.file.is_none();
        if created {
            self.file = Some(OpenOptions::new().read(true).append(true).create_new(true).open(&self.path)?);
        }
        let Some(file) = self.file.as_mut() else {
            return Err(std::io::Error::other("registre non ouvert"));
        };
        match fault::due(Step::LedgerWrite) {
            Some(FaultKind::Error) => return Err(fault::injected(Step::LedgerWrite)),
            Some(FaultKind::Abort) => {
                // A kill in the middle of the write: half of it reaches the file.
                file.write_all(&bytes[..bytes.len() / 2])?;
                file.sync_all()?;
                std::process::abort();
            }
            None => {}
        }
        file.write_all(bytes)?;
        fault::hit(Step::LedgerSync)?;
        file.sync_data()?;
        if created {
            fsx::sync_parent(&self.path)?;
        }
        Ok(())
    }
}
