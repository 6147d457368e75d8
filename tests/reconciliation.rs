//! Every cent accounted for, as a finance officer sees it: `check` and `run` refuse a semester whose activity was
//! never recorded, say what nobody is billed for and why, and `manifest.json` holds the reconciliation.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::{copy_dir, fixtures, mutua};
use serde_json::Value;

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_semester_without_its_activity_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let data = fixtures();
    let check = mutua(&["check", "--data", data.to_str().unwrap(), "--semester", "2026-S2"]);
    assert_eq!(check.status.code(), Some(1));
    let run = mutua(&[
        "run",
        "--data",
        data.to_str().unwrap(),
        "--semester",
        "2026-S2",
        "--out",
        out.to_str().unwrap(),
        "--issue-date",
        "2027-01-15",
    ]);
    assert_eq!(run.status.code(), Some(1));
    for output in [&check, &run] {
        let text = stderr(output);
        assert!(
            text.contains("conventions/sim-ads-2015.toml:6: terms[0].components[0].rule: aucune ligne d'activité « ads » pour 2026-S2"),
            "{text}"
        );
    }
    assert!(stderr(&run).contains("rien n'est émis"), "{}", stderr(&run));
    assert!(!out.exists(), "a refused run created its output");
    assert!(!dir.path().join("mutua-ledger.jsonl").exists(), "a refused run created a ledger");
}

#[test]
fn what_nobody_is_billed_for_is_said_with_its_reason_and_recorded_in_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    copy_dir(&fixtures(), &data);
    // A member of the underground-quarries service (fixed percentages) leaves at the end of March.
    let memberships = std::fs::read_to_string(data.join("memberships.csv")).unwrap();
    let line =
        memberships.lines().find(|l| l.starts_with("carrieres-2018,59") && !l.contains("59350")).unwrap();
    let member = line.split(',').nth(1).unwrap().to_owned();
    let left = format!("carrieres-2018,{member},{},2026-03-31", line.split(',').nth(2).unwrap());
    std::fs::write(data.join("memberships.csv"), memberships.replacen(line, &left, 1)).unwrap();
    let check = mutua(&["check", "--data", data.to_str().unwrap()]);
    assert!(check.status.success(), "{}", stderr(&check));
    let warning = format!("pourcentages fixes de membres absents sur une partie de la période ({member})");
    assert!(stderr(&check).contains(&warning), "{}", stderr(&check));
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(stdout.contains("Rapprochement du 2026-S1") && stdout.contains("non facturé"), "{stdout}");
    let out = dir.path().join("out");
    let run = mutua(&[
        "run",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--issue-date",
        "2026-07-15",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(stderr(&run).contains(&warning), "{}", stderr(&run));
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let pool =
        manifest["pools"].as_array().unwrap().iter().find(|p| p["convention"] == "carrieres-2018").unwrap();
    let unbilled = &pool["unbilled"][0];
    assert_eq!(unbilled["reason"], "absent_members");
    assert_eq!(unbilled["members"], serde_json::json!([member]));
    let carrieres =
        manifest["dispositifs"].as_array().unwrap().iter().find(|d| d["dispositif"] == "carrieres").unwrap();
    assert_eq!(carrieres["unbilled"], unbilled["amount"]);
    // And explain --dispositif says where it went.
    let explain = mutua(&[
        "explain",
        "--data",
        data.to_str().unwrap(),
        "--commune",
        "59350",
        "--dispositif",
        "carrieres",
    ]);
    let text = String::from_utf8_lossy(&explain.stdout);
    assert!(text.contains("Rapprochement du dispositif carrieres au 2026-S1"), "{text}");
    assert!(text.contains("non facturé") && text.contains(&member), "{text}");
}

#[test]
fn an_amount_carried_from_a_later_semester_is_left_aside_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    copy_dir(&fixtures(), &data);
    let mut carried = std::fs::read_to_string(data.join("carried.csv")).unwrap();
    carried.push_str("2026-S1,MEL,59163,impression-2023,Impressions du réseau métropolitain,9.00\n");
    std::fs::write(data.join("carried.csv"), carried).unwrap();
    let check = mutua(&["check", "--data", data.to_str().unwrap()]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(
        stderr(&check).contains("attention : carried.csv:3: semester: montant reporté du 2026-S1 : il appartient à l'exécution du 2026-S2"),
        "{}",
        stderr(&check)
    );
}
