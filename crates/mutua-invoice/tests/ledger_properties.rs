//! Runs interleaved with random input changes and interrupted appends never leave a gap, a duplicate or a
//! document issued twice; an unchanged re-run issues nothing.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use chrono::NaiveDate;
use mutua_core::{Dataset, Quantity, Semester};
use mutua_invoice::issue::{self, IssueStatus};
use mutua_invoice::ledger::{FileLedger, Ledger, LedgerRecord, MemoryLedger, check};
use mutua_invoice::{BatchOptions, Document, build_batch};
use proptest::prelude::*;

fn fixtures() -> &'static Dataset {
    static DATASET: OnceLock<Dataset> = OnceLock::new();
    DATASET.get_or_init(|| {
        mutua_dataset::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/mel"))
            .unwrap_or_else(|errors| panic!("{errors}"))
    })
}

fn semester() -> Semester {
    "2026-S1".parse().unwrap()
}

/// The documents of 2026-S1 for a dataset, with an issue date.
fn batch(dataset: &Dataset, day: u32) -> mutua_invoice::Batch {
    let allocation = mutua_alloc::allocate(dataset, semester()).unwrap();
    let issue_date = NaiveDate::from_ymd_opt(2026, 7, day).unwrap();
    build_batch(dataset, &allocation, &BatchOptions { issue_date, series_start: BTreeMap::new() }).unwrap()
}

/// One run against a ledger: plan, then append the first `crash_after` new records (all of them if `None`).
fn run(ledger: &mut dyn Ledger, dataset: &Dataset, day: u32, crash_after: Option<usize>) -> issue::IssuePlan {
    let batch = batch(dataset, day);
    let plan = issue::plan(&batch, ledger.records(), &BTreeMap::new()).unwrap();
    let issued: Vec<&Document> = plan.issued().collect();
    let count = crash_after.map_or(issued.len(), |n| n.min(issued.len()));
    for document in issued.into_iter().take(count) {
        let record = issue::record(document, "0".repeat(64), document.file_name("pdf"), "pdf");
        ledger.append(record).unwrap();
    }
    plan
}

/// The ledger's invariants: no duplicate number, no gap in any series, at most one document in force per slot.
fn assert_invariants(records: &[LedgerRecord]) {
    let mut numbers = BTreeSet::new();
    let mut series: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for record in records {
        assert!(numbers.insert(&record.number), "{} issued twice", record.number);
        series.entry(&record.series).or_default().push(record.sequence);
    }
    for (name, sequences) in series {
        let expected: Vec<u64> = (1..=sequences.len() as u64).collect();
        assert_eq!(sequences, expected, "series {name} has a gap or is out of order");
    }
    let cancelled: BTreeSet<&str> = records.iter().filter_map(|r| r.corrects.as_deref()).collect();
    let mut in_force = BTreeSet::new();
    for record in records.iter().filter(|r| r.corrects.is_none() && !cancelled.contains(r.number.as_str())) {
        assert!(
            in_force.insert(record.document.slot()),
            "two documents in force for {:?}",
            record.document.slot()
        );
    }
}

/// The documents in force match the batch exactly.
fn assert_matches(records: &[LedgerRecord], dataset: &Dataset) {
    let cancelled: BTreeSet<&str> = records.iter().filter_map(|r| r.corrects.as_deref()).collect();
    let in_force: BTreeMap<_, &str> = records
        .iter()
        .filter(|r| r.corrects.is_none() && !cancelled.contains(r.number.as_str()))
        .map(|r| (r.document.slot(), r.fingerprint.as_str()))
        .collect();
    let expected: BTreeMap<_, String> =
        batch(dataset, 1).documents.iter().map(|d| (d.slot(), d.fingerprint())).collect();
    assert_eq!(in_force.len(), expected.len());
    for (slot, fingerprint) in expected {
        assert_eq!(in_force.get(&slot).copied(), Some(fingerprint.as_str()), "{slot:?}");
    }
}

/// A random change of inputs: set some activity quantities.
fn change(dataset: &Dataset, edits: &[(usize, u32)]) -> Dataset {
    let mut changed = dataset.clone();
    let len = changed.activity.len();
    for &(index, quantity) in edits {
        let record = &mut changed.activity[index % len];
        if record.semester == semester() {
            record.quantity = Quantity::from(i64::from(quantity));
        }
    }
    changed
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn interleaved_runs_never_break_the_numbering(
        steps in proptest::collection::vec(
            (proptest::collection::vec((any::<usize>(), 0u32..40), 0..3), proptest::option::weighted(0.3, 0usize..20)),
            1..5,
        ),
    ) {
        let mut ledger = MemoryLedger::new();
        let mut dataset = fixtures().clone();
        for (day, (edits, crash_after)) in steps.into_iter().enumerate() {
            dataset = change(&dataset, &edits);
            run(&mut ledger, &dataset, u32::try_from(day).unwrap() + 1, crash_after);
            assert_invariants(ledger.records());
            // A run that completes brings the ledger in line with the inputs, whatever happened before.
            run(&mut ledger, &dataset, 28, None);
            assert_invariants(ledger.records());
            assert_matches(ledger.records(), &dataset);
            // And running again on the same inputs issues nothing.
            let again = issue::plan(&batch(&dataset, 29), ledger.records(), &BTreeMap::new()).unwrap();
            prop_assert_eq!(again.issued().count(), 0);
            prop_assert!(again.cancelled.is_empty());
        }
    }
}

