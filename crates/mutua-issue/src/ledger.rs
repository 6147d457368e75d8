//! The numbering ledger: every issued document, in issue order, so that a number stands for one document forever.
//!
//! [`Ledger`] is the trait a finance system implements to keep its own sequence (in its database, say);
//! [`MemoryLedger`] keeps entries in memory and [`crate::FileLedger`] in a durable, locked file. Every
//! implementation holds the same rules, checked by [`LedgerIndex`] before anything is recorded:
//!
//! - a number is the [`Series::number`] of its series and sequence, and is never used twice;
//! - a series is continuous: each new number is the last one + 1 (the first may start anywhere ≥ 1);
//! - issue dates never go back for an issuer (chronological numbering);
//! - a credit note or a cancellation cancels a document in force of the same issuer, recipient and semester;
//! - a document's lines add up to its totals.
//!
//! Documents are committed in groups ([`Ledger::commit`]): a group is issued as a whole or not at all. Each entry
//! is linked to the previous one by a SHA-256 chain; [`LedgerHead`] names a state of the ledger (its number of
//! entries and the check of the last one), so that a copy of it kept elsewhere proves the ledger was not rolled
//! back.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use chrono::{Datelike as _, NaiveDate};
use mutua_core::{Amount, PartyId, Semester};
use mutua_documents::DocumentKind;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::hash::Sha256;
use crate::lock::LockError;
use crate::names::Series;
use crate::record::{CarriedRecord, CommitRecord, DocumentRecord, Entry, Header, LEDGER_SCHEMA};

/// A state of a ledger: how many entries it has (every line: the header, the documents, the commits) and the
/// hash-chain check of the last one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct LedgerHead {
    /// The number of entries.
    pub entries: u64,
    /// The check of the last entry (zeros for an empty ledger).
    pub check: Sha256,
}

/// Why a document cannot be recorded after the ones already there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordProblem {
    /// The number is already used.
    #[error("le numéro {number} est déjà attribué")]
    DuplicateNumber {
        /// The number.
        number: String,
    },
    /// The number would leave a gap in its series.
    #[error("le numéro {number} laisserait un trou dans la série {series} (numéro suivant : {expected})")]
    Gap {
        /// The series.
        series: String,
        /// The number refused.
        number: String,
        /// The sequence expected.
        expected: u64,
    },
    /// The issue date is earlier than the issuer's last one.
    #[error(
        "{number} daté du {issue_date} serait antérieur à {last_number} du {last_date} : la numérotation est \
         chronologique"
    )]
    OutOfOrder {
        /// The number refused.
        number: String,
        /// Its issue date.
        issue_date: NaiveDate,
        /// The issuer's last number.
        last_number: String,
        /// Its issue date.
        last_date: NaiveDate,
    },
    /// A credit note or cancellation that cancels nothing it may cancel.
    #[error("{number} ne peut pas annuler {corrects} : {reason}")]
    BadCorrection {
        /// The credit note or cancellation.
        number: String,
        /// The number it names.
        corrects: String,
        /// Why.
        reason: &'static str,
    },
    /// A record that contradicts itself.
    #[error("{number} : {reason}")]
    Inconsistent {
        /// The number.
        number: String,
        /// What does not hold.
        reason: String,
    },
}

