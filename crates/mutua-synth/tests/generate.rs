//! The generator against the bundled template `fixtures/mel`: determinism, counts, unique and valid ids, and a
//! generated dataset that mutua loads, validates and checks for its semester without errors.
#![allow(clippy::unwrap_used, reason = "test helpers: a panic is a failed test, with its location")]

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use mutua_synth::{Overwrite, SynthError, epci_sizes, generate, generate_with};

fn template() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/mel")
}

/// Every file of a directory, by path relative to it, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                files.insert(name, fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// The rows of a CSV file, each as a map from column to cell.
fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|record| {
            header.iter().zip(record.unwrap().iter()).map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
        })
        .collect()
}

fn assert_unique<'a>(what: &str, values: impl IntoIterator<Item = &'a str>) -> usize {
    let mut seen = HashSet::new();
    for value in values {
        assert!(seen.insert(value.to_owned()), "{what}: `{value}` appears twice");
    }
    seen.len()
}

#[test]
fn two_runs_write_the_same_bytes() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = generate(&template(), 400, a.path()).unwrap();
    let second = generate(&template(), 400, b.path()).unwrap();
    assert_eq!(first, second);
    let (first, second) = (files(a.path()), files(b.path()));
    assert!(first.len() > 100, "{} files", first.len());
    assert_eq!(first.keys().collect::<Vec<_>>(), second.keys().collect::<Vec<_>>());
    for (name, bytes) in &first {
        assert!(bytes == &second[name], "{name} differs between two runs");
    }
}

#[test]
fn communes_exactly_ids_unique_and_keys_valid() {
    for communes in [1, 13, 150, 1000] {
        let out = tempfile::tempdir().unwrap();
        let summary = generate(&template(), communes, out.path()).unwrap();
        assert_eq!(summary.communes, communes);
        assert_eq!(summary.epci_sizes, epci_sizes(communes));
        let parties = rows(&out.path().join("parties.csv"));
        assert_eq!(summary.parties, parties.len());
        let commune_rows: Vec<_> = parties.iter().filter(|p| p["kind"] == "commune").collect();
        assert_eq!(commune_rows.len(), communes, "communes for {communes}");
        assert_eq!(parties.iter().filter(|p| p["kind"] == "metropole").count(), summary.epci_sizes.len());
        assert_unique("party id", parties.iter().map(|p| p["id"].as_str()));
        assert_unique("party name", parties.iter().map(|p| p["name"].as_str()));
        assert_unique("siren", parties.iter().map(|p| p["siren"].as_str()));
        assert_unique("siret", parties.iter().map(|p| p["siret"].as_str()));
        assert_unique("insee", commune_rows.iter().map(|p| p["insee"].as_str()));
        for party in &parties {
            mutua_core::Siren::parse(&party["siren"]).unwrap();
            mutua_core::Siret::parse(&party["siret"]).unwrap();
            assert!(party["siret"].starts_with(&party["siren"]));
            mutua_core::PartyId::parse(&party["id"]).unwrap();
            if party["kind"] == "commune" {
                mutua_core::InseeCode::parse(&party["insee"]).unwrap();
                assert_eq!(party["id"], party["insee"]);
            }
            if !party["iban"].is_empty() {
                mutua_core::Iban::parse(&party["iban"]).unwrap();
            }
        }
        let dispositifs = rows(&out.path().join("dispositifs.csv"));
        assert_unique("dispositif", dispositifs.iter().map(|d| d["id"].as_str()));
        let deposits = rows(&out.path().join("cee_deposits.csv"));
        assert_unique("deposit", deposits.iter().map(|d| d["id"].as_str()));
        let operations = rows(&out.path().join("cee_operations.csv"));
        assert_unique("CEE operation", operations.iter().map(|o| o["reference"].as_str()));
        let titres = rows(&out.path().join("titres.csv"));
        let lines: Vec<String> = titres
            .iter()
            .map(|t| format!("{} {} {}", t["number"], t["convention"], t["component"]))
            .collect();
        assert_unique("titre line", lines.iter().map(String::as_str));
        let mut convention_ids = Vec::new();
        for entry in fs::read_dir(out.path().join("conventions")).unwrap() {
            let text = fs::read_to_string(entry.unwrap().path()).unwrap();
            let id = text.lines().find_map(|line| line.strip_prefix("id = ")).unwrap();
            convention_ids.push(id.trim_matches('"').to_owned());
        }
        assert_eq!(convention_ids.len(), summary.conventions);
        assert_unique("convention", convention_ids.iter().map(String::as_str));
    }
}

#[test]
fn a_generated_dataset_loads_validates_and_checks() {
    let out = tempfile::tempdir().unwrap();
    let summary = generate(&template(), 150, out.path()).unwrap();
    // The carrières convention is cloned into the three EPCIs of 13 communes or more, each holding the clones
    // of Lille and of its members; the EPCI of 12 has none.
    assert_eq!(summary.epci_sizes, vec![95, 12, 25, 18]);
    let dataset = match mutua_dataset::load_directory(out.path()) {
        Ok(dataset) => dataset,
        Err(errors) => panic!("the generated dataset does not load:\n{errors}"),
    };
    assert_eq!(dataset.parties.values().filter(|p| p.is_commune()).count(), 150);
    let carrieres = dataset.conventions.keys().filter(|id| id.as_str().starts_with("carrieres-")).count();
    assert_eq!(carrieres, 3, "the EPCIs of 13 communes or more clone the carrières");
    let semester = dataset.meta.current_semester;
    let ledger = out.path().join("no-ledger.jsonl");
    let history =
        mutua_issue::ledger_history(&dataset, semester, &ledger, mutua_issue::LockWait::Fail).unwrap();
    let report = mutua_issue::check(&dataset, semester, None, mutua_issue::Depth::Documents, &history);
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn ninety_five_communes_clone_the_template() {
    let out = tempfile::tempdir().unwrap();
    generate(&template(), 95, out.path()).unwrap();
    for name in ["memberships.csv", "activity.csv", "cee_operations.csv", "titres.csv", "attributions.csv"] {
        let template_rows = rows(&template().join(name)).len();
        assert_eq!(rows(&out.path().join(name)).len(), template_rows, "{name}");
    }
    let conventions = fs::read_dir(out.path().join("conventions")).unwrap().count();
    assert_eq!(conventions, 16);
}

#[test]
fn a_dataset_is_not_written_over_unless_asked() {
    let out = tempfile::tempdir().unwrap();
    generate(&template(), 300, out.path()).unwrap();
    let refused = generate(&template(), 95, out.path()).unwrap_err();
    assert!(matches!(refused, SynthError::NotEmpty(_)));
    assert!(refused.to_string().contains("n'est pas vide"), "{refused}");
    generate_with(&template(), 95, out.path(), Overwrite::Replace).unwrap();
    // No convention of the larger dataset is left behind.
    assert_eq!(fs::read_dir(out.path().join("conventions")).unwrap().count(), 16);
    assert!(matches!(generate(&template(), 0, out.path()), Err(SynthError::NoCommunes)));
}
