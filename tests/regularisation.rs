//! A regularisation subtracts what the ledger says was billed: Aubers' 2025-S2 activity corrected after its
//! invoice (five more planning files) is regularised in 2026-S1 against the 9 060,39 € its invoice billed, and a
//! titre for a semester the ledger covers is refused.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::{copy_dir, fixtures, mutua, normalise, output_text, tool};

#[test]
fn a_correction_after_billing_is_regularised_against_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    copy_dir(&fixtures(), &data);
    // mutua issues 2025 itself: no titres, and nothing carried into 2025-S1.
    let titres = std::fs::read_to_string(data.join("titres.csv")).unwrap();
    std::fs::remove_file(data.join("titres.csv")).unwrap();
    std::fs::remove_file(data.join("carried.csv")).unwrap();
    let out = dir.path().join("out");
    let ledger = dir.path().join("mutua-ledger.jsonl");
    let (data_arg, out_arg, ledger_arg) =
        (data.to_str().unwrap(), out.to_str().unwrap(), ledger.to_str().unwrap());
    for (semester, date) in [("2025-S1", "2025-07-15"), ("2025-S2", "2026-01-15")] {
        let run = mutua(&[
            "run",
            "--data",
            data_arg,
            "--semester",
            semester,
            "--out",
            out_arg,
            "--issue-date",
            date,
        ]);
        assert!(run.status.success(), "{}", output_text(&run));
    }
    // Five more planning files for Aubers in 2025-S2, recorded after its invoice.
    let activity = data.join("activity.csv");
    let corrected = std::fs::read_to_string(&activity)
        .unwrap()
        .replace("sim-ads-2015,59025,2025-S2,ads,PC,9\n", "sim-ads-2015,59025,2025-S2,ads,PC,14\n");
    std::fs::write(&activity, corrected).unwrap();
    let explain = mutua(&[
        "explain",
        "--data",
        data_arg,
        "--commune",
        "59025",
        "--dispositif",
        "sim-ads",
        "--ledger",
        ledger_arg,
    ]);
    let explained = output_text(&explain);
    assert!(explain.status.success(), "{explained}");
    // What the 2025-S2 invoice billed, with its number; the corrected activity is due on the actual.
    assert!(
        explained.contains("Facturé, 2d semestre 2025 : 9\u{202f}060,39\u{a0}€ — document n° FAC-MEL-2026-"),
        "{explained}"
    );
    assert!(
        explained.contains("Facturé, 1er semestre 2025 : 6\u{202f}629,55\u{a0}€ — document n° FAC-MEL-2025-"),
        "{explained}"
    );
    assert!(explained.contains("25,5 × 465,64\u{a0}€ par équivalent PC"), "{explained}");
    // 2026-S1 is issued with that regularisation.
    let run = mutua(&["run", "--data", data_arg, "--out", out_arg, "--issue-date", "2026-07-15"]);
    assert!(run.status.success(), "{}", output_text(&run));
    let lines = std::fs::read_to_string(out.join("lines.csv")).unwrap();
    let aubers = lines
        .lines()
        .find(|l| {
            l.contains(",59025,") && l.contains(",sim-ads-2015,") && l.contains(",regularisation:2025,")
        })
        .unwrap_or_else(|| panic!("no regularisation line for Aubers:\n{lines}"));
    // 18 858,42 € due on the actual (exactly: 15 and 25,5 units × 465,64 €) − 15 689,94 € billed.
    assert!(aubers.contains(",3168.48,"), "{aubers}");
    // A titre for a semester the ledger holds is refused, located, by check as by run.
    std::fs::write(data.join("titres.csv"), titres).unwrap();
    let check = mutua(&["check", "--data", data_arg, "--ledger", ledger_arg]);
    assert_eq!(check.status.code(), Some(1), "{}", output_text(&check));
    assert!(
        output_text(&check)
            .contains("titres.csv:2: semester: le 1er semestre 2025 est déjà au registre de mutua"),
        "{}",
        output_text(&check)
    );
}

fn cents(value: &serde_json::Value) -> i64 {
    let text = value.as_str().unwrap();
    let (units, fraction) = text.split_once('.').unwrap();
    let negative = units.starts_with('-');
    let magnitude =
        units.trim_start_matches('-').parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap();
    if negative { -magnitude } else { magnitude }
}