/// Why the ledger cannot be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// An I/O error on a ledger file.
    #[error("registre {path} : {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The ledger or its output is locked by another run.
    #[error(transparent)]
    Busy(#[from] LockError),
    /// A complete line does not match its check: edited by hand or corrupted.
    #[error(
        "registre {path}, ligne {line} : l'enregistrement ne correspond pas à sa somme de contrôle (modifié ou corrompu)"
    )]
    Tampered {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: u64,
    },
    /// A line is not a ledger entry.
    #[error("registre {path}, ligne {line} : {message}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: u64,
        /// Why.
        message: String,
    },
    /// A record breaks the numbering rules: the ledger is not whole.
    #[error("registre {path}, ligne {line} : {problem}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: u64,
        /// What is wrong.
        problem: RecordProblem,
    },
    /// The ledger is in an earlier format, which must be converted before use.
    #[error(
        "registre {path} : ancien format ({schema}) ; convertissez-le d'abord (mutua ledger --migrate), \
         l'original est conservé"
    )]
    NeedsMigration {
        /// The file.
        path: PathBuf,
        /// Its format.
        schema: &'static str,
    },
    /// The ledger is shorter than its anchored head: entries were lost (cut, emptied, restored from an old copy).
    #[error(
        "registre {path} : {found} entrée(s) validée(s) alors que {anchor} en atteste {anchored} : des numéros déjà \
         émis manquent (registre tronqué, vidé ou restauré d'une ancienne copie) ; rien n'est émis. Restaurez le \
         registre complet"
    )]
    RolledBack {
        /// The file.
        path: PathBuf,
        /// Where the anchored head was kept.
        anchor: String,
        /// Entries the anchor knows.
        anchored: u64,
        /// Committed entries found.
        found: u64,
    },
    /// The ledger is missing while its anchor says documents were issued.
    #[error(
        "registre {path} introuvable alors que {anchor} atteste {anchored} entrée(s) : des numéros déjà émis \
         seraient réattribués ; rien n'est émis. Restaurez le registre"
    )]
    Missing {
        /// The file.
        path: PathBuf,
        /// Where the anchored head was kept.
        anchor: String,
        /// Entries the anchor knows.
        anchored: u64,
    },
    /// The ledger has records but no anchor to prove it whole.
    #[error(
        "registre {path} : {records} document(s) mais aucune ancre ({anchor}) pour prouver qu'il est complet ; \
         restaurez l'ancre, ou ré-ancrez le registre après l'avoir vérifié (mutua ledger --reanchor)"
    )]
    Unanchored {
        /// The file.
        path: PathBuf,
        /// The anchor file expected.
        anchor: PathBuf,
        /// Documents recorded.
        records: usize,
    },
    /// A record is refused by the numbering rules.
    #[error(transparent)]
    Refused(#[from] RecordProblem),
    /// A record cannot be written (not expected: records are plain data).
    #[error("enregistrement impossible à écrire : {0}")]
    Encode(String),
}

/// What the index keeps of a recorded number, enough to check what may follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Known {
    position: usize,
    kind: DocumentKind,
    issuer: PartyId,
    recipient: PartyId,
    semester: Semester,
    is_correction: bool,
}

/// The committed documents of a ledger, indexed for the checks and the plan: numbers, series heads, issuers' last
/// dates and cancellations. Checking and appending a record is O(log n), whatever the ledger's length.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerIndex {
    by_number: HashMap<String, Known>,
    series_last: BTreeMap<Series, u64>,
    issuer_last: BTreeMap<PartyId, (String, NaiveDate)>,
    cancelled_by: HashMap<String, usize>,
    len: usize,
}

fn inconsistent(record: &DocumentRecord, reason: impl Into<String>) -> RecordProblem {
    RecordProblem::Inconsistent { number: record.number.clone(), reason: reason.into() }
}

fn check_totals(record: &DocumentRecord) -> Result<(), RecordProblem> {
    let lines = Amount::checked_sum(record.lines.iter().map(|line| line.amount))
        .map_err(|error| inconsistent(record, error.to_string()))?;
    if lines != record.total_net {
        return Err(inconsistent(record, format!("lignes {lines} ≠ total hors taxes {}", record.total_net)));
    }
    let total = record
        .total_net
        .checked_add(record.total_vat)
        .map_err(|error| inconsistent(record, error.to_string()))?;
    if total != record.total {
        return Err(inconsistent(record, format!("hors taxes + TVA {total} ≠ total {}", record.total)));
    }
    Ok(())
}

impl LedgerIndex {
    /// Indexes `records`, checking each against the ones before it; a refusal gives the record's position.
    pub fn build(records: &[DocumentRecord]) -> Result<LedgerIndex, (usize, RecordProblem)> {
        let mut index = LedgerIndex::default();
        for (position, record) in records.iter().enumerate() {
            index.push(record).map_err(|problem| (position, problem))?;
        }
        Ok(index)
    }

    /// Checks that `record` may follow the records indexed so far.
    pub fn check(&self, record: &DocumentRecord) -> Result<(), RecordProblem> {
        let series = &record.series;
        if series.kind != record.kind
            || series.issuer != record.issuer
            || series.year != record.issue_date.year()
        {
            return Err(inconsistent(record, format!("la série {series} ne correspond pas au document")));
        }
        if record.sequence == 0 || record.number != series.number(record.sequence) {
            return Err(inconsistent(record, format!("numéro incohérent avec la série {series}")));
        }
        if self.by_number.contains_key(&record.number) {
            return Err(RecordProblem::DuplicateNumber { number: record.number.clone() });
        }
        if let Some(&last) = self.series_last.get(series)
            && record.sequence != last + 1
        {
            return Err(RecordProblem::Gap {
                series: series.to_string(),
                number: record.number.clone(),
                expected: last + 1,
            });
        }
        if let Some((last_number, last_date)) = self.issuer_last.get(&record.issuer)
            && record.issue_date < *last_date
        {
            return Err(RecordProblem::OutOfOrder {
                number: record.number.clone(),
                issue_date: record.issue_date,
                last_number: last_number.clone(),
                last_date: *last_date,
            });
        }
        check_totals(record)?;
        self.check_correction(record)
    }

