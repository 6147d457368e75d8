//! Re-runs keep what is issued, corrections go through credit notes, dry runs touch nothing issued, and
//! `mutua ledger` sees every change made behind mutua's back.

use std::collections::BTreeMap;

use super::*;

#[test]
fn a_rerun_on_the_same_inputs_issues_nothing_and_says_which_date_documents_keep() {
    let workspace = Workspace::new();
    workspace.run("2026-07-15");
    let first = workspace.files();
    let ledger = workspace.ledger_bytes();
    let anchor = std::fs::read(workspace.anchor()).unwrap();
    // Another day: kept documents keep their numbers and dates, and the run says so.
    let output = workspace.run("2026-07-20");
    assert!(
        stderr(&output)
            .contains("176 document(s) déjà émis conservé(s) avec leur date d'émission (15/07/2026)"),
        "{}",
        stderr(&output)
    );
    assert_eq!(workspace.ledger_bytes(), ledger, "the ledger changed");
    assert_eq!(std::fs::read(workspace.anchor()).unwrap(), anchor, "the anchor changed");
    let second = workspace.files();
    assert_eq!(first.keys().collect::<Vec<_>>(), second.keys().collect::<Vec<_>>());
    for (name, bytes) in &first {
        if name != "manifest.json" {
            assert!(second[name] == *bytes, "{name} differs");
        }
    }
    let manifest = workspace.manifest();
    let documents = manifest["documents"].as_array().unwrap();
    assert!(documents.iter().all(|d| d["status"] == "kept" && d["issue_date"] == "2026-07-15"));
    assert!(manifest["cancelled"].as_array().unwrap().is_empty());
    assert_eq!(manifest["ledger"]["entries"], 178);
    workspace.assert_ledger_passes("after a re-run");
}

