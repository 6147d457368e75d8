//! The numbering ledger: every issued document, in the order it was issued, so that a number is never reused
//! and an issued document is never changed.
//!
//! [`Ledger`] is the small trait a finance system can implement to plug in its own sequence; [`MemoryLedger`]
//! keeps records in memory (tests, dry runs) and [`FileLedger`] appends them to a file, durably.
//!
//! # The file format
//!
//! One record per line: the record as JSON, a tab, then a check: the SHA-256 (hex) of the previous line's check
//! followed by this line's JSON. The chain makes a hand-edited, reordered or deleted line detectable.
//!
//! # Durability and crashes
//!
//! [`FileLedger::append`] writes one whole line with a single `write` and calls `fsync` before returning, so a
//! record is on disk before the run reports success. A crash can only leave a *torn* last line — one without its
//! final newline. [`FileLedger::open`] detects it, truncates the file back to the last complete line and syncs:
//! the torn record was never acknowledged, so its number was never handed out and is issued again by the next run
//! (no gap, no duplicate). A complete line whose check does not match is not a crash but an edit, and is refused.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use mutua_core::{Amount, PartyId, Semester};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::document::{Document, DocumentKind};

/// One issued document as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerRecord {
    /// Its series (`FAC-MEL-2026`).
    pub series: String,
    /// Its position in the series.
    pub sequence: u64,
    /// Its number (`FAC-MEL-2026-00001`).
    pub number: String,
    /// What it is.
    pub kind: DocumentKind,
    /// Its issuer.
    pub issuer: PartyId,
    /// Its recipient.
    pub recipient: PartyId,
    /// The semester it bills.
    pub semester: Semester,
    /// Its issue date.
    pub issue_date: NaiveDate,
    /// Its total.
    pub total: Amount,
    /// [`Document::fingerprint`]: what it bills, to recognise it on a re-run.
    pub fingerprint: String,
    /// SHA-256 of the rendered file's bytes, lower-case hex.
    pub sha256: String,
    /// The file, relative to the ledger's directory.
    pub file: String,
    /// The output format it was issued in (`facturx`, `pdf`, `cii`): a re-run writes it again in that format.
    #[serde(default)]
    pub format: Option<String>,
    /// The number of the document it cancels, for a credit note or a cancellation.
    pub corrects: Option<String>,
    /// The document itself, so that it can be cancelled line by line later.
    pub document: Document,
}

/// Why the ledger cannot be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// An I/O error on the ledger file.
    #[error("ledger {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A complete line does not match its check: it was edited by hand (or the file was corrupted).
    #[error("ledger {path}:{line}: the record does not match its check: edited by hand or corrupted")]
    Tampered {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
    },
    /// A line is not a record.
    #[error("ledger {path}:{line}: not a ledger record: {message}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// Why.
        message: String,
    },
    /// A record would reuse a number already issued.
    #[error("number {0} is already issued")]
    DuplicateNumber(String),
    /// A record would skip numbers in its series.
    #[error("number {number} would leave a gap in series {series} (next is {expected})")]
    Gap {
        /// The series.
        series: String,
        /// The number refused.
        number: String,
        /// The next sequence of the series.
        expected: u64,
    },
}

/// A place where issued documents are recorded, in issue order. Implement it to plug in a finance system's own
/// sequence; `append` must be durable when it returns.
pub trait Ledger {
    /// Every record, in issue order.
    fn records(&self) -> &[LedgerRecord];

    /// Records a newly issued document. Refuses a number already issued or one that would leave a gap after the
    /// series' last record.
    fn append(&mut self, record: LedgerRecord) -> Result<(), LedgerError>;
}

/// Checks that a record continues its series without a gap or a duplicate.
fn check_continuity(records: &[LedgerRecord], record: &LedgerRecord) -> Result<(), LedgerError> {
    if records.iter().any(|r| r.number == record.number) {
        return Err(LedgerError::DuplicateNumber(record.number.clone()));
    }
    if let Some(last) = records.iter().filter(|r| r.series == record.series).map(|r| r.sequence).max()
        && record.sequence != last + 1
    {
        return Err(LedgerError::Gap {
            series: record.series.clone(),
            number: record.number.clone(),
            expected: last + 1,
        });
    }
    Ok(())
}