    fn check_correction(&self, record: &DocumentRecord) -> Result<(), RecordProblem> {
        let Some(corrects) = &record.corrects else {
            if record.kind == DocumentKind::Cancellation {
                return Err(inconsistent(record, "un avis d'annulation doit désigner le document annulé"));
            }
            return Ok(());
        };
        let refuse = |reason| RecordProblem::BadCorrection {
            number: record.number.clone(),
            corrects: corrects.clone(),
            reason,
        };
        let cancelled =
            self.by_number.get(corrects).ok_or_else(|| refuse("ce numéro n'est pas au registre"))?;
        if cancelled.is_correction {
            return Err(refuse("il annule lui-même un document"));
        }
        if self.cancelled_by.contains_key(corrects) {
            return Err(refuse("il est déjà annulé"));
        }
        if (&cancelled.issuer, &cancelled.recipient, cancelled.semester)
            != (&record.issuer, &record.recipient, record.semester)
        {
            return Err(refuse("émetteur, destinataire ou semestre différents"));
        }
        let expected = if cancelled.kind == DocumentKind::Invoice {
            DocumentKind::CreditNote
        } else {
            DocumentKind::Cancellation
        };
        if record.kind != expected {
            return Err(refuse(
                "une facture s'annule par un avoir, tout autre document par un avis d'annulation",
            ));
        }
        Ok(())
    }

    /// Checks `record` and adds it after the records indexed so far.
    pub fn push(&mut self, record: &DocumentRecord) -> Result<(), RecordProblem> {
        self.check(record)?;
        self.insert(record);
        Ok(())
    }

    /// Checks and adds a group of records, each after the ones before it: all of them, or (on a refusal) none.
    /// Returns what to hand to [`LedgerIndex::undo`] if the group is not committed after all: the index is
    /// changed in place, in time proportional to the group, not to the ledger.
    pub(crate) fn push_group(&mut self, group: &[DocumentRecord]) -> Result<IndexUndo, RecordProblem> {
        let mut undo = IndexUndo { len: self.len, ..IndexUndo::default() };
        for record in group {
            if let Err(problem) = self.check(record) {
                self.undo(undo);
                return Err(problem);
            }
            undo.numbers.push(record.number.clone());
            undo.series.push((record.series.clone(), self.series_last.get(&record.series).copied()));
            undo.issuers.push((record.issuer.clone(), self.issuer_last.get(&record.issuer).cloned()));
            if let Some(corrects) = &record.corrects {
                undo.cancelled.push(corrects.clone());
            }
            self.insert(record);
        }
        Ok(undo)
    }

    /// Takes back a group added by [`LedgerIndex::push_group`] (the last change to the index).
    pub(crate) fn undo(&mut self, undo: IndexUndo) {
        for number in &undo.numbers {
            self.by_number.remove(number);
        }
        for corrects in &undo.cancelled {
            self.cancelled_by.remove(corrects);
        }
        // Latest first, so that each key ends with the value it had before the group.
        for (series, before) in undo.series.into_iter().rev() {
            match before {
                Some(sequence) => self.series_last.insert(series, sequence),
                None => self.series_last.remove(&series),
            };
        }
        for (issuer, before) in undo.issuers.into_iter().rev() {
            match before {
                Some(last) => self.issuer_last.insert(issuer, last),
                None => self.issuer_last.remove(&issuer),
            };
        }
        self.len = undo.len;
    }

    /// Adds a checked record.
    fn insert(&mut self, record: &DocumentRecord) {
        let position = self.len;
        self.by_number.insert(
            record.number.clone(),
            Known {
                position,
                kind: record.kind,
                issuer: record.issuer.clone(),
                recipient: record.recipient.clone(),
                semester: record.semester,
                is_correction: record.corrects.is_some(),
            },
        );
        self.series_last.insert(record.series.clone(), record.sequence);
        self.issuer_last.insert(record.issuer.clone(), (record.number.clone(), record.issue_date));
        if let Some(corrects) = &record.corrects {
            self.cancelled_by.insert(corrects.clone(), position);
        }
        self.len += 1;
    }

    /// The position of a number in the records.
    #[must_use]
    pub fn position(&self, number: &str) -> Option<usize> {
        self.by_number.get(number).map(|known| known.position)
    }

    /// The last sequence of a series, if it has records.
    #[must_use]
    pub fn last_sequence(&self, series: &Series) -> Option<u64> {
        self.series_last.get(series).copied()
    }

