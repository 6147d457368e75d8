//! What the ledger says past semesters billed and carried, for the run of a semester: the documents in force (not
//! cancelled, not cancelling) of earlier semesters, line by line, with the titres the finance system issued
//! before mutua (`titres.csv`), and what the last run of the semester before carried into this one.
//!
//! A semester with a commit (or a document) in the ledger is covered in full: a convention with no line there
//! billed nothing. A titre for a covered semester is refused (it would count that semester twice), and so is a
//! `carried.csv` row for a semester whose carried amounts the ledger records (they would be billed twice).

use std::path::Path;

use mutua_alloc::{Billed, BilledSource, History};
use mutua_core::{Dataset, Problem, Semester, ValidationError};

use crate::file_ledger::{FileLedger, anchor_path};
use crate::issue::IssueError;
use crate::ledger::{LedgerError, LedgerIndex};
use crate::lock::LockWait;
use crate::record::{CarriedRecord, CommitRecord, DocumentRecord};

/// What the last commit of `semester` that records it says its run carried to the next semester, or `None` when
/// no commit of the semester records it.
#[must_use]
pub fn carried_by(commits: &[CommitRecord], semester: Semester) -> Option<&[CarriedRecord]> {
    commits.iter().rev().filter(|c| c.semester == semester).find_map(|c| c.carried.as_deref())
}

/// The history the run of `semester` regularises against: a dataset's titres and a ledger's documents of earlier
/// semesters (a re-run of a semester computes its own documents again, and what it takes in from the semester
/// before). Only the lines of documents in force count (a document cancelled by a credit note or a
/// cancellation, and the cancelling document, are left out); a line carried from an earlier semester counts for
/// the semester it was computed for, unless it was a regularisation. What the last run of the semester before
/// carried is recorded for the allocation to take in.
///
/// # Errors
///
/// Every titre of `titres.csv` for a semester the ledger covers, and every `carried.csv` row of the semester
/// before when the ledger records what it carried, located.
pub fn history(
    dataset: &Dataset,
    semester: Semester,
    records: &[DocumentRecord],
    commits: &[CommitRecord],
    index: &LedgerIndex,
) -> Result<History, Vec<ValidationError>> {
    let mut history = History::of_titres(dataset);
    let recorded = records.iter().map(|r| r.semester).chain(commits.iter().map(|c| c.semester));
    let ledger_semesters: std::collections::BTreeSet<Semester> = recorded.collect();
    for &covered in ledger_semesters.iter().filter(|s| **s < semester) {
        history.cover(covered);
    }
    let previous = semester.previous();
    let carried = carried_by(commits, previous);
    let mut errors: Vec<ValidationError> = dataset
        .titres
        .iter()
        .filter(|titre| ledger_semesters.contains(&titre.semester))
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
    if carried.is_some() {
        errors.extend(dataset.carried.iter().filter(|c| c.semester == previous).map(|row| ValidationError {
            source: row.source.clone(),
            field: "semester".to_owned(),
            problem: Problem::OutOfRange(format!(
                "ce que l'exécution du {} a reporté est au registre de mutua, qui le reprend : retirez cette \
                 ligne de carried.csv (carried.csv ne sert qu'aux montants reportés avant mutua)",
                previous.label_fr()
            )),
        }));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if let Some(carried) = carried {
        history.record_carried(previous, carried.iter().map(|c| c.to_carried(previous)).collect());
    }
    let in_force = records
        .iter()
        .filter(|r| r.semester < semester && r.corrects.is_none() && !index.is_cancelled(&r.number));
    for record in in_force {
        for line in &record.lines {
            let billed_for = match line.line_kind.as_str() {
                "current" => record.semester,
                kind => match kind.strip_prefix("carried:").and_then(|s| s.parse::<Semester>().ok()) {
                    // `carried:S` alone: a regularisation carried reads `carried:S:regularisation:YEAR`.
                    Some(origin) => origin,
                    None => continue,
                },
            };
            history.push(Billed {
                semester: billed_for,
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

/// [`history`] of the ledger file at `path` for the run of `semester`, read under a shared lock without changing
/// it; an absent ledger has no documents.
///
/// # Errors
///
/// The ledger cannot be read or is not whole ([`IssueError::Ledger`]); a titre for a semester it covers, or a
/// `carried.csv` row it supersedes ([`IssueError::Check`]).
pub fn ledger_history(
    dataset: &Dataset,
    semester: Semester,
    path: &Path,
    wait: LockWait,
) -> Result<History, IssueError> {
    // No ledger and no anchor: nothing issued yet, and nothing to lock (reading writes no lock file).
    if !path.exists() && !anchor_path(path).exists() {
        return history(dataset, semester, &[], &[], &LedgerIndex::default()).map_err(IssueError::Check);
    }
    let inspection = FileLedger::inspect(path, wait)?;
    if let Some(problem) = inspection.problems.into_iter().next() {
        return Err(problem.into());
    }
    // A ledger with no problem indexes (its problems include the index's); the line is not known here.
    let index = LedgerIndex::build(&inspection.records).map_err(|(_, problem)| {
        IssueError::Ledger(LedgerError::Corrupt { path: path.to_path_buf(), line: 0, problem })
    })?;
    history(dataset, semester, &inspection.records, &inspection.commits, &index).map_err(IssueError::Check)
}