/// A ledger in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryLedger {
    records: Vec<LedgerRecord>,
}

impl MemoryLedger {
    /// An empty ledger.
    #[must_use]
    pub fn new() -> MemoryLedger {
        MemoryLedger::default()
    }
}

impl Ledger for MemoryLedger {
    fn records(&self) -> &[LedgerRecord] {
        &self.records
    }

    fn append(&mut self, record: LedgerRecord) -> Result<(), LedgerError> {
        check_continuity(&self.records, &record)?;
        self.records.push(record);
        Ok(())
    }
}

/// The check of a line: SHA-256 of the previous check and this line's JSON.
fn chain(previous: &str, json: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(previous.as_bytes());
    hasher.update(b"\n");
    hasher.update(json.as_bytes());
    hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect()
}

/// What reading a ledger file found.
#[derive(Debug, Default)]
pub struct LedgerContents {
    /// The complete, verified records.
    pub records: Vec<LedgerRecord>,
    /// The length in bytes of the complete lines (where a torn tail starts).
    pub complete_len: u64,
    /// The bytes of a torn last line, if any (a crash during an append).
    pub torn_bytes: u64,
    /// The check of the last complete line.
    last_check: String,
}

/// Reads and verifies a ledger file's bytes.
fn parse(path: &Path, bytes: &[u8]) -> Result<LedgerContents, LedgerError> {
    let mut contents = LedgerContents::default();
    let complete_len = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |index| index + 1);
    contents.complete_len = complete_len as u64;
    contents.torn_bytes = (bytes.len() - complete_len) as u64;
    let text = std::str::from_utf8(&bytes[..complete_len]).map_err(|error| LedgerError::Malformed {
        path: path.to_path_buf(),
        line: bytes[..error.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1,
        message: "not UTF-8".to_owned(),
    })?;
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        let malformed =
            |message: String| LedgerError::Malformed { path: path.to_path_buf(), line: line_number, message };
        let (json, check) =
            line.rsplit_once('\t').ok_or_else(|| malformed("no check after the record".to_owned()))?;
        if chain(&contents.last_check, json) != check {
            return Err(LedgerError::Tampered { path: path.to_path_buf(), line: line_number });
        }
        let record: LedgerRecord =
            serde_json::from_str(json).map_err(|error| malformed(error.to_string()))?;
        contents.records.push(record);
        contents.last_check = check.to_owned();
    }
    Ok(contents)
}

/// A ledger kept in a file, appended to durably.
#[derive(Debug)]
pub struct FileLedger {
    path: PathBuf,
    file: File,
    records: Vec<LedgerRecord>,
    last_check: String,
}

impl FileLedger {
    /// Opens (or creates) a ledger file for appending. A torn last line — a crash during an append — is cut off
    /// and the file synced; the number of bytes removed is returned with the ledger.
    pub fn open(path: &Path) -> Result<(FileLedger, u64), LedgerError> {
        let io = |source| LedgerError::Io { path: path.to_path_buf(), source };
        let created = !path.exists();
        let mut file = OpenOptions::new().read(true).append(true).create(true).open(path).map_err(io)?;
        if created {
            file.sync_all().map_err(io)?;
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                File::open(parent).and_then(|dir| dir.sync_all()).map_err(io)?;
            }
        }
        let mut bytes = Vec::new();
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.read_to_end(&mut bytes).map_err(io)?;
        let contents = parse(path, &bytes)?;
        if contents.torn_bytes > 0 {
            file.set_len(contents.complete_len).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        let torn = contents.torn_bytes;
        Ok((
            FileLedger {
                path: path.to_path_buf(),
                file,
                records: contents.records,
                last_check: contents.last_check,
            },
            torn,
        ))
    }

