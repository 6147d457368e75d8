//! The source seam: the bundled dataset read from its directory and from a JSON document gives the same
//! documents, byte for byte; errors in a JSON document name their row by table and key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use mutua_dataset::{DatasetRows, json};
use mutua_issue::{DirectoryTarget, IssueOptions, LockWait, NoProgress, OutputFormat, issue_to_directory};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mel")
}

/// Issues 2026-S1 of `dataset` into `folder/out`, returning every file written, sorted by name.
fn issued_files(dataset: &mutua_core::ValidatedDataset, folder: &Path) -> Vec<(String, Vec<u8>)> {
    let options = IssueOptions {
        semester: "2026-S1".parse().unwrap(),
        issue_date: chrono::NaiveDate::from_ymd_opt(2026, 7, 15).unwrap(),
        format: OutputFormat::FacturX,
        series_start: Default::default(),
        chunk: mutua_issue::DEFAULT_CHUNK,
    };
    let target = DirectoryTarget {
        out: folder.join("out"),
        ledger: folder.join("mutua-ledger.jsonl"),
        holder: "test".into(),
        wait: LockWait::Fail,
    };
    issue_to_directory(dataset, &options, &target, &NoProgress).unwrap();
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(folder.join("out"))
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_type().unwrap().is_file())
        .map(|entry| (entry.file_name().to_string_lossy().into_owned(), std::fs::read(entry.path()).unwrap()))
        .collect();
    files.sort();
    files
}

#[test]
fn the_json_source_gives_the_directory_source_s_documents_byte_for_byte() {
    let from_directory = mutua_dataset::load(&fixtures()).unwrap();
    let document = json::to_json(&DatasetRows::of(&from_directory));
    let scratch = tempfile::tempdir().unwrap();
    let path = scratch.path().join("dataset.json");
    std::fs::write(&path, &document).unwrap();
    let from_json = mutua_dataset::load(&path).unwrap_or_else(|errors| panic!("{errors}"));
    // The same data, wherever it was read from (only the rows' sources differ).
    let mut rows = DatasetRows::of(&from_json);
    let mut expected = DatasetRows::of(&from_directory);
    rows.locate_by_key();
    expected.locate_by_key();
    assert_eq!(rows, expected);
    // The same documents, reports and ledger.
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let directory_files = issued_files(&from_directory, a.path());
    let json_files = issued_files(&from_json, b.path());
    assert_eq!(directory_files.len(), 179, "176 documents and 3 reports");
    assert_eq!(
        directory_files.iter().map(|(name, _)| name).collect::<Vec<_>>(),
        json_files.iter().map(|(name, _)| name).collect::<Vec<_>>()
    );
    for ((name, left), (_, right)) in directory_files.iter().zip(&json_files) {
        assert!(left == right, "{name} differs between the sources");
    }
    assert_eq!(
        std::fs::read(a.path().join("mutua-ledger.jsonl")).unwrap(),
        std::fs::read(b.path().join("mutua-ledger.jsonl")).unwrap()
    );
    // A document written again is the same document.
    assert_eq!(json::to_json(&DatasetRows::of(&from_json)), document);
}

#[test]
fn errors_in_a_json_document_name_their_row_or_their_line() {
    let from_directory = mutua_dataset::load(&fixtures()).unwrap();
    let rows = DatasetRows::of(&from_directory);
    let scratch = tempfile::tempdir().unwrap();
    let path = scratch.path().join("dataset.json");
    let mut unknown = rows.clone();
    unknown.memberships[0].member = "59999".parse().unwrap();
    let key = format!(
        "memberships[{}/59999/{}]",
        unknown.memberships[0].convention,
        unknown.memberships[0].range.start()
    );
    std::fs::write(&path, json::to_json(&unknown)).unwrap();
    let errors = mutua_dataset::load(&path).unwrap_err().to_string();
    assert!(errors.starts_with(&format!("{key}: member: unknown party `59999`")), "{errors}");
    let mut twice = rows.clone();
    twice.parties.push(twice.parties[3].clone());
    std::fs::write(&path, json::to_json(&twice)).unwrap();
    let errors = mutua_dataset::load(&path).unwrap_err().to_string();
    let id = &twice.parties[3].id;
    assert_eq!(errors, format!("parties[{id}]: id: duplicate party `{id}` (first at parties[{id}])"));
    // A malformed value: the document's line.
    let text =
        String::from_utf8(json::to_json(&rows)).unwrap().replacen("\"siren\": \"", "\"siren\": \"1", 1);
    std::fs::write(&path, &text).unwrap();
    let errors = mutua_dataset::load(&path).unwrap_err().to_string();
    let line = text.lines().position(|l| l.contains("\"siren\": \"1")).unwrap() + 1;
    assert!(errors.starts_with(&format!("dataset.json:{line}: json: ")), "{errors}");
    assert!(errors.contains("is not a SIREN"), "{errors}");
}

#[test]
fn mutua_import_writes_a_document_every_command_reads_and_never_replaces_a_file() {
    let scratch = tempfile::tempdir().unwrap();
    let path = scratch.path().join("dataset.json");
    let mutua = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_mutua")).args(args).output().unwrap();
    let fixtures = fixtures();
    let import = mutua(&["import", "--data", fixtures.to_str().unwrap(), "--out", path.to_str().unwrap()]);
    assert!(import.status.success(), "{}", String::from_utf8_lossy(&import.stderr));
    let written = std::fs::read(&path).unwrap();
    let again = mutua(&["import", "--data", fixtures.to_str().unwrap(), "--out", path.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("n'est jamais remplacé"));
    assert_eq!(std::fs::read(&path).unwrap(), written, "an existing file is left as it is");
    let check = mutua(&["check", "--data", path.to_str().unwrap()]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    let explained = |data: &Path| {
        let output = mutua(&["explain", "--commune", "59005", "--data", data.to_str().unwrap()]);
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(explained(&path), explained(&fixtures));
}
