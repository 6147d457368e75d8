//! Issuing a semester against the ledger: documents already issued are kept with their numbers; a changed one is
//! cancelled (a credit note for an invoice, a cancellation notice otherwise) and issued anew with the next number.
//!
//! For each document "slot" of the semester — one per kind family, issuer and recipient ([`Document::slot`]) —
//! the ledger's *active* record (issued for that semester and not cancelled since) is compared with the newly
//! computed document by [`Document::fingerprint`]:
//! - same fingerprint: **kept** — the document keeps its number and issue date and renders to the same bytes;
//! - different fingerprint: the earlier document is **cancelled** by a credit note (for an invoice) or a
//!   cancellation notice (for any other kind) that negates every line and references it, and the new document is
//!   **issued** with the next number of its series;
//! - a slot with an active record but no new document (the debtor owes nothing any more): cancelled only.
//!
//! New numbers continue each series after its last record (or from the series start), in ascending order of kind,
//! issuer and recipient. Nothing here writes: [`plan`] returns what to render and record.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use mutua_core::PartyId;
use serde::Serialize;

use crate::document::{Batch, Document, DocumentKind};
use crate::error::InvoiceError;
use crate::ledger::LedgerRecord;

/// What a run does with a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueStatus {
    /// Newly issued in this run, with a new number.
    Issued,
    /// Issued by an earlier run with the same content: kept, same number, same bytes.
    Kept,
    /// Issued earlier for this semester and cancelled since (by this run or an earlier one): written again,
    /// unchanged, so that the output holds the semester's whole history.
    Cancelled,
}

/// A document of the run and what the run does with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Planned {
    /// The document, numbered.
    pub document: Document,
    /// Issued now, or kept.
    pub status: IssueStatus,
}

/// What a run issues, keeps and cancels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuePlan {
    /// Every document of the run, ordered by kind, issuer and number; credit notes and cancellations included.
    pub documents: Vec<Planned>,
    /// The numbers of the documents this run cancels.
    pub cancelled: Vec<String>,
}

impl IssuePlan {
    /// The documents newly issued by this run, in the order they must be recorded: cancellations first (so that
    /// a crash never leaves two documents in force for one debtor), then new documents; within a series, by number.
    pub fn issued(&self) -> impl Iterator<Item = &Document> {
        let mut issued: Vec<&Document> =
            self.documents.iter().filter(|p| p.status == IssueStatus::Issued).map(|p| &p.document).collect();
        issued.sort_by(|a, b| {
            (a.corrects.is_none(), &a.series, a.sequence).cmp(&(b.corrects.is_none(), &b.series, b.sequence))
        });
        issued.into_iter()
    }
}

type Slot = (DocumentKind, PartyId, PartyId);

fn slot_of(record: &LedgerRecord) -> Slot {
    record.document.slot()
}

/// The records of the semester that are still in force, by slot: issued for it, not themselves a cancellation,
/// and not cancelled by a later record. A slot normally has one; a run interrupted between recording a new
/// document and its predecessor's cancellation could leave two, and [`plan`] then cancels the extra one.
fn active_records<'a>(batch: &Batch, records: &'a [LedgerRecord]) -> BTreeMap<Slot, Vec<&'a LedgerRecord>> {
    let cancelled: BTreeSet<&str> = records.iter().filter_map(|r| r.corrects.as_deref()).collect();
    let mut active: BTreeMap<Slot, Vec<&LedgerRecord>> = BTreeMap::new();
    for record in records.iter().filter(|r| {
        r.semester == batch.semester && r.corrects.is_none() && !cancelled.contains(r.number.as_str())
    }) {
        active.entry(slot_of(record)).or_default().push(record);
    }
    active
}

/// The document that cancels an issued one: every line negated, referencing it.
fn cancellation(record: &LedgerRecord, issue_date: NaiveDate) -> Document {
    let mut document = record.document.clone();
    document.kind = if record.document.kind == DocumentKind::Invoice {
        DocumentKind::CreditNote
    } else {
        DocumentKind::Cancellation
    };
    for line in &mut document.lines {
        line.amount = line.amount.negated();
        line.trace.exact = -line.trace.exact;
        line.label = format!("Annulation — {}", line.label);
    }
    document.total_net = document.total_net.negated();
    document.total_vat = document.total_vat.negated();
    document.total = document.total.negated();
    document.issue_date = issue_date;
    document.corrects = Some(record.document.reference());
    document
}

