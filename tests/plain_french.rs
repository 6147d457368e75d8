//! The bundled batch read back with `pdftotext`, every document of it, as a comptable public reads it: payment
//! notices worded for who pays whom and why, units on the quantities, statements of imputation citing CGCT
//! L5211-4-2 with the AC of the year before and after and the instalment reduced, shares of pools presented as
//! shares, and the computations in plain French — no raw unit code, no English unit, no « 2nd semestre », no
//! rounding riddle.
#![allow(clippy::unwrap_used, clippy::print_stderr, missing_docs)]

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

mod common;
use common::{fixtures, mutua, normalise, tool};

/// The documents of one run of the bundled dataset: (kind, recipient id, number, total in cents, text).
struct Document {
    kind: String,
    recipient: String,
    total_cents: i64,
    text: String,
}

fn cents(text: &str) -> i64 {
    let (units, fraction) = text.split_once('.').unwrap();
    let negative = units.starts_with('-');
    let magnitude =
        units.trim_start_matches('-').parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap();
    if negative { -magnitude } else { magnitude }
}

/// An amount in cents as the documents print it, spaces plain: « 108 695,00 € ».
fn french(cents: i64) -> String {
    let units = (cents.abs() / 100).to_string();
    let mut grouped = String::new();
    for (index, digit) in units.chars().enumerate() {
        if index > 0 && (units.len() - index).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(digit);
    }
    format!("{}{grouped},{:02} €", if cents < 0 { "-" } else { "" }, cents.abs() % 100)
}

fn documents() -> Option<&'static [Document]> {
    static DOCUMENTS: OnceLock<Option<(tempfile::TempDir, Vec<Document>)>> = OnceLock::new();
    DOCUMENTS
        .get_or_init(|| {
            let pdftotext = tool("pdftotext")?;
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("out");
            let output = mutua(&[
                "run",
                "--data",
                fixtures().to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--issue-date",
                "2026-07-15",
            ]);
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
            let manifest: Value =
                serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
            let documents = manifest["documents"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    let file = out.join(d["file"].as_str().unwrap());
                    let text = Command::new(&pdftotext).arg(&file).arg("-").output().unwrap().stdout;
                    Document {
                        kind: d["kind"].as_str().unwrap().to_owned(),
                        recipient: d["recipient"]["id"].as_str().unwrap().to_owned(),
                        total_cents: cents(d["total"].as_str().unwrap()),
                        text: normalise(&String::from_utf8(text).unwrap()),
                    }
                })
                .collect();
            Some((dir, documents))
        })
        .as_ref()
        .map(|(_, documents)| documents.as_slice())
}

/// The unit codes `activity.csv` uses, as written there.
fn unit_codes() -> Vec<String> {
    let text = std::fs::read_to_string(fixtures().join("activity.csv")).unwrap();
    let mut codes: Vec<String> =
        text.lines().skip(1).filter_map(|l| l.split(',').nth(4)).map(str::to_owned).collect();
    codes.sort();
    codes.dedup();
    codes
}

/// The words of a text, split on anything that is not a letter, a digit, `_` or `'`.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty())
}

#[test]
fn no_document_prints_a_raw_unit_code_an_english_unit_or_a_riddle() {
    let Some(documents) = documents() else { return };
    assert_eq!(documents.len(), 176);
    let codes = unit_codes();
    assert!(codes.len() >= 15, "{codes:?}");
    let english =
        ["hour", "hours", "metre", "metres", "meter", "day", "days", "file", "files", "unit", "units"];
    for document in documents {
        let text = &document.text;
        for word in words(text) {
            // `PC` is the French abbreviation of the « équivalent PC » unit the SIM ADS convention names; every
            // other code of activity.csv (A4_COULEUR, CUa, PROCEDURE, hour…) is a raw code on a document.
            assert!(
                word == "PC" || !codes.iter().any(|code| code == word),
                "raw unit code `{word}` in the document to {}: {text}",
                document.recipient
            );
            assert!(
                !english.contains(&word),
                "English unit `{word}` in the document to {}",
                document.recipient
            );
        }
        for riddle in [
            "2nd semestre",
            "troncature",
            "plus fort reste",
            "plus forts restes",
            "demi vers le haut",
            "centime(s)",
            "dont 1 centime",
            "opération(s)",
        ] {
            assert!(!text.contains(riddle), "« {riddle} » in the document to {}", document.recipient);
        }
        assert!(!text.contains("(PC) × 1"), "{text}");
    }
    // The computations say the activity in French: the printing network's pages, the RLPi's signs.
    let all: String = documents.iter().map(|d| d.text.as_str()).collect::<Vec<_>>().join("\n");
    for expected in [
        "pages A4 couleur × 4",
        "pages A4 noir et blanc × 1",
        "enseignes × 1",
        "déclarations préalables × 0,7",
        "heures d'accompagnement",
        "mètres linéaires conservés",
        "procédure de participation du public",
        "autorisations préalables de mise en location × 1",
    ] {
        assert!(all.contains(expected), "« {expected} » in no document");
    }
    // A share of a pool split by the remainder rule says why it has a cent more, in words.
    assert!(all.contains("plus 1 centime pour que les parts totalisent exactement le montant réparti"));
}

