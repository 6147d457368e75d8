//! `mutua check` on the broken-dataset corpus of `tests/data/` (the same corpus runs through the library in
//! `crates/mutua-dataset/tests/corpus.rs`), on the reference dataset `fixtures/mel`, and on a missing directory.
//!
//! Errors go to stderr, one `file:line: field: message` per line, then `N errors in DIR`; the summary of a
//! valid dataset goes to stdout.
#![allow(clippy::unwrap_used, reason = "test helpers: a panic is a failed test, with its location")]
#![allow(clippy::print_stdout, reason = "the fixtures test says why it is skipped")]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn check(data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mutua")).arg("check").arg("--data").arg(data).output().unwrap()
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Lays a case over a copy of the base: its files replace the base's, `name.delete` deletes `name`.
fn apply(case: &Path, from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            fs::create_dir_all(&target).unwrap();
            apply(case, &entry.path(), &target);
        } else if from == case && name == "expected.txt" {
            continue;
        } else if let Some(deleted) = name.strip_suffix(".delete") {
            let deleted = to.join(deleted);
            if deleted.is_dir() {
                fs::remove_dir_all(deleted).unwrap();
            } else {
                fs::remove_file(deleted).unwrap();
            }
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn cases() -> Vec<PathBuf> {
    cases_in("tests/data/broken")
}

fn cases_in(dir: &str) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = fs::read_dir(root().join(dir))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    cases
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn base_passes_with_a_summary() {
    let output = check(&root().join("tests/data/base"));
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "stdout:\n{stdout}\nstderr:\n{}", text(&output.stderr));
    assert!(output.stderr.is_empty());
    for expected in [
        "Dataset: Jeu de test mutua — base (",
        "Current semester: 2026-S1",
        "Parties: 7 (commune 6, metropole 1)",
        "  millésime 2023: 6 communes, population municipale 317368",
        "Conventions: 6",
        "Memberships: 21",
        "  cep-2021       cep                         3     4",
        "Years covered: 2025–2026",
        "Activity: 10 rows",
        "Valuations: 4 (3 forecast, 1 actual); loaded FTE costs: 6",
        "CEE: 1 deposit, 4 operations",
    ] {
        assert!(stdout.lines().any(|line| line.starts_with(expected)), "missing `{expected}` in:\n{stdout}");
    }
}

#[test]
fn every_broken_case_fails_with_exactly_its_expected_errors() {
    assert_corpus(&cases(), "");
}

/// Datasets that load, but that `check` refuses for their semester (carried amounts, recorded activity, texts the
/// documents cannot print): the same errors `mutua run` would refuse them with, before anything is written.
#[test]
fn every_refused_case_fails_check_with_exactly_its_expected_errors() {
    let cases = cases_in("tests/data/refused");
    assert!(cases.len() >= 5, "the corpus has {} cases", cases.len());
    assert_corpus(&cases, " for 2026-S1");
}

fn assert_corpus(cases: &[PathBuf], count_suffix: &str) {
    assert!(cases.len() >= 5, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let expected = fs::read_to_string(case.join("expected.txt")).unwrap();
        let expected: Vec<&str> = expected.lines().filter(|line| !line.is_empty()).collect();
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&root().join("tests/data/base"), dir.path());
        apply(case, case, dir.path());
        let output = check(dir.path());
        let stderr = text(&output.stderr);
        let mut lines: Vec<&str> = stderr.lines().collect();
        let count = lines.pop().unwrap_or_default();
        let noun = if expected.len() == 1 { "error" } else { "errors" };
        let expected_count = format!("{} {noun} in {}{count_suffix}", expected.len(), dir.path().display());
        if output.status.code() != Some(1) || lines != expected || count != expected_count {
            failures.push(format!(
                "{name}: exit {:?}\n  expected:\n    {}\n    {expected_count}\n  stderr:\n    {}",
                output.status.code(),
                expected.join("\n    "),
                stderr.lines().collect::<Vec<_>>().join("\n    ")
            ));
        }
        if !output.stdout.is_empty() {
            failures.push(format!("{name}: nothing should go to stdout, got {}", text(&output.stdout)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn a_missing_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = check(&dir.path().join("nowhere"));
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with("erreur : aucun jeu de données à `"), "{stderr}");
}

/// `fixtures/mel` is the reference dataset; while it is being built (no `dataset.toml` yet) this test is
/// skipped with a note.
#[test]
fn the_reference_dataset_passes() {
    let fixtures = root().join("fixtures/mel");
    if !fixtures.join("dataset.toml").is_file() {
        println!("note: skipped: {} has no dataset.toml yet", fixtures.display());
        return;
    }
    let output = check(&fixtures);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "stdout:\n{stdout}\nstderr:\n{}", text(&output.stderr));
    for expected in
        ["Dataset: ", "Current semester: ", "Parties: ", "Conventions: ", "Memberships: ", "CEE: "]
    {
        assert!(stdout.lines().any(|line| line.starts_with(expected)), "missing `{expected}` in:\n{stdout}");
    }
}
