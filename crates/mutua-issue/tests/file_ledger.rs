//! The file ledger: what it refuses, what it repairs, and that it reads back exactly what it wrote.
#![allow(clippy::unwrap_used, missing_docs)]

mod support;

use std::collections::BTreeMap;

use mutua_issue::{
    CommitInfo, FileLedger, Ledger, LedgerError, LockWait, MemoryLedger, RecordProblem, anchor_path, plan,
};
use support::{batch, date, fixtures, record, semester};

fn info(day: u32) -> CommitInfo {
    CommitInfo { semester: semester(), issue_date: date(7, day), carried: Vec::new() }
}

/// The first `count` documents of the semester, numbered, as records.
fn first_records(count: usize) -> Vec<mutua_issue::record::DocumentRecord> {
    let ledger = MemoryLedger::new();
    let plan = plan(&batch(fixtures(), 15), &ledger, &BTreeMap::new()).unwrap();
    plan.new.iter().take(count).map(record).collect()
}

#[test]
fn a_ledger_reads_back_what_it_committed_and_is_not_written_before_its_first_commit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.jsonl");
    let records = first_records(5);
    {
        let (mut ledger, repairs) = FileLedger::open(&path, "test", LockWait::Fail).unwrap();
        assert!(repairs.fresh);
        assert!(!path.exists() && !anchor_path(&path).exists(), "nothing is written before a commit");
        ledger.commit(records[..3].to_vec(), info(15)).unwrap();
        ledger.commit(records[3..].to_vec(), info(16)).unwrap();
        ledger.anchor().unwrap();
        assert_eq!(ledger.head().entries, 1 + 3 + 1 + 2 + 1);
    }
    let (reopened, repairs) = FileLedger::open(&path, "test", LockWait::Fail).unwrap();
    assert!(!repairs.any() && !repairs.fresh, "{repairs:?}");
    assert_eq!(reopened.records(), records.as_slice());
    assert_eq!(reopened.head().entries, 8);
    assert_eq!(reopened.anchored(), reopened.head());
}

#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.jsonl");
    let (first, _) = FileLedger::open(&path, "mutua run, processus 1", LockWait::Fail).unwrap();
    let error = FileLedger::open(&path, "mutua run, processus 2", LockWait::Fail).unwrap_err();
    assert!(matches!(error, LedgerError::Busy(_)), "{error}");
    assert!(error.to_string().contains("mutua run, processus 1"), "{error}");
    drop(first);
    assert!(FileLedger::open(&path, "mutua run, processus 2", LockWait::Fail).is_ok());
}

fn committed(path: &std::path::Path, records: &[mutua_issue::record::DocumentRecord]) {
    let (mut ledger, _) = FileLedger::open(path, "test", LockWait::Fail).unwrap();
    ledger.commit(records.to_vec(), info(15)).unwrap();
    ledger.anchor().unwrap();
}

#[test]
fn an_interrupted_commit_is_cut_off_and_its_numbers_issued_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.jsonl");
    let records = first_records(6);
    committed(&path, &records[..3]);
    let whole = std::fs::read(&path).unwrap();
    // A crash in the middle of the next commit: two complete document lines, then half of the third.
    let (mut ledger, _) = FileLedger::open(&path, "test", LockWait::Fail).unwrap();
    ledger.commit(records[3..].to_vec(), info(15)).unwrap();
    drop(ledger);
    let longer = std::fs::read(&path).unwrap();
    let lines: Vec<&[u8]> = longer[whole.len()..].split_inclusive(|&b| b == b'\n').collect();
    let mut crashed = whole.clone();
    crashed.extend_from_slice(lines[0]);
    crashed.extend_from_slice(lines[1]);
    crashed.extend_from_slice(&lines[2][..lines[2].len() / 2]);
    std::fs::write(&path, &crashed).unwrap();
    let (ledger, repairs) = FileLedger::open(&path, "test", LockWait::Fail).unwrap();
    assert_eq!(repairs.uncommitted, vec![records[3].number.clone(), records[4].number.clone()]);
    assert!(repairs.torn_bytes > 0);
    assert_eq!(ledger.records().len(), 3);
    assert_eq!(std::fs::read(&path).unwrap(), whole, "the uncommitted tail is cut");
}

