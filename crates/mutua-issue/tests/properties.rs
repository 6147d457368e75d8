//! Runs interleaved with random input changes and interrupted runs never leave a gap, a duplicate or two
//! documents in force for one slot; a complete run brings the ledger in line with the inputs; an unchanged re-run
//! issues nothing.
#![allow(clippy::unwrap_used, missing_docs)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use mutua_core::{Quantity, ValidatedDataset};
use mutua_issue::record::DocumentRecord;
use mutua_issue::{CommitInfo, Ledger, MemoryLedger, plan};
use proptest::prelude::*;
use support::{batch, date, fixtures, record, semester, validated};

/// One run: plan, then commit the group unless the run is interrupted before its commit.
fn run(
    ledger: &mut MemoryLedger,
    dataset: &ValidatedDataset,
    day: u32,
    interrupted: bool,
) -> mutua_issue::Plan {
    let plan = plan(&batch(dataset, day), ledger, &BTreeMap::new()).unwrap();
    if !interrupted && !plan.new.is_empty() {
        let records: Vec<DocumentRecord> = plan.new.iter().map(record).collect();
        ledger
            .commit(
                records,
                CommitInfo { semester: semester(), issue_date: date(7, day), carried: Vec::new() },
            )
            .unwrap();
    }
    plan
}

fn slot(
    record: &DocumentRecord,
) -> (mutua_documents::DocumentKind, mutua_core::PartyId, mutua_core::PartyId) {
    record.slot()
}

/// No number twice, every series continuous, at most one document in force per slot.
fn assert_invariants(records: &[DocumentRecord]) {
    let mut numbers = BTreeSet::new();
    let mut series: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for record in records {
        assert!(numbers.insert(&record.number), "{} issued twice", record.number);
        series.entry(record.series.to_string()).or_default().push(record.sequence);
    }
    for (name, sequences) in series {
        let expected: Vec<u64> = (1..=sequences.len() as u64).collect();
        assert_eq!(sequences, expected, "series {name} has a gap or is out of order");
    }
    let cancelled: BTreeSet<&str> = records.iter().filter_map(|r| r.corrects.as_deref()).collect();
    let mut in_force = BTreeSet::new();
    for record in records.iter().filter(|r| r.corrects.is_none() && !cancelled.contains(r.number.as_str())) {
        assert!(in_force.insert(slot(record)), "two documents in force for {:?}", slot(record));
    }
}

/// The documents in force are exactly the batch's.
fn assert_matches(records: &[DocumentRecord], dataset: &ValidatedDataset) {
    let cancelled: BTreeSet<&str> = records.iter().filter_map(|r| r.corrects.as_deref()).collect();
    let in_force: BTreeMap<_, [u8; 32]> = records
        .iter()
        .filter(|r| r.corrects.is_none() && !cancelled.contains(r.number.as_str()))
        .map(|r| (slot(r), *r.fingerprint.as_bytes()))
        .collect();
    let expected: BTreeMap<_, [u8; 32]> =
        batch(dataset, 1).documents.iter().map(|d| (d.slot(), d.fingerprint_bytes())).collect();
    assert_eq!(in_force, expected);
}

/// A random change of inputs: set some activity quantities.
fn change(dataset: &ValidatedDataset, edits: &[(usize, u32)]) -> ValidatedDataset {
    let mut changed = dataset.dataset().clone();
    let len = changed.activity.len();
    for &(index, quantity) in edits {
        let record = &mut changed.activity[index % len];
        if record.semester == semester() {
            record.quantity = Quantity::from(i64::from(quantity));
        }
    }
    validated(changed)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn interleaved_runs_never_break_the_numbering(
        steps in proptest::collection::vec(
            (proptest::collection::vec((any::<usize>(), 0u32..40), 0..3), proptest::bool::weighted(0.3)),
            1..5,
        ),
    ) {
        let mut ledger = MemoryLedger::new();
        let mut dataset = fixtures().clone();
        for (index, (edits, interrupted)) in steps.into_iter().enumerate() {
            let day = u32::try_from(index).unwrap() * 2 + 1;
            dataset = change(&dataset, &edits);
            run(&mut ledger, &dataset, day, interrupted);
            assert_invariants(ledger.records());
            // A run that completes brings the ledger in line with the inputs, whatever happened before.
            run(&mut ledger, &dataset, day + 1, false);
            assert_invariants(ledger.records());
            assert_matches(ledger.records(), &dataset);
            // And running again on the same inputs issues nothing.
            let again = plan(&batch(&dataset, 29), &ledger, &BTreeMap::new()).unwrap();
            prop_assert!(again.new.is_empty());
            prop_assert!(again.cancelled.is_empty());
        }
    }
}

#[test]
fn one_changed_activity_gives_one_credit_note_and_one_invoice() {
    let mut ledger = MemoryLedger::new();
    let dataset = fixtures().clone();
    let first = run(&mut ledger, &dataset, 15, false);
    assert!(first.kept.is_empty() && first.history.is_empty());
    let issued_before = ledger.records().len();
    let mut changed = dataset.dataset().clone();
    let row = changed
        .activity
        .iter_mut()
        .find(|a| a.semester == semester() && a.convention.as_str().starts_with("registre"))
        .unwrap();
    let debtor = row.member.clone();
    row.quantity = Quantity::from(7);
    let plan = run(&mut ledger, &validated(changed), 20, false);
    assert_eq!(plan.new.len(), 2, "{:?}", plan.new.iter().map(|d| &d.number).collect::<Vec<_>>());
    assert!(plan.new.iter().all(|d| d.recipient == debtor));
    let credit = &plan.new[0];
    assert_eq!(credit.kind, mutua_documents::DocumentKind::CreditNote, "the cancellation is recorded first");
    let invoice = &plan.new[1];
    let cancelled = credit.corrects.as_ref().unwrap();
    assert_eq!(plan.cancelled, vec![cancelled.number.clone()]);
    let original = ledger.records().iter().find(|r| r.number == cancelled.number).unwrap();
    assert_eq!(credit.total, original.total.negated());
    assert_eq!(credit.number, "AVO-MEL-2026-00001");
    assert_eq!(
        invoice.sequence,
        ledger.records().iter().filter(|r| r.series.to_string() == invoice.series).count() as u64
    );
    assert_eq!(ledger.records().len(), issued_before + 2);
    assert_eq!(plan.kept.len(), first.new.len() - 1);
    assert_eq!(plan.history.len(), 1, "the cancelled invoice stays in the semester's history");
}
