//! Four `mutua run` started at once on one ledger, twenty rounds, half of them after an input change: never a
//! duplicate number, never two documents in force for a debtor and semester, the chain always valid, and every
//! process either succeeds or is refused by the lock, naming its holder.

use std::process::{Command, Stdio};

use super::*;

const LOCK_MESSAGE: &str = "est verrouillé par un autre processus (mutua run, processus ";

#[test]
fn four_runs_at_once_never_issue_a_number_twice() {
    let workspace = Workspace::new();
    let mut refused = 0;
    let mut succeeded = 0;
    for round in 0..20u32 {
        if round % 2 == 1 {
            // Half of the rounds follow an input change (a different quantity each time).
            workspace.change_activity("registre", &(round + 2).to_string());
        }
        let date = format!("2026-07-{:02}", round + 1);
        let children: Vec<_> = (0..4)
            .map(|process| {
                let mut args = workspace.run_args(&date);
                if process % 2 == 0 {
                    // Two of the four wait for the lock; two fail at once if it is taken.
                    args.extend(["--wait".to_owned(), "60".to_owned()]);
                }
                Command::new(env!("CARGO_BIN_EXE_mutua"))
                    .args(&args)
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            if output.status.success() {
                succeeded += 1;
            } else {
                let message = stderr(&output);
                assert_eq!(output.status.code(), Some(1), "round {round}: {message}");
                assert!(message.contains(LOCK_MESSAGE), "round {round}: not a lock refusal: {message}");
                refused += 1;
            }
        }
        let documents = workspace.documents();
        assert_ledger_sound(&documents);
        workspace.assert_ledger_passes(&format!("round {round}"));
    }
    assert_outputs_match(&workspace);
    // After all that, what is in force is what one clean run on the final inputs gives.
    let clean = Workspace::new();
    std::fs::copy(workspace.data().join("activity.csv"), clean.data().join("activity.csv")).unwrap();
    clean.run("2026-07-01");
    assert_eq!(in_force(&workspace.documents()), in_force(&clean.documents()));
    assert!(succeeded >= 20, "at least one run per round succeeds ({succeeded})");
    eprintln!("{succeeded} runs succeeded, {refused} were refused by the lock");
}
