//! What the ledger says past semesters billed, for regularisations: the documents in force (not cancelled, not
//! cancelling), line by line, with the titres the finance system issued before mutua (`titres.csv`).
//!
//! A semester with any document in the ledger is covered in full: a convention with no line there billed
//! nothing. A titre for a covered semester is refused (it would count that semester twice).

use std::path::Path;

use mutua_alloc::{Billed, BilledSource, History};
use mutua_core::{Dataset, Problem, Semester, ValidationError};

use crate::file_ledger::{FileLedger, anchor_path};
use crate::issue::IssueError;
use crate::ledger::{LedgerError, LedgerIndex};
use crate::lock::LockWait;
use crate::record::DocumentRecord;

/// The history of a dataset's titres and a ledger's documents. Only the lines of documents in force count (a
/// document cancelled by a credit note or a cancellation, and the cancelling document, are left out); a line
/// carried from an earlier semester counts for the semester it was computed for.
///
/// # Errors
///
/// Every titre of `titres.csv` for a semester the ledger covers, located.
pub fn history(
    dataset: &Dataset,
    records: &[DocumentRecord],
    index: &LedgerIndex,
) -> Result<History, Vec<ValidationError>> {
    let mut history = History::of_titres(dataset);
    for record in records {
        history.cover(record.semester);
    }
    let errors: Vec<ValidationError> = dataset
        .titres
        .iter()
        .filter(|titre| history.covers(titre.semester))
        .map(|titre| ValidationError {
            source: titre.source.clone(),
            field: "semester".to_owned(),
            problem: Problem::OutOfRange(format!(
                "le {} est déjà au registre de mutua, qui dit ce qui a été facturé : retirez ce titre de \
                 titres.csv",
                titre.semester.label_fr()
            )),
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    for record in records.iter().filter(|r| r.corrects.is_none() && !index.is_cancelled(&r.number)) {
        for line in &record.lines {
            let semester = match line.line_kind.as_str() {
                "current" => record.semester,
                kind => match kind.strip_prefix("carried:").and_then(|s| s.parse::<Semester>().ok()) {
                    Some(origin) => origin,
                    None => continue,
                },
            };
            history.push(Billed {
                semester,
                convention: line.convention.clone(),
                component: line.component.clone(),
                payer: line.payer.clone(),
                payee: line.payee.clone(),
                amount: line.amount,
                source: BilledSource::Document(record.number.clone()),
            });
        }
    }
    Ok(history)
}

/// [`history`] of the ledger file at `path`, read under a shared lock without changing it; an absent ledger
/// has no documents.
///
/// # Errors
///
/// The ledger cannot be read or is not whole ([`IssueError::Ledger`]); a titre for a semester it covers
/// ([`IssueError::Check`]).
pub fn ledger_history(dataset: &Dataset, path: &Path, wait: LockWait) -> Result<History, IssueError> {
    // No ledger and no anchor: nothing issued yet, and nothing to lock (reading writes no lock file).
    if !path.exists() && !anchor_path(path).exists() {
        return history(dataset, &[], &LedgerIndex::default()).map_err(IssueError::Check);
    }
    let inspection = FileLedger::inspect(path, wait)?;
    if let Some(problem) = inspection.problems.into_iter().next() {
        return Err(problem.into());
    }
    // A ledger with no problem indexes (its problems include the index's); the line is not known here.
    let index = LedgerIndex::build(&inspection.records).map_err(|(_, problem)| {
        IssueError::Ledger(LedgerError::Corrupt { path: path.to_path_buf(), line: 0, problem })
    })?;
    history(dataset, &inspection.records, &index).map_err(IssueError::Check)
}
