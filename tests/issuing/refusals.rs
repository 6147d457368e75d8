//! What is refused, with nothing written: an output that is a file or someone else's folder, drafts into issued
//! documents, a changed issued file, a ledger with a gap, a date that goes back, a series start that does not
//! apply — and what is reported instead of destroyed.

use super::*;

/// Asserts a refused run: exit 1, a message, and neither the ledger nor the output changed.
fn assert_refused(workspace: &Workspace, output: &Output, message: &str) {
    assert_eq!(output.status.code(), Some(1), "{}", stderr(output));
    assert!(stderr(output).contains(message), "expected « {message} » in:\n{}", stderr(output));
    let _ = workspace;
}

#[test]
fn an_output_that_is_a_file_is_refused_before_anything_is_written() {
    let workspace = Workspace::new();
    std::fs::write(workspace.out(), "not a folder").unwrap();
    let output = workspace.try_run("2026-07-15", &[]);
    assert_refused(&workspace, &output, "est un fichier, pas un dossier de sortie");
    assert!(workspace.ledger_bytes().is_none(), "a ledger was created");
    assert!(!workspace.anchor().exists());
    assert_eq!(std::fs::read_to_string(workspace.out()).unwrap(), "not a folder");
}

#[test]
fn a_folder_mutua_did_not_write_is_neither_used_nor_emptied() {
    let workspace = Workspace::new();
    std::fs::create_dir(workspace.out()).unwrap();
    std::fs::write(workspace.out().join("budget.xlsx"), "le budget").unwrap();
    let output = workspace.try_run("2026-07-15", &[]);
    assert_refused(
        &workspace,
        &output,
        "n'est pas un dossier de sortie de mutua (il contient « budget.xlsx »)",
    );
    let left: Vec<_> = std::fs::read_dir(workspace.out()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from("budget.xlsx")], "the folder was changed");
    assert!(workspace.ledger_bytes().is_none());
    // A file the user adds to an output mutua wrote is left alone by later runs.
    std::fs::remove_file(workspace.out().join("budget.xlsx")).unwrap();
    workspace.run("2026-07-15");
    std::fs::write(workspace.out().join("à lire.txt"), "note").unwrap();
    workspace.change_activity("registre", "9");
    workspace.run("2026-07-16");
    assert_eq!(std::fs::read_to_string(workspace.out().join("à lire.txt")).unwrap(), "note");
}

#[test]
fn a_dry_run_into_issued_documents_is_refused() {
    let workspace = Workspace::new();
    workspace.run("2026-07-15");
    let files = workspace.files();
    let output = workspace.try_run("2026-07-16", &["--dry-run"]);
    assert_refused(
        &workspace,
        &output,
        "contient des documents émis : un projet (--dry-run) n'y est jamais écrit",
    );
    assert_eq!(workspace.files(), files);
    // Also into an output of an earlier version, which has no state folder.
    std::fs::remove_dir_all(workspace.out().join(".mutua")).unwrap();
    let output = workspace.try_run("2026-07-16", &["--dry-run"]);
    assert_refused(&workspace, &output, "contient des documents émis");
    assert_eq!(workspace.files(), files);
}

#[test]
fn an_issued_file_changed_after_issue_is_an_error_and_is_not_overwritten() {
    let workspace = Workspace::new();
    workspace.run("2026-07-15");
    let ledger = workspace.ledger_bytes();
    let number = workspace.documents()[10]["number"].as_str().unwrap().to_owned();
    let name = workspace.documents()[10]["file"]["name"].as_str().unwrap().to_owned();
    let path = workspace.out().join(&name);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[100] ^= 0x20;
    std::fs::write(&path, &bytes).unwrap();
    let output = workspace.try_run("2026-07-16", &[]);
    assert_refused(&workspace, &output, &format!("{number} : le fichier émis"));
    assert!(stderr(&output).contains("a été modifié depuis son émission"), "{}", stderr(&output));
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "the changed file was overwritten");
    assert_eq!(workspace.ledger_bytes(), ledger);
}

#[test]
fn an_issue_date_before_the_issuers_last_is_refused() {
    let workspace = Workspace::new();
    workspace.run("2026-07-15");
    workspace.change_activity("registre", "4");
    let ledger = workspace.ledger_bytes();
    let output = workspace.try_run("2026-01-10", &[]);
    assert_refused(
        &workspace,
        &output,
        "date d'émission du 2026-01-10 antérieure au dernier document émis par MEL",
    );
    assert_eq!(workspace.ledger_bytes(), ledger);
    // The same date as the last is fine.
    workspace.run("2026-07-15");
}