#[test]
fn a_ledger_shorter_than_its_anchor_is_refused_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.jsonl");
    let records = first_records(4);
    committed(&path, &records[..2]);
    let short = std::fs::read(&path).unwrap();
    committed(&path, &records[2..]);
    std::fs::write(&path, &short).unwrap();
    let error = FileLedger::open(&path, "test", LockWait::Fail).unwrap_err();
    assert!(matches!(error, LedgerError::RolledBack { anchored: 7, found: 4, .. }), "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), short, "a refused ledger is not repaired");
    std::fs::remove_file(&path).unwrap();
    let error = FileLedger::open(&path, "test", LockWait::Fail).unwrap_err();
    assert!(matches!(error, LedgerError::Missing { anchored: 7, .. }), "{error}");
    assert!(!path.exists());
    // Records without an anchor cannot be proven whole.
    std::fs::write(&path, &short).unwrap();
    std::fs::remove_file(anchor_path(&path)).unwrap();
    let error = FileLedger::open(&path, "test", LockWait::Fail).unwrap_err();
    assert!(matches!(error, LedgerError::Unanchored { records: 2, .. }), "{error}");
    // Until the officer re-anchors it.
    let head = FileLedger::reanchor(&path, "test", LockWait::Fail).unwrap();
    assert_eq!(head.entries, 4);
    assert!(FileLedger::open(&path, "test", LockWait::Fail).is_ok());
}

#[test]
fn an_edited_line_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.jsonl");
    committed(&path, &first_records(3));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("\"total\":\"", "\"total\":\"1", 1)).unwrap();
    let error = FileLedger::open(&path, "test", LockWait::Fail).unwrap_err();
    assert!(matches!(error, LedgerError::Tampered { line: 2, .. }), "{error}");
    assert!(
        error.to_string().contains("ligne 2 : l'enregistrement ne correspond pas à sa somme de contrôle")
    );
}

#[test]
fn a_first_format_ledger_asks_for_its_migration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.jsonl");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/v1-ledger.jsonl"), &path).unwrap();
    let error = FileLedger::open(&path, "test", LockWait::Fail).unwrap_err();
    assert!(matches!(error, LedgerError::NeedsMigration { .. }), "{error}");
    assert!(error.to_string().contains("mutua ledger --migrate"), "{error}");
}

#[test]
fn every_numbering_rule_is_held_by_every_ledger() {
    let records = first_records(6);
    let dir = tempfile::tempdir().unwrap();
    let (mut file, _) = FileLedger::open(&dir.path().join("ledger.jsonl"), "test", LockWait::Fail).unwrap();
    let mut memory = MemoryLedger::new();
    for ledger in [&mut file as &mut dyn Ledger, &mut memory] {
        ledger.commit(records[..2].to_vec(), info(15)).unwrap();
        let head = ledger.head();
        let mut cases: Vec<(&str, Vec<mutua_issue::record::DocumentRecord>)> = Vec::new();
        cases.push(("duplicate", vec![records[1].clone()]));
        let mut gap = records[3].clone();
        gap.sequence += 1;
        gap.number = gap.series.number(gap.sequence);
        cases.push(("gap", vec![records[2].clone(), gap]));
        let mut earlier = records[2].clone();
        earlier.issue_date = date(7, 1);
        earlier.series.year = 2026;
        cases.push(("earlier", vec![earlier]));
        let mut totals = records[2].clone();
        totals.total_net = mutua_core::Amount::from_cents(1);
        cases.push(("totals", vec![totals]));
        let mut correction = records[2].clone();
        correction.corrects = Some("FAC-MEL-2026-99999".to_owned());
        cases.push(("correction", vec![correction]));
        for (case, group) in cases {
            let error = ledger.commit(group, info(15)).unwrap_err();
            let expected = match case {
                "duplicate" => matches!(error, LedgerError::Refused(RecordProblem::DuplicateNumber { .. })),
                "gap" => matches!(error, LedgerError::Refused(RecordProblem::Gap { .. })),
                "earlier" => matches!(error, LedgerError::Refused(RecordProblem::OutOfOrder { .. })),
                "totals" => matches!(error, LedgerError::Refused(RecordProblem::Inconsistent { .. })),
                _ => matches!(error, LedgerError::Refused(RecordProblem::BadCorrection { .. })),
            };
            assert!(expected, "{case}: {error}");
            assert_eq!(ledger.head(), head, "{case}: a refused group changed the ledger");
            assert_eq!(ledger.records().len(), 2, "{case}");
        }
        ledger.commit(records[2..].to_vec(), info(15)).unwrap();
        assert_eq!(ledger.records().len(), 6);
        assert!(ledger.contains(&head), "an earlier head stays contained");
    }
    assert_eq!(file.head(), memory.head(), "the file and memory ledgers chain the same entries");
}
