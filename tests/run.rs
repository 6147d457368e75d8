//! End-to-end tests of `mutua run` on the bundled MEL dataset: documents, exports, PDFs read back with
//! independent tools, determinism and atomicity.
#![allow(clippy::unwrap_used, clippy::print_stderr, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

mod common;
use common::{copy_dir, fixtures, mutua, normalise, tool};

const ISSUE_DATE: &str = "2026-07-15";

/// One batch run shared by the tests that only read its output.
fn batch() -> &'static (tempfile::TempDir, PathBuf) {
    static BATCH: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    BATCH.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let output = mutua(&[
            "run",
            "--data",
            fixtures().to_str().unwrap(),
            "--semester",
            "2026-S1",
            "--out",
            out.to_str().unwrap(),
            "--issue-date",
            ISSUE_DATE,
        ]);
        assert!(output.status.success(), "mutua run failed: {}", String::from_utf8_lossy(&output.stderr));
        (dir, out)
    })
}

fn manifest() -> Value {
    let text = std::fs::read_to_string(batch().1.join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn documents() -> Vec<Value> {
    manifest()["documents"].as_array().unwrap().clone()
}

fn cents(value: &Value) -> i64 {
    let text = value.as_str().expect("amounts are strings");
    let (units, fraction) = text.split_once('.').expect("two decimals");
    assert_eq!(fraction.len(), 2, "{text}");
    let negative = units.starts_with('-');
    let magnitude =
        units.trim_start_matches('-').parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap();
    if negative { -magnitude } else { magnitude }
}

/// Reads `lines.csv` as rows of (header → cell).
fn lines() -> Vec<BTreeMap<String, String>> {
    let mut reader = csv_reader(&batch().1.join("lines.csv"));
    let headers: Vec<String> = reader.remove(0);
    reader.into_iter().map(|row| headers.iter().cloned().zip(row).collect()).collect()
}

/// A minimal RFC 4180 reader (quoted cells, doubled quotes), enough for our own export.
fn csv_reader(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut cell)),
            ('\n', false) => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => cell.push(c),
        }
    }
    rows
}

#[test]
fn one_invoice_per_debtor_and_numbers_are_gapless_and_ordered() {
    let documents = documents();
    assert!(documents.len() > 50, "expected a document per member commune, got {}", documents.len());
    let mut by_series: BTreeMap<String, Vec<(u64, String)>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for document in &documents {
        let kind = document["kind"].as_str().unwrap();
        let issuer = document["issuer"]["id"].as_str().unwrap();
        let recipient = document["recipient"]["id"].as_str().unwrap();
        assert!(
            seen.insert((kind.to_owned(), issuer.to_owned(), recipient.to_owned())),
            "two {kind} from {issuer} to {recipient}"
        );
        let number = document["number"].as_str().unwrap();
        let series = document["series"].as_str().unwrap();
        let sequence: u64 = number.strip_prefix(&format!("{series}-")).unwrap().parse().unwrap();
        by_series.entry(series.to_owned()).or_default().push((sequence, recipient.to_owned()));
        if kind == "invoice" || kind == "credit_note" {
            assert!(cents(&document["total"]).abs() >= 1500, "{number} is under the titre threshold");
        }
    }
    for (series, mut entries) in by_series {
        let in_file_order: Vec<String> = entries.iter().map(|(_, r)| r.clone()).collect();
        entries.sort();
        let sequences: Vec<u64> = entries.iter().map(|(s, _)| *s).collect();
        let expected: Vec<u64> = (sequences[0]..sequences[0] + sequences.len() as u64).collect();
        assert_eq!(sequences, expected, "{series} has gaps or duplicates");
        let recipients: Vec<String> = entries.into_iter().map(|(_, r)| r).collect();
        let mut sorted = recipients.clone();
        sorted.sort();
        assert_eq!(recipients, sorted, "{series} is not numbered in recipient order");
        assert_eq!(in_file_order, recipients, "{series} is not listed in number order");
    }
    // Lille bills the MEL for the underground quarries.
    assert!(
        documents
            .iter()
            .any(|d| d["kind"] == "invoice" && d["issuer"]["id"] == "59350" && d["recipient"]["id"] == "MEL"),
        "the Ville de Lille invoices the MEL"
    );
    // The MEL's invoices go to member communes identified by INSEE code.
    for document in documents.iter().filter(|d| d["issuer"]["id"] == "MEL" && d["kind"] == "invoice") {
        assert_eq!(document["recipient"]["insee"], document["recipient"]["id"]);
    }
}