    /// The issuer's last issued number and its date.
    #[must_use]
    pub fn last_of_issuer(&self, issuer: &PartyId) -> Option<(&str, NaiveDate)> {
        self.issuer_last.get(issuer).map(|(number, date)| (number.as_str(), *date))
    }

    /// Whether a number has been cancelled (by a credit note or a cancellation).
    #[must_use]
    pub fn is_cancelled(&self, number: &str) -> bool {
        self.cancelled_by.contains_key(number)
    }

    /// Whether a number is recorded.
    #[must_use]
    pub fn contains(&self, number: &str) -> bool {
        self.by_number.contains_key(number)
    }

    /// How many records are indexed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no record is indexed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The hash chain over a ledger's entries: `check(n) = SHA-256(check(n − 1) ‖ "\n" ‖ entry n)`, from zeros.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chain {
    checks: Vec<Sha256>,
}

impl Chain {
    /// The check the next entry chains from.
    #[must_use]
    pub fn last(&self) -> Sha256 {
        self.checks.last().copied().unwrap_or_default()
    }

    /// Adds an entry's bytes; returns its check.
    pub fn push(&mut self, entry: &[u8]) -> Sha256 {
        let check = Sha256::chain(&self.last(), entry);
        self.checks.push(check);
        check
    }

    /// The number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.checks.len()
    }

    /// Whether the chain has no entry (not even a header).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }

    /// Adds an entry whose check is already known (verified by the caller).
    pub fn push_check(&mut self, check: Sha256) {
        self.checks.push(check);
    }

    /// The head: number of entries and last check.
    #[must_use]
    pub fn head(&self) -> LedgerHead {
        LedgerHead { entries: self.checks.len() as u64, check: self.last() }
    }

    /// Whether `head` is this chain or one of its earlier states.
    #[must_use]
    pub fn contains(&self, head: &LedgerHead) -> bool {
        match head.entries {
            0 => head.check == Sha256::default(),
            entries => usize::try_from(entries - 1)
                .ok()
                .and_then(|index| self.checks.get(index))
                .is_some_and(|check| *check == head.check),
        }
    }

    /// The head after the first `entries` entries, if the chain has that many.
    #[must_use]
    pub fn head_at(&self, entries: u64) -> Option<LedgerHead> {
        match entries {
            0 => Some(LedgerHead { entries: 0, check: Sha256::default() }),
            n => usize::try_from(n - 1)
                .ok()
                .and_then(|index| self.checks.get(index))
                .map(|check| LedgerHead { entries: n, check: *check }),
        }
    }

    /// Keeps the first `entries` entries.
    pub fn truncate(&mut self, entries: usize) {
        self.checks.truncate(entries);
    }
}

/// What a run commits with its documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    /// The semester issued.
    pub semester: Semester,
    /// The run's issue date.
    pub issue_date: NaiveDate,
    /// What the run carried to the next semester.
    pub carried: Vec<CarriedRecord>,
}

/// A place where issued documents are recorded, in issue order.
///
/// Implement it to keep the sequence in a finance system. [`Ledger::commit`] must be atomic (every record of the
/// group, or none) and durable when it returns; it must refuse what [`LedgerIndex::check`] refuses. A ledger is
/// used by one writer at a time: hold a lock (or a transaction) from before [`Ledger::records`] is read for the
/// plan until the last commit.
pub trait Ledger {
    /// The committed documents, in issue order.
    fn records(&self) -> &[DocumentRecord];

    /// The commits, in order (each closes the documents before it; one may close none, recording only what its
    /// run carried).
    fn commits(&self) -> &[CommitRecord];

    /// The index of [`Ledger::records`].
    fn index(&self) -> &LedgerIndex;

    /// The current head.
    fn head(&self) -> LedgerHead;

    /// Whether `head` is the current head or an earlier state of this ledger.
    fn contains(&self, head: &LedgerHead) -> bool;

    /// Records a group of documents, as a whole. Returns the new head.
    fn commit(&mut self, records: Vec<DocumentRecord>, info: CommitInfo) -> Result<LedgerHead, LedgerError>;

    /// Keeps a copy of the head outside the ledger (a file ledger's anchor file), after a commit. A failure here
    /// leaves the documents issued.
    fn anchor(&mut self) -> Result<(), LedgerError> {
        Ok(())
    }
}

/// Serialises an entry as one line of JSON (without the check or the newline).
pub(crate) fn entry_json(entry: &Entry) -> Result<String, LedgerError> {
    serde_json::to_string(entry).map_err(|error| LedgerError::Encode(error.to_string()))
}