#[test]
fn a_rerun_in_another_format_keeps_the_issued_format() {
    let workspace = Workspace::new();
    workspace.run("2026-07-15");
    let first = workspace.files();
    let output = workspace.try_run("2026-07-21", &["--format", "pdf"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut second = workspace.files();
    let mut first = first;
    first.remove("manifest.json");
    second.remove("manifest.json");
    assert_eq!(first, second, "an issued document changed with the run's format");
    assert!(workspace.manifest()["documents"].as_array().unwrap().iter().any(|d| d["format"] == "facturx"));
}

#[test]
fn a_changed_activity_gives_one_credit_note_and_one_new_invoice() {
    let workspace = Workspace::new();
    workspace.run("2026-07-15");
    let before = workspace.files();
    let count_before = workspace.documents().len();
    let debtor = workspace.change_activity("registre", "3");
    workspace.run("2026-08-03");
    let documents = workspace.documents();
    assert_eq!(documents.len(), count_before + 2, "exactly two new documents");
    let new = &documents[count_before..];
    let credit = new.iter().find(|d| d["kind"] == "credit_note").unwrap();
    let invoice = new.iter().find(|d| d["kind"] == "invoice").unwrap();
    assert_eq!(
        (credit["recipient"].as_str(), invoice["recipient"].as_str()),
        (Some(debtor.as_str()), Some(debtor.as_str()))
    );
    let cancelled = credit["corrects"].as_str().unwrap();
    let original = documents.iter().find(|d| d["number"] == cancelled).unwrap();
    assert_eq!(original["recipient"].as_str(), Some(debtor.as_str()));
    assert_eq!(credit["issue_date"], "2026-08-03");
    assert_eq!(credit["number"], "AVO-MEL-2026-00001");
    assert_eq!(credit["total"].as_str().unwrap(), format!("-{}", original["total"].as_str().unwrap()));
    assert_ledger_sound(&documents);
    // Every earlier file is untouched, byte for byte, the cancelled invoice included.
    let after = workspace.files();
    for (name, bytes) in &before {
        if name.ends_with(".pdf") {
            assert!(after.get(name) == Some(bytes), "{name} changed or vanished");
        }
    }
    assert_outputs_match(&workspace);
    let manifest = workspace.manifest();
    assert_eq!(manifest["cancelled"], serde_json::json!([cancelled]));
    let statuses: BTreeMap<String, usize> =
        manifest["documents"].as_array().unwrap().iter().fold(BTreeMap::new(), |mut counts, d| {
            *counts.entry(d["status"].as_str().unwrap().to_owned()).or_default() += 1;
            counts
        });
    assert_eq!((statuses["issued"], statuses["cancelled"], statuses["kept"]), (2, 1, 175), "{statuses:?}");
    // The credit note says what it cancels, in French, and its lines are negative in lines.csv.
    let credit_file = workspace.out().join(credit["file"]["name"].as_str().unwrap());
    if let Some(text) = pdftotext(&credit_file) {
        assert!(text.contains("AVOIR") && text.contains(&format!("facture n° {cancelled}")), "{text}");
        assert!(text.contains(&format!("Annulation de la facture n° {cancelled}")), "{text}");
        assert!(text.contains("annule, ligne par ligne"), "{text}");
    }
    let lines = std::fs::read_to_string(workspace.out().join("lines.csv")).unwrap();
    let credit_lines: Vec<&str> =
        lines.lines().filter(|l| l.starts_with(credit["number"].as_str().unwrap())).collect();
    assert!(!credit_lines.is_empty());
    assert!(credit_lines.iter().all(|l| l.contains(",-")), "{credit_lines:?}");
    workspace.assert_ledger_passes("after a credit note");
}

#[test]
fn a_dry_run_touches_nothing_issued_and_a_later_run_replaces_its_drafts() {
    let workspace = Workspace::new();
    workspace.run("2026-07-15");
    let ledger = workspace.ledger_bytes();
    let issued = workspace.files();
    workspace.change_activity("registre", "5");
    let drafts = workspace.dir.path().join("projets");
    let output = workspace.try_run_into(&drafts, "2026-08-01", &["--dry-run"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(workspace.ledger_bytes(), ledger, "a dry run changed the ledger");
    assert_eq!(workspace.files(), issued, "a dry run changed the issued output");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(drafts.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["draft"], true);
    let first = &manifest["documents"][0];
    assert_eq!((first["status"].as_str(), first["number"].is_null()), (Some("draft"), true));
    assert!(first["file"].as_str().unwrap().starts_with("PROJET_"));
    if let Some(text) = pdftotext(&drafts.join(first["file"].as_str().unwrap())) {
        assert!(text.contains("PROJET"), "{text}");
        assert!(!text.contains("FAC-MEL-2026-0"), "a draft shows no number: {text}");
    }
    // A second dry run replaces the drafts it wrote, and keeps a file the user put there.
    std::fs::write(drafts.join("notes.txt"), "mes notes").unwrap();
    let output = workspace.try_run_into(&drafts, "2026-08-02", &["--dry-run"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(drafts.join("notes.txt")).unwrap(), "mes notes");
    // Issuing into a folder of drafts removes the drafts, never the user's file.
    let drafts_ledger = workspace.dir.path().join("other-ledger.jsonl");
    let output =
        workspace.try_run_into(&drafts, "2026-08-02", &["--ledger", drafts_ledger.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("projet(s) d'une simulation précédente supprimé(s)"),
        "{}",
        stderr(&output)
    );
    let left = files_of(&drafts);
    assert!(left.keys().all(|name| !name.starts_with("PROJET_")), "{:?}", left.keys());
    assert_eq!(left.get("notes.txt").map(Vec::as_slice), Some(&b"mes notes"[..]));
}

#[test]
fn the_default_dry_run_folder_is_not_the_issued_one() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_mutua"))
            .args(args)
            .arg("--data")
            .arg(fixtures())
            .args(["--issue-date", "2026-07-15"])
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    assert!(run(&["run"]).status.success());
    let output = run(&["run", "--dry-run"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(dir.path().join("out-projet/manifest.json").is_file());
    assert!(files_of(&dir.path().join("out")).keys().all(|name| !name.starts_with("PROJET_")));
}

#[test]
fn a_missing_kept_document_is_written_again_identical() {
    let workspace = Workspace::new();
    workspace.run("2026-07-15");
    let name = workspace.documents()[3]["file"]["name"].as_str().unwrap().to_owned();
    let bytes = std::fs::read(workspace.out().join(&name)).unwrap();
    std::fs::remove_file(workspace.out().join(&name)).unwrap();
    let check = workspace.check_ledger();
    assert_eq!(check.status.code(), Some(1), "a missing issued file is an error for mutua ledger");
    assert!(stderr(&check).contains("est introuvable"), "{}", stderr(&check));
    let output = workspace.run("2026-07-16");
    assert!(stderr(&output).contains("réécrit à l'identique"), "{}", stderr(&output));
    assert_eq!(std::fs::read(workspace.out().join(&name)).unwrap(), bytes);
    workspace.assert_ledger_passes("after a restore");
}

#[test]
fn a_series_start_numbers_a_new_series_from_it() {
    let workspace = Workspace::new();
    let output = workspace.try_run("2026-07-15", &["--series-start", "FAC-MEL-2026=412"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let documents = workspace.documents();
    let invoices: Vec<&Value> = documents.iter().filter(|d| d["series"] == "FAC-MEL-2026").collect();
    assert_eq!(invoices[0]["number"], "FAC-MEL-2026-00412");
    assert_eq!(invoices.last().unwrap()["sequence"].as_u64(), Some(412 + invoices.len() as u64 - 1));
    assert_ledger_sound(&documents);
}

#[test]
fn mutua_ledger_lists_documents_and_detects_a_tampered_pdf_and_an_edited_line() {
    let workspace = Workspace::new();
    workspace.run("2026-07-15");
    let check = workspace.check_ledger();
    assert!(check.status.success(), "{}", stderr(&check));
    let listing = String::from_utf8(check.stdout).unwrap();
    assert!(listing.contains("FAC-MEL-2026-00001") && listing.contains("en vigueur"), "{listing}");
    // One changed byte in an issued PDF.
    let file = workspace.out().join(workspace.documents()[0]["file"]["name"].as_str().unwrap());
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&file, &bytes).unwrap();
    let check = workspace.check_ledger();
    assert_eq!(check.status.code(), Some(1));
    assert!(stderr(&check).contains("ne correspond plus à son empreinte SHA-256"), "{}", stderr(&check));
    bytes[middle] ^= 0x01;
    std::fs::write(&file, &bytes).unwrap();
    workspace.assert_ledger_passes("after undoing the change");
    // A hand-edited ledger line (a total changed).
    let text = std::fs::read_to_string(workspace.ledger()).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[4] = lines[4].replacen("\"total\":\"", "\"total\":\"9", 1);
    std::fs::write(workspace.ledger(), lines.join("\n") + "\n").unwrap();
    let check = workspace.check_ledger();
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stderr(&check).contains("ligne 5 : l'enregistrement ne correspond pas à sa somme de contrôle"),
        "{}",
        stderr(&check)
    );
    // And a run refuses to issue on top of it.
    let output = workspace.try_run("2026-07-20", &[]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn an_output_of_an_earlier_version_is_taken_over_when_the_ledger_knows_all_its_files() {
    let workspace = Workspace::new();
    workspace.run("2026-07-15");
    let files = workspace.files();
    // An earlier version kept no state in the output.
    std::fs::remove_dir_all(workspace.out().join(".mutua")).unwrap();
    let output = workspace.run("2026-07-16");
    assert!(stderr(&output).contains("dossier écrit par une version antérieure"), "{}", stderr(&output));
    let mut after = workspace.files();
    after.remove("manifest.json");
    let mut before = files;
    before.remove("manifest.json");
    assert_eq!(after, before);
    assert!(workspace.out().join(".mutua/state.json").is_file());
}

#[test]
fn a_first_format_ledger_is_refused_until_it_is_migrated() {
    let workspace = Workspace::new();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/mutua-issue/tests/data/v1-ledger.jsonl"),
        workspace.ledger(),
    )
    .unwrap();
    let output = workspace.try_run("2026-07-20", &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("ancien format (mutua-ledger/1)"), "{}", stderr(&output));
    let output = mutua(&["ledger", "--ledger", workspace.ledger().to_str().unwrap(), "--migrate"]);
    assert!(
        stderr(&output).contains("6 document(s) convertis au format mutua-ledger/3"),
        "{}",
        stderr(&output)
    );
    assert!(workspace.dir.path().join("mutua-ledger.jsonl.v1").is_file());
    // The converted ledger names files of an output this test does not have: mutua ledger says so.
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("est introuvable"), "{}", stderr(&output));
}