#[test]
fn a_negative_regularisation_is_paid_back_on_a_refund_notice_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    copy_dir(&fixtures(), &data);
    // The SIM ADS cost less in 2025 than forecast: 0.4 FTE and 4 000 € of running costs fewer. Every member
    // was billed more than it owes on the actual (titres.csv), and is paid back the difference.
    let valuations = std::fs::read_to_string(data.join("valuations.csv")).unwrap();
    let lower = valuations.replace(
        "sim-ads,2025,actual,1.00,3.20,1.00,19264.37,",
        "sim-ads,2025,actual,1.00,2.80,1.00,15264.37,",
    );
    assert_ne!(lower, valuations);
    std::fs::write(data.join("valuations.csv"), lower).unwrap();
    let out = dir.path().join("out");
    let (data_arg, out_arg) = (data.to_str().unwrap(), out.to_str().unwrap());
    let run = mutua(&["run", "--data", data_arg, "--out", out_arg, "--issue-date", "2026-07-15"]);
    assert!(run.status.success(), "{}", output_text(&run));
    assert!(output_text(&run).contains("avis de remboursement émis          22"), "{}", output_text(&run));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let documents = manifest["documents"].as_array().unwrap();
    let refunds: Vec<&serde_json::Value> = documents.iter().filter(|d| d["kind"] == "refund").collect();
    assert_eq!(refunds.len(), 22, "one per member of the SIM ADS");
    let aubers = refunds.iter().find(|d| d["recipient"]["id"] == "59025").unwrap();
    assert_eq!(aubers["number"], "REM-MEL-2026-00001");
    assert_eq!(aubers["series"], "REM-MEL-2026");
    assert_eq!(aubers["format"], "pdf", "a refund is not an e-invoice");
    // 15 189,39 € due on the actual (15 and 20,5 units × 427,87 €) − 15 689,94 € billed.
    assert_eq!(aubers["total"], "-500.55");
    // The invoices bill the semester only: no regularisation is netted on them.
    let lines = std::fs::read_to_string(out.join("lines.csv")).unwrap();
    for line in lines.lines().filter(|l| l.contains(",regularisation:2025,")) {
        assert!(line.starts_with("REM-MEL-2026-") && line.contains(",refund,MEL,"), "{line}");
        assert!(line.contains(",-") && line.ends_with(",673,773,out_of_scope"), "{line}");
    }
    assert!(documents.iter().all(|d| d["kind"] != "credit_note"));
    // Every dispositif adds up to the cent, the refunds in `refunded`, as lines.csv lists them.
    let mut refunded_lines = 0;
    for line in lines.lines().filter(|l| l.contains(",refund,")) {
        let amount = line.split(',').nth(14).unwrap();
        refunded_lines += cents(&serde_json::Value::String(amount.to_owned()));
    }
    for summary in manifest["dispositifs"].as_array().unwrap() {
        let accounted: i64 =
            ["invoiced", "credited", "imputed", "carried_forward", "paid", "retained", "netted", "refunded"]
                .iter()
                .map(|d| cents(&summary[*d]))
                .sum();
        assert_eq!(accounted, cents(&summary["computed"]), "{summary}");
    }
    let sim_ads =
        manifest["dispositifs"].as_array().unwrap().iter().find(|d| d["dispositif"] == "sim-ads").unwrap();
    assert_eq!(cents(&sim_ads["refunded"]), refunded_lines);
    assert_eq!(sim_ads["refunded"], "-9198.84");
    // The PDF reads back as a refund: its title, the amount paid back as a positive amount, the basis.
    let pdf = out.join(aubers["file"].as_str().unwrap());
    let first_bytes = std::fs::read(&pdf).unwrap();
    if let (Some(qpdf), Some(pdftotext)) = (tool("qpdf"), tool("pdftotext")) {
        let check = std::process::Command::new(&qpdf).arg("--check").arg(&pdf).output().unwrap();
        assert!(check.status.success(), "qpdf --check: {}", String::from_utf8_lossy(&check.stdout));
        let raw = std::process::Command::new(&pdftotext).arg(&pdf).arg("-").output().unwrap();
        let raw = normalise(&String::from_utf8(raw.stdout).unwrap());
        assert!(raw.contains("AVIS DE REMBOURSEMENT N° REM-MEL-2026-00001"), "{raw}");
        // The basis column wraps: its pieces, in order.
        for piece in ["Réalisé 15 189,39 € −", "facturé 15 689,94 €", "(exercice 2025)"] {
            assert!(raw.contains(piece), "{piece} not in {raw}");
        }
        assert!(raw.contains("Régularisation de l'exercice 2025 sur coût réel"), "{raw}");
        assert!(raw.contains("Imputation : 673 / 773"), "{raw}");
        assert!(raw.contains("chez l'émetteur, mandat au compte 673"), "{raw}");
        let layout =
            std::process::Command::new(&pdftotext).arg("-layout").arg(&pdf).arg("-").output().unwrap();
        let layout = String::from_utf8(layout.stdout).unwrap();
        let total = layout.lines().map(normalise).find(|l| l.starts_with("Montant remboursé")).unwrap();
        assert!(total.ends_with(" 500,55 €") && !total.contains('-'), "{total}");
    }
    // A re-run keeps every refund, its number and its bytes.
    let again = mutua(&["run", "--data", data_arg, "--out", out_arg, "--issue-date", "2026-07-20"]);
    assert!(again.status.success(), "{}", output_text(&again));
    let rerun: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let kept =
        rerun["documents"].as_array().unwrap().iter().find(|d| d["number"] == "REM-MEL-2026-00001").unwrap();
    assert_eq!(
        (&kept["status"], &kept["sha256"], &kept["issue_date"]),
        (&"kept".into(), &aubers["sha256"], &"2026-07-15".into())
    );
    assert!(rerun["cancelled"].as_array().unwrap().is_empty());
    assert_eq!(std::fs::read(&pdf).unwrap(), first_bytes);
    assert_eq!(std::fs::read_to_string(out.join("lines.csv")).unwrap(), lines);
    // A refund whose amount changes is cancelled by an avis d'annulation (not a credit note: it is no invoice)
    // and issued again with the next number; the invoices, unchanged, are kept.
    let valuations = std::fs::read_to_string(data.join("valuations.csv")).unwrap();
    std::fs::write(data.join("valuations.csv"), valuations.replace(",15264.37,", ",15000.00,")).unwrap();
    let changed = mutua(&["run", "--data", data_arg, "--out", out_arg, "--issue-date", "2026-07-25"]);
    assert!(changed.status.success(), "{}", output_text(&changed));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let documents = manifest["documents"].as_array().unwrap();
    let cancelled: Vec<&str> =
        manifest["cancelled"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(cancelled.len(), 22, "{cancelled:?}");
    assert!(cancelled.iter().all(|n| n.starts_with("REM-MEL-2026-")), "{cancelled:?}");
    let annulation = documents.iter().find(|d| d["corrects"] == "REM-MEL-2026-00001").unwrap();
    assert_eq!((&annulation["kind"], &annulation["total"]), (&"cancellation".into(), &"500.55".into()));
    let reissued = documents
        .iter()
        .find(|d| d["kind"] == "refund" && d["recipient"]["id"] == "59025" && d["status"] == "issued")
        .unwrap();
    assert_eq!(reissued["number"], "REM-MEL-2026-00023");
    assert!(documents.iter().filter(|d| d["kind"] == "invoice").all(|d| d["status"] == "kept"));
    assert!(documents.iter().all(|d| d["kind"] != "credit_note"));
    let lines = std::fs::read_to_string(out.join("lines.csv")).unwrap();
    let annulled = lines.lines().find(|l| l.starts_with(annulation["number"].as_str().unwrap())).unwrap();
    assert!(
        annulled.contains(",cancellation,MEL,59025,") && annulled.ends_with(",500.55,673,773,out_of_scope"),
        "{annulled}"
    );
    let ledger = mutua(&["ledger", "--ledger", dir.path().join("mutua-ledger.jsonl").to_str().unwrap()]);
    assert!(ledger.status.success(), "{}", output_text(&ledger));
}