#[test]
fn lines_per_dispositif_and_pool_add_up_to_what_was_computed() {
    let manifest = manifest();
    let mut on_documents: BTreeMap<(String, String), i64> = BTreeMap::new();
    for line in lines() {
        let amount = cents(&Value::String(line["amount"].clone()));
        let destination = match line["document_kind"].as_str() {
            "invoice" => "invoiced",
            "credit_note" => "credited",
            "ac_statement" => "imputed",
            "payment_notice" => "paid",
            "refund" => "refunded",
            other => panic!("unknown document kind {other}"),
        };
        *on_documents.entry((line["dispositif"].clone(), destination.to_owned())).or_default() += amount;
    }
    let mut carried_total = 0;
    for summary in manifest["dispositifs"].as_array().unwrap() {
        let dispositif = summary["dispositif"].as_str().unwrap();
        let computed = cents(&summary["computed"]);
        let mut accounted = 0;
        for destination in
            ["invoiced", "credited", "imputed", "carried_forward", "paid", "retained", "netted", "refunded"]
        {
            accounted += cents(&summary[destination]);
        }
        assert_eq!(accounted, computed, "{dispositif}: Σ destinations ≠ computed");
        for destination in ["invoiced", "credited", "imputed", "paid", "refunded"] {
            let listed =
                on_documents.get(&(dispositif.to_owned(), destination.to_owned())).copied().unwrap_or(0);
            assert_eq!(
                listed,
                cents(&summary[destination]),
                "{dispositif} {destination}: lines.csv ≠ manifest"
            );
        }
        carried_total += cents(&summary["carried_forward"]);
    }
    // Every pool: to distribute = Σ destinations + Σ unbilled.
    let pools = manifest["pools"].as_array().unwrap();
    assert!(pools.len() >= 4, "{pools:?}");
    for pool in pools {
        let mut accounted: i64 =
            ["invoiced", "credited", "imputed", "carried_forward", "paid", "retained", "netted", "refunded"]
                .iter()
                .map(|d| cents(&pool[*d]))
                .sum();
        accounted += pool["unbilled"].as_array().unwrap().iter().map(|u| cents(&u["amount"])).sum::<i64>();
        assert_eq!(accounted, cents(&pool["to_distribute"]), "{pool}");
    }
    let listed: i64 =
        manifest["carried_forward"].as_array().unwrap().iter().map(|c| cents(&c["amount"])).sum();
    assert_eq!(listed, carried_total);
    assert!(carried_total > 0, "the MEL dataset has a commune under the 15 € threshold in 2026-S1");
    let carried_csv = csv_reader(&batch().1.join("carried.csv"));
    assert_eq!(carried_csv[0].join(","), "semester,issuer,debtor,convention,component,label,amount,origin");
    assert_eq!(carried_csv.len() - 1, manifest["carried_forward"].as_array().unwrap().len());
}

#[test]
fn cee_shares_appear_only_on_payment_notices() {
    let mut notices = 0;
    for line in lines() {
        if line["line_kind"].starts_with("cee:") {
            assert_eq!(line["document_kind"], "payment_notice", "{line:?}");
            notices += 1;
        }
    }
    assert!(notices > 0, "the 2026-S1 deposit pays CEE shares");
    // The FEAL, a syndicate, is paid like a commune.
    assert!(documents().iter().any(|d| d["kind"] == "payment_notice" && d["recipient"]["id"] == "FEAL"));
    // Regularisation lines of 2025 are billed in 2026-S1.
    assert!(lines().iter().any(|l| l["line_kind"] == "regularisation:2025"));
    // The attribution-de-compensation dispositif gets statements, not invoices.
    assert!(documents().iter().any(|d| d["kind"] == "ac_statement"));
}

#[test]
fn manifest_hashes_match_the_files() {
    use sha2::{Digest, Sha256};
    for document in documents() {
        let file = batch().1.join(document["file"].as_str().unwrap());
        let bytes = std::fs::read(&file).unwrap();
        let hex: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, document["sha256"].as_str().unwrap(), "{}", file.display());
        let name = document["file"].as_str().unwrap();
        assert!(name.starts_with(document["number"].as_str().unwrap()) && name.ends_with(".pdf"));
    }
}

