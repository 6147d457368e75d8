//! The mentions, terms, acts, reasons and signs of the documents of the bundled batch, read back with `pdftotext`
//! and from the CII XML and `lines.csv` (`docs/mentions.md`): the due date on every invoice, the D5211-16 and titre
//! threshold mentions only where they apply, no « délai global de paiement », the act of each line, the reason of
//! every credit note and cancellation of a second run on changed inputs, and one sign convention everywhere.
#![allow(clippy::unwrap_used, clippy::print_stderr, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;
use common::{copy_dir, fixtures, mutua, tool};

/// Runs 2026-S1 of `data` in CII format (the PDF and the XML beside it) into `dir/out`, ledger in `dir`.
fn run(data: &Path, dir: &Path, issue_date: &str) -> (PathBuf, Value) {
    let out = dir.join("out");
    let ledger = dir.join("mutua-ledger.jsonl");
    let output = mutua(&[
        "run",
        "--data",
        data.to_str().unwrap(),
        "--semester",
        "2026-S1",
        "--issue-date",
        issue_date,
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

/// The text of a PDF in reading order (`layout`: false, table cells one after the other) or as laid out (`true`,
/// a label beside its value), every run of white space (narrow and no-break spaces included) made one space.
fn text_of(tool: &Path, file: &Path, layout: bool) -> String {
    let mut command = Command::new(tool);
    if layout {
        command.arg("-layout");
    }
    let output = command.arg(file).arg("-").output().unwrap();
    assert!(output.status.success(), "pdftotext {}", file.display());
    String::from_utf8(output.stdout)
        .unwrap()
        .replace(['\u{202f}', '\u{a0}'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first page of a document's text: what precedes its annex.
fn before_annex(text: &str) -> &str {
    text.split("Détail du calcul").next().unwrap()
}

/// `lines.csv` as rows of (header → cell); our cells hold no quoted line breaks.
fn lines(out: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(out.join("lines.csv")).unwrap();
    let mut rows = text.lines().map(split_csv);
    let header = rows.next().unwrap();
    rows.map(|row| header.iter().cloned().zip(row).collect()).collect()
}

fn split_csv(line: &str) -> Vec<String> {
    let (mut cells, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            (c, _) => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

fn documents(manifest: &Value) -> Vec<Value> {
    manifest["documents"].as_array().unwrap().clone()
}

/// Every value of the XML elements named `name` (`<ram:IBANID>…</ram:IBANID>`).
fn xml_values(xml: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    xml.split(&open).skip(1).map(|rest| rest.split(&close).next().unwrap().to_owned()).collect()
}

#[test]
fn every_invoice_states_its_due_date_accountant_and_only_the_mentions_that_apply() {
    let Some(tool) = tool("pdftotext") else { return };
    let dir = tempfile::tempdir().unwrap();
    let (out, manifest) = run(&fixtures(), dir.path(), "2026-07-15");
    let lines = lines(&out);
    let mut kinds = BTreeSet::new();
    let (mut with_unit_cost, mut with_carried) = (0, 0);
    for document in documents(&manifest) {
        let number = document["number"].as_str().unwrap();
        let kind = document["kind"].as_str().unwrap();
        kinds.insert(kind.to_owned());
        let text = text_of(&tool, &out.join(document["file"].as_str().unwrap()), true);
        let page = before_annex(&text);
        let cells = text_of(&tool, &out.join(document["file"].as_str().unwrap()), false);
        assert!(!text.contains("délai global"), "{number}: a public-procurement term in {text}");
        if kind != "invoice" {
            continue;
        }
        let mine: Vec<&BTreeMap<String, String>> =
            lines.iter().filter(|l| l["document_number"] == number).collect();
        assert!(!mine.is_empty(), "{number} has lines");
        // The due date: 30 days by default, 45 under the carrières convention.
        let (days, due) =
            if document["issuer"]["id"] == "59350" { (45, "29 août 2026") } else { (30, "14 août 2026") };
        assert!(page.contains(&format!("Date d'échéance {due}")), "{number}: due date in {page}");
        assert!(
            page.contains(&format!(
                "à régler dans les {days} jours suivant la date d'émission, soit au plus tard le {due}"
            )),
            "{number}: payment term in {page}"
        );
        // The accountant and the account of the issuer.
        let (issuer, accountant) = if document["issuer"]["id"] == "59350" {
            ("de la commune de Lille", "Lille Municipale")
        } else {
            ("de la Métropole Européenne de Lille", "Lille Métropole")
        };
        assert!(
            page.contains(&format!("Paiement au comptable public assignataire {issuer}, Service de gestion comptable de {accountant}, par virement au compte IBAN FR76 3000 1000 64")),
            "{number}: means of payment in {page}"
        );
        assert!(page.contains("article L1617-5 du CGCT"), "{number}");
        // D5211-16 only beside a line resting on a unit cost (the SIM ADS), the threshold only beside an amount
        // carried in under it.
        let unit_cost = mine.iter().any(|l| l["dispositif"] == "sim-ads");
        assert_eq!(page.contains("D5211-16"), unit_cost, "{number}: D5211-16 mention in {page}");
        let carried = mine.iter().any(|l| l["line_kind"].starts_with("carried:"));
        assert_eq!(page.contains("D1611-1"), carried, "{number}: threshold mention in {page}");
        with_unit_cost += usize::from(unit_cost);
        with_carried += usize::from(carried);
        // Each line cites the act whose tariff it applies: the RGPD's amendment n° 2 in 2026, as the annex does.
        if mine.iter().any(|l| l["dispositif"] == "rgpd") {
            assert!(
                cells.contains("Acte : Avenant n° 2 du 12 décembre 2025 (délibération n° 25 C 0744)"),
                "{number}: {cells}"
            );
            assert!(!text.contains("18 C 0286"), "{number} cites the 2018 deliberation: {text}");
        }
        if document["issuer"]["id"] == "59350" {
            assert!(cells.contains("Acte : Convention du 1er juin 2018"), "{number}: {cells}");
        }
        // The CII: the due date (BT-9), the payment terms (BT-20), the account (BT-84).
        let xml = std::fs::read_to_string(out.join(document["cii"]["file"].as_str().unwrap())).unwrap();
        let due_ymd = if days == 45 { "20260829" } else { "20260814" };
        assert!(
            xml.contains(&format!("<ram:DueDateDateTime><udt:DateTimeString format=\"102\">{due_ymd}</udt:DateTimeString></ram:DueDateDateTime>")),
            "{number}: BT-9 in {xml}"
        );
        assert_eq!(
            xml_values(&xml, "ram:TypeCode").iter().filter(|c| *c == "30").count(),
            1,
            "{number}: BT-81"
        );
        assert!(xml_values(&xml, "ram:IBANID")[0].starts_with("FR7630001000640"), "{number}: BT-84");
        assert!(!xml.contains("délai global"), "{number}");
    }
    assert!(kinds.contains("invoice") && kinds.contains("payment_notice") && kinds.contains("ac_statement"));
    assert!(with_unit_cost >= 20, "the SIM ADS members' invoices: {with_unit_cost}");
    assert!(with_carried >= 1, "Wasquehal's invoice takes in an amount carried");
    // The 76 000 € fixed-percentage invoice of Lille to the MEL rests on no unit cost and is far above 15 €.
    let lille = documents(&manifest)
        .into_iter()
        .find(|d| d["issuer"]["id"] == "59350" && d["recipient"]["id"] == "MEL")
        .unwrap();
    let text = text_of(&tool, &out.join(lille["file"].as_str().unwrap()), true);
    assert!(!text.contains("D5211-16") && !text.contains("D1611-1"), "{text}");
}

/// The rows of `file`, a CSV of the dataset, split (without its header).
fn rows(data: &Path, file: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(data.join(file)).unwrap().lines().skip(1).map(split_csv).collect()
}

fn rewrite(data: &Path, file: &str, edit: impl Fn(&str) -> String) {
    let path = data.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let edited: String = text.lines().map(|line| format!("{}\n", edit(line))).collect();
    assert_ne!(edited, text, "{file} unchanged");
    std::fs::write(&path, edited).unwrap();
}

#[test]
fn every_credit_note_and_cancellation_states_what_changed_and_negative_lines_have_negative_quantities() {
    let Some(tool) = tool("pdftotext") else { return };
    let dir = tempfile::tempdir().unwrap();
    let (out, first) = run(&fixtures(), dir.path(), "2026-07-15");
    let first_lines = lines(&out);
    let invoice_of = |recipient: &str| {
        documents(&first).into_iter().find(|d| {
            d["kind"] == "invoice" && d["issuer"]["id"] == "MEL" && d["recipient"]["id"] == recipient
        })
    };
    let billed = |dispositif: &str, kind: &str| -> BTreeSet<String> {
        first_lines
            .iter()
            .filter(|l| l["dispositif"] == dispositif && l["document_kind"] == kind)
            .map(|l| l["recipient"].clone())
            .collect()
    };
    let data_dir = tempfile::tempdir().unwrap();
    let data = data_dir.path();
    copy_dir(&fixtures(), data);
    let mut expected: BTreeMap<String, &str> = BTreeMap::new();

    // Activity: two more procedures of the registre for its first member billed.
    let registre = billed("registre", "invoice").into_iter().next().unwrap();
    rewrite(data, "activity.csv", |line| {
        match line.strip_prefix(&format!("registre-2022,{registre},2026-S1,consultation,PROCEDURE,")) {
            Some(count) => format!(
                "registre-2022,{registre},2026-S1,consultation,PROCEDURE,{}",
                count.parse::<u32>().unwrap() + 2
            ),
            None => line.to_owned(),
        }
    });
    expected.insert(registre.clone(), "Activité du 1er semestre 2026 corrigée pour « Registre");

    // Tariff: the price of the archives' linear metre.
    let archives = billed("archives", "invoice");
    rewrite(data, "conventions/archives-2023.toml", |line| {
        line.replace("price = \"7.50\"", "price = \"7.60\"")
    });
    for member in &archives {
        expected.entry(member.clone()).or_insert("Tarif modifié pour « ");
    }

    // Population: one more inhabitant (population municipale 2023) for a CEP member billed by inhabitant, whose
    // population totale (the GéOxalis key) stays the same.
    let populations = rows(data, "populations.csv");
    let cep = billed("cep", "invoice")
        .into_iter()
        .find(|c| {
            !expected.contains_key(c)
                && populations.iter().any(|r| {
                    &r[0] == c
                        && r[1] == "2023"
                        && r[3].parse::<u64>().unwrap() > r[2].parse::<u64>().unwrap()
                })
        })
        .unwrap();
    rewrite(data, "populations.csv", |line| {
        let cells = split_csv(line);
        if cells[0] == cep && cells[1] == "2023" {
            format!("{},{},{},{}", cells[0], cells[1], cells[2].parse::<u64>().unwrap() + 1, cells[3])
        } else {
            line.to_owned()
        }
    });
    expected.insert(cep.clone(), "Population corrigée pour « Conseil en Énergie Partagé");

    // Membership: a commune invoiced by the MEL, under 15 000 inhabitants, joins the CEP on 1 January 2026.
    let members: BTreeSet<String> = rows(data, "memberships.csv")
        .into_iter()
        .filter(|r| r[0] == "cep-2021")
        .map(|r| r[1].clone())
        .collect();
    let joiner = billed("geoxalis", "invoice")
        .into_iter()
        .find(|c| {
            !members.contains(c)
                && !expected.contains_key(c)
                && populations.iter().filter(|r| &r[0] == c).all(|r| r[2].parse::<u64>().unwrap() < 14_000)
        })
        .unwrap();
    let mut memberships = std::fs::read_to_string(data.join("memberships.csv")).unwrap();
    memberships.push_str(&format!("cep-2021,{joiner},2026-01-01,\n"));
    std::fs::write(data.join("memberships.csv"), memberships).unwrap();
    expected.insert(joiner.clone(), "Adhésion ajoutée pour « Conseil en Énergie Partagé");

    // Payment notices: a commune paid only for housing files is paid nothing any more (its notice is cancelled,
    // not replaced); another one handled one more file.
    let housing: Vec<String> = billed("logement", "payment_notice")
        .into_iter()
        .filter(|c| {
            first_lines
                .iter()
                .filter(|l| &l["recipient"] == c && l["document_kind"] == "payment_notice")
                .all(|l| l["dispositif"] == "logement")
        })
        .collect();
    let (ended, more) = (housing[0].clone(), housing[1].clone());
    rewrite(data, "activity.csv", |line| {
        let cells = split_csv(line);
        if cells[0] == "logement-2023" && cells[2] == "2026-S1" && cells[1] == ended {
            format!("{},{},{},{},{},0", cells[0], cells[1], cells[2], cells[3], cells[4])
        } else if cells[0] == "logement-2023"
            && cells[2] == "2026-S1"
            && cells[1] == more
            && cells[4] == "APML"
        {
            format!(
                "{},{},{},{},{},{}",
                cells[0],
                cells[1],
                cells[2],
                cells[3],
                cells[4],
                cells[5].parse::<u32>().unwrap() + 1
            )
        } else {
            line.to_owned()
        }
    });

    let (out, second) = run(data, dir.path(), "2026-07-20");
    let issued: Vec<Value> = documents(&second).into_iter().filter(|d| d["status"] == "issued").collect();
    let corrections: Vec<&Value> =
        issued.iter().filter(|d| d.get("corrects").is_some_and(|c| !c.is_null())).collect();
    assert!(corrections.len() >= expected.len() + 2, "{} corrections", corrections.len());
    let ledger = std::fs::read_to_string(dir.path().join("mutua-ledger.jsonl")).unwrap();
    for correction in &corrections {
        let number = correction["number"].as_str().unwrap();
        let recipient = correction["recipient"]["id"].as_str().unwrap();
        let text = text_of(&tool, &out.join(correction["file"].as_str().unwrap()), true);
        let page = before_annex(&text);
        assert!(page.contains("Motif "), "{number}: no reason in {page}");
        // The reason is recorded typed in the ledger, so that the document is printed again as issued.
        let record = ledger.lines().find(|l| l.contains(&format!("\"number\":\"{number}\""))).unwrap();
        assert!(record.contains("\"particulars\":{\"reason\":{\"replaced\":"), "{record}");
        match correction["kind"].as_str().unwrap() {
            "credit_note" => {
                let reason =
                    expected.get(recipient).unwrap_or_else(|| panic!("{number} to {recipient} unexpected"));
                assert!(page.contains(&format!("Motif {reason}")), "{number}: {page}");
                assert!(page.contains("Une nouvelle facture est émise pour le même semestre"), "{number}");
                assert!(page.contains("Le titre de recettes de la facture n°"), "{number}");
                assert!(text.contains("Annulation de la facture n° FAC-MEL-2026-"), "{number}: {text}");
            }
            "cancellation" => {
                assert!(
                    page.contains("Motif Activité du 1er semestre 2026 corrigée pour « Lutte contre la non-décence de l'habitat"),
                    "{number}: {page}"
                );
                assert!(
                    text.contains("Annulation de l'avis de versement n° AVI-MEL-2026-"),
                    "{number}: {text}"
                );
                if recipient == ended {
                    assert!(page.contains("; aucun nouveau document n'est émis"), "{number}: {page}");
                } else {
                    assert!(
                        page.contains("; un nouveau document est émis pour la même période"),
                        "{number}: {page}"
                    );
                }
            }
            other => panic!("{number}: a {other} corrects a document"),
        }
    }
    for recipient in expected.keys().chain([&ended, &more]) {
        assert!(
            corrections.iter().any(|c| c["recipient"]["id"] == recipient.as_str()),
            "nothing cancelled for {recipient}"
        );
    }
    assert!(invoice_of(&joiner).is_some());

    // Signs: on every line, quantity × unit price has the sign of the amount — in lines.csv, on the PDF, in the CII.
    let rows = lines(&out);
    let mut negative = 0;
    for row in rows.iter().filter(|r| !r["quantity"].is_empty()) {
        let (quantity, amount) = (&row["quantity"], &row["amount"]);
        assert_eq!(quantity.starts_with('-'), amount.starts_with('-') && amount != "0.00", "{row:?}");
        assert!(!row["unit_price"].starts_with('-'), "{row:?}");
        negative += usize::from(quantity.starts_with('-'));
    }
    assert!(negative > 0, "the credit notes' lines are negative");
    let credit_note = corrections.iter().find(|c| c["kind"] == "credit_note").unwrap();
    let number = credit_note["number"].as_str().unwrap();
    let row = rows.iter().find(|r| r["document_number"] == number && !r["quantity"].is_empty()).unwrap();
    let text = text_of(&tool, &out.join(credit_note["file"].as_str().unwrap()), false);
    let printed = row["quantity"].replace('.', ",");
    assert!(text.contains(&format!(" {printed} ")), "{number}: quantity {printed} in {text}");
    // The CII of a credit note (381) carries the sign in its type: the cancelled lines are positive there.
    let xml = std::fs::read_to_string(out.join(credit_note["cii"]["file"].as_str().unwrap())).unwrap();
    assert!(xml.contains("<ram:TypeCode>381</ram:TypeCode>"));
    for quantity in xml.split("<ram:BilledQuantity unitCode=\"").skip(1) {
        let value = quantity.split('>').nth(1).unwrap().split('<').next().unwrap();
        assert!(!value.starts_with('-'), "{number}: a cancelled line is positive in a 381: {xml}");
    }
}