/// Plans a run: which documents are kept, cancelled and issued, with their numbers.
///
/// `series_start` gives the first number of a series that has no record yet (1 when absent).
pub fn plan(
    batch: &Batch,
    records: &[LedgerRecord],
    series_start: &BTreeMap<String, u64>,
) -> Result<IssuePlan, InvoiceError> {
    let active = active_records(batch, records);
    let mut planned = Vec::with_capacity(batch.documents.len());
    let mut to_number = Vec::new();
    let mut cancelled = Vec::new();
    let mut seen_slots = BTreeSet::new();
    let no_records = Vec::new();
    for document in &batch.documents {
        let slot = document.slot();
        seen_slots.insert(slot.clone());
        let fingerprint = document.fingerprint();
        let in_force = active.get(&slot).unwrap_or(&no_records);
        let same = in_force.iter().find(|record| record.fingerprint == fingerprint);
        for record in in_force.iter().filter(|record| same.is_none_or(|kept| kept.number != record.number)) {
            to_number.push(cancellation(record, batch.issue_date));
            cancelled.push(record.number.clone());
        }
        match same {
            Some(record) => {
                let mut kept = document.clone();
                kept.kind = record.kind;
                kept.series = record.series.clone();
                kept.sequence = record.sequence;
                kept.number = record.number.clone();
                kept.issue_date = record.issue_date;
                planned.push(Planned { document: kept, status: IssueStatus::Kept });
            }
            None => to_number.push(document.clone()),
        }
    }
    for (slot, records_in_force) in &active {
        if !seen_slots.contains(slot) {
            for record in records_in_force {
                to_number.push(cancellation(record, batch.issue_date));
                cancelled.push(record.number.clone());
            }
        }
    }
    // The semester's earlier documents that are no longer in force, and earlier credit notes and cancellations:
    // written again as issued, so the output holds the semester's whole history.
    let cancelled_now: BTreeSet<&str> = cancelled.iter().map(String::as_str).collect();
    let cancelled_before: BTreeSet<&str> = records.iter().filter_map(|r| r.corrects.as_deref()).collect();
    let represented: BTreeSet<&str> = planned.iter().map(|p| p.document.number.as_str()).collect();
    let mut history = Vec::new();
    for record in
        records.iter().filter(|r| r.semester == batch.semester && !represented.contains(r.number.as_str()))
    {
        let number = record.number.as_str();
        let status = if cancelled_now.contains(number) || cancelled_before.contains(number) {
            IssueStatus::Cancelled
        } else {
            IssueStatus::Kept
        };
        history.push(Planned { document: record.document.clone(), status });
    }
    planned.extend(history);
    // Number what is issued now: continue each series after its last record.
    // Cancellations first, so that they are recorded before the documents that replace them.
    to_number.sort_by(|a, b| {
        (a.corrects.is_none(), a.kind, &a.issuer, &a.recipient).cmp(&(
            b.corrects.is_none(),
            b.kind,
            &b.issuer,
            &b.recipient,
        ))
    });
    let mut next: BTreeMap<String, u64> = BTreeMap::new();
    for mut document in to_number {
        let series = format!("{}-{}-{}", document.kind.code(), document.issuer, document.issue_date.year());
        let sequence = next.entry(series.clone()).or_insert_with(|| {
            records
                .iter()
                .filter(|r| r.series == series)
                .map(|r| r.sequence + 1)
                .max()
                .unwrap_or_else(|| series_start.get(&series).copied().unwrap_or(1))
        });
        document.series = series.clone();
        document.sequence = *sequence;
        document.number = format!("{series}-{:05}", *sequence);
        *sequence += 1;
        planned.push(Planned { document, status: IssueStatus::Issued });
    }
    planned.sort_by(|a, b| {
        (a.document.kind, &a.document.issuer, &a.document.series, a.document.sequence).cmp(&(
            b.document.kind,
            &b.document.issuer,
            &b.document.series,
            b.document.sequence,
        ))
    });
    cancelled.sort();
    Ok(IssuePlan { documents: planned, cancelled })
}

/// The record of a document issued by a run, in an output format (`facturx`, `pdf`, `cii`).
#[must_use]
pub fn record(document: &Document, sha256: String, file: String, format: &str) -> LedgerRecord {
    LedgerRecord {
        series: document.series.clone(),
        sequence: document.sequence,
        number: document.number.clone(),
        kind: document.kind,
        issuer: document.issuer.clone(),
        recipient: document.recipient.clone(),
        semester: document.semester,
        issue_date: document.issue_date,
        total: document.total,
        fingerprint: document.fingerprint(),
        sha256,
        file,
        format: Some(format.to_owned()),
        corrects: document.corrects.as_ref().map(|r| r.number.clone()),
        document: document.clone(),
    }
}