/// French formatting of a manifest amount, with plain spaces (poppler turns narrow no-break spaces into spaces).
fn french(amount: &Value) -> String {
    let c = cents(amount);
    let units = (c.abs() / 100).to_string();
    let mut grouped = String::new();
    for (index, digit) in units.chars().enumerate() {
        if index > 0 && (units.len() - index).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(digit);
    }
    format!("{}{grouped},{:02} €", if c < 0 { "-" } else { "" }, c.abs() % 100)
}

#[test]
fn pdfs_pass_independent_checks() {
    let (Some(qpdf), Some(pdftotext), Some(pdffonts)) = (tool("qpdf"), tool("pdftotext"), tool("pdffonts"))
    else {
        return;
    };
    let documents = documents();
    // Every kind, plus the first and last invoices.
    let mut sample: Vec<&Value> = Vec::new();
    for kind in ["invoice", "payment_notice", "ac_statement"] {
        let of_kind: Vec<&Value> = documents.iter().filter(|d| d["kind"] == kind).collect();
        sample.extend(of_kind.first());
        sample.extend(of_kind.last());
    }
    sample.extend(documents.iter().find(|d| d["issuer"]["id"] == "59350"));
    assert!(sample.len() >= 5);
    for document in sample {
        let file = batch().1.join(document["file"].as_str().unwrap());
        let check = Command::new(&qpdf).arg("--check").arg(&file).output().unwrap();
        assert!(
            check.status.success(),
            "qpdf --check {}: {}",
            file.display(),
            String::from_utf8_lossy(&check.stdout)
        );
        let fonts = String::from_utf8(Command::new(&pdffonts).arg(&file).output().unwrap().stdout).unwrap();
        let font_rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!font_rows.is_empty(), "no fonts in {}", file.display());
        for row in font_rows {
            let columns: Vec<&str> = row.split_whitespace().collect();
            // name type(2 words) encoding emb sub uni object ID
            assert!(row.contains("CID TrueType"), "{row}");
            assert_eq!(columns[columns.len() - 5], "yes", "not embedded: {row}");
            assert_eq!(columns[columns.len() - 4], "yes", "not a subset: {row}");
            assert_eq!(columns[columns.len() - 3], "yes", "no ToUnicode: {row}");
        }
        let text = Command::new(&pdftotext).args(["-layout"]).arg(&file).arg("-").output().unwrap();
        let text = normalise(&String::from_utf8(text.stdout).unwrap());
        let recipient = document["recipient"]["name"].as_str().unwrap();
        assert!(text.contains(&normalise(recipient)), "{recipient} not in {}", file.display());
        assert!(text.contains(document["number"].as_str().unwrap()), "number not in {}", file.display());
        let total = french(&document["total"]);
        let total = total.trim_start_matches('-');
        assert!(text.contains(total), "total {total} not in {}: {text}", file.display());
        assert!(text.contains("Détail du calcul"), "no annex in {}", file.display());
        if document["kind"] == "invoice" {
            assert!(text.contains("TVA non applicable – article 256 B du CGI"), "{}", file.display());
            assert!(text.contains(&format!("SIRET {}", "")) || text.contains("SIRET"), "{}", file.display());
            assert!(text.contains("15 juillet 2026"), "issue date in {}", file.display());
            assert!(text.contains("du 01/01/2026 au 30/06/2026"), "period in {}", file.display());
        }
    }
}

/// A commune's legal name (« Commune de Lille ») as running text names it (« la commune de Lille »).
fn running_commune(legal_name: &str) -> String {
    format!("la c{}", legal_name.strip_prefix('C').unwrap())
}

