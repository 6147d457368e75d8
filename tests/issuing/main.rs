//! Issued documents are immutable and numbered once: re-runs and corrections, refusals, crashes at every step of
//! the commit protocol, concurrent runs, and truncated ledgers — through the CLI, as a finance officer runs it.
#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::new_without_default, missing_docs)]

#[path = "../common/mod.rs"]
mod common;

mod chunks;
mod concurrency;
mod crash;
mod refusals;
mod reruns;
mod truncation;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub use common::{copy_dir, fixtures, mutua};

/// A dataset copy, an output folder and a ledger in a temporary directory.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Workspace {
        let workspace = Workspace { dir: tempfile::tempdir().unwrap() };
        copy_dir(&fixtures(), &workspace.data());
        workspace
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    pub fn ledger(&self) -> PathBuf {
        self.dir.path().join("mutua-ledger.jsonl")
    }

    pub fn anchor(&self) -> PathBuf {
        self.dir.path().join("mutua-ledger.jsonl.head")
    }

    pub fn run_args(&self, issue_date: &str) -> Vec<String> {
        vec![
            "run".into(),
            "--data".into(),
            self.data().to_string_lossy().into(),
            "--out".into(),
            self.out().to_string_lossy().into(),
            "--issue-date".into(),
            issue_date.into(),
        ]
    }

    /// `mutua run` with extra arguments, whatever its outcome.
    pub fn try_run(&self, issue_date: &str, extra: &[&str]) -> Output {
        let mut args = self.run_args(issue_date);
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        mutua(&args.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// `mutua run` into another output folder, whatever its outcome.
    pub fn try_run_into(&self, out: &Path, issue_date: &str, extra: &[&str]) -> Output {
        let mut args = vec!["run", "--data"];
        let data = self.data();
        args.push(data.to_str().unwrap());
        args.extend(["--out", out.to_str().unwrap(), "--issue-date", issue_date]);
        args.extend(extra);
        mutua(&args)
    }

    /// `mutua run`, which must succeed.
    pub fn run(&self, issue_date: &str) -> Output {
        let output = self.try_run(issue_date, &[]);
        assert!(output.status.success(), "mutua run: {}", stderr(&output));
        output
    }

    pub fn check_ledger(&self) -> Output {
        mutua(&["ledger", "--ledger", self.ledger().to_str().unwrap()])
    }

    /// Asserts `mutua ledger` passes.
    pub fn assert_ledger_passes(&self, context: &str) {
        let check = self.check_ledger();
        assert!(check.status.success(), "{context}: mutua ledger: {}", stderr(&check));
    }

    pub fn manifest(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.out().join("manifest.json")).unwrap()).unwrap()
    }

    /// The files of the output (not mutua's own state), with their bytes.
    pub fn files(&self) -> BTreeMap<String, Vec<u8>> {
        files_of(&self.out())
    }

    /// The ledger's bytes, or nothing.
    pub fn ledger_bytes(&self) -> Option<Vec<u8>> {
        std::fs::read(self.ledger()).ok()
    }

    /// The committed document entries of the ledger, as JSON.
    pub fn documents(&self) -> Vec<Value> {
        committed_documents(&std::fs::read_to_string(self.ledger()).unwrap())
    }

    /// Changes the quantity of the first 2026-S1 activity row of a convention; returns the member.
    pub fn change_activity(&self, convention_prefix: &str, quantity: &str) -> String {
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

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let Ok(listing) = std::fs::read_dir(dir) else { return BTreeMap::new() };
    listing
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != ".mutua")
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

/// The JSON of each complete line of a ledger (a torn last line is not one).
pub fn entries(text: &str) -> Vec<Value> {
    text.split_inclusive('\n')
        .filter(|line| line.ends_with('\n'))
        .map(|line| serde_json::from_str(line.trim_end().rsplit_once('\t').unwrap().0).unwrap())
        .collect()
}

