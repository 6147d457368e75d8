//! The CSV exports of the 2026-S1 batch of fixtures/mel (`lines.csv`, `carried.csv`): formula cells neutralised
//! for spreadsheets but negative numbers kept, RFC 4180 quoting read back with the csv crate, an ordinary batch's
//! `lines.csv` as the hand-written export wrote it, and `carried.csv` taken in again by the dataset loader.
#![allow(clippy::unwrap_used, missing_docs)]

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use chrono::NaiveDate;
use mutua_core::{Amount, Semester, ValidatedDataset};
use mutua_documents::export::{CARRIED_HEADER, LINES_HEADER, carried_csv, lines_csv, spreadsheet_safe};
use mutua_documents::{Batch, BatchOptions, Document, DocumentKind, build_batch};
use rust_decimal::Decimal;

fn fixtures() -> &'static Path {
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    DIR.get_or_init(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/mel"))
}

fn dataset() -> &'static ValidatedDataset {
    static DATASET: OnceLock<ValidatedDataset> = OnceLock::new();
    DATASET.get_or_init(|| mutua_dataset::load(fixtures()).unwrap_or_else(|errors| panic!("{errors}")))
}

fn batch() -> &'static Batch {
    static BATCH: OnceLock<Batch> = OnceLock::new();
    BATCH.get_or_init(|| {
        let semester: Semester = "2026-S1".parse().unwrap();
        let allocation = mutua_alloc::allocate(dataset(), semester).unwrap();
        let issue_date = NaiveDate::from_ymd_opt(2026, 7, 15).unwrap();
        build_batch(dataset(), &allocation, &BatchOptions { issue_date, series_start: BTreeMap::new() })
            .unwrap()
    })
}

/// An invoice of the batch with one line only (the first line of its first invoice).
fn one_line_invoice() -> Document {
    let mut document = batch()
        .documents
        .iter()
        .find(|d| d.kind == DocumentKind::Invoice && !d.lines.is_empty())
        .unwrap()
        .clone();
    document.lines.truncate(1);
    document
}