/// Every document of the batch, read back: the parties are the legal persons, named with their articles in
/// running text, never the mairie (a building) nor a raw id; the e-invoices name them alike (BT-27, BT-44) with
/// the usage name as trading name (BT-28).
#[test]
fn every_document_names_the_legal_persons_with_their_articles() {
    let (Some(pdftotext), Some(qpdf)) = (tool("pdftotext"), tool("qpdf")) else {
        return;
    };
    let documents = documents();
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    for document in &documents {
        let file = batch().1.join(document["file"].as_str().unwrap());
        let text = Command::new(&pdftotext).args(["-layout"]).arg(&file).arg("-").output().unwrap();
        let text = normalise(&String::from_utf8(text.stdout).unwrap());
        let number = document["number"].as_str().unwrap();
        for mairie in ["Mairie de", "Mairie d'", "Mairie du", "Mairie des"] {
            assert!(!text.contains(mairie), "{number} names « {mairie} … » as a party");
        }
        for side in ["issuer", "recipient"] {
            let party = &document[side];
            let legal = party["legal_name"].as_str().unwrap();
            assert!(text.contains(legal), "{number}: the {side}'s legal name « {legal} » is not printed");
            if party.get("insee").is_some() {
                assert!(legal.starts_with("Commune "), "{number}: {legal}");
                let running = running_commune(legal);
                assert!(text.contains(&running), "{number}: « {running} » is not in its running text");
            }
        }
        // The annex names who owes or is paid each amount, never by its id.
        for raw in ["(dû par ", "(versé à ", "(remboursé à "] {
            for (index, _) in text.match_indices(raw) {
                let after = &text[index + raw.len()..];
                assert!(
                    after.starts_with("la ") || after.starts_with("le ") || after.starts_with("l'"),
                    "{number}: « {raw}{} »",
                    &after[..after.len().min(30)]
                );
            }
        }
        let kind = document["kind"].as_str().unwrap();
        if kind == "invoice" {
            let issuer = match document["issuer"]["id"].as_str().unwrap() {
                "MEL" => "la Métropole Européenne de Lille",
                "59350" => "la commune de Lille",
                other => panic!("unexpected issuer {other}"),
            };
            // Named in the running text: whose accountant is paid.
            let paid = format!("comptable public assignataire de {issuer}");
            assert!(text.contains(&paid), "{number}: « {paid} »");
        }
        if matches!(kind, "invoice" | "credit_note") {
            let shown =
                Command::new(&qpdf).arg("--show-attachment=factur-x.xml").arg(&file).output().unwrap();
            assert!(shown.status.success(), "{number}");
            let xml = String::from_utf8(shown.stdout).unwrap();
            for (side, element) in [("issuer", "SellerTradeParty"), ("recipient", "BuyerTradeParty")] {
                // Text is escaped for `&`, `<` and `>` only, which no name holds here.
                let legal = document[side]["legal_name"].as_str().unwrap();
                let expected = format!("<ram:{element}><ram:GlobalID schemeID=\"0002\">");
                let start = xml.find(&expected).unwrap_or_else(|| panic!("{number}: no {element}"));
                let party = &xml[start..];
                let name = party.find("<ram:Name>").unwrap();
                assert!(
                    party[name..].starts_with(&format!("<ram:Name>{legal}</ram:Name>")),
                    "{number}: {element} is not named « {legal} »"
                );
            }
        }
        texts.insert(number.to_owned(), text);
    }
    // The cases of the French grammar present in the batch: articles, contractions, elision before a vowel and
    // before an h (as each commune writes it), a usage name, a syndicate.
    let of = |issuer: &str, recipient: &str, kind: &str| -> &String {
        let document = documents
            .iter()
            .find(|d| d["issuer"]["id"] == issuer && d["recipient"]["id"] == recipient && d["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} from {issuer} to {recipient}"));
        &texts[document["number"].as_str().unwrap()]
    };
    let cases = [
        ("MEL", "59371", "invoice", vec!["Commune du Maisnil", "(dû par la commune du Maisnil)"]),
        ("MEL", "59011", "invoice", vec!["Commune d'Annœullin", "(dû par la commune d'Annœullin)"]),
        ("MEL", "59299", "invoice", vec!["Commune de Hem", "(dû par la commune de Hem)"]),
        ("MEL", "59051", "invoice", vec!["Commune de La Bassée", "(dû par la commune de La Bassée)"]),
        ("MEL", "59279", "payment_notice", vec!["Commune d'Halluin", "(versé à la commune d'Halluin)"]),
        ("59350", "59286", "invoice", vec!["Commune d'Haubourdin", "(dû par la commune d'Haubourdin)"]),
        (
            "59350",
            "MEL",
            "invoice",
            vec![
                "Commune de Lille (Ville de Lille)",
                "comptable public assignataire de la commune de Lille",
                "(dû par la Métropole Européenne de Lille)",
            ],
        ),
        (
            "MEL",
            "FEAL",
            "payment_notice",
            vec![
                "La Métropole Européenne de Lille reverse",
                "à la Fédération d'électricité de l'arrondissement de Lille, sa part du produit",
                "(versé à la Fédération d'électricité de l'arrondissement de Lille)",
            ],
        ),
        ("MEL", "59512", "invoice", vec!["Commune de Roubaix (Ville de Roubaix)"]),
    ];
    for (issuer, recipient, kind, phrases) in cases {
        let text = of(issuer, recipient, kind);
        for phrase in phrases {
            assert!(text.contains(phrase), "{kind} {issuer} → {recipient}: « {phrase} » not in {text}");
        }
    }
}

