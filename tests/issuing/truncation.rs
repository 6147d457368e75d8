//! A ledger cut by a torn line, shorn of whole lines, emptied, deleted, or restored from an older copy: each is
//! refused by `mutua run` and `mutua ledger` with a message saying what is missing, and nothing is written.

use super::*;

/// Two runs, the second after a change: two commits in the ledger.
fn two_commits() -> Workspace {
    let workspace = Workspace::new();
    workspace.run("2026-07-15");
    workspace.change_activity("registre", "6");
    workspace.run("2026-07-20");
    workspace
}

/// `mutua run` and `mutua ledger` both refuse, the run changes nothing, and the message says `message`.
fn assert_refused_everywhere(workspace: &Workspace, message: &str, case: &str) {
    let ledger = workspace.ledger_bytes();
    let anchor = std::fs::read(workspace.anchor()).ok();
    let files = workspace.files();
    let output = workspace.try_run("2026-07-25", &[]);
    assert_eq!(output.status.code(), Some(1), "{case}: run: {}", stderr(&output));
    assert!(
        stderr(&output).contains(message),
        "{case}: run: expected « {message} » in:\n{}",
        stderr(&output)
    );
    assert_eq!(workspace.ledger_bytes(), ledger, "{case}: the run changed the ledger");
    assert_eq!(std::fs::read(workspace.anchor()).ok(), anchor, "{case}: the run changed the anchor");
    assert_eq!(workspace.files(), files, "{case}: the run changed the output");
    let check = workspace.check_ledger();
    assert_eq!(check.status.code(), Some(1), "{case}: mutua ledger: {}", stderr(&check));
}

#[test]
fn a_ledger_cut_mid_line_is_refused() {
    let workspace = two_commits();
    let bytes = workspace.ledger_bytes().unwrap();
    std::fs::write(workspace.ledger(), &bytes[..bytes.len() - 40]).unwrap();
    assert_refused_everywhere(&workspace, "des numéros déjà émis manquent", "torn line");
}

#[test]
fn a_ledger_shorn_of_whole_lines_is_refused() {
    for lines in [1, 2, 5, 12] {
        let workspace = two_commits();
        let text = std::fs::read_to_string(workspace.ledger()).unwrap();
        let kept: Vec<&str> = text.lines().collect();
        let shorn = kept[..kept.len() - lines].join("\n") + "\n";
        std::fs::write(workspace.ledger(), shorn).unwrap();
        assert_refused_everywhere(
            &workspace,
            "des numéros déjà émis manquent",
            &format!("{lines} line(s) cut"),
        );
    }
}

#[test]
fn an_emptied_or_deleted_ledger_is_refused() {
    let workspace = two_commits();
    std::fs::write(workspace.ledger(), b"").unwrap();
    assert_refused_everywhere(&workspace, "des numéros déjà émis manquent", "emptied");
    std::fs::remove_file(workspace.ledger()).unwrap();
    assert_refused_everywhere(&workspace, "introuvable alors que", "deleted");
}

#[test]
fn a_ledger_and_its_anchor_lost_together_are_refused_by_the_documents_already_issued() {
    // Deleted with its anchor: the output's state still knows the ledger it was written with.
    let workspace = two_commits();
    std::fs::remove_file(workspace.ledger()).unwrap();
    std::fs::remove_file(workspace.anchor()).unwrap();
    let files = workspace.files();
    let output = workspace.try_run("2026-07-25", &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("que le registre actuel ne contient pas"), "{}", stderr(&output));
    assert_eq!(workspace.files(), files);
    assert_eq!(workspace.check_ledger().status.code(), Some(1));
    // And without that state too: the documents already issued are still there to refuse it.
    std::fs::remove_dir_all(workspace.out().join(".mutua")).unwrap();
    let output = workspace.try_run("2026-07-25", &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("n'est pas un dossier de sortie de mutua"), "{}", stderr(&output));
    assert_eq!(workspace.files(), files);
    // Shorn with its anchor: records remain, so the missing anchor is itself refused.
    let workspace = two_commits();
    let text = std::fs::read_to_string(workspace.ledger()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(workspace.ledger(), lines[..lines.len() - 3].join("\n") + "\n").unwrap();
    std::fs::remove_file(workspace.anchor()).unwrap();
    assert_refused_everywhere(&workspace, "aucune ancre", "shorn, anchor lost");
}

#[test]
fn a_ledger_and_anchor_restored_from_an_older_copy_are_refused_by_the_output() {
    let workspace = Workspace::new();
    workspace.run("2026-07-15");
    let old_ledger = workspace.ledger_bytes().unwrap();
    let old_anchor = std::fs::read(workspace.anchor()).unwrap();
    workspace.change_activity("registre", "6");
    workspace.run("2026-07-20");
    std::fs::write(workspace.ledger(), old_ledger).unwrap();
    std::fs::write(workspace.anchor(), old_anchor).unwrap();
    let files = workspace.files();
    let output = workspace.try_run("2026-07-25", &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("que le registre actuel ne contient pas"), "{}", stderr(&output));
    assert_eq!(workspace.files(), files);
    let check = workspace.check_ledger();
    assert_eq!(check.status.code(), Some(1));
    assert!(stderr(&check).contains("document inconnu du registre"), "{}", stderr(&check));
}

#[test]
fn a_lost_anchor_can_be_rewritten_by_the_officer_for_a_whole_ledger() {
    let workspace = two_commits();
    std::fs::remove_file(workspace.anchor()).unwrap();
    assert_refused_everywhere(&workspace, "aucune ancre", "anchor lost");
    let output = mutua(&["ledger", "--ledger", workspace.ledger().to_str().unwrap(), "--reanchor"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("ancre réécrite"), "{}", stderr(&output));
    workspace.run("2026-07-25");
}
