//! Converting a `mutua-ledger/2` ledger (lines stored as printed) to the current format.
//!
//! `data/v2-ledger.jsonl.gz` is a genuine ledger written by the version before the conversion: 176 documents
//! issued on 15 July 2026 for 2026-S1 of `fixtures/mel`, then — with five communes' `registre` activity raised from
//! 1 to 3 — five credit notes and five new invoices on 20 July. Converted, it must keep what every document bills,
//! and a credit note on a converted invoice repeats its lines as printed. (The current version no longer prints the
//! earlier version's documents byte for byte: a lost file of one is refused, not written again differently.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use mutua_alloc::trace::BasisKind;
use mutua_issue::Ledger as _;
use mutua_issue::migrate::{MigrateError, V2_SCHEMA, migrate};
use mutua_issue::{
    ANCHOR_SCHEMA, Depth, DirectoryTarget, FileLedger, IssueOptions, LedgerError, LockWait, NoProgress,
    OutputFormat, anchor_path, issue_to_directory,
};

/// The fixture's lines.
fn fixture() -> String {
    let file =
        std::fs::File::open(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/v2-ledger.jsonl.gz")).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(file).read_to_string(&mut text).unwrap();
    text
}

/// The head of a ledger's text: its number of entries and its last check.
fn head_of(text: &str) -> (u64, String) {
    let last = text.lines().last().unwrap();
    (text.lines().count() as u64, last.rsplit_once('\t').unwrap().1.to_owned())
}

fn write_anchor(ledger: &Path, (entries, check): &(u64, String)) {
    let anchor = format!(r#"{{"schema":"{ANCHOR_SCHEMA}","entries":{entries},"check":"{check}"}}"#);
    std::fs::write(anchor_path(ledger), anchor).unwrap();
}

fn write_state(out: &Path, (entries, check): &(u64, String)) -> PathBuf {
    std::fs::create_dir_all(out.join(".mutua")).unwrap();
    let path = out.join(".mutua/state.json");
    let state =
        format!(r#"{{"schema":"mutua-output/1","ledger":{{"entries":{entries},"check":"{check}"}}}}"#);
    std::fs::write(&path, state).unwrap();
    path
}

/// A folder with the fixture as `mutua-ledger.jsonl`, anchored, and `out` with its state.
fn converted_layout() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("mutua-ledger.jsonl");
    let text = fixture();
    std::fs::write(&ledger, &text).unwrap();
    write_anchor(&ledger, &head_of(&text));
    write_state(&dir.path().join("out"), &head_of(&text));
    (dir, ledger)
}

/// `fixtures/mel` with the `registre` activity of the five communes of the fixture's second run set to `count`.
fn dataset_with_registre(count: u32) -> mutua_core::ValidatedDataset {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/mel");
    copy_dir(&fixtures, dir.path());
    let activity = dir.path().join("activity.csv");
    let text = std::fs::read_to_string(&activity).unwrap();
    let mut changed = 0;
    let text: String = text
        .lines()
        .map(|line| {
            let communes = ["59202", "59339", "59388", "59507", "59656"];
            match line.strip_suffix(",consultation,PROCEDURE,1") {
                Some(head) if communes.iter().any(|c| head == format!("registre-2022,{c},2026-S1")) => {
                    changed += 1;
                    format!("{head},consultation,PROCEDURE,{count}\n")
                }
                _ => format!("{line}\n"),
            }
        })
        .collect();
    assert_eq!(changed, 5, "the fixture's five activity rows");
    std::fs::write(&activity, text).unwrap();
    // The earlier version regularised 2025 against a recomputation of what was billed, and printed it so; today
    // a regularisation is explained against the titres and cannot be re-rendered as it was. Without its
    // regularisation clause, the invoices that carried one are issued anew.
    let convention = dir.path().join("conventions/sim-ads-2015.toml");
    let text = std::fs::read_to_string(&convention).unwrap();
    let kept: String =
        text.lines().filter(|l| !l.starts_with("regularisation = ")).map(|l| format!("{l}\n")).collect();
    assert_ne!(kept.len(), text.len(), "the fixture's regularisation clause");
    std::fs::write(&convention, kept).unwrap();
    mutua_dataset::load(dir.path()).unwrap_or_else(|errors| panic!("{errors}"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn options(day: u32) -> IssueOptions {
    IssueOptions {
        semester: "2026-S1".parse().unwrap(),
        issue_date: NaiveDate::from_ymd_opt(2026, 7, day).unwrap(),
        format: OutputFormat::FacturX,
        series_start: Default::default(),
        chunk: mutua_issue::DEFAULT_CHUNK,
    }
}

#[test]
fn a_second_format_ledger_is_converted_entry_for_entry_with_its_anchor_and_outputs() {
    let (dir, ledger) = converted_layout();
    let original = std::fs::read(&ledger).unwrap();
    let state = dir.path().join("out/.mutua/state.json");
    let migration = migrate(&ledger, "test", LockWait::Fail, false).unwrap();
    assert_eq!(migration.records, 186);
    assert_eq!(migration.head.entries, 189, "one entry for each: header, 186 documents, 2 commits");
    assert_eq!(std::fs::read(&migration.original).unwrap(), original, "the original is kept as it was");
    assert!(migration.original.ends_with("mutua-ledger.jsonl.v2"));
    let state_text = std::fs::read_to_string(&state).unwrap();
    assert!(state_text.contains(&migration.head.check.to_string()), "the output follows the new chain");

    let (opened, repairs) = FileLedger::open(&ledger, "test", LockWait::Fail).unwrap();
    assert!(!repairs.any(), "{repairs:?}");
    assert_eq!(opened.head(), migration.head, "the anchor attests the converted ledger");
    let records = opened.records();
    assert_eq!(records.len(), 186);
    let credit_notes: Vec<_> = records.iter().filter(|r| r.corrects.is_some()).collect();
    assert_eq!(credit_notes.len(), 5);
    for note in credit_notes {
        let cancelled = records.iter().find(|r| Some(&r.number) == note.corrects.as_ref()).unwrap();
        for (line, original) in note.lines.iter().zip(&cancelled.lines) {
            assert_eq!(line.label, original.label, "a credit note's line is the cancelled line's label");
            assert!(!line.label.starts_with("Annulation"), "{}", line.label);
            assert_eq!(line.basis, original.basis);
            assert_eq!(line.amount, original.amount.negated());
        }
    }
    assert!(
        records.iter().flat_map(|r| &r.lines).all(|line| matches!(line.basis.kind, BasisKind::Issued { .. }))
    );
    drop(opened);
    let again = migrate(&ledger, "test", LockWait::Fail, false).unwrap_err();
    assert!(matches!(again, MigrateError::NotV1 { .. }), "{again}");
}

/// Today's documents of the fixture's data, planned against the converted ledger (without issuing them).
fn planned(dataset: &mutua_core::ValidatedDataset, ledger: &FileLedger, day: u32) -> mutua_issue::Plan {
    let semester = options(day).semester;
    let history =
        mutua_issue::history(dataset, semester, ledger.records(), ledger.commits(), ledger.index()).unwrap();
    let report =
        mutua_issue::check(dataset, semester, Some(options(day).issue_date), Depth::Documents, &history);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    mutua_issue::plan(&report.batch.unwrap(), ledger, &Default::default()).unwrap()
}

/// The conversion keeps what every document bills (its fingerprint): today's version keeps every converted
/// document in force, except those issued anew for a stated reason. It can no longer write a lost one again byte
/// for byte — issue #12 changed what every kind of document prints (units on quantities, the wording of payment
/// notices, shares of pools, the computations in plain French) — so a run missing a converted file refuses,
/// naming it, and writes nothing; and a credit note on a converted invoice repeats its lines as printed.
#[test]
fn the_current_version_keeps_every_converted_document_and_refuses_to_write_a_lost_one_differently() {
    let (dir, ledger) = converted_layout();
    let out = dir.path().join("out");
    migrate(&ledger, "test", LockWait::Fail, false).unwrap();
    let (opened, _) = FileLedger::open(&ledger, "test", LockWait::Fail).unwrap();
    let converted = opened.records().to_vec();
    // The same data as the fixture's second run.
    let dataset = dataset_with_registre(3);
    let plan = planned(&dataset, &opened, 25);
    // Documents issued anew, each for a stated reason: the invoices whose printing reaches the 20,000-page tier
    // (the earlier version priced them on one blended line, today's on one line per tier) or that carried a
    // regularisation (explained against the titres today), and the statements of imputation, which now print the
    // attribution de compensation they reduce (`attributions.csv`): their fingerprint holds it.
    let crosses_tier = |document: &mutua_documents::Document| {
        document.lines.iter().filter(|line| line.component == "pages").count() > 1
    };
    let regularised = |recipient: &mutua_core::PartyId| {
        recipient.as_str() != "MEL"
            && converted.iter().any(|r| {
                &r.recipient == recipient
                    && r.lines.iter().any(|l| l.line_kind.starts_with("regularisation:"))
            })
    };
    let mut statements = 0;
    for document in plan.new.iter().filter(|d| d.corrects.is_none()) {
        let cancels_its_predecessor = |c: &mutua_documents::Document| {
            c.issuer == document.issuer
                && c.recipient == document.recipient
                && c.corrects.as_ref().is_some_and(|cancelled| cancelled.kind == document.kind)
        };
        assert!(
            plan.new.iter().any(cancels_its_predecessor),
            "{} issued anew without cancelling the one it replaces",
            document.number
        );
        match document.kind {
            mutua_documents::DocumentKind::Invoice => assert!(
                crosses_tier(document) || regularised(&document.recipient),
                "{} issued anew",
                document.number
            ),
            mutua_documents::DocumentKind::AcStatement => {
                assert!(document.attribution.is_some(), "{}", document.number);
                statements += 1;
            }
            other => panic!("{} ({other:?}) issued anew", document.number),
        }
    }
    assert_eq!(statements, 27, "every statement of imputation now shows its AC");
    let kept = plan.kept.len();
    assert!(kept >= 120, "{kept} converted documents kept");
    assert!(
        plan.kept.iter().filter(|(d, _)| d.kind == mutua_documents::DocumentKind::PaymentNotice).count()
            == 46,
        "every payment notice kept"
    );
    drop(opened);
    // The files are lost (the fixture is a ledger alone): today's version would print them otherwise, so the run
    // refuses, naming the first, and writes nothing.
    let target = DirectoryTarget {
        out: out.clone(),
        ledger: ledger.clone(),
        holder: "test".into(),
        wait: LockWait::Fail,
    };
    let before = std::fs::read(&ledger).unwrap();
    let error = issue_to_directory(&dataset, &options(25), &target, &NoProgress).unwrap_err();
    assert!(
        matches!(&error, mutua_issue::IssueError::KeptDiffers { number, .. } if number.starts_with("FAC-")),
        "{error}"
    );
    assert!(error.to_string().contains("restaurez l'original depuis vos archives"), "{error}");
    assert_eq!(std::fs::read(&ledger).unwrap(), before, "nothing recorded");
    let written: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".pdf"))
        .collect();
    assert!(written.is_empty(), "{written:?}");
    // A further change cancels a converted invoice: its credit note repeats its lines as printed.
    let (opened, _) = FileLedger::open(&ledger, "test", LockWait::Fail).unwrap();
    let plan = planned(&dataset_with_registre(5), &opened, 28);
    let registre = ["59202", "59339", "59388", "59507", "59656"];
    let credit_notes: Vec<&mutua_documents::Document> = plan
        .new
        .iter()
        .filter(|d| {
            d.kind == mutua_documents::DocumentKind::CreditNote && registre.contains(&d.recipient.as_str())
        })
        .collect();
    assert_eq!(credit_notes.len(), 5, "one credit note for each of the five registre invoices");
    for note in &credit_notes {
        let cancelled = opened
            .records()
            .iter()
            .find(|r| Some(&r.number) == note.corrects.as_ref().map(|c| &c.number))
            .unwrap();
        assert_eq!(note.lines.len(), cancelled.lines.len());
        for (line, issued) in note.lines.iter().zip(&cancelled.lines) {
            assert!(matches!(line.basis.kind, BasisKind::Issued { .. }), "the converted wording");
            assert_eq!(line.label, issued.label, "the label as printed");
            assert_eq!(line.amount, issued.amount.negated());
        }
    }
    let lines =
        mutua_documents::export::lines_csv(&dataset_with_registre(5), &[credit_notes[0].clone()]).unwrap();
    let lines = String::from_utf8(lines).unwrap();
    assert!(lines.lines().skip(1).all(|row| row.contains(",Annulation — ")), "{lines}");
}
#[test]
fn a_second_format_ledger_with_an_interrupted_run_is_refused_and_left_alone() {
    let text = fixture();
    let cases: Vec<(&str, String, Box<dyn Fn(&MigrateError) -> bool>)> = vec![
        (
            "torn last line",
            format!("{}{{\"type\":\"docu", text),
            Box::new(|e| matches!(e, MigrateError::Interrupted { .. })),
        ),
        (
            "documents after the last commit",
            text.lines().take(188).map(|l| format!("{l}\n")).collect(),
            Box::new(|e| matches!(e, MigrateError::Interrupted { .. })),
        ),
        (
            "an edited line",
            text.replacen("\"total\":\"13300.00\"", "\"total\":\"13301.00\"", 1),
            Box::new(|e| matches!(e, MigrateError::Ledger(LedgerError::Tampered { line: 2, .. }))),
        ),
    ];
    for (case, bytes, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("mutua-ledger.jsonl");
        std::fs::write(&ledger, &bytes).unwrap();
        write_anchor(&ledger, &head_of(&text));
        let error = migrate(&ledger, "test", LockWait::Fail, false).unwrap_err();
        assert!(expected(&error), "{case}: {error}");
        assert_eq!(std::fs::read_to_string(&ledger).unwrap(), bytes, "{case}: the ledger is left as it is");
        assert!(!dir.path().join("mutua-ledger.jsonl.v2").exists(), "{case}");
    }
    // An output with a pending group, or no anchor: refused before anything is written.
    let (dir, ledger) = converted_layout();
    std::fs::write(dir.path().join("out/.mutua/pending.json"), "{}").unwrap();
    let error = migrate(&ledger, "test", LockWait::Fail, false).unwrap_err();
    assert!(matches!(error, MigrateError::Interrupted { .. }), "{error}");
    assert_eq!(std::fs::read_to_string(&ledger).unwrap(), text);
    let (dir, ledger) = converted_layout();
    std::fs::remove_file(anchor_path(&ledger)).unwrap();
    let error = migrate(&ledger, "test", LockWait::Fail, false).unwrap_err();
    assert!(matches!(error, MigrateError::Ledger(LedgerError::Unanchored { .. })), "{error}");
    assert_eq!(std::fs::read_to_string(&ledger).unwrap(), text);
    assert!(
        migrate(&ledger, "test", LockWait::Fail, true).is_ok(),
        "--reanchor converts a ledger known whole"
    );
    drop(dir);
    // The current version refuses the old format until it is converted.
    let (_dir, ledger) = converted_layout();
    let error = FileLedger::open(&ledger, "test", LockWait::Fail).unwrap_err();
    assert!(matches!(error, LedgerError::NeedsMigration { schema: V2_SCHEMA, .. }), "{error}");
}

#[test]
fn a_conversion_interrupted_after_any_step_completes_when_run_again() {
    // Interrupted after the outputs and the anchor moved, before the ledger was replaced: the anchor and the
    // state then name the new chain, and the conversion run again finishes it.
    let (dir, ledger) = converted_layout();
    let text = fixture();
    let scratch = tempfile::tempdir().unwrap();
    let copy = scratch.path().join("mutua-ledger.jsonl");
    std::fs::write(&copy, &text).unwrap();
    write_anchor(&copy, &head_of(&text));
    let migration = migrate(&copy, "test", LockWait::Fail, false).unwrap();
    let new_head = (migration.head.entries, migration.head.check.to_string());
    write_anchor(&ledger, &new_head);
    write_state(&dir.path().join("out"), &new_head);
    let resumed = migrate(&ledger, "test", LockWait::Fail, false).unwrap();
    assert_eq!(resumed.head, migration.head);
    assert_eq!(std::fs::read(&ledger).unwrap(), std::fs::read(&copy).unwrap(), "the same conversion");
    assert!(FileLedger::open(&ledger, "test", LockWait::Fail).is_ok());
}

/// `data/v3-records.jsonl`: one record of each kind of line the bundled data issues (every basis, with a pro rata,
/// a revision, a floor, carried, CEE, regularisations, credit notes, a refund notice), as this format writes
/// them. The format is a
/// promise to every ledger already written: if a change to the records or to the typed bases they hold breaks
/// this test, the ledger needs a new schema and a conversion, not an edited fixture.
#[test]
fn the_current_format_reads_and_writes_its_records_byte_for_byte() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/v3-records.jsonl")).unwrap();
    for line in text.lines() {
        let entry: mutua_issue::record::Entry = serde_json::from_str(line).unwrap();
        assert_eq!(serde_json::to_string(&entry).unwrap(), line);
        let mutua_issue::record::Entry::Document(record) = entry else { panic!("a document entry") };
        let document = record.to_document(None).unwrap();
        for line in &document.lines {
            assert!(!matches!(line.basis.kind, BasisKind::Issued { .. }), "typed bases, not wording");
        }
    }
    assert_eq!(text.lines().count(), 16);
}