/// Every record of a CSV file, the header included, read with the csv crate.
fn records(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The cell of `column` (a name of `header`) in the one data row of a CSV file.
fn only_row(bytes: &[u8], header: &str) -> BTreeMap<String, String> {
    let records = records(bytes);
    assert_eq!(records.len(), 2, "{}", String::from_utf8_lossy(bytes));
    assert_eq!(records[0].join(","), header);
    records[0].iter().cloned().zip(records[1].iter().cloned()).collect()
}

/// Labels starting with a formula character, and their cell once neutralised.
const FORMULA_LABELS: &[(&str, &str)] = &[
    ("=SUM(A1)", "'=SUM(A1)"),
    ("+33 3 20 12 34 56", "'+33 3 20 12 34 56"),
    ("-5 % de remise", "'-5 % de remise"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tTabulation", "'\tTabulation"),
    ("\rRetour chariot", "'\rRetour chariot"),
    ("=HYPERLINK(\"http://x\",\"a, b\")", "'=HYPERLINK(\"http://x\",\"a, b\")"),
    ("=1+1\n2", "'=1+1\n2"),
    // Starts with `-` but is not a plain decimal.
    ("-", "'-"),
    ("--1", "'--1"),
    ("-1-1", "'-1-1"),
    ("-1.", "'-1."),
    ("-.5", "'-.5"),
    ("-1.2.3", "'-1.2.3"),
    ("-1e3", "'-1e3"),
    ("- 1", "'- 1"),
    ("-1,5", "'-1,5"),
    ("+1", "'+1"),
];

#[test]
fn spreadsheet_safe_table() {
    for &(cell, safe) in FORMULA_LABELS {
        assert_eq!(spreadsheet_safe(cell), safe, "{cell:?}");
    }
    let kept = [
        // Plain decimal numbers, negative ones included: amounts and quantities of credit notes.
        "-150.00",
        "-0.5",
        "-3",
        "-0.000001",
        "0",
        "12.40",
        // Ordinary text, and text whose formula character is not the first.
        "",
        "Impressions du réseau métropolitain",
        "l'école",
        "'=déjà protégé",
        " =SUM(A1)",
        "A=B",
        "2026-S1",
        "regularisation:2025",
        "taxable:20",
        "\n=SUM(A1)",
    ];
    for cell in kept {
        assert!(matches!(spreadsheet_safe(cell), Cow::Borrowed(kept) if kept == cell), "{cell:?}");
    }
}

#[test]
fn formula_cells_are_neutralised_in_lines_csv() {
    for &(text, safe) in FORMULA_LABELS {
        let mut document = one_line_invoice();
        let line = &mut document.lines[0];
        line.label = text.to_owned();
        line.basis.unit = mutua_alloc::trace::Unit::Named(text.to_owned());
        line.component = text.to_owned();
        line.accounts = mutua_core::LineAccounts::new(text, text);
        document.number = text.to_owned();
        let row = only_row(&lines_csv(dataset(), &[document.clone()]).unwrap(), LINES_HEADER);
        for column in ["label", "unit", "component", "issuer_account", "recipient_account", "document_number"]
        {
            assert_eq!(row[column], safe, "{column} of {text:?}");
        }
        assert_eq!(row["recipient"], document.recipient.to_string());
        assert_eq!(row["amount"], document.lines[0].amount.to_string());
    }
}

#[test]
fn formula_labels_are_neutralised_in_carried_csv() {
    let template = batch().carried_forward[0].clone();
    for &(text, safe) in FORMULA_LABELS {
        let mut carried = template.clone();
        carried.label = text.to_owned();
        let batch = Batch { carried_forward: vec![carried], ..batch().clone() };
        let row = only_row(&carried_csv(&batch).unwrap(), CARRIED_HEADER);
        assert_eq!(row["label"], safe, "{text:?}");
        assert_eq!(row["debtor"], template.debtor.to_string());
        assert_eq!(row["amount"], template.amount.to_string());
    }
}

#[test]
fn negative_amounts_and_quantities_are_not_neutralised() {
    // (amount in cents, quantity, unit price, and their cells).
    let cases: &[(i64, &str, &str, &str, &str, &str)] = &[
        (-15000, "-12450", "-1.2", "-150.00", "-12450", "-1.2"),
        (-1, "-0.5", "-0.02", "-0.01", "-0.5", "-0.02"),
        (-123456, "-3.000", "-0.0000005", "-1234.56", "-3", "-0.000001"),
        (-50, "-0.25", "-2.0000005", "-0.50", "-0.25", "-2.000001"),
    ];
    for &(cents, quantity, unit_price, amount_cell, quantity_cell, unit_price_cell) in cases {
        let mut document = one_line_invoice();
        document.kind = DocumentKind::CreditNote;
        let line = &mut document.lines[0];
        line.amount = Amount::from_cents(cents);
        line.basis.quantity = Some(quantity.parse::<Decimal>().unwrap());
        line.basis.unit_price = Some(unit_price.parse::<Decimal>().unwrap());
        let row = only_row(&lines_csv(dataset(), &[document]).unwrap(), LINES_HEADER);
        assert_eq!(
            (row["amount"].as_str(), row["quantity"].as_str(), row["unit_price"].as_str()),
            (amount_cell, quantity_cell, unit_price_cell),
            "{cents} {quantity} {unit_price}"
        );

        let mut carried = batch().carried_forward[0].clone();
        carried.amount = Amount::from_cents(cents);
        let batch = Batch { carried_forward: vec![carried], ..batch().clone() };
        let row = only_row(&carried_csv(&batch).unwrap(), CARRIED_HEADER);
        assert_eq!(row["amount"], amount_cell);
    }
}

#[test]
fn special_characters_are_quoted_per_rfc_4180_and_read_back() {
    // (label, its cell in the file).
    let cases: &[(&str, &str)] = &[
        ("Frais, port compris", "\"Frais, port compris\""),
        ("Le \"Grand\" Lille", "\"Le \"\"Grand\"\" Lille\""),
        ("deux\nlignes", "\"deux\nlignes\""),
        ("fin\r\nde ligne", "\"fin\r\nde ligne\""),
        ("Virgule, \"guillemets\"\net saut de ligne", "\"Virgule, \"\"guillemets\"\"\net saut de ligne\""),
        ("=A1, \"x\"\ny", "\"'=A1, \"\"x\"\"\ny\""),
        ("sans rien", "sans rien"),
        ("", ""),
    ];
    for &(label, cell) in cases {
        let mut document = one_line_invoice();
        document.lines[0].label = label.to_owned();
        let bytes = lines_csv(dataset(), &[document]).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        let expected = spreadsheet_safe(label);
        assert!(text.contains(&format!(",{cell},")), "{label:?} in {text:?}");
        assert_eq!(only_row(&bytes, LINES_HEADER)["label"], expected, "{label:?}");

        let mut carried = batch().carried_forward[0].clone();
        carried.label = label.to_owned();
        let batch = Batch { carried_forward: vec![carried], ..batch().clone() };
        let bytes = carried_csv(&batch).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains(&format!(",{cell},")), "{label:?} in {text:?}");
        assert_eq!(only_row(&bytes, CARRIED_HEADER)["label"], expected, "{label:?}");
    }
}

/// A cell as the hand-written export quoted it before the csv writer: only when it holds a comma, a quote or a
/// line break, quotes doubled.
fn hand_quoted(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The bytes the hand-written export produced for these records: cells quoted by [`hand_quoted`], joined by
/// commas, each record ended by `\n`.
fn hand_written(records: &[Vec<String>]) -> Vec<u8> {
    let mut out = String::new();
    for record in records {
        out.push_str(&record.iter().map(|cell| hand_quoted(cell)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out.into_bytes()
}

#[test]
fn an_ordinary_batch_lines_csv_is_unchanged() {
    let documents = &batch().documents;
    let bytes = lines_csv(dataset(), documents).unwrap();
    let rows = records(&bytes);
    assert_eq!(rows[0].join(","), LINES_HEADER);
    let lines: Vec<_> = documents.iter().flat_map(|d| d.lines.iter().map(move |line| (d, line))).collect();
    assert_eq!(rows.len(), lines.len() + 1);
    assert!(lines.len() > 100, "the batch has {} lines", lines.len());
    for (record, (document, line)) in rows[1..].iter().zip(&lines) {
        assert_eq!(record.len(), 18);
        assert_eq!(record[0], document.number);
        assert_eq!(
            record[10],
            mutua_documents::present::document_line_label_fr(document, line),
            "{}: no ordinary label is neutralised",
            document.number
        );
        assert_eq!(record[14], line.amount.to_string());
        let accounts = mutua_documents::accounts::line_accounts(document, line);
        assert_eq!((&record[15], &record[16]), (&accounts.issuer.account, &accounts.recipient.account));
        assert!(record.iter().all(|cell| !cell.starts_with('\'')), "{record:?}");
    }
    // Some labels of the batch need quoting; every cell is quoted exactly as the hand-written export did.
    assert!(bytes.contains(&b'"'));
    assert_eq!(String::from_utf8(hand_written(&rows)).unwrap(), String::from_utf8(bytes).unwrap());

    let bytes = carried_csv(batch()).unwrap();
    let rows = records(&bytes);
    assert_eq!(rows[0].join(","), CARRIED_HEADER);
    assert_eq!(rows.len(), batch().carried_forward.len() + 1);
    assert_eq!(hand_written(&rows), bytes);
    // Deterministic.
    assert_eq!(lines_csv(dataset(), documents).unwrap(), lines_csv(dataset(), documents).unwrap());
}

/// Copies a dataset directory (files and one level of subfolders, as `conventions/`).
fn copy_dataset(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir(&target).unwrap();
            copy_dataset(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn carried_csv_is_taken_in_again_by_the_dataset_loader() {
    let template = batch().carried_forward[0].clone();
    // Printable labels only: the dataset's validation refuses control characters in printed text.
    let labels = [
        "=SUM(A1)",
        "+33 3 20 12 34 56",
        "-5 % de remise",
        "@SUM(A1)",
        "=HYPERLINK(\"http://x\",\"a, b\")",
        "Virgule, \"guillemets\" et point",
        "'Apostrophe d'abord",
        "l'école",
        "Impressions du réseau métropolitain",
    ];
    let carried_forward = labels
        .iter()
        .enumerate()
        .map(|(index, label)| {
            let mut carried = template.clone();
            carried.label = (*label).to_owned();
            carried.amount = Amount::from_cents(100 + i64::try_from(index).unwrap());
            carried
        })
        .collect();
    let next = Batch { carried_forward, ..batch().clone() };
    let bytes = carried_csv(&next).unwrap();
    let written: Vec<String> = records(&bytes)[1..].iter().map(|record| record[5].clone()).collect();
    assert_eq!(written[0], "'=SUM(A1)");
    assert_eq!(written[3], "'@SUM(A1)");
    assert_eq!(written[6], "'Apostrophe d'abord");

    let dir = tempfile::tempdir().unwrap();
    copy_dataset(fixtures(), dir.path());
    std::fs::write(dir.path().join("carried.csv"), &bytes).unwrap();
    let loaded = mutua_dataset::load(dir.path()).unwrap_or_else(|errors| panic!("{errors}"));
    let read: Vec<(&str, Amount, String, String, &str)> = loaded
        .carried
        .iter()
        .map(|c| {
            (c.label.as_str(), c.amount, c.debtor.to_string(), c.semester.to_string(), c.component.as_str())
        })
        .collect();
    let expected: Vec<(&str, Amount, String, String, &str)> = next
        .carried_forward
        .iter()
        .map(|c| {
            (c.label.as_str(), c.amount, c.debtor.to_string(), c.semester.to_string(), c.component.as_str())
        })
        .collect();
    // The component of the line carried is read back (the printing component), not `report`.
    assert!(read.iter().all(|r| r.4 == "pages"), "{read:?}");
    assert_eq!(read, expected);
}