/// What [`LedgerIndex::push_group`] changed: the numbers added, the series heads and issuers' last documents as
/// they were before, the numbers the group cancels, the length before.
#[derive(Debug, Default)]
pub(crate) struct IndexUndo {
    len: usize,
    numbers: Vec<String>,
    series: Vec<(Series, Option<u64>)>,
    issuers: Vec<(PartyId, Option<(String, NaiveDate)>)>,
    cancelled: Vec<String>,
}

/// Serialises a group of records and its commit (the documents in parallel), then checks the records against
/// the ledger's index and adds them to it; returns the entries to write with what undoes the index if they are
/// not written. Nothing changes unless every record is accepted.
pub(crate) fn prepare_commit(
    index: &mut LedgerIndex,
    group: &[DocumentRecord],
    info: CommitInfo,
) -> Result<(IndexUndo, Vec<String>, CommitRecord), LedgerError> {
    let mut lines: Vec<String> = group
        .par_iter()
        .map(|record| entry_json(&Entry::Document(Box::new(record.clone()))))
        .collect::<Result<_, _>>()?;
    let commit = CommitRecord {
        documents: group.len() as u64,
        semester: info.semester,
        issue_date: info.issue_date,
        carried: Some(info.carried),
    };
    lines.push(entry_json(&Entry::Commit(commit.clone()))?);
    let undo = index.push_group(group)?;
    Ok((undo, lines, commit))
}

/// The header entry of a new ledger.
pub(crate) fn header_json() -> Result<String, LedgerError> {
    entry_json(&Entry::Header(Header { schema: LEDGER_SCHEMA.to_owned(), migrated_from: None }))
}

/// A ledger in memory, with the same rules and chain as the file ledger (tests, embedders, dry runs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryLedger {
    records: Vec<DocumentRecord>,
    commits: Vec<CommitRecord>,
    index: LedgerIndex,
    chain: Chain,
}

impl MemoryLedger {
    /// An empty ledger: its header entry only.
    #[must_use]
    pub fn new() -> MemoryLedger {
        let mut chain = Chain::default();
        // The header is plain data: serialising it cannot fail.
        chain.push(header_json().unwrap_or_default().as_bytes());
        MemoryLedger { records: Vec::new(), commits: Vec::new(), index: LedgerIndex::default(), chain }
    }
}

impl Default for MemoryLedger {
    fn default() -> MemoryLedger {
        MemoryLedger::new()
    }
}

impl Ledger for MemoryLedger {
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
        let (_, lines, commit) = prepare_commit(&mut self.index, &records, info)?;
        for line in &lines {
            self.chain.push(line.as_bytes());
        }
        self.records.extend(records);
        self.commits.push(commit);
        Ok(self.chain.head())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use super::*;
    use crate::{IssueOptions, MemorySink, NoProgress, OutputFormat, issue};

    /// The records of the bundled batch, issued into memory.
    fn bundled_records() -> Vec<DocumentRecord> {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/mel");
        let dataset = mutua_dataset::load(&fixtures).expect("the bundled dataset loads");
        let options = IssueOptions {
            semester: dataset.meta.current_semester,
            issue_date: NaiveDate::from_ymd_opt(2026, 7, 15).expect("a date"),
            format: OutputFormat::Pdf,
            series_start: BTreeMap::new(),
            chunk: 64,
        };
        let mut ledger = MemoryLedger::new();
        issue(&dataset, &options, &mut ledger, &mut MemorySink::new(), &NoProgress).expect("issued");
        ledger.records().to_vec()
    }

    #[test]
    fn a_group_is_indexed_whole_or_not_at_all_and_undone_exactly() {
        let records = bundled_records();
        assert!(records.len() > 100);
        for split in [0, 1, records.len() / 2, records.len() - 1, records.len()] {
            let (before, group) = records.split_at(split);
            let start = LedgerIndex::build(before).expect("a valid prefix");
            let mut index = start.clone();
            let undo = index.push_group(group).expect("the rest follows");
            assert_eq!(index, LedgerIndex::build(&records).expect("valid"), "split {split}");
            index.undo(undo);
            assert_eq!(index, start, "split {split}: undone");
        }
        // A group whose last record repeats an earlier number is refused, and the index is as it was.
        let (before, group) = records.split_at(records.len() / 2);
        let start = LedgerIndex::build(before).expect("a valid prefix");
        let mut index = start.clone();
        let mut refused = group.to_vec();
        refused.push(group[0].clone());
        assert!(index.push_group(&refused).is_err());
        assert_eq!(index, start);
    }
}
