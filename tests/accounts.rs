//! The M57 accounts of every line of the bundled batch, chosen by the relation between issuer and recipient
//! (`docs/accounts.md`), read back where a finance system or a comptable public reads them: `lines.csv`, the CII
//! XML (BT-133, the buyer's accounting reference) and the PDF (each line's pair and the document's mention).
#![allow(clippy::unwrap_used, clippy::print_stderr, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;
use common::{fixtures, mutua, normalise, tool};

/// Who a party is, for the relation.
fn role(id: &str) -> &'static str {
    match id {
        "MEL" => "MEL",
        "FEAL" => "FEAL",
        id if id.bytes().all(|b| b.is_ascii_digit()) => "commune",
        _ => "other",
    }
}

/// The accounts (issuer's, recipient's) a line must carry: by document kind, issuer, recipient and dispositif.
fn expected(kind: &str, issuer: &str, recipient: &str, dispositif: &str) -> (&'static str, &'static str) {
    match (kind, role(issuer), role(recipient), dispositif) {
        // The GFP bills a member commune: 70875 « … par les communes membres du GFP » / 62876 « … au GFP ».
        ("invoice", "MEL", "commune", _) => ("70875", "62876"),
        // Lille, a member commune, bills its GFP: 70876 « … par le GFP de rattachement » / 62875 « … aux
        // communes membres du GFP ».
        ("invoice", "commune", "MEL", _) => ("70876", "62875"),
        // Lille bills another commune: 70878 « … par d'autres redevables » / 62878 « … à d'autres organismes ».
        ("invoice", "commune", "commune", _) => ("70878", "62878"),
        // The GFP pays a member commune for the housing files it instructs: its expense, the commune's revenue.
        ("payment_notice", "MEL", "commune", "logement") => ("62875", "70876"),
        // CEE proceeds returned, whoever the beneficiary: the convention's stated 65888 / 7588.
        ("payment_notice", "MEL", "commune" | "FEAL", "cee") => ("65888", "7588"),
        // An imputation on the AC: the GFP's AC paid, the commune's AC received.
        ("ac_statement", "MEL", "commune", _) => ("739211", "73211"),
        other => panic!("a line no relation of the batch covers: {other:?}"),
    }
}

/// The mention the document prints for a pair, with the M57 labels.
fn mention(kind: &str, (issuer, recipient): (&str, &str)) -> String {
    let label = |account: &str| match account {
        "70875" => "Remboursements de frais par les communes membres du GFP",
        "70876" => "Remboursements de frais par le GFP de rattachement",
        "70878" => "Remboursements de frais par d'autres redevables",
        "62875" => "Remboursements de frais aux communes membres du GFP",
        "62876" => "Remboursements de frais au GFP de rattachement",
        "62878" => "Remboursements de frais à d'autres organismes",
        "7588" => "Autres produits divers de gestion courante",
        "65888" => "Autres charges diverses de gestion courante",
        "739211" => "Attributions de compensation",
        "73211" => "Attribution de compensation",
        other => panic!("no label for {other}"),
    };
    let (issuer_booking, recipient_booking) = match kind {
        "invoice" => ("titre de recettes", "mandat"),
        "payment_notice" => ("mandat", "titre de recettes"),
        "ac_statement" => (
            "minoration de l'attribution de compensation versée",
            "minoration de l'attribution de compensation perçue",
        ),
        other => panic!("{other}"),
    };
    format!(
        "chez l'émetteur, {issuer_booking} au compte {issuer} « {} » ; chez le destinataire, {recipient_booking} \
         au compte {recipient} « {} »",
        label(issuer),
        label(recipient)
    )
}

