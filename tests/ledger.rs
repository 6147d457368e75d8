//! Issued documents are immutable: re-runs, corrections by credit note, dry runs, crashes, and `mutua ledger`.
#![allow(clippy::unwrap_used, clippy::print_stderr, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

mod common;
use common::{copy_dir, fixtures, mutua};

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let workspace = Workspace { dir: tempfile::tempdir().unwrap() };
        copy_dir(&fixtures(), &workspace.data());
        workspace
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    fn ledger(&self) -> PathBuf {
        self.dir.path().join("mutua-ledger.jsonl")
    }

    fn run_args(&self, issue_date: &str) -> Vec<String> {
        let mut args: Vec<String> = vec!["run".into(), "--data".into(), self.data().to_string_lossy().into()];
        args.extend([
            "--out".into(),
            self.out().to_string_lossy().into(),
            "--issue-date".into(),
            issue_date.into(),
        ]);
        args
    }

    fn run(&self, issue_date: &str) -> Output {
        let args = self.run_args(issue_date);
        let output = mutua(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(output.status.success(), "mutua run: {}", String::from_utf8_lossy(&output.stderr));
        output
    }

    fn check_ledger(&self) -> Output {
        mutua(&["ledger", "--ledger", self.ledger().to_str().unwrap()])
    }

    fn manifest(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.out().join("manifest.json")).unwrap()).unwrap()
    }

    fn files(&self) -> BTreeMap<String, Vec<u8>> {
        std::fs::read_dir(self.out())
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
            .collect()
    }

    /// The ledger's records as JSON values (the part before the tab of each line).
    fn records(&self) -> Vec<Value> {
        std::fs::read_to_string(self.ledger())
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line.rsplit_once('\t').unwrap().0).unwrap())
            .collect()
    }

    /// Changes the quantity of the first 2026-S1 activity row of a convention; returns the member.
    fn change_activity(&self, convention_prefix: &str, quantity: &str) -> String {
        let path = self.data().join("activity.csv");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut member = String::new();
        let mut done = false;
        let lines: Vec<String> = text
            .lines()
            .map(|line| {
                let cells: Vec<&str> = line.split(',').collect();
                if !done && cells[0].starts_with(convention_prefix) && cells[2] == "2026-S1" {
                    done = true;
                    member = cells[1].to_owned();
                    format!("{},{},{},{},{},{quantity}", cells[0], cells[1], cells[2], cells[3], cells[4])
                } else {
                    line.to_owned()
                }
            })
            .collect();
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        member
    }
}

fn assert_ledger_sound(records: &[Value]) {
    let mut numbers = BTreeSet::new();
    let mut series: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for record in records {
        assert!(numbers.insert(record["number"].as_str().unwrap().to_owned()), "{} twice", record["number"]);
        series
            .entry(record["series"].as_str().unwrap().to_owned())
            .or_default()
            .push(record["sequence"].as_u64().unwrap());
    }
    for (name, sequences) in series {
        assert_eq!(sequences, (1..=sequences.len() as u64).collect::<Vec<_>>(), "series {name}");
    }
    // No slot (kind family, issuer, recipient) has two documents in force.
    let cancelled: BTreeSet<&str> = records.iter().filter_map(|r| r["corrects"].as_str()).collect();
    let mut in_force = BTreeSet::new();
    for record in records
        .iter()
        .filter(|r| r["corrects"].is_null() && !cancelled.contains(r["number"].as_str().unwrap()))
    {
        let family = match record["kind"].as_str().unwrap() {
            "credit_note" => "invoice",
            other => other,
        };
        let slot = (
            family.to_owned(),
            record["issuer"].to_string(),
            record["recipient"].to_string(),
            record["semester"].to_string(),
        );
        assert!(in_force.insert(slot.clone()), "two documents in force for {slot:?}");
    }
}