#[test]
fn one_changed_activity_gives_one_credit_note_and_one_invoice() {
    let mut ledger = MemoryLedger::new();
    let dataset = fixtures().clone();
    let first = run(&mut ledger, &dataset, 15, None);
    assert!(first.documents.iter().all(|p| p.status == IssueStatus::Issued));
    let issued_before = ledger.records().len();
    // Santes (59553) joins the CEP: change one of its activity figures instead, in a dispositif it pays for.
    let mut changed = dataset.clone();
    let row = changed
        .activity
        .iter_mut()
        .find(|a| a.semester == semester() && a.convention.as_str().starts_with("registre"))
        .unwrap();
    let debtor = row.member.clone();
    row.quantity = Quantity::from(7);
    let plan = run(&mut ledger, &changed, 20, None);
    let new: Vec<&Document> = plan.issued().collect();
    assert_eq!(new.len(), 2, "{:?}", new.iter().map(|d| &d.number).collect::<Vec<_>>());
    assert!(new.iter().all(|d| d.recipient == debtor));
    let credit = new.iter().find(|d| d.kind == mutua_invoice::DocumentKind::CreditNote).unwrap();
    let invoice = new.iter().find(|d| d.kind == mutua_invoice::DocumentKind::Invoice).unwrap();
    let cancelled = credit.corrects.as_ref().unwrap();
    assert_eq!(plan.cancelled, vec![cancelled.number.clone()]);
    assert_eq!(
        credit.total,
        ledger.records().iter().find(|r| r.number == cancelled.number).unwrap().total.negated()
    );
    assert_eq!(credit.number, "AVO-MEL-2026-00001");
    assert_eq!(
        invoice.sequence,
        ledger.records().iter().filter(|r| r.series == invoice.series).count() as u64
    );
    assert_eq!(ledger.records().len(), issued_before + 2);
    let kept = plan.documents.iter().filter(|p| p.status == IssueStatus::Kept).count();
    assert_eq!(kept, first.documents.len() - 1);
}

#[test]
fn a_file_ledger_recovers_a_torn_record_and_refuses_an_edited_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.jsonl");
    let dataset = fixtures().clone();
    {
        let (mut ledger, torn) = FileLedger::open(&path).unwrap();
        assert_eq!(torn, 0);
        run(&mut ledger, &dataset, 15, Some(3));
        assert_eq!(ledger.records().len(), 3);
    }
    // A crash in the middle of the fourth append: half a line, no newline.
    let mut bytes = std::fs::read(&path).unwrap();
    let complete = bytes.len();
    bytes.extend_from_slice(b"{\"series\":\"FAC-MEL-2026\",\"sequence\":4,\"num");
    std::fs::write(&path, &bytes).unwrap();
    let contents = FileLedger::read(&path).unwrap();
    assert_eq!((contents.records.len(), contents.torn_bytes), (3, (bytes.len() - complete) as u64));
    let (mut ledger, torn) = FileLedger::open(&path).unwrap();
    assert_eq!(torn, (bytes.len() - complete) as u64);
    assert_eq!(std::fs::read(&path).unwrap().len(), complete, "the torn tail is cut");
    run(&mut ledger, &dataset, 15, None);
    assert_invariants(ledger.records());
    assert_matches(ledger.records(), &dataset);
    drop(ledger);
    // Reopening reads back exactly what was appended.
    let (reopened, _) = FileLedger::open(&path).unwrap();
    assert_eq!(reopened.records().len(), batch(&dataset, 1).documents.len());
    drop(reopened);
    // A hand edit of a complete line (a total changed) is refused, naming the line.
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replacen("\"total\":\"", "\"total\":\"1", 1);
    std::fs::write(&path, edited).unwrap();
    let error = FileLedger::open(&path).unwrap_err().to_string();
    assert!(error.contains(":1: the record does not match its check"), "{error}");
}

#[test]
fn check_reports_gaps_duplicates_and_changed_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = MemoryLedger::new();
    run(&mut ledger, fixtures(), 15, Some(3));
    let mut records = ledger.records().to_vec();
    for record in &mut records {
        std::fs::write(dir.path().join(&record.file), record.number.as_bytes()).unwrap();
        record.sha256 = sha256(record.number.as_bytes());
    }
    assert!(check(&records, dir.path()).is_empty());
    std::fs::write(dir.path().join(&records[1].file), b"changed").unwrap();
    let mut broken = records.clone();
    broken.push(records[0].clone());
    broken[2].sequence += 5;
    let problems: Vec<String> = check(&broken, dir.path()).iter().map(ToString::to_string).collect();
    assert!(
        problems.iter().any(|p| p.contains(&format!("number {} is recorded twice", records[0].number))),
        "{problems:?}"
    );
    assert!(problems.iter().any(|p| p.contains("jumps from")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("no longer matches its recorded SHA-256")), "{problems:?}");
    // Appends refuse duplicates and gaps outright.
    let mut memory = MemoryLedger::new();
    memory.append(records[0].clone()).unwrap();
    assert!(memory.append(records[0].clone()).is_err());
    let mut gap = records[1].clone();
    gap.sequence += 1;
    gap.number = format!("{}-{:05}", gap.series, gap.sequence);
    assert!(memory.append(gap).unwrap_err().to_string().contains("gap"));
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
