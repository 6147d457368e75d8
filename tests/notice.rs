//! End-to-end tests of `mutua notice` on the bundled MEL dataset: the 2027 unit-cost notice of the SIM ADS, its
//! PDF read back with independent tools, its CSV, reruns and refusals.
#![allow(clippy::unwrap_used, clippy::print_stderr, missing_docs)]

use std::path::Path;
use std::process::Command;

mod common;
use common::{fixtures, mutua, normalise, tool};

fn notice(out: &Path, year: &str, date: &str) -> std::process::Output {
    mutua(&[
        "notice",
        "--data",
        fixtures().to_str().unwrap(),
        "--year",
        year,
        "--date",
        date,
        "--out",
        out.to_str().unwrap(),
    ])
}

#[test]
fn the_2027_notice_is_written_once_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("notices");
    let output = notice(&out, "2027", "2026-11-16");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "mutua notice failed: {stderr}");
    // 315,965.97 € / 690 EPC = 457.92 €.
    assert!(stderr.contains("sim-ads 2027 : 457,92\u{a0}€ par équivalent PC"), "{stderr}");
    let pdf = out.join("2027/sim-ads.pdf");
    let csv = out.join("2027/sim-ads.csv");
    let mut names: Vec<String> = std::fs::read_dir(out.join("2027"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["sim-ads.csv", "sim-ads.pdf"]);
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        csv_text.contains("\nsim-ads,2027,2026-11-16,2025,retained,unit_cost,457.92,EUR/équivalent PC,\n")
    );

    if let (Some(qpdf), Some(pdftotext), Some(pdffonts)) = (tool("qpdf"), tool("pdftotext"), tool("pdffonts"))
    {
        let check = Command::new(&qpdf).arg("--check").arg(&pdf).output().unwrap();
        assert!(check.status.success(), "qpdf --check: {}", String::from_utf8_lossy(&check.stdout));
        let fonts = String::from_utf8(Command::new(&pdffonts).arg(&pdf).output().unwrap().stdout).unwrap();
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty());
        for row in rows {
            let columns: Vec<&str> = row.split_whitespace().collect();
            assert!(row.contains("CID TrueType"), "{row}");
            assert_eq!(columns[columns.len() - 5..columns.len() - 2], ["yes", "yes", "yes"], "{row}");
        }
        let text = Command::new(&pdftotext).args(["-layout"]).arg(&pdf).arg("-").output().unwrap();
        let text = normalise(&String::from_utf8(text.stdout).unwrap());
        for expected in [
            "Notification du coût unitaire de fonctionnement — article D5211-16 du CGCT — exercice 2027",
            "16 novembre 2026",
            "457,92 € par équivalent PC",
            "303 784,37 €",
            "315 965,97 €",
            "465,64 €",
            "Fin de la location de l'archivage externe des dossiers",
            "−1 500,00 €",
            "Aubers",
        ] {
            assert!(text.contains(expected), "{expected} not in the notice: {text}");
        }
    }

    // Again with the same inputs: the same bytes, nothing rewritten.
    let before = std::fs::read(&pdf).unwrap();
    let again = notice(&out, "2027", "2026-11-16");
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    assert!(String::from_utf8_lossy(&again.stderr).contains("inchangé : "));
    assert_eq!(std::fs::read(&pdf).unwrap(), before);

    // Another date would change the notice already written: refused, nothing touched.
    let other = notice(&out, "2027", "2026-11-20");
    assert!(!other.status.success());
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert!(stderr.contains("existent déjà avec un autre contenu"), "{stderr}");
    assert_eq!(std::fs::read(&pdf).unwrap(), before);
}

#[test]
fn a_year_without_a_derived_unit_cost_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("notices");
    let output = notice(&out, "2026", "2025-11-16");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("aucun coût unitaire D5211-16 n'est établi pour 2026 (unit_costs.csv) pour « sim-ads » (valorisation prévisionnelle libre en valuations.csv:4)"),
        "{stderr}"
    );
    assert!(!out.exists());
    let bad = notice(&out, "2027", "16/11/2026");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--date « 16/11/2026 » invalide"));
    // A late notice is written, with a warning.
    let late = notice(&out, "2027", "2027-05-02");
    assert!(late.status.success());
    assert!(
        String::from_utf8_lossy(&late.stderr)
            .contains("attention : notification datée du 2 mai 2027, après le 15 avril 2027")
    );
}