#[test]
fn a_rerun_on_the_same_inputs_issues_nothing_and_writes_the_same_bytes() {
    let workspace = Workspace::new();
    workspace.run("2026-07-15");
    let first = workspace.files();
    let ledger = std::fs::read(workspace.ledger()).unwrap();
    // Another day: kept documents keep their numbers and dates.
    workspace.run("2026-07-20");
    assert_eq!(std::fs::read(workspace.ledger()).unwrap(), ledger, "the ledger changed");
    let second = workspace.files();
    assert_eq!(first.keys().collect::<Vec<_>>(), second.keys().collect::<Vec<_>>());
    for (name, bytes) in &first {
        if name != "manifest.json" {
            assert!(second[name] == *bytes, "{name} differs");
        }
    }
    let manifest = workspace.manifest();
    assert!(manifest["documents"].as_array().unwrap().iter().all(|d| d["status"] == "kept"));
    assert!(manifest["cancelled"].as_array().unwrap().is_empty());
    let check = workspace.check_ledger();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
}

#[test]
fn a_rerun_in_another_format_keeps_the_issued_format() {
    let workspace = Workspace::new();
    workspace.run("2026-07-15");
    let first = workspace.files();
    let mut args = workspace.run_args("2026-07-21");
    args.extend(["--format".to_owned(), "pdf".to_owned()]);
    let output = mutua(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("renders differently"), "{stderr}");
    let second = workspace.files();
    for (name, bytes) in first.iter().filter(|(name, _)| name.ends_with(".pdf")) {
        assert!(second.get(name) == Some(bytes), "{name}: an issued document changed with the run's format");
    }
}

#[test]
fn a_changed_activity_gives_one_credit_note_and_one_new_invoice() {
    let workspace = Workspace::new();
    workspace.run("2026-07-15");
    let before = workspace.files();
    let records_before = workspace.records().len();
    let debtor = workspace.change_activity("registre", "3");
    workspace.run("2026-08-03");
    let records = workspace.records();
    assert_eq!(records.len(), records_before + 2, "exactly two new documents");
    let new = &records[records_before..];
    let credit = new.iter().find(|r| r["kind"] == "credit_note").unwrap();
    let invoice = new.iter().find(|r| r["kind"] == "invoice").unwrap();
    assert_eq!(
        (credit["recipient"].as_str(), invoice["recipient"].as_str()),
        (Some(debtor.as_str()), Some(debtor.as_str()))
    );
    let cancelled = credit["corrects"].as_str().unwrap();
    let original = records.iter().find(|r| r["number"] == cancelled).unwrap();
    assert_eq!(original["recipient"].as_str(), Some(debtor.as_str()));
    assert_eq!(credit["issue_date"], "2026-08-03");
    assert_eq!(credit["number"], "AVO-MEL-2026-00001");
    assert_ledger_sound(&records);
    // Every other document is untouched, byte for byte; the cancelled invoice is still written, unchanged.
    let after = workspace.files();
    for (name, bytes) in &before {
        if name.ends_with(".pdf") {
            assert!(after.get(name) == Some(bytes), "{name} changed or vanished");
        }
    }
    let manifest = workspace.manifest();
    assert_eq!(manifest["cancelled"], serde_json::json!([cancelled]));
    let statuses: BTreeMap<String, usize> =
        manifest["documents"].as_array().unwrap().iter().fold(BTreeMap::new(), |mut counts, d| {
            *counts.entry(d["status"].as_str().unwrap().to_owned()).or_default() += 1;
            counts
        });
    assert_eq!((statuses["issued"], statuses["cancelled"]), (2, 1), "{statuses:?}");
    // The credit note says what it cancels, in French, and its lines are negative in lines.csv.
    let credit_file =
        workspace.out().join(
            manifest["documents"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["number"] == credit["number"])
                .unwrap()["file"]
                .as_str()
                .unwrap(),
        );
    if let Some(text) = pdftotext(&credit_file) {
        assert!(text.contains("AVOIR") && text.contains(&format!("facture n° {cancelled}")), "{text}");
    }
    let lines = std::fs::read_to_string(workspace.out().join("lines.csv")).unwrap();
    let credit_lines: Vec<&str> =
        lines.lines().filter(|l| l.starts_with(credit["number"].as_str().unwrap())).collect();
    assert!(!credit_lines.is_empty());
    assert!(credit_lines.iter().all(|l| l.contains(",-")), "{credit_lines:?}");
    assert!(workspace.check_ledger().status.success());
}

