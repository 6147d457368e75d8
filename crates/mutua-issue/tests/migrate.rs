//! Converting a first-format ledger: every record kept, the chain and the numbering checked, the original kept.
#![allow(clippy::unwrap_used, missing_docs)]

use mutua_issue::migrate::{MigrateError, migrate_v1};
use mutua_issue::{FileLedger, Ledger, LedgerError, LockWait};
use serde_json::Value;
use sha2::Digest as _;

/// A real first-format ledger (six records of 2026-S1 written by mutua 0.1 before the change of format, then a
/// torn line), as lines.
fn fixture() -> (Vec<String>, Vec<u8>) {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/v1-ledger.jsonl")).unwrap();
    let complete = bytes.iter().rposition(|&b| b == b'\n').unwrap() + 1;
    let text = std::str::from_utf8(&bytes[..complete]).unwrap();
    (text.lines().map(str::to_owned).collect(), bytes[complete..].to_vec())
}

/// The first format's chain: SHA-256 of the previous check (empty for the first line), a newline, the JSON.
fn v1_line(previous: &str, json: &str) -> String {
    let mut hasher = sha2::Sha256::new();
    hasher.update(previous.as_bytes());
    hasher.update(b"\n");
    hasher.update(json.as_bytes());
    let check: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    format!("{json}\t{check}")
}

fn rechain(values: &[Value]) -> String {
    let mut previous = String::new();
    let mut out = String::new();
    for value in values {
        let line = v1_line(&previous, &serde_json::to_string(value).unwrap());
        previous = line.rsplit_once('\t').unwrap().1.to_owned();
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn negate(text: &str) -> String {
    text.strip_prefix('-').map_or_else(|| format!("-{text}"), str::to_owned)
}

/// The fixture's records, and a cancellation of the second one issued on another day.
fn with_a_cancellation() -> Vec<Value> {
    let (lines, _) = fixture();
    let mut values: Vec<Value> =
        lines.iter().map(|line| serde_json::from_str(line.rsplit_once('\t').unwrap().0).unwrap()).collect();
    let mut cancellation = values[1].clone();
    let cancelled = cancellation["number"].as_str().unwrap().to_owned();
    for (key, value) in [
        ("series", "ANN-MEL-2026"),
        ("number", "ANN-MEL-2026-00001"),
        ("kind", "cancellation"),
        ("issue_date", "2026-07-20"),
        ("corrects", cancelled.as_str()),
    ] {
        cancellation[key] = Value::String(value.to_owned());
    }
    cancellation["sequence"] = Value::from(1);
    let recipient = cancellation["recipient"].as_str().unwrap().to_owned();
    cancellation["file"] = Value::String(format!("out/ANN-MEL-2026-00001_{recipient}.pdf"));
    cancellation["total"] = Value::String(negate(cancellation["total"].as_str().unwrap()));
    let document = &mut cancellation["document"];
    for key in ["total_net", "total"] {
        document[key] = Value::String(negate(document[key].as_str().unwrap()));
    }
    for line in document["lines"].as_array_mut().unwrap() {
        line["amount"] = Value::String(negate(line["amount"].as_str().unwrap()));
    }
    values.push(cancellation);
    values
}

#[test]
fn a_first_format_ledger_is_converted_and_its_original_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mutua-ledger.jsonl");
    let (_, torn) = fixture();
    let mut original = rechain(&with_a_cancellation()).into_bytes();
    original.extend_from_slice(&torn);
    std::fs::write(&path, &original).unwrap();
    let migration = migrate_v1(&path, "test", LockWait::Fail).unwrap();
    assert_eq!(migration.records, 7);
    assert_eq!(migration.torn_bytes, torn.len() as u64);
    assert_eq!(std::fs::read(&migration.original).unwrap(), original, "the original is kept as it was");
    // Header, six documents of 15 July and their commit, the cancellation of 20 July and its commit.
    assert_eq!(migration.head.entries, 10);
    let (ledger, repairs) = FileLedger::open(&path, "test", LockWait::Fail).unwrap();
    assert!(!repairs.any(), "{repairs:?}");
    let records = ledger.records();
    assert_eq!(records.len(), 7);
    assert_eq!(records[6].corrects.as_deref(), Some(records[1].number.as_str()));
    assert!(ledger.index().is_cancelled(&records[1].number));
    assert_eq!(records[0].lines[0].line_kind, "current");
    assert_eq!(records[0].file.output, "out");
    assert_eq!(ledger.head(), migration.head);
    drop(ledger);
    let again = migrate_v1(&path, "test", LockWait::Fail).unwrap_err();
    assert!(matches!(again, MigrateError::NotV1 { .. }), "{again}");
}

#[test]
fn a_first_format_ledger_with_a_gap_or_an_edit_is_not_converted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mutua-ledger.jsonl");
    let mut values = with_a_cancellation();
    values.remove(2);
    let gapped = rechain(&values);
    std::fs::write(&path, &gapped).unwrap();
    let error = migrate_v1(&path, "test", LockWait::Fail).unwrap_err();
    assert!(error.to_string().contains("laisserait un trou"), "{error}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), gapped, "a refused ledger is left as it is");
    let edited = rechain(&with_a_cancellation()).replacen("\"total\":\"", "\"total\":\"9", 1);
    std::fs::write(&path, &edited).unwrap();
    let error = migrate_v1(&path, "test", LockWait::Fail).unwrap_err();
    assert!(matches!(error, MigrateError::Ledger(LedgerError::Tampered { line: 1, .. })), "{error}");
}