/// The 2026-S1 batch with the CII XML beside each invoice's PDF.
fn run(dir: &Path) -> (PathBuf, Value) {
    let out = dir.join("out");
    let ledger = dir.join("ledger.jsonl");
    let output = mutua(&[
        "run",
        "--data",
        fixtures().to_str().unwrap(),
        "--semester",
        "2026-S1",
        "--issue-date",
        "2026-07-15",
        "--format",
        "cii",
        "--out",
        out.to_str().unwrap(),
        "--ledger",
        ledger.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "mutua run failed: {}", String::from_utf8_lossy(&output.stderr));
    let manifest =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    (out, manifest)
}

/// `lines.csv`'s rows, by document number: (dispositif, issuer account, recipient account).
fn lines_by_document(out: &Path) -> BTreeMap<String, Vec<(String, String, String)>> {
    let mut reader = csv::Reader::from_path(out.join("lines.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no {name}"));
    let (number, dispositif, issuer, recipient) = (
        column("document_number"),
        column("dispositif"),
        column("issuer_account"),
        column("recipient_account"),
    );
    let mut lines: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
    for row in reader.records() {
        let row = row.unwrap();
        lines.entry(row[number].to_owned()).or_default().push((
            row[dispositif].to_owned(),
            row[issuer].to_owned(),
            row[recipient].to_owned(),
        ));
    }
    lines
}

/// The buyer's accounting references (BT-133) of a CII XML, in line order.
fn buyer_accounts(xml: &str) -> Vec<String> {
    let open = "<ram:ReceivableSpecifiedTradeAccountingAccount><ram:ID>";
    xml.split(open).skip(1).map(|rest| rest.split('<').next().unwrap().to_owned()).collect()
}

#[test]
fn every_line_carries_the_accounts_of_its_relation_in_lines_csv_the_cii_and_the_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let (out, manifest) = run(dir.path());
    let lines = lines_by_document(&out);
    let pdftotext = tool("pdftotext");
    let mut relations: BTreeSet<(String, String, String, &str, &str)> = BTreeSet::new();
    let documents = manifest["documents"].as_array().unwrap();
    assert!(documents.len() > 150, "{} documents", documents.len());
    for document in documents {
        let number = document["number"].as_str().unwrap();
        let kind = document["kind"].as_str().unwrap();
        let (issuer, recipient) =
            (document["issuer"]["id"].as_str().unwrap(), document["recipient"]["id"].as_str().unwrap());
        let rows = &lines[number];
        assert_eq!(rows.len() as u64, document["lines"].as_u64().unwrap(), "{number}: lines.csv rows");
        let mut pairs = Vec::new();
        for (dispositif, issuer_account, recipient_account) in rows {
            let pair = expected(kind, issuer, recipient, dispositif);
            assert_eq!((issuer_account.as_str(), recipient_account.as_str()), pair, "{number} {dispositif}");
            relations.insert((
                kind.to_owned(),
                role(issuer).to_owned(),
                role(recipient).to_owned(),
                pair.0,
                pair.1,
            ));
            pairs.push(pair);
        }
        // The CII: each line's BT-133 is the buyer's (the recipient's) account.
        if let Some(cii) = document["cii"]["file"].as_str() {
            let xml = std::fs::read_to_string(out.join(cii)).unwrap();
            let expected: Vec<&str> = pairs.iter().map(|(_, recipient)| *recipient).collect();
            assert_eq!(buyer_accounts(&xml), expected, "{number}: BT-133");
        }
        // The PDF: each line's pair, and the mention saying whose each account is and what it is.
        if let Some(pdftotext) = &pdftotext {
            let file = out.join(document["file"].as_str().unwrap());
            let text = Command::new(pdftotext).arg("-layout").arg(&file).arg("-").output().unwrap();
            let text = normalise(&String::from_utf8(text.stdout).unwrap());
            for (issuer_account, recipient_account) in &pairs {
                let line = format!("Imputation : {issuer_account} / {recipient_account}");
                assert!(text.contains(&line), "{number}: « {line} » not in {text}");
            }
            let heading = "Imputation comptable (nomenclature M57 ; sous chaque ligne, compte de l'émetteur / compte du \
                           destinataire) : chez l'émetteur,";
            assert!(text.contains(heading), "{number}: {text}");
            let distinct: BTreeSet<&(&str, &str)> = pairs.iter().collect();
            if distinct.len() == 1 {
                let mention = mention(kind, pairs[0]);
                assert!(text.contains(&mention), "{number}: « {mention} » not in {text}");
            } else {
                for (issuer_account, recipient_account) in distinct {
                    assert!(text.contains(&format!("au compte {issuer_account} «")), "{number}: {text}");
                    assert!(text.contains(&format!("au compte {recipient_account} «")), "{number}: {text}");
                }
            }
        }
    }
    // Every relation the issue names is in the batch: MEL → commune, Lille → MEL, Lille → another commune.
    for (issuer, recipient, pair) in [
        ("MEL", "commune", ("70875", "62876")),
        ("commune", "MEL", ("70876", "62875")),
        ("commune", "commune", ("70878", "62878")),
    ] {
        assert!(
            relations.contains(&(
                "invoice".to_owned(),
                issuer.to_owned(),
                recipient.to_owned(),
                pair.0,
                pair.1
            )),
            "no invoice {issuer} → {recipient} on {pair:?}: {relations:?}"
        );
    }
    // Never an expense account booked as the revenue of an invoice's issuer.
    assert!(relations.iter().all(|(kind, _, _, issuer, _)| kind != "invoice" || issuer.starts_with('7')));
}

