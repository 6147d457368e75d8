//! The broken-dataset corpus of `tests/data/`, run through [`mutua_dataset::load`] (the CLI runs the same
//! corpus in the root package's `tests/check.rs`).
//!
//! `tests/data/base/` is a small valid dataset. Each `tests/data/broken/<case>/` holds the files that differ
//! from it (a file `<name>.delete` deletes `<name>`) and `expected.txt`, the exact error lines expected.
#![allow(clippy::unwrap_used, reason = "test helpers: a panic is a failed test, with its location")]

use std::fs;
use std::path::{Path, PathBuf};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data")
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

/// Copies the base dataset into a temporary directory and lays a case over it.
fn overlay(case: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&data_dir().join("base"), dir.path());
    apply(case, case, dir.path());
    dir
}

fn apply(root: &Path, from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            fs::create_dir_all(&target).unwrap();
            apply(root, &entry.path(), &target);
        } else if from == root && name == "expected.txt" {
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
    let mut cases: Vec<PathBuf> = fs::read_dir(data_dir().join("broken"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    cases
}

#[test]
fn base_loads_without_errors() {
    let dataset = match mutua_dataset::load(&data_dir().join("base")) {
        Ok(dataset) => dataset,
        Err(errors) => panic!("the base dataset must be valid:\n{errors}"),
    };
    assert_eq!(dataset.parties.len(), 7);
    assert_eq!(dataset.conventions.len(), 6);
    assert_eq!(dataset.memberships.len(), 21);
    assert_eq!(dataset.meta.current_semester.to_string(), "2026-S1");
}

#[test]
fn every_broken_case_gives_exactly_its_expected_errors() {
    let cases = cases();
    assert!(cases.len() >= 30, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let expected = fs::read_to_string(case.join("expected.txt"))
            .unwrap_or_else(|_| panic!("{name}: expected.txt is missing"));
        let expected: Vec<&str> = expected.lines().filter(|line| !line.is_empty()).collect();
        let dir = overlay(case);
        let got: Vec<String> = match mutua_dataset::load(dir.path()) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().map(ToString::to_string).collect(),
        };
        if got.is_empty() {
            failures.push(format!("{name}: loaded without errors"));
        } else if got != expected {
            failures.push(format!(
                "{name}:\n  expected:\n    {}\n  got:\n    {}",
                expected.join("\n    "),
                got.join("\n    ")
            ));
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

/// Every file of the base, cut short or with a byte replaced at many places, loads or fails with located
/// errors, but never panics.
#[test]
fn mangled_files_never_panic() {
    let base = data_dir().join("base");
    let mut files = vec![base.join("dataset.toml")];
    for entry in fs::read_dir(&base).unwrap().chain(fs::read_dir(base.join("conventions")).unwrap()) {
        let path = entry.unwrap().path();
        if path.is_file() && !files.contains(&path) {
            files.push(path);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&base, dir.path());
    let mut loads = 0;
    for file in &files {
        let relative = file.strip_prefix(&base).unwrap();
        let original = fs::read(file).unwrap();
        for position in (0..original.len()).step_by(89) {
            let mut variants = vec![original[..position].to_vec()];
            for byte in [b'"', b',', b'=', b'\n', 0xFF, b'9'] {
                let mut mangled = original.clone();
                mangled[position] = byte;
                variants.push(mangled);
            }
            for variant in variants {
                fs::write(dir.path().join(relative), &variant).unwrap();
                if let Err(errors) = mutua_dataset::load(dir.path()) {
                    assert!(errors.iter().all(|e| !e.file.is_empty() && !e.field.is_empty()), "{errors}");
                }
                loads += 1;
            }
        }
        fs::write(dir.path().join(relative), &original).unwrap();
    }
    assert!(loads > 300, "{loads} loads");
}