#[test]
fn payment_notices_say_who_pays_whom_and_why_with_units_on_their_quantities() {
    let Some(documents) = documents() else { return };
    let notices: Vec<&Document> = documents.iter().filter(|d| d.kind == "payment_notice").collect();
    assert_eq!(notices.len(), 46);
    let mut housing = 0;
    let mut cee = 0;
    for notice in &notices {
        let text = &notice.text;
        assert!(!text.contains("sommes reversées par le prestataire"), "{text}");
        assert!(
            text.contains("Versement par mandat administratif au comptable public du bénéficiaire"),
            "{text}"
        );
        assert!(text.contains("règle de non-compensation"), "{text}");
        if text.contains("Dossiers d'habitat instruits par la commune") {
            housing += 1;
            // The commune is the provider here: the notice says so, and pays for its work.
            assert!(
                text.contains(
                    "Rémunération des prestations réalisées par le destinataire pour le compte de l'émetteur"
                ),
                "{text}"
            );
            assert!(text.contains("en rémunération des prestations réalisées pour son compte"), "{text}");
            assert!(
                text.contains("est le prestataire et la Métropole Européenne de Lille le bénéficiaire"),
                "{text}"
            );
            assert!(text.contains("dossiers pondérés") || text.contains("dossier pondéré"), "{text}");
        }
        if text.contains("certificats d'économies d'énergie") {
            cee += 1;
            assert!(
                text.contains("sa part du produit de la vente des certificats d'économies d'énergie"),
                "{text}"
            );
            // The quantity is in MWh cumac, the basis in kWh cumac: both say so; a share of the proceeds has no
            // price per MWh (the deposit's was 8,10 €, net of the fee 7,695… €: a share, not a price).
            assert!(text.contains("MWh cumac") && text.contains("kWh cumac /"), "{text}");
            assert!(!text.contains("7,695 €") && !text.contains("8,740001 €"), "{text}");
        }
    }
    assert_eq!(housing, 28, "every housing commune is paid for its files");
    assert!(cee >= 31, "30 communes and the FEAL are paid CEE proceeds ({cee})");
    let lille = notices.iter().find(|d| d.recipient == "59350").unwrap();
    assert!(lille.text.contains("375 dossiers pondérés"), "{}", lille.text);
}

/// The attributions de compensation of `attributions.csv`: commune → AC of 2026 in cents.
fn attributions() -> BTreeMap<String, i64> {
    let text = std::fs::read_to_string(fixtures().join("attributions.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (cells[1].to_owned(), cents(cells[3]))
        })
        .collect()
}

#[test]
fn every_statement_cites_l5211_4_2_and_shows_the_ac_before_and_after_and_the_instalment() {
    let Some(documents) = documents() else { return };
    let attributions = attributions();
    let statements: Vec<&Document> = documents.iter().filter(|d| d.kind == "ac_statement").collect();
    assert_eq!(statements.len(), 27);
    for statement in statements {
        let text = &statement.text;
        let ac = attributions[&statement.recipient];
        let after = ac - statement.total_cents;
        for expected in [
            "article L5211-4-2 du CGCT".to_owned(),
            "ce document n'est pas une facture".to_owned(),
            format!("Attribution de compensation 2026 {}", french(ac)),
            format!("Montant imputé par le présent état {}", french(statement.total_cents)),
            format!("Attribution de compensation 2026 après imputation {}", french(after)),
            format!("passe de {} à {}", french(ac), french(after)),
            "Délibération n° 26 C 0031 du 6 février 2026".to_owned(),
        ] {
            assert!(
                text.contains(&expected),
                "« {expected} » not on the statement to {}: {text}",
                statement.recipient
            );
        }
        assert!(text.contains("Échéance réduite") || text.contains("Échéances réduites"), "{text}");
        if statement.recipient == "59522" {
            // Sailly-lez-Lannoy: 95 € on 50 € a month, July then August.
            assert!(text.contains("juillet 2026 (n° 7 sur 12), août 2026 (n° 8 sur 12)"), "{text}");
            assert!(text.contains("l'échéance d'août 2026 (n° 8 sur 12) de 50,00 € à 5,00 €"), "{text}");
        } else if statement.recipient == "59656" {
            // Wervicq-Sud, paid quarterly: September.
            assert!(text.contains("septembre 2026 (n° 3 sur 4)"), "{text}");
        } else {
            assert!(text.contains("juillet 2026 (n° 7 sur 12)"), "{text}");
        }
    }
}

#[test]
fn shares_of_a_pool_are_shares_of_an_amount_not_a_quantity_at_a_price() {
    let Some(documents) = documents() else { return };
    let quarries = documents
        .iter()
        .find(|d| d.kind == "invoice" && d.recipient == "MEL")
        .expect("Lille's carrières invoice to the MEL");
    // (pdftotext reads the table's cells line by line: the basis is checked line by line.)
    for fragment in ["40 % de 190 000,00 €", "(pourcentage fixé par la", "convention)"] {
        assert!(quarries.text.contains(fragment), "« {fragment} »: {}", quarries.text);
    }
    assert!(!quarries.text.contains("1 900,00 €"), "a percentage priced as a quantity: {}", quarries.text);
    for invoice in documents.iter().filter(|d| d.text.contains("GéOxalis : part variable")) {
        for fragment in
            [" hab. / 396 684 hab. ×", "80 000,00 € (clé :", "population totale, millésime", "2023)"]
        {
            assert!(invoice.text.contains(fragment), "« {fragment} »: {}", invoice.text);
        }
        assert!(!invoice.text.contains("0,201672"), "a share priced per inhabitant: {}", invoice.text);
    }
}
