//! Planning a run against the ledger: which documents are kept, which are cancelled, and the numbers of the new.
//!
//! For each document "slot" of the semester — one per kind family, issuer and recipient ([`Document::slot`]) —
//! the ledger's *active* record (issued for that semester, not a cancellation, not cancelled since) is compared
//! with the newly computed document by [`Document::fingerprint`]:
//! - same fingerprint: **kept** — the document keeps its number and issue date;
//! - different fingerprint: the earlier document is **cancelled** by a credit note (for an invoice) or a
//!   cancellation notice (for any other kind) that negates every line and references it, and the new document is
//!   **issued** with the next number of its series;
//! - a slot with an active record but no new document (the debtor owes nothing any more): cancelled only.
//!
//! New numbers continue each series after its last record (or from its start), cancellations first, then in
//! ascending order of kind, issuer and recipient. Nothing here writes.

use std::collections::{BTreeMap, BTreeSet};

use mutua_core::PartyId;
use mutua_documents::{Batch, Document, DocumentKind, Particulars};

use crate::ledger::Ledger;
use crate::names::Series;
use crate::record::{DocumentRecord, RecordError};

type Slot = (DocumentKind, PartyId, PartyId);

/// What a run does with the semester's documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The documents to issue, numbered, in the order they are recorded: cancellations first (so that a debtor
    /// never has two documents in force), then by kind, issuer and number.
    pub new: Vec<Document>,
    /// Documents issued earlier that the run keeps: the newly computed document with the record's number and date
    /// (identical content), and the record's position in the ledger.
    pub kept: Vec<(Document, usize)>,
    /// The semester's other records (cancelled documents, credit notes and cancellations): positions in the ledger.
    pub history: Vec<usize>,
    /// The numbers this run cancels.
    pub cancelled: Vec<String>,
}

/// The document that cancels an issued one: every line negated, referencing it, dated `batch.issue_date`, with
/// the reason found by comparing the issued lines with those of `replacement`, the document issued in its place
/// (none when nothing is due any more).
fn cancellation(
    record: &DocumentRecord,
    batch: &Batch,
    replacement: Option<&Document>,
) -> Result<Document, RecordError> {
    let mut document = record.to_document(None)?;
    let reason = mutua_documents::correction_reason(&document, replacement);
    document.particulars = Some(Particulars { payment: None, reason: Some(reason) });
    document.kind = if record.kind == DocumentKind::Invoice {
        DocumentKind::CreditNote
    } else {
        DocumentKind::Cancellation
    };
    for line in &mut document.lines {
        line.amount = line.amount.negated();
        line.trace.exact = -line.trace.exact;
    }
    document.total_net = document.total_net.negated();
    document.total_vat = document.total_vat.negated();
    document.total = document.total.negated();
    document.issue_date = batch.issue_date;
    document.corrects = Some(record.reference());
    // Issued now: it names its parties as documents do now, whatever the document it cancels said.
    document.naming = mutua_documents::Naming::LegalPerson;
    Ok(document)
}

/// Plans a run. `series_start` gives the first number of a series that has no record yet (1 when absent).
pub fn plan(
    batch: &Batch,
    ledger: &dyn Ledger,
    series_start: &BTreeMap<Series, u64>,
) -> Result<Plan, RecordError> {
    let records = ledger.records();
    let index = ledger.index();
    let semester: Vec<usize> =
        (0..records.len()).filter(|&i| records[i].semester == batch.semester).collect();
    // Records in force, by slot. A slot normally has one; a ledger from before commits were atomic could have two,
    // and the plan then cancels the extra one.
    let mut active: BTreeMap<Slot, Vec<usize>> = BTreeMap::new();
    for &position in &semester {
        let record = &records[position];
        if record.corrects.is_none() && !index.is_cancelled(&record.number) {
            active.entry(record.slot()).or_default().push(position);
        }
    }
    let mut kept = Vec::new();
    let mut to_number = Vec::new();
    let mut cancelled = Vec::new();
    let mut seen = BTreeSet::new();
    for document in &batch.documents {
        let slot = document.slot();
        let fingerprint = document.fingerprint_bytes();
        let in_force = active.get(&slot).map_or(&[][..], Vec::as_slice);
        let same = in_force.iter().copied().find(|&p| records[p].fingerprint.as_bytes() == &fingerprint);
        for &position in in_force.iter().filter(|&&p| Some(p) != same) {
            to_number.push(cancellation(&records[position], batch, Some(document))?);
            cancelled.push(records[position].number.clone());
        }
        match same {
            Some(position) => {
                let record = &records[position];
                let mut renumbered = document.clone();
                renumbered.kind = record.kind;
                renumbered.series = record.series.to_string();
                renumbered.sequence = record.sequence;
                renumbered.number = record.number.clone();
                renumbered.issue_date = record.issue_date;
                renumbered.naming = record.naming;
                // As issued: a document issued before its particulars were recorded is printed as it was.
                renumbered.particulars = record.particulars.clone();
                // As issued: its lines on the accounts recorded (not part of what it bills, so not of its
                // fingerprint), which a document issued before the relation chose them printed differently.
                if renumbered.lines.len() == record.lines.len() {
                    for (line, recorded) in renumbered.lines.iter_mut().zip(&record.lines) {
                        line.accounts = mutua_core::LineAccounts::new(
                            &recorded.revenue_account,
                            &recorded.expense_account,
                        );
                    }
                }
                kept.push((renumbered, position));
            }
            None => to_number.push(document.clone()),
        }
        seen.insert(slot);
    }
    for (slot, positions) in &active {
        if !seen.contains(slot) {
            for &position in positions {
                to_number.push(cancellation(&records[position], batch, None)?);
                cancelled.push(records[position].number.clone());
            }
        }
    }
    let kept_positions: BTreeSet<usize> = kept.iter().map(|(_, position)| *position).collect();
    let history = semester.into_iter().filter(|p| !kept_positions.contains(p)).collect();
    // Cancellations first, so that they are recorded before the documents that replace them; each series
    // continues after the ledger's last number.
    let mut new = to_number;
    mutua_documents::numbering::number_documents(&mut new, |series| match index.last_sequence(series) {
        Some(last) => last.saturating_add(1),
        None => series_start.get(series).copied().unwrap_or(1),
    });
    cancelled.sort();
    Ok(Plan { new, kept, history, cancelled })
}