    /// Reads a ledger file without changing it (for `mutua ledger`): its verified records and the size of a torn
    /// tail, if any.
    pub fn read(path: &Path) -> Result<LedgerContents, LedgerError> {
        let bytes =
            std::fs::read(path).map_err(|source| LedgerError::Io { path: path.to_path_buf(), source })?;
        parse(path, &bytes)
    }

    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Ledger for FileLedger {
    fn records(&self) -> &[LedgerRecord] {
        &self.records
    }

    fn append(&mut self, record: LedgerRecord) -> Result<(), LedgerError> {
        check_continuity(&self.records, &record)?;
        let json = serde_json::to_string(&record).map_err(|error| LedgerError::Malformed {
            path: self.path.clone(),
            line: self.records.len() + 1,
            message: error.to_string(),
        })?;
        let check = chain(&self.last_check, &json);
        let line = format!("{json}\t{check}\n");
        let io = |source| LedgerError::Io { path: self.path.clone(), source };
        // One write of the whole line, then fsync: the record is durable before we acknowledge it.
        self.file.write_all(line.as_bytes()).map_err(io)?;
        self.file.sync_data().map_err(io)?;
        self.records.push(record);
        self.last_check = check;
        Ok(())
    }
}

/// A problem `check` found in a ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerProblem {
    /// Two records with one number.
    Duplicate(String),
    /// Missing numbers in a series (between `after` and `before`).
    Gap {
        /// The series.
        series: String,
        /// The last sequence before the gap.
        after: u64,
        /// The first sequence after it.
        before: u64,
    },
    /// A file whose bytes no longer match the recorded SHA-256.
    Tampered {
        /// The number.
        number: String,
        /// The file.
        file: PathBuf,
    },
    /// A recorded file that is not there (moved, archived or deleted): a warning, not an error.
    Missing {
        /// The number.
        number: String,
        /// The file.
        file: PathBuf,
    },
}

impl LedgerProblem {
    /// Whether the problem is an error (a missing file is only a warning).
    #[must_use]
    pub fn is_error(&self) -> bool {
        !matches!(self, LedgerProblem::Missing { .. })
    }
}

impl std::fmt::Display for LedgerProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LedgerProblem::Duplicate(number) => write!(f, "number {number} is recorded twice"),
            LedgerProblem::Gap { series, after, before } => {
                write!(f, "series {series} jumps from {after} to {before}: numbers are missing")
            }
            LedgerProblem::Tampered { number, file } => {
                write!(
                    f,
                    "{number}: {} no longer matches its recorded SHA-256 (changed after issue)",
                    file.display()
                )
            }
            LedgerProblem::Missing { number, file } => write!(f, "{number}: {} is not there", file.display()),
        }
    }
}

/// Checks records for duplicates and gaps, and every file (relative to `base`) against its recorded SHA-256.
#[must_use]
pub fn check(records: &[LedgerRecord], base: &Path) -> Vec<LedgerProblem> {
    let mut problems = Vec::new();
    let mut numbers = std::collections::BTreeSet::new();
    let mut series: std::collections::BTreeMap<&str, Vec<u64>> = std::collections::BTreeMap::new();
    for record in records {
        if !numbers.insert(record.number.as_str()) {
            problems.push(LedgerProblem::Duplicate(record.number.clone()));
        }
        series.entry(record.series.as_str()).or_default().push(record.sequence);
    }
    for (name, mut sequences) in series {
        sequences.sort_unstable();
        for pair in sequences.windows(2) {
            if pair[1] > pair[0] + 1 {
                problems.push(LedgerProblem::Gap {
                    series: name.to_owned(),
                    after: pair[0],
                    before: pair[1],
                });
            }
        }
    }
    for record in records {
        let file = base.join(&record.file);
        match std::fs::read(&file) {
            Ok(bytes) => {
                let digest: String =
                    Sha256::digest(&bytes).iter().map(|byte| format!("{byte:02x}")).collect();
                if digest != record.sha256 {
                    problems.push(LedgerProblem::Tampered { number: record.number.clone(), file });
                }
            }
            Err(_) => problems.push(LedgerProblem::Missing { number: record.number.clone(), file }),
        }
    }
    problems
}