#[test]
fn a_series_start_that_does_not_apply_is_an_error() {
    let workspace = Workspace::new();
    for (series, message) in [
        ("FAC-MLE-2026=5", "émetteur « MLE » inconnu du jeu de données"),
        ("FAC-MEL-2025=5", "les documents sont émis en 2026"),
        ("ANN-MEL-2026=5", "aucun document de cette exécution n'est numéroté dans cette série"),
        ("FCT-MEL-2026=5", "n'est pas une série de numérotation"),
        ("FAC-MEL-2026=0", "le premier numéro doit être ≥ 1"),
    ] {
        let output = workspace.try_run("2026-07-15", &["--series-start", series]);
        assert_ne!(output.status.code(), Some(0), "{series}");
        assert!(stderr(&output).contains(message), "{series}: {}", stderr(&output));
    }
    assert!(workspace.documents_if_any().is_empty(), "nothing was issued");
    workspace.run("2026-07-15");
    let output = workspace.try_run("2026-07-16", &["--series-start", "FAC-MEL-2026=500"]);
    assert_refused(&workspace, &output, "la série a déjà des numéros (dernier : FAC-MEL-2026-00090)");
}

#[test]
fn a_ledger_with_a_gap_in_the_middle_is_refused() {
    let workspace = Workspace::new();
    workspace.run("2026-07-15");
    // Remove one document in the middle and rebuild a chain, commit count and anchor that all agree: only the
    // numbering rule can tell.
    let text = std::fs::read_to_string(workspace.ledger()).unwrap();
    let mut entries = entries(&text);
    let removed = entries.remove(40);
    assert_eq!(removed["type"], "document");
    let last = entries.len() - 1;
    let count = entries[last]["documents"].as_u64().unwrap();
    entries[last]["documents"] = serde_json::json!(count - 1);
    let (rebuilt, head) = rechain(&entries);
    std::fs::write(workspace.ledger(), rebuilt).unwrap();
    std::fs::write(workspace.anchor(), head).unwrap();
    let output = workspace.try_run("2026-07-16", &[]);
    assert_refused(&workspace, &output, "laisserait un trou dans la série");
    let check = workspace.check_ledger();
    assert_eq!(check.status.code(), Some(1));
    assert!(stderr(&check).contains("laisserait un trou"), "{}", stderr(&check));
}

#[test]
fn folders_left_by_killed_runs_of_an_earlier_version_are_reported_not_deleted() {
    let workspace = Workspace::new();
    for name in [".out.tmp-4242", ".out.old-4243"] {
        std::fs::create_dir(workspace.dir.path().join(name)).unwrap();
        std::fs::write(workspace.dir.path().join(name).join("FAC-MEL-2026-00001_59005.pdf"), "issued?")
            .unwrap();
    }
    let output = workspace.run("2026-07-15");
    for name in [".out.tmp-4242", ".out.old-4243"] {
        assert!(
            stderr(&output).contains(&format!(
                "dossier temporaire d'une version antérieure : {}",
                workspace.dir.path().join(name).display()
            )),
            "{}",
            stderr(&output)
        );
        assert!(workspace.dir.path().join(name).join("FAC-MEL-2026-00001_59005.pdf").exists());
    }
}

/// Serialises entries as a ledger again, with a fresh hash chain; returns the ledger and its anchor file.
pub fn rechain(entries: &[Value]) -> (String, String) {
    use sha2::{Digest as _, Sha256};
    let mut previous = "0".repeat(64);
    let mut out = String::new();
    for entry in entries {
        let json = serde_json::to_string(entry).unwrap();
        let mut hasher = Sha256::new();
        hasher.update(previous.as_bytes());
        hasher.update(b"\n");
        hasher.update(json.as_bytes());
        previous = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
        out.push_str(&format!("{json}\t{previous}\n"));
    }
    let anchor = format!(
        "{{\"schema\":\"mutua-ledger-head/1\",\"entries\":{},\"check\":\"{previous}\"}}\n",
        entries.len()
    );
    (out, anchor)
}

impl Workspace {
    /// The committed documents, or none when there is no ledger.
    pub fn documents_if_any(&self) -> Vec<Value> {
        std::fs::read_to_string(self.ledger()).map(|text| committed_documents(&text)).unwrap_or_default()
    }
}
