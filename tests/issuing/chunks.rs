//! A run cut in chunks (`--chunk N`, one commit group each) and rendered on any number of threads writes the same
//! bytes: every document, every report and every document entry of the ledger. A kill between two chunks leaves the
//! chunks before it issued and the next run completes the semester as a clean run would.

use std::collections::BTreeMap;
use std::process::Command;

use super::*;

const DATE: &str = "2026-07-15";

/// `mutua run` with a chunk size and a number of rendering threads.
fn run_with(workspace: &Workspace, chunk: &str, threads: &str, extra: &[&str]) -> std::process::Output {
    let mut args = workspace.run_args(DATE);
    args.extend(["--chunk".to_owned(), chunk.to_owned()]);
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    Command::new(env!("CARGO_BIN_EXE_mutua")).args(&args).env("RAYON_NUM_THREADS", threads).output().unwrap()
}

/// The manifest without the ledger head (it counts the commit entries, one per chunk).
fn manifest_without_head(workspace: &Workspace) -> Value {
    let mut manifest = workspace.manifest();
    manifest.as_object_mut().unwrap().remove("ledger");
    manifest
}

/// The documents of the output (PDF and XML), with their bytes.
fn documents_of(workspace: &Workspace) -> BTreeMap<String, Vec<u8>> {
    workspace
        .files()
        .into_iter()
        .filter(|(name, _)| name.ends_with(".pdf") || name.ends_with(".xml"))
        .collect()
}

/// The document entries of the ledger, without the chain's checks (commit entries differ with the chunks).
fn document_entries(workspace: &Workspace) -> Vec<Value> {
    workspace.documents()
}

fn commits(workspace: &Workspace) -> usize {
    entries(&std::fs::read_to_string(workspace.ledger()).unwrap())
        .iter()
        .filter(|entry| entry["type"] == "commit")
        .count()
}

#[test]
fn outputs_are_the_same_bytes_whatever_the_chunk_size_and_the_threads() {
    let reference = Workspace::new();
    let output = run_with(&reference, "100000", "1", &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let files = reference.files();
    assert!(files.len() > 150, "{}", files.len());
    assert_eq!(commits(&reference), 1);
    for (chunk, threads) in [("1", "2"), ("7", "1"), ("64", "2"), ("512", "3")] {
        let workspace = Workspace::new();
        let output = run_with(&workspace, chunk, threads, &[]);
        assert!(output.status.success(), "--chunk {chunk}: {}", stderr(&output));
        let case = format!("--chunk {chunk}, {threads} thread(s)");
        let other = workspace.files();
        assert_eq!(other.keys().collect::<Vec<_>>(), files.keys().collect::<Vec<_>>(), "{case}");
        for (name, bytes) in &files {
            if name != "manifest.json" {
                assert!(other.get(name) == Some(bytes), "{case}: {name} differs");
            }
        }
        assert_eq!(manifest_without_head(&workspace), manifest_without_head(&reference), "{case}");
        assert_eq!(document_entries(&workspace), document_entries(&reference), "{case}");
        let documents = document_entries(&workspace).len();
        let chunk: usize = chunk.parse().unwrap();
        assert_eq!(commits(&workspace), documents.div_ceil(chunk), "{case}: one commit per chunk");
        workspace.assert_ledger_passes(&case);
    }
}

#[test]
fn a_kill_between_two_chunks_leaves_the_first_issued_and_the_next_run_completes() {
    let reference = Workspace::new();
    reference.run(DATE);
    for fault in ["ledger-write:abort:3", "write:abort:25", "ledger-sync:error:2", "publish:error:4"] {
        let workspace = Workspace::new();
        let output = run_with(&workspace, "10", "2", &["--test-fault", fault]);
        assert!(!output.status.success(), "{fault}");
        workspace.assert_ledger_passes(fault);
        let issued = workspace.documents_if_any().len();
        assert!(issued > 0 && issued.is_multiple_of(10), "{fault}: {issued} documents committed");
        if fault.contains(":error") {
            let message = stderr(&output);
            assert!(
                message.contains(&format!("{issued} document(s) de cette exécution sont émis")),
                "{message}"
            );
            assert!(message.contains("relancez la même commande"), "{message}");
        }
        let output = run_with(&workspace, "10", "2", &[]);
        assert!(output.status.success(), "{fault}: {}", stderr(&output));
        assert_eq!(document_entries(&workspace), document_entries(&reference), "{fault}");
        assert!(
            documents_of(&workspace) == documents_of(&reference),
            "{fault}: not the files of a clean run"
        );
        for report in ["lines.csv", "carried.csv"] {
            assert!(
                workspace.files().get(report) == reference.files().get(report),
                "{fault}: {report} differs"
            );
        }
        assert!(!workspace.out().join(".mutua/pending.json").exists(), "{fault}: the intent is left");
        workspace.assert_ledger_passes(&format!("{fault}, after the next run"));
    }
}

/// The document entries of each commit group, in order.
fn groups(workspace: &Workspace) -> Vec<Vec<Value>> {
    let mut groups = Vec::new();
    let mut group = Vec::new();
    for entry in entries(&std::fs::read_to_string(workspace.ledger()).unwrap()) {
        match entry["type"].as_str().unwrap() {
            "document" => group.push(entry),
            "commit" => groups.push(std::mem::take(&mut group)),
            _ => {}
        }
    }
    groups
}

#[test]
fn a_credit_note_and_the_invoice_replacing_it_are_committed_together_whatever_the_chunk_size() {
    let workspace = Workspace::new();
    let output = run_with(&workspace, "1", "2", &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let before = groups(&workspace).len();
    let changed = workspace.change_activity("registre", "9");
    let mut args = workspace.run_args("2026-07-20");
    args.extend(["--chunk".to_owned(), "1".to_owned()]);
    let output = mutua(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(output.status.success(), "{}", stderr(&output));
    let new_groups = &groups(&workspace)[before..];
    let first = &new_groups[0];
    let credit_notes: Vec<&Value> = first.iter().filter(|d| d["kind"] == "credit_note").collect();
    assert!(!credit_notes.is_empty(), "no credit note in the first group");
    for note in &credit_notes {
        let recipient = &note["recipient"];
        assert!(
            first.iter().any(|d| d["kind"] == "invoice" && &d["recipient"] == recipient),
            "the invoice replacing the credit note to {recipient} is not in its group"
        );
    }
    assert!(credit_notes.iter().any(|note| note["recipient"] == changed.as_str()), "{changed}");
    // The groups after the first hold one document each.
    assert!(new_groups[1..].iter().all(|group| group.len() == 1));
    workspace.assert_ledger_passes("after the correction");
}
