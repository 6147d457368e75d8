//! A kill or an I/O error at every named step of the commit protocol (`docs/issuing.md`): after each, `mutua
//! ledger` passes, and the next run issues no number twice and loses no document.
//!
//! Faults come from the test-only `--test-fault STEP:KIND[:N]` of a build with the `fault-injection` feature:
//! `abort` stops the process on the spot as a kill would (nothing cleaned up, nothing flushed by mutua), `error`
//! makes the step fail as a full disk would.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

use super::*;

const FIRST: &str = "2026-07-15";
const SECOND: &str = "2026-07-20";

/// Steps before the ledger commit: an error there leaves the ledger and the output as they were.
const BEFORE_COMMIT: [&str; 7] =
    ["locked", "recover", "intent", "write", "publish", "ledger-write", "ledger-sync"];

type InForce = BTreeMap<(String, String, String, String), String>;

/// What is in force after the scenario runs cleanly: a first run, a change, a second run.
fn reference() -> &'static InForce {
    static REFERENCE: OnceLock<InForce> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let workspace = Workspace::new();
        workspace.run(FIRST);
        workspace.change_activity("registre", "6");
        workspace.run(SECOND);
        in_force(&workspace.documents())
    })
}

fn crash_case(step: &str, kind: &str) {
    let case = format!("{step}:{kind}");
    let workspace = Workspace::new();
    workspace.run(FIRST);
    let first_files = workspace.files();
    workspace.change_activity("registre", "6");
    if step == "recover" {
        // Something to recover from: a run killed after writing its first new file.
        let crashed = workspace.try_run(SECOND, &["--test-fault", "write:abort"]);
        assert_eq!(crashed.status.code(), None, "{case}: the first crash: {}", stderr(&crashed));
    }
    let ledger_before = workspace.ledger_bytes();
    let files_before = workspace.files();
    let fault = if step == "write" { format!("{step}:{kind}:2") } else { case.clone() };
    let output = workspace.try_run(SECOND, &["--test-fault", &fault]);
    match kind {
        "abort" => assert_eq!(output.status.code(), None, "{case}: not killed: {}", stderr(&output)),
        _ => assert_eq!(output.status.code(), Some(1), "{case}: {}", stderr(&output)),
    }
    workspace.assert_ledger_passes(&case);
    if kind == "error" {
        if BEFORE_COMMIT.contains(&step) {
            assert!(stderr(&output).contains("simulée"), "{case}: {}", stderr(&output));
            if step != "recover" {
                assert_eq!(workspace.ledger_bytes(), ledger_before, "{case}: the ledger changed");
                assert_eq!(workspace.files(), files_before, "{case}: the output changed");
            }
        } else {
            assert!(stderr(&output).contains("les documents sont émis"), "{case}: {}", stderr(&output));
        }
    }
    // The next run completes the work.
    let output = workspace.run(SECOND);
    let documents = workspace.documents();
    assert_ledger_sound(&documents);
    assert_outputs_match(&workspace);
    assert_eq!(&in_force(&documents), reference(), "{case}: not the documents of a clean run");
    for (name, bytes) in &first_files {
        if name.ends_with(".pdf") {
            assert!(workspace.files().get(name) == Some(bytes), "{case}: {name} changed or vanished");
        }
    }
    assert!(!workspace.out().join(".mutua/pending.json").exists(), "{case}: the intent is left");
    let leftovers: Vec<String> = workspace
        .files()
        .keys()
        .chain(files_of(&workspace.out().join(".mutua")).keys())
        .filter(|name| name.ends_with(".tmp"))
        .cloned()
        .collect();
    assert!(leftovers.is_empty(), "{case}: temporary files left: {leftovers:?}");
    workspace.assert_ledger_passes(&format!("{case}, after recovery"));
    let _ = output;
    // And a run on the same inputs issues nothing more.
    let count = documents.len();
    workspace.run("2026-07-21");
    assert_eq!(workspace.documents().len(), count, "{case}: a further run issued again");
}

macro_rules! crash_tests {
    ($($name:ident => $step:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                crash_case($step, "abort");
                crash_case($step, "error");
            }
        )*
    };
}

crash_tests! {
    a_fault_once_locked => "locked",
    a_fault_while_recovering_an_interrupted_run => "recover",
    a_fault_after_the_intent => "intent",
    a_fault_between_two_document_files => "write",
    a_fault_before_the_output_is_synced => "publish",
    a_fault_while_writing_the_ledger => "ledger-write",
    a_fault_before_the_ledger_is_synced => "ledger-sync",
    a_fault_before_the_anchor_is_updated => "anchor",
    a_fault_before_the_output_state_is_updated => "output-state",
    a_fault_before_the_reports => "reports",
    a_fault_before_the_intent_is_removed => "cleanup",
}

#[test]
fn runs_killed_at_random_moments_never_leave_a_gap_or_a_duplicate() {
    let workspace = Workspace::new();
    let args = workspace.run_args(FIRST);
    for (attempt, wait_ms) in [40u64, 250, 90, 600, 15, 400, 170].into_iter().enumerate() {
        if attempt == 3 {
            workspace.change_activity("impression", "77");
        }
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mutua"))
            .args(&args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(wait_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if workspace.ledger().exists() {
            workspace.assert_ledger_passes(&format!("kill {attempt}"));
        }
    }
    workspace.run(FIRST);
    let documents = workspace.documents();
    assert_ledger_sound(&documents);
    assert_outputs_match(&workspace);
    workspace.assert_ledger_passes("after the kills");
    let count = documents.len();
    workspace.run("2026-07-17");
    assert_eq!(workspace.documents().len(), count);
}

#[test]
fn a_first_run_stopped_before_its_commit_leaves_nothing_issued() {
    for fault in ["write:abort:3", "ledger-write:abort", "publish:error", "ledger-sync:error"] {
        let workspace = Workspace::new();
        let output = workspace.try_run(FIRST, &["--test-fault", fault]);
        assert!(!output.status.success(), "{fault}");
        workspace.assert_ledger_passes(fault);
        assert!(workspace.documents_if_any().is_empty(), "{fault}: a document is committed");
        workspace.run(FIRST);
        let documents = workspace.documents();
        assert_eq!(documents.len(), 176, "{fault}");
        assert_ledger_sound(&documents);
        assert_outputs_match(&workspace);
        workspace.assert_ledger_passes(&format!("{fault}, after recovery"));
    }
}