/// The document entries closed by a commit entry.
pub fn committed_documents(text: &str) -> Vec<Value> {
    let mut committed = Vec::new();
    let mut group = Vec::new();
    for entry in entries(text) {
        match entry["type"].as_str().unwrap() {
            "document" => group.push(entry),
            "commit" => {
                assert_eq!(entry["documents"].as_u64().unwrap(), group.len() as u64, "commit count");
                committed.append(&mut group);
            }
            _ => {}
        }
    }
    committed
}

/// The ledger's invariants, checked independently of mutua: no number twice, every series continuous, at most
/// one document in force per kind family, issuer, recipient and semester; issue dates never go back per issuer.
pub fn assert_ledger_sound(documents: &[Value]) {
    let mut numbers = BTreeSet::new();
    let mut series: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut last_date: BTreeMap<String, String> = BTreeMap::new();
    for document in documents {
        let number = document["number"].as_str().unwrap();
        assert!(numbers.insert(number.to_owned()), "{number} twice");
        series
            .entry(document["series"].as_str().unwrap().to_owned())
            .or_default()
            .push(document["sequence"].as_u64().unwrap());
        let issuer = document["issuer"].as_str().unwrap().to_owned();
        let date = document["issue_date"].as_str().unwrap().to_owned();
        if let Some(previous) = last_date.get(&issuer) {
            assert!(date >= *previous, "{number} dated {date} after {previous}");
        }
        last_date.insert(issuer, date);
    }
    for (name, sequences) in series {
        let first = sequences[0];
        assert_eq!(sequences, (first..first + sequences.len() as u64).collect::<Vec<_>>(), "series {name}");
    }
    let cancelled: BTreeSet<&str> = documents.iter().filter_map(|d| d["corrects"].as_str()).collect();
    let mut in_force = BTreeSet::new();
    for document in documents
        .iter()
        .filter(|d| d["corrects"].is_null() && !cancelled.contains(d["number"].as_str().unwrap()))
    {
        let family = match document["kind"].as_str().unwrap() {
            "credit_note" => "invoice",
            other => other,
        };
        let slot = (
            family.to_owned(),
            document["issuer"].to_string(),
            document["recipient"].to_string(),
            document["semester"].to_string(),
        );
        assert!(in_force.insert(slot.clone()), "two documents in force for {slot:?}");
    }
}

/// What is in force: (kind family, issuer, recipient, semester) → total, from the committed documents.
pub fn in_force(documents: &[Value]) -> BTreeMap<(String, String, String, String), String> {
    let cancelled: BTreeSet<&str> = documents.iter().filter_map(|d| d["corrects"].as_str()).collect();
    documents
        .iter()
        .filter(|d| d["corrects"].is_null() && !cancelled.contains(d["number"].as_str().unwrap()))
        .map(|d| {
            let family = match d["kind"].as_str().unwrap() {
                "credit_note" => "invoice",
                other => other,
            };
            (
                (
                    family.to_owned(),
                    d["issuer"].to_string(),
                    d["recipient"].to_string(),
                    d["semester"].to_string(),
                ),
                d["total"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Every committed document has its file in the output, with its recorded SHA-256, and the output holds no
/// document file the ledger does not know.
pub fn assert_outputs_match(workspace: &Workspace) {
    use sha2::{Digest as _, Sha256};
    let files = workspace.files();
    let mut known = BTreeSet::new();
    for document in workspace.documents() {
        let name = document["file"]["name"].as_str().unwrap();
        let bytes = files.get(name).unwrap_or_else(|| panic!("{name} is missing"));
        let hex: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, document["file"]["sha256"].as_str().unwrap(), "{name}");
        known.insert(name.to_owned());
        if let Some(xml) = document["file"]["xml"]["name"].as_str() {
            known.insert(xml.to_owned());
        }
    }
    for name in files.keys() {
        let report = ["manifest.json", "lines.csv", "carried.csv"].contains(&name.as_str());
        assert!(report || known.contains(name), "{name} is in the output but not in the ledger");
    }
}

pub fn pdftotext(file: &Path) -> Option<String> {
    let output = Command::new("pdftotext").arg(file).arg("-").output().ok()?;
    Some(String::from_utf8_lossy(&output.stdout).replace(['\u{202f}', '\u{a0}'], " "))
}