#[test]
fn a_past_years_invoice_is_cancelled_on_673_and_773_a_same_years_on_its_own_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    common::copy_dir(&fixtures(), &data);
    let (out, ledger) = (dir.path().join("out"), dir.path().join("ledger.jsonl"));
    let run = |day: &str| {
        let args = ["run", "--data", data.to_str().unwrap(), "--semester", "2026-S1", "--issue-date", day];
        let mut args = args.to_vec();
        args.extend([
            "--format",
            "cii",
            "--out",
            out.to_str().unwrap(),
            "--ledger",
            ledger.to_str().unwrap(),
        ]);
        let output = mutua(&args);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
        manifest
    };
    run("2026-07-15");
    // Erquinghem-Lys opened two more consultations than recorded: its invoice is cancelled and issued again,
    // first within 2026, then once more in January 2027.
    let set_consultations = |count: u32| {
        let activity = std::fs::read_to_string(data.join("activity.csv")).unwrap();
        let line = "registre-2022,59202,2026-S1,consultation,PROCEDURE,";
        let changed: String = activity
            .lines()
            .map(|row| if row.starts_with(line) { format!("{line}{count}\n") } else { format!("{row}\n") })
            .collect();
        assert_ne!(changed, activity);
        std::fs::write(data.join("activity.csv"), changed).unwrap();
    };
    for (count, day, accounts, mention) in [
        (
            3,
            "2026-09-01",
            ("70875", "62876"),
            "chez l'émetteur, réduction du titre de recettes au compte 70875 « Remboursements de frais par les \
             communes membres du GFP » ; chez le destinataire, réduction du mandat au compte 62876",
        ),
        (
            4,
            "2027-01-20",
            ("673", "773"),
            "chez l'émetteur, mandat au compte 673 « Titres annulés (sur exercices antérieurs) » ; chez le \
             destinataire, titre de recettes au compte 773 « Mandats annulés (sur exercices antérieurs) »",
        ),
    ] {
        set_consultations(count);
        let manifest = run(day);
        let documents = manifest["documents"].as_array().unwrap();
        let credit = documents
            .iter()
            .find(|d| d["kind"] == "credit_note" && d["status"] == "issued" && d["issue_date"] == day)
            .unwrap_or_else(|| panic!("no credit note on {day}"));
        let number = credit["number"].as_str().unwrap();
        let rows = &lines_by_document(&out)[number];
        assert!(rows.len() > 1, "{number}");
        for (dispositif, issuer, recipient) in rows {
            assert_eq!((issuer.as_str(), recipient.as_str()), accounts, "{number} {dispositif}");
        }
        let xml = std::fs::read_to_string(out.join(credit["cii"]["file"].as_str().unwrap())).unwrap();
        assert_eq!(buyer_accounts(&xml), vec![accounts.1.to_owned(); rows.len()], "{number}: BT-133");
        // The invoice issued again bills the semester on the relation's accounts.
        let invoice = documents
            .iter()
            .find(|d| d["kind"] == "invoice" && d["status"] == "issued" && d["issue_date"] == day)
            .unwrap();
        for (_, issuer, recipient) in &lines_by_document(&out)[invoice["number"].as_str().unwrap()] {
            assert_eq!((issuer.as_str(), recipient.as_str()), ("70875", "62876"));
        }
        if let Some(pdftotext) = tool("pdftotext") {
            let file = out.join(credit["file"].as_str().unwrap());
            let text = Command::new(pdftotext).arg("-layout").arg(&file).arg("-").output().unwrap();
            let text = normalise(&String::from_utf8(text.stdout).unwrap());
            assert!(
                text.contains(&format!("Imputation : {} / {}", accounts.0, accounts.1)),
                "{number}: {text}"
            );
            assert!(text.contains(mention), "{number}: « {mention} » not in {text}");
        }
    }
}
