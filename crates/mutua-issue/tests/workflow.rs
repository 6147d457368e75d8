//! The issuing workflow as an embedder calls it: a ledger and a sink of its own, one call per run.
#![allow(clippy::unwrap_used, missing_docs)]

mod support;

use std::collections::BTreeMap;

use mutua_core::Quantity;
use mutua_issue::{
    FileName, IssueError, IssueOptions, Ledger, MemoryLedger, MemorySink, NoProgress, Notice, OutputFormat,
    Series, Sink, Status, issue,
};
use support::{date, fixtures, semester, validated};

fn options(day: u32) -> IssueOptions {
    IssueOptions {
        semester: semester(),
        issue_date: date(7, day),
        format: OutputFormat::FacturX,
        series_start: BTreeMap::new(),
        chunk: mutua_issue::DEFAULT_CHUNK,
    }
}

#[test]
fn an_embedder_issues_keeps_and_corrects_with_its_own_ledger_and_sink() {
    let mut ledger = MemoryLedger::new();
    let mut sink = MemorySink::new();
    let report = issue(fixtures(), &options(15), &mut ledger, &mut sink, &NoProgress).unwrap();
    assert_eq!(report.with_status(Status::Issued).count(), 176);
    assert!(report.after_commit.is_empty());
    assert_eq!(sink.files.len(), 176, "one file per document in Factur-X");
    assert_eq!(sink.head, Some(ledger.head()));
    let manifest: serde_json::Value =
        serde_json::from_slice(&sink.reports[&FileName::parse("manifest.json").unwrap()]).unwrap();
    assert_eq!(manifest["schema"], "mutua-manifest/2");
    assert_eq!(manifest["ledger"]["entries"], 178);
    // The same inputs another day: everything kept, nothing written.
    let files = sink.files.clone();
    let report = issue(fixtures(), &options(20), &mut ledger, &mut sink, &NoProgress).unwrap();
    assert_eq!(report.with_status(Status::Kept).count(), 176);
    assert_eq!(sink.files, files);
    assert!(report.notices.iter().any(|n| matches!(n, Notice::KeptDates { count: 176, .. })));
    // One changed figure: a credit note and a new invoice for that debtor only.
    let mut changed = fixtures().dataset().clone();
    let row = changed
        .activity
        .iter_mut()
        .find(|a| a.semester == semester() && a.convention.as_str().starts_with("registre"))
        .unwrap();
    row.quantity = Quantity::from(12);
    let report =
        issue(&validated(changed.clone()), &options(21), &mut ledger, &mut sink, &NoProgress).unwrap();
    let issued: Vec<_> = report.with_status(Status::Issued).collect();
    assert_eq!(issued.len(), 2);
    assert_eq!(report.with_status(Status::Cancelled).count(), 1);
    assert_eq!(sink.files.len(), 178);
    for (name, bytes) in &files {
        assert_eq!(sink.files.get(name), Some(bytes), "{name} changed");
    }
}

#[test]
fn a_changed_issued_file_refuses_the_run_and_a_missing_one_is_restored() {
    let mut ledger = MemoryLedger::new();
    let mut sink = MemorySink::new();
    issue(fixtures(), &options(15), &mut ledger, &mut sink, &NoProgress).unwrap();
    let name = sink.files.keys().nth(7).unwrap().clone();
    let original = sink.files[&name].clone();
    sink.files.insert(name.clone(), b"changed".to_vec());
    let head = ledger.head();
    let error = issue(fixtures(), &options(16), &mut ledger, &mut sink, &NoProgress).unwrap_err();
    assert!(matches!(error, IssueError::KeptTampered { .. }), "{error}");
    assert_eq!(sink.files[&name], b"changed");
    assert_eq!(ledger.head(), head);
    sink.files.remove(&name);
    let report = issue(fixtures(), &options(16), &mut ledger, &mut sink, &NoProgress).unwrap();
    assert_eq!(sink.files[&name], original, "restored identical");
    assert!(report.notices.iter().any(|n| matches!(n, Notice::Restored { .. })));
}

#[test]
fn dates_and_series_starts_are_checked_before_anything_is_written() {
    let mut ledger = MemoryLedger::new();
    let mut sink = MemorySink::new();
    let mut first = options(15);
    first.series_start.insert("FAC-MEL-2026".parse::<Series>().unwrap(), 41);
    issue(fixtures(), &first, &mut ledger, &mut sink, &NoProgress).unwrap();
    assert!(ledger.records().iter().any(|r| r.number == "FAC-MEL-2026-00041"));
    let mut changed = fixtures().dataset().clone();
    let row = changed
        .activity
        .iter_mut()
        .find(|a| a.semester == semester() && a.convention.as_str().starts_with("registre"))
        .unwrap();
    row.quantity = Quantity::from(12);
    let head = ledger.head();
    let files = sink.files.len();
    let error =
        issue(&validated(changed.clone()), &options(10), &mut ledger, &mut sink, &NoProgress).unwrap_err();
    assert!(matches!(error, IssueError::IssueDateBeforeLast { .. }), "{error}");
    let mut started = options(16);
    started.series_start.insert("FAC-MEL-2026".parse::<Series>().unwrap(), 500);
    let error =
        issue(&validated(changed.clone()), &started, &mut ledger, &mut sink, &NoProgress).unwrap_err();
    assert!(matches!(error, IssueError::SeriesStart { .. }), "{error}");
    assert_eq!((ledger.head(), sink.files.len()), (head, files));
    assert!(sink.location() == mutua_issue::MEMORY_LOCATION);
}