#[test]
fn a_dry_run_leaves_the_ledger_untouched_and_says_projet() {
    let workspace = Workspace::new();
    workspace.run("2026-07-15");
    let ledger = std::fs::read(workspace.ledger()).unwrap();
    workspace.change_activity("registre", "5");
    let mut args = workspace.run_args("2026-08-01");
    args.push("--dry-run".into());
    let output = mutua(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(std::fs::read(workspace.ledger()).unwrap(), ledger, "a dry run changed the ledger");
    let manifest = workspace.manifest();
    assert_eq!(manifest["draft"], true);
    let first = &manifest["documents"][0];
    assert_eq!(first["status"], "draft");
    assert!(first["file"].as_str().unwrap().starts_with("PROJET_"));
    if let Some(text) = pdftotext(&workspace.out().join(first["file"].as_str().unwrap())) {
        assert!(text.contains("PROJET"), "{text}");
        assert!(!text.contains("FAC-MEL-2026-0"), "a draft shows no number: {text}");
    }
}

#[test]
fn runs_killed_mid_issue_never_leave_a_gap_or_a_duplicate() {
    let workspace = Workspace::new();
    let args = workspace.run_args("2026-07-15");
    // Kill at several points of the issue: appends are slowed down so the kill lands among them.
    for (attempt, wait_ms) in [40u64, 250, 90, 600, 15, 400].into_iter().enumerate() {
        if attempt == 3 {
            // Change the inputs between crashes, too.
            workspace.change_activity("impression", "77");
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_mutua"))
            .args(&args)
            .env("MUTUA_TEST_APPEND_DELAY_MS", "3")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(wait_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if workspace.ledger().exists() {
            // Whatever the kill left, the ledger reads back (a torn tail is allowed, nothing else).
            let check = workspace.check_ledger();
            let stderr = String::from_utf8_lossy(&check.stderr);
            assert!(!stderr.contains("does not match its check"), "attempt {attempt}: {stderr}");
        }
    }
    workspace.run("2026-07-16");
    let records = workspace.records();
    assert!(!records.is_empty());
    assert_ledger_sound(&records);
    let check = workspace.check_ledger();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    // A final run on the same inputs issues nothing more.
    let count = records.len();
    workspace.run("2026-07-17");
    assert_eq!(workspace.records().len(), count);
}

#[test]
fn mutua_ledger_detects_a_tampered_pdf_and_an_edited_line() {
    let workspace = Workspace::new();
    workspace.run("2026-07-15");
    let check = workspace.check_ledger();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    let listing = String::from_utf8(check.stdout).unwrap();
    assert!(listing.contains("FAC-MEL-2026-00001") && listing.contains("in force"), "{listing}");
    // One changed byte in an issued PDF.
    let manifest = workspace.manifest();
    let file = workspace.out().join(manifest["documents"][0]["file"].as_str().unwrap());
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&file, &bytes).unwrap();
    let check = workspace.check_ledger();
    assert_eq!(check.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(stderr.contains("no longer matches its recorded SHA-256"), "{stderr}");
    bytes[middle] ^= 0x01;
    std::fs::write(&file, &bytes).unwrap();
    assert!(workspace.check_ledger().status.success());
    // A hand-edited ledger line (a total changed).
    let text = std::fs::read_to_string(workspace.ledger()).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[4] = lines[4].replacen("\"total\":\"", "\"total\":\"9", 1);
    std::fs::write(workspace.ledger(), lines.join("\n") + "\n").unwrap();
    let check = workspace.check_ledger();
    assert_eq!(check.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(
        stderr.contains(":5: the record does not match its check: edited by hand or corrupted"),
        "{stderr}"
    );
    // And a run refuses to issue on top of it.
    let args = workspace.run_args("2026-07-20");
    let output = mutua(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(output.status.code(), Some(1));
}

fn pdftotext(file: &Path) -> Option<String> {
    let output = Command::new("pdftotext").arg(file).arg("-").output().ok()?;
    Some(String::from_utf8_lossy(&output.stdout).replace(['\u{202f}', '\u{a0}'], " "))
}