#[test]
fn running_twice_gives_identical_bytes() {
    let first = &batch().1;
    let dir = tempfile::tempdir().unwrap();
    // The same layout in another folder: the same bytes, manifest and ledger head included.
    let second = dir.path().join("out");
    let output = mutua(&[
        "run",
        "--data",
        fixtures().to_str().unwrap(),
        "--out",
        second.to_str().unwrap(),
        "--issue-date",
        ISSUE_DATE,
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let list = |dir: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name != ".mutua")
            .collect();
        names.sort();
        names
    };
    assert_eq!(list(first), list(&second));
    for name in list(first) {
        assert!(
            std::fs::read(first.join(&name)).unwrap() == std::fs::read(second.join(&name)).unwrap(),
            "{name} differs"
        );
    }
}

#[test]
fn a_broken_dataset_exits_1_and_leaves_the_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    copy_dir(&fixtures(), &data);
    // A float in a convention and an impossible date in the memberships: both reported, nothing written.
    let cep = data.join("conventions/cep-2021.toml");
    let text = std::fs::read_to_string(&cep).unwrap();
    std::fs::write(&cep, text.replacen("rate_per_year = \"1.20\"", "rate_per_year = 1.20", 1)).unwrap();
    let memberships = data.join("memberships.csv");
    let mut text = std::fs::read_to_string(&memberships).unwrap();
    text.push_str("cep-2021,59005,2026-13-01,\n");
    std::fs::write(&memberships, text).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("earlier.txt"), "an earlier run").unwrap();
    let output = mutua(&[
        "run",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--issue-date",
        ISSUE_DATE,
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("conventions/cep-2021.toml:"), "{stderr}");
    assert!(stderr.contains("memberships.csv:"), "{stderr}");
    let entries: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
    assert_eq!(entries.len(), 1, "the output directory was changed");
    assert_eq!(std::fs::read_to_string(out.join("earlier.txt")).unwrap(), "an earlier run");
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary directories left behind: {leftovers:?}");
}

#[test]
fn explain_prints_lilles_computation_and_refuses_unknowns() {
    let output = mutua(&["explain", "--commune", "59350", "--semester", "2026-S1"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("Commune de Lille (INSEE 59350) — 1er semestre 2026"), "{text}");
    assert!(text.contains("Règle :") && text.contains("Montant exact"), "{text}");
    assert!(text.contains("Total à facturer à la commune de Lille : "), "{text}");
    assert!(text.contains("Facture de la Métropole Européenne de Lille à la commune de Lille — "), "{text}");
    assert!(text.contains("Facture de la commune de Lille à la Métropole Européenne de Lille — "), "{text}");
    assert!(text.contains("(dû par la commune de Lille)"), "{text}");
    assert!(text.contains("Total facturé par la commune de Lille aux membres de ses services"), "{text}");
    for (args, message) in [
        (vec!["explain", "--commune", "99999"], "commune « 99999 » inconnue"),
        (vec!["explain", "--commune", "59350", "--semester", "2026-S3"], "--semester « 2026-S3 » invalide"),
        (vec!["explain", "--commune", "59350", "--semester", "2031-S1"], "aucune donnée pour 2031-S1"),
        (vec!["explain", "--commune", "59350", "--dispositif", "nope"], "dispositif « nope » inconnu"),
    ] {
        let output = mutua(&args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}
